//! IP fragments held for the evidence of the flow their datagram will
//! belong to.
//!
//! A fragment carries no ports, so it belongs to no flow until its
//! datagram is reassembled (Suricata tracks no flow for fragments either).
//! The evidence of a session must still hold the packets as they were on
//! the wire, not the rebuilt datagram, so each fragment is copied here
//! under its datagram's key and moved into the flow's evidence when the
//! datagram completes. Bounded in bytes and in time: past the limit the
//! oldest datagrams' fragments go, and so do those of a datagram that
//! waited longer than the defragmenter would. Both are counted as dropped
//! evidence.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use super::ring::Buffered;
use crate::capture::{RawPacket, Timestamp};

/// A datagram's identity, as the defragmenter keys it: source, destination,
/// fragment id and protocol.
pub type FragKey = (IpAddr, IpAddr, u32, u8);

/// Fragments waiting for their datagram.
#[derive(Debug)]
pub struct FragmentHold {
    max_bytes: usize,
    timeout_secs: i64,
    bytes: usize,
    /// Datagrams by the time of their first held fragment; entries whose
    /// datagram was taken (or restarted) since are skipped.
    order: VecDeque<(Timestamp, FragKey)>,
    held: HashMap<FragKey, (Timestamp, Vec<Buffered>)>,
}

/// What keeping a fragment cost: packets and bytes dropped to stay
/// bounded (the new fragment itself when it alone is over the limit).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// Packets let go.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl FragmentHold {
    /// Holds at most `max_bytes` of fragments, none longer than
    /// `timeout_secs` of packet time after its datagram's first fragment.
    pub fn new(max_bytes: usize, timeout_secs: u64) -> Self {
        FragmentHold {
            max_bytes,
            timeout_secs: i64::try_from(timeout_secs).unwrap_or(i64::MAX),
            bytes: 0,
            order: VecDeque::new(),
            held: HashMap::new(),
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keeps a copy of `raw`, a fragment of datagram `key`.
    pub fn hold(&mut self, key: FragKey, raw: &RawPacket<'_>) -> Dropped {
        let mut dropped = Dropped::default();
        let len = raw.data.len();
        // Datagrams the defragmenter has given up on by now.
        while let Some(&(first, k)) = self.order.front() {
            if raw.ts.secs_since(first) <= self.timeout_secs {
                break;
            }
            self.order.pop_front();
            self.evict(k, first, &mut dropped);
        }
        if len > self.max_bytes {
            dropped.packets += 1;
            dropped.bytes += len as u64;
            return dropped;
        }
        while self.bytes + len > self.max_bytes {
            let Some((first, k)) = self.order.pop_front() else {
                break;
            };
            self.evict(k, first, &mut dropped);
        }
        let entry = self.held.entry(key).or_insert_with(|| {
            self.order.push_back((raw.ts, key));
            (raw.ts, Vec::new())
        });
        entry.1.push(Buffered {
            ts: raw.ts,
            origlen: raw.origlen,
            linktype: raw.linktype,
            data: raw.data.to_vec(),
        });
        self.bytes += len;
        dropped
    }

    /// The held fragments of datagram `key`, in arrival order (none when
    /// they were dropped or never held).
    pub fn take(&mut self, key: &FragKey) -> Vec<Buffered> {
        match self.held.remove(key) {
            Some((_, frags)) => {
                self.bytes -= frags.iter().map(|b| b.data.len()).sum::<usize>();
                frags
            }
            None => Vec::new(),
        }
    }

    /// Drops datagram `key` if it is still the one first held at `first`.
    fn evict(&mut self, key: FragKey, first: Timestamp, dropped: &mut Dropped) {
        if self.held.get(&key).is_some_and(|(t, _)| *t == first) {
            for b in self.take(&key) {
                dropped.packets += 1;
                dropped.bytes += b.data.len() as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use std::net::Ipv4Addr;

    fn key(id: u32) -> FragKey {
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        (a, b, id, 17)
    }

    fn raw(secs: i64, data: &[u8]) -> RawPacket<'_> {
        RawPacket {
            ts: Timestamp::new(secs, 0),
            caplen: data.len() as u32,
            origlen: data.len() as u32,
            data,
            linktype: LinkType::Ethernet,
            pcap_cnt: 0,
            file_index: 0,
        }
    }

    #[test]
    fn keeps_fragments_in_order_until_taken() {
        let mut h = FragmentHold::new(1024, 60);
        assert_eq!(h.hold(key(1), &raw(0, b"second")), Dropped::default());
        h.hold(key(2), &raw(0, b"other"));
        h.hold(key(1), &raw(1, b"first"));
        let got: Vec<Vec<u8>> = h.take(&key(1)).into_iter().map(|b| b.data).collect();
        assert_eq!(got, [b"second".to_vec(), b"first".to_vec()]);
        assert!(h.take(&key(1)).is_empty());
        assert_eq!(h.bytes(), 5);
    }

    #[test]
    fn stays_within_its_bytes_and_time() {
        let mut h = FragmentHold::new(10, 60);
        h.hold(key(1), &raw(0, b"aaaaaa"));
        // 6 + 6 > 10: the oldest datagram goes.
        let d = h.hold(key(2), &raw(1, b"bbbbbb"));
        assert_eq!((d.packets, d.bytes), (1, 6));
        assert!(h.take(&key(1)).is_empty());
        // Larger than the whole hold: not kept.
        let d = h.hold(key(3), &raw(2, &[0; 11]));
        assert_eq!(d.packets, 1);
        // Past the timeout the waiting datagram is dropped.
        let d = h.hold(key(4), &raw(100, b"dd"));
        assert_eq!((d.packets, d.bytes), (1, 6));
        assert!(h.take(&key(2)).is_empty());
        assert_eq!(h.take(&key(4)).len(), 1);
        assert_eq!(h.bytes(), 0);
    }

    #[test]
    fn a_reused_id_is_not_evicted_by_its_predecessor_entry() {
        let mut h = FragmentHold::new(100, 60);
        h.hold(key(1), &raw(0, b"old"));
        assert_eq!(h.take(&key(1)).len(), 1);
        // Same id again later: the stale queue entry must not drop it.
        h.hold(key(1), &raw(50, b"new"));
        let d = h.hold(key(2), &raw(70, b"x"));
        assert_eq!(d, Dropped::default());
        assert_eq!(h.take(&key(1)).len(), 1);
    }
}
