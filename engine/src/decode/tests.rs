//! Decoder tests over packets built byte by byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sigil_rules::packet::{FlowInfo, IpOpt};

use super::checksum::{verify, PacketChecksums};
use super::*;
use crate::capture::{LinkType, RawPacket, Timestamp};
use crate::testutil::pkt::{self, Ipv4, Tcp};

fn raw(linktype: LinkType, data: &[u8]) -> RawPacket<'_> {
    let len = data.len() as u32;
    RawPacket {
        ts: Timestamp::new(1, 0),
        caplen: len,
        origlen: len,
        data,
        linktype,
        pcap_cnt: 1,
        file_index: 0,
    }
}

fn eth(data: &[u8]) -> Decoded<'_> {
    // The Decoded borrows `data`, not the temporary RawPacket.
    decode(&raw(LinkType::Ethernet, data))
}

fn v6(last: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last)
}

fn tcp_of(d: &Decoded<'_>) -> TcpInfo<'static> {
    match d.transport {
        Some(Transport::Tcp(t)) => TcpInfo { header: &[], ..t },
        other => panic!("expected TCP, got {other:?}"),
    }
}

#[test]
fn ethernet_ipv4_tcp_fields() {
    let mut t = Tcp::new(40000, 80, tcp_flags::PSH | tcp_flags::ACK);
    t.seq = 1000;
    t.ack = 2000;
    t.window = 512;
    let frame = pkt::eth_ipv4_tcp([192, 168, 1, 2], [10, 1, 1, 1], &t, b"GET /");
    let d = eth(&frame);
    assert!(d.events.is_empty(), "{:?}", d.events);
    assert_eq!(d.ethertype, Some(0x0800));
    let ip = d.ip.unwrap();
    assert_eq!(ip.src, IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2)));
    assert_eq!(ip.proto, 6);
    assert_eq!(ip.ttl, 64);
    assert!(ip.fragment.is_none());
    let tcp = tcp_of(&d);
    assert_eq!(
        (tcp.sport, tcp.dport, tcp.seq, tcp.ack),
        (40000, 80, 1000, 2000)
    );
    assert_eq!(tcp.flags, tcp_flags::PSH | tcp_flags::ACK);
    assert_eq!(tcp.window, 512);
    assert_eq!(tcp.mss, None);
    assert_eq!(d.payload, b"GET /");
    assert_eq!(
        verify(&d),
        PacketChecksums {
            ipv4: Some(true),
            transport: Some(true)
        }
    );

    let flow = FlowInfo {
        to_server: true,
        established: true,
        from_stream: false,
        ..FlowInfo::default()
    };
    let v = d.view(flow).unwrap();
    assert_eq!((v.sport, v.dport, v.ip_proto, v.ttl), (40000, 80, 6, 64));
    assert_eq!(v.payload, b"GET /");
    assert_eq!(v.tcp.unwrap().flags, tcp_flags::PSH | tcp_flags::ACK);
    assert_eq!(v.flow, flow);
    assert!(v.icmp.is_none());
    assert!(!v.is_fragment);
}

#[test]
fn ethernet_padding_is_not_payload() {
    let mut frame = pkt::eth_ipv4_udp([1, 1, 1, 1], [2, 2, 2, 2], 1, 2, b"ab");
    frame.extend_from_slice(&[0; 16]);
    let d = eth(&frame);
    assert!(d.events.is_empty(), "{:?}", d.events);
    assert_eq!(d.payload, b"ab");
    assert_eq!(verify(&d).transport, Some(true));
}

#[test]
fn non_ip_frames_have_no_ip_layer_and_no_event() {
    let bytes = pkt::ethernet(0x0806, &[0; 28]);
    let d = eth(&bytes);
    assert!(d.ip.is_none());
    assert!(d.events.is_empty());
    assert_eq!(d.ethertype, Some(0x0806));
    assert!(d.view(FlowInfo::default()).is_none());
}

