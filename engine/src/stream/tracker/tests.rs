//! Session tracker behaviour, through [`super::super::TcpSession`] so that
//! acceptance is seen where it matters: in what reaches the stream.

use super::TcpMeta;
use crate::flow::Direction::{ToClient, ToServer};
use crate::stream::{
    OverlapPolicy, Segment, SessionState, StreamConfig, StreamEvent, StreamEvents, StreamMemcap,
    TcpSession,
};

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

fn meta(window: u16, ts: Option<(u32, u32)>) -> Option<TcpMeta> {
    Some(TcpMeta {
        window,
        wscale: None,
        timestamp: ts,
        time_secs: 1000,
    })
}

fn seg(seq: u32, ack: u32, flags: u8, payload: &[u8], m: Option<TcpMeta>) -> Segment<'_> {
    Segment {
        seq,
        ack,
        flags,
        payload,
        meta: m,
    }
}

fn session(policy: OverlapPolicy) -> TcpSession {
    let cfg = StreamConfig {
        overlap_policy: policy,
        ..StreamConfig::default()
    };
    TcpSession::new(&cfg, &StreamMemcap::new(0))
}

/// Client ISN 100, server ISN 500, windows 1000, timestamps when `ts`.
fn handshake(s: &mut TcpSession, ts: bool) {
    let t = |v: u32, e: u32| ts.then_some((v, e));
    s.handle_segment(ToServer, &seg(100, 0, SYN, b"", meta(1000, t(10, 0))));
    s.handle_segment(
        ToClient,
        &seg(500, 101, SYN | ACK, b"", meta(1000, t(70, 10))),
    );
    s.handle_segment(ToServer, &seg(101, 501, ACK, b"", meta(1000, t(11, 70))));
}

fn has(ev: StreamEvents, e: StreamEvent) -> bool {
    ev.contains(e)
}

#[test]
fn header_options_are_read() {
    // 20-byte header + NOP NOP TS(10) + WS(3) + EOL, data offset 9 words.
    let mut h = vec![0u8; 36];
    h[12] = 9 << 4;
    h[20..32].copy_from_slice(&[1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9]);
    h[32..35].copy_from_slice(&[3, 3, 7]);
    let m = TcpMeta::from_header(&h, 512, 5);
    assert_eq!(m.timestamp, Some((7, 9)));
    assert_eq!(m.wscale, Some(7));
    assert_eq!((m.window, m.time_secs), (512, 5));
    // A length running past the header stops parsing without panicking.
    h[20..24].copy_from_slice(&[8, 40, 0, 0]);
    let m = TcpMeta::from_header(&h, 0, 0);
    assert_eq!(m.timestamp, None);
    assert_eq!(TcpMeta::from_header(&[], 1, 0).wscale, None);
}

#[test]
fn synack_echoing_a_foreign_timestamp_is_ignored() {
    // The Linux evasion (Suricata bug 3286): a RST and a FIN whose TSecr
    // does not echo the client's SYN cannot end the handshake.
    let mut s = session(OverlapPolicy::Bsd);
    s.handle_segment(ToServer, &seg(100, 0, SYN, b"", meta(1000, Some((10, 0)))));
    let ev = s.handle_segment(
        ToClient,
        &seg(0, 101, RST | ACK, b"", meta(1000, Some((1, 99)))),
    );
    assert!(has(ev, StreamEvent::PktInvalidTimestamp));
    assert!(!s.to_client().is_closed());
    let ev = s.handle_segment(
        ToClient,
        &seg(500, 101, SYN | ACK, b"", meta(1000, Some((70, 10)))),
    );
    assert!(ev.is_empty(), "{ev:?}");
    s.handle_segment(
        ToServer,
        &seg(101, 501, ACK, b"hello", meta(1000, Some((11, 70)))),
    );
    s.handle_segment(
        ToClient,
        &seg(501, 106, ACK, b"", meta(1000, Some((71, 11)))),
    );
    assert_eq!(s.to_server().acked_data(), b"hello");
}

