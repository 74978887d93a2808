//! Rule *files*: comments, blank lines, continuation lines and commented-out
//! rules, with every error located by file line and column.
//!
//! Line handling follows Suricata's loader: a line whose last non-blank
//! character is `\` continues on the next line; the backslash (and anything
//! after it) is dropped and the next line is appended as it stands, leading
//! whitespace included. Unlike Suricata, an indented rule is parsed rather
//! than silently skipped.

use std::path::{Path, PathBuf};

use crate::ast::{self, Span};
use crate::error::{floor_char_boundary, ErrorKind, ParseError, RuleError};
use crate::parse_rule;

/// Actions recognised after a `#` when commented-out rules are requested.
const ACTIONS: [&str; 8] = [
    "alert",
    "drop",
    "pass",
    "reject",
    "rejectsrc",
    "rejectdst",
    "rejectboth",
    "log",
];

/// How to read a rule file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Also parse commented-out rules (`# alert …`, `#alert …`) and return
    /// them with [`ParsedRule::commented`] set. Other comments are ignored.
    pub include_commented: bool,
}

/// The outcome of reading one rule file: the rules that parsed and the
/// errors of those that did not (one bad rule never stops the others).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct FileParse {
    /// Rules in file order.
    pub rules: Vec<ParsedRule>,
    /// One error per enabled rule that failed to parse, in file order.
    pub errors: Vec<RuleError>,
    /// Errors of commented-out rules (only with
    /// [`ParseOptions::include_commented`]). Kept apart: a disabled rule that
    /// does not parse is worth a warning, not a failed load.
    pub commented_errors: Vec<RuleError>,
    /// Number of physical lines in the file.
    pub lines: usize,
}

/// One rule read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRule {
    /// The rule; its spans are byte offsets into [`ParsedRule::text`].
    pub rule: ast::Rule,
    /// 1-based file line where the rule starts.
    pub line: usize,
    /// The logical rule text as parsed: continuation lines joined, the
    /// comment marker of a commented-out rule stripped.
    pub text: String,
    /// `true` for a commented-out (disabled) rule.
    pub commented: bool,
    /// Where each piece of `text` sits in the file.
    segments: Vec<Segment>,
}

/// The part of one physical line that went into a rule's logical text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    /// Offset in the logical text where this line's contribution starts.
    text_start: usize,
    /// 1-based file line.
    line: usize,
    /// Text of the physical line before the contribution (indentation, `#`).
    prefix: String,
    /// Text of the physical line after it (the continuation `\`).
    suffix: String,
}

impl ParsedRule {
    /// File line and character column (both 1-based) of byte `offset` of
    /// [`ParsedRule::text`], e.g. to report an option by its span.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        position(&self.text, &self.segments, offset)
    }

    /// Builds a [`RuleError`] for `span` of this rule with file coordinates
    /// and the source line, so that later stages (the rule compiler) report
    /// in the same format as syntax errors.
    pub fn error(
        &self,
        file: Option<&Path>,
        kind: ErrorKind,
        span: Span,
        message: impl Into<String>,
    ) -> RuleError {
        rule_error(&self.text, &self.segments, file, kind, span, message.into())
    }
}

/// Reads a rule file with default [`ParseOptions`] (commented rules ignored).
///
/// `path` is only used to label errors.
pub fn parse_file(source: &str, path: Option<&Path>) -> FileParse {
    parse_file_with(source, path, &ParseOptions::default())
}

/// Reads a rule file.
///
/// ```
/// use sigil_grammar::{parse_file_with, ParseOptions};
/// let src = "# local rules\nalert tcp any any -> any 80 (sid:1;)\n#alert udp any any -> any 53 (sid:2;)\n";
/// let parsed = parse_file_with(src, None, &ParseOptions { include_commented: true });
/// assert_eq!(parsed.rules.len(), 2);
/// assert!(parsed.rules[1].commented);
/// assert_eq!(parsed.rules[1].line, 3);
/// ```
pub fn parse_file_with(source: &str, path: Option<&Path>, options: &ParseOptions) -> FileParse {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = FileParse {
        lines: lines.len(),
        ..FileParse::default()
    };
    let mut next = 0;
    while let Some(&raw) = lines.get(next) {
        let line_no = next + 1;
        next += 1;
        let trimmed = raw.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let lead = raw.len() - trimmed.len();
        let (commented, content_start) = if trimmed.starts_with('#') {
            match commented_rule_offset(trimmed) {
                Some(off) if options.include_commented => (true, lead + off),
                _ => continue,
            }
        } else {
            (false, lead)
        };

        let mut text = String::with_capacity(raw.len());
        let mut segments = Vec::with_capacity(1);
        let (mut prefix, mut content) = raw.split_at(content_start);
        let mut seg_line = line_no;
        loop {
            let body = content.trim_end();
            let continued = body.ends_with('\\');
            let (piece, suffix) = if continued {
                content.split_at(body.len() - 1)
            } else {
                (content, "")
            };
            segments.push(Segment {
                text_start: text.len(),
                line: seg_line,
                prefix: prefix.to_string(),
                suffix: suffix.to_string(),
            });
            text.push_str(piece);
            let Some(&following) = lines.get(next).filter(|_| continued) else {
                break;
            };
            seg_line = next + 1;
            next += 1;
            (prefix, content) = continuation(following, commented);
        }
        // `# alert on odd traffic, see …` is prose, not a disabled rule.
        if commented && !text.contains('(') {
            continue;
        }
        match parse_rule(&text) {
            Ok(rule) => out.rules.push(ParsedRule {
                rule,
                line: line_no,
                text,
                commented,
                segments,
            }),
            Err(e) => {
                let error = from_parse_error(&text, &segments, path, e);
                if commented {
                    out.commented_errors.push(error);
                } else {
                    out.errors.push(error);
                }
            }
        }
    }
    out
}

