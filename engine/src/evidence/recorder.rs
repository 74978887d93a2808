//! The per-worker evidence recorder: buffers each flow's recent packets
//! and, once the flow alerts, writes them and every later packet of the
//! flow to `flow-<flow_id>.pcap`.
//!
//! One recorder per worker: flows never span workers, so a recorder owns
//! its flows outright and needs no locks. The only shared state is the
//! global byte budget ([`EvidenceConfig::total_used`]), an atomic counter.
//!
//! Calling protocol for a worker, per packet of a flow:
//! 1. [`EvidenceRecorder::packet`] (before detection, so the packet that
//!    triggers an alert is among the buffered ones),
//! 2. [`EvidenceRecorder::alert`] for each alert the packet raised,
//! 3. [`EvidenceRecorder::flow_end`] when the flow leaves the flow table —
//!    for *every* flow, alerted or not, as that frees its buffer,
//! 4. [`EvidenceRecorder::finish`] at the end of the run.
//!
//! Limits: a per-flow ring (packets and bytes), a per-recorder memory cap
//! over all rings, a per-flow file cap, a global total cap and a bound on
//! open descriptors (least recently written files are parked: flushed,
//! closed and reopened in append mode when needed). Whenever a cap cuts a
//! flow's evidence, the flow's file stops there (it stays a clean prefix of
//! the flow) and the entry says how many packets and bytes were left out.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::fragments::{FragKey, FragmentHold};
use super::hashio::{FlushError, HashingFile};
use super::pcapwriter::{file_header, record_header, record_len, FILE_HEADER_LEN};
pub use super::report::{EvidenceConfig, EvidenceEntry, EvidenceReport, EvidenceStats, Truncation};
use super::ring::{Buffered, Ring};
use super::{EvidenceError, FlowIdentity};
use crate::capture::{LinkType, RawPacket, Timestamp};
use crate::output::time::iso_utc;

/// Bytes of IP fragments one recorder holds for datagrams not yet
/// complete (see [`super::fragments`]).
const FRAGMENT_HOLD_BYTES: usize = 4 * 1024 * 1024;

/// A packet to write, borrowed from the capture or from a ring.
#[derive(Clone, Copy)]
struct Pkt<'a> {
    ts: Timestamp,
    origlen: u32,
    linktype: LinkType,
    data: &'a [u8],
}

impl<'a> From<&'a RawPacket<'a>> for Pkt<'a> {
    fn from(r: &'a RawPacket<'a>) -> Self {
        Pkt {
            ts: r.ts,
            origlen: r.origlen,
            linktype: r.linktype,
            data: r.data,
        }
    }
}

impl<'a> From<&'a Buffered> for Pkt<'a> {
    fn from(b: &'a Buffered) -> Self {
        Pkt {
            ts: b.ts,
            origlen: b.origlen,
            linktype: b.linktype,
            data: &b.data,
        }
    }
}

/// An open evidence file of a flow.
#[derive(Debug)]
struct Part {
    file: HashingFile,
    name: String,
    number: u32,
    linktype: LinkType,
    first_ts: Option<Timestamp>,
    last_ts: Option<Timestamp>,
    truncated: Option<Truncation>,
    /// Key in the recorder's LRU while a descriptor is held.
    lru: Option<u64>,
}

#[derive(Debug)]
enum Mode {
    /// Not alerted: packets go to the ring.
    Buffering,
    /// Alerted: packets go to the file.
    Recording(Box<Part>),
    /// Alerted, but the file could not be created.
    Failed,
}

#[derive(Debug)]
struct FlowEvidence {
    flow: FlowIdentity,
    ring: Ring,
    /// Link type of the latest packet (for a file opened with an empty ring).
    linktype: Option<LinkType>,
    sids: BTreeSet<u32>,
    first_alert: Option<Timestamp>,
    mode: Mode,
    /// Bytes of all parts so far, against `max_file_bytes`.
    bytes: u64,
    /// Set once a cap or an error stopped the evidence of this flow.
    cut: bool,
    next_part: u32,
}

impl FlowEvidence {
    fn new(flow: FlowIdentity) -> Self {
        FlowEvidence {
            flow,
            ring: Ring::default(),
            linktype: None,
            sids: BTreeSet::new(),
            first_alert: None,
            mode: Mode::Buffering,
            bytes: 0,
            cut: false,
            next_part: 1,
        }
    }
}

