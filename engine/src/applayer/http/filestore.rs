//! Writing files to disk for `filestore` rules, in Suricata 8's file-store
//! v2 layout: `<dir>/<first two hex digits>/<sha256 of the content>`.
//!
//! While a loaded rule uses `filestore` (the engine sets
//! [`crate::applayer::AppConfig::file_store_dir`]), every HTTP file keeps
//! its data, up to a depth, until its transaction is done: a rule may
//! match after the data went by (on the response headers, or on the body
//! itself), and the whole file is still stored, as Suricata does by
//! keeping file data until detection decided. Files are written when
//! their transaction is handed out; identical content is stored once.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};
use sigil_rules::FileStore;

use super::body::FileState;
use super::tx::Tx;
use crate::evidence::hex;

/// Where files go and how much of each is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// The `filestore` directory (`OUTDIR/filestore`); see [`StoreConfig::new`].
    pub dir: &'static Path,
    /// Bytes of each file kept for storing; longer files are stored
    /// truncated (Suricata's `file-store.stream-depth`).
    pub depth: usize,
}

impl StoreConfig {
    /// Files under `dir`, `depth` bytes each at most. The parser
    /// configuration is a small `Copy` value shared by every flow, so the
    /// path is interned for the process: each distinct directory is
    /// allocated once, however many runs use it.
    pub fn new(dir: &Path, depth: usize) -> StoreConfig {
        static DIRS: OnceLock<Mutex<HashSet<&'static Path>>> = OnceLock::new();
        let mut dirs = DIRS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = match dirs.get(dir) {
            Some(d) => *d,
            None => {
                let d: &'static Path = Box::leak(dir.to_path_buf().into_boxed_path());
                dirs.insert(d);
                d
            }
        };
        StoreConfig { dir, depth }
    }
}

/// Default `stream-depth` of stored files.
pub const DEFAULT_DEPTH: usize = 16 << 20;

/// Writes `data` under `dir` as `xx/<sha256>`, unless a file of that name
/// exists already. Returns the SHA-256 (hex).
pub(crate) fn store(dir: &Path, data: &[u8]) -> std::io::Result<String> {
    let hex = hex(&Sha256::digest(data));
    let sub = dir.join(hex.get(..2).unwrap_or("00"));
    std::fs::create_dir_all(&sub)?;
    let path = sub.join(&hex);
    if path.exists() {
        return Ok(hex);
    }
    // Written aside then renamed: a reader never sees half a file.
    let tmp = sub.join(format!(".{hex}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(hex)
}

impl Tx {
    /// A `filestore` rule matched this transaction on a packet travelling
    /// `pkt_to_server`: mark the side(s) whose files are stored.
    pub fn mark_store(&mut self, fs: FileStore, pkt_to_server: bool) {
        for (i, side) in [true, false].into_iter().enumerate() {
            if fs.stores(pkt_to_server, side) {
                if let Some(s) = self.store.get_mut(i) {
                    *s = true;
                }
            }
        }
    }

    /// Adds the sides of `sides` (`[uploads, downloads]`) to those stored.
    pub(crate) fn store_sides(&mut self, sides: [bool; 2]) {
        for (s, add) in self.store.iter_mut().zip(sides) {
            *s |= add;
        }
    }

    /// Writes the files of the marked sides that ended (closed or
    /// truncated) and are not written yet; each becomes `stored`. A file
    /// that cannot be written stays unstored (logged as a warning). The
    /// kept data is released either way.
    pub fn write_stored_files(&mut self) {
        let Some(dir) = self.store_dir else {
            return;
        };
        let [up, down] = self.store;
        let uploads = self.req_files.iter_mut().filter(|_| up);
        let download = self.resp_file.iter_mut().filter(|_| down);
        for f in uploads.chain(download) {
            if f.stored || f.state == FileState::Open {
                continue;
            }
            match store(dir, &f.stash) {
                Ok(_) => f.stored = true,
                Err(e) => tracing::warn!("filestore: {}: {e}", dir.display()),
            }
            f.stash = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_content_hash_once() {
        let dir = std::env::temp_dir().join(format!("sigil-filestore-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let h = store(&dir, b"abc").expect("writable temp dir");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let path = dir.join("ba").join(&h);
        assert_eq!(std::fs::read(&path).expect("stored"), b"abc");
        // Same content again: kept, not rewritten.
        assert_eq!(store(&dir, b"abc").expect("writable"), h);
        let entries = std::fs::read_dir(dir.join("ba")).expect("dir").count();
        assert_eq!(entries, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod store_tests {
    use sigil_rules::{FileStore, StoreDir, StoreScope};

    use super::*;
    use crate::applayer::http::State;
    use crate::applayer::AppConfig;
    use crate::capture::Timestamp;
    use crate::flow::Direction::{ToClient, ToServer};

    const REQ: &[u8] = b"GET /x.bin HTTP/1.1\r\nHost: h\r\n\r\n";
    const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";

    fn run(dir: &Path, depth: usize, mark: Option<FileStore>) -> Vec<super::super::FileInfo> {
        let cfg = AppConfig {
            file_store: Some(StoreConfig::new(dir, depth)),
            ..AppConfig::default()
        };
        let mut st = State::new(&cfg);
        st.input(ToServer, REQ, Timestamp::default());
        st.input(ToClient, RESP, Timestamp::default());
        if let Some(fs) = mark {
            st.mark_store(0, fs, false);
        }
        let mut txs = st.take_finished(false);
        let tx = txs.first_mut().expect("one transaction");
        tx.write_stored_files();
        tx.files()
    }

    #[test]
    fn marked_downloads_are_stored_whole_or_to_the_depth() {
        let dir = std::env::temp_dir().join(format!("sigil-fs-tx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let fs = FileStore {
            dir: StoreDir::Matched,
            scope: StoreScope::Tx,
        };
        let files = run(&dir, 1 << 20, Some(fs));
        assert!(files[0].stored);
        let sha = files[0].sha256.clone().expect("closed cleanly");
        let path = dir.join(&sha[..2]).join(&sha);
        assert_eq!(std::fs::read(path).expect("stored"), b"0123456789");
        // Not marked: nothing stored.
        assert!(!run(&dir, 1 << 20, None)[0].stored);
        // Uploads only: the download stays.
        let up = FileStore {
            dir: StoreDir::ToServer,
            scope: StoreScope::Tx,
        };
        assert!(!run(&dir, 1 << 20, Some(up))[0].stored);
        // A depth of 4 keeps the first 4 bytes.
        assert!(run(&dir, 4, Some(fs))[0].stored);
        let short = hex(&Sha256::digest(b"0123"));
        assert_eq!(
            std::fs::read(dir.join(&short[..2]).join(&short)).expect("stored"),
            b"0123"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
