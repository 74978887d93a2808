//! What the evidence recorder is told and what it reports: its limits,
//! one manifest entry per file written, and its counters. Kept apart from
//! the recorder's machinery because the manifest, the case log and the
//! CLI read these types without caring how the files were written.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::EvidenceError;

/// Limits of the evidence recorder.
///
/// Cloning the configuration shares [`total_used`](Self::total_used): give
/// every worker a clone of one configuration and the total cap is global.
#[derive(Debug, Clone)]
pub struct EvidenceConfig {
    /// Packets kept per flow before it alerts.
    pub per_flow_buffer_packets: usize,
    /// Captured bytes kept per flow before it alerts.
    pub per_flow_buffer_bytes: usize,
    /// Captured bytes kept over all not-yet-alerted flows of one recorder;
    /// beyond it the flow's own oldest packets go, then the packet itself.
    pub max_buffered_bytes: usize,
    /// Bytes of evidence files per flow (all parts, headers included).
    pub max_file_bytes: u64,
    /// Bytes of evidence files over all recorders sharing `total_used`.
    pub max_total_bytes: u64,
    /// Descriptors a recorder keeps open at once.
    pub max_open_files: usize,
    /// Bytes written (or reserved) so far by all recorders sharing it.
    pub total_used: Arc<AtomicU64>,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            per_flow_buffer_packets: 64,
            per_flow_buffer_bytes: 256 * 1024,
            max_buffered_bytes: 128 * 1024 * 1024,
            max_file_bytes: 64 * 1024 * 1024,
            max_total_bytes: 1024 * 1024 * 1024,
            max_open_files: 128,
            total_used: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// What a cap or an error cut from an evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncation {
    /// Packets of the flow not in the file.
    pub packets: u64,
    /// Their captured bytes.
    pub bytes: u64,
    /// `max_file_bytes`, `max_total_bytes` or `write error: …` (several
    /// joined by `; ` when more than one applied).
    pub reason: String,
}

/// One evidence file, as listed in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    /// File name inside the evidence folder.
    pub file: String,
    /// The flow's id (as in EVE `flow_id`).
    pub flow_id: u64,
    /// 1 for the flow's first file; later parts follow a link-type change.
    pub part: u32,
    /// IP protocol name (EVE spelling).
    pub proto: String,
    /// Client address.
    pub src_ip: String,
    /// Client port (ICMP: identifier or type).
    pub src_port: u16,
    /// Server address.
    pub dest_ip: String,
    /// Server port (ICMP: identifier or code).
    pub dest_port: u16,
    /// Outer VLAN id, `null` when untagged.
    pub vlan: Option<u16>,
    /// LINKTYPE of the file's packets.
    pub linktype: u32,
    /// Time of the first packet in the file (UTC ISO-8601).
    pub first_ts: Option<String>,
    /// Time of the last packet in the file.
    pub last_ts: Option<String>,
    /// Time of the flow's first alert.
    pub first_alert_ts: Option<String>,
    /// Packets in the file (wholly written).
    pub packets: u64,
    /// File size in bytes (what the hashes cover).
    pub bytes: u64,
    /// Signature ids that alerted on the flow by the time the file closed.
    pub sids: Vec<u32>,
    /// sha256 of the file.
    pub sha256: String,
    /// md5 of the file.
    pub md5: String,
    /// What was left out, if anything.
    pub truncated: Option<Truncation>,
}

/// Counters of a recorder (sum them with [`EvidenceStats::merge`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EvidenceStats {
    /// Flows that alerted and got an evidence file.
    pub flows_alerted: u64,
    /// Evidence files created (parts included).
    pub files: u64,
    /// Packets written to evidence files.
    pub packets_written: u64,
    /// Bytes written (record headers included, file headers too).
    pub bytes_written: u64,
    /// Flows cut by the per-flow cap.
    pub file_cap_hits: u64,
    /// Flows cut by the global cap.
    pub total_cap_hits: u64,
    /// Packets of alerted flows left out (caps, write errors).
    pub dropped_packets: u64,
    /// Their captured bytes.
    pub dropped_bytes: u64,
    /// Write, flush or create errors.
    pub write_errors: u64,
    /// Packets pushed out of a flow's buffer before it alerted.
    pub ring_evicted_packets: u64,
    /// Packets not buffered because all buffers were full.
    pub buffer_memcap_drops: u64,
}

impl EvidenceStats {
    /// Adds `o` to `self`.
    pub fn merge(&mut self, o: &EvidenceStats) {
        self.flows_alerted += o.flows_alerted;
        self.files += o.files;
        self.packets_written += o.packets_written;
        self.bytes_written += o.bytes_written;
        self.file_cap_hits += o.file_cap_hits;
        self.total_cap_hits += o.total_cap_hits;
        self.dropped_packets += o.dropped_packets;
        self.dropped_bytes += o.dropped_bytes;
        self.write_errors += o.write_errors;
        self.ring_evicted_packets += o.ring_evicted_packets;
        self.buffer_memcap_drops += o.buffer_memcap_drops;
    }
}

/// What [`EvidenceRecorder::finish`](super::recorder::EvidenceRecorder::finish) hands back.
#[derive(Debug, Default)]
pub struct EvidenceReport {
    /// Every file written, sorted by name.
    pub entries: Vec<EvidenceEntry>,
    /// Counters.
    pub stats: EvidenceStats,
    /// Errors met while closing the last files (their entries are present
    /// and describe what reached the disk).
    pub errors: Vec<EvidenceError>,
}
