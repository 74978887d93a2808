//! End-to-end tests of the packet-level keywords: header sticky buffers,
//! `vlan.*`, checksums, `decode-event`, `tcp.*` names, `ipv4`/`ipv6`
//! header protocols and the value forms Suricata accepts (unquoted pcre,
//! `byte_jump` of 0 bytes). Header bytes come from the conformance
//! captures. Every case runs with the prefilter on and off.

use crate::addr::{v4, v6};
use crate::packet::{ipproto, Checksums, DecoderEvent, PacketView, TcpFields, Vlans};
use crate::tests::{build, tcp};
use crate::{IssueKind, RuleSet};

fn sids(set: &RuleSet, p: &PacketView) -> Vec<u32> {
    let mut scratch = set.new_scratch();
    let mut out = Vec::new();
    set.match_packet(p, &mut scratch, &mut out);
    let mut s: Vec<u32> = out.iter().map(|&id| set.meta(id).sid).collect();
    s.sort_unstable();
    s
}

/// Asserts that `rules` all load and that `p` matches exactly `want`
/// (sorted), with and without the prefilter.
fn expect(rules: &str, p: &PacketView, want: &[u32]) {
    for prefilter in [true, false] {
        let (set, report) = build(rules, prefilter);
        assert_eq!(
            report.compiled, report.parsed,
            "not all rules loaded: {report:#?}"
        );
        assert_eq!(sids(&set, p), want, "prefilter={prefilter} rules:\n{rules}");
    }
}

/// The first problem of a rule that must not load.
fn rejected(rule: &str) -> (IssueKind, String) {
    let (_, report) = build(rule, true);
    assert_eq!(report.compiled, 0, "{rule} loaded");
    let text = format!("{report:?}");
    let kind = if text.contains("Unsupported") {
        IssueKind::Unsupported
    } else {
        IssueKind::Invalid
    };
    (kind, text)
}

// issue-3267-tcphdr, packets 1 (SYN with options) and 4 (GET).
const IP_SYN: &[u8] = &[
    0x45, 0x02, 0x00, 0x34, 0x72, 0xb4, 0x40, 0x00, 0x80, 0x06, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x6f,
    0x0a, 0x00, 0x00, 0xc7,
];
const TCP_SYN: &[u8] = &[
    0x0b, 0x58, 0x00, 0x50, 0x83, 0xda, 0xa2, 0x70, 0x00, 0x00, 0x00, 0x00, 0x80, 0xc2, 0x20, 0x00,
    0x15, 0x5c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02,
];
const TCP_GET: &[u8] = &[
    0x0b, 0x58, 0x00, 0x50, 0x83, 0xda, 0xa2, 0x71, 0x3e, 0x40, 0x6e, 0x31, 0x50, 0x18, 0x08, 0x05,
    0x16, 0xba, 0x00, 0x00,
];

fn tcp_pkt<'a>(ip: &'a [u8], hdr: &'a [u8], payload: &'a [u8]) -> PacketView<'a> {
    let mut p = tcp(v4(10, 0, 0, 111), 2904, v4(10, 0, 0, 199), 80, payload);
    p.headers.ip = ip;
    p.headers.tcp = hdr;
    p
}

const ISSUE_3267: &str = r#"
alert tcp-pkt any any -> any 80 (tcp.hdr; content:"|00 50|"; offset:2; depth:2; tcp.hdr; content:"|80 c2 20 00|"; sid:1;)
alert tcp-pkt any any -> any 80 (tcp.hdr; content:"|00 00 00 00|"; offset:8; depth:4; sid:2;)
alert tcp-pkt any any -> any 80 (content:"GET"; tcp.hdr; content:"|00 50|"; offset:2; depth:2; tcp.hdr; content:"|50 18|"; distance:8; within:2; sid:3;)
alert tcp-pkt any any -> any 80 (content:"GET"; tcp.hdr; content:"|00 50|"; offset:2; depth:2; sid:4;)
"#;

