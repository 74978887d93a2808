//! End-to-end checks on suricata-verify captures of the conformance corpus:
//! each pcap is read and decoded with the engine's own capture and decode
//! code, TCP payloads are put in order per direction (a simple in-order
//! reassembly is enough for these clean captures), fed to one HTTP state
//! per flow, and the EVE fields and buffers the corpus' `test.yaml` and
//! rules rely on are compared. Without the corpus (`../shared` missing)
//! each test prints one line and passes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;

use sigil_rules::buffer::Buffer;

use super::{State, Tx};
use crate::applayer::AppConfig;
use crate::capture::{OfflineSource, Timestamp};
use crate::decode::{decode, tcp_flags, Transport};
use crate::flow::Direction;

type Endpoint = (IpAddr, u16);

enum Ev {
    Data(Direction, Vec<u8>),
    Close(Direction),
}

struct Flow {
    client: Endpoint,
    next_seq: HashMap<bool, u32>,
    closed: HashMap<bool, bool>,
    reset: bool,
    events: Vec<Ev>,
}

fn corpus_pcap(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/tests")
        .join(name);
    let pcap = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"));
    if pcap.is_none() {
        println!(
            "skipping: conformance corpus not found at {}",
            dir.display()
        );
    }
    pcap
}

/// Per-flow ordered TCP events of a capture, flows in order of appearance.
fn flows(pcap: PathBuf) -> Vec<Flow> {
    let mut flows: Vec<Flow> = Vec::new();
    let mut index: HashMap<(Endpoint, Endpoint), usize> = HashMap::new();
    let Ok(mut src) = OfflineSource::open(&[pcap]) else {
        return flows;
    };
    let _ = src.for_each_packet(|pkt| {
        let d = decode(pkt);
        let (Some(ip), Some(Transport::Tcp(tcp))) = (d.ip, d.transport) else {
            return ControlFlow::Continue(());
        };
        let from = (ip.src, tcp.sport);
        let to = (ip.dst, tcp.dport);
        let key = if from < to { (from, to) } else { (to, from) };
        let i = *index.entry(key).or_insert_with(|| {
            let client = if tcp.flags & (tcp_flags::SYN | tcp_flags::ACK)
                == tcp_flags::SYN + tcp_flags::ACK
            {
                to
            } else {
                from
            };
            flows.push(Flow {
                client,
                next_seq: HashMap::new(),
                closed: HashMap::new(),
                reset: false,
                events: Vec::new(),
            });
            flows.len() - 1
        });
        let f = &mut flows[i];
        if f.reset {
            return ControlFlow::Continue(());
        }
        let to_server = from == f.client;
        let dir = if to_server {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let mut seq = tcp.seq;
        if tcp.flags & tcp_flags::SYN != 0 {
            seq = seq.wrapping_add(1);
            f.next_seq.insert(to_server, seq);
        }
        let expected = *f.next_seq.entry(to_server).or_insert(seq);
        let skip = expected.wrapping_sub(seq) as usize;
        if !d.payload.is_empty() && skip < d.payload.len() && skip < 1 << 30 {
            let data = d.payload[skip..].to_vec();
            f.next_seq
                .insert(to_server, expected.wrapping_add(data.len() as u32));
            f.events.push(Ev::Data(dir, data));
        }
        if tcp.flags & tcp_flags::RST != 0 {
            f.reset = true;
        }
        if tcp.flags & tcp_flags::FIN != 0 && !f.closed.contains_key(&to_server) {
            f.closed.insert(to_server, true);
            f.events.push(Ev::Close(dir));
        }
        ControlFlow::Continue(())
    });
    flows
}

/// Runs every flow of a corpus test through an HTTP state; returns the
/// transactions of all flows, or `None` when the corpus is absent.
fn run(name: &str, layer_limit: usize) -> Option<Vec<Tx>> {
    let pcap = corpus_pcap(name)?;
    let mut out = Vec::new();
    for f in flows(pcap) {
        let mut st = State::new(&AppConfig::default());
        st.set_decompress_layer_limit(layer_limit);
        for ev in &f.events {
            match ev {
                Ev::Data(d, data) => st.input(*d, data, Timestamp::default()),
                Ev::Close(d) => st.close(*d),
            }
        }
        out.extend(st.take_finished(true));
    }
    Some(out)
}

fn buf(tx: &Tx, b: Buffer, dir: Direction) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tx.buffer_dir(b, dir, &mut out);
    out.into_iter().map(<[u8]>::to_vec).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn bug_78_http_object_is_exact() {
    let Some(txs) = run("bug-78-http-uri", 2) else {
        return;
    };
    assert_eq!(txs.len(), 1);
    assert_eq!(
        txs[0].eve(),
        serde_json::json!({
            "hostname": "www.google.com", "http_content_type": "text/html",
            "http_method": "GET", "http_user_agent": "Wget/1.11.4",
            "length": 1194, "protocol": "HTTP/1.0", "status": 404, "url": "/blah/"
        })
    );
}

#[test]
fn http_evader_files_are_found() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/tests");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "skipping: conformance corpus not found at {}",
            dir.display()
        );
        return;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("http-evader-") && !n.contains("lzma"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut failures = Vec::new();
    for name in &names {
        let Some(txs) = run(name, 3) else {
            return;
        };
        let files: Vec<_> = txs.iter().flat_map(|t| t.files()).collect();
        let data: Vec<Vec<u8>> = txs
            .iter()
            .flat_map(|t| buf(t, Buffer::FileData, Direction::ToClient))
            .collect();
        let ok = files.len() == 1
            && files[0].filename == b"eicar.txt"
            && txs.iter().any(|t| {
                t.eve()["hostname"] == "evader.example.com" && t.eve()["http_method"] == "GET"
            })
            && data.iter().any(|d| {
                contains(d, b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE") && contains(d, b"X5O!P%@AP[4")
            });
        if !ok {
            failures.push(name.clone());
        }
    }
    assert!(failures.is_empty(), "evader cases failing: {failures:?}");
}

#[test]
fn fileinfo_name_from_uri_and_status() {
    let Some(txs) = run("bug-4376", 2) else {
        return;
    };
    let t = txs.iter().find(|t| !t.files().is_empty()).unwrap();
    let f = &t.files()[0];
    assert_eq!(
        f.filename,
        b"/malware/ppt/mal/51f14eb6c874686e5f593132cf0f742d.ppt"
    );
    assert_eq!(f.state.as_str(), "CLOSED");
    assert_eq!(t.eve()["hostname"], "nx2500-242-4-server");
    assert_eq!(t.eve()["status"], 200);
}

#[test]
fn not_http_0_9_when_the_response_has_a_status_line() {
    let Some(txs) = run("http-not09-file", 2) else {
        return;
    };
    let files: Vec<_> = txs.iter().flat_map(|t| t.files()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].size, 166);
    let t = &txs[0];
    assert!(buf(t, Buffer::HttpResponseLine, Direction::ToClient)[0].starts_with(b"HTTP/1.1 400"));
    assert!(!contains(
        &buf(t, Buffer::FileData, Direction::ToClient)[0],
        b"HTTP/1.1 400"
    ));
}

#[test]
fn unexpected_bodies_raise_the_event() {
    let Some(txs) = run("http-request-invalid", 2) else {
        return;
    };
    let hits = txs
        .iter()
        .filter(|t| {
            t.events().contains(&"request_body_unexpected")
                && buf(t, Buffer::HttpRequestBody, Direction::ToServer)
                    .iter()
                    .any(|b| contains(b, b"login=foo&password=bar"))
        })
        .count();
    assert_eq!(hits, 2);
}

#[test]
fn events_of_the_corpus() {
    let cases: &[(&str, &str, bool)] = &[
        ("http-event-chunk", "request_chunk_extension", true),
        ("http-auth-unrecognized", "request_auth_unrecognized", true),
        ("http-auth-bearer", "request_auth_unrecognized", false),
        ("bug-2511", "too_many_encoding_layers", true),
    ];
    for (name, event, expected) in cases {
        let Some(txs) = run(name, 2) else {
            return;
        };
        let seen = txs.iter().any(|t| t.events().contains(event));
        assert_eq!(seen, *expected, "{name}: {event}");
    }
    let Some(txs) = run("http-ipv6", 2) else {
        return;
    };
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].eve()["hostname"], "[::1]");
    assert_eq!(txs[0].eve()["http_port"], 8000);
    assert!(txs[0].events().is_empty(), "{:?}", txs[0].events());
}

