//! A ring buffer of pcap files with a hash manifest, for `sigil capture`.
//!
//! Like `tcpdump -C -W -G`: packets go to classic pcap files in one
//! directory, a new file starts when the current one would pass a size or
//! has covered a time span, and only the newest N files are kept. Unlike
//! tcpdump, every file is evidence:
//!
//! - each file's sha256 and md5 are computed from the bytes as they are
//!   written (never re-read from disk, where they could have changed);
//! - when a file is closed its entry (name, first/last packet time UTC,
//!   packets, bytes, hashes) goes into `manifest.json`, rewritten through a
//!   temporary file and a rename so a reader never sees half a manifest;
//! - a file dropped from the ring stays in the manifest, marked `deleted`;
//! - `case.log`, the hash-chained case log of [`crate::evidence::CaseLog`],
//!   records the start (command line, host, user, settings), every close
//!   (with the hashes), every deletion, and at the end the files still on
//!   disk and the final manifest as `output` records and the stop reason
//!   with the kernel's drop counters, so `sigil verify` can check the
//!   directory.
//!
//! Files are created on their first packet and named after its time
//! (`sigil-20261128T234555Z-0001.pcap`), so an idle link leaves no empty
//! files and names sort in capture order. A file is never overwritten.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use md5::Md5;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::live::KernelStats;
use super::{RawPacket, Timestamp};
use crate::evidence::{hex, CaseLog, EvidenceError, StartInfo};
use crate::output::time::iso_utc;

/// Name of the manifest inside the capture directory.
pub const MANIFEST: &str = "manifest.json";
/// Name of the case log inside the capture directory.
pub use crate::evidence::CASE_LOG_NAME as CAPTURE_LOG;

/// Classic pcap record header size.
const RECORD_HEADER: u64 = 16;

/// Where and when to rotate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingConfig {
    /// Output directory (created if missing; must not hold a manifest yet).
    pub dir: PathBuf,
    /// File name prefix (`sigil`).
    pub prefix: String,
    /// Start a new file before one would grow past this many bytes (a
    /// single larger packet still gets a file of its own).
    pub rotate_size: Option<u64>,
    /// Start a new file once the current one spans this many seconds.
    pub rotate_seconds: Option<u64>,
    /// Keep at most this many files on disk (oldest deleted); `None` keeps all.
    pub rotate_count: Option<usize>,
    /// The command line, recorded in the case log's start record.
    pub argv: Vec<String>,
}

/// What is being captured, recorded in the manifest and the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureMeta {
    /// Interface name.
    pub interface: String,
    /// BPF filter, if any.
    pub bpf: Option<String>,
    /// LINKTYPE value written in every file header.
    pub linktype: u32,
    /// Snap length written in every file header.
    pub snaplen: u32,
    /// Nanosecond timestamps (pcap magic a1b23c4d) rather than microseconds.
    pub nanosecond: bool,
}

/// One capture file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ManifestEntry {
    /// File name inside the capture directory.
    pub file: String,
    /// Time of the first packet (UTC, ISO 8601).
    pub first_packet: String,
    /// Time of the last packet (UTC, ISO 8601).
    pub last_packet: String,
    /// Packets in the file.
    pub packets: u64,
    /// Size of the file in bytes (headers included): what was hashed.
    pub bytes: u64,
    /// sha256 of the file, lowercase hex.
    pub sha256: String,
    /// md5 of the file, lowercase hex.
    pub md5: String,
    /// When the file was closed (UTC, wall clock).
    pub closed: String,
    /// The ring deleted the file to stay within its file count.
    pub deleted: bool,
    /// When it was deleted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deleted_at: Option<String>,
}

/// Totals when the ring is finished.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RingSummary {
    /// Files written (including deleted ones).
    pub files: u64,
    /// Files deleted by the ring.
    pub deleted: u64,
    /// Packets written.
    pub packets: u64,
    /// Bytes written (file sizes).
    pub bytes: u64,
    /// sha256 of the case log's last line, once ended: the value to note
    /// down, since nothing later in the file protects that line.
    pub log_head: Option<String>,
}

