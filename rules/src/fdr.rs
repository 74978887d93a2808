//! A bucketed shift-or filter for literal sets of 16 to 3,000 patterns,
//! after Hyperscan's FDR ("Fast Data Retrieval"), case-insensitive; on
//! x86_64 eight positions per step in an SSE2 register (`sse::block`),
//! elsewhere one at a time.
//!
//! Patterns are spread over eight buckets per 64-bit state (two states,
//! sixteen buckets, past [`SPLIT_AT`] long patterns). A state holds, for
//! each of the last eight input positions (one byte lane each), one bit per
//! bucket: set when no pattern of that bucket can have its byte at that
//! distance from the end of its first eight bytes. Each input byte shifts
//! the state by a lane and ORs in the table entry of its *domain* — the
//! byte lower-cased plus the low bits of the byte before it. A zero bit in
//! the top lane means every one of the (up to) eight positions before and
//! including this one was allowed by some pattern of that bucket: only
//! then are that bucket's patterns compared, through a small hash table on
//! the bytes of their window.
//!
//! Why: the per-position hash filter (`litset::Hashed`) pays a multiply,
//! two bitmap tests and two unpredictable branches per byte. Here a byte
//! costs a table load, a shift and an OR per state; the 16 KiB tables
//! stay near L1. `cargo bench --bench litset`: 2–2.5× the hashed filter's
//! speed at 20–1,000 ET fast patterns, 1.3× at 2,000, slower past ~3,000
//! (the buckets fill); on the benchmark corpus the matchers' share of the
//! pass fell by a fifth (perf samples; the corpus has long runs of zeros
//! and binary data, where ET's binary patterns keep buckets firing).

use crate::litset::{head_at, lower64, occurs_at, Buckets};

/// Bits of the previous byte folded into the domain (3 and 4 measured the
/// same on the corpus; 3 keeps each table at 16 KiB).
const PREV_BITS: u32 = 3;
/// Domain values: the current byte and `PREV_BITS` of the previous one.
const DOMAIN: usize = 1 << (8 + PREV_BITS);
const PREV_MASK: u32 = (1 << PREV_BITS) - 1;
/// Buckets per state: one bit each in a state lane.
const LANE_BUCKETS: usize = 8;
/// Sets with more long patterns than this get a second state (sixteen
/// buckets): past ~100 patterns a bucket, its lanes allow most text and
/// confirmation dominates (measured with `cargo bench --bench litset`).
const SPLIT_AT: usize = 800;

/// One pattern of a bucket, for confirmation.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// First (up to) eight lower-cased bytes, masked.
    head: u64,
    mask: u64,
    /// Bytes the shift-or part covers (`min(len, 8)`): the pattern starts
    /// `prefix - 1` bytes before the position that raised it.
    prefix: u32,
    pattern: u32,
}

/// A bucket's patterns in a hash table keyed on the last `key_len` bytes
/// of their prefix — all eight for buckets of long patterns, so a run of
/// zeros only meets the patterns whose window is all zeros (compressed
/// rows: slot `s` is `entries[start[s]..start[s + 1]]`).
#[derive(Debug)]
struct Confirm {
    key_len: u32,
    shift: u32,
    rows: Buckets<Entry>,
}

impl Confirm {
    fn build(key_len: u32, items: Vec<(u64, Entry)>) -> Confirm {
        let log2 = (items.len().max(1) * 2)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(1, 16);
        let shift = 32 - log2;
        let items = items
            .into_iter()
            .map(|(k, e)| (slot(k, shift), e))
            .collect();
        Confirm {
            key_len,
            shift,
            rows: Buckets::build(1usize << log2, items),
        }
    }

    #[inline(always)]
    fn slot(&self, key: u64) -> &[Entry] {
        self.rows.get(slot(key, self.shift))
    }

    fn memory_usage(&self) -> usize {
        self.rows.memory_usage()
    }
}

