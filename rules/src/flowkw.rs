//! `flowbits` and `flowint`: per-flow conditions and actions.
//!
//! As in Suricata, the checks (`isset`, `isnotset`, `flowint` comparisons)
//! are part of the rule's match, while the modifiers (`set`, `unset`,
//! `toggle`, `flowint` `=`/`+`/`-`) run only once the whole rule matched,
//! in rule order, so later rules on the same packet see them. A packet
//! without a flow fails every check and changes nothing.
//!
//! While one rule is compiled its variable names get rule-local ids; the
//! builder maps them to rule-set-wide dense ids ([`FlowKeywords::resolve`])
//! so matching never touches strings.
//!
//! Two Suricata 8 details are kept on purpose: `a|b` (any of) is only
//! meaningful for `isset`/`isnotset` (Suricata accepts it on `set` but then
//! acts on no named bit, so it is rejected here), and `&` is not an
//! operator: `a&b` is simply one flowbit of that name.

use crate::flowvars::{FlowVars, Names};
use crate::keyword::KwError;

/// Suricata's limit on names in one `|` list.
const MAX_OR_NAMES: usize = 100;

/// How a rule uses one kind of flow variable. Suricata orders rules that
/// only write before rules that write and read, before readers, before
/// the rest (`detect-engine-sigorder.c`); `rank` is that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum VarUse {
    /// Only modifies.
    Set,
    /// Modifies and checks.
    SetRead,
    /// Only checks.
    Read,
    /// Not used.
    Unused,
}

