//! The detection pipeline: one capture thread, N workers sharded by a
//! symmetric flow hash, one writer thread.
//!
//! ```text
//! capture (this thread) ──rounds──▶ worker 1..N ──events──▶ writer ──▶ eve.json, fast.log
//!         ▲                            │
//!         └────────── recycled buffers ┘
//! ```
//!
//! Offline runs block on full channels (nothing is dropped). The capture
//! thread validates checksums in capture order (`-k auto` decides from the
//! first packets of the run) and cuts the stream into rounds of
//! [`batch::ROUND_PACKETS`]; every worker gets its share of every round and
//! the writer merges round by round in packet order. Rounds do not depend
//! on the number of workers, so neither do the events nor their order.
//!
//! Sharding is by the unordered pair of IP addresses (and VLAN): both
//! directions of a flow, and every fragment of a datagram, reach the same
//! worker, so each worker owns its flows outright and needs no locks.

pub mod app;
pub mod batch;
pub mod logcontrol;
pub mod protodetect;
pub mod records;
mod txlog;
pub mod worker;
pub mod writer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use serde::Serialize;
use sigil_rules::RuleSet;

use crate::capture::{CaptureError, OfflineSource, Timestamp};
use crate::decode::{self, ChecksumMode, ChecksumValidator, DecodeStats};
use crate::flow::{FlowConfig, FlowStats};
use crate::output::time;
use crate::stream::StreamConfig;
use batch::{OutEvent, RoundBuf, ROUND_PACKETS};
use worker::{StreamSettings, Worker, WorkerOutputs, WorkerStats};
use writer::Writer;

/// Rounds buffered per worker before the capture thread waits.
const CHANNEL_ROUNDS: usize = 4;

/// What to run and where to write.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Capture files or directories, in the order given.
    pub inputs: Vec<PathBuf>,
    /// Output directory (created when missing).
    pub outdir: PathBuf,
    /// Checksum validation mode (`-k`).
    pub checksum: ChecksumMode,
    /// Flow table limits and timeouts (per worker).
    pub flow: FlowConfig,
    /// Write `eve.json`.
    pub eve: bool,
    /// Write `fast.log`.
    pub fast: bool,
    /// Write EVE `flow` records.
    pub flow_records: bool,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Write a `stats` record every this many seconds of packet time
    /// (offline runs follow capture time so results are reproducible).
    pub stats_interval: Option<u64>,
    /// Set by a signal handler: stop reading, drain, flush, close.
    pub stop: Option<Arc<AtomicBool>>,
    /// TCP reassembly and stream inspection.
    pub stream: StreamSettings,
    /// Application-layer parser limits.
    pub app: crate::applayer::AppConfig,
    /// Which tunnels the decoder follows.
    pub decoder: decode::DecodeConfig,
    /// Evidence pcaps of alerting flows (`None`: off).
    pub evidence: Option<crate::evidence::EvidenceConfig>,
    /// Key signing the evidence manifest.
    pub sign_key: Option<Arc<crate::evidence::SigningKey>>,
    /// Capture live from this interface instead of reading `inputs`.
    pub live: Option<crate::capture::LiveConfig>,
}

