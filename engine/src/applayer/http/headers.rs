//! Lenient parsing of an HTTP header block, following libhtp (the parser
//! Suricata uses) rule for rule, because evasions live in the corners:
//!
//! * a response line may end in CR alone, LF alone, CRLF or LF CR; requests
//!   accept CRLF and LF (a bare CR stays in the value);
//! * obs-fold continuation lines (starting with SP, HT or NUL) are joined
//!   with their first whitespace byte, except that in responses a
//!   continuation that looks like `token:` starts a new header instead;
//! * a line without a colon becomes a header with an empty name;
//! * names and values are trimmed of SP HT CR LF VT FF;
//! * an empty continuation line can end the block.
//!
//! The parser works on the whole buffered header block and reports how much
//! it consumed, so the caller keeps the unparsed tail until more bytes come
//! (`Incomplete`) — a header is only emitted once the parser can tell it is
//! not folded onto the next line.

use super::util::{is_sp_ht, is_space, is_token, span, trim};

/// Header flag: the value was folded over several lines.
pub(crate) const FOLDING: u32 = 0x0001;
/// Header flag: folding special case, cleared when a new header was found.
const FOLDING_SPECIAL_CASE: u32 = 0x0002 | FOLDING;
/// Header flag: empty name.
pub(crate) const NAME_EMPTY: u32 = 0x0004;
/// Header flag: empty value.
pub(crate) const VALUE_EMPTY: u32 = 0x0008;
/// Header flag: the name has bytes that are not token characters.
pub(crate) const NAME_NON_TOKEN_CHARS: u32 = 0x0010;
/// Header flag: whitespace between name and colon.
pub(crate) const NAME_TRAILING_WHITESPACE: u32 = 0x0040;
/// Header flag: whitespace before the name (invalid folding).
pub(crate) const NAME_LEADING_WHITESPACE: u32 = 0x0080;
/// Header flag: the block ended at a NUL byte.
pub(crate) const NULL_TERMINATED: u32 = 0x0100;
/// Header flag: no colon on the line.
pub(crate) const MISSING_COLON: u32 = 0x0200 | NAME_EMPTY;
/// Header flag: unusual mix of CR and LF as line end.
pub(crate) const DEFORMED_EOL: u32 = 0x0400;

/// Which message the block belongs to: responses accept CR-only line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Request (client) headers.
    Request,
    /// Response (server) headers.
    Response,
}

/// One parsed header line (before duplicates are merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawHeader {
    /// Trimmed name.
    pub name: Vec<u8>,
    /// Trimmed value, folded lines joined.
    pub value: Vec<u8>,
    /// Flags of the name (the `NAME_*`, `MISSING_COLON` bits).
    pub name_flags: u32,
    /// Flags of the value (`FOLDING`, `DEFORMED_EOL`, …).
    pub value_flags: u32,
}

/// Why a parse step stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// More bytes are needed to decide.
    Incomplete,
    /// The input does not match.
    Error,
}

type Res<T> = Result<(usize, T), Stop>;

/// What ends a value: a line end (with optional fold byte) or a NUL.
#[derive(Debug, Clone, Copy)]
struct Terminator {
    /// Length of the line end itself.
    eol_len: usize,
    /// Flags raised by the terminator.
    flags: u32,
    /// The folding whitespace byte, when the next line continues the value.
    fold: Option<u8>,
}

/// The result of parsing a header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// Bytes of the input consumed (headers and, with `eoh`, the end line).
    pub consumed: usize,
    /// Headers found, in order.
    pub headers: Vec<RawHeader>,
    /// The empty line (or NUL) ending the block was seen.
    pub eoh: bool,
}

/// A header-block parser for one side; `complete` means no more bytes will
/// come (stream closed), so pending decisions are taken with what is there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parser {
    side: Side,
    complete: bool,
}

const MAX_NB_FOLD: usize = 128;

impl Parser {
    pub(crate) fn new(side: Side, complete: bool) -> Self {
        Parser { side, complete }
    }

    fn response(&self) -> bool {
        self.side == Side::Response
    }

    fn is_eol(&self, c: u8) -> bool {
        c == b'\n' || (self.response() && c == b'\r')
    }

    fn eol_regular(&self, i: &[u8]) -> Option<usize> {
        let resp = self.response();
        match i {
            [b'\r', b'\n', ..] => Some(2),
            [b'\n', b'\r', ..] if resp => Some(2),
            [b'\n', ..] => Some(1),
            [b'\r', ..] if resp => Some(1),
            _ => None,
        }
    }

