//! Overlap policies: which copy of a byte the stream keeps when two
//! segments carry it with different content.
//!
//! Receivers disagree on this (Ptacek & Newsham 1998; Novak & Sturges,
//! "Target-Based TCP Stream Reassembly", 2007), and an attacker who knows
//! the sensor resolves overlaps differently from the target can hide data.
//! Suricata therefore lets the user pick the target's behaviour
//! (`host-os-policy`), and so do we, with the same per-OS rules.
//!
//! A decision compares the NEW segment with one OLD segment it overlaps,
//! using their original boundaries, and applies to the bytes they share.
//! The old copy is kept unless the policy names the case:
//!
//! | new segment vs old        | new wins for                                     |
//! |---------------------------|--------------------------------------------------|
//! | starts before it          | bsd, linux, old-linux, windows, windows2k3, macos, hpux10, irix; solaris and hpux11 only when the new one also reaches the old one's end |
//! | same start, ends before   | nobody                                           |
//! | same start, same end      | old-linux, solaris, hpux11                       |
//! | same start, ends after    | linux, old-linux, solaris, hpux11                |
//! | starts after, ends after  | solaris, hpux11                                  |
//! | starts after, inside      | nobody                                           |
//!
//! `first` and `vista` always keep the old copy, `last` always takes the
//! new one. When a byte is covered by several old segments, the new copy
//! wins only if it wins against every one of them. Bytes already delivered
//! to the consumer can no longer change whatever the policy says.

use std::fmt;
use std::str::FromStr;

/// Overlap resolution policy, named as in Suricata's `host-os-policy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum OverlapPolicy {
    /// Keep the first copy received.
    First,
    /// Take the last copy received.
    Last,
    /// BSD (Suricata's default): the new copy wins only where it starts
    /// before the old segment.
    #[default]
    Bsd,
    /// Linux 2.6+: like BSD, and also when it starts with the old segment
    /// and runs past its end.
    Linux,
    /// Linux 2.4: like Linux, and also for an exact same-range resend.
    OldLinux,
    /// Solaris: the new copy wins whenever it reaches the old one's end.
    Solaris,
    /// HP-UX 10: as BSD.
    HpUx10,
    /// HP-UX 11: as Solaris.
    HpUx11,
    /// IRIX: as BSD.
    Irix,
    /// Mac OS: as BSD.
    MacOs,
    /// Windows (XP and before): as BSD.
    Windows,
    /// Windows Vista and later: as first.
    Vista,
    /// Windows Server 2003: as BSD.
    Windows2k3,
}

impl OverlapPolicy {
    /// Every policy.
    pub const ALL: &'static [OverlapPolicy] = &[
        OverlapPolicy::First,
        OverlapPolicy::Last,
        OverlapPolicy::Bsd,
        OverlapPolicy::Linux,
        OverlapPolicy::OldLinux,
        OverlapPolicy::Solaris,
        OverlapPolicy::HpUx10,
        OverlapPolicy::HpUx11,
        OverlapPolicy::Irix,
        OverlapPolicy::MacOs,
        OverlapPolicy::Windows,
        OverlapPolicy::Vista,
        OverlapPolicy::Windows2k3,
    ];

    /// Suricata's name for the policy.
    pub fn name(&self) -> &'static str {
        match self {
            OverlapPolicy::First => "first",
            OverlapPolicy::Last => "last",
            OverlapPolicy::Bsd => "bsd",
            OverlapPolicy::Linux => "linux",
            OverlapPolicy::OldLinux => "old-linux",
            OverlapPolicy::Solaris => "solaris",
            OverlapPolicy::HpUx10 => "hpux10",
            OverlapPolicy::HpUx11 => "hpux11",
            OverlapPolicy::Irix => "irix",
            OverlapPolicy::MacOs => "macos",
            OverlapPolicy::Windows => "windows",
            OverlapPolicy::Vista => "vista",
            OverlapPolicy::Windows2k3 => "windows2k3",
        }
    }

    /// True when the new segment `[new_start, new_end)` replaces the bytes
    /// it shares with the old segment `[old_start, old_end)` (see the table
    /// in the module doc). Only meaningful when the two overlap.
    pub fn new_data_wins(&self, new: (u64, u64), old: (u64, u64)) -> bool {
        use OverlapPolicy::*;
        let ((ns, ne), (os, oe)) = (new, old);
        let starts_before_wins = matches!(
            self,
            Bsd | Linux | OldLinux | HpUx10 | Irix | MacOs | Windows | Windows2k3
        );
        let solaris_like = matches!(self, Solaris | HpUx11);
        match self {
            Last => true,
            First | Vista => false,
            _ if ns < os => starts_before_wins || (solaris_like && ne >= oe),
            _ if ns == os => {
                if ne < oe {
                    false
                } else if ne == oe {
                    solaris_like || *self == OldLinux
                } else {
                    solaris_like || matches!(self, Linux | OldLinux)
                }
            }
            _ => solaris_like && ne > oe,
        }
    }
}

impl fmt::Display for OverlapPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown policy name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown overlap policy {0:?} (expected one of: first, last, bsd, linux, old-linux, solaris, hpux10, hpux11, irix, macos, windows, vista, windows2k3)")]
pub struct UnknownPolicy(pub String);

impl FromStr for OverlapPolicy {
    type Err = UnknownPolicy;

    /// Parses Suricata's names (`host-os-policy` keys), case-insensitively.
    /// Suricata's newer `bsd-right` and `old-solaris` are rejected rather
    /// than guessed at.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        OverlapPolicy::ALL
            .iter()
            .find(|p| p.name() == lower)
            .copied()
            .ok_or_else(|| UnknownPolicy(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::OverlapPolicy::{self, *};

    // (policy, before, same-start-shorter, same, same-start-longer,
    //  after-longer, after-inside)
    #[rustfmt::skip]
    const TABLE: &[(OverlapPolicy, [bool; 6])] = &[
        (First,      [false, false, false, false, false, false]),
        (Vista,      [false, false, false, false, false, false]),
        (Last,       [true,  true,  true,  true,  true,  true ]),
        (Bsd,        [true,  false, false, false, false, false]),
        (Windows,    [true,  false, false, false, false, false]),
        (Linux,      [true,  false, false, true,  false, false]),
        (OldLinux,   [true,  false, true,  true,  false, false]),
        (Solaris,    [true,  false, true,  true,  true,  false]),
        (HpUx11,     [true,  false, true,  true,  true,  false]),
    ];

    #[test]
    fn decision_table() {
        let old = (10, 20);
        let cases = [(5, 25), (10, 15), (10, 20), (10, 25), (15, 25), (12, 18)];
        for (policy, expect) in TABLE {
            for (new, want) in cases.iter().zip(expect) {
                assert_eq!(
                    policy.new_data_wins(*new, old),
                    *want,
                    "{policy} new {new:?} old {old:?}"
                );
            }
        }
        // Solaris takes a segment that starts before only if it also covers the end.
        assert!(!Solaris.new_data_wins((5, 15), old));
        assert!(Bsd.new_data_wins((5, 15), old));
    }

    #[test]
    fn parses_names() {
        for p in OverlapPolicy::ALL {
            assert_eq!(p.name().parse::<OverlapPolicy>(), Ok(*p));
        }
        assert_eq!("BSD".parse::<OverlapPolicy>(), Ok(Bsd));
        assert!("plan9".parse::<OverlapPolicy>().is_err());
        assert_eq!(OverlapPolicy::default(), Bsd);
    }
}
