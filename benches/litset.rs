//! The literal matcher under both prefilters ([`sigil_rules::litset`]):
//! aho-corasick, the hashed filter and the shift-or filter, on sets of ET
//! Open fast patterns of growing size, over the bundled demo capture
//! (real HTTP, TLS, DNS and SSH traffic, 130 KB).
//!
//! Sets: the first 1, 4, 20, 60, 160, 400, 1,000, 2,000 and all distinct fast patterns of the
//! compiling ET Open rules (`../shared/rules/et-open`); skipped with one
//! line when `../shared` is missing. Throughput is per haystack byte.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sigil_grammar::{parse_file_with, ParseOptions};
use sigil_rules::litset::{Engine, LiteralSet};
use sigil_rules::{compile_rule, Classifications, CompileCtx};

/// Distinct lower-cased fast patterns of the compiling ET Open rules.
fn et_patterns() -> Option<Vec<Vec<u8>>> {
    let dir = common::shared("litset", "rules/et-open")?;
    let vars = common::vars(&dir).resolve();
    let classes = Classifications::default();
    let ctx = CompileCtx {
        vars: &vars,
        classifications: &classes,
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for f in common::rule_files(&dir) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for pr in parse_file_with(&text, Some(&f), &ParseOptions::default()).rules {
            let Ok(r) = compile_rule(&pr.rule, &ctx) else {
                continue;
            };
            if let Some(fp) = r.fast_pattern().filter(|f| !f.bytes.is_empty()) {
                let p = fp.bytes.to_ascii_lowercase();
                if seen.insert(p.clone()) {
                    out.push(p);
                }
            }
        }
    }
    Some(out)
}

fn bench(c: &mut Criterion) {
    let Some(all) = et_patterns() else {
        return;
    };
    let pcap = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.pcap");
    let Ok(haystack) = std::fs::read(&pcap) else {
        println!("skipping litset: {} not readable", pcap.display());
        return;
    };
    let mut g = c.benchmark_group("litset");
    g.throughput(Throughput::Bytes(haystack.len() as u64));
    g.sample_size(10);
    for n in [1, 4, 20, 60, 160, 400, 1_000, 2_000, all.len()] {
        let pats = &all[..n.min(all.len())];
        for (name, engine) in [
            ("aho-corasick", Engine::AhoCorasick),
            ("hashed", Engine::Hashed),
            ("fdr", Engine::Fdr),
        ] {
            let Ok(set) = LiteralSet::with_engine(pats, engine) else {
                continue;
            };
            let mut hits = 0usize;
            set.for_each_match(&haystack, |_| hits += 1);
            println!(
                "{name} {n} patterns: {} KiB, {hits} hits in {} bytes",
                set.memory_usage() / 1024,
                haystack.len()
            );
            g.bench_with_input(BenchmarkId::new(name, n), &haystack, |b, h| {
                b.iter(|| {
                    let mut hits = 0usize;
                    set.for_each_match(h, |_| hits += 1);
                    hits
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
