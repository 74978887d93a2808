//! A TCP session: the handshake view that decides where each direction's
//! stream starts, and the routing of segments and ACKs to the directions.

use crate::decode::{tcp_flags, TcpInfo};
use crate::flow::Direction;

use super::direction::StreamDirection;
use super::events::{StreamEvent, StreamEvents, StreamStats};
use super::memcap::StreamMemcap;
use super::seq::SeqNumber;
use super::tracker::{TcpMeta, Tracker};
use super::StreamConfig;

/// The parts of a TCP segment reassembly needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number (meaningful with the ACK flag).
    pub ack: u32,
    /// TCP flags as in [`TcpInfo::flags`].
    pub flags: u8,
    /// TCP payload.
    pub payload: &'a [u8],
    /// Window, options and capture time, for the session tracker's window
    /// and timestamp checks; `None` skips those checks.
    pub meta: Option<TcpMeta>,
}

impl<'a> Segment<'a> {
    /// The segment of a decoded TCP header and its payload, captured at
    /// `time_secs` (Unix seconds).
    pub fn from_tcp(tcp: &TcpInfo<'_>, payload: &'a [u8], time_secs: i64) -> Self {
        Segment {
            seq: tcp.seq,
            ack: tcp.ack,
            flags: tcp.flags,
            payload,
            meta: Some(TcpMeta::from_header(tcp.header, tcp.window, time_secs)),
        }
    }

    pub(super) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Whether a session is being reassembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// No segment seen yet.
    New,
    /// Picked up at its handshake (first segment was a SYN).
    Tracking,
    /// Picked up mid-stream (`midstream: true`).
    Midstream,
    /// Not reassembled: the first segment was not a SYN and `midstream` is
    /// off (Suricata's default). Segments are ignored.
    Ignored,
}

/// Per-flow reassembly state: one [`StreamDirection`] per side.
///
/// Feed it every TCP segment of the flow, in capture order, with the
/// direction the flow tracker assigned; read each direction's data through
/// [`TcpSession::direction_mut`].
#[derive(Debug)]
pub struct TcpSession {
    cfg: StreamConfig,
    state: SessionState,
    to_server: StreamDirection,
    to_client: StreamDirection,
    tracker: Tracker,
    events: StreamEvents,
}

impl TcpSession {
    /// Swaps the two directions: the flow tracker guessed the client wrong
    /// (a capture that starts with the server's data) and the application
    /// layer corrected it.
    pub fn swap_directions(&mut self) {
        std::mem::swap(&mut self.to_server, &mut self.to_client);
        self.tracker.swap();
    }

    /// An empty session drawing on `memcap`. Allocates nothing until data
    /// arrives.
    pub fn new(cfg: &StreamConfig, memcap: &StreamMemcap) -> Self {
        TcpSession {
            cfg: *cfg,
            state: SessionState::New,
            to_server: StreamDirection::new(*cfg, memcap.clone()),
            to_client: StreamDirection::new(*cfg, memcap.clone()),
            tracker: Tracker::new(cfg.overlap_policy, cfg.async_oneside),
            events: StreamEvents::default(),
        }
    }

    /// Whether the session is being reassembled.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// True once the session was established from the client's side alone
    /// (`async_oneside`: SYN, then the client's ACK, no SYN/ACK seen).
    pub fn async_established(&self) -> bool {
        self.tracker.async_established()
    }

    /// True unless the session was ignored (midstream pickup disabled).
    pub fn is_reassembling(&self) -> bool {
        self.state != SessionState::Ignored
    }

    /// The direction `dir`.
    pub fn direction(&self, dir: Direction) -> &StreamDirection {
        match dir {
            Direction::ToServer => &self.to_server,
            Direction::ToClient => &self.to_client,
        }
    }

    /// The direction `dir`, to read and consume its data.
    pub fn direction_mut(&mut self, dir: Direction) -> &mut StreamDirection {
        match dir {
            Direction::ToServer => &mut self.to_server,
            Direction::ToClient => &mut self.to_client,
        }
    }

    /// Client → server bytes.
    pub fn to_server(&self) -> &StreamDirection {
        &self.to_server
    }

    /// Server → client bytes.
    pub fn to_client(&self) -> &StreamDirection {
        &self.to_client
    }

    /// (sender side, receiver side) for a segment travelling in `dir`.
    fn sides(&mut self, dir: Direction) -> (&mut StreamDirection, &mut StreamDirection) {
        match dir {
            Direction::ToServer => (&mut self.to_server, &mut self.to_client),
            Direction::ToClient => (&mut self.to_client, &mut self.to_server),
        }
    }