#[test]
fn tcp_hdr_rules_of_issue_3267() {
    expect(ISSUE_3267, &tcp_pkt(IP_SYN, TCP_SYN, b""), &[1, 2]);
    expect(
        ISSUE_3267,
        &tcp_pkt(IP_SYN, TCP_GET, b"GET / HTTP/1.1\r\n"),
        &[3, 4],
    );
    // Without header bytes (e.g. a hand-made view) nothing of tcp.hdr holds.
    expect(
        ISSUE_3267,
        &tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 80, b"GET"),
        &[],
    );
}

#[test]
fn header_buffers_share_byte_variables_and_start_at_zero() {
    // detect-bytemath-01: raw IPv4 + TCP SYN.
    let ip = [
        0x45, 0x22, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x88, 0xc0, 0x00, 0x4e,
        0xbe, 0xc0, 0x00, 0x4e, 0x19,
    ];
    let th = [
        0x00, 0x88, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0x00, 0x72, 0x32, 0, 0,
    ];
    let p = tcp_pkt(&ip, &th, b"");
    let rules = r#"
alert tcp any any -> any any (ipv4.hdr; byte_math:bytes 1, offset 1, oper <<, rvalue 2, result r; tcp.hdr; byte_test: 1, =, 0x88, 1, relative; sid:1;)
alert tcp any any -> any any (ipv4.hdr; byte_extract:1, 1, tos; tcp.hdr; byte_test:1, =, tos, 14; sid:2;)
alert tcp any any -> any any (ipv4.hdr; byte_extract:1, 1, tos; tcp.hdr; byte_test:1, =, tos, 13; sid:3;)
alert tcp any any -> any any (ipv4.hdr; content:"|45 22|"; startswith; pkt_data; content:!"x"; sid:4;)
"#;
    // The TOS byte (0x22) read from ipv4.hdr is compared in tcp.hdr: the
    // SYN header has 0x20 at 14 and 0x02 at 13, so sids 2 and 3 fail...
    expect(rules, &p, &[1]);
    let mut th2 = th;
    th2[13] = 0x22;
    // ...until byte 13 carries the same value.
    expect(rules, &tcp_pkt(&ip, &th2, b""), &[1, 3]);
    // sid 4 needs a payload for its payload keyword.
    expect(rules, &tcp_pkt(&ip, &th, b"abc"), &[1, 4]);
}

#[test]
fn ipv6_hdr_covers_extension_headers() {
    // ipv6-hdr-keyword-02: hop-by-hop, destination options and routing
    // headers after the fixed header.
    let mut ip = vec![
        0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ];
    ip.extend_from_slice(&[0x3c, 0, 1, 4, 0, 0, 0, 0, 0x2b, 0, 1, 4, 0, 0, 0, 0]);
    ip.extend_from_slice(&[0x11, 0, 0, 0, 0, 0, 0, 0]);
    let mut p = PacketView::new(v6("::1"), v6("::1"), ipproto::UDP, b"");
    p.headers.ip = &ip;
    p.headers.udp = &[0x00, 0x35, 0x00, 0x50, 0x00, 0x08, 0xff, 0x57];
    let rules = r#"
alert ip any any -> any any (ipv6.hdr; content:"|11 00 00 00 00 00 00 00|"; offset:40; endswith; sid:1;)
alert ip any any -> any any (ipv6.hdr; content:"|40|"; offset:7; depth:1; sid:2;)
alert ip any any -> any any (ipv4.hdr; content:"|60|"; sid:3;)
alert udp any any -> any any (udp.hdr; content:"|00 35 00 50|"; depth:4; sid:4;)
alert ipv6 any any -> any any (udp.hdr; content:"|ff 57|"; endswith; sid:5;)
alert ipv4 any any -> any any (udp.hdr; content:"|ff 57|"; endswith; sid:6;)
"#;
    expect(rules, &p, &[1, 2, 4, 5]);
}

