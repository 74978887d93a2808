//! A minimal flow tracker: who is the client, is the flow established, and
//! per-direction counters, for the `flow` keyword and EVE flow records.
//!
//! Both directions of a conversation map to one entry through a normalised
//! key. Packet time (not wall-clock time) drives timeouts, so offline runs
//! are reproducible. Expiry and the full-table eviction use two lazy
//! min-heaps (by deadline and by last activity): an entry is re-queued
//! rather than updated when a flow sees traffic, so a packet costs O(1)
//! hash work and eviction is O(log n) amortised.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::IpAddr;

use sigil_rules::packet::{ipproto, FlowInfo};

use crate::capture::Timestamp;
use crate::decode::{tcp_flags, Decoded, Transport};

/// Flow ids are masked to 51 bits, as Suricata does, so they survive being
/// read as JSON doubles (53-bit mantissa).
pub const FLOW_ID_MASK: u64 = (1 << 51) - 1;

/// Timeouts in seconds of packet time, per protocol and state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowTimeouts {
    /// TCP before the handshake completes.
    pub tcp_new: u64,
    /// TCP once established.
    pub tcp_established: u64,
    /// TCP after FIN both ways or RST.
    pub tcp_closed: u64,
    /// UDP seen one way.
    pub udp_new: u64,
    /// UDP seen both ways.
    pub udp_established: u64,
    /// ICMP, either state.
    pub icmp: u64,
    /// Other protocols seen one way.
    pub other_new: u64,
    /// Other protocols seen both ways.
    pub other_established: u64,
}

impl Default for FlowTimeouts {
    fn default() -> Self {
        FlowTimeouts {
            tcp_new: 30,
            tcp_established: 600,
            tcp_closed: 10,
            udp_new: 30,
            udp_established: 120,
            icmp: 30,
            other_new: 30,
            other_established: 300,
        }
    }
}

/// Flow table configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowConfig {
    /// Most flows kept at once; when full, the least recently active flow
    /// is evicted to make room.
    pub max_flows: usize,
    /// Inactivity timeouts.
    pub timeouts: FlowTimeouts,
    /// TCP sessions picked up without a handshake count as established
    /// once both sides spoke (Suricata's `stream.midstream`); otherwise
    /// only a three-way handshake establishes them.
    pub midstream: bool,
    /// The outer VLAN id is part of the flow key (Suricata's
    /// `vlan.use-for-tracking`, default on). Off where a network tags the
    /// two directions of a conversation differently.
    pub vlan_tracking: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            max_flows: 65_536,
            timeouts: FlowTimeouts::default(),
            midstream: false,
            vlan_tracking: true,
        }
    }
}

/// A packet's 5-tuple (+ outer VLAN id) as seen on the wire, src → dst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Sender address.
    pub src: IpAddr,
    /// Receiver address.
    pub dst: IpAddr,
    /// Sender port (ICMP echo: the identifier; other ICMP: the type).
    pub sport: u16,
    /// Receiver port (ICMP echo: the identifier; other ICMP: the code).
    pub dport: u16,
    /// IP protocol.
    pub proto: u8,
    /// Outermost VLAN id, 0 when untagged.
    pub vlan: u16,
}

/// The addresses, ports and protocol of the IPv4 TCP/UDP packet an ICMPv4
/// error quotes (its header and at least the first 4 transport bytes).
fn quoted_v4(b: &[u8]) -> Option<(IpAddr, IpAddr, u16, u16, u8)> {
    let first = *b.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    let proto = *b.get(9)?;
    if first >> 4 != 4 || ihl < 20 || !matches!(proto, 6 | 17) {
        return None;
    }
    let addr = |at: usize| -> Option<IpAddr> {
        let o: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(IpAddr::from(o))
    };
    let port = |at: usize| Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]));
    Some((addr(12)?, addr(16)?, port(ihl)?, port(ihl + 2)?, proto))
}

