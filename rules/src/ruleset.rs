//! The immutable rule set and the per-worker scratch it matches with.

use crate::compile::{CompiledRule, IpOnly};
use crate::flowvars::{FlowVars, Names};
use crate::meta::{RuleId, RuleMeta};
use crate::packet::PacketView;
use crate::pcre::Latin1;
use crate::prefilter::{Prefilter, PrefilterStats, Stamps};
use crate::program::Step;
use crate::txprefilter::{TxIndex, TxScratch};
use crate::xbits::XbitStore;
use std::sync::Arc;

mod tx;

/// Compiled rules plus their prefilter. Immutable and `Send + Sync`: share
/// it with `Arc` across workers; each worker owns a [`Scratch`].
#[derive(Debug)]
pub struct RuleSet {
    /// In Suricata's inspection order; a rule's id is its index.
    rules: Vec<CompiledRule>,
    prefilter: Prefilter,
    /// Prefilter of the transaction rules (see [`RuleSet::match_tx`]).
    pub(crate) tx: TxIndex,
    max_vars: usize,
    /// Flowbit and flowint names by id.
    bit_names: Names,
    int_names: Names,
}

/// Per-worker mutable state for [`RuleSet::match_flow_packet`]: dedup stamps,
/// the candidate list, byte variables and the fallback-regex text buffer.
/// After warm-up, matching allocates nothing.
#[derive(Debug, Default)]
pub struct Scratch {
    stamps: Stamps,
    candidates: Vec<RuleId>,
    vars: Vec<u64>,
    latin1: Latin1,
    tx: TxScratch,
    /// `xbits` state: the scratch's own unless a run shares one between
    /// its workers ([`Scratch::share_xbits`]).
    pub(crate) xbits: Arc<XbitStore>,
}

impl Scratch {
    /// Uses `store` for `xbits`, so bits set through one worker's scratch
    /// are seen through the others'.
    pub fn share_xbits(&mut self, store: Arc<XbitStore>) {
        self.xbits = store;
    }
}

