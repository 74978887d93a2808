//! Packet decoding: from captured bytes to the fields detection needs.
//!
//! [`decode`] walks the layers of a [`RawPacket`] (link, VLAN tags, PPPoE,
//! IPv4 or IPv6 with extension headers, TCP/UDP/ICMP) using etherparse's
//! zero-copy header slices, so a [`Decoded`] borrows the packet's bytes and
//! decoding allocates nothing. A layer that is malformed stops the walk at
//! that layer and records a [`DecodeEvent`]; decoding never panics on
//! hostile input.
//!
//! A packet carrying another (GRE, ERSPAN, VXLAN, Teredo, IP in IP, PPTP)
//! records it in [`Decoded::encap`]; [`decode_tunnel`] decodes it as a
//! packet of its own, borrowing the same bytes (see [`tunnel`]).
//!
//! Events carry Suricata's decoder event names so that `decode-event` rules
//! and stats can use them unchanged. IP fragments are flagged but not
//! reassembled here: a non-first fragment has no transport header.

pub mod checksum;
mod erspan;
mod events;
mod geneve;
mod gre;
mod ip;
mod ipv6ext;
mod link;
mod ppp;
mod transport;
pub mod tunnel;
mod udp_tunnels;

use std::net::IpAddr;

use sigil_rules::packet::{
    Checksums, DecoderEvents, FlowInfo, IcmpFields, Ipv4Fields, PacketHeaders, PacketView,
    TcpFields, Vlans,
};

use crate::capture::{LinkType, RawPacket};

pub use checksum::{ChecksumMode, ChecksumStats, ChecksumValidator, ChecksumVerdict};
pub use events::{DecodeEvent, DecodeEvents, DecodeStats};
pub use tunnel::{
    decode_tunnel, DecodeConfig, Encap, Layer, Layers, PortSet, Start, TunnelInfo, TunnelKind,
    MAX_LAYERS,
};

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
    /// Captured bytes from the start of the network (IP) header on; empty
    /// without a network layer. Lets the view borrow IPv6 extension
    /// headers, which lie between the fixed header and the payload.
    pub network: &'a [u8],
    /// The bytes this packet was decoded from: the captured frame, or for
    /// a tunnel packet the encapsulated bytes (its length is what flow
    /// byte counters count, as Suricata counts its tunnel packets).
    pub frame: &'a [u8],
    /// A packet encapsulated in this one, for [`decode_tunnel`].
    pub encap: Option<Encap<'a>>,
    /// For a packet decoded from a tunnel: the tunnel and nesting level.
    pub tunnel: Option<TunnelInfo>,
    /// Layers met (for the decoder counters) and the nesting depth.
    pub layers: Layers,
}

/// Decodes one packet with the default [`DecodeConfig`]. Never fails: what
/// could not be decoded is absent and the reason is in
/// [`Decoded::events`].
pub fn decode<'a>(pkt: &RawPacket<'a>) -> Decoded<'a> {
    decode_with(pkt, &DecodeConfig::default())
}

/// Decodes one packet; `cfg` says which UDP tunnels to recognise. An
/// encapsulated packet is recorded in [`Decoded::encap`], not decoded:
/// [`decode_tunnel`] does that.
pub fn decode_with<'a>(pkt: &RawPacket<'a>, cfg: &DecodeConfig) -> Decoded<'a> {
    let mut d = Decoded::empty(pkt.linktype, pkt.data, pkt.caplen < pkt.origlen);
    if let Some((net, bytes)) = link::decode_link(pkt.linktype, pkt.data, &mut d) {
        decode_network(&mut d, net, bytes, cfg);
    }
    d
}

