//! End-to-end tests: rule text → rule set → matches on hand-made packets.
//! Every case runs with the prefilter on and off and must agree.

use std::net::IpAddr;

use crate::addr::{v4, v6};
use crate::packet::{ipproto, FlowInfo, PacketView, TcpFields};
use crate::{Action, Classifications, IssueKind, LoadReport, RuleSet, RuleSetBuilder, Vars};

pub(crate) fn build(rules: &str, prefilter: bool) -> (RuleSet, LoadReport) {
    let mut b = RuleSetBuilder::new(Vars::suricata_defaults(), Classifications::default())
        .prefilter(prefilter);
    b.add_source(rules, None);
    b.build()
}

fn sids(set: &RuleSet, p: &PacketView) -> Vec<u32> {
    let mut scratch = set.new_scratch();
    let mut out = Vec::new();
    set.match_packet(p, &mut scratch, &mut out);
    out.iter().map(|&id| set.meta(id).sid).collect()
}

/// Asserts that `rules` load completely and match `want` on `p`, with and
/// without the prefilter.
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

pub(crate) fn tcp(
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    payload: &[u8],
) -> PacketView<'_> {
    let mut p = PacketView::new(src, dst, ipproto::TCP, payload);
    p.sport = sport;
    p.dport = dport;
    p.tcp = Some(TcpFields {
        flags: 0x18,
        seq: 1,
        ack: 1,
        window: 1024,
        mss: None,
    });
    p.flow = FlowInfo {
        to_server: true,
        established: true,
        ..FlowInfo::default()
    };
    p
}

pub(crate) fn to80(payload: &[u8]) -> PacketView<'_> {
    tcp(v4(10, 0, 0, 1), 40000, v4(93, 184, 216, 34), 80, payload)
}

