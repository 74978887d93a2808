//! Tunnelled traffic through the binary: one HTTP conversation each inside
//! GRE, VXLAN and a PPPoE session, generated here. The inner flows must be
//! tracked, parsed and alerted on like plain ones, with the carrier's
//! packet number and (for real tunnels) a `tunnel` object; the carriers
//! must not be inspected for the bytes they carry.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::Value;

use super::common::*;

const RULES: &str = "\
alert http any any -> any any (msg:\"tunnelled uri\"; http.uri; content:\"/tunnel-evil\"; sid:10;)\n\
alert tcp any any -> any 80 (msg:\"tunnelled bytes\"; flow:established,to_server; content:\"tunnel-evil\"; sid:11;)\n\
alert ip any any -> any any (msg:\"gre carrier\"; ip_proto:47; sid:12;)\n\
alert udp any any -> any 4789 (msg:\"vxlan carrier payload\"; content:\"tunnel-evil\"; sid:13;)\n";

const REQUEST: &[u8] = b"GET /tunnel-evil HTTP/1.1\r\nHost: inner.example\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Carrier endpoints (GRE and VXLAN): the tunnel's two ends.
const END_A: [u8; 4] = [192, 0, 2, 1];
const END_B: [u8; 4] = [192, 0, 2, 2];

/// Inner clients, one per tunnel, all talking to the same server.
const GRE_CLIENT: [u8; 4] = [10, 1, 0, 1];
const VXLAN_CLIENT: [u8; 4] = [10, 2, 0, 1];
const PPPOE_CLIENT: [u8; 4] = [10, 3, 0, 1];
const SERVER_IP: [u8; 4] = [10, 9, 0, 80];

/// One inner IPv4 packet and which way it goes.
struct InnerPacket {
    to_server: bool,
    ip: Vec<u8>,
}

/// An HTTP conversation client:40000 ↔ server:80 as IPv4 packets:
/// handshake, request, response, acknowledgement, FIN both ways.
fn conversation(client: [u8; 4]) -> Vec<InnerPacket> {
    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const PSH: u8 = 0x08;
    const FIN: u8 = 0x01;
    let (rq, rs) = (REQUEST.len() as u32, RESPONSE.len() as u32);
    let steps: [(bool, u8, u32, u32, &[u8]); 9] = [
        (true, SYN, 100, 0, b""),
        (false, SYN | ACK, 500, 101, b""),
        (true, ACK, 101, 501, b""),
        (true, ACK | PSH, 101, 501, REQUEST),
        (false, ACK | PSH, 501, 101 + rq, RESPONSE),
        (true, ACK, 101 + rq, 501 + rs, b""),
        (true, ACK | FIN, 101 + rq, 501 + rs, b""),
        (false, ACK | FIN, 501 + rs, 102 + rq, b""),
        (true, ACK, 102 + rq, 502 + rs, b""),
    ];
    steps
        .into_iter()
        .map(|(to_server, flags, seq, ack, payload)| {
            let (src, dst, sp, dp) = if to_server {
                (client, SERVER_IP, 40000, 80)
            } else {
                (SERVER_IP, client, 80, 40000)
            };
            let t = pkt::Tcp {
                seq,
                ack,
                ..pkt::Tcp::new(sp, dp, flags)
            };
            let frame = pkt::eth_ipv4_tcp(src, dst, &t, payload);
            InnerPacket {
                to_server,
                ip: frame[14..].to_vec(),
            }
        })
        .collect()
}

fn carrier_ipv4(proto: u8, to_server: bool, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = if to_server {
        (END_A, END_B)
    } else {
        (END_B, END_A)
    };
    let mut ip = pkt::Ipv4::new(proto);
    ip.src = Ipv4Addr::from(src);
    ip.dst = Ipv4Addr::from(dst);
    pkt::ethernet(0x0800, &ip.build(payload))
}

/// GRE version 0 with a key, carrying IPv4.
fn in_gre(p: &InnerPacket) -> Vec<u8> {
    let mut gre = vec![0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42];
    gre.extend_from_slice(&p.ip);
    carrier_ipv4(47, p.to_server, &gre)
}

