//! Behaviour of the whole HTTP state: transactions, pairing, bodies,
//! buffers, events, splitting at every byte, gaps and hostile input.

use sigil_rules::buffer::{Buffer, Side};

use super::{file_eve, FileState, Progress, State, Tx};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction::{self, ToClient, ToServer};

fn state() -> State {
    State::new(&AppConfig::default())
}

fn feed(s: &mut State, parts: &[(Direction, &[u8])]) {
    for (d, data) in parts {
        s.input(*d, data, Timestamp::default());
    }
}

fn one(tx: &Tx, b: Buffer, dir: Direction) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    tx.buffer_dir(b, dir, &mut out);
    assert!(out.len() <= 1, "{b:?} has {} values", out.len());
    out.first().map(|v| v.to_vec())
}

fn all(tx: &Tx, b: Buffer, dir: Direction) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tx.buffer_dir(b, dir, &mut out);
    out.into_iter().map(<[u8]>::to_vec).collect()
}

fn s(v: &[u8]) -> Option<Vec<u8>> {
    Some(v.to_vec())
}

const REQ: &[u8] = b"GET /a/./b/../c%2Fd?x=%41 HTTP/1.1\r\nHost: WWW.Example.com:8080\r\nUser-Agent: ua\r\nCookie: k=v\r\nAccept: a\r\nAccept: b\r\n\r\n";
const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=x\r\nContent-Length: 5\r\nSet-Cookie: s=1\r\nLocation: /x\r\n\r\nhello";

