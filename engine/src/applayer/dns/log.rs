//! The EVE `dns` object in Suricata 8's version 3 format.
//!
//! One object describes one message (request or response): header fields,
//! `queries`, then `answers` (detailed, one object per record and per TXT
//! string), `grouped` (rdata collected per record type, for `dns` events
//! in the default configuration), `authorities` and `additionals`. Alerts
//! carry the same object without `grouped`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use super::parser::{Message, Name, Record};
use super::rdata::{rcode_name, rrtype_name, RData, Soa, Srv, Sshfp};
use super::tx::Tx;
use crate::output::json::{self, JsonBuf};

impl Tx {
    /// The `dns` object attached to alerts (detailed answers, no
    /// `grouped`), as a `Value`; [`Tx::write_eve`] writes it.
    pub fn eve(&self) -> Value {
        self.eve_with(false)
    }

    /// The `dns` object of a `dns` event for this request, in the default
    /// format (detailed and grouped). `None` for responses, and — as
    /// Suricata logs nothing then — for messages without questions.
    pub fn eve_request(&self) -> Option<Value> {
        (self.is_request() && self.logs_event()).then(|| self.eve_with(true))
    }

    /// The `dns` object of a `dns` event for this response; see
    /// [`Tx::eve_request`].
    pub fn eve_response(&self) -> Option<Value> {
        (!self.is_request() && self.logs_event()).then(|| self.eve_with(true))
    }

    /// The version 3 object, with or without the `grouped` answers.
    pub fn eve_with(&self, grouped: bool) -> Value {
        json::to_value(|j| self.write_eve(j, grouped))
    }

    /// Whether this message gets a `dns` event (in the detailed and
    /// grouped form): Suricata logs nothing for messages without
    /// questions.
    pub fn logs_event(&self) -> bool {
        !self.message.queries.is_empty()
    }

    /// Writes the members of the version 3 object into the open object
    /// `j`, with or without the `grouped` answers. Members come in key
    /// order, as the `Value` maps this replaced had them.
    pub fn write_eve(&self, j: &mut JsonBuf<'_>, grouped: bool) {
        let m = &self.message;
        let h = &m.header;
        let flag = |bit: u16| h.flags & bit != 0;
        if flag(0x0400) {
            j.bool("aa", true);
        }
        // OPT records without options are not worth an entry.
        let shown = |r: &&Record| !matches!(&r.data, RData::Opt(opts) if opts.is_empty());
        if m.additionals.iter().any(|r| shown(&r)) {
            details(j, "additionals", m.additionals.iter().filter(shown));
        }
        if !m.answers.is_empty() {
            details(j, "answers", m.answers.iter());
        }
        if !m.authorities.is_empty() {
            details(j, "authorities", m.authorities.iter());
        }
        j.str("flags", hex_u16(h.flags).as_str());
        if grouped && !m.answers.is_empty() {
            grouped_answers(j, m);
        }
        j.u64("id", h.id.into());
        j.u64("opcode", h.opcode().into());
        if flag(0x8000) {
            j.bool("qr", true);
        }
        if !m.queries.is_empty() {
            j.open_array("queries");
            for q in &m.queries {
                j.begin_object();
                j.str_ascii_or_hex("rrname", &q.name.value);
                if q.name.truncated {
                    j.bool("rrname_truncated", true);
                }
                j.str("rrtype", &rrtype_name(q.rrtype));
                j.close_object();
            }
            j.close_array();
        }
        if flag(0x0080) {
            j.bool("ra", true);
        }
        j.str("rcode", &rcode_name(h.rcode()));
        if flag(0x0100) {
            j.bool("rd", true);
        }
        if flag(0x0200) {
            j.bool("tc", true);
        }
        j.u64("tx_id", self.id);
        let kind = if self.is_request() {
            "request"
        } else {
            "response"
        };
        j.str("type", kind);
        j.u64("version", 3);
        if flag(0x0040) {
            j.bool("z", true);
        }
    }
}

/// `v` in lower-case hex without leading zeros (`{:x}`).
struct Hex16 {
    buf: [u8; 4],
    len: usize,
}

