//! End-to-end checks on suricata-verify captures (reusing the DNS tests'
//! pcap reader): the EVE `ssh` fields and HASSH values the corpus'
//! `test.yaml` files check.

use serde_json::Value;
use sigil_rules::buffer::Buffer;

use super::{State, Tx};
use crate::applayer::dns::pcap_tests::{chunks, corpus};
use crate::applayer::AppConfig;
use crate::flow::Direction;

/// Runs a capture; returns the transaction when first ready to log (with
/// its packet number), or at the end of the capture.
fn run(name: &str, hassh: bool) -> Option<(u64, Tx)> {
    let dir = corpus(name)?;
    let mut state = State::with_hassh(&AppConfig::default(), hassh);
    let mut last = 0;
    for c in chunks(dir.join("input.pcap")) {
        state.input(c.dir, &c.data, c.ts);
        last = c.pcap_cnt;
        if let Some(tx) = state.take_finished(false).pop() {
            return Some((c.pcap_cnt, tx));
        }
    }
    state.take_finished(true).pop().map(|tx| (last, tx))
}

fn field<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

#[test]
fn bug_4903_banners_with_nul_padding() {
    let Some((pcap_cnt, tx)) = run("bug-4903-04", false) else {
        return;
    };
    // Both banners are in by packet 5 (Suricata logs one packet later,
    // when its stream engine hands the acknowledged data over).
    assert_eq!(pcap_cnt, 5);
    let v = tx.eve();
    for (path, want) in [
        ("client.proto_version", "2.0"),
        ("client.software_version", "Cisco_client-1.25"),
        ("server.proto_version", "1.99"),
        ("server.software_version", "Cisco_server-1.24"),
    ] {
        assert_eq!(field(&v, path), want, "{path}");
    }
    let mut out = Vec::new();
    tx.buffer_dir(Buffer::SshProto, Direction::ToClient, &mut out);
    assert_eq!(out, vec![&b"1.99"[..]]);
}

#[test]
fn bug_4903_server_only() {
    let Some((_, tx)) = run("bug-4903-01", false) else {
        return;
    };
    let v = tx.eve();
    assert!(v.get("client").is_none());
    assert_eq!(field(&v, "server.software_version"), "Cisco_server-1.24");
    let mut out = Vec::new();
    tx.buffer_dir(Buffer::SshProto, Direction::ToServer, &mut out);
    assert!(out.is_empty(), "no client banner, so sid 1 cannot match");
}

#[test]
fn hassh_only() {
    let Some((_, tx)) = run("ssh-hassh-only", true) else {
        return;
    };
    let v = tx.eve();
    assert_eq!(
        field(&v, "client.hassh.hash"),
        "2dd6531c7e89d3c925db9214711be76a"
    );
    assert_eq!(
        field(&v, "server.hassh.hash"),
        "6832f1ce43d4397c2c0a3e2f8c94334e"
    );
    let mut out = Vec::new();
    tx.buffer_dir(Buffer::SshHasshString, Direction::ToServer, &mut out);
    let mac = b"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com";
    assert!(out[0].windows(mac.len()).any(|w| w == mac));
    out.clear();
    tx.buffer_dir(Buffer::SshHasshServerString, Direction::ToClient, &mut out);
    assert!(out[0].ends_with(b"none,zlib@openssh.com"));
}

#[test]
fn hassh_reassembled_from_small_segments() {
    let Some((_, tx)) = run("ssh-hassh-reassembled", true) else {
        return;
    };
    let v = tx.eve();
    assert_eq!(
        field(&v, "client.hassh.hash"),
        "3cc67862bceac0f334c62ad1b76895b4"
    );
    assert_eq!(
        field(&v, "server.hassh.hash"),
        "3cc67862bceac0f334c62ad1b76895b4"
    );
    assert!(tx
        .client()
        .hassh_string()
        .starts_with(b"diffie-hellman-group1-sha1"));
    assert!(tx.complete(sigil_rules::buffer::Side::Both));
}
