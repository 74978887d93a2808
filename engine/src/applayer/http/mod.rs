//! HTTP/1.0 and HTTP/1.1 over reassembled TCP streams, modelled on libhtp
//! (the parser inside Suricata 8) so that buffers, events and EVE records
//! come out as Suricata's do, including on malformed and evasive traffic.
//!
//! # What is parsed
//!
//! * Request lines of any shape: absolute URIs, a missing protocol
//!   (HTTP/0.9 when nothing follows), extra or odd whitespace, lowercase
//!   or unknown methods, spaces inside the URI (the protocol is what follows
//!   the last space).
//! * Header blocks with libhtp's leniency (see [`headers`]): CR-only line
//!   ends in responses, obs-fold continuation lines, lines without colon.
//!   A repeated header is merged into the first with `, ` (except
//!   `Content-Length`, whose first value is kept).
//! * Bodies by `Content-Length`, chunked (extensions ignored, trailers
//!   parsed into the headers) or until close; none for `HEAD`, 1xx, 204 and
//!   304 (unless they carry a length); `100 Continue` is skipped; a `101`
//!   or a successful `CONNECT` turns the connection into a tunnel.
//! * Pipelining and keep-alive: responses pair with requests in order,
//!   transaction ids 0, 1, 2… per flow.
//! * `Content-Encoding` gzip/deflate (several layers, mislabelled data,
//!   broken gzip headers) for response and request bodies, bounded against
//!   decompression bombs (see [`decompress`], [`body`]).
//!
//! # What is normalized, and how
//!
//! * `http.uri`: the request target is split into its parts; the path is
//!   percent-decoded (`%XX`, `%uXXXX`, encoded `/` and `\` too; invalid
//!   escapes kept as is), `\` becomes `/`, `//` runs are compressed,
//!   non-ASCII UTF-8 is best-fit mapped to single bytes, and dot segments
//!   are removed; the query and fragment are percent-decoded (`+` is not a
//!   space); the buffer is path `?` query `#` fragment, without scheme or
//!   host. `http.uri.raw` is the target exactly as sent. Details in
//!   [`normalize`].
//! * `http.host`: the host of an absolute URI, else of the `Host` header,
//!   lower-cased, without port (IPv6 literals keep their brackets).
//!   `http.host.raw` is the `Host` value as sent.
//! * `http.header`: `Name: value\r\n` for each (merged) header in arrival
//!   order, `Cookie` (requests) and `Set-Cookie` (responses) left out;
//!   names and values trimmed, folded lines joined. `http.header.raw` is the
//!   header block as sent, final empty line included (trailers appended).
//! * `http.header_names`: `\r\n` + each name + `\r\n`, and a final `\r\n`.
//! * `http.start`: request or status line + `\r\n` + every header as
//!   `Name: value\r\n` (cookies included) + `\r\n`.
//! * `http.request_header` / `http.response_header`: one `Name: value`
//!   item per header.
//! * Other header buffers are the trimmed header values; `http.stat_code`
//!   is the status text as sent, `http.request_line`/`http.response_line`
//!   the lines without their line end.
//! * `http.request_body`, `http.response_body`, `file.data`: de-chunked and
//!   decompressed bodies, up to the configured body limits.
//!
//! # Files
//!
//! A response with a body is a file named by `Content-Disposition`
//! `filename=` or else by the normalized request path; a POST or PUT body is
//! a file named by the path, or each `multipart/form-data` part with a file
//! name is one. [`Tx::files`] and [`file_eve`] give the `fileinfo` data.

mod body;
mod decompress;
mod events;
mod filestore;
mod headers;
mod log;
mod multipart;
mod normalize;
mod parser;
mod request;
mod request_headers;
mod response;
mod response_headers;
mod state;
mod tx;
mod util;

#[cfg(test)]
mod pcap_tests;
#[cfg(test)]
mod tests;

pub use body::{FileHashes, FileInfo, FileState};
pub use filestore::{StoreConfig, DEFAULT_DEPTH as FILE_STORE_DEFAULT_DEPTH};
pub use log::{file_eve, write_file_eve};
pub use state::State;
pub use tx::{Header, Headers, Progress, Tx};

use super::Probe;
use crate::flow::Direction;

/// Request methods Suricata's protocol detection knows (followed by a
/// space or tab, case-insensitive).
const METHODS: &[&[u8]] = &[
    b"GET",
    b"PUT",
    b"POST",
    b"HEAD",
    b"TRACE",
    b"OPTIONS",
    b"CONNECT",
    b"DELETE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"CHECKOUT",
    b"UNCHECKOUT",
    b"CHECKIN",
    b"UPDATE",
    b"LABEL",
    b"REPORT",
    b"MKWORKSPACE",
    b"MKACTIVITY",
    b"MERGE",
    b"INVALID",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
];

/// Does `data`, the first bytes of one direction, start HTTP? Requests
/// start with a method and a space or tab; responses with `HTTP/`.
pub fn probe(data: &[u8], dir: Direction) -> Probe {
    let starts = |pat: &[u8]| -> Probe {
        let n = data.len().min(pat.len());
        if !data[..n].eq_ignore_ascii_case(&pat[..n]) {
            Probe::NoMatch
        } else if n < pat.len() {
            Probe::NeedMore
        } else {
            Probe::Match
        }
    };
    let mut best = Probe::NoMatch;
    let mut consider = |p: Probe| {
        best = match (best, p) {
            (Probe::Match, _) | (_, Probe::Match) => Probe::Match,
            (Probe::NeedMore, _) | (_, Probe::NeedMore) => Probe::NeedMore,
            _ => Probe::NoMatch,
        }
    };
    match dir {
        Direction::ToServer => {
            for m in METHODS {
                let mut sp = m.to_vec();
                sp.push(b' ');
                let mut tab = m.to_vec();
                tab.push(b'\t');
                consider(starts(&sp));
                consider(starts(&tab));
            }
        }
        Direction::ToClient => consider(starts(b"HTTP/")),
    }
    best
}

#[cfg(test)]
mod probe_tests {
    use super::*;

    #[test]
    fn probes() {
        assert_eq!(
            probe(b"GET / HTTP/1.1\r\n", Direction::ToServer),
            Probe::Match
        );
        assert_eq!(probe(b"post\t/x", Direction::ToServer), Probe::Match);
        assert_eq!(probe(b"PO", Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(b"", Direction::ToServer), Probe::NeedMore);
        assert_eq!(probe(b"GETX /", Direction::ToServer), Probe::NoMatch);
        assert_eq!(probe(b"\x16\x03\x01", Direction::ToServer), Probe::NoMatch);
        assert_eq!(probe(b"HTTP/1.1 200", Direction::ToClient), Probe::Match);
        assert_eq!(probe(b"http/", Direction::ToClient), Probe::Match);
        assert_eq!(probe(b"HT", Direction::ToClient), Probe::NeedMore);
        assert_eq!(probe(b"SSH-2.0", Direction::ToClient), Probe::NoMatch);
        assert_eq!(
            probe(b"GET / HTTP/1.1", Direction::ToClient),
            Probe::NoMatch
        );
    }
}
