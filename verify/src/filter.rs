//! `filter` checks: count the EVE events that satisfy a `match:` block.
//!
//! This is run.py's `FilterCheck` reproduced with its edge cases, because a
//! conformance runner that is more lenient or stricter than the reference
//! would report differences that are not in the engine:
//!
//! - a match key is a path split on `.`; `name[i]` then indexes an array
//!   (or a string, giving one character). A missing key or index makes the
//!   value *absent*, which equals only `null`.
//! - looking a name up inside a number, bool or null — or inside a string or
//!   array that happens to *contain* the name — raises in Python, and so is
//!   an **error** that fails the test, not a non-match.
//! - `__len` returns the length (or -1 for non-containers) and stops the
//!   walk; `__find`, `__contains`, `__startswith`, `__endswith`, `__gt`,
//!   `__gte`, `__lt`, `__lte` stop the walk and pick the operator.
//! - entries are tested in document order and the first one that does not
//!   hold decides: an error in a later entry of a non-matching event is
//!   never reached (so `event_type: http` guards `http.url.__find`).
//!
//! For humans, a failed count also reports the events that came closest to
//! matching, with each entry that did not hold and the value actually seen.

use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::error::{Mark, VerifyError};
use crate::path::{is_none, resolve, type_name, Found};
use crate::pyops::{self, int_eq_yaml, json_eq_yaml, json_num, num_cmp, yaml_num, Num};
use crate::requires::Requires;
use crate::testcase::Ctx;
use crate::yaml11::{Node, Yaml};

/// How many near misses a failed check reports.
pub const CLOSEST: usize = 3;

/// One `- filter:` block of a test.
#[derive(Debug, Clone)]
pub struct FilterCheck {
    /// Exact number of events that must match.
    pub count: u64,
    /// The `match:` entries, in document order.
    pub entries: Vec<MatchEntry>,
    /// The file in the output folder to read (`eve.json` by default).
    pub filename: String,
    /// Per-check requirements (unmet → only this check is skipped).
    pub requires: Option<Requires>,
    /// Where the check is in test.yaml (its `filter:` key).
    pub mark: Mark,
}

/// One entry of a `match:` block.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchEntry {
    /// The key as written (`alert.signature_id`, `http.url.__find`, …).
    pub key: String,
    /// What the key asks for.
    pub op: Op,
    /// The expected value as PyYAML typed it.
    pub expected: Yaml,
}

/// What a match entry tests, decided from its key.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `has-key: path` or `[paths]`: every path present and not null.
    HasKey(Vec<String>),
    /// `not-has-key: path` or `[paths]`: every path absent or null.
    NotHasKey(Vec<String>),
    /// `path: value` (also `path.__len: n`): Python `==`.
    Eq,
    /// `path.__find: s`: a string containing `s`.
    Find,
    /// `path.__contains: x`: element of a list, substring, or dict key.
    Contains,
    /// `path.__startswith: s`.
    StartsWith,
    /// `path.__endswith: s`.
    EndsWith,
    /// `path.__gt/__gte/__lt/__lte: n`: numeric comparison.
    Cmp(CmpOp),
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `__gt`
    Gt,
    /// `__gte`
    Gte,
    /// `__lt`
    Lt,
    /// `__lte`
    Lte,
}

fn op_for_key(key: &str) -> Op {
    // Suffix tests in run.py's order; `__gte` does not end with `__gt`.
    if key.ends_with("__find") {
        Op::Find
    } else if key.ends_with("__contains") {
        Op::Contains
    } else if key.ends_with("__startswith") {
        Op::StartsWith
    } else if key.ends_with("__endswith") {
        Op::EndsWith
    } else if key.ends_with("__gte") {
        Op::Cmp(CmpOp::Gte)
    } else if key.ends_with("__gt") {
        Op::Cmp(CmpOp::Gt)
    } else if key.ends_with("__lte") {
        Op::Cmp(CmpOp::Lte)
    } else if key.ends_with("__lt") {
        Op::Cmp(CmpOp::Lt)
    } else {
        Op::Eq
    }
}

