//! Whole-frame decoding of tunnels: the carrier, then [`decode_tunnel`],
//! on frames built byte by byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::capture::{LinkType, RawPacket, Timestamp};
use crate::testutil::pkt::{self, Ipv4, Tcp};

const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86dd;

fn decode_frame<'a>(linktype: LinkType, data: &'a [u8], cfg: &DecodeConfig) -> Decoded<'a> {
    let len = data.len() as u32;
    decode_with(
        &RawPacket {
            ts: Timestamp::new(1, 0),
            caplen: len,
            origlen: len,
            data,
            linktype,
            pcap_cnt: 1,
            file_index: 0,
        },
        cfg,
    )
}

fn eth(data: &[u8]) -> Decoded<'_> {
    decode_frame(LinkType::Ethernet, data, &DecodeConfig::default())
}

fn a4(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 9, 9, last)
}

fn a6(last: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 9, 0, 0, 0, 0, last)
}

/// The inner packet of every test: IPv4 10.9.9.1:40000 → 10.9.9.2:80,
/// TCP carrying `GET /`.
fn inner_ipv4() -> Vec<u8> {
    let t = Tcp::new(40000, 80, tcp_flags::PSH | tcp_flags::ACK);
    let seg = pkt::tcp_segment(a4(1).into(), a4(2).into(), &t, b"GET /");
    let mut ip = Ipv4::new(6);
    ip.src = a4(1);
    ip.dst = a4(2);
    ip.build(&seg)
}

fn inner_ipv6() -> Vec<u8> {
    let seg = pkt::udp_datagram(a6(1).into(), a6(2).into(), 5353, 53, b"q");
    pkt::ipv6(a6(1), a6(2), &[], 17, &seg)
}

/// An IPv4 carrier with protocol `proto`, in an Ethernet frame.
fn over_ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut ip = Ipv4::new(proto);
    ip.src = Ipv4Addr::new(192, 0, 2, 1);
    ip.dst = Ipv4Addr::new(192, 0, 2, 2);
    pkt::ethernet(ETH_IPV4, &ip.build(payload))
}

fn over_ipv6(next: u8, exts: &[(u8, Vec<u8>)], payload: &[u8]) -> Vec<u8> {
    let ip = pkt::ipv6(a6(0xff1), a6(0xff2), exts, next, payload);
    pkt::ethernet(ETH_IPV6, &ip)
}

fn gre(flags: u8, proto: u16, extra: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut v = vec![flags, 0];
    v.extend_from_slice(&proto.to_be_bytes());
    v.extend_from_slice(extra);
    v.extend_from_slice(payload);
    v
}

/// Decodes the carrier's tunnel and checks the usual inner packet.
fn assert_inner_ipv4<'a>(outer: &mut Decoded<'a>, kind: TunnelKind) -> Decoded<'a> {
    let inner = decode_tunnel(outer, &DecodeConfig::default()).expect("a tunnel packet");
    assert!(inner.events.is_empty(), "{:?}", inner.events);
    let ip = inner.ip.unwrap();
    assert_eq!((ip.src, ip.dst), (IpAddr::from(a4(1)), IpAddr::from(a4(2))));
    assert_eq!(inner.ports(), (40000, 80));
    assert_eq!(inner.payload, b"GET /");
    assert_eq!(inner.tunnel, Some(TunnelInfo { kind, depth: 1 }));
    // The carrier's bytes are inspected as the inner packet only.
    assert!(outer.payload.is_empty());
    assert!(outer.encap.is_none());
    inner
}

#[test]
fn gre_with_key_sequence_and_checksum() {
    let body = inner_ipv4();
    let extra = [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1];
    let frame = over_ipv4(47, &gre(0xb0, ETH_IPV4, &extra, &body));
    let mut d = eth(&frame);
    assert!(d.events.is_empty(), "{:?}", d.events);
    assert!(d.layers.contains(Layer::Gre));
    assert_eq!(
        d.encap.map(|e| (e.kind, e.start)),
        Some((TunnelKind::Gre, Start::Ipv4))
    );
    let inner = assert_inner_ipv4(&mut d, TunnelKind::Gre);
    // The inner packet borrows the frame: its bytes are the GRE payload.
    assert_eq!(inner.frame, &body[..]);
    assert_eq!(
        inner.frame.as_ptr(),
        frame[frame.len() - body.len()..].as_ptr()
    );
    assert!(inner.encap.is_none());
}

