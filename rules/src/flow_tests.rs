//! End-to-end tests of the flow-state keywords (`flowbits`, `flowint`,
//! `stream_size`) and of thresholding on rule-set output. Every flow case
//! runs with the prefilter on and off, which must agree.

use crate::addr::v4;
use crate::packet::PacketView;
use crate::tests::{build, tcp, to80};
use crate::{FlowVars, RuleSet, ThresholdState, ThresholdType, Track};

/// The sids matched on each packet of `pkts`, all of one flow.
fn run_flow(set: &RuleSet, pkts: &[PacketView]) -> (Vec<Vec<u32>>, FlowVars) {
    let mut vars = FlowVars::default();
    let mut scratch = set.new_scratch();
    let mut out = Vec::new();
    let sids = pkts
        .iter()
        .map(|p| {
            set.match_flow_packet(p, &mut vars, &mut scratch, &mut out);
            out.iter().map(|&id| set.meta(id).sid).collect()
        })
        .collect();
    (sids, vars)
}

/// Loads `rules` (all must compile) and runs `payloads` (to port 80) as
/// one flow, with the prefilter on and off.
fn flow_sids(rules: &str, payloads: &[&[u8]]) -> Vec<Vec<u32>> {
    let pkts: Vec<PacketView> = payloads.iter().map(|p| to80(p)).collect();
    let mut runs = Vec::new();
    for prefilter in [true, false] {
        let (set, report) = build(rules, prefilter);
        assert_eq!(report.compiled, report.parsed, "{report:#?}");
        runs.push(run_flow(&set, &pkts).0);
    }
    assert_eq!(runs[0], runs[1], "prefilter on/off disagree:\n{rules}");
    runs.swap_remove(0)
}

#[test]
fn flowbits_table() {
    // (rules, payloads of one flow, sids matched per packet)
    type Case<'a> = (&'a str, &'a [&'a [u8]], &'a [&'a [u32]]);
    let cases: &[Case] = &[
        // The setter has the higher sid, yet runs first: on the packet
        // carrying both words the checker already sees the bit.
        (
            r#"
alert tcp any any -> any any (content:"secret"; flowbits:isset,logged_in; sid:5;)
alert tcp any any -> any any (content:"login"; flowbits:set,logged_in; flowbits:noalert; sid:10;)
"#,
            &[b"secret", b"login", b"secret", b"login secret"],
            &[&[], &[10], &[5], &[10, 5]],
        ),
        // Within one packet as well.
        (
            r#"
alert tcp any any -> any any (content:"secret"; flowbits:isset,logged_in; sid:5;)
alert tcp any any -> any any (content:"login"; flowbits:set,logged_in; sid:10;)
"#,
            &[b"login secret"],
            &[&[10, 5]],
        ),
        // unset and isnotset
        (
            r#"
alert tcp any any -> any any (content:"on"; flowbits:set,x; sid:1;)
alert tcp any any -> any any (content:"off"; flowbits:unset,x; sid:2;)
alert tcp any any -> any any (content:"q"; flowbits:isnotset,x; sid:3;)
"#,
            &[b"q", b"on q", b"q", b"off q"],
            &[&[3], &[1], &[], &[2, 3]],
        ),
        // toggle flips on every match
        (
            r#"
alert tcp any any -> any any (content:"c"; flowbits:isset,x; sid:1;)
alert tcp any any -> any any (content:"t"; flowbits:toggle,x; sid:2;)
"#,
            &[b"t", b"c", b"t", b"c", b"tc"],
            &[&[2], &[1], &[2], &[], &[2, 1]],
        ),
        // a|b: isset = any set, isnotset = any not set; `&` is part of a
        // name, as in Suricata 8 (no AND operator).
        (
            r#"
alert tcp any any -> any any (content:"A"; flowbits:set,a; sid:1;)
alert tcp any any -> any any (content:"B"; flowbits:set,b; sid:2;)
alert tcp any any -> any any (content:"&"; flowbits:set,a&b; sid:3;)
alert tcp any any -> any any (content:"?"; flowbits:isset,a|b; sid:4;)
alert tcp any any -> any any (content:"?"; flowbits:isnotset, a | b; sid:5;)
alert tcp any any -> any any (content:"?"; flowbits:isset,a&b; sid:6;)
alert tcp any any -> any any (content:"?"; flowbits:isset,a; flowbits:isset,b; sid:7;)
"#,
            &[b"?", b"A?", b"B?", b"&?"],
            &[&[5], &[1, 4, 5], &[2, 4, 7], &[3, 4, 6, 7]],
        ),
        // A rule with only flowbits and no content sits in the always-check
        // list and also matches packets without payload.
        (
            r#"
alert tcp any any -> any any (content:"go"; flowbits:set,x; noalert; sid:1;)
alert tcp any any -> any any (flowbits:isset,x; sid:2;)
"#,
            &[b"", b"go", b""],
            &[&[], &[1, 2], &[2]],
        ),
    ];
    for &(rules, payloads, want) in cases {
        let got = flow_sids(rules, payloads);
        let want: Vec<Vec<u32>> = want.iter().map(|w| w.to_vec()).collect();
        assert_eq!(got, want, "rules:{rules}");
    }
}

