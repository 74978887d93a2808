//! Address and port expressions: from pest pairs to [`AddrExpr`] /
//! [`PortExpr`], with the numeric checks the grammar leaves out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use pest::iterators::Pair;

use crate::ast::{AddrExpr, PortExpr, Span};
use crate::error::{ErrorKind, ParseError};
use crate::parser::{span_of, Rule};

/// Deepest nesting of `!` and `[...]` accepted in one expression. Real rules
/// use two or three levels; the cap keeps every later recursive walk over the
/// AST (compiler, Drop, Debug) far away from the stack limit.
pub(crate) const MAX_DEPTH: usize = 64;

/// Converts a `src_addr` / `dst_addr` pair.
pub(crate) fn addr_field(text: &str, field: Pair<'_, Rule>) -> Result<AddrExpr, ParseError> {
    match field.into_inner().next() {
        Some(inner) => addr(text, inner, 0),
        None => Err(internal(text, "address field without an address")),
    }
}

/// Converts a `src_port` / `dst_port` pair.
pub(crate) fn port_field(text: &str, field: Pair<'_, Rule>) -> Result<PortExpr, ParseError> {
    match field.into_inner().next() {
        Some(inner) => port(text, inner, 0),
        None => Err(internal(text, "port field without a port")),
    }
}

fn internal(text: &str, what: &str) -> ParseError {
    ParseError::new(
        text,
        ErrorKind::Syntax,
        Span::default(),
        format!("internal: {what}"),
    )
}

fn too_deep(text: &str, pair: &Pair<'_, Rule>, kind: ErrorKind) -> ParseError {
    let span = span_of(pair);
    ParseError::new(
        text,
        kind,
        Span {
            start: span.start,
            end: span.start + 1,
        },
        format!("expression nested deeper than {MAX_DEPTH} levels"),
    )
}

fn addr(text: &str, pair: Pair<'_, Rule>, depth: usize) -> Result<AddrExpr, ParseError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(text, &pair, ErrorKind::BadAddress));
    }
    match pair.as_rule() {
        Rule::addr_any => Ok(AddrExpr::Any),
        Rule::addr_var => Ok(AddrExpr::Var(var_name(pair.as_str()))),
        Rule::addr_not => match pair.into_inner().next() {
            Some(inner) => Ok(AddrExpr::Not(Box::new(addr(text, inner, depth + 1)?))),
            None => Err(internal(text, "`!` without an address")),
        },
        Rule::addr_list => pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::addr_comma | Rule::addr_rbracket))
            .map(|p| addr(text, p, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(AddrExpr::List),
        Rule::addr_ip => addr_ip(text, pair),
        _ => Err(internal(text, "unexpected address element")),
    }
}

/// `$HOME_NET` → `HOME_NET`.
fn var_name(token: &str) -> String {
    token.strip_prefix('$').unwrap_or(token).to_string()
}

fn bad_addr(text: &str, span: Span, message: String) -> ParseError {
    ParseError::new(text, ErrorKind::BadAddress, span, message)
}

