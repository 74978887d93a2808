//! `sigil capture` (ring-buffer capture to hashed pcap files with a
//! manifest and a hash-chained case log) and `sigil list-interfaces`
//! (tcpdump -D).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use sigil_engine::capture::{
    list_interfaces, ring::wall_clock, CaptureMeta, LiveConfig, LiveEvent, LiveSource, RingConfig,
    RingWriter,
};

/// `sigil capture`
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Interface to capture on (see `sigil list-interfaces`).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: String,
    /// Directory for the pcap files, manifest.json and case.log (created;
    /// must not already hold a manifest).
    #[arg(short = 'w', long = "write", value_name = "DIR")]
    pub dir: PathBuf,
    /// BPF filter expression (tcpdump syntax), e.g. "tcp port 80".
    #[arg(long, value_name = "EXPR")]
    pub bpf: Option<String>,
    /// Start a new file before one passes this size (K/M/G = 1000s, KiB/MiB/GiB = 1024s).
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = parse_size)]
    pub rotate_size: u64,
    /// Keep at most N files; the oldest is deleted (and recorded) to make room.
    /// Default: keep all.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub rotate_count: Option<u64>,
    /// Also start a new file once the current one spans SECS seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub rotate_seconds: Option<u64>,
    /// Bytes kept of each packet.
    #[arg(long, value_name = "N", default_value_t = 262_144,
          value_parser = clap::value_parser!(u32).range(1..=262_144))]
    pub snaplen: u32,
    /// Do not put the interface in promiscuous mode (tcpdump -p).
    #[arg(short = 'p', long = "no-promisc")]
    pub no_promisc: bool,
    /// Stop after N packets.
    #[arg(short = 'c', long = "count", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop after SECS seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: Option<u64>,
}

/// `1500`, `64KB`, `100MB`, `2GiB` → bytes. Decimal units follow tcpdump -C
/// (millions of bytes); binary units are there for those who mean them.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a number with an optional unit (100MB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "`{s}`: unknown unit `{other}` (B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    match n.checked_mul(mult) {
        Some(0) => Err("size must be positive".into()),
        Some(v) => Ok(v),
        None => Err(format!("`{s}`: too large")),
    }
}

/// Prints every interface libpcap can capture on, numbered like tcpdump -D.
pub fn list() -> Result<ExitCode> {
    let ifaces = list_interfaces()?;
    let mut out = std::io::stdout().lock();
    for (i, iface) in ifaces.iter().enumerate() {
        let desc = iface
            .description
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let flags = iface.flag_words().join(", ");
        writeln!(out, "{}.{}{desc} [{flags}]", i + 1, iface.name)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Why the capture loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Signal,
    Count,
    Duration,
    Error,
}

impl Stop {
    fn as_str(self) -> &'static str {
        match self {
            Stop::Signal => "signal",
            Stop::Count => "count",
            Stop::Duration => "duration",
            Stop::Error => "error",
        }
    }
}

