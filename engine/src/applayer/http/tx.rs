//! One HTTP transaction (a request and the response paired with it) and
//! the sticky buffers Suricata derives from it.
//!
//! Buffers that Suricata assembles (`http.header`, `http.start`,
//! `http.header_names`, the `http.request_header` items) are built once
//! when a header block completes, so `buffer` can hand out borrowed slices.

use sigil_rules::buffer::{Buffer, Side};

use super::body::{Body, FileInfo, FileState, FileTracker};
use super::events::Event;
use super::normalize::NormalizedUri;
use super::parser::Method;
use super::util::{eq_nocase_nozero, parse_content_length, Protocol};
use crate::capture::Timestamp;
use crate::flow::Direction;

/// How far one side of a transaction got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Progress {
    /// Nothing seen.
    NotStarted,
    /// Request or status line.
    Line,
    /// Header block.
    Headers,
    /// Body.
    Body,
    /// Chunked trailer.
    Trailer,
    /// Done.
    Complete,
}

/// How a message body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transfer {
    Unknown,
    NoBody,
    Identity,
    Chunked,
    Invalid,
}

/// One header after merging duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Name as sent (first occurrence).
    pub name: Vec<u8>,
    /// Value; repeated headers are joined with `, `.
    pub value: Vec<u8>,
    pub(crate) repeated: bool,
}

/// Result of adding a header to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    New,
    /// Second occurrence of this name.
    FirstRepeat,
    Repeat,
    /// Content-Length repeated with a different value.
    ContentLengthMismatch {
        first_repeat: bool,
    },
    /// Too many repetitions: dropped.
    Ignored,
    /// The table is full: the stream must stop.
    TooMany,
}

/// Headers in arrival order, duplicates merged the way libhtp merges them.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    list: Vec<Header>,
    repetitions: u16,
    /// Name and value bytes stored.
    bytes: usize,
}

/// libhtp's default limit on distinct headers per message.
const HEADERS_LIMIT: usize = 1024;

impl Headers {
    /// Every header, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.list.iter()
    }

    /// Number of distinct headers.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True without headers.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Value of header `name` (case-insensitive, NUL bytes in stored names
    /// ignored).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.list
            .iter()
            .find(|h| eq_nocase_nozero(&h.name, name.as_bytes()))
            .map(|h| h.value.as_slice())
    }

    pub(crate) fn get_header(&self, name: &str) -> Option<&Header> {
        self.list
            .iter()
            .find(|h| eq_nocase_nozero(&h.name, name.as_bytes()))
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.bytes = 0;
    }

    /// Adds a header; `max_bytes` bounds the total kept (more is dropped).
    pub(crate) fn add(&mut self, name: Vec<u8>, value: Vec<u8>, max_bytes: usize) -> Added {
        if self.bytes.saturating_add(name.len() + value.len()) > max_bytes {
            return Added::Ignored;
        }
        self.bytes += name.len() + value.len();
        let reps = self.repetitions;
        if let Some(h) = self
            .list
            .iter_mut()
            .find(|h| h.name.eq_ignore_ascii_case(&name))
        {
            let first_repeat = !h.repeated;
            if !first_repeat {
                if reps >= 64 {
                    return Added::Ignored;
                }
                self.repetitions += 1;
            }
            h.repeated = true;
            if name.eq_ignore_ascii_case(b"content-length") {
                let a = parse_content_length(&h.value);
                let b = parse_content_length(&value);
                if a.is_none() || b.is_none() || a != b {
                    return Added::ContentLengthMismatch { first_repeat };
                }
            } else {
                h.value.extend_from_slice(b", ");
                h.value.extend_from_slice(&value);
            }
            return if first_repeat {
                Added::FirstRepeat
            } else {
                Added::Repeat
            };
        }
        if self.list.len() > HEADERS_LIMIT {
            return Added::TooMany;
        }
        self.list.push(Header {
            name,
            value,
            repeated: false,
        });
        Added::New
    }
}

