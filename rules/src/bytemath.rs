//! `byte_math`: extract a number, combine it with a value or variable and
//! store the result in a variable for later keywords.

use crate::bytes::{
    args, is_var_name, nbytes_of, parse_lit, parse_val, start_of, Cursor, Extraction, Opts, Val,
    VarLookup,
};
use crate::keyword::KwError;

/// `byte_math` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MathOp {
    Add,
    Sub,
    Mul,
    Div,
    Shl,
    Shr,
}

/// `byte_math:bytes N, offset N, oper OP, rvalue V, result NAME [, options]`.
#[derive(Debug, Clone)]
pub struct ByteMath {
    nbytes: Val,
    offset: i64,
    op: MathOp,
    rvalue: Val,
    slot: usize,
    relative: bool,
    ext: Extraction,
}

impl ByteMath {
    /// Parses the option value; returns the keyword and the result variable name.
    pub fn parse(value: &str, vars: VarLookup, slot: usize) -> Result<(Self, String), KwError> {
        let mut nbytes = None;
        let mut offset = None;
        let mut op = None;
        let mut rvalue = None;
        let mut result = None;
        let mut o = Opts::default();
        for w in args(value) {
            let (k, v) = w.split_once(char::is_whitespace).unwrap_or((w, ""));
            let v = v.trim();
            match k.to_ascii_lowercase().as_str() {
                "bytes" => nbytes = Some(parse_val(v, vars, 1, 10, "bytes")?),
                "offset" => offset = Some(parse_lit(v, -65535, 65535, "offset")?),
                "oper" => {
                    op = Some(match v {
                        "+" => MathOp::Add,
                        "-" => MathOp::Sub,
                        "*" => MathOp::Mul,
                        "/" => MathOp::Div,
                        "<<" => MathOp::Shl,
                        ">>" => MathOp::Shr,
                        _ => return Err(KwError::invalid(format!("invalid oper {v:?}"))),
                    })
                }
                "rvalue" => {
                    rvalue = Some(if is_var_name(v) {
                        parse_val(v, vars, 0, 0, "rvalue")?
                    } else {
                        parse_val(v, vars, 0, i64::from(u32::MAX), "rvalue")?
                    })
                }
                "result" => {
                    if !is_var_name(v) {
                        return Err(KwError::invalid(format!("invalid result name {v:?}")));
                    }
                    result = Some(v.to_string());
                }
                "endian" => match v {
                    "big" => o.little = false,
                    "little" => o.little = true,
                    "dce" => {
                        o.take("dce")?;
                    }
                    _ => return Err(KwError::invalid(format!("invalid endian {v:?}"))),
                },
                "string" => {
                    o.string = true;
                    if !o.take(v)? || v == "relative" {
                        return Err(KwError::invalid(format!("invalid string base {v:?}")));
                    }
                }
                _ => {
                    if !o.take(w)? {
                        return Err(KwError::invalid(format!("unknown byte_math option {w:?}")));
                    }
                }
            }
        }
        let missing = |what: &str| KwError::invalid(format!("byte_math needs {what}"));
        let nbytes = nbytes.ok_or_else(|| missing("bytes"))?;
        let op = op.ok_or_else(|| missing("oper"))?;
        if matches!(op, MathOp::Shl | MathOp::Shr) {
            if let Val::Lit(n) = nbytes {
                if n > 4 {
                    return Err(KwError::invalid("bytes must be 1..4 with << or >>"));
                }
            }
        }
        let ext = o.finish(match nbytes {
            Val::Lit(n) if !o.string => Val::Lit(n.min(8)),
            other => other,
        })?;
        let m = ByteMath {
            nbytes,
            offset: offset.ok_or_else(|| missing("offset"))?,
            op,
            rvalue: rvalue.ok_or_else(|| missing("rvalue"))?,
            slot,
            relative: o.relative,
            ext,
        };
        Ok((m, result.ok_or_else(|| missing("result"))?))
    }

    /// True when the keyword depends on the previous match position.
    pub fn relative(&self) -> bool {
        self.relative
    }

    /// Computes into the result slot and moves the cursor past the bytes read.
    pub fn eval(&self, buf: &[u8], c: &mut Cursor) -> bool {
        if buf.is_empty() {
            return false;
        }
        let Some(n) = nbytes_of(self.nbytes, c.vars) else {
            return false;
        };
        let start = start_of(self.relative, c.offset, self.offset);
        if self.relative && usize::try_from(start).ok().is_none_or(|s| s >= buf.len()) {
            return false;
        }
        let Some((v, used)) = self.ext.read(buf, start, n) else {
            return false;
        };
        let r = match self.rvalue {
            Val::Var(i) => c.vars.get(i).copied().unwrap_or(0),
            Val::Lit(l) => l as u64,
        };
        let out = match self.op {
            MathOp::Add => v.wrapping_add(r),
            MathOp::Sub => v.wrapping_sub(r),
            MathOp::Mul => v.wrapping_mul(r),
            MathOp::Div => match v.checked_div(r) {
                Some(q) => q,
                None => return false,
            },
            MathOp::Shl => u32::try_from(r)
                .ok()
                .and_then(|s| v.checked_shl(s))
                .unwrap_or(0),
            MathOp::Shr => u32::try_from(r)
                .ok()
                .and_then(|s| v.checked_shr(s))
                .unwrap_or(0),
        };
        c.offset = usize::try_from(start).unwrap_or(0) + used;
        if let Some(slot) = c.vars.get_mut(self.slot) {
            *slot = out;
        }
        true
    }
}
