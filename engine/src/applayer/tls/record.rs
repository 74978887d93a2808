//! Record framing of one direction's byte stream: TLS records (5-byte
//! header) and SSLv2 records (2- or 3-byte header), split anywhere.
//!
//! The framer only finds record boundaries; what a header means (is the
//! type known, the length sane, is the body worth reading) is decided by
//! the [`Sink`], which answers each header with an [`Action`]. Bodies that
//! are read are handed over whole: straight from the input when a record
//! sits entirely in one chunk, else from a buffer no larger than one record
//! (the sink bounds the length). Skipped bodies (encrypted application
//! data) are never buffered, only counted.

/// A TLS record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Content type (20 CCS, 21 alert, 22 handshake, 23 application data, 24 heartbeat).
    pub content_type: u8,
    /// Record-layer version.
    pub version: u16,
    /// Body length.
    pub len: usize,
}

/// What to do with the body of a record whose header was just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Collect the body and deliver it whole.
    Read,
    /// Skip the body (counted through [`Sink::skipped`]).
    Skip,
    /// Stop framing this direction for good.
    Stop,
}

/// Receives what the framer finds.
pub trait Sink {
    /// A TLS record header.
    fn tls_header(&mut self, hdr: &Header) -> Action;
    /// A complete TLS record body; false stops the direction.
    fn tls_record(&mut self, hdr: &Header, body: &[u8]) -> bool;
    /// An SSLv2 record header announcing `len` bytes after the header.
    fn ssl2_header(&mut self, len: usize) -> Action;
    /// A complete SSLv2 record (message type first); false stops the direction.
    fn ssl2_record(&mut self, body: &[u8]) -> bool;
    /// Bytes of a skipped body went by.
    fn skipped(&mut self, n: usize);
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Tls(Header),
    Ssl2,
}

/// A record whose header is known and whose body is being collected.
#[derive(Debug, Clone, Copy)]
struct Pending {
    kind: Kind,
    hdr_len: usize,
    total: usize,
}

/// Per-direction framing state.
#[derive(Debug, Default)]
pub struct Framer {
    /// A partial header, or header + partial body of a [`Pending`] record.
    buf: Vec<u8>,
    pending: Option<Pending>,
    /// Body bytes still to skip.
    skip: usize,
    stopped: bool,
}

/// Header of the record starting at `b`: `(kind, header length, body length)`,
/// or `None` when more bytes are needed.
fn read_header(b: &[u8]) -> Option<(Kind, usize, usize)> {
    let first = *b.first()?;
    if first & 0xc0 != 0 {
        // SSLv2: 2-byte header when the top bit is set, else 3 (with padding).
        let hdr_len = if first & 0x80 != 0 { 2 } else { 3 };
        let len_mask = if hdr_len == 2 { 0x7f } else { 0x3f };
        let second = *b.get(1)?;
        b.get(hdr_len - 1)?;
        let len = (usize::from(first & len_mask) << 8) | usize::from(second);
        return Some((Kind::Ssl2, hdr_len, len));
    }
    let h = b.get(..5)?;
    let hdr = Header {
        content_type: h[0],
        version: u16::from_be_bytes([h[1], h[2]]),
        len: usize::from(u16::from_be_bytes([h[3], h[4]])),
    };
    Some((Kind::Tls(hdr), 5, hdr.len))
}

/// Bytes of header a record starting with `first` needs.
fn header_len(first: u8) -> usize {
    if first & 0x80 != 0 {
        2
    } else if first & 0x40 != 0 {
        3
    } else {
        5
    }
}

impl Framer {
    /// Framing stopped (a sink said so, or the stream lost alignment).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// No record is in progress (the last one ended with the last input).
    pub fn at_record_start(&self) -> bool {
        self.buf.is_empty() && self.pending.is_none() && self.skip == 0
    }

    /// Bytes held for an incomplete header or record.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Stops framing for good.
    pub fn stop(&mut self) {
        self.stopped = true;
        self.buf = Vec::new();
        self.pending = None;
    }

    /// `len` bytes of the stream were lost. Inside a skipped body the
    /// record boundaries are still known; anywhere else they are not and
    /// framing stops. Returns whether framing goes on.
    pub fn gap(&mut self, len: u64) -> bool {
        match usize::try_from(len) {
            Ok(n) if self.pending.is_none() && self.buf.is_empty() && n <= self.skip => {
                self.skip -= n;
                true
            }
            _ => {
                self.stop();
                false
            }
        }
    }

