//! A captured packet's layers before flow processing: the tunnel packets
//! it carries, the fragments it may be and the datagrams they complete,
//! and the packets inspected without a flow (GRE, fragments).

use super::*;

impl Worker {
    pub(super) fn packet(&mut self, raw: &RawPacket<'_>, verdict: ChecksumVerdict) {
        self.stats.packets += 1;
        let d = decode::decode_with(raw, &self.decoder);
        self.handle(raw, d, verdict, None);
    }

    /// Processes a decoded packet (captured, or carried by a tunnel whose
    /// outermost packet `root` describes), the datagrams its fragments
    /// complete, and then the packet it carries, as Suricata processes its
    /// tunnel pseudo packets: with the carrier's packet number, in flows of
    /// their own. Nesting is bounded by the decoder's layer limit.
    fn handle(
        &mut self,
        raw: &RawPacket<'_>,
        mut d: Decoded<'_>,
        verdict: ChecksumVerdict,
        root: Option<&serde_json::Value>,
    ) {
        let carried = decode::decode_tunnel(&mut d, &self.decoder);
        self.decode_stats.record(&d);
        let tunnel = match (root, d.tunnel) {
            (Some(r), Some(t)) => {
                let mut obj = r.clone();
                obj["depth"] = t.depth.into();
                Some(obj)
            }
            _ => None,
        };
        // Fragments are inspected as they are; a datagram they complete is
        // then processed as one more packet (Suricata's pseudo packet),
        // carrying the packet number of the fragment that completed it.
        let mut rebuilt = None;
        let mut frag_events = Vec::new();
        let mut datagram = None;
        if let Some((ip, frag)) = d.ip.and_then(|ip| ip.fragment.map(|f| (ip, f))) {
            // Kept for the evidence of the flow the datagram will belong to.
            let key: FragKey = (ip.src, ip.dst, frag.id, ip.proto);
            if let Some(rec) = self.evidence.as_mut() {
                rec.fragment(key, raw);
            }
            self.defrag.expire(raw.ts);
            let r = self.defrag.insert(raw.ts, d.frame, &d);
            // The fragment itself carries the defrag events (as in Suricata).
            frag_events.extend(r.events.iter().map(|e| e.name()));
            if let crate::defrag::DefragStatus::Reassembled(bytes) = r.status {
                rebuilt = Some(bytes);
                datagram = Some((key, d.frame.len().saturating_sub(d.network.len())));
            }
        }
        self.frag_events = frag_events;
        self.tunnel.clone_from(&tunnel);
        self.carrier = carried.is_some();
        self.process(raw, &d, verdict, false);
        self.carrier = false;
        self.frag_events.clear();
        // A rebuilt datagram may itself be a fragment (nested fragment
        // headers): reassemble a bounded number of times.
        let mut depth = 0;
        while let Some(bytes) = rebuilt.take() {
            let mut inner = crate::defrag::reassembled_view_with(&bytes, d.vlan, &self.decoder);
            inner.tunnel = d.tunnel;
            if depth < 3 && inner.ip.is_some_and(|ip| ip.fragment.is_some()) {
                if let crate::defrag::DefragStatus::Reassembled(b) =
                    self.defrag.insert(raw.ts, &bytes, &inner).status
                {
                    rebuilt = Some(b);
                }
                depth += 1;
                continue;
            }
            let in_datagram = decode::decode_tunnel(&mut inner, &self.decoder);
            self.tunnel.clone_from(&tunnel);
            self.datagram = datagram.take();
            self.process(raw, &inner, ChecksumVerdict::Unchecked, true);
            self.datagram = None;
            if let Some(t) = in_datagram {
                let base = root.cloned().or_else(|| tunnel_root(raw, &inner));
                self.handle(raw, t, ChecksumVerdict::Unchecked, base.as_ref());
            }
        }
        self.tunnel = None;
        if let Some(t) = carried {
            let base = root.cloned().or_else(|| tunnel_root(raw, &d));
            self.handle(raw, t, ChecksumVerdict::Unchecked, base.as_ref());
        }
    }

    /// Inspects a packet that belongs to no flow (GRE): packet rules only,
    /// `flowbits` checks fail and flow keywords see no flow.
    pub(super) fn inspect_flowless(
        &mut self,
        raw: &RawPacket<'_>,
        d: &Decoded<'_>,
        verdict: ChecksumVerdict,
        pkt_src: Option<&'static str>,
    ) {
        let (Some(rules), Some(scratch)) = (self.rules.as_deref(), self.scratch.as_mut()) else {
            return;
        };
        let checked = verdict != ChecksumVerdict::Unchecked;
        let Some(mut view) = d.view_checked(sigil_rules::packet::FlowInfo::default(), checked)
        else {
            return;
        };
        view.ts_secs = raw.ts.secs;
        for name in &self.frag_events {
            if let Some(ev) = sigil_rules::packet::DecoderEvent::from_name(name) {
                view.events.insert(ev);
            }
        }
        self.stats.inspected += 1;
        let file = self.filenames.get(raw.file_index).map(String::as_str);
        let mut ctx = packet_ctx(raw, &view, d.vlan.as_slice(), file, None);
        ctx.pkt_src = pkt_src;
        let mut sink = alert_sink!(self, rules, flow: None,
            base: (raw.pcap_cnt, 0, 0, 0), tunnel: self.tunnel.as_ref(), evidence: false);
        rules.match_packet(&view, scratch, &mut self.hits);
        sink.emit(
            &self.hits,
            &ctx,
            &mut FlowFlags::default(),
            view.ip_proto,
            AppAlert::flow(None),
        );
    }
}

/// The EVE `tunnel` object of packets carried by `root` (the outermost
/// packet), without the nesting depth: its addresses, ports, protocol and
/// packet number.
fn tunnel_root(raw: &RawPacket<'_>, root: &Decoded<'_>) -> Option<serde_json::Value> {
    let ip = root.ip?;
    let (sport, dport) = root.ports();
    Some(serde_json::json!({
        "src_ip": crate::output::EveAddr(ip.src).to_string(),
        "src_port": sport,
        "dest_ip": crate::output::EveAddr(ip.dst).to_string(),
        "dest_port": dport,
        "proto": crate::output::proto_name(ip.proto),
        "pcap_cnt": raw.pcap_cnt,
        "pkt_src": "wire/pcap",
    }))
}
