//! EVE JSON writer (Suricata's schema, one JSON object per line).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{has_ports, proto_name, time, EventCtx, FlowMeta};

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
    out: BufWriter<File>,
    buf: Vec<u8>,
    written: u64,
}

#[derive(Serialize)]
struct FlowJson {
    pkts_toserver: u64,
    pkts_toclient: u64,
    bytes_toserver: u64,
    bytes_toclient: u64,
    start: String,
    #[serde(serialize_with = "super::serialize_ip")]
    src_ip: IpAddr,
    #[serde(serialize_with = "super::serialize_ip")]
    dest_ip: IpAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
}

#[derive(Serialize)]
struct AlertJson<'a> {
    action: &'a str,
    gid: u32,
    signature_id: u32,
    rev: u32,
    signature: &'a str,
    category: &'a str,
    severity: u8,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<&'a str, Vec<&'a str>>,
}

#[derive(Serialize)]
struct EventJson<'a, T: Serialize> {
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pcap_cnt: Option<u64>,
    event_type: &'a str,
    #[serde(skip_serializing_if = "<[u16]>::is_empty")]
    vlan: &'a [u16],
    #[serde(serialize_with = "super::serialize_ip")]
    src_ip: IpAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(serialize_with = "super::serialize_ip")]
    dest_ip: IpAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    ip_v: u8,
    proto: std::borrow::Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    pkt_src: &'a str,
    #[serde(flatten)]
    body: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow: Option<FlowJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pcap_filename: Option<&'a str>,
}

#[derive(Serialize)]
struct AlertBody<'a> {
    alert: AlertJson<'a>,
    #[serde(flatten)]
    extras: &'a serde_json::Map<String, serde_json::Value>,
}

/// Groups `metadata` entries as Suricata does: `{"key": ["v1", "v2"]}`.
fn group_metadata(entries: &[String]) -> BTreeMap<&str, Vec<&str>> {
    let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in entries {
        let e = e.trim();
        if e.is_empty() {
            continue;
        }
        let (k, v) = match e.split_once(char::is_whitespace) {
            Some((k, v)) => (k, v.trim()),
            None => (e, ""),
        };
        map.entry(k).or_default().push(v);
    }
    map
}

fn flow_json(f: &FlowMeta, with_ports: bool) -> FlowJson {
    FlowJson {
        pkts_toserver: f.pkts_toserver,
        pkts_toclient: f.pkts_toclient,
        bytes_toserver: f.bytes_toserver,
        bytes_toclient: f.bytes_toclient,
        start: time::eve(f.start),
        src_ip: f.client.0,
        dest_ip: f.server.0,
        src_port: with_ports.then_some(f.client.1),
        dest_port: with_ports.then_some(f.server.1),
    }
}

/// Appends one `alert` event line to `out`.
pub fn encode_alert(
    out: &mut Vec<u8>,
    pkt: &EventCtx<'_>,
    alert: &AlertInfo<'_>,
    extras: &serde_json::Map<String, serde_json::Value>,
) -> io::Result<()> {
    let body = AlertBody {
        alert: AlertJson {
            action: alert.action,
            gid: alert.gid,
            signature_id: alert.sid,
            rev: alert.rev,
            signature: alert.signature,
            category: alert.category,
            severity: alert.severity,
            metadata: group_metadata(alert.metadata),
        },
        extras,
    };
    encode_event(out, pkt, "alert", body)
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
    let ports = has_ports(pkt.ip_proto);
    let ev = EventJson {
        timestamp: time::eve(pkt.ts),
        flow_id: pkt.flow.map(|f| f.flow_id),
        pcap_cnt: (pkt.pcap_cnt > 0).then_some(pkt.pcap_cnt),
        event_type,
        vlan: pkt.vlan,
        src_ip: pkt.src,
        src_port: ports.then_some(pkt.sport),
        dest_ip: pkt.dst,
        dest_port: ports.then_some(pkt.dport),
        ip_v: if pkt.src.is_ipv4() { 4 } else { 6 },
        proto: proto_name(pkt.ip_proto),
        icmp_type: pkt.icmp.map(|i| i.0),
        icmp_code: pkt.icmp.map(|i| i.1),
        // Events raised at flow end have no packet behind them: Suricata
        // marks its pseudo packets this way.
        pkt_src: match pkt.pkt_src {
            _ if pkt.pcap_cnt == 0 && pkt.flow.is_some() => "stream (flow timeout)",
            Some(src) => src,
            None => "wire/pcap",
        },
        body,
        direction: pkt.flow.map(|f| {
            if f.to_server {
                "to_server"
            } else {
                "to_client"
            }
        }),
        flow: pkt.flow.as_ref().map(|f| flow_json(f, ports)),
        pcap_filename: pkt.pcap_filename,
    };
    serde_json::to_writer(&mut *out, &ev).map_err(io::Error::other)?;
    out.push(b'\n');
    Ok(())
}

impl EveWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> io::Result<EveWriter> {
        let file = File::create(path)?;
        Ok(EveWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(256 * 1024, file),
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
        encode_alert(&mut self.buf, pkt, alert, &serde_json::Map::new())?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Ts;

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
            "created_at 2011".to_string(),
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
        assert_eq!(v["alert"]["metadata"]["created_at"][1], "2011");
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
