//! `sigil run`: offline detection over capture files.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use sigil_engine::decode::ChecksumMode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sigil_engine::pipeline::{run_offline, RunOptions};
use tracing::{info, warn};

use crate::args::{ChecksumArg, RunArgs};
use crate::ruleload::{self, RuleSource};

/// Runs detection and prints a one-screen summary on stderr.
pub fn run(args: RunArgs, quiet: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let cfg = ruleload::config(&args.load)?;
    let checksum = match args.checksum {
        Some(ChecksumArg::None) => ChecksumMode::None,
        Some(ChecksumArg::All) => ChecksumMode::All,
        Some(ChecksumArg::Auto) => ChecksumMode::Auto,
        None => match cfg.get_str("pcap-file.checksum-checks") {
            Some(s) => s.parse().map_err(|e: String| {
                anyhow::anyhow!("configuration pcap-file.checksum-checks: {e}")
            })?,
            None => ChecksumMode::Auto,
        },
    };
    let rules = if args.no_detect {
        None
    } else {
        let source = if args.rules.is_empty() {
            RuleSource::Embedded
        } else {
            RuleSource::Paths(&args.rules)
        };
        let (set, report) = ruleload::build(&cfg, source, false)?;
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
        info!(
            "{} rules loaded of {} in {:.2}s",
            report.compiled,
            report.rules,
            started.elapsed().as_secs_f64()
        );
        Some(Arc::new(set))
    };
    let mut opts = RunOptions::new(args.read.clone(), args.log_dir.clone());
    opts.checksum = checksum;
    if let Some(n) = cfg.get_u64("flow.max-flows") {
        opts.flow.max_flows = usize::try_from(n).unwrap_or(usize::MAX).max(1);
    }
    opts.eve = cfg.get_bool("outputs.eve-log.enabled").unwrap_or(true);
    opts.fast = cfg.get_bool("outputs.fast.enabled").unwrap_or(true);
    opts.threads = args
        .threads
        .or_else(|| {
            cfg.get_u64("threading.worker-threads")
                .and_then(|n| usize::try_from(n).ok())
        })
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    opts.stats_interval = args
        .stats_interval
        .or_else(|| cfg.get_u64("stats.interval"));
    opts.flow_records = cfg.get_bool("outputs.eve-log.types.flow").unwrap_or(true);
    // SIGINT/SIGTERM stop reading; workers drain and every output is
    // flushed and closed before the process exits.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    opts.stop = Some(stop);
    let summary = run_offline(&opts, rules)?;
    if summary.interrupted {
        eprintln!(
            "sigil: interrupted: stopped reading after {} packets; outputs flushed",
            summary.packets
        );
    }
    info!(
        "{} packets, {} bytes, {} flows, {} alerts in {:.2}s",
        summary.packets,
        summary.bytes,
        summary.flows,
        summary.alerts,
        started.elapsed().as_secs_f64()
    );
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "sigil: {} files, {} packets, {} flows, {} alerts -> {}",
        summary.files,
        summary.packets,
        summary.flows,
        summary.alerts,
        args.log_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
