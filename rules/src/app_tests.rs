//! App-layer tests: rule text → rule set → `match_tx` on hand-made
//! transactions, and the packet/stream classification of payload rules.
//! Every matching case runs with the prefilter on and off and must agree.
//! Tests on ET Open rules are in `et`.

use crate::addr::v4;
use crate::buffer::{AppProto, Buffer};
use crate::packet::PacketView;
use crate::tests::{build, tcp};
use crate::transform::Transform;
use crate::txview::{ssl_state, tls_version, TxView};
use crate::{FlowVars, IssueKind, LoadReport, RuleSet};

mod et;
mod kw8;
mod uri_retry;

/// A transaction with fixed values.
struct Tx {
    proto: AppProto,
    /// (buffer, to_server, value); several entries make a multi-buffer.
    bufs: Vec<(Buffer, bool, &'static [u8])>,
    complete: (bool, bool),
    opcode: Option<u8>,
    rrtypes: Vec<u16>,
    version: Option<u16>,
    state: u32,
}

impl Tx {
    fn new(proto: AppProto, bufs: Vec<(Buffer, bool, &'static [u8])>) -> Tx {
        Tx {
            proto,
            bufs,
            complete: (true, true),
            opcode: None,
            rrtypes: Vec::new(),
            version: None,
            state: 0,
        }
    }
}

impl TxView for Tx {
    fn app_proto(&self) -> AppProto {
        self.proto
    }
    fn tx_id(&self) -> u64 {
        0
    }
    fn buffer<'a>(&'a self, b: Buffer, to_server: bool, out: &mut Vec<&'a [u8]>) {
        out.extend(
            self.bufs
                .iter()
                .filter(|(x, s, _)| *x == b && *s == to_server)
                .map(|(_, _, v)| *v),
        );
    }
    fn side_complete(&self, to_server: bool) -> bool {
        if to_server {
            self.complete.0
        } else {
            self.complete.1
        }
    }
    fn dns_opcode(&self, _: bool) -> Option<u8> {
        self.opcode
    }
    fn dns_rrtypes(&self, _: bool, out: &mut Vec<u16>) {
        out.extend_from_slice(&self.rrtypes);
    }
    fn tls_version(&self, _: bool) -> Option<u16> {
        self.version
    }
    fn tls_state(&self) -> u32 {
        self.state
    }
}

const REQ: bool = true;
const RESP: bool = false;

fn http_tx() -> Tx {
    use Buffer::*;
    Tx::new(
        AppProto::Http,
        vec![
            (HttpMethod, REQ, b"GET"),
            (HttpUri, REQ, b"/index.html?a=1"),
            (HttpUriRaw, REQ, b"/index.html?a=%31"),
            (HttpHost, REQ, b"example.com"),
            (HttpProtocol, REQ, b"HTTP/1.1"),
            (HttpProtocol, RESP, b"HTTP/1.1"),
            (
                HttpHeader,
                REQ,
                b"Host: example.com\r\nX-A: one\r\nX-A: two\r\n",
            ),
            (HttpRequestHeader, REQ, b"Host: example.com"),
            (HttpRequestHeader, REQ, b"X-A: one"),
            (HttpRequestHeader, REQ, b"X-A: two"),
            (HttpHeaderNames, REQ, b"\r\nHost\r\nX-A\r\nX-A\r\n\r\n"),
            (HttpRequestBody, REQ, b"mail%3Dx+y!"),
            (HttpContentLen, REQ, b"11"),
            (FileData, REQ, b"mail%3Dx+y!"),
            (HttpStatCode, RESP, b"200"),
            (HttpStatMsg, RESP, b"OK"),
            (HttpServer, RESP, b"nginx"),
            (HttpHeader, RESP, b"Server: nginx\r\nContent-Length: 5\r\n"),
            (HttpResponseBody, RESP, b"hello"),
            (FileData, RESP, b"hello"),
        ],
    )
}

fn dns_tx() -> Tx {
    let mut tx = Tx::new(
        AppProto::Dns,
        vec![
            (Buffer::DnsQuery, REQ, b"www.Example.com"),
            (Buffer::DnsQuery, REQ, b"other.org"),
            (Buffer::DnsAnswerName, RESP, b"www.example.com"),
        ],
    );
    tx.opcode = Some(0);
    tx.rrtypes = vec![1, 28];
    tx
}

fn tls_tx() -> Tx {
    let mut tx = Tx::new(
        AppProto::Tls,
        vec![
            (Buffer::TlsSni, REQ, b"login.evil.com"),
            (Buffer::Ja3Hash, REQ, b"e7d705a3286e19ea42f587b344ee6865"),
            (Buffer::TlsCertSubject, RESP, b"C=US, CN=evil.com"),
            (Buffer::TlsCerts, RESP, b"\x30\x82\x01\x0aleaf"),
            (Buffer::TlsCerts, RESP, b"\x30\x82\x02\x0bca"),
        ],
    );
    tx.version = Some(tls_version::TLS12);
    tx.state = ssl_state::CLIENT_HELLO | ssl_state::SERVER_HELLO;
    tx
}

fn ssh_tx() -> Tx {
    Tx::new(
        AppProto::Ssh,
        vec![
            (Buffer::SshProto, REQ, b"2.0"),
            (Buffer::SshProto, RESP, b"1.99"),
            (Buffer::SshSoftware, REQ, b"OpenSSH_8.9p1"),
            (Buffer::SshSoftware, RESP, b"dropbear_2022"),
        ],
    )
}

/// A packet of the transaction's flow in direction `to_server`.
fn pkt(to_server: bool, payload: &[u8], proto: AppProto) -> PacketView<'_> {
    let (c, s) = (v4(10, 0, 0, 1), v4(10, 0, 0, 2));
    let mut p = if to_server {
        tcp(c, 40000, s, 80, payload)
    } else {
        tcp(s, 80, c, 40000, payload)
    };
    p.flow.to_server = to_server;
    p.flow.app_proto = Some(proto);
    p
}