/// VXLAN (VNI 7) to UDP port 4789, carrying an Ethernet frame.
fn in_vxlan(p: &InnerPacket) -> Vec<u8> {
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 7, 0];
    vx.extend_from_slice(&pkt::ethernet(0x0800, &p.ip));
    let (src, dst, sport) = if p.to_server {
        (END_A, END_B, 50000)
    } else {
        (END_B, END_A, 50001)
    };
    let udp = pkt::udp_datagram(IpAddr::from(src), IpAddr::from(dst), sport, 4789, &vx);
    carrier_ipv4(17, p.to_server, &udp)
}

/// A PPPoE session packet (session 0x1234) carrying PPP's IPv4.
fn in_pppoe(p: &InnerPacket) -> Vec<u8> {
    let len = u16::try_from(p.ip.len() + 2).unwrap();
    let mut s = vec![0x11, 0x00, 0x12, 0x34];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(&[0x00, 0x21]);
    s.extend_from_slice(&p.ip);
    pkt::ethernet(0x8864, &s)
}

struct Run {
    events: Vec<Value>,
    /// pcap_cnt ranges of the GRE, VXLAN and PPPoE frames.
    ranges: [std::ops::RangeInclusive<u64>; 3],
    conversations: [Vec<InnerPacket>; 3],
}

fn run() -> Run {
    let conversations = [
        conversation(GRE_CLIENT),
        conversation(VXLAN_CLIENT),
        conversation(PPPOE_CLIENT),
    ];
    let mut frames: Vec<Vec<u8>> = Vec::new();
    frames.extend(conversations[0].iter().map(in_gre));
    frames.extend(conversations[1].iter().map(in_vxlan));
    frames.extend(conversations[2].iter().map(in_pppoe));
    let n = conversations[0].len() as u64;
    let ranges = [1..=n, n + 1..=2 * n, 2 * n + 1..=3 * n];

    let dir = TempDir::new("tunnels").unwrap();
    let out = run_frames(dir.path(), &frames, RULES, &["-k", "all"]);
    Run {
        events: eve(&out),
        ranges,
        conversations,
    }
}

fn ip_text(a: [u8; 4]) -> String {
    Ipv4Addr::from(a).to_string()
}

fn of_type<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event_type"] == t).collect()
}

#[test]
fn inner_flows_are_detected_with_the_carriers_packet_numbers() {
    let r = run();
    let alerts = of_type(&r.events, "alert");
    let by_sid = |sid: u64| -> Vec<&Value> {
        alerts
            .iter()
            .copied()
            .filter(|a| a["alert"]["signature_id"] == sid)
            .collect()
    };
    let clients = [GRE_CLIENT, VXLAN_CLIENT, PPPOE_CLIENT];
    for sid in [10, 11] {
        let got = by_sid(sid);
        assert_eq!(got.len(), 3, "sid {sid}: {got:?}");
        for (i, client) in clients.iter().enumerate() {
            let a = got
                .iter()
                .find(|a| a["src_ip"] == ip_text(*client))
                .unwrap_or_else(|| panic!("sid {sid}: no alert from {client:?}"));
            assert_eq!(a["dest_ip"], ip_text(SERVER_IP));
            assert_eq!(
                (a["src_port"].as_u64(), a["dest_port"].as_u64()),
                (Some(40000), Some(80))
            );
            assert!(a["flow_id"].is_u64());
            // Suricata's packet source names for tunnel packets.
            let src = ["gre tunnel", "vxlan encapsulation", "wire/pcap"][i];
            assert_eq!(a["pkt_src"], src, "{a}");
            let cnt = a["pcap_cnt"].as_u64().unwrap();
            assert!(r.ranges[i].contains(&cnt), "sid {sid} at packet {cnt}");
            let tunnel = &a["tunnel"];
            if i == 2 {
                // PPPoE is a link layer, not a tunnel.
                assert!(tunnel.is_null(), "{a}");
                continue;
            }
            assert_eq!(tunnel["pcap_cnt"].as_u64(), Some(cnt));
            assert_eq!(tunnel["depth"], 1);
            assert_eq!(tunnel["pkt_src"], "wire/pcap");
            let (proto, dport) = if i == 0 { ("GRE", 0) } else { ("UDP", 4789) };
            assert_eq!(tunnel["proto"], proto);
            assert_eq!(tunnel["dest_port"], dport);
            // The carrier packet's addresses, whichever way it went.
            let ends = [ip_text(END_A), ip_text(END_B)];
            assert!(
                ends.iter().any(|e| tunnel["src_ip"] == *e.as_str()),
                "{tunnel}"
            );
            assert!(
                ends.iter().any(|e| tunnel["dest_ip"] == *e.as_str()),
                "{tunnel}"
            );
        }
    }
    // Every GRE carrier matches the header rule, without a flow.
    let gre = by_sid(12);
    assert_eq!(gre.len(), r.conversations[0].len());
    for a in &gre {
        assert_eq!(a["proto"], "GRE");
        assert_eq!(a["pkt_src"], "wire/pcap");
        assert!(a.get("flow_id").is_none(), "{a}");
        assert!(r.ranges[0].contains(&a["pcap_cnt"].as_u64().unwrap()));
    }
    // The VXLAN carriers' payload is the inner packet, inspected there only.
    assert!(by_sid(13).is_empty());
    assert_eq!(alerts.len(), 3 + 3 + gre.len());
}

