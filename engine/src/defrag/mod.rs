//! IPv4 and IPv6 defragmentation.
//!
//! A [`Defragmenter`] collects the fragments of each datagram in a tracker
//! keyed by (source, destination, IP id or IPv6 fragment id, IPv4 protocol,
//! VLAN ids) and, when the fragment at offset 0, the last fragment (MF / M
//! clear) and every byte between have arrived, returns the datagram rebuilt
//! as a complete IP packet:
//!
//! - IPv4: the first fragment's header (options kept) with the total length
//!   set, flags and offset cleared (as Suricata clears `ip_off`), and the
//!   header checksum recomputed;
//! - IPv6: the fixed header and the unfragmentable extension headers of the
//!   first fragment, the Fragment header removed, the next-header field that
//!   named it pointing at what followed it, and the payload length set.
//!
//! [`reassembled_view`] decodes those bytes. As in Suricata, the rebuilt
//! packet is a pseudo packet that goes through detection *after* the
//! fragment that completed it, while every fragment is still inspected on
//! its own (IP-only and decoder-event rules see fragments; only the rebuilt
//! packet has a transport header past the first fragment). Detection marks
//! it with [`PacketView::is_fragment`] (see [`view_reassembled`]), which is
//! what `flow:frag` tests. The rebuilt packet can itself be a fragment (a
//! second Fragment header inside the first), so the pipeline should insert
//! it again, with a small recursion limit.
//!
//! # Overlaps
//!
//! Overlapping data is resolved by the configured [`DefragPolicy`]
//! (Suricata's `defrag` policies; the rule each applies is in its doc and in
//! `policy.rs`). Each fragment that overlaps held data raises
//! `ipv4.frag_overlap` / `ipv6.frag_overlap` and counts in
//! [`DefragStats::overlaps`], whichever copy wins.
//!
//! # Invalid fragments and limits
//!
//! A fragment is dropped, with the event on the fragment, when:
//! - it would end past 65535 bytes (`ipv4.frag_pkt_too_large`, checked as
//!   Suricata does with a 20-byte header; `ipv6.frag_pkt_too_large`);
//! - more fragments follow but its length is not a multiple of 8
//!   (`ipv6.frag_invalid_length`, and Sigil's `ipv4.frag_invalid_length`);
//! - it contradicts the datagram's known end (`ipv4.frag_beyond_end` /
//!   `ipv6.frag_beyond_end`, Sigil's own; Suricata ignores such data when
//!   rebuilding, with the same result);
//! - storing it would exceed the memcap or the per-tracker fragment limit
//!   (`ipv4.frag_ignored` / `ipv6.frag_ignored`, Suricata's event for a
//!   fragment it has no room for; counted in [`DefragStats::memcap_drops`]
//!   and [`DefragStats::max_frag_hits`]).
//!
//! Fragments without data, and fragments cut by the capture, are dropped
//! without an event. Trackers expire `timeout_secs` after their last
//! fragment, in packet time (so offline runs are reproducible); when
//! `max_trackers` are in use the least recently updated one is evicted.

mod events;
mod parse;
mod policy;
mod tracker;

use std::collections::{BTreeMap, HashMap};

use sigil_rules::packet::{FlowInfo, PacketView};

use crate::capture::{LinkType, RawPacket, Timestamp};
use crate::decode::{DecodeConfig, Decoded, VlanIds};
use parse::{FragmentIn, Parsed, TrackerKey};
use policy::FragSpan;
use tracker::{AssembleError, Tracker, MAX_IP_LEN};

pub use events::{DefragEvent, DefragEvents};
pub use policy::{DefragPolicy, UnknownPolicy};

/// Defragmentation settings (Suricata's `defrag:` section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefragConfig {
    /// Most bytes held in fragments and trackers (Suricata default 32 MiB).
    pub memcap: usize,
    /// Most datagrams tracked at once (Suricata's `trackers`, 65535).
    pub max_trackers: usize,
    /// Most fragments held for one datagram. A 64 KiB datagram in 1280-byte
    /// IPv6 fragments needs 52; the default leaves room for small MTUs.
    pub max_frags_per_tracker: usize,
    /// Seconds of packet time a datagram may wait for its next fragment.
    pub timeout_secs: u64,
    /// How overlapping data is resolved.
    pub policy: DefragPolicy,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            memcap: 32 * 1024 * 1024,
            max_trackers: 65_535,
            max_frags_per_tracker: 1024,
            timeout_secs: 60,
            policy: DefragPolicy::Bsd,
        }
    }
}