#[test]
fn simple_transaction_buffers_and_eve() {
    // force-hash: every digest computed and logged.
    let mut st = State::new(&AppConfig {
        file_hashes: super::FileHashes::ALL,
        ..AppConfig::default()
    });
    feed(&mut st, &[(ToServer, REQ), (ToClient, RESP)]);
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 1);
    let tx = &txs[0];
    assert_eq!(tx.id(), 0);
    assert!(tx.complete(Side::Both));
    assert_eq!(one(tx, Buffer::HttpUri, ToServer), s(b"/a/c/d?x=A"));
    assert_eq!(
        one(tx, Buffer::HttpUriRaw, ToServer),
        s(b"/a/./b/../c%2Fd?x=%41")
    );
    assert_eq!(one(tx, Buffer::HttpHost, ToServer), s(b"www.example.com"));
    assert_eq!(
        one(tx, Buffer::HttpHostRaw, ToServer),
        s(b"WWW.Example.com:8080")
    );
    assert_eq!(one(tx, Buffer::HttpMethod, ToServer), s(b"GET"));
    assert_eq!(one(tx, Buffer::HttpProtocol, ToServer), s(b"HTTP/1.1"));
    assert_eq!(one(tx, Buffer::HttpProtocol, ToClient), s(b"HTTP/1.1"));
    assert_eq!(one(tx, Buffer::HttpAccept, ToServer), s(b"a, b"));
    assert_eq!(one(tx, Buffer::HttpCookie, ToServer), s(b"k=v"));
    assert_eq!(one(tx, Buffer::HttpCookie, ToClient), s(b"s=1"));
    assert_eq!(
        one(tx, Buffer::HttpHeader, ToServer),
        s(b"Host: WWW.Example.com:8080\r\nUser-Agent: ua\r\nAccept: a, b\r\n")
    );
    assert_eq!(
        one(tx, Buffer::HttpHeaderNames, ToServer),
        s(b"\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\n\r\n")
    );
    assert!(one(tx, Buffer::HttpStart, ToServer)
        .unwrap()
        .ends_with(b"Cookie: k=v\r\nAccept: a, b\r\n\r\n"));
    assert_eq!(
        one(tx, Buffer::HttpHeaderRaw, ToServer).unwrap(),
        REQ[REQ.iter().position(|&c| c == b'\n').unwrap() + 1..].to_vec()
    );
    assert_eq!(all(tx, Buffer::HttpRequestHeader, ToServer).len(), 4);
    assert_eq!(one(tx, Buffer::HttpStatCode, ToClient), s(b"200"));
    assert_eq!(one(tx, Buffer::HttpStatMsg, ToClient), s(b"OK"));
    assert_eq!(
        one(tx, Buffer::HttpResponseLine, ToClient),
        s(b"HTTP/1.1 200 OK")
    );
    assert_eq!(one(tx, Buffer::HttpLocation, ToClient), s(b"/x"));
    assert_eq!(one(tx, Buffer::HttpContentLen, ToClient), s(b"5"));
    assert_eq!(one(tx, Buffer::HttpResponseBody, ToClient), s(b"hello"));
    assert_eq!(one(tx, Buffer::FileData, ToClient), s(b"hello"));
    assert_eq!(one(tx, Buffer::FileData, ToServer), None);
    assert_eq!(one(tx, Buffer::HttpStatCode, ToServer), None);
    let eve = tx.eve();
    assert_eq!(
        eve,
        serde_json::json!({
            "hostname": "www.example.com", "http_port": 8080,
            "url": "/a/./b/../c%2Fd?x=%41", "http_user_agent": "ua",
            "http_content_type": "text/html", "http_method": "GET",
            "protocol": "HTTP/1.1", "status": 200, "redirect": "/x", "length": 5
        })
    );
    let files = tx.files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, b"/a/c/d");
    assert_eq!(files[0].state, FileState::Closed);
    assert_eq!(files[0].size, 5);
    assert_eq!(
        files[0].md5.as_deref(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    let fe = file_eve(&files[0]);
    assert_eq!(fe["md5"], "5d41402abc4b2a76b9719d911017c592");
    assert_eq!(fe["filename"], "/a/c/d");
    assert_eq!(fe["state"], "CLOSED");
}

/// Every split of a real request/response pair parses the same.
#[test]
fn split_at_every_byte_boundary() {
    let req = b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX: a\r\n b\r\n\r\n5;ext\r\nhello\r\n0\r\nT: 1\r\n\r\n";
    let resp = b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nf\r\r\nX5O!P%@AP[4\\PZX\r\n8\r\r\nLE!$H+H*\r\n0\r\n\r\n";
    let reference = {
        let mut st = state();
        feed(&mut st, &[(ToServer, req), (ToClient, resp)]);
        st.take_finished(true)
    };
    assert_eq!(reference.len(), 1);
    let r = &reference[0];
    assert_eq!(one(r, Buffer::HttpRequestBody, ToServer), s(b"hello"));
    assert_eq!(
        one(r, Buffer::FileData, ToClient),
        s(b"X5O!P%@AP[4\\PZXLE!$H+H*")
    );
    assert_eq!(r.request_headers().get("x"), Some(&b"a b"[..]));
    assert_eq!(r.request_headers().get("t"), Some(&b"1"[..]));
    assert!(r.events().contains(&"request_chunk_extension"));
    for cut in 1..req.len() {
        let mut st = state();
        feed(&mut st, &[(ToServer, &req[..cut]), (ToServer, &req[cut..])]);
        for c in resp.chunks(1) {
            feed(&mut st, &[(ToClient, c)]);
        }
        let txs = st.take_finished(true);
        assert_eq!(txs.len(), 1, "cut {cut}");
        let t = &txs[0];
        for b in [Buffer::HttpRequestBody, Buffer::HttpHeader, Buffer::HttpUri] {
            assert_eq!(one(t, b, ToServer), one(r, b, ToServer), "cut {cut} {b:?}");
        }
        for b in [Buffer::FileData, Buffer::HttpHeader, Buffer::HttpStatCode] {
            assert_eq!(one(t, b, ToClient), one(r, b, ToClient), "cut {cut} {b:?}");
        }
        assert_eq!(t.files(), r.files(), "cut {cut}");
        assert_eq!(t.eve(), r.eve(), "cut {cut}");
    }
}

#[test]
fn pipelined_requests_pair_in_order() {
    let mut st = state();
    feed(
        &mut st,
        &[(
            ToServer,
            b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
        )],
    );
    assert_eq!(st.txs().count(), 3);
    feed(
        &mut st,
        &[(
            ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        )],
    );
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 3);
    let urls: Vec<_> = txs.iter().map(|t| t.eve()["url"].clone()).collect();
    assert_eq!(urls, vec!["/1", "/2", "/3"]);
    assert_eq!(txs[0].eve()["length"], 2);
    assert_eq!(txs[1].eve()["length"], 0, "HEAD response has no body");
    assert_eq!(txs[2].eve()["status"], 204);
    assert!(txs.iter().map(Tx::id).eq(0..3));
}

#[test]
fn continue_and_not_modified() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (
                ToServer,
                b"POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
            ),
            (ToClient, b"HTTP/1.1 100 Continue\r\n\r\n"),
            (ToServer, b"abc"),
            (ToClient, b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"),
        ],
    );
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].status(), Some(304));
    assert_eq!(txs[0].response_headers().get("etag"), Some(&b"x"[..]));
    let files = txs[0].files();
    assert_eq!(files.len(), 1, "the POST body is a file");
    assert!(files[0].to_server);
    assert_eq!(files[0].filename, b"/p");
}