#[test]
fn gre_over_ipv6_and_events_on_the_carrier() {
    let frame = over_ipv6(47, &[], &gre(0, ETH_IPV4, &[], &inner_ipv4()));
    let mut d = eth(&frame);
    assert_inner_ipv4(&mut d, TunnelKind::Gre);
    // Too small for GRE.
    let frame = over_ipv4(47, &[0, 0]);
    let d = eth(&frame);
    assert!(d.events.contains(DecodeEvent::GreTooSmall));
    assert!(d.encap.is_none() && d.payload.is_empty());
    // After an extension header IPv6 does not follow GRE.
    let ra = vec![5, 2, 0, 0];
    let frame = over_ipv6(47, &[(0, ra)], &gre(0, ETH_IPV4, &[], &inner_ipv4()));
    let d = eth(&frame);
    assert!(d.events.contains(DecodeEvent::Ipv6UnknownNextHeader));
    assert!(d.encap.is_none());
}

#[test]
fn pptp_enhanced_gre_carrying_ppp() {
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend_from_slice(&inner_ipv4());
    let len = u16::try_from(ppp.len()).unwrap().to_be_bytes();
    let mut g = vec![0x30, 0x81, 0x88, 0x0b, len[0], len[1], 0, 9];
    g.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]);
    g.extend_from_slice(&ppp);
    let frame = over_ipv4(47, &g);
    let mut d = eth(&frame);
    assert_eq!(d.encap.map(|e| e.start), Some(Start::Ppp));
    let inner = assert_inner_ipv4(&mut d, TunnelKind::Gre);
    assert!(inner.layers.contains(Layer::Ppp));
    // A PPP frame too short for IPv4: no inner packet; the event moves to
    // the carrier.
    let mut g = vec![0x30, 0x01, 0x88, 0x0b, 0, 6, 0, 9, 0, 0, 0, 1];
    g.extend_from_slice(&[0xff, 0x03, 0x00, 0x21, 0x45, 0x00]);
    let frame = over_ipv4(47, &g);
    let mut d = eth(&frame);
    assert!(decode_tunnel(&mut d, &DecodeConfig::default()).is_none());
    assert!(d.events.contains(DecodeEvent::PppIpv4TooSmall));
    assert!(d.layers.contains(Layer::Ppp));
}

#[test]
fn erspan_types_i_ii_and_iii() {
    let mirrored = pkt::ethernet(ETH_IPV4, &inner_ipv4());
    // Type I: GRE without sequence number, the frame right after.
    let frame = over_ipv4(47, &gre(0, 0x88be, &[], &mirrored));
    let mut d = eth(&frame);
    let inner = assert_inner_ipv4(&mut d, TunnelKind::Gre);
    assert!(inner.layers.contains(Layer::Erspan));
    assert!(inner.vlan.is_empty());
    // Type II: sequence number, 8-byte header with VLAN 23.
    let mut e2 = vec![0x10, 0x17, 0x08, 0x64, 0, 0, 0, 0];
    e2.extend_from_slice(&mirrored);
    let frame = over_ipv4(47, &gre(0x10, 0x88be, &[0, 0, 0, 5], &e2));
    let mut d = eth(&frame);
    let inner = assert_inner_ipv4(&mut d, TunnelKind::Gre);
    assert_eq!(inner.vlan.as_slice(), &[23]);
    // Type III, with the platform sub-header.
    let mut e3 = vec![0x20, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01];
    e3.extend_from_slice(&[0; 8]);
    e3.extend_from_slice(&mirrored);
    let frame = over_ipv4(47, &gre(0x10, 0x22eb, &[0, 0, 0, 5], &e3));
    let mut d = eth(&frame);
    let inner = assert_inner_ipv4(&mut d, TunnelKind::Gre);
    assert_eq!(inner.vlan.as_slice(), &[5]);
    // An unknown ERSPAN version: no inner packet, the event on the carrier.
    let mut bad = e2.clone();
    bad[0] = 0x30;
    let frame = over_ipv4(47, &gre(0x10, 0x88be, &[0, 0, 0, 5], &bad));
    let mut d = eth(&frame);
    assert!(decode_tunnel(&mut d, &DecodeConfig::default()).is_none());
    assert!(d.events.contains(DecodeEvent::ErspanUnsupportedVersion));
    assert!(d.layers.contains(Layer::Erspan));
}

