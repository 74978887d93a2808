//! EVE output: the `http` object (Suricata 8 with the default
//! `extended: yes` and no header dumps; `xff` is the raw
//! `X-Forwarded-For` value, which Suricata always logs when present) and
//! the `fileinfo` object.
//!
//! Field set and formats follow `output-json-http.c`: `url` is the request
//! target as sent, `status` a number when valid (`status_string`
//! otherwise), `length` the response body bytes on the wire, and
//! `http_content_type` the response `Content-Type` cut at `;`.

use serde_json::Value;

use super::body::FileInfo;
use super::tx::Tx;
use crate::output::json::{self, JsonBuf};

/// Writes Suricata's `content_range` object for a `Content-Range`
/// response header as member `k` (members in key order).
fn content_range(j: &mut JsonBuf<'_>, k: &str, raw: &[u8]) {
    let s = String::from_utf8_lossy(raw);
    let s = s.trim();
    let s = s.strip_prefix("bytes").map(str::trim_start).unwrap_or(s);
    let mut range = None;
    let mut size = None;
    if let Some((r, total)) = s.split_once('/') {
        if let Some((a, b)) = r.split_once('-') {
            if let (Ok(a), Ok(b)) = (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
                range = Some((a, b));
            }
        }
        size = total.trim().parse::<u64>().ok();
    }
    j.open_object(k);
    if let Some((_, end)) = range {
        j.u64("end", end);
    }
    j.str_utf8_or_hex("raw", raw);
    if let Some(n) = size {
        j.u64("size", n);
    }
    if let Some((start, _)) = range {
        j.u64("start", start);
    }
    j.close_object();
}

impl Tx {
    /// The `"http": {…}` object as a `Value`; [`Tx::write_eve`] writes it.
    pub fn eve(&self) -> Value {
        json::to_value(|j| self.write_eve(j))
    }

    /// Writes the members of the `http` object into the open object `j`,
    /// in key order (the order the `Value` maps this replaced had).
    pub fn write_eve(&self, j: &mut JsonBuf<'_>) {
        if let Some(cr) = self.resp.headers.get("content-range") {
            content_range(j, "content_range", cr);
        }
        if let Some(h) = &self.hostname {
            j.str_utf8_or_hex("hostname", h);
        }
        if let Some(ct) = self.resp.headers.get("content-type") {
            let cut = ct.iter().position(|&c| c == b';').unwrap_or(ct.len());
            j.str_utf8_or_hex("http_content_type", ct.get(..cut).unwrap_or(ct));
        }
        if let Some(meth) = &self.method {
            j.str_utf8_or_hex("http_method", meth);
        }
        if let Some(p) = self.port {
            j.u64("http_port", p.into());
        }
        if let Some(r) = self.req.headers.get("referer") {
            j.str_utf8_or_hex("http_refer", r);
        }
        if let Some(ua) = self.req.headers.get("user-agent") {
            j.str_utf8_or_hex("http_user_agent", ua);
        }
        j.u64("length", self.resp.body.message_len);
        if let Some(p) = &self.protocol {
            j.str_utf8_or_hex("protocol", p);
        }
        if let Some(loc) = self.resp.headers.get("location") {
            j.str_utf8_or_hex("redirect", loc);
        }
        match (self.status_num, &self.status) {
            (Some(n), _) => j.u64("status", n.into()),
            (None, Some(st)) => j.str_utf8_or_hex("status_string", st),
            _ => {}
        }
        if let Some(u) = &self.uri_raw {
            j.str_utf8_or_hex("url", u);
        }
        if let Some(xff) = self.req.headers.get("x-forwarded-for") {
            j.str_utf8_or_hex("xff", xff);
        }
    }
}

/// The `"fileinfo": {…}` object for one file as a `Value`; see
/// [`write_file_eve`].
pub fn file_eve(f: &FileInfo) -> Value {
    json::to_value(|j| write_file_eve(j, f))
}

/// Writes the members of the `fileinfo` object for one file into the
/// open object `j`, in key order, as Suricata writes it (`magic` and
/// `sid` are not produced). The digests are those the parser computed:
/// what `force-hash` asks for, and the `sha256` of a stored file
/// (file-store v2 always has it).
pub fn write_file_eve(j: &mut JsonBuf<'_>, f: &FileInfo) {
    j.str_utf8_or_hex("filename", &f.filename);
    j.bool("gaps", f.gaps);
    for (k, v) in [("md5", &f.md5), ("sha1", &f.sha1), ("sha256", &f.sha256)] {
        if let Some(v) = v {
            j.str(k, v);
        }
    }
    j.u64("size", f.size);
    j.str("state", f.state.as_str());
    j.bool("stored", f.stored);
    j.u64("tx_id", f.tx_id);
}

#[cfg(test)]
mod tests {
    use super::super::body::FileState;
    use super::*;
    use serde_json::json;

    #[test]
    fn escaping() {
        // UTF-8 kept, other bytes as a literal `\xHH`.
        let s = |b: &[u8]| json::to_value(|j| j.str_utf8_or_hex("s", b))["s"].clone();
        assert_eq!(s(b"abc"), "abc");
        assert_eq!(s(b"a\xffb"), "a\\xffb");
        assert_eq!(s("é".as_bytes()), "é");
    }

    #[test]
    fn content_ranges() {
        let cr = |raw: &[u8]| json::to_value(|j| content_range(j, "cr", raw))["cr"].clone();
        assert_eq!(
            cr(b"bytes 0-99/1000"),
            json!({"raw": "bytes 0-99/1000", "start": 0, "end": 99, "size": 1000})
        );
        assert_eq!(
            cr(b"bytes */1000"),
            json!({"raw": "bytes */1000", "size": 1000})
        );
        assert_eq!(
            cr(b"bytes 1-2/x\xff"),
            json!({"raw": "bytes 1-2/x\\xff", "start": 1, "end": 2})
        );
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