/// As [`quoted_v4`] for an ICMPv6 error quoting an IPv6 TCP/UDP packet
/// (no extension headers).
fn quoted_v6(b: &[u8]) -> Option<(IpAddr, IpAddr, u16, u16, u8)> {
    let proto = *b.get(6)?;
    if *b.first()? >> 4 != 6 || !matches!(proto, 6 | 17) {
        return None;
    }
    let addr = |at: usize| -> Option<IpAddr> {
        let o: [u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
        Some(IpAddr::from(o))
    };
    let port = |at: usize| Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]));
    Some((addr(8)?, addr(24)?, port(40)?, port(42)?, proto))
}

/// A SYN that can start a TCP session: without ACK, FIN or RST (Suricata
/// gives a SYN+FIN scan probe no session).
fn opens_session(flags: u8) -> bool {
    flags & (tcp_flags::SYN | tcp_flags::ACK | tcp_flags::FIN | tcp_flags::RST) == tcp_flags::SYN
}

/// ICMPv4 messages that quote the packet they are about: destination
/// unreachable, source quench, redirect, time exceeded, parameter problem.
fn is_icmpv4_error(itype: u8) -> bool {
    matches!(itype, 3 | 4 | 5 | 11 | 12)
}

impl FlowKey {
    /// The key of a decoded packet; `None` without an IP layer.
    ///
    /// ICMP messages other than errors use ports 0, so requests and
    /// replies between two hosts share a flow (as in Suricata). Packets
    /// without a transport header (other protocols) use ports 0 too.
    pub fn from_decoded(d: &Decoded<'_>) -> Option<FlowKey> {
        let ip = d.ip.as_ref()?;
        let (sport, dport) = match &d.transport {
            Some(Transport::Tcp(t)) => (t.sport, t.dport),
            Some(Transport::Udp(u)) => (u.sport, u.dport),
            // Suricata keys ICMP flows by the address pair alone (its
            // "ports" are constants): every echo, timestamp or other
            // informational message between two hosts is one flow, as on
            // the corpus' Nmap pings. Error messages (which Suricata files
            // under the flow of the packet they quote) keep type and code.
            Some(Transport::Icmpv4(i)) if is_icmpv4_error(i.itype) => {
                (u16::from(i.itype), u16::from(i.icode))
            }
            Some(Transport::Icmpv6(i)) if (1..=4).contains(&i.itype) => {
                (u16::from(i.itype), u16::from(i.icode))
            }
            Some(Transport::Icmpv4(_)) | Some(Transport::Icmpv6(_)) => (0, 0),
            None => (0, 0),
        };
        Some(FlowKey {
            src: ip.src,
            dst: ip.dst,
            sport,
            dport,
            proto: ip.proto,
            vlan: d.vlan.outer().unwrap_or(0),
        })
    }

    /// For an ICMP destination-unreachable message that quotes a TCP or
    /// UDP packet: the key of the quoted packet's flow, oriented as the
    /// error travels (from the quoted packet's destination back to its
    /// source). Suricata files such errors under that flow.
    pub fn quoted_flow(d: &Decoded<'_>) -> Option<FlowKey> {
        let quoted = match d.transport? {
            Transport::Icmpv4(i) if i.itype == 3 => quoted_v4(d.payload)?,
            Transport::Icmpv6(i) if i.itype == 1 => quoted_v6(d.payload)?,
            _ => return None,
        };
        let (src, dst, sport, dport, proto) = quoted;
        Some(FlowKey {
            src: dst,
            dst: src,
            sport: dport,
            dport: sport,
            proto,
            vlan: d.vlan.outer().unwrap_or(0),
        })
    }

    /// The same key seen from the other side.
    pub fn reversed(&self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
            ..*self
        }
    }

    /// The direction-free key, and whether this packet's sender is its `a` side.
    fn normalise(&self) -> (NormKey, bool) {
        let src_is_a = (self.src, self.sport) <= (self.dst, self.dport);
        let (a, a_port, b, b_port) = if src_is_a {
            (self.src, self.sport, self.dst, self.dport)
        } else {
            (self.dst, self.dport, self.src, self.sport)
        };
        let key = NormKey {
            a,
            b,
            a_port,
            b_port,
            proto: self.proto,
            vlan: self.vlan,
        };
        (key, src_is_a)
    }
}

