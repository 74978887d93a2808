//! One HTTP/2 stream as a transaction: its request and response header
//! lists, bodies (bounded) and the `http.*` buffers Suricata 7 offers for
//! HTTP/2 (`http.uri` is `:path`, `http.method` is `:method`,
//! `http.header_names` lists pseudo-headers too, …), plus its EVE object.

use serde_json::{json, Map, Value};
use sigil_rules::buffer::{Buffer, Side};

use super::frame;
use super::hpack::Field;
use crate::capture::Timestamp;
use crate::flow::Direction;

/// How far one side of a stream got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Progress {
    /// Nothing yet.
    #[default]
    Idle,
    /// Headers decoded; DATA may follow.
    Open,
    /// END_STREAM (or RST_STREAM / connection end).
    Complete,
}

/// Buffers built from a header list.
#[derive(Debug, Default, Clone)]
struct Bufs {
    /// `\r\n` + `name\r\n` each + `\r\n` (`http.header_names`).
    names: Vec<u8>,
    /// `name: value\r\n` each (`http.header`).
    header: Vec<u8>,
    /// `name: value` each (`http.request_header` / `http.response_header`).
    items: Vec<Vec<u8>>,
}

impl Bufs {
    fn build(fields: &[Field]) -> Bufs {
        let mut b = Bufs::default();
        if fields.is_empty() {
            return b;
        }
        b.names.extend_from_slice(b"\r\n");
        for f in fields {
            b.names.extend_from_slice(&f.name);
            b.names.extend_from_slice(b"\r\n");
            let mut item = f.name.clone();
            item.extend_from_slice(b": ");
            item.extend_from_slice(&f.value);
            b.header.extend_from_slice(&item);
            b.header.extend_from_slice(b"\r\n");
            b.items.push(item);
        }
        b.names.extend_from_slice(b"\r\n");
        b
    }
}

/// One side (request or response) of a stream.
#[derive(Debug, Default, Clone)]
pub(super) struct Message {
    pub(super) headers: Vec<Field>,
    pub(super) progress: Progress,
    /// Body bytes kept (up to the body limit).
    pub(super) body: Vec<u8>,
    /// Body bytes seen.
    pub(super) body_len: u64,
    bufs: Bufs,
}

impl Message {
    /// Appends a decoded header block (headers or trailers).
    pub(super) fn add_headers(&mut self, fields: Vec<Field>) {
        self.headers.extend(fields);
        self.bufs = Bufs::build(&self.headers);
        if self.progress == Progress::Idle {
            self.progress = Progress::Open;
        }
    }

    /// Body bytes, kept while under `limit`.
    pub(super) fn add_body(&mut self, data: &[u8], limit: usize) {
        self.body_len = self.body_len.saturating_add(data.len() as u64);
        let room = limit.saturating_sub(self.body.len());
        self.body
            .extend_from_slice(data.get(..room.min(data.len())).unwrap_or(data));
        if self.progress == Progress::Idle {
            self.progress = Progress::Open;
        }
    }

    /// The first value of header `name` (lower case).
    pub(super) fn get(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|f| f.name == name.as_bytes())
            .map(|f| f.value.as_slice())
    }
}

/// An HTTP/2 stream.
#[derive(Debug, Clone)]
pub struct Tx {
    pub(super) id: u64,
    pub(super) stream: u32,
    pub(super) req: Message,
    pub(super) resp: Message,
    /// `method path HTTP/2` once both pseudo-headers are known.
    request_line: Option<Vec<u8>>,
    /// `:authority` (or `host`) lower-cased without port.
    host: Option<Vec<u8>>,
    /// RST_STREAM error code.
    pub(super) error_code: Option<u32>,
    pub(super) events: Vec<&'static str>,
    pub(super) first_ts: Timestamp,
    pub(super) last_ts: Timestamp,
}

/// Most events kept per transaction.
const MAX_TX_EVENTS: usize = 16;

impl Tx {
    pub(super) fn new(id: u64, stream: u32, ts: Timestamp) -> Tx {
        Tx {
            id,
            stream,
            req: Message::default(),
            resp: Message::default(),
            request_line: None,
            host: None,
            error_code: None,
            events: Vec::new(),
            first_ts: ts,
            last_ts: ts,
        }
    }

    pub(super) fn event(&mut self, e: &'static str) {
        if self.events.len() < MAX_TX_EVENTS && !self.events.contains(&e) {
            self.events.push(e);
        }
    }

    /// Header block for `dir` decoded: kept, and the derived request
    /// buffers rebuilt.
    pub(super) fn add_headers(&mut self, dir: Direction, fields: Vec<Field>) {
        match dir {
            Direction::ToServer => {
                self.req.add_headers(fields);
                let m = &self.req;
                self.request_line = match (m.get(":method"), m.get(":path")) {
                    (Some(method), Some(path)) => {
                        let mut l = method.to_vec();
                        l.push(b' ');
                        l.extend_from_slice(path);
                        l.extend_from_slice(b" HTTP/2");
                        Some(l)
                    }
                    _ => None,
                };
                self.host = m
                    .get(":authority")
                    .or_else(|| m.get("host"))
                    .map(normalize_host);
            }
            Direction::ToClient => self.resp.add_headers(fields),
        }
    }