impl VarUse {
    pub(crate) fn of(reads: bool, writes: bool) -> VarUse {
        match (reads, writes) {
            (false, true) => VarUse::Set,
            (true, true) => VarUse::SetRead,
            (true, false) => VarUse::Read,
            (false, false) => VarUse::Unused,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A `flowint` right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    Lit(u32),
    /// Another flowint; an unset one reads as 0 (as in Suricata).
    Var(u32),
}

impl Operand {
    fn get(self, v: &FlowVars) -> u32 {
        match self {
            Operand::Lit(n) => n,
            Operand::Var(id) => v.int(id).unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    /// `isset` (`want` true) / `isnotset`: true when any listed bit is in
    /// the wanted state (a single name is a list of one).
    Bits { ids: Vec<u32>, want: bool },
    /// `flowint:x,isset` / `notset`.
    IntIsSet { id: u32, want: bool },
    /// `flowint:x,<op>,<operand>`: false while `x` is unset.
    IntCmp { id: u32, op: CmpOp, rhs: Operand },
}

impl Cond {
    fn holds(&self, v: &FlowVars) -> bool {
        match self {
            Cond::Bits { ids, want } => ids.iter().any(|&id| v.bit(id) == *want),
            Cond::IntIsSet { id, want } => v.int(*id).is_some() == *want,
            Cond::IntCmp { id, op, rhs } => v.int(*id).is_some_and(|x| {
                let y = rhs.get(v);
                match op {
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                }
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BitAct {
    Set,
    Unset,
    Toggle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntAct {
    Set,
    Add,
    Sub,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Act {
    Bit { id: u32, op: BitAct },
    Int { id: u32, op: IntAct, rhs: Operand },
}

impl Act {
    fn apply(&self, v: &mut FlowVars) {
        match *self {
            Act::Bit { id, op } => {
                let on = match op {
                    BitAct::Set => true,
                    BitAct::Unset => false,
                    BitAct::Toggle => !v.bit(id),
                };
                v.set_bit(id, on);
            }
            Act::Int { id, op, rhs } => {
                let r = rhs.get(v);
                // u32 arithmetic wraps, as in Suricata's C; `+` on an unset
                // variable starts it at the operand, `-` leaves it unset.
                let new = match (op, v.int(id)) {
                    (IntAct::Set, _) => Some(r),
                    (IntAct::Add, Some(x)) => Some(x.wrapping_add(r)),
                    (IntAct::Add, None) => Some(r),
                    (IntAct::Sub, Some(x)) => Some(x.wrapping_sub(r)),
                    (IntAct::Sub, None) => None,
                };
                if let Some(n) = new {
                    v.set_int(id, n);
                }
            }
        }
    }
}

/// The `flowbits`/`flowint` keywords of one rule.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FlowKeywords {
    conds: Vec<Cond>,
    acts: Vec<Act>,
    /// Rule-local names (index = local id) until [`Self::resolve`].
    bit_names: Vec<String>,
    int_names: Vec<String>,
}

fn local(names: &mut Vec<String>, name: &str) -> u32 {
    let i = names.iter().position(|n| n == name).unwrap_or_else(|| {
        names.push(name.to_string());
        names.len() - 1
    });
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl FlowKeywords {
    /// Only `flowbits:set` (what Suricata lets an IP-only or
    /// protocol-detection-only rule carry).
    pub fn only_sets_bits(&self) -> bool {
        self.conds.is_empty()
            && self.acts.iter().all(|a| {
                matches!(
                    a,
                    Act::Bit {
                        op: BitAct::Set,
                        ..
                    }
                )
            })
    }

    /// How the rule uses flowbits (for ordering).
    pub fn bits_use(&self) -> VarUse {
        let reads = self.conds.iter().any(|c| matches!(c, Cond::Bits { .. }));
        let writes = self.acts.iter().any(|a| matches!(a, Act::Bit { .. }));
        VarUse::of(reads, writes)
    }

    /// How the rule uses flowints (for ordering).
    pub fn ints_use(&self) -> VarUse {
        let reads = self.conds.iter().any(|c| !matches!(c, Cond::Bits { .. }));
        let writes = self.acts.iter().any(|a| matches!(a, Act::Int { .. }));
        VarUse::of(reads, writes)
    }

    /// Parses one `flowbits` value. Returns true for `noalert`.
    pub fn add_flowbits(&mut self, value: &str) -> Result<bool, KwError> {
        let v = value.trim();
        let (cmd, name) = match v.split_once(',') {
            Some((c, n)) => (c.trim(), n.trim()),
            None => (v, ""),
        };
        if cmd == "noalert" {
            if !name.is_empty() {
                return Err(KwError::invalid("flowbits:noalert takes no name"));
            }
            return Ok(true);
        }
        if name.is_empty() {
            return Err(KwError::invalid(format!("flowbits:{cmd} needs a name")));
        }
        let names = if name.contains('|') {
            let list: Vec<&str> = name
                .split('|')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect();
            if list.is_empty() || list.len() > MAX_OR_NAMES {
                return Err(KwError::invalid(format!(
                    "flowbits list needs 1 to {MAX_OR_NAMES} names"
                )));
            }
            if !matches!(cmd, "isset" | "isnotset") {
                return Err(KwError::invalid(format!(
                    "flowbits:{cmd} cannot take a '|' list (only isset/isnotset can)"
                )));
            }
            list
        } else {
            vec![name]
        };
        if let Some(n) = names.iter().find(|n| n.contains(char::is_whitespace)) {
            return Err(KwError::invalid(format!(
                "flowbit name {n:?} contains whitespace"
            )));
        }
        let ids: Vec<u32> = names
            .iter()
            .map(|n| local(&mut self.bit_names, n))
            .collect();
        // Modifiers take exactly one name (lists were rejected above).
        let first = ids.first().copied().unwrap_or_default();
        let act = |op| Act::Bit { id: first, op };
        match cmd {
            "isset" | "isnotset" => self.conds.push(Cond::Bits {
                want: cmd == "isset",
                ids,
            }),
            "set" => self.acts.push(act(BitAct::Set)),
            "unset" => self.acts.push(act(BitAct::Unset)),
            "toggle" => self.acts.push(act(BitAct::Toggle)),
            other => {
                return Err(KwError::invalid(format!(
                    "unknown flowbits command {other:?}"
                )))
            }
        }
        Ok(false)
    }

    /// Parses one `flowint` value: `name,<op>[,]<value|var>` or
    /// `name,isset|notset|isnotset`.
    pub fn add_flowint(&mut self, value: &str) -> Result<(), KwError> {
        let bad = || KwError::invalid(format!("invalid flowint {:?}", value.trim()));
        let (name, rest) = value.split_once(',').ok_or_else(bad)?;
        let name = name.trim();
        if !is_var_name(name, true) {
            return Err(KwError::invalid(format!("invalid flowint name {name:?}")));
        }
        let rest = rest.trim_start();
        // Longest first, like the backtracking regex Suricata uses.
        const OPS: &[&str] = &[
            "isnotset", "isset", "notset", "==", "!=", "<=", ">=", "<", ">", "=", "+", "-",
        ];
        let op = OPS
            .iter()
            .find(|o| rest.starts_with(*o))
            .copied()
            .ok_or_else(bad)?;
        let arg = rest.get(op.len()..).unwrap_or("").trim();
        let arg = arg.strip_prefix(',').unwrap_or(arg).trim();
        let id = local(&mut self.int_names, name);
        if matches!(op, "isset" | "notset" | "isnotset") {
            // Suricata's regex lets a value follow; it is ignored.
            if !arg.is_empty() && parse_operand(arg).is_none() {
                return Err(bad());
            }
            self.conds.push(Cond::IntIsSet {
                id,
                want: op == "isset",
            });
            return Ok(());
        }
        let rhs = match parse_operand(arg).ok_or_else(bad)? {
            Ok(n) => Operand::Lit(n),
            Err(var) => Operand::Var(local(&mut self.int_names, var)),
        };
        let cmp = |op| Cond::IntCmp { id, op, rhs };
        let act = |op| Act::Int { id, op, rhs };
        match op {
            "==" => self.conds.push(cmp(CmpOp::Eq)),
            "!=" => self.conds.push(cmp(CmpOp::Ne)),
            "<" => self.conds.push(cmp(CmpOp::Lt)),
            "<=" => self.conds.push(cmp(CmpOp::Le)),
            ">" => self.conds.push(cmp(CmpOp::Gt)),
            ">=" => self.conds.push(cmp(CmpOp::Ge)),
            "=" => self.acts.push(act(IntAct::Set)),
            "+" => self.acts.push(act(IntAct::Add)),
            _ => self.acts.push(act(IntAct::Sub)),
        }
        Ok(())
    }

    /// Replaces rule-local ids by the rule set's ids.
    pub fn resolve(&mut self, bits: &mut Names, ints: &mut Names) {
        let bmap: Vec<u32> = self.bit_names.iter().map(|n| bits.intern(n)).collect();
        let imap: Vec<u32> = self.int_names.iter().map(|n| ints.intern(n)).collect();
        let b = |id: &mut u32| *id = bmap.get(*id as usize).copied().unwrap_or(*id);
        let i = |id: &mut u32| *id = imap.get(*id as usize).copied().unwrap_or(*id);
        let opnd = |o: &mut Operand| {
            if let Operand::Var(id) = o {
                i(id);
            }
        };
        for c in &mut self.conds {
            match c {
                Cond::Bits { ids, .. } => ids.iter_mut().for_each(b),
                Cond::IntIsSet { id, .. } => i(id),
                Cond::IntCmp { id, rhs, .. } => {
                    i(id);
                    opnd(rhs);
                }
            }
        }
        for a in &mut self.acts {
            match a {
                Act::Bit { id, .. } => b(id),
                Act::Int { id, rhs, .. } => {
                    i(id);
                    opnd(rhs);
                }
            }
        }
        self.bit_names = Vec::new();
        self.int_names = Vec::new();
    }

    /// Whether every check holds. Without a flow, a rule with checks fails.
    pub fn holds(&self, vars: Option<&FlowVars>) -> bool {
        match vars {
            _ if self.conds.is_empty() => true,
            Some(v) => self.conds.iter().all(|c| c.holds(v)),
            None => false,
        }
    }

    /// Applies the modifiers, in rule order (the rule matched).
    pub fn apply(&self, vars: &mut FlowVars) {
        for a in &self.acts {
            a.apply(vars);
        }
    }
}

/// Suricata's flowint names: a letter, then at least one of `[A-Za-z0-9_./]`
/// (`dots` false: no `.` or `/`, the rule for right-hand variables).
fn is_var_name(s: &str, dots: bool) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.len() >= 2
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || (dots && (c == '.' || c == '/')))
}

/// A literal (1 to 10 digits, at most `u32::MAX`) or a variable name.
fn parse_operand(s: &str) -> Option<Result<u32, &str>> {
    if s.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        if s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return s.parse::<u32>().ok().map(Ok);
    }
    is_var_name(s, false).then_some(Err(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `opts` (`kw:value` separated by `;`) and resolves them.
    fn kws(opts: &[(&str, &str)]) -> (FlowKeywords, Names, Names) {
        let mut k = FlowKeywords::default();
        for (kw, v) in opts {
            match *kw {
                "flowbits" => {
                    k.add_flowbits(v).unwrap_or_else(|e| panic!("{v}: {e:?}"));
                }
                _ => k.add_flowint(v).unwrap_or_else(|e| panic!("{v}: {e:?}")),
            }
        }
        let (mut b, mut i) = (Names::default(), Names::default());
        k.resolve(&mut b, &mut i);
        (k, b, i)
    }

    #[test]
    fn flowbit_checks_and_actions() {
        let (mut b, mut i) = (Names::default(), Names::default());
        b.intern("unrelated");
        let mut k = FlowKeywords::default();
        k.add_flowbits("isset, a|b").unwrap();
        k.add_flowbits("set,c").unwrap();
        k.add_flowbits("toggle,a").unwrap();
        k.resolve(&mut b, &mut i);
        let (a, bb, c) = (
            b.get("a").unwrap(),
            b.get("b").unwrap(),
            b.get("c").unwrap(),
        );
        assert_eq!((a, bb, c), (1, 2, 3), "ids are global and dense");
        let mut v = FlowVars::new();
        assert!(!k.holds(Some(&v)), "neither a nor b set");
        v.set_bit(bb, true);
        assert!(k.holds(Some(&v)), "b is enough for a|b");
        k.apply(&mut v);
        assert!(v.bit(c) && v.bit(a), "set c, toggle a on");
        k.apply(&mut v);
        assert!(!v.bit(a), "toggle a off again");
        assert!(!k.holds(None), "no flow: checks fail");
        assert_eq!(
            (k.bits_use(), k.ints_use()),
            (VarUse::SetRead, VarUse::Unused)
        );
    }

    #[test]
    fn isnotset_list_is_any_not_set() {
        let (k, b, _) = kws(&[("flowbits", "isnotset,x|y")]);
        let mut v = FlowVars::new();
        assert!(k.holds(Some(&v)));
        v.set_bit(b.get("x").unwrap(), true);
        assert!(k.holds(Some(&v)), "y is still not set");
        v.set_bit(b.get("y").unwrap(), true);
        assert!(!k.holds(Some(&v)));
        assert_eq!(k.bits_use(), VarUse::Read);
    }

    #[test]
    fn ampersand_is_part_of_the_name() {
        let (k, b, _) = kws(&[("flowbits", "set,a&b")]);
        assert_eq!((b.get("a&b"), b.get("a"), b.len()), (Some(0), None, 1));
        let mut v = FlowVars::new();
        k.apply(&mut v);
        assert!(v.bit(0));
        assert_eq!(k.bits_use(), VarUse::Set);
    }

    #[test]
    fn flowbits_parse_errors_and_noalert() {
        let mut k = FlowKeywords::default();
        assert_eq!(k.add_flowbits(" noalert "), Ok(true));
        assert_eq!(k.add_flowbits("set,x"), Ok(false));
        for bad in [
            "noalert,x",
            "set",
            "set,",
            "isset,a b",
            "set,a|b",
            "toggle,a|b",
            "isset,|",
            "flip,x",
        ] {
            assert!(
                matches!(k.add_flowbits(bad), Err(KwError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn flowint_arithmetic_table() {
        // (actions applied in order, expected value of "cnt"; None = unset)
        let cases: &[(&[&str], Option<u32>)] = &[
            (&["cnt,=,5"], Some(5)),
            (&["cnt,+,3"], Some(3)),
            (&["cnt,-,3"], None),
            (&["cnt,=,5", "cnt,+,3", "cnt,-,2"], Some(6)),
            (&["cnt,=,1", "cnt,-,2"], Some(u32::MAX)),
            (&["cnt,=,4294967295", "cnt,+,2"], Some(1)),
            (&["cnt, = ,other"], Some(0)),
            (&["other,=,7", "cnt,=,other", "cnt,+,other"], Some(14)),
            (&["cnt,=9"], Some(9)),
        ];
        for (ops, want) in cases {
            let opts: Vec<(&str, &str)> = ops.iter().map(|o| ("flowint", *o)).collect();
            let (k, _, i) = kws(&opts);
            let mut v = FlowVars::new();
            k.apply(&mut v);
            let n = i.get("cnt").and_then(|id| v.int(id));
            assert_eq!(n, *want, "{ops:?}");
            assert_eq!(k.ints_use(), VarUse::Set);
        }
    }

    #[test]
    fn flowint_compare_table() {
        // (check, value of "cnt" (None = unset), value of "lim", holds)
        let cases: &[(&str, Option<u32>, Option<u32>, bool)] = &[
            ("cnt,==,5", Some(5), None, true),
            ("cnt,==,5", None, None, false),
            ("cnt,!=,5", None, None, false),
            ("cnt,!=,5", Some(4), None, true),
            ("cnt,<,5", Some(4), None, true),
            ("cnt,<=,5", Some(5), None, true),
            ("cnt,>,5", Some(5), None, false),
            ("cnt,>=,5", Some(5), None, true),
            ("cnt,>,lim", Some(1), None, true),
            ("cnt,>,lim", Some(1), Some(1), false),
            ("cnt,==,lim", Some(3), Some(3), true),
            ("cnt,isset", Some(0), None, true),
            ("cnt,isset", None, None, false),
            ("cnt,notset", None, None, true),
            ("cnt,isnotset", Some(1), None, false),
            ("cnt,<=5", Some(5), None, true),
        ];
        for &(check, n, m, want) in cases {
            let (k, _, i) = kws(&[("flowint", check)]);
            let mut v = FlowVars::new();
            for (name, val) in [("cnt", n), ("lim", m)] {
                if let (Some(id), Some(x)) = (i.get(name), val) {
                    v.set_int(id, x);
                }
            }
            assert_eq!(k.holds(Some(&v)), want, "{check} n={n:?} m={m:?}");
            assert_eq!(k.ints_use(), VarUse::Read);
        }
    }

    #[test]
    fn flowint_parse_errors() {
        for bad in [
            "cnt",
            "cnt,",
            "cnt,=",
            "cnt,+,-1",
            "cnt,=,4294967296",
            "cnt,=,12345678901",
            "cnt,=,m.x",
            "cnt,=,m",
            "cnt,~,1",
            "1n,=,1",
            "n,=,1",
            "cnt,=,a b",
        ] {
            let mut k = FlowKeywords::default();
            assert!(k.add_flowint(bad).is_err(), "{bad}");
        }
        let mut k = FlowKeywords::default();
        assert!(k.add_flowint("http.anomaly.count,+,1").is_ok());
        assert!(k.add_flowint(" ET.infostealer.dll.download, +, 1").is_ok());
    }
}
