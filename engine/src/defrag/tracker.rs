//! One datagram's fragments: what to keep under a policy, when the datagram
//! is complete, and the rebuilt packet.
//!
//! Fragments are kept whole with their original placement, sorted by start
//! offset. Rather than trimming stored data on every overlap (where the
//! order of trims leaks into the result), the policy is applied when the
//! datagram is rebuilt: fragments are painted from the weakest to the
//! strongest, so each byte ends up with the copy the policy prefers. To keep
//! duplicates and overlap floods from costing memory, a new fragment whose
//! every byte would lose is not stored, and an old fragment that a new one
//! covers and beats (or, for Windows/Solaris, that it envelops) is dropped.

use std::cmp::Ordering;
use std::mem::size_of;

use super::parse::FragmentIn;
use super::policy::{DefragPolicy, FragSpan};
use crate::capture::Timestamp;
use crate::decode::checksum;

/// Bookkeeping bytes charged to the memcap per stored fragment.
pub(crate) const FRAG_OVERHEAD: usize = size_of::<Frag>();
/// Bookkeeping bytes charged to the memcap per tracker.
pub(crate) const TRACKER_OVERHEAD: usize = size_of::<Tracker>() + 64;

/// Largest IP packet (IPv4 total length, IPv6 payload length).
pub(crate) const MAX_IP_LEN: usize = 65_535;

/// A stored fragment.
#[derive(Debug)]
pub(crate) struct Frag {
    span: FragSpan,
    data: Vec<u8>,
    /// Headers for the rebuilt packet; present when `span.start == 0`.
    header: Option<Vec<u8>>,
}

impl Frag {
    fn mem(&self) -> usize {
        FRAG_OVERHEAD + self.data.len() + self.header.as_ref().map_or(0, Vec::len)
    }
}

/// The memcap charge for storing `f`.
pub(crate) fn charge(f: &FragmentIn<'_>) -> usize {
    FRAG_OVERHEAD + f.data.len() + f.header.as_ref().map_or(0, Vec::len)
}

/// What inserting a fragment would change, worked out before anything
/// changes so that limits can veto it.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The fragment overlaps data already held.
    pub overlap: bool,
    /// The fragment contradicts the datagram's end and must be dropped.
    pub beyond_end: bool,
    /// The fragment has bytes that would win, so it is worth storing.
    pub store: bool,
    /// Indexes of stored fragments that no longer contribute.
    remove: Vec<usize>,
    /// Memcap bytes released by `remove`.
    pub freed: usize,
    /// Fragments held after the change.
    pub frags_after: usize,
}

/// Why a complete datagram could not be rebuilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssembleError {
    /// Headers plus data exceed the largest IP packet.
    TooLarge,
    /// No usable first-fragment header (too short to patch).
    BadHeader,
}

/// The fragments of one datagram.
#[derive(Debug)]
pub(crate) struct Tracker {
    /// Sorted by (start, seq).
    frags: Vec<Frag>,
    /// Datagram length, known once the last fragment was accepted.
    end: Option<u32>,
    pub v6: bool,
    /// Memcap bytes charged to this tracker, overhead included.
    pub mem: usize,
    /// LRU key: packet time of the last fragment, and a tie-breaker.
    pub last_seen: (Timestamp, u64),
}

impl Tracker {
    pub fn new(v6: bool, last_seen: (Timestamp, u64)) -> Self {
        Tracker {
            frags: Vec::new(),
            end: None,
            v6,
            mem: TRACKER_OVERHEAD,
            last_seen,
        }
    }

    /// Fragments held.
    pub fn len(&self) -> usize {
        self.frags.len()
    }

