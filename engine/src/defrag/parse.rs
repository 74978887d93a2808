//! Finding a fragment's identity, placement and bytes in a decoded packet.
//!
//! [`Decoded`] tells whether a packet is a fragment, but for an IPv6 first
//! fragment it skips past the headers the reassembled packet needs (the
//! unfragmentable extension headers and the fragmentable ones after the
//! Fragment header), so the fragment is re-read from the captured frame:
//! the IP header is located in the frame by address (both are views of the
//! same buffer) and the IPv6 extension chain is walked up to the *first*
//! Fragment header, as Suricata does.

use std::net::IpAddr;

use crate::decode::{Decoded, VlanIds};

const IPV6_HEADER: usize = 40;
const FRAGMENT_HEADER: usize = 8;
const NEXT_HEADER_FRAGMENT: u8 = 44;

/// What identifies one datagram's fragments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TrackerKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// IPv4 protocol (fragments of one id may carry different protocols);
    /// 0 for IPv6, whose Fragment header is protocol 44 for every fragment.
    pub proto: u8,
    /// Every VLAN tag: equal ids on different VLANs are different datagrams.
    pub vlan: VlanIds,
}

/// One fragment, ready for a tracker.
#[derive(Debug)]
pub(crate) struct FragmentIn<'a> {
    pub key: TrackerKey,
    pub v6: bool,
    /// Byte offset of `data` in the datagram's fragmentable part.
    pub start: u32,
    /// More fragments follow (IPv4 MF / IPv6 M flag).
    pub more: bool,
    /// The fragment's share of the datagram.
    pub data: &'a [u8],
    /// For the fragment at offset 0: the headers the reassembled packet
    /// starts with. IPv4: the IP header with options, as received. IPv6:
    /// the fixed header and unfragmentable extension headers, with the
    /// next-header field that named the Fragment header already pointing at
    /// what followed it.
    pub header: Option<Vec<u8>>,
}

/// The outcome of reading a packet as a fragment.
#[derive(Debug)]
pub(crate) enum Parsed<'a> {
    /// Not a fragment (or an atomic one: offset 0 and no more fragments).
    NotFragment,
    /// A fragment the capture cut short (or whose header is not in `frame`).
    Truncated,
    /// A fragment to reassemble.
    Fragment(FragmentIn<'a>),
}

/// Reads `d` (decoded from `frame`) as a fragment.
pub(crate) fn parse<'a>(frame: &'a [u8], d: &Decoded<'_>) -> Parsed<'a> {
    let Some(ip) = d.ip else {
        return Parsed::NotFragment;
    };
    let Some(frag) = ip.fragment else {
        return Parsed::NotFragment;
    };
    let Some(at) = offset_in(frame, ip.header) else {
        return Parsed::Truncated;
    };
    let packet = frame.get(at..).unwrap_or(&[]);
    let key = TrackerKey {
        src: ip.src,
        dst: ip.dst,
        id: frag.id,
        proto: 0,
        vlan: d.vlan,
    };
    if ip.v6.is_some() {
        parse_v6(packet, key)
    } else {
        let key = TrackerKey {
            proto: ip.proto,
            ..key
        };
        parse_v4(packet, ip.header.len(), frag.offset, frag.more, key)
    }
}

/// Where `inner` starts in `outer`, when it lies entirely inside it.
fn offset_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let at = inner.as_ptr().addr().checked_sub(outer.as_ptr().addr())?;
    (at.checked_add(inner.len())? <= outer.len()).then_some(at)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

fn parse_v4(packet: &[u8], hlen: usize, offset: u16, more: bool, key: TrackerKey) -> Parsed<'_> {
    let Some(total) = be16(packet, 2).map(usize::from) else {
        return Parsed::Truncated;
    };
    let (Some(header), Some(data)) = (packet.get(..hlen), packet.get(hlen..total)) else {
        return Parsed::Truncated;
    };
    let start = u32::from(offset) * 8;
    Parsed::Fragment(FragmentIn {
        key,
        v6: false,
        start,
        more,
        data,
        header: (start == 0).then(|| header.to_vec()),
    })
}

