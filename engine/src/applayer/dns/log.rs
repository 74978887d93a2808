//! The EVE `dns` object in Suricata 8's version 3 format.
//!
//! One object describes one message (request or response): header fields,
//! `queries`, then `answers` (detailed, one object per record and per TXT
//! string), `grouped` (rdata collected per record type, for `dns` events
//! in the default configuration), `authorities` and `additionals`. Alerts
//! carry the same object without `grouped`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::parser::{Message, Name, Record};
use super::rdata::{rcode_name, rrtype_name, RData, Soa, Srv, Sshfp};
use super::tx::Tx;

impl Tx {
    /// The `dns` object attached to alerts: detailed answers, no `grouped`.
    pub fn eve(&self) -> Value {
        self.eve_with(false)
    }

    /// The `dns` object of a `dns` event for this request, in the default
    /// format (detailed and grouped). `None` for responses, and — as
    /// Suricata logs nothing then — for messages without questions.
    pub fn eve_request(&self) -> Option<Value> {
        (self.is_request() && !self.message.queries.is_empty()).then(|| self.eve_with(true))
    }

    /// The `dns` object of a `dns` event for this response; see
    /// [`Tx::eve_request`].
    pub fn eve_response(&self) -> Option<Value> {
        (!self.is_request() && !self.message.queries.is_empty()).then(|| self.eve_with(true))
    }

    /// The version 3 object, with or without the `grouped` answers.
    pub fn eve_with(&self, grouped: bool) -> Value {
        let m = &self.message;
        let h = &m.header;
        let mut o = Map::new();
        o.insert("version".into(), json!(3));
        let kind = if self.is_request() {
            "request"
        } else {
            "response"
        };
        o.insert("type".into(), json!(kind));
        o.insert("tx_id".into(), json!(self.id));
        o.insert("id".into(), json!(h.id));
        o.insert("flags".into(), json!(format!("{:x}", h.flags)));
        for (bit, key) in [
            (0x8000, "qr"),
            (0x0400, "aa"),
            (0x0200, "tc"),
            (0x0100, "rd"),
            (0x0080, "ra"),
            (0x0040, "z"),
        ] {
            if h.flags & bit != 0 {
                o.insert(key.into(), json!(true));
            }
        }
        o.insert("opcode".into(), json!(h.opcode()));
        o.insert("rcode".into(), json!(rcode_name(h.rcode())));
        if !m.queries.is_empty() {
            let queries = m.queries.iter().map(|q| {
                let mut qo = Map::new();
                qo.insert("rrname".into(), json!(name_string(&q.name.value)));
                qo.insert("rrtype".into(), json!(rrtype_name(q.rrtype)));
                if q.name.truncated {
                    qo.insert("rrname_truncated".into(), json!(true));
                }
                Value::Object(qo)
            });
            o.insert("queries".into(), Value::Array(queries.collect()));
        }
        if !m.answers.is_empty() {
            o.insert("answers".into(), Value::Array(details(&m.answers)));
            if grouped {
                o.insert("grouped".into(), grouped_answers(m));
            }
        }
        if !m.authorities.is_empty() {
            o.insert("authorities".into(), Value::Array(details(&m.authorities)));
        }
        // OPT records without options are not worth an entry.
        let additionals: Vec<Record> = m
            .additionals
            .iter()
            .filter(|r| !matches!(&r.data, RData::Opt(opts) if opts.is_empty()))
            .cloned()
            .collect();
        if !additionals.is_empty() {
            o.insert("additionals".into(), Value::Array(details(&additionals)));
        }
        Value::Object(o)
    }
}

/// Bytes as Suricata's JSON builder writes them: valid UTF-8 as is, else
/// ASCII bytes as characters and the others as a literal `\xNN`.
pub(crate) fn name_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            for &b in bytes {
                if b < 0x80 {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out
        }
    }
}

/// An address as Suricata prints it: dotted IPv4, or eight zero-padded
/// hex groups for IPv6; other lengths print empty.
fn addr_string(a: &[u8]) -> String {
    match a {
        [a, b, c, d] => format!("{a}.{b}.{c}.{d}"),
        _ if a.len() == 16 => a
            .chunks(2)
            .map(|p| p.iter().map(|b| format!("{b:02x}")).collect::<String>())
            .collect::<Vec<_>>()
            .join(":"),
        _ => String::new(),
    }
}

