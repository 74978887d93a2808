//! The pest parser and the walk from its pairs to the [`ast::Rule`].
//!
//! The grammar (`rule.pest`) only checks the shape of the text; everything
//! that needs a number or a value check (octets, prefixes, ports, quoted
//! values) is done here so that errors can name the offending value.

use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::{self, RuleOption, Span};
use crate::error::{ErrorKind, ParseError};
use crate::{expected, header, value};

#[derive(pest_derive::Parser)]
#[grammar = "rule.pest"]
pub(crate) struct RuleParser;

/// Parses one rule (a single logical line, continuations already joined).
///
/// All spans in the result, and in the error, are byte offsets into `text`.
///
/// ```
/// let rule = sigil_grammar::parse_rule(r#"alert tcp any any -> any 80 (msg:"hi"; sid:1;)"#)?;
/// assert_eq!(rule.options.len(), 2);
/// # Ok::<(), sigil_grammar::ParseError>(())
/// ```
pub fn parse_rule(text: &str) -> Result<ast::Rule, ParseError> {
    let mut pairs =
        RuleParser::parse(Rule::rule, text).map_err(|e| expected::to_parse_error(text, &e))?;
    let Some(rule) = pairs.next() else {
        return Err(ParseError::new(
            text,
            ErrorKind::Syntax,
            Span::default(),
            "empty rule".to_string(),
        ));
    };
    build_rule(text, rule)
}

/// Span of a pair in the parsed text.
pub(crate) fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span {
        start: s.start(),
        end: s.end(),
    }
}

/// Walks the children of the top-level `rule` pair, in grammar order.
fn build_rule(text: &str, rule: Pair<'_, Rule>) -> Result<ast::Rule, ParseError> {
    let mut header = Header::default();
    let mut options = Vec::with_capacity(16);
    let mut end = 0;
    for pair in rule.into_inner() {
        match pair.as_rule() {
            Rule::action => header.action = Some(pair),
            Rule::protocol => header.protocol = Some(pair),
            Rule::src_addr => header.src_addr = Some(pair),
            Rule::src_port => header.src_port = Some(pair),
            Rule::direction => header.direction = Some(pair),
            Rule::dst_addr => header.dst_addr = Some(pair),
            Rule::dst_port => header.dst_port = Some(pair),
            Rule::option => options.push(build_option(text, pair)?),
            Rule::close_paren => end = pair.as_span().end(),
            _ => {}
        }
    }
    let missing = |what: &str| {
        ParseError::new(
            text,
            ErrorKind::Syntax,
            Span::default(),
            format!("internal: rule without {what}"),
        )
    };
    let (
        Some(action),
        Some(protocol),
        Some(src_addr),
        Some(src_port),
        Some(direction),
        Some(dst_addr),
        Some(dst_port),
    ) = (
        header.action,
        header.protocol,
        header.src_addr,
        header.src_port,
        header.direction,
        header.dst_addr,
        header.dst_port,
    )
    else {
        return Err(missing("a complete header"));
    };
    let direction_value = match direction.as_str() {
        "->" => ast::Direction::ToDst,
        "<>" => ast::Direction::Both,
        "=>" => ast::Direction::Transactional,
        _ => return Err(missing("a known direction")),
    };
    let action_span = span_of(&action);
    Ok(ast::Rule {
        action: action.as_str().to_string(),
        action_span,
        protocol: protocol.as_str().to_string(),
        protocol_span: span_of(&protocol),
        src_addr_span: span_of(&src_addr),
        src_addr: header::addr_field(text, src_addr)?,
        src_port_span: span_of(&src_port),
        src_port: header::port_field(text, src_port)?,
        direction: direction_value,
        dst_addr_span: span_of(&dst_addr),
        dst_addr: header::addr_field(text, dst_addr)?,
        dst_port_span: span_of(&dst_port),
        dst_port: header::port_field(text, dst_port)?,
        options,
        span: Span {
            start: action_span.start,
            end,
        },
    })
}

