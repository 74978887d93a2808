//! What detection sees of one application-layer transaction.
//!
//! The engine's protocol parsers implement [`TxView`] for their
//! transactions and call [`crate::RuleSet::match_tx`] for every live
//! transaction of a flow on every packet of that flow. Detection never
//! keeps a reference to a transaction: everything it needs is asked
//! through this trait while matching, so parsers stay free to store their
//! fields however suits them.

use crate::buffer::{AppProto, Buffer};

/// `ssl_state` bits for [`TxView::tls_state`]: the handshake messages seen
/// so far on the flow (Suricata's `ssl_state` names).
pub mod ssl_state {
    /// ClientHello seen.
    pub const CLIENT_HELLO: u32 = 1 << 0;
    /// ServerHello seen.
    pub const SERVER_HELLO: u32 = 1 << 1;
    /// Client key exchange seen.
    pub const CLIENT_KEYX: u32 = 1 << 2;
    /// Server key exchange seen.
    pub const SERVER_KEYX: u32 = 1 << 3;
    /// No handshake message seen (Suricata's `unknown`): detection treats a
    /// zero [`super::TxView::tls_state`] as this state.
    pub const UNKNOWN: u32 = 1 << 4;
}

/// TLS/SSL protocol versions as on the wire (for [`TxView::tls_version`]).
pub mod tls_version {
    /// SSL 2.0.
    pub const SSL2: u16 = 0x0200;
    /// SSL 3.0.
    pub const SSL3: u16 = 0x0300;
    /// TLS 1.0.
    pub const TLS10: u16 = 0x0301;
    /// TLS 1.1.
    pub const TLS11: u16 = 0x0302;
    /// TLS 1.2.
    pub const TLS12: u16 = 0x0303;
    /// TLS 1.3.
    pub const TLS13: u16 = 0x0304;
}

/// How far a file has come (for `filesize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Still receiving data: its size is not final.
    Open,
    /// Ended normally: its size is final.
    Closed,
    /// Ended early (flow end, lost data): its size is a lower bound.
    Truncated,
}

/// A file a transaction carries, as file keywords see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Bytes of file data seen (lost bytes included).
    pub size: u64,
    /// Open, closed or truncated.
    pub state: FileState,
}

/// One application-layer transaction as detection sees it (implemented by
/// the engine).
///
/// "Side" arguments are `to_server == true` for the client→server half
/// (request, query, ClientHello …) and `false` for the server's half.
pub trait TxView {
    /// The transaction's protocol.
    fn app_proto(&self) -> AppProto;

    /// The transaction's id within its flow (EVE `tx_id`).
    fn tx_id(&self) -> u64;

    /// Appends to `out` the values of `b` on side `to_server`; appends
    /// nothing when the buffer is absent (a header not sent, a response not
    /// seen yet). Multi-buffers ([`Buffer::DnsQuery`], [`Buffer::TlsCerts`],
    /// [`Buffer::HttpRequestHeader`] …) append one value per item; a rule's
    /// keywords on such a buffer match when any one value satisfies all of
    /// them. An empty value is present (e.g. an empty body) and is
    /// inspected.
    fn buffer<'a>(&'a self, b: Buffer, to_server: bool, out: &mut Vec<&'a [u8]>);

    /// Whether side `to_server` is complete: no later data can change its
    /// buffers. Detection waits for this before inspecting growing buffers
    /// (bodies, `file.data`) with keywords that depend on the buffer's end
    /// (`bsize`, negated contents, `endswith`, negated `isdataat`), and
    /// before inspecting transactional (`=>`) rules (request side).
    fn side_complete(&self, to_server: bool) -> bool;

    /// DNS header opcode of the message on side `to_server` (`dns.opcode`).
    fn dns_opcode(&self, _to_server: bool) -> Option<u8> {
        None
    }

    /// DNS header rcode of the message on side `to_server` (`dns.rcode`).
    fn dns_rcode(&self, _to_server: bool) -> Option<u8> {
        None
    }

    /// Appends the record types of the question section of the message on
    /// side `to_server` (`dns.rrtype`).
    fn dns_rrtypes(&self, _to_server: bool, _out: &mut Vec<u16>) {}

    /// The TLS version announced on side `to_server` as [`tls_version`]
    /// values: the ClientHello's (client) or the ServerHello's (server;
    /// `supported_versions` taken into account) (`tls.version`,
    /// `ssl_version`).
    fn tls_version(&self, _to_server: bool) -> Option<u16> {
        None
    }

    /// Bitset of [`ssl_state`] values reached so far (`ssl_state`).
    fn tls_state(&self) -> u32 {
        0
    }

    /// The server certificate's validity as `(not_before, not_after)` unix
    /// seconds (`tls.cert_expired`, `tls.cert_valid`, `tls_cert_notbefore`,
    /// `tls_cert_notafter`).
    fn tls_cert_validity(&self) -> Option<(i64, i64)> {
        None
    }

    /// Unix time (seconds) of the packet being inspected: what
    /// `tls.cert_expired` / `tls.cert_valid` compare the certificate with
    /// (Suricata uses the packet's timestamp). None makes those keywords
    /// never match.
    fn packet_time(&self) -> Option<i64> {
        None
    }

    /// Appends the anomalies the parser raised on this transaction, as
    /// Suricata names them, with or without the protocol prefix
    /// (`dns.z_flag_set` or `request_chunk_extension`)
    /// (`app-layer-event`).
    fn app_events(&self, _out: &mut Vec<&'static str>) {}

    /// Appends the files the transaction carries on side `to_server`
    /// (uploads to the server, downloads to the client) (`filesize`).
    fn files(&self, _to_server: bool, _out: &mut Vec<FileMeta>) {}
}
