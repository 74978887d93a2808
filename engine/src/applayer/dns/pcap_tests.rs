//! End-to-end checks on suricata-verify captures from the conformance
//! corpus: the pcap is read and decoded with the engine's own capture and
//! decode code, each flow's payloads are fed in order (a simple in-order
//! TCP reassembly is enough for these clean captures) and the EVE fields
//! the corpus' `test.yaml` checks are compared.
//!
//! The helpers are `pub(crate)` so the SSH tests reuse them. When the
//! corpus is not there (`../shared` missing) each test prints one line
//! and passes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;

use serde_json::Value;

use super::{State, Tx};
use crate::applayer::AppConfig;
use crate::capture::{OfflineSource, Timestamp};
use crate::decode::{decode, tcp_flags, Transport};
use crate::flow::Direction;

/// One chunk of application data, in capture order.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    /// Direction relative to the flow's client (sender of the first packet).
    pub dir: Direction,
    /// TCP (stream bytes) or UDP (one datagram).
    pub tcp: bool,
    /// The new in-order bytes.
    pub data: Vec<u8>,
    /// 1-based packet number in the capture.
    pub pcap_cnt: u64,
    /// Packet time.
    pub ts: Timestamp,
}

/// The corpus test folder `name`, or `None` (after printing why) when the
/// corpus is absent.
pub(crate) fn corpus(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/tests")
        .join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "skipping: conformance corpus not found at {}",
            dir.display()
        );
        None
    }
}

/// A decoded packet of the capture, owned.
struct Pkt {
    src: (IpAddr, u16),
    dst: (IpAddr, u16),
    tcp: Option<(u32, u8)>,
    payload: Vec<u8>,
    pcap_cnt: u64,
    ts: Timestamp,
}

/// Application payloads of the capture's main flow, in order. The flow is
/// the one opened by the first SYN, or else the first packet with payload;
/// its client is the sender of that packet. TCP bytes already delivered
/// (retransmissions) are cut and out-of-order segments dropped.
pub(crate) fn chunks(pcap: PathBuf) -> Vec<Chunk> {
    let mut pkts = Vec::new();
    let Ok(mut src) = OfflineSource::open(&[pcap]) else {
        return Vec::new();
    };
    let _ = src.for_each_packet(|pkt| {
        let d = decode(pkt);
        if let (Some(ip), Some(t)) = (d.ip, d.transport) {
            let (sport, dport) = t.ports();
            let tcp = match t {
                Transport::Tcp(tcp) => Some((tcp.seq, tcp.flags)),
                Transport::Udp(_) => None,
                _ => return ControlFlow::Continue(()),
            };
            pkts.push(Pkt {
                src: (ip.src, sport),
                dst: (ip.dst, dport),
                tcp,
                payload: d.payload.to_vec(),
                pcap_cnt: pkt.pcap_cnt,
                ts: pkt.ts,
            });
        }
        ControlFlow::Continue(())
    });
    let syn = |p: &&Pkt| {
        p.tcp
            .is_some_and(|(_, f)| f & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN)
    };
    let Some(first) = pkts
        .iter()
        .find(syn)
        .or_else(|| pkts.iter().find(|p| !p.payload.is_empty()))
    else {
        return Vec::new();
    };
    let (client, server) = (first.src, first.dst);
    let mut next_seq: HashMap<bool, u32> = HashMap::new();
    let mut out = Vec::new();
    for p in &pkts {
        let to_server = (p.src, p.dst) == (client, server);
        if !to_server && (p.src, p.dst) != (server, client) {
            continue;
        }
        let dir = if to_server {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let data = match p.tcp {
            Some((seq, flags)) => {
                let mut seq = seq;
                if flags & tcp_flags::SYN != 0 {
                    seq = seq.wrapping_add(1);
                    next_seq.insert(to_server, seq);
                }
                let expected = *next_seq.entry(to_server).or_insert(seq);
                let skip = expected.wrapping_sub(seq) as usize;
                if skip >= p.payload.len() || skip > 1 << 30 {
                    continue;
                }
                let data = p.payload[skip..].to_vec();
                next_seq.insert(to_server, expected.wrapping_add(data.len() as u32));
                data
            }
            None if p.payload.is_empty() => continue,
            None => p.payload.clone(),
        };
        out.push(Chunk {
            dir,
            tcp: p.tcp.is_some(),
            data,
            pcap_cnt: p.pcap_cnt,
            ts: p.ts,
        });
    }
    out
}

/// Runs a capture through a DNS state; returns the transactions with the
/// packet number that produced each, and the events raised.
fn run(pcap: PathBuf) -> (Vec<(u64, Tx)>, Vec<&'static str>) {
    let chunks = chunks(pcap);
    let tcp = chunks.first().is_some_and(|c| c.tcp);
    let cfg = AppConfig::default();
    let mut state = if tcp {
        State::new_tcp(&cfg)
    } else {
        State::new(&cfg)
    };
    let mut txs = Vec::new();
    let mut events = Vec::new();
    for c in chunks {
        state.input(c.dir, &c.data, c.ts);
        events.extend(state.events());
        txs.extend(
            state
                .take_finished(false)
                .into_iter()
                .map(|t| (c.pcap_cnt, t)),
        );
    }
    (txs, events)
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        })
}

