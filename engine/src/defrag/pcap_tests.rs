//! The defragmenter over the conformance corpus's `defrag` captures
//! (suricata-verify's ipv6-malformed-fragments tests), read through the
//! real capture source and decoder.

use std::ops::ControlFlow;
use std::path::PathBuf;

use super::*;
use crate::capture::OfflineSource;
use crate::decode::{decode, Transport};

/// `../shared/conformance/tests` (or `$SIGIL_SHARED/...`), when present.
fn corpus() -> Option<PathBuf> {
    let base = std::env::var_os("SIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let dir = base.join("conformance/tests");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: ../shared/conformance not found");
        None
    }
}

/// What a capture produced: events by name, and the rebuilt packets.
#[derive(Debug, Default)]
struct Outcome {
    events: Vec<&'static str>,
    rebuilt: Vec<Vec<u8>>,
}

impl Outcome {
    fn count(&self, name: &str) -> usize {
        self.events.iter().filter(|e| **e == name).count()
    }
}

/// Runs every packet of `test`'s pcap through decode and the defragmenter,
/// feeding rebuilt packets back in (nested Fragment headers), as the
/// pipeline does.
fn run(dir: &std::path::Path, test: &str) -> Outcome {
    let test_dir = dir.join(test);
    let pcap = std::fs::read_dir(&test_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", test_dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .unwrap_or_else(|| panic!("{test}: no pcap"));
    let mut src = OfflineSource::open(&[pcap]).expect("open pcap");
    let mut defrag = Defragmenter::new(DefragConfig::default());
    let mut out = Outcome::default();
    let _ = src.for_each_packet(|raw| {
        let d = decode(raw);
        let mut r = defrag.insert(raw.ts, raw.data, &d);
        let mut depth = 0;
        loop {
            out.events.extend(r.events.iter().map(|e| e.name()));
            let DefragStatus::Reassembled(bytes) = r.status else {
                break;
            };
            out.rebuilt.push(bytes.clone());
            depth += 1;
            if depth > 3 {
                break;
            }
            let inner = reassembled_view(&bytes, d.vlan);
            r = defrag.insert(raw.ts, &bytes, &inner);
        }
        ControlFlow::Continue(())
    });
    out
}

/// Asserts the rebuilt packet is the 1208-byte ICMPv6 echo request these
/// captures fragment. Its checksum holds only when no overlap changed the
/// data (the overlapping copies differ), so it is checked on request.
fn assert_echo_request(bytes: &[u8], checksum_ok: bool) {
    let d = reassembled_view(bytes, VlanIds::default());
    let ip = d.ip.expect("ip");
    assert!(ip.fragment.is_none());
    assert_eq!(u16::from_be_bytes([bytes[4], bytes[5]]), 1208);
    match d.transport {
        Some(Transport::Icmpv6(i)) => assert_eq!(i.itype, 128),
        other => panic!("expected ICMPv6, got {other:?}"),
    }
    if checksum_ok {
        assert!(crate::decode::checksum::transport_ok(
            ip.src, ip.dst, 58, ip.payload
        ));
    }
}

#[test]
fn overlapping_captures_rebuild_and_flag_one_overlap() {
    let Some(dir) = corpus() else { return };
    // Each test expects exactly one ipv6.frag_overlap alert.
    for test in [
        "ipv6-malformed-fragments-2",
        "ipv6-malformed-fragments-6",
        "ipv6-malformed-fragments-7",
        "ipv6-malformed-fragments-8",
    ] {
        let o = run(&dir, test);
        assert_eq!(o.count("ipv6.frag_overlap"), 1, "{test}: {:?}", o.events);
        assert_eq!(o.rebuilt.len(), 1, "{test}");
        // In -6 the overlapping copies agree (tshark: no conflict).
        assert_echo_request(&o.rebuilt[0], test.ends_with("-6"));
    }
    // A 1-byte last fragment inside the first: overlap, and (BSD) no rebuild.
    let o = run(&dir, "ipv6-malformed-fragments-29");
    assert_eq!(o.count("ipv6.frag_overlap"), 1, "{:?}", o.events);
    assert!(o.rebuilt.is_empty());
}

#[test]
fn oversized_and_misaligned_captures_raise_suricata_events() {
    let Some(dir) = corpus() else { return };
    let o = run(&dir, "ipv6-malformed-fragments-16");
    assert_eq!(o.count("ipv6.frag_pkt_too_large"), 1, "{:?}", o.events);
    for test in [
        "ipv6-malformed-fragments-22",
        "ipv6-malformed-fragments-23",
        "ipv6-malformed-fragments-24",
    ] {
        let o = run(&dir, test);
        assert_eq!(
            o.count("ipv6.frag_invalid_length"),
            1,
            "{test}: {:?}",
            o.events
        );
    }
    let o = run(&dir, "ipv6-malformed-fragments-33");
    assert_eq!(o.count("ipv6.frag_pkt_too_large"), 1, "{:?}", o.events);
    assert_eq!(o.count("ipv6.frag_invalid_length"), 1, "{:?}", o.events);
}

#[test]
fn nested_fragment_headers_rebuild_twice() {
    let Some(dir) = corpus() else { return };
    // The first fragment of datagram 0x0001aaaa carries the first fragment
    // of 0x0001bbbb; rebuilding the outer one starts the inner one.
    let o = run(&dir, "ipv6-malformed-fragments-35");
    assert_eq!(o.rebuilt.len(), 2, "{:?}", o.events);
    assert_echo_request(&o.rebuilt[1], true);
}
