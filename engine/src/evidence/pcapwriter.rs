//! Classic pcap framing for evidence files.
//!
//! Evidence is written as classic pcap (not pcapng) with the nanosecond
//! magic `0xa1b23c4d`: every tool reads it, it keeps the capture's full
//! timestamp precision, and a file has exactly one link type, which is why
//! the recorder starts a new file part when a flow's link type changes.
//! Fields are little-endian, as the magic number tells readers.

use crate::capture::Timestamp;

/// Magic number of a pcap file with nanosecond timestamps.
pub const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Snap length declared in the header: the usual maximum, larger than any
/// packet the capture reader accepts.
pub const SNAPLEN: u32 = 262_144;
/// Length of the file header.
pub const FILE_HEADER_LEN: u64 = 24;
/// Length of a record header.
pub const RECORD_HEADER_LEN: u64 = 16;

/// The 24-byte file header for `linktype` (a LINKTYPE_ value).
pub fn file_header(linktype: u32) -> [u8; 24] {
    let mut h = [0u8; 24];
    let fields: [&[u8]; 7] = [
        &MAGIC_NANOS.to_le_bytes(),
        &2u16.to_le_bytes(), // version major
        &4u16.to_le_bytes(), // version minor
        &0i32.to_le_bytes(), // thiszone: timestamps are UTC
        &0u32.to_le_bytes(), // sigfigs
        &SNAPLEN.to_le_bytes(),
        &linktype.to_le_bytes(),
    ];
    let mut off = 0;
    for f in fields {
        if let Some(dst) = h.get_mut(off..off + f.len()) {
            dst.copy_from_slice(f);
        }
        off += f.len();
    }
    h
}

/// The 16-byte header of a record holding `caplen` captured bytes of a
/// packet `origlen` bytes long on the wire.
///
/// pcap stores seconds as an unsigned 32-bit number: times before 1970 are
/// written as the epoch and times after 2106 as the largest value, rather
/// than wrapping to a misleading date.
pub fn record_header(ts: Timestamp, caplen: u32, origlen: u32) -> [u8; 16] {
    let (secs, nanos) = if ts.secs < 0 {
        (0, 0)
    } else {
        match u32::try_from(ts.secs) {
            Ok(s) => (s, ts.nanos.min(999_999_999)),
            Err(_) => (u32::MAX, 999_999_999),
        }
    };
    let mut h = [0u8; 16];
    let fields = [secs, nanos, caplen, origlen.max(caplen)];
    for (dst, v) in h.chunks_exact_mut(4).zip(fields) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
    h
}

/// Bytes a record of `data_len` captured bytes takes in the file.
pub fn record_len(data_len: usize) -> u64 {
    RECORD_HEADER_LEN + data_len as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let h = file_header(113);
        assert_eq!(&h[..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
        assert_eq!(&h[4..8], &[2, 0, 4, 0]);
        assert_eq!(&h[16..20], &SNAPLEN.to_le_bytes());
        assert_eq!(&h[20..24], &113u32.to_le_bytes());
    }

    #[test]
    fn record_fields_and_clamping() {
        let r = record_header(Timestamp::new(1_700_000_000, 123_456_789), 60, 1514);
        assert_eq!(&r[..4], &1_700_000_000u32.to_le_bytes());
        assert_eq!(&r[4..8], &123_456_789u32.to_le_bytes());
        assert_eq!(&r[8..12], &60u32.to_le_bytes());
        assert_eq!(&r[12..16], &1514u32.to_le_bytes());
        // origlen never below caplen
        let r = record_header(Timestamp::new(5, 0), 60, 10);
        assert_eq!(&r[12..16], &60u32.to_le_bytes());
        let r = record_header(Timestamp::new(-5, 7), 1, 1);
        assert_eq!(&r[..8], &[0u8; 8]);
        let r = record_header(Timestamp::new(i64::MAX, 0), 1, 1);
        assert_eq!(&r[..4], &u32::MAX.to_le_bytes());
        assert_eq!(record_len(60), 76);
    }
}
