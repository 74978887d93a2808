//! Flow table tests.

use std::net::Ipv4Addr;

use super::*;
use crate::capture::{LinkType, RawPacket};
use crate::decode::decode;
use crate::testutil::pkt;

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
const C: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3));

const SYN: u8 = tcp_flags::SYN;
const SYNACK: u8 = tcp_flags::SYN | tcp_flags::ACK;
const ACK: u8 = tcp_flags::ACK;
const FIN: u8 = tcp_flags::FIN | tcp_flags::ACK;

fn key(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, proto: u8) -> FlowKey {
    FlowKey {
        src,
        dst,
        sport,
        dport,
        proto,
        vlan: 0,
    }
}

fn at(secs: i64) -> Timestamp {
    Timestamp::new(secs, 0)
}

fn meta(secs: i64, tcp_flags: Option<u8>) -> PacketMeta {
    PacketMeta {
        ts: at(secs),
        tcp_flags,
        len: 100,
        quoted: false,
    }
}

/// Feeds a packet and returns (direction, established, flow id).
fn feed(t: &mut FlowTable, k: &FlowKey, m: PacketMeta) -> (Direction, bool, u64) {
    let (f, dir) = t.lookup_or_create(k, &m);
    (dir, f.info(dir).established, f.flow_id)
}

#[test]
fn udp_client_is_first_sender_and_established_needs_both_ways() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let ab = key(A, 5000, B, 53, ipproto::UDP);
    let (dir, est, id) = feed(&mut t, &ab, meta(0, None));
    assert_eq!((dir, est), (Direction::ToServer, false));
    let (dir, est, id2) = feed(&mut t, &ab, meta(1, None));
    assert_eq!((dir, est, id2), (Direction::ToServer, false, id));
    let (dir, est, id3) = feed(&mut t, &ab.reversed(), meta(2, None));
    assert_eq!((dir, est, id3), (Direction::ToClient, true, id));
    let info = t.flow_info(&ab).unwrap();
    assert!(info.to_server && info.established && !info.from_stream);
    assert!(!t.flow_info(&ab.reversed()).unwrap().to_server);
    assert_eq!(t.len(), 1);
    let flows = t.drain();
    assert_eq!(flows.len(), 1);
    let f = &flows[0];
    assert_eq!((f.pkts_toserver, f.pkts_toclient), (2, 1));
    assert_eq!((f.bytes_toserver, f.bytes_toclient), (200, 100));
    assert_eq!((f.first_ts, f.last_ts), (at(0), at(2)));
    assert_eq!(f.key, ab);
}

#[test]
fn tcp_three_way_handshake() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let cs = key(A, 40000, B, 80, ipproto::TCP);
    let sc = cs.reversed();
    assert_eq!(feed(&mut t, &cs, meta(0, Some(SYN))).0, Direction::ToServer);
    assert_eq!(state(&t, &cs), Some(TcpState::SynSent));
    let (dir, est, _) = feed(&mut t, &sc, meta(0, Some(SYNACK)));
    assert_eq!((dir, est), (Direction::ToClient, false));
    assert_eq!(state(&t, &cs), Some(TcpState::SynRecv));
    // The ACK completing the handshake is not itself "established" for
    // the flow keyword (Suricata evaluates the state before the packet).
    let (dir, est, _) = feed(&mut t, &cs, meta(0, Some(ACK)));
    assert_eq!((dir, est), (Direction::ToServer, false));
    assert_eq!(state(&t, &cs), Some(TcpState::Established));
    assert_eq!(
        feed(&mut t, &sc, meta(1, Some(ACK))),
        (Direction::ToClient, true, id_of(&t, &cs))
    );
    // Closing keeps "established" for the flow keyword.
    feed(&mut t, &cs, meta(2, Some(FIN)));
    assert_eq!(state(&t, &cs), Some(TcpState::Established));
    let (_, est, _) = feed(&mut t, &sc, meta(2, Some(FIN)));
    assert!(est);
    assert_eq!(state(&t, &cs), Some(TcpState::Closed));
    let f = &t.drain()[0];
    assert_eq!(f.tcp_flags_toserver, SYN | ACK | tcp_flags::FIN);
    assert_eq!(f.tcp_flags_toclient, SYNACK | tcp_flags::FIN);
}

