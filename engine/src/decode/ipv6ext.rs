//! The IPv6 extension header chain, walked the way Suricata walks it so the
//! same anomalies raise the same events: duplicated headers, options of
//! unknown type or bad length, headers holding only padding, a useless
//! fragment header, data after "no next header", unknown next headers.

use super::{DecodeEvent, DecodeEvents, FragmentInfo, Ipv6Exts};

const FRAGMENT_HEADER: usize = 8;
/// AH's fixed part: next header, length, reserved, SPI, sequence number.
const AUTH_HEADER: usize = 12;

/// Next-header values.
mod nh {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const GRE: u8 = 47;
    pub const ESP: u8 = 50;
    pub const AUTH: u8 = 51;
    pub const ICMPV6: u8 = 58;
    pub const NONE: u8 = 59;
    pub const DEST_OPTS: u8 = 60;
    pub const MOBILITY: u8 = 135;
    pub const HIP: u8 = 139;
    pub const SHIM6: u8 = 140;
    pub const SCTP: u8 = 132;
}

/// Option types of hop-by-hop and destination options headers.
mod opt {
    pub const PAD1: u8 = 0x00;
    pub const PADN: u8 = 0x01;
    pub const ROUTER_ALERT: u8 = 0x05;
    pub const JUMBO: u8 = 0xc2;
    pub const HOME_ADDRESS: u8 = 0xc9;
}

/// Result of walking an IPv6 extension header chain.
pub(super) struct ExtWalk<'a> {
    /// Upper-layer protocol (or the header type the walk stopped at).
    pub proto: u8,
    /// Bytes after the last header walked.
    pub rest: &'a [u8],
    pub exts: Ipv6Exts,
    pub count: u8,
    pub fragment: Option<FragmentInfo>,
}

/// Follows the chain starting with next header `next` over `payload`.
///
/// `truncated`: the payload may be shorter than the real one (snap
/// length), so a header running past it is not an anomaly. Each header
/// walked is at least 8 bytes (or is skipped as a duplicate of that size),
/// so the walk ends after at most `payload.len() / 8` steps.
pub(super) fn walk<'a>(
    next: u8,
    payload: &'a [u8],
    truncated: bool,
    events: &mut DecodeEvents,
) -> ExtWalk<'a> {
    let mut w = ExtWalk {
        proto: next,
        rest: payload,
        exts: Ipv6Exts::default(),
        count: 0,
        fragment: None,
    };
    let mut next = next;
    let mut dest_opts = 0u8;
    // Inside the chain every header, the upper layer's too, needs the two
    // bytes of a next-header/length prefix (Suricata's check).
    let in_chain = is_extension(next) || next == nh::ESP;
    loop {
        w.proto = next;
        // A fragment's later headers may be in other fragments.
        let cut = truncated || w.fragment.is_some();
        if in_chain && next != nh::NONE && w.rest.len() < 2 {
            if !cut {
                events.push(DecodeEvent::Ipv6TruncatedExtHeader);
            }
            return w;
        }
        match next {
            nh::TCP | nh::UDP | nh::ICMPV6 | nh::SCTP | nh::ESP | nh::IPIP => return w,
            // Tunnels Suricata follows only right after the fixed header.
            nh::IPV6 | nh::GRE if w.count == 0 => return w,
            nh::ICMP => {
                events.push(DecodeEvent::Ipv6WithIcmpv4);
                return w;
            }
            nh::NONE => {
                if !w.rest.is_empty() {
                    events.push(DecodeEvent::Ipv6DataAfterNoneHeader);
                }
                return w;
            }
            n if is_extension(n) => {}
            _ => {
                events.push(DecodeEvent::Ipv6UnknownNextHeader);
                return w;
            }
        }
        let (Some(&following), Some(&len_byte)) = (w.rest.first(), w.rest.get(1)) else {
            if !cut {
                events.push(DecodeEvent::Ipv6TruncatedExtHeader);
            }
            return w;
        };
        let len = match next {
            nh::HOP_BY_HOP | nh::DEST_OPTS => (usize::from(len_byte) + 1) * 8,
            nh::FRAGMENT => FRAGMENT_HEADER,
            nh::AUTH => AUTH_HEADER + usize::from(len_byte.saturating_sub(1)) * 4,
            _ => 8 + usize::from(len_byte) * 8,
        };
        let Some(header) = w.rest.get(..len) else {
            if !cut {
                events.push(DecodeEvent::Ipv6TruncatedExtHeader);
            }
            return w;
        };
        if !check_header(next, header, &mut w, &mut dest_opts, events) {
            // A duplicate: skipped so the rest of the chain is still read.
            w.rest = w.rest.get(len..).unwrap_or(&[]);
            next = following;
            continue;
        }
        w.count = w.count.saturating_add(1);
        w.rest = w.rest.get(len..).unwrap_or(&[]);
        next = following;
        w.proto = next;
        // After a non-first fragment header the rest is fragment data.
        if w.fragment.is_some_and(|f| f.offset > 0) {
            return w;
        }
    }
}

