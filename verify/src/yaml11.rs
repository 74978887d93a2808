//! test.yaml as run.py sees it: YAML parsed by PyYAML's `safe_load`, which
//! follows YAML **1.1** typing rules.
//!
//! Why not serde_yaml: it implements YAML 1.2, where `no`, `on`, `0x1F`,
//! `010` or `1_000` are plain strings, while PyYAML (and so every expected
//! value in suricata-verify) reads them as `False`, `True`, 31, 8 and 1000.
//! We therefore take the *event* stream of yaml-rust2 (which tells whether a
//! scalar was quoted) and type every plain scalar ourselves with PyYAML's
//! implicit resolvers, reproduced here regex for regex. Notable outcomes:
//!
//! - booleans: `yes|no|true|false|on|off` in lower, Title or UPPER case.
//!   `y`/`n` are booleans in the YAML 1.1 spec, but PyYAML deliberately
//!   leaves them strings, and run.py uses PyYAML, so they stay strings here.
//! - null: empty, `~`, `null`, `Null`, `NULL`.
//! - ints: `0b101`, `0x1F`, `010` (octal 8), `1_000`, `1:30` (base 60 = 90).
//! - floats need a dot (`1.5`, `1.`, `.5`, `1.0e+3`); `1e3` is a string.
//! - dates/timestamps (`2021-02-05`) become [`Yaml::Timestamp`], which equals
//!   no JSON value — just as a Python `date` never equals a JSON string.
//! - a plain `=` has no constructor in PyYAML (load error), and merge keys
//!   `<<` are not supported here (load error).
//!
//! Mappings keep their order (the order of `match:` entries decides which
//! entry is evaluated first) and, as in PyYAML, a repeated key silently
//! replaces the earlier value but keeps the earlier position.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::Mark;
use crate::pyops;

/// A YAML 1.1 value as PyYAML's `safe_load` would construct it.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// `~`, `null`, empty.
    Null,
    /// `true`, `yes`, `On`, …
    Bool(bool),
    /// Any integer form; wider than JSON's so nothing overflows on the way.
    Int(i128),
    /// A float (needs a dot, or `.inf` / `.nan`).
    Float(f64),
    /// Quoted, block or unresolved plain scalar.
    Str(String),
    /// A date or date-time (Python `date`/`datetime`); kept as written.
    Timestamp(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, keys unique.
    Map(Vec<(Node, Node)>),
}

/// A value with the position it started at.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Yaml,
    /// Where it starts in the file.
    pub mark: Mark,
}

impl Node {
    /// The string, if this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Yaml::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up a string key in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

/// A syntax or construction error, with where it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Position (1-based line and column).
    pub mark: Mark,
    /// What went wrong.
    pub message: String,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 200;
/// Alias expansion may not build more nodes than this ("billion laughs").
const MAX_NODES: usize = 1_000_000;

/// Parses one YAML document the way `yaml.safe_load` does. An empty stream
/// gives `None` (run.py then treats the test as having no settings).
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let mut b = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        nodes: 0,
    };
    let mut doc = None;
    loop {
        let (ev, m) = b.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => return Ok(doc),
            Event::DocumentStart => {
                if doc.is_some() {
                    return Err(err(m, "expected a single document in the stream"));
                }
                let (ev, m) = b.next()?;
                doc = Some(b.node(ev, m, 0)?);
            }
            _ => return Err(err(m, "unexpected YAML event outside a document")),
        }
    }
}

fn mark(m: Marker) -> Mark {
    Mark {
        line: m.line(),
        col: m.col() + 1,
    }
}

fn err(m: Marker, message: impl Into<String>) -> YamlError {
    YamlError {
        mark: mark(m),
        message: message.into(),
    }
}

struct Builder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    /// Anchored nodes with their node counts, for alias expansion.
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
}

