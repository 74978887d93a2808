//! GRE: plain GRE (RFC 1701/2784/2890, version 0) and PPTP's enhanced GRE
//! (RFC 2637, version 1).
//!
//! The checks and their order follow Suricata's `DecodeGRE`, so the same
//! malformed headers raise the same `gre.*` events: a header with flags a
//! version does not allow is reported and not followed, and only a sound
//! header yields the encapsulated packet.

use super::events::DecodeEvent;
use super::tunnel::{Encap, Layer, Start, TunnelKind};
use super::Decoded;

const HEADER: usize = 4;
const PROTO_PPP: u16 = 0x880b;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_ERSPAN: u16 = 0x88be;
const ETHERTYPE_ERSPAN_III: u16 = 0x22eb;
const ETHERTYPE_BRIDGE: u16 = 0x6558;

/// Flag bits of the first header byte.
mod flag {
    pub const CHECKSUM: u8 = 0x80;
    pub const ROUTING: u8 = 0x40;
    pub const KEY: u8 = 0x20;
    pub const SEQUENCE: u8 = 0x10;
    pub const STRICT_ROUTE: u8 = 0x08;
    pub const RECURSION: u8 = 0x07;
}

/// Bits of the second header byte besides the version.
mod ver {
    pub const VERSION: u8 = 0x07;
    /// Reserved flags (RFC 1701's flags, unused by both versions).
    pub const RESERVED: u8 = 0x78;
    /// Enhanced GRE's acknowledgement-number-present bit.
    pub const ACK: u8 = 0x80;
}

/// Decodes the GRE header at the start of `gre` (an IP payload). Returns
/// the encapsulated packet when the header is sound and its protocol is
/// one the decoder follows; problems become events on `d`.
pub(super) fn decode<'a>(gre: &'a [u8], d: &mut Decoded<'a>) -> Option<Encap<'a>> {
    d.layers.see(Layer::Gre);
    let (Some(&flags), Some(&version), Some(proto)) = (gre.first(), gre.get(1), be16(gre, 2))
    else {
        d.events.push(DecodeEvent::GreTooSmall);
        return None;
    };
    if !d.layers.enter(&mut d.events) {
        return None;
    }
    let header = match version & ver::VERSION {
        0 => version0_len(gre, flags, version, &mut |e| d.events.push(e))?,
        1 => {
            let len = version1_len(gre, flags, version, proto, &mut |e| d.events.push(e))?;
            // A PPTP packet with no payload (an acknowledgement) carries
            // no PPP frame.
            if be16(gre, 4) == Some(0) {
                return None;
            }
            len
        }
        _ => {
            d.events.push(DecodeEvent::GreWrongVersion);
            return None;
        }
    };
    let start = match proto {
        ETHERTYPE_IPV4 => Start::Ipv4,
        ETHERTYPE_IPV6 => Start::Ipv6,
        PROTO_PPP => Start::Ppp,
        ETHERTYPE_VLAN => Start::Vlan,
        ETHERTYPE_BRIDGE => Start::Ethernet,
        // Type II has a sequence number, type I none (Cisco's convention,
        // as Suricata reads it).
        ETHERTYPE_ERSPAN if flags & flag::SEQUENCE == 0 => Start::ErspanI,
        ETHERTYPE_ERSPAN => Start::ErspanII,
        ETHERTYPE_ERSPAN_III => Start::ErspanIII,
        _ => return None,
    };
    Some(Encap {
        kind: TunnelKind::Gre,
        start,
        bytes: gre.get(header..).unwrap_or(&[]),
        counter: None,
    })
}

