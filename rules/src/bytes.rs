//! `byte_test`, `byte_jump`, `byte_extract` and `byte_math`: parsing and
//! evaluation against a buffer, following Suricata's semantics (including
//! how string extraction reports the bytes it consumed and how each keyword
//! moves the relative-match cursor).

use crate::keyword::KwError;

/// A numeric argument: a literal or a byte_extract/byte_math variable slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// Literal value.
    Lit(i64),
    /// Index into the rule's variable slots.
    Var(usize),
}

impl Val {
    /// The value, reading variables from `vars`.
    pub fn get(self, vars: &[u64]) -> i64 {
        match self {
            Val::Lit(v) => v,
            Val::Var(i) => vars
                .get(i)
                .map_or(0, |&v| i64::try_from(v).unwrap_or(i64::MAX)),
        }
    }

    /// True for a variable reference.
    pub fn is_var(self) -> bool {
        matches!(self, Val::Var(_))
    }
}

/// Looks up a variable name defined by an earlier byte_extract/byte_math.
pub type VarLookup<'a> = &'a dyn Fn(&str) -> Option<usize>;

/// True when `s` names a variable rather than a number (Suricata's test).
pub fn is_var_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Parses a signed literal in `min..=max`, or a variable name.
pub fn parse_val(s: &str, vars: VarLookup, min: i64, max: i64, what: &str) -> Result<Val, KwError> {
    let s = s.trim();
    if is_var_name(s) {
        return vars(s)
            .map(Val::Var)
            .ok_or_else(|| KwError::invalid(format!("{what}: unknown variable {s:?}")));
    }
    let v: i64 = s
        .parse()
        .map_err(|_| KwError::invalid(format!("{what}: invalid number {s:?}")))?;
    if v < min || v > max {
        return Err(KwError::invalid(format!(
            "{what}: {v} is out of range {min}..{max}"
        )));
    }
    Ok(Val::Lit(v))
}

/// C `strtoull` on a byte window: leading whitespace, optional sign, `0x`
/// prefix for base 16, base 0 = auto (0x hex, 0 octal, else decimal).
/// Returns the value and the number of bytes consumed.
pub fn strtoull(s: &[u8], base: u32) -> Option<(u64, usize)> {
    let mut i = 0;
    while s
        .get(i)
        .is_some_and(|b| b.is_ascii_whitespace() || *b == 0x0b)
    {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let has_hex_prefix = s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(|b| b.is_ascii_hexdigit());
    let base = match base {
        0 if has_hex_prefix => {
            i += 2;
            16
        }
        0 if s.get(i) == Some(&b'0') => 8,
        0 => 10,
        16 if has_hex_prefix => {
            i += 2;
            16
        }
        b => b,
    };
    let start = i;
    let mut v: u64 = 0;
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(base)) {
        v = v.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { v.wrapping_neg() } else { v }, i))
}

/// How bytes become a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extraction {
    /// Little-endian (binary only).
    pub little: bool,
    /// `string` with this base (10, 16, 8); None for binary.
    pub base: Option<u32>,
    /// `bitmask`: mask and the right shift (its trailing zero count).
    pub bitmask: Option<(u64, u32)>,
}

impl Extraction {
    /// Reads `nbytes` at `start`; returns the value and the bytes consumed.
    pub(crate) fn read(&self, buf: &[u8], start: i64, nbytes: usize) -> Option<(u64, usize)> {
        let start = usize::try_from(start).ok()?;
        let w = buf.get(start..start.checked_add(nbytes)?)?;
        let (mut v, used) = match self.base {
            Some(base) => strtoull(w, base)?,
            None => {
                if nbytes == 0 || nbytes > 8 {
                    return None;
                }
                let v = if self.little {
                    w.iter().rev().fold(0u64, |a, &b| a << 8 | u64::from(b))
                } else {
                    w.iter().fold(0u64, |a, &b| a << 8 | u64::from(b))
                };
                (v, nbytes)
            }
        };
        if let Some((mask, shift)) = self.bitmask {
            v &= mask;
            if v != 0 {
                v >>= shift;
            }
        }
        Some((v, used))
    }
}

