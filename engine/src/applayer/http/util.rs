//! Byte-level helpers shared by the HTTP parsers: libhtp's notions of
//! whitespace, tokens and line ends, and its lenient number parsers.
//!
//! Suricata's verdicts depend on these exact definitions (for example which
//! bytes count as whitespace around a header value, or how much junk a
//! `Content-Length` may carry), so they are spelled out here once instead
//! of being approximated with `u8::is_ascii_whitespace` at each use.

/// libhtp's whitespace: SP, HT, CR, LF, VT, FF.
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// nom's `space0` set (used inside header names): SP and HT only.
pub(crate) fn is_sp_ht(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// RFC 2616 separators.
fn is_separator(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')'
            | b'<'
            | b'>'
            | b'@'
            | b','
            | b';'
            | b':'
            | b'\\'
            | b'"'
            | b'/'
            | b'['
            | b']'
            | b'?'
            | b'='
            | b'{'
            | b'}'
            | b' '
            | b'\t'
    )
}

/// RFC 2616 token character: visible ASCII that is not a separator.
pub(crate) fn is_token(c: u8) -> bool {
    (32..=126).contains(&c) && !is_separator(c)
}

/// Strips leading and trailing [`is_space`] bytes.
pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Removes every trailing CR and LF.
pub(crate) fn chomp(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., last] = s {
        if *last != b'\r' && *last != b'\n' {
            break;
        }
        s = rest;
    }
    s
}

/// Length of the leading run of bytes matching `f`.
pub(crate) fn span(s: &[u8], f: impl Fn(u8) -> bool) -> usize {
    s.iter().position(|&c| !f(c)).unwrap_or(s.len())
}

/// Position just past the first LF, if any.
pub(crate) fn line_end_lf(s: &[u8]) -> Option<usize> {
    s.iter().position(|&c| c == b'\n').map(|p| p + 1)
}

/// Position just past the first line end (CRLF, CR or LF), if it can be
/// decided: a CR as the last byte needs one more byte to tell CR from CRLF.
pub(crate) fn line_end_any(s: &[u8]) -> Option<usize> {
    let p = s.iter().position(|&c| c == b'\n' || c == b'\r')?;
    if s.get(p) == Some(&b'\r') {
        match s.get(p + 1) {
            Some(b'\n') => Some(p + 2),
            Some(_) => Some(p + 1),
            None => None,
        }
    } else {
        Some(p + 1)
    }
}

/// ASCII case-insensitive equality that ignores NUL bytes in `have` (libhtp
/// matches header names this way, so `Content-Encoding\0` still counts).
pub(crate) fn eq_nocase_nozero(have: &[u8], want: &[u8]) -> bool {
    let mut it = have.iter().filter(|&&c| c != 0);
    for w in want {
        match it.next() {
            Some(h) if h.eq_ignore_ascii_case(w) => {}
            _ => return false,
        }
    }
    it.next().is_none()
}

/// Case-insensitive substring search ignoring NUL bytes in the haystack.
pub(crate) fn contains_nocase_nozero(hay: &[u8], needle: &[u8]) -> bool {
    let filtered: Vec<u8> = hay.iter().copied().filter(|&c| c != 0).collect();
    contains_nocase(&filtered, needle)
}