/// Header length of a version 0 header, or `None` (with an event) when the
/// flags are not allowed or the optional fields do not fit.
fn version0_len(
    gre: &[u8],
    flags: u8,
    version: u8,
    event: &mut impl FnMut(DecodeEvent),
) -> Option<usize> {
    if flags & flag::RECURSION != 0 {
        event(DecodeEvent::GreV0Recursion);
        return None;
    }
    if version & ver::RESERVED != 0 {
        event(DecodeEvent::GreV0Flags);
        return None;
    }
    let mut len = HEADER;
    if flags & flag::KEY != 0 {
        len += 4;
    }
    if flags & flag::SEQUENCE != 0 {
        len += 4;
    }
    // Checksum and offset come together when either is announced.
    if flags & (flag::CHECKSUM | flag::ROUTING) != 0 {
        len += 4;
    }
    if len > gre.len() {
        event(DecodeEvent::GreV0HeaderTooBig);
        return None;
    }
    if flags & flag::ROUTING != 0 {
        // Source route entries: (address family, offset, length, data),
        // ended by an entry with family 0 and length 0. Each entry is at
        // least 4 bytes, so the walk ends within the packet.
        loop {
            let (Some(family), Some(&sre_len)) = (be16(gre, len), gre.get(len + 3)) else {
                event(DecodeEvent::GreV0MalformedSre);
                return None;
            };
            len += 4;
            if family == 0 && sre_len == 0 {
                break;
            }
            len += usize::from(sre_len);
            if len > gre.len() {
                event(DecodeEvent::GreV0MalformedSre);
                return None;
            }
        }
    }
    Some(len)
}

