//! Link layers: find where the network layer starts and what it is.
//!
//! Ethernet and VLAN tags go through etherparse's header slices; the Linux
//! cooked and loopback headers are a few fixed bytes and are read directly.
//! PPPoE sits between the link and the network layer and is followed here.

use etherparse::{Ethernet2HeaderSlice, SingleVlanHeaderSlice};

use super::{ppp, DecodeEvent, Decoded};
use crate::capture::LinkType;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_PPPOE_DISCOVERY: u16 = 0x8863;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
/// 802.1Q, 802.1ad (QinQ) and the pre-standard QinQ tag.
const VLAN_TPIDS: [u16; 3] = [0x8100, 0x88a8, 0x9100];

const SLL_HEADER_LEN: usize = 16;
const SLL2_HEADER_LEN: usize = 20;
const NULL_HEADER_LEN: usize = 4;

/// What the bytes after the link layer are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Net {
    Ipv4,
    Ipv6,
    /// Not IP (ARP, LLDP, ...): nothing more to decode.
    Other,
}

/// Strips the link layer (and VLAN tags) off `data`, recording tags,
/// ethertype and events in `d`. `None` when the link layer is malformed.
pub(super) fn decode_link<'a>(
    linktype: LinkType,
    data: &'a [u8],
    d: &mut Decoded<'a>,
) -> Option<(Net, &'a [u8])> {
    match linktype {
        LinkType::Ethernet => ethernet(data, d),
        LinkType::LinuxSll => {
            if data.len() < SLL_HEADER_LEN {
                d.events.push(DecodeEvent::SllTooSmall);
                return None;
            }
            let proto = be16(data, 14)?;
            ethertype_dispatch(proto, data.get(SLL_HEADER_LEN..)?, d)
        }
        LinkType::LinuxSll2 => {
            if data.len() < SLL2_HEADER_LEN {
                d.events.push(DecodeEvent::Sll2TooSmall);
                return None;
            }
            let proto = be16(data, 0)?;
            ethertype_dispatch(proto, data.get(SLL2_HEADER_LEN..)?, d)
        }
        LinkType::Null | LinkType::Loop => {
            let Some(family) = data
                .get(..NULL_HEADER_LEN)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
            else {
                d.events.push(DecodeEvent::NullTooSmall);
                return None;
            };
            let rest = data.get(NULL_HEADER_LEN..)?;
            let family = if linktype == LinkType::Loop {
                u32::from_be_bytes(family)
            } else {
                host_order_family(family)
            };
            match family {
                2 => {
                    d.ethertype = Some(ETHERTYPE_IPV4);
                    Some((Net::Ipv4, rest))
                }
                // AF_INET6 differs between systems: Linux, FreeBSD,
                // OpenBSD/NetBSD/BSDI, Darwin.
                10 | 24 | 28 | 30 => {
                    d.ethertype = Some(ETHERTYPE_IPV6);
                    Some((Net::Ipv6, rest))
                }
                _ => {
                    d.events.push(DecodeEvent::NullUnsupportedFamily);
                    None
                }
            }
        }
        LinkType::Raw => match data.first().map(|b| b >> 4) {
            Some(4) => {
                d.ethertype = Some(ETHERTYPE_IPV4);
                Some((Net::Ipv4, data))
            }
            Some(6) => {
                d.ethertype = Some(ETHERTYPE_IPV6);
                Some((Net::Ipv6, data))
            }
            _ => {
                d.events.push(DecodeEvent::RawInvalidIpVersion);
                None
            }
        },
        LinkType::Ipv4 => {
            d.ethertype = Some(ETHERTYPE_IPV4);
            Some((Net::Ipv4, data))
        }
        LinkType::Ipv6 => {
            d.ethertype = Some(ETHERTYPE_IPV6);
            Some((Net::Ipv6, data))
        }
    }
}

/// An Ethernet frame: its header, VLAN tags and what follows.
pub(super) fn ethernet<'a>(data: &'a [u8], d: &mut Decoded<'a>) -> Option<(Net, &'a [u8])> {
    let Ok(eth) = Ethernet2HeaderSlice::from_slice(data) else {
        d.events.push(DecodeEvent::EthernetTooSmall);
        return None;
    };
    let rest = data.get(eth.slice().len()..).unwrap_or(&[]);
    ethertype_dispatch(eth.ether_type().0, rest, d)
}

/// DLT_NULL stores the family in the byte order of the machine that
/// captured, which we don't know. Families are small numbers, so a value
/// with its high half set was written the other way round.
fn host_order_family(b: [u8; 4]) -> u32 {
    let le = u32::from_le_bytes(b);
    if le & 0xffff_0000 != 0 {
        u32::from_be_bytes(b)
    } else {
        le
    }
}

/// Follows VLAN tags, then classifies the ethertype; PPPoE is decoded
/// here, down to the IP packet its PPP frame carries.
pub(super) fn ethertype_dispatch<'a>(
    mut ethertype: u16,
    mut rest: &'a [u8],
    d: &mut Decoded<'a>,
) -> Option<(Net, &'a [u8])> {
    while VLAN_TPIDS.contains(&ethertype) {
        let Ok(tag) = SingleVlanHeaderSlice::from_slice(rest) else {
            d.events.push(DecodeEvent::VlanHeaderTooSmall);
            return None;
        };
        if !d.layers.enter(&mut d.events) {
            return None;
        }
        if !d.vlan.push(tag.vlan_identifier().value()) {
            d.events.push(DecodeEvent::VlanTooManyLayers);
            return None;
        }
        ethertype = tag.ether_type().0;
        rest = rest.get(tag.slice().len()..).unwrap_or(&[]);
    }
    d.ethertype = Some(ethertype);
    let net = match ethertype {
        ETHERTYPE_IPV4 => Net::Ipv4,
        ETHERTYPE_IPV6 => Net::Ipv6,
        ETHERTYPE_PPPOE_SESSION => {
            return Some(ppp::pppoe_session(rest, d).unwrap_or((Net::Other, &[])));
        }
        ETHERTYPE_PPPOE_DISCOVERY => {
            ppp::pppoe_discovery(rest, d);
            Net::Other
        }
        _ => Net::Other,
    };
    Some((net, rest))
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_family_byte_order_is_guessed() {
        assert_eq!(host_order_family([2, 0, 0, 0]), 2);
        assert_eq!(host_order_family([0, 0, 0, 2]), 2);
        assert_eq!(host_order_family([0, 0, 0, 30]), 30);
        assert_eq!(host_order_family([30, 0, 0, 0]), 30);
    }

    #[test]
    fn be16_never_reads_out_of_bounds() {
        assert_eq!(be16(&[1, 2, 3], 1), Some(0x0203));
        assert_eq!(be16(&[1, 2, 3], 2), None);
        assert_eq!(be16(&[], usize::MAX), None);
    }
}