fn state(t: &FlowTable, k: &FlowKey) -> Option<TcpState> {
    t.flows.get(&k.normalise().0).and_then(|f| f.tcp_state)
}

fn id_of(t: &FlowTable, k: &FlowKey) -> u64 {
    t.flows.get(&k.normalise().0).map_or(0, |f| f.flow_id)
}

#[test]
fn syn_ack_first_makes_its_receiver_the_client() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let server_to_client = key(B, 443, A, 50000, ipproto::TCP);
    let (dir, est, _) = feed(&mut t, &server_to_client, meta(0, Some(SYNACK)));
    assert_eq!((dir, est), (Direction::ToClient, false));
    let (dir, est, _) = feed(&mut t, &server_to_client.reversed(), meta(0, Some(ACK)));
    assert_eq!((dir, est), (Direction::ToServer, false));
    let (_, est, _) = feed(&mut t, &server_to_client, meta(0, Some(ACK)));
    assert!(est);
    let f = &t.drain()[0];
    assert_eq!(
        (f.key.src, f.key.sport, f.key.dst, f.key.dport),
        (A, 50000, B, 443)
    );
}

#[test]
fn midstream_pickup_is_established_once_seen_both_ways() {
    let mut t: FlowTable = FlowTable::new(FlowConfig {
        midstream: true,
        ..FlowConfig::default()
    });
    let ab = key(A, 1234, B, 22, ipproto::TCP);
    let (dir, est, _) = feed(&mut t, &ab, meta(0, Some(ACK | tcp_flags::PSH)));
    assert_eq!((dir, est), (Direction::ToServer, false));
    assert_eq!(state(&t, &ab), Some(TcpState::New));
    let (dir, est, _) = feed(&mut t, &ab.reversed(), meta(0, Some(ACK)));
    assert_eq!((dir, est), (Direction::ToClient, false));
    let (_, est, _) = feed(&mut t, &ab, meta(0, Some(ACK)));
    assert!(est);
}

#[test]
fn without_midstream_no_handshake_is_never_established() {
    // Suricata's default (stream.midstream: false).
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let ab = key(A, 1234, B, 22, ipproto::TCP);
    feed(&mut t, &ab, meta(0, Some(ACK | tcp_flags::PSH)));
    let (_, est, _) = feed(&mut t, &ab.reversed(), meta(0, Some(ACK)));
    assert!(!est);
    assert_eq!(state(&t, &ab), Some(TcpState::New));
}

/// Without mid-stream pick-up, a flow that starts without a SYN has no
/// TCP session (Suricata's default): a RST does not close it and its
/// flags are not recorded (the corpus' FIN/Xmas scans: Suricata logs them
/// `new` with flags `00`).
#[test]
fn a_flow_without_a_syn_has_no_session() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let ab = key(A, 1, B, 2, ipproto::TCP);
    let xmas = tcp_flags::FIN | tcp_flags::PSH | tcp_flags::URG;
    feed(&mut t, &ab, meta(0, Some(xmas)));
    feed(&mut t, &ab.reversed(), meta(0, Some(tcp_flags::RST | ACK)));
    assert_eq!(state(&t, &ab), Some(TcpState::New));
    let f = t.drain().pop().unwrap();
    assert_eq!((f.pkts_toserver, f.pkts_toclient), (1, 1));
    assert_eq!((f.tcp_flags_toserver, f.tcp_flags_toclient), (0, 0));
    // Nor does a SYN that also carries FIN.
    let cd = key(A, 3, B, 4, ipproto::TCP);
    feed(&mut t, &cd, meta(0, Some(SYN | tcp_flags::FIN)));
    feed(&mut t, &cd.reversed(), meta(0, Some(tcp_flags::RST | ACK)));
    assert_eq!(state(&t, &cd), Some(TcpState::New));
}

