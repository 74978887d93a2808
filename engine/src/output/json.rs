//! A small JSON writer appending straight to a byte buffer, after
//! Suricata's `JsonBuilder`.
//!
//! EVE records used to be built as `serde_json::Value` trees (a heap
//! `String` per key, a `BTreeMap` per object) and serialized afterwards;
//! with ~100 k records per capture that tree building was a fifth of a
//! worker's time. Writers here emit each field in place instead. The
//! caller orders the fields; EVE writers keep the order the `Value` trees
//! had (keys sorted inside protocol objects) so the output stays stable.
//!
//! Strings are escaped exactly as `serde_json` escapes them (`"`, `\`,
//! control characters; nothing else), numbers are written in decimal, so
//! a record reads the same whichever path wrote it.

use std::io;
use std::net::IpAddr;

use serde::Serialize;

use super::time::{self, Ts};

/// Appends JSON to a `Vec<u8>`, tracking only whether the next member or
/// element needs a separating comma. Objects and arrays are opened and
/// closed by the caller, which keeps them balanced.
pub struct JsonBuf<'a> {
    out: &'a mut Vec<u8>,
    comma: bool,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl<'a> JsonBuf<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> JsonBuf<'a> {
        JsonBuf { out, comma: false }
    }

    fn sep(&mut self) {
        if self.comma {
            self.out.push(b',');
        }
    }

    /// Writes `"k":` (after a comma when needed); the value must follow.
    fn key(&mut self, k: &str) {
        self.sep();
        self.out.push(b'"');
        escape_into(self.out, k);
        self.out.extend_from_slice(b"\":");
    }

    /// Opens the object that is the value of member `k`.
    pub fn open_object(&mut self, k: &str) {
        self.key(k);
        self.out.push(b'{');
        self.comma = false;
    }

    /// Opens an object as an array element (or the top-level value).
    pub fn begin_object(&mut self) {
        self.sep();
        self.out.push(b'{');
        self.comma = false;
    }

    /// Closes the innermost object.
    pub fn close_object(&mut self) {
        self.out.push(b'}');
        self.comma = true;
    }

    /// Opens the array that is the value of member `k`.
    pub fn open_array(&mut self, k: &str) {
        self.key(k);
        self.out.push(b'[');
        self.comma = false;
    }

    /// Closes the innermost array.
    pub fn close_array(&mut self) {
        self.out.push(b']');
        self.comma = true;
    }

    /// Member `k` with string value `v`.
    pub fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        quoted(self.out, v);
        self.comma = true;
    }

    /// Array element: string `v`.
    pub fn elem_str(&mut self, v: &str) {
        self.sep();
        quoted(self.out, v);
        self.comma = true;
    }

    /// Member `k` with the string of `v`'s bytes, UTF-8 when the whole is
    /// valid UTF-8, else ASCII bytes as characters and every other byte as
    /// a literal `\xNN` (Suricata's JsonBuilder on DNS names, SSH banners).
    pub fn str_ascii_or_hex(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        ascii_or_hex(self.out, v);
        self.comma = true;
    }

    /// Array element: as [`JsonBuf::str_ascii_or_hex`].
    pub fn elem_ascii_or_hex(&mut self, v: &[u8]) {
        self.sep();
        ascii_or_hex(self.out, v);
        self.comma = true;
    }

    /// Member `k` with the string of `v`'s bytes: valid UTF-8 sequences
    /// kept, each byte of an invalid one as a literal `\xNN` (HTTP fields).
    pub fn str_utf8_or_hex(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        self.out.push(b'"');
        let mut rest = v;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    escape_into(self.out, s);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    escape_into(self.out, std::str::from_utf8(good).unwrap_or_default());
                    let n = e.error_len().unwrap_or(bad.len()).max(1).min(bad.len());
                    let (invalid, tail) = bad.split_at(n);
                    for &b in invalid {
                        hex_escape(self.out, b);
                    }
                    rest = tail;
                }
            }
        }
        self.out.push(b'"');
        self.comma = true;
    }

    /// Member `k` with an unsigned number.
    pub fn u64(&mut self, k: &str, v: u64) {
        self.key(k);
        push_u64(self.out, v);
        self.comma = true;
    }

    /// Array element: an unsigned number.
    pub fn elem_u64(&mut self, v: u64) {
        self.sep();
        push_u64(self.out, v);
        self.comma = true;
    }

    /// Member `k` with a signed number.
    pub fn i64(&mut self, k: &str, v: i64) {
        self.key(k);
        if v < 0 {
            self.out.push(b'-');
        }
        push_u64(self.out, v.unsigned_abs());
        self.comma = true;
    }

    /// Member `k` with `true` or `false`.
    pub fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        self.comma = true;
    }

    /// Member `k` with an EVE timestamp string
    /// (`2021-02-05T07:34:50.000003+0000`).
    pub fn timestamp(&mut self, k: &str, ts: Ts) {
        self.key(k);
        self.out.push(b'"');
        time::write_eve(self.out, ts);
        self.out.push(b'"');
        self.comma = true;
    }

    /// Member `k` with an address as EVE writes it (see
    /// [`super::EveAddr`]).
    pub fn ip(&mut self, k: &str, ip: IpAddr) {
        self.key(k);
        self.out.push(b'"');
        push_ip(self.out, ip);
        self.out.push(b'"');
        self.comma = true;
    }

    /// Array element: an address as [`JsonBuf::ip`] writes it.
    pub fn elem_ip(&mut self, ip: IpAddr) {
        self.sep();
        self.out.push(b'"');
        push_ip(self.out, ip);
        self.out.push(b'"');
        self.comma = true;
    }

    /// Member `k` with `v` as lower-case hex, two digits per byte, with
    /// `sep` between bytes when given (`ab:cd`).
    pub fn str_hex(&mut self, k: &str, v: &[u8], sep: Option<u8>) {
        self.key(k);
        self.out.push(b'"');
        for (i, &b) in v.iter().enumerate() {
            if let (Some(c), true) = (sep, i > 0) {
                self.out.push(c);
            }
            push_hex_byte(self.out, b);
        }
        self.out.push(b'"');
        self.comma = true;
    }

    /// Member `k` with JSON text `json` already encoded (an object written
    /// once and shared by several records).
    pub fn raw(&mut self, k: &str, json: &[u8]) {
        self.key(k);
        self.out.extend_from_slice(json);
        self.comma = true;
    }

    /// Member `k` with any serializable value (for the rare members that
    /// are still `serde_json::Value`s, such as flow variables).
    pub fn serialize<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) -> io::Result<()> {
        self.key(k);
        serde_json::to_writer(&mut *self.out, v).map_err(io::Error::other)?;
        self.comma = true;
        Ok(())
    }

    /// Writes the members of `v` (which must serialize as an object, or as
    /// nothing: `null`, `()`) into the open object, as `#[serde(flatten)]`
    /// would.
    pub fn flatten<T: Serialize + ?Sized>(&mut self, v: &T) -> io::Result<()> {
        let mark = self.out.len();
        serde_json::to_writer(&mut *self.out, v).map_err(io::Error::other)?;
        match self.out.get(mark..) {
            Some(b"null" | b"{}") => self.out.truncate(mark),
            Some([b'{', .., b'}']) => {
                self.out.pop();
                if self.comma {
                    if let Some(b) = self.out.get_mut(mark) {
                        *b = b',';
                    }
                } else {
                    self.out.remove(mark);
                }
                self.comma = true;
            }
            _ => {
                self.out.truncate(mark);
                return Err(io::Error::other("flattened value is not an object"));
            }
        }
        Ok(())
    }
}

