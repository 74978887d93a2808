//! The bits of Python value semantics that run.py's judgement rests on,
//! applied between JSON event values (`serde_json::Value`, i.e. what
//! `json.loads` returns) and YAML expected values ([`Yaml`], i.e. what
//! `yaml.safe_load` returns).
//!
//! Python `==` across those types: `None` equals only `None`; `bool`, `int`
//! and `float` compare as numbers (`True == 1 == 1.0`), exactly (no rounding
//! of big integers through `f64`); strings equal strings only (`1 != "1"`);
//! lists and dicts compare element by element; a YAML date equals nothing
//! JSON can produce.

use std::cmp::Ordering;

use serde_json::Value;

use crate::yaml11::Yaml;

/// A Python number: `bool` counts as the int 0/1, as in Python.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// An int (or bool).
    Int(i128),
    /// A float.
    Float(f64),
}

/// The number a JSON value stands for in Python, bools included.
pub fn json_num(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::Int(i128::from(*b))),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(Num::Int(i128::from(i)))
            } else if let Some(u) = n.as_u64() {
                Some(Num::Int(i128::from(u)))
            } else {
                n.as_f64().map(Num::Float)
            }
        }
        _ => None,
    }
}

/// The number a YAML value stands for in Python, bools included.
pub fn yaml_num(y: &Yaml) -> Option<Num> {
    match y {
        Yaml::Bool(b) => Some(Num::Int(i128::from(*b))),
        Yaml::Int(i) => Some(Num::Int(*i)),
        Yaml::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

/// Python's exact comparison of two numbers (`None` when a NaN is involved).
pub fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        (Num::Int(i), Num::Float(f)) => int_float_cmp(i, f),
        (Num::Float(f), Num::Int(i)) => int_float_cmp(i, f).map(Ordering::reverse),
    }
}

