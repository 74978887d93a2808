//! Case-insensitive multi-literal search that reports every pattern that
//! occurs (overlaps included; a pattern may be reported more than once):
//! the engine under both prefilters, which keep one hit per pattern.
//!
//! Three engines, chosen by set size (`cargo bench --bench litset` compares
//! them on ET Open's fast patterns):
//!
//! - up to [`FDR_MIN_PATTERNS`] patterns, aho-corasick (its DFA, or the
//!   crate's packed searchers for a handful of literals);
//! - up to [`FDR_MAX_PATTERNS`], a bucketed shift-or filter after
//!   Hyperscan's FDR (`fdr.rs`): a table load, a shift and an OR per byte
//!   from a 32 KiB table, 2–2.5× faster than the others at 20–1,000
//!   patterns. ET Open's largest groups hold ~1,900 patterns.
//! - beyond, where FDR's buckets fill and let most text through, a hashed
//!   filter in the spirit of Wu–Manber: at each position the first four
//!   bytes, lower-cased four at a time, are hashed into a bitmap of a few
//!   KiB that stays in L1; only on a set bit are the patterns of that
//!   bucket compared, first by an 8-byte head (one masked compare each),
//!   then in full. Patterns shorter than four bytes get exact 1- and 2-byte
//!   tables.
//!
//! Large aho-corasick DFAs were the first problem here: the `tcp any`
//! group of ET Open (~1,200 fast patterns) made a 14.6 MB DFA, every byte
//! missed the cache and the scan ran at ~7 ns/byte, a quarter of the pass.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

/// Sets with more patterns than this use the shift-or filter. The litset
/// bench has it ahead of aho-corasick from 4 patterns (112 vs 190 µs) and
/// level at 2, but building a 16 KiB table for every small transaction
/// list cost 0.2 s of start-up for no measurable pass gain.
pub const FDR_MIN_PATTERNS: usize = 16;

/// Sets with more patterns than this use the hashed filter.
pub const FDR_MAX_PATTERNS: usize = 3_000;

/// Sets whose patterns total at most this many bytes may use a DFA.
const DFA_MAX_PATTERN_BYTES: usize = 20_000;

/// An aho-corasick automaton larger than this is replaced by a filter:
/// past about a megabyte the DFA no longer stays in cache, and several
/// such groups cost real memory (UDP's ~150 patterns made 1.5 MB).
const AC_MAX_BYTES: usize = 1 << 20;

/// Why a set could not be built.
#[derive(Debug, thiserror::Error)]
#[error("literal set: {0}")]
pub struct BuildError(String);

/// A compiled set of literals; see the module docs.
#[derive(Debug)]
pub struct LiteralSet {
    imp: Imp,
}

#[derive(Debug)]
enum Imp {
    Ac(AhoCorasick),
    Hashed(Box<Hashed>),
    Fdr(Box<crate::fdr::Fdr>),
}

/// Which engine to use; `Auto` picks by size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// By pattern count and automaton size.
    Auto,
    /// aho-corasick (DFA while small enough).
    AhoCorasick,
    /// The hashed filter.
    Hashed,
    /// The bucketed shift-or filter (`fdr.rs`).
    Fdr,
}

