//! Per-packet matching cost against rule sets of growing size.
//!
//! Rule sets: the first 100, 1,000 and all enabled ET Open rules that
//! compile (from `../../shared/rules/et-open`), plus a synthetic 10,000-rule
//! set with distinct random contents; if the ET folder is missing, synthetic
//! sets of 100, 1,000 and 10,000 rules are used instead. Packets: a
//! ~1,200-byte HTTP request over TCP to port 80 and a DNS query over UDP to
//! port 53. The point is that time per packet stays nearly flat while the
//! rule count grows by two orders of magnitude.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sigil_grammar::{parse_file_with, ParseOptions};
use sigil_rules::packet::{ipproto, FlowInfo, PacketView, TcpFields};
use sigil_rules::{compile_rule, Classifications, CompileCtx, RuleSet, RuleSetBuilder, Vars};

fn et_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/rules/et-open")
}

fn et_vars(dir: &Path) -> Vars {
    let mut v = Vars::suricata_defaults();
    if let Ok(y) = std::fs::read_to_string(dir.join("vars.yaml")) {
        if let Err(e) = v.merge_yaml(&y) {
            println!("vars.yaml ignored: {e}");
        }
    }
    v
}

/// Texts of the enabled ET Open rules that compile, in file order.
fn et_rules(dir: &Path) -> Option<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    files.sort();
    let vars = et_vars(dir).resolve();
    let classes = Classifications::default();
    let ctx = CompileCtx {
        vars: &vars,
        classifications: &classes,
    };
    let mut out = Vec::new();
    let start = Instant::now();
    let mut seen = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).ok()?;
        let parsed = parse_file_with(&text, Some(&f), &ParseOptions::default());
        for pr in parsed.rules {
            seen += 1;
            if compile_rule(&pr.rule, &ctx).is_ok() {
                out.push(pr.text);
            }
        }
    }
    println!(
        "ET Open: parsed and compiled {seen} enabled rules in {:?}; {} compile",
        start.elapsed(),
        out.len()
    );
    Some(out)
}

/// Deterministic pseudo-random generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + (self.next() % 26) as u8))
            .collect()
    }
}

fn synthetic_rules(n: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let port = ["80", "53", "any", "$HTTP_PORTS", "443"][i % 5];
            let proto = if port == "53" { "udp" } else { "tcp" };
            format!(
                "alert {proto} $EXTERNAL_NET any -> $HOME_NET {port} (msg:\"synthetic {i}\"; content:\"{}\"; content:\"{}\"; distance:0; sid:{};)",
                rng.word(8 + i % 5),
                rng.word(4),
                1_000_000 + i
            )
        })
        .collect()
}

fn build(texts: &[String], vars: &Vars) -> RuleSet {
    let mut b = RuleSetBuilder::new(vars.clone(), Classifications::default());
    b.add_source(&texts.join("\n"), None);
    let (set, report) = b.build();
    if report.compiled != texts.len() {
        println!(
            "warning: {} of {} rules loaded",
            report.compiled,
            texts.len()
        );
    }
    set.warm_regexes();
    set
}

fn http_payload() -> Vec<u8> {
    let mut p = b"GET /wp-content/plugins/gallery/view.php?id=4711&lang=en&session=8f14e45fceea167a5a36dedd4bea2543 HTTP/1.1\r\n\
Host: www.example-shop.com\r\n\
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://www.example-shop.com/catalog/summer/index.html\r\n\
Cookie: _ga=GA1.2.1234567890.1700000000; cart=3f2a9c; theme=dark; consent=yes\r\n\
Connection: keep-alive\r\n\
Upgrade-Insecure-Requests: 1\r\n"
        .to_vec();
    let mut i = 0;
    while p.len() < 1180 {
        p.extend_from_slice(
            format!("X-Trace-{i}: {:016x}\r\n", 0x5eed_u64.wrapping_mul(i + 7)).as_bytes(),
        );
        i += 1;
    }
    p.extend_from_slice(b"\r\n");
    p
}

fn dns_payload() -> Vec<u8> {
    let mut p = vec![
        0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    for label in ["www", "example-shop", "com"] {
        p.push(label.len() as u8);
        p.extend_from_slice(label.as_bytes());
    }
    p.extend_from_slice(&[0, 0x00, 0x01, 0x00, 0x01]);
    p
}

fn packet(proto: u8, dport: u16, payload: &[u8]) -> PacketView<'_> {
    let mut p = PacketView::new(
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)),
        IpAddr::V4(Ipv4Addr::new(10, 0, 50, 10)),
        proto,
        payload,
    );
    p.sport = 51234;
    p.dport = dport;
    p.flow = FlowInfo {
        to_server: true,
        established: true,
        ..FlowInfo::default()
    };
    if proto == ipproto::TCP {
        p.tcp = Some(TcpFields {
            flags: 0x18,
            seq: 1000,
            ack: 2000,
            window: 64240,
            mss: None,
        });
    }
    p
}

fn bench(c: &mut Criterion) {
    let dir = et_dir();
    let (vars, mut sets): (Vars, Vec<(String, Vec<String>)>) = match et_rules(&dir) {
        Some(et) if !et.is_empty() => {
            let mut sets = Vec::new();
            for n in [100, 1000] {
                if n < et.len() {
                    sets.push((format!("et-{n}"), et[..n].to_vec()));
                }
            }
            sets.push((format!("et-all-{}", et.len()), et));
            (et_vars(&dir), sets)
        }
        _ => {
            println!("{} not found: using synthetic rules only", dir.display());
            let sets = [100, 1000]
                .iter()
                .map(|&n| (format!("synthetic-{n}"), synthetic_rules(n)))
                .collect();
            (Vars::suricata_defaults(), sets)
        }
    };
    sets.push(("synthetic-10000".to_string(), synthetic_rules(10_000)));

    let http = http_payload();
    let dns = dns_payload();
    let mut group = c.benchmark_group("match_packet");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (name, texts) in &sets {
        let start = Instant::now();
        let set = build(texts, &vars);
        println!(
            "{name}: {} rules built in {:?}, prefilter {:?}",
            set.len(),
            start.elapsed(),
            set.prefilter_stats()
        );
        let mut scratch = set.new_scratch();
        let mut out = Vec::with_capacity(64);
        for (label, pkt) in [
            ("http-1200B-tcp80", packet(ipproto::TCP, 80, &http)),
            ("dns-udp53", packet(ipproto::UDP, 53, &dns)),
        ] {
            group.bench_with_input(BenchmarkId::new(label, name), &pkt, |b, pkt| {
                b.iter(|| {
                    set.match_packet(pkt, &mut scratch, &mut out);
                    out.len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
