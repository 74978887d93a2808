//! Message bodies after de-chunking: decompression, the bounded copy kept
//! for inspection (`http.request_body`, `http.response_body`, `file.data`)
//! and file tracking (`fileinfo`: size, hashes, gaps, state).
//!
//! Memory is bounded twice: the inspection copy stops at the configured
//! body limit, and decompression stops at the bomb limits (output over
//! 1 MiB *and* 2048 times the input, as Suricata's defaults, or 64 MiB in
//! any case). File hashes stream over every byte, so they stay exact past
//! the inspection limit.

use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::Sha256;

use super::decompress::{Chain, Plan};
use crate::evidence::hex;

/// Suricata's default compression bomb limit (bytes of output).
const BOMB_LIMIT: u64 = 1 << 20;
/// Suricata's default compression bomb ratio (output / input).
const BOMB_RATIO: u64 = 2048;
/// Decompressed output never goes past this, whatever the ratio.
const HARD_LIMIT: u64 = 64 << 20;

/// One body (request or response) of a transaction.
#[derive(Debug, Default)]
pub struct Body {
    /// Decoded bytes kept for inspection.
    pub(crate) stored: Vec<u8>,
    limit: usize,
    /// Decoded (entity) bytes seen.
    pub(crate) entity_len: u64,
    /// Bytes on the wire, chunk framing included (EVE `length`).
    pub(crate) message_len: u64,
    chain: Option<Chain>,
    /// Bytes were lost in the stream inside this body.
    pub(crate) gaps: bool,
    /// Decompression was stopped by the bomb limits.
    pub(crate) bomb: bool,
    /// Any body data was seen.
    pub(crate) seen: bool,
}

impl Body {
    /// A body keeping at most `limit` decoded bytes.
    pub(crate) fn new(limit: usize) -> Body {
        Body {
            limit,
            ..Body::default()
        }
    }

    /// Starts decoding according to a `Content-Encoding` plan.
    pub(crate) fn set_plan(&mut self, plan: &Plan) {
        if !plan.order.is_empty() {
            self.chain = Some(Chain::new(&plan.order, plan.lzma));
        }
    }

    /// Counts framing bytes that belong to the message but not the entity.
    pub(crate) fn add_wire(&mut self, n: usize) {
        self.message_len = self.message_len.saturating_add(n as u64);
    }

    /// Body bytes (already de-chunked); `sink` gets the decoded output.
    pub(crate) fn data(&mut self, data: &[u8], sink: &mut dyn FnMut(&[u8])) {
        if data.is_empty() {
            return;
        }
        self.seen = true;
        self.add_wire(data.len());
        let Some(mut chain) = self.chain.take() else {
            self.entity(data, sink);
            return;
        };
        self.decoded(sink, |guard| chain.write(data, guard));
        self.chain = Some(chain);
    }

    /// The body ended: decoders hand over what they still hold (LZMA keeps
    /// its output until its dictionary wraps or the stream ends).
    pub(crate) fn finish(&mut self, sink: &mut dyn FnMut(&[u8])) {
        if let Some(mut chain) = self.chain.take() {
            self.decoded(sink, |guard| chain.finish(guard));
            self.chain = Some(chain);
        }
    }

    /// Runs `decode` with the bomb guard in front of `sink`.
    fn decoded(
        &mut self,
        sink: &mut dyn FnMut(&[u8]),
        decode: impl FnOnce(&mut dyn FnMut(&[u8]) -> bool),
    ) {
        let message_len = self.message_len;
        let mut bomb = false;
        decode(&mut |out| {
            let next = self.entity_len.saturating_add(out.len() as u64);
            let ratio_hit = message_len.saturating_mul(BOMB_RATIO) < next;
            if (next > BOMB_LIMIT && ratio_hit) || next > HARD_LIMIT {
                bomb = true;
                return false;
            }
            self.entity(out, sink);
            true
        });
        if bomb {
            self.bomb = true;
        }
    }

    fn entity(&mut self, data: &[u8], sink: &mut dyn FnMut(&[u8])) {
        self.entity_len = self.entity_len.saturating_add(data.len() as u64);
        let room = self.limit.saturating_sub(self.stored.len());
        self.stored.extend_from_slice(&data[..room.min(data.len())]);
        sink(data);
    }

    /// `len` bytes of the body were lost: they count on the wire, and
    /// decompression cannot continue past them.
    pub(crate) fn gap(&mut self, len: u64) {
        self.seen = true;
        self.gaps = true;
        self.message_len = self.message_len.saturating_add(len);
        self.chain = None;
    }
}

/// Lifecycle of a tracked file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Still receiving data.
    Open,
    /// Ended normally.
    Closed,
    /// The flow ended before the file did.
    Truncated,
}

