//! The request-direction state machine, step for step libhtp's: request
//! line, headers (with trailers after a chunked body), body by
//! `Content-Length` or chunks, CONNECT handling, and the "finalize" step
//! that decides whether bytes after a request are a new request or (odd)
//! extra body data.

use super::events::Event;
use super::normalize::normalize;
use super::parser::{parse_request_line, Method};
use super::state::{find_resync, looks_like_request_start, Input, State, Status, Step};
use super::tx::{Progress, Transfer};
use super::util::{
    chomp, is_chunked_ctl, is_line_ignorable, is_space, is_valid_chunked_length_data, line_end_lf,
    parse_chunked_length, span, Protocol,
};

/// Request parser states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ReqState {
    #[default]
    Idle,
    Line,
    Protocol,
    Headers,
    ConnectCheck,
    ConnectWaitResponse,
    ConnectProbeData,
    BodyDetermine,
    BodyChunkedLength,
    BodyChunkedData,
    BodyChunkedDataEnd,
    BodyIdentity,
    Finalize,
    IgnoreAfter09,
}

/// Request-direction parser data.
#[derive(Debug)]
pub(crate) struct ReqSide {
    pub(crate) state: ReqState,
    pub(crate) status: Status,
    /// Transaction the request parser is filling.
    pub(crate) index: u64,
    pub(crate) buf: Vec<u8>,
    pub(crate) hdr: Option<Vec<u8>>,
    pub(crate) content_length: Option<u64>,
    pub(crate) body_left: Option<u64>,
    chunk_left: u64,
    /// Bytes not consumed while waiting for the response side.
    pending: Vec<u8>,
    /// Skipping bytes after a gap until a request line shows up.
    resync: bool,
}

impl Default for ReqSide {
    fn default() -> Self {
        ReqSide {
            state: ReqState::Idle,
            status: Status::Open,
            index: 0,
            buf: Vec::new(),
            hdr: None,
            content_length: None,
            body_left: None,
            chunk_left: 0,
            pending: Vec::new(),
            resync: false,
        }
    }
}

/// At most this much whitespace after an HTTP/0.9 request line.
const HTTP09_MAX_JUNK_LEN: usize = 16;

impl State {
    pub(crate) fn request_data(&mut self, data: &[u8]) {
        if self.req.status == Status::Closed {
            return;
        }
        let owned;
        let mut data = data;
        if !self.req.pending.is_empty() {
            let mut joined = std::mem::take(&mut self.req.pending);
            joined.extend_from_slice(data);
            owned = joined;
            data = &owned;
        }
        if self.req.resync {
            match find_resync(data, true, looks_like_request_start) {
                Some(p) => {
                    self.req.resync = false;
                    self.req.state = ReqState::Idle;
                    data = &data[p..];
                }
                None => return,
            }
        }
        let mut input = Input::new(data);
        self.request_run(&mut input);
    }

    fn request_run(&mut self, input: &mut Input) {
        if matches!(self.req.status, Status::Error | Status::Tunnel) {
            return;
        }
        loop {
            let step = match self.req.state {
                ReqState::Idle => self.req_idle(input),
                ReqState::Line => self.req_line(input),
                ReqState::Protocol => self.req_protocol(input),
                ReqState::Headers => self.req_headers(input),
                ReqState::ConnectCheck => self.req_connect_check(),
                ReqState::ConnectWaitResponse => self.req_connect_wait(),
                ReqState::ConnectProbeData => self.req_connect_probe(input),
                ReqState::BodyDetermine => self.req_body_determine(),
                ReqState::BodyChunkedLength => self.req_chunked_length(input),
                ReqState::BodyChunkedData => self.req_chunked_data(input),
                ReqState::BodyChunkedDataEnd => self.req_chunked_data_end(input),
                ReqState::BodyIdentity => self.req_body_identity(input),
                ReqState::Finalize => self.req_finalize(input),
                ReqState::IgnoreAfter09 => {
                    input.consume(input.len());
                    Step::NeedData
                }
            };
            match step {
                Step::Next => continue,
                Step::NeedData => return,
                Step::Other => {
                    self.req.status = Status::WaitOther;
                    let rest = input.rest();
                    if self.req.pending.len() + rest.len() <= self.limits.field.saturating_mul(4) {
                        self.req.pending.extend_from_slice(rest);
                    }
                    input.consume(rest.len());
                    return;
                }
                Step::Error => {
                    self.req.status = Status::Error;
                    return;
                }
                Step::Tunnel => {
                    // The CONNECT request will not change any more.
                    if let Some(tx) = self.tx(self.req.index) {
                        tx.req_progress = Progress::Complete;
                    }
                    self.req.status = Status::Tunnel;
                    self.resp.status = Status::Tunnel;
                    return;
                }
            }
        }
    }