/// Why the ring could not write.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RingError {
    /// A file or directory operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: io::Error,
    },
    /// The directory already holds a capture; its manifest is not overwritten.
    #[error("{}: already holds a capture manifest; choose a new directory", path.display())]
    ManifestExists {
        /// The existing manifest.
        path: PathBuf,
    },
    /// A setting that cannot work.
    #[error("{0}")]
    Config(String),
    /// Writing the case log failed.
    #[error(transparent)]
    CaseLog(#[from] EvidenceError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RingError + '_ {
    move |source| RingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Now, from the system clock, as a packet timestamp.
pub fn wall_clock() -> Timestamp {
    match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => Timestamp::new(
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_nanos(),
        ),
        Err(_) => Timestamp::default(),
    }
}

/// `20261128T234555Z`: a file-name-safe UTC second.
fn compact_utc(ts: Timestamp) -> String {
    let iso = iso_utc(ts);
    let whole = iso.split('.').next().unwrap_or(&iso);
    let mut out: String = whole.chars().filter(|c| *c != '-' && *c != ':').collect();
    out.push('Z');
    out
}

/// A buffered file that hashes every byte written to it.
struct HashingFile {
    out: BufWriter<File>,
    sha256: Sha256,
    md5: Md5,
    len: u64,
}

impl HashingFile {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.sha256.update(bytes);
        self.md5.update(bytes);
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Flushes and syncs the file; returns (size, sha256, md5).
    fn finish(self) -> io::Result<(u64, String, String)> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok((
            self.len,
            hex(&self.sha256.finalize()),
            hex(&self.md5.finalize()),
        ))
    }
}

/// The file being written.
struct OpenFile {
    name: String,
    path: PathBuf,
    out: HashingFile,
    first: Timestamp,
    last: Timestamp,
    packets: u64,
}

/// Writes packets into the ring. Close it with [`RingWriter::finish`];
/// dropping it also closes and hashes the current file, best effort.
pub struct RingWriter {
    cfg: RingConfig,
    meta: CaptureMeta,
    started: String,
    current: Option<OpenFile>,
    seq: u64,
    entries: Vec<ManifestEntry>,
    /// Indices into `entries` of files still on disk, oldest first.
    kept: std::collections::VecDeque<usize>,
    summary: RingSummary,
    /// sha256 and size of the manifest as last written.
    manifest_hash: (u64, String),
    /// `None` once ended.
    log: Option<CaseLog>,
}

