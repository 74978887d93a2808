//! One direction of a TCP session: sequence mapping, segment insertion
//! with the overlap policy, acknowledgements, gaps, depth and delivery.
//!
//! Offsets used below (all absolute, see the module doc of [`super`]):
//!
//! ```text
//!  head_start      delivered           acked_end   head_end   chunks…
//!      |  retained   |   readable, acked  |  unacked  |  hole  | ooo | hole | ooo
//! ```
//!
//! * `delivered`: everything before it was consumed; it never moves back.
//!   Bytes before it are immutable.
//! * `head_end`: the contiguous end; the next in-order byte.
//! * `acked`: highest offset the peer acknowledged (clamped to what was seen).

use std::collections::VecDeque;

use super::buffer::Store;
use super::events::{StreamEvent, StreamEvents, StreamStats};
use super::memcap::StreamMemcap;
use super::seq::SeqNumber;
use super::StreamConfig;

/// Bytes between two runs of data within which they count as one region
/// of Suricata's streaming buffer (its default region gap, 256 KiB).
const REGION_GAP: u64 = 256 * 1024;
/// Memory charged per held segment record (its boundaries).
const SEG_META_COST: u64 = std::mem::size_of::<SegMeta>() as u64;
/// Delivered bytes beyond the inspection window are dropped once there are
/// at least this many of them (or as many as live bytes), so compaction
/// moves each byte at most about once.
const COMPACT_MIN: u64 = 4096;

/// Original boundaries of a segment that added bytes not all delivered
/// yet: the overlap policy decides against these, not against the merged
/// bytes. (Segments that added no byte are not recorded, so the policy can
/// differ from Suricata's when three or more copies of a byte disagree.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SegMeta {
    start: u64,
    end: u64,
}

/// Why a direction stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The sender sent a FIN.
    Fin,
    /// The sender sent a RST.
    Rst,
}

/// One direction of a [`super::TcpSession`]: the bytes one endpoint sent,
/// in stream order.
#[derive(Debug)]
pub struct StreamDirection {
    cfg: StreamConfig,
    memcap: StreamMemcap,
    /// Bytes reserved from `memcap` and not yet released.
    charged: u64,
    /// Sequence number of offset 0.
    base: Option<SeqNumber>,
    store: Store,
    delivered: u64,
    /// Bytes skipped by gaps since the consumer last consumed.
    gap_pending: u64,
    segs: VecDeque<SegMeta>,
    max_seg_len: u64,
    /// Reused buffer for overlap resolution.
    scratch: Vec<u8>,
    last_ack: Option<SeqNumber>,
    acked: u64,
    /// Right edge of any payload seen (before depth clipping).
    seen_end: u64,
    /// The peer sent at least one packet (for `async_oneside`).
    peer_seen: bool,
    flushed: bool,
    /// Reassembly stopped for good (depth delivered or disabled).
    done: bool,
    depth_hit: bool,
    close: Option<CloseReason>,
    fin_offset: Option<u64>,
    /// Most regions the held data formed at once (see [`Self::max_regions`]).
    max_regions: u32,
    stats: StreamStats,
    events: StreamEvents,
    pkt_events: StreamEvents,
}

impl StreamDirection {
    pub(super) fn new(cfg: StreamConfig, memcap: StreamMemcap) -> Self {
        StreamDirection {
            cfg,
            memcap,
            charged: 0,
            base: None,
            store: Store::default(),
            delivered: 0,
            gap_pending: 0,
            segs: VecDeque::new(),
            max_seg_len: 0,
            scratch: Vec::new(),
            last_ack: None,
            acked: 0,
            seen_end: 0,
            peer_seen: false,
            flushed: false,
            done: false,
            depth_hit: false,
            close: None,
            fin_offset: None,
            max_regions: 1,
            stats: StreamStats::default(),
            events: StreamEvents::default(),
            pkt_events: StreamEvents::default(),
        }
    }

    // ----- delivery -------------------------------------------------------

    /// The contiguous bytes not consumed yet, starting at [`Self::readable_offset`].
    /// Bytes past [`Self::acked_len`] may still change if an overlapping
    /// segment wins under the overlap policy.
    pub fn readable(&self) -> &[u8] {
        self.store.head_from(self.delivered, u64::MAX)
    }

    /// Absolute stream offset of `readable()[0]`.
    pub fn readable_offset(&self) -> u64 {
        self.delivered
    }