/// `ip`, `ip/prefix`, `ip/netmask` or `ip-ip`; the separator is read from the
/// text between the two children.
fn addr_ip(text: &str, pair: Pair<'_, Rule>) -> Result<AddrExpr, ParseError> {
    let whole = span_of(&pair);
    let whole_str = pair.as_str();
    let mut inner = pair.into_inner();
    let Some(first) = inner.next() else {
        return Err(internal(text, "address without an IP"));
    };
    let first_span = span_of(&first);
    let addr = ip(text, &first)?;
    let Some(second) = inner.next() else {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        return Ok(AddrExpr::Cidr { addr, prefix });
    };
    let second_span = span_of(&second);
    let sep = text.as_bytes().get(first_span.end).copied();
    match (sep, second.as_rule()) {
        (Some(b'/'), Rule::prefix) => {
            let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
            let family = if addr.is_ipv4() { "IPv4" } else { "IPv6" };
            match second.as_str().parse::<u8>() {
                Ok(prefix) if prefix <= max => Ok(AddrExpr::Cidr { addr, prefix }),
                _ => Err(bad_addr(
                    text,
                    second_span,
                    format!(
                        "prefix /{} is out of range for {family} (0-{max})",
                        second.as_str()
                    ),
                )),
            }
        }
        (Some(b'/'), _) => {
            let mask = ip(text, &second)?;
            let (IpAddr::V4(_), IpAddr::V4(m)) = (addr, mask) else {
                return Err(bad_addr(
                    text,
                    second_span,
                    "a dotted netmask needs an IPv4 address".to_string(),
                ));
            };
            let bits = u32::from(m);
            if bits.leading_ones() + bits.trailing_zeros() != 32 {
                return Err(bad_addr(
                    text,
                    second_span,
                    format!("netmask `{}` is not contiguous", second.as_str()),
                ));
            }
            Ok(AddrExpr::Netmask { addr, mask })
        }
        _ => {
            let end = ip(text, &second)?;
            let ordered = match (addr, end) {
                (IpAddr::V4(a), IpAddr::V4(b)) => a <= b,
                (IpAddr::V6(a), IpAddr::V6(b)) => a <= b,
                _ => {
                    return Err(bad_addr(
                        text,
                        whole,
                        format!("address range `{whole_str}` mixes IPv4 and IPv6"),
                    ))
                }
            };
            if !ordered {
                return Err(bad_addr(
                    text,
                    whole,
                    format!("address range `{whole_str}` is reversed"),
                ));
            }
            Ok(AddrExpr::Range { start: addr, end })
        }
    }
}

/// Parses an `ipv4` or `ipv6` token.
fn ip(text: &str, pair: &Pair<'_, Rule>) -> Result<IpAddr, ParseError> {
    let s = pair.as_str();
    let span = span_of(pair);
    if pair.as_rule() == Rule::ipv4 {
        return ipv4(text, s, span).map(IpAddr::V4);
    }
    s.parse::<Ipv6Addr>()
        .map(IpAddr::V6)
        .map_err(|_| bad_addr(text, span, format!("invalid IPv6 address `{s}`")))
}

/// Dotted-quad IPv4 in the strict form `inet_pton` accepts (no leading
/// zeros), with an error pointing at the offending octet.
fn ipv4(text: &str, s: &str, span: Span) -> Result<Ipv4Addr, ParseError> {
    let mut octets = [0u8; 4];
    let mut start = span.start;
    for (i, part) in s.split('.').enumerate() {
        let part_span = Span {
            start,
            end: start + part.len(),
        };
        start = part_span.end + 1;
        if part.len() > 1 && part.starts_with('0') {
            return Err(bad_addr(
                text,
                part_span,
                format!("octet `{part}` of `{s}` has a leading zero"),
            ));
        }
        let value = part.parse::<u8>().map_err(|_| {
            bad_addr(
                text,
                part_span,
                format!("octet {part} of `{s}` is greater than 255"),
            )
        })?;
        match octets.get_mut(i) {
            Some(slot) => *slot = value,
            None => return Err(bad_addr(text, span, format!("invalid IPv4 address `{s}`"))),
        }
    }
    Ok(Ipv4Addr::from(octets))
}

fn port(text: &str, pair: Pair<'_, Rule>, depth: usize) -> Result<PortExpr, ParseError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(text, &pair, ErrorKind::BadPort));
    }
    match pair.as_rule() {
        Rule::port_any => Ok(PortExpr::Any),
        Rule::port_var => Ok(PortExpr::Var(var_name(pair.as_str()))),
        Rule::port_not => match pair.into_inner().next() {
            Some(inner) => Ok(PortExpr::Not(Box::new(port(text, inner, depth + 1)?))),
            None => Err(internal(text, "`!` without a port")),
        },
        Rule::port_list => pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::port_comma | Rule::port_rbracket))
            .map(|p| port(text, p, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(PortExpr::List),
        Rule::port_spec => port_spec(text, pair.as_str(), span_of(&pair)),
        _ => Err(internal(text, "unexpected port element")),
    }
}

