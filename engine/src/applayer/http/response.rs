//! The response-direction state machine, following libhtp: status line
//! (anything not starting with `http` is body, as browsers treat it),
//! headers, body framing (`HEAD`, 1xx/204/304 have none; chunked,
//! `Content-Length` or until close), `100 Continue`, `101` upgrades, and
//! the pairing of each response with the oldest unanswered request.

use super::body::FileState;
use super::events::Event;
use super::parser::parse_response_line;
use super::state::{find_resync, Input, State, Status, Step};
use super::tx::{Progress, Transfer};
use super::util::{
    chomp, is_chunked_ctl, is_line_ignorable, is_valid_chunked_length_data, line_end_any,
    line_end_lf, parse_chunked_length, treat_response_line_as_body,
};

/// Response parser states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum RespState {
    #[default]
    Idle,
    Line,
    Headers,
    BodyDetermine,
    BodyChunkedLength,
    BodyChunkedData,
    BodyChunkedDataEnd,
    BodyIdentityClKnown,
    BodyIdentityStreamClose,
    Finalize,
}

/// Response-direction parser data.
#[derive(Debug)]
pub(crate) struct RespSide {
    pub(crate) state: RespState,
    pub(crate) status: Status,
    /// Transaction the response parser is filling.
    pub(crate) index: u64,
    pub(crate) buf: Vec<u8>,
    pub(crate) hdr: Option<Vec<u8>>,
    pub(crate) body_left: u64,
    chunk_left: u64,
    /// Stop after this transaction so the request side can catch up.
    pub(crate) data_other_at_tx_end: bool,
    pending: Vec<u8>,
    resync: bool,
    /// Server bytes that followed the response turning the connection
    /// into a tunnel (the first HTTP/2 frames after `101`), bounded.
    pub(crate) after_tunnel: Vec<u8>,
}

impl Default for RespSide {
    fn default() -> Self {
        RespSide {
            state: RespState::Idle,
            status: Status::Open,
            index: 0,
            buf: Vec::new(),
            hdr: None,
            body_left: 0,
            chunk_left: 0,
            data_other_at_tx_end: false,
            pending: Vec::new(),
            resync: false,
            after_tunnel: Vec::new(),
        }
    }
}

const UNSEEN_URI: &[u8] = b"/libhtp::request_uri_not_seen";

impl State {
    pub(crate) fn response_data(&mut self, data: &[u8]) {
        if self.resp.status == Status::Closed {
            return;
        }
        let owned;
        let mut data = data;
        if !self.resp.pending.is_empty() {
            let mut joined = std::mem::take(&mut self.resp.pending);
            joined.extend_from_slice(data);
            owned = joined;
            data = &owned;
        }
        if self.resp.resync {
            let http = |l: &[u8]| l.len() >= 5 && l[..5].eq_ignore_ascii_case(b"HTTP/");
            match find_resync(data, true, http) {
                Some(p) => {
                    self.resp.resync = false;
                    self.resp.state = RespState::Idle;
                    data = &data[p..];
                }
                None => return,
            }
        }
        let mut input = Input::new(data);
        self.response_run(&mut input);
    }