    /// How many leading bytes of [`Self::readable`] the peer acknowledged
    /// (all of them after a flush, or with `async_oneside` while the peer
    /// has sent nothing).
    pub fn acked_len(&self) -> usize {
        let n = self.acked_end().saturating_sub(self.delivered);
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(self.readable().len())
    }

    /// The acknowledged part of [`Self::readable`].
    pub fn acked_data(&self) -> &[u8] {
        self.readable().get(..self.acked_len()).unwrap_or(&[])
    }

    /// Bytes skipped by gaps right before [`Self::readable_offset`] since the
    /// consumer last consumed: a parser must resynchronise when non-zero.
    pub fn gap_before(&self) -> u64 {
        self.gap_pending
    }

    /// Marks `n` readable bytes consumed (clamped to what is readable);
    /// returns how many were. Consumed bytes stay available to
    /// [`Self::inspect_window`] for `inspect_window` more bytes, then are
    /// freed. Once the head is consumed, a hole the peer acknowledged past
    /// (or any hole after a flush) is skipped.
    pub fn consume(&mut self, n: usize) -> usize {
        let n = n.min(self.readable().len());
        if n > 0 {
            self.delivered += n as u64;
            self.gap_pending = 0;
            self.prune_segs();
            self.compact();
        }
        if self.cfg.depth > 0 && self.delivered >= self.cfg.depth {
            self.finish();
        }
        self.skip_gaps();
        n
    }

    /// Bytes for raw (content) inspection: from `from`, but never before the
    /// retained window (`readable_offset() - inspect_window`) nor across a
    /// gap, up to the acknowledged end. Returns the absolute offset of the
    /// first byte and the bytes. Call it before [`Self::consume`] with
    /// `from = readable_offset() - inspect_window` to inspect new acked
    /// bytes together with the tail of what was inspected before, so a
    /// pattern spanning the boundary still matches.
    pub fn inspect_window(&self, from: u64) -> (u64, &[u8]) {
        let lo = from
            .max(self.delivered.saturating_sub(self.cfg.inspect_window))
            .max(self.store.head_start());
        let hi = self.acked_end();
        (lo, self.store.head_from(lo, hi))
    }

    /// Like [`Self::inspect_window`] but up to the end of the contiguous
    /// bytes, acknowledged or not: for inline inspection, where data is
    /// inspected on the packet that carries it.
    pub fn inspect_window_unacked(&self, from: u64) -> (u64, &[u8]) {
        let lo = from
            .max(self.delivered.saturating_sub(self.cfg.inspect_window))
            .max(self.store.head_start());
        (lo, self.store.head_from(lo, self.store.head_end()))
    }

    /// True while this direction's data counts as acknowledged on arrival
    /// (`async_oneside` and the peer never seen): nothing else will release
    /// it, so its consumers take it on the packet that carries it.
    pub fn acks_itself(&self) -> bool {
        self.cfg.async_oneside && !self.peer_seen && !self.flushed
    }

    /// End of the acknowledged contiguous bytes.
    fn acked_end(&self) -> u64 {
        let end = self.store.head_end();
        if self.flushed || (self.cfg.async_oneside && !self.peer_seen) {
            end
        } else {
            self.acked.min(end)
        }
    }

    // ----- state ----------------------------------------------------------

    /// Sequence number of stream offset 0, once known.
    pub fn base_seq(&self) -> Option<SeqNumber> {
        self.base
    }

    /// The latest acknowledgement number the peer sent for this direction.
    pub fn last_ack(&self) -> Option<SeqNumber> {
        self.last_ack
    }

    /// Highest acknowledged offset (clamped to one past the data seen).
    pub fn acked_offset(&self) -> u64 {
        self.acked
    }

    /// Offset just after the contiguous data (the next in-order byte).
    pub fn contiguous_end(&self) -> u64 {
        self.store.head_end()
    }

    /// Absolute offset of `seq`, `None` before the base is known or when
    /// it lies before the stream start. Resolved within 2^31 of
    /// [`Self::contiguous_end`], so it keeps working past 4 GiB.
    pub fn offset_of(&self, seq: SeqNumber) -> Option<u64> {
        self.offset_i64(seq).and_then(|o| u64::try_from(o).ok())
    }

    fn offset_i64(&self, seq: SeqNumber) -> Option<i64> {
        let base = self.base?;
        let reference = self.store.head_end();
        let ref_seq = SeqNumber::at_offset(base, reference);
        let r = i64::try_from(reference).unwrap_or(i64::MAX);
        Some(r.saturating_add(i64::from(seq - ref_seq)))
    }

