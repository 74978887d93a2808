//! Lenient `Content-Encoding` decoding, shaped after libhtp's decompressor
//! chain because evasions target exactly its tolerance:
//!
//! * gzip headers are parsed by hand (reserved flag bits, bad CRCs and a
//!   missing trailer are accepted, data after the end of the deflate stream
//!   is ignored), then the payload is raw deflate;
//! * when a layer fails before producing output it is restarted as the next
//!   algorithm (gzip → deflate → zlib → gzip …) on the same input; after
//!   three restarts it passes data through undecoded, so a body labelled
//!   `deflate` that is plain text still reaches inspection;
//! * several layers chain, the last encoding named being removed first.
//!
//! Output is bounded by the caller's sink (decompression-bomb guard): the
//! sink returns `false` to stop the whole chain.

use flate2::{Decompress, FlushDecompress, Status};

/// A compression algorithm a layer tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// gzip (RFC 1952).
    Gzip,
    /// Raw deflate (RFC 1951).
    Deflate,
    /// zlib-wrapped deflate (RFC 1950).
    Zlib,
    /// LZMA: not decoded here, passed through.
    Lzma,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Active,
    Passthrough,
    /// End of the compressed stream: further input is ignored.
    Done,
    /// Failed after producing output: further input is ignored.
    Stopped,
}

/// Incremental gzip header reader.
#[derive(Debug, Default)]
struct GzHeader {
    buf: Vec<u8>,
}

const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
/// Headers longer than this (huge FEXTRA / names) are treated as invalid.
const MAX_GZ_HEADER: usize = 64 * 1024;

impl GzHeader {
    /// Feeds bytes; returns `Ok(Some(n))` when the header ended `n` bytes
    /// into `data`, `Ok(None)` when more is needed, `Err` when not gzip.
    fn feed(&mut self, data: &[u8]) -> Result<Option<usize>, ()> {
        let before = self.buf.len();
        if before > MAX_GZ_HEADER {
            return Err(());
        }
        self.buf.extend_from_slice(data);
        let b = &self.buf;
        let magic: &[u8] = b"\x1f\x8b\x08";
        let m = b.len().min(3);
        if b[..m] != magic[..m] {
            return Err(());
        }
        if b.len() < 10 {
            return Ok(None);
        }
        let flags = b[3];
        let mut pos = 10;
        if flags & FEXTRA != 0 {
            let Some(x) = b.get(pos..pos + 2) else {
                return Ok(None);
            };
            pos += 2 + usize::from(u16::from_le_bytes([x[0], x[1]]));
            if pos > b.len() {
                return if pos > MAX_GZ_HEADER {
                    Err(())
                } else {
                    Ok(None)
                };
            }
        }
        for flag in [FNAME, FCOMMENT] {
            if flags & flag != 0 {
                match b[pos..].iter().position(|&c| c == 0) {
                    Some(z) => pos += z + 1,
                    None => {
                        return if b.len() > MAX_GZ_HEADER {
                            Err(())
                        } else {
                            Ok(None)
                        }
                    }
                }
            }
        }
        if flags & FHCRC != 0 {
            pos += 2;
            if pos > b.len() {
                return Ok(None);
            }
        }
        Ok(Some(pos.saturating_sub(before)))
    }
}

/// One decoding layer.
#[derive(Debug)]
struct Layer {
    kind: Encoding,
    mode: Mode,
    restarts: u8,
    gz: Option<GzHeader>,
    inflate: Option<Decompress>,
}

const OUT_CHUNK: usize = 8192;

enum Outcome {
    Ok,
    /// The data did not decode.
    Failed,
    /// The sink asked to stop.
    Abort,
}

impl Layer {
    fn new(kind: Encoding) -> Layer {
        let mut l = Layer {
            kind,
            mode: Mode::Active,
            restarts: 0,
            gz: None,
            inflate: None,
        };
        l.reset();
        l
    }

    fn reset(&mut self) {
        self.gz = None;
        self.inflate = None;
        match self.kind {
            Encoding::Gzip => self.gz = Some(GzHeader::default()),
            Encoding::Deflate => self.inflate = Some(Decompress::new(false)),
            Encoding::Zlib => self.inflate = Some(Decompress::new(true)),
            Encoding::Lzma => self.mode = Mode::Passthrough,
        }
    }

    fn restart(&mut self) -> bool {
        if self.restarts >= 3 {
            return false;
        }
        self.kind = match self.kind {
            Encoding::Gzip => Encoding::Deflate,
            Encoding::Deflate => Encoding::Zlib,
            Encoding::Zlib => Encoding::Gzip,
            Encoding::Lzma => Encoding::Deflate,
        };
        self.restarts += 1;
        self.reset();
        true
    }

