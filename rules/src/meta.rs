//! What an alert says about the rule that fired: ids, message, class,
//! severity, references and where the rule was loaded from.

use std::path::PathBuf;

use serde::Serialize;

use crate::threshold::{DetectionFilter, ThresholdSpec};

pub use crate::filekw::{FileStore, StoreDir, StoreScope};

/// Index of a rule in a [`crate::RuleSet`]. Ids follow Suricata's inspection
/// order, so sorting matches by id gives the order Suricata reports them in.
pub type RuleId = u32;

/// Rule action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// `pass`: stop inspecting the packet.
    Pass,
    /// `drop`: drop the packet (alert in IDS mode).
    Drop,
    /// `reject`: reset/unreachable to the source.
    Reject,
    /// `rejectsrc` (same as `reject`).
    RejectSrc,
    /// `rejectdst`: reject towards the destination.
    RejectDst,
    /// `rejectboth`: reject both ways.
    RejectBoth,
    /// `alert`.
    Alert,
    /// `config`: the rule's `config` keyword applies, nothing is logged.
    Config,
}

impl Action {
    /// Parses the header action; `None` for actions not supported here.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "alert" => Action::Alert,
            "pass" => Action::Pass,
            "drop" => Action::Drop,
            "reject" => Action::Reject,
            "rejectsrc" => Action::RejectSrc,
            "rejectdst" => Action::RejectDst,
            "rejectboth" => Action::RejectBoth,
            "config" => Action::Config,
            _ => return None,
        })
    }

    /// Suricata's default `action-order`: pass, drop, reject, alert.
    pub fn order(self) -> u8 {
        match self {
            Action::Pass | Action::Config => 0,
            Action::Drop => 1,
            Action::Reject | Action::RejectSrc | Action::RejectDst | Action::RejectBoth => 2,
            Action::Alert => 3,
        }
    }

    /// The action as written in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pass => "pass",
            Action::Drop => "drop",
            Action::Reject => "reject",
            Action::RejectSrc => "rejectsrc",
            Action::RejectDst => "rejectdst",
            Action::RejectBoth => "rejectboth",
            Action::Alert => "alert",
            Action::Config => "config",
        }
    }
}

/// `target:` — which side of the alert is the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// `target:src_ip`.
    SrcIp,
    /// `target:dest_ip`.
    DestIp,
}

/// Everything output needs to know about a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMeta {
    /// `sid`.
    pub sid: u32,
    /// `gid` (default 1).
    pub gid: u32,
    /// `rev` (default 0).
    pub rev: u32,
    /// `msg` with rule escapes resolved.
    pub msg: String,
    /// Header action.
    pub action: Action,
    /// `classtype` short name.
    pub classtype: Option<String>,
    /// Classtype description, or "" without a classtype.
    pub category: String,
    /// `priority:` keyword, else the classtype's priority, else 3.
    pub severity: u8,
    /// Each `reference:` value as written (`type,value`), trimmed.
    pub references: Vec<String>,
    /// Each comma-separated `metadata` entry (`key value`), trimmed.
    pub metadata: Vec<String>,
    /// `target:`.
    pub target: Option<Target>,
    /// File the rule came from (None for in-memory sources).
    pub file: Option<PathBuf>,
    /// 1-based line of the rule in its file.
    pub line: usize,
    /// `noalert` or `flowbits:noalert`: the rule matches (and applies its
    /// flow-variable actions) but must not produce an alert.
    pub noalert: bool,
    /// `threshold:` (see [`crate::ThresholdState`]).
    pub threshold: Option<ThresholdSpec>,
    /// `detection_filter:` (see [`crate::ThresholdState`]).
    pub detection_filter: Option<DetectionFilter>,
    /// `filestore`: when the rule matches a transaction, the engine
    /// writes its files to disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filestore: Option<FileStore>,
    /// `config:logging disable, type tx, scope tx`: the engine does not
    /// log the transaction the rule matched.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_tx_log: bool,
    /// `bypass`: once the rule matched, the rest of the flow is not
    /// inspected (Suricata's local bypass).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bypass: bool,
    /// `tag:session,…`: once the rule alerted, the flow's next packets
    /// are logged (EVE `packet` records) for this long.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagSpec>,
}

/// How long `tag:session` keeps logging a flow's packets after an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TagSpec {
    /// The next N packets (either direction).
    Packets(u64),
    /// Packets of the next N seconds of packet time.
    Seconds(u64),
    /// Packets until N bytes (whole packets) were logged.
    Bytes(u64),
}

impl TagSpec {
    /// Parses a `tag` value. Only the session scope is implemented: per
    /// host tagging would be state shared across flows (as `xbits`) with
    /// no rule in ET Open using it.
    pub(crate) fn parse(value: &str) -> Result<TagSpec, crate::keyword::KwError> {
        use crate::keyword::KwError;
        let parts: Vec<&str> = value.split(',').map(str::trim).collect();
        match parts.first().copied() {
            Some("session") => {}
            Some("host") => {
                return Err(KwError::unsupported(
                    "tag:host (per-host tagging across flows) is not implemented; tag:session is",
                ))
            }
            other => {
                return Err(KwError::invalid(format!(
                    "tag scope must be session or host, not {:?}",
                    other.unwrap_or("")
                )))
            }
        }
        match parts.get(1..).unwrap_or_default() {
            [] => Ok(TagSpec::Packets(256)),
            [count, metric] => {
                let n: u64 = count
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| KwError::invalid(format!("tag count {count:?}")))?;
                match *metric {
                    "packets" => Ok(TagSpec::Packets(n)),
                    "seconds" => Ok(TagSpec::Seconds(n)),
                    "bytes" => Ok(TagSpec::Bytes(n)),
                    m => Err(KwError::invalid(format!(
                        "tag metric must be packets, seconds or bytes, not {m:?}"
                    ))),
                }
            }
            [_, _, _] => Err(KwError::invalid(
                "tag: a direction (src/dst) only goes with scope host",
            )),
            _ => Err(KwError::invalid(
                "tag:session[,<count>,<packets|seconds|bytes>]",
            )),
        }
    }
}

impl RuleMeta {
    pub(crate) fn new(action: Action) -> Self {
        RuleMeta {
            sid: 0,
            gid: 1,
            rev: 0,
            msg: String::new(),
            action,
            classtype: None,
            category: String::new(),
            severity: 3,
            references: Vec::new(),
            metadata: Vec::new(),
            target: None,
            file: None,
            line: 0,
            noalert: false,
            threshold: None,
            detection_filter: None,
            filestore: None,
            disable_tx_log: false,
            bypass: false,
            tags: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tag_tests {
    use super::TagSpec;

    #[test]
    fn tag_values() {
        assert_eq!(TagSpec::parse("session"), Ok(TagSpec::Packets(256)));
        assert_eq!(TagSpec::parse("session,5,packets"), Ok(TagSpec::Packets(5)));
        assert_eq!(
            TagSpec::parse(" session, 20, packets"),
            Ok(TagSpec::Packets(20))
        );
        assert_eq!(
            TagSpec::parse("session,300,seconds"),
            Ok(TagSpec::Seconds(300))
        );
        assert_eq!(
            TagSpec::parse("session,1000,bytes"),
            Ok(TagSpec::Bytes(1000))
        );
        for bad in [
            "",
            "flow",
            "session,5",
            "session,0,packets",
            "session,5,frames",
            "session,5,packets,src",
        ] {
            assert!(TagSpec::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            TagSpec::parse("host,5,packets,src"),
            Err(crate::keyword::KwError::Unsupported(_))
        ));
    }
}