    /// FIN or RST seen from this side.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close
    }

    /// True after a FIN or RST from this side.
    pub fn is_closed(&self) -> bool {
        self.close.is_some()
    }

    /// Offset of the FIN (the end of the stream), when seen.
    pub fn fin_offset(&self) -> Option<u64> {
        self.fin_offset
    }

    /// True once reassembly stopped for good: the depth was delivered, or
    /// [`Self::disable`] was called.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// True when this direction dropped bytes past the depth limit.
    pub fn depth_reached(&self) -> bool {
        self.depth_hit
    }

    /// Bytes currently held (retained, readable and out-of-order).
    pub fn buffered_bytes(&self) -> u64 {
        self.store.stored_bytes()
    }

    /// Memory charged to the memcap by this direction.
    pub fn memory(&self) -> u64 {
        self.charged
    }

    /// Segments whose bytes are not all delivered yet.
    pub fn held_segments(&self) -> usize {
        self.segs.len()
    }

    /// Out-of-order byte runs waiting behind a hole.
    pub fn pending_chunks(&self) -> usize {
        self.store.chunk_count()
    }

    /// Most disjoint regions the held data formed at once: 1 unless data
    /// arrived more than 256 KiB beyond a hole (Suricata's flow log
    /// `ts_max_regions` / `tc_max_regions`).
    pub fn max_regions(&self) -> u32 {
        self.max_regions
    }

    /// Counters of this direction.
    pub fn stats(&self) -> &StreamStats {
        &self.stats
    }

    /// Every event raised in this direction so far.
    pub fn events(&self) -> StreamEvents {
        self.events
    }

    /// Stops reassembly of this direction and frees its memory (for a
    /// consumer that needs no more data, like Suricata's no-reassembly flag).
    pub fn disable(&mut self) {
        self.finish();
    }

    /// Flow end: every held byte becomes readable and acknowledged, holes
    /// are skipped (counted as gaps) as the consumer drains the data before
    /// them. Drain with `while !readable().is_empty() { …; consume(len) }`.
    pub fn flush(&mut self) {
        self.flushed = true;
        self.skip_gaps();
    }

    // ----- input (called by the session) ----------------------------------

    pub(super) fn clear_pkt_events(&mut self) {
        self.pkt_events = StreamEvents::default();
    }

    pub(super) fn pkt_events(&self) -> StreamEvents {
        self.pkt_events
    }

    fn raise(&mut self, ev: StreamEvent) {
        self.events.push(ev);
        self.pkt_events.push(ev);
    }

    pub(super) fn set_peer_seen(&mut self) {
        self.peer_seen = true;
    }

    /// A SYN with sequence `seq` from this side. Returns false when its
    /// payload must be ignored (a SYN with another ISN after data flowed).
    pub(super) fn on_syn(&mut self, seq: SeqNumber) -> bool {
        let first = seq + 1;
        match self.base {
            Some(b) if b == first => true,
            Some(_) if !self.has_data() => {
                self.base = Some(first);
                true
            }
            Some(_) => false,
            None => {
                self.base = Some(first);
                true
            }
        }
    }

    /// Sets the base from the first data segment or the peer's ACK when no
    /// SYN was seen; false when it was already known.
    pub(super) fn adopt_base(&mut self, seq: SeqNumber) -> bool {
        if self.base.is_some() {
            return false;
        }
        self.base = Some(seq);
        true
    }

    fn has_data(&self) -> bool {
        self.seen_end > 0 || self.store.stored_bytes() > 0 || self.delivered > 0
    }

    /// The peer acknowledged up to `ack` in this direction.
    pub(super) fn on_ack(&mut self, ack: SeqNumber) {
        let Some(off) = self.offset_i64(ack) else {
            return;
        };
        self.last_ack = Some(ack);
        // An ACK past everything seen acknowledges bytes the capture lost
        // (or is forged): it must not make the hole before unseen bytes
        // skippable, so it counts only up to the FIN's sequence slot.
        let off = u64::try_from(off).unwrap_or(0).min(self.seen_end + 1);
        if off > self.acked {
            self.acked = off;
            self.skip_gaps();
        }
    }

    /// A FIN at `end` (the sequence number after the FIN's payload).
    pub(super) fn on_fin(&mut self, end: SeqNumber) {
        if self.fin_offset.is_none() {
            self.fin_offset = self.offset_of(end);
        }
        self.close.get_or_insert(CloseReason::Fin);
    }

    pub(super) fn on_rst(&mut self) {
        self.close = Some(CloseReason::Rst);
    }

    /// Inserts a segment's payload that starts at `seq`.
    pub(super) fn insert(&mut self, seq: SeqNumber, payload: &[u8]) {
        if payload.is_empty() {
            return;
        }
        let Some(start) = self.offset_i64(seq) else {
            return;
        };
        self.stats.segments += 1;
        let len = payload.len() as u64;
        let end = start.saturating_add(i64::try_from(len).unwrap_or(i64::MAX));
        let Ok(end) = u64::try_from(end) else {
            self.before_base();
            return;
        };
        if end == 0 {
            self.before_base();
            return;
        }
        self.seen_end = self.seen_end.max(end);
        // Clip what lies before the stream start.
        let s = u64::try_from(start).unwrap_or(0);
        let skip = if start < 0 {
            idx(start.unsigned_abs())
        } else {
            0
        };
        let mut data = payload.get(skip..).unwrap_or(&[]);
        let mut e = end;
        // Clip at the depth limit.
        if self.cfg.depth > 0 && e > self.cfg.depth {
            if !self.depth_hit {
                self.depth_hit = true;
                self.stats.depth_reached = 1;
                self.raise(StreamEvent::ReassemblyDepthReached);
            }
            if s >= self.cfg.depth {
                return;
            }
            data = data.get(..idx(self.cfg.depth - s)).unwrap_or(data);
            e = self.cfg.depth;
        }
        if !self.done {
            self.insert_range(s, e, data);
        }
    }

    fn before_base(&mut self) {
        self.stats.retransmissions += 1;
        self.raise(StreamEvent::ReassemblySegmentBeforeBaseSeq);
    }

    /// Inserts `data` = bytes `[s, e)`, both at or after the stream start
    /// and within the depth.
    fn insert_range(&mut self, s: u64, e: u64, data: &[u8]) {
        let out_of_order = s > self.store.head_end();
        let mut old_bytes = 0;
        let mut diff = false;

        // Part already delivered: immutable; compare with what is retained.
        if s < self.delivered {
            let imm_end = e.min(self.delivered);
            old_bytes += imm_end - s;
            let kept_from = s.max(self.store.head_start());
            if kept_from < imm_end {
                let kept = self.store.head_from(kept_from, imm_end);
                let new = data
                    .get(idx(kept_from - s)..idx(imm_end - s))
                    .unwrap_or(&[]);
                diff |= kept != new;
            }
            if e <= self.store.head_start() {
                self.raise(StreamEvent::ReassemblySegmentBeforeBaseSeq);
            }
        }

        let ms = s.max(self.delivered);
        if ms < e {
            let new_data = data.get(idx(ms - s)..).unwrap_or(&[]);
            let holes = self.store.holes(ms, e);
            old_bytes += (e - ms) - holes;
            // Only segments that add bytes are recorded: a flood of
            // retransmissions must not use up `max_segments`.
            let meta = SegMeta { start: s, end: e };
            let record = holes > 0 && self.segs.binary_search(&meta).is_err();
            if record && self.segs.len() >= self.cfg.max_segments {
                self.stats.segment_limit_drops += 1;
                self.raise(StreamEvent::ReassemblySegmentLimit);
                return self.classify(old_bytes, e - s, diff);
            }
            let need = holes + if record { SEG_META_COST } else { 0 };
            if !self.memcap.try_reserve(need) {
                self.stats.memcap_drops += 1;
                self.raise(StreamEvent::ReassemblyMemcap);
                return self.classify(old_bytes, e - s, diff);
            }
            self.charged += need;
            if holes == e - ms {
                // Nothing stored in range: no overlap to resolve.
                self.store.write(ms, new_data);
            } else {
                diff |= self.resolve_overlap(ms, e, (s, e), new_data);
                let scratch = std::mem::take(&mut self.scratch);
                self.store.write(ms, &scratch);
                self.scratch = scratch;
            }
            if record {
                let at = self.segs.partition_point(|m| *m < meta);
                self.segs.insert(at, meta);
                self.max_seg_len = self.max_seg_len.max(e - s);
            }
            self.stats.bytes += holes;
            if out_of_order && holes > 0 {
                self.stats.out_of_order += 1;
                if s > self.store.head_end().saturating_add(REGION_GAP) {
                    self.max_regions = self.max_regions.max(self.store.regions(REGION_GAP));
                }
            }
        }
        self.classify(old_bytes, e - s, diff);
    }

    fn classify(&mut self, old_bytes: u64, len: u64, diff: bool) {
        if old_bytes > 0 {
            self.stats.overlaps += 1;
            if old_bytes >= len {
                self.stats.retransmissions += 1;
                self.raise(StreamEvent::PktRetransmission);
            }
        }
        if diff {
            self.stats.overlap_diff += 1;
            self.raise(StreamEvent::ReassemblyOverlapDifferentData);
        }
    }

    /// Fills `scratch` with the bytes to store for `[ms, e)`: the new data,
    /// except where an old segment keeps its bytes under the policy.
    /// Returns true when any stored byte differed from the new data.
    fn resolve_overlap(&mut self, ms: u64, e: u64, new_seg: (u64, u64), data: &[u8]) -> bool {
        self.scratch.clear();
        self.scratch.extend_from_slice(data);
        let mut diff = false;
        // Segments are sorted by start; one that starts more than the
        // longest segment before `ms` cannot reach it.
        let upto = self.segs.partition_point(|m| m.start < e);
        let reach = ms.saturating_sub(self.max_seg_len);
        let policy = self.cfg.overlap_policy;
        let (segs, store, scratch) = (&self.segs, &self.store, &mut self.scratch);
        for m in segs.range(..upto).rev() {
            if m.start < reach {
                break;
            }
            if m.end <= ms {
                continue;
            }
            let keep_old = !policy.new_data_wins(new_seg, (m.start, m.end));
            store.for_each_stored(ms.max(m.start), e.min(m.end), |off, old| {
                let Some(dst) = scratch.get_mut(idx(off - ms)..idx(off - ms) + old.len()) else {
                    return;
                };
                if dst != old {
                    diff = true;
                    if keep_old {
                        dst.copy_from_slice(old);
                    }
                }
            });
        }
        diff
    }

    /// Drops records of segments that were fully delivered.
    fn prune_segs(&mut self) {
        while self.segs.front().is_some_and(|m| m.end <= self.delivered) {
            self.segs.pop_front();
            self.release(SEG_META_COST);
        }
    }

    /// Forgets delivered bytes outside the inspection window.
    fn compact(&mut self) {
        let keep_from = self
            .delivered
            .saturating_sub(self.cfg.inspect_window)
            .max(self.store.head_start());
        let dead = keep_from - self.store.head_start();
        let live = self.store.head_end().saturating_sub(keep_from);
        if dead > 0 && (dead >= COMPACT_MIN || dead >= live) {
            let freed = self.store.drop_front(keep_from);
            self.release(freed);
        }
    }

    /// Skips holes while the consumer has drained the head and the hole is
    /// known lost (acknowledged past, or flushed).
    fn skip_gaps(&mut self) {
        while !self.done && self.delivered >= self.store.head_end() {
            let Some(next) = self.store.first_chunk_start() else {
                break;
            };
            if !self.flushed && self.acked < next {
                break;
            }
            let Some((hole, freed)) = self.store.skip_hole() else {
                break;
            };
            self.release(freed);
            self.delivered = next;
            self.gap_pending += hole;
            self.stats.gaps += 1;
            self.stats.gap_bytes += hole;
            self.raise(StreamEvent::ReassemblySeqGap);
            self.prune_segs();
        }
    }

    /// Stops for good and frees everything.
    fn finish(&mut self) {
        self.done = true;
        let freed = self.store.clear();
        self.release(freed);
        let metas = self.segs.len() as u64 * SEG_META_COST;
        self.segs.clear();
        self.release(metas);
        self.delivered = self.delivered.max(self.store.head_end());
        self.scratch = Vec::new();
    }

    fn release(&mut self, n: u64) {
        let n = n.min(self.charged);
        self.charged -= n;
        self.memcap.release(n);
    }

    /// Capacities of the reused buffers, for allocation tests.
    #[cfg(test)]
    pub(super) fn capacities(&self) -> (usize, usize, usize) {
        (
            self.store.head_capacity(),
            self.segs.capacity(),
            self.scratch.capacity(),
        )
    }

    /// The memory accounting invariant, for tests.
    #[cfg(test)]
    pub(super) fn check_accounting(&self) {
        let expect = self.store.stored_bytes() + self.segs.len() as u64 * SEG_META_COST;
        assert_eq!(self.charged, expect, "memcap accounting drifted");
        assert!(self.delivered >= self.store.head_start());
        assert!(self.delivered <= self.store.head_end() || self.done);
    }
}

impl Drop for StreamDirection {
    fn drop(&mut self) {
        self.memcap.release(self.charged);
    }
}

fn idx(x: u64) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}
