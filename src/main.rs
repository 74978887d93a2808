//! `sigil`: Suricata-compatible network threat detection for traffic forensics.
//!
//! The binary only parses arguments, sets up logging and maps errors to exit
//! codes; the work is done by the `sigil-engine`, `sigil-rules` and
//! `sigil-grammar` crates.

mod args;
mod cmd_capture;
mod cmd_keygen;
mod cmd_rules;
mod cmd_run;
mod cmd_test;
mod cmd_verify;
mod defaults;
mod execute;
mod logging;
mod ruleload;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: workers allocate per packet
/// and transaction (headers, stream segments, EVE records) and the writer
/// frees records the workers made; with glibc's malloc that churn was
/// about a fifth of a worker's samples on the benchmark corpus, and the
/// run took 10–12 % longer (interleaved runs, docs/PERFORMANCE.md).
/// Transparent huge pages are off (`no_thp`): with them mimalloc's
/// footprint grows in 2 MiB steps.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option: its position in `mi_option_t`, the same
/// in mimalloc 2 and 3 (retired options keep their slots).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives freed memory back to the OS after 1 ms instead of mimalloc's
/// default second, which held peak RSS over the benchmark corpus at 238 MB
/// instead of 204 MB (glibc: 201 MB). `MIMALLOC_PURGE_DELAY` in the
/// environment still wins.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set only stores an integer in mimalloc's
        // option table; it takes any option index and value.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1) };
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = args::Cli::parse();
    logging::init(cli.verbose, cli.quiet);
    let result = match cli.command {
        args::Command::Run(a) => cmd_run::run(a, cli.quiet),
        args::Command::Rules(args::RulesCmd::Check(a)) => cmd_rules::check(a),
        args::Command::Test(a) => cmd_test::test(a),
        args::Command::Capture(a) => cmd_capture::capture(a, cli.quiet),
        args::Command::ListInterfaces => cmd_capture::list(),
        args::Command::Verify(a) => cmd_verify::verify(a, cli.quiet),
        args::Command::Keygen(a) => cmd_keygen::keygen(a),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`sigil … | head`) is not a failure.
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("sigil: error: {}", render_chain(&err));
            ExitCode::from(1)
        }
    }
}

/// `outer: inner: …`, leaving out causes whose text the message already
/// holds (library errors often print their source themselves).
fn render_chain(err: &anyhow::Error) -> String {
    let mut msg = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}