#[test]
fn flowbits_noalert_marks_the_rule_and_names_are_exposed() {
    let rules = r#"
alert tcp any any -> any any (content:"login"; flowbits:set,traffic/id/login; flowbits:noalert; sid:1;)
alert tcp any any -> any any (content:"login"; flowbits:set,seen; sid:2;)
"#;
    let (set, _) = build(rules, true);
    let noalert: Vec<(u32, bool)> = set.metas().map(|(_, m)| (m.sid, m.noalert)).collect();
    assert_eq!(noalert, vec![(1, true), (2, false)]);
    let (sids, vars) = run_flow(&set, &[to80(b"login")]);
    assert_eq!(sids, vec![vec![1, 2]]);
    let mut names: Vec<&str> = set.flowbit_names(&vars).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["seen", "traffic/id/login"]);
    assert!(set.flowbit_id("seen").is_some_and(|id| vars.bit(id)));
    assert_eq!(set.flowbit_id("nope"), None);
}

#[test]
fn flowint_counts_across_packets() {
    // The incrementing rule has the higher sid but runs first (flowint
    // setters before checkers), so the third hit already sees 3.
    let rules = r#"
alert tcp any any -> any any (flowint:hits,>=,3; sid:1;)
alert tcp any any -> any any (content:"hit"; flowint:hits,+,1; noalert; sid:2;)
alert tcp any any -> any any (content:"reset"; flowint:hits,=,0; sid:3;)
alert tcp any any -> any any (content:"?"; flowint:hits,notset; sid:4;)
alert tcp any any -> any any (content:"?"; flowint:hits,==,limit; sid:5;)
"#;
    let got = flow_sids(
        rules,
        &[b"?", b"hit", b"hit", b"hit", b"x", b"reset", b"hit?"],
    );
    let want: Vec<Vec<u32>> = vec![
        vec![4],
        vec![2],
        vec![2],
        vec![2, 1],
        vec![1],
        vec![3],
        vec![2],
    ];
    assert_eq!(got, want);
    let (set, _) = build(rules, true);
    let (_, vars) = run_flow(&set, &[to80(b"hit"), to80(b"hit")]);
    assert_eq!(
        set.flowint_values(&vars).collect::<Vec<_>>(),
        vec![("hits", 2)]
    );
    assert_eq!(set.flowint_id("hits").and_then(|id| vars.int(id)), Some(2));
}

#[test]
fn packets_without_a_flow_fail_flow_checks() {
    let rules = r#"
alert tcp any any -> any any (content:"x"; flowbits:set,a; sid:1;)
alert tcp any any -> any any (content:"x"; flowbits:isset,a; sid:2;)
alert tcp any any -> any any (content:"x"; flowbits:isnotset,a; sid:3;)
alert tcp any any -> any any (content:"x"; flowint:n1,notset; sid:4;)
"#;
    for prefilter in [true, false] {
        let (set, _) = build(rules, prefilter);
        let mut scratch = set.new_scratch();
        let mut out = Vec::new();
        set.match_packet(&to80(b"x"), &mut scratch, &mut out);
        let sids: Vec<u32> = out.iter().map(|&id| set.meta(id).sid).collect();
        assert_eq!(sids, vec![1], "Suricata: no flow, no flowbit checks");
    }
}

#[test]
fn setters_run_before_checkers_within_the_action_order() {
    let rules = r#"
alert tcp any any -> any any (content:"x"; flowbits:isset,f; priority:1; sid:1;)
alert tcp any any -> any any (content:"x"; priority:1; sid:2;)
alert tcp any any -> any any (content:"x"; flowbits:set,f; priority:3; sid:3;)
alert tcp any any -> any any (content:"x"; flowbits:isset,f; flowbits:set,g; priority:3; sid:4;)
pass tcp any any -> any any (content:"x"; flowbits:isset,g; sid:5;)
"#;
    // pass first (its check fails: g is set only later); then alert setters
    // (3), set+check (4), checkers (1), the rest (2) — priority only
    // orders within those classes.
    assert_eq!(
        flow_sids(rules, &[b"x", b"x"]),
        vec![vec![3, 4, 1, 2], vec![5, 3, 4, 1, 2]]
    );
}