/// Header length of an enhanced (PPTP) header, or `None` with an event.
fn version1_len(
    gre: &[u8],
    flags: u8,
    version: u8,
    proto: u16,
    event: &mut impl FnMut(DecodeEvent),
) -> Option<usize> {
    let problem = if flags & flag::CHECKSUM != 0 {
        Some(DecodeEvent::GreV1Checksum)
    } else if flags & flag::ROUTING != 0 {
        Some(DecodeEvent::GreV1Route)
    } else if flags & flag::STRICT_ROUTE != 0 {
        Some(DecodeEvent::GreV1StrictSourceRoute)
    } else if flags & flag::RECURSION != 0 {
        Some(DecodeEvent::GreV1Recursion)
    } else if version & ver::RESERVED != 0 {
        Some(DecodeEvent::GreV1Flags)
    } else if proto != PROTO_PPP {
        Some(DecodeEvent::GreV1WrongProtocol)
    } else if flags & flag::KEY == 0 {
        Some(DecodeEvent::GreV1NoKey)
    } else {
        None
    };
    if let Some(e) = problem {
        event(e);
        return None;
    }
    // The key holds the payload length and call id.
    let mut len = HEADER + 4;
    if flags & flag::SEQUENCE != 0 {
        len += 4;
    }
    if version & ver::ACK != 0 {
        len += 4;
    }
    if len > gre.len() {
        event(DecodeEvent::GreV1HeaderTooBig);
        return None;
    }
    Some(len)
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::decode::DecodeEvents;

    fn run(gre: &[u8]) -> (Option<Encap<'_>>, DecodeEvents) {
        let mut d = Decoded::empty(LinkType::Raw, gre, false);
        let e = decode(gre, &mut d);
        assert!(d.layers.contains(Layer::Gre));
        (e, d.events)
    }

    fn only(gre: &[u8], ev: DecodeEvent) {
        let (e, evs) = run(gre);
        assert!(e.is_none(), "{gre:02x?}");
        assert_eq!(evs.iter().collect::<Vec<_>>(), vec![ev], "{gre:02x?}");
    }

    #[test]
    fn version0_optional_fields() {
        let inner = [0x45u8, 0, 0, 20];
        // checksum+offset, key, sequence: 4 + 4 + 4 + 4 bytes of header
        let mut gre = vec![
            0xb0, 0x00, 0x08, 0x00, 0xaa, 0xbb, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1,
        ];
        gre.extend_from_slice(&inner);
        let (e, evs) = run(&gre);
        assert!(evs.is_empty());
        let e = e.unwrap();
        assert_eq!(
            (e.kind, e.start, e.bytes),
            (TunnelKind::Gre, Start::Ipv4, &inner[..])
        );
        // Plain 4-byte header carrying IPv6.
        let (e, _) = run(&[0, 0, 0x86, 0xdd, 0x60]);
        assert_eq!(e.map(|e| (e.start, e.bytes.len())), Some((Start::Ipv6, 1)));
    }

    #[test]
    fn version0_source_routes() {
        // routing bit: checksum/offset word, one 4-byte SRE with 4 bytes
        // of data, then the terminating entry.
        let gre = [
            0x40, 0, 0x08, 0x00, 0, 0, 0, 0, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0, 0x45,
        ];
        let (e, evs) = run(&gre);
        assert!(evs.is_empty(), "{evs:?}");
        assert_eq!(e.unwrap().bytes, &[0x45]);
        // An entry whose data runs past the packet.
        only(
            &[0x40, 0, 0x08, 0x00, 0, 0, 0, 0, 0x08, 0x00, 0, 40, 1],
            DecodeEvent::GreV0MalformedSre,
        );
        // No terminating entry.
        only(
            &[0x40, 0, 0x08, 0x00, 0, 0, 0, 0, 0x08, 0x00, 0, 0],
            DecodeEvent::GreV0MalformedSre,
        );
    }

    #[test]
    fn version0_events() {
        only(&[0, 0, 8], DecodeEvent::GreTooSmall);
        only(&[0x01, 0, 8, 0, 0x45], DecodeEvent::GreV0Recursion);
        only(&[0, 0x08, 8, 0, 0x45], DecodeEvent::GreV0Flags);
        only(&[0x20, 0, 8, 0, 0, 0], DecodeEvent::GreV0HeaderTooBig);
        only(&[0, 0x02, 8, 0, 0x45], DecodeEvent::GreWrongVersion);
        // A protocol GRE does not follow: no tunnel, no event.
        let (e, evs) = run(&[0, 0, 0x12, 0x34, 0]);
        assert!(e.is_none() && evs.is_empty());
    }

    #[test]
    fn version1_pptp() {
        // key (payload length 3, call id 5), sequence and ack numbers.
        let gre = [
            0x30, 0x81, 0x88, 0x0b, 0, 3, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9, 0xff, 0x03, 0x00,
        ];
        let (e, evs) = run(&gre);
        assert!(evs.is_empty());
        let e = e.unwrap();
        assert_eq!((e.start, e.bytes), (Start::Ppp, &[0xff, 0x03, 0x00][..]));
        // An acknowledgement without payload carries no frame.
        let (e, evs) = run(&[0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 5, 0, 0, 0, 9]);
        assert!(e.is_none() && evs.is_empty());
    }

    #[test]
    fn version1_events() {
        let ppp = [0x88, 0x0b];
        let with = |flags: u8, version: u8| {
            let mut v = vec![flags, version];
            v.extend_from_slice(&ppp);
            v.extend_from_slice(&[0, 4, 0, 1, 1, 2, 3, 4]);
            v
        };
        only(&with(0xa0, 1), DecodeEvent::GreV1Checksum);
        only(&with(0x60, 1), DecodeEvent::GreV1Route);
        only(&with(0x28, 1), DecodeEvent::GreV1StrictSourceRoute);
        only(&with(0x22, 1), DecodeEvent::GreV1Recursion);
        only(&with(0x20, 0x11), DecodeEvent::GreV1Flags);
        only(&with(0x00, 1), DecodeEvent::GreV1NoKey);
        only(
            &[0x20, 1, 0x08, 0x00, 0, 4, 0, 1, 0x45],
            DecodeEvent::GreV1WrongProtocol,
        );
        only(
            &[0x30, 1, 0x88, 0x0b, 0, 4, 0, 1, 0],
            DecodeEvent::GreV1HeaderTooBig,
        );
    }

    #[test]
    fn erspan_types_and_bridging() {
        let start = |gre: &[u8]| run(gre).0.map(|e| e.start);
        assert_eq!(start(&[0, 0, 0x88, 0xbe, 0]), Some(Start::ErspanI));
        assert_eq!(
            start(&[0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0]),
            Some(Start::ErspanII)
        );
        assert_eq!(
            start(&[0x10, 0, 0x22, 0xeb, 0, 0, 0, 1, 0]),
            Some(Start::ErspanIII)
        );
        assert_eq!(start(&[0, 0, 0x65, 0x58, 0]), Some(Start::Ethernet));
        assert_eq!(start(&[0, 0, 0x81, 0x00, 0]), Some(Start::Vlan));
    }
}
