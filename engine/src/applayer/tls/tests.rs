//! State tests on real handshakes: the client and server byte streams of
//! conformance captures (`testdata/`, extracted with tshark's
//! `follow,tcp,raw`), fed whole, split at every byte and byte by byte,
//! plus hostile input.

use serde_json::json;
use sigil_rules::buffer::{Buffer, Side};

use super::{FingerprintLogging, SslStateFlags, State, Tx};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction::{self, ToClient, ToServer};
use crate::testutil::from_hex as hex;

const TLS12_C: &[u8] = include_bytes!("testdata/tls12_random.client.bin");
const TLS12_S: &[u8] = include_bytes!("testdata/tls12_random.server.bin");
const GLUPTEBA_C: &[u8] = include_bytes!("testdata/glupteba.client.bin");
const GLUPTEBA_S: &[u8] = include_bytes!("testdata/glupteba.server.bin");
const TLS13_C: &[u8] = include_bytes!("testdata/tls13.client.bin");
const TLS13_S: &[u8] = include_bytes!("testdata/tls13.server.bin");
const DUP_C: &[u8] = include_bytes!("testdata/duphello.client.bin");
const DUP_S: &[u8] = include_bytes!("testdata/duphello.server.bin");
const SSLV2_C: &[u8] = include_bytes!("testdata/sslv2.client.bin");
const SSLV2_S: &[u8] = include_bytes!("testdata/sslv2.server.bin");

fn state() -> State {
    State::new(&AppConfig::default())
}

fn feed(st: &mut State, dir: Direction, data: &[u8]) {
    st.input(dir, data, Timestamp::default());
}

/// Length of the first record of a stream (TLS or SSLv2 framing).
fn first_record(stream: &[u8]) -> usize {
    let len = usize::from(u16::from_be_bytes([stream[3], stream[4]]));
    if stream[0] & 0x80 != 0 {
        2 + (usize::from(stream[0] & 0x7f) << 8 | usize::from(stream[1]))
    } else {
        5 + len
    }
}

/// The client's first record (its hello), the server's stream, then the
/// rest of the client's: the order they cross the wire in these captures
/// (the client's ChangeCipherSpec follows the server's certificate).
fn run(client: &[u8], server: &[u8]) -> State {
    let mut st = state();
    let n = first_record(client).min(client.len());
    feed(&mut st, ToServer, &client[..n]);
    feed(&mut st, ToClient, server);
    feed(&mut st, ToServer, &client[n..]);
    st
}

fn tx(st: &State) -> &Tx {
    st.txs().next().expect("the flow's transaction")
}

