//! Transaction detection and logging for a worker: inspecting live
//! transactions as their parsers progress, the last look at finished ones
//! from the side that has not seen them yet (on the next packet travelling
//! that way, or at flow end), and their EVE protocol records.

use sigil_rules::packet::PacketView;
use sigil_rules::{FlowVars, RuleId, RuleSet, Scratch};

use super::app::{txs, AppFlow, OwnedTx, TxRef};
use super::batch::OutEvent;
use super::worker::{AlertSink, AppAlert, FlowFlags, WorkerOutputs};
use crate::capture::Timestamp;
use crate::output::{EventCtx, FlowMeta};

/// Per-flow transaction bookkeeping entries kept before pruning.
const TX_BOOKKEEPING_MAX: usize = 1024;

/// The detection state transaction rules run with: the rules, the
/// worker's scratch and hit list, the flow's variables and flags, and where
/// alerts go.
pub(super) struct TxDetect<'a, 'b> {
    pub(super) rules: &'a RuleSet,
    pub(super) scratch: &'a mut Scratch,
    pub(super) vars: &'a mut FlowVars,
    pub(super) flags: &'a mut FlowFlags,
    pub(super) hits: &'a mut Vec<RuleId>,
    pub(super) sink: &'a mut AlertSink<'b>,
}

/// The packet (or end-of-flow pseudo packet) transactions are inspected
/// on: its view for the rules, its EVE context for alerts, and its time.
#[derive(Clone, Copy)]
pub(super) struct TxPacket<'a> {
    pub(super) view: &'a PacketView<'a>,
    pub(super) ctx: &'a EventCtx<'a>,
    pub(super) ts: Timestamp,
}

/// Runs transaction rules over every live transaction; each (tx, rule)
/// alerts once.
fn inspect_txs(app: &mut AppFlow, d: &mut TxDetect<'_, '_>, at: TxPacket<'_>) {
    let view = at.view;
    let AppFlow {
        state,
        alerted,
        inspected,
        log_control,
        retired,
        ..
    } = app;
    let side = usize::from(!view.flow.to_server);
    let mut live = txs(state, at.ts);
    // Transactions of the parser a protocol change replaced (HTTP/1 before
    // h2c) are live until logged.
    live.extend(retired.iter().map(|t| t.view(at.ts)));
    // Bookkeeping of transactions that are gone is dropped, so a long
    // keep-alive flow with many requests stays bounded. Transaction ids only
    // grow within a flow; a margin keeps the entries the final look at
    // just-finished transactions still needs.
    let min_live = live.iter().map(sigil_rules::TxView::tx_id).min();
    match min_live {
        None => inspected.clear(),
        Some(min) => {
            if inspected.len() > TX_BOOKKEEPING_MAX {
                inspected.retain(|id, _| *id >= min);
            }
            if alerted.len() > TX_BOOKKEEPING_MAX {
                alerted.retain(|(id, _, _)| *id + 64 >= min);
            }
        }
    }
    // `filestore` rules that matched: applied once the views are gone.
    let mut stores = Vec::new();
    for tx in live {
        if !tx.inspected_from(view.flow.to_server) {
            continue;
        }
        let id = sigil_rules::TxView::tx_id(&tx);
        let progress = tx.progress(view.flow.to_server) + 1;
        let seen = inspected.entry(id).or_insert([0, 0]);
        if seen[side] == progress {
            continue;
        }
        seen[side] = progress;
        d.rules.match_tx(view, &tx, d.vars, d.scratch, d.hits);
        stores.extend(filestores(d.rules, d.hits).map(|fs| (id, fs)));
        if disables_logging(d.rules, d.hits) {
            log_control.disable(&tx);
        }
        let side = tx.alert_side(view.flow.to_server);
        d.hits.retain(|r| alerted.insert((id, *r, side)));
        if d.hits.is_empty() {
            continue;
        }
        if emit_tx_alerts(d, at.ctx, (id, &tx)) {
            break;
        }
    }
    for (id, fs) in stores {
        state.mark_filestore(id, fs, view.flow.to_server);
    }
}