    fn response_run(&mut self, input: &mut Input) {
        if matches!(self.resp.status, Status::Error | Status::Tunnel) {
            return;
        }
        loop {
            let step = match self.resp.state {
                RespState::Idle => self.resp_idle(input),
                RespState::Line => self.resp_line(input),
                RespState::Headers => self.resp_headers(input),
                RespState::BodyDetermine => self.resp_body_determine(),
                RespState::BodyChunkedLength => self.resp_chunked_length(input),
                RespState::BodyChunkedData => self.resp_chunked_data(input),
                RespState::BodyChunkedDataEnd => self.resp_chunked_data_end(input),
                RespState::BodyIdentityClKnown => self.resp_cl_known(input),
                RespState::BodyIdentityStreamClose => self.resp_stream_close(input),
                RespState::Finalize => self.resp_finalize(input),
            };
            match step {
                Step::Next => {
                    if self.resp.status == Status::Tunnel {
                        return;
                    }
                }
                Step::NeedData => return,
                Step::Other => {
                    self.resp.status = Status::WaitOther;
                    let rest = input.rest();
                    if self.resp.pending.len() + rest.len() <= self.limits.field.saturating_mul(4) {
                        self.resp.pending.extend_from_slice(rest);
                    }
                    input.consume(rest.len());
                    return;
                }
                Step::Error => {
                    self.resp.status = Status::Error;
                    return;
                }
                Step::Tunnel => {
                    self.resp.status = Status::Tunnel;
                    let rest = input.rest();
                    let keep = rest.len().min(self.limits.field);
                    self.resp.after_tunnel = rest.get(..keep).unwrap_or(rest).to_vec();
                    if self.req.status != Status::Error {
                        self.req.status = Status::Tunnel;
                    }
                    return;
                }
            }
        }
    }

    /// Runs the response side again after the request side progressed.
    pub(crate) fn resume_response(&mut self) {
        if self.resp.status == Status::WaitOther && self.resp.index <= self.req.index {
            self.resp.status = Status::Open;
            let pending = std::mem::take(&mut self.resp.pending);
            let mut input = Input::new(&pending);
            self.response_run(&mut input);
        }
    }

    pub(crate) fn response_close(&mut self) {
        if matches!(self.resp.status, Status::Error | Status::Tunnel) {
            return;
        }
        let pending = std::mem::take(&mut self.resp.pending);
        self.resp.status = Status::Closed;
        let mut input = Input::new(&pending);
        self.response_run(&mut input);
    }

    pub(crate) fn response_gap(&mut self, len: u64) {
        if matches!(self.resp.status, Status::Error | Status::Tunnel) {
            return;
        }
        match self.resp.state {
            RespState::BodyIdentityClKnown => {
                let n = len.min(self.resp.body_left);
                self.resp_body_gap(n);
                self.resp.body_left -= n;
                if self.resp.body_left == 0 {
                    self.resp.state = RespState::Finalize;
                    if len > n {
                        self.response_lost_sync();
                    }
                }
                return;
            }
            RespState::BodyIdentityStreamClose => {
                self.resp_body_gap(len);
                return;
            }
            RespState::BodyChunkedData if len <= self.resp.chunk_left => {
                self.resp_body_gap(len);
                self.resp.chunk_left -= len;
                if self.resp.chunk_left == 0 {
                    self.resp.state = RespState::BodyChunkedDataEnd;
                }
                return;
            }
            RespState::Idle if self.resp.buf.is_empty() => {
                self.resp.resync = true;
                return;
            }
            _ => {}
        }
        let idx = self.resp.index;
        if let Some(tx) = self.tx(idx) {
            tx.resp.gap = true;
        }
        self.response_lost_sync();
    }

    fn response_lost_sync(&mut self) {
        let started = self
            .tx_ref(self.resp.index)
            .is_some_and(|t| t.resp_progress > Progress::NotStarted);
        if started {
            self.resp_complete_now();
        }
        self.resp.buf.clear();
        self.resp.hdr = None;
        self.resp.state = RespState::Idle;
        self.resp.resync = true;
    }

    fn resp_body_gap(&mut self, n: u64) {
        if let Some(tx) = self.tx(self.resp.index) {
            tx.resp.gap = true;
            tx.resp.body.gap(n);
            if let Some(f) = &mut tx.resp_file {
                f.gap(n);
            }
        }
    }

    fn resp_absent_lf(&mut self, input: &mut Input) -> Step {
        let n = input.len();
        if self.resp_check_limit(n).is_err() {
            return Step::Error;
        }
        let d = input.consume(n);
        self.resp.buf.extend_from_slice(d);
        Step::NeedData
    }