impl Builder<'_> {
    fn next(&mut self) -> Result<(Event, Marker), YamlError> {
        self.parser.next_token().map_err(|e| YamlError {
            mark: mark(*e.marker()),
            message: e.info().to_string(),
        })
    }

    fn count(&mut self, n: usize, m: Marker) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(err(m, "document too large (alias expansion)"));
        }
        Ok(())
    }

    fn node(&mut self, ev: Event, m: Marker, depth: usize) -> Result<Node, YamlError> {
        if depth > MAX_DEPTH {
            return Err(err(m, "document nested too deeply"));
        }
        let before = self.nodes;
        let (node, anchor) = match ev {
            Event::Alias(id) => {
                let (node, size) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err(m, "alias to an unknown anchor"))?;
                self.count(size, m)?;
                return Ok(node);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, m)?;
                let value = scalar(&text, style, tag.as_ref()).map_err(|e| err(m, e))?;
                (
                    Node {
                        value,
                        mark: mark(m),
                    },
                    anchor,
                )
            }
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "seq").map_err(|e| err(m, e))?;
                self.count(1, m)?;
                let mut items = Vec::new();
                loop {
                    let (ev, im) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, im, depth + 1)?);
                }
                (
                    Node {
                        value: Yaml::Seq(items),
                        mark: mark(m),
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "map").map_err(|e| err(m, e))?;
                self.count(1, m)?;
                let mut entries: Vec<(Node, Node)> = Vec::new();
                loop {
                    let (ev, km) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(ev, km, depth + 1)?;
                    if matches!(key.value, Yaml::Seq(_) | Yaml::Map(_)) {
                        return Err(err(km, "found unhashable key (a sequence or mapping)"));
                    }
                    let (ev, vm) = self.next()?;
                    let value = self.node(ev, vm, depth + 1)?;
                    // PyYAML builds a dict: a repeated key keeps its first
                    // position and takes the last value.
                    match entries
                        .iter_mut()
                        .find(|(k, _)| pyops::yaml_key_eq(&k.value, &key.value))
                    {
                        Some(slot) => slot.1 = value,
                        None => entries.push((key, value)),
                    }
                }
                (
                    Node {
                        value: Yaml::Map(entries),
                        mark: mark(m),
                    },
                    anchor,
                )
            }
            _ => return Err(err(m, "unexpected YAML event")),
        };
        if anchor != 0 {
            let size = self.nodes - before;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        Ok(node)
    }
}

const CORE: &str = "tag:yaml.org,2002:";

fn check_collection_tag(tag: Option<&Tag>, want: &str) -> Result<(), String> {
    match tag {
        None => Ok(()),
        Some(t) if is_non_specific(t) => Ok(()),
        Some(t) if t.handle == CORE && t.suffix == want => Ok(()),
        Some(t) => Err(format!("unsupported tag {}{}", t.handle, t.suffix)),
    }
}

/// The non-specific tag `!` (forces a string), however the parser spells it.
fn is_non_specific(t: &Tag) -> bool {
    (t.handle == "!" && t.suffix.is_empty()) || (t.handle.is_empty() && t.suffix == "!")
}

/// Types one scalar: explicit core tags first, then quoted → string, then
/// PyYAML's implicit resolvers for plain scalars.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Yaml, String> {
    if let Some(t) = tag {
        if is_non_specific(t) {
            return Ok(Yaml::Str(text.to_string()));
        }
        if t.handle != CORE {
            return Err(format!("unsupported tag {}{}", t.handle, t.suffix));
        }
        return match t.suffix.as_str() {
            "str" => Ok(Yaml::Str(text.to_string())),
            "null" => Ok(Yaml::Null),
            "bool" => match text.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" => Ok(Yaml::Bool(true)),
                "no" | "false" | "off" => Ok(Yaml::Bool(false)),
                _ => Err(format!("cannot construct a bool from {text:?}")),
            },
            "int" => construct_int(text).map(Yaml::Int),
            "float" => construct_float(text).map(Yaml::Float),
            "timestamp" => Ok(Yaml::Timestamp(text.to_string())),
            other => Err(format!("unsupported tag !!{other}")),
        };
    }
    if style != TScalarStyle::Plain {
        return Ok(Yaml::Str(text.to_string()));
    }
    resolve_plain(text)
}

