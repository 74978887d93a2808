//! End-to-end checks on the conformance corpus' TLS captures: the pcap is
//! read and decoded with the engine's capture and decode code, each TCP
//! flow is reassembled in the test (in-order delivery, retransmissions cut,
//! out-of-order segments held until the hole fills) and fed to a
//! [`State`]; the EVE fields and buffers the corpus' `test.yaml` and rules
//! check are compared. Without the corpus (`../shared` missing) each test
//! prints one line and passes.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;

use sigil_rules::buffer::Buffer;

use super::{FingerprintLogging, State, Tx};
use crate::applayer::AppConfig;
use crate::capture::{OfflineSource, Timestamp};
use crate::decode::{decode, tcp_flags, Transport};
use crate::flow::Direction;

fn corpus_file(test: &str, file: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/tests")
        .join(test)
        .join(file);
    if p.is_file() {
        Some(p)
    } else {
        println!("skipping: conformance capture not found at {}", p.display());
        None
    }
}

/// One direction of a TCP connection being reassembled.
#[derive(Default)]
struct Stream {
    /// Sequence number of the next byte to deliver.
    next: Option<u32>,
    /// Segments beyond a hole, by sequence number.
    held: BTreeMap<u32, Vec<u8>>,
}

impl Stream {
    /// New in-order bytes after this segment.
    fn push(&mut self, seq: u32, data: &[u8]) -> Vec<u8> {
        let next = *self.next.get_or_insert(seq);
        let ahead = seq.wrapping_sub(next);
        if ahead > 0 && ahead < 1 << 30 {
            self.held.insert(seq, data.to_vec());
            return Vec::new();
        }
        let mut out = trim(next, seq, data).to_vec();
        let mut pos = next.wrapping_add(out.len() as u32);
        while let Some((&s, _)) = self
            .held
            .iter()
            .find(|(s, _)| pos.wrapping_sub(**s) < 1 << 30)
        {
            let seg = self.held.remove(&s).unwrap_or_default();
            let fresh = trim(pos, s, &seg);
            out.extend_from_slice(fresh);
            pos = pos.wrapping_add(fresh.len() as u32);
        }
        self.next = Some(pos);
        out
    }
}

/// The part of a segment starting at `seq` that lies at or after `next`.
fn trim(next: u32, seq: u32, data: &[u8]) -> &[u8] {
    let behind = next.wrapping_sub(seq) as usize;
    data.get(behind..).unwrap_or_default()
}

/// In-order application data of one flow, direction relative to the SYN sender.
type Chunks = Vec<(Direction, Vec<u8>)>;
/// Client and server endpoints.
type Key = ((IpAddr, u16), (IpAddr, u16));

/// The TCP flows of a capture, in order of first packet.
fn flows(pcap: PathBuf) -> Vec<Chunks> {
    let mut order: Vec<Key> = Vec::new();
    let mut flows: HashMap<Key, (Chunks, [Stream; 2])> = HashMap::new();
    let Ok(mut src) = OfflineSource::open(&[pcap]) else {
        return Vec::new();
    };
    let _ = src.for_each_packet(|pkt| {
        let d = decode(pkt);
        let (Some(ip), Some(Transport::Tcp(tcp))) = (d.ip, d.transport) else {
            return ControlFlow::Continue(());
        };
        let a = (ip.src, tcp.sport);
        let b = (ip.dst, tcp.dport);
        let syn_only = tcp.flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
        let key = if flows.contains_key(&(b, a)) {
            (b, a)
        } else {
            if !flows.contains_key(&(a, b)) {
                if !syn_only && d.payload.is_empty() {
                    return ControlFlow::Continue(());
                }
                order.push((a, b));
            }
            (a, b)
        };
        let (chunks, streams) = flows.entry(key).or_default();
        let to_server = key.0 == a;
        let (dir, stream) = if to_server {
            (Direction::ToServer, &mut streams[0])
        } else {
            (Direction::ToClient, &mut streams[1])
        };
        if tcp.flags & tcp_flags::SYN != 0 {
            stream.next = Some(tcp.seq.wrapping_add(1));
            return ControlFlow::Continue(());
        }
        if !d.payload.is_empty() {
            let data = stream.push(tcp.seq, d.payload);
            if !data.is_empty() {
                chunks.push((dir, data));
            }
        }
        ControlFlow::Continue(())
    });
    order
        .iter()
        .filter_map(|k| flows.remove(k).map(|(c, _)| c))
        .filter(|c| !c.is_empty())
        .collect()
}