    /// Runs the request side again with what it kept while waiting for the
    /// response side.
    pub(crate) fn resume_request(&mut self) {
        if self.req.status == Status::WaitOther && self.req.state == ReqState::ConnectWaitResponse {
            let ready = self
                .tx_ref(self.req.index)
                .is_none_or(|t| t.resp_progress > Progress::Line);
            if ready {
                self.req.status = Status::Open;
                let pending = std::mem::take(&mut self.req.pending);
                let mut input = Input::new(&pending);
                self.request_run(&mut input);
            }
        }
    }

    pub(crate) fn request_close(&mut self) {
        if matches!(self.req.status, Status::Error | Status::Tunnel) {
            return;
        }
        // A CONNECT still waiting for its response, or for the client's
        // next bytes, ends with the connection: its request is as complete
        // as it will get (Suricata's end-of-stream progress), so the last
        // look at it sees its headers.
        if matches!(
            self.req.state,
            ReqState::ConnectWaitResponse | ReqState::ConnectProbeData
        ) {
            if let Some(tx) = self.tx(self.req.index) {
                tx.req_progress = Progress::Complete;
            }
        }
        if self.req.status == Status::WaitOther {
            return;
        }
        self.req.status = Status::Closed;
        let mut input = Input::new(&[]);
        self.request_run(&mut input);
    }

    pub(crate) fn request_gap(&mut self, len: u64) {
        if matches!(self.req.status, Status::Error | Status::Tunnel) {
            return;
        }
        let idx = self.req.index;
        match self.req.state {
            ReqState::BodyIdentity => {
                let left = self.req.body_left.unwrap_or(0);
                let n = len.min(left);
                self.req_body_gap(n);
                self.req.body_left = Some(left - n);
                if left - n == 0 {
                    self.req.state = ReqState::Finalize;
                    if len > n {
                        self.request_lost_sync();
                    }
                }
                return;
            }
            ReqState::BodyChunkedData if len <= self.req.chunk_left => {
                self.req_body_gap(len);
                self.req.chunk_left -= len;
                if self.req.chunk_left == 0 {
                    self.req.state = ReqState::BodyChunkedDataEnd;
                }
                return;
            }
            ReqState::IgnoreAfter09 => return,
            ReqState::Idle if self.req.buf.is_empty() => {
                self.req.resync = true;
                return;
            }
            _ => {}
        }
        if let Some(tx) = self.tx(idx) {
            tx.req.gap = true;
        }
        self.request_lost_sync();
    }

    /// Closes the current request and skips to the next request line.
    fn request_lost_sync(&mut self) {
        let idx = self.req.index;
        let started = self
            .tx_ref(idx)
            .is_some_and(|t| t.req_progress > Progress::NotStarted);
        if started {
            self.req_complete();
        }
        self.req.buf.clear();
        self.req.hdr = None;
        self.req.state = ReqState::Idle;
        self.req.resync = true;
    }

    fn req_body_gap(&mut self, n: u64) {
        if let Some(tx) = self.tx(self.req.index) {
            tx.req.gap = true;
            tx.req.body.gap(n);
            for f in &mut tx.req_files {
                f.gap(n);
            }
        }
    }

    /// Buffers a partial line (bounded).
    fn req_absent_lf(&mut self, input: &mut Input) -> Step {
        let n = input.len();
        if self.req_check_limit(n).is_err() {
            return Step::Error;
        }
        let d = input.consume(n);
        self.req.buf.extend_from_slice(d);
        Step::NeedData
    }

    fn req_check_limit(&mut self, len: usize) -> Result<(), ()> {
        if len == 0 {
            return Ok(());
        }
        let total = self.req.buf.len() + len + self.req.hdr.as_ref().map_or(0, Vec::len);
        if total > self.limits.field {
            self.raise(self.req.index, Event::RequestFieldTooLong);
            return Err(());
        }
        Ok(())
    }