/// Defragmentation counters over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DefragStats {
    /// Fragments seen (IPv4 and IPv6).
    pub fragments: u64,
    /// Datagrams rebuilt.
    pub reassembled: u64,
    /// Trackers dropped because their datagram did not complete in time.
    pub timeouts: u64,
    /// Fragments dropped because the memcap was reached.
    pub memcap_drops: u64,
    /// Fragments that overlapped data already held.
    pub overlaps: u64,
    /// Fragments dropped as malformed (too large, bad length, contradicting
    /// the end, empty, cut by the capture) or datagrams that could not be rebuilt.
    pub invalid: u64,
    /// Trackers evicted to make room for a new datagram.
    pub trackers_evicted: u64,
    /// Fragments dropped because their datagram had `max_frags_per_tracker`.
    pub max_frag_hits: u64,
}

/// Why a fragment was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The capture cut the fragment, or its header is not in the frame given.
    Truncated,
    /// No data.
    Empty,
    /// More fragments follow but the length is not a multiple of 8.
    InvalidLength,
    /// The datagram would exceed 65535 bytes.
    TooLarge,
    /// Data past the datagram's known end, or a second, different end.
    BeyondEnd,
    /// Storing it would exceed the memcap.
    Memcap,
    /// The datagram already holds `max_frags_per_tracker` fragments.
    MaxFrags,
    /// No tracker can be kept (`max_trackers` is 0).
    NoTracker,
}

/// What became of an inserted packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefragStatus {
    /// Not a fragment: process it as is.
    NotFragment,
    /// Held (or already covered by held data); the datagram is not complete.
    Held,
    /// This fragment completed its datagram: the rebuilt IP packet, to be
    /// decoded with [`reassembled_view`] and processed after the fragment.
    Reassembled(Vec<u8>),
    /// Not used, for the reason given.
    Dropped(DropReason),
}

/// The outcome of [`Defragmenter::insert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefragResult {
    /// What happened to the fragment.
    pub status: DefragStatus,
    /// Events to raise on the fragment itself (for `decode-event` rules).
    pub events: DefragEvents,
}

impl DefragResult {
    fn new(status: DefragStatus, events: DefragEvents) -> Self {
        DefragResult { status, events }
    }

    /// The rebuilt packet, when this fragment completed one.
    pub fn reassembled(&self) -> Option<&[u8]> {
        match &self.status {
            DefragStatus::Reassembled(b) => Some(b),
            _ => None,
        }
    }
}

/// Reassembles IP fragments; one per worker (it is not shared).
#[derive(Debug)]
pub struct Defragmenter {
    config: DefragConfig,
    trackers: HashMap<TrackerKey, Tracker>,
    /// Trackers by (last update time, serial): the first is the oldest.
    lru: BTreeMap<(Timestamp, u64), TrackerKey>,
    memuse: usize,
    /// Latest packet time seen (packet time only moves forward here).
    now: Timestamp,
    /// Arrival counter: fragment order for the policies, LRU tie-breaker.
    seq: u64,
    stats: DefragStats,
}

