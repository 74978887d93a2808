//! The end of a worker's flows: the last look of the application layer and
//! of the raw stream at what is left (Suricata's end-of-flow pseudo
//! packets), then the `flow` records.

use super::*;

impl Worker {
    /// Flows the table ended while handling packet `cnt`.
    pub(super) fn collect_ended(&mut self, cnt: u64) {
        let ended = self.flows.take_ended();
        if !ended.is_empty() {
            self.end_flows(ended, |f| (cnt, 1, 0, f.flow_id));
        }
    }

    /// Flow end for the application layer: as with Suricata's end-of-flow
    /// pseudo packets (to the server, then to the client), each one
    /// parses the rest of its own direction's stream and then inspects
    /// the transactions; finally all transactions are logged.
    fn flow_end_app(&mut self, f: &mut Flow<FlowState>, key: EventKey) {
        let ports = (f.key.sport, f.key.dport);
        if let Some(sess) = f.data.tcp.as_deref_mut().filter(|s| s.is_reassembling()) {
            sess.flush_all();
        }
        let base = (key.0, key.1, key.2, key.3.saturating_sub(1 << 21));
        for dir in [Direction::ToServer, Direction::ToClient] {
            if let Some(sess) = f.data.tcp.as_deref().filter(|s| s.is_reassembling()) {
                feed_app(
                    &mut f.data.app,
                    sess,
                    dir,
                    true,
                    f.last_ts,
                    ports,
                    &self.app_cfg,
                );
                f.data.app.close(dir);
            }
            if f.data.app.proto().is_none() {
                continue;
            }
            if let (Some(rules), Some(scratch), false) = (
                self.rules.as_deref(),
                self.scratch.as_mut(),
                f.data.flags.passed,
            ) {
                let vlan = f.data.vlan;
                let ctx = flow_end_ctx(f, dir, vlan.as_slice());
                let mut view = PacketView::new(ctx.src, ctx.dst, f.key.proto, &[]);
                view.ts_secs = f.last_ts.secs;
                view.sport = ctx.sport;
                view.dport = ctx.dport;
                view.flow = f.info(dir);
                view.flow.app_proto = f.data.app.proto();
                view.flow.no_payload_inspection = !f.data.app.payload_inspected();
                view.flow.app_proto_dir = f.data.app.dirs.protos();
                if let Some(sess) = f.data.tcp.as_deref() {
                    // `stream_size` on the end-of-flow pseudo packets.
                    set_stream_info(&mut view.flow, sess);
                }
                let mut sink = alert_sink!(self, rules, flow: Some(f.key),
                    base: base, tunnel: None, evidence: true);
                let FlowState {
                    app, vars, flags, ..
                } = &mut f.data;
                let mut detect = TxDetect {
                    rules,
                    scratch,
                    vars,
                    flags,
                    hits: &mut self.hits,
                    sink: &mut sink,
                };
                let at = TxPacket {
                    view: &view,
                    ctx: &ctx,
                    ts: f.last_ts,
                };
                inspect_transactions(app, &mut detect, at);
            }
        }
        if f.data.app.proto().is_none() {
            return;
        }
        let fmeta = flow_meta_of(f, Direction::ToServer);
        let mut logs = Vec::new();
        let at = TxLogAt {
            flow_end: true,
            ts: f.last_ts,
            pcap_cnt: 0,
            fmeta,
            vlan: f.data.vlan.as_slice(),
            pkt_src: None,
            ip_proto: f.key.proto,
        };
        let metadata = metadata_of(&f.data.vars);
        logs.extend(log_txs(&mut f.data.app, at, self.outputs, None, metadata));
        for (i, mut e) in logs.into_iter().enumerate() {
            e.key = (
                key.0,
                key.1,
                key.2,
                key.3.saturating_sub(1 << 20).saturating_add(i as u64),
            );
            self.out.push(e);
        }
    }

    /// Inspects what is left in ended flows' streams, then writes their records.
    pub(super) fn end_flows(
        &mut self,
        mut flows: Vec<Flow<FlowState>>,
        key: impl Fn(&Flow<FlowState>) -> EventKey,
    ) {
        for f in &mut flows {
            let k = key(f);
            self.flush_stream(f, k);
            if let Some(rec) = self.evidence.as_mut() {
                if let Err(e) = rec.flow_end(f.flow_id) {
                    self.evidence_errors.push(e.to_string());
                }
            }
        }
        self.flow_records(flows, key);
    }

