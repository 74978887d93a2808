//! Buffer transformations (`dotprefix`, `to_lowercase`, `to_sha256`, …).
//!
//! A transform follows a sticky buffer and rewrites the buffer's value
//! before the buffer's keywords inspect it; several apply in rule order.
//! Behaviour follows Suricata's implementations byte for byte (e.g.
//! `compress_whitespace` keeps the *first* whitespace byte of a run as it
//! is, `url_decode` leaves malformed `%` escapes alone and turns `+` into a
//! space, hashes yield the raw digest bytes, not hex).
//!
//! `domain` and `tld` use the public suffix list compiled into the `psl`
//! crate, the crate Suricata 8 itself calls (republished whenever the
//! list changes). Transforms that need engines Sigil does not embed
//! (`luaxform`, `subslice`) are reported as unsupported by
//! [`unsupported_transform`].
//! `pcrexform` and `from_base64` live in `xform_ext`, `gunzip` and
//! `zlib_deflate` in `xform_zip`.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::keyword::KwError;
use crate::xform_ext::{FromBase64, PcreXform};
use crate::xform_zip::{Decompress, ZipFormat};

/// One transformation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Transform {
    /// Prepends a `.` (so `.example.com` matches whole labels).
    DotPrefix,
    /// ASCII lower-case.
    ToLowercase,
    /// ASCII upper-case.
    ToUppercase,
    /// Removes every whitespace byte (C `isspace`).
    StripWhitespace,
    /// Keeps only the first whitespace byte of each run.
    CompressWhitespace,
    /// `%HH` decoding and `+` → space.
    UrlDecode,
    /// MD5 digest (16 raw bytes).
    ToMd5,
    /// SHA-1 digest (20 raw bytes).
    ToSha1,
    /// SHA-256 digest (32 raw bytes).
    ToSha256,
    /// Lower-cases header names (up to the first `:` of each line).
    HeaderLowercase,
    /// Drops header lines that start with `:` (HTTP/2 pseudo headers).
    StripPseudoHeaders,
    /// XOR with a repeating key.
    Xor(Vec<u8>),
    /// `pcrexform`: the regex's capture groups.
    Pcrexform(PcreXform),
    /// `from_base64`: base64 decoding.
    FromBase64(FromBase64),
    /// `gunzip` / `zlib_deflate`: decompression.
    Decompress(Decompress),
    /// The registrable domain (`www.bbc.co.uk` → `bbc.co.uk`).
    Domain,
    /// The public suffix (`www.bbc.co.uk` → `co.uk`).
    Tld,
}

/// C `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Why a transform keyword Sigil knows of is not implemented, or None
/// when `kw` is not a transform at all.
pub fn unsupported_transform(kw: &str) -> Option<&'static str> {
    Some(match kw {
        "luaxform" => "lua transforms are not supported",
        "subslice" => "the subslice transform is not implemented",
        _ => return None,
    })
}

impl Transform {
    /// Parses transform keyword `kw`; None when `kw` is not a supported
    /// transform.
    pub fn parse(kw: &str, value: Option<&str>) -> Option<Result<Transform, KwError>> {
        let plain = |t: Transform| match value {
            Some(_) => Err(KwError::invalid(format!("{kw} takes no value"))),
            None => Ok(t),
        };
        Some(match kw {
            "dotprefix" => plain(Transform::DotPrefix),
            "to_lowercase" => plain(Transform::ToLowercase),
            "to_uppercase" => plain(Transform::ToUppercase),
            "strip_whitespace" => plain(Transform::StripWhitespace),
            "compress_whitespace" => plain(Transform::CompressWhitespace),
            "url_decode" => plain(Transform::UrlDecode),
            "to_md5" => plain(Transform::ToMd5),
            "to_sha1" => plain(Transform::ToSha1),
            "to_sha256" => plain(Transform::ToSha256),
            "header_lowercase" => plain(Transform::HeaderLowercase),
            "strip_pseudo_headers" => plain(Transform::StripPseudoHeaders),
            "domain" => plain(Transform::Domain),
            "tld" => plain(Transform::Tld),
            "xor" => parse_xor(value),
            "pcrexform" => PcreXform::parse(value).map(Transform::Pcrexform),
            "from_base64" => FromBase64::parse(value).map(Transform::FromBase64),
            "gunzip" => Decompress::parse(kw, ZipFormat::Gzip, value).map(Transform::Decompress),
            "zlib_deflate" => {
                Decompress::parse(kw, ZipFormat::Zlib, value).map(Transform::Decompress)
            }
            _ => return None,
        })
    }