fn parse_v6(packet: &[u8], key: TrackerKey) -> Parsed<'_> {
    let Some(plen) = be16(packet, 4).map(usize::from) else {
        return Parsed::Truncated;
    };
    let Some(packet) = packet.get(..IPV6_HEADER + plen) else {
        return Parsed::Truncated;
    };
    let Some(walk) = find_fragment_header(packet) else {
        return Parsed::NotFragment;
    };
    let Some(fh) = packet.get(walk.at..walk.at + FRAGMENT_HEADER) else {
        return Parsed::Truncated;
    };
    let word = be16(fh, 2).unwrap_or(0);
    let (offset, more) = (word >> 3, word & 1 != 0);
    if offset == 0 && !more {
        // Atomic fragment (RFC 6946): Suricata calls the header useless and
        // does not defragment, even when a second Fragment header follows.
        return Parsed::NotFragment;
    }
    let id = fh
        .get(4..8)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    let data = packet.get(walk.at + FRAGMENT_HEADER..).unwrap_or(&[]);
    let header = (offset == 0).then(|| {
        let mut h = packet.get(..walk.at).unwrap_or(&[]).to_vec();
        if let (Some(slot), Some(&next)) = (h.get_mut(walk.next_field), fh.first()) {
            *slot = next;
        }
        h
    });
    Parsed::Fragment(FragmentIn {
        key: TrackerKey { id, ..key },
        v6: true,
        start: u32::from(offset) * 8,
        more,
        data,
        header,
    })
}

/// Position of the first Fragment header in an IPv6 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FragmentHeaderAt {
    /// Offset of the Fragment header.
    at: usize,
    /// Offset of the next-header byte that names it (6 in the fixed header,
    /// or byte 0 of the extension header before it).
    next_field: usize,
}

/// Walks the extension headers that may precede a Fragment header. Each is
/// at least 8 bytes long, so the walk ends within `packet.len() / 8` steps.
fn find_fragment_header(packet: &[u8]) -> Option<FragmentHeaderAt> {
    let mut next = *packet.get(6)?;
    let mut next_field = 6;
    let mut at = IPV6_HEADER;
    loop {
        let len = match next {
            NEXT_HEADER_FRAGMENT => return Some(FragmentHeaderAt { at, next_field }),
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6.
            0 | 43 | 60 | 135 | 139 | 140 => (usize::from(*packet.get(at + 1)?) + 1) * 8,
            // Authentication header: length in 4-byte units, minus 2.
            51 => (usize::from(*packet.get(at + 1)?) + 2) * 4,
            _ => return None,
        };
        next = *packet.get(at)?;
        next_field = at;
        at = at.checked_add(len)?;
        if at > packet.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;
    use crate::testutil::pkt;

    #[test]
    fn offset_in_rejects_foreign_slices() {
        let buf = [0u8; 16];
        assert_eq!(offset_in(&buf, &buf[3..7]), Some(3));
        assert_eq!(offset_in(&buf, &buf[16..]), Some(16));
        assert_eq!(offset_in(&buf[..8], &buf[6..10]), None);
        assert_eq!(offset_in(&buf[4..], &buf[..2]), None);
    }

    #[test]
    fn fragment_header_found_after_hop_by_hop_and_routing() {
        let a = Ipv6Addr::LOCALHOST;
        let p = pkt::ipv6(
            a,
            a,
            &[
                (0, vec![1, 4, 0, 0, 0, 0]),
                (43, vec![0; 14]),
                (44, pkt::frag_body(1, true, 7)),
            ],
            17,
            &[0; 8],
        );
        let at = find_fragment_header(&p).unwrap();
        assert_eq!(
            at,
            FragmentHeaderAt {
                at: 64,
                next_field: 48
            }
        );
        assert_eq!(p[at.next_field], 44);
    }

    #[test]
    fn walk_stops_at_upper_layer_and_truncation() {
        let a = Ipv6Addr::LOCALHOST;
        let p = pkt::ipv6(a, a, &[(60, vec![])], 17, &[0; 8]);
        assert_eq!(find_fragment_header(&p), None);
        let mut cut = pkt::ipv6(a, a, &[(0, vec![0; 30])], 44, &[]);
        cut.truncate(44);
        assert_eq!(find_fragment_header(&cut), None);
        assert_eq!(find_fragment_header(&[0x60; 5]), None);
    }
}