/// Direction-free flow key: the smaller (address, port) endpoint is `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct NormKey {
    a: IpAddr,
    b: IpAddr,
    a_port: u16,
    b_port: u16,
    proto: u8,
    vlan: u16,
}

/// Which way a packet travels relative to the flow's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client (initiator) to the server.
    ToServer,
    /// From the server back to the client.
    ToClient,
}

/// TCP connection state as far as this tracker follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    /// Picked up mid-stream, not yet seen both ways.
    New,
    /// SYN seen from the client.
    SynSent,
    /// SYN-ACK seen from the server.
    SynRecv,
    /// Handshake completed, or mid-stream traffic seen both ways.
    Established,
    /// FIN seen both ways, or a RST.
    Closed,
}

/// What the tracker needs from a packet besides its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketMeta {
    /// Packet time.
    pub ts: Timestamp,
    /// TCP flags, for TCP segments.
    pub tcp_flags: Option<u8>,
    /// Bytes counted for the packet (its captured or wire length).
    pub len: u32,
    /// An ICMP error filed under the flow of the packet it quotes: counted,
    /// but it moves no flow state (as in Suricata).
    pub quoted: bool,
}

impl PacketMeta {
    /// Metadata of a decoded packet of `len` bytes at `ts`.
    pub fn from_decoded(ts: Timestamp, d: &Decoded<'_>, len: u32) -> Self {
        PacketMeta {
            ts,
            tcp_flags: d.tcp_flags(),
            len,
            quoted: false,
        }
    }
}

/// Why a flow ended (EVE `flow.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Its timeout passed (or a new connection reused the closed tuple).
    Timeout,
    /// Evicted to make room when the table was full.
    Forced,
    /// Still open when the capture ended.
    Shutdown,
}

impl EndReason {
    /// Suricata's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Timeout => "timeout",
            EndReason::Forced => "forced",
            EndReason::Shutdown => "shutdown",
        }
    }
}

/// One tracked flow, with the worker's own per-flow state `T` (stream
/// sessions, flowbits, app-layer state…) kept inline so that one lookup
/// finds everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow<T = ()> {
    /// Stable id (51 bits) from the key and the first packet's time.
    pub flow_id: u64,
    /// The flow oriented client → server.
    pub key: FlowKey,
    /// Time of the first packet.
    pub first_ts: Timestamp,
    /// Time of the latest packet.
    pub last_ts: Timestamp,
    /// Packets from the client.
    pub pkts_toserver: u64,
    /// Packets from the server.
    pub pkts_toclient: u64,
    /// Bytes from the client.
    pub bytes_toserver: u64,
    /// Bytes from the server.
    pub bytes_toclient: u64,
    /// TCP state (`None` for other protocols).
    pub tcp_state: Option<TcpState>,
    /// TCP flags seen from the client, OR-ed.
    pub tcp_flags_toserver: u8,
    /// TCP flags seen from the server, OR-ed.
    pub tcp_flags_toclient: u8,
    established: bool,
    client_is_a: bool,
    fin_toserver: bool,
    fin_toclient: bool,
    generation: u64,
    /// `established` before the latest packet.
    was_established: bool,
    /// ICMP errors counted in (to server, to client): they do not make a
    /// direction seen.
    quoted: [u64; 2],
    /// Set when the flow leaves the table.
    pub end_reason: Option<EndReason>,
    /// The worker's per-flow state.
    pub data: T,
}

impl<T> Flow<T> {
    /// Turns the flow round: the side taken for the client is the server
    /// (Suricata's flow swap when the application layer sees a response
    /// first, e.g. a capture that starts mid-connection).
    pub fn swap_direction(&mut self) {
        self.key = self.key.reversed();
        self.client_is_a = !self.client_is_a;
        std::mem::swap(&mut self.pkts_toserver, &mut self.pkts_toclient);
        std::mem::swap(&mut self.bytes_toserver, &mut self.bytes_toclient);
        std::mem::swap(&mut self.tcp_flags_toserver, &mut self.tcp_flags_toclient);
        std::mem::swap(&mut self.fin_toserver, &mut self.fin_toclient);
        self.quoted.swap(0, 1);
    }

