//! Behaviour tests of the reassembly engine through the session API.

use super::*;
use crate::flow::Direction::{self, ToClient, ToServer};

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

mod random;

/// A session after a full handshake, with helpers that speak in offsets.
struct H {
    s: TcpSession,
    memcap: StreamMemcap,
    cisn: u32,
    sisn: u32,
}

impl H {
    fn new(cfg: StreamConfig, cisn: u32, sisn: u32) -> H {
        let memcap = StreamMemcap::new(cfg.memcap);
        let mut s = TcpSession::new(&cfg, &memcap);
        s.handle_segment(ToServer, &seg(cisn, 0, SYN, b""));
        s.handle_segment(ToClient, &seg(sisn, cisn.wrapping_add(1), SYN | ACK, b""));
        s.handle_segment(
            ToServer,
            &seg(cisn.wrapping_add(1), sisn.wrapping_add(1), ACK, b""),
        );
        assert_eq!(s.state(), SessionState::Tracking);
        H {
            s,
            memcap,
            cisn,
            sisn,
        }
    }

    fn default() -> H {
        H::new(StreamConfig::default(), 1000, 5000)
    }

    fn cseq(&self, off: u64) -> u32 {
        self.cisn.wrapping_add(1).wrapping_add(off as u32)
    }

    fn sseq(&self, off: u64) -> u32 {
        self.sisn.wrapping_add(1).wrapping_add(off as u32)
    }

    /// Client data at offset `off` (ACKing nothing new of the server).
    fn c(&mut self, off: u64, data: &[u8]) -> StreamEvents {
        let sg = seg(self.cseq(off), self.sseq(0), ACK, data);
        self.s.handle_segment(ToServer, &sg)
    }

    /// Server data at offset `off`.
    fn srv(&mut self, off: u64, data: &[u8]) -> StreamEvents {
        let sg = seg(self.sseq(off), self.cseq(0), ACK, data);
        self.s.handle_segment(ToClient, &sg)
    }

    /// The server acknowledges client offset `off`.
    fn sack(&mut self, off: u64) -> StreamEvents {
        let sg = seg(self.sseq(0), self.cseq(off), ACK, b"");
        self.s.handle_segment(ToClient, &sg)
    }

    fn dir(&mut self, d: Direction) -> &mut StreamDirection {
        self.s.direction_mut(d)
    }

    /// Consumes everything readable (acked or not), following gaps.
    fn drain(&mut self, d: Direction) -> Vec<u8> {
        drain(self.dir(d))
    }
}

fn drain(dir: &mut StreamDirection) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let r = dir.readable();
        if r.is_empty() {
            break;
        }
        out.extend_from_slice(r);
        let n = r.len();
        dir.consume(n);
    }
    out
}

fn seg(seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Segment<'_> {
    Segment {
        seq,
        ack,
        flags,
        payload,
        meta: None,
    }
}

fn cfg_with(f: impl FnOnce(&mut StreamConfig)) -> StreamConfig {
    let mut c = StreamConfig::default();
    f(&mut c);
    c
}

#[test]
fn sessions_can_move_between_threads() {
    fn send<T: Send + Sync>() {}
    send::<TcpSession>();
    send::<StreamMemcap>();
}

#[test]
fn defaults_match_suricata() {
    let c = StreamConfig::default();
    assert_eq!(c.depth, 1 << 20);
    assert_eq!(c.memcap, 256 << 20);
    assert!(!c.midstream);
    assert!(!c.async_oneside);
    assert_eq!(c.overlap_policy, OverlapPolicy::Bsd);
}

