//! Rule grouping and multi-pattern prefiltering.
//!
//! Rules are grouped by transport family (tcp, udp, icmpv4, icmpv6, other)
//! and, for tcp/udp, by the port that identifies them: a rule whose
//! destination ports are few is filed under each of those ports, else one
//! whose source ports are few under those source ports, else in the
//! family's any-port group (`<>` rules are filed under both maps). `ip`
//! rules go into every family's any-port group. A packet therefore meets at
//! most three groups: any-port, its destination port, its source port.
//! Each port group with patterns also carries a matcher over its patterns
//! merged with the any-port ones (as Suricata's per-port signature groups
//! hold the any-port rules), so the usual packet — one well-known port, one
//! ephemeral — is scanned once, not twice.
//!
//! Each group runs one case-insensitive literal matcher
//! ([`crate::litset`]: aho-corasick, or a hashed filter for large sets) over the
//! distinct fast patterns of its rules; a hit only makes the rules a
//! *candidate* (the full check confirms, including case). Rules without a
//! usable fast pattern are filed under their source or destination
//! addresses when those are few ([`crate::addrindex`]), else in the
//! group's always-check list. Candidates are
//! deduplicated with generation stamps in the worker's scratch, so the cost
//! per packet depends on the payload and on the hits, not on the rule count.

use std::collections::HashMap;
use std::sync::Arc;

use crate::addr::PortSet;
use crate::addrindex::{key_side, AddrIndex, Side};
use crate::compile::CompiledRule;
use crate::header::Proto;
use crate::meta::RuleId;
use crate::packet::{ipproto, PacketView};
use crate::patindex::PatternIndex;

/// Port sets up to this size are indexed port by port.
const MAX_INDEXED_PORTS: u32 = 64;

/// One group of rules with its automaton.
#[derive(Debug, Default)]
pub struct Group {
    patterns: Option<PatternIndex>,
    /// For a port group: its patterns and its family's any-port patterns
    /// in one matcher, so a packet meeting both is scanned once.
    with_any: Option<PatternIndex>,
    always: Vec<RuleId>,
    /// Pattern-less rules filed under the packet's source / destination.
    by_src: Option<AddrIndex>,
    by_dst: Option<AddrIndex>,
}

#[derive(Debug, Default)]
struct GroupDraft {
    members: Vec<RuleId>,
}

#[derive(Debug, Default)]
struct FamilyDraft {
    any: GroupDraft,
    by_dport: HashMap<u16, GroupDraft>,
    by_sport: HashMap<u16, GroupDraft>,
}

/// The groups of one transport family.
#[derive(Debug, Default)]
pub struct Family {
    any: Group,
    /// Ports whose rules are the same share one group (a `$HTTP_PORTS`
    /// rule is filed under each HTTP port).
    by_dport: HashMap<u16, Arc<Group>>,
    by_sport: HashMap<u16, Arc<Group>>,
}

const FAMILIES: usize = 5;
const TCP: usize = 0;
const UDP: usize = 1;
const ICMP4: usize = 2;
const ICMP6: usize = 3;
const OTHER: usize = 4;

/// Counts that describe the prefilter layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrefilterStats {
    /// Number of groups (automata or always-lists).
    pub groups: usize,
    /// Distinct patterns summed over groups.
    pub patterns: usize,
    /// Always-check entries summed over groups.
    pub always: usize,
    /// Pattern-less rules filed under addresses, summed over groups.
    pub addr_indexed: usize,
}

/// The grouping of a rule set.
#[derive(Debug)]
pub enum Prefilter {
    /// Grouped and prefiltered.
    Grouped {
        families: Vec<Family>,
        npatterns: usize,
        stats: PrefilterStats,
    },
    /// Every rule is checked for every packet (reference mode for tests).
    Disabled { all: Vec<RuleId> },
}

/// Per-worker dedup state used while collecting candidates.
#[derive(Debug, Default)]
pub struct Stamps {
    pub gen: u32,
    pub rule: Vec<u32>,
    pub pattern: Vec<u32>,
}

