//! Per-flow TLS parser: records → handshake messages → the transaction.
//!
//! Follows Suricata 8's `app-layer-ssl.c` where its behaviour is visible
//! to rules or EVE: which version a side reports, which anomalies are
//! raised and which of them end parsing of the flow, that handshake
//! records after a ChangeCipherSpec are ignored (they are encrypted), and
//! that a handshake is "done" once the server certificate decoded or a
//! side sent application data. Encrypted records are only counted.

use super::cert;
use super::fingerprint::{ja3_string, ja3s_string, ja4, md5_hex};
use super::handshake::{
    parse_client_hello, parse_server_hello, sslv2_client_hello_version, ClientHello,
};
use super::record::{Action, Framer, Header, Sink};
use super::tx::{side_index, FingerprintLogging, SslStateFlags, Tx};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction;

const CT_CHANGE_CIPHER_SPEC: u8 = 20;
const CT_ALERT: u8 = 21;
const CT_HANDSHAKE: u8 = 22;
const CT_APPLICATION_DATA: u8 = 23;
const CT_HEARTBEAT: u8 = 24;

const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;
const HS_SERVER_KEY_EXCHANGE: u8 = 12;
const HS_CERTIFICATE_REQUEST: u8 = 13;
const HS_CLIENT_KEY_EXCHANGE: u8 = 16;

const SSLV2_MT_ERROR: u8 = 0;
const SSLV2_MT_CLIENT_HELLO: u8 = 1;
const SSLV2_MT_SERVER_HELLO: u8 = 4;
const SSLV2_MT_CLIENT_CERTIFICATE: u8 = 8;

/// The version Suricata reports for SSLv2.
const SSL_VERSION_2: u16 = 0x0002;
/// Suricata's name for a TLS 1.3 hello that predates draft 16.
const TLS_13_PRE_DRAFT16: u16 = 0x7f01;
/// RFC 5246 §6.2.2 maximum (2^14 + 1024), as Suricata enforces it.
const MAX_RECORD_LEN: usize = (1 << 14) + 1024;
/// Certificates kept per chain.
const MAX_CHAIN: usize = 64;
/// Events kept between two [`State::events`] calls.
const MAX_PENDING_EVENTS: usize = 256;

/// Versions Suricata accepts on the record layer (`TLSVersionValid`).
fn version_valid(v: u16) -> bool {
    matches!(v, 0x0300..=0x0304 | 0x7f01 | 0x7f10..=0x7f1c | 0xfb14..=0xfb17 | 0xfb1a)
}

/// Handshake message types Suricata parses or tolerates; others raise
/// `invalid_handshake_message`.
fn supported_handshake_type(t: u8) -> bool {
    matches!(t, 0 | 1 | 2 | 4 | 11..=16 | 20..=22)
}

fn be24(b: &[u8]) -> Option<usize> {
    let h = b.get(..3)?;
    Some((usize::from(h[0]) << 16) | (usize::from(h[1]) << 8) | usize::from(h[2]))
}

/// A handshake message whose body continues in a later record.
#[derive(Debug, Default)]
struct PartialMsg {
    typ: u8,
    len: usize,
    received: usize,
    /// The body so far; not kept for messages over the size limit.
    data: Option<Vec<u8>>,
}

/// One direction's protocol state (Suricata's `SSLStateConnp`).
#[derive(Debug, Default)]
struct Side {
    version: u16,
    ccs: bool,
    session_id: Vec<u8>,
    cert_msg_seen: bool,
    partial: Option<PartialMsg>,
    skipping_app_data: bool,
}

/// Flow-wide flags (Suricata's `SSL_AL_FLAG_*` that matter here).
#[derive(Debug, Default)]
struct Flags {
    ccs: bool,
    client_hello: bool,
    server_hello: bool,
    ch_version_ext: bool,
    early_data: bool,
    need_client_cert: bool,
    hb_inflight: Option<Direction>,
    hb_record_len: usize,
    /// Application data seen from (client, server) — early data before
    /// the ServerHello aside. Content inspection stops once both sides
    /// sent some: with TLS 1.3 the server's handshake already travels in
    /// application data records, while the client's hello may still be
    /// waiting for its raw-stream inspection (conformance test
    /// tls-bypass-missing-event).
    encrypted: [bool; 2],
}

