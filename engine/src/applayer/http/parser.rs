//! Pure parsers for the first line of requests and responses and for a few
//! header values whose meaning matters to the engine (`Authorization`,
//! `Content-Disposition`, `Content-Type`).
//!
//! Like libhtp these never reject a line: an unknown method, a missing or
//! malformed protocol, tabs instead of spaces or a URI with spaces in it
//! all still produce fields, plus flags the state machine turns into
//! Suricata's anomaly events.

use super::util::{is_space, parse_status, span, trim};

/// Request methods libhtp recognises (case-sensitive, as it does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// CONNECT.
    Connect,
    /// Any other method libhtp knows (OPTIONS, DELETE, WebDAV …).
    OtherKnown,
    /// Not a method libhtp knows, including lowercase spellings.
    Unknown,
}

impl Method {
    /// Classifies a method token exactly as libhtp does.
    pub fn from_bytes(m: &[u8]) -> Method {
        match m {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"CONNECT" => Method::Connect,
            b"DELETE" | b"OPTIONS" | b"TRACE" | b"PATCH" | b"PROPFIND" | b"PROPPATCH"
            | b"MKCOL" | b"COPY" | b"MOVE" | b"LOCK" | b"UNLOCK" | b"VERSION-CONTROL"
            | b"CHECKOUT" | b"UNCHECKOUT" | b"CHECKIN" | b"UPDATE" | b"LABEL" | b"REPORT"
            | b"MKWORKSPACE" | b"MKACTIVITY" | b"BASELINE-CONTROL" | b"MERGE" | b"INVALID" => {
                Method::OtherKnown
            }
            _ => Method::Unknown,
        }
    }
}

/// The parts of a request line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestLine {
    /// Method token as sent.
    pub method: Vec<u8>,
    /// URI as sent (absent when the line is a bare method).
    pub uri: Option<Vec<u8>>,
    /// Protocol text (absent for HTTP/0.9 style lines).
    pub protocol: Option<Vec<u8>>,
    /// Whitespace before the method.
    pub leading_whitespace: bool,
    /// The method was ended by something other than a single SP.
    pub method_delim_non_compliant: bool,
    /// The URI contains tabs or other non-SP whitespace.
    pub uri_delim_non_compliant: bool,
}

impl RequestLine {
    /// True when no protocol was given (HTTP/0.9 style).
    pub fn is_0_9(&self) -> bool {
        self.protocol.is_none()
    }
}

/// Parses a request line (without its line end). Suricata lets the URI
/// contain spaces: the protocol is what follows the last space.
pub fn parse_request_line(line: &[u8]) -> RequestLine {
    let ls = span(line, is_space);
    let rest = &line[ls..];
    let m = span(rest, |c| !is_space(c));
    let method = rest[..m].to_vec();
    let after = &rest[m..];
    let ws = span(after, is_space);
    let mut out = RequestLine {
        method,
        leading_whitespace: ls > 0,
        method_delim_non_compliant: after[..ws].iter().any(|&c| c != b' '),
        ..RequestLine::default()
    };
    let remaining = &after[ws..];
    if remaining.is_empty() {
        return out;
    }
    let remaining = trim(remaining);
    let (mut uri, mut protocol) = split_last(remaining, |c| c == b' ');
    if uri.iter().any(|&c| is_space(c) && c != b' ') {
        out.uri_delim_non_compliant = true;
        if uri.len() == remaining.len() {
            (uri, protocol) = split_last(remaining, is_space);
        }
    }
    out.uri = Some(uri.to_vec());
    if !protocol.is_empty() {
        out.protocol = Some(protocol.to_vec());
    }
    out
}

/// Splits at the last byte matching `f`, trimming both halves; without a
/// match everything is the first half.
fn split_last(s: &[u8], f: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    match s.iter().rposition(|&c| f(c)) {
        Some(p) => (trim(&s[..p]), trim(&s[p + 1..])),
        None => (trim(s), &[]),
    }
}

