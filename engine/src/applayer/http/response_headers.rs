//! Response headers and bodies: header lines into the transaction, body
//! framing from status and headers (libhtp's `response_body_determine`),
//! and body bytes into storage and the response file.

use super::body::FileTracker;
use super::decompress::plan;
use super::events::Event;
use super::headers::{self, Parser, Side};
use super::parser::{disposition_param, Method};
use super::response::RespState;
use super::state::{State, Step};
use super::tx::{Added, Progress, Transfer, WARN_FIELD_INVALID, WARN_FOLDING, WARN_UNPARSEABLE};
use super::util::{
    contains_nocase, contains_nocase_nozero, eq_nocase_nozero, parse_content_length, Protocol,
};

impl State {
    pub(crate) fn resp_parse_headers(
        &mut self,
        data: &[u8],
        complete: bool,
    ) -> Result<(usize, bool), ()> {
        let Ok(parsed) = Parser::new(Side::Response, complete).headers(data) else {
            return Ok((data.len(), false));
        };
        let idx = self.resp.index;
        let max_bytes = self.limits.field.saturating_mul(4);
        for h in parsed.headers {
            let mut warn = Vec::new();
            let flags = self.tx_ref(idx).map_or(0, |t| t.warn_flags);
            let mut set = 0;
            if h.name_flags & headers::NAME_TRAILING_WHITESPACE != 0 {
                set |= WARN_FIELD_INVALID;
            }
            if h.name_flags & headers::NAME_LEADING_WHITESPACE != 0 {
                if (flags | set) & WARN_FOLDING == 0 {
                    warn.push(Event::InvalidResponseFieldFolding);
                }
                set |= WARN_FOLDING | WARN_FIELD_INVALID;
            }
            if h.name_flags & headers::NAME_NON_TOKEN_CHARS != 0 {
                set |= WARN_FIELD_INVALID;
            }
            if h.name_flags & headers::MISSING_COLON == headers::MISSING_COLON {
                if (flags | set) & WARN_UNPARSEABLE == 0 {
                    warn.push(Event::ResponseFieldMissingColon);
                }
                set |= WARN_UNPARSEABLE | WARN_FIELD_INVALID;
            } else if h.name_flags & headers::NAME_EMPTY != 0 {
                set |= WARN_FIELD_INVALID;
            }
            let added = match self.tx(idx) {
                Some(tx) => {
                    tx.warn_flags |= set;
                    tx.resp.headers.add(h.name, h.value, max_bytes)
                }
                None => Added::New,
            };
            match added {
                Added::FirstRepeat => warn.push(Event::ResponseHeaderRepetition),
                Added::ContentLengthMismatch { first_repeat } => {
                    warn.push(Event::DuplicateContentLengthFieldInResponse);
                    if first_repeat {
                        warn.push(Event::ResponseHeaderRepetition);
                    }
                }
                Added::TooMany => {
                    self.raise_once(idx, Event::ResponseTooManyHeaders);
                    return Err(());
                }
                _ => {}
            }
            for e in warn {
                self.raise(idx, e);
            }
        }
        Ok((data.len() - parsed.consumed, parsed.eoh))
    }

