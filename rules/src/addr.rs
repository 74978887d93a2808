//! Resolved address and port sets for rule headers.
//!
//! Header expressions (`[10.0.0.0/8,!10.1.0.0/16]`, `$HOME_NET`, `1024:`) are
//! resolved once at load time into sorted, merged, inclusive ranges, so a
//! header check is a binary search and never walks the expression tree.
//! Sets that come from variables are shared (`Arc`) by every rule using them.

use std::net::IpAddr;

use sigil_grammar::ast::{AddrExpr, PortExpr};

/// Sorted, non-overlapping, non-adjacent inclusive ranges over an unsigned domain.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranges<T> {
    ranges: Vec<(T, T)>,
}

/// What a range set needs from its element type.
pub(crate) trait Bound: Copy + Ord {
    const MIN: Self;
    const MAX: Self;
    fn succ(self) -> Option<Self>;
    fn pred(self) -> Option<Self>;
}

macro_rules! impl_bound {
    ($($t:ty),*) => {$(
        impl Bound for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> { self.checked_add(1) }
            fn pred(self) -> Option<Self> { self.checked_sub(1) }
        }
    )*};
}
impl_bound!(u16, u32, u128);

impl<T: Bound> Ranges<T> {
    fn empty() -> Self {
        Ranges { ranges: Vec::new() }
    }

    fn full() -> Self {
        Ranges {
            ranges: vec![(T::MIN, T::MAX)],
        }
    }

    fn from_ranges(mut v: Vec<(T, T)>) -> Self {
        v.retain(|(a, b)| a <= b);
        v.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                // Overlapping or adjacent: extend the previous range.
                Some(last) if last.1.succ().is_none_or(|n| a <= n) => {
                    if b > last.1 {
                        last.1 = b;
                    }
                }
                _ => out.push((a, b)),
            }
        }
        Ranges { ranges: out }
    }

    fn union(&self, other: &Self) -> Self {
        let mut v = self.ranges.clone();
        v.extend_from_slice(&other.ranges);
        Self::from_ranges(v)
    }

    fn complement(&self) -> Self {
        let mut out = Vec::new();
        let mut next = Some(T::MIN);
        for &(a, b) in &self.ranges {
            if let Some(n) = next {
                if a > n {
                    if let Some(p) = a.pred() {
                        out.push((n, p));
                    }
                }
            }
            next = b.succ();
        }
        if let Some(n) = next {
            out.push((n, T::MAX));
        }
        Ranges { ranges: out }
    }

    fn difference(&self, other: &Self) -> Self {
        // a − b = ¬(¬a ∪ b)
        self.complement().union(other).complement()
    }

    fn contains(&self, x: T) -> bool {
        let idx = self.ranges.partition_point(|&(_, hi)| hi < x);
        self.ranges.get(idx).is_some_and(|&(lo, _)| lo <= x)
    }

    fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn is_full(&self) -> bool {
        self.ranges.len() == 1 && self.ranges[0] == (T::MIN, T::MAX)
    }
}

/// A set of IPv4 and IPv6 addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpSet {
    v4: Ranges<u32>,
    v6: Ranges<u128>,
}

impl IpSet {
    /// Every address of both families (`any`).
    pub fn any() -> Self {
        IpSet {
            v4: Ranges::full(),
            v6: Ranges::full(),
        }
    }

    /// No address at all.
    pub fn empty() -> Self {
        IpSet {
            v4: Ranges::empty(),
            v6: Ranges::empty(),
        }
    }

    /// True when `ip` is in the set.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    /// True when the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// True when the set holds every address (so the check can be skipped).
    pub fn is_any(&self) -> bool {
        self.v4.is_full() && self.v6.is_full()
    }

    /// A set from raw inclusive ranges (tests build sets without a parser).
    #[cfg(test)]
    pub(crate) fn from_ranges(v4: &[(u32, u32)], v6: &[(u128, u128)]) -> Self {
        IpSet {
            v4: Ranges::from_ranges(v4.to_vec()),
            v6: Ranges::from_ranges(v6.to_vec()),
        }
    }

    /// The IPv4 ranges (inclusive, sorted, disjoint).
    pub(crate) fn v4_ranges(&self) -> &[(u32, u32)] {
        &self.v4.ranges
    }

    /// The IPv6 ranges (inclusive, sorted, disjoint).
    pub(crate) fn v6_ranges(&self) -> &[(u128, u128)] {
        &self.v6.ranges
    }