/// For `#` + optional blanks + a known action + blank, the byte offset of
/// the action within `line` (which starts with `#`).
fn commented_rule_offset(line: &str) -> Option<usize> {
    let after_hash = line.strip_prefix('#')?;
    let word_part = after_hash.trim_start_matches([' ', '\t']);
    let offset = line.len() - word_part.len();
    let word_len = word_part
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let (word, rest) = word_part.split_at(word_len);
    let followed_by_blank = rest.starts_with([' ', '\t']);
    (followed_by_blank && ACTIONS.contains(&word)).then_some(offset)
}

/// Splits a continuation line into (prefix, content). In a commented-out
/// rule each continuation line carries its own `#`, which is stripped.
fn continuation(line: &str, commented: bool) -> (&str, &str) {
    if commented {
        if let Some(rest) = line.trim_start().strip_prefix('#') {
            return line.split_at(line.len() - rest.len());
        }
    }
    ("", line)
}

/// The segment holding byte `offset` of the logical text: the last one that
/// starts at or before it.
fn segment_for(segments: &[Segment], offset: usize) -> Option<&Segment> {
    segments.iter().rev().find(|s| s.text_start <= offset)
}

fn position(text: &str, segments: &[Segment], offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset);
    let Some(seg) = segment_for(segments, offset) else {
        return (1, 1);
    };
    let before = text.get(seg.text_start..offset).unwrap_or_default();
    (
        seg.line,
        seg.prefix.chars().count() + before.chars().count() + 1,
    )
}

/// The physical line of the segment holding `offset`, as written.
fn source_line(text: &str, segments: &[Segment], offset: usize) -> String {
    let Some((i, seg)) = segments
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| s.text_start <= offset)
    else {
        return String::new();
    };
    let end = segments.get(i + 1).map_or(text.len(), |n| n.text_start);
    let piece = text.get(seg.text_start..end).unwrap_or_default();
    format!("{}{piece}{}", seg.prefix, seg.suffix)
}

fn rule_error(
    text: &str,
    segments: &[Segment],
    file: Option<&Path>,
    kind: ErrorKind,
    span: Span,
    message: String,
) -> RuleError {
    let (line, col) = position(text, segments, span.start);
    RuleError {
        kind,
        file: file.map(PathBuf::from),
        line,
        col,
        message,
        source_line: source_line(text, segments, span.start),
        span,
    }
}