/// Evidence writer of one worker. See the module documentation.
#[derive(Debug)]
pub struct EvidenceRecorder {
    dir: PathBuf,
    cfg: EvidenceConfig,
    flows: HashMap<u64, FlowEvidence>,
    /// tick → flow id of parts holding a descriptor, oldest first.
    lru: BTreeMap<u64, u64>,
    tick: u64,
    ring_bytes: usize,
    /// Fragments waiting for their datagram's flow.
    fragments: FragmentHold,
    done: Vec<EvidenceEntry>,
    stats: EvidenceStats,
}

/// `flow-<id>.pcap`, then `flow-<id>-<n>.pcap` for later parts.
fn part_name(flow_id: u64, n: u32) -> String {
    if n <= 1 {
        format!("flow-{flow_id}.pcap")
    } else {
        format!("flow-{flow_id}-{n}.pcap")
    }
}

/// Adds a cut to a truncation record, keeping every distinct reason.
fn add_cut(t: &mut Option<Truncation>, reason: &str, packets: u64, bytes: u64) {
    match t {
        None => {
            *t = Some(Truncation {
                packets,
                bytes,
                reason: reason.to_string(),
            })
        }
        Some(t) => {
            t.packets += packets;
            t.bytes += bytes;
            if !t.reason.split("; ").any(|r| r == reason) {
                t.reason.push_str("; ");
                t.reason.push_str(reason);
            }
        }
    }
}

impl EvidenceRecorder {
    /// A recorder writing into `dir` (created if missing).
    pub fn new(dir: &Path, cfg: EvidenceConfig) -> Result<EvidenceRecorder, EvidenceError> {
        std::fs::create_dir_all(dir).map_err(|e| EvidenceError::io(dir, e))?;
        Ok(EvidenceRecorder {
            dir: dir.to_path_buf(),
            cfg,
            flows: HashMap::new(),
            lru: BTreeMap::new(),
            tick: 0,
            ring_bytes: 0,
            fragments: FragmentHold::new(
                FRAGMENT_HOLD_BYTES,
                crate::defrag::DefragConfig::default().timeout_secs,
            ),
            done: Vec::new(),
            stats: EvidenceStats::default(),
        })
    }

    /// The evidence folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Counters so far.
    pub fn stats(&self) -> &EvidenceStats {
        &self.stats
    }

    /// Takes one packet of flow `flow_id` (`flow` oriented client → server):
    /// buffered while the flow has not alerted, written once it has.
    ///
    /// An error names the file that failed; that flow's file stops there
    /// (its entry stays valid) and the recorder carries on with the others.
    pub fn packet(
        &mut self,
        flow_id: u64,
        flow: &FlowIdentity,
        raw: &RawPacket<'_>,
    ) -> Result<(), EvidenceError> {
        let fe = self
            .flows
            .entry(flow_id)
            .or_insert_with(|| FlowEvidence::new(*flow));
        fe.linktype = Some(raw.linktype);
        match fe.mode {
            Mode::Buffering => {
                buffer(
                    &self.cfg,
                    &mut self.stats,
                    &mut self.ring_bytes,
                    &mut fe.ring,
                    raw,
                );
                return Ok(());
            }
            Mode::Failed => {
                self.stats.dropped_packets += 1;
                self.stats.dropped_bytes += raw.data.len() as u64;
                return Ok(());
            }
            Mode::Recording(_) => {}
        }
        let Some(mut fe) = self.flows.remove(&flow_id) else {
            return Ok(());
        };
        let r = self.write_packet(flow_id, &mut fe, Pkt::from(raw));
        self.flows.insert(flow_id, fe);
        r
    }

    /// Keeps a copy of `raw`, a fragment of datagram `key`, for the flow
    /// the datagram will belong to ([`EvidenceRecorder::datagram`]).
    pub fn fragment(&mut self, key: FragKey, raw: &RawPacket<'_>) {
        let d = self.fragments.hold(key, raw);
        self.stats.dropped_packets += d.packets;
        self.stats.dropped_bytes += d.bytes;
    }