    fn union(&self, o: &Self) -> Self {
        IpSet {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }

    fn difference(&self, o: &Self) -> Self {
        IpSet {
            v4: self.v4.difference(&o.v4),
            v6: self.v6.difference(&o.v6),
        }
    }

    /// The set for a single CIDR block.
    pub fn cidr(addr: IpAddr, prefix: u8) -> Result<Self, String> {
        match addr {
            IpAddr::V4(a) => {
                if prefix > 32 {
                    return Err(format!("prefix /{prefix} is too long for {a}"));
                }
                let mask = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(prefix))
                };
                let lo = u32::from(a) & mask;
                let mut s = IpSet::empty();
                s.v4 = Ranges::from_ranges(vec![(lo, lo | !mask)]);
                Ok(s)
            }
            IpAddr::V6(a) => {
                if prefix > 128 {
                    return Err(format!("prefix /{prefix} is too long for {a}"));
                }
                let mask = if prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(prefix))
                };
                let lo = u128::from(a) & mask;
                let mut s = IpSet::empty();
                s.v6 = Ranges::from_ranges(vec![(lo, lo | !mask)]);
                Ok(s)
            }
        }
    }

    fn range(start: IpAddr, end: IpAddr) -> Result<Self, String> {
        let mut s = IpSet::empty();
        match (start, end) {
            (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
                s.v4 = Ranges::from_ranges(vec![(u32::from(a), u32::from(b))]);
            }
            (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
                s.v6 = Ranges::from_ranges(vec![(u128::from(a), u128::from(b))]);
            }
            _ => return Err(format!("invalid address range {start}-{end}")),
        }
        Ok(s)
    }

    fn netmask(addr: IpAddr, mask: IpAddr) -> Result<Self, String> {
        let prefix = match (addr, mask) {
            (IpAddr::V4(_), IpAddr::V4(m)) => {
                let m = u32::from(m);
                if m.leading_ones() + m.trailing_zeros() != 32 {
                    return Err(format!("netmask {mask} is not contiguous"));
                }
                m.leading_ones()
            }
            (IpAddr::V6(_), IpAddr::V6(m)) => {
                let m = u128::from(m);
                if m.leading_ones() + m.trailing_zeros() != 128 {
                    return Err(format!("netmask {mask} is not contiguous"));
                }
                m.leading_ones()
            }
            _ => return Err(format!("netmask {mask} does not fit address {addr}")),
        };
        // leading_ones() of a u32/u128 is at most 128, so it fits a u8.
        Self::cidr(addr, u8::try_from(prefix).unwrap_or(u8::MAX))
    }

    /// Parses a literal address for tests and defaults (`10.0.0.0/8`, `::1`).
    pub fn parse_literal(text: &str) -> Result<Self, String> {
        let (a, p) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("invalid address {text:?}"))?;
        let prefix = match p {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .map_err(|_| format!("invalid prefix in {text:?}"))?,
            None if addr.is_ipv4() => 32,
            None => 128,
        };
        Self::cidr(addr, prefix)
    }
}

/// A set of ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSet {
    r: Ranges<u16>,
}

impl PortSet {
    /// Every port (`any`).
    pub fn any() -> Self {
        PortSet { r: Ranges::full() }
    }

    /// True when `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        self.r.contains(port)
    }

    /// True when the set holds every port.
    pub fn is_any(&self) -> bool {
        self.r.is_full()
    }

    /// True when the set holds no port.
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }

    /// Number of ports in the set (up to 65536).
    pub fn count(&self) -> u32 {
        self.r
            .ranges
            .iter()
            .map(|&(a, b)| u32::from(b) - u32::from(a) + 1)
            .sum()
    }

    /// Every port of the set, in order (callers check `count()` first).
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.r.ranges.iter().flat_map(|&(a, b)| a..=b)
    }

    fn single(lo: u16, hi: u16) -> Self {
        PortSet {
            r: Ranges::from_ranges(vec![(lo, hi)]),
        }
    }
}

/// Looks up variable sets while resolving an expression.
pub trait SetResolver {
    /// The resolved address set of variable `name` (without `$`).
    fn address_var(&self, name: &str) -> Result<std::sync::Arc<IpSet>, ResolveError>;
    /// The resolved port set of variable `name` (without `$`).
    fn port_var(&self, name: &str) -> Result<std::sync::Arc<PortSet>, ResolveError>;
    /// True when address variable `name` negates an address anywhere in
    /// its definition (see [`addr_has_negation`]).
    fn address_var_negated(&self, _name: &str) -> bool {
        false
    }
}

