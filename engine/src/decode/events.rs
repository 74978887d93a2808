//! Decoder events: what was wrong with a packet, and how often.
//!
//! Each event has Suricata's decoder event name (`ipv4.trunc_pkt`, ...) so
//! `decode-event` rules and stats output can use the familiar names. The
//! per-packet set is a bit set, so recording events never allocates.

use std::fmt;

use super::tunnel::Layer;

macro_rules! decode_events {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// A malformed or unsupported layer found while decoding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum DecodeEvent {
            $( $(#[$doc])* $variant, )*
        }

        impl DecodeEvent {
            /// Every event, in declaration order (index = discriminant).
            pub const ALL: &'static [DecodeEvent] = &[$(DecodeEvent::$variant,)*];

            /// Suricata's name for the event (as used by `decode-event:`).
            pub fn name(&self) -> &'static str {
                match self {
                    $( DecodeEvent::$variant => $name, )*
                }
            }
        }
    };
}

decode_events! {
    /// Fewer bytes than an Ethernet header.
    EthernetTooSmall => "ethernet.pkt_too_small",
    /// A VLAN tag announced but not fully captured.
    VlanHeaderTooSmall => "vlan.header_too_small",
    /// More VLAN tags than [`super::MAX_VLAN_LAYERS`].
    VlanTooManyLayers => "vlan.too_many_layers",
    /// Fewer bytes than a Linux SLL header.
    SllTooSmall => "sll.pkt_too_small",
    /// Fewer bytes than a Linux SLL2 header.
    Sll2TooSmall => "sll2.pkt_too_small",
    /// Fewer bytes than the 4-byte loopback header.
    NullTooSmall => "ltnull.pkt_too_small",
    /// Loopback address family that is neither IPv4 nor IPv6.
    NullUnsupportedFamily => "ltnull.unsupported_type",
    /// Raw-IP link with a version nibble other than 4 or 6 (or no byte at all).
    RawInvalidIpVersion => "ipraw.invalid_ip_version",
    /// Fewer bytes than a minimal IPv4 header.
    Ipv4PacketTooSmall => "ipv4.pkt_too_small",
    /// IHL below 5 (header shorter than 20 bytes).
    Ipv4BadHeaderLength => "ipv4.hlen_too_small",
    /// Total length smaller than the header length.
    Ipv4BadTotalLength => "ipv4.iplen_smaller_than_hlen",
    /// Total length (or IHL) larger than the packet, and the capture did
    /// not cut it.
    Ipv4TruncatedPacket => "ipv4.trunc_pkt",
    /// An IPv4 option with a length that is too small or runs past the header.
    Ipv4OptionBadLength => "ipv4.opt_invalid_len",
    /// Version field is not 4 where IPv4 was announced.
    Ipv4WrongVersion => "ipv4.wrong_ip_version",
    /// Fewer bytes than the IPv6 fixed header.
    Ipv6PacketTooSmall => "ipv6.pkt_too_small",
    /// Payload length larger than the packet (and the capture did not cut it).
    Ipv6TruncatedPacket => "ipv6.trunc_pkt",
    /// An extension header runs past the end of the packet.
    Ipv6TruncatedExtHeader => "ipv6.trunc_exthdr",
    /// Version field is not 6 where IPv6 was announced.
    Ipv6WrongVersion => "ipv6.wrong_ip_version",
    /// More than one fragment header.
    Ipv6DuplicateFragmentHeader => "ipv6.exthdr_dupl_fh",
    /// Fewer bytes than a TCP header.
    TcpPacketTooSmall => "tcp.pkt_too_small",
    /// Data offset below 5 words (Suricata sees an impossible option length).
    TcpBadHeaderLength => "tcp.invalid_optlen",
    /// Data offset points past the segment.
    TcpTruncatedHeader => "tcp.hlen_too_small",
    /// A TCP option with a bad length (too small, past the header, or a
    /// wrong size for MSS).
    TcpOptionBadLength => "tcp.opt_invalid_len",
    /// Fewer bytes than a UDP header.
    UdpPacketTooSmall => "udp.hlen_too_small",
    /// UDP length field larger than the IP payload.
    UdpLengthTooLarge => "udp.pkt_too_small",
    /// UDP length field below 8.
    UdpBadLength => "udp.hlen_invalid",
    /// Fewer bytes than an ICMP header.
    Icmpv4TooSmall => "icmpv4.pkt_too_small",
    /// Fewer bytes than an ICMPv6 header.
    Icmpv6TooSmall => "icmpv6.pkt_too_small",
    /// IPv4 announcing ICMPv6 as its protocol.
    Ipv4WithIcmpv6 => "ipv4.icmpv6",
    /// IPv6 announcing ICMPv4 as its next header.
    Ipv6WithIcmpv4 => "ipv6.icmpv4",
    /// A Fragment header with offset 0 and no more fragments.
    Ipv6UselessFragmentHeader => "ipv6.exthdr_useless_fh",
    /// More than one routing header.
    Ipv6DuplicateRoutingHeader => "ipv6.exthdr_dupl_rh",
    /// More than one hop-by-hop options header.
    Ipv6DuplicateHopByHop => "ipv6.exthdr_dupl_hh",
    /// More than two destination options headers.
    Ipv6DuplicateDestOpts => "ipv6.exthdr_dupl_dh",
    /// More than one authentication header.
    Ipv6DuplicateAuthHeader => "ipv6.exthdr_dupl_ah",
    /// An option inside a hop-by-hop or destination options header whose
    /// length runs past the header or is too short for its type.
    Ipv6InvalidOptionLength => "ipv6.exthdr_invalid_optlen",
    /// Authentication header with a non-zero reserved field.
    Ipv6AuthReservedNotZero => "ipv6.exthdr_ah_res_not_null",
    /// Hop-by-hop option of a type the decoder does not know.
    Ipv6HopOptsUnknownOption => "ipv6.hopopts_unknown_opt",
    /// Hop-by-hop header holding nothing but padding.
    Ipv6HopOptsOnlyPadding => "ipv6.hopopts_only_padding",
    /// Destination option of a type the decoder does not know (a known
    /// covert channel).
    Ipv6DestOptsUnknownOption => "ipv6.dstopts_unknown_opt",
    /// Destination options header holding nothing but padding.
    Ipv6DestOptsOnlyPadding => "ipv6.dstopts_only_padding",
    /// Type 0 routing header (deprecated by RFC 5095).
    Ipv6RoutingType0 => "ipv6.rh_type_0",
    /// PadN option of length 0.
    Ipv6ZeroLengthPadN => "ipv6.zero_len_padn",
    /// Fragment header with a non-zero reserved byte.
    Ipv6FragmentReservedNotZero => "ipv6.fh_non_zero_reserved_field",
    /// Bytes after a "no next header" (59).
    Ipv6DataAfterNoneHeader => "ipv6.data_after_none_header",
    /// A next-header value the decoder does not know.
    Ipv6UnknownNextHeader => "ipv6.unknown_next_header",
    /// IPv4-in-IPv6 payload shorter than an IPv4 header.
    Ipv4InIpv6TooSmall => "ipv6.ipv4_in_ipv6_too_small",
    /// IPv4-in-IPv6 payload whose version is not 4.
    Ipv4InIpv6WrongVersion => "ipv6.ipv4_in_ipv6_wrong_version",
    /// IPv6-in-IPv6 payload shorter than an IPv6 header.
    Ipv6InIpv6TooSmall => "ipv6.ipv6_in_ipv6_too_small",
    /// IPv6-in-IPv6 payload whose version is not 6.
    Ipv6InIpv6WrongVersion => "ipv6.ipv6_in_ipv6_wrong_version",
    /// Fewer bytes than a GRE header.
    GreTooSmall => "gre.pkt_too_small",
    /// GRE version other than 0 and 1.
    GreWrongVersion => "gre.wrong_version",
    /// GRE version 0 with the recursion control bits set.
    GreV0Recursion => "gre.version0_recur",
    /// GRE version 0 with reserved flag bits set.
    GreV0Flags => "gre.version0_flags",
    /// GRE version 0 whose optional fields run past the packet.
    GreV0HeaderTooBig => "gre.version0_hdr_too_big",
    /// GRE version 0 source route entry running past the packet.
    GreV0MalformedSre => "gre.version0_malformed_sre_hdr",
    /// Enhanced GRE (version 1) with the checksum bit set.
    GreV1Checksum => "gre.version1_chksum",
    /// Enhanced GRE with the routing bit set.
    GreV1Route => "gre.version1_route",
    /// Enhanced GRE with the strict source route bit set.
    GreV1StrictSourceRoute => "gre.version1_ssr",
    /// Enhanced GRE with recursion control bits set.
    GreV1Recursion => "gre.version1_recur",
    /// Enhanced GRE with reserved flag bits set.
    GreV1Flags => "gre.version1_flags",
    /// Enhanced GRE without the (mandatory) key bit.
    GreV1NoKey => "gre.version1_no_key",
    /// Enhanced GRE carrying something else than PPP.
    GreV1WrongProtocol => "gre.version1_wrong_protocol",
    /// Enhanced GRE whose optional fields run past the packet.
    GreV1HeaderTooBig => "gre.version1_hdr_too_big",
    /// Fewer bytes than an ERSPAN type II/III header.
    ErspanTooSmall => "erspan.header_too_small",
    /// ERSPAN version the decoder does not know.
    ErspanUnsupportedVersion => "erspan.unsupported_version",
    /// The ERSPAN VLAN would exceed the VLAN stack.
    ErspanTooManyVlans => "erspan.too_many_vlan_layers",
    /// VXLAN carrying an Ethernet type other than IPv4, IPv6, VLAN or ARP.
    VxlanUnknownPayload => "vxlan.unknown_payload_type",
    /// Geneve carrying a protocol type other than IPv4, IPv6, Ethernet or
    /// ARP.
    GeneveUnknownPayload => "geneve.unknown_payload_type",
    /// PPP frame too short for its protocol field.
    PppTooSmall => "ppp.pkt_too_small",
    /// PPP Van Jacobson uncompressed frame too short for an IPv4 header.
    PppVjuTooSmall => "ppp.vju_pkt_too_small",
    /// PPP IPv4 frame too short for an IPv4 header.
    PppIpv4TooSmall => "ppp.ip4_pkt_too_small",
    /// PPP IPv6 frame too short for an IPv6 header.
    PppIpv6TooSmall => "ppp.ip6_pkt_too_small",
    /// PPP protocol number that is not assigned.
    PppWrongType => "ppp.wrong_type",
    /// PPP network protocol the decoder does not handle (IPX, MPLS, ...).
    PppUnsupportedProtocol => "ppp.unsup_proto",
    /// Fewer bytes than a PPPoE header.
    PppoeTooSmall => "pppoe.pkt_too_small",
    /// PPPoE discovery code that is not PADI/PADO/PADR/PADS/PADT.
    PppoeWrongCode => "pppoe.wrong_code",
    /// PPPoE discovery length beyond the packet.
    PppoeMalformedTags => "pppoe.malformed_tags",
    /// More nested layers than the decoder follows.
    TooManyLayers => "too_many_layers",
}

