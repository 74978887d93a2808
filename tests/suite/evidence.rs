//! Evidence end to end: an output directory built with the engine's
//! evidence library (recorder, manifest, case log) over a capture made
//! here, then checked with `sigil verify` untouched and after each kind of
//! tampering; keys from `sigil keygen`; evidence pcaps read by tshark.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;

use sigil_engine::capture::OfflineSource;
use sigil_engine::decode;
use sigil_engine::evidence::{self, sign, CaseLog, EvidenceConfig, EvidenceRecorder, StartInfo};
use sigil_engine::flow::{FlowConfig, FlowKey, FlowTable, PacketMeta};

use super::common::*;

const SID: u32 = 1_000_001;

/// Builds OUTDIR as a run would: the capture's flows through a recorder
/// (alerting on the request packet, number 4), eve.json and fast.log, the
/// manifest, and a case log with start, outputs and end.
fn build_outdir(work: &TempDir, name: &str, key: Option<&sign::SigningKey>) -> PathBuf {
    let input = work.join(&format!("{name}-in.pcap"));
    let mut frames = http_conversation(b"GET /evil HTTP/1.1\r\nHost: x\r\n\r\n");
    frames.push(pkt::eth_ipv4_udp(CLIENT, SERVER, 5353, 53, b"not alerted"));
    write_pcap(&input, &frames, 1_764_373_555);
    let rules = work.join(&format!("{name}.rules"));
    std::fs::write(
        &rules,
        "alert tcp any any -> any 80 (msg:\"evil\"; content:\"/evil\"; sid:1000001;)\n",
    )
    .unwrap();
    let out = work.join(name);
    let mut log = CaseLog::create(&out).unwrap();
    log.start(&StartInfo {
        argv: vec!["sigil".into(), "run".into(), "-r".into(), s(&input).into()],
        version: env!("CARGO_PKG_VERSION").into(),
        inputs: vec![input.clone()],
        rules: vec![rules],
        ..StartInfo::default()
    })
    .unwrap();

    let mut rec =
        EvidenceRecorder::new(&evidence::evidence_dir(&out), EvidenceConfig::default()).unwrap();
    let mut flows: FlowTable<()> = FlowTable::new(FlowConfig::default());
    let mut src = OfflineSource::open(&[input]).unwrap();
    let mut eve = String::new();
    let _ = src.for_each_packet(|raw| {
        let d = decode::decode(raw);
        let k = FlowKey::from_decoded(&d).expect("ip packet");
        let meta = PacketMeta::from_decoded(raw.ts, &d, raw.caplen);
        let (flow, _) = flows.lookup_or_create(&k, &meta);
        let (id, fkey) = (flow.flow_id, flow.key);
        rec.packet(id, &fkey, raw).unwrap();
        if raw.pcap_cnt == 4 {
            let file = rec.alert(id, &fkey, SID, raw.ts).unwrap().expect("evidence file");
            eve.push_str(&format!(
                "{{\"event_type\":\"alert\",\"flow_id\":{id},\"pcap_cnt\":4,\"evidence\":\"{file}\"}}\n"
            ));
        }
        ControlFlow::Continue(())
    });
    let report = rec.finish();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.entries.len(), 1);
    let m = evidence::write_manifest(&evidence::evidence_dir(&out), &report.entries, key).unwrap();
    std::fs::write(out.join("eve.json"), &eve).unwrap();
    std::fs::write(
        out.join("fast.log"),
        "11/28/2025-23:45:55.000000 [**] evil [**]\n",
    )
    .unwrap();
    log.output(&out.join("eve.json")).unwrap();
    log.output(&out.join("fast.log")).unwrap();
    log.output_hashed(&m.path, m.size, &m.sha256).unwrap();
    log.end(
        serde_json::json!({ "alerts": 1, "evidence": report.stats }),
        0,
        key,
    )
    .unwrap();
    out
}

/// `sigil verify` → (exit code, stdout).
fn verify(out: &Path, pubkey: Option<&Path>) -> (i32, String) {
    let mut args = vec!["verify", s(out)];
    if let Some(k) = pubkey {
        args.extend(["--pubkey", s(k)]);
    }
    let o = sigil(&args);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

fn flip_byte(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    let i = at.min(b.len() - 1);
    b[i] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

/// The only evidence pcap of an OUTDIR.
fn evidence_pcap(out: &Path) -> PathBuf {
    let ev = out.join("evidence");
    let mut pcaps: Vec<PathBuf> = std::fs::read_dir(&ev)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    assert_eq!(pcaps.len(), 1, "{pcaps:?}");
    pcaps.pop().unwrap()
}

#[test]
fn untouched_outdir_verifies_and_evidence_is_complete() {
    let work = TempDir::new("ev-ok").unwrap();
    let out = build_outdir(&work, "out", None);
    let (code, text) = verify(&out, None);
    assert_eq!(code, 0, "{text}");
    for line in [
        "OK       eve.json",
        "OK       fast.log",
        "OK       evidence/manifest.json",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    assert!(
        text.contains("OK       case.log: hash chain of 5 lines"),
        "{text}"
    );
    assert!(text.contains("unsigned"), "{text}");
    assert!(text.contains("everything holds"), "{text}");

    // The manifest describes the TCP flow only, with all 7 of its packets
    // (3 buffered before the alert, the alerting one, 3 after).
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("evidence/manifest.json")).unwrap())
            .unwrap();
    let e = &manifest["entries"][0];
    assert_eq!(e["packets"], 7);
    assert_eq!(e["sids"], serde_json::json!([SID]));
    assert_eq!(
        (e["src_ip"].as_str(), e["dest_port"].as_u64()),
        (Some("10.0.0.1"), Some(80))
    );
    assert_eq!(e["first_ts"], "2025-11-28T23:45:55.000000Z");
    assert_eq!(e["last_ts"], "2025-11-28T23:45:55.060000Z");
    assert!(e["truncated"].is_null());
    let pcap = evidence_pcap(&out);
    assert_eq!(
        format!("evidence/{}", e["file"].as_str().unwrap()),
        format!("evidence/{}", pcap.file_name().unwrap().to_string_lossy())
    );
    let eve = std::fs::read_to_string(out.join("eve.json")).unwrap();
    assert!(eve.contains(e["file"].as_str().unwrap()));

    // tshark reads the file: 7 frames, Ethernet, nanosecond times.
    match Command::new("tshark")
        .args([
            "-r",
            s(&pcap),
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "tcp.dstport",
        ])
        .output()
    {
        Err(_) => println!("skipping tshark check: tshark not installed"),
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let text = String::from_utf8_lossy(&o.stdout);
            let rows: Vec<&str> = text.lines().collect();
            assert_eq!(rows.len(), 7, "{text}");
            assert!(rows[0].starts_with("1764373555.000000000"), "{text}");
            assert!(rows[3].starts_with("1764373555.030000000"), "{text}");
        }
    }
}

