//! Output writers: EVE JSON and fast.log.
//!
//! Events are built from borrowed packet and rule data, serialized by the
//! writer that owns the file. A write error (full disk, revoked permission)
//! is returned to the caller with the path, so nothing already written is
//! lost and the run can stop cleanly.

pub mod base64;
pub mod eve;
pub mod fastlog;
pub mod flowlog;
pub mod json;
pub mod time;

use std::net::IpAddr;

pub use time::Ts;

/// An address as Suricata writes it in EVE: IPv4 dotted, IPv6 with all
/// eight groups as four hex digits (`2001:0db8:0000:…`), never compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EveAddr(pub IpAddr);

impl std::fmt::Display for EveAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => {
                for (i, g) in v6.segments().iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{g:04x}")?;
                }
                Ok(())
            }
        }
    }
}

/// Where an event's packet came from and which flow it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct EventCtx<'a> {
    /// Capture time of the packet.
    pub ts: Ts,
    /// 1-based packet number across the run.
    pub pcap_cnt: u64,
    /// File the packet was read from (offline runs).
    pub pcap_filename: Option<&'a str>,
    /// Packet source address.
    pub src: IpAddr,
    /// Packet destination address.
    pub dst: IpAddr,
    /// Source port (TCP/UDP) — ignored for ICMP.
    pub sport: u16,
    /// Destination port (TCP/UDP) — ignored for ICMP.
    pub dport: u16,
    /// IP protocol number.
    pub ip_proto: u8,
    /// ICMP type and code, for ICMP/ICMPv6 packets.
    pub icmp: Option<(u8, u8)>,
    /// Outermost VLAN ids, as Suricata logs them.
    pub vlan: &'a [u16],
    /// Flow context, when the packet belongs to a tracked flow.
    pub flow: Option<FlowMeta>,
    /// Suricata's `pkt_src` for a packet the engine made: a tunnel's
    /// (`gre tunnel`, `vxlan encapsulation`, ...) or a reassembled
    /// datagram's (`defrag`). None for a packet from the capture
    /// (`wire/pcap`), or for events raised at flow end.
    pub pkt_src: Option<&'static str>,
}

/// Flow counters and identity attached to events.
#[derive(Debug, Clone, Copy)]
pub struct FlowMeta {
    /// Stable id shared by every event of the flow.
    pub flow_id: u64,
    /// The packet travels client → server.
    pub to_server: bool,
    /// Packets client → server so far.
    pub pkts_toserver: u64,
    /// Packets server → client so far.
    pub pkts_toclient: u64,
    /// Bytes client → server so far (whole frames).
    pub bytes_toserver: u64,
    /// Bytes server → client so far.
    pub bytes_toclient: u64,
    /// Time of the flow's first packet.
    pub start: Ts,
    /// Flow initiator address and port.
    pub client: (IpAddr, u16),
    /// Flow responder address and port.
    pub server: (IpAddr, u16),
}

/// Suricata's name for an IP protocol number in EVE `proto` and fast.log.
pub fn proto_name(p: u8) -> std::borrow::Cow<'static, str> {
    let name = match p {
        1 => "ICMP",
        2 => "IGMP",
        4 => "IP-in-IP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "IPv6-ICMP",
        103 => "PIM",
        132 => "SCTP",
        _ => return std::borrow::Cow::Owned(p.to_string()),
    };
    std::borrow::Cow::Borrowed(name)
}

/// Whether the protocol carries ports in EVE (`src_port`/`dest_port`).
pub fn has_ports(p: u8) -> bool {
    matches!(p, 6 | 17 | 132)
}

#[cfg(test)]
mod addr_tests {
    use super::{proto_name, EveAddr};

    #[test]
    fn protocol_names_are_suricatas() {
        // Suricata's known_proto table (IANA's names).
        assert_eq!(proto_name(4), "IP-in-IP");
        assert_eq!(proto_name(41), "IPv6");
        assert_eq!(proto_name(47), "GRE");
        assert_eq!(proto_name(58), "IPv6-ICMP");
        assert_eq!(proto_name(200), "200");
    }

    #[test]
    fn ipv6_is_written_expanded_like_suricata() {
        let a = |s: &str| EveAddr(s.parse().unwrap()).to_string();
        assert_eq!(
            a("fd01::101:101"),
            "fd01:0000:0000:0000:0000:0000:0101:0101"
        );
        assert_eq!(a("::"), "0000:0000:0000:0000:0000:0000:0000:0000");
        assert_eq!(a("192.0.2.1"), "192.0.2.1");
    }
}