impl DecodeEvent {
    /// The same event in the rule engine's table (for `decode-event`).
    /// Looked up by name, which is shared; only packets with events pay.
    pub fn rule_event(&self) -> Option<sigil_rules::packet::DecoderEvent> {
        sigil_rules::packet::DecoderEvent::from_name(self.name())
    }
}

impl fmt::Display for DecodeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The events of one packet (a bit set over [`DecodeEvent`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeEvents(u128);

impl DecodeEvents {
    /// Records an event.
    pub fn push(&mut self, ev: DecodeEvent) {
        self.0 |= 1u128 << (ev as u8);
    }

    /// True when `ev` was recorded.
    pub fn contains(&self, ev: DecodeEvent) -> bool {
        self.0 & (1u128 << (ev as u8)) != 0
    }

    /// True when no event was recorded.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Adds every event of `other`.
    pub fn extend(&mut self, other: DecodeEvents) {
        self.0 |= other.0;
    }

    /// The recorded events in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = DecodeEvent> + '_ {
        // Walks the set bits only: every packet is asked, almost all have
        // none, and testing each of the ~100 events cost 1.7 % of a pass.
        let mut bits = self.0;
        std::iter::from_fn(move || {
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                // `ALL[i]` is the event of bit `i` (a test checks it).
                if let Some(e) = DecodeEvent::ALL.get(i) {
                    return Some(*e);
                }
            }
            None
        })
    }
}