impl FilterCheck {
    /// Reads the body of a `filter:` block given as YAML text (mostly for
    /// tests and tools; [`crate::TestCase::load`] reads whole files).
    pub fn parse(yaml: &str) -> Result<FilterCheck, VerifyError> {
        let file = Path::new("<filter>");
        let node = crate::yaml11::parse(yaml)
            .map_err(|e| VerifyError::Yaml {
                path: file.into(),
                mark: e.mark,
                message: e.message,
            })?
            .ok_or_else(|| VerifyError::invalid(file, None, "empty filter"))?;
        let ctx = Ctx {
            file,
            dir: Path::new("."),
        };
        FilterCheck::from_node(&node, &ctx)
    }

    pub(crate) fn from_node(node: &Node, ctx: &Ctx) -> Result<FilterCheck, VerifyError> {
        let map = ctx.map(node, "a filter check")?;
        let mut count = None;
        let mut entries = None;
        let mut filename = "eve.json".to_string();
        let mut requires = None;
        for (k, v) in map {
            match ctx.key(k)? {
                "count" => match v.value {
                    Yaml::Int(n) if n >= 0 => count = u64::try_from(n).ok(),
                    _ => return Err(ctx.err(v, "count must be a non-negative integer")),
                },
                "match" => entries = Some(match_entries(v, ctx)?),
                "filename" => filename = ctx.string(v, "filename")?,
                "requires" => requires = Some(Requires::from_node(v, ctx)?),
                other => {
                    return Err(ctx.err(
                        k,
                        format!(
                            "unknown key {other:?} in filter check \
                             (allowed: count, match, filename, requires)"
                        ),
                    ))
                }
            }
        }
        Ok(FilterCheck {
            count: count.ok_or_else(|| ctx.err(node, "filter check without count"))?,
            entries: entries.ok_or_else(|| ctx.err(node, "filter check without match"))?,
            filename,
            requires,
            mark: node.mark,
        })
    }
}

fn match_entries(node: &Node, ctx: &Ctx) -> Result<Vec<MatchEntry>, VerifyError> {
    let map = ctx.map(node, "match")?;
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let key = ctx.key(k)?;
        let op = match key {
            "has-key" => Op::HasKey(ctx.strings(v, key)?),
            "not-has-key" => Op::NotHasKey(ctx.strings(v, key)?),
            _ => op_for_key(key),
        };
        out.push(MatchEntry {
            key: key.to_string(),
            op,
            expected: v.value.clone(),
        });
    }
    Ok(out)
}

/// The outcome of one entry against one event.
#[derive(Debug, Clone, PartialEq)]
enum EntryResult {
    Holds,
    Fails(String),
    Error(String),
}

fn describe(found: &Found) -> String {
    match found {
        Found::Absent => "absent".into(),
        Found::Json(v) => pyops::show_json(v, 80),
        Found::Len(n) => format!("length {n}"),
    }
}

fn holds(ok: bool, found: &Found) -> EntryResult {
    if ok {
        EntryResult::Holds
    } else {
        EntryResult::Fails(describe(found))
    }
}