/// Runs every flow of a capture; returns each flow's transaction and events.
fn run(pcap: PathBuf) -> Vec<(Tx, Vec<&'static str>)> {
    flows(pcap)
        .into_iter()
        .map(|chunks| {
            let mut st = State::new(&AppConfig::default());
            st.set_fingerprint_logging(FingerprintLogging {
                ja3: true,
                ja4: true,
            });
            let mut txs = Vec::new();
            for (dir, data) in chunks {
                st.input(dir, &data, Timestamp::default());
                txs.extend(st.take_finished(false));
            }
            txs.extend(st.take_finished(true));
            let tx = txs.pop().expect("one transaction per flow");
            (tx, st.events())
        })
        .collect()
}

fn buf(tx: &Tx, b: Buffer) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tx.buffer(b, &mut out);
    out.into_iter().map(<[u8]>::to_vec).collect()
}

#[test]
fn glupteba_eve_record() {
    let Some(p) = corpus_file("tls-glupteba", "input.pcap") else {
        return;
    };
    let flows = run(p);
    assert_eq!(flows.len(), 1);
    let (tx, _) = &flows[0];
    assert!(tx.should_log());
    let eve = tx.eve();
    let want = [
        (
            "fingerprint",
            "e9:a0:69:50:ba:18:dc:ac:d3:a7:fe:58:22:4a:1f:42:5b:bc:96:b0",
        ),
        ("issuerdn", "C=US, O=Let's Encrypt, CN=R3"),
        ("notafter", "2023-03-01T06:47:30"),
        ("notbefore", "2022-12-01T06:47:31"),
        (
            "serial",
            "03:DE:23:89:7E:97:FB:86:8E:7C:C5:53:09:FE:AE:D0:AE:20",
        ),
        ("subject", "CN=xn--j1ahhq.xn--p1ai"),
        ("version", "TLSv1"),
    ];
    for (k, v) in want {
        assert_eq!(eve[k], v, "{k}");
    }
    let sans: Vec<String> = (1..=16)
        .map(|i| format!("server{i}.xn--j1ahhq.xn--p1ai"))
        .chain(["xn--j1ahhq.xn--p1ai".to_string()])
        .collect();
    let mut sorted_as_suricata = sans.clone();
    sorted_as_suricata[..16].sort();
    assert_eq!(eve["subjectaltname"], serde_json::json!(sorted_as_suricata));
}

#[test]
fn sslv2_upgrade_eve_record() {
    let Some(p) = corpus_file("sslv2-tls-upgrade-01", "ssl-v2-s1.pcap") else {
        return;
    };
    let flows = run(p);
    assert_eq!(flows.len(), 1);
    let (tx, _) = &flows[0];
    let eve = tx.eve();
    assert_eq!(eve["serial"], "55");
    assert_eq!(eve["version"], "TLSv1");
    assert_eq!(eve["notafter"], "2008-03-27T00:57:44");
    assert_eq!(buf(tx, Buffer::TlsCertSerial), [b"55".to_vec()]);
    assert_eq!(tx.version(Direction::ToServer), 0x0301);
}

#[test]
fn duplicate_hello_ja3_string() {
    let Some(p) = corpus_file("tls-duplicate-hello", "input.pcap") else {
        return;
    };
    let flows = run(p);
    assert_eq!(flows.len(), 1, "the RST'd connection carries no data");
    let (tx, _) = &flows[0];
    assert!(tx.should_log());
    assert_eq!(
        tx.eve()["ja3"]["string"],
        "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-\
         49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,\
         5-10-11-13-22-23-35-51-43-65281-0-45,23,0"
    );
}

