//! Dotted match paths (`dns.queries[0].rrname`, `tls.sans.__len`) walked
//! through an EVE event exactly as run.py's `find_value` walks them,
//! including the cases where Python raises.

use std::borrow::Cow;

use serde_json::Value;

use crate::pyops;

/// Path parts that end the walk (the operator is read from the key suffix).
pub(crate) const STOP_PARTS: [&str; 8] = [
    "__contains",
    "__find",
    "__startswith",
    "__endswith",
    "__gt",
    "__gte",
    "__lt",
    "__lte",
];

/// What a path leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<'a> {
    /// A key or index was missing (Python `None`).
    Absent,
    /// A JSON value (owned when it is one character of a string).
    Json(Cow<'a, Value>),
    /// The result of a `__len` part.
    Len(i64),
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn py_len(v: &Value) -> i64 {
    let n = match v {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => return -1,
    };
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Splits `name[i]` (the last bracket pair, digits only) from a path part.
fn split_index(part: &str) -> (&str, Option<&str>) {
    if let Some(body) = part.strip_suffix(']') {
        if let Some(open) = body.rfind('[') {
            let digits = &body[open + 1..];
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return (&body[..open], Some(digits));
            }
        }
    }
    (part, None)
}

/// Where a walk stands: a value inside the event, or one character cut out
/// of a string by `name[i]`.
enum Cur<'a> {
    Ref(&'a Value),
    Char(String),
}

/// run.py's `find_value`: walks `path` through `root`. `Err` is a Python
/// exception (the test fails).
pub fn resolve<'a>(path: &str, root: &'a Value) -> Result<Found<'a>, String> {
    let mut cur = Cur::Ref(root);
    for part in path.split('.') {
        if part == "__len" {
            return Ok(Found::Len(match &cur {
                Cur::Ref(v) => py_len(v),
                Cur::Char(_) => 1,
            }));
        }
        if STOP_PARTS.contains(&part) {
            break;
        }
        let (name, index) = split_index(part);
        // Python: `if not name in obj: return None`, then `obj = obj[name]`.
        let next: &'a Value = match cur {
            Cur::Ref(Value::Object(m)) => match m.get(name) {
                Some(v) => v,
                None => return Ok(Found::Absent),
            },
            Cur::Ref(v) => {
                let contains = match v {
                    Value::Array(a) => a.iter().any(|e| e.as_str() == Some(name)),
                    Value::String(s) => s.contains(name),
                    _ => return Err(lookup_error(name, v, path, "")),
                };
                if !contains {
                    return Ok(Found::Absent);
                }
                return Err(lookup_error(name, v, path, " that contains it"));
            }
            Cur::Char(c) => {
                if !c.contains(name) {
                    return Ok(Found::Absent);
                }
                let v = Value::String(c);
                return Err(lookup_error(name, &v, path, " that contains it"));
            }
        };
        cur = match index {
            None => Cur::Ref(next),
            Some(digits) => {
                // Python's `try: obj = obj[int(i)] except: return None`:
                // out of range, or a dict/number/bool/null, is absent.
                let Ok(i) = digits.parse::<usize>() else {
                    return Ok(Found::Absent);
                };
                match next {
                    Value::Array(a) => match a.get(i) {
                        Some(v) => Cur::Ref(v),
                        None => return Ok(Found::Absent),
                    },
                    Value::String(s) => match s.chars().nth(i) {
                        Some(c) => Cur::Char(c.to_string()),
                        None => return Ok(Found::Absent),
                    },
                    _ => return Ok(Found::Absent),
                }
            }
        };
    }
    Ok(match cur {
        Cur::Ref(v) => Found::Json(Cow::Borrowed(v)),
        Cur::Char(c) => Found::Json(Cow::Owned(Value::String(c))),
    })
}

fn lookup_error(name: &str, v: &Value, path: &str, extra: &str) -> String {
    format!(
        "cannot look up {name:?} in {} value {}{extra} (path {path:?})",
        type_name(v),
        pyops::show_json(v, 60)
    )
}

/// `None` in run.py's eyes: absent, or JSON null.
pub(crate) fn is_none(f: &Found) -> bool {
    match f {
        Found::Absent => true,
        Found::Json(v) => v.is_null(),
        Found::Len(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_walk() {
        let ev = json!({"a": {"b[1]": 5, "c": [[1, 2], [3]]}, "s": "xyz"});
        assert_eq!(
            resolve("a.c[1]", &ev),
            Ok(Found::Json(Cow::Owned(json!([3]))))
        );
        // `name[i]` uses the last bracket pair: `c[0][1]` is key `c[0]`.
        assert_eq!(resolve("a.c[0][1]", &ev), Ok(Found::Absent));
        assert_eq!(
            resolve("s[2]", &ev),
            Ok(Found::Json(Cow::Owned(json!("z"))))
        );
        assert_eq!(resolve("s[1].__len", &ev), Ok(Found::Len(1)));
        assert_eq!(resolve("a[0]", &ev), Ok(Found::Absent), "index into a dict");
        assert_eq!(
            resolve("a.c[99999999999999999999999]", &ev),
            Ok(Found::Absent)
        );
        assert!(resolve("s.y", &ev).is_err());
        assert_eq!(resolve("s.q", &ev), Ok(Found::Absent));
        assert_eq!(
            resolve("a.b[1]", &ev),
            Ok(Found::Absent),
            "keys with brackets can't be named"
        );
    }
}
