//! Reading EVE output: JSON lines, one object per line, strictly.

use std::path::Path;

use serde_json::Value;

use crate::error::VerifyError;
use crate::pyops;

/// Reads an EVE file: every line must be one JSON object; a blank or broken
/// line is an error naming its line number (run.py's `json.loads` would
/// raise on it and fail the test).
pub fn read_eve(path: &Path) -> Result<Vec<Value>, VerifyError> {
    let bytes = std::fs::read(path).map_err(|e| VerifyError::io(path, e))?;
    parse_eve(&bytes, path)
}

/// [`read_eve`] on bytes already in memory; `path` is only for messages.
pub fn parse_eve(bytes: &[u8], path: &Path) -> Result<Vec<Value>, VerifyError> {
    let bad = |line: usize, message: String| VerifyError::Json {
        path: path.to_path_buf(),
        line,
        message,
    };
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|e| bad(line, format!("not UTF-8: {e}")))?;
        if text.trim().is_empty() {
            return Err(bad(line, "blank line".into()));
        }
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(line, format!("not JSON: {e}")))?;
        if !v.is_object() {
            return Err(bad(
                line,
                format!("not a JSON object: {}", pyops::show_json(&v, 60)),
            ));
        }
        events.push(v);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn eve_lines() {
        let p = Path::new("eve.json");
        let ok = parse_eve(b"{\"a\":1}\n{\"b\":2}\r\n", p).unwrap();
        assert_eq!(ok, vec![json!({"a": 1}), json!({"b": 2})]);
        assert_eq!(parse_eve(b"", p).unwrap(), Vec::<Value>::new());
        assert_eq!(
            parse_eve(b"{}", p).unwrap(),
            vec![json!({})],
            "no final newline"
        );
        let msg = |b: &[u8]| parse_eve(b, p).unwrap_err().to_string();
        assert_eq!(msg(b"{}\n\n{}\n"), "eve.json:2: blank line");
        assert!(msg(b"{}\n{\"a\":\n").starts_with("eve.json:2: not JSON"));
        assert!(msg(b"[1]\n").starts_with("eve.json:1: not a JSON object"));
        assert!(msg(b"{}\n\xff\n").starts_with("eve.json:2: not UTF-8"));
        assert!(msg(b"{}\n\n").starts_with("eve.json:2: blank line"));
        let missing = read_eve(Path::new("/nonexistent/eve.json")).unwrap_err();
        assert!(matches!(missing, VerifyError::Io { .. }));
    }
}