#[test]
fn vlan_qinq_and_limits() {
    let ip = pkt::Ipv4::new(17);
    let seg = pkt::udp_datagram(ip.src.into(), ip.dst.into(), 5, 6, b"v");
    let packet = ip.build(&seg);
    for tags in [
        vec![(0x8100, 10)],
        vec![(0x88a8, 100), (0x8100, 200)],
        vec![(0x9100, 7), (0x8100, 8), (0x8100, 9)],
    ] {
        let frame = pkt::ethernet_vlan(&tags, 0x0800, &packet);
        let d = eth(&frame);
        assert!(d.events.is_empty(), "{tags:?}: {:?}", d.events);
        let ids: Vec<u16> = tags.iter().map(|t| t.1).collect();
        assert_eq!(d.vlan.as_slice(), &ids[..]);
        assert_eq!(d.vlan.outer(), ids.first().copied());
        assert_eq!(d.ports(), (5, 6));
    }
    let four = [(0x88a8, 1), (0x8100, 2), (0x8100, 3), (0x8100, 4)];
    let bytes = pkt::ethernet_vlan(&four, 0x0800, &packet);
    let d = eth(&bytes);
    assert!(d.events.contains(DecodeEvent::VlanTooManyLayers));
    assert!(d.ip.is_none());

    let cut = pkt::ethernet_vlan(&[(0x8100, 1)], 0x0800, &[]);
    let bytes = cut[..16].to_vec();
    let d = eth(&bytes);
    assert!(d.events.contains(DecodeEvent::VlanHeaderTooSmall));
}

#[test]
fn short_link_headers_raise_events() {
    let cases = [
        (LinkType::Ethernet, DecodeEvent::EthernetTooSmall, 13),
        (LinkType::LinuxSll, DecodeEvent::SllTooSmall, 15),
        (LinkType::LinuxSll2, DecodeEvent::Sll2TooSmall, 19),
        (LinkType::Null, DecodeEvent::NullTooSmall, 3),
        (LinkType::Loop, DecodeEvent::NullTooSmall, 0),
        (LinkType::Raw, DecodeEvent::RawInvalidIpVersion, 0),
    ];
    for (lt, ev, len) in cases {
        let data = vec![0u8; len];
        let d = decode(&raw(lt, &data));
        assert!(d.events.contains(ev), "{lt:?}: {:?}", d.events);
    }
    let bytes = pkt::null(99, false, &[0x45; 20]);
    let d = decode(&raw(LinkType::Null, &bytes));
    assert!(d.events.contains(DecodeEvent::NullUnsupportedFamily));
    let bytes = [0x55; 40];
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.contains(DecodeEvent::RawInvalidIpVersion));
}

#[test]
fn ipv4_header_fields_and_options() {
    let mut ip = Ipv4::new(17);
    ip.tos = 0x10;
    ip.id = 4242;
    ip.df = true;
    ip.rf = true;
    ip.ttl = 3;
    // RR (len 7), NOP, TS (len 8), EOL
    ip.options = vec![7, 7, 4, 0, 0, 0, 0, 1, 0x44, 8, 5, 0, 0, 0, 0, 0, 0];
    let seg = pkt::udp_datagram(ip.src.into(), ip.dst.into(), 7, 9, b"opt");
    let frame = pkt::ethernet(0x0800, &ip.build(&seg));
    let d = eth(&frame);
    assert!(d.events.is_empty(), "{:?}", d.events);
    let v4 = d.ip.unwrap().v4.unwrap();
    assert_eq!((v4.tos, v4.id), (0x10, 4242));
    assert!(v4.flag_df && v4.flag_reserved && !v4.flag_mf);
    for opt in [IpOpt::Rr, IpOpt::Nop, IpOpt::Ts, IpOpt::Eol, IpOpt::Any] {
        assert_ne!(v4.options & opt as u16, 0, "{opt:?}");
    }
    assert_eq!(v4.options & IpOpt::Ssrr as u16, 0);
    assert_eq!(d.payload, b"opt");
    assert_eq!(d.view(FlowInfo::default()).unwrap().ttl, 3);
    assert_eq!(verify(&d).ipv4, Some(true));

    let mut bad = Ipv4::new(17);
    bad.options = vec![0x83, 40, 0, 0];
    let bytes = bad.build(&seg);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.contains(DecodeEvent::Ipv4OptionBadLength));
    assert!(d.ip.is_some(), "option problems keep the IP layer");
}

