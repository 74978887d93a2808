//! `sigil run` on captures built here: exact alerts, flow ids, pcap_cnt,
//! directory order, link types, checksum modes.

use super::common::*;

const RULES: &str = r#"
alert tcp any any -> any 80 (msg:"passwd in request"; flow:established,to_server; content:"/etc/passwd"; classtype:attempted-recon; sid:1001; rev:2; metadata:created_at 2024_01_01, confidence High;)
alert tcp any 80 -> any any (msg:"reply direction"; flow:to_client; flags:F+; sid:1002;)
alert udp any any -> any 53 (msg:"dns query for evil"; content:"|04|evil|03|com|00|"; nocase; sid:1003;)
alert icmp any any -> any any (msg:"ping"; itype:8; sid:1004; priority:1;)
alert tcp any any -> any 80 (msg:"never"; content:"not-in-traffic"; sid:1005;)
"#;

fn rules_file(dir: &TempDir) -> std::path::PathBuf {
    let p = dir.join("test.rules");
    std::fs::write(&p, RULES).unwrap();
    p
}

#[test]
fn exact_alerts_with_flow_and_packet_numbers() {
    let dir = TempDir::new("run-exact").unwrap();
    let mut frames = http_conversation(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
    frames.push(pkt::eth_ipv4_udp(
        CLIENT,
        SERVER,
        5353,
        53,
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04EVIL\x03com\x00\x00\x01\x00\x01",
    ));
    frames.push(pkt::eth_ipv4_icmp_echo(CLIENT, SERVER, 7, 1, b"ping"));
    let pcap = dir.join("in.pcap");
    write_pcap(&pcap, &frames, 1_700_000_000);
    let out = dir.join("out");
    sigil_ok(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&rules_file(&dir)),
        "-l",
        s(&out),
        "-k",
        "all",
    ]);
    let all = eve(&out);
    // The DNS query also produces a `dns` record; only alerts are checked here.
    assert!(all.iter().any(|e| e["event_type"] == "dns"));
    let events: Vec<_> = all
        .into_iter()
        .filter(|e| e["event_type"] == "alert")
        .collect();
    let got = alerts(&events);
    assert_eq!(
        got,
        vec![
            // Stream content: the request (packet 4) is acknowledged by
            // packet 5 and inspected on the client's next packet (6), as
            // Suricata does in IDS mode.
            (1001, "10.0.0.1".into(), "10.0.0.2".into(), 6),
            (1002, "10.0.0.2".into(), "10.0.0.1".into(), 7),
            (1003, "10.0.0.1".into(), "10.0.0.2".into(), 8),
            (1004, "10.0.0.1".into(), "10.0.0.2".into(), 9),
        ]
    );
    let a = &events[0];
    assert_eq!(a["timestamp"], "2023-11-14T22:13:20.050000+0000");
    assert_eq!(a["proto"], "TCP");
    assert_eq!(a["src_port"], 40000);
    assert_eq!(a["dest_port"], 80);
    assert_eq!(a["direction"], "to_server");
    assert_eq!(a["alert"]["rev"], 2);
    assert_eq!(a["alert"]["gid"], 1);
    assert_eq!(a["alert"]["action"], "allowed");
    assert_eq!(a["alert"]["category"], "Attempted Information Leak");
    assert_eq!(a["alert"]["severity"], 2);
    assert_eq!(a["alert"]["metadata"]["confidence"][0], "High");
    assert_eq!(a["flow"]["pkts_toserver"], 4);
    assert_eq!(a["flow"]["pkts_toclient"], 2);
    assert_eq!(a["pcap_filename"], s(&pcap));
    // Both TCP alerts belong to one flow; the reply carries its direction.
    assert_eq!(events[0]["flow_id"], events[1]["flow_id"]);
    assert_eq!(events[1]["direction"], "to_client");
    assert_eq!(events[1]["flow"]["src_ip"], "10.0.0.1");
    assert_ne!(events[0]["flow_id"], events[2]["flow_id"]);
    // ICMP: type/code instead of ports, priority overrides severity.
    assert_eq!(events[3]["icmp_type"], 8);
    assert!(events[3].get("src_port").is_none());
    assert_eq!(events[3]["alert"]["severity"], 1);
    assert_eq!(events[3]["alert"]["category"], "");
    // fast.log mirrors the alerts.
    let fast = std::fs::read_to_string(out.join("fast.log")).unwrap();
    let lines: Vec<&str> = fast.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        "11/14/2023-22:13:20.050000  [**] [1:1001:2] passwd in request [**] \
         [Classification: Attempted Information Leak] [Priority: 2] {TCP} 10.0.0.1:40000 -> 10.0.0.2:80"
    );
    assert!(lines[3]
        .ends_with("[Classification: (null)] [Priority: 1] {ICMP} 10.0.0.1:8 -> 10.0.0.2:0"));
}

#[test]
fn flow_keyword_needs_the_handshake() {
    // The request alone (no handshake seen) is not `established`.
    let dir = TempDir::new("run-midstream").unwrap();
    let frames = http_conversation(b"GET /etc/passwd HTTP/1.1\r\n\r\n");
    let pcap = dir.join("in.pcap");
    write_pcap(&pcap, &frames[3..4], 1_700_000_000);
    let out = dir.join("out");
    sigil_ok(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&rules_file(&dir)),
        "-l",
        s(&out),
    ]);
    assert!(alerts(&eve(&out)).is_empty());
}

