//! Tests of the worker's application layer: DNS inspection sides, the
//! h2c upgrade and protocol changes after STARTTLS.

use super::*;

/// A DNS message for `example.com` A: a query, or its response with
/// one answer.
fn dns_message(response: bool) -> Vec<u8> {
    let mut m = vec![0x12, 0x34];
    m.extend_from_slice(if response {
        &[0x81, 0x80]
    } else {
        &[0x01, 0x00]
    });
    m.extend_from_slice(&[0, 1, 0, u8::from(response), 0, 0, 0, 0]);
    m.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
    if response {
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    }
    m
}

#[test]
fn dns_transactions_are_inspected_from_their_own_direction_only() {
    let mut state = dns::State::new(&AppConfig::default());
    let ts = Timestamp::default();
    state.input(Direction::ToServer, &dns_message(false), ts);
    state.input(Direction::ToClient, &dns_message(true), ts);
    let st = AppState::Dns(Box::new(state));
    let all = txs(&st, ts);
    assert_eq!(all.len(), 2, "query and response are two transactions");
    let query = &all[0];
    let response = &all[1];
    assert!(query.inspected_from(true) && !query.inspected_from(false));
    assert!(response.inspected_from(false) && !response.inspected_from(true));
}

fn feed(app: &mut AppFlow, dir: Direction, data: &[u8], cfg: &AppConfig) {
    app.input(dir, data, Timestamp::default(), true, (34634, 25), cfg);
}

#[test]
fn starttls_changes_the_flow_to_tls() {
    let cfg = AppConfig::default();
    let mut app = AppFlow::default();
    feed(&mut app, Direction::ToServer, b"EHLO a\r\n", &cfg);
    assert_eq!(app.proto(), Some(AppProto::Smtp));
    feed(&mut app, Direction::ToClient, b"250 ok\r\n", &cfg);
    feed(&mut app, Direction::ToServer, b"STARTTLS\r\n", &cfg);
    feed(&mut app, Direction::ToClient, b"220 go\r\n", &cfg);
    assert_eq!(app.proto(), None, "detection starts over");
    // (The server's SMTP replies were a direction detection failed.)
    app.dirs.take_events();
    // A TLS ClientHello record header is enough for the probe.
    let hello = [
        0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2d, 0x03, 0x03,
    ];
    feed(&mut app, Direction::ToServer, &hello, &cfg);
    assert_eq!(app.proto(), Some(AppProto::Tls));
    assert!(app.dirs.take_events().is_empty(), "TLS was expected");
}

#[test]
fn http_after_starttls_is_unexpected_and_cannot_change_again() {
    let cfg = AppConfig::default();
    let mut app = AppFlow::default();
    feed(&mut app, Direction::ToServer, b"EHLO\nSTARTTLS\n", &cfg);
    // The 220 accepting STARTTLS and the next protocol's bytes together.
    feed(
        &mut app,
        Direction::ToClient,
        b"220 a\r\n220 b\r\nHTTP/1.1 101\nUpgrade:h2c\n\n",
        &cfg,
    );
    assert_eq!(app.proto(), Some(AppProto::Http), "no switch to HTTP/2");
    let ev = app.dirs.take_events();
    assert!(ev.contains(AppLayerEvent::UNEXPECTED_PROTOCOL));
    assert!(ev.contains(AppLayerEvent::NO_TLS_AFTER_STARTTLS));
    let mut events = Vec::new();
    for tx in app.txs(Timestamp::default()) {
        tx.app_events(&mut events);
    }
    assert!(events.contains(&"failed_protocol_change"), "{events:?}");
    // Later tunnel data asks again; the switch would come with the
    // data after that, as Suricata's change does.
    feed(&mut app, Direction::ToClient, b"\0", &cfg);
    assert_eq!(app.proto(), Some(AppProto::Http));
    assert_eq!(app.h2, H2Upgrade::Requested);
    feed(
        &mut app,
        Direction::ToServer,
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        &cfg,
    );
    assert_eq!(app.proto(), Some(AppProto::Http2));
}

