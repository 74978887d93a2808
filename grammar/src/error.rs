//! Error values and their rustc-style rendering.
//!
//! Two error types exist because they answer different questions:
//! [`ParseError`] locates a problem inside one rule text (what
//! [`crate::parse_rule`] was given), while [`RuleError`] locates it in a rule
//! *file*, after continuation lines and comment markers have been accounted
//! for, so that an editor can jump straight to it.

use std::fmt;
use std::path::PathBuf;

use crate::ast::Span;

/// What kind of mistake a rule contains. Matching on it lets callers count or
/// filter failures without parsing messages.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The action word (`alert`, `drop`, …) is missing or malformed.
    BadAction,
    /// The protocol word (`tcp`, `http`, …) is missing or malformed.
    BadProtocol,
    /// An address expression is malformed or out of range
    /// (`10.0.0.256`, `/33`, a reversed range, a non-contiguous netmask…).
    BadAddress,
    /// A port expression is malformed or out of range (`70000`, `a:b`,
    /// a reversed range…).
    BadPort,
    /// The direction is not `->`, `<>` or `=>`.
    BadDirection,
    /// The `(` opening the options or the `)` closing them is missing.
    MissingParen,
    /// An option keyword is empty (`;;`, `:value;`).
    EmptyKeyword,
    /// Two options run together without a `;` between them.
    MissingSemicolon,
    /// A quoted option value has no closing `"`.
    UnterminatedString,
    /// Something other than whitespace follows the closing `)`.
    TrailingText,
    /// Any other syntax error.
    Syntax,
    /// An error found after parsing (e.g. by the rule compiler) that reuses
    /// [`RuleError`] for its location and rendering.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::BadAction => "bad action",
            ErrorKind::BadProtocol => "bad protocol",
            ErrorKind::BadAddress => "bad address",
            ErrorKind::BadPort => "bad port",
            ErrorKind::BadDirection => "bad direction",
            ErrorKind::MissingParen => "missing parenthesis",
            ErrorKind::EmptyKeyword => "empty keyword",
            ErrorKind::MissingSemicolon => "missing semicolon",
            ErrorKind::UnterminatedString => "unterminated string",
            ErrorKind::TrailingText => "trailing text",
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Other => "error",
        };
        f.write_str(s)
    }
}

/// A syntax error inside one rule text, as returned by [`crate::parse_rule`].
///
/// `span`, `offset`, `line` and `col` are relative to the text that was
/// parsed; `line` and `col` are 1-based and `col` counts characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Category of the mistake.
    pub kind: ErrorKind,
    /// Human-readable description, e.g. "expected `;` or `)`, found `s`".
    pub message: String,
    /// Byte range of the offending text (empty at the end of input).
    pub span: Span,
    /// Byte offset of the error (`span.start`).
    pub offset: usize,
    /// 1-based line of `offset` within the text.
    pub line: usize,
    /// 1-based character column of `offset` within its line.
    pub col: usize,
    /// The text of the line holding the error, for the caret display.
    pub source_line: String,
}

impl ParseError {
    /// Builds an error for `span` of `text`, computing line, column and the
    /// source line.
    pub(crate) fn new(text: &str, kind: ErrorKind, span: Span, message: String) -> Self {
        let offset = floor_char_boundary(text, span.start);
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[..offset].matches('\n').count() + 1;
        let col = text[line_start..offset].chars().count() + 1;
        let source_line = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        ParseError {
            kind,
            message,
            span,
            offset,
            line,
            col,
            source_line,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: error: {}", self.line, self.col, self.message)?;
        render_snippet(f, self.line, self.col, self.span, &self.source_line)
    }
}

impl std::error::Error for ParseError {}

/// A failed rule in a rule file, located by file line and column.
///
/// `line` and `col` (1-based, `col` in characters) point into the file as
/// written: continuation lines and a stripped `# ` comment marker are
/// accounted for. `span` is the byte range within the rule's logical text
/// (continuations joined, comment marker stripped), the same coordinates as
/// the spans of [`crate::ast::Rule`] in [`crate::ParsedRule::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Category of the mistake.
    pub kind: ErrorKind,
    /// The file the rule came from, when known.
    pub file: Option<PathBuf>,
    /// 1-based file line of the error.
    pub line: usize,
    /// 1-based character column of the error within `source_line`.
    pub col: usize,
    /// Human-readable description.
    pub message: String,
    /// The physical file line holding the error, as written.
    pub source_line: String,
    /// Byte range of the offending text within the logical rule text.
    pub span: Span,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        write!(f, "{}:{}: error: {}", self.line, self.col, self.message)?;
        render_snippet(f, self.line, self.col, self.span, &self.source_line)
    }
}

