//! Request headers and bodies: header lines into the transaction (with
//! libhtp's once-per-transaction warnings), what the headers imply (body
//! framing, host, port, authentication, content encoding), and body bytes
//! into storage and upload files.

use super::body::FileTracker;
use super::decompress::plan;
use super::events::Event;
use super::headers::{self, Parser, Side};
use super::multipart::Multipart;
use super::normalize::parse_hostport;
use super::parser::{auth_type, multipart_boundary, AuthType, Method};
use super::request::ReqState;
use super::state::{State, Step};
use super::tx::{Added, Progress, Transfer, WARN_FIELD_INVALID, WARN_FOLDING, WARN_UNPARSEABLE};
use super::util::{contains_nocase_nozero, parse_content_length, Protocol};

impl State {
    /// Parses the header block; returns the unparsed length and whether the
    /// block ended.
    pub(crate) fn req_parse_headers(
        &mut self,
        data: &[u8],
        complete: bool,
    ) -> Result<(usize, bool), ()> {
        let Ok(parsed) = Parser::new(Side::Request, complete).headers(data) else {
            return Ok((data.len(), false));
        };
        let idx = self.req.index;
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
                    warn.push(Event::InvalidRequestFieldFolding);
                }
                set |= WARN_FOLDING;
            }
            if h.name_flags & headers::NAME_NON_TOKEN_CHARS != 0 {
                if (flags | set) & WARN_FIELD_INVALID == 0 {
                    warn.push(Event::RequestHeaderInvalid);
                }
                set |= WARN_FIELD_INVALID;
            }
            if h.name_flags & headers::MISSING_COLON == headers::MISSING_COLON {
                if (flags | set) & WARN_UNPARSEABLE == 0 {
                    warn.push(Event::RequestFieldMissingColon);
                }
                set |= WARN_UNPARSEABLE;
            } else if h.name_flags & headers::NAME_EMPTY != 0 {
                set |= WARN_FIELD_INVALID;
            }
            let added = match self.tx(idx) {
                Some(tx) => {
                    tx.warn_flags |= set;
                    tx.req.headers.add(h.name, h.value, max_bytes)
                }
                None => Added::New,
            };
            match added {
                Added::FirstRepeat => warn.push(Event::RequestHeaderRepetition),
                Added::ContentLengthMismatch { first_repeat } => {
                    warn.push(Event::DuplicateContentLengthFieldInRequest);
                    if first_repeat {
                        warn.push(Event::RequestHeaderRepetition);
                    }
                }
                Added::TooMany => {
                    self.raise_once(idx, Event::RequestTooManyHeaders);
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

    pub(crate) fn req_headers_done(&mut self) -> Step {
        let idx = self.req.index;
        let trailer = self
            .tx_ref(idx)
            .is_some_and(|t| t.req_progress > Progress::Headers);
        if trailer {
            if let Some(tx) = self.tx(idx) {
                tx.rebuild_request_buffers();
            }
            self.req.state = ReqState::Finalize;
            return Step::Next;
        }
        let layer_limit = self.limits.layer_limit;
        let lzma = self.limits.lzma;
        let mut events = Vec::new();
        if let Some(tx) = self.tx(idx) {
            process_request_headers(tx, &mut events);
            if let Some(ce) = tx.req.headers.get("content-encoding") {
                let p = plan(ce, layer_limit, lzma);
                if p.too_many_layers {
                    events.push(Event::TooManyEncodingLayers);
                }
                for _ in 0..p.abnormal {
                    events.push(Event::AbnormalCeHeader);
                }
                tx.req.body.set_plan(&p);
            }
            tx.rebuild_request_buffers();
        }
        for e in events {
            self.raise(idx, e);
        }
        self.req.state = ReqState::ConnectCheck;
        Step::Next
    }

    /// Request body bytes (de-chunked): stored, decoded, and filed for
    /// POST and PUT (multipart parts with a file name, or the whole body).
    pub(crate) fn req_body_data(&mut self, data: &[u8]) {
        self.req_body(Some(data));
    }

    /// The request body ended: what the decoders still hold is decoded,
    /// stored and filed.
    pub(crate) fn req_body_end(&mut self) {
        self.req_body(None);
    }

    fn req_body(&mut self, data: Option<&[u8]>) {
        let opts = self.limits.file_opts();
        let limit = self.limits.req_body;
        let mut bomb = false;
        if let Some(tx) = self.tx(self.req.index) {
            if tx.upload.is_none() {
                tx.upload = Some(upload_kind(tx));
            }
            let super::tx::Tx {
                req,
                req_files: files,
                upload,
                uri,
                ..
            } = tx;
            let mut file = |d: &[u8]| match upload {
                Some(Upload::Multipart(mp)) => mp.feed(d, files, opts, limit),
                Some(Upload::Whole) => {
                    if files.is_empty() {
                        let name = uri.path.clone().unwrap_or_default();
                        files.push(FileTracker::new(name, opts, limit));
                    }
                    if let Some(f) = files.last_mut() {
                        f.append(d);
                    }
                }
                _ => {}
            };
            match data {
                Some(data) => req.body.data(data, &mut file),
                None => req.body.finish(&mut file),
            }
            bomb = std::mem::take(&mut tx.req.body.bomb);
        }
        if bomb {
            self.raise_once(self.req.index, Event::CompressionBomb);
        }
    }
}

/// How a request body is filed (decided at its first byte, as Suricata).
#[derive(Debug, Clone)]
pub(crate) enum Upload {
    /// Not a POST or PUT, or no path to name the file: no file.
    None,
    /// The whole body is one file named by the path.
    Whole,
    /// A `multipart/form-data` POST: each part with a file name is a file.
    Multipart(Multipart),
}

fn upload_kind(tx: &super::tx::Tx) -> Upload {
    let boundary = tx
        .req
        .headers
        .get("content-type")
        .and_then(multipart_boundary);
    match (tx.method_kind, boundary) {
        (Method::Post, Some(b)) => Upload::Multipart(Multipart::new(&b)),
        (Method::Post | Method::Put, _) if tx.uri.path.is_some() => Upload::Whole,
        _ => Upload::None,
    }
}

/// libhtp's `process_request_headers`: body framing, host and port,
/// authentication, and the flag-derived anomaly events.
fn process_request_headers(tx: &mut super::tx::Tx, events: &mut Vec<Event>) {
    let te = tx.req.headers.get("transfer-encoding").map(<[u8]>::to_vec);
    let cl = tx.req.headers.get("content-length").map(<[u8]>::to_vec);
    if let Some(te) = te {
        if !contains_nocase_nozero(&te, b"chunked") {
            tx.req_transfer = Transfer::Invalid;
            events.push(Event::InvalidTransferEncodingValueInRequest);
        } else {
            if tx.protocol_num < Protocol::V1_1 {
                events.push(Event::InvalidTransferEncodingValueInRequest);
            }
            tx.req_transfer = Transfer::Chunked;
        }
    } else if let Some(cl) = cl {
        tx.req.content_length = parse_content_length(&cl);
        if tx.req.content_length.is_some() {
            tx.req_transfer = Transfer::Identity;
        } else {
            tx.req_transfer = Transfer::Invalid;
            events.push(Event::InvalidContentLengthFieldInRequest);
        }
    } else {
        tx.req_transfer = Transfer::NoBody;
    }
    tx.hostname = tx.uri.hostname.clone();
    tx.port = tx.uri.port;
    if tx.uri.host_invalid {
        events.push(Event::RequestUriHostInvalid);
    }
    match tx.req.headers.get("host").map(<[u8]>::to_vec) {
        Some(host) => match parse_hostport(&host) {
            Some(hp) => {
                if !hp.valid {
                    events.push(Event::RequestHeaderHostInvalid);
                }
                match &tx.hostname {
                    None => {
                        tx.hostname = Some(hp.host.to_ascii_lowercase());
                        if hp.port_text.is_some() {
                            tx.port = hp.port;
                        }
                    }
                    Some(uri_host) => {
                        let mut ambiguous = !uri_host.eq_ignore_ascii_case(&hp.host);
                        if hp.port_text.is_some() && tx.port.is_some() && tx.port != hp.port {
                            ambiguous = true;
                        }
                        if ambiguous {
                            events.push(Event::HostHeaderAmbiguous);
                        }
                    }
                }
            }
            None => {
                if tx.hostname.is_some() {
                    events.push(Event::HostHeaderAmbiguous);
                }
            }
        },
        None => {
            if tx.protocol_num >= Protocol::V1_1 {
                events.push(Event::MissingHostHeader);
            }
        }
    }
    if auth_type(tx.req.headers.get("authorization")) == AuthType::Unrecognized {
        events.push(Event::RequestAuthUnrecognized);
    }
    events.dedup();
}