/// `80`, `lo:hi`, `lo:` or `:hi`.
fn port_spec(text: &str, s: &str, span: Span) -> Result<PortExpr, ParseError> {
    let number = |digits: &str, start: usize| -> Result<Option<u16>, ParseError> {
        if digits.is_empty() {
            return Ok(None);
        }
        digits.parse::<u16>().map(Some).map_err(|_| {
            ParseError::new(
                text,
                ErrorKind::BadPort,
                Span {
                    start,
                    end: start + digits.len(),
                },
                format!("port {digits} is out of range (0-65535)"),
            )
        })
    };
    let Some((lo, hi)) = s.split_once(':') else {
        return match number(s, span.start)? {
            Some(p) => Ok(PortExpr::Single(p)),
            None => Err(internal(text, "empty port")),
        };
    };
    let lo_value = number(lo, span.start)?;
    let hi_value = number(hi, span.start + lo.len() + 1)?;
    if let (Some(l), Some(h)) = (lo_value, hi_value) {
        if l > h {
            return Err(ParseError::new(
                text,
                ErrorKind::BadPort,
                span,
                format!("port range `{s}` is reversed"),
            ));
        }
    }
    Ok(PortExpr::Range {
        lo: lo_value,
        hi: hi_value,
    })
}

#[cfg(test)]
mod tests {
    use crate::ast::{AddrExpr, PortExpr};
    use crate::parse_rule;
    use std::net::IpAddr;

    fn src(addr: &str) -> AddrExpr {
        let text = format!("alert ip {addr} any -> any any (sid:1;)");
        match parse_rule(&text) {
            Ok(r) => r.src_addr,
            Err(e) => panic!("{addr}: {e}"),
        }
    }

