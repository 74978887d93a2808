//! Suricata's generic unsigned-integer comparisons ("Integer Keywords"):
//! `N`, `=N`, `!N`, `!=N`, `<N`, `<=N`, `>N`, `>=N`, `N-M` / `N<>M`
//! (exclusive range), `!N-M`, `&MASK=V`, `&MASK!=V`; numbers in decimal or
//! `0x` hex with an optional `kb`/`mb`/`gb` (or `kib`…) multiplier.
//! Used by `dsize`, `ttl`, `itype`, `icode`, `window`, `tcp.mss`, `id`, …

/// A parsed integer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UintMatch {
    /// `N`, `=N`.
    Eq(u64),
    /// `!N`, `!=N`.
    Ne(u64),
    /// `<N`.
    Lt(u64),
    /// `<=N`.
    Le(u64),
    /// `>N`.
    Gt(u64),
    /// `>=N`.
    Ge(u64),
    /// `N-M`, `N<>M`: strictly between.
    Range(u64, u64),
    /// `!N-M`: at or outside the bounds.
    NotRange(u64, u64),
    /// `&MASK=V` (`negate` for `&MASK!=V`).
    Mask {
        /// Bits kept.
        mask: u64,
        /// Compared value.
        value: u64,
        /// `!=` instead of `=`.
        negate: bool,
    },
}

impl UintMatch {
    /// True when `v` satisfies the comparison.
    pub fn matches(self, v: u64) -> bool {
        match self {
            UintMatch::Eq(n) => v == n,
            UintMatch::Ne(n) => v != n,
            UintMatch::Lt(n) => v < n,
            UintMatch::Le(n) => v <= n,
            UintMatch::Gt(n) => v > n,
            UintMatch::Ge(n) => v >= n,
            UintMatch::Range(a, b) => v > a && v < b,
            UintMatch::NotRange(a, b) => v <= a || v >= b,
            UintMatch::Mask {
                mask,
                value,
                negate,
            } => ((v & mask) == value) != negate,
        }
    }
}

/// Parses a number: decimal or `0x` hex, optional size multiplier.
pub fn parse_number(text: &str) -> Option<u64> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let (digits, mult) = [
        ("kib", 1u64 << 10),
        ("mib", 1 << 20),
        ("gib", 1 << 30),
        ("kb", 1 << 10),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
    ]
    .iter()
    .find_map(|(suf, m)| {
        lower
            .strip_suffix(suf)
            .map(|d| (d.trim_end().to_string(), *m))
    })
    .unwrap_or((lower.clone(), 1));
    let n = if let Some(hex) = digits.strip_prefix("0x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(hex, 16).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u64>().ok()?
    };
    n.checked_mul(mult)
}

/// Parses a comparison whose values must fit in `0..=max`.
pub fn parse_uint(text: &str, max: u64) -> Result<UintMatch, String> {
    let t = text.trim();
    let num = |s: &str| -> Result<u64, String> {
        let n = parse_number(s).ok_or_else(|| format!("invalid number {:?}", s.trim()))?;
        if n > max {
            return Err(format!("{n} is out of range (max {max})"));
        }
        Ok(n)
    };
    let range = |s: &str| -> Result<Option<(u64, u64)>, String> {
        let split = s.split_once("<>").or_else(|| s.split_once('-'));
        match split {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a >= b {
                    return Err(format!("range {a}-{b}: the first value must be lower"));
                }
                Ok(Some((a, b)))
            }
            None => Ok(None),
        }
    };
    if let Some(rest) = t.strip_prefix('&') {
        let (mask, negate, value) = if let Some((m, v)) = rest.split_once("!=") {
            (m, true, v)
        } else if let Some((m, v)) = rest.split_once('=') {
            (m, false, v)
        } else {
            return Err(format!("bitmask comparison {t:?} needs '=' or '!='"));
        };
        return Ok(UintMatch::Mask {
            mask: num(mask)?,
            value: num(value)?,
            negate,
        });
    }
    if let Some(rest) = t.strip_prefix('!') {
        let rest = rest.trim_start();
        if let Some(v) = rest.strip_prefix('=') {
            return Ok(UintMatch::Ne(num(v)?));
        }
        if let Some((a, b)) = range(rest)? {
            return Ok(UintMatch::NotRange(a, b));
        }
        return Ok(UintMatch::Ne(num(rest)?));
    }
    if let Some(v) = t.strip_prefix("<=") {
        return Ok(UintMatch::Le(num(v)?));
    }
    if let Some(v) = t.strip_prefix(">=") {
        return Ok(UintMatch::Ge(num(v)?));
    }
    if let Some(v) = t.strip_prefix('<') {
        return Ok(UintMatch::Lt(num(v)?));
    }
    if let Some(v) = t.strip_prefix('>') {
        return Ok(UintMatch::Gt(num(v)?));
    }
    if let Some(v) = t.strip_prefix('=') {
        return Ok(UintMatch::Eq(num(v)?));
    }
    if let Some((a, b)) = range(t)? {
        return Ok(UintMatch::Range(a, b));
    }
    Ok(UintMatch::Eq(num(t)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_table() {
        // (expression, value, expected)
        let cases: &[(&str, u64, bool)] = &[
            ("19", 19, true),
            ("19", 20, false),
            ("=0x13", 19, true),
            ("!0x14", 20, false),
            ("!0x14", 21, true),
            ("!=20", 20, false),
            (">21", 22, true),
            (">21", 21, false),
            (">=21", 21, true),
            ("<22", 21, true),
            ("<22", 22, false),
            ("<=22", 22, true),
            ("19-22", 19, false),
            ("19-22", 20, true),
            ("19-22", 22, false),
            ("19<>22", 21, true),
            ("!19-22", 19, true),
            ("!19-22", 20, false),
            ("!19-22", 22, true),
            ("&0xc0=0x80", 0x80 | 0x11, true),
            ("&0xc0=0x80", 0xc0, false),
            ("&0xc0!=0", 0x40, true),
            ("1kb", 1024, true),
            (" 300 <> 400 ", 350, true),
        ];
        for &(expr, v, want) in cases {
            let m = parse_uint(expr, u64::MAX).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(m.matches(v), want, "{expr} on {v}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        for bad in ["", "abc", "5-3", "5-5", "256", "&0xc0", "<", "1.5", "0x"] {
            assert!(parse_uint(bad, 255).is_err(), "{bad:?} should fail");
        }
    }
}