fn eval_entry(e: &MatchEntry, event: &Value) -> EntryResult {
    let found = match &e.op {
        Op::HasKey(paths) | Op::NotHasKey(paths) => {
            let want_present = matches!(e.op, Op::HasKey(_));
            for p in paths {
                let f = match resolve(p, event) {
                    Ok(f) => f,
                    Err(err) => return EntryResult::Error(err),
                };
                if is_none(&f) == want_present {
                    return EntryResult::Fails(format!("{p}: {}", describe(&f)));
                }
            }
            return EntryResult::Holds;
        }
        _ => match resolve(&e.key, event) {
            Ok(f) => f,
            Err(err) => return EntryResult::Error(err),
        },
    };
    match &e.op {
        Op::Eq => {
            let eq = match &found {
                Found::Absent => e.expected == Yaml::Null,
                Found::Json(v) => json_eq_yaml(v, &e.expected),
                Found::Len(n) => int_eq_yaml(*n, &e.expected),
            };
            holds(eq, &found)
        }
        Op::Find | Op::StartsWith | Op::EndsWith => {
            let Some(s) = (match &found {
                Found::Json(v) => v.as_str(),
                _ => None,
            }) else {
                return EntryResult::Error(format!(
                    "{}: the value is {}, not a string",
                    e.key,
                    describe(&found)
                ));
            };
            let Yaml::Str(want) = &e.expected else {
                return EntryResult::Error(format!(
                    "{}: expected value {} is not a string",
                    e.key,
                    pyops::show_yaml(&e.expected)
                ));
            };
            let ok = match e.op {
                Op::Find => s.contains(want.as_str()),
                Op::StartsWith => s.starts_with(want.as_str()),
                _ => s.ends_with(want.as_str()),
            };
            holds(ok, &found)
        }
        Op::Contains => contains(e, &found),
        Op::Cmp(op) => {
            let value = match &found {
                Found::Len(n) => Some(Num::Int(i128::from(*n))),
                Found::Json(v) if v.is_number() => json_num(v),
                _ => None,
            };
            let ord = match (value, yaml_num(&e.expected)) {
                (Some(a), Some(b)) => num_cmp(a, b),
                _ => None,
            };
            let ok = ord.is_some_and(|o| match op {
                CmpOp::Gt => o.is_gt(),
                CmpOp::Gte => o.is_ge(),
                CmpOp::Lt => o.is_lt(),
                CmpOp::Lte => o.is_le(),
            });
            holds(ok, &found)
        }
        Op::HasKey(_) | Op::NotHasKey(_) => EntryResult::Holds,
    }
}

/// Python `expected in value`.
fn contains(e: &MatchEntry, found: &Found) -> EntryResult {
    let err = |why: &str| EntryResult::Error(format!("{}: {why}", e.key));
    match found {
        Found::Json(v) => match (v.as_ref(), &e.expected) {
            (Value::Array(a), want) => holds(a.iter().any(|x| json_eq_yaml(x, want)), found),
            (Value::String(s), Yaml::Str(want)) => holds(s.contains(want.as_str()), found),
            (Value::String(_), other) => err(&format!(
                "'in <string>' requires a string, not {}",
                pyops::show_yaml(other)
            )),
            (Value::Object(_), Yaml::Seq(_) | Yaml::Map(_)) => {
                err("unhashable expected value for a dict lookup")
            }
            (Value::Object(o), want) => holds(
                matches!(want, Yaml::Str(k) if o.contains_key(k.as_str())),
                found,
            ),
            (other, _) => err(&format!(
                "argument of type '{}' is not iterable",
                type_name(other)
            )),
        },
        Found::Len(_) => err("argument of type 'int' is not iterable"),
        Found::Absent => err("the value is absent"),
    }
}

/// One entry that did not hold for an event, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryFailure {
    /// The match key.
    pub key: String,
    /// The expected value, written like JSON.
    pub expected: String,
    /// What the event had (`absent`, a JSON value, `length 3`, or for an
    /// error the error message).
    pub actual: String,
    /// Whether this entry raised an error rather than just not holding.
    pub error: bool,
}

/// An event reported with a failed check: either one of the closest
/// non-matching events (`matched == false`), or, when there were too many
/// matches, one of the matching ones.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMiss {
    /// 1-based position of the event (its line in eve.json).
    pub line: usize,
    /// Whether the event matched.
    pub matched: bool,
    /// How many match entries held.
    pub satisfied: usize,
    /// How many entries the check has.
    pub total: usize,
    /// The entries that did not hold.
    pub failures: Vec<EntryFailure>,
    /// The event itself.
    pub event: Value,
}

impl fmt::Display for NearMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.matched { "matching" } else { "closest" };
        write!(
            f,
            "{kind} event at line {} ({}/{} entries hold)",
            self.line, self.satisfied, self.total
        )?;
        for fl in &self.failures {
            if fl.error {
                write!(f, "\n    {}: error: {}", fl.key, fl.actual)?;
            } else {
                write!(
                    f,
                    "\n    {}: expected {}, got {}",
                    fl.key, fl.expected, fl.actual
                )?;
            }
        }
        write!(f, "\n    event: {}", pyops::show_json(&self.event, 300))
    }
}

