use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;

use super::*;
use crate::capture::OfflineSource;
use crate::evidence::hash_file;
use crate::flow::FlowKey;
use crate::testutil::TempDir;

fn key(port: u16) -> FlowKey {
    FlowKey {
        src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        sport: port,
        dport: 80,
        proto: 6,
        vlan: 0,
    }
}

/// A packet whose payload byte tells which one it is.
fn data(n: u32, len: usize) -> Vec<u8> {
    let mut d = vec![(n % 251) as u8; len];
    if let Some(first) = d.first_mut() {
        *first = (n % 256) as u8;
    }
    d
}

fn raw(n: u32, d: &[u8], lt: LinkType) -> RawPacket<'_> {
    RawPacket {
        ts: Timestamp::new(1_700_000_000 + i64::from(n), n * 1000),
        caplen: d.len() as u32,
        origlen: d.len() as u32 + 4,
        data: d,
        linktype: lt,
        pcap_cnt: u64::from(n),
        file_index: 0,
    }
}

fn feed(rec: &mut EvidenceRecorder, id: u64, k: &FlowKey, range: std::ops::Range<u32>, len: usize) {
    for n in range {
        let d = data(n, len);
        rec.packet(id, k, &raw(n, &d, LinkType::Ethernet)).unwrap();
    }
}

/// Packets of a pcap read back through libpcap: (first byte, caplen, origlen, ts).
fn read_back(path: &Path) -> Vec<(u8, u32, u32, Timestamp)> {
    let mut src = OfflineSource::open(&[path.to_path_buf()]).unwrap();
    let mut out = Vec::new();
    let _ = src.for_each_packet(|p| {
        out.push((
            p.data.first().copied().unwrap_or(0),
            p.caplen,
            p.origlen,
            p.ts,
        ));
        ControlFlow::Continue(())
    });
    assert!(src.warnings().is_empty(), "{:?}", src.warnings());
    out
}

fn assert_hashes(dir: &Path, e: &EvidenceEntry) {
    let d = hash_file(&dir.join(&e.file), true).unwrap();
    assert_eq!(
        (d.size, &d.sha256, &d.md5),
        (e.bytes, &e.sha256, &e.md5),
        "{}",
        e.file
    );
}

fn cfg() -> EvidenceConfig {
    EvidenceConfig {
        per_flow_buffer_packets: 4,
        ..EvidenceConfig::default()
    }
}

#[test]
fn alert_writes_the_ring_then_later_packets() {
    let dir = TempDir::new("ev-rec").unwrap();
    let mut rec = EvidenceRecorder::new(dir.path(), cfg()).unwrap();
    let k = key(40000);
    feed(&mut rec, 7, &k, 0..10, 60);
    let ts = Timestamp::new(1_700_000_009, 0);
    assert_eq!(
        rec.alert(7, &k, 2000, ts).unwrap().as_deref(),
        Some("flow-7.pcap")
    );
    assert_eq!(
        rec.alert(7, &k, 1000, ts).unwrap().as_deref(),
        Some("flow-7.pcap")
    );
    feed(&mut rec, 7, &k, 10..13, 60);
    // A flow that never alerts leaves no file.
    feed(&mut rec, 8, &key(40001), 0..5, 60);
    rec.flow_end(8).unwrap();
    rec.flow_end(7).unwrap();
    let report = rec.finish();
    assert!(report.errors.is_empty());
    assert_eq!(report.entries.len(), 1);
    let e = &report.entries[0];
    assert_eq!(e.packets, 7);
    assert_eq!(e.sids, vec![1000, 2000]);
    assert_eq!(e.bytes, 24 + 7 * (16 + 60));
    assert_eq!(
        (e.proto.as_str(), e.src_port, e.dest_port, e.vlan),
        ("TCP", 40000, 80, None)
    );
    assert_eq!(e.first_ts.as_deref(), Some("2023-11-14T22:13:26.000006Z"));
    assert!(e.truncated.is_none());
    assert_hashes(dir.path(), e);
    let pkts = read_back(&dir.join("flow-7.pcap"));
    let firsts: Vec<u8> = pkts.iter().map(|p| p.0).collect();
    assert_eq!(firsts, vec![6, 7, 8, 9, 10, 11, 12]);
    // Nanosecond timestamps and origlen survive.
    assert_eq!(pkts[0].3, Timestamp::new(1_700_000_006, 6000));
    assert_eq!((pkts[0].1, pkts[0].2), (60, 64));
    assert_eq!(report.stats.ring_evicted_packets, 6 + 1);
    assert_eq!(report.stats.packets_written, 7);
    assert!(!dir.join("flow-8.pcap").exists());
}

