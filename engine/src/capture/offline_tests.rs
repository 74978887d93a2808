//! Offline source tests over capture files written byte by byte.

use std::ops::ControlFlow;
use std::path::PathBuf;

use super::*;
use crate::decode::decode;
use crate::testutil::{pkt, PcapHeader, PcapWriter, PcapngWriter, TempDir};

/// What a test wants to know about a delivered packet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    pcap_cnt: u64,
    file_index: usize,
    ts: Timestamp,
    caplen: u32,
    origlen: u32,
    linktype: LinkType,
    data: Vec<u8>,
}

fn read_all(src: &mut OfflineSource) -> Vec<Seen> {
    let mut out = Vec::new();
    let flow = src.for_each_packet(|p| {
        assert_eq!(p.caplen as usize, p.data.len());
        out.push(Seen {
            pcap_cnt: p.pcap_cnt,
            file_index: p.file_index,
            ts: p.ts,
            caplen: p.caplen,
            origlen: p.origlen,
            linktype: p.linktype,
            data: p.data.to_vec(),
        });
        ControlFlow::Continue(())
    });
    assert_eq!(flow, ControlFlow::Continue(()));
    out
}

fn open_one(path: &std::path::Path) -> OfflineSource {
    OfflineSource::open(&[path.to_path_buf()]).expect("open")
}

fn udp_ipv4() -> Vec<u8> {
    let ip = pkt::Ipv4::new(17);
    let seg = pkt::udp_datagram(ip.src.into(), ip.dst.into(), 1000, 53, b"q");
    ip.build(&seg)
}

#[test]
fn source_can_move_to_a_capture_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<OfflineSource>();
    assert_send::<OwnedPacket>();
}

#[test]
fn every_supported_link_type_reads_and_decodes() {
    let dir = TempDir::new("links").unwrap();
    let ip4 = udp_ipv4();
    let ip6 = pkt::eth_ipv6_udp([0xfe; 16], [0xfd; 16], 1, 2, b"x").split_off(14);
    let cases: Vec<(u32, LinkType, Vec<u8>)> = vec![
        (1, LinkType::Ethernet, pkt::ethernet(0x0800, &ip4)),
        (101, LinkType::Raw, ip4.clone()),
        (12, LinkType::Raw, ip6.clone()),
        (14, LinkType::Raw, ip4.clone()),
        (228, LinkType::Ipv4, ip4.clone()),
        (229, LinkType::Ipv6, ip6.clone()),
        (113, LinkType::LinuxSll, pkt::sll(0x0800, &ip4)),
        (276, LinkType::LinuxSll2, pkt::sll2(0x86dd, &ip6)),
        (0, LinkType::Null, pkt::null(2, false, &ip4)),
        (0, LinkType::Null, pkt::null(30, true, &ip6)),
        (108, LinkType::Loop, pkt::null(2, true, &ip4)),
    ];
    for (i, (dlt, expect, frame)) in cases.into_iter().enumerate() {
        let path = dir.join(&format!("l{i}.pcap"));
        PcapWriter::new(dlt)
            .packet(1, 0, &frame)
            .write_to(&path)
            .unwrap();
        let mut src = open_one(&path);
        assert_eq!(src.files()[0].linktype, expect, "dlt {dlt}");
        let mut decoded_proto = None;
        let _ = src.for_each_packet(|p| {
            assert_eq!(p.linktype, expect);
            assert_eq!(p.data, &frame[..]);
            let d = decode(p);
            assert!(d.events.is_empty(), "dlt {dlt}: {:?}", d.events);
            decoded_proto = d.ip.map(|ip| ip.proto);
            ControlFlow::Continue(())
        });
        assert_eq!(decoded_proto, Some(17), "dlt {dlt}");
        assert_eq!(src.stats().packets, 1);
    }
}

#[test]
fn unsupported_link_type_is_skipped_with_a_warning() {
    let dir = TempDir::new("unsup").unwrap();
    let bad = dir.join("wifi.pcap");
    let good = dir.join("eth.pcap");
    PcapWriter::new(105)
        .packet(1, 0, &[0; 30])
        .write_to(&bad)
        .unwrap();
    PcapWriter::new(1)
        .packet(2, 0, &pkt::ethernet(0x0800, &udp_ipv4()))
        .write_to(&good)
        .unwrap();
    let mut src = OfflineSource::open(&[bad.clone(), good]).unwrap();
    assert_eq!(src.files().len(), 1);
    assert_eq!(src.stats().skipped_files, 1);
    let w = &src.warnings()[0];
    assert_eq!(w.kind, CaptureWarningKind::UnsupportedLinkType);
    assert_eq!(w.path, bad);
    assert!(w.message.contains("105"), "{}", w.message);
    assert_eq!(read_all(&mut src).len(), 1);
}

