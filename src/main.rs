//! `sigil`: Suricata-compatible network threat detection for traffic forensics.
//!
//! The binary only parses arguments, sets up logging and maps errors to exit
//! codes; the work is done by the `sigil-engine`, `sigil-rules` and
//! `sigil-grammar` crates.

mod args;
mod ruleload;
mod cmd_rules;
mod cmd_run;
mod defaults;
mod logging;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    logging::init(cli.verbose, cli.quiet);
    let result = match cli.command {
        args::Command::Run(a) => cmd_run::run(a),
        args::Command::Rules(args::RulesCmd::Check(a)) => cmd_rules::check(a),
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
            eprintln!("sigil: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
