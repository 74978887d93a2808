//! Internet checksums on wire bytes, and Suricata's `-k` checksum policy.
//!
//! The sums run over the borrowed packet bytes (no copies, no allocation),
//! 32 bits at a time: the one's complement sum of 16-bit words can be taken
//! over wider words and folded at the end (RFC 1071).
//!
//! Captures taken on a sending host often carry wrong checksums because the
//! NIC fills them in after capture (checksum offloading). Suricata's default
//! `auto` mode therefore samples the first packets and stops checking when
//! too many are bad; [`ChecksumValidator`] implements the same rule.

use std::net::IpAddr;
use std::str::FromStr;

use sigil_rules::packet::ipproto;

use super::{Decoded, Ipv6Exts, Transport};

/// Packets sampled by [`ChecksumMode::Auto`] before deciding.
pub const AUTO_SAMPLE_PACKETS: u64 = 1000;
/// `auto` turns checking off when `sampled / bad < AUTO_INVALID_RATIO`,
/// i.e. when more than 1 in 10 sampled packets had a bad checksum.
pub const AUTO_INVALID_RATIO: u64 = 10;

/// Adds `data` as big-endian 16-bit words to a running one's complement sum.
/// An odd trailing byte is padded with zero, as the checksum definition says.
pub fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        acc += u64::from(u32::from_be_bytes(w.try_into().unwrap_or([0; 4])));
    }
    let mut rest = words.remainder().chunks_exact(2);
    for w in &mut rest {
        acc += u64::from(u16::from_be_bytes(w.try_into().unwrap_or([0; 2])));
    }
    if let Some(&last) = rest.remainder().first() {
        acc += u64::from(last) << 8;
    }
    acc
}

/// Folds a running sum to 16 bits with end-around carry.
pub fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// Sum of the TCP/UDP/ICMPv6 pseudo-header. Mixed address families (never
/// produced by the decoder) contribute nothing.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: u32) -> u64 {
    let addrs = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => sum(&d.octets(), sum(&s.octets(), 0)),
        (IpAddr::V6(s), IpAddr::V6(d)) => sum(&d.octets(), sum(&s.octets(), 0)),
        _ => 0,
    };
    addrs + u64::from(proto) + u64::from(len >> 16) + u64::from(len & 0xffff)
}

/// True when an IPv4 header (with options) carries a correct checksum.
pub fn ipv4_header_ok(header: &[u8]) -> bool {
    fold(sum(header, 0)) == 0xffff
}

/// True when `segment` (transport header + data, checksum field included)
/// sums to all-ones together with the pseudo-header sum.
pub fn segment_ok(pseudo: u64, segment: &[u8]) -> bool {
    fold(sum(segment, pseudo)) == 0xffff
}

/// True when a TCP, UDP or ICMPv6 `segment` (header + data as on the wire)
/// carries a correct checksum for `src` → `dst`. The pseudo-header length is
/// the segment's length, so pass exactly the bytes the checksum covers.
pub fn transport_ok(src: IpAddr, dst: IpAddr, proto: u8, segment: &[u8]) -> bool {
    let len = u32::try_from(segment.len()).unwrap_or(u32::MAX);
    segment_ok(pseudo_header(src, dst, proto, len), segment)
}

/// True when an ICMP (v4) message carries a correct checksum (no pseudo-header).
pub fn icmpv4_ok(message: &[u8]) -> bool {
    segment_ok(0, message)
}

/// The checksum to store in a header whose checksum field is zero in
/// `bytes`, with `pseudo` the pseudo-header sum (0 for IPv4 headers and ICMP).
pub fn compute(pseudo: u64, bytes: &[u8]) -> u16 {
    !fold(sum(bytes, pseudo))
}

/// Checksum results for one packet: `None` where there is nothing to check
/// or the bytes needed are missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacketChecksums {
    /// IPv4 header checksum.
    pub ipv4: Option<bool>,
    /// TCP, UDP, ICMP or ICMPv6 checksum.
    pub transport: Option<bool>,
}

impl PacketChecksums {
    /// True when some checksum was verified and found wrong.
    pub fn any_invalid(&self) -> bool {
        self.ipv4 == Some(false) || self.transport == Some(false)
    }
}

/// Verifies the checksums of a decoded packet.
///
/// The transport checksum is not verifiable (`None`) when the capture cut
/// the packet, for fragments (the checksum covers the whole datagram), for
/// IPv6 with a routing header (the pseudo-header uses the final hop's
/// address) and for UDP over IPv4 with checksum 0 ("not computed").
pub fn verify(d: &Decoded<'_>) -> PacketChecksums {
    let Some(ip) = &d.ip else {
        return PacketChecksums::default();
    };
    let ipv4 = ip.v4.map(|_| ipv4_header_ok(ip.header));
    let routed = ip.v6.is_some_and(|v6| v6.exts.contains(Ipv6Exts::ROUTING));
    if d.snapped || ip.payload_truncated || ip.fragment.is_some() || routed {
        return PacketChecksums {
            ipv4,
            transport: None,
        };
    }
    let seg = ip.payload;
    let transport = match &d.transport {
        Some(Transport::Tcp(_)) => Some(transport_ok(ip.src, ip.dst, ipproto::TCP, seg)),
        Some(Transport::Udp(u)) => {
            let stored = u.header.get(6..8).map(|b| b == [0, 0]).unwrap_or(false);
            match seg.get(..usize::from(u.length)) {
                _ if stored && ip.v4.is_some() => None,
                // RFC 8200: a zero UDP checksum over IPv6 is invalid.
                _ if stored => Some(false),
                Some(dgram) => Some(transport_ok(ip.src, ip.dst, ipproto::UDP, dgram)),
                None => None,
            }
        }
        Some(Transport::Icmpv4(_)) => Some(icmpv4_ok(seg)),
        Some(Transport::Icmpv6(_)) => Some(transport_ok(ip.src, ip.dst, ipproto::ICMPV6, seg)),
        None => None,
    };
    PacketChecksums { ipv4, transport }
}

