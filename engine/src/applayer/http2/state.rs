//! Per-flow HTTP/2 state: frames of each direction cut from the byte
//! stream (split anywhere), header blocks reassembled across CONTINUATION
//! frames and decoded by that direction's HPACK decoder, and streams
//! turned into transactions.
//!
//! Memory is bounded: a non-DATA frame is buffered only up to
//! `max_frame` bytes (a larger one is skipped and counted), a header
//! block up to `max_header_block` bytes (Suricata's
//! `max-reassembly-size`), the HPACK tables by `max-table-size`, bodies by
//! the HTTP body limits, and streams by `max-streams` (the oldest stream
//! is then dropped and counted). DATA frames are streamed, not
//! buffered.

use std::collections::VecDeque;

use super::frame::{self, flag, kind, FrameHeader, HEADER_LEN, PREFACE};
use super::hpack::{Decoder, Field};
use super::tx::{Progress, Tx};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction;

/// Most pending anomaly names kept between two `events()` calls.
const MAX_PENDING_EVENTS: usize = 256;

/// Limits of one flow's HTTP/2 state.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_streams: usize,
    header_block: usize,
    max_frame: usize,
    body: [usize; 2],
}

/// What was thrown away to stay within the limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Streams dropped because too many were held.
    pub streams: u64,
    /// Header fields decoded but not kept (header list limit).
    pub headers: u64,
    /// Frames skipped because they exceeded the frame buffer limit.
    pub frames: u64,
    /// Header blocks not decoded (too large, or malformed).
    pub blocks: u64,
}

/// A header block being reassembled.
#[derive(Debug)]
struct PendingBlock {
    stream: u32,
    end_stream: bool,
    /// PUSH_PROMISE: the promised stream, whose request this block is.
    promised: Option<u32>,
    data: Vec<u8>,
    /// Part of the block was not kept (too large): it cannot be decoded.
    overflow: bool,
}

/// The frame being read.
#[derive(Debug)]
struct Current {
    hdr: FrameHeader,
    /// Payload bytes read so far.
    pos: usize,
    /// Payload is discarded (too large to buffer).
    skip: bool,
    /// DATA: where the content ends (padding after it), once known.
    data_end: Option<usize>,
}

/// Framing state of one direction.
#[derive(Debug, Default)]
struct DirParser {
    /// Frame header bytes, or a non-DATA payload, collected so far.
    buf: Vec<u8>,
    cur: Option<Current>,
    block: Option<PendingBlock>,
}

/// Per-flow HTTP/2 parser state.
#[derive(Debug)]
pub struct State {
    limits: Limits,
    dirs: [DirParser; 2],
    hpack: [Decoder; 2],
    txs: VecDeque<Tx>,
    next_id: u64,
    /// Client preface bytes matched so far (None: no longer expected).
    preface: Option<usize>,
    new_events: Vec<&'static str>,
    dropped: Dropped,
    ts: Timestamp,
}

fn idx(dir: Direction) -> usize {
    usize::from(dir == Direction::ToClient)
}

impl State {
    /// A new state with the limits of `cfg`.
    pub fn new(cfg: &AppConfig) -> State {
        State::starting_at(cfg, 0)
    }

    /// A new state whose first transaction gets id `first_id` (after an
    /// HTTP/1 upgrade the flow's transaction ids keep growing).
    pub fn starting_at(cfg: &AppConfig, first_id: u64) -> State {
        State {
            limits: Limits {
                max_streams: cfg.http2_max_streams.max(1),
                header_block: cfg.http2_max_reassembly.max(1024),
                max_frame: cfg.max_record.max(16 * 1024),
                body: [cfg.http_request_body_limit, cfg.http_response_body_limit],
            },
            dirs: [DirParser::default(), DirParser::default()],
            hpack: [
                Decoder::new(cfg.http2_max_table_size),
                Decoder::new(cfg.http2_max_table_size),
            ],
            txs: VecDeque::new(),
            next_id: first_id,
            preface: Some(0),
            new_events: Vec::new(),
            dropped: Dropped::default(),
            ts: Timestamp::default(),
        }
    }