/// Everything but the framers, so a framer can feed it as its [`Sink`].
#[derive(Debug, Default)]
struct Core {
    sides: [Side; 2],
    flags: Flags,
    tx: Tx,
    events: Vec<&'static str>,
    max_message: usize,
}

/// Per-flow TLS state.
#[derive(Debug)]
pub struct State {
    framers: [Framer; 2],
    core: Core,
    taken: bool,
    /// `encryption-handling: full`.
    inspect_encrypted: bool,
}

impl State {
    /// A fresh state; handshake messages are kept up to `cfg.max_record` bytes.
    pub fn new(cfg: &AppConfig) -> State {
        State {
            framers: [Framer::default(), Framer::default()],
            core: Core {
                max_message: cfg.max_record,
                ..Core::default()
            },
            taken: false,
            inspect_encrypted: cfg.tls_inspect_encrypted,
        }
    }

    /// Whether the flow's payload is still inspected by content rules:
    /// with Suricata's default `encryption-handling`, once application
    /// data starts the encrypted records are not (header and `tls.*`
    /// rules still are). Scanning ciphertext for plaintext patterns only
    /// finds noise, and it was a large share of the matcher's work.
    pub fn payload_inspected(&self) -> bool {
        self.inspect_encrypted || !self.core.flags.encrypted.iter().all(|e| *e)
    }

    /// Whether EVE gets `ja3`/`ja3s`/`ja4` (see [`FingerprintLogging`]).
    pub fn set_fingerprint_logging(&mut self, logging: FingerprintLogging) {
        self.core.tx.logging = logging;
    }

    /// The next contiguous bytes of one direction.
    pub fn input(&mut self, dir: Direction, data: &[u8], _ts: Timestamp) {
        let i = side_index(dir);
        let Some(framer) = self.framers.get_mut(i) else {
            return;
        };
        if framer.stopped() || data.is_empty() {
            return;
        }
        // Suricata's `current_flags` restart with each parse call that
        // begins on a record boundary.
        if framer.at_record_start() {
            self.core.tx.ssl_state = SslStateFlags::NONE;
        }
        let mut sink = Ctx {
            core: &mut self.core,
            dir,
        };
        framer.feed(data, &mut sink);
        if framer.stopped() {
            // Suricata disables the app-layer of the flow on a parse error.
            for f in &mut self.framers {
                f.stop();
            }
        }
        self.core.check_handshake_done();
    }

    /// `len` bytes of one direction were lost. Inside encrypted records
    /// parsing goes on; elsewhere that direction stops.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        let i = side_index(dir);
        if let Some(f) = self.framers.get_mut(i) {
            f.gap(len);
        }
        if let Some(s) = self.core.sides.get_mut(i) {
            s.partial = None;
        }
    }

    /// The flow's transaction until it is taken.
    pub fn txs(&self) -> impl Iterator<Item = &Tx> {
        (!self.taken).then_some(&self.core.tx).into_iter()
    }

    /// The transaction once both sides finished the handshake (or at flow
    /// end), exactly once.
    pub fn take_finished(&mut self, flow_end: bool) -> Vec<Tx> {
        if self.taken || !(flow_end || self.core.tx.complete(sigil_rules::buffer::Side::Both)) {
            return Vec::new();
        }
        self.taken = true;
        let logging = self.core.tx.logging;
        let mut tx = std::mem::take(&mut self.core.tx);
        // Keep what later records are compared against.
        self.core.tx.logging = logging;
        self.core.tx.client_version = tx.client_version;
        self.core.tx.server_version = tx.server_version;
        self.core.tx.sni = tx.sni.clone();
        if flow_end {
            tx.done = [true, true];
        }
        vec![tx]
    }

    /// Anomalies since the last call (`tls.invalid_record_type`, …).
    pub fn events(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.core.events)
    }

    /// Bytes held for incomplete records and handshake messages.
    pub fn buffered(&self) -> usize {
        let framed: usize = self.framers.iter().map(Framer::buffered).sum();
        let partial: usize = (self.core.sides.iter())
            .filter_map(|s| s.partial.as_ref()?.data.as_ref().map(Vec::len))
            .sum();
        framed + partial
    }

    /// Parsing stopped on a fatal anomaly or lost stream alignment in both
    /// directions.
    pub fn failed(&self) -> bool {
        self.framers.iter().all(Framer::stopped)
    }
}

