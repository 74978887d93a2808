//! IPv4 and IPv6 headers, IPv4 options and IPv6 extension headers.
//!
//! Length checks follow Suricata's order so the same packets raise the same
//! events: a header that cannot be trusted yields no IP layer at all (as in
//! Suricata, addresses are only taken from a sound header), while problems
//! further in (options, extension headers) keep the IP layer and stop there.

use std::net::IpAddr;

use etherparse::err::{ipv4, ipv6};
use etherparse::{Ipv4HeaderSlice, Ipv6HeaderSlice};
use sigil_rules::packet::{IpOpt, Ipv4Fields};

use super::{ipv6ext, DecodeEvent, DecodeEvents, FragmentInfo, IpLayer, Ipv6Fields};

const IPV4_MIN_HEADER: usize = 20;
const IPV6_HEADER: usize = 40;
const IPPROTO_ICMPV6: u8 = 58;

/// Decodes an IPv4 header starting at `data[0]`.
///
/// `snapped` says the capture cut the packet: a total length beyond the
/// captured bytes is then expected and only marks the payload truncated.
pub(super) fn decode_ipv4<'a>(
    data: &'a [u8],
    snapped: bool,
    events: &mut DecodeEvents,
) -> Option<IpLayer<'a>> {
    if data.len() < IPV4_MIN_HEADER {
        events.push(DecodeEvent::Ipv4PacketTooSmall);
        return None;
    }
    let hdr = match Ipv4HeaderSlice::from_slice(data) {
        Ok(h) => h,
        Err(ipv4::HeaderSliceError::Content(ipv4::HeaderError::UnexpectedVersion { .. })) => {
            events.push(DecodeEvent::Ipv4WrongVersion);
            return None;
        }
        Err(ipv4::HeaderSliceError::Content(
            ipv4::HeaderError::HeaderLengthSmallerThanHeader { .. },
        )) => {
            events.push(DecodeEvent::Ipv4BadHeaderLength);
            return None;
        }
        Err(ipv4::HeaderSliceError::Len(_)) => {
            events.push(DecodeEvent::Ipv4TruncatedPacket);
            return None;
        }
    };
    let header = hdr.slice();
    let hlen = header.len();
    let total = usize::from(hdr.total_len());
    if total < hlen {
        events.push(DecodeEvent::Ipv4BadTotalLength);
        return None;
    }
    let (end, payload_truncated) = if total <= data.len() {
        (total, false)
    } else if snapped {
        (data.len(), true)
    } else {
        events.push(DecodeEvent::Ipv4TruncatedPacket);
        return None;
    };
    let payload = data.get(hlen..end).unwrap_or(&[]);

    let flags_byte = header.get(6).copied().unwrap_or(0);
    let frag_offset = hdr.fragments_offset().value();
    let more = hdr.more_fragments();
    let fields = Ipv4Fields {
        tos: header.get(1).copied().unwrap_or(0),
        id: hdr.identification(),
        flag_reserved: flags_byte & 0x80 != 0,
        flag_df: hdr.dont_fragment(),
        flag_mf: more,
        frag_offset,
        options: parse_options(hdr.options(), events),
    };
    if hdr.protocol().0 == IPPROTO_ICMPV6 {
        events.push(DecodeEvent::Ipv4WithIcmpv6);
    }
    let fragment = (more || frag_offset > 0).then_some(FragmentInfo {
        id: u32::from(hdr.identification()),
        offset: frag_offset,
        more,
    });
    Some(IpLayer {
        src: IpAddr::V4(hdr.source_addr()),
        dst: IpAddr::V4(hdr.destination_addr()),
        proto: hdr.protocol().0,
        ttl: hdr.ttl(),
        header,
        payload,
        payload_truncated,
        v4: Some(fields),
        v6: None,
        fragment,
    })
}

/// Walks IPv4 options and returns the `ipopts` bit set. A malformed length
/// stops the walk with an event; options seen before it are kept.
fn parse_options(opts: &[u8], events: &mut DecodeEvents) -> u16 {
    let mut bits = 0u16;
    let mut i = 0usize;
    while let Some(&kind) = opts.get(i) {
        match kind {
            0 => {
                bits |= IpOpt::Eol as u16;
                break;
            }
            1 => {
                bits |= IpOpt::Nop as u16;
                i += 1;
            }
            _ => {
                let len = opts.get(i + 1).map(|l| usize::from(*l));
                match len {
                    Some(len) if len >= 2 && i + len <= opts.len() => {
                        bits |= option_bit(kind);
                        i += len;
                    }
                    _ => {
                        events.push(DecodeEvent::Ipv4OptionBadLength);
                        break;
                    }
                }
            }
        }
    }
    if i > 0 || bits != 0 {
        bits |= IpOpt::Any as u16;
    }
    bits
}