    /// True once the flow counts as established for the `flow` keyword. It
    /// stays true while the connection closes.
    pub fn is_established(&self) -> bool {
        self.established
    }

    /// The `flow` keyword's view of a packet travelling in `dir`. For TCP
    /// it is the state before the latest packet, as Suricata's flow
    /// keyword sees it: the ACK completing the handshake is not yet
    /// "established".
    pub fn info(&self, dir: Direction) -> FlowInfo {
        FlowInfo {
            to_server: dir == Direction::ToServer,
            established: if self.tcp_state.is_some() {
                self.was_established
            } else {
                self.established
            },
            from_stream: false,
            // The counters include the packet being handled.
            ip_only_done: match dir {
                Direction::ToServer => self.pkts_toserver > 1,
                Direction::ToClient => self.pkts_toclient > 1,
            },
            // Filled by the stream tracker when it follows the session.
            ..FlowInfo::default()
        }
    }

    /// The TCP state as Suricata names it in EVE flow records: an
    /// established session where only the client sent FIN is `close_wait`
    /// (Suricata tracks the state as the server sees it), only the server
    /// `fin_wait1`.
    pub fn tcp_state_name(&self) -> Option<&'static str> {
        Some(match self.tcp_state? {
            TcpState::New => "none",
            TcpState::SynSent => "syn_sent",
            TcpState::SynRecv => "syn_recv",
            TcpState::Established => match (self.fin_toserver, self.fin_toclient) {
                (true, false) => "close_wait",
                (false, true) => "fin_wait1",
                _ => "established",
            },
            TcpState::Closed => "closed",
        })
    }

    fn timeout(&self, t: &FlowTimeouts) -> u64 {
        match (self.key.proto, self.tcp_state) {
            (_, Some(TcpState::Closed)) => t.tcp_closed,
            (_, Some(TcpState::Established)) => t.tcp_established,
            (_, Some(_)) => t.tcp_new,
            (ipproto::UDP, None) if self.established => t.udp_established,
            (ipproto::UDP, None) => t.udp_new,
            (ipproto::ICMP | ipproto::ICMPV6, None) => t.icmp,
            (_, None) if self.established => t.other_established,
            (_, None) => t.other_new,
        }
    }

    fn deadline(&self, t: &FlowTimeouts) -> i128 {
        self.last_ts.plus_secs(self.timeout(t)).as_nanos()
    }

    fn direction(&self, src_is_a: bool) -> Direction {
        if src_is_a == self.client_is_a {
            Direction::ToServer
        } else {
            Direction::ToClient
        }
    }

    /// Accounts one packet and advances the state machine.
    fn update(&mut self, dir: Direction, pkt: &PacketMeta, midstream: bool) {
        self.was_established = self.established;
        if pkt.ts > self.last_ts {
            self.last_ts = pkt.ts;
        }
        let mut flags = pkt.tcp_flags.unwrap_or(0);
        // A TCP flow that did not start with a SYN has no session when
        // mid-stream pick-up is off (Suricata's default): its packets are
        // counted, but neither their flags nor a RST or FIN change its
        // state, as on the corpus' FIN/Xmas/NULL scans.
        let no_session =
            self.tcp_state == Some(TcpState::New) && !midstream && !opens_session(flags);
        if no_session {
            flags = 0;
        }
        match dir {
            Direction::ToServer => {
                self.pkts_toserver += 1;
                self.bytes_toserver += u64::from(pkt.len);
                self.tcp_flags_toserver |= flags;
            }
            Direction::ToClient => {
                self.pkts_toclient += 1;
                self.bytes_toclient += u64::from(pkt.len);
                self.tcp_flags_toclient |= flags;
            }
        }
        if no_session {
            return;
        }
        if pkt.quoted {
            self.quoted[usize::from(dir == Direction::ToClient)] += 1;
            return;
        }
        let both_ways = self.pkts_toserver > self.quoted[0] && self.pkts_toclient > self.quoted[1];
        let Some(state) = self.tcp_state else {
            self.established |= both_ways;
            return;
        };
        let syn = flags & tcp_flags::SYN != 0;
        let ack = flags & tcp_flags::ACK != 0;
        let rst = flags & tcp_flags::RST != 0;
        let next = match state {
            TcpState::SynSent if dir == Direction::ToClient && syn && ack => TcpState::SynRecv,
            TcpState::SynRecv if dir == Direction::ToServer && ack && !syn && !rst => {
                TcpState::Established
            }
            TcpState::New if both_ways && midstream => TcpState::Established,
            s => s,
        };
        self.set_tcp_state(next);
        if flags & tcp_flags::FIN != 0 {
            match dir {
                Direction::ToServer => self.fin_toserver = true,
                Direction::ToClient => self.fin_toclient = true,
            }
        }
        if rst || (self.fin_toserver && self.fin_toclient) {
            self.set_tcp_state(TcpState::Closed);
        }
    }

    fn set_tcp_state(&mut self, s: TcpState) {
        if s == TcpState::Established {
            self.established = true;
        }
        self.tcp_state = Some(s);
    }
}