/// Decodes the network layer starting at `bytes` and what follows it
/// (transport, encapsulated packet). True when the IP header was sound.
fn decode_network<'a>(
    d: &mut Decoded<'a>,
    net: link::Net,
    bytes: &'a [u8],
    cfg: &DecodeConfig,
) -> bool {
    if net == link::Net::Other {
        return false;
    }
    d.network = bytes;
    if !d.layers.enter(&mut d.events) {
        return false;
    }
    let ip = match net {
        link::Net::Ipv4 => ip::decode_ipv4(bytes, d.snapped, &mut d.events),
        link::Net::Ipv6 => ip::decode_ipv6(bytes, d.snapped, &mut d.events),
        link::Net::Other => None,
    };
    let Some(ip) = ip else {
        return false;
    };
    d.ip = Some(ip);
    d.payload = ip.payload;
    if !ip.fragment.is_none_or(|f| f.is_first()) {
        return true;
    }
    // A first fragment may end inside the transport header or datagram;
    // that is fragmentation, not a malformed header.
    let truncated = ip.payload_truncated || ip.fragment.is_some();
    if let Some((t, payload)) =
        transport::decode_transport(ip.proto, ip.payload, truncated, &mut d.events)
    {
        d.transport = Some(t);
        d.payload = payload;
        if let (Transport::Udp(u), None) = (t, ip.fragment) {
            d.encap = udp_tunnels::find(u.sport, u.dport, payload, cfg, d);
        }
    } else if ip.fragment.is_none() {
        d.encap = ip_tunnel(ip, d);
    }
    true
}

/// A tunnel carried directly by IP: GRE, or IP in IP.
fn ip_tunnel<'a>(ip: IpLayer<'a>, d: &mut Decoded<'a>) -> Option<Encap<'a>> {
    const IPIP: u8 = 4;
    const IPV6: u8 = 41;
    const GRE: u8 = 47;
    let v6 = ip.v6.is_some();
    // After IPv6 extension headers Suricata follows only IPv4 in IPv6 (the
    // walk reported the others as unknown next headers).
    let direct = ip.v6.is_none_or(|f| f.ext_count == 0);
    let carried = match ip.proto {
        GRE if direct => {
            // GRE's bytes are the tunnel, never payload.
            d.payload = &[];
            return gre::decode(ip.payload, d);
        }
        IPIP => Start::Ipv4,
        IPV6 if direct => Start::Ipv6,
        _ => return None,
    };
    d.payload = &[];
    let (kind, counter) = match (v6, carried) {
        (false, Start::Ipv4) => (TunnelKind::Ipv4, Layer::Ipv4InIpv4),
        (false, _) => (TunnelKind::Ipv4, Layer::Ipv6InIpv4),
        (true, Start::Ipv4) => (TunnelKind::Ipv6, Layer::Ipv4InIpv6),
        (true, _) => (TunnelKind::Ipv6, Layer::Ipv6InIpv6),
    };
    if v6 {
        // Suricata checks an IPv6 carrier's inner header before setting up
        // the tunnel packet, and reports problems on the carrier.
        let (min, version, small, wrong) = if carried == Start::Ipv4 {
            (
                20,
                4,
                DecodeEvent::Ipv4InIpv6TooSmall,
                DecodeEvent::Ipv4InIpv6WrongVersion,
            )
        } else {
            (
                40,
                6,
                DecodeEvent::Ipv6InIpv6TooSmall,
                DecodeEvent::Ipv6InIpv6WrongVersion,
            )
        };
        if ip.payload.len() < min {
            d.events.push(small);
            return None;
        }
        if ip.payload.first().map(|b| b >> 4) != Some(version) {
            d.events.push(wrong);
            return None;
        }
    }
    Some(Encap {
        kind,
        start: carried,
        bytes: ip.payload,
        counter: Some(counter),
    })
}

impl<'a> Decoded<'a> {
    /// A packet with nothing decoded yet.
    pub(crate) fn empty(linktype: LinkType, frame: &'a [u8], snapped: bool) -> Decoded<'a> {
        Decoded {
            linktype,
            vlan: VlanIds::default(),
            ethertype: None,
            ip: None,
            transport: None,
            payload: &[],
            events: DecodeEvents::default(),
            snapped,
            network: &[],
            frame,
            encap: None,
            tunnel: None,
            layers: Layers::default(),
        }
    }

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
    /// Checksums are verified here ([`checksum::verify`]) and reported as
    /// checked; when the run's checksum policy is off for this packet the
    /// caller sets `checksums.ignored`.
    pub fn view(&self, flow: FlowInfo) -> Option<PacketView<'a>> {
        self.view_checked(flow, true)
    }

