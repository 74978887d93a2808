//! Overlap policies: which copy of a byte wins when fragments overlap.
//!
//! Operating systems disagree on how to reassemble overlapping fragments,
//! and an attacker who knows the IDS picks a different winner than the
//! target can hide a payload. Suricata therefore lets the operator choose the
//! target's policy; Sigil offers the same six.
//!
//! Each policy is expressed as a strict order between two fragments that
//! both cover a byte ([`DefragPolicy::beats`]), using the fragment's
//! *original* start offset (as sent, before any trimming) and its arrival
//! order, plus, for Windows and Solaris, a rule that drops an older fragment
//! a newer one envelops ([`DefragPolicy::discards`]). Expressed this way the
//! result does not depend on the order fragments are stored or trimmed in,
//! and it reproduces the byte patterns of Suricata's Sturges/Novak unit tests
//! for every policy (see `defrag/tests.rs`).

use std::fmt;
use std::str::FromStr;

/// How overlapping fragment data is resolved (Suricata's `defrag` policies).
///
/// | policy    | the byte comes from |
/// |-----------|---------------------|
/// | `first`   | the fragment that arrived first |
/// | `last`    | the fragment that arrived last |
/// | `bsd`     | the fragment that starts at the lowest offset; on equal offsets the first to arrive (Suricata's default) |
/// | `linux`   | the fragment that starts at the lowest offset; on equal offsets the last to arrive |
/// | `windows` | the first to arrive, except that an older fragment is dropped when a newer one starts before it and ends after it |
/// | `solaris` | as `windows`, but a newer fragment that starts before an older one and ends at or after its end drops it |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DefragPolicy {
    /// Original data wins.
    First,
    /// Newest data wins.
    Last,
    /// Lowest start offset wins, ties to the older fragment.
    #[default]
    Bsd,
    /// Lowest start offset wins, ties to the newer fragment.
    Linux,
    /// Older data wins unless a newer fragment strictly envelops the older one.
    Windows,
    /// Older data wins unless a newer fragment starts before it and covers its end.
    Solaris,
}

/// The placement and arrival of one fragment, all a policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FragSpan {
    /// First byte offset in the datagram, as sent.
    pub start: u32,
    /// One past the last byte, as sent.
    pub end: u32,
    /// Arrival order within the engine (unique, increasing).
    pub seq: u64,
}

impl DefragPolicy {
    /// Every policy, for tests and configuration help.
    pub const ALL: [DefragPolicy; 6] = [
        DefragPolicy::First,
        DefragPolicy::Last,
        DefragPolicy::Bsd,
        DefragPolicy::Linux,
        DefragPolicy::Windows,
        DefragPolicy::Solaris,
    ];

    /// The name used in Suricata's configuration (`defrag.policy`, host-os-policy).
    pub fn name(&self) -> &'static str {
        match self {
            DefragPolicy::First => "first",
            DefragPolicy::Last => "last",
            DefragPolicy::Bsd => "bsd",
            DefragPolicy::Linux => "linux",
            DefragPolicy::Windows => "windows",
            DefragPolicy::Solaris => "solaris",
        }
    }

    /// True when `a`'s copy of a byte both fragments cover wins over `b`'s.
    /// A strict total order over fragments with distinct `seq`.
    pub(crate) fn beats(&self, a: &FragSpan, b: &FragSpan) -> bool {
        match self {
            DefragPolicy::First | DefragPolicy::Windows | DefragPolicy::Solaris => a.seq < b.seq,
            DefragPolicy::Last => a.seq > b.seq,
            DefragPolicy::Bsd => a.start < b.start || (a.start == b.start && a.seq < b.seq),
            DefragPolicy::Linux => a.start < b.start || (a.start == b.start && a.seq > b.seq),
        }
    }

    /// True when the newer fragment makes the policy forget the older one
    /// entirely (Windows and Solaris envelopment).
    pub(crate) fn discards(&self, newer: &FragSpan, older: &FragSpan) -> bool {
        match self {
            DefragPolicy::Windows => newer.start < older.start && newer.end > older.end,
            DefragPolicy::Solaris => newer.start < older.start && newer.end >= older.end,
            _ => false,
        }
    }
}

impl fmt::Display for DefragPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy name that is not one of Suricata's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown defrag policy {0:?} (expected first, last, bsd, linux, windows or solaris)")]
pub struct UnknownPolicy(pub String);

impl FromStr for DefragPolicy {
    type Err = UnknownPolicy;

    /// Parses a configuration name, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        DefragPolicy::ALL
            .into_iter()
            .find(|p| p.name() == lower)
            .ok_or_else(|| UnknownPolicy(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32, seq: u64) -> FragSpan {
        FragSpan { start, end, seq }
    }

    #[test]
    fn names_round_trip() {
        for p in DefragPolicy::ALL {
            assert_eq!(p.name().parse::<DefragPolicy>(), Ok(p));
        }
        assert_eq!(" BSD ".parse::<DefragPolicy>(), Ok(DefragPolicy::Bsd));
        assert!("bsd-right".parse::<DefragPolicy>().is_err());
        assert_eq!(DefragPolicy::default(), DefragPolicy::Bsd);
    }

    #[test]
    fn start_offset_policies_break_ties_by_arrival() {
        let old = span(8, 16, 1);
        let new_same = span(8, 24, 2);
        let new_before = span(0, 16, 2);
        assert!(DefragPolicy::Bsd.beats(&old, &new_same));
        assert!(DefragPolicy::Linux.beats(&new_same, &old));
        assert!(DefragPolicy::Bsd.beats(&new_before, &old));
        assert!(DefragPolicy::Linux.beats(&new_before, &old));
        assert!(DefragPolicy::First.beats(&old, &new_before));
        assert!(DefragPolicy::Last.beats(&new_before, &old));
    }

    #[test]
    fn envelopment_differs_between_windows_and_solaris() {
        let old = span(8, 16, 1);
        let same_end = span(0, 16, 2);
        let past_end = span(0, 24, 2);
        assert!(!DefragPolicy::Windows.discards(&same_end, &old));
        assert!(DefragPolicy::Solaris.discards(&same_end, &old));
        assert!(DefragPolicy::Windows.discards(&past_end, &old));
        assert!(!DefragPolicy::Windows.discards(&span(8, 24, 2), &old));
        assert!(!DefragPolicy::Bsd.discards(&past_end, &old));
    }
}
