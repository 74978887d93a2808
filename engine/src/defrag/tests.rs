//! Defragmentation tests over fragments built byte by byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::capture::{LinkType, RawPacket};
use crate::decode::{checksum, decode, Ipv6Exts, Transport};
use crate::testutil::pkt::{self, Ipv4};

const V4_SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const V4_DST: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

fn v6(last: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last)
}

fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs, 0)
}

/// Decodes `frame` as Ethernet (or raw IP) and offers it at time `secs`.
fn offer_link(d: &mut Defragmenter, secs: i64, linktype: LinkType, frame: &[u8]) -> DefragResult {
    let len = frame.len() as u32;
    let raw = RawPacket {
        ts: ts(secs),
        caplen: len,
        origlen: len,
        data: frame,
        linktype,
        pcap_cnt: 1,
        file_index: 0,
    };
    let dec = decode(&raw);
    d.insert(ts(secs), frame, &dec)
}

fn offer(d: &mut Defragmenter, secs: i64, frame: &[u8]) -> DefragResult {
    offer_link(d, secs, LinkType::Ethernet, frame)
}

/// An Ethernet frame holding one IPv4 fragment: `offset` in 8-byte units.
fn v4_frag(id: u16, proto: u8, offset: u16, mf: bool, data: &[u8]) -> Vec<u8> {
    let mut ip = Ipv4::new(proto);
    ip.id = id;
    ip.frag_offset = offset;
    ip.mf = mf;
    pkt::ethernet(0x0800, &ip.build(data))
}

/// An Ethernet frame holding one IPv6 fragment, with `before` extension
/// headers ahead of the Fragment header; `next` is the header after it.
fn v6_frag(
    before: &[(u8, Vec<u8>)],
    id: u32,
    next: u8,
    offset: u16,
    more: bool,
    data: &[u8],
) -> Vec<u8> {
    let mut exts = before.to_vec();
    exts.push((44, pkt::frag_body(offset, more, id)));
    pkt::ethernet(0x86dd, &pkt::ipv6(v6(1), v6(2), &exts, next, data))
}

/// Splits `datagram` into pieces of `size` bytes (a multiple of 8):
/// (offset in 8-byte units, more, bytes).
fn split(datagram: &[u8], size: usize) -> Vec<(u16, bool, Vec<u8>)> {
    let chunks: Vec<&[u8]> = datagram.chunks(size).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| (((i * size) / 8) as u16, i + 1 < n, c.to_vec()))
        .collect()
}

