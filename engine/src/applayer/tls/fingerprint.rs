//! JA3, JA3S and JA4 fingerprints of hellos.
//!
//! JA3 (salesforce/ja3) is `version,ciphers,extensions,groups,point_formats`
//! of the ClientHello, decimal values joined by `-`, GREASE removed, MD5
//! hex; JA3S is `version,cipher,extensions` of the ServerHello. Both are the
//! strings Suricata builds (an empty field leaves its comma: `769,47,,,`).
//!
//! JA4 follows FoxIO's specification (technical_details/JA4.md):
//! `t` + version + `d`/`i` + cipher count + extension count + ALPN chars,
//! then the truncated SHA-256 of the sorted cipher list, then of the sorted
//! extension list (SNI and ALPN removed) `_` signature algorithms in
//! order. Where the specification and Suricata 8's implementation differ
//! (Suricata hashes an empty list instead of printing `000000000000`,
//! always appends `_` before the signature algorithms and takes ALPN
//! bytes as they are), the specification is followed.

use md5::Md5;
use sha2::{Digest, Sha256};

use super::handshake::{ClientHello, ServerHello};
use crate::evidence::hex;

/// GREASE values (RFC 8701): `0x?a?a` with both bytes equal.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

fn join_dec<T: std::fmt::Display>(values: impl Iterator<Item = T>) -> String {
    let parts: Vec<String> = values.map(|v| v.to_string()).collect();
    parts.join("-")
}

fn no_grease(values: &[u16]) -> impl Iterator<Item = u16> + '_ {
    values.iter().copied().filter(|v| !is_grease(*v))
}

/// The JA3 string of a ClientHello.
pub fn ja3_string(ch: &ClientHello) -> String {
    format!(
        "{},{},{},{},{}",
        ch.version,
        join_dec(no_grease(&ch.ciphers)),
        join_dec(no_grease(&ch.extensions)),
        join_dec(no_grease(&ch.groups)),
        join_dec(ch.ec_point_formats.iter()),
    )
}

/// The JA3S string of a ServerHello.
pub fn ja3s_string(sh: &ServerHello) -> String {
    format!(
        "{},{},{}",
        sh.version,
        join_dec(no_grease(&[sh.cipher])),
        join_dec(no_grease(&sh.extensions)),
    )
}

/// Lower-case hex MD5 of a JA3/JA3S string.
pub fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

/// First 12 hex characters of SHA-256, or `000000000000` for an empty list.
fn ja4_hash(raw: &str) -> String {
    if raw.is_empty() {
        return "000000000000".to_string();
    }
    let mut h = hex(&Sha256::digest(raw.as_bytes()));
    h.truncate(12);
    h
}

fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// The two ALPN characters: first and last byte of the first protocol
/// name when both are ASCII alphanumeric, else the first and last hex
/// digit of its hex form; `00` without ALPN.
fn ja4_alpn(alpn: &[Vec<u8>]) -> String {
    let Some(first) = alpn.first() else {
        return "00".to_string();
    };
    let (Some(&a), Some(&z)) = (first.first(), first.last()) else {
        return "00".to_string();
    };
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        return format!("{}{}", char::from(a), char::from(z));
    }
    let h = hex(first);
    let mut chars = h.chars();
    match (chars.next(), h.chars().last()) {
        (Some(a), Some(z)) => format!("{a}{z}"),
        _ => "00".to_string(),
    }
}

fn hex4_list(values: impl Iterator<Item = u16>) -> String {
    let parts: Vec<String> = values.map(|v| format!("{v:04x}")).collect();
    parts.join(",")
}

