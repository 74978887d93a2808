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
//! * several layers chain, the last encoding named being removed first;
//! * LZMA (the `.lzma` format: properties, dictionary size, unpacked size)
//!   is decoded only when the configuration enables it (`lzma-enabled`,
//!   off by default as in Suricata), with the dictionary capped at
//!   `lzma-memlimit` (1 MiB): a stream whose output outgrows it fails like
//!   any bad data. The decoder is lzma-rs, the pure-Rust crate Suricata 8's
//!   own HTTP parser uses, so the limits behave the same; it hands output
//!   over when its dictionary wraps or at the end of the body
//!   ([`Chain::finish`]).
//!
//! Output is bounded by the caller's sink (decompression-bomb guard): the
//! sink returns `false` to stop the whole chain.

use std::io::Write;

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
    /// LZMA (`.lzma`), decoded when enabled, else passed through.
    Lzma,
}

/// libhtp's LZMA settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LzmaSettings {
    /// LZMA layers decoded per body (`lzma-enabled`: `yes` is 1, `no` 0).
    pub layers: usize,
    /// Dictionary bytes one LZMA stream may use (`lzma-memlimit`).
    pub memlimit: usize,
}

impl Default for LzmaSettings {
    /// Suricata's defaults: off, 1 MiB when turned on.
    fn default() -> Self {
        LzmaSettings {
            layers: 0,
            memlimit: 1 << 20,
        }
    }
}

impl LzmaSettings {
    /// The dictionary limit when LZMA is decoded at all.
    fn enabled(self) -> Option<usize> {
        (self.layers > 0 && self.memlimit > 0).then_some(self.memlimit)
    }
}

/// Compressed bytes given to the LZMA decoder at a time, so a bomb cannot
/// produce much before the sink gets a say.
const LZMA_STEP: usize = 256;

