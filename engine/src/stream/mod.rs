//! TCP stream reassembly: turns the segments of a flow, as captured, into
//! the byte stream each endpoint sent.
//!
//! # Model
//!
//! A [`TcpSession`] (one per TCP flow) holds two [`StreamDirection`]s,
//! to-server and to-client. The pipeline feeds it every segment of the
//! flow in capture order ([`TcpSession::handle_segment`]), then reads each
//! direction: [`StreamDirection::readable`] is the contiguous data not yet
//! consumed, [`StreamDirection::acked_len`] how much of it the receiver
//! acknowledged, [`StreamDirection::inspect_window`] the acknowledged data
//! with some already-consumed bytes in front (for content matches that
//! straddle two inspections), and [`StreamDirection::consume`] moves on.
//!
//! # Absolute offsets
//!
//! Sequence numbers are 32-bit and wrap; a long stream wraps several times
//! and an ISN near 2^32 wraps at once. Each direction therefore maps a
//! sequence number to an absolute `u64` offset (offset 0 = the first byte
//! after the SYN; with no SYN, the first data byte) as soon as it arrives,
//! by its signed distance from the contiguous end. Everything after that —
//! buffers, holes, ACKs, depth, the consumer's position — is plain `u64`
//! arithmetic with no wrap-around cases, and a consumer can tell a gap by
//! the offset jumping. [`SeqNumber`] is the only place that knows about
//! wrapping.
//!
//! # Storage
//!
//! In-order bytes are appended to one contiguous buffer that is compacted
//! in place, so steady-state traffic costs one copy per byte and no
//! allocation; out-of-order bytes wait in chunks (see `buffer.rs`). The
//! original boundaries of every segment not fully consumed are kept as well,
//! because overlap policies decide by them.
//!
//! # Overlaps
//!
//! A segment that overlaps bytes already received is compared with them.
//! Identical bytes are a retransmission (`stream.pkt_retransmission`),
//! never delivered twice. Different bytes raise
//! `stream.reassembly_overlap_different_data` and are resolved by the
//! [`OverlapPolicy`] (Suricata's `host-os-policy`; default BSD: the old
//! bytes stay, except that a segment starting before an old one replaces
//! the bytes they share). The full table is in `policy.rs`. Bytes already
//! consumed never change.
//!
//! # Acknowledgements, gaps, flush
//!
//! Like Suricata in IDS mode, the consumer should inspect only bytes the
//! receiver acknowledged: until then a later segment may still replace
//! them. Each direction keeps the highest ACK from the other side
//! (clamped to what was seen, so a forged ACK cannot skip data). A hole is
//! skipped as a gap (`stream.reassembly_seq_gap`) when the receiver
//! acknowledged past it, i.e. the bytes were lost by the capture, not the
//! network, and will not be retransmitted; or on [`TcpSession::flush_all`]
//! at flow end. With `async_oneside`, a direction whose peer was never seen
//! counts all its contiguous bytes as acknowledged.
//!
//! # Limits
//!
//! `depth` stops a direction after that many bytes
//! (`stream.reassembly_depth_reached`); `max_segments` bounds the segments
//! held per direction; the [`StreamMemcap`] bounds the bytes and segment
//! records held. Hitting a limit drops the new bytes and raises an event,
//! it never grows a buffer past the limit.
//!
//! The memcap is a lock-free atomic handle cloned into each direction
//! rather than a `&mut` budget passed to every call, so that dropping a
//! session — however the flow ends — returns its memory. Give each worker
//! its own handle (limit = memcap / workers) to keep the counter
//! uncontended.
//!
//! # Example
//!
//! ```
//! use sigil_engine::flow::Direction;
//! use sigil_engine::stream::{Segment, StreamConfig, StreamMemcap, TcpSession};
//!
//! let cfg = StreamConfig::default();
//! let memcap = StreamMemcap::new(cfg.memcap);
//! let mut s = TcpSession::new(&cfg, &memcap);
//! let seg = |seq, ack, flags, payload| Segment { seq, ack, flags, payload, meta: None };
//! s.handle_segment(Direction::ToServer, &seg(99, 0, 0x02, &b""[..])); // SYN
//! s.handle_segment(Direction::ToClient, &seg(499, 100, 0x12, b"")); // SYN-ACK
//! s.handle_segment(Direction::ToServer, &seg(100, 500, 0x10, b"GET / HTTP/1.1\r\n"));
//! assert_eq!(s.to_server().readable(), b"GET / HTTP/1.1\r\n");
//! assert_eq!(s.to_server().acked_len(), 0);
//! s.handle_segment(Direction::ToClient, &seg(500, 116, 0x10, b"")); // ACK
//! let dir = s.direction_mut(Direction::ToServer);
//! assert_eq!(dir.acked_data(), b"GET / HTTP/1.1\r\n");
//! let n = dir.acked_len();
//! dir.consume(n);
//! assert!(dir.readable().is_empty());
//! ```

mod buffer;
mod direction;
mod events;
mod memcap;
mod policy;
mod seq;
mod session;
mod tracker;

pub use direction::{CloseReason, StreamDirection};
pub use events::{StreamEvent, StreamEventCounts, StreamEvents, StreamStats};
pub use memcap::StreamMemcap;
pub use policy::{OverlapPolicy, UnknownPolicy};
pub use seq::SeqNumber;
pub use session::{Segment, SessionState, TcpSession};
pub use tracker::TcpMeta;

/// Reassembly settings, with Suricata 8's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// Bytes reassembled per direction; later bytes are dropped. 0 means
    /// unlimited. Suricata `stream.reassembly.depth`, default 1 MiB.
    pub depth: u64,
    /// Reassembly memory limit in bytes (payload held plus segment
    /// records). Suricata `stream.reassembly.memcap`, default 256 MiB.
    /// Suricata's separate session memcap (`stream.memcap`, 64 MiB) is not
    /// modelled: the flow table's size bounds sessions.
    pub memcap: u64,
    /// Reassemble sessions picked up without a handshake. Suricata
    /// `stream.midstream`, default false.
    pub midstream: bool,
    /// Segments held per direction (not fully consumed yet). Sigil-specific
    /// bound against floods of tiny segments.
    pub max_segments: usize,
    /// How overlapping segments with different data are resolved.
    /// Suricata `host-os-policy`, default BSD.
    pub overlap_policy: OverlapPolicy,
    /// Consumed bytes kept in front of new data for raw inspection, so a
    /// pattern up to this long that spans two inspections still matches.
    pub inspect_window: u64,
    /// Treat data as acknowledged while the other side has sent nothing
    /// (captures that see one side only). Suricata `stream.async-oneside`,
    /// default false.
    pub async_oneside: bool,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            depth: 1024 * 1024,
            memcap: 256 * 1024 * 1024,
            midstream: false,
            max_segments: 16_384,
            overlap_policy: OverlapPolicy::Bsd,
            inspect_window: 2048,
            async_oneside: false,
        }
    }
}

#[cfg(test)]
mod tests;
