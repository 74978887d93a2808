//! `filestore` end to end: a rule that matches an upload writes the file
//! to OUTDIR/filestore/xx/<sha256> and the `fileinfo` record says so;
//! files no such rule matched are not written.

use super::common::*;

const BODY: &[u8] = b"0123456789";
/// SHA-256 of [`BODY`].
const BODY_SHA256: &str = "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882";

fn run_with(rules: &str, name: &str) -> (TempDir, std::path::PathBuf) {
    run_args(rules, name, &[])
}

fn run_args(rules: &str, name: &str, extra: &[&str]) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new(name).unwrap();
    let mut req = b"POST /up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n".to_vec();
    req.extend_from_slice(BODY);
    let args: Vec<&str> = ["-k", "none"].iter().chain(extra).copied().collect();
    let out = run_frames(dir.path(), &http_conversation(&req), rules, &args);
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

/// Without `force-hash` no digest is computed or logged (as Suricata);
/// with it, the ones listed are, whether or not a file was stored.
#[test]
fn force_hash_decides_the_logged_digests() {
    let rule =
        "alert http any any -> any any (msg:\"post\"; http.method; content:\"POST\"; sid:1;)\n";
    let (_dir, out) = run_with(rule, "filestore-nohash");
    let info = fileinfo(&out);
    for k in ["md5", "sha1", "sha256"] {
        assert!(
            info.get(k).is_none(),
            "{k} logged without force-hash: {info}"
        );
    }
    let set = "outputs.eve-log.types.files.force-hash=[md5, sha256]";
    let (_dir, out) = run_args(rule, "filestore-forcehash", &["--set", set]);
    let info = fileinfo(&out);
    assert_eq!(info["md5"], "781e5e245d69b566979b86e28d23f2c7");
    assert_eq!(info["sha256"], BODY_SHA256);
    assert!(info.get("sha1").is_none());
}