/// Checksum policy, as Suricata's `-k` / `checksum-checks`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChecksumMode {
    /// Never check.
    None,
    /// Check every packet; a bad checksum makes the packet invalid.
    All,
    /// Check like `All`, but stop checking for the rest of the run when the
    /// first [`AUTO_SAMPLE_PACKETS`] packets show offloading.
    #[default]
    Auto,
}

impl FromStr for ChecksumMode {
    type Err = String;

    /// Accepts Suricata's spellings: `none`/`no`, `all`/`yes`, `auto`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "no" => Ok(ChecksumMode::None),
            "all" | "yes" => Ok(ChecksumMode::All),
            "auto" => Ok(ChecksumMode::Auto),
            other => Err(format!(
                "unknown checksum mode {other:?} (expected none, all or auto)"
            )),
        }
    }
}

/// What the validator concluded about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumVerdict {
    /// At least one checksum was verified and all verified ones are right.
    Valid,
    /// A checksum is wrong: the packet should not be inspected.
    Invalid,
    /// Nothing was checked (mode, auto switch-off, or nothing verifiable).
    Unchecked,
}

/// Counters of the checksum validator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChecksumStats {
    /// Packets with at least one checksum verified.
    pub checked: u64,
    /// Packets flagged invalid.
    pub invalid: u64,
    /// Bad IPv4 header checksums seen.
    pub ipv4_bad: u64,
    /// Bad transport checksums seen.
    pub transport_bad: u64,
    /// `auto` mode switched checking off at this packet number (1-based).
    pub disabled_at: Option<u64>,
}

/// Applies a [`ChecksumMode`] packet by packet.
///
/// The `auto` decision depends on packet order, so a run should use one
/// validator fed in capture order (not one per worker), or the set of
/// inspected packets would depend on the number of workers.
#[derive(Debug, Clone)]
pub struct ChecksumValidator {
    mode: ChecksumMode,
    seen: u64,
    bad_in_sample: u64,
    disabled: bool,
    stats: ChecksumStats,
}

impl ChecksumValidator {
    /// A validator applying `mode`.
    pub fn new(mode: ChecksumMode) -> Self {
        ChecksumValidator {
            mode,
            seen: 0,
            bad_in_sample: 0,
            disabled: mode == ChecksumMode::None,
            stats: ChecksumStats::default(),
        }
    }

    /// Checks one packet. Call it for every packet, in capture order: `auto`
    /// counts all packets (like Suricata's `pcap_cnt`) in its sample.
    pub fn check(&mut self, d: &Decoded<'_>) -> ChecksumVerdict {
        if self.disabled {
            return ChecksumVerdict::Unchecked;
        }
        self.seen += 1;
        let sums = verify(d);
        let bad = sums.any_invalid();
        if sums.ipv4 == Some(false) {
            self.stats.ipv4_bad += 1;
        }
        if sums.transport == Some(false) {
            self.stats.transport_bad += 1;
        }
        if self.mode == ChecksumMode::Auto && self.seen <= AUTO_SAMPLE_PACKETS {
            if bad {
                self.bad_in_sample += 1;
            }
            if self.seen == AUTO_SAMPLE_PACKETS
                && self.bad_in_sample > 0
                && AUTO_SAMPLE_PACKETS / self.bad_in_sample < AUTO_INVALID_RATIO
            {
                self.disabled = true;
                self.stats.disabled_at = Some(self.seen);
                tracing::warn!(
                    bad = self.bad_in_sample,
                    sampled = AUTO_SAMPLE_PACKETS,
                    "more than 1 in {AUTO_INVALID_RATIO} packets have an invalid checksum, \
                     assuming checksum offloading: checksum validation disabled for the rest \
                     of the run (use -k all to force it)"
                );
                return ChecksumVerdict::Unchecked;
            }
        }
        if sums.ipv4.is_none() && sums.transport.is_none() {
            return ChecksumVerdict::Unchecked;
        }
        self.stats.checked += 1;
        if bad {
            self.stats.invalid += 1;
            ChecksumVerdict::Invalid
        } else {
            ChecksumVerdict::Valid
        }
    }

    /// True once checking is off (mode `none`, or `auto` switched off).
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }

    /// Counters so far.
    pub fn stats(&self) -> &ChecksumStats {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data, 0)), 0xddf2);
        // Odd length pads with a zero byte.
        assert_eq!(fold(sum(&[0x12, 0x34, 0x56], 0)), 0x1234 + 0x5600);
        assert_eq!(fold(sum(&[], 7)), 7);
    }

    #[test]
    fn ipv4_header_checksum_round_trip() {
        let mut hdr = [
            0x45, 0, 0, 0x1c, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let c = compute(0, &hdr);
        hdr[10..12].copy_from_slice(&c.to_be_bytes());
        assert!(ipv4_header_ok(&hdr));
        hdr[8] = 63;
        assert!(!ipv4_header_ok(&hdr));
    }

    #[test]
    fn modes_parse_like_suricata() {
        assert_eq!("none".parse(), Ok(ChecksumMode::None));
        assert_eq!("YES".parse(), Ok(ChecksumMode::All));
        assert_eq!("auto".parse(), Ok(ChecksumMode::Auto));
        assert!("sometimes".parse::<ChecksumMode>().is_err());
        assert_eq!(ChecksumMode::default(), ChecksumMode::Auto);
    }
}
