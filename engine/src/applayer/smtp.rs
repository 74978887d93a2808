//! SMTP, only as far as STARTTLS: Sigil has no SMTP rules or records, but
//! it must know when an SMTP session turns into TLS (RFC 3207) so the rest
//! of the flow is detected again, as Suricata's protocol change does.
//!
//! Client lines are commands, queued in order (bounded); server lines
//! are replies, the last line of each (`DDD ` rather than `DDD-`) answering
//! the oldest queued command. A `220` answering `STARTTLS` ends SMTP: the
//! server bytes after that reply belong to the next protocol and are handed
//! back by [`State::take_after_starttls`].

use super::{AppConfig, Probe};
use crate::flow::Direction;

/// Commands remembered while waiting for their replies (pipelining).
const MAX_PENDING: usize = 64;

/// Does `data`, the first bytes of one direction, start SMTP? Suricata
/// recognises the client's `EHLO`, `HELO` or `QUIT` (any case); the
/// server's banner alone does not decide.
pub fn probe(data: &[u8], dir: Direction) -> Probe {
    if dir == Direction::ToClient {
        return Probe::NoMatch;
    }
    let n = data.len().min(4);
    let head = data.get(..n).unwrap_or(data);
    let mut best = Probe::NoMatch;
    for cmd in [b"EHLO", b"HELO", b"QUIT"] {
        if cmd.get(..n).is_some_and(|c| c.eq_ignore_ascii_case(head)) {
            best = if n == 4 {
                Probe::Match
            } else {
                Probe::NeedMore
            };
            if n == 4 {
                break;
            }
        }
    }
    best
}

/// Per-flow SMTP state.
#[derive(Debug, Default)]
pub struct State {
    /// Partial line per direction (bounded by `max_line`).
    partial: [Vec<u8>; 2],
    /// Oldest first: whether each unanswered command is STARTTLS.
    pending: std::collections::VecDeque<bool>,
    /// Commands not remembered because too many were pending.
    dropped: u64,
    max_line: usize,
    /// The server accepted STARTTLS.
    starttls: bool,
    /// Server bytes after the reply accepting STARTTLS.
    after: Vec<u8>,
}

impl State {
    /// A new state.
    pub fn new(cfg: &AppConfig) -> State {
        State {
            max_line: cfg.max_record.clamp(512, 64 * 1024),
            ..State::default()
        }
    }

    /// Feeds the next in-order bytes of one direction; nothing more is
    /// read once STARTTLS was accepted.
    pub fn input(&mut self, dir: Direction, data: &[u8]) {
        if self.starttls {
            return;
        }
        let i = usize::from(dir == Direction::ToClient);
        let mut rest = data;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(nl + 1);
            rest = tail;
            let mut full = std::mem::take(&mut self.partial[i]);
            full.extend_from_slice(line.get(..self.max_line).unwrap_or(line));
            if dir == Direction::ToServer {
                self.command(&full);
            } else if self.reply(&full) {
                self.starttls = true;
                self.after = rest.to_vec();
                return;
            }
        }
        let room = self.max_line.saturating_sub(self.partial[i].len());
        let keep = rest.get(..room.min(rest.len())).unwrap_or(rest);
        self.partial[i].extend_from_slice(keep);
    }

    fn command(&mut self, line: &[u8]) {
        let word = line
            .split(|b| b.is_ascii_whitespace())
            .next()
            .unwrap_or(&[]);
        if self.pending.len() >= MAX_PENDING {
            self.dropped += 1;
            return;
        }
        self.pending
            .push_back(word.eq_ignore_ascii_case(b"STARTTLS"));
    }

    /// One reply line; true when it accepts STARTTLS.
    fn reply(&mut self, line: &[u8]) -> bool {
        let code = line.get(..3).filter(|c| c.iter().all(u8::is_ascii_digit));
        let last = !matches!(line.get(3), Some(b'-'));
        let Some(code) = code else {
            return false;
        };
        if !last {
            return false;
        }
        // A reply with no command pending (the greeting) answers nothing.
        let Some(starttls) = self.pending.pop_front() else {
            return false;
        };
        starttls && code == b"220"
    }

    /// True once the server accepted STARTTLS.
    pub fn starttls_accepted(&self) -> bool {
        self.starttls
    }

    /// The server bytes that followed the STARTTLS acceptance (once).
    pub fn take_after_starttls(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.after)
    }

    /// Commands forgotten because too many were unanswered.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_client_commands() {
        assert_eq!(probe(b"EHLO x\r\n", Direction::ToServer), Probe::Match);
        assert_eq!(probe(b"helo", Direction::ToServer), Probe::Match);
        assert_eq!(probe(b"QU", Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(b"GET /", Direction::ToServer), Probe::NoMatch);
        assert_eq!(
            probe(b"220 mx ESMTP\r\n", Direction::ToClient),
            Probe::NoMatch
        );
    }

    #[test]
    fn starttls_accepted_after_pipelined_commands() {
        let mut st = State::new(&AppConfig::default());
        st.input(Direction::ToClient, b"220 mx ESMTP\r\n");
        st.input(Direction::ToServer, b"EHLO a\r\nSTART");
        st.input(Direction::ToServer, b"TLS\r\n");
        st.input(Direction::ToClient, b"250-mx\r\n250-STARTTLS\r\n250 OK\r\n");
        assert!(!st.starttls_accepted());
        st.input(Direction::ToClient, b"220 go ahead\r\n\x16\x03\x01");
        assert!(st.starttls_accepted());
        assert_eq!(st.take_after_starttls(), b"\x16\x03\x01");
        assert!(st.take_after_starttls().is_empty());
    }

    #[test]
    fn refused_starttls_and_unanswered_greeting() {
        let mut st = State::new(&AppConfig::default());
        st.input(Direction::ToServer, b"EHLO\nSTARTTLS\n");
        st.input(Direction::ToClient, b"220 f\r\n454 no TLS\r\n");
        assert!(!st.starttls_accepted());
        // Bare LF lines, as in the protocol-change conformance capture.
        let mut st = State::new(&AppConfig::default());
        st.input(Direction::ToServer, b"EHLO\nSTARTTLS\n");
        st.input(
            Direction::ToClient,
            b"220 2tart\r\n220 2tart\r\nHTTP/1.1 101\n",
        );
        assert!(st.starttls_accepted());
        assert_eq!(st.take_after_starttls(), b"HTTP/1.1 101\n");
    }

    #[test]
    fn hostile_input_is_bounded() {
        let mut st = State::new(&AppConfig::default());
        let mut next = crate::testutil::xorshift(0x2f6b_1d3c_9a55_e017);
        for _ in 0..2000 {
            let n = (next() % 300) as usize;
            let data: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            let dir = if next() % 2 == 0 {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            st.input(dir, &data);
        }
        assert!(st.pending.len() <= MAX_PENDING);
        assert!(st.partial.iter().all(|p| p.len() <= st.max_line));
        for _ in 0..(MAX_PENDING + 5) {
            st.command(b"NOOP\r\n");
        }
        assert!(st.dropped() >= 5);
    }
}
