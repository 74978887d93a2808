//! Protocol detection per direction.
//!
//! Suricata detects the protocol of each direction of a TCP flow on its
//! own (`f->alproto_ts`, `f->alproto_tc`). The first direction to decide
//! picks the parser; the other one is still probed when its data arrives,
//! and when it turns out to speak a different protocol the packet gets
//! the generic event `applayer_mismatch_protocol_both_directions` while
//! the parser already fed keeps the flow (its data is in it). The flow
//! record then names the odd direction (`app_proto_tc: "ssh"`).
//!
//! The other generic events follow Suricata's `TCPProtoDetect` too:
//! `applayer_detect_protocol_only_one_direction` when the second direction
//! turns out to be nothing known (it is then logged as `failed`),
//! `applayer_wrong_direction_first_data` when TLS (whose parser must hear
//! the client first; Suricata 7+ lets HTTP start either way) is found in
//! server data sent before any client data (the application layer is
//! then off for the flow), and
//! `applayer_proto_detection_skipped` when a flow of unknown protocol
//! sends [`SKIP_LIMIT`] bytes one way while the other way stays silent.
//!
//! [`probes`] is the one list of probes both the first decision
//! (`super::app`) and the second direction use.

use sigil_rules::buffer::AppProto;
use sigil_rules::packet::{AppLayerEvent, AppLayerEvents};

use crate::applayer::{dns, http, http2, smtp, ssh, tls, AppConfig, Probe};
use crate::flow::Direction;

/// Bytes of the second direction kept for probes that need more.
const SECOND_PROBE_LIMIT: usize = 4096;

/// One-way bytes of an unidentified flow after which Suricata stops
/// holding data for detection (its floor; it can be higher with large
/// TCP windows).
pub const SKIP_LIMIT: u64 = 100_000;

/// What detection says about one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// This protocol.
    Proto(AppProto),
    /// Nothing known (Suricata's `failed`).
    Failed,
}

impl Detected {
    /// The name flow records use.
    pub fn name(self) -> &'static str {
        match self {
            Detected::Proto(p) => p.name(),
            Detected::Failed => "failed",
        }
    }
}

/// Server data Suricata probes for HTTP/2 only on this port (the HTTP/2
/// parser's default detection port; the client preface needs none).
const HTTP2_PROBE_PORT: u16 = 80;

/// Every probe's verdict on the first bytes of `dir` (DNS only on its
/// detection ports: it has no signature of its own; HTTP/2 only when
/// enabled).
pub fn probes(
    data: &[u8],
    dir: Direction,
    tcp: bool,
    ports: (u16, u16),
    cfg: &AppConfig,
) -> [(AppProto, Probe); 6] {
    if tcp {
        let h2 = cfg.http2_enabled
            && (dir == Direction::ToServer
                || ports.0 == HTTP2_PROBE_PORT
                || ports.1 == HTTP2_PROBE_PORT);
        [
            (AppProto::Http, http::probe(data, dir)),
            (
                AppProto::Http2,
                if h2 {
                    http2::probe(data, dir)
                } else {
                    Probe::NoMatch
                },
            ),
            (AppProto::Tls, tls::probe(data, dir)),
            (AppProto::Ssh, ssh::probe(data, dir)),
            (AppProto::Smtp, smtp::probe(data, dir)),
            (
                AppProto::Dns,
                if cfg.dns_tcp_ports.either(ports) {
                    dns::probe_tcp(data, dir)
                } else {
                    Probe::NoMatch
                },
            ),
        ]
    } else {
        [
            (AppProto::Http, Probe::NoMatch),
            (AppProto::Http2, Probe::NoMatch),
            (AppProto::Tls, Probe::NoMatch),
            (AppProto::Ssh, Probe::NoMatch),
            (AppProto::Smtp, Probe::NoMatch),
            (
                AppProto::Dns,
                if cfg.dns_udp_ports.either(ports) {
                    dns::probe(data, dir)
                } else {
                    Probe::NoMatch
                },
            ),
        ]
    }
}

