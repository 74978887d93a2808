//! Offline detection run: capture → decode → checksum → flow → detect →
//! EVE/fast.log, on one thread.
//!
//! This is the reference order of operations; the multi-threaded pipeline
//! (issue 3) shards the flow and detect stages across workers but must give
//! the same events. Checksum validation stays in capture order because
//! `auto` mode decides from the first packets of the run.

use std::collections::HashSet;
use std::io;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sigil_rules::packet::FlowInfo;
use sigil_rules::{Action, RuleId, RuleSet};

use crate::capture::{CaptureError, CaptureStats, OfflineSource, RawPacket};
use crate::decode::{self, ChecksumMode, ChecksumValidator, ChecksumVerdict, DecodeStats};
use crate::flow::{self, Direction, FlowConfig, FlowKey, FlowTable};
use crate::output::eve::{AlertInfo, EveWriter};
use crate::output::fastlog::FastLogWriter;
use crate::output::{time, EventCtx, FlowMeta};

/// Suricata's default `detect.packet-alert-max`: alerts kept per packet.
pub const PACKET_ALERT_MAX: usize = 15;

/// What to run and where to write.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Capture files or directories, in the order given.
    pub inputs: Vec<PathBuf>,
    /// Output directory (created when missing).
    pub outdir: PathBuf,
    /// Checksum validation mode (`-k`).
    pub checksum: ChecksumMode,
    /// Flow table limits and timeouts.
    pub flow: FlowConfig,
    /// Write `eve.json`.
    pub eve: bool,
    /// Write `fast.log`.
    pub fast: bool,
}

impl RunOptions {
    /// Defaults for reading `inputs` into `outdir`.
    pub fn new(inputs: Vec<PathBuf>, outdir: PathBuf) -> Self {
        RunOptions {
            inputs,
            outdir,
            checksum: ChecksumMode::Auto,
            flow: FlowConfig::default(),
            eve: true,
            fast: true,
        }
    }
}

/// Counters of a finished run.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// Files read.
    pub files: u64,
    /// Packets read.
    pub packets: u64,
    /// Bytes read (captured lengths).
    pub bytes: u64,
    /// Files cut short (truncated or corrupt), read as far as possible.
    pub truncated_files: u64,
    /// Files skipped (unsupported link type).
    pub skipped_files: u64,
    /// Packets without a usable IP layer.
    pub non_ip: u64,
    /// Packets not inspected because a checksum was bad.
    pub invalid_checksum: u64,
    /// Packets run through the rules.
    pub inspected: u64,
    /// Alerts written.
    pub alerts: u64,
    /// Alerts beyond [`PACKET_ALERT_MAX`] on one packet, not written.
    pub alerts_suppressed: u64,
    /// Flows seen.
    pub flows: u64,
    /// Flows evicted because the table was full.
    pub flows_evicted: u64,
    /// Decoder events by name.
    pub decoder_events: Vec<(String, u64)>,
    /// Warnings about the captures (where reading stopped, skipped files).
    pub capture_warnings: Vec<String>,
}

/// Errors that stop a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// No capture could be opened.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// An output file could not be created or written.
    #[error("{path}: {source}")]
    Output {
        /// The output file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

fn out_err(path: &Path) -> impl FnOnce(io::Error) -> RunError + '_ {
    move |source| RunError::Output {
        path: path.to_path_buf(),
        source,
    }
}

/// The writers of one run.
struct Outputs {
    eve: Option<EveWriter>,
    fast: Option<(FastLogWriter, PathBuf)>,
}

impl Outputs {
    fn open(opts: &RunOptions) -> Result<Outputs, RunError> {
        std::fs::create_dir_all(&opts.outdir).map_err(out_err(&opts.outdir))?;
        let eve = if opts.eve {
            let p = opts.outdir.join("eve.json");
            Some(EveWriter::create(&p).map_err(out_err(&p))?)
        } else {
            None
        };
        let fast = if opts.fast {
            let p = opts.outdir.join("fast.log");
            Some((FastLogWriter::create(&p).map_err(out_err(&p))?, p))
        } else {
            None
        };
        Ok(Outputs { eve, fast })
    }

    fn alert(
        &mut self,
        ctx: &EventCtx<'_>,
        a: &AlertInfo<'_>,
        classtype: Option<&str>,
    ) -> Result<(), RunError> {
        if let Some(eve) = &mut self.eve {
            eve.alert(ctx, a).map_err(|e| RunError::Output {
                path: eve.path().to_path_buf(),
                source: e,
            })?;
        }
        if let Some((fast, p)) = &mut self.fast {
            fast.alert(ctx, a, classtype, false).map_err(out_err(p))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), RunError> {
        if let Some(eve) = &mut self.eve {
            eve.flush().map_err(|e| RunError::Output {
                path: eve.path().to_path_buf(),
                source: e,
            })?;
        }
        if let Some((fast, p)) = &mut self.fast {
            fast.flush().map_err(out_err(p))?;
        }
        Ok(())
    }
}

/// Per-run mutable state of the single-threaded loop.
struct Runner<'r> {
    rules: Option<&'r RuleSet>,
    scratch: Option<sigil_rules::Scratch>,
    hits: Vec<RuleId>,
    csum: ChecksumValidator,
    flows: FlowTable,
    decode_stats: DecodeStats,
    /// TCP flows a `pass` rule matched: no further inspection.
    passed: HashSet<u64>,
    filenames: Vec<String>,
    out: Outputs,
    summary: RunSummary,
}

