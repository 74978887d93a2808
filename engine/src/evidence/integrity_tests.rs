use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::capture::{LinkType, RawPacket, Timestamp};
use crate::evidence::sign::{load_signing_key, load_verifying_key, write_keypair};
use crate::evidence::{
    evidence_dir, write_manifest, CaseLog, EvidenceConfig, EvidenceRecorder, StartInfo,
};
use crate::flow::FlowKey;
use crate::testutil::TempDir;

/// An output directory as `sigil run` leaves it: eve.json, one evidence
/// file, the manifest, a complete case log. Signed when `key` is given.
fn build(out: &Path, key: Option<&super::super::SigningKey>) {
    let mut log = CaseLog::create(out).unwrap();
    log.start(&StartInfo::default()).unwrap();
    let mut rec = EvidenceRecorder::new(&evidence_dir(out), EvidenceConfig::default()).unwrap();
    let k = FlowKey {
        src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        sport: 1,
        dport: 2,
        proto: 17,
        vlan: 0,
    };
    let data = [0u8; 42];
    let raw = RawPacket {
        ts: Timestamp::new(1, 0),
        caplen: 42,
        origlen: 42,
        data: &data,
        linktype: LinkType::Ethernet,
        pcap_cnt: 1,
        file_index: 0,
    };
    rec.packet(5, &k, &raw).unwrap();
    rec.alert(5, &k, 1, raw.ts).unwrap();
    let report = rec.finish();
    let m = write_manifest(&evidence_dir(out), &report.entries, key).unwrap();
    std::fs::write(out.join("eve.json"), b"{\"event_type\":\"alert\"}\n").unwrap();
    log.output(&out.join("eve.json")).unwrap();
    log.output_hashed(&m.path, m.size, &m.sha256).unwrap();
    log.end(serde_json::json!({}), 0, key).unwrap();
}

fn failures(r: &VerifyReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.is_failure())
        .map(|f| f.to_string())
        .collect()
}

#[test]
fn untouched_directory_holds() {
    let dir = TempDir::new("integrity-ok").unwrap();
    build(dir.path(), None);
    let r = verify_outdir(dir.path(), None).unwrap();
    assert!(r.ok(), "{:?}", failures(&r));
    let lines: Vec<String> = r.findings.iter().map(|f| f.to_string()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("OK       evidence/flow-5.pcap")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("OK       eve.json")));
    assert!(lines.iter().any(|l| l.contains("unsigned")));
    assert!(r.head.is_some());
    assert!(r.summary().contains("everything holds"), "{}", r.summary());
}

#[test]
fn each_tampering_is_named() {
    let dir = TempDir::new("integrity-bad").unwrap();
    build(dir.path(), None);
    let pcap = dir.join("evidence/flow-5.pcap");
    let mut b = std::fs::read(&pcap).unwrap();
    b[30] ^= 1;
    std::fs::write(&pcap, b).unwrap();
    std::fs::remove_file(dir.join("eve.json")).unwrap();
    std::fs::write(dir.join("evidence/planted.pcap"), b"x").unwrap();
    let r = verify_outdir(dir.path(), None).unwrap();
    let f = failures(&r);
    assert!(!r.ok());
    assert!(
        f.iter()
            .any(|l| l.starts_with("CHANGED  evidence/flow-5.pcap: sha256")),
        "{f:?}"
    );
    assert!(
        f.iter().any(|l| l.starts_with("MISSING  eve.json")),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|l| l.starts_with("NEW      evidence/planted.pcap")),
        "{f:?}"
    );
    assert_eq!(f.len(), 3, "{f:?}");
}

#[test]
fn chain_break_and_incomplete_log() {
    let dir = TempDir::new("integrity-chain").unwrap();
    build(dir.path(), None);
    let log = dir.join("case.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop(); // the end line
    let changed = lines
        .join("\n")
        .replacen("\"op\":\"start\"", "\"op\":\"stArt\"", 1)
        + "\n";
    std::fs::write(&log, changed).unwrap();
    let f = failures(&verify_outdir(dir.path(), None).unwrap());
    assert!(
        f.iter()
            .any(|l| l.starts_with("BROKEN CHAIN at line 2 of case.log")),
        "{f:?}"
    );
    assert!(
        f.iter().any(|l| l.starts_with("INCOMPLETE case.log")),
        "{f:?}"
    );
}

#[test]
fn signatures_checked_with_the_right_key_only() {
    let dir = TempDir::new("integrity-sig").unwrap();
    let (kp, pp, _) = write_keypair(&dir.join("k")).unwrap();
    let (_, other_pub, _) = write_keypair(&dir.join("other")).unwrap();
    let key = load_signing_key(&kp).unwrap();
    let out = dir.join("out");
    build(&out, Some(&key));
    let vk = load_verifying_key(&pp).unwrap();
    let r = verify_outdir(&out, Some(&vk)).unwrap();
    assert!(r.ok(), "{:?}", failures(&r));
    let oks = r
        .findings
        .iter()
        .filter(|f| f.subject.contains("sig") || f.subject.contains("signature"))
        .count();
    assert_eq!(oks, 2);
    let other = load_verifying_key(&other_pub).unwrap();
    let f = failures(&verify_outdir(&out, Some(&other)).unwrap());
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|l| l.starts_with("BAD SIGNATURE")));
    assert!(f.iter().any(|l| l.contains("signed by another key")));
    // Unsigned output with a key given: the missing signatures fail.
    let plain = dir.join("plain");
    build(&plain, None);
    let f = failures(&verify_outdir(&plain, Some(&vk)).unwrap());
    assert_eq!(f.len(), 2, "{f:?}");
}

#[test]
fn hostile_records_stay_inside_the_directory() {
    assert!(safe_relative("eve.json").is_some());
    assert!(safe_relative("evidence/flow-1.pcap").is_some());
    for bad in ["", "../x", "a/../../b", "/etc/passwd", "./x/../.."] {
        assert!(safe_relative(bad).is_none() || bad == "./x/../..", "{bad}");
    }
    assert!(safe_relative("./x/../..").is_none());
}
