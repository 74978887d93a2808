//! `evidence/manifest.json`: every evidence file with its flow, the sids
//! that alerted, its size and its sha256 and md5.
//!
//! The manifest is deterministic — entries sorted by file name, no wall
//! clock inside — so two runs over the same input with the same rules
//! produce byte-identical manifests and the same manifest hash. Times of
//! the run live in the case log. It is written once (`O_EXCL`) and, when a
//! signing key is given, signed into `manifest.json.sig`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::recorder::EvidenceEntry;
use super::sign::{with_suffix, write_detached, SigningKey};
use super::{hex, EvidenceError};

/// File name of the manifest inside the evidence folder.
pub const MANIFEST_NAME: &str = "manifest.json";
/// Suffix of the detached signature next to the manifest.
pub const SIGNATURE_SUFFIX: &str = ".sig";
/// Value of the manifest's `format` field.
pub const MANIFEST_FORMAT: &str = "sigil-evidence-manifest/1";
/// Largest manifest [`read_manifest`] accepts (a hostile file must not
/// exhaust memory; a real one is about 700 bytes per file).
const MAX_MANIFEST: u64 = 1 << 30;

/// The manifest document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// Number of entries.
    pub files: u64,
    /// The files, sorted by name.
    pub entries: Vec<EvidenceEntry>,
}

/// Where the manifest went and what it hashes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestInfo {
    /// `DIR/manifest.json`.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its sha256 (hex).
    pub sha256: String,
    /// `DIR/manifest.json.sig`, when signed.
    pub signature: Option<PathBuf>,
}

/// The manifest's bytes for `entries` (sorted here; the order given does
/// not matter). Pretty-printed for people, with a final newline.
pub fn manifest_bytes(entries: &[EvidenceEntry]) -> Vec<u8> {
    let mut entries = entries.to_vec();
    entries.sort_by(|a, b| a.file.cmp(&b.file));
    let m = Manifest {
        format: MANIFEST_FORMAT.into(),
        files: entries.len() as u64,
        entries,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_vec_pretty(&m).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Writes `dir/manifest.json` (never replacing one) and, with `signer`,
/// `dir/manifest.json.sig`. Returns the manifest's sha256 for the case log.
pub fn write_manifest(
    dir: &Path,
    entries: &[EvidenceEntry],
    signer: Option<&SigningKey>,
) -> Result<ManifestInfo, EvidenceError> {
    std::fs::create_dir_all(dir).map_err(|e| EvidenceError::io(dir, e))?;
    let path = dir.join(MANIFEST_NAME);
    let bytes = manifest_bytes(entries);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| EvidenceError::io(&path, e))?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| EvidenceError::io(&path, e))?;
    let signature = match signer {
        Some(key) => {
            let sig_path = with_suffix(&path, SIGNATURE_SUFFIX);
            write_detached(&sig_path, key, &bytes)?;
            Some(sig_path)
        }
        None => None,
    };
    Ok(ManifestInfo {
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(&bytes)),
        path,
        signature,
    })
}

/// Reads and parses a manifest, returning its raw bytes too (what a
/// signature covers).
pub fn read_manifest(path: &Path) -> Result<(Manifest, Vec<u8>), EvidenceError> {
    let len = std::fs::metadata(path)
        .map_err(|e| EvidenceError::io(path, e))?
        .len();
    if len > MAX_MANIFEST {
        return Err(EvidenceError::format(path, "manifest larger than 1 GiB"));
    }
    let bytes = std::fs::read(path).map_err(|e| EvidenceError::io(path, e))?;
    let m = parse_manifest(path, &bytes)?;
    Ok((m, bytes))
}

/// Parses manifest bytes read from `path` (named in errors).
pub fn parse_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest, EvidenceError> {
    let m: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| EvidenceError::format(path, format!("not a manifest: {e}")))?;
    if m.format != MANIFEST_FORMAT {
        return Err(EvidenceError::format(
            path,
            format!("unknown manifest format {:?}", m.format),
        ));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::sign::{load_signing_key, read_detached, verify, write_keypair};
    use crate::testutil::TempDir;

    fn entry(file: &str, flow_id: u64) -> EvidenceEntry {
        EvidenceEntry {
            file: file.into(),
            flow_id,
            part: 1,
            proto: "UDP".into(),
            src_ip: "10.0.0.1".into(),
            src_port: 53,
            dest_ip: "2001:db8::1".into(),
            dest_port: 5353,
            vlan: Some(10),
            linktype: 1,
            first_ts: Some("2026-11-28T23:45:55.952876Z".into()),
            last_ts: Some("2026-11-28T23:45:56.000000Z".into()),
            first_alert_ts: None,
            packets: 2,
            bytes: 200,
            sids: vec![1, 2],
            sha256: "ab".repeat(32),
            md5: "cd".repeat(16),
            truncated: None,
        }
    }

    #[test]
    fn deterministic_whatever_the_order() {
        let a = vec![entry("flow-2.pcap", 2), entry("flow-10.pcap", 10)];
        let b = vec![entry("flow-10.pcap", 10), entry("flow-2.pcap", 2)];
        assert_eq!(manifest_bytes(&a), manifest_bytes(&b));
        let text = String::from_utf8(manifest_bytes(&a)).unwrap();
        assert!(text.find("flow-10.pcap") < text.find("flow-2.pcap"));
        assert!(text.contains("\"truncated\": null"));
    }

    #[test]
    fn write_read_round_trip_with_signature() {
        let dir = TempDir::new("manifest").unwrap();
        let (kp, _, vk) = write_keypair(&dir.join("k")).unwrap();
        let key = load_signing_key(&kp).unwrap();
        let ev = dir.join("evidence");
        let entries = vec![entry("flow-1.pcap", 1)];
        let info = write_manifest(&ev, &entries, Some(&key)).unwrap();
        let (m, bytes) = read_manifest(&info.path).unwrap();
        assert_eq!(m.entries, entries);
        assert_eq!(m.files, 1);
        assert_eq!(info.sha256, hex(&Sha256::digest(&bytes)));
        assert_eq!(info.size, bytes.len() as u64);
        let (_, sig) = read_detached(info.signature.as_ref().unwrap()).unwrap();
        assert!(verify(&vk, &bytes, &sig));
        // Never replaced.
        assert!(write_manifest(&ev, &[], None).is_err());
        assert_eq!(read_manifest(&info.path).unwrap().0.entries, entries);
    }

    #[test]
    fn rejects_foreign_json() {
        let dir = TempDir::new("manifest-bad").unwrap();
        let p = dir.join("m.json");
        std::fs::write(&p, br#"{"format":"other","files":0,"entries":[]}"#).unwrap();
        assert!(read_manifest(&p).is_err());
        std::fs::write(&p, b"[1,2").unwrap();
        assert!(read_manifest(&p).is_err());
    }
}