/// Case-insensitive substring search.
pub(crate) fn contains_nocase(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Leading digits after skipping whitespace and any other junk, the way
/// libhtp reads `Content-Length` and status codes: returns
/// `(junk_before, digits, junk_after)` or `None` without digits.
fn ascii_digits(input: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let sp = span(input, |c| c == b' ' || c == b'\t');
    let rest = input.get(sp..)?;
    let junk = rest.iter().position(|c| c.is_ascii_digit())?;
    let digits_at = rest.get(junk..)?;
    let n = span(digits_at, |c| c.is_ascii_digit());
    let after = digits_at.get(n..)?;
    let after = after.get(span(after, |c| c == b' ' || c == b'\t')..)?;
    Some((rest.get(..junk)?, digits_at.get(..n)?, after))
}

/// Parses a `Content-Length` value leniently: junk around the first run of
/// digits is tolerated (and reported through the flags), so `68.9` is 68.
pub(crate) fn parse_content_length(input: &[u8]) -> Option<u64> {
    let (_, digits, _) = ascii_digits(input)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A status code: three-digit-ish number 100..=999 with nothing around it.
pub(crate) fn parse_status(input: &[u8]) -> Option<u16> {
    let (before, digits, after) = ascii_digits(input)?;
    if !before.is_empty() || !after.is_empty() {
        return None;
    }
    let n: u16 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (100..=999).contains(&n).then_some(n)
}

/// Bytes libhtp skips before a chunk length (and treats as an empty line).
pub(crate) fn is_chunked_ctl(c: u8) -> bool {
    matches!(c, 0x0d | 0x0a | 0x20 | 0x09 | 0x0b | 0x0c)
}

/// Parses a chunk-size line: hex digits after control bytes, anything after
/// them is ignored (a `;` marks an extension). `Ok(None)` is an empty line,
/// `Err(())` is not a chunk length at all.
pub(crate) fn parse_chunked_length(line: &[u8]) -> Result<(Option<u64>, bool), ()> {
    let rest = &line[span(line, is_chunked_ctl)..];
    let rest = &rest[span(rest, |c| c == b' ' || c == b'\t')..];
    let n = span(rest, |c| c.is_ascii_hexdigit());
    let (digits, trailing) = rest.split_at(n);
    let trailing = &trailing[span(trailing, |c| c == b' ' || c == b'\t')..];
    if digits.is_empty() {
        if trailing.is_empty() {
            return Ok((None, false));
        }
        return Err(());
    }
    let text = std::str::from_utf8(digits).map_err(|_| ())?;
    let len = u64::from_str_radix(text, 16).map_err(|_| ())?;
    if len > i32::MAX as u64 {
        return Ok((None, false));
    }
    Ok((Some(len), trailing.contains(&b';')))
}

/// True when buffered chunk-length bytes (no LF yet) can still become a
/// chunk length: control bytes then hex digits only so far.
pub(crate) fn is_valid_chunked_length_data(data: &[u8]) -> bool {
    let rest = &data[span(data, is_chunked_ctl)..];
    match rest.first() {
        None => true,
        Some(c) => c.is_ascii_hexdigit(),
    }
}

/// The protocol version in a request or response line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    /// Not a recognisable `HTTP/x.y`.
    Invalid,
    /// No protocol given (HTTP/0.9 style request line).
    V0_9,
    /// HTTP/1.0.
    V1_0,
    /// HTTP/1.1.
    V1_1,
}

/// Parses `HTTP/1.1` leniently: case-insensitive `HTTP`, whitespace around
/// the slash and leading zeros in the version are accepted (and flagged).
/// Returns the version and whether such extras were present.
pub(crate) fn parse_protocol(input: &[u8]) -> (Protocol, bool) {
    let mut s = &input[span(input, |c| c.is_ascii_whitespace())..];
    if s.len() < 4 || !s[..4].eq_ignore_ascii_case(b"HTTP") {
        return (Protocol::Invalid, false);
    }
    s = &s[4..];
    let lead = span(s, |c| c.is_ascii_whitespace());
    s = &s[lead..];
    if s.first() != Some(&b'/') {
        return (Protocol::Invalid, false);
    }
    s = &s[1..];
    let zeros = span(s, |c| c.is_ascii_whitespace() || c == b'0');
    s = &s[zeros..];
    let version = if s.starts_with(b".9") {
        Protocol::V0_9
    } else if s.starts_with(b"1.0") {
        Protocol::V1_0
    } else if s.starts_with(b"1.1") {
        Protocol::V1_1
    } else {
        return (Protocol::Invalid, false);
    };
    let used = if version == Protocol::V0_9 { 2 } else { 3 };
    s = &s[used..];
    s = &s[span(s, |c| c.is_ascii_whitespace())..];
    if !s.is_empty() {
        return (Protocol::Invalid, false);
    }
    (version, lead > 0 || zeros > 0)
}

/// Browsers accept anything that starts with `http` (after whitespace or
/// NULs) as a status line; everything else is response body.
pub(crate) fn treat_response_line_as_body(line: &[u8]) -> bool {
    let s = &line[span(line, |c| is_space(c) || c == 0)..];
    !(s.len() >= 4 && s[..4].eq_ignore_ascii_case(b"http"))
}

/// An empty line (CR, LF or CRLF alone) before a request or status line is
/// skipped.
pub(crate) fn is_line_ignorable(line: &[u8]) -> bool {
    matches!(line, b"\r" | b"\n" | b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_and_chomping() {
        assert_eq!(trim(b"\t trim \x0c"), b"trim");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(chomp(b"test\r\n\n"), b"test");
        assert_eq!(chomp(b"te\nst"), b"te\nst");
    }

    #[test]
    fn line_ends() {
        assert_eq!(line_end_any(b"abc\r\nx"), Some(5));
        assert_eq!(line_end_any(b"abc\rx"), Some(4));
        assert_eq!(line_end_any(b"abc\r"), None);
        assert_eq!(line_end_any(b"abc\nx"), Some(4));
        assert_eq!(line_end_lf(b"abc"), None);
    }

    #[test]
    fn nocase_nozero_matching() {
        assert!(eq_nocase_nozero(b"Content-Encoding\0", b"content-encoding"));
        assert!(eq_nocase_nozero(b"HOST", b"host"));
        assert!(!eq_nocase_nozero(b"Hostx", b"host"));
        assert!(contains_nocase_nozero(b"x-CHUN\0KED", b"chunked"));
    }

    #[test]
    fn content_length_is_lenient() {
        assert_eq!(parse_content_length(b"68"), Some(68));
        assert_eq!(parse_content_length(b"  68.9"), Some(68));
        assert_eq!(parse_content_length(b"34 68"), Some(34));
        assert_eq!(parse_content_length(b"abc"), None);
        assert_eq!(parse_content_length(b"99999999999999999999999"), None);
    }

    #[test]
    fn status_codes() {
        assert_eq!(parse_status(b"200"), Some(200));
        assert_eq!(parse_status(b"700"), Some(700));
        assert_eq!(parse_status(b"20x"), None);
        assert_eq!(parse_status(b"99"), None);
    }

    #[test]
    fn chunk_lengths() {
        assert_eq!(parse_chunked_length(b"f\r\r\n"), Ok((Some(15), false)));
        assert_eq!(parse_chunked_length(b"8 \n"), Ok((Some(8), false)));
        assert_eq!(
            parse_chunked_length(b"0 ; qwe3=asd3\n"),
            Ok((Some(0), true))
        );
        assert_eq!(parse_chunked_length(b"\r\n"), Ok((None, false)));
        assert_eq!(
            parse_chunked_length(b"00000000000000000000\r\n"),
            Ok((Some(0), false))
        );
        assert!(parse_chunked_length(b"X5O!P\r\n").is_err());
        assert_eq!(parse_chunked_length(b"ffffffffff\r\n"), Ok((None, false)));
        assert!(is_valid_chunked_length_data(b"\r\n1f"));
        assert!(!is_valid_chunked_length_data(b"X5O"));
    }

    #[test]
    fn protocols() {
        assert_eq!(parse_protocol(b"HTTP/1.1"), (Protocol::V1_1, false));
        assert_eq!(parse_protocol(b"http/1.0"), (Protocol::V1_0, false));
        assert_eq!(parse_protocol(b"HTTP / 01.1"), (Protocol::V1_1, true));
        assert_eq!(parse_protocol(b"HTTP/1.01").0, Protocol::Invalid);
        assert_eq!(parse_protocol(b"SIP/2.0").0, Protocol::Invalid);
    }

    #[test]
    fn response_line_as_body() {
        assert!(!treat_response_line_as_body(b"   HTTP/1.1 200"));
        assert!(!treat_response_line_as_body(b"\0 http"));
        assert!(treat_response_line_as_body(b"xzsc"));
        assert!(treat_response_line_as_body(b""));
        assert!(treat_response_line_as_body(b" SIP/2.0 200 ok"));
    }
}