/// True when `expr` negates an address anywhere, inside variables too
/// (Suricata's `src_contains_negation`): an otherwise IP-only rule with a
/// negation, e.g. one on `$EXTERNAL_NET`, is inspected on every packet.
pub fn addr_has_negation(expr: &AddrExpr, vars: &dyn SetResolver) -> bool {
    match expr {
        AddrExpr::Not(_) => true,
        AddrExpr::Var(name) => vars.address_var_negated(name),
        AddrExpr::List(items) => items.iter().any(|e| addr_has_negation(e, vars)),
        _ => false,
    }
}

/// Why an expression could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// A `$NAME` that no variable defines.
    #[error("undefined variable ${0}")]
    Undefined(String),
    /// Variables that reference each other.
    #[error("variable cycle: {0}")]
    Cycle(String),
    /// A value that is not a valid expression, or resolves to nothing.
    #[error("{0}")]
    Invalid(String),
}

/// Resolves an address expression into a set.
///
/// List semantics follow Suricata: the positive entries are united, the
/// negated ones subtracted; a list of only negations starts from `any`.
pub fn resolve_addr(expr: &AddrExpr, vars: &dyn SetResolver) -> Result<IpSet, ResolveError> {
    match expr {
        AddrExpr::Any => Ok(IpSet::any()),
        AddrExpr::Var(name) => vars.address_var(name).map(|s| (*s).clone()),
        AddrExpr::Cidr { addr, prefix } => {
            IpSet::cidr(*addr, *prefix).map_err(ResolveError::Invalid)
        }
        AddrExpr::Range { start, end } => IpSet::range(*start, *end).map_err(ResolveError::Invalid),
        AddrExpr::Netmask { addr, mask } => {
            IpSet::netmask(*addr, *mask).map_err(ResolveError::Invalid)
        }
        AddrExpr::Not(inner) => Ok(IpSet::any().difference(&resolve_addr(inner, vars)?)),
        AddrExpr::List(items) => {
            let mut pos: Option<IpSet> = None;
            let mut neg = IpSet::empty();
            for item in items {
                match item {
                    AddrExpr::Not(inner) => neg = neg.union(&resolve_addr(inner, vars)?),
                    other => {
                        let s = resolve_addr(other, vars)?;
                        pos = Some(match pos {
                            Some(p) => p.union(&s),
                            None => s,
                        });
                    }
                }
            }
            Ok(pos.unwrap_or_else(IpSet::any).difference(&neg))
        }
    }
}

/// Resolves a port expression into a set (same list semantics as addresses).
pub fn resolve_port(expr: &PortExpr, vars: &dyn SetResolver) -> Result<PortSet, ResolveError> {
    match expr {
        PortExpr::Any => Ok(PortSet::any()),
        PortExpr::Var(name) => vars.port_var(name).map(|s| (*s).clone()),
        PortExpr::Single(p) => Ok(PortSet::single(*p, *p)),
        PortExpr::Range { lo, hi } => {
            let lo = lo.unwrap_or(0);
            let hi = hi.unwrap_or(u16::MAX);
            if lo > hi {
                return Err(ResolveError::Invalid(format!(
                    "port range {lo}:{hi} is empty"
                )));
            }
            Ok(PortSet::single(lo, hi))
        }
        PortExpr::Not(inner) => Ok(PortSet {
            r: resolve_port(inner, vars)?.r.complement(),
        }),
        PortExpr::List(items) => {
            let mut pos: Option<Ranges<u16>> = None;
            let mut neg = Ranges::empty();
            for item in items {
                match item {
                    PortExpr::Not(inner) => neg = neg.union(&resolve_port(inner, vars)?.r),
                    other => {
                        let s = resolve_port(other, vars)?.r;
                        pos = Some(match pos {
                            Some(p) => p.union(&s),
                            None => s,
                        });
                    }
                }
            }
            Ok(PortSet {
                r: pos.unwrap_or_else(Ranges::full).difference(&neg),
            })
        }
    }
}

/// Convenience for tests: the IPv4 address `a.b.c.d`.
#[cfg(test)]
pub fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d))
}