#[test]
fn vxlan_inner_frame() {
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 0x2a, 0];
    vx.extend_from_slice(&pkt::ethernet(ETH_IPV4, &inner_ipv4()));
    let udp = pkt::udp_datagram(
        Ipv4Addr::new(192, 0, 2, 1).into(),
        Ipv4Addr::new(192, 0, 2, 2).into(),
        49152,
        4789,
        &vx,
    );
    let frame = over_ipv4(17, &udp);
    let mut d = eth(&frame);
    assert!(d.layers.contains(Layer::Vxlan));
    assert_eq!(d.ports(), (49152, 4789));
    assert_inner_ipv4(&mut d, TunnelKind::Vxlan);
    // Not on a configured port: a plain UDP datagram.
    let cfg = DecodeConfig {
        vxlan_ports: PortSet::of(&[8472]),
        ..DecodeConfig::default()
    };
    let d = decode_frame(LinkType::Ethernet, &frame, &cfg);
    assert!(d.encap.is_none() && !d.layers.contains(Layer::Vxlan));
    assert_eq!(d.payload, &vx[..]);
}

/// A Geneve datagram from `sport` to `dport`: one 8-byte option, then an
/// inner Ethernet frame carrying [`inner_ipv4`].
fn geneve_frame(sport: u16, dport: u16) -> Vec<u8> {
    let mut gv = vec![0x02, 0, 0x65, 0x58, 0, 0, 0x2a, 0];
    gv.extend_from_slice(&[0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef]);
    gv.extend_from_slice(&pkt::ethernet(ETH_IPV4, &inner_ipv4()));
    let udp = pkt::udp_datagram(
        Ipv4Addr::new(192, 0, 2, 1).into(),
        Ipv4Addr::new(192, 0, 2, 2).into(),
        sport,
        dport,
        &gv,
    );
    over_ipv4(17, &udp)
}

#[test]
fn geneve_inner_frame_on_either_port() {
    for (sport, dport) in [(40000, 6081), (6081, 40000)] {
        let frame = geneve_frame(sport, dport);
        let mut d = eth(&frame);
        assert!(d.layers.contains(Layer::Geneve));
        let inner = assert_inner_ipv4(&mut d, TunnelKind::Geneve);
        assert_eq!(TunnelKind::Geneve.pkt_src(), "geneve encapsulation");
        assert!(inner.vlan.is_empty());
    }
    // Disabled, or on other ports: plain UDP.
    let frame = geneve_frame(40000, 6081);
    for cfg in [
        DecodeConfig {
            geneve: false,
            ..DecodeConfig::default()
        },
        DecodeConfig {
            geneve_ports: PortSet::of(&[6082]),
            ..DecodeConfig::default()
        },
    ] {
        let d = decode_frame(LinkType::Ethernet, &frame, &cfg);
        assert!(d.encap.is_none() && !d.layers.contains(Layer::Geneve));
        assert!(!d.payload.is_empty());
    }
}

#[test]
fn geneve_config_keeps_four_ports() {
    let mut c = crate::config::Config::embedded();
    let d = DecodeConfig::from_config(&c).unwrap();
    assert!(d.geneve && d.geneve_ports.contains(6081));
    c.set("decoder.geneve.ports=[1, 2, 3, 4, 5]").unwrap();
    c.set("decoder.geneve.enabled=false").unwrap();
    let d = DecodeConfig::from_config(&c).unwrap();
    assert!(!d.geneve);
    assert!(d.geneve_ports.contains(4) && !d.geneve_ports.contains(5));
    assert!(!d.geneve_ports.contains(6081));
}

