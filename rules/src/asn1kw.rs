//! `asn1`: decodes BER objects from the packet payload and flags malformed
//! ones, as Suricata's keyword does.
//!
//! `asn1:[bitstring_overflow][,double_overflow][,oversize_length N][,absolute_offset N|relative_offset N]`
//! (options separated by commas and/or spaces). Objects are decoded one
//! after another from the offset (absolute, or relative to the end of the
//! last content match) with `der-parser` (the BER parser Suricata uses),
//! at most 30 top-level objects and 30 levels deep; decoding stops at the
//! first object that does not parse. The rule matches when any object or
//! sub-object
//! - is longer than `oversize_length` (header length or content),
//! - is a primitive BIT STRING whose unused-bit count exceeds its length in
//!   bits (`bitstring_overflow`),
//! - is a primitive REAL in decimal encoding longer than 256 bytes
//!   (`double_overflow`, the MSASN1 library's overflow).

use der_parser::asn1_rs::{Class, Length, Tag};
use der_parser::ber::{parse_ber_recursive, BerObject, BerObjectContent};

use crate::keyword::KwError;

/// Suricata's default `asn1-max-frames`: top-level objects and nesting.
const MAX_FRAMES: usize = 30;

/// One `asn1` keyword.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asn1Check {
    bitstring_overflow: bool,
    double_overflow: bool,
    oversize_length: Option<u32>,
    absolute_offset: Option<u16>,
    relative_offset: Option<i32>,
}