/// Captures into the ring until a signal, `--count` or `--duration`.
pub fn capture(args: CaptureArgs, quiet: bool) -> Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let mut cfg = LiveConfig::new(args.interface.clone());
    cfg.bpf = args.bpf.clone();
    cfg.snaplen = args.snaplen;
    cfg.promiscuous = !args.no_promisc;
    let mut src = LiveSource::open(&cfg)?;
    src.set_stop_flag(Arc::clone(&stop));

    let meta = CaptureMeta {
        interface: args.interface.clone(),
        bpf: args.bpf.clone(),
        linktype: src.linktype().linktype_value(),
        snaplen: src.snaplen(),
        nanosecond: src.nanosecond_timestamps(),
    };
    let ring_cfg = RingConfig {
        dir: args.dir.clone(),
        prefix: "sigil".into(),
        rotate_size: Some(args.rotate_size),
        rotate_seconds: args.rotate_seconds,
        rotate_count: args
            .rotate_count
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        argv: std::env::args().collect(),
    };
    let mut ring = RingWriter::create(ring_cfg, meta)?;
    if !quiet {
        let (_, dlt_name) = src.dlt();
        eprintln!(
            "sigil: capturing on {} ({dlt_name}, snaplen {}, {} timestamps{}) -> {}",
            src.interface(),
            src.snaplen(),
            if src.nanosecond_timestamps() {
                "nanosecond"
            } else {
                "microsecond"
            },
            args.bpf
                .as_deref()
                .map(|b| format!(", filter \"{b}\""))
                .unwrap_or_default(),
            args.dir.display()
        );
    }

    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs(s));
    let mut written = 0u64;
    let mut write_error = None;
    let mut reason = Stop::Signal;
    let _ = src.for_each_event(|ev| {
        let res = match ev {
            LiveEvent::Packet(p) => ring.write(&p).map(|()| written += 1),
            LiveEvent::Idle => ring.tick(wall_clock()),
        };
        if let Err(e) = res {
            write_error = Some(e);
            reason = Stop::Error;
            return ControlFlow::Break(());
        }
        if args.count.is_some_and(|n| written >= n) {
            reason = Stop::Count;
            return ControlFlow::Break(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            reason = Stop::Duration;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    let read_error = src.take_error();
    if read_error.is_some() {
        reason = Stop::Error;
    }
    let kernel = src.refresh_kernel_stats();
    // Close and hash what was written even when writing failed; the first
    // failure is the one reported.
    let finished = ring.finish(reason.as_str(), Some(kernel));
    if let Some(e) = write_error {
        return Err(e).context("capture stopped: writing failed");
    }
    let summary = finished?;
    if let Some(e) = read_error {
        return Err(e.into());
    }
    if reason == Stop::Signal && stop.load(Ordering::Relaxed) && !quiet {
        eprintln!("sigil: interrupted: current file closed and hashed");
    }
    if let (Some(head), false) = (&summary.log_head, quiet) {
        eprintln!("sigil: case.log head sha256 {head}");
    }
    if !quiet || kernel.dropped > 0 || kernel.if_dropped > 0 {
        eprintln!(
            "sigil: {} packets in {} files ({} deleted by the ring) -> {}; kernel: {} received, {} dropped, {} dropped by interface",
            summary.packets,
            summary.files,
            summary.deleted,
            args.dir.display(),
            kernel.received,
            kernel.dropped,
            kernel.if_dropped
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    #[test]
    fn capture_flags_parse_like_tcpdump() {
        let cli = Cli::try_parse_from([
            "sigil",
            "capture",
            "-i",
            "eth0",
            "-w",
            "out",
            "--bpf",
            "tcp port 80",
            "--rotate-size",
            "20KB",
            "--rotate-count",
            "4",
            "-c",
            "3",
            "-p",
        ])
        .unwrap();
        let Command::Capture(a) = cli.command else {
            panic!("not capture")
        };
        assert_eq!(a.interface, "eth0");
        assert_eq!(a.rotate_size, 20_000);
        assert_eq!(a.rotate_count, Some(4));
        assert_eq!(a.count, Some(3));
        assert!(a.no_promisc);
        assert_eq!(a.snaplen, 262_144);
        for bad in [["--rotate-count", "0"], ["--snaplen", "0"], ["-c", "0"]] {
            let mut argv = vec!["sigil", "capture", "-i", "lo", "-w", "d"];
            argv.extend(bad);
            assert!(Cli::try_parse_from(argv).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Cli::try_parse_from(["sigil", "list-interfaces"]).map(|c| c.command),
            Ok(Command::ListInterfaces)
        ));
    }

    #[test]
    fn sizes_parse_like_tcpdump_with_binary_units_too() {
        assert_eq!(parse_size("1500"), Ok(1500));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("64kb"), Ok(64_000));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert_eq!(parse_size("16KiB"), Ok(16_384));
        assert!(parse_size("0").is_err());
        assert!(parse_size("MB").is_err());
        assert!(parse_size("10XB").unwrap_err().contains("unknown unit"));
        assert!(parse_size("99999999999999999999GB").is_err());
        assert!(parse_size("18446744073709551615GB").is_err());
    }
}
