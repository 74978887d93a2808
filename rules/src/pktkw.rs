//! Packet keywords on facts the decoder reports beyond header fields:
//! `vlan.id`, `vlan.layers`, the checksum keywords (`ipv4-csum`,
//! `tcpv4-csum`, `tcpv6-csum`, `udpv4-csum`, `udpv6-csum`, `icmpv4-csum`,
//! `icmpv6-csum`), `icmpv6.mtu` and `decode-event`.

use crate::applayer_events::{AppLayerEvent, AppLayerEventError};
use crate::decoder_events::DecoderEvent;
use crate::keyword::KwError;
use crate::packet::{ipproto, PacketView};
use crate::uint::{parse_uint, UintMatch};

/// Largest VLAN id (12 bits).
const MAX_VLAN_ID: u64 = 0xfff;
/// Suricata decodes at most this many VLAN layers, so indexes run from
/// `-MAX_VLAN_LAYERS` to `MAX_VLAN_LAYERS - 1`.
const MAX_VLAN_LAYERS: i8 = 3;

/// Which VLAN layer(s) `vlan.id` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VlanLayer {
    /// Any layer may match (the default, and `any`).
    Any,
    /// Every layer must match, and there must be at least one (`all`).
    All,
    /// One layer: 0 is the outermost, -1 the innermost.
    At(i8),
}

/// A layer whose checksum a `*-csum` keyword checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsumLayer {
    /// `ipv4-csum`.
    Ipv4,
    /// `tcpv4-csum`.
    Tcpv4,
    /// `tcpv6-csum`.
    Tcpv6,
    /// `udpv4-csum`.
    Udpv4,
    /// `udpv6-csum`.
    Udpv6,
    /// `icmpv4-csum`.
    Icmpv4,
    /// `icmpv6-csum`.
    Icmpv6,
}

impl CsumLayer {
    fn from_keyword(kw: &str) -> Option<CsumLayer> {
        Some(match kw {
            "ipv4-csum" => CsumLayer::Ipv4,
            "tcpv4-csum" => CsumLayer::Tcpv4,
            "tcpv6-csum" => CsumLayer::Tcpv6,
            "udpv4-csum" => CsumLayer::Udpv4,
            "udpv6-csum" => CsumLayer::Udpv6,
            "icmpv4-csum" => CsumLayer::Icmpv4,
            "icmpv6-csum" => CsumLayer::Icmpv6,
            _ => return None,
        })
    }

    /// True when the packet has this layer over the right IP version.
    fn present(self, p: &PacketView) -> bool {
        let v4 = p.src.is_ipv4();
        match self {
            CsumLayer::Ipv4 => v4,
            CsumLayer::Tcpv4 => v4 && p.ip_proto == ipproto::TCP && p.tcp.is_some(),
            CsumLayer::Tcpv6 => !v4 && p.ip_proto == ipproto::TCP && p.tcp.is_some(),
            CsumLayer::Udpv4 => v4 && p.ip_proto == ipproto::UDP && !p.headers.udp.is_empty(),
            CsumLayer::Udpv6 => !v4 && p.ip_proto == ipproto::UDP && !p.headers.udp.is_empty(),
            CsumLayer::Icmpv4 => v4 && p.ip_proto == ipproto::ICMP && p.icmp.is_some(),
            CsumLayer::Icmpv6 => !v4 && p.ip_proto == ipproto::ICMPV6 && p.icmp.is_some(),
        }
    }
}

/// One compiled keyword of this module.
#[derive(Debug, Clone, PartialEq)]
pub enum PktCheck {
    /// `vlan.id:[op]id[,layer]`.
    VlanId { cmp: UintMatch, layer: VlanLayer },
    /// `vlan.layers:[op]n`.
    VlanLayers(UintMatch),
    /// `<layer>-csum:valid|invalid`.
    Csum { layer: CsumLayer, valid: bool },
    /// `decode-event:<name>` or `stream-event:<name>`.
    DecodeEvent(DecoderEvent),
    /// `icmpv6.mtu:[op]n`: the MTU of an ICMPv6 Packet Too Big message.
    Icmpv6Mtu(UintMatch),
    /// `app-layer-event:applayer_*`: a generic app-layer event of the packet.
    AppLayerEvent(AppLayerEvent),
}