type LzmaStream = lzma_rs::decompress::Stream<Vec<u8>>;

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
    /// Dictionary limit when LZMA is decoded (None: LZMA passes through).
    lzma_limit: Option<usize>,
    lzma: Option<Box<LzmaStream>>,
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
    fn new(kind: Encoding, lzma_limit: Option<usize>) -> Layer {
        let mut l = Layer {
            kind,
            mode: Mode::Active,
            restarts: 0,
            gz: None,
            inflate: None,
            lzma_limit,
            lzma: None,
        };
        l.reset();
        l
    }

    fn reset(&mut self) {
        self.gz = None;
        self.inflate = None;
        self.lzma = None;
        match self.kind {
            Encoding::Gzip => self.gz = Some(GzHeader::default()),
            Encoding::Deflate => self.inflate = Some(Decompress::new(false)),
            Encoding::Zlib => self.inflate = Some(Decompress::new(true)),
            Encoding::Lzma => match self.lzma_limit {
                Some(limit) => {
                    let opts = lzma_rs::decompress::Options {
                        unpacked_size: lzma_rs::decompress::UnpackedSize::ReadFromHeader,
                        memlimit: Some(limit),
                        // A body may end early; what was decoded counts.
                        allow_incomplete: true,
                    };
                    self.lzma = Some(Box::new(LzmaStream::new_with_options(&opts, Vec::new())));
                }
                None => self.mode = Mode::Passthrough,
            },
        }
    }

    /// End of the body: what the layer still holds (an LZMA dictionary
    /// not yet handed over).
    fn finish(&mut self) -> Vec<u8> {
        match (self.mode, self.lzma.take()) {
            (Mode::Active, Some(stream)) => stream.finish().unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Decodes `data` with the LZMA stream, `LZMA_STEP` bytes at a time.
    fn decode_lzma(
        stream: &mut LzmaStream,
        data: &[u8],
        pending: &mut Vec<u8>,
        next: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Outcome {
        for piece in data.chunks(LZMA_STEP) {
            if stream.write_all(piece).is_err() {
                return Outcome::Failed;
            }
            if let Some(out) = stream.get_output_mut() {
                pending.append(out);
            }
            while pending.len() >= OUT_CHUNK {
                let rest = pending.split_off(OUT_CHUNK);
                let full = std::mem::replace(pending, rest);
                if !next(&full) {
                    return Outcome::Abort;
                }
            }
        }
        Outcome::Ok
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
        if let Some(stream) = &mut self.lzma {
            return Self::decode_lzma(stream, data, pending, next);
        }
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
    /// Builds a chain; `order` lists encodings in the order data meets them;
    /// LZMA layers decode with `lzma` (their dictionary limit) or pass
    /// through (None).
    pub fn new(order: &[Encoding], lzma: Option<usize>) -> Chain {
        Chain {
            layers: order.iter().map(|&e| Layer::new(e, lzma)).collect(),
            aborted: false,
        }
    }

    /// The body ended: layers hand over what they still hold, in order.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&[u8]) -> bool) {
        if !self.aborted && !finish_layers(&mut self.layers, sink) {
            self.aborted = true;
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

fn finish_layers(layers: &mut [Layer], sink: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    match layers.split_first_mut() {
        None => true,
        Some((first, rest)) => {
            let tail = first.finish();
            (tail.is_empty() || feed(rest, &tail, sink)) && finish_layers(rest, sink)
        }
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
    /// Dictionary limit of the LZMA layers, when they are decoded.
    pub lzma: Option<usize>,
}

/// Decides the decoding layers for a `Content-Encoding` value, exactly the
/// way libhtp does (fast path for a single known name, otherwise a split on
/// `,` and space with substring matching, a layer limit and, when LZMA is
/// decoded, an LZMA layer limit).
pub fn plan(ce: &[u8], layer_limit: usize, lzma: LzmaSettings) -> Plan {
    use super::util::{contains_nocase, eq_nocase_nozero};
    let mut p = Plan {
        lzma: lzma.enabled(),
        ..Plan::default()
    };
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
    let mut lzma_layers = 0;
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
            lzma_layers += 1;
            if p.lzma.is_some() && lzma_layers > lzma.layers {
                // libhtp: "too many LZMA layers", the rest is left as is.
                break;
            }
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
        run_with(order, input, step, None)
    }

    fn run_with(order: &[Encoding], input: &[u8], step: usize, lzma: Option<usize>) -> Vec<u8> {
        let mut c = Chain::new(order, lzma);
        let mut out = Vec::new();
        for piece in input.chunks(step.max(1)) {
            c.write(piece, &mut |d| {
                out.extend_from_slice(d);
                true
            });
        }
        c.finish(&mut |d| {
            out.extend_from_slice(d);
            true
        });
        out
    }

    fn lzma(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        lzma_rs::lzma_compress(&mut std::io::Cursor::new(data), &mut out).unwrap();
        out
    }

    /// http-evader's LZMA body (8 MiB dictionary, size unknown, end marker).
    const EVADER_LZMA: &[u8] = &[
        0x5d, 0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x2c,
        0x0d, 0x45, 0xe2, 0x23, 0x4b, 0x38, 0x09, 0xfe, 0x24, 0x2c, 0x5b, 0x4b, 0x36, 0x90, 0x31,
        0xdc, 0x4b, 0x24, 0x35, 0xb6, 0x32, 0xdf, 0xaf, 0x31, 0x4c, 0x3c, 0xdf, 0xcf, 0x3a, 0x4b,
        0x75, 0x73, 0xe5, 0x8b, 0xc8, 0x7e, 0x89, 0xb3, 0x80, 0x5e, 0xf7, 0x94, 0x1f, 0x8d, 0xa9,
        0xc3, 0x1e, 0xfa, 0x49, 0x6c, 0x05, 0xfc, 0x84, 0x05, 0x5a, 0x71, 0xfc, 0x39, 0xba, 0x92,
        0x65, 0x8b, 0x97, 0x43, 0xa7, 0xdd, 0x78, 0x50, 0x97, 0xbf, 0xff, 0xc4, 0x18, 0xa0, 0x00,
    ];

    #[test]
    fn lzma_decodes_when_enabled_any_split() {
        for step in [1, 5, 13, 14, 1000] {
            let out = run_with(&[Encoding::Lzma], EVADER_LZMA, step, Some(1 << 20));
            assert!(out.starts_with(EICAR), "step {step}: {out:?}");
        }
        let z = lzma(b"hello lzma world");
        assert_eq!(
            run_with(&[Encoding::Lzma], &z, 3, Some(1 << 20)),
            b"hello lzma world"
        );
        // Off (Suricata's default): the body passes through as sent.
        assert_eq!(
            run_with(&[Encoding::Lzma], EVADER_LZMA, 7, None),
            EVADER_LZMA
        );
    }

    #[test]
    fn corrupt_lzma_never_panics() {
        // Every byte of the body replaced by a few values, and every prefix.
        for i in 0..EVADER_LZMA.len() {
            for v in [0x00, 0x5d, 0xff, 0xe1] {
                let mut z = EVADER_LZMA.to_vec();
                z[i] = v;
                let _ = run_with(&[Encoding::Lzma], &z, 9, Some(1 << 20));
            }
            let _ = run_with(&[Encoding::Lzma], &EVADER_LZMA[..i], 4, Some(1 << 20));
        }
    }

    #[test]
    fn lzma_output_past_the_memory_limit_fails_like_bad_data() {
        // 64 KiB of output with a 4 KiB dictionary limit: the decoder
        // refuses, and the restarts (deflate, zlib, gzip) cannot decode it
        // either, so the chain passes the rest through untouched.
        let big: Vec<u8> = (0..65536u32).map(|i| (i * 7 % 251) as u8).collect();
        let z = lzma(&big);
        let out = run_with(&[Encoding::Lzma], &z, 512, Some(4096));
        assert_ne!(out, big);
        assert!(out.len() <= z.len());
        assert_eq!(run_with(&[Encoding::Lzma], &z, 512, Some(1 << 20)), big);
    }

    #[test]
    fn lzma_layers_are_limited() {
        let on = LzmaSettings {
            layers: 1,
            ..LzmaSettings::default()
        };
        assert_eq!(plan(b"lzma", 2, on).order, [Encoding::Lzma]);
        assert_eq!(plan(b"lzma", 2, on).lzma, Some(1 << 20));
        assert_eq!(plan(b"lzma", 2, LzmaSettings::default()).lzma, None);
        // Slow path: the second LZMA layer is past the limit.
        assert_eq!(plan(b"lzma, lzma", 3, on).order, [Encoding::Lzma]);
        let two = LzmaSettings { layers: 2, ..on };
        assert_eq!(plan(b"lzma, lzma", 3, two).order, [Encoding::Lzma; 2]);
        assert_eq!(
            plan(b"gzip, lzma", 3, on).order,
            [Encoding::Lzma, Encoding::Gzip]
        );
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
        let mut c = Chain::new(&[Encoding::Gzip], None);
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
        assert_eq!(
            plan(b"gzip", 2, LzmaSettings::default()).order,
            vec![Encoding::Gzip]
        );
        assert_eq!(
            plan(b"Deflate\0", 2, LzmaSettings::default()).order,
            vec![Encoding::Deflate]
        );
        let p = plan(b"deflate, gzip", 3, LzmaSettings::default());
        assert_eq!(p.order, vec![Encoding::Gzip, Encoding::Deflate]);
        let p = plan(b"gzip,", 2, LzmaSettings::default());
        assert_eq!(p.order, vec![Encoding::Gzip]);
        let p = plan(b"deflate\xa0", 2, LzmaSettings::default());
        assert_eq!((p.order.len(), p.abnormal), (1, 1));
        let p = plan(b"identity, identity", 2, LzmaSettings::default());
        assert!(p.order.is_empty());
        assert_eq!(p.abnormal, 2);
        let p = plan(
            b"identity, identity, gzip, identity, gzip, gzip",
            2,
            LzmaSettings::default(),
        );
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