static BOOL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
});
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)",
        r"|\.(?:nan|NaN|NAN))$"
    ))
});
static INT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?0b[0-1_]+",
        r"|[-+]?0[0-7_]+",
        r"|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
    ))
});
static NULL: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:~|null|Null|NULL|)$"));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:(?P<y1>[0-9]{4})-(?P<m1>[0-9]{2})-(?P<d1>[0-9]{2})",
        r"|(?P<y>[0-9]{4})-(?P<m>[0-9][0-9]?)-(?P<d>[0-9][0-9]?)",
        r"(?:[Tt]|[ \t]+)(?P<hh>[0-9][0-9]?)",
        r":(?P<mm>[0-9]{2}):(?P<ss>[0-9]{2})(?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)$"
    ))
});

/// The patterns are constants, not input: a failure to compile is a bug
/// that every unit test below would hit at once.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("constant YAML 1.1 resolver pattern compiles")
}

/// PyYAML's implicit typing of a plain scalar. The resolvers are tried in
/// PyYAML's registration order (bool, float, int, merge, null, timestamp,
/// value); the patterns are disjoint, so the order only documents intent.
pub fn resolve_plain(text: &str) -> Result<Yaml, String> {
    if BOOL.is_match(text) {
        let lower = text.to_ascii_lowercase();
        return Ok(Yaml::Bool(matches!(lower.as_str(), "yes" | "true" | "on")));
    }
    if FLOAT.is_match(text) {
        return construct_float(text).map(Yaml::Float);
    }
    if INT.is_match(text) {
        return construct_int(text).map(Yaml::Int);
    }
    if text == "<<" {
        return Err("merge keys (<<) are not supported".into());
    }
    if NULL.is_match(text) {
        return Ok(Yaml::Null);
    }
    if let Some(c) = TIMESTAMP.captures(text) {
        let num = |a: &str, b: &str| -> u32 {
            c.name(a)
                .or_else(|| c.name(b))
                .and_then(|m| m.as_str().parse().ok())
                .unwrap_or(0)
        };
        check_date(num("y1", "y"), num("m1", "m"), num("d1", "d"))?;
        if c.name("hh").is_some()
            && (num("hh", "hh") > 23 || num("mm", "mm") > 59 || num("ss", "ss") > 59)
        {
            return Err(format!("invalid time in timestamp {text:?}"));
        }
        return Ok(Yaml::Timestamp(text.to_string()));
    }
    if text == "=" {
        return Err(
            "could not determine a constructor for the tag 'tag:yaml.org,2002:value'".into(),
        );
    }
    Ok(Yaml::Str(text.to_string()))
}

/// Python's `datetime.date(y, m, d)` validity.
fn check_date(y: u32, m: u32, d: u32) -> Result<(), String> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("month must be in 1..12, not {m}")),
    };
    if y == 0 || d == 0 || d > days {
        return Err(format!("invalid date {y:04}-{m:02}-{d:02}"));
    }
    Ok(())
}

/// PyYAML `construct_yaml_int`: drop `_`, then sign, then `0b`, `0x`,
/// leading-`0` octal, `:` base 60, or decimal.
pub fn construct_int(text: &str) -> Result<i128, String> {
    let bad = || format!("invalid integer {text:?}");
    let v: String = text.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v.as_str()),
    };
    let digits_ok = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let magnitude = if body == "0" {
        0
    } else if let Some(b) = body.strip_prefix("0b") {
        if !digits_ok(b, 2) {
            return Err(bad());
        }
        i128::from_str_radix(b, 2).map_err(|_| bad())?
    } else if let Some(h) = body.strip_prefix("0x") {
        if !digits_ok(h, 16) {
            return Err(bad());
        }
        i128::from_str_radix(h, 16).map_err(|_| bad())?
    } else if body.starts_with('0') {
        if !digits_ok(body, 8) {
            return Err(bad());
        }
        i128::from_str_radix(body, 8).map_err(|_| bad())?
    } else if body.contains(':') {
        let mut total: i128 = 0;
        for part in body.split(':') {
            if !digits_ok(part, 10) {
                return Err(bad());
            }
            let d: i128 = part.parse().map_err(|_| bad())?;
            total = total
                .checked_mul(60)
                .and_then(|t| t.checked_add(d))
                .ok_or_else(bad)?;
        }
        total
    } else {
        if !digits_ok(body, 10) {
            return Err(bad());
        }
        body.parse().map_err(|_| bad())?
    };
    Ok(if neg { -magnitude } else { magnitude })
}