    /// Processes one segment travelling in `dir`; returns the events it
    /// raised (also accumulated in [`TcpSession::events`]).
    ///
    /// The session tracker (`tracker.rs`) first decides whether the
    /// segment belongs to the session, as Suricata's state machine does; a
    /// refused segment only raises its events. An accepted one:
    ///
    /// * SYN: its sequence number + 1 is the sender's offset 0.
    /// * ACK: moves the acknowledged offset of the *other* direction, which
    ///   may let it skip a hole (gap).
    /// * Payload: inserted at its offset; without a SYN, the first data
    ///   segment (midstream), or in a session that started with a SYN the
    ///   peer's first ACK, fixes the base.
    /// * FIN: records the end of the stream. RST: closes the direction; its
    ///   payload (diagnostic text) is not stream data. Data the RST's
    ///   sender sends afterwards (`stream.suspected_rst_inject`) is still
    ///   reassembled, so a forged RST cannot blind the sensor.
    ///
    /// A RST or FIN that would open the session is refused
    /// (`rst_but_no_session`, `fin_but_no_session`) and leaves it unopened.
    pub fn handle_segment(&mut self, dir: Direction, seg: &Segment<'_>) -> StreamEvents {
        let syn = seg.has(tcp_flags::SYN);
        let ack = seg.has(tcp_flags::ACK);
        let mut ev = StreamEvents::default();
        if !ack && seg.ack != 0 {
            ev.push(StreamEvent::PktBrokenAck);
        }
        if self.state == SessionState::New {
            if seg.has(tcp_flags::RST) {
                ev.push(StreamEvent::RstButNoSession);
                self.events.extend(ev);
                return ev;
            }
            if seg.has(tcp_flags::FIN) && !syn && (!self.cfg.midstream || seg.payload.is_empty()) {
                ev.push(StreamEvent::FinButNoSession);
                self.events.extend(ev);
                return ev;
            }
            // A SYN/ACK first (its SYN missed) is picked up mid-stream, and
            // so with `async_oneside` too, as Suricata does: a capture of
            // the server's side alone starts that way.
            self.state = if syn && !ack {
                SessionState::Tracking
            } else if self.cfg.midstream || (syn && self.cfg.async_oneside) {
                SessionState::Midstream
            } else {
                SessionState::Ignored
            };
            self.tracker.start(self.state == SessionState::Tracking);
        }
        if self.state == SessionState::Ignored {
            self.events.extend(ev);
            return ev;
        }
        let verdict = self.tracker.check(dir, seg);
        ev.extend(verdict.events);
        if !verdict.accept {
            self.events.extend(ev);
            return ev;
        }
        let handshake = self.state == SessionState::Tracking;
        let (this, peer) = self.sides(dir);
        this.clear_pkt_events();
        peer.clear_pkt_events();
        peer.set_peer_seen();

        if seg.has(tcp_flags::RST) {
            this.on_rst();
        } else {
            let seq = SeqNumber(seg.seq);
            let mut take_payload = true;
            if syn {
                take_payload = this.on_syn(seq);
            }
            if ack {
                let ack_no = SeqNumber(seg.ack);
                if handshake {
                    peer.adopt_base(ack_no);
                }
                peer.on_ack(ack_no);
            }
            let data_seq = seq + u32::from(syn);
            if take_payload && !seg.payload.is_empty() {
                this.adopt_base(data_seq);
                this.insert(data_seq, seg.payload);
            }
            if seg.has(tcp_flags::FIN) {
                let len = u32::try_from(seg.payload.len()).unwrap_or(u32::MAX);
                this.on_fin(data_seq + len);
            }
        }
        let (this, peer) = self.sides(dir);
        ev.extend(this.pkt_events());
        ev.extend(peer.pkt_events());
        self.events.extend(ev);
        ev
    }

    /// Flow end: makes everything held in both directions readable (see
    /// [`StreamDirection::flush`]).
    pub fn flush_all(&mut self) {
        self.to_server.flush();
        self.to_client.flush();
    }

    /// Every event raised so far, by segments or by consume/flush.
    pub fn events(&self) -> StreamEvents {
        let mut ev = self.events;
        ev.extend(self.to_server.events());
        ev.extend(self.to_client.events());
        ev
    }

    /// Counters of both directions, plus the session's pickup mode.
    pub fn stats(&self) -> StreamStats {
        let mut s = *self.to_server.stats();
        s += *self.to_client.stats();
        match self.state {
            SessionState::Midstream => s.midstream_pickups += 1,
            SessionState::Ignored => s.midstream_ignored += 1,
            SessionState::New | SessionState::Tracking => {}
        }
        s
    }

    /// Memory both directions hold against the memcap.
    pub fn memory(&self) -> u64 {
        self.to_server.memory() + self.to_client.memory()
    }
}
