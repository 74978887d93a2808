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

fn main() -> ExitCode {
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