/// What detection concluded for each direction.
#[derive(Debug, Default)]
pub struct DirProtos {
    /// Verdict per direction (index 0: to server).
    found: [Option<Detected>; 2],
    /// Probing of the direction is over (found, or nothing can match).
    done: [bool; 2],
    /// First bytes of the direction still being probed.
    pending: Vec<u8>,
    /// Generic events raised since [`DirProtos::take_events`].
    events: AppLayerEvents,
    /// Bytes each way while the flow's protocol is unknown.
    unknown_bytes: [u64; 2],
    /// No generic event can come any more (the application layer is off,
    /// or detection was skipped).
    settled: bool,
    /// Detection of the direction finished and no packet travelling that
    /// way has been told yet (see [`DirProtos::take_detected`]).
    detected_news: [bool; 2],
}

fn idx(dir: Direction) -> usize {
    usize::from(dir == Direction::ToClient)
}

impl DirProtos {
    /// Direction `dir` decided the flow's protocol.
    ///
    /// Returns false when the flow must not be parsed: the protocol needs
    /// the client to speak first, this is the server's data and no client
    /// data reached the application layer (`no_client_data`).
    pub fn decided(&mut self, dir: Direction, proto: AppProto, no_client_data: bool) -> bool {
        self.found[idx(dir)] = Some(Detected::Proto(proto));
        self.done[idx(dir)] = true;
        self.detected_news[idx(dir)] = true;
        let client_first = proto == AppProto::Tls;
        if client_first && dir == Direction::ToClient && no_client_data {
            self.events
                .insert(AppLayerEvent::WRONG_DIRECTION_FIRST_DATA);
            self.settled = true;
            return false;
        }
        true
    }

    /// The verdict for `dir`, if any.
    pub fn proto(&self, dir: Direction) -> Option<Detected> {
        self.found[idx(dir)]
    }

    /// `len` more bytes of `dir` while no protocol is known (still
    /// detecting, or detection failed).
    pub fn unknown_data(&mut self, dir: Direction, len: usize) {
        let i = idx(dir);
        self.unknown_bytes[i] = self.unknown_bytes[i].saturating_add(len as u64);
        let other = self.unknown_bytes[1 - i];
        if other > 0 {
            // The condition below cannot hold any more.
            self.settled = true;
        } else if !self.settled && self.unknown_bytes[i] > SKIP_LIMIT {
            self.events.insert(AppLayerEvent::PROTO_DETECTION_SKIPPED);
            self.settled = true;
        }
    }

    /// True once no generic event can come from this flow's detection: a
    /// flow whose detection failed need not be fed any more.
    pub fn settled(&self) -> bool {
        self.settled
    }

    /// The protocol of each direction's data (to server, to client) for
    /// detection (`app-layer-protocol`); unknown and failed are None.
    pub fn protos(&self) -> [Option<AppProto>; 2] {
        self.found.map(|d| match d {
            Some(Detected::Proto(p)) => Some(p),
            _ => None,
        })
    }

    /// The flow's parser changed protocol (HTTP/1 upgraded to HTTP/2):
    /// both directions now speak `proto`, as Suricata records after a
    /// protocol change.
    pub fn changed(&mut self, proto: AppProto) {
        self.found = [Some(Detected::Proto(proto)); 2];
        self.done = [true; 2];
        self.pending = Vec::new();
    }

    /// The flow's protocol changes (SMTP STARTTLS): detection starts
    /// over for both directions, as Suricata's `AppLayerProtoDetectReset`.
    pub fn restart(&mut self) {
        self.found = [None; 2];
        self.done = [false; 2];
        self.pending = Vec::new();
        self.unknown_bytes = [0; 2];
        self.settled = false;
    }

    /// A generic event for the packet being handled.
    pub fn raise(&mut self, ev: AppLayerEvent) {
        self.events.insert(ev);
    }

    /// The flow was turned round.
    pub fn swap(&mut self) {
        self.found.swap(0, 1);
        self.done.swap(0, 1);
    }