/// The parts of a status line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseLine {
    /// Protocol text (`HTTP/1.1`), absent when the line is empty.
    pub protocol: Option<Vec<u8>>,
    /// Status code text as sent.
    pub status: Option<Vec<u8>>,
    /// Reason phrase.
    pub message: Option<Vec<u8>>,
}

impl ResponseLine {
    /// The numeric status when it is valid (100..=999).
    pub fn status_number(&self) -> Option<u16> {
        self.status.as_deref().and_then(parse_status)
    }
}

/// Parses a status line (line end already removed).
pub fn parse_response_line(line: &[u8]) -> ResponseLine {
    let lead = span(line, |c| is_space(c) || c == 0);
    let s = &line[lead..];
    let p = span(s, |c| !is_space(c));
    let (protocol, s) = s.split_at(p);
    let mut out = ResponseLine::default();
    if protocol.is_empty() {
        return out;
    }
    out.protocol = Some(protocol.to_vec());
    let w1 = span(s, is_space);
    let s = &s[w1..];
    let c = span(s, |c| !is_space(c));
    let (status, s) = s.split_at(c);
    if w1 == 0 || status.is_empty() {
        return out;
    }
    out.status = Some(status.to_vec());
    let w2 = span(s, |c| c.is_ascii_whitespace());
    if w2 == 0 {
        return out;
    }
    out.message = Some(s[w2..].to_vec());
    out
}

/// How the request authenticates, as far as Suricata cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    /// No `Authorization` header.
    None,
    /// Basic.
    Basic,
    /// Digest.
    Digest,
    /// Bearer.
    Bearer,
    /// Some other scheme (raises `request_auth_unrecognized`).
    Unrecognized,
}

/// Classifies an `Authorization` header value.
pub fn auth_type(value: Option<&[u8]>) -> AuthType {
    let Some(v) = value else {
        return AuthType::None;
    };
    let starts = |p: &[u8]| v.len() >= p.len() && v[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"basic") {
        AuthType::Basic
    } else if starts(b"digest") {
        AuthType::Digest
    } else if starts(b"bearer") {
        AuthType::Bearer
    } else {
        AuthType::Unrecognized
    }
}

/// The MIME type of a `Content-Type` value, lower-cased, parameters cut.
pub fn content_type_mime(value: &[u8]) -> Vec<u8> {
    let v = &value[span(value, |c| c.is_ascii_whitespace())..];
    let n = span(v, |c| !matches!(c, b';' | b',' | b' '));
    v[..n].to_ascii_lowercase()
}

/// The `boundary` parameter of a multipart `Content-Type`, if any.
pub fn multipart_boundary(value: &[u8]) -> Option<Vec<u8>> {
    if !content_type_mime(value).starts_with(b"multipart/form-data") {
        return None;
    }
    let lower = value.to_ascii_lowercase();
    let at = lower.windows(9).position(|w| w == b"boundary=")?;
    let rest = &value[at + 9..];
    let (b, _) = if rest.first() == Some(&b'"') {
        let inner = &rest[1..];
        let end = inner.iter().position(|&c| c == b'"').unwrap_or(inner.len());
        (&inner[..end], ())
    } else {
        let end = rest
            .iter()
            .position(|&c| c == b';' || c == b',' || is_space(c))
            .unwrap_or(rest.len());
        (&rest[..end], ())
    };
    (!b.is_empty()).then(|| b.to_vec())
}

