//! SSH, following Suricata 8: the identification line of each side
//! (protocol and software version), then binary packets up to NEWKEYS,
//! reading KEXINIT for the HASSH fingerprints; after NEWKEYS the stream is
//! encrypted and only counted.
//!
//! - `parser.rs`: banner lines, packet headers, KEXINIT, HASSH (pure);
//! - [`State`]: per-direction framing and the flow's single [`Tx`];
//! - `tx.rs`: sticky buffers (`ssh.proto`, `ssh.software`, `ssh.hassh*`)
//!   and the EVE `ssh` object.
//!
//! Detection: [`probe`] matches streams starting with `SSH-`, like
//! Suricata's pattern-based detection.

pub mod parser;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod pcap_tests;
mod state;
mod tx;

pub use state::State;
pub use tx::{Endpoint, Progress, Tx};

use crate::applayer::Probe;
use crate::flow::Direction;

/// Does this stream start with an SSH identification line? Either side
/// may speak first. Like Suricata's pattern, `SSH-` is matched without
/// regard to case (the parser then insists on upper case).
pub fn probe(data: &[u8], _dir: Direction) -> Probe {
    const MAGIC: &[u8] = b"SSH-";
    let n = data.len().min(MAGIC.len());
    if !data[..n].eq_ignore_ascii_case(&MAGIC[..n]) {
        Probe::NoMatch
    } else if n < MAGIC.len() {
        Probe::NeedMore
    } else {
        Probe::Match
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_needs_the_magic() {
        assert_eq!(
            probe(b"SSH-2.0-OpenSSH_8.4p1 Debian\r\n", Direction::ToClient),
            Probe::Match
        );
        assert_eq!(probe(b"SS", Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(b"", Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(b"GET /", Direction::ToServer), Probe::NoMatch);
        assert_eq!(probe(b"ssh-2.0", Direction::ToServer), Probe::Match);
        assert_eq!(probe(b"SX", Direction::ToServer), Probe::NoMatch);
    }
}
