//! Suricata 8 keywords end to end: `absent`, `base64_decode` /
//! `base64_data`, `from_base64`, `pcrexform`, legacy `filename` /
//! `fileext`, and `requires`.

use super::*;

fn tx() -> Tx {
    use Buffer::*;
    Tx::new(
        AppProto::Http,
        vec![
            (HttpUri, REQ, b"/?q=Zm9vYmFy"),
            (HttpHost, REQ, b"example.com"),
            (HttpRequestBody, REQ, b""),
            (FileName, REQ, b"Report.PDF"),
        ],
    )
}

#[test]
fn sigil_8_keywords_table() {
    let cases: &[Case] = &[
        ("http", "http.user_agent; absent;", true, false),
        ("http", "http.request_body; absent;", true, false),
        ("http", "http.host; absent;", false, false),
        (
            "http",
            "http.user_agent; absent: or_else; content:\"curl\";",
            true,
            false,
        ),
        (
            "http",
            "http.host; absent: or_else; content:!\"example\";",
            false,
            false,
        ),
        (
            "http",
            "http.host; absent: or_else; content:\"example\";",
            true,
            false,
        ),
        (
            "http",
            "http.uri; content:\"q=\"; base64_decode:relative; base64_data; content:\"foobar\"; startswith;",
            true,
            false,
        ),
        (
            "http",
            "http.uri; content:\"q=\"; base64_decode:relative; base64_data; content:\"bar\"; startswith;",
            false,
            false,
        ),
        (
            "http",
            "http.uri; content:\"q=\"; base64_decode:bytes 4, relative; base64_data; content:\"foo\"; endswith;",
            true,
            false,
        ),
        (
            "http",
            "http.uri; content:\"q=\"; from_base64: offset 4; content:\"foobar\";",
            true,
            false,
        ),
        (
            "http",
            "http.uri; pcrexform:\"q=(.*)\"; content:\"Zm9v\"; startswith;",
            true,
            false,
        ),
        ("http", "filename:\"report\";", true, false),
        ("http", "fileext:\"pdf\";", true, false),
        ("http", "fileext:\"doc\";", false, false),
        ("http", "fileext:!\"doc\";", true, false),
    ];
    run_table(&tx(), cases, b"");
}

#[test]
fn absent_rejects_keywords_on_its_buffer() {
    let (_, report) = build(
        "alert http any any -> any any (http.host; absent; content:\"x\"; sid:1;)",
        true,
    );
    assert_eq!(report.compiled, 0);
    assert_eq!(report.other_errors.len(), 1, "{report:#?}");
}

#[test]
fn unmet_requires_skips_the_rule_silently() {
    let rules = "alert http any any -> any any (requires: version >= 9; http.uri; content:\"q\"; sid:1;)\n\
                 alert http any any -> any any (requires: version >= 8; http.uri; content:\"q\"; sid:1; rev:2;)\n\
                 alert http any any -> any any (requires: feature geoip; frobnicate; sid:3;)\n";
    let (_, report) = build(rules, true);
    assert_eq!(report.compiled, 1);
    assert_eq!(report.requires_unmet, 2);
    assert!(report.unsupported.is_empty() && report.other_errors.is_empty());
}

fn tls_tx() -> Tx {
    use Buffer::*;
    Tx::new(
        AppProto::Tls,
        vec![
            (
                TlsRandom,
                REQ,
                b"\x01\x02\x03\x04client-random-bytes-28-long!",
            ),
            (TlsRandomTime, REQ, b"\x01\x02\x03\x04"),
            (
                TlsRandom,
                RESP,
                b"\x0a\x0b\x0c\x0dserver-random-bytes-28-long!",
            ),
            (TlsRandomTime, RESP, b"\x0a\x0b\x0c\x0d"),
            (TlsRandomBytes, RESP, b"server-random-bytes-28-long!"),
            (TlsCertSubject, RESP, b"C=FR, O=Stamus, CN=SELKS"),
            (TlsCertIssuer, RESP, b"C=FR, O=Stamus, CN=CA"),
            (TlsCertFingerprint, RESP, b"90:86:a4:3b"),
            (TlsCerts, RESP, b"der-1"),
            (TlsCerts, RESP, b"der-2"),
        ],
    )
}

#[test]
fn tls_random_and_legacy_cert_keywords() {
    let cases: &[Case] = &[
        // The random buffers follow the packet's side.
        (
            "tls",
            "tls.random_time; content:\"|01 02 03 04|\";",
            true,
            false,
        ),
        (
            "tls",
            "tls.random_time; content:\"|0a 0b 0c 0d|\";",
            false,
            true,
        ),
        (
            "tls",
            "tls.random_bytes; content:\"server-random\"; startswith;",
            false,
            true,
        ),
        (
            "tls",
            "tls.random; content:\"client-random\"; bsize:32;",
            true,
            false,
        ),
        // Legacy keywords read the server certificate (to the client).
        ("tls", "tls.subject:\"CN=SELKS\";", false, true),
        ("tls", "tls.subject:!\"CN=SELKS\";", false, false),
        ("tls", "tls.issuerdn:!\"CN=Other\";", false, true),
        ("tls", "tls.issuerdn:\"cn=ca\";", false, false),
        ("tls", "tls.fingerprint:\"90:86:A4:3B\";", false, true),
        ("tls", "tls.fingerprint:\"90:86:A4:3C\";", false, false),
        ("tls", "tls.cert_chain_len:2;", false, true),
        ("tls", "tls.cert_chain_len:>2;", false, false),
    ];
    run_table(&tls_tx(), cases, b"");
}

