//! A worker: owns one shard of the flows and runs decode → flow → detect
//! on the packets the capture thread sends it.
//!
//! Everything here is single-threaded and lock-free: the rule set is shared
//! read-only through `Arc`, the scratch and the flow table belong to the
//! worker. Output is encoded here (in parallel) and merged by the writer.

use std::sync::Arc;

use serde::Serialize;
use sigil_rules::packet::{ipproto, PacketView};
use sigil_rules::{Action, FlowVars, RuleId, RuleSet, Scratch};

use super::app::AppFlow;
use super::batch::{EventKey, OutEvent, RoundBuf};
use super::txlog::{
    inspect_transactions, log_txs, metadata_of, traffic_of, LastLook, TxDetect, TxLogAt, TxPacket,
};
use crate::applayer::AppConfig;
use crate::capture::{RawPacket, Timestamp};
use crate::decode::{self, ChecksumVerdict, DecodeConfig, DecodeStats, Decoded, VlanIds};
use crate::evidence::fragments::FragKey;
use crate::evidence::{EvidenceRecorder, EvidenceReport};
use crate::flow::{
    self, Direction, EndReason, Flow, FlowConfig, FlowKey, FlowStats, FlowTable, TcpState,
};
use crate::output::eve::{encode_alert, AlertInfo, Extra};
use crate::output::fastlog;
use crate::output::flowlog::{encode_flow, FlowRecord, TcpRecord};
use crate::output::{EventCtx, FlowMeta};
use crate::stream::{
    Segment, StreamConfig, StreamEventCounts, StreamEvents, StreamMemcap, StreamStats, TcpSession,
};

/// An [`AlertSink`] over worker `$w`'s output side (evidence, EVE lines,
/// counters). A macro rather than a method so the sink borrows only those
/// fields, leaving the worker's scratch and hit list free beside it.
/// `evidence: false` for packets without a flow (no session to record).
macro_rules! alert_sink {
    ($w:expr, $rules:expr, flow: $flow_key:expr, base: $base:expr, tunnel: $tunnel:expr, evidence: $ev:expr) => {
        AlertSink {
            rules: $rules,
            evidence: if $ev {
                $w.evidence.as_mut().map(|r| (r, &mut $w.evidence_errors))
            } else {
                None
            },
            flow_key: $flow_key,
            outputs: $w.outputs,
            out: &mut $w.out,
            stats: &mut $w.stats,
            emitted: 0,
            base_key: $base,
            tunnel: $tunnel,
            tags: Vec::new(),
        }
    };
}

mod alerts;
mod feed;
mod flowend;
mod layers;
mod tagged;

use feed::{drain, feed_app, feed_packet, reverse, set_stream_info, stream_hits};

pub(super) use alerts::AlertSink;
pub use alerts::{AppAlert, ThresholdKey};

/// GRE, whose packets Suricata tracks no flow for.
const IPPROTO_GRE: u8 = 47;

/// Suricata's default `detect.packet-alert-max`: alerts kept per packet.
pub const PACKET_ALERT_MAX: usize = 15;

/// What a worker keeps per flow besides the tracker's counters.
#[derive(Debug, Default)]
pub struct FlowState {
    /// Alerted / passed.
    pub flags: FlowFlags,
    /// Application layer.
    pub app: AppFlow,
    /// ICMP type/code of the first packet (for the flow record).
    pub icmp: Option<(u8, u8)>,
    /// ICMP type/code of the first reply (for the flow record).
    pub icmp_response: Option<(u8, u8)>,
    /// VLAN ids of the first packet.
    pub vlan: VlanIds,
    /// flowbits and flowints.
    pub vars: FlowVars,
    /// TCP reassembly, for TCP flows.
    pub tcp: Option<Box<TcpSession>>,
    /// Most stream regions per direction, kept for the flow record once
    /// the session is gone.
    pub stream_regions: Option<(u32, u32)>,
    /// Running `tag:session` tags: packets are logged while any runs.
    pub tags: Vec<tagged::ActiveTag>,
}

/// Memory one tracked flow takes in a worker's table (entry, key and the
/// inline per-flow state; stream segments and parser state are bounded by
/// their own memcaps). `flow.memcap` is divided by this, as Suricata's flow
/// memcap counts flow structures.
pub fn flow_entry_bytes() -> usize {
    std::mem::size_of::<Flow<FlowState>>() + std::mem::size_of::<FlowKey>() + 32
}