/// PyYAML `construct_yaml_float`: drop `_`, lower-case, sign, `.inf`,
/// `.nan`, `:` base 60, else Python `float()`.
pub fn construct_float(text: &str) -> Result<f64, String> {
    let bad = || format!("invalid float {text:?}");
    let v: String = text
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let (sign, body) = match v.as_bytes().first() {
        Some(b'-') => (-1.0, &v[1..]),
        Some(b'+') => (1.0, &v[1..]),
        _ => (1.0, v.as_str()),
    };
    if body == ".inf" {
        return Ok(sign * f64::INFINITY);
    }
    if body == ".nan" {
        return Ok(f64::NAN);
    }
    if body.contains(':') {
        let mut total = 0.0;
        for part in body.split(':') {
            total = total * 60.0 + python_float(part).ok_or_else(bad)?;
        }
        return Ok(sign * total);
    }
    python_float(body).map(|f| sign * f).ok_or_else(bad)
}

/// Python `float(s)` for the decimal forms YAML can hand it (`1.`, `.5`,
/// `1.e+3`): Rust's parser wants digits on both sides of an exponent-less
/// dot in some forms, so normalise first.
fn python_float(s: &str) -> Option<f64> {
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
    {
        return None;
    }
    let mut t = String::with_capacity(s.len() + 2);
    if s.starts_with('.') {
        t.push('0');
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        t.push(c);
        if c == '.' && !matches!(chars.peek(), Some(d) if d.is_ascii_digit()) {
            t.push('0');
        }
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(src: &str) -> Yaml {
        let doc = parse(&format!("v: {src}\n")).unwrap().unwrap();
        doc.get("v").unwrap().value.clone()
    }

    #[test]
    fn booleans_follow_pyyaml_not_yaml12() {
        for (s, b) in [
            ("yes", true),
            ("Yes", true),
            ("YES", true),
            ("no", false),
            ("No", false),
            ("NO", false),
            ("on", true),
            ("On", true),
            ("ON", true),
            ("off", false),
            ("OFF", false),
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
            ("False", false),
        ] {
            assert_eq!(value(s), Yaml::Bool(b), "{s}");
        }
        // Mixed case and PyYAML's non-booleans stay strings.
        for s in ["yEs", "nO", "y", "n", "Y", "N", "oN"] {
            assert_eq!(value(s), Yaml::Str(s.into()), "{s}");
        }
        // Quoting always makes a string.
        assert_eq!(value("\"no\""), Yaml::Str("no".into()));
        assert_eq!(value("'yes'"), Yaml::Str("yes".into()));
    }

    #[test]
    fn null_forms() {
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(value(s), Yaml::Null, "{s:?}");
        }
        assert_eq!(value("nULL"), Yaml::Str("nULL".into()));
        assert_eq!(value("'~'"), Yaml::Str("~".into()));
    }

    #[test]
    fn integers_in_every_yaml11_form() {
        for (s, n) in [
            ("0", 0),
            ("-0", 0),
            ("+12", 12),
            ("1_000", 1000),
            ("0x1F", 31),
            ("-0x1_f", -31),
            ("0b101", 5),
            ("010", 8),
            ("0_17", 15),
            ("1:30", 90),
            ("-1:0:0", -3600),
            ("170141183460469231731687303715884105727", i128::MAX),
        ] {
            assert_eq!(value(s), Yaml::Int(n), "{s}");
        }
        // Not integers in YAML 1.1: these stay strings.
        for s in ["08", "0o10", "1e3", "0x", "1:60", "12abc", "1 2"] {
            assert_eq!(value(s), Yaml::Str(s.into()), "{s}");
        }
        assert!(
            parse("v: 0b_\n").is_err(),
            "0b with no digits fails as in PyYAML"
        );
        assert!(parse("v: 999999999999999999999999999999999999999999\n").is_err());
    }

    #[test]
    fn floats_need_a_dot() {
        for (s, f) in [
            ("1.5", 1.5),
            ("1.", 1.0),
            ("0.", 0.0),
            (".5", 0.5),
            ("-2.5", -2.5),
            ("1.e+3", 1000.0),
            ("1.0e-2", 0.01),
            ("1_0.2_5", 10.25),
            ("1:30.5", 90.5),
            ("6.10", 6.1),
        ] {
            assert_eq!(value(s), Yaml::Float(f), "{s}");
        }
        assert_eq!(value("+.inf"), Yaml::Float(f64::INFINITY));
        assert_eq!(value("-.Inf"), Yaml::Float(f64::NEG_INFINITY));
        assert!(matches!(value(".NaN"), Yaml::Float(f) if f.is_nan()));
        for s in ["1e3", "1.0e3", ".", "1.2.3", "8.0.7"] {
            assert_eq!(value(s), Yaml::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn timestamps_and_odd_scalars() {
        assert_eq!(value("2021-02-05"), Yaml::Timestamp("2021-02-05".into()));
        assert_eq!(
            value("2021-02-05 07:34:50"),
            Yaml::Timestamp("2021-02-05 07:34:50".into())
        );
        // Suricata's own format has a `+0000` zone PyYAML does not accept.
        let eve = "2021-02-05T07:34:50.000003+0000";
        assert_eq!(value(eve), Yaml::Str(eve.into()));
        assert!(parse("v: 2021-02-30\n").is_err());
        assert!(parse("v: =\n").is_err());
        assert!(parse("a: 1\n<<: {b: 2}\n").is_err());
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(value("!!str 1"), Yaml::Str("1".into()));
        assert_eq!(value("!!int \"0x10\""), Yaml::Int(16));
        assert_eq!(value("!!float 1"), Yaml::Float(1.0));
        assert_eq!(value("!!bool yes"), Yaml::Bool(true));
        assert_eq!(value("! 12"), Yaml::Str("12".into()));
        assert!(parse("v: !!int nope\n").is_err());
        assert!(parse("v: !custom x\n").is_err());
    }

    #[test]
    fn collections_order_and_duplicates() {
        let doc = parse("b: 1\na: [x, 2, no]\nb: 3\n").unwrap().unwrap();
        let m = doc.as_map().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].0.value, Yaml::Str("b".into()));
        assert_eq!(m[0].1.value, Yaml::Int(3), "last value, first position");
        assert_eq!(m[0].0.mark, Mark { line: 1, col: 1 });
        let Yaml::Seq(items) = &m[1].1.value else {
            panic!("not a seq")
        };
        let vals: Vec<_> = items.iter().map(|n| n.value.clone()).collect();
        assert_eq!(
            vals,
            [Yaml::Str("x".into()), Yaml::Int(2), Yaml::Bool(false)]
        );
        // 1, 1.0 and true are one dict key in Python.
        let doc = parse("1: a\ntrue: b\n").unwrap().unwrap();
        assert_eq!(doc.as_map().unwrap().len(), 1);
    }

    #[test]
    fn anchors_documents_and_errors() {
        let doc = parse("a: &x [1, 2]\nb: *x\n").unwrap().unwrap();
        assert_eq!(doc.get("a").unwrap().value, doc.get("b").unwrap().value);
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        let e = parse("a: 1\n b: [\n").unwrap_err();
        assert!(e.mark.line >= 2, "{e:?}");
        assert!(parse("[1, 2]: x\n").is_err(), "unhashable key");
        let deep = format!("v: {}{}\n", "[".repeat(500), "]".repeat(500));
        assert!(parse(&deep).is_err());
    }
}
