//! Per-flow HTTP state: two parsers (requests, responses) over the
//! reassembled streams and the transactions they fill, paired in order
//! (request *n* with response *n*, ids 0, 1, 2…).
//!
//! Each direction is a state machine in the image of libhtp's (see
//! `request.rs`, `response.rs`): input is consumed chunk by chunk and
//! partial lines are buffered (bounded by the header limit), so bytes may
//! be split anywhere. Like libhtp, some decisions depend on what is in the
//! current chunk (an HTTP/0.9 request line is only taken as such when
//! nothing follows it in the same chunk).
//!
//! Gaps: bytes lost inside a body with a known length (or inside a chunk)
//! just count toward the body (the file is marked `gaps`); anywhere else
//! the current message is closed and the direction resynchronises on the
//! next line that starts a request (method + space) or a response
//! (`HTTP/`).

use std::collections::VecDeque;

use sigil_rules::{FileStore, StoreScope};

use super::body::FileState;
use super::events::Event;
use super::parser::Method;
use super::tx::{Progress, Tx};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction;

/// Where a direction's parser stands overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Parsing.
    Open,
    /// The stream ended: pending decisions are taken with what is there.
    Closed,
    /// Unrecoverable parse error: the direction is ignored from here.
    Error,
    /// CONNECT or Upgrade: the connection no longer carries HTTP.
    Tunnel,
    /// Waiting for the other direction (CONNECT answer, pipelining).
    WaitOther,
}

/// Result of one parsing step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// State changed, run the next step.
    Next,
    /// Everything consumed (or buffered); wait for more input.
    NeedData,
    /// Stop here until the other direction makes progress.
    Other,
    /// Parse error: stop the direction.
    Error,
    /// The connection became a tunnel.
    Tunnel,
}

/// The unconsumed part of the chunk being parsed.
#[derive(Debug)]
pub(crate) struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Input { data, pos: 0 }
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn len(&self) -> usize {
        self.rest().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest().is_empty()
    }

    pub(crate) fn consume(&mut self, n: usize) -> &'a [u8] {
        let r = self.rest();
        let n = n.min(r.len());
        self.pos += n;
        &r[..n]
    }

    pub(crate) fn unconsume(&mut self, n: usize) {
        self.pos = self.pos.saturating_sub(n);
    }
}

/// Limits, from [`AppConfig`] plus HTTP-specific defaults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) req_body: usize,
    pub(crate) resp_body: usize,
    /// Most bytes buffered for one line or header block.
    pub(crate) field: usize,
    pub(crate) max_tx: usize,
    pub(crate) layer_limit: usize,
    /// LZMA decoding (off unless configured).
    pub(crate) lzma: super::decompress::LzmaSettings,
    /// Digests computed for each file.
    pub(crate) hashes: super::body::FileHashes,
    /// SHA-256 logged for every file, not only stored ones.
    pub(crate) log_sha256: bool,
    /// Bytes of each file kept for `filestore` (0: storing is off).
    pub(crate) store_depth: usize,
}

impl Limits {
    /// How new files are tracked.
    pub(crate) fn file_opts(&self) -> super::body::FileOpts {
        super::body::FileOpts {
            hashes: self.hashes,
            log_sha256: self.log_sha256,
            store_depth: self.store_depth,
        }
    }
}

/// Most pending anomaly names kept between two `events()` calls.
const MAX_PENDING_EVENTS: usize = 1024;

/// Per-flow HTTP parser state.
#[derive(Debug)]
pub struct State {
    pub(crate) limits: Limits,
    txs: VecDeque<Tx>,
    /// Id of `txs[0]`.
    base: u64,
    /// Id the next created transaction gets.
    next_id: u64,
    pub(crate) req: super::request::ReqSide,
    pub(crate) resp: super::response::RespSide,
    new_events: Vec<&'static str>,
    pub(crate) ts: Timestamp,
    /// Where `filestore` writes files.
    store_dir: Option<&'static std::path::Path>,
    /// A `filestore` rule with flow scope asked for every file of a side
    /// (`[uploads, downloads]`), later transactions included.
    store_all: [bool; 2],
}

