//! Pure DNS message parsing: header, questions and the three resource
//! record sections, with name decompression.
//!
//! The parser follows Suricata 8's rules so that the same messages are
//! accepted, rejected and flagged:
//!
//! - questions and answers must parse, or the whole message is malformed;
//!   a broken authority or additional section only marks the message
//!   (`invalid_authorities` / `invalid_additionals`) and keeps what came
//!   before;
//! - a name is at most [`MAX_NAME_LEN`] bytes in presentation form (longer
//!   ones are cut and flagged), and at most [`MAX_LABELS`] labels and
//!   pointers are followed, which bounds the work a pointer loop can cause;
//!   a pointer to itself is reported as an infinite loop.
//!
//! Nothing here panics on hostile input: every read is bounds-checked and
//! a short or invalid field returns [`ParseError`].

use super::rdata::{parse_rdata, RData};

/// Size of the fixed DNS header.
pub const HEADER_LEN: usize = 12;
/// Longest name kept, in presentation form (dnsmasq's limit, as Suricata).
pub const MAX_NAME_LEN: usize = 1025;
/// Labels and pointers followed per name before giving up.
pub const MAX_LABELS: usize = 255;
/// Record type of EDNS OPT pseudo-records, which may carry empty rdata.
const RRTYPE_OPT: u16 = 41;

/// Why a message could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// A field runs past the end of the message.
    Incomplete,
    /// A field is invalid (bad label type, pointer out of range, endless name).
    Malformed,
}

/// The fixed 12-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Transaction id chosen by the client.
    pub id: u16,
    /// QR, opcode, AA, TC, RD, RA, Z, AD, CD and rcode bits.
    pub flags: u16,
    /// Number of questions.
    pub qdcount: u16,
    /// Number of answer records.
    pub ancount: u16,
    /// Number of authority records.
    pub nscount: u16,
    /// Number of additional records.
    pub arcount: u16,
}

impl Header {
    /// Reads the header from the start of `msg`.
    pub fn parse(msg: &[u8]) -> Result<Header, ParseError> {
        let u16_at = |i: usize| read_u16(msg, i);
        Ok(Header {
            id: u16_at(0)?,
            flags: u16_at(2)?,
            qdcount: u16_at(4)?,
            ancount: u16_at(6)?,
            nscount: u16_at(8)?,
            arcount: u16_at(10)?,
        })
    }

    /// QR bit: the message is a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// The 4-bit opcode.
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0x0f) as u8
    }

    /// The 4-bit response code.
    pub fn rcode(&self) -> u8 {
        (self.flags & 0x0f) as u8
    }

    /// The reserved Z bit (0x0040).
    pub fn z(&self) -> bool {
        self.flags & 0x0040 != 0
    }

    /// Total number of records the header announces.
    pub fn record_count(&self) -> usize {
        usize::from(self.qdcount)
            + usize::from(self.ancount)
            + usize::from(self.nscount)
            + usize::from(self.arcount)
    }

    /// Suricata's plausibility check of a header against the message size
    /// (`probe_header_validity`): every announced record needs at least two
    /// bytes, a message without records has no body, and a query asks at
    /// least one question. Messages failing it are not DNS.
    pub fn is_plausible(&self, msg_len: usize) -> bool {
        let records = self.record_count();
        if records * 2 > msg_len {
            return false;
        }
        if records == 0 && msg_len > HEADER_LEN {
            return false;
        }
        self.is_response() || self.qdcount != 0
    }
}

/// Anomalies met while decoding names, accumulated over a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameFlags {
    /// A compression pointer pointed at itself.
    pub infinite_loop: bool,
    /// A name was longer than [`MAX_NAME_LEN`] and was cut.
    pub truncated: bool,
    /// More than [`MAX_LABELS`] labels or pointers were followed.
    pub label_limit: bool,
}

impl NameFlags {
    fn merge(&mut self, other: NameFlags) {
        self.infinite_loop |= other.infinite_loop;
        self.truncated |= other.truncated;
        self.label_limit |= other.label_limit;
    }
}