fn udp_v4(payload: &[u8]) -> Vec<u8> {
    pkt::udp_datagram(IpAddr::V4(V4_SRC), IpAddr::V4(V4_DST), 5353, 53, payload)
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

fn reassembled(r: &DefragResult) -> &[u8] {
    r.reassembled()
        .unwrap_or_else(|| panic!("expected a reassembled packet, got {r:?}"))
}

/// Asserts the rebuilt IPv4 packet decodes into the UDP datagram sent.
fn assert_udp_v4(bytes: &[u8], sent: &[u8]) {
    let d = reassembled_view(bytes, VlanIds::default());
    assert!(d.events.is_empty(), "{:?}", d.events);
    let ip = d.ip.expect("ip layer");
    assert!(ip.fragment.is_none());
    assert!(checksum::ipv4_header_ok(ip.header));
    let v4 = ip.v4.expect("v4 fields");
    assert!(!v4.flag_mf);
    assert_eq!(v4.frag_offset, 0);
    assert_eq!(ip.payload, sent);
    assert!(checksum::transport_ok(ip.src, ip.dst, 17, ip.payload));
    match d.transport {
        Some(Transport::Udp(u)) => assert_eq!((u.sport, u.dport), (5353, 53)),
        other => panic!("expected UDP, got {other:?}"),
    }
    assert_eq!(d.payload, &sent[8..]);
}

#[test]
fn ipv4_in_order_rebuilds_udp_datagram() {
    let sent = udp_v4(&payload(100));
    let mut d = Defragmenter::new(DefragConfig::default());
    let frags = split(&sent, 32);
    assert_eq!(frags.len(), 4);
    for (off, mf, data) in &frags[..3] {
        let r = offer(&mut d, 1, &v4_frag(7, 17, *off, *mf, data));
        assert_eq!(r.status, DefragStatus::Held);
        assert!(r.events.is_empty());
    }
    let (off, mf, data) = &frags[3];
    let r = offer(&mut d, 1, &v4_frag(7, 17, *off, *mf, data));
    let bytes = reassembled(&r);
    assert_eq!(bytes.len(), 20 + sent.len());
    assert_udp_v4(bytes, &sent);
    assert_eq!(d.trackers(), 0);
    assert_eq!(d.memuse(), 0);
    let s = d.stats();
    assert_eq!(
        (s.fragments, s.reassembled, s.overlaps, s.invalid),
        (4, 1, 0, 0)
    );
}

#[test]
fn ipv4_any_order_gives_the_same_packet() {
    let sent = udp_v4(&payload(150));
    let frags = split(&sent, 40);
    let orders: [&[usize]; 4] = [&[0, 1, 2, 3], &[3, 2, 1, 0], &[2, 0, 3, 1], &[1, 3, 0, 2]];
    let mut results = Vec::new();
    for order in orders {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut out = None;
        for (k, &i) in order.iter().enumerate() {
            let (off, mf, data) = &frags[i];
            let r = offer(&mut d, 1, &v4_frag(9, 17, *off, *mf, data));
            if k + 1 < order.len() {
                assert_eq!(r.status, DefragStatus::Held, "order {order:?}");
            } else {
                out = r.reassembled().map(<[u8]>::to_vec);
            }
        }
        let bytes = out.expect("rebuilt");
        assert_udp_v4(&bytes, &sent);
        results.push(bytes);
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn duplicates_raise_overlap_and_cost_nothing() {
    let sent = udp_v4(&payload(60));
    let frags = split(&sent, 24);
    let mut d = Defragmenter::new(DefragConfig::default());
    let (o0, m0, d0) = &frags[0];
    let (o1, m1, d1) = &frags[1];
    offer(&mut d, 1, &v4_frag(3, 17, *o0, *m0, d0));
    let mem = d.memuse();
    let r = offer(&mut d, 1, &v4_frag(3, 17, *o0, *m0, d0));
    assert_eq!(r.status, DefragStatus::Held);
    assert!(r.events.contains(DefragEvent::Ipv4FragOverlap));
    assert_eq!(d.memuse(), mem);
    offer(&mut d, 1, &v4_frag(3, 17, *o1, *m1, d1));
    offer(&mut d, 1, &v4_frag(3, 17, *o1, *m1, d1));
    let (o2, m2, d2) = &frags[2];
    let r = offer(&mut d, 1, &v4_frag(3, 17, *o2, *m2, d2));
    assert_udp_v4(reassembled(&r), &sent);
    assert_eq!(d.stats().overlaps, 2);
    // A retransmission after completion starts a new datagram.
    let r = offer(&mut d, 1, &v4_frag(3, 17, *o2, *m2, d2));
    assert_eq!(r.status, DefragStatus::Held);
    assert_eq!(d.trackers(), 1);
}

#[test]
fn ipv4_options_of_the_first_fragment_are_kept() {
    let sent = udp_v4(&payload(40));
    let mut ip = Ipv4::new(17);
    ip.options = vec![0x44, 4, 5, 0]; // timestamp option
    ip.mf = true;
    let first = pkt::ethernet(0x0800, &ip.build(&sent[..24]));
    let mut d = Defragmenter::new(DefragConfig::default());
    offer(&mut d, 1, &first);
    let r = offer(&mut d, 1, &v4_frag(1, 17, 3, false, &sent[24..]));
    let bytes = reassembled(&r);
    assert_eq!(bytes[0] & 0x0f, 6);
    assert_eq!(bytes.len(), 24 + sent.len());
    assert_eq!(&bytes[20..24], &[0x44, 4, 5, 0]);
    assert_udp_v4(bytes, &sent);
}

#[test]
fn ipv6_fragments_rebuild_without_fragment_header() {
    let body = payload(200);
    let sent = pkt::udp_datagram(IpAddr::V6(v6(1)), IpAddr::V6(v6(2)), 4000, 53, &body);
    let frags = split(&sent, 64);
    for reverse in [false, true] {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut order: Vec<_> = frags.iter().collect();
        if reverse {
            order.reverse();
        }
        let mut last = None;
        for (off, more, data) in order {
            last = Some(offer(
                &mut d,
                1,
                &v6_frag(&[], 0xabcd, 17, *off, *more, data),
            ));
        }
        let r = last.unwrap();
        let bytes = reassembled(&r);
        assert_eq!(bytes.len(), 40 + sent.len());
        assert_eq!(
            bytes[6], 17,
            "next header points past the removed Fragment header"
        );
        assert_eq!(
            u16::from_be_bytes([bytes[4], bytes[5]]) as usize,
            sent.len()
        );
        let dec = reassembled_view(bytes, VlanIds::default());
        let ip = dec.ip.unwrap();
        assert!(ip.fragment.is_none());
        assert!(!ip.v6.unwrap().exts.contains(Ipv6Exts::FRAGMENT));
        assert!(checksum::transport_ok(ip.src, ip.dst, 17, ip.payload));
        assert_eq!(dec.ports(), (4000, 53));
        assert_eq!(dec.payload, &body[..]);
    }
}

#[test]
fn ipv6_hop_by_hop_before_fragment_header_is_kept_and_patched() {
    let hbh = (0u8, vec![1, 4, 0, 0, 0, 0]); // PadN
    let body = payload(90);
    let sent = pkt::udp_datagram(IpAddr::V6(v6(1)), IpAddr::V6(v6(2)), 1, 2, &body);
    let mut d = Defragmenter::new(DefragConfig::default());
    let r = offer(
        &mut d,
        1,
        &v6_frag(std::slice::from_ref(&hbh), 5, 17, 6, false, &sent[48..]),
    );
    assert_eq!(r.status, DefragStatus::Held);
    let r = offer(&mut d, 1, &v6_frag(&[hbh], 5, 17, 0, true, &sent[..48]));
    let bytes = reassembled(&r);
    assert_eq!(bytes.len(), 40 + 8 + sent.len());
    assert_eq!(bytes[6], 0, "fixed header still names hop-by-hop");
    assert_eq!(bytes[40], 17, "hop-by-hop now names UDP");
    assert_eq!(
        u16::from_be_bytes([bytes[4], bytes[5]]) as usize,
        8 + sent.len()
    );
    let dec = reassembled_view(bytes, VlanIds::default());
    let ip = dec.ip.unwrap();
    let exts = ip.v6.unwrap().exts;
    assert!(exts.contains(Ipv6Exts::HOP_BY_HOP) && !exts.contains(Ipv6Exts::FRAGMENT));
    assert_eq!(ip.proto, 17);
    assert_eq!(dec.payload, &body[..]);
}

#[test]
fn ipv6_destination_options_after_fragment_header_stay_in_the_data() {
    // Fragmentable part: destination options (8 bytes) + UDP.
    let udp = pkt::udp_datagram(IpAddr::V6(v6(1)), IpAddr::V6(v6(2)), 7, 9, &payload(30));
    let mut part = vec![17, 0, 1, 4, 0, 0, 0, 0];
    part.extend_from_slice(&udp);
    let mut d = Defragmenter::new(DefragConfig::default());
    offer(&mut d, 1, &v6_frag(&[], 77, 60, 0, true, &part[..32]));
    let r = offer(&mut d, 1, &v6_frag(&[], 77, 60, 4, false, &part[32..]));
    let dec = reassembled_view(reassembled(&r), VlanIds::default());
    let ip = dec.ip.unwrap();
    assert!(ip.v6.unwrap().exts.contains(Ipv6Exts::DEST_OPTS));
    assert_eq!(dec.ports(), (7, 9));
}

#[test]
fn non_fragments_and_atomic_fragments_pass_through() {
    let mut d = Defragmenter::new(DefragConfig::default());
    let plain = pkt::eth_ipv4_udp([1, 1, 1, 1], [2, 2, 2, 2], 1, 2, b"x");
    assert_eq!(offer(&mut d, 1, &plain).status, DefragStatus::NotFragment);
    let atomic = v6_frag(&[], 1, 17, 0, false, &[0; 16]);
    assert_eq!(offer(&mut d, 1, &atomic).status, DefragStatus::NotFragment);
    assert_eq!(d.stats().fragments, 0);
}

#[test]
fn raw_ip_link_works_too() {
    let sent = udp_v4(&payload(20));
    let mut d = Defragmenter::new(DefragConfig::default());
    let mut ip = Ipv4::new(17);
    ip.mf = true;
    offer_link(&mut d, 1, LinkType::Raw, &ip.build(&sent[..16]));
    ip.mf = false;
    ip.frag_offset = 2;
    let r = offer_link(&mut d, 1, LinkType::Raw, &ip.build(&sent[16..]));
    assert_udp_v4(reassembled(&r), &sent);
}

#[test]
fn vlans_keep_datagrams_apart() {
    let sent = udp_v4(&payload(20));
    let first = Ipv4 {
        mf: true,
        ..Ipv4::new(17)
    }
    .build(&sent[..16]);
    let last = Ipv4 {
        frag_offset: 2,
        ..Ipv4::new(17)
    }
    .build(&sent[16..]);
    let mut d = Defragmenter::new(DefragConfig::default());
    offer(
        &mut d,
        1,
        &pkt::ethernet_vlan(&[(0x8100, 10)], 0x0800, &first),
    );
    let r = offer(
        &mut d,
        1,
        &pkt::ethernet_vlan(&[(0x8100, 20)], 0x0800, &last),
    );
    assert_eq!(r.status, DefragStatus::Held);
    let r = offer(
        &mut d,
        1,
        &pkt::ethernet_vlan(&[(0x8100, 10)], 0x0800, &last),
    );
    let bytes = reassembled(&r).to_vec();
    let mut vlan = VlanIds::default();
    vlan.push(10);
    let dec = reassembled_view(&bytes, vlan);
    assert_eq!(dec.vlan.outer(), Some(10));
    let view = view_reassembled(&dec, FlowInfo::default(), true).unwrap();
    assert!(view.is_fragment);
    assert_eq!(view.dport, 53);
}

#[test]
fn trackers_time_out_in_packet_time() {
    let sent = udp_v4(&payload(20));
    let cfg = DefragConfig {
        timeout_secs: 60,
        ..DefragConfig::default()
    };
    let mut d = Defragmenter::new(cfg);
    offer(&mut d, 100, &v4_frag(1, 17, 0, true, &sent[..16]));
    assert_eq!(d.expire(ts(159)), 0);
    let r = offer(&mut d, 159, &v4_frag(1, 17, 2, false, &sent[16..]));
    assert!(r.reassembled().is_some(), "59 s later is still in time");

    offer(&mut d, 200, &v4_frag(2, 17, 0, true, &sent[..16]));
    // Out-of-order packet time does not move the clock back.
    assert_eq!(d.expire(ts(10)), 0);
    let r = offer(&mut d, 260, &v4_frag(2, 17, 2, false, &sent[16..]));
    assert_eq!(r.status, DefragStatus::Held, "the first fragment timed out");
    assert_eq!(d.stats().timeouts, 1);
    assert_eq!(d.expire(ts(400)), 1);
    assert_eq!((d.trackers(), d.memuse()), (0, 0));
}

#[test]
fn memcap_drops_new_fragments() {
    let cfg = DefragConfig {
        memcap: 3 * 1024,
        ..DefragConfig::default()
    };
    let mut d = Defragmenter::new(cfg);
    let chunk = [0u8; 1000];
    let mut dropped = 0;
    for i in 0..5u16 {
        let r = offer(&mut d, 1, &v4_frag(1, 17, i * 125, true, &chunk));
        if r.status == DefragStatus::Dropped(DropReason::Memcap) {
            assert!(r.events.contains(DefragEvent::Ipv4FragIgnored));
            dropped += 1;
        }
        assert!(d.memuse() <= cfg.memcap);
    }
    assert!(dropped >= 2, "{dropped}");
    assert_eq!(d.stats().memcap_drops, dropped);
    // A new datagram that does not fit is refused without leaving a tracker.
    let trackers = d.trackers();
    let r = offer(&mut d, 1, &v4_frag(2, 17, 0, true, &chunk));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::Memcap));
    assert_eq!(d.trackers(), trackers);
}

#[test]
fn max_frags_per_tracker_is_enforced() {
    let cfg = DefragConfig {
        max_frags_per_tracker: 4,
        ..DefragConfig::default()
    };
    let mut d = Defragmenter::new(cfg);
    for i in 0..4u16 {
        let r = offer(&mut d, 1, &v4_frag(1, 17, i, true, &[1; 8]));
        assert_eq!(r.status, DefragStatus::Held);
    }
    let r = offer(&mut d, 1, &v4_frag(1, 17, 4, false, &[1; 8]));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::MaxFrags));
    assert!(r.events.contains(DefragEvent::Ipv4FragIgnored));
    assert_eq!(d.stats().max_frag_hits, 1);
    // A duplicate costs no slot, so it is still accepted.
    let r = offer(&mut d, 1, &v4_frag(1, 17, 3, true, &[1; 8]));
    assert_eq!(r.status, DefragStatus::Held);
}

