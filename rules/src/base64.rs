//! Base64 decoding with Suricata's three modes (shared by the
//! `from_base64` transform and `base64_decode`).
//!
//! Suricata decodes attacker-controlled text, so the modes differ in how
//! they treat bytes outside the alphabet rather than in the alphabet: RFC
//! 2045 (MIME) skips them, RFC 4648 stops at the first one and keeps what
//! was decoded, strict rejects the whole input. `=` ends the data in every
//! mode; a trailing partial quantum yields the bytes it fully covers.

/// How bytes outside the base64 alphabet are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base64Mode {
    /// Skip them (MIME).
    Rfc2045,
    /// Stop decoding at the first one.
    Rfc4648,
    /// Fail: nothing is decoded.
    Strict,
}

impl Base64Mode {
    /// The mode named in a rule (`rfc2045`, `rfc4648`, `strict`).
    pub fn from_name(s: &str) -> Option<Base64Mode> {
        Some(match s.to_ascii_lowercase().as_str() {
            "rfc2045" => Base64Mode::Rfc2045,
            "rfc4648" => Base64Mode::Rfc4648,
            "strict" => Base64Mode::Strict,
            _ => return None,
        })
    }
}

fn value(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes `input` into `out` (appended). Returns false when strict mode
/// rejected the input (then nothing is appended).
pub fn decode(input: &[u8], mode: Base64Mode, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    let (mut acc, mut n) = (0u32, 0u32);
    for &b in input {
        if b == b'=' {
            break;
        }
        match value(b) {
            Some(v) => {
                acc = acc << 6 | v;
                n += 1;
                if n == 4 {
                    out.extend_from_slice(&acc.to_be_bytes()[1..]);
                    acc = 0;
                    n = 0;
                }
            }
            None => match mode {
                Base64Mode::Rfc2045 => {}
                Base64Mode::Rfc4648 => break,
                Base64Mode::Strict => {
                    out.truncate(start);
                    return false;
                }
            },
        }
    }
    // A partial quantum of n sextets covers n - 1 whole bytes.
    if n >= 2 {
        let bits = acc << (6 * (4 - n));
        let bytes = bits.to_be_bytes();
        let take = usize::try_from(n - 1).unwrap_or(0);
        out.extend(bytes.iter().skip(1).take(take));
    } else if n == 1 && mode == Base64Mode::Strict {
        out.truncate(start);
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], mode: Base64Mode) -> (bool, Vec<u8>) {
        let mut out = Vec::new();
        let ok = decode(input, mode, &mut out);
        (ok, out)
    }

    #[test]
    fn modes() {
        use Base64Mode::*;
        assert_eq!(run(b"Zm9vYmFy", Strict), (true, b"foobar".to_vec()));
        assert_eq!(run(b"Zm9vYg==", Rfc4648), (true, b"foob".to_vec()));
        assert_eq!(run(b"Zm9vYg", Rfc4648), (true, b"foob".to_vec()));
        assert_eq!(run(b"Zm 9v Ym Fy", Rfc2045), (true, b"foobar".to_vec()));
        assert_eq!(run(b"Zm 9v Ym Fy", Rfc4648), (true, b"f".to_vec()));
        assert_eq!(run(b"Zm 9v Ym Fy", Strict), (false, Vec::new()));
        assert_eq!(run(b"Zm9vY", Strict), (false, Vec::new()));
        assert_eq!(Base64Mode::from_name("RFC2045"), Some(Rfc2045));
        assert_eq!(Base64Mode::from_name("relax"), None);
    }
}
