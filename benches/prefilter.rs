//! Per-buffer matching cost against rule sets of growing size: the
//! aho-corasick prefilter plus the verification of its candidates, through
//! the rule set's public entry points.
//!
//! - `match_packet/*`: [`RuleSet::match_packet`] on one packet payload;
//! - `match_tx/*`: [`RuleSet::match_tx`] on one parsed transaction (the
//!   sticky buffers: `http.uri`, `http.host`, `dns.query`, `tls.sni` …).
//!
//! Rule sets: 100, 1,000 and all enabled ET Open rules that compile (the
//! small ones spread evenly over the pack, so they keep its mix of
//! protocols), from `../shared/rules/et-open` with its `vars.yaml`;
//! inputs: the first HTTP request and response, DNS query and TLS
//! ClientHello of `../shared/bench/smoke.pcap` and the transactions the
//! engine's parsers make of them. That part runs nothing (one line printed)
//! when `../shared` is missing. Always run: synthetic sets of 100, 1,000
//! and 10,000 rules with distinct random contents on a synthetic ~1,200-byte
//! HTTP request and DNS query, to show that time per packet stays nearly
//! flat while the rule count grows by two orders of magnitude.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use common::{Chunk, Conversation, Kind};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use sigil_engine::applayer::{dns, http, tls, AppConfig, AppProto};
use sigil_engine::capture::Timestamp;
use sigil_engine::flow::Direction;
use sigil_engine::pipeline::app::TxRef;
use sigil_rules::packet::{ipproto, FlowInfo, PacketView, TcpFields};
use sigil_rules::{Classifications, FlowVars, RuleSet, RuleSetBuilder, Vars};

fn build(name: &str, texts: &[String], vars: &Vars) -> RuleSet {
    let start = Instant::now();
    let mut b = RuleSetBuilder::new(vars.clone(), Classifications::default());
    b.add_source(&texts.join("\n"), None);
    let (set, report) = b.build();
    if report.compiled != texts.len() {
        println!(
            "warning: {name}: {} of {} rules loaded",
            report.compiled,
            texts.len()
        );
    }
    set.warm_regexes();
    println!(
        "{name}: {} rules built in {:?}, prefilter {:?}",
        set.len(),
        start.elapsed(),
        set.prefilter_stats()
    );
    set
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

fn synthetic_http() -> Vec<u8> {
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

fn synthetic_dns() -> Vec<u8> {
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

/// A packet of an established flow carrying `payload` from `src` to `dst`.
fn packet<'a>(
    src: (IpAddr, u16),
    dst: (IpAddr, u16),
    tcp: bool,
    to_server: bool,
    app: Option<AppProto>,
    payload: &'a [u8],
) -> PacketView<'a> {
    let proto = if tcp { ipproto::TCP } else { ipproto::UDP };
    let mut p = PacketView::new(src.0, dst.0, proto, payload);
    p.sport = src.1;
    p.dport = dst.1;
    p.flow = FlowInfo {
        to_server,
        established: true,
        app_proto: app,
        ..FlowInfo::default()
    };
    if tcp {
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

/// A packet of `conv` carrying `chunk`.
fn conv_packet<'a>(conv: &Conversation, chunk: &'a Chunk) -> PacketView<'a> {
    let to_server = chunk.dir == Direction::ToServer;
    let (src, dst) = if to_server {
        (conv.client, conv.server)
    } else {
        (conv.server, conv.client)
    };
    let app = match conv.kind {
        Kind::Http => AppProto::Http,
        Kind::Tls => AppProto::Tls,
        Kind::DnsUdp | Kind::DnsTcp => AppProto::Dns,
    };
    packet(
        src,
        dst,
        conv.kind != Kind::DnsUdp,
        to_server,
        Some(app),
        &chunk.data,
    )
}

fn first_chunk(conv: &Conversation, dir: Direction) -> Option<&Chunk> {
    conv.chunks.iter().find(|c| c.dir == dir)
}

/// Real inputs from the capture: packets, and transactions with the
/// packet they are inspected on.
struct RealInputs {
    http: Conversation,
    dns: Conversation,
    tls: Conversation,
    http_tx: http::Tx,
    dns_tx: dns::Tx,
    tls_tx: tls::Tx,
}

impl RealInputs {
    fn from(convs: &[Conversation]) -> Option<RealInputs> {
        let cfg = AppConfig::default();
        // The first HTTP flow with a complete transaction.
        let (http, http_tx) = convs
            .iter()
            .filter(|c| c.kind == Kind::Http)
            .find_map(|c| {
                let mut s = http::State::new(&cfg);
                for ch in &c.chunks {
                    s.input(ch.dir, &ch.data, ch.ts);
                    if let Some(tx) = s.take_finished(false).into_iter().next() {
                        return Some((c.clone(), tx));
                    }
                }
                None
            })?;
        let (dns, dns_tx) = convs
            .iter()
            .filter(|c| c.kind == Kind::DnsUdp)
            .find_map(|c| {
                let mut s = dns::State::new(&cfg);
                let ch = first_chunk(c, Direction::ToServer)?;
                s.input(ch.dir, &ch.data, ch.ts);
                let tx = s.take_finished(true).into_iter().next()?;
                Some((c.clone(), tx))
            })?;
        let (tls, tls_tx) = convs.iter().filter(|c| c.kind == Kind::Tls).find_map(|c| {
            let mut s = tls::State::new(&cfg);
            for ch in &c.chunks {
                s.input(ch.dir, &ch.data, ch.ts);
            }
            let tx = s.take_finished(true).into_iter().next()?;
            Some((c.clone(), tx))
        })?;
        Some(RealInputs {
            http,
            dns,
            tls,
            http_tx,
            dns_tx,
            tls_tx,
        })
    }

    /// (label, packet) pairs for `match_packet`.
    fn packets(&self) -> Vec<(&'static str, PacketView<'_>)> {
        let mut out = Vec::new();
        for (label, conv, dir) in [
            ("http-request", &self.http, Direction::ToServer),
            ("http-response", &self.http, Direction::ToClient),
            ("dns-query", &self.dns, Direction::ToServer),
            ("tls-clienthello", &self.tls, Direction::ToServer),
        ] {
            if let Some(ch) = first_chunk(conv, dir) {
                out.push((label, conv_packet(conv, ch)));
            }
        }
        out
    }

    /// (label, packet, transaction) triples for `match_tx`.
    fn txs(&self) -> Vec<(&'static str, PacketView<'_>, TxRef<'_>)> {
        let ts = Timestamp::default();
        let mut out = Vec::new();
        for (label, conv, dir, tx) in [
            (
                "http-request",
                &self.http,
                Direction::ToServer,
                TxRef::Http(&self.http_tx, ts),
            ),
            (
                "http-response",
                &self.http,
                Direction::ToClient,
                TxRef::Http(&self.http_tx, ts),
            ),
            (
                "dns-query",
                &self.dns,
                Direction::ToServer,
                TxRef::Dns(&self.dns_tx, ts),
            ),
            (
                "tls-handshake",
                &self.tls,
                Direction::ToServer,
                TxRef::Tls(&self.tls_tx, ts),
            ),
        ] {
            if let Some(ch) = first_chunk(conv, dir) {
                out.push((label, conv_packet(conv, ch), tx));
            }
        }
        out
    }
}

fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
}

