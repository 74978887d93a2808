//! One detection run from already-parsed settings: shared by `sigil run`
//! and `sigil test` (which runs the engine in-process for every test).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Result;
use sigil_engine::config::Config;
use sigil_engine::decode::{ChecksumMode, DecodeConfig};
use sigil_engine::pipeline::{run_offline, RunOptions, RunSummary};
use sigil_rules::LoadReport;

use crate::ruleload::{self, RuleSource};

/// Which rules a run uses.
#[derive(Debug, Clone)]
pub enum Rules {
    /// The embedded default pack.
    Embedded,
    /// These files and directories.
    Paths(Vec<PathBuf>),
    /// No detection at all.
    None,
}

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct Request {
    /// Captures (files or directories).
    pub inputs: Vec<PathBuf>,
    /// Rules.
    pub rules: Rules,
    /// Output directory.
    pub outdir: PathBuf,
    /// `-k`; `None`: from the configuration.
    pub checksum: Option<ChecksumMode>,
    /// Worker threads; `None`: configuration, else available cores.
    pub threads: Option<usize>,
    /// `--stats-interval`.
    pub stats_interval: Option<u64>,
    /// Set by signal handlers.
    pub stop: Option<Arc<AtomicBool>>,
    /// Write evidence pcaps of alerting flows.
    pub evidence: bool,
    /// Key signing the evidence manifest.
    pub sign_key: Option<Arc<sigil_engine::evidence::SigningKey>>,
    /// Live capture instead of `inputs`.
    pub live: Option<sigil_engine::capture::LiveConfig>,
}

/// What a run did.
pub struct Outcome {
    /// Rule loading report (`None` without detection).
    pub report: Option<LoadReport>,
    /// Seconds spent loading rules.
    pub load_secs: f64,
    /// Run counters.
    pub summary: RunSummary,
}

