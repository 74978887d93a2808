//! Geneve (RFC 8926): a UDP-borne overlay whose 8-byte header is followed
//! by variable-length options, then the inner packet named by an Ethernet
//! protocol type (usually transparent Ethernet bridging).
//!
//! The checks are Suricata's (`decode-geneve.c`): a datagram is Geneve only
//! when the header and its options fit, the version is 0, the reserved bits
//! are clear and the option lengths add up to the header's option length.
//! Anything else is plain UDP, with no event.

use super::events::DecodeEvent;
use super::tunnel::{Encap, Layer, Start, TunnelKind};
use super::Decoded;

/// The fixed header: version and option length, flags, protocol type,
/// VNI, reserved byte.
const FIXED_HEADER: usize = 8;
/// An option's own header: class, type, flags and length.
const OPTION_HEADER: usize = 4;

/// The result of looking at a datagram on a Geneve port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Geneve<'a> {
    /// Not a sound Geneve header: the datagram is plain UDP (and another
    /// UDP tunnel may still claim it).
    Plain,
    /// A Geneve header whose payload is not decoded (ARP, or a protocol
    /// type the decoder does not follow, which raises
    /// `geneve.unknown_payload_type`).
    Opaque,
    /// A Geneve header and the packet it carries.
    Inner(Encap<'a>),
}

/// Parses the Geneve header at the start of a UDP `payload`.
pub(super) fn decode<'a>(payload: &'a [u8], d: &mut Decoded<'a>) -> Geneve<'a> {
    let (Some(&ver_len), Some(&flags), Some(&reserved)) =
        (payload.first(), payload.get(1), payload.get(7))
    else {
        return Geneve::Plain;
    };
    if !d.layers.enter(&mut d.events) {
        return Geneve::Plain;
    }
    let options_len = usize::from(ver_len & 0x3f) * 4;
    let Some(options) = payload.get(FIXED_HEADER..FIXED_HEADER + options_len) else {
        return Geneve::Plain;
    };
    let version = ver_len >> 6;
    if version != 0 || flags & 0x3f != 0 || reserved != 0 || !options_add_up(options) {
        return Geneve::Plain;
    }
    d.layers.see(Layer::Geneve);
    let Some(inner) = payload.get(FIXED_HEADER + options_len..) else {
        return Geneve::Plain;
    };
    let (Some(&hi), Some(&lo)) = (payload.get(2), payload.get(3)) else {
        return Geneve::Plain;
    };
    let start = match u16::from_be_bytes([hi, lo]) {
        0x0800 => Start::Ipv4,
        0x86dd => Start::Ipv6,
        0x6558 => Start::Ethernet,
        // ARP is expected on an overlay; there is nothing to inspect.
        0x0806 => return Geneve::Opaque,
        _ => {
            d.events.push(DecodeEvent::GeneveUnknownPayload);
            return Geneve::Opaque;
        }
    };
    Geneve::Inner(Encap {
        kind: TunnelKind::Geneve,
        start,
        bytes: inner,
        counter: None,
    })
}