impl State {
    /// A new state with the limits of `cfg`.
    pub fn new(cfg: &AppConfig) -> State {
        State {
            limits: Limits {
                req_body: cfg.http_request_body_limit,
                resp_body: cfg.http_response_body_limit,
                field: cfg.http_header_limit.max(1024),
                max_tx: cfg.max_tx.max(1),
                layer_limit: 2,
                lzma: super::decompress::LzmaSettings {
                    layers: cfg.http_lzma_layers,
                    memlimit: cfg.http_lzma_memlimit,
                },
                // file-store v2 names stored files by their SHA-256.
                hashes: cfg.file_hashes.union(super::body::FileHashes {
                    sha256: cfg.file_store.is_some(),
                    ..Default::default()
                }),
                log_sha256: cfg.file_hashes.sha256,
                store_depth: cfg.file_store.as_ref().map_or(0, |s| s.depth),
            },
            txs: VecDeque::new(),
            base: 0,
            next_id: 0,
            req: Default::default(),
            resp: Default::default(),
            new_events: Vec::new(),
            ts: Timestamp::default(),
            store_dir: cfg.file_store.map(|s| s.dir),
            store_all: [false; 2],
        }
    }

    /// A `filestore` rule matched transaction `id` on a packet travelling
    /// `pkt_to_server`: its files in the rule's direction(s) are stored
    /// when the transaction is done (and, for flow scope, the files of
    /// every later transaction too). Nothing happens when storing is off.
    pub fn mark_store(&mut self, id: u64, fs: FileStore, pkt_to_server: bool) {
        if self.store_dir.is_none() {
            return;
        }
        if fs.scope == StoreScope::Flow {
            for (i, side) in [true, false].into_iter().enumerate() {
                if fs.stores(pkt_to_server, side) {
                    if let Some(s) = self.store_all.get_mut(i) {
                        *s = true;
                    }
                }
            }
            let all = self.store_all;
            for tx in &mut self.txs {
                tx.store_sides(all);
            }
        }
        let dir = self.store_dir;
        if let Some(tx) = self.tx_mut(id) {
            tx.mark_store(fs, pkt_to_server);
            tx.store_dir = dir;
        }
    }

    fn tx_mut(&mut self, id: u64) -> Option<&mut Tx> {
        let idx = usize::try_from(id.checked_sub(self.base)?).ok()?;
        self.txs.get_mut(idx)
    }

    /// Most `Content-Encoding` layers decoded (Suricata's
    /// `response-body-decompress-layer-limit`, default 2).
    pub fn set_decompress_layer_limit(&mut self, n: usize) {
        self.limits.layer_limit = n;
    }

    /// Feeds the next in-order bytes of one direction.
    pub fn input(&mut self, dir: Direction, data: &[u8], ts: Timestamp) {
        self.ts = ts;
        if data.is_empty() {
            return;
        }
        match dir {
            Direction::ToServer => {
                self.request_data(data);
                self.resume_response();
            }
            Direction::ToClient => {
                self.response_data(data);
                self.resume_request();
            }
        }
    }