/// Where packets come from.
enum Source {
    Offline(OfflineSource),
    Live(Box<crate::capture::LiveSource>),
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
            flow_records: true,
            threads: 1,
            stats_interval: None,
            stop: None,
            stream: StreamSettings {
                cfg: Some(StreamConfig::default()),
                inline: false,
            },
            app: crate::applayer::AppConfig::default(),
            decoder: decode::DecodeConfig::default(),
            evidence: None,
            sign_key: None,
            live: None,
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
    /// Files skipped (unsupported link type, unreadable).
    pub skipped_files: u64,
    /// Packets without a usable IP layer.
    pub non_ip: u64,
    /// Packets not inspected because a checksum was bad.
    pub invalid_checksum: u64,
    /// Packets run through the rules.
    pub inspected: u64,
    /// Alerts written.
    pub alerts: u64,
    /// Alerts beyond the per-packet maximum, not written.
    pub alerts_suppressed: u64,
    /// Flows seen.
    pub flows: u64,
    /// Flows evicted because a flow table was full.
    pub flows_evicted: u64,
    /// Decoder events by name.
    pub decoder_events: Vec<(String, u64)>,
    /// Warnings about the captures (where reading stopped, skipped files).
    pub capture_warnings: Vec<String>,
    /// The run was stopped by a signal before the end of the input.
    pub interrupted: bool,
    /// Evidence files written (0 when evidence is off).
    pub evidence_files: usize,
    /// The evidence manifest, when evidence is on.
    #[serde(skip)]
    pub evidence_manifest: Option<crate::evidence::ManifestInfo>,
    /// Problems writing evidence (the run went on).
    pub evidence_errors: Vec<String>,
    /// eve.json and fast.log as written (size, sha256).
    #[serde(skip)]
    pub outputs: Vec<writer::OutputDigest>,
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
        source: std::io::Error,
    },
    /// The live interface could not be opened or read.
    #[error("{0}")]
    Live(String),
    /// A pipeline thread failed (a bug: reported, not hidden).
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a worker hands back when it is done.
type WorkerDone = (
    WorkerStats,
    Option<crate::evidence::EvidenceReport>,
    Vec<String>,
);

/// A worker's message to the writer.
enum WorkerMsg {
    Round {
        seq: u64,
        first: Timestamp,
        kernel: Option<crate::capture::KernelStats>,
        now: Timestamp,
        last: bool,
        events: Vec<OutEvent>,
        stats: WorkerStats,
    },
    Done(
        WorkerStats,
        Option<crate::evidence::EvidenceReport>,
        Vec<String>,
    ),
}