#[test]
fn in_order_across_segments() {
    let mut h = H::default();
    assert!(h.c(0, b"hello ").is_empty());
    assert!(h.c(6, b"world").is_empty());
    let d = h.s.to_server();
    assert_eq!(d.readable(), b"hello world");
    assert_eq!(d.readable_offset(), 0);
    assert_eq!(d.base_seq(), Some(SeqNumber(1001)));
    assert_eq!(h.dir(ToServer).consume(6), 6);
    assert_eq!(h.s.to_server().readable(), b"world");
    assert_eq!(h.s.to_server().readable_offset(), 6);
    let st = h.s.stats();
    assert_eq!((st.segments, st.bytes, st.out_of_order), (2, 11, 0));
    // The other direction is independent.
    h.srv(0, b"HTTP/1.1 200 OK");
    assert_eq!(h.s.to_client().readable(), b"HTTP/1.1 200 OK");
}

#[test]
fn out_of_order_reverse() {
    let mut h = H::default();
    let text = b"the quick brown fox jumps over the lazy dog";
    let chunks: Vec<(u64, &[u8])> = text
        .chunks(5)
        .enumerate()
        .map(|(i, c)| (i as u64 * 5, c))
        .collect();
    for (off, c) in chunks.iter().rev() {
        h.c(*off, c);
        if *off > 0 {
            assert!(h.s.to_server().readable().is_empty());
        }
    }
    assert_eq!(h.s.to_server().readable(), &text[..]);
    assert_eq!(h.s.to_server().pending_chunks(), 0);
    assert_eq!(h.s.stats().out_of_order, chunks.len() as u64 - 1);
    assert_eq!(h.s.stats().bytes, text.len() as u64);
}

#[test]
fn regions_count_data_far_beyond_a_hole() {
    // Out of order by a few bytes: one region, as Suricata reports.
    let mut h = H::new(cfg_with(|c| c.depth = 0), 1, 2);
    h.c(10, b"later");
    h.c(0, b"0123456789");
    assert_eq!(h.s.to_server().max_regions(), 1);
    // 300 KiB beyond the contiguous end: a second region, then a third.
    h.c(300 * 1024, b"far");
    assert_eq!(h.s.to_server().max_regions(), 2);
    h.c(700 * 1024, b"farther");
    assert_eq!(h.s.to_server().max_regions(), 3);
    assert_eq!(h.s.to_client().max_regions(), 1);
}

#[test]
fn out_of_order_interleaved() {
    let mut h = H::default();
    let text: Vec<u8> = (0..100u8).collect();
    for i in [1usize, 0, 3, 2, 5, 4, 7, 9, 8, 6] {
        h.c(i as u64 * 10, &text[i * 10..i * 10 + 10]);
    }
    assert_eq!(h.drain(ToServer), text);
    assert_eq!(h.s.stats().retransmissions, 0);
}

#[test]
fn exact_retransmission_is_not_redelivered() {
    let mut h = H::default();
    h.c(0, b"abcdef");
    let ev = h.c(0, b"abcdef");
    assert!(ev.contains(StreamEvent::PktRetransmission));
    assert!(!ev.contains(StreamEvent::ReassemblyOverlapDifferentData));
    assert_eq!(h.s.to_server().readable(), b"abcdef");
    h.dir(ToServer).consume(6);
    // Again, after delivery.
    let ev = h.c(0, b"abcdef");
    assert!(ev.contains(StreamEvent::PktRetransmission));
    assert!(h.s.to_server().readable().is_empty());
    let st = h.s.stats();
    assert_eq!(
        (st.retransmissions, st.overlaps, st.overlap_diff),
        (2, 2, 0)
    );
    assert_eq!(st.bytes, 6);
    assert_eq!(h.s.to_server().held_segments(), 0);
}

#[test]
fn partial_overlap_retransmission_adds_only_new_bytes() {
    let mut h = H::default();
    h.c(0, b"0123456789");
    let ev = h.c(5, b"56789abcde");
    assert!(!ev.contains(StreamEvent::PktRetransmission));
    assert!(!ev.contains(StreamEvent::ReassemblyOverlapDifferentData));
    h.dir(ToServer).consume(3);
    // Overlapping both delivered and undelivered bytes.
    h.c(2, b"23456789abcdefgh");
    assert_eq!(h.s.to_server().readable(), b"3456789abcdefgh");
    let st = h.s.stats();
    assert_eq!((st.overlaps, st.overlap_diff, st.bytes), (2, 0, 18));
}

