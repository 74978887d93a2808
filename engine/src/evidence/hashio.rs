//! Hash-while-writing files and streaming file hashes.
//!
//! [`HashingFile`] hashes exactly the bytes the operating system accepted:
//! it calls `write` itself and feeds each accepted slice to sha256 and md5,
//! so after a short write or a full disk the digests still describe the
//! file on disk byte for byte, with no need to read it back. It also keeps
//! track of record boundaries so the caller learns how many whole records
//! (pcap packets) reached the disk.
//!
//! The descriptor can be *parked* (closed after a flush) and reopened in
//! append mode later, so a worker with thousands of alerted flows does not
//! run out of file descriptors.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::hex;

/// Bytes buffered per open file before a write to the OS.
const WRITE_BUF: usize = 32 * 1024;

/// Size and digests of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigests {
    /// Length in bytes.
    pub size: u64,
    /// sha256, lower-case hex.
    pub sha256: String,
    /// md5, lower-case hex (empty when not asked for).
    pub md5: String,
}

/// A writer that hashes (sha256) and counts exactly the bytes its inner
/// writer accepted. The logs (`eve.json`, `fast.log`) go through one so the
/// case log can record their digests without reading them back (70 MB of
/// eve.json on the benchmark corpus was a tenth of a second after the
/// last packet).
#[derive(Debug)]
pub struct Sha256Writer<W> {
    inner: W,
    sha: Sha256,
    size: u64,
}

impl<W: Write> Sha256Writer<W> {
    /// Wraps `inner`, which must start empty for the digest to describe
    /// the whole file.
    pub fn new(inner: W) -> Self {
        Sha256Writer {
            inner,
            sha: Sha256::new(),
            size: 0,
        }
    }

    /// Bytes accepted so far and their sha256 (lower-case hex).
    pub fn digest(&self) -> (u64, String) {
        (self.size, hex(&self.sha.clone().finalize()))
    }
}

impl<W: Write> Write for Sha256Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or(buf);
        self.sha.update(done);
        self.size += done.len() as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes a file by streaming it (any size, constant memory). md5 is only
/// computed when `with_md5` is set: input captures can be large and sha256
/// is what the case log records.
pub fn hash_file(path: &Path, with_md5: bool) -> io::Result<FileDigests> {
    let mut f = File::open(path)?;
    let mut sha = Sha256::new();
    let mut md5 = with_md5.then(Md5::new);
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        sha.update(chunk);
        if let Some(m) = md5.as_mut() {
            m.update(chunk);
        }
        size += n as u64;
    }
    Ok(FileDigests {
        size,
        sha256: hex(&sha.finalize()),
        md5: md5.map(|m| hex(&m.finalize())).unwrap_or_default(),
    })
}

/// What a failed flush lost: bytes never written and how many whole
/// records they held (a record cut in the middle counts as lost).
#[derive(Debug)]
pub struct FlushError {
    /// The operating-system error.
    pub source: io::Error,
    /// Records that did not reach the disk completely.
    pub lost_records: u64,
    /// Bytes that did not reach the disk.
    pub lost_bytes: u64,
}

/// A file created with `O_EXCL` whose sha256 and md5 follow the writes.
#[derive(Debug)]
pub struct HashingFile {
    path: PathBuf,
    file: Option<File>,
    buf: Vec<u8>,
    /// Logical end offsets of buffered records, oldest first.
    pending_ends: VecDeque<u64>,
    sha: Sha256,
    md5: Md5,
    /// Bytes accepted by the OS (and hashed).
    written: u64,
    /// Records wholly accepted by the OS.
    records: u64,
    failed: bool,
}

