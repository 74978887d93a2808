//! Per-flow DNS state: message framing (one message per UDP datagram,
//! 2-byte length prefixes on TCP), transaction creation and events.
//!
//! Decisions follow Suricata 8's `dns.rs`:
//! - a message whose header fails the plausibility check is ignored on
//!   UDP and stops the TCP parser;
//! - a message that does not parse raises `dns.malformed_data` (and stops
//!   the TCP parser), a response flag on client data raises
//!   `dns.not_a_request` without a transaction;
//! - everything else becomes a transaction carrying its own events
//!   (`dns.z_flag_set`, `dns.name_too_long`, …).
//!
//! Events not tied to a new transaction are also attached to the newest
//! live one, as Suricata does, and every event is reported once through
//! [`State::events`].

use std::collections::VecDeque;

use super::parser::{parse_message, read_u16, Header};
use super::tx::Tx;
use super::{probe_message, ProbeResult};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction;

/// A TCP DNS message is at most a 2-byte prefix plus 65535 bytes, which
/// bounds what one direction ever buffers.
const MAX_TCP_FRAME: usize = 2 + 65_535;

/// Per-flow DNS parser state.
#[derive(Debug)]
pub struct State {
    tcp: bool,
    cfg: AppConfig,
    next_id: u64,
    txs: VecDeque<Tx>,
    events: Vec<&'static str>,
    /// Incomplete TCP frame per direction (index: [`dir_index`]).
    pending: [Vec<u8>; 2],
    /// Bytes were lost; resume at the next input that looks like DNS.
    gap: bool,
    /// The TCP parser gave up on this flow (as Suricata's parser error).
    failed: bool,
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl State {
    /// State for DNS over UDP: each `input` is one datagram.
    pub fn new(cfg: &AppConfig) -> State {
        State {
            tcp: false,
            cfg: *cfg,
            next_id: 0,
            txs: VecDeque::new(),
            events: Vec::new(),
            pending: [Vec::new(), Vec::new()],
            gap: false,
            failed: false,
        }
    }

    /// State for DNS over TCP: `input` gets reassembled stream bytes split
    /// anywhere.
    pub fn new_tcp(cfg: &AppConfig) -> State {
        State {
            tcp: true,
            ..State::new(cfg)
        }
    }

    /// Feeds the next bytes (TCP) or datagram (UDP) of one direction.
    pub fn input(&mut self, dir: Direction, data: &[u8], ts: Timestamp) {
        if self.tcp {
            self.input_tcp(dir, data, ts);
        } else {
            self.message(dir, data, ts);
        }
    }

    /// `len` bytes of `dir` were lost. TCP drops the partial message and
    /// waits for data that looks like the start of one; UDP has nothing to
    /// resynchronise.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        if self.tcp && len > 0 {
            self.pending[dir_index(dir)].clear();
            self.gap = true;
        }
    }

    /// Live transactions, oldest first.
    pub fn txs(&self) -> impl Iterator<Item = &Tx> {
        self.txs.iter()
    }

    /// Removes and returns the finished transactions: all of them, since a
    /// DNS transaction is complete when created.
    pub fn take_finished(&mut self, _flow_end: bool) -> Vec<Tx> {
        self.txs.drain(..).collect()
    }

    /// Anomalies raised since the last call, Suricata names (`dns.…`).
    pub fn events(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.events)
    }

    /// The TCP parser stopped on an unparseable message; later input is ignored.
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn input_tcp(&mut self, dir: Direction, mut data: &[u8], ts: Timestamp) {
        if self.failed || data.is_empty() {
            return;
        }
        let idx = dir_index(dir);
        if self.gap {
            if self.pending[idx].is_empty() && probe_message_tcp(data) == ProbeResult::NotDns {
                return;
            }
            self.gap = false;
        }
        if !self.pending[idx].is_empty() {
            let mut frame = std::mem::take(&mut self.pending[idx]);
            data = fill_frame(&mut frame, data);
            match frame_size(&frame) {
                Some(size) if frame.len() == 2 + size => {
                    if size > 0 && !self.message(dir, &frame[2..], ts) {
                        self.failed = true;
                        return;
                    }
                }
                _ => {
                    self.pending[idx] = frame;
                    return;
                }
            }
        }
        while let Some(size) = frame_size(data) {
            let Some(msg) = data.get(2..2 + size) else {
                break;
            };
            if size > 0 && !self.message(dir, msg, ts) {
                self.failed = true;
                return;
            }
            data = &data[2 + size..];
        }
        self.pending[idx] = data.to_vec();
    }

    /// Handles one message; false when Suricata's parser would return an
    /// error (which stops a TCP flow).
    fn message(&mut self, dir: Direction, msg: &[u8], ts: Timestamp) -> bool {
        let plausible = Header::parse(msg).is_ok_and(|h| h.is_plausible(msg.len()));
        if !plausible {
            return !self.tcp;
        }
        let (message, flags) = match parse_message(msg, self.cfg.max_record) {
            Ok(parsed) => parsed,
            Err(_) => {
                self.flow_event("dns.malformed_data");
                return false;
            }
        };
        let h = message.header;
        if dir == Direction::ToServer && h.is_response() {
            self.flow_event("dns.not_a_request");
            return false;
        }
        let mut events = Vec::new();
        let checks = [
            (message.invalid_additionals, "dns.invalid_additionals"),
            (message.invalid_authorities, "dns.invalid_authorities"),
            (
                dir == Direction::ToClient && !h.is_response(),
                "dns.not_a_response",
            ),
            (h.z(), "dns.z_flag_set"),
            (h.opcode() >= 7, "dns.invalid_opcode"),
            (flags.truncated, "dns.name_too_long"),
            (flags.infinite_loop, "dns.infinite_loop"),
            (flags.label_limit, "dns.too_many_labels"),
        ];
        for (hit, name) in checks {
            if hit {
                events.push(name);
            }
        }
        self.events.extend_from_slice(&events);
        self.txs.push_back(Tx {
            id: self.next_id,
            dir,
            message,
            events,
            ts,
        });
        self.next_id += 1;
        while self.txs.len() > self.cfg.max_tx.max(1) {
            self.txs.pop_front();
        }
        true
    }

    /// An event of the flow rather than of a new transaction: attached to
    /// the newest live transaction, as Suricata does, and reported.
    fn flow_event(&mut self, name: &'static str) {
        if let Some(tx) = self.txs.back_mut() {
            tx.events.push(name);
        }
        self.events.push(name);
    }
}