    /// Datagram `key` was reassembled and belongs to flow `flow_id`: its
    /// fragments, as captured, become the flow's packets. A write error
    /// is returned after every fragment was tried.
    pub fn datagram(
        &mut self,
        key: &FragKey,
        flow_id: u64,
        flow: &FlowIdentity,
    ) -> Result<(), EvidenceError> {
        let mut first_err = None;
        for b in self.fragments.take(key) {
            let raw = RawPacket {
                ts: b.ts,
                caplen: u32::try_from(b.data.len()).unwrap_or(u32::MAX),
                origlen: b.origlen,
                data: &b.data,
                linktype: b.linktype,
                pcap_cnt: 0,
                file_index: 0,
            };
            if let Err(e) = self.packet(flow_id, flow, &raw) {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Records an alert of `sid` at `ts` on the flow. The first alert opens
    /// the flow's evidence file and writes the buffered packets into it.
    ///
    /// Returns the name of the file now receiving the flow's packets
    /// (inside the evidence folder), or `None` when it could not be created
    /// (the error is returned the first time).
    pub fn alert(
        &mut self,
        flow_id: u64,
        flow: &FlowIdentity,
        sid: u32,
        ts: Timestamp,
    ) -> Result<Option<String>, EvidenceError> {
        let mut fe = self
            .flows
            .remove(&flow_id)
            .unwrap_or_else(|| FlowEvidence::new(*flow));
        fe.sids.insert(sid);
        if fe.first_alert.is_none_or(|t| ts < t) {
            fe.first_alert = Some(ts);
        }
        let r = match &fe.mode {
            Mode::Recording(part) => Ok(Some(part.name.clone())),
            Mode::Failed => Ok(None),
            Mode::Buffering => self.start_recording(flow_id, &mut fe),
        };
        self.flows.insert(flow_id, fe);
        r
    }

    /// The flow left the flow table: closes its file (adding its entry)
    /// and frees its buffer.
    pub fn flow_end(&mut self, flow_id: u64) -> Result<(), EvidenceError> {
        let Some(fe) = self.flows.remove(&flow_id) else {
            return Ok(());
        };
        self.ring_bytes = self.ring_bytes.saturating_sub(fe.ring.bytes());
        self.close_flow(flow_id, fe)
    }

    /// Closes every file still open and returns all entries, sorted by name.
    pub fn finish(mut self) -> EvidenceReport {
        let mut ids: Vec<u64> = self.flows.keys().copied().collect();
        ids.sort_unstable();
        let mut errors = Vec::new();
        for id in ids {
            if let Some(fe) = self.flows.remove(&id) {
                if let Err(e) = self.close_flow(id, fe) {
                    errors.push(e);
                }
            }
        }
        let mut entries = std::mem::take(&mut self.done);
        entries.sort_by(|a, b| a.file.cmp(&b.file));
        EvidenceReport {
            entries,
            stats: self.stats,
            errors,
        }
    }

    fn close_flow(&mut self, flow_id: u64, mut fe: FlowEvidence) -> Result<(), EvidenceError> {
        match std::mem::replace(&mut fe.mode, Mode::Failed) {
            Mode::Recording(part) => {
                let (entry, err) = self.close_part(flow_id, &fe, part);
                self.done.push(entry);
                err.map_or(Ok(()), Err)
            }
            Mode::Buffering | Mode::Failed => Ok(()),
        }
    }

    fn start_recording(
        &mut self,
        flow_id: u64,
        fe: &mut FlowEvidence,
    ) -> Result<Option<String>, EvidenceError> {
        let linktype = fe
            .ring
            .front()
            .map(|p| p.linktype)
            .or(fe.linktype)
            .unwrap_or(LinkType::Ethernet);
        self.ring_bytes = self.ring_bytes.saturating_sub(fe.ring.bytes());
        let buffered: Vec<Buffered> = fe.ring.drain().collect();
        let part = match self.open_part(flow_id, fe, linktype) {
            Ok(p) => p,
            Err(e) => {
                fe.mode = Mode::Failed;
                self.stats.dropped_packets += buffered.len() as u64;
                self.stats.dropped_bytes +=
                    buffered.iter().map(|p| p.data.len() as u64).sum::<u64>();
                return Err(e);
            }
        };
        fe.mode = Mode::Recording(Box::new(part));
        self.stats.flows_alerted += 1;
        let mut first_err = None;
        for p in &buffered {
            if let Err(e) = self.write_packet(flow_id, fe, Pkt::from(p)) {
                first_err.get_or_insert(e);
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        Ok(match &fe.mode {
            Mode::Recording(part) => Some(part.name.clone()),
            _ => None,
        })
    }

    /// Creates the flow's next part file (never overwriting: an existing
    /// name moves on to the next part number) and writes its header.
    fn open_part(
        &mut self,
        flow_id: u64,
        fe: &mut FlowEvidence,
        linktype: LinkType,
    ) -> Result<Part, EvidenceError> {
        self.make_room()?;
        let mut n = fe.next_part;
        let (file, name) = loop {
            let name = part_name(flow_id, n);
            let path = self.dir.join(&name);
            match HashingFile::create_new(&path) {
                Ok(f) => break (f, name),
                Err(e)
                    if e.kind() == std::io::ErrorKind::AlreadyExists && n < fe.next_part + 1000 =>
                {
                    n += 1;
                }
                Err(e) => {
                    self.stats.write_errors += 1;
                    return Err(EvidenceError::io(&path, e));
                }
            }
        };
        fe.next_part = n + 1;
        let mut part = Part {
            file,
            name,
            number: n,
            linktype,
            first_ts: None,
            last_ts: None,
            truncated: None,
            lru: None,
        };
        // The header is not refused by the caps: every alerted flow gets a
        // readable file saying what was cut.
        let header = file_header(linktype.linktype_value());
        let _ = part.file.append(&[&header], false);
        self.cfg
            .total_used
            .fetch_add(FILE_HEADER_LEN, Ordering::Relaxed);
        fe.bytes += FILE_HEADER_LEN;
        self.stats.files += 1;
        self.stats.bytes_written += FILE_HEADER_LEN;
        self.touch(flow_id, &mut part);
        Ok(part)
    }

    /// Writes one packet to the flow's current part, applying the caps.
    fn write_packet(
        &mut self,
        flow_id: u64,
        fe: &mut FlowEvidence,
        pkt: Pkt<'_>,
    ) -> Result<(), EvidenceError> {
        let data_len = pkt.data.len() as u64;
        if fe.cut {
            if let Mode::Recording(part) = &mut fe.mode {
                if let Some(t) = part.truncated.as_mut() {
                    t.packets += 1;
                    t.bytes += data_len;
                }
            }
            self.stats.dropped_packets += 1;
            self.stats.dropped_bytes += data_len;
            return Ok(());
        }
        let needs_rotation = matches!(&fe.mode, Mode::Recording(p) if p.linktype != pkt.linktype);
        if needs_rotation {
            if let Mode::Recording(old) = std::mem::replace(&mut fe.mode, Mode::Failed) {
                let (entry, err) = self.close_part(flow_id, fe, old);
                self.done.push(entry);
                if let Some(e) = err {
                    return Err(e);
                }
            }
            let part = self.open_part(flow_id, fe, pkt.linktype)?;
            fe.mode = Mode::Recording(Box::new(part));
        }
        let len = record_len(pkt.data.len());
        let cap = if fe.bytes + len > self.cfg.max_file_bytes {
            self.stats.file_cap_hits += 1;
            Some("max_file_bytes")
        } else if !self.reserve(len) {
            self.stats.total_cap_hits += 1;
            Some("max_total_bytes")
        } else {
            None
        };
        let Mode::Recording(part) = &mut fe.mode else {
            return Ok(());
        };
        if let Some(reason) = cap {
            fe.cut = true;
            add_cut(&mut part.truncated, reason, 1, data_len);
            self.stats.dropped_packets += 1;
            self.stats.dropped_bytes += data_len;
            // Nothing more will be written: give the descriptor back.
            if let Some(t) = part.lru.take() {
                self.lru.remove(&t);
            }
            return match part.file.park() {
                Ok(()) => Ok(()),
                Err(e) => Err(self.failed(part, e)),
            };
        }
        if part.lru.is_none() {
            if let Err(e) = self.make_room() {
                // Another flow's file failed; this one is still fine.
                self.write_one(flow_id, fe, pkt)?;
                return Err(e);
            }
        }
        self.write_one(flow_id, fe, pkt)
    }

    fn write_one(
        &mut self,
        flow_id: u64,
        fe: &mut FlowEvidence,
        pkt: Pkt<'_>,
    ) -> Result<(), EvidenceError> {
        let Mode::Recording(part) = &mut fe.mode else {
            return Ok(());
        };
        self.touch(flow_id, part);
        let caplen = u32::try_from(pkt.data.len()).unwrap_or(u32::MAX);
        let hdr = record_header(pkt.ts, caplen, pkt.origlen);
        let len = record_len(pkt.data.len());
        fe.bytes += len;
        if part.first_ts.is_none_or(|t| pkt.ts < t) {
            part.first_ts = Some(pkt.ts);
        }
        if part.last_ts.is_none_or(|t| pkt.ts > t) {
            part.last_ts = Some(pkt.ts);
        }
        match part.file.append(&[&hdr, pkt.data], true) {
            Ok(()) => {
                self.stats.packets_written += 1;
                self.stats.bytes_written += len;
                Ok(())
            }
            Err(e) => {
                fe.cut = true;
                Err(self.failed(part, e))
            }
        }
    }

    /// Records a failed flush on `part` and turns it into an error.
    fn failed(&mut self, part: &mut Part, e: FlushError) -> EvidenceError {
        self.stats.write_errors += 1;
        self.stats.dropped_packets += e.lost_records;
        self.stats.dropped_bytes += e.lost_bytes;
        let reason = format!("write error: {}", e.source);
        add_cut(&mut part.truncated, &reason, e.lost_records, e.lost_bytes);
        if let Some(t) = part.lru.take() {
            self.lru.remove(&t);
        }
        EvidenceError::io(part.file.path(), e.source)
    }

    /// Marks `part` as the most recently written file.
    fn touch(&mut self, flow_id: u64, part: &mut Part) {
        if let Some(t) = part.lru.take() {
            self.lru.remove(&t);
        }
        self.tick += 1;
        self.lru.insert(self.tick, flow_id);
        part.lru = Some(self.tick);
    }

    /// Parks least recently written files until a descriptor is free.
    fn make_room(&mut self) -> Result<(), EvidenceError> {
        let mut first_err = None;
        while self.lru.len() >= self.cfg.max_open_files.max(1) {
            let Some((_, victim)) = self.lru.pop_first() else {
                break;
            };
            let Some(mut fe) = self.flows.remove(&victim) else {
                continue;
            };
            if let Mode::Recording(part) = &mut fe.mode {
                part.lru = None;
                if let Err(e) = part.file.park() {
                    fe.cut = true;
                    let err = self.failed(part, e);
                    first_err.get_or_insert(err);
                }
            }
            self.flows.insert(victim, fe);
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Takes `len` bytes from the global budget, if they fit.
    fn reserve(&self, len: u64) -> bool {
        let max = self.cfg.max_total_bytes;
        self.cfg
            .total_used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(len).filter(|&n| n <= max)
            })
            .is_ok()
    }

    /// Flushes and closes a part and builds its entry.
    fn close_part(
        &mut self,
        flow_id: u64,
        fe: &FlowEvidence,
        mut part: Box<Part>,
    ) -> (EvidenceEntry, Option<EvidenceError>) {
        if let Some(t) = part.lru.take() {
            self.lru.remove(&t);
        }
        let err = match part.file.park() {
            Ok(()) => None,
            Err(e) => Some(self.failed(&mut part, e)),
        };
        let (sha256, md5) = part.file.digests();
        let f = &fe.flow;
        let entry = EvidenceEntry {
            file: part.name.clone(),
            flow_id,
            part: part.number,
            proto: crate::output::proto_name(f.proto).into_owned(),
            src_ip: f.src.to_string(),
            src_port: f.sport,
            dest_ip: f.dst.to_string(),
            dest_port: f.dport,
            vlan: (f.vlan != 0).then_some(f.vlan),
            linktype: part.linktype.linktype_value(),
            first_ts: part.first_ts.map(iso_utc),
            last_ts: part.last_ts.map(iso_utc),
            first_alert_ts: fe.first_alert.map(iso_utc),
            packets: part.file.records_written(),
            bytes: part.file.written(),
            sids: fe.sids.iter().copied().collect(),
            sha256,
            md5,
            truncated: part.truncated.take(),
        };
        (entry, err)
    }
}

/// Puts a packet of a not-yet-alerted flow in its ring, within the
/// recorder's memory cap (evicting the flow's own oldest packets first).
fn buffer(
    cfg: &EvidenceConfig,
    stats: &mut EvidenceStats,
    ring_bytes: &mut usize,
    ring: &mut Ring,
    raw: &RawPacket<'_>,
) {
    let len = raw.data.len();
    if cfg.per_flow_buffer_packets == 0 || len > cfg.per_flow_buffer_bytes {
        stats.ring_evicted_packets += 1;
        return;
    }
    while *ring_bytes + len > cfg.max_buffered_bytes {
        match ring.pop_front() {
            Some(old) => {
                *ring_bytes = ring_bytes.saturating_sub(old.data.len());
                stats.ring_evicted_packets += 1;
            }
            None => {
                stats.buffer_memcap_drops += 1;
                return;
            }
        }
    }
    let pushed = ring.push_raw(raw, cfg.per_flow_buffer_packets, cfg.per_flow_buffer_bytes);
    stats.ring_evicted_packets += pushed.evicted_packets;
    *ring_bytes = ring_bytes.saturating_sub(pushed.evicted_bytes as usize);
    if pushed.stored {
        *ring_bytes += len;
    }
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