fn from_parse_error(
    text: &str,
    segments: &[Segment],
    file: Option<&Path>,
    e: ParseError,
) -> RuleError {
    rule_error(text, segments, file, e.kind, e.span, e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WITH_COMMENTED: ParseOptions = ParseOptions {
        include_commented: true,
    };

    #[test]
    fn skips_blank_lines_and_comments() {
        let src = "\n# a comment\n   \nalert tcp any any -> any any (sid:1;)\r\n\t\n#alert tcp any any -> any any (sid:2;)\n";
        let p = parse_file(src, None);
        assert_eq!(p.lines, 6);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rules.len(), 1);
        assert_eq!(p.rules[0].line, 4);
        assert!(!p.rules[0].commented);
        assert_eq!(p.rules[0].text, "alert tcp any any -> any any (sid:1;)");
    }

    #[test]
    fn commented_rules_on_request() {
        let src = "#alert tcp any any -> any any (sid:1;)\n#  drop udp any any -> any 53 (sid:2;)\n# alert on odd traffic\n# alerting is fun (really)\n#\tpass ip any any -> any any (sid:3;)\n## alert tcp any any -> any any (sid:4;)\n";
        let p = parse_file_with(src, None, &WITH_COMMENTED);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let got: Vec<(usize, &str, bool)> = p
            .rules
            .iter()
            .map(|r| (r.line, r.rule.action.as_str(), r.commented))
            .collect();
        assert_eq!(
            got,
            [(1, "alert", true), (2, "drop", true), (5, "pass", true)]
        );
        assert_eq!(p.rules[1].text, "drop udp any any -> any 53 (sid:2;)");
    }

    #[test]
    fn continuation_lines_are_joined() {
        let src = "alert tcp any any -> any any ( \\\n    msg:\"a\"; \\  \n    sid:1;)\nalert udp any any -> any any (sid:2;)\n";
        let p = parse_file(src, None);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rules.len(), 2);
        let r = &p.rules[0];
        assert_eq!(r.line, 1);
        assert_eq!(
            r.text,
            "alert tcp any any -> any any (     msg:\"a\";     sid:1;)"
        );
        // The `sid` keyword maps back to line 3, column 5.
        let sid = r.rule.option("sid").unwrap();
        assert_eq!(r.position(sid.keyword_span.start), (3, 5));
        assert_eq!(r.position(0), (1, 1));
        assert_eq!(p.rules[1].line, 4);
    }

    #[test]
    fn a_bad_rule_does_not_stop_the_others() {
        let src = "alert tcp any 70000 -> any any (sid:1;)\nalert tcp any any -> any any (sid:2;)\nalert tcp any any -> any any (sid:3;\nalert tcp any any -> any any (sid:4;)\n";
        let p = parse_file(src, Some(Path::new("x.rules")));
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].kind, ErrorKind::BadPort);
        assert_eq!((p.errors[0].line, p.errors[0].col), (1, 15));
        assert_eq!(p.errors[1].kind, ErrorKind::MissingParen);
        assert_eq!(p.errors[1].line, 3);
        assert_eq!(p.errors[1].file.as_deref(), Some(Path::new("x.rules")));
    }

    #[test]
    fn error_rendering_single_line() {
        let src = "\nalert ip 10.0.0.256 any -> any any (sid:1;)\n";
        let p = parse_file(src, Some(Path::new("local.rules")));
        assert_eq!(
            p.errors[0].to_string(),
            "local.rules:2:17: error: octet 256 of `10.0.0.256` is greater than 255\n  |\n2 | alert ip 10.0.0.256 any -> any any (sid:1;)\n  |                 ^^^"
        );
    }

    #[test]
    fn error_rendering_multi_line_rule() {
        let src = "alert tcp any any -> any any (msg:\"x\"; \\\n  content:\"abc\" nocase; \\\n  sid:1;)\n";
        let p = parse_file(src, Some(Path::new("local.rules")));
        let e = &p.errors[0];
        assert_eq!(e.kind, ErrorKind::MissingSemicolon);
        assert_eq!(
            e.to_string(),
            "local.rules:2:17: error: missing `;` before `nocase`\n  |\n2 |   content:\"abc\" nocase; \\\n  |                 ^^^^^^"
        );
    }

    #[test]
    fn error_rendering_commented_rule() {
        let src = "# header\n#  alert tcp any any <- any any (sid:1;)\n";
        let p = parse_file_with(src, None, &WITH_COMMENTED);
        assert!(p.errors.is_empty());
        let e = &p.commented_errors[0];
        assert_eq!(e.kind, ErrorKind::BadDirection);
        assert_eq!(
            e.to_string(),
            "2:22: error: expected `->`, `<>` or `=>`, found `<`\n  |\n2 | #  alert tcp any any <- any any (sid:1;)\n  |                      ^"
        );
        // Without the option the same line is just a comment.
        let p = parse_file(src, None);
        assert!(p.errors.is_empty() && p.commented_errors.is_empty());
    }

    #[test]
    fn commented_multi_line_rule_strips_each_marker() {
        let src = "#alert tcp any any -> any any (msg:\"x\"; \\\n#   sid:1;)\n";
        let p = parse_file_with(src, None, &WITH_COMMENTED);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let r = &p.rules[0];
        assert_eq!(
            r.text,
            "alert tcp any any -> any any (msg:\"x\";    sid:1;)"
        );
        let sid = r.rule.option("sid").unwrap();
        assert_eq!(r.position(sid.keyword_span.start), (2, 5));
    }

    #[test]
    fn compiler_errors_reuse_the_rendering() {
        let src = "alert tcp any any -> any any (foo:bar; sid:1;)\n";
        let p = parse_file(src, None);
        let r = &p.rules[0];
        let foo = &r.rule.options[0];
        let e = r.error(
            None,
            ErrorKind::Other,
            foo.keyword_span,
            "unknown keyword `foo`",
        );
        assert_eq!(
            e.to_string(),
            "1:31: error: unknown keyword `foo`\n  |\n1 | alert tcp any any -> any any (foo:bar; sid:1;)\n  |                               ^^^"
        );
    }

    #[test]
    fn continuation_at_end_of_file_and_garbage_lines() {
        let p = parse_file("alert tcp any any -> any any (sid:1;) \\", None);
        assert_eq!(p.rules.len(), 1);
        let p = parse_file("\\\n\\\n#\n\u{0}\u{7f}é\n", None);
        assert_eq!(p.errors.len(), 2);
        // The joined text is just the `#` of line 3, where the error is.
        assert_eq!((p.errors[0].line, p.errors[1].line), (3, 4));
    }
}