/// Sticky buffers assembled from a header block.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderBuffers {
    /// `http.header`: `Name: value\r\n` each, cookies excluded.
    header: Vec<u8>,
    /// `http.header_names`.
    names: Vec<u8>,
    /// `http.start`.
    start: Vec<u8>,
    /// `http.request_header` / `http.response_header` items.
    items: Vec<Vec<u8>>,
}

impl HeaderBuffers {
    fn build(line: Option<&[u8]>, headers: &Headers, cookie: &str) -> HeaderBuffers {
        let mut b = HeaderBuffers::default();
        b.names.extend_from_slice(b"\r\n");
        if let Some(line) = line {
            b.start.extend_from_slice(line);
            b.start.extend_from_slice(b"\r\n");
        }
        for h in headers.iter() {
            let mut item = h.name.clone();
            item.extend_from_slice(b": ");
            item.extend_from_slice(&h.value);
            if !h.name.eq_ignore_ascii_case(cookie.as_bytes()) {
                b.header.extend_from_slice(&item);
                b.header.extend_from_slice(b"\r\n");
            }
            b.start.extend_from_slice(&item);
            b.start.extend_from_slice(b"\r\n");
            b.names.extend_from_slice(&h.name);
            b.names.extend_from_slice(b"\r\n");
            b.items.push(item);
        }
        b.names.extend_from_slice(b"\r\n");
        if !headers.is_empty() {
            b.start.extend_from_slice(b"\r\n");
        }
        b
    }
}

/// One side (request or response) of a transaction.
#[derive(Debug, Default)]
pub(crate) struct Message {
    pub(crate) headers: Headers,
    /// Header (and trailer) bytes as sent, final empty line included.
    pub(crate) headers_raw: Vec<u8>,
    pub(crate) bufs: Option<HeaderBuffers>,
    pub(crate) body: Body,
    pub(crate) content_length: Option<u64>,
    pub(crate) gap: bool,
}

/// An HTTP transaction.
#[derive(Debug)]
pub struct Tx {
    pub(crate) id: u64,
    pub(crate) req_progress: Progress,
    pub(crate) resp_progress: Progress,
    pub(crate) request_line: Option<Vec<u8>>,
    pub(crate) method: Option<Vec<u8>>,
    pub(crate) method_kind: Method,
    pub(crate) uri_raw: Option<Vec<u8>>,
    pub(crate) protocol: Option<Vec<u8>>,
    pub(crate) protocol_num: Protocol,
    pub(crate) is_0_9: bool,
    pub(crate) uri: NormalizedUri,
    pub(crate) hostname: Option<Vec<u8>>,
    pub(crate) port: Option<u16>,
    pub(crate) req: Message,
    pub(crate) req_transfer: Transfer,
    pub(crate) req_files: Vec<FileTracker>,
    pub(crate) response_line: Option<Vec<u8>>,
    pub(crate) resp_protocol: Option<Vec<u8>>,
    pub(crate) status: Option<Vec<u8>>,
    pub(crate) status_num: Option<u16>,
    pub(crate) status_msg: Option<Vec<u8>>,
    pub(crate) resp: Message,
    pub(crate) resp_transfer: Transfer,
    pub(crate) resp_file: Option<FileTracker>,
    pub(crate) seen_100_continue: bool,
    pub(crate) http2_upgrade: bool,
    pub(crate) events: Vec<Event>,
    /// libhtp's "warn once per transaction" guards.
    pub(crate) warn_flags: u32,
    /// How the request body is filed, once known.
    pub(crate) upload: Option<super::request_headers::Upload>,
    pub(crate) first_ts: Timestamp,
    pub(crate) last_ts: Timestamp,
    /// `filestore` asked for the files of `[uploads, downloads]`.
    pub(crate) store: [bool; 2],
    /// Where `filestore` writes them (None: storing is off).
    pub(crate) store_dir: Option<&'static std::path::Path>,
}

/// libhtp's per-transaction "warn once" guards: invalid folding.
pub(crate) const WARN_FOLDING: u32 = 1;
/// Guard: invalid header field.
pub(crate) const WARN_FIELD_INVALID: u32 = 2;
/// Guard: unparseable header field.
pub(crate) const WARN_UNPARSEABLE: u32 = 4;

