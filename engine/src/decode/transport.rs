//! TCP, UDP, ICMP and ICMPv6 headers.
//!
//! A segment that the capture cut short (snap length) or that belongs to a
//! fragmented datagram may legitimately lack bytes: then a header that does
//! not fit is simply absent, without a decoder event.

use etherparse::err::tcp;
use etherparse::{TcpHeaderSlice, UdpHeaderSlice};
use sigil_rules::packet::ipproto;

use super::{DecodeEvent, DecodeEvents, IcmpInfo, TcpInfo, Transport, UdpInfo};

const TCP_MIN_HEADER: usize = 20;
const UDP_HEADER: usize = 8;
const ICMP_HEADER: usize = 8;
const TCP_OPT_MSS: u8 = 2;

/// Decodes the transport header of `segment` (the IP payload). Returns the
/// header and the payload after it, or `None` for other protocols and for
/// headers that are malformed (with an event) or cut short.
///
/// `truncated`: the segment may be shorter than the real one (snap length,
/// or the datagram continues in other fragments).
pub(super) fn decode_transport<'a>(
    proto: u8,
    segment: &'a [u8],
    truncated: bool,
    events: &mut DecodeEvents,
) -> Option<(Transport<'a>, &'a [u8])> {
    let mut event = |ev: DecodeEvent| {
        if !truncated {
            events.push(ev);
        }
    };
    match proto {
        ipproto::TCP => decode_tcp(segment, &mut event),
        ipproto::UDP => decode_udp(segment, truncated, &mut event),
        ipproto::ICMP | ipproto::ICMPV6 => {
            if segment.len() < ICMP_HEADER {
                event(if proto == ipproto::ICMP {
                    DecodeEvent::Icmpv4TooSmall
                } else {
                    DecodeEvent::Icmpv6TooSmall
                });
                return None;
            }
            let header = segment.get(..ICMP_HEADER)?;
            let itype = *header.first()?;
            let icode = *header.get(1)?;
            let echo_like = if proto == ipproto::ICMP {
                // echo, timestamp, information and address-mask requests/replies
                matches!(itype, 0 | 8 | 13..=18)
            } else {
                matches!(itype, 128 | 129)
            };
            let (id, seq) = if echo_like {
                (Some(be16(header, 4)?), Some(be16(header, 6)?))
            } else {
                (None, None)
            };
            let info = IcmpInfo {
                header,
                itype,
                icode,
                id,
                seq,
            };
            let payload = segment.get(ICMP_HEADER..).unwrap_or(&[]);
            let t = if proto == ipproto::ICMP {
                Transport::Icmpv4(info)
            } else {
                Transport::Icmpv6(info)
            };
            Some((t, payload))
        }
        _ => None,
    }
}

fn decode_tcp<'a>(
    segment: &'a [u8],
    event: &mut impl FnMut(DecodeEvent),
) -> Option<(Transport<'a>, &'a [u8])> {
    if segment.len() < TCP_MIN_HEADER {
        event(DecodeEvent::TcpPacketTooSmall);
        return None;
    }
    let hdr = match TcpHeaderSlice::from_slice(segment) {
        Ok(h) => h,
        Err(tcp::HeaderSliceError::Content(_)) => {
            event(DecodeEvent::TcpBadHeaderLength);
            return None;
        }
        Err(tcp::HeaderSliceError::Len(_)) => {
            event(DecodeEvent::TcpTruncatedHeader);
            return None;
        }
    };
    let header = hdr.slice();
    let mss = parse_tcp_options(hdr.options(), event);
    let info = TcpInfo {
        header,
        sport: hdr.source_port(),
        dport: hdr.destination_port(),
        seq: hdr.sequence_number(),
        ack: hdr.acknowledgment_number(),
        flags: header.get(13).copied().unwrap_or(0),
        window: hdr.window_size(),
        mss,
    };
    let payload = segment.get(header.len()..).unwrap_or(&[]);
    Some((Transport::Tcp(info), payload))
}