#[test]
fn icmp_header_buffers() {
    let mut p = PacketView::new(v4(1, 1, 1, 1), v4(2, 2, 2, 2), ipproto::ICMP, b"");
    // Router advertisement with one address entry (icmp-hdr-01).
    p.headers.icmp = &[
        9, 0, 0x6d, 0x73, 1, 2, 0x07, 0x08, 0x0a, 0x0e, 0x50, 0x54, 0x42, 0, 0, 0,
    ];
    let rules = r#"
alert icmp any any -> any any (icmpv4.hdr; content:"|0a 0e 50 54 42|"; sid:1;)
alert icmpv4 any any -> any any (icmpv4.hdr; content:"|09 00|"; startswith; sid:2;)
alert ip any any -> any any (icmpv6.hdr; content:"|09|"; sid:3;)
"#;
    expect(rules, &p, &[1, 2]);
}

#[test]
fn header_buffer_setup_errors() {
    for rule in [
        r#"alert udp any any -> any any (tcp.hdr; content:"x"; sid:1;)"#,
        r#"alert tcp any any -> any any (udp.hdr; content:"x"; sid:1;)"#,
        r#"alert icmpv6 any any -> any any (icmpv4.hdr; content:"x"; sid:1;)"#,
        r#"alert tcp any any -> any any (tcp.hdr; sid:1;)"#,
        r#"alert tcp any any -> any any (tcp.hdr; content:"x"; http_uri; sid:1;)"#,
        r#"alert tcp any any -> any any (tcp.hdr; pcre:"/x/U"; sid:1;)"#,
        r#"alert tcp any any -> any any (tcp.hdr:x; content:"x"; sid:1;)"#,
    ] {
        assert_eq!(rejected(rule).0, IssueKind::Invalid, "{rule}");
    }
}

#[test]
fn header_buffers_are_packet_only_and_end_at_pkt_data() {
    let rules = r#"
alert tcp any any -> any any (tcp.hdr; content:"|00 50|"; offset:2; depth:2; pkt_data; content:"GET"; sid:1;)
alert tcp any any -> any any (content:"GET"; sid:2;)
"#;
    let mut p = tcp_pkt(IP_SYN, TCP_GET, b"GET /");
    expect(rules, &p, &[1, 2]);
    // pkt_data sent "GET" back to the payload: a header without it fails.
    expect(rules, &tcp_pkt(IP_SYN, TCP_GET, b"PUT /"), &[]);
    // Reassembled stream data is not a packet: only the payload rule.
    p.flow.from_stream = true;
    expect(rules, &p, &[2]);
}

#[test]
fn vlan_keywords() {
    let rules = r#"
alert ip any any -> any any (vlan.id:200,0; sid:1;)
alert ip any any -> any any (vlan.id:400,-1; sid:2;)
alert ip any any -> any any (vlan.id:!500,all; sid:3;)
alert ip any any -> any any (vlan.layers:3; sid:4;)
alert ip any any -> any any (vlan.layers:0; sid:5;)
alert ip any any -> any any (vlan.id:200,0; prefilter; sid:6;)
"#;
    let mut p = tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"");
    p.vlan = Vlans::from_slice(&[200, 300, 400]);
    expect(rules, &p, &[1, 2, 3, 4, 6]);
    p.vlan = Vlans::default();
    expect(rules, &p, &[5]);
}

#[test]
fn checksum_keywords() {
    let rules = r#"
alert tcp any any -> any any (tcpv4-csum:invalid; sid:1;)
alert ip any any -> any any (ipv4-csum:valid; sid:2;)
alert tcp any any -> any any (tcpv4-csum:valid; content:"x"; sid:3;)
"#;
    let mut p = tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"x");
    p.checksums = Checksums {
        ipv4: Some(true),
        l4: Some(false),
        ignored: false,
    };
    expect(rules, &p, &[1, 2]);
    p.checksums.ignored = true;
    expect(rules, &p, &[2, 3]);
    assert_eq!(
        rejected("alert ip any any -> any any (ipv4-csum:sometimes; sid:1;)").0,
        IssueKind::Invalid
    );
}