#[test]
fn h2c_upgrade_switches_at_once_and_keeps_the_http1_tx() {
    let cfg = AppConfig::default();
    let mut app = AppFlow::default();
    let req = b"GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n";
    feed(&mut app, Direction::ToServer, req, &cfg);
    // 101 and the server's first SETTINGS frame in one segment.
    let mut resp =
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".to_vec();
    resp.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    feed(&mut app, Direction::ToClient, &resp, &cfg);
    assert_eq!(app.proto(), Some(AppProto::Http2));
    assert_eq!(app.dirs.protos(), [Some(AppProto::Http2); 2]);
    let live: Vec<u64> = app
        .txs(Timestamp::default())
        .iter()
        .map(|t| t.tx_id())
        .collect();
    assert_eq!(live, vec![1], "stream 1 follows the HTTP/1 transaction 0");
    let done = app.take_finished(false);
    assert_eq!(done.len(), 1);
    assert!(matches!(done[0], OwnedTx::Http(_)));
    let mut disabled = AppFlow::default();
    let off = AppConfig {
        http2_enabled: false,
        ..AppConfig::default()
    };
    feed(&mut disabled, Direction::ToServer, req, &off);
    feed(&mut disabled, Direction::ToClient, &resp, &off);
    assert_eq!(disabled.proto(), Some(AppProto::Http));
}

#[test]
fn proto_name_says_failed_once_detection_gave_up() {
    let cfg = AppConfig::default();
    let ts = Timestamp::default();
    let mut app = AppFlow::default();
    assert_eq!(app.proto_name(), None);
    // An unknown datagram: UDP detection gives up at once.
    app.input(
        Direction::ToServer,
        b"\x00\x01 not a protocol",
        ts,
        false,
        (1, 2),
        &cfg,
    );
    assert_eq!(app.proto_name(), Some("failed"));
    // A tunnel carrier fails the same way; a detected flow keeps its
    // protocol.
    let mut carrier = AppFlow::default();
    carrier.carried_tunnel();
    assert_eq!(carrier.proto_name(), Some("failed"));
    let mut dns = AppFlow::default();
    dns.input(
        Direction::ToServer,
        &dns_message(false),
        ts,
        false,
        (40000, 53),
        &cfg,
    );
    assert_eq!(dns.proto_name(), Some("dns"));
    dns.carried_tunnel();
    assert_eq!(dns.proto_name(), Some("dns"));
}

/// A request with a method no probe knows (Nmap's `LDQS`) is only known to
/// be HTTP once the server answers: its bytes then reach the HTTP parser
/// before the response, so the transaction has its request, as Suricata
/// logs it.
#[test]
fn an_unrecognised_first_side_is_parsed_once_the_other_settles_it() {
    let cfg = AppConfig::default();
    let mut app = AppFlow::default();
    let ts = Timestamp::default();
    app.input(
        Direction::ToServer,
        b"LDQS / HTTP/1.1\r\nUser-Agent: Nmap Scripting Engine\r\nHost: h\r\n\r\n",
        ts,
        true,
        (40377, 80),
        &cfg,
    );
    assert_eq!(app.proto(), None, "no probe knows LDQS");
    app.input(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ts,
        true,
        (40377, 80),
        &cfg,
    );
    assert_eq!(app.proto(), Some(AppProto::Http));
    let all = txs(&app.state, ts);
    assert_eq!(all.len(), 1, "one transaction, request and response");
    let mut ua = Vec::new();
    all[0].buffer(sigil_rules::buffer::Buffer::HttpUserAgent, true, &mut ua);
    assert_eq!(ua, [&b"Nmap Scripting Engine"[..]]);
    let mut method = Vec::new();
    all[0].buffer(sigil_rules::buffer::Buffer::HttpMethod, true, &mut method);
    assert_eq!(method, [&b"LDQS"[..]]);
}