/// Common option words of the byte keywords.
#[derive(Debug, Default)]
pub(crate) struct Opts {
    pub(crate) relative: bool,
    pub(crate) little: bool,
    pub(crate) string: bool,
    pub(crate) base: Option<u32>,
    pub(crate) bitmask: Option<(u64, u32)>,
}

impl Opts {
    /// Handles a shared option word; `Ok(false)` when the word is not one.
    pub(crate) fn take(&mut self, word: &str) -> Result<bool, KwError> {
        let lw = word.to_ascii_lowercase();
        match lw.as_str() {
            "relative" => self.relative = true,
            "big" => self.little = false,
            "little" => self.little = true,
            "string" => self.string = true,
            "hex" => self.base = Some(16),
            "dec" => self.base = Some(10),
            "oct" => self.base = Some(8),
            "dce" => {
                return Err(KwError::unsupported(
                    "dce byte order needs the DCERPC app-layer (issue 4)",
                ))
            }
            _ => {
                if let Some(m) = lw.strip_prefix("bitmask") {
                    let m = m.trim();
                    let hex = m.strip_prefix("0x").unwrap_or(m);
                    let mask = u64::from_str_radix(hex, 16)
                        .ok()
                        .filter(|&v| v != 0 && v <= u64::from(u32::MAX))
                        .ok_or_else(|| KwError::invalid(format!("invalid bitmask {m:?}")))?;
                    self.bitmask = Some((mask, mask.trailing_zeros()));
                } else {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    pub(crate) fn finish(&self, nbytes: Val) -> Result<Extraction, KwError> {
        if self.base.is_some() && !self.string {
            return Err(KwError::invalid("a number base needs \"string\""));
        }
        if let Val::Lit(n) = nbytes {
            let max = if self.string { 23 } else { 8 };
            if n < 1 || n > max {
                return Err(KwError::invalid(format!(
                    "cannot extract {n} bytes (1..{max}{})",
                    if self.string {
                        " with string"
                    } else {
                        " without string"
                    }
                )));
            }
        }
        Ok(Extraction {
            little: self.little,
            base: self.string.then_some(self.base.unwrap_or(10)),
            bitmask: self.bitmask,
        })
    }
}

pub(crate) fn args(value: &str) -> Vec<&str> {
    value.split(',').map(str::trim).collect()
}

/// The relative-match cursor and variable slots of one inspection.
pub struct Cursor<'v> {
    /// End of the previous match (Suricata's `buffer_offset`).
    pub offset: usize,
    /// Variable slots.
    pub vars: &'v mut [u64],
}

pub(crate) fn nbytes_of(v: Val, vars: &[u64]) -> Option<usize> {
    usize::try_from(v.get(vars))
        .ok()
        .filter(|&n| (1..=23).contains(&n))
}

pub(crate) fn start_of(relative: bool, cur: usize, offset: i64) -> i64 {
    if relative {
        i64::try_from(cur)
            .unwrap_or(i64::MAX)
            .saturating_add(offset)
    } else {
        offset
    }
}

/// Comparison of `byte_test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestOp {
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `=`
    Eq,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `&`: any common bit.
    And,
    /// `^`: any differing bit.
    Xor,
}

/// `byte_test:nbytes, [!]op, value, offset [, options]`.
#[derive(Debug, Clone)]
pub struct ByteTest {
    nbytes: Val,
    op: TestOp,
    negate: bool,
    value: Val,
    offset: Val,
    relative: bool,
    ext: Extraction,
}

impl ByteTest {
    /// Parses the option value.
    pub fn parse(value: &str, vars: VarLookup) -> Result<Self, KwError> {
        let a = args(value);
        if a.len() < 4 {
            return Err(KwError::invalid("expected nbytes, operator, value, offset"));
        }
        // Suricata accepts 0 with `string`: the number is read from the
        // rest of the buffer (measured with Suricata 7 on `http.content_len`).
        let nbytes = parse_val(a[0], vars, 0, 23, "nbytes")?;
        let mut op = a[1].trim();
        let negate = if let Some(r) = op.strip_prefix('!') {
            op = r.trim();
            true
        } else {
            false
        };
        let op = match op {
            "<" => TestOp::Lt,
            ">" => TestOp::Gt,
            "=" | "" if !op.is_empty() || negate => TestOp::Eq,
            "<=" => TestOp::Le,
            ">=" => TestOp::Ge,
            "&" => TestOp::And,
            "^" => TestOp::Xor,
            _ => return Err(KwError::invalid(format!("invalid operator {:?}", a[1]))),
        };
        let value = if is_var_name(a[2]) {
            parse_val(a[2], vars, 0, 0, "value")?
        } else {
            let (v, used) = strtoull(a[2].as_bytes(), 0)
                .filter(|&(_, n)| n == a[2].len())
                .ok_or_else(|| KwError::invalid(format!("invalid value {:?}", a[2])))?;
            debug_assert!(used > 0);
            Val::Lit(i64::try_from(v).map_err(|_| KwError::invalid("value too large"))?)
        };
        let offset = parse_val(a[3], vars, -65535, 65535, "offset")?;
        let mut o = Opts::default();
        for w in &a[4..] {
            if !o.take(w)? {
                return Err(KwError::invalid(format!("unknown byte_test option {w:?}")));
            }
        }
        let ext = match nbytes {
            Val::Lit(0) if o.string => o.finish(Val::Lit(1))?,
            Val::Lit(0) => return Err(KwError::invalid("byte_test: 0 bytes needs \"string\"")),
            n => o.finish(n)?,
        };
        Ok(ByteTest {
            nbytes,
            op,
            negate,
            value,
            offset,
            relative: o.relative,
            ext,
        })
    }

    /// True when the keyword depends on the previous match position.
    pub fn relative(&self) -> bool {
        self.relative
    }

    /// Evaluates against `buf`; byte_test does not move the cursor.
    pub fn eval(&self, buf: &[u8], c: &Cursor) -> bool {
        let start = start_of(self.relative, c.offset, self.offset.get(c.vars));
        let n = match self.nbytes {
            Val::Lit(0) => match usize::try_from(start) {
                Ok(s) if s < buf.len() => buf.len() - s,
                _ => return false,
            },
            v => match nbytes_of(v, c.vars) {
                Some(n) => n,
                None => return false,
            },
        };
        if self.relative && usize::try_from(start).ok().is_none_or(|s| s >= buf.len()) {
            return false;
        }
        let Some((v, _)) = self.ext.read(buf, start, n) else {
            return false;
        };
        let t = match self.value {
            Val::Var(i) => c.vars.get(i).copied().unwrap_or(0),
            Val::Lit(l) => l as u64,
        };
        let m = match self.op {
            TestOp::Lt => v < t,
            TestOp::Gt => v > t,
            TestOp::Eq => v == t,
            TestOp::Le => v <= t,
            TestOp::Ge => v >= t,
            TestOp::And => v & t != 0,
            TestOp::Xor => v ^ t != 0,
        };
        m != self.negate
    }
}

/// Where `byte_jump` jumps from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JumpFrom {
    AfterRead,
    Beginning,
    End,
}

/// `byte_jump:nbytes, offset [, options]`.
#[derive(Debug, Clone)]
pub struct ByteJump {
    nbytes: Val,
    offset: Val,
    relative: bool,
    ext: Extraction,
    multiplier: i64,
    align: bool,
    from: JumpFrom,
    post_offset: i64,
}

impl ByteJump {
    /// Parses the option value.
    pub fn parse(value: &str, vars: VarLookup) -> Result<Self, KwError> {
        let a = args(value);
        if a.len() < 2 {
            return Err(KwError::invalid("expected nbytes, offset"));
        }
        // Suricata accepts 0 bytes: nothing is read and the jump is
        // `post_offset` from the read position (a cursor move).
        let nbytes = parse_val(a[0], vars, 0, 23, "nbytes")?;
        let offset = parse_val(a[1], vars, -65535, 65535, "offset")?;
        let mut o = Opts::default();
        let mut j = ByteJump {
            nbytes,
            offset,
            relative: false,
            ext: Extraction {
                little: false,
                base: None,
                bitmask: None,
            },
            multiplier: 1,
            align: false,
            from: JumpFrom::AfterRead,
            post_offset: 0,
        };
        let mut begin = false;
        let mut end = false;
        for w in &a[2..] {
            if o.take(w)? {
                continue;
            }
            let lw = w.to_ascii_lowercase();
            if lw == "align" {
                j.align = true;
            } else if lw == "from_beginning" {
                begin = true;
            } else if lw == "from_end" {
                end = true;
            } else if let Some(m) = lw.strip_prefix("multiplier") {
                j.multiplier = parse_lit(m, 1, 65535, "multiplier")?;
            } else if let Some(p) = lw.strip_prefix("post_offset") {
                j.post_offset = parse_lit(p, -65535, 65535, "post_offset")?;
            } else {
                return Err(KwError::invalid(format!("unknown byte_jump option {w:?}")));
            }
        }
        if begin && end {
            return Err(KwError::invalid(
                "from_beginning and from_end cannot be combined",
            ));
        }
        j.from = if begin {
            JumpFrom::Beginning
        } else if end {
            JumpFrom::End
        } else {
            JumpFrom::AfterRead
        };
        j.relative = o.relative;
        let checked = match nbytes {
            Val::Lit(0) => Val::Lit(1),
            n => n,
        };
        j.ext = o.finish(checked)?;
        Ok(j)
    }

