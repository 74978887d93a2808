//! DNS over UDP and TCP, following Suricata 8.
//!
//! - [`parser`] and [`rdata`] decode messages (pure, byte-fixture tests);
//! - [`State`] frames them (a datagram, or 2-byte length prefixes on TCP)
//!   and turns each message into a [`Tx`] — requests and responses are
//!   separate transactions, numbered together, as in Suricata 8;
//! - `tx.rs` holds what detection reads (sticky buffers, opcode, rcode,
//!   rrtypes) and `log.rs` the EVE `dns` object (version 3).
//!
//! Protocol detection: [`probe`] for a UDP datagram, [`probe_tcp`] for the
//! start of a TCP stream, both Suricata's checks (a plausible header whose
//! message parses).

pub mod parser;
pub mod rdata;

#[cfg(test)]
mod fixtures;
mod log;
#[cfg(test)]
pub(crate) mod pcap_tests;
mod state;
mod tx;

pub use state::State;
pub use tx::Tx;

use crate::applayer::Probe;
use crate::flow::Direction;
use parser::{parse_message, Header, ParseError, HEADER_LEN};

/// What the probe concluded about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProbeResult {
    /// Looks like DNS; `true` when it is a query.
    Dns(bool),
    /// Does not.
    NotDns,
    /// The message is cut short.
    Incomplete,
}

/// Suricata's DNS probe of a message announced as `dlen` bytes, of which
/// `input` holds the first (possibly all) bytes: with the whole message it
/// must parse and have a plausible header; with part of it only the header
/// is checked.
pub(crate) fn probe_message(input: &[u8], dlen: usize) -> ProbeResult {
    let input = input.get(..dlen).unwrap_or(input);
    let verdict = |h: Header| {
        if h.is_plausible(dlen) {
            ProbeResult::Dns(!h.is_response())
        } else {
            ProbeResult::NotDns
        }
    };
    if input.len() < dlen {
        return Header::parse(input).map_or(ProbeResult::NotDns, verdict);
    }
    match parse_message(input, 0) {
        Ok((m, _)) => verdict(m.header),
        Err(ParseError::Incomplete) => ProbeResult::Incomplete,
        Err(ParseError::Malformed) => ProbeResult::NotDns,
    }
}

/// Is this UDP datagram DNS? A datagram is complete, so the answer is
/// never [`Probe::NeedMore`]. Either direction may carry the first message
/// (see [`probe_direction`]).
pub fn probe(data: &[u8], _dir: Direction) -> Probe {
    if data.len() < HEADER_LEN {
        return Probe::NoMatch;
    }
    match probe_message(data, data.len()) {
        ProbeResult::Dns(_) => Probe::Match,
        _ => Probe::NoMatch,
    }
}

/// Does this TCP stream start with a DNS message? Needs the 2-byte length
/// and the 12-byte header; then a plausible header is enough while the
/// message is incomplete, and a complete message must parse.
pub fn probe_tcp(data: &[u8], _dir: Direction) -> Probe {
    if data.len() < 2 + HEADER_LEN {
        return Probe::NeedMore;
    }
    let dlen = usize::from(u16::from_be_bytes([data[0], data[1]]));
    match probe_message(&data[2..], dlen) {
        ProbeResult::Dns(_) => Probe::Match,
        _ => Probe::NoMatch,
    }
}

/// The direction a DNS message implies: queries travel to the server.
/// Suricata uses it to turn a flow around when the first packet seen is a
/// response. `None` when the data does not probe as DNS.
pub fn probe_direction(data: &[u8], tcp: bool) -> Option<Direction> {
    let result = if tcp {
        let dlen = usize::from(u16::from_be_bytes([*data.first()?, *data.get(1)?]));
        probe_message(data.get(2..)?, dlen)
    } else {
        probe_message(data, data.len())
    };
    match result {
        ProbeResult::Dns(true) => Some(Direction::ToServer),
        ProbeResult::Dns(false) => Some(Direction::ToClient),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixtures::{RESPONSE, TCP_TO_CLIENT, TCP_TO_SERVER, UDP_QUERY};

    #[test]
    fn udp_probe() {
        assert_eq!(probe(UDP_QUERY, Direction::ToServer), Probe::Match);
        assert_eq!(probe(RESPONSE, Direction::ToClient), Probe::Match);
        assert_eq!(probe(&UDP_QUERY[..11], Direction::ToServer), Probe::NoMatch);
        assert_eq!(probe(&UDP_QUERY[..30], Direction::ToServer), Probe::NoMatch);
        assert_eq!(
            probe(b"GET / HTTP/1.1\r\nHost: x\r\n", Direction::ToServer),
            Probe::NoMatch
        );
        assert_eq!(probe_direction(RESPONSE, false), Some(Direction::ToClient));
        assert_eq!(probe_direction(UDP_QUERY, false), Some(Direction::ToServer));
    }

    #[test]
    fn tcp_probe() {
        assert_eq!(
            probe_tcp(&TCP_TO_SERVER[..13], Direction::ToServer),
            Probe::NeedMore
        );
        // Header only: judged on the header.
        assert_eq!(
            probe_tcp(&TCP_TO_SERVER[..14], Direction::ToServer),
            Probe::Match
        );
        assert_eq!(probe_tcp(TCP_TO_CLIENT, Direction::ToClient), Probe::Match);
        assert_eq!(
            probe_tcp(b"SSH-2.0-OpenSSH_8.4p1\r\n", Direction::ToServer),
            Probe::NoMatch
        );
        assert_eq!(
            probe_direction(TCP_TO_CLIENT, true),
            Some(Direction::ToClient)
        );
        assert_eq!(probe_direction(&[0], true), None);
    }
}