    fn eol_deformed(&self, i: &[u8]) -> Res<u32> {
        if i.starts_with(b"\n\r\r\n") {
            let after = &i[4..];
            if after.starts_with(b"\n") || after.starts_with(b"\r\n") {
                return Ok((4, DEFORMED_EOL));
            }
        }
        if self.response() {
            if i.starts_with(b"\r\n\r") {
                let tail = &i[3..];
                let n = span(tail, |c| c == b'\r' || c == b' ' || c == b'\t');
                if n == tail.len() {
                    return Err(Stop::Incomplete);
                }
                if n == 0 {
                    return Err(Stop::Error);
                }
                let mut used = 3 + n;
                if i.get(used) == Some(&b'\n') {
                    used += 1;
                }
                let rest = &i[used..];
                if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
                    return Err(Stop::Error);
                }
                return Ok((used, DEFORMED_EOL));
            }
        } else if i.starts_with(b"\n\r") && i[2..].starts_with(b"\r\n") {
            return Ok((2, DEFORMED_EOL));
        }
        Err(Stop::Error)
    }

    fn eol_complete(&self, i: &[u8]) -> Res<u32> {
        match self.eol_deformed(i) {
            Err(Stop::Error) => self.eol_regular(i).map(|n| (n, 0)).ok_or(Stop::Error),
            other => other,
        }
    }

    /// A line end not followed by folding whitespace.
    fn eol(&self, i: &[u8]) -> Res<u32> {
        let (n, f) = self.eol_complete(i)?;
        match folding_lws(&i[n..]) {
            Ok(_) => Err(Stop::Error),
            Err(Stop::Error) => Ok((n, f)),
            Err(Stop::Incomplete) => Err(Stop::Incomplete),
        }
    }

    fn folding(&self, i: &[u8]) -> Res<Terminator> {
        let (n, flags) = if self.response() {
            (self.eol_regular(i).ok_or(Stop::Error)?, 0)
        } else {
            self.eol_complete(i)?
        };
        folding_lws(&i[n..])?;
        let fold = i.get(n).copied();
        Ok((
            n + 1,
            Terminator {
                eol_len: n,
                flags: flags | FOLDING,
                fold,
            },
        ))
    }

    fn terminator(&self, i: &[u8]) -> Res<Terminator> {
        let folded = self.folding(i);
        let folded = if self.complete {
            folded.map_err(|_| Stop::Error)
        } else {
            folded
        };
        match folded {
            Ok(r) => return Ok(r),
            Err(Stop::Incomplete) => return Err(Stop::Incomplete),
            Err(Stop::Error) => {}
        }
        if i.first() == Some(&0) {
            return Ok((
                1,
                Terminator {
                    eol_len: 1,
                    flags: NULL_TERMINATED,
                    fold: None,
                },
            ));
        }
        let (n, flags) = if self.complete {
            self.eol_complete(i)?
        } else {
            self.eol(i)?
        };
        Ok((
            n,
            Terminator {
                eol_len: n,
                flags,
                fold: None,
            },
        ))
    }

    /// Bytes up to the line end (a CR right before it is not part of the
    /// value) and the terminator after them.
    fn value_bytes(&self, i: &[u8]) -> Res<(usize, Terminator)> {
        let p = i
            .iter()
            .position(|&c| self.is_eol(c))
            .ok_or(Stop::Incomplete)?;
        let mut vend = p;
        if vend > 0 && i[vend - 1] == b'\r' {
            vend -= 1;
        }
        let (n, t) = self.terminator(&i[vend..])?;
        Ok((vend + n, (vend, t)))
    }

    /// A value including folded continuation lines.
    fn value(&self, i: &[u8]) -> Res<(Vec<u8>, u32)> {
        let (mut rest, (vend, t)) = self.value_bytes(i)?;
        let mut flags = t.flags;
        let mut value = i[..vend].to_vec();
        let Some(mut ofold) = t.fold else {
            if value.is_empty() {
                flags |= VALUE_EMPTY;
            }
            return Ok((rest, (trim(&value).to_vec(), flags)));
        };
        let mut pos = rest;
        let mut folds = 0;
        loop {
            let here = &i[pos..];
            if self.response() {
                match token_then_colon(here) {
                    Ok(true) => {
                        flags &= !FOLDING_SPECIAL_CASE;
                        if value.is_empty() {
                            flags |= VALUE_EMPTY;
                        }
                        return Ok((pos, (trim(&value).to_vec(), flags)));
                    }
                    Err(Stop::Incomplete) => return Err(Stop::Incomplete),
                    _ => {}
                }
            }
            let (n, (vend2, t2)) = self.value_bytes(here)?;
            let rest2 = pos + n;
            let val_bytes = &here[..vend2];
            flags |= t2.flags;
            if !value.is_empty() {
                value.push(ofold);
            }
            if !val_bytes.is_empty() || t2.eol_len > 1 {
                rest = rest2;
                value.extend_from_slice(val_bytes);
            } else if i.get(rest2) == Some(&b'\n') {
                rest = rest2;
            }
            pos = rest2;
            folds += 1;
            match t2.fold {
                Some(f) if folds < MAX_NB_FOLD => ofold = f,
                _ => return Ok((rest, (trim(&value).to_vec(), flags))),
            }
        }
    }

    /// The header name: bytes before the colon, unless a line end that is
    /// not folded comes first.
    fn name(&self, i: &[u8]) -> (usize, Vec<u8>, u32) {
        let mut terminated = 0u8;
        let mut offset = 0;
        for (idx, &c) in i.iter().enumerate() {
            if terminated == 0 {
                if c == b':' {
                    offset = idx;
                    break;
                } else if self.is_eol(c) {
                    terminated = c;
                }
            } else if c == b' ' {
                terminated = 0;
            } else if c == b'\n' && terminated == b'\r' {
                terminated = c;
            } else {
                offset = idx.saturating_sub(1);
                break;
            }
        }
        let raw = &i[..offset];
        let mut flags = 0;
        match (raw.first(), raw.last()) {
            (Some(&first), Some(&last)) => {
                if is_space(first) {
                    flags |= NAME_LEADING_WHITESPACE;
                }
                if is_space(last) {
                    flags |= NAME_TRAILING_WHITESPACE;
                }
                let a = span(raw, is_sp_ht);
                let b = a + span(&raw[a..], is_token);
                let c = b + span(&raw[b..], is_sp_ht);
                if a < raw.len() && b < raw.len() && c < raw.len() {
                    flags |= NAME_NON_TOKEN_CHARS;
                }
            }
            _ => flags |= NAME_EMPTY,
        }
        (offset, trim(raw).to_vec(), flags)
    }

    fn header_with_colon(&self, i: &[u8]) -> Res<RawHeader> {
        let (off, name, name_flags) = self.name(i);
        if i.get(off) != Some(&b':') {
            return Err(Stop::Error);
        }
        let sp = span(&i[off + 1..], is_sp_ht);
        if off + 1 + sp == i.len() {
            return Err(Stop::Incomplete);
        }
        let start = off + 1 + sp;
        let (n, (value, value_flags)) = self.value(&i[start..])?;
        Ok((
            start + n,
            RawHeader {
                name,
                value,
                name_flags,
                value_flags,
            },
        ))
    }

    fn header_sans_colon(&self, i: &[u8]) -> Res<RawHeader> {
        if i.starts_with(b"\r\n") {
            return Err(Stop::Error);
        }
        let (n, (value, flags)) = self.value(i)?;
        Ok((
            n,
            RawHeader {
                name: Vec::new(),
                value,
                name_flags: flags | MISSING_COLON,
                value_flags: flags | MISSING_COLON,
            },
        ))
    }

    fn header(&self, i: &[u8]) -> Res<RawHeader> {
        match self.header_with_colon(i) {
            Ok(r) => Ok(r),
            Err(_) => self.header_sans_colon(i),
        }
    }

    /// Parses as many complete headers as `input` holds.
    pub(crate) fn headers(&self, input: &[u8]) -> Result<Parsed, Stop> {
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            match self.header(&input[pos..]) {
                Ok((n, head)) => {
                    pos += n;
                    let nul = head.value_flags & NULL_TERMINATED != 0;
                    out.push(head);
                    if nul {
                        return Ok(Parsed {
                            consumed: pos,
                            headers: out,
                            eoh: true,
                        });
                    }
                    if let Some(e) = self.eol_regular(&input[pos..]) {
                        return Ok(Parsed {
                            consumed: pos + e,
                            headers: out,
                            eoh: true,
                        });
                    }
                }
                Err(Stop::Incomplete) => {
                    if out.is_empty() {
                        return Err(Stop::Incomplete);
                    }
                    return Ok(Parsed {
                        consumed: pos,
                        headers: out,
                        eoh: false,
                    });
                }
                Err(Stop::Error) => {
                    if out.is_empty() {
                        if let Ok((e, _)) = self.eol_complete(&input[pos..]) {
                            return Ok(Parsed {
                                consumed: pos + e,
                                headers: out,
                                eoh: true,
                            });
                        }
                    }
                    return Err(Stop::Error);
                }
            }
        }
    }
}

