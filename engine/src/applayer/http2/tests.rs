//! Byte-level tests of the HTTP/2 state: frames split anywhere, header
//! blocks over CONTINUATION, padding, resets, the h2c upgrade, limits and
//! hostile input.

use sigil_rules::buffer::{Buffer, Side};

use super::frame::{flag, kind, PREFACE};
use super::*;
use crate::applayer::AppConfig;
use crate::capture::Timestamp;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// A header block of literals without indexing (no Huffman).
fn block(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (n, v) in fields {
        b.push(0x00);
        b.push(n.len() as u8);
        b.extend_from_slice(n.as_bytes());
        b.push(v.len() as u8);
        b.extend_from_slice(v.as_bytes());
    }
    b
}

fn buf(tx: &Tx, b: Buffer, dir: Direction) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tx.buffer_dir(b, dir, &mut out);
    out.into_iter().map(<[u8]>::to_vec).collect()
}

fn request() -> Vec<u8> {
    let mut c = PREFACE.to_vec();
    c.extend(frame(kind::SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]));
    c.extend(frame(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        1,
        &block(&[
            (":method", "GET"),
            (":path", "/watchdog/watchdog.exe"),
            (":authority", "example.com"),
            (":scheme", "http"),
        ]),
    ));
    c
}

fn response() -> Vec<u8> {
    let mut s = frame(kind::SETTINGS, 0, 0, &[]);
    s.extend(frame(
        kind::HEADERS,
        flag::END_HEADERS,
        1,
        &block(&[(":status", "200"), ("accept-ranges", "bytes")]),
    ));
    s.extend(frame(kind::DATA, 0, 1, b"hello "));
    // Padded: pad length 3, content "world", 3 bytes of padding.
    s.extend(frame(
        kind::DATA,
        flag::PADDED | flag::END_STREAM,
        1,
        b"\x03world\0\0\0",
    ));
    s
}

#[test]
fn prior_knowledge_exchange_split_anywhere() {
    let cfg = AppConfig::default();
    for chunk in [1usize, 2, 7, 9, 1000] {
        let mut st = State::new(&cfg);
        for c in request().chunks(chunk) {
            st.input(Direction::ToServer, c, Timestamp::default());
        }
        {
            let tx = st.txs().next().expect("stream 1");
            assert_eq!(tx.stream_id(), 1);
            assert!(tx.complete(Side::ToServer) && !tx.complete(Side::ToClient));
            assert_eq!(
                buf(tx, Buffer::HttpUri, Direction::ToServer),
                vec![b"/watchdog/watchdog.exe".to_vec()]
            );
        }
        for c in response().chunks(chunk) {
            st.input(Direction::ToClient, c, Timestamp::default());
        }
        assert!(st.events().is_empty(), "chunk {chunk}");
        let done = st.take_finished(false);
        assert_eq!(done.len(), 1);
        let tx = &done[0];
        assert_eq!(
            buf(tx, Buffer::HttpResponseBody, Direction::ToClient),
            vec![b"hello world".to_vec()]
        );
        assert_eq!(
            buf(tx, Buffer::HttpHeaderNames, Direction::ToClient),
            vec![b"\r\n:status\r\naccept-ranges\r\n\r\n".to_vec()]
        );
        assert_eq!(tx.eve()["length"], 11);
        assert_eq!(st.txs().count(), 0);
    }
}

#[test]
fn continuation_reset_and_out_of_order_streams() {
    let mut st = State::new(&AppConfig::default());
    let b = block(&[(":method", "POST"), (":path", "/up")]);
    let (a, rest) = b.split_at(5);
    let mut c = PREFACE.to_vec();
    c.extend(frame(kind::HEADERS, 0, 3, a));
    c.extend(frame(kind::CONTINUATION, flag::END_HEADERS, 3, rest));
    c.extend(frame(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        5,
        &block(&[(":method", "GET"), (":path", "/five")]),
    ));
    c.extend(frame(kind::DATA, flag::END_STREAM, 3, b"body"));
    st.input(Direction::ToServer, &c, Timestamp::default());
    let ids: Vec<_> = st.txs().map(|t| (t.id(), t.stream_id())).collect();
    assert_eq!(ids, vec![(0, 3), (1, 5)]);
    // Stream 5 is reset before stream 3 gets its answer.
    st.input(
        Direction::ToClient,
        &frame(kind::RST_STREAM, 0, 5, &[0, 0, 0, 8]),
        Timestamp::default(),
    );
    let done = st.take_finished(false);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].stream_id(), 5);
    assert_eq!(done[0].eve()["http2"]["response"]["error_code"], "Cancel");
    let tx = st.txs().next().unwrap();
    assert_eq!(
        buf(tx, Buffer::HttpMethod, Direction::ToServer),
        vec![b"POST".to_vec()]
    );
    assert_eq!(
        buf(tx, Buffer::HttpRequestBody, Direction::ToServer),
        vec![b"body".to_vec()]
    );
    assert!(st.events().is_empty());
}

#[test]
fn interleaved_frame_inside_a_header_block_is_an_event() {
    let mut st = State::new(&AppConfig::default());
    let mut c = PREFACE.to_vec();
    c.extend(frame(kind::HEADERS, 0, 1, &block(&[(":method", "GET")])));
    c.extend(frame(kind::PING, 0, 0, &[0; 8]));
    c.extend(frame(kind::CONTINUATION, flag::END_HEADERS, 1, &[]));
    st.input(Direction::ToServer, &c, Timestamp::default());
    let ev = st.events();
    assert!(ev.contains(&"invalid_frame_header"), "{ev:?}");
    assert_eq!(st.dropped().blocks, 1);
}