impl RuleSet {
    /// Builds a rule set from rules already in inspection order.
    /// Flow-variable ids in `rules` must already be resolved against
    /// `bit_names` / `int_names`.
    pub(crate) fn new(
        rules: Vec<CompiledRule>,
        prefilter: bool,
        bit_names: Names,
        int_names: Names,
    ) -> RuleSet {
        let tx = TxIndex::build(&rules, prefilter);
        let prefilter = Prefilter::build(&rules, prefilter);
        let max_vars = rules.iter().map(|r| r.program.nvars).max().unwrap_or(0);
        RuleSet {
            rules,
            prefilter,
            tx,
            max_vars,
            bit_names,
            int_names,
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when the set has no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Metadata of rule `id`.
    ///
    /// # Panics
    /// If `id` was not produced by this rule set.
    pub fn meta(&self, id: RuleId) -> &RuleMeta {
        &self.rules[id as usize].meta
    }

    /// Metadata of rule `id`, or None for an id from elsewhere.
    pub fn get_meta(&self, id: RuleId) -> Option<&RuleMeta> {
        self.rules.get(id as usize).map(|r| &r.meta)
    }

    /// All rules' metadata, in id order.
    pub fn metas(&self) -> impl Iterator<Item = (RuleId, &RuleMeta)> {
        (0..).zip(self.rules.iter().map(|r| &r.meta))
    }

    /// Layout of the prefilter (groups, patterns, always-check entries).
    pub fn prefilter_stats(&self) -> PrefilterStats {
        self.prefilter.stats()
    }

    /// A scratch sized for this set.
    pub fn new_scratch(&self) -> Scratch {
        let mut s = Scratch {
            candidates: Vec::with_capacity(self.rules.len().min(1024)),
            vars: vec![0; self.max_vars],
            ..Scratch::default()
        };
        s.stamps.begin(self.rules.len(), self.prefilter.npatterns());
        s
    }

    /// Compiles every pcre now instead of on first use (e.g. before timing).
    /// Returns how many could not be compiled.
    pub fn warm_regexes(&self) -> usize {
        self.rules
            .iter()
            .flat_map(|r| {
                let hdr = r.pkt.buffers.iter().flat_map(|(_, p)| p.steps.iter());
                let app = r.app.programs().flat_map(|p| p.steps.iter());
                r.program.steps.iter().chain(hdr).chain(app)
            })
            .filter(|s| matches!(s, Step::Pcre(p) if !p.re.warm()))
            .count()
    }

    /// Matches a packet that has no flow (Suricata's `p->flow == NULL`):
    /// `flowbits`/`flowint` checks fail and modifiers do nothing. For
    /// packets of a flow use [`Self::match_flow_packet`].
    ///
    /// Otherwise as [`Self::match_flow_packet`].
    pub fn match_packet(&self, pkt: &PacketView, scratch: &mut Scratch, out: &mut Vec<RuleId>) {
        self.run(pkt, None, scratch, out);
    }

    /// Writes into `out` (cleared first) the ids of the rules matching `pkt`,
    /// in Suricata's order (see [`crate::RuleSetBuilder::build`]): action
    /// (pass, drop, reject, alert), flowbits/flowint setters before
    /// checkers, priority, sid.
    ///
    /// `vars` is the flow's state: `flowbits`/`flowint` checks read it as
    /// part of each rule's match, and each matching rule applies its
    /// modifiers at once, so rules later in the order (on this packet too)
    /// see them. Modifiers of rules that will not alert (`noalert`,
    /// thresholds) are applied all the same, as in Suricata.
    ///
    /// Views of reassembled stream data (`pkt.flow.from_stream`) are only
    /// checked against rules with payload keywords, never `dsize`,
    /// `tcp-pkt`/`udp-pkt` or header-only rules, which belong to packets.
    /// While `pkt.flow.stream_active`, packet views skip the payload rules
    /// Suricata inspects on the stream (see the `applayer` module docs).
    /// Rules with an app-layer protocol (`alert http …`,
    /// `app-layer-protocol`) need `pkt.flow.app_proto` to fit; transaction
    /// rules (app-layer buffers and keywords) are left to
    /// [`Self::match_tx`].
    pub fn match_flow_packet(
        &self,
        pkt: &PacketView,
        vars: &mut FlowVars,
        scratch: &mut Scratch,
        out: &mut Vec<RuleId>,
    ) {
        self.run(pkt, Some(vars), scratch, out);
    }

    fn run(
        &self,
        pkt: &PacketView,
        mut vars: Option<&mut FlowVars>,
        scratch: &mut Scratch,
        out: &mut Vec<RuleId>,
    ) {
        out.clear();
        scratch
            .stamps
            .begin(self.rules.len(), self.prefilter.npatterns());
        if scratch.vars.len() < self.max_vars {
            scratch.vars.resize(self.max_vars, 0);
        }
        scratch.latin1.invalidate();
        let mut cands = std::mem::take(&mut scratch.candidates);
        cands.clear();
        self.prefilter
            .candidates(pkt, &mut scratch.stamps, &mut cands);
        // Ids follow the inspection order, setters before checkers.
        cands.sort_unstable();
        for &id in &cands {
            let Some(r) = self.rules.get(id as usize) else {
                continue;
            };
            if self.check(r, pkt, vars.as_deref(), scratch) {
                r.xbits.apply(&scratch.xbits, pkt);
                if let Some(v) = vars.as_deref_mut() {
                    r.flow.apply(v);
                    for (name, value) in scratch.latin1.captures.drain(..) {
                        v.set_string(&name, value);
                    }
                }
                out.push(id);
            }
            // pcre captures count only for a rule that matched.
            scratch.latin1.captures.clear();
            // `entropy` values go to the flow whether the rule matched or not.
            for (name, value) in scratch.latin1.entropy.drain(..) {
                if let Some(v) = vars.as_deref_mut() {
                    v.set_float(name, value);
                }
            }
        }
        scratch.candidates = cands;
    }

    /// True when a pass (or drop) by rule `id` acts on its whole flow, not
    /// only on the packet: Suricata's IP-only, like-IP-only and
    /// protocol-detection-only rules, and app-layer rules.
    pub fn acts_on_flow(&self, id: RuleId) -> bool {
        self.rules.get(id as usize).is_some_and(|r| {
            r.ip_only != IpOnly::No || r.app.pd_only || r.app.tx || r.app.proto.is_some()
        })
    }

    /// The id of flowbit `name` in this set (for inspecting [`FlowVars`]).
    pub fn flowbit_id(&self, name: &str) -> Option<u32> {
        self.bit_names.get(name)
    }

    /// The id of flowint `name` in this set.
    pub fn flowint_id(&self, name: &str) -> Option<u32> {
        self.int_names.get(name)
    }

    /// Names of the flowbits set in `vars`, by id (what Suricata lists
    /// under an alert's `metadata.flowbits`).
    pub fn flowbit_names<'a>(&'a self, vars: &'a FlowVars) -> impl Iterator<Item = &'a str> {
        vars.bits().filter_map(|id| self.bit_names.name(id))
    }

    /// Names and values of the flowints set in `vars` (EVE `metadata.flowints`).
    pub fn flowint_values<'a>(
        &'a self,
        vars: &'a FlowVars,
    ) -> impl Iterator<Item = (&'a str, u32)> {
        vars.ints()
            .filter_map(|(id, v)| self.int_names.name(id).map(|n| (n, v)))
    }

    fn check(
        &self,
        r: &CompiledRule,
        pkt: &PacketView,
        vars: Option<&FlowVars>,
        scratch: &mut Scratch,
    ) -> bool {
        if pkt.flow.from_stream && (r.packet_only || r.asn1) {
            return false;
        }
        // IP-only rules see a flow's first packet each way, Suricata's
        // FLOW_PKT_TO{SERVER,CLIENT}_FIRST; packets without a flow always.
        if r.ip_only == IpOnly::Yes && vars.is_some() && pkt.flow.ip_only_done {
            return false;
        }
        // Transaction rules, app-layer protocol, packet vs stream views.
        if !r.app.packet_ok(pkt) {
            return false;
        }
        if !r.header.matches(pkt)
            || !r.checks.iter().all(|c| c.eval(pkt))
            || !r.pkt.checks_hold(pkt)
        {
            return false;
        }
        if !r.flow.holds(vars) || !r.xbits.holds(&scratch.xbits, pkt) {
            return false;
        }
        if r.program.is_empty() && r.pkt.buffers.is_empty() {
            return true;
        }
        // Like Suricata, payload keywords need a payload to inspect, and
        // a flow whose payload inspection was turned off has none.
        if !r.program.is_empty() && (pkt.payload.is_empty() || pkt.flow.no_payload_inspection) {
            return false;
        }
        // Header buffers and the payload share the byte variables.
        let vars = &mut scratch.vars[..r.program.nvars.min(self.max_vars)];
        vars.fill(0);
        r.pkt.buffers_match(pkt, vars, &mut scratch.latin1)
            && r.program.matches(pkt.payload, vars, &mut scratch.latin1)
    }
}