fn buf(tx: &Tx, b: Buffer) -> Vec<String> {
    let mut out = Vec::new();
    tx.buffer(b, &mut out);
    out.iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

#[test]
fn tls12_handshake_fields() {
    let st = run(TLS12_C, TLS12_S);
    let tx = tx(&st);
    assert_eq!(tx.version(ToServer), 0x0303);
    assert_eq!(tx.version(ToClient), 0x0303);
    assert_eq!(
        tx.client_random(),
        Some(&hex("942d1fef575d770207c29dbe2401ccf05dcde1d2a5869c4a3eee38db551ad9bc")[..])
    );
    assert_eq!(
        tx.server_random(),
        Some(&hex("54f9fc1577e433d32da82e9d38897d5a2628bfb09851dad9bd03f8afa209a4f0")[..])
    );
    // Values tshark computes for the same hellos.
    assert_eq!(
        buf(tx, Buffer::Ja3Hash),
        ["308b0bd904abbef5e0034a1ff7a78920"]
    );
    assert_eq!(
        buf(tx, Buffer::Ja3String),
        [
            "771,49195-49199-158-49162-49161-49171-49172-49159-49169-51-50-57-156-47-53-10-5-4,\
          65281-10-11-35-13172-16-30032-5-18-13,23-24-25,0"
        ]
    );
    assert_eq!(buf(tx, Buffer::Ja3sString), ["771,49199,65281-11-35"]);
    assert_eq!(
        buf(tx, Buffer::Ja3sHash),
        ["ccc514751b175866924439bdbb5bba34"]
    );
    let selks = "C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS";
    assert_eq!(buf(tx, Buffer::TlsCertSubject), [selks]);
    assert_eq!(buf(tx, Buffer::TlsCertIssuer), [selks]);
    assert_eq!(
        buf(tx, Buffer::TlsCertSerial),
        ["00:97:E6:47:09:8E:EA:C9:B4"]
    );
    assert_eq!(tx.cert_chain_len(), 1);
    assert!(buf(tx, Buffer::TlsSni).is_empty());
    assert!(tx.complete(Side::Both));
    assert!(tx.should_log());
    let eve = tx.eve();
    assert_eq!(eve["subject"], selks);
    assert_eq!(eve["version"], "TLS 1.2");
    assert_eq!(eve["notbefore"], "2015-02-12T18:07:27");
    assert!(eve.get("session_resumed").is_none());
    assert!(eve.get("ja3").is_none(), "ja3 is logged only when enabled");
}

#[test]
fn tls12_every_split_point_gives_the_same_transaction() {
    let whole = tx(&run(TLS12_C, TLS12_S)).clone();
    let hello = first_record(TLS12_C);
    let (c1, c2) = TLS12_C.split_at(hello);
    // Each of the three pieces split at every byte.
    for piece in 0..3 {
        let parts: [(Direction, &[u8]); 3] = [(ToServer, c1), (ToClient, TLS12_S), (ToServer, c2)];
        let stream = parts[piece].1;
        for cut in 0..=stream.len() {
            let mut st = state();
            for (i, (dir, data)) in parts.iter().enumerate() {
                if i == piece {
                    feed(&mut st, *dir, &data[..cut]);
                    feed(&mut st, *dir, &data[cut..]);
                } else {
                    feed(&mut st, *dir, data);
                }
            }
            assert_eq!(tx(&st).eve(), whole.eve(), "piece {piece} cut at {cut}");
            assert!(st.events().is_empty(), "piece {piece} cut at {cut}");
        }
    }
    let mut st = state();
    for (dir, data) in [(ToServer, c1), (ToClient, TLS12_S), (ToServer, c2)] {
        for b in data {
            feed(&mut st, dir, std::slice::from_ref(b));
        }
    }
    let t = tx(&st);
    assert_eq!(t.eve(), whole.eve());
    assert_eq!(buf(t, Buffer::Ja3Hash), buf(&whole, Buffer::Ja3Hash));
    assert_eq!(buf(t, Buffer::TlsCerts), buf(&whole, Buffer::TlsCerts));
}

#[test]
fn ssl_state_follows_the_last_message_parsed() {
    let mut st = state();
    // The ClientHello record alone.
    feed(&mut st, ToServer, &TLS12_C[..180]);
    assert_eq!(tx(&st).ssl_state(), SslStateFlags::CLIENT_HELLO);
    // ServerHello record, then the records up to ServerHelloDone.
    feed(&mut st, ToClient, &TLS12_S[..66]);
    assert_eq!(tx(&st).ssl_state(), SslStateFlags::SERVER_HELLO);
    feed(&mut st, ToClient, &TLS12_S[66..66 + 894 + 338 + 9]);
    assert_eq!(tx(&st).ssl_state(), SslStateFlags::SERVER_KEYX);
    feed(&mut st, ToServer, &TLS12_C[180..]);
    assert_eq!(tx(&st).ssl_state(), SslStateFlags::CLIENT_KEYX);
}

#[test]
fn glupteba_sslv2_hello_and_tlsv1_certificate() {
    let st = run(GLUPTEBA_C, GLUPTEBA_S);
    let tx = tx(&st);
    // The SSLv2-framed ClientHello asks for TLS 1.0.
    assert_eq!(tx.version(ToServer), 0x0301);
    let eve = tx.eve();
    assert_eq!(eve["version"], "TLSv1");
    assert_eq!(eve["subject"], "CN=xn--j1ahhq.xn--p1ai");
    assert_eq!(eve["issuerdn"], "C=US, O=Let's Encrypt, CN=R3");
    assert_eq!(
        eve["serial"],
        "03:DE:23:89:7E:97:FB:86:8E:7C:C5:53:09:FE:AE:D0:AE:20"
    );
    assert_eq!(
        eve["fingerprint"],
        "e9:a0:69:50:ba:18:dc:ac:d3:a7:fe:58:22:4a:1f:42:5b:bc:96:b0"
    );
    assert_eq!(eve["notbefore"], "2022-12-01T06:47:31");
    assert_eq!(eve["notafter"], "2023-03-01T06:47:30");
    let sans = eve["subjectaltname"].as_array().unwrap();
    assert_eq!(sans.len(), 17);
    assert_eq!(sans[0], "server1.xn--j1ahhq.xn--p1ai");
    assert_eq!(sans[1], "server10.xn--j1ahhq.xn--p1ai");
    assert_eq!(sans[16], "xn--j1ahhq.xn--p1ai");
    assert!(buf(tx, Buffer::TlsSubjectAltName).contains(&"server15.xn--j1ahhq.xn--p1ai".into()));
    assert_eq!(tx.cert_not_after(), Some(1_677_653_250));
    // No JA3 for an SSLv2 hello, as in Suricata.
    assert!(buf(tx, Buffer::Ja3Hash).is_empty());
    assert!(tx.complete(Side::Both));
}

#[test]
fn tls13_versions_fingerprints_and_encrypted_tail() {
    let mut st = state();
    st.set_fingerprint_logging(FingerprintLogging {
        ja3: true,
        ja4: true,
    });
    feed(&mut st, ToServer, TLS13_C);
    feed(&mut st, ToClient, TLS13_S);
    let tx = tx(&st);
    // Hashes from the corpus' bug-8336 rules.
    assert_eq!(
        buf(tx, Buffer::Ja3Hash),
        ["fae0e5d973c96ae1888b99538efa0363"]
    );
    assert_eq!(
        buf(tx, Buffer::Ja3sHash),
        ["907bf3ecef1c987c889946b737b43de8"]
    );
    assert_eq!(buf(tx, Buffer::Ja3sString), ["771,4866,51-43"]);
    assert_eq!(buf(tx, Buffer::TlsSni), ["docs.suricata.io"]);
    let ja4 = buf(tx, Buffer::Ja4Hash);
    assert_eq!(ja4.len(), 1);
    assert!(ja4[0].starts_with("t13d2013h1_"), "{ja4:?}");
    assert_eq!(ja4[0].len(), 36);
    assert_eq!(tx.version(ToServer), 0x0304);
    assert_eq!(tx.version(ToClient), 0x0304);
    assert!(tx.should_log(), "TLS 1.3 logs without a certificate");
    assert!(tx.complete(Side::Both), "application data both ways");
    assert!(tx.encrypted_bytes(ToClient) > 0);
    assert!(tx.encrypted_bytes(ToServer) > 0);
    let eve = tx.eve();
    assert_eq!(eve["version"], "TLS 1.3");
    assert_eq!(eve["sni"], "docs.suricata.io");
    assert_eq!(eve["ja3"]["hash"], "fae0e5d973c96ae1888b99538efa0363");
    assert_eq!(eve["ja3s"]["string"], "771,4866,51-43");
    assert_eq!(eve["ja4"], json!(ja4[0]));
    assert_eq!(eve["client_alpns"], json!(["http/1.1"]));
    assert!(eve.get("subject").is_none());
    assert!(st.events().is_empty());
}

#[test]
fn duplicate_client_hello_keeps_the_first_fingerprint() {
    // Both hellos cross the wire before the server answers.
    let mut st = state();
    feed(&mut st, ToServer, DUP_C);
    feed(&mut st, ToClient, DUP_S);
    let tx = tx(&st);
    assert_eq!(
        buf(tx, Buffer::Ja3String),
        [
            "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-\
          49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,\
          5-10-11-13-22-23-35-51-43-65281-0-45,23,0"
        ]
    );
    assert_eq!(buf(tx, Buffer::Ja3sString), ["771,4865,43-51"]);
    assert!(tx.should_log());
    // The second hello repeats SNI: Suricata flags it.
    assert_eq!(st.events(), ["tls.multiple_sni_extensions"]);
}

#[test]
fn sslv2_upgrade_certificate_with_email_attribute() {
    let st = run(SSLV2_C, SSLV2_S);
    let tx = tx(&st);
    let eve = tx.eve();
    assert_eq!(
        eve["subject"],
        "C=US, ST=California, L=Sunnyvale, O=NetScreen Technologies, Inc., OU=Security Team, \
         CN=sigdb.secteam.netscreen.com, Email=aturner@netscreen.com"
    );
    assert_eq!(
        eve["issuerdn"],
        "C=US, ST=California, L=Sunnyvale, O=OneSecure, Inc., OU=Fulfillment, \
         CN=jumper.sv-staging.onesecure.com, Email=fulfillment@onesecure.com"
    );
    assert_eq!(eve["serial"], "55");
    assert_eq!(
        eve["fingerprint"],
        "8c:90:bd:2a:b3:ae:e6:0b:d0:ea:b7:86:b0:1a:e4:b1:cc:57:ef:22"
    );
    assert_eq!(eve["version"], "TLSv1");
    assert_eq!(eve["notbefore"], "2003-03-29T00:57:44");
    assert_eq!(eve["notafter"], "2008-03-27T00:57:44");
    assert_eq!(buf(tx, Buffer::TlsCertSerial), ["55"]);
}

#[test]
fn transaction_is_taken_once() {
    let mut st = state();
    feed(&mut st, ToServer, &TLS12_C[..first_record(TLS12_C)]);
    assert!(st.take_finished(false).is_empty(), "server side not done");
    feed(&mut st, ToClient, TLS12_S);
    let done = st.take_finished(false);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].id(), 0);
    assert!(st.txs().next().is_none());
    assert!(st.take_finished(true).is_empty());
    // A flow that ends early still yields its transaction.
    let mut st = state();
    feed(&mut st, ToServer, &TLS12_C[..100]);
    let end = st.take_finished(true);
    assert_eq!(end.len(), 1);
    assert!(!end[0].should_log());
}