/// Decoder counters over a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeStats {
    /// Packets decoded.
    pub packets: u64,
    /// Packets with an IPv4 layer.
    pub ipv4: u64,
    /// Packets with an IPv6 layer.
    pub ipv6: u64,
    /// TCP segments.
    pub tcp: u64,
    /// UDP datagrams.
    pub udp: u64,
    /// ICMP messages.
    pub icmpv4: u64,
    /// ICMPv6 messages.
    pub icmpv6: u64,
    /// Packets with at least one VLAN tag.
    pub vlan: u64,
    /// IP fragments.
    pub fragments: u64,
    /// Packets cut by the capture's snap length.
    pub snapped: u64,
    /// Packets with at least one decoder event.
    pub with_events: u64,
    /// Packets decoded from tunnels (not counted in `packets`).
    pub tunnel_packets: u64,
    events: [u64; 128],
    layers: [u64; Layer::ALL.len()],
}

impl Default for DecodeStats {
    fn default() -> Self {
        DecodeStats {
            packets: 0,
            ipv4: 0,
            ipv6: 0,
            tcp: 0,
            udp: 0,
            icmpv4: 0,
            icmpv6: 0,
            vlan: 0,
            fragments: 0,
            snapped: 0,
            with_events: 0,
            tunnel_packets: 0,
            events: [0; 128],
            layers: [0; Layer::ALL.len()],
        }
    }
}