    /// A state for a connection upgraded from HTTP/1 (`101` + `h2c`):
    /// stream 1 is the HTTP/1 request, already complete, its headers
    /// given as Suricata does (`:method`, `:path`, then the request's
    /// headers with `Host` renamed `:authority`).
    pub fn upgraded(
        cfg: &AppConfig,
        first_id: u64,
        method: Option<&[u8]>,
        uri: Option<&[u8]>,
        headers: &[(Vec<u8>, Vec<u8>)],
        ts: Timestamp,
    ) -> State {
        let mut st = State::starting_at(cfg, first_id);
        st.ts = ts;
        let mut fields = Vec::new();
        if let Some(m) = method {
            fields.push(field(b":method", m));
            if let Some(u) = uri {
                fields.push(field(b":path", u));
            }
            for (n, v) in headers {
                let name: &[u8] = if n.eq_ignore_ascii_case(b"host") {
                    b":authority"
                } else {
                    n
                };
                fields.push(field(name, v));
            }
        }
        if let Some(tx) = st.tx(1) {
            if !fields.is_empty() {
                tx.add_headers(Direction::ToServer, fields);
            }
            tx.req.progress = Progress::Complete;
        }
        st
    }

    /// Feeds the next in-order bytes of one direction.
    pub fn input(&mut self, dir: Direction, mut data: &[u8], ts: Timestamp) {
        self.ts = ts;
        if dir == Direction::ToServer {
            if let Some(seen) = self.preface {
                let want = PREFACE.get(seen..).unwrap_or(&[]);
                let n = want.len().min(data.len());
                if data.get(..n) == want.get(..n) {
                    data = data.get(n..).unwrap_or(&[]);
                    self.preface = (seen + n < PREFACE.len()).then_some(seen + n);
                } else {
                    // Suricata reports it and reads frames anyway.
                    self.event("invalid_client_magic");
                    self.preface = None;
                }
            }
        }
        while !data.is_empty() {
            let used = self.step(dir, data);
            data = data.get(used..).unwrap_or(&[]);
            if used == 0 {
                break;
            }
        }
    }

    /// `len` bytes of `dir` were lost: framing cannot be recovered, so the
    /// direction stops being parsed (its open streams end).
    pub fn gap(&mut self, dir: Direction, len: u64) {
        if len == 0 {
            return;
        }
        let d = &mut self.dirs[idx(dir)];
        d.buf.clear();
        d.block = None;
        d.cur = Some(Current {
            hdr: FrameHeader {
                length: u32::MAX,
                kind: u8::MAX,
                flags: 0,
                reserved: false,
                stream: 0,
            },
            pos: 0,
            skip: true,
            data_end: None,
        });
        for tx in &mut self.txs {
            tx.side_mut(dir).progress = Progress::Complete;
        }
    }

    /// Reads one piece of a frame from `data`; returns the bytes used.
    fn step(&mut self, dir: Direction, data: &[u8]) -> usize {
        let limits = self.limits;
        let d = &mut self.dirs[idx(dir)];
        let Some(cur) = d.cur.as_mut() else {
            let need = HEADER_LEN - d.buf.len().min(HEADER_LEN);
            let n = need.min(data.len());
            d.buf.extend_from_slice(data.get(..n).unwrap_or(data));
            if let Some(hdr) = FrameHeader::parse(&d.buf) {
                d.buf.clear();
                let skip = hdr.kind != kind::DATA && hdr.length as usize > limits.max_frame;
                d.cur = Some(Current {
                    hdr,
                    pos: 0,
                    skip,
                    data_end: None,
                });
                if skip {
                    self.dropped.frames += 1;
                    self.event("long_frame_data");
                }
                if hdr.length == 0 {
                    self.end_frame(dir);
                }
            }
            return n;
        };
        let hdr = cur.hdr;
        let left = (hdr.length as usize).saturating_sub(cur.pos);
        let n = left.min(data.len());
        let chunk = data.get(..n).unwrap_or(data);
        let start = cur.pos;
        cur.pos += n;
        if hdr.kind == kind::DATA {
            self.data_chunk(dir, &hdr, start, chunk);
        } else if !cur.skip {
            d.buf.extend_from_slice(chunk);
        }
        if n == left {
            self.end_frame(dir);
        }
        n
    }

