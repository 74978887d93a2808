//! Tunnels: packets carried inside other packets, decoded as packets of
//! their own.
//!
//! Decoding a packet records, besides its own layers, the encapsulated
//! packet it carries ([`Encap`]: GRE, ERSPAN, VXLAN, Geneve, Teredo, IP-in-IP,
//! PPTP's PPP). [`decode_tunnel`] then decodes that inner packet the way
//! Suricata decodes its tunnel pseudo packets: from the byte where the
//! encapsulated header starts, as a packet with its own addresses, ports,
//! VLAN ids and decoder events, one level deeper. The inner packet borrows
//! the same frame, so nothing is copied; nesting is bounded by
//! [`MAX_LAYERS`], as Suricata's `decoder.max-layers` bounds it.

use super::events::{DecodeEvent, DecodeEvents};
use super::{erspan, link, ppp, Decoded};

/// Most layers (VLAN tags, PPP, IP headers, GRE, ERSPAN, VXLAN and tunnel
/// levels, counted together) a packet and its tunnels may have; deeper
/// nesting raises `too_many_layers` and stops there. Suricata's default
/// `decoder.max-layers`.
pub const MAX_LAYERS: u8 = 16;

/// Most ports a UDP tunnel can be configured on.
const MAX_PORTS: usize = 8;

/// Most Geneve ports: Suricata ignores the ones after the fourth.
pub const MAX_GENEVE_PORTS: usize = 4;

/// UDP ports a UDP-borne tunnel is recognised on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSet {
    ports: [u16; MAX_PORTS],
    len: u8,
    any: bool,
}

impl PortSet {
    /// No port.
    pub const NONE: PortSet = PortSet {
        ports: [0; MAX_PORTS],
        len: 0,
        any: false,
    };

    /// Every port (Suricata's `any`).
    pub const ANY: PortSet = PortSet {
        ports: [0; MAX_PORTS],
        len: 0,
        any: true,
    };

    /// The given ports (at most eight; the rest are ignored).
    pub fn of(ports: &[u16]) -> PortSet {
        let mut s = PortSet::NONE;
        for (slot, p) in s.ports.iter_mut().zip(ports) {
            *slot = *p;
            s.len += 1;
        }
        s
    }

    /// Parses Suricata's port list syntax: `4789`, `[4789, 8472]`, `any`.
    pub fn parse(text: &str) -> Result<PortSet, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("any") {
            return Ok(PortSet::ANY);
        }
        let inner = t
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(t);
        let mut ports = Vec::new();
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let p = part
                .parse::<u16>()
                .map_err(|_| format!("bad port {part:?} in {text:?}"))?;
            ports.push(p);
        }
        if ports.len() > MAX_PORTS {
            return Err(format!("at most {MAX_PORTS} ports: {text:?}"));
        }
        Ok(PortSet::of(&ports))
    }

    /// The set with only its first `n` ports (`any` stays `any`).
    pub fn first(mut self, n: usize) -> PortSet {
        self.len = self.len.min(u8::try_from(n).unwrap_or(u8::MAX));
        self
    }

    /// True when `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        self.any
            || self
                .ports
                .get(..usize::from(self.len))
                .is_some_and(|p| p.contains(&port))
    }
}

/// Which tunnels the decoder follows, and on which ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeConfig {
    /// VXLAN (UDP destination port in `vxlan_ports`), Suricata's
    /// `decoder.vxlan.enabled`.
    pub vxlan: bool,
    /// `decoder.vxlan.ports` (default 4789).
    pub vxlan_ports: PortSet,
    /// Teredo (either UDP port in `teredo_ports`), `decoder.teredo.enabled`.
    pub teredo: bool,
    /// `decoder.teredo.ports` (default 3544).
    pub teredo_ports: PortSet,
    /// Geneve (either UDP port in `geneve_ports`), `decoder.geneve.enabled`.
    pub geneve: bool,
    /// `decoder.geneve.ports` (default 6081; Suricata keeps at most
    /// [`MAX_GENEVE_PORTS`]).
    pub geneve_ports: PortSet,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig {
            vxlan: true,
            vxlan_ports: PortSet::of(&[4789]),
            teredo: true,
            teredo_ports: PortSet::of(&[3544]),
            geneve: true,
            geneve_ports: PortSet::of(&[6081]),
        }
    }
}

