//! Turns a pest failure into a [`ParseError`] a person can act on.
//!
//! pest reports *which grammar rules* it tried at the furthest position. Rule
//! names such as `port_spec` mean nothing to a rule writer, so each one is
//! translated into words ("a port", "`;`"), and the [`ErrorKind`] is chosen
//! from what was expected and from which header field the position falls in.

use pest::error::{Error, ErrorVariant, InputLocation};

use crate::ast::Span;
use crate::error::{floor_char_boundary, ErrorKind, ParseError};
use crate::parser::Rule;

/// Header fields in order; index 7 stands for the option list.
const FIELDS: [&str; 8] = [
    "action",
    "protocol",
    "source address",
    "source port",
    "direction",
    "destination address",
    "destination port",
    "option list",
];
const OPTIONS_FIELD: usize = 7;

/// The order in which expected items are listed in a message.
const WORD_ORDER: [&str; 16] = [
    "an action",
    "a protocol",
    "an address",
    "a port",
    "`->`",
    "`<>`",
    "`=>`",
    "`,`",
    "`]`",
    "whitespace",
    "`(`",
    "an option keyword",
    "an option value",
    "`;`",
    "`)`",
    "end of rule",
];

pub(crate) fn to_parse_error(text: &str, e: &Error<Rule>) -> ParseError {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = floor_char_boundary(text, pos);
    let positives: &[Rule] = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let found = text.get(pos..).and_then(|rest| rest.chars().next());
    let span = Span {
        start: pos,
        end: pos + found.map_or(0, char::len_utf8),
    };
    let found_words = match found {
        None => "end of rule".to_string(),
        Some('\n') => "a line break".to_string(),
        Some(c) => format!("`{c}`"),
    };
    let has = |r: Rule| positives.contains(&r);
    let only_sep = !positives.is_empty() && positives.iter().all(|r| *r == Rule::sep);
    let fields = header_fields(text);
    let mut field = field_at(&fields, pos);
    if only_sep && found.is_none() {
        // The header stopped early: the next field is the one missing.
        field = (field + 1).min(OPTIONS_FIELD);
    }
    let field_name = FIELDS.get(field).copied().unwrap_or("rule");

    let kind = if has(Rule::open_paren) {
        ErrorKind::MissingParen
    } else if field < OPTIONS_FIELD {
        match field {
            0 => ErrorKind::BadAction,
            1 => ErrorKind::BadProtocol,
            2 | 5 => ErrorKind::BadAddress,
            3 | 6 => ErrorKind::BadPort,
            _ => ErrorKind::BadDirection,
        }
    } else if has(Rule::close_paren) && found.is_none() {
        ErrorKind::MissingParen
    } else if positives == [Rule::EOI] {
        ErrorKind::TrailingText
    } else if (has(Rule::keyword) || has(Rule::option)) && matches!(found, Some(';' | ':')) {
        ErrorKind::EmptyKeyword
    } else if has(Rule::semicolon) {
        ErrorKind::MissingSemicolon
    } else {
        ErrorKind::Syntax
    };

    if let ErrorVariant::CustomError { message } = &e.variant {
        // pest's own limits (stack headroom, call count): deep nesting.
        let message = format!("{message}: expression nested too deeply");
        return ParseError::new(text, kind, span, message);
    }
    let message = match kind {
        ErrorKind::EmptyKeyword => "empty option keyword".to_string(),
        ErrorKind::TrailingText => format!("expected end of rule after `)`, found {found_words}"),
        _ if only_sep && found.is_none() => format!("expected the {field_name}, found end of rule"),
        _ if only_sep => format!("unexpected {found_words} in the {field_name}"),
        _ => format!("expected {}, found {found_words}", describe(positives)),
    };
    ParseError::new(text, kind, span, message)
}