impl Stamps {
    /// Starts a new packet: bumps the generation, resizing/resetting only
    /// when needed (first use, another rule set, or generation wrap-around).
    pub fn begin(&mut self, nrules: usize, npatterns: usize) {
        if self.rule.len() != nrules || self.pattern.len() != npatterns || self.gen == u32::MAX {
            self.rule.clear();
            self.rule.resize(nrules, 0);
            self.pattern.clear();
            self.pattern.resize(npatterns, 0);
            self.gen = 0;
        }
        self.gen += 1;
    }

    fn add(&mut self, id: RuleId, out: &mut Vec<RuleId>) {
        if let Some(s) = self.rule.get_mut(id as usize) {
            if *s != self.gen {
                *s = self.gen;
                out.push(id);
            }
        }
    }
}

fn family_indices(p: Proto) -> &'static [usize] {
    match p {
        Proto::Any => &[TCP, UDP, ICMP4, ICMP6, OTHER],
        Proto::Tcp { .. } => &[TCP],
        Proto::Udp { .. } => &[UDP],
        Proto::Icmp => &[ICMP4, ICMP6],
        Proto::Icmp4 => &[ICMP4],
        Proto::Icmp6 => &[ICMP6],
    }
}

impl Prefilter {
    /// Groups `rules` (indexed by id) and builds the automata.
    pub fn build(rules: &[CompiledRule], enabled: bool) -> Prefilter {
        let ids = 0..RuleId::try_from(rules.len()).unwrap_or(RuleId::MAX);
        if !enabled {
            return Prefilter::Disabled { all: ids.collect() };
        }
        let mut drafts: Vec<FamilyDraft> = (0..FAMILIES).map(|_| FamilyDraft::default()).collect();
        for (id, r) in ids.zip(rules) {
            // Transaction rules have their own prefilter (`crate::txprefilter`).
            if r.app.tx {
                continue;
            }
            let h = &r.header;
            fn small(s: &Option<Arc<PortSet>>) -> Option<&Arc<PortSet>> {
                s.as_ref().filter(|s| s.count() <= MAX_INDEXED_PORTS)
            }
            let ported = matches!(h.proto, Proto::Tcp { .. } | Proto::Udp { .. });
            let key = if ported {
                match (small(&h.dport), small(&h.sport)) {
                    (Some(d), _) => Some((d, false)),
                    (None, Some(s)) => Some((s, true)),
                    _ => None,
                }
            } else {
                None
            };
            for &f in family_indices(h.proto) {
                let fam = &mut drafts[f];
                match key {
                    None => fam.any.members.push(id),
                    Some((ports, is_src)) => {
                        for port in ports.iter() {
                            if !is_src || h.both {
                                fam.by_dport.entry(port).or_default().members.push(id);
                            }
                            if is_src || h.both {
                                fam.by_sport.entry(port).or_default().members.push(id);
                            }
                        }
                    }
                }
            }
        }
        let mut npatterns = 0;
        let mut stats = PrefilterStats::default();
        let mut families = Vec::with_capacity(FAMILIES);
        for d in drafts {
            let (any, any_table) = build_group(d.any, rules, None, &mut npatterns, &mut stats);
            let mut built: HashMap<Vec<RuleId>, Arc<Group>> = HashMap::new();
            let mut build = |g: GroupDraft| {
                if let Some(shared) = built.get(&g.members) {
                    return Arc::clone(shared);
                }
                let members = g.members.clone();
                let (group, _) =
                    build_group(g, rules, Some(&any_table), &mut npatterns, &mut stats);
                let group = Arc::new(group);
                built.insert(members, Arc::clone(&group));
                group
            };
            // Sorted ports: the same layout (and pattern numbering) each run.
            let mut dports: Vec<_> = d.by_dport.into_iter().collect();
            dports.sort_unstable_by_key(|(p, _)| *p);
            let mut sports: Vec<_> = d.by_sport.into_iter().collect();
            sports.sort_unstable_by_key(|(p, _)| *p);
            let by_dport = dports.into_iter().map(|(p, g)| (p, build(g))).collect();
            let by_sport = sports.into_iter().map(|(p, g)| (p, build(g))).collect();
            families.push(Family {
                any,
                by_dport,
                by_sport,
            });
        }
        Prefilter::Grouped {
            families,
            npatterns,
            stats,
        }
    }

