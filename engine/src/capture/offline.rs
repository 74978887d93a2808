//! Reading pcap / pcapng files and directories of them through libpcap.
//!
//! Opening validates every input up front (magic number, libpcap header
//! parse, link type) so that a typo on the command line fails before any
//! work is done, and reads each file's first packet to order directory
//! contents by time. Reading then streams one file after another; a file
//! that ends in a truncated or corrupt record contributes the packets
//! before it, is reported and counted, and the run continues.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use pcap::{Capture, Offline, Precision};

use super::{
    pcap_header_snaplen, sniff_format, CaptureError, CaptureStats, FileFormat, LinkType, RawPacket,
    Timestamp,
};

/// Size of the classic pcap global header and record header.
const PCAP_GLOBAL_HEADER: u64 = 24;
const PCAP_RECORD_HEADER: u64 = 16;
/// libpcap's largest snap length for the link types we read; it replaces a
/// header snap length of 0 or above this.
const LIBPCAP_MAX_SNAPLEN: u32 = 262_144;

/// A capture file queued for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// Path as given or found in the directory.
    pub path: PathBuf,
    /// Container format.
    pub format: FileFormat,
    /// Link type of the file (pcapng: of its first interface).
    pub linktype: LinkType,
    /// The DLT value libpcap reported.
    pub dlt: i32,
    /// Timestamp of the first packet, if the file has a readable one.
    pub first_ts: Option<Timestamp>,
    /// Snap length in a classic pcap header, as written (pcapng: `None`).
    pub snaplen: Option<u32>,
}

impl FileInfo {
    /// The snap length libpcap applies: records longer than this are cut
    /// to it (so their size on disk is unknown to us).
    fn effective_snaplen(&self) -> Option<u32> {
        self.snaplen.map(|s| match s {
            0 => LIBPCAP_MAX_SNAPLEN,
            s => s.min(LIBPCAP_MAX_SNAPLEN),
        })
    }
}

/// What kind of problem a [`CaptureWarning`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureWarningKind {
    /// The file ended in a truncated or corrupt record; earlier packets were read.
    Truncated,
    /// The file's link type is not supported; the file was skipped.
    UnsupportedLinkType,
    /// A file found in a directory (or reopened for reading) could not be
    /// read; it was skipped.
    Unreadable,
    /// A directory contained no capture file.
    EmptyDirectory,
}

/// A problem that did not stop the run, also logged with `tracing::warn!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureWarning {
    /// The file or directory concerned.
    pub path: PathBuf,
    /// Category.
    pub kind: CaptureWarningKind,
    /// Human-readable detail (includes the path).
    pub message: String,
}

/// Where reading stands inside the current file.
struct Current {
    index: usize,
    cap: Capture<Offline>,
    packets: u64,
    /// Byte offset just past the last good record: classic pcap only, and
    /// only while libpcap has not cut a record to the snap length.
    offset: Option<u64>,
}

/// Packets from a list of capture files and directories, in order.
pub struct OfflineSource {
    files: Vec<FileInfo>,
    next_file: usize,
    current: Option<Current>,
    pcap_cnt: u64,
    stats: CaptureStats,
    warnings: Vec<CaptureWarning>,
}