    /// Suricata's keyword.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::DotPrefix => "dotprefix",
            Transform::ToLowercase => "to_lowercase",
            Transform::ToUppercase => "to_uppercase",
            Transform::StripWhitespace => "strip_whitespace",
            Transform::CompressWhitespace => "compress_whitespace",
            Transform::UrlDecode => "url_decode",
            Transform::ToMd5 => "to_md5",
            Transform::ToSha1 => "to_sha1",
            Transform::ToSha256 => "to_sha256",
            Transform::HeaderLowercase => "header_lowercase",
            Transform::StripPseudoHeaders => "strip_pseudo_headers",
            Transform::Xor(_) => "xor",
            Transform::Pcrexform(_) => "pcrexform",
            Transform::FromBase64(_) => "from_base64",
            Transform::Decompress(d) => d.name(),
            Transform::Domain => "domain",
            Transform::Tld => "tld",
        }
    }

    /// Suricata's content validation: a content that can never match the
    /// transformed buffer makes the rule invalid (`content string "X"
    /// incompatible with to_lowercase transform`).
    pub fn accepts_content(&self, content: &[u8]) -> bool {
        match self {
            Transform::ToLowercase => !content.iter().any(u8::is_ascii_uppercase),
            Transform::ToUppercase => !content.iter().any(u8::is_ascii_lowercase),
            Transform::StripWhitespace => !content.iter().copied().any(is_space),
            Transform::CompressWhitespace => {
                !content.windows(2).any(|w| is_space(w[0]) && is_space(w[1]))
            }
            _ => true,
        }
    }

    /// Writes the transform of `input` into `out` (cleared first).
    pub fn apply(&self, input: &[u8], out: &mut Vec<u8>) {
        out.clear();
        match self {
            Transform::DotPrefix => {
                out.push(b'.');
                out.extend_from_slice(input);
            }
            Transform::ToLowercase => out.extend(input.iter().map(u8::to_ascii_lowercase)),
            Transform::ToUppercase => out.extend(input.iter().map(u8::to_ascii_uppercase)),
            Transform::StripWhitespace => {
                out.extend(input.iter().copied().filter(|&b| !is_space(b)))
            }
            Transform::CompressWhitespace => {
                let mut prev_space = false;
                for &b in input {
                    let space = is_space(b);
                    if !(space && prev_space) {
                        out.push(b);
                    }
                    prev_space = space;
                }
            }
            Transform::UrlDecode => url_decode(input, out),
            Transform::ToMd5 => out.extend_from_slice(&Md5::digest(input)),
            Transform::ToSha1 => out.extend_from_slice(&Sha1::digest(input)),
            Transform::ToSha256 => out.extend_from_slice(&Sha256::digest(input)),
            Transform::HeaderLowercase => {
                let mut in_name = true;
                for &b in input {
                    if b == b'\n' {
                        in_name = true;
                        out.push(b);
                    } else if in_name && b == b':' {
                        in_name = false;
                        out.push(b);
                    } else if in_name {
                        out.push(b.to_ascii_lowercase());
                    } else {
                        out.push(b);
                    }
                }
            }
            Transform::StripPseudoHeaders => {
                for line in input.split_inclusive(|&b| b == b'\n') {
                    if line.first() != Some(&b':') {
                        out.extend_from_slice(line);
                    }
                }
            }
            Transform::Xor(key) => {
                out.extend(input.iter().zip(key.iter().cycle()).map(|(a, k)| a ^ k));
            }
            Transform::Pcrexform(t) => t.apply(input, out),
            Transform::FromBase64(t) => t.apply(input, out),
            Transform::Decompress(t) => t.apply(input, out),
            // A name the list cannot place is left as it is (Suricata).
            Transform::Domain => match psl::domain(input) {
                Some(d) => out.extend_from_slice(d.as_bytes()),
                None => out.extend_from_slice(input),
            },
            Transform::Tld => match psl::suffix(input) {
                Some(s) => out.extend_from_slice(s.as_bytes()),
                None => out.extend_from_slice(input),
            },
        }
    }
}

/// `xor:"0d0ac8ff"`: an even number of hex digits, quotes optional.
fn parse_xor(value: Option<&str>) -> Result<Transform, KwError> {
    let v = value.ok_or_else(|| KwError::invalid("xor needs a hex key"))?;
    let hex = v.trim().trim_matches('"');
    if hex.is_empty() || hex.len() % 2 != 0 || hex.len() > 510 {
        return Err(KwError::invalid(format!("invalid xor key {hex:?}")));
    }
    let key = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| KwError::invalid(format!("invalid xor key {hex:?}")))?;
    Ok(Transform::Xor(key))
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn url_decode(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex_val);
                let lo = input.get(i + 2).copied().and_then(hex_val);
                if let (Some(h), Some(l)) = (hi, lo) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                out.push(b);
            }
            b'+' => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
}

/// Two reusable buffers for applying a chain of transforms without
/// allocating once warmed up.
#[derive(Debug, Default)]
pub struct TransformBufs {
    a: Vec<u8>,
    b: Vec<u8>,
}

impl TransformBufs {
    /// Applies `ts` in order to `input`. With no transform the input is
    /// returned as is.
    pub fn apply<'a>(&'a mut self, ts: &[Transform], input: &'a [u8]) -> &'a [u8] {
        let Some((first, rest)) = ts.split_first() else {
            return input;
        };
        first.apply(input, &mut self.a);
        for t in rest {
            t.apply(&self.a, &mut self.b);
            std::mem::swap(&mut self.a, &mut self.b);
        }
        &self.a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kw: &str, value: Option<&str>, input: &[u8]) -> Vec<u8> {
        let t = Transform::parse(kw, value)
            .expect("a transform")
            .expect("valid");
        let mut out = Vec::new();
        t.apply(input, &mut out);
        out
    }