/// `0x0101…01`: a byte times this fills a word with it.
const ONES: u64 = 0x0101_0101_0101_0101;

/// Where the run of (lower-cased) `c` that covers `data[..from]`'s end
/// stops: the first position from `from` on holding another byte.
#[inline]
fn run_end(data: &[u8], mut from: usize, c: u8, word: u64) -> usize {
    while let Some(w) = data.get(from..from + 8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        if lower64(u64::from_le_bytes(b)) != word {
            break;
        }
        from += 8;
    }
    while data.get(from).is_some_and(|b| b.to_ascii_lowercase() == c) {
        from += 1;
    }
    from
}

/// The state after eight bytes of one domain value whose table entry is
/// `v`: every lane holds `v`'s bits for its distance.
#[inline]
fn flood_state(v: u64) -> u64 {
    (0..8).fold(0u64, |s, _| (s << 8) | v)
}

#[inline(always)]
fn slot(key: u64, shift: u32) -> usize {
    ((key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32 >> shift) as usize
}

/// Mask over the low `n` (1..=8) bytes of a little-endian word.
#[inline(always)]
fn low_bytes(n: usize) -> u64 {
    if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (n * 8)) - 1
    }
}

/// The `key_len` bytes of `bytes` ending at `end` (inclusive), lower-cased,
/// as a little-endian key; None when they would start before `bytes`.
#[inline(always)]
fn key_at(bytes: &[u8], end: usize, key_len: u32) -> Option<u64> {
    let n = key_len as usize;
    let from = (end + 1).checked_sub(n)?;
    Some(lower64(head_at(bytes, from)) & low_bytes(n))
}

/// The filter; see the module docs.
#[derive(Debug)]
pub(crate) struct Fdr {
    /// Lower-cased patterns.
    patterns: Vec<Box<[u8]>>,
    tables: Tables,
    /// Bucket `b` is bit `b % 8` of state `b / 8`.
    buckets: Vec<Confirm>,
    /// Per lower-cased byte `c`, the patterns whose first `min(len, 8)`
    /// bytes are all `c`, with how many leading `c`s they have: the only
    /// ones that can match inside a long run of `c` (see `flood`).
    floods: Buckets<(Entry, u32)>,
}

/// The shift-or tables: one per state; with two states, the entries of a
/// domain value sit side by side so a byte touches one cache line, not two.
#[derive(Debug)]
enum Tables {
    One(Box<[u64; DOMAIN]>),
    Two(Box<[[u64; 2]; DOMAIN]>),
}

#[inline(always)]
fn domain(prev: u32, cur: u32) -> usize {
    (((prev & PREV_MASK) << 8) | cur) as usize
}