#[test]
fn oldest_tracker_is_evicted() {
    let cfg = DefragConfig {
        max_trackers: 2,
        ..DefragConfig::default()
    };
    let sent = udp_v4(&payload(20));
    let mut d = Defragmenter::new(cfg);
    for (id, secs) in [(1u16, 1), (2, 2), (3, 3)] {
        offer(&mut d, secs, &v4_frag(id, 17, 0, true, &sent[..16]));
    }
    assert_eq!(d.trackers(), 2);
    assert_eq!(d.stats().trackers_evicted, 1);
    let r = offer(&mut d, 4, &v4_frag(1, 17, 2, false, &sent[16..]));
    assert_eq!(r.status, DefragStatus::Held, "datagram 1 was evicted");
    let r = offer(&mut d, 4, &v4_frag(3, 17, 2, false, &sent[16..]));
    assert!(r.reassembled().is_some());
    let mut none = Defragmenter::new(DefragConfig {
        max_trackers: 0,
        ..cfg
    });
    let r = offer(&mut none, 1, &v4_frag(1, 17, 0, true, &sent[..16]));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::NoTracker));
    assert!(r.events.contains(DefragEvent::Ipv4FragIgnored));
}

#[test]
fn invalid_fragments_raise_named_events() {
    let mut d = Defragmenter::new(DefragConfig::default());
    // Suricata's DefragIPv4TooLargeTest: offset 8183, 71 bytes.
    let r = offer(&mut d, 1, &v4_frag(1, 1, 8183, false, &[b'A'; 71]));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::TooLarge));
    assert!(r.events.contains(DefragEvent::Ipv4FragPktTooLarge));
    let r = offer(&mut d, 1, &v6_frag(&[], 1, 17, 8190, true, &[0; 24]));
    assert!(r.events.contains(DefragEvent::Ipv6FragPktTooLarge));
    let r = offer(&mut d, 1, &v4_frag(2, 17, 0, true, &[0; 13]));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::InvalidLength));
    assert!(r.events.contains(DefragEvent::Ipv4FragInvalidLength));
    let r = offer(&mut d, 1, &v6_frag(&[], 2, 17, 0, true, &[0; 13]));
    assert!(r.events.contains(DefragEvent::Ipv6FragInvalidLength));
    // Suricata's DefragIPv4NoDataTest: offset > 0, last, no data.
    let r = offer(&mut d, 1, &v4_frag(3, 1, 1, false, &[]));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::Empty));
    assert!(r.events.is_empty());
    assert_eq!(d.trackers(), 0);

    // Beyond the end: data past the last fragment, and a second end.
    offer(&mut d, 1, &v4_frag(4, 17, 0, true, &[0; 16]));
    offer(&mut d, 1, &v4_frag(4, 17, 4, false, &[0; 8]));
    let r = offer(&mut d, 1, &v4_frag(4, 17, 6, true, &[0; 8]));
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::BeyondEnd));
    assert!(r.events.contains(DefragEvent::Ipv4FragBeyondEnd));
    let r = offer(&mut d, 1, &v4_frag(4, 17, 3, false, &[0; 4]));
    assert!(r.events.contains(DefragEvent::Ipv4FragBeyondEnd));
    assert!(!r.events.contains(DefragEvent::Ipv4FragOverlap));
    assert_eq!(d.stats().invalid, 7);
}

