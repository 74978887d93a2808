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
use sigil_engine::evidence::{CaseLog, StartInfo, CASE_LOG_NAME};

/// Creates OUTDIR/case.log and describes its `start` line: the command,
/// the version, every input and rule file (hashed by the caller, on a
/// thread of its own while the run reads the same files). An OUTDIR that
/// already holds a case is refused: evidence is never overwritten.
fn open_case(args: &RunArgs, rules: &Rules) -> Result<(CaseLog, StartInfo)> {
    std::fs::create_dir_all(&args.log_dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.log_dir.display()))?;
    if args.log_dir.join(CASE_LOG_NAME).exists() {
        anyhow::bail!(
            "{}: already holds a case ({CASE_LOG_NAME}); use a new output directory",
            args.log_dir.display()
        );
    }
    let case = CaseLog::create(&args.log_dir)?;
    let mut extra = serde_json::Map::new();
    // The line is written when the hashes are ready; this is when the run began.
    extra.insert("started".into(), sigil_engine::evidence::now_utc().into());
    if let Some(i) = &args.interface {
        extra.insert("interface".into(), i.clone().into());
        if let Some(b) = &args.bpf {
            extra.insert("bpf".into(), b.clone().into());
        }
    }
    let rule_paths = match rules {
        Rules::Paths(p) => p.clone(),
        Rules::Embedded => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(crate::defaults::DEFAULT_RULES.as_bytes());
            extra.insert(
                "embedded_rules_sha256".into(),
                sigil_engine::evidence::hex(&digest).into(),
            );
            Vec::new()
        }
        Rules::None => Vec::new(),
    };
    let info = StartInfo {
        argv: std::env::args().collect(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        inputs: args.read.clone(),
        rules: rule_paths,
        config: args.load.config.clone(),
        extra,
    };
    Ok((case, info))
}

/// Records every output with its hash and ends the case log.
fn close_case(
    mut case: CaseLog,
    args: &RunArgs,
    out: &crate::execute::Outcome,
    signer: Option<&sigil_engine::evidence::SigningKey>,
) -> Result<()> {
    for name in ["eve.json", "fast.log"] {
        let p = args.log_dir.join(name);
        if !p.exists() {
            continue;
        }
        // The writer hashed what it wrote; a file whose size no longer
        // matches (something else appended) is hashed from disk.
        let written = out.summary.outputs.iter().find(|d| d.path == p);
        match (written, std::fs::metadata(&p)) {
            (Some(d), Ok(meta)) if meta.len() == d.size => {
                case.output_hashed(&p, d.size, &d.sha256)?;
            }
            _ => {
                case.output(&p)?;
            }
        }
    }
    if let Some(m) = &out.summary.evidence_manifest {
        case.output_hashed(&m.path, m.size, &m.sha256)?;
        if let Some(sig) = &m.signature {
            case.output(sig)?;
        }
        // The recorder hashed every byte of each evidence file as it wrote
        // it, and the manifest (logged just above) lists those hashes: use
        // them instead of reading thousands of files back (a second of
        // open() calls on the benchmark corpus). A pcap the manifest does
        // not list is hashed from disk.
        let listed: std::collections::HashMap<String, String> =
            sigil_engine::evidence::read_manifest(&m.path)
                .map(|(man, _)| {
                    man.entries
                        .into_iter()
                        .map(|e| (e.file, e.sha256))
                        .collect()
                })
                .unwrap_or_default();
        if let Ok(dir) = std::fs::read_dir(sigil_engine::evidence::evidence_dir(&args.log_dir)) {
            let mut files: Vec<_> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
                .collect();
            files.sort();
            for f in files {
                let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
                let known = name.and_then(|n| listed.get(&n));
                match (known, std::fs::metadata(&f)) {
                    (Some(sha256), Ok(meta)) => {
                        case.output_hashed(&f, meta.len(), sha256)?;
                    }
                    _ => {
                        case.output(&f)?;
                    }
                }
            }
        }
    }
    let s = &out.summary;
    let counts = serde_json::json!({
        "files": s.files,
        "packets": s.packets,
        "bytes": s.bytes,
        "flows": s.flows,
        "alerts": s.alerts,
        "evidence_files": s.evidence_files,
        "truncated_files": s.truncated_files,
        "interrupted": s.interrupted,
    });
    let head = case.end(counts, 0, signer)?;
    tracing::info!("case.log head sha256 {head}");
    Ok(())
}

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
    let sign_key = match &args.sign_key {
        Some(p) => Some(Arc::new(sigil_engine::evidence::sign::load_signing_key(p)?)),
        None => None,
    };
    // Unreadable or non-capture inputs fail before anything is written,
    // so a typo does not leave a case behind in OUTDIR.
    if args.interface.is_none() {
        drop(sigil_engine::capture::OfflineSource::open(&args.read)?);
    }
    let (mut case, start_info) = open_case(&args, &rules)?;
    // Inputs are hashed beside the run (the files are only read), and the
    // `start` line is written before anything else the case records.
    let hasher = {
        let info = start_info.clone();
        std::thread::Builder::new()
            .name("sigil-hash".into())
            .spawn(move || info.hash_files())?
    };
    let req = Request {
        inputs: args.read.clone(),
        rules: rules.clone(),
        outdir: args.log_dir.clone(),
        checksum: args.checksum.map(|k| match k {
            ChecksumArg::None => ChecksumMode::None,
            ChecksumArg::All => ChecksumMode::All,
            ChecksumArg::Auto => ChecksumMode::Auto,
        }),
        threads: args.threads,
        stats_interval: args.stats_interval,
        stop: Some(stop),
        evidence: !args.no_evidence,
        sign_key: sign_key.clone(),
        live: args.interface.as_ref().map(|i| {
            let mut c = sigil_engine::capture::LiveConfig::new(i);
            c.bpf = args.bpf.clone();
            c
        }),
    };
    let result = execute(&cfg, &req, |report| {
        log_report(report);
        Ok(())
    });
    let hashes = hasher
        .join()
        .map_err(|_| anyhow::anyhow!("input hashing thread failed"))?;
    case.start_hashed(&start_info, hashes)?;
    let out = match result {
        Ok(o) => o,
        Err(e) => {
            // The case log records the failure too, then the error is reported.
            let mut f = serde_json::Map::new();
            f.insert("error".into(), format!("{e:#}").into());
            let _ = case.record("error", f);
            let _ = case.end(serde_json::json!({}), 1, sign_key.as_deref());
            return Err(e);
        }
    };
    for e in &out.summary.evidence_errors {
        warn!("evidence: {e}");
    }
    close_case(case, &args, &out, sign_key.as_deref())?;
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
        if args.interface.is_some() {
            for w in &s.capture_warnings {
                eprintln!("sigil: {w}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
