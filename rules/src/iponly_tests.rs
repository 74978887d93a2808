//! Suricata's IP-only rules: which rules are IP-only, and that a flow
//! inspects them on the first packet of each direction only.

use crate::addr::v4;
use crate::packet::PacketView;
use crate::tests::{build, tcp};
use crate::{FlowVars, RuleSet};

/// Sids matched by `p` as a packet of a flow (`later`: not the first
/// packet of its direction) and as a packet without a flow.
fn sids(set: &RuleSet, p: &PacketView, later: bool) -> (Vec<u32>, Vec<u32>) {
    let mut p = *p;
    p.flow.ip_only_done = later;
    let mut scratch = set.new_scratch();
    let mut out = Vec::new();
    set.match_flow_packet(&p, &mut FlowVars::default(), &mut scratch, &mut out);
    let flow = out.iter().map(|&id| set.meta(id).sid).collect();
    set.match_packet(&p, &mut scratch, &mut out);
    let flowless = out.iter().map(|&id| set.meta(id).sid).collect();
    (flow, flowless)
}

/// Each rule alone: true when it is skipped on later packets of a flow
/// (IP-only) while still matching the first one and flowless packets.
fn is_ip_only(rule: &str) -> bool {
    // From outside the home network to inside it.
    let p = tcp(v4(192, 0, 2, 1), 40000, v4(10, 0, 0, 2), 80, b"GET /");
    let mut verdicts = Vec::new();
    for prefilter in [true, false] {
        let (set, report) = build(rule, prefilter);
        assert_eq!(report.compiled, 1, "{rule}: {report:#?}");
        let (first, first_flowless) = sids(&set, &p, false);
        assert_eq!(first, [1], "{rule} must match the first packet");
        assert_eq!(first_flowless, [1], "{rule} must match without a flow");
        let (later, later_flowless) = sids(&set, &p, true);
        assert_eq!(later_flowless, [1], "{rule}: flowless packets always");
        verdicts.push(later.is_empty());
    }
    assert_eq!(
        verdicts[0], verdicts[1],
        "prefilter on/off disagree: {rule}"
    );
    verdicts[0]
}

#[test]
fn which_rules_are_ip_only() {
    // As Suricata 7's engine analysis classifies them.
    let ip_only = [
        "alert ip any any -> any any (sid:1;)",
        "alert tcp any any -> any any (sid:1;)",
        "alert tcp any any -> any 80 (sid:1;)",
        "alert tcp 10.0.0.2 any <> any any (sid:1;)",
        "alert ip any any -> any any (ip_proto:6; sid:1;)",
        "alert ip any any -> $HOME_NET any (msg:\"m\"; classtype:bad-unknown; sid:1;)",
        "alert ip any any -> any any (flowbits:set,a; sid:1;)",
        "alert ip any any -> any any (threshold:type limit, track by_src, count 9, seconds 60; sid:1;)",
    ];
    for r in ip_only {
        assert!(is_ip_only(r), "{r} is IP-only");
    }
    let per_packet = [
        // A negated address: "like IP-only", inspected on every packet.
        "alert ip !10.9.9.9 any -> any any (sid:1;)",
        "alert ip $EXTERNAL_NET any -> any any (sid:1;)",
        "alert ip any any -> [10.0.0.0/8,!10.9.0.0/16] any (sid:1;)",
        // Payload, header and flow keywords.
        "alert tcp any any -> any any (content:\"GET\"; sid:1;)",
        "alert tcp any any -> any any (dsize:5; sid:1;)",
        "alert tcp any any -> any any (ttl:64; sid:1;)",
        "alert tcp any any -> any any (flow:to_server; sid:1;)",
        "alert tcp any any -> any any (flowbits:unset,a; sid:1;)",
        "alert tcp any any -> any any (flowint:myx,+,1; sid:1;)",
    ];
    for r in per_packet {
        assert!(!is_ip_only(r), "{r} is inspected on every packet");
    }
}

#[test]
fn pass_of_ip_only_and_app_rules_acts_on_the_flow() {
    let rules = "pass ip any any -> any any (sid:1;)\n\
                 pass ip !10.9.9.9 any -> any any (sid:2;)\n\
                 pass http any any -> any any (sid:3;)\n\
                 pass tcp any any -> any any (content:\"GET\"; sid:4;)\n\
                 pass tcp any any -> any any (ttl:64; sid:5;)\n";
    let (set, report) = build(rules, true);
    assert_eq!(report.compiled, 5, "{report:#?}");
    let acts: Vec<(u32, bool)> = (0..5)
        .map(|id| (set.meta(id).sid, set.acts_on_flow(id)))
        .collect();
    let mut acts = acts;
    acts.sort_unstable();
    assert_eq!(
        acts,
        [(1, true), (2, true), (3, true), (4, false), (5, false)]
    );
}
