//! Capturing from a network interface through libpcap.
//!
//! [`LiveSource`] hands out packets through the same visitor API as
//! [`super::OfflineSource`] (`for_each_packet`, `stats`), so the detection
//! pipeline and `sigil capture` treat a wire like a file. What only a live
//! source has:
//!
//! - a stop flag (`Arc<AtomicBool>`) checked between packets. The handle is
//!   non-blocking and the reader waits for packets with `poll(2)` and a
//!   short timeout, so a quiet interface wakes it up regularly and shutdown
//!   never waits for traffic. (libpcap's own read timeout cannot do this on
//!   Linux: with an empty buffer its read keeps polling until a packet
//!   arrives.) Packets are delivered in the kernel's packed blocks, at most
//!   one read timeout late, unless [`LiveConfig::immediate`] asks for each
//!   one at once;
//! - [`LiveEvent::Idle`] on each such wake-up, for callers with timers
//!   (time-based file rotation, flow timeouts on a quiet link);
//! - kernel counters ([`KernelStats`]): packets the kernel saw and dropped
//!   because we read too slowly. A forensic capture has to say what it
//!   missed.
//!
//! Opening errors name the interface and say what to do: a permission
//! problem asks for root or `CAP_NET_RAW`, an unknown interface points to
//! `sigil list-interfaces`, a bad BPF expression is quoted back.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pcap::{Active, Capture, Precision};

use super::{CaptureStats, LinkType, RawPacket, Timestamp};

/// libpcap's (and tcpdump's) default snap length: whole packets.
pub const DEFAULT_SNAPLEN: u32 = 262_144;

/// Read timeout: how long a quiet interface may keep the reader waiting
/// before it looks at the stop flag again.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_millis(100);

/// Kernel buffer: libpcap's 2 MiB default drops packets in bursts of a
/// busy (or loopback, with its 64 KiB packets) link.
pub const DEFAULT_BUFFER_SIZE: u32 = 32 << 20;

/// Kernel counters are refreshed at least this often while packets flow.
const STATS_EVERY_PACKETS: u64 = 4096;

/// How to open an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveConfig {
    /// Interface name as `sigil list-interfaces` shows it (`eth0`, `lo`, `any`).
    pub interface: String,
    /// BPF filter expression (tcpdump syntax); `None` captures everything.
    pub bpf: Option<String>,
    /// Bytes kept of each packet (1 ..= 262144).
    pub snaplen: u32,
    /// Put the interface in promiscuous mode (see traffic not addressed to us).
    pub promiscuous: bool,
    /// How long a read waits on a quiet interface before reporting
    /// [`LiveEvent::Idle`] (and checking the stop flag).
    pub read_timeout: Duration,
    /// Kernel buffer size in bytes; `None` keeps libpcap's default (2 MiB).
    pub buffer_size: Option<u32>,
    /// Deliver each packet as it arrives. On Linux this makes libpcap use a
    /// ring of fixed snaplen-sized frames (TPACKET_V2), which holds far
    /// fewer packets than the default packed blocks (TPACKET_V3, delivered
    /// at the latest one read timeout late): give it a large buffer.
    pub immediate: bool,
}

impl LiveConfig {
    /// Whole packets, promiscuous, no filter, 100 ms read timeout, a 32 MiB
    /// kernel buffer, packed (non-immediate) delivery.
    pub fn new(interface: impl Into<String>) -> Self {
        LiveConfig {
            interface: interface.into(),
            bpf: None,
            snaplen: DEFAULT_SNAPLEN,
            promiscuous: true,
            read_timeout: DEFAULT_READ_TIMEOUT,
            buffer_size: Some(DEFAULT_BUFFER_SIZE),
            immediate: false,
        }
    }
}

