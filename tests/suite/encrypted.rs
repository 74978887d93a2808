//! TLS `encryption-handling` end to end on real openssl traffic
//! (fixtures/tls.pcap): by default, as Suricata 7.0.10 does on the same
//! capture, content rules stop inspecting a TLS flow once application data
//! starts — the TLS record headers of the encrypted data (`17 03 03`) raise
//! nothing — while `tls.*` rules still alert; `full` inspects everything.

use super::common::*;

const RULES: &str = "\
alert tcp any any -> any any (msg:\"app data record\"; flow:established; content:\"|17 03 03|\"; sid:1;)
alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\".\"; sid:2;)
";

fn sids(extra: &[&str], label: &str) -> Vec<(u64, u64)> {
    let dir = TempDir::new(label).unwrap();
    let rules = dir.path().join("r.rules");
    std::fs::write(&rules, RULES).unwrap();
    let out = dir.path().join("out");
    run_ok(&root().join("fixtures/tls.pcap"), &rules, &out, extra);
    alerts(&eve(&out))
        .into_iter()
        .map(|(sid, _, _, cnt)| (sid, cnt))
        .collect()
}

#[test]
fn encrypted_tls_data_is_not_content_inspected_by_default() {
    let default = sids(&["-k", "none"], "enc-default");
    // Suricata 7.0.10 on this capture: no sid 1, four sid 2.
    assert!(default.iter().all(|(sid, _)| *sid != 1), "{default:?}");
    assert_eq!(default.iter().filter(|(sid, _)| *sid == 2).count(), 4);
    let set = "app-layer.protocols.tls.encryption-handling=full";
    let full = sids(&["-k", "none", "--set", set], "enc-full");
    let records: Vec<u64> = full
        .iter()
        .filter(|(s, _)| *s == 1)
        .map(|(_, c)| *c)
        .collect();
    // Suricata alerts on these packets too (its `full` run adds others
    // where it inspects a packet and the stream both).
    for cnt in [14, 16, 32, 50, 74, 76] {
        assert!(records.contains(&cnt), "packet {cnt} in {records:?}");
    }
    assert_eq!(full.iter().filter(|(sid, _)| *sid == 2).count(), 4);
}

#[test]
fn unknown_encryption_handling_is_refused() {
    let dir = TempDir::new("enc-bad").unwrap();
    let rules = dir.path().join("r.rules");
    std::fs::write(&rules, RULES).unwrap();
    let set = "app-layer.protocols.tls.encryption-handling=decrypt";
    let pcap = root().join("fixtures/tls.pcap");
    let err = run_err(&pcap, &rules, &dir.path().join("out"), &["--set", set]);
    assert!(err.contains("encryption-handling"), "{err}");
}
