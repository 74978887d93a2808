//! Address prefilter for rules that have no fast pattern but a small
//! address set: Suricata's "IP-only" rules, e.g. ET's reputation and Tor
//! lists (hundreds of rules, each a list of addresses with only
//! `threshold`/`flowbits`).
//!
//! Checking such rules on every packet would cost one header test per rule.
//! Instead each is filed under the addresses of its smaller side (source
//! or destination); the ranges of all filed rules are cut into disjoint
//! segments, each listing the rules covering it, so a packet finds the
//! rules filed under its source and under its destination with one binary
//! search each. The index only narrows the candidates: every candidate
//! still gets its full header check.

use std::net::IpAddr;
use std::sync::Arc;

use crate::addr::{Bound, IpSet};
use crate::header::Header;
use crate::meta::RuleId;

/// A side is indexable while it covers at most this many IPv4 addresses
/// (a /8) …
const MAX_V4_COVER: u128 = 1 << 24;
/// … and this many IPv6 addresses (a /28).
const MAX_V6_COVER: u128 = 1 << 100;

/// Which packet address a rule is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Src,
    Dst,
}

/// Number of addresses in `s`, if small enough to index.
fn coverage(s: &IpSet) -> Option<u128> {
    let v4: u128 = s
        .v4_ranges()
        .iter()
        .map(|&(a, b)| u128::from(b - a) + 1)
        .sum();
    let v6 = s.v6_ranges().iter().fold(0u128, |acc, &(a, b)| {
        acc.saturating_add((b - a).saturating_add(1))
    });
    (v4 <= MAX_V4_COVER && v6 <= MAX_V6_COVER).then(|| v4.saturating_add(v6))
}

/// The side to file a rule under: the smaller indexable one. `<>` rules
/// match with either orientation and stay unindexed.
pub(crate) fn key_side(h: &Header) -> Option<Side> {
    if h.both {
        return None;
    }
    let cover = |s: &Option<Arc<IpSet>>| s.as_deref().and_then(coverage);
    match (cover(&h.src), cover(&h.dst)) {
        (Some(a), Some(b)) if b < a => Some(Side::Dst),
        (Some(_), _) => Some(Side::Src),
        (None, Some(_)) => Some(Side::Dst),
        (None, None) => None,
    }
}

/// Disjoint segments over one address family, each with its rules (CSR).
#[derive(Debug)]
struct Segments<T> {
    segs: Vec<(T, T)>,
    start: Vec<u32>,
    rules: Vec<RuleId>,
}

impl<T: Bound> Segments<T> {
    /// Cuts `items` (inclusive range, rule) into segments. None when the
    /// rule lists would exceed `budget` entries (heavily nested ranges).
    fn build(items: &[(T, T, RuleId)], budget: usize) -> Option<Segments<T>> {
        let mut by_lo: Vec<&(T, T, RuleId)> = items.iter().collect();
        by_lo.sort_unstable_by_key(|i| i.0);
        let mut by_hi = by_lo.clone();
        by_hi.sort_unstable_by_key(|i| i.1);
        let mut points: Vec<T> = items
            .iter()
            .flat_map(|&(lo, hi, _)| [Some(lo), hi.succ()])
            .flatten()
            .collect();
        points.sort_unstable();
        points.dedup();
        let mut out = Segments {
            segs: Vec::new(),
            start: vec![0],
            rules: Vec::new(),
        };
        let mut active: Vec<RuleId> = Vec::new();
        let (mut next_lo, mut next_hi) = (0, 0);
        for (k, &p) in points.iter().enumerate() {
            // Ranges that ended before p (all started earlier).
            while let Some(&&(_, hi, r)) = by_hi.get(next_hi).filter(|i| i.1 < p) {
                let _ = hi;
                if let Some(pos) = active.iter().position(|&x| x == r) {
                    active.swap_remove(pos);
                }
                next_hi += 1;
            }
            while let Some(&&(_, _, r)) = by_lo.get(next_lo).filter(|i| i.0 <= p) {
                active.push(r);
                next_lo += 1;
            }
            if active.is_empty() {
                continue;
            }
            let end = match points.get(k + 1) {
                Some(n) => n.pred().unwrap_or(p),
                None => T::MAX,
            };
            active.sort_unstable();
            out.segs.push((p, end));
            out.rules.extend_from_slice(&active);
            if out.rules.len() > budget {
                return None;
            }
            out.start
                .push(u32::try_from(out.rules.len()).unwrap_or(u32::MAX));
        }
        Some(out)
    }

    fn lookup(&self, x: T) -> &[RuleId] {
        let i = self.segs.partition_point(|&(_, hi)| hi < x);
        match (self.segs.get(i), self.start.get(i), self.start.get(i + 1)) {
            (Some(&(lo, _)), Some(&a), Some(&b)) if lo <= x => {
                self.rules.get(a as usize..b as usize).unwrap_or_default()
            }
            _ => &[],
        }
    }
}

/// Rules filed under the addresses of one side.
#[derive(Debug)]
pub(crate) struct AddrIndex {
    v4: Segments<u32>,
    v6: Segments<u128>,
}