#[test]
fn stream_size_reads_flow_counters() {
    let rules = r#"
alert tcp any any -> any any (stream_size:client,>,5; sid:1;)
alert tcp any any -> any any (stream_size:server,<,2; sid:2;)
alert tcp any any -> any any (stream_size:both,>=,1; sid:3;)
alert udp any any -> any any (stream_size:either,>=,0; sid:4;)
"#;
    let mut p = tcp(v4(10, 0, 0, 1), 1234, v4(10, 0, 0, 2), 80, b"abcde");
    p.flow.stream_bytes_toserver = 5; // size 6 with the SYN
    p.flow.stream_bytes_toclient = 0; // size 1
    assert_eq!(flow_sids_pkt(rules, &p), vec![1, 2, 3]);
    p.flow.stream_bytes_toclient = 1;
    assert_eq!(flow_sids_pkt(rules, &p), vec![1, 3]);
}

fn flow_sids_pkt(rules: &str, p: &PacketView) -> Vec<u32> {
    let mut runs = Vec::new();
    for prefilter in [true, false] {
        let (set, report) = build(rules, prefilter);
        assert_eq!(report.compiled, report.parsed, "{report:#?}");
        runs.push(run_flow(&set, std::slice::from_ref(p)).0.swap_remove(0));
    }
    assert_eq!(runs[0], runs[1]);
    runs.swap_remove(0)
}

#[test]
fn threshold_keywords_land_in_meta_and_gate_alerts() {
    let rules = r#"
alert tcp any any -> any any (content:"x"; flowbits:set,seen; threshold: type limit, track by_src, seconds 60, count 1; sid:1;)
alert tcp any any -> any any (content:"x"; detection_filter:track by_dst, count 2, seconds 60; sid:2;)
"#;
    let (set, report) = build(rules, true);
    assert_eq!(report.compiled, 2);
    let t = set.meta(0).threshold.expect("threshold parsed");
    assert_eq!(
        (t.kind, t.track, t.count, t.seconds),
        (ThresholdType::Limit, Track::BySrc, 1, 60)
    );
    assert!(set.meta(1).detection_filter.is_some());
    let pkt = to80(b"x");
    let mut vars = FlowVars::default();
    let mut scratch = set.new_scratch();
    let mut out = Vec::new();
    let mut th = ThresholdState::default();
    let mut alerts = Vec::new();
    for t in 0..4 {
        set.match_flow_packet(&pkt, &mut vars, &mut scratch, &mut out);
        for &id in &out {
            if th.allow(id, set.meta(id), t, 0, pkt.src, pkt.dst) {
                alerts.push((t, set.meta(id).sid));
            }
        }
        // The flowbit is set on every match, alerted or not.
        assert!(set.flowbit_id("seen").is_some_and(|id| vars.bit(id)));
        vars.clear();
    }
    assert_eq!(alerts, vec![(0, 1), (2, 2), (3, 2)]);
}

#[test]
fn invalid_flow_and_threshold_options_are_reported() {
    let bad = [
        "flowbits:set,a|b;",
        "flowbits:frob,a;",
        "flowbits:noalert,a;",
        "flowint:n,=,1;",
        "flowint:cnt,=;",
        "stream_size:client,<;",
        "threshold:type limit, track by_src, count 1;",
        "threshold:type limit, track by_src, count 1, seconds 1; threshold:type limit, track by_src, count 1, seconds 1;",
        "threshold:type limit, track by_src, count 1, seconds 1; detection_filter:track by_src, count 1, seconds 1;",
        "detection_filter:track by_src, count 0, seconds 1;",
    ];
    for (i, opts) in bad.iter().enumerate() {
        let rule = format!(
            "alert tcp any any -> any any (content:\"a\"; {opts} sid:{};)",
            i + 1
        );
        let (set, r) = build(&rule, true);
        assert_eq!(set.len(), 0, "{rule} should not load");
        assert_eq!(r.other_errors.len(), 1, "{rule}: {r:#?}");
    }
    // (`track by_flow` and `type backoff` are supported: see threshold.rs.)
    let unsupported = ["lua:check.lua;", "tag:host,5,packets,src;"];
    for opts in unsupported {
        let rule = format!("alert tcp any any -> any any (content:\"a\"; {opts} sid:1;)");
        let (_, r) = build(&rule, true);
        assert_eq!(r.unsupported.len(), 1, "{rule}: {r:#?}");
    }
}

