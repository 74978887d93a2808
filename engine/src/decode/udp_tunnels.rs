//! Tunnels carried by UDP: Teredo, Geneve and VXLAN, recognised by port
//! (see [`super::DecodeConfig`]) and by their payload.

use super::events::DecodeEvent;
use super::geneve::{self, Geneve};
use super::tunnel::{Encap, Layer, Start, TunnelKind};
use super::{DecodeConfig, Decoded};

const VXLAN_HEADER: usize = 8;
const ETHERNET_HEADER: usize = 14;
const IPV6_HEADER: usize = 40;
/// Teredo's origin indication (RFC 4380 section 5.1.1).
const TEREDO_ORIGIN: usize = 8;

/// Looks for a tunnel in a UDP datagram's `payload`: Teredo, then Geneve,
/// then VXLAN, as Suricata does. A sound Geneve header ends the search even
/// when it carries nothing to decode.
pub(super) fn find<'a>(
    sport: u16,
    dport: u16,
    payload: &'a [u8],
    cfg: &DecodeConfig,
    d: &mut Decoded<'a>,
) -> Option<Encap<'a>> {
    if cfg.teredo && (cfg.teredo_ports.contains(sport) || cfg.teredo_ports.contains(dport)) {
        if let Some(ipv6) = teredo(payload) {
            return Some(Encap {
                kind: TunnelKind::Teredo,
                start: Start::Ipv6,
                bytes: ipv6,
                counter: Some(Layer::Teredo),
            });
        }
    }
    if cfg.geneve && (cfg.geneve_ports.contains(sport) || cfg.geneve_ports.contains(dport)) {
        match geneve::decode(payload, d) {
            Geneve::Inner(encap) => return Some(encap),
            Geneve::Opaque => return None,
            Geneve::Plain => {}
        }
    }
    if cfg.vxlan && cfg.vxlan_ports.contains(dport) {
        return vxlan(payload, d);
    }
    None
}

/// The IPv6 packet a Teredo datagram carries, after an optional origin
/// indication. Teredo has no header of its own, so the datagram must hold
/// exactly one IPv6 packet (whose soundness the caller checks).
fn teredo(payload: &[u8]) -> Option<&[u8]> {
    if payload.len() < IPV6_HEADER {
        return None;
    }
    let at = match payload.first() {
        // 0x0000 is an origin indication; 0x0001 (authentication) is part
        // of the qualification procedure, not a tunnelled packet.
        Some(0) if payload.get(1) == Some(&0) => TEREDO_ORIGIN,
        Some(0) => return None,
        _ => 0,
    };
    let ipv6 = payload.get(at..)?;
    let plen = usize::from(u16::from_be_bytes([*ipv6.get(4)?, *ipv6.get(5)?]));
    (ipv6.first()? >> 4 == 6 && ipv6.len() == IPV6_HEADER + plen).then_some(ipv6)
}

