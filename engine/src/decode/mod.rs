//! Packet decoding: from captured bytes to the fields detection needs.
//!
//! [`decode`] walks the layers of a [`RawPacket`] (link, VLAN tags, IPv4 or
//! IPv6 with extension headers, TCP/UDP/ICMP) using etherparse's zero-copy
//! header slices, so a [`Decoded`] borrows the packet's bytes and decoding
//! allocates nothing. A layer that is malformed stops the walk at that layer
//! and records a [`DecodeEvent`]; decoding never panics on hostile input.
//!
//! Events carry Suricata's decoder event names so that `decode-event` rules
//! and stats can use them unchanged. IP fragments are flagged but not
//! reassembled here: a non-first fragment has no transport header.

pub mod checksum;
mod events;
mod ip;
mod link;
mod transport;

use std::net::IpAddr;

use sigil_rules::packet::{FlowInfo, IcmpFields, Ipv4Fields, PacketView, TcpFields};

use crate::capture::{LinkType, RawPacket};

pub use checksum::{ChecksumMode, ChecksumStats, ChecksumValidator, ChecksumVerdict};
pub use events::{DecodeEvent, DecodeEvents, DecodeStats};

/// The most VLAN tags we decode; a deeper stack is a decoder event.
pub const MAX_VLAN_LAYERS: usize = 3;

/// VLAN identifiers of a packet, outermost first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VlanIds {
    ids: [u16; MAX_VLAN_LAYERS],
    len: u8,
}

impl VlanIds {
    /// Appends an id; returns false (and keeps the stack) when already full.
    pub fn push(&mut self, id: u16) -> bool {
        match self.ids.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = id;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// The ids, outermost first.
    pub fn as_slice(&self) -> &[u16] {
        self.ids.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The outermost id, used (like Suricata's default) in the flow key.
    pub fn outer(&self) -> Option<u16> {
        self.as_slice().first().copied()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when the packet carried no VLAN tag.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// IP fragmentation state of a packet (IPv4 flags/offset or IPv6 fragment header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentInfo {
    /// Fragment identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
    /// Offset in 8-byte units, as on the wire.
    pub offset: u16,
    /// More fragments follow.
    pub more: bool,
}

impl FragmentInfo {
    /// True for the fragment that carries the transport header.
    pub fn is_first(&self) -> bool {
        self.offset == 0
    }
}

/// Which IPv6 extension headers a packet carried (bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ipv6Exts(u8);

impl Ipv6Exts {
    /// Hop-by-hop options (0).
    pub const HOP_BY_HOP: Ipv6Exts = Ipv6Exts(1 << 0);
    /// Routing header (43).
    pub const ROUTING: Ipv6Exts = Ipv6Exts(1 << 1);
    /// Fragment header (44).
    pub const FRAGMENT: Ipv6Exts = Ipv6Exts(1 << 2);
    /// Destination options (60).
    pub const DEST_OPTS: Ipv6Exts = Ipv6Exts(1 << 3);
    /// Authentication header (51).
    pub const AUTH: Ipv6Exts = Ipv6Exts(1 << 4);
    /// Mobility, HIP or Shim6 (135, 139, 140).
    pub const OTHER: Ipv6Exts = Ipv6Exts(1 << 5);

    /// True when every bit of `other` is set.
    pub fn contains(&self, other: Ipv6Exts) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn insert(&mut self, other: Ipv6Exts) {
        self.0 |= other.0;
    }

    /// True when no extension header was seen.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

/// IPv6-specific header fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ipv6Fields {
    /// Traffic class byte.
    pub traffic_class: u8,
    /// 20-bit flow label.
    pub flow_label: u32,
    /// Extension headers present.
    pub exts: Ipv6Exts,
    /// Number of extension headers walked.
    pub ext_count: u8,
}

/// The network layer of a packet.
#[derive(Debug, Clone, Copy)]
pub struct IpLayer<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Upper-layer protocol: for IPv6 the one after the extension headers.
    pub proto: u8,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// The IPv4 header including options, or the 40-byte IPv6 fixed header.
    pub header: &'a [u8],
    /// Bytes after all IP-level headers, limited to the length the header
    /// declares (Ethernet padding excluded) and to what was captured.
    pub payload: &'a [u8],
    /// The capture cut the packet before the end the IP header declares, so
    /// `payload` is shorter than the real one (and checksums can't be verified).
    pub payload_truncated: bool,
    /// IPv4 fields (also carries fragment flags and `ipopts`).
    pub v4: Option<Ipv4Fields>,
    /// IPv6 fields.
    pub v6: Option<Ipv6Fields>,
    /// Set when the packet is a fragment (MF set or offset > 0).
    pub fragment: Option<FragmentInfo>,
}

/// TCP header fields.
#[derive(Debug, Clone, Copy)]
pub struct TcpInfo<'a> {
    /// The TCP header including options.
    pub header: &'a [u8],
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// CWR ECE URG ACK PSH RST SYN FIN, FIN = bit 0.
    pub flags: u8,
    /// Receive window.
    pub window: u16,
    /// Maximum segment size option, when present.
    pub mss: Option<u16>,
}

/// TCP flag bits as in [`TcpInfo::flags`].
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE.
    pub const ECE: u8 = 0x40;
    /// CWR.
    pub const CWR: u8 = 0x80;
}

/// UDP header fields.
#[derive(Debug, Clone, Copy)]
pub struct UdpInfo<'a> {
    /// The 8-byte UDP header.
    pub header: &'a [u8],
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Length field (header + payload).
    pub length: u16,
}