/// Finds parameter `name` (with its `=`, e.g. `filename=`) in a
/// `Content-Disposition` value the way Suricata does: tokens split on `;`
/// outside quotes, the first token starting with the name wins, one pair of
/// surrounding quotes is removed.
pub fn disposition_param<'a>(value: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let start = span(value, is_space);
    let line = &value[start..];
    let mut quote = 0usize;
    let mut offset = 0usize;
    let mut x = 1usize;
    while x < line.len() {
        if line[x - 1] != b'\\' && line[x] == b'"' {
            quote += 1;
        }
        let end = x + 1 == line.len();
        if ((line[x - 1] != b'\\' && line[x] == b';') || end) && quote % 2 == 0 {
            let mut token_len = x - offset;
            if end {
                token_len += 1;
            }
            let token = line.get(offset..offset + token_len)?;
            offset = x + 1;
            while offset < line.len() && is_space(line[offset]) {
                x += 1;
                offset += 1;
            }
            if token.len() > name.len() && token[..name.len()].eq_ignore_ascii_case(name) {
                let mut v = &token[name.len()..];
                if v.first() == Some(&b'"') {
                    v = &v[1..];
                }
                if v.last() == Some(&b'"') {
                    v = &v[..v.len() - 1];
                }
                return Some(v);
            }
        }
        x += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let r = parse_request_line(b"GET /index.html HTTP/1.1");
        assert_eq!(r.method, b"GET");
        assert_eq!(r.uri.as_deref(), Some(&b"/index.html"[..]));
        assert_eq!(r.protocol.as_deref(), Some(&b"HTTP/1.1"[..]));
        assert!(!r.is_0_9());

        let r = parse_request_line(b"GET /uri afterspace HTTP/1.1");
        assert_eq!(r.uri.as_deref(), Some(&b"/uri afterspace"[..]));

        let r = parse_request_line(b"GET /gen.php?x=1");
        assert_eq!(r.uri.as_deref(), Some(&b"/gen.php?x=1"[..]));
        assert!(r.is_0_9());

        let r = parse_request_line(b"  get\t/a\tHTTP/1.0");
        assert!(r.leading_whitespace && r.method_delim_non_compliant);
        assert!(r.uri_delim_non_compliant);
        assert_eq!(r.method, b"get");
        assert_eq!(r.uri.as_deref(), Some(&b"/a"[..]));
        assert_eq!(r.protocol.as_deref(), Some(&b"HTTP/1.0"[..]));

        let r = parse_request_line(b"GET");
        assert!(r.uri.is_none() && r.is_0_9());
        assert_eq!(Method::from_bytes(b"get"), Method::Unknown);
        assert_eq!(Method::from_bytes(b"PROPFIND"), Method::OtherKnown);
    }

    #[test]
    fn response_lines() {
        let r = parse_response_line(b"HTTP/1.1 200 OK");
        assert_eq!(r.status_number(), Some(200));
        assert_eq!(r.message.as_deref(), Some(&b"OK"[..]));

        let r = parse_response_line(b"HTTP/1.1");
        assert!(r.status.is_none() && r.status_number().is_none());

        let r = parse_response_line(b"HTTP/1.1 101");
        assert_eq!(r.status_number(), Some(101));
        assert!(r.message.is_none());

        let r = parse_response_line(b"HTTP/1.01 200 ok");
        assert_eq!(r.status_number(), Some(200));
    }

    #[test]
    fn authorization() {
        assert_eq!(auth_type(None), AuthType::None);
        assert_eq!(auth_type(Some(b"BEARER abc")), AuthType::Bearer);
        assert_eq!(auth_type(Some(b"Basic Zm9v")), AuthType::Basic);
        assert_eq!(
            auth_type(Some(b"Turbo customAuthDataHere")),
            AuthType::Unrecognized
        );
    }

    #[test]
    fn content_disposition() {
        let v = b"attachment; filename=\"eicar.txt\"";
        assert_eq!(disposition_param(v, b"filename="), Some(&b"eicar.txt"[..]));
        let v = b"form-data; name=\"f\"; filename=a.bin";
        assert_eq!(disposition_param(v, b"filename="), Some(&b"a.bin"[..]));
        assert_eq!(disposition_param(b"inline", b"filename="), None);
        assert_eq!(disposition_param(b"", b"filename="), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type_mime(b" Text/HTML; charset=x"), b"text/html");
        assert_eq!(
            multipart_boundary(b"multipart/form-data; boundary=----abc"),
            Some(b"----abc".to_vec())
        );
        assert_eq!(
            multipart_boundary(b"multipart/form-data; boundary=\"q q\""),
            Some(b"q q".to_vec())
        );
        assert_eq!(multipart_boundary(b"text/plain; boundary=x"), None);
    }
}