#[test]
fn handshake_message_spanning_records() {
    // Re-frame the server's Certificate message over three records.
    let cert_rec = &TLS12_S[66..66 + 894];
    let msg = &cert_rec[5..];
    let mut framed = TLS12_S[..66].to_vec();
    // Suricata rejects handshake records under 4 bytes: split at >= 4.
    for part in [&msg[..4], &msg[4..500], &msg[500..]] {
        framed.extend_from_slice(&[22, 3, 3]);
        framed.extend_from_slice(&(part.len() as u16).to_be_bytes());
        framed.extend_from_slice(part);
    }
    let mut st = run(TLS12_C, &framed);
    assert_eq!(
        buf(tx(&st), Buffer::TlsCertSerial),
        ["00:97:E6:47:09:8E:EA:C9:B4"]
    );
    assert!(st.events().is_empty());
}

#[test]
fn fatal_anomalies_stop_the_flow() {
    // Unknown record type on TLS 1.2: event, then nothing more is parsed.
    let mut st = state();
    feed(&mut st, ToServer, &[0x19, 3, 3, 0, 1, 0]);
    feed(&mut st, ToServer, TLS12_C);
    assert_eq!(st.events(), ["tls.invalid_record_type"]);
    assert!(st.failed());
    assert!(tx(&st).client_random().is_none());
    // Record version 0x0305 is invalid.
    let mut st = state();
    feed(&mut st, ToServer, &[22, 3, 5, 0, 4, 1, 0, 0, 0]);
    assert_eq!(st.events(), ["tls.invalid_record_version"]);
    // Oversized record.
    let mut st = state();
    feed(&mut st, ToClient, &[23, 3, 3, 0xff, 0xff]);
    assert_eq!(st.events(), ["tls.invalid_record_length"]);
    // Unknown handshake type is an anomaly but not fatal.
    let mut st = state();
    feed(&mut st, ToServer, &[22, 3, 1, 0, 4, 0x63, 0, 0, 0]);
    feed(&mut st, ToServer, TLS12_C);
    assert_eq!(st.events(), ["tls.invalid_handshake_message"]);
    assert!(tx(&st).client_random().is_some());
    // The transaction keeps its anomalies (for `app-layer-event`) after
    // the flow-level queue was drained, each once.
    feed(&mut st, ToServer, &[22, 3, 1, 0, 4, 0x63, 0, 0, 0]);
    assert_eq!(tx(&st).events(), ["tls.invalid_handshake_message"]);
}

