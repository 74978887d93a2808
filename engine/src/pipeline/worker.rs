//! A worker: owns one shard of the flows and runs decode → flow → detect
//! on the packets the capture thread sends it.
//!
//! Everything here is single-threaded and lock-free: the rule set is shared
//! read-only through `Arc`, the scratch and the flow table belong to the
//! worker. Output is encoded here (in parallel) and merged by the writer.

use std::sync::Arc;

use serde::Serialize;
use sigil_rules::packet::ipproto;
use sigil_rules::{Action, RuleId, RuleSet, Scratch};

use super::batch::{EventKey, OutEvent, RoundBuf};
use crate::capture::RawPacket;
use crate::decode::{self, ChecksumVerdict, DecodeStats, VlanIds};
use crate::flow::{
    self, Direction, EndReason, Flow, FlowConfig, FlowKey, FlowStats, FlowTable, TcpState,
};
use crate::output::eve::{encode_alert, AlertInfo};
use crate::output::fastlog;
use crate::output::flowlog::{encode_flow, FlowRecord, TcpRecord};
use crate::output::{EventCtx, FlowMeta};

/// Suricata's default `detect.packet-alert-max`: alerts kept per packet.
pub const PACKET_ALERT_MAX: usize = 15;

/// What a worker keeps per flow besides the tracker's counters.
#[derive(Debug, Default)]
pub struct FlowState {
    /// An alert was raised on the flow.
    pub alerted: bool,
    /// A `pass` rule matched a TCP packet of the flow: no more inspection.
    pub passed: bool,
    /// ICMP type/code of the first packet (for the flow record).
    pub icmp: Option<(u8, u8)>,
    /// VLAN ids of the first packet.
    pub vlan: VlanIds,
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
}