#[test]
fn pcre_captures_set_flow_variables_when_the_rule_matches() {
    let rules = r#"
alert tcp any any -> any any (content:"user="; pcre:"/user=(\w+) id=(\d+)/, flow:user,flow:id"; sid:1;)
alert tcp any any -> any any (pcre:"/agent=(?P<flow_agent>[a-z]+)/"; content:"nomatch"; sid:2;)
alert tcp any any -> any any (pcre:"/host=(?P<flow_host>[a-z.]+)(?=;)/"; sid:3;)
"#;
    for prefilter in [true, false] {
        let (set, report) = build(rules, prefilter);
        assert_eq!(report.compiled, report.parsed, "{report:#?}");
        let pkts = [
            to80(b"user=alice id=42 agent=curl"),
            to80(b"host=evil.example; user=bob id=7"),
        ];
        let (sids, vars) = run_flow(&set, &pkts);
        assert_eq!(sids, [vec![1], vec![1, 3]], "prefilter={prefilter}");
        let got: Vec<(&str, &[u8])> = vars.strings().collect();
        // Rule 2 never matched: its capture is not stored. The later
        // match of rule 1 overwrote its values in place; the lookahead
        // pattern ran on the backtracking engine.
        assert_eq!(
            got,
            [
                ("user", &b"bob"[..]),
                ("id", &b"7"[..]),
                ("host", &b"evil.example"[..])
            ],
            "prefilter={prefilter}"
        );
    }
    let (_, report) = build(
        r#"alert tcp any any -> any any (pcre:"/(a)/, pkt:x"; sid:1;)"#,
        true,
    );
    assert_eq!(report.compiled, 0);
}

/// `xbits`: a host bit set in one flow is seen in another flow of that
/// host, also through another worker's scratch sharing the run's store;
/// it expires, and rules are ordered so a setter runs before a checker on
/// the same packet.
#[test]
fn xbits_cross_flows_and_workers() {
    let rules = "\
alert tcp any any -> any any (msg:\"check\"; content:\"b\"; xbits:isset,seen,track ip_src; sid:1;)
alert tcp any any -> any any (msg:\"not yet\"; content:\"b\"; xbits:isnotset,seen,track ip_src; sid:2;)
alert tcp any any -> any any (msg:\"set\"; content:\"a\"; xbits:set,seen,track ip_src,expire 10; noalert; sid:3;)
alert tcp any any -> any any (msg:\"pair\"; content:\"b\"; xbits:isset,seen,track ip_pair; sid:4;)
";
    for prefilter in [true, false] {
        let (set, report) = build(rules, prefilter);
        assert_eq!(report.compiled, report.parsed, "{report:#?}");
        let store = std::sync::Arc::new(crate::XbitStore::default());
        let mut w1 = set.new_scratch();
        let mut w2 = set.new_scratch();
        w1.share_xbits(store.clone());
        w2.share_xbits(store.clone());
        let mut out = Vec::new();
        let mut sids = |scratch: &mut crate::Scratch, src: u8, dst: u8, secs: i64, pl: &[u8]| {
            let mut p = tcp(v4(10, 0, 0, src), 40000, v4(10, 0, 1, dst), 80, pl);
            p.ts_secs = secs;
            let mut vars = FlowVars::default();
            set.match_flow_packet(&p, &mut vars, scratch, &mut out);
            out.iter()
                .map(|&id| set.meta(id))
                .filter(|m| !m.noalert)
                .map(|m| m.sid)
                .collect::<Vec<u32>>()
        };
        assert_eq!(sids(&mut w1, 1, 1, 100, b"b"), [2]);
        // Host 1 sets the bit talking to server 1 (no alert: noalert)...
        assert_eq!(sids(&mut w1, 1, 1, 100, b"a"), Vec::<u32>::new());
        // ...and is seen talking to server 2 on the other worker.
        assert_eq!(sids(&mut w2, 1, 2, 105, b"b"), [1]);
        // Host 2 has no bit; the pair bit was never set.
        assert_eq!(sids(&mut w2, 2, 2, 105, b"b"), [2]);
        // Expired after 10 s.
        assert_eq!(sids(&mut w1, 1, 3, 111, b"b"), [2]);
        // On one packet that both sets and checks, the setter runs first.
        assert_eq!(sids(&mut w1, 5, 1, 200, b"ab"), [1]);
    }
}

#[test]
fn hostbits_are_xbits_per_host() {
    let rules = "\
alert tcp any any -> any any (content:\"a\"; hostbits:set,h,track ip_dst; noalert; sid:1;)
alert tcp any any -> any any (content:\"b\"; hostbits:isset,h,track ip_dst; sid:2;)
";
    // Sid 1 matches (it is `noalert`, which the engine applies).
    assert_eq!(
        flow_sids(rules, &[b"b", b"a", b"b"]),
        [vec![], vec![1], vec![2]]
    );
    let (_, report) = build(
        "alert tcp any any -> any any (content:\"a\"; hostbits:set,h,track ip_pair; sid:1;)",
        true,
    );
    assert_eq!(report.other_errors.len(), 1, "{report:#?}");
}