/// A decoded domain name, labels joined by `.` (no trailing dot; the root
/// is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    /// The name bytes as sent (not lower-cased, not escaped).
    pub value: Vec<u8>,
    /// The name was cut at [`MAX_NAME_LEN`] or by the message's memory budget.
    pub truncated: bool,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Asked name.
    pub name: Name,
    /// QTYPE.
    pub rrtype: u16,
    /// QCLASS.
    pub rrclass: u16,
}

/// One resource record (answer, authority or additional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Owner name.
    pub name: Name,
    /// TYPE.
    pub rrtype: u16,
    /// CLASS.
    pub rrclass: u16,
    /// TTL in seconds.
    pub ttl: u32,
    /// Decoded RDATA.
    pub data: RData,
}

/// A parsed DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Fixed header.
    pub header: Header,
    /// Question section.
    pub queries: Vec<Query>,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section (what parsed before an error).
    pub authorities: Vec<Record>,
    /// The authority section did not parse.
    pub invalid_authorities: bool,
    /// Additional section (what parsed before an error).
    pub additionals: Vec<Record>,
    /// The additional section did not parse.
    pub invalid_additionals: bool,
}

/// Reads a big-endian u16 at `at`.
pub(super) fn read_u16(msg: &[u8], at: usize) -> Result<u16, ParseError> {
    match msg.get(at..at.saturating_add(2)) {
        Some([a, b]) => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(ParseError::Incomplete),
    }
}

/// Reads a big-endian u32 at `at`.
pub(super) fn read_u32(msg: &[u8], at: usize) -> Result<u32, ParseError> {
    match msg.get(at..at.saturating_add(4)) {
        Some([a, b, c, d]) => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(ParseError::Incomplete),
    }
}

/// Decoding context shared by every name of one message: the message
/// itself (pointers are offsets into it), the anomalies seen so far and
/// how many more name bytes may be stored.
pub(super) struct NameCtx<'a> {
    /// The complete message, header included.
    pub msg: &'a [u8],
    /// Anomalies accumulated over the message.
    pub flags: NameFlags,
    /// Name bytes still allowed to be kept for this message. Pointers let a
    /// 64 KiB message expand to megabytes of names; past the budget names
    /// are kept empty and marked truncated.
    pub budget: usize,
}

impl<'a> NameCtx<'a> {
    /// Context for `msg` with a name-byte budget.
    pub fn new(msg: &'a [u8], budget: usize) -> Self {
        NameCtx {
            msg,
            flags: NameFlags::default(),
            budget,
        }
    }