impl Fdr {
    /// Builds the filter; `patterns` must be non-empty and none empty
    /// (the caller checks).
    pub(crate) fn build<P: AsRef<[u8]>>(patterns: &[P]) -> Fdr {
        let lowered: Vec<Box<[u8]>> = patterns
            .iter()
            .map(|p| p.as_ref().to_ascii_lowercase().into_boxed_slice())
            .collect();
        let long = lowered.iter().filter(|p| p.len() >= 4).count();
        let nstates = if long > SPLIT_AT { 2 } else { 1 };
        let nbuckets = nstates * LANE_BUCKETS;
        let assignment = assign_buckets(&lowered, nbuckets);
        let mut tables: Vec<Box<[u64; DOMAIN]>> =
            (0..nstates).map(|_| Box::new([u64::MAX; DOMAIN])).collect();
        let mut items: Vec<Vec<(u64, Entry)>> = (0..nbuckets).map(|_| Vec::new()).collect();
        let mut min_prefix = vec![8u32; nbuckets];
        for (i, p) in lowered.iter().enumerate() {
            if let Some(&b) = assignment.get(i) {
                if let Some(m) = min_prefix.get_mut(b) {
                    *m = (*m).min(p.len().min(8) as u32);
                }
            }
        }
        // Lanes some pattern does not reach, per bucket: allowed for
        // every domain value (applied once at the end).
        let mut anything = vec![0u64; nstates];
        for (i, p) in lowered.iter().enumerate() {
            let Some(&bucket) = assignment.get(i) else {
                continue;
            };
            let (sx, b) = (bucket / LANE_BUCKETS, bucket % LANE_BUCKETS);
            let (Some(table), Some(anything)) = (tables.get_mut(sx), anything.get_mut(sx)) else {
                continue;
            };
            let prefix = p.len().min(8);
            if prefix == 0 {
                continue;
            }
            let pre = p.get(..prefix).unwrap_or_default();
            // Distance k from the end of the prefix lives in lane 7 - k.
            for k in 0..8 {
                let bit = 1u64 << ((7 - k) * 8 + b);
                if k >= prefix {
                    // Before the pattern: any byte will do.
                    *anything |= bit;
                    continue;
                }
                let q = prefix - 1 - k;
                let cur = u32::from(pre[q]);
                if q >= 1 {
                    table[domain(u32::from(pre[q - 1]), cur)] &= !bit;
                } else {
                    for prev in 0..=PREV_MASK {
                        table[domain(prev, cur)] &= !bit;
                    }
                }
            }
            let n = prefix;
            let mask = low_bytes(n);
            let head = head_at(pre, 0) & mask;
            let key_len = min_prefix.get(bucket).copied().unwrap_or(1);
            if let Some(v) = items.get_mut(bucket) {
                v.push((
                    key_at(pre, n - 1, key_len).unwrap_or(0),
                    Entry {
                        head,
                        mask,
                        prefix: n as u32,
                        pattern: i as u32,
                    },
                ));
            }
        }
        for (table, anything) in tables.iter_mut().zip(anything) {
            for t in table.iter_mut() {
                *t &= !anything;
            }
        }
        let buckets = items
            .into_iter()
            .zip(min_prefix)
            .map(|(v, m)| Confirm::build(m, v))
            .collect();
        let tables = match tables.as_slice() {
            [t0, t1] => {
                let mut pairs = Box::new([[u64::MAX; 2]; DOMAIN]);
                for (p, (a, b)) in pairs.iter_mut().zip(t0.iter().zip(t1.iter())) {
                    *p = [*a, *b];
                }
                Tables::Two(pairs)
            }
            _ => Tables::One(
                tables
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Box::new([u64::MAX; DOMAIN])),
            ),
        };
        let floods = Buckets::build(
            256,
            lowered
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let c = *p.first()?;
                    let k = p.iter().take_while(|&&b| b == c).count();
                    let n = p.len().min(8);
                    (k >= n).then(|| {
                        let mask = low_bytes(n);
                        let head = head_at(p, 0) & mask;
                        let e = Entry {
                            head,
                            mask,
                            prefix: n as u32,
                            pattern: i as u32,
                        };
                        (usize::from(c), (e, k as u32))
                    })
                })
                .collect(),
        );
        Fdr {
            patterns: lowered,
            tables,
            buckets,
            floods,
        }
    }

    /// Calls `f` with the index of every pattern occurrence in `data`.
    pub(crate) fn scan(&self, data: &[u8], mut f: impl FnMut(usize)) {
        match &self.tables {
            Tables::One(t) => self.scan_with(data, |d| (t[d], u64::MAX), false, &mut f),
            Tables::Two(t) => self.scan_with(data, |d| (t[d][0], t[d][1]), true, &mut f),
        }
    }

    /// The shift-or loop over one or two states (`two` false: the second
    /// state is not consulted). The two states are independent chains, so
    /// the second costs far less than a second pass; their top lanes are
    /// ANDed for one test per byte.
    #[inline(always)]
    fn scan_with<F: FnMut(usize)>(
        &self,
        data: &[u8],
        row: impl Fn(usize) -> (u64, u64),
        two: bool,
        f: &mut F,
    ) {
        // Lanes coming from before the data allow everything: the confirm
        // step rejects patterns that would start before it.
        let (mut s0, mut s1) = (0u64, if two { 0 } else { u64::MAX });
        let mut prev = 0u32;
        let mut at = 0;
        let step = |at: usize, cur: u32, prev: u32, s0: &mut u64, s1: &mut u64, f: &mut F| {
            let (v0, v1) = row(domain(prev, cur) & (DOMAIN - 1));
            *s0 = (*s0 << 8) | v0;
            if two {
                *s1 = (*s1 << 8) | v1;
            }
            if (*s0 & *s1) >> 56 != 0xff {
                let lanes = (*s0 >> 56) as u16 | (((*s1 >> 56) as u16) << 8);
                self.confirm(data, at, lanes, f);
            }
        };
        let mut last_word = !0u64;
        while let Some(w) = data.get(at..at + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            let word = lower64(u64::from_le_bytes(b));
            if word == last_word && word == (word & 0xff).wrapping_mul(ONES) {
                // Sixteen bytes of one value: skip to eight before the
                // run's end, where the state is again what eight bytes of
                // it make; `flood` reports what the skipped part holds.
                let c = (word & 0xff) as u8;
                let end = run_end(data, at + 8, c, word);
                let resume = end - 8;
                if resume > at {
                    self.flood(data, c, at, resume, end, f);
                    let (v0, v1) = row(domain(u32::from(c), u32::from(c)));
                    s0 = flood_state(v0);
                    if two {
                        s1 = flood_state(v1);
                    }
                    prev = u32::from(c);
                    at = resume;
                    last_word = !0;
                    continue;
                }
            }
            last_word = word;
            #[cfg(target_arch = "x86_64")]
            {
                // Eight positions at once (see `sse::block`): the table
                // loads stay scalar, the shifts, ORs and the test run in a
                // vector register, once per eight bytes.
                let mut v0 = [0u64; 8];
                let mut v1 = [0u64; 8];
                let mut pv = prev;
                for (i, (a, b)) in v0.iter_mut().zip(v1.iter_mut()).enumerate() {
                    let cur = ((word >> (8 * i)) & 0xff) as u32;
                    (*a, *b) = row(domain(pv, cur) & (DOMAIN - 1));
                    pv = cur;
                }
                prev = pv;
                // SAFETY: SSE2 is part of every x86_64 target.
                let (n0, x0) = unsafe { sse::block(s0, &v0) };
                let (n1, x1) = if two {
                    // SAFETY: as above.
                    unsafe { sse::block(s1, &v1) }
                } else {
                    (u64::MAX, u64::MAX)
                };
                // A byte of `!(x0 & x1)` that is not zero is a position
                // some bucket allows; visit only those, in order.
                let mut live = !(x0 & x1);
                while live != 0 {
                    let k = live.leading_zeros() / 8;
                    let shift = 56 - 8 * k;
                    let (b0, b1) = ((x0 >> shift) as u8, (x1 >> shift) as u8);
                    self.confirm(
                        data,
                        at + k as usize,
                        u16::from(b0) | (u16::from(b1) << 8),
                        f,
                    );
                    live &= !(0xff << shift);
                }
                (s0, s1) = (n0, n1);
                at += 8;
                continue;
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                for k in 0..8 {
                    let cur = ((word >> (8 * k)) & 0xff) as u32;
                    step(at + k, cur, prev, &mut s0, &mut s1, f);
                    prev = cur;
                }
                at += 8;
            }
        }
        while at < data.len() {
            let cur = (lower64(head_at(data, at)) & 0xff) as u32;
            step(at, cur, prev, &mut s0, &mut s1, f);
            prev = cur;
            at += 1;
        }
    }

    /// Reports the patterns whose prefix ends in `from..to`, all inside a
    /// run of `c` that goes on to `end` (exclusive): their prefixes are
    /// all `c`. A pattern of `c`s alone occurs if it fits at the first
    /// such start (once is enough: the callers keep one hit per pattern);
    /// one with `k` leading `c`s and something else after can only start
    /// `k` bytes before the run's end.
    #[cold]
    #[inline(never)]
    fn flood(
        &self,
        data: &[u8],
        c: u8,
        from: usize,
        to: usize,
        end: usize,
        f: &mut impl FnMut(usize),
    ) {
        for &(e, k) in self.floods.get(usize::from(c)) {
            let Some(p) = self.patterns.get(e.pattern as usize) else {
                continue;
            };
            let n = e.prefix as usize;
            let start = if k as usize >= p.len() {
                (from + 1).saturating_sub(n)
            } else {
                match end.checked_sub(k as usize) {
                    Some(s) if (from..to).contains(&(s + n - 1)) => s,
                    _ => continue,
                }
            };
            if self.verify(data, start, &e) {
                f(e.pattern as usize);
            }
        }
    }

    /// Compares the patterns of the buckets whose bit is clear in `lane`
    /// whose prefix would end at `end`.
    #[cold]
    #[inline(never)]
    fn confirm(&self, data: &[u8], end: usize, lanes: u16, f: &mut impl FnMut(usize)) {
        let mut live = !lanes;
        while live != 0 {
            let b = live.trailing_zeros() as usize;
            live &= live - 1;
            let Some(c) = self.buckets.get(b) else {
                continue;
            };
            let Some(key) = key_at(data, end, c.key_len) else {
                continue;
            };
            for e in c.slot(key) {
                let p = e.prefix as usize;
                if end + 1 < p {
                    continue;
                }
                let start = end + 1 - p;
                if self.verify(data, start, e) {
                    f(e.pattern as usize);
                }
            }
        }
    }

    /// Whether pattern `e` occurs at `at`.
    #[inline(always)]
    fn verify(&self, data: &[u8], at: usize, e: &Entry) -> bool {
        let head = lower64(head_at(data, at));
        occurs_at(
            data,
            at,
            head,
            (e.head, e.mask),
            self.patterns.get(e.pattern as usize).map(|p| &p[..]),
        )
    }

    /// Heap bytes used.
    pub(crate) fn memory_usage(&self) -> usize {
        self.patterns.iter().map(|p| p.len() + 16).sum::<usize>()
            + match self.tables {
                Tables::One(_) => DOMAIN * 8,
                Tables::Two(_) => DOMAIN * 16,
            }
            + self
                .buckets
                .iter()
                .map(Confirm::memory_usage)
                .sum::<usize>()
            + self.floods.memory_usage()
    }
}