    pub(super) fn side_mut(&mut self, dir: Direction) -> &mut Message {
        match dir {
            Direction::ToServer => &mut self.req,
            Direction::ToClient => &mut self.resp,
        }
    }

    /// Transaction id: per flow, in order of the streams' first frames.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The HTTP/2 stream identifier.
    pub fn stream_id(&self) -> u32 {
        self.stream
    }

    /// True when `side` will not change any more.
    pub fn complete(&self, side: Side) -> bool {
        let req = self.req.progress == Progress::Complete;
        let resp = self.resp.progress == Progress::Complete;
        match side {
            Side::ToServer => req,
            Side::ToClient => resp,
            Side::Both => req && resp,
        }
    }

    /// Progress and body size of one side, for "inspect again when it
    /// moved on".
    pub fn progress(&self, dir: Direction) -> (Progress, u64) {
        let m = match dir {
            Direction::ToServer => &self.req,
            Direction::ToClient => &self.resp,
        };
        (m.progress, m.body.len() as u64)
    }

    /// Time of the first and the latest frame of this stream.
    pub fn timestamps(&self) -> (Timestamp, Timestamp) {
        (self.first_ts, self.last_ts)
    }

    /// Anomalies raised on this stream (Suricata names).
    pub fn events(&self) -> &[&'static str] {
        &self.events
    }

    /// Request header fields in order (pseudo-headers first as sent).
    pub fn request_headers(&self) -> &[Field] {
        &self.req.headers
    }

    /// Response header fields in order.
    pub fn response_headers(&self) -> &[Field] {
        &self.resp.headers
    }

    /// Values of sticky buffer `b` for one direction (request data for
    /// `ToServer`, response data for `ToClient`).
    pub fn buffer_dir<'a>(&'a self, b: Buffer, dir: Direction, out: &mut Vec<&'a [u8]>) {
        let to_server = dir == Direction::ToServer;
        match (b.side(), to_server) {
            (Side::ToServer, false) | (Side::ToClient, true) => return,
            _ => {}
        }
        let m = if to_server { &self.req } else { &self.resp };
        let mut push = |v: Option<&'a [u8]>| {
            if let Some(v) = v {
                out.push(v);
            }
        };
        match b {
            Buffer::HttpHeaderNames if !m.bufs.names.is_empty() => push(Some(&m.bufs.names)),
            Buffer::HttpHeader if !m.bufs.header.is_empty() => push(Some(&m.bufs.header)),
            Buffer::HttpRequestHeader | Buffer::HttpResponseHeader => {
                out.extend(m.bufs.items.iter().map(Vec::as_slice))
            }
            Buffer::HttpProtocol if m.progress > Progress::Idle => push(Some(b"HTTP/2")),
            Buffer::HttpCookie if to_server => push(m.get("cookie")),
            Buffer::HttpCookie => push(m.get("set-cookie")),
            Buffer::HttpContentType => push(m.get("content-type")),
            Buffer::HttpContentLen => push(m.get("content-length")),
            Buffer::HttpConnection => push(m.get("connection")),
            Buffer::FileData | Buffer::HttpRequestBody | Buffer::HttpResponseBody
                if !m.body.is_empty() =>
            {
                push(Some(&m.body))
            }
            _ if to_server => self.request_only(b, out),
            _ => self.response_only(b, out),
        }
    }

    fn request_only<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        let m = &self.req;
        let v = match b {
            Buffer::HttpUri | Buffer::HttpUriRaw => m.get(":path"),
            Buffer::HttpMethod => m.get(":method"),
            Buffer::HttpRequestLine => self.request_line.as_deref(),
            Buffer::HttpHost => self.host.as_deref(),
            Buffer::HttpHostRaw => m.get(":authority").or_else(|| m.get("host")),
            Buffer::HttpUserAgent => m.get("user-agent"),
            Buffer::HttpReferer => m.get("referer"),
            Buffer::HttpAccept => m.get("accept"),
            Buffer::HttpAcceptEnc => m.get("accept-encoding"),
            Buffer::HttpAcceptLang => m.get("accept-language"),
            _ => None,
        };
        out.extend(v);
    }

    fn response_only<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        let m = &self.resp;
        let v = match b {
            Buffer::HttpStatCode => m.get(":status"),
            Buffer::HttpServer => m.get("server"),
            Buffer::HttpLocation => m.get("location"),
            _ => None,
        };
        out.extend(v);
    }

    /// The `"http": {…}` object of Suricata 7's HTTP/2 records.
    pub fn eve(&self) -> Value {
        let mut o = Map::new();
        o.insert("version".into(), json!("2"));
        let list = |fields: &[Field]| -> Value {
            fields
                .iter()
                .map(|f| {
                    json!({
                        "name": String::from_utf8_lossy(&f.name),
                        "value": String::from_utf8_lossy(&f.value),
                    })
                })
                .collect()
        };
        if !self.req.headers.is_empty() {
            o.insert("request_headers".into(), list(&self.req.headers));
        }
        if !self.resp.headers.is_empty() {
            o.insert("response_headers".into(), list(&self.resp.headers));
        }
        let text = |v: &[u8]| Value::from(String::from_utf8_lossy(v).into_owned());
        if let Some(p) = self.req.get(":path") {
            o.insert("url".into(), text(p));
        }
        if let Some(ua) = self.req.get("user-agent") {
            o.insert("http_user_agent".into(), text(ua));
        }
        if let Some(m) = self.req.get(":method") {
            o.insert("http_method".into(), text(m));
        }
        if let Some(s) = self
            .resp
            .get(":status")
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse::<u16>().ok())
        {
            o.insert("status".into(), json!(s));
        }
        if self.resp.body_len > 0 {
            o.insert("length".into(), json!(self.resp.body_len));
        }
        let mut resp = Map::new();
        if let Some(code) = self.error_code {
            resp.insert("error_code".into(), json!(frame::error_name(code)));
        }
        o.insert(
            "http2".into(),
            json!({ "stream_id": self.stream, "request": {}, "response": resp }),
        );
        Value::Object(o)
    }
}