#[test]
fn handshake_checks() {
    let mut s = session(OverlapPolicy::Bsd);
    s.handle_segment(ToServer, &seg(100, 0, SYN, b"", None));
    let ev = s.handle_segment(ToClient, &seg(500, 777, SYN | ACK, b"", None));
    assert!(has(ev, StreamEvent::ThreeWhsSynAckWithWrongAck));
    let ev = s.handle_segment(ToServer, &seg(100, 1, SYN | ACK, b"", None));
    assert!(has(ev, StreamEvent::ThreeWhsSynAckInWrongDirection));
    s.handle_segment(ToClient, &seg(500, 101, SYN | ACK, b"", None));
    let ev = s.handle_segment(ToClient, &seg(500, 102, SYN | ACK, b"", None));
    assert!(has(ev, StreamEvent::ThreeWhsSynAckResendWithDiffAck));
    let ev = s.handle_segment(ToServer, &seg(99, 0, SYN, b"", None));
    assert!(has(ev, StreamEvent::ThreeWhsSynResendDiffSeqOnSynRecv));
    let ev = s.handle_segment(ToClient, &seg(501, 101, ACK, b"early", None));
    assert!(has(ev, StreamEvent::ThreeWhsAckInWrongDir));
    assert!(s.to_client().readable().is_empty());
    let ev = s.handle_segment(ToServer, &seg(101, 999, ACK, b"x", None));
    assert!(has(ev, StreamEvent::ThreeWhsRightSeqWrongAckEvasion));
    let ev = s.handle_segment(ToServer, &seg(150, 999, ACK, b"y", None));
    assert!(has(ev, StreamEvent::ThreeWhsWrongSeqWrongAck));
    assert!(s.to_server().readable().is_empty());
    let ev = s.handle_segment(ToServer, &seg(101, 501, ACK, b"ok", None));
    assert!(ev.is_empty());
    assert_eq!(s.to_server().readable(), b"ok");
    // Established: handshake packets again are refused with their events.
    let ev = s.handle_segment(ToServer, &seg(100, 0, SYN, b"", None));
    assert!(has(ev, StreamEvent::EstSynResend));
    let ev = s.handle_segment(ToServer, &seg(7, 0, SYN, b"", None));
    assert!(has(ev, StreamEvent::EstSynResendDiffSeq));
    let ev = s.handle_segment(ToClient, &seg(500, 101, SYN | ACK, b"", None));
    assert!(has(ev, StreamEvent::EstSynAckResend));
    let ev = s.handle_segment(ToClient, &seg(500, 5, SYN | ACK, b"", None));
    assert!(has(ev, StreamEvent::EstSynAckResendWithDiffAck));
}

#[test]
fn tcp_fast_open_synack_may_ack_the_syn_data() {
    let mut s = session(OverlapPolicy::Bsd);
    s.handle_segment(ToServer, &seg(100, 0, SYN, b"GET", None));
    let ev = s.handle_segment(ToClient, &seg(500, 104, SYN | ACK, b"", None));
    assert!(ev.is_empty());
    let ev = s.handle_segment(ToServer, &seg(104, 501, ACK, b"", None));
    assert!(ev.is_empty());
}

#[test]
fn no_session_for_a_first_rst_or_fin() {
    let mut s = session(OverlapPolicy::Bsd);
    let ev = s.handle_segment(ToServer, &seg(1, 0, RST, b"", None));
    assert!(has(ev, StreamEvent::RstButNoSession));
    let ev = s.handle_segment(ToServer, &seg(1, 5, FIN | ACK, b"", None));
    assert!(has(ev, StreamEvent::FinButNoSession));
    assert_eq!(s.state(), SessionState::New);
    // A SYN afterwards still opens the session.
    s.handle_segment(ToServer, &seg(100, 0, SYN, b"", None));
    assert_eq!(s.state(), SessionState::Tracking);
    let ev = s.handle_segment(ToServer, &seg(100, 9, SYN, b"", None));
    assert!(has(ev, StreamEvent::PktBrokenAck));
}

