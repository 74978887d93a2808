//! EVE JSON writer (Suricata's schema, one JSON object per line).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::json::JsonBuf;
use super::{has_ports, proto_name, EventCtx};
use crate::evidence::Sha256Writer;

/// The rule side of an alert.
#[derive(Debug, Clone, Copy)]
pub struct AlertInfo<'a> {
    /// EVE `alert.action`: `allowed` for alert rules (and drop rules in IDS mode).
    pub action: &'a str,
    /// Generator id.
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Revision.
    pub rev: u32,
    /// The rule's `msg`.
    pub signature: &'a str,
    /// Classtype description, `""` without classtype.
    pub category: &'a str,
    /// Priority (1 = high).
    pub severity: u8,
    /// `metadata:` entries as written (`key value`).
    pub metadata: &'a [String],
}

/// Appends events to `eve.json`.
pub struct EveWriter {
    path: PathBuf,
    out: BufWriter<Sha256Writer<File>>,
    buf: Vec<u8>,
    written: u64,
}

/// The rule's `metadata` entries grouped as Suricata does,
/// `"metadata": {"key": ["v1", "v2"]}`: keys in order, values in rule
/// order. Nothing without entries.
fn write_metadata(j: &mut JsonBuf<'_>, entries: &[String]) {
    let mut pairs: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once(char::is_whitespace) {
            Some((k, v)) => (k, v.trim()),
            None => (e, ""),
        })
        .collect();
    if pairs.is_empty() {
        return;
    }
    // Stable: a key's values keep their order.
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    j.open_object("metadata");
    let mut current = None;
    for (k, v) in pairs {
        if current != Some(k) {
            if current.is_some() {
                j.close_array();
            }
            j.open_array(k);
            current = Some(k);
        }
        j.elem_str(v);
    }
    j.close_array();
    j.close_object();
}

/// The `alert` object.
fn write_alert(j: &mut JsonBuf<'_>, alert: &AlertInfo<'_>) {
    j.open_object("alert");
    j.str("action", alert.action);
    j.u64("gid", alert.gid.into());
    j.u64("signature_id", alert.sid.into());
    j.u64("rev", alert.rev.into());
    j.str("signature", alert.signature);
    j.str("category", alert.category);
    j.u64("severity", alert.severity.into());
    write_metadata(j, alert.metadata);
    j.close_object();
}

