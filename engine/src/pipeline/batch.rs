//! Rounds: the unit of work sent from the capture thread to the workers.
//!
//! The capture thread cuts the packet stream into rounds of a fixed number
//! of packets and sends every worker its share of each round — possibly
//! none — so the writer can merge the workers' outputs round by round in
//! packet order. Rounds are the same whatever the number of workers, which
//! is what makes the output independent of `--threads`. Packet bytes of a
//! round live in one buffer that is recycled, so the steady state allocates
//! nothing per packet.

use crate::capture::{LinkType, RawPacket, Timestamp};
use crate::decode::ChecksumVerdict;

/// Packets read before a round is closed and sent.
pub const ROUND_PACKETS: usize = 1024;

/// Header of one packet inside a [`RoundBuf`].
#[derive(Debug, Clone, Copy)]
pub struct PktHdr {
    /// Capture time.
    pub ts: Timestamp,
    /// Original length on the wire.
    pub origlen: u32,
    /// Link type.
    pub linktype: LinkType,
    /// 1-based packet number of the run.
    pub pcap_cnt: u64,
    /// Index of the capture file.
    pub file_index: usize,
    /// Where its bytes start in [`RoundBuf::data`].
    pub start: usize,
    /// Captured length (bytes in `data`).
    pub caplen: usize,
    /// Checksum verdict, decided in capture order.
    pub verdict: ChecksumVerdict,
}

/// One worker's share of one round.
#[derive(Debug, Default)]
pub struct RoundBuf {
    /// Round number, from 0.
    pub seq: u64,
    /// Time of the last packet read in this round (drives flow timeouts of
    /// every worker alike).
    pub now: Timestamp,
    /// Time of the first packet of the run (periodic stats count from it).
    pub first: Timestamp,
    /// Kernel capture counters when the round was sent (live capture).
    pub kernel: Option<crate::capture::KernelStats>,
    /// pcap_cnt of the last packet of the round.
    pub last_cnt: u64,
    /// True for the final round: the worker ends all flows after it.
    pub last: bool,
    /// Packet bytes, back to back.
    pub data: Vec<u8>,
    /// Packet headers, in capture order.
    pub pkts: Vec<PktHdr>,
}

impl RoundBuf {
    /// Empties the buffer for reuse, keeping its capacity.
    pub fn reset(&mut self) {
        self.data.clear();
        self.pkts.clear();
        self.last = false;
    }

    /// Appends a packet.
    pub fn push(&mut self, raw: &RawPacket<'_>, verdict: ChecksumVerdict) {
        let start = self.data.len();
        self.data.extend_from_slice(raw.data);
        self.pkts.push(PktHdr {
            ts: raw.ts,
            origlen: raw.origlen,
            linktype: raw.linktype,
            pcap_cnt: raw.pcap_cnt,
            file_index: raw.file_index,
            start,
            caplen: raw.data.len(),
            verdict,
        });
    }

    /// The packets as borrowed views.
    pub fn packets(&self) -> impl Iterator<Item = (RawPacket<'_>, ChecksumVerdict)> + '_ {
        self.pkts.iter().map(move |h| {
            let data = self.data.get(h.start..h.start + h.caplen).unwrap_or(&[]);
            (
                RawPacket {
                    ts: h.ts,
                    caplen: h.caplen as u32,
                    origlen: h.origlen,
                    data,
                    linktype: h.linktype,
                    pcap_cnt: h.pcap_cnt,
                    file_index: h.file_index,
                },
                h.verdict,
            )
        })
    }
}

/// Ordering key of an output event: events of a round are written sorted
/// by it, so the output does not depend on which worker produced what.
///
/// `(pcap_cnt, class, a, b)`: alerts are `(cnt, 0, 0, n-th alert of the
/// packet)`; flows ended while handling packet `cnt` are `(cnt, 1, 0,
/// flow_id)`; flows ended by a round's clock `(last_cnt, 2, 0, flow_id)`;
/// flows still open at the end `(MAX, 3, first_ts, flow_id)`.
pub type EventKey = (u64, u8, u64, u64);

/// One encoded output event.
#[derive(Debug)]
pub struct OutEvent {
    /// Merge key.
    pub key: EventKey,
    /// The EVE line (with newline).
    pub eve: Vec<u8>,
    /// The fast.log line, for alerts.
    pub fast: Option<Vec<u8>>,
    /// For alerts of rules with a threshold: what the writer checks.
    pub threshold: Option<super::worker::ThresholdKey>,
}
