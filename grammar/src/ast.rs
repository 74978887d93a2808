//! The rule AST: syntax only, no keyword semantics.
//!
//! Every node keeps a [`Span`] into the text it was parsed from so that the
//! compiler can point at the exact option when it rejects a rule.

use std::net::IpAddr;

/// Byte range `[start, end)` into the rule text given to the parser.
///
/// For rules read with [`crate::parse_file`] that is
/// [`crate::ParsedRule::text`] (continuation lines joined, a comment marker
/// stripped); [`crate::ParsedRule::position`] maps an offset back to the
/// file line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `alert`, `drop`, `pass`, `reject`, `rejectsrc`, `rejectdst`,
    /// `rejectboth`, `log`, `config`… kept verbatim (lower-case in practice).
    pub action: String,
    /// Span of [`Rule::action`].
    pub action_span: Span,
    /// `tcp`, `udp`, `ip`, `icmp`, `http`, `dns`, `tls`, `tcp-pkt`, `http1`…
    pub protocol: String,
    /// Span of [`Rule::protocol`].
    pub protocol_span: Span,
    /// Source address expression.
    pub src_addr: AddrExpr,
    /// Span of the whole source address expression.
    pub src_addr_span: Span,
    /// Source port expression.
    pub src_port: PortExpr,
    /// Span of the whole source port expression.
    pub src_port_span: Span,
    /// Direction operator.
    pub direction: Direction,
    /// Destination address expression.
    pub dst_addr: AddrExpr,
    /// Span of the whole destination address expression.
    pub dst_addr_span: Span,
    /// Destination port expression.
    pub dst_port: PortExpr,
    /// Span of the whole destination port expression.
    pub dst_port_span: Span,
    /// Options in rule order.
    pub options: Vec<RuleOption>,
    /// Span of the whole rule within the parsed text.
    pub span: Span,
}

/// `->`, `<>` (both ways) or `=>` (Suricata 8 transactional: both directions of one tx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `->`: source to destination only.
    ToDst,
    /// `<>`: either way.
    Both,
    /// `=>`: both directions of one transaction.
    Transactional,
}

/// Address expression of a rule header.
#[derive(Debug, Clone, PartialEq)]
pub enum AddrExpr {
    /// `any`.
    Any,
    /// `$HOME_NET` (name without the `$`).
    Var(String),
    /// A single address or a CIDR block; a bare address has the full prefix.
    Cidr {
        /// The address as written.
        addr: IpAddr,
        /// Prefix length (32 / 128 for a bare address).
        prefix: u8,
    },
    /// `10.0.0.1-10.0.0.9` (inclusive).
    Range {
        /// First address.
        start: IpAddr,
        /// Last address.
        end: IpAddr,
    },
    /// IPv4 address with a dotted netmask, `10.0.0.0/255.0.0.0`.
    Netmask {
        /// The address as written.
        addr: IpAddr,
        /// The netmask (contiguous, checked by the parser).
        mask: IpAddr,
    },
    /// `!expr`.
    Not(Box<AddrExpr>),
    /// `[a, b, …]`, possibly nested.
    List(Vec<AddrExpr>),
}

/// Port expression of a rule header.
#[derive(Debug, Clone, PartialEq)]
pub enum PortExpr {
    /// `any`.
    Any,
    /// `$HTTP_PORTS` (name without the `$`).
    Var(String),
    /// One port.
    Single(u16),
    /// `lo:hi`, `lo:` (hi = None) or `:hi` (lo = None), inclusive.
    Range {
        /// Lower bound, `None` for `:hi`.
        lo: Option<u16>,
        /// Upper bound, `None` for `lo:`.
        hi: Option<u16>,
    },
    /// `!expr`.
    Not(Box<PortExpr>),
    /// `[a, b, …]`, possibly nested.
    List(Vec<PortExpr>),
}

/// One `keyword;` or `keyword:value;` option.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOption {
    /// Keyword as written (e.g. `content`, `http.uri`, `fast_pattern`).
    pub keyword: String,
    /// Span of [`RuleOption::keyword`].
    pub keyword_span: Span,
    /// The value text between `:` and the terminating unescaped `;`, with
    /// surrounding whitespace trimmed, escapes left as written
    /// (`content:"a\;b"` gives `"a\;b"` including the quotes).
    /// Use [`unquote`] to strip quotes and resolve escapes.
    pub value: Option<String>,
    /// Span of the trimmed value, when there is one.
    pub value_span: Option<Span>,
}

/// Strips one pair of surrounding double quotes (if present) and resolves the
/// rule-language escapes `\;`, `\"`, `\\` and `\:` (any other backslash is
/// kept as written, as Suricata does, so pcre escapes survive).
pub fn unquote(value: &str) -> String {
    let v = value.trim();
    let inner = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&n @ (';' | '"' | '\\' | ':')) => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Rule {
    /// First option with this keyword, if any.
    pub fn option(&self, keyword: &str) -> Option<&RuleOption> {
        self.options.iter().find(|o| o.keyword == keyword)
    }
}

#[cfg(test)]
mod tests {
    use super::unquote;

    #[test]
    fn unquote_resolves_rule_escapes_only() {
        assert_eq!(unquote(r#""a\;b\"c\\d""#), r#"a;b"c\d"#);
        assert_eq!(unquote(r#""/\d+\x41/i""#), r#"/\d+\x41/i"#);
        assert_eq!(unquote("  plain "), "plain");
    }
}