#[test]
fn per_flow_cap_cuts_and_counts() {
    let dir = TempDir::new("ev-cap").unwrap();
    let c = EvidenceConfig {
        max_file_bytes: 24 + 3 * (16 + 100),
        ..cfg()
    };
    let mut rec = EvidenceRecorder::new(dir.path(), c).unwrap();
    let k = key(1);
    feed(&mut rec, 1, &k, 0..2, 100);
    rec.alert(1, &k, 5, Timestamp::default()).unwrap();
    feed(&mut rec, 1, &k, 2..6, 100);
    // A small packet after the cut is dropped too: the file stays a prefix.
    feed(&mut rec, 1, &k, 6..7, 10);
    let report = rec.finish();
    let e = &report.entries[0];
    assert_eq!(e.packets, 3);
    let t = e.truncated.as_ref().unwrap();
    assert_eq!(
        (t.packets, t.bytes, t.reason.as_str()),
        (4, 310, "max_file_bytes")
    );
    assert_eq!(report.stats.file_cap_hits, 1);
    assert_eq!(report.stats.dropped_packets, 4);
    assert_hashes(dir.path(), e);
    assert_eq!(read_back(&dir.join(&e.file)).len(), 3);
}

#[test]
fn total_cap_is_shared_between_recorders() {
    let dir = TempDir::new("ev-total").unwrap();
    let c = EvidenceConfig {
        max_total_bytes: 2 * 24 + 5 * (16 + 50),
        ..cfg()
    };
    let mut a = EvidenceRecorder::new(dir.path(), c.clone()).unwrap();
    let mut b = EvidenceRecorder::new(dir.path(), c.clone()).unwrap();
    let (ka, kb) = (key(1), key(2));
    a.alert(1, &ka, 1, Timestamp::default()).unwrap();
    b.alert(2, &kb, 1, Timestamp::default()).unwrap();
    feed(&mut a, 1, &ka, 0..3, 50);
    feed(&mut b, 2, &kb, 0..3, 50);
    let (ra, rb) = (a.finish(), b.finish());
    let total: u64 = ra
        .entries
        .iter()
        .chain(&rb.entries)
        .map(|e| e.packets)
        .sum();
    assert_eq!(total, 5);
    let cut = rb.entries[0].truncated.as_ref().unwrap();
    assert_eq!((cut.packets, cut.reason.as_str()), (1, "max_total_bytes"));
    assert_eq!(rb.stats.total_cap_hits, 1);
    assert_eq!(c.total_used.load(Ordering::Relaxed), 2 * 24 + 5 * 66);
}

#[test]
fn link_type_change_starts_a_new_part() {
    let dir = TempDir::new("ev-parts").unwrap();
    let mut rec = EvidenceRecorder::new(dir.path(), cfg()).unwrap();
    let k = key(3);
    let d = data(1, 40);
    rec.packet(3, &k, &raw(1, &d, LinkType::Ethernet)).unwrap();
    assert_eq!(
        rec.alert(3, &k, 9, Timestamp::default())
            .unwrap()
            .as_deref(),
        Some("flow-3.pcap")
    );
    let d2 = data(2, 40);
    rec.packet(3, &k, &raw(2, &d2, LinkType::LinuxSll)).unwrap();
    assert_eq!(
        rec.alert(3, &k, 9, Timestamp::default())
            .unwrap()
            .as_deref(),
        Some("flow-3-2.pcap")
    );
    let report = rec.finish();
    let files: Vec<(&str, u32, u32, u64)> = report
        .entries
        .iter()
        .map(|e| (e.file.as_str(), e.part, e.linktype, e.packets))
        .collect();
    assert_eq!(
        files,
        vec![("flow-3-2.pcap", 2, 113, 1), ("flow-3.pcap", 1, 1, 1)]
    );
    for e in &report.entries {
        assert_hashes(dir.path(), e);
        assert_eq!(read_back(&dir.join(&e.file)).len(), 1);
    }
}

#[test]
fn existing_files_are_never_overwritten() {
    let dir = TempDir::new("ev-excl").unwrap();
    std::fs::write(dir.join("flow-4.pcap"), b"older evidence").unwrap();
    let mut rec = EvidenceRecorder::new(dir.path(), cfg()).unwrap();
    let k = key(4);
    feed(&mut rec, 4, &k, 0..1, 30);
    assert_eq!(
        rec.alert(4, &k, 1, Timestamp::default())
            .unwrap()
            .as_deref(),
        Some("flow-4-2.pcap")
    );
    let report = rec.finish();
    assert_eq!(
        std::fs::read(dir.join("flow-4.pcap")).unwrap(),
        b"older evidence"
    );
    assert_hashes(dir.path(), &report.entries[0]);
}