#[test]
fn truncated_fragments_are_dropped_quietly() {
    let frame = v4_frag(1, 17, 0, true, &[0; 64]);
    let raw = RawPacket {
        ts: ts(1),
        caplen: 60,
        origlen: frame.len() as u32,
        data: &frame[..60],
        linktype: LinkType::Ethernet,
        pcap_cnt: 1,
        file_index: 0,
    };
    let dec = decode(&raw);
    assert!(dec.ip.unwrap().payload_truncated);
    let mut d = Defragmenter::new(DefragConfig::default());
    let r = d.insert(ts(1), &frame[..60], &dec);
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::Truncated));
    // A frame that is not the one decoded is refused the same way.
    let full = decode(&RawPacket {
        data: &frame,
        caplen: frame.len() as u32,
        ..raw
    });
    let other = frame.clone();
    let r = d.insert(ts(1), &other, &full);
    assert_eq!(r.status, DefragStatus::Dropped(DropReason::Truncated));
}

/// A VXLAN datagram that arrived in fragments is recognised by the run's
/// decoder settings (here VXLAN on port 8472 only), as it would be whole.
#[test]
fn reassembled_tunnel_datagram_uses_the_runs_decoder_settings() {
    let inner = Ipv4::new(6).build(&[0u8; 20]);
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 0x2a, 0];
    vx.extend_from_slice(&pkt::ethernet(0x0800, &inner));
    let sent = pkt::udp_datagram(IpAddr::V4(V4_SRC), IpAddr::V4(V4_DST), 49152, 8472, &vx);
    let mut d = Defragmenter::new(DefragConfig::default());
    let mut rebuilt = None;
    for (off, mf, data) in split(&sent, 32) {
        if let DefragStatus::Reassembled(b) =
            offer(&mut d, 1, &v4_frag(9, 17, off, mf, &data)).status
        {
            rebuilt = Some(b);
        }
    }
    let bytes = rebuilt.expect("reassembled");
    let cfg = crate::decode::DecodeConfig {
        vxlan_ports: crate::decode::PortSet::of(&[8472]),
        ..crate::decode::DecodeConfig::default()
    };
    let with = reassembled_view_with(&bytes, VlanIds::default(), &cfg);
    assert!(with.encap.is_some(), "VXLAN on the configured port");
    // The default ports (4789) do not include 8472: plain UDP.
    let without = reassembled_view(&bytes, VlanIds::default());
    assert!(without.encap.is_none());
    assert_eq!(without.payload, &vx[..]);
}
