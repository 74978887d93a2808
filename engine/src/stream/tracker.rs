//! TCP session tracking in front of reassembly: the handshake, sequence
//! windows, timestamps and resets, checked the way Suricata's stream engine
//! checks them.
//!
//! Reassembly (`direction.rs`) trusts every segment it is given. This
//! tracker decides first whether a segment belongs to the session at all,
//! and raises the `stream.*` events Suricata raises on the way. A segment
//! it rejects is still a packet (packet rules see it, with its events) but
//! its bytes, flags and acknowledgement do not reach the stream: a forged
//! RST with the wrong sequence number, a SYN/ACK answering another SYN,
//! a packet whose timestamp goes back in time (PAWS) or a segment past the
//! receiver's window cannot close the session or inject data.
//!
//! The model is Suricata's, reduced to what decides acceptance:
//!
//! * `SynSent` (client SYN seen): the SYN/ACK must acknowledge the SYN
//!   (`3whs_synack_with_wrong_ack`) and, when it carries a timestamp, echo
//!   the client's (`pkt_invalid_timestamp`: Linux ignores such packets, so
//!   a sensor that did not could be blinded, Suricata bug 3286).
//! * `SynRecv`: the client's ACK must have the next sequence number and
//!   acknowledge the SYN/ACK; resent SYNs and SYN/ACKs must match the first.
//! * `Established` (and the closing states, which are not told apart): a
//!   SYN or SYN/ACK is refused with its `est_*` event; with timestamps
//!   negotiated, a timestamp older than the sender's last is refused
//!   (`pkt_invalid_timestamp`); a segment ending past the window the
//!   receiver advertised is refused (`est_packet_out_of_window`).
//! * A RST is accepted when its sequence number is the sender's next one
//!   (BSD and most policies; Linux and Solaris accept it anywhere in the
//!   window, HP-UX 11 at or after it). It closes the session; a later
//!   regular packet from the RST's sender reopens it and raises
//!   `suspected_rst_inject`, while the RST's receiver is ignored until then.
//!
//! Sessions picked up mid-stream are not checked (no handshake to know
//! the windows, scales and timestamps from), and neither is a direction
//! whose receiver never advertised a window, so one-sided captures keep
//! working. Only the overlap policy's OS name selects the RST rule, as
//! Suricata's `host-os-policy` does.

use crate::decode::tcp_flags;
use crate::flow::Direction;

use super::events::{StreamEvent, StreamEvents};
use super::policy::OverlapPolicy;
use super::seq::SeqNumber;
use super::session::Segment;

/// Seconds after which a timestamp may restart (RFC 7323 PAWS, 24 days).
const PAWS_24DAYS: i64 = 24 * 24 * 3600;

/// The TCP options and fields the tracker needs beyond [`Segment`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpMeta {
    /// Advertised receive window (unscaled, as on the wire).
    pub window: u16,
    /// Window scale option (shift), when present.
    pub wscale: Option<u8>,
    /// Timestamp option: (TSval, TSecr), when present.
    pub timestamp: Option<(u32, u32)>,
    /// Capture time in whole seconds (for the 24-day PAWS rule).
    pub time_secs: i64,
}

impl TcpMeta {
    /// Reads the window and the window-scale and timestamp options of a
    /// TCP header (options past a malformed one are ignored).
    pub fn from_header(header: &[u8], window: u16, time_secs: i64) -> TcpMeta {
        let mut meta = TcpMeta {
            window,
            time_secs,
            ..TcpMeta::default()
        };
        let hlen = header
            .get(12)
            .map_or(0, |b| usize::from(b >> 4) * 4)
            .min(header.len());
        let mut opts = header.get(20..hlen).unwrap_or(&[]);
        while let Some((&kind, rest)) = opts.split_first() {
            match kind {
                0 => break,
                1 => {
                    opts = rest;
                    continue;
                }
                _ => {}
            }
            let Some(&len) = rest.first() else { break };
            let len = usize::from(len);
            if len < 2 || len > opts.len() {
                break;
            }
            let body = opts.get(2..len).unwrap_or(&[]);
            match (kind, body) {
                (3, [shift]) => meta.wscale = Some((*shift).min(14)),
                (8, [a, b, c, d, e, f, g, h]) => {
                    meta.timestamp = Some((
                        u32::from_be_bytes([*a, *b, *c, *d]),
                        u32::from_be_bytes([*e, *f, *g, *h]),
                    ));
                }
                _ => {}
            }
            opts = opts.get(len..).unwrap_or(&[]);
        }
        meta
    }
}