/// The result of evaluating one filter check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// Whether exactly `expected` events matched and nothing raised.
    pub passed: bool,
    /// The `count:` of the check.
    pub expected: u64,
    /// Matching events seen (up to the error, if one was raised).
    pub found: u64,
    /// A Python exception run.py would have hit (fails the check).
    pub error: Option<String>,
    /// On failure: the closest events (or the surplus matches), at most
    /// [`CLOSEST`], or the event that raised the error.
    pub closest: Vec<NearMiss>,
}

impl CheckOutcome {
    /// A one-line summary: `expected 1 matching event(s), found 0`.
    pub fn summary(&self) -> String {
        match &self.error {
            Some(e) => format!("error: {e}"),
            None => format!(
                "expected {} matching event(s), found {}",
                self.expected, self.found
            ),
        }
    }

    /// The summary followed by the reported events, one block each.
    pub fn describe(&self) -> String {
        let mut s = self.summary();
        for m in &self.closest {
            s.push_str("\n  ");
            s.push_str(&m.to_string());
        }
        s
    }
}

struct EventEval {
    matched: bool,
    error: Option<String>,
    satisfied: usize,
}

fn eval_event(entries: &[MatchEntry], event: &Value) -> EventEval {
    let mut decided: Option<EntryResult> = None;
    let mut satisfied = 0;
    for e in entries {
        match eval_entry(e, event) {
            EntryResult::Holds => satisfied += 1,
            other => {
                if decided.is_none() {
                    decided = Some(other);
                }
            }
        }
    }
    match decided {
        None => EventEval {
            matched: true,
            error: None,
            satisfied,
        },
        Some(EntryResult::Error(e)) => EventEval {
            matched: false,
            error: Some(e),
            satisfied,
        },
        Some(_) => EventEval {
            matched: false,
            error: None,
            satisfied,
        },
    }
}

fn near_miss(entries: &[MatchEntry], index: usize, event: &Value, matched: bool) -> NearMiss {
    let mut failures = Vec::new();
    let mut satisfied = 0;
    for e in entries {
        let (actual, error) = match eval_entry(e, event) {
            EntryResult::Holds => {
                satisfied += 1;
                continue;
            }
            EntryResult::Fails(a) => (a, false),
            EntryResult::Error(a) => (a, true),
        };
        failures.push(EntryFailure {
            key: e.key.clone(),
            expected: pyops::show_yaml(&e.expected),
            actual,
            error,
        });
    }
    NearMiss {
        line: index + 1,
        matched,
        satisfied,
        total: entries.len(),
        failures,
        event: event.clone(),
    }
}

