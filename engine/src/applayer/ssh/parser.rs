//! Pure SSH parsing: identification lines (banners), binary packet
//! headers and the KEXINIT payload, plus HASSH.
//!
//! Only what Suricata reads is parsed: the banner's protocol and software
//! versions, each record's length and message code, and KEXINIT's
//! name-lists for the HASSH fingerprints. Everything after NEWKEYS is
//! encrypted and never reaches this module.

use md5::{Digest, Md5};

/// Banners of this length or more raise `ssh.long_banner`.
pub const MAX_BANNER_LEN: usize = 256;
/// Length, padding length and message code.
pub const RECORD_HEADER_LEN: usize = 6;
/// SSH_MSG_KEXINIT.
pub const MSG_KEXINIT: u8 = 20;
/// SSH_MSG_NEWKEYS.
pub const MSG_NEWKEYS: u8 = 21;

/// Where the first line in `data` ends, as Suricata's `ssh_parse_line`:
/// at `\n`, `\r\n`, or a lone `\r` followed by anything else. Returns the
/// line length (without terminator) and the total bytes consumed, or
/// `None` when the line is not finished yet (a trailing `\r` counts as
/// unfinished, since a `\n` may follow).
pub fn find_line_end(data: &[u8]) -> Option<(usize, usize)> {
    let at = data.iter().position(|&b| b == b'\n' || b == b'\r')?;
    if data.get(at) == Some(&b'\n') {
        return Some((at, at + 1));
    }
    match data.get(at + 1) {
        Some(b'\n') => Some((at, at + 2)),
        Some(_) => Some((at, at + 1)),
        None => None,
    }
}

/// The two version fields of an identification line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner<'a> {
    /// Protocol version (`2.0`, `1.99`).
    pub proto: &'a [u8],
    /// Software version, up to the first space or line end (may be empty).
    pub software: &'a [u8],
}

/// Splits `SSH-protoversion-softwareversion[ comments]` as Suricata does:
/// the protocol version runs to the first `-` and must not be empty or
/// unterminated; the software version runs to a space, CR or LF.
pub fn parse_banner(line: &[u8]) -> Option<Banner<'_>> {
    let rest = line.strip_prefix(b"SSH-")?;
    let dash = rest.iter().position(|&b| b == b'-')?;
    if dash == 0 {
        return None;
    }
    let after = &rest[dash + 1..];
    let end = after
        .iter()
        .position(|&b| matches!(b, b' ' | b'\r' | b'\n'))
        .unwrap_or(after.len());
    Some(Banner {
        proto: &rest[..dash],
        software: &after[..end],
    })
}

/// A binary packet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// `packet_length`: padding length byte + payload + padding.
    pub pkt_len: u32,
    /// Padding length.
    pub padding_len: u8,
    /// First payload byte, the message code.
    pub msg_code: u8,
}

impl RecordHeader {
    /// Reads a header; `None` when fewer than 6 bytes are given.
    pub fn parse(data: &[u8]) -> Option<RecordHeader> {
        match data.get(..RECORD_HEADER_LEN)? {
            [a, b, c, d, p, m] => Some(RecordHeader {
                pkt_len: u32::from_be_bytes([*a, *b, *c, *d]),
                padding_len: *p,
                msg_code: *m,
            }),
            _ => None,
        }
    }

    /// A packet must at least hold the padding length and message code
    /// (Suricata rejects 0 and 1 as an evasion).
    pub fn is_valid(&self) -> bool {
        self.pkt_len > 1
    }

    /// Bytes of the record after the 6-byte header.
    pub fn body_len(&self) -> u64 {
        u64::from(self.pkt_len).saturating_sub(2)
    }
}

/// The name-lists of a KEXINIT message that HASSH uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KexInit<'a> {
    /// kex_algorithms.
    pub kex: &'a [u8],
    /// server_host_key_algorithms.
    pub host_key: &'a [u8],
    /// encryption_algorithms_client_to_server.
    pub enc_c2s: &'a [u8],
    /// encryption_algorithms_server_to_client.
    pub enc_s2c: &'a [u8],
    /// mac_algorithms_client_to_server.
    pub mac_c2s: &'a [u8],
    /// mac_algorithms_server_to_client.
    pub mac_s2c: &'a [u8],
    /// compression_algorithms_client_to_server.
    pub comp_c2s: &'a [u8],
    /// compression_algorithms_server_to_client.
    pub comp_s2c: &'a [u8],
}

