//! Inputs shared by the criterion benches: the ET Open rule pack and its
//! variables, and application-layer conversations cut out of a real
//! capture (`../shared/bench/smoke.pcap`).
//!
//! Everything here comes from `../shared` (next to the checkout, or
//! `$SIGIL_SHARED`); when it is missing the helpers print one line and
//! return `None`, and the bench that asked runs nothing.

// Each bench target compiles this module and uses only part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use sigil_engine::capture::{OfflineSource, Timestamp};
use sigil_engine::decode::{decode, tcp_flags, Transport};
use sigil_engine::flow::Direction;
use sigil_grammar::{parse_file_with, ParseOptions};
use sigil_rules::{compile_rule, Classifications, CompileCtx, Vars};

/// `../shared` (or `$SIGIL_SHARED`) joined with `rel`, when it exists;
/// otherwise prints `skipping BENCH: PATH not found` and returns `None`.
pub fn shared(bench: &str, rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("SIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let p = base.join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("skipping {bench}: {} not found", p.display());
        None
    }
}

/// The `*.rules` files of a folder in name order, as `sigil run -S DIR`
/// loads them.
pub fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "rules"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Suricata's default variables with the folder's `vars.yaml` laid over.
pub fn vars(dir: &Path) -> Vars {
    let mut v = Vars::suricata_defaults();
    if let Ok(y) = std::fs::read_to_string(dir.join("vars.yaml")) {
        if let Err(e) = v.merge_yaml(&y) {
            println!("vars.yaml ignored: {e}");
        }
    }
    v
}

/// Texts of the enabled rules of `dir` that compile, in load order.
pub fn compiling_rules(dir: &Path) -> Vec<String> {
    let vars = vars(dir).resolve();
    let classes = Classifications::default();
    let ctx = CompileCtx {
        vars: &vars,
        classifications: &classes,
    };
    let mut out = Vec::new();
    for f in rule_files(dir) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let parsed = parse_file_with(&text, Some(&f), &ParseOptions::default());
        for pr in parsed.rules {
            if compile_rule(&pr.rule, &ctx).is_ok() {
                out.push(pr.text);
            }
        }
    }
    out
}

/// `n` items spread evenly over `all` (every `len / n`-th), so a small
/// sample keeps the pack's mix of protocols and rule files; all of them
/// when `n >= all.len()`.
pub fn spread<T: Clone>(all: &[T], n: usize) -> Vec<T> {
    if n >= all.len() {
        return all.to_vec();
    }
    (0..n)
        .filter_map(|i| all.get(i * all.len() / n).cloned())
        .collect()
}

/// Application protocol of a conversation, by the server's port (the
/// corpus serves each protocol on its usual ports only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// HTTP/1 on TCP 80 or 8080.
    Http,
    /// TLS on TCP 443, 8443 or 9443.
    Tls,
    /// DNS over UDP 53.
    DnsUdp,
    /// DNS over TCP 53.
    DnsTcp,
}

impl Kind {
    fn of(tcp: bool, server_port: u16) -> Option<Kind> {
        match (tcp, server_port) {
            (true, 80 | 8080) => Some(Kind::Http),
            (true, 443 | 8443 | 9443) => Some(Kind::Tls),
            (true, 53) => Some(Kind::DnsTcp),
            (false, 53) => Some(Kind::DnsUdp),
            _ => None,
        }
    }
}

/// One piece of application data as a parser receives it.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Which way the bytes travel.
    pub dir: Direction,
    /// Capture time of the packet that carried them.
    pub ts: Timestamp,
    /// In-order stream bytes (TCP) or one datagram (UDP).
    pub data: Vec<u8>,
}

/// One flow's application data in capture order.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Protocol by server port.
    pub kind: Kind,
    /// Client address and port.
    pub client: (IpAddr, u16),
    /// Server address and port.
    pub server: (IpAddr, u16),
    /// The data, both directions interleaved as captured.
    pub chunks: Vec<Chunk>,
}

impl Conversation {
    /// Bytes of application data in both directions.
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.data.len()).sum()
    }
}

type Endpoint = (IpAddr, u16);

struct Tracked {
    conv: Conversation,
    /// Next expected sequence number per direction (index 0: to server).
    next: [Option<u32>; 2],
}

