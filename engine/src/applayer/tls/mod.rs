//! TLS (SSLv2-compatible hellos up to TLS 1.3): record layer, cleartext
//! handshake, certificates, JA3/JA3S/JA4, one transaction per flow.
//!
//! Layout: [`record`] frames records in each direction, [`state`] turns
//! them into handshake messages and fills the [`Tx`], [`handshake`]
//! decodes hellos (tls-parser), [`cert`] certificates (x509-parser) and
//! [`fingerprint`] computes JA3/JA3S/JA4. Parsing stops being interesting
//! after ChangeCipherSpec: encrypted records are skipped and counted.

pub mod cert;
pub mod fingerprint;
pub mod handshake;
pub mod record;
mod state;
mod tx;

#[cfg(test)]
mod pcap_tests;
#[cfg(test)]
mod tests;

pub use state::State;
pub use tx::{version_name, FingerprintLogging, SslStateFlags, Tx};

use super::Probe;
use crate::flow::Direction;

/// Suricata 8's TLS anomaly names, for validating `app-layer-event:tls.…`.
/// All are raised here except `heartbeat_message`,
/// `too_many_records_in_packet`, `invalid_tls_header` and
/// `certificate_invalid_subject/issuer/validity`, which Suricata's own
/// parser cannot reach either (its framing and x509 extraction never fail
/// those ways).
pub const EVENT_NAMES: &[&str] = &[
    "tls.invalid_sslv2_header",
    "tls.invalid_tls_header",
    "tls.invalid_record_version",
    "tls.invalid_record_type",
    "tls.invalid_record_length",
    "tls.invalid_handshake_message",
    "tls.heartbeat_message",
    "tls.invalid_heartbeat_message",
    "tls.overflow_heartbeat_message",
    "tls.dataleak_heartbeat_mismatch",
    "tls.handshake_invalid_length",
    "tls.multiple_sni_extensions",
    "tls.invalid_sni_type",
    "tls.invalid_sni_length",
    "tls.too_many_records_in_packet",
    "tls.invalid_certificate",
    "tls.certificate_invalid_length",
    "tls.certificate_invalid_version",
    "tls.certificate_invalid_serial",
    "tls.certificate_invalid_algorithmidentifier",
    "tls.certificate_invalid_x509name",
    "tls.certificate_invalid_date",
    "tls.certificate_invalid_extensions",
    "tls.certificate_invalid_der",
    "tls.certificate_invalid_subject",
    "tls.certificate_invalid_issuer",
    "tls.certificate_invalid_validity",
    "tls.error_message_encountered",
    "tls.invalid_ssl_record",
];

/// Does this direction start with TLS? A handshake record (`16 03 0x`)
/// carrying a ClientHello or ServerHello, an alert or application data
/// record from the server (Suricata's patterns), or an SSLv2-framed
/// ClientHello asking for SSL 2.0 or SSL 3.0/TLS.
pub fn probe(data: &[u8], dir: Direction) -> Probe {
    let [b0, b1, b2, ..] = *data else {
        return if sslv2_prefix(data) || tls_prefix(data) {
            Probe::NeedMore
        } else {
            Probe::NoMatch
        };
    };
    if b0 & 0x80 != 0 {
        // SSLv2 2-byte header: length, then msg type 1 and version.
        return match (b2, data.get(3..5)) {
            (1, Some([3, 0..=3] | [0, 2])) => Probe::Match,
            (1, None) => Probe::NeedMore,
            _ => Probe::NoMatch,
        };
    }
    if b1 != 3 || b2 > 3 {
        return Probe::NoMatch;
    }
    match b0 {
        0x16 => match data.get(5) {
            Some(1 | 2) => Probe::Match,
            Some(_) => Probe::NoMatch,
            None => Probe::NeedMore,
        },
        0x15 | 0x17 if dir == Direction::ToClient => Probe::Match,
        _ => Probe::NoMatch,
    }
}

fn sslv2_prefix(data: &[u8]) -> bool {
    data.first().is_some_and(|b| b & 0x80 != 0)
}

fn tls_prefix(data: &[u8]) -> bool {
    matches!(data, [] | [0x15..=0x17] | [0x15..=0x17, 3])
}

#[cfg(test)]
mod probe_tests {
    use super::*;

    #[test]
    fn probe_hellos() {
        let ch = [0x16, 3, 1, 0, 0xaf, 1, 0, 0, 0xab];
        assert_eq!(probe(&ch, Direction::ToServer), Probe::Match);
        let sh = [0x16, 3, 3, 0, 0x3d, 2];
        assert_eq!(probe(&sh, Direction::ToClient), Probe::Match);
        assert_eq!(probe(&ch[..5], Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(&ch[..2], Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(&[], Direction::ToServer), Probe::NeedMore);
        // Certificate first: not a start of TLS.
        assert_eq!(
            probe(&[0x16, 3, 3, 0, 9, 11], Direction::ToClient),
            Probe::NoMatch
        );
        assert_eq!(
            probe(b"GET / HTTP/1.1\r\n", Direction::ToServer),
            Probe::NoMatch
        );
        assert_eq!(probe(b"SSH-2.0-x", Direction::ToServer), Probe::NoMatch);
    }

    #[test]
    fn probe_sslv2_and_server_records() {
        let v2 = [0x80, 0x80, 0x01, 0x03, 0x01, 0x00, 0x57];
        assert_eq!(probe(&v2, Direction::ToServer), Probe::Match);
        assert_eq!(probe(&v2[..4], Direction::ToServer), Probe::NeedMore);
        assert_eq!(
            probe(&[0x80, 0x10, 0x04, 0, 1], Direction::ToServer),
            Probe::NoMatch
        );
        let alert = [0x15, 3, 1, 0, 2, 2, 40];
        assert_eq!(probe(&alert, Direction::ToClient), Probe::Match);
        assert_eq!(probe(&alert, Direction::ToServer), Probe::NoMatch);
    }
}