    /// Total number of distinct patterns (size of the pattern stamp array).
    pub fn npatterns(&self) -> usize {
        match self {
            Prefilter::Grouped { npatterns, .. } => *npatterns,
            Prefilter::Disabled { .. } => 0,
        }
    }

    /// Layout counts.
    pub fn stats(&self) -> PrefilterStats {
        match self {
            Prefilter::Grouped { stats, .. } => *stats,
            Prefilter::Disabled { all } => PrefilterStats {
                groups: 1,
                patterns: 0,
                always: all.len(),
                addr_indexed: 0,
            },
        }
    }

    /// Appends the candidate rules for `p` (each once) to `out`.
    pub fn candidates(&self, p: &PacketView, st: &mut Stamps, out: &mut Vec<RuleId>) {
        let families = match self {
            Prefilter::Disabled { all } => {
                out.extend_from_slice(all);
                return;
            }
            Prefilter::Grouped { families, .. } => families,
        };
        let f = match p.ip_proto {
            ipproto::TCP => TCP,
            ipproto::UDP => UDP,
            ipproto::ICMP => ICMP4,
            ipproto::ICMPV6 => ICMP6,
            _ => OTHER,
        };
        let Some(fam) = families.get(f) else {
            return;
        };
        let (dg, sg) = if f == TCP || f == UDP {
            (
                fam.by_dport.get(&p.dport).map(Arc::as_ref),
                fam.by_sport.get(&p.sport).map(Arc::as_ref),
            )
        } else {
            (None, None)
        };
        fam.any.scan_lists(p, st, out);
        // One port group's merged matcher covers the any-port patterns too;
        // the other port group (if any) then adds only its own.
        let merged = [(dg, sg), (sg, dg)]
            .into_iter()
            .find_map(|(g, other)| g.and_then(|g| g.with_any.as_ref().map(|ix| (g, ix, other))));
        match merged {
            Some((g, ix, other)) => {
                g.scan_lists(p, st, out);
                Group::scan_patterns(ix, p, st, out);
                if let Some(o) = other {
                    o.scan(p, st, out);
                }
            }
            None => {
                if let Some(ix) = &fam.any.patterns {
                    Group::scan_patterns(ix, p, st, out);
                }
                for g in [dg, sg].into_iter().flatten() {
                    g.scan(p, st, out);
                }
            }
        }
    }
}

/// Distinct lower-cased fast patterns of a set of rules, with the rules
/// filed under each.
#[derive(Debug, Default, Clone)]
struct PatternTable {
    index: HashMap<Vec<u8>, usize>,
    patterns: Vec<Vec<u8>>,
    by_pattern: Vec<Vec<RuleId>>,
}

impl PatternTable {
    fn add(&mut self, pattern: &[u8], id: RuleId) {
        let key = pattern.to_ascii_lowercase();
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.patterns.push(key.clone());
                self.by_pattern.push(Vec::new());
                self.index.insert(key, self.patterns.len() - 1);
                self.patterns.len() - 1
            }
        };
        if let Some(v) = self.by_pattern.get_mut(i) {
            v.push(id);
        }
    }

    /// Builds the matcher, global pattern indices from `*npatterns`.
    fn build(&self, npatterns: &mut usize) -> Result<PatternIndex, crate::litset::BuildError> {
        let ix = PatternIndex::build(&self.patterns, &self.by_pattern, *npatterns)?;
        *npatterns += ix.len();
        Ok(ix)
    }
}

