//! Bad input: one-line errors naming the file, exit 1, no panics; damaged
//! captures are read as far as they go.

use super::common::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_clean_failure(o: &std::process::Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(o));
    let e = stderr(o);
    assert!(e.contains(needle), "stderr should name {needle}: {e}");
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(
        e.trim_end().lines().count(),
        1,
        "one-line error expected: {e}"
    );
}

fn marker_rules(dir: &TempDir) -> std::path::PathBuf {
    let p = dir.join("r.rules");
    std::fs::write(
        &p,
        "alert udp any any -> any 9999 (msg:\"marker\"; content:\"MARK\"; sid:9;)\n",
    )
    .unwrap();
    p
}

fn marker(i: u8) -> Vec<u8> {
    pkt::eth_ipv4_udp(CLIENT, SERVER, 1000 + u16::from(i), 9999, b"MARK")
}

#[test]
fn truncated_capture_is_read_up_to_the_damage() {
    let dir = TempDir::new("bad-trunc").unwrap();
    let pcap = dir.join("cut.pcap");
    write_pcap(&pcap, &[marker(1), marker(2), marker(3)], 1_700_000_000);
    let bytes = std::fs::read(&pcap).unwrap();
    std::fs::write(&pcap, &bytes[..bytes.len() - 10]).unwrap();
    let out = dir.join("out");
    let o = sigil_ok(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&marker_rules(&dir)),
        "-l",
        s(&out),
    ]);
    let e = stderr(&o);
    assert!(e.contains("cut.pcap") && e.contains("truncated"), "{e}");
    assert!(e.contains("after packet 2"), "{e}");
    let got = alerts(&eve(&out));
    assert_eq!(got.iter().map(|a| a.3).collect::<Vec<_>>(), vec![1, 2]);
}

#[test]
fn garbage_empty_and_missing_captures_fail_cleanly() {
    let dir = TempDir::new("bad-files").unwrap();
    let rules = marker_rules(&dir);
    let garbage = dir.join("garbage.pcap");
    std::fs::write(
        &garbage,
        (0..4096u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    for p in [&garbage, &empty, &dir.join("missing.pcap")] {
        let o = sigil(&["run", "-r", s(p), "-S", s(&rules), "-l", s(&dir.join("o"))]);
        assert_clean_failure(&o, s(p));
    }
}

#[test]
fn bogus_snaplen_still_reads() {
    let dir = TempDir::new("bad-snap").unwrap();
    let pcap = dir.join("snap.pcap");
    write_pcap(&pcap, &[marker(1)], 1_700_000_000);
    let mut bytes = std::fs::read(&pcap).unwrap();
    bytes[16..20].copy_from_slice(&0u32.to_le_bytes()); // snaplen 0
    std::fs::write(&pcap, &bytes).unwrap();
    let out = dir.join("out");
    run_ok(&pcap, &marker_rules(&dir), &out, &[]);
    assert_eq!(alerts(&eve(&out)).len(), 1);
}

#[test]
fn random_bytes_after_a_valid_header_never_panic() {
    let dir = TempDir::new("bad-fuzz").unwrap();
    let rules = marker_rules(&dir);
    let mut next = sigil_engine::testutil::xorshift(0x2545_f491_4f6c_dd1du64);
    for round in 0..8 {
        let pcap = dir.join(&format!("f{round}.pcap"));
        let mut w = PcapWriter::new(1);
        for i in 0..50u32 {
            let len = (next() % 200) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            w.packet(1_700_000_000, i, &data);
        }
        let mut bytes = w.bytes().to_vec();
        // and some damage in the record headers
        for _ in 0..3 {
            let at = 24 + (next() as usize % (bytes.len() - 24));
            bytes[at] = next() as u8;
        }
        std::fs::write(&pcap, &bytes).unwrap();
        let o = sigil(&[
            "run",
            "-r",
            s(&pcap),
            "-S",
            s(&rules),
            "-l",
            s(&dir.join("o")),
        ]);
        let e = stderr(&o);
        assert!(!e.contains("panicked"), "{e}");
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{e}"
        );
    }
}

#[test]
fn unreadable_rule_file_is_a_one_line_error() {
    let dir = TempDir::new("bad-rules").unwrap();
    let pcap = dir.join("p.pcap");
    write_pcap(&pcap, &[marker(1)], 1_700_000_000);
    let missing = dir.join("nope.rules");
    let o = sigil(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&missing),
        "-l",
        s(&dir.join("o")),
    ]);
    assert_clean_failure(&o, s(&missing));
    let o = sigil(&["rules", "check", s(&missing)]);
    assert_clean_failure(&o, s(&missing));
}

#[test]
fn bad_config_is_a_one_line_error() {
    let dir = TempDir::new("bad-cfg").unwrap();
    let pcap = dir.join("p.pcap");
    write_pcap(&pcap, &[marker(1)], 1_700_000_000);
    let cfg = dir.join("bad.yaml");
    std::fs::write(&cfg, "vars: [unclosed\n").unwrap();
    let o = sigil(&[
        "run",
        "-r",
        s(&pcap),
        "-c",
        s(&cfg),
        "-l",
        s(&dir.join("o")),
    ]);
    assert_clean_failure(&o, s(&cfg));
    let o = sigil(&[
        "run",
        "-r",
        s(&pcap),
        "--set",
        "novalue",
        "-l",
        s(&dir.join("o")),
    ]);
    assert_clean_failure(&o, "novalue");
}

#[cfg(unix)]
#[test]
fn unwritable_output_dir_is_an_error_naming_it() {
    let dir = TempDir::new("bad-out").unwrap();
    let pcap = dir.join("p.pcap");
    write_pcap(&pcap, &[marker(1)], 1_700_000_000);
    // A file where the output directory should be.
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, b"x").unwrap();
    let o = sigil(&["run", "-r", s(&pcap), "-l", s(&blocker.join("sub"))]);
    assert_clean_failure(&o, "blocker");
}