/// Old segments A = [0,10) 'a', B = [10,20) 'b', then `new` with `fill`;
/// returns the 20+ stream bytes and whether the diff event was raised.
fn overlap_case(policy: OverlapPolicy, new_off: u64, new_len: usize) -> (Vec<u8>, bool) {
    let mut h = H::new(cfg_with(|c| c.overlap_policy = policy), 7, 9);
    h.c(0, &[b'a'; 10]);
    h.c(10, &[b'b'; 10]);
    let ev = h.c(new_off, &vec![b'x'; new_len]);
    let diff = ev.contains(StreamEvent::ReassemblyOverlapDifferentData);
    (h.drain(ToServer), diff)
}

fn s(x: &str) -> Vec<u8> {
    x.as_bytes().to_vec()
}

#[test]
fn overlap_different_data_first_last_bsd_linux_solaris() {
    use OverlapPolicy::*;
    // [5,15): starts inside A, starts before B.
    let cases: &[(OverlapPolicy, &str)] = &[
        (First, "aaaaaaaaaabbbbbbbbbb"),
        (Vista, "aaaaaaaaaabbbbbbbbbb"),
        (Last, "aaaaaxxxxxxxxxxbbbbb"),
        (Bsd, "aaaaaaaaaaxxxxxbbbbb"),
        (Linux, "aaaaaaaaaaxxxxxbbbbb"),
        (Windows, "aaaaaaaaaaxxxxxbbbbb"),
        (Solaris, "aaaaaxxxxxbbbbbbbbbb"),
    ];
    for (p, want) in cases {
        let (got, diff) = overlap_case(*p, 5, 10);
        assert_eq!(got, s(want), "policy {p}");
        assert!(diff, "policy {p}");
    }
    // [10,20): exactly B's range.
    for (p, want) in [
        (Bsd, "aaaaaaaaaabbbbbbbbbb"),
        (Linux, "aaaaaaaaaabbbbbbbbbb"),
        (OldLinux, "aaaaaaaaaaxxxxxxxxxx"),
        (Solaris, "aaaaaaaaaaxxxxxxxxxx"),
        (First, "aaaaaaaaaabbbbbbbbbb"),
        (Last, "aaaaaaaaaaxxxxxxxxxx"),
    ] {
        assert_eq!(overlap_case(p, 10, 10).0, s(want), "policy {p}");
    }
    // [10,25): same start as B, longer.
    for (p, want) in [
        (Bsd, "aaaaaaaaaabbbbbbbbbbxxxxx"),
        (Linux, "aaaaaaaaaaxxxxxxxxxxxxxxx"),
        (First, "aaaaaaaaaabbbbbbbbbbxxxxx"),
    ] {
        assert_eq!(overlap_case(p, 10, 15).0, s(want), "policy {p}");
    }
}

#[test]
fn overlap_policy_applies_to_out_of_order_segments() {
    // Both segments wait behind a hole; BSD lets the one that starts
    // earlier win, First keeps the one that came first.
    for (policy, want) in [
        (OverlapPolicy::Bsd, "_xxxxxxxxxxbbbbb"),
        (OverlapPolicy::First, "_xxxxbbbbbbbbbbb"),
    ] {
        let mut h = H::new(cfg_with(|c| c.overlap_policy = policy), 1, 2);
        h.c(5, &[b'b'; 11]);
        let ev = h.c(1, &[b'x'; 10]);
        assert!(ev.contains(StreamEvent::ReassemblyOverlapDifferentData));
        assert!(h.s.to_server().readable().is_empty());
        h.c(0, b"_");
        assert_eq!(h.drain(ToServer), s(want), "policy {policy}");
    }
}

