//! The TLS transaction: everything detection and EVE read from a flow.
//!
//! As in Suricata, a TLS flow has exactly one transaction (id 0) holding
//! both hellos, the certificates and the fingerprints.

use serde_json::Value;
use sigil_rules::buffer::{Buffer, Side};

use super::cert::{format_timestamp, CertInfo};
use crate::flow::Direction;
use crate::output::json::{self, JsonBuf};

/// Suricata's `ssl_state` flags (`client_hello`, `server_hello`,
/// `client_keyx`, `server_keyx`, `unknown`) as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SslStateFlags(u8);

impl SslStateFlags {
    /// No flag.
    pub const NONE: SslStateFlags = SslStateFlags(0);
    /// A ClientHello (TLS or SSLv2).
    pub const CLIENT_HELLO: SslStateFlags = SslStateFlags(1);
    /// A ServerHello.
    pub const SERVER_HELLO: SslStateFlags = SslStateFlags(2);
    /// A ClientKeyExchange (or SSLv2 client certificate).
    pub const CLIENT_KEYX: SslStateFlags = SslStateFlags(4);
    /// A ServerKeyExchange.
    pub const SERVER_KEYX: SslStateFlags = SslStateFlags(8);
    /// Suricata's `unknown`: never set by its parser, so never set here.
    pub const UNKNOWN: SslStateFlags = SslStateFlags(16);