impl DecodeStats {
    /// Counts one decoded packet: a captured one, or one decoded from a
    /// tunnel (which Suricata's `decoder.pkts` does not count but its
    /// per-protocol counters do).
    pub fn record(&mut self, d: &super::Decoded<'_>) {
        use super::Transport;
        if d.tunnel.is_some() {
            self.tunnel_packets += 1;
        } else {
            self.packets += 1;
        }
        if !d.layers.is_empty() {
            for (slot, layer) in self.layers.iter_mut().zip(Layer::ALL) {
                if d.layers.contains(layer) {
                    *slot += 1;
                }
            }
        }
        if let Some(ip) = &d.ip {
            if ip.v4.is_some() {
                self.ipv4 += 1;
            } else {
                self.ipv6 += 1;
            }
            if ip.fragment.is_some() {
                self.fragments += 1;
            }
        }
        match d.transport {
            Some(Transport::Tcp(_)) => self.tcp += 1,
            Some(Transport::Udp(_)) => self.udp += 1,
            Some(Transport::Icmpv4(_)) => self.icmpv4 += 1,
            Some(Transport::Icmpv6(_)) => self.icmpv6 += 1,
            None => {}
        }
        if !d.vlan.is_empty() {
            self.vlan += 1;
        }
        if d.snapped {
            self.snapped += 1;
        }
        if !d.events.is_empty() {
            self.with_events += 1;
        }
        for ev in d.events.iter() {
            if let Some(slot) = self.events.get_mut(usize::from(ev as u8)) {
                *slot += 1;
            }
        }
    }