    /// Decodes the name starting at `start`; the labels that are not behind
    /// a pointer must lie before `end`. Returns the name and the offset just
    /// after it in the original position (after the first pointer, if any).
    pub fn name(&mut self, start: usize, end: usize) -> Result<(Name, usize), ParseError> {
        let msg = self.msg;
        let mut pos = start;
        let mut limit = end.min(msg.len());
        let mut resume: Option<usize> = None;
        let mut value: Vec<u8> = Vec::new();
        let mut flags = NameFlags::default();
        let mut steps = 0usize;
        // Running out of bytes ends the name, as in Suricata.
        while let Some(&len) = msg.get(pos).filter(|_| pos < limit) {
            if len == 0 {
                pos += 1;
                break;
            }
            match len & 0xc0 {
                0x00 => {
                    let from = pos + 1;
                    let to = from + usize::from(len);
                    let label = msg.get(from..to).filter(|_| to <= limit);
                    let label = label.ok_or(ParseError::Incomplete)?;
                    if !flags.truncated {
                        if !value.is_empty() {
                            value.push(b'.');
                        }
                        value.extend_from_slice(label);
                    }
                    pos = to;
                }
                0xc0 => {
                    if pos + 2 > limit {
                        return Err(ParseError::Incomplete);
                    }
                    let target = usize::from(read_u16(msg, pos)? & 0x3fff);
                    if target > msg.len() {
                        return Err(ParseError::Malformed);
                    }
                    if target == pos {
                        // A pointer to itself never ends. Behind an earlier
                        // pointer we know where the name ended in the
                        // stream, so keep what we have.
                        flags.infinite_loop = true;
                        if resume.is_some() {
                            break;
                        }
                        self.flags.merge(flags);
                        return Err(ParseError::Malformed);
                    }
                    if resume.is_none() {
                        resume = Some(pos + 2);
                    }
                    pos = target;
                    limit = msg.len();
                }
                _ => return Err(ParseError::Malformed),
            }
            steps += 1;
            if steps > MAX_LABELS {
                flags.label_limit = true;
                if resume.is_some() {
                    flags.truncated = true;
                    break;
                }
                self.flags.merge(flags);
                return Err(ParseError::Malformed);
            }
            if value.len() > MAX_NAME_LEN {
                value.truncate(MAX_NAME_LEN);
                flags.truncated = true;
                // Without a pointer we must walk on to find the name's end.
                if resume.is_some() {
                    break;
                }
            }
        }
        self.flags.merge(flags);
        let mut truncated = flags.truncated;
        if value.len() > self.budget {
            value.clear();
            truncated = true;
        } else {
            self.budget -= value.len();
        }
        Ok((Name { value, truncated }, resume.unwrap_or(pos)))
    }
}

/// Parses `count` questions from `pos`.
fn parse_queries(
    ctx: &mut NameCtx<'_>,
    mut pos: usize,
    count: u16,
) -> Result<(Vec<Query>, usize), ParseError> {
    let mut queries = Vec::new();
    for _ in 0..count {
        let (name, next) = ctx.name(pos, ctx.msg.len())?;
        let rrtype = read_u16(ctx.msg, next)?;
        let rrclass = read_u16(ctx.msg, next + 2)?;
        pos = next + 4;
        queries.push(Query {
            name,
            rrtype,
            rrclass,
        });
    }
    Ok((queries, pos))
}

/// Parses `count` resource records from `pos`. Records whose RDATA is
/// empty are skipped (Suricata 8 keeps none of them except OPT).
fn parse_records(
    ctx: &mut NameCtx<'_>,
    mut pos: usize,
    count: u16,
) -> Result<(Vec<Record>, usize), ParseError> {
    let mut records = Vec::new();
    for _ in 0..count {
        let (name, next) = ctx.name(pos, ctx.msg.len())?;
        let rrtype = read_u16(ctx.msg, next)?;
        let rrclass = read_u16(ctx.msg, next + 2)?;
        let ttl = read_u32(ctx.msg, next + 4)?;
        let rdlen = usize::from(read_u16(ctx.msg, next + 8)?);
        let rd_start = next + 10;
        let rd_end = rd_start + rdlen;
        if rd_end > ctx.msg.len() {
            return Err(ParseError::Incomplete);
        }
        pos = rd_end;
        if rdlen == 0 && rrtype != RRTYPE_OPT {
            continue;
        }
        let data = parse_rdata(ctx, rrtype, rd_start, rd_end)?;
        records.push(Record {
            name,
            rrtype,
            rrclass,
            ttl,
            data,
        });
    }
    Ok((records, pos))
}