#[test]
fn content_modifiers_table() {
    // (rule options, payload, matches)
    let cases: &[(&str, &[u8], bool)] = &[
        (r#"content:"GET";"#, b"xGETx", true),
        (r#"content:"get";"#, b"GET", false),
        (r#"content:"get"; nocase;"#, b"GeT", true),
        (r#"content:"|47 45|T";"#, b"GET", true),
        (r#"content:!"evil";"#, b"good", true),
        (r#"content:!"evil";"#, b"so evil", false),
        (r#"content:"GET"; depth:3;"#, b"GET /", true),
        (r#"content:"GET"; depth:3;"#, b" GET /", false),
        (r#"content:"GET"; offset:1; depth:3;"#, b" GET /", true),
        (r#"content:"GET"; startswith;"#, b"GET /", true),
        (r#"content:"GET"; startswith;"#, b" GET", false),
        (r#"content:"|0d 0a 0d 0a|"; endswith;"#, b"a\r\n\r\n", true),
        (
            r#"content:"|0d 0a 0d 0a|"; endswith;"#,
            b"a\r\n\r\nx",
            false,
        ),
        // a chain finds "b" after any "a"
        (r#"content:"a"; content:"b"; distance:0;"#, b"xxaxxb", true),
        (r#"content:"a"; content:"b"; distance:0;"#, b"bxxa", false),
        // within backtracks over earlier occurrences of the first content
        (
            r#"content:"a"; content:"b"; distance:0; within:2;"#,
            b"a....axb",
            true,
        ),
        (
            r#"content:"a"; content:"b"; distance:0; within:2;"#,
            b"a....axxb",
            false,
        ),
        (
            r#"content:"a"; content:"b"; distance:1; within:1;"#,
            b"ab.axb",
            true,
        ),
        (
            r#"content:"a"; content:"b"; distance:-2; within:1;"#,
            b"ba",
            true,
        ),
        // negated relative content
        (
            r#"content:"GET"; content:!"evil"; distance:0; within:8;"#,
            b"GET /fine/evil",
            true,
        ),
        (
            r#"content:"GET"; content:!"evil"; distance:0; within:8;"#,
            b"GET /evil",
            false,
        ),
        (
            r#"content:"GET"; content:!"evil"; distance:0; within:8;"#,
            b"GET /evil GET /ok",
            true,
        ),
        // fast_pattern variants do not change what matches
        (r#"content:"abc"; fast_pattern:only;"#, b"xxabcxx", true),
        (r#"content:"abcdef"; fast_pattern:2,3;"#, b"abcdef", true),
        (r#"content:"abcdef"; fast_pattern:2,3;"#, b"cde", false),
        (
            r#"content:"xy"; content:"longer pattern"; content:"z"; fast_pattern;"#,
            b"xy longer pattern z",
            true,
        ),
        (
            r#"content:"xy"; content:"longer pattern"; content:"z"; fast_pattern;"#,
            b"xy longer pattern",
            false,
        ),
        // case-sensitive fast pattern hit with the wrong case is rejected
        (r#"content:"Secret";"#, b"secret", false),
        (r#"content:"Secret"; content:"x";"#, b"SECRET x", false),
        (
            r#"content:"Secret"; nocase; content:"x";"#,
            b"SECRET x",
            true,
        ),
        (r#"isdataat:5;"#, b"123456", true),
        (r#"isdataat:6;"#, b"123456", false),
        (r#"content:"12"; isdataat:4,relative;"#, b"123456", true),
        (r#"content:"12"; isdataat:!5,relative;"#, b"123456", true),
        (r#"content:"12"; isdataat:!4,relative;"#, b"123456", false),
    ];
    for (i, &(opts, payload, hit)) in cases.iter().enumerate() {
        let rule = format!("alert tcp any any -> any any ({opts} sid:{};)", i + 1);
        let want: &[u32] = if hit { &[i as u32 + 1] } else { &[] };
        expect(&rule, &to80(payload), want);
    }
}

#[test]
fn pcre_table() {
    let cases: &[(&str, &[u8], bool)] = &[
        (r#"pcre:"/^GET\s+\/[a-z]+\.php/i";"#, b"get /x.PHP", true),
        (r#"pcre:!"/evil/";"#, b"good", true),
        (r#"pcre:!"/evil/";"#, b"evil", false),
        (r#"content:"id="; pcre:"/^\d{3}/R";"#, b"id=123", true),
        // the content is retried at its later occurrences
        (
            r#"content:"id="; pcre:"/^\d{3}/R";"#,
            b"id=12x id=456",
            true,
        ),
        (r#"content:"k"; pcre:"/^v\d/R";"#, b"kx kv1", true),
        (r#"content:"k"; pcre:"/^v\d/R";"#, b"kx kv", false),
        (
            r#"pcre:"/a./"; content:"z"; distance:0; within:1;"#,
            b"ab--acz",
            true,
        ),
        (r#"pcre:"/(\w)\1x/";"#, b"--aax", true),
        (r#"pcre:"/foo(?!bar)/";"#, b"foobar foobaz", true),
        (r#"pcre:"/foo(?!bar)/";"#, b"foobar", false),
        (r#"pcre:"/\x00\xff/B";"#, b"\x00\xff", true),
    ];
    for (i, &(opts, payload, hit)) in cases.iter().enumerate() {
        let rule = format!("alert tcp any any -> any any ({opts} sid:{};)", i + 1);
        let want: &[u32] = if hit { &[i as u32 + 1] } else { &[] };
        expect(&rule, &to80(payload), want);
    }
}

#[test]
fn byte_keywords_feed_each_other() {
    // length-prefixed record: 2-byte length, then that many bytes, then "END"
    let rules = r#"
alert tcp any any -> any any (byte_extract:2,0,len; content:"END"; offset:len; sid:1;)
alert tcp any any -> any any (byte_extract:2,0,len; byte_test:1,=,len,2; sid:2;)
alert tcp any any -> any any (byte_jump:2,0; content:"END"; within:3; sid:3;)
alert tcp any any -> any any (byte_extract:1,1,n; isdataat:n,relative; sid:4;)
alert tcp any any -> any any (byte_math:bytes 2, offset 0, oper +, rvalue 1, result sum; byte_test:1,=,sum,2; sid:5;)
alert tcp any any -> any any (content:"|00|"; byte_test:1,>,2,0,relative; sid:6;)
"#;
    let payload = b"\x00\x03\x03abEND";
    expect(rules, &to80(payload), &[1, 2, 3, 4, 6]);
    let payload = b"\x00\x03\x04abEND";
    expect(rules, &to80(payload), &[1, 3, 4, 5, 6]);
}

#[test]
fn header_keywords_and_dsize() {
    let rules = r#"
alert tcp any any -> any any (dsize:5; sid:1;)
alert tcp any any -> any any (dsize:1<>5; sid:2;)
alert tcp any any -> any any (dsize:>3; sid:3;)
alert tcp any any -> any any (dsize:!5; sid:4;)
alert tcp any any -> any any (flags:PA; sid:5;)
alert tcp any any -> any any (flags:A+; sid:6;)
alert tcp any any -> any any (flags:S; sid:7;)
alert tcp any any -> any any (flags:*SA; sid:8;)
alert tcp any any -> any any (flags:!S; sid:9;)
alert tcp any any -> any any (flow:established,to_server; sid:10;)
alert tcp any any -> any any (flow:to_client; sid:11;)
alert tcp any any -> any any (ttl:64; window:1024; seq:1; ack:1; sid:12;)
alert tcp any any -> any any (ip_proto:6; sid:13;)
alert ip any any -> any any (ip_proto:!tcp; sid:14;)
"#;
    expect(rules, &to80(b"hello"), &[1, 3, 5, 6, 8, 9, 10, 12, 13]);
}

#[test]
fn dsize_on_empty_packets_follows_suricata_masks() {
    // Suricata's test-dsize-values: `!N`, `>N`, `>=N` and `N<>M` require a
    // payload; `<N`, `<=N` and `=0` match an empty packet.
    let rules = r#"
alert tcp any any -> any any (dsize:!9; sid:1;)
alert tcp any any -> any any (dsize:<10; sid:2;)
alert tcp any any -> any any (dsize:<=10; sid:3;)
alert tcp any any -> any any (dsize:>=0; sid:4;)
alert tcp any any -> any any (dsize:0; sid:5;)
alert tcp any any -> any any (dsize:0<>20; sid:6;)
alert tcp any any -> any any (dsize:>0; sid:7;)
"#;
    let cases: &[(&[u8], &[u32])] = &[
        (b"", &[2, 3, 5]),
        (b"0123456789", &[1, 3, 4, 6, 7]),
        (b"012345678", &[2, 3, 4, 6, 7]),
    ];
    for &(payload, want) in cases {
        expect(rules, &to80(payload), want);
    }
}

#[test]
fn addresses_ports_and_direction() {
    let rules = r#"
alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (content:"x"; sid:1;)
alert tcp [10.0.0.0/8,!10.0.0.1] any -> any any (content:"x"; sid:2;)
alert tcp any any -> any [1:79,81:] (content:"x"; sid:3;)
alert tcp any any -> any !80 (content:"x"; sid:4;)
alert tcp any 80 <> any any (content:"x"; sid:5;)
alert tcp 93.184.216.34 any <> 10.0.0.1 any (content:"x"; sid:6;)
alert tcp any [40000:40010] -> any any (content:"x"; sid:7;)
alert tcp 2001:db8::/32 any -> any any (content:"x"; sid:8;)
alert tcp any any -> [2001:db8::1,!2001:db8::2] any (content:"x"; sid:9;)
alert udp any any -> any 80 (content:"x"; sid:10;)
alert ip any any -> any any (content:"x"; sid:11;)
"#;
    let out = to80(b"x");
    expect(rules, &out, &[1, 5, 6, 7, 11]);
    // The reply: from the server's port 80 back to the client.
    let back = tcp(v4(93, 184, 216, 34), 80, v4(10, 0, 0, 1), 40000, b"x");
    expect(rules, &back, &[3, 4, 5, 6, 11]);
    let other = tcp(v4(10, 0, 0, 2), 40000, v4(93, 184, 216, 34), 80, b"x");
    expect(rules, &other, &[1, 2, 5, 7, 11]);
    let six = tcp(v6("2001:db8::5"), 1234, v6("2001:db8::1"), 443, b"x");
    expect(rules, &six, &[3, 4, 8, 9, 11]);
    let six_neg = tcp(v6("2001:db8::5"), 1234, v6("2001:db8::2"), 443, b"x");
    expect(rules, &six_neg, &[3, 4, 8, 11]);
}

#[test]
fn protocols_and_icmp() {
    let rules = r#"
alert icmp any any -> any any (itype:8; sid:1;)
alert icmpv6 any any -> any any (itype:128; sid:2;)
alert udp any any -> any 53 (content:"|01 00|"; offset:2; depth:2; sid:3;)
alert udp-pkt any any -> any 53 (dsize:>10; sid:4;)
alert ip any any -> any any (sameip; sid:5;)
"#;
    let mut echo = PacketView::new(v4(1, 1, 1, 1), v4(2, 2, 2, 2), ipproto::ICMP, b"ping");
    echo.icmp = Some(crate::packet::IcmpFields {
        itype: 8,
        icode: 0,
        id: Some(1),
        seq: Some(1),
    });
    expect(rules, &echo, &[1]);
    let mut echo6 = PacketView::new(v6("::1"), v6("::1"), ipproto::ICMPV6, b"");
    echo6.icmp = Some(crate::packet::IcmpFields {
        itype: 128,
        icode: 0,
        id: Some(1),
        seq: Some(1),
    });
    expect(rules, &echo6, &[2, 5]);
    let mut dns = PacketView::new(
        v4(10, 0, 0, 1),
        v4(8, 8, 8, 8),
        ipproto::UDP,
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",
    );
    dns.sport = 5353;
    dns.dport = 53;
    expect(rules, &dns, &[3, 4]);
}

/// A flow whose payload is no longer inspected (encrypted TLS data under
/// Suricata's default `encryption-handling`): payload rules stay silent,
/// on packets and stream views alike; header-only rules still match.
#[test]
fn no_payload_inspection_leaves_header_rules_only() {
    let rules = r#"
alert tcp any any -> any any (content:"abc"; sid:1;)
alert tcp any any -> any any (flags:PA; sid:3;)
alert tcp-pkt any any -> any any (content:"abc"; sid:4;)
alert tcp any any -> any any (dsize:3; sid:2;)
"#;
    let mut pkt = to80(b"abc");
    expect(rules, &pkt, &[1, 2, 3, 4]);
    pkt.flow.no_payload_inspection = true;
    expect(rules, &pkt, &[2, 3]);
    pkt.flow.from_stream = true;
    expect(rules, &pkt, &[]);
}

#[test]
fn stream_views_skip_packet_only_rules() {
    let rules = r#"
alert tcp any any -> any any (content:"abc"; sid:1;)
alert tcp any any -> any any (dsize:3; sid:2;)
alert tcp any any -> any any (flags:PA; sid:3;)
alert tcp-pkt any any -> any any (content:"abc"; sid:4;)
alert tcp any any -> any any (content:"abc"; flow:only_stream; sid:5;)
alert tcp any any -> any any (content:"abc"; flow:no_stream; sid:6;)
"#;
    let pkt = to80(b"abc");
    expect(rules, &pkt, &[1, 2, 3, 4, 6]);
    let mut chunk = pkt;
    chunk.flow.from_stream = true;
    expect(rules, &chunk, &[1, 5]);
}

#[test]
fn order_follows_action_then_priority_then_sid() {
    let rules = r#"
alert tcp any any -> any any (content:"x"; priority:3; sid:1;)
alert tcp any any -> any any (content:"x"; priority:1; sid:2;)
drop tcp any any -> any any (content:"x"; sid:3;)
pass tcp any any -> any any (content:"x"; sid:4;)
reject tcp any any -> any any (content:"x"; sid:5;)
alert tcp any any -> any any (content:"x"; classtype:trojan-activity; sid:6;)
alert tcp any any -> any any (content:"x"; priority:1; sid:7;)
alert tcp any any -> any any (content:"x"; priority:1; sid:3; gid:2;)
"#;
    // Equal priority: sid decides (gid 2 sid 3 before sid 6), not load order.
    expect(rules, &to80(b"x"), &[4, 3, 5, 2, 3, 6, 7, 1]);
    let (set, _) = build(rules, true);
    let m = set
        .metas()
        .find(|(_, m)| m.sid == 6)
        .map(|(_, m)| m.clone())
        .unwrap();
    assert_eq!(m.severity, 1);
    assert_eq!(m.category, "A Network Trojan was detected");
    assert_eq!(m.action, Action::Alert);
}

#[test]
fn metadata_is_collected() {
    let rule = r#"alert tcp any any -> any any (msg:"a \"quoted\"\; msg"; content:"x"; reference:url,example.com/a; reference:cve,2020-1234; metadata:created_at 2020_01_01, former_category MALWARE; metadata:signature_severity Major; target:dest_ip; noalert; gid:3; sid:9; rev:4;)"#;
    let (set, report) = build(rule, true);
    assert_eq!(report.compiled, 1);
    let m = set.meta(0);
    assert_eq!(m.msg, "a \"quoted\"; msg");
    assert_eq!((m.gid, m.sid, m.rev), (3, 9, 4));
    assert_eq!(m.references, vec!["url,example.com/a", "cve,2020-1234"]);
    assert_eq!(
        m.metadata,
        vec![
            "created_at 2020_01_01",
            "former_category MALWARE",
            "signature_severity Major"
        ]
    );
    assert_eq!(m.target, Some(crate::Target::DestIp));
    assert!(m.noalert);
    assert_eq!((m.severity, m.category.as_str(), m.line), (3, "", 1));
}

#[test]
fn load_report_accounts_for_every_rule() {
    let rules = "\
alert tcp any any -> any any (content:\"a\"; sid:1;)
alert tcp any any -> any any (content:\"a\"; lua:check.lua; sid:2;)
alert smtp any any -> any any (smtp.helo; content:\"a\"; sid:3;)
alert tcp any any -> any any (content:\"a\"; depth:abc; sid:4;)
alert tcp $NOPE any -> any any (content:\"a\"; sid:5;)
alert tcp any any -> any any (content:\"b\"; sid:1;)
alert tcp any any -> any (sid:6;)
#alert tcp any any -> any any (content:\"a\"; sid:7;)
alert tcp any any -> any any (content:\"a\"; pcre:\"/(?P<pkt_x>a)/\"; sid:8;)
alert tcp any any -> any any (content:\"a\"; dataset:isset,x; sid:9;)
log tcp any any -> any any (content:\"a\"; sid:10;)
alert tcp any any -> any any (content:\"a\"; within:1; depth:2; sid:11;)
alert tcp any any -> any any (msg:\"no sid\";)
";
    let mut b = RuleSetBuilder::new(Vars::suricata_defaults(), Classifications::default())
        .count_commented(true);
    b.add_source(rules, Some(std::path::Path::new("t.rules")));
    let (set, r) = b.build();
    assert_eq!(set.len(), 1);
    assert_eq!(r.syntax_errors.len(), 1);
    assert_eq!(r.syntax_errors[0].line, 7);
    assert_eq!(r.commented, 1);
    assert_eq!(r.parsed, 11);
    assert_eq!(r.rules, 12);
    assert_eq!(r.compiled, 1, "sid 1 twice: the second is a duplicate");
    assert_eq!(r.duplicates.len(), 1);
    assert_eq!(
        (r.duplicates[0].kept_line, r.duplicates[0].dropped_line),
        (1, 6)
    );
    let unsup: Vec<(u32, &str)> = r
        .unsupported
        .iter()
        .map(|u| (u.sid.unwrap_or(0), u.keyword.as_str()))
        .collect();
    assert_eq!(
        unsup,
        vec![
            (2, "lua"),
            (3, "protocol"),
            (8, "pcre"),
            (9, "dataset"),
            (10, "action")
        ]
    );
    assert_eq!(
        r.unsupported[2].reason,
        "pcre captures into pkt variables are not supported (flow variables are)"
    );
    assert_eq!(r.unsupported_keywords.get("smtp.helo"), Some(&1));
    assert_eq!(r.undefined_vars.len(), 1);
    assert_eq!(
        (r.undefined_vars[0].name.as_str(), r.undefined_vars[0].line),
        ("NOPE", 5)
    );
    let bad: Vec<(u32, &str, usize, usize)> = r
        .other_errors
        .iter()
        .map(|e| (e.sid.unwrap_or(0), e.keyword.as_str(), e.line, e.column))
        .collect();
    assert_eq!(
        bad,
        vec![
            (4, "depth", 4, 50),
            (11, "depth", 12, 60),
            (0, "sid", 13, 1)
        ]
    );
    assert!(
        r.other_errors[0]
            .message
            .starts_with("t.rules:4:50: error: depth:"),
        "{}",
        r.other_errors[0].message
    );
    let accounted = r.compiled
        + r.duplicates.len()
        + r.unsupported.len()
        + r.undefined_vars.len()
        + r.other_errors.len();
    assert_eq!(accounted, r.parsed);
    let json = serde_json_like(&r);
    assert!(json.contains("lua"));
}

/// The report must serialize (the CLI prints it with `--json`).
fn serde_json_like(r: &LoadReport) -> String {
    serde_yaml::to_string(r).unwrap_or_default()
}

#[test]
fn invalid_values_are_rejected_with_reasons() {
    let bad = [
        r#"content:"abc"; depth:2;"#,
        r#"content:"abc"; within:2;"#,
        r#"content:"a"; distance:1; offset:1;"#,
        r#"content:"a"; nocase; nocase;"#,
        r#"depth:3; content:"a";"#,
        r#"content:"a"; fast_pattern; content:"b"; fast_pattern;"#,
        r#"content:"abc"; fast_pattern:2,5;"#,
        r#"content:"";"#,
        r#"content:"a"; startswith; depth:5;"#,
        r#"byte_test:2,=,x,0;"#,
        r#"content:"a"; offset:bogus;"#,
        r#"classtype:no-such-class; content:"a";"#,
        r#"priority:0; content:"a";"#,
        r#"flags:Q;"#,
        r#"dsize:5<>1;"#,
        r#"pcre:"/(/";"#,
        r#"target:elsewhere;"#,
    ];
    for (i, opts) in bad.iter().enumerate() {
        let rule = format!("alert tcp any any -> any any ({opts} sid:{};)", i + 1);
        let (set, r) = build(&rule, true);
        assert_eq!(set.len(), 0, "{rule} should not load");
        assert_eq!(r.other_errors.len(), 1, "{rule}: {r:#?}");
    }
}

#[test]
fn compile_rule_reports_all_issues() {
    let rule = sigil_grammar::parse_rule(
        r#"alert tcp any any -> any any (content:"a"; lua:check.lua; threshold:type limit; depth:q; sid:1;)"#,
    )
    .unwrap();
    let vars = Vars::suricata_defaults().resolve();
    let classes = Classifications::default();
    let ctx = crate::CompileCtx {
        vars: &vars,
        classifications: &classes,
    };
    let issues = crate::compile_rule(&rule, &ctx).unwrap_err();
    let kinds: Vec<(&str, IssueKind)> = issues
        .iter()
        .map(|i| (i.keyword.as_str(), i.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("lua", IssueKind::Unsupported),
            ("threshold", IssueKind::Invalid),
            ("depth", IssueKind::Invalid)
        ]
    );
}

#[test]
fn many_rules_prefilter_agrees_with_brute_force() {
    // Rules keyed on ports, on nothing, with and without fast patterns.
    let mut rules = String::new();
    for i in 0..300u32 {
        let port = match i % 4 {
            0 => "80".to_string(),
            1 => "any".to_string(),
            2 => format!("[{},{}]", 1000 + i, 80),
            _ => "1024:".to_string(),
        };
        let opts = match i % 3 {
            0 => format!(r#"content:"tok{i}x"; nocase;"#),
            1 => format!(r#"content:"tok{}"; content:!"tok{i}neg";"#, i % 50),
            _ => format!("dsize:>{};", i % 40),
        };
        rules.push_str(&format!(
            "alert tcp any any -> any {port} ({opts} sid:{};)\n",
            i + 1
        ));
    }
    let (on, r1) = build(&rules, true);
    let (off, _) = build(&rules, false);
    assert_eq!(r1.compiled, 300);
    assert!(on.prefilter_stats().groups > 3);
    let payloads: Vec<Vec<u8>> = (0..40u32)
        .map(|k| {
            format!(
                "GET /TOK{}X tok{} tok{}neg {}",
                k * 3,
                k,
                k + 1,
                "z".repeat(k as usize)
            )
            .into_bytes()
        })
        .collect();
    let mut total = 0;
    for p in &payloads {
        for dport in [80u16, 1003, 1005, 2000, 22] {
            let pkt = tcp(v4(1, 2, 3, 4), 5555, v4(5, 6, 7, 8), dport, p);
            let a = sids(&on, &pkt);
            assert_eq!(
                a,
                sids(&off, &pkt),
                "dport {dport} payload {:?}",
                String::from_utf8_lossy(p)
            );
            total += a.len();
        }
    }
    assert!(total > 100, "the test should exercise matches ({total})");
}

#[test]
fn scratch_is_reusable_across_packets_and_sets() {
    let (a, _) = build(
        r#"alert tcp any any -> any any (content:"x"; sid:1;)"#,
        true,
    );
    let (b, _) = build(
        "alert tcp any any -> any any (content:\"y\"; sid:2;)\nalert tcp any any -> any any (content:\"z\"; sid:3;)",
        true,
    );
    let mut s = a.new_scratch();
    let mut out = Vec::new();
    for _ in 0..3 {
        a.match_packet(&to80(b"x"), &mut s, &mut out);
        assert_eq!(out.len(), 1);
        b.match_packet(&to80(b"yz"), &mut s, &mut out);
        assert_eq!(out.len(), 2);
    }
}

#[test]
fn pattern_less_rules_are_filed_under_addresses() {
    // Reputation-list style rules: no content, only addresses (IP-only in
    // Suricata). They are found through the address index, not checked on
    // every packet; the result must equal the brute-force one.
    let rules = r#"
alert ip [192.0.2.1,192.0.2.10/31,2001:db8::/64] any -> $HOME_NET any (threshold:type limit, track by_src, count 1, seconds 60; sid:1;)
alert tcp $HOME_NET any -> [198.51.100.0/24,!198.51.100.7] any (flowbits:set,rep; sid:2;)
alert tcp [192.0.2.0/24,198.51.100.0/24] any -> [192.0.2.1,198.51.100.9] any (sid:3;)
alert tcp 192.0.2.1 any <> 10.0.0.1 any (sid:4;)
alert udp 192.0.2.1 any -> any 53 (sid:5;)
alert tcp any any -> any any (dsize:>0; sid:6;)
"#;
    let (set, _) = build(rules, true);
    // Rule 1 (`ip`) sits in all 5 families; 2, 3 and 5 once; 4 (`<>`) and 6
    // (no addresses) stay always-checked.
    assert_eq!(set.prefilter_stats().addr_indexed, 5 + 1 + 1 + 1);
    let cases: &[(IpAddr, IpAddr, &[u32])] = &[
        (v4(192, 0, 2, 1), v4(10, 0, 0, 1), &[1, 4, 6]),
        (v4(192, 0, 2, 11), v4(10, 0, 0, 1), &[1, 6]),
        (v4(192, 0, 2, 12), v4(10, 0, 0, 1), &[6]),
        (v4(10, 0, 0, 1), v4(192, 0, 2, 1), &[4, 6]),
        (v4(10, 0, 0, 1), v4(198, 51, 100, 9), &[2, 6]),
        (v4(10, 0, 0, 1), v4(198, 51, 100, 7), &[6]),
        (v4(198, 51, 100, 1), v4(198, 51, 100, 9), &[3, 6]),
        (v6("2001:db8::5"), v6("fe80::1"), &[6]),
        (v4(203, 0, 113, 1), v4(10, 0, 0, 1), &[6]),
    ];
    for &(src, dst, want) in cases {
        expect(rules, &tcp(src, 1234, dst, 80, b"x"), want);
    }
    let mut dns = PacketView::new(v4(192, 0, 2, 1), v4(10, 0, 0, 1), ipproto::UDP, b"q");
    dns.dport = 53;
    expect(rules, &dns, &[1, 5]);
}

/// Loads the ET Open folder (with its vars.yaml) when present.
pub(crate) fn et_open(prefilter: bool) -> Option<(RuleSet, LoadReport, Vec<std::path::PathBuf>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/rules/et-open");
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("skipping: {dir} not found");
        return None;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    files.sort();
    let mut vars = Vars::suricata_defaults();
    if let Ok(y) = std::fs::read_to_string(format!("{dir}/vars.yaml")) {
        vars.merge_yaml(&y).ok()?;
    }
    let mut b = RuleSetBuilder::new(vars, Classifications::default()).prefilter(prefilter);
    for f in &files {
        b.add_file(f).ok()?;
    }
    let (set, report) = b.build();
    Some((set, report, files))
}

#[test]
fn et_open_compiles() {
    let start = std::time::Instant::now();
    let Some((set, r, files)) = et_open(true) else {
        return;
    };
    println!(
        "ET Open: {} files, {} rules seen, {} parsed, {} compiled, {} unsupported, {} invalid, {} undefined vars, {} duplicates in {:?}",
        files.len(),
        r.rules,
        r.parsed,
        r.compiled,
        r.unsupported.len(),
        r.other_errors.len(),
        r.undefined_vars.len(),
        r.duplicates.len(),
        start.elapsed()
    );
    let mut top: Vec<(&String, &usize)> = r.unsupported_keywords.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (k, n) in top.iter().take(20) {
        println!("  unsupported {k}: {n} rules");
    }
    for e in r.other_errors.iter().take(10) {
        println!("  invalid: {}", e.message);
    }
    println!("  prefilter: {:?}", set.prefilter_stats());
    assert!(
        r.syntax_errors.is_empty(),
        "{:#?}",
        &r.syntax_errors[..r.syntax_errors.len().min(5)]
    );
    assert_eq!(r.compiled + r.unsupported.len(), r.parsed);
    assert!(r.other_errors.is_empty() && r.undefined_vars.is_empty() && r.duplicates.is_empty());
    assert_eq!(set.len(), r.compiled);
    // 1,762 before flow state and thresholds; 3,303 with them; 14,795
    // with the app layer (HTTP/1, DNS, TLS, SSH).
    assert!(r.compiled > 14_500, "{}", r.compiled);
    for k in [
        "http.uri",
        "http_uri",
        "file_data",
        "bsize",
        "urilen",
        "dotprefix",
        "dns.query",
        "tls.sni",
        "tls.certs",
        "ja3_hash",
        "flowbits",
        "flowint",
        "threshold",
        "detection_filter",
        "stream_size",
    ] {
        assert_eq!(
            r.unsupported_keywords.get(k),
            None,
            "{k} should be supported"
        );
    }
    // Reputation-list rules (no content) go to the address index, so few
    // rules are left to check on every packet.
    let stats = set.prefilter_stats();
    assert!(stats.addr_indexed > 1000 && stats.always < 200, "{stats:?}");
}

/// The contents of every `every`-th rule of `files` (enabled and not
/// negated), concatenated per rule: payloads made of real ET patterns for
/// the differential prefilter tests.
pub(crate) fn et_payloads(files: &[std::path::PathBuf], every: usize) -> Vec<Vec<u8>> {
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    let mut n = 0;
    for f in files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for pr in sigil_grammar::parse_file(&text, None).rules {
            n += 1;
            if n % every != 0 {
                continue;
            }
            let mut p = Vec::new();
            for o in pr.rule.options.iter().filter(|o| o.keyword == "content") {
                if let Some(Ok((false, bytes))) =
                    o.value.as_deref().map(crate::content::parse_content)
                {
                    p.extend_from_slice(&bytes);
                }
            }
            if !p.is_empty() {
                payloads.push(p);
            }
        }
    }
    payloads
}

/// Differential test on real rules: packets built from ET contents must
/// give the same matches with and without the prefilter.
#[test]
fn et_open_prefilter_agrees_with_brute_force() {
    let (Some((on, _, files)), Some((off, _, _))) = (et_open(true), et_open(false)) else {
        return;
    };
    // Payloads: the contents of every 10th enabled rule, concatenated.
    let payloads = et_payloads(&files, 10);
    let mut hits = 0;
    for p in &payloads {
        let pkts = [
            tcp(v4(203, 0, 113, 7), 40000, v4(10, 0, 50, 10), 80, p),
            tcp(v4(10, 0, 50, 10), 80, v4(203, 0, 113, 7), 40000, p),
            tcp(v4(10, 0, 10, 5), 40001, v4(198, 51, 100, 9), 443, p),
        ];
        for pkt in &pkts {
            let a = sids(&on, pkt);
            assert_eq!(
                a,
                sids(&off, pkt),
                "payload {:?}",
                String::from_utf8_lossy(p)
            );
            hits += a.len();
        }
        let mut udp = PacketView::new(v4(10, 0, 10, 5), v4(8, 8, 8, 8), ipproto::UDP, p);
        udp.sport = 5353;
        udp.dport = 53;
        let a = sids(&on, &udp);
        assert_eq!(a, sids(&off, &udp));
        hits += a.len();
    }
    println!("{} payloads, {hits} matches", payloads.len());
    assert!(hits > 50, "the sample should trigger real rules ({hits})");
}

/// Port groups carry a matcher merged with the any-port patterns; a packet
/// meeting a destination-port group, a source-port group, both or neither
/// must get exactly what the unfiltered reference gets.
#[test]
fn merged_port_groups_agree_with_the_unfiltered_reference() {
    let mut rules = String::new();
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
    ];
    let ports = ["any", "80", "[80,8080]", "443", "53", "![80,443]"];
    let mut sid = 1;
    for (i, w) in words.iter().enumerate() {
        for (j, sp) in ports.iter().enumerate() {
            for dp in &ports {
                let arrow = if (i + j) % 3 == 0 { "<>" } else { "->" };
                let proto = if j % 2 == 0 { "tcp" } else { "ip" };
                rules.push_str(&format!(
                    "alert {proto} any {sp} {arrow} any {dp} (msg:\"{w}\"; content:\"{w}{i}\"; nocase; sid:{sid};)\n"
                ));
                sid += 1;
            }
        }
    }
    // Enough any-port patterns that the merged matchers take the hashed
    // filter, as ET Open's do.
    for k in 0..300 {
        rules.push_str(&format!(
            "alert tcp any any -> any any (msg:\"bulk\"; content:\"bulk-{k:03}\"; sid:{};)\n",
            10_000 + k
        ));
    }
    let (on, report) = build(&rules, true);
    assert_eq!(report.compiled, report.parsed);
    let (off, _) = build(&rules, false);
    let a = v4(10, 0, 0, 1);
    let b = v4(10, 0, 0, 2);
    let payload = b"xx ALPHA0 charlie2 DELTA3 bulk-007 golf6 bulk-299 foxtrot5 zz";
    let mut checked = 0;
    for (sp, dp) in [
        (80, 1234),
        (1234, 80),
        (443, 80),
        (80, 443),
        (8080, 53),
        (5555, 6666),
        (53, 53),
    ] {
        let p = tcp(a, sp, b, dp, payload);
        let got = sids(&on, &p);
        assert_eq!(got, sids(&off, &p), "ports {sp} -> {dp}");
        assert!(got.len() > 10, "ports {sp} -> {dp}: {got:?}");
        checked += got.len();
    }
    assert!(checked > 100);
}

/// Header keywords (`flags`, `ttl`, `seq`, `window` …) make a rule's
/// payload keywords look at the packet, never the reassembled stream, as
/// Suricata's SIG_FLAG_REQUIRE_PACKET does: `flags:S; content:"GET"` fires
/// on a TCP Fast Open SYN's data while the stream is being reassembled,
/// where a plain `content:"GET"` rule waits for the stream view.
#[test]
fn header_keywords_keep_payload_rules_on_the_packet() {
    let rules =
        "alert tcp any any -> any any (msg:\"syn data\"; flags:S; content:\"GET\"; sid:1;)\n\
                 alert tcp any any -> any any (msg:\"any data\"; content:\"GET\"; sid:2;)\n";
    let mut p = tcp(
        v4(10, 0, 0, 1),
        40000,
        v4(10, 0, 0, 2),
        80,
        b"GET / HTTP/1.1\r\n",
    );
    if let Some(t) = p.tcp.as_mut() {
        t.flags = 0x02;
    }
    p.flow.established = false;
    p.flow.stream_active = true;
    expect(rules, &p, &[1]);
    let mut chunk = p;
    chunk.flow.from_stream = true;
    expect(rules, &chunk, &[2]);
}