#[test]
fn ipv4_length_errors() {
    let good = Ipv4::new(17).build(&[0; 8]);
    let check = |bytes: &[u8], ev: DecodeEvent| {
        let d = decode(&raw(LinkType::Raw, bytes));
        assert!(d.events.contains(ev), "{ev:?}: {:?}", d.events);
        assert!(d.ip.is_none(), "{ev:?}");
    };
    check(&good[..19], DecodeEvent::Ipv4PacketTooSmall);
    let mut ihl = good.clone();
    ihl[0] = 0x44;
    check(&ihl, DecodeEvent::Ipv4BadHeaderLength);
    let mut ihl_long = good.clone();
    ihl_long[0] = 0x4f;
    check(&ihl_long, DecodeEvent::Ipv4TruncatedPacket);
    let mut short_total = Ipv4::new(17);
    short_total.total_len_override = Some(19);
    check(&short_total.build(&[0; 8]), DecodeEvent::Ipv4BadTotalLength);
    let mut long_total = Ipv4::new(17);
    long_total.total_len_override = Some(1000);
    let long = long_total.build(&[0; 8]);
    check(&long, DecodeEvent::Ipv4TruncatedPacket);
    let bytes = pkt::eth_ipv6_udp([1; 16], [2; 16], 1, 2, b"").split_off(14);
    let d = decode(&raw(LinkType::Ipv4, &bytes));
    assert!(d.events.contains(DecodeEvent::Ipv4WrongVersion));

    // The same over-long packet, cut by the capture's snap length, is fine.
    let mut p = raw(LinkType::Raw, &long);
    p.origlen = 1000;
    let d = decode(&p);
    assert!(d.events.is_empty(), "{:?}", d.events);
    let ip = d.ip.unwrap();
    assert!(ip.payload_truncated);
    assert_eq!(verify(&d).transport, None);
}

#[test]
fn ipv4_fragments() {
    let mut first = Ipv4::new(17);
    first.mf = true;
    first.id = 77;
    let seg = pkt::udp_datagram(first.src.into(), first.dst.into(), 53, 53, &[1; 40]);
    let bytes = first.build(&seg[..24]);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.is_empty(), "{:?}", d.events);
    let frag = d.ip.unwrap().fragment.unwrap();
    assert_eq!((frag.id, frag.offset, frag.more), (77, 0, true));
    assert_eq!(d.ports(), (53, 53), "first fragment carries the header");
    assert_eq!(d.payload.len(), 16);
    assert_eq!(verify(&d).transport, None);

    let mut later = Ipv4::new(17);
    later.frag_offset = 3;
    let bytes = later.build(&seg[24..]);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.transport.is_none());
    assert_eq!(d.payload, &seg[24..]);
    let v = d.view(FlowInfo::default()).unwrap();
    assert_eq!(v.ipv4.unwrap().frag_offset, 3);
    assert!(!v.ipv4.unwrap().flag_mf);
    assert_eq!((v.sport, v.dport), (0, 0));
}