/// The message length announced by a frame's 2-byte prefix.
fn frame_size(data: &[u8]) -> Option<usize> {
    read_u16(data, 0).ok().map(usize::from)
}

/// Moves bytes from `data` into the partial `frame` until it holds its
/// prefix and whole message; returns what is left of `data`.
fn fill_frame<'a>(frame: &mut Vec<u8>, data: &'a [u8]) -> &'a [u8] {
    let mut data = data;
    if frame.len() < 2 {
        let take = (2 - frame.len()).min(data.len());
        frame.extend_from_slice(&data[..take]);
        data = &data[take..];
    }
    if let Some(size) = frame_size(frame) {
        let want = (2 + size).min(MAX_TCP_FRAME).saturating_sub(frame.len());
        let take = want.min(data.len());
        frame.extend_from_slice(&data[..take]);
        data = &data[take..];
    }
    data
}

/// Probe of TCP data for resynchronising after a gap.
fn probe_message_tcp(data: &[u8]) -> ProbeResult {
    match frame_size(data) {
        Some(size) => probe_message(data.get(2..).unwrap_or_default(), size),
        None => ProbeResult::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applayer::dns::fixtures::{TCP_TO_CLIENT, TCP_TO_SERVER, UDP_QUERY};
    use sigil_rules::buffer::Buffer;

    fn ts() -> Timestamp {
        Timestamp::new(1, 0)
    }

    fn names(tx: &Tx) -> Vec<String> {
        let mut out = Vec::new();
        tx.buffer(Buffer::DnsQuery, &mut out);
        out.iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect()
    }

    #[test]
    fn udp_query_becomes_a_request_tx() {
        let mut s = State::new(&AppConfig::default());
        s.input(Direction::ToServer, UDP_QUERY, ts());
        let txs: Vec<&Tx> = s.txs().collect();
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].id(), 0);
        assert!(txs[0].is_request());
        assert_eq!(names(txs[0]), vec!["code.msdn.microsoft.com"]);
        assert!(s.events().is_empty());
        assert_eq!(s.take_finished(false).len(), 1);
        assert_eq!(s.txs().count(), 0);
    }

    #[test]
    fn tcp_streams_split_at_every_byte_give_the_same_transactions() {
        let whole = {
            let mut s = State::new_tcp(&AppConfig::default());
            s.input(Direction::ToServer, TCP_TO_SERVER, ts());
            s.input(Direction::ToClient, TCP_TO_CLIENT, ts());
            s.take_finished(true)
        };
        assert_eq!(whole.len(), 6);
        assert_eq!(names(&whole[1]), vec!["oisf.net"]);
        assert_eq!(names(&whole[4]), vec!["oisf.net"]);
        assert!(whole[3].direction() == Direction::ToClient);
        for stream in [TCP_TO_SERVER, TCP_TO_CLIENT] {
            for cut in 0..=stream.len() {
                let dir = if stream == TCP_TO_SERVER {
                    Direction::ToServer
                } else {
                    Direction::ToClient
                };
                let mut s = State::new_tcp(&AppConfig::default());
                s.input(dir, &stream[..cut], ts());
                s.input(dir, &stream[cut..], ts());
                let got = s.take_finished(true);
                assert_eq!(got.len(), 3, "cut {cut}");
                for tx in &got {
                    assert_eq!(tx.direction(), dir);
                }
                assert!(!s.failed());
            }
        }
        // One byte at a time.
        let mut s = State::new_tcp(&AppConfig::default());
        for b in TCP_TO_CLIENT.chunks(1) {
            s.input(Direction::ToClient, b, ts());
        }
        let got = s.take_finished(true);
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].eve()["answers"][1]["rdata"], "3.33.130.190");
    }

    #[test]
    fn interleaved_exchange_numbers_requests_and_responses_together() {
        let mut s = State::new_tcp(&AppConfig::default());
        // Frame boundaries of the capture: 31, 28, 32 / 47, 60, 64 bytes.
        let (q1, rest) = TCP_TO_SERVER.split_at(31);
        let (q2, q3) = rest.split_at(28);
        let (r1, rest) = TCP_TO_CLIENT.split_at(47);
        let (r2, r3) = rest.split_at(60);
        for (dir, chunk) in [
            (Direction::ToServer, q1),
            (Direction::ToClient, r1),
            (Direction::ToServer, q2),
            (Direction::ToClient, r2),
            (Direction::ToServer, q3),
            (Direction::ToClient, r3),
        ] {
            s.input(dir, chunk, ts());
        }
        let txs = s.take_finished(false);
        let kinds: Vec<(u64, bool)> = txs.iter().map(|t| (t.id(), t.is_request())).collect();
        assert_eq!(
            kinds,
            vec![
                (0, true),
                (1, false),
                (2, true),
                (3, false),
                (4, true),
                (5, false)
            ]
        );
        let v = txs[5].eve_response().unwrap();
        assert_eq!(v["tx_id"], 5);
        assert_eq!(v["answers"][0]["rdata"], "15.197.148.33");
        assert_eq!(v["answers"][0]["ttl"], 600);
    }

    #[test]
    fn response_flag_on_client_data_is_not_a_request() {
        let mut s = State::new(&AppConfig::default());
        let mut q = UDP_QUERY.to_vec();
        s.input(Direction::ToServer, &q, ts());
        q[2] |= 0x80;
        s.input(Direction::ToServer, &q, ts());
        assert_eq!(s.events(), vec!["dns.not_a_request"]);
        let txs = s.take_finished(false);
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].events(), &["dns.not_a_request"]);
    }

    #[test]
    fn flag_events_ride_on_the_transaction() {
        let mut s = State::new(&AppConfig::default());
        let mut q = UDP_QUERY.to_vec();
        q[2] = 0x38; // opcode 7
        q[3] = 0x40; // Z
        s.input(Direction::ToServer, &q, ts());
        // A query arriving from the server is kept but flagged.
        s.input(Direction::ToClient, UDP_QUERY, ts());
        assert_eq!(
            s.events(),
            vec!["dns.z_flag_set", "dns.invalid_opcode", "dns.not_a_response"]
        );
        let txs = s.take_finished(false);
        assert_eq!(txs[0].opcode(), Some(7));
        assert_eq!(txs[1].events(), &["dns.not_a_response"]);
    }

    #[test]
    fn malformed_udp_keeps_going_malformed_tcp_stops() {
        let mut s = State::new(&AppConfig::default());
        s.input(Direction::ToServer, &UDP_QUERY[..30], ts());
        assert_eq!(s.events(), vec!["dns.malformed_data"]);
        s.input(Direction::ToServer, UDP_QUERY, ts());
        assert_eq!(s.txs().count(), 1);

        let mut s = State::new_tcp(&AppConfig::default());
        let mut frame = vec![0, 30];
        frame.extend_from_slice(&UDP_QUERY[..30]);
        s.input(Direction::ToServer, &frame, ts());
        assert!(s.failed());
        assert_eq!(s.events(), vec!["dns.malformed_data"]);
        s.input(Direction::ToServer, TCP_TO_SERVER, ts());
        assert_eq!(s.txs().count(), 0);

        // Implausible headers: ignored on UDP, fatal on TCP, no event.
        let mut s = State::new(&AppConfig::default());
        s.input(Direction::ToServer, &[0; 12], ts());
        assert!(s.events().is_empty() && s.txs().count() == 0);
        let mut s = State::new_tcp(&AppConfig::default());
        s.input(
            Direction::ToServer,
            &[0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ts(),
        );
        assert!(s.failed());
    }

    #[test]
    fn gap_resynchronises_on_the_next_message() {
        let mut s = State::new_tcp(&AppConfig::default());
        s.input(Direction::ToServer, &TCP_TO_SERVER[..40], ts());
        s.gap(Direction::ToServer, 100);
        // Garbage after the gap is skipped, the next real frame parses.
        s.input(Direction::ToServer, &[0xff; 7], ts());
        s.input(Direction::ToServer, &TCP_TO_SERVER[59..], ts());
        let txs = s.take_finished(false);
        assert_eq!(txs.len(), 2, "first query, then suricata.org");
        assert_eq!(names(&txs[1]), vec!["suricata.org"]);
        assert!(!s.failed());
    }

    #[test]
    fn zero_length_frames_are_skipped() {
        let mut s = State::new_tcp(&AppConfig::default());
        let mut data = vec![0, 0, 0, 0];
        data.extend_from_slice(&TCP_TO_SERVER[..31]);
        s.input(Direction::ToServer, &data, ts());
        assert_eq!(s.txs().count(), 1);
    }

    #[test]
    fn transactions_are_capped() {
        let cfg = AppConfig {
            max_tx: 4,
            ..AppConfig::default()
        };
        let mut s = State::new(&cfg);
        for _ in 0..10 {
            s.input(Direction::ToServer, UDP_QUERY, ts());
        }
        let ids: Vec<u64> = s.txs().map(Tx::id).collect();
        assert_eq!(ids, vec![6, 7, 8, 9]);
    }

    #[test]
    fn hostile_input_never_panics_and_stays_bounded() {
        let mut next = crate::testutil::xorshift(0x2545_f491_4f6c_dd1du64);
        for round in 0..3000 {
            let len = (next() % 600) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Make many inputs start like a plausible header.
            if round % 2 == 0 && data.len() > 12 {
                data[4] = 0;
                data[5] = 1;
                data[6..12].fill(0);
                data[6 + (round % 6)] = (next() % 4) as u8;
            }
            let mut udp = State::new(&AppConfig::default());
            udp.input(Direction::ToServer, &data, ts());
            udp.input(Direction::ToClient, &data, ts());
            let _ = udp.events();
            for tx in udp.take_finished(true) {
                let _ = tx.eve_with(true);
            }
            let mut tcp = State::new_tcp(&AppConfig::default());
            for chunk in data.chunks(1 + (next() % 50) as usize) {
                tcp.input(Direction::ToClient, chunk, ts());
            }
            assert!(tcp.pending.iter().all(|p| p.len() <= MAX_TCP_FRAME));
        }
        // A frame announcing 65535 bytes buffers at most that much.
        let mut tcp = State::new_tcp(&AppConfig::default());
        tcp.input(Direction::ToServer, &[0xff, 0xff], ts());
        for _ in 0..100 {
            tcp.input(Direction::ToServer, &[0u8; 1000], ts());
        }
        assert!(tcp.pending[0].len() <= MAX_TCP_FRAME);
    }
}