/// Counters of the flow table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlowStats {
    /// Flows created.
    pub created: u64,
    /// Flows ended by inactivity timeout.
    pub timed_out: u64,
    /// Flows evicted because the table was full.
    pub evicted_full: u64,
    /// TCP flows ended because a new SYN reused a closed flow's tuple.
    pub reused: u64,
}

/// The flow table of one worker.
#[derive(Debug)]
pub struct FlowTable<T = ()> {
    cfg: FlowConfig,
    /// Boxed: a flow with its parser state is large, and inline values
    /// made every insert (and every growth of the table) copy and zero
    /// pages of them — 5 % of a decode-only pass.
    flows: HashMap<NormKey, Box<Flow<T>>, foldhash::fast::RandomState>,
    /// (deadline, generation, key), lazily re-queued.
    by_deadline: BinaryHeap<Reverse<(i128, u64, NormKey)>>,
    /// (last activity, generation, key), lazily re-queued.
    by_activity: BinaryHeap<Reverse<(i128, u64, NormKey)>>,
    ended: Vec<Flow<T>>,
    next_generation: u64,
    stats: FlowStats,
}

impl<T: Default> FlowTable<T> {
    /// An empty table. A `max_flows` of 0 is treated as 1.
    pub fn new(cfg: FlowConfig) -> Self {
        FlowTable {
            cfg: FlowConfig {
                max_flows: cfg.max_flows.max(1),
                ..cfg
            },
            flows: HashMap::default(),
            by_deadline: BinaryHeap::new(),
            by_activity: BinaryHeap::new(),
            ended: Vec::new(),
            next_generation: 0,
            stats: FlowStats::default(),
        }
    }

