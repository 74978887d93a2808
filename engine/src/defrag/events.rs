//! Events the defragmenter raises on the fragment being inserted.
//!
//! Names are Suricata's decoder event names where Suricata has one, so that
//! `decode-event:ipv6.frag_overlap` and friends match on the same packet as
//! in Suricata (the fragment, not the reassembled packet). Two names are
//! Sigil's own, for checks Suricata does not make; they are marked below.

use std::fmt;

macro_rules! defrag_events {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// Something wrong with a fragment, found while reassembling.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum DefragEvent {
            $( $(#[$doc])* $variant, )*
        }

        impl DefragEvent {
            /// Every event, in declaration order (index = discriminant).
            pub const ALL: &'static [DefragEvent] = &[$(DefragEvent::$variant,)*];

            /// The event's name as `decode-event:` rules spell it.
            pub fn name(&self) -> &'static str {
                match self {
                    $( DefragEvent::$variant => $name, )*
                }
            }
        }
    };
}

defrag_events! {
    /// IPv4 fragment would end past 65535 bytes (20-byte header + offset + length).
    Ipv4FragPktTooLarge => "ipv4.frag_pkt_too_large",
    /// IPv6 fragment would end past 65535 bytes of fragmentable part.
    Ipv6FragPktTooLarge => "ipv6.frag_pkt_too_large",
    /// IPv4 fragment overlaps data already held for its datagram.
    Ipv4FragOverlap => "ipv4.frag_overlap",
    /// IPv6 fragment overlaps data already held for its datagram.
    Ipv6FragOverlap => "ipv6.frag_overlap",
    /// Sigil's own: an IPv4 fragment with more-fragments set whose length
    /// is not a multiple of 8 (Suricata has only the IPv6 event).
    Ipv4FragInvalidLength => "ipv4.frag_invalid_length",
    /// IPv6 fragment with the M flag whose length is not a multiple of 8.
    Ipv6FragInvalidLength => "ipv6.frag_invalid_length",
    /// IPv4 fragment not stored for lack of resources (memcap, fragment or
    /// tracker limit), as Suricata raises when its fragment pool is empty.
    Ipv4FragIgnored => "ipv4.frag_ignored",
    /// IPv6 fragment not stored for lack of resources.
    Ipv6FragIgnored => "ipv6.frag_ignored",
    /// Sigil's own: an IPv4 fragment that contradicts the datagram's end
    /// (data past the last fragment, or a second last fragment elsewhere).
    Ipv4FragBeyondEnd => "ipv4.frag_beyond_end",
    /// Sigil's own: the IPv6 counterpart of `ipv4.frag_beyond_end`.
    Ipv6FragBeyondEnd => "ipv6.frag_beyond_end",
}

impl DefragEvent {
    /// Picks the IPv4 or IPv6 flavour of an event pair.
    pub(crate) fn pick(v6: bool, v4_event: DefragEvent, v6_event: DefragEvent) -> DefragEvent {
        if v6 {
            v6_event
        } else {
            v4_event
        }
    }
}

impl fmt::Display for DefragEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The events of one fragment (a bit set over [`DefragEvent`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefragEvents(u16);

impl DefragEvents {
    /// Records an event.
    pub fn push(&mut self, ev: DefragEvent) {
        self.0 |= 1u16 << (ev as u8);
    }

    /// True when `ev` was recorded.
    pub fn contains(&self, ev: DefragEvent) -> bool {
        self.0 & (1u16 << (ev as u8)) != 0
    }

    /// True when no event was recorded.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The recorded events in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = DefragEvent> + '_ {
        DefragEvent::ALL
            .iter()
            .copied()
            .filter(|e| self.contains(*e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_set_holds_every_event() {
        assert!(DefragEvent::ALL.len() <= 16);
        let mut ev = DefragEvents::default();
        assert!(ev.is_empty());
        for e in DefragEvent::ALL {
            ev.push(*e);
        }
        assert_eq!(ev.iter().count(), DefragEvent::ALL.len());
        assert!(ev.contains(DefragEvent::Ipv6FragOverlap));
        assert_eq!(
            DefragEvent::pick(
                true,
                DefragEvent::Ipv4FragOverlap,
                DefragEvent::Ipv6FragOverlap
            )
            .to_string(),
            "ipv6.frag_overlap"
        );
    }
}