/// A VXLAN header and the Ethernet header after it. Not VXLAN (`None`, no
/// event) when the I flag is clear or the reserved byte is set; an inner
/// frame that is not IP, VLAN or ARP raises `vxlan.unknown_payload_type`.
fn vxlan<'a>(payload: &'a [u8], d: &mut Decoded<'a>) -> Option<Encap<'a>> {
    let inner = payload.get(VXLAN_HEADER + ETHERNET_HEADER..)?;
    if !d.layers.enter(&mut d.events) {
        return None;
    }
    let (flags, reserved) = (*payload.first()?, *payload.get(7)?);
    if flags & 0x08 == 0 || reserved != 0 {
        return None;
    }
    d.layers.see(Layer::Vxlan);
    let at = VXLAN_HEADER + ETHERNET_HEADER - 2;
    let ethertype = u16::from_be_bytes([*payload.get(at)?, *payload.get(at + 1)?]);
    let start = match ethertype {
        0x0800 => Start::Ipv4,
        0x86dd => Start::Ipv6,
        0x8100 | 0x9100 => Start::Vlan,
        // ARP is expected on an overlay; there is nothing to inspect.
        0x0806 => return None,
        _ => {
            d.events.push(DecodeEvent::VxlanUnknownPayload);
            return None;
        }
    };
    Some(Encap {
        kind: TunnelKind::Vxlan,
        start,
        bytes: inner,
        counter: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;

    fn vx(ethertype: u16, flags: u8, reserved: u8) -> Vec<u8> {
        let mut v = vec![flags, 0, 0, 0, 0, 0, 1, reserved];
        v.extend_from_slice(&[0; 12]);
        v.extend_from_slice(&ethertype.to_be_bytes());
        v.extend_from_slice(&[0x45, 0]);
        v
    }

    fn find_in(
        sport: u16,
        dport: u16,
        p: &[u8],
        cfg: &DecodeConfig,
    ) -> (Option<Encap<'static>>, Decoded<'static>) {
        let p: &'static [u8] = Box::leak(p.to_vec().into_boxed_slice());
        let mut d = Decoded::empty(LinkType::Raw, p, false);
        (find(sport, dport, p, cfg, &mut d), d)
    }

    #[test]
    fn vxlan_on_its_destination_port() {
        let cfg = DecodeConfig::default();
        let (e, d) = find_in(5555, 4789, &vx(0x0800, 0x08, 0), &cfg);
        let e = e.unwrap();
        assert_eq!(
            (e.kind, e.start, e.bytes),
            (TunnelKind::Vxlan, Start::Ipv4, &[0x45, 0][..])
        );
        assert!(d.layers.contains(Layer::Vxlan) && d.events.is_empty());
        // Source port 4789 alone is not VXLAN; neither is a disabled decoder.
        assert!(find_in(4789, 5555, &vx(0x0800, 0x08, 0), &cfg).0.is_none());
        let off = DecodeConfig {
            vxlan: false,
            ..cfg
        };
        assert!(find_in(5555, 4789, &vx(0x0800, 0x08, 0), &off).0.is_none());
        // Another configured port.
        let other = DecodeConfig {
            vxlan_ports: super::super::tunnel::PortSet::of(&[8472]),
            ..cfg
        };
        assert!(find_in(1, 8472, &vx(0x86dd, 0x08, 0), &other).0.is_some());
    }

    #[test]
    fn vxlan_header_checks_and_payload_types() {
        let cfg = DecodeConfig::default();
        // I flag clear or reserved byte set: plain UDP, no event.
        for p in [vx(0x0800, 0x00, 0), vx(0x0800, 0x08, 1)] {
            let (e, d) = find_in(1, 4789, &p, &cfg);
            assert!(e.is_none() && d.events.is_empty() && !d.layers.contains(Layer::Vxlan));
        }
        let (e, d) = find_in(1, 4789, &vx(0x8100, 0x08, 0), &cfg);
        assert_eq!(e.unwrap().start, Start::Vlan);
        assert!(d.events.is_empty());
        let (e, d) = find_in(1, 4789, &vx(0x0806, 0x08, 0), &cfg);
        assert!(e.is_none() && d.events.is_empty() && d.layers.contains(Layer::Vxlan));
        let (e, d) = find_in(1, 4789, &vx(0x88cc, 0x08, 0), &cfg);
        assert!(e.is_none());
        assert!(d.events.contains(DecodeEvent::VxlanUnknownPayload));
        // Too short for VXLAN and an Ethernet header.
        assert!(find_in(1, 4789, &[0x08; 21], &cfg).0.is_none());
    }

    fn ipv6(plen: u16) -> Vec<u8> {
        let mut v = vec![0x60, 0, 0, 0];
        v.extend_from_slice(&plen.to_be_bytes());
        v.extend_from_slice(&[59, 64]);
        v.extend_from_slice(&[0; 32]);
        v.extend(std::iter::repeat_n(0, usize::from(plen)));
        v
    }

    #[test]
    fn teredo_with_and_without_origin_indication() {
        let cfg = DecodeConfig::default();
        let bare = ipv6(4);
        let (e, _) = find_in(3544, 40000, &bare, &cfg);
        let e = e.unwrap();
        assert_eq!(
            (e.kind, e.start, e.bytes.len()),
            (TunnelKind::Teredo, Start::Ipv6, 44)
        );
        assert_eq!(e.counter, Some(Layer::Teredo));
        let mut origin = vec![0, 0, 1, 2, 3, 4, 5, 6];
        origin.extend_from_slice(&bare);
        assert_eq!(
            find_in(40000, 3544, &origin, &cfg).0.unwrap().bytes,
            &bare[..]
        );
        // Authentication indication, wrong length, not IPv6, other ports.
        let mut auth = origin.clone();
        auth[1] = 1;
        assert!(find_in(3544, 1, &auth, &cfg).0.is_none());
        assert!(find_in(3544, 1, &bare[..43], &cfg).0.is_none());
        let mut v4 = bare.clone();
        v4[0] = 0x45;
        assert!(find_in(3544, 1, &v4, &cfg).0.is_none());
        assert!(find_in(1, 2, &bare, &cfg).0.is_none());
    }
}