/// Emits the alerts of the transaction rules in `d.hits` on transaction
/// `tx` (id `id`), with its EVE object and the flow's traffic and
/// metadata; true when a pass rule matched and detection stops.
///
/// `app_proto` is the transaction's own protocol: after an h2c upgrade
/// the HTTP/1 transactions still being inspected are `http`, as in
/// Suricata, although the flow has become `http2`.
fn emit_tx_alerts(
    d: &mut TxDetect<'_, '_>,
    ctx: &EventCtx<'_>,
    (id, tx): (u64, &TxRef<'_>),
) -> bool {
    let app_proto = Some(sigil_rules::TxView::app_proto(tx).name());
    let (k, obj) = tx.eve_json();
    let traffic = traffic_of(d.rules, d.vars);
    let metadata = metadata_of(d.vars);
    let alert = AppAlert {
        traffic: traffic.as_ref(),
        metadata: metadata.as_ref(),
        app_proto,
        tx: Some((id, k, &obj)),
    };
    d.sink.emit(d.hits, ctx, d.flags, ctx.ip_proto, alert)
}

/// The `filestore` actions of the matched rules `hits`.
pub(super) fn filestores<'a>(
    rules: &'a RuleSet,
    hits: &'a [RuleId],
) -> impl Iterator<Item = sigil_rules::FileStore> + 'a {
    hits.iter()
        .filter_map(|&r| rules.get_meta(r).and_then(|m| m.filestore))
}

/// Whether a matched rule of `hits` says `config:logging disable, type
/// tx, scope tx`.
pub(super) fn disables_logging(rules: &RuleSet, hits: &[RuleId]) -> bool {
    hits.iter()
        .any(|&r| rules.get_meta(r).is_some_and(|m| m.disable_tx_log))
}

/// Detection that still has to see finished transactions before they go.
pub(super) struct LastLook<'a, 'b> {
    pub(super) detect: TxDetect<'a, 'b>,
    /// The packet the transactions finished on.
    pub(super) view: PacketView<'a>,
    pub(super) ctx: EventCtx<'a>,
}

/// Finished transactions one side of which detection has not seen are
/// kept this long (a capture of one side only never sends the packet they
/// wait for); past it the oldest get their last look at once.
const AWAITING_MAX: usize = 64;

/// Runs the transaction rules over finished transactions `txs` as seen
/// from `at`'s side; returns true when detection must stop (pass).
fn look_at_finished(
    d: &mut TxDetect<'_, '_>,
    alerted: &mut std::collections::HashSet<(u64, RuleId, bool)>,
    at: TxPacket<'_>,
    txs: &mut [OwnedTx],
) -> bool {
    let view = at.view;
    let mut stop = false;
    let mut stores = Vec::new();
    for (i, tx) in txs.iter().enumerate() {
        let tv = tx.view(at.ts);
        d.rules.match_tx(view, &tv, d.vars, d.scratch, d.hits);
        stores.extend(filestores(d.rules, d.hits).map(|fs| (i, fs)));
        let id = sigil_rules::TxView::tx_id(&tv);
        d.hits
            .retain(|r| alerted.insert((id, *r, view.flow.to_server)));
        if d.hits.is_empty() {
            continue;
        }
        if emit_tx_alerts(d, at.ctx, (id, &tv)) {
            stop = true;
            break;
        }
    }
    for (i, fs) in stores {
        if let Some(tx) = txs.get_mut(i) {
            tx.mark_filestore(fs, view.flow.to_server);
            tx.store_files();
        }
    }
    stop
}

/// The last look at finished transactions waiting for a packet travelling
/// like `at` (or, at flow end, for the pseudo packet of that side);
/// they are dropped afterwards.
fn awaited_looks(app: &mut AppFlow, d: &mut TxDetect<'_, '_>, at: TxPacket<'_>) -> bool {
    let to_server = at.view.flow.to_server;
    if !app.awaiting.iter().any(|(_, side)| *side == to_server) {
        return false;
    }
    let (mut due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut app.awaiting)
        .into_iter()
        .partition(|(_, side)| *side == to_server);
    app.awaiting = keep;
    let mut txs: Vec<OwnedTx> = due.drain(..).map(|(t, _)| t).collect();
    look_at_finished(d, &mut app.alerted, at, &mut txs)
}

