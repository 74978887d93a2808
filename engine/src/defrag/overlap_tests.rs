//! Overlap policies against the Sturges/Novak pattern, and hostile input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::capture::{LinkType, RawPacket};
use crate::decode::decode;
use crate::testutil::pkt::{self, Ipv4};

/// The Sturges/Novak fragments as Suricata's unit tests send them:
/// (letter, byte offset, length), in arrival order. The first nine tile the
/// datagram with gaps; the next seven overlap them in every way; the last
/// (Q, more-fragments clear) completes it.
const NOVAK: [(u8, u16, usize); 17] = [
    (b'A', 0, 24),
    (b'B', 32, 16),
    (b'C', 48, 24),
    (b'D', 80, 8),
    (b'E', 104, 16),
    (b'F', 120, 24),
    (b'G', 144, 16),
    (b'H', 160, 16),
    (b'I', 176, 8),
    (b'J', 8, 32),
    (b'K', 48, 24),
    (b'L', 72, 24),
    (b'M', 96, 24),
    (b'N', 128, 8),
    (b'O', 152, 8),
    (b'P', 160, 8),
    (b'Q', 176, 16),
];

/// The 192 bytes each policy must produce, 8 bytes per letter, as in
/// Suricata's `DefragSturgesNovak*Test` expectations. Derived by hand from
/// the policy rules in `policy.rs` before comparing with Suricata's.
fn expected(policy: DefragPolicy) -> Vec<u8> {
    let blocks = match policy {
        DefragPolicy::Bsd => "AAAJJBCCCLLLMMMFFFGGHHIQ",
        DefragPolicy::Linux => "AAAJJBKKKLLLMMMFFFGGPHQQ",
        DefragPolicy::Windows => "AAAJBBCCCLLLMEEFFFGGHHIQ",
        DefragPolicy::Solaris => "AAAJBBCCCLLLMMMFFFGGHHIQ",
        DefragPolicy::First => "AAAJBBCCCLDLMEEFFFGGHHIQ",
        DefragPolicy::Last => "AJJJJBKKKLLLMMMFNFGOPHQQ",
    };
    blocks.bytes().flat_map(|b| [b; 8]).collect()
}

fn offer(d: &mut Defragmenter, frame: &[u8]) -> DefragResult {
    let len = frame.len() as u32;
    let raw = RawPacket {
        ts: Timestamp::new(1, 0),
        caplen: len,
        origlen: len,
        data: frame,
        linktype: LinkType::Ethernet,
        pcap_cnt: 1,
        file_index: 0,
    };
    d.insert(raw.ts, frame, &decode(&raw))
}

fn v4_frame(id: u16, offset: u16, mf: bool, data: &[u8]) -> Vec<u8> {
    let ip = Ipv4 {
        id,
        frag_offset: offset,
        mf,
        ..Ipv4::new(1)
    };
    pkt::ethernet(0x0800, &ip.build(data))
}

fn v6_frame(id: u32, offset: u16, more: bool, data: &[u8]) -> Vec<u8> {
    let a = Ipv6Addr::new(
        0x0101, 0x0101, 0x0101, 0x0101, 0x0101, 0x0101, 0x0101, 0x0101,
    );
    let b = Ipv6Addr::new(
        0x0202, 0x0202, 0x0202, 0x0202, 0x0202, 0x0202, 0x0202, 0x0202,
    );
    let exts = [(44, pkt::frag_body(offset, more, id))];
    pkt::ethernet(0x86dd, &pkt::ipv6(a, b, &exts, 58, data))
}

/// Sends the Sturges/Novak fragments and returns the rebuilt packet.
fn run_novak(policy: DefragPolicy, v6: bool) -> Vec<u8> {
    let mut d = Defragmenter::new(DefragConfig {
        policy,
        ..DefragConfig::default()
    });
    let overlap = if v6 {
        DefragEvent::Ipv6FragOverlap
    } else {
        DefragEvent::Ipv4FragOverlap
    };
    let mut rebuilt = None;
    for (i, &(letter, at, len)) in NOVAK.iter().enumerate() {
        let last = i + 1 == NOVAK.len();
        let data = vec![letter; len];
        let frame = if v6 {
            v6_frame(1, at / 8, !last, &data)
        } else {
            v4_frame(1, at / 8, !last, &data)
        };
        let r = offer(&mut d, &frame);
        // The first nine never overlap; every later one does.
        assert_eq!(
            r.events.contains(overlap),
            i >= 9,
            "{policy} fragment {}",
            letter as char
        );
        if last {
            rebuilt = r.reassembled().map(<[u8]>::to_vec);
        } else {
            assert!(r.reassembled().is_none());
        }
    }
    assert_eq!(d.stats().overlaps, 8);
    assert_eq!((d.trackers(), d.memuse()), (0, 0), "all fragments released");
    rebuilt.unwrap_or_else(|| panic!("{policy}: not rebuilt"))
}

#[test]
fn sturges_novak_ipv4_matches_suricata_for_every_policy() {
    for policy in DefragPolicy::ALL {
        let p = run_novak(policy, false);
        assert_eq!(p.len(), 20 + 192, "{policy}");
        assert_eq!(u16::from_be_bytes([p[2], p[3]]), 20 + 192);
        assert!(crate::decode::checksum::ipv4_header_ok(&p[..20]));
        assert_eq!(
            String::from_utf8_lossy(&p[20..]),
            String::from_utf8_lossy(&expected(policy)),
            "{policy}"
        );
    }
}