    /// The next bytes of `dir` on a flow whose parser is `flow_proto`:
    /// while `dir` is undecided, probe them (with what came before). A UDP
    /// datagram that matches nothing takes the flow's protocol, as in
    /// Suricata (no event).
    pub fn second_direction(
        &mut self,
        flow_proto: AppProto,
        dir: Direction,
        data: &[u8],
        (tcp, ports): (bool, (u16, u16)),
        cfg: &AppConfig,
    ) {
        let i = idx(dir);
        if self.done[i] || data.is_empty() {
            return;
        }
        let room = SECOND_PROBE_LIMIT.saturating_sub(self.pending.len());
        let buffered = !self.pending.is_empty();
        if buffered {
            self.pending
                .extend_from_slice(data.get(..room.min(data.len())).unwrap_or(data));
        }
        let bytes = if buffered { &self.pending[..] } else { data };
        let verdicts = probes(bytes, dir, tcp, ports, cfg);
        // The flow's own protocol first: a direction that speaks it is no
        // mismatch even when another probe also likes the bytes.
        let own = verdicts.iter().find(|(p, _)| *p == flow_proto);
        let found = match own {
            Some((p, Probe::Match)) => Some(*p),
            _ => verdicts
                .iter()
                .find(|(_, v)| *v == Probe::Match)
                .map(|(p, _)| *p),
        };
        let undecided = tcp && verdicts.iter().any(|(_, v)| *v == Probe::NeedMore);
        if let Some(p) = found {
            self.found[i] = Some(Detected::Proto(p));
            if p != flow_proto {
                self.events
                    .insert(AppLayerEvent::MISMATCH_PROTOCOL_BOTH_DIRECTIONS);
            }
        }
        if found.is_some() || !undecided || bytes.len() >= SECOND_PROBE_LIMIT {
            if found.is_none() && !tcp {
                self.found[i] = Some(Detected::Proto(flow_proto));
            } else if found.is_none() {
                // Suricata hands the data to the flow's parser anyway.
                self.found[i] = Some(Detected::Failed);
                self.events
                    .insert(AppLayerEvent::DETECT_PROTOCOL_ONLY_ONE_DIRECTION);
            }
            self.done[i] = true;
            self.detected_news[i] = true;
            self.pending = Vec::new();
        } else if !buffered {
            self.pending
                .extend_from_slice(data.get(..SECOND_PROBE_LIMIT).unwrap_or(data));
        }
    }

    /// True once per direction after its detection finished: for the
    /// packet travelling `dir` that gets Suricata's "protocol detection
    /// done" flag (protocol-detection-only rules match on it alone).
    pub fn take_detected(&mut self, dir: Direction) -> bool {
        std::mem::take(&mut self.detected_news[idx(dir)])
    }

