//! ClientHello / ServerHello contents, decoded with `tls-parser`.
//!
//! Hellos are decoded from one complete handshake message body (the state
//! machine reassembles messages that span records). Extensions are framed
//! here, one at a time, and each is handed to tls-parser's typed parser: a
//! malformed extension then costs only its own contents (as in Suricata,
//! which keeps its type for JA3) instead of the whole list. SNI is decoded
//! by hand because Suricata's SNI anomalies (`invalid_sni_type`,
//! `invalid_sni_length`) need the raw fields tls-parser hides.

use tls_parser::{
    parse_tls_client_hello_extension, parse_tls_handshake_client_hello,
    parse_tls_handshake_server_hello, parse_tls_server_hello_extension, TlsExtension,
};

/// SNI extension type.
const EXT_SNI: u16 = 0;
/// The only SNI name type (RFC 6066 §3).
const SNI_HOST_NAME: u8 = 0;

/// What a ClientHello offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (`client_version`).
    pub version: u16,
    /// The 32 random bytes.
    pub random: Vec<u8>,
    /// Session id (empty when absent).
    pub session_id: Vec<u8>,
    /// Cipher suites in order, GREASE included.
    pub ciphers: Vec<u16>,
    /// Extension types in order, GREASE included.
    pub extensions: Vec<u16>,
    /// supported_groups (elliptic_curves), GREASE included.
    pub groups: Vec<u16>,
    /// ec_point_formats.
    pub ec_point_formats: Vec<u8>,
    /// signature_algorithms in order, GREASE included.
    pub sig_algs: Vec<u16>,
    /// ALPN protocol names in order.
    pub alpn: Vec<Vec<u8>>,
    /// supported_versions in order, GREASE included (empty without the extension).
    pub supported_versions: Vec<u16>,
    /// Whether the supported_versions extension is present.
    pub has_supported_versions: bool,
    /// Server name (first host_name of the first SNI extension).
    pub sni: Option<Vec<u8>>,
    /// A session_ticket extension is present (resumption attempt).
    pub session_ticket: bool,
    /// An early_data extension is present (0-RTT).
    pub early_data: bool,
    /// Anomalies met while decoding (Suricata event names).
    pub anomalies: Vec<&'static str>,
}

/// What a ServerHello chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` (`server_version`).
    pub version: u16,
    /// The 32 random bytes (empty when the message was too short).
    pub random: Vec<u8>,
    /// Session id (empty when absent).
    pub session_id: Vec<u8>,
    /// Chosen cipher suite.
    pub cipher: u16,
    /// Extension types in order.
    pub extensions: Vec<u16>,
    /// The supported_versions extension's selected version (TLS 1.3).
    pub selected_version: Option<u16>,
    /// ALPN protocol chosen.
    pub alpn: Vec<Vec<u8>>,
    /// Anomalies met while decoding.
    pub anomalies: Vec<&'static str>,
}

/// Splits an extension block into `(type, whole extension incl. header)`.
/// Returns false when the framing is broken (the rest is dropped).
fn walk_extensions<'a>(mut ext: &'a [u8], mut f: impl FnMut(u16, &'a [u8])) -> bool {
    while !ext.is_empty() {
        let (Some(t), Some(l)) = (be16(ext, 0), be16(ext, 2)) else {
            return false;
        };
        let end = 4 + usize::from(l);
        let Some(whole) = ext.get(..end) else {
            return false;
        };
        f(t, whole);
        ext = ext.get(end..).unwrap_or_default();
    }
    true
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Decodes a ClientHello body. The error is the Suricata event name.
pub fn parse_client_hello(body: &[u8]) -> Result<ClientHello, &'static str> {
    let (_, ch) =
        parse_tls_handshake_client_hello(body).map_err(|_| "tls.handshake_invalid_length")?;
    let mut out = ClientHello {
        version: ch.version.0,
        random: ch.random.to_vec(),
        session_id: ch.session_id.unwrap_or_default().to_vec(),
        ciphers: ch.ciphers.iter().map(|c| c.0).collect(),
        ..ClientHello::default()
    };
    let mut sni_seen = false;
    let framed = walk_extensions(ch.ext.unwrap_or_default(), |t, whole| {
        out.extensions.push(t);
        if t == EXT_SNI {
            if sni_seen {
                out.anomalies.push("tls.multiple_sni_extensions");
            } else {
                sni_seen = true;
                match parse_sni(whole.get(4..).unwrap_or_default()) {
                    Ok(name) => out.sni = name,
                    Err(e) => out.anomalies.push(e),
                }
            }
            return;
        }
        match parse_tls_client_hello_extension(whole) {
            Ok((_, ext)) => apply_client_ext(&mut out, ext),
            Err(_) => out.anomalies.push("tls.handshake_invalid_length"),
        }
    });
    if !framed {
        out.anomalies.push("tls.handshake_invalid_length");
    }
    Ok(out)
}