/// The `ipopts` bit for an option type (0 for types the keyword has no name for).
fn option_bit(kind: u8) -> u16 {
    (match kind {
        0x07 => IpOpt::Rr,
        0x44 => IpOpt::Ts,
        0x82 => IpOpt::Sec,
        0x83 => IpOpt::Lsrr,
        0x84 => IpOpt::LsrrE,
        0x85 => IpOpt::Esec,
        0x88 => IpOpt::Satid,
        0x89 => IpOpt::Ssrr,
        _ => return 0,
    }) as u16
}

/// Decodes an IPv6 header and its extension headers starting at `data[0]`.
pub(super) fn decode_ipv6<'a>(
    data: &'a [u8],
    snapped: bool,
    events: &mut DecodeEvents,
) -> Option<IpLayer<'a>> {
    let hdr = match Ipv6HeaderSlice::from_slice(data) {
        Ok(h) => h,
        Err(ipv6::HeaderSliceError::Len(_)) => {
            events.push(DecodeEvent::Ipv6PacketTooSmall);
            return None;
        }
        Err(ipv6::HeaderSliceError::Content(_)) => {
            events.push(DecodeEvent::Ipv6WrongVersion);
            return None;
        }
    };
    let after = data.get(IPV6_HEADER..).unwrap_or(&[]);
    let declared = usize::from(hdr.payload_length());
    let next = hdr.next_header().0;
    let (payload, payload_truncated) = if declared == 0 && next == 0 {
        // Jumbogram: the real length is in a hop-by-hop option; trust the capture.
        (after, false)
    } else if declared <= after.len() {
        (after.get(..declared).unwrap_or(&[]), false)
    } else if snapped {
        (after, true)
    } else {
        events.push(DecodeEvent::Ipv6TruncatedPacket);
        return None;
    };
    let walk = ipv6ext::walk(next, payload, payload_truncated, events);
    let flow_label = hdr.flow_label().value();
    Some(IpLayer {
        src: IpAddr::V6(hdr.source_addr()),
        dst: IpAddr::V6(hdr.destination_addr()),
        proto: walk.proto,
        ttl: hdr.hop_limit(),
        header: hdr.slice(),
        payload: walk.rest,
        payload_truncated,
        v4: None,
        v6: Some(Ipv6Fields {
            traffic_class: hdr.traffic_class(),
            flow_label,
            exts: walk.exts,
            ext_count: walk.count,
        }),
        fragment: walk.fragment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(bytes: &[u8]) -> (u16, DecodeEvents) {
        let mut ev = DecodeEvents::default();
        (parse_options(bytes, &mut ev), ev)
    }

    #[test]
    fn options_set_named_bits() {
        // RR (len 7), NOP, TS (len 4), EOL
        let (bits, ev) = opts(&[7, 7, 4, 0, 0, 0, 0, 1, 0x44, 4, 5, 0, 0]);
        assert!(ev.is_empty());
        for b in [IpOpt::Rr, IpOpt::Nop, IpOpt::Ts, IpOpt::Eol, IpOpt::Any] {
            assert_ne!(bits & b as u16, 0, "{b:?}");
        }
        assert_eq!(bits & IpOpt::Lsrr as u16, 0);
    }

    #[test]
    fn security_and_routing_options() {
        let (bits, _) = opts(&[0x82, 3, 0, 0x85, 3, 0, 0x83, 3, 0, 0x84, 3, 0]);
        for b in [IpOpt::Sec, IpOpt::Esec, IpOpt::Lsrr, IpOpt::LsrrE] {
            assert_ne!(bits & b as u16, 0, "{b:?}");
        }
        let (bits, _) = opts(&[0x89, 3, 0, 0x88, 4, 0, 1]);
        assert_ne!(bits & IpOpt::Ssrr as u16, 0);
        assert_ne!(bits & IpOpt::Satid as u16, 0);
    }

    #[test]
    fn bad_option_lengths_raise_an_event() {
        for bad in [&[7u8][..], &[7, 1], &[7, 9, 0, 0], &[0x44, 0]] {
            let (_, ev) = opts(bad);
            assert!(ev.contains(DecodeEvent::Ipv4OptionBadLength), "{bad:?}");
        }
        let (bits, ev) = opts(&[]);
        assert_eq!(bits, 0);
        assert!(ev.is_empty());
    }
}
