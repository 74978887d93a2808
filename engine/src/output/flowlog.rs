//! EVE `flow` records, written when a flow ends.

use std::io;
use std::net::IpAddr;

use super::json::JsonBuf;
use super::{has_ports, proto_name, Ts};

/// Everything a `flow` record says about one ended flow.
#[derive(Debug, Clone)]
pub struct FlowRecord<'a> {
    /// Stable flow id.
    pub flow_id: u64,
    /// Client address and port.
    pub client: (IpAddr, u16),
    /// Server address and port.
    pub server: (IpAddr, u16),
    /// IP protocol number.
    pub ip_proto: u8,
    /// ICMP type/code of the first packet, for ICMP flows.
    pub icmp: Option<(u8, u8)>,
    /// ICMP type/code of the first reply, for ICMP flows that saw one.
    pub response_icmp: Option<(u8, u8)>,
    /// Outer VLAN ids.
    pub vlan: &'a [u16],
    /// Application protocol, once detected.
    pub app_proto: Option<&'a str>,
    /// Protocol detected from the client's data; logged when it differs
    /// from `app_proto` (Suricata's `app_proto_ts`).
    pub app_proto_ts: Option<&'a str>,
    /// The same for the server's data (`app_proto_tc`).
    pub app_proto_tc: Option<&'a str>,
    /// Packets and bytes each way.
    pub pkts_toserver: u64,
    /// Packets from the server.
    pub pkts_toclient: u64,
    /// Bytes from the client (whole frames).
    pub bytes_toserver: u64,
    /// Bytes from the server.
    pub bytes_toclient: u64,
    /// First and last packet time.
    pub start: Ts,
    /// Time of the last packet.
    pub end: Ts,
    /// `new`, `established`, `closed` or `bypassed`.
    pub state: &'a str,
    /// A `bypass` rule matched: logged as Suricata's local bypass.
    pub bypassed: bool,
    /// `timeout`, `forced` or `shutdown`.
    pub reason: &'a str,
    /// Whether any alert was raised on the flow.
    pub alerted: bool,
    /// TCP details (flags each way and state), for TCP flows.
    pub tcp: Option<TcpRecord<'a>>,
    /// `traffic` object (`id`/`label` from `traffic/…` flowbits).
    pub traffic: Option<serde_json::Value>,
    /// Top-level `metadata` object (flow variables such as `entropy`).
    pub metadata: Option<serde_json::Value>,
}

/// The `tcp` object of a flow record.
#[derive(Debug, Clone, Copy)]
pub struct TcpRecord<'a> {
    /// Flags seen from the client, OR-ed.
    pub flags_ts: u8,
    /// Flags seen from the server, OR-ed.
    pub flags_tc: u8,
    /// Suricata's TCP state name (`established`, `closed`, …); `None`
    /// for a flow that never had a TCP session (no SYN, no mid-stream).
    pub state: Option<&'a str>,
    /// Most stream regions per direction (to server, to client), for
    /// flows that were reassembled.
    pub max_regions: Option<(u32, u32)>,
}

/// The `tcp` object: flags as two hex digits each way and together, the
/// flags seen by name, the state and the stream's largest region counts.
fn write_tcp(j: &mut JsonBuf<'_>, t: &TcpRecord<'_>) {
    let all = t.flags_ts | t.flags_tc;
    j.open_object("tcp");
    j.str_hex("tcp_flags", &[all], None);
    j.str_hex("tcp_flags_ts", &[t.flags_ts], None);
    j.str_hex("tcp_flags_tc", &[t.flags_tc], None);
    for (bit, name) in [
        (0x02, "syn"),
        (0x01, "fin"),
        (0x04, "rst"),
        (0x08, "psh"),
        (0x10, "ack"),
        (0x20, "urg"),
        (0x40, "ecn"),
        (0x80, "cwr"),
    ] {
        if all & bit != 0 {
            j.bool(name, true);
        }
    }
    if let Some(state) = t.state {
        j.str("state", state);
    }
    if let Some((ts, tc)) = t.max_regions {
        j.u64("ts_max_regions", ts.into());
        j.u64("tc_max_regions", tc.into());
    }
    j.close_object();
}