#[test]
fn decode_event_keyword() {
    let rules = r#"
alert tcp any any -> any any (decode-event:tcp.opt_invalid_len; sid:1;)
alert pkthdr any any -> any any (decode-event:ipv4.opt_invalid_len; sid:2;)
"#;
    let mut p = tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"");
    expect(rules, &p, &[]);
    p.events
        .insert(DecoderEvent::from_name("tcp.opt_invalid_len").unwrap());
    expect(rules, &p, &[1]);
    let (kind, why) =
        rejected("alert ip any any -> any any (decode-event:mpls.pkt_too_small; sid:1;)");
    assert_eq!(kind, IssueKind::Unsupported);
    assert!(why.contains("never raised"), "{why}");
    let (kind, _) = rejected("alert ip any any -> any any (decode-event:ipv4.bogus; sid:1;)");
    assert_eq!(kind, IssueKind::Invalid);
}

#[test]
fn generic_app_layer_events_are_packet_checks() {
    use crate::packet::AppLayerEvent;
    let rules = r#"
alert ip any any -> any any (app-layer-event:applayer_mismatch_protocol_both_directions; sid:1;)
alert ip any any -> any any (app-layer-event:APPLAYER_PROTO_DETECTION_SKIPPED; sid:2;)
"#;
    let mut p = tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"");
    expect(rules, &p, &[]);
    p.app_events
        .insert(AppLayerEvent::MISMATCH_PROTOCOL_BOTH_DIRECTIONS);
    expect(rules, &p, &[1]);
    // A stream chunk is no packet: the event is not on it.
    p.flow.from_stream = true;
    expect(rules, &p, &[]);
    // The STARTTLS events come from protocol changes.
    let starttls =
        "alert ip any any -> any any (app-layer-event:applayer_no_tls_after_starttls; sid:3;)";
    p.flow.from_stream = false;
    expect(starttls, &p, &[]);
    p.app_events.insert(AppLayerEvent::NO_TLS_AFTER_STARTTLS);
    expect(starttls, &p, &[3]);
    let (kind, _) =
        rejected("alert ip any any -> any any (app-layer-event:applayer_bogus; sid:1;)");
    assert_eq!(kind, IssueKind::Invalid);
}

#[test]
fn suricata_8_tcp_names_and_ip_version_protocols() {
    let rules = r#"
alert tcp any any -> any any (tcp.flags:R,A; sid:1;)
alert tcp any any -> any any (flags:R,A; sid:2;)
alert tcp any any -> any any (tcp.seq:7; tcp.ack:9; tcp.window:512; sid:3;)
alert ipv4 any any -> any any (sid:4;)
alert ip6 any any -> any any (sid:5;)
"#;
    let mut p = tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"");
    p.tcp = Some(TcpFields {
        flags: 0x14,
        seq: 7,
        ack: 9,
        window: 512,
        mss: None,
    });
    expect(rules, &p, &[1, 2, 3, 4]);
    let mut p6 = tcp(v6("2001:db8::1"), 1, v6("2001:db8::2"), 2, b"");
    p6.tcp = p.tcp;
    expect(rules, &p6, &[1, 2, 3, 5]);
}

#[test]
fn value_forms_suricata_accepts() {
    // Unquoted pcre (UriTestSig02 uses `pcre:/one/U;`).
    let rules = r#"alert tcp any any -> any any (pcre:/o.e/; sid:1;)"#;
    expect(
        rules,
        &tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"xoney"),
        &[1],
    );
    // byte_jump of 0 bytes moves the cursor by post_offset (bug-4623,
    // detect-bytejump-05): back 7 from the end of the content, and a jump
    // before the buffer start lands on the start.
    let payload = b"\x7c\xe0\x3a\x01\xe8\xed\x0f\x54";
    let rules = r#"