#[test]
fn nanosecond_and_big_endian_headers() {
    let dir = TempDir::new("ts").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    for (nanos, big_endian) in [(false, false), (true, false), (false, true), (true, true)] {
        let path = dir.join(&format!("f-{nanos}-{big_endian}.pcap"));
        let mut h = PcapHeader::new(1);
        h.nanos = nanos;
        h.big_endian = big_endian;
        let frac = if nanos { 123_456_789 } else { 123_456 };
        PcapWriter::with_header(h)
            .packet(1_700_000_000, frac, &frame)
            .record(1_700_000_001, 0, 20, 1500, &frame[..20])
            .write_to(&path)
            .unwrap();
        let mut src = open_one(&path);
        assert_eq!(
            src.files()[0].format,
            FileFormat::Pcap { big_endian, nanos }
        );
        let seen = read_all(&mut src);
        let want_nanos = if nanos { 123_456_789 } else { 123_456_000 };
        assert_eq!(seen[0].ts, Timestamp::new(1_700_000_000, want_nanos));
        assert_eq!(seen[0].data, frame);
        assert_eq!((seen[1].caplen, seen[1].origlen), (20, 1500));
    }
}

#[test]
fn pcapng_with_and_without_tsresol() {
    let dir = TempDir::new("ng").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    let len = frame.len() as u32;
    let path = dir.join("a.pcapng");
    PcapngWriter::new()
        .interface(1, 0, Some(9))
        .packet(0, 1_600_000_000_000_000_007, &frame, len)
        .packet(0, 1_600_000_001_000_000_000, &frame[..30], len)
        .write_to(&path)
        .unwrap();
    let mut src = open_one(&path);
    assert_eq!(src.files()[0].format, FileFormat::Pcapng);
    let seen = read_all(&mut src);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].ts, Timestamp::new(1_600_000_000, 7));
    assert_eq!(seen[0].data, frame);
    assert_eq!((seen[1].caplen, seen[1].origlen), (30, len));

    let micro = dir.join("b.pcapng");
    PcapngWriter::new()
        .interface(101, 65535, None)
        .packet(0, 1_600_000_000_000_005, &udp_ipv4(), 0)
        .write_to(&micro)
        .unwrap();
    let seen = read_all(&mut open_one(&micro));
    assert_eq!(seen[0].ts, Timestamp::new(1_600_000_000, 5_000));
    assert_eq!(seen[0].linktype, LinkType::Raw);
}

#[test]
fn directory_is_ordered_by_first_timestamp_then_name() {
    let dir = TempDir::new("dir").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    PcapWriter::new(1)
        .packet(200, 0, &frame)
        .write_to(&dir.join("a.pcap"))
        .unwrap();
    PcapWriter::new(1)
        .packet(100, 0, &frame)
        .packet(101, 0, &frame)
        .write_to(&dir.join("b.pcap"))
        .unwrap();
    PcapngWriter::new()
        .interface(1, 0, None)
        .packet(0, 50_000_000, &frame, frame.len() as u32)
        .write_to(&dir.join("c.ng"))
        .unwrap();
    // Same first timestamp as b: ordered after it by name.
    PcapWriter::new(1)
        .packet(100, 0, &frame)
        .write_to(&dir.join("d.pcap"))
        .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a capture").unwrap();
    std::fs::write(dir.join("empty.pcap"), "").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();

    let mut src = OfflineSource::open(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<_> = src
        .files()
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["c.ng", "b.pcap", "d.pcap", "a.pcap"]);
    assert!(src.warnings().is_empty(), "{:?}", src.warnings());
    let seen = read_all(&mut src);
    let order: Vec<_> = seen
        .iter()
        .map(|s| (s.pcap_cnt, s.file_index, s.ts.secs))
        .collect();
    assert_eq!(
        order,
        [
            (1, 0, 50),
            (2, 1, 100),
            (3, 1, 101),
            (4, 2, 100),
            (5, 3, 200)
        ]
    );
    assert_eq!(src.pcap_filename(3), Some(dir.join("a.pcap").as_path()));
    assert_eq!(src.pcap_filename(4), None);
    assert_eq!(src.stats().files, 4);
    assert_eq!(src.stats().bytes, 5 * frame.len() as u64);
}

