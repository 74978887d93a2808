//! `content` values and single-pattern search.
//!
//! A content value is a quoted string mixing text and `|hex|` segments, with
//! the escapes `\"`, `\;`, `\:`, `\\` and `\|`, optionally negated with a
//! leading `!` outside the quotes.

use memchr::memmem;

/// Parses a raw `content` value (as written, quotes included).
/// Returns `(negated, bytes)`.
pub fn parse_content(raw: &str) -> Result<(bool, Vec<u8>), String> {
    let mut t = raw.trim();
    let negated = if let Some(rest) = t.strip_prefix('!') {
        t = rest.trim_start();
        true
    } else {
        false
    };
    let inner = if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        &t[1..t.len() - 1]
    } else if t.starts_with('"') || t.ends_with('"') {
        return Err("unbalanced quotes".into());
    } else {
        t
    };
    let bytes = decode_pattern(inner)?;
    if bytes.is_empty() {
        return Err("empty content".into());
    }
    Ok((negated, bytes))
}

/// Decodes text with `|hex|` segments and rule escapes into bytes.
pub fn decode_pattern(inner: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(inner.len());
    let mut hex = false;
    let mut pending: Option<u8> = None;
    let mut it = inner.bytes();
    while let Some(b) = it.next() {
        if hex {
            match b {
                b'|' => {
                    if pending.is_some() {
                        return Err("odd number of hex digits".into());
                    }
                    hex = false;
                }
                b' ' | b'\t' => {
                    if pending.is_some() {
                        return Err("hex digits must come in pairs".into());
                    }
                }
                _ => {
                    let d = (b as char)
                        .to_digit(16)
                        .ok_or_else(|| format!("invalid hex character {:?}", b as char))?;
                    // to_digit(16) is at most 15, so the casts are lossless.
                    match pending.take() {
                        Some(hi) => out.push(hi << 4 | d as u8),
                        None => pending = Some(d as u8),
                    }
                }
            }
            continue;
        }
        match b {
            b'|' => hex = true,
            b'\\' => match it.next() {
                Some(e @ (b'"' | b';' | b':' | b'\\' | b'|')) => out.push(e),
                Some(e) => return Err(format!("invalid escape \\{}", e as char)),
                None => return Err("trailing backslash".into()),
            },
            b'"' => return Err("unescaped '\"' inside content".into()),
            _ => out.push(b),
        }
    }
    if hex {
        return Err("unterminated |hex| segment".into());
    }
    Ok(out)
}

/// A compiled single pattern.
#[derive(Debug, Clone)]
pub struct Needle {
    /// The pattern (lower-cased when `nocase`).
    bytes: Vec<u8>,
    nocase: bool,
    finder: Option<memmem::Finder<'static>>,
}

impl Needle {
    /// Builds the searcher for `bytes`.
    pub fn new(bytes: &[u8], nocase: bool) -> Self {
        if nocase {
            Needle {
                bytes: bytes.to_ascii_lowercase(),
                nocase,
                finder: None,
            }
        } else {
            Needle {
                bytes: bytes.to_vec(),
                nocase,
                finder: Some(memmem::Finder::new(bytes).into_owned()),
            }
        }
    }

    /// Pattern length.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Start of the first occurrence in `hay`.
    pub fn find(&self, hay: &[u8]) -> Option<usize> {
        if let Some(f) = &self.finder {
            return f.find(hay);
        }
        let (&first, rest) = self.bytes.split_first()?;
        let n = self.bytes.len();
        if hay.len() < n {
            return None;
        }
        let last_start = hay.len() - n;
        let upper = first.to_ascii_uppercase();
        let mut from = 0;
        while from <= last_start {
            let window = hay.get(from..=last_start)?;
            let i = from + memchr::memchr2(first, upper, window)?;
            if hay
                .get(i + 1..i + n)
                .is_some_and(|w| w.eq_ignore_ascii_case(rest))
            {
                return Some(i);
            }
            from = i + 1;
        }
        None
    }

    /// True when the pattern occurs at exactly `pos`.
    pub fn is_at(&self, hay: &[u8], pos: usize) -> bool {
        let Some(w) = pos
            .checked_add(self.bytes.len())
            .and_then(|end| hay.get(pos..end))
        else {
            return false;
        };
        if self.nocase {
            w.eq_ignore_ascii_case(&self.bytes)
        } else {
            w == self.bytes.as_slice()
        }
    }
}

/// Suricata's "pattern strength": distinct letters score 3, distinct
/// printable (and 0x00, 0x01, 0xff) bytes 4, other distinct bytes 6, and
/// every repeat 1. Breaks ties between equally long fast-pattern candidates.
pub fn pattern_strength(p: &[u8]) -> u32 {
    let mut seen = [false; 256];
    let mut s = 0;
    for &b in p {
        let slot = &mut seen[usize::from(b)];
        if *slot {
            s += 1;
            continue;
        }
        *slot = true;
        s += if b.is_ascii_alphabetic() {
            3
        } else if b.is_ascii_graphic() || b == b' ' || b == 0x00 || b == 0x01 || b == 0xff {
            4
        } else {
            6
        };
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_hex_escapes_and_negation() {
        let cases: &[(&str, bool, &[u8])] = &[
            (r#""abc""#, false, b"abc"),
            (r#"!"abc""#, true, b"abc"),
            (r#"! "a""#, true, b"a"),
            (r#""|41 42|C|0d0a|""#, false, b"ABC\r\n"),
            (r#""a\"b\;c\\d\:e\|""#, false, b"a\"b;c\\d:e|"),
            (r#""|00|""#, false, b"\0"),
        ];
        for &(raw, neg, bytes) in cases {
            let (n, b) = parse_content(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!((n, b.as_slice()), (neg, bytes), "{raw}");
        }
        for bad in [
            r#""""#,
            r#""|4|""#,
            r#""|41"#,
            r#""|zz|""#,
            r#""a\xb""#,
            r#""abc"#,
        ] {
            assert!(parse_content(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn needle_search_case_modes() {
        let hay = b"xxABCabcAbC";
        let cs = Needle::new(b"abc", false);
        assert_eq!(cs.find(hay), Some(5));
        let ci = Needle::new(b"aBc", true);
        assert_eq!(ci.find(hay), Some(2));
        assert_eq!(ci.find(&hay[3..]), Some(2));
        assert_eq!(ci.find(b"ab"), None);
        assert!(ci.is_at(hay, 8) && !cs.is_at(hay, 8) && !cs.is_at(hay, 10));
        let digits = Needle::new(b"|1", true);
        assert_eq!(digits.find(b"a|1"), Some(1));
    }

    #[test]
    fn strength_prefers_varied_patterns() {
        assert!(pattern_strength(b"abcd") > pattern_strength(b"aaaa"));
        assert!(pattern_strength(b"\x02\x03") > pattern_strength(b"ab"));
    }
}