/// The object whose members `members` writes, as a `serde_json::Value`
/// (for tests and callers that inspect records rather than write them).
pub fn to_value(members: impl FnOnce(&mut JsonBuf<'_>)) -> serde_json::Value {
    let mut out = Vec::new();
    let mut j = JsonBuf::new(&mut out);
    j.begin_object();
    members(&mut j);
    j.close_object();
    serde_json::from_slice(&out).unwrap_or_default()
}

/// `s` as a quoted JSON string.
fn quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s);
    out.push(b'"');
}

/// Bytes that need escaping in a JSON string: `"`, `\`, controls.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// `s` escaped for a JSON string body, as `serde_json` does it: `"` and
/// `\` backslashed, control characters as `\n`-style or `\u00XX`.
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !NEEDS_ESCAPE[usize::from(b)] {
            continue;
        }
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// The literal text `\xNN` for byte `b`, JSON-escaped (`\\xNN`).
fn hex_escape(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(b"\\\\x");
    out.push(HEX[usize::from(b >> 4)]);
    out.push(HEX[usize::from(b & 0xf)]);
}

/// See [`JsonBuf::str_ascii_or_hex`].
fn ascii_or_hex(out: &mut Vec<u8>, v: &[u8]) {
    match std::str::from_utf8(v) {
        Ok(s) => quoted(out, s),
        Err(_) => {
            out.push(b'"');
            for &b in v {
                if b < 0x80 {
                    let one = [b];
                    escape_into(out, std::str::from_utf8(&one).unwrap_or_default());
                } else {
                    hex_escape(out, b);
                }
            }
            out.push(b'"');
        }
    }
}