    fn req_idle(&mut self, input: &Input) -> Step {
        if input.is_empty() && (self.req.status != Status::Closed || self.req.buf.is_empty()) {
            return Step::NeedData;
        }
        self.req.content_length = None;
        self.req.body_left = None;
        self.req.state = ReqState::Line;
        if let Some(tx) = self.tx(self.req.index) {
            tx.req_progress = Progress::Line;
        }
        Step::Next
    }

    fn req_line(&mut self, input: &mut Input) -> Step {
        let line = match line_end_lf(input.rest()) {
            Some(end) => {
                let mut l = std::mem::take(&mut self.req.buf);
                l.extend_from_slice(input.consume(end));
                l
            }
            None if self.req.status == Status::Closed => {
                let mut l = std::mem::take(&mut self.req.buf);
                l.extend_from_slice(input.consume(input.len()));
                l
            }
            None => return self.req_absent_lf(input),
        };
        if self.req_check_limit(line.len()).is_err() {
            return Step::Error;
        }
        if line.is_empty() {
            return Step::NeedData;
        }
        if is_line_ignorable(&line) {
            return Step::Next;
        }
        self.req_line_complete(chomp(&line));
        self.req.state = ReqState::Protocol;
        Step::Next
    }

    fn req_line_complete(&mut self, line: &[u8]) {
        let idx = self.req.index;
        let rl = parse_request_line(line);
        let method = Method::from_bytes(&rl.method);
        let norm = rl
            .uri
            .as_deref()
            .map(|u| normalize(u, method == Method::Connect))
            .unwrap_or_default();
        let mut events = Vec::new();
        if rl.leading_whitespace {
            events.push(Event::RequestLineLeadingWhitespace);
        }
        if rl.method_delim_non_compliant {
            events.push(Event::MethodDelimNonCompliant);
        }
        if rl.uri_delim_non_compliant {
            events.push(Event::UriDelimNonCompliant);
        }
        if norm.host_invalid {
            events.push(Event::RequestUriHostInvalid);
        }
        if let Some(tx) = self.tx(idx) {
            tx.request_line = Some(line.to_vec());
            tx.method_kind = method;
            tx.is_0_9 = rl.is_0_9();
            tx.protocol_num = match &rl.protocol {
                Some(p) => super::util::parse_protocol(p).0,
                None => Protocol::V0_9,
            };
            tx.method = Some(rl.method);
            tx.uri_raw = rl.uri;
            tx.protocol = rl.protocol;
            tx.uri = norm;
        }
        for e in events {
            self.raise(idx, e);
        }
    }

    fn req_protocol(&mut self, input: &Input) -> Step {
        let idx = self.req.index;
        let is_0_9 = self.tx_ref(idx).is_some_and(|t| t.is_0_9);
        if !is_0_9 {
            if let Some(tx) = self.tx(idx) {
                tx.req_progress = Progress::Headers;
            }
            self.req.state = ReqState::Headers;
            return Step::Next;
        }
        let rest = input.rest();
        let sp = span(rest, is_space);
        if sp < rest.len() || sp > HTTP09_MAX_JUNK_LEN {
            if let Some(tx) = self.tx(idx) {
                tx.is_0_9 = false;
                tx.req_progress = Progress::Headers;
            }
            self.raise(idx, Event::RequestLineMissingProtocol);
            self.req.state = ReqState::Headers;
            return Step::Next;
        }
        self.req.state = ReqState::Finalize;
        Step::Next
    }

    fn req_headers(&mut self, input: &mut Input) -> Step {
        let idx = self.req.index;
        if self.req.status == Status::Closed {
            if let Some(h) = self.req.hdr.take() {
                if self.req_parse_headers(&h, true).is_err() {
                    return Step::Error;
                }
            }
            self.req.buf.clear();
            if let Some(tx) = self.tx(idx) {
                tx.req_progress = Progress::Trailer;
            }
            return self.req_headers_done();
        }
        let data = input.rest();
        match line_end_lf(data) {
            Some(end) => {
                if self.req.hdr.is_some() && self.req_check_limit(end).is_err() {
                    return Step::Error;
                }
            }
            None => {
                self.req_raw_headers(input.consume(data.len()));
                if self.req_check_limit(data.len()).is_err() {
                    return Step::Error;
                }
                self.req
                    .hdr
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(data);
                return Step::NeedData;
            }
        }
        let combined = match self.req.hdr.take() {
            Some(mut h) => {
                h.extend_from_slice(data);
                h
            }
            None => data.to_vec(),
        };
        let Ok((remaining, eoh)) = self.req_parse_headers(&combined, false) else {
            return Step::Error;
        };
        let rest = &combined[combined.len() - remaining..];
        let eol =
            remaining == combined.len() && (rest.starts_with(b"\r\n") || rest.starts_with(b"\n"));
        if eoh || eol {
            if remaining < data.len() {
                let n = data.len() - remaining;
                self.req_raw_headers(input.consume(n));
            } else if eol {
                let n = if rest.starts_with(b"\r\n") { 2 } else { 1 };
                self.req_raw_headers(input.consume(n.min(data.len())));
            }
            self.req_headers_done()
        } else {
            self.req_raw_headers(input.consume(data.len()));
            if self.req_check_limit(remaining).is_err() {
                return Step::Error;
            }
            self.req.hdr = Some(rest.to_vec());
            Step::NeedData
        }
    }