impl LiteralSet {
    /// Builds a set over `patterns` (matched ASCII case-insensitively;
    /// an empty pattern is an error). Reported indices are positions in
    /// `patterns`.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<LiteralSet, BuildError> {
        LiteralSet::with_engine(patterns, Engine::Auto)
    }

    /// Like [`LiteralSet::new`] with an explicit engine.
    pub fn with_engine<P: AsRef<[u8]>>(
        patterns: &[P],
        engine: Engine,
    ) -> Result<LiteralSet, BuildError> {
        if patterns.iter().any(|p| p.as_ref().is_empty()) {
            return Err(BuildError("empty pattern".into()));
        }
        let n = patterns.len();
        let filter = || -> Result<Imp, BuildError> {
            Ok(if n > FDR_MAX_PATTERNS {
                Imp::Hashed(Box::new(Hashed::build(patterns)?))
            } else {
                Imp::Fdr(Box::new(crate::fdr::Fdr::build(patterns)))
            })
        };
        let imp = match engine {
            Engine::Hashed => Imp::Hashed(Box::new(Hashed::build(patterns)?)),
            Engine::Fdr => Imp::Fdr(Box::new(crate::fdr::Fdr::build(patterns))),
            Engine::AhoCorasick => Imp::Ac(build_ac(patterns)?),
            Engine::Auto if n > FDR_MIN_PATTERNS || dfa_estimate(patterns) > 2 * AC_MAX_BYTES => {
                filter()?
            }
            Engine::Auto => {
                let ac = build_ac(patterns)?;
                if ac.memory_usage() > AC_MAX_BYTES {
                    filter()?
                } else {
                    Imp::Ac(ac)
                }
            }
        };
        Ok(LiteralSet { imp })
    }

    /// Calls `f` with the index of each pattern occurring in `data`, in
    /// no particular order: at least once, and at most once per
    /// occurrence (the shift-or filter reports a pattern inside a long
    /// run of one byte once for the whole run).
    #[inline]
    pub fn for_each_match(&self, data: &[u8], mut f: impl FnMut(usize)) {
        if data.is_empty() {
            return;
        }
        match &self.imp {
            Imp::Ac(ac) => {
                let Ok(iter) = ac.try_find_overlapping_iter(Input::new(data)) else {
                    return;
                };
                for m in iter {
                    f(m.pattern().as_usize());
                }
            }
            Imp::Hashed(h) => h.scan(data, f),
            Imp::Fdr(h) => h.scan(data, f),
        }
    }

    /// Heap bytes used by the set.
    pub fn memory_usage(&self) -> usize {
        match &self.imp {
            Imp::Ac(ac) => ac.memory_usage(),
            Imp::Hashed(h) => h.memory_usage(),
            Imp::Fdr(h) => h.memory_usage(),
        }
    }

    /// Whether one of the filters (rather than aho-corasick) is in use.
    pub fn is_hashed(&self) -> bool {
        matches!(self.imp, Imp::Hashed(_) | Imp::Fdr(_))
    }
}

/// A rough upper bound of a case-insensitive DFA's size: one state per
/// pattern byte (the trie before prefix sharing), one 4-byte transition per
/// byte class, classes being the distinct bytes in either case. Saves
/// building an automaton only to throw it away.
fn dfa_estimate<P: AsRef<[u8]>>(patterns: &[P]) -> usize {
    let mut seen = [false; 256];
    let mut states = 1usize;
    for p in patterns {
        let p = p.as_ref();
        states += p.len();
        for &b in p {
            seen[usize::from(b.to_ascii_lowercase())] = true;
            seen[usize::from(b.to_ascii_uppercase())] = true;
        }
    }
    let classes = seen.iter().filter(|&&s| s).count() + 1;
    states.saturating_mul(classes).saturating_mul(4)
}

fn build_ac<P: AsRef<[u8]>>(patterns: &[P]) -> Result<AhoCorasick, BuildError> {
    // A DFA scans fastest but costs up to ~1 KiB per state; use it while
    // the set is small enough, else let the crate pick (contiguous NFA).
    let total: usize = patterns.iter().map(|p| p.as_ref().len()).sum();
    let kind = (total <= DFA_MAX_PATTERN_BYTES).then_some(AhoCorasickKind::DFA);
    let builder = |kind| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(patterns)
    };
    builder(kind)
        .or_else(|_| builder(None))
        .map_err(|e| BuildError(e.to_string()))
}

/// Lower-cases the ASCII letters of eight bytes at once.
#[inline(always)]
pub(crate) fn lower64(x: u64) -> u64 {
    let low7 = x & 0x7f7f_7f7f_7f7f_7f7f;
    // Per byte (no carries: each is at most 0x7f + 0x3f): bit 7 of
    // `low7 + 0x3f` is set from 'A' up, of `low7 + 0x25` from '[' up.
    let upper = (low7 + 0x3f3f_3f3f_3f3f_3f3f)
        & !(low7 + 0x2525_2525_2525_2525)
        & !x
        & 0x8080_8080_8080_8080;
    x | (upper >> 2)
}