fn soa_json(s: &Soa) -> Value {
    let mut o = Map::new();
    o.insert("mname".into(), json!(name_string(&s.mname.value)));
    if s.mname.truncated {
        o.insert("mname_truncated".into(), json!(true));
    }
    o.insert("rname".into(), json!(name_string(&s.rname.value)));
    if s.rname.truncated {
        o.insert("rname_truncated".into(), json!(true));
    }
    o.insert("serial".into(), json!(s.serial));
    o.insert("refresh".into(), json!(s.refresh));
    o.insert("retry".into(), json!(s.retry));
    o.insert("expire".into(), json!(s.expire));
    o.insert("minimum".into(), json!(s.minimum));
    Value::Object(o)
}

fn sshfp_json(s: &Sshfp) -> Value {
    let fp: Vec<String> = s.fingerprint.iter().map(|b| format!("{b:02x}")).collect();
    json!({"fingerprint": fp.join(":"), "algo": s.algo, "type": s.fp_type})
}

fn srv_json(s: &Srv) -> Value {
    json!({
        "priority": s.priority,
        "weight": s.weight,
        "port": s.port,
        "name": name_string(&s.target.value),
    })
}

/// Detailed entries: one per record, one per string for TXT records.
fn details(records: &[Record]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in records {
        match &r.data {
            RData::Txt(strings) => {
                out.extend(strings.iter().map(|s| detail(r, Some(s))));
            }
            _ => out.push(detail(r, None)),
        }
    }
    out
}

fn detail(r: &Record, txt: Option<&Vec<u8>>) -> Value {
    let mut o = Map::new();
    o.insert("rrname".into(), json!(name_string(&r.name.value)));
    if r.name.truncated {
        o.insert("rrname_truncated".into(), json!(true));
    }
    o.insert("rrtype".into(), json!(rrtype_name(r.rrtype)));
    o.insert("ttl".into(), json!(r.ttl));
    let mut name_rdata = |n: &Name| {
        o.insert("rdata".into(), json!(name_string(&n.value)));
        if n.truncated {
            o.insert("rdata_truncated".into(), json!(true));
        }
    };
    match &r.data {
        RData::A(a) | RData::Aaaa(a) => {
            o.insert("rdata".into(), json!(addr_string(a)));
        }
        RData::Cname(n) | RData::Mx(n) | RData::Ns(n) | RData::Ptr(n) => name_rdata(n),
        RData::Txt(_) => {
            if let Some(s) = txt {
                o.insert("rdata".into(), json!(name_string(s)));
            }
        }
        RData::Null(b) => {
            o.insert("rdata".into(), json!(name_string(b)));
        }
        RData::Soa(s) => {
            o.insert("soa".into(), soa_json(s));
        }
        RData::Sshfp(s) => {
            o.insert("sshfp".into(), sshfp_json(s));
        }
        RData::Srv(s) => {
            o.insert("srv".into(), srv_json(s));
        }
        RData::Opt(opts) => {
            let list = opts.iter().map(|e| {
                let hex: String = e.data.iter().map(|b| format!("{b:02x}")).collect();
                json!({"code": e.code, "data": hex})
            });
            o.insert("opt".into(), Value::Array(list.collect()));
        }
        RData::Unknown(_) => {}
    }
    Value::Object(o)
}

/// `grouped`: for each record type, the answers' rdata in order.
fn grouped_answers(m: &Message) -> Value {
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in &m.answers {
        let values: Vec<Value> = match &r.data {
            RData::A(a) | RData::Aaaa(a) => vec![json!(addr_string(a))],
            RData::Cname(n) | RData::Mx(n) | RData::Ns(n) | RData::Ptr(n) => {
                vec![json!(name_string(&n.value))]
            }
            RData::Txt(strings) => strings.iter().map(|s| json!(name_string(s))).collect(),
            RData::Null(b) => vec![json!(name_string(b))],
            RData::Soa(s) => vec![soa_json(s)],
            RData::Sshfp(s) => vec![sshfp_json(s)],
            RData::Srv(s) => vec![srv_json(s)],
            RData::Opt(_) | RData::Unknown(_) => continue,
        };
        groups
            .entry(rrtype_name(r.rrtype))
            .or_default()
            .extend(values);
    }
    let map: Map<String, Value> = groups
        .into_iter()
        .map(|(k, v)| (k, Value::Array(v)))
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applayer::dns::fixtures::RESPONSE;
    use crate::applayer::dns::parser::parse_message;
    use crate::capture::Timestamp;
    use crate::flow::Direction;

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
        assert_eq!(addr_string(&v6), "2001:0db8:0000:0000:0000:0000:0000:0001");
        assert_eq!(addr_string(&[1, 2]), "");
        assert_eq!(name_string(b"a\xffb"), "a\\xffb");
        assert_eq!(name_string("é".as_bytes()), "é");
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