impl Runner<'_> {
    fn packet(&mut self, raw: &RawPacket<'_>) -> Result<(), RunError> {
        let d = decode::decode(raw);
        self.decode_stats.record(&d);
        let verdict = self.csum.check(&d);
        let Some(key) = FlowKey::from_decoded(&d) else {
            self.summary.non_ip += 1;
            return Ok(());
        };
        let meta = flow::PacketMeta::from_decoded(raw.ts, &d, raw.origlen);
        self.flows.expire(raw.ts);
        let (flow, dir) = self.flows.lookup_or_create(&key, &meta);
        let info: FlowInfo = flow.info(dir);
        let flow_meta = FlowMeta {
            flow_id: flow.flow_id,
            to_server: dir == Direction::ToServer,
            pkts_toserver: flow.pkts_toserver,
            pkts_toclient: flow.pkts_toclient,
            bytes_toserver: flow.bytes_toserver,
            bytes_toclient: flow.bytes_toclient,
            start: flow.first_ts,
            client: (flow.key.src, flow.key.sport),
            server: (flow.key.dst, flow.key.dport),
        };
        if verdict == ChecksumVerdict::Invalid {
            self.summary.invalid_checksum += 1;
            return Ok(());
        }
        let (Some(rules), Some(scratch)) = (self.rules, self.scratch.as_mut()) else {
            return Ok(());
        };
        if self.passed.contains(&flow_meta.flow_id) {
            return Ok(());
        }
        let Some(view) = d.view(info) else {
            return Ok(());
        };
        self.summary.inspected += 1;
        self.hits.clear();
        rules.match_packet(&view, scratch, &mut self.hits);
        if self.hits.is_empty() {
            return Ok(());
        }
        let icmp = view.icmp.map(|i| (i.itype, i.icode));
        let ctx = EventCtx {
            ts: raw.ts,
            pcap_cnt: raw.pcap_cnt,
            pcap_filename: self.filenames.get(raw.file_index).map(String::as_str),
            src: view.src,
            dst: view.dst,
            sport: view.sport,
            dport: view.dport,
            ip_proto: view.ip_proto,
            icmp,
            vlan: d.vlan.as_slice(),
            flow: Some(flow_meta),
        };
        let mut emitted = 0usize;
        for &id in &self.hits {
            let m = rules.meta(id);
            if m.action == Action::Pass {
                // Suricata: a pass rule stops inspection of the packet, and
                // of the rest of the flow when it is TCP.
                if view.ip_proto == sigil_rules::packet::ipproto::TCP {
                    self.passed.insert(flow_meta.flow_id);
                }
                break;
            }
            if m.noalert {
                continue;
            }
            if emitted == PACKET_ALERT_MAX {
                self.summary.alerts_suppressed += 1;
                continue;
            }
            emitted += 1;
            let alert = AlertInfo {
                // IDS mode: drop and reject rules alert but block nothing.
                action: "allowed",
                gid: m.gid,
                sid: m.sid,
                rev: m.rev,
                signature: &m.msg,
                category: &m.category,
                severity: m.severity,
                metadata: &m.metadata,
            };
            let class = (!m.category.is_empty()).then_some(m.category.as_str());
            self.out.alert(&ctx, &alert, class)?;
            self.summary.alerts += 1;
        }
        Ok(())
    }
}

/// Reads every capture in `opts.inputs` and writes alerts from `rules`
/// (no detection when `rules` is `None`: decode, checksum and flow only).
pub fn run_offline(opts: &RunOptions, rules: Option<&RuleSet>) -> Result<RunSummary, RunError> {
    let mut source = OfflineSource::open(&opts.inputs)?;
    let out = Outputs::open(opts)?;
    let filenames = source
        .files()
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    let mut runner = Runner {
        rules,
        scratch: rules.map(RuleSet::new_scratch),
        hits: Vec::with_capacity(64),
        csum: ChecksumValidator::new(opts.checksum),
        flows: FlowTable::new(opts.flow.clone()),
        decode_stats: DecodeStats::default(),
        passed: HashSet::new(),
        filenames,
        out,
        summary: empty_summary(),
    };
    let mut failure = None;
    let _ = source.for_each_packet(|raw| match runner.packet(raw) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            failure = Some(e);
            ControlFlow::Break(())
        }
    });
    // Flush what was written even when a write failed part-way.
    let flushed = runner.out.finish();
    if let Some(e) = failure {
        return Err(e);
    }
    flushed?;
    let cap: &CaptureStats = source.stats();
    let s = &mut runner.summary;
    s.files = cap.files;
    s.packets = cap.packets;
    s.bytes = cap.bytes;
    s.truncated_files = cap.truncated_files;
    s.skipped_files = cap.skipped_files;
    s.flows = runner.flows.stats().created;
    s.flows_evicted = runner.flows.stats().evicted_full;
    s.decoder_events = runner
        .decode_stats
        .events()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    s.capture_warnings = source
        .warnings()
        .iter()
        .map(|w| w.message.clone())
        .collect();
    Ok(runner.summary)
}

fn empty_summary() -> RunSummary {
    RunSummary {
        files: 0,
        packets: 0,
        bytes: 0,
        truncated_files: 0,
        skipped_files: 0,
        non_ip: 0,
        invalid_checksum: 0,
        inspected: 0,
        alerts: 0,
        alerts_suppressed: 0,
        flows: 0,
        flows_evicted: 0,
        decoder_events: Vec::new(),
        capture_warnings: Vec::new(),
    }
}

/// Formats a capture timestamp as EVE does (for callers printing summaries).
pub fn eve_time(ts: crate::capture::Timestamp) -> String {
    time::eve(ts)
}
