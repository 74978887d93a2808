//! Recognising capture files by their first bytes.
//!
//! We look at the magic number ourselves before handing a file to libpcap:
//! it lets a directory scan ignore non-capture files cheaply, and it turns
//! "garbage" and "empty file" into one clear message instead of libpcap's
//! varied wording.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::CaptureError;

/// The container format of a capture file, from its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic libpcap format.
    Pcap {
        /// Header fields are big-endian relative to the magic as written.
        big_endian: bool,
        /// Record timestamps carry nanoseconds instead of microseconds.
        nanos: bool,
    },
    /// pcapng (section header block first).
    Pcapng,
}

impl FileFormat {
    /// Recognises the first four bytes of a file.
    pub fn from_magic(magic: [u8; 4]) -> Option<FileFormat> {
        Some(match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => FileFormat::Pcap {
                big_endian: false,
                nanos: false,
            },
            [0xa1, 0xb2, 0xc3, 0xd4] => FileFormat::Pcap {
                big_endian: true,
                nanos: false,
            },
            [0x4d, 0x3c, 0xb2, 0xa1] => FileFormat::Pcap {
                big_endian: false,
                nanos: true,
            },
            [0xa1, 0xb2, 0x3c, 0x4d] => FileFormat::Pcap {
                big_endian: true,
                nanos: true,
            },
            [0x0a, 0x0d, 0x0d, 0x0a] => FileFormat::Pcapng,
            _ => return None,
        })
    }
}

/// Reads the magic number of `path`.
///
/// Errors name the path: an I/O error (missing, unreadable, a directory), or
/// [`CaptureError::NotCapture`] for empty, short or unrecognised files.
pub fn sniff_format(path: &Path) -> Result<FileFormat, CaptureError> {
    let io_err = |source| CaptureError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    let not_capture = |reason: String| CaptureError::NotCapture {
        path: path.to_path_buf(),
        reason,
    };
    match got {
        0 => Err(not_capture("file is empty".into())),
        1..=3 => Err(not_capture(format!("only {got} bytes long"))),
        _ => FileFormat::from_magic(magic).ok_or_else(|| {
            not_capture(format!(
                "unknown magic number {:02x}{:02x}{:02x}{:02x}",
                magic[0], magic[1], magic[2], magic[3]
            ))
        }),
    }
}

/// The snap length written in a classic pcap global header (bytes 16..20),
/// `None` if the header can't be read.
pub fn pcap_header_snaplen(path: &Path, big_endian: bool) -> Option<u32> {
    let mut header = [0u8; 24];
    File::open(path).ok()?.read_exact(&mut header).ok()?;
    let field: [u8; 4] = header.get(16..20)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(field)
    } else {
        u32::from_le_bytes(field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_all_magics() {
        assert_eq!(
            FileFormat::from_magic([0xd4, 0xc3, 0xb2, 0xa1]),
            Some(FileFormat::Pcap {
                big_endian: false,
                nanos: false
            })
        );
        assert_eq!(
            FileFormat::from_magic([0xa1, 0xb2, 0x3c, 0x4d]),
            Some(FileFormat::Pcap {
                big_endian: true,
                nanos: true
            })
        );
        assert_eq!(
            FileFormat::from_magic([0x0a, 0x0d, 0x0d, 0x0a]),
            Some(FileFormat::Pcapng)
        );
        assert_eq!(FileFormat::from_magic(*b"GET "), None);
    }
}
