//! Protocol detection per direction through the binary, on conversations
//! generated here: Suricata's generic `applayer_*` events (ET's
//! app-layer-events rules) and the flow record's `app_proto_tc`. The
//! expected packets are those Suricata 7.0.10 alerted on for the same
//! conversations; DNS detection ports follow `--set`.

use serde_json::Value;

use super::common::*;

/// Suricata's app-layer-events.rules (the generic ones).
const RULES: &str = "\
alert ip any any -> any any (msg:\"mismatch\"; flow:established; app-layer-event:applayer_mismatch_protocol_both_directions; sid:2260000;)\n\
alert ip any any -> any any (msg:\"wrong direction\"; flow:established; app-layer-event:applayer_wrong_direction_first_data; sid:2260001;)\n\
alert ip any any -> any any (msg:\"one direction\"; flow:established; app-layer-event:applayer_detect_protocol_only_one_direction; sid:2260002;)\n\
alert ip any any -> any any (msg:\"skipped\"; flow:established; app-layer-event:applayer_proto_detection_skipped; sid:2260003;)\n";

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const TLS_CLIENT: &[u8] =
    include_bytes!("../../engine/src/applayer/tls/testdata/tls12_random.client.bin");
const TLS_SERVER: &[u8] =
    include_bytes!("../../engine/src/applayer/tls/testdata/tls12_random.server.bin");

/// A conversation client:40000 → server:`port`: handshake, then each
/// (from client, bytes) segment followed by the peer's ACK, then FINs.
/// Packets 1-3 are the handshake, segment k is packet 4 + 2k and its ACK
/// 5 + 2k.
fn conversation(port: u16, segments: &[(bool, &[u8])]) -> Vec<Vec<u8>> {
    let (mut cs, mut ss) = (100u32, 500u32);
    let c = |flags: u8, seq: u32, ack: u32| pkt::Tcp {
        seq,
        ack,
        ..pkt::Tcp::new(40000, port, flags)
    };
    let s = |flags: u8, seq: u32, ack: u32| pkt::Tcp {
        seq,
        ack,
        ..pkt::Tcp::new(port, 40000, flags)
    };
    let mut out = vec![
        pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x02, cs, 0), &[]),
        pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x12, ss, cs + 1), &[]),
    ];
    cs += 1;
    ss += 1;
    out.push(pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x10, cs, ss), &[]));
    for (from_client, data) in segments {
        let n = data.len() as u32;
        if *from_client {
            out.push(pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x18, cs, ss), data));
            cs += n;
            out.push(pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x10, ss, cs), &[]));
        } else {
            out.push(pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x18, ss, cs), data));
            ss += n;
            out.push(pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x10, cs, ss), &[]));
        }
    }
    out.push(pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x11, cs, ss), &[]));
    out.push(pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x11, ss, cs + 1), &[]));
    out.push(pkt::eth_ipv4_tcp(
        CLIENT,
        SERVER,
        &c(0x10, cs + 1, ss + 1),
        &[],
    ));
    out
}

/// Runs Sigil over `frames` with [`RULES`]; the EVE records.
fn run(name: &str, frames: &[Vec<u8>], extra: &[&str]) -> Vec<Value> {
    run_rules(name, frames, RULES, extra)
}

fn run_rules(name: &str, frames: &[Vec<u8>], rules_text: &str, extra: &[&str]) -> Vec<Value> {
    let dir = TempDir::new(&format!("protodetect-{name}")).unwrap();
    let mut args = vec!["-q", "-k", "none"];
    args.extend_from_slice(extra);
    eve(&run_frames(dir.path(), frames, rules_text, &args))
}

fn flow_record(events: &[Value]) -> &Value {
    events
        .iter()
        .find(|e| e["event_type"] == "flow")
        .expect("a flow record")
}

#[test]
fn http_request_answered_by_ssh_is_a_mismatch() {
    let frames = conversation(22, &[(true, GET), (false, b"SSH-2.0-OpenSSH_6.6.1\r\n")]);
    let ev = run("mismatch", &frames, &[]);
    // The server's banner is parsed on the client's ACK (packet 7).
    assert_eq!(alert_packets(&ev), [(7, 2260000)]);
    let flow = flow_record(&ev);
    assert_eq!(flow["app_proto"], "http");
    assert_eq!(flow["app_proto_tc"], "ssh");
    assert!(flow.get("app_proto_ts").is_none(), "same as app_proto");
}