/// True when the options exactly fill `options` (the header's option
/// length). Each option is its 4-byte header plus 4 bytes per unit of its
/// 5-bit length field.
fn options_add_up(mut options: &[u8]) -> bool {
    while !options.is_empty() {
        let Some(&len) = options.get(3) else {
            return false;
        };
        let total = OPTION_HEADER + usize::from(len & 0x1f) * 4;
        match options.get(total..) {
            Some(rest) => options = rest,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;

    /// A Geneve header with `options` (whole options, bytes) and protocol
    /// type `proto`, then `inner`.
    fn geneve(proto: u16, options: &[u8], inner: &[u8]) -> Vec<u8> {
        let words = u8::try_from(options.len() / 4).unwrap();
        let mut v = vec![words, 0];
        v.extend_from_slice(&proto.to_be_bytes());
        v.extend_from_slice(&[0, 0, 0x25, 0]);
        v.extend_from_slice(options);
        v.extend_from_slice(inner);
        v
    }

    fn run(p: &[u8]) -> (Geneve<'static>, Decoded<'static>) {
        let p: &'static [u8] = Box::leak(p.to_vec().into_boxed_slice());
        let mut d = Decoded::empty(LinkType::Raw, p, false);
        (decode(p, &mut d), d)
    }

    /// Two 8-byte options (class 0x0108, one data word each).
    const TWO_OPTIONS: [u8; 16] = [
        0x01, 0x08, 0x00, 0x01, 0x11, 0x11, 0x11, 0x11, //
        0x01, 0x08, 0x00, 0x01, 0x11, 0x11, 0x11, 0x11,
    ];

    #[test]
    fn inner_packet_after_options() {
        let (g, d) = run(&geneve(0x6558, &TWO_OPTIONS, &[0xaa; 14]));
        let Geneve::Inner(e) = g else {
            panic!("not geneve: {g:?}")
        };
        assert_eq!(
            (e.kind, e.start, e.bytes),
            (TunnelKind::Geneve, Start::Ethernet, &[0xaa; 14][..])
        );
        assert!(d.layers.contains(Layer::Geneve) && d.events.is_empty());
        // No options, IPv4 and IPv6 directly.
        let (g, _) = run(&geneve(0x0800, &[], &[0x45]));
        assert!(matches!(g, Geneve::Inner(e) if e.start == Start::Ipv4 && e.bytes == [0x45]));
        let (g, _) = run(&geneve(0x86dd, &[], &[0x60]));
        assert!(matches!(g, Geneve::Inner(e) if e.start == Start::Ipv6));
        // A header with nothing after it still is Geneve.
        let (g, _) = run(&geneve(0x0800, &TWO_OPTIONS, &[]));
        assert!(matches!(g, Geneve::Inner(e) if e.bytes.is_empty()));
    }

    #[test]
    fn arp_and_unknown_payloads_are_geneve_without_inner_packet() {
        let (g, d) = run(&geneve(0x0806, &[], &[0; 28]));
        assert_eq!(g, Geneve::Opaque);
        assert!(d.events.is_empty() && d.layers.contains(Layer::Geneve));
        let (g, d) = run(&geneve(0x88cc, &[], &[0; 28]));
        assert_eq!(g, Geneve::Opaque);
        assert!(d.events.contains(DecodeEvent::GeneveUnknownPayload));
    }

    #[test]
    fn unsound_headers_are_plain_udp() {
        let good = geneve(0x6558, &TWO_OPTIONS, &[0; 14]);
        let mut cases = Vec::new();
        // Version 1.
        let mut v = good.clone();
        v[0] |= 0x40;
        cases.push(v);
        // Reserved flag bits (O and C are allowed).
        let mut v = good.clone();
        v[1] = 0x01;
        cases.push(v);
        // Reserved byte after the VNI.
        let mut v = good.clone();
        v[7] = 1;
        cases.push(v);
        // Second option claims one word more than the header has room for.
        let mut v = good.clone();
        v[8 + 8 + 3] = 2;
        cases.push(v);
        // First option shorter than announced: the options stop short.
        let mut v = good.clone();
        v[8 + 3] = 0;
        cases.push(v);
        // Options announced past the end of the datagram.
        cases.push(geneve(0x6558, &TWO_OPTIONS, &[])[..20].to_vec());
        // Shorter than the fixed header.
        cases.push(good[..7].to_vec());
        cases.push(Vec::new());
        for p in cases {
            let (g, d) = run(&p);
            assert_eq!(g, Geneve::Plain, "{p:02x?}");
            assert!(d.events.is_empty() && !d.layers.contains(Layer::Geneve));
        }
        // The O and C flags are fine.
        let mut v = good;
        v[1] = 0xc0;
        assert!(matches!(run(&v).0, Geneve::Inner(_)));
    }

    #[test]
    fn option_walk_is_exact() {
        assert!(options_add_up(&[]));
        assert!(options_add_up(&TWO_OPTIONS));
        // 0x1f words of data: 4 + 124 bytes.
        let mut big = vec![0, 0, 0, 0x1f];
        big.extend_from_slice(&[0; 124]);
        assert!(options_add_up(&big));
        assert!(!options_add_up(&big[..big.len() - 4]));
        // Top three bits of the length byte are flags, not length.
        assert!(options_add_up(&[0, 0, 0, 0xe0]));
        assert!(!options_add_up(&[0, 0, 0]));
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut next = crate::testutil::xorshift(0x9e37_79b9_7f4a_7c15);
        for len in 0..200 {
            let mut p: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Make some of them pass the version and reserved checks.
            if len > 7 && len % 2 == 0 {
                p[0] &= 0x3f;
                p[1] &= 0xc0;
                p[7] = 0;
            }
            let (g, _) = run(&p);
            if let Geneve::Inner(e) = g {
                assert!(e.bytes.len() + FIXED_HEADER <= p.len());
            }
        }
    }
}