impl HashingFile {
    /// Creates `path`, failing if it exists (evidence is never overwritten).
    pub fn create_new(path: &Path) -> io::Result<HashingFile> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(HashingFile {
            path: path.to_path_buf(),
            file: Some(file),
            buf: Vec::new(),
            pending_ends: VecDeque::new(),
            sha: Sha256::new(),
            md5: Md5::new(),
            written: 0,
            records: 0,
            failed: false,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the file will hold once the buffer is flushed.
    pub fn logical_len(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    /// Bytes that reached the OS (what the digests cover).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Whole records that reached the OS.
    pub fn records_written(&self) -> u64 {
        self.records
    }

    /// True while a descriptor is held.
    #[cfg(test)]
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    /// True after a failed flush: nothing more is written.
    #[cfg(test)]
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Appends bytes; `record` marks them as one whole record (a packet)
    /// rather than framing (the file header). Reopens a parked file.
    pub fn append(&mut self, bytes: &[&[u8]], record: bool) -> Result<(), FlushError> {
        if self.failed {
            return Err(FlushError {
                source: io::Error::other("earlier write failed"),
                lost_records: u64::from(record),
                lost_bytes: bytes.iter().map(|b| b.len() as u64).sum(),
            });
        }
        for b in bytes {
            self.buf.extend_from_slice(b);
        }
        if record {
            self.pending_ends.push_back(self.logical_len());
        }
        if self.buf.len() >= WRITE_BUF {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffer to the OS, hashing exactly what it accepts.
    ///
    /// On error the unwritten rest of the buffer is discarded (so the
    /// digests keep matching the file) and the file refuses further writes.
    pub fn flush(&mut self) -> Result<(), FlushError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.failed {
            return Err(self.discard(io::Error::other("earlier write failed")));
        }
        if self.file.is_none() {
            match OpenOptions::new().append(true).open(&self.path) {
                Ok(f) => self.file = Some(f),
                Err(e) => return Err(self.discard(e)),
            }
        }
        let mut off = 0usize;
        let mut err = None;
        if let Some(file) = self.file.as_mut() {
            while off < self.buf.len() {
                let rest = self.buf.get(off..).unwrap_or_default();
                match file.write(rest) {
                    Ok(0) => {
                        err = Some(io::Error::from(io::ErrorKind::WriteZero));
                        break;
                    }
                    Ok(n) => {
                        let done = rest.get(..n).unwrap_or_default();
                        self.sha.update(done);
                        self.md5.update(done);
                        off += n;
                        self.written += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
        }
        while self
            .pending_ends
            .front()
            .is_some_and(|&e| e <= self.written)
        {
            self.pending_ends.pop_front();
            self.records += 1;
        }
        self.buf.drain(..off.min(self.buf.len()));
        match err {
            None => Ok(()),
            Some(e) => Err(self.discard(e)),
        }
    }

    /// Drops the unwritten buffer after an error and reports what it held.
    fn discard(&mut self, source: io::Error) -> FlushError {
        self.failed = true;
        let lost = FlushError {
            source,
            lost_records: self.pending_ends.len() as u64,
            lost_bytes: self.buf.len() as u64,
        };
        self.buf = Vec::new();
        self.pending_ends.clear();
        self.file = None;
        lost
    }

    /// Flushes and closes the descriptor; the next append reopens it.
    pub fn park(&mut self) -> Result<(), FlushError> {
        let r = self.flush();
        self.file = None;
        self.buf = Vec::new();
        r
    }

    /// sha256 and md5 (hex) of the bytes written so far.
    pub fn digests(&self) -> (String, String) {
        (
            hex(&self.sha.clone().finalize()),
            hex(&self.md5.clone().finalize()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    /// Accepts at most 7 bytes per call, like a pipe or a full disk.
    struct Short(Vec<u8>);

    impl Write for Short {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn sha256_writer_hashes_what_was_accepted() {
        let dir = TempDir::new("hashio-w").unwrap();
        let path = dir.join("eve.json");
        let mut w =
            io::BufWriter::with_capacity(64, Sha256Writer::new(File::create(&path).unwrap()));
        for i in 0..1000 {
            writeln!(w, "{{\"n\":{i}}}").unwrap();
        }
        w.flush().unwrap();
        let (size, sha) = w.get_ref().digest();
        let disk = hash_file(&path, false).unwrap();
        assert_eq!((size, sha), (disk.size, disk.sha256));
        // Short writes: only accepted bytes count.
        let mut s = Sha256Writer::new(Short(Vec::new()));
        s.write_all(b"0123456789abcdefghij").unwrap();
        assert_eq!(s.write(b"xyz0123456789").unwrap(), 7);
        let (size, sha) = s.digest();
        assert_eq!(size, 27);
        assert_eq!(sha, hex(&Sha256::digest(&s.inner.0)));
    }

    #[test]
    fn digests_match_the_file_on_disk() {
        let dir = TempDir::new("hashio").unwrap();
        let path = dir.join("a.bin");
        let mut f = HashingFile::create_new(&path).unwrap();
        f.append(&[b"head"], false).unwrap();
        let big = vec![0x5au8; WRITE_BUF * 2 + 17];
        for _ in 0..3 {
            f.append(&[b"rec:", &big], true).unwrap();
        }
        f.park().unwrap();
        assert!(!f.is_open());
        f.append(&[b"tail"], true).unwrap();
        f.flush().unwrap();
        let (sha, md5) = f.digests();
        let on_disk = hash_file(&path, true).unwrap();
        assert_eq!(on_disk.size, f.written());
        assert_eq!(on_disk.size, 4 + 3 * (4 + big.len() as u64) + 4);
        assert_eq!(on_disk.sha256, sha);
        assert_eq!(on_disk.md5, md5);
        assert_eq!(f.records_written(), 4);
    }

    #[test]
    fn never_overwrites() {
        let dir = TempDir::new("hashio-excl").unwrap();
        let path = dir.join("x");
        std::fs::write(&path, b"keep").unwrap();
        let err = HashingFile::create_new(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"keep");
    }

    #[test]
    fn failed_reopen_discards_and_reports_loss() {
        let dir = TempDir::new("hashio-fail").unwrap();
        let path = dir.join("gone");
        let mut f = HashingFile::create_new(&path).unwrap();
        f.append(&[b"0123"], true).unwrap();
        f.park().unwrap();
        std::fs::remove_file(&path).unwrap();
        f.append(&[b"4567"], true).unwrap();
        f.append(&[b"89"], true).unwrap();
        let lost = f.flush().unwrap_err();
        assert_eq!((lost.lost_records, lost.lost_bytes), (2, 6));
        assert!(f.is_failed());
        assert_eq!((f.written(), f.records_written()), (4, 1));
        // The digests still describe the 4 bytes that were written.
        let (sha, _) = f.digests();
        assert_eq!(sha, hex(&Sha256::digest(b"0123")));
        assert!(f.append(&[b"x"], true).is_err());
    }

    #[test]
    fn hash_file_streams_known_vectors() {
        let dir = TempDir::new("hashio-known").unwrap();
        let path = dir.join("abc");
        std::fs::write(&path, b"abc").unwrap();
        let d = hash_file(&path, true).unwrap();
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(hash_file(&path, false).unwrap().md5, "");
    }
}