/// Spreads patterns over the buckets. Short patterns constrain few lanes,
/// and leave the lanes before them unconstrained for their whole bucket:
/// one-byte, two-byte, three-byte and longer patterns get buckets of their
/// own. The long ones, sorted by prefix length and then bytes (neighbours
/// share bytes, which keeps each bucket's allowed domains few), are cut
/// into runs by [`split_runs`], which gives short prefixes smaller
/// buckets.
fn assign_buckets(patterns: &[Box<[u8]>], nbuckets: usize) -> Vec<usize> {
    let mut out = vec![0usize; patterns.len()];
    let mut by_class: [Vec<usize>; 4] = Default::default();
    for (i, p) in patterns.iter().enumerate() {
        let c = p.len().clamp(1, 4) - 1;
        by_class[c].push(i);
    }
    let mut next = 0usize;
    for class in &by_class[..3] {
        if !class.is_empty() {
            for &i in class {
                out[i] = next;
            }
            next += 1;
        }
    }
    let mut long = std::mem::take(&mut by_class[3]);
    if long.is_empty() {
        return out;
    }
    long.sort_by(|&a, &b| {
        let (pa, pb) = (&patterns[a], &patterns[b]);
        pa.len()
            .min(8)
            .cmp(&pb.len().min(8))
            .then_with(|| pa.cmp(pb))
    });
    let lens: Vec<usize> = long.iter().map(|&i| patterns[i].len().min(8)).collect();
    let runs = split_runs(&lens, nbuckets - next);
    for (b, run) in runs.windows(2).enumerate() {
        for &i in long.get(run[0]..run[1]).unwrap_or_default() {
            out[i] = next + b;
        }
    }
    out
}