#[test]
fn parked_descriptors_reopen_in_append_mode() {
    let dir = TempDir::new("ev-lru").unwrap();
    let c = EvidenceConfig {
        max_open_files: 1,
        ..cfg()
    };
    let mut rec = EvidenceRecorder::new(dir.path(), c).unwrap();
    let keys: Vec<FlowKey> = (0..3).map(|i| key(100 + i)).collect();
    for (id, k) in keys.iter().enumerate() {
        rec.alert(id as u64, k, 1, Timestamp::default()).unwrap();
    }
    for round in 0..20u32 {
        for (id, k) in keys.iter().enumerate() {
            let n = round * 3 + id as u32;
            let d = data(n, 50);
            rec.packet(id as u64, k, &raw(n, &d, LinkType::Ethernet))
                .unwrap();
        }
    }
    assert!(rec.lru.len() <= 1);
    let report = rec.finish();
    assert!(report.errors.is_empty());
    for e in &report.entries {
        assert_eq!(e.packets, 20);
        assert_hashes(dir.path(), e);
        let firsts: Vec<u8> = read_back(&dir.join(&e.file)).iter().map(|p| p.0).collect();
        let want: Vec<u8> = (0..20u32)
            .map(|r| ((r * 3) as u64 + e.flow_id) as u8)
            .collect();
        assert_eq!(firsts, want);
    }
}

#[test]
fn write_errors_name_the_file_and_keep_what_was_written() {
    let dir = TempDir::new("ev-err").unwrap();
    let c = EvidenceConfig {
        max_open_files: 1,
        ..cfg()
    };
    let mut rec = EvidenceRecorder::new(dir.path(), c).unwrap();
    let (k0, k1) = (key(1), key(2));
    feed(&mut rec, 0, &k0, 0..2, 40);
    rec.alert(0, &k0, 1, Timestamp::default()).unwrap();
    // Opening flow 1's file parks flow 0's (flushing its two packets).
    rec.alert(1, &k1, 1, Timestamp::default()).unwrap();
    let path0 = dir.join("flow-0.pcap");
    let kept = std::fs::read(&path0).unwrap();
    std::fs::remove_file(&path0).unwrap();
    std::fs::create_dir(&path0).unwrap(); // reopening in append mode now fails
    feed(&mut rec, 0, &k0, 2..3, 40);
    let err = rec.flow_end(0).unwrap_err();
    assert!(err.to_string().contains("flow-0.pcap"), "{err}");
    // The ended flow id starts afresh (buffering); the other flow is unaffected.
    feed(&mut rec, 0, &k0, 3..4, 40);
    feed(&mut rec, 1, &k1, 0..2, 40);
    let report = rec.finish();
    assert!(report.errors.is_empty());
    let e0 = &report.entries[0];
    assert_eq!((e0.file.as_str(), e0.packets), ("flow-0.pcap", 2));
    assert_eq!(e0.bytes, kept.len() as u64);
    let t = e0.truncated.as_ref().unwrap();
    assert!(t.reason.starts_with("write error"), "{t:?}");
    assert_eq!(t.packets, 1);
    assert_eq!(report.stats.write_errors, 1);
    assert_hashes(dir.path(), &report.entries[1]);
}

#[test]
fn buffer_memcap_bounds_all_rings() {
    let dir = TempDir::new("ev-mem").unwrap();
    let c = EvidenceConfig {
        max_buffered_bytes: 250,
        ..cfg()
    };
    let mut rec = EvidenceRecorder::new(dir.path(), c).unwrap();
    feed(&mut rec, 1, &key(1), 0..2, 100);
    // Flow 2's packet does not fit next to flow 1's two: flow 2 has
    // nothing to evict, so its packet is not buffered.
    feed(&mut rec, 2, &key(2), 0..1, 100);
    assert_eq!(rec.stats().buffer_memcap_drops, 1);
    // Flow 1 makes room for itself from its own ring.
    feed(&mut rec, 1, &key(1), 2..3, 100);
    assert_eq!(rec.ring_bytes, 200);
    rec.flow_end(1).unwrap();
    assert_eq!(rec.ring_bytes, 0);
    let report = rec.finish();
    assert!(report.entries.is_empty());
}

#[test]
fn recorder_moves_into_a_worker_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<EvidenceRecorder>();
    let dir = TempDir::new("ev-thread").unwrap();
    let c = cfg();
    let handles: Vec<_> = (0..2u64)
        .map(|w| {
            let mut rec = EvidenceRecorder::new(dir.path(), c.clone()).unwrap();
            std::thread::spawn(move || {
                let k = key(w as u16);
                feed(&mut rec, w, &k, 0..3, 20);
                rec.alert(w, &k, 1, Timestamp::default()).unwrap();
                rec.finish().entries
            })
        })
        .collect();
    let mut files: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .map(|e| e.file)
        .collect();
    files.sort();
    assert_eq!(files, ["flow-0.pcap", "flow-1.pcap"]);
    assert_eq!(c.total_used.load(Ordering::Relaxed), 2 * (24 + 3 * 36));
}
