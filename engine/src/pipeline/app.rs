//! The worker's application layer: protocol detection, feeding parsers in
//! Suricata's IDS order, and the [`TxView`] every protocol's transactions
//! offer to detection.
//!
//! Timing (IDS mode, Suricata's): a direction's TCP bytes are parsed when
//! the other side acknowledges them, i.e. on the peer's packet; a
//! transaction's request side is then inspected on the client's next
//! packet. Inline (`stream.inline`) parses and inspects the bytes on the
//! packet that carries them. UDP datagrams are parsed on arrival.

use std::collections::HashSet;

use sigil_rules::buffer::{AppProto, Buffer, Side};
use sigil_rules::packet::AppLayerEvent;
use sigil_rules::{RuleId, TxView};

use super::protodetect::{self, DirProtos};
use crate::applayer::{dns, http, http2, smtp, ssh, tls, AppConfig, Probe};
use crate::capture::Timestamp;
use crate::flow::Direction;
use crate::output::json::JsonBuf;

/// Parser state of one flow.
#[derive(Debug, Default)]
pub enum AppState {
    /// Not known yet.
    #[default]
    Detecting,
    /// HTTP/1.
    Http(Box<http::State>),
    /// HTTP/2 (prior knowledge, or upgraded from HTTP/1).
    Http2(Box<http2::State>),
    /// DNS.
    Dns(Box<dns::State>),
    /// TLS.
    Tls(Box<tls::State>),
    /// SSH.
    Ssh(Box<ssh::State>),
    /// SMTP, followed only until STARTTLS.
    Smtp(Box<smtp::State>),
    /// No supported protocol recognised.
    Failed,
}

/// Per-flow application-layer bookkeeping.
#[derive(Debug, Default)]
pub struct AppFlow {
    /// The parser.
    pub state: AppState,
    /// Stream offsets already handed to the parser, per direction
    /// (index 0: to server).
    pub parsed: [u64; 2],
    /// Data seen without a verdict, per direction (bounded).
    probed: [u64; 2],
    /// The flow was turned round once already.
    pub reversed: bool,
    /// Detection found the flow's direction backwards (the first data of
    /// the "client" is a response): the worker must swap the flow, then
    /// feed the data again (see [`AppFlow::swapped`]).
    pub swap_pending: bool,
    /// (tx id, rule, to_server) that alerted: a rule alerts once per
    /// transaction and direction, as in Suricata.
    pub alerted: HashSet<(u64, RuleId, bool)>,
    /// Transactions already logged (ids), for protocols that keep logged
    /// transactions alive (SSH).
    pub logged: HashSet<u64>,
    /// Progress of each live transaction side when it was last inspected
    /// (`[to_server, to_client]`): a side is inspected again only when it
    /// moved on (see [`TxRef::progress`]).
    pub inspected: std::collections::HashMap<u64, [u64; 2]>,
    /// Detection per direction (the second direction is still probed).
    pub dirs: DirProtos,
    /// Transactions `config` rules took out of the logs.
    pub log_control: super::logcontrol::LogControl,
    /// Finished (and logged) transactions that detection has not yet seen
    /// from one side, with that side (`true`: to server). Suricata inspects
    /// a side of a transaction on a packet travelling that way, so the
    /// last look waits for the next such packet (or flow end).
    pub awaiting: Vec<(OwnedTx, bool)>,
    /// Transactions of a parser the flow left behind (HTTP/1 before an
    /// upgrade to HTTP/2): detection still sees them as live until the
    /// next `take_finished` hands them out.
    pub retired: Vec<OwnedTx>,
    /// A protocol change (STARTTLS) is under way: the protocol detection
    /// is expected to find next (Suricata's `alproto_expect` while its
    /// change flag is set).
    change: Option<AppProto>,
    /// The parser being fed is the first one after a protocol change: a
    /// second change it asks for now is refused (Suricata's flag is still
    /// set while that parser sees its first data).
    changing: bool,
    /// Where an HTTP/1 `h2c` upgrade stands (see [`H2Upgrade`]).
    h2: H2Upgrade,
    /// The client's bytes while no protocol is known (at most
    /// [`KEEP_UNDETECTED`]): when the server's side settles the protocol,
    /// they go to the parser first, as Suricata's stream keeps them for
    /// its parser (an Nmap probe's `LDQS / HTTP/1.1` request is only known
    /// to be HTTP from the server's response). Freed once detection ends.
    undetected: Vec<u8>,
}

