//! `xbits`: bits kept per host or per IP pair, across flows.
//!
//! `xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|ip_pair>[,expire <secs>]`.
//! As with `flowbits`, `isset`/`isnotset` are part of the rule's match and
//! `set`/`unset`/`toggle` run once the whole rule matched. A bit lives
//! for `expire` seconds of packet time after it was set (30 when not
//! given, Suricata's default); `ip_pair` bits belong to the unordered
//! address pair.
//!
//! The bits live in an [`XbitStore`] shared by every worker of a run (a
//! host's flows with different peers go to different workers). Its lock
//! is taken only when a rule that uses `xbits` gets that far, which is
//! rare. Like Suricata's host table, the store is bounded: past
//! [`XbitStore::MAX_ENTRIES`] bits, expired ones are dropped and then new
//! ones are refused (counted).
//!
//! With several workers, a bit set on one worker is seen by another as
//! soon as it is set, so the order of a set and a check on different
//! workers within the packets in flight can vary between runs, as
//! Suricata's documentation says of its own threads. With one worker the
//! order is the capture's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::flowkw::VarUse;
use crate::keyword::KwError;
use crate::packet::PacketView;

/// Seconds a bit lives when the rule gives no `expire`.
const DEFAULT_EXPIRE_SECS: u32 = 30;

/// Whose bit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Track {
    Src,
    Dst,
    Pair,
}

/// The owner of a bit on one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Owner {
    Host(IpAddr),
    /// Addresses in ascending order: the pair is unordered.
    Pair(IpAddr, IpAddr),
}