/// At most this many events are kept per transaction (as Suricata).
const MAX_TX_EVENTS: usize = 255;

impl Tx {
    pub(crate) fn new(id: u64, req_limit: usize, resp_limit: usize, ts: Timestamp) -> Tx {
        Tx {
            id,
            req_progress: Progress::NotStarted,
            resp_progress: Progress::NotStarted,
            request_line: None,
            method: None,
            method_kind: Method::Unknown,
            uri_raw: None,
            protocol: None,
            protocol_num: Protocol::V0_9,
            is_0_9: false,
            uri: NormalizedUri::default(),
            hostname: None,
            port: None,
            req: Message {
                body: Body::new(req_limit),
                ..Message::default()
            },
            req_transfer: Transfer::Unknown,
            req_files: Vec::new(),
            response_line: None,
            resp_protocol: None,
            status: None,
            status_num: None,
            status_msg: None,
            resp: Message {
                body: Body::new(resp_limit),
                ..Message::default()
            },
            resp_transfer: Transfer::Unknown,
            resp_file: None,
            seen_100_continue: false,
            http2_upgrade: false,
            events: Vec::new(),
            warn_flags: 0,
            upload: None,
            first_ts: ts,
            last_ts: ts,
            store: [false; 2],
            store_dir: None,
        }
    }

    pub(crate) fn event(&mut self, e: Event) {
        if self.events.len() < MAX_TX_EVENTS {
            self.events.push(e);
        }
    }

    pub(crate) fn rebuild_request_buffers(&mut self) {
        self.req.bufs = Some(HeaderBuffers::build(
            self.request_line.as_deref(),
            &self.req.headers,
            "cookie",
        ));
    }

    pub(crate) fn rebuild_response_buffers(&mut self) {
        self.resp.bufs = Some(HeaderBuffers::build(
            self.response_line.as_deref(),
            &self.resp.headers,
            "set-cookie",
        ));
    }

    /// Transaction id: 0, 1, 2… per flow.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// True when `side` of the transaction will not change any more
    /// (`Both`: both sides).
    pub fn complete(&self, side: Side) -> bool {
        let req = self.req_progress == Progress::Complete;
        let resp = self.resp_progress == Progress::Complete;
        match side {
            Side::ToServer => req,
            Side::ToClient => resp,
            Side::Both => req && resp,
        }
    }

    /// Progress of the request side.
    pub fn request_progress(&self) -> Progress {
        self.req_progress
    }

    /// Progress of the response side.
    pub fn response_progress(&self) -> Progress {
        self.resp_progress
    }