/// What detection decided about a flow so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct FlowFlags {
    /// An alert was raised on the flow.
    pub alerted: bool,
    /// A `pass` rule matched a TCP packet of the flow: no more inspection.
    pub passed: bool,
    /// A `bypass` rule matched: no more inspection or parsing, whatever
    /// the protocol (Suricata's local bypass; the flow ends `bypassed`).
    pub bypassed: bool,
}

/// Counters of one worker, summed by the writer at the end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkerStats {
    /// Packets handled.
    pub packets: u64,
    /// Packets without a usable IP layer.
    pub non_ip: u64,
    /// Packets skipped for a bad checksum.
    pub invalid_checksum: u64,
    /// Packets run through the rules.
    pub inspected: u64,
    /// Alerts produced.
    pub alerts: u64,
    /// Alerts beyond [`PACKET_ALERT_MAX`] on one packet.
    pub alerts_suppressed: u64,
    /// Flow records produced.
    pub flow_records: u64,
    /// Alerts raised on reassembled stream data.
    pub stream_alerts: u64,
    /// Reassembly counters of the flows that ended.
    #[serde(skip)]
    pub stream: StreamStats,
    /// Packets that raised each stream event.
    #[serde(skip)]
    pub stream_events: StreamEventCounts,
    /// Defragmentation counters.
    #[serde(skip)]
    pub defrag: crate::defrag::DefragStats,
    /// Flow table counters.
    #[serde(skip)]
    pub flow: FlowStats,
    /// Decoder counters.
    #[serde(skip)]
    pub decode: Option<DecodeStats>,
}

/// Output switches a worker needs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOutputs {
    /// Encode alerts for eve.json.
    pub eve: bool,
    /// Encode alerts for fast.log.
    pub fast: bool,
    /// Encode `flow` records.
    pub flows: bool,
}

/// How TCP payload is reassembled and when it is inspected.
#[derive(Debug, Clone, Copy)]
pub struct StreamSettings {
    /// Reassembly limits and policies; `None` turns reassembly off.
    pub cfg: Option<StreamConfig>,
    /// Inspect stream data on the packet that carries it (Suricata's
    /// `stream.inline`) instead of once the receiver acknowledged it.
    pub inline: bool,
}

/// One worker's state.
pub struct Worker {
    rules: Option<Arc<RuleSet>>,
    scratch: Option<Scratch>,
    hits: Vec<RuleId>,
    flows: FlowTable<FlowState>,
    decode_stats: DecodeStats,
    stats: WorkerStats,
    filenames: Arc<Vec<String>>,
    outputs: WorkerOutputs,
    out: Vec<OutEvent>,
    buf: Vec<u8>,
    stream: StreamSettings,
    memcap: StreamMemcap,
    prefix_hits: Vec<RuleId>,
    app_cfg: AppConfig,
    defrag: crate::defrag::Defragmenter,
    /// Defrag events of the fragment being processed.
    frag_events: Vec<&'static str>,
    /// Which tunnels to decode.
    decoder: DecodeConfig,
    /// EVE `tunnel` object of the tunnel packet being processed.
    tunnel: Option<serde_json::Value>,
    /// The packet being processed carries a tunnel packet (its payload is
    /// that packet's).
    carrier: bool,
    evidence: Option<EvidenceRecorder>,
    /// The datagram being processed was reassembled from these fragments
    /// (their evidence goes to its flow), captured behind a link header of
    /// this many bytes.
    datagram: Option<(FragKey, usize)>,
    /// Evidence write errors (the run goes on; they are reported).
    pub evidence_errors: Vec<String>,
}

