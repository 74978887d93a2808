//! The payload program of a rule and its evaluation.
//!
//! Payload keywords run in rule order over one buffer with a cursor (the end
//! of the previous match, Suricata's `buffer_offset`). When a content or pcre
//! matches but a later keyword fails, the search resumes one byte after the
//! start of that match, but only where Suricata does so: for a content whose
//! next dependent keyword uses `within`, is a negated relative content (a
//! later occurrence may leave the negated one out of reach) or is a relative
//! non-content keyword, and for a pcre followed by any relative keyword. A
//! positive distance-only dependency is never retried because a later
//! occurrence can only narrow its window. Independent failures stop the whole inspection early. The
//! number of steps is bounded like Suricata's `inspection-recursion-limit`.

use crate::asn1kw::Asn1Check;
use crate::b64kw::Base64Step;
use crate::bytemath::ByteMath;
use crate::bytes::{ByteExtract, ByteJump, ByteTest, Cursor, Val};
use crate::content::Needle;
use crate::entropy::Entropy;
use crate::pcre::{Latin1, Pcre};

/// Suricata's default `detect.inspection-recursion-limit`.
const RECURSION_LIMIT: u32 = 3000;

/// A compiled `content` with its modifiers.
#[derive(Debug)]
pub struct ContentStep {
    pub needle: Needle,
    pub negated: bool,
    pub offset: Option<Val>,
    /// Counted from `offset`, as in Suricata (absolute end = offset + depth).
    pub depth: Option<Val>,
    pub distance: Option<Val>,
    pub within: Option<Val>,
    pub endswith: bool,
    /// A later keyword depends on this match through `within` or a relative
    /// non-content keyword: retry later occurrences when it fails.
    pub within_next: bool,
    /// Any later keyword is relative to this match.
    pub relative_next: bool,
}

impl ContentStep {
    fn relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }

    /// Suricata's DETECT_CONTENT_IS_SINGLE: no positional modifier at all.
    fn is_single(&self) -> bool {
        !(self.relative() || self.relative_next || self.offset.is_some() || self.depth.is_some())
    }
}

/// A compiled `pcre` with the retry flag.
#[derive(Debug)]
pub struct PcreStep {
    pub re: Pcre,
    /// A later keyword is relative to this match.
    pub relative_next: bool,
}

/// `isdataat:[!]N[,relative]`.
#[derive(Debug, Clone, Copy)]
pub struct IsDataAt {
    pub value: Val,
    pub negated: bool,
    pub relative: bool,
}

/// One payload keyword.
#[derive(Debug)]
pub enum Step {
    Content(Box<ContentStep>),
    Pcre(PcreStep),
    IsDataAt(IsDataAt),
    ByteTest(ByteTest),
    ByteJump(ByteJump),
    ByteExtract(ByteExtract),
    ByteMath(ByteMath),
    /// `base64_decode` and its `base64_data` keywords.
    Base64(Box<Base64Step>),
    /// `entropy` over the whole buffer.
    Entropy(Box<Entropy>),
    /// `asn1` from the end of the last match (or an absolute offset).
    Asn1(Box<Asn1Check>),
}

/// The payload keywords of a rule, in rule order.
#[derive(Debug, Default)]
pub struct Program {
    pub steps: Vec<Step>,
    /// Number of byte_extract/byte_math variable slots.
    pub nvars: usize,
}

/// Outcome of inspecting from one step on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum R {
    Match,
    NoMatch,
    /// No match, and no earlier keyword should retry (Suricata's -1).
    Stop,
}

impl Program {
    /// True when the program has no keyword.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the program over `buf`. `vars` must hold at least `nvars` slots.
    pub fn matches(&self, buf: &[u8], vars: &mut [u64], latin1: &mut Latin1) -> bool {
        if self.steps.is_empty() {
            return true;
        }
        let mut st = State {
            buf,
            steps: &self.steps,
            vars,
            offset: 0,
            calls: 0,
            latin1,
        };
        st.run(0) == R::Match
    }
}