#[test]
fn delivered_bytes_never_change() {
    let mut h = H::new(cfg_with(|c| c.overlap_policy = OverlapPolicy::Last), 1, 2);
    h.c(0, b"aaaaaaaaaa");
    h.dir(ToServer).consume(6);
    let ev = h.c(0, b"xxxxxxxxxxyy");
    assert!(ev.contains(StreamEvent::ReassemblyOverlapDifferentData));
    // Last policy replaces the undelivered part only.
    assert_eq!(h.s.to_server().readable(), b"xxxxyy");
    let (start, win) = h.s.to_server().inspect_window(0);
    assert_eq!(start, 0);
    assert_eq!(win, b""); // nothing acked yet
    h.sack(12);
    let (start, win) = h.s.to_server().inspect_window(0);
    assert_eq!((start, win), (0, &b"aaaaaaxxxxyy"[..]));
}

#[test]
fn sequence_wraparound() {
    let mut h = H::new(StreamConfig::default(), 0xffff_fff0, 0xffff_fffa);
    let text: Vec<u8> = (0..200u8).collect();
    // Out of order across the wrap point (offset 15 is seq 0).
    for i in [1usize, 0, 3, 2, 4, 6, 5, 7, 9, 8] {
        h.c(i as u64 * 20, &text[i * 20..i * 20 + 20]);
    }
    assert_eq!(h.s.to_server().readable(), &text[..]);
    h.sack(200);
    assert_eq!(h.s.to_server().acked_len(), 200);
    assert_eq!(
        h.s.to_server().last_ack(),
        Some(SeqNumber(0xffff_fff1u32.wrapping_add(200)))
    );
    assert_eq!(h.s.to_server().offset_of(SeqNumber(0)), Some(15));
    // Server side wraps after 5 bytes.
    h.srv(0, b"0123456789");
    assert_eq!(h.s.to_client().readable(), b"0123456789");
    assert_eq!(h.s.stats().retransmissions, 0);
}

#[test]
fn missing_syn_midstream_off_is_ignored() {
    let memcap = StreamMemcap::new(0);
    let mut s = TcpSession::new(&StreamConfig::default(), &memcap);
    let ev = s.handle_segment(ToServer, &seg(42, 7, ACK, b"data"));
    assert!(ev.is_empty());
    assert_eq!(s.state(), SessionState::Ignored);
    assert!(!s.is_reassembling());
    s.handle_segment(ToServer, &seg(46, 7, ACK, b"more"));
    assert!(s.to_server().readable().is_empty());
    assert_eq!(s.stats().midstream_ignored, 1);
    assert_eq!(memcap.used(), 0);
}

#[test]
fn missing_syn_midstream_on_starts_at_first_data() {
    let memcap = StreamMemcap::new(0);
    let cfg = cfg_with(|c| c.midstream = true);
    let mut s = TcpSession::new(&cfg, &memcap);
    // A server ACK before any client data says nothing usable.
    s.handle_segment(ToClient, &seg(900, 40, ACK, b""));
    s.handle_segment(ToServer, &seg(42, 900, ACK, b"GET /"));
    s.handle_segment(ToServer, &seg(47, 900, ACK, b" HTTP"));
    // A retransmission from before the pickup point is ignored.
    let ev = s.handle_segment(ToServer, &seg(30, 900, ACK, b"0123456789"));
    assert!(ev.contains(StreamEvent::ReassemblySegmentBeforeBaseSeq));
    assert_eq!(s.state(), SessionState::Midstream);
    assert_eq!(s.to_server().base_seq(), Some(SeqNumber(42)));
    assert_eq!(s.to_server().readable(), b"GET / HTTP");
    assert_eq!(s.stats().midstream_pickups, 1);
    // Server data picks up its own base.
    s.handle_segment(ToClient, &seg(900, 52, ACK, b"200"));
    assert_eq!(s.to_client().readable(), b"200");
    assert_eq!(s.to_server().acked_len(), 10);
}

