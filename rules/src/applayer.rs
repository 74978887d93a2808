//! The application-layer part of a compiled rule and the rules that decide
//! which views of traffic a rule inspects.
//!
//! # Rule kinds
//!
//! * **Transaction rules** use at least one app-layer buffer (`http.uri`,
//!   `dns.query`, `content:"x"; http_uri;`, `pcre:"/x/U"` …) or tx-field
//!   keyword (`dns.opcode`, `tls.version` …). They are only matched by
//!   [`crate::RuleSet::match_tx`], once per transaction and packet; the
//!   engine dedupes alerts per (transaction, rule). Packet-payload keywords
//!   of such a rule (`pkt_data; content:"x"`) inspect the payload of the
//!   packet (or stream chunk) passed along.
//! * **Packet rules** are everything else, matched per packet (or stream
//!   chunk) by [`crate::RuleSet::match_flow_packet`]. An app-layer protocol
//!   in the header (`alert http …`) or `app-layer-protocol:` then only
//!   restricts them to flows whose detected protocol fits: like Suricata,
//!   `alert http any any -> any any (flow:established; sid:1;)` fires on
//!   every packet of every HTTP flow once the protocol is known (measured
//!   with Suricata 7: such rules alert per packet, without `tx_id`).
//!
//! # Packet or stream
//!
//! For packet rules with payload keywords and a `tcp` (or `ip`, or TCP
//! app-layer) header, when the flow's stream is reassembled
//! (`FlowInfo::stream_active`) the rule inspects stream-chunk views
//! (`from_stream`) and is skipped on packet views, as Suricata inspects
//! such rules on the reassembled stream. Exception: a rule with an
//! anchored `content` (`depth`, `offset` or `startswith`, any of its
//! contents) or a `stream_size` test is inspected on both, which is what
//! Suricata does (SIG_FLAG_REQUIRE_PACKET beside REQUIRE_STREAM: the
//! packet is inspected when the stream did not match; on our demo capture
//! such rules alert on the packet and again on the stream chunk). `tcp-stream` rules inspect stream views only,
//! `tcp-pkt` rules packet views only; with `stream_active` false, plain
//! `tcp` payload rules inspect packet views. Rules with a packet-header
//! keyword (`flags`, `ttl`, `seq`, `window`, `dsize` …) inspect packet views
//! only (Suricata's SIG_FLAG_REQUIRE_PACKET). Header-only rules (no payload
//! keyword) inspect packet views only.
//!
//! # Directions
//!
//! Each buffer has a side ([`Side`]); request-side buffers are inspected
//! on packets to the server, response-side ones on packets to the client,
//! `Both` buffers (`http.header`, `file.data` …) on the side the packet
//! travels. A `->` / `<>` rule mixing request and response buffers (or a
//! buffer and a contrary `flow:` direction) is rejected, as Suricata
//! rejects it ("rule mixes keywords with conflicting directions").
//! Transactional rules (`=>`, Suricata 8) may mix both: they are inspected
//! on packets to the client once the request side is complete, each buffer
//! taken from its own side; direction-ambiguous buffers take the side
//! given as their value (`http.header: to_client;`), else the request.

use crate::buffer::{AppProto, Buffer, Side};
use crate::packet::{ipproto, FlowInfo, PacketView};
use crate::program::{Program, Step};
use crate::transform::Transform;
use crate::txcheck::TxCheck;
use crate::uint::UintMatch;

/// An inspection list: a buffer with its transforms and, in `=>` rules,
/// an explicit side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub buffer: Buffer,
    pub transforms: Vec<Transform>,
    /// `Some(to_server)` when the rule fixed the side (`file.data: to_client`).
    pub dir: Option<bool>,
}

impl ListKey {
    /// The side the list is taken from.
    pub fn side(&self) -> Side {
        match self.dir {
            Some(true) => Side::ToServer,
            Some(false) => Side::ToClient,
            None => self.buffer.side(),
        }
    }
}

/// The keywords of one rule on one list.
#[derive(Debug)]
pub struct BufList {
    pub key: ListKey,
    pub program: Program,
    /// `bsize` / `urilen` comparisons on the (transformed) value's length.
    pub lengths: Vec<UintMatch>,
    /// The buffer can still grow and a keyword depends on its end: only
    /// inspect once the side is complete.
    pub needs_complete: bool,
    /// `absent` on the list's buffer (see [`Absent`]).
    pub absent: Option<Absent>,
}