#[test]
fn rst_must_hit_the_next_sequence_number_and_data_after_it_is_suspect() {
    let mut s = session(OverlapPolicy::Bsd);
    handshake(&mut s, false);
    // Off by one: ignored, the session stays open.
    s.handle_segment(ToServer, &seg(102, 501, RST | ACK, b"", None));
    assert!(!s.to_server().is_closed());
    s.handle_segment(ToServer, &seg(101, 501, RST | ACK, b"", None));
    assert!(s.to_server().is_closed());
    // The receiver of the RST is ignored, the sender goes on (injection).
    s.handle_segment(ToClient, &seg(501, 101, ACK, b"ignored", None));
    assert!(s.to_client().readable().is_empty());
    let ev = s.handle_segment(ToServer, &seg(101, 501, ACK, b"GET /", None));
    assert!(has(ev, StreamEvent::SuspectedRstInject));
    assert_eq!(s.to_server().readable(), b"GET /");
    // Once only; the session is open again for both sides.
    let ev = s.handle_segment(ToServer, &seg(106, 501, ACK, b"x", None));
    assert!(!has(ev, StreamEvent::SuspectedRstInject));
    s.handle_segment(ToClient, &seg(501, 107, ACK, b"reply", None));
    assert_eq!(s.to_client().readable(), b"reply");
}

#[test]
fn linux_accepts_a_rst_anywhere_in_the_window() {
    let mut s = session(OverlapPolicy::Linux);
    handshake(&mut s, false);
    s.handle_segment(ToServer, &seg(150, 501, RST | ACK, b"", None));
    assert!(s.to_server().is_closed());
    let mut s = session(OverlapPolicy::Bsd);
    handshake(&mut s, false);
    s.handle_segment(ToServer, &seg(150, 501, RST | ACK, b"", None));
    assert!(!s.to_server().is_closed());
}

#[test]
fn paws_refuses_old_timestamps() {
    let mut s = session(OverlapPolicy::Bsd);
    handshake(&mut s, true);
    let ev = s.handle_segment(
        ToServer,
        &seg(101, 501, ACK, b"new", meta(1000, Some((12, 70)))),
    );
    assert!(ev.is_empty(), "{ev:?}");
    let ev = s.handle_segment(
        ToServer,
        &seg(104, 501, ACK, b"old", meta(1000, Some((5, 70)))),
    );
    assert!(has(ev, StreamEvent::PktInvalidTimestamp));
    let ev = s.handle_segment(
        ToServer,
        &seg(104, 501, RST, b"", meta(1000, Some((0, 70)))),
    );
    assert!(has(ev, StreamEvent::PktInvalidTimestamp));
    assert!(!s.to_server().is_closed());
    assert_eq!(s.to_server().readable(), b"new");
}

#[test]
fn segments_past_the_advertised_window_are_refused() {
    let mut s = session(OverlapPolicy::Bsd);
    handshake(&mut s, false);
    // The server advertised 1000 bytes from 101.
    let big = vec![b'a'; 1200];
    let ev = s.handle_segment(ToServer, &seg(101, 501, ACK, &big, meta(1000, None)));
    assert!(has(ev, StreamEvent::EstPacketOutOfWindow));
    assert!(s.to_server().readable().is_empty());
    let ev = s.handle_segment(
        ToServer,
        &seg(101, 501, ACK, &big[..1000], meta(1000, None)),
    );
    assert!(ev.is_empty(), "{ev:?}");
    // The server's ACK with a scaled-up window opens more room.
    s.handle_segment(ToClient, &seg(501, 1101, ACK, b"", meta(4000, None)));
    let ev = s.handle_segment(ToServer, &seg(1101, 501, ACK, &big, meta(1000, None)));
    assert!(ev.is_empty(), "{ev:?}");
}

#[test]
fn async_oneside_client_ack_establishes() {
    for oneside in [false, true] {
        let cfg = StreamConfig {
            async_oneside: oneside,
            ..StreamConfig::default()
        };
        let mut s = TcpSession::new(&cfg, &StreamMemcap::new(0));
        s.handle_segment(ToServer, &seg(100, 0, SYN, b"", None));
        let ev = s.handle_segment(ToServer, &seg(150, 900, ACK, b"", None));
        assert_eq!(has(ev, StreamEvent::ThreeWhsAsyncWrongSeq), oneside);
        assert!(!s.async_established());
        s.handle_segment(ToServer, &seg(101, 900, ACK, b"", None));
        assert_eq!(s.async_established(), oneside);
    }
}