/// Where the session is in its life, as far as acceptance goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing accepted yet.
    None,
    /// The client's SYN was seen.
    SynSent,
    /// The server's SYN/ACK was seen.
    SynRecv,
    /// Handshake done (or picked up mid-stream); includes closing.
    Established,
    /// Closed by an accepted RST; `prev` is the phase before it.
    Closed { prev: PrevPhase },
}

/// The phase a RST interrupted (what an injected RST returns to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrevPhase {
    SynSent,
    SynRecv,
    Established,
}

impl PrevPhase {
    fn phase(self) -> Phase {
        match self {
            PrevPhase::SynSent => Phase::SynSent,
            PrevPhase::SynRecv => Phase::SynRecv,
            PrevPhase::Established => Phase::Established,
        }
    }
}

/// What the tracker knows of one endpoint, as a sender.
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    /// Initial sequence number (from its SYN or SYN/ACK).
    isn: Option<SeqNumber>,
    /// Next sequence number expected from it.
    next_seq: Option<SeqNumber>,
    /// Highest acknowledgement of its data by the peer.
    last_ack: Option<SeqNumber>,
    /// Highest sequence number the peer's windows allowed it to reach.
    next_win: Option<SeqNumber>,
    /// Shift the peer applies to the windows it advertises to this side.
    win_shift: u8,
    /// Window scale option of its SYN or SYN/ACK.
    syn_wscale: Option<u8>,
    /// Window of its SYN or SYN/ACK (never scaled).
    syn_window: u16,
    /// Payload length of its SYN (TCP Fast Open).
    syn_len: u32,
    /// Its SYN carried a timestamp option.
    syn_ts: bool,
    /// Latest timestamp (TSval) it sent, and when.
    last_ts: Option<(u32, i64)>,
    /// It received a RST that was accepted (the peer sent it).
    rst_recv: bool,
}

/// Acceptance decision for one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Verdict {
    /// The segment belongs to the session: hand it to reassembly.
    pub accept: bool,
    /// Events raised by the tracker for this segment.
    pub events: StreamEvents,
}

/// Handshake, window, timestamp and reset tracking of one TCP session.
#[derive(Debug, Clone)]
pub(super) struct Tracker {
    policy: OverlapPolicy,
    async_oneside: bool,
    phase: Phase,
    /// Sides indexed by [`Direction`]: 0 = to-server sender (client).
    sides: [Side; 2],
    /// Both SYN and SYN/ACK carried timestamps: they are checked.
    timestamps: bool,
    /// Picked up mid-stream: nothing to check against.
    lenient: bool,
    /// Established from one side only (`async_oneside`, no SYN/ACK seen).
    async_established: bool,
}

