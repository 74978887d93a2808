//! Helpers: run the binary, read EVE output, find ../shared.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use sigil_engine::testutil::{pkt, PcapWriter, TempDir};

/// Runs `sigil` with `args` and returns its output.
pub fn sigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigil"))
        .args(args)
        .env_remove("SIGIL_LOG")
        .output()
        .expect("spawn sigil")
}

/// Like [`sigil`] but asserts a zero exit status.
pub fn sigil_ok(args: &[&str]) -> Output {
    let out = sigil(args);
    assert!(
        out.status.success(),
        "sigil {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `sigil run -r PCAP -S RULES -l OUT EXTRA…`, asserting success.
pub fn run_ok(pcap: &Path, rules: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "-r", s(pcap), "-S", s(rules), "-l", s(out)];
    args.extend_from_slice(extra);
    sigil_ok(&args)
}

/// `sigil run -r PCAP -S RULES -l OUT EXTRA…`, asserting failure; its
/// standard error.
pub fn run_err(pcap: &Path, rules: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", "-r", s(pcap), "-S", s(rules), "-l", s(out)];
    args.extend_from_slice(extra);
    let o = sigil(&args);
    assert!(!o.status.success(), "sigil {args:?} succeeded");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `frames` to DIR/in.pcap and `rules` to DIR/test.rules, runs
/// [`run_ok`] into DIR/out and returns DIR/out.
pub fn run_frames(dir: &Path, frames: &[Vec<u8>], rules: &str, extra: &[&str]) -> PathBuf {
    let pcap = dir.join("in.pcap");
    write_pcap(&pcap, frames, 1_700_000_000);
    let rules_path = dir.join("test.rules");
    std::fs::write(&rules_path, rules).expect("write rules");
    let out = dir.join("out");
    run_ok(&pcap, &rules_path, &out, extra);
    out
}

/// Every line of `dir/eve.json` as JSON (each line must be one object).
pub fn eve(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("eve.json")).expect("eve.json");
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("eve.json line {}: {e}: {l}", i + 1))
        })
        .collect()
}

/// The alert events of a run as (pcap_cnt, sid), 0 where absent.
pub fn alert_packets(events: &[serde_json::Value]) -> Vec<(u64, u64)> {
    events
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| {
            (
                e["pcap_cnt"].as_u64().unwrap_or(0),
                e["alert"]["signature_id"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The alert events of a run, as (sid, src_ip, dest_ip, pcap_cnt).
pub fn alerts(events: &[serde_json::Value]) -> Vec<(u64, String, String, u64)> {
    events
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| {
            (
                e["alert"]["signature_id"].as_u64().unwrap(),
                e["src_ip"].as_str().unwrap().to_string(),
                e["dest_ip"].as_str().unwrap().to_string(),
                e["pcap_cnt"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` (or `$SIGIL_SHARED`), when present; prints a skip line otherwise.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let base = std::env::var_os("SIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    let p = base.join(sub);
    if p.exists() {
        Some(p)
    } else {
        println!("skipping: ../shared/{sub} not found");
        None
    }
}

/// Path as &str for argument lists.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub const CLIENT: [u8; 4] = [10, 0, 0, 1];
pub const SERVER: [u8; 4] = [10, 0, 0, 2];

/// A TCP conversation client:40000 ↔ server:80: handshake, one request
/// segment, the server's ACK, then FIN both ways. Packets are numbered
/// 1 (SYN), 2 (SYN-ACK), 3 (ACK), 4 (request), 5 (ACK), 6/7 (FINs).
pub fn http_conversation(request: &[u8]) -> Vec<Vec<u8>> {
    use pkt::Tcp;
    let c = |flags: u8, seq: u32, ack: u32| Tcp {
        seq,
        ack,
        ..Tcp::new(40000, 80, flags)
    };
    let s = |flags: u8, seq: u32, ack: u32| Tcp {
        seq,
        ack,
        ..Tcp::new(80, 40000, flags)
    };
    let req_len = request.len() as u32;
    vec![
        pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x02, 100, 0), &[]),
        pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x12, 500, 101), &[]),
        pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x10, 101, 501), &[]),
        pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x18, 101, 501), request),
        pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x10, 501, 101 + req_len), &[]),
        pkt::eth_ipv4_tcp(CLIENT, SERVER, &c(0x11, 101 + req_len, 501), &[]),
        pkt::eth_ipv4_tcp(SERVER, CLIENT, &s(0x11, 501, 102 + req_len), &[]),
    ]
}

/// Writes Ethernet frames as a pcap, one per 10 ms from `start` seconds.
pub fn write_pcap(path: &Path, frames: &[Vec<u8>], start: u32) {
    let mut w = PcapWriter::new(1);
    for (i, f) in frames.iter().enumerate() {
        w.packet(start, (i as u32) * 10_000, f);
    }
    w.write_to(path).expect("write pcap");
}