    fn req_raw_headers(&mut self, bytes: &[u8]) {
        let limit = self.limits.field;
        if let Some(tx) = self.tx(self.req.index) {
            let room = limit.saturating_sub(tx.req.headers_raw.len());
            tx.req
                .headers_raw
                .extend_from_slice(&bytes[..room.min(bytes.len())]);
        }
    }

    fn req_connect_check(&mut self) -> Step {
        let connect = self
            .tx_ref(self.req.index)
            .is_some_and(|t| t.method_kind == Method::Connect);
        if connect {
            self.req.state = ReqState::ConnectWaitResponse;
            return Step::Other;
        }
        self.req.state = ReqState::BodyDetermine;
        Step::Next
    }

    fn req_connect_wait(&mut self) -> Step {
        let Some(tx) = self.tx_ref(self.req.index) else {
            self.req.state = ReqState::Finalize;
            return Step::Next;
        };
        if tx.resp_progress <= Progress::Line {
            return Step::Other;
        }
        self.req.state = if tx.status_num.is_some_and(|s| (200..300).contains(&s)) {
            ReqState::ConnectProbeData
        } else {
            ReqState::Finalize
        };
        Step::Next
    }

    fn req_connect_probe(&mut self, input: &mut Input) -> Step {
        let data = input.rest();
        let Some(end) = data
            .iter()
            .position(|&c| c == b'\n' || c == 0)
            .map(|p| p + 1)
        else {
            return self.req_absent_lf(input);
        };
        let mut buffered = self.req.buf.clone();
        buffered.extend_from_slice(&data[..end]);
        let s = &buffered[span(&buffered, is_space)..];
        let m = span(s, |c| !is_space(c));
        if Method::from_bytes(&s[..m]) == Method::Unknown {
            return Step::Tunnel;
        }
        self.req_complete()
    }

    fn req_body_determine(&mut self) -> Step {
        let idx = self.req.index;
        let Some(tx) = self.tx(idx) else {
            return Step::Error;
        };
        match tx.req_transfer {
            Transfer::Chunked => {
                tx.req_progress = Progress::Body;
                self.req.state = ReqState::BodyChunkedLength;
            }
            Transfer::Identity => {
                let cl = tx.req.content_length;
                if cl > Some(0) {
                    tx.req_progress = Progress::Body;
                }
                self.req.content_length = cl;
                self.req.body_left = cl;
                self.req.state = if cl > Some(0) {
                    ReqState::BodyIdentity
                } else {
                    ReqState::Finalize
                };
            }
            Transfer::NoBody => self.req.state = ReqState::Finalize,
            Transfer::Unknown | Transfer::Invalid => return Step::Error,
        }
        Step::Next
    }

    fn req_chunked_length(&mut self, input: &mut Input) -> Step {
        let idx = self.req.index;
        loop {
            let data = input.rest();
            let Some(end) = line_end_lf(data) else {
                if !is_valid_chunked_length_data(data) {
                    self.raise(idx, Event::InvalidRequestChunkLen);
                    return Step::Error;
                }
                return self.req_absent_lf(input);
            };
            if !self.req.buf.is_empty() && self.req_check_limit(end).is_err() {
                return Step::Error;
            }
            let mut line = std::mem::take(&mut self.req.buf);
            line.extend_from_slice(input.consume(end));
            if let Some(tx) = self.tx(idx) {
                tx.req.body.add_wire(line.len());
            }
            if line.iter().all(|&c| is_chunked_ctl(c)) {
                continue;
            }
            let (len, ext) = match parse_chunked_length(&line) {
                Ok(v) => v,
                Err(()) => {
                    self.raise(idx, Event::InvalidRequestChunkLen);
                    return Step::Error;
                }
            };
            if ext {
                self.raise(idx, Event::RequestChunkExtension);
            }
            match len {
                None => {
                    self.raise(idx, Event::InvalidRequestChunkLen);
                    return Step::Error;
                }
                Some(0) => {
                    self.req.state = ReqState::Headers;
                    if let Some(tx) = self.tx(idx) {
                        tx.req_progress = Progress::Trailer;
                    }
                }
                Some(n) => {
                    self.req.chunk_left = n;
                    self.req.state = ReqState::BodyChunkedData;
                }
            }
            return Step::Next;
        }
    }