fn tx_sids(set: &RuleSet, p: &PacketView, tx: &dyn TxView) -> Vec<u32> {
    let mut scratch = set.new_scratch();
    let mut vars = FlowVars::default();
    let mut out = Vec::new();
    set.match_tx(p, tx, &mut vars, &mut scratch, &mut out);
    out.iter().map(|&id| set.meta(id).sid).collect()
}

/// Sids `p` matches as a packet of a flow with fresh flow variables.
fn packet_sids(set: &RuleSet, p: &PacketView) -> Vec<u32> {
    let mut scratch = set.new_scratch();
    let mut vars = FlowVars::default();
    let mut out = Vec::new();
    set.match_flow_packet(p, &mut vars, &mut scratch, &mut out);
    out.iter().map(|&id| set.meta(id).sid).collect()
}

fn load_all(rules: &str, prefilter: bool) -> (RuleSet, LoadReport) {
    let (set, report) = build(rules, prefilter);
    assert_eq!(
        report.compiled, report.parsed,
        "not all rules loaded: {:#?}{:#?}",
        report.unsupported, report.other_errors
    );
    (set, report)
}

/// Each case: (header, options, matches on the request packet, matches on
/// the response packet).
type Case<'a> = (&'a str, &'a str, bool, bool);

fn run_table(tx: &Tx, cases: &[Case], payload: &[u8]) {
    let rules: String = cases
        .iter()
        .enumerate()
        .map(|(i, (hdr, opts, _, _))| {
            format!("alert {hdr} any any -> any any ({opts} sid:{};)\n", i + 1)
        })
        .collect();
    for prefilter in [true, false] {
        let (set, _) = load_all(&rules, prefilter);
        for (dir, col) in [(true, 0), (false, 1)] {
            let got = tx_sids(&set, &pkt(dir, payload, tx.proto), tx);
            let want: Vec<u32> = (1..)
                .zip(cases)
                .filter(|(_, c)| if col == 0 { c.2 } else { c.3 })
                .map(|(sid, _)| sid)
                .collect();
            assert_eq!(
                got, want,
                "prefilter={prefilter} to_server={dir}\nrules:\n{rules}"
            );
        }
    }
}