    fn resp_check_limit(&mut self, len: usize) -> Result<(), ()> {
        if len == 0 {
            return Ok(());
        }
        let total = self.resp.buf.len() + len + self.resp.hdr.as_ref().map_or(0, Vec::len);
        if total > self.limits.field {
            self.raise(self.resp.index, Event::ResponseFieldTooLong);
            return Err(());
        }
        Ok(())
    }

    fn resp_idle(&mut self, input: &Input) -> Step {
        if input.is_empty() {
            return Step::NeedData;
        }
        let idx = self.resp.index;
        let unmatched = self
            .tx(idx)
            .is_some_and(|t| t.req_progress == Progress::NotStarted);
        if unmatched {
            self.raise(idx, Event::UnableToMatchResponseToRequest);
            if let Some(tx) = self.tx(idx) {
                tx.uri_raw = Some(UNSEEN_URI.to_vec());
                tx.uri.path = Some(UNSEEN_URI.to_vec());
                tx.req_progress = Progress::Complete;
            }
            if self.req.index == idx {
                self.req.index += 1;
            }
        }
        self.resp.body_left = 0;
        let req_waits_on_line = self.req.state == super::request::ReqState::Line;
        let mut incomplete = false;
        let mut next = RespState::Line;
        if let Some(tx) = self.tx(idx) {
            if tx.is_0_9 {
                tx.resp_transfer = Transfer::Identity;
                tx.resp_progress = Progress::Body;
                next = RespState::BodyIdentityStreamClose;
            } else {
                tx.resp_progress = Progress::Line;
            }
            incomplete = tx.method.is_none() && tx.uri_raw.is_none() && req_waits_on_line;
        }
        self.resp.state = next;
        if incomplete {
            self.raise(idx, Event::RequestLineIncomplete);
        }
        Step::Next
    }

    fn resp_line(&mut self, input: &mut Input) -> Step {
        let line = match line_end_any(input.rest()) {
            Some(end) => {
                let mut l = std::mem::take(&mut self.resp.buf);
                l.extend_from_slice(input.consume(end));
                l
            }
            None if self.resp.status == Status::Closed => {
                let mut l = std::mem::take(&mut self.resp.buf);
                l.extend_from_slice(input.consume(input.len()));
                l
            }
            None => return self.resp_absent_lf(input),
        };
        if self.resp_check_limit(line.len()).is_err() {
            return Step::Error;
        }
        if line.is_empty() {
            return Step::NeedData;
        }
        if is_line_ignorable(&line) {
            if self.resp.status == Status::Closed {
                self.resp.state = RespState::Finalize;
            }
            return Step::Next;
        }
        if treat_response_line_as_body(&line) {
            let rest = input.rest();
            if rest.len() > 1 && (rest[0] == b'H' || chomp(&line).len() <= 2) {
                return Step::Next;
            }
            self.resp_body_data(&line);
            if input.is_empty() {
                if let Some(tx) = self.tx(self.resp.index) {
                    tx.resp_transfer = Transfer::Identity;
                    tx.resp_progress = Progress::Body;
                }
                self.resp.state = RespState::Finalize;
            }
            return Step::Next;
        }
        let line = chomp(&line);
        let rl = parse_response_line(line);
        if let Some(tx) = self.tx(self.resp.index) {
            tx.response_line = Some(line.to_vec());
            tx.status_num = rl.status_number();
            tx.resp_protocol = rl.protocol;
            tx.status = rl.status;
            tx.status_msg = rl.message;
            tx.resp_progress = Progress::Headers;
        }
        self.resp.state = RespState::Headers;
        Step::Next
    }

    fn resp_raw_headers(&mut self, bytes: &[u8]) {
        let limit = self.limits.field;
        if let Some(tx) = self.tx(self.resp.index) {
            let room = limit.saturating_sub(tx.resp.headers_raw.len());
            tx.resp
                .headers_raw
                .extend_from_slice(&bytes[..room.min(bytes.len())]);
        }
    }

