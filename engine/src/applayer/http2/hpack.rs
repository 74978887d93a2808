//! HPACK header block decoding (RFC 7541): integers, literal and Huffman
//! strings, the static table and a size-bounded dynamic table.
//!
//! One [`Decoder`] per direction of a connection: the encoder on the other
//! end inserts into the table with every literal "with incremental
//! indexing", so every header block of that direction must pass through
//! the same decoder in order, even those whose headers are thrown away.
//!
//! Memory is bounded twice: the dynamic table never exceeds the
//! configured cap (Suricata's `max-table-size`, a size update above it is
//! clamped and reported), and a decoded header list stops growing at the
//! caller's limit (the rest of the block is still decoded, to keep the
//! table in step, but not kept).

use std::collections::VecDeque;

use super::huffman;

/// Why a header block could not be decoded to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HpackError {
    /// The block ended inside a representation.
    #[error("header block truncated")]
    Truncated,
    /// An integer does not fit in 32 bits.
    #[error("header integer overflow")]
    IntegerOverflow,
    /// Index 0, or past the end of the static and dynamic tables.
    #[error("header index out of range")]
    BadIndex,
    /// A Huffman string RFC 7541 forbids.
    #[error("invalid huffman string: {0}")]
    Huffman(#[from] huffman::HuffmanError),
    /// A dynamic table size update after the first header of a block.
    #[error("table size update inside a header block")]
    LateSizeUpdate,
}

/// One decoded header field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Name as sent (HTTP/2 names are lower case).
    pub name: Vec<u8>,
    /// Value as sent.
    pub value: Vec<u8>,
}

/// What one header block gave.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The fields kept, in order.
    pub fields: Vec<Field>,
    /// Fields decoded but not kept (the list limit was reached).
    pub dropped: usize,
    /// A size update asked for more than the cap and was clamped.
    pub clamped: bool,
}

/// RFC 7541 appendix A.
const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// Per-entry overhead the table size counts (RFC 7541 4.1).
const ENTRY_OVERHEAD: usize = 32;

/// The decoder of one direction.
#[derive(Debug)]
pub struct Decoder {
    /// Newest first.
    table: VecDeque<(Vec<u8>, Vec<u8>)>,
    /// Bytes the table holds (RFC 7541 sizes).
    size: usize,
    /// The size the encoder last chose (4096 until it says otherwise).
    max: usize,
    /// The most this decoder ever holds.
    cap: usize,
}

impl Decoder {
    /// A decoder whose table never exceeds `cap` bytes.
    pub fn new(cap: usize) -> Decoder {
        Decoder {
            table: VecDeque::new(),
            size: 0,
            max: 4096.min(cap),
            cap,
        }
    }

    /// Bytes the dynamic table holds.
    pub fn table_size(&self) -> usize {
        self.size
    }

    /// Decodes one complete header block, keeping fields while the list
    /// size (name + value + 32 each, as RFC 7540's
    /// `SETTINGS_MAX_HEADER_LIST_SIZE` counts) stays within `list_limit`.
    pub fn decode(&mut self, mut input: &[u8], list_limit: usize) -> Result<Block, HpackError> {
        let mut block = Block::default();
        let mut list_size = 0usize;
        let mut first = true;
        while let Some(&b) = input.first() {
            let field = if b & 0x80 != 0 {
                let idx = integer(&mut input, 7)?;
                let (n, v) = self.get(idx)?;
                Some((n.to_vec(), v.to_vec()))
            } else if b & 0xc0 == 0x40 {
                let (n, v) = self.literal(&mut input, 6)?;
                self.insert(n.clone(), v.clone());
                Some((n, v))
            } else if b & 0xe0 == 0x20 {
                if !first {
                    return Err(HpackError::LateSizeUpdate);
                }
                let size = integer(&mut input, 5)?;
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                if size > self.cap {
                    block.clamped = true;
                }
                self.max = size.min(self.cap);
                self.evict(0);
                None
            } else {
                // Without indexing (0000) or never indexed (0001).
                Some(self.literal(&mut input, 4)?)
            };
            if let Some((name, value)) = field {
                first = false;
                let size = name.len() + value.len() + ENTRY_OVERHEAD;
                if list_size.saturating_add(size) <= list_limit {
                    list_size += size;
                    block.fields.push(Field { name, value });
                } else {
                    block.dropped += 1;
                }
            }
        }
        Ok(block)
    }

