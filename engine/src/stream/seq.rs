//! TCP sequence numbers: 32-bit values that wrap, compared in a window.
//!
//! A sequence number only has meaning relative to another one less than
//! 2^31 away, so [`SeqNumber`] offers wrapping arithmetic and a signed
//! distance instead of integer ordering. Its `PartialOrd` follows RFC 1982
//! serial-number arithmetic: `a < b` when `b` is less than 2^31 ahead of
//! `a`. Two numbers exactly 2^31 apart are unordered (`partial_cmp` is
//! `None`), which keeps the relation antisymmetric.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Sub};

/// A TCP sequence or acknowledgement number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// The number `n` bytes after this one (wrapping).
    pub fn wrapping_add(self, n: u32) -> SeqNumber {
        SeqNumber(self.0.wrapping_add(n))
    }

    /// Signed distance from `origin` to `self`: positive when `self` is
    /// ahead. Exactly 2^31 apart reads as `i32::MIN` (behind).
    pub fn distance_from(self, origin: SeqNumber) -> i32 {
        // Reinterpreting the wrapped difference as two's complement is the
        // whole point: it maps the 2^32 circle onto -2^31..2^31.
        self.0.wrapping_sub(origin.0) as i32
    }

    /// The sequence number of absolute stream offset `offset` when offset 0
    /// is `base`: offsets beyond 4 GiB wrap like the wire does.
    pub fn at_offset(base: SeqNumber, offset: u64) -> SeqNumber {
        // Truncation is the modulo 2^32 of the offset, exactly what we want.
        base.wrapping_add(offset as u32)
    }
}

impl Add<u32> for SeqNumber {
    type Output = SeqNumber;

    fn add(self, rhs: u32) -> SeqNumber {
        self.wrapping_add(rhs)
    }
}

impl Sub for SeqNumber {
    type Output = i32;

    /// Signed distance (see [`SeqNumber::distance_from`]).
    fn sub(self, rhs: SeqNumber) -> i32 {
        self.distance_from(rhs)
    }
}

impl PartialOrd for SeqNumber {
    fn partial_cmp(&self, other: &SeqNumber) -> Option<Ordering> {
        match self.0.wrapping_sub(other.0) {
            0 => Some(Ordering::Equal),
            0x8000_0000 => None,
            d if d < 0x8000_0000 => Some(Ordering::Greater),
            _ => Some(Ordering::Less),
        }
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::SeqNumber;

    #[test]
    fn wraps_and_compares_across_zero() {
        let a = SeqNumber(0xffff_fff0);
        let b = a + 0x20;
        assert_eq!(b, SeqNumber(0x10));
        assert!(a < b);
        assert!(b > a);
        assert_eq!(b - a, 0x20);
        assert_eq!(a - b, -0x20);
    }

    #[test]
    fn half_circle_is_unordered() {
        let a = SeqNumber(5);
        let b = SeqNumber(5u32.wrapping_add(0x8000_0000));
        assert_eq!(a.partial_cmp(&b), None);
        assert_eq!(b.partial_cmp(&a), None);
        assert!(a != b);
    }

    #[test]
    fn offsets_beyond_4gib_wrap() {
        let base = SeqNumber(100);
        assert_eq!(SeqNumber::at_offset(base, 1 << 32), base);
        assert_eq!(SeqNumber::at_offset(base, (1 << 32) + 7), SeqNumber(107));
    }
}