/// All transaction detection due on `at`: first the last look at
/// finished transactions waiting for a packet travelling this way, then,
/// unless that stopped detection or passed the flow, the live ones.
/// Returns whether the last look stopped detection.
pub(super) fn inspect_transactions(
    app: &mut AppFlow,
    d: &mut TxDetect<'_, '_>,
    at: TxPacket<'_>,
) -> bool {
    let stop = awaited_looks(app, d, at);
    if !stop && !d.flags.passed {
        inspect_txs(app, d, at);
    }
    stop
}

/// Where finished transactions are logged: on a packet (its time and
/// number) or at flow end, with the flow's endpoints for the records.
#[derive(Clone, Copy)]
pub(super) struct TxLogAt<'a> {
    /// The flow ended: every transaction is finished.
    pub(super) flow_end: bool,
    pub(super) ts: Timestamp,
    /// 0 at flow end.
    pub(super) pcap_cnt: u64,
    pub(super) fmeta: FlowMeta,
    pub(super) vlan: &'a [u16],
    /// The EVE `pkt_src` of the packet.
    pub(super) pkt_src: Option<&'static str>,
    pub(super) ip_proto: u8,
}

/// Finished transactions: logged as `http`, `dns`, `tls`, `ssh` and
/// `fileinfo` records now, and kept for detection's last look from the
/// side the current packet does not travel (Suricata keeps a transaction
/// until detection has run in both directions), which happens on the next
/// packet travelling that way (see [`awaited_looks`]).
pub(super) fn log_txs(
    app: &mut AppFlow,
    at: TxLogAt<'_>,
    outputs: WorkerOutputs,
    look: Option<LastLook<'_, '_>>,
    metadata: Option<serde_json::Value>,
) -> Vec<OutEvent> {
    let TxLogAt { flow_end, ts, .. } = at;
    let mut metadata = metadata;
    let mut out = Vec::new();
    let Some(proto) = app.proto() else {
        return out;
    };
    let mut finished = app.take_finished(flow_end);
    if finished.is_empty() {
        return out;
    }
    let look_side = look.as_ref().map(|l| !l.view.flow.to_server);
    if let Some(l) = look {
        let overflow = (app.awaiting.len() + finished.len()).saturating_sub(AWAITING_MAX);
        if overflow > 0 {
            // Too many waiting: the oldest get their look now, on this
            // packet as if it travelled their way.
            let mut view = l.view;
            view.flow.to_server = !view.flow.to_server;
            std::mem::swap(&mut view.src, &mut view.dst);
            std::mem::swap(&mut view.sport, &mut view.dport);
            view.payload = &[];
            let mut ctx = l.ctx;
            std::mem::swap(&mut ctx.src, &mut ctx.dst);
            std::mem::swap(&mut ctx.sport, &mut ctx.dport);
            if let Some(f) = ctx.flow.as_mut() {
                f.to_server = !f.to_server;
            }
            let n = overflow.min(app.awaiting.len());
            let mut old: Vec<OwnedTx> = app.awaiting.drain(..n).map(|(t, _)| t).collect();
            let rest = overflow - n;
            let mut now: Vec<OwnedTx> = finished.drain(..rest.min(finished.len())).collect();
            old.append(&mut now);
            // Waiting transactions of the other side are looked at from
            // their own side: only this packet's opposite is due here.
            let mut detect = l.detect;
            let at = TxPacket {
                view: &view,
                ctx: &ctx,
                ts,
            };
            look_at_finished(&mut detect, &mut app.alerted, at, &mut old);
            metadata = metadata_of(detect.vars);
        }
    }
    for tx in &mut finished {
        tx.store_files();
    }
    if outputs.eve {
        encode_records(
            &mut out,
            &mut app.log_control,
            &finished,
            &at,
            proto.name(),
            metadata,
        );
    }
    if let Some(side) = look_side {
        // A side already inspected at its final progress (a UDP DNS query,
        // seen on its own packet) has nothing left to show that side's
        // rules: no need to keep the transaction for it.
        let idx = usize::from(!side);
        let inspected = &app.inspected;
        let pending = finished.into_iter().filter(|t| {
            let tv = t.view(ts);
            if !tv.inspected_from(side) {
                return false;
            }
            let progress = tv.progress(side) + 1;
            let id = sigil_rules::TxView::tx_id(&tv);
            inspected.get(&id).and_then(|s| s.get(idx)) != Some(&progress)
        });
        app.awaiting.extend(pending.map(|t| (t, side)));
    }
    out
}

