//! Alert emission: the sink shared by packet, stream, transaction and
//! flow-end inspection (EVE and fast.log lines, evidence, thresholds), and
//! the application-layer context an alert carries.

use super::*;

/// Alert emission shared by packet, stream and flow-end inspection.
pub(in crate::pipeline) struct AlertSink<'a> {
    pub(super) rules: &'a RuleSet,
    /// Evidence recorder and its error list.
    pub(super) evidence: Option<(&'a mut EvidenceRecorder, &'a mut Vec<String>)>,
    /// The flow's identity, for evidence files.
    pub(super) flow_key: Option<FlowKey>,
    pub(super) outputs: WorkerOutputs,
    pub(super) out: &'a mut Vec<OutEvent>,
    pub(super) stats: &'a mut WorkerStats,
    /// Alerts emitted for this packet so far.
    pub(super) emitted: u64,
    /// Merge key of this packet's first alert.
    pub(super) base_key: EventKey,
    /// EVE `tunnel` object, for packets decoded from a tunnel.
    pub(super) tunnel: Option<&'a serde_json::Value>,
    /// `tag` of the rules that alerted, (gid, sid, spec): the flow's next
    /// packets are logged.
    pub(super) tags: Vec<(u32, u32, sigil_rules::TagSpec)>,
}

impl AlertSink<'_> {
    /// Encodes the alerts of `hits` (in rule order). Returns true when a
    /// pass rule matched: inspection of the packet stops there.
    pub(in crate::pipeline) fn emit(
        &mut self,
        hits: &[RuleId],
        ctx: &EventCtx<'_>,
        fs: &mut FlowFlags,
        ip_proto: u8,
        app: AppAlert<'_>,
    ) -> bool {
        for &id in hits {
            let m = self.rules.meta(id);
            if m.bypass {
                fs.bypassed = true;
                fs.passed = true;
            }
            if m.action == Action::Pass {
                // Suricata: a pass rule ends inspection of the packet, and
                // of the rest of the flow when it is TCP or the rule acts
                // on flows (IP-only and app-layer rules).
                if ip_proto == ipproto::TCP || self.rules.acts_on_flow(id) {
                    fs.passed = true;
                }
                return true;
            }
            if m.noalert {
                continue;
            }
            if self.emitted as usize >= PACKET_ALERT_MAX {
                self.stats.alerts_suppressed += 1;
                continue;
            }
            self.tags.extend(m.tags.iter().map(|t| (m.gid, m.sid, *t)));
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
            let evidence_file = match (self.evidence.as_mut(), ctx.flow, self.flow_key) {
                (Some((rec, errs)), Some(f), Some(k)) => {
                    match rec.alert(f.flow_id, &k, m.sid, ctx.ts) {
                        Ok(name) => name,
                        Err(e) => {
                            errs.push(e.to_string());
                            None
                        }
                    }
                }
                _ => None,
            };
            let (a, b, c, d) = self.base_key;
            let key: EventKey = (a, b, c, d + self.emitted);
            self.emitted += 1;
            fs.alerted = true;
            self.stats.alerts += 1;
            let mut eve = Vec::new();
            let mut extras = app.extras();
            if let Some(name) = &evidence_file {
                extras.push(("evidence", Extra::Str(name)));
            }
            if let Some(t) = self.tunnel {
                extras.push(("tunnel", Extra::Value(t)));
            }
            if self.outputs.eve && encode_alert(&mut eve, ctx, &alert, &mut extras).is_err() {
                eve.clear();
            }
            let fast = self.outputs.fast.then(|| {
                let class = (!m.category.is_empty()).then_some(m.category.as_str());
                let mut line = Vec::new();
                // Writing into a Vec cannot fail.
                let _ = fastlog::format_line(&mut line, ctx, &alert, class, false);
                line
            });
            let threshold =
                (m.threshold.is_some() || m.detection_filter.is_some()).then_some(ThresholdKey {
                    rule: id,
                    ts: ctx.ts,
                    src: ctx.src,
                    dst: ctx.dst,
                    flow: ctx.flow.map(|f| f.flow_id),
                });
            self.out.push(OutEvent {
                key,
                eve,
                fast,
                threshold,
            });
        }
        false
    }
}

/// What the writer needs to apply `threshold`/`detection_filter` in
/// packet order.
#[derive(Debug, Clone, Copy)]
pub struct ThresholdKey {
    /// The rule.
    pub rule: RuleId,
    /// Packet time.
    pub ts: Timestamp,
    /// Packet source.
    pub src: std::net::IpAddr,
    /// Packet destination.
    pub dst: std::net::IpAddr,
    /// The flow, for `track by_flow`.
    pub flow: Option<u64>,
}

/// Application-layer context of an alert.
#[derive(Debug, Clone, Copy)]
pub struct AppAlert<'a> {
    /// `traffic` object from `traffic/id/…` and `traffic/label/…` flowbits.
    pub traffic: Option<&'a serde_json::Value>,
    /// Top-level `metadata` object (flow variables such as `entropy`).
    pub metadata: Option<&'a serde_json::Value>,
    /// The flow's protocol, once known.
    pub app_proto: Option<&'static str>,
    /// The transaction, for transaction rules: id, the key of its EVE
    /// object and the object's JSON text.
    pub tx: Option<(u64, &'static str, &'a [u8])>,
}

impl<'a> AppAlert<'a> {
    /// A packet or stream alert on a flow with `app_proto`.
    pub fn flow(app_proto: Option<&'static str>) -> Self {
        AppAlert {
            traffic: None,
            metadata: None,
            app_proto,
            tx: None,
        }
    }

    fn extras(&self) -> Vec<(&'a str, Extra<'a>)> {
        let mut m = Vec::with_capacity(7);
        if let Some(p) = self.app_proto {
            m.push(("app_proto", Extra::Str(p)));
        }
        if let Some(t) = self.traffic {
            m.push(("traffic", Extra::Value(t)));
        }
        if let Some(md) = self.metadata {
            m.push(("metadata", Extra::Value(md)));
        }
        if let Some((id, key, obj)) = self.tx {
            m.push(("tx_id", Extra::U64(id)));
            m.push((key, Extra::Json(obj)));
        }
        m
    }
}
