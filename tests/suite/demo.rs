//! The bundled demo capture with the embedded default pack: Sigil must raise
//! exactly the alerts Suricata 7 raised with the same rules in IDS mode
//! (fixtures/demo.expected.tsv: `sid count msg` rows), and the packet-level
//! ones (`# packet SID COUNT CNTS` lines) on exactly those packets.

use std::collections::BTreeMap;

use super::common::*;

/// `sid → count` of Suricata's IDS-mode alerts.
fn expected_counts() -> BTreeMap<u64, usize> {
    let text = std::fs::read_to_string(root().join("fixtures/demo.expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("sid\t") && !l.trim().is_empty())
        .map(|l| {
            let mut p = l.split('\t');
            (
                p.next().unwrap().parse().unwrap(),
                p.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// `sid → pcap_cnts` of alerts Suricata raised on single packets.
fn expected() -> BTreeMap<u64, Vec<u64>> {
    let text = std::fs::read_to_string(root().join("fixtures/demo.expected.tsv")).unwrap();
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# packet ") else {
            continue;
        };
        let mut parts = rest.splitn(3, ' ');
        let sid: u64 = parts.next().unwrap().parse().unwrap();
        let count: usize = parts.next().unwrap().parse().unwrap();
        let cnts: Vec<u64> = parts
            .next()
            .unwrap()
            .split(',')
            .map(|c| c.trim().parse().unwrap())
            .collect();
        assert_eq!(cnts.len(), count, "malformed expectation for {sid}");
        map.insert(sid, cnts);
    }
    assert!(map.len() > 50, "expectation file lost its rows");
    map
}

#[test]
fn default_pack_fires_exactly_as_suricata_on_demo() {
    let dir = TempDir::new("demo").unwrap();
    let pcap = root().join("fixtures/demo.pcap");
    sigil_ok(&["run", "-r", s(&pcap), "-l", s(dir.path())]);
    let events = eve(dir.path());
    let mut got: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (sid, src, dst, cnt) in alerts(&events) {
        // Every alert in the demo is between the attacker and the VPS.
        let pair = [src.as_str(), dst.as_str()];
        assert!(
            pair.contains(&"203.0.113.66") && pair.contains(&"10.13.37.10"),
            "alert {sid} between {src} and {dst}"
        );
        got.entry(sid).or_default().push(cnt);
    }
    for v in got.values_mut() {
        v.sort_unstable();
    }
    let counts: BTreeMap<u64, usize> = got.iter().map(|(k, v)| (*k, v.len())).collect();
    assert_eq!(counts, expected_counts());
    // Packet-level alerts: every rule's content sits in one packet, so each
    // alert Suricata raised on a packet is among ours (stream alerts come
    // later, on the packet after the acknowledgement).
    for (sid, cnts) in expected() {
        let ours = &got[&sid];
        for c in cnts {
            assert!(
                ours.iter().any(|o| *o >= c),
                "sid {sid}: no alert at or after packet {c}: {ours:?}"
            );
        }
    }
    // Every category of the pack is represented.
    for prefix in [
        "SIGIL SCAN",
        "SIGIL SCANNER",
        "SIGIL SSH",
        "SIGIL WEB",
        "SIGIL WEBSHELL",
        "SIGIL REVSHELL",
        "SIGIL MINER",
        "SIGIL DOWNLOAD",
    ] {
        assert!(
            events.iter().any(|e| e["alert"]["signature"]
                .as_str()
                .is_some_and(|s| s.starts_with(prefix))),
            "no {prefix} alert"
        );
    }
    // fast.log has one line per alert.
    let fast = std::fs::read_to_string(dir.join("fast.log")).unwrap();
    assert_eq!(
        fast.lines().count(),
        got.values().map(Vec::len).sum::<usize>()
    );
}

#[test]
fn embedded_pack_compiles_fully() {
    let out = sigil_ok(&[
        "rules",
        "check",
        "--json",
        s(&root().join("src/defaults/default.rules")),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["syntax_errors"], 0);
    assert_eq!(v["unsupported"], 0, "{}", v["unsupported_keywords"]);
    assert_eq!(v["compiled"], v["rules"]);
}