#[test]
fn explicit_files_keep_the_given_order() {
    let dir = TempDir::new("explicit").unwrap();
    let frame = udp_ipv4();
    let late = dir.join("late.pcap");
    let early = dir.join("early.pcap");
    PcapWriter::new(101)
        .packet(900, 0, &frame)
        .write_to(&late)
        .unwrap();
    PcapWriter::new(101)
        .packet(100, 0, &frame)
        .write_to(&early)
        .unwrap();
    let mut src = OfflineSource::open(&[late.clone(), early]).unwrap();
    let seen = read_all(&mut src);
    assert_eq!(seen[0].ts.secs, 900);
    assert_eq!(src.pcap_filename(0), Some(late.as_path()));
}

#[test]
fn empty_directory_warns() {
    let dir = TempDir::new("emptydir").unwrap();
    let src = OfflineSource::open(&[dir.path().to_path_buf()]).unwrap();
    assert!(src.files().is_empty());
    assert_eq!(src.warnings()[0].kind, CaptureWarningKind::EmptyDirectory);
}

#[test]
fn truncated_last_record_delivers_earlier_packets_and_continues() {
    let dir = TempDir::new("trunc").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    let mut w = PcapWriter::new(1);
    w.packet(1, 0, &frame)
        .packet(2, 0, &frame)
        .packet(3, 0, &frame);
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &w.bytes()[..w.bytes().len() - 5]).unwrap();
    let next = dir.join("next.pcap");
    PcapWriter::new(1)
        .packet(4, 0, &frame)
        .write_to(&next)
        .unwrap();

    let mut src = OfflineSource::open(&[cut.clone(), next]).unwrap();
    let seen = read_all(&mut src);
    let secs: Vec<_> = seen.iter().map(|s| s.ts.secs).collect();
    assert_eq!(secs, [1, 2, 4]);
    assert_eq!(src.stats().truncated_files, 1);
    assert_eq!(src.stats().files, 2);
    let w = &src.warnings()[0];
    assert_eq!(w.kind, CaptureWarningKind::Truncated);
    assert_eq!(w.path, cut);
    let offset = 24 + 2 * (16 + frame.len());
    assert!(w.message.contains("after packet 2"), "{}", w.message);
    assert!(
        w.message.contains(&format!("byte offset {offset}")),
        "{}",
        w.message
    );
    assert!(w.message.contains(&cut.display().to_string()));
}

#[test]
fn truncated_record_header_and_corrupt_caplen() {
    let dir = TempDir::new("corrupt").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    let mut w = PcapWriter::new(1);
    w.packet(1, 0, &frame);
    let mut bytes = w.bytes().to_vec();
    bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]); // 7 of 16 header bytes
    let half = dir.join("half.pcap");
    std::fs::write(&half, bytes).unwrap();

    let mut w = PcapWriter::new(1);
    w.packet(1, 0, &frame)
        .record(2, 0, 0x7fff_0000, 100, &frame)
        .packet(3, 0, &frame);
    let corrupt = dir.join("corrupt.pcap");
    w.write_to(&corrupt).unwrap();

    let mut src = OfflineSource::open(&[half, corrupt]).unwrap();
    let seen = read_all(&mut src);
    assert_eq!(seen.len(), 2);
    assert_eq!(src.stats().truncated_files, 2);
    assert!(src
        .warnings()
        .iter()
        .all(|w| w.kind == CaptureWarningKind::Truncated && w.message.contains("after packet 1")));
}

#[test]
fn truncated_pcapng_block() {
    let dir = TempDir::new("ngtrunc").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    let mut w = PcapngWriter::new();
    w.interface(1, 0, None)
        .packet(0, 1, &frame, frame.len() as u32)
        .packet(0, 2, &frame, frame.len() as u32);
    let path = dir.join("t.pcapng");
    std::fs::write(&path, &w.bytes()[..w.bytes().len() - 9]).unwrap();
    let mut src = open_one(&path);
    assert_eq!(read_all(&mut src).len(), 1);
    assert_eq!(src.stats().truncated_files, 1);
    assert!(src.warnings()[0].message.contains("after packet 1"));
}