/// An HTTP/1 connection's upgrade to HTTP/2.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum H2Upgrade {
    /// None asked for, or done.
    #[default]
    None,
    /// Asked for while another change was under way: refused
    /// (`http.failed_protocol_change`).
    Refused,
    /// Asked for again on later tunnel data: the switch happens with the
    /// next data, as Suricata's change does.
    Requested,
}

/// Bytes of one direction probed before giving up on detection.
const PROBE_LIMIT: u64 = 4096;

/// Client bytes kept while detecting: a request line and its first
/// headers. Bounded per flow (1 KiB x 65,536 flows = 64 MiB per worker at
/// worst, when every flow is a silent server's undetected client).
const KEEP_UNDETECTED: usize = 1024;

fn idx(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl AppFlow {
    /// The detected protocol.
    pub fn proto(&self) -> Option<AppProto> {
        match self.state {
            AppState::Http(_) => Some(AppProto::Http),
            AppState::Http2(_) => Some(AppProto::Http2),
            AppState::Dns(_) => Some(AppProto::Dns),
            AppState::Tls(_) => Some(AppProto::Tls),
            AppState::Ssh(_) => Some(AppProto::Ssh),
            AppState::Smtp(_) => Some(AppProto::Smtp),
            AppState::Detecting | AppState::Failed => None,
        }
    }

    /// Whether content rules still inspect this flow's payload (false once
    /// a TLS flow's encrypted data started; see
    /// [`tls::State::payload_inspected`]).
    pub fn payload_inspected(&self) -> bool {
        match &self.state {
            AppState::Tls(s) => s.payload_inspected(),
            _ => true,
        }
    }

    /// The protocol as EVE names it in alerts and flow records: `failed`
    /// once detection gave up (Suricata's ALPROTO_FAILED), None while it
    /// is still under way.
    pub fn proto_name(&self) -> Option<&'static str> {
        match self.state {
            AppState::Failed => Some("failed"),
            _ => self.proto().map(|p| p.name()),
        }
    }

    /// Tries to recognise the protocol from the first bytes of `dir`.
    fn detect(
        &mut self,
        data: &[u8],
        dir: Direction,
        tcp: bool,
        ports: (u16, u16),
        cfg: &AppConfig,
    ) {
        let probes = protodetect::probes(data, dir, tcp, ports, cfg);
        // A capture that starts with the server's data: the "client" sends
        // a response. Detect the protocol from the other side's view and
        // have the flow turned round.
        if dir == Direction::ToServer && !self.reversed && self.change.is_none() {
            let response = if tcp {
                (data.starts_with(b"HTTP/")
                    && http::probe(data, Direction::ToClient) == Probe::Match)
                    || (tls::probe(data, Direction::ToServer) != Probe::Match
                        && tls::probe(data, Direction::ToClient) == Probe::Match)
            } else {
                false
            };
            let dns_response = (!tcp || cfg.dns_tcp_ports.either(ports))
                && dns::probe_direction(data, tcp) == Some(Direction::ToClient);
            if response || dns_response {
                self.swap_pending = true;
                return;
            }
        }
        if let Some((p, _)) = probes.iter().find(|(_, r)| *r == Probe::Match) {
            // A flow turned round was picked up midstream: Suricata does not
            // hold the direction of its first data against it.
            let no_client_data = !self.reversed && self.probed[0] == 0 && self.parsed[0] == 0;
            if tcp && !self.dirs.decided(dir, *p, no_client_data) {
                // Suricata turns the application layer off.
                self.state = AppState::Failed;
                return;
            }
            self.state = match p {
                AppProto::Http => {
                    let mut st = http::State::new(cfg);
                    st.set_decompress_layer_limit(cfg.http_decompress_layers);
                    AppState::Http(Box::new(st))
                }
                AppProto::Http2 => AppState::Http2(Box::new(http2::State::new(cfg))),
                AppProto::Tls => {
                    let mut st = tls::State::new(cfg);
                    st.set_fingerprint_logging(tls::FingerprintLogging {
                        ja3: cfg.tls_ja3,
                        ja4: cfg.tls_ja4,
                    });
                    AppState::Tls(Box::new(st))
                }
                AppProto::Ssh => {
                    AppState::Ssh(Box::new(ssh::State::with_hassh(cfg, cfg.ssh_hassh)))
                }
                AppProto::Smtp => AppState::Smtp(Box::new(smtp::State::new(cfg))),
                AppProto::Dns if tcp => AppState::Dns(Box::new(dns::State::new_tcp(cfg))),
                AppProto::Dns => AppState::Dns(Box::new(dns::State::new(cfg))),
            };
            return;
        }
        let i = idx(dir);
        self.probed[i] += data.len() as u64;
        let undecided = probes.iter().any(|(_, r)| *r == Probe::NeedMore);
        if !undecided || self.probed[i] >= PROBE_LIMIT {
            // Both directions had their chance (or one is far past it).
            let other = self.probed[1 - i];
            if other > 0 || self.probed[i] >= PROBE_LIMIT || !tcp {
                self.state = AppState::Failed;
            }
        }
    }

    /// Hands `data` (the next bytes of `dir`) to the parser, detecting
    /// the protocol first when needed.
    pub fn input(
        &mut self,
        dir: Direction,
        data: &[u8],
        ts: Timestamp,
        tcp: bool,
        ports: (u16, u16),
        cfg: &AppConfig,
    ) {
        if data.is_empty() {
            return;
        }
        if tcp && matches!(self.state, AppState::Detecting | AppState::Failed) {
            self.dirs.unknown_data(dir, data.len());
        }
        if matches!(self.state, AppState::Detecting) {
            if tcp && dir == Direction::ToServer {
                let kept = &mut self.undetected;
                let room = KEEP_UNDETECTED.saturating_sub(kept.len());
                kept.extend_from_slice(data.get(..room.min(data.len())).unwrap_or(data));
            }
            self.detect(data, dir, tcp, ports, cfg);
            if self.swap_pending {
                return;
            }
            if !matches!(self.state, AppState::Detecting) {
                let earlier = std::mem::take(&mut self.undetected);
                if dir == Direction::ToClient && self.proto().is_some() && !earlier.is_empty() {
                    // The client spoke first without being recognised: its
                    // bytes, now known to be this protocol, go first.
                    self.input(Direction::ToServer, &earlier, ts, tcp, ports, cfg);
                }
            }
            if let (Some(expect), Some(found)) = (self.change, self.proto()) {
                // Suricata: `APPLAYER_UNEXPECTED_PROTOCOL`, and for TLS
                // `APPLAYER_NO_TLS_AFTER_STARTTLS`.
                if found != expect {
                    self.dirs.raise(AppLayerEvent::UNEXPECTED_PROTOCOL);
                    if expect == AppProto::Tls {
                        self.dirs.raise(AppLayerEvent::NO_TLS_AFTER_STARTTLS);
                    }
                }
                self.change = None;
                self.changing = true;
            }
        }
        if self.h2 == H2Upgrade::Requested && matches!(self.state, AppState::Http(_)) {
            self.upgrade_to_http2(ts, cfg);
        }
        if let Some(proto) = self.proto() {
            self.dirs
                .second_direction(proto, dir, data, (tcp, ports), cfg);
        }
        match &mut self.state {
            AppState::Http(s) => {
                s.input(dir, data, ts);
                if cfg.http2_enabled && s.is_tunnel() && s.txs().any(http::Tx::http2_upgrade) {
                    match self.h2 {
                        _ if self.changing => {
                            s.refuse_upgrade();
                            self.h2 = H2Upgrade::Refused;
                        }
                        H2Upgrade::Refused => self.h2 = H2Upgrade::Requested,
                        H2Upgrade::None => self.upgrade_to_http2(ts, cfg),
                        H2Upgrade::Requested => {}
                    }
                }
            }
            AppState::Smtp(s) => {
                s.input(dir, data);
                if s.starttls_accepted() {
                    let after = s.take_after_starttls();
                    self.start_change(AppProto::Tls);
                    self.changing = false;
                    self.input(Direction::ToClient, &after, ts, tcp, ports, cfg);
                }
            }
            AppState::Http2(s) => s.input(dir, data, ts),
            AppState::Dns(s) => s.input(dir, data, ts),
            AppState::Tls(s) => s.input(dir, data, ts),
            AppState::Ssh(s) => s.input(dir, data, ts),
            AppState::Detecting | AppState::Failed => {}
        }
        self.changing = false;
    }

    /// The session asked to become `expect` (STARTTLS): the old parser is
    /// dropped and detection starts over on the next data.
    fn start_change(&mut self, expect: AppProto) {
        self.change = Some(expect);
        self.state = AppState::Detecting;
        self.probed = [0, 0];
        self.dirs.restart();
    }

    /// HTTP/1 turned into a tunnel after `101` with `Upgrade: h2c`: with
    /// HTTP/2 enabled the flow changes parser, as Suricata's protocol
    /// change does. The HTTP/1 transactions are handed out to be logged,
    /// HTTP/2 stream 1 carries the upgraded request, and server bytes that
    /// followed the `101` in the same data go to the new parser.
    fn upgrade_to_http2(&mut self, ts: Timestamp, cfg: &AppConfig) {
        let AppState::Http(s) = &mut self.state else {
            return;
        };
        self.h2 = H2Upgrade::None;
        if !cfg.http2_enabled || !s.is_tunnel() {
            return;
        }
        let Some(tx) = s.txs().filter(|t| t.http2_upgrade()).last() else {
            return;
        };
        let first = |b: Buffer| {
            let mut v = Vec::new();
            tx.buffer_dir(b, Direction::ToServer, &mut v);
            v.first().map(|x| x.to_vec())
        };
        let method = first(Buffer::HttpMethod);
        let uri = first(Buffer::HttpUriRaw);
        let headers: Vec<(Vec<u8>, Vec<u8>)> = tx
            .request_headers()
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        let next_id = s.next_tx_id();
        let rest = s.take_tunnel_data();
        let mut h2 = http2::State::upgraded(
            cfg,
            next_id,
            method.as_deref(),
            uri.as_deref(),
            &headers,
            ts,
        );
        if !rest.is_empty() {
            h2.input(Direction::ToClient, &rest, ts);
        }
        let old = std::mem::replace(&mut self.state, AppState::Http2(Box::new(h2)));
        if let AppState::Http(mut old) = old {
            self.retired.extend(
                old.take_finished(true)
                    .into_iter()
                    .map(|t| OwnedTx::Http(Box::new(t))),
            );
        }
        self.dirs.changed(AppProto::Http2);
    }

    /// The worker turned the flow round: per-direction state follows.
    pub fn swapped(&mut self) {
        self.swap_pending = false;
        self.reversed = true;
        self.parsed.swap(0, 1);
        self.probed.swap(0, 1);
        // The kept bytes were the other side's.
        self.undetected.clear();
        self.dirs.swap();
    }

    /// Bytes lost in `dir`.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        match &mut self.state {
            AppState::Http(s) => s.gap(dir, len),
            AppState::Http2(s) => s.gap(dir, len),
            AppState::Dns(s) => s.gap(dir, len),
            AppState::Tls(s) => s.gap(dir, len),
            AppState::Ssh(s) => s.gap(dir, len),
            AppState::Smtp(_) | AppState::Detecting | AppState::Failed => {}
        }
    }

    /// A datagram of the flow carried a tunnel's packet (VXLAN, Geneve,
    /// Teredo). Suricata runs protocol detection on the carrier's payload
    /// all the same, and it fails: a flow still undecided ends `failed`.
    pub fn carried_tunnel(&mut self) {
        if matches!(self.state, AppState::Detecting) {
            self.state = AppState::Failed;
        }
    }

    /// The side `dir` closed (FIN/RST): HTTP bodies delimited by close end.
    pub fn close(&mut self, dir: Direction) {
        if let AppState::Http(s) = &mut self.state {
            s.close(dir);
        }
    }

    /// Live transactions as detection views.
    pub fn txs(&self, ts: Timestamp) -> Vec<TxRef<'_>> {
        txs(&self.state, ts)
    }
}

