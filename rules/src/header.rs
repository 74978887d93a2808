//! The compiled rule header: protocol, addresses, ports and direction.

use std::sync::Arc;

use sigil_grammar::ast::{self, Direction};

use crate::addr::{
    addr_has_negation, resolve_addr, resolve_port, IpSet, PortSet, ResolveError, SetResolver,
};
use crate::keyword::KwError;
use crate::packet::{ipproto, PacketView};

/// Transport selection of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `ip`: every packet.
    Any,
    /// `tcp` (`pkt_only` for `tcp-pkt`).
    Tcp { pkt_only: bool },
    /// `udp` (`pkt_only` for `udp-pkt`).
    Udp { pkt_only: bool },
    /// `icmp`: ICMPv4 and ICMPv6.
    Icmp,
    /// `icmpv4`.
    Icmp4,
    /// `icmpv6`.
    Icmp6,
}

impl Proto {
    /// Maps the header protocol. App-layer protocols map to their
    /// transport (DNS runs over UDP and TCP); the app-layer requirement
    /// itself is kept by the rule's `AppRule`, and `tcp-stream`'s
    /// stream-only inspection by its `StreamMode`.
    pub fn parse(p: &str) -> Result<Proto, KwError> {
        Ok(match p.to_ascii_lowercase().as_str() {
            "ip" | "pkthdr" => Proto::Any,
            "tcp" | "tcp-stream" => Proto::Tcp { pkt_only: false },
            "http" | "http1" | "http2" | "tls" | "ssh" => Proto::Tcp { pkt_only: false },
            "dns" => Proto::Any,
            "tcp-pkt" => Proto::Tcp { pkt_only: true },
            "udp" => Proto::Udp { pkt_only: false },
            "udp-pkt" => Proto::Udp { pkt_only: true },
            "icmp" => Proto::Icmp,
            "icmpv4" => Proto::Icmp4,
            "icmpv6" => Proto::Icmp6,
            // Every transport, one IP version: see `Header::ip_version`.
            "ipv4" | "ip4" | "ipv6" | "ip6" => Proto::Any,
            "sctp" => {
                return Err(KwError::unsupported(format!(
                    "protocol {p} is not supported"
                )))
            }
            _ => {
                return Err(KwError::unsupported(format!(
                    "app-layer protocol {p} is not parsed by Sigil"
                )))
            }
        })
    }

    /// True when a packet with transport `ip_proto` can match.
    pub fn accepts(self, ip_proto: u8) -> bool {
        match self {
            Proto::Any => true,
            Proto::Tcp { .. } => ip_proto == ipproto::TCP,
            Proto::Udp { .. } => ip_proto == ipproto::UDP,
            Proto::Icmp => ip_proto == ipproto::ICMP || ip_proto == ipproto::ICMPV6,
            Proto::Icmp4 => ip_proto == ipproto::ICMP,
            Proto::Icmp6 => ip_proto == ipproto::ICMPV6,
        }
    }

    /// `tcp-pkt`/`udp-pkt`: never evaluated on reassembled stream data.
    pub fn pkt_only(self) -> bool {
        matches!(
            self,
            Proto::Tcp { pkt_only: true } | Proto::Udp { pkt_only: true }
        )
    }
}

/// Resolved header. `None` sets mean `any` (no check).
#[derive(Debug, Clone)]
pub struct Header {
    pub proto: Proto,
    pub src: Option<Arc<IpSet>>,
    pub sport: Option<Arc<PortSet>>,
    pub dst: Option<Arc<IpSet>>,
    pub dport: Option<Arc<PortSet>>,
    /// `<>`: also match with source and destination swapped.
    pub both: bool,
    /// `ipv4`/`ip4` (4) and `ipv6`/`ip6` (6) headers: only packets of
    /// that IP version.
    pub ip_version: Option<u8>,
    /// An address negates something (`!10.0.0.1`, `$EXTERNAL_NET`),
    /// which keeps a rule from being IP-only in Suricata.
    pub negated: bool,
}

/// Which header part failed to resolve, with the error.
#[derive(Debug)]
pub struct HeaderError {
    /// `protocol`, `source`, `source port`, `destination`, `destination port`, `direction`.
    pub part: &'static str,
    pub span: ast::Span,
    pub error: HeaderErrorKind,
}

/// Kind of header failure.
#[derive(Debug)]
pub enum HeaderErrorKind {
    Keyword(KwError),
    Resolve(ResolveError),
}

