//! What detection needs to know about one packet.
//!
//! The engine decodes packets (etherparse slices, zero-copy) and fills this
//! view; the rule set never sees link layers or raw headers. Keeping the
//! boundary a plain struct of values and borrowed slices lets the compiler
//! crate stay free of capture and decode dependencies, and lets tests build
//! packets by hand.

use std::net::IpAddr;

pub use crate::applayer_events::{AppLayerEvent, AppLayerEvents};
pub use crate::decoder_events::DecoderEvent;
pub use crate::pktfields::{Checksums, DecoderEvents, PacketHeaders, Vlans, MAX_VLANS};

/// IP protocol numbers used by header matching.
pub mod ipproto {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
}

/// IPv4-specific header fields (for `ttl`, `tos`, `id`, `ipopts`, `fragbits`, `fragoffset`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ipv4Fields {
    pub tos: u8,
    pub id: u16,
    /// Reserved bit (`R`), Don't Fragment (`D`), More Fragments (`M`).
    pub flag_reserved: bool,
    pub flag_df: bool,
    pub flag_mf: bool,
    /// Fragment offset in 8-byte units, as on the wire.
    pub frag_offset: u16,
    /// Option kinds present (bitset over the `ipopts` names, see [`IpOpt`]).
    pub options: u16,
}

/// `ipopts` option names as bits of [`Ipv4Fields::options`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum IpOpt {
    Rr = 1 << 0,
    Eol = 1 << 1,
    Nop = 1 << 2,
    Ts = 1 << 3,
    Sec = 1 << 4,
    Esec = 1 << 5,
    Lsrr = 1 << 6,
    LsrrE = 1 << 7,
    Ssrr = 1 << 8,
    Satid = 1 << 9,
    Any = 1 << 15,
}

/// TCP header fields (for `flags`, `seq`, `ack`, `window`, `tcp.mss`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFields {
    /// The 8 classic flag bits (CWR ECE URG ACK PSH RST SYN FIN, FIN = bit 0).
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
    /// MSS option value when the segment carries one.
    pub mss: Option<u16>,
}

/// ICMP / ICMPv6 fields (for `itype`, `icode`, `icmp_id`, `icmp_seq`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IcmpFields {
    pub itype: u8,
    pub icode: u8,
    /// Identifier and sequence exist only for echo-style messages.
    pub id: Option<u16>,
    pub seq: Option<u16>,
}

/// One packet as detection sees it.
#[derive(Debug, Clone, Copy)]
pub struct PacketView<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Transport protocol number (after IPv6 extension headers).
    pub ip_proto: u8,
    pub ttl: u8,
    pub sport: u16,
    pub dport: u16,
    /// Transport payload (TCP/UDP payload, ICMP data after the 8-byte header,
    /// or the IP payload for other protocols).
    pub payload: &'a [u8],
    pub ipv4: Option<Ipv4Fields>,
    pub tcp: Option<TcpFields>,
    pub icmp: Option<IcmpFields>,
    /// True when the packet was reassembled from IP fragments.
    pub is_fragment: bool,
    /// Flow context from the engine's flow tracker (for the `flow` keyword).
    pub flow: FlowInfo,
    /// Raw header bytes (`ipv4.hdr`, `tcp.hdr`, … sticky buffers).
    pub headers: PacketHeaders<'a>,
    /// VLAN ids, outermost first (`vlan.id`, `vlan.layers`).
    pub vlan: Vlans,
    /// Checksum validity (`ipv4-csum`, `tcpv4-csum`, …).
    pub checksums: Checksums,
    /// Decoder events raised for this packet (`decode-event`).
    pub events: DecoderEvents,
    /// Generic app-layer events protocol detection raised while handling
    /// this packet (`app-layer-event:applayer_*`).
    pub app_events: AppLayerEvents,
    /// Capture time, whole seconds (`xbits` expiry counts in them).
    pub ts_secs: i64,
}

/// What the flow tracker knows about the packet's flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowInfo {
    /// The packet travels from the flow's initiator (client) to the responder.
    pub to_server: bool,
    /// TCP: the three-way handshake completed (or mid-stream pickup accepted);
    /// UDP and others: packets were seen in both directions.
    pub established: bool,
    /// The inspected payload is a reassembled stream chunk, not a single packet.
    pub from_stream: bool,
    /// TCP only: payload bytes the client (flow initiator) has sent *in
    /// sequence* so far, including this packet when it travels to the server
    /// and is in order. Retransmitted or overlapping bytes count once; the
    /// SYN and FIN flags count nothing. In sequence-number terms: the next
    /// expected client sequence number minus the client ISN minus 1 (mod
    /// 2^32 is fine; only the low 32 bits are used). 0 for non-TCP flows.
    ///
    /// `stream_size` compares `this + 1` (mod 2^32), which is Suricata's
    /// `next_seq - isn` as long as no FIN was seen (Suricata's value counts
    /// the FIN's sequence number too, one more than ours after a FIN).
    pub stream_bytes_toserver: u64,
    /// The same for the server (responder) side: payload bytes the server
    /// has sent in sequence so far.
    pub stream_bytes_toclient: u64,
    /// TCP only: the engine reassembles this flow's stream and will also
    /// present its data as stream-chunk views (`from_stream`), so payload
    /// rules that Suricata inspects on the stream must not also fire on
    /// the packet view.
    pub stream_active: bool,
    /// Application protocol detected on the flow, once known.
    pub app_proto: Option<crate::buffer::AppProto>,
    /// The flow's payload is no longer inspected by content rules
    /// (Suricata's `FLOW_NOPAYLOAD_INSPECTION`: a TLS flow once encrypted
    /// data started, under the default `encryption-handling`). Header
    /// rules and transaction rules still run.
    pub no_payload_inspection: bool,
    /// Protocol detected on each direction's data (to server, to client);
    /// None while unknown. Usually both are `app_proto`, but detection runs
    /// per direction (`app-layer-protocol:…,to_client`).
    pub app_proto_dir: [Option<crate::buffer::AppProto>; 2],
    /// Protocol detection finished for this packet's direction since the
    /// previous packet that way (Suricata's `PKT_PROTO_DETECT_*_DONE`): TCP
    /// data is detected on the peer's packet, so the flag goes to the
    /// next packet travelling that way; a UDP datagram carries its own.
    pub proto_detected: bool,
    /// An earlier packet of the flow travelled this way: Suricata
    /// inspects IP-only rules on the first packet of each direction only
    /// (never true for packets without a flow).
    pub ip_only_done: bool,
}

impl<'a> PacketView<'a> {
    /// A view with no transport details, for tests and for non-TCP/UDP/ICMP traffic.
    pub fn new(src: IpAddr, dst: IpAddr, ip_proto: u8, payload: &'a [u8]) -> Self {
        PacketView {
            src,
            dst,
            ip_proto,
            ttl: 64,
            sport: 0,
            dport: 0,
            payload,
            ipv4: None,
            tcp: None,
            icmp: None,
            is_fragment: false,
            flow: FlowInfo {
                to_server: true,
                ..FlowInfo::default()
            },
            headers: PacketHeaders::default(),
            vlan: Vlans::default(),
            checksums: Checksums::default(),
            events: DecoderEvents::default(),
            app_events: AppLayerEvents::default(),
            ts_secs: 0,
        }
    }
}