#[test]
fn garbage_empty_short_and_missing_files_are_errors_naming_the_path() {
    let dir = TempDir::new("bad").unwrap();
    let garbage = dir.join("garbage.pcap");
    std::fs::write(&garbage, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let short = dir.join("short.pcap");
    std::fs::write(&short, [0xd4, 0xc3]).unwrap();
    for path in [&garbage, &empty, &short] {
        let err = OfflineSource::open(std::slice::from_ref(path)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CaptureError::NotCapture { .. }), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("not a pcap or pcapng file"), "{msg}");
    }

    let header_cut = dir.join("hdr.pcap");
    std::fs::write(&header_cut, &PcapWriter::new(1).bytes()[..10]).unwrap();
    let err = OfflineSource::open(std::slice::from_ref(&header_cut)).unwrap_err();
    assert!(matches!(err, CaptureError::Open { .. }), "{err}");
    assert!(err.to_string().contains(&header_cut.display().to_string()));

    let missing = PathBuf::from("/nonexistent/sigil/missing.pcap");
    let err = OfflineSource::open(&[missing]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, CaptureError::Io { .. }));
    assert!(msg.contains("/nonexistent/sigil/missing.pcap"), "{msg}");
    assert!(msg.contains("No such file"), "{msg}");
}

#[test]
fn bogus_snaplen_still_reads() {
    let dir = TempDir::new("snap").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    for snaplen in [0, u32::MAX, 1 << 20] {
        let mut h = PcapHeader::new(1);
        h.snaplen = snaplen;
        let path = dir.join(&format!("s{snaplen}.pcap"));
        PcapWriter::with_header(h)
            .packet(1, 0, &frame)
            .packet(2, 0, &frame)
            .write_to(&path)
            .unwrap();
        let seen = read_all(&mut open_one(&path));
        assert_eq!(seen.len(), 2, "snaplen {snaplen}");
        assert!(seen.iter().all(|s| s.data == frame), "snaplen {snaplen}");
    }
}

/// A header snap length smaller than the records: libpcap (and so Suricata)
/// cuts each record to the snap length and keeps the wire length, so the
/// packet looks snapped. The byte offset is then unknown and not reported.
#[test]
fn small_header_snaplen_cuts_records_like_libpcap() {
    let dir = TempDir::new("smallsnap").unwrap();
    let frame = pkt::ethernet(0x0800, &udp_ipv4());
    let mut h = PcapHeader::new(1);
    h.snaplen = 20;
    let mut w = PcapWriter::with_header(h);
    w.packet(1, 0, &frame).packet(2, 0, &frame);
    let path = dir.join("small.pcap");
    std::fs::write(&path, &w.bytes()[..w.bytes().len() - 3]).unwrap();
    let mut src = open_one(&path);
    let seen = read_all(&mut src);
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].caplen, seen[0].origlen), (20, frame.len() as u32));
    assert_eq!(seen[0].data, &frame[..20]);
    let msg = &src.warnings()[0].message;
    assert!(!msg.contains("byte offset"), "{msg}");
}

#[test]
fn header_only_file_has_no_packets() {
    let dir = TempDir::new("hdronly").unwrap();
    let path = dir.join("h.pcap");
    PcapWriter::new(1).write_to(&path).unwrap();
    let mut src = open_one(&path);
    assert_eq!(src.files()[0].first_ts, None);
    assert!(read_all(&mut src).is_empty());
    assert!(src.warnings().is_empty());
    assert_eq!(src.stats().files, 1);
}

#[test]
fn break_and_resume() {
    let dir = TempDir::new("resume").unwrap();
    let frame = udp_ipv4();
    let a = dir.join("a.pcap");
    let b = dir.join("b.pcap");
    PcapWriter::new(101)
        .packet(1, 0, &frame)
        .packet(2, 0, &frame)
        .write_to(&a)
        .unwrap();
    PcapWriter::new(101)
        .packet(3, 0, &frame)
        .write_to(&b)
        .unwrap();
    let mut src = OfflineSource::open(&[a, b]).unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        let flow = src.for_each_packet(|p| {
            got.push(p.pcap_cnt);
            ControlFlow::Break(())
        });
        assert_eq!(flow, ControlFlow::Break(()));
    }
    assert_eq!(got, [1, 2, 3]);
    assert_eq!(
        src.for_each_packet(|_| ControlFlow::Break(())),
        ControlFlow::Continue(())
    );
}

#[test]
fn owned_packets_outlive_the_visitor() {
    let dir = TempDir::new("owned").unwrap();
    let path = dir.join("o.pcap");
    PcapWriter::new(101)
        .packet(5, 6, &udp_ipv4())
        .write_to(&path)
        .unwrap();
    let mut kept = Vec::new();
    let _ = open_one(&path).for_each_packet(|p| {
        kept.push(p.to_owned());
        ControlFlow::Continue(())
    });
    let d = decode(&kept[0].as_raw());
    assert_eq!(d.ports(), (1000, 53));
    assert_eq!(kept[0].ts, Timestamp::new(5, 6_000));
}