    /// Entry `idx` of the static then dynamic table (1-based).
    fn get(&self, idx: u32) -> Result<(&[u8], &[u8]), HpackError> {
        let i = usize::try_from(idx).map_err(|_| HpackError::BadIndex)?;
        if i == 0 {
            return Err(HpackError::BadIndex);
        }
        if let Some((n, v)) = STATIC.get(i - 1) {
            return Ok((n.as_bytes(), v.as_bytes()));
        }
        self.table
            .get(i - 1 - STATIC.len())
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
            .ok_or(HpackError::BadIndex)
    }

    /// A literal representation whose name index has `prefix` bits.
    fn literal(&self, input: &mut &[u8], prefix: u8) -> Result<(Vec<u8>, Vec<u8>), HpackError> {
        let idx = integer(input, prefix)?;
        let name = if idx == 0 {
            string(input)?
        } else {
            self.get(idx)?.0.to_vec()
        };
        let value = string(input)?;
        Ok((name, value))
    }

    /// Adds an entry, evicting old ones; an entry larger than the table
    /// empties it (RFC 7541 4.4).
    fn insert(&mut self, name: Vec<u8>, value: Vec<u8>) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        if size > self.max {
            self.table.clear();
            self.size = 0;
            return;
        }
        self.evict(size);
        self.size += size;
        self.table.push_front((name, value));
    }

    /// Drops the oldest entries until `room` more bytes fit.
    fn evict(&mut self, room: usize) {
        while self.size + room > self.max {
            match self.table.pop_back() {
                Some((n, v)) => self.size -= n.len() + v.len() + ENTRY_OVERHEAD,
                None => {
                    self.size = 0;
                    break;
                }
            }
        }
    }
}

/// An integer with a `prefix`-bit prefix (RFC 7541 5.1), at most 2^32-1.
fn integer(input: &mut &[u8], prefix: u8) -> Result<u32, HpackError> {
    let (&first, rest) = input.split_first().ok_or(HpackError::Truncated)?;
    *input = rest;
    let mask = (1u32 << prefix) - 1;
    let mut value = u32::from(first) & mask;
    if value < mask {
        return Ok(value);
    }
    let mut shift = 0u32;
    loop {
        let (&b, rest) = input.split_first().ok_or(HpackError::Truncated)?;
        *input = rest;
        let add = u64::from(b & 0x7f) << shift;
        let sum = u64::from(value) + add;
        value = u32::try_from(sum).map_err(|_| HpackError::IntegerOverflow)?;
        if b & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 28 {
            return Err(HpackError::IntegerOverflow);
        }
    }
}