    /// [`Decoded::view`], verifying the checksums only when `verify`;
    /// otherwise they are left unknown and marked ignored, which is what
    /// the checksum keywords see when the run does not check them — so a
    /// run with `-k none` does not sum every payload for nothing.
    pub fn view_checked(&self, flow: FlowInfo, verify: bool) -> Option<PacketView<'a>> {
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
        let mut headers = PacketHeaders {
            ip: self.ip_header_bytes(&ip),
            ..PacketHeaders::default()
        };
        let mut payload = self.payload;
        match self.transport {
            Some(Transport::Tcp(t)) => headers.tcp = t.header,
            Some(Transport::Udp(u)) => headers.udp = u.header,
            Some(Transport::Icmpv4(i)) => {
                // Suricata's ICMPv4 header grows for some message types;
                // its payload starts after it.
                let hlen = icmpv4_header_len(ip.payload).max(i.header.len());
                headers.icmp = ip.payload.get(..hlen).unwrap_or(i.header);
                if hlen > i.header.len() {
                    payload = ip.payload.get(hlen..).unwrap_or(&[]);
                }
            }
            Some(Transport::Icmpv6(i)) => headers.icmp = i.header,
            None => {}
        }
        let sums = if verify {
            checksum::verify(self)
        } else {
            checksum::PacketChecksums::default()
        };
        Some(PacketView {
            src: ip.src,
            dst: ip.dst,
            ip_proto: ip.proto,
            ttl: ip.ttl,
            sport,
            dport,
            payload,
            ipv4: ip.v4,
            tcp,
            icmp,
            is_fragment: false,
            flow,
            headers,
            vlan: Vlans::from_slice(self.vlan.as_slice()),
            checksums: Checksums {
                ipv4: sums.ipv4,
                l4: sums.transport,
                ignored: !verify,
            },
            events: self.rule_events(),
            app_events: Default::default(),
            // The worker sets the capture time.
            ts_secs: 0,
        })
    }

    /// The IPv4 header with options, or the IPv6 fixed header with the
    /// extension headers after it (what Suricata's `ipv6.hdr` covers).
    fn ip_header_bytes(&self, ip: &IpLayer<'a>) -> &'a [u8] {
        if ip.v6.is_none() {
            return ip.header;
        }
        // Header, extension headers and payload are consecutive parts of
        // `network`: the payload's position in it is where the headers end.
        // (Address arithmetic only, no pointer dereference.)
        let base = self.network.as_ptr() as usize;
        let at = (ip.payload.as_ptr() as usize).wrapping_sub(base);
        if at > ip.header.len() && at <= self.network.len() {
            self.network.get(..at).unwrap_or(ip.header)
        } else {
            ip.header
        }
    }

    /// The decoder events in the rule engine's numbering.
    fn rule_events(&self) -> DecoderEvents {
        let mut out = DecoderEvents::default();
        for ev in self.events.iter() {
            if let Some(r) = ev.rule_event() {
                out.insert(r);
            }
        }
        out
    }
}