    /// Anomalies raised on this transaction (Suricata names).
    pub fn events(&self) -> Vec<&'static str> {
        self.events.iter().map(|e| e.name()).collect()
    }

    /// Request headers.
    pub fn request_headers(&self) -> &Headers {
        &self.req.headers
    }

    /// Response headers.
    pub fn response_headers(&self) -> &Headers {
        &self.resp.headers
    }

    /// Numeric response status when valid.
    pub fn status(&self) -> Option<u16> {
        self.status_num
    }

    /// The server asked to switch to HTTP/2 cleartext (`101` + `h2c`).
    pub fn http2_upgrade(&self) -> bool {
        self.http2_upgrade
    }

    /// Time of the first and the latest data of this transaction.
    pub fn timestamps(&self) -> (Timestamp, Timestamp) {
        (self.first_ts, self.last_ts)
    }

    /// Files carried by this transaction: uploads first, then the response.
    pub fn files(&self) -> Vec<FileInfo> {
        let mut out: Vec<FileInfo> = self
            .req_files
            .iter()
            .map(|f| f.info(self.id, true))
            .collect();
        if let Some(f) = &self.resp_file {
            out.push(f.info(self.id, false));
        }
        out
    }

    /// Size and state of each file on one side (uploads when `to_server`),
    /// without copying names or hashes (`filesize`).
    pub fn file_sizes(&self, to_server: bool) -> impl Iterator<Item = (u64, FileState)> + '_ {
        let (up, down) = if to_server {
            (&self.req_files[..], None)
        } else {
            (&[][..], self.resp_file.as_ref())
        };
        up.iter().chain(down).map(|f| (f.size, f.state))
    }

    /// Values of sticky buffer `b`. Buffers that exist on both sides
    /// (`http.header`, `file.data`, …) yield the request value first, then
    /// the response value; use [`Tx::buffer_dir`] to pick one side.
    pub fn buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        match b.side() {
            Side::ToServer => self.buffer_dir(b, Direction::ToServer, out),
            Side::ToClient => self.buffer_dir(b, Direction::ToClient, out),
            Side::Both => {
                self.buffer_dir(b, Direction::ToServer, out);
                self.buffer_dir(b, Direction::ToClient, out);
            }
        }
    }

    /// Values of sticky buffer `b` for one direction (request data for
    /// `ToServer`, response data for `ToClient`). Buffers of the other side
    /// yield nothing; a buffer is only offered once the part of the message
    /// it comes from has been parsed.
    pub fn buffer_dir<'a>(&'a self, b: Buffer, dir: Direction, out: &mut Vec<&'a [u8]>) {
        let to_server = dir == Direction::ToServer;
        match (b.side(), to_server) {
            (Side::ToServer, false) | (Side::ToClient, true) => return,
            _ => {}
        }
        if to_server {
            self.request_buffer(b, out);
        } else {
            self.response_buffer(b, out);
        }
    }

    fn request_buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        let push = |out: &mut Vec<&'a [u8]>, v: Option<&'a [u8]>| {
            if let Some(v) = v {
                out.push(v);
            }
        };
        let h = |name: &str| self.req.headers.get(name);
        let headers_done = self.req_progress > Progress::Headers;
        match b {
            Buffer::HttpUri => push(out, self.uri.partial.as_deref()),
            Buffer::HttpUriRaw => push(out, self.uri_raw.as_deref()),
            Buffer::HttpMethod => push(out, self.method.as_deref()),
            Buffer::HttpProtocol => push(out, self.protocol.as_deref()),
            Buffer::HttpRequestLine => push(out, self.request_line.as_deref()),
            Buffer::HttpHost => push(out, self.hostname.as_deref()),
            Buffer::HttpHostRaw => {
                let v = match &self.uri.hostname {
                    Some(host) => Some(host.as_slice()),
                    None => h("host"),
                };
                push(out, v)
            }
            _ if !headers_done => {}
            Buffer::HttpHeader | Buffer::HttpHeaderNames | Buffer::HttpStart => {
                if let Some(bufs) = &self.req.bufs {
                    out.push(match b {
                        Buffer::HttpHeader => &bufs.header,
                        Buffer::HttpHeaderNames => &bufs.names,
                        _ => &bufs.start,
                    });
                }
            }
            Buffer::HttpRequestHeader => {
                if let Some(bufs) = &self.req.bufs {
                    out.extend(bufs.items.iter().map(|v| v.as_slice()));
                }
            }
            Buffer::HttpHeaderRaw => out.push(&self.req.headers_raw),
            Buffer::HttpUserAgent => push(out, h("user-agent")),
            Buffer::HttpCookie => push(out, h("cookie")),
            Buffer::HttpReferer => push(out, h("referer")),
            Buffer::HttpContentType => push(out, h("content-type")),
            Buffer::HttpContentLen => push(out, h("content-length")),
            Buffer::HttpAccept => push(out, h("accept")),
            Buffer::HttpAcceptEnc => push(out, h("accept-encoding")),
            Buffer::HttpAcceptLang => push(out, h("accept-language")),
            Buffer::HttpConnection => push(out, h("connection")),
            Buffer::HttpRequestBody if !self.req.body.stored.is_empty() => {
                out.push(&self.req.body.stored)
            }
            Buffer::FileData => out.extend(
                self.req_files
                    .iter()
                    .filter(|f| !f.content.is_empty())
                    .map(|f| f.content.as_slice()),
            ),
            Buffer::FileName => out.extend(self.req_files.iter().map(|f| f.name.as_slice())),
            _ => {}
        }
    }

    fn response_buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        let push = |out: &mut Vec<&'a [u8]>, v: Option<&'a [u8]>| {
            if let Some(v) = v {
                out.push(v);
            }
        };
        let h = |name: &str| self.resp.headers.get(name);
        let headers_done = self.resp_progress > Progress::Headers;
        match b {
            Buffer::HttpProtocol => push(out, self.resp_protocol.as_deref()),
            Buffer::HttpStatCode => push(out, self.status.as_deref()),
            Buffer::HttpStatMsg => push(out, self.status_msg.as_deref()),
            Buffer::HttpResponseLine => push(out, self.response_line.as_deref()),
            _ if !headers_done => {}
            Buffer::HttpHeader | Buffer::HttpHeaderNames | Buffer::HttpStart => {
                if let Some(bufs) = &self.resp.bufs {
                    out.push(match b {
                        Buffer::HttpHeader => &bufs.header,
                        Buffer::HttpHeaderNames => &bufs.names,
                        _ => &bufs.start,
                    });
                }
            }
            Buffer::HttpResponseHeader => {
                if let Some(bufs) = &self.resp.bufs {
                    out.extend(bufs.items.iter().map(|v| v.as_slice()));
                }
            }
            Buffer::HttpHeaderRaw => out.push(&self.resp.headers_raw),
            Buffer::HttpCookie => push(out, h("set-cookie")),
            Buffer::HttpContentType => push(out, h("content-type")),
            Buffer::HttpContentLen => push(out, h("content-length")),
            Buffer::HttpConnection => push(out, h("connection")),
            Buffer::HttpServer => push(out, h("server")),
            Buffer::HttpLocation => push(out, h("location")),
            Buffer::HttpResponseBody | Buffer::FileData if !self.resp.body.stored.is_empty() => {
                out.push(&self.resp.body.stored)
            }
            Buffer::FileName => {
                if let Some(f) = &self.resp_file {
                    out.push(&f.name);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_headers_are_joined() {
        let mut h = Headers::default();
        assert_eq!(
            h.add(b"Accept".to_vec(), b"a".to_vec(), 1 << 20),
            Added::New
        );
        assert_eq!(
            h.add(b"accept".to_vec(), b"b".to_vec(), 1 << 20),
            Added::FirstRepeat
        );
        assert_eq!(
            h.add(b"ACCEPT".to_vec(), b"c".to_vec(), 1 << 20),
            Added::Repeat
        );
        assert_eq!(h.get("accept"), Some(&b"a, b, c"[..]));
        assert_eq!(
            h.add(b"Content-Length".to_vec(), b"68".to_vec(), 1 << 20),
            Added::New
        );
        assert_eq!(
            h.add(b"Content-Length".to_vec(), b" 68 ".to_vec(), 1 << 20),
            Added::FirstRepeat
        );
        assert_eq!(
            h.add(b"Content-Length".to_vec(), b"69".to_vec(), 1 << 20),
            Added::ContentLengthMismatch {
                first_repeat: false
            }
        );
        assert_eq!(h.get("content-length"), Some(&b"68"[..]));
        // The total size of a header table is bounded.
        let mut h = Headers::default();
        assert_eq!(h.add(b"A".to_vec(), vec![b'x'; 10], 16), Added::New);
        assert_eq!(h.add(b"B".to_vec(), vec![b'x'; 10], 16), Added::Ignored);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn header_buffers() {
        let mut h = Headers::default();
        h.add(b"Host".to_vec(), b"a".to_vec(), 1 << 20);
        h.add(b"Cookie".to_vec(), b"c=1".to_vec(), 1 << 20);
        let b = HeaderBuffers::build(Some(b"GET / HTTP/1.1"), &h, "cookie");
        assert_eq!(b.header, b"Host: a\r\n");
        assert_eq!(b.names, b"\r\nHost\r\nCookie\r\n\r\n");
        assert_eq!(b.start, b"GET / HTTP/1.1\r\nHost: a\r\nCookie: c=1\r\n\r\n");
        assert_eq!(b.items, vec![b"Host: a".to_vec(), b"Cookie: c=1".to_vec()]);
        let b = HeaderBuffers::build(Some(b"GET /"), &Headers::default(), "cookie");
        assert_eq!(b.start, b"GET /\r\n");
    }
}