impl Track {
    fn owner(self, p: &PacketView) -> Owner {
        match self {
            Track::Src => Owner::Host(p.src),
            Track::Dst => Owner::Host(p.dst),
            Track::Pair => Owner::Pair(p.src.min(p.dst), p.src.max(p.dst)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Set,
    Unset,
    Toggle,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cond {
    want: bool,
    name: Box<str>,
    track: Track,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Act {
    op: Op,
    name: Box<str>,
    track: Track,
    expire: u32,
}

/// A rule's `xbits` checks and actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XbitsKeywords {
    conds: Vec<Cond>,
    acts: Vec<Act>,
}

impl XbitsKeywords {
    /// True when the rule has no `xbits`.
    pub fn is_empty(&self) -> bool {
        self.conds.is_empty() && self.acts.is_empty()
    }

    /// How the rule uses per-host bits, then per-pair bits (Suricata
    /// orders rules by hostbits use, then ippairbits use, after flowint).
    pub(crate) fn uses(&self) -> (VarUse, VarUse) {
        let of = |pair: bool| {
            VarUse::of(
                self.conds.iter().any(|c| (c.track == Track::Pair) == pair),
                self.acts.iter().any(|a| (a.track == Track::Pair) == pair),
            )
        };
        (of(false), of(true))
    }

    /// Parses one `xbits` value.
    pub fn add(&mut self, value: &str) -> Result<(), KwError> {
        let mut parts = value.split(',').map(str::trim);
        let cmd = parts.next().unwrap_or_default();
        let name = parts.next().unwrap_or_default();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(KwError::invalid(format!(
                "xbits needs <command>,<name>,track <ip_src|ip_dst|ip_pair>, got {value:?}"
            )));
        }
        let track = match parts
            .next()
            .map(|t| t.split_whitespace().collect::<Vec<_>>())
        {
            Some(t) if t.first() == Some(&"track") => match t.get(1).copied() {
                Some("ip_src") => Track::Src,
                Some("ip_dst") => Track::Dst,
                Some("ip_pair") => Track::Pair,
                other => {
                    return Err(KwError::invalid(format!(
                        "xbits track must be ip_src, ip_dst or ip_pair, not {}",
                        other.unwrap_or("nothing")
                    )))
                }
            },
            _ => {
                return Err(KwError::invalid(
                    "xbits needs `track <ip_src|ip_dst|ip_pair>`",
                ))
            }
        };
        let mut expire = DEFAULT_EXPIRE_SECS;
        if let Some(e) = parts.next() {
            let mut w = e.split_whitespace();
            match (
                w.next(),
                w.next().and_then(|n| n.parse::<u32>().ok()),
                w.next(),
            ) {
                (Some("expire"), Some(n), None) if n > 0 => expire = n,
                _ => {
                    return Err(KwError::invalid(format!(
                        "xbits: expected `expire <seconds>` (at least 1), got {e:?}"
                    )))
                }
            }
        }
        if let Some(extra) = parts.next() {
            return Err(KwError::invalid(format!("xbits: unexpected {extra:?}")));
        }
        let name: Box<str> = name.into();
        let op = match cmd {
            "isset" | "isnotset" => {
                self.conds.push(Cond {
                    want: cmd == "isset",
                    name,
                    track,
                });
                return Ok(());
            }
            "set" => Op::Set,
            "unset" => Op::Unset,
            "toggle" => Op::Toggle,
            other => {
                return Err(KwError::invalid(format!(
                    "unknown xbits command {other:?} (set, unset, toggle, isset, isnotset)"
                )))
            }
        };
        self.acts.push(Act {
            op,
            name,
            track,
            expire,
        });
        Ok(())
    }

    /// Parses one `hostbits` value: `xbits` with `track ip_src|ip_dst`
    /// only (Suricata's older name for per-host bits).
    pub fn add_hostbits(&mut self, value: &str) -> Result<(), KwError> {
        let before = (self.conds.len(), self.acts.len());
        self.add(value)?;
        let pair = self
            .conds
            .get(before.0..)
            .unwrap_or_default()
            .iter()
            .any(|c| c.track == Track::Pair)
            || self
                .acts
                .get(before.1..)
                .unwrap_or_default()
                .iter()
                .any(|a| a.track == Track::Pair);
        if pair {
            self.conds.truncate(before.0);
            self.acts.truncate(before.1);
            return Err(KwError::invalid("hostbits track must be ip_src or ip_dst"));
        }
        Ok(())
    }

    /// Whether every check holds for packet `p`.
    pub fn holds(&self, store: &XbitStore, p: &PacketView) -> bool {
        self.conds
            .iter()
            .all(|c| store.isset(&c.name, c.track.owner(p), p.ts_secs) == c.want)
    }

    /// Applies the actions (the rule matched on `p`), in rule order.
    pub fn apply(&self, store: &XbitStore, p: &PacketView) {
        for a in &self.acts {
            store.change(a.op, &a.name, a.track.owner(p), p.ts_secs, a.expire);
        }
    }
}

/// The bits of a run, shared by its workers.
#[derive(Debug, Default)]
pub struct XbitStore {
    /// name → owner → last second the bit is set.
    bits: Mutex<HashMap<Box<str>, HashMap<Owner, i64>>>,
    /// Sets refused because the store was full of live bits.
    refused: AtomicU64,
}

impl XbitStore {
    /// Most bits held at once.
    pub const MAX_ENTRIES: usize = 65_536;

    /// Bits refused because the store was full.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, HashMap<Owner, i64>>> {
        // Plain data: still consistent if a holder panicked.
        self.bits.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn isset(&self, name: &str, owner: Owner, now: i64) -> bool {
        self.lock()
            .get(name)
            .and_then(|m| m.get(&owner))
            .is_some_and(|&until| until >= now)
    }

    fn change(&self, op: Op, name: &str, owner: Owner, now: i64, expire: u32) {
        let mut bits = self.lock();
        let live = bits
            .get(name)
            .and_then(|m| m.get(&owner))
            .is_some_and(|&until| until >= now);
        let set = match op {
            Op::Set => true,
            Op::Unset => false,
            Op::Toggle => !live,
        };
        if !set {
            if let Some(m) = bits.get_mut(name) {
                m.remove(&owner);
            }
            return;
        }
        let held: usize = bits.values().map(HashMap::len).sum();
        if held >= Self::MAX_ENTRIES && !live {
            for m in bits.values_mut() {
                m.retain(|_, until| *until >= now);
            }
            bits.retain(|_, m| !m.is_empty());
            if bits.values().map(HashMap::len).sum::<usize>() >= Self::MAX_ENTRIES {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        let until = now.saturating_add(i64::from(expire));
        match bits.get_mut(name) {
            Some(m) => {
                m.insert(owner, until);
            }
            None => {
                bits.insert(name.into(), HashMap::from([(owner, until)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn pkt(src: u8, dst: u8, secs: i64) -> PacketView<'static> {
        let a = |n| IpAddr::V4(Ipv4Addr::new(10, 0, 0, n));
        let mut p = PacketView::new(a(src), a(dst), 6, b"");
        p.ts_secs = secs;
        p
    }

    fn kw(values: &[&str]) -> XbitsKeywords {
        let mut k = XbitsKeywords::default();
        for v in values {
            k.add(v).unwrap();
        }
        k
    }

    #[test]
    fn parses_ets_spellings_and_rejects_the_rest() {
        for ok in [
            "set,ET.ipcheck,track ip_src",
            "set, ET.PROPFIND, track ip_src, expire 360",
            "set,ET.IBMDRM1,track ip_dst, expire 10",
            "isset,ET.2020_8260.2,track ip_src,expire 10",
            "toggle,x,track ip_pair",
            "isnotset,x,track ip_pair",
        ] {
            assert!(XbitsKeywords::default().add(ok).is_ok(), "{ok}");
        }
        for bad in [
            "set",
            "set,x",
            "set,x,track host",
            "set,x,ip_src",
            "set,x,track ip_src,expire 0",
            "set,x,track ip_src,expire soon",
            "flip,x,track ip_src",
            "set,a b,track ip_src",
            "set,x,track ip_src,expire 5,more",
        ] {
            assert!(XbitsKeywords::default().add(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_host_bit_crosses_flows_and_expires() {
        let store = XbitStore::default();
        let set = kw(&["set,seen,track ip_src,expire 10"]);
        let check = kw(&["isset,seen,track ip_src"]);
        let check_dst = kw(&["isset,seen,track ip_dst"]);
        assert!(!check.holds(&store, &pkt(1, 2, 100)));
        set.apply(&store, &pkt(1, 2, 100));
        // Host 1 talking to another peer; host 1 as destination.
        assert!(check.holds(&store, &pkt(1, 3, 105)));
        assert!(check_dst.holds(&store, &pkt(4, 1, 105)));
        assert!(!check.holds(&store, &pkt(2, 1, 105)));
        assert!(check.holds(&store, &pkt(1, 3, 110)));
        assert!(!check.holds(&store, &pkt(1, 3, 111)), "expired");
        assert!(kw(&["isnotset,seen,track ip_src"]).holds(&store, &pkt(1, 3, 111)));
    }

    #[test]
    fn pair_bits_are_unordered_and_toggle_unset_work() {
        let store = XbitStore::default();
        kw(&["toggle,p,track ip_pair"]).apply(&store, &pkt(1, 2, 0));
        let isset = kw(&["isset,p,track ip_pair"]);
        assert!(isset.holds(&store, &pkt(2, 1, 1)));
        assert!(!isset.holds(&store, &pkt(1, 3, 1)));
        kw(&["toggle,p,track ip_pair"]).apply(&store, &pkt(2, 1, 2));
        assert!(!isset.holds(&store, &pkt(1, 2, 2)));
        kw(&["set,p,track ip_pair"]).apply(&store, &pkt(1, 2, 3));
        kw(&["unset,p,track ip_pair"]).apply(&store, &pkt(1, 2, 4));
        assert!(!isset.holds(&store, &pkt(1, 2, 4)));
    }

    #[test]
    fn the_store_is_bounded() {
        let store = XbitStore::default();
        let set = |n: usize, secs: i64| {
            let b = u32::try_from(n).unwrap().to_be_bytes();
            let mut p = PacketView::new(
                IpAddr::V4(Ipv4Addr::from(b)),
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                6,
                b"",
            );
            p.ts_secs = secs;
            kw(&["set,b,track ip_src,expire 5"]).apply(&store, &p);
        };
        for n in 0..XbitStore::MAX_ENTRIES {
            set(n, 0);
        }
        set(XbitStore::MAX_ENTRIES, 1);
        assert_eq!(store.refused(), 1, "full of live bits");
        // Later, the old bits have expired and make room.
        set(XbitStore::MAX_ENTRIES + 1, 10);
        assert_eq!(store.refused(), 1);
        assert_eq!(store.lock().values().map(HashMap::len).sum::<usize>(), 1);
    }
}
