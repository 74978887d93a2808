//! Rules that steer what happens to a flow, through the binary:
//! - `config:logging disable, type tx, scope tx` keeps the DNS query it
//!   matched, and the answer to it, out of the `dns` records (as Suricata
//!   does on the same exchange: cond-log-dns-dig), while other queries
//!   are still logged; an `alert` rule with the keyword still alerts;
//! - `bypass` stops inspection of the rest of the flow, which ends
//!   `bypassed` (Suricata's local bypass: detect-bypass-udp);
//! - IP-only rules see the first packet of each direction of a flow, and
//!   an IP-only `pass` passes the whole flow, UDP too (as Suricata 7 does
//!   on the same packets).

use serde_json::Value;

use super::common::*;

/// A DNS message for `name` (query, or answer with one A record).
fn dns(id: u16, name: &str, answer: bool) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(if answer { &[0x81, 0x80] } else { &[0x01, 0x00] });
    m.extend_from_slice(&[0, 1, 0, u8::from(answer), 0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    if answer {
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    }
    m
}

fn exchange(sport: u16, id: u16, name: &str) -> Vec<Vec<u8>> {
    vec![
        pkt::eth_ipv4_udp(CLIENT, SERVER, sport, 53, &dns(id, name, false)),
        pkt::eth_ipv4_udp(SERVER, CLIENT, 53, sport, &dns(id, name, true)),
    ]
}

fn run(label: &str, rules: &str) -> Vec<Value> {
    let dir = TempDir::new(&format!("flow-control-{label}")).unwrap();
    let mut frames = exchange(40001, 0x1111, "www.quiet.example");
    frames.extend(exchange(40002, 0x2222, "www.loud.example"));
    eve(&run_frames(
        dir.path(),
        &frames,
        rules,
        &["-q", "-k", "none"],
    ))
}

/// (type, rrname) of the `dns` records.
fn dns_records(ev: &[Value]) -> Vec<(String, String)> {
    ev.iter()
        .filter(|e| e["event_type"] == "dns")
        .map(|e| {
            (
                e["dns"]["type"].as_str().unwrap_or("").to_string(),
                e["dns"]["queries"][0]["rrname"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn config_rule_takes_query_and_answer_out_of_the_logs() {
    let ev = run(
        "config",
        "config dns any any -> any any (dns.query; content:\"quiet\"; config: logging disable, type tx, scope tx; sid:1;)\n",
    );
    let loud = "www.loud.example".to_string();
    assert_eq!(
        dns_records(&ev),
        [
            ("request".to_string(), loud.clone()),
            ("response".to_string(), loud)
        ]
    );
    assert!(
        !ev.iter().any(|e| e["event_type"] == "alert"),
        "config rules do not alert"
    );
}

#[test]
fn alert_rule_with_config_still_alerts() {
    let ev = run(
        "alert",
        "alert dns any any -> any any (dns.query; content:\"quiet\"; config: logging disable, type tx, scope tx; sid:2;)\n",
    );
    let alerts: Vec<u64> = ev
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect();
    assert_eq!(alerts, [2]);
    assert_eq!(
        dns_records(&ev).len(),
        2,
        "only the loud exchange is logged"
    );
}

#[test]
fn bypass_stops_inspecting_the_flow() {
    let dir = TempDir::new("flow-control-bypass").unwrap();
    let frames: Vec<Vec<u8>> = [&b"hello"[..], b"BYPASS now", b"hello again"]
        .iter()
        .map(|p| pkt::eth_ipv4_udp(CLIENT, SERVER, 4500, 4500, p))
        .collect();
    let rules = "alert udp any any -> any any (content:\"BYPASS\"; bypass; sid:1;)\n\
         alert udp any any -> any any (content:\"hello\"; sid:2;)\n";
    let ev = eve(&run_frames(
        dir.path(),
        &frames,
        rules,
        &["-q", "-k", "none"],
    ));
    let alerts = alert_packets(&ev);
    // The bypassing packet still alerts; the third is no longer looked at.
    assert_eq!(alerts, [(1, 2), (2, 1)]);
    let flow = ev
        .iter()
        .find(|e| e["event_type"] == "flow")
        .expect("flow record");
    assert_eq!(flow["flow"]["state"], "bypassed");
    assert_eq!(flow["flow"]["bypass"], "local");
    assert_eq!(
        flow["flow"]["pkts_toserver"], 3,
        "bypassed packets still count"
    );
}

/// A UDP exchange 40000 -> 4500, its reply, and a second datagram.
fn udp_exchange() -> Vec<Vec<u8>> {
    vec![
        pkt::eth_ipv4_udp(CLIENT, SERVER, 40000, 4500, b"hello"),
        pkt::eth_ipv4_udp(SERVER, CLIENT, 4500, 40000, b"hello back"),
        pkt::eth_ipv4_udp(CLIENT, SERVER, 40000, 4500, b"hello again"),
    ]
}

/// (pcap_cnt, sid) of the alerts of `rules` on [`udp_exchange`].
fn udp_alerts(label: &str, rules: &str) -> Vec<(u64, u64)> {
    let dir = TempDir::new(label).unwrap();
    let out = run_frames(dir.path(), &udp_exchange(), rules, &["-k", "none"]);
    alert_packets(&eve(&out))
}

#[test]
fn ip_only_rules_see_the_first_packet_each_way() {
    let got = udp_alerts(
        "iponly",
        "alert udp any any -> any any (content:\"hello\"; sid:2;)\n\
         alert ip any any -> any any (sid:3;)\n",
    );
    assert_eq!(got, [(1, 2), (1, 3), (2, 2), (2, 3), (3, 2)]);
}

#[test]
fn ip_only_pass_passes_the_whole_udp_flow() {
    // The pass rule matches only the first datagram's direction, yet the
    // reply and the later datagram are not inspected either.
    let got = udp_alerts(
        "iponly-pass",
        "pass udp any any -> any 4500 (sid:1;)\n\
         alert udp any any -> any any (content:\"hello\"; sid:2;)\n\
         alert ip any any -> any any (sid:3;)\n",
    );
    assert!(got.is_empty(), "{got:?}");
}
