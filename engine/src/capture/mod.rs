//! Packet sources.
//!
//! A source hands out [`RawPacket`]s: captured bytes plus the metadata that
//! later stages and the EVE output need (timestamp, link type, `pcap_cnt`,
//! the file the packet came from). Offline sources read pcap and pcapng files
//! through libpcap ([`OfflineSource`]); a directory is expanded into its
//! capture files in time order so a retro-hunt over rotated captures sees
//! packets roughly in the order they were recorded.
//!
//! Packets are delivered to a visitor closure that borrows libpcap's buffer,
//! so reading a file does not allocate per packet. A caller that has to keep
//! a packet (to send it to a worker thread) copies it with
//! [`RawPacket::to_owned`].

pub mod live;
mod magic;
mod offline;
pub mod ring;

use std::fmt;
use std::path::PathBuf;

pub use live::{
    list_interfaces, InterfaceInfo, KernelStats, LiveConfig, LiveError, LiveEvent, LiveSource,
};
pub use magic::{pcap_header_snaplen, sniff_format, FileFormat};
pub use offline::{CaptureWarning, CaptureWarningKind, FileInfo, OfflineSource};
pub use ring::{CaptureMeta, ManifestEntry, RingConfig, RingError, RingSummary, RingWriter};

/// A packet timestamp: seconds and nanoseconds since the Unix epoch, UTC.
///
/// Timestamps order packets and drive flow timeouts, so they are kept at
/// full nanosecond precision whatever the file's resolution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub secs: i64,
    /// Nanoseconds within the second, always `< 1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp, carrying whole seconds out of `nanos`.
    pub fn new(secs: i64, nanos: u32) -> Self {
        let carry = i64::from(nanos / 1_000_000_000);
        Timestamp {
            secs: secs.saturating_add(carry),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// Nanoseconds since the epoch, saturating far outside the i128 range (never).
    pub fn as_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Whole seconds elapsed from `earlier` to `self` (negative if `self` is older).
    pub fn secs_since(&self, earlier: Timestamp) -> i64 {
        let diff = self.as_nanos() - earlier.as_nanos();
        i64::try_from(diff.div_euclid(1_000_000_000)).unwrap_or(if diff < 0 {
            i64::MIN
        } else {
            i64::MAX
        })
    }

    /// This timestamp moved `secs` seconds later (saturating).
    pub fn plus_secs(&self, secs: u64) -> Timestamp {
        Timestamp {
            secs: self
                .secs
                .saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)),
            nanos: self.nanos,
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.secs, self.nanos)
    }
}

/// The link layer of a capture, i.e. how to find the network layer in a
/// packet. Only the link types the decoder understands have a variant:
/// files with any other link type are skipped when the source is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II (DLT 1), possibly with 802.1Q / QinQ tags.
    Ethernet,
    /// Raw IP, version taken from the first nibble (LINKTYPE 101; DLT 12 or 14).
    Raw,
    /// Raw IPv4 only (228).
    Ipv4,
    /// Raw IPv6 only (229).
    Ipv6,
    /// Linux "cooked" capture v1 (113), 16-byte header.
    LinuxSll,
    /// Linux "cooked" capture v2 (276), 20-byte header.
    LinuxSll2,
    /// BSD loopback (0): 4-byte address family in the capturing host's byte order.
    Null,
    /// OpenBSD loopback (108): 4-byte address family in network byte order.
    Loop,
}

impl LinkType {
    /// Maps a libpcap DLT value (what `pcap_datalink` reports) or a file's
    /// LINKTYPE value to a supported link type.
    pub fn from_dlt(dlt: i32) -> Option<LinkType> {
        Some(match dlt {
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            0 => LinkType::Null,
            108 => LinkType::Loop,
            _ => return None,
        })
    }

    /// The LINKTYPE value to write in a pcap file header for this link type
    /// (what an evidence pcap of these packets should declare).
    pub fn linktype_value(&self) -> u32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll => 113,
            LinkType::LinuxSll2 => 276,
            LinkType::Null => 0,
            LinkType::Loop => 108,
        }
    }
}

/// One captured packet, borrowed from the reader's buffer.
///
/// Valid only for the duration of the visitor call that received it; use
/// [`RawPacket::to_owned`] to keep it.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// Capture time (UTC).
    pub ts: Timestamp,
    /// Bytes captured (`data.len()`).
    pub caplen: u32,
    /// Length of the packet on the wire; larger than `caplen` when the
    /// capture's snap length cut the packet.
    pub origlen: u32,
    /// The captured bytes, starting at the link-layer header.
    pub data: &'a [u8],
    /// How to interpret the start of `data`.
    pub linktype: LinkType,
    /// 1-based packet number across the whole run (all files), as Suricata's
    /// `pcap_cnt`.
    pub pcap_cnt: u64,
    /// Index of the file the packet came from, see [`OfflineSource::pcap_filename`].
    pub file_index: usize,
}