    pub(crate) fn resp_body_determine(&mut self) -> Step {
        let idx = self.resp.index;
        let layer_limit = self.limits.layer_limit;
        let lzma = self.limits.lzma;
        let (req_cl, req_left) = (self.req.content_length, self.req.body_left);
        let Some(tx) = self.tx(idx) else {
            return Step::Error;
        };
        let status = tx.status_num;
        let in_range = |lo: u16, hi: u16| status.is_some_and(|s| (lo..=hi).contains(&s));
        let te = tx.resp.headers.get("transfer-encoding").map(<[u8]>::to_vec);
        let cl = tx.resp.headers.get_header("content-length").cloned();
        let mut events = Vec::new();
        let mut state: Option<RespState> = None;
        let mut req_action = None;
        let mut body_left = 0;
        if tx.method_kind == Method::Connect {
            if in_range(200, 299) {
                state = Some(RespState::Finalize);
            } else {
                req_action = Some(status != Some(407));
            }
        }
        if state.is_none() && status == Some(101) {
            tx.http2_upgrade = tx
                .resp
                .headers
                .get("upgrade")
                .is_some_and(|u| contains_nocase_nozero(u, b"h2c"));
            if te.is_none() && cl.is_none() {
                tx.resp_transfer = Transfer::NoBody;
                self.resp.state = RespState::Finalize;
                self.resp_complete_now();
                return Step::Tunnel;
            }
        } else if state.is_none() && status == Some(100) && te.is_none() {
            let clv = cl.as_ref().and_then(|h| parse_content_length(&h.value));
            if clv.is_none_or(|v| v == 0) {
                let again = tx.seen_100_continue;
                tx.resp.headers.clear();
                tx.resp_progress = Progress::Line;
                tx.seen_100_continue = true;
                self.resp.state = RespState::Line;
                if again {
                    self.raise(idx, Event::ContinueAlreadySeen);
                }
                return Step::Next;
            }
        } else if state.is_none() && in_range(400, 499) && req_cl > Some(0) && req_left == req_cl {
            let expect = tx
                .req
                .headers
                .get("expect")
                .is_some_and(|e| e == b"100-continue");
            if expect {
                self.req.state = super::request::ReqState::Finalize;
            }
        }
        let Some(tx) = self.tx(idx) else {
            return Step::Error;
        };
        if state.is_none() {
            let no_body_status = in_range(100, 199) || status == Some(204) || status == Some(304);
            if tx.method_kind == Method::Head || (no_body_status && te.is_none() && cl.is_none()) {
                tx.resp_transfer = Transfer::NoBody;
                state = Some(RespState::Finalize);
            }
        }
        if state.is_none() {
            let byteranges = tx.resp.headers.get("content-type").is_some_and(|ct| {
                let end = ct
                    .iter()
                    .position(|&c| c == b';' || super::util::is_space(c))
                    .unwrap_or(ct.len());
                contains_nocase(&ct[..end], b"multipart/byteranges")
            });
            if let Some(te) = te.filter(|t| contains_nocase_nozero(t, b"chunked")) {
                if !te.eq_ignore_ascii_case(b"chunked") {
                    events.push(Event::ResponseAbnormalTransferEncoding);
                }
                let proto = tx
                    .resp_protocol
                    .as_deref()
                    .map_or(Protocol::Invalid, |p| super::util::parse_protocol(p).0);
                if proto < Protocol::V1_1 {
                    events.push(Event::ResponseChunkedOldProto);
                }
                tx.resp_transfer = Transfer::Chunked;
                tx.resp_progress = Progress::Body;
                state = Some(RespState::BodyChunkedLength);
            } else if let Some(cl) = cl {
                tx.resp_transfer = Transfer::Identity;
                match parse_content_length(&cl.value) {
                    Some(0) => state = Some(RespState::Finalize),
                    Some(n) => {
                        tx.resp.content_length = Some(n);
                        body_left = n;
                        tx.resp_progress = Progress::Body;
                        state = Some(RespState::BodyIdentityClKnown);
                    }
                    None => {
                        self.raise(idx, Event::InvalidContentLengthFieldInResponse);
                        return Step::Error;
                    }
                }
            } else if byteranges {
                self.raise(idx, Event::ResponseMultipartByteranges);
                return Step::Error;
            } else {
                tx.resp_transfer = Transfer::Identity;
                tx.resp_progress = Progress::Body;
                state = Some(RespState::BodyIdentityStreamClose);
            }
        }
        if let Some(tx) = self.tx(idx) {
            if let Some(ce) = tx.resp.headers.get("content-encoding") {
                let p = plan(ce, layer_limit, lzma);
                if p.too_many_layers {
                    events.push(Event::TooManyEncodingLayers);
                }
                for _ in 0..p.abnormal {
                    events.push(Event::AbnormalCeHeader);
                }
                tx.resp.body.set_plan(&p);
            }
        }
        for e in events {
            self.raise(idx, e);
        }
        if req_action == Some(true) {
            self.resp.data_other_at_tx_end = true;
        }
        self.resp.body_left = body_left;
        self.resp.state = state.unwrap_or(RespState::Finalize);
        Step::Next
    }

    /// Response body bytes (de-chunked): decoded, stored, filed.
    pub(crate) fn resp_body_data(&mut self, data: &[u8]) {
        self.resp_body(Some(data));
    }

    /// The response body ended: what the decoders still hold is decoded,
    /// stored and filed.
    pub(crate) fn resp_body_end(&mut self) {
        self.resp_body(None);
    }

    fn resp_body(&mut self, data: Option<&[u8]>) {
        let opts = self.limits.file_opts();
        let mut bomb = false;
        if let Some(tx) = self.tx(self.resp.index) {
            let name = response_file_name(tx);
            let super::tx::Tx {
                resp, resp_file, ..
            } = tx;
            let mut file = |d: &[u8]| {
                if resp_file.is_none() {
                    match &name {
                        Some(n) => *resp_file = Some(FileTracker::new(n.clone(), opts, 0)),
                        None => return,
                    }
                }
                if let Some(f) = resp_file.as_mut() {
                    f.append(d);
                }
            };
            match data {
                Some(data) => resp.body.data(data, &mut file),
                None => resp.body.finish(&mut file),
            }
            bomb = std::mem::take(&mut tx.resp.body.bomb);
        }
        if bomb {
            self.raise_once(self.resp.index, Event::CompressionBomb);
        }
    }
}

/// Suricata's response file name: `filename=` of `Content-Disposition`,
/// else the normalized request path.
fn response_file_name(tx: &super::tx::Tx) -> Option<Vec<u8>> {
    if let Some(h) = tx
        .resp
        .headers
        .iter()
        .find(|h| eq_nocase_nozero(&h.name, b"content-disposition"))
    {
        if !h.value.is_empty() {
            if let Some(n) = disposition_param(&h.value, b"filename=") {
                return Some(n.to_vec());
            }
        }
    }
    tx.uri.path.clone()
}
