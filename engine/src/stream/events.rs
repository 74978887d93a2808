//! Stream events (what happened to a segment) and counters (how often).
//!
//! Events use Suricata's `stream-event` names, so `stream-event:` rules and
//! stats keep their familiar spelling. Those of the session tracker
//! (handshake, timestamps, windows, resets: `tracker.rs`) come first in
//! Suricata's state machine, those of reassembly after it. A set of events
//! is a bit set, so recording one never allocates.

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
    /// A regular packet from the endpoint that sent an accepted RST: the
    /// RST was probably injected to blind a sensor, and the target ignored
    /// it. The session goes on as before the RST.
    SuspectedRstInject => "stream.suspected_rst_inject",
    /// The reassembly memcap was full, the segment's new bytes were
    /// dropped (Suricata's `reassembly_insert_memcap`).
    ReassemblyMemcap => "stream.reassembly_insert_memcap",
    /// Sigil-specific: the direction already holds `max_segments`
    /// segments, the segment's new bytes were dropped (Suricata's
    /// `reassembly_insert_limit` covers its own segment limit).
    ReassemblySegmentLimit => "stream.reassembly_insert_limit",
    /// An acknowledgement number without the ACK flag.
    PktBrokenAck => "stream.pkt_broken_ack",
    /// A RST with no session to reset (first packet of the flow).
    RstButNoSession => "stream.rst_but_no_session",
    /// A FIN with no session to close (first packet of the flow).
    FinButNoSession => "stream.fin_but_no_session",
    /// A TCP timestamp older than the sender's last one (PAWS), zero, or a
    /// reply to a SYN echoing a timestamp the client never sent. The
    /// packet is ignored by the stream engine.
    PktInvalidTimestamp => "stream.pkt_invalid_timestamp",
    /// The client sent the SYN/ACK of its own handshake.
    ThreeWhsSynAckInWrongDirection => "stream.3whs_synack_in_wrong_direction",
    /// The SYN/ACK does not acknowledge the client's SYN.
    ThreeWhsSynAckWithWrongAck => "stream.3whs_synack_with_wrong_ack",
    /// A resent SYN/ACK acknowledges something else than the first one.
    ThreeWhsSynAckResendWithDiffAck => "stream.3whs_synack_resend_with_diff_ack",
    /// A resent SYN/ACK carries another sequence number than the first one.
    ThreeWhsSynAckResendWithDiffSeq => "stream.3whs_synack_resend_with_diff_seq",
    /// A SYN/ACK from the client while the handshake waits for its ACK.
    ThreeWhsSynAckToServerOnSynRecv => "stream.3whs_synack_toserver_on_syn_recv",
    /// The client resent its SYN with another sequence number after the
    /// server answered.
    ThreeWhsSynResendDiffSeqOnSynRecv => "stream.3whs_syn_resend_diff_seq_on_syn_recv",
    /// A SYN from the server while the handshake waits for the client's ACK.
    ThreeWhsSynToClientOnSynRecv => "stream.3whs_syn_toclient_on_syn_recv",
    /// The server sent an ACK before the client completed the handshake.
    ThreeWhsAckInWrongDir => "stream.3whs_ack_in_wrong_dir",
    /// The handshake's final ACK has the right sequence number but does
    /// not acknowledge the SYN/ACK (some stacks accept it: an evasion).
    ThreeWhsRightSeqWrongAckEvasion => "stream.3whs_right_seq_wrong_ack_evasion",
    /// The handshake's final ACK has neither the right sequence number nor
    /// the right acknowledgement.
    ThreeWhsWrongSeqWrongAck => "stream.3whs_wrong_seq_wrong_ack",
    /// The client resent its SYN (same sequence number) after the handshake.
    EstSynResend => "stream.est_syn_resend",
    /// A SYN from the client with another sequence number after the handshake.
    EstSynResendDiffSeq => "stream.est_syn_resend_diff_seq",
    /// A SYN from the server after the handshake.
    EstSynToClient => "stream.est_syn_toclient",
    /// The server resent its SYN/ACK after the handshake.
    EstSynAckResend => "stream.est_synack_resend",
    /// A SYN/ACK resent after the handshake with another acknowledgement.
    EstSynAckResendWithDiffAck => "stream.est_synack_resend_with_diff_ack",
    /// A SYN/ACK resent after the handshake with another sequence number.
    EstSynAckResendWithDiffSeq => "stream.est_synack_resend_with_diff_seq",
    /// A SYN/ACK from the client after the handshake.
    EstSynAckToServer => "stream.est_synack_toserver",
    /// With `async_oneside`, the client's packet after its SYN (no SYN/ACK
    /// seen) does not follow the SYN's sequence number.
    ThreeWhsAsyncWrongSeq => "stream.3whs_async_wrong_seq",
    /// The segment ends beyond the window the receiver advertised; it is
    /// ignored by the stream engine.
    EstPacketOutOfWindow => "stream.est_packet_out_of_window",
}

impl fmt::Display for StreamEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`StreamEvent`]s (per segment, or accumulated per session).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamEvents(u64);

impl StreamEvents {
    /// Records an event.
    pub fn push(&mut self, ev: StreamEvent) {
        self.0 |= 1u64 << (ev as u8);
    }

    /// True when `ev` was recorded.
    pub fn contains(&self, ev: StreamEvent) -> bool {
        self.0 & (1u64 << (ev as u8)) != 0
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

/// How many packets raised each [`StreamEvent`] (Suricata counts engine
/// events per packet, under the event's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEventCounts([u64; 64]);

impl Default for StreamEventCounts {
    fn default() -> Self {
        StreamEventCounts([0; 64])
    }
}

impl StreamEventCounts {
    /// Counts one packet's events.
    pub fn record(&mut self, events: StreamEvents) {
        for e in events.iter() {
            if let Some(c) = self.0.get_mut(e as usize) {
                *c += 1;
            }
        }
    }

    /// Adds another set of counters.
    pub fn merge(&mut self, other: &StreamEventCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }

    /// Events raised at least once, with their counts, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (StreamEvent, u64)> + '_ {
        StreamEvent::ALL
            .iter()
            .map(|e| (*e, self.0.get(*e as usize).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
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
        assert!(StreamEvent::ALL.len() <= 64);
    }

    #[test]
    fn event_counts_per_packet() {
        let mut c = StreamEventCounts::default();
        let mut pkt = StreamEvents::default();
        pkt.push(StreamEvent::PktInvalidTimestamp);
        pkt.push(StreamEvent::PktBrokenAck);
        c.record(pkt);
        c.record(pkt);
        let mut other = StreamEventCounts::default();
        other.record(pkt);
        c.merge(&other);
        let got: Vec<_> = c.iter().collect();
        assert_eq!(
            got,
            [
                (StreamEvent::PktBrokenAck, 3),
                (StreamEvent::PktInvalidTimestamp, 3)
            ]
        );
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