#[test]
fn tcp_timeouts_by_state() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let ab = key(A, 1, B, 2, ipproto::TCP);
    let (_, _, first) = feed(&mut t, &ab, meta(0, Some(SYN)));
    // Handshake never completes: 30 s "new" timeout.
    let (_, _, second) = feed(&mut t, &ab, meta(31, Some(SYN)));
    assert_ne!(first, second);
    assert_eq!(t.stats().timed_out, 1);
    assert_eq!(t.take_ended().len(), 1);
    feed(&mut t, &ab.reversed(), meta(31, Some(SYNACK)));
    feed(&mut t, &ab, meta(31, Some(ACK)));
    // Established: 600 s.
    let (_, est, id) = feed(&mut t, &ab, meta(600, Some(ACK)));
    assert!(est);
    assert_eq!(id, second);
    let (_, est, id) = feed(&mut t, &ab, meta(1201, Some(SYN)));
    assert!(!est);
    assert_ne!(id, second);
    // Closed by RST: 10 s.
    feed(&mut t, &ab, meta(1202, Some(tcp_flags::RST)));
    assert_eq!(state(&t, &ab), Some(TcpState::Closed));
    let (_, _, after) = feed(&mut t, &ab, meta(1213, Some(ACK)));
    assert_ne!(after, id);
    assert_eq!(t.stats().timed_out, 3);
}

#[test]
fn udp_and_icmp_timeouts() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let u = key(A, 1, B, 2, ipproto::UDP);
    let (_, _, id) = feed(&mut t, &u, meta(0, None));
    assert_eq!(
        feed(&mut t, &u, meta(30, None)).2,
        id,
        "30 s is not past the timeout"
    );
    feed(&mut t, &u.reversed(), meta(31, None));
    // Established UDP lives 120 s.
    assert_eq!(feed(&mut t, &u, meta(150, None)).2, id);
    assert_ne!(feed(&mut t, &u, meta(271, None)).2, id);

    let i = key(A, 7, B, 7, ipproto::ICMP);
    let (_, _, id) = feed(&mut t, &i, meta(300, None));
    feed(&mut t, &i.reversed(), meta(301, None));
    assert_ne!(feed(&mut t, &i, meta(332, None)).2, id);
}

#[test]
fn idle_flows_end_on_the_owners_clock_not_at_other_packets() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    feed(&mut t, &key(A, 1, B, 2, ipproto::UDP), meta(0, None));
    feed(&mut t, &key(A, 3, B, 4, ipproto::TCP), meta(0, Some(SYN)));
    feed(&mut t, &key(A, 5, C, 6, ipproto::UDP), meta(20, None));
    // Another flow's packet at t=40 leaves the two idle ones alone: which
    // packets reach a table depends on the number of workers.
    feed(&mut t, &key(C, 9, B, 9, ipproto::UDP), meta(40, None));
    assert_eq!(t.len(), 4);
    assert!(t.take_ended().is_empty());
    // The owner's clock at t=40 ends them.
    t.expire(at(40));
    assert_eq!(t.len(), 2);
    let ended = t.take_ended();
    assert_eq!(ended.len(), 2);
    assert!(ended.iter().all(|f| f.first_ts == at(0)));
    t.expire(at(1000));
    assert!(t.is_empty());
    assert_eq!(t.stats().timed_out, 4);
}

#[test]
fn closing_shortens_the_sweep_deadline() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let ab = key(A, 1, B, 2, ipproto::TCP);
    feed(&mut t, &ab, meta(0, Some(SYN)));
    feed(&mut t, &ab.reversed(), meta(0, Some(SYNACK)));
    feed(&mut t, &ab, meta(0, Some(ACK)));
    // The sweep at t=40 re-queues the established flow (deadline 600).
    t.expire(at(40));
    feed(&mut t, &ab, meta(50, Some(tcp_flags::RST)));
    // Closed at 50: the sweep at 61 ends it.
    t.expire(at(61));
    assert!(t.flow_info(&ab).is_none());
    assert_eq!(t.take_ended().len(), 1);
}

