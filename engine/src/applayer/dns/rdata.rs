//! RDATA decoding per record type, and the names Suricata logs for record
//! types and response codes.
//!
//! Only the types Suricata decodes get structure (addresses, names, TXT
//! strings, SOA, SRV, SSHFP, OPT); everything else is kept raw. As in
//! Suricata, a typed RDATA that does not parse makes its section invalid,
//! while bytes left over after a complete value are ignored.

use std::borrow::Cow;

use super::parser::{read_u16, read_u32, Name, NameCtx, ParseError};

/// SOA fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    /// Primary name server.
    pub mname: Name,
    /// Responsible mailbox.
    pub rname: Name,
    /// Zone serial.
    pub serial: u32,
    /// Refresh interval (s).
    pub refresh: u32,
    /// Retry interval (s).
    pub retry: u32,
    /// Expiry (s).
    pub expire: u32,
    /// Minimum / negative-caching TTL (s).
    pub minimum: u32,
}

/// SRV fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    /// Priority.
    pub priority: u16,
    /// Weight.
    pub weight: u16,
    /// Port.
    pub port: u16,
    /// Target host.
    pub target: Name,
}

/// SSHFP fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sshfp {
    /// Key algorithm number.
    pub algo: u8,
    /// Fingerprint type.
    pub fp_type: u8,
    /// Fingerprint bytes.
    pub fingerprint: Vec<u8>,
}

/// One EDNS option of an OPT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptEntry {
    /// Option code.
    pub code: u16,
    /// Option data.
    pub data: Vec<u8>,
}

/// Decoded RDATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    /// IPv4 address bytes (normally 4).
    A(Vec<u8>),
    /// IPv6 address bytes (normally 16).
    Aaaa(Vec<u8>),
    /// Canonical name.
    Cname(Name),
    /// Pointer name.
    Ptr(Name),
    /// Mail exchanger (the preference is not kept, as in Suricata).
    Mx(Name),
    /// Name server.
    Ns(Name),
    /// TXT character-strings.
    Txt(Vec<Vec<u8>>),
    /// NULL record bytes.
    Null(Vec<u8>),
    /// Start of authority.
    Soa(Soa),
    /// Service location.
    Srv(Srv),
    /// SSH fingerprint.
    Sshfp(Sshfp),
    /// EDNS options.
    Opt(Vec<OptEntry>),
    /// Any other type, raw.
    Unknown(Vec<u8>),
}

impl RData {
    /// The domain name this RDATA carries, if its type carries one that
    /// detection treats as a name (CNAME, PTR, MX, NS, SOA's mname).
    pub fn name(&self) -> Option<&Name> {
        match self {
            RData::Cname(n) | RData::Ptr(n) | RData::Mx(n) | RData::Ns(n) => Some(n),
            RData::Soa(soa) => Some(&soa.mname),
            _ => None,
        }
    }
}

/// Record type numbers that are decoded.
pub mod rrtype {
    /// IPv4 address.
    pub const A: u16 = 1;
    /// Name server.
    pub const NS: u16 = 2;
    /// Canonical name.
    pub const CNAME: u16 = 5;
    /// Start of authority.
    pub const SOA: u16 = 6;
    /// NULL.
    pub const NULL: u16 = 10;
    /// Pointer.
    pub const PTR: u16 = 12;
    /// Mail exchanger.
    pub const MX: u16 = 15;
    /// Text.
    pub const TXT: u16 = 16;
    /// IPv6 address.
    pub const AAAA: u16 = 28;
    /// Service location.
    pub const SRV: u16 = 33;
    /// EDNS OPT.
    pub const OPT: u16 = 41;
    /// SSH fingerprint.
    pub const SSHFP: u16 = 44;
}