    /// How many packets raised `ev`.
    pub fn event_count(&self, ev: DecodeEvent) -> u64 {
        self.events.get(usize::from(ev as u8)).copied().unwrap_or(0)
    }

    /// How many packets went through `layer`.
    pub fn layer_count(&self, layer: Layer) -> u64 {
        self.layers.get(layer as usize).copied().unwrap_or(0)
    }

    /// Every encapsulation counter by Suricata name (`gre`, `vxlan`, ...).
    pub fn layers(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Layer::ALL.iter().map(|l| (l.name(), self.layer_count(*l)))
    }

    /// Non-zero event counters by Suricata name.
    pub fn events(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        DecodeEvent::ALL
            .iter()
            .map(|e| (e.name(), self.event_count(*e)))
            .filter(|(_, n)| *n > 0)
    }

    /// Adds another worker's counters to these.
    pub fn merge(&mut self, other: &DecodeStats) {
        self.packets += other.packets;
        self.ipv4 += other.ipv4;
        self.ipv6 += other.ipv6;
        self.tcp += other.tcp;
        self.udp += other.udp;
        self.icmpv4 += other.icmpv4;
        self.icmpv6 += other.icmpv6;
        self.vlan += other.vlan;
        self.fragments += other.fragments;
        self.snapped += other.snapped;
        self.with_events += other.with_events;
        self.tunnel_packets += other.tunnel_packets;
        for (a, b) in self.events.iter_mut().zip(other.events.iter()) {
            *a += b;
        }
        for (a, b) in self.layers.iter_mut().zip(other.layers.iter()) {
            *a += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_events_fit_the_bit_set_and_names_are_unique() {
        assert!(DecodeEvent::ALL.len() <= 128);
        for (i, e) in DecodeEvent::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i);
        }
        let mut names: Vec<_> = DecodeEvent::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DecodeEvent::ALL.len());
    }

    #[test]
    fn rule_table_marks_exactly_the_events_raised_here() {
        use sigil_rules::packet::DecoderEvent as RuleEvent;
        for e in DecodeEvent::ALL {
            let r = e
                .rule_event()
                .unwrap_or_else(|| panic!("{e} is not a Suricata decoder event name"));
            assert!(r.raised_by_sigil(), "{e} is raised but not marked so");
        }
        // The defragmenter raises the fragment events on the fragment.
        let defrag: Vec<&str> = crate::defrag::DefragEvent::ALL
            .iter()
            .map(|e| e.name())
            .collect();
        // The stream engine raises the stream events.
        let stream: Vec<&str> = crate::stream::StreamEvent::ALL
            .iter()
            .map(|e| e.name())
            .collect();
        for name in &stream {
            let r = RuleEvent::from_name(name)
                .unwrap_or_else(|| panic!("{name} is not a Suricata stream event name"));
            assert!(r.raised_by_sigil(), "{name} is raised but not marked so");
        }
        for r in RuleEvent::all().filter(|r| r.raised_by_sigil()) {
            assert!(
                DecodeEvent::ALL.iter().any(|e| e.name() == r.name())
                    || defrag.contains(&r.name())
                    || stream.contains(&r.name()),
                "{r} is marked raised but neither the decoder, defrag nor the stream engine raises it"
            );
        }
    }

    #[test]
    fn event_set_records_and_iterates() {
        let mut s = DecodeEvents::default();
        assert!(s.is_empty());
        s.push(DecodeEvent::UdpBadLength);
        s.push(DecodeEvent::EthernetTooSmall);
        s.push(DecodeEvent::UdpBadLength);
        let v: Vec<_> = s.iter().collect();
        assert_eq!(
            v,
            vec![DecodeEvent::EthernetTooSmall, DecodeEvent::UdpBadLength]
        );
        assert!(s.contains(DecodeEvent::UdpBadLength));
        assert!(!s.contains(DecodeEvent::TcpBadHeaderLength));
    }
}