    /// Frames the next bytes of the stream.
    pub fn feed(&mut self, mut data: &[u8], sink: &mut impl Sink) {
        while !self.stopped {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = data.get(n..).unwrap_or_default();
                if n > 0 {
                    sink.skipped(n);
                }
                if self.skip > 0 {
                    return;
                }
            }
            if data.is_empty() {
                return;
            }
            if let Some(p) = self.pending {
                let n = (p.total - self.buf.len()).min(data.len());
                self.buf
                    .extend_from_slice(data.get(..n).unwrap_or_default());
                data = data.get(n..).unwrap_or_default();
                if self.buf.len() == p.total {
                    self.pending = None;
                    let rec = std::mem::take(&mut self.buf);
                    let ok = deliver(p.kind, rec.get(p.hdr_len..).unwrap_or_default(), sink);
                    self.buf = rec;
                    self.buf.clear();
                    if !ok {
                        self.stop();
                    }
                }
                continue;
            }
            // At a record start; `buf` may hold the first bytes of a header.
            let from_buf = !self.buf.is_empty();
            if from_buf {
                let want = header_len(self.buf[0]);
                let n = want.saturating_sub(self.buf.len()).min(data.len());
                self.buf
                    .extend_from_slice(data.get(..n).unwrap_or_default());
                data = data.get(n..).unwrap_or_default();
            }
            let src: &[u8] = if from_buf { &self.buf } else { data };
            let Some((kind, hdr_len, body_len)) = read_header(src) else {
                if !from_buf {
                    self.buf.extend_from_slice(data);
                }
                return;
            };
            let action = match kind {
                Kind::Tls(h) => sink.tls_header(&h),
                Kind::Ssl2 => sink.ssl2_header(body_len),
            };
            if !from_buf {
                data = data.get(hdr_len..).unwrap_or_default();
            }
            match action {
                Action::Stop => {
                    self.stop();
                    return;
                }
                Action::Skip => {
                    self.buf.clear();
                    self.skip = body_len;
                }
                Action::Read if !from_buf && data.len() >= body_len => {
                    let (body, rest) = data.split_at(body_len);
                    data = rest;
                    if !deliver(kind, body, sink) {
                        self.stop();
                        return;
                    }
                }
                Action::Read => {
                    if !from_buf {
                        // Keep a copy of the header so the body follows it in `buf`.
                        self.buf.extend(std::iter::repeat_n(0, hdr_len));
                    }
                    self.pending = Some(Pending {
                        kind,
                        hdr_len,
                        total: hdr_len + body_len,
                    });
                }
            }
        }
    }
}

fn deliver(kind: Kind, body: &[u8], sink: &mut impl Sink) -> bool {
    match kind {
        Kind::Tls(h) => sink.tls_record(&h, body),
        Kind::Ssl2 => sink.ssl2_record(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what the framer finds; application data is skipped.
    #[derive(Default)]
    struct Log {
        seen: Vec<String>,
        skipped: usize,
        stop_on_type: Option<u8>,
    }

    impl Sink for Log {
        fn tls_header(&mut self, hdr: &Header) -> Action {
            if Some(hdr.content_type) == self.stop_on_type {
                return Action::Stop;
            }
            if hdr.content_type == 23 {
                self.seen.push(format!("app{}", hdr.len));
                Action::Skip
            } else {
                Action::Read
            }
        }
        fn tls_record(&mut self, hdr: &Header, body: &[u8]) -> bool {
            self.seen.push(format!(
                "{}:{:04x}:{:02x?}",
                hdr.content_type, hdr.version, body
            ));
            true
        }
        fn ssl2_header(&mut self, _len: usize) -> Action {
            Action::Read
        }
        fn ssl2_record(&mut self, body: &[u8]) -> bool {
            self.seen.push(format!("v2:{body:02x?}"));
            true
        }
        fn skipped(&mut self, n: usize) {
            self.skipped += n;
        }
    }

    fn stream() -> Vec<u8> {
        let mut s = vec![0x80, 0x03, 0x01, 0x03, 0x01]; // SSLv2 record, 3 bytes
        s.extend_from_slice(&[22, 3, 1, 0, 2, 0xaa, 0xbb]);
        s.extend_from_slice(&[23, 3, 3, 0, 4, 1, 2, 3, 4]);
        s.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
        s.extend_from_slice(&[0x40, 0x02, 0x00, 0x07, 0x08]); // 3-byte SSLv2 header
        s
    }

    fn expected() -> Vec<String> {
        vec![
            "v2:[01, 03, 01]".to_string(),
            "22:0301:[aa, bb]".to_string(),
            "app4".to_string(),
            "20:0303:[01]".to_string(),
            "v2:[07, 08]".to_string(),
        ]
    }

    #[test]
    fn whole_stream_in_one_chunk() {
        let mut f = Framer::default();
        let mut log = Log::default();
        f.feed(&stream(), &mut log);
        assert_eq!(log.seen, expected());
        assert_eq!(log.skipped, 4);
    }

    #[test]
    fn every_split_point_and_byte_by_byte() {
        let s = stream();
        for cut in 0..=s.len() {
            let mut f = Framer::default();
            let mut log = Log::default();
            f.feed(&s[..cut], &mut log);
            f.feed(&s[cut..], &mut log);
            assert_eq!(log.seen, expected(), "cut at {cut}");
            assert_eq!(log.skipped, 4);
        }
        let mut f = Framer::default();
        let mut log = Log::default();
        for b in &s {
            f.feed(std::slice::from_ref(b), &mut log);
        }
        assert_eq!(log.seen, expected());
    }

    #[test]
    fn stop_is_final() {
        let mut f = Framer::default();
        let mut log = Log {
            stop_on_type: Some(23),
            ..Log::default()
        };
        f.feed(&stream(), &mut log);
        assert!(f.stopped());
        assert_eq!(log.seen.len(), 2);
        f.feed(&stream(), &mut log);
        assert_eq!(log.seen.len(), 2);
    }

    #[test]
    fn gap_inside_skipped_body_keeps_alignment() {
        let mut f = Framer::default();
        let mut log = Log::default();
        f.feed(&[23, 3, 3, 0, 10, 1, 2], &mut log);
        assert!(f.gap(5));
        f.feed(&[9, 9, 9, 20, 3, 3, 0, 1, 1], &mut log);
        assert_eq!(log.seen, vec!["app10", "20:0303:[01]"]);
        assert!(!f.gap(100));
        assert!(f.stopped());
    }
}