/// True for the keywords [`PktCheck::parse`] handles.
pub fn is_pkt_keyword(kw: &str) -> bool {
    matches!(
        kw,
        "vlan.id" | "vlan.layers" | "decode-event" | "stream-event" | "icmpv6.mtu"
    ) || CsumLayer::from_keyword(kw).is_some()
}

impl PktCheck {
    /// Parses keyword `kw` (one [`is_pkt_keyword`] accepts).
    pub fn parse(kw: &str, value: Option<&str>) -> Result<PktCheck, KwError> {
        let v = value
            .map(str::trim)
            .ok_or_else(|| KwError::invalid(format!("{kw} needs a value")))?;
        if let Some(layer) = CsumLayer::from_keyword(kw) {
            return Ok(PktCheck::Csum {
                layer,
                valid: csum_arg(v, kw)?,
            });
        }
        match kw {
            "vlan.id" => vlan_id(v),
            "vlan.layers" => parse_uint(v, u64::from(u8::MAX))
                .map(PktCheck::VlanLayers)
                .map_err(|e| KwError::invalid(format!("vlan.layers: {e}"))),
            "decode-event" => decode_event(v),
            "app-layer-event" => app_layer_event(v),
            "stream-event" => stream_event(v),
            "icmpv6.mtu" => parse_uint(v, u64::from(u32::MAX))
                .map(PktCheck::Icmpv6Mtu)
                .map_err(|e| KwError::invalid(format!("icmpv6.mtu: {e}"))),
            other => Err(KwError::invalid(format!("{other} is not a packet keyword"))),
        }
    }

    /// True for keywords about the packet itself that a reassembled stream
    /// chunk cannot satisfy.
    pub fn packet_only(&self) -> bool {
        matches!(
            self,
            PktCheck::Csum { .. }
                | PktCheck::DecodeEvent(_)
                | PktCheck::Icmpv6Mtu(_)
                | PktCheck::AppLayerEvent(_)
        )
    }

    /// Evaluates the keyword on `p`.
    pub fn eval(&self, p: &PacketView) -> bool {
        match *self {
            PktCheck::VlanId { cmp, layer } => vlan_id_matches(p.vlan.as_slice(), cmp, layer),
            PktCheck::VlanLayers(cmp) => cmp.matches(p.vlan.as_slice().len() as u64),
            PktCheck::Csum { layer, valid } => {
                if p.flow.from_stream || !layer.present(p) {
                    return false;
                }
                if p.checksums.ignored {
                    // Suricata: with checksum checks off every checksum
                    // counts as valid.
                    return valid;
                }
                let ok = match layer {
                    CsumLayer::Ipv4 => p.checksums.ipv4,
                    _ => p.checksums.l4,
                };
                // An unverifiable checksum (e.g. UDP over IPv4 sent without
                // one) matches neither `valid` nor `invalid`.
                ok.is_some_and(|ok| ok == valid)
            }
            PktCheck::DecodeEvent(ev) => p.events.contains(ev),
            PktCheck::AppLayerEvent(ev) => !p.flow.from_stream && p.app_events.contains(ev),
            PktCheck::Icmpv6Mtu(cmp) => icmpv6_mtu(p).is_some_and(|m| cmp.matches(u64::from(m))),
        }
    }
}