    /// The generic events raised since the last call (for the packet being
    /// handled).
    pub fn take_events(&mut self) -> AppLayerEvents {
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTS: (u16, u16) = (32928, 22);

    #[test]
    fn other_protocol_in_second_direction_is_a_mismatch() {
        let cfg = AppConfig::default();
        let mut d = DirProtos::default();
        assert!(d.decided(Direction::ToServer, AppProto::Http, false));
        d.second_direction(
            AppProto::Http,
            Direction::ToClient,
            b"SSH-2.0-OpenSSH_6.6.1\r\n",
            (true, PORTS),
            &cfg,
        );
        let ssh = Some(Detected::Proto(AppProto::Ssh));
        assert_eq!(d.proto(Direction::ToClient), ssh);
        let ev = d.take_events();
        assert!(ev.contains(AppLayerEvent::MISMATCH_PROTOCOL_BOTH_DIRECTIONS));
        assert!(d.take_events().is_empty(), "events are taken once");
        assert!(d.take_detected(Direction::ToClient));
        assert!(!d.take_detected(Direction::ToClient), "told once");
        assert!(d.take_detected(Direction::ToServer));
        // Later data of that direction is not probed again.
        d.second_direction(
            AppProto::Http,
            Direction::ToClient,
            b"HTTP/1.1 200",
            (true, PORTS),
            &cfg,
        );
        assert_eq!(d.proto(Direction::ToClient), ssh);
        assert!(d.take_events().is_empty());
    }

    #[test]
    fn same_protocol_is_no_event_even_split() {
        let cfg = AppConfig::default();
        let mut d = DirProtos::default();
        d.decided(Direction::ToServer, AppProto::Http, false);
        d.second_direction(
            AppProto::Http,
            Direction::ToClient,
            b"HTT",
            (true, (1, 80)),
            &cfg,
        );
        assert_eq!(d.proto(Direction::ToClient), None, "needs more");
        d.second_direction(
            AppProto::Http,
            Direction::ToClient,
            b"P/1.1 200 OK\r\n",
            (true, (1, 80)),
            &cfg,
        );
        let http = Some(Detected::Proto(AppProto::Http));
        assert_eq!(d.proto(Direction::ToClient), http);
        assert!(d.take_events().is_empty());
    }

    #[test]
    fn unknown_second_direction_is_one_direction_only() {
        let cfg = AppConfig::default();
        let mut d = DirProtos::default();
        // SSH may start from either side.
        assert!(d.decided(Direction::ToClient, AppProto::Ssh, true));
        d.swap();
        let ssh = Some(Detected::Proto(AppProto::Ssh));
        assert_eq!(d.proto(Direction::ToServer), ssh);
        d.second_direction(
            AppProto::Ssh,
            Direction::ToClient,
            b"\x00\x01garbage",
            (true, PORTS),
            &cfg,
        );
        assert_eq!(d.proto(Direction::ToClient), Some(Detected::Failed));
        assert_eq!(Detected::Failed.name(), "failed");
        let ev = d.take_events();
        assert!(ev.contains(AppLayerEvent::DETECT_PROTOCOL_ONLY_ONE_DIRECTION));
    }

    #[test]
    fn udp_answer_takes_the_flow_protocol() {
        let cfg = AppConfig::default();
        let mut d = DirProtos::default();
        d.decided(Direction::ToServer, AppProto::Dns, false);
        assert_eq!(d.protos(), [Some(AppProto::Dns), None]);
        d.second_direction(
            AppProto::Dns,
            Direction::ToClient,
            b"junk",
            (false, (53, 4000)),
            &cfg,
        );
        assert_eq!(d.protos(), [Some(AppProto::Dns); 2]);
        assert!(d.take_events().is_empty());
    }

    #[test]
    fn server_first_tls_is_the_wrong_direction() {
        let mut d = DirProtos::default();
        assert!(!d.decided(Direction::ToClient, AppProto::Tls, true));
        assert!(d.settled());
        let ev = d.take_events();
        assert!(ev.contains(AppLayerEvent::WRONG_DIRECTION_FIRST_DATA));
        // After client data the server's hello is fine; HTTP may start
        // from the server.
        let mut d = DirProtos::default();
        assert!(d.decided(Direction::ToClient, AppProto::Tls, false));
        assert!(d.decided(Direction::ToServer, AppProto::Http, true));
        let mut d = DirProtos::default();
        assert!(d.decided(Direction::ToClient, AppProto::Http, true));
        assert!(d.take_events().is_empty());
    }

    #[test]
    fn one_sided_unknown_flow_is_skipped_once() {
        let mut d = DirProtos::default();
        d.unknown_data(Direction::ToServer, 60_000);
        assert!(d.take_events().is_empty());
        d.unknown_data(Direction::ToServer, 60_000);
        assert!(d
            .take_events()
            .contains(AppLayerEvent::PROTO_DETECTION_SKIPPED));
        assert!(d.settled());
        d.unknown_data(Direction::ToServer, 60_000);
        assert!(d.take_events().is_empty());
        // Both sides talking: never skipped.
        let mut d = DirProtos::default();
        d.unknown_data(Direction::ToClient, 10);
        d.unknown_data(Direction::ToServer, 500_000);
        assert!(d.take_events().is_empty());
        assert!(d.settled());
    }
}