#[test]
fn each_kind_of_tampering_is_named_with_exit_1() {
    let work = TempDir::new("ev-tamper").unwrap();

    let out = build_outdir(&work, "pcap", None);
    let pcap = evidence_pcap(&out);
    flip_byte(&pcap, 100);
    let (code, text) = verify(&out, None);
    let name = pcap.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("CHANGED  evidence/{name}: sha256")),
        "{text}"
    );
    assert!(text.contains("md5"), "{text}");

    let out = build_outdir(&work, "eve", None);
    flip_byte(&out.join("eve.json"), 5);
    let (code, text) = verify(&out, None);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("CHANGED  eve.json: sha256"), "{text}");

    let out = build_outdir(&work, "chain", None);
    let log = out.join("case.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let at = text.find("\"op\":\"output\"").unwrap() + 7; // in line 2
    flip_byte(&log, at);
    let (code, text) = verify(&out, None);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("BROKEN CHAIN at line 3 of case.log"),
        "{text}"
    );

    let out = build_outdir(&work, "gone", None);
    std::fs::remove_file(out.join("fast.log")).unwrap();
    std::fs::remove_file(evidence_pcap(&out)).unwrap();
    let (code, text) = verify(&out, None);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("MISSING  fast.log"), "{text}");
    assert!(text.contains("MISSING  evidence/flow-"), "{text}");

    let out = build_outdir(&work, "added", None);
    std::fs::write(out.join("notes.txt"), "planted").unwrap();
    std::fs::create_dir(out.join("sub")).unwrap();
    std::fs::write(out.join("sub/extra.pcap"), "planted").unwrap();
    let (code, text) = verify(&out, None);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("NEW      notes.txt"), "{text}");
    assert!(text.contains("NEW      sub/extra.pcap"), "{text}");
    // Everything else still holds.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("NEW")).count(),
        2,
        "{text}"
    );
    assert!(
        !text.contains("CHANGED") && !text.contains("MISSING"),
        "{text}"
    );
}

#[test]
fn keygen_keys_sign_and_verify() {
    let work = TempDir::new("ev-sign").unwrap();
    let prefix = work.join("analyst");
    let o = sigil_ok(&["keygen", "--out", s(&prefix)]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("analyst.pub"), "{said}");
    let key_path = work.join("analyst.key");
    let pub_path = work.join("analyst.pub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pub_text = std::fs::read_to_string(&pub_path).unwrap();
    assert!(
        pub_text.starts_with("sigil-ed25519-public-key "),
        "{pub_text}"
    );
    // keygen never replaces a key.
    assert!(!sigil(&["keygen", "--out", s(&prefix)]).status.success());
    sigil_ok(&["keygen", "--out", s(&work.join("other"))]);

    let key = sign::load_signing_key(&key_path).unwrap();
    let out = build_outdir(&work, "signed", Some(&key));
    assert!(out.join("evidence/manifest.json.sig").is_file());
    let (code, text) = verify(&out, Some(&pub_path));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("OK       signature of case.log"), "{text}");
    assert!(
        text.contains("OK       evidence/manifest.json.sig"),
        "{text}"
    );
    let (code, text) = verify(&out, None);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("signatures present but not checked"),
        "{text}"
    );

    // The wrong key: both signatures fail.
    let (code, text) = verify(&out, Some(&work.join("other.pub")));
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("BAD SIGNATURE"))
            .count(),
        2,
        "{text}"
    );

    // A changed manifest no longer matches its signature.
    flip_byte(&out.join("evidence/manifest.json"), 40);
    let (code, text) = verify(&out, Some(&pub_path));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("BAD SIGNATURE evidence/manifest.json.sig"),
        "{text}"
    );
    assert!(text.contains("CHANGED  evidence/manifest.json"), "{text}");

    // An unsigned directory checked with a key fails: signatures expected.
    let plain = build_outdir(&work, "plain", None);
    let (code, text) = verify(&plain, Some(&pub_path));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the end record is not signed"), "{text}");
}

#[test]
fn verify_usage_errors_exit_2() {
    let work = TempDir::new("ev-usage").unwrap();
    let (code, _) = verify(&work.join("no-such-dir"), None);
    assert_eq!(code, 2);
    let out = build_outdir(&work, "out", None);
    // A secret key passed as --pubkey is refused by name.
    sigil_ok(&["keygen", "--out", s(&work.join("k"))]);
    let o = sigil(&["verify", s(&out), "--pubkey", s(&work.join("k.key"))]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("secret-key file"), "{err}");
}
