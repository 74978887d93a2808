//! `sigil run`: offline detection over capture files.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use sigil_engine::decode::ChecksumMode;
use sigil_rules::LoadReport;
use tracing::{info, warn};

use crate::args::{ChecksumArg, RunArgs};
use crate::execute::{execute, Request, Rules};
use crate::ruleload;

/// Logs every rule that was not loaded, and why.
fn log_report(report: &LoadReport) {
    for e in &report.syntax_errors {
        warn!("rule not loaded: {}", e.message.trim_end());
    }
    for e in &report.other_errors {
        warn!("rule not loaded: {}", e.message.trim_end());
    }
    for u in &report.undefined_vars {
        warn!(
            "rule not loaded: {}:{}: undefined variable ${}",
            u.file
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            u.line,
            u.name
        );
    }
    if !report.unsupported.is_empty() {
        let mut kws: Vec<_> = report.unsupported_keywords.iter().collect();
        kws.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = kws
            .iter()
            .take(5)
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        warn!(
            "{} rules not loaded: unsupported keywords, most used: {} (see `sigil rules check`)",
            report.unsupported.len(),
            top.join(", ")
        );
    }
}

/// Runs detection and prints a one-line summary on stderr.
pub fn run(args: RunArgs, quiet: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let cfg = ruleload::config(&args.load)?;
    let rules = if args.no_detect {
        Rules::None
    } else if args.rules.is_empty() {
        Rules::Embedded
    } else {
        Rules::Paths(args.rules.clone())
    };
    // SIGINT/SIGTERM stop reading; workers drain and every output is
    // flushed and closed before the process exits.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let req = Request {
        inputs: args.read.clone(),
        rules,
        outdir: args.log_dir.clone(),
        checksum: args.checksum.map(|k| match k {
            ChecksumArg::None => ChecksumMode::None,
            ChecksumArg::All => ChecksumMode::All,
            ChecksumArg::Auto => ChecksumMode::Auto,
        }),
        threads: args.threads,
        stats_interval: args.stats_interval,
        stop: Some(stop),
    };
    let out = execute(&cfg, &req, |report| {
        log_report(report);
        Ok(())
    })?;
    if let Some(r) = &out.report {
        info!(
            "{} rules loaded of {} in {:.2}s",
            r.compiled, r.rules, out.load_secs
        );
    }
    let s = &out.summary;
    info!(
        "{} packets, {} bytes, {} flows, {} alerts in {:.2}s",
        s.packets,
        s.bytes,
        s.flows,
        s.alerts,
        started.elapsed().as_secs_f64()
    );
    if s.interrupted {
        eprintln!(
            "sigil: interrupted: stopped reading after {} packets; outputs flushed",
            s.packets
        );
    }
    if !quiet {
        eprintln!(
            "sigil: {} files, {} packets, {} flows, {} alerts -> {}",
            s.files,
            s.packets,
            s.flows,
            s.alerts,
            args.log_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