#[test]
fn ipv6_extension_headers() {
    let (src, dst) = (v6(1), v6(2));
    let mut t = Tcp::new(1234, 443, tcp_flags::SYN);
    t.options = vec![2, 4, 0x05, 0xa0];
    let seg = pkt::tcp_segment(src.into(), dst.into(), &t, b"");
    // Router alert; routing type 2 with one segment left; a home address
    // option; AH.
    let mut hao = vec![0xc9, 16];
    hao.extend_from_slice(&[0xfe; 16]);
    let exts = vec![
        (0, vec![5, 2, 0, 0]),
        (43, vec![2, 1]),
        (60, hao),
        (51, vec![]),
    ];
    let bytes = pkt::ipv6(src, dst, &exts, 6, &seg);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.is_empty(), "{:?}", d.events);
    let ip = d.ip.unwrap();
    assert_eq!(ip.proto, 6);
    let f6 = ip.v6.unwrap();
    for e in [
        Ipv6Exts::HOP_BY_HOP,
        Ipv6Exts::ROUTING,
        Ipv6Exts::DEST_OPTS,
        Ipv6Exts::AUTH,
    ] {
        assert!(f6.exts.contains(e));
    }
    assert!(!f6.exts.contains(Ipv6Exts::FRAGMENT));
    assert_eq!(f6.ext_count, 4);
    let tcp = tcp_of(&d);
    assert_eq!((tcp.sport, tcp.dport, tcp.mss), (1234, 443, Some(1440)));
    // A routing header changes the pseudo-header's destination: not verified.
    assert_eq!(verify(&d).transport, None);

    let plain = pkt::ipv6(src, dst, &[(60, vec![])], 6, &seg);
    let d = decode(&raw(LinkType::Ipv6, &plain));
    assert_eq!(verify(&d).transport, Some(true));
}

#[test]
fn ipv6_fragment_header() {
    let (src, dst) = (v6(1), v6(2));
    let seg = pkt::udp_datagram(src.into(), dst.into(), 500, 500, &[9; 32]);
    let first = pkt::ipv6(
        src,
        dst,
        &[(44, pkt::frag_body(0, true, 0xabcdef))],
        17,
        &seg[..16],
    );
    let d = decode(&raw(LinkType::Raw, &first));
    assert!(d.events.is_empty(), "{:?}", d.events);
    let frag = d.ip.unwrap().fragment.unwrap();
    assert_eq!((frag.id, frag.offset, frag.more), (0xabcdef, 0, true));
    assert_eq!(d.ports(), (500, 500));

    let rest = pkt::ipv6(
        src,
        dst,
        &[(44, pkt::frag_body(2, false, 0xabcdef))],
        17,
        &seg[16..],
    );
    let d = decode(&raw(LinkType::Raw, &rest));
    let ip = d.ip.unwrap();
    assert_eq!(ip.proto, 17);
    assert_eq!(ip.fragment.unwrap().offset, 2);
    assert!(d.transport.is_none());
    assert_eq!(d.payload, &seg[16..]);

    // Atomic fragment (offset 0, no MF): not a fragment, header flagged.
    let atomic = pkt::ipv6(src, dst, &[(44, pkt::frag_body(0, false, 1))], 17, &seg);
    let d = decode(&raw(LinkType::Raw, &atomic));
    assert!(d.ip.unwrap().fragment.is_none());
    assert!(d.ip.unwrap().v6.unwrap().exts.contains(Ipv6Exts::FRAGMENT));
    assert_eq!(verify(&d).transport, Some(true));

    let twice = pkt::ipv6(
        src,
        dst,
        &[
            (44, pkt::frag_body(0, false, 1)),
            (44, pkt::frag_body(0, false, 1)),
        ],
        17,
        &seg,
    );
    let d = decode(&raw(LinkType::Raw, &twice));
    assert!(d.events.contains(DecodeEvent::Ipv6DuplicateFragmentHeader));
}

#[test]
fn ipv6_errors() {
    let (src, dst) = (v6(1), v6(2));
    let good = pkt::ipv6(src, dst, &[(0, vec![0; 14])], 59, &[]);
    let d = decode(&raw(LinkType::Raw, &good));
    assert_eq!(
        d.events.iter().collect::<Vec<_>>(),
        vec![DecodeEvent::Ipv6HopOptsOnlyPadding]
    );
    assert_eq!(d.ip.unwrap().proto, 59);

    // Payload length says 16 (the hop-by-hop header) but only 8 bytes follow
    // and the capture did not cut: truncated packet.
    let bytes = good[..48].to_vec();
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.contains(DecodeEvent::Ipv6TruncatedPacket));
    assert!(d.ip.is_none());

    // Payload length consistent, but the extension header claims more.
    let mut lying = good.clone();
    lying[41] = 5;
    let d = decode(&raw(LinkType::Raw, &lying));
    assert!(d.events.contains(DecodeEvent::Ipv6TruncatedExtHeader));
    assert!(d.ip.is_some());

    let bytes = good[..39].to_vec();
    let d = decode(&raw(LinkType::Ipv6, &bytes));
    assert!(d.events.contains(DecodeEvent::Ipv6PacketTooSmall));
    let bytes = Ipv4::new(6).build(&[0; 40]);
    let d = decode(&raw(LinkType::Ipv6, &bytes));
    assert!(d.events.contains(DecodeEvent::Ipv6WrongVersion));
}

