//! What `sigil run` uses when no rules are given: the embedded default pack
//! (src/defaults/default.rules, written for what hits an internet-facing server).

/// The default rule pack's text.
pub const DEFAULT_RULES: &str = include_str!("defaults/default.rules");

/// Name under which the embedded pack appears in reports and errors.
pub const DEFAULT_RULES_NAME: &str = "<embedded>/default.rules";
