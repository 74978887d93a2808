//! `sigil verify OUTDIR`: recompute every hash of an output directory,
//! walk the case log's hash chain, check signatures, and name every file
//! that changed, disappeared or appeared.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use sigil_engine::evidence::{self, sign};

/// `sigil verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Output directory of a run (the folder holding case.log).
    #[arg(value_name = "OUTDIR")]
    pub outdir: PathBuf,
    /// Public key (PREFIX.pub from `sigil keygen`) to check the signatures
    /// with; without it signatures are reported as not checked.
    #[arg(long, value_name = "FILE")]
    pub pubkey: Option<PathBuf>,
}

/// Prints one line per check and a summary. Exit 0 when everything holds,
/// 1 on any mismatch, 2 when the arguments are unusable.
pub fn verify(args: VerifyArgs, quiet: bool) -> Result<ExitCode> {
    if !args.outdir.is_dir() {
        eprintln!("sigil: error: {}: not a directory", args.outdir.display());
        return Ok(ExitCode::from(2));
    }
    let key = match &args.pubkey {
        None => None,
        Some(p) => match sign::load_verifying_key(p) {
            Ok(k) => Some(k),
            Err(e) => {
                eprintln!("sigil: error: {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let report = evidence::verify_outdir(&args.outdir, key.as_ref())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in &report.findings {
        // -q: only what is wrong (and the summary).
        if quiet && !f.is_failure() {
            continue;
        }
        writeln!(out, "{f}")?;
    }
    if let Some(head) = &report.head {
        if !quiet {
            writeln!(out, "case.log head sha256: {head}")?;
        }
    }
    writeln!(out, "{}", report.summary())?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
