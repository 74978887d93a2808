//! The decompression transforms of Suricata 8: `gunzip` (gzip member)
//! and `zlib_deflate` (zlib-wrapped deflate), each with an optional
//! `max-size <n>` bounding the output (1024 bytes by default, as in
//! Suricata; units such as `kb` or `MiB` accepted).
//!
//! The buffer becomes the decompressed bytes, cut at `max-size`. Input
//! that is not a valid stream yields what decompressed before the error
//! (nothing when the header is already wrong), so a rule's contents then
//! see an empty or short buffer rather than the compressed bytes.

use std::io::Read;

use flate2::read::{GzDecoder, ZlibDecoder};

use crate::keyword::KwError;
use crate::uint::parse_number;

/// Suricata's default output bound.
const DEFAULT_MAX_SIZE: u32 = 1024;
/// Largest `max-size` accepted (16 MiB): the output lives in scratch
/// memory reused for every inspected value.
const MAX_MAX_SIZE: u64 = 16 << 20;

/// Which container the compressed bytes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZipFormat {
    /// RFC 1952 gzip (`gunzip`).
    Gzip,
    /// RFC 1950 zlib (`zlib_deflate`).
    Zlib,
}

/// A compiled `gunzip` / `zlib_deflate`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decompress {
    format: ZipFormat,
    max_size: u32,
}

impl Decompress {
    /// Parses keyword `kw`'s optional value: `max-size <n>` (or
    /// `max-size=<n>`).
    pub fn parse(kw: &str, format: ZipFormat, value: Option<&str>) -> Result<Decompress, KwError> {
        let mut max_size = None;
        for opt in value.unwrap_or_default().split(',').map(str::trim) {
            if opt.is_empty() {
                continue;
            }
            let (key, val) = opt
                .split_once(|c: char| c == '=' || c.is_whitespace())
                .ok_or_else(|| KwError::invalid(format!("{kw}: option {opt:?} needs a value")))?;
            if key.trim() != "max-size" {
                return Err(KwError::invalid(format!(
                    "{kw}: unknown option {:?} (max-size expected)",
                    key.trim()
                )));
            }
            if max_size.is_some() {
                return Err(KwError::invalid(format!("{kw}: max-size given twice")));
            }
            let val = val.trim().trim_start_matches('=').trim();
            let n = parse_number(val)
                .ok_or_else(|| KwError::invalid(format!("{kw}: invalid max-size {val:?}")))?;
            if n == 0 {
                return Err(KwError::invalid(format!(
                    "{kw}: max-size 0 would always produce an empty buffer"
                )));
            }
            if n > MAX_MAX_SIZE {
                return Err(KwError::invalid(format!(
                    "{kw}: max-size {n} is above the limit of {MAX_MAX_SIZE} bytes"
                )));
            }
            max_size = u32::try_from(n).ok();
        }
        Ok(Decompress {
            format,
            max_size: max_size.unwrap_or(DEFAULT_MAX_SIZE),
        })
    }

    /// Suricata's keyword.
    pub fn name(&self) -> &'static str {
        match self.format {
            ZipFormat::Gzip => "gunzip",
            ZipFormat::Zlib => "zlib_deflate",
        }
    }

    /// Writes the decompression of `input` into `out` (already cleared).
    pub fn apply(&self, input: &[u8], out: &mut Vec<u8>) {
        if input.is_empty() {
            return;
        }
        let limit = u64::from(self.max_size);
        // `take` bounds the output; a read error ends it with what came
        // before (a truncated stream still shows its beginning).
        let _ = match self.format {
            ZipFormat::Gzip => GzDecoder::new(input).take(limit).read_to_end(out),
            ZipFormat::Zlib => ZlibDecoder::new(input).take(limit).read_to_end(out),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    fn run(format: ZipFormat, value: Option<&str>, input: &[u8]) -> Vec<u8> {
        let kw = if format == ZipFormat::Gzip {
            "gunzip"
        } else {
            "zlib_deflate"
        };
        let t = Decompress::parse(kw, format, value).expect("valid");
        let mut out = Vec::new();
        t.apply(input, &mut out);
        out
    }

    #[test]
    fn decompresses_up_to_max_size() {
        let text = b"This is compressed then base64-encoded\n";
        assert_eq!(run(ZipFormat::Gzip, None, &gz(text)), text);
        assert_eq!(run(ZipFormat::Zlib, None, &zlib(text)), text);
        assert_eq!(
            run(ZipFormat::Gzip, Some("max-size 8"), &gz(text)),
            b"This is "
        );
        assert_eq!(
            run(ZipFormat::Zlib, Some("max-size=8"), &zlib(text)),
            b"This is "
        );
        // Default bound: 1024 bytes.
        let big = vec![b'a'; 5000];
        assert_eq!(run(ZipFormat::Gzip, None, &gz(&big)).len(), 1024);
        assert_eq!(
            run(ZipFormat::Gzip, Some("max-size 2kb"), &gz(&big)).len(),
            2048
        );
    }

    #[test]
    fn bad_input_gives_what_decoded() {
        let text = b"hello world, hello world";
        // Wrong container: nothing.
        assert!(run(ZipFormat::Zlib, None, &gz(text)).is_empty());
        assert!(run(ZipFormat::Gzip, None, b"not compressed").is_empty());
        assert!(run(ZipFormat::Gzip, None, b"").is_empty());
        // Truncated trailer: the data still shows.
        let z = gz(text);
        let cut = z.get(..z.len() - 4).expect("long enough");
        assert_eq!(run(ZipFormat::Gzip, None, cut), text);
    }

    #[test]
    fn options_are_checked() {
        for bad in [
            "max-size 0",
            "max-size x",
            "size 3",
            "max-size",
            "max-size 1, max-size 2",
            "max-size 1gb",
        ] {
            assert!(
                Decompress::parse("gunzip", ZipFormat::Gzip, Some(bad)).is_err(),
                "{bad}"
            );
        }
        let d = Decompress::parse("gunzip", ZipFormat::Gzip, Some("max-size 1MiB")).expect("valid");
        assert_eq!(d.max_size, 1 << 20);
        assert_eq!(d.name(), "gunzip");
    }
}
