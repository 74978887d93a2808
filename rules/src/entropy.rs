//! Suricata 8's `entropy` keyword: the Shannon entropy (bits per byte,
//! 0 to 8) of the current buffer, or of `bytes <n>` of it from
//! `offset <n>`, compared with `value <cmp><float>`.
//!
//! As in Suricata the keyword looks at the whole buffer (it is not
//! relative to a previous match), and a buffer shorter than the offset or
//! the byte count makes it fail without a value. Every value computed is
//! also kept on the flow, named after the inspected list (`file_data`,
//! `http_uri`, …; `content` for the packet payload), and shows in EVE
//! under `metadata.entropy`: the program reports it through
//! [`EntropyLog`] and the rule set copies it into the flow's variables.

use crate::buffer::Buffer;
use crate::keyword::KwError;

/// Suricata's float comparison (`detect/float.rs`): `v`, `=v`, `!=v`,
/// `<v`, `<=v`, `>v`, `>=v`, `a-b` (exclusive), `!a-b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatMatch {
    /// `v`, `=v`.
    Eq(f64),
    /// `!=v`.
    Ne(f64),
    /// `<v`.
    Lt(f64),
    /// `<=v`.
    Le(f64),
    /// `>v`.
    Gt(f64),
    /// `>=v`.
    Ge(f64),
    /// `a-b`, `a<>b`: strictly between.
    Range(f64, f64),
    /// `!a-b`: at or outside the bounds.
    NotRange(f64, f64),
}