#[test]
fn tcp_header_errors() {
    let ok = pkt::ipv4_tcp(&Tcp::new(1, 2, tcp_flags::SYN), b"");
    let mut small_doff = ok.clone();
    small_doff[20 + 12] = 4 << 4;
    let d = decode(&raw(LinkType::Raw, &small_doff));
    assert!(d.events.contains(DecodeEvent::TcpBadHeaderLength));
    assert!(d.transport.is_none());
    let mut big_doff = ok.clone();
    big_doff[20 + 12] = 15 << 4;
    let d = decode(&raw(LinkType::Raw, &big_doff));
    assert!(d.events.contains(DecodeEvent::TcpTruncatedHeader));

    let mut t = Tcp::new(1, 2, tcp_flags::SYN);
    t.options = vec![2, 3, 1, 0];
    let bytes = pkt::ipv4_tcp(&t, b"");
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.contains(DecodeEvent::TcpOptionBadLength));
    assert!(d.transport.is_some(), "option problems keep the header");

    let mut ip = Ipv4::new(6);
    ip.total_len_override = None;
    let bytes = ip.build(&[0; 10]);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.contains(DecodeEvent::TcpPacketTooSmall));
}

#[test]
fn icmp_echo_fields() {
    let frame = pkt::eth_ipv4_icmp_echo([1, 2, 3, 4], [5, 6, 7, 8], 0x1234, 7, b"ping");
    let d = eth(&frame);
    assert!(d.events.is_empty(), "{:?}", d.events);
    let v = d.view(FlowInfo::default()).unwrap();
    assert_eq!(
        v.icmp,
        Some(sigil_rules::packet::IcmpFields {
            itype: 8,
            icode: 0,
            id: Some(0x1234),
            seq: Some(7)
        })
    );
    assert_eq!(v.payload, b"ping");
    assert_eq!(verify(&d).transport, Some(true));

    let frame = pkt::eth_ipv6_icmp_echo([0xfe; 16], [0xfd; 16], 99, 100, b"p6");
    let d = eth(&frame);
    let Some(Transport::Icmpv6(i)) = d.transport else {
        panic!("expected ICMPv6: {d:?}");
    };
    assert_eq!((i.itype, i.id, i.seq), (128, Some(99), Some(100)));
    assert_eq!(verify(&d).transport, Some(true));

    // Destination unreachable has no identifier or sequence.
    let mut ip = Ipv4::new(1);
    ip.src = Ipv4Addr::new(9, 9, 9, 9);
    let unreach = ip.build(&pkt::icmpv4(3, 3, 0, 0, &[0x45; 28]));
    let d = decode(&raw(LinkType::Raw, &unreach));
    let v = d.view(FlowInfo::default()).unwrap();
    assert_eq!(v.icmp.unwrap().id, None);
    assert_eq!(v.icmp.unwrap().icode, 3);
    // Timestamp requests are echo-style.
    let ts = Ipv4::new(1).build(&pkt::icmpv4(13, 0, 5, 6, &[0; 12]));
    let d = decode(&raw(LinkType::Raw, &ts));
    let v = d.view(FlowInfo::default()).unwrap();
    assert_eq!(
        (v.icmp.unwrap().id, v.icmp.unwrap().seq),
        (Some(5), Some(6))
    );

    let bytes = Ipv4::new(1).build(&[8, 0, 0]);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert!(d.events.contains(DecodeEvent::Icmpv4TooSmall));
}