/// The EVE records of `finished` (those the log control lets through),
/// written straight from the transactions.
fn encode_records(
    out: &mut Vec<OutEvent>,
    log_control: &mut super::logcontrol::LogControl,
    finished: &[OwnedTx],
    at: &TxLogAt<'_>,
    app_proto: &str,
    metadata: Option<serde_json::Value>,
) {
    let TxLogAt {
        ts,
        pcap_cnt,
        fmeta,
        vlan,
        pkt_src,
        ip_proto,
        ..
    } = *at;
    // Encoded once for every record of the batch.
    let metadata = metadata.and_then(|m| serde_json::to_vec(&m).ok());
    let mut line = Vec::with_capacity(1024);
    let records = finished
        .iter()
        .filter(|t| log_control.logs(t))
        .flat_map(OwnedTx::records);
    for (n, rec) in records.enumerate() {
        let (src, dst) = if rec.to_server {
            (fmeta.client, fmeta.server)
        } else {
            (fmeta.server, fmeta.client)
        };
        let ctx = EventCtx {
            ts,
            pcap_cnt,
            pcap_filename: None,
            src: src.0,
            dst: dst.0,
            sport: src.1,
            dport: dst.1,
            ip_proto,
            icmp: None,
            vlan,
            flow: Some(FlowMeta {
                to_server: rec.to_server,
                ..fmeta
            }),
            pkt_src,
        };
        line.clear();
        let written = crate::output::eve::encode_with(&mut line, &ctx, rec.event_type, |j| {
            rec.write(j, app_proto, metadata.as_deref());
            Ok(())
        });
        if written.is_ok() {
            out.push(OutEvent {
                key: (pcap_cnt, 0, 1 << 30, n as u64),
                eve: line.clone(),
                fast: None,
                threshold: None,
            });
        }
    }
}

/// Suricata's top-level `metadata` object as far as Sigil fills it: the
/// flow's float variables under `entropy` (values of `entropy` keywords,
/// named after the inspected buffer). None when there is nothing to say.
pub(super) fn metadata_of(vars: &FlowVars) -> Option<serde_json::Value> {
    let entropy: serde_json::Map<String, serde_json::Value> = vars
        .floats()
        .map(|(name, v)| (name.to_string(), serde_json::json!(v)))
        .collect();
    // pcre captures: one `{name: value}` object each, unprintable bytes
    // as `.` (Suricata's PrintStringsToBuffer).
    let flowvars: Vec<serde_json::Value> = vars
        .strings()
        .map(|(name, v)| {
            let text: String = v
                .iter()
                .map(|&b| match b {
                    b' '..=b'~' | b'\n' | b'\r' => char::from(b),
                    _ => '.',
                })
                .collect();
            serde_json::json!({ name: text })
        })
        .collect();
    let mut m = serde_json::Map::new();
    if !entropy.is_empty() {
        m.insert("entropy".into(), entropy.into());
    }
    if !flowvars.is_empty() {
        m.insert("flowvars".into(), flowvars.into());
    }
    (!m.is_empty()).then_some(serde_json::Value::Object(m))
}

/// Suricata's `traffic` object: flowbits named `traffic/id/NAME` and
/// `traffic/label/NAME` become `{"id": [NAME…], "label": [NAME…]}`.
pub(super) fn traffic_of(rules: &RuleSet, vars: &FlowVars) -> Option<serde_json::Value> {
    let mut ids = Vec::new();
    let mut labels = Vec::new();
    for name in rules.flowbit_names(vars) {
        if let Some(id) = name.strip_prefix("traffic/id/") {
            ids.push(id.to_string());
        } else if let Some(l) = name.strip_prefix("traffic/label/") {
            labels.push(l.to_string());
        }
    }
    if ids.is_empty() && labels.is_empty() {
        return None;
    }
    let mut m = serde_json::Map::new();
    if !ids.is_empty() {
        m.insert("id".into(), ids.into());
    }
    if !labels.is_empty() {
        m.insert("label".into(), labels.into());
    }
    Some(serde_json::Value::Object(m))
}