/// Parses a complete message (the UDP payload, or a TCP message without its
/// length prefix). `budget` caps the name bytes kept: past it names are
/// stored empty and marked truncated (pointers can expand a message many
/// times over).
pub fn parse_message(msg: &[u8], budget: usize) -> Result<(Message, NameFlags), ParseError> {
    let header = Header::parse(msg)?;
    let mut ctx = NameCtx::new(msg, budget);
    let (queries, pos) = parse_queries(&mut ctx, HEADER_LEN, header.qdcount)?;
    let (answers, pos) = parse_records(&mut ctx, pos, header.ancount)?;
    let (authorities, invalid_authorities, pos) = match parse_records(&mut ctx, pos, header.nscount)
    {
        Ok((records, next)) => (records, false, next),
        Err(_) => (Vec::new(), true, pos),
    };
    let (additionals, invalid_additionals) = if invalid_authorities {
        (Vec::new(), false)
    } else {
        match parse_records(&mut ctx, pos, header.arcount) {
            Ok((records, _)) => (records, false),
            Err(_) => (Vec::new(), true),
        }
    };
    let message = Message {
        header,
        queries,
        answers,
        authorities,
        invalid_authorities,
        additionals,
        invalid_additionals,
    };
    Ok((message, ctx.flags))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applayer::dns::fixtures::RESPONSE;

    fn header(qd: u16, an: u16) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x01, 0x00];
        m.extend_from_slice(&qd.to_be_bytes());
        m.extend_from_slice(&an.to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 0]);
        m
    }

    #[test]
    fn response_with_pointers_parses_fully() {
        let (m, flags) = parse_message(RESPONSE, 1 << 20).unwrap();
        assert_eq!(flags, NameFlags::default());
        assert_eq!(m.header.id, 0x8d32);
        assert!(m.header.is_response());
        assert_eq!(m.header.opcode(), 0);
        assert_eq!(m.header.rcode(), 0);
        assert_eq!(m.queries.len(), 1);
        assert_eq!(m.queries[0].name.value, b"www.suricata-ids.org");
        assert_eq!(m.queries[0].rrtype, 1);
        assert_eq!(m.answers.len(), 3);
        assert_eq!(m.answers[0].name.value, b"www.suricata-ids.org");
        assert_eq!(m.answers[0].rrtype, 5);
        assert_eq!(m.answers[0].ttl, 3544);
        match &m.answers[0].data {
            RData::Cname(n) => assert_eq!(n.value, b"suricata-ids.org"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(m.answers[1].name.value, b"suricata-ids.org");
        assert_eq!(m.answers[1].data, RData::A(vec![192, 0, 78, 24]));
        assert_eq!(m.answers[2].data, RData::A(vec![192, 0, 78, 25]));
        assert!(!m.invalid_authorities && !m.invalid_additionals);
    }

    #[test]
    fn every_truncation_of_a_response_fails_cleanly() {
        for cut in 0..RESPONSE.len() {
            let r = parse_message(&RESPONSE[..cut], 1 << 20);
            assert!(r.is_err(), "cut at {cut} parsed");
        }
    }

    #[test]
    fn self_pointer_is_an_infinite_loop() {
        let mut m = header(1, 0);
        m.extend_from_slice(&[0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01]);
        let mut ctx = NameCtx::new(&m, 1 << 20);
        assert_eq!(ctx.name(12, m.len()), Err(ParseError::Malformed));
        assert!(ctx.flags.infinite_loop);

        // Behind a first pointer the name ends where that pointer ends.
        let mut m = header(1, 0);
        m.extend_from_slice(&[0x01, b'a', 0xc0, 0x0e, 0x00, 0x01, 0x00, 0x01]);
        m.extend_from_slice(&[0xc0, 0x0c]);
        let mut ctx = NameCtx::new(&m, 1 << 20);
        let (name, next) = ctx.name(20, m.len()).unwrap();
        assert_eq!(name.value, b"a");
        assert_eq!(next, 22);
        assert!(ctx.flags.infinite_loop);
    }

    #[test]
    fn pointer_cycle_hits_the_label_limit() {
        // Two pointers pointing at each other: followed MAX_LABELS times.
        let mut m = header(1, 0);
        m.extend_from_slice(&[0xc0, 0x0e, 0xc0, 0x0c]);
        let mut ctx = NameCtx::new(&m, 1 << 20);
        let (name, next) = ctx.name(12, m.len()).unwrap();
        assert!(name.value.is_empty());
        assert!(name.truncated);
        assert_eq!(next, 14);
        assert!(ctx.flags.label_limit && ctx.flags.truncated);
    }

    #[test]
    fn too_many_labels_without_pointer_is_an_error() {
        let mut m = header(1, 0);
        for _ in 0..300 {
            m.extend_from_slice(&[1, b'x']);
        }
        m.push(0);
        let mut ctx = NameCtx::new(&m, 1 << 20);
        assert_eq!(ctx.name(12, m.len()), Err(ParseError::Malformed));
        assert!(ctx.flags.label_limit);
    }

    #[test]
    fn long_names_are_cut_at_1025_and_parsing_continues() {
        let mut m = header(1, 0);
        for _ in 0..20 {
            m.push(63);
            m.extend_from_slice(&[b'a'; 63]);
        }
        m.push(0);
        m.extend_from_slice(&[0x00, 0x01, 0x00, 0x01]);
        let (msg, flags) = parse_message(&m, 1 << 20).unwrap();
        assert!(flags.truncated);
        assert_eq!(msg.queries[0].name.value.len(), MAX_NAME_LEN);
        assert!(msg.queries[0].name.truncated);
        assert_eq!(msg.queries[0].rrtype, 1);
    }

    #[test]
    fn bad_label_type_and_out_of_range_pointer_are_malformed() {
        let mut m = header(1, 0);
        m.extend_from_slice(&[0x40, 0x00, 0x00, 0x01, 0x00, 0x01]);
        assert_eq!(parse_message(&m, 1 << 20), Err(ParseError::Malformed));
        let mut m = header(1, 0);
        m.extend_from_slice(&[0xff, 0xff, 0x00, 0x01, 0x00, 0x01]);
        assert_eq!(parse_message(&m, 1 << 20), Err(ParseError::Malformed));
    }

    #[test]
    fn broken_additionals_keep_the_rest() {
        let mut m = header(1, 0);
        m[11] = 2; // two additionals, only a broken one follows
        m.extend_from_slice(&[1, b'a', 0, 0x00, 0x01, 0x00, 0x01]);
        m.extend_from_slice(&[0, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x08, 0x00]);
        let (msg, _) = parse_message(&m, 1 << 20).unwrap();
        assert!(msg.invalid_additionals);
        assert!(!msg.invalid_authorities);
        assert!(msg.additionals.is_empty());
        assert_eq!(msg.queries[0].name.value, b"a");
    }

    #[test]
    fn empty_rdata_records_are_skipped() {
        let mut m = header(1, 1);
        m.extend_from_slice(&[1, b'a', 0, 0x00, 0xff, 0x00, 0xff]);
        m.extend_from_slice(&[0xc0, 0x0c, 0x00, 0xff, 0x00, 0xff, 0, 0, 0, 0, 0, 0]);
        let (msg, _) = parse_message(&m, 1 << 20).unwrap();
        assert!(msg.answers.is_empty());
    }

    #[test]
    fn name_budget_bounds_memory() {
        // One long name, then 200 pointers to it: the budget stops storage.
        let mut m = header(201, 0);
        for _ in 0..16 {
            m.push(63);
            m.extend_from_slice(&[b'b'; 63]);
        }
        m.push(0);
        m.extend_from_slice(&[0, 1, 0, 1]);
        for _ in 0..200 {
            m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
        }
        let (msg, _) = parse_message(&m, 10_000).unwrap();
        let kept: usize = msg.queries.iter().map(|q| q.name.value.len()).sum();
        assert!(kept <= 10_000);
        assert_eq!(msg.queries.len(), 201);
        assert!(msg.queries[200].name.truncated);
    }

    #[test]
    fn plausibility_matches_suricata() {
        let h = Header::parse(&header(1, 0)).unwrap();
        assert!(h.is_plausible(20));
        assert!(!h.is_plausible(1));
        let h = Header::parse(&header(0, 0)).unwrap();
        assert!(!h.is_plausible(12), "a query without questions");
        let mut r = header(0, 0);
        r[2] = 0x81;
        let h = Header::parse(&r).unwrap();
        assert!(h.is_plausible(12));
        assert!(!h.is_plausible(13), "no records but a body");
    }
}