impl Hex16 {
    fn as_str(&self) -> &str {
        let start = self.buf.len() - self.len;
        self.buf
            .get(start..)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

fn hex_u16(mut v: u16) -> Hex16 {
    let mut h = Hex16 {
        buf: [b'0'; 4],
        len: 1,
    };
    let mut i = h.buf.len();
    while v != 0 && i > 0 {
        i -= 1;
        if let Some(d) = h.buf.get_mut(i) {
            *d = b"0123456789abcdef"[usize::from(v & 0xf)];
        }
        v >>= 4;
    }
    h.len = (h.buf.len() - i).max(1);
    h
}

/// An address as Suricata prints it: dotted IPv4, or eight zero-padded
/// hex groups for IPv6; other lengths print empty.
fn addr_of(a: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(a) {
        return Some(Ipv4Addr::from(v4).into());
    }
    <[u8; 16]>::try_from(a)
        .ok()
        .map(|v6| Ipv6Addr::from(v6).into())
}

fn write_addr(j: &mut JsonBuf<'_>, k: &str, a: &[u8]) {
    match addr_of(a) {
        Some(ip) => j.ip(k, ip),
        None => j.str(k, ""),
    }
}

fn elem_addr(j: &mut JsonBuf<'_>, a: &[u8]) {
    match addr_of(a) {
        Some(ip) => j.elem_ip(ip),
        None => j.elem_str(""),
    }
}

fn soa_members(j: &mut JsonBuf<'_>, s: &Soa) {
    j.u64("expire", s.expire.into());
    j.u64("minimum", s.minimum.into());
    j.str_ascii_or_hex("mname", &s.mname.value);
    if s.mname.truncated {
        j.bool("mname_truncated", true);
    }
    j.u64("refresh", s.refresh.into());
    j.u64("retry", s.retry.into());
    j.str_ascii_or_hex("rname", &s.rname.value);
    if s.rname.truncated {
        j.bool("rname_truncated", true);
    }
    j.u64("serial", s.serial.into());
}

fn sshfp_members(j: &mut JsonBuf<'_>, s: &Sshfp) {
    j.u64("algo", s.algo.into());
    j.str_hex("fingerprint", &s.fingerprint, Some(b':'));
    j.u64("type", s.fp_type.into());
}

fn srv_members(j: &mut JsonBuf<'_>, s: &Srv) {
    j.str_ascii_or_hex("name", &s.target.value);
    j.u64("port", s.port.into());
    j.u64("priority", s.priority.into());
    j.u64("weight", s.weight.into());
}

/// Array `k` of detailed entries: one per record, one per string for
/// TXT records.
fn details<'r>(j: &mut JsonBuf<'_>, k: &str, records: impl Iterator<Item = &'r Record>) {
    j.open_array(k);
    for r in records {
        match &r.data {
            RData::Txt(strings) => {
                for s in strings {
                    detail(j, r, Some(s));
                }
            }
            _ => detail(j, r, None),
        }
    }
    j.close_array();
}

/// One detailed entry, members in key order (`opt`, `rdata`, `rrname`,
/// `rrtype`, `soa`, `srv`, `sshfp`, `ttl`).
fn detail(j: &mut JsonBuf<'_>, r: &Record, txt: Option<&Vec<u8>>) {
    j.begin_object();
    if let RData::Opt(opts) = &r.data {
        j.open_array("opt");
        for e in opts {
            j.begin_object();
            j.u64("code", e.code.into());
            j.str_hex("data", &e.data, None);
            j.close_object();
        }
        j.close_array();
    }
    let name_rdata = |j: &mut JsonBuf<'_>, n: &Name| {
        j.str_ascii_or_hex("rdata", &n.value);
        if n.truncated {
            j.bool("rdata_truncated", true);
        }
    };
    match &r.data {
        RData::A(a) | RData::Aaaa(a) => write_addr(j, "rdata", a),
        RData::Cname(n) | RData::Mx(n) | RData::Ns(n) | RData::Ptr(n) => name_rdata(j, n),
        RData::Txt(_) => {
            if let Some(s) = txt {
                j.str_ascii_or_hex("rdata", s);
            }
        }
        RData::Null(b) => j.str_ascii_or_hex("rdata", b),
        _ => {}
    }
    j.str_ascii_or_hex("rrname", &r.name.value);
    if r.name.truncated {
        j.bool("rrname_truncated", true);
    }
    j.str("rrtype", &rrtype_name(r.rrtype));
    match &r.data {
        RData::Soa(s) => {
            j.open_object("soa");
            soa_members(j, s);
            j.close_object();
        }
        RData::Srv(s) => {
            j.open_object("srv");
            srv_members(j, s);
            j.close_object();
        }
        RData::Sshfp(s) => {
            j.open_object("sshfp");
            sshfp_members(j, s);
            j.close_object();
        }
        _ => {}
    }
    j.u64("ttl", r.ttl.into());
    j.close_object();
}

