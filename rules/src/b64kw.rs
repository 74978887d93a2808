//! `base64_decode` and `base64_data`.
//!
//! `base64_decode: [bytes N][, offset N][, relative]` decodes part of the
//! buffer being inspected; the keywords after `base64_data` inspect the
//! decoded bytes. Sigil compiles those keywords into a program nested in
//! the decode step: the step decodes, runs the nested program and lets the
//! rest of the outer program continue only when it matched. A failed
//! nested match does not make earlier contents retry, since Suricata
//! inspects `base64_data` once, after the buffer, with the last decoding.

use crate::base64::{decode, Base64Mode};
use crate::keyword::KwError;
use crate::pcre::Latin1;
use crate::program::Program;

/// The compiled options of one `base64_decode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Base64Decode {
    /// Encoded bytes to decode at most (None: to the end of the buffer).
    pub bytes: Option<usize>,
    /// Start, from the buffer start or (`relative`) the previous match.
    pub offset: usize,
    /// Relative to the previous content/pcre match.
    pub relative: bool,
}

impl Base64Decode {
    /// Parses the options (all optional).
    pub fn parse(value: Option<&str>) -> Result<Base64Decode, KwError> {
        let mut d = Base64Decode {
            bytes: None,
            offset: 0,
            relative: false,
        };
        let Some(v) = value else {
            return Ok(d);
        };
        let bad = |o: &str| KwError::invalid(format!("base64_decode: invalid option {o:?}"));
        for opt in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            if opt == "relative" {
                d.relative = true;
                continue;
            }
            let (key, val) = opt
                .split_once(|c: char| c.is_whitespace())
                .ok_or_else(|| bad(opt))?;
            let n: u32 = val.trim().parse().map_err(|_| bad(opt))?;
            let n = usize::try_from(n).map_err(|_| bad(opt))?;
            match key {
                "bytes" if n > 0 => d.bytes = Some(n),
                "offset" => d.offset = n,
                _ => return Err(bad(opt)),
            }
        }
        Ok(d)
    }

    /// Decodes from `buf`; `cursor` is the end of the previous match.
    /// Returns the decoded bytes (empty when nothing decoded).
    pub fn decode(&self, buf: &[u8], cursor: usize) -> Vec<u8> {
        let start = if self.relative {
            cursor.saturating_add(self.offset)
        } else {
            self.offset
        };
        let from = buf.get(start..).unwrap_or_default();
        let data = match self.bytes {
            Some(n) => from.get(..n).unwrap_or(from),
            None => from,
        };
        let mut out = Vec::new();
        decode(data, Base64Mode::Rfc2045, &mut out);
        out
    }
}

/// A `base64_decode` step with the `base64_data` keywords that follow it.
#[derive(Debug)]
pub struct Base64Step {
    /// Where and how much to decode.
    pub decode: Base64Decode,
    /// Keywords on the decoded data (empty: decoding something suffices).
    pub data: Program,
}

impl Base64Step {
    /// Decodes and inspects: None when nothing decoded, else whether the
    /// `base64_data` keywords hold on the decoded bytes.
    pub fn eval(
        &self,
        buf: &[u8],
        cursor: usize,
        vars: &mut [u64],
        latin1: &mut Latin1,
    ) -> Option<bool> {
        let decoded = self.decode.decode(buf, cursor);
        if decoded.is_empty() {
            return None;
        }
        latin1.invalidate();
        let ok = self.data.matches(&decoded, vars, latin1);
        // The outer buffer's cached text is gone.
        latin1.invalidate();
        Some(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_decoding() {
        let d = Base64Decode::parse(Some("bytes 4, offset 1, relative")).expect("valid");
        assert_eq!(
            d,
            Base64Decode {
                bytes: Some(4),
                offset: 1,
                relative: true
            }
        );
        assert_eq!(d.decode(b"xx=Zm9vYmFy", 2), b"foo");
        let all = Base64Decode::parse(None).expect("valid");
        assert_eq!(all.decode(b"Zm9vYmFy", 5), b"foobar");
        assert!(all.decode(b"!!!", 0).is_empty());
        for bad in ["bytes", "bytes x", "depth 3", "bytes 0"] {
            assert!(Base64Decode::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn nested_program_runs_on_decoded_data() {
        let step = Base64Step {
            decode: Base64Decode::parse(None).expect("valid"),
            data: Program::default(),
        };
        let mut l = Latin1::default();
        assert_eq!(step.eval(b"Zm9v", 0, &mut [], &mut l), Some(true));
        assert_eq!(step.eval(b"", 0, &mut [], &mut l), None);
    }
}
