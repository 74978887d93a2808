//! Byte storage of one stream direction, addressed by absolute offset.
//!
//! The *head* is one `Vec` holding the contiguous bytes `[head_start,
//! head_end)`: some already-delivered bytes kept for the inspection window,
//! then the readable ones. In-order data is appended to it, so the common
//! case is one `memcpy` into a buffer whose capacity is reused.
//!
//! Bytes beyond a hole live in *chunks*, sorted and non-overlapping, each
//! starting after `head_end`. A segment that arrives out of order fills the
//! holes of its range as new chunks (or by appending to the chunk that ends
//! where it starts); it never prepends, so even a stream sent in reverse
//! order costs each byte one copy into a chunk and one into the head. Once
//! a chunk touches `head_end` it is appended to the head and its `Vec` goes
//! back to a small pool for the next out-of-order chunk.
//!
//! Everything here trusts its caller ([`super::direction`]) to pass
//! offsets at or after `head_start`, but never indexes unchecked: a broken
//! invariant would lose bytes, not panic.

use std::collections::VecDeque;

/// Vecs kept for reuse by out-of-order chunks.
const POOL_MAX: usize = 8;
/// Pooled vecs larger than this are dropped instead of kept.
const POOL_MAX_CAPACITY: usize = 64 * 1024;

/// Bytes stored beyond a hole.
#[derive(Debug)]
struct Chunk {
    start: u64,
    data: Vec<u8>,
}

impl Chunk {
    fn end(&self) -> u64 {
        self.start + len64(&self.data)
    }
}

/// See the module doc.
#[derive(Debug, Default)]
pub(super) struct Store {
    head: Vec<u8>,
    head_start: u64,
    chunks: VecDeque<Chunk>,
    pool: Vec<Vec<u8>>,
}

fn len64(b: &[u8]) -> u64 {
    b.len() as u64
}

/// `x` as an index; out-of-range values turn into a failed `get`.
fn idx(x: u64) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}

/// Bytes `[a, b)` of a buffer that starts at offset `base`.
fn slice(buf: &[u8], base: u64, a: u64, b: u64) -> &[u8] {
    buf.get(idx(a - base)..idx(b - base)).unwrap_or(&[])
}

fn slice_mut(buf: &mut [u8], base: u64, a: u64, b: u64) -> &mut [u8] {
    buf.get_mut(idx(a - base)..idx(b - base)).unwrap_or(&mut [])
}

/// Copies as much as both sides hold.
fn copy(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
        d.copy_from_slice(s);
    }
}

impl Store {
    /// Offset of the first byte kept in the head.
    pub(super) fn head_start(&self) -> u64 {
        self.head_start
    }

    /// Offset just after the contiguous head: the next in-order byte.
    pub(super) fn head_end(&self) -> u64 {
        self.head_start + len64(&self.head)
    }

    /// Head bytes `[from, head_end)` (empty when `from` is outside the head).
    pub(super) fn head_from(&self, from: u64, to: u64) -> &[u8] {
        let a = from.max(self.head_start);
        let b = to.min(self.head_end());
        if a >= b {
            return &[];
        }
        slice(&self.head, self.head_start, a, b)
    }

    /// Start of the first out-of-order chunk.
    pub(super) fn first_chunk_start(&self) -> Option<u64> {
        self.chunks.front().map(|c| c.start)
    }

    /// Number of out-of-order chunks.
    pub(super) fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Disjoint regions the bytes held form when bytes less than `gap`
    /// apart count as one region (Suricata's streaming buffer regions): 1
    /// for in-order data, more when data arrives far beyond a hole.
    pub(super) fn regions(&self, gap: u64) -> u32 {
        let mut n = 1u32;
        let mut end = self.head_end();
        for c in &self.chunks {
            if c.start.saturating_sub(end) > gap {
                n = n.saturating_add(1);
            }
            end = c.end();
        }
        n
    }

    /// Bytes held, head and chunks.
    pub(super) fn stored_bytes(&self) -> u64 {
        len64(&self.head) + self.chunks.iter().map(|c| len64(&c.data)).sum::<u64>()
    }