    #[test]
    fn transforms_table() {
        // (keyword, value, input, output)
        type Case<'a> = (&'a str, Option<&'a str>, &'a [u8], &'a [u8]);
        let cases: &[Case] = &[
            ("dotprefix", None, b"example.com", b".example.com"),
            ("to_lowercase", None, b"MiXeD 1", b"mixed 1"),
            ("to_uppercase", None, b"MiXeD 1", b"MIXED 1"),
            ("strip_whitespace", None, b" a \tb\r\nc ", b"abc"),
            // Suricata keeps the first byte of a run as is.
            ("compress_whitespace", None, b"a \t b\r\n\r\nc", b"a b\rc"),
            (
                "url_decode",
                None,
                b"Suricata%20is+%27%61wesome%21%27%25%30%30%ZZ%4",
                b"Suricata is 'awesome!'%00%ZZ%4",
            ),
            (
                "header_lowercase",
                None,
                b"Host: Example\r\nX-UP: AbC\r\n",
                b"host: Example\r\nx-up: AbC\r\n",
            ),
            (
                "strip_pseudo_headers",
                None,
                b":method: GET\r\nuser-agent: x\r\n:path: /\r\n",
                b"user-agent: x\r\n",
            ),
            ("xor", Some("\"0102\""), b"\x01\x02\x03", b"\x00\x00\x02"),
        ];
        for &(kw, v, input, want) in cases {
            assert_eq!(run(kw, v, input), want, "{kw}");
        }
    }

    #[test]
    fn hashes_are_raw_digests() {
        assert_eq!(
            run("to_md5", None, b"abc"),
            [
                0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0, 0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1,
                0x7f, 0x72
            ]
        );
        assert_eq!(run("to_sha1", None, b"abc")[..4], [0xa9, 0x99, 0x3e, 0x36]);
        assert_eq!(
            run("to_sha256", None, b"abc")[..4],
            [0xba, 0x78, 0x16, 0xbf]
        );
        assert_eq!(run("to_sha256", None, b"abc").len(), 32);
    }

    #[test]
    fn chains_apply_in_order() {
        let ts = [Transform::ToLowercase, Transform::DotPrefix];
        let mut bufs = TransformBufs::default();
        assert_eq!(bufs.apply(&ts, b"WWW.X.COM"), b".www.x.com");
        assert_eq!(bufs.apply(&[], b"as is"), b"as is");
        let ts = [
            Transform::UrlDecode,
            Transform::StripWhitespace,
            Transform::ToUppercase,
        ];
        assert_eq!(bufs.apply(&ts, b"a%20b+c"), b"ABC");
    }

    #[test]
    fn domain_and_tld_follow_the_public_suffix_list() {
        let mut bufs = TransformBufs::default();
        let d = [Transform::Domain];
        let t = [Transform::Tld];
        assert_eq!(bufs.apply(&d, b"www.bbc.co.uk"), b"bbc.co.uk");
        assert_eq!(bufs.apply(&t, b"www.bbc.co.uk"), b"co.uk");
        assert_eq!(bufs.apply(&d, b"suricata.io"), b"suricata.io");
        assert_eq!(bufs.apply(&t, b"suricata.io"), b"io");
        assert_eq!(bufs.apply(&d, b"a.b.example.uk.com"), b"example.uk.com");
        // A bare suffix has no registrable domain: left as it is.
        assert_eq!(bufs.apply(&d, b"co.uk"), b"co.uk");
        assert_eq!(bufs.apply(&d, b""), b"");
        assert!(matches!(
            Transform::parse("tld", None),
            Some(Ok(Transform::Tld))
        ));
        assert!(matches!(
            Transform::parse("domain", Some("x")),
            Some(Err(KwError::Invalid(_)))
        ));
    }

    #[test]
    fn parse_errors_and_validation() {
        assert!(Transform::parse("nope", None).is_none());
        assert!(matches!(
            Transform::parse("dotprefix", Some("x")),
            Some(Err(KwError::Invalid(_)))
        ));
        for bad in ["", "abc", "zz", "\"\""] {
            assert!(
                matches!(Transform::parse("xor", Some(bad)), Some(Err(_))),
                "{bad}"
            );
        }
        assert!(!Transform::ToLowercase.accepts_content(b"aBc"));
        assert!(Transform::ToLowercase.accepts_content(b"abc"));
        assert!(!Transform::StripWhitespace.accepts_content(b"a b"));
        assert!(!Transform::CompressWhitespace.accepts_content(b"a  b"));
        assert!(Transform::CompressWhitespace.accepts_content(b"a b"));
        assert!(unsupported_transform("tld").is_none());
        assert!(unsupported_transform("luaxform").is_some());
        assert!(unsupported_transform("to_lowercase").is_none());
    }
}
