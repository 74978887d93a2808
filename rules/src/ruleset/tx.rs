//! Matching transaction rules against one application-layer transaction.
//!
//! The engine calls [`RuleSet::match_tx`] for each live transaction of a
//! flow on each packet of that flow, and dedupes alerts per (transaction,
//! rule) itself: a rule keeps matching a transaction on later packets, and
//! only its first match should alert. Flowbit/flowint actions of a
//! matching rule are applied on every match (idempotent for `set`/`unset`,
//! cumulative for `flowint` arithmetic, as in Suricata where a
//! transaction's rule is re-inspected until it matches).

use super::{RuleSet, Scratch};
use crate::applayer::{Absent, BufList};
use crate::compile::CompiledRule;
use crate::flowvars::FlowVars;
use crate::meta::RuleId;
use crate::packet::PacketView;
use crate::pcre::Latin1;
use crate::txprefilter::{fetch_side, TxScratch};
use crate::txview::TxView;

impl RuleSet {
    /// Writes into `out` (cleared first), in inspection order, the ids of
    /// the transaction rules matching `tx` as seen from `pkt` (a packet or
    /// stream chunk of the transaction's flow, travelling
    /// `pkt.flow.to_server`).
    ///
    /// Transaction rules are those with at least one app-layer buffer or
    /// app-layer keyword for `tx`'s protocol (see [`crate::applayer`]
    /// docs); header-only `alert http …` rules are packet rules and are
    /// matched by [`RuleSet::match_flow_packet`]. A rule inspects:
    /// - its header, `flow`, other packet keywords and flowbits on `pkt`;
    /// - each buffer on the side its keyword names (request buffers on
    ///   packets to the server, response buffers on packets to the client,
    ///   `Both` buffers on the packet's side); any value of a multi-buffer
    ///   satisfying all the buffer's keywords matches;
    /// - its packet-payload keywords on `pkt.payload`.
    ///
    /// The engine calls this for every live transaction on every packet and
    /// dedupes alerts per (transaction, rule).
    pub fn match_tx(
        &self,
        pkt: &PacketView,
        tx: &dyn TxView,
        vars: &mut FlowVars,
        scratch: &mut Scratch,
        out: &mut Vec<RuleId>,
    ) {
        out.clear();
        if scratch.vars.len() < self.max_vars {
            scratch.vars.resize(self.max_vars, 0);
        }
        let mut cands = std::mem::take(&mut scratch.tx.cands);
        cands.clear();
        self.tx.candidates(
            tx,
            pkt.flow.to_server,
            pkt.payload,
            self.rules.len(),
            &mut scratch.tx,
            &mut cands,
        );
        cands.sort_unstable();
        for &id in &cands {
            let Some(r) = self.rules.get(id as usize) else {
                continue;
            };
            if self.tx_rule_matches(r, pkt, tx, vars, scratch) {
                r.xbits.apply(&scratch.xbits, pkt);
                r.flow.apply(vars);
                for (name, value) in scratch.latin1.captures.drain(..) {
                    vars.set_string(&name, value);
                }
                out.push(id);
            }
            // pcre captures count only for a rule that matched.
            scratch.latin1.captures.clear();
            // `entropy` values go to the flow whether the rule matched or not.
            for (name, value) in scratch.latin1.entropy.drain(..) {
                vars.set_float(name, value);
            }
        }
        scratch.tx.cands = cands;
        // The payload cache must not outlive this call's buffers.
        scratch.latin1.invalidate();
    }

    fn tx_rule_matches(
        &self,
        r: &CompiledRule,
        pkt: &PacketView,
        tx: &dyn TxView,
        vars: &FlowVars,
        scratch: &mut Scratch,
    ) -> bool {
        let app = &r.app;
        let to_server = pkt.flow.to_server;
        if !app.tx || !app.proto_covers(tx.app_proto()) || !app.dir.accepts(to_server) {
            return false;
        }
        if app.transactional && (to_server || !tx.side_complete(true)) {
            return false;
        }
        let header_ok = if app.transactional {
            // `=>`: the header's source is the client.
            let mut rev = *pkt;
            std::mem::swap(&mut rev.src, &mut rev.dst);
            std::mem::swap(&mut rev.sport, &mut rev.dport);
            r.header.matches(&rev)
        } else {
            r.header.matches(pkt)
        };
        if !header_ok || !r.checks.iter().all(|c| c.eval(pkt)) || !r.pkt.checks_hold(pkt) {
            return false;
        }
        if !app.alproto_ok(&pkt.flow)
            || !r.flow.holds(Some(vars))
            || !r.xbits.holds(&scratch.xbits, pkt)
        {
            return false;
        }
        let Scratch {
            tx: ts,
            vars: bytevars,
            latin1,
            ..
        } = scratch;
        if !app.checks.iter().all(|c| c.eval(tx, to_server, ts)) {
            return false;
        }
        let nvars = r.program.nvars.min(bytevars.len());
        let bytevars = bytevars.get_mut(..nvars).unwrap_or_default();
        bytevars.fill(0);
        // Header sticky buffers (`tcp.hdr` …) of the packet.
        if !r.pkt.buffers_match(pkt, bytevars, latin1) {
            return false;
        }
        if !r.program.is_empty() {
            if pkt.payload.is_empty() {
                return false;
            }
            latin1.invalidate();
            if !r.program.matches(pkt.payload, bytevars, latin1) {
                return false;
            }
        }
        // `Both` lists are read on the packet's side (transactional rules
        // gave theirs an explicit side at compile time).
        app.lists.iter().all(|l| {
            let side = fetch_side(l.key.side(), to_server);
            list_matches(l, side, tx, ts, bytevars, latin1)
        })
    }
}

/// True when some value of the list's buffer satisfies all its keywords.
fn list_matches(
    l: &BufList,
    fetch_to_server: bool,
    tx: &dyn TxView,
    ts: &mut TxScratch,
    bytevars: &mut [u64],
    latin1: &mut Latin1,
) -> bool {
    if l.needs_complete && !tx.side_complete(fetch_to_server) {
        return false;
    }
    let mut vals = ts.lend();
    tx.buffer(l.key.buffer, fetch_to_server, &mut vals);
    if let Some(mode) = l.absent {
        // Suricata sets up no inspection buffer for an empty value.
        let missing = vals.iter().all(|v| v.is_empty());
        if missing || mode == Absent::Only {
            ts.give_back(vals);
            return missing;
        }
    }
    let mut bufs = std::mem::take(&mut ts.bufs);
    let mut found = false;
    for v in &vals {
        let data = bufs.apply(&l.key.transforms, v);
        let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if !l.lengths.iter().all(|m| m.matches(len)) {
            continue;
        }
        latin1.invalidate();
        if l.program.matches(data, bytevars, latin1) {
            found = true;
            break;
        }
    }
    ts.bufs = bufs;
    ts.give_back(vals);
    found
}

#[cfg(test)]
impl RuleSet {
    /// The compiled rules, in id order.
    pub(crate) fn rules_for_test(&self) -> impl Iterator<Item = &CompiledRule> {
        self.rules.iter()
    }

    /// Always-candidate entries and automata of the transaction prefilter.
    pub(crate) fn tx_sizes(&self) -> (usize, usize) {
        self.tx.sizes()
    }
}