/// Appends one `flow` event line to `out`.
pub fn encode_flow(out: &mut Vec<u8>, r: &FlowRecord<'_>) -> io::Result<()> {
    let mark = out.len();
    let ports = has_ports(r.ip_proto);
    let mut j = JsonBuf::new(out);
    j.begin_object();
    j.timestamp("timestamp", r.start);
    j.u64("flow_id", r.flow_id);
    j.str("event_type", "flow");
    if !r.vlan.is_empty() {
        j.open_array("vlan");
        for v in r.vlan {
            j.elem_u64((*v).into());
        }
        j.close_array();
    }
    j.ip("src_ip", r.client.0);
    if ports {
        j.u64("src_port", r.client.1.into());
    }
    j.ip("dest_ip", r.server.0);
    if ports {
        j.u64("dest_port", r.server.1.into());
    }
    j.u64("ip_v", if r.client.0.is_ipv4() { 4 } else { 6 });
    j.str("proto", &proto_name(r.ip_proto));
    if let Some((t, c)) = r.icmp {
        j.u64("icmp_type", t.into());
        j.u64("icmp_code", c.into());
    }
    if let Some((t, c)) = r.response_icmp {
        j.u64("response_icmp_type", t.into());
        j.u64("response_icmp_code", c.into());
    }
    if let Some(p) = r.app_proto {
        j.str("app_proto", p);
    }
    // The per-direction protocols are logged only when they differ.
    if let Some(p) = r.app_proto_ts.filter(|p| Some(*p) != r.app_proto) {
        j.str("app_proto_ts", p);
    }
    if let Some(p) = r.app_proto_tc.filter(|p| Some(*p) != r.app_proto) {
        j.str("app_proto_tc", p);
    }
    j.open_object("flow");
    j.u64("pkts_toserver", r.pkts_toserver);
    j.u64("pkts_toclient", r.pkts_toclient);
    j.u64("bytes_toserver", r.bytes_toserver);
    j.u64("bytes_toclient", r.bytes_toclient);
    if r.bypassed {
        // What a capture-level bypass skipped: nothing for a local bypass.
        j.open_object("bypassed");
        for k in [
            "pkts_toserver",
            "pkts_toclient",
            "bytes_toserver",
            "bytes_toclient",
        ] {
            j.u64(k, 0);
        }
        j.close_object();
    }
    j.timestamp("start", r.start);
    j.timestamp("end", r.end);
    j.i64("age", r.end.secs - r.start.secs);
    if r.bypassed {
        j.str("bypass", "local");
    }
    j.str("state", r.state);
    j.str("reason", r.reason);
    j.bool("alerted", r.alerted);
    j.close_object();
    if let Some(t) = &r.tcp {
        write_tcp(&mut j, t);
    }
    let tail = (|| {
        if let Some(t) = &r.traffic {
            j.serialize("traffic", t)?;
        }
        if let Some(m) = &r.metadata {
            j.serialize("metadata", m)?;
        }
        Ok(())
    })();
    if let Err(e) = tail {
        out.truncate(mark);
        return Err(e);
    }
    j.close_object();
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_record_fields() {
        let r = FlowRecord {
            flow_id: 42,
            client: ("192.168.2.3".parse().unwrap(), 37010),
            server: ("208.69.36.231".parse().unwrap(), 80),
            ip_proto: 6,
            icmp: None,
            response_icmp: None,
            vlan: &[],
            app_proto: None,
            app_proto_ts: None,
            app_proto_tc: None,
            pkts_toserver: 8,
            pkts_toclient: 5,
            bytes_toserver: 607,
            bytes_toclient: 5453,
            start: Ts::new(1_255_711_456, 83_524_000),
            end: Ts::new(1_255_711_456, 185_868_000),
            state: "closed",
            bypassed: false,
            reason: "shutdown",
            alerted: true,
            tcp: Some(TcpRecord {
                flags_ts: 0x1e,
                flags_tc: 0x1a,
                state: Some("closed"),
                max_regions: Some((1, 2)),
            }),
            traffic: None,
            metadata: None,
        };
        let mut out = Vec::new();
        encode_flow(&mut out, &r).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["event_type"], "flow");
        assert_eq!(v["src_port"], 37010);
        assert_eq!(v["flow"]["start"], "2009-10-16T16:44:16.083524+0000");
        assert_eq!(v["flow"]["end"], "2009-10-16T16:44:16.185868+0000");
        assert_eq!(v["flow"]["age"], 0);
        assert_eq!(v["flow"]["alerted"], true);
        assert_eq!(v["tcp"]["tcp_flags"], "1e");
        assert_eq!(v["tcp"]["tcp_flags_tc"], "1a");
        assert_eq!(v["tcp"]["ts_max_regions"], 1);
        assert_eq!(v["tcp"]["tc_max_regions"], 2);
        assert_eq!(v["tcp"]["rst"], true);
        assert_eq!(v["tcp"]["syn"], true);
        assert!(v["tcp"].get("fin").is_none());
        assert_eq!(v["tcp"]["state"], "closed");
        assert!(v.get("response_icmp_type").is_none());

        // A flow that never had a TCP session: flags only, no state.
        let sessionless = FlowRecord {
            tcp: Some(TcpRecord {
                flags_ts: 0,
                flags_tc: 0,
                state: None,
                max_regions: None,
            }),
            traffic: None,
            metadata: None,
            ..r
        };
        out.clear();
        encode_flow(&mut out, &sessionless).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v["tcp"],
            serde_json::json!({"tcp_flags": "00", "tcp_flags_ts": "00", "tcp_flags_tc": "00"})
        );

        // An ICMPv6 echo that was answered, between IPv6 hosts.
        let icmp = FlowRecord {
            client: ("fd01::1".parse().unwrap(), 0),
            server: ("fd01::2".parse().unwrap(), 0),
            ip_proto: 58,
            icmp: Some((128, 0)),
            response_icmp: Some((129, 0)),
            tcp: None,
            ..r
        };
        let mut out = Vec::new();
        encode_flow(&mut out, &icmp).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            (v["icmp_type"].as_u64(), v["icmp_code"].as_u64()),
            (Some(128), Some(0))
        );
        assert_eq!(v["response_icmp_type"], 129);
        assert_eq!(v["response_icmp_code"], 0);
        assert_eq!(v["src_ip"], "fd01:0000:0000:0000:0000:0000:0000:0001");
        assert!(v.get("src_port").is_none());
    }

    #[test]
    fn direction_protocols_are_logged_only_when_they_differ() {
        let base = FlowRecord {
            flow_id: 1,
            client: ("10.16.1.11".parse().unwrap(), 32928),
            server: ("10.16.1.1".parse().unwrap(), 22),
            ip_proto: 6,
            icmp: None,
            response_icmp: None,
            vlan: &[],
            app_proto: Some("http"),
            app_proto_ts: Some("http"),
            app_proto_tc: Some("ssh"),
            pkts_toserver: 1,
            pkts_toclient: 1,
            bytes_toserver: 60,
            bytes_toclient: 60,
            start: Ts::new(0, 0),
            end: Ts::new(0, 0),
            state: "established",
            bypassed: false,
            reason: "shutdown",
            alerted: false,
            tcp: None,
            traffic: None,
            metadata: None,
        };
        let mut out = Vec::new();
        encode_flow(&mut out, &base).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["app_proto"], "http");
        assert_eq!(v["app_proto_tc"], "ssh");
        assert!(v.get("app_proto_ts").is_none());
    }
}