/// Compares an int with a float without converting the int to a float
/// (which would make `2**53 + 1 == 2.0**53` true).
fn int_float_cmp(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^127: every i128 is below it, and it is exactly representable.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f < -LIMIT {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    // In range by the checks above, so the cast is exact.
    let w = whole as i128;
    Some(match i.cmp(&w) {
        Ordering::Equal => {
            let frac = f - whole;
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    })
}

/// `json_value == yaml_value` in Python.
pub fn json_eq_yaml(j: &Value, y: &Yaml) -> bool {
    match (j, y) {
        (_, Yaml::Timestamp(_)) => false,
        (Value::Null, Yaml::Null) => true,
        (Value::Null, _) | (_, Yaml::Null) => false,
        (Value::String(a), Yaml::Str(b)) => a == b,
        (Value::Array(a), Yaml::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, n)| json_eq_yaml(x, &n.value))
        }
        (Value::Object(o), Yaml::Map(m)) => {
            o.len() == m.len()
                && m.iter().all(|(k, v)| {
                    k.as_str()
                        .and_then(|k| o.get(k))
                        .is_some_and(|jv| json_eq_yaml(jv, &v.value))
                })
        }
        _ => match (json_num(j), yaml_num(y)) {
            (Some(a), Some(b)) => num_cmp(a, b) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// `n == yaml_value` in Python for an int `n` (a `__len` result).
pub fn int_eq_yaml(n: i64, y: &Yaml) -> bool {
    yaml_num(y).is_some_and(|b| num_cmp(Num::Int(i128::from(n)), b) == Some(Ordering::Equal))
}

/// Whether two YAML scalars are the same Python dict key (`1`, `1.0` and
/// `true` are one key).
pub fn yaml_key_eq(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Null, Yaml::Null) => true,
        (Yaml::Str(x), Yaml::Str(y)) | (Yaml::Timestamp(x), Yaml::Timestamp(y)) => x == y,
        _ => match (yaml_num(a), yaml_num(b)) {
            (Some(x), Some(y)) => num_cmp(x, y) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// Python `str(value)` of a YAML scalar: run.py passes version numbers
/// through `str()` before parsing them, so `min-version: 7.0` (a float) is
/// `"7.0"` and `6.10` is `"6.1"`; and `skip: config` compares `str()`s.
pub fn py_str(y: &Yaml) -> String {
    match y {
        Yaml::Null => "None".into(),
        Yaml::Bool(true) => "True".into(),
        Yaml::Bool(false) => "False".into(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Float(f) => py_float_repr(*f),
        Yaml::Str(s) | Yaml::Timestamp(s) => s.clone(),
        Yaml::Seq(_) | Yaml::Map(_) => show_yaml(y),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, always a `.0` on
/// whole numbers, scientific notation below 1e-4 and from 1e16 on.
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((mant, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                format!("{mant}e{sign}{digits:0>2}")
            }
            None => s,
        };
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// A YAML value written like JSON, for messages.
pub fn show_yaml(y: &Yaml) -> String {
    match y {
        Yaml::Null => "null".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Float(f) => py_float_repr(*f),
        Yaml::Str(s) => Value::String(s.clone()).to_string(),
        Yaml::Timestamp(s) => format!("{s} (a YAML date)"),
        Yaml::Seq(items) => {
            let parts: Vec<String> = items.iter().map(|n| show_yaml(&n.value)).collect();
            format!("[{}]", parts.join(", "))
        }
        Yaml::Map(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", show_yaml(&k.value), show_yaml(&v.value)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// A JSON value on one line, cut to `max` characters for messages.
pub fn show_json(v: &Value, max: usize) -> String {
    let s = v.to_string();
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_equality_table() {
        let cases: &[(Value, Yaml, bool)] = &[
            (json!(1), Yaml::Int(1), true),
            (json!(1), Yaml::Float(1.0), true),
            (json!(1.0), Yaml::Int(1), true),
            (json!(true), Yaml::Int(1), true),
            (json!(1), Yaml::Bool(true), true),
            (json!(false), Yaml::Int(0), true),
            (json!(false), Yaml::Bool(false), true),
            (json!(2), Yaml::Bool(true), false),
            (json!(1), Yaml::Str("1".into()), false),
            (json!("1"), Yaml::Int(1), false),
            (json!("no"), Yaml::Bool(false), false),
            (json!(null), Yaml::Null, true),
            (json!(0), Yaml::Null, false),
            (json!(null), Yaml::Bool(false), false),
            (
                json!("2021-02-05"),
                Yaml::Timestamp("2021-02-05".into()),
                false,
            ),
            (
                json!(9007199254740993u64),
                Yaml::Float(9007199254740992.0),
                false,
            ),
            (
                json!(9007199254740992u64),
                Yaml::Float(9007199254740992.0),
                true,
            ),
            (json!(u64::MAX), Yaml::Int(i128::from(u64::MAX)), true),
            (json!(0.5), Yaml::Float(0.5), true),
        ];
        for (j, y, want) in cases {
            assert_eq!(json_eq_yaml(j, y), *want, "{j} == {y:?}");
        }
    }

    #[test]
    fn collections_compare_deeply() {
        let y = crate::yaml11::parse("v: [1, b, {k: yes}]\n")
            .unwrap()
            .unwrap();
        let v = &y.get("v").unwrap().value;
        assert!(json_eq_yaml(&json!([1.0, "b", {"k": true}]), v));
        assert!(!json_eq_yaml(&json!([1, "b", {"k": true, "x": 1}]), v));
        assert!(!json_eq_yaml(&json!([1, "b"]), v));
    }

    #[test]
    fn numbers_compare_exactly() {
        assert_eq!(
            num_cmp(Num::Int(3), Num::Float(2.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            num_cmp(Num::Int(-3), Num::Float(-2.5)),
            Some(Ordering::Less)
        );
        assert_eq!(
            num_cmp(Num::Float(-2.5), Num::Int(-3)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            num_cmp(Num::Int(i128::MAX), Num::Float(f64::INFINITY)),
            Some(Ordering::Less)
        );
        assert_eq!(
            num_cmp(Num::Int(i128::MIN), Num::Float(-1e300)),
            Some(Ordering::Greater)
        );
        assert_eq!(num_cmp(Num::Int(0), Num::Float(f64::NAN)), None);
    }

    #[test]
    fn python_str_and_repr() {
        assert_eq!(py_str(&Yaml::Float(7.0)), "7.0");
        assert_eq!(py_str(&Yaml::Float(6.10)), "6.1");
        assert_eq!(py_str(&Yaml::Int(8)), "8");
        assert_eq!(py_str(&Yaml::Bool(true)), "True");
        assert_eq!(py_str(&Yaml::Null), "None");
        assert_eq!(py_float_repr(1e16), "1e+16");
        assert_eq!(py_float_repr(1.5e-5), "1.5e-05");
        assert_eq!(py_float_repr(0.0001), "0.0001");
        assert_eq!(py_float_repr(-0.0), "-0.0");
        assert_eq!(py_float_repr(123456789.5), "123456789.5");
    }

    #[test]
    fn yaml_keys_follow_python_hashing() {
        assert!(yaml_key_eq(&Yaml::Int(1), &Yaml::Bool(true)));
        assert!(yaml_key_eq(&Yaml::Int(1), &Yaml::Float(1.0)));
        assert!(!yaml_key_eq(&Yaml::Int(1), &Yaml::Str("1".into())));
    }

    #[test]
    fn shown_values_are_cut() {
        let v = json!({"a": "x".repeat(100)});
        let s = show_json(&v, 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.ends_with('…'));
        assert_eq!(show_yaml(&Yaml::Str("a\"b".into())), "\"a\\\"b\"");
    }
}
