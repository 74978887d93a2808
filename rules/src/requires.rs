//! `requires:` — a rule states the engine version or features it needs
//! (`requires: feature geoip, version >= 7.0.3 < 8 | >= 8.0.1;`).
//!
//! Suricata skips a rule whose requirements are not met without reporting
//! an error, so rule sets can carry variants for several versions. Sigil
//! answers as the Suricata version it follows ([`SURICATA_VERSION`]) and
//! claims none of the optional build features (geoip, lua, …): a rule
//! needing one is skipped rather than loaded half-working.

use crate::keyword::KwError;

/// The Suricata version whose rule semantics Sigil follows.
pub const SURICATA_VERSION: (u32, u32, u32) = (8, 0, 7);

type Version = (u32, u32, u32);

/// Whether the requirements in `value` are met by [`SURICATA_VERSION`]
/// (and Sigil's empty feature set). Malformed requirements are errors.
pub fn requirements_met(value: &str) -> Result<bool, KwError> {
    let mut met = true;
    for req in value.split(',').map(str::trim) {
        if req.is_empty() {
            return Err(KwError::invalid("requires: empty requirement"));
        }
        let (key, rest) = req.split_once(char::is_whitespace).unwrap_or((req, ""));
        let rest = rest.trim();
        match key {
            "feature" => {
                if rest.is_empty() {
                    return Err(KwError::invalid("requires: feature needs a name"));
                }
                met = false;
            }
            "version" => met &= version_met(rest, SURICATA_VERSION)?,
            other => {
                return Err(KwError::invalid(format!(
                    "requires: unknown requirement {other:?}"
                )))
            }
        }
    }
    Ok(met)
}

/// `>= 7.0.3 < 8 | >= 8.0.1`: alternatives separated by `|`, each a list
/// of comparisons that must all hold.
fn version_met(expr: &str, have: Version) -> Result<bool, KwError> {
    if expr.is_empty() {
        return Err(KwError::invalid("requires: version needs a comparison"));
    }
    let mut any = false;
    for alt in expr.split('|').map(str::trim) {
        let mut all = true;
        let mut rest = alt;
        let mut count = 0;
        while !rest.is_empty() {
            let op_len = rest
                .find(|c: char| !matches!(c, '<' | '>' | '='))
                .unwrap_or(rest.len());
            let (op, tail) = rest.split_at(op_len);
            let tail = tail.trim_start();
            let ver_len = tail
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(tail.len());
            let (ver, tail) = tail.split_at(ver_len);
            let want = parse_version(ver)?;
            let ok = match op {
                ">=" => have >= want,
                ">" => have > want,
                "<=" => have <= want,
                "<" => have < want,
                "=" | "==" => have == want,
                _ => {
                    return Err(KwError::invalid(format!(
                        "requires: invalid version operator {op:?}"
                    )))
                }
            };
            all &= ok;
            count += 1;
            rest = tail.trim_start();
        }
        if count == 0 {
            return Err(KwError::invalid("requires: empty version alternative"));
        }
        any |= all;
    }
    Ok(any)
}

/// `8`, `8.0`, `8.0.1` (missing parts are 0).
fn parse_version(s: &str) -> Result<Version, KwError> {
    let bad = || KwError::invalid(format!("requires: invalid version {s:?}"));
    let mut parts = [0u32; 3];
    for (n, p) in s.split('.').enumerate() {
        let slot = parts.get_mut(n).ok_or_else(bad)?;
        *slot = p.parse().map_err(|_| bad())?;
    }
    Ok((parts[0], parts[1], parts[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let cases = [
            ("version >= 8", true),
            ("version >= 7", true),
            ("version >= 9", false),
            ("version >= 7.0.3 < 8", false),
            ("version >= 7.0.3 < 8 | >= 8.0.1", true),
            ("version < 8.0.7", false),
            ("version <= 8.0.7", true),
            ("version = 8.0.7", true),
            ("version >8.0", true),
        ];
        for (v, want) in cases {
            assert_eq!(requirements_met(v), Ok(want), "{v}");
        }
    }

    #[test]
    fn features_are_never_claimed() {
        assert_eq!(requirements_met("feature geoip"), Ok(false));
        assert_eq!(requirements_met("version >= 8, feature lua"), Ok(false));
    }

    #[test]
    fn malformed() {
        for v in [
            "version",
            "version >= x",
            "version => 8",
            "version >= 1.2.3.4",
            "color blue",
            "feature",
            "version >= 8,",
        ] {
            assert!(
                matches!(requirements_met(v), Err(KwError::Invalid(_))),
                "{v}"
            );
        }
    }
}