#[test]
fn task_7018_tcp_requests_and_responses() {
    let Some(dir) = corpus("task-7018-ids-dns-keywords") else {
        return;
    };
    let (txs, events) = run(dir.join("input.pcap"));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(txs.len(), 6);
    let expect_req = [(0, "suricata.io"), (2, "oisf.net"), (4, "suricata.org")];
    for (i, name) in expect_req {
        let (_, tx) = &txs[i];
        let v = tx.eve_request().unwrap();
        for (path, want) in [
            ("id", Value::from(0)),
            ("opcode", 0.into()),
            ("queries.0.rrname", name.into()),
            ("queries.0.rrtype", "A".into()),
            ("tx_id", (i as u64).into()),
            ("type", "request".into()),
        ] {
            assert_eq!(get(&v, path), &want, "tx {i} {path}");
        }
    }
    let expect_resp: [(usize, &str, &[&str], u32); 3] = [
        (1, "suricata.io", &["35.212.0.44"], 490),
        (3, "oisf.net", &["192.0.78.190", "192.0.78.209"], 207),
        (5, "suricata.org", &["15.197.148.33", "3.33.130.190"], 600),
    ];
    for (i, name, addrs, ttl) in expect_resp {
        let (_, tx) = &txs[i];
        let v = tx.eve_response().unwrap();
        for (path, want) in [
            ("flags", Value::from("8180")),
            ("id", 0.into()),
            ("opcode", 0.into()),
            ("qr", true.into()),
            ("ra", true.into()),
            ("rd", true.into()),
            ("rcode", "NOERROR".into()),
            ("queries.0.rrname", name.into()),
            ("queries.0.rrtype", "A".into()),
            ("answers.0.rrname", name.into()),
            ("answers.0.rrtype", "A".into()),
            ("type", "response".into()),
            ("version", 3.into()),
        ] {
            assert_eq!(get(&v, path), &want, "tx {i} {path}");
        }
        for (k, addr) in addrs.iter().enumerate() {
            assert_eq!(get(&v, &format!("answers.{k}.rdata")), *addr);
            assert_eq!(get(&v, &format!("answers.{k}.ttl")), ttl);
            assert_eq!(get(&v, &format!("grouped.A.{k}")), *addr);
        }
        // The alert object: same fields, no grouped.
        let alert = tx.eve();
        assert_eq!(alert["answers"][0]["rrname"], name);
        assert!(alert.get("grouped").is_none());
        // dns.queries.rrname matches the response for to_client packets.
        let mut out = Vec::new();
        tx.buffer_dir(
            sigil_rules::buffer::Buffer::DnsQuery,
            Direction::ToClient,
            &mut out,
        );
        assert_eq!(out, vec![name.as_bytes()]);
    }
}

#[test]
fn bug_990_udp_request() {
    let Some(dir) = corpus("dns__bug-990") else {
        return;
    };
    let (txs, _) = run(dir.join("input.pcap"));
    assert_eq!(txs.len(), 1);
    let (pcap_cnt, tx) = &txs[0];
    assert_eq!(*pcap_cnt, 1);
    let v = tx.eve_request().unwrap();
    assert_eq!(v["id"], 28390);
    assert_eq!(v["queries"][0]["rrname"], "code.msdn.microsoft.com");
    assert_eq!(v["queries"][0]["rrtype"], "A");
    assert_eq!(v["tx_id"], 0);
    assert_eq!(v["type"], "request");
}

#[test]
fn truncated_rname_over_tcp() {
    let Some(dir) = corpus("dns-truncated-rname") else {
        return;
    };
    let (txs, events) = run(dir.join("poc2.pcap"));
    assert!(events.contains(&"dns.name_too_long"), "{events:?}");
    let (_, tx) = txs.first().unwrap();
    assert!(tx.events().contains(&"dns.name_too_long"));
    let v = tx.eve_request().unwrap();
    assert_eq!(v["queries"][0]["rrname"].as_str().map(str::len), Some(1025));
    assert_eq!(v["queries"][0]["rrname_truncated"], true);
    assert_eq!(tx.eve()["queries"][0]["rrname_truncated"], true);
}

#[test]
fn corrupt_additionals_flag_the_response() {
    let Some(dir) = corpus("dns-corrupt-additionals") else {
        return;
    };
    let (txs, _) = run(dir.join("input.pcap"));
    assert_eq!(txs.len(), 2);
    let (_, req) = &txs[0];
    let (_, resp) = &txs[1];
    assert!(req.events().is_empty());
    assert_eq!(resp.events(), &["dns.invalid_additionals"]);
    let v = resp.eve_response().unwrap();
    assert_eq!(v["answers"][0]["rrname"], "_sip._udp.sip.voice.google.com");
    assert_eq!(v["answers"][0]["srv"]["port"], 5060);
    assert_eq!(resp.eve()["queries"][0]["rrtype"], "SRV");
}

#[test]
fn empty_rdata_is_not_malformed() {
    let Some(dir) = corpus("dns-answer-emptydata") else {
        return;
    };
    let (txs, events) = run(dir.join("input.pcap"));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(txs.len(), 2);
    assert!(txs
        .iter()
        .all(|(_, t)| t.eve_with(true)["queries"][0]["rrtype"] == "SOA"));
}

#[test]
fn opcode_and_rcode_keywords() {
    if let Some(dir) = corpus("dns-opcode") {
        let (txs, _) = run(dir.join("dns-notify.pcap"));
        assert_eq!(txs.len(), 2);
        assert_eq!(txs[0].1.opcode(), Some(4));
        assert!(txs[0].1.is_request());
    }
    if let Some(dir) = corpus("dns-rcode") {
        let (txs, _) = run(dir.join("input.pcap"));
        assert_eq!(txs.len(), 2);
        assert_eq!(txs[0].1.rcode(), Some(3), "the query carries rcode 3");
        assert_eq!(txs[1].1.eve()["rcode"], "NXDOMAIN");
    }
}