fn apply_client_ext(out: &mut ClientHello, ext: TlsExtension<'_>) {
    match ext {
        TlsExtension::EllipticCurves(g) => out.groups = g.iter().map(|g| g.0).collect(),
        TlsExtension::EcPointFormats(p) => out.ec_point_formats = p.to_vec(),
        TlsExtension::SignatureAlgorithms(s) => out.sig_algs = s,
        TlsExtension::ALPN(list) => out.alpn = list.iter().map(|p| p.to_vec()).collect(),
        TlsExtension::SupportedVersions(v) => {
            out.has_supported_versions = true;
            out.supported_versions = v.iter().map(|v| v.0).collect();
        }
        TlsExtension::SessionTicket(_) => out.session_ticket = true,
        TlsExtension::EarlyData(_) => out.early_data = true,
        _ => {}
    }
}

/// The first host_name of an SNI extension body, with Suricata's checks:
/// the name type must be host_name and its length 1..=255.
fn parse_sni(data: &[u8]) -> Result<Option<Vec<u8>>, &'static str> {
    if data.is_empty() {
        return Ok(None);
    }
    let Some(&kind) = data.get(2) else {
        return Err("tls.handshake_invalid_length");
    };
    if kind != SNI_HOST_NAME {
        return Err("tls.invalid_sni_type");
    }
    let len = usize::from(be16(data, 3).ok_or("tls.handshake_invalid_length")?);
    match data.get(5..5 + len) {
        Some(name) if (1..=255).contains(&len) => Ok(Some(name.to_vec())),
        _ => Err("tls.invalid_sni_length"),
    }
}

/// Decodes a ServerHello body (any version, TLS 1.3 drafts included).
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHello, &'static str> {
    let version = be16(body, 0).ok_or("tls.handshake_invalid_length")?;
    let mut out = ServerHello {
        version,
        ..ServerHello::default()
    };
    let ext = match parse_tls_handshake_server_hello(body) {
        Ok((_, sh)) => {
            out.random = sh.random.to_vec();
            out.session_id = sh.session_id.unwrap_or_default().to_vec();
            out.cipher = sh.cipher.0;
            sh.ext
        }
        // TLS 1.3 drafts (0x7fxx) and pre-draft-16 0x0304 hellos have no
        // session id or compression: version, random, cipher, extensions.
        Err(_) if version == 0x0304 || version >> 8 == 0x7f => {
            let random = body.get(2..34).ok_or("tls.handshake_invalid_length")?;
            out.random = random.to_vec();
            out.cipher = be16(body, 34).unwrap_or(0);
            let ext_len = be16(body, 36).map(usize::from);
            ext_len.and_then(|l| body.get(38..38 + l))
        }
        Err(_) => return Err("tls.handshake_invalid_length"),
    };
    let framed = walk_extensions(ext.unwrap_or_default(), |t, whole| {
        out.extensions.push(t);
        match parse_tls_server_hello_extension(whole) {
            Ok((_, TlsExtension::SupportedVersions(v))) => {
                out.selected_version = v.first().map(|v| v.0);
            }
            Ok((_, TlsExtension::ALPN(list))) => {
                out.alpn = list.iter().map(|p| p.to_vec()).collect();
            }
            Ok(_) => {}
            Err(_) => out.anomalies.push("tls.handshake_invalid_length"),
        }
    });
    if !framed {
        out.anomalies.push("tls.handshake_invalid_length");
    }
    Ok(out)
}