/// Parses a KEXINIT payload (after the message code: 16-byte cookie, then
/// name-lists as u32-length strings). The language lists, the
/// first-kex-follows flag and the reserved word must be present too.
pub fn parse_kexinit(payload: &[u8]) -> Option<KexInit<'_>> {
    let mut rest = payload.get(16..)?;
    let mut lists: [&[u8]; 10] = [&[]; 10];
    for list in lists.iter_mut() {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        let len = usize::try_from(len).ok()?;
        let end = 4usize.checked_add(len)?;
        *list = rest.get(4..end)?;
        rest = &rest[end..];
    }
    // first_kex_packet_follows (1) + reserved (4).
    rest.get(..5)?;
    let [kex, host_key, enc_c2s, enc_s2c, mac_c2s, mac_s2c, comp_c2s, comp_s2c, ..] = lists;
    Some(KexInit {
        kex,
        host_key,
        enc_c2s,
        enc_s2c,
        mac_c2s,
        mac_s2c,
        comp_c2s,
        comp_s2c,
    })
}

impl KexInit<'_> {
    /// The HASSH input string: `kex;enc;mac;comp` with the client-to-server
    /// lists for the client (HASSH) and the server-to-client lists for the
    /// server (HASSHServer), as defined by Salesforce's HASSH.
    pub fn hassh_string(&self, server: bool) -> Vec<u8> {
        let (enc, mac, comp) = if server {
            (self.enc_s2c, self.mac_s2c, self.comp_s2c)
        } else {
            (self.enc_c2s, self.mac_c2s, self.comp_c2s)
        };
        [self.kex, enc, mac, comp].join(&b';')
    }
}

/// Lower-case hex MD5 of a HASSH string.
pub fn hassh(input: &[u8]) -> Vec<u8> {
    Md5::digest(input)
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a KEXINIT payload from name-lists.
    pub(crate) fn kexinit(lists: [&str; 10]) -> Vec<u8> {
        let mut p = vec![0x11; 16];
        for l in lists {
            p.extend_from_slice(&(l.len() as u32).to_be_bytes());
            p.extend_from_slice(l.as_bytes());
        }
        p.extend_from_slice(&[0, 0, 0, 0, 0]);
        p
    }

    #[test]
    fn line_ends() {
        assert_eq!(find_line_end(b"SSH-Single\n"), Some((10, 11)));
        assert_eq!(find_line_end(b"SSH-Double\r\nx"), Some((10, 12)));
        assert_eq!(find_line_end(b"SSH-Oops\rMore\r\n"), Some((8, 9)));
        assert_eq!(find_line_end(b"SSH-Miss\r"), None);
        assert_eq!(find_line_end(b"SSH-2.0-x"), None);
        assert_eq!(find_line_end(b"\n"), Some((0, 1)));
    }

    #[test]
    fn banners_split_like_suricata() {
        let b = parse_banner(b"SSH-2.0-OpenSSH_8.4p1 Debian-5").unwrap();
        assert_eq!(b.proto, b"2.0");
        assert_eq!(b.software, b"OpenSSH_8.4p1");
        let b = parse_banner(b"SSH-1.99-Cisco_server-1.24 \0\0").unwrap();
        assert_eq!(
            (b.proto, b.software),
            (&b"1.99"[..], &b"Cisco_server-1.24"[..])
        );
        let b = parse_banner(b"SSH-Single-").unwrap();
        assert_eq!((b.proto, b.software), (&b"Single"[..], &b""[..]));
        assert!(parse_banner(b"SSH-2.0").is_none(), "no second dash");
        assert!(parse_banner(b"SSH--x").is_none(), "empty protocol version");
        assert!(parse_banner(b"HTTP/1.1 200 OK").is_none());
    }

    #[test]
    fn record_headers() {
        let h = RecordHeader::parse(&[0, 0, 0, 12, 10, 21, 0xff]).unwrap();
        assert_eq!(
            (h.pkt_len, h.padding_len, h.msg_code),
            (12, 10, MSG_NEWKEYS)
        );
        assert_eq!(h.body_len(), 10);
        assert!(h.is_valid());
        assert!(!RecordHeader::parse(&[0, 0, 0, 1, 0, 0]).unwrap().is_valid());
        assert!(RecordHeader::parse(&[0, 0, 0]).is_none());
    }

    #[test]
    fn kexinit_and_hassh() {
        let p = kexinit([
            "curve25519-sha256",
            "ssh-ed25519",
            "aes128-ctr",
            "aes256-ctr",
            "hmac-sha2-256",
            "hmac-sha1",
            "none",
            "none,zlib@openssh.com",
            "",
            "",
        ]);
        let k = parse_kexinit(&p).unwrap();
        assert_eq!(k.host_key, b"ssh-ed25519");
        assert_eq!(
            k.hassh_string(false),
            b"curve25519-sha256;aes128-ctr;hmac-sha2-256;none".to_vec()
        );
        assert_eq!(
            k.hassh_string(true),
            b"curve25519-sha256;aes256-ctr;hmac-sha1;none,zlib@openssh.com".to_vec()
        );
        // MD5 test vector.
        assert_eq!(hassh(b"abc"), b"900150983cd24fb0d6963f7d28e17f72".to_vec());
        for cut in 0..p.len() {
            assert!(parse_kexinit(&p[..cut]).is_none(), "cut {cut}");
        }
        let mut huge = p.clone();
        huge[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_kexinit(&huge).is_none());
    }
}