/// The core seen from one direction.
struct Ctx<'a> {
    core: &'a mut Core,
    dir: Direction,
}

impl Core {
    fn event(&mut self, e: &'static str) {
        if self.events.len() < MAX_PENDING_EVENTS {
            self.events.push(e);
        }
        self.tx.add_event(e);
    }

    fn set_done(&mut self, dir: Direction) {
        if let Some(d) = self.tx.done.get_mut(side_index(dir)) {
            *d = true;
        }
    }

    /// Suricata marks both sides done once the certificate the handshake
    /// needs (the client's when one was requested) has subject and issuer.
    fn check_handshake_done(&mut self) {
        let certs = if self.flags.need_client_cert {
            &self.tx.client_certs
        } else {
            &self.tx.server_certs
        };
        if certs.cert0.is_some() {
            self.tx.done = [true, true];
        }
    }
}

impl Ctx<'_> {
    fn i(&self) -> usize {
        side_index(self.dir)
    }

    fn side(&mut self) -> &mut Side {
        let i = self.i();
        // `sides` has one entry per direction.
        &mut self.core.sides[i]
    }

    fn set_version(&mut self, v: u16) {
        self.side().version = v;
        match self.dir {
            Direction::ToServer => self.core.tx.client_version = v,
            Direction::ToClient => self.core.tx.server_version = v,
        }
    }

    /// This side's hello fixed its version (Suricata's `skip_version`).
    fn hello_seen(&self) -> bool {
        match self.dir {
            Direction::ToServer => self.core.flags.client_hello,
            Direction::ToClient => self.core.flags.server_hello,
        }
    }

    /// Feeds a handshake record body to the message defragmenter.
    fn handshake_record(&mut self, mut rest: &[u8]) -> bool {
        if let Some(mut p) = self.side().partial.take() {
            let n = (p.len - p.received).min(rest.len());
            let (head, tail) = rest.split_at(n);
            rest = tail;
            p.received += n;
            if let Some(d) = p.data.as_mut() {
                d.extend_from_slice(head);
            }
            if p.received < p.len {
                self.side().partial = Some(p);
                return true;
            }
            if let Some(d) = p.data {
                if !self.message(p.typ, &d) {
                    return false;
                }
            }
        }
        while !rest.is_empty() {
            let (Some(&typ), Some(len)) = (rest.first(), rest.get(1..).and_then(be24)) else {
                self.core.event("tls.invalid_ssl_record");
                self.core.event("tls.invalid_handshake_message");
                return false;
            };
            rest = rest.get(4..).unwrap_or_default();
            if !supported_handshake_type(typ) {
                // Suricata skips what this record holds of it.
                if !self.side().ccs {
                    self.core.event("tls.invalid_handshake_message");
                }
                rest = rest.get(len.min(rest.len())..).unwrap_or_default();
                continue;
            }
            if len <= rest.len() {
                let (body, tail) = rest.split_at(len);
                if !self.message(typ, body) {
                    return false;
                }
                rest = tail;
            } else {
                let keep = len <= self.core.max_message;
                self.side().partial = Some(PartialMsg {
                    typ,
                    len,
                    received: rest.len(),
                    data: keep.then(|| rest.to_vec()),
                });
                break;
            }
        }
        true
    }

    /// One complete handshake message; false ends parsing.
    fn message(&mut self, typ: u8, body: &[u8]) -> bool {
        let current = match (typ, self.dir) {
            (HS_CLIENT_HELLO, Direction::ToServer) => return self.client_hello(body),
            (HS_SERVER_HELLO, Direction::ToClient) => return self.server_hello(body),
            (HS_CERTIFICATE, _) => {
                self.certificate(body);
                return true;
            }
            (HS_SERVER_KEY_EXCHANGE, _) => SslStateFlags::SERVER_KEYX,
            (HS_CLIENT_KEY_EXCHANGE, _) => SslStateFlags::CLIENT_KEYX,
            (HS_CERTIFICATE_REQUEST, Direction::ToClient) => {
                self.core.flags.need_client_cert = true;
                SslStateFlags::NONE
            }
            _ => return true,
        };
        self.core.tx.ssl_state = current;
        true
    }

    fn client_hello(&mut self, body: &[u8]) -> bool {
        let ch = match parse_client_hello(body) {
            Ok(ch) => ch,
            Err(e) => {
                self.core.event(e);
                self.core.event("tls.invalid_handshake_message");
                return false;
            }
        };
        for e in &ch.anomalies {
            self.core.event(e);
        }
        self.core.tx.ssl_state = SslStateFlags::CLIENT_HELLO;
        let first = !self.core.flags.client_hello;
        self.core.flags.client_hello = true;
        let mut version = normalize_hello_version(ch.version);
        if ch.has_supported_versions {
            self.core.flags.ch_version_ext = true;
            // Suricata takes the first (preferred) valid offer.
            if let Some(v) = ch.supported_versions.iter().find(|v| version_valid(**v)) {
                version = *v;
            }
        }
        self.set_version(version);
        if ch.session_ticket {
            self.core.tx.session_resumed = true;
        }
        if ch.early_data {
            self.core.flags.early_data = true;
        }
        if self.side().session_id.is_empty() {
            self.side().session_id = ch.session_id.clone();
        }
        if let Some(sni) = &ch.sni {
            if self.core.tx.sni.is_some() {
                self.core.event("tls.multiple_sni_extensions");
            } else {
                self.core.tx.sni = Some(sni.clone());
            }
        }
        if first {
            self.record_client_hello(&ch);
        }
        true
    }

    /// Fingerprints and hello fields come from the first ClientHello, as
    /// Suricata's JA3 (a retry after HelloRetryRequest does not change them).
    fn record_client_hello(&mut self, ch: &ClientHello) {
        let tx = &mut self.core.tx;
        tx.client_random = Some(ch.random.clone());
        tx.client_alpn = ch.alpn.clone();
        let s = ja3_string(ch);
        tx.ja3_hash = Some(md5_hex(&s));
        tx.ja3_string = Some(s);
        tx.ja4 = Some(ja4(ch));
    }

    fn server_hello(&mut self, body: &[u8]) -> bool {
        let sh = match parse_server_hello(body) {
            Ok(sh) => sh,
            Err(e) => {
                self.core.event(e);
                self.core.event("tls.invalid_handshake_message");
                return false;
            }
        };
        for e in &sh.anomalies {
            self.core.event(e);
        }
        self.core.tx.ssl_state = SslStateFlags::SERVER_HELLO;
        let first = !self.core.flags.server_hello;
        self.core.flags.server_hello = true;
        self.core.tx.server_hello_seen = true;
        // TLS 1.3 drafts name themselves in the version field; their
        // certificates are encrypted, so the EVE record needs none.
        if sh.version == 0x0304 || sh.version >> 8 == 0x7f {
            self.core.tx.log_without_cert = true;
        }
        let mut version = normalize_hello_version(sh.version);
        let client_sid = &self.core.sides[0].session_id;
        if !sh.session_id.is_empty() && sh.session_id == *client_sid {
            self.core.tx.session_resumed = true;
        }
        if let Some(selected) = sh.selected_version {
            if self.core.flags.ch_version_ext && selected > 0x0303 {
                self.core.tx.log_without_cert = true;
            }
            version = selected;
        }
        self.set_version(version);
        if first {
            let tx = &mut self.core.tx;
            tx.server_random = Some(sh.random.clone());
            tx.server_alpn = sh.alpn.clone();
            let s = ja3s_string(&sh);
            tx.ja3s_hash = Some(md5_hex(&s));
            tx.ja3s_string = Some(s);
        }
        true
    }

    /// A Certificate message: the chain of the first one per side is kept,
    /// its first certificate decoded. Framing errors raise
    /// `invalid_certificate` and end the chain, not the flow.
    fn certificate(&mut self, body: &[u8]) {
        if std::mem::replace(&mut self.side().cert_msg_seen, true) {
            return;
        }
        let Some(chain_len) = be24(body) else {
            return;
        };
        let Some(mut rest) = body.get(3..3 + chain_len) else {
            return;
        };
        let mut events = Vec::new();
        let certs = match self.dir {
            Direction::ToClient => &mut self.core.tx.server_certs,
            Direction::ToServer => &mut self.core.tx.client_certs,
        };
        let mut first = true;
        while !rest.is_empty() {
            let Some(der) = be24(rest).and_then(|l| rest.get(3..3 + l)) else {
                events.push("tls.invalid_certificate");
                break;
            };
            rest = rest.get(3 + der.len()..).unwrap_or_default();
            let mut keep = true;
            if std::mem::take(&mut first) && certs.cert0.is_none() {
                match cert::decode(der) {
                    Ok(c) => certs.cert0 = Some(c),
                    Err(e) => {
                        events.push(e);
                        keep = false;
                    }
                }
            }
            if keep && certs.chain.len() < MAX_CHAIN {
                certs.chain.push(der.to_vec());
            }
        }
        for e in events {
            self.core.event(e);
        }
    }

    /// Heartbeat checks (RFC 6520, CVE-2014-0160), as Suricata does them.
    fn heartbeat(&mut self, body: &[u8], record_len: usize) -> bool {
        if body.len() < 3 {
            return true;
        }
        let hb_type = body[0];
        let encrypted = self.core.flags.ccs;
        if !(encrypted || hb_type == 1 || hb_type == 2) {
            self.core.event("tls.invalid_heartbeat_message");
            return false;
        }
        match self.core.flags.hb_inflight {
            None => {
                self.core.flags.hb_inflight = Some(self.dir);
                if encrypted {
                    self.core.flags.hb_record_len = record_len;
                    return true;
                }
                let payload = usize::from(u16::from_be_bytes([body[1], body[2]]));
                if payload + 3 > record_len {
                    self.core.event("tls.overflow_heartbeat_message");
                    return false;
                }
                if record_len - payload - 3 < 16 {
                    self.core.event("tls.invalid_heartbeat_message");
                    return false;
                }
                true
            }
            Some(d) if d == self.dir => {
                self.core.event("tls.invalid_heartbeat_message");
                false
            }
            Some(_) => {
                self.core.flags.hb_inflight = None;
                let req = std::mem::take(&mut self.core.flags.hb_record_len);
                if encrypted && req > 0 && req < record_len {
                    self.core.event("tls.dataleak_heartbeat_mismatch");
                    return false;
                }
                true
            }
        }
    }
}

