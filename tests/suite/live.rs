//! Live capture with real traffic: `sigil capture` and `LiveSource` on the
//! loopback interface of a private network namespace, with a real HTTP
//! server (`python3 -m http.server`) and client (`curl`).
//!
//! Tests that capture need root (network namespaces, packet sockets); they
//! print `skipping: needs root` otherwise. Every namespace and process a
//! test starts is removed by a guard, also when the test fails. Nothing
//! touches the host's interfaces: all traffic stays inside the namespace.

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use sigil_engine::capture::{LinkType, LiveConfig, LiveSource, OwnedPacket};

use super::common::{s, sigil, TempDir};

const SIGIL: &str = env!("CARGO_BIN_EXE_sigil");

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        true
    } else {
        println!("skipping: needs root");
        false
    }
}

fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        println!("skipping: {tool} not installed");
    }
    ok
}

/// A network namespace with `lo` up; deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn new(tag: &str) -> Option<Netns> {
        let name = format!("sigil-t-{}-{tag}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("skipping: cannot create network namespace {name}");
            return None;
        }
        let ns = Netns { name };
        let up = ns
            .cmd("ip", &["link", "set", "lo", "up"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(up, "lo up in {}", ns.name);
        Some(ns)
    }

    /// `ip netns exec NS program args…`
    fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]).args(args);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// A child process killed (SIGKILL) and reaped on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// `python3 -m http.server` on 127.0.0.1:`port` in `ns`, serving `root`;