/// A string literal (RFC 7541 5.2), plain or Huffman coded.
fn string(input: &mut &[u8]) -> Result<Vec<u8>, HpackError> {
    let huff = input.first().ok_or(HpackError::Truncated)? & 0x80 != 0;
    let len = usize::try_from(integer(input, 7)?).map_err(|_| HpackError::Truncated)?;
    if len > input.len() {
        return Err(HpackError::Truncated);
    }
    let (raw, rest) = input.split_at(len);
    *input = rest;
    if huff {
        // The shortest code is 5 bits: at most 8/5 of the input comes out
        // (the input itself is bounded by the frame size).
        let mut out = Vec::with_capacity(len.saturating_mul(2));
        huffman::decode(raw, len.saturating_mul(2), &mut out)?;
        Ok(out)
    } else {
        Ok(raw.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::from_hex as hex;

    fn pairs(b: &Block) -> Vec<(String, String)> {
        b.fields
            .iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(&f.name).into_owned(),
                    String::from_utf8_lossy(&f.value).into_owned(),
                )
            })
            .collect()
    }

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn rfc7541_c1_integers() {
        let mut i: &[u8] = &[0x0a];
        assert_eq!(integer(&mut i, 5), Ok(10));
        let mut i: &[u8] = &[0x1f, 0x9a, 0x0a];
        assert_eq!(integer(&mut i, 5), Ok(1337));
        assert!(i.is_empty());
        let mut i: &[u8] = &[0x2a];
        assert_eq!(integer(&mut i, 8), Ok(42));
        let mut i: &[u8] = &[0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(integer(&mut i, 5), Err(HpackError::IntegerOverflow));
        let mut i: &[u8] = &[0x1f, 0x9a];
        assert_eq!(integer(&mut i, 5), Err(HpackError::Truncated));
    }

    #[test]
    fn rfc7541_c3_requests_without_huffman() {
        let mut d = Decoder::new(4096);
        let b = d
            .decode(
                &hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
                1 << 20,
            )
            .unwrap();
        let first = [
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
        ];
        assert_eq!(pairs(&b), p(&first));
        assert_eq!(d.table_size(), 57);
        let b = d
            .decode(&hex("8286 84be 5808 6e6f 2d63 6163 6865"), 1 << 20)
            .unwrap();
        let mut second = first.to_vec();
        second.push(("cache-control", "no-cache"));
        assert_eq!(pairs(&b), p(&second));
        assert_eq!(d.table_size(), 110);
        let b = d
            .decode(
                &hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"),
                1 << 20,
            )
            .unwrap();
        assert_eq!(
            pairs(&b),
            p(&[
                (":method", "GET"),
                (":scheme", "https"),
                (":path", "/index.html"),
                (":authority", "www.example.com"),
                ("custom-key", "custom-value"),
            ])
        );
        assert_eq!(d.table_size(), 164);
    }

    #[test]
    fn rfc7541_c4_requests_with_huffman() {
        let mut d = Decoder::new(4096);
        let b = d
            .decode(&hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"), 1 << 20)
            .unwrap();
        assert_eq!(b.fields[3].value, b"www.example.com");
        let b = d
            .decode(&hex("8286 84be 5886 a8eb 1064 9cbf"), 1 << 20)
            .unwrap();
        assert_eq!(b.fields[4].value, b"no-cache");
        let b = d
            .decode(
                &hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
                1 << 20,
            )
            .unwrap();
        assert_eq!(b.fields[4].name, b"custom-key");
        assert_eq!(b.fields[4].value, b"custom-value");
        assert_eq!(d.table_size(), 164);
    }

    #[test]
    fn rfc7541_c5_responses_evict_with_a_256_byte_table() {
        let mut d = Decoder::new(4096);
        // A size update to 256 first (the RFC example's setting).
        d.decode(&[0x3f, 0xe1, 0x01], 1 << 20).unwrap();
        let r1 = hex(
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
             2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
             6c65 2e63 6f6d",
        );
        let b = d.decode(&r1, 1 << 20).unwrap();
        assert_eq!(b.fields[0].value, b"302");
        assert_eq!(d.table_size(), 222);
        let b = d.decode(&hex("4803 3330 37c1 c0bf"), 1 << 20).unwrap();
        assert_eq!(
            pairs(&b),
            p(&[
                (":status", "307"),
                ("cache-control", "private"),
                ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
                ("location", "https://www.example.com"),
            ])
        );
        // ":status: 302" was evicted to make room.
        assert_eq!(d.table_size(), 222);
        assert_eq!(d.table.len(), 4);
    }

    #[test]
    fn table_is_capped_and_lists_are_limited() {
        let mut d = Decoder::new(100);
        // Size update to 4096 is clamped to the cap.
        let b = d.decode(&[0x3f, 0xe1, 0x1f], 1 << 20).unwrap();
        assert!(b.clamped);
        // Two 64-byte entries do not both fit in 100 bytes.
        let mut blk = Vec::new();
        for name in [b"aaaa", b"bbbb"] {
            blk.extend_from_slice(&[0x40, 4]);
            blk.extend_from_slice(name);
            blk.extend_from_slice(&[28]);
            blk.extend_from_slice(&[b'v'; 28]);
        }
        let b = d.decode(&blk, 1 << 20).unwrap();
        assert_eq!(b.fields.len(), 2);
        assert_eq!(d.table.len(), 1);
        assert!(d.table_size() <= 100);
        // A list limit of one field keeps one and counts the other.
        let b = d.decode(&[0x82, 0x84], 40).unwrap();
        assert_eq!((b.fields.len(), b.dropped), (1, 1));
    }

    #[test]
    fn malformed_blocks_are_errors() {
        let mut d = Decoder::new(4096);
        assert_eq!(d.decode(&[0x80], 1 << 20), Err(HpackError::BadIndex));
        assert_eq!(d.decode(&[0xbe], 1 << 20), Err(HpackError::BadIndex));
        assert_eq!(
            d.decode(&[0x40, 0x05, b'a'], 1 << 20),
            Err(HpackError::Truncated)
        );
        assert_eq!(
            d.decode(&[0x82, 0x20], 1 << 20),
            Err(HpackError::LateSizeUpdate)
        );
        assert!(matches!(
            d.decode(&[0x00, 0x81, 0x00, 0x00], 1 << 20),
            Err(HpackError::Huffman(_))
        ));
    }
}