    fn resp_headers(&mut self, input: &mut Input) -> Step {
        if self.resp.status == Status::Closed {
            if let Some(h) = self.resp.hdr.take() {
                if self.resp_parse_headers(&h, true).is_err() {
                    return Step::Error;
                }
            }
            if let Some(tx) = self.tx(self.resp.index) {
                tx.rebuild_response_buffers();
            }
            self.resp.state = RespState::Finalize;
            return Step::Next;
        }
        let data = input.rest();
        let combined = match self.resp.hdr.take() {
            Some(mut h) => {
                h.extend_from_slice(data);
                h
            }
            None => data.to_vec(),
        };
        let Ok((remaining, eoh)) = self.resp_parse_headers(&combined, false) else {
            return Step::Error;
        };
        let rest = &combined[combined.len() - remaining..];
        let eol = remaining == combined.len() && (rest == b"\r\n" || rest == b"\n");
        if eoh || eol {
            if eol {
                self.resp_raw_headers(input.consume(data.len()));
            } else if remaining <= data.len() {
                self.resp_raw_headers(input.consume(data.len() - remaining));
            }
            let trailer = self
                .tx_ref(self.resp.index)
                .is_some_and(|t| t.resp_progress > Progress::Headers);
            if let Some(tx) = self.tx(self.resp.index) {
                tx.rebuild_response_buffers();
            }
            self.resp.state = if trailer {
                RespState::Finalize
            } else {
                RespState::BodyDetermine
            };
            Step::Next
        } else {
            self.resp_raw_headers(input.consume(data.len()));
            if self.resp_check_limit(remaining).is_err() {
                return Step::Error;
            }
            self.resp.hdr = Some(rest.to_vec());
            Step::NeedData
        }
    }

    fn resp_chunked_length(&mut self, input: &mut Input) -> Step {
        let idx = self.resp.index;
        loop {
            let buf_empty = self.resp.buf.is_empty();
            let data = input.rest();
            let Some(end) = line_end_lf(data) else {
                if buf_empty && !is_valid_chunked_length_data(data) {
                    self.resp_invalid_chunking();
                    return Step::Next;
                }
                return self.resp_absent_lf(input);
            };
            if !buf_empty && self.resp_check_limit(end).is_err() {
                return Step::Error;
            }
            let mut line = std::mem::take(&mut self.resp.buf);
            line.extend_from_slice(input.consume(end));
            if let Some(tx) = self.tx(idx) {
                tx.resp.body.add_wire(line.len());
            }
            if line.iter().all(|&c| is_chunked_ctl(c)) {
                continue;
            }
            match parse_chunked_length(&line) {
                Ok((len, ext)) => {
                    if ext {
                        self.raise(idx, Event::ResponseChunkExtension);
                    }
                    match len {
                        Some(0) => {
                            self.resp.state = RespState::Headers;
                            if let Some(tx) = self.tx(idx) {
                                tx.resp_progress = Progress::Trailer;
                            }
                        }
                        Some(n) => {
                            self.resp.chunk_left = n;
                            self.resp.state = RespState::BodyChunkedData;
                        }
                        None => {}
                    }
                }
                Err(()) => {
                    input.unconsume(end);
                    self.resp_invalid_chunking();
                }
            }
            return Step::Next;
        }
    }

    /// Not chunked after all: the rest of the stream is the body.
    fn resp_invalid_chunking(&mut self) {
        let idx = self.resp.index;
        self.resp.state = RespState::BodyIdentityStreamClose;
        if let Some(tx) = self.tx(idx) {
            tx.resp_transfer = Transfer::Identity;
        }
        self.raise(idx, Event::InvalidResponseChunkLen);
    }

