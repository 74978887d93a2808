//! HTTP/2 end to end on real traffic: fixtures/http2.pcap (curl against a
//! python-h2 server, made by scripts/make-http2-pcap.sh) holds one
//! prior-knowledge connection (client port 50838) and one upgraded from
//! HTTP/1.1 with `Upgrade: h2c` (port 50852). The expected alerts are the
//! ones Suricata 7.0.10 raises with fixtures/http2.rules on the same
//! capture (`-k none`: loopback checksums are left to offload).

use std::collections::BTreeMap;

use serde_json::Value;

use super::common::{eve, root, run_ok, TempDir};

fn run(label: &str, extra: &[&str]) -> Vec<Value> {
    let dir = TempDir::new(label).unwrap();
    let pcap = root().join("fixtures/http2.pcap");
    let rules = root().join("fixtures/http2.rules");
    let mut args = vec!["-k", "none"];
    args.extend_from_slice(extra);
    run_ok(&pcap, &rules, dir.path(), &args);
    eve(dir.path())
}

/// (sid, client port) → alert count; the client port names the connection.
fn alert_counts(events: &[Value]) -> BTreeMap<(u64, u64), usize> {
    let mut m = BTreeMap::new();
    for e in events.iter().filter(|e| e["event_type"] == "alert") {
        let sid = e["alert"]["signature_id"].as_u64().unwrap();
        let (sp, dp) = (
            e["src_port"].as_u64().unwrap(),
            e["dest_port"].as_u64().unwrap(),
        );
        *m.entry((sid, if sp == 8080 { dp } else { sp }))
            .or_insert(0) += 1;
    }
    m
}

fn flow_protos(events: &[Value]) -> BTreeMap<u64, Value> {
    events
        .iter()
        .filter(|e| e["event_type"] == "flow")
        .map(|e| (e["src_port"].as_u64().unwrap(), e["app_proto"].clone()))
        .collect()
}

#[test]
fn http2_alerts_and_records_match_suricata() {
    let ev = run("h2-fixture", &[]);
    // Suricata 7.0.10: every sid once per connection where it matches;
    // `alert http1` (4) and the HTTP/1-cased User-Agent lookup (8) only
    // on the HTTP/1 request of the upgraded connection (plus 8 on the
    // prior-knowledge one, whose user-agent is lower case).
    let prior = 50838;
    let up = 50852;
    let expected: BTreeMap<(u64, u64), usize> = [
        ((1, prior), 1),
        ((2, up), 2),
        ((3, prior), 1),
        ((3, up), 1),
        ((4, up), 1),
        ((5, prior), 1),
        ((5, up), 1),
        ((6, prior), 1),
        ((7, up), 2),
        ((8, prior), 1),
        ((8, up), 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(alert_counts(&ev), expected);
    // On the upgraded connection, alerts on the HTTP/1 request say `http`
    // and those on HTTP/2 stream 1 `http2`, as Suricata's do.
    let mut protos: Vec<(u64, &str)> = ev
        .iter()
        .filter(|e| e["event_type"] == "alert" && (e["src_port"] == up || e["dest_port"] == up))
        .map(|e| {
            let sid = e["alert"]["signature_id"].as_u64().unwrap();
            (sid, e["app_proto"].as_str().unwrap())
        })
        .collect();
    protos.sort_unstable();
    assert_eq!(
        protos,
        [
            (2, "http"),
            (2, "http2"),
            (3, "http2"),
            (4, "http"),
            (5, "http2"),
            (7, "http"),
            (7, "http2"),
            (8, "http")
        ]
    );
    let flows = flow_protos(&ev);
    assert_eq!(flows[&prior], "http2");
    assert_eq!(flows[&up], "http2");
    // HTTP/2 streams are logged as Suricata 7 does: `http` records with
    // version 2 and the `http2` object; the upgrade's 101 as HTTP/1.
    let http: Vec<&Value> = ev.iter().filter(|e| e["event_type"] == "http").collect();
    let h2: Vec<&Value> = http
        .iter()
        .copied()
        .filter(|e| e["http"]["version"] == "2")
        .collect();
    assert_eq!(h2.len(), 2);
    for e in &h2 {
        assert_eq!(e["http"]["status"], 200);
        assert_eq!(e["http"]["http2"]["stream_id"], 1);
        assert_eq!(e["http"]["http_method"], "GET");
    }
    let urls: Vec<&str> = h2
        .iter()
        .map(|e| e["http"]["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(&"/dl/watchdog.exe") && urls.contains(&"/upgraded/path"));
    let upgraded = h2
        .iter()
        .find(|e| e["http"]["url"] == "/upgraded/path")
        .unwrap();
    let names: Vec<&str> = upgraded["http"]["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(&names[..3], [":method", ":path", ":authority"]);
    assert!(http
        .iter()
        .any(|e| e["http"]["status"] == 101 && e["http"]["protocol"] == "HTTP/1.1"));
}

#[test]
fn http2_disabled_leaves_the_upgrade_to_http1() {
    let ev = run(
        "h2-disabled",
        &["--set", "app-layer.protocols.http2.enabled=no"],
    );
    let up = 50852;
    let expected: BTreeMap<(u64, u64), usize> =
        [((2, up), 1), ((4, up), 1), ((7, up), 1), ((8, up), 1)]
            .into_iter()
            .collect();
    assert_eq!(alert_counts(&ev), expected);
    let flows = flow_protos(&ev);
    assert_eq!(flows[&up], "http");
    assert!(!ev.iter().any(|e| e["http"]["version"] == "2"));
}

/// The conformance capture of an SMTP session whose STARTTLS is followed
/// by an HTTP `101` asking for h2c (when ../shared is present): the
/// second protocol change is refused with `http.failed_protocol_change`,
/// which the rule sees from both directions, as in Suricata.
#[test]
fn refused_upgrade_after_starttls_raises_failed_protocol_change() {
    let Some(dir) = super::common::shared("conformance/tests/protocol-change-failed-event") else {
        return;
    };
    let out = TempDir::new("h2-refused").unwrap();
    let pcap = dir.join("input.pcap");
    let rules = dir.join("test.rules");
    run_ok(&pcap, &rules, out.path(), &["-k", "none"]);
    let ev = eve(out.path());
    let alerts: Vec<&Value> = ev.iter().filter(|e| e["event_type"] == "alert").collect();
    assert_eq!(alerts.len(), 2);
    assert!(alerts.iter().all(|a| a["alert"]["signature_id"] == 2221053));
    let flows = flow_protos(&ev);
    assert_eq!(flows[&34634], "http", "no switch to HTTP/2");
}