    /// `len` bytes of one direction were lost.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        if len == 0 {
            return;
        }
        match dir {
            Direction::ToServer => self.request_gap(len),
            Direction::ToClient => self.response_gap(len),
        }
    }

    /// The stream of `dir` ended (FIN/RST or flow end): pending lines and
    /// headers are taken as they are, bodies delimited by the close end.
    pub fn close(&mut self, dir: Direction) {
        match dir {
            Direction::ToServer => self.request_close(),
            Direction::ToClient => self.response_close(),
        }
    }

    /// The connection stopped carrying HTTP/1 (CONNECT tunnel, Upgrade).
    pub fn is_tunnel(&self) -> bool {
        self.req.status == Status::Tunnel || self.resp.status == Status::Tunnel
    }

    /// The server bytes that came after the response which made the
    /// connection a tunnel, in the same data (once; bounded).
    pub fn take_tunnel_data(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.resp.after_tunnel)
    }

    /// The upgrade to HTTP/2 the last `101` asked for cannot happen (the
    /// flow is already changing protocol): Suricata's
    /// `http.failed_protocol_change` on that transaction.
    pub fn refuse_upgrade(&mut self) {
        let id = self
            .txs
            .iter()
            .rev()
            .find(|t| t.http2_upgrade())
            .map(Tx::id);
        if let Some(id) = id {
            self.raise(id, Event::FailedProtocolChange);
        }
    }

    /// The id the next transaction would get.
    pub fn next_tx_id(&self) -> u64 {
        self.next_id
    }

    /// Live transactions, oldest first.
    pub fn txs(&self) -> impl Iterator<Item = &Tx> {
        self.txs.iter()
    }

    /// Removes and returns the transactions whose both sides are complete;
    /// with `flow_end`, closes both directions first and returns all.
    pub fn take_finished(&mut self, flow_end: bool) -> Vec<Tx> {
        if flow_end {
            self.request_close();
            self.response_close();
            for tx in &mut self.txs {
                finish_files(tx, FileState::Truncated);
            }
            self.base = self.next_id;
            return self.txs.drain(..).collect();
        }
        let mut out = Vec::new();
        while self.txs.front().is_some_and(|t| {
            t.req_progress == Progress::Complete && t.resp_progress == Progress::Complete
        }) {
            if let Some(tx) = self.txs.pop_front() {
                self.base = tx.id + 1;
                out.push(tx);
            }
        }
        out
    }

    /// Anomalies raised since the last call (Suricata names).
    pub fn events(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.new_events)
    }

    /// The transaction `id`, created (with any missing ones before it) when
    /// it does not exist yet. `None` once it was handed out or evicted.
    pub(crate) fn tx(&mut self, id: u64) -> Option<&mut Tx> {
        if id < self.base || id > self.next_id + 2 {
            return None;
        }
        while self.next_id <= id {
            let mut tx = Tx::new(
                self.next_id,
                self.limits.req_body,
                self.limits.resp_body,
                self.ts,
            );
            tx.store_dir = self.store_dir;
            tx.store_sides(self.store_all);
            self.txs.push_back(tx);
            self.next_id += 1;
            self.evict();
        }
        let ts = self.ts;
        let idx = usize::try_from(id - self.base).ok()?;
        let tx = self.txs.get_mut(idx)?;
        tx.last_ts = ts;
        Some(tx)
    }

    /// Read-only access to a live transaction.
    pub(crate) fn tx_ref(&self, id: u64) -> Option<&Tx> {
        let idx = usize::try_from(id.checked_sub(self.base)?).ok()?;
        self.txs.get(idx)
    }

    /// Keeps at most `max_tx` live transactions: the oldest are forced
    /// complete so `take_finished` hands them out.
    fn evict(&mut self) {
        while self.txs.len() > self.limits.max_tx.saturating_mul(2) {
            if let Some(tx) = self.txs.pop_front() {
                self.base = tx.id + 1;
            }
        }
        let excess = self.txs.len().saturating_sub(self.limits.max_tx);
        for tx in self.txs.iter_mut().take(excess) {
            tx.req_progress = Progress::Complete;
            tx.resp_progress = Progress::Complete;
            finish_files(tx, FileState::Truncated);
        }
    }

    /// Raises `e` on transaction `id` (or only in the flow's list when the
    /// transaction is gone).
    pub(crate) fn raise(&mut self, id: u64, e: Event) {
        if let Some(tx) = self.tx(id) {
            tx.event(e);
        }
        if self.new_events.len() < MAX_PENDING_EVENTS {
            self.new_events.push(e.name());
        }
    }

    /// Raises `e` unless transaction `id` already has it.
    pub(crate) fn raise_once(&mut self, id: u64, e: Event) {
        if self.tx_ref(id).is_some_and(|t| t.events.contains(&e)) {
            return;
        }
        self.raise(id, e);
    }
}

/// Closes every still-open file of `tx` with `state`.
pub(crate) fn finish_files(tx: &mut Tx, state: FileState) {
    for f in &mut tx.req_files {
        f.close(state);
    }
    if let Some(f) = &mut tx.resp_file {
        f.close(state);
    }
}

/// True when `line` starts a request: a method libhtp knows, then a space
/// or tab.
pub(crate) fn looks_like_request_start(line: &[u8]) -> bool {
    let n = line
        .iter()
        .position(|&c| c == b' ' || c == b'\t')
        .unwrap_or(line.len());
    n < line.len() && Method::from_bytes(&line[..n]) != Method::Unknown
}

/// Position of the first line start in `data` (after a LF, or at 0 when
/// `at_line_start`) for which `is_start` holds.
pub(crate) fn find_resync(
    data: &[u8],
    at_line_start: bool,
    is_start: impl Fn(&[u8]) -> bool,
) -> Option<usize> {
    let mut starts: Vec<usize> = Vec::new();
    if at_line_start {
        starts.push(0);
    }
    starts.extend(
        data.iter()
            .enumerate()
            .filter(|(_, &c)| c == b'\n')
            .map(|(i, _)| i + 1),
    );
    starts.into_iter().find(|&p| is_start(&data[p..]))
}
