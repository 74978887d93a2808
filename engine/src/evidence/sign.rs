//! ed25519 keys and signatures for the evidence manifest and the case log.
//!
//! Key files are one line of text, a label then the 32 key bytes in hex:
//!
//! ```text
//! PREFIX.key   sigil-ed25519-secret-key <64 hex digits: the secret seed>   (mode 0600)
//! PREFIX.pub   sigil-ed25519-public-key <64 hex digits: the public key>
//! ```
//!
//! The label keeps a secret key from being passed where a public key is
//! expected (and the reverse). A detached signature (`manifest.json.sig`)
//! is one JSON line: `{"algorithm":"ed25519","public_key":"<hex>",
//! "signature":"<128 hex>"}`; the public key in it only tells which key
//! signed — verification always uses the key the operator supplies.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use ed25519_dalek::{Signer, SECRET_KEY_LENGTH};
use serde::{Deserialize, Serialize};

use super::{hex, unhex, EvidenceError};

/// Label of a secret key file.
pub const SECRET_LABEL: &str = "sigil-ed25519-secret-key";
/// Label of a public key file.
pub const PUBLIC_LABEL: &str = "sigil-ed25519-public-key";
/// Largest key or signature file read (they are about 100 bytes).
const MAX_SMALL_FILE: u64 = 4096;

/// Appends `suffix` to a path prefix (`case-1` → `case-1.key`), which
/// `Path::with_extension` would not do for prefixes containing a dot.
pub fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Generates a key pair from the operating system's random source and
/// writes `PREFIX.key` (0600) and `PREFIX.pub`, refusing to replace
/// existing files. Returns both paths and the public key.
pub fn write_keypair(prefix: &Path) -> Result<(PathBuf, PathBuf, VerifyingKey), EvidenceError> {
    let key_path = with_suffix(prefix, ".key");
    let pub_path = with_suffix(prefix, ".pub");
    let mut seed = [0u8; SECRET_KEY_LENGTH];
    getrandom::getrandom(&mut seed).map_err(|e| {
        EvidenceError::io(
            &key_path,
            std::io::Error::other(format!("no randomness: {e}")),
        )
    })?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let vk = key.verifying_key();
    let mut secret_line = format!("{SECRET_LABEL} {}\n", hex(key.as_bytes()));
    let written = write_new(&key_path, secret_line.as_bytes(), true);
    // Do not leave the secret in a freed allocation longer than needed.
    secret_line.clear();
    secret_line.shrink_to_fit();
    written?;
    write_new(
        &pub_path,
        format!("{PUBLIC_LABEL} {}\n", hex(vk.as_bytes())).as_bytes(),
        false,
    )?;
    Ok((key_path, pub_path, vk))
}

/// Creates `path` (never replacing a file) with `bytes`, owner-only when
/// `secret`.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), EvidenceError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(path).map_err(|e| EvidenceError::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| EvidenceError::io(path, e))
}

/// Reads a small text file (key or signature), refusing large ones.
fn read_small(path: &Path) -> Result<String, EvidenceError> {
    let meta = std::fs::metadata(path).map_err(|e| EvidenceError::io(path, e))?;
    if meta.len() > MAX_SMALL_FILE {
        return Err(EvidenceError::format(
            path,
            "file too large for a key or signature",
        ));
    }
    std::fs::read_to_string(path).map_err(|e| EvidenceError::io(path, e))
}

/// `LABEL HEX` → the 32 bytes.
fn parse_key_line(path: &Path, text: &str, label: &str) -> Result<[u8; 32], EvidenceError> {
    let mut words = text.split_whitespace();
    let (found, value) = (words.next(), words.next());
    if found != Some(label) {
        let other = if label == SECRET_LABEL {
            PUBLIC_LABEL
        } else {
            SECRET_LABEL
        };
        let why = if found == Some(other) {
            format!("this is a {other} file, expected a {label} file")
        } else {
            format!("not a {label} file")
        };
        return Err(EvidenceError::format(path, why));
    }
    if words.next().is_some() {
        return Err(EvidenceError::format(path, "unexpected text after the key"));
    }
    value
        .and_then(unhex::<32>)
        .ok_or_else(|| EvidenceError::format(path, "the key is not 64 hex digits"))
}

/// Loads a secret key written by [`write_keypair`]. On Unix the file must
/// not be readable by group or others (as ssh insists).
pub fn load_signing_key(path: &Path) -> Result<SigningKey, EvidenceError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| EvidenceError::io(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(EvidenceError::format(
                path,
                format!(
                    "secret key is readable by others (mode {:o}); chmod 600 it",
                    mode & 0o777
                ),
            ));
        }
    }
    let mut text = read_small(path)?;
    let seed = parse_key_line(path, &text, SECRET_LABEL);
    text.clear();
    Ok(SigningKey::from_bytes(&seed?))
}

/// Loads a public key written by [`write_keypair`].
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, EvidenceError> {
    let text = read_small(path)?;
    let bytes = parse_key_line(path, &text, PUBLIC_LABEL)?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| EvidenceError::format(path, "not a valid ed25519 public key"))
}