/// The JA4 fingerprint of a ClientHello over TCP.
pub fn ja4(ch: &ClientHello) -> String {
    let version = if ch.has_supported_versions {
        no_grease(&ch.supported_versions).max().unwrap_or(0)
    } else {
        ch.version
    };
    let mut ciphers: Vec<u16> = no_grease(&ch.ciphers).collect();
    let exts: Vec<u16> = no_grease(&ch.extensions).collect();
    let sni = if exts.contains(&0) { 'd' } else { 'i' };
    let a = format!(
        "t{}{}{:02}{:02}{}",
        ja4_version(version),
        sni,
        ciphers.len().min(99),
        exts.len().min(99),
        ja4_alpn(&ch.alpn)
    );
    ciphers.sort_unstable();
    let b = ja4_hash(&hex4_list(ciphers.into_iter()));
    let mut hashed_exts: Vec<u16> = exts.into_iter().filter(|e| *e != 0 && *e != 16).collect();
    hashed_exts.sort_unstable();
    let c = if hashed_exts.is_empty() {
        ja4_hash("")
    } else {
        let mut raw = hex4_list(hashed_exts.into_iter());
        let sigs: Vec<u16> = no_grease(&ch.sig_algs).collect();
        if !sigs.is_empty() {
            raw.push('_');
            raw.push_str(&hex4_list(sigs.into_iter()));
        }
        ja4_hash(&raw)
    };
    format!("{a}_{b}_{c}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hexes(s: &str) -> Vec<u16> {
        s.split(',')
            .map(|h| u16::from_str_radix(h, 16).unwrap())
            .collect()
    }

    /// The ClientHello of the JA4 specification's worked example.
    fn spec_hello() -> ClientHello {
        ClientHello {
            version: 0x0303,
            ciphers: hexes(
                "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
            ),
            extensions: hexes(
                "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015",
            ),
            sig_algs: hexes("0403,0804,0401,0503,0805,0501,0806,0601"),
            alpn: vec![b"h2".to_vec()],
            supported_versions: vec![0x0a0a, 0x0304, 0x0303],
            has_supported_versions: true,
            ..ClientHello::default()
        }
    }

    #[test]
    fn ja4_matches_the_specification_example() {
        assert_eq!(ja4(&spec_hello()), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    }

    #[test]
    fn ja4_spec_hashes_of_raw_lists() {
        assert_eq!(
            ja4_hash("002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"),
            "8daaf6152771"
        );
        assert_eq!(
            ja4_hash("0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"),
            "6d807ffa2a79"
        );
    }

    #[test]
    fn ja4_without_signature_algorithms_has_no_underscore() {
        let mut ch = spec_hello();
        ch.sig_algs.clear();
        assert_eq!(ja4(&ch), "t13d1516h2_8daaf6152771_6d807ffa2a79");
    }

    #[test]
    fn ja4_grease_empty_lists_and_alpn_edge_cases() {
        let mut ch = ClientHello {
            version: 0x0301,
            ciphers: vec![0x0a0a],
            extensions: vec![0xfafa],
            ..ClientHello::default()
        };
        assert_eq!(ja4(&ch), "t10i000000_000000000000_000000000000");
        ch.alpn = vec![b"http/1.1".to_vec()];
        assert!(ja4(&ch).starts_with("t10i0000h1_"));
        for (alpn, want) in [
            (&[0xab][..], "ab"),
            (&[0xab, 0xcd][..], "ad"),
            (&[0x30, 0xab][..], "3b"),
            (&[0x30, 0x31, 0xab, 0xcd][..], "3d"),
            (&[0x30, 0xab, 0xcd, 0x31][..], "01"),
            (&b"x"[..], "xx"),
            (&[][..], "00"),
        ] {
            assert_eq!(ja4_alpn(&[alpn.to_vec()]), want, "{alpn:?}");
        }
    }

    #[test]
    fn ja4_counts_cap_at_99() {
        let ch = ClientHello {
            version: 0x0303,
            ciphers: (1..200).collect(),
            extensions: (1..200).collect(),
            ..ClientHello::default()
        };
        assert!(ja4(&ch).starts_with("t12i999900_"));
    }

    #[test]
    fn ja3_strings_drop_grease_and_keep_empty_fields() {
        let ch = ClientHello {
            version: 769,
            ciphers: vec![0x2a2a, 47, 53],
            ..ClientHello::default()
        };
        assert_eq!(ja3_string(&ch), "769,47-53,,,");
        let sh = ServerHello {
            version: 771,
            cipher: 49199,
            extensions: vec![65281, 0x1a1a, 11, 35],
            ..ServerHello::default()
        };
        assert_eq!(ja3s_string(&sh), "771,49199,65281-11-35");
        assert_eq!(
            md5_hex("771,49199,65281-11-35"),
            "ccc514751b175866924439bdbb5bba34"
        );
    }

    #[test]
    fn grease_values() {
        let all: Vec<u16> = (0..=u16::MAX).filter(|v| is_grease(*v)).collect();
        assert_eq!(all.len(), 16);
        assert_eq!(all[0], 0x0a0a);
        assert_eq!(all[15], 0xfafa);
    }
}