impl std::fmt::Debug for OfflineSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineSource")
            .field("files", &self.files)
            .field("next_file", &self.next_file)
            .field("pcap_cnt", &self.pcap_cnt)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl OfflineSource {
    /// Opens the inputs. Files are read in the order given; a directory
    /// contributes every capture file directly inside it (recognised by its
    /// magic number), ordered by first packet time, then name.
    ///
    /// Errors (naming the path) for a missing or unreadable input, an
    /// explicit file that is not a capture, or one libpcap refuses. Files
    /// with an unsupported link type are skipped with a warning.
    pub fn open(paths: &[PathBuf]) -> Result<Self, CaptureError> {
        let mut src = OfflineSource {
            files: Vec::new(),
            next_file: 0,
            current: None,
            pcap_cnt: 0,
            stats: CaptureStats::default(),
            warnings: Vec::new(),
        };
        for path in paths {
            let meta = std::fs::metadata(path).map_err(|source| CaptureError::Io {
                path: path.clone(),
                source,
            })?;
            if meta.is_dir() {
                src.add_directory(path)?;
            } else {
                match probe(path)? {
                    Probe::Ok(info) => src.files.push(info),
                    Probe::Unsupported(dlt) => src.unsupported(path, dlt),
                }
            }
        }
        Ok(src)
    }

    fn add_directory(&mut self, dir: &Path) -> Result<(), CaptureError> {
        let io_err = |source| CaptureError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_err)? {
            let path = entry.map_err(io_err)?.path();
            if !path.is_file() {
                continue;
            }
            match probe(&path) {
                Ok(Probe::Ok(info)) => found.push(info),
                Ok(Probe::Unsupported(dlt)) => self.unsupported(&path, dlt),
                Err(CaptureError::NotCapture { .. }) => {
                    tracing::debug!(path = %path.display(), "not a capture file, ignored");
                }
                Err(e) => self.warn(&path, CaptureWarningKind::Unreadable, e.to_string(), true),
            }
        }
        if found.is_empty() {
            let msg = format!("{}: directory contains no capture files", dir.display());
            self.warn(dir, CaptureWarningKind::EmptyDirectory, msg, false);
        }
        found.sort_by(|a, b| {
            (a.first_ts.is_none(), a.first_ts, a.path.file_name()).cmp(&(
                b.first_ts.is_none(),
                b.first_ts,
                b.path.file_name(),
            ))
        });
        self.files.extend(found);
        Ok(())
    }

    fn unsupported(&mut self, path: &Path, dlt: i32) {
        let msg = format!(
            "{}: unsupported link type {dlt}, file skipped",
            path.display()
        );
        self.warn(path, CaptureWarningKind::UnsupportedLinkType, msg, true);
    }

    fn warn(&mut self, path: &Path, kind: CaptureWarningKind, message: String, skipped: bool) {
        tracing::warn!("{message}");
        if skipped {
            self.stats.skipped_files += 1;
        }
        self.warnings.push(CaptureWarning {
            path: path.to_path_buf(),
            kind,
            message,
        });
    }

    /// Calls `visit` for each packet, in order, until the inputs are
    /// exhausted (`Continue`) or `visit` returns `Break` (then `Break`; a
    /// later call resumes with the next packet).
    pub fn for_each_packet<F>(&mut self, mut visit: F) -> ControlFlow<()>
    where
        F: FnMut(&RawPacket<'_>) -> ControlFlow<()>,
    {
        loop {
            if self.current.is_none() && !self.open_next() {
                return ControlFlow::Continue(());
            }
            let Some(cur) = self.current.as_mut() else {
                continue;
            };
            let Some(info) = self.files.get(cur.index) else {
                self.current = None;
                continue;
            };
            let failure = loop {
                match cur.cap.next_packet() {
                    Ok(p) => {
                        let caplen = p.header.caplen;
                        self.pcap_cnt += 1;
                        cur.packets += 1;
                        cur.offset = match cur.offset {
                            Some(_) if info.effective_snaplen() == Some(caplen) => None,
                            Some(o) => Some(o + PCAP_RECORD_HEADER + u64::from(caplen)),
                            None => None,
                        };
                        self.stats.packets += 1;
                        self.stats.bytes += u64::from(caplen);
                        let raw = RawPacket {
                            ts: timestamp(p.header),
                            caplen,
                            origlen: p.header.len,
                            data: p.data,
                            linktype: info.linktype,
                            pcap_cnt: self.pcap_cnt,
                            file_index: cur.index,
                        };
                        if visit(&raw).is_break() {
                            return ControlFlow::Break(());
                        }
                    }
                    Err(pcap::Error::NoMorePackets) => break None,
                    Err(e) => break Some(e),
                }
            };
            if let Some(e) = failure {
                let at = match cur.offset {
                    Some(o) => format!(" (byte offset {o})"),
                    None => String::new(),
                };
                let message = format!(
                    "{}: truncated or corrupt capture, stopped after packet {}{at}: {e}; \
                     continuing with the next file",
                    info.path.display(),
                    cur.packets,
                );
                let path = info.path.clone();
                self.stats.truncated_files += 1;
                self.warn(&path, CaptureWarningKind::Truncated, message, false);
            }
            self.current = None;
        }
    }

    /// Opens the next queued file; false when none is left.
    fn open_next(&mut self) -> bool {
        while let Some(info) = self.files.get(self.next_file) {
            let index = self.next_file;
            self.next_file += 1;
            match open_capture(&info.path) {
                Ok(cap) => {
                    self.stats.files += 1;
                    self.current = Some(Current {
                        index,
                        cap,
                        packets: 0,
                        offset: match info.format {
                            FileFormat::Pcap { .. } => Some(PCAP_GLOBAL_HEADER),
                            FileFormat::Pcapng => None,
                        },
                    });
                    return true;
                }
                Err(e) => {
                    let path = info.path.clone();
                    self.warn(&path, CaptureWarningKind::Unreadable, e.to_string(), true);
                }
            }
        }
        false
    }

    /// The files that will be (or were) read, in reading order.
    pub fn files(&self) -> &[FileInfo] {
        &self.files
    }

    /// The path of file `file_index` (as in [`RawPacket::file_index`]), for
    /// EVE's `pcap_filename`.
    pub fn pcap_filename(&self, file_index: usize) -> Option<&Path> {
        self.files.get(file_index).map(|f| f.path.as_path())
    }

    /// Counters so far.
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// Problems met so far (also logged as they happen).
    pub fn warnings(&self) -> &[CaptureWarning] {
        &self.warnings
    }
}

