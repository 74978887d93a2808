//! PPP frames (inside PPTP's GRE) and PPPoE (discovery and session stages).
//!
//! Only IPv4 and IPv6 are followed. Link and network control protocols
//! (LCP, IPCP, CCP, authentication, ...) are normal on a PPP link and pass
//! without an event, as Suricata does since 7.0.12; other network protocols
//! raise `ppp.unsup_proto` and unknown numbers `ppp.wrong_type`.

use super::events::DecodeEvent;
use super::link::Net;
use super::tunnel::Layer;
use super::Decoded;

const IPV4_HEADER: usize = 20;
const IPV6_HEADER: usize = 40;

/// PPP protocol numbers.
mod proto {
    pub const IP: u16 = 0x0021;
    pub const IPV6: u16 = 0x0057;
    pub const VJ_UNCOMPRESSED: u16 = 0x002f;
}

/// Control and authentication protocols: expected on any PPP link.
const CONTROL: [u16; 10] = [
    0x8021, // IPCP
    0x8057, // IPV6CP
    0xc021, // LCP
    0xc023, // PAP
    0xc223, // CHAP
    0x80fd, // CCP
    0xc025, // LQM
    0xc029, // CBCP
    0x00fd, // compressed datagram
    0x8207, // CDPCP
];

/// Network protocols PPP may carry that this decoder does not follow.
const UNSUPPORTED: [u16; 22] = [
    0x002d, // VJ compressed TCP/IP
    0x002b, // IPX
    0x0023, // OSI
    0x0025, // Xerox NS
    0x0027, // DECnet
    0x0029, // AppleTalk
    0x0031, // bridging PDU
    0x0033, // ST-II
    0x0035, // Banyan Vines
    0x0201, // 802.1d hello
    0x0231, // Luxcom
    0x0233, // Sigma
    0x0281, // MPLS unicast
    0x0283, // MPLS multicast
    0x8023, // OSICP
    0x8025, // NSCP
    0x8027, // DECnet CP
    0x8029, // AppleTalk CP
    0x802b, // IPXCP
    0x8033, // ST-II CP
    0x8035, // Vines CP
    0x8281, // MPLSCP
];

/// What a PPP frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PppPayload<'a> {
    /// The frame is malformed (an event says how): nothing more to decode.
    Malformed,
    /// A sound frame that carries no IP (control protocols, or a protocol
    /// the decoder does not follow).
    NotIp,
    /// IPv4 or IPv6, from its header on.
    Ip(Net, &'a [u8]),
}

/// Decodes a PPP frame (with or without the HDLC address/control bytes,
/// with a one- or two-byte protocol field).
pub(super) fn decode_ppp<'a>(data: &'a [u8], d: &mut Decoded<'a>) -> PppPayload<'a> {
    d.layers.see(Layer::Ppp);
    let too_small = |d: &mut Decoded<'a>| {
        d.events.push(DecodeEvent::PppTooSmall);
        PppPayload::Malformed
    };
    let Some(&first) = data.first() else {
        return too_small(d);
    };
    // 0xff: HDLC address and control bytes before the protocol.
    let at = if first == 0xff { 2 } else { 0 };
    let Some(&proto_byte) = data.get(at) else {
        return too_small(d);
    };
    // An odd first byte is a compressed, one-byte protocol (RFC 1661).
    let compressed = proto_byte & 0x01 != 0;
    let (proto, body_at) = if compressed {
        (u16::from(proto_byte), at + 1)
    } else {
        match data.get(at..at + 2) {
            Some(b) => (u16::from_be_bytes([b[0], b[1]]), at + 2),
            None => return too_small(d),
        }
    };
    if !d.layers.enter(&mut d.events) {
        return PppPayload::Malformed;
    }
    let body = data.get(body_at..).unwrap_or(&[]);
    network(proto, body, compressed, d)
}

/// What a PPP protocol number means for the bytes after it.
fn network<'a>(
    proto: u16,
    body: &'a [u8],
    compressed: bool,
    d: &mut Decoded<'a>,
) -> PppPayload<'a> {
    let need = |d: &mut Decoded<'a>, len: usize, ev: DecodeEvent, net: Net| {
        if body.len() < len {
            d.events.push(ev);
            PppPayload::Malformed
        } else {
            PppPayload::Ip(net, body)
        }
    };
    match proto {
        // Suricata reports a short compressed IPv4 frame as VJ.
        proto::IP if compressed => need(d, IPV4_HEADER, DecodeEvent::PppVjuTooSmall, Net::Ipv4),
        proto::IP => need(d, IPV4_HEADER, DecodeEvent::PppIpv4TooSmall, Net::Ipv4),
        proto::IPV6 => need(d, IPV6_HEADER, DecodeEvent::PppIpv6TooSmall, Net::Ipv6),
        proto::VJ_UNCOMPRESSED => {
            match need(d, IPV4_HEADER, DecodeEvent::PppVjuTooSmall, Net::Ipv4) {
                // The header's protocol byte holds a connection number;
                // only a version 4 header is decoded.
                PppPayload::Ip(_, b) if b.first().is_some_and(|v| v >> 4 == 4) => {
                    PppPayload::Ip(Net::Ipv4, b)
                }
                _ => PppPayload::Malformed,
            }
        }
        _ if compressed => {
            d.events.push(DecodeEvent::PppUnsupportedProtocol);
            PppPayload::NotIp
        }
        p if CONTROL.contains(&p) => PppPayload::NotIp,
        p if UNSUPPORTED.contains(&p) => {
            d.events.push(DecodeEvent::PppUnsupportedProtocol);
            PppPayload::NotIp
        }
        _ => {
            d.events.push(DecodeEvent::PppWrongType);
            PppPayload::NotIp
        }
    }
}