/// Counts the events matching `check` and judges the count.
pub fn evaluate(check: &FilterCheck, events: &[Value]) -> CheckOutcome {
    let mut found: u64 = 0;
    let mut matches = Vec::new();
    let mut misses: Vec<(usize, usize)> = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let r = eval_event(&check.entries, event);
        if let Some(e) = r.error {
            return CheckOutcome {
                passed: false,
                expected: check.count,
                found,
                error: Some(format!("event at line {}: {e}", i + 1)),
                closest: vec![near_miss(&check.entries, i, event, false)],
            };
        }
        if r.matched {
            found += 1;
            if matches.len() < CLOSEST {
                matches.push(i);
            }
        } else {
            misses.push((r.satisfied, i));
        }
    }
    let passed = found == check.count;
    let closest = if passed {
        Vec::new()
    } else if found > check.count {
        matches
            .iter()
            .filter_map(|&i| Some(near_miss(&check.entries, i, events.get(i)?, true)))
            .collect()
    } else {
        // Most entries held first; among equals, the earliest event.
        misses.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        misses
            .iter()
            .take(CLOSEST)
            .filter_map(|&(_, i)| Some(near_miss(&check.entries, i, events.get(i)?, false)))
            .collect()
    };
    CheckOutcome {
        passed,
        expected: check.count,
        found,
        error: None,
        closest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: &str) -> FilterCheck {
        FilterCheck::parse(body).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    /// One match entry `key: yaml` against one event.
    fn entry(key_yaml: &str, event: &Value) -> EntryResult {
        let c = check(&format!("count: 1\nmatch:\n  {key_yaml}\n"));
        eval_entry(&c.entries[0], event)
    }

    fn sample() -> Value {
        json!({
            "event_type": "alert",
            "pcap_cnt": 7,
            "src_port": 80,
            "ratio": 0.5,
            "proto": "TCP",
            "alert": {"signature_id": 2, "signature": "GPL ATTACK_RESPONSE id check", "rev": 1},
            "flow": {"alerted": false, "pkts_toserver": 3},
            "dns": {"rcode": "NOERROR", "queries": [{"rrname": "example.com", "rrtype": "A"}]},
            "vlan": [10, 20],
            "tls": {"subjectaltname": ["a.example", "b.example"]},
            "http": {"url": "/index.html?q=1", "hostname": "www.example.com", "length": 0},
            "empty": null,
            "tags": [],
            "names": ["first", "second"],
            "meta": {"k": 1, "j": 2},
            "one": 1,
            "truth": true,
        })
    }

    #[test]
    fn equality_entries() {
        let ev = sample();
        let table: &[(&str, bool)] = &[
            ("event_type: alert", true),
            ("event_type: dns", false),
            ("alert.signature_id: 2", true),
            ("alert.signature_id: 2.0", true),
            ("alert.signature_id: \"2\"", false),
            ("alert.signature_id: 3", false),
            ("flow.alerted: no", true),
            ("flow.alerted: false", true),
            ("flow.alerted: off", true),
            ("flow.alerted: 0", true),
            ("flow.alerted: \"no\"", false),
            ("flow.alerted: yes", false),
            ("truth: on", true),
            ("truth: 1", true),
            ("one: true", true),
            ("dns.rcode: NOERROR", true),
            ("dns.queries[0].rrname: example.com", true),
            ("dns.queries[1].rrname: example.com", false),
            ("dns.queries[1].rrname: null", true),
            ("dns.queries[1].rrname: ~", true),
            ("vlan[0]: 10", true),
            ("vlan[1]: 20", true),
            ("vlan[2]: ~", true),
            ("vlan: [10, 20]", true),
            ("vlan: [10]", false),
            ("proto[0]: T", true),
            ("proto[9]: ~", true),
            ("missing: ~", true),
            ("missing: 0", false),
            ("missing.deeper: ~", true),
            ("empty: ~", true),
            ("empty: \"\"", false),
            ("ratio: 0.5", true),
            ("ratio: .5", true),
            ("src_port: 0x50", true),
            ("src_port: 0120", true),
            ("src_port: 8_0", true),
            ("src_port: 1:20", true),
            ("meta: {k: 1, j: 2}", true),
            ("meta[0]: ~", true),
            ("pcap_cnt[0]: ~", true),
        ];
        for (kv, want) in table {
            assert_eq!(entry(kv, &ev) == EntryResult::Holds, *want, "{kv}");
        }
    }

    #[test]
    fn len_entries() {
        let ev = sample();
        let table: &[(&str, bool)] = &[
            ("dns.rcode.__len: 7", true),
            ("dns.queries.__len: 1", true),
            ("tags.__len: 0", true),
            ("meta.__len: 2", true),
            ("pcap_cnt.__len: -1", true),
            ("truth.__len: -1", true),
            ("empty.__len: -1", true),
            ("missing.__len: 0", false),
            ("missing.__len: -1", false),
            ("tls.subjectaltname.__len: 2.0", true),
            ("dns.queries[0].rrname.__len: 11", true),
            ("tls.subjectaltname.__len.__gt: 1", true),
            ("tls.subjectaltname.__len.__lt: 2", false),
        ];
        for (kv, want) in table {
            assert_eq!(entry(kv, &ev) == EntryResult::Holds, *want, "{kv}");
        }
    }

    #[test]
    fn string_operators() {
        let ev = sample();
        let table: &[(&str, bool)] = &[
            ("http.url.__find: index", true),
            ("http.url.__find: nope", false),
            ("http.url.__startswith: /index", true),
            ("http.url.__startswith: index", false),
            ("http.url.__endswith: \"q=1\"", true),
            ("http.url.__endswith: q", false),
            ("alert.signature.__contains: ATTACK", true),
            ("alert.signature.__contains: attack", false),
            ("tls.subjectaltname.__contains: b.example", true),
            ("tls.subjectaltname.__contains: c.example", false),
            ("vlan.__contains: 20", true),
            ("vlan.__contains: 20.0", true),
            ("vlan.__contains: \"20\"", false),
            ("meta.__contains: k", true),
            ("meta.__contains: x", false),
            ("meta.__contains: 1", false),
        ];
        for (kv, want) in table {
            assert_eq!(entry(kv, &ev) == EntryResult::Holds, *want, "{kv}");
        }
    }

    #[test]
    fn comparison_operators() {
        let ev = sample();
        let table: &[(&str, bool)] = &[
            ("pcap_cnt.__gt: 6", true),
            ("pcap_cnt.__gt: 7", false),
            ("pcap_cnt.__gte: 7", true),
            ("pcap_cnt.__lt: 7.5", true),
            ("pcap_cnt.__lte: 6", false),
            ("ratio.__lt: 1", true),
            ("ratio.__gte: 0.5", true),
            // Not numbers: no match, no error.
            ("truth.__gt: 0", false),
            ("proto.__gt: 0", false),
            ("missing.__gt: 0", false),
            ("pcap_cnt.__gt: abc", false),
            ("empty.__lt: 1", false),
        ];
        for (kv, want) in table {
            assert_eq!(entry(kv, &ev) == EntryResult::Holds, *want, "{kv}");
        }
    }

    #[test]
    fn has_key_entries() {
        let ev = sample();
        let table: &[(&str, bool)] = &[
            ("has-key: alert.signature_id", true),
            ("has-key: alert.nope", false),
            ("has-key: empty", false),
            ("has-key: [alert.rev, flow.alerted]", true),
            ("has-key: [alert.rev, alert.nope]", false),
            ("has-key: vlan[1]", true),
            ("has-key: vlan[5]", false),
            ("has-key: flow.alerted", true),
            ("not-has-key: alert.nope", true),
            ("not-has-key: empty", true),
            ("not-has-key: alert.rev", false),
            ("not-has-key: [x, y.z]", true),
            ("not-has-key: [x, alert]", false),
        ];
        for (kv, want) in table {
            assert_eq!(entry(kv, &ev) == EntryResult::Holds, *want, "{kv}");
        }
    }

    #[test]
    fn python_exceptions_are_errors() {
        let ev = sample();
        let errors = [
            // Looking a name up inside a number, bool or null.
            "pcap_cnt.x: 1",
            "truth.x: 1",
            "empty.x: 1",
            "flow.alerted.x: ~",
            "has-key: pcap_cnt.x",
            // Inside a string or list that contains the name.
            "proto.CP: 1",
            "names.first: 1",
            "names.second.x: 1",
            // __find/__startswith/__endswith/__contains on absent or wrong type.
            "missing.__find: x",
            "pcap_cnt.__find: 7",
            "vlan.__startswith: x",
            "alert.__endswith: x",
            "http.url.__find: 1",
            "missing.__contains: x",
            "pcap_cnt.__contains: 7",
            "proto.__contains: 1",
            "meta.__contains: [k]",
            "vlan.__len.__contains: 2",
        ];
        for kv in errors {
            assert!(matches!(entry(kv, &ev), EntryResult::Error(_)), "{kv}");
        }
        // ...but a string or list *not* containing the name is just absent.
        assert_eq!(entry("proto.nope: ~", &ev), EntryResult::Holds);
        assert_eq!(entry("vlan.nope: ~", &ev), EntryResult::Holds);
        assert_eq!(
            entry("tls.subjectaltname.a.example: ~", &ev),
            EntryResult::Holds
        );
    }

    #[test]
    fn first_failing_entry_decides_errors() {
        let events = vec![
            json!({"event_type": "alert", "alert": {"signature_id": 1}}),
            json!({"event_type": "http", "http": {"url": "/a"}}),
        ];
        // The http-only __find is never reached for the alert event.
        let c = check("count: 1\nmatch:\n  event_type: http\n  http.url.__find: /a\n");
        let out = evaluate(&c, &events);
        assert!(out.passed, "{}", out.describe());
        // In the other order, the alert event raises.
        let c = check("count: 1\nmatch:\n  http.url.__find: /a\n  event_type: http\n");
        let out = evaluate(&c, &events);
        assert!(!out.passed);
        let err = out.error.unwrap();
        assert!(err.starts_with("event at line 1:"), "{err}");
        assert_eq!(out.closest.len(), 1);
        assert!(out.closest[0].failures[0].error);
    }

    #[test]
    fn counting_and_closest_events() {
        let events: Vec<Value> = vec![
            json!({"event_type": "flow", "proto": "TCP"}),
            json!({"event_type": "alert", "alert": {"signature_id": 1, "rev": 1}}),
            json!({"event_type": "alert", "alert": {"signature_id": 3, "rev": 2}}),
            json!({"event_type": "alert", "alert": {"signature_id": 2, "rev": 2}}),
            json!({"event_type": "dns"}),
        ];
        let c = check("count: 1\nmatch:\n  event_type: alert\n  alert.signature_id: 2\n");
        let out = evaluate(&c, &events);
        assert!(out.passed);
        assert_eq!((out.found, out.expected), (1, 1));
        assert!(out.closest.is_empty());

        let c = check(
            "count: 1\nmatch:\n  event_type: alert\n  alert.signature_id: 2\n  alert.rev: 1\n",
        );
        let out = evaluate(&c, &events);
        assert!(!out.passed);
        assert_eq!(out.found, 0);
        let lines: Vec<usize> = out.closest.iter().map(|m| m.line).collect();
        // Lines 2 and 4 hold 2 of 3 entries; line 3 holds 1.
        assert_eq!(lines, [2, 4, 3]);
        assert_eq!(out.closest[0].satisfied, 2);
        assert_eq!(out.closest[0].failures.len(), 1);
        let f = &out.closest[0].failures[0];
        assert_eq!(
            (f.key.as_str(), f.expected.as_str(), f.actual.as_str()),
            ("alert.signature_id", "2", "1")
        );
        let text = out.describe();
        assert!(
            text.contains("expected 1 matching event(s), found 0"),
            "{text}"
        );
        assert!(
            text.contains("alert.signature_id: expected 2, got 1"),
            "{text}"
        );

        // Too many: the surplus matches are shown.
        let c = check("count: 1\nmatch:\n  event_type: alert\n");
        let out = evaluate(&c, &events);
        assert!(!out.passed);
        assert_eq!(out.found, 3);
        assert!(out.closest.iter().all(|m| m.matched));
        assert_eq!(out.closest.len(), 3);

        // Empty match counts everything; zero expected on no events passes.
        assert_eq!(evaluate(&check("count: 5\nmatch: {}\n"), &events).found, 5);
        assert!(evaluate(&check("count: 0\nmatch: {event_type: alert}\n"), &[]).passed);
    }

    #[test]
    fn filter_block_validation() {
        assert!(FilterCheck::parse("match: {a: 1}\n").is_err());
        assert!(FilterCheck::parse("count: 1\n").is_err());
        assert!(FilterCheck::parse("count: -1\nmatch: {}\n").is_err());
        assert!(FilterCheck::parse("count: \"1\"\nmatch: {}\n").is_err());
        assert!(FilterCheck::parse("count: 1\nmatch: ~\n").is_err());
        assert!(FilterCheck::parse("count: 1\nmatch: {1: 2}\n").is_err());
        assert!(FilterCheck::parse("count: 1\nmatch: {has-key: 3}\n").is_err());
        let e = FilterCheck::parse("count: 1\nmatch: {}\ncomment: x\n").unwrap_err();
        assert!(e.to_string().contains("unknown key \"comment\""), "{e}");
        let c = check("count: 2\nmatch: {}\nfilename: other.json\nrequires: {min-version: 8}\n");
        assert_eq!((c.count, c.filename.as_str()), (2, "other.json"));
        assert!(c.requires.is_some());
        assert_eq!(c.mark.line, 1);
    }
}