#[test]
fn gzip_body_is_decoded_for_inspection() {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"secret payload").unwrap();
    let z = e.finish().unwrap();
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        z.len()
    )
    .into_bytes();
    resp.extend_from_slice(&z);
    let mut st = state();
    feed(
        &mut st,
        &[(ToServer, b"GET /z HTTP/1.0\r\n\r\n"), (ToClient, &resp)],
    );
    let txs = st.take_finished(false);
    assert_eq!(
        one(&txs[0], Buffer::HttpResponseBody, ToClient),
        s(b"secret payload")
    );
    assert_eq!(txs[0].eve()["length"], z.len());
    assert_eq!(txs[0].files()[0].size, 14);
}

#[test]
fn lzma_body_is_decoded_only_when_enabled() {
    let body = b"lzma-wrapped secret payload";
    let mut z = Vec::new();
    lzma_rs::lzma_compress(&mut std::io::Cursor::new(&body[..]), &mut z).unwrap();
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: lzma\r\nContent-Length: {}\r\n\r\n",
        z.len()
    )
    .into_bytes();
    resp.extend_from_slice(&z);
    let run = |cfg: AppConfig| {
        let mut st = State::new(&cfg);
        // The body arrives in small pieces; the decoder hands its output
        // over when the body ends.
        feed(&mut st, &[(ToServer, b"GET /z HTTP/1.0\r\n\r\n")]);
        for piece in resp.chunks(7) {
            feed(&mut st, &[(ToClient, piece)]);
        }
        st.take_finished(false)
    };
    let on = run(AppConfig {
        http_lzma_layers: 1,
        ..AppConfig::default()
    });
    assert_eq!(one(&on[0], Buffer::FileData, ToClient), s(body));
    assert_eq!(on[0].files()[0].size, body.len() as u64);
    let off = run(AppConfig::default());
    assert_eq!(one(&off[0], Buffer::FileData, ToClient), s(&z));
}

#[test]
fn unexpected_request_body_and_body_limit() {
    let mut st = State::new(&AppConfig {
        http_request_body_limit: 4,
        ..AppConfig::default()
    });
    feed(
        &mut st,
        &[(
            ToServer,
            b"POST /index.html HTTP/1.1\r\nHost: h\r\n\r\nlogin=foo&password=bar3\r\n",
        )],
    );
    let tx = st.txs().next().unwrap();
    assert!(tx.events().contains(&"request_body_unexpected"));
    assert_eq!(one(tx, Buffer::HttpRequestBody, ToServer), s(b"logi"));
    assert_eq!(st.events(), vec!["request_body_unexpected"]);
    assert!(st.events().is_empty());
}

#[test]
fn odd_request_lines() {
    let mut st = state();
    feed(
        &mut st,
        &[(
            ToServer,
            b"get\thttp://Host.Example/x/../y?q HTTP/1.0\r\nHost: other\r\n\r\n",
        )],
    );
    let tx = st.txs().next().unwrap();
    assert_eq!(one(tx, Buffer::HttpMethod, ToServer), s(b"get"));
    assert_eq!(one(tx, Buffer::HttpUri, ToServer), s(b"/y?q"));
    assert_eq!(one(tx, Buffer::HttpHost, ToServer), s(b"host.example"));
    let ev = tx.events();
    assert!(ev.contains(&"method_delim_non_compliant"));
    assert!(ev.contains(&"host_header_ambiguous"));

    let mut st = state();
    feed(
        &mut st,
        &[(
            ToServer,
            b"GET /gen.php?x=1\r\nHost: h\r\nUser-Agent: u\r\n\r\n",
        )],
    );
    let tx = st.txs().next().unwrap();
    assert_eq!(tx.request_progress(), Progress::Complete);
    assert!(tx.events().contains(&"request_line_missing_protocol"));
    assert_eq!(
        one(tx, Buffer::HttpHeaderNames, ToServer),
        s(b"\r\nHost\r\nUser-Agent\r\n\r\n")
    );
}

#[test]
fn http_0_9_response_is_all_body() {
    let mut st = state();
    feed(&mut st, &[(ToServer, b"GET /old\r\n")]);
    feed(&mut st, &[(ToClient, b"<html>hi</html>")]);
    st.close(ToClient);
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 1);
    assert_eq!(
        one(&txs[0], Buffer::FileData, ToClient),
        s(b"<html>hi</html>")
    );
    assert_eq!(txs[0].eve().get("status"), None);
}