/// Builds one group; `any` (for port groups) is the family's any-port
/// pattern table, merged into [`Group::with_any`]. Returns the group's own
/// pattern table too (the any-port group's serves its port groups).
fn build_group(
    g: GroupDraft,
    rules: &[CompiledRule],
    any: Option<&PatternTable>,
    npatterns: &mut usize,
    stats: &mut PrefilterStats,
) -> (Group, PatternTable) {
    let mut table = PatternTable::default();
    let mut always = Vec::new();
    let mut src_keyed = Vec::new();
    let mut dst_keyed = Vec::new();
    for id in g.members {
        let Some(r) = rules.get(id as usize) else {
            continue;
        };
        match &r.fast {
            Some(fp) if !fp.bytes.is_empty() => table.add(&fp.bytes, id),
            _ => match (key_side(&r.header), &r.header.src, &r.header.dst) {
                (Some(Side::Src), Some(s), _) => src_keyed.push((id, s.as_ref())),
                (Some(Side::Dst), _, Some(d)) => dst_keyed.push((id, d.as_ref())),
                _ => always.push(id),
            },
        }
    }
    let mut index_side = |keyed: Vec<(RuleId, &crate::addr::IpSet)>| {
        if keyed.is_empty() {
            return None;
        }
        let built = AddrIndex::build(keyed.iter().copied());
        match built {
            Some(_) => stats.addr_indexed += keyed.len(),
            None => always.extend(keyed.iter().map(|&(id, _)| id)),
        }
        built
    };
    let by_src = index_side(src_keyed);
    let by_dst = index_side(dst_keyed);
    let mut patterns = None;
    if !table.patterns.is_empty() {
        match table.build(npatterns) {
            Ok(ix) => {
                stats.patterns += ix.len();
                patterns = Some(ix);
            }
            Err(e) => {
                // Cannot happen for byte patterns of sane size; degrade to
                // checking these rules on every packet rather than losing them.
                tracing::warn!(error = %e, "prefilter automaton build failed; rules checked unfiltered");
                always.extend(table.by_pattern.iter().flatten());
            }
        }
    }
    // The merged matcher only pays when both halves have patterns; when it
    // cannot be built the two separate scans still find everything.
    let with_any = match any {
        Some(any) if patterns.is_some() && !any.patterns.is_empty() => {
            let mut merged = any.clone();
            for (p, ids) in table.patterns.iter().zip(&table.by_pattern) {
                for &id in ids {
                    merged.add(p, id);
                }
            }
            merged.build(npatterns).ok()
        }
        _ => None,
    };
    stats.groups += 1;
    stats.always += always.len();
    let group = Group {
        patterns,
        with_any,
        always,
        by_src,
        by_dst,
    };
    (group, table)
}

impl Group {
    /// Candidates from the always-list and the address indexes.
    fn scan_lists(&self, p: &PacketView, st: &mut Stamps, out: &mut Vec<RuleId>) {
        for &id in &self.always {
            st.add(id, out);
        }
        if let Some(ix) = &self.by_src {
            for &id in ix.lookup(p.src) {
                st.add(id, out);
            }
        }
        if let Some(ix) = &self.by_dst {
            for &id in ix.lookup(p.dst) {
                st.add(id, out);
            }
        }
    }

    /// Candidates from a pattern matcher over the payload (none when the
    /// flow's payload is not inspected: every fast pattern comes from a
    /// payload content, which `RuleSet::check` would reject).
    fn scan_patterns(ix: &PatternIndex, p: &PacketView, st: &mut Stamps, out: &mut Vec<RuleId>) {
        if p.flow.no_payload_inspection {
            return;
        }
        let Stamps { gen, rule, pattern } = st;
        ix.scan(p.payload, pattern, *gen, |id| {
            if let Some(s) = rule.get_mut(id as usize) {
                if *s != *gen {
                    *s = *gen;
                    out.push(id);
                }
            }
        });
    }

    /// All candidates of this group alone.
    fn scan(&self, p: &PacketView, st: &mut Stamps, out: &mut Vec<RuleId>) {
        self.scan_lists(p, st, out);
        if let Some(ix) = &self.patterns {
            Group::scan_patterns(ix, p, st, out);
        }
    }
}