#[test]
fn checksums_detect_corruption() {
    let t = Tcp::new(1, 2, tcp_flags::ACK);
    let mut frame = pkt::eth_ipv4_tcp([1, 1, 1, 1], [2, 2, 2, 2], &t, b"data!");
    let last = frame.len() - 1;
    frame[last] ^= 0x20;
    let d = eth(&frame);
    assert_eq!(
        verify(&d),
        PacketChecksums {
            ipv4: Some(true),
            transport: Some(false)
        }
    );

    let mut ip = Ipv4::new(17);
    ip.bad_checksum = true;
    let seg = pkt::udp_datagram(ip.src.into(), ip.dst.into(), 1, 2, b"u");
    let bytes = ip.build(&seg);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert_eq!(verify(&d).ipv4, Some(false));
    assert_eq!(verify(&d).transport, Some(true));

    // UDP over IPv4 with checksum 0: not computed, nothing to verify.
    let mut zero = seg.clone();
    zero[6] = 0;
    zero[7] = 0;
    let bytes = Ipv4::new(17).build(&zero);
    let d = decode(&raw(LinkType::Raw, &bytes));
    assert_eq!(verify(&d).transport, None);
    // ... but over IPv6 a zero checksum is invalid.
    let mut frame6 = pkt::eth_ipv6_udp([1; 16], [2; 16], 1, 2, b"u");
    let n = frame6.len();
    frame6[n - 3] = 0;
    frame6[n - 2] = 0;
    assert_eq!(verify(&eth(&frame6)).transport, Some(false));

    // ICMPv6 covers the pseudo-header: a changed source breaks it.
    let mut icmp6 = pkt::eth_ipv6_icmp_echo([3; 16], [4; 16], 1, 1, b"");
    icmp6[14 + 8] ^= 1;
    assert_eq!(verify(&eth(&icmp6)).transport, Some(false));

    // A snapped packet's transport checksum can't be verified.
    let t = Tcp::new(1, 2, tcp_flags::ACK);
    let frame = pkt::eth_ipv4_tcp([1, 1, 1, 1], [2, 2, 2, 2], &t, &[7; 100]);
    let mut p = raw(LinkType::Ethernet, &frame[..80]);
    p.origlen = frame.len() as u32;
    let d = decode(&p);
    assert!(d.snapped && d.events.is_empty(), "{:?}", d.events);
    assert_eq!(verify(&d).transport, None);
    assert_eq!(verify(&d).ipv4, Some(true));
}

#[test]
fn checksums_agree_with_etherparse_builder() {
    for payload_len in [0usize, 1, 2, 3, 7, 64, 1001] {
        let payload = vec![0xa5u8; payload_len];
        let t = Tcp::new(9, 10, tcp_flags::SYN);
        for frame in [
            pkt::eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], &t, &payload),
            pkt::eth_ipv4_udp([10, 0, 0, 1], [10, 0, 0, 2], 3, 4, &payload),
            pkt::eth_ipv6_udp([7; 16], [8; 16], 3, 4, &payload),
            pkt::eth_ipv4_icmp_echo([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, &payload),
            pkt::eth_ipv6_icmp_echo([7; 16], [8; 16], 1, 2, &payload),
        ] {
            let d = eth(&frame);
            assert!(!verify(&d).any_invalid(), "len {payload_len}: {d:?}");
            assert_eq!(verify(&d).transport, Some(true));
        }
    }
}

fn bad_udp() -> Vec<u8> {
    let mut frame = pkt::eth_ipv4_udp([1, 1, 1, 1], [2, 2, 2, 2], 1, 2, b"x");
    let n = frame.len();
    frame[n - 1] ^= 0xff;
    frame
}

fn good_udp() -> Vec<u8> {
    pkt::eth_ipv4_udp([1, 1, 1, 1], [2, 2, 2, 2], 1, 2, b"x")
}