impl DecodeConfig {
    /// Reads `decoder.vxlan.*`, `decoder.teredo.*` and `decoder.geneve.*`
    /// from a configuration,
    /// keeping the defaults for what it does not set. A port list may name
    /// a `vars.port-groups` variable (`$VXLAN_PORTS`), as Suricata's does.
    pub fn from_config(cfg: &crate::config::Config) -> Result<DecodeConfig, String> {
        let mut c = DecodeConfig::default();
        let ports = |key: &str, default: PortSet| -> Result<PortSet, String> {
            let Some(text) = cfg.get_str(key) else {
                return Ok(default);
            };
            let text = match text.trim().strip_prefix('$') {
                Some(var) => cfg
                    .get_str(&format!("vars.port-groups.{var}"))
                    .ok_or_else(|| format!("{key}: unknown port variable ${var}"))?,
                None => text,
            };
            PortSet::parse(&text).map_err(|e| format!("{key}: {e}"))
        };
        if let Some(b) = cfg.get_bool("decoder.vxlan.enabled") {
            c.vxlan = b;
        }
        c.vxlan_ports = ports("decoder.vxlan.ports", c.vxlan_ports)?;
        if let Some(b) = cfg.get_bool("decoder.teredo.enabled") {
            c.teredo = b;
        }
        c.teredo_ports = ports("decoder.teredo.ports", c.teredo_ports)?;
        if let Some(b) = cfg.get_bool("decoder.geneve.enabled") {
            c.geneve = b;
        }
        c.geneve_ports = ports("decoder.geneve.ports", c.geneve_ports)?.first(MAX_GENEVE_PORTS);
        Ok(c)
    }
}

/// The protocol a tunnel packet was found in (Suricata's packet source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TunnelKind {
    /// GRE (plain, PPTP's enhanced GRE, and ERSPAN over GRE).
    Gre,
    /// VXLAN over UDP.
    Vxlan,
    /// Geneve over UDP.
    Geneve,
    /// Teredo (IPv6 over UDP).
    Teredo,
    /// IPv4 or IPv6 carried directly by IPv4 (protocol 4 or 41).
    Ipv4,
    /// IPv4 or IPv6 carried directly by IPv6 (next header 4 or 41).
    Ipv6,
}

impl TunnelKind {
    /// Suricata's `pkt_src` name for packets decoded from this tunnel.
    pub fn pkt_src(&self) -> &'static str {
        match self {
            TunnelKind::Gre => "gre tunnel",
            TunnelKind::Vxlan => "vxlan encapsulation",
            TunnelKind::Geneve => "geneve encapsulation",
            TunnelKind::Teredo => "teredo tunnel",
            TunnelKind::Ipv4 => "ipv4 tunnel",
            TunnelKind::Ipv6 => "ipv6 tunnel",
        }
    }
}

/// Where an encapsulated packet's decoding starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// An IPv4 header.
    Ipv4,
    /// An IPv6 header.
    Ipv6,
    /// An Ethernet frame (transparent Ethernet bridging over GRE).
    Ethernet,
    /// An 802.1Q tag (tag control and ethertype) whose TPID was the
    /// carrier's protocol field.
    Vlan,
    /// A PPP frame (PPTP).
    Ppp,
    /// ERSPAN type I: an Ethernet frame right after GRE.
    ErspanI,
    /// ERSPAN type II header, then an Ethernet frame.
    ErspanII,
    /// ERSPAN type III header (and optional platform sub-header), then an
    /// Ethernet frame.
    ErspanIII,
}