/// Walks TCP options for the MSS value. Unknown kinds are skipped by their
/// length; a bad length stops the walk with an event.
fn parse_tcp_options(opts: &[u8], event: &mut impl FnMut(DecodeEvent)) -> Option<u16> {
    let mut mss = None;
    let mut i = 0usize;
    while let Some(&kind) = opts.get(i) {
        match kind {
            0 => break,
            1 => i += 1,
            _ => match opts.get(i + 1).map(|l| usize::from(*l)) {
                Some(len) if len >= 2 && i + len <= opts.len() => {
                    if kind == TCP_OPT_MSS {
                        if len == 4 {
                            mss = be16(opts, i + 2);
                        } else {
                            event(DecodeEvent::TcpOptionBadLength);
                        }
                    }
                    i += len;
                }
                _ => {
                    event(DecodeEvent::TcpOptionBadLength);
                    break;
                }
            },
        }
    }
    mss
}

fn decode_udp<'a>(
    segment: &'a [u8],
    partial: bool,
    event: &mut impl FnMut(DecodeEvent),
) -> Option<(Transport<'a>, &'a [u8])> {
    let Ok(hdr) = UdpHeaderSlice::from_slice(segment) else {
        event(DecodeEvent::UdpPacketTooSmall);
        return None;
    };
    let length = usize::from(hdr.length());
    if length < UDP_HEADER {
        event(DecodeEvent::UdpBadLength);
        return None;
    }
    let end = if length > segment.len() {
        if !partial {
            event(DecodeEvent::UdpLengthTooLarge);
            return None;
        }
        segment.len()
    } else {
        // Bytes after the datagram (trailing data inside the IP packet)
        // are not part of it; Suricata decodes the datagram as usual.
        length
    };
    let info = UdpInfo {
        header: hdr.slice(),
        sport: hdr.source_port(),
        dport: hdr.destination_port(),
        length: hdr.length(),
    };
    Some((
        Transport::Udp(info),
        segment.get(UDP_HEADER..end).unwrap_or(&[]),
    ))
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mss_of(opts: &[u8]) -> (Option<u16>, Vec<DecodeEvent>) {
        let mut evs = Vec::new();
        let mss = parse_tcp_options(opts, &mut |e| evs.push(e));
        (mss, evs)
    }

    #[test]
    fn mss_found_among_other_options() {
        // NOP NOP SACK-permitted, MSS 1460, unknown kind 34 (TFO) len 2, EOL
        let (mss, evs) = mss_of(&[1, 1, 4, 2, 2, 4, 0x05, 0xb4, 34, 2, 0, 0]);
        assert_eq!(mss, Some(1460));
        assert!(evs.is_empty());
    }

    #[test]
    fn bad_option_lengths() {
        assert_eq!(mss_of(&[2, 3, 5]).1, vec![DecodeEvent::TcpOptionBadLength]);
        assert_eq!(mss_of(&[2, 4, 5]).1, vec![DecodeEvent::TcpOptionBadLength]);
        assert_eq!(mss_of(&[8, 1]).1, vec![DecodeEvent::TcpOptionBadLength]);
        assert_eq!(mss_of(&[8]).1, vec![DecodeEvent::TcpOptionBadLength]);
        assert_eq!(mss_of(&[]), (None, vec![]));
    }

    #[test]
    fn udp_length_rules() {
        let mut ev = DecodeEvents::default();
        let seg = [0, 53, 0, 54, 0, 10, 0, 0, b'h', b'i'];
        let (t, p) = decode_transport(17, &seg, false, &mut ev).unwrap();
        assert_eq!(t.ports(), (53, 54));
        assert_eq!(p, b"hi");
        assert!(ev.is_empty());

        let long = [0, 53, 0, 54, 0, 12, 0, 0, b'h', b'i'];
        assert!(decode_transport(17, &long, false, &mut ev).is_none());
        assert!(ev.contains(DecodeEvent::UdpLengthTooLarge));
        // The same datagram cut by the snap length is fine.
        let mut ev = DecodeEvents::default();
        let (_, p) = decode_transport(17, &long, true, &mut ev).unwrap();
        assert_eq!(p, b"hi");
        assert!(ev.is_empty());

        // Trailing bytes after the datagram: ignored, no event.
        let mut ev = DecodeEvents::default();
        let short = [0, 53, 0, 54, 0, 9, 0, 0, b'h', b'i'];
        let (t, p) = decode_transport(17, &short, false, &mut ev).unwrap();
        assert_eq!((t.ports(), p), ((53, 54), &b"h"[..]));
        assert!(ev.is_empty());
        let bad = [0, 53, 0, 54, 0, 7, 0, 0, b'h', b'i'];
        assert!(decode_transport(17, &bad, false, &mut ev).is_none());
        assert!(ev.contains(DecodeEvent::UdpBadLength));
    }
}