/// Cuts `lens` (prefix lengths, ascending) into at most `nb` runs that
/// minimise the sum of the runs' estimated false-positive cost, returned
/// as boundaries (`0 = b0 < b1 < … = lens.len()`).
///
/// The cost of a run grows faster than its size and falls with the
/// square of its shortest prefix, a cost model in the spirit of
/// Hyperscan's FDR compiler: a bucket of four-byte patterns constrains
/// only four lanes, so ordinary text passes it far more often than a
/// bucket of eight-byte ones. Confirmations over the benchmark corpus
/// with ET Open: 6.1 M with an even split (4.1 M of them through the
/// four-byte bucket), 4.7 M with Hyperscan's exponents (size^1.05 /
/// length^3), 4.0 M with these (size^1.3 / length^2; 1.5/3, 2/3 and 2/4
/// measured within 1 %). Cuts are placed on a grid of at most 64 points
/// (plus every change of length) so the dynamic programme stays tiny.
fn split_runs(lens: &[usize], nb: usize) -> Vec<usize> {
    let n = lens.len();
    let step = n.div_ceil(64).max(1);
    let mut grid: Vec<usize> = (0..n).step_by(step).collect();
    grid.extend((1..n).filter(|&i| lens[i] != lens[i - 1]));
    grid.push(n);
    grid.sort_unstable();
    grid.dedup();
    let m = grid.len();
    // cost[a][b]: the run from grid point a to grid point b.
    let cost: Vec<Vec<f64>> = (0..m)
        .map(|a| {
            let len = lens.get(grid[a]).copied().unwrap_or(8) as f64;
            (0..m)
                .map(|b| {
                    let count = grid[b].saturating_sub(grid[a]) as f64;
                    count.powf(1.3) / (len * len)
                })
                .collect()
        })
        .collect();
    // best[k][j]: cheapest cover of grid[0..=j] by k runs; from[k][j]: the
    // start of the last one.
    let nb = nb.clamp(1, m - 1);
    let mut best = vec![vec![f64::INFINITY; m]; nb + 1];
    let mut from = vec![vec![0usize; m]; nb + 1];
    best[0][0] = 0.0;
    for k in 1..=nb {
        for j in 1..m {
            for i in (k - 1)..j {
                let c = best[k - 1][i] + cost[i][j];
                if c < best[k][j] {
                    best[k][j] = c;
                    from[k][j] = i;
                }
            }
        }
    }
    let k = (1..=nb)
        .min_by(|&a, &b| best[a][m - 1].total_cmp(&best[b][m - 1]))
        .unwrap_or(1);
    let mut cuts = vec![grid[m - 1]];
    let (mut k, mut j) = (k, m - 1);
    while k > 0 {
        j = from[k][j];
        cuts.push(grid[j]);
        k -= 1;
    }
    cuts.reverse();
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_patterns_and_short_prefixes_get_smaller_buckets() {
        // 400 four-byte prefixes, then 400 eight-byte ones, into 6 buckets.
        let lens: Vec<usize> = (0..800).map(|i| if i < 400 { 4 } else { 8 }).collect();
        let cuts = split_runs(&lens, 6);
        assert_eq!(cuts.first(), Some(&0));
        assert_eq!(cuts.last(), Some(&800));
        assert!(cuts.windows(2).all(|w| w[0] < w[1]), "{cuts:?}");
        assert!(cuts.len() <= 7, "{cuts:?}");
        // The four-byte patterns get more buckets than the eight-byte ones.
        let short = cuts.windows(2).filter(|w| w[0] < 400).count();
        assert!(short > 6 - short, "{cuts:?}");
        // Degenerate inputs.
        assert_eq!(split_runs(&[5], 6), vec![0, 1]);
        assert_eq!(split_runs(&[4, 4, 4], 1), vec![0, 3]);
    }

    /// The SSE2 step over eight positions gives the state and the check
    /// lanes the scalar step gives one position at a time.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sse_block_equals_eight_scalar_steps() {
        let mut seed = 0x0123_4567_89ab_cdefu64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mostly allowed (zero) bytes, some constrained.
            seed & seed.rotate_left(17) & seed.rotate_left(31)
        };
        for _ in 0..1_000 {
            let s = next();
            let v: [u64; 8] = std::array::from_fn(|_| next());
            let mut st = s;
            let mut lanes = 0u64;
            for (j, w) in v.iter().enumerate() {
                st = (st << 8) | w;
                lanes |= (st >> 56) << (8 * (7 - j));
            }
            // SAFETY: SSE2 is part of every x86_64 target.
            let got = unsafe { sse::block(s, &v) };
            assert_eq!(got, (st, lanes), "s {s:#x} v {v:x?}");
        }
    }

    #[test]
    fn a_pattern_inside_a_long_run_is_reported() {
        let pats: Vec<Vec<u8>> = vec![vec![0; 50], [vec![0; 30], b"z".to_vec()].concat()];
        let f = Fdr::build(&pats);
        let mut data = vec![b'q'; 10];
        data.extend(std::iter::repeat_n(0u8, 100));
        data.push(b'z');
        let mut got = Vec::new();
        f.scan(&data, |p| got.push(p));
        got.sort_unstable();
        got.dedup();
        assert_eq!(got, [0, 1]);
    }
}

