//! pcre captures into flow variables, Suricata's two spellings:
//!
//! * a list after the flags, one name per capture group in order:
//!   `pcre:"/^(.*)\/(\d+)/V, flow:key,flow:value"`;
//! * named groups: `(?P<flow_key>…)` (or `(?<flow_key>…)`) stores group
//!   `flow_key` in flow variable `key`.
//!
//! A capture is stored only when the whole rule matches (Suricata's
//! post-match variables), so the program hands values out through the
//! scratch (`Latin1::captures`) and the rule set applies them after the
//! rule's last keyword held. Packet and alert variables (`pkt:`, `alert:`)
//! need per-packet plumbing Sigil does not have; rules using them are
//! refused rather than silently storing nothing.

use std::sync::Arc;

/// Suricata's limit on captures per pcre (`DETECT_PCRE_CAPTURE_MAX`).
pub const MAX_CAPTURES: usize = 16;

/// Which group of the match a capture takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// Group number (1 = first group).
    Index(usize),
    /// Named group, full name as written (`flow_key`).
    Named(String),
}

/// One capture into a flow variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// The flow variable (`key`).
    pub var: Arc<str>,
    /// Where its value comes from.
    pub group: Group,
}

/// A captured value waiting for the rule to match: (variable, bytes).
pub type Captured = (Arc<str>, Vec<u8>);

/// Why captures cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// Valid Suricata that Sigil does not implement.
    Unsupported(String),
    /// Malformed.
    Invalid(String),
}

/// The captures of a pcre: the list after the flags (`list`, may be
/// empty) and the named groups of the pattern `src`.
pub fn parse(src: &str, list: &str) -> Result<Vec<Capture>, CaptureError> {
    let mut out = Vec::new();
    for (i, item) in list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (kind, name) = item.split_once(':').ok_or_else(|| {
            CaptureError::Invalid(format!("pcre capture {item:?} is not kind:name"))
        })?;
        out.push(capture(kind.trim(), name.trim(), Group::Index(i + 1))?);
    }
    let mut rest = src;
    while let Some(at) = rest.find("(?") {
        rest = &rest[at + 2..];
        let after = rest.strip_prefix("P<").or_else(|| rest.strip_prefix('<'));
        let Some(after) = after.filter(|a| !a.starts_with(['=', '!'])) else {
            continue;
        };
        let Some(end) = after.find('>') else {
            continue;
        };
        let group = &after[..end];
        for kind in ["flow", "pkt", "alert"] {
            if let Some(name) = group.strip_prefix(kind).and_then(|g| g.strip_prefix('_')) {
                out.push(capture(kind, name, Group::Named(group.to_string()))?);
            }
        }
    }
    if out.len() > MAX_CAPTURES {
        return Err(CaptureError::Invalid(format!(
            "pcre has {} captures, at most {MAX_CAPTURES} are allowed",
            out.len()
        )));
    }
    Ok(out)
}

fn capture(kind: &str, name: &str, group: Group) -> Result<Capture, CaptureError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
        return Err(CaptureError::Invalid(format!(
            "invalid pcre capture variable name {name:?}"
        )));
    }
    match kind {
        "flow" => Ok(Capture {
            var: Arc::from(name),
            group,
        }),
        "pkt" | "alert" => Err(CaptureError::Unsupported(format!(
            "pcre captures into {kind} variables are not supported (flow variables are)"
        ))),
        other => Err(CaptureError::Invalid(format!(
            "unknown pcre capture kind {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_and_named_groups() {
        let c = parse(r"^(.*)\/(\d+)", " flow:key,flow:value").unwrap();
        assert_eq!(
            c,
            [
                Capture {
                    var: Arc::from("key"),
                    group: Group::Index(1)
                },
                Capture {
                    var: Arc::from("value"),
                    group: Group::Index(2)
                }
            ]
        );
        let c = parse(
            r"(?P<flow_ua>[a-z]+)(?<flow_v>\d)(?:x)(?=y)(?P<other>z)",
            "",
        )
        .unwrap();
        let vars: Vec<&str> = c.iter().map(|c| &*c.var).collect();
        assert_eq!(vars, ["ua", "v"]);
        assert_eq!(c[0].group, Group::Named("flow_ua".into()));
        assert!(parse("(a)", "").unwrap().is_empty());
    }

    #[test]
    fn refused_captures() {
        assert!(matches!(
            parse("(a)", "pkt:x"),
            Err(CaptureError::Unsupported(_))
        ));
        assert!(matches!(
            parse("(?P<alert_x>a)", ""),
            Err(CaptureError::Unsupported(_))
        ));
        assert!(matches!(
            parse("(a)", "flow"),
            Err(CaptureError::Invalid(_))
        ));
        assert!(matches!(
            parse("(a)", "host:x"),
            Err(CaptureError::Invalid(_))
        ));
        assert!(matches!(
            parse("(a)", "flow:"),
            Err(CaptureError::Invalid(_))
        ));
        let many: Vec<String> = (0..17).map(|i| format!("flow:v{i}")).collect();
        assert!(matches!(
            parse("(a)", &many.join(",")),
            Err(CaptureError::Invalid(_))
        ));
    }
}