/// Why an interface could not be opened or read.
///
/// Every message starts with the interface name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The interface does not exist.
    #[error("{interface}: no such interface (see `sigil list-interfaces`)")]
    NoSuchInterface {
        /// The name given.
        interface: String,
    },
    /// The process may not capture.
    #[error("{interface}: permission denied: capturing needs root or CAP_NET_RAW ({message})")]
    PermissionDenied {
        /// The name given.
        interface: String,
        /// libpcap's text.
        message: String,
    },
    /// The BPF expression did not compile (or the kernel refused it).
    #[error("{interface}: invalid BPF filter \"{expression}\": {message}")]
    Filter {
        /// The interface the filter was compiled for.
        interface: String,
        /// The expression as given.
        expression: String,
        /// libpcap's text.
        message: String,
    },
    /// The interface's link layer is not one the decoder understands.
    #[error("{interface}: link type {name} ({dlt}) is not supported")]
    UnsupportedLinkType {
        /// The name given.
        interface: String,
        /// DLT value.
        dlt: i32,
        /// libpcap's name for it.
        name: String,
    },
    /// A configuration value libpcap cannot take.
    #[error("{interface}: {message}")]
    Config {
        /// The name given.
        interface: String,
        /// What is wrong.
        message: String,
    },
    /// Any other libpcap failure while opening.
    #[error("{interface}: cannot capture: {message}")]
    Open {
        /// The name given.
        interface: String,
        /// libpcap's text.
        message: String,
    },
    /// Reading failed after the capture started (interface went away).
    #[error("{interface}: capture failed: {message}")]
    Read {
        /// The interface.
        interface: String,
        /// libpcap's text.
        message: String,
    },
    /// Listing interfaces failed.
    #[error("cannot list interfaces: {message}")]
    List {
        /// libpcap's text.
        message: String,
    },
}

/// The kernel's view of the capture since it was opened (`pcap_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct KernelStats {
    /// Packets the kernel handed to the capture (after the filter).
    pub received: u64,
    /// Packets dropped because the capture buffer was full (we read too slowly).
    pub dropped: u64,
    /// Packets dropped by the interface or its driver.
    pub if_dropped: u64,
}

/// Widens libpcap's 32-bit counters, which wrap on a busy link.
#[derive(Debug, Default, Clone, Copy)]
struct WrappingCounters {
    last: [u32; 3],
    total: KernelStats,
}

impl WrappingCounters {
    fn update(&mut self, now: [u32; 3]) -> KernelStats {
        let delta = |i: usize| u64::from(now[i].wrapping_sub(self.last[i]));
        self.total.received += delta(0);
        self.total.dropped += delta(1);
        self.total.if_dropped += delta(2);
        self.last = now;
        self.total
    }
}

/// Kernel counters published by the capture loop, readable from another
/// thread (or from inside the packet visitor) without touching libpcap.
#[derive(Debug, Default)]
pub struct SharedKernelStats {
    received: std::sync::atomic::AtomicU64,
    dropped: std::sync::atomic::AtomicU64,
    if_dropped: std::sync::atomic::AtomicU64,
}

impl SharedKernelStats {
    /// The latest published counters.
    pub fn load(&self) -> KernelStats {
        KernelStats {
            received: self.received.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            if_dropped: self.if_dropped.load(Ordering::Relaxed),
        }
    }

    fn store(&self, k: KernelStats) {
        self.received.store(k.received, Ordering::Relaxed);
        self.dropped.store(k.dropped, Ordering::Relaxed);
        self.if_dropped.store(k.if_dropped, Ordering::Relaxed);
    }
}

/// What [`LiveSource::for_each_event`] reports.
#[derive(Debug, Clone, Copy)]
pub enum LiveEvent<'a> {
    /// A captured packet (borrowed from libpcap's buffer).
    Packet(RawPacket<'a>),
    /// The read timeout passed without a packet.
    Idle,
}

/// An interface known to libpcap.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InterfaceInfo {
    /// Name to pass to `-i`.
    pub name: String,
    /// libpcap's description (often absent on Linux).
    pub description: Option<String>,
    /// Administratively up.
    pub up: bool,
    /// Operationally running.
    pub running: bool,
    /// Loopback interface.
    pub loopback: bool,
    /// Wireless interface.
    pub wireless: bool,
    /// `connected`, `disconnected`, `not applicable` or `unknown`.
    pub connection: &'static str,
    /// Addresses assigned to it.
    pub addresses: Vec<std::net::IpAddr>,
}