/// The MTU field of an ICMPv6 Packet Too Big message (type 2, code 0).
fn icmpv6_mtu(p: &PacketView) -> Option<u32> {
    const PACKET_TOO_BIG: u8 = 2;
    if p.ip_proto != ipproto::ICMPV6 || p.flow.from_stream {
        return None;
    }
    let i = p.icmp?;
    if i.itype != PACKET_TOO_BIG || i.icode != 0 {
        return None;
    }
    let b = p.headers.icmp.get(4..8)?;
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

/// `valid` or `invalid`, optionally quoted. Suricata decides validity on
/// the raw value, so a quoted `"valid"` means *invalid* there; the same
/// happens here so rules behave identically.
fn csum_arg(v: &str, kw: &str) -> Result<bool, KwError> {
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    if inner.eq_ignore_ascii_case("valid") || inner.eq_ignore_ascii_case("invalid") {
        Ok(v.eq_ignore_ascii_case("valid"))
    } else {
        Err(KwError::invalid(format!(
            "{kw}: expected valid or invalid, got {v:?}"
        )))
    }
}

fn vlan_id(v: &str) -> Result<PktCheck, KwError> {
    let bad = |why: String| KwError::invalid(format!("vlan.id: {why}"));
    let mut parts = v.split(',').map(str::trim);
    let expr = parts.next().unwrap_or_default();
    let layer = match (parts.next(), parts.next()) {
        (None, _) => VlanLayer::Any,
        (Some(_), Some(_)) => return Err(bad(format!("too many arguments in {v:?}"))),
        (Some(l), None) => match l.to_ascii_lowercase().as_str() {
            "any" => VlanLayer::Any,
            "all" => VlanLayer::All,
            n => {
                let i: i8 = n.parse().map_err(|_| bad(format!("invalid layer {l:?}")))?;
                if !(-MAX_VLAN_LAYERS..MAX_VLAN_LAYERS).contains(&i) {
                    return Err(bad(format!(
                        "layer {i} is out of range ({}..={})",
                        -MAX_VLAN_LAYERS,
                        MAX_VLAN_LAYERS - 1
                    )));
                }
                VlanLayer::At(i)
            }
        },
    };
    let cmp = parse_uint(expr, MAX_VLAN_ID).map_err(bad)?;
    Ok(PktCheck::VlanId { cmp, layer })
}

fn vlan_id_matches(ids: &[u16], cmp: UintMatch, layer: VlanLayer) -> bool {
    let hit = |id: &u16| cmp.matches(u64::from(*id));
    match layer {
        VlanLayer::Any => ids.iter().any(hit),
        VlanLayer::All => !ids.is_empty() && ids.iter().all(hit),
        VlanLayer::At(i) => {
            let idx = if i >= 0 {
                usize::try_from(i).ok()
            } else {
                ids.len().checked_sub(usize::from(i.unsigned_abs()))
            };
            idx.and_then(|i| ids.get(i)).is_some_and(hit)
        }
    }
}

fn decode_event(v: &str) -> Result<PktCheck, KwError> {
    let name = v.trim_matches('"').trim();
    if let Some(ev) = DecoderEvent::from_name(name) {
        if !ev.raised_by_sigil() {
            return Err(KwError::unsupported(format!(
                "decoder event {name} is never raised by Sigil's decoder"
            )));
        }
        return Ok(PktCheck::DecodeEvent(ev));
    }
    Err(KwError::invalid(format!("unknown decoder event {name:?}")))
}

/// `app-layer-event:applayer_*` (the protocol events are transaction
/// checks, see `crate::appevent`).
fn app_layer_event(v: &str) -> Result<PktCheck, KwError> {
    let name = v.trim_matches('"').trim();
    match AppLayerEvent::from_name(name) {
        Ok(ev) => Ok(PktCheck::AppLayerEvent(ev)),
        Err(AppLayerEventError::NotRaised) => Err(KwError::unsupported(format!(
            "app-layer event {name} is never raised by Sigil's protocol detection"
        ))),
        Err(AppLayerEventError::Unknown) => Err(KwError::invalid(format!(
            "unknown app-layer event {name:?}"
        ))),
    }
}

/// `stream-event:<name>`: Suricata's stream event `stream.<name>`, raised by
/// the engine's session tracker and reassembly on the packet concerned.
fn stream_event(v: &str) -> Result<PktCheck, KwError> {
    let name = v.trim_matches('"').trim();
    let Some(ev) = DecoderEvent::from_name(&format!("stream.{name}")) else {
        return Err(KwError::invalid(format!("unknown stream event {name:?}")));
    };
    if !ev.raised_by_sigil() {
        return Err(KwError::unsupported(format!(
            "stream event {name} is never raised by Sigil's stream engine"
        )));
    }
    Ok(PktCheck::DecodeEvent(ev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{Checksums, IcmpFields, Ipv4Fields, TcpFields, Vlans};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    fn v4(proto: u8) -> PacketView<'static> {
        let mut p = PacketView::new(
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            proto,
            b"",
        );
        p.ipv4 = Some(Ipv4Fields::default());
        p
    }

    fn check(kw: &str, v: &str) -> PktCheck {
        PktCheck::parse(kw, Some(v)).unwrap_or_else(|e| panic!("{kw}:{v}: {e:?}"))
    }

    #[test]
    fn vlan_id_layers_follow_suricatas_table() {
        // The detect-vlan-id capture: one packet with tags 200, 300, 400.
        let mut p = v4(ipproto::UDP);
        p.vlan = Vlans::from_slice(&[200, 300, 400]);
        let cases: &[(&str, bool)] = &[
            ("200,0", true),
            ("300", true),
            ("400,-1", true),
            ("0x12C,1", true),
            ("!200,1", true),
            ("!500,all", true),
            ("100-600,2", true),
            ("<400,1", true),
            (">=0xC8", true),
            (">100,all", true),
            ("200,1", false),
            ("300,-3", false),
            ("200,-3", true),
            (">200,all", false),
            ("500", false),
        ];
        for &(v, want) in cases {
            assert_eq!(check("vlan.id", v).eval(&p), want, "vlan.id:{v}");
        }
        // Without tags nothing matches, not even a negation or `all`.
        let bare = v4(ipproto::UDP);
        for v in ["!500,all", "!200,1", "!200", "0,-1"] {
            assert!(!check("vlan.id", v).eval(&bare), "vlan.id:{v} untagged");
        }
    }

    #[test]
    fn vlan_values_are_validated() {
        for bad in [
            "4096", "200abc", "600,abc", "600,100", "123,-4", "1,2,3", "300,3",
        ] {
            assert!(PktCheck::parse("vlan.id", Some(bad)).is_err(), "{bad}");
        }
        assert!(PktCheck::parse("vlan.layers", Some("x")).is_err());
    }

    #[test]
    fn vlan_layers_counts_tags() {
        let mut p = v4(ipproto::TCP);
        p.vlan = Vlans::from_slice(&[1, 2, 3]);
        assert!(check("vlan.layers", "3").eval(&p));
        assert!(check("vlan.layers", ">2").eval(&p));
        assert!(check("vlan.layers", "!1").eval(&p));
        assert!(!check("vlan.layers", "0").eval(&p));
        p.vlan = Vlans::default();
        assert!(check("vlan.layers", "0").eval(&p));
    }

    #[test]
    fn checksum_keywords_need_their_layer_and_honour_ignore() {
        let mut p = v4(ipproto::TCP);
        p.tcp = Some(TcpFields::default());
        p.checksums = Checksums {
            ipv4: Some(true),
            l4: Some(false),
            ignored: false,
        };
        assert!(check("tcpv4-csum", "invalid").eval(&p));
        assert!(!check("tcpv4-csum", "valid").eval(&p));
        assert!(check("ipv4-csum", "valid").eval(&p));
        assert!(!check("ipv4-csum", "invalid").eval(&p));
        // Wrong IP version or transport: no match either way.
        assert!(!check("tcpv6-csum", "invalid").eval(&p));
        assert!(!check("udpv4-csum", "invalid").eval(&p));
        assert!(!check("icmpv4-csum", "valid").eval(&p));
        // Checking off: everything is valid.
        p.checksums.ignored = true;
        assert!(check("tcpv4-csum", "valid").eval(&p));
        assert!(!check("tcpv4-csum", "invalid").eval(&p));
        // Stream chunks are not packets.
        p.checksums.ignored = false;
        p.flow.from_stream = true;
        assert!(!check("tcpv4-csum", "invalid").eval(&p));

        let mut p6 = PacketView::new(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            ipproto::ICMPV6,
            b"",
        );
        p6.icmp = Some(IcmpFields::default());
        p6.checksums.l4 = Some(true);
        assert!(check("icmpv6-csum", "valid").eval(&p6));
        assert!(!check("ipv4-csum", "valid").eval(&p6));
        // UDP over IPv4 without a checksum: neither valid nor invalid.
        let mut u = v4(ipproto::UDP);
        u.headers.udp = &[0, 53, 0, 53, 0, 8, 0, 0];
        assert!(!check("udpv4-csum", "valid").eval(&u));
        assert!(!check("udpv4-csum", "invalid").eval(&u));
    }

    #[test]
    fn checksum_argument_parses_like_suricata() {
        assert_eq!(csum_arg("valid", "k"), Ok(true));
        assert_eq!(csum_arg("INVALID", "k"), Ok(false));
        // Suricata's parser compares the quoted text: "valid" means invalid.
        assert_eq!(csum_arg("\"valid\"", "k"), Ok(false));
        assert!(csum_arg("maybe", "k").is_err());
    }

    #[test]
    fn icmpv6_mtu_reads_packet_too_big_only() {
        let mut p = PacketView::new(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            ipproto::ICMPV6,
            b"",
        );
        p.icmp = Some(IcmpFields {
            itype: 2,
            ..IcmpFields::default()
        });
        p.headers.icmp = &[2, 0, 0xab, 0xcd, 0, 0, 0x04, 0xd8];
        assert!(check("icmpv6.mtu", "<1280").eval(&p));
        assert!(check("icmpv6.mtu", "1240").eval(&p));
        assert!(!check("icmpv6.mtu", ">=1280").eval(&p));
        // Other messages (or codes) have no MTU.
        p.icmp = Some(IcmpFields {
            itype: 128,
            ..IcmpFields::default()
        });
        assert!(!check("icmpv6.mtu", "<1280").eval(&p));
        p.icmp = Some(IcmpFields {
            itype: 2,
            icode: 1,
            ..IcmpFields::default()
        });
        assert!(!check("icmpv6.mtu", "<1280").eval(&p));
        assert!(PktCheck::parse("icmpv6.mtu", Some("4294967296")).is_err());
    }

    #[test]
    fn decode_event_names() {
        let c = check("decode-event", "tcp.pkt_too_small");
        let ev = DecoderEvent::from_name("tcp.pkt_too_small").unwrap();
        let mut p = v4(ipproto::TCP);
        assert!(!c.eval(&p));
        p.events.insert(ev);
        assert!(c.eval(&p));
        assert!(c.packet_only());
        let err = |v: &str| PktCheck::parse("decode-event", Some(v)).unwrap_err();
        assert!(matches!(err("ipv4.no_such_event"), KwError::Invalid(_)));
        assert!(matches!(err("mpls.pkt_too_small"), KwError::Unsupported(_)));
        assert!(PktCheck::parse("decode-event", Some("gre.pkt_too_small")).is_ok());
        assert!(matches!(
            err("stream.pkt_invalid_ack"),
            KwError::Unsupported(_)
        ));
        // Stream events: by their short name with stream-event, or with
        // the prefix with decode-event.
        let ts = DecoderEvent::from_name("stream.pkt_invalid_timestamp").unwrap();
        let mut p = v4(ipproto::TCP);
        for c in [
            check("stream-event", "pkt_invalid_timestamp"),
            check("decode-event", "stream.pkt_invalid_timestamp"),
        ] {
            assert!(!c.eval(&p));
            p.events.insert(ts);
            assert!(c.eval(&p));
            p.events = Default::default();
        }
        let serr = |v: &str| PktCheck::parse("stream-event", Some(v)).unwrap_err();
        assert!(matches!(serr("no_such_event"), KwError::Invalid(_)));
        assert!(matches!(
            serr("stream.pkt_invalid_timestamp"),
            KwError::Invalid(_)
        ));
        assert!(matches!(serr("pkt_invalid_ack"), KwError::Unsupported(_)));
    }
}
