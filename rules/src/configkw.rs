//! The `config` keyword: `config:logging disable, type tx, scope tx;`
//! turns logging off for the transaction the rule matched (the `config`
//! rule action matches without alerting, to run just this).
//!
//! Suricata's grammar is strict: a subsystem, `disable`, `type` with `tx`
//! or `flow`, `scope` with `tx`, `flow` or `packet`. Only logging with
//! type and scope `tx` has an effect there (the other combinations load
//! and do nothing), so the same holds here. The `tracking` subsystem only
//! exists for firewall hooks, which Sigil does not have.

use crate::keyword::KwError;

/// A compiled `config` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKw {
    /// `logging disable, type tx, scope tx`: the matched transaction is
    /// not logged.
    pub disable_tx_log: bool,
}

impl ConfigKw {
    /// Parses the value (`logging disable, type tx, scope tx`).
    pub fn parse(value: &str) -> Result<ConfigKw, KwError> {
        let bad = || {
            KwError::invalid(format!(
                "config {value:?}: expected \"<subsystem> disable, type <tx|flow>, scope <tx|flow|packet>\""
            ))
        };
        let parts: Vec<Vec<&str>> = value
            .trim()
            .trim_matches('"')
            .split(',')
            .map(|p| p.split_whitespace().collect())
            .collect();
        let [first, ty, scope] = parts.as_slice() else {
            return Err(bad());
        };
        let (subsys, state, ty, scope) = match (first.as_slice(), ty.as_slice(), scope.as_slice()) {
            ([subsys, state], ["type", ty], ["scope", scope]) => (*subsys, *state, *ty, *scope),
            _ => return Err(bad()),
        };
        match subsys {
            "logging" => {}
            "tracking" => {
                return Err(KwError::unsupported(
                    "config tracking: needs firewall rule hooks (not implemented)",
                ))
            }
            _ => return Err(bad()),
        }
        if state != "disable" || !matches!(ty, "tx" | "flow") {
            return Err(bad());
        }
        if !matches!(scope, "tx" | "flow" | "packet") {
            return Err(bad());
        }
        Ok(ConfigKw {
            disable_tx_log: ty == "tx" && scope == "tx",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suricata_forms() {
        let c = ConfigKw::parse("logging disable, type tx, scope tx").unwrap();
        assert!(c.disable_tx_log);
        let c = ConfigKw::parse(" logging  disable,type flow , scope tx").unwrap();
        assert!(!c.disable_tx_log, "loads, but only tx/tx has an effect");
        assert!(ConfigKw::parse("logging disable, type tx, scope flow").is_ok());
        for bad in [
            "",
            "logging disable",
            "logging enable, type tx, scope tx",
            "logging disable, type alert, scope tx",
            "logging disable, type tx, scope host",
            "stats disable, type tx, scope tx",
            "logging disable, kind tx, scope tx",
        ] {
            assert!(
                matches!(ConfigKw::parse(bad), Err(KwError::Invalid(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            ConfigKw::parse("tracking disable, type flow, scope packet"),
            Err(KwError::Unsupported(_))
        ));
    }
}