/// Up to eight bytes of `data` from `at`, little-endian, zero-filled.
#[inline(always)]
pub(crate) fn head_at(data: &[u8], at: usize) -> u64 {
    match data.get(at..at + 8) {
        Some(w) => {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            u64::from_le_bytes(b)
        }
        None => {
            let mut b = [0u8; 8];
            let rest = data.get(at..).unwrap_or_default();
            for (d, s) in b.iter_mut().zip(rest) {
                *d = *s;
            }
            u64::from_le_bytes(b)
        }
    }
}

/// Whether lower-cased `pattern` occurs at `at` in `data`, given `head`,
/// the lower-cased eight bytes there, and the pattern's own masked head:
/// one masked compare, then the rest case-insensitively. Shared by both
/// filters' confirmation steps.
#[inline(always)]
pub(crate) fn occurs_at(
    data: &[u8],
    at: usize,
    head: u64,
    (want, mask): (u64, u64),
    pattern: Option<&[u8]>,
) -> bool {
    if head & mask != want {
        return false;
    }
    let Some(p) = pattern else {
        return false;
    };
    if p.len() <= 8 {
        // The head compare covered the whole pattern; make sure it was not
        // zero fill past the end of the data.
        return at + p.len() <= data.len();
    }
    match data.get(at + 8..at + p.len()) {
        Some(rest) => rest.eq_ignore_ascii_case(p.get(8..).unwrap_or_default()),
        None => false,
    }
}

/// One pattern in a bucket: its first (up to) eight lower-cased bytes with
/// a mask over them, for a one-compare reject.
#[derive(Debug, Clone, Copy)]
struct Entry {
    head: u64,
    mask: u64,
    pattern: u32,
}

/// Buckets in compressed sparse rows: bucket `b` holds
/// `entries[start[b]..start[b + 1]]` (shared with the shift-or filter's
/// confirmation tables).
#[derive(Debug)]
pub(crate) struct Buckets<E> {
    start: Vec<u32>,
    entries: Vec<E>,
}

impl<E: Copy> Buckets<E> {
    /// `items` are (bucket, entry); buckets at or past `nbuckets` are
    /// dropped (callers hash into range).
    pub(crate) fn build(nbuckets: usize, items: Vec<(usize, E)>) -> Buckets<E> {
        let mut counts = vec![0u32; nbuckets + 1];
        let items: Vec<(usize, E)> = items.into_iter().filter(|(b, _)| *b < nbuckets).collect();
        for (b, _) in &items {
            if let Some(c) = counts.get_mut(b + 1) {
                *c += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut entries: Vec<Option<E>> = vec![None; items.len()];
        for (b, e) in items {
            if let Some(slot) = fill.get_mut(b) {
                if let Some(dst) = entries.get_mut(*slot as usize) {
                    *dst = Some(e);
                }
                *slot += 1;
            }
        }
        Buckets {
            start: counts,
            entries: entries.into_iter().flatten().collect(),
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self, b: usize) -> &[E] {
        match (self.start.get(b), self.start.get(b + 1)) {
            (Some(&a), Some(&z)) => self.entries.get(a as usize..z as usize).unwrap_or_default(),
            _ => &[],
        }
    }

    pub(crate) fn memory_usage(&self) -> usize {
        self.start.len() * 4 + self.entries.len() * std::mem::size_of::<E>()
    }
}

/// The hashed filter (see the module docs).
#[derive(Debug)]
struct Hashed {
    /// Lower-cased patterns.
    patterns: Vec<Box<[u8]>>,
    /// Patterns of one byte, by that (lower-cased) byte.
    one: Option<Buckets<Entry>>,
    /// Patterns of two or three bytes: bitmap over the lower-cased first
    /// two bytes (65,536 bits) and buckets by those bytes' hash.
    two_bits: Vec<u64>,
    two: Option<Buckets<Entry>>,
    /// Patterns of four bytes and more: bitmap over a hash of the first
    /// four, `1 << four_log2` bits; a bucket per 8 bits.
    four_bits: Vec<u64>,
    four_shift: u32,
    four: Option<Buckets<Entry>>,
}

const TWO_BUCKET_LOG2: u32 = 12;

#[inline(always)]
fn hash32(key: u32, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> shift) as usize
}

#[inline(always)]
fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i >> 6)
        .is_some_and(|w| w & (1u64 << (i & 63)) != 0)
}