/// Result of looking at a file before queueing it.
enum Probe {
    Ok(FileInfo),
    /// libpcap reads it, but its link type (DLT) is not supported.
    Unsupported(i32),
}

fn probe(path: &Path) -> Result<Probe, CaptureError> {
    let format = sniff_format(path)?;
    let mut cap = open_capture(path)?;
    let dlt = cap.get_datalink().0;
    let Some(linktype) = LinkType::from_dlt(dlt) else {
        return Ok(Probe::Unsupported(dlt));
    };
    let first_ts = cap.next_packet().ok().map(|p| timestamp(p.header));
    let snaplen = match format {
        FileFormat::Pcap { big_endian, .. } => pcap_header_snaplen(path, big_endian),
        FileFormat::Pcapng => None,
    };
    Ok(Probe::Ok(FileInfo {
        path: path.to_path_buf(),
        format,
        linktype,
        dlt,
        first_ts,
        snaplen,
    }))
}

/// Opens a file with libpcap, asking for nanosecond timestamps (libpcap
/// scales microsecond files up).
fn open_capture(path: &Path) -> Result<Capture<Offline>, CaptureError> {
    if path.to_str().is_none() {
        return Err(CaptureError::Open {
            path: path.to_path_buf(),
            message: "path is not valid UTF-8, which libpcap cannot open".into(),
        });
    }
    Capture::from_file_with_precision(path, Precision::Nano).map_err(|e| CaptureError::Open {
        path: path.to_path_buf(),
        message: match e {
            pcap::Error::PcapError(s) => s,
            other => other.to_string(),
        },
    })
}

/// libpcap's timeval holds nanoseconds in `tv_usec` with `Precision::Nano`.
fn timestamp(h: &pcap::PacketHeader) -> Timestamp {
    // time_t / suseconds_t vary by platform; both fit i64.
    #[allow(clippy::unnecessary_cast)]
    let secs = h.ts.tv_sec as i64;
    let nanos = u32::try_from(h.ts.tv_usec).unwrap_or(0);
    Timestamp::new(secs, nanos)
}