#[test]
fn vxlan_vlan_inner_frame() {
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 0x2a, 0];
    vx.extend_from_slice(&pkt::ethernet_vlan(
        &[(0x8100, 77)],
        ETH_IPV4,
        &inner_ipv4(),
    ));
    let udp = pkt::udp_datagram(
        Ipv4Addr::new(192, 0, 2, 1).into(),
        Ipv4Addr::new(192, 0, 2, 2).into(),
        1,
        4789,
        &vx,
    );
    let frame = over_ipv4(17, &udp);
    let mut d = eth(&frame);
    let inner = assert_inner_ipv4(&mut d, TunnelKind::Vxlan);
    assert_eq!(inner.vlan.as_slice(), &[77]);
}

#[test]
fn ip_in_ip_variants() {
    // IPv4 in IPv4 and IPv6 in IPv4.
    let frame = over_ipv4(4, &inner_ipv4());
    let mut d = eth(&frame);
    assert_inner_ipv4(&mut d, TunnelKind::Ipv4);
    assert!(d.layers.contains(Layer::Ipv4InIpv4));
    let v6 = inner_ipv6();
    let frame = over_ipv4(41, &v6);
    let mut d = eth(&frame);
    let inner = decode_tunnel(&mut d, &DecodeConfig::default()).unwrap();
    assert_eq!(inner.ports(), (5353, 53));
    assert!(d.layers.contains(Layer::Ipv6InIpv4));
    // IPv4 in IPv6, also after an extension header, and IPv6 in IPv6.
    let frame = over_ipv6(4, &[], &inner_ipv4());
    let mut d = eth(&frame);
    assert_inner_ipv4(&mut d, TunnelKind::Ipv6);
    assert!(d.layers.contains(Layer::Ipv4InIpv6));
    let frame = over_ipv6(4, &[(60, vec![5, 2, 0, 0])], &inner_ipv4());
    let mut d = eth(&frame);
    assert_inner_ipv4(&mut d, TunnelKind::Ipv6);
    let frame = over_ipv6(41, &[], &v6);
    let mut d = eth(&frame);
    let inner = decode_tunnel(&mut d, &DecodeConfig::default()).unwrap();
    assert_eq!(inner.tunnel.map(|t| t.kind), Some(TunnelKind::Ipv6));
    assert!(d.layers.contains(Layer::Ipv6InIpv6));
}

#[test]
fn ip_in_ipv6_events() {
    let frame = over_ipv6(4, &[], &[0x45; 10]);
    let d = eth(&frame);
    assert!(d.events.contains(DecodeEvent::Ipv4InIpv6TooSmall));
    assert!(d.encap.is_none());
    let frame = over_ipv6(4, &[], &[0x65; 20]);
    assert!(eth(&frame)
        .events
        .contains(DecodeEvent::Ipv4InIpv6WrongVersion));
    let frame = over_ipv6(41, &[], &[0x60; 20]);
    assert!(eth(&frame).events.contains(DecodeEvent::Ipv6InIpv6TooSmall));
    let frame = over_ipv6(41, &[], &inner_ipv4()[..40]);
    assert!(eth(&frame)
        .events
        .contains(DecodeEvent::Ipv6InIpv6WrongVersion));
    // An IPv4 carrier does not check: the inner packet's own decoder
    // reports the problem, and it lands on the carrier.
    let frame = over_ipv4(4, &[0x65; 20]);
    let mut d = eth(&frame);
    assert!(decode_tunnel(&mut d, &DecodeConfig::default()).is_none());
    assert!(d.events.contains(DecodeEvent::Ipv4WrongVersion));
}