/// The version a SSLv2-framed ClientHello asks for (`03 01` for a TLS 1.0
/// client speaking the v2-compatible format). `body` starts after the
/// message type byte.
pub fn sslv2_client_hello_version(body: &[u8]) -> Option<u16> {
    // version(2) cipher_spec_length(2) session_id_length(2) challenge_length(2)
    if body.len() < 6 {
        return None;
    }
    be16(body, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello body: TLS 1.2, one GREASE and two real ciphers, SNI
    /// "a.b", ALPN h2, supported_versions [GREASE, 1.3, 1.2].
    fn client_hello_body() -> Vec<u8> {
        let mut exts = Vec::new();
        // SNI: list len 6, type 0, len 3, "a.b"
        exts.extend_from_slice(&[0x00, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00, 0x00, 0x03]);
        exts.extend_from_slice(b"a.b");
        // ALPN: list len 3, "h2"
        exts.extend_from_slice(&[0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, b'h', b'2']);
        // supported_versions
        exts.extend_from_slice(&[
            0x00, 0x2b, 0x00, 0x07, 0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03,
        ]);
        // supported_groups: x25519, secp256r1
        exts.extend_from_slice(&[0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]);
        // ec_point_formats: uncompressed
        exts.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
        // GREASE extension, empty
        exts.extend_from_slice(&[0xda, 0xda, 0x00, 0x00]);
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[0x11; 32]);
        b.push(0); // no session id
        b.extend_from_slice(&[0x00, 0x06, 0x2a, 0x2a, 0x13, 0x01, 0xc0, 0x2f]);
        b.extend_from_slice(&[0x01, 0x00]);
        b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        b.extend_from_slice(&exts);
        b
    }

    #[test]
    fn client_hello_fields() {
        let ch = parse_client_hello(&client_hello_body()).unwrap();
        assert_eq!(ch.version, 0x0303);
        assert_eq!(ch.random, vec![0x11; 32]);
        assert_eq!(ch.ciphers, vec![0x2a2a, 0x1301, 0xc02f]);
        assert_eq!(ch.extensions, vec![0, 16, 43, 10, 11, 0xdada]);
        assert_eq!(ch.sni.as_deref(), Some(&b"a.b"[..]));
        assert_eq!(ch.alpn, vec![b"h2".to_vec()]);
        assert_eq!(ch.supported_versions, vec![0x3a3a, 0x0304, 0x0303]);
        assert_eq!(ch.groups, vec![0x1d, 0x17]);
        assert_eq!(ch.ec_point_formats, vec![0]);
        assert!(ch.anomalies.is_empty());
    }

    #[test]
    fn sni_anomalies() {
        assert_eq!(
            parse_sni(&[0, 4, 1, 0, 1, b'x']),
            Err("tls.invalid_sni_type")
        );
        assert_eq!(parse_sni(&[0, 3, 0, 0, 0]), Err("tls.invalid_sni_length"));
        assert_eq!(
            parse_sni(&[0, 9, 0, 0, 9, b'x']),
            Err("tls.invalid_sni_length")
        );
        assert_eq!(parse_sni(&[0, 4, 0, 0, 1, b'x']), Ok(Some(b"x".to_vec())));
        assert_eq!(parse_sni(&[]), Ok(None));
    }

    #[test]
    fn broken_extension_keeps_its_type() {
        let mut b = client_hello_body();
        // Corrupt the ALPN list length (0x0003 -> 0x0009): ALPN's contents
        // are lost, its type and the following extensions are kept.
        let pos = b
            .windows(4)
            .position(|w| w == [0x00, 0x05, 0x00, 0x03])
            .unwrap();
        b[pos + 3] = 0x09;
        let ch = parse_client_hello(&b).unwrap();
        assert_eq!(ch.extensions, vec![0, 16, 43, 10, 11, 0xdada]);
        assert!(ch.alpn.is_empty());
        assert_eq!(ch.groups, vec![0x1d, 0x17]);
        assert_eq!(ch.anomalies, vec!["tls.handshake_invalid_length"]);
    }

    #[test]
    fn server_hello_tls13() {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[0x22; 32]);
        b.push(0);
        b.extend_from_slice(&[0x13, 0x02, 0x00]);
        let exts = [0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x00];
        b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        b.extend_from_slice(&exts);
        let sh = parse_server_hello(&b).unwrap();
        assert_eq!(sh.version, 0x0303);
        assert_eq!(sh.cipher, 0x1302);
        assert_eq!(sh.extensions, vec![43, 51]);
        assert_eq!(sh.selected_version, Some(0x0304));
    }

    #[test]
    fn server_hello_draft_version() {
        let mut b = vec![0x7f, 0x12];
        b.extend_from_slice(&[0x22; 32]);
        b.extend_from_slice(&[0x13, 0x01, 0x00, 0x00]);
        let sh = parse_server_hello(&b).unwrap();
        assert_eq!((sh.version, sh.cipher), (0x7f12, 0x1301));
    }

    #[test]
    fn truncated_hellos_never_panic() {
        let b = client_hello_body();
        for n in 0..b.len() {
            let _ = parse_client_hello(&b[..n]);
            let _ = parse_server_hello(&b[..n]);
        }
        assert_eq!(
            parse_client_hello(&b[..10]),
            Err("tls.handshake_invalid_length")
        );
    }
}