impl InterfaceInfo {
    /// tcpdump -D style flag words: `Up, Running, Loopback`.
    pub fn flag_words(&self) -> Vec<&'static str> {
        let mut words = Vec::new();
        for (on, word) in [
            (self.up, "Up"),
            (self.running, "Running"),
            (self.wireless, "Wireless"),
            (self.loopback, "Loopback"),
        ] {
            if on {
                words.push(word);
            }
        }
        match self.connection {
            "connected" => words.push("Connected"),
            "disconnected" => words.push("Disconnected"),
            _ => {}
        }
        words
    }
}

/// Every interface libpcap can capture on, in libpcap's order (tcpdump -D).
pub fn list_interfaces() -> Result<Vec<InterfaceInfo>, LiveError> {
    let devices = pcap::Device::list().map_err(|e| LiveError::List {
        message: pcap_message(e),
    })?;
    Ok(devices
        .into_iter()
        .map(|d| InterfaceInfo {
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            wireless: d.flags.is_wireless(),
            connection: match d.flags.connection_status {
                pcap::ConnectionStatus::Connected => "connected",
                pcap::ConnectionStatus::Disconnected => "disconnected",
                pcap::ConnectionStatus::NotApplicable => "not applicable",
                pcap::ConnectionStatus::Unknown => "unknown",
            },
            addresses: d.addresses.iter().map(|a| a.addr).collect(),
            name: d.name,
            description: d.desc,
        })
        .collect())
}

/// Packets from a network interface.
pub struct LiveSource {
    /// Non-blocking on Unix (we poll its descriptor), blocking with
    /// libpcap's read timeout elsewhere.
    cap: Capture<Active>,
    read_timeout: Duration,
    interface: String,
    bpf: Option<String>,
    linktype: LinkType,
    dlt: i32,
    snaplen: u32,
    nanos: bool,
    stop: Arc<AtomicBool>,
    pcap_cnt: u64,
    stats: CaptureStats,
    kernel: WrappingCounters,
    published: Arc<SharedKernelStats>,
    error: Option<LiveError>,
}

