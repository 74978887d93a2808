//! The bounded per-flow buffer of recent packets kept until a flow alerts.
//!
//! Most flows never alert, so the buffer is what evidence costs for them:
//! it is bounded by a packet count and a byte count, and the oldest packets
//! go first — what matters when an alert fires is what led up to it.

use std::collections::VecDeque;

use crate::capture::{LinkType, RawPacket, Timestamp};

/// A packet copied out of the capture buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffered {
    /// Capture time.
    pub ts: Timestamp,
    /// Length on the wire.
    pub origlen: u32,
    /// Link layer of `data`.
    pub linktype: LinkType,
    /// Captured bytes.
    pub data: Vec<u8>,
}

/// What a push did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// The packet was kept.
    pub stored: bool,
    /// Older packets dropped to make room.
    pub evicted_packets: u64,
    /// Their captured bytes.
    pub evicted_bytes: u64,
}

/// Recent packets of one flow, oldest first.
#[derive(Debug, Default)]
pub struct Ring {
    packets: VecDeque<Buffered>,
    bytes: usize,
}

impl Ring {
    /// Captured bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Packets held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// The oldest packet.
    pub fn front(&self) -> Option<&Buffered> {
        self.packets.front()
    }

    /// Keeps `pkt`, dropping the oldest packets until at most `max_packets`
    /// packets and `max_bytes` bytes are held. A packet larger than
    /// `max_bytes` on its own is not kept (and evicts nothing).
    #[cfg(test)]
    pub fn push(&mut self, pkt: Buffered, max_packets: usize, max_bytes: usize) -> Pushed {
        let (out, _) = self.evict_for(pkt.data.len(), max_packets, max_bytes);
        if out.stored {
            self.bytes += pkt.data.len();
            self.packets.push_back(pkt);
        }
        out
    }

    /// Like [`Ring::push`] for a packet still in the capture buffer; the
    /// copy reuses an evicted packet's allocation when there is one (a
    /// full ring then costs no allocation per packet).
    pub fn push_raw(
        &mut self,
        raw: &RawPacket<'_>,
        max_packets: usize,
        max_bytes: usize,
    ) -> Pushed {
        let (out, spare) = self.evict_for(raw.data.len(), max_packets, max_bytes);
        if out.stored {
            let mut data = spare.unwrap_or_default();
            data.clear();
            data.extend_from_slice(raw.data);
            self.bytes += data.len();
            self.packets.push_back(Buffered {
                ts: raw.ts,
                origlen: raw.origlen,
                linktype: raw.linktype,
                data,
            });
        }
        out
    }

    /// Evicts the oldest packets so one of `len` bytes fits; `stored` says
    /// whether it may be kept. Returns the last evicted buffer for reuse.
    fn evict_for(
        &mut self,
        len: usize,
        max_packets: usize,
        max_bytes: usize,
    ) -> (Pushed, Option<Vec<u8>>) {
        let mut out = Pushed::default();
        if max_packets == 0 || len > max_bytes {
            return (out, None);
        }
        let mut spare = None;
        while self.packets.len() >= max_packets || self.bytes + len > max_bytes {
            let Some(old) = self.packets.pop_front() else {
                break;
            };
            self.bytes -= old.data.len();
            out.evicted_packets += 1;
            out.evicted_bytes += old.data.len() as u64;
            spare = Some(old.data);
        }
        out.stored = true;
        (out, spare)
    }

    /// Removes the oldest packet.
    pub fn pop_front(&mut self) -> Option<Buffered> {
        let old = self.packets.pop_front()?;
        self.bytes -= old.data.len();
        Some(old)
    }

    /// Empties the ring, oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = Buffered> + '_ {
        self.bytes = 0;
        self.packets.drain(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(n: u8, len: usize) -> Buffered {
        Buffered {
            ts: Timestamp::new(i64::from(n), 0),
            origlen: len as u32,
            linktype: LinkType::Ethernet,
            data: vec![n; len],
        }
    }

    #[test]
    fn bounded_by_packets_oldest_first() {
        let mut r = Ring::default();
        for n in 0..10 {
            r.push(pkt(n, 10), 4, 1 << 20);
        }
        assert_eq!(r.len(), 4);
        assert_eq!(r.bytes(), 40);
        let kept: Vec<u8> = r.drain().map(|p| p.data[0]).collect();
        assert_eq!(kept, vec![6, 7, 8, 9]);
        assert_eq!((r.len(), r.bytes()), (0, 0));
    }

    #[test]
    fn bounded_by_bytes() {
        let mut r = Ring::default();
        assert!(r.push(pkt(1, 60), 100, 100).stored);
        let p = r.push(pkt(2, 50), 100, 100);
        assert_eq!(
            (p.stored, p.evicted_packets, p.evicted_bytes),
            (true, 1, 60)
        );
        assert!(r.push(pkt(3, 50), 100, 100).stored);
        assert_eq!((r.len(), r.bytes()), (2, 100));
        // Too large on its own: refused, nothing evicted.
        let p = r.push(pkt(4, 101), 100, 100);
        assert_eq!(p, Pushed::default());
        assert_eq!(r.len(), 2);
        // From the capture buffer, with the same bounds.
        let data = [9u8; 30];
        let raw = RawPacket {
            ts: Timestamp::new(9, 0),
            caplen: 30,
            origlen: 30,
            data: &data,
            linktype: LinkType::Raw,
            pcap_cnt: 9,
            file_index: 0,
        };
        let p = r.push_raw(&raw, 100, 100);
        assert_eq!((p.stored, p.evicted_packets), (true, 1));
        assert_eq!((r.len(), r.bytes()), (2, 80));
        let last = r.drain().last().unwrap();
        assert_eq!((last.data, last.linktype), (data.to_vec(), LinkType::Raw));
        // Zero packets allowed: nothing kept.
        let mut z = Ring::default();
        assert!(!z.push(pkt(5, 1), 0, 100).stored);
        assert_eq!(z.len(), 0);
    }
}