/// returns once it answers.
fn http_server(ns: &Netns, port: u16, root: &Path) -> Guard {
    let child = ns
        .cmd(
            "python3",
            &[
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--directory",
                s(root),
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn python3");
    let guard = Guard(child);
    for _ in 0..100 {
        if curl(ns, &format!("http://127.0.0.1:{port}/")) == "200" {
            return guard;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("http server on port {port} did not come up");
}

/// One bounded GET; returns the status code curl saw ("000" on failure).
fn curl(ns: &Netns, url: &str) -> String {
    let out = ns
        .cmd(
            "curl",
            &[
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "5",
                url,
            ],
        )
        .output()
        .expect("spawn curl");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `sigil capture …` inside `ns`, returned once it reports capturing,
/// with a channel carrying the rest of its stderr.
fn start_capture(ns: &Netns, args: &[&str]) -> (Guard, mpsc::Receiver<String>) {
    let mut full = vec!["capture"];
    full.extend_from_slice(args);
    let mut child = ns
        .cmd(SIGIL, &full)
        .env_remove("SIGIL_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sigil capture");
    let stderr = child.stderr.take().expect("stderr piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let guard = Guard(child);
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("sigil capture printed nothing");
    assert!(first.contains("capturing on lo"), "{first}");
    (guard, rx)
}

fn interrupt(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: sends a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn log_lines(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("case.log"))
        .expect("case.log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("case.log line is JSON"))
        .collect()
}

fn digest(tool: &str, path: &Path) -> String {
    let out = Command::new(tool).arg(path).output().expect(tool);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn pcaps_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("capture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    v.sort();
    v
}

#[test]
fn list_interfaces_shows_loopback_like_tcpdump() {
    let out = sigil(&["list-interfaces"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let lo = text
        .lines()
        .find(|l| {
            l.split_once('.')
                .is_some_and(|(_, rest)| rest.starts_with("lo "))
        })
        .unwrap_or_else(|| panic!("no lo in:\n{text}"));
    assert!(lo.contains("Loopback"), "{lo}");
    assert!(lo.contains("Up"), "{lo}");
    assert!(
        lo.split('.')
            .next()
            .is_some_and(|n| n.parse::<u32>().is_ok()),
        "{lo}"
    );
}

#[test]
fn capture_errors_are_one_line_naming_the_interface() {
    if !is_root() {
        return;
    }
    let tmp = TempDir::new("live-errors").unwrap();
    let check = |args: &[&str], want: &[&str]| {
        let out = sigil(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        for w in want {
            assert!(err.contains(w), "{args:?}: missing {w:?} in {err}");
        }
    };
    let dir = tmp.join("cap");
    check(
        &["capture", "-i", "sigil-nope0", "-w", s(&dir)],
        &["sigil-nope0: no such interface"],
    );
    check(
        &["capture", "-i", "lo", "-w", s(&dir), "--bpf", "tcp port"],
        &["lo: invalid BPF filter \"tcp port\""],
    );
    // A malformed size is a usage error (clap's exit status 2).
    let out = sigil(&[
        "capture",
        "-i",
        "lo",
        "-w",
        s(&dir),
        "--rotate-size",
        "12XB",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown unit `xb`"));
    assert!(
        !dir.exists(),
        "nothing written when the capture cannot start"
    );

    // Without privileges: the remedy is named. setpriv drops to nobody.
    if !have("setpriv") {
        return;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", SIGIL])
        .args(["capture", "-i", "lo", "-w", s(&dir)])
        .output()
        .expect("spawn setpriv");
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && !err.contains("lo:") {
        println!("skipping: sigil binary not executable by nobody: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("lo: permission denied"), "{err}");
    assert!(err.contains("root or CAP_NET_RAW"), "{err}");
}

#[test]
fn capture_ring_rotates_hashes_and_survives_sigint() {
    if !is_root() || !have("curl") || !have("python3") {
        return;
    }
    let Some(ns) = Netns::new("ring") else {
        return;
    };
    let tmp = TempDir::new("live-ring").unwrap();
    let www = tmp.join("www");
    std::fs::create_dir_all(&www).unwrap();
    let body: Vec<u8> = (0..30_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(www.join("big.bin"), &body).unwrap();
    let _server = http_server(&ns, 8080, &www);

    let dir = tmp.join("cap");
    let (mut cap, lines) = start_capture(
        &ns,
        &[
            "-i",
            "lo",
            "-w",
            s(&dir),
            "--bpf",
            "tcp port 8080",
            "--rotate-size",
            "20KB",
            "--rotate-count",
            "4",
        ],
    );
    for i in 0..8 {
        assert_eq!(
            curl(&ns, &format!("http://127.0.0.1:8080/big.bin?n={i}")),
            "200"
        );
    }
    assert_eq!(curl(&ns, "http://127.0.0.1:8080/final-marker"), "404");
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&cap.0);
    let status = wait_timeout(&mut cap.0, Duration::from_secs(10)).expect("sigil stops on SIGINT");
    let stderr: Vec<String> = lines.try_iter().collect();
    assert!(status.success(), "{status}: {stderr:?}");
    let last = stderr.last().cloned().unwrap_or_default();
    assert!(
        last.contains("kernel:") && last.contains("dropped"),
        "{stderr:?}"
    );

    let manifest = read_json(&dir.join("manifest.json"));
    assert_eq!(manifest["capture"]["interface"], "lo");
    assert_eq!(manifest["capture"]["bpf"], "tcp port 8080");
    let files = manifest["files"].as_array().expect("files");
    assert!(files.len() > 4, "rotated several times: {}", files.len());
    let on_disk = pcaps_in(&dir);
    assert!(on_disk.len() <= 4, "count limit: {on_disk:?}");
    let kept: Vec<&serde_json::Value> = files.iter().filter(|f| f["deleted"] == false).collect();
    assert_eq!(kept.len(), on_disk.len());
    assert_eq!(
        files.len() - kept.len(),
        files.iter().filter(|f| f["deleted"] == true).count()
    );
    let first = files[0]["file"].as_str().unwrap();
    assert!(
        first.starts_with("sigil-") && first.ends_with("Z-0001.pcap") && first.len() == 32,
        "{first}"
    );
    for f in files {
        let name = f["file"].as_str().unwrap();
        let path = dir.join(name);
        assert!(f["first_packet"].as_str().unwrap().ends_with('Z'));
        if f["deleted"] == true {
            assert!(!path.exists(), "{name} deleted yet present");
            continue;
        }
        let len = std::fs::metadata(&path).unwrap().len();
        assert_eq!(f["bytes"].as_u64(), Some(len), "{name}");
        assert_eq!(
            f["sha256"].as_str(),
            Some(digest("sha256sum", &path).as_str())
        );
        assert_eq!(f["md5"].as_str(), Some(digest("md5sum", &path).as_str()));
    }

    let log = log_lines(&dir);
    let events: Vec<&str> = log.iter().filter_map(|l| l["op"].as_str()).collect();
    assert_eq!(events.first(), Some(&"start"));
    assert_eq!(log[0]["capture"]["interface"], "lo");
    assert!(log[0]["argv"].to_string().contains("--rotate-count"));
    assert_eq!(
        events.iter().filter(|e| **e == "file_closed").count(),
        files.len()
    );
    assert_eq!(
        events.iter().filter(|e| **e == "file_deleted").count(),
        files.len() - kept.len()
    );
    assert_eq!(
        events.iter().filter(|e| **e == "output").count(),
        kept.len() + 1,
        "kept files and the manifest"
    );
    let end = log.last().unwrap();
    assert_eq!(end["op"], "end");
    assert_eq!(end["exit_status"], 0);
    assert_eq!(end["counts"]["reason"], "signal");
    assert!(end["counts"]["kernel"]["received"].as_u64().unwrap() > 0);
    assert!(
        stderr.iter().any(|l| l.contains("case.log head sha256")),
        "{stderr:?}"
    );

    // An independent reader agrees: tshark parses every kept file and the
    // last request is in them.
    if !have("tshark") {
        return;
    }
    let mut uris = Vec::new();
    for p in &on_disk {
        let out = Command::new("tshark")
            .args([
                "-r",
                s(p),
                "-Y",
                "http.request",
                "-T",
                "fields",
                "-e",
                "http.request.uri",
            ])
            .output()
            .expect("tshark");
        assert!(out.status.success(), "tshark on {}: {out:?}", p.display());
        uris.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string),
        );
    }
    assert!(
        uris.iter().any(|u| u == "/final-marker"),
        "{uris:?} {stderr:?}"
    );
}

#[test]
fn capture_stops_by_itself_on_count_and_duration() {
    if !is_root() || !have("curl") || !have("python3") {
        return;
    }
    let Some(ns) = Netns::new("limits") else {
        return;
    };
    let tmp = TempDir::new("live-limits").unwrap();
    let _server = http_server(&ns, 8080, tmp.path());

    // --duration on a quiet interface: the read timeout lets it notice.
    let quiet = tmp.join("quiet");
    let started = Instant::now();
    let (mut cap, _lines) = start_capture(
        &ns,
        &[
            "-i",
            "lo",
            "-w",
            s(&quiet),
            "--bpf",
            "udp port 9",
            "--duration",
            "1",
        ],
    );
    let status = wait_timeout(&mut cap.0, Duration::from_secs(10)).expect("duration stop");
    assert!(status.success());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        read_json(&quiet.join("manifest.json"))["files"],
        serde_json::json!([])
    );
    assert_eq!(
        log_lines(&quiet).last().unwrap()["counts"]["reason"],
        "duration"
    );

    // --count 3: exactly three packets, one closed and hashed file.
    let counted = tmp.join("counted");
    let (mut cap, _lines) = start_capture(
        &ns,
        &[
            "-i",
            "lo",
            "-w",
            s(&counted),
            "--bpf",
            "tcp port 8080",
            "-c",
            "3",
        ],
    );
    assert_eq!(curl(&ns, "http://127.0.0.1:8080/"), "200");
    let status = wait_timeout(&mut cap.0, Duration::from_secs(10)).expect("count stop");
    assert!(status.success());
    let files = read_json(&counted.join("manifest.json"))["files"].clone();
    assert_eq!(files.as_array().map(Vec::len), Some(1));
    assert_eq!(files[0]["packets"], 3);
    assert_eq!(
        log_lines(&counted).last().unwrap()["counts"]["reason"],
        "count"
    );
}

/// Ethernet / IPv4 / TCP: (source port, destination port, payload).
fn tcp_ports(data: &[u8]) -> Option<(u16, u16, &[u8])> {
    if data.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let ip = data.get(14..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if *ip.get(9)? != 6 {
        return None;
    }
    let tcp = ip.get(ihl..)?;
    let sport = u16::from_be_bytes([*tcp.first()?, *tcp.get(1)?]);
    let dport = u16::from_be_bytes([*tcp.get(2)?, *tcp.get(3)?]);
    let off = usize::from(tcp.get(12)? >> 4) * 4;
    Some((sport, dport, tcp.get(off..)?))
}

/// Moves the calling thread into network namespace `name`.
fn enter_netns(name: &str) {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(format!("/run/netns/{name}")).expect("netns handle");
    // SAFETY: `f` is an open namespace file; setns only changes this
    // thread's network namespace.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
}

#[test]
fn live_source_filters_real_traffic_and_stops_on_the_flag() {
    if !is_root() || !have("curl") || !have("python3") {
        return;
    }
    let Some(ns) = Netns::new("src") else {
        return;
    };
    let tmp = TempDir::new("live-src").unwrap();
    let _server = http_server(&ns, 8081, tmp.path());

    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = mpsc::channel();
    let thread_stop = Arc::clone(&stop);
    let name = ns.name.clone();
    let reader = std::thread::spawn(move || {
        enter_netns(&name);
        let mut cfg = LiveConfig::new("lo");
        cfg.bpf = Some("tcp port 8081".into());
        let mut src = LiveSource::open(&cfg).expect("open lo");
        src.set_stop_flag(thread_stop);
        let linktype = src.linktype();
        ready_tx.send(()).expect("main waits");
        let mut packets: Vec<OwnedPacket> = Vec::new();
        let flow = src.for_each_packet(|p| {
            packets.push(p.to_owned());
            ControlFlow::Continue(())
        });
        let ended = Instant::now();
        assert!(flow.is_continue());
        assert!(src.take_error().is_none());
        (linktype, packets, *src.stats(), src.kernel_stats(), ended)
    });
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("LiveSource opened");

    assert_eq!(curl(&ns, "http://127.0.0.1:8081/"), "200");
    // Filtered out: a refused connection to another port.
    assert_eq!(curl(&ns, "http://127.0.0.1:8082/"), "000");
    // Silence, then stop: the reader must notice within a read timeout or two.
    std::thread::sleep(Duration::from_millis(200));
    let stopped_at = Instant::now();
    stop.store(true, Ordering::Relaxed);
    let (linktype, packets, stats, kernel, ended) = reader.join().expect("reader thread");
    let latency = ended.duration_since(stopped_at);
    println!("stop latency {latency:?}");
    assert!(latency < Duration::from_millis(1000), "{latency:?}");

    assert_eq!(linktype, LinkType::Ethernet);
    assert!(
        packets.len() >= 6,
        "handshake, request, response, close: {}",
        packets.len()
    );
    assert_eq!(stats.packets, packets.len() as u64);
    assert!(kernel.received >= stats.packets, "{kernel:?} vs {stats:?}");
    let mut saw_request = false;
    for p in &packets {
        let (sport, dport, payload) = tcp_ports(&p.data).expect("ethernet/ipv4/tcp");
        assert!(
            sport == 8081 || dport == 8081,
            "filter let {sport}->{dport} through"
        );
        saw_request |= payload.starts_with(b"GET / HTTP/1.1");
        assert!(p.ts.secs > 1_600_000_000, "wall-clock timestamps: {}", p.ts);
    }
    assert!(saw_request, "the curl request was captured");
    let cnts: Vec<u64> = packets.iter().map(|p| p.pcap_cnt).collect();
    assert_eq!(cnts, (1..=packets.len() as u64).collect::<Vec<_>>());
}

/// `sigil run -i lo` inside a namespace: a real curl against a real
/// python http.server is detected by an HTTP rule live, evidence is
/// written, and SIGINT leaves a case that `sigil verify` accepts.
#[test]
fn live_detection_on_real_traffic() {
    if !is_root() {
        println!("skipping: needs root");
        return;
    }
    if !have("python3") || !have("curl") {
        return;
    }
    let Some(ns) = Netns::new("run") else {
        return;
    };
    let dir = TempDir::new("live-run").unwrap();
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("index.html"), "hello").unwrap();
    let _server = http_server(&ns, 18181, &www);
    let rules = dir.join("live.rules");
    std::fs::write(
        &rules,
        "alert http any any -> any any (msg:\"live marker\"; flow:established,to_server; \
         http.uri; content:\"/sigil-live-marker\"; sid:42;)\n",
    )
    .unwrap();
    let out = dir.join("out");
    let mut child = ns
        .cmd(
            SIGIL,
            &[
                "run",
                "-i",
                "lo",
                "--bpf",
                "tcp port 18181",
                "-S",
                s(&rules),
                "-l",
                s(&out),
                "--threads",
                "2",
            ],
        )
        .env_remove("SIGIL_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sigil run -i");
    // Give libpcap time to attach before making traffic.
    std::thread::sleep(Duration::from_millis(1500));
    for _ in 0..4 {
        let code = curl(&ns, "http://127.0.0.1:18181/sigil-live-marker");
        assert_eq!(code, "404");
    }
    std::thread::sleep(Duration::from_millis(600));
    interrupt(&child);
    let status =
        wait_timeout(&mut child, Duration::from_secs(20)).expect("sigil run -i stops on SIGINT");
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "{err}");
    let events: Vec<serde_json::Value> = std::fs::read_to_string(out.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alerts: Vec<_> = events
        .iter()
        .filter(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == 42)
        .collect();
    assert_eq!(alerts.len(), 4, "{err}");
    assert_eq!(alerts[0]["app_proto"], "http");
    assert_eq!(alerts[0]["http"]["url"], "/sigil-live-marker");
    assert!(alerts[0]["evidence"]
        .as_str()
        .is_some_and(|f| f.ends_with(".pcap")));
    assert!(events.iter().any(|e| e["event_type"] == "http"));
    let stats = events.last().unwrap();
    assert_eq!(stats["event_type"], "stats");
    assert!(
        stats["stats"]["capture"]["kernel_packets"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(stats["stats"]["capture"]["kernel_drops"], 0);
    let verify = Command::new(SIGIL)
        .args(["verify", s(&out)])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