#[test]
fn http_buffers_table() {
    let mut md5 = Vec::new();
    Transform::ToMd5.apply(b"/index.html?a=1", &mut md5);
    let md5_rule = format!(
        "http.uri; to_md5; content:\"|{}|\";",
        md5.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let cases: &[Case] = &[
        ("http", r#"http.uri; content:"/index";"#, true, false),
        (
            "http",
            r#"http.uri; content:"/INDEX"; nocase;"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.uri; content:"index"; startswith;"#,
            false,
            false,
        ),
        (
            "http",
            r#"http.uri; content:"/index"; startswith; content:"a=1"; endswith;"#,
            true,
            false,
        ),
        ("http", r#"http.uri.raw; content:"a=%31";"#, true, false),
        ("tcp", r#"http.uri; content:"/index";"#, true, false),
        // Legacy modifiers, relative within their buffer.
        (
            "http",
            r#"content:"GET"; http_method; content:"/index"; http_uri;"#,
            true,
            false,
        ),
        (
            "http",
            r#"content:"/INDEX"; http_uri; nocase; content:"a=1"; distance:0; http_uri;"#,
            true,
            false,
        ),
        (
            "http",
            r#"content:"a=1"; http_uri; content:"/index"; distance:0; http_uri;"#,
            false,
            false,
        ),
        ("http", r#"uricontent:"/index";"#, true, false),
        // pcre buffer flags.
        ("http", r#"pcre:"/^\/index\.html/U";"#, true, false),
        ("http", r#"pcre:"/a=%31$/I";"#, true, false),
        ("http", r#"pcre:"/^GET$/M";"#, true, false),
        ("http", r#"pcre:"/nginx/H";"#, false, true),
        ("http", r#"pcre:"/^200$/S";"#, false, true),
        ("http", r#"http.uri; pcre:"/html\?a/U";"#, true, false),
        // Both-side buffers follow the packet.
        ("http", r#"http.header; content:"nginx";"#, false, true),
        ("http", r#"http.header; content:"X-A";"#, true, false),
        ("http", r#"http.protocol; content:"HTTP/1.1";"#, true, true),
        ("http", r#"file_data; content:"hello";"#, false, true),
        ("http", r#"file.data; content:"mail";"#, true, false),
        (
            "http",
            r#"flow:to_client; file.data; content:"mail";"#,
            false,
            false,
        ),
        // Multi-buffers: one value must satisfy the whole chain.
        (
            "http",
            r#"http.request_header; content:"X-A: two";"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.request_header; content:"X-A"; content:"two"; distance:0;"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.request_header; content:"one"; content:"two";"#,
            false,
            false,
        ),
        ("http", r#"http.request_header; bsize:8;"#, true, false),
        // Absent buffers never match, even negated.
        ("http", r#"http.user_agent; content:!"foo";"#, false, false),
        ("http", r#"http.user_agent; bsize:<100;"#, false, false),
        // bsize, urilen, transforms.
        ("http", r#"http.host; bsize:11;"#, true, false),
        ("http", r#"http.host; bsize:>11;"#, false, false),
        (
            "http",
            r#"http.host; dotprefix; content:".example.com"; endswith;"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.host; to_uppercase; content:"EXAMPLE";"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.request_body; url_decode; content:"mail=x y!"; bsize:9;"#,
            true,
            false,
        ),
        ("http", &md5_rule, true, false),
        (
            "http",
            r#"http.content_len; byte_test:0,=,11,0,string,dec;"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.content_len; byte_test:0,=,1,1,string,dec;"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.content_len; byte_test:0,>,11,0,string,dec;"#,
            false,
            false,
        ),
        // Suricata 7: http_server_body and pcre Q inspect file data.
        ("http", r#"content:"mail"; http_server_body;"#, true, false),
        ("http", r#"pcre:"/hell/Q";"#, false, true),
        (
            "http",
            r#"http.response_body; pcre:"/hel+/Q";"#,
            false,
            true,
        ),
        ("http", r#"urilen:15;"#, true, false),
        ("http", r#"urilen:<10;"#, false, false),
        ("http", r#"urilen:>16,raw;"#, true, false),
        (
            "http",
            r#"urilen:10<>20; http.method; content:"GET";"#,
            true,
            false,
        ),
        // Response side.
        ("http", r#"http.stat_code; content:"200";"#, false, true),
        (
            "http",
            r#"flow:to_client; http.server; content:"nginx";"#,
            false,
            true,
        ),
        (
            "http",
            r#"http.stat_msg; content:"OK"; http.response_body; content:"hell";"#,
            false,
            true,
        ),
        // Packet payload parts inspect the packet.
        (
            "http",
            r#"http.method; content:"GET"; pkt_data; content:"xyz";"#,
            true,
            false,
        ),
        (
            "http",
            r#"http.method; content:"GET"; pkt_data; content:"nope";"#,
            false,
            false,
        ),
        // Protocol mismatch.
        ("dns", r#"dns.query; content:"example";"#, false, false),
    ];
    run_table(&http_tx(), cases, b"xyz payload");
}

#[test]
fn dns_tls_ssh_tables() {
    let dns: &[Case] = &[
        (
            "dns",
            r#"dns.query; content:"example"; nocase;"#,
            true,
            false,
        ),
        (
            "dns",
            r#"dns.query; to_lowercase; dotprefix; content:".example.com"; endswith;"#,
            true,
            false,
        ),
        (
            "dns",
            r#"dns.query; content:"other"; content:"org";"#,
            true,
            false,
        ),
        (
            "dns",
            r#"dns.query; content:"other"; content:"com";"#,
            false,
            false,
        ),
        (
            "ip",
            r#"dns_query; content:"other.org"; bsize:9;"#,
            true,
            false,
        ),
        ("dns", r#"dns.answer.name; content:"www";"#, false, true),
        ("dns", r#"dns.opcode:0;"#, true, true),
        ("dns", r#"dns.opcode:!0;"#, false, false),
        ("dns", r#"dns.rrtype:AAAA;"#, true, true),
        ("dns", r#"dns.rrtype:MX;"#, false, false),
        ("http", r#"http.uri; content:"/";"#, false, false),
    ];
    run_table(&dns_tx(), dns, b"q");
    let tls: &[Case] = &[
        (
            "tls",
            r#"tls.sni; content:"evil.com"; endswith;"#,
            true,
            false,
        ),
        (
            "tls",
            r#"tls_sni; content:"login."; startswith;"#,
            true,
            false,
        ),
        (
            "tls",
            r#"ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865";"#,
            true,
            false,
        ),
        (
            "tls",
            r#"tls.cert_subject; content:"CN=evil.com";"#,
            false,
            true,
        ),
        (
            "tls",
            r#"tls.certs; content:"|30 82 02|"; startswith;"#,
            false,
            true,
        ),
        ("tls", r#"tls.certs; content:"ca"; endswith;"#, false, true),
        (
            "tls",
            r#"tls.certs; content:"leaf"; content:"ca";"#,
            false,
            false,
        ),
        ("tls", r#"tls.version:1.2;"#, true, true),
        ("tls", r#"ssl_version:tls1.3;"#, false, false),
        ("tcp", r#"ssl_version:!sslv3;"#, true, true),
        ("tcp", r#"ssl_version:!tls1.3,tls1.1;"#, true, true),
        ("tcp", r#"ssl_version:!tls1.2;"#, false, false),
        ("tls", r#"ssl_state:client_hello;"#, true, true),
        ("tcp", r#"tls.sni; content:"evil";"#, true, false),
    ];
    run_table(&tls_tx(), tls, b"x");
    let ssh: &[Case] = &[
        ("ssh", r#"ssh.proto; content:"2.0";"#, true, false),
        ("ssh", r#"ssh_proto; content:"1.99";"#, false, true),
        (
            "ssh",
            r#"ssh.software; content:"OpenSSH"; startswith;"#,
            true,
            false,
        ),
        ("ssh", r#"ssh.protoversion:2_compat;"#, true, true),
        ("ssh", r#"ssh.softwareversion:dropbear;"#, false, true),
    ];
    run_table(&ssh_tx(), ssh, b"x");
}

#[test]
fn growing_bodies_wait_for_the_side_to_complete() {
    let rules = r#"alert http any any -> any any (http.request_body; content:!"secret"; sid:1;)
alert http any any -> any any (http.request_body; content:"mail"; sid:2;)
alert http any any -> any any (http.request_body; bsize:11; sid:3;)
alert http any any -> any any (http.uri; content:!"zzz"; sid:4;)
"#;
    let (set, _) = load_all(rules, true);
    let mut tx = http_tx();
    tx.complete = (false, false);
    let p = pkt(true, b"x", AppProto::Http);
    assert_eq!(tx_sids(&set, &p, &tx), [2, 4]);
    tx.complete = (true, false);
    assert_eq!(tx_sids(&set, &p, &tx), [1, 2, 3, 4]);
}

#[test]
fn transactional_rules_span_both_sides() {
    let rules = r#"alert http 10.0.0.1 any => any any (http.uri; content:"/index"; http.stat_code; content:"200"; sid:1;)
alert http any any => any any (http.uri; content:"/index"; http.stat_code; content:"404"; sid:2;)
alert http any any => any any (http.header: to_client; content:"nginx"; http.uri; content:"/index"; sid:3;)
alert http any any => any any (http.header; content:"nginx"; sid:4;)
alert http any any => any any (http.header; content:"X-A"; http.server; content:"nginx"; fast_pattern; sid:5;)
alert http 10.0.0.2 any => any any (http.uri; content:"/index"; http.stat_code; content:"200"; sid:6;)
"#;
    for prefilter in [true, false] {
        let (set, _) = load_all(rules, prefilter);
        let mut tx = http_tx();
        let req = pkt(true, b"x", AppProto::Http);
        let resp = pkt(false, b"x", AppProto::Http);
        assert!(tx_sids(&set, &req, &tx).is_empty());
        assert_eq!(tx_sids(&set, &resp, &tx), [1, 3, 5]);
        tx.complete.0 = false;
        assert!(tx_sids(&set, &resp, &tx).is_empty());
    }
}

#[test]
fn app_proto_header_rules_are_packet_rules() {
    let rules = r#"alert http any any -> any any (flow:established; sid:1;)
alert dns any any -> any any (sid:2;)
alert tcp any any -> any any (app-layer-protocol:!http; content:"x"; sid:3;)
alert tcp any any -> any any (app-layer-protocol:tls; sid:4;)
alert http any any -> any any (content:"x"; sid:5;)
alert tcp any any -> any any (app-layer-protocol:unknown; sid:6;)
"#;
    for prefilter in [true, false] {
        let (set, _) = load_all(rules, prefilter);
        let sids = |p: &PacketView| packet_sids(&set, p);
        let mut p = pkt(true, b"x", AppProto::Http);
        // As the engine fills them: both directions detected, and this
        // packet brings the news (4 and 6 are detection-only rules).
        p.flow.app_proto_dir = [Some(AppProto::Http); 2];
        p.flow.proto_detected = true;
        assert_eq!(sids(&p), [1, 5]);
        p.flow.app_proto = Some(AppProto::Tls);
        p.flow.app_proto_dir = [Some(AppProto::Tls); 2];
        assert_eq!(sids(&p), [3, 4]);
        p.flow.proto_detected = false;
        assert_eq!(sids(&p), [3]);
        p.flow.proto_detected = true;
        p.flow.app_proto = None;
        p.flow.app_proto_dir = [None; 2];
        assert_eq!(sids(&p), [6]);
        // Not transaction rules.
        assert!(tx_sids(&set, &pkt(true, b"x", AppProto::Http), &http_tx()).is_empty());
    }
}

#[test]
fn packet_and_stream_views() {
    let rules = r#"alert tcp any any -> any any (content:"GET"; sid:1;)
alert tcp any any -> any any (content:"GET"; depth:3; sid:2;)
alert tcp-stream any any -> any any (content:"GET"; sid:3;)
alert tcp-pkt any any -> any any (content:"GET"; sid:4;)
alert tcp any any -> any any (flow:established; sid:5;)
alert tcp any any -> any any (content:"GET"; startswith; sid:6;)
alert tcp any any -> any any (content:"x"; content:"GET"; depth:3; sid:7;)
alert tcp any any -> any any (dsize:>0; content:"GET"; sid:8;)
alert ip any any -> any any (content:"GET"; offset:0; sid:9;)
alert http any any -> any any (content:"GET"; sid:10;)
alert tcp any any -> any any (stream_size:client,<,10000; content:"GET"; sid:11;)
"#;
    let payload = b"GET /x HTTP/1.1\r\n";
    for prefilter in [true, false] {
        let (set, _) = load_all(rules, prefilter);
        let sids = |stream_active: bool, from_stream: bool| {
            let mut p = pkt(true, payload, AppProto::Http);
            p.flow.stream_active = stream_active;
            p.flow.from_stream = from_stream;
            packet_sids(&set, &p)
        };
        // No reassembly: packets carry everything but stream-only rules.
        assert_eq!(sids(false, false), [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
        // Reassembly on: payload rules wait for the stream, unless a
        // content is anchored (7: the second) or they test stream_size
        // (11), which Suricata inspects on the packet too.
        assert_eq!(sids(true, false), [2, 4, 5, 6, 7, 8, 9, 11]);
        assert_eq!(sids(true, true), [1, 2, 3, 6, 7, 9, 10, 11]);
    }
}

#[test]
fn invalid_and_unsupported_combinations() {
    let cases: &[(&str, IssueKind, &str)] = &[
        (r#"http.uri;"#, IssueKind::Invalid, "not followed"),
        (
            r#"http.uri; pkt_data; content:"x";"#,
            IssueKind::Invalid,
            "not followed",
        ),
        (
            r#"content:"x"; http_uri; http_header;"#,
            IssueKind::Invalid,
            "without a content",
        ),
        (
            r#"http.uri; content:"x"; content:"y"; http_header;"#,
            IssueKind::Invalid,
            "sticky buffer still set",
        ),
        (r#"bsize:10;"#, IssueKind::Invalid, "sticky buffer"),
        (
            r#"to_lowercase; content:"x";"#,
            IssueKind::Invalid,
            "follow sticky",
        ),
        (
            r#"http.uri; to_lowercase; content:"X";"#,
            IssueKind::Invalid,
            "incompatible",
        ),
        (
            r#"http.uri; content:"x"; dns.query; content:"y";"#,
            IssueKind::Invalid,
            "app proto",
        ),
        (
            r#"http.uri; pcre:"/x/H";"#,
            IssueKind::Invalid,
            "sticky buffer still set",
        ),
        (
            r#"flow:to_server; http.stat_code; content:"200";"#,
            IssueKind::Invalid,
            "conflicting directions",
        ),
        (
            r#"http.uri; content:"x"; http.stat_code; content:"200";"#,
            IssueKind::Invalid,
            "conflicting directions",
        ),
        (
            r#"app-layer-protocol:http; app-layer-protocol:!tls;"#,
            IssueKind::Invalid,
            "mix",
        ),
        (
            r#"http.uri: to_client; content:"x";"#,
            IssueKind::Invalid,
            "takes no value",
        ),
        (r#"urilen:5,bogus;"#, IssueKind::Invalid, "urilen"),
        (
            r#"http.uri; luaxform:x.lua; content:"x";"#,
            IssueKind::Unsupported,
            "lua",
        ),
        (
            r#"app-layer-protocol:failed;"#,
            IssueKind::Unsupported,
            "failed",
        ),
        (
            r#"app-layer-protocol:smb;"#,
            IssueKind::Unsupported,
            "not parsed",
        ),
    ];
    for &(opts, kind, what) in cases {
        let rule = format!("alert tcp any any -> any any ({opts} sid:1;)");
        let (set, r) = build(&rule, true);
        assert_eq!(set.len(), 0, "{rule}");
        let issue = r
            .other_errors
            .iter()
            .map(|e| (IssueKind::Invalid, e.reason.clone()))
            .chain(
                r.unsupported
                    .iter()
                    .map(|u| (IssueKind::Unsupported, u.reason.clone())),
            )
            .next()
            .unwrap_or((IssueKind::UndefinedVar, String::new()));
        assert_eq!(issue.0, kind, "{rule}: {}", issue.1);
        assert!(issue.1.contains(what), "{rule}: {}", issue.1);
    }
    let headers: &[(&str, IssueKind)] = &[
        (
            r#"alert http any any -> any any (app-layer-protocol:!http; sid:1;)"#,
            IssueKind::Invalid,
        ),
        (
            r#"alert dns any any -> any any (http.uri; content:"x"; sid:1;)"#,
            IssueKind::Invalid,
        ),
        (
            r#"alert tcp any any => any any (content:"x"; sid:1;)"#,
            IssueKind::Invalid,
        ),
        (
            r#"alert smtp any any -> any any (content:"x"; sid:1;)"#,
            IssueKind::Unsupported,
        ),
    ];
    for &(rule, kind) in headers {
        let (set, r) = build(rule, true);
        assert_eq!(set.len(), 0, "{rule}");
        let got = if r.other_errors.is_empty() {
            IssueKind::Unsupported
        } else {
            IssueKind::Invalid
        };
        assert_eq!(got, kind, "{rule}: {r:#?}");
    }
}

#[test]
fn fast_patterns_follow_buffer_priorities() {
    // The longer payload content loses to the buffer content (priority 2
    // beats 3); http.method (4) loses to the payload.
    let rules = r#"alert http any any -> any any (content:"a much longer payload"; http.uri; content:"/ix"; sid:1;)
alert http any any -> any any (http.method; content:"POSTED"; pkt_data; content:"xyz"; sid:2;)
alert http any any -> any any (http.uri; content:"/index"; http.host; content:"example"; fast_pattern; sid:3;)
"#;
    let (set, report) = build(rules, true);
    assert_eq!(report.compiled, 3);
    let fast: Vec<Vec<u8>> = set
        .rules_for_test()
        .map(|r| r.fast.as_ref().map(|f| f.bytes.clone()).unwrap_or_default())
        .collect();
    assert_eq!(
        fast,
        [b"/ix".to_vec(), b"xyz".to_vec(), b"example".to_vec()]
    );
    let (always, automata) = set.tx_sizes();
    assert_eq!(always, 0);
    assert!(automata >= 3, "{automata}");
}

#[test]
fn protocol_detection_only_rules_wait_for_the_detection_packet() {
    let rules = "\
alert tcp any any -> any any (flow:to_client; app-layer-protocol:http1,to_server; app-layer-protocol:ssh,to_client; sid:1;)\n\
alert tcp any any -> any any (app-layer-protocol:ssh; flowbits:set,seen; sid:2;)\n\
alert tcp any any -> any any (app-layer-protocol:ssh; flow:established; sid:3;)\n\
alert tcp any any -> any any (app-layer-protocol:http,final; app-layer-protocol:!tls,to_client; flow:established; sid:4;)\n";
    let sids = |set: &RuleSet, p: &PacketView| {
        let mut scratch = set.new_scratch();
        let mut out = Vec::new();
        set.match_packet(p, &mut scratch, &mut out);
        let mut s: Vec<u32> = out.iter().map(|&id| set.meta(id).sid).collect();
        s.sort_unstable();
        s
    };
    for prefilter in [true, false] {
        let (set, _) = load_all(rules, prefilter);
        // An HTTP request answered by an SSH banner, seen from the server.
        let mut p = pkt(RESP, b"", AppProto::Http);
        p.flow.established = true;
        p.flow.app_proto_dir = [Some(AppProto::Http), Some(AppProto::Ssh)];
        // 1 and 2 only match on the packet that brings the news of the
        // detection; 3 and 4 on any packet of the flow.
        assert_eq!(sids(&set, &p), [3, 4], "prefilter={prefilter}");
        p.flow.proto_detected = true;
        assert_eq!(sids(&set, &p), [1, 2, 3, 4], "prefilter={prefilter}");
        // From the client's side the direction is HTTP.
        let mut q = pkt(REQ, b"", AppProto::Http);
        q.flow.established = true;
        q.flow.app_proto_dir = p.flow.app_proto_dir;
        q.flow.proto_detected = true;
        assert_eq!(sids(&set, &q), [4], "prefilter={prefilter}");
    }
    // Modes combine; one mode takes one positive match.
    let (_, report) = build(
        "alert tcp any any -> any any (app-layer-protocol:http; app-layer-protocol:ssh,direction; sid:1;)",
        true,
    );
    assert_eq!(report.compiled, 0);
    let (_, report) = build(
        "alert tcp any any -> any any (app-layer-protocol:tls,sideways; sid:1;)",
        true,
    );
    assert_eq!(report.compiled, 0);
}

#[test]
fn http_rules_cover_http2_and_http1_rules_do_not() {
    let rules = r#"alert http any any -> any any (http.uri; content:"/index"; sid:1;)
alert http1 any any -> any any (http.uri; content:"/index"; sid:2;)
alert http2 any any -> any any (http.uri; content:"/index"; sid:3;)
alert http any any -> any any (content:"x"; sid:4;)
alert http1 any any -> any any (content:"x"; sid:5;)
alert tcp any any -> any any (app-layer-protocol:http; content:"x"; sid:6;)
alert tcp any any -> any any (app-layer-protocol:!http; content:"x"; sid:7;)
"#;
    for prefilter in [true, false] {
        let (set, _) = load_all(rules, prefilter);
        let h1 = Tx::new(AppProto::Http, vec![(Buffer::HttpUri, REQ, b"/index")]);
        let h2 = Tx::new(AppProto::Http2, vec![(Buffer::HttpUri, REQ, b"/index")]);
        let p1 = pkt(true, b"x", AppProto::Http);
        let p2 = pkt(true, b"x", AppProto::Http2);
        assert_eq!(tx_sids(&set, &p1, &h1), [1, 2]);
        assert_eq!(tx_sids(&set, &p2, &h2), [1, 3]);
        let sids = |p: &PacketView| packet_sids(&set, p);
        let mut p1 = p1;
        p1.flow.app_proto_dir = [Some(AppProto::Http); 2];
        let mut p2 = p2;
        p2.flow.app_proto_dir = [Some(AppProto::Http2); 2];
        assert_eq!(sids(&p1), [4, 5, 6]);
        assert_eq!(sids(&p2), [4, 6]);
    }
}