#[test]
fn hello_retry_request_keeps_sni() {
    let Some(p) = corpus_file("bug-5758", "input.pcap") else {
        return;
    };
    let flows = run(p);
    let (tx, _) = &flows[0];
    assert!(tx.should_log());
    assert_eq!(tx.eve()["sni"], "ftp.nluug.nl");
    assert_eq!(tx.eve()["version"], "TLS 1.3");
}

#[test]
fn bidirectional_ja3_buffers() {
    let Some(p) = corpus_file("detect-bidir-ja3", "input.pcap") else {
        return;
    };
    let flows = run(p);
    let (tx, _) = &flows[0];
    assert_eq!(
        buf(tx, Buffer::Ja3sHash),
        [b"5d79edf64e03689ff559a54e9d9487bc".to_vec()]
    );
    let ja3 = buf(tx, Buffer::Ja3String);
    assert!(ja3[0].starts_with(b"771,49196-49200"), "{ja3:?}");
}

#[test]
fn issuer_with_nul_byte() {
    let Some(p) = corpus_file("tls-issuer-zero", "input.pcap") else {
        return;
    };
    let flows = run(p);
    let issuer = buf(&flows[0].0, Buffer::TlsCertIssuer);
    assert_eq!(
        issuer,
        [b"C=US, O=Microsoft Corporation, CN=Microsoft RSA TL\0 CA 01".to_vec()]
    );
}

#[test]
fn fingerprint_after_out_of_order_segments() {
    let Some(p) = corpus_file("tls-fingerprint-alert", "input.pcap") else {
        return;
    };
    let flows = run(p);
    assert_eq!(
        buf(&flows[0].0, Buffer::TlsCertFingerprint),
        [b"90:86:a4:3b:f5:cf:1b:2e:4e:f7:97:96:f9:de:ba:b9:66:35:86:3f".to_vec()]
    );
}

#[test]
fn subject_without_issuer_field() {
    let Some(p) = corpus_file("tls-cert-noissuer", "tls.pcap") else {
        return;
    };
    let flows = run(p);
    let subject = buf(&flows[0].0, Buffer::TlsCertSubject);
    assert!(
        subject[0].windows(9).any(|w| w == b"localhost"),
        "{subject:?}"
    );
}

#[test]
fn four_flows_with_the_same_certificate() {
    let Some(p) = corpus_file("tls-subject", "tls.pcap") else {
        return;
    };
    let flows = run(p);
    let selks = "C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS";
    // A fifth connection resumes the session: logged, without certificate.
    assert_eq!(flows.len(), 5);
    assert_eq!(flows[4].0.eve()["session_resumed"], true);
    let logged: Vec<_> = flows
        .iter()
        .filter(|(tx, _)| tx.eve()["subject"] == selks)
        .collect();
    assert_eq!(logged.len(), 4);
    for (tx, _) in logged {
        assert_eq!(tx.eve()["issuerdn"], selks);
    }
}

#[test]
fn broken_certificate_events() {
    let Some(p) = corpus_file("bug-1450-05", "tls_DER-incomplete-content.pcap") else {
        return;
    };
    let flows = run(p);
    let (tx, events) = &flows[0];
    assert!(
        events.contains(&"tls.invalid_handshake_message"),
        "{events:?}"
    );
    assert!(events.contains(&"tls.invalid_certificate"), "{events:?}");
    // No certificate decoded; the ClientHello's session ticket makes it a
    // (logged) resumption attempt, as in Suricata.
    assert!(tx.eve().get("subject").is_none());
    assert_eq!(tx.eve()["session_resumed"], true);
}

#[test]
fn hello_randoms() {
    let Some(p) = corpus_file("tls-random-6989", "input.pcap") else {
        return;
    };
    let flows = run(p);
    let tx = &flows[0].0;
    assert_eq!(
        tx.client_random().map(|r| r[..4].to_vec()),
        Some(vec![0x54, 0xb4, 0xc9, 0x7b])
    );
    assert_eq!(
        tx.server_random().map(|r| r[..4].to_vec()),
        Some(vec![0x54, 0xb8, 0xf7, 0x73])
    );
}