#[test]
fn validator_modes() {
    let (bad, good, arp) = (bad_udp(), good_udp(), pkt::ethernet(0x0806, &[0; 28]));
    let mut all = ChecksumValidator::new(ChecksumMode::All);
    assert_eq!(all.check(&eth(&bad)), ChecksumVerdict::Invalid);
    assert_eq!(all.check(&eth(&good)), ChecksumVerdict::Valid);
    assert_eq!(all.check(&eth(&arp)), ChecksumVerdict::Unchecked);
    assert_eq!(all.stats().invalid, 1);
    assert_eq!(all.stats().checked, 2);

    let mut none = ChecksumValidator::new(ChecksumMode::None);
    assert_eq!(none.check(&eth(&bad)), ChecksumVerdict::Unchecked);
    assert!(none.is_disabled());
}

#[test]
fn auto_mode_switches_off_after_offload_like_sample() {
    let (bad, good) = (bad_udp(), good_udp());
    let mut v = ChecksumValidator::new(ChecksumMode::Auto);
    // 150 bad in the first 1000 packets (> 1 in 10).
    for i in 1..=AUTO_SAMPLE {
        let frame = if i % 20 < 3 { &bad } else { &good };
        let verdict = v.check(&eth(frame));
        if i < AUTO_SAMPLE {
            assert!(!v.is_disabled());
            let want = if i % 20 < 3 {
                ChecksumVerdict::Invalid
            } else {
                ChecksumVerdict::Valid
            };
            assert_eq!(verdict, want, "packet {i}");
        } else {
            assert_eq!(verdict, ChecksumVerdict::Unchecked);
        }
    }
    assert!(v.is_disabled());
    assert_eq!(v.stats().disabled_at, Some(AUTO_SAMPLE));
    assert_eq!(v.check(&eth(&bad)), ChecksumVerdict::Unchecked);
}

#[test]
fn auto_mode_keeps_checking_with_few_bad_packets() {
    let (bad, good) = (bad_udp(), good_udp());
    let mut v = ChecksumValidator::new(ChecksumMode::Auto);
    // Exactly 100 bad of 1000 is 1 in 10, not more: checking stays on.
    for i in 1..=AUTO_SAMPLE {
        let frame = if i % 10 == 0 { &bad } else { &good };
        let _ = v.check(&eth(frame));
    }
    assert!(!v.is_disabled());
    assert_eq!(v.check(&eth(&bad)), ChecksumVerdict::Invalid);
    assert_eq!(v.stats().disabled_at, None);
}

const AUTO_SAMPLE: u64 = checksum::AUTO_SAMPLE_PACKETS;

/// Deterministic xorshift so the fuzz corpus is reproducible.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Decodes `data` and every packet tunnelled in it, using every view of
/// each; checks that slices stay inside the frame and nesting is bounded.
pub(super) fn exercise(linktype: LinkType, data: &[u8], origlen: u32) {
    let mut p = raw(linktype, data);
    p.origlen = origlen.max(p.caplen);
    let mut d = decode(&p);
    let mut stats = DecodeStats::default();
    let mut levels = 0;
    loop {
        let inner = decode_tunnel(&mut d, &DecodeConfig::default());
        let _ = verify(&d);
        let _ = d.view(FlowInfo::default());
        let _ = crate::flow::FlowKey::from_decoded(&d);
        stats.record(&d);
        assert!(d.frame.len() <= data.len());
        if let Some(ip) = &d.ip {
            assert!(ip.payload.len() <= data.len());
            assert!(d.payload.len() <= ip.payload.len());
        }
        let Some(inner) = inner else {
            break;
        };
        levels += 1;
        assert!(levels < usize::from(MAX_LAYERS));
        d = inner;
    }
}