/// The header pairs, collected before conversion so that the walk over the
/// children does not depend on their exact count.
#[derive(Default)]
struct Header<'i> {
    action: Option<Pair<'i, Rule>>,
    protocol: Option<Pair<'i, Rule>>,
    src_addr: Option<Pair<'i, Rule>>,
    src_port: Option<Pair<'i, Rule>>,
    direction: Option<Pair<'i, Rule>>,
    dst_addr: Option<Pair<'i, Rule>>,
    dst_port: Option<Pair<'i, Rule>>,
}

/// Converts an `option` pair; the value is trimmed and checked for an
/// unterminated quote or a missing `;` (see [`value::check`]).
fn build_option(text: &str, pair: Pair<'_, Rule>) -> Result<RuleOption, ParseError> {
    let mut keyword = None;
    let mut value = None;
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::keyword => keyword = Some((inner.as_str(), span_of(&inner))),
            Rule::value => value = Some(span_of(&inner)),
            _ => {}
        }
    }
    let Some((keyword, keyword_span)) = keyword else {
        return Err(ParseError::new(
            text,
            ErrorKind::EmptyKeyword,
            Span::default(),
            "option without a keyword".to_string(),
        ));
    };
    if let Some((i, c)) = keyword
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        let start = keyword_span.start + i;
        return Err(ParseError::new(
            text,
            ErrorKind::Syntax,
            Span {
                start,
                end: start + c.len_utf8(),
            },
            format!("invalid character `{c}` in option keyword `{keyword}`"),
        ));
    }
    let (value, value_span) = match value {
        Some(raw) => {
            let span = value::trim(text, raw);
            let v = text.get(span.start..span.end).unwrap_or_default();
            value::check(text, v, span.start)?;
            (Some(v.to_string()), Some(span))
        }
        None => (None, None),
    };
    Ok(RuleOption {
        keyword: keyword.to_string(),
        keyword_span,
        value,
        value_span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{AddrExpr, Direction, PortExpr};

    fn opt(rule: &ast::Rule, i: usize) -> (&str, Option<&str>) {
        let o = &rule.options[i];
        (o.keyword.as_str(), o.value.as_deref())
    }

    #[test]
    fn parses_a_simple_rule_with_spans() {
        let text = r#"alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:"hi there"; flow:established,to_server; sid:1; rev:2;)"#;
        let r = parse_rule(text).unwrap();
        assert_eq!(r.action, "alert");
        assert_eq!(&text[r.action_span.start..r.action_span.end], "alert");
        assert_eq!(r.protocol, "tcp");
        assert_eq!(r.src_addr, AddrExpr::Var("HOME_NET".into()));
        assert_eq!(
            &text[r.src_addr_span.start..r.src_addr_span.end],
            "$HOME_NET"
        );
        assert_eq!(r.src_port, PortExpr::Any);
        assert_eq!(r.direction, Direction::ToDst);
        assert_eq!(r.dst_addr, AddrExpr::Var("EXTERNAL_NET".into()));
        assert_eq!(r.dst_port, PortExpr::Single(80));
        assert_eq!(&text[r.dst_port_span.start..r.dst_port_span.end], "80");
        assert_eq!(r.options.len(), 4);
        assert_eq!(opt(&r, 0), ("msg", Some("\"hi there\"")));
        assert_eq!(opt(&r, 1), ("flow", Some("established,to_server")));
        assert_eq!(opt(&r, 3), ("rev", Some("2")));
        let o = &r.options[0];
        let vs = o.value_span.unwrap();
        assert_eq!(&text[vs.start..vs.end], "\"hi there\"");
        assert_eq!(&text[o.keyword_span.start..o.keyword_span.end], "msg");
        assert_eq!(
            r.span,
            Span {
                start: 0,
                end: text.len()
            }
        );
    }

    #[test]
    fn accepts_every_direction_and_protocol_shape() {
        for (d, want) in [
            ("->", Direction::ToDst),
            ("<>", Direction::Both),
            ("=>", Direction::Transactional),
        ] {
            let r = parse_rule(&format!("alert http1 any any {d} any any (sid:1;)")).unwrap();
            assert_eq!(r.direction, want);
        }
        for proto in [
            "tcp-pkt",
            "tcp-stream",
            "ipv6",
            "http2",
            "my_proto.v1",
            "dns",
        ] {
            let r = parse_rule(&format!("drop {proto} any any -> any any (sid:1;)")).unwrap();
            assert_eq!(r.protocol, proto);
        }
        for action in [
            "pass",
            "reject",
            "rejectsrc",
            "rejectdst",
            "rejectboth",
            "log",
            "config",
        ] {
            let r = parse_rule(&format!("{action} ip any any -> any any (sid:1;)")).unwrap();
            assert_eq!(r.action, action);
        }
    }

    #[test]
    fn options_without_values_and_optional_last_semicolon() {
        let r = parse_rule("alert tcp any any -> any any (content:\"a\"; nocase; sid:1)").unwrap();
        assert_eq!(opt(&r, 1), ("nocase", None));
        assert_eq!(opt(&r, 2), ("sid", Some("1")));
        let r = parse_rule("alert tcp any any -> any any (msg:\"x\"; nocase)").unwrap();
        assert_eq!(opt(&r, 1), ("nocase", None));
        let r = parse_rule("alert tcp any any -> any any ()").unwrap();
        assert!(r.options.is_empty());
    }

    #[test]
    fn values_keep_escapes_hex_and_punctuation() {
        let text = r#"alert tcp any any -> any any (content:"a\;b\"c\\"; content:"|41 42|"; pcre:"/(a|b);x/i"; byte_test:4,>,0x1000,0,relative; msg:"a (b) c";)"#;
        let r = parse_rule(text).unwrap();
        assert_eq!(opt(&r, 0), ("content", Some(r#""a\;b\"c\\""#)));
        assert_eq!(
            ast::unquote(r.options[0].value.as_deref().unwrap()),
            r#"a;b"c\"#
        );
        assert_eq!(opt(&r, 1), ("content", Some("\"|41 42|\"")));
        // An unescaped `;` inside a complete quoted value is accepted.
        assert_eq!(opt(&r, 2), ("pcre", Some("\"/(a|b);x/i\"")));
        assert_eq!(opt(&r, 3), ("byte_test", Some("4,>,0x1000,0,relative")));
        assert_eq!(opt(&r, 4), ("msg", Some("\"a (b) c\"")));
    }

    #[test]
    fn unpaired_quotes_inside_a_value_follow_suricata() {
        // From ET Open: the quotes of this pcre do not pair up; the value runs
        // to the first unescaped `;` as in Suricata.
        let text = r#"alert tcp any any -> any any (pcre:"/[\%\\]u"/Rsi"; sid:1;)"#;
        let r = parse_rule(text).unwrap();
        assert_eq!(opt(&r, 0), ("pcre", Some(r#""/[\%\\]u"/Rsi""#)));
        assert_eq!(opt(&r, 1), ("sid", Some("1")));
    }

    #[test]
    fn keywords_with_dots_dashes_and_digits() {
        let r = parse_rule("alert http any any -> any any (http.uri; content:\"x\"; app-layer-event:http.foo; ja3.hash; x509v3;)").unwrap();
        let kws: Vec<_> = r.options.iter().map(|o| o.keyword.as_str()).collect();
        assert_eq!(
            kws,
            [
                "http.uri",
                "content",
                "app-layer-event",
                "ja3.hash",
                "x509v3"
            ]
        );
    }

    #[test]
    fn whitespace_and_newlines_between_tokens() {
        let text = "  alert\ttcp  any\n any  ->  any any\n(\n  msg : \"x\" ;\n  sid:1 ;\n)  \n";
        let r = parse_rule(text).unwrap();
        assert_eq!(opt(&r, 0), ("msg", Some("\"x\"")));
        assert_eq!(opt(&r, 1), ("sid", Some("1")));
        let vs = r.options[1].value_span.unwrap();
        assert_eq!(&text[vs.start..vs.end], "1");
        assert_eq!(&text[r.span.start..r.span.end], &text[2..text.len() - 3]);
    }

    #[test]
    fn empty_value_is_kept_as_empty() {
        let r = parse_rule("alert tcp any any -> any any (foo:; sid:1;)").unwrap();
        assert_eq!(opt(&r, 0), ("foo", Some("")));
    }

    fn err(text: &str) -> ParseError {
        match parse_rule(text) {
            Ok(r) => panic!("expected an error for {text:?}, got {r:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn missing_parentheses() {
        let e = err("alert tcp any any -> any any msg:\"x\"; sid:1;)");
        assert_eq!(e.kind, ErrorKind::MissingParen);
        assert_eq!(e.col, 30);
        assert_eq!(e.message, "expected `(`, found `m`");
        let e = err("alert tcp any any -> any any");
        assert_eq!(e.kind, ErrorKind::MissingParen);
        assert_eq!(e.message, "expected `(`, found end of rule");
        let e = err("alert tcp any any -> any any (msg:\"x\"; sid:1;");
        assert_eq!(e.kind, ErrorKind::MissingParen);
        assert_eq!(
            e.message,
            "expected an option keyword or `)`, found end of rule"
        );
        let e = err("alert tcp any any -> any any (msg:\"x\"; sid:1");
        assert_eq!(e.kind, ErrorKind::MissingParen);
        assert_eq!(e.message, "expected `;` or `)`, found end of rule");
        assert_eq!(e.offset, e.source_line.len());
    }

    #[test]
    fn bad_addresses() {
        for (addr, msg) in [
            (
                "10.0.0.256",
                "octet 256 of `10.0.0.256` is greater than 255",
            ),
            ("10.0.0.0/33", "prefix /33 is out of range for IPv4 (0-32)"),
            ("::1/129", "prefix /129 is out of range for IPv6 (0-128)"),
            (
                "10.0.0.0/255.0.255.0",
                "netmask `255.0.255.0` is not contiguous",
            ),
            (
                "10.0.0.9-10.0.0.1",
                "address range `10.0.0.9-10.0.0.1` is reversed",
            ),
            ("01.2.3.4", "octet `01` of `01.2.3.4` has a leading zero"),
            ("1:2:3", "invalid IPv6 address `1:2:3`"),
            ("10.0.0", "expected an address, found `1`"),
            ("[1.2.3.4 5.6.7.8]", "expected `,` or `]`, found `5`"),
            ("anyx", "expected an address, found `a`"),
        ] {
            let e = err(&format!("alert ip {addr} any -> any any (sid:1;)"));
            assert_eq!(e.kind, ErrorKind::BadAddress, "{addr}: {e}");
            assert_eq!(e.message, msg, "{addr}");
        }
        let e = err("alert ip 1.2.3.4 any -> 10.0.0.256 any (sid:1;)");
        assert_eq!((e.col, e.span), (32, Span { start: 31, end: 34 }));
    }

    #[test]
    fn bad_ports() {
        for (port, msg) in [
            ("70000", "port 70000 is out of range (0-65535)"),
            ("a:b", "expected a port, found `a`"),
            ("90:80", "port range `90:80` is reversed"),
            ("[80,443", "expected `,` or `]`, found `-`"),
            ("8o", "unexpected `o` in the source port"),
        ] {
            let e = err(&format!("alert tcp any {port} -> any any (sid:1;)"));
            assert_eq!(e.kind, ErrorKind::BadPort, "{port}: {e}");
            assert_eq!(e.message, msg, "{port}");
        }
    }

    #[test]
    fn other_header_errors() {
        let e = err("alert tcp any any <- any any (sid:1;)");
        assert_eq!(e.kind, ErrorKind::BadDirection);
        assert_eq!(e.message, "expected `->`, `<>` or `=>`, found `<`");
        let e = err("alert tcp any any -> any");
        assert_eq!(e.kind, ErrorKind::BadPort);
        assert_eq!(
            e.message,
            "expected the destination port, found end of rule"
        );
        let e = err("9lert tcp any any -> any any (sid:1;)");
        assert_eq!(e.kind, ErrorKind::BadAction);
        let e = err("alert +tcp any any -> any any (sid:1;)");
        assert_eq!(e.kind, ErrorKind::BadProtocol);
        let e = err("");
        assert_eq!(e.kind, ErrorKind::BadAction);
        assert_eq!(e.message, "expected an action, found end of rule");
    }

    #[test]
    fn option_errors() {
        let e = err(r#"alert tcp any any -> any any (content:"abc; sid:1;)"#);
        assert_eq!(e.kind, ErrorKind::UnterminatedString);
        assert_eq!(e.message, "unterminated quoted string");
        assert_eq!(e.col, 39);
        let e = err(r#"alert tcp any any -> any any (content:"abc\"; sid:1;)"#);
        assert_eq!(e.kind, ErrorKind::UnterminatedString);
        let e = err(r#"alert tcp any any -> any any (msg:"x" sid:1;)"#);
        assert_eq!(e.kind, ErrorKind::MissingSemicolon);
        assert_eq!(e.message, "missing `;` before `sid`");
        assert_eq!(e.span, Span { start: 38, end: 41 });
        let e = err("alert tcp any any -> any any (sid:1 rev:2;)");
        assert_eq!(e.kind, ErrorKind::MissingSemicolon);
        let e = err("alert tcp any any -> any any (nocase sid:1;)");
        assert_eq!(e.kind, ErrorKind::MissingSemicolon);
        assert_eq!(e.message, "expected `;` or `)`, found `s`");
        let e = err("alert tcp any any -> any any (msg:\"x\"; ; sid:1;)");
        assert_eq!(e.kind, ErrorKind::EmptyKeyword);
        assert_eq!(e.message, "empty option keyword");
        let e = err("alert tcp any any -> any any (:x; sid:1;)");
        assert_eq!(e.kind, ErrorKind::EmptyKeyword);
        let e = err("alert tcp any any -> any any (msg\"x\"; sid:1;)");
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert_eq!(
            e.message,
            "invalid character `\"` in option keyword `msg\"x\"`"
        );
        assert_eq!(e.col, 34);
        let e = err("alert tcp any any -> any any (sid:1;) x");
        assert_eq!(e.kind, ErrorKind::TrailingText);
        assert_eq!(e.message, "expected end of rule after `)`, found `x`");
    }

    #[test]
    fn multi_line_error_position() {
        let text = "alert tcp any any -> any any (msg:\"x\";\n   sid:1 rev:2;)";
        let e = err(text);
        assert_eq!((e.line, e.col), (2, 10));
        assert_eq!(
            e.to_string(),
            "2:10: error: missing `;` before `rev`\n  |\n2 |    sid:1 rev:2;)\n  |          ^^^"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let nested = |n: usize| {
            format!(
                "alert ip {}1.2.3.4{} any -> any any (sid:1;)",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        assert!(parse_rule(&nested(header::MAX_DEPTH)).is_ok());
        let e = parse_rule(&nested(header::MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(e.message, "expression nested deeper than 64 levels");
        assert_eq!(e.col, 10 + header::MAX_DEPTH + 1);
        for (open, close) in [("[", "]"), ("!", ""), ("![", "]")] {
            let n = 100_000;
            let text = format!(
                "alert ip {}1.2.3.4{} any -> any any (sid:1;)",
                open.repeat(n),
                close.repeat(n)
            );
            let e = parse_rule(&text).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadAddress);
            assert!(e.message.ends_with("nested too deeply"), "{}", e.message);
            let text = format!(
                "alert ip any {}80{} -> any any (sid:1;)",
                open.repeat(n),
                close.repeat(n)
            );
            let e = parse_rule(&text).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadPort, "{}", e.message);
        }
    }

    #[test]
    fn garbage_never_panics() {
        let real = r#"alert http $HOME_NET any -> [1.2.3.4/24,!$X,::ffff:1.2.3.4] [80,!81,1024:] (msg:"ET a\;b"; content:"|41 42|"; pcre:"/x\"/i"; sid:1;)"#;
        for end in 0..=real.len() {
            if let Some(prefix) = real.get(..end) {
                let _ = parse_rule(prefix);
            }
            if let Some(suffix) = real.get(end..) {
                let _ = parse_rule(suffix);
            }
        }
        // A small xorshift generator: deterministic, no extra dependency.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"alert tcp any->[]!$:,;()\"\\/.-0123456789abcdef \n\t|";
        for _ in 0..3000 {
            let len = (next() % 80) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let s = String::from_utf8_lossy(&bytes);
            if let Err(e) = parse_rule(&s) {
                let _ = e.to_string();
            }
            // Mutate the real rule at a random position too.
            let mut m = real.as_bytes().to_vec();
            let pos = (next() as usize) % m.len();
            m[pos] = alphabet[(next() as usize) % alphabet.len()];
            let s = String::from_utf8_lossy(&m);
            if let Err(e) = parse_rule(&s) {
                let _ = e.to_string();
            }
        }
    }
}