    /// Decodes `data`, sending output to `next`; returns `false` when the
    /// sink wants everything stopped.
    fn write(&mut self, data: &[u8], next: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        loop {
            match self.mode {
                Mode::Passthrough => return next(data),
                Mode::Done | Mode::Stopped => return true,
                Mode::Active => {}
            }
            let mut pending = Vec::new();
            match self.decode(data, &mut pending, next) {
                Outcome::Ok => return pending.is_empty() || next(&pending),
                Outcome::Abort => return false,
                Outcome::Failed => {
                    // Like libhtp: output not yet flushed is kept only when
                    // the first algorithm fails (then decoding stops);
                    // after a restart it is dropped and the next
                    // algorithm, or finally passthrough, gets the input.
                    if !pending.is_empty() && self.restarts == 0 {
                        self.mode = Mode::Stopped;
                        return next(&pending);
                    }
                    if !self.restart() {
                        self.mode = Mode::Passthrough;
                    }
                }
            }
        }
    }

    /// Inflates `data`. Output accumulates in `pending` and is flushed to
    /// `next` in [`OUT_CHUNK`] units (libhtp's buffer), the rest by the caller.
    fn decode(
        &mut self,
        mut data: &[u8],
        pending: &mut Vec<u8>,
        next: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Outcome {
        if let Some(gz) = &mut self.gz {
            match gz.feed(data) {
                Err(()) => return Outcome::Failed,
                Ok(None) => return Outcome::Ok,
                Ok(Some(n)) => {
                    data = data.get(n..).unwrap_or_default();
                    self.gz = None;
                    self.inflate = Some(Decompress::new(false));
                }
            }
        }
        let Some(inflate) = &mut self.inflate else {
            return Outcome::Ok;
        };
        let mut out = [0u8; OUT_CHUNK];
        loop {
            let (in0, out0) = (inflate.total_in(), inflate.total_out());
            let st = inflate.decompress(data, &mut out, FlushDecompress::None);
            let used = usize::try_from(inflate.total_in() - in0).unwrap_or(data.len());
            let made = usize::try_from(inflate.total_out() - out0).unwrap_or(0);
            data = data.get(used..).unwrap_or_default();
            pending.extend_from_slice(&out[..made.min(OUT_CHUNK)]);
            if pending.len() >= OUT_CHUNK {
                let full = std::mem::take(pending);
                if !next(&full) {
                    return Outcome::Abort;
                }
            }
            match st {
                Ok(Status::StreamEnd) => {
                    self.mode = Mode::Done;
                    return Outcome::Ok;
                }
                Ok(_) => {
                    if (data.is_empty() && made < OUT_CHUNK) || (used == 0 && made == 0) {
                        return Outcome::Ok;
                    }
                }
                Err(_) => return Outcome::Failed,
            }
        }
    }
}

/// A chain of layers; data enters the first one.
#[derive(Debug)]
pub struct Chain {
    layers: Vec<Layer>,
    aborted: bool,
}

impl Chain {
    /// Builds a chain; `order` lists encodings in the order data meets them.
    pub fn new(order: &[Encoding]) -> Chain {
        Chain {
            layers: order.iter().map(|&e| Layer::new(e)).collect(),
            aborted: false,
        }
    }

    /// Decodes `data`; `sink` receives output and returns `false` to stop
    /// decoding for good.
    pub fn write(&mut self, data: &[u8], sink: &mut dyn FnMut(&[u8]) -> bool) {
        if self.aborted {
            return;
        }
        if !feed(&mut self.layers, data, sink) {
            self.aborted = true;
        }
    }

    /// True once the sink stopped the chain.
    #[cfg(test)]
    pub fn aborted(&self) -> bool {
        self.aborted
    }
}

fn feed(layers: &mut [Layer], data: &[u8], sink: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    match layers.split_first_mut() {
        None => sink(data),
        Some((first, rest)) => first.write(data, &mut |chunk| feed(rest, chunk, sink)),
    }
}

/// What a `Content-Encoding` value asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Layers in data order (empty: no decoding).
    pub order: Vec<Encoding>,
    /// An encoding name was unusual or unknown (`abnormal_ce_header`).
    pub abnormal: usize,
    /// More layers than allowed (`too_many_encoding_layers`).
    pub too_many_layers: bool,
}

