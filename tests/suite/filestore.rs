//! `filestore` end to end: a rule that matches an upload writes the file
//! to OUTDIR/filestore/xx/<sha256> and the `fileinfo` record says so;
//! files no such rule matched are not written.

use super::common::*;

const BODY: &[u8] = b"0123456789";
/// SHA-256 of [`BODY`].
const BODY_SHA256: &str = "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882";

fn run_with(rules: &str, name: &str) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new(name).unwrap();
    let mut req = b"POST /up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n".to_vec();
    req.extend_from_slice(BODY);
    let out = run_frames(dir.path(), &http_conversation(&req), rules, &["-k", "none"]);
    (dir, out)
}

fn fileinfo(out: &std::path::Path) -> serde_json::Value {
    let events = eve(out);
    let f = events
        .iter()
        .find(|e| e["event_type"] == "fileinfo")
        .expect("a fileinfo record");
    f["fileinfo"].clone()
}

#[test]
fn matching_rule_stores_the_upload() {
    let (_dir, out) = run_with(
        "alert http any any -> any any (msg:\"store uploads\"; filestore; http.method; content:\"POST\"; sid:1;)\n",
        "filestore-yes",
    );
    let stored = out
        .join("filestore")
        .join(&BODY_SHA256[..2])
        .join(BODY_SHA256);
    assert_eq!(std::fs::read(&stored).expect("file stored"), BODY);
    let info = fileinfo(&out);
    assert_eq!(info["stored"], true);
    assert_eq!(info["sha256"], BODY_SHA256);
    assert_eq!(info["size"], 10);
}

#[test]
fn no_match_no_file() {
    let (_dir, out) = run_with(
        "alert http any any -> any any (msg:\"store gets\"; filestore; http.method; content:\"GET\"; sid:1;)\n",
        "filestore-no",
    );
    assert!(!out.join("filestore").join(&BODY_SHA256[..2]).exists());
    assert_eq!(fileinfo(&out)["stored"], false);
}