#[test]
fn a_full_table_sweeps_before_evicting() {
    let mut t: FlowTable = FlowTable::new(FlowConfig {
        max_flows: 2,
        ..FlowConfig::default()
    });
    feed(&mut t, &key(A, 1, B, 2, ipproto::UDP), meta(0, None));
    feed(&mut t, &key(A, 3, B, 4, ipproto::UDP), meta(140, None));
    // The first flow timed out by 150: it makes room, nothing is evicted.
    feed(&mut t, &key(A, 5, B, 6, ipproto::UDP), meta(150, None));
    assert_eq!(t.len(), 2);
    assert_eq!(t.stats().timed_out, 1);
    assert_eq!(t.stats().evicted_full, 0);
}

#[test]
fn full_table_evicts_least_recently_active() {
    let cfg = FlowConfig {
        max_flows: 2,
        ..FlowConfig::default()
    };
    let mut t: FlowTable = FlowTable::new(cfg);
    let f1 = key(A, 1, B, 1, ipproto::UDP);
    let f2 = key(A, 2, B, 2, ipproto::UDP);
    let f3 = key(A, 3, B, 3, ipproto::UDP);
    feed(&mut t, &f1, meta(0, None));
    feed(&mut t, &f2, meta(1, None));
    feed(&mut t, &f1, meta(2, None));
    feed(&mut t, &f3, meta(3, None));
    assert_eq!(t.len(), 2);
    assert_eq!(t.stats().evicted_full, 1);
    let ended = t.take_ended();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].key, f2);
    assert!(t.flow_info(&f1).is_some() && t.flow_info(&f2).is_none());
}

#[test]
fn closed_tcp_flow_is_replaced_by_a_new_syn() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let ab = key(A, 1, B, 2, ipproto::TCP);
    let (_, _, id) = feed(&mut t, &ab, meta(0, Some(SYN)));
    feed(&mut t, &ab.reversed(), meta(0, Some(tcp_flags::RST | ACK)));
    let (dir, est, id2) = feed(&mut t, &ab, meta(1, Some(SYN)));
    assert_eq!((dir, est), (Direction::ToServer, false));
    assert_ne!(id, id2);
    assert_eq!(t.stats().reused, 1);
}

#[test]
fn flow_id_is_stable_symmetric_and_51_bits() {
    let mut t1 = FlowTable::new(FlowConfig::default());
    let mut t2 = FlowTable::new(FlowConfig::default());
    let ab = key(A, 1000, B, 80, ipproto::TCP);
    let (_, _, x) = feed(&mut t1, &ab, meta(5, Some(SYN)));
    let (_, _, y) = feed(&mut t2, &ab.reversed(), meta(5, Some(SYN)));
    assert_eq!(x, y, "same tuple and time from either side");
    assert!(x > 0 && x <= FLOW_ID_MASK);
    let mut t3 = FlowTable::new(FlowConfig::default());
    assert_ne!(feed(&mut t3, &ab, meta(6, Some(SYN))).2, x);
    let mut tagged = ab;
    tagged.vlan = 10;
    assert_ne!(feed(&mut t3, &tagged, meta(5, Some(SYN))).2, x);
    assert_eq!(t3.len(), 2, "VLAN separates flows");
}

#[test]
fn drain_orders_by_first_packet_time() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    feed(&mut t, &key(A, 3, B, 3, ipproto::UDP), meta(3, None));
    feed(&mut t, &key(A, 1, B, 1, ipproto::UDP), meta(1, None));
    feed(&mut t, &key(A, 2, B, 2, ipproto::UDP), meta(2, None));
    let order: Vec<i64> = t.drain().iter().map(|f| f.first_ts.secs).collect();
    assert_eq!(order, [1, 2, 3]);
    assert!(t.is_empty());
}

