//! Packet facts beyond the header fields: raw header bytes (for the
//! `ipv4.hdr` … `icmpv6.hdr` sticky buffers), checksum validity (for
//! `ipv4-csum` … `icmpv6-csum`) and decoder events (for `decode-event`).
//!
//! The engine fills these in its packet view; every type defaults to
//! "nothing known" so hand-built views in tests only set what they use.

use crate::decoder_events::DecoderEvent;

/// Borrowed raw header bytes of one packet, each empty when the layer is
/// absent or was not decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacketHeaders<'a> {
    /// IPv4 header with options, or the IPv6 fixed header followed by its
    /// extension headers (Suricata's `ipv6.hdr` covers both).
    pub ip: &'a [u8],
    /// TCP header with options.
    pub tcp: &'a [u8],
    /// The 8-byte UDP header.
    pub udp: &'a [u8],
    /// ICMP or ICMPv6 header: 8 bytes, more for ICMPv4 messages whose
    /// header Suricata extends (timestamps, router advertisement entries).
    pub icmp: &'a [u8],
}

/// Checksum validity of one packet. `None` means "not verifiable" (no such
/// layer, bytes missing, fragment, UDP over IPv4 without a checksum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksums {
    /// IPv4 header checksum.
    pub ipv4: Option<bool>,
    /// TCP, UDP, ICMP or ICMPv6 checksum.
    pub l4: Option<bool>,
    /// Checksum checking is off for this packet (Suricata's
    /// `PKT_IGNORE_CHECKSUM`: `-k none`, or `auto` having switched it off).
    /// The `*-csum` keywords then treat every checksum as valid.
    pub ignored: bool,
}

/// The most VLAN tags a view carries (Suricata decodes at most three).
pub const MAX_VLANS: usize = 3;

/// VLAN ids of a packet, outermost first, held inline so the view stays
/// `Copy` and independent of where the decoder keeps them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vlans {
    ids: [u16; MAX_VLANS],
    len: u8,
}

impl Vlans {
    /// The first [`MAX_VLANS`] ids of `ids` (outermost first).
    pub fn from_slice(ids: &[u16]) -> Vlans {
        let mut v = Vlans::default();
        for (slot, id) in v.ids.iter_mut().zip(ids) {
            *slot = *id;
            v.len += 1;
        }
        v
    }

    /// The ids, outermost first.
    pub fn as_slice(&self) -> &[u16] {
        self.ids.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// The decoder events of one packet: a bit set over [`DecoderEvent`]
/// (Suricata's decoder event table), so it is `Copy` and never allocates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecoderEvents([u64; 4]);

impl DecoderEvents {
    /// Records `ev`.
    pub fn insert(&mut self, ev: DecoderEvent) {
        let i = ev.index();
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// True when `ev` was recorded.
    pub fn contains(&self, ev: DecoderEvent) -> bool {
        let i = ev.index();
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// True when no event was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlans_keep_at_most_three_tags() {
        assert_eq!(Vlans::default().as_slice(), &[] as &[u16]);
        assert_eq!(Vlans::from_slice(&[5, 6]).as_slice(), &[5, 6]);
        assert_eq!(Vlans::from_slice(&[1, 2, 3, 4]).as_slice(), &[1, 2, 3]);
    }

    #[test]
    fn event_set_holds_every_event() {
        let mut s = DecoderEvents::default();
        assert!(s.is_empty());
        let all: Vec<_> = DecoderEvent::all().collect();
        let last = *all.last().unwrap();
        let first = all[0];
        s.insert(last);
        assert!(s.contains(last) && !s.contains(first) && !s.is_empty());
        for e in &all {
            s.insert(*e);
        }
        assert!(all.iter().all(|e| s.contains(*e)));
    }
}