/// The `absent` keyword: a buffer that is missing (or empty: Suricata does
/// not set up empty inspection buffers) matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// `absent`: the list matches only when the buffer is missing.
    Only,
    /// `absent: or_else`: missing, or some value satisfies the list's
    /// keywords.
    OrElse,
}

/// Which packet views a packet rule inspects (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StreamMode {
    /// Packet views only (header-only, `tcp-pkt`, `dsize` …): enforced by
    /// `CompiledRule::packet_only`.
    #[default]
    Packet,
    /// Stream views, and packet views while the flow has no stream.
    StreamPreferred,
    /// Packet and stream views (an anchored content, or `stream_size`).
    Both,
    /// `tcp-stream`: stream views only.
    StreamOnly,
}

/// On which packets a transaction rule is inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleDir {
    /// Packets to the server.
    ToServer,
    /// Packets to the client.
    ToClient,
    /// Either direction: `Both`-side buffers follow the packet.
    #[default]
    Either,
}

impl RuleDir {
    /// True when a packet travelling `to_server` is inspected.
    pub fn accepts(self, to_server: bool) -> bool {
        match self {
            RuleDir::ToServer => to_server,
            RuleDir::ToClient => !to_server,
            RuleDir::Either => true,
        }
    }
}

/// `app-layer-protocol:[!]name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlprotoCheck {
    /// The flow's protocol is this one.
    Is(AppProto),
    /// The flow's protocol is known and is not this one (Suricata: a
    /// negation never matches while the protocol is unknown).
    IsNot(AppProto),
    /// `unknown`: no protocol detected (yet).
    Unknown,
}

/// Which of the flow's protocols `app-layer-protocol:name,<mode>` looks at
/// (Suricata 8). Protocol detection runs per direction, so the two sides
/// can differ (or one be unknown yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlprotoMode {
    /// The one detected for the packet's direction (the default).
    #[default]
    Direction,
    /// The flow's protocol (the parser in use).
    Final,
    /// The flow's protocol before any change (Sigil changes none).
    Original,
    /// Either direction's.
    Either,
    /// The client's data's.
    ToServer,
    /// The server's data's.
    ToClient,
}

impl AlprotoMode {
    /// The mode named after the comma (`to_server` …).
    pub fn from_name(s: &str) -> Option<AlprotoMode> {
        Some(match s {
            "direction" => AlprotoMode::Direction,
            "final" => AlprotoMode::Final,
            "original" => AlprotoMode::Original,
            "either" => AlprotoMode::Either,
            "to_server" => AlprotoMode::ToServer,
            "to_client" => AlprotoMode::ToClient,
            _ => return None,
        })
    }
}

impl AlprotoCheck {
    fn holds(self, p: Option<AppProto>) -> bool {
        match self {
            AlprotoCheck::Is(a) => p.is_some_and(|p| a.covers(p, false)),
            AlprotoCheck::IsNot(a) => p.is_some_and(|p| !a.covers(p, false)),
            AlprotoCheck::Unknown => p.is_none(),
        }
    }

    /// The check under `mode` on a packet of flow `f`.
    pub fn holds_in(self, mode: AlprotoMode, f: &FlowInfo) -> bool {
        let [ts, tc] = f.app_proto_dir;
        match mode {
            AlprotoMode::Direction => self.holds(if f.to_server { ts } else { tc }),
            AlprotoMode::Final | AlprotoMode::Original => self.holds(f.app_proto),
            AlprotoMode::ToServer => self.holds(ts),
            AlprotoMode::ToClient => self.holds(tc),
            AlprotoMode::Either => match self {
                AlprotoCheck::Is(_) | AlprotoCheck::Unknown => self.holds(ts) || self.holds(tc),
                // Neither side is it, and at least one side is known.
                AlprotoCheck::IsNot(a) => {
                    let is = |p: Option<AppProto>| p.is_some_and(|p| a.covers(p, false));
                    (ts.is_some() || tc.is_some()) && !is(ts) && !is(tc)
                }
            },
        }
    }
}

/// Where a transaction rule's fast pattern lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FastList {
    /// The packet payload.
    Payload,
    /// `AppRule::lists[i]`.
    List(usize),
}

