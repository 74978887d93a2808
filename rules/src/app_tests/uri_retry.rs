//! Retrying an earlier URI match (Suricata's UriTestSig21/27-32 and
//! DetectEngineHttpRawUriTest30): a negated relative content and a
//! negated relative `isdataat` make the previous content look for its next
//! occurrence, and relative `isdataat` / `byte_extract` after `uricontent`
//! inspect the URI, not the payload.

use super::*;

fn tx(uri: &'static [u8]) -> Tx {
    Tx::new(AppProto::Http, vec![(Buffer::HttpUri, REQ, uri)])
}

#[test]
fn negated_relative_keywords_retry_earlier_uri_matches() {
    let t = tx(b"/we_need_to_fix_this_and_yes_fix_this_now");
    let cases: &[Case] = &[
        // UriTestSig21: only the second "fix"+"this" is not followed by "and".
        (
            "tcp",
            r#"uricontent:"fix"; uricontent:"this"; within:6; uricontent:!"and"; distance:0;"#,
            true,
            false,
        ),
        // Every "this" is followed by "_now" or "_and": negation never holds.
        (
            "tcp",
            r#"uricontent:"fix"; uricontent:"this"; within:6; uricontent:!"_"; distance:0;"#,
            false,
            false,
        ),
        // UriTestSig27: the second "fix_this" has under 10 bytes after it.
        (
            "tcp",
            r#"uricontent:"fix_this"; isdataat:!10,relative;"#,
            true,
            false,
        ),
        (
            "tcp",
            r#"uricontent:"fix_this"; isdataat:!4,relative;"#,
            false,
            false,
        ),
        (
            "http",
            r#"content:"fix_this"; http_uri; isdataat:!10,relative;"#,
            true,
            false,
        ),
        // Sticky buffers behaved before; keep them so.
        (
            "http",
            r#"http.uri; content:"fix_this"; isdataat:!10,relative;"#,
            true,
            false,
        ),
        // A positive relative isdataat on a literal stops at the first miss.
        (
            "tcp",
            r#"uricontent:"this"; isdataat:30,relative;"#,
            false,
            false,
        ),
    ];
    run_table(&t, cases, b"");
}

#[test]
fn relative_byte_keywords_follow_uricontent_into_the_uri() {
    let t = tx(b"/this_b5ig_string_now_in_http");
    let cases: &[Case] = &[
        // UriTestSig28: `one` is the "5" two bytes after "this" in the URI.
        (
            "tcp",
            r#"uricontent:"this"; byte_extract:1,2,one,string,dec,relative; uricontent:"ring"; distance:one;"#,
            true,
            false,
        ),
        (
            "tcp",
            r#"uricontent:"this"; byte_extract:1,2,one,string,dec,relative; uricontent:"_b5ig"; offset:one;"#,
            true,
            false,
        ),
        (
            "tcp",
            r#"uricontent:"this"; byte_extract:1,2,one,string,dec,relative; uricontent:"g_st"; within:one;"#,
            true,
            false,
        ),
        // The payload (empty here) is not where the extraction happens.
        (
            "tcp",
            r#"uricontent:"this"; byte_test:1,=,0x62,1,relative;"#,
            true,
            false,
        ),
        (
            "tcp",
            r#"uricontent:"this"; byte_test:1,=,0x63,1,relative;"#,
            false,
            false,
        ),
        // A non-relative isdataat stays a payload keyword.
        ("tcp", r#"uricontent:"this"; isdataat:1;"#, false, false),
    ];
    run_table(&t, cases, b"");
}