    /// Finds the packet's flow (creating it if needed), accounts the packet
    /// and returns the flow with the packet's direction.
    ///
    /// A packet ends only its own key's flow when that one timed out (or a
    /// new SYN reuses a closed one). Other idle flows are ended by
    /// [`FlowTable::expire`], which the owner calls on a clock that does
    /// not depend on which packets reached this table: a worker sees only
    /// its shard of the traffic, so sweeping "at its next packet" would
    /// place `flow` records (and end-of-flow alerts) differently for each
    /// number of workers. A full table is the exception: it sweeps at
    /// `pkt.ts` before evicting a live flow.
    pub fn lookup_or_create(
        &mut self,
        key: &FlowKey,
        pkt: &PacketMeta,
    ) -> (&mut Flow<T>, Direction) {
        let (nk, src_is_a) = self.tracked(key).normalise();
        let flags = pkt.tcp_flags.unwrap_or(0);
        let new_syn = flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
        let end_existing = self.flows.get(&nk).map(|f| {
            if pkt.ts.as_nanos() > f.deadline(&self.cfg.timeouts) {
                Some(false)
            } else if f.tcp_state == Some(TcpState::Closed) && new_syn {
                Some(true)
            } else {
                None
            }
        });
        if let Some(Some(reused)) = end_existing {
            if let Some(mut old) = self.flows.remove(&nk) {
                if reused {
                    self.stats.reused += 1;
                } else {
                    self.stats.timed_out += 1;
                }
                old.end_reason = Some(EndReason::Timeout);
                self.ended.push(*old);
            }
        }
        let is_new = !self.flows.contains_key(&nk);
        if is_new {
            if self.flows.len() >= self.cfg.max_flows {
                self.expire(pkt.ts);
            }
            while self.flows.len() >= self.cfg.max_flows {
                if !self.evict_least_active() {
                    break;
                }
            }
            self.prune_heaps();
            self.next_generation += 1;
            self.stats.created += 1;
        }
        let generation = self.next_generation;
        let flow: &mut Flow<T> = self
            .flows
            .entry(nk)
            .or_insert_with(|| Box::new(new_flow(key, nk, src_is_a, pkt, generation)));
        if is_new {
            let deadline = flow.deadline(&self.cfg.timeouts);
            self.by_deadline.push(Reverse((deadline, generation, nk)));
            self.by_activity
                .push(Reverse((pkt.ts.as_nanos(), generation, nk)));
        }
        let dir = flow.direction(src_is_a);
        let before = flow.deadline(&self.cfg.timeouts);
        flow.update(dir, pkt, self.cfg.midstream);
        // A shorter timeout (closing) moves the deadline earlier than the
        // queued one: queue it again so the sweep does not end it late.
        let after = flow.deadline(&self.cfg.timeouts);
        if after < before {
            self.by_deadline.push(Reverse((after, flow.generation, nk)));
        }
        (flow, dir)
    }

    /// `key` as the table files it: without the VLAN id when VLANs are not
    /// used for tracking.
    fn tracked(&self, key: &FlowKey) -> FlowKey {
        if self.cfg.vlan_tracking {
            *key
        } else {
            FlowKey { vlan: 0, ..*key }
        }
    }

    /// The `flow` keyword's view of a packet with `key`, without accounting
    /// it; `None` when no flow exists for it.
    pub fn flow_info(&self, key: &FlowKey) -> Option<FlowInfo> {
        let (nk, src_is_a) = self.tracked(key).normalise();
        let f = self.flows.get(&nk)?;
        Some(f.info(f.direction(src_is_a)))
    }

    /// Ends every flow whose timeout passed at `now`; they become available
    /// from [`FlowTable::take_ended`].
    pub fn expire(&mut self, now: Timestamp) {
        let now_ns = now.as_nanos();
        while let Some(Reverse((deadline, generation, nk))) = self.by_deadline.peek().copied() {
            if deadline >= now_ns {
                break;
            }
            self.by_deadline.pop();
            let Some(f) = self.flows.get(&nk) else {
                continue;
            };
            if f.generation != generation {
                continue;
            }
            let current = f.deadline(&self.cfg.timeouts);
            if current >= now_ns {
                self.by_deadline.push(Reverse((current, generation, nk)));
                continue;
            }
            if let Some(mut old) = self.flows.remove(&nk) {
                self.stats.timed_out += 1;
                old.end_reason = Some(EndReason::Timeout);
                self.ended.push(*old);
            }
        }
    }

    /// Flows that ended (timeout, eviction, reuse) since the last call.
    pub fn take_ended(&mut self) -> Vec<Flow<T>> {
        std::mem::take(&mut self.ended)
    }

    /// Ends all flows and returns them with any not yet taken, ordered by
    /// first packet time, then flow id.
    pub fn drain(&mut self) -> Vec<Flow<T>> {
        let mut all = std::mem::take(&mut self.ended);
        all.extend(self.flows.drain().map(|(_, f)| {
            let mut f = *f;
            f.end_reason = Some(EndReason::Shutdown);
            f
        }));
        self.by_deadline.clear();
        self.by_activity.clear();
        all.sort_by_key(|f| (f.first_ts, f.flow_id));
        all
    }