impl Worker {
    /// A worker with its own flow table.
    // Each argument is one independent piece of the worker's set-up; a
    // struct of them would only be unpacked again here.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rules: Option<Arc<RuleSet>>,
        flow_cfg: FlowConfig,
        filenames: Arc<Vec<String>>,
        outputs: WorkerOutputs,
        stream: StreamSettings,
        workers: usize,
        app_cfg: AppConfig,
        evidence: Option<EvidenceRecorder>,
    ) -> Worker {
        let scratch = rules.as_deref().map(RuleSet::new_scratch);
        // Each worker gets its share of the memcap: no shared counter.
        let memcap = StreamMemcap::new(stream.cfg.map_or(0, |c| c.memcap / workers.max(1) as u64));
        Worker {
            rules,
            scratch,
            hits: Vec::with_capacity(64),
            flows: FlowTable::new(flow_cfg),
            decode_stats: DecodeStats::default(),
            stats: WorkerStats::default(),
            filenames,
            outputs,
            out: Vec::new(),
            buf: Vec::with_capacity(2048),
            stream,
            memcap,
            prefix_hits: Vec::new(),
            app_cfg,
            defrag: crate::defrag::Defragmenter::new(crate::defrag::DefragConfig::default()),
            frag_events: Vec::new(),
            decoder: DecodeConfig::default(),
            tunnel: None,
            carrier: false,
            evidence,
            datagram: None,
            evidence_errors: Vec::new(),
        }
    }

    /// Sets which tunnels the decoder follows (default: all, VXLAN on port
    /// 4789 and Teredo on 3544).
    pub fn set_decoder(&mut self, cfg: DecodeConfig) {
        self.decoder = cfg;
    }

    /// Shares the run's `xbits` with the other workers: a host's flows
    /// with different peers are on different workers.
    pub fn share_xbits(&mut self, store: Arc<sigil_rules::XbitStore>) {
        if let Some(s) = self.scratch.as_mut() {
            s.share_xbits(store);
        }
    }

    /// Handles one round and returns its output events (unsorted).
    pub fn round(&mut self, round: &RoundBuf) -> Vec<OutEvent> {
        for (raw, verdict) in round.packets() {
            self.packet(&raw, verdict);
        }
        // Every worker sees the same clock at the same round boundary.
        self.flows.expire(round.now);
        let ended = self.flows.take_ended();
        self.end_flows(ended, |f| (round.last_cnt, 2, 0, f.flow_id));
        if round.last {
            // `expire(round.now)` above already ended, as timed out, every
            // flow whose timeout passed by the end of the capture, whichever
            // worker held it; what is left was still open.
            let rest = self.flows.drain();
            self.end_flows(rest, |f| {
                let first = u64::try_from(f.first_ts.as_nanos()).unwrap_or(0);
                (u64::MAX, 3, first, f.flow_id)
            });
        }
        std::mem::take(&mut self.out)
    }

    /// Counters so far (without the decoder and flow-table details).
    pub fn stats_snapshot(&self) -> WorkerStats {
        WorkerStats {
            flow: FlowStats::default(),
            decode: None,
            stream: StreamStats::default(),
            defrag: crate::defrag::DefragStats::default(),
            ..self.stats.clone()
        }
    }

    /// Final counters, and the evidence files this worker wrote.
    pub fn finish(mut self) -> (WorkerStats, Option<EvidenceReport>, Vec<String>) {
        self.stats.flow = *self.flows.stats();
        self.stats.decode = Some(self.decode_stats);
        self.stats.defrag = *self.defrag.stats();
        let report = self.evidence.map(EvidenceRecorder::finish);
        (self.stats, report, self.evidence_errors)
    }

    pub(super) fn process(
        &mut self,
        raw: &RawPacket<'_>,
        d: &decode::Decoded<'_>,
        verdict: ChecksumVerdict,
        rebuilt: bool,
    ) {
        let d = *d;
        // Suricata's packet source: a reassembled datagram, a tunnel's
        // packet, or (None) the capture's.
        let pkt_src = match d.tunnel {
            _ if rebuilt => Some("defrag"),
            Some(t) => Some(t.kind.pkt_src()),
            None => None,
        };
        if d.ip.is_some_and(|ip| ip.proto == IPPROTO_GRE) {
            // Suricata tracks no flow for GRE: its packets are inspected
            // on their own, the packets they carry in flows of their own.
            self.inspect_flowless(raw, &d, verdict, pkt_src);
            return;
        }
        if !rebuilt && d.ip.is_some_and(|ip| ip.fragment.is_some()) {
            // Nor for a fragment, whose transport header Suricata does not
            // decode even in the first one: it is inspected on its own,
            // without ports or payload (`fragbits`, `fragoffset`, IP
            // header keywords, decoder and defrag events), and the
            // datagram it completes goes to the flow.
            let mut frag = d;
            frag.transport = None;
            frag.payload = &[];
            self.inspect_flowless(raw, &frag, verdict, pkt_src);
            return;
        }
        let Some(mut key) = FlowKey::from_decoded(&d) else {
            self.stats.non_ip += 1;
            return;
        };
        // An ICMP unreachable quoting a packet of a tracked TCP/UDP flow
        // belongs to that flow (Suricata's flow hash for such errors).
        // Only when the quoted destination itself sent it: a router's
        // error has another address pair, so another worker may own the
        // flow, and the output must not depend on the number of workers.
        let quoted = FlowKey::quoted_flow(&d).filter(|q| {
            d.ip.is_some_and(|ip| ip.src == q.src && ip.dst == q.dst)
                && self.flows.flow_info(q).is_some()
        });
        if let Some(q) = quoted {
            key = q;
        }
        // A tunnel packet counts its own bytes, as Suricata's do; a
        // reassembled datagram its own behind its fragments' link header.
        let len = match (d.tunnel, rebuilt, self.datagram) {
            (_, true, Some((_, link))) => u32::try_from(link + d.frame.len()).unwrap_or(u32::MAX),
            (Some(_), false, _) => u32::try_from(d.frame.len()).unwrap_or(u32::MAX),
            _ => raw.caplen,
        };
        let mut meta = flow::PacketMeta::from_decoded(raw.ts, &d, len);
        meta.quoted = quoted.is_some();
        let (flow, mut dir) = self.flows.lookup_or_create(&key, &meta);
        if let Some(rec) = self.evidence.as_mut() {
            // A reassembled datagram's packets are its fragments as captured.
            let r = match (rebuilt, &self.datagram) {
                (false, _) => rec.packet(flow.flow_id, &flow.key, raw),
                (true, Some((key, _))) => rec.datagram(key, flow.flow_id, &flow.key),
                (true, None) => Ok(()),
            };
            if let Err(e) = r {
                self.evidence_errors.push(e.to_string());
            }
        }
        let icmp = d.transport.and_then(|t| match t {
            decode::Transport::Icmpv4(i) | decode::Transport::Icmpv6(i) => Some((i.itype, i.icode)),
            _ => None,
        });
        if flow.pkts_toserver + flow.pkts_toclient == 1 {
            flow.data.vlan = d.vlan;
            flow.data.icmp = icmp;
        } else if dir == Direction::ToClient
            && flow.data.icmp_response.is_none()
            && quoted.is_none()
        {
            flow.data.icmp_response = icmp;
        }
        let mut info = flow.info(dir);
        let mut flow_meta = flow_meta_of(flow, dir);
        // Suricata's stream engine ignores segments with a bad checksum;
        // packet rules still see them (the `*-csum` keywords need them).
        let bad_csum = verdict == ChecksumVerdict::Invalid;
        if bad_csum {
            self.stats.invalid_checksum += 1;
        }
        // Reassembly first: the packet's ACK may release the peer's data.
        let mut stream_events = StreamEvents::default();
        if let (Some(decode::Transport::Tcp(t)), Some(cfg), false) =
            (d.transport, self.stream.cfg, bad_csum)
        {
            let memcap = &self.memcap;
            let sess = flow
                .data
                .tcp
                .get_or_insert_with(|| Box::new(TcpSession::new(&cfg, memcap)));
            // Established before this packet, as the flow tracker counts.
            let async_est = sess.async_established();
            stream_events =
                sess.handle_segment(dir, &Segment::from_tcp(&t, d.payload, raw.ts.secs));
            info.established |= async_est;
            self.stats.stream_events.record(stream_events);
            set_stream_info(&mut info, sess);
        }
        // Application layer: IDS mode parses a direction's bytes once the
        // peer acknowledged them (on the peer's packet); inline on arrival.
        // Only the stream engine drops bad checksums: as in Suricata, UDP
        // parsers see every datagram (loopback captures have partial ones).
        let udp = key.proto == ipproto::UDP;
        if udp && self.carrier {
            flow.data.app.carried_tunnel();
        }
        // Detection finished on an earlier packet (TCP data is detected on
        // the peer's packet): this packet carries the news.
        let mut proto_detected = flow.data.app.dirs.take_detected(dir);
        if (!bad_csum || udp) && !flow.data.flags.bypassed {
            feed_packet(
                &mut flow.data,
                flow.key,
                dir,
                udp,
                d.payload,
                raw.ts,
                self.stream.inline,
                &self.app_cfg,
            );
        }
        if flow.data.app.swap_pending {
            // The capture began with the server's data: turn the flow round
            // (as Suricata does) and parse again the right way.
            flow.swap_direction();
            if let Some(sess) = flow.data.tcp.as_deref_mut() {
                sess.swap_directions();
            }
            flow.data.app.swapped();
            dir = reverse(dir);
            feed_packet(
                &mut flow.data,
                flow.key,
                dir,
                udp,
                d.payload,
                raw.ts,
                self.stream.inline,
                &self.app_cfg,
            );
            info = flow.info(dir);
            if let Some(sess) = flow.data.tcp.as_deref() {
                set_stream_info(&mut info, sess);
            }
            flow_meta = flow_meta_of(flow, dir);
        }
        info.app_proto = flow.data.app.proto();
        info.no_payload_inspection = !flow.data.app.payload_inspected();
        info.app_proto_dir = flow.data.app.dirs.protos();
        if udp {
            // A datagram is detected on its own packet.
            proto_detected |= flow.data.app.dirs.take_detected(dir);
        }
        info.proto_detected = proto_detected;
        // Protocol detection's generic events belong to this packet.
        let app_events = flow.data.app.dirs.take_events();
        let (Some(rules), Some(scratch)) = (self.rules.as_deref(), self.scratch.as_mut()) else {
            // Without rules nothing reads the stream: keep it drained.
            if let Some(sess) = flow.data.tcp.as_mut() {
                drain(sess, dir, self.stream.inline);
            }
            let fmeta = flow_meta_of(flow, dir);
            let at = TxLogAt {
                flow_end: false,
                ts: raw.ts,
                pcap_cnt: raw.pcap_cnt,
                fmeta,
                vlan: flow.data.vlan.as_slice(),
                pkt_src,
                ip_proto: key.proto,
            };
            let logs = log_txs(&mut flow.data.app, at, self.outputs, None, None);
            self.out.extend(logs);
            self.collect_ended(raw.pcap_cnt);
            return;
        };
        if flow.data.flags.passed {
            if let Some(sess) = flow.data.tcp.as_mut() {
                drain(sess, dir, self.stream.inline);
            }
            self.collect_ended(raw.pcap_cnt);
            return;
        }
        let checked = verdict != ChecksumVerdict::Unchecked;
        let view = if rebuilt {
            crate::defrag::view_reassembled(&d, info, checked)
        } else {
            d.view_checked(info, checked)
        };
        let Some(mut view) = view else {
            return;
        };
        view.checksums.ignored = !checked;
        view.app_events = app_events;
        view.ts_secs = raw.ts.secs;
        let stream_names = stream_events.iter().map(|e| e.name());
        for name in self.frag_events.iter().copied().chain(stream_names) {
            if let Some(ev) = sigil_rules::packet::DecoderEvent::from_name(name) {
                view.events.insert(ev);
            }
        }
        self.stats.inspected += 1;
        let file = self.filenames.get(raw.file_index).map(String::as_str);
        let mut ctx = packet_ctx(raw, &view, d.vlan.as_slice(), file, Some(flow_meta));
        ctx.pkt_src = pkt_src;
        if self.outputs.eve && !rebuilt {
            if let Some(rec) = tagged::packet_record(&mut flow.data.tags, raw, &ctx) {
                self.out.push(rec);
            }
        }
        let mut sink = alert_sink!(self, rules, flow: Some(flow.key),
            base: (raw.pcap_cnt, 0, 0, 0), tunnel: self.tunnel.as_ref(), evidence: true);
        rules.match_flow_packet(&view, &mut flow.data.vars, scratch, &mut self.hits);
        let app_proto = flow.data.app.proto_name();
        let metadata = metadata_of(&flow.data.vars);
        let stop = sink.emit(
            &self.hits,
            &ctx,
            &mut flow.data.flags,
            view.ip_proto,
            AppAlert {
                metadata: metadata.as_ref(),
                ..AppAlert::flow(app_proto)
            },
        );
        // Raw stream inspection of this packet's own direction: data the
        // peer acknowledged (or, inline, everything contiguous).
        if let Some(sess) = flow.data.tcp.as_mut().filter(|s| s.is_reassembling()) {
            let sd = sess.direction_mut(dir);
            let consumed = sd.readable_offset();
            let (start, bytes) = if self.stream.inline {
                sd.inspect_window_unacked(0)
            } else {
                sd.inspect_window(0)
            };
            let end = start + bytes.len() as u64;
            // Consumed unread when the flow's payload is not inspected.
            if end > consumed && !stop && !view.flow.no_payload_inspection {
                let mut sview: PacketView<'_> = view;
                sview.payload = bytes;
                sview.flow.from_stream = true;
                stream_hits(
                    rules,
                    scratch,
                    &sview,
                    consumed - start,
                    &mut flow.data.vars,
                    &mut self.hits,
                    &mut self.prefix_hits,
                );
                let before = sink.stats.alerts;
                let metadata = metadata_of(&flow.data.vars);
                sink.emit(
                    &self.hits,
                    &ctx,
                    &mut flow.data.flags,
                    view.ip_proto,
                    AppAlert {
                        metadata: metadata.as_ref(),
                        ..AppAlert::flow(app_proto)
                    },
                );
                sink.stats.stream_alerts += sink.stats.alerts - before;
            }
            if let Some(sd) = flow.data.tcp.as_mut().map(|s| s.direction_mut(dir)) {
                let n = usize::try_from(end.saturating_sub(sd.readable_offset())).unwrap_or(0);
                sd.consume(n);
            }
        }
        // Transactions: each rule alerts at most once per transaction.
        // Finished ones waiting for a packet travelling this way come first.
        // One set of borrows serves the inspection and the last look:
        // `fmeta` reads the flow's counters and key, never `flow.data`.
        let fmeta = flow_meta_of(flow, dir);
        let FlowState {
            app,
            vars,
            flags,
            vlan,
            tags,
            ..
        } = &mut flow.data;
        let mut detect = TxDetect {
            rules,
            scratch,
            vars,
            flags,
            hits: &mut self.hits,
            sink: &mut sink,
        };
        let mut stop = stop;
        if !stop && !detect.flags.passed {
            let at = TxPacket {
                view: &view,
                ctx: &ctx,
                ts: raw.ts,
            };
            stop = inspect_transactions(app, &mut detect, at);
        }
        let metadata = metadata_of(detect.vars);
        let look = (!stop && !detect.flags.passed).then_some(LastLook { detect, view, ctx });
        let at = TxLogAt {
            flow_end: false,
            ts: raw.ts,
            pcap_cnt: raw.pcap_cnt,
            fmeta,
            vlan: vlan.as_slice(),
            pkt_src,
            ip_proto: key.proto,
        };
        let logs = log_txs(app, at, self.outputs, look, metadata);
        // Tags start with the flow's next packet.
        tagged::start_tags(tags, &sink.tags, raw.ts.secs);
        self.out.extend(logs);
        self.collect_ended(raw.pcap_cnt);
    }
}