/// `v` in decimal.
pub(crate) fn push_u64(out: &mut Vec<u8>, v: u64) {
    push_padded(out, v, 1);
}

/// `v` in decimal, zero-padded to at least `width` digits (`{:0width$}`).
pub(crate) fn push_padded(out: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push(b'0');
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// `v` as lower-case hex, zero-padded to two digits per byte.
pub(crate) fn push_hex_byte(out: &mut Vec<u8>, b: u8) {
    out.push(HEX[usize::from(b >> 4)]);
    out.push(HEX[usize::from(b & 0xf)]);
}

/// An address as [`super::EveAddr`] displays it, without formatting
/// machinery: dotted IPv4, or eight four-digit hex groups.
pub(crate) fn push_ip(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                push_u64(out, u64::from(o));
            }
        }
        IpAddr::V6(v6) => {
            for (i, g) in v6.segments().into_iter().enumerate() {
                if i > 0 {
                    out.push(b':');
                }
                let [hi, lo] = g.to_be_bytes();
                push_hex_byte(out, hi);
                push_hex_byte(out, lo);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn build(f: impl FnOnce(&mut JsonBuf<'_>)) -> String {
        let mut out = Vec::new();
        let mut j = JsonBuf::new(&mut out);
        j.begin_object();
        f(&mut j);
        j.close_object();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let nasty = "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é/\u{2028}";
        let got = build(|j| j.str("k\"", nasty));
        let want = serde_json::to_string(&json!({"k\"": nasty})).unwrap();
        assert_eq!(got, want);
    }

    #[test]
    fn nesting_and_commas() {
        let got = build(|j| {
            j.u64("a", 0);
            j.open_array("b");
            j.elem_str("x");
            j.begin_object();
            j.bool("t", true);
            j.i64("n", -42);
            j.close_object();
            j.close_array();
            j.open_object("c");
            j.close_object();
            j.u64("d", u64::MAX);
        });
        assert_eq!(
            got,
            r#"{"a":0,"b":["x",{"t":true,"n":-42}],"c":{},"d":18446744073709551615}"#
        );
    }

    #[test]
    fn byte_strings_like_suricata() {
        let hex = build(|j| j.str_ascii_or_hex("n", b"a\xffb\"\xc3\xa9"));
        assert_eq!(hex, r#"{"n":"a\\xffb\"\\xc3\\xa9"}"#);
        let utf8 = build(|j| j.str_ascii_or_hex("n", "é".as_bytes()));
        assert_eq!(utf8, r#"{"n":"é"}"#);
        let mixed = build(|j| j.str_utf8_or_hex("n", b"\xc3\xa9\xff\xfe\"x\xe2\x82"));
        assert_eq!(mixed, r#"{"n":"é\\xff\\xfe\"x\\xe2\\x82"}"#);
    }

    #[test]
    fn flatten_splices_object_members() {
        let got = build(|j| {
            j.u64("a", 1);
            j.flatten(&json!({"b": 2, "c": [3]})).unwrap();
            j.flatten(&json!({})).unwrap();
            j.flatten(&()).unwrap();
            j.u64("d", 4);
        });
        assert_eq!(got, r#"{"a":1,"b":2,"c":[3],"d":4}"#);
        let first = build(|j| j.flatten(&json!({"b": 2})).unwrap());
        assert_eq!(first, r#"{"b":2}"#);
        let mut out = Vec::new();
        assert!(JsonBuf::new(&mut out).flatten(&3).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn numbers_addresses_and_padding() {
        let mut out = Vec::new();
        push_padded(&mut out, 7, 4);
        out.push(b' ');
        push_padded(&mut out, 123_456_789, 6);
        out.push(b' ');
        push_ip(&mut out, "fd01::101:101".parse().unwrap());
        out.push(b' ');
        push_ip(&mut out, "192.0.2.255".parse().unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0007 123456789 fd01:0000:0000:0000:0000:0000:0101:0101 192.0.2.255"
        );
    }
}