/// An encapsulated packet found while decoding its carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encap<'a> {
    /// The carrier protocol.
    pub kind: TunnelKind,
    /// What the encapsulated bytes start with.
    pub start: Start,
    /// The encapsulated packet: from its first header to the end of the
    /// carrier's payload.
    pub bytes: &'a [u8],
    /// The counter a successfully decoded tunnel adds to (IP-in-IP
    /// variants and Teredo count tunnels, not headers).
    pub counter: Option<Layer>,
}

/// A layer counted in the decoder statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Layer {
    /// A GRE header.
    Gre,
    /// An ERSPAN header (any type).
    Erspan,
    /// A VXLAN header.
    Vxlan,
    /// A Geneve header.
    Geneve,
    /// A Teredo tunnel.
    Teredo,
    /// A PPP frame.
    Ppp,
    /// A PPPoE header (session or discovery).
    Pppoe,
    /// IPv4 in IPv4.
    Ipv4InIpv4,
    /// IPv6 in IPv4.
    Ipv6InIpv4,
    /// IPv4 in IPv6.
    Ipv4InIpv6,
    /// IPv6 in IPv6.
    Ipv6InIpv6,
}

impl Layer {
    /// Every layer, in declaration order.
    pub const ALL: [Layer; 11] = [
        Layer::Gre,
        Layer::Erspan,
        Layer::Vxlan,
        Layer::Geneve,
        Layer::Teredo,
        Layer::Ppp,
        Layer::Pppoe,
        Layer::Ipv4InIpv4,
        Layer::Ipv6InIpv4,
        Layer::Ipv4InIpv6,
        Layer::Ipv6InIpv6,
    ];

    /// Suricata's counter name (`decoder.<name>`).
    pub fn name(&self) -> &'static str {
        match self {
            Layer::Gre => "gre",
            Layer::Erspan => "erspan",
            Layer::Vxlan => "vxlan",
            Layer::Geneve => "geneve",
            Layer::Teredo => "teredo",
            Layer::Ppp => "ppp",
            Layer::Pppoe => "pppoe",
            Layer::Ipv4InIpv4 => "ipv4_in_ipv4",
            Layer::Ipv6InIpv4 => "ipv6_in_ipv4",
            Layer::Ipv4InIpv6 => "ipv4_in_ipv6",
            Layer::Ipv6InIpv6 => "ipv6_in_ipv6",
        }
    }
}

/// The layers one packet went through: which were seen (for counters) and
/// how many were decoded in all (for the nesting bound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layers {
    seen: u16,
    depth: u8,
}

impl Layers {
    /// Notes that `layer` was met.
    pub fn see(&mut self, layer: Layer) {
        self.seen |= 1 << (layer as u8);
    }

    /// True when no counted layer was met (most packets).
    pub fn is_empty(&self) -> bool {
        self.seen == 0
    }

    /// True when `layer` was met.
    pub fn contains(&self, layer: Layer) -> bool {
        self.seen & (1 << (layer as u8)) != 0
    }

    /// Counts one more decoded layer. False (with `too_many_layers`) when
    /// that is one too many: the caller stops decoding there.
    pub fn enter(&mut self, events: &mut DecodeEvents) -> bool {
        self.depth = self.depth.saturating_add(1);
        if self.depth >= MAX_LAYERS {
            events.push(DecodeEvent::TooManyLayers);
            return false;
        }
        true
    }

    /// Layers decoded so far.
    pub fn depth(&self) -> u8 {
        self.depth
    }
}

/// Where a tunnel packet came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelInfo {
    /// The carrier protocol.
    pub kind: TunnelKind,
    /// Nesting level: 1 for a packet inside a wire packet.
    pub depth: u8,
}