fn idx(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl Tracker {
    pub(super) fn new(policy: OverlapPolicy, async_oneside: bool) -> Self {
        Tracker {
            policy,
            async_oneside,
            phase: Phase::None,
            sides: [Side::default(); 2],
            timestamps: false,
            lenient: false,
            async_established: false,
        }
    }

    /// True once a one-sided session was established by the client's ACK
    /// (`async_oneside`): the flow counts as established, as in Suricata.
    pub(super) fn async_established(&self) -> bool {
        self.async_established
    }

    /// The flow's direction was corrected: swap the endpoints.
    pub(super) fn swap(&mut self) {
        self.sides.swap(0, 1);
    }

    /// Starts tracking at the client's SYN (`handshake`) or mid-stream.
    pub(super) fn start(&mut self, handshake: bool) {
        if handshake {
            self.phase = Phase::SynSent;
        } else {
            self.phase = Phase::Established;
            self.lenient = true;
        }
    }

    /// Checks one segment travelling in `dir`; on acceptance, updates the
    /// sequence, window and timestamp state.
    pub(super) fn check(&mut self, dir: Direction, seg: &Segment<'_>) -> Verdict {
        let mut ev = StreamEvents::default();
        let accept = match self.phase {
            Phase::None => true,
            Phase::SynSent => self.syn_sent(dir, seg, &mut ev),
            Phase::SynRecv => self.syn_recv(dir, seg, &mut ev),
            Phase::Established => self.established(dir, seg, &mut ev),
            Phase::Closed { prev } => self.closed(dir, seg, prev, &mut ev),
        };
        if accept {
            self.update(dir, seg);
            self.post_rst(dir, seg, &mut ev);
        }
        Verdict { accept, events: ev }
    }

    fn side(&self, dir: Direction) -> &Side {
        &self.sides[idx(dir)]
    }

    fn side_mut(&mut self, dir: Direction) -> &mut Side {
        &mut self.sides[idx(dir)]
    }

    fn peer(&self, dir: Direction) -> &Side {
        &self.sides[1 - idx(dir)]
    }

    /// The client's SYN was seen; waiting for the SYN/ACK.
    fn syn_sent(&mut self, dir: Direction, seg: &Segment<'_>, ev: &mut StreamEvents) -> bool {
        let (syn, ack, rst) = (
            seg.has(tcp_flags::SYN),
            seg.has(tcp_flags::ACK),
            seg.has(tcp_flags::RST),
        );
        let client = dir == Direction::ToServer;
        if client {
            if syn && ack {
                ev.push(StreamEvent::ThreeWhsSynAckInWrongDirection);
                return false;
            }
            if syn {
                // A resent SYN, possibly with a new ISN: start over from it.
                self.record_syn(dir, seg);
                return true;
            }
            if rst {
                let isn = self.side(dir).isn;
                let seq = SeqNumber(seg.seq);
                let ok = isn.is_some_and(|i| seq == i || seq == i + 1);
                if ok {
                    self.close(dir);
                }
                return ok;
            }
            if ack && self.async_oneside {
                // Only the client's side is seen: its ACK after the SYN
                // establishes the session (Suricata's async handling).
                if self.side(dir).next_seq != Some(SeqNumber(seg.seq)) {
                    ev.push(StreamEvent::ThreeWhsAsyncWrongSeq);
                    return false;
                }
                self.phase = Phase::Established;
                self.async_established = true;
            }
            return true;
        }
        // From the server: a reply to the SYN must echo its timestamp.
        if !self.synack_timestamp_ok(seg) {
            ev.push(StreamEvent::PktInvalidTimestamp);
            return false;
        }
        if syn && ack {
            if !self.synack_ack_ok(seg.ack) {
                ev.push(StreamEvent::ThreeWhsSynAckWithWrongAck);
                return false;
            }
            self.on_synack(dir, seg);
            return true;
        }
        if rst {
            let ok = ack && self.synack_ack_ok(seg.ack);
            if ok {
                self.close(dir);
            }
            return ok;
        }
        true
    }

    /// Suricata's check against the Linux evasion: a server reply carrying
    /// a timestamp must echo the client's SYN timestamp, and may not echo
    /// one when the SYN had none.
    fn synack_timestamp_ok(&self, seg: &Segment<'_>) -> bool {
        let Some((_, ecr)) = seg.meta.and_then(|m| m.timestamp) else {
            return true;
        };
        let client = self.side(Direction::ToServer);
        match client.last_ts {
            Some((ts, _)) if client.syn_ts => ts == 0 || ecr == 0 || ecr == ts,
            _ => ecr == 0,
        }
    }

    /// The SYN/ACK acknowledges the SYN (or, with TCP Fast Open, its data).
    fn synack_ack_ok(&self, ack: u32) -> bool {
        let client = self.side(Direction::ToServer);
        client.isn.is_some_and(|i| {
            let a = SeqNumber(ack);
            a == i + 1 || (client.syn_len > 0 && a == i + 1 + client.syn_len)
        })
    }

    /// Records a SYN from `dir` (the client's, or a resent one).
    fn record_syn(&mut self, dir: Direction, seg: &Segment<'_>) {
        let meta = seg.meta.unwrap_or_default();
        let s = self.side_mut(dir);
        s.isn = Some(SeqNumber(seg.seq));
        s.next_seq = Some(SeqNumber(seg.seq) + 1);
        s.syn_window = meta.window;
        s.syn_wscale = meta.wscale;
        s.syn_len = u32::try_from(seg.payload.len()).unwrap_or(u32::MAX);
        s.syn_ts = meta.timestamp.is_some();
        s.last_ts = meta.timestamp.map(|(v, _)| (v, meta.time_secs));
    }

    /// The server's SYN/ACK: both ISNs, scales and first windows known.
    fn on_synack(&mut self, dir: Direction, seg: &Segment<'_>) {
        let meta = seg.meta.unwrap_or_default();
        let ack = SeqNumber(seg.ack);
        let server_isn = SeqNumber(seg.seq);
        let client_wscale = self.side(Direction::ToServer).syn_wscale;
        let client_ts = self.side(Direction::ToServer).syn_ts;
        let (client_shift, server_shift) = match (client_wscale, meta.wscale) {
            (Some(c), Some(s)) => (c, s),
            _ => (0, 0),
        };
        self.timestamps = client_ts && meta.timestamp.is_some();
        let s = self.side_mut(dir);
        s.isn = Some(server_isn);
        s.next_seq = Some(server_isn + 1);
        s.syn_window = meta.window;
        s.syn_wscale = meta.wscale;
        s.syn_ts = meta.timestamp.is_some();
        s.last_ts = meta.timestamp.map(|(v, _)| (v, meta.time_secs));
        // Windows advertised by the server scale with its shift and limit
        // the client, and the other way round.
        s.win_shift = client_shift;
        s.last_ack = Some(server_isn + 1);
        let client_window = u32::from(self.side(Direction::ToServer).syn_window);
        let s = self.side_mut(dir);
        s.next_win = Some(server_isn + 1 + client_window);
        let c = self.side_mut(Direction::ToServer);
        c.win_shift = server_shift;
        c.next_seq = Some(ack);
        c.last_ack = Some(ack);
        c.next_win = Some(ack + u32::from(meta.window));
        self.phase = Phase::SynRecv;
    }

    /// SYN/ACK seen; waiting for the client's ACK.
    fn syn_recv(&mut self, dir: Direction, seg: &Segment<'_>, ev: &mut StreamEvents) -> bool {
        let (syn, ack, rst) = (
            seg.has(tcp_flags::SYN),
            seg.has(tcp_flags::ACK),
            seg.has(tcp_flags::RST),
        );
        let client = dir == Direction::ToServer;
        if rst {
            return self.rst(dir, seg, ev);
        }
        if syn && ack {
            if client {
                ev.push(StreamEvent::ThreeWhsSynAckToServerOnSynRecv);
                return false;
            }
            if !self.synack_ack_ok(seg.ack) {
                ev.push(StreamEvent::ThreeWhsSynAckResendWithDiffAck);
                return false;
            }
            if self.side(dir).isn != Some(SeqNumber(seg.seq)) {
                ev.push(StreamEvent::ThreeWhsSynAckResendWithDiffSeq);
                return false;
            }
            return true;
        }
        if syn {
            if !client {
                ev.push(StreamEvent::ThreeWhsSynToClientOnSynRecv);
                return false;
            }
            if self.side(dir).isn != Some(SeqNumber(seg.seq)) {
                ev.push(StreamEvent::ThreeWhsSynResendDiffSeqOnSynRecv);
                return false;
            }
            return true;
        }
        if !ack {
            return true;
        }
        if !client {
            if self.async_oneside {
                return true;
            }
            ev.push(StreamEvent::ThreeWhsAckInWrongDir);
            return false;
        }
        if !self.timestamp_ok(dir, seg) {
            ev.push(StreamEvent::PktInvalidTimestamp);
            return false;
        }
        let seq_ok = self.side(dir).next_seq == Some(SeqNumber(seg.seq));
        let ack_ok = self.peer(dir).next_seq == Some(SeqNumber(seg.ack));
        match (seq_ok, ack_ok) {
            (true, true) => {
                self.phase = Phase::Established;
                true
            }
            (true, false) => {
                ev.push(StreamEvent::ThreeWhsRightSeqWrongAckEvasion);
                false
            }
            (false, _) => {
                ev.push(StreamEvent::ThreeWhsWrongSeqWrongAck);
                false
            }
        }
    }

    /// After the handshake (or mid-stream).
    fn established(&mut self, dir: Direction, seg: &Segment<'_>, ev: &mut StreamEvents) -> bool {
        let (syn, ack, rst) = (
            seg.has(tcp_flags::SYN),
            seg.has(tcp_flags::ACK),
            seg.has(tcp_flags::RST),
        );
        let client = dir == Direction::ToServer;
        if self.lenient {
            return !rst || self.rst(dir, seg, ev);
        }
        if syn && ack {
            let e = if client {
                StreamEvent::EstSynAckToServer
            } else if !self.synack_ack_ok(seg.ack) {
                StreamEvent::EstSynAckResendWithDiffAck
            } else if self.side(dir).isn != Some(SeqNumber(seg.seq)) {
                StreamEvent::EstSynAckResendWithDiffSeq
            } else {
                StreamEvent::EstSynAckResend
            };
            ev.push(e);
            return false;
        }
        if syn {
            let e = if !client {
                StreamEvent::EstSynToClient
            } else if self.side(dir).isn == Some(SeqNumber(seg.seq)) {
                StreamEvent::EstSynResend
            } else {
                StreamEvent::EstSynResendDiffSeq
            };
            ev.push(e);
            return false;
        }
        if rst {
            return self.rst(dir, seg, ev);
        }
        if !self.timestamp_ok(dir, seg) {
            ev.push(StreamEvent::PktInvalidTimestamp);
            return false;
        }
        if !self.in_window(dir, seg) {
            ev.push(StreamEvent::EstPacketOutOfWindow);
            return false;
        }
        true
    }

    /// Closed by a RST: only the RST's sender may go on (an injected RST).
    fn closed(
        &mut self,
        dir: Direction,
        seg: &Segment<'_>,
        prev: PrevPhase,
        ev: &mut StreamEvents,
    ) -> bool {
        if seg.has(tcp_flags::RST) || self.side(dir).rst_recv || !self.peer(dir).rst_recv {
            return false;
        }
        self.phase = prev.phase();
        let ok = match prev {
            PrevPhase::SynSent => self.syn_sent(dir, seg, ev),
            PrevPhase::SynRecv => self.syn_recv(dir, seg, ev),
            PrevPhase::Established => self.established(dir, seg, ev),
        };
        if !ok && self.phase == prev.phase() {
            self.phase = Phase::Closed { prev };
        }
        ok
    }

    /// A regular packet from the sender of an accepted RST: the RST was
    /// probably injected; the session goes on (Suricata's post-RST check).
    fn post_rst(&mut self, dir: Direction, seg: &Segment<'_>, ev: &mut StreamEvents) {
        if seg.has(tcp_flags::RST) {
            return;
        }
        let peer = &mut self.sides[1 - idx(dir)];
        if peer.rst_recv {
            peer.rst_recv = false;
            ev.push(StreamEvent::SuspectedRstInject);
        }
    }

    /// Validates a RST from `dir`; an accepted one closes the session.
    fn rst(&mut self, dir: Direction, seg: &Segment<'_>, ev: &mut StreamEvents) -> bool {
        if !self.lenient && !self.timestamp_ok(dir, seg) {
            ev.push(StreamEvent::PktInvalidTimestamp);
            return false;
        }
        let s = self.side(dir);
        let seq = SeqNumber(seg.seq);
        let ok = match (self.lenient, s.next_seq) {
            (true, _) | (_, None) => true,
            (false, Some(next)) => match self.policy {
                OverlapPolicy::Linux | OverlapPolicy::OldLinux | OverlapPolicy::Solaris => {
                    let len = u32::try_from(seg.payload.len()).unwrap_or(u32::MAX);
                    let base = s.last_ack.unwrap_or(next);
                    let window = s.next_win.map_or(0, |w| w - base).max(0);
                    (seq + len) - base >= 0 && seq - (next + u32::try_from(window).unwrap_or(0)) < 0
                }
                OverlapPolicy::HpUx11 => seq - next >= 0,
                _ => seq == next,
            },
        };
        if ok {
            self.close(dir);
        }
        ok
    }

    /// An accepted RST from `dir`: the session is closed, its receiver
    /// marked so that a later packet from the sender is seen as injection.
    fn close(&mut self, dir: Direction) {
        let prev = match self.phase {
            Phase::SynSent => PrevPhase::SynSent,
            Phase::SynRecv => PrevPhase::SynRecv,
            Phase::Established | Phase::None => PrevPhase::Established,
            Phase::Closed { prev } => prev,
        };
        self.phase = Phase::Closed { prev };
        self.sides[1 - idx(dir)].rst_recv = true;
    }

    /// PAWS (RFC 7323): once both sides negotiated timestamps, a sender's
    /// TSval may not go back, nor be zero (BSD; Linux accepts one less).
    fn timestamp_ok(&self, dir: Direction, seg: &Segment<'_>) -> bool {
        if !self.timestamps {
            return true;
        }
        let Some(meta) = seg.meta else { return true };
        let Some((ts, _)) = meta.timestamp else {
            return true;
        };
        let s = self.side(dir);
        let Some((last, last_secs)) = s.last_ts else {
            return true;
        };
        let linux = matches!(self.policy, OverlapPolicy::Linux);
        if ts == 0
            && !matches!(
                self.policy,
                OverlapPolicy::OldLinux
                    | OverlapPolicy::Windows
                    | OverlapPolicy::Windows2k3
                    | OverlapPolicy::Vista
                    | OverlapPolicy::Solaris
            )
        {
            return false;
        }
        let diff = (ts.wrapping_sub(last) as i32).saturating_add(i32::from(linux));
        let old = last != 0 && meta.time_secs > last_secs.saturating_add(PAWS_24DAYS);
        if diff >= 0 && !old {
            return true;
        }
        // An old timestamp may restart: accept the next in-order segment.
        s.next_seq == Some(SeqNumber(seg.seq)) && old
    }

    /// The segment ends within the window the receiver advertised (or is a
    /// keep-alive or zero-window probe).
    fn in_window(&self, dir: Direction, seg: &Segment<'_>) -> bool {
        if seg.meta.is_none() {
            return true;
        }
        let s = self.side(dir);
        let (Some(next_win), Some(next_seq)) = (s.next_win, s.next_seq) else {
            return true;
        };
        let len = u32::try_from(seg.payload.len()).unwrap_or(u32::MAX);
        let seq = SeqNumber(seg.seq);
        if len <= 1 && (seq + 1 == next_seq || seq == next_seq) {
            return true;
        }
        (seq + len) - next_win <= 0
    }

    /// Moves the sender's next sequence number, the peer's acknowledged
    /// point and window, and the sender's timestamp.
    fn update(&mut self, dir: Direction, seg: &Segment<'_>) {
        let meta = seg.meta;
        let timestamps = self.timestamps;
        let s = self.side_mut(dir);
        let len = u32::try_from(seg.payload.len()).unwrap_or(u32::MAX);
        let end = SeqNumber(seg.seq) + len + u32::from(seg.has(tcp_flags::FIN));
        if !seg.has(tcp_flags::SYN) && !seg.has(tcp_flags::RST) {
            match s.next_seq {
                Some(n) if end - n <= 0 => {}
                Some(_) => s.next_seq = Some(end),
                None => s.next_seq = Some(end),
            }
        }
        if let (true, Some(m)) = (timestamps, meta) {
            if let Some((ts, _)) = m.timestamp {
                let newer = s
                    .last_ts
                    .is_none_or(|(last, _)| ts.wrapping_sub(last) as i32 >= 0);
                if newer {
                    s.last_ts = Some((ts, m.time_secs));
                }
            }
        }
        if !seg.has(tcp_flags::ACK) || seg.has(tcp_flags::SYN) {
            return;
        }
        let Some(m) = meta else { return };
        let ack = SeqNumber(seg.ack);
        let p = &mut self.sides[1 - idx(dir)];
        if p.last_ack.is_none_or(|l| ack - l > 0) {
            p.last_ack = Some(ack);
        }
        let base = p.last_ack.unwrap_or(ack);
        let win = u32::from(m.window) << p.win_shift.min(14);
        let edge = base + win;
        if p.next_win.is_none_or(|w| edge - w > 0) {
            p.next_win = Some(edge);
        }
    }
}

#[cfg(test)]
mod tests;