/// Symmetric shard of a packet: the unordered address pair and, when
/// VLANs are part of the flow key, the outer VLAN id.
fn shard(d: &decode::Decoded<'_>, n: usize, vlan_tracking: bool) -> usize {
    if n <= 1 {
        return 0;
    }
    let Some(ip) = &d.ip else {
        return 0;
    };
    let mix = |a: std::net::IpAddr| -> u64 {
        let mut x: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: u8| x = (x ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        match a {
            std::net::IpAddr::V4(v) => v.octets().into_iter().for_each(&mut eat),
            std::net::IpAddr::V6(v) => v.octets().into_iter().for_each(&mut eat),
        }
        x
    };
    // Addition is symmetric; the final mix spreads the sum's bits.
    let mut s = mix(ip.src)
        .wrapping_add(mix(ip.dst))
        .wrapping_add(if vlan_tracking {
            u64::from(d.vlan.outer().unwrap_or(0))
        } else {
            0
        });
    s ^= s >> 33;
    s = s.wrapping_mul(0xff51_afd7_ed55_8ccd);
    s ^= s >> 33;
    (s % n as u64) as usize
}

/// Reads every capture in `opts.inputs` and writes what `rules` find
/// (decode, checksum and flow only when `rules` is `None`).
pub fn run_offline(opts: &RunOptions, rules: Option<Arc<RuleSet>>) -> Result<RunSummary, RunError> {
    let mut source = match &opts.live {
        Some(cfg) => {
            let mut live =
                crate::capture::LiveSource::open(cfg).map_err(|e| RunError::Live(e.to_string()))?;
            if let Some(stop) = &opts.stop {
                live.set_stop_flag(Arc::clone(stop));
            }
            Source::Live(Box::new(live))
        }
        None => Source::Offline(OfflineSource::open(&opts.inputs)?),
    };
    let mut writer = Writer::open(&opts.outdir, opts.eve, opts.fast, rules.clone())?;
    let n = opts.threads.max(1);
    let filenames: Arc<Vec<String>> = Arc::new(match &source {
        Source::Offline(src) => src
            .files()
            .iter()
            .map(|f| f.path.display().to_string())
            .collect(),
        Source::Live(_) => Vec::new(),
    });
    let outputs = WorkerOutputs {
        eve: opts.eve,
        fast: opts.fast,
        flows: opts.eve && opts.flow_records,
    };
    let (pool_tx, pool_rx) = unbounded::<RoundBuf>();
    let mut round_txs: Vec<Sender<RoundBuf>> = Vec::with_capacity(n);
    let mut event_rxs: Vec<Receiver<WorkerMsg>> = Vec::with_capacity(n);
    let mut workers = Vec::with_capacity(n);
    let xbits = Arc::new(sigil_rules::XbitStore::default());
    for i in 0..n {
        let (rtx, rrx) = bounded::<RoundBuf>(CHANNEL_ROUNDS);
        let (etx, erx) = bounded::<WorkerMsg>(CHANNEL_ROUNDS);
        round_txs.push(rtx);
        event_rxs.push(erx);
        let recorder = match &opts.evidence {
            Some(cfg) => Some(
                crate::evidence::EvidenceRecorder::new(
                    &crate::evidence::evidence_dir(&opts.outdir),
                    cfg.clone(),
                )
                .map_err(|e| RunError::Internal(format!("evidence: {e}")))?,
            ),
            None => None,
        };
        let mut w = Worker::new(
            rules.clone(),
            opts.flow,
            filenames.clone(),
            outputs,
            opts.stream,
            n,
            opts.app,
            recorder,
        );
        w.set_decoder(opts.decoder);
        w.share_xbits(Arc::clone(&xbits));
        let pool = pool_tx.clone();
        let handle = thread::Builder::new()
            .name(format!("sigil-worker-{i}"))
            .spawn(move || {
                while let Ok(mut round) = rrx.recv() {
                    let events = w.round(&round);
                    let msg = WorkerMsg::Round {
                        seq: round.seq,
                        first: round.first,
                        kernel: round.kernel,
                        now: round.now,
                        last: round.last,
                        events,
                        stats: w_stats_snapshot(&w),
                    };
                    let last = round.last;
                    if etx.send(msg).is_err() {
                        return;
                    }
                    round.reset();
                    let _ = pool.send(round);
                    if last {
                        let (stats, ev, errs) = w.finish();
                        let _ = etx.send(WorkerMsg::Done(stats, ev, errs));
                        return;
                    }
                }
            })
            .map_err(|e| RunError::Internal(format!("cannot start worker: {e}")))?;
        workers.push(handle);
    }
    drop(pool_tx);

    let stats_interval = opts.stats_interval;
    let writer_handle = thread::Builder::new()
        .name("sigil-writer".into())
        .spawn(move || -> Result<(Writer, Vec<WorkerDone>), RunError> {
            let mut next_stats: Option<Timestamp> = None;
            loop {
                let mut events = Vec::new();
                let mut last = false;
                let mut now = Timestamp::default();
                let mut first = Timestamp::default();
                let mut kernel = None;
                let mut snapshots = Vec::with_capacity(event_rxs.len());
                let mut seq0 = None;
                for rx in &event_rxs {
                    match rx.recv() {
                        Ok(WorkerMsg::Round {
                            seq,
                            first: f,
                            kernel: k,
                            now: t,
                            last: l,
                            events: e,
                            stats,
                        }) => {
                            if *seq0.get_or_insert(seq) != seq {
                                return Err(RunError::Internal("workers out of step".into()));
                            }
                            events.extend(e);
                            last |= l;
                            now = t;
                            first = f;
                            kernel = k;
                            snapshots.push(stats);
                        }
                        Ok(WorkerMsg::Done(..)) | Err(_) => {
                            return Err(RunError::Internal("a worker stopped early".into()))
                        }
                    }
                }
                writer.round(events)?;
                if let Some(every) = stats_interval.filter(|s| *s > 0) {
                    let due = *next_stats.get_or_insert(first.plus_secs(every));
                    if now >= due && !last {
                        let mut rec = stats_record(now, &sum_workers(&snapshots), None, None);
                        if let Some(k) = kernel {
                            rec["stats"]["capture"] = serde_json::json!({
                                "kernel_packets": k.received,
                                "kernel_drops": k.dropped,
                                "kernel_ifdrops": k.if_dropped,
                            });
                        }
                        writer.raw(&rec)?;
                        // The next multiple of the interval after `now`.
                        let k = now.secs_since(first).max(0) as u64 / every + 1;
                        next_stats = Some(first.plus_secs(k * every));
                    }
                }
                if last {
                    let mut finals = Vec::with_capacity(event_rxs.len());
                    for rx in &event_rxs {
                        match rx.recv() {
                            Ok(WorkerMsg::Done(s, ev, errs)) => finals.push((s, ev, errs)),
                            _ => return Err(RunError::Internal("a worker lost its stats".into())),
                        }
                    }
                    return Ok((writer, finals));
                }
            }
        })
        .map_err(|e| RunError::Internal(format!("cannot start writer: {e}")))?;

    // Capture on this thread.
    let mut csum = ChecksumValidator::new(opts.checksum);
    let mut bufs: Vec<RoundBuf> = (0..n).map(|_| RoundBuf::default()).collect();
    let mut seq = 0u64;
    let mut in_round = 0usize;
    let mut now = Timestamp::default();
    let mut first: Option<Timestamp> = None;
    let mut last_cnt = 0u64;
    let mut broken = false;
    let mut interrupted = false;
    let stop = opts.stop.clone();
    let kernel_handle = match &source {
        Source::Live(src) => Some(src.kernel_handle()),
        Source::Offline(_) => None,
    };
    let send_round = |bufs: &mut Vec<RoundBuf>,
                      seq: u64,
                      first: Timestamp,
                      now: Timestamp,
                      last_cnt: u64,
                      last: bool|
     -> bool {
        for (w, tx) in round_txs.iter().enumerate() {
            let fresh = pool_rx.try_recv().unwrap_or_default();
            let Some(slot) = bufs.get_mut(w) else {
                return false;
            };
            let mut round = std::mem::replace(slot, fresh);
            round.seq = seq;
            round.first = first;
            round.kernel = kernel_handle.as_ref().map(|h| h.load());
            round.now = now;
            round.last_cnt = last_cnt;
            round.last = last;
            if tx.send(round).is_err() {
                return false;
            }
        }
        true
    };
    // `None`: the live link was idle for a read timeout; what was read
    // so far goes out as a partial round so output and periodic stats do
    // not wait for the next 1,024 packets.
    let mut on_packet = |raw: Option<&crate::capture::RawPacket<'_>>| {
        if stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed)) {
            interrupted = true;
            return std::ops::ControlFlow::Break(());
        }
        let Some(raw) = raw else {
            if in_round > 0 {
                in_round = 0;
                if !send_round(&mut bufs, seq, first.unwrap_or(now), now, last_cnt, false) {
                    broken = true;
                    return std::ops::ControlFlow::Break(());
                }
                seq += 1;
            }
            return std::ops::ControlFlow::Continue(());
        };
        let d = decode::decode_with(raw, &opts.decoder);
        let verdict = csum.check(&d);
        let w = shard(&d, n, opts.flow.vlan_tracking);
        if let Some(b) = bufs.get_mut(w) {
            b.push(raw, verdict);
        }
        now = raw.ts;
        first.get_or_insert(raw.ts);
        last_cnt = raw.pcap_cnt;
        in_round += 1;
        if in_round == ROUND_PACKETS {
            in_round = 0;
            if !send_round(&mut bufs, seq, first.unwrap_or(now), now, last_cnt, false) {
                broken = true;
                return std::ops::ControlFlow::Break(());
            }
            seq += 1;
        }
        std::ops::ControlFlow::Continue(())
    };
    match &mut source {
        Source::Offline(src) => {
            let _ = src.for_each_packet(|raw| on_packet(Some(raw)));
        }
        Source::Live(src) => {
            // Live runs block like offline ones; the kernel buffer absorbs
            // bursts and its drops are counted in the stats.
            let _ = src.for_each_event(|ev| match ev {
                crate::capture::LiveEvent::Packet(raw) => on_packet(Some(&raw)),
                crate::capture::LiveEvent::Idle => on_packet(None),
            });
        }
    }
    if !broken {
        send_round(&mut bufs, seq, first.unwrap_or(now), now, last_cnt, true);
    }
    drop(round_txs);
    for h in workers {
        if h.join().is_err() {
            return Err(RunError::Internal("a worker panicked".into()));
        }
    }
    let (mut writer, dones) = writer_handle
        .join()
        .map_err(|_| RunError::Internal("the writer panicked".into()))??;
    let mut finals = Vec::with_capacity(dones.len());
    let mut entries = Vec::new();
    let mut evidence_errors = Vec::new();
    for (stats, ev, errs) in dones {
        finals.push(stats);
        evidence_errors.extend(errs);
        if let Some(r) = ev {
            entries.extend(r.entries);
            evidence_errors.extend(r.errors.iter().map(|e| e.to_string()));
        }
    }
    let evidence_manifest = match &opts.evidence {
        Some(_) => {
            entries.sort_by(|a, b| a.file.cmp(&b.file));
            Some(
                crate::evidence::write_manifest(
                    &crate::evidence::evidence_dir(&opts.outdir),
                    &entries,
                    opts.sign_key.as_deref(),
                )
                .map_err(|e| RunError::Internal(format!("evidence manifest: {e}")))?,
            )
        }
        None => None,
    };

    let mut total = sum_workers(&finals);
    total.alerts = total.alerts.saturating_sub(writer.thresholded);
    let mut defrag = crate::defrag::DefragStats::default();
    for f in &finals {
        total.stream += f.stream;
        total.stream_events.merge(&f.stream_events);
        let d = &f.defrag;
        defrag.fragments += d.fragments;
        defrag.reassembled += d.reassembled;
        defrag.timeouts += d.timeouts;
        defrag.memcap_drops += d.memcap_drops;
        defrag.overlaps += d.overlaps;
        defrag.invalid += d.invalid;
        defrag.trackers_evicted += d.trackers_evicted;
        defrag.max_frag_hits += d.max_frag_hits;
    }
    let mut decode_total = DecodeStats::default();
    let mut flow_total = FlowStats::default();
    for f in &finals {
        if let Some(d) = &f.decode {
            decode_total.merge(d);
        }
        flow_total.created += f.flow.created;
        flow_total.timed_out += f.flow.timed_out;
        flow_total.evicted_full += f.flow.evicted_full;
        flow_total.reused += f.flow.reused;
    }
    let cap = match &source {
        Source::Offline(src) => *src.stats(),
        Source::Live(src) => *src.stats(),
    };
    let mut final_stats = stats_record(
        now,
        &total,
        Some(&decode_total),
        Some((&flow_total, &cap, csum.stats().invalid)),
    );
    final_stats["stats"]["defrag"] = serde_json::to_value(defrag).unwrap_or_default();
    // `xbits` the full store refused (it holds XbitStore::MAX_ENTRIES).
    final_stats["stats"]["detect"]["xbits_refused"] = xbits.refused().into();
    if let Source::Live(src) = &mut source {
        // Kernel counters under Suricata's names: what the kernel dropped
        // because we read too slowly, and what the interface dropped.
        let k = src.refresh_kernel_stats();
        final_stats["stats"]["capture"]["kernel_packets"] = k.received.into();
        final_stats["stats"]["capture"]["kernel_drops"] = k.dropped.into();
        final_stats["stats"]["capture"]["kernel_ifdrops"] = k.if_dropped.into();
    }
    writer.raw(&final_stats)?;
    let outputs = writer.digests()?;
    Ok(RunSummary {
        files: cap.files,
        packets: cap.packets,
        bytes: cap.bytes,
        truncated_files: cap.truncated_files,
        skipped_files: cap.skipped_files,
        non_ip: total.non_ip,
        invalid_checksum: total.invalid_checksum,
        inspected: total.inspected,
        alerts: total.alerts,
        alerts_suppressed: total.alerts_suppressed,
        flows: flow_total.created,
        flows_evicted: flow_total.evicted_full,
        decoder_events: decode_total
            .events()
            .map(|(n, c)| (n.to_string(), c))
            .collect(),
        capture_warnings: match &source {
            Source::Offline(src) => src.warnings().iter().map(|w| w.message.clone()).collect(),
            Source::Live(src) => {
                let k = src.kernel_stats();
                vec![format!("kernel counters: {k:?}")]
            }
        },
        interrupted,
        evidence_files: entries.len(),
        evidence_manifest,
        evidence_errors,
        outputs,
    })
}