/// The application-layer part of a compiled rule.
#[derive(Debug, Default)]
pub struct AppRule {
    /// Protocol the flow / transaction must have (header or implied by
    /// the rule's buffers and keywords); `http` covers HTTP/2 too.
    pub proto: Option<AppProto>,
    /// `alert http1`: HTTP/1 flows and transactions only.
    pub http1_only: bool,
    /// Matched by `match_tx` instead of per packet.
    pub tx: bool,
    /// Buffer lists, in order of first use.
    pub lists: Vec<BufList>,
    /// Tx-field keywords.
    pub checks: Vec<TxCheck>,
    /// `app-layer-protocol` keywords.
    pub alproto: Vec<(AlprotoMode, AlprotoCheck)>,
    /// Transaction rules: packets inspected.
    pub dir: RuleDir,
    /// `=>` header.
    pub transactional: bool,
    /// Packet rules: views inspected.
    pub stream: StreamMode,
    /// Transaction rules: the list of the fast pattern, if any.
    pub fast: Option<FastList>,
    /// Only `app-layer-protocol` (with flow direction / `flowbits:set`):
    /// Suricata matches such a rule only on the packet flagged as
    /// completing protocol detection (`FlowInfo::proto_detected`).
    pub pd_only: bool,
}

impl AppRule {
    /// Whether a packet rule may inspect `pkt` (protocol, views). False for
    /// transaction rules, which only `match_tx` evaluates.
    pub fn packet_ok(&self, pkt: &PacketView) -> bool {
        if self.tx {
            return false;
        }
        if self.proto.is_some() && !pkt.flow.app_proto.is_some_and(|f| self.proto_covers(f)) {
            return false;
        }
        if !self.alproto_ok(&pkt.flow) || (self.pd_only && !pkt.flow.proto_detected) {
            return false;
        }
        if pkt.ip_proto == ipproto::TCP && !pkt.flow.from_stream {
            match self.stream {
                StreamMode::StreamOnly => return false,
                StreamMode::StreamPreferred if pkt.flow.stream_active => return false,
                _ => {}
            }
        }
        true
    }

    /// Whether a flow or transaction of protocol `p` is one this rule's
    /// protocol covers.
    pub fn proto_covers(&self, p: AppProto) -> bool {
        self.proto.is_some_and(|r| r.covers(p, self.http1_only))
    }

    /// `app-layer-protocol` checks (transaction rules too).
    pub fn alproto_ok(&self, f: &FlowInfo) -> bool {
        self.alproto.iter().all(|(m, c)| c.holds_in(*m, f))
    }

    /// Every program of the lists (for warming regexes).
    pub fn programs(&self) -> impl Iterator<Item = &Program> {
        self.lists.iter().map(|l| &l.program)
    }
}

/// The protocol whose transactions carry buffer `b`.
pub fn buffer_proto(b: Buffer) -> AppProto {
    let name = b.name();
    if name.starts_with("dns.") {
        AppProto::Dns
    } else if name.starts_with("tls.") || name.starts_with("ja3") || name.starts_with("ja4") {
        AppProto::Tls
    } else if name.starts_with("ssh.") {
        AppProto::Ssh
    } else {
        // http.* and file.* (Sigil extracts files from HTTP only).
        AppProto::Http
    }
}

/// Suricata's fast-pattern priority of a list (lower wins): most buffers
/// 2, the packet payload and `http.stat_msg` 3, `http.method` and
/// `http.stat_code` 4 (short, common values make poor prefilters).
pub fn fast_priority(b: Option<Buffer>) -> u8 {
    match b {
        None | Some(Buffer::HttpStatMsg) => 3,
        Some(Buffer::HttpMethod | Buffer::HttpStatCode) => 4,
        Some(_) => 2,
    }
}

/// Buffers that keep growing while their side is in progress.
pub fn is_streaming(b: Buffer) -> bool {
    matches!(
        b,
        Buffer::HttpRequestBody | Buffer::HttpResponseBody | Buffer::FileData
    )
}

