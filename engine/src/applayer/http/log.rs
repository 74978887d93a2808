//! EVE output: the `http` object (Suricata 8 with the default
//! `extended: yes` and no header dumps; `xff` is the raw
//! `X-Forwarded-For` value, which Suricata always logs when present) and
//! the `fileinfo` object.
//!
//! Field set and formats follow `output-json-http.c`: `url` is the request
//! target as sent, `status` a number when valid (`status_string`
//! otherwise), `length` the response body bytes on the wire, and
//! `http_content_type` the response `Content-Type` cut at `;`.

use serde_json::{json, Map, Value};

use super::body::FileInfo;
use super::tx::Tx;

/// Bytes as a JSON string the way Suricata prints them: UTF-8 kept, other
/// bytes escaped as `\xHH`.
pub(crate) fn bytes_str(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut rest = b;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for c in &bad[..n.min(bad.len())] {
                    out.push_str(&format!("\\x{c:02x}"));
                }
                rest = &bad[n.min(bad.len())..];
            }
        }
    }
    out
}

/// Suricata's `content_range` object for a `Content-Range` response header.
fn content_range(raw: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert("raw".into(), Value::String(bytes_str(raw)));
    let s = String::from_utf8_lossy(raw);
    let s = s.trim();
    let s = s.strip_prefix("bytes").map(str::trim_start).unwrap_or(s);
    if let Some((range, size)) = s.split_once('/') {
        if let Some((a, b)) = range.split_once('-') {
            if let (Ok(a), Ok(b)) = (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
                m.insert("start".into(), json!(a));
                m.insert("end".into(), json!(b));
            }
        }
        if let Ok(n) = size.trim().parse::<u64>() {
            m.insert("size".into(), json!(n));
        }
    }
    Value::Object(m)
}

impl Tx {
    /// The `"http": {…}` object.
    pub fn eve(&self) -> Value {
        let mut m = Map::new();
        let s = |b: &[u8]| Value::String(bytes_str(b));
        if let Some(h) = &self.hostname {
            m.insert("hostname".into(), s(h));
        }
        if let Some(p) = self.port {
            m.insert("http_port".into(), json!(p));
        }
        if let Some(u) = &self.uri_raw {
            m.insert("url".into(), s(u));
        }
        if let Some(ua) = self.req.headers.get("user-agent") {
            m.insert("http_user_agent".into(), s(ua));
        }
        if let Some(xff) = self.req.headers.get("x-forwarded-for") {
            m.insert("xff".into(), s(xff));
        }
        if let Some(ct) = self.resp.headers.get("content-type") {
            let cut = ct.iter().position(|&c| c == b';').unwrap_or(ct.len());
            m.insert("http_content_type".into(), s(&ct[..cut]));
        }
        if let Some(cr) = self.resp.headers.get("content-range") {
            m.insert("content_range".into(), content_range(cr));
        }
        if let Some(r) = self.req.headers.get("referer") {
            m.insert("http_refer".into(), s(r));
        }
        if let Some(meth) = &self.method {
            m.insert("http_method".into(), s(meth));
        }
        if let Some(p) = &self.protocol {
            m.insert("protocol".into(), s(p));
        }
        match (self.status_num, &self.status) {
            (Some(n), _) => {
                m.insert("status".into(), json!(n));
            }
            (None, Some(st)) => {
                m.insert("status_string".into(), s(st));
            }
            _ => {}
        }
        if let Some(loc) = self.resp.headers.get("location") {
            m.insert("redirect".into(), s(loc));
        }
        m.insert("length".into(), json!(self.resp.body.message_len));
        Value::Object(m)
    }
}

/// The `"fileinfo": {…}` object for one file, as Suricata writes it
/// (`magic` and `sid` are not produced). The digests are those the parser
/// computed: what `force-hash` asks for, and the `sha256` of a stored file
/// (file-store v2 always has it).
pub fn file_eve(f: &FileInfo) -> Value {
    let mut m = Map::new();
    m.insert("filename".into(), Value::String(bytes_str(&f.filename)));
    m.insert("gaps".into(), Value::Bool(f.gaps));
    m.insert("state".into(), Value::String(f.state.as_str().into()));
    for (k, v) in [("md5", &f.md5), ("sha1", &f.sha1), ("sha256", &f.sha256)] {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    }
    m.insert("stored".into(), Value::Bool(f.stored));
    m.insert("size".into(), json!(f.size));
    m.insert("tx_id".into(), json!(f.tx_id));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::super::body::FileState;
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(bytes_str(b"abc"), "abc");
        assert_eq!(bytes_str(b"a\xffb"), "a\\xffb");
        assert_eq!(bytes_str("é".as_bytes()), "é");
    }

    #[test]
    fn content_ranges() {
        let v = content_range(b"bytes 0-99/1000");
        assert_eq!(
            v,
            json!({"raw": "bytes 0-99/1000", "start": 0, "end": 99, "size": 1000})
        );
        let v = content_range(b"bytes */1000");
        assert_eq!(v, json!({"raw": "bytes */1000", "size": 1000}));
    }

    #[test]
    fn fileinfo_object() {
        let f = FileInfo {
            filename: b"eicar.txt".to_vec(),
            size: 68,
            state: FileState::Closed,
            gaps: false,
            stored: false,
            tx_id: 0,
            to_server: false,
            md5: Some("44d88612fea8a8f36de82e1278abb02f".into()),
            sha1: None,
            sha256: None,
        };
        assert_eq!(
            file_eve(&f),
            json!({"filename": "eicar.txt", "gaps": false, "state": "CLOSED",
                   "md5": "44d88612fea8a8f36de82e1278abb02f",
                   "stored": false, "size": 68, "tx_id": 0})
        );
        let bare = FileInfo { md5: None, ..f };
        assert!(file_eve(&bare).get("md5").is_none());
    }
}
