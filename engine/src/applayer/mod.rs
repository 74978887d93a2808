//! Application-layer protocols: one module per protocol, each a pure
//! parser with byte-fixture tests plus transaction state, sticky buffers
//! and its EVE record.
//!
//! # The contract every protocol module follows
//!
//! ```text
//! pub fn probe(data: &[u8], dir: Direction) -> Probe;      // protocol detection
//! pub struct State;                                         // per-flow parser state
//! impl State {
//!     pub fn new(cfg: &AppConfig) -> State;
//!     pub fn input(&mut self, dir: Direction, data: &[u8], ts: Timestamp);
//!     pub fn gap(&mut self, dir: Direction, len: u64);      // bytes lost in the stream
//!     pub fn txs(&self) -> impl Iterator<Item = &Tx>;       // live transactions, oldest first
//!     pub fn take_finished(&mut self, flow_end: bool) -> Vec<Tx>; // complete (or all at flow end), removed
//!     pub fn events(&mut self) -> Vec<&'static str>;        // anomalies since last call (Suricata names)
//! }
//! impl Tx {
//!     pub fn id(&self) -> u64;                              // 0, 1, 2… per flow
//!     pub fn complete(&self, side: Side) -> bool;           // this side will not change any more
//!     pub fn buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>); // sticky buffer values
//!     pub fn write_eve(&self, j: &mut JsonBuf<'_>);         // members of the `"http": {…}` object, key order
//!     pub fn eve(&self) -> serde_json::Value;               // the same object as a Value (tests, inspection)
//! }
//! ```
//!
//! For TCP, `input` gets the next contiguous reassembled bytes of one
//! direction, split anywhere (a request may arrive one byte at a time); for
//! UDP one datagram. Parsers never panic on hostile input, bound what they
//! buffer per transaction (limits in [`AppConfig`]), count anomalies and
//! keep working after a gap. Dispatch is a `match` over [`AppProto`], not
//! trait objects.

use crate::flow::Direction;
pub mod dns;
pub mod http;
pub mod http2;
pub mod ports;
pub mod smtp;
pub mod ssh;
pub mod tls;

pub use ports::DetectionPorts;
pub use sigil_rules::buffer::AppProto;

/// A probe's verdict on the first bytes of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// These bytes start this protocol.
    Match,
    /// They do not.
    NoMatch,
    /// Too few bytes to tell.
    NeedMore,
}

/// Parser limits (Suricata's defaults where it has the setting).
#[derive(Debug, Clone, Copy)]
pub struct AppConfig {
    /// Request body bytes kept per HTTP transaction for inspection.
    pub http_request_body_limit: usize,
    /// Response body bytes kept per HTTP transaction.
    pub http_response_body_limit: usize,
    /// Header bytes kept per HTTP message.
    pub http_header_limit: usize,
    /// Live transactions per flow before the oldest are dropped.
    pub max_tx: usize,
    /// Bytes buffered for one incomplete record (TLS record, DNS/TCP message, SSH line).
    pub max_record: usize,
    /// Nested content encodings undone in HTTP bodies (Suricata's
    /// `response-body-decompress-layer-limit`, default 2).
    pub http_decompress_layers: usize,
    /// LZMA layers decoded in HTTP bodies (`lzma-enabled`; 0, Suricata's
    /// default, leaves LZMA bodies as sent).
    pub http_lzma_layers: usize,
    /// Dictionary bytes one LZMA body may use (`lzma-memlimit`, 1 MiB).
    pub http_lzma_memlimit: usize,
    /// Compute HASSH for SSH (on when a rule uses `ssh.hassh*`, as Suricata's
    /// default `auto` does, or when the configuration turns it on).
    pub ssh_hassh: bool,
    /// Log JA3/JA3S and JA4 in `tls` records (same `auto` rule).
    pub tls_ja3: bool,
    /// JA4 logging.
    pub tls_ja4: bool,
    /// Content rules keep inspecting TLS flows once application data
    /// starts (`app-layer.protocols.tls.encryption-handling: full`; off,
    /// Suricata's `default`).
    pub tls_inspect_encrypted: bool,
    /// Where `filestore` rules store files and how much of each file is
    /// kept for it (None: no rule asks, and no file data is kept).
    pub file_store: Option<http::StoreConfig>,
    /// Digests of every file computed and logged in `fileinfo`
    /// (`outputs.eve-log.types.files.force-hash`; none by default).
    pub file_hashes: http::FileHashes,
    /// HTTP/2 is parsed (`app-layer.protocols.http2.enabled`, on in
    /// Suricata 7's default configuration); off, an `h2c` upgrade leaves
    /// the flow to HTTP/1 as a tunnel.
    pub http2_enabled: bool,
    /// Streams one HTTP/2 flow holds (`http2.max-streams`, 4096).
    pub http2_max_streams: usize,
    /// HPACK dynamic table cap per direction (`http2.max-table-size`, 65536).
    pub http2_max_table_size: usize,
    /// Bytes of one header block reassembled from HEADERS and
    /// CONTINUATION frames (`http2.max-reassembly-size`, 102400).
    pub http2_max_reassembly: usize,
    /// Ports DNS is probed on over TCP (`app-layer.protocols.dns.tcp.detection-ports.dp`).
    pub dns_tcp_ports: DetectionPorts,
    /// Ports DNS is probed on over UDP (`….dns.udp.detection-ports.dp`).
    pub dns_udp_ports: DetectionPorts,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            http_request_body_limit: 100 * 1024,
            http_response_body_limit: 100 * 1024,
            http_header_limit: 64 * 1024,
            max_tx: 512,
            max_record: 256 * 1024,
            http_decompress_layers: 2,
            http_lzma_layers: 0,
            http_lzma_memlimit: 1 << 20,
            ssh_hassh: false,
            tls_ja3: false,
            tls_ja4: false,
            tls_inspect_encrypted: false,
            file_store: None,
            file_hashes: http::FileHashes::default(),
            http2_enabled: true,
            http2_max_streams: 4096,
            http2_max_table_size: 65536,
            http2_max_reassembly: 102_400,
            dns_tcp_ports: DetectionPorts::of(&[53]),
            // 5353 too: mDNS is DNS on the wire and Sigil has probed it
            // there from the start.
            dns_udp_ports: DetectionPorts::of(&[53, 5353]),
        }
    }
}

/// Keeps the two-sided `Direction` handy for protocol modules.
pub type Dir = Direction;