/// True when a program's result may change as the buffer grows at its end.
pub fn depends_on_end(p: &Program, lengths: &[UintMatch]) -> bool {
    !lengths.is_empty()
        || p.steps.iter().any(|s| match s {
            Step::Content(c) => c.negated || c.endswith,
            Step::Pcre(p) => p.re.negated,
            Step::IsDataAt(d) => d.negated,
            // The value changes with every byte added.
            Step::Entropy(_) | Step::Asn1(_) => true,
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::FlowInfo;
    use std::net::{IpAddr, Ipv4Addr};

    #[test]
    fn buffer_protocols_and_priorities() {
        assert_eq!(buffer_proto(Buffer::HttpUri), AppProto::Http);
        assert_eq!(buffer_proto(Buffer::FileData), AppProto::Http);
        assert_eq!(buffer_proto(Buffer::DnsQuery), AppProto::Dns);
        assert_eq!(buffer_proto(Buffer::Ja3Hash), AppProto::Tls);
        assert_eq!(buffer_proto(Buffer::TlsSni), AppProto::Tls);
        assert_eq!(buffer_proto(Buffer::SshHassh), AppProto::Ssh);
        for b in Buffer::ALL {
            // Every buffer belongs to one of the parsed protocols.
            let _ = buffer_proto(*b);
        }
        assert!(fast_priority(Some(Buffer::HttpUri)) < fast_priority(None));
        assert!(fast_priority(None) < fast_priority(Some(Buffer::HttpMethod)));
    }

    #[test]
    fn packet_views() {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut p = PacketView::new(ip, ip, ipproto::TCP, b"x");
        let mut r = AppRule {
            stream: StreamMode::StreamPreferred,
            ..AppRule::default()
        };
        assert!(r.packet_ok(&p));
        p.flow = FlowInfo {
            stream_active: true,
            ..p.flow
        };
        assert!(!r.packet_ok(&p));
        p.flow.from_stream = true;
        assert!(r.packet_ok(&p));
        r.stream = StreamMode::StreamOnly;
        assert!(r.packet_ok(&p));
        p.flow.from_stream = false;
        p.flow.stream_active = false;
        assert!(!r.packet_ok(&p));
        r.stream = StreamMode::Both;
        r.proto = Some(AppProto::Http);
        assert!(!r.packet_ok(&p));
        p.flow.app_proto = Some(AppProto::Http);
        assert!(r.packet_ok(&p));
        p.flow.app_proto_dir = [Some(AppProto::Http), None];
        r.alproto = vec![(AlprotoMode::Direction, AlprotoCheck::IsNot(AppProto::Http))];
        assert!(!r.packet_ok(&p));
        r.tx = true;
        r.alproto.clear();
        assert!(!r.packet_ok(&p));
    }

    #[test]
    fn alproto_checks() {
        use AlprotoCheck::*;
        assert!(Is(AppProto::Dns).holds(Some(AppProto::Dns)));
        assert!(!Is(AppProto::Dns).holds(None));
        assert!(IsNot(AppProto::Http).holds(Some(AppProto::Tls)));
        assert!(!IsNot(AppProto::Http).holds(None));
        assert!(Unknown.holds(None));
        assert!(!Unknown.holds(Some(AppProto::Ssh)));
    }

    #[test]
    fn alproto_modes_pick_the_direction() {
        use AlprotoCheck::*;
        use AlprotoMode::*;
        // HTTP request answered by an SSH banner.
        let mut f = FlowInfo {
            to_server: false,
            app_proto: Some(AppProto::Http),
            app_proto_dir: [Some(AppProto::Http), Some(AppProto::Ssh)],
            ..FlowInfo::default()
        };
        assert!(Is(AppProto::Ssh).holds_in(Direction, &f));
        assert!(!Is(AppProto::Http).holds_in(Direction, &f));
        assert!(Is(AppProto::Http).holds_in(ToServer, &f));
        assert!(Is(AppProto::Ssh).holds_in(ToClient, &f));
        assert!(Is(AppProto::Http).holds_in(Final, &f));
        assert!(Is(AppProto::Ssh).holds_in(Either, &f));
        assert!(!IsNot(AppProto::Ssh).holds_in(Either, &f));
        assert!(IsNot(AppProto::Tls).holds_in(Either, &f));
        f.to_server = true;
        assert!(Is(AppProto::Http).holds_in(Direction, &f));
        // The server has not spoken yet: its side is unknown, and a
        // negation does not match an unknown side.
        f.app_proto_dir[1] = None;
        f.to_server = false;
        assert!(Unknown.holds_in(Direction, &f));
        assert!(!IsNot(AppProto::Tls).holds_in(ToClient, &f));
        assert!(IsNot(AppProto::Tls).holds_in(Either, &f));
        assert_eq!(AlprotoMode::from_name("to_client"), Some(ToClient));
        assert_eq!(AlprotoMode::from_name("sideways"), None);
    }
}
