//! Command-line interface. Flags follow Suricata's where Suricata has one
//! (`-r`, `-S`, `-l`, `-c`, `--set`, `-k`, `-v`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sigil: Suricata-compatible network threat detection for traffic forensics.
#[derive(Debug, Parser)]
#[command(name = "sigil", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run detection over capture files (retro-hunt) and write EVE JSON and fast.log.
    Run(RunArgs),
    /// Rule-pack tools.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// Run suricata-verify style tests (test.yaml + pcap + rules), or scaffold one with --new.
    Test(TestArgs),
    /// Capture from an interface into a ring of hashed pcap files (manifest.json, case.log).
    Capture(crate::cmd_capture::CaptureArgs),
    /// List the interfaces that can be captured on (like tcpdump -D).
    ListInterfaces,
    /// Check an output directory: hashes, case.log chain, signatures, files added or removed.
    Verify(crate::cmd_verify::VerifyArgs),
    /// Generate an ed25519 key pair for signing evidence (PREFIX.key, PREFIX.pub).
    Keygen(crate::cmd_keygen::KeygenArgs),
}

/// `sigil test`
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test folders, or folders holding test folders (searched recursively).
    #[arg(value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// manifest.json naming each test's pcap, rules and arguments
    /// (default: DIR/manifest.json or DIR/../manifest.json when present).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Tests run in parallel.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Expected failures: `NAME reason` per line. A listed test that passes,
    /// or a listed name that is not run, fails the run: the list can only shrink.
    #[arg(long, value_name = "FILE")]
    pub xfail: Option<PathBuf>,
    /// Keep each test's output under DIR/NAME instead of a temporary folder.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Only tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Scaffold a new test folder NAME from the events of a run over -r with -S.
    #[arg(long, value_name = "NAME", requires_all = ["read", "rules"])]
    pub new: Option<String>,
    /// Capture for --new.
    #[arg(short = 'r', long = "read", value_name = "PCAP")]
    pub read: Option<PathBuf>,
    /// Rules for --new.
    #[arg(short = 'S', long = "rules", value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Checksum mode recorded in the new test's args (--new).
    #[arg(short = 'k', value_enum, value_name = "MODE")]
    pub checksum: Option<ChecksumArg>,
    /// Settings recorded in the new test's args (--new).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `sigil rules …`
#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// Parse and compile rule files; report errors, unsupported keywords, duplicates.
    Check(CheckArgs),
}

/// Checksum validation mode (Suricata's `-k`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChecksumArg {
    /// Never check checksums.
    None,
    /// Check every packet; packets with bad checksums are not inspected.
    All,
    /// Check until checksums look offloaded (more than 1 in 10 bad), then stop.
    Auto,
}

/// Options shared by commands that load rules.
#[derive(Debug, Args)]
pub struct RuleLoadArgs {
    /// Configuration file (suricata.yaml layout), laid over the embedded defaults.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override a configuration value, e.g. vars.address-groups.HOME_NET=[10.0.0.0/8].
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `sigil run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Capture file (pcap or pcapng) or a directory of them; repeatable.
    #[arg(
        short = 'r',
        long = "read",
        value_name = "FILE|DIR",
        required_unless_present = "interface",
        conflicts_with = "interface"
    )]
    pub read: Vec<PathBuf>,
    /// Capture live from this interface (see `sigil list-interfaces`).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// BPF filter for live capture (tcpdump syntax).
    #[arg(long, value_name = "EXPR", requires = "interface")]
    pub bpf: Option<String>,
    /// Rule file or directory of *.rules; repeatable. Default: the embedded pack.
    #[arg(short = 'S', long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Output directory (created if missing).
    #[arg(short = 'l', long = "log-dir", value_name = "DIR", default_value = ".")]
    pub log_dir: PathBuf,
    #[command(flatten)]
    pub load: RuleLoadArgs,
    /// Checksum validation (default from config `pcap-file.checksum-checks`, else auto).
    #[arg(short = 'k', value_enum, value_name = "MODE")]
    pub checksum: Option<ChecksumArg>,
    /// Decode and track flows but run no rules (baseline for benchmarks).
    #[arg(long)]
    pub no_detect: bool,
    /// Worker threads (default: available cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Write a `stats` record to eve.json every N seconds of capture time.
    #[arg(long, value_name = "SECS")]
    pub stats_interval: Option<u64>,
    /// Do not write evidence pcaps of alerting flows (OUTDIR/evidence/).
    #[arg(long)]
    pub no_evidence: bool,
    /// Sign the evidence manifest and the case log's last line with this
    /// ed25519 key (see `sigil keygen`).
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
}

/// `sigil rules check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files or directories (every *.rules inside).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub load: RuleLoadArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also parse commented-out rules (`# alert …`) and count them.
    #[arg(long)]
    pub include_commented: bool,
    /// List every unsupported rule, not only the per-keyword counts.
    #[arg(long)]
    pub list_unsupported: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn suricata_style_run_flags() {
        let cli = Cli::try_parse_from([
            "sigil",
            "run",
            "-r",
            "a.pcap",
            "-r",
            "dir",
            "-S",
            "x.rules",
            "-l",
            "out",
            "-k",
            "none",
            "--set",
            "vars.address-groups.HOME_NET=[10.0.0.0/8]",
            "-c",
            "s.yaml",
        ])
        .unwrap();
        let Command::Run(r) = cli.command else {
            panic!("not run")
        };
        assert_eq!(r.read.len(), 2);
        assert_eq!(r.checksum, Some(ChecksumArg::None));
        assert_eq!(r.load.set.len(), 1);
        assert_eq!(r.log_dir, PathBuf::from("out"));
    }
}