#[test]
fn sturges_novak_ipv6_matches_suricata_for_every_policy() {
    for policy in DefragPolicy::ALL {
        let p = run_novak(policy, true);
        assert_eq!(u16::from_be_bytes([p[4], p[5]]), 192, "{policy}");
        assert_eq!(p[6], 58);
        assert_eq!(&p[40..], &expected(policy)[..], "{policy}");
    }
}

#[test]
fn policies_differ_only_where_fragments_overlap() {
    // Arrival: X [0,16), Y [8,24) last; Y starts later, so BSD/Linux keep X.
    for policy in DefragPolicy::ALL {
        let mut d = Defragmenter::new(DefragConfig {
            policy,
            ..DefragConfig::default()
        });
        offer(&mut d, &v4_frame(5, 0, true, &[b'X'; 16]));
        let r = offer(&mut d, &v4_frame(5, 1, false, &[b'Y'; 16]));
        let p = r.reassembled().expect("rebuilt").to_vec();
        let mid = &p[28..36];
        let want = match policy {
            DefragPolicy::Last => b'Y',
            _ => b'X',
        };
        assert!(mid.iter().all(|&b| b == want), "{policy}: {mid:?}");
        assert_eq!(&p[36..], &[b'Y'; 8]);
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[test]
fn hostile_fragments_never_panic_and_accounting_balances() {
    for (seed, policy) in DefragPolicy::ALL.into_iter().enumerate() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (seed as u64 + 1));
        let cfg = DefragConfig {
            memcap: 256 * 1024,
            max_trackers: 16,
            max_frags_per_tracker: 64,
            timeout_secs: 5,
            policy,
        };
        let mut d = Defragmenter::new(cfg);
        let mut rebuilt = 0;
        for i in 0..4000u64 {
            let secs = (i / 200) as i64;
            let id = rng.below(6) as u16;
            let offset = match rng.below(4) {
                0 => 0,
                1 => rng.below(8192) as u16,
                _ => rng.below(24) as u16,
            };
            let len = match rng.below(3) {
                0 => rng.below(9) as usize * 8,
                1 => rng.below(300) as usize,
                _ => 8 * (1 + rng.below(40) as usize),
            };
            let more = rng.below(3) != 0;
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let frame = if rng.below(2) == 0 {
                v4_frame(id, offset, more, &data)
            } else {
                v6_frame(u32::from(id), offset, more, &data)
            };
            // Sometimes cut the frame short, as a snap length would.
            let cut = if rng.below(10) == 0 {
                rng.below(frame.len() as u64) as usize
            } else {
                frame.len()
            };
            let full = frame.len() as u32;
            let frame = &frame[..cut];
            let raw = RawPacket {
                ts: Timestamp::new(secs, 0),
                caplen: cut as u32,
                origlen: full,
                data: frame,
                linktype: LinkType::Ethernet,
                pcap_cnt: i + 1,
                file_index: 0,
            };
            let r = d.insert(raw.ts, frame, &decode(&raw));
            assert!(d.memuse() <= cfg.memcap, "{policy}: memuse {}", d.memuse());
            assert!(d.trackers() <= cfg.max_trackers);
            if let Some(bytes) = r.reassembled() {
                rebuilt += 1;
                let dec = reassembled_view(bytes, VlanIds::default());
                let ip = dec.ip.expect("rebuilt packet has an IP layer");
                assert!(ip.fragment.is_none());
                assert!(bytes.len() <= 40 + 65_535);
            }
        }
        d.expire(Timestamp::new(1_000_000, 0));
        assert_eq!((d.trackers(), d.memuse()), (0, 0), "{policy}");
        let s = d.stats();
        assert!(
            s.fragments > 0 && s.invalid > 0 && s.overlaps > 0,
            "{policy}: {s:?}"
        );
        assert_eq!(s.reassembled, rebuilt);
    }
}

#[test]
fn tiny_fragments_rebuild_a_datagram() {
    // 8-byte fragments, shuffled: the smallest legal pieces.
    let body: Vec<u8> = (0..64u8).collect();
    let sent = pkt::udp_datagram(
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        1,
        2,
        &body,
    );
    let n = sent.len().div_ceil(8);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng(42);
    for i in (1..n).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut d = Defragmenter::new(DefragConfig::default());
    let mut out = None;
    for &i in &order {
        let chunk = &sent[i * 8..((i + 1) * 8).min(sent.len())];
        let ip = Ipv4 {
            frag_offset: i as u16,
            mf: i + 1 < n,
            ..Ipv4::new(17)
        };
        let r = offer(&mut d, &pkt::ethernet(0x0800, &ip.build(chunk)));
        if let Some(b) = r.reassembled() {
            out = Some(b.to_vec());
        }
    }
    let bytes = out.expect("rebuilt");
    let dec = reassembled_view(&bytes, VlanIds::default());
    assert_eq!(dec.payload, &body[..]);
    assert_eq!(dec.ports(), (1, 2));
}
