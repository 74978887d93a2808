//! Rule loading cost with the whole ET Open pack (`../shared/rules/et-open`):
//!
//! - `parse`: the pest grammar over every rule file (`sigil_grammar::parse_file_with`),
//!   throughput in rule-file bytes;
//! - `build`: `RuleSetBuilder` with the pack's `vars.yaml`: parse, compile,
//!   order and build the prefilters, as `sigil run -S` does at start-up.
//!
//! Runs nothing (one line printed) when the pack is missing.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use sigil_grammar::{parse_file_with, ParseOptions};
use sigil_rules::{Classifications, RuleSetBuilder};

fn bench(c: &mut Criterion) {
    let Some(dir) = common::shared("rules_load bench", "rules/et-open") else {
        return;
    };
    let files: Vec<(PathBuf, String)> = common::rule_files(&dir)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let vars = common::vars(&dir);

    let parse = || {
        files
            .iter()
            .map(|(p, t)| {
                parse_file_with(t, Some(p), &ParseOptions::default())
                    .rules
                    .len()
            })
            .sum::<usize>()
    };
    let build = || {
        let mut b = RuleSetBuilder::new(vars.clone(), Classifications::default());
        for (p, t) in &files {
            b.add_source(t, Some(p));
        }
        b.build()
    };
    let t = Instant::now();
    let (set, report) = build();
    println!(
        "ET Open: {} files, {bytes} bytes, {} rules parsed, {} compiled, built in {:?}; prefilter {:?}",
        files.len(),
        report.parsed,
        report.compiled,
        t.elapsed(),
        set.prefilter_stats()
    );
    drop(set);

    let mut group = c.benchmark_group("rules_load");
    group
        .sample_size(10)
        // Each iteration takes a quarter to half a second: one per sample.
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse-et-open", |b| b.iter(parse));
    group.throughput(Throughput::Elements(report.compiled as u64));
    group.bench_function("build-et-open", |b| b.iter(|| build().0.len()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