#[test]
fn fuzz_random_and_truncated_inputs_never_panic() {
    const LINKS: [LinkType; 8] = [
        LinkType::Ethernet,
        LinkType::Raw,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::Null,
        LinkType::Loop,
    ];
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    // Random bytes, with a plausible first byte now and then so decoding
    // gets past the link layer.
    for i in 0..16_000 {
        let lt = LINKS[i % LINKS.len()];
        let len = (rng.next() % 160) as usize;
        let mut data = rng.bytes(len);
        if i % 3 == 0 {
            if let Some(b) = data.first_mut() {
                *b = if rng.next() % 2 == 0 { 0x45 } else { 0x60 };
            }
        }
        exercise(lt, &data, 0);
        exercise(lt, &data, 2000);
    }
    // Every prefix of valid packets, and single-byte corruptions of them.
    let (s6, d6) = (v6(1), v6(2));
    let seg6 = pkt::udp_datagram(s6.into(), d6.into(), 1, 2, b"abc");
    let mut t = Tcp::new(1, 2, tcp_flags::SYN);
    t.options = vec![2, 4, 5, 0xb4, 1, 3, 3, 7];
    let mut opt_ip = Ipv4::new(6);
    opt_ip.options = vec![7, 7, 4, 0, 0, 0, 0, 0x44, 4, 5];
    let opt_seg = pkt::tcp_segment(opt_ip.src.into(), opt_ip.dst.into(), &t, b"xy");
    let samples: Vec<(LinkType, Vec<u8>)> = vec![
        (
            LinkType::Ethernet,
            pkt::eth_ipv4_tcp([1, 2, 3, 4], [5, 6, 7, 8], &t, b"hello"),
        ),
        (
            LinkType::Ethernet,
            pkt::ethernet_vlan(
                &[(0x88a8, 1), (0x8100, 2)],
                0x86dd,
                &pkt::ipv6(
                    s6,
                    d6,
                    &[(0, vec![]), (44, pkt::frag_body(0, true, 1)), (51, vec![])],
                    17,
                    &seg6,
                ),
            ),
        ),
        (LinkType::Raw, opt_ip.build(&opt_seg)),
        (
            LinkType::LinuxSll,
            pkt::sll(0x0800, &Ipv4::new(1).build(&pkt::icmpv4(8, 0, 1, 1, b"p"))),
        ),
        (
            LinkType::LinuxSll2,
            pkt::sll2(
                0x86dd,
                &pkt::ipv6(s6, d6, &[], 58, &pkt::icmpv6(s6, d6, 128, 1, 1, b"q")),
            ),
        ),
        (
            LinkType::Null,
            pkt::null(
                24,
                false,
                &pkt::ipv6(s6, d6, &[(43, vec![0; 6])], 17, &seg6),
            ),
        ),
        (
            LinkType::Loop,
            pkt::null(2, true, &Ipv4::new(17).build(&[0, 1, 0, 2, 0, 8, 0, 0])),
        ),
    ];
    for (lt, sample) in &samples {
        for cut in 0..=sample.len() {
            exercise(*lt, &sample[..cut], sample.len() as u32);
            exercise(*lt, &sample[..cut], 0);
        }
        for _ in 0..300 {
            let mut m = sample.clone();
            let at = (rng.next() as usize) % m.len();
            m[at] = rng.next() as u8;
            exercise(*lt, &m, 0);
        }
    }
}

#[test]
fn decode_stats_count_layers_and_events() {
    let mut s = DecodeStats::default();
    let frames = [
        good_udp(),
        pkt::ethernet_vlan(
            &[(0x8100, 5)],
            0x0800,
            &pkt::ipv4_tcp(&Tcp::new(1, 2, 2), b""),
        ),
        pkt::ethernet(0x0800, &[0x45; 10]),
    ];
    for f in &frames {
        s.record(&eth(f));
    }
    assert_eq!((s.packets, s.ipv4, s.udp, s.tcp, s.vlan), (3, 2, 1, 1, 1));
    assert_eq!(s.with_events, 1);
    assert_eq!(s.event_count(DecodeEvent::Ipv4PacketTooSmall), 1);
    let names: Vec<_> = s.events().collect();
    assert_eq!(names, [("ipv4.pkt_too_small", 1)]);
    let mut total = DecodeStats::default();
    total.merge(&s);
    total.merge(&s);
    assert_eq!(total.packets, 6);
    assert_eq!(total.event_count(DecodeEvent::Ipv4PacketTooSmall), 2);
}