/// Extension headers the walk steps over (59, "no next header", ends it).
fn is_extension(next: u8) -> bool {
    matches!(
        next,
        nh::HOP_BY_HOP
            | nh::ROUTING
            | nh::FRAGMENT
            | nh::DEST_OPTS
            | nh::AUTH
            | nh::MOBILITY
            | nh::HIP
            | nh::SHIM6
            | nh::NONE
    )
}

/// Checks one extension header (already known to fit) and records it.
/// False when it duplicates an earlier one (it is then skipped).
fn check_header(
    kind: u8,
    header: &[u8],
    w: &mut ExtWalk<'_>,
    dest_opts: &mut u8,
    events: &mut DecodeEvents,
) -> bool {
    match kind {
        nh::ROUTING => {
            if w.exts.contains(Ipv6Exts::ROUTING) {
                events.push(DecodeEvent::Ipv6DuplicateRoutingHeader);
                return false;
            }
            w.exts.insert(Ipv6Exts::ROUTING);
            if header.get(2) == Some(&0) {
                events.push(DecodeEvent::Ipv6RoutingType0);
            }
        }
        nh::HOP_BY_HOP => {
            if w.exts.contains(Ipv6Exts::HOP_BY_HOP) {
                events.push(DecodeEvent::Ipv6DuplicateHopByHop);
                return false;
            }
            w.exts.insert(Ipv6Exts::HOP_BY_HOP);
            options(header.get(2..).unwrap_or(&[]), true, events);
        }
        nh::DEST_OPTS => {
            // Two are allowed: before a routing header and before the
            // upper layer.
            if *dest_opts >= 2 {
                events.push(DecodeEvent::Ipv6DuplicateDestOpts);
                return false;
            }
            *dest_opts += 1;
            w.exts.insert(Ipv6Exts::DEST_OPTS);
            options(header.get(2..).unwrap_or(&[]), false, events);
        }
        nh::FRAGMENT => {
            if header.get(1).is_some_and(|r| *r != 0) {
                events.push(DecodeEvent::Ipv6FragmentReservedNotZero);
            }
            if w.exts.contains(Ipv6Exts::FRAGMENT) {
                events.push(DecodeEvent::Ipv6DuplicateFragmentHeader);
                return false;
            }
            w.exts.insert(Ipv6Exts::FRAGMENT);
            if let Some(frag) = parse_fragment_header(header) {
                if frag.offset > 0 || frag.more {
                    w.fragment = Some(frag);
                } else {
                    // Offset 0 and no more fragments: nothing to reassemble.
                    events.push(DecodeEvent::Ipv6UselessFragmentHeader);
                }
            }
        }
        nh::AUTH => {
            if header.get(2..4).is_some_and(|r| r != [0, 0]) {
                events.push(DecodeEvent::Ipv6AuthReservedNotZero);
            }
            if w.exts.contains(Ipv6Exts::AUTH) {
                events.push(DecodeEvent::Ipv6DuplicateAuthHeader);
                return false;
            }
            w.exts.insert(Ipv6Exts::AUTH);
        }
        _ => w.exts.insert(Ipv6Exts::OTHER),
    }
    true
}

/// Walks the options of a hop-by-hop (`hop`) or destination options
/// header. Length checks follow Suricata's, including its allowance of
/// one byte past the end for an option's data.
fn options(opts: &[u8], hop: bool, events: &mut DecodeEvents) {
    let (mut padding, mut other) = (0u32, 0u32);
    let mut i = 0usize;
    while let Some(&kind) = opts.get(i) {
        if kind == opt::PAD1 {
            padding += 1;
            i += 1;
            continue;
        }
        let Some(&len) = opts.get(i + 1) else {
            events.push(DecodeEvent::Ipv6InvalidOptionLength);
            break;
        };
        let len = usize::from(len);
        if i + 1 + len > opts.len() {
            events.push(DecodeEvent::Ipv6InvalidOptionLength);
            break;
        }
        let min = match kind {
            opt::PADN => {
                padding += 1;
                if len == 0 {
                    events.push(DecodeEvent::Ipv6ZeroLengthPadN);
                }
                0
            }
            opt::ROUTER_ALERT => {
                other += 1;
                2
            }
            // Suricata does not count a jumbo payload option as content.
            opt::JUMBO => 4,
            opt::HOME_ADDRESS => {
                other += 1;
                16
            }
            _ => {
                events.push(if hop {
                    DecodeEvent::Ipv6HopOptsUnknownOption
                } else {
                    DecodeEvent::Ipv6DestOptsUnknownOption
                });
                other += 1;
                0
            }
        };
        if len < min {
            events.push(DecodeEvent::Ipv6InvalidOptionLength);
            break;
        }
        i += len + 2;
    }
    if padding > 0 && other == 0 {
        events.push(if hop {
            DecodeEvent::Ipv6HopOptsOnlyPadding
        } else {
            DecodeEvent::Ipv6DestOptsOnlyPadding
        });
    }
}

