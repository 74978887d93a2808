//! ERSPAN headers (Cisco's encapsulated remote SPAN) in front of a mirrored
//! Ethernet frame.
//!
//! Type I has no header (GRE carries the frame directly). Type II, header
//! version 1, has 8 bytes; type III, header version 2, has 12, plus an
//! 8-byte platform sub-header when its O bit is set. The session's VLAN
//! becomes the inner packet's first VLAN id, as Suricata records it.

use super::events::DecodeEvent;
use super::tunnel::Layer;
use super::Decoded;

const TYPE_II_HEADER: usize = 8;
const TYPE_III_HEADER: usize = 12;
const TYPE_III_PLATFORM: usize = 8;

/// Reads a type II header; returns the mirrored frame.
pub(super) fn type_ii<'a>(data: &'a [u8], d: &mut Decoded<'a>) -> Option<&'a [u8]> {
    header(data, d, 1, TYPE_II_HEADER)
}

/// Reads a type III header; returns the mirrored frame.
pub(super) fn type_iii<'a>(data: &'a [u8], d: &mut Decoded<'a>) -> Option<&'a [u8]> {
    let len = match data.get(11) {
        // O bit: an optional platform-specific sub-header follows.
        Some(b) if b & 0x01 != 0 => TYPE_III_HEADER + TYPE_III_PLATFORM,
        _ => TYPE_III_HEADER,
    };
    // Frame type (5 bits after the P bit of byte 10): 0 is Ethernet; IP
    // frames have no Ethernet header, which this decoder does not follow.
    if let Some(b) = data.get(10) {
        if (b >> 2) & 0x1f != 0 {
            return None;
        }
    }
    header(data, d, 2, len)
}

fn header<'a>(data: &'a [u8], d: &mut Decoded<'a>, version: u8, len: usize) -> Option<&'a [u8]> {
    d.layers.see(Layer::Erspan);
    let (Some(word), Some(frame)) = (
        data.get(..2)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_be_bytes),
        data.get(len..),
    ) else {
        d.events.push(DecodeEvent::ErspanTooSmall);
        return None;
    };
    if !d.layers.enter(&mut d.events) {
        return None;
    }
    if word >> 12 != u16::from(version) {
        d.events.push(DecodeEvent::ErspanUnsupportedVersion);
        return None;
    }
    let vlan = word & 0x0fff;
    if vlan > 0 && !d.vlan.push(vlan) {
        d.events.push(DecodeEvent::ErspanTooManyVlans);
        return None;
    }
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;

    fn empty(data: &[u8]) -> Decoded<'_> {
        Decoded::empty(LinkType::Raw, data, false)
    }

    #[test]
    fn type_ii_sets_the_vlan() {
        let data = [0x10, 0x17, 0x08, 0x64, 0, 0, 0, 0, 0xee];
        let mut d = empty(&data);
        assert_eq!(type_ii(&data, &mut d), Some(&[0xee][..]));
        assert_eq!(d.vlan.as_slice(), &[23]);
        assert!(d.events.is_empty() && d.layers.contains(Layer::Erspan));
        // VLAN 0: no tag.
        let data = [0x10, 0x00, 0, 0, 0, 0, 0, 0];
        let mut d = empty(&data);
        assert_eq!(type_ii(&data, &mut d), Some(&[][..]));
        assert!(d.vlan.is_empty());
    }

    #[test]
    fn type_ii_events() {
        let short = [0x10, 0x17, 0, 0];
        let mut d = empty(&short);
        assert_eq!(type_ii(&short, &mut d), None);
        assert!(d.events.contains(DecodeEvent::ErspanTooSmall));
        let v3 = [0x30, 0x17, 0, 0, 0, 0, 0, 0];
        let mut d = empty(&v3);
        assert_eq!(type_ii(&v3, &mut d), None);
        assert!(d.events.contains(DecodeEvent::ErspanUnsupportedVersion));
        let data = [0x10, 0x17, 0, 0, 0, 0, 0, 0];
        let mut d = empty(&data);
        for id in 1..=3 {
            assert!(d.vlan.push(id));
        }
        assert_eq!(type_ii(&data, &mut d), None);
        assert!(d.events.contains(DecodeEvent::ErspanTooManyVlans));
    }

    #[test]
    fn type_iii_with_and_without_platform_header() {
        let mut data = vec![0x20, 0x05, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0];
        data.push(0xee);
        let mut d = empty(&data);
        assert_eq!(type_iii(&data, &mut d), Some(&[0xee][..]));
        assert_eq!(d.vlan.as_slice(), &[5]);
        let mut data = vec![0x20, 0x00, 0, 0, 1, 2, 3, 4, 0, 0, 0, 1];
        data.extend_from_slice(&[9; 8]);
        data.push(0xee);
        let mut d = empty(&data);
        assert_eq!(type_iii(&data, &mut d), Some(&[0xee][..]));
        // A type II header announced as type III.
        let data = [0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut d = empty(&data);
        assert_eq!(type_iii(&data, &mut d), None);
        assert!(d.events.contains(DecodeEvent::ErspanUnsupportedVersion));
    }
}