fn set_bit(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i >> 6) {
        *w |= 1u64 << (i & 63);
    }
}

impl Hashed {
    fn build<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Hashed, BuildError> {
        if u32::try_from(patterns.len()).is_err() {
            return Err(BuildError(format!(
                "{} patterns is too many",
                patterns.len()
            )));
        }
        let lowered: Vec<Box<[u8]>> = patterns
            .iter()
            .map(|p| p.as_ref().to_ascii_lowercase().into_boxed_slice())
            .collect();
        let entry = |i: usize, p: &[u8]| {
            let n = p.len().min(8);
            let head = head_at(p, 0);
            let mask = if n == 8 {
                u64::MAX
            } else {
                (1u64 << (n * 8)) - 1
            };
            Entry {
                head: head & mask,
                mask,
                pattern: i as u32,
            }
        };
        let mut ones = Vec::new();
        let mut twos = Vec::new();
        let mut fours = Vec::new();
        for (i, p) in lowered.iter().enumerate() {
            match p.len() {
                0 => {}
                1 => ones.push((usize::from(p[0]), entry(i, p))),
                2 | 3 => twos.push((i, p)),
                _ => fours.push((i, p)),
            }
        }
        let one = (!ones.is_empty()).then(|| Buckets::build(256, ones));
        let mut two_bits = Vec::new();
        let two = if twos.is_empty() {
            None
        } else {
            two_bits = vec![0u64; 65_536 / 64];
            let mut items = Vec::with_capacity(twos.len());
            for (i, p) in twos {
                let key = u16::from_le_bytes([p[0], p[1]]);
                set_bit(&mut two_bits, usize::from(key));
                items.push((hash32(u32::from(key), 32 - TWO_BUCKET_LOG2), entry(i, p)));
            }
            Some(Buckets::build(1 << TWO_BUCKET_LOG2, items))
        };
        // About 64 bits per pattern keeps false hits near 1.5 %; at least
        // 4 KiB, at most 128 KiB of bitmap.
        let log2 = (fours.len().max(1) * 64)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(15, 20);
        let four_shift = 32 - log2;
        let mut four_bits = Vec::new();
        let four = if fours.is_empty() {
            None
        } else {
            four_bits = vec![0u64; (1usize << log2) / 64];
            let mut items = Vec::with_capacity(fours.len());
            for (i, p) in fours {
                let key = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
                let h = hash32(key, four_shift);
                set_bit(&mut four_bits, h);
                items.push((h >> 3, entry(i, p)));
            }
            Some(Buckets::build(1usize << (log2 - 3), items))
        };
        Ok(Hashed {
            patterns: lowered,
            one,
            two_bits,
            two,
            four_bits,
            four_shift,
            four,
        })
    }

    /// Whether pattern `e` occurs at `at`, given the lower-cased head there.
    #[inline(always)]
    fn verify(&self, data: &[u8], at: usize, head: u64, e: &Entry) -> bool {
        occurs_at(
            data,
            at,
            head,
            (e.head, e.mask),
            self.patterns.get(e.pattern as usize).map(|p| &p[..]),
        )
    }

    fn scan(&self, data: &[u8], mut f: impl FnMut(usize)) {
        let n = data.len();
        let mut at = 0;
        // Bulk: one 8-byte load, lower-cased once, serves four positions
        // (each needs at most its next four bytes for the filters).
        while let Some(w) = data.get(at..at + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            let word = lower64(u64::from_le_bytes(b));
            for k in 0..4 {
                self.position(data, at + k, word >> (8 * k), 4, &mut f);
            }
            at += 4;
        }
        while at < n {
            let word = lower64(head_at(data, at));
            self.position(data, at, word, n - at, &mut f);
            at += 1;
        }
    }