#[test]
fn teredo_needs_a_sound_ipv6_packet() {
    let v6 = inner_ipv6();
    let udp = |payload: &[u8]| {
        let u = pkt::udp_datagram(
            Ipv4Addr::new(192, 0, 2, 1).into(),
            Ipv4Addr::new(192, 0, 2, 2).into(),
            3544,
            40000,
            payload,
        );
        over_ipv4(17, &u)
    };
    let mut origin = vec![0, 0, 0x12, 0x34, 1, 2, 3, 4];
    origin.extend_from_slice(&v6);
    for payload in [&v6[..], &origin[..]] {
        let frame = udp(payload);
        let mut d = eth(&frame);
        let inner = decode_tunnel(&mut d, &DecodeConfig::default()).unwrap();
        assert_eq!(inner.ports(), (5353, 53));
        assert_eq!(inner.tunnel.map(|t| t.kind), Some(TunnelKind::Teredo));
        assert!(d.layers.contains(Layer::Teredo));
    }
    // Shaped like IPv6 but with a broken transport header: plain UDP.
    let mut bad = v6.clone();
    bad[44..46].copy_from_slice(&[0, 3]);
    let frame = udp(&bad);
    let mut d = eth(&frame);
    assert!(decode_tunnel(&mut d, &DecodeConfig::default()).is_none());
    assert!(d.events.is_empty());
    assert!(!d.layers.contains(Layer::Teredo));
    assert_eq!(d.payload.len(), bad.len());
}

#[test]
fn pppoe_session_is_decoded_in_place() {
    let mut s = vec![0x11, 0x00, 0x12, 0x34];
    let body = inner_ipv4();
    s.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
    s.extend_from_slice(&[0x00, 0x21]);
    s.extend_from_slice(&body);
    let frame = pkt::ethernet(0x8864, &s);
    let d = eth(&frame);
    assert!(d.events.is_empty(), "{:?}", d.events);
    assert!(d.layers.contains(Layer::Pppoe));
    assert!(d.tunnel.is_none() && d.encap.is_none());
    assert_eq!(d.ports(), (40000, 80));
    assert_eq!(d.payload, b"GET /");
    // Discovery with an unknown code.
    let frame = pkt::ethernet(0x8863, &[0x11, 0xbb, 0, 0, 0, 0]);
    let d = eth(&frame);
    assert!(d.events.contains(DecodeEvent::PppoeWrongCode));
    assert!(d.ip.is_none());
}

#[test]
fn nesting_is_bounded() {
    // GRE in GRE in GRE ...: every level adds an IPv4 header, a GRE
    // header and a tunnel level.
    let mut pkt_bytes = inner_ipv4();
    for _ in 0..12 {
        let mut ip = Ipv4::new(47);
        ip.src = a4(7);
        ip.dst = a4(8);
        pkt_bytes = ip.build(&gre(0, ETH_IPV4, &[], &pkt_bytes));
    }
    let frame = pkt::ethernet(ETH_IPV4, &pkt_bytes);
    let mut d = eth(&frame);
    let mut levels = 0;
    let mut last_events = DecodeEvents::default();
    while let Some(inner) = decode_tunnel(&mut d, &DecodeConfig::default()) {
        levels += 1;
        assert_eq!(inner.tunnel.map(|t| t.depth), Some(levels));
        d = inner;
        last_events = d.events;
    }
    last_events.extend(d.events);
    assert!((4..12).contains(&levels), "{levels}");
    assert!(last_events.contains(DecodeEvent::TooManyLayers));
}

#[test]
fn tunnel_counters_in_stats() {
    let frame = over_ipv4(47, &gre(0, ETH_IPV4, &[], &inner_ipv4()));
    let mut d = eth(&frame);
    let inner = decode_tunnel(&mut d, &DecodeConfig::default()).unwrap();
    let mut stats = DecodeStats::default();
    stats.record(&d);
    stats.record(&inner);
    assert_eq!((stats.packets, stats.tunnel_packets), (1, 1));
    assert_eq!((stats.ipv4, stats.tcp), (2, 1));
    assert_eq!(stats.layer_count(Layer::Gre), 1);
    assert_eq!(stats.layer_count(Layer::Vxlan), 0);
    let names: Vec<&str> = stats.layers().map(|(n, _)| n).collect();
    assert!(names.contains(&"gre") && names.contains(&"ipv4_in_ipv6"));
}

