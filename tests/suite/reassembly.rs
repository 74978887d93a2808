//! Stream reassembly and defragmentation through the binary, on captures
//! generated here: content split across segments, out of order, with
//! retransmissions and overlaps, across the sequence-number wrap, and
//! across IPv4 fragments.

use std::net::{IpAddr, Ipv4Addr};

use super::common::*;
use sigil_engine::capture::OfflineSource;

const RULES: &str = "alert tcp any any -> any 80 (msg:\"split evil\"; flow:established,to_server; content:\"EVIL-PAYLOAD-MARKER\"; sid:1;)\n\
alert udp any any -> any 9999 (msg:\"fragmented marker\"; content:\"FRAGMENTED-MARKER\"; sid:2;)\n";

fn ip(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

/// One segment as a full Ethernet frame (our own TCP builder, so any
/// sequence number works).
fn seg(from_client: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (s, d, sp, dp) = if from_client {
        (CLIENT, SERVER, 40000, 80)
    } else {
        (SERVER, CLIENT, 80, 40000)
    };
    let t = pkt::Tcp {
        seq,
        ack,
        ..pkt::Tcp::new(sp, dp, flags)
    };
    let tcp = pkt::tcp_segment(ip(s), ip(d), &t, payload);
    let mut v4 = pkt::Ipv4::new(6);
    v4.src = Ipv4Addr::from(s);
    v4.dst = Ipv4Addr::from(d);
    pkt::ethernet(0x0800, &v4.build(&tcp))
}

/// A TCP conversation whose request carries the marker split over three
/// segments sent out of order, with a retransmission and an overlap of
/// identical bytes; client ISN `isn` (near 2^32 to test the wrap).
fn conversation(isn: u32) -> Vec<Vec<u8>> {
    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const PSH: u8 = 0x08;
    const FIN: u8 = 0x01;
    let req = b"GET /x HTTP/1.1\r\nX-Data: EVIL-PAYLOAD-MARKER\r\n\r\n";
    let c0 = isn.wrapping_add(1);
    let s0 = 7_000u32;
    let (a, rest) = req.split_at(25); // marker split between a and b
    let (b, c) = rest.split_at(10);
    let at = |n: usize| c0.wrapping_add(n as u32);
    let end = at(req.len());
    vec![
        seg(true, isn, 0, SYN, &[]),
        seg(false, s0, c0, SYN | ACK, &[]),
        seg(true, c0, s0 + 1, ACK, &[]),
        // out of order: the third part first, then the first, then the second
        seg(true, at(a.len() + b.len()), s0 + 1, ACK | PSH, c),
        seg(true, c0, s0 + 1, ACK | PSH, a),
        // overlapping retransmission of the first part plus 5 new bytes
        seg(true, c0, s0 + 1, ACK | PSH, &req[..a.len() + 5]),
        seg(true, at(a.len()), s0 + 1, ACK | PSH, b),
        seg(false, s0 + 1, end, ACK, &[]),
        seg(true, end, s0 + 1, ACK | FIN, &[]),
        seg(false, s0 + 1, end.wrapping_add(1), ACK | FIN, &[]),
        seg(true, end.wrapping_add(1), s0 + 2, ACK, &[]),
    ]
}

/// A UDP datagram 1234 -> 9999 carrying `body`, as two IPv4 fragments
/// (datagram id `id`) cut 40 bytes into the UDP header and data, in
/// capture order.
fn two_fragments(body: &[u8], id: u16) -> Vec<Vec<u8>> {
    let mut udp = Vec::new();
    udp.extend_from_slice(&1234u16.to_be_bytes());
    udp.extend_from_slice(&9999u16.to_be_bytes());
    udp.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]); // no checksum (allowed over IPv4)
    udp.extend_from_slice(body);
    // 8-byte aligned cut: 0..40 and 40..end.
    let mut frames = Vec::new();
    for (off, chunk, more) in [(0usize, &udp[..40], true), (40, &udp[40..], false)] {
        let mut v4 = pkt::Ipv4::new(17);
        v4.id = id;
        v4.mf = more;
        v4.frag_offset = (off / 8) as u16;
        frames.push(pkt::ethernet(0x0800, &v4.build(chunk)));
    }
    frames
}

/// A UDP datagram carrying the marker, cut into IPv4 fragments in the
/// middle of the marker (it spans offsets 38..55), fragments sent in
/// reverse order.
fn fragmented() -> Vec<Vec<u8>> {
    let mut body = vec![b'.'; 30];
    body.extend_from_slice(b"FRAGMENTED-MARKER");
    body.extend_from_slice(&[b'.'; 20]);
    let mut frames = two_fragments(&body, 4242);
    frames.reverse();
    frames
}

