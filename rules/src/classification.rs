//! `classtype` definitions (`config classification: name,description,priority`).

use std::collections::HashMap;

/// Suricata's shipped classification.config.
///
/// The file is copied from OISF/suricata (`etc/classification.config`) and is
/// licensed GPL-2.0 by the OISF; it is embedded as data, not code.
const SURICATA_CLASSIFICATIONS: &str = include_str!("classification.config");

/// One classtype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Human description, used as the alert `category`.
    pub description: String,
    /// Default priority (severity) of rules of this class.
    pub priority: u8,
}

/// A malformed classification line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("classification line {line}: {reason}")]
pub struct ClassificationError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// The known classtypes by short name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classifications {
    by_name: HashMap<String, Classification>,
}

impl Default for Classifications {
    /// Suricata's shipped list.
    fn default() -> Self {
        let mut c = Classifications::empty();
        // The embedded file is fixed at build time and covered by a test, so
        // a failure here cannot come from user input.
        let _ = c.merge(SURICATA_CLASSIFICATIONS);
        c
    }
}

impl Classifications {
    /// No classtypes at all.
    pub fn empty() -> Self {
        Classifications {
            by_name: HashMap::new(),
        }
    }

    /// Parses a classification.config text.
    pub fn parse(text: &str) -> Result<Self, ClassificationError> {
        let mut c = Classifications::empty();
        c.merge(text)?;
        Ok(c)
    }

    /// Adds (or replaces) the classtypes defined in `text`. Lines other than
    /// `config classification:` (comments, blank lines) are ignored.
    pub fn merge(&mut self, text: &str) -> Result<(), ClassificationError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let Some(rest) = line.strip_prefix("config") else {
                continue;
            };
            let Some(body) = rest.trim_start().strip_prefix("classification") else {
                continue;
            };
            let Some(body) = body.trim_start().strip_prefix(':') else {
                return Err(ClassificationError {
                    line: i + 1,
                    reason: "expected ':' after 'config classification'".into(),
                });
            };
            let err = |reason: &str| ClassificationError {
                line: i + 1,
                reason: reason.into(),
            };
            // The description may itself contain commas: name first, priority last.
            let (name, rest) = body
                .split_once(',')
                .ok_or_else(|| err("expected name,description,priority"))?;
            let (desc, prio) = rest
                .rsplit_once(',')
                .ok_or_else(|| err("expected name,description,priority"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(err("empty classtype name"));
            }
            let priority: u8 = prio
                .trim()
                .parse()
                .map_err(|_| err("priority is not a number 0-255"))?;
            self.by_name.insert(
                name.to_string(),
                Classification {
                    description: desc.trim().to_string(),
                    priority,
                },
            );
        }
        Ok(())
    }

    /// The classtype `name`, if defined.
    pub fn get(&self, name: &str) -> Option<&Classification> {
        self.by_name.get(name)
    }

    /// Number of classtypes.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when no classtype is defined.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_parses() {
        assert!(Classifications::parse(SURICATA_CLASSIFICATIONS).is_ok());
        let c = Classifications::default();
        assert!(c.len() > 30);
        let t = c.get("trojan-activity").unwrap();
        assert_eq!(t.description, "A Network Trojan was detected");
        assert_eq!(t.priority, 1);
        assert_eq!(c.get("not-suspicious").unwrap().priority, 3);
    }

    #[test]
    fn parses_commas_in_description_and_rejects_junk() {
        let c = Classifications::parse("# comment\n\nconfig classification: x-y,Has, a comma,2\n")
            .unwrap();
        assert_eq!(c.get("x-y").unwrap().description, "Has, a comma");
        assert_eq!(c.get("x-y").unwrap().priority, 2);
        let e = Classifications::parse("config classification: a,b,high\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(Classifications::parse("config classification: nocomma\n").is_err());
    }
}