    /// Index of the first chunk that ends after `pos`.
    fn chunk_after(&self, pos: u64) -> usize {
        self.chunks.partition_point(|c| c.end() <= pos)
    }

    /// Bytes of `[start, end)` not stored yet (`start >= head_start`).
    pub(super) fn holes(&self, start: u64, end: u64) -> u64 {
        let mut pos = start.max(self.head_end());
        let mut missing = 0;
        for c in self.chunks.range(self.chunk_after(pos)..) {
            if pos >= end {
                break;
            }
            if c.start > pos {
                missing += c.start.min(end) - pos;
            }
            pos = pos.max(c.end());
        }
        if pos < end {
            missing += end - pos;
        }
        missing
    }

    /// Calls `f(offset, bytes)` for each stored piece of `[start, end)`, in order.
    pub(super) fn for_each_stored(&self, start: u64, end: u64, mut f: impl FnMut(u64, &[u8])) {
        let a = start.max(self.head_start);
        let b = end.min(self.head_end());
        if a < b {
            f(a, slice(&self.head, self.head_start, a, b));
        }
        for c in self.chunks.range(self.chunk_after(start)..) {
            if c.start >= end {
                break;
            }
            let a = start.max(c.start);
            let b = end.min(c.end());
            f(a, slice(&c.data, c.start, a, b));
        }
    }

    /// Stores `data` at `start` (`>= head_start`), overwriting bytes already
    /// there and filling holes. Returns the number of bytes newly stored.
    pub(super) fn write(&mut self, start: u64, data: &[u8]) -> u64 {
        let end = start + len64(data);
        let mut pos = start;
        let mut added = 0;
        let head_end = self.head_end();
        if pos < head_end {
            let b = end.min(head_end);
            copy(
                slice_mut(&mut self.head, self.head_start, pos, b),
                slice(data, start, pos, b),
            );
            pos = b;
        }
        let mut i = self.chunk_after(pos);
        while pos < end {
            let next = self.chunks.get(i).map(|c| c.start);
            match next {
                Some(cs) if cs <= pos => {
                    let Some(c) = self.chunks.get_mut(i) else {
                        break;
                    };
                    let b = end.min(c.end());
                    copy(
                        slice_mut(&mut c.data, c.start, pos, b),
                        slice(data, start, pos, b),
                    );
                    pos = b;
                    i += 1;
                }
                _ => {
                    let b = next.map_or(end, |cs| cs.min(end));
                    let piece = slice(data, start, pos, b);
                    added += len64(piece);
                    if pos == self.head_end() {
                        self.head.extend_from_slice(piece);
                    } else if let Some(prev) = i
                        .checked_sub(1)
                        .and_then(|p| self.chunks.get_mut(p))
                        .filter(|p| p.end() == pos)
                    {
                        prev.data.extend_from_slice(piece);
                    } else {
                        let mut v = self.pool.pop().unwrap_or_default();
                        v.extend_from_slice(piece);
                        self.chunks.insert(
                            i,
                            Chunk {
                                start: pos,
                                data: v,
                            },
                        );
                        i += 1;
                    }
                    pos = b;
                }
            }
        }
        self.absorb();
        added
    }

    /// Appends chunks that now touch the head to it.
    fn absorb(&mut self) {
        while self
            .chunks
            .front()
            .is_some_and(|c| c.start == self.head_end())
        {
            if let Some(c) = self.chunks.pop_front() {
                self.head.extend_from_slice(&c.data);
                self.recycle(c.data);
            }
        }
    }

    fn recycle(&mut self, mut v: Vec<u8>) {
        if self.pool.len() < POOL_MAX && v.capacity() <= POOL_MAX_CAPACITY {
            v.clear();
            self.pool.push(v);
        }
    }

    /// Forgets head bytes before `upto`; returns how many.
    pub(super) fn drop_front(&mut self, upto: u64) -> u64 {
        let n = upto.min(self.head_end()).saturating_sub(self.head_start);
        if n > 0 {
            self.head.drain(..idx(n).min(self.head.len()));
            self.head_start += n;
        }
        n
    }