    /// True when the keyword depends on the previous match position.
    pub fn relative(&self) -> bool {
        self.relative
    }

    /// Evaluates and moves the cursor to the jump target.
    pub fn eval(&self, buf: &[u8], c: &mut Cursor) -> bool {
        if buf.is_empty() {
            return false;
        }
        let start = start_of(self.relative, c.offset, self.offset.get(c.vars));
        let (v, used) = if self.nbytes.get(c.vars) == 0 {
            // Zero bytes: a binary read of nothing (valid anywhere up to the
            // buffer end), or a string number running to the first
            // non-digit, as Suricata's string extraction does for length 0.
            let Some(rest) = usize::try_from(start)
                .ok()
                .and_then(|s| buf.len().checked_sub(s))
            else {
                return false;
            };
            if self.ext.base.is_none() {
                (0, 0)
            } else {
                let Some(read) = self.ext.read(buf, start, rest) else {
                    return false;
                };
                read
            }
        } else {
            let Some(n) = nbytes_of(self.nbytes, c.vars) else {
                return false;
            };
            let Some(read) = self.ext.read(buf, start, n) else {
                return false;
            };
            read
        };
        let mut val = i64::try_from(v)
            .unwrap_or(i64::MAX)
            .saturating_mul(self.multiplier);
        if self.align && val % 4 != 0 {
            val = val.saturating_add(4 - val % 4);
        }
        val = val.saturating_add(self.post_offset);
        let len = i64::try_from(buf.len()).unwrap_or(i64::MAX);
        let target = match self.from {
            JumpFrom::Beginning => val,
            JumpFrom::End => len.saturating_add(val),
            JumpFrom::AfterRead => start
                .saturating_add(i64::try_from(used).unwrap_or(0))
                .saturating_add(val),
        };
        if target > len {
            return false;
        }
        // A jump before the start lands on the start (Suricata 7+).
        c.offset = usize::try_from(target.max(0)).unwrap_or(0);
        true
    }
}

pub(crate) fn parse_lit(s: &str, min: i64, max: i64, what: &str) -> Result<i64, KwError> {
    match parse_val(s, &|_| None, min, max, what)? {
        Val::Lit(v) => Ok(v),
        Val::Var(_) => Err(KwError::invalid(format!("{what}: expected a number"))),
    }
}

/// `byte_extract:nbytes, offset, name [, options]`.
#[derive(Debug, Clone)]
pub struct ByteExtract {
    nbytes: usize,
    offset: i64,
    slot: usize,
    relative: bool,
    ext: Extraction,
    multiplier: u64,
    align: u64,
}

impl ByteExtract {
    /// Parses the option value; returns the keyword and the variable name it
    /// defines. `slot` is the variable index the compiler assigned to it.
    pub fn parse(value: &str, slot: usize) -> Result<(Self, String), KwError> {
        let a = args(value);
        if a.len() < 3 {
            return Err(KwError::invalid("expected nbytes, offset, name"));
        }
        let nbytes = parse_lit(a[0], 1, 23, "nbytes")?;
        let offset = parse_lit(a[1], -65535, 65535, "offset")?;
        let name = a[2];
        if !is_var_name(name) || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(KwError::invalid(format!("invalid variable name {name:?}")));
        }
        let mut o = Opts::default();
        let mut multiplier = 1;
        let mut align = 0;
        for w in &a[3..] {
            if o.take(w)? {
                continue;
            }
            let lw = w.to_ascii_lowercase();
            if let Some(m) = lw.strip_prefix("multiplier") {
                multiplier = parse_lit(m, 1, 65535, "multiplier")? as u64;
            } else if let Some(al) = lw.strip_prefix("align") {
                align = parse_lit(al, 2, 4, "align")? as u64;
                if align == 3 {
                    return Err(KwError::invalid("align must be 2 or 4"));
                }
            } else {
                return Err(KwError::invalid(format!(
                    "unknown byte_extract option {w:?}"
                )));
            }
        }
        if o.bitmask.is_some() {
            return Err(KwError::invalid("byte_extract has no bitmask option"));
        }
        let ext = o.finish(Val::Lit(nbytes))?;
        Ok((
            ByteExtract {
                nbytes: nbytes as usize,
                offset,
                slot,
                relative: o.relative,
                ext,
                multiplier,
                align,
            },
            name.to_string(),
        ))
    }