/// Decodes the RDATA in `start..end` of the message.
pub(super) fn parse_rdata(
    ctx: &mut NameCtx<'_>,
    rtype: u16,
    start: usize,
    end: usize,
) -> Result<RData, ParseError> {
    let msg = ctx.msg;
    let raw = || msg.get(start..end).map(<[u8]>::to_vec).unwrap_or_default();
    // A typed value that runs past its RDATA is invalid, not "incomplete".
    let checked = |at: usize, len: usize| {
        if at + len <= end {
            Ok(())
        } else {
            Err(ParseError::Malformed)
        }
    };
    Ok(match rtype {
        rrtype::A => RData::A(raw()),
        rrtype::AAAA => RData::Aaaa(raw()),
        rrtype::CNAME => RData::Cname(bounded_name(ctx, start, end)?.0),
        rrtype::PTR => RData::Ptr(bounded_name(ctx, start, end)?.0),
        rrtype::NS => RData::Ns(bounded_name(ctx, start, end)?.0),
        rrtype::MX => {
            checked(start, 2)?;
            RData::Mx(bounded_name(ctx, start + 2, end)?.0)
        }
        rrtype::SOA => {
            let (mname, pos) = bounded_name(ctx, start, end)?;
            let (rname, pos) = bounded_name(ctx, pos, end)?;
            checked(pos, 20)?;
            RData::Soa(Soa {
                mname,
                rname,
                serial: read_u32(msg, pos)?,
                refresh: read_u32(msg, pos + 4)?,
                retry: read_u32(msg, pos + 8)?,
                expire: read_u32(msg, pos + 12)?,
                minimum: read_u32(msg, pos + 16)?,
            })
        }
        rrtype::SRV => {
            checked(start, 6)?;
            let (target, _) = bounded_name(ctx, start + 6, end)?;
            RData::Srv(Srv {
                priority: read_u16(msg, start)?,
                weight: read_u16(msg, start + 2)?,
                port: read_u16(msg, start + 4)?,
                target,
            })
        }
        rrtype::TXT => RData::Txt(parse_txt(msg, start, end)?),
        rrtype::NULL => RData::Null(raw()),
        rrtype::SSHFP => {
            checked(start, 2)?;
            RData::Sshfp(Sshfp {
                algo: msg.get(start).copied().unwrap_or_default(),
                fp_type: msg.get(start + 1).copied().unwrap_or_default(),
                fingerprint: msg
                    .get(start + 2..end)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            })
        }
        rrtype::OPT => RData::Opt(parse_opt(msg, start, end)?),
        _ => RData::Unknown(raw()),
    })
}

/// A name inside RDATA: running past the RDATA is invalid.
fn bounded_name(
    ctx: &mut NameCtx<'_>,
    start: usize,
    end: usize,
) -> Result<(Name, usize), ParseError> {
    ctx.name(start, end).map_err(|_| ParseError::Malformed)
}

/// TXT: character-strings until the RDATA ends. Like Suricata, a string
/// that overruns the RDATA ends the list, unless it is the first one.
fn parse_txt(msg: &[u8], start: usize, end: usize) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut strings = Vec::new();
    let mut pos = start;
    while pos < end {
        let len = usize::from(msg.get(pos).copied().unwrap_or_default());
        let to = pos + 1 + len;
        match msg.get(pos + 1..to).filter(|_| to <= end) {
            Some(s) => strings.push(s.to_vec()),
            None if strings.is_empty() => return Err(ParseError::Malformed),
            None => break,
        }
        pos = to;
    }
    Ok(strings)
}

/// OPT: (code, length, data) triples filling the RDATA.
fn parse_opt(msg: &[u8], start: usize, end: usize) -> Result<Vec<OptEntry>, ParseError> {
    let mut entries = Vec::new();
    let mut pos = start;
    while pos < end {
        if pos + 4 > end {
            return Err(ParseError::Malformed);
        }
        let code = read_u16(msg, pos)?;
        let len = usize::from(read_u16(msg, pos + 2)?);
        let from = pos + 4;
        let data = msg
            .get(from..from + len)
            .filter(|_| from + len <= end)
            .ok_or(ParseError::Malformed)?;
        entries.push(OptEntry {
            code,
            data: data.to_vec(),
        });
        pos = from + len;
    }
    Ok(entries)
}