#[test]
fn unknown_record_type_is_tolerated_on_tls10() {
    let mut st = state();
    feed(&mut st, ToClient, &[21, 3, 1, 0, 2, 1, 0]);
    feed(&mut st, ToClient, &[0x19, 3, 1, 0, 3, 1, 2, 3]);
    feed(&mut st, ToClient, &TLS12_S[..66]);
    assert_eq!(st.events(), ["tls.invalid_record_type"]);
    assert!(tx(&st).server_random().is_some());
}

#[test]
fn heartbleed_request_is_flagged() {
    let mut st = state();
    feed(&mut st, ToServer, &TLS12_C[..first_record(TLS12_C)]);
    // Heartbeat request claiming 0x4000 payload bytes in a 3-byte record.
    feed(&mut st, ToServer, &[24, 3, 3, 0, 3, 1, 0x40, 0]);
    assert_eq!(st.events(), ["tls.overflow_heartbeat_message"]);
}

#[test]
fn gaps() {
    // Inside encrypted data the stream stays framed.
    let mut st = state();
    feed(&mut st, ToServer, &[23, 3, 3, 0, 10, 0, 0]);
    st.gap(ToServer, 4);
    feed(&mut st, ToServer, &[0, 0, 0, 0]);
    feed(&mut st, ToServer, TLS12_C);
    assert!(tx(&st).client_random().is_some());
    // Elsewhere that direction stops, the other goes on.
    let mut st = state();
    feed(&mut st, ToServer, &TLS12_C[..50]);
    st.gap(ToServer, 10);
    feed(&mut st, ToServer, &TLS12_C[60..]);
    feed(&mut st, ToClient, TLS12_S);
    let t = tx(&st);
    assert!(t.client_random().is_none());
    assert!(t.server_random().is_some());
    assert!(!st.failed());
}