const PPPOE_DISCOVERY_HEADER: usize = 6;
/// Session header with a one-byte PPP protocol.
const PPPOE_SESSION_MIN: usize = 7;

/// PPPoE discovery codes: PADI, PADO, PADR, PADS, PADT.
const DISCOVERY_CODES: [u8; 5] = [0x09, 0x07, 0x19, 0x65, 0xa7];

/// Checks a PPPoE discovery packet (it carries no network layer).
pub(super) fn pppoe_discovery(data: &[u8], d: &mut Decoded<'_>) {
    d.layers.see(Layer::Pppoe);
    let (Some(&code), Some(len)) = (data.get(1), be16(data, 4)) else {
        d.events.push(DecodeEvent::PppoeTooSmall);
        return;
    };
    if !DISCOVERY_CODES.contains(&code) {
        d.events.push(DecodeEvent::PppoeWrongCode);
        return;
    }
    if usize::from(len) > data.len() - PPPOE_DISCOVERY_HEADER {
        d.events.push(DecodeEvent::PppoeMalformedTags);
    }
}

/// Decodes a PPPoE session packet: the 6-byte header and the PPP protocol
/// field (one or two bytes). Returns the network layer PPP carries, if it
/// is IP.
pub(super) fn pppoe_session<'a>(data: &'a [u8], d: &mut Decoded<'a>) -> Option<(Net, &'a [u8])> {
    d.layers.see(Layer::Pppoe);
    if data.len() < PPPOE_SESSION_MIN {
        d.events.push(DecodeEvent::PppoeTooSmall);
        return None;
    }
    if be16(data, 4) == Some(0) {
        // No payload: nothing more to decode.
        return None;
    }
    let first = data.get(6).copied().unwrap_or(0);
    let compressed = first & 0x01 != 0;
    let (proto, body_at) = if compressed {
        (u16::from(first), PPPOE_SESSION_MIN)
    } else {
        let Some(p) = be16(data, 6) else {
            d.events.push(DecodeEvent::PppoeTooSmall);
            return None;
        };
        (p, PPPOE_SESSION_MIN + 1)
    };
    let body = data.get(body_at..).unwrap_or(&[]);
    // PPPoE looks a one-byte protocol up in the same table as a two-byte
    // one (PPP itself treats one-byte protocols on their own).
    match network(proto, body, false, d) {
        PppPayload::Ip(net, b) => Some((net, b)),
        PppPayload::Malformed | PppPayload::NotIp => None,
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;

    /// What the frame holds (IP as network and length) and its events.
    fn ppp(data: &[u8]) -> (Held, Vec<DecodeEvent>) {
        let mut d = Decoded::empty(LinkType::Raw, data, false);
        let r = match decode_ppp(data, &mut d) {
            PppPayload::Malformed => Held::Malformed,
            PppPayload::NotIp => Held::NotIp,
            PppPayload::Ip(n, b) => Held::Ip(n, b.len()),
        };
        assert!(d.layers.contains(Layer::Ppp));
        (r, d.events.iter().collect())
    }

    #[derive(Debug, PartialEq)]
    enum Held {
        Malformed,
        NotIp,
        Ip(Net, usize),
    }

    #[test]
    fn ppp_protocol_field_forms() {
        let ip = [0x45u8; 20];
        for prefix in [&[0xff, 0x03, 0x00, 0x21][..], &[0x00, 0x21], &[0x21]] {
            let mut f = prefix.to_vec();
            f.extend_from_slice(&ip);
            assert_eq!(ppp(&f), (Held::Ip(Net::Ipv4, 20), vec![]), "{prefix:02x?}");
        }
        let mut f = vec![0x00, 0x57];
        f.extend_from_slice(&[0x60; 40]);
        assert_eq!(ppp(&f), (Held::Ip(Net::Ipv6, 40), vec![]));
    }

    #[test]
    fn ppp_control_protocols_pass_quietly() {
        for p in CONTROL {
            let mut f = vec![0xff, 0x03];
            f.extend_from_slice(&p.to_be_bytes());
            f.extend_from_slice(&[1, 1, 0, 4]);
            assert_eq!(ppp(&f), (Held::NotIp, vec![]), "{p:04x}");
        }
    }

    #[test]
    fn ppp_events() {
        assert_eq!(ppp(&[]), (Held::Malformed, vec![DecodeEvent::PppTooSmall]));
        assert_eq!(
            ppp(&[0xff, 0x03]),
            (Held::Malformed, vec![DecodeEvent::PppTooSmall])
        );
        assert_eq!(
            ppp(&[0x00]),
            (Held::Malformed, vec![DecodeEvent::PppTooSmall])
        );
        assert_eq!(
            ppp(&[0xff, 0x03, 0x00, 0x21, 0x45, 0xc0, 0x00]),
            (Held::Malformed, vec![DecodeEvent::PppIpv4TooSmall])
        );
        assert_eq!(
            ppp(&[0x21, 0x45]),
            (Held::Malformed, vec![DecodeEvent::PppVjuTooSmall])
        );
        assert_eq!(
            ppp(&[0x00, 0x57, 0x60]),
            (Held::Malformed, vec![DecodeEvent::PppIpv6TooSmall])
        );
        assert_eq!(
            ppp(&[0x00, 0x2f, 0x45]),
            (Held::Malformed, vec![DecodeEvent::PppVjuTooSmall])
        );
        assert_eq!(
            ppp(&[0x00, 0x2b, 0]),
            (Held::NotIp, vec![DecodeEvent::PppUnsupportedProtocol])
        );
        assert_eq!(
            ppp(&[0xff, 0x03, 0x00, 0xff, 0x45]),
            (Held::NotIp, vec![DecodeEvent::PppWrongType])
        );
        // VJ uncompressed: decoded only when the header says version 4.
        let mut vj = vec![0x00, 0x2f];
        vj.extend_from_slice(&[0x45; 20]);
        assert_eq!(ppp(&vj), (Held::Ip(Net::Ipv4, 20), vec![]));
        vj[2] = 0x65;
        assert_eq!(ppp(&vj).0, Held::Malformed);
    }

    fn pppoe(data: &[u8], session: bool) -> (Option<Net>, Vec<DecodeEvent>) {
        let mut d = Decoded::empty(LinkType::Raw, data, false);
        let net = if session {
            pppoe_session(data, &mut d).map(|(n, _)| n)
        } else {
            pppoe_discovery(data, &mut d);
            None
        };
        assert!(d.layers.contains(Layer::Pppoe));
        (net, d.events.iter().collect())
    }

    #[test]
    fn pppoe_session_forms() {
        let mut s = vec![0x11, 0x00, 0x00, 0x01, 0x00, 0x16, 0x00, 0x21];
        s.extend_from_slice(&[0x45; 20]);
        assert_eq!(pppoe(&s, true), (Some(Net::Ipv4), vec![]));
        // One-byte protocol field.
        let mut s = vec![0x11, 0x00, 0x00, 0x2d, 0x00, 0x15, 0x21];
        s.extend_from_slice(&[0x45; 20]);
        assert_eq!(pppoe(&s, true), (Some(Net::Ipv4), vec![]));
        // LCP: no event.
        let s = [0x11, 0, 0, 1, 0, 6, 0xc0, 0x21, 1, 1, 0, 4];
        assert_eq!(pppoe(&s, true), (None, vec![]));
        assert_eq!(
            pppoe(&[0x11, 0, 0, 0, 0], true),
            (None, vec![DecodeEvent::PppoeTooSmall])
        );
        let short = [0x11, 0, 0, 1, 0, 4, 0x00, 0x21, 0x45];
        assert_eq!(
            pppoe(&short, true),
            (None, vec![DecodeEvent::PppIpv4TooSmall])
        );
        let wrong = [0x11, 0, 0, 1, 0, 4, 0x12, 0x34, 0];
        assert_eq!(pppoe(&wrong, true), (None, vec![DecodeEvent::PppWrongType]));
    }

    #[test]
    fn pppoe_discovery_checks() {
        // RFC 2516's PADO example.
        let pado = [
            0x11, 0x07, 0x00, 0x00, 0x00, 0x20, 0x01, 0x01, 0x00, 0x00, 0x01, 0x02, 0x00, 0x18,
            0x47, 0x6f, 0x20, 0x52, 0x65, 0x64, 0x42, 0x61, 0x63, 0x6b, 0x20, 0x2d, 0x20, 0x65,
            0x73, 0x68, 0x73, 0x68, 0x65, 0x73, 0x68, 0x6f, 0x6f, 0x74,
        ];
        assert_eq!(pppoe(&pado, false), (None, vec![]));
        assert_eq!(
            pppoe(&pado[..32], false),
            (None, vec![DecodeEvent::PppoeMalformedTags])
        );
        let wrong = [0x11, 0xbb, 0x00, 0x00, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00];
        assert_eq!(
            pppoe(&wrong, false),
            (None, vec![DecodeEvent::PppoeWrongCode])
        );
        assert_eq!(
            pppoe(&[0x11, 0x09, 0, 0], false),
            (None, vec![DecodeEvent::PppoeTooSmall])
        );
    }
}