/// The shift-or step for eight positions at once, as Hyperscan's FDR
/// does it with SIMD: the table word of position `i` is shifted up by
/// `7 - i` bytes, so its constraint for distance `k` lands on the check
/// lane of position `i + k`; the eight are ORed with the previous state
/// carried eight lanes up, and bytes 7..14 of the sum are the check lanes
/// of positions 0..7. The scalar loop shifts and tests the state once per
/// byte, a chain of dependent instructions; here the eight words are
/// independent and the test runs once. Worker samples on the benchmark
/// corpus: −7 % (four interleaved pairs, eve.json identical).
#[cfg(target_arch = "x86_64")]
mod sse {
    use core::arch::x86_64::*;

    /// Returns the state after the eight positions (the scalar loop's
    /// `s`, so the two forms can alternate) and their check lanes
    /// (position `j` in byte `7 - j`).
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn block(s: u64, v: &[u64; 8]) -> (u64, u64) {
        let x = |k: usize| _mm_cvtsi64_si128(v[k] as i64);
        let a = _mm_or_si128(_mm_slli_si128::<7>(x(0)), _mm_slli_si128::<6>(x(1)));
        let b = _mm_or_si128(_mm_slli_si128::<5>(x(2)), _mm_slli_si128::<4>(x(3)));
        let c = _mm_or_si128(_mm_slli_si128::<3>(x(4)), _mm_slli_si128::<2>(x(5)));
        let d = _mm_or_si128(_mm_slli_si128::<1>(x(6)), x(7));
        let carry = _mm_slli_si128::<8>(_mm_cvtsi64_si128(s as i64));
        let acc = _mm_or_si128(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)), carry);
        let low = _mm_cvtsi128_si64(acc) as u64;
        let lanes = _mm_cvtsi128_si64(_mm_srli_si128::<7>(acc)) as u64;
        (low, lanes)
    }
}
