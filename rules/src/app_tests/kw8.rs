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