    /// Number of live flows.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// True when no flow is live.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Counters so far.
    pub fn stats(&self) -> &FlowStats {
        &self.stats
    }

    /// Evicts the flow with the oldest last activity. False when none is left.
    fn evict_least_active(&mut self) -> bool {
        while let Some(Reverse((at, generation, nk))) = self.by_activity.pop() {
            let Some(f) = self.flows.get(&nk) else {
                continue;
            };
            if f.generation != generation {
                continue;
            }
            let current = f.last_ts.as_nanos();
            if current != at {
                self.by_activity.push(Reverse((current, generation, nk)));
                continue;
            }
            if let Some(mut old) = self.flows.remove(&nk) {
                self.stats.evicted_full += 1;
                old.end_reason = Some(EndReason::Forced);
                self.ended.push(*old);
                return true;
            }
        }
        false
    }

    /// Drops heap entries of flows that no longer exist once they dominate,
    /// so the heaps stay proportional to the live flows.
    fn prune_heaps(&mut self) {
        let limit = 2 * self.flows.len() + 1024;
        if self.by_activity.len() > limit {
            let flows = &self.flows;
            self.by_activity
                .retain(|Reverse((_, g, k))| flows.get(k).is_some_and(|f| f.generation == *g));
        }
        if self.by_deadline.len() > limit {
            let flows = &self.flows;
            self.by_deadline
                .retain(|Reverse((_, g, k))| flows.get(k).is_some_and(|f| f.generation == *g));
        }
    }
}

/// A flow for the first packet seen with `key`.
fn new_flow<T: Default>(
    key: &FlowKey,
    nk: NormKey,
    src_is_a: bool,
    pkt: &PacketMeta,
    generation: u64,
) -> Flow<T> {
    let flags = pkt.tcp_flags.unwrap_or(0);
    let syn = flags & tcp_flags::SYN != 0;
    let ack = flags & tcp_flags::ACK != 0;
    let tcp = key.proto == ipproto::TCP;
    // A SYN-ACK seen first answers a SYN we missed: its receiver is the client.
    let sender_is_server = tcp && syn && ack;
    let tcp_state = tcp.then_some(match (syn, ack) {
        (true, false) if opens_session(flags) => TcpState::SynSent,
        (true, true) => TcpState::SynRecv,
        _ => TcpState::New,
    });
    Flow {
        flow_id: flow_id(&nk, pkt.ts),
        key: if sender_is_server {
            key.reversed()
        } else {
            *key
        },
        first_ts: pkt.ts,
        last_ts: pkt.ts,
        pkts_toserver: 0,
        pkts_toclient: 0,
        bytes_toserver: 0,
        bytes_toclient: 0,
        tcp_state,
        tcp_flags_toserver: 0,
        tcp_flags_toclient: 0,
        established: false,
        client_is_a: src_is_a != sender_is_server,
        fin_toserver: false,
        fin_toclient: false,
        generation,
        was_established: false,
        quoted: [0, 0],
        end_reason: None,
        data: T::default(),
    }
}

/// FNV-1a over the normalised key and first timestamp, finished with a
/// SplitMix64 mix, masked to 51 bits. Deterministic across runs, machines
/// and Rust versions (unlike `std`'s hasher), never 0.
fn flow_id(k: &NormKey, ts: Timestamp) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for addr in [k.a, k.b] {
        match addr {
            IpAddr::V4(a) => feed(&a.octets()),
            IpAddr::V6(a) => feed(&a.octets()),
        }
    }
    feed(&k.a_port.to_be_bytes());
    feed(&k.b_port.to_be_bytes());
    feed(&[k.proto]);
    feed(&k.vlan.to_be_bytes());
    feed(&ts.secs.to_be_bytes());
    feed(&ts.nanos.to_be_bytes());
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    match z & FLOW_ID_MASK {
        0 => 1,
        id => id,
    }
}

#[cfg(test)]
mod tests;