#[test]
fn directory_is_read_in_time_order_with_running_packet_numbers() {
    let dir = TempDir::new("run-dir").unwrap();
    let caps = dir.join("caps");
    std::fs::create_dir(&caps).unwrap();
    let ping = |seq| pkt::eth_ipv4_icmp_echo(CLIENT, SERVER, 7, seq, b"x");
    // "a.pcap" is later in time than "b.pcap": b must be read first.
    write_pcap(&caps.join("a.pcap"), &[ping(3), ping(4)], 1_700_000_100);
    write_pcap(&caps.join("b.pcap"), &[ping(1), ping(2)], 1_700_000_000);
    std::fs::write(caps.join("notes.txt"), "not a capture").unwrap();
    let rules = dir.join("r.rules");
    std::fs::write(
        &rules,
        "alert icmp any any -> any any (msg:\"seq\"; icmp_seq:3; sid:7;)\n",
    )
    .unwrap();
    let out = dir.join("out");
    sigil_ok(&["run", "-r", s(&caps), "-S", s(&rules), "-l", s(&out)]);
    let events = eve(&out);
    assert_eq!(
        alerts(&events),
        vec![(7, "10.0.0.1".into(), "10.0.0.2".into(), 3)]
    );
    assert!(events[0]["pcap_filename"]
        .as_str()
        .unwrap()
        .ends_with("a.pcap"));
}

#[test]
fn other_link_types_and_pcapng() {
    use sigil_engine::testutil::PcapngWriter;
    let dir = TempDir::new("run-links").unwrap();
    let rules = dir.join("r.rules");
    std::fs::write(
        &rules,
        "alert udp any any -> any 9999 (msg:\"marker\"; content:\"MARK\"; sid:9;)\n",
    )
    .unwrap();
    let eth = pkt::eth_ipv4_udp(CLIENT, SERVER, 1234, 9999, b"..MARK..");
    let ip = &eth[14..];
    let cases: Vec<(&str, u32, Vec<u8>)> = vec![
        ("raw", 101, ip.to_vec()),
        ("sll", 113, pkt::sll(0x0800, ip)),
        ("null", 0, pkt::null(2, cfg!(target_endian = "big"), ip)),
    ];
    for (name, lt, frame) in cases {
        let pcap = dir.join(&format!("{name}.pcap"));
        let mut w = PcapWriter::new(lt);
        w.packet(1_700_000_000, 0, &frame);
        w.write_to(&pcap).unwrap();
        let out = dir.join(name);
        sigil_ok(&["run", "-r", s(&pcap), "-S", s(&rules), "-l", s(&out)]);
        assert_eq!(alerts(&eve(&out)).len(), 1, "link type {name}");
    }
    let ng = dir.join("x.pcapng");
    let mut w = PcapngWriter::new();
    w.interface(1, 65535, None);
    w.packet(0, 1_700_000_000_000_000, &eth, eth.len() as u32);
    w.write_to(&ng).unwrap();
    let out = dir.join("ng");
    sigil_ok(&["run", "-r", s(&ng), "-S", s(&rules), "-l", s(&out)]);
    assert_eq!(alerts(&eve(&out)).len(), 1, "pcapng");
}

#[test]
fn checksum_modes() {
    // As in Suricata, a bad checksum keeps a packet out of the stream
    // engine but packet rules still see it; `-k` decides whether checksums
    // are judged at all (`udpv4-csum`).
    let dir = TempDir::new("run-csum").unwrap();
    let rules = dir.join("r.rules");
    std::fs::write(
        &rules,
        "alert udp any any -> any 9999 (msg:\"marker\"; content:\"MARK\"; sid:9;)\n\
         alert udp any any -> any 9999 (msg:\"bad udp checksum\"; udpv4-csum:invalid; sid:10;)\n",
    )
    .unwrap();
    let mut frame = pkt::eth_ipv4_udp(CLIENT, SERVER, 1234, 9999, b"..MARK..");
    frame[14 + 20 + 6] ^= 0xff; // corrupt the UDP checksum
    let pcap = dir.join("bad.pcap");
    write_pcap(&pcap, &[frame], 1_700_000_000);
    for (mode, want) in [
        ("all", vec![9, 10]),
        ("none", vec![9]),
        ("auto", vec![9, 10]),
    ] {
        let out = dir.join(mode);
        run_ok(&pcap, &rules, &out, &["-k", mode]);
        let mut sids: Vec<u64> = alerts(&eve(&out)).iter().map(|a| a.0).collect();
        sids.sort_unstable();
        assert_eq!(sids, want, "-k {mode}");
    }
}

#[test]
fn set_overrides_home_net() {
    let dir = TempDir::new("run-set").unwrap();
    let rules = dir.join("r.rules");
    std::fs::write(
        &rules,
        "alert icmp $HOME_NET any -> any any (msg:\"home ping\"; sid:3;)\n",
    )
    .unwrap();
    let pcap = dir.join("p.pcap");
    write_pcap(
        &pcap,
        &[pkt::eth_ipv4_icmp_echo([192, 0, 2, 1], SERVER, 1, 1, b"x")],
        1_700_000_000,
    );
    let out = dir.join("a");
    sigil_ok(&["run", "-r", s(&pcap), "-S", s(&rules), "-l", s(&out)]);
    assert!(alerts(&eve(&out)).is_empty());
    let out = dir.join("b");
    sigil_ok(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&rules),
        "-l",
        s(&out),
        "--set",
        "vars.address-groups.HOME_NET=[192.0.2.0/24]",
    ]);
    assert_eq!(alerts(&eve(&out)).len(), 1);
    // The same through a config file given with -c.
    let cfg = dir.join("s.yaml");
    std::fs::write(
        &cfg,
        "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[192.0.2.1]\"\n",
    )
    .unwrap();
    let out = dir.join("c");
    sigil_ok(&[
        "run",
        "-r",
        s(&pcap),
        "-S",
        s(&rules),
        "-l",
        s(&out),
        "-c",
        s(&cfg),
    ]);
    assert_eq!(alerts(&eve(&out)).len(), 1);
}