/// Reads an IPv6 fragment header: next header, and the fragment fields.
///
/// Parsed by hand because etherparse 0.16's `Ipv6FragmentHeaderSlice` reads
/// the offset and M bits from the wrong positions (etherparse issue #150,
/// fixed in 0.20): bytes 2..4 are a big-endian word, offset = word >> 3,
/// M = bit 0 (RFC 8200 section 4.5).
pub(super) fn parse_fragment_header(b: &[u8]) -> Option<FragmentInfo> {
    let h: &[u8; FRAGMENT_HEADER] = b.get(..FRAGMENT_HEADER)?.try_into().ok()?;
    let word = u16::from_be_bytes([h[2], h[3]]);
    Some(FragmentInfo {
        id: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        offset: word >> 3,
        more: word & 1 != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(next: u8, payload: &[u8]) -> (u8, usize, Vec<DecodeEvent>) {
        let mut ev = DecodeEvents::default();
        let w = walk(next, payload, false, &mut ev);
        (w.proto, payload.len() - w.rest.len(), ev.iter().collect())
    }

    /// [`run`] with two bytes of upper-layer header after the chain, which
    /// the walk requires.
    fn run_t(next: u8, chain: &[u8]) -> (u8, usize, Vec<DecodeEvent>) {
        let mut v = chain.to_vec();
        v.extend_from_slice(&[0, 0]);
        run(next, &v)
    }

    /// An 8-byte options header: next header, length 0, six option bytes.
    fn opts(next: u8, body: [u8; 6]) -> Vec<u8> {
        let mut v = vec![next, 0];
        v.extend_from_slice(&body);
        v
    }

    #[test]
    fn fragment_header_follows_rfc_8200_bit_layout() {
        // next=58, offset 0, M=1, id 0x59ad9b98 (the bytes from etherparse issue #150)
        let f = parse_fragment_header(&[0x3a, 0, 0x00, 0x01, 0x59, 0xad, 0x9b, 0x98]).unwrap();
        assert_eq!((f.offset, f.more, f.id), (0, true, 0x59ad_9b98));
        // offset 185 (1480 bytes), M=0
        let f = parse_fragment_header(&[17, 0, 0x05, 0xc8, 0, 0, 0, 1]).unwrap();
        assert_eq!((f.offset, f.more), (185, false));
        assert!(parse_fragment_header(&[17, 0, 0, 1, 0, 0, 0]).is_none());
    }

    #[test]
    fn options_events() {
        use DecodeEvent::*;
        // Router alert: content, no event.
        assert_eq!(run_t(0, &opts(6, [5, 2, 0, 0, 0, 0])), (6, 8, vec![]));
        // Only padding (PadN of 4).
        assert_eq!(
            run_t(0, &opts(6, [1, 4, 0, 0, 0, 0])),
            (6, 8, vec![Ipv6HopOptsOnlyPadding])
        );
        assert_eq!(
            run_t(60, &opts(6, [0; 6])),
            (6, 8, vec![Ipv6DestOptsOnlyPadding])
        );
        // An unknown option type (the covert channel of ipv6-covert-dstopts).
        assert_eq!(
            run_t(60, &opts(6, [0x1e, 4, 1, 2, 3, 4])),
            (6, 8, vec![Ipv6DestOptsUnknownOption])
        );
        assert_eq!(
            run_t(0, &opts(6, [0x3e, 4, 1, 2, 3, 4])),
            (6, 8, vec![Ipv6HopOptsUnknownOption])
        );
        // PadN of length 0, then padding.
        assert_eq!(
            run_t(60, &opts(6, [1, 0, 1, 2, 0, 0])),
            (6, 8, vec![Ipv6DestOptsOnlyPadding, Ipv6ZeroLengthPadN])
        );
        // An option running past the header; a router alert too short.
        assert_eq!(
            run_t(60, &opts(6, [5, 9, 0, 0, 0, 0])),
            (6, 8, vec![Ipv6InvalidOptionLength])
        );
        assert_eq!(
            run_t(60, &opts(6, [5, 1, 0, 1, 0, 0])),
            (6, 8, vec![Ipv6InvalidOptionLength])
        );
    }

    #[test]
    fn duplicates_are_reported_and_skipped() {
        use DecodeEvent::*;
        let ra = [5, 2, 0, 0, 0, 0];
        let mut two_hop = opts(0, ra);
        two_hop.extend(opts(6, ra));
        assert_eq!(run_t(0, &two_hop), (6, 16, vec![Ipv6DuplicateHopByHop]));
        let mut three_dst = opts(60, ra);
        three_dst.extend(opts(60, ra));
        three_dst.extend(opts(17, ra));
        assert_eq!(run_t(60, &three_dst), (17, 24, vec![Ipv6DuplicateDestOpts]));
        // Routing headers: type 0 is deprecated; a second one is a duplicate.
        let mut rh = vec![43, 0, 0, 0, 0, 0, 0, 0];
        rh.extend_from_slice(&[6, 0, 2, 0, 0, 0, 0, 0]);
        assert_eq!(
            run_t(43, &rh),
            (6, 16, vec![Ipv6DuplicateRoutingHeader, Ipv6RoutingType0])
        );
        // AH with a reserved field set, twice.
        let mut ah = vec![51, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        ah.extend_from_slice(&[6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            run_t(51, &ah),
            (
                6,
                24,
                vec![Ipv6DuplicateAuthHeader, Ipv6AuthReservedNotZero]
            )
        );
    }

    #[test]
    fn fragment_header_anomalies() {
        use DecodeEvent::*;
        // Offset 0, no more fragments: useless, decoding goes on.
        let atomic = [17, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(run_t(44, &atomic), (17, 8, vec![Ipv6UselessFragmentHeader]));
        // Non-zero reserved byte, then a duplicate header.
        let mut two = vec![44, 7, 0, 0, 0, 0, 0, 1];
        two.extend_from_slice(&atomic);
        assert_eq!(
            run_t(44, &two),
            (
                17,
                16,
                vec![
                    Ipv6DuplicateFragmentHeader,
                    Ipv6UselessFragmentHeader,
                    Ipv6FragmentReservedNotZero
                ]
            )
        );
        // A real non-first fragment stops the walk.
        let mut ev = DecodeEvents::default();
        let w = walk(44, &[6, 0, 0, 0x10, 0, 0, 0, 1, 9, 9], false, &mut ev);
        assert_eq!(
            (w.proto, w.rest, w.fragment.map(|f| f.offset)),
            (6, &[9, 9][..], Some(2))
        );
        assert!(ev.is_empty());
    }

    #[test]
    fn chain_ends() {
        use DecodeEvent::*;
        assert_eq!(run(59, &[]), (59, 0, vec![]));
        assert_eq!(run(59, &[1]), (59, 0, vec![Ipv6DataAfterNoneHeader]));
        assert_eq!(run(103, &[0; 8]), (103, 0, vec![Ipv6UnknownNextHeader]));
        assert_eq!(run(1, &[0; 8]), (1, 0, vec![Ipv6WithIcmpv4]));
        // IPv6 and GRE are tunnels only right after the fixed header.
        assert_eq!(run(41, &[0; 8]), (41, 0, vec![]));
        assert_eq!(
            run_t(60, &opts(41, [5, 2, 0, 0, 0, 0])),
            (41, 8, vec![Ipv6UnknownNextHeader])
        );
        assert_eq!(run(4, &[0; 8]), (4, 0, vec![]));
        // Inside the chain even the upper layer needs two bytes.
        let mut short = opts(6, [5, 2, 0, 0, 0, 0]);
        short.push(0);
        assert_eq!(run(60, &short), (6, 8, vec![Ipv6TruncatedExtHeader]));
        // A header cut short, unless the capture cut it.
        assert_eq!(run(0, &[6]), (0, 0, vec![Ipv6TruncatedExtHeader]));
        assert_eq!(run(0, &[6, 1, 0, 0]), (0, 0, vec![Ipv6TruncatedExtHeader]));
        let mut ev = DecodeEvents::default();
        walk(0, &[6, 1, 0, 0], true, &mut ev);
        assert!(ev.is_empty());
    }
}
