//! `pcre:"/…/flags"` — parsing, PCRE → Rust regex translation, lazy
//! compilation and matching.
//!
//! Engine choice: patterns are translated to the `regex` crate's syntax and
//! run on bytes (`unicode(false)`, so `.`/`\xHH`/classes work per byte as in
//! PCRE's non-UTF mode) — linear time, no ReDoS. Patterns that need
//! backtracking features (lookaround, backreferences, atomic groups,
//! possessive quantifiers) fall back to `fancy-regex` with a backtrack limit.
//! `fancy-regex` only matches `&str`, so the buffer is mapped byte-for-char
//! (latin-1: byte `b` becomes `U+00b`), which is lossless; the pattern's
//! `\xHH` escapes and non-ASCII literals are written so they denote the same
//! bytes under that mapping. Known difference: in the fallback, `\w`, `\d`,
//! `\s` and case folding are Unicode-aware for bytes 0x80-0xff.
//!
//! Load time: the pattern is only *parsed* when the rule is compiled (to
//! report bad patterns with the rule); the automaton is built on first use
//! inside a `OnceLock`, which keeps the rule set `Sync`.

use std::sync::OnceLock;

use crate::buffer::Buffer;
use crate::pcrevars::{Capture, CaptureError, Captured, Group};

/// Limits for compiled patterns.
const REGEX_SIZE_LIMIT: usize = 8 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;
/// Backtracking steps allowed per fancy-regex search (Suricata's default
/// pcre match-limit is 3500 *calls*; one call spans several steps here).
const BACKTRACK_LIMIT: usize = 100_000;