    /// Works out what storing a fragment at `span` would do under `policy`.
    pub fn plan(&self, policy: DefragPolicy, span: FragSpan, more: bool) -> Plan {
        let overlap = self
            .frags
            .iter()
            .any(|f| f.span.start < span.end && span.start < f.span.end);
        let max_end = self.frags.iter().map(|f| f.span.end).max().unwrap_or(0);
        let beyond_end = match self.end {
            Some(end) => span.end > end || (!more && span.end != end),
            None => !more && max_end > span.end,
        };
        let remove: Vec<usize> = self
            .frags
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                policy.discards(&span, &f.span)
                    || (span.start <= f.span.start
                        && span.end >= f.span.end
                        && policy.beats(&span, &f.span))
            })
            .map(|(i, _)| i)
            .collect();
        let store = !self.shadowed(policy, span, &remove);
        let freed = remove
            .iter()
            .filter_map(|&i| self.frags.get(i))
            .map(Frag::mem)
            .sum();
        Plan {
            overlap,
            beyond_end,
            store,
            frags_after: self.frags.len() - remove.len() + usize::from(store),
            remove,
            freed,
        }
    }

    /// True when every byte of `span` is held by a fragment that beats it
    /// (ignoring the ones about to be removed).
    fn shadowed(&self, policy: DefragPolicy, span: FragSpan, removed: &[usize]) -> bool {
        let mut covered = span.start;
        for (i, f) in self.frags.iter().enumerate() {
            if covered >= span.end || f.span.start > covered {
                break;
            }
            if f.span.end > covered && policy.beats(&f.span, &span) && !removed.contains(&i) {
                covered = f.span.end;
            }
        }
        covered >= span.end
    }

    /// Applies a plan made by [`Tracker::plan`] for `frag`.
    pub fn commit(&mut self, plan: Plan, frag: FragmentIn<'_>, seq: u64) {
        let mut remove = plan.remove;
        remove.sort_unstable();
        for i in remove.into_iter().rev() {
            if i < self.frags.len() {
                let old = self.frags.remove(i);
                self.mem = self.mem.saturating_sub(old.mem());
            }
        }
        let start = frag.start;
        let end = start.saturating_add(u32::try_from(frag.data.len()).unwrap_or(u32::MAX));
        if !frag.more {
            self.end = Some(end);
        }
        if plan.store {
            let f = Frag {
                span: FragSpan { start, end, seq },
                data: frag.data.to_vec(),
                header: frag.header,
            };
            self.mem += f.mem();
            let at = self
                .frags
                .partition_point(|g| (g.span.start, g.span.seq) < (start, seq));
            self.frags.insert(at, f);
        }
    }

    /// True when the last fragment is known and the data has no hole.
    pub fn is_complete(&self) -> bool {
        let Some(end) = self.end else {
            return false;
        };
        let mut covered = 0u32;
        for f in &self.frags {
            if f.span.start > covered {
                return false;
            }
            covered = covered.max(f.span.end);
        }
        covered >= end
    }

    /// Rebuilds the datagram as a complete IP packet. Call only when
    /// [`Tracker::is_complete`].
    pub fn assemble(&self, policy: DefragPolicy) -> Result<Vec<u8>, AssembleError> {
        let end = usize::try_from(self.end.unwrap_or(0)).unwrap_or(usize::MAX);
        let mut order: Vec<&Frag> = self.frags.iter().collect();
        order.sort_by(|a, b| {
            if policy.beats(&a.span, &b.span) {
                Ordering::Greater
            } else if policy.beats(&b.span, &a.span) {
                Ordering::Less
            } else {
                Ordering::Equal
            }
        });
        let header = order
            .iter()
            .rev()
            .find(|f| f.span.start == 0)
            .and_then(|f| f.header.as_deref())
            .ok_or(AssembleError::BadHeader)?;
        let mut out = Vec::with_capacity(header.len() + end);
        out.extend_from_slice(header);
        out.resize(header.len() + end, 0);
        let data = out.get_mut(header.len()..).unwrap_or(&mut []);
        for f in order {
            let start = usize::try_from(f.span.start).unwrap_or(usize::MAX);
            let stop = start.saturating_add(f.data.len());
            if let Some(dst) = data.get_mut(start..stop) {
                dst.copy_from_slice(&f.data);
            }
        }
        if self.v6 {
            fix_ipv6_header(&mut out, header.len())?;
        } else {
            fix_ipv4_header(&mut out, header.len())?;
        }
        Ok(out)
    }
}

