//! EVE `flow` records, written when a flow ends.

use std::io;
use std::net::IpAddr;

use serde::Serialize;

use super::{has_ports, proto_name, time, Ts};

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
    /// Suricata's TCP state name (`established`, `closed`, …).
    pub state: &'a str,
    /// Most stream regions per direction (to server, to client), for
    /// flows that were reassembled.
    pub max_regions: Option<(u32, u32)>,
}

#[derive(Serialize)]
struct FlowBody<'a> {
    pkts_toserver: u64,
    pkts_toclient: u64,
    bytes_toserver: u64,
    bytes_toclient: u64,
    /// What a capture-level bypass skipped: nothing for a local bypass.
    #[serde(skip_serializing_if = "Option::is_none")]
    bypassed: Option<BypassedBody>,
    start: String,
    end: String,
    age: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    bypass: Option<&'static str>,
    state: &'a str,
    reason: &'a str,
    alerted: bool,
}

#[derive(Serialize, Default)]
struct BypassedBody {
    pkts_toserver: u64,
    pkts_toclient: u64,
    bytes_toserver: u64,
    bytes_toclient: u64,
}

#[derive(Serialize)]
struct TcpBody<'a> {
    tcp_flags: String,
    tcp_flags_ts: String,
    tcp_flags_tc: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    syn: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fin: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    rst: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    psh: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ack: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    urg: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ecn: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    cwr: bool,
    state: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts_max_regions: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tc_max_regions: Option<u32>,
}

#[derive(Serialize)]
struct FlowEvent<'a> {
    timestamp: String,
    flow_id: u64,
    event_type: &'static str,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    response_icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto_ts: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto_tc: Option<&'a str>,
    flow: FlowBody<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<TcpBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    traffic: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a serde_json::Value>,
}

fn tcp_body<'a>(t: &TcpRecord<'a>) -> TcpBody<'a> {
    let all = t.flags_ts | t.flags_tc;
    TcpBody {
        tcp_flags: format!("{all:02x}"),
        tcp_flags_ts: format!("{:02x}", t.flags_ts),
        tcp_flags_tc: format!("{:02x}", t.flags_tc),
        fin: all & 0x01 != 0,
        syn: all & 0x02 != 0,
        rst: all & 0x04 != 0,
        psh: all & 0x08 != 0,
        ack: all & 0x10 != 0,
        urg: all & 0x20 != 0,
        ecn: all & 0x40 != 0,
        cwr: all & 0x80 != 0,
        state: t.state,
        ts_max_regions: t.max_regions.map(|r| r.0),
        tc_max_regions: t.max_regions.map(|r| r.1),
    }
}

/// Appends one `flow` event line to `out`.
pub fn encode_flow(out: &mut Vec<u8>, r: &FlowRecord<'_>) -> io::Result<()> {
    let ports = has_ports(r.ip_proto);
    let ev = FlowEvent {
        timestamp: time::eve(r.start),
        flow_id: r.flow_id,
        event_type: "flow",
        vlan: r.vlan,
        src_ip: r.client.0,
        src_port: ports.then_some(r.client.1),
        dest_ip: r.server.0,
        dest_port: ports.then_some(r.server.1),
        ip_v: if r.client.0.is_ipv4() { 4 } else { 6 },
        proto: proto_name(r.ip_proto),
        icmp_type: r.icmp.map(|i| i.0),
        icmp_code: r.icmp.map(|i| i.1),
        response_icmp_type: r.response_icmp.map(|i| i.0),
        response_icmp_code: r.response_icmp.map(|i| i.1),
        app_proto: r.app_proto,
        app_proto_ts: r.app_proto_ts.filter(|p| Some(*p) != r.app_proto),
        app_proto_tc: r.app_proto_tc.filter(|p| Some(*p) != r.app_proto),
        flow: FlowBody {
            pkts_toserver: r.pkts_toserver,
            pkts_toclient: r.pkts_toclient,
            bytes_toserver: r.bytes_toserver,
            bytes_toclient: r.bytes_toclient,
            bypassed: r.bypassed.then(BypassedBody::default),
            start: time::eve(r.start),
            end: time::eve(r.end),
            age: r.end.secs - r.start.secs,
            bypass: r.bypassed.then_some("local"),
            state: r.state,
            reason: r.reason,
            alerted: r.alerted,
        },
        tcp: r.tcp.as_ref().map(tcp_body),
        traffic: r.traffic.as_ref(),
        metadata: r.metadata.as_ref(),
    };
    serde_json::to_writer(&mut *out, &ev).map_err(io::Error::other)?;
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
                state: "closed",
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