impl FileState {
    /// Suricata's spelling in `fileinfo.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Open => "UNKNOWN",
            FileState::Closed => "CLOSED",
            FileState::Truncated => "TRUNCATED",
        }
    }
}

/// Which digests of each file are computed. Suricata computes none unless
/// `outputs.eve-log.types.files.force-hash` lists them or file-store needs
/// SHA-256; hashing every body three ways cost 6 % of a pass over the
/// benchmark corpus for digests nobody logged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileHashes {
    /// MD5 (`force-hash: [md5]`).
    pub md5: bool,
    /// SHA-1.
    pub sha1: bool,
    /// SHA-256 (also what file-store v2 names stored files by).
    pub sha256: bool,
}

impl FileHashes {
    /// All three digests.
    pub const ALL: FileHashes = FileHashes {
        md5: true,
        sha1: true,
        sha256: true,
    };

    /// Any digest at all.
    pub fn any(self) -> bool {
        self.md5 || self.sha1 || self.sha256
    }

    /// Both sets together.
    pub fn union(self, o: FileHashes) -> FileHashes {
        FileHashes {
            md5: self.md5 || o.md5,
            sha1: self.sha1 || o.sha1,
            sha256: self.sha256 || o.sha256,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Hashers {
    md5: Option<Md5>,
    sha1: Option<Sha1>,
    sha256: Option<Sha256>,
}

impl Hashers {
    fn new(which: FileHashes) -> Hashers {
        Hashers {
            md5: which.md5.then(Md5::default),
            sha1: which.sha1.then(Sha1::default),
            sha256: which.sha256.then(Sha256::default),
        }
    }
}

/// Hex digests of a cleanly closed file (None where not computed).
type Digests = (Option<String>, Option<String>, Option<String>);

/// How new files are tracked.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FileOpts {
    /// Digests computed.
    pub(crate) hashes: FileHashes,
    /// SHA-256 is logged for every file (`force-hash`), not only for the
    /// ones file-store wrote.
    pub(crate) log_sha256: bool,
    /// Bytes of data kept for `filestore` (0: none kept).
    pub(crate) store_depth: usize,
}

/// A file being carried in a body (response body, POST/PUT body or a
/// multipart part with a file name).
#[derive(Debug, Clone)]
pub(crate) struct FileTracker {
    pub(crate) name: Vec<u8>,
    pub(crate) size: u64,
    pub(crate) gaps: bool,
    pub(crate) state: FileState,
    hashers: Option<Hashers>,
    digests: Digests,
    log_sha256: bool,
    /// Content kept for `file.data` (request side), bounded.
    pub(crate) content: Vec<u8>,
    content_limit: usize,
    /// Data kept for `filestore`, up to `store_depth` bytes.
    pub(crate) stash: Vec<u8>,
    store_depth: usize,
    /// Written to disk by `filestore`.
    pub(crate) stored: bool,
}

impl FileTracker {
    pub(crate) fn new(name: Vec<u8>, opts: FileOpts, content_limit: usize) -> Self {
        FileTracker {
            name,
            size: 0,
            gaps: false,
            state: FileState::Open,
            hashers: opts.hashes.any().then(|| Hashers::new(opts.hashes)),
            digests: (None, None, None),
            log_sha256: opts.log_sha256,
            content: Vec::new(),
            content_limit,
            stash: Vec::new(),
            store_depth: opts.store_depth,
            stored: false,
        }
    }

    pub(crate) fn append(&mut self, data: &[u8]) {
        if self.state != FileState::Open {
            return;
        }
        self.size = self.size.saturating_add(data.len() as u64);
        if let Some(h) = &mut self.hashers {
            if let Some(d) = &mut h.md5 {
                d.update(data);
            }
            if let Some(d) = &mut h.sha1 {
                d.update(data);
            }
            if let Some(d) = &mut h.sha256 {
                d.update(data);
            }
        }
        let room = self.content_limit.saturating_sub(self.content.len());
        self.content
            .extend_from_slice(&data[..room.min(data.len())]);
        let room = self.store_depth.saturating_sub(self.stash.len());
        self.stash.extend_from_slice(&data[..room.min(data.len())]);
    }

    pub(crate) fn gap(&mut self, len: u64) {
        if self.state == FileState::Open {
            self.gaps = true;
            self.size = self.size.saturating_add(len);
        }
    }

    pub(crate) fn close(&mut self, state: FileState) {
        if self.state != FileState::Open {
            return;
        }
        self.state = state;
        if let Some(h) = self.hashers.take() {
            if state == FileState::Closed && !self.gaps {
                self.digests = (
                    h.md5.map(|d| hex(&d.finalize())),
                    h.sha1.map(|d| hex(&d.finalize())),
                    h.sha256.map(|d| hex(&d.finalize())),
                );
            }
        }
    }

    pub(crate) fn info(&self, tx_id: u64, to_server: bool) -> FileInfo {
        let (md5, sha1, sha256) = self.digests.clone();
        // A SHA-256 computed only to name stored files is logged only
        // for the files that were stored (as Suricata's file-store v2).
        let sha256 = sha256.filter(|_| self.log_sha256 || self.stored);
        FileInfo {
            filename: self.name.clone(),
            size: self.size,
            state: self.state,
            gaps: self.gaps,
            stored: self.stored,
            tx_id,
            to_server,
            md5,
            sha1,
            sha256,
        }
    }
}

/// A snapshot of one file for the `fileinfo` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// File name: `Content-Disposition` name or the normalized URI path.
    pub filename: Vec<u8>,
    /// Bytes of file data seen (gaps included).
    pub size: u64,
    /// Open, closed or truncated.
    pub state: FileState,
    /// Data was missing.
    pub gaps: bool,
    /// Written to disk by a `filestore` rule.
    pub stored: bool,
    /// Transaction the file belongs to.
    pub tx_id: u64,
    /// Carried by the request (upload) rather than the response.
    pub to_server: bool,
    /// MD5 of the content, hex, once closed without gaps (when computed:
    /// see [`FileHashes`]; every digest present is logged).
    pub md5: Option<String>,
    /// SHA-1 of the content, hex.
    pub sha1: Option<String>,
    /// SHA-256 of the content, hex.
    pub sha256: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::super::decompress::{plan, Encoding};
    use super::*;
    use std::io::Write;

    #[test]
    fn stores_up_to_the_limit_and_counts_everything() {
        let mut b = Body::new(4);
        let mut seen = Vec::new();
        b.data(b"abcdef", &mut |d| seen.extend_from_slice(d));
        assert_eq!(b.stored, b"abcd");
        assert_eq!(seen, b"abcdef");
        assert_eq!((b.entity_len, b.message_len), (6, 6));
        b.gap(10);
        assert!(b.gaps);
        assert_eq!(b.message_len, 16);
    }

    #[test]
    fn decompresses_and_stops_bombs() {
        let gz = |data: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        let z = gz(&gz(&vec![b'a'; 8 << 20]));
        let mut b = Body::new(100);
        b.set_plan(&plan(b"gzip, gzip", 2, Default::default()));
        let mut n = 0u64;
        for piece in z.chunks(1000) {
            b.data(piece, &mut |d| n += d.len() as u64);
        }
        assert!(b.bomb);
        assert!(n <= BOMB_LIMIT + 8192);
        assert_eq!(b.stored.len(), 100);
        assert_eq!(
            plan(b"gzip, gzip", 2, Default::default()).order,
            vec![Encoding::Gzip; 2]
        );
    }

    #[test]
    fn file_hashes_when_closed_cleanly() {
        let opts = FileOpts {
            hashes: FileHashes::ALL,
            log_sha256: true,
            store_depth: 0,
        };
        let mut f = FileTracker::new(b"a.txt".to_vec(), opts, 2);
        f.append(b"abc");
        f.close(FileState::Closed);
        let i = f.info(3, false);
        assert_eq!(i.size, 3);
        assert_eq!(i.md5.as_deref(), Some("900150983cd24fb0d6963f7d28e17f72"));
        assert_eq!(
            i.sha256.as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(f.content, b"ab");
        let mut g = FileTracker::new(b"b".to_vec(), opts, 0);
        g.append(b"x");
        g.gap(5);
        g.close(FileState::Truncated);
        let i = g.info(0, true);
        assert!(i.gaps && i.md5.is_none());
        assert_eq!(i.state.as_str(), "TRUNCATED");
        assert_eq!(i.size, 6);
    }

    #[test]
    fn only_the_asked_digests_are_computed() {
        let only_sha = FileHashes {
            sha256: true,
            ..FileHashes::default()
        };
        for (which, want) in [
            (only_sha, (false, false, true)),
            (FileHashes::default(), (false, false, false)),
        ] {
            let opts = FileOpts {
                hashes: which,
                log_sha256: true,
                store_depth: 0,
            };
            let mut f = FileTracker::new(b"a".to_vec(), opts, 0);
            f.append(b"abc");
            f.close(FileState::Closed);
            let i = f.info(0, false);
            assert_eq!(
                (i.md5.is_some(), i.sha1.is_some(), i.sha256.is_some()),
                want
            );
        }
    }
}