/// `Host:Port` → `host`, lower case (IPv6 literals keep their brackets).
fn normalize_host(v: &[u8]) -> Vec<u8> {
    let host = if v.first() == Some(&b'[') {
        match v.iter().position(|&c| c == b']') {
            Some(end) => v.get(..=end).unwrap_or(v),
            None => v,
        }
    } else {
        match v.iter().rposition(|&c| c == b':') {
            Some(colon) => v.get(..colon).unwrap_or(v),
            None => v,
        }
    };
    host.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: &str, v: &str) -> Field {
        Field {
            name: n.as_bytes().to_vec(),
            value: v.as_bytes().to_vec(),
        }
    }

    fn buf(tx: &Tx, b: Buffer, dir: Direction) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        tx.buffer_dir(b, dir, &mut out);
        out.into_iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn request_and_response_buffers() {
        let mut tx = Tx::new(0, 1, Timestamp::default());
        tx.add_headers(
            Direction::ToServer,
            vec![
                f(":method", "GET"),
                f(":path", "/a/b.exe"),
                f(":authority", "Example.COM:8080"),
                f("user-agent", "ua"),
            ],
        );
        tx.add_headers(
            Direction::ToClient,
            vec![f(":status", "206"), f("accept-ranges", "bytes")],
        );
        let up = Direction::ToServer;
        let down = Direction::ToClient;
        assert_eq!(buf(&tx, Buffer::HttpUri, up), vec![b"/a/b.exe".to_vec()]);
        assert_eq!(buf(&tx, Buffer::HttpUri, down), Vec::<Vec<u8>>::new());
        assert_eq!(buf(&tx, Buffer::HttpMethod, up), vec![b"GET".to_vec()]);
        assert_eq!(
            buf(&tx, Buffer::HttpHost, up),
            vec![b"example.com".to_vec()]
        );
        assert_eq!(
            buf(&tx, Buffer::HttpRequestLine, up),
            vec![b"GET /a/b.exe HTTP/2".to_vec()]
        );
        assert_eq!(buf(&tx, Buffer::HttpUserAgent, up), vec![b"ua".to_vec()]);
        assert_eq!(
            buf(&tx, Buffer::HttpHeaderNames, down),
            vec![b"\r\n:status\r\naccept-ranges\r\n\r\n".to_vec()]
        );
        assert_eq!(buf(&tx, Buffer::HttpStatCode, down), vec![b"206".to_vec()]);
        assert_eq!(
            buf(&tx, Buffer::HttpResponseHeader, down),
            vec![b":status: 206".to_vec(), b"accept-ranges: bytes".to_vec()]
        );
        let eve = tx.eve();
        assert_eq!(eve["version"], "2");
        assert_eq!(eve["url"], "/a/b.exe");
        assert_eq!(eve["status"], 206);
        assert_eq!(eve["http2"]["stream_id"], 1);
        assert_eq!(eve["request_headers"][2]["value"], "Example.COM:8080");
    }

    #[test]
    fn hosts_lose_ports() {
        assert_eq!(normalize_host(b"A.b:80"), b"a.b");
        assert_eq!(normalize_host(b"[::1]:443"), b"[::1]");
        assert_eq!(normalize_host(b"x"), b"x");
    }
}