    /// DATA payload bytes `chunk` at payload offset `start`: the part that
    /// is content (not pad length or padding) goes to the stream's body.
    fn data_chunk(&mut self, dir: Direction, hdr: &FrameHeader, start: usize, chunk: &[u8]) {
        let len = hdr.length as usize;
        let padded = hdr.has(flag::PADDED);
        let mut content_start = 0;
        if padded {
            content_start = 1;
            let Some(cur) = self.dirs[idx(dir)].cur.as_mut() else {
                return;
            };
            if start == 0 {
                if let Some(&pad) = chunk.first() {
                    match len.saturating_sub(1).checked_sub(usize::from(pad)) {
                        Some(end) => cur.data_end = Some(end + 1),
                        None => {
                            cur.data_end = Some(1);
                            self.event("invalid_frame_data");
                        }
                    }
                }
            }
        }
        let end = self.dirs[idx(dir)]
            .cur
            .as_ref()
            .and_then(|c| c.data_end)
            .unwrap_or(len);
        let from = content_start.max(start);
        let to = end.min(start + chunk.len());
        if from >= to || hdr.stream == 0 {
            return;
        }
        let Some(content) = chunk.get(from - start..to - start) else {
            return;
        };
        let limit = self.limits.body[idx(dir)];
        if let Some(tx) = self.tx(hdr.stream) {
            tx.side_mut(dir).add_body(content, limit);
        }
    }

    /// The current frame of `dir` was read to its end.
    fn end_frame(&mut self, dir: Direction) {
        let d = &mut self.dirs[idx(dir)];
        let Some(cur) = d.cur.take() else {
            return;
        };
        let payload = std::mem::take(&mut d.buf);
        let h = cur.hdr;
        if cur.skip {
            if h.kind == kind::HEADERS || h.kind == kind::CONTINUATION {
                // Part of a header block is gone: the block cannot be decoded.
                if let Some(b) = d.block.as_mut() {
                    b.overflow = true;
                }
            }
            return;
        }
        if d.block.is_some() && h.kind != kind::CONTINUATION {
            // RFC 9113 6.10: nothing may come between a header block's frames.
            self.event("invalid_frame_header");
            self.dirs[idx(dir)].block = None;
            self.dropped.blocks += 1;
        }
        match h.kind {
            kind::DATA => {
                if h.stream == 0 {
                    self.event("data_stream_zero");
                } else if h.has(flag::END_STREAM) {
                    if let Some(tx) = self.tx(h.stream) {
                        tx.side_mut(dir).progress = Progress::Complete;
                    }
                }
            }
            kind::HEADERS => match frame::headers_fragment(&h, &payload) {
                Ok(frag) => self.start_block(dir, &h, None, frag),
                Err(_) => self.event("invalid_frame_data"),
            },
            kind::PUSH_PROMISE => match frame::push_promise(&h, &payload) {
                Ok((promised, frag)) => self.start_block(dir, &h, Some(promised), frag),
                Err(_) => self.event("invalid_frame_data"),
            },
            kind::CONTINUATION => self.continuation(dir, &h, &payload),
            kind::RST_STREAM => match frame::rst_error(&payload) {
                Ok(code) => {
                    if let Some(tx) = self.tx(h.stream) {
                        tx.error_code = Some(code);
                        tx.req.progress = Progress::Complete;
                        tx.resp.progress = Progress::Complete;
                    }
                }
                Err(_) => self.event("invalid_frame_length"),
            },
            kind::SETTINGS if frame::settings(&payload).is_err() || h.stream != 0 => {
                self.event("invalid_frame_length");
            }
            _ => {}
        }
    }

    fn start_block(&mut self, dir: Direction, h: &FrameHeader, promised: Option<u32>, frag: &[u8]) {
        if h.stream == 0 {
            self.event("invalid_frame_header");
        }
        let mut block = PendingBlock {
            stream: h.stream,
            end_stream: h.kind == kind::HEADERS && h.has(flag::END_STREAM),
            promised,
            data: Vec::new(),
            overflow: false,
        };
        self.append(&mut block, frag);
        if h.has(flag::END_HEADERS) {
            self.finish_block(dir, block);
        } else {
            self.dirs[idx(dir)].block = Some(block);
        }
    }