#[test]
fn config_reads_ports_and_switches() {
    let mut c = crate::config::Config::embedded();
    c.set("decoder.vxlan.ports=[4789, 8472]").unwrap();
    c.set("decoder.teredo.enabled=false").unwrap();
    let d = DecodeConfig::from_config(&c).unwrap();
    assert!(d.vxlan && d.vxlan_ports.contains(8472) && !d.vxlan_ports.contains(1));
    assert!(!d.teredo);
    c.set("vars.port-groups.VX=4790").unwrap();
    c.set("decoder.vxlan.ports=$VX").unwrap();
    let d = DecodeConfig::from_config(&c).unwrap();
    assert!(d.vxlan_ports.contains(4790) && !d.vxlan_ports.contains(4789));
    c.set("decoder.vxlan.ports=nope").unwrap();
    assert!(DecodeConfig::from_config(&c).is_err());
    assert!(PortSet::parse("any").unwrap().contains(9));
}

#[test]
fn fuzz_tunnel_frames_never_panic() {
    use super::tests::{exercise, Rng};
    let body = inner_ipv4();
    let mirrored = pkt::ethernet(ETH_IPV4, &body);
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 7, 0];
    vx.extend_from_slice(&mirrored);
    let vxlan = pkt::udp_datagram(a4(5).into(), a4(6).into(), 1, 4789, &vx);
    let teredo = pkt::udp_datagram(a4(5).into(), a4(6).into(), 3544, 1, &inner_ipv6());
    let mut e2 = vec![0x10, 0x17, 0, 0, 0, 0, 0, 0];
    e2.extend_from_slice(&mirrored);
    let mut ppp = vec![0x30, 0x81, 0x88, 0x0b, 0, 60, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2];
    ppp.extend_from_slice(&[0xff, 0x03, 0x00, 0x21]);
    ppp.extend_from_slice(&body);
    let mut pppoe = vec![0x11, 0x00, 0x12, 0x34, 0, 62, 0x00, 0x21];
    pppoe.extend_from_slice(&body);
    let routed = gre(
        0x40,
        ETH_IPV4,
        &[0, 0, 0, 0, 0x08, 0, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0],
        &body,
    );
    let samples = [
        over_ipv4(47, &gre(0xb0, ETH_IPV4, &[0; 12], &body)),
        over_ipv4(47, &routed),
        over_ipv4(47, &gre(0x10, 0x88be, &[0, 0, 0, 1], &e2)),
        over_ipv4(47, &gre(0, 0x6558, &[], &mirrored)),
        over_ipv4(47, &ppp),
        over_ipv4(17, &vxlan),
        over_ipv4(17, &teredo),
        geneve_frame(1, 6081),
        over_ipv4(4, &over_ipv4(47, &gre(0, ETH_IPV4, &[], &body))[14..]),
        over_ipv6(41, &[], &inner_ipv6()),
        over_ipv6(4, &[(60, vec![0x1e, 2, 0, 0])], &body),
        pkt::ethernet(0x8864, &pppoe),
        pkt::ethernet(0x8863, &[0x11, 0x07, 0, 0, 0, 4, 1, 1, 0, 0]),
    ];
    let mut rng = Rng(0x7e55_e1a7_0bad_cafe);
    for sample in &samples {
        for cut in 0..=sample.len() {
            exercise(LinkType::Ethernet, &sample[..cut], sample.len() as u32);
            exercise(LinkType::Ethernet, &sample[..cut], 0);
        }
        for _ in 0..500 {
            let mut m = sample.clone();
            for _ in 0..1 + rng.next() % 3 {
                let at = (rng.next() as usize) % m.len();
                m[at] = rng.next() as u8;
            }
            exercise(LinkType::Ethernet, &m, 0);
        }
    }
}