#[test]
fn flow_records_and_counters() {
    let r = run();
    let flows = of_type(&r.events, "flow");
    let inner_bytes = |c: &[InnerPacket], to_server: bool| -> u64 {
        c.iter()
            .filter(|p| p.to_server == to_server)
            .map(|p| p.ip.len() as u64)
            .sum()
    };
    let clients = [GRE_CLIENT, VXLAN_CLIENT, PPPOE_CLIENT];
    for (i, client) in clients.iter().enumerate() {
        let matching: Vec<&&Value> = flows
            .iter()
            .filter(|f| f["src_ip"] == ip_text(*client))
            .collect();
        assert_eq!(matching.len(), 1, "{client:?}: {matching:?}");
        let f = matching[0];
        assert_eq!(f["proto"], "TCP");
        assert_eq!(f["dest_ip"], ip_text(SERVER_IP));
        assert_eq!(f["app_proto"], "http");
        assert_eq!(f["flow"]["alerted"], true);
        let conv = &r.conversations[i];
        let ts = conv.iter().filter(|p| p.to_server).count() as u64;
        assert_eq!(f["flow"]["pkts_toserver"], ts);
        assert_eq!(f["flow"]["pkts_toclient"], conv.len() as u64 - ts);
        if i < 2 {
            // A tunnel packet counts its own bytes, not the carrier's.
            assert_eq!(f["flow"]["bytes_toserver"], inner_bytes(conv, true));
            assert_eq!(f["flow"]["bytes_toclient"], inner_bytes(conv, false));
        }
    }
    // The VXLAN carriers are UDP flows of their own (one per source
    // port); GRE has none.
    let vxlan: Vec<&&Value> = flows.iter().filter(|f| f["dest_port"] == 4789).collect();
    assert_eq!(vxlan.len(), 2, "{vxlan:?}");
    assert!(vxlan.iter().all(|f| f["proto"] == "UDP"));
    // Suricata runs protocol detection on the carriers' payload too, and
    // it fails.
    assert!(
        vxlan.iter().all(|f| f["app_proto"] == "failed"),
        "{vxlan:?}"
    );
    assert!(flows.iter().all(|f| f["proto"] != "GRE"));
    assert_eq!(flows.len(), 3 + 2);
    // The inner HTTP transactions are logged.
    let http = of_type(&r.events, "http");
    assert_eq!(http.len(), 3);
    // Each logged on one of its tunnel's packets, named as Suricata does.
    let mut srcs: Vec<&str> = http.iter().filter_map(|h| h["pkt_src"].as_str()).collect();
    srcs.sort_unstable();
    assert_eq!(srcs, ["gre tunnel", "vxlan encapsulation", "wire/pcap"]);

    let stats = &of_type(&r.events, "stats").last().unwrap()["stats"]["decoder"];
    let n = r.conversations[0].len() as u64;
    assert_eq!(stats["pkts"], 3 * n);
    assert_eq!(stats["gre"], n);
    assert_eq!(stats["vxlan"], n);
    assert_eq!(stats["pppoe"], n);
    assert_eq!(stats["erspan"], 0);
    assert_eq!(stats["tunnel_pkts"], 2 * n);
    // GRE and VXLAN carriers, their inner packets and the PPPoE packets.
    assert_eq!(stats["ipv4"], 5 * n);
    assert_eq!(stats["tcp"], 3 * n);
}

/// Inner client of the Geneve conversation.
const GENEVE_CLIENT: [u8; 4] = [10, 4, 0, 1];

