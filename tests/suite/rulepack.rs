//! `sigil test` (suricata-verify format) and evidence through `sigil run`.

use super::common::*;

fn demo() -> std::path::PathBuf {
    root().join("fixtures/demo.pcap")
}

#[test]
fn new_scaffolds_a_test_that_passes_then_fails_when_changed() {
    let dir = TempDir::new("svtest").unwrap();
    let rules = dir.join("scan.rules");
    std::fs::write(
        &rules,
        "alert tcp any any -> any any (msg:\"null scan\"; flags:0; sid:7;)\n",
    )
    .unwrap();
    let case = dir.join("tests").join("null-scan");
    std::fs::create_dir_all(case.parent().unwrap()).unwrap();
    // --new runs in the current directory: give it the full path.
    let out = sigil_ok(&[
        "test",
        "--new",
        s(&case),
        "-r",
        s(&demo()),
        "-S",
        s(&rules),
        "-k",
        "none",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 alert checks"));
    let yaml = std::fs::read_to_string(case.join("test.yaml")).unwrap();
    assert!(yaml.contains("alert.signature_id: 7"), "{yaml}");
    assert!(yaml.contains("-k none"), "{yaml}");

    let junit = dir.join("report.xml");
    let o = sigil_ok(&["test", s(&dir.join("tests")), "--junit", s(&junit)]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("PASS null-scan"), "{text}");
    assert!(
        text.trim_end().ends_with("1 passed, 0 failed, 0 skipped"),
        "{text}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite") && xml.contains("null-scan"),
        "{xml}"
    );

    // Change the expected count: the test fails, the run exits 1 and says why.
    let broken = yaml.replacen("count: ", "count: 1", 1);
    std::fs::write(case.join("test.yaml"), broken).unwrap();
    let o = sigil(&["test", s(&dir.join("tests"))]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("FAIL null-scan"), "{text}");
    assert!(text.contains("0 passed, 1 failed"), "{text}");

    // Listed as an expected failure it no longer fails the run…
    let xfail = dir.join("xfail.txt");
    std::fs::write(&xfail, "null-scan  count changed on purpose\n").unwrap();
    let o = sigil_ok(&["test", s(&dir.join("tests")), "--xfail", s(&xfail)]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("XFAIL null-scan"));
    // …but once it passes again, the stale entry fails the run.
    std::fs::write(case.join("test.yaml"), &yaml).unwrap();
    let o = sigil(&["test", s(&dir.join("tests")), "--xfail", s(&xfail)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("XPASS null-scan"));
}

#[test]
fn unsupported_rules_fail_a_test_like_init_errors_fatal() {
    let dir = TempDir::new("svtest-unsup").unwrap();
    let case = dir.join("t");
    std::fs::create_dir_all(&case).unwrap();
    std::fs::copy(demo(), case.join("input.pcap")).unwrap();
    std::fs::write(
        case.join("test.rules"),
        "alert smtp any any -> any any (msg:\"x\"; sid:1;)\n",
    )
    .unwrap();
    std::fs::write(
        case.join("test.yaml"),
        "checks:\n  - filter:\n      count: 0\n      match:\n        event_type: alert\n",
    )
    .unwrap();
    let o = sigil(&["test", s(dir.path())]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("ERROR t") && text.contains("not supported"),
        "{text}"
    );
}

#[test]
fn run_writes_evidence_and_a_verifiable_signed_case() {
    let dir = TempDir::new("evidence-run").unwrap();
    let keys = dir.join("case");
    sigil_ok(&["keygen", "--out", s(&keys)]);
    let out = dir.join("out");
    sigil_ok(&[
        "run",
        "-r",
        s(&demo()),
        "-l",
        s(&out),
        "--sign-key",
        s(&dir.join("case.key")),
    ]);
    let events = eve(&out);
    let alerts: Vec<_> = events
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .collect();
    assert!(!alerts.is_empty());
    for a in &alerts {
        let f = a["evidence"]
            .as_str()
            .expect("alert names its evidence file");
        assert!(out.join("evidence").join(f).is_file(), "{f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evidence/manifest.json")).unwrap())
            .unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        assert_eq!(e["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(e["md5"].as_str().unwrap().len(), 32);
        assert!(e["first_ts"].as_str().unwrap().ends_with('Z'));
    }
    let pubkey = dir.join("case.pub");
    let ok = sigil(&["verify", s(&out), "--pubkey", s(&pubkey)]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    // One flipped byte in an evidence pcap is named, with exit 1.
    let first = out
        .join("evidence")
        .join(entries[0]["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&first).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&first, bytes).unwrap();
    let bad = sigil(&["verify", s(&out), "--pubkey", s(&pubkey)]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("CHANGED") && text.contains(entries[0]["file"].as_str().unwrap()),
        "{text}"
    );

    // A second run into the same case directory is refused.
    let again = sigil(&["run", "-r", s(&demo()), "-l", s(&out)]);
    assert_eq!(again.status.code(), Some(1));
}