#[test]
fn upgrade_from_http1_seeds_stream_one() {
    let headers = vec![
        (b"Host".to_vec(), b"127.0.0.1:8080".to_vec()),
        (b"User-Agent".to_vec(), b"curl".to_vec()),
    ];
    let mut st = State::upgraded(
        &AppConfig::default(),
        1,
        Some(b"GET"),
        Some(b"/eicar"),
        &headers,
        Timestamp::default(),
    );
    st.input(Direction::ToServer, PREFACE, Timestamp::default());
    st.input(
        Direction::ToClient,
        &frame(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            1,
            &block(&[(":status", "206")]),
        ),
        Timestamp::default(),
    );
    let done = st.take_finished(false);
    assert_eq!(done.len(), 1);
    let tx = &done[0];
    assert_eq!(tx.id(), 1, "ids go on after the HTTP/1 transaction");
    let names: Vec<_> = tx
        .request_headers()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(
        names,
        vec![
            b":method".to_vec(),
            b":path".to_vec(),
            b":authority".to_vec(),
            b"User-Agent".to_vec()
        ]
    );
    assert_eq!(
        buf(tx, Buffer::HttpHost, Direction::ToServer),
        vec![b"127.0.0.1".to_vec()]
    );
    assert!(st.events().is_empty());
}

#[test]
fn limits_are_enforced_and_counted() {
    let cfg = AppConfig {
        http2_max_streams: 2,
        http2_max_reassembly: 1024,
        ..AppConfig::default()
    };
    let mut st = State::new(&cfg);
    let mut c = PREFACE.to_vec();
    for sid in [1u32, 3, 5] {
        c.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS,
            sid,
            &block(&[(":path", "/")]),
        ));
    }
    st.input(Direction::ToServer, &c, Timestamp::default());
    assert_eq!(st.dropped().streams, 1);
    assert!(st.events().contains(&"too_many_streams"));
    let held: Vec<_> = st.txs().map(Tx::stream_id).collect();
    assert_eq!(held, vec![3, 5], "the oldest stream was dropped");
    // A header block over the reassembly limit is not decoded.
    let big = vec![b'x'; 200];
    let mut c = Vec::new();
    c.extend(frame(kind::HEADERS, 0, 7, &big));
    for _ in 0..6 {
        c.extend(frame(kind::CONTINUATION, 0, 7, &big));
    }
    c.extend(frame(kind::CONTINUATION, flag::END_HEADERS, 7, &big));
    st.input(Direction::ToServer, &c, Timestamp::default());
    assert!(st.events().contains(&"reassembly_limit_reached"));
    assert_eq!(st.dropped().blocks, 1);
}

#[test]
fn bad_preface_and_frames_raise_events() {
    let mut st = State::new(&AppConfig::default());
    let mut c = b"PRI * HTTP/1.1\r\n".to_vec();
    c.extend(frame(kind::SETTINGS, 0, 0, &[0, 3, 0]));
    st.input(Direction::ToServer, &c, Timestamp::default());
    let ev = st.events();
    assert!(ev.contains(&"invalid_client_magic"), "{ev:?}");
    let mut st = State::new(&AppConfig::default());
    let mut c = PREFACE.to_vec();
    c.extend(frame(kind::SETTINGS, 0, 0, &[0, 3, 0]));
    c.extend(frame(kind::DATA, 0, 0, b"x"));
    c.extend(frame(kind::HEADERS, flag::END_HEADERS, 1, &[0xbe]));
    st.input(Direction::ToServer, &c, Timestamp::default());
    let ev = st.events();
    for e in ["invalid_frame_length", "data_stream_zero", "invalid_header"] {
        assert!(ev.contains(&e), "{e} in {ev:?}");
    }
    assert_eq!(st.txs().next().unwrap().events(), &["invalid_header"]);
}

#[test]
fn probes() {
    assert_eq!(probe(PREFACE, Direction::ToServer), Probe::Match);
    assert_eq!(probe(b"PRI * HT", Direction::ToServer), Probe::NeedMore);
    assert_eq!(
        probe(b"GET / HTTP/1.1", Direction::ToServer),
        Probe::NoMatch
    );
    let settings = frame(kind::SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]);
    assert_eq!(probe(&settings, Direction::ToClient), Probe::Match);
    assert_eq!(probe(&settings[..5], Direction::ToClient), Probe::NeedMore);
    assert_eq!(
        probe(b"HTTP/1.1 200 OK\r\n", Direction::ToClient),
        Probe::NoMatch
    );
}

#[test]
fn hostile_input_never_panics_and_stays_bounded() {
    let mut next = crate::testutil::xorshift(0x517c_c1b7_2722_0a95_u64);
    let mut valid = request();
    valid.extend(response());
    let cfg = AppConfig::default();
    for round in 0..400 {
        let mut st = State::new(&cfg);
        let mut data = if round % 2 == 0 {
            valid.clone()
        } else {
            let n = (next() % 600) as usize;
            (0..n).map(|_| next() as u8).collect()
        };
        // Flip a few bytes (frame lengths, types, HPACK bytes …).
        for _ in 0..(next() % 8) {
            if data.is_empty() {
                break;
            }
            let i = (next() as usize) % data.len();
            data[i] = next() as u8;
        }
        let mut rest = &data[..];
        while !rest.is_empty() {
            let n = 1 + (next() as usize) % rest.len().min(40);
            let dir = if next() % 2 == 0 {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            st.input(dir, &rest[..n], Timestamp::default());
            rest = &rest[n..];
        }
        st.gap(Direction::ToClient, 10);
        st.input(Direction::ToClient, &valid, Timestamp::default());
        for tx in st.txs() {
            let _ = tx.eve();
        }
        assert!(st.txs().count() <= cfg.http2_max_streams);
        st.events();
        st.take_finished(true);
    }
}
