//! The parameterised transforms `pcrexform` and `from_base64`, kept apart
//! from the simple byte rewrites in `transform`.
//!
//! Both end up in a list key ([`crate::applayer::ListKey`]), which must be
//! comparable and hashable, so `pcrexform` compares by its pattern text
//! and keeps the compiled regex behind an `Arc`.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::base64::{decode, Base64Mode};
use crate::keyword::KwError;

/// `pcrexform:"<regex>"`: the buffer becomes the regex's capture groups
/// (concatenated) when it matches, and stays as it is otherwise.
#[derive(Debug, Clone)]
pub struct PcreXform {
    pattern: String,
    re: Arc<regex::bytes::Regex>,
}

impl PartialEq for PcreXform {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl Eq for PcreXform {}

impl Hash for PcreXform {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.pattern.hash(state);
    }
}

impl PcreXform {
    /// Parses the quoted pattern; it must hold a capture group.
    pub fn parse(value: Option<&str>) -> Result<PcreXform, KwError> {
        let v = value.ok_or_else(|| KwError::invalid("pcrexform needs a regex"))?;
        let v = v.trim();
        let pattern = v
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(v);
        if pattern.is_empty() {
            return Err(KwError::invalid("pcrexform needs a regex"));
        }
        let re = regex::bytes::RegexBuilder::new(pattern)
            .unicode(false)
            .build()
            .map_err(|e| {
                KwError::unsupported(format!(
                    "pcrexform regex {pattern:?} not supported by Sigil's regex engine: {e}"
                ))
            })?;
        if re.captures_len() < 2 {
            return Err(KwError::invalid(format!(
                "pcrexform regex {pattern:?} has no capture group"
            )));
        }
        Ok(PcreXform {
            pattern: pattern.to_string(),
            re: Arc::new(re),
        })
    }

    /// Writes the transform of `input` into `out` (already cleared).
    pub fn apply(&self, input: &[u8], out: &mut Vec<u8>) {
        match self.re.captures(input) {
            Some(caps) => {
                for m in caps.iter().skip(1).flatten() {
                    out.extend_from_slice(m.as_bytes());
                }
            }
            None => out.extend_from_slice(input),
        }
    }
}

/// `from_base64: [bytes N][, offset N][, mode strict|rfc4648|rfc2045]`:
/// the buffer becomes the base64 decoding of `input[offset..][..bytes]`
/// (RFC 4648 mode by default). A failed decoding leaves an empty buffer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FromBase64 {
    bytes: Option<usize>,
    offset: usize,
    mode: Base64Mode,
}

impl FromBase64 {
    /// Parses the options (none is fine).
    pub fn parse(value: Option<&str>) -> Result<FromBase64, KwError> {
        let mut t = FromBase64 {
            bytes: None,
            offset: 0,
            mode: Base64Mode::Rfc4648,
        };
        let Some(v) = value else {
            return Ok(t);
        };
        let bad = |what: &str| KwError::invalid(format!("from_base64: invalid option {what:?}"));
        for opt in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let (key, val) = opt
                .split_once(|c: char| c.is_whitespace() || c == ':')
                .ok_or_else(|| bad(opt))?;
            let val = val.trim().trim_start_matches(':').trim();
            let num = || -> Result<usize, KwError> {
                if val.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    return Err(KwError::unsupported(
                        "from_base64 with byte_extract variables is not implemented",
                    ));
                }
                val.parse::<u16>().map(usize::from).map_err(|_| bad(opt))
            };
            match key.trim() {
                "bytes" => t.bytes = Some(num()?).filter(|&n| n > 0),
                "offset" => t.offset = num()?,
                "mode" => t.mode = Base64Mode::from_name(val).ok_or_else(|| bad(opt))?,
                _ => return Err(bad(opt)),
            }
        }
        Ok(t)
    }

    /// Writes the transform of `input` into `out` (already cleared).
    pub fn apply(&self, input: &[u8], out: &mut Vec<u8>) {
        let from = input.get(self.offset..).unwrap_or_default();
        let data = match self.bytes {
            Some(n) => from.get(..n).unwrap_or(from),
            None => from,
        };
        decode(data, self.mode, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcrexform(p: &str, input: &[u8]) -> Vec<u8> {
        let t = PcreXform::parse(Some(p)).expect("valid");
        let mut out = Vec::new();
        t.apply(input, &mut out);
        out
    }

    #[test]
    fn pcrexform_keeps_captures() {
        let line = b"GET /z4d4kWk.jpg HTTP/1.1";
        assert_eq!(
            pcrexform(r#""[a-zA-Z]+\s+(.*)\s+HTTP""#, line),
            b"/z4d4kWk.jpg"
        );
        assert_eq!(pcrexform(r#""(a)x(b)""#, b"zaxbz"), b"ab");
        assert_eq!(pcrexform(r#""(nomatch)""#, b"abc"), b"abc");
        assert!(matches!(
            PcreXform::parse(Some("\"abc\"")),
            Err(KwError::Invalid(_))
        ));
        assert_eq!(
            PcreXform::parse(Some("\"(a)\"")),
            PcreXform::parse(Some("\"(a)\""))
        );
    }

    fn b64(opts: Option<&str>, input: &[u8]) -> Vec<u8> {
        let t = FromBase64::parse(opts).expect("valid");
        let mut out = Vec::new();
        t.apply(input, &mut out);
        out
    }

    #[test]
    fn from_base64_options() {
        let uri = b"/?arg=Zm 9v Ym Fy";
        assert_eq!(b64(Some("offset 6, mode rfc2045"), uri), b"foobar");
        assert_eq!(b64(Some("offset 6, mode strict"), uri), b"");
        assert_eq!(b64(Some("offset 6, mode rfc4648"), uri), b"f");
        assert_eq!(b64(None, b"Zm9vYmFy"), b"foobar");
        assert_eq!(b64(Some("bytes 4"), b"Zm9vYmFy"), b"foo");
        assert_eq!(b64(Some("offset 100"), b"Zm9v"), b"");
        for bad in ["mode relaxed", "bytes x1", "colour 3", "offset"] {
            assert!(FromBase64::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