fn run(frames: &[Vec<u8>], name: &str) -> Vec<(u64, String, String, u64)> {
    alerts(&run_events(frames, name))
}

fn run_events(frames: &[Vec<u8>], name: &str) -> Vec<serde_json::Value> {
    let dir = TempDir::new(name).unwrap();
    eve(&run_frames(dir.path(), frames, RULES, &["-k", "all"]))
}

#[test]
fn split_out_of_order_retransmitted_content_alerts_once() {
    let got = run(&conversation(1_000), "reasm-plain");
    // Once, on the client's packet after the server acknowledged it (IDS).
    assert_eq!(got, vec![(1, "10.0.0.1".into(), "10.0.0.2".into(), 9)]);
}

#[test]
fn sequence_wrap_around() {
    let got = run(&conversation(u32::MAX - 20), "reasm-wrap");
    assert_eq!(got, vec![(1, "10.0.0.1".into(), "10.0.0.2".into(), 9)]);
}

#[test]
fn content_across_ip_fragments() {
    let got = run(&fragmented(), "defrag");
    // The rebuilt datagram is inspected with the packet number of the
    // fragment that completed it (the second one read).
    assert_eq!(got, vec![(2, "10.0.0.1".into(), "10.0.0.2".into(), 2)]);
    let events = run_events(&fragmented(), "defrag-stats");
    let d = &events.last().unwrap()["stats"]["defrag"];
    assert_eq!(d["fragments"], 2);
    assert_eq!(d["reassembled"], 1);
}

/// One keep-alive connection with 1,500 pipelined requests: every request
/// alerts exactly once, well past the per-flow bookkeeping bound.
#[test]
fn many_transactions_on_one_flow_alert_once_each() {
    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const PSH: u8 = 0x08;
    let isn = 5_000u32;
    let s0 = 9_000u32;
    let mut frames = vec![
        seg(true, isn, 0, SYN, &[]),
        seg(false, s0, isn + 1, SYN | ACK, &[]),
        seg(true, isn + 1, s0 + 1, ACK, &[]),
    ];
    let mut seq = isn + 1;
    for batch in 0..150 {
        let mut data = Vec::new();
        for i in 0..10 {
            let n = batch * 10 + i;
            data.extend_from_slice(
                format!("GET /EVIL-PAYLOAD-MARKER/{n} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
            );
        }
        frames.push(seg(true, seq, s0 + 1, ACK | PSH, &data));
        seq = seq.wrapping_add(data.len() as u32);
        frames.push(seg(false, s0 + 1, seq, ACK, &[]));
    }
    let dir = TempDir::new("many-tx").unwrap();
    let pcap = dir.join("in.pcap");
    write_pcap(&pcap, &frames, 1_700_000_000);
    let rules = dir.join("r.rules");
    std::fs::write(
        &rules,
        "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/EVIL-PAYLOAD-MARKER/\"; sid:3;)\n",
    )
    .unwrap();
    let out = dir.join("out");
    sigil_ok(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&rules),
        "-l",
        s(&out),
        "-k",
        "all",
    ]);
    let events = eve(&out);
    let mut ids: Vec<u64> = events
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| e["tx_id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..1500).collect::<Vec<u64>>());
}