struct State<'a> {
    buf: &'a [u8],
    steps: &'a [Step],
    vars: &'a mut [u64],
    offset: usize,
    calls: u32,
    latin1: &'a mut Latin1,
}

fn to_i64(x: usize) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

impl State<'_> {
    fn run(&mut self, i: usize) -> R {
        self.calls += 1;
        if self.calls >= RECURSION_LIMIT {
            return R::Stop;
        }
        let steps = self.steps;
        let Some(step) = steps.get(i) else {
            return R::Match;
        };
        match step {
            Step::Content(c) => self.content(i, c),
            Step::Pcre(p) => self.pcre(i, p),
            Step::IsDataAt(d) => self.isdataat(i, *d),
            Step::ByteTest(t) => {
                let ok = t.eval(
                    self.buf,
                    &Cursor {
                        offset: self.offset,
                        vars: self.vars,
                    },
                );
                self.then(i, ok)
            }
            Step::ByteJump(j) => {
                let ok = self.with_cursor(|buf, c| j.eval(buf, c));
                self.then(i, ok)
            }
            Step::ByteExtract(e) => {
                let ok = self.with_cursor(|buf, c| e.eval(buf, c));
                self.then(i, ok)
            }
            Step::ByteMath(m) => {
                let ok = self.with_cursor(|buf, c| m.eval(buf, c));
                self.then(i, ok)
            }
            Step::Asn1(a) => {
                let ok = a.eval(self.buf, self.offset);
                self.then(i, ok)
            }
            Step::Entropy(e) => {
                let (ok, value) = e.eval(self.buf);
                if let Some(v) = value {
                    self.latin1.entropy.push((e.name, v));
                }
                self.then(i, ok)
            }
            // Decoded data that fails its keywords is final: Suricata does
            // not retry earlier contents for `base64_data`.
            Step::Base64(b) => match b.eval(self.buf, self.offset, self.vars, self.latin1) {
                None => R::NoMatch,
                Some(true) => self.run(i + 1),
                Some(false) => R::Stop,
            },
        }
    }

    fn with_cursor(&mut self, f: impl FnOnce(&[u8], &mut Cursor) -> bool) -> bool {
        let mut c = Cursor {
            offset: self.offset,
            vars: self.vars,
        };
        let ok = f(self.buf, &mut c);
        self.offset = c.offset;
        ok
    }

    /// This step matched (or not): continue with the next one.
    fn then(&mut self, i: usize, ok: bool) -> R {
        if ok {
            self.run(i + 1)
        } else {
            R::NoMatch
        }
    }

    fn content(&mut self, i: usize, c: &ContentStep) -> R {
        let len = to_i64(self.buf.len());
        let n = c.needle.len();
        let prev_buffer_offset = to_i64(self.offset);
        let mut prev_offset: i64 = 0;
        loop {
            let (mut offset, mut depth);
            if c.relative() {
                offset = prev_buffer_offset;
                depth = len;
                let mut distance = 0;
                if let Some(d) = c.distance {
                    distance = d.get(self.vars);
                    offset = (offset + distance).max(0);
                }
                if let Some(w) = c.within {
                    depth = depth.min(prev_buffer_offset + w.get(self.vars) + distance);
                }
            } else {
                offset = c.offset.map_or(0, |o| o.get(self.vars));
                depth = match c.depth {
                    Some(d) => offset.saturating_add(d.get(self.vars)),
                    None => len,
                };
            }
            if prev_offset != 0 {
                offset = prev_offset;
            }
            depth = depth.min(len);
            if offset > depth || depth <= 0 {
                return if c.negated {
                    self.run(i + 1)
                } else {
                    R::NoMatch
                };
            }
            // 0 <= offset <= depth <= len here.
            let (o, d) = (offset as usize, depth as usize);
            let found = if c.endswith {
                // Only an occurrence ending exactly at the buffer end counts.
                let at = self.buf.len().checked_sub(n);
                at.filter(|&a| d == self.buf.len() && a >= o && c.needle.is_at(self.buf, a))
            } else if n > d - o {
                None
            } else {
                self.buf
                    .get(o..d)
                    .and_then(|w| c.needle.find(w))
                    .map(|p| o + p)
            };
            let Some(start) = found else {
                if c.negated {
                    return self.run(i + 1);
                }
                return if c.relative() { R::NoMatch } else { R::Stop };
            };
            if c.negated {
                return if c.is_single() { R::Stop } else { R::NoMatch };
            }
            let match_end = start + n;
            self.offset = match_end;
            match self.run(i + 1) {
                R::Match => return R::Match,
                R::Stop => return R::Stop,
                R::NoMatch => {}
            }
            if !c.within_next {
                return R::Stop;
            }
            prev_offset = to_i64(start + 1);
        }
    }

    fn pcre(&mut self, i: usize, p: &PcreStep) -> R {
        // Captures of tries that lead nowhere are dropped.
        let mark = self.latin1.captures.len();
        let r = self.pcre_tries(i, p, mark);
        if r != R::Match {
            self.latin1.captures.truncate(mark);
        }
        r
    }

    fn pcre_tries(&mut self, i: usize, p: &PcreStep, mark: usize) -> R {
        let prev_buffer_offset = self.offset;
        // Suricata's pcre_match_start_offset: where a retry resumes (0 = none).
        let mut resume = 0usize;
        loop {
            self.latin1.captures.truncate(mark);
            let subject = if p.re.relative { self.offset } else { 0 };
            let from = if resume != 0 { resume } else { subject };
            let found = if subject > self.buf.len() {
                None
            } else if p.re.has_captures() && !p.re.negated {
                p.re.find_captures(self.buf, subject, from, self.latin1)
            } else {
                p.re.find(self.buf, subject, from, self.latin1)
            };
            let ok = match found {
                Some((s, e)) if !p.re.negated => {
                    self.offset = e;
                    resume = s + 1;
                    true
                }
                Some(_) => false,
                None => p.re.negated,
            };
            if !ok {
                return R::NoMatch;
            }
            if !p.relative_next {
                return self.run(i + 1);
            }
            let retry_at = if p.re.negated { 0 } else { resume };
            match self.run(i + 1) {
                R::Match => return R::Match,
                R::Stop => return R::Stop,
                R::NoMatch => {}
            }
            if retry_at == 0 {
                return R::NoMatch;
            }
            self.offset = prev_buffer_offset;
            resume = retry_at;
        }
    }

    fn isdataat(&mut self, i: usize, d: IsDataAt) -> R {
        let var = d.value.is_var();
        let v = d.value.get(self.vars);
        if var && v >= 100_000_000 {
            return if d.negated {
                self.run(i + 1)
            } else {
                R::NoMatch
            };
        }
        let len = to_i64(self.buf.len());
        let present = if d.relative {
            to_i64(self.offset).saturating_add(v) <= len
        } else {
            v < len
        };
        match (present, d.negated) {
            (true, false) | (false, true) => self.run(i + 1),
            // Data after the cursor may vanish on a later occurrence of the
            // previous match: Suricata retries `isdataat:!N,relative`.
            (true, true) if d.relative => R::NoMatch,
            // A literal position cannot change on retry: stop early.
            _ if !var => R::Stop,
            _ => R::NoMatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(p: &[u8]) -> ContentStep {
        ContentStep {
            needle: Needle::new(p, false),
            negated: false,
            offset: None,
            depth: None,
            distance: None,
            within: None,
            endswith: false,
            within_next: false,
            relative_next: false,
        }
    }

    fn run(steps: Vec<Step>, buf: &[u8]) -> bool {
        let p = Program { steps, nvars: 0 };
        p.matches(buf, &mut [], &mut Latin1::default())
    }

    #[test]
    fn within_backtracks_over_earlier_occurrences() {
        // "a" then "b" within 2 of an "a": only the second "a" works.
        let mut a = content(b"a");
        a.within_next = true;
        a.relative_next = true;
        let mut b = content(b"b");
        b.distance = Some(Val::Lit(0));
        b.within = Some(Val::Lit(2));
        let steps = || {
            let mut a2 = content(b"a");
            a2.within_next = true;
            a2.relative_next = true;
            let mut b2 = content(b"b");
            b2.distance = Some(Val::Lit(0));
            b2.within = Some(Val::Lit(2));
            vec![Step::Content(Box::new(a2)), Step::Content(Box::new(b2))]
        };
        assert!(run(
            vec![Step::Content(Box::new(a)), Step::Content(Box::new(b))],
            b"a....axb"
        ));
        assert!(!run(steps(), b"a....axxb"));
        assert!(run(steps(), b"xxab"));
    }

    #[test]
    fn absolute_failure_stops_and_negation_holds() {
        let mut neg = content(b"evil");
        neg.negated = true;
        assert!(run(
            vec![
                Step::Content(Box::new(content(b"GET"))),
                Step::Content(Box::new(neg))
            ],
            b"GET /"
        ));
        let mut neg = content(b"evil");
        neg.negated = true;
        assert!(!run(
            vec![
                Step::Content(Box::new(content(b"GET"))),
                Step::Content(Box::new(neg))
            ],
            b"GET /evil"
        ));
        let mut off = content(b"GET");
        off.offset = Some(Val::Lit(1));
        assert!(!run(vec![Step::Content(Box::new(off))], b"GET /"));
        let mut dep = content(b"GET");
        dep.offset = Some(Val::Lit(1));
        dep.depth = Some(Val::Lit(3));
        assert!(run(vec![Step::Content(Box::new(dep))], b" GET /"));
        let mut dep = content(b"GET");
        dep.offset = Some(Val::Lit(1));
        dep.depth = Some(Val::Lit(3));
        assert!(!run(vec![Step::Content(Box::new(dep))], b"  GET /"));
    }

    #[test]
    fn endswith_and_isdataat() {
        let mut e = content(b"xy");
        e.endswith = true;
        assert!(run(vec![Step::Content(Box::new(e))], b"xyaxy"));
        let mut e = content(b"xy");
        e.endswith = true;
        assert!(!run(vec![Step::Content(Box::new(e))], b"xyaxya"));
        let d = |v, negated, relative| {
            Step::IsDataAt(IsDataAt {
                value: Val::Lit(v),
                negated,
                relative,
            })
        };
        assert!(run(
            vec![Step::Content(Box::new(content(b"ab"))), d(2, false, true)],
            b"abcd"
        ));
        assert!(!run(
            vec![Step::Content(Box::new(content(b"ab"))), d(3, false, true)],
            b"abcd"
        ));
        assert!(run(
            vec![Step::Content(Box::new(content(b"ab"))), d(3, true, true)],
            b"abcd"
        ));
        assert!(run(vec![d(3, false, false)], b"abcd"));
        assert!(!run(vec![d(4, false, false)], b"abcd"));
        assert!(run(vec![d(4, true, false)], b"abcd"));
    }

    #[test]
    fn pcre_relative_retries() {
        // pcre "/a./" then relative content "z" at distance 0 within 1: needs
        // the second "a." match.
        let mut re = Pcre::parse(r#""/a./""#).unwrap();
        re.relative = false;
        let mut z = content(b"z");
        z.distance = Some(Val::Lit(0));
        z.within = Some(Val::Lit(1));
        let steps = vec![
            Step::Pcre(PcreStep {
                re,
                relative_next: true,
            }),
            Step::Content(Box::new(z)),
        ];
        assert!(run(steps, b"ab--acz"));
    }

    #[test]
    fn recursion_limit_bounds_pathological_input() {
        let mk = || {
            let mut a = content(b"a");
            a.within_next = true;
            a.relative_next = true;
            a
        };
        let mut steps = Vec::new();
        for _ in 0..6 {
            let mut c = mk();
            c.distance = Some(Val::Lit(0));
            steps.push(Step::Content(Box::new(c)));
        }
        let mut last = content(b"b");
        last.distance = Some(Val::Lit(0));
        last.within = Some(Val::Lit(1));
        steps.push(Step::Content(Box::new(last)));
        let buf = vec![b'a'; 2000];
        // Must return (false) quickly instead of exploring ~2000^6 paths.
        assert!(!run(steps, &buf));
    }
}