/// Decodes the packet `outer` carries, if any.
///
/// On success the carrier's payload is emptied: as with Suricata's
/// no-payload-inspection flag, its bytes are inspected as the inner
/// packet, not twice. When the inner packet cannot be decoded (where
/// Suricata drops its pseudo packet) there is no inner packet and its
/// decoder events (a bad ERSPAN header, a short PPP frame, a broken inner
/// IP header) are recorded on the carrier instead, so they are not lost.
pub fn decode_tunnel<'a>(
    outer: &mut Decoded<'a>,
    cfg: &super::DecodeConfig,
) -> Option<Decoded<'a>> {
    let encap = outer.encap.take()?;
    let depth = outer.tunnel.map_or(1, |t| t.depth.saturating_add(1));
    // Layer counts restart in a reassembled datagram; the tunnel level
    // never does, so it bounds nesting on its own.
    if depth >= MAX_LAYERS {
        outer.events.push(DecodeEvent::TooManyLayers);
        return None;
    }
    let mut d = Decoded::empty(crate::capture::LinkType::Raw, encap.bytes, outer.snapped);
    d.layers.depth = outer.layers.depth;
    d.tunnel = Some(TunnelInfo {
        kind: encap.kind,
        depth,
    });
    let mut ok = d.layers.enter(&mut d.events) && decode_start(&mut d, encap, cfg);
    if encap.kind == TunnelKind::Teredo {
        // Teredo has no field of its own to recognise it by: only a sound
        // IPv6 packet makes the datagram a tunnel; anything else is plain
        // UDP, with no events of the would-be inner packet.
        ok = ok && d.events.is_empty();
        if !ok {
            return None;
        }
    }
    if !ok {
        // The layers met were decoded (Suricata counts them on entry).
        outer.layers.seen |= d.layers.seen;
        outer.events.extend(d.events);
        return None;
    }
    if let Some(layer) = encap.counter {
        outer.layers.see(layer);
    }
    outer.payload = &[];
    Some(d)
}

/// Decodes `encap` into `d` from its start point. False when the inner
/// packet is unusable (Suricata's tunnel decoder failing).
fn decode_start<'a>(d: &mut Decoded<'a>, encap: Encap<'a>, cfg: &super::DecodeConfig) -> bool {
    let bytes = encap.bytes;
    let link = match encap.start {
        Start::Ipv4 => return super::decode_network(d, link::Net::Ipv4, bytes, cfg),
        Start::Ipv6 => return super::decode_network(d, link::Net::Ipv6, bytes, cfg),
        Start::Ppp => {
            return match ppp::decode_ppp(bytes, d) {
                ppp::PppPayload::Malformed => false,
                ppp::PppPayload::NotIp => true,
                ppp::PppPayload::Ip(net, rest) => super::decode_network(d, net, rest, cfg),
            }
        }
        Start::Vlan => link::ethertype_dispatch(0x8100, bytes, d),
        Start::Ethernet => link::ethernet(bytes, d),
        Start::ErspanI => {
            d.layers.see(Layer::Erspan);
            link::ethernet(bytes, d)
        }
        Start::ErspanII => erspan::type_ii(bytes, d).and_then(|f| link::ethernet(f, d)),
        Start::ErspanIII => erspan::type_iii(bytes, d).and_then(|f| link::ethernet(f, d)),
    };
    network_or_other(d, link, cfg)
}

/// Continues after a link layer. Only a broken link layer drops the
/// packet: behind a sound one, a packet that is not IP, or whose IP header
/// is broken, is kept without a network layer (Suricata's Ethernet and
/// VLAN decoders do not fail on what follows them).
fn network_or_other<'a>(
    d: &mut Decoded<'a>,
    link: Option<(link::Net, &'a [u8])>,
    cfg: &super::DecodeConfig,
) -> bool {
    match link {
        None => false,
        Some((link::Net::Other, _)) => true,
        Some((net, rest)) => {
            super::decode_network(d, net, rest, cfg);
            // A broken IP header behind a link layer leaves a packet with
            // events and no network layer, as Suricata's Ethernet decoder
            // does not fail on it.
            true
        }
    }
}