fn w_stats_snapshot(w: &Worker) -> WorkerStats {
    w.stats_snapshot()
}

fn sum_workers(all: &[WorkerStats]) -> WorkerStats {
    let mut t = WorkerStats::default();
    for s in all {
        t.packets += s.packets;
        t.non_ip += s.non_ip;
        t.invalid_checksum += s.invalid_checksum;
        t.inspected += s.inspected;
        t.alerts += s.alerts;
        t.alerts_suppressed += s.alerts_suppressed;
        t.flow_records += s.flow_records;
    }
    t
}

/// A Suricata-style `stats` record.
fn stats_record(
    now: Timestamp,
    w: &WorkerStats,
    decode: Option<&DecodeStats>,
    totals: Option<(&FlowStats, &crate::capture::CaptureStats, u64)>,
) -> serde_json::Value {
    let mut decoder =
        serde_json::json!({ "pkts": w.packets, "invalid_checksum": w.invalid_checksum });
    if let Some(d) = decode {
        let events: serde_json::Map<String, serde_json::Value> =
            d.events().map(|(n, c)| (n.to_string(), c.into())).collect();
        decoder = serde_json::json!({
            "pkts": d.packets,
            "ipv4": d.ipv4,
            "ipv6": d.ipv6,
            "tcp": d.tcp,
            "udp": d.udp,
            "icmpv4": d.icmpv4,
            "icmpv6": d.icmpv6,
            "vlan": d.vlan,
            "fragments": d.fragments,
            "snapped": d.snapped,
            "non_ip": w.non_ip,
            "invalid_checksum": w.invalid_checksum,
            "tunnel_pkts": d.tunnel_packets,
            "event": events,
        });
        // Encapsulation counters under Suricata's names (`decoder.gre`, ...).
        for (name, n) in d.layers() {
            decoder[name] = n.into();
        }
    }
    let mut stats = serde_json::json!({
        "decoder": decoder,
        "detect": {
            "alert": w.alerts,
            "alerts_suppressed": w.alerts_suppressed,
            "stream_alerts": w.stream_alerts,
            "inspected": w.inspected,
        },
    });
    if let Some((f, cap, bad)) = totals {
        let t = &w.stream;
        stats["tcp"] = serde_json::json!({
            "segments": t.segments,
            "bytes": t.bytes,
            "retransmissions": t.retransmissions,
            "overlap": t.overlaps,
            "overlap_diff_data": t.overlap_diff,
            "out_of_order": t.out_of_order,
            "reassembly_gap": t.gaps,
            "reassembly_gap_bytes": t.gap_bytes,
            "depth_reached": t.depth_reached,
            "segment_memcap_drop": t.memcap_drops,
            "segment_limit_drop": t.segment_limit_drops,
            "midstream_pickups": t.midstream_pickups,
            "midstream_ignored": t.midstream_ignored,
        });
        // Stream engine events per packet, as Suricata's `stream.*`
        // counters (only those raised).
        let events: serde_json::Map<String, serde_json::Value> = w
            .stream_events
            .iter()
            .map(|(e, n)| {
                let name = e.name().strip_prefix("stream.").unwrap_or(e.name());
                (name.to_string(), n.into())
            })
            .collect();
        stats["stream"] = serde_json::Value::Object(events);
        stats["flow"] = serde_json::json!({
            "total": f.created,
            "timeout": f.timed_out,
            "evicted_full": f.evicted_full,
            "reused": f.reused,
            "records": w.flow_records,
        });
        stats["capture"] = serde_json::json!({
            "files": cap.files,
            "packets": cap.packets,
            "bytes": cap.bytes,
            "truncated_files": cap.truncated_files,
            "skipped_files": cap.skipped_files,
            "checksum_invalid": bad,
        });
    }
    serde_json::json!({
        "timestamp": time::eve(now),
        "event_type": "stats",
        "stats": stats,
    })
}