/// The flow part of an event's envelope.
fn flow_meta_of(f: &Flow<FlowState>, dir: Direction) -> FlowMeta {
    FlowMeta {
        flow_id: f.flow_id,
        to_server: dir == Direction::ToServer,
        pkts_toserver: f.pkts_toserver,
        pkts_toclient: f.pkts_toclient,
        bytes_toserver: f.bytes_toserver,
        bytes_toclient: f.bytes_toclient,
        start: f.first_ts,
        client: (f.key.src, f.key.sport),
        server: (f.key.dst, f.key.dport),
    }
}

/// Envelope of events raised on a packet seen as `view`.
fn packet_ctx<'a>(
    raw: &RawPacket<'_>,
    view: &PacketView<'_>,
    vlan: &'a [u16],
    pcap_filename: Option<&'a str>,
    flow: Option<FlowMeta>,
) -> EventCtx<'a> {
    EventCtx {
        ts: raw.ts,
        pcap_cnt: raw.pcap_cnt,
        pcap_filename,
        src: view.src,
        dst: view.dst,
        sport: view.sport,
        dport: view.dport,
        ip_proto: view.ip_proto,
        icmp: view.icmp.map(|i| (i.itype, i.icode)),
        vlan,
        flow,
        pkt_src: None,
    }
}

/// Envelope of events raised at flow end (no packet, so no packet number),
/// oriented as a packet travelling `dir`.
fn flow_end_ctx<'a>(f: &Flow<FlowState>, dir: Direction, vlan: &'a [u16]) -> EventCtx<'a> {
    let (src, sport, dst, dport) = match dir {
        Direction::ToServer => (f.key.src, f.key.sport, f.key.dst, f.key.dport),
        Direction::ToClient => (f.key.dst, f.key.dport, f.key.src, f.key.sport),
    };
    EventCtx {
        ts: f.last_ts,
        pcap_cnt: 0,
        pcap_filename: None,
        src,
        dst,
        sport,
        dport,
        ip_proto: f.key.proto,
        icmp: None,
        vlan,
        flow: Some(flow_meta_of(f, dir)),
        pkt_src: None,
    }
}