#[test]
fn heaps_stay_bounded_under_flow_churn() {
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    for i in 0..20_000u32 {
        let k = key(A, (i % 60_000) as u16, B, 53, ipproto::UDP);
        // The owner's clock ticks every 64 packets, as a worker's rounds do.
        if i % 64 == 0 {
            t.expire(at(i64::from(i) * 40));
        }
        feed(&mut t, &k, meta(i64::from(i) * 40, None));
    }
    assert!(t.len() <= 65);
    assert!(t.by_activity.len() <= 2 * t.len() + 1025);
    assert!(t.by_deadline.len() <= 2 * t.len() + 1025);
}

#[test]
fn icmp_echo_request_and_reply_share_a_flow() {
    let req = pkt::eth_ipv4_icmp_echo([1, 1, 1, 1], [2, 2, 2, 2], 77, 1, b"");
    let mut rep = pkt::Ipv4::new(1);
    rep.src = Ipv4Addr::new(2, 2, 2, 2);
    rep.dst = Ipv4Addr::new(1, 1, 1, 1);
    let rep = rep.build(&pkt::icmpv4(0, 0, 77, 1, b""));
    fn raw(linktype: LinkType, data: &[u8]) -> RawPacket<'_> {
        RawPacket {
            ts: at(0),
            caplen: data.len() as u32,
            origlen: data.len() as u32,
            data,
            linktype,
            pcap_cnt: 1,
            file_index: 0,
        }
    }
    let d1 = decode(&raw(LinkType::Ethernet, &req));
    let d2 = decode(&raw(LinkType::Raw, &rep));
    let k1 = FlowKey::from_decoded(&d1).unwrap();
    let k2 = FlowKey::from_decoded(&d2).unwrap();
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let m1 = PacketMeta::from_decoded(at(0), &d1, 42);
    let m2 = PacketMeta::from_decoded(at(0), &d2, 28);
    feed(&mut t, &k1, m1);
    let (dir, est, _) = feed(&mut t, &k2, m2);
    assert_eq!((dir, est), (Direction::ToClient, true));
    assert_eq!(t.len(), 1);
    // Another ping (new identifier, another code) joins the same flow, as
    // in Suricata, whose ICMP flows are per address pair...
    let again = pkt::Ipv4::new(1).build(&pkt::icmpv4(8, 9, 78, 2, b""));
    let d3 = decode(&raw(LinkType::Raw, &again));
    let mut k3 = FlowKey::from_decoded(&d3).unwrap();
    (k3.src, k3.dst) = (k1.src, k1.dst);
    assert_eq!(k3, k1);
    // ...but an error message is not filed with them.
    let unreach = pkt::Ipv4::new(1).build(&pkt::icmpv4(3, 3, 0, 0, b""));
    let d4 = decode(&raw(LinkType::Raw, &unreach));
    let mut k4 = FlowKey::from_decoded(&d4).unwrap();
    (k4.src, k4.dst) = (k1.src, k1.dst);
    assert_ne!(k4, k1);
}

#[test]
fn swap_direction_turns_the_flow_round() {
    let mut t: FlowTable = FlowTable::new(FlowConfig {
        midstream: true,
        ..FlowConfig::default()
    });
    // The capture starts with the server's reply: its sender looks like the client.
    let server_to_client = key(B, 80, A, 40000, ipproto::TCP);
    let (dir, _, _) = feed(
        &mut t,
        &server_to_client,
        meta(0, Some(ACK | tcp_flags::PSH)),
    );
    assert_eq!(dir, Direction::ToServer);
    let (f, _) = t.lookup_or_create(&server_to_client.reversed(), &meta(0, Some(ACK)));
    assert_eq!((f.pkts_toserver, f.pkts_toclient), (1, 1));
    f.swap_direction();
    assert_eq!(
        (f.key.src, f.key.sport, f.key.dst, f.key.dport),
        (A, 40000, B, 80)
    );
    // Later packets take the corrected direction.
    let (dir, _, _) = feed(&mut t, &server_to_client, meta(1, Some(ACK)));
    assert_eq!(dir, Direction::ToClient);
    let f = &t.drain()[0];
    assert_eq!((f.pkts_toserver, f.pkts_toclient), (1, 2));
}

