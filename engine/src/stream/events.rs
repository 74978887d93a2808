//! Stream events (what happened to a segment) and counters (how often).
//!
//! Events use Suricata's `stream-event` names where Suricata has one, so
//! `stream-event:` rules and stats keep their familiar spelling; the two
//! Sigil-specific limits (memcap, segment count) say so in their doc. A set
//! of events is a bit set, so recording one never allocates.

use std::fmt;
use std::ops::AddAssign;

macro_rules! stream_events {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// Something the reassembly engine noticed about a segment.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum StreamEvent {
            $( $(#[$doc])* $variant, )*
        }

        impl StreamEvent {
            /// Every event, in declaration order (index = discriminant).
            pub const ALL: &'static [StreamEvent] = &[$(StreamEvent::$variant,)*];

            /// The event's name with its `stream.` prefix.
            pub fn name(&self) -> &'static str {
                match self {
                    $( StreamEvent::$variant => $name, )*
                }
            }
        }
    };
}

stream_events! {
    /// The segment carried no byte that was not already received.
    PktRetransmission => "stream.pkt_retransmission",
    /// The segment lies entirely before the data still kept (already
    /// delivered and no longer retained, or before the stream start).
    ReassemblySegmentBeforeBaseSeq => "stream.reassembly_segment_before_base_seq",
    /// A hole in the stream was skipped (peer ACKed past it, or flush).
    ReassemblySeqGap => "stream.reassembly_seq_gap",
    /// The segment overlapped received bytes with different content; the
    /// overlap policy decided which bytes the stream keeps.
    ReassemblyOverlapDifferentData => "stream.reassembly_overlap_different_data",
    /// The direction reached the reassembly depth; later bytes are dropped.
    ReassemblyDepthReached => "stream.reassembly_depth_reached",
    /// Data seen after a RST in the session (the RST may have been injected
    /// to blind a sensor, and the target ignored it).
    SuspectedRstInject => "stream.suspected_rst_inject",
    /// Sigil-specific: the reassembly memcap was full, the segment's new
    /// bytes were dropped.
    ReassemblyMemcap => "stream.reassembly_memcap",
    /// Sigil-specific: the direction already holds `max_segments`
    /// segments, the segment's new bytes were dropped.
    ReassemblySegmentLimit => "stream.reassembly_segment_limit",
}

impl fmt::Display for StreamEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`StreamEvent`]s (per segment, or accumulated per session).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamEvents(u32);

impl StreamEvents {
    /// Records an event.
    pub fn push(&mut self, ev: StreamEvent) {
        self.0 |= 1u32 << (ev as u8);
    }

    /// True when `ev` was recorded.
    pub fn contains(&self, ev: StreamEvent) -> bool {
        self.0 & (1u32 << (ev as u8)) != 0
    }

    /// True when no event was recorded.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Adds every event of `other`.
    pub fn extend(&mut self, other: StreamEvents) {
        self.0 |= other.0;
    }

    /// The recorded events in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = StreamEvent> + '_ {
        StreamEvent::ALL
            .iter()
            .copied()
            .filter(move |e| self.contains(*e))
    }
}

/// Reassembly counters. Per direction, summed per session by
/// [`super::TcpSession::stats`]; a worker sums sessions with `+=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StreamStats {
    /// Segments with payload handed to reassembly.
    pub segments: u64,
    /// Payload bytes that were new to the stream and stored.
    pub bytes: u64,
    /// Segments that carried no new byte.
    pub retransmissions: u64,
    /// Segments that overlapped bytes already received (retransmissions included).
    pub overlaps: u64,
    /// Overlapping segments whose bytes differed from those received.
    pub overlap_diff: u64,
    /// Segments stored ahead of a hole.
    pub out_of_order: u64,
    /// Holes skipped.
    pub gaps: u64,
    /// Bytes in the skipped holes.
    pub gap_bytes: u64,
    /// Directions that reached the depth limit.
    pub depth_reached: u64,
    /// Segments dropped because the memcap was full.
    pub memcap_drops: u64,
    /// Segments dropped because the direction held `max_segments` segments.
    pub segment_limit_drops: u64,
    /// Sessions picked up without a handshake (`midstream: true`).
    pub midstream_pickups: u64,
    /// Sessions not reassembled: no handshake seen and `midstream: false`.
    pub midstream_ignored: u64,
}

impl AddAssign for StreamStats {
    fn add_assign(&mut self, o: StreamStats) {
        self.segments += o.segments;
        self.bytes += o.bytes;
        self.retransmissions += o.retransmissions;
        self.overlaps += o.overlaps;
        self.overlap_diff += o.overlap_diff;
        self.out_of_order += o.out_of_order;
        self.gaps += o.gaps;
        self.gap_bytes += o.gap_bytes;
        self.depth_reached += o.depth_reached;
        self.memcap_drops += o.memcap_drops;
        self.segment_limit_drops += o.segment_limit_drops;
        self.midstream_pickups += o.midstream_pickups;
        self.midstream_ignored += o.midstream_ignored;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_set_round_trips() {
        let mut s = StreamEvents::default();
        assert!(s.is_empty());
        s.push(StreamEvent::ReassemblySeqGap);
        s.push(StreamEvent::PktRetransmission);
        let got: Vec<_> = s.iter().collect();
        assert_eq!(
            got,
            [
                StreamEvent::PktRetransmission,
                StreamEvent::ReassemblySeqGap
            ]
        );
        assert_eq!(
            StreamEvent::ReassemblyOverlapDifferentData.to_string(),
            "stream.reassembly_overlap_different_data"
        );
        assert!(StreamEvent::ALL.len() <= 32);
    }

    #[test]
    fn stats_add() {
        let mut a = StreamStats {
            gaps: 1,
            bytes: 10,
            ..StreamStats::default()
        };
        a += StreamStats {
            gaps: 2,
            segments: 3,
            ..StreamStats::default()
        };
        assert_eq!((a.gaps, a.bytes, a.segments), (3, 10, 3));
    }
}