/// ICMP / ICMPv6 header fields.
#[derive(Debug, Clone, Copy)]
pub struct IcmpInfo<'a> {
    /// The first 8 bytes of the message (type, code, checksum, rest-of-header).
    pub header: &'a [u8],
    /// Message type.
    pub itype: u8,
    /// Message code.
    pub icode: u8,
    /// Identifier, for echo-style messages only.
    pub id: Option<u16>,
    /// Sequence number, for echo-style messages only.
    pub seq: Option<u16>,
}

/// The transport layer of a packet.
#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    /// TCP segment.
    Tcp(TcpInfo<'a>),
    /// UDP datagram.
    Udp(UdpInfo<'a>),
    /// ICMP message.
    Icmpv4(IcmpInfo<'a>),
    /// ICMPv6 message.
    Icmpv6(IcmpInfo<'a>),
}

impl Transport<'_> {
    /// Source and destination port (0, 0 for ICMP).
    pub fn ports(&self) -> (u16, u16) {
        match self {
            Transport::Tcp(t) => (t.sport, t.dport),
            Transport::Udp(u) => (u.sport, u.dport),
            Transport::Icmpv4(_) | Transport::Icmpv6(_) => (0, 0),
        }
    }
}

/// A decoded packet: borrowed views of each layer that could be decoded.
#[derive(Debug, Clone, Copy)]
pub struct Decoded<'a> {
    /// Link type the packet was decoded as.
    pub linktype: LinkType,
    /// VLAN tags, outermost first.
    pub vlan: VlanIds,
    /// Ethertype (or SLL protocol / null family mapped to an ethertype) of
    /// the network layer, when the link layer names one.
    pub ethertype: Option<u16>,
    /// Network layer, when the packet is IP and its header is sound.
    pub ip: Option<IpLayer<'a>>,
    /// Transport layer, when present, decodable and not in a non-first fragment.
    pub transport: Option<Transport<'a>>,
    /// Transport payload: TCP/UDP payload, ICMP data after the 8-byte header,
    /// or the IP payload for other protocols and fragments. Empty without IP.
    pub payload: &'a [u8],
    /// Decoder events raised for this packet.
    pub events: DecodeEvents,
    /// The capture cut the packet short (caplen < origlen).
    pub snapped: bool,
}

/// Decodes one packet. Never fails: what could not be decoded is absent and
/// the reason is in [`Decoded::events`].
pub fn decode<'a>(pkt: &RawPacket<'a>) -> Decoded<'a> {
    let mut d = Decoded {
        linktype: pkt.linktype,
        vlan: VlanIds::default(),
        ethertype: None,
        ip: None,
        transport: None,
        payload: &[],
        events: DecodeEvents::default(),
        snapped: pkt.caplen < pkt.origlen,
    };
    let Some((net, bytes)) = link::decode_link(pkt.linktype, pkt.data, &mut d) else {
        return d;
    };
    let ip = match net {
        link::Net::Ipv4 => ip::decode_ipv4(bytes, d.snapped, &mut d.events),
        link::Net::Ipv6 => ip::decode_ipv6(bytes, d.snapped, &mut d.events),
        link::Net::Other => None,
    };
    let Some(ip) = ip else {
        return d;
    };
    d.ip = Some(ip);
    d.payload = ip.payload;
    let first_fragment = ip.fragment.is_none_or(|f| f.is_first());
    if first_fragment {
        // A first fragment may end inside the transport header or datagram;
        // that is fragmentation, not a malformed header.
        let truncated = ip.payload_truncated || ip.fragment.is_some();
        if let Some((t, payload)) =
            transport::decode_transport(ip.proto, ip.payload, truncated, &mut d.events)
        {
            d.transport = Some(t);
            d.payload = payload;
        }
    }
    d
}

impl<'a> Decoded<'a> {
    /// Source and destination port (0, 0 without TCP/UDP).
    pub fn ports(&self) -> (u16, u16) {
        self.transport.map_or((0, 0), |t| t.ports())
    }

    /// TCP flags, when the packet is a decoded TCP segment.
    pub fn tcp_flags(&self) -> Option<u8> {
        match self.transport {
            Some(Transport::Tcp(t)) => Some(t.flags),
            _ => None,
        }
    }

    /// The view detection works on, with the flow tracker's verdict about
    /// this packet. `None` when there is no IP layer.
    ///
    /// `is_fragment` stays false: it means "reassembled from fragments",
    /// which this layer does not do; raw fragment bits are in `ipv4`.
    pub fn view(&self, flow: FlowInfo) -> Option<PacketView<'a>> {
        let ip = self.ip?;
        let (sport, dport) = self.ports();
        let tcp = match self.transport {
            Some(Transport::Tcp(t)) => Some(TcpFields {
                flags: t.flags,
                seq: t.seq,
                ack: t.ack,
                window: t.window,
                mss: t.mss,
            }),
            _ => None,
        };
        let icmp = match self.transport {
            Some(Transport::Icmpv4(i)) | Some(Transport::Icmpv6(i)) => Some(IcmpFields {
                itype: i.itype,
                icode: i.icode,
                id: i.id,
                seq: i.seq,
            }),
            _ => None,
        };
        Some(PacketView {
            src: ip.src,
            dst: ip.dst,
            ip_proto: ip.proto,
            ttl: ip.ttl,
            sport,
            dport,
            payload: self.payload,
            ipv4: ip.v4,
            tcp,
            icmp,
            is_fragment: false,
            flow,
        })
    }
}

#[cfg(test)]
mod tests;