/// Suricata tracks no flow for IP fragments and decodes no transport header
/// in them, not even in the first: a fragment is inspected alone, without
/// ports or payload, and content and port rules match only the datagram
/// it completes, in that datagram's flow. The flow's evidence holds the
/// fragments as captured.
#[test]
fn fragments_are_inspected_alone_and_their_datagram_in_its_flow() {
    let mut body = vec![b'.'; 40];
    body.extend_from_slice(b"WHOLE-IN-SECOND");
    let frames = two_fragments(&body, 4243);
    let rules = "\
alert ip any any -> any any (msg:\"ip content\"; content:\"WHOLE-IN-SECOND\"; sid:3;)
alert udp any any -> any any (msg:\"udp content\"; content:\"WHOLE-IN-SECOND\"; sid:4;)
alert udp any any -> any 9999 (msg:\"port\"; sid:5;)
alert ip any any -> any any (msg:\"more fragments\"; fragbits:M; sid:6;)
";
    let dir = TempDir::new("frag-alone").unwrap();
    let out = run_frames(dir.path(), &frames, rules, &["-k", "all"]);
    let events = eve(&out);
    let mut got: Vec<(u64, u64, u64)> = events
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| {
            let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
            (
                n(&e["alert"]["signature_id"]),
                n(&e["pcap_cnt"]),
                n(&e["src_port"]),
            )
        })
        .collect();
    got.sort_unstable();
    // Content and port rules once, on the datagram (numbered after the
    // fragment that completed it); `fragbits:M` on the first fragment,
    // which has no ports.
    assert_eq!(got, [(3, 2, 1234), (4, 2, 1234), (5, 2, 1234), (6, 1, 0)]);
    let flows: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event_type"] == "flow")
        .collect();
    assert_eq!(flows.len(), 1, "fragments make no flow of their own");
    let f = &flows[0]["flow"];
    assert_eq!(flows[0]["dest_port"], 9999);
    assert_eq!(f["pkts_toserver"], 1);
    // The datagram behind its fragments' Ethernet header: 14 + 20 + 63.
    assert_eq!(f["bytes_toserver"], 14 + 20 + 8 + 55);
    // Evidence: the fragments as they were on the wire, in capture order.
    let file = events
        .iter()
        .find(|e| e["alert"]["signature_id"] == 3)
        .and_then(|e| e["evidence"].as_str())
        .expect("the alert names its evidence file")
        .to_string();
    let mut src = OfflineSource::open(&[out.join("evidence").join(file)]).unwrap();
    let mut kept = Vec::new();
    let _ = src.for_each_packet(|raw| {
        kept.push(raw.data.to_vec());
        std::ops::ControlFlow::Continue(())
    });
    assert_eq!(kept, frames);
}

/// The alerts, as sorted (packet, sid), of `rules` over a TCP conversation
/// carrying `request` (packets numbered as in `http_conversation`).
fn conversation_alerts(name: &str, request: &[u8], rules: &str) -> Vec<(u64, u64)> {
    let dir = TempDir::new(name).unwrap();
    let out = run_frames(
        dir.path(),
        &http_conversation(request),
        rules,
        &["-k", "all"],
    );
    let mut got = alert_packets(&eve(&out));
    got.sort_unstable();
    got
}

/// Suricata inspects a TCP payload rule on the reassembled stream only,
/// unless one of its contents is anchored or it tests `stream_size`: then
/// the packet is inspected too (when the stream has nothing yet), so such
/// a rule alerts on the request packet and again on the stream. As
/// Suricata 7.0.10 does on the benchmark corpus' Log4j probes (ET sid
/// 2034673).
#[test]
fn anchored_and_stream_size_rules_alert_on_packet_and_stream() {
    let req = b"POST /login HTTP/1.1\r\nHost: v\r\nCookie: a=${${::-j}ndi:x}\r\n\r\n";
    let rules = "\
alert tcp any any -> any any (msg:\"stream_size\"; flow:established,to_server; stream_size:client,<,10000; content:\"|24 7b|\"; content:\"|24 7b 3a 3a|\"; within:100; sid:1;)
alert tcp any any -> any any (msg:\"second anchored\"; flow:established,to_server; content:\"login\"; content:\"POST\"; depth:4; sid:2;)
alert tcp any any -> any any (msg:\"plain\"; flow:established,to_server; content:\"login\"; sid:3;)
";
    // (packet, sid): the request is packet 4; its stream is inspected once
    // the server's ACK (5) made it reassembled, on the client's next
    // packet (6).
    assert_eq!(
        conversation_alerts("pkt-and-stream", req, rules),
        [(4, 1), (4, 2), (6, 1), (6, 2), (6, 3)]
    );
}

/// `asn1` decodes the packet's own payload, as in Suricata 7.0.10 (which
/// gives these same alerts on this capture): after an anchored content it
/// works on the request packet; after an unanchored one the content is
/// matched on the stream, where `asn1` has no packet payload to decode; on
/// its own it is a packet keyword.
#[test]
fn asn1_decodes_the_packet_payload() {
    let req = b"junk:\x03\x01\xFF and \x04\x03abc";
    let rules = "\
alert tcp any any -> any any (msg:\"stream content\"; flow:established,to_server; content:\"junk:\"; asn1:bitstring_overflow, relative_offset 0; sid:1;)
alert tcp any any -> any any (msg:\"absolute\"; asn1:bitstring_overflow, absolute_offset 5; sid:11;)
alert tcp any any -> any any (msg:\"absolute oversize\"; asn1:oversize_length 2, absolute_offset 13; sid:12;)
alert tcp any any -> any any (msg:\"anchored\"; flow:established,to_server; content:\"junk:\"; depth:5; asn1:bitstring_overflow, relative_offset 0; sid:21;)
alert tcp any any -> any any (msg:\"anchored, later content\"; flow:established,to_server; content:\"junk:\"; depth:5; content:\"and \"; distance:0; asn1:oversize_length 2, relative_offset 0; sid:22;)
alert tcp any any -> any any (msg:\"not oversize\"; flow:established,to_server; content:\"junk:\"; depth:5; asn1:oversize_length 200, relative_offset 0; sid:23;)
";
    assert_eq!(
        conversation_alerts("asn1", req, rules),
        [(4, 11), (4, 12), (4, 21), (4, 22)]
    );
}