/// Convenience for tests: an IPv6 address from its text.
#[cfg(test)]
pub fn v6(text: &str) -> IpAddr {
    text.parse::<std::net::Ipv6Addr>()
        .map(IpAddr::V6)
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct NoVars;
    impl SetResolver for NoVars {
        fn address_var(&self, name: &str) -> Result<Arc<IpSet>, ResolveError> {
            if name == "HOME" {
                Ok(Arc::new(IpSet::parse_literal("10.0.0.0/8").unwrap()))
            } else {
                Err(ResolveError::Undefined(name.into()))
            }
        }
        fn port_var(&self, name: &str) -> Result<Arc<PortSet>, ResolveError> {
            Err(ResolveError::Undefined(name.into()))
        }
    }

    fn cidr(t: &str) -> AddrExpr {
        let (a, p) = t.split_once('/').unwrap();
        AddrExpr::Cidr {
            addr: a.parse().unwrap(),
            prefix: p.parse().unwrap(),
        }
    }

    #[test]
    fn negation_is_found_in_lists_only_by_syntax() {
        let neg = AddrExpr::Not(Box::new(cidr("10.1.0.0/16")));
        assert!(addr_has_negation(&neg, &NoVars));
        let list = AddrExpr::List(vec![cidr("10.0.0.0/8"), neg]);
        assert!(addr_has_negation(&list, &NoVars));
        assert!(!addr_has_negation(&cidr("10.0.0.0/8"), &NoVars));
        assert!(!addr_has_negation(&AddrExpr::Any, &NoVars));
        assert!(!addr_has_negation(&AddrExpr::Var("HOME".into()), &NoVars));
    }

    #[test]
    fn list_with_negation_subtracts() {
        let e = AddrExpr::List(vec![
            cidr("10.0.0.0/8"),
            AddrExpr::Not(Box::new(cidr("10.1.0.0/16"))),
        ]);
        let s = resolve_addr(&e, &NoVars).unwrap();
        assert!(s.contains(v4(10, 2, 3, 4)));
        assert!(!s.contains(v4(10, 1, 3, 4)));
        assert!(!s.contains(v4(11, 0, 0, 1)));
        assert!(!s.contains(v6("::1")));
    }

    #[test]
    fn negated_var_covers_other_family() {
        let e = AddrExpr::Not(Box::new(AddrExpr::Var("HOME".into())));
        let s = resolve_addr(&e, &NoVars).unwrap();
        assert!(!s.contains(v4(10, 0, 0, 1)));
        assert!(s.contains(v4(8, 8, 8, 8)));
        assert!(s.contains(v6("2001:db8::1")));
        let u = resolve_addr(&AddrExpr::Var("NOPE".into()), &NoVars);
        assert_eq!(u, Err(ResolveError::Undefined("NOPE".into())));
    }

    #[test]
    fn ipv6_cidr_and_ranges() {
        let s = resolve_addr(&cidr("2001:db8::/32"), &NoVars).unwrap();
        assert!(s.contains(v6("2001:db8:ffff::1")));
        assert!(!s.contains(v6("2001:db9::1")));
        let r = resolve_addr(
            &AddrExpr::Range {
                start: v4(1, 1, 1, 1),
                end: v4(1, 1, 1, 9),
            },
            &NoVars,
        )
        .unwrap();
        assert!(r.contains(v4(1, 1, 1, 9)) && !r.contains(v4(1, 1, 1, 10)));
        let m = resolve_addr(
            &AddrExpr::Netmask {
                addr: v4(192, 168, 0, 0),
                mask: v4(255, 255, 0, 0),
            },
            &NoVars,
        )
        .unwrap();
        assert!(m.contains(v4(192, 168, 200, 1)) && !m.contains(v4(192, 169, 0, 1)));
    }

    #[test]
    fn port_lists_ranges_negation() {
        let e = PortExpr::List(vec![
            PortExpr::Range {
                lo: Some(1000),
                hi: None,
            },
            PortExpr::Single(80),
            PortExpr::Not(Box::new(PortExpr::Single(8080))),
        ]);
        let s = resolve_port(&e, &NoVars).unwrap();
        assert!(s.contains(80) && s.contains(65535) && s.contains(1000));
        assert!(!s.contains(8080) && !s.contains(81) && !s.contains(999));
        let n = resolve_port(&PortExpr::Not(Box::new(PortExpr::Single(80))), &NoVars).unwrap();
        assert!(!n.contains(80) && n.contains(0) && n.contains(81));
        assert_eq!(n.count(), 65535);
        assert!(resolve_port(
            &PortExpr::Range {
                lo: Some(9),
                hi: Some(1)
            },
            &NoVars
        )
        .is_err());
    }

    #[test]
    fn ranges_merge_adjacent_and_complement() {
        let r = Ranges::<u16>::from_ranges(vec![(5, 9), (1, 4), (20, 30), (25, 26)]);
        assert_eq!(r.ranges, vec![(1, 9), (20, 30)]);
        assert_eq!(r.complement().ranges, vec![(0, 0), (10, 19), (31, 65535)]);
        assert!(Ranges::<u16>::full().complement().is_empty());
        assert!(Ranges::<u16>::empty().complement().is_full());
    }
}