    /// Flow end: everything still buffered is inspected, as Suricata does
    /// with its end-of-flow pseudo packets (which carry no packet number).
    fn flush_stream(&mut self, f: &mut Flow<FlowState>, key: EventKey) {
        self.flow_end_app(f, key);
        let Some(mut sess) = f.data.tcp.take() else {
            return;
        };
        if sess.is_reassembling() {
            f.data.stream_regions = Some((
                sess.to_server().max_regions(),
                sess.to_client().max_regions(),
            ));
        }
        self.stats.stream += sess.stats();
        let (Some(rules), Some(scratch)) = (self.rules.as_deref(), self.scratch.as_mut()) else {
            return;
        };
        if !sess.is_reassembling() || f.data.flags.passed {
            return;
        }
        sess.flush_all();
        let vlan = f.data.vlan;
        for dir in [Direction::ToServer, Direction::ToClient] {
            let mut info = f.info(dir);
            // Only reassembling sessions get here: stream_active is true.
            set_stream_info(&mut info, &sess);
            info.from_stream = true;
            // Protocol-specific rules (`alert http … content:…`) match the
            // raw stream of their protocol's flows at flow end too.
            info.app_proto = f.data.app.proto();
            info.no_payload_inspection = !f.data.app.payload_inspected();
            let ctx = flow_end_ctx(f, dir, vlan.as_slice());
            // Alerts at flow end sort right before the flow's record.
            let base = (key.0, key.1, key.2, key.3.saturating_sub(1 << 20));
            let mut sink = alert_sink!(self, rules, flow: Some(f.key),
                base: base, tunnel: None, evidence: true);
            loop {
                let sd = sess.direction_mut(dir);
                let consumed = sd.readable_offset();
                let (start, bytes) = sd.inspect_window_unacked(0);
                let end = start + bytes.len() as u64;
                if end <= consumed {
                    break;
                }
                let mut view = PacketView::new(ctx.src, ctx.dst, f.key.proto, bytes);
                view.ts_secs = f.last_ts.secs;
                view.sport = ctx.sport;
                view.dport = ctx.dport;
                view.flow = info;
                stream_hits(
                    rules,
                    scratch,
                    &view,
                    consumed - start,
                    &mut f.data.vars,
                    &mut self.hits,
                    &mut self.prefix_hits,
                );
                let before = sink.stats.alerts;
                let app_proto = f.data.app.proto_name();
                let metadata = metadata_of(&f.data.vars);
                sink.emit(
                    &self.hits,
                    &ctx,
                    &mut f.data.flags,
                    f.key.proto,
                    AppAlert {
                        metadata: metadata.as_ref(),
                        ..AppAlert::flow(app_proto)
                    },
                );
                sink.stats.stream_alerts += sink.stats.alerts - before;
                let sd = sess.direction_mut(dir);
                let n = usize::try_from(end - consumed).unwrap_or(usize::MAX);
                if sd.consume(n) == 0 {
                    break;
                }
            }
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
            let tcp_state = f.tcp_state_name();
            let state = match f.tcp_state {
                _ if f.data.flags.bypassed => "bypassed",
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
                response_icmp: f.data.icmp_response,
                vlan: f.data.vlan.as_slice(),
                app_proto: f.data.app.proto_name(),
                app_proto_ts: f.data.app.dirs.proto(Direction::ToServer).map(|d| d.name()),
                app_proto_tc: f.data.app.dirs.proto(Direction::ToClient).map(|d| d.name()),
                pkts_toserver: f.pkts_toserver,
                pkts_toclient: f.pkts_toclient,
                bytes_toserver: f.bytes_toserver,
                bytes_toclient: f.bytes_toclient,
                start: f.first_ts,
                end: f.last_ts,
                state,
                bypassed: f.data.flags.bypassed,
                reason: f.end_reason.unwrap_or(EndReason::Shutdown).as_str(),
                alerted: f.data.flags.alerted,
                traffic: self
                    .rules
                    .as_deref()
                    .and_then(|r| traffic_of(r, &f.data.vars)),
                metadata: metadata_of(&f.data.vars),
                tcp: tcp_state.map(|s| {
                    // Without a session (no SYN, no mid-stream pick-up)
                    // Suricata logs the flags alone.
                    let session = f.tcp_state != Some(TcpState::New);
                    TcpRecord {
                        flags_ts: f.tcp_flags_toserver,
                        flags_tc: f.tcp_flags_toclient,
                        state: session.then_some(s),
                        max_regions: f.data.stream_regions.filter(|_| session),
                    }
                }),
            };
            if encode_flow(&mut self.buf, &rec).is_ok() {
                self.stats.flow_records += 1;
                self.out.push(OutEvent {
                    key: key(&f),
                    eve: self.buf.clone(),
                    fast: None,
                    threshold: None,
                });
            }
        }
    }
}