impl AddrIndex {
    /// Indexes `rules` (id and the address set of the chosen side). None
    /// when the ranges nest too deeply to index cheaply: the caller then
    /// checks those rules on every packet instead.
    pub fn build<'a>(rules: impl Iterator<Item = (RuleId, &'a IpSet)>) -> Option<AddrIndex> {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (id, set) in rules {
            v4.extend(set.v4_ranges().iter().map(|&(a, b)| (a, b, id)));
            v6.extend(set.v6_ranges().iter().map(|&(a, b)| (a, b, id)));
        }
        let budget = |n: usize| n.saturating_mul(4).saturating_add(1 << 16);
        Some(AddrIndex {
            v4: Segments::build(&v4, budget(v4.len()))?,
            v6: Segments::build(&v6, budget(v6.len()))?,
        })
    }

    /// The rules filed under `ip`.
    pub fn lookup(&self, ip: IpAddr) -> &[RuleId] {
        match ip {
            IpAddr::V4(a) => self.v4.lookup(u32::from(a)),
            IpAddr::V6(a) => self.v6.lookup(u128::from(a)),
        }
    }

    /// Number of segments.
    #[cfg(test)]
    pub fn segments(&self) -> usize {
        self.v4.segs.len() + self.v6.segs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{v4, v6};

    fn a4(s: &str) -> u32 {
        u32::from(s.parse::<std::net::Ipv4Addr>().unwrap())
    }

    /// A set of IPv4 ranges written as `a-b` (or single addresses).
    fn set(ranges: &[&str]) -> IpSet {
        let r: Vec<(u32, u32)> = ranges
            .iter()
            .map(|t| match t.split_once('-') {
                Some((a, b)) => (a4(a), a4(b)),
                None => (a4(t), a4(t)),
            })
            .collect();
        IpSet::from_ranges(&r, &[])
    }

    #[test]
    fn overlapping_ranges_split_into_segments() {
        let net6 = u128::from("2001:db8::".parse::<std::net::Ipv6Addr>().unwrap());
        let sets = [
            (0, set(&["10.0.0.0-10.0.0.255", "192.0.2.7"])),
            (1, set(&["10.0.0.128-10.0.0.255"])),
            (
                2,
                IpSet::from_ranges(
                    &[(a4("192.0.2.7"), a4("192.0.2.7"))],
                    &[(net6, net6 + 0xffff)],
                ),
            ),
            (3, set(&["10.0.0.200"])),
        ];
        let idx = AddrIndex::build(sets.iter().map(|(id, s)| (*id, s))).unwrap();
        let cases: &[(IpAddr, &[RuleId])] = &[
            (v4(10, 0, 0, 1), &[0]),
            (v4(10, 0, 0, 127), &[0]),
            (v4(10, 0, 0, 128), &[0, 1]),
            (v4(10, 0, 0, 200), &[0, 1, 3]),
            (v4(10, 0, 0, 201), &[0, 1]),
            (v4(10, 0, 0, 255), &[0, 1]),
            (v4(10, 0, 1, 0), &[]),
            (v4(192, 0, 2, 7), &[0, 2]),
            (v4(192, 0, 2, 8), &[]),
            (v4(0, 0, 0, 0), &[]),
            (v4(255, 255, 255, 255), &[]),
            (v6("2001:db8::1"), &[2]),
            (v6("2001:db9::1"), &[]),
        ];
        for &(ip, want) in cases {
            assert_eq!(idx.lookup(ip), want, "{ip}");
        }
        assert_eq!(idx.segments(), 6);
    }

    #[test]
    fn ranges_reaching_the_top_of_the_space() {
        let s = set(&["255.255.255.0-255.255.255.255"]);
        let idx = AddrIndex::build([(7, &s)].into_iter()).unwrap();
        assert_eq!(idx.lookup(v4(255, 255, 255, 255)), &[7]);
        assert_eq!(idx.lookup(v4(255, 255, 254, 255)), &[] as &[RuleId]);
    }

    #[test]
    fn large_sets_are_not_indexed() {
        assert!(coverage(&set(&["10.0.0.0-10.255.255.255"])).is_some());
        assert!(coverage(&set(&["10.0.0.0-11.255.255.255"])).is_none());
        assert!(coverage(&IpSet::any()).is_none());
        assert!(coverage(&IpSet::from_ranges(&[], &[(0, 1 << 101)])).is_none());
        assert_eq!(coverage(&set(&["1.2.3.4", "1.2.3.10-1.2.3.11"])), Some(3));
    }

    #[test]
    fn deep_nesting_gives_up() {
        // 300 nested ranges: segment lists would hold ~45,000 entries.
        let items: Vec<(u32, u32, RuleId)> = (0..300u32)
            .map(|i| (0x0a00_0000 + i, 0x0a00_1000 - i, i))
            .collect();
        assert!(Segments::build(&items, 1000).is_none());
        assert!(Segments::build(&items, 100_000).is_some());
    }
}