alert tcp any any -> any any (content:"|3a 01 e8 ed 0f|"; byte_jump:0,0,relative,post_offset -7; pcre:"/^\x7c\xe0\x3a\x01\xe8\xed\x0f\x54/R"; sid:1;)
alert tcp any any -> any any (content:"|01 e8 ed 0f 54|"; byte_jump:0,0,relative,post_offset -7; pcre:"/^\xe0\x3a\x01\xe8\xed\x0f\x54/R"; sid:3;)
alert tcp any any -> any any (content:"|e8|"; byte_jump:0,0,relative,post_offset -10; pcre:"/^\x7c/R"; sid:4;)
alert tcp any any -> any any (content:"|54|"; byte_jump:0,0,relative,post_offset 1; sid:5;)
alert tcp any any -> any any (content:"|54|"; byte_jump:0,0,relative; sid:6;)
alert tcp any any -> any any (content:"|54|"; byte_jump:0,0,relative,string,dec; sid:7;)
alert tcp any any -> any any (content:"="; byte_jump:0,0,relative,string,dec; content:"!"; within:1; sid:8;)
"#;
    // sid 5 jumps past the end; sid 7 finds no digits after the content.
    expect(
        rules,
        &tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, payload),
        &[1, 3, 4, 6],
    );
    // A string read of 0 bytes takes the whole number: "12" → jump 12
    // after it, onto the "!".
    let p = tcp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, b"=12abcdefghijkl!");
    expect(rules, &p, &[8]);
}

/// A request-only HTTP transaction with one URI.
struct UriTx;

impl crate::txview::TxView for UriTx {
    fn app_proto(&self) -> crate::buffer::AppProto {
        crate::buffer::AppProto::Http
    }
    fn tx_id(&self) -> u64 {
        0
    }
    fn buffer<'a>(&'a self, b: crate::buffer::Buffer, to_server: bool, out: &mut Vec<&'a [u8]>) {
        if b == crate::buffer::Buffer::HttpUri && to_server {
            out.push(b"/index.html");
        }
    }
    fn side_complete(&self, _: bool) -> bool {
        true
    }
}

#[test]
fn header_buffers_combine_with_app_layer_buffers() {
    let rules = r#"
alert http any any -> any any (tcp.hdr; content:"|00 50|"; offset:2; depth:2; http.uri; content:"/index"; sid:1;)
alert http any any -> any any (http.uri; content:"/index"; tcp.hdr; content:"|50 18|"; sid:2;)
alert http any any -> any any (vlan.layers:0; http.uri; content:"/index"; sid:3;)
alert http any any -> any any (vlan.layers:1; http.uri; content:"/index"; sid:4;)
"#;
    for prefilter in [true, false] {
        let (set, report) = build(rules, prefilter);
        assert_eq!(report.compiled, report.parsed, "{report:#?}");
        let run = |p: &PacketView| {
            let mut scratch = set.new_scratch();
            let mut vars = crate::FlowVars::default();
            let mut out = Vec::new();
            set.match_tx(p, &UriTx, &mut vars, &mut scratch, &mut out);
            let mut s: Vec<u32> = out.iter().map(|&id| set.meta(id).sid).collect();
            s.sort_unstable();
            s
        };
        let mut p = tcp_pkt(IP_SYN, TCP_GET, b"GET /index.html HTTP/1.1\r\n");
        p.flow.app_proto = Some(crate::buffer::AppProto::Http);
        assert_eq!(run(&p), vec![1, 2, 3], "prefilter={prefilter}");
        // Without the TCP header bytes only the keyword-free rule holds.
        p.headers.tcp = &[];
        assert_eq!(run(&p), vec![3], "prefilter={prefilter}");
    }
}

#[test]
fn pcre_capture_lists_are_unsupported_not_invalid() {
    // Flow variables load (see `flow_tests`); packet variables do not.
    let (kind, why) = rejected(
        r#"alert tcp any any -> any any (pcre:"/^(.*)\/(\d+)/G, pkt:key,flow:value"; sid:1;)"#,
    );
    assert_eq!(kind, IssueKind::Unsupported, "{why}");
}