/// Why a pcre option cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PcreError {
    /// The rule needs a feature not available on packets.
    Unsupported(String),
    /// The value is malformed.
    Invalid(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Flags {
    caseless: bool,
    dotall: bool,
    multiline: bool,
    extended: bool,
    anchored: bool,
    dollar_endonly: bool,
    ungreedy: bool,
}

/// A parsed `pcre` option.
#[derive(Debug)]
pub struct Pcre {
    /// `!` before the value.
    pub negated: bool,
    /// `R`: match from the end of the previous match.
    pub relative: bool,
    /// HTTP buffer modifier (`U`, `H`, …): the buffer the pcre inspects.
    pub buffer: Option<Buffer>,
    flags: Flags,
    /// Translated pattern (without the flag prefix).
    pattern: String,
    /// True when the `regex` crate cannot parse the pattern and the
    /// fancy-regex fallback is used.
    fallback: bool,
    compiled: OnceLock<Option<Compiled>>,
    /// Groups stored into flow variables when the rule matches.
    captures: Vec<Capture>,
}

#[derive(Debug)]
enum Compiled {
    Bytes(regex::bytes::Regex),
    Fancy(fancy_regex::Regex),
}

/// Per-packet cache of the latin-1 view of the buffer for the fallback engine.
///
/// It travels with every program evaluation, so it also carries out the
/// values `entropy` keywords computed (drained by the rule set into the
/// flow's variables).
#[derive(Debug, Default)]
pub struct Latin1 {
    text: String,
    valid: bool,
    /// Entropy values computed since the last drain.
    pub(crate) entropy: crate::entropy::EntropyLog,
    /// pcre captures of the rule being evaluated, for its flow variables
    /// once it matches (see `crate::pcrevars`).
    pub(crate) captures: Vec<Captured>,
}

impl Latin1 {
    /// Forgets the previous buffer (call once per inspected buffer).
    pub fn invalidate(&mut self) {
        self.valid = false;
    }

    fn view(&mut self, buf: &[u8]) -> &str {
        if !self.valid {
            self.text.clear();
            self.text.extend(buf.iter().map(|&b| char::from(b)));
            self.valid = true;
        }
        &self.text
    }
}

impl Pcre {
    /// Parses a raw `pcre` value (as written, quotes included).
    pub fn parse(raw: &str) -> Result<Pcre, PcreError> {
        let mut t = raw.trim();
        let negated = if let Some(r) = t.strip_prefix('!') {
            t = r.trim_start();
            true
        } else {
            false
        };
        // Suricata strips the quotes before the keyword sees its value, so
        // an unquoted `pcre:/x/U;` is accepted too.
        let (body, after) = match t.strip_prefix('"') {
            Some(inner) => {
                let close = inner
                    .rfind('"')
                    .ok_or_else(|| PcreError::Invalid("missing closing quote".into()))?;
                (&inner[..close], inner[close + 1..].trim())
            }
            None => (t, ""),
        };
        if !after.is_empty() {
            return Err(PcreError::Unsupported(
                "pcre captures into flow/packet variables are not supported".into(),
            ));
        }
        let body = body
            .strip_prefix('/')
            .ok_or_else(|| PcreError::Invalid("pcre must look like \"/regex/flags\"".into()))?;
        let slash = body
            .rfind('/')
            .ok_or_else(|| PcreError::Invalid("missing closing '/'".into()))?;
        let (src, mods) = (&body[..slash], &body[slash + 1..]);
        // `"/(.*)/G, flow:key,flow:value"`: captures into variables.
        let (mods, list) = mods.split_once(',').unwrap_or((mods, ""));
        let captures = crate::pcrevars::parse(src, list).map_err(|e| match e {
            CaptureError::Unsupported(m) => PcreError::Unsupported(m),
            CaptureError::Invalid(m) => PcreError::Invalid(m),
        })?;
        let mut flags = Flags::default();
        let mut relative = false;
        let mut buffer = None;
        for m in mods.chars() {
            match m {
                'i' => flags.caseless = true,
                's' => flags.dotall = true,
                'm' => flags.multiline = true,
                'x' => flags.extended = true,
                'A' => flags.anchored = true,
                'E' => flags.dollar_endonly = true,
                'G' => flags.ungreedy = true,
                'R' => relative = true,
                // rawbytes and "override match limits": no effect on packets.
                'B' | 'O' => {}
                'U' | 'I' | 'P' | 'Q' | 'H' | 'D' | 'M' | 'C' | 'S' | 'Y' | 'V' | 'W' | 'Z' => {
                    let b = flag_buffer(m);
                    if buffer.is_some_and(|x| x != b) {
                        return Err(PcreError::Invalid(format!(
                            "pcre modifier {m:?} conflicts with another buffer modifier"
                        )));
                    }
                    buffer = Some(b);
                }
                other => {
                    return Err(PcreError::Invalid(format!(
                        "unknown pcre modifier {other:?}"
                    )))
                }
            }
        }
        let pattern = translate(src, flags).map_err(PcreError::Invalid)?;
        let fallback = match bytes_syntax_check(&pattern, flags) {
            Ok(()) => false,
            Err(e) => {
                fancy_regex::Expr::parse_tree(&fancy_pattern(&pattern, flags))
                    .map_err(|_| PcreError::Invalid(format!("cannot compile pcre: {e}")))?;
                true
            }
        };
        Ok(Pcre {
            negated,
            relative,
            buffer,
            flags,
            pattern,
            fallback,
            compiled: OnceLock::new(),
            captures,
        })
    }

    /// True when a match stores groups into flow variables.
    pub fn has_captures(&self) -> bool {
        !self.captures.is_empty()
    }

    /// True when this pattern runs on the backtracking fallback engine.
    #[cfg(test)]
    pub fn uses_fallback(&self) -> bool {
        self.fallback
    }

    fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| {
                if !self.fallback {
                    let f = self.flags;
                    let built = regex::bytes::RegexBuilder::new(&self.pattern)
                        .unicode(false)
                        .case_insensitive(f.caseless)
                        .dot_matches_new_line(f.dotall)
                        .multi_line(f.multiline)
                        .ignore_whitespace(f.extended)
                        .swap_greed(f.ungreedy)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
                        .build();
                    match built {
                        Ok(r) => return Some(Compiled::Bytes(r)),
                        Err(e) => tracing::debug!(pattern = %self.pattern, error = %e,
                            "regex engine refused pattern; trying the fallback"),
                    }
                }
                match fancy_regex::RegexBuilder::new(&fancy_pattern(&self.pattern, self.flags))
                    .backtrack_limit(BACKTRACK_LIMIT)
                    .delegate_size_limit(REGEX_SIZE_LIMIT)
                    .delegate_dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
                    .build()
                {
                    Ok(r) => Some(Compiled::Fancy(r)),
                    Err(e) => {
                        tracing::warn!(pattern = %self.pattern, error = %e,
                            "pcre could not be compiled; the rule will never match");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Builds the automaton now (normally done on first use).
    pub fn warm(&self) -> bool {
        self.compiled().is_some()
    }

    /// Searches `buf[subject..]` starting at absolute position `from`
    /// (`from >= subject`); returns the absolute `(start, end)` of the match.
    /// Anchors (`^`, `\A`) refer to `subject`, as with PCRE on a sub-buffer.
    pub fn find(
        &self,
        buf: &[u8],
        subject: usize,
        from: usize,
        latin1: &mut Latin1,
    ) -> Option<(usize, usize)> {
        let (hay, rel_from) = haystack(buf, subject, from)?;
        match self.compiled()? {
            Compiled::Bytes(re) => re
                .find_at(hay, rel_from)
                .map(|m| (subject + m.start(), subject + m.end())),
            Compiled::Fancy(re) => {
                let (sub, sub_from) = latin1_window(latin1.view(buf), buf, subject, from)?;
                let m = re.find_from_pos(sub, sub_from).ok()??;
                Some((
                    subject + chars_before(sub, m.start()),
                    subject + chars_before(sub, m.end()),
                ))
            }
        }
    }
}

impl Pcre {
    /// [`Pcre::find`], also appending the values of the groups that feed
    /// flow variables to `latin1.captures` (a group that took no part in
    /// the match stores nothing).
    pub fn find_captures(
        &self,
        buf: &[u8],
        subject: usize,
        from: usize,
        latin1: &mut Latin1,
    ) -> Option<(usize, usize)> {
        let (hay, rel_from) = haystack(buf, subject, from)?;
        match self.compiled()? {
            Compiled::Bytes(re) => {
                let caps = re.captures_at(hay, rel_from)?;
                let m = caps.get(0)?;
                for c in &self.captures {
                    let g = match &c.group {
                        Group::Index(i) => caps.get(*i),
                        Group::Named(n) => caps.name(n),
                    };
                    if let Some(g) = g {
                        latin1.captures.push((c.var.clone(), g.as_bytes().to_vec()));
                    }
                }
                Some((subject + m.start(), subject + m.end()))
            }
            Compiled::Fancy(re) => {
                let (sub, sub_from) = latin1_window(latin1.view(buf), buf, subject, from)?;
                let caps = re.captures_from_pos(sub, sub_from).ok()??;
                let m = caps.get(0)?;
                let found = (
                    subject + chars_before(sub, m.start()),
                    subject + chars_before(sub, m.end()),
                );
                // Characters stand for bytes (latin-1): map them back.
                let values: Vec<Captured> = self
                    .captures
                    .iter()
                    .filter_map(|c| {
                        let g = match &c.group {
                            Group::Index(i) => caps.get(*i),
                            Group::Named(n) => caps.name(n),
                        }?;
                        let bytes = g.as_str().chars().map(|ch| ch as u32 as u8).collect();
                        Some((c.var.clone(), bytes))
                    })
                    .collect();
                latin1.captures.extend(values);
                Some(found)
            }
        }
    }
}

/// `buf[subject..]` and `from` relative to it; `None` when `from` lies
/// before `subject` or past the end.
fn haystack(buf: &[u8], subject: usize, from: usize) -> Option<(&[u8], usize)> {
    let hay = buf.get(subject..)?;
    let rel_from = from.checked_sub(subject)?;
    (rel_from <= hay.len()).then_some((hay, rel_from))
}

/// The latin-1 text of `buf` (`text`, as fancy-regex matches it) from
/// `subject` on, and `from` as a byte offset into that slice: characters
/// from 0x80 up take two bytes in `text`.
fn latin1_window<'t>(
    text: &'t str,
    buf: &[u8],
    subject: usize,
    from: usize,
) -> Option<(&'t str, usize)> {
    let byte_of = |i: usize| {
        i + buf
            .get(..i)
            .map_or(0, |p| p.iter().filter(|&&b| b >= 0x80).count())
    };
    let sub = text.get(byte_of(subject)..)?;
    Some((sub, byte_of(from) - byte_of(subject)))
}

/// The buffer offset of byte offset `b` of latin-1 text: its character
/// count (each character stands for one byte).
fn chars_before(sub: &str, b: usize) -> usize {
    sub.get(..b).map_or(0, |s| s.chars().count())
}

/// The buffer an HTTP pcre modifier selects (Suricata's `U I P Q H D M C
/// S Y V W Z`).
fn flag_buffer(m: char) -> Buffer {
    match m {
        'U' => Buffer::HttpUri,
        'I' => Buffer::HttpUriRaw,
        'P' => Buffer::HttpRequestBody,
        'Q' => Buffer::FileData,
        'H' => Buffer::HttpHeader,
        'D' => Buffer::HttpHeaderRaw,
        'M' => Buffer::HttpMethod,
        'C' => Buffer::HttpCookie,
        'S' => Buffer::HttpStatCode,
        'Y' => Buffer::HttpStatMsg,
        'V' => Buffer::HttpUserAgent,
        'W' => Buffer::HttpHost,
        _ => Buffer::HttpHostRaw,
    }
}

fn bytes_syntax_check(pattern: &str, f: Flags) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(f.caseless)
        .dot_matches_new_line(f.dotall)
        .multi_line(f.multiline)
        .ignore_whitespace(f.extended)
        .swap_greed(f.ungreedy)
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| e.to_string().lines().last().unwrap_or_default().to_string())
}

/// The pattern with its flags inline, for fancy-regex.
fn fancy_pattern(pattern: &str, f: Flags) -> String {
    let mut flags = String::new();
    for (on, c) in [
        (f.caseless, 'i'),
        (f.dotall, 's'),
        (f.multiline, 'm'),
        (f.extended, 'x'),
        (f.ungreedy, 'U'),
    ] {
        if on {
            flags.push(c);
        }
    }
    if flags.is_empty() {
        pattern.to_string()
    } else {
        format!("(?{flags}){pattern}")
    }
}

fn push_byte(out: &mut String, b: u8) {
    out.push_str(&format!("\\x{b:02X}"));
}

/// PCRE's non-multiline `$`: end of subject or before a final newline.
const PCRE_DOLLAR: &str = "(?:\\n?\\z)";

/// Rewrites PCRE syntax into syntax both Rust engines accept with PCRE's
/// meaning: `$`/`\Z` semantics, `\h \v \R \e \a`, octal escapes, literal
/// `[` and set operators inside classes, literal `{` that is not a
/// quantifier, `\Q…\E`, `(?#…)` comments, escaped punctuation and non-ASCII
/// literals (as `\xHH` bytes).
fn translate(src: &str, f: Flags) -> Result<String, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let dollar = if f.multiline || f.dollar_endonly {
        "$"
    } else {
        PCRE_DOLLAR
    };
    if f.anchored {
        out.push_str("\\A(?:");
    }
    let at = |k: usize| chars.get(k).copied();
    while let Some(c) = at(i) {
        i += 1;
        match c {
            '\\' => {
                let n = at(i).ok_or("pattern ends with a backslash")?;
                i += 1;
                match n {
                    'Q' => {
                        // Literal text up to \E (or the end).
                        while let Some(q) = at(i) {
                            if q == '\\' && at(i + 1) == Some('E') {
                                i += 2;
                                break;
                            }
                            let mut b = [0u8; 4];
                            for &byte in q.encode_utf8(&mut b).as_bytes() {
                                push_byte(&mut out, byte);
                            }
                            i += 1;
                        }
                    }
                    'E' => {}
                    '0' => {
                        let mut v: u32 = 0;
                        let mut k = 0;
                        while k < 2 && at(i).is_some_and(|d| d.is_digit(8)) {
                            v = v * 8 + at(i).and_then(|d| d.to_digit(8)).unwrap_or(0);
                            i += 1;
                            k += 1;
                        }
                        push_byte(&mut out, (v & 0xff) as u8);
                    }
                    '1'..='9' if in_class => {
                        let mut v = n.to_digit(8).ok_or("invalid octal escape in class")?;
                        while at(i).is_some_and(|d| d.is_digit(8)) && v < 0o40 {
                            v = v * 8 + at(i).and_then(|d| d.to_digit(8)).unwrap_or(0);
                            i += 1;
                        }
                        push_byte(&mut out, (v & 0xff) as u8);
                    }
                    '1'..='9' => {
                        // \1-\9 are back-references; a longer number is one
                        // too in PCRE only with that many groups, which rules
                        // never have, so it is read as an octal byte.
                        let second_octal = at(i).is_some_and(|d| d.is_digit(8));
                        if second_octal && n.is_digit(8) {
                            let mut v = n.to_digit(8).unwrap_or(0);
                            let mut k = 0;
                            while k < 2 && at(i).is_some_and(|d| d.is_digit(8)) {
                                v = v * 8 + at(i).and_then(|d| d.to_digit(8)).unwrap_or(0);
                                i += 1;
                                k += 1;
                            }
                            push_byte(&mut out, (v & 0xff) as u8);
                        } else {
                            out.push('\\');
                            out.push(n);
                        }
                    }
                    'Z' if !in_class => out.push_str(PCRE_DOLLAR),
                    'x' => {
                        // PCRE: \xH, \xHH or \x{H..}; always one byte here.
                        let mut v: u32 = 0;
                        if at(i) == Some('{') {
                            i += 1;
                            while let Some(d) = at(i).and_then(|d| d.to_digit(16)) {
                                v = v.saturating_mul(16).saturating_add(d);
                                i += 1;
                            }
                            if at(i) != Some('}') {
                                return Err("unterminated \\x{...}".into());
                            }
                            i += 1;
                        } else {
                            let mut k = 0;
                            while k < 2 {
                                let Some(d) = at(i).and_then(|d| d.to_digit(16)) else {
                                    break;
                                };
                                v = v * 16 + d;
                                i += 1;
                                k += 1;
                            }
                        }
                        let b = u8::try_from(v).map_err(|_| "\\x value above 0xff")?;
                        push_byte(&mut out, b);
                    }
                    'c' => {
                        let x = at(i)
                            .filter(char::is_ascii)
                            .ok_or("\\c needs a character")?;
                        i += 1;
                        push_byte(&mut out, (x.to_ascii_uppercase() as u8) ^ 0x40);
                    }
                    'a' => push_byte(&mut out, 0x07),
                    'e' => push_byte(&mut out, 0x1b),
                    'h' if in_class => out.push_str("\\t\\x20\\xA0"),
                    'h' => out.push_str("[\\t\\x20\\xA0]"),
                    'H' if !in_class => out.push_str("[^\\t\\x20\\xA0]"),
                    'v' if in_class => out.push_str("\\n\\x0B\\x0C\\r\\x85"),
                    'v' => out.push_str("[\\n\\x0B\\x0C\\r\\x85]"),
                    'V' if !in_class => out.push_str("[^\\n\\x0B\\x0C\\r\\x85]"),
                    'R' if !in_class => out.push_str("(?:\\r\\n|[\\n\\x0B\\x0C\\r\\x85])"),
                    n if n.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(n);
                    }
                    n if n.is_ascii() => push_byte(&mut out, n as u8),
                    n => {
                        let mut b = [0u8; 4];
                        for &byte in n.encode_utf8(&mut b).as_bytes() {
                            push_byte(&mut out, byte);
                        }
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if at(i) == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if at(i) == Some(']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '[' => {
                if at(i) == Some(':') {
                    // POSIX class [:name:] — copy through.
                    out.push('[');
                    while let Some(q) = at(i) {
                        out.push(q);
                        i += 1;
                        if q == ']' {
                            break;
                        }
                    }
                } else {
                    out.push_str("\\[");
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && at(i) == Some('-') => out.push_str("\\-"),
            ' ' | '#' if in_class && f.extended => push_byte(&mut out, c as u8),
            '$' if !in_class => out.push_str(dollar),
            '{' if !in_class => {
                if is_quantifier(&chars[i..]) {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
            }
            '(' if !in_class && at(i) == Some('?') && at(i + 1) == Some('#') => {
                // (?# comment ) — dropped.
                while let Some(q) = at(i) {
                    i += 1;
                    if q == ')' {
                        break;
                    }
                }
            }
            c if !c.is_ascii() => {
                let mut b = [0u8; 4];
                for &byte in c.encode_utf8(&mut b).as_bytes() {
                    push_byte(&mut out, byte);
                }
            }
            c => out.push(c),
        }
    }
    if in_class {
        return Err("unterminated character class".into());
    }
    if f.anchored {
        out.push(')');
    }
    Ok(out)
}

/// True when `rest` (after a `{`) is `n}`, `n,}` or `n,m}`.
fn is_quantifier(rest: &[char]) -> bool {
    let mut k = 0;
    let digits = |k: &mut usize| {
        let s = *k;
        while rest.get(*k).is_some_and(|c| c.is_ascii_digit()) {
            *k += 1;
        }
        *k > s
    };
    if !digits(&mut k) {
        return false;
    }
    if rest.get(k) == Some(&',') {
        k += 1;
        digits(&mut k);
    }
    rest.get(k) == Some(&'}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &Pcre, buf: &[u8]) -> Option<(usize, usize)> {
        p.find(buf, 0, 0, &mut Latin1::default())
    }

    #[test]
    fn parses_flags_and_negation() {
        let p = Pcre::parse(r#"!"/a.c/smiR""#).unwrap();
        assert!(p.negated && p.relative && !p.uses_fallback());
        let u = Pcre::parse(r#""/a/Ui""#).unwrap();
        assert_eq!(u.buffer, Some(Buffer::HttpUri));
        assert_eq!(Pcre::parse(r#""/a/""#).unwrap().buffer, None);
        assert_eq!(
            Pcre::parse(r#""/a/Q""#).unwrap().buffer,
            Some(Buffer::FileData)
        );
        assert!(matches!(
            Pcre::parse(r#""/a/UH""#),
            Err(PcreError::Invalid(_))
        ));
        assert!(matches!(
            Pcre::parse(r#""/a/q""#),
            Err(PcreError::Invalid(_))
        ));
        assert!(matches!(Pcre::parse(r#""a""#), Err(PcreError::Invalid(_))));
        assert!(matches!(
            Pcre::parse(r#""/(a/""#),
            Err(PcreError::Invalid(_))
        ));
        assert!(matches!(
            Pcre::parse(r#""/(?P<pkt_x>a)/""#),
            Err(PcreError::Unsupported(_))
        ));
    }

    #[test]
    fn byte_semantics_and_pcre_quirks() {
        type Case<'a> = (&'a str, &'a [u8], Option<(usize, usize)>);
        let cases: &[Case] = &[
            (r#""/\xff\x00/""#, b"a\xff\x00", Some((1, 3))),
            (r#""/^GET /""#, b"GET /x", Some((0, 4))),
            (r#""/foo$/""#, b"a foo\n", Some((2, 6))),
            (r#""/foo$/E""#, b"a foo\n", None),
            (r#""/foo$/m""#, b"foo\nbar", Some((0, 3))),
            (r#""/a{,2}/""#, b"a{,2}", Some((0, 5))),
            (r#""/[[]x/""#, b"[x", Some((0, 2))),
            (r#""/[a&&b]/""#, b"&", Some((0, 1))),
            (r#""/\/path\;/""#, b"/path;", Some((0, 6))),
            (r#""/\x41\101\0/""#, b"AA\0", Some((0, 3))),
            (r#""/a\Qb.c\E/""#, b"ab.c", Some((0, 4))),
            (r#""/a(?#note)b/""#, b"ab", Some((0, 2))),
            (r#""/abc/i""#, b"xABC", Some((1, 4))),
            (r#""/a.b/""#, b"a\nb", None),
            (r#""/a.b/s""#, b"a\nb", Some((0, 3))),
            (r#""/é/""#, "é".as_bytes(), Some((0, 2))),
            (r#""/x/A""#, b"ax", None),
            (r#""/[\x3b\x2\x60]/""#, b"a\x02", Some((1, 2))),
            (r#""/\x{41}\x4\cA/""#, b"A\x04\x01", Some((0, 3))),
            (r#""/a\h+b/""#, b"a \tb", Some((0, 4))),
        ];
        for &(raw, buf, want) in cases {
            let p = Pcre::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            assert_eq!(m(&p, buf), want, "{raw}");
        }
    }

    #[test]
    fn fallback_for_lookaround_and_backrefs() {
        let p = Pcre::parse(r#""/(\w)\1(?=\xff)/""#).unwrap();
        assert!(p.uses_fallback());
        assert_eq!(m(&p, b"\x80aa\xff"), Some((1, 3)));
        assert_eq!(m(&p, b"aab"), None);
        let q = Pcre::parse(r#""/(?<!\x80)b/""#).unwrap();
        assert_eq!(m(&q, b"\x80bxb"), Some((3, 4)));
    }

    #[test]
    fn relative_subject_and_resume() {
        let p = Pcre::parse(r#""/^b/R""#).unwrap();
        let mut l = Latin1::default();
        assert_eq!(p.find(b"abab", 1, 1, &mut l), Some((1, 2)));
        assert_eq!(p.find(b"abab", 1, 2, &mut l), None);
        let q = Pcre::parse(r#""/b/""#).unwrap();
        assert_eq!(q.find(b"abab", 0, 2, &mut l), Some((3, 4)));
        assert_eq!(q.find(b"ab", 0, 9, &mut l), None);
        // The fallback maps offsets back through multi-byte chars.
        let f = Pcre::parse(r#""/(?=b)b/""#).unwrap();
        l.invalidate();
        assert_eq!(f.find(b"\xff\xffab", 1, 1, &mut l), Some((3, 4)));
    }
}