/// Live transactions of `state` as detection views.
pub fn txs(state: &AppState, ts: Timestamp) -> Vec<TxRef<'_>> {
    match state {
        AppState::Http(s) => s.txs().map(|t| TxRef::Http(t, ts)).collect(),
        AppState::Http2(s) => s.txs().map(|t| TxRef::Http2(t, ts)).collect(),
        AppState::Dns(s) => s.txs().map(|t| TxRef::Dns(t, ts)).collect(),
        AppState::Tls(s) => s.txs().map(|t| TxRef::Tls(t, ts)).collect(),
        AppState::Ssh(s) => s.txs().map(|t| TxRef::Ssh(t, ts)).collect(),
        AppState::Smtp(_) | AppState::Detecting | AppState::Failed => Vec::new(),
    }
}

impl AppFlow {
    /// Transactions the parser finished, removed from it (SSH hands out a
    /// copy once and keeps its single tx until flow end).
    pub fn take_finished(&mut self, flow_end: bool) -> Vec<OwnedTx> {
        let mut out = std::mem::take(&mut self.retired);
        out.extend(self.take_finished_now(flow_end));
        out
    }

    fn take_finished_now(&mut self, flow_end: bool) -> Vec<OwnedTx> {
        match &mut self.state {
            AppState::Http(s) => s
                .take_finished(flow_end)
                .into_iter()
                .map(|t| OwnedTx::Http(Box::new(t)))
                .collect(),
            AppState::Http2(s) => s
                .take_finished(flow_end)
                .into_iter()
                .map(|t| OwnedTx::Http2(Box::new(t)))
                .collect(),
            AppState::Dns(s) => s
                .take_finished(flow_end)
                .into_iter()
                .map(OwnedTx::Dns)
                .collect(),
            AppState::Tls(s) => s
                .take_finished(flow_end)
                .into_iter()
                .map(|t| OwnedTx::Tls(Box::new(t)))
                .collect(),
            AppState::Ssh(s) => s
                .take_finished(flow_end)
                .into_iter()
                .filter(|t| self.logged.insert(t.id()))
                .map(OwnedTx::Ssh)
                .collect(),
            AppState::Smtp(_) | AppState::Detecting | AppState::Failed => Vec::new(),
        }
    }