/// Suricata's name for a record type (`A`, `AAAA`, …), or the number.
pub fn rrtype_name(t: u16) -> Cow<'static, str> {
    let name = match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAPPTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        55 => "HIP",
        59 => "CDS",
        60 => "CDNSKEY",
        65 => "HTTPS",
        99 => "SPF",
        249 => "TKEY",
        250 => "TSIG",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        _ => return Cow::Owned(t.to_string()),
    };
    Cow::Borrowed(name)
}

/// Suricata's name for a 4-bit response code, or the number.
pub fn rcode_name(rcode: u8) -> Cow<'static, str> {
    let name = match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => return Cow::Owned(rcode.to_string()),
    };
    Cow::Borrowed(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rdata(rtype: u16, bytes: &[u8]) -> Result<RData, ParseError> {
        let mut ctx = NameCtx::new(bytes, 1 << 20);
        parse_rdata(&mut ctx, rtype, 0, bytes.len())
    }

    #[test]
    fn typed_rdata() {
        assert_eq!(
            rdata(rrtype::A, &[1, 2, 3, 4]),
            Ok(RData::A(vec![1, 2, 3, 4]))
        );
        let mx = rdata(rrtype::MX, &[0, 10, 2, b'm', b'x', 0]).unwrap();
        assert_eq!(mx.name().map(|n| n.value.as_slice()), Some(&b"mx"[..]));
        let srv = rdata(rrtype::SRV, &[0, 1, 0, 2, 0x13, 0xc4, 1, b's', 0]).unwrap();
        match srv {
            RData::Srv(s) => {
                assert_eq!((s.priority, s.weight, s.port), (1, 2, 5060));
                assert_eq!(s.target.value, b"s");
            }
            other => panic!("{other:?}"),
        }
        let mut soa = vec![1, b'n', 0, 1, b'h', 0];
        for v in [1u32, 2, 3, 4, 5] {
            soa.extend_from_slice(&v.to_be_bytes());
        }
        match rdata(rrtype::SOA, &soa).unwrap() {
            RData::Soa(s) => {
                assert_eq!(s.mname.value, b"n");
                assert_eq!(s.rname.value, b"h");
                assert_eq!((s.serial, s.minimum), (1, 5));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            rdata(rrtype::TXT, &[2, b'h', b'i', 0, 1, b'!']),
            Ok(RData::Txt(vec![b"hi".to_vec(), Vec::new(), b"!".to_vec()]))
        );
        assert_eq!(
            rdata(rrtype::OPT, &[0, 10, 0, 2, 0xab, 0xcd]),
            Ok(RData::Opt(vec![OptEntry {
                code: 10,
                data: vec![0xab, 0xcd]
            }]))
        );
        assert_eq!(rdata(99, &[9, 9]), Ok(RData::Unknown(vec![9, 9])));
    }

    #[test]
    fn overruns_are_malformed() {
        assert_eq!(rdata(rrtype::MX, &[0]), Err(ParseError::Malformed));
        assert_eq!(rdata(rrtype::CNAME, &[5, b'a']), Err(ParseError::Malformed));
        assert_eq!(rdata(rrtype::SOA, &[0, 0, 1]), Err(ParseError::Malformed));
        assert_eq!(rdata(rrtype::TXT, &[5, b'a']), Err(ParseError::Malformed));
        assert_eq!(
            rdata(rrtype::OPT, &[0, 1, 0, 9]),
            Err(ParseError::Malformed)
        );
        assert_eq!(rdata(rrtype::SSHFP, &[1]), Err(ParseError::Malformed));
        // A later TXT string that overruns just ends the list.
        assert_eq!(
            rdata(rrtype::TXT, &[1, b'a', 9]),
            Ok(RData::Txt(vec![b"a".to_vec()]))
        );
    }

    #[test]
    fn names_of_types_and_codes() {
        assert_eq!(rrtype_name(1), "A");
        assert_eq!(rrtype_name(33), "SRV");
        assert_eq!(rrtype_name(65), "HTTPS");
        assert_eq!(rrtype_name(4242), "4242");
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(12), "12");
    }
}