impl Worker {
    /// A worker with its own flow table.
    pub fn new(
        rules: Option<Arc<RuleSet>>,
        flow_cfg: FlowConfig,
        filenames: Arc<Vec<String>>,
        outputs: WorkerOutputs,
    ) -> Worker {
        let scratch = rules.as_deref().map(RuleSet::new_scratch);
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
        self.flow_records(ended, |f| (round.last_cnt, 2, 0, f.flow_id));
        if round.last {
            // `expire(round.now)` above already ended, as timed out, every
            // flow whose timeout passed by the end of the capture, whichever
            // worker held it; what is left was still open.
            let rest = self.flows.drain();
            self.flow_records(rest, |f| {
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
            ..self.stats.clone()
        }
    }

    /// Final counters.
    pub fn finish(mut self) -> WorkerStats {
        self.stats.flow = *self.flows.stats();
        self.stats.decode = Some(self.decode_stats);
        self.stats
    }

    fn packet(&mut self, raw: &RawPacket<'_>, verdict: ChecksumVerdict) {
        self.stats.packets += 1;
        let d = decode::decode(raw);
        self.decode_stats.record(&d);
        let Some(key) = FlowKey::from_decoded(&d) else {
            self.stats.non_ip += 1;
            return;
        };
        let meta = flow::PacketMeta::from_decoded(raw.ts, &d, raw.caplen);
        let (flow, dir) = self.flows.lookup_or_create(&key, &meta);
        if flow.pkts_toserver + flow.pkts_toclient == 1 {
            flow.data.vlan = d.vlan;
            flow.data.icmp = d.transport.and_then(|t| match t {
                decode::Transport::Icmpv4(i) | decode::Transport::Icmpv6(i) => {
                    Some((i.itype, i.icode))
                }
                _ => None,
            });
        }
        let info = flow.info(dir);
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
            self.stats.invalid_checksum += 1;
            return;
        }
        if flow.data.passed {
            return;
        }
        let (Some(rules), Some(scratch)) = (self.rules.as_deref(), self.scratch.as_mut()) else {
            return;
        };
        let Some(view) = d.view(info) else {
            return;
        };
        self.stats.inspected += 1;
        rules.match_packet(&view, scratch, &mut self.hits);
        if self.hits.is_empty() {
            return;
        }
        let ctx = EventCtx {
            ts: raw.ts,
            pcap_cnt: raw.pcap_cnt,
            pcap_filename: self.filenames.get(raw.file_index).map(String::as_str),
            src: view.src,
            dst: view.dst,
            sport: view.sport,
            dport: view.dport,
            ip_proto: view.ip_proto,
            icmp: view.icmp.map(|i| (i.itype, i.icode)),
            vlan: d.vlan.as_slice(),
            flow: Some(flow_meta),
        };
        let mut emitted = 0u64;
        for &id in &self.hits {
            let m = rules.meta(id);
            if m.action == Action::Pass {
                // Suricata: a pass rule ends inspection of the packet, and
                // of the rest of the flow when it is TCP.
                if view.ip_proto == ipproto::TCP {
                    flow.data.passed = true;
                }
                break;
            }
            if m.noalert {
                continue;
            }
            if emitted as usize == PACKET_ALERT_MAX {
                self.stats.alerts_suppressed += 1;
                continue;
            }
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
            let key: EventKey = (raw.pcap_cnt, 0, 0, emitted);
            emitted += 1;
            flow.data.alerted = true;
            self.stats.alerts += 1;
            let mut eve = Vec::new();
            if self.outputs.eve && encode_alert(&mut eve, &ctx, &alert).is_err() {
                eve.clear();
            }
            let fast = self.outputs.fast.then(|| {
                let class = (!m.category.is_empty()).then_some(m.category.as_str());
                let mut line = Vec::new();
                // Writing into a Vec cannot fail.
                let _ = fastlog::format_line(&mut line, &ctx, &alert, class, false);
                line
            });
            self.out.push(OutEvent { key, eve, fast });
        }
        let ended = self.flows.take_ended();
        if !ended.is_empty() {
            let cnt = raw.pcap_cnt;
            self.flow_records(ended, |f| (cnt, 1, 0, f.flow_id));
        }
    }

    fn flow_records(
        &mut self,
        flows: Vec<Flow<FlowState>>,
        key: impl Fn(&Flow<FlowState>) -> EventKey,
    ) {
        if !self.outputs.flows {
            return;
        }
        for f in flows {
            self.buf.clear();
            let tcp_state = f.tcp_state.map(tcp_state_name);
            let state = match f.tcp_state {
                Some(TcpState::Closed) => "closed",
                _ if f.is_established() => "established",
                _ => "new",
            };
            let rec = FlowRecord {
                flow_id: f.flow_id,
                client: (f.key.src, f.key.sport),
                server: (f.key.dst, f.key.dport),
                ip_proto: f.key.proto,
                icmp: f.data.icmp,
                vlan: f.data.vlan.as_slice(),
                app_proto: None,
                pkts_toserver: f.pkts_toserver,
                pkts_toclient: f.pkts_toclient,
                bytes_toserver: f.bytes_toserver,
                bytes_toclient: f.bytes_toclient,
                start: f.first_ts,
                end: f.last_ts,
                state,
                reason: f.end_reason.unwrap_or(EndReason::Shutdown).as_str(),
                alerted: f.data.alerted,
                tcp: tcp_state.map(|s| TcpRecord {
                    flags_ts: f.tcp_flags_toserver,
                    flags_tc: f.tcp_flags_toclient,
                    state: s,
                }),
            };
            if encode_flow(&mut self.buf, &rec).is_ok() {
                self.stats.flow_records += 1;
                self.out.push(OutEvent {
                    key: key(&f),
                    eve: self.buf.clone(),
                    fast: None,
                });
            }
        }
    }
}

fn tcp_state_name(s: TcpState) -> &'static str {
    match s {
        TcpState::New => "none",
        TcpState::SynSent => "syn_sent",
        TcpState::SynRecv => "syn_recv",
        TcpState::Established => "established",
        TcpState::Closed => "closed",
    }
}