    fn dport(port: &str) -> PortExpr {
        let text = format!("alert tcp any any -> any {port} (sid:1;)");
        match parse_rule(&text) {
            Ok(r) => r.dst_port,
            Err(e) => panic!("{port}: {e}"),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn cidr(s: &str, prefix: u8) -> AddrExpr {
        AddrExpr::Cidr {
            addr: ip(s),
            prefix,
        }
    }

    #[test]
    fn ipv4_forms() {
        assert_eq!(src("any"), AddrExpr::Any);
        assert_eq!(src("$HOME_NET"), AddrExpr::Var("HOME_NET".into()));
        assert_eq!(src("10.1.2.3"), cidr("10.1.2.3", 32));
        assert_eq!(src("10.0.0.0/8"), cidr("10.0.0.0", 8));
        assert_eq!(src("0.0.0.0/0"), cidr("0.0.0.0", 0));
        assert_eq!(
            src("10.0.0.0/255.255.0.0"),
            AddrExpr::Netmask {
                addr: ip("10.0.0.0"),
                mask: ip("255.255.0.0")
            }
        );
        assert_eq!(
            src("10.0.0.1-10.0.0.9"),
            AddrExpr::Range {
                start: ip("10.0.0.1"),
                end: ip("10.0.0.9")
            }
        );
    }

    #[test]
    fn ipv6_forms() {
        assert_eq!(src("::"), cidr("::", 128));
        assert_eq!(src("::1"), cidr("::1", 128));
        assert_eq!(src("fe80::/10"), cidr("fe80::", 10));
        assert_eq!(src("2001:DB8:0:0:0:0:0:1"), cidr("2001:db8::1", 128));
        assert_eq!(src("::ffff:1.2.3.4"), cidr("::ffff:1.2.3.4", 128));
        assert_eq!(src("::ffff:1.2.3.4/96"), cidr("::ffff:1.2.3.4", 96));
        assert_eq!(
            src("::1-::5"),
            AddrExpr::Range {
                start: ip("::1"),
                end: ip("::5")
            }
        );
    }

    #[test]
    fn negation_and_nested_lists() {
        assert_eq!(
            src("!$HOME_NET"),
            AddrExpr::Not(Box::new(AddrExpr::Var("HOME_NET".into())))
        );
        assert_eq!(
            src("[ 1.2.3.4 , [5.6.7.0/24, !5.6.7.8], !$X ]"),
            AddrExpr::List(vec![
                cidr("1.2.3.4", 32),
                AddrExpr::List(vec![
                    cidr("5.6.7.0", 24),
                    AddrExpr::Not(Box::new(cidr("5.6.7.8", 32))),
                ]),
                AddrExpr::Not(Box::new(AddrExpr::Var("X".into()))),
            ])
        );
        assert_eq!(
            src("![10.0.0.0/8,::1]"),
            AddrExpr::Not(Box::new(AddrExpr::List(vec![
                cidr("10.0.0.0", 8),
                cidr("::1", 128)
            ])))
        );
    }

    #[test]
    fn port_forms() {
        assert_eq!(dport("any"), PortExpr::Any);
        assert_eq!(dport("$HTTP_PORTS"), PortExpr::Var("HTTP_PORTS".into()));
        assert_eq!(dport("0"), PortExpr::Single(0));
        assert_eq!(dport("65535"), PortExpr::Single(65535));
        assert_eq!(
            dport("1024:65535"),
            PortExpr::Range {
                lo: Some(1024),
                hi: Some(65535)
            }
        );
        assert_eq!(
            dport("1024:"),
            PortExpr::Range {
                lo: Some(1024),
                hi: None
            }
        );
        assert_eq!(
            dport(":1023"),
            PortExpr::Range {
                lo: None,
                hi: Some(1023)
            }
        );
        assert_eq!(dport("!80"), PortExpr::Not(Box::new(PortExpr::Single(80))));
        assert_eq!(
            dport("[80,443,$HTTP_PORTS,!8080,1024:]"),
            PortExpr::List(vec![
                PortExpr::Single(80),
                PortExpr::Single(443),
                PortExpr::Var("HTTP_PORTS".into()),
                PortExpr::Not(Box::new(PortExpr::Single(8080))),
                PortExpr::Range {
                    lo: Some(1024),
                    hi: None
                },
            ])
        );
        assert_eq!(
            dport("![ 1:10 , [20, 30] ]"),
            PortExpr::Not(Box::new(PortExpr::List(vec![
                PortExpr::Range {
                    lo: Some(1),
                    hi: Some(10)
                },
                PortExpr::List(vec![PortExpr::Single(20), PortExpr::Single(30)]),
            ])))
        );
    }

    #[test]
    fn header_errors_point_at_the_value() {
        let text = "alert tcp any 70000 -> any any (sid:1;)";
        let e = parse_rule(text).unwrap_err();
        assert_eq!(&text[e.span.start..e.span.end], "70000");
        let text = "alert tcp any 1:99999 -> any any (sid:1;)";
        let e = parse_rule(text).unwrap_err();
        assert_eq!(&text[e.span.start..e.span.end], "99999");
        let text = "alert ip 1.2.3.4/40 any -> any any (sid:1;)";
        let e = parse_rule(text).unwrap_err();
        assert_eq!(&text[e.span.start..e.span.end], "40");
        let text = "alert ip ::1/8.0.0.0 any -> any any (sid:1;)";
        assert_eq!(
            parse_rule(text).unwrap_err().message,
            "a dotted netmask needs an IPv4 address"
        );
        let text = "alert ip 1.2.3.4-::1 any -> any any (sid:1;)";
        assert_eq!(
            parse_rule(text).unwrap_err().message,
            "address range `1.2.3.4-::1` mixes IPv4 and IPv6"
        );
    }
}