#[test]
fn response_without_request_and_non_http_status_line() {
    let mut st = state();
    feed(
        &mut st,
        &[(ToClient, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")],
    );
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].eve()["url"], "/libhtp::request_uri_not_seen");
    assert!(txs[0]
        .events()
        .contains(&"unable_to_match_response_to_request"));

    let mut st = state();
    feed(
        &mut st,
        &[
            (ToServer, b"\x85\x00garbage"),
            (
                ToClient,
                b"HTTP/1.1 400 Bad\r\nContent-Length: 3\r\n\r\nbad",
            ),
        ],
    );
    let txs = st.take_finished(true);
    assert_eq!(txs.len(), 1);
    assert!(txs[0].events().contains(&"request_line_incomplete"));
    assert_eq!(
        one(&txs[0], Buffer::HttpResponseLine, ToClient),
        s(b"HTTP/1.1 400 Bad")
    );
    assert_eq!(one(&txs[0], Buffer::FileData, ToClient), s(b"bad"));
    // No request path when the response came: no file (as Suricata).
    assert!(txs[0].files().is_empty());
}

#[test]
fn headers_cut_by_close() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (ToServer, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
            (ToClient, b"HTTP/1.0 200 OK\nServer:ng1nx\r\n"),
        ],
    );
    st.close(ToClient);
    let tx = st.txs().next().unwrap();
    assert_eq!(
        one(tx, Buffer::HttpHeader, ToClient),
        s(b"Server: ng1nx\r\n")
    );
    assert!(tx.complete(Side::Both));
}

#[test]
fn connect_and_upgrade_become_tunnels() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (ToServer, b"CONNECT / HTTP/1.1\r\nX: y\r\n\r\n"),
            (ToClient, b"HTTP/1.1 200 OK\r\n\r\n"),
            (ToServer, b"\x16\x03\x01\x00\xa5\x01"),
        ],
    );
    assert!(st.is_tunnel());
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].eve()["http_method"], "CONNECT");
    assert_eq!(txs[0].eve()["url"], "/");
    assert_eq!(one(&txs[0], Buffer::HttpHost, ToServer), None);

    let mut st = state();
    feed(
        &mut st,
        &[
            (
                ToServer,
                b"GET /robots.txt HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            ),
            (
                ToClient,
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n\x00\x00\x12\x04",
            ),
        ],
    );
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 1);
    assert!(txs[0].http2_upgrade());
    assert!(st.is_tunnel());
}

/// A CONNECT whose client never sends more keeps waiting for its next
/// bytes; when the connection ends its request counts as complete, so its
/// headers reach the rules' last look (Suricata alerts on them then).
#[test]
fn connect_left_waiting_completes_at_close() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (
                ToServer,
                b"CONNECT / HTTP/1.1\r\nUser-Agent: Morfeus\r\n\r\n",
            ),
            (ToClient, b"HTTP/1.1 200 OK\r\n\r\n"),
        ],
    );
    let tx = st.txs().next().unwrap();
    assert_eq!(
        one(tx, Buffer::HttpUserAgent, ToServer),
        None,
        "still waiting"
    );
    st.close(ToServer);
    st.close(ToClient);
    let txs = st.take_finished(true);
    assert_eq!(txs.len(), 1);
    assert_eq!(one(&txs[0], Buffer::HttpUserAgent, ToServer), s(b"Morfeus"));
    assert!(txs[0].complete(Side::ToServer));
}

#[test]
fn failed_connect_holds_responses_until_the_next_request() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (ToServer, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
            (
                ToClient,
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            ),
        ],
    );
    // The second response waits for its request instead of being unmatched.
    assert_eq!(st.txs().count(), 1);
    feed(
        &mut st,
        &[(ToServer, b"GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n")],
    );
    let txs = st.take_finished(false);
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].status(), Some(403));
    assert_eq!(txs[0].eve()["hostname"], "example.com");
    assert_eq!(txs[1].eve()["url"], "/next");
    assert_eq!(one(&txs[1], Buffer::HttpResponseBody, ToClient), s(b"ok"));
    assert!(txs[1].events().is_empty());
}

#[test]
fn body_gap_counts_and_header_gap_resyncs() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (ToServer, b"GET /f HTTP/1.1\r\nHost: h\r\n\r\n"),
            (ToClient, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"),
        ],
    );
    st.gap(ToClient, 5);
    feed(&mut st, &[(ToClient, b"xyz")]);
    let txs = st.take_finished(false);
    let f = &txs[0].files()[0];
    assert!(f.gaps);
    assert_eq!(f.size, 10);
    assert_eq!(txs[0].eve()["length"], 10);

    let mut st = state();
    feed(&mut st, &[(ToServer, b"GET /a HTTP/1.1\r\nHo")]);
    st.gap(ToServer, 100);
    feed(
        &mut st,
        &[(
            ToServer,
            b"junk\r\nmore junk\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
        )],
    );
    let urls: Vec<_> = st.txs().map(|t| t.eve()["url"].clone()).collect();
    assert_eq!(urls, vec!["/a", "/b"]);
}

