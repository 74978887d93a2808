//! Evidence preservation: per-flow pcaps of the flows that alerted, a
//! manifest of their hashes, a hash-chained case log, optional ed25519
//! signatures, and the verification that recomputes all of it.
//!
//! Layout of an output directory (`OUTDIR`):
//!
//! ```text
//! OUTDIR/case.log                      JSON lines, each with the sha256 of the previous line
//! OUTDIR/eve.json, fast.log            listed in case.log `output` lines
//! OUTDIR/evidence/flow-<id>.pcap       one per alerted flow (more parts: flow-<id>-2.pcap …)
//! OUTDIR/evidence/manifest.json        every evidence file with sha256, md5, flow, sids
//! OUTDIR/evidence/manifest.json.sig    ed25519 signature of manifest.json (when signing)
//! ```
//!
//! Everything is written once and never overwritten (files are created with
//! `O_EXCL`), hashes are computed from the bytes as they are written (a file
//! is never read back to hash it), and every I/O error names its path and is
//! returned as a value: a full disk stops the evidence, not the process, and
//! what reached the disk stays described exactly by its hashes.

pub mod caselog;
pub mod fragments;
mod hashio;
pub mod integrity;
pub mod manifest;
pub mod pcapwriter;
pub mod recorder;
mod report;
mod ring;
pub mod sign;

use std::path::{Path, PathBuf};

pub use caselog::{CaseLog, FileRecord, StartInfo, CASE_LOG_NAME};
pub use hashio::{hash_file, FileDigests, Sha256Writer};
pub use integrity::{verify_outdir, Finding, Status, VerifyReport};
pub use manifest::{read_manifest, write_manifest, Manifest, ManifestInfo, MANIFEST_NAME};
pub use recorder::{
    EvidenceConfig, EvidenceEntry, EvidenceRecorder, EvidenceReport, EvidenceStats, Truncation,
};
pub use sign::{SigningKey, VerifyingKey};

/// The 5-tuple and outer VLAN of a flow, oriented client → server: the
/// flow tracker's key (`Flow::key`) is exactly that.
pub type FlowIdentity = crate::flow::FlowKey;

/// Name of the evidence folder inside an output directory.
pub const EVIDENCE_DIR: &str = "evidence";

/// `OUTDIR/evidence`.
pub fn evidence_dir(outdir: &Path) -> PathBuf {
    outdir.join(EVIDENCE_DIR)
}

/// Errors of the evidence writers and readers. Each names the file involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// Creating, writing, reading or closing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is not what this module writes (bad key, bad JSON…).
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl EvidenceError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        EvidenceError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, reason: impl Into<String>) -> Self {
        EvidenceError::Format {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Parses hex (either case) into exactly `N` bytes.
pub fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != N * 2 {
        return None;
    }
    let nibble = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let (hi, lo) = match pair {
            [h, l] => (nibble(*h)?, nibble(*l)?),
            _ => return None,
        };
        *o = (hi << 4) | lo;
    }
    Some(out)
}

/// The current wall-clock time as UTC ISO-8601 with microseconds
/// (`2026-11-28T23:45:55.952876Z`), for case-log records.
pub fn now_utc() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| {
            crate::capture::Timestamp::new(
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_nanos(),
            )
        })
        .unwrap_or_default();
    crate::output::time::iso_utc(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0x00, 0x7f, 0xab, 0xff];
        assert_eq!(hex(&bytes), "007fabff");
        assert_eq!(unhex::<4>("007FABff"), Some(bytes));
        assert_eq!(unhex::<4>("007fab"), None);
        assert_eq!(unhex::<2>("0g00"), None);
    }

    #[test]
    fn now_is_utc_iso() {
        let t = now_utc();
        assert_eq!(t.len(), "2026-11-28T23:45:55.952876Z".len(), "{t}");
        assert!(
            t.ends_with('Z') && t.as_bytes().get(10) == Some(&b'T'),
            "{t}"
        );
    }
}