    fn resp_chunked_data(&mut self, input: &mut Input) -> Step {
        if self.resp.status == Status::Closed {
            self.resp.state = RespState::Finalize;
            return Step::Next;
        }
        let n = (input.len() as u64).min(self.resp.chunk_left) as usize;
        if n == 0 {
            return Step::NeedData;
        }
        let d = input.consume(n);
        self.resp_body_data(d);
        self.resp.chunk_left -= n as u64;
        if self.resp.chunk_left == 0 {
            self.resp.state = RespState::BodyChunkedDataEnd;
            return Step::Next;
        }
        Step::NeedData
    }

    fn resp_chunked_data_end(&mut self, input: &mut Input) -> Step {
        let idx = self.resp.index;
        let (n, done) = match line_end_lf(input.rest()) {
            Some(end) => (end, true),
            None => (input.len(), false),
        };
        input.consume(n);
        if let Some(tx) = self.tx(idx) {
            tx.resp.body.add_wire(n);
        }
        if done {
            self.resp.state = RespState::BodyChunkedLength;
            return Step::Next;
        }
        Step::NeedData
    }

    fn resp_cl_known(&mut self, input: &mut Input) -> Step {
        if self.resp.status == Status::Closed {
            self.resp.state = RespState::Finalize;
            return Step::Next;
        }
        let n = (input.len() as u64).min(self.resp.body_left) as usize;
        if n == 0 {
            return Step::NeedData;
        }
        let d = input.consume(n);
        self.resp_body_data(d);
        self.resp.body_left -= n as u64;
        if self.resp.body_left > 0 {
            return Step::NeedData;
        }
        self.resp.state = RespState::Finalize;
        Step::Next
    }

    fn resp_stream_close(&mut self, input: &mut Input) -> Step {
        if !input.is_empty() {
            let d = input.consume(input.len());
            self.resp_body_data(d);
        }
        if self.resp.status == Status::Closed {
            self.resp.state = RespState::Finalize;
            return Step::Next;
        }
        Step::NeedData
    }

    fn resp_finalize(&mut self, input: &mut Input) -> Step {
        let mut work = input.rest();
        if self.resp.status == Status::Closed {
            input.consume(work.len());
        } else {
            let Some(&first) = work.first() else {
                return self.resp_complete();
            };
            if first != b'\n' {
                match line_end_lf(work) {
                    Some(end) => work = input.consume(end),
                    None => return self.resp_absent_lf(input),
                }
            } else {
                input.consume(work.len());
            }
        }
        if !self.resp.buf.is_empty() && self.resp_check_limit(work.len()).is_err() {
            return Step::Error;
        }
        let mut data = std::mem::take(&mut self.resp.buf);
        let buf_len = data.len();
        data.extend_from_slice(work);
        if data.is_empty() {
            return self.resp_complete();
        }
        if treat_response_line_as_body(&data) {
            self.resp_body_data(&data);
            return Step::Next;
        }
        self.resp.buf = data[..buf_len].to_vec();
        input.unconsume(data.len());
        self.resp_complete()
    }

    /// Marks the response complete; returns `Other` when the request side
    /// must catch up before the next response is parsed.
    fn resp_complete(&mut self) -> Step {
        self.resp_complete_now();
        self.resp_next();
        if std::mem::take(&mut self.resp.data_other_at_tx_end) && self.resp.index > self.req.index {
            return Step::Other;
        }
        Step::Next
    }

    fn resp_next(&mut self) {
        self.resp.index += 1;
        self.resp.state = RespState::Idle;
    }

    pub(crate) fn resp_complete_now(&mut self) {
        if self
            .tx_ref(self.resp.index)
            .is_some_and(|tx| tx.resp_progress != Progress::Complete)
        {
            self.resp_body_end();
        }
        if let Some(tx) = self.tx(self.resp.index) {
            if tx.resp_progress != Progress::Complete {
                tx.resp_progress = Progress::Complete;
                if let Some(f) = &mut tx.resp_file {
                    f.close(FileState::Closed);
                }
            }
        }
    }
}