#[test]
fn missed_synack_takes_server_base_from_client_ack() {
    let memcap = StreamMemcap::new(0);
    let mut s = TcpSession::new(&StreamConfig::default(), &memcap);
    s.handle_segment(ToServer, &seg(10, 0, SYN, b""));
    s.handle_segment(ToServer, &seg(11, 701, ACK, b""));
    s.handle_segment(ToClient, &seg(706, 11, ACK, b"world"));
    s.handle_segment(ToClient, &seg(701, 11, ACK, b"hello"));
    assert_eq!(s.to_client().readable(), b"helloworld");
}

#[test]
fn syn_payload_starts_at_offset_zero() {
    let memcap = StreamMemcap::new(0);
    let mut s = TcpSession::new(&StreamConfig::default(), &memcap);
    s.handle_segment(ToServer, &seg(10, 0, SYN, b"tfo"));
    s.handle_segment(ToServer, &seg(14, 0, ACK, b"!"));
    assert_eq!(s.to_server().readable(), b"tfo!");
}

#[test]
fn ack_tracking() {
    let mut h = H::default();
    h.c(0, b"0123456789");
    h.c(10, b"abcdefghij");
    let d = h.s.to_server();
    assert_eq!((d.acked_len(), d.acked_offset()), (0, 0));
    h.sack(4);
    assert_eq!(h.s.to_server().acked_data(), b"0123");
    h.sack(3); // old ACK: no regression
    assert_eq!(h.s.to_server().acked_len(), 4);
    h.sack(15);
    assert_eq!(h.s.to_server().acked_len(), 15);
    h.dir(ToServer).consume(10);
    assert_eq!(h.s.to_server().acked_data(), b"abcde");
    // An ACK far beyond the data seen is clamped to it.
    h.sack(1_000_000);
    assert_eq!(h.s.to_server().acked_offset(), 21);
    assert_eq!(h.s.to_server().acked_len(), 10);
    assert_eq!(
        h.s.to_server().last_ack(),
        Some(SeqNumber(h.cseq(1_000_000)))
    );
}

#[test]
fn gap_when_ack_passes_a_hole() {
    let mut h = H::default();
    h.c(0, b"0123456789");
    h.c(20, b"KLMNOPQRST");
    // An ACK inside the hole proves nothing about the data after it.
    h.sack(15);
    assert_eq!(h.drain(ToServer), b"0123456789");
    assert_eq!(h.s.stats().gaps, 0);
    let ev = h.sack(30);
    assert!(ev.contains(StreamEvent::ReassemblySeqGap));
    let d = h.s.to_server();
    assert_eq!(d.readable_offset(), 20);
    assert_eq!(d.gap_before(), 10);
    assert_eq!(d.readable(), b"KLMNOPQRST");
    assert_eq!(d.acked_len(), 10);
    // The inspection window does not reach across the gap.
    assert_eq!(d.inspect_window(0), (20, &b"KLMNOPQRST"[..]));
    h.dir(ToServer).consume(4);
    assert_eq!(h.s.to_server().gap_before(), 0);
    // Bytes from the skipped hole arriving late are not delivered.
    let ev = h.c(10, b"abcdefghij");
    assert!(ev.contains(StreamEvent::ReassemblySegmentBeforeBaseSeq));
    assert_eq!(h.s.to_server().readable(), b"OPQRST");
    let st = h.s.stats();
    assert_eq!((st.gaps, st.gap_bytes), (1, 10));
}

#[test]
fn gap_waits_for_consumer_then_skips() {
    let mut h = H::default();
    h.c(0, b"0123456789");
    h.c(20, b"KLMNOPQRST");
    h.sack(30);
    // The head is not consumed yet: the gap is pending.
    assert_eq!(h.s.to_server().readable(), b"0123456789");
    assert_eq!(h.s.stats().gaps, 0);
    h.dir(ToServer).consume(10);
    assert_eq!(h.s.to_server().readable(), b"KLMNOPQRST");
    assert_eq!(h.s.to_server().gap_before(), 10);
    assert!(h.s.events().contains(StreamEvent::ReassemblySeqGap));
}

