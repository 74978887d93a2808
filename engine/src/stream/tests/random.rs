//! Randomised tests: scrambled streams must reassemble exactly, and
//! hostile sequence/ACK values must never panic or break accounting.

use super::*;

/// Deterministic test randomness (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Splits `data` into segments of random sizes, shuffles them locally,
/// adds duplicates and same-data overlapping resends.
fn scramble(rng: &mut Rng, data: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut segs = Vec::new();
    let mut off = 0usize;
    while off < data.len() {
        let len = (1 + rng.below(1500) as usize).min(data.len() - off);
        segs.push((off as u64, data[off..off + len].to_vec()));
        off += len;
    }
    let mut out = Vec::new();
    for (o, d) in &segs {
        out.push((*o, d.clone()));
        match rng.below(10) {
            0 => out.push((*o, d.clone())),
            1 => {
                // Overlapping resend with the same bytes.
                let a = (*o as usize).saturating_sub(rng.below(700) as usize);
                let b = (*o as usize + d.len() + rng.below(700) as usize).min(data.len());
                out.push((a as u64, data[a..b].to_vec()));
            }
            _ => {}
        }
    }
    // Local shuffle: each segment moves up to 30 places.
    for i in 0..out.len() {
        let j = (i + rng.below(30) as usize).min(out.len() - 1);
        out.swap(i, j);
    }
    out
}

#[test]
fn randomized_scrambled_stream_reassembles_exactly() {
    for seed in 0..8u64 {
        let mut rng = Rng(seed);
        let data = rng.bytes(50 * 1024);
        let isn = rng.next() as u32 | 0xffff_0000; // wrap on the way
        let mut h = H::new(cfg_with(|c| c.inspect_window = 64), isn, 77);
        let mut out = Vec::new();
        let mut sent_end = 0u64;
        for (off, d) in scramble(&mut rng, &data) {
            let ev = h.c(off, &d);
            assert!(!ev.contains(StreamEvent::ReassemblyOverlapDifferentData));
            sent_end = sent_end.max(off + d.len() as u64);
            // The receiver ACKs what is contiguous (it never loses data).
            if rng.below(3) == 0 {
                let end = h.s.to_server().contiguous_end();
                h.sack(end);
            }
            if rng.below(2) == 0 {
                let dir = h.dir(ToServer);
                let n = dir.acked_len();
                out.extend_from_slice(&dir.readable()[..n]);
                dir.consume(n);
            }
            h.s.direction(ToServer).check_accounting();
        }
        assert_eq!(sent_end, data.len() as u64);
        h.s.flush_all();
        out.extend(h.drain(ToServer));
        assert_eq!(out.len(), data.len(), "seed {seed}");
        assert!(out == data, "seed {seed}: stream differs");
        let st = h.s.stats();
        assert_eq!(
            (st.gaps, st.overlap_diff, st.bytes),
            (0, 0, data.len() as u64)
        );
        assert!(st.retransmissions > 0 && st.out_of_order > 0);
    }
}

#[test]
fn hostile_seq_and_ack_values_do_not_panic() {
    for seed in 0..16u64 {
        let mut rng = Rng(1000 + seed);
        let limit = 64 * 1024;
        let cfg = StreamConfig {
            memcap: limit,
            max_segments: 64,
            depth: if seed % 2 == 0 { 0 } else { 200_000 },
            midstream: seed % 3 != 0,
            overlap_policy: OverlapPolicy::ALL[seed as usize % OverlapPolicy::ALL.len()],
            inspect_window: rng.below(3000),
            async_oneside: seed % 4 == 0,
        };
        let memcap = StreamMemcap::new(limit);
        let mut s = TcpSession::new(&cfg, &memcap);
        let payload = rng.bytes(4000);
        let mut near = rng.next() as u32;
        if !cfg.midstream {
            s.handle_segment(ToServer, &seg(near, 0, SYN, b""));
        }
        for _ in 0..3000 {
            let dir = if rng.below(2) == 0 {
                ToServer
            } else {
                ToClient
            };
            // Mostly near a moving point (so data lands), sometimes anywhere.
            let seq = if rng.below(4) == 0 {
                rng.next() as u32
            } else {
                near.wrapping_add(rng.below(40_000) as u32)
            };
            near = near.wrapping_add(rng.below(3000) as u32);
            let ack = if rng.below(2) == 0 {
                rng.next() as u32
            } else {
                near
            };
            let flags = rng.next() as u8;
            let len = rng.below(1600) as usize;
            let start = rng.below(payload.len() as u64 - 1600) as usize;
            s.handle_segment(dir, &seg(seq, ack, flags, &payload[start..start + len]));
            match rng.below(8) {
                0 => {
                    let d = s.direction_mut(dir);
                    let n = rng.below(d.readable().len() as u64 + 10) as usize;
                    d.consume(n);
                }
                1 => {
                    let d = s.direction(dir);
                    let _ = d.inspect_window(rng.next());
                    let _ = d.acked_data();
                }
                2 if rng.below(50) == 0 => s.flush_all(),
                _ => {}
            }
            s.to_server().check_accounting();
            s.to_client().check_accounting();
            assert!(memcap.used() <= limit);
            assert_eq!(memcap.used(), s.memory());
            assert!(s.to_server().held_segments() <= 64);
        }
        s.flush_all();
        drain(s.direction_mut(ToServer));
        drain(s.direction_mut(ToClient));
        // The streams were really exercised.
        let st = s.stats();
        assert!(st.bytes > 500 && st.segments > 100, "seed {seed}: {st:?}");
        drop(s);
        assert_eq!(memcap.used(), 0, "seed {seed}");
    }
}