#[test]
fn decompression_transforms() {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"hidden text").expect("in memory");
    let gz: &'static [u8] = Box::leak(e.finish().expect("in memory").into_boxed_slice());
    let tx = Tx::new(AppProto::Http, vec![(Buffer::HttpRequestBody, REQ, gz)]);
    let cases: &[Case] = &[
        (
            "http",
            "http.request_body; gunzip; content:\"hidden text\"; bsize:11;",
            true,
            false,
        ),
        (
            "http",
            "http.request_body; gunzip: max-size 6; content:\"hidden\"; endswith;",
            true,
            false,
        ),
        (
            "http",
            "http.request_body; zlib_deflate; content:\"hidden\";",
            false,
            false,
        ),
    ];
    run_table(&tx, cases, b"");
}

#[test]
fn legacy_tls_keywords_need_quotes() {
    let (_, report) = build(
        "alert tls any any -> any any (tls.subject:CN=x; sid:1;)\n\
         alert tls any any -> any any (gunzip: max-size 0; sid:2;)\n\
         alert tls any any -> any any (tls.sni; gunzip: size 3; content:\"x\"; sid:3;)\n",
        true,
    );
    assert_eq!(report.compiled, 0);
    assert_eq!(report.other_errors.len(), 3, "{report:#?}");
}

#[test]
fn entropy_matches_and_keeps_its_value_on_the_flow() {
    // "abcdabcd": 2 bits per byte; from offset 4, "abcd": also 2.
    let tx = Tx::new(AppProto::Http, vec![(Buffer::FileData, RESP, b"aaaaabcd")]);
    let cases: &[Case] = &[
        ("http", "file.data; entropy: value > 1.5;", false, true),
        ("http", "file.data; entropy: value 1-1.5;", false, false),
        (
            "http",
            "file.data; entropy: offset 4, value = 2;",
            false,
            true,
        ),
        (
            "http",
            "file.data; entropy: bytes 4, value = 0;",
            false,
            true,
        ),
        (
            "http",
            "file.data; entropy: bytes 9, value < 9;",
            false,
            false,
        ),
    ];
    run_table(&tx, cases, b"");
    // The last value computed is kept under Suricata's list name.
    let (set, _) = load_all(
        "alert http any any -> any any (file.data; entropy: value > 9; sid:1;)\n\
         alert http any any -> any any (file.data; entropy: offset 4, value > 9; sid:2;)\n\
         alert tcp any any -> any any (entropy: value >= 0; sid:3;)\n",
        true,
    );
    let mut scratch = set.new_scratch();
    let mut vars = FlowVars::default();
    let mut out = Vec::new();
    set.match_tx(
        &pkt(RESP, b"", AppProto::Http),
        &tx,
        &mut vars,
        &mut scratch,
        &mut out,
    );
    assert!(out.is_empty());
    assert_eq!(vars.floats().collect::<Vec<_>>(), [("file_data", 2.0)]);
    // Packet payload values are named `content`.
    set.match_flow_packet(
        &pkt(REQ, b"zz", AppProto::Http),
        &mut vars,
        &mut scratch,
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(
        vars.floats().collect::<Vec<_>>(),
        [("file_data", 2.0), ("content", 0.0)]
    );
}

#[test]
fn file_keywords_compile() {
    let (set, report) = build(
        "alert http any any => any any (http.uri; content:\"/d\"; filesize: to_client, <100; sid:1;)\n\
         alert http any any -> any any (filestore: response, flow; fileext:!\"mp4\"; sid:2;)\n\
         alert http any any -> any any (filesize: to_client, <100; sid:3;)\n\
         alert http any any -> any any (filestore; filestore; file.name; content:\"x\"; sid:4;)\n\
         alert http any any -> any any (filestore: sideways; file.name; content:\"x\"; sid:5;)\n\
         alert http any any -> any any (filemagic:\"PDF\"; sid:6;)\n",
        true,
    );
    assert_eq!(report.compiled, 2, "{report:#?}");
    assert_eq!(report.other_errors.len(), 3, "{report:#?}");
    assert_eq!(report.unsupported.len(), 1, "{report:#?}");
    let stores: Vec<_> = set.metas().filter_map(|(_, m)| m.filestore).collect();
    assert_eq!(
        stores,
        [crate::FileStore {
            dir: crate::StoreDir::ToClient,
            scope: crate::StoreScope::Flow
        }]
    );
}