impl RawPacket<'_> {
    /// Copies the packet so it can outlive the reader's buffer.
    pub fn to_owned(&self) -> OwnedPacket {
        OwnedPacket {
            ts: self.ts,
            caplen: self.caplen,
            origlen: self.origlen,
            data: self.data.to_vec(),
            linktype: self.linktype,
            pcap_cnt: self.pcap_cnt,
            file_index: self.file_index,
        }
    }

    /// True when the capture cut the packet short (snap length).
    pub fn is_snapped(&self) -> bool {
        self.caplen < self.origlen
    }
}

/// A [`RawPacket`] that owns its bytes (for queues between threads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPacket {
    /// Capture time (UTC).
    pub ts: Timestamp,
    /// Bytes captured.
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub origlen: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
    /// Link layer of `data`.
    pub linktype: LinkType,
    /// 1-based packet number across the run.
    pub pcap_cnt: u64,
    /// Index of the source file.
    pub file_index: usize,
}

impl OwnedPacket {
    /// Borrows the packet back as a [`RawPacket`] for decoding.
    pub fn as_raw(&self) -> RawPacket<'_> {
        RawPacket {
            ts: self.ts,
            caplen: self.caplen,
            origlen: self.origlen,
            data: &self.data,
            linktype: self.linktype,
            pcap_cnt: self.pcap_cnt,
            file_index: self.file_index,
        }
    }
}

/// Counters of a capture source over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaptureStats {
    /// Capture files opened for reading.
    pub files: u64,
    /// Packets delivered.
    pub packets: u64,
    /// Captured bytes delivered (sum of `caplen`).
    pub bytes: u64,
    /// Files that ended in a truncated or corrupt record; the packets before
    /// it were delivered.
    pub truncated_files: u64,
    /// Files not read at all (unsupported link type, unreadable in a directory).
    pub skipped_files: u64,
}

/// Why a capture source could not be opened.
///
/// Every variant names the path involved, so the message alone tells the
/// operator which input is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The path could not be read (missing, permission denied, ...).
    #[error("{}: {source}", path.display())]
    Io {
        /// The offending path.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with a pcap or pcapng magic number.
    #[error("{}: not a pcap or pcapng file ({reason})", path.display())]
    NotCapture {
        /// The offending path.
        path: PathBuf,
        /// What was found instead (empty, too short, unknown magic).
        reason: String,
    },
    /// libpcap refused the file after the magic number matched.
    #[error("{}: cannot read capture: {message}", path.display())]
    Open {
        /// The offending path.
        path: PathBuf,
        /// libpcap's error text.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_normalises_and_orders() {
        let t = Timestamp::new(10, 1_500_000_000);
        assert_eq!(
            t,
            Timestamp {
                secs: 11,
                nanos: 500_000_000
            }
        );
        assert!(Timestamp::new(11, 0) < t);
        assert_eq!(t.secs_since(Timestamp::new(1, 600_000_000)), 9);
        assert_eq!(Timestamp::new(1, 0).secs_since(Timestamp::new(2, 1)), -2);
        assert_eq!(t.plus_secs(5).secs, 16);
        assert_eq!(t.to_string(), "11.500000000");
    }

    #[test]
    fn linktype_mapping_covers_platform_raw_values() {
        for dlt in [12, 14, 101] {
            assert_eq!(LinkType::from_dlt(dlt), Some(LinkType::Raw));
        }
        assert_eq!(LinkType::from_dlt(108), Some(LinkType::Loop));
        assert_eq!(LinkType::from_dlt(276), Some(LinkType::LinuxSll2));
        assert_eq!(LinkType::from_dlt(105), None);
        for dlt in [0, 1, 101, 108, 113, 228, 229, 276] {
            let lt = LinkType::from_dlt(dlt).map(|l| l.linktype_value());
            assert_eq!(lt, Some(dlt as u32));
        }
    }

    #[test]
    fn owned_packet_round_trips() {
        let data = [1u8, 2, 3];
        let raw = RawPacket {
            ts: Timestamp::new(1, 2),
            caplen: 3,
            origlen: 10,
            data: &data,
            linktype: LinkType::Raw,
            pcap_cnt: 7,
            file_index: 1,
        };
        let owned = raw.to_owned();
        let back = owned.as_raw();
        assert_eq!(back.data, &data);
        assert_eq!(back.pcap_cnt, 7);
        assert!(back.is_snapped());
    }
}

#[cfg(test)]
mod offline_tests;