    /// Skips the hole after the head: the first chunk becomes the head (the
    /// old head's bytes are forgotten). Returns `(hole bytes, head bytes
    /// freed)`, or `None` without a chunk.
    pub(super) fn skip_hole(&mut self) -> Option<(u64, u64)> {
        let c = self.chunks.pop_front()?;
        let hole = c.start.saturating_sub(self.head_end());
        let freed = len64(&self.head);
        let old = std::mem::replace(&mut self.head, c.data);
        self.head_start = c.start;
        self.recycle(old);
        self.absorb();
        Some((hole, freed))
    }

    /// Capacity of the head buffer, for allocation tests.
    #[cfg(test)]
    pub(super) fn head_capacity(&self) -> usize {
        self.head.capacity()
    }

    /// Forgets everything (keeping `head_start` at the old head end);
    /// returns the bytes freed.
    pub(super) fn clear(&mut self) -> u64 {
        let freed = self.stored_bytes();
        self.head_start = self.head_end();
        self.head.clear();
        while let Some(c) = self.chunks.pop_front() {
            self.recycle(c.data);
        }
        freed
    }
}

#[cfg(test)]
mod tests {
    use super::Store;

    fn collect(s: &Store, a: u64, b: u64) -> Vec<(u64, Vec<u8>)> {
        let mut v = Vec::new();
        s.for_each_stored(a, b, |o, d| v.push((o, d.to_vec())));
        v
    }

    #[test]
    fn in_order_appends_to_head() {
        let mut s = Store::default();
        assert_eq!(s.write(0, b"abc"), 3);
        assert_eq!(s.write(3, b"def"), 3);
        assert_eq!(s.head_from(0, 100), b"abcdef");
        assert_eq!(s.chunk_count(), 0);
    }

    #[test]
    fn out_of_order_chunks_merge_into_head() {
        let mut s = Store::default();
        assert_eq!(s.write(6, b"ghi"), 3);
        assert_eq!(s.write(3, b"def"), 3);
        assert_eq!(s.chunk_count(), 2);
        assert_eq!(s.holes(0, 9), 3);
        assert_eq!(s.write(0, b"abc"), 3);
        assert_eq!(s.chunk_count(), 0);
        assert_eq!(s.head_from(0, 9), b"abcdefghi");
    }

    #[test]
    fn write_spanning_chunks_fills_only_holes() {
        let mut s = Store::default();
        s.write(2, b"CC");
        s.write(6, b"GG");
        assert_eq!(s.holes(0, 10), 6);
        assert_eq!(s.write(1, b"xxxxxxxx"), 4);
        assert_eq!(s.holes(0, 10), 2);
        // Every stored byte in range now holds the new data.
        let mut bytes = vec![b'.'; 10];
        for (o, d) in collect(&s, 0, 10) {
            bytes[o as usize..o as usize + d.len()].copy_from_slice(&d);
        }
        assert_eq!(&bytes, b".xxxxxxxx.");
        // A later write at the head end absorbs the whole run.
        s.write(0, b"y");
        assert_eq!(s.chunk_count(), 0);
        assert_eq!(s.head_from(0, 10), b"yxxxxxxxx");
    }

    #[test]
    fn skip_hole_and_drop_front() {
        let mut s = Store::default();
        s.write(0, b"abc");
        s.write(10, b"klm");
        s.write(13, b"nop");
        assert_eq!(s.drop_front(2), 2);
        assert_eq!(s.head_from(0, 100), b"c");
        assert_eq!(s.skip_hole(), Some((7, 1)));
        assert_eq!(s.head_start(), 10);
        assert_eq!(s.head_from(0, 100), b"klmnop");
        assert_eq!(s.skip_hole(), None);
        assert_eq!(s.clear(), 6);
        assert_eq!(s.stored_bytes(), 0);
        assert_eq!(s.head_end(), 16);
    }
}