#[test]
fn buffers_of_the_corpus() {
    let Some(t) = run("http-uri-spaces", 2) else {
        return;
    };
    assert!(contains(
        &buf(&t[0], Buffer::HttpUri, Direction::ToServer)[0],
        b" afterspace"
    ));
    let Some(t) = run("http-raw-header", 2) else {
        return;
    };
    assert!(contains(
        &buf(&t[0], Buffer::HttpHeaderRaw, Direction::ToClient)[0],
        b"Server:       Yx("
    ));
    let Some(t) = run("http-close-headers", 2) else {
        return;
    };
    assert!(contains(
        &buf(&t[0], Buffer::HttpHeader, Direction::ToClient)[0],
        b"ng1nx"
    ));
    let Some(t) = run("http-missing-protocol", 2) else {
        return;
    };
    assert!(contains(
        &buf(&t[0], Buffer::HttpHeaderNames, Direction::ToServer)[0],
        b"User-Agent"
    ));
    let Some(t) = run("http-post-file", 2) else {
        return;
    };
    let uploads: Vec<_> = t
        .iter()
        .flat_map(|t| buf(t, Buffer::FileData, Direction::ToServer))
        .collect();
    assert!(uploads
        .iter()
        .any(|d| contains(d, b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE")));
    let Some(t) = run("http-async", 2) else {
        return;
    };
    let urls: Vec<_> = t
        .iter()
        .map(|t| (t.eve()["url"].clone(), t.eve()["status"].clone()))
        .collect();
    assert_eq!(
        urls,
        vec![("/1".into(), 200.into()), ("/2".into(), 200.into())]
    );
}