impl Asn1Check {
    /// Parses the keyword's value.
    pub fn parse(value: &str) -> Result<Asn1Check, KwError> {
        let mut a = Asn1Check::default();
        let words: Vec<&str> = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Err(KwError::invalid("asn1 needs at least one option"));
        }
        let mut it = words.into_iter();
        while let Some(w) = it.next() {
            let mut arg = |name: &str| {
                it.next()
                    .ok_or_else(|| KwError::invalid(format!("asn1 {name} needs a number")))
            };
            match w {
                "bitstring_overflow" => a.bitstring_overflow = true,
                "double_overflow" => a.double_overflow = true,
                "oversize_length" => {
                    let n = arg(w)?;
                    a.oversize_length = Some(n.parse().map_err(|_| {
                        KwError::invalid(format!("asn1 oversize_length {n:?}: 0 to 4294967295"))
                    })?);
                }
                "absolute_offset" => {
                    let n = arg(w)?;
                    a.absolute_offset = Some(n.parse().map_err(|_| {
                        KwError::invalid(format!("asn1 absolute_offset {n:?}: 0 to 65535"))
                    })?);
                }
                "relative_offset" => {
                    let n = arg(w)?;
                    let v: i32 = n
                        .parse()
                        .ok()
                        .filter(|v: &i32| v.unsigned_abs() <= u32::from(u16::MAX))
                        .ok_or_else(|| {
                            KwError::invalid(format!("asn1 relative_offset {n:?}: -65535 to 65535"))
                        })?;
                    a.relative_offset = Some(v);
                }
                other => return Err(KwError::invalid(format!("unknown asn1 option {other:?}"))),
            }
        }
        if a.absolute_offset.is_some() && a.relative_offset.is_some() {
            return Err(KwError::invalid(
                "asn1 takes absolute_offset or relative_offset, not both",
            ));
        }
        Ok(a)
    }

    /// Whether the BER objects of `buf`, from the keyword's offset (`last`
    /// is the end of the last content match), trip a check.
    pub fn eval(&self, buf: &[u8], last: usize) -> bool {
        let start = match (self.absolute_offset, self.relative_offset) {
            (Some(a), _) => Some(usize::from(a)),
            (None, Some(r)) => {
                let at = i64::try_from(last).unwrap_or(i64::MAX) + i64::from(r);
                // Suricata keeps the offset in 16 bits.
                u16::try_from(at).ok().map(usize::from)
            }
            (None, None) => Some(0),
        };
        let Some(mut rest) = start.and_then(|s| buf.get(s..)).filter(|r| !r.is_empty()) else {
            return false;
        };
        let mut objects = 0;
        while !rest.is_empty() && objects < MAX_FRAMES {
            let Ok((next, obj)) = parse_ber_recursive(rest, MAX_FRAMES) else {
                break;
            };
            if self.trips(&obj, MAX_FRAMES) {
                return true;
            }
            objects += 1;
            rest = next;
        }
        false
    }

    /// Checks `obj` and its sub-objects, `depth` levels at most.
    fn trips(&self, obj: &BerObject<'_>, depth: usize) -> bool {
        if depth == 0 {
            return false;
        }
        if self.object_trips(obj) {
            return true;
        }
        obj.ref_iter().any(|sub| self.trips(sub, depth - 1))
    }

    fn object_trips(&self, obj: &BerObject<'_>) -> bool {
        let len = match obj.header.length() {
            Length::Definite(n) => n,
            Length::Indefinite => 0,
        };
        let data = obj.content.as_slice().unwrap_or(&[]);
        if let Some(max) = self.oversize_length {
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            if len > max || data.len() > max {
                return true;
            }
        }
        let universal_primitive =
            obj.header.class() == Class::Universal && obj.header.is_primitive();
        if self.bitstring_overflow && universal_primitive && obj.header.tag() == Tag::BitString {
            if let BerObjectContent::BitString(unused, _) = &obj.content {
                if len > 0 && usize::from(*unused) > len.saturating_mul(8) {
                    return true;
                }
            }
        }
        if self.double_overflow
            && universal_primitive
            && obj.header.tag() == Tag::RealType
            && len > 0
            && data.first().is_some_and(|b| b & 0xC0 == 0)
            && (len > 256 || data.len() > 256)
        {
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X.690 (2002) appendix A.3: a personnel record, 136 bytes.
    const A3: &[u8] =
        b"\x60\x81\x85\x61\x10\x1A\x04John\x1A\x01P\x1A\x05Smith\xA0\x0A\x1A\x08Director\
\x42\x01\x33\xA1\x0A\x43\x0819710917\xA2\x12\x61\x10\x1A\x04Mary\x1A\x01T\x1A\x05Smith\
\xA3\x42\x31\x1F\x61\x11\x1A\x05Ralph\x1A\x01T\x1A\x05Smith\xA0\x0A\x43\x0819571111\
\x31\x1F\x61\x11\x1A\x05Susan\x1A\x01B\x1A\x05Jones\xA0\x0A\x43\x0819590717";

    fn check(opts: &str) -> Asn1Check {
        Asn1Check::parse(opts).unwrap()
    }

    #[test]
    fn parses_suricatas_spellings() {
        let a =
            check("double_overflow, bitstring_overflow, relative_offset 27, oversize_length 2048");
        assert!(a.double_overflow && a.bitstring_overflow);
        assert_eq!(
            (a.relative_offset, a.oversize_length),
            (Some(27), Some(2048))
        );
        assert_eq!(
            check("oversize_length 1024,relative_offset -1").relative_offset,
            Some(-1)
        );
        assert_eq!(
            check("\n\t oversize_length 5 absolute_offset 10").absolute_offset,
            Some(10)
        );
        for bad in [
            "",
            "oversize_length",
            "oversize_length -1",
            "absolute_offset 65536",
            "relative_offset 65536",
            "relative_offset -65536",
            "some_other_param 360",
            "absolute_offset 1 relative_offset 2",
        ] {
            assert!(Asn1Check::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn oversize_length_looks_at_every_object() {
        assert!(check("oversize_length 132 absolute_offset 0").eval(A3, 0));
        assert!(!check("oversize_length 133 absolute_offset 0").eval(A3, 0));
        // A nested object longer than 30 bytes (the 0x42-byte children list).
        let nested = check("oversize_length 60, absolute_offset 0");
        assert!(nested.eval(A3, 0));
    }

    #[test]
    fn bitstring_and_double_overflows() {
        let bits = check("bitstring_overflow, absolute_offset 0");
        assert!(bits.eval(b"\x03\x01\xFF", 0), "255 unused bits of 8");
        assert!(!bits.eval(b"\x03\x01\x07", 0));
        let mut real = vec![0x05u8; 261];
        real[..4].copy_from_slice(&[0x09, 0x82, 0x01, 0x01]);
        let double = check("double_overflow, absolute_offset 0");
        assert!(double.eval(&real, 0), "257-byte decimal REAL");
        real[3] = 0x00;
        assert!(!double.eval(&real, 0), "256 bytes is not over");
    }

    #[test]
    fn offsets_and_bad_input() {
        let mut buf = b"junk:".to_vec();
        buf.extend_from_slice(b"\x03\x01\xFF");
        // Relative to the end of the last match (5), absolute, and past the end.
        assert!(check("bitstring_overflow relative_offset 0").eval(&buf, 5));
        assert!(check("bitstring_overflow relative_offset 2").eval(&buf, 3));
        assert!(check("bitstring_overflow absolute_offset 5").eval(&buf, 0));
        assert!(!check("bitstring_overflow relative_offset -6").eval(&buf, 5));
        assert!(!check("bitstring_overflow absolute_offset 8").eval(&buf, 0));
        // Truncated encodings decode nothing and match nothing.
        for junk in [&b"\x30\x84\xff\xff\xff\xff"[..], b"\x30", b"\xff\xff\xff"] {
            assert!(!check("oversize_length 0, bitstring_overflow").eval(junk, 0));
        }
        // Deep nesting and indefinite lengths stay within the frame limit.
        let mut deep = [0x30, 0x80].repeat(200);
        deep.extend([0u8; 400]);
        let _ = check("oversize_length 0").eval(&deep, 0);
        let _ = check("oversize_length 0").eval(&[0x30; 4096], 0);
    }

    /// Random bytes (and random BER-ish headers) never panic the decoder.
    #[test]
    fn random_input_is_harmless() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let all =
            check("bitstring_overflow, double_overflow, oversize_length 10, relative_offset 3");
        for _ in 0..3000 {
            let len = (next() % 300) as usize;
            let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Often start with a plausible constructed or string header.
            if len > 2 && next() % 2 == 0 {
                buf[0] = [0x30, 0x31, 0x03, 0x09, 0xA0, 0x24][(next() % 6) as usize];
                buf[1] = [0x80, 0x81, 0x84, 0x7f, 0x05][(next() % 5) as usize];
            }
            let _ = all.eval(&buf, (next() % 8) as usize);
        }
    }

    /// Through a rule: after its content, on packets only (never on
    /// reassembled stream data, as Suricata decodes the packet's payload).
    #[test]
    fn in_a_rule_after_a_content() {
        let rules = "\
alert tcp any any -> any any (content:\"junk:\"; asn1:bitstring_overflow, relative_offset 0; sid:1;)
alert tcp any any -> any any (asn1:oversize_length 2, absolute_offset 5; sid:2;)
";
        for prefilter in [true, false] {
            let (set, report) = crate::tests::build(rules, prefilter);
            assert_eq!(report.compiled, 2, "{report:#?}");
            let run = |payload: &[u8], from_stream: bool| {
                let mut p = crate::tests::to80(payload);
                p.flow.from_stream = from_stream;
                let mut scratch = set.new_scratch();
                let mut out = Vec::new();
                set.match_packet(&p, &mut scratch, &mut out);
                out.iter().map(|&id| set.meta(id).sid).collect::<Vec<u32>>()
            };
            assert_eq!(run(b"junk:\x03\x01\xFF", false), [1]);
            assert_eq!(run(b"junk:\x03\x01\x07", false), Vec::<u32>::new());
            assert_eq!(run(b"junk:\x04\x03abc", false), [2]);
            assert!(run(b"junk:\x03\x01\xFF", true).is_empty(), "packets only");
        }
    }
}