    fn req_chunked_data(&mut self, input: &mut Input) -> Step {
        let n = (input.len() as u64).min(self.req.chunk_left) as usize;
        if n == 0 {
            return Step::NeedData;
        }
        let d = input.consume(n);
        self.req_body_data(d);
        self.req.chunk_left -= n as u64;
        if self.req.chunk_left == 0 {
            self.req.state = ReqState::BodyChunkedDataEnd;
            return Step::Next;
        }
        Step::NeedData
    }

    fn req_chunked_data_end(&mut self, input: &mut Input) -> Step {
        let idx = self.req.index;
        match line_end_lf(input.rest()) {
            Some(end) => {
                input.consume(end);
                if let Some(tx) = self.tx(idx) {
                    tx.req.body.add_wire(end);
                }
                self.req.state = ReqState::BodyChunkedLength;
                Step::Next
            }
            None => {
                let n = input.len();
                if let Some(tx) = self.tx(idx) {
                    tx.req.body.add_wire(n);
                }
                self.req_absent_lf(input)
            }
        }
    }

    fn req_body_identity(&mut self, input: &mut Input) -> Step {
        let left = self.req.body_left.unwrap_or(0);
        let n = (input.len() as u64).min(left) as usize;
        if n == 0 {
            return Step::NeedData;
        }
        let d = input.consume(n);
        self.req_body_data(d);
        let left = left - n as u64;
        self.req.body_left = Some(left);
        if left > 0 {
            return Step::NeedData;
        }
        self.req.state = ReqState::Finalize;
        Step::Next
    }

    fn req_finalize(&mut self, input: &mut Input) -> Step {
        let mut work = input.rest();
        let mut has_lf = false;
        if self.req.status == Status::Closed {
            input.consume(work.len());
        } else {
            if work.is_empty() {
                return self.req_complete();
            }
            match line_end_lf(work) {
                Some(end) => {
                    work = &work[..end - 1];
                    has_lf = true;
                    input.consume(end - 1);
                }
                None => return self.req_absent_lf(input),
            }
        }
        if !self.req.buf.is_empty() && self.req_check_limit(work.len()).is_err() {
            return Step::Error;
        }
        let mut data = std::mem::take(&mut self.req.buf);
        let buf_len = data.len();
        data.extend_from_slice(work);
        if data.is_empty() {
            return self.req_complete();
        }
        let s = &data[span(&data, is_space)..];
        let method = &s[..span(s, |c| !is_space(c))];
        if method.is_empty() || Method::from_bytes(method) == Method::Unknown {
            if !method.is_empty() {
                if self.req.body_left.unwrap_or(0) == 0 {
                    self.raise(self.req.index, Event::RequestBodyUnexpected);
                } else {
                    self.req.body_left = Some(1);
                }
            }
            if has_lf {
                input.consume(1);
                data.push(b'\n');
            }
            self.req_body_data(&data);
            return Step::Next;
        }
        self.req.body_left = None;
        self.req.buf = data[..buf_len].to_vec();
        input.unconsume(data.len());
        self.req_complete()
    }

    /// The request is complete: close its body and files, move on.
    fn req_complete(&mut self) -> Step {
        let idx = self.req.index;
        if self
            .tx_ref(idx)
            .is_some_and(|tx| tx.req_progress != Progress::Complete)
        {
            self.req_body_end();
        }
        let mut is_0_9 = false;
        if let Some(tx) = self.tx(idx) {
            if tx.req_progress != Progress::Complete {
                tx.req_progress = Progress::Complete;
                for f in &mut tx.req_files {
                    f.close(super::body::FileState::Closed);
                }
            }
            is_0_9 = tx.is_0_9;
        }
        self.req.state = if is_0_9 {
            ReqState::IgnoreAfter09
        } else {
            ReqState::Idle
        };
        self.req.index += 1;
        Step::Next
    }
}
