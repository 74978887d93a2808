//! Checks on option values that a PEG cannot express without breaking the
//! odd-but-valid values found in real rule sets.
//!
//! Suricata ends a value at the first unescaped `;` and does not pair quotes,
//! so the grammar does the same. Two mistakes would then slip through as
//! "just a strange value"; they are caught here instead:
//! * an opening quote that is never closed (`content:"abc; sid:1;`), and
//! * two options glued together without `;` (`msg:"x" sid:1;`,
//!   `sid:1 rev:2;`).

use crate::ast::Span;
use crate::error::{ErrorKind, ParseError};

/// Trims whitespace around the raw value span.
pub(crate) fn trim(text: &str, raw: Span) -> Span {
    let Some(s) = text.get(raw.start..raw.end) else {
        return raw;
    };
    let start = raw.start + (s.len() - s.trim_start().len());
    let end = raw.start + s.trim_end().len();
    Span {
        start,
        end: end.max(start),
    }
}

/// Validates a trimmed value that starts at byte `start` of `text`.
pub(crate) fn check(text: &str, value: &str, start: usize) -> Result<(), ParseError> {
    let bytes = value.as_bytes();
    // A value that opens with a quote (optionally negated, `!"..."`) must
    // close it.
    let open = match bytes {
        [b'"', ..] => Some(0),
        [b'!', b'"', ..] => Some(1),
        _ => None,
    };
    let mut i = 0;
    if let Some(open) = open {
        let Some(close) = closing_quote(bytes, open + 1) else {
            return Err(ParseError::new(
                text,
                ErrorKind::UnterminatedString,
                Span {
                    start: start + open,
                    end: start + value.len(),
                },
                "unterminated quoted string".to_string(),
            ));
        };
        // `"x" nocase`: whitespace then a word after the closing quote.
        if let Some(word) = word_after_space(bytes, close + 1) {
            return Err(missing_semicolon(text, value, start, word));
        }
        // The leading quoted string cannot hold a glued option.
        i = close + 1;
    }
    // `1 rev:2`: outside quotes, whitespace then `word:`.
    let mut in_quote = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 1,
            b'"' => in_quote = !in_quote,
            b' ' | b'\t' | b'\r' | b'\n' if !in_quote => {
                if let Some(word) = word_after_space(bytes, i) {
                    if bytes.get(word.1) == Some(&b':') {
                        return Err(missing_semicolon(text, value, start, word));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Index of the first unescaped `"` at or after `from`.
fn closing_quote(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// If `bytes[at..]` is whitespace followed by a keyword-like word, the
/// word's byte range.
fn word_after_space(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let rest = bytes.get(at..)?;
    let spaces = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    if spaces == 0 {
        return None;
    }
    let word_start = at + spaces;
    let len = bytes
        .get(word_start..)?
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        .count();
    let first = *bytes.get(word_start)?;
    (len > 0 && first.is_ascii_alphabetic()).then_some((word_start, word_start + len))
}

fn missing_semicolon(text: &str, value: &str, start: usize, word: (usize, usize)) -> ParseError {
    let name = value.get(word.0..word.1).unwrap_or_default();
    ParseError::new(
        text,
        ErrorKind::MissingSemicolon,
        Span {
            start: start + word.0,
            end: start + word.1,
        },
        format!("missing `;` before `{name}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_value(v: &str) -> Result<(), ErrorKind> {
        check(v, v, 0).map_err(|e| e.kind)
    }

    #[test]
    fn accepts_real_world_values() {
        for v in [
            r#""abc""#,
            r#"!"abc""#,
            r#""a\"b\;c""#,
            r#""/[\%\\]u"/Rsi""#,
            "established,to_server",
            "created_at 2013_09_19, confidence Medium, updated_at 2019_07_26",
            "type limit, track by_src, count 1, seconds 60",
            r#""ET MALWARE Foo C2 Domain: x""#,
            "url,www.example.com/a:b",
            "",
            "set,ET.foo",
        ] {
            assert_eq!(check_value(v), Ok(()), "{v}");
        }
    }

    #[test]
    fn rejects_unterminated_and_glued_values() {
        assert_eq!(check_value(r#""abc"#), Err(ErrorKind::UnterminatedString));
        assert_eq!(check_value(r#""abc\""#), Err(ErrorKind::UnterminatedString));
        assert_eq!(check_value(r#"!"abc"#), Err(ErrorKind::UnterminatedString));
        assert_eq!(
            check_value(r#""x" nocase"#),
            Err(ErrorKind::MissingSemicolon)
        );
        assert_eq!(check_value("1 rev:2"), Err(ErrorKind::MissingSemicolon));
        assert_eq!(
            check_value("10\tdistance:0"),
            Err(ErrorKind::MissingSemicolon)
        );
    }

    #[test]
    fn trim_adjusts_the_span() {
        let text = "x:  abc  ;";
        assert_eq!(
            trim(text, Span { start: 2, end: 9 }),
            Span { start: 4, end: 7 }
        );
        assert_eq!(
            trim(text, Span { start: 2, end: 4 }),
            Span { start: 4, end: 4 }
        );
    }
}