impl FloatMatch {
    /// Parses a comparison.
    pub fn parse(text: &str) -> Result<FloatMatch, String> {
        let t = text.trim();
        let num = |s: &str| -> Result<f64, String> {
            let s = s.trim();
            let ok = !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
            let lower = s.to_ascii_lowercase();
            let special = matches!(lower.as_str(), "nan" | "inf" | "+inf" | "-inf");
            if !(ok || special) {
                return Err(format!("invalid number {s:?}"));
            }
            s.parse::<f64>()
                .map_err(|_| format!("invalid number {s:?}"))
        };
        // A range: `a-b` or `a<>b`, the `-` not being a sign or exponent.
        let range = |s: &str| -> Result<Option<(f64, f64)>, String> {
            let split = s.split_once("<>").or_else(|| {
                let bytes = s.as_bytes();
                let at = (1..bytes.len()).find(|&i| {
                    bytes.get(i) == Some(&b'-') && !matches!(bytes.get(i - 1), Some(b'e' | b'E'))
                })?;
                Some((s.get(..at)?, s.get(at + 1..)?))
            });
            let Some((a, b)) = split else {
                return Ok(None);
            };
            let (a, b) = (num(a)?, num(b)?);
            if b <= a || b - a <= f64::EPSILON {
                return Err(format!("range {a}-{b}: the first value must be lower"));
            }
            Ok(Some((a, b)))
        };
        if let Some(rest) = t.strip_prefix("!=") {
            return Ok(FloatMatch::Ne(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix('!') {
            return match range(rest.trim())? {
                Some((a, b)) => Ok(FloatMatch::NotRange(a, b)),
                None => Err(format!("invalid comparison {t:?}")),
            };
        }
        for (op, make) in [
            (">=", FloatMatch::Ge as fn(f64) -> FloatMatch),
            ("<=", FloatMatch::Le),
            (">", FloatMatch::Gt),
            ("<", FloatMatch::Lt),
            ("=", FloatMatch::Eq),
        ] {
            if let Some(rest) = t.strip_prefix(op) {
                return Ok(make(num(rest)?));
            }
        }
        if let Some((a, b)) = range(t)? {
            return Ok(FloatMatch::Range(a, b));
        }
        Ok(FloatMatch::Eq(num(t)?))
    }

    /// True when `v` satisfies the comparison.
    pub fn matches(self, v: f64) -> bool {
        match self {
            FloatMatch::Eq(x) => v == x,
            FloatMatch::Ne(x) => v != x,
            FloatMatch::Lt(x) => v < x,
            FloatMatch::Le(x) => v <= x,
            FloatMatch::Gt(x) => v > x,
            FloatMatch::Ge(x) => v >= x,
            FloatMatch::Range(a, b) => v > a && v < b,
            FloatMatch::NotRange(a, b) => v <= a || v >= b,
        }
    }
}

/// A compiled `entropy` keyword.
#[derive(Debug, Clone, PartialEq)]
pub struct Entropy {
    /// Bytes skipped from the start of the buffer (Suricata ignores a
    /// negative offset).
    offset: usize,
    /// Bytes measured (0: to the end).
    bytes: usize,
    value: FloatMatch,
    /// Flow variable the value is kept under (see [`list_name`]).
    pub(crate) name: &'static str,
}

/// Values computed by `entropy` keywords while programs ran, in order:
/// (flow variable name, entropy).
pub type EntropyLog = Vec<(&'static str, f64)>;

impl Entropy {
    /// Parses `[bytes <n>,] [offset <n>,] value <cmp>` (any order, each once).
    pub fn parse(value: &str) -> Result<Entropy, KwError> {
        let bad = |m: String| KwError::invalid(format!("entropy: {m}"));
        let (mut bytes, mut offset, mut cmp) = (None, None, None);
        let opts: Vec<&str> = value.split(',').map(str::trim).collect();
        if opts.len() > 3 {
            return Err(bad(format!("too many options in {:?}", value.trim())));
        }
        for opt in opts {
            let (name, arg) = opt
                .split_once(char::is_whitespace)
                .ok_or_else(|| bad(format!("option {opt:?} needs a value")))?;
            let arg = arg.trim();
            let int = |lo: i64, hi: i64| -> Result<i64, KwError> {
                arg.parse::<i64>()
                    .ok()
                    .filter(|n| (lo..=hi).contains(n))
                    .ok_or_else(|| bad(format!("invalid {name} value {arg:?}")))
            };
            let slot_taken = match name {
                "bytes" => bytes.replace(int(i64::from(i32::MIN), i64::from(i32::MAX))?),
                "offset" => offset.replace(int(-65535, 65535)?),
                "value" => {
                    let m = FloatMatch::parse(arg).map_err(|e| bad(format!("value: {e}")))?;
                    cmp.replace(m).map(|_| 0)
                }
                _ => return Err(bad(format!("unknown option {name:?}"))),
            };
            if slot_taken.is_some() {
                return Err(bad(format!("{name} given twice")));
            }
        }
        let value = cmp.ok_or_else(|| bad("a value comparison is required".into()))?;
        let non_negative = |n: Option<i64>| usize::try_from(n.unwrap_or(0).max(0)).unwrap_or(0);
        Ok(Entropy {
            offset: non_negative(offset),
            bytes: non_negative(bytes),
            value,
            name: "content",
        })
    }

    /// Evaluates on `buf`: whether the comparison holds, and the entropy
    /// computed (None when the buffer is too short for offset/bytes).
    pub fn eval(&self, buf: &[u8]) -> (bool, Option<f64>) {
        let Some(rest) = buf.get(self.offset..) else {
            return (false, None);
        };
        let data = match self.bytes {
            0 => rest,
            n => match rest.get(..n) {
                Some(d) => d,
                None => return (false, None),
            },
        };
        let e = shannon(data);
        (self.value.matches(e), Some(e))
    }
}

/// Shannon entropy of `data` in bits per byte (0 for no data).
pub fn shannon(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let len = data.len() as f64;
    counts.iter().filter(|&&c| c > 0).fold(0.0, |acc, &c| {
        let p = f64::from(c) / len;
        acc - p * p.log2()
    })
}

/// Suricata's internal name of the inspection list of buffer `b` (what
/// `metadata.entropy` keys are): the older HTTP and file buffers use
/// underscores, newer buffers their keyword.
pub fn list_name(b: Buffer) -> &'static str {
    use Buffer::*;
    match b {
        FileData => "file_data",
        HttpUri => "http_uri",
        HttpUriRaw => "http_raw_uri",
        HttpMethod => "http_method",
        HttpProtocol => "http_protocol",
        HttpRequestLine => "http_request_line",
        HttpHeader => "http_header",
        HttpHeaderRaw => "http_raw_header",
        HttpHeaderNames => "http_header_names",
        HttpHost => "http_host",
        HttpHostRaw => "http_raw_host",
        HttpUserAgent => "http_user_agent",
        HttpCookie => "http_cookie",
        HttpReferer => "http_referer",
        HttpContentType => "http_content_type",
        HttpContentLen => "http_content_len",
        HttpAccept => "http_accept",
        HttpAcceptEnc => "http_accept_enc",
        HttpAcceptLang => "http_accept_lang",
        HttpConnection => "http_connection",
        HttpStart => "http_start",
        HttpRequestBody => "http_client_body",
        HttpStatCode => "http_stat_code",
        HttpStatMsg => "http_stat_msg",
        HttpResponseLine => "http_response_line",
        HttpRequestHeader => "http_request_header",
        HttpResponseHeader => "http_response_header",
        HttpResponseBody => "http_server_body",
        DnsQuery => "dns_query",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shannon_values() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaaaaa"), 0.0);
        assert!((shannon(b"abcdabcd") - 2.0).abs() < 1e-9);
        let all: Vec<u8> = (0..=255).collect();
        assert!((shannon(&all) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn float_comparisons() {
        let m = |s: &str| FloatMatch::parse(s).expect(s);
        assert!(m("> 4").matches(4.1) && !m(">4").matches(4.0));
        assert!(m(">= 4").matches(4.0));
        assert!(m("4-5").matches(4.15) && !m("4-5").matches(4.0));
        assert!(!m("!4-5").matches(4.15) && m("!4-5").matches(5.0));
        assert!(m("!= 4").matches(4.15) && !m("= 4").matches(4.15));
        assert!(m("4.15").matches(4.15) && m("<1e1").matches(9.0));
        assert_eq!(m("-1 - 2"), FloatMatch::Range(-1.0, 2.0));
        for bad in ["", "x", "5-4", "! 4", ">= y", "4-"] {
            assert!(FloatMatch::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn options_and_bounds() {
        let e = Entropy::parse("bytes 4, offset 2, value > 1").expect("valid");
        assert_eq!((e.bytes, e.offset), (4, 2));
        assert_eq!(e.eval(b"xxabcdzzzz"), (true, Some(2.0)));
        // Too short for offset + bytes: no value, no match.
        assert_eq!(e.eval(b"xxabc"), (false, None));
        let whole = Entropy::parse("value 2").expect("valid");
        assert_eq!(whole.eval(b"abcd"), (true, Some(2.0)));
        assert_eq!(
            Entropy::parse("offset -5, value <1").expect("valid").offset,
            0
        );
        for bad in [
            "bytes 4",
            "value > 1, value > 2",
            "offset 70000, value 1",
            "colour 3, value 1",
            "value",
            "bytes 1, offset 2, value 3, bytes 4",
        ] {
            assert!(Entropy::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn list_names_follow_suricata() {
        assert_eq!(list_name(Buffer::FileData), "file_data");
        assert_eq!(list_name(Buffer::HttpRequestBody), "http_client_body");
        assert_eq!(list_name(Buffer::TlsSni), "tls.sni");
    }
}