/// Geneve (VNI 9, one 8-byte option) to UDP port 6081, carrying an
/// Ethernet frame.
fn in_geneve(p: &InnerPacket) -> Vec<u8> {
    let mut gv = vec![0x02, 0x00, 0x65, 0x58, 0, 0, 9, 0];
    gv.extend_from_slice(&[0x01, 0x03, 0x01, 0x01, 0xca, 0xfe, 0xf0, 0x0d]);
    gv.extend_from_slice(&pkt::ethernet(0x0800, &p.ip));
    let (src, dst, sport) = if p.to_server {
        (END_A, END_B, 50000)
    } else {
        (END_B, END_A, 50001)
    };
    let udp = pkt::udp_datagram(IpAddr::from(src), IpAddr::from(dst), sport, 6081, &gv);
    carrier_ipv4(17, p.to_server, &udp)
}

/// As in suricata-verify's bug-6402: the carriers are passed, yet the
/// packets they carry are inspected, IP-only rules on the first packet of
/// each direction of the inner flow.
#[test]
fn geneve_inner_flow_is_inspected_though_its_carrier_is_passed() {
    const GENEVE_RULES: &str = "\
pass udp any any -> any 6081 (sid:20;)\n\
alert udp any any -> any 6081 (msg:\"geneve carrier\"; sid:22;)\n\
alert ip any any -> any any (msg:\"all ip\"; sid:21;)\n\
alert http any any -> any any (msg:\"tunnelled uri\"; http.uri; content:\"/tunnel-evil\"; sid:10;)\n\
alert tcp any any -> any 80 (msg:\"tunnelled bytes\"; flow:established,to_server; content:\"tunnel-evil\"; sid:11;)\n";
    let conv = conversation(GENEVE_CLIENT);
    let frames: Vec<Vec<u8>> = conv.iter().map(in_geneve).collect();
    let dir = TempDir::new("geneve").unwrap();
    let out = run_frames(dir.path(), &frames, GENEVE_RULES, &["-k", "all"]);
    let events = eve(&out);
    let alerts = of_type(&events, "alert");
    let sids: Vec<u64> = alerts
        .iter()
        .map(|a| a["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    // The IP-only rule once each way of the inner flow, never on the
    // passed carriers; the payload rules once each.
    let mut sorted = sids.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [10, 11, 21, 21], "{alerts:?}");
    for a in &alerts {
        assert_eq!(a["proto"], "TCP", "{a}");
        let tunnel = &a["tunnel"];
        assert_eq!(tunnel["proto"], "UDP", "{a}");
        assert_eq!(tunnel["dest_port"], 6081, "{a}");
        assert_eq!(tunnel["depth"], 1, "{a}");
        assert_eq!(a["pkt_src"], "geneve encapsulation", "{a}");
    }
    let ip_only: Vec<&&Value> = alerts
        .iter()
        .filter(|a| a["alert"]["signature_id"] == 21)
        .collect();
    assert_eq!(ip_only[0]["src_ip"], ip_text(GENEVE_CLIENT));
    assert_eq!(ip_only[0]["pcap_cnt"], 1);
    assert_eq!(ip_only[1]["src_ip"], ip_text(SERVER_IP));
    assert_eq!(ip_only[1]["pcap_cnt"], 2);

    let flows = of_type(&events, "flow");
    let inner: Vec<&&Value> = flows.iter().filter(|f| f["proto"] == "TCP").collect();
    assert_eq!(inner.len(), 1, "{flows:?}");
    assert_eq!(inner[0]["src_ip"], ip_text(GENEVE_CLIENT));
    assert_eq!(inner[0]["app_proto"], "http");
    assert_eq!(inner[0]["flow"]["alerted"], true);
    let carriers: Vec<&&Value> = flows.iter().filter(|f| f["proto"] == "UDP").collect();
    assert_eq!(carriers.len(), 2, "{flows:?}");
    assert!(carriers
        .iter()
        .all(|f| f["dest_port"] == 6081 && f["flow"]["alerted"] == false));
    assert!(carriers.iter().all(|f| f["app_proto"] == "failed"));
    let stats = &of_type(&events, "stats").last().unwrap()["stats"]["decoder"];
    assert_eq!(stats["geneve"], conv.len() as u64);
    assert_eq!(stats["tunnel_pkts"], conv.len() as u64);
}