    fn continuation(&mut self, dir: Direction, h: &FrameHeader, payload: &[u8]) {
        let Some(mut block) = self.dirs[idx(dir)].block.take() else {
            self.event("invalid_frame_header");
            return;
        };
        if block.stream != h.stream {
            self.event("invalid_frame_header");
            self.dropped.blocks += 1;
            return;
        }
        self.append(&mut block, payload);
        if h.has(flag::END_HEADERS) {
            self.finish_block(dir, block);
        } else {
            self.dirs[idx(dir)].block = Some(block);
        }
    }

    fn append(&mut self, block: &mut PendingBlock, frag: &[u8]) {
        if block.data.len() + frag.len() > self.limits.header_block {
            if !block.overflow {
                self.event("reassembly_limit_reached");
            }
            block.overflow = true;
            return;
        }
        block.data.extend_from_slice(frag);
    }

    fn finish_block(&mut self, dir: Direction, block: PendingBlock) {
        if block.overflow {
            self.dropped.blocks += 1;
            return;
        }
        let decoded = self.hpack[idx(dir)].decode(&block.data, self.limits.header_block);
        let (stream, side) = match block.promised {
            Some(p) => (p, Direction::ToServer),
            None => (block.stream, dir),
        };
        match decoded {
            Ok(b) => {
                if b.dropped > 0 {
                    self.dropped.headers += b.dropped as u64;
                    self.event("reassembly_limit_reached");
                }
                if b.clamped {
                    self.event("invalid_header");
                }
                if let Some(tx) = self.tx(stream) {
                    tx.add_headers(side, b.fields);
                    if block.end_stream {
                        tx.side_mut(side).progress = Progress::Complete;
                    }
                }
            }
            Err(e) => {
                self.dropped.blocks += 1;
                let name = match e {
                    super::hpack::HpackError::IntegerOverflow => "header_integer_overflow",
                    _ => "invalid_header",
                };
                self.event(name);
                if let Some(tx) = self.tx(stream) {
                    tx.event(name);
                    if block.end_stream {
                        tx.side_mut(side).progress = Progress::Complete;
                    }
                }
            }
        }
    }

    /// The transaction of `stream`, created when new. When too many
    /// streams are held the oldest is dropped (and counted).
    fn tx(&mut self, stream: u32) -> Option<&mut Tx> {
        if stream == 0 {
            return None;
        }
        if let Some(i) = self.txs.iter().position(|t| t.stream == stream) {
            let ts = self.ts;
            let tx = self.txs.get_mut(i)?;
            tx.last_ts = ts;
            return Some(tx);
        }
        if self.txs.len() >= self.limits.max_streams {
            // The oldest stream goes, finished or not (Suricata's
            // `max-streams`): nothing else bounds a flow's streams.
            self.txs.pop_front();
            self.dropped.streams += 1;
            self.event("too_many_streams");
        }
        let tx = Tx::new(self.next_id, stream, self.ts);
        self.next_id += 1;
        self.txs.push_back(tx);
        self.txs.back_mut()
    }

    fn event(&mut self, e: &'static str) {
        if self.new_events.len() < MAX_PENDING_EVENTS {
            self.new_events.push(e);
        }
    }

    /// Live transactions, oldest first.
    pub fn txs(&self) -> impl Iterator<Item = &Tx> {
        self.txs.iter()
    }

    /// Removes and returns the streams whose both sides are complete
    /// (streams end in any order); with `flow_end`, all of them.
    pub fn take_finished(&mut self, flow_end: bool) -> Vec<Tx> {
        if flow_end {
            return self.txs.drain(..).collect();
        }
        let mut out = Vec::new();
        let mut keep = VecDeque::with_capacity(self.txs.len());
        for tx in self.txs.drain(..) {
            if tx.complete(sigil_rules::buffer::Side::Both) {
                out.push(tx);
            } else {
                keep.push_back(tx);
            }
        }
        self.txs = keep;
        out
    }

    /// Anomalies raised since the last call (Suricata's `http2.*` names).
    pub fn events(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.new_events)
    }

    /// What was thrown away to respect the limits.
    pub fn dropped(&self) -> Dropped {
        self.dropped
    }
}

fn field(name: &[u8], value: &[u8]) -> Field {
    Field {
        name: name.to_vec(),
        value: value.to_vec(),
    }
}