#[test]
fn gap_at_flush() {
    let mut h = H::default();
    h.c(0, b"0123456789");
    h.c(20, b"KLMNO");
    h.c(40, b"uvwxyz");
    assert_eq!(h.drain(ToServer), b"0123456789");
    h.s.flush_all();
    let d = h.s.to_server();
    assert_eq!(d.readable(), b"KLMNO");
    assert_eq!(d.acked_len(), 5);
    assert_eq!(h.drain(ToServer), b"KLMNOuvwxyz");
    let st = h.s.stats();
    assert_eq!((st.gaps, st.gap_bytes), (2, 25));
    // Only the retained inspection window is left.
    let d = h.s.to_server();
    assert_eq!((d.pending_chunks(), d.held_segments()), (0, 0));
    assert_eq!(d.inspect_window(0), (40, &b"uvwxyz"[..]));
}

#[test]
fn flush_makes_unacked_data_readable_and_acked() {
    let mut h = H::default();
    h.c(0, b"abc");
    assert_eq!(h.s.to_server().acked_len(), 0);
    h.s.flush_all();
    assert_eq!(h.s.to_server().acked_data(), b"abc");
}

#[test]
fn depth_limit() {
    let mut h = H::new(cfg_with(|c| c.depth = 100), 1, 2);
    let data = vec![b'z'; 60];
    assert!(h.c(0, &data).is_empty());
    let ev = h.c(60, &data);
    assert!(ev.contains(StreamEvent::ReassemblyDepthReached));
    assert_eq!(h.s.to_server().readable().len(), 100);
    assert!(h.s.to_server().depth_reached());
    // Later bytes are dropped silently; the event fires once.
    assert!(h.c(120, &data).is_empty());
    assert_eq!(h.s.to_server().readable().len(), 100);
    assert_eq!(h.s.stats().depth_reached, 1);
    h.dir(ToServer).consume(100);
    assert!(h.s.to_server().is_done());
    assert_eq!(h.s.memory(), 0);
    assert_eq!(h.memcap.used(), 0);
    h.c(100, &data);
    assert!(h.s.to_server().readable().is_empty());
}

#[test]
fn depth_zero_is_unlimited() {
    let mut h = H::new(cfg_with(|c| c.depth = 0), 1, 2);
    let data = vec![7u8; 1500];
    let mut off = 0;
    for _ in 0..1000 {
        h.c(off, &data);
        off += 1500;
        h.sack(off);
        let n = h.s.to_server().acked_len();
        h.dir(ToServer).consume(n);
    }
    assert_eq!(h.s.to_server().readable_offset(), 1_500_000);
    assert!(!h.s.to_server().depth_reached());
    // Only the inspection window (and less than a compaction step) is kept.
    assert!(h.s.memory() < 2048 + 4096 + 1500);
}

#[test]
fn steady_state_reuses_buffers() {
    let mut h = H::new(cfg_with(|c| c.depth = 0), 1, 2);
    let data = vec![9u8; 1460];
    let mut off = 0;
    let mut step = |h: &mut H| {
        // Two segments in flight, the older one acknowledged, with a
        // retransmission now and then (exercises the overlap path).
        h.c(off, &data);
        h.c(off + 1460, &data);
        if off % (1460 * 8) == 0 {
            h.c(off, &data);
        }
        h.sack(off + 1460);
        let n = h.s.to_server().acked_len();
        h.dir(ToServer).consume(n);
        off += 1460;
    };
    for _ in 0..200 {
        step(&mut h);
    }
    let warm = h.s.to_server().capacities();
    let memory = h.s.memory();
    for _ in 0..500 {
        step(&mut h);
    }
    assert_eq!(h.s.to_server().capacities(), warm);
    assert!(h.s.memory() <= memory + 4096);
}

