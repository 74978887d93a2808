//! HTTP/2 over cleartext TCP (RFC 9113): prior knowledge (the client
//! preface `PRI * HTTP/2.0`) and the HTTP/1 `Upgrade: h2c` path.
//!
//! Suricata 7 exposes HTTP/2 requests and responses to the `http.*`
//! keywords (`alert http` rules match both HTTP versions, `alert http1`
//! only HTTP/1): each stream is one transaction whose `http.uri` is
//! `:path`, `http.method` `:method`, `http.stat_code` `:status`, and whose
//! header buffers list every field, pseudo-headers included (the
//! `strip_pseudo_headers` transform removes them). See [`Tx::buffer_dir`].
//!
//! * [`frame`]: frame headers and payload layouts.
//! * [`hpack`] / [`huffman`]: header decompression.
//! * [`state`]: framing per direction, header block reassembly, streams
//!   to transactions, limits.
//! * [`tx`]: a stream's buffers and its EVE object.

pub mod frame;
pub mod hpack;
pub mod huffman;
mod state;
mod tx;

#[cfg(test)]
mod tests;

pub use state::{Dropped, State};
pub use tx::{Progress, Tx};

use super::Probe;
use crate::flow::Direction;

/// Largest frame a server may send before SETTINGS raise the limit
/// (RFC 9113 `SETTINGS_MAX_FRAME_SIZE` initial value).
const DEFAULT_MAX_FRAME: u32 = 16_384;

/// Does `data`, the first bytes of one direction, start HTTP/2? The
/// client sends the connection preface; a server's first frame is a
/// SETTINGS frame (Suricata probes this only on its detection ports).
pub fn probe(data: &[u8], dir: Direction) -> Probe {
    match dir {
        Direction::ToServer => {
            let n = data.len().min(frame::PREFACE.len());
            if data.get(..n) != frame::PREFACE.get(..n) {
                Probe::NoMatch
            } else if n < frame::PREFACE.len() {
                Probe::NeedMore
            } else {
                Probe::Match
            }
        }
        Direction::ToClient => match frame::FrameHeader::parse(data) {
            None => Probe::NeedMore,
            Some(h)
                if !h.reserved
                    && h.length <= DEFAULT_MAX_FRAME
                    && h.flags & 0xfe == 0
                    && h.kind == frame::kind::SETTINGS =>
            {
                Probe::Match
            }
            Some(_) => Probe::NoMatch,
        },
    }
}