/// EVE names the half-closed states as Suricata does, from the server's
/// side: the client's FIN alone is `close_wait`, the server's `fin_wait1`.
#[test]
fn half_closed_sessions_are_named_as_suricata_names_them() {
    for (first_fin_to_server, name) in [(true, "close_wait"), (false, "fin_wait1")] {
        let mut t: FlowTable = FlowTable::new(FlowConfig::default());
        let cs = key(A, 40000, B, 80, ipproto::TCP);
        let sc = cs.reversed();
        feed(&mut t, &cs, meta(0, Some(SYN)));
        feed(&mut t, &sc, meta(0, Some(SYNACK)));
        feed(&mut t, &cs, meta(0, Some(ACK)));
        let fin = if first_fin_to_server { &cs } else { &sc };
        feed(&mut t, fin, meta(1, Some(FIN | ACK)));
        feed(&mut t, &fin.reversed(), meta(1, Some(ACK)));
        let f = &t.drain()[0];
        assert_eq!(f.tcp_state_name(), Some(name));
    }
    let mut t: FlowTable = FlowTable::new(FlowConfig::default());
    let cs = key(A, 40001, B, 80, ipproto::TCP);
    feed(&mut t, &cs, meta(0, Some(SYN)));
    assert_eq!(t.drain()[0].tcp_state_name(), Some("syn_sent"));
}

/// With `vlan.use-for-tracking` off, the two directions of a conversation
/// tagged with different VLAN ids are one flow; with it on, two.
#[test]
fn vlan_tracking_can_be_turned_off() {
    for (tracking, flows) in [(true, 2), (false, 1)] {
        let cfg = FlowConfig {
            vlan_tracking: tracking,
            ..FlowConfig::default()
        };
        let mut t: FlowTable = FlowTable::new(cfg);
        let mut cs = key(A, 40000, B, 80, ipproto::TCP);
        cs.vlan = 10;
        let mut sc = cs.reversed();
        sc.vlan = 20;
        feed(&mut t, &cs, meta(0, Some(SYN)));
        let (dir, _, _) = feed(&mut t, &sc, meta(0, Some(SYNACK)));
        assert_eq!(t.len(), flows, "tracking {tracking}");
        if !tracking {
            assert_eq!(dir, Direction::ToClient);
        }
    }
}

#[test]
fn quoted_packets_of_icmp_errors() {
    // IPv4 header (20 bytes, UDP) and the first UDP bytes: ports 40000 -> 5353.
    let mut v4 = vec![
        0x45, 0, 0, 33, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    v4.extend_from_slice(&[0x9c, 0x40, 0x14, 0xe9, 0, 13, 0, 0]);
    let q = quoted_v4(&v4).unwrap();
    assert_eq!((q.2, q.3, q.4), (40000, 5353, 17));
    // Truncated or not TCP/UDP: nothing.
    assert!(quoted_v4(&v4[..21]).is_none());
    let mut icmp = v4.clone();
    icmp[9] = 1;
    assert!(quoted_v4(&icmp).is_none());
    // IPv6: 40-byte header, next header TCP, ports 443 -> 50000.
    let mut v6 = vec![0x60, 0, 0, 0, 0, 20, 6, 64];
    v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    v6.extend_from_slice(&[0x01, 0xbb, 0xc3, 0x50]);
    let q = quoted_v6(&v6).unwrap();
    assert_eq!((q.2, q.3, q.4), (443, 50000, 6));
    assert!(quoted_v6(&v6[..41]).is_none());
    assert!(quoted_v6(&[]).is_none() && quoted_v4(&[]).is_none());
}