#[test]
fn multipart_upload_files() {
    let body = b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.exe\"\r\n\r\nMZ\x90\x00\r\n--B--\r\n";
    let mut req = format!(
        "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    let mut st = state();
    feed(&mut st, &[(ToServer, &req)]);
    let tx = st.txs().next().unwrap();
    assert_eq!(all(tx, Buffer::FileName, ToServer), vec![b"a.exe".to_vec()]);
    assert_eq!(
        all(tx, Buffer::FileData, ToServer),
        vec![b"MZ\x90\x00".to_vec()]
    );
    assert_eq!(
        one(tx, Buffer::HttpRequestBody, ToServer).unwrap(),
        body.to_vec()
    );
}

#[test]
fn transactions_are_bounded() {
    let mut st = State::new(&AppConfig {
        max_tx: 4,
        ..AppConfig::default()
    });
    for _ in 0..20 {
        feed(&mut st, &[(ToServer, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")]);
    }
    // Never more than twice the limit, even when nobody takes them out.
    assert!(st.txs().count() <= 8);
    let done = st.take_finished(false);
    assert!(!done.is_empty());
    assert!(st.txs().count() <= 4);
}

#[test]
fn long_lines_are_cut_off() {
    let mut st = state();
    let mut line = b"GET /".to_vec();
    line.extend(std::iter::repeat_n(b'a', 200_000));
    for piece in line.chunks(1000) {
        feed(&mut st, &[(ToServer, piece)]);
    }
    assert!(st.events().contains(&"request_field_too_long"));
    let tx = st.txs().next().unwrap();
    assert!(tx.request_progress() < Progress::Complete);
}

#[test]
fn huge_lengths_allocate_nothing() {
    let mut st = state();
    feed(
        &mut st,
        &[
            (
                ToServer,
                b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\nab",
            ),
            (
                ToClient,
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\nxyz",
            ),
        ],
    );
    for _ in 0..50 {
        feed(
            &mut st,
            &[
                (ToClient, &[b'z'; 100_000][..]),
                (ToServer, &[b'y'; 100_000][..]),
            ],
        );
    }
    let tx = st.txs().next().unwrap();
    let limit = AppConfig::default().http_response_body_limit;
    assert_eq!(
        one(tx, Buffer::HttpResponseBody, ToClient).unwrap().len(),
        limit
    );
    assert!(one(tx, Buffer::HttpRequestBody, ToServer).unwrap().len() <= limit);
    assert_eq!(tx.eve()["length"], 5_000_003 + 10);
}

#[test]
fn random_input_never_panics() {
    let mut seed = 0xdead_beefu32;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed >> 8
    };
    let atoms: &[&[u8]] = &[
        b"GET ",
        b"HTTP/1.1 ",
        b"200 ",
        b"\r\n",
        b"\n",
        b"\r",
        b": ",
        b" ",
        b"\t",
        b"Content-Length: 5",
        b"Transfer-Encoding: chunked",
        b"Content-Encoding: gzip",
        b"0\r\n",
        b"ff\r\n",
        b"\x1f\x8b\x08\x00",
        b"\x00",
        b"HEAD ",
        b"CONNECT ",
        b"100",
        b"abc",
        b"%u41%2f..//",
        b"Host: [::1]:99",
        b"101",
    ];
    for _ in 0..300 {
        let mut st = state();
        for _ in 0..(next() % 40) {
            let dir = if next() % 2 == 0 { ToServer } else { ToClient };
            let mut chunk = Vec::new();
            for _ in 0..(next() % 6) {
                chunk.extend_from_slice(atoms[(next() as usize) % atoms.len()]);
            }
            if next() % 7 == 0 {
                st.gap(dir, u64::from(next() % 100));
            } else {
                st.input(dir, &chunk, Timestamp::default());
            }
            let _ = st.take_finished(false);
            let _ = st.events();
        }
        for tx in st.take_finished(true) {
            let _ = tx.eve();
            for b in Buffer::ALL {
                let mut out = Vec::new();
                tx.buffer(*b, &mut out);
            }
        }
    }
}