fn bench_et(c: &mut Criterion) {
    let Some(dir) = common::shared("prefilter bench (ET Open part)", "rules/et-open") else {
        return;
    };
    let Some(convs) = common::smoke_conversations("prefilter bench (ET Open part)") else {
        return;
    };
    let Some(real) = RealInputs::from(&convs) else {
        println!("skipping prefilter bench (ET Open part): no HTTP, DNS or TLS transaction in the capture");
        return;
    };
    let vars = common::vars(&dir);
    let all = common::compiling_rules(&dir);
    let mut sets = Vec::new();
    for n in [100, 1000] {
        if n < all.len() {
            sets.push((format!("et-{n}"), common::spread(&all, n)));
        }
    }
    sets.push((format!("et-all-{}", all.len()), all));

    let packets = real.packets();
    let txs = real.txs();
    let sizes: Vec<String> = packets
        .iter()
        .map(|(label, p)| format!("{label} {} B", p.payload.len()))
        .collect();
    println!("payloads: {}", sizes.join(", "));
    for (name, texts) in &sets {
        let set = build(name, texts, &vars);
        let mut scratch = set.new_scratch();
        let mut out = Vec::with_capacity(64);
        let mut group = c.benchmark_group("match_packet");
        configure(&mut group);
        for (label, pkt) in &packets {
            group.bench_with_input(BenchmarkId::new(*label, name), pkt, |b, pkt| {
                b.iter(|| {
                    set.match_packet(pkt, &mut scratch, &mut out);
                    out.len()
                })
            });
        }
        group.finish();
        let mut group = c.benchmark_group("match_tx");
        configure(&mut group);
        for (label, pkt, tx) in &txs {
            let mut flowvars = FlowVars::new();
            group.bench_function(BenchmarkId::new(*label, name), |b| {
                b.iter(|| {
                    set.match_tx(pkt, tx, &mut flowvars, &mut scratch, &mut out);
                    out.len()
                })
            });
        }
        group.finish();
    }
}

fn bench_synthetic(c: &mut Criterion) {
    let vars = Vars::suricata_defaults();
    let http = synthetic_http();
    let dns = synthetic_dns();
    let client = (IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)), 51234);
    let packets = [
        (
            "http-1200B-tcp80",
            packet(
                client,
                (IpAddr::V4(Ipv4Addr::new(10, 0, 50, 10)), 80),
                true,
                true,
                None,
                &http,
            ),
        ),
        (
            "dns-udp53",
            packet(
                client,
                (IpAddr::V4(Ipv4Addr::new(10, 0, 50, 53)), 53),
                false,
                true,
                None,
                &dns,
            ),
        ),
    ];
    let mut group = c.benchmark_group("match_packet");
    configure(&mut group);
    for n in [100, 1000, 10_000] {
        let name = format!("synthetic-{n}");
        let set = build(&name, &synthetic_rules(n), &vars);
        let mut scratch = set.new_scratch();
        let mut out = Vec::with_capacity(64);
        for (label, pkt) in &packets {
            group.bench_with_input(BenchmarkId::new(*label, &name), pkt, |b, pkt| {
                b.iter(|| {
                    set.match_packet(pkt, &mut scratch, &mut out);
                    out.len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_et, bench_synthetic);
criterion_main!(benches);