/// IPv4: total length, flags and offset cleared (as Suricata does), and
/// the header checksum recomputed.
fn fix_ipv4_header(packet: &mut [u8], hlen: usize) -> Result<(), AssembleError> {
    let total = u16::try_from(packet.len()).map_err(|_| AssembleError::TooLarge)?;
    let header = packet.get_mut(..hlen).ok_or(AssembleError::BadHeader)?;
    if hlen < 20 {
        return Err(AssembleError::BadHeader);
    }
    header[2..4].copy_from_slice(&total.to_be_bytes());
    header[6..8].copy_from_slice(&[0, 0]);
    header[10..12].copy_from_slice(&[0, 0]);
    let sum = checksum::compute(0, header);
    header[10..12].copy_from_slice(&sum.to_be_bytes());
    Ok(())
}

/// IPv6: payload length covers the unfragmentable headers and the data
/// (the next-header fix was made when the first fragment was read).
fn fix_ipv6_header(packet: &mut [u8], hlen: usize) -> Result<(), AssembleError> {
    if hlen < 40 {
        return Err(AssembleError::BadHeader);
    }
    let plen = packet.len().saturating_sub(40);
    if plen > MAX_IP_LEN {
        return Err(AssembleError::TooLarge);
    }
    let plen = u16::try_from(plen).map_err(|_| AssembleError::TooLarge)?;
    let slot = packet.get_mut(4..6).ok_or(AssembleError::BadHeader)?;
    slot.copy_from_slice(&plen.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::decode::VlanIds;
    use crate::defrag::parse::TrackerKey;

    fn frag(start: u32, more: bool, data: &[u8]) -> FragmentIn<'_> {
        let a = IpAddr::V4(Ipv4Addr::LOCALHOST);
        FragmentIn {
            key: TrackerKey {
                src: a,
                dst: a,
                id: 1,
                proto: 17,
                vlan: VlanIds::default(),
            },
            v6: false,
            start,
            more,
            data,
            header: (start == 0).then(|| crate::testutil::pkt::Ipv4::new(17).build(&[])),
        }
    }

    fn add(t: &mut Tracker, p: DefragPolicy, f: FragmentIn<'_>, seq: u64) -> Plan {
        let end = f.start + f.data.len() as u32;
        let plan = t.plan(
            p,
            FragSpan {
                start: f.start,
                end,
                seq,
            },
            f.more,
        );
        t.commit(plan.clone(), f, seq);
        plan
    }

    #[test]
    fn duplicates_are_not_stored_twice() {
        for p in DefragPolicy::ALL {
            let mut t = Tracker::new(false, (Timestamp::default(), 0));
            add(&mut t, p, frag(8, true, &[1; 8]), 1);
            let mem = t.mem;
            let plan = add(&mut t, p, frag(8, true, &[2; 8]), 2);
            assert!(plan.overlap, "{p}");
            assert_eq!(t.len(), 1, "{p}");
            assert_eq!(t.mem, mem, "{p}");
        }
    }

    #[test]
    fn completeness_needs_first_last_and_no_hole() {
        let p = DefragPolicy::Bsd;
        let mut t = Tracker::new(false, (Timestamp::default(), 0));
        add(&mut t, p, frag(16, false, &[3; 4]), 1);
        assert!(!t.is_complete());
        add(&mut t, p, frag(0, true, &[1; 8]), 2);
        assert!(!t.is_complete());
        add(&mut t, p, frag(8, true, &[2; 8]), 3);
        assert!(t.is_complete());
        let out = t.assemble(p).unwrap();
        assert_eq!(out.len(), 20 + 20);
        let mut want = vec![1u8; 8];
        want.extend_from_slice(&[2; 8]);
        want.extend_from_slice(&[3; 4]);
        assert_eq!(&out[20..], &want[..]);
        assert!(checksum::ipv4_header_ok(&out[..20]));
    }

    #[test]
    fn end_conflicts_are_flagged() {
        let p = DefragPolicy::Bsd;
        let mut t = Tracker::new(false, (Timestamp::default(), 0));
        add(&mut t, p, frag(0, true, &[0; 16]), 1);
        let span = |s, e, q| FragSpan {
            start: s,
            end: e,
            seq: q,
        };
        assert!(t.plan(p, span(8, 9, 2), false).beyond_end);
        add(&mut t, p, frag(16, false, &[0; 8]), 3);
        assert!(t.plan(p, span(24, 32, 4), true).beyond_end);
        assert!(t.plan(p, span(16, 20, 4), false).beyond_end);
        assert!(!t.plan(p, span(8, 24, 4), false).beyond_end);
    }
}
