//! Parse throughput of the HTTP, DNS and TLS parsers
//! (`sigil_engine::applayer::{http,dns,tls}::State::input`) on the
//! application data of `../shared/bench/smoke.pcap`: every conversation of
//! a protocol is fed, chunk by chunk as captured, to a fresh state, and
//! finished transactions are taken after each chunk as the pipeline does.
//! Throughput is application bytes per second. Runs nothing (one line
//! printed) when the capture is missing.

mod common;

use std::time::Duration;

use common::{Chunk, Conversation, Kind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sigil_engine::applayer::{dns, http, tls, AppConfig};

/// One flow's parser, whichever the protocol.
enum Parser {
    Http(Box<http::State>),
    Dns(Box<dns::State>),
    Tls(Box<tls::State>),
}

impl Parser {
    fn new(kind: Kind, cfg: &AppConfig) -> Parser {
        match kind {
            Kind::Http => Parser::Http(Box::new(http::State::new(cfg))),
            Kind::Tls => Parser::Tls(Box::new(tls::State::new(cfg))),
            Kind::DnsUdp => Parser::Dns(Box::new(dns::State::new(cfg))),
            Kind::DnsTcp => Parser::Dns(Box::new(dns::State::new_tcp(cfg))),
        }
    }

    fn input(&mut self, c: &Chunk) {
        match self {
            Parser::Http(s) => s.input(c.dir, &c.data, c.ts),
            Parser::Dns(s) => s.input(c.dir, &c.data, c.ts),
            Parser::Tls(s) => s.input(c.dir, &c.data, c.ts),
        }
    }

    /// Finished transactions taken out (all of them at flow end).
    fn take(&mut self, flow_end: bool) -> usize {
        match self {
            Parser::Http(s) => s.take_finished(flow_end).len(),
            Parser::Dns(s) => s.take_finished(flow_end).len(),
            Parser::Tls(s) => s.take_finished(flow_end).len(),
        }
    }
}

/// Parses every conversation once; returns the transactions produced.
fn parse_all(convs: &[&Conversation], cfg: &AppConfig) -> usize {
    let mut txs = 0;
    for conv in convs {
        let mut p = Parser::new(conv.kind, cfg);
        for c in &conv.chunks {
            p.input(c);
            txs += p.take(false);
        }
        txs += p.take(true);
    }
    txs
}

fn bench(c: &mut Criterion) {
    let Some(convs) = common::smoke_conversations("applayer bench") else {
        return;
    };
    let cfg = AppConfig::default();
    let mut group = c.benchmark_group("applayer_parse");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (name, kind) in [
        ("http", Kind::Http),
        ("tls", Kind::Tls),
        ("dns-udp", Kind::DnsUdp),
        ("dns-tcp", Kind::DnsTcp),
    ] {
        let of_kind: Vec<&Conversation> = convs.iter().filter(|c| c.kind == kind).collect();
        let bytes: usize = of_kind.iter().map(|c| c.bytes()).sum();
        if bytes == 0 {
            println!("{name}: no conversations in the capture");
            continue;
        }
        println!(
            "{name}: {} flows, {bytes} bytes, {} transactions",
            of_kind.len(),
            parse_all(&of_kind, &cfg)
        );
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| b.iter(|| parse_all(&of_kind, &cfg)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