/// SP, HT or NUL starting a continuation line.
fn folding_lws(i: &[u8]) -> Res<()> {
    match i.first() {
        None => Err(Stop::Incomplete),
        Some(b' ' | b'\t' | 0) => Ok((1, ())),
        Some(_) => Err(Stop::Error),
    }
}

/// Does the line look like `token:` (a new header, not a folded value)?
fn token_then_colon(i: &[u8]) -> Result<bool, Stop> {
    let a = span(i, is_sp_ht);
    let b = a + span(&i[a..], is_token);
    let c = b + span(&i[b..], is_sp_ht);
    if a == i.len() || b == i.len() || c == i.len() {
        return Err(Stop::Incomplete);
    }
    if i[c] != b':' {
        return Err(Stop::Error);
    }
    let d = c + 1 + span(&i[c + 1..], is_sp_ht);
    if d == i.len() {
        return Err(Stop::Incomplete);
    }
    Ok(b > a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &[u8], value: &[u8]) -> (Vec<u8>, Vec<u8>) {
        (name.to_vec(), value.to_vec())
    }

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    fn parse(side: Side, input: &[u8]) -> Result<(usize, Pairs, bool), Stop> {
        let p = Parser::new(side, false).headers(input)?;
        let hs = p.headers.into_iter().map(|x| (x.name, x.value)).collect();
        Ok((p.consumed, hs, p.eoh))
    }

    #[test]
    fn plain_block() {
        let input = b"Host: a\r\nUser-Agent: curl\r\n\r\nBODY";
        let (n, hs, eoh) = parse(Side::Request, input).unwrap();
        assert!(eoh);
        assert_eq!(&input[n..], b"BODY");
        assert_eq!(hs, vec![h(b"Host", b"a"), h(b"User-Agent", b"curl")]);
    }

    #[test]
    fn folding_both_sides() {
        let input = b"Name1: Value1\nName2:Value2\nName3: Val\n ue3\nName4: Value4\n Value4.1\n Value4.2\n\n";
        for side in [Side::Request, Side::Response] {
            let (n, hs, eoh) = parse(side, input).unwrap();
            assert!(eoh);
            assert_eq!(n, input.len());
            assert_eq!(
                hs,
                vec![
                    h(b"Name1", b"Value1"),
                    h(b"Name2", b"Value2"),
                    h(b"Name3", b"Val ue3"),
                    h(b"Name4", b"Value4 Value4.1 Value4.2"),
                ]
            );
        }
    }

    #[test]
    fn cr_only_line_ends_in_responses() {
        let input = b"Content-disposition: x\rContent-Encoding: gzip\r\n\r\nZ";
        let (n, hs, _) = parse(Side::Response, input).unwrap();
        assert_eq!(&input[n..], b"Z");
        assert_eq!(
            hs,
            vec![
                h(b"Content-disposition", b"x"),
                h(b"Content-Encoding", b"gzip")
            ]
        );
        // A request keeps the bare CR inside the value.
        let (_, hs, _) = parse(Side::Request, input).unwrap();
        assert_eq!(hs[0].1, b"x\rContent-Encoding: gzip".to_vec());
    }

    #[test]
    fn folded_value_starting_empty_and_cr_fold() {
        let input = b"Content-Encoding:\r\n deflate\r\n\r\nX";
        let (_, hs, eoh) = parse(Side::Response, input).unwrap();
        assert!(eoh);
        assert_eq!(hs, vec![h(b"Content-Encoding", b"deflate")]);
        let input = b"Content-Encoding:\r gzip\r\n\r\nX";
        let (_, hs, _) = parse(Side::Response, input).unwrap();
        assert_eq!(hs, vec![h(b"Content-Encoding", b"gzip")]);
    }

    #[test]
    fn response_fold_that_looks_like_a_header_starts_one() {
        let input = b"Connection: close\r\n Transfer-Encoding: chunked\r\nY: foo\r\n\r\nB";
        let (_, hs, _) = parse(Side::Response, input).unwrap();
        assert_eq!(
            hs,
            vec![
                h(b"Connection", b"close"),
                h(b"Transfer-Encoding", b"chunked"),
                h(b"Y", b"foo")
            ]
        );
    }

    #[test]
    fn whitespace_continuation_lines_end_the_block() {
        // LF SP LF: the blank continuation is the end of the headers.
        let input = b"Content-length: 68\n \nX5O";
        let (n, hs, eoh) = parse(Side::Response, input).unwrap();
        assert!(eoh);
        assert_eq!(&input[n..], b"X5O");
        assert_eq!(hs, vec![h(b"Content-length", b"68")]);
        // CRLF SP CRLF CRLF: absorbed, then the empty line ends it.
        let input = b"Content-length: 88\r\n \r\n\r\n\x1f\x8b";
        let (n, hs, eoh) = parse(Side::Response, input).unwrap();
        assert!(eoh);
        assert_eq!(&input[n..], b"\x1f\x8b");
        assert_eq!(hs, vec![h(b"Content-length", b"88")]);
        let input = b"Content-length: 88\n\t\n\n\x1f";
        let (n, _, eoh) = parse(Side::Response, input).unwrap();
        assert!(eoh);
        assert_eq!(&input[n..], b"\x1f");
    }

    #[test]
    fn odd_names() {
        let input = b"Transfer-Encoding\t: chunked\r\nFoo Bar: x\r\nK V\r\nCE\0:deflate\r\n\r\n";
        let p = Parser::new(Side::Response, false).headers(input).unwrap();
        assert_eq!(p.headers[0].name, b"Transfer-Encoding".to_vec());
        assert_ne!(p.headers[0].name_flags & NAME_TRAILING_WHITESPACE, 0);
        assert_eq!(p.headers[1].name, b"Foo Bar".to_vec());
        assert_ne!(p.headers[1].name_flags & NAME_NON_TOKEN_CHARS, 0);
        assert_eq!(p.headers[2].name, b"".to_vec());
        assert_eq!(p.headers[2].value, b"K V".to_vec());
        assert_eq!(p.headers[2].name_flags & MISSING_COLON, MISSING_COLON);
        assert_eq!(p.headers[3].name, b"CE\0".to_vec());
    }

    #[test]
    fn incomplete_until_the_fold_is_known() {
        assert_eq!(parse(Side::Request, b"K: V"), Err(Stop::Incomplete));
        assert_eq!(parse(Side::Request, b"K: V\r\n"), Err(Stop::Incomplete));
        let (n, hs, eoh) = parse(Side::Request, b"K: V\r\nK2: V2\r").unwrap();
        assert!(!eoh);
        assert_eq!(n, 6);
        assert_eq!(hs, vec![h(b"K", b"V")]);
        // At stream close the pending header is taken as is.
        let p = Parser::new(Side::Response, true)
            .headers(b"Server:ng1nx\r\n")
            .unwrap();
        assert_eq!(p.headers[0].value, b"ng1nx".to_vec());
    }

    #[test]
    fn empty_block() {
        let (n, hs, eoh) = parse(Side::Request, b"\r\nBODY").unwrap();
        assert!(eoh && hs.is_empty());
        assert_eq!(n, 2);
    }

    #[test]
    fn nul_inside_value_is_kept() {
        let (_, hs, _) = parse(Side::Request, b"k1:v1\r\nk2:v2 before\0v2 after\r\n\r\n").unwrap();
        assert_eq!(hs[1].1, b"v2 before\0v2 after".to_vec());
    }

    #[test]
    fn never_panics_on_noise() {
        let mut seed = 0x1234_5678u32;
        for _ in 0..2000 {
            let len = (seed % 64) as usize;
            let mut buf = Vec::with_capacity(len);
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let pick = b"\r\n :\t\0aZ";
                buf.push(pick[(seed >> 16) as usize % pick.len()]);
            }
            for side in [Side::Request, Side::Response] {
                for complete in [false, true] {
                    if let Ok(p) = Parser::new(side, complete).headers(&buf) {
                        assert!(p.consumed <= buf.len());
                    }
                }
            }
        }
    }
}