/// Signs `msg`.
pub fn sign(key: &SigningKey, msg: &[u8]) -> Signature {
    key.sign(msg)
}

/// True when `sig` is `vk`'s signature of `msg` (strict verification:
/// no malleable or small-order encodings).
pub fn verify(vk: &VerifyingKey, msg: &[u8], sig: &Signature) -> bool {
    vk.verify_strict(msg, sig).is_ok()
}

/// Parses 128 hex digits as a signature.
pub fn parse_signature_hex(s: &str) -> Option<Signature> {
    unhex::<64>(s).map(|b| Signature::from_bytes(&b))
}

/// The content of a detached signature file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetachedSignature {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The signer's public key (hex), for identification only.
    pub public_key: String,
    /// The signature (hex).
    pub signature: String,
}

/// Writes `path` (never replacing it) with `key`'s signature of `msg`.
pub fn write_detached(path: &Path, key: &SigningKey, msg: &[u8]) -> Result<(), EvidenceError> {
    let sig = DetachedSignature {
        algorithm: "ed25519".into(),
        public_key: hex(key.verifying_key().as_bytes()),
        signature: hex(&sign(key, msg).to_bytes()),
    };
    let mut line =
        serde_json::to_string(&sig).map_err(|e| EvidenceError::format(path, e.to_string()))?;
    line.push('\n');
    write_new(path, line.as_bytes(), false)
}

/// Reads a detached signature file.
pub fn read_detached(path: &Path) -> Result<(DetachedSignature, Signature), EvidenceError> {
    let text = read_small(path)?;
    let d: DetachedSignature = serde_json::from_str(text.trim_end())
        .map_err(|e| EvidenceError::format(path, format!("not a signature file: {e}")))?;
    if d.algorithm != "ed25519" {
        return Err(EvidenceError::format(
            path,
            format!("unsupported algorithm {:?}", d.algorithm),
        ));
    }
    let sig = parse_signature_hex(&d.signature)
        .ok_or_else(|| EvidenceError::format(path, "signature is not 128 hex digits"))?;
    Ok((d, sig))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn keygen_writes_loadable_owner_only_keys() {
        let dir = TempDir::new("sign-keys").unwrap();
        let prefix = dir.join("case.v1");
        let (kp, pp, vk) = write_keypair(&prefix).unwrap();
        assert_eq!(kp, dir.join("case.v1.key"));
        assert_eq!(pp, dir.join("case.v1.pub"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&kp).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sk = load_signing_key(&kp).unwrap();
        assert_eq!(sk.verifying_key(), vk);
        assert_eq!(load_verifying_key(&pp).unwrap(), vk);
        // Existing keys are never replaced.
        assert!(write_keypair(&prefix).is_err());
        assert_eq!(load_verifying_key(&pp).unwrap(), vk);
        // Swapped files are named as such.
        let err = load_verifying_key(&kp).unwrap_err().to_string();
        assert!(err.contains("secret-key file"), "{err}");
        assert!(load_signing_key(&pp).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn readable_secret_key_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("sign-perm").unwrap();
        let (kp, _, _) = write_keypair(&dir.join("k")).unwrap();
        std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_signing_key(&kp).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn detached_signatures_verify_only_the_signed_bytes() {
        let dir = TempDir::new("sign-det").unwrap();
        let (kp, pp, _) = write_keypair(&dir.join("k")).unwrap();
        let sk = load_signing_key(&kp).unwrap();
        let vk = load_verifying_key(&pp).unwrap();
        let sig_path = dir.join("m.sig");
        write_detached(&sig_path, &sk, b"manifest bytes").unwrap();
        let (d, sig) = read_detached(&sig_path).unwrap();
        assert_eq!(d.public_key, hex(vk.as_bytes()));
        assert!(verify(&vk, b"manifest bytes", &sig));
        assert!(!verify(&vk, b"manifest bytez", &sig));
        let (_, other_pub, _) = write_keypair(&dir.join("other")).unwrap();
        let other = load_verifying_key(&other_pub).unwrap();
        assert!(!verify(&other, b"manifest bytes", &sig));
        assert!(write_detached(&sig_path, &sk, b"again").is_err());
    }

    #[test]
    fn malformed_key_files_are_errors_not_panics() {
        let dir = TempDir::new("sign-bad").unwrap();
        for (i, text) in [
            "",
            "sigil-ed25519-public-key",
            "sigil-ed25519-public-key 12",
            "sigil-ed25519-public-key zz00000000000000000000000000000000000000000000000000000000000000",
            "ssh-ed25519 AAAA",
        ]
        .iter()
        .enumerate()
        {
            let p = dir.join(&format!("k{i}.pub"));
            std::fs::write(&p, text).unwrap();
            assert!(load_verifying_key(&p).is_err(), "{text:?}");
        }
        assert!(parse_signature_hex("00").is_none());
    }
}