    /// Every flag of `other` is set.
    pub fn contains(self, other: SslStateFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Some flag of `other` is set.
    pub fn intersects(self, other: SslStateFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// The raw bits.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The flag named as in the `ssl_state` keyword.
    pub fn from_name(name: &str) -> Option<SslStateFlags> {
        Some(match name {
            "client_hello" => Self::CLIENT_HELLO,
            "server_hello" => Self::SERVER_HELLO,
            "client_keyx" => Self::CLIENT_KEYX,
            "server_keyx" => Self::SERVER_KEYX,
            "unknown" => Self::UNKNOWN,
            _ => return None,
        })
    }
}

impl std::ops::BitOr for SslStateFlags {
    type Output = SslStateFlags;
    fn bitor(self, rhs: SslStateFlags) -> SslStateFlags {
        SslStateFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for SslStateFlags {
    fn bitor_assign(&mut self, rhs: SslStateFlags) {
        self.0 |= rhs.0;
    }
}

/// Whether the JA3/JA4 fields appear in EVE. Suricata computes them only
/// when enabled (`app-layer.protocols.tls.ja3-fingerprints`/`ja4-…`),
/// which by default (`auto`) means when a loaded rule uses a ja3/ja4
/// keyword; the buffers here are always available.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FingerprintLogging {
    /// Log `ja3` and `ja3s`.
    pub ja3: bool,
    /// Log `ja4`.
    pub ja4: bool,
}

/// One side's certificates: the chain of its first Certificate message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Certs {
    /// DER of every certificate, in message order.
    pub(super) chain: Vec<Vec<u8>>,
    /// Fields of the first certificate, when it decoded.
    pub(super) cert0: Option<CertInfo>,
}

/// The TLS transaction of a flow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tx {
    pub(super) client_version: u16,
    pub(super) server_version: u16,
    pub(super) client_random: Option<Vec<u8>>,
    pub(super) server_random: Option<Vec<u8>>,
    pub(super) sni: Option<Vec<u8>>,
    pub(super) client_alpn: Vec<Vec<u8>>,
    pub(super) server_alpn: Vec<Vec<u8>>,
    pub(super) ja3_string: Option<String>,
    pub(super) ja3_hash: Option<String>,
    pub(super) ja3s_string: Option<String>,
    pub(super) ja3s_hash: Option<String>,
    pub(super) ja4: Option<String>,
    pub(super) server_certs: Certs,
    pub(super) client_certs: Certs,
    /// Client / server reached the end of the cleartext handshake.
    pub(super) done: [bool; 2],
    pub(super) session_resumed: bool,
    pub(super) server_hello_seen: bool,
    pub(super) log_without_cert: bool,
    pub(super) ssl_state: SslStateFlags,
    pub(super) encrypted_bytes: [u64; 2],
    pub(super) logging: FingerprintLogging,
    /// Anomalies raised on the flow, each once (`app-layer-event:tls.…`).
    pub(super) events: Vec<&'static str>,
}

pub(super) fn side_index(d: Direction) -> usize {
    match d {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

/// Suricata's `SSLVersionToString`.
pub fn version_name(v: u16) -> String {
    match v {
        0 => "UNDETERMINED".to_string(),
        0x0002 => "SSLv2".to_string(),
        0x0300 => "SSLv3".to_string(),
        0x0301 => "TLSv1".to_string(),
        0x0302 => "TLS 1.1".to_string(),
        0x0303 => "TLS 1.2".to_string(),
        0x0304 => "TLS 1.3".to_string(),
        0x7f10..=0x7f1c => format!("TLS 1.3 draft-{}", v & 0xff),
        0x7f01 => "TLS 1.3 draft-<16".to_string(),
        0xfb14..=0xfb17 | 0xfb1a => format!("TLS 1.3 draft-{}-fb", v & 0xff),
        _ => format!("0x{v:04x}"),
    }
}

impl Tx {
    /// Always 0: one transaction per flow.
    pub fn id(&self) -> u64 {
        0
    }

    /// The side finished its cleartext handshake: its hello (and, for the
    /// server, its certificate) will not change. Suricata's
    /// `HANDSHAKE_DONE` progress: reached when the certificate the
    /// handshake needed decoded, when that side sent application data, or
    /// on a fatal cleartext alert.
    pub fn complete(&self, side: Side) -> bool {
        match side {
            Side::ToServer => self.done[0],
            Side::ToClient => self.done[1],
            Side::Both => self.done[0] && self.done[1],
        }
    }

    /// Whether Suricata writes a `tls` EVE record for this transaction: a
    /// server certificate with subject and issuer was decoded, or the
    /// session was resumed, or it is TLS 1.3 (certificates encrypted).
    pub fn should_log(&self) -> bool {
        self.server_certs.cert0.is_some() || self.session_resumed || self.log_without_cert
    }

    /// The version Suricata keeps for one side, as `tls.version` and
    /// `ssl_version` compare it: the record-layer version until that
    /// side's hello, then the hello's version, overridden by
    /// supported_versions (the client's first valid offer, the server's
    /// selection: `0x0304` for a negotiated TLS 1.3). `0x0002` is SSLv2,
    /// `0x7f01` a pre-draft-16 TLS 1.3 hello, 0 nothing seen.
    pub fn version(&self, dir: Direction) -> u16 {
        match dir {
            Direction::ToServer => self.client_version,
            Direction::ToClient => self.server_version,
        }
    }

    /// The `ssl_state` flags of the most recent input: Suricata matches
    /// the handshake message types of the record(s) just parsed, the last
    /// one setting a flag winning.
    pub fn ssl_state(&self) -> SslStateFlags {
        self.ssl_state
    }

    /// The 32 random bytes of the ClientHello (`tls.random` to server).
    pub fn client_random(&self) -> Option<&[u8]> {
        self.client_random.as_deref()
    }

    /// The 32 random bytes of the ServerHello (`tls.random` to client).
    pub fn server_random(&self) -> Option<&[u8]> {
        self.server_random.as_deref()
    }

    /// Server certificate notBefore (seconds since the epoch), for
    /// `tls.cert_valid` / `tls.cert_expired`.
    pub fn cert_not_before(&self) -> Option<i64> {
        self.server_certs.cert0.as_ref().map(|c| c.not_before)
    }

    /// Server certificate notAfter (seconds since the epoch).
    pub fn cert_not_after(&self) -> Option<i64> {
        self.server_certs.cert0.as_ref().map(|c| c.not_after)
    }

    /// Number of certificates in the server's chain (`tls.cert_chain_len`).
    pub fn cert_chain_len(&self) -> usize {
        self.server_certs.chain.len()
    }

    /// Anomalies the parser raised while this transaction was live, each
    /// listed once (Suricata keeps TLS events on its single transaction).
    pub fn events(&self) -> &[&'static str] {
        &self.events
    }

    /// Records anomaly `e` once.
    pub(super) fn add_event(&mut self, e: &'static str) {
        if !self.events.contains(&e) {
            self.events.push(e);
        }
    }

    /// Encrypted (application data) bytes seen from one side.
    pub fn encrypted_bytes(&self, dir: Direction) -> u64 {
        self.encrypted_bytes[side_index(dir)]
    }

    /// Sticky-buffer values as seen from a packet travelling `dir`: the
    /// hello random buffers (`tls.random`, `tls.random_time`,
    /// `tls.random_bytes`) come from that side's hello, the others as
    /// [`Tx::buffer`] gives them.
    pub fn buffer_dir<'a>(&'a self, b: Buffer, dir: Direction, out: &mut Vec<&'a [u8]>) {
        let random = match dir {
            Direction::ToServer => self.client_random.as_deref(),
            Direction::ToClient => self.server_random.as_deref(),
        };
        let part = match b {
            Buffer::TlsRandom => random,
            Buffer::TlsRandomTime => random.and_then(|r| r.get(..4)),
            Buffer::TlsRandomBytes => random.and_then(|r| r.get(4..)),
            _ => return self.buffer(b, out),
        };
        out.extend(part);
    }

    /// Sticky-buffer values. The server-certificate buffers come from the
    /// first certificate of the server's chain; [`Buffer::TlsCerts`] yields
    /// every certificate's DER and [`Buffer::TlsSubjectAltName`] every SAN.
    pub fn buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        let cert0 = self.server_certs.cert0.as_ref();
        let one = |s: Option<&'a str>| s.map(str::as_bytes);
        let value = match b {
            Buffer::TlsSni => self.sni.as_deref(),
            Buffer::TlsCertSubject => one(cert0.map(|c| c.subject.as_str())),
            Buffer::TlsCertIssuer => one(cert0.map(|c| c.issuer.as_str())),
            Buffer::TlsCertSerial => one(cert0.map(|c| c.serial.as_str())),
            Buffer::TlsCertFingerprint => one(cert0.map(|c| c.fingerprint.as_str())),
            Buffer::Ja3Hash => one(self.ja3_hash.as_deref()),
            Buffer::Ja3String => one(self.ja3_string.as_deref()),
            Buffer::Ja3sHash => one(self.ja3s_hash.as_deref()),
            Buffer::Ja3sString => one(self.ja3s_string.as_deref()),
            Buffer::Ja4Hash => one(self.ja4.as_deref()),
            Buffer::TlsCerts => {
                out.extend(self.server_certs.chain.iter().map(Vec::as_slice));
                None
            }
            Buffer::TlsSubjectAltName => {
                if let Some(c) = cert0 {
                    out.extend(c.sans.iter().map(String::as_bytes));
                }
                None
            }
            _ => None,
        };
        out.extend(value);
    }

    /// The `"tls": {…}` object as a `Value`; [`Tx::write_eve`] writes it.
    pub fn eve(&self) -> Value {
        json::to_value(|j| self.write_eve(j))
    }

    /// Writes the members of the `tls` object into the open object `j` as
    /// Suricata 8 writes it with its default `extended: yes`: subject,
    /// issuerdn, subjectaltname, session_resumed, serial, fingerprint, sni,
    /// version, notbefore, notafter, ja3, ja3s, ja4 (the last three only
    /// when enabled), client_alpns, server_alpns and the client
    /// certificate's fields under `client`. Members come in key order (the
    /// order the `Value` maps this replaced had).
    pub fn write_eve(&self, j: &mut JsonBuf<'_>) {
        let cert0 = self.server_certs.cert0.as_ref();
        if let Some(c) = &self.client_certs.cert0 {
            j.open_object("client");
            j.str("fingerprint", &c.fingerprint);
            j.str("issuerdn", &c.issuer);
            write_validity(j, c);
            j.str("serial", &c.serial);
            j.str("subject", &c.subject);
            j.close_object();
        }
        write_alpns(j, "client_alpns", &self.client_alpn);
        if let Some(c) = cert0 {
            j.str("fingerprint", &c.fingerprint);
            j.str("issuerdn", &c.issuer);
        }
        if self.logging.ja3 {
            write_ja3(j, "ja3", &self.ja3_hash, &self.ja3_string);
            write_ja3(j, "ja3s", &self.ja3s_hash, &self.ja3s_string);
        }
        if let (true, Some(ja4)) = (self.logging.ja4, &self.ja4) {
            j.str("ja4", ja4);
        }
        if let Some(c) = cert0 {
            write_validity(j, c);
            j.str("serial", &c.serial);
        }
        write_alpns(j, "server_alpns", &self.server_alpn);
        if self.session_resumed
            && cert0.is_none()
            && self.server_hello_seen
            && !self.log_without_cert
        {
            j.bool("session_resumed", true);
        }
        if let Some(sni) = &self.sni {
            j.str("sni", &String::from_utf8_lossy(sni));
        }
        if let Some(c) = cert0 {
            j.str("subject", &c.subject);
            if !c.sans.is_empty() {
                j.open_array("subjectaltname");
                for san in &c.sans {
                    j.elem_str(san);
                }
                j.close_array();
            }
        }
        j.str("version", &version_name(self.server_version));
    }
}

/// `notafter` then `notbefore` (key order).
fn write_validity(j: &mut JsonBuf<'_>, c: &CertInfo) {
    // Suricata skips a zero timestamp (its "unset" value).
    if c.not_after != 0 {
        j.str("notafter", &format_timestamp(c.not_after));
    }
    if c.not_before != 0 {
        j.str("notbefore", &format_timestamp(c.not_before));
    }
}

fn write_ja3(j: &mut JsonBuf<'_>, key: &str, hash: &Option<String>, s: &Option<String>) {
    if hash.is_none() && s.is_none() {
        return;
    }
    j.open_object(key);
    if let Some(h) = hash {
        j.str("hash", h);
    }
    if let Some(s) = s {
        j.str("string", s);
    }
    j.close_object();
}

fn write_alpns(j: &mut JsonBuf<'_>, key: &str, alpns: &[Vec<u8>]) {
    if alpns.is_empty() {
        return;
    }
    j.open_array(key);
    for a in alpns {
        j.elem_str(&String::from_utf8_lossy(a));
    }
    j.close_array();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_names_match_suricata() {
        assert_eq!(version_name(0), "UNDETERMINED");
        assert_eq!(version_name(0x0002), "SSLv2");
        assert_eq!(version_name(0x0300), "SSLv3");
        assert_eq!(version_name(0x0301), "TLSv1");
        assert_eq!(version_name(0x0302), "TLS 1.1");
        assert_eq!(version_name(0x0303), "TLS 1.2");
        assert_eq!(version_name(0x0304), "TLS 1.3");
        assert_eq!(version_name(0x7f1c), "TLS 1.3 draft-28");
        assert_eq!(version_name(0x7f01), "TLS 1.3 draft-<16");
        assert_eq!(version_name(0xfb1a), "TLS 1.3 draft-26-fb");
        assert_eq!(version_name(0x1234), "0x1234");
    }

    #[test]
    fn ssl_state_flags() {
        let f = SslStateFlags::CLIENT_HELLO | SslStateFlags::SERVER_KEYX;
        assert!(f.contains(SslStateFlags::CLIENT_HELLO));
        assert!(!f.contains(SslStateFlags::SERVER_HELLO));
        assert!(f.intersects(SslStateFlags::from_name("server_keyx").unwrap()));
        assert_eq!(SslStateFlags::from_name("nope"), None);
    }

    #[test]
    fn empty_tx_has_only_a_version() {
        let tx = Tx::default();
        assert_eq!(tx.eve(), json!({"version": "UNDETERMINED"}));
        assert!(!tx.should_log());
        let mut out = Vec::new();
        tx.buffer(Buffer::TlsSni, &mut out);
        tx.buffer(Buffer::TlsCerts, &mut out);
        tx.buffer_dir(Buffer::TlsRandom, Direction::ToServer, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn random_buffers_follow_the_packet_side() {
        let tx = Tx {
            client_random: Some((0u8..32).collect()),
            server_random: Some((100u8..132).collect()),
            ..Tx::default()
        };
        let get = |b, dir| {
            let mut out = Vec::new();
            tx.buffer_dir(b, dir, &mut out);
            out.concat()
        };
        assert_eq!(
            get(Buffer::TlsRandom, Direction::ToServer),
            (0u8..32).collect::<Vec<_>>()
        );
        assert_eq!(
            get(Buffer::TlsRandomTime, Direction::ToClient),
            vec![100, 101, 102, 103]
        );
        assert_eq!(
            get(Buffer::TlsRandomBytes, Direction::ToServer),
            (4u8..32).collect::<Vec<_>>()
        );
        assert_eq!(get(Buffer::TlsSni, Direction::ToServer), Vec::<u8>::new());
    }
}