/// Decides the decoding layers for a `Content-Encoding` value, exactly the
/// way libhtp does (fast path for a single known name, otherwise a split on
/// `,` and space with substring matching and a layer limit).
pub fn plan(ce: &[u8], layer_limit: usize) -> Plan {
    use super::util::{contains_nocase, eq_nocase_nozero};
    let mut p = Plan::default();
    let one = |names: &[&[u8]]| names.iter().any(|n| eq_nocase_nozero(ce, n));
    if one(&[b"gzip", b"x-gzip"]) {
        p.order.push(Encoding::Gzip);
        return p;
    }
    if one(&[b"deflate", b"x-deflate"]) {
        p.order.push(Encoding::Deflate);
        return p;
    }
    if one(&[b"lzma"]) {
        p.order.push(Encoding::Lzma);
        return p;
    }
    if one(&[b"inflate", b"none"]) {
        return p;
    }
    let mut layers = 0;
    let mut listed = Vec::new();
    for token in ce.split(|&c| c == b',' || c == b' ') {
        if token.is_empty() {
            continue;
        }
        layers += 1;
        if layers > layer_limit {
            p.too_many_layers = true;
            break;
        }
        if contains_nocase(token, b"gzip") {
            if token != b"gzip" && token != b"x-gzip" {
                p.abnormal += 1;
            }
            listed.push(Encoding::Gzip);
        } else if contains_nocase(token, b"deflate") {
            if token != b"deflate" && token != b"x-deflate" {
                p.abnormal += 1;
            }
            listed.push(Encoding::Deflate);
        } else if token == b"lzma" {
            listed.push(Encoding::Lzma);
        } else if token != b"inflate" && token != b"none" {
            p.abnormal += 1;
        }
    }
    listed.reverse();
    p.order = listed;
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn run(order: &[Encoding], input: &[u8], step: usize) -> Vec<u8> {
        let mut c = Chain::new(order);
        let mut out = Vec::new();
        for piece in input.chunks(step.max(1)) {
            c.write(piece, &mut |d| {
                out.extend_from_slice(d);
                true
            });
        }
        out
    }

    #[test]
    fn gzip_any_split() {
        let z = gzip(EICAR);
        for step in [1, 2, 3, 7, 10, 11, 1000] {
            assert_eq!(run(&[Encoding::Gzip], &z, step), EICAR, "step {step}");
        }
    }

    #[test]
    fn gzip_with_odd_flags_and_trailing_junk() {
        let mut z = gzip(EICAR);
        z[3] = 0x20; // reserved flag bit
        z.extend_from_slice(b"garbage after the end");
        assert_eq!(run(&[Encoding::Gzip], &z, 1000), EICAR);
        let mut z = gzip(EICAR);
        z[3] = FNAME;
        z.splice(10..10, b"name.txt\0".iter().copied());
        assert_eq!(run(&[Encoding::Gzip], &z, 4), EICAR);
    }

    #[test]
    fn mislabelled_encodings_are_retried() {
        // `gzip` label on raw deflate: restarted as deflate.
        assert_eq!(run(&[Encoding::Gzip], &raw_deflate(EICAR), 1000), EICAR);
        // `deflate` label on zlib data.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(EICAR).unwrap();
        let z = z.finish().unwrap();
        assert_eq!(run(&[Encoding::Deflate], &z, 1000), EICAR);
        // Plain text under `deflate`: passed through.
        assert_eq!(run(&[Encoding::Deflate], EICAR, 1000), EICAR);
        // Plain JSON under `gzip`: raw deflate decodes '{' as a fixed
        // Huffman block and emits garbage before failing; that output is
        // dropped and the text passed through, as libhtp does.
        let json =
            br#"{"sdk_version":"1.0","app_package":"x","app_version":"2","device_id":"abc"}"#;
        assert_eq!(run(&[Encoding::Gzip], json, 1000), json.to_vec());
    }

    #[test]
    fn two_layers() {
        let inner = raw_deflate(EICAR);
        let outer = raw_deflate(&inner);
        assert_eq!(
            run(&[Encoding::Deflate, Encoding::Deflate], &outer, 1000),
            EICAR
        );
        // "deflate, gzip" on plain raw deflate: gzip layer restarts as
        // deflate, the inner deflate layer passes the text through.
        assert_eq!(
            run(&[Encoding::Gzip, Encoding::Deflate], &inner, 1000),
            EICAR
        );
    }

    #[test]
    fn sink_stops_a_bomb() {
        let big = vec![0u8; 4 << 20];
        let z = gzip(&big);
        let mut c = Chain::new(&[Encoding::Gzip]);
        let mut total = 0usize;
        c.write(&z, &mut |d| {
            total += d.len();
            total < 100_000
        });
        assert!(c.aborted());
        assert!(total < 200_000);
    }

    #[test]
    fn plans() {
        assert_eq!(plan(b"gzip", 2).order, vec![Encoding::Gzip]);
        assert_eq!(plan(b"Deflate\0", 2).order, vec![Encoding::Deflate]);
        let p = plan(b"deflate, gzip", 3);
        assert_eq!(p.order, vec![Encoding::Gzip, Encoding::Deflate]);
        let p = plan(b"gzip,", 2);
        assert_eq!(p.order, vec![Encoding::Gzip]);
        let p = plan(b"deflate\xa0", 2);
        assert_eq!((p.order.len(), p.abnormal), (1, 1));
        let p = plan(b"identity, identity", 2);
        assert!(p.order.is_empty());
        assert_eq!(p.abnormal, 2);
        let p = plan(b"identity, identity, gzip, identity, gzip, gzip", 2);
        assert!(p.too_many_layers && p.order.is_empty());
    }

    #[test]
    fn noise_never_panics() {
        let mut seed = 7u32;
        for _ in 0..300 {
            let len = (seed % 300) as usize;
            let mut buf = vec![0x1f, 0x8b, 0x08];
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                buf.push((seed >> 16) as u8);
            }
            for kind in [Encoding::Gzip, Encoding::Deflate, Encoding::Zlib] {
                let _ = run(&[kind, Encoding::Gzip], &buf, (seed % 17) as usize);
            }
        }
    }
}