    /// True when the keyword depends on the previous match position.
    pub fn relative(&self) -> bool {
        self.relative
    }

    /// Extracts into the variable slot and moves the cursor past the bytes read.
    pub fn eval(&self, buf: &[u8], c: &mut Cursor) -> bool {
        if buf.is_empty() {
            return false;
        }
        let start = start_of(self.relative, c.offset, self.offset);
        let Some((v, used)) = self.ext.read(buf, start, self.nbytes) else {
            return false;
        };
        let mut v = v.wrapping_mul(self.multiplier);
        if self.align > 0 && v % self.align != 0 {
            v = v.wrapping_add(self.align - v % self.align);
        }
        // `start` is non-negative here: read() succeeded.
        c.offset = usize::try_from(start).unwrap_or(0) + used;
        if let Some(slot) = c.vars.get_mut(self.slot) {
            *slot = v;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytemath::ByteMath;

    fn no_vars(_: &str) -> Option<usize> {
        None
    }

    fn test(value: &str, buf: &[u8], at: usize) -> bool {
        let t = ByteTest::parse(value, &no_vars).unwrap_or_else(|e| panic!("{value}: {e:?}"));
        let mut vars = [0u64; 4];
        t.eval(
            buf,
            &Cursor {
                offset: at,
                vars: &mut vars,
            },
        )
    }

    #[test]
    fn strtoull_like_c() {
        assert_eq!(strtoull(b" 42x", 10), Some((42, 3)));
        assert_eq!(strtoull(b"0x1F", 16), Some((31, 4)));
        assert_eq!(strtoull(b"1F", 16), Some((31, 2)));
        assert_eq!(strtoull(b"017", 0), Some((15, 3)));
        assert_eq!(strtoull(b"0x10", 0), Some((16, 4)));
        assert_eq!(strtoull(b"x", 10), None);
        assert_eq!(strtoull(b"99999999999999999999", 10), None);
    }

    #[test]
    fn byte_test_table() {
        let buf = b"\x00\x10\x01\x02 123 ";
        let cases: &[(&str, usize, bool)] = &[
            ("2,=,16,0", 0, true),
            ("2,=,0x10,0", 0, true),
            ("2,!=,16,0", 0, false),
            ("2,>,15,0", 0, true),
            ("2,<,16,0", 0, false),
            ("2,<=,16,0", 0, true),
            ("2,=,0x0201,2,little", 0, true),
            ("1,&,0x10,1", 0, true),
            ("1,^,0x10,1", 0, false),
            ("1,=,1,0,relative", 2, true),
            ("1,=,1,-1,relative", 3, true),
            ("4,=,123,4,string,dec", 0, true),
            ("3,=,0x123,5,string,hex", 0, true),
            ("2,=,0x1,0,bitmask 0x0010", 0, true),
            ("2,=,7,6", 0, false), // would read past the end
            ("1,=,0,0,relative", 9, false),
        ];
        for &(v, at, want) in cases {
            assert_eq!(test(v, buf, at), want, "{v} at {at}");
        }
        for bad in [
            "2,=,1",
            "9,=,1,0",
            "2,=,1,0,hex",
            "2,~,1,0",
            "2,=,1,0,bogus",
            "2,=,1,70000",
        ] {
            assert!(ByteTest::parse(bad, &no_vars).is_err(), "{bad}");
        }
        assert!(matches!(
            ByteTest::parse("2,=,1,0,dce", &no_vars),
            Err(KwError::Unsupported(_))
        ));
    }

    #[test]
    fn byte_jump_moves_cursor() {
        let buf = b"\x00\x03abcdef";
        let mut vars = [0u64; 1];
        let run = |v: &str, at: usize, vars: &mut [u64]| {
            let j = ByteJump::parse(v, &no_vars).unwrap();
            let mut c = Cursor { offset: at, vars };
            j.eval(buf, &mut c).then_some(c.offset)
        };
        assert_eq!(run("2,0", 0, &mut vars), Some(5));
        assert_eq!(run("2,0,from_beginning", 0, &mut vars), Some(3));
        assert_eq!(run("2,0,multiplier 2", 0, &mut vars), Some(8));
        assert_eq!(run("2,0,multiplier 3", 0, &mut vars), None);
        assert_eq!(run("2,0,align", 0, &mut vars), Some(6));
        assert_eq!(run("2,0,post_offset -5", 0, &mut vars), Some(0));
        assert_eq!(run("1,1,from_end,post_offset -7", 0, &mut vars), Some(4));
        assert_eq!(run("1,0,relative", 1, &mut vars), Some(5));
        assert!(ByteJump::parse("2,0,from_end,from_beginning", &no_vars).is_err());
    }

    #[test]
    fn byte_extract_and_math_feed_variables() {
        let buf = b"\x00\x05xx12";
        let mut vars = [0u64; 2];
        let (e, name) = ByteExtract::parse("2,0,len,multiplier 2", 0).unwrap();
        assert_eq!(name, "len");
        let mut c = Cursor {
            offset: 0,
            vars: &mut vars,
        };
        assert!(e.eval(buf, &mut c));
        assert_eq!((c.offset, c.vars[0]), (2, 10));
        let lookup = |n: &str| (n == "len").then_some(0);
        let (m, res) = ByteMath::parse(
            "bytes 2, offset 2, oper -, rvalue len, result r, relative, string dec",
            &lookup,
            1,
        )
        .unwrap();
        assert_eq!(res, "r");
        assert!(m.eval(buf, &mut c));
        assert_eq!((c.offset, c.vars[1]), (6, 2));
        let t = ByteTest::parse("1,=,len,1", &lookup).unwrap();
        c.vars[0] = 5;
        assert!(t.eval(buf, &c));
        assert!(
            ByteMath::parse("bytes 2, offset 0, oper /, rvalue 0, result x", &no_vars, 0)
                .map(|(m, _)| {
                    let mut c = Cursor {
                        offset: 0,
                        vars: &mut [0u64; 1],
                    };
                    !m.eval(buf, &mut c)
                })
                .unwrap()
        );
        assert!(ByteMath::parse("bytes 2, offset 0, oper +, result x", &no_vars, 0).is_err());
        assert!(ByteExtract::parse("2,0,9bad", 0).is_err());
        assert!(ByteExtract::parse("2,0,x,align 3", 0).is_err());
    }
}