impl std::fmt::Debug for RingWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingWriter")
            .field("cfg", &self.cfg)
            .field("meta", &self.meta)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl RingWriter {
    /// Creates the directory, an empty manifest and the case log with its
    /// start record.
    /// Refuses a directory that already holds a manifest.
    pub fn create(cfg: RingConfig, meta: CaptureMeta) -> Result<Self, RingError> {
        if cfg.rotate_count == Some(0) {
            return Err(RingError::Config("rotate count must be at least 1".into()));
        }
        if cfg.rotate_size == Some(0) || cfg.rotate_seconds == Some(0) {
            return Err(RingError::Config(
                "rotate size and seconds must be positive".into(),
            ));
        }
        std::fs::create_dir_all(&cfg.dir).map_err(io_err(&cfg.dir))?;
        let manifest = cfg.dir.join(MANIFEST);
        if manifest.exists() {
            return Err(RingError::ManifestExists { path: manifest });
        }
        let log = CaseLog::create(&cfg.dir)?;
        let mut ring = RingWriter {
            started: iso_utc(wall_clock()),
            cfg,
            meta,
            current: None,
            seq: 0,
            entries: Vec::new(),
            kept: Default::default(),
            summary: RingSummary::default(),
            manifest_hash: (0, String::new()),
            log: Some(log),
        };
        ring.write_manifest()?;
        let extra = json!({
            "capture": &ring.meta,
            "rotate_size": ring.cfg.rotate_size,
            "rotate_seconds": ring.cfg.rotate_seconds,
            "rotate_count": ring.cfg.rotate_count,
            "manifest": MANIFEST,
        });
        let info = StartInfo {
            argv: ring.cfg.argv.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            extra: match extra {
                Value::Object(m) => m,
                _ => Default::default(),
            },
            ..StartInfo::default()
        };
        if let Some(log) = ring.log.as_mut() {
            log.start(&info)?;
        }
        Ok(ring)
    }

    /// Appends a packet, first rotating when the current file is full or
    /// old enough (or deleting the oldest file to make room).
    pub fn write(&mut self, pkt: &RawPacket<'_>) -> Result<(), RingError> {
        let record = RECORD_HEADER + pkt.data.len() as u64;
        if let Some(cur) = &self.current {
            let full = self
                .cfg
                .rotate_size
                .is_some_and(|max| cur.packets > 0 && cur.out.len + record > max);
            let old = self.span_over(cur, pkt.ts);
            if full || old {
                self.close_current()?;
            }
        }
        if self.current.is_none() {
            self.open_file(pkt.ts)?;
        }
        let Some(cur) = self.current.as_mut() else {
            return Ok(());
        };
        let caplen = u32::try_from(pkt.data.len()).unwrap_or(u32::MAX);
        let frac = if self.meta.nanosecond {
            pkt.ts.nanos
        } else {
            pkt.ts.nanos / 1000
        };
        let mut hdr = [0u8; RECORD_HEADER as usize];
        hdr[0..4].copy_from_slice(&u32::try_from(pkt.ts.secs).unwrap_or(0).to_le_bytes());
        hdr[4..8].copy_from_slice(&frac.to_le_bytes());
        hdr[8..12].copy_from_slice(&caplen.to_le_bytes());
        hdr[12..16].copy_from_slice(&pkt.origlen.max(caplen).to_le_bytes());
        let data = pkt.data.get(..caplen as usize).unwrap_or(pkt.data);
        cur.out
            .write_all(&hdr)
            .and_then(|()| cur.out.write_all(data))
            .map_err(io_err(&cur.path))?;
        cur.packets += 1;
        cur.last = cur.last.max(pkt.ts);
        self.summary.packets += 1;
        Ok(())
    }

    /// Closes the current file if it has covered `rotate_seconds` by `now`
    /// (call on idle reads so a quiet link still gets its file hashed).
    pub fn tick(&mut self, now: Timestamp) -> Result<(), RingError> {
        match &self.current {
            Some(cur) if self.span_over(cur, now) => self.close_current(),
            _ => Ok(()),
        }
    }

    fn span_over(&self, cur: &OpenFile, now: Timestamp) -> bool {
        self.cfg
            .rotate_seconds
            .is_some_and(|s| now.secs_since(cur.first) >= i64::try_from(s).unwrap_or(i64::MAX))
    }

    /// Closes the current file and ends the case log: an `output` record
    /// for every file still on disk and for the manifest, then the `end`
    /// record with `reason` and the kernel's counters (exit status 1 when
    /// `reason` is `error`).
    pub fn finish(
        mut self,
        reason: &str,
        kernel: Option<KernelStats>,
    ) -> Result<RingSummary, RingError> {
        self.close_current()?;
        self.end_log(reason, kernel)?;
        Ok(self.summary.clone())
    }

    fn end_log(&mut self, reason: &str, kernel: Option<KernelStats>) -> Result<(), RingError> {
        let Some(mut log) = self.log.take() else {
            return Ok(());
        };
        for &i in &self.kept {
            if let Some(e) = self.entries.get(i) {
                log.output_hashed(&self.cfg.dir.join(&e.file), e.bytes, &e.sha256)?;
            }
        }
        let (size, sha) = &self.manifest_hash;
        log.output_hashed(&self.cfg.dir.join(MANIFEST), *size, sha)?;
        let counts = json!({
            "reason": reason,
            "files": self.summary.files,
            "deleted": self.summary.deleted,
            "packets": self.summary.packets,
            "bytes": self.summary.bytes,
            "kernel": kernel,
        });
        let failed = matches!(reason, "error" | "dropped");
        let head = log.end(counts, i32::from(failed), None)?;
        self.summary.log_head = Some(head);
        Ok(())
    }

    fn log(&mut self, op: &str, fields: Value) -> Result<(), RingError> {
        if let (Some(log), Value::Object(map)) = (self.log.as_mut(), fields) {
            log.record(op, map)?;
        }
        Ok(())
    }

    /// Manifest entries of the closed files, in order.
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// Totals so far (closed files; packets include the open file).
    pub fn summary(&self) -> &RingSummary {
        &self.summary
    }

    /// Name of the file being written, if any.
    pub fn current_file(&self) -> Option<&str> {
        self.current.as_ref().map(|c| c.name.as_str())
    }

    fn open_file(&mut self, first: Timestamp) -> Result<(), RingError> {
        if let Some(max) = self.cfg.rotate_count {
            while self.kept.len() + 1 > max {
                self.delete_oldest()?;
            }
        }
        self.seq += 1;
        let name = format!(
            "{}-{}-{:04}.pcap",
            self.cfg.prefix,
            compact_utc(first),
            self.seq
        );
        let path = self.cfg.dir.join(&name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let mut out = HashingFile {
            out: BufWriter::with_capacity(256 * 1024, file),
            sha256: Sha256::new(),
            md5: Md5::new(),
            len: 0,
        };
        let magic: u32 = if self.meta.nanosecond {
            0xa1b2_3c4d
        } else {
            0xa1b2_c3d4
        };
        let mut hdr = Vec::with_capacity(24);
        hdr.extend_from_slice(&magic.to_le_bytes());
        hdr.extend_from_slice(&2u16.to_le_bytes());
        hdr.extend_from_slice(&4u16.to_le_bytes());
        hdr.extend_from_slice(&0i32.to_le_bytes()); // thiszone: UTC
        hdr.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        hdr.extend_from_slice(&self.meta.snaplen.to_le_bytes());
        hdr.extend_from_slice(&self.meta.linktype.to_le_bytes());
        out.write_all(&hdr).map_err(io_err(&path))?;
        tracing::debug!(file = %path.display(), "capture file opened");
        self.current = Some(OpenFile {
            name,
            path,
            out,
            first,
            last: first,
            packets: 0,
        });
        Ok(())
    }

    fn close_current(&mut self) -> Result<(), RingError> {
        let Some(cur) = self.current.take() else {
            return Ok(());
        };
        let (bytes, sha256, md5) = cur.out.finish().map_err(io_err(&cur.path))?;
        let entry = ManifestEntry {
            file: cur.name,
            first_packet: iso_utc(cur.first),
            last_packet: iso_utc(cur.last),
            packets: cur.packets,
            bytes,
            sha256,
            md5,
            closed: iso_utc(wall_clock()),
            deleted: false,
            deleted_at: None,
        };
        self.summary.files += 1;
        self.summary.bytes += bytes;
        self.kept.push_back(self.entries.len());
        self.entries.push(entry.clone());
        self.write_manifest()?;
        tracing::info!(
            "{}: closed, {} packets, sha256 {}",
            entry.file,
            entry.packets,
            entry.sha256
        );
        self.log("file_closed", json!(entry))
    }

    fn delete_oldest(&mut self) -> Result<(), RingError> {
        let Some(entry) = self.kept.pop_front().and_then(|i| self.entries.get_mut(i)) else {
            return Ok(());
        };
        let path = self.cfg.dir.join(&entry.file);
        let missing = match std::fs::remove_file(&path) {
            Ok(()) => false,
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(io_err(&path)(e)),
        };
        entry.deleted = true;
        entry.deleted_at = Some(iso_utc(wall_clock()));
        let fields = json!({
            "file": entry.file,
            "sha256": entry.sha256,
            "reason": "rotate_count",
            "already_missing": missing,
        });
        self.summary.deleted += 1;
        self.write_manifest()?;
        tracing::info!("{}: deleted (ring full)", path.display());
        self.log("file_deleted", fields)
    }

    /// Rewrites `manifest.json` atomically: temp file, sync, rename, sync dir.
    fn write_manifest(&mut self) -> Result<(), RingError> {
        let doc = json!({
            "tool": concat!("sigil ", env!("CARGO_PKG_VERSION")),
            "started": self.started,
            "capture": self.meta,
            "files": self.entries,
        });
        let tmp = self.cfg.dir.join(format!(".{MANIFEST}.tmp"));
        let dest = self.cfg.dir.join(MANIFEST);
        let mut text =
            serde_json::to_string_pretty(&doc).map_err(|e| io_err(&dest)(io::Error::other(e)))?;
        text.push('\n');
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io_err(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &dest).map_err(io_err(&dest))?;
        self.manifest_hash = (text.len() as u64, hex(&Sha256::digest(text.as_bytes())));
        // Make the rename itself durable; not every platform can open a
        // directory, and the manifest is already in place, so only log.
        if let Err(e) = File::open(&self.cfg.dir).and_then(|d| d.sync_all()) {
            tracing::debug!("{}: directory sync failed: {e}", self.cfg.dir.display());
        }
        Ok(())
    }
}

impl Drop for RingWriter {
    fn drop(&mut self) {
        if let Err(e) = self.close_current() {
            tracing::error!("closing capture file: {e}");
        }
        if let Err(e) = self.end_log("dropped", None) {
            tracing::error!("closing case log: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{LinkType, OfflineSource};
    use crate::testutil::TempDir;

    fn meta(nanosecond: bool) -> CaptureMeta {
        CaptureMeta {
            interface: "lo".into(),
            bpf: Some("tcp".into()),
            linktype: 1,
            snaplen: 65_535,
            nanosecond,
        }
    }

    fn cfg(dir: &Path) -> RingConfig {
        RingConfig {
            dir: dir.to_path_buf(),
            prefix: "sigil".into(),
            rotate_size: None,
            rotate_seconds: None,
            rotate_count: None,
            argv: vec!["sigil".into(), "capture".into()],
        }
    }

    fn packet(ts: Timestamp, data: &[u8]) -> RawPacket<'_> {
        RawPacket {
            ts,
            caplen: data.len() as u32,
            origlen: data.len() as u32 + 4,
            data,
            linktype: LinkType::Ethernet,
            pcap_cnt: 0,
            file_index: 0,
        }
    }

    fn manifest(dir: &Path) -> Value {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn log_events(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(dir.join(CAPTURE_LOG))
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                assert!(v["time"].as_str().unwrap().ends_with('Z'), "{l}");
                v["op"].as_str().unwrap().to_string()
            })
            .collect()
    }

    fn pcaps_on_disk(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pcap"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn rotates_by_size_keeps_count_and_hashes_what_it_wrote() {
        let tmp = TempDir::new("ring-size").unwrap();
        let dir = tmp.join("cap");
        // Header + 3 records of 100 bytes fit; the 4th starts a new file.
        let mut c = cfg(&dir);
        c.rotate_size = Some(24 + 3 * (16 + 100));
        c.rotate_count = Some(2);
        let mut ring = RingWriter::create(c, meta(true)).unwrap();
        let base = 1_764_373_555; // 2025-11-28T23:45:55Z
        for i in 0..10u8 {
            let data = [i; 100];
            ring.write(&packet(
                Timestamp::new(base + i64::from(i), 123_456_789),
                &data,
            ))
            .unwrap();
        }
        let summary = ring.finish("signal", Some(KernelStats::default())).unwrap();
        assert_eq!(summary.files, 4);
        assert_eq!(summary.deleted, 2);
        assert_eq!(summary.packets, 10);

        let m = manifest(&dir);
        let files = m["files"].as_array().unwrap();
        assert_eq!(files.len(), 4);
        assert_eq!(m["capture"]["interface"], "lo");
        let counts: Vec<u64> = files
            .iter()
            .map(|f| f["packets"].as_u64().unwrap())
            .collect();
        assert_eq!(counts, [3, 3, 3, 1]);
        let deleted: Vec<bool> = files
            .iter()
            .map(|f| f["deleted"].as_bool().unwrap())
            .collect();
        assert_eq!(deleted, [true, true, false, false]);
        assert_eq!(
            files[0]["file"], "sigil-20251128T234555Z-0001.pcap",
            "named after the first packet, UTC"
        );
        assert_eq!(files[0]["first_packet"], "2025-11-28T23:45:55.123456Z");
        assert_eq!(files[0]["last_packet"], "2025-11-28T23:45:57.123456Z");

        let on_disk = pcaps_on_disk(&dir);
        assert_eq!(on_disk.len(), 2, "{on_disk:?}");
        for f in &files[2..] {
            let name = f["file"].as_str().unwrap();
            assert!(on_disk.iter().any(|d| d == name));
            let bytes = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(f["bytes"].as_u64(), Some(bytes.len() as u64));
            assert_eq!(
                f["sha256"].as_str(),
                Some(hex(&Sha256::digest(&bytes)).as_str())
            );
            assert_eq!(f["md5"].as_str(), Some(hex(&Md5::digest(&bytes)).as_str()));
        }
        assert!(!dir.join(format!(".{MANIFEST}.tmp")).exists());

        // libpcap reads the kept files back: packets 7..=10, nanoseconds intact.
        let mut src = OfflineSource::open(std::slice::from_ref(&dir)).unwrap();
        let mut seen = Vec::new();
        let _ = src.for_each_packet(|p| {
            seen.push((p.data[0], p.ts, p.origlen, p.linktype));
            std::ops::ControlFlow::Continue(())
        });
        assert_eq!(seen.len(), 4);
        assert_eq!(
            seen[0],
            (
                6,
                Timestamp::new(base + 6, 123_456_789),
                104,
                LinkType::Ethernet
            )
        );
        assert_eq!(seen[3].0, 9);

        let events = log_events(&dir);
        let count = |e: &str| events.iter().filter(|x| *x == e).count();
        assert_eq!(events.first().map(String::as_str), Some("start"));
        assert_eq!(events.last().map(String::as_str), Some("end"));
        assert_eq!(count("file_closed"), 4);
        assert_eq!(count("file_deleted"), 2);
        assert_eq!(count("output"), 3, "two kept files and the manifest");

        // The directory verifies like any other sigil output directory.
        let report = crate::evidence::verify_outdir(&dir, None).unwrap();
        assert!(report.ok(), "{:?}", report.findings);
        std::fs::write(dir.join(&on_disk[1]), b"tampered").unwrap();
        let report = crate::evidence::verify_outdir(&dir, None).unwrap();
        assert!(!report.ok(), "a changed capture file is caught");
    }

    #[test]
    fn rotates_by_time_and_on_idle_ticks() {
        let tmp = TempDir::new("ring-time").unwrap();
        let mut c = cfg(tmp.path());
        c.rotate_seconds = Some(10);
        let mut ring = RingWriter::create(c, meta(false)).unwrap();
        for s in [100, 105, 109] {
            ring.write(&packet(Timestamp::new(s, 0), b"abc")).unwrap();
        }
        assert_eq!(ring.entries().len(), 0);
        ring.write(&packet(Timestamp::new(110, 0), b"abc")).unwrap();
        assert_eq!(
            ring.entries().len(),
            1,
            "third packet at +10 s starts file 2"
        );
        ring.tick(Timestamp::new(115, 0)).unwrap();
        assert!(ring.current_file().is_some());
        ring.tick(Timestamp::new(120, 0)).unwrap();
        assert!(ring.current_file().is_none(), "idle tick closed file 2");
        assert_eq!(ring.entries().len(), 2);
        ring.finish("duration", None).unwrap();
        assert_eq!(pcaps_on_disk(tmp.path()).len(), 2);
    }

    #[test]
    fn microsecond_files_round_trip() {
        let tmp = TempDir::new("ring-usec").unwrap();
        let mut ring = RingWriter::create(cfg(tmp.path()), meta(false)).unwrap();
        ring.write(&packet(Timestamp::new(7, 123_456_789), b"xyz"))
            .unwrap();
        ring.finish("count", None).unwrap();
        let mut src = OfflineSource::open(&[tmp.path().to_path_buf()]).unwrap();
        let mut ts = None;
        let _ = src.for_each_packet(|p| {
            ts = Some(p.ts);
            std::ops::ControlFlow::Continue(())
        });
        assert_eq!(ts, Some(Timestamp::new(7, 123_456_000)));
    }

    #[test]
    fn drop_closes_and_hashes_the_open_file() {
        let tmp = TempDir::new("ring-drop").unwrap();
        let mut ring = RingWriter::create(cfg(tmp.path()), meta(true)).unwrap();
        ring.write(&packet(Timestamp::new(1, 0), b"evidence"))
            .unwrap();
        drop(ring);
        let m = manifest(tmp.path());
        assert_eq!(m["files"][0]["packets"], 1);
        assert_eq!(m["files"][0]["bytes"], 24 + 16 + 8);
    }

    #[test]
    fn refuses_existing_manifest_and_bad_settings() {
        let tmp = TempDir::new("ring-exists").unwrap();
        let ring = RingWriter::create(cfg(tmp.path()), meta(true)).unwrap();
        ring.finish("signal", None).unwrap();
        assert_eq!(
            manifest(tmp.path())["files"].as_array().map(Vec::len),
            Some(0)
        );
        let e = RingWriter::create(cfg(tmp.path()), meta(true)).unwrap_err();
        assert!(matches!(e, RingError::ManifestExists { .. }), "{e}");
        let mut c = cfg(&tmp.join("other"));
        c.rotate_count = Some(0);
        assert!(matches!(
            RingWriter::create(c, meta(true)),
            Err(RingError::Config(_))
        ));
    }

    #[test]
    fn oversized_packet_gets_its_own_file() {
        let tmp = TempDir::new("ring-big").unwrap();
        let mut c = cfg(tmp.path());
        c.rotate_size = Some(50);
        let mut ring = RingWriter::create(c, meta(true)).unwrap();
        for i in 0..3 {
            ring.write(&packet(Timestamp::new(i, 0), &[0u8; 200]))
                .unwrap();
        }
        let s = ring.finish("count", None).unwrap();
        assert_eq!((s.files, s.packets), (3, 3));
    }

    #[test]
    fn compact_names_are_utc_seconds() {
        assert_eq!(
            compact_utc(Timestamp::new(1_612_510_490, 999)),
            "20210205T073450Z"
        );
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
