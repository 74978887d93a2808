//! Rule grouping and multi-pattern prefiltering.
//!
//! Rules are grouped by transport family (tcp, udp, icmpv4, icmpv6, other)
//! and, for tcp/udp, by the port that identifies them: a rule whose
//! destination ports are few is filed under each of those ports, else one
//! whose source ports are few under those source ports, else in the
//! family's any-port group (`<>` rules are filed under both maps). `ip`
//! rules go into every family's any-port group. A packet therefore meets at
//! most three groups: any-port, its destination port, its source port.
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
    by_dport: HashMap<u16, Group>,
    by_sport: HashMap<u16, Group>,
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
        let mut build = |g: GroupDraft| build_group(g, rules, &mut npatterns, &mut stats);
        let families = drafts
            .into_iter()
            .map(|d| Family {
                any: build(d.any),
                by_dport: d.by_dport.into_iter().map(|(p, g)| (p, build(g))).collect(),
                by_sport: d.by_sport.into_iter().map(|(p, g)| (p, build(g))).collect(),
            })
            .collect();
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
        fam.any.scan(p, st, out);
        if f == TCP || f == UDP {
            if let Some(g) = fam.by_dport.get(&p.dport) {
                g.scan(p, st, out);
            }
            if let Some(g) = fam.by_sport.get(&p.sport) {
                g.scan(p, st, out);
            }
        }
    }
}

fn build_group(
    g: GroupDraft,
    rules: &[CompiledRule],
    npatterns: &mut usize,
    stats: &mut PrefilterStats,
) -> Group {
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut patterns: Vec<Vec<u8>> = Vec::new();
    let mut by_pattern: Vec<Vec<RuleId>> = Vec::new();
    let mut always = Vec::new();
    let mut src_keyed = Vec::new();
    let mut dst_keyed = Vec::new();
    for id in g.members {
        let Some(r) = rules.get(id as usize) else {
            continue;
        };
        match &r.fast {
            Some(fp) if !fp.bytes.is_empty() => {
                let key = fp.bytes.to_ascii_lowercase();
                let i = *index.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    by_pattern.push(Vec::new());
                    patterns.len() - 1
                });
                by_pattern[i].push(id);
            }
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
    let index = if patterns.is_empty() {
        None
    } else {
        match PatternIndex::build(&patterns, &by_pattern, *npatterns) {
            Ok(ix) => Some(ix),
            Err(e) => {
                // Cannot happen for byte patterns of sane size; degrade to
                // checking these rules on every packet rather than losing them.
                tracing::warn!(error = %e, "prefilter automaton build failed; rules checked unfiltered");
                always.extend(by_pattern.iter().flatten());
                None
            }
        }
    };
    let npat = index.as_ref().map_or(0, PatternIndex::len);
    let group = Group {
        patterns: index,
        always,
        by_src,
        by_dst,
    };
    *npatterns += npat;
    stats.groups += 1;
    stats.patterns += npat;
    stats.always += group.always.len();
    group
}

impl Group {
    fn scan(&self, p: &PacketView, st: &mut Stamps, out: &mut Vec<RuleId>) {
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
        if let Some(ix) = &self.patterns {
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
    }
}