#[test]
fn memcap_drops_new_data_and_never_exceeds() {
    let cfg = cfg_with(|c| c.memcap = 1000);
    let mut h = H::new(cfg, 1, 2);
    let ev = h.c(100, &[1u8; 500]);
    assert!(ev.is_empty());
    let ev = h.c(700, &[2u8; 500]);
    assert!(ev.contains(StreamEvent::ReassemblyMemcap));
    assert!(h.memcap.used() <= 1000);
    assert_eq!(h.s.stats().memcap_drops, 1);
    // In-order data that fits is still accepted.
    h.c(0, &[0u8; 100]);
    assert_eq!(h.s.to_server().readable().len(), 600);
    h.s.direction(ToServer).check_accounting();
    assert_eq!(h.memcap.used(), h.s.memory());
    drop(h.s);
    assert_eq!(h.memcap.used(), 0);
}

#[test]
fn memcap_is_shared_by_sessions() {
    let cfg = cfg_with(|c| c.memcap = 300);
    let memcap = StreamMemcap::new(cfg.memcap);
    let mut a = TcpSession::new(&cfg, &memcap);
    let mut b = TcpSession::new(&cfg, &memcap);
    a.handle_segment(ToServer, &seg(0, 0, SYN, b""));
    b.handle_segment(ToServer, &seg(0, 0, SYN, b""));
    a.handle_segment(ToServer, &seg(1, 0, 0, &[0u8; 200]));
    let ev = b.handle_segment(ToServer, &seg(1, 0, 0, &[0u8; 200]));
    assert!(ev.contains(StreamEvent::ReassemblyMemcap));
    drop(a);
    let ev = b.handle_segment(ToServer, &seg(1, 0, 0, &[0u8; 200]));
    assert!(ev.is_empty());
    assert_eq!(b.to_server().readable().len(), 200);
}

#[test]
fn max_segments() {
    let mut h = H::new(cfg_with(|c| c.max_segments = 4), 1, 2);
    for i in 0..4u64 {
        assert!(h.c(10 + i * 10, b"abcde").is_empty());
    }
    let ev = h.c(60, b"abcde");
    assert!(ev.contains(StreamEvent::ReassemblySegmentLimit));
    assert_eq!(h.s.stats().segment_limit_drops, 1);
    // A retransmission of a held segment needs no new record.
    assert!(h.c(10, b"abcde").contains(StreamEvent::PktRetransmission));
    assert_eq!(h.s.to_server().held_segments(), 4);
    // Delivering frees the records.
    h.s.flush_all();
    assert_eq!(h.drain(ToServer).len(), 20);
    assert_eq!(h.s.to_server().held_segments(), 0);
    assert!(h.c(100, b"again").is_empty());
}

#[test]
fn retransmission_flood_does_not_use_up_segment_records() {
    let mut h = H::new(cfg_with(|c| c.max_segments = 4), 1, 2);
    let data: Vec<u8> = (0..100u8).collect();
    h.c(0, &data);
    for i in 0..50usize {
        let ev = h.c(i as u64, &data[i..i + 3]);
        assert!(ev.contains(StreamEvent::PktRetransmission));
    }
    assert_eq!(h.s.to_server().held_segments(), 1);
    assert!(h.c(100, b"tail").is_empty());
    assert_eq!(h.s.to_server().readable().len(), 104);
}

#[test]
fn disable_frees_and_stops() {
    let mut h = H::default();
    h.c(0, b"abc");
    h.c(10, b"def");
    assert!(h.memcap.used() > 0);
    h.dir(ToServer).disable();
    assert!(h.s.to_server().is_done());
    assert_eq!(h.memcap.used(), 0);
    h.c(3, b"more");
    assert!(h.s.to_server().readable().is_empty());
    assert_eq!(h.memcap.used(), 0);
}