/// The value of a member an alert carries besides its `alert` object.
#[derive(Debug, Clone, Copy)]
pub enum Extra<'a> {
    /// A string.
    Str(&'a str),
    /// A number.
    U64(u64),
    /// JSON text already encoded (a transaction's object, written once
    /// for every alert on it).
    Json(&'a [u8]),
    /// A JSON value (flow variables, tunnel).
    Value(&'a serde_json::Value),
}

/// Appends one `alert` event line to `out`; `extras` are the members
/// that follow the `alert` object (app_proto, the transaction's object,
/// tunnel…), sorted here and written in key order.
pub fn encode_alert(
    out: &mut Vec<u8>,
    pkt: &EventCtx<'_>,
    alert: &AlertInfo<'_>,
    extras: &mut [(&str, Extra<'_>)],
) -> io::Result<()> {
    extras.sort_by(|a, b| a.0.cmp(b.0));
    encode_with(out, pkt, "alert", |j| {
        write_alert(j, alert);
        for (k, v) in extras.iter() {
            match *v {
                Extra::Str(s) => j.str(k, s),
                Extra::U64(n) => j.u64(k, n),
                Extra::Json(raw) => j.raw(k, raw),
                Extra::Value(v) => j.serialize(k, v)?,
            }
        }
        Ok(())
    })
}

/// Appends one event line to `out`: the common envelope (timestamp,
/// flow_id, pcap_cnt, addresses, proto, direction, flow) with `body`'s
/// fields flattened into it.
pub fn encode_event<T: Serialize>(
    out: &mut Vec<u8>,
    pkt: &EventCtx<'_>,
    event_type: &str,
    body: T,
) -> io::Result<()> {
    encode_with(out, pkt, event_type, |j| j.flatten(&body))
}

/// Appends one event line to `out`: the common envelope with the members
/// `body` writes in the middle (after `pkt_src`, before `direction`).
/// Nothing is left in `out` when `body` fails.
pub fn encode_with(
    out: &mut Vec<u8>,
    pkt: &EventCtx<'_>,
    event_type: &str,
    body: impl FnOnce(&mut JsonBuf<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mark = out.len();
    let mut j = JsonBuf::new(out);
    let ports = has_ports(pkt.ip_proto);
    j.begin_object();
    j.timestamp("timestamp", pkt.ts);
    if let Some(f) = &pkt.flow {
        j.u64("flow_id", f.flow_id);
    }
    if pkt.pcap_cnt > 0 {
        j.u64("pcap_cnt", pkt.pcap_cnt);
    }
    j.str("event_type", event_type);
    if !pkt.vlan.is_empty() {
        j.open_array("vlan");
        for v in pkt.vlan {
            j.elem_u64((*v).into());
        }
        j.close_array();
    }
    j.ip("src_ip", pkt.src);
    if ports {
        j.u64("src_port", pkt.sport.into());
    }
    j.ip("dest_ip", pkt.dst);
    if ports {
        j.u64("dest_port", pkt.dport.into());
    }
    j.u64("ip_v", if pkt.src.is_ipv4() { 4 } else { 6 });
    j.str("proto", &proto_name(pkt.ip_proto));
    if let Some((t, c)) = pkt.icmp {
        j.u64("icmp_type", t.into());
        j.u64("icmp_code", c.into());
    }
    // Events raised at flow end have no packet behind them: Suricata
    // marks its pseudo packets this way.
    let pkt_src = match pkt.pkt_src {
        _ if pkt.pcap_cnt == 0 && pkt.flow.is_some() => "stream (flow timeout)",
        Some(src) => src,
        None => "wire/pcap",
    };
    j.str("pkt_src", pkt_src);
    if let Err(e) = body(&mut j) {
        out.truncate(mark);
        return Err(e);
    }
    if let Some(f) = &pkt.flow {
        j.str(
            "direction",
            if f.to_server {
                "to_server"
            } else {
                "to_client"
            },
        );
        j.open_object("flow");
        j.u64("pkts_toserver", f.pkts_toserver);
        j.u64("pkts_toclient", f.pkts_toclient);
        j.u64("bytes_toserver", f.bytes_toserver);
        j.u64("bytes_toclient", f.bytes_toclient);
        j.timestamp("start", f.start);
        j.ip("src_ip", f.client.0);
        j.ip("dest_ip", f.server.0);
        if ports {
            j.u64("src_port", f.client.1.into());
            j.u64("dest_port", f.server.1.into());
        }
        j.close_object();
    }
    if let Some(name) = pkt.pcap_filename {
        j.str("pcap_filename", name);
    }
    j.close_object();
    out.push(b'\n');
    Ok(())
}

impl EveWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> io::Result<EveWriter> {
        let file = File::create(path)?;
        Ok(EveWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(256 * 1024, Sha256Writer::new(file)),
            buf: Vec::with_capacity(2048),
            written: 0,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events written so far.
    pub fn events_written(&self) -> u64 {
        self.written
    }

    /// Writes one `alert` event.
    pub fn alert(&mut self, pkt: &EventCtx<'_>, alert: &AlertInfo<'_>) -> io::Result<()> {
        self.buf.clear();
        encode_alert(&mut self.buf, pkt, alert, &mut [])?;
        self.out.write_all(&self.buf)?;
        self.written += 1;
        Ok(())
    }

    /// Writes an event of any type whose body fields are flattened into the
    /// common envelope (timestamp, flow_id, addresses…).
    pub fn event<T: Serialize>(
        &mut self,
        pkt: &EventCtx<'_>,
        event_type: &str,
        body: T,
    ) -> io::Result<()> {
        self.buf.clear();
        encode_event(&mut self.buf, pkt, event_type, body)?;
        self.out.write_all(&self.buf)?;
        self.written += 1;
        Ok(())
    }

    /// Writes one already encoded line (from [`encode_event`] and friends).
    pub fn write_encoded(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        self.written += 1;
        Ok(())
    }

    /// Writes a record that carries its own envelope (e.g. `stats`).
    pub fn raw<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, value).map_err(io::Error::other)?;
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)?;
        self.written += 1;
        Ok(())
    }

    /// Flushes buffered events to the file and syncs nothing further.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes, then returns the file's size and sha256 as written.
    pub fn digest(&mut self) -> io::Result<(u64, String)> {
        self.out.flush()?;
        Ok(self.out.get_ref().digest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{FlowMeta, Ts};

    fn pkt(flow: Option<FlowMeta>) -> EventCtx<'static> {
        EventCtx {
            ts: Ts::new(1_612_510_490, 3_000),
            pcap_cnt: 5,
            pcap_filename: Some("input.pcap"),
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            sport: 41000,
            dport: 80,
            ip_proto: 6,
            icmp: None,
            vlan: &[],
            flow,
            pkt_src: None,
        }
    }

    #[test]
    fn alert_has_suricata_fields() {
        let dir = std::env::temp_dir().join(format!("sigil-eve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("eve.json");
        let mut w = EveWriter::create(&path).unwrap();
        let md = vec![
            "created_at 2010_07_30".to_string(),
            "affected_product Any".to_string(),
            "created_at 2011".to_string(),
            "  ".to_string(),
            "flag".to_string(),
        ];
        let flow = FlowMeta {
            flow_id: 123,
            to_server: true,
            pkts_toserver: 3,
            pkts_toclient: 1,
            bytes_toserver: 200,
            bytes_toclient: 60,
            start: Ts::new(1_612_510_489, 0),
            client: ("10.0.0.1".parse().unwrap(), 41000),
            server: ("10.0.0.2".parse().unwrap(), 80),
        };
        let alert = AlertInfo {
            action: "allowed",
            gid: 1,
            sid: 2,
            rev: 3,
            signature: "test \"sig\"",
            category: "",
            severity: 3,
            metadata: &md,
        };
        w.alert(&pkt(Some(flow)), &alert).unwrap();
        w.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["timestamp"], "2021-02-05T07:34:50.000003+0000");
        assert_eq!(v["event_type"], "alert");
        assert_eq!(v["flow_id"], 123);
        assert_eq!(v["pcap_cnt"], 5);
        assert_eq!(v["src_ip"], "10.0.0.1");
        assert_eq!(v["dest_port"], 80);
        assert_eq!(v["proto"], "TCP");
        assert_eq!(v["direction"], "to_server");
        assert_eq!(v["alert"]["signature_id"], 2);
        assert_eq!(v["alert"]["signature"], "test \"sig\"");
        assert_eq!(
            v["alert"]["metadata"],
            serde_json::json!({"affected_product": ["Any"], "created_at": ["2010_07_30", "2011"], "flag": [""]})
        );
        // Keys in order, a key's values in rule order.
        assert!(text.contains(
            r#""metadata":{"affected_product":["Any"],"created_at":["2010_07_30","2011"],"flag":[""]}"#
        ));
        assert_eq!(v["flow"]["pkts_toserver"], 3);
        assert_eq!(v["pcap_filename"], "input.pcap");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn icmp_has_type_and_code_not_ports() {
        let dir = std::env::temp_dir().join(format!("sigil-eve-icmp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("eve.json");
        let mut w = EveWriter::create(&path).unwrap();
        let mut p = pkt(None);
        p.ip_proto = 1;
        p.icmp = Some((8, 0));
        w.event(&p, "test", serde_json::json!({})).unwrap();
        w.flush().unwrap();
        let v: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        assert_eq!(v["icmp_type"], 8);
        assert_eq!(v["proto"], "ICMP");
        assert!(v.get("src_port").is_none());
        assert!(v.get("flow_id").is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}