/// Suricata folds 0x0304 and early draft numbers in a hello's version
/// field into "pre draft 16" (only supported_versions means TLS 1.3).
fn normalize_hello_version(v: u16) -> u16 {
    if v == 0x0304 || (0x7f01..0x7f10).contains(&v) {
        TLS_13_PRE_DRAFT16
    } else {
        v
    }
}

impl Sink for Ctx<'_> {
    fn tls_header(&mut self, hdr: &Header) -> Action {
        if self.side().version == SSL_VERSION_2 {
            self.set_version(0);
        }
        let prev = self.side().version;
        if !(self.hello_seen() && prev != 0) {
            self.set_version(hdr.version);
        }
        self.side().skipping_app_data = false;
        if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&hdr.content_type) {
            self.core.event("tls.invalid_record_type");
            // Tolerated on TLS 1.0/1.1 as Wireshark does, fatal otherwise.
            if prev == 0x0301 || prev == 0x0302 {
                self.set_version(prev);
                return Action::Skip;
            }
            return Action::Stop;
        }
        if hdr.len == 0 {
            self.core.event("tls.invalid_record_length");
            return Action::Stop;
        }
        if !version_valid(self.side().version) {
            self.core.event("tls.invalid_record_version");
            return Action::Stop;
        }
        if hdr.len > MAX_RECORD_LEN {
            self.core.event("tls.invalid_record_length");
            return Action::Stop;
        }
        if hdr.content_type == CT_APPLICATION_DATA {
            // 0-RTT data before the ServerHello does not end the handshake.
            if !self.core.flags.early_data || self.core.flags.server_hello {
                self.core.set_done(self.dir);
                if let Some(e) = self.core.flags.encrypted.get_mut(side_index(self.dir)) {
                    *e = true;
                }
            }
            self.side().skipping_app_data = true;
            return Action::Skip;
        }
        Action::Read
    }

    fn tls_record(&mut self, hdr: &Header, body: &[u8]) -> bool {
        match hdr.content_type {
            CT_CHANGE_CIPHER_SPEC => {
                self.core.flags.ccs = true;
                self.side().ccs = true;
                true
            }
            CT_ALERT => {
                // A cleartext fatal alert ends the handshake.
                if body.len() == 2 && body.first() == Some(&2) {
                    self.core.tx.done = [true, true];
                }
                true
            }
            CT_HANDSHAKE => {
                let f = &self.core.flags;
                // After ChangeCipherSpec handshake records are encrypted,
                // except TLS 1.3 middlebox-compatibility CCS sent before the
                // ServerHello.
                let tls13_early_ccs =
                    f.client_hello && self.core.tx.client_version > 0x0303 && !f.server_hello;
                if f.ccs && !tls13_early_ccs {
                    return true;
                }
                if hdr.len < 4 {
                    self.core.event("tls.invalid_ssl_record");
                    return false;
                }
                self.handshake_record(body)
            }
            CT_HEARTBEAT => self.heartbeat(body, hdr.len),
            _ => true,
        }
    }

    fn ssl2_header(&mut self, len: usize) -> Action {
        self.set_version(SSL_VERSION_2);
        if len == 0 {
            self.core.event("tls.invalid_sslv2_header");
            return Action::Stop;
        }
        Action::Read
    }

    fn ssl2_record(&mut self, body: &[u8]) -> bool {
        let Some((&msg_type, rest)) = body.split_first() else {
            return true;
        };
        let current = match msg_type {
            SSLV2_MT_ERROR => {
                self.core.event("tls.error_message_encountered");
                return true;
            }
            SSLV2_MT_CLIENT_HELLO => {
                let Some(version) = sslv2_client_hello_version(rest) else {
                    self.core.event("tls.invalid_ssl_record");
                    return false;
                };
                self.core.flags.client_hello = true;
                self.set_version(version);
                SslStateFlags::CLIENT_HELLO
            }
            SSLV2_MT_SERVER_HELLO => {
                self.core.flags.server_hello = true;
                self.core.tx.server_hello_seen = true;
                SslStateFlags::SERVER_HELLO
            }
            SSLV2_MT_CLIENT_CERTIFICATE if self.dir == Direction::ToServer => {
                SslStateFlags::CLIENT_KEYX
            }
            // CLIENT_MASTER_KEY and the encrypted messages set no ssl_state flag.
            _ => SslStateFlags::NONE,
        };
        self.core.tx.ssl_state = current;
        true
    }

    fn skipped(&mut self, n: usize) {
        let i = self.i();
        if self.side().skipping_app_data {
            if let Some(c) = self.core.tx.encrypted_bytes.get_mut(i) {
                *c = c.saturating_add(n as u64);
            }
        }
    }
}