/// Words for what was expected, deduplicated, joined as "a, b or c".
fn describe(positives: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for r in positives {
        for w in words_for(*r) {
            if !words.contains(w) {
                words.push(w);
            }
        }
    }
    // pest lists rules in declaration order; list them in reading order.
    words.sort_by_key(|w| WORD_ORDER.iter().position(|o| o == w));
    match words.split_last() {
        None => "something else".to_string(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn words_for(r: Rule) -> &'static [&'static str] {
    match r {
        Rule::rule | Rule::action => &["an action"],
        Rule::protocol => &["a protocol"],
        Rule::sep => &["whitespace"],
        Rule::direction => &["`->`", "`<>`", "`=>`"],
        Rule::src_addr
        | Rule::dst_addr
        | Rule::addr_not
        | Rule::addr_list
        | Rule::addr_any
        | Rule::addr_var
        | Rule::addr_ip
        | Rule::ipv4
        | Rule::ipv6
        | Rule::prefix => &["an address"],
        Rule::src_port
        | Rule::dst_port
        | Rule::port_not
        | Rule::port_list
        | Rule::port_any
        | Rule::port_var
        | Rule::port_spec => &["a port"],
        Rule::addr_comma | Rule::port_comma => &["`,`"],
        Rule::addr_rbracket | Rule::port_rbracket => &["`]`"],
        Rule::open_paren => &["`(`"],
        Rule::close_paren => &["`)`"],
        Rule::option | Rule::keyword => &["an option keyword"],
        Rule::semicolon => &["`;`"],
        Rule::value => &["an option value"],
        Rule::EOI => &["end of rule"],
        // Silent rules (`_{}`) are never reported by pest.
        Rule::ws
        | Rule::addr
        | Rule::ip
        | Rule::name_char
        | Rule::port
        | Rule::body
        | Rule::colon
        | Rule::quoted
        | Rule::plain
        | Rule::special
        | Rule::qplain
        | Rule::rule_end => &[],
    }
}

/// Byte ranges of the (up to seven) whitespace-separated header tokens.
/// Brackets are balanced so that `[1.2.3.4, 5.6.7.8]` is one token; a `(`
/// outside brackets starts the options and ends the header.
fn header_fields(text: &str) -> Vec<(usize, usize)> {
    let mut fields = Vec::with_capacity(7);
    let mut start = None;
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        if fields.len() == 7 {
            break;
        }
        let boundary = depth == 0 && (c.is_whitespace() || c == '(');
        if boundary {
            if let Some(s) = start.take() {
                fields.push((s, i));
            }
            if c == '(' {
                return fields;
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if start.is_none() {
            start = Some(i);
        }
    }
    if let (Some(s), true) = (start, fields.len() < 7) {
        fields.push((s, text.len()));
    }
    fields
}

/// Index of the header field that `pos` belongs to (7 = the options).
fn field_at(fields: &[(usize, usize)], pos: usize) -> usize {
    for (i, &(start, end)) in fields.iter().enumerate() {
        if pos < start || pos <= end {
            return i;
        }
    }
    if fields.len() == 7 {
        OPTIONS_FIELD
    } else {
        fields.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_balance_brackets_and_stop_at_paren() {
        let text = "alert tcp [1.2.3.4, 5.6.7.8] any -> any 80(msg:\"a b\";)";
        let f = header_fields(text);
        let words: Vec<&str> = f.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(
            words,
            [
                "alert",
                "tcp",
                "[1.2.3.4, 5.6.7.8]",
                "any",
                "->",
                "any",
                "80"
            ]
        );
        assert_eq!(field_at(&f, 12), 2);
        assert_eq!(field_at(&f, text.len() - 2), OPTIONS_FIELD);
    }

    #[test]
    fn describe_joins_words() {
        assert_eq!(
            describe(&[Rule::semicolon, Rule::close_paren]),
            "`;` or `)`"
        );
        assert_eq!(describe(&[Rule::direction]), "`->`, `<>` or `=>`");
        assert_eq!(describe(&[Rule::src_addr, Rule::addr_any]), "an address");
        assert_eq!(describe(&[]), "something else");
    }
}