    /// Filters and verifies the patterns starting at `at`; `word` holds the
    /// lower-cased bytes from `at` (at least `min(avail, 4)` of them valid).
    #[inline(always)]
    fn position(&self, data: &[u8], at: usize, word: u64, avail: usize, f: &mut impl FnMut(usize)) {
        if let Some(four) = &self.four {
            if avail >= 4 {
                let h = hash32(word as u32, self.four_shift);
                if bit(&self.four_bits, h) {
                    self.verify_bucket(data, at, four.get(h >> 3), f);
                }
            }
        }
        if let Some(two) = &self.two {
            if avail >= 2 {
                let key = word as u16;
                if bit(&self.two_bits, usize::from(key)) {
                    let b = hash32(u32::from(key), 32 - TWO_BUCKET_LOG2);
                    self.verify_bucket(data, at, two.get(b), f);
                }
            }
        }
        if let Some(one) = &self.one {
            for e in one.get(usize::from(word as u8)) {
                f(e.pattern as usize);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn verify_bucket(&self, data: &[u8], at: usize, bucket: &[Entry], f: &mut impl FnMut(usize)) {
        let head = lower64(head_at(data, at));
        for e in bucket {
            if self.verify(data, at, head, e) {
                f(e.pattern as usize);
            }
        }
    }

    fn memory_usage(&self) -> usize {
        self.patterns.iter().map(|p| p.len() + 16).sum::<usize>()
            + self.two_bits.len() * 8
            + self.four_bits.len() * 8
            + [&self.one, &self.two, &self.four]
                .iter()
                .filter_map(|b| b.as_ref().map(Buckets::memory_usage))
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pattern that occurs, the slow obvious way.
    fn naive(patterns: &[&[u8]], data: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if p.is_empty() || p.len() > data.len() {
                continue;
            }
            for w in data.windows(p.len()) {
                if w.eq_ignore_ascii_case(p) {
                    out.push(i);
                    break;
                }
            }
        }
        out
    }

    /// A small deterministic generator: no dependency, same run each time.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// The patterns `set` reports, each once.
    fn found(set: &LiteralSet, data: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        set.for_each_match(data, |i| out.push(i));
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn lower_case_folds_letters_only() {
        for b in 0..=255u8 {
            let x = u64::from_le_bytes([b, b'A', b, b'z', b'Z', b, b'@', b'[']);
            let l = b.to_ascii_lowercase();
            let want = u64::from_le_bytes([l, b'a', l, b'z', b'z', l, b'@', b'[']);
            assert_eq!(lower64(x), want, "byte {b:#x}");
        }
    }

    #[test]
    fn both_engines_agree_with_naive_search() {
        let patterns: Vec<&[u8]> = vec![
            b"GET ",
            b"get /index",
            b"Host",
            b"\x00\x00",
            b"a",
            b"ab",
            b"abc",
            b"abcd",
            b"bcde",
            b"User-Agent: Mozilla/5.0 (compatible)",
            b"\xff\xfe\x00",
            b"zzzz",
            b"ZZZZZZZZZ",
        ];
        let data: &[u8] = b"GET /Index.html HTTP/1.1\r\nHOST: abcde\r\nuser-agent: MOZILLA/5.0 (Compatible)\r\n\x00\x00\x00\xff\xFE\x00zzzzzzzzzzz";
        let want = naive(&patterns, data);
        for engine in [Engine::AhoCorasick, Engine::Hashed, Engine::Fdr] {
            let set = LiteralSet::with_engine(&patterns, engine).unwrap();
            assert_eq!(found(&set, data), want, "{engine:?}");
            // Every suffix and prefix, so tails shorter than 4 or 8 bytes
            // are covered.
            for cut in 0..data.len() {
                assert_eq!(
                    found(&set, &data[cut..]),
                    naive(&patterns, &data[cut..]),
                    "{engine:?} from {cut}"
                );
                assert_eq!(
                    found(&set, &data[..cut]),
                    naive(&patterns, &data[..cut]),
                    "{engine:?} to {cut}"
                );
            }
        }
    }

    #[test]
    fn empty_patterns_are_refused() {
        assert!(LiteralSet::new(&[b"a".as_slice(), b""]).is_err());
    }

    #[test]
    fn random_sets_match_naive_search() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        let alphabet = b"aAbB\x00\xffcC/ ";
        for round in 0..20 {
            let npat = 1 + (next() % 300) as usize;
            let pats: Vec<Vec<u8>> = (0..npat)
                .map(|_| {
                    let n = 1 + (next() % 12) as usize;
                    (0..n)
                        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                        .collect()
                })
                .collect();
            let data: Vec<u8> = (0..(next() % 600) as usize)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let refs: Vec<&[u8]> = pats.iter().map(Vec::as_slice).collect();
            let want = naive(&refs, &data);
            for engine in [
                Engine::AhoCorasick,
                Engine::Hashed,
                Engine::Fdr,
                Engine::Auto,
            ] {
                let set = LiteralSet::with_engine(&pats, engine).unwrap();
                assert_eq!(found(&set, &data), want, "round {round} {engine:?}");
            }
        }
    }

    /// Over the shift-or filter's split point the shift-or filter runs two states
    /// (sixteen buckets); both must find what a naive search finds.
    #[test]
    fn two_state_shift_or_matches_naive_search() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
        let alphabet = b"abcdefgh\x00\xff/ ";
        let pats: Vec<Vec<u8>> = (0..1_500)
            .map(|i| {
                let n = if i % 10 == 0 {
                    1 + i % 4
                } else {
                    4 + (next() % 9) as usize
                };
                (0..n)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect();
        let refs: Vec<&[u8]> = pats.iter().map(Vec::as_slice).collect();
        let set = LiteralSet::with_engine(&pats, Engine::Fdr).unwrap();
        for round in 0..10 {
            let data: Vec<u8> = (0..(next() % 3000) as usize)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(found(&set, &data), naive(&refs, &data), "round {round}");
        }
    }

    /// Long runs of one byte take the shift-or filter's flood path; what
    /// it finds there (patterns of the run's byte alone, patterns that
    /// start with the run and go on past it, runs at either end of the
    /// data, runs of mixed case) must be what a naive search finds.
    #[test]
    fn runs_of_one_byte_match_naive_search() {
        let mut next = xorshift(0x51_7cc1_b727_220au64);
        let mut pats: Vec<Vec<u8>> = vec![
            vec![0; 4],
            vec![0; 8],
            vec![0; 11],
            vec![0; 40],
            [vec![0; 9], b"x".to_vec()].concat(),
            [vec![0; 12], b"xy".to_vec()].concat(),
            [vec![0; 20], b"x".to_vec()].concat(),
            [vec![0; 33], b"xy".to_vec()].concat(),
            [vec![0; 70], b"b".to_vec()].concat(),
            [vec![0; 8], b"x".to_vec()].concat(),
            [b"x".to_vec(), vec![0; 9]].concat(),
            b"AAAAAAAAAb".to_vec(),
            b"AAAAAAAAAAAAAAAAAAAAAAAAb".to_vec(),
            vec![b'a'; 30],
            b"aaaaa".to_vec(),
        ];
        // Filler so the set is large enough for the shift-or filter.
        pats.extend((0..40).map(|i| format!("filler{i:03}").into_bytes()));
        let refs: Vec<&[u8]> = pats.iter().map(Vec::as_slice).collect();
        let set = LiteralSet::with_engine(&pats, Engine::Fdr).unwrap();
        for round in 0..300 {
            let mut data = Vec::new();
            while data.len() < 300 {
                let len = (next() % 100) as usize;
                match next() % 5 {
                    0 => data.extend(std::iter::repeat_n(0u8, len)),
                    1 => data.extend((0..len).map(|i| if i % 3 == 0 { b'A' } else { b'a' })),
                    2 => data.push(b'x'),
                    3 => data.extend_from_slice(b"by"),
                    _ => data.extend((0..len % 7).map(|_| (next() % 256) as u8)),
                }
            }
            let cut = (next() % data.len() as u64) as usize;
            for d in [&data[..], &data[cut..], &data[..cut]] {
                assert_eq!(found(&set, d), naive(&refs, d), "round {round}: {d:?}");
            }
        }
    }

    #[test]
    fn large_sets_pick_a_filter_and_stay_small() {
        let pats: Vec<Vec<u8>> = (0..2_000)
            .map(|i| format!("pattern-{i:05}").into_bytes())
            .collect();
        let set = LiteralSet::new(&pats).unwrap();
        assert!(set.is_hashed());
        assert!(set.memory_usage() < 512 * 1024, "{}", set.memory_usage());
        let small = LiteralSet::new(&pats[..10]).unwrap();
        assert!(!small.is_hashed());
        assert_eq!(
            found(&set, b"xxPATTERN-01999yy pattern-00000"),
            vec![0, 1999]
        );
    }
}