/// Loads the rules named by `req` and runs the pipeline. `check_rules` sees
/// the load report before any packet is read and may refuse to go on (as
/// Suricata's `--init-errors-fatal` does).
pub fn execute(
    cfg: &Config,
    req: &Request,
    check_rules: impl FnOnce(&LoadReport) -> Result<()>,
) -> Result<Outcome> {
    let started = std::time::Instant::now();
    let (rules, report) = match &req.rules {
        Rules::None => (None, None),
        Rules::Embedded | Rules::Paths(_) => {
            let source = match &req.rules {
                Rules::Paths(p) => RuleSource::Paths(p),
                _ => RuleSource::Embedded,
            };
            let (set, report) = ruleload::build(cfg, source, false)?;
            check_rules(&report)?;
            (Some(Arc::new(set)), Some(report))
        }
    };
    let load_secs = started.elapsed().as_secs_f64();
    let used = |prefix: &str| {
        report
            .as_ref()
            .is_some_and(|r| r.keywords_used.iter().any(|k| k.starts_with(prefix)))
    };
    let auto = |key: &str, rule_needs: bool| match cfg.get_str(key).as_deref() {
        Some("yes") | Some("true") => true,
        Some("no") | Some("false") => false,
        _ => rule_needs,
    };
    let ssh_hassh = auto("app-layer.protocols.ssh.hassh", used("ssh.hassh"));
    let tls_ja3 = auto("app-layer.protocols.tls.ja3-fingerprints", used("ja3"));
    let tls_ja4 = auto("app-layer.protocols.tls.ja4-fingerprints", used("ja4"));
    let mut opts = RunOptions::new(req.inputs.clone(), req.outdir.clone());
    opts.checksum = match req.checksum {
        Some(m) => m,
        // Live: packets the host itself sends carry offloaded (unfinished)
        // checksums; like Suricata's af-packet `kernel` mode, trust the
        // kernel unless -k says otherwise.
        None if req.live.is_some() => ChecksumMode::None,
        None => match cfg.get_str("pcap-file.checksum-checks") {
            Some(s) => s.parse().map_err(|e: String| {
                anyhow::anyhow!("configuration pcap-file.checksum-checks: {e}")
            })?,
            None => ChecksumMode::Auto,
        },
    };
    if let Some(n) = cfg.get_u64("flow.max-flows") {
        opts.flow.max_flows = usize::try_from(n).unwrap_or(usize::MAX).max(1);
    }
    opts.eve = cfg.get_bool("outputs.eve-log.enabled").unwrap_or(true);
    opts.fast = cfg.get_bool("outputs.fast.enabled").unwrap_or(true);
    opts.flow_records = cfg.get_bool("outputs.eve-log.types.flow").unwrap_or(true);
    opts.threads = req
        .threads
        .or_else(|| {
            cfg.get_u64("threading.worker-threads")
                .and_then(|n| usize::try_from(n).ok())
        })
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    opts.stats_interval = req.stats_interval.or_else(|| cfg.get_u64("stats.interval"));
    // flow.memcap (bytes, all workers) caps the flow table like max-flows:
    // when full, the least recently active flow is evicted and counted.
    if let Some(memcap) = cfg.get_u64("flow.memcap") {
        let per_worker = memcap / opts.threads as u64;
        let flows = per_worker / sigil_engine::pipeline::worker::flow_entry_bytes() as u64;
        opts.flow.max_flows = opts
            .flow
            .max_flows
            .min(usize::try_from(flows).unwrap_or(usize::MAX))
            .max(1);
    }
    opts.stop = req.stop.clone();
    opts.stream = stream_settings(cfg)?;
    opts.flow.midstream = opts.stream.cfg.is_some_and(|c| c.midstream);
    if let Some(v) = cfg.get_bool("vlan.use-for-tracking") {
        opts.flow.vlan_tracking = v;
    }
    opts.app.ssh_hassh = ssh_hassh;
    opts.app.tls_ja3 = tls_ja3;
    opts.app.tls_ja4 = tls_ja4;
    // `filestore` rules write files under OUTDIR/filestore (Suricata's
    // file-store v2 `dir`, relative to the log directory) unless the
    // configuration turns file-store off.
    if used("filestore") && cfg.get_bool("outputs.file-store.enabled") != Some(false) {
        let dir = cfg
            .get_str("outputs.file-store.dir")
            .unwrap_or_else(|| "filestore".to_string());
        let depth = cfg
            .get_u64("outputs.file-store.stream-depth")
            .filter(|&n| n > 0)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(sigil_engine::applayer::http::FILE_STORE_DEFAULT_DEPTH);
        opts.app.file_store = Some(sigil_engine::applayer::http::StoreConfig::new(
            &req.outdir.join(dir),
            depth,
        ));
    }
    // Suricata's TLS `encryption-handling`: `default` (and `bypass`, which
    // Sigil treats the same) stop content inspection of a TLS flow once
    // application data starts; `full` keeps it.
    let enc_key = "app-layer.protocols.tls.encryption-handling";
    if let Some(v) = cfg.get_str(enc_key) {
        opts.app.tls_inspect_encrypted = match v.to_ascii_lowercase().as_str() {
            "default" | "bypass" => false,
            "full" => true,
            other => anyhow::bail!(
                "configuration {enc_key}: {other:?} is not one of default, bypass, full"
            ),
        };
    }
    // Digests of every file in `fileinfo` (Suricata computes none unless
    // asked; `force-hash` lives under the eve-log `files` type).
    for h in cfg.string_list("outputs.eve-log.types.files.force-hash") {
        let f = &mut opts.app.file_hashes;
        match h.to_ascii_lowercase().as_str() {
            "md5" => f.md5 = true,
            "sha1" => f.sha1 = true,
            "sha256" => f.sha256 = true,
            other => anyhow::bail!(
                "configuration outputs.eve-log.types.files.force-hash: unknown hash {other:?} (md5, sha1, sha256)"
            ),
        }
    }
    opts.decoder =
        DecodeConfig::from_config(cfg).map_err(|e| anyhow::anyhow!("configuration {e}"))?;
    opts.live = req.live.clone();
    if req.evidence && cfg.get_bool("evidence.enabled").unwrap_or(true) {
        let mut ev = sigil_engine::evidence::EvidenceConfig::default();
        if let Some(n) = cfg.get_u64("evidence.per-flow-buffer-packets") {
            ev.per_flow_buffer_packets = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = cfg.get_u64("evidence.max-file-size") {
            ev.max_file_bytes = n;
        }
        if let Some(n) = cfg.get_u64("evidence.max-total-size") {
            ev.max_total_bytes = n;
        }
        opts.evidence = Some(ev);
        opts.sign_key = req.sign_key.clone();
    }
    if let Some(n) = cfg.get_u64(
        "app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit",
    ) {
        opts.app.http_decompress_layers = usize::try_from(n).unwrap_or(usize::MAX);
    }
    // libhtp's LZMA switch: yes (one layer), no, or a number of layers.
    let lzma_key = "app-layer.protocols.http.libhtp.default-config.lzma-enabled";
    if let Some(v) = cfg.get_str(lzma_key) {
        opts.app.http_lzma_layers = match cfg.get_bool(lzma_key) {
            Some(on) => usize::from(on),
            None => v.trim().parse().map_err(|_| {
                anyhow::anyhow!("configuration {lzma_key}: {v:?} is not a boolean or a number")
            })?,
        };
    }
    if let Some(n) = cfg.get_u64("app-layer.protocols.http.libhtp.default-config.lzma-memlimit") {
        opts.app.http_lzma_memlimit = usize::try_from(n).unwrap_or(usize::MAX);
    }
    // HTTP/2 (Suricata 7 exposes it to the `http.*` keywords whatever
    // `http2.http1-rules` says, so that key needs nothing here).
    if let Some(on) = cfg.get_bool("app-layer.protocols.http2.enabled") {
        opts.app.http2_enabled = on;
    }
    for (key, slot) in [
        ("max-streams", &mut opts.app.http2_max_streams),
        ("max-table-size", &mut opts.app.http2_max_table_size),
        ("max-reassembly-size", &mut opts.app.http2_max_reassembly),
    ] {
        if let Some(n) = cfg.get_u64(&format!("app-layer.protocols.http2.{key}")) {
            *slot = usize::try_from(n).unwrap_or(usize::MAX);
        }
    }
    // Suricata reads `app-layer.protocols.dns.detection-ports` first and
    // the per-transport `….dns.tcp.detection-ports` / `….udp…` otherwise.
    for (ipproto, slot) in [
        ("tcp", &mut opts.app.dns_tcp_ports),
        ("udp", &mut opts.app.dns_udp_ports),
    ] {
        let keys = [
            "app-layer.protocols.dns.detection-ports.dp".to_string(),
            format!("app-layer.protocols.dns.{ipproto}.detection-ports.dp"),
        ];
        if let Some((key, text)) = keys.iter().find_map(|k| cfg.get_str(k).map(|v| (k, v))) {
            *slot = sigil_engine::applayer::DetectionPorts::parse(&text)
                .map_err(|e| anyhow::anyhow!("configuration {key}: {e}"))?;
        }
    }
    let summary = run_offline(&opts, rules)?;
    Ok(Outcome {
        report,
        load_secs,
        summary,
    })
}

/// Suricata's `stream.*` settings.
fn stream_settings(cfg: &Config) -> Result<sigil_engine::pipeline::worker::StreamSettings> {
    use sigil_engine::stream::{OverlapPolicy, StreamConfig};
    let mut sc = StreamConfig::default();
    if let Some(d) = cfg.get_u64("stream.reassembly.depth") {
        sc.depth = d;
    }
    if let Some(m) = cfg.get_u64("stream.reassembly.memcap") {
        sc.memcap = m;
    }
    if let Some(m) = cfg.get_bool("stream.midstream") {
        sc.midstream = m;
    }
    if let Some(a) = cfg.get_bool("stream.async-oneside") {
        sc.async_oneside = a;
    }
    if let Some(p) = cfg
        .get_str("stream.reassembly.policy")
        .or_else(|| cfg.get_str("host-os-policy.default"))
    {
        sc.overlap_policy = p
            .parse::<OverlapPolicy>()
            .map_err(|e| anyhow::anyhow!("configuration stream policy: {e:?}"))?;
    }
    let enabled = cfg.get_bool("stream.reassembly.enabled").unwrap_or(true);
    Ok(sigil_engine::pipeline::worker::StreamSettings {
        cfg: enabled.then_some(sc),
        inline: cfg.get_bool("stream.inline").unwrap_or(false),
    })
}