/// HTTP, TLS and DNS conversations of a capture.
///
/// TCP bytes are put in order per direction with a minimal reassembly that
/// suits a clean loopback capture: retransmitted bytes are trimmed, a
/// segment after a hole is dropped. Only TCP flows whose SYN is in the
/// capture are kept (the client is known); UDP flows start with the first
/// datagram to port 53.
pub fn conversations(pcap: &Path) -> Vec<Conversation> {
    let mut flows: Vec<Tracked> = Vec::new();
    let mut index: HashMap<(bool, Endpoint, Endpoint), usize> = HashMap::new();
    let Ok(mut src) = OfflineSource::open(&[pcap.to_path_buf()]) else {
        println!("cannot read {}", pcap.display());
        return Vec::new();
    };
    let _ = src.for_each_packet(|pkt| {
        let d = decode(pkt);
        let Some(ip) = d.ip else {
            return ControlFlow::Continue(());
        };
        let (tcp, sport, dport) = match d.transport {
            Some(Transport::Tcp(t)) => (Some(t), t.sport, t.dport),
            Some(Transport::Udp(u)) => (None, u.sport, u.dport),
            _ => return ControlFlow::Continue(()),
        };
        let from = (ip.src, sport);
        let to = (ip.dst, dport);
        let key = if from < to {
            (tcp.is_some(), from, to)
        } else {
            (tcp.is_some(), to, from)
        };
        let slot = match index.get(&key) {
            Some(&i) => flows.get_mut(i),
            None => {
                // A new flow starts with a client's SYN (TCP) or any datagram.
                let starts = tcp
                    .is_none_or(|t| t.flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN);
                let Some(kind) = Kind::of(tcp.is_some(), dport).filter(|_| starts) else {
                    return ControlFlow::Continue(());
                };
                index.insert(key, flows.len());
                flows.push(Tracked {
                    conv: Conversation {
                        kind,
                        client: from,
                        server: to,
                        chunks: Vec::new(),
                    },
                    next: [None, None],
                });
                flows.last_mut()
            }
        };
        let Some(f) = slot else {
            return ControlFlow::Continue(());
        };
        let dir = if from == f.conv.client {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let payload = d.payload;
        let data = match tcp {
            None => payload.to_vec(),
            Some(t) => {
                let side = usize::from(dir == Direction::ToClient);
                let Some(next) = f.next.get_mut(side) else {
                    return ControlFlow::Continue(());
                };
                if t.flags & tcp_flags::SYN != 0 {
                    *next = Some(t.seq.wrapping_add(1));
                    return ControlFlow::Continue(());
                }
                let Some(expect) = *next else {
                    return ControlFlow::Continue(());
                };
                // Signed distance from the expected sequence number.
                let ahead = t.seq.wrapping_sub(expect) as i32;
                if ahead > 0 {
                    return ControlFlow::Continue(());
                }
                let skip = ahead.unsigned_abs() as usize;
                let Some(fresh) = payload.get(skip..) else {
                    return ControlFlow::Continue(());
                };
                *next = Some(expect.wrapping_add(fresh.len() as u32));
                fresh.to_vec()
            }
        };
        if !data.is_empty() {
            f.conv.chunks.push(Chunk {
                dir,
                ts: pkt.ts,
                data,
            });
        }
        ControlFlow::Continue(())
    });
    flows
        .into_iter()
        .map(|t| t.conv)
        .filter(|c| !c.chunks.is_empty())
        .collect()
}

/// The conversations of `../shared/bench/smoke.pcap`, or `None` (with one
/// line printed) when it is missing.
pub fn smoke_conversations(bench: &str) -> Option<Vec<Conversation>> {
    let pcap = shared(bench, "bench/smoke.pcap")?;
    let convs = conversations(&pcap);
    let mut counts: HashMap<Kind, (usize, usize)> = HashMap::new();
    for c in &convs {
        let e = counts.entry(c.kind).or_default();
        e.0 += 1;
        e.1 += c.bytes();
    }
    let mut line: Vec<String> = counts
        .iter()
        .map(|(k, (n, b))| format!("{k:?} {n} flows {b} B"))
        .collect();
    line.sort();
    println!("{}: {}", pcap.display(), line.join(", "));
    Some(convs)
}