#[test]
fn fin_and_rst_close_directions() {
    let mut h = H::default();
    let sg = seg(h.cseq(0), h.sseq(0), ACK | FIN, b"bye");
    h.s.handle_segment(ToServer, &sg);
    let d = h.s.to_server();
    assert_eq!(d.close_reason(), Some(CloseReason::Fin));
    assert_eq!(d.fin_offset(), Some(3));
    assert_eq!(d.readable(), b"bye");
    // The ACK of the FIN covers the data.
    h.sack(4);
    assert_eq!(h.s.to_server().acked_len(), 3);
    assert!(!h.s.to_client().is_closed());
    let sg = seg(h.sseq(0), h.cseq(4), RST | ACK, b"reset text");
    h.s.handle_segment(ToClient, &sg);
    assert_eq!(h.s.to_client().close_reason(), Some(CloseReason::Rst));
    assert!(h.s.to_client().readable().is_empty());
    // Data after the RST: suspicious, still reassembled.
    let ev = h.srv(0, b"late");
    assert!(ev.contains(StreamEvent::SuspectedRstInject));
    assert_eq!(h.s.to_client().readable(), b"late");
}

#[test]
fn inspect_window_keeps_consumed_tail() {
    let mut h = H::new(cfg_with(|c| c.inspect_window = 8), 1, 2);
    let text: Vec<u8> = (b'a'..=b'z').collect();
    h.c(0, &text[..20]);
    h.sack(20);
    let d = h.dir(ToServer);
    let from = d.readable_offset().saturating_sub(8);
    assert_eq!(d.inspect_window(from), (0, &text[..20]));
    d.consume(20);
    h.c(20, &text[20..]);
    h.sack(26);
    let d = h.s.to_server();
    let (start, win) = d.inspect_window(0);
    assert_eq!(start, 12);
    assert_eq!(win, &text[12..]);
    // `from` later than the window start narrows it.
    assert_eq!(d.inspect_window(18), (18, &text[18..]));
}

#[test]
fn async_oneside_counts_data_as_acked_until_peer_speaks() {
    let memcap = StreamMemcap::new(0);
    for oneside in [false, true] {
        let cfg = cfg_with(|c| c.async_oneside = oneside);
        let mut s = TcpSession::new(&cfg, &memcap);
        s.handle_segment(ToServer, &seg(0, 0, SYN, b""));
        s.handle_segment(ToServer, &seg(1, 0, ACK, b"one side"));
        let want = if oneside { 8 } else { 0 };
        assert_eq!(s.to_server().acked_len(), want, "async_oneside {oneside}");
    }
}

#[test]
fn async_oneside_picks_up_a_server_side_capture_at_its_synack() {
    let memcap = StreamMemcap::new(0);
    for oneside in [false, true] {
        let cfg = cfg_with(|c| c.async_oneside = oneside);
        let mut s = TcpSession::new(&cfg, &memcap);
        s.handle_segment(ToClient, &seg(500, 100, SYN | ACK, b""));
        s.handle_segment(ToClient, &seg(501, 100, ACK, b"HTTP/1.1 200 OK\r\n"));
        let d = s.to_client();
        assert_eq!(d.acks_itself(), oneside);
        let want: &[u8] = if oneside { b"HTTP/1.1 200 OK\r\n" } else { b"" };
        assert_eq!(d.acked_data(), want, "async_oneside {oneside}");
    }
}

#[test]
fn old_retransmission_before_retained_data() {
    let mut h = H::new(cfg_with(|c| c.inspect_window = 0), 1, 2);
    let data = vec![3u8; 5000];
    h.c(0, &data);
    h.dir(ToServer).consume(5000);
    assert_eq!(h.s.to_server().buffered_bytes(), 0);
    let ev = h.c(0, &data[..100]);
    assert!(ev.contains(StreamEvent::ReassemblySegmentBeforeBaseSeq));
    assert!(ev.contains(StreamEvent::PktRetransmission));
}

#[test]
fn memory_returns_to_zero_when_session_drops() {
    let mut h = H::default();
    h.c(10, &[1u8; 1000]);
    h.c(2000, &[1u8; 1000]);
    h.c(0, &[1u8; 5]);
    assert!(h.memcap.used() > 2000);
    assert_eq!(h.memcap.used(), h.s.memory());
    let memcap = h.memcap.clone();
    drop(h);
    assert_eq!(memcap.used(), 0);
}