/// `grouped`: for each record type (in name order), the answers' rdata
/// in order.
fn grouped_answers(j: &mut JsonBuf<'_>, m: &Message) {
    let mut groups: Vec<(std::borrow::Cow<'static, str>, &Record)> = m
        .answers
        .iter()
        .filter(|r| !matches!(r.data, RData::Opt(_) | RData::Unknown(_)))
        .map(|r| (rrtype_name(r.rrtype), r))
        .collect();
    // Stable: records of one type keep their order.
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    j.open_object("grouped");
    let mut current: Option<&str> = None;
    for (name, r) in &groups {
        if current != Some(name.as_ref()) {
            if current.is_some() {
                j.close_array();
            }
            j.open_array(name);
            current = Some(name.as_ref());
        }
        match &r.data {
            RData::A(a) | RData::Aaaa(a) => elem_addr(j, a),
            RData::Cname(n) | RData::Mx(n) | RData::Ns(n) | RData::Ptr(n) => {
                j.elem_ascii_or_hex(&n.value);
            }
            RData::Txt(strings) => {
                for s in strings {
                    j.elem_ascii_or_hex(s);
                }
            }
            RData::Null(b) => j.elem_ascii_or_hex(b),
            RData::Soa(s) => {
                j.begin_object();
                soa_members(j, s);
                j.close_object();
            }
            RData::Sshfp(s) => {
                j.begin_object();
                sshfp_members(j, s);
                j.close_object();
            }
            RData::Srv(s) => {
                j.begin_object();
                srv_members(j, s);
                j.close_object();
            }
            RData::Opt(_) | RData::Unknown(_) => {}
        }
    }
    if current.is_some() {
        j.close_array();
    }
    j.close_object();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applayer::dns::fixtures::RESPONSE;
    use crate::applayer::dns::parser::parse_message;
    use crate::capture::Timestamp;
    use crate::flow::Direction;
    use serde_json::json;

    fn tx(bytes: &[u8], dir: Direction) -> Tx {
        let (message, _) = parse_message(bytes, 1 << 20).unwrap();
        Tx {
            id: 1,
            dir,
            message,
            events: Vec::new(),
            ts: Timestamp::default(),
        }
    }

    #[test]
    fn response_object_matches_suricata_v3() {
        let t = tx(RESPONSE, Direction::ToClient);
        let v = t.eve_response().unwrap();
        assert_eq!(v["version"], 3);
        assert_eq!(v["type"], "response");
        assert_eq!(v["tx_id"], 1);
        assert_eq!(v["id"], 0x8d32);
        assert_eq!(v["flags"], "81a0");
        assert_eq!(v["qr"], true);
        assert_eq!(v["rd"], true);
        assert_eq!(v["ra"], true);
        assert!(v.get("aa").is_none() && v.get("z").is_none());
        assert_eq!(v["opcode"], 0);
        assert_eq!(v["rcode"], "NOERROR");
        assert_eq!(v["queries"][0]["rrname"], "www.suricata-ids.org");
        assert_eq!(v["queries"][0]["rrtype"], "A");
        assert_eq!(v["answers"][0]["rrtype"], "CNAME");
        assert_eq!(v["answers"][0]["rdata"], "suricata-ids.org");
        assert_eq!(v["answers"][0]["ttl"], 3544);
        assert_eq!(v["answers"][1]["rdata"], "192.0.78.24");
        assert_eq!(v["grouped"]["A"], json!(["192.0.78.24", "192.0.78.25"]));
        assert_eq!(v["grouped"]["CNAME"], json!(["suricata-ids.org"]));
        assert!(t.eve().get("grouped").is_none());
        assert!(t.eve_request().is_none());
    }

    #[test]
    fn addresses_and_odd_bytes_print_like_suricata() {
        let v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let v = json::to_value(|j| {
            write_addr(j, "v6", &v6);
            write_addr(j, "short", &[1, 2]);
            j.str_ascii_or_hex("odd", b"a\xffb");
            j.str_ascii_or_hex("utf8", "é".as_bytes());
        });
        assert_eq!(v["v6"], "2001:0db8:0000:0000:0000:0000:0000:0001");
        assert_eq!(v["short"], "");
        assert_eq!(v["odd"], "a\\xffb");
        assert_eq!(v["utf8"], "é");
        assert_eq!(hex_u16(0).as_str(), "0");
        assert_eq!(hex_u16(0x81a0).as_str(), "81a0");
        assert_eq!(hex_u16(0x0100).as_str(), "100");
    }

    #[test]
    fn txt_soa_and_opt_details() {
        // Response with a TXT answer of two strings, an SOA authority and
        // an empty OPT additional.
        let mut m = vec![0, 7, 0x81, 0x80, 0, 1, 0, 1, 0, 1, 0, 1];
        m.extend_from_slice(&[1, b'x', 0, 0, 16, 0, 1]);
        m.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 4, 1, b'a', 1, b'b']);
        m.extend_from_slice(&[0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 9, 0, 24, 0xc0, 12, 0xc0, 12]);
        for v in [1u32, 2, 3, 4, 5] {
            m.extend_from_slice(&v.to_be_bytes());
        }
        m.extend_from_slice(&[0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
        let t = tx(&m, Direction::ToClient);
        let v = t.eve_with(true);
        assert_eq!(v["answers"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["answers"][1]["rdata"], "b");
        assert_eq!(v["grouped"]["TXT"], json!(["a", "b"]));
        assert_eq!(v["authorities"][0]["soa"]["mname"], "x");
        assert_eq!(v["authorities"][0]["soa"]["minimum"], 5);
        assert!(v.get("additionals").is_none());
    }

    #[test]
    fn questionless_messages_are_not_logged_as_events() {
        let m = [0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0];
        let t = tx(&m, Direction::ToClient);
        assert!(t.eve_response().is_none());
        assert_eq!(t.eve()["type"], "response");
    }
}