impl Defragmenter {
    /// An empty defragmenter.
    pub fn new(config: DefragConfig) -> Self {
        Defragmenter {
            config,
            trackers: HashMap::new(),
            lru: BTreeMap::new(),
            memuse: 0,
            now: Timestamp::default(),
            seq: 0,
            stats: DefragStats::default(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &DefragConfig {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> &DefragStats {
        &self.stats
    }

    /// Bytes currently charged to the memcap.
    pub fn memuse(&self) -> usize {
        self.memuse
    }

    /// Datagrams currently waiting for fragments.
    pub fn trackers(&self) -> usize {
        self.trackers.len()
    }

    /// Offers a decoded packet. `frame` is the buffer `d` was decoded from
    /// (the captured bytes, or a rebuilt packet): an IPv6 first fragment's
    /// extension headers are read from it, because [`Decoded`] skips them.
    /// Expires trackers that timed out by `ts` first.
    pub fn insert(&mut self, ts: Timestamp, frame: &[u8], d: &Decoded<'_>) -> DefragResult {
        let mut events = DefragEvents::default();
        let frag = match parse::parse(frame, d) {
            Parsed::NotFragment => return DefragResult::new(DefragStatus::NotFragment, events),
            Parsed::Truncated => {
                self.stats.fragments += 1;
                return self.invalid(DropReason::Truncated, events);
            }
            Parsed::Fragment(f) => f,
        };
        self.stats.fragments += 1;
        self.expire(ts);
        let v6 = frag.v6;
        let len = frag.data.len();
        if frag.more && len % 8 != 0 {
            events.push(DefragEvent::pick(
                v6,
                DefragEvent::Ipv4FragInvalidLength,
                DefragEvent::Ipv6FragInvalidLength,
            ));
            return self.invalid(DropReason::InvalidLength, events);
        }
        // Suricata's limits: a 20-byte IPv4 header plus the data, or the
        // IPv6 fragmentable part, must fit in 65535 bytes.
        let end = usize::try_from(frag.start).unwrap_or(usize::MAX) + len;
        let header_room = if v6 { 0 } else { 20 };
        if end + header_room > MAX_IP_LEN {
            events.push(DefragEvent::pick(
                v6,
                DefragEvent::Ipv4FragPktTooLarge,
                DefragEvent::Ipv6FragPktTooLarge,
            ));
            return self.invalid(DropReason::TooLarge, events);
        }
        if len == 0 {
            return self.invalid(DropReason::Empty, events);
        }
        let end = u32::try_from(end).unwrap_or(u32::MAX);
        self.store(frag, end, events)
    }

    /// Puts a validated fragment in its tracker and rebuilds the datagram
    /// when it is complete.
    fn store(&mut self, frag: FragmentIn<'_>, end: u32, mut events: DefragEvents) -> DefragResult {
        let v6 = frag.v6;
        let key = frag.key;
        let ignored = DefragEvent::pick(
            v6,
            DefragEvent::Ipv4FragIgnored,
            DefragEvent::Ipv6FragIgnored,
        );
        if !self.trackers.contains_key(&key) && !self.open_tracker(key, v6) {
            events.push(ignored);
            return DefragResult::new(DefragStatus::Dropped(DropReason::NoTracker), events);
        }
        self.seq += 1;
        let seq = self.seq;
        let span = FragSpan {
            start: frag.start,
            end,
            seq,
        };
        let policy = self.config.policy;
        let Some(tracker) = self.trackers.get(&key) else {
            return DefragResult::new(DefragStatus::Dropped(DropReason::NoTracker), events);
        };
        let plan = tracker.plan(policy, span, frag.more);
        if plan.overlap {
            self.stats.overlaps += 1;
            events.push(DefragEvent::pick(
                v6,
                DefragEvent::Ipv4FragOverlap,
                DefragEvent::Ipv6FragOverlap,
            ));
        }
        let drop = if plan.beyond_end {
            events.push(DefragEvent::pick(
                v6,
                DefragEvent::Ipv4FragBeyondEnd,
                DefragEvent::Ipv6FragBeyondEnd,
            ));
            self.stats.invalid += 1;
            Some(DropReason::BeyondEnd)
        } else if plan.store && plan.frags_after > self.config.max_frags_per_tracker {
            events.push(ignored);
            self.stats.max_frag_hits += 1;
            Some(DropReason::MaxFrags)
        } else if plan.store
            && (self.memuse.saturating_sub(plan.freed) + tracker::charge(&frag))
                > self.config.memcap
        {
            events.push(ignored);
            self.stats.memcap_drops += 1;
            Some(DropReason::Memcap)
        } else {
            None
        };
        if let Some(reason) = drop {
            if tracker.len() == 0 {
                self.remove_tracker(&key);
            }
            return DefragResult::new(DefragStatus::Dropped(reason), events);
        }
        let Some(tracker) = self.trackers.get_mut(&key) else {
            return DefragResult::new(DefragStatus::Dropped(DropReason::NoTracker), events);
        };
        let before = tracker.mem;
        tracker.commit(plan, frag, seq);
        self.memuse = (self.memuse + tracker.mem).saturating_sub(before);
        if !tracker.is_complete() {
            self.touch(&key);
            return DefragResult::new(DefragStatus::Held, events);
        }
        let rebuilt = tracker.assemble(policy);
        self.remove_tracker(&key);
        match rebuilt {
            Ok(bytes) => {
                self.stats.reassembled += 1;
                DefragResult::new(DefragStatus::Reassembled(bytes), events)
            }
            Err(AssembleError::TooLarge) => {
                events.push(DefragEvent::pick(
                    v6,
                    DefragEvent::Ipv4FragPktTooLarge,
                    DefragEvent::Ipv6FragPktTooLarge,
                ));
                self.invalid(DropReason::TooLarge, events)
            }
            Err(AssembleError::BadHeader) => self.invalid(DropReason::Truncated, events),
        }
    }

    fn invalid(&mut self, reason: DropReason, events: DefragEvents) -> DefragResult {
        self.stats.invalid += 1;
        DefragResult::new(DefragStatus::Dropped(reason), events)
    }

    /// Starts a tracker, evicting the least recently updated ones when
    /// `max_trackers` are in use. False when no tracker may be kept.
    fn open_tracker(&mut self, key: TrackerKey, v6: bool) -> bool {
        if self.config.max_trackers == 0 {
            return false;
        }
        while self.trackers.len() >= self.config.max_trackers {
            let Some((_, oldest)) = self.lru.pop_first() else {
                break;
            };
            if let Some(t) = self.trackers.remove(&oldest) {
                self.memuse = self.memuse.saturating_sub(t.mem);
                self.stats.trackers_evicted += 1;
            }
        }
        self.seq += 1;
        let stamp = (self.now, self.seq);
        let t = Tracker::new(v6, stamp);
        self.memuse += t.mem;
        self.trackers.insert(key, t);
        self.lru.insert(stamp, key);
        true
    }

    /// Marks a tracker as updated now.
    fn touch(&mut self, key: &TrackerKey) {
        self.seq += 1;
        let stamp = (self.now, self.seq);
        if let Some(t) = self.trackers.get_mut(key) {
            self.lru.remove(&t.last_seen);
            t.last_seen = stamp;
            self.lru.insert(stamp, *key);
        }
    }

    fn remove_tracker(&mut self, key: &TrackerKey) {
        if let Some(t) = self.trackers.remove(key) {
            self.lru.remove(&t.last_seen);
            self.memuse = self.memuse.saturating_sub(t.mem);
        }
    }

    /// Drops the trackers whose last fragment is `timeout_secs` or more
    /// older than `now` (packet time; a `now` earlier than a time already
    /// seen changes nothing). Returns how many timed out.
    pub fn expire(&mut self, now: Timestamp) -> usize {
        self.now = self.now.max(now);
        let mut n = 0;
        while let Some((&(seen, serial), _)) = self.lru.first_key_value() {
            if seen.plus_secs(self.config.timeout_secs) > self.now {
                break;
            }
            if let Some(key) = self.lru.remove(&(seen, serial)) {
                if let Some(t) = self.trackers.remove(&key) {
                    self.memuse = self.memuse.saturating_sub(t.mem);
                }
            }
            n += 1;
        }
        self.stats.timeouts += n as u64;
        n
    }
}

/// Decodes a rebuilt packet (raw IP bytes from [`DefragStatus::Reassembled`]),
/// giving it the VLAN tags of the fragments so it keys the same flow.
/// Recognises the default UDP tunnel ports; [`reassembled_view_with`]
/// takes the run's.
pub fn reassembled_view(bytes: &[u8], vlan: VlanIds) -> Decoded<'_> {
    reassembled_view_with(bytes, vlan, &DecodeConfig::default())
}

/// [`reassembled_view`] with the run's decoder settings (which UDP ports
/// carry VXLAN, Geneve or Teredo), so a tunnel datagram that arrived in
/// fragments is recognised as one that arrived whole would be.
pub fn reassembled_view_with<'a>(
    bytes: &'a [u8],
    vlan: VlanIds,
    cfg: &DecodeConfig,
) -> Decoded<'a> {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    let raw = RawPacket {
        ts: Timestamp::default(),
        caplen: len,
        origlen: len,
        data: bytes,
        linktype: LinkType::Raw,
        pcap_cnt: 0,
        file_index: 0,
    };
    let mut d = crate::decode::decode_with(&raw, cfg);
    d.vlan = vlan;
    d
}

/// The detection view of a rebuilt packet: [`Decoded::view_checked`] with
/// `is_fragment` set, which is what `flow:frag` / `flow:no_frag` test.
pub fn view_reassembled<'a>(
    d: &Decoded<'a>,
    flow: FlowInfo,
    verify_checksums: bool,
) -> Option<PacketView<'a>> {
    d.view_checked(flow, verify_checksums).map(|v| PacketView {
        is_fragment: true,
        ..v
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod overlap_tests;

#[cfg(test)]
mod pcap_tests;
