//! A literal set together with the rules each of its patterns makes
//! candidates: the part the packet and transaction prefilters share.

use crate::litset::{BuildError, LiteralSet};
use crate::meta::RuleId;

/// Patterns, their automaton, and the rules filed under each pattern.
#[derive(Debug)]
pub(crate) struct PatternIndex {
    set: LiteralSet,
    /// Global index of the first pattern, for the per-worker stamps.
    base: usize,
    /// CSR: rules of pattern `i` are `rules[start[i]..start[i + 1]]`.
    start: Vec<u32>,
    rules: Vec<RuleId>,
}

impl PatternIndex {
    /// `patterns[i]` makes `by_pattern[i]` candidates; `base` is the global
    /// index of `patterns[0]` (stamps are kept per global index).
    pub(crate) fn build(
        patterns: &[Vec<u8>],
        by_pattern: &[Vec<RuleId>],
        base: usize,
    ) -> Result<PatternIndex, BuildError> {
        let set = LiteralSet::new(patterns)?;
        let mut start = Vec::with_capacity(by_pattern.len() + 1);
        let mut rules = Vec::new();
        start.push(0);
        for rs in by_pattern {
            rules.extend_from_slice(rs);
            start.push(u32::try_from(rules.len()).unwrap_or(u32::MAX));
        }
        Ok(PatternIndex {
            set,
            base,
            start,
            rules,
        })
    }

    /// Number of patterns.
    pub(crate) fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Calls `add` with the rules of every pattern found in `data` whose
    /// stamp is not yet `gen` (each pattern's rules once per generation).
    #[inline]
    pub(crate) fn scan(
        &self,
        data: &[u8],
        pattern_stamps: &mut [u32],
        gen: u32,
        mut add: impl FnMut(RuleId),
    ) {
        self.set.for_each_match(data, |p| {
            let Some(stamp) = pattern_stamps.get_mut(self.base + p) else {
                return;
            };
            if *stamp == gen {
                return;
            }
            *stamp = gen;
            let (Some(&a), Some(&b)) = (self.start.get(p), self.start.get(p + 1)) else {
                return;
            };
            for &id in self.rules.get(a as usize..b as usize).unwrap_or_default() {
                add(id);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pattern_reports_its_rules_once_per_generation() {
        let pats = vec![b"abc".to_vec(), b"bc".to_vec()];
        let rules = vec![vec![7, 9], vec![9]];
        let ix = PatternIndex::build(&pats, &rules, 1).unwrap();
        assert_eq!(ix.len(), 2);
        let mut stamps = vec![0u32; 3];
        let mut got = Vec::new();
        ix.scan(b"abcABC", &mut stamps, 1, |r| got.push(r));
        got.sort_unstable();
        assert_eq!(got, [7, 9, 9]);
        got.clear();
        ix.scan(b"abc", &mut stamps, 1, |r| got.push(r));
        assert!(got.is_empty(), "same generation reports nothing again");
        ix.scan(b"xbc", &mut stamps, 2, |r| got.push(r));
        assert_eq!(got, [9]);
    }
}