#[test]
fn app_layer_protocol_modes_see_each_direction() {
    // Packets: 4 GET, 5 its ACK (HTTP detected), 6 SSH banner, 7 its ACK
    // (SSH detected for the server's side), 8/9 FINs, 10 last ACK.
    let frames = conversation(22, &[(true, GET), (false, b"SSH-2.0-OpenSSH_6.6.1\r\n")]);
    let rules = "\
alert tcp any any -> any any (flow:to_client; app-layer-protocol:http1,to_server; app-layer-protocol:ssh,to_client; sid:1;)\n\
alert tcp any any -> any any (flow:established,to_client; app-layer-protocol:ssh; sid:2;)\n\
alert tcp any any -> any any (flow:established,to_client; app-layer-protocol:http,final; sid:3;)\n";
    let ev = run_rules("modes", &frames, rules, &[]);
    let mut got = alert_packets(&ev);
    got.sort_unstable();
    // 1 (protocol detection only) matches on the first server packet
    // after the server's side was detected; 2 on the server's packets
    // once its side is SSH (as Suricata 7.0.10 on this conversation; it
    // has no modes); 3 on the server's packets once the flow is HTTP.
    assert_eq!(got, [(5, 3), (6, 3), (9, 1), (9, 2), (9, 3)]);
}

#[test]
fn unrecognised_response_is_one_direction_only() {
    let frames = conversation(80, &[(true, GET), (false, b"\x00\x01\x02garbage\r\n")]);
    let ev = run("onedir", &frames, &[]);
    assert_eq!(alert_packets(&ev), [(7, 2260002)]);
    assert_eq!(flow_record(&ev)["app_proto_tc"], "failed");
    // The request is still parsed and logged.
    assert!(ev.iter().any(|e| e["event_type"] == "http"));
}

#[test]
fn unknown_protocol_is_failed_in_alerts_and_flow_record() {
    // As Suricata 7.0.10 logs such a flow: `app_proto: failed` once
    // detection gave up, on the alerts and the flow record alike.
    let frames = conversation(
        5555,
        &[
            (true, b"ZZZZ unknown protocol hello\r\n"),
            (false, b"YYYY unknown reply here\r\n"),
        ],
    );
    let rules = "alert tcp any any -> any any (msg:\"unknown\"; content:\"unknown\"; sid:7;)\n";
    let ev = run_rules("failed", &frames, rules, &[]);
    let alerts: Vec<&Value> = ev.iter().filter(|e| e["event_type"] == "alert").collect();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(
        alerts.iter().all(|a| a["app_proto"] == "failed"),
        "{alerts:?}"
    );
    assert_eq!(flow_record(&ev)["app_proto"], "failed");
}

#[test]
fn tls_server_hello_before_any_client_data_is_the_wrong_direction() {
    let frames = conversation(443, &[(false, TLS_SERVER), (true, TLS_CLIENT)]);
    let ev = run("wrongdir", &frames, &[]);
    assert_eq!(alert_packets(&ev), [(5, 2260001)]);
    // The application layer is off: no TLS record.
    assert!(!ev.iter().any(|e| e["event_type"] == "tls"));
    // The normal order raises nothing.
    let frames = conversation(443, &[(true, TLS_CLIENT), (false, TLS_SERVER)]);
    let ev = run("rightdir", &frames, &[]);
    assert_eq!(alert_packets(&ev), []);
    assert!(ev.iter().any(|e| e["event_type"] == "tls"));
}

#[test]
fn one_sided_unknown_flow_is_skipped_past_100k() {
    let chunk = vec![b'A'; 1400];
    let segments: Vec<(bool, &[u8])> = (0..80).map(|_| (true, chunk.as_slice())).collect();
    let ev = run("skipped", &conversation(80, &segments), &[]);
    // 72 segments (100 800 bytes) are past the limit; the 72nd is ACKed
    // by packet 5 + 2·71.
    assert_eq!(alert_packets(&ev), [(147, 2260003)]);
    let ev = run("notskipped", &conversation(80, &segments[..10]), &[]);
    assert_eq!(alert_packets(&ev), []);
}

#[test]
fn dns_over_tcp_follows_its_detection_ports() {
    // A query for example.com, length-prefixed.
    let query: &[u8] = b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\
        \x07example\x03com\x00\x00\x01\x00\x01";
    let frames = conversation(1053, &[(true, query)]);
    let dns = |ev: &[Value]| ev.iter().filter(|e| e["event_type"] == "dns").count();
    assert_eq!(
        dns(&run("dns-default", &frames, &[])),
        0,
        "1053 is no DNS port"
    );
    let set = [
        "--set",
        "app-layer.protocols.dns.tcp.detection-ports.dp=1053",
    ];
    let ev = run("dns-tcp", &frames, &set);
    assert_eq!(dns(&ev), 1);
    // The transport-less key applies to TCP too, and takes lists.
    let set = [
        "--set",
        "app-layer.protocols.dns.detection-ports.dp=[53, 1053]",
    ];
    assert_eq!(dns(&run("dns-any", &frames, &set)), 1);
    // A bad list is a configuration error, named as such.
    let dir = std::env::temp_dir().join(format!("sigil-protodetect-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pcap = dir.join("in.pcap");
    write_pcap(&pcap, &frames, 1000);
    let out = sigil(&[
        "run",
        "-q",
        "-r",
        s(&pcap),
        "-l",
        s(&dir.join("out")),
        "--set",
        "app-layer.protocols.dns.detection-ports.dp=http",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("detection-ports"), "{stderr}");
}