fn addr(
    e: &ast::AddrExpr,
    vars: &dyn SetResolver,
    part: &'static str,
    span: ast::Span,
) -> Result<Option<Arc<IpSet>>, HeaderError> {
    let err = |error| HeaderError { part, span, error };
    // Reuse the shared set of a plain `$VAR` instead of copying it.
    let set = match e {
        ast::AddrExpr::Any => return Ok(None),
        ast::AddrExpr::Var(n) => vars
            .address_var(n)
            .map_err(|e| err(HeaderErrorKind::Resolve(e)))?,
        _ => Arc::new(resolve_addr(e, vars).map_err(|e| err(HeaderErrorKind::Resolve(e)))?),
    };
    if set.is_empty() {
        return Err(err(HeaderErrorKind::Resolve(ResolveError::Invalid(
            "address expression matches no address".into(),
        ))));
    }
    Ok((!set.is_any()).then_some(set))
}

fn port(
    e: &ast::PortExpr,
    vars: &dyn SetResolver,
    part: &'static str,
    span: ast::Span,
) -> Result<Option<Arc<PortSet>>, HeaderError> {
    let err = |error| HeaderError { part, span, error };
    let set = match e {
        ast::PortExpr::Any => return Ok(None),
        ast::PortExpr::Var(n) => vars
            .port_var(n)
            .map_err(|e| err(HeaderErrorKind::Resolve(e)))?,
        _ => Arc::new(resolve_port(e, vars).map_err(|e| err(HeaderErrorKind::Resolve(e)))?),
    };
    if set.is_empty() {
        return Err(err(HeaderErrorKind::Resolve(ResolveError::Invalid(
            "port expression matches no port".into(),
        ))));
    }
    Ok((!set.is_any()).then_some(set))
}

impl Header {
    /// Compiles the header of `r`; reports every failing part.
    pub fn compile(r: &ast::Rule, vars: &dyn SetResolver) -> Result<Header, Vec<HeaderError>> {
        let mut errs = Vec::new();
        let proto = Proto::parse(&r.protocol).map_err(|e| HeaderError {
            part: "protocol",
            span: r.protocol_span,
            error: HeaderErrorKind::Keyword(e),
        });
        // Transactional rules (`=>`) keep `->` addresses here; the
        // transaction matcher orients them by the packet's direction.
        let src = addr(&r.src_addr, vars, "source", r.src_addr_span);
        let sport = port(&r.src_port, vars, "source port", r.src_port_span);
        let dst = addr(&r.dst_addr, vars, "destination", r.dst_addr_span);
        let dport = port(&r.dst_port, vars, "destination port", r.dst_port_span);
        fn ok<T>(errs: &mut Vec<HeaderError>, x: Result<T, HeaderError>) -> Option<T> {
            x.map_err(|e| errs.push(e)).ok()
        }
        let proto = ok(&mut errs, proto);
        let (src, sport) = (ok(&mut errs, src), ok(&mut errs, sport));
        let (dst, dport) = (ok(&mut errs, dst), ok(&mut errs, dport));
        match (proto, src, sport, dst, dport) {
            (Some(proto), Some(src), Some(sport), Some(dst), Some(dport)) if errs.is_empty() => {
                Ok(Header {
                    proto,
                    src,
                    sport,
                    dst,
                    dport,
                    both: r.direction == Direction::Both,
                    negated: addr_has_negation(&r.src_addr, vars)
                        || addr_has_negation(&r.dst_addr, vars),
                    ip_version: match r.protocol.to_ascii_lowercase().as_str() {
                        "ipv4" | "ip4" => Some(4),
                        "ipv6" | "ip6" => Some(6),
                        _ => None,
                    },
                })
            }
            _ => Err(errs),
        }
    }

    /// True when the packet's addresses and ports fit one orientation.
    pub fn matches(&self, p: &PacketView) -> bool {
        if !self.proto.accepts(p.ip_proto) {
            return false;
        }
        let version = if p.src.is_ipv4() { 4 } else { 6 };
        if self.ip_version.is_some_and(|v| v != version) {
            return false;
        }
        let has_ports = p.ip_proto == ipproto::TCP || p.ip_proto == ipproto::UDP;
        if !has_ports && (self.sport.is_some() || self.dport.is_some()) {
            return false;
        }
        self.oriented(p.src, p.sport, p.dst, p.dport)
            || (self.both && self.oriented(p.dst, p.dport, p.src, p.sport))
    }

    fn oriented(
        &self,
        src: std::net::IpAddr,
        sport: u16,
        dst: std::net::IpAddr,
        dport: u16,
    ) -> bool {
        self.sport.as_ref().is_none_or(|s| s.contains(sport))
            && self.dport.as_ref().is_none_or(|s| s.contains(dport))
            && self.src.as_ref().is_none_or(|s| s.contains(src))
            && self.dst.as_ref().is_none_or(|s| s.contains(dst))
    }
}