impl std::error::Error for RuleError {}

/// Writes the source line with a gutter and a caret line under `col`:
///
/// ```text
///   |
/// 3 | alert tcp 10.0.0.256 any -> any any (sid:1;)
///   |           ^^^^^^^^^^
/// ```
///
/// The caret is as wide as the span (at least one, clipped at the end of the
/// line); tabs before the column are repeated so the caret lines up.
fn render_snippet(
    f: &mut fmt::Formatter<'_>,
    line: usize,
    col: usize,
    span: Span,
    source_line: &str,
) -> fmt::Result {
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    let mut pad = String::new();
    let mut chars = source_line.chars();
    for c in chars.by_ref().take(col.saturating_sub(1)) {
        pad.push(if c == '\t' { '\t' } else { ' ' });
    }
    let remaining = chars.count();
    let width = span.end.saturating_sub(span.start).min(remaining).max(1);
    write!(
        f,
        "\n{gutter} |\n{number} | {source_line}\n{gutter} | {pad}{}",
        "^".repeat(width)
    )
}

/// Largest char boundary of `s` at or below `i` (clamped to `s.len()`), so a
/// span from another text can never slice inside a character.
pub(crate) fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_locates_line_and_column() {
        let text = "alert tcp\n  any x";
        let e = ParseError::new(
            text,
            ErrorKind::BadPort,
            Span { start: 16, end: 17 },
            "bad".into(),
        );
        assert_eq!((e.line, e.col, e.offset), (2, 7, 16));
        assert_eq!(e.source_line, "  any x");
        assert_eq!(
            e.to_string(),
            "2:7: error: bad\n  |\n2 |   any x\n  |       ^"
        );
    }

    #[test]
    fn caret_is_clipped_and_at_least_one_wide() {
        let text = "abc";
        let e = ParseError::new(
            text,
            ErrorKind::Syntax,
            Span { start: 3, end: 3 },
            "m".into(),
        );
        assert_eq!(e.to_string(), "1:4: error: m\n  |\n1 | abc\n  |    ^");
        let e = ParseError::new(
            text,
            ErrorKind::Syntax,
            Span { start: 1, end: 50 },
            "m".into(),
        );
        assert_eq!(e.to_string(), "1:2: error: m\n  |\n1 | abc\n  |  ^^");
    }

    #[test]
    fn tabs_are_kept_in_the_caret_padding() {
        let e = ParseError::new(
            "\tab",
            ErrorKind::Syntax,
            Span { start: 2, end: 3 },
            "m".into(),
        );
        assert_eq!(e.to_string(), "1:3: error: m\n  |\n1 | \tab\n  | \t ^");
    }

    #[test]
    fn rule_error_renders_with_file_prefix() {
        let e = RuleError {
            kind: ErrorKind::BadPort,
            file: Some(PathBuf::from("local.rules")),
            line: 12,
            col: 3,
            message: "bad port".into(),
            source_line: "a b c".into(),
            span: Span { start: 2, end: 3 },
        };
        assert_eq!(
            e.to_string(),
            "local.rules:12:3: error: bad port\n   |\n12 | a b c\n   |   ^"
        );
    }

    #[test]
    fn floor_char_boundary_never_splits_a_char() {
        let s = "aé";
        assert_eq!(floor_char_boundary(s, 2), 1);
        assert_eq!(floor_char_boundary(s, 99), 3);
    }
}