/// Length of the ICMPv4 header as Suricata counts it: 8 bytes, plus the
/// originate/receive/transmit timestamps of timestamp messages (types 13
/// and 14) and the address entries of a router advertisement (type 9),
/// when the message holds them.
fn icmpv4_header_len(msg: &[u8]) -> usize {
    const BASE: usize = 8;
    let extra = match msg.first() {
        Some(13 | 14) => 12,
        Some(9) => {
            let naddr = usize::from(msg.get(4).copied().unwrap_or(0));
            let size = usize::from(msg.get(5).copied().unwrap_or(0));
            naddr * size * 4
        }
        _ => 0,
    };
    if msg.len() >= BASE + extra {
        BASE + extra
    } else {
        BASE
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tunnel_tests;

#[cfg(test)]
mod view_tests {
    //! The packet-level extras of [`Decoded::view`], on captured packets.
    use super::*;
    use crate::capture::{LinkType, RawPacket, Timestamp};
    use sigil_rules::packet::DecoderEvent;

    fn decode_eth(data: &[u8]) -> Decoded<'_> {
        let len = data.len() as u32;
        decode(&RawPacket {
            ts: Timestamp::new(1, 0),
            caplen: len,
            origlen: len,
            data,
            linktype: LinkType::Ethernet,
            pcap_cnt: 1,
            file_index: 0,
        })
    }

    /// ipv6-hdr-keyword-02: VLAN 6, IPv6 with hop-by-hop, destination
    /// options and routing headers, then UDP.
    const IPV6_EXTS: &[u8] = &[
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x81, 0x00, 0x00,
        0x06, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x3c, 0x00, 0x01,
        0x04, 0, 0, 0, 0, 0x2b, 0x00, 0x01, 0x04, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 0x00,
        0x35, 0x00, 0x50, 0x00, 0x08, 0xff, 0x57,
    ];

    /// icmp-hdr-01: an ICMP router advertisement with one 2-word entry.
    const ROUTER_ADVERT: &[u8] = &[
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0b, 0x45, 0xb3, 0xf7, 0xfc, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x24, 0xa1, 0xdd, 0x00, 0x00, 0x01, 0x01, 0xb5, 0x6a, 0x0e, 0x50, 0x54, 0x42,
        0xff, 0xff, 0xff, 0xff, 0x09, 0x00, 0x93, 0x61, 0x01, 0x02, 0x00, 0x0a, 0x0e, 0x50, 0x54,
        0x42, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn ipv6_header_buffer_includes_extension_headers() {
        let d = decode_eth(IPV6_EXTS);
        let v = d.view(FlowInfo::default()).unwrap();
        assert_eq!(v.headers.ip.len(), 40 + 24);
        assert!(v.headers.ip.ends_with(&[0x11, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(
            v.headers.udp,
            &[0x00, 0x35, 0x00, 0x50, 0x00, 0x08, 0xff, 0x57]
        );
        assert!(v.headers.tcp.is_empty() && v.headers.icmp.is_empty());
        assert_eq!(v.vlan.as_slice(), &[6]);
        // With a routing header the pseudo-header would need the final
        // hop: not verifiable.
        assert_eq!(v.checksums.l4, None);
        assert!(!v.checksums.ignored && v.checksums.ipv4.is_none());
    }

    #[test]
    fn icmpv4_header_grows_like_suricatas() {
        let d = decode_eth(ROUTER_ADVERT);
        let v = d.view(FlowInfo::default()).unwrap();
        assert_eq!(v.headers.ip.len(), 20);
        // 8 bytes plus one address entry of 2 words.
        assert_eq!(v.headers.icmp.len(), 16);
        assert!(v
            .headers
            .icmp
            .ends_with(&[0x0e, 0x50, 0x54, 0x42, 0, 0, 0, 0]));
        assert!(v.payload.is_empty());
        assert_eq!(v.checksums.ipv4, Some(true));
        assert!(v.vlan.as_slice().is_empty());
        // Unverified: unknown and ignored, everything else the same.
        let u = d.view_checked(FlowInfo::default(), false).unwrap();
        assert_eq!((u.checksums.ipv4, u.checksums.l4), (None, None));
        assert!(u.checksums.ignored && !v.checksums.ignored);
        assert_eq!(u.headers.icmp, v.headers.icmp);
        // Timestamp requests carry 12 more header bytes when present.
        assert_eq!(icmpv4_header_len(&[13; 20]), 20);
        assert_eq!(icmpv4_header_len(&[13; 19]), 8);
        assert_eq!(icmpv4_header_len(&[9, 0, 0, 0, 200, 200, 0, 0]), 8);
        assert_eq!(icmpv4_header_len(&[8, 0, 0, 0]), 8);
    }

    #[test]
    fn decoder_events_reach_the_view() {
        // A TCP header cut after 12 bytes (caplen = origlen).
        let mut pkt = ROUTER_ADVERT[..34].to_vec();
        pkt[14 + 9] = 6;
        pkt[16..18].copy_from_slice(&32u16.to_be_bytes());
        pkt.extend_from_slice(&[0; 12]);
        let d = decode_eth(&pkt);
        let v = d.view(FlowInfo::default()).unwrap();
        let ev = DecoderEvent::from_name("tcp.pkt_too_small").unwrap();
        assert!(d.events.contains(DecodeEvent::TcpPacketTooSmall));
        assert!(v.events.contains(ev));
        assert!(v.tcp.is_none() && v.headers.tcp.is_empty());
    }
}