/// A small deterministic PRNG for fuzz-style inputs.
fn lcg(seed: &mut u64) -> u8 {
    *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (*seed >> 33) as u8
}

#[test]
fn hostile_input_never_panics_and_stays_bounded() {
    let mut seed = 7;
    for round in 0..300 {
        let mut st = state();
        for _ in 0..8 {
            let len = usize::from(lcg(&mut seed)) * 4;
            let mut data: Vec<u8> = (0..len).map(|_| lcg(&mut seed)).collect();
            // Often start with a plausible header so deeper code runs.
            if round % 2 == 0 && data.len() > 6 {
                data[..6].copy_from_slice(&[22, 3, 3, 0, (len - 5) as u8, 1 + (round % 16) as u8]);
            }
            let dir = if lcg(&mut seed) & 1 == 0 {
                ToServer
            } else {
                ToClient
            };
            feed(&mut st, dir, &data);
        }
        let _ = st.events();
        if let Some(t) = st.txs().next() {
            let _ = t.eve();
        }
        assert!(st.buffered() < 70_000);
    }
    // Truncations and corruptions of real handshakes.
    for (c, s) in [
        (TLS12_C, TLS12_S),
        (GLUPTEBA_C, GLUPTEBA_S),
        (TLS13_C, TLS13_S),
    ] {
        for n in (0..s.len()).step_by(7) {
            let mut bad = s.to_vec();
            bad[n] ^= 0x5a;
            let st = run(c, &bad);
            let _ = tx(&st).eve();
            let _ = run(c, &s[..n]);
        }
    }
}

#[test]
fn huge_handshake_message_is_not_buffered() {
    let mut st = state();
    // A Certificate message claiming 16 MiB, then many records of it.
    feed(&mut st, ToClient, &TLS12_S[..66]);
    let mut rec = vec![22, 3, 3, 0x40, 0x00, 11, 0xff, 0xff, 0xff];
    rec.resize(5 + 0x4000, 0xaa);
    feed(&mut st, ToClient, &rec);
    let mut cont = vec![22, 3, 3, 0x40, 0x00];
    cont.resize(5 + 0x4000, 0xbb);
    for _ in 0..100 {
        feed(&mut st, ToClient, &cont);
    }
    assert!(st.buffered() < 1024, "{}", st.buffered());
    assert!(!st.failed());
}

/// `encryption-handling`: the payload stays inspected through the
/// handshake and stops being so once both sides sent application data,
/// unless `full` keeps it.
#[test]
fn payload_inspection_stops_when_application_data_starts() {
    let mut st = state();
    assert!(st.payload_inspected());
    let n = first_record(TLS13_C);
    feed(&mut st, ToServer, &TLS13_C[..n]);
    assert!(st.payload_inspected(), "a ClientHello is cleartext");
    feed(&mut st, ToClient, TLS13_S);
    assert!(
        st.payload_inspected(),
        "the server's TLS 1.3 flight alone (application data records) does not stop it"
    );
    feed(&mut st, ToServer, &TLS13_C[n..]);
    assert!(!st.payload_inspected(), "application data both ways");
    let mut full = State::new(&AppConfig {
        tls_inspect_encrypted: true,
        ..AppConfig::default()
    });
    feed(&mut full, ToServer, TLS13_C);
    feed(&mut full, ToClient, TLS13_S);
    assert!(full.payload_inspected());
}