impl std::fmt::Debug for LiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSource")
            .field("interface", &self.interface)
            .field("bpf", &self.bpf)
            .field("linktype", &self.linktype)
            .field("snaplen", &self.snaplen)
            .field("nanos", &self.nanos)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl LiveSource {
    /// Opens and activates the interface, applies the filter and checks
    /// the link type. Capturing starts now: packets queue in the kernel
    /// buffer until [`LiveSource::for_each_packet`] reads them.
    pub fn open(cfg: &LiveConfig) -> Result<Self, LiveError> {
        let iface = cfg.interface.as_str();
        let config_err = |message: String| LiveError::Config {
            interface: iface.to_string(),
            message,
        };
        if iface.is_empty() {
            return Err(config_err("empty interface name".into()));
        }
        if cfg.snaplen == 0 || cfg.snaplen > DEFAULT_SNAPLEN {
            return Err(config_err(format!(
                "snap length {} outside 1..={DEFAULT_SNAPLEN}",
                cfg.snaplen
            )));
        }
        let timeout_ms = i32::try_from(cfg.read_timeout.as_millis().max(1)).unwrap_or(i32::MAX);
        let mut inactive = Capture::from_device(iface)
            .map_err(|e| open_error(iface, e))?
            .snaplen(i32::try_from(cfg.snaplen).unwrap_or(i32::MAX))
            .promisc(cfg.promiscuous)
            .timeout(timeout_ms)
            .immediate_mode(cfg.immediate)
            .precision(Precision::Nano);
        if let Some(size) = cfg.buffer_size {
            inactive = inactive.buffer_size(i32::try_from(size).unwrap_or(i32::MAX));
        }
        let cap = inactive.open().map_err(|e| open_error(iface, e))?;
        #[cfg(unix)]
        let cap = cap.setnonblock().map_err(|e| open_error(iface, e))?;
        let mut cap = cap;
        let dlt = cap.get_datalink().0;
        let Some(linktype) = LinkType::from_dlt(dlt) else {
            return Err(LiveError::UnsupportedLinkType {
                interface: iface.to_string(),
                dlt,
                name: pcap::Linktype(dlt)
                    .get_name()
                    .unwrap_or_else(|_| "unknown".into()),
            });
        };
        if let Some(expr) = &cfg.bpf {
            cap.filter(expr, true).map_err(|e| LiveError::Filter {
                interface: iface.to_string(),
                expression: expr.clone(),
                message: pcap_message(e),
            })?;
        }
        let nanos = ffi::nanosecond_precision(&cap);
        let snaplen = ffi::snapshot(&cap).unwrap_or(cfg.snaplen);
        tracing::info!(
            interface = iface,
            dlt,
            snaplen,
            nanos,
            "capture opened on {iface}"
        );
        Ok(LiveSource {
            cap,
            read_timeout: cfg.read_timeout.max(Duration::from_millis(1)),
            interface: iface.to_string(),
            bpf: cfg.bpf.clone(),
            linktype,
            dlt,
            snaplen,
            nanos,
            stop: Arc::new(AtomicBool::new(false)),
            pcap_cnt: 0,
            stats: CaptureStats::default(),
            kernel: WrappingCounters::default(),
            published: Arc::default(),
            error: None,
        })
    }

    /// The flag that ends [`LiveSource::for_each_packet`]: set it (from any
    /// thread, or a signal handler) and reading stops before the next
    /// packet, at the latest one read timeout later.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Uses `flag` (e.g. the one signal handlers set) as the stop flag.
    pub fn set_stop_flag(&mut self, flag: Arc<AtomicBool>) {
        self.stop = flag;
    }

    /// Calls `visit` for each packet until the stop flag is set or reading
    /// fails (then `Continue`; see [`LiveSource::take_error`]) or `visit`
    /// returns `Break` (then `Break`; a later call resumes).
    ///
    /// Once the flag is set, packets the kernel already holds are still
    /// delivered: for up to 1.5 read timeouts (the kernel hands over a
    /// partly filled block only when its timer fires), then reading stops.
    pub fn for_each_packet<F>(&mut self, mut visit: F) -> ControlFlow<()>
    where
        F: FnMut(&RawPacket<'_>) -> ControlFlow<()>,
    {
        self.for_each_event(|ev| match ev {
            LiveEvent::Packet(p) => visit(&p),
            LiveEvent::Idle => ControlFlow::Continue(()),
        })
    }

    /// Like [`LiveSource::for_each_packet`], also reporting each read
    /// timeout on a quiet interface as [`LiveEvent::Idle`].
    pub fn for_each_event<F>(&mut self, mut visit: F) -> ControlFlow<()>
    where
        F: FnMut(LiveEvent<'_>) -> ControlFlow<()>,
    {
        let mut drain_until: Option<Instant> = None;
        let flow = loop {
            if self.error.is_some() {
                break ControlFlow::Continue(());
            }
            if drain_until.is_none() && self.stop.load(Ordering::Relaxed) {
                drain_until = Some(Instant::now() + self.read_timeout * 3 / 2);
            }
            let event = match self.cap.next_packet() {
                Ok(p) => {
                    self.pcap_cnt += 1;
                    self.stats.packets += 1;
                    self.stats.bytes += u64::from(p.header.caplen);
                    LiveEvent::Packet(RawPacket {
                        ts: timestamp(p.header, self.nanos),
                        caplen: p.header.caplen,
                        origlen: p.header.len,
                        data: p.data,
                        linktype: self.linktype,
                        pcap_cnt: self.pcap_cnt,
                        file_index: 0,
                    })
                }
                // Non-blocking: nothing queued right now (blocking: the
                // read timeout passed).
                Err(pcap::Error::TimeoutExpired) => {
                    let wait = match drain_until {
                        None => self.read_timeout,
                        Some(t) => match t.checked_duration_since(Instant::now()) {
                            Some(left) if !left.is_zero() => left,
                            _ => break ControlFlow::Continue(()),
                        },
                    };
                    match self.wait(wait) {
                        Ok(true) => continue,
                        Ok(false) if drain_until.is_some() => continue,
                        Ok(false) => LiveEvent::Idle,
                        Err(e) => {
                            self.error = Some(LiveError::Read {
                                interface: self.interface.clone(),
                                message: format!("poll: {e}"),
                            });
                            continue;
                        }
                    }
                }
                Err(e) => {
                    let err = LiveError::Read {
                        interface: self.interface.clone(),
                        message: pcap_message(e),
                    };
                    tracing::debug!("{err}");
                    self.error = Some(err);
                    continue;
                }
            };
            let idle = matches!(event, LiveEvent::Idle);
            if visit(event).is_break() {
                break ControlFlow::Break(());
            }
            if idle || self.pcap_cnt % STATS_EVERY_PACKETS == 0 {
                self.refresh_kernel_stats();
            }
        };
        self.refresh_kernel_stats();
        flow
    }

    /// Waits up to `limit` for the descriptor to become readable:
    /// `Ok(true)` to read again (a packet, an error to collect, or a signal
    /// that may have set the stop flag), `Ok(false)` when the time passed.
    #[cfg(unix)]
    fn wait(&self, limit: Duration) -> std::io::Result<bool> {
        use std::os::fd::AsRawFd;
        ffi::poll_readable(self.cap.as_raw_fd(), limit)
    }

    /// libpcap already waited for the read timeout.
    #[cfg(not(unix))]
    fn wait(&self, _limit: Duration) -> std::io::Result<bool> {
        Ok(false)
    }

    /// A handle on the counters this source publishes as it reads (every
    /// few thousand packets and whenever the link is idle).
    pub fn kernel_handle(&self) -> Arc<SharedKernelStats> {
        Arc::clone(&self.published)
    }

    /// Asks the kernel for its counters now. Failures keep the last values
    /// (some platforms cannot report them).
    pub fn refresh_kernel_stats(&mut self) -> KernelStats {
        match self.cap.stats() {
            Ok(s) => {
                let k = self.kernel.update([s.received, s.dropped, s.if_dropped]);
                self.published.store(k);
                k
            }
            Err(e) => {
                tracing::debug!("{}: pcap_stats failed: {e}", self.interface);
                self.kernel.total
            }
        }
    }

    /// Kernel counters as of the last refresh (refreshed on idle reads,
    /// every few thousand packets and whenever reading returns).
    pub fn kernel_stats(&self) -> KernelStats {
        self.kernel.total
    }

    /// Packets and bytes delivered so far (`files` stays 0).
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// The read error that ended the capture, if any (taking it lets a
    /// later [`LiveSource::for_each_packet`] try again).
    pub fn take_error(&mut self) -> Option<LiveError> {
        self.error.take()
    }

    /// A live capture has no file names; always `None` (same API as
    /// [`super::OfflineSource::pcap_filename`]).
    pub fn pcap_filename(&self, _file_index: usize) -> Option<&Path> {
        None
    }

    /// The interface name.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The BPF filter in force.
    pub fn bpf(&self) -> Option<&str> {
        self.bpf.as_deref()
    }

    /// Link layer of the packets.
    pub fn linktype(&self) -> LinkType {
        self.linktype
    }

    /// The DLT value libpcap reports and its name (`EN10MB`).
    pub fn dlt(&self) -> (i32, String) {
        let name = pcap::Linktype(self.dlt)
            .get_name()
            .unwrap_or_else(|_| self.dlt.to_string());
        (self.dlt, name)
    }

    /// The snap length in force.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// True when timestamps have nanosecond resolution (else microseconds).
    pub fn nanosecond_timestamps(&self) -> bool {
        self.nanos
    }
}

/// libpcap's own text without the crate's "libpcap error:" prefix.
fn pcap_message(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(s) => s,
        other => other.to_string(),
    }
}

/// Sorts an activation failure into the cases an operator acts on
/// differently. libpcap's status code is not exposed by the `pcap` crate,
/// so the text is matched; an unrecognised text falls back to asking
/// libpcap whether the interface exists at all.
fn open_error(iface: &str, e: pcap::Error) -> LiveError {
    let message = pcap_message(e);
    match classify(&message) {
        Some(Class::Permission) => LiveError::PermissionDenied {
            interface: iface.to_string(),
            message,
        },
        Some(Class::NoSuchDevice) => LiveError::NoSuchInterface {
            interface: iface.to_string(),
        },
        None => {
            let listed = list_interfaces()
                .map(|l| l.iter().any(|i| i.name == iface))
                .unwrap_or(true);
            if listed {
                LiveError::Open {
                    interface: iface.to_string(),
                    message,
                }
            } else {
                LiveError::NoSuchInterface {
                    interface: iface.to_string(),
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Class {
    Permission,
    NoSuchDevice,
}

fn classify(message: &str) -> Option<Class> {
    let m = message.to_ascii_lowercase();
    if [
        "permission",
        "not permitted",
        "cap_net_raw",
        "access denied",
    ]
    .iter()
    .any(|k| m.contains(k))
    {
        Some(Class::Permission)
    } else if ["no such device", "doesn't exist", "no such interface"]
        .iter()
        .any(|k| m.contains(k))
    {
        Some(Class::NoSuchDevice)
    } else {
        None
    }
}

/// With nanosecond precision libpcap puts nanoseconds in `tv_usec`.
fn timestamp(h: &pcap::PacketHeader, nanos: bool) -> Timestamp {
    // time_t / suseconds_t vary by platform; both fit i64.
    #[allow(clippy::unnecessary_cast)]
    let (secs, frac) = (h.ts.tv_sec as i64, h.ts.tv_usec as i64);
    to_timestamp(secs, frac, nanos)
}

fn to_timestamp(secs: i64, frac: i64, nanos: bool) -> Timestamp {
    let frac = u32::try_from(frac).unwrap_or(0);
    let ns = if nanos {
        frac
    } else {
        frac.saturating_mul(1000)
    };
    Timestamp::new(secs, ns)
}

/// Two libpcap getters the `pcap` crate does not wrap (both only read a
/// field of the live handle), and `poll(2)`.
mod ffi {
    use std::ffi::{c_int, c_void};
    use std::time::Duration;

    use pcap::{Active, Capture};

    /// `PCAP_TSTAMP_PRECISION_NANO`.
    const PRECISION_NANO: c_int = 1;

    extern "C" {
        fn pcap_get_tstamp_precision(p: *mut c_void) -> c_int;
        fn pcap_snapshot(p: *mut c_void) -> c_int;
    }

    /// Whether libpcap honoured the request for nanosecond timestamps
    /// (`pcap_set_tstamp_precision` fails silently where unsupported).
    pub(super) fn nanosecond_precision(cap: &Capture<Active>) -> bool {
        // SAFETY: `cap` owns a valid, activated pcap_t for the duration of
        // the call; the function only reads the handle's configuration.
        unsafe { pcap_get_tstamp_precision(cap.as_ptr().cast()) == PRECISION_NANO }
    }

    /// The snap length libpcap actually applies (it may lower the request).
    pub(super) fn snapshot(cap: &Capture<Active>) -> Option<u32> {
        // SAFETY: as above; `pcap_snapshot` reads one field of the handle.
        let n = unsafe { pcap_snapshot(cap.as_ptr().cast()) };
        u32::try_from(n).ok().filter(|&n| n > 0)
    }

    /// Waits until `fd` is readable (or in error) or `timeout` passes;
    /// true unless the time passed. A signal counts as a wake-up, so the
    /// caller re-checks its stop flag at once.
    #[cfg(unix)]
    pub(super) fn poll_readable(fd: c_int, timeout: Duration) -> std::io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: `pfd` is one valid pollfd and we pass a length of 1.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        match rc {
            0 => Ok(false),
            n if n > 0 && pfd.revents & libc::POLLNVAL != 0 => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "capture descriptor is not open",
            )),
            n if n > 0 => Ok(true),
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    Ok(true)
                } else {
                    Err(e)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_libpcap_messages() {
        for m in [
            "socket: Operation not permitted",
            "You don't have permission to capture on that device",
            "Attempt to create packet socket failed - CAP_NET_RAW may be required",
        ] {
            assert_eq!(classify(m), Some(Class::Permission), "{m}");
        }
        for m in ["No such device exists", "SIOCGIFHWADDR: No such device"] {
            assert_eq!(classify(m), Some(Class::NoSuchDevice), "{m}");
        }
        assert_eq!(classify("can't mmap rx ring: Invalid argument"), None);
    }

    #[test]
    fn errors_name_the_interface_and_the_remedy() {
        let e = open_error(
            "eth9",
            pcap::Error::PcapError("socket: Operation not permitted".into()),
        );
        let msg = e.to_string();
        assert!(msg.starts_with("eth9: "), "{msg}");
        assert!(msg.contains("root or CAP_NET_RAW"), "{msg}");
        let e = open_error(
            "nope0",
            pcap::Error::PcapError("No such device exists".into()),
        );
        assert_eq!(
            e.to_string(),
            "nope0: no such interface (see `sigil list-interfaces`)"
        );
        let e = LiveError::Filter {
            interface: "lo".into(),
            expression: "tcp port".into(),
            message: "syntax error".into(),
        };
        assert_eq!(
            e.to_string(),
            "lo: invalid BPF filter \"tcp port\": syntax error"
        );
    }

    #[test]
    fn rejects_bad_config_before_touching_libpcap() {
        let mut cfg = LiveConfig::new("lo");
        cfg.snaplen = 0;
        let e = LiveSource::open(&cfg).unwrap_err();
        assert!(matches!(e, LiveError::Config { .. }), "{e}");
        cfg.snaplen = DEFAULT_SNAPLEN + 1;
        assert!(LiveSource::open(&cfg).is_err());
        let e = LiveSource::open(&LiveConfig::new("")).unwrap_err();
        assert!(e.to_string().contains("empty interface name"));
    }

    #[test]
    fn timestamps_scale_by_precision() {
        assert_eq!(to_timestamp(5, 7, true), Timestamp::new(5, 7));
        assert_eq!(to_timestamp(5, 7, false), Timestamp::new(5, 7_000));
        assert_eq!(to_timestamp(5, -1, true), Timestamp::new(5, 0));
        // A bogus microsecond field past one second carries into the seconds.
        assert_eq!(
            to_timestamp(5, 1_500_000, false),
            Timestamp::new(6, 500_000_000)
        );
    }

    #[test]
    fn kernel_counters_survive_32_bit_wrap() {
        let mut c = WrappingCounters::default();
        assert_eq!(c.update([10, 1, 0]).received, 10);
        c.update([u32::MAX - 5, 2, 0]);
        let s = c.update([4, 3, 1]);
        assert_eq!(s.received, u64::from(u32::MAX) + 5);
        assert_eq!(s.dropped, 3);
        assert_eq!(s.if_dropped, 1);
    }

    #[test]
    fn flag_words_follow_tcpdump() {
        let i = InterfaceInfo {
            name: "lo".into(),
            description: None,
            up: true,
            running: true,
            loopback: true,
            wireless: false,
            connection: "not applicable",
            addresses: vec![],
        };
        assert_eq!(i.flag_words(), ["Up", "Running", "Loopback"]);
    }

    #[test]
    fn listing_includes_loopback() {
        // pcap_findalldevs needs no privileges on Linux.
        let Ok(list) = list_interfaces() else {
            return;
        };
        assert!(list.iter().any(|i| i.loopback), "{list:?}");
    }
}