    /// Anomalies the parser raised since the last call.
    pub fn events(&mut self) -> Vec<&'static str> {
        match &mut self.state {
            AppState::Http(s) => s.events(),
            AppState::Http2(s) => s.events(),
            AppState::Dns(s) => s.events(),
            AppState::Tls(s) => s.events(),
            AppState::Ssh(s) => s.events(),
            AppState::Smtp(_) | AppState::Detecting | AppState::Failed => Vec::new(),
        }
    }
}

impl AppState {
    /// A `filestore` rule matched live transaction `tx_id` on a packet
    /// travelling `to_server` (HTTP files only).
    pub fn mark_filestore(&mut self, tx_id: u64, fs: sigil_rules::FileStore, to_server: bool) {
        if let AppState::Http(s) = self {
            s.mark_store(tx_id, fs, to_server);
        }
    }
}

/// One transaction as detection sees it.
#[derive(Debug, Clone, Copy)]
pub enum TxRef<'a> {
    /// HTTP request/response pair.
    Http(&'a http::Tx, Timestamp),
    /// HTTP/2 stream.
    Http2(&'a http2::Tx, Timestamp),
    /// One DNS message.
    Dns(&'a dns::Tx, Timestamp),
    /// The TLS handshake.
    Tls(&'a tls::Tx, Timestamp),
    /// The SSH handshake.
    Ssh(&'a ssh::Tx, Timestamp),
}

fn dir_of(to_server: bool) -> Direction {
    if to_server {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

fn side_of(to_server: bool) -> Side {
    if to_server {
        Side::ToServer
    } else {
        Side::ToClient
    }
}

/// Body bytes that must accumulate before a growing body is inspected
/// again (Suricata's `*-body-minimal-inspect-size`, 32 KiB by default).
pub const BODY_INSPECT_STEP: u64 = 32 * 1024;

impl TxRef<'_> {
    /// How far the side seen from a packet travelling `to_server` has got:
    /// parser progress plus, for HTTP, the body size in steps of
    /// [`BODY_INSPECT_STEP`]. Inspecting again makes sense only when it
    /// changed — rescanning a growing body on every packet would make the
    /// cost quadratic in its size.
    pub fn progress(&self, to_server: bool) -> u64 {
        let dir = dir_of(to_server);
        match self {
            TxRef::Http(t, _) => {
                let p = if to_server {
                    t.request_progress()
                } else {
                    t.response_progress()
                };
                let mut bodies = Vec::new();
                t.buffer_dir(Buffer::FileData, dir, &mut bodies);
                let len: u64 = bodies.iter().map(|b| b.len() as u64).sum();
                ((p as u64) << 48) | (len / BODY_INSPECT_STEP)
            }
            TxRef::Http2(t, _) => {
                let (p, len) = t.progress(dir);
                ((p as u64) << 48) | (len / BODY_INSPECT_STEP)
            }
            TxRef::Dns(..) => 1,
            TxRef::Tls(t, _) => {
                (u64::from(t.ssl_state().bits()) << 8)
                    | u64::from(t.complete(Side::ToServer))
                    | (u64::from(t.complete(Side::ToClient)) << 1)
                    | (u64::from(t.cert_chain_len() as u8) << 16)
                    | ((t.events().len() as u64 & 0xff) << 24)
            }
            TxRef::Ssh(t, _) => {
                (u64::from(t.complete(Side::ToServer)))
                    | (u64::from(t.complete(Side::ToClient)) << 1)
                    | ((t.client().software().len() as u64) << 2)
                    | ((t.server().software().len() as u64) << 20)
                    | ((t.client().hassh().len() as u64) << 40)
                    | ((t.server().hassh().len() as u64) << 50)
            }
        }
    }

    /// Whether detection looks at this transaction from packets travelling
    /// `to_server`. A DNS transaction is one message and only its own
    /// direction inspects it, as Suricata's unidirectional transactions
    /// (its DNS parser marks the other side skip-inspect); which also means
    /// nothing keeps a UDP response waiting for a query that never comes.
    pub fn inspected_from(&self, to_server: bool) -> bool {
        match self {
            TxRef::Dns(t, _) => (t.direction() == Direction::ToServer) == to_server,
            _ => true,
        }
    }

    /// Key part for "alert once per transaction and direction": a DNS
    /// transaction is one message with one direction, so it alerts once.
    pub fn alert_side(&self, to_server: bool) -> bool {
        match self {
            TxRef::Dns(..) => true,
            _ => to_server,
        }
    }

    /// The EVE object attached to alerts on this transaction: its key and
    /// its JSON text (written once, shared by the transaction's alerts).
    pub fn eve_json(&self) -> (&'static str, Vec<u8>) {
        let mut out = Vec::with_capacity(512);
        let mut j = JsonBuf::new(&mut out);
        j.begin_object();
        let key = match self {
            TxRef::Http(t, _) => {
                t.write_eve(&mut j);
                "http"
            }
            TxRef::Http2(t, _) => {
                // HTTP/2 keeps its `serde_json::Value` object (few records).
                let _ = j.flatten(&t.eve());
                "http"
            }
            TxRef::Dns(t, _) => {
                t.write_eve(&mut j, false);
                "dns"
            }
            TxRef::Tls(t, _) => {
                t.write_eve(&mut j);
                "tls"
            }
            TxRef::Ssh(t, _) => {
                t.write_eve(&mut j);
                "ssh"
            }
        };
        j.close_object();
        (key, out)
    }
}

impl TxView for TxRef<'_> {
    fn app_proto(&self) -> AppProto {
        match self {
            TxRef::Http(..) => AppProto::Http,
            TxRef::Http2(..) => AppProto::Http2,
            TxRef::Dns(..) => AppProto::Dns,
            TxRef::Tls(..) => AppProto::Tls,
            TxRef::Ssh(..) => AppProto::Ssh,
        }
    }

    fn tx_id(&self) -> u64 {
        match self {
            TxRef::Http(t, _) => t.id(),
            TxRef::Http2(t, _) => t.id(),
            TxRef::Dns(t, _) => t.id(),
            TxRef::Tls(t, _) => t.id(),
            TxRef::Ssh(t, _) => t.id(),
        }
    }

    fn buffer<'a>(&'a self, b: Buffer, to_server: bool, out: &mut Vec<&'a [u8]>) {
        let dir = dir_of(to_server);
        match self {
            TxRef::Http(t, _) => t.buffer_dir(b, dir, out),
            TxRef::Http2(t, _) => t.buffer_dir(b, dir, out),
            TxRef::Dns(t, _) if t.direction() == dir => match b {
                Buffer::DnsQueriesRrname => t.buffer(Buffer::DnsQuery, out),
                Buffer::DnsAuthoritiesRrname => t.authority_names(out),
                Buffer::DnsAdditionalsRrname => t.additional_names(out),
                Buffer::DnsResponseRrname => t.response_names(out),
                _ => t.buffer(b, out),
            },
            TxRef::Dns(..) => {}
            TxRef::Tls(t, _) => t.buffer_dir(b, dir, out),
            TxRef::Ssh(t, _) => t.buffer_dir(b, dir, out),
        }
    }

    fn side_complete(&self, to_server: bool) -> bool {
        let side = side_of(to_server);
        match self {
            TxRef::Http(t, _) => t.complete(side),
            TxRef::Http2(t, _) => t.complete(side),
            TxRef::Dns(t, _) => t.complete(side),
            TxRef::Tls(t, _) => t.complete(side),
            TxRef::Ssh(t, _) => t.complete(side),
        }
    }

    fn dns_opcode(&self, to_server: bool) -> Option<u8> {
        match self {
            TxRef::Dns(t, _) if (t.direction() == Direction::ToServer) == to_server => t.opcode(),
            _ => None,
        }
    }

    fn dns_rcode(&self, to_server: bool) -> Option<u8> {
        match self {
            TxRef::Dns(t, _) if (t.direction() == Direction::ToServer) == to_server => t.rcode(),
            _ => None,
        }
    }

    fn dns_rrtypes(&self, to_server: bool, out: &mut Vec<u16>) {
        if let TxRef::Dns(t, _) = self {
            if (t.direction() == Direction::ToServer) == to_server {
                out.extend(t.query_rrtypes());
            }
        }
    }

    fn tls_version(&self, to_server: bool) -> Option<u16> {
        match self {
            TxRef::Tls(t, _) => {
                let v = t.version(dir_of(to_server));
                // The tls module says 0x0002 for SSLv2; rules say 0x0200.
                Some(if v == 0x0002 { 0x0200 } else { v }).filter(|v| *v != 0)
            }
            _ => None,
        }
    }

    fn tls_state(&self) -> u32 {
        match self {
            // Both use the same bit layout (client hello = 1 … unknown = 16).
            TxRef::Tls(t, _) => u32::from(t.ssl_state().bits()),
            _ => 0,
        }
    }

    fn tls_cert_validity(&self) -> Option<(i64, i64)> {
        match self {
            TxRef::Tls(t, _) => Some((t.cert_not_before()?, t.cert_not_after()?)),
            _ => None,
        }
    }

    fn app_events(&self, out: &mut Vec<&'static str>) {
        match self {
            TxRef::Http(t, _) => out.extend(t.events()),
            TxRef::Http2(t, _) => out.extend_from_slice(t.events()),
            TxRef::Dns(t, _) => out.extend_from_slice(t.events()),
            TxRef::Ssh(t, _) => out.extend_from_slice(t.events()),
            TxRef::Tls(t, _) => out.extend_from_slice(t.events()),
        }
    }

    fn files(&self, to_server: bool, out: &mut Vec<sigil_rules::txview::FileMeta>) {
        use sigil_rules::txview::{FileMeta, FileState};
        if let TxRef::Http(t, _) = self {
            out.extend(t.file_sizes(to_server).map(|(size, state)| FileMeta {
                size,
                state: match state {
                    http::FileState::Open => FileState::Open,
                    http::FileState::Closed => FileState::Closed,
                    http::FileState::Truncated => FileState::Truncated,
                },
            }));
        }
    }

    fn packet_time(&self) -> Option<i64> {
        match self {
            TxRef::Http(_, ts)
            | TxRef::Http2(_, ts)
            | TxRef::Dns(_, ts)
            | TxRef::Tls(_, ts)
            | TxRef::Ssh(_, ts) => Some(ts.secs),
        }
    }
}

/// A finished transaction, owned.
#[derive(Debug)]
pub enum OwnedTx {
    /// HTTP (boxed: far larger than the others).
    Http(Box<http::Tx>),
    /// HTTP/2 stream (boxed: header lists and bodies).
    Http2(Box<http2::Tx>),
    /// DNS.
    Dns(dns::Tx),
    /// TLS (boxed: certificates make it large).
    Tls(Box<tls::Tx>),
    /// SSH.
    Ssh(ssh::Tx),
}

impl OwnedTx {
    /// The detection view.
    pub fn view(&self, ts: Timestamp) -> TxRef<'_> {
        match self {
            OwnedTx::Http(t) => TxRef::Http(t, ts),
            OwnedTx::Http2(t) => TxRef::Http2(t, ts),
            OwnedTx::Dns(t) => TxRef::Dns(t, ts),
            OwnedTx::Tls(t) => TxRef::Tls(t, ts),
            OwnedTx::Ssh(t) => TxRef::Ssh(t, ts),
        }
    }

    /// A `filestore` rule matched this finished transaction on a packet
    /// travelling `to_server`.
    pub fn mark_filestore(&mut self, fs: sigil_rules::FileStore, to_server: bool) {
        if let OwnedTx::Http(t) = self {
            t.mark_store(fs, to_server);
        }
    }

    /// Writes the files `filestore` rules asked for (before [`Self::records`],
    /// which then says `stored`).
    pub fn store_files(&mut self) {
        if let OwnedTx::Http(t) = self {
            t.write_stored_files();
        }
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
