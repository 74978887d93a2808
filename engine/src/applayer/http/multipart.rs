//! Streaming `multipart/form-data` splitter for POST bodies: every part
//! whose `Content-Disposition` names a file becomes a tracked file (for
//! `file.data`, `file.name` and `fileinfo`), as Suricata does for uploads.
//! Form fields without a file name are not files. The carry-over buffer is
//! bounded by the boundary length and a cap on part headers.

use super::body::{FileOpts, FileState, FileTracker};
use super::parser::disposition_param;
use super::util::contains_nocase;

/// Part headers longer than this are not followed.
const MAX_PART_HEADERS: usize = 16 * 1024;
/// Most files taken from one body.
const MAX_FILES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mp {
    Preamble,
    /// Just after a delimiter: `--` (end) or the rest of the line.
    AfterDelimiter,
    Headers,
    Data,
    Done,
}

/// Multipart state of one request body.
#[derive(Debug, Clone)]
pub(crate) struct Multipart {
    /// `--` + boundary.
    delim: Vec<u8>,
    state: Mp,
    buf: Vec<u8>,
    /// Index in the request files of the part being filled.
    file: Option<usize>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Multipart {
    pub(crate) fn new(boundary: &[u8]) -> Self {
        let mut delim = b"--".to_vec();
        delim.extend_from_slice(boundary);
        Multipart {
            delim,
            state: Mp::Preamble,
            buf: Vec::new(),
            file: None,
        }
    }

    /// Feeds decoded body bytes; files are appended to `files`.
    pub(crate) fn feed(
        &mut self,
        data: &[u8],
        files: &mut Vec<FileTracker>,
        opts: FileOpts,
        limit: usize,
    ) {
        if self.state == Mp::Done {
            return;
        }
        self.buf.extend_from_slice(data);
        loop {
            let progressed = match self.state {
                Mp::Preamble => self.preamble(),
                Mp::AfterDelimiter => self.after_delimiter(files),
                Mp::Headers => self.headers(files, opts, limit),
                Mp::Data => self.data(files),
                Mp::Done => {
                    self.buf.clear();
                    false
                }
            };
            if !progressed {
                return;
            }
        }
    }

    fn preamble(&mut self) -> bool {
        let found = if self.buf.starts_with(&self.delim) {
            Some(0)
        } else {
            let mut nl = b"\n".to_vec();
            nl.extend_from_slice(&self.delim);
            find(&self.buf, &nl).map(|p| p + 1)
        };
        match found {
            Some(p) => {
                self.buf.drain(..p + self.delim.len());
                self.state = Mp::AfterDelimiter;
                true
            }
            None => {
                let keep = self.delim.len() + 1;
                let cut = self.buf.len().saturating_sub(keep);
                self.buf.drain(..cut);
                false
            }
        }
    }

    fn after_delimiter(&mut self, files: &mut [FileTracker]) -> bool {
        if self.buf.len() < 2 {
            return false;
        }
        if self.buf.starts_with(b"--") {
            self.close_part(files);
            self.state = Mp::Done;
            return true;
        }
        match self.buf.iter().position(|&c| c == b'\n') {
            Some(p) => {
                self.buf.drain(..=p);
                self.state = Mp::Headers;
                true
            }
            None => {
                if self.buf.len() > MAX_PART_HEADERS {
                    self.state = Mp::Done;
                    return true;
                }
                false
            }
        }
    }

    fn headers(&mut self, files: &mut Vec<FileTracker>, opts: FileOpts, limit: usize) -> bool {
        let end = find(&self.buf, b"\r\n\r\n")
            .map(|p| (p, 4))
            .or_else(|| find(&self.buf, b"\n\n").map(|p| (p, 2)));
        let Some((p, n)) = end.or_else(|| {
            (self.buf.starts_with(b"\r\n") || self.buf.starts_with(b"\n"))
                .then(|| (0, if self.buf[0] == b'\r' { 2 } else { 1 }))
        }) else {
            if self.buf.len() > MAX_PART_HEADERS {
                self.state = Mp::Done;
                return true;
            }
            return false;
        };
        let block = self.buf[..p].to_vec();
        self.buf.drain(..p + n);
        self.file = None;
        for line in block.split(|&c| c == b'\n') {
            let Some(colon) = line.iter().position(|&c| c == b':') else {
                continue;
            };
            if !contains_nocase(&line[..colon], b"content-disposition") {
                continue;
            }
            let value = line[colon + 1..]
                .strip_suffix(b"\r")
                .unwrap_or(&line[colon + 1..]);
            if let Some(name) = disposition_param(value, b"filename=") {
                if files.len() >= MAX_FILES {
                    continue;
                }
                // All parts share one content budget: the body limit.
                let used: usize = files.iter().map(|f| f.content.len()).sum();
                let budget = limit.saturating_sub(used);
                files.push(FileTracker::new(name.to_vec(), opts, budget));
                self.file = Some(files.len() - 1);
            }
        }
        self.state = Mp::Data;
        true
    }

    fn data(&mut self, files: &mut [FileTracker]) -> bool {
        let mut marker = b"\n".to_vec();
        marker.extend_from_slice(&self.delim);
        match find(&self.buf, &marker) {
            Some(p) => {
                let end = if p > 0 && self.buf[p - 1] == b'\r' {
                    p - 1
                } else {
                    p
                };
                if let Some(f) = self.file.and_then(|i| files.get_mut(i)) {
                    f.append(&self.buf[..end]);
                }
                self.close_part(files);
                self.buf.drain(..p + marker.len());
                self.state = Mp::AfterDelimiter;
                true
            }
            None => {
                let keep = marker.len() + 1;
                let cut = self.buf.len().saturating_sub(keep);
                if let Some(f) = self.file.and_then(|i| files.get_mut(i)) {
                    f.append(&self.buf[..cut]);
                }
                self.buf.drain(..cut);
                false
            }
        }
    }

    fn close_part(&mut self, files: &mut [FileTracker]) {
        if let Some(f) = self.file.take().and_then(|i| files.get_mut(i)) {
            f.close(FileState::Closed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfield\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"e.txt\"\r\nContent-Type: text/plain\r\n\r\nEICAR\r\nline2\r\n--XyZ--\r\n";

    #[test]
    fn parts_with_file_names_become_files_at_any_split() {
        for step in [1, 2, 3, 5, 8, 13, 1000] {
            let mut mp = Multipart::new(b"XyZ");
            let mut files = Vec::new();
            for piece in BODY.chunks(step) {
                mp.feed(piece, &mut files, FileOpts::default(), 1000);
            }
            assert_eq!(files.len(), 1, "step {step}");
            assert_eq!(files[0].name, b"e.txt");
            assert_eq!(files[0].content, b"EICAR\r\nline2", "step {step}");
            assert_eq!(files[0].state, FileState::Closed);
        }
    }

    #[test]
    fn garbage_is_bounded() {
        let mut mp = Multipart::new(b"b");
        let mut files = Vec::new();
        mp.feed(&vec![b'x'; 100_000], &mut files, FileOpts::default(), 10);
        assert!(mp.buf.len() < 16);
        assert!(files.is_empty());
    }
}
