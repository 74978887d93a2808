//! Configuration: an embedded default laid under an optional user file and
//! `--set key=value` overrides.
//!
//! The tree stays a YAML value so that any Suricata-style dotted key can be
//! overridden without a schema change; typed accessors read what the engine
//! uses. A user file is merged over the default (not substituted as Suricata
//! does) so that a partial file — often just `vars:` — is enough.

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

/// The built-in default configuration text.
pub const DEFAULT_YAML: &str = include_str!("default.yaml");

/// Configuration errors, each naming its source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("{path}: {message}")]
    Yaml {
        /// The file (or `<default>` / `--set`).
        path: PathBuf,
        /// Parser message with line and column.
        message: String,
    },
    /// A `--set` argument without `=` or with an empty key.
    #[error("--set {0}: expected key=value")]
    BadSet(String),
}

/// A loaded configuration tree.
#[derive(Debug, Clone)]
pub struct Config {
    tree: Value,
}

/// Parses YAML text; Suricata files start with a `%YAML 1.1` directive and
/// `---`, which serde_yaml does not take, so directive lines are dropped.
fn parse_yaml(text: &str, path: &Path) -> Result<Value, ConfigError> {
    let cleaned: String = text
        .lines()
        .map(|l| if l.starts_with('%') { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let v: Value = serde_yaml::from_str(&cleaned).map_err(|e| ConfigError::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(if v.is_null() {
        Value::Mapping(Mapping::new())
    } else {
        v
    })
}

/// Lays `over` onto `base`: mappings merge key by key, anything else replaces.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::embedded()
    }
}

impl Config {
    /// The embedded defaults.
    pub fn embedded() -> Config {
        // The default is part of the binary and covered by a test; failing
        // to parse it is a build defect, so fall back to an empty tree
        // rather than panicking at a user's site.
        let tree = parse_yaml(DEFAULT_YAML, Path::new("<default>"))
            .unwrap_or_else(|_| Value::Mapping(Mapping::new()));
        Config { tree }
    }

    /// Defaults with the YAML file at `path` laid over them.
    pub fn with_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cfg = Config::embedded();
        cfg.merge_text(&text, path)?;
        Ok(cfg)
    }

    /// Lays YAML text over the current tree.
    pub fn merge_text(&mut self, text: &str, origin: &Path) -> Result<(), ConfigError> {
        let over = parse_yaml(text, origin)?;
        merge(&mut self.tree, over);
        Ok(())
    }

    /// Applies one `--set key=value` (dotted key; the value is read as a
    /// YAML scalar, so `yes`, `1` and `"[a,b]"` mean what they do in a file).
    pub fn set(&mut self, arg: &str) -> Result<(), ConfigError> {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| ConfigError::BadSet(arg.to_string()))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(ConfigError::BadSet(arg.to_string()));
        }
        // Values like `[10.0.0.0/8]` would parse as YAML sequences; address
        // and port groups want the text, so only plain scalars are typed.
        let value = value.trim();
        let v = match serde_yaml::from_str::<Value>(value) {
            Ok(v @ (Value::Bool(_) | Value::Number(_))) => v,
            _ => Value::String(value.to_string()),
        };
        let mut node = &mut self.tree;
        for part in key.split('.') {
            // A list entry named `part` (suricata.yaml's `outputs:`) is
            // descended into rather than the list being replaced.
            let in_list = match node {
                Value::Sequence(items) => items
                    .iter()
                    .position(|i| i.as_mapping().is_some_and(|m| m.contains_key(part))),
                _ => None,
            };
            node = match (node, in_list) {
                (Value::Sequence(items), Some(i)) => match items.get_mut(i) {
                    Some(Value::Mapping(m)) => m
                        .entry(Value::String(part.to_string()))
                        .or_insert(Value::Null),
                    _ => return Err(ConfigError::BadSet(arg.to_string())),
                },
                (node, _) => {
                    if !node.is_mapping() {
                        *node = Value::Mapping(Mapping::new());
                    }
                    let Value::Mapping(m) = node else {
                        unreachable!("node was just made a mapping")
                    };
                    m.entry(Value::String(part.to_string()))
                        .or_insert(Value::Null)
                }
            };
        }
        *node = v;
        Ok(())
    }

    /// The node at a dotted key. A sequence is walked the way Suricata
    /// names list items: `outputs.eve-log` is the `eve-log` entry of
    /// suricata.yaml's `outputs:` list of one-key mappings (and a bare
    /// string item such as `- flow` is found by its text).
    pub fn get(&self, key: &str) -> Option<&Value> {
        let mut node = &self.tree;
        for part in key.split('.') {
            node = match node {
                Value::Sequence(items) => items.iter().find_map(|item| match item {
                    Value::Mapping(m) => m.get(part),
                    Value::String(s) if s == part => Some(item),
                    _ => None,
                })?,
                _ => node.as_mapping()?.get(part)?,
            };
        }
        Some(node)
    }

    /// The strings of a sequence at a dotted key (`force-hash: [md5, sha1]`);
    /// a single scalar counts as a one-item list.
    pub fn string_list(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => s
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A scalar at a dotted key rendered as text (`yes` stays `true`).
    pub fn get_str(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A boolean at a dotted key, accepting Suricata's yes/no/on/off/true/false.
    pub fn get_bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "yes" | "on" | "true" | "1" => Some(true),
                "no" | "off" | "false" | "0" => Some(false),
                _ => None,
            },
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            _ => None,
        }
    }

    /// An unsigned integer at a dotted key; accepts Suricata size suffixes
    /// (`kb`, `mb`, `gb`, powers of 1024) on strings.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => parse_size(s),
            _ => None,
        }
    }

    /// `(name, value)` pairs of a mapping of scalars, e.g. `vars.address-groups`.
    pub fn string_map(&self, key: &str) -> Vec<(String, String)> {
        let Some(Value::Mapping(m)) = self.get(key) else {
            return Vec::new();
        };
        m.iter()
            .filter_map(|(k, v)| {
                let k = k.as_str()?.to_string();
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Sequence(items) => format!(
                        "[{}]",
                        items
                            .iter()
                            .filter_map(|i| match i {
                                Value::String(s) => Some(s.clone()),
                                Value::Number(n) => Some(n.to_string()),
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                    _ => return None,
                };
                Some((k, v))
            })
            .collect()
    }
}

/// Parses `1024`, `64kb`, `1mb`, `2gb` (case-insensitive, powers of 1024).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let (num, mult) = if let Some(n) = s.strip_suffix("gb") {
        (n, 1u64 << 30)
    } else if let Some(n) = s.strip_suffix("mb") {
        (n, 1 << 20)
    } else if let Some(n) = s.strip_suffix("kb") {
        (n, 1 << 10)
    } else if let Some(n) = s.strip_suffix('b') {
        (n, 1)
    } else {
        (s.as_str(), 1)
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses() {
        let t = parse_yaml(DEFAULT_YAML, Path::new("<default>")).unwrap();
        assert!(t.is_mapping());
        let c = Config::embedded();
        assert_eq!(
            c.get_str("vars.address-groups.HOME_NET").as_deref(),
            Some("[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]")
        );
        assert_eq!(
            c.get_str("pcap-file.checksum-checks").as_deref(),
            Some("auto")
        );
        assert_eq!(c.get_bool("outputs.eve-log.enabled"), Some(true));
    }

    /// suricata.yaml's `outputs:` is a list of one-key mappings; dotted
    /// keys find its entries by name, as Suricata's configuration does.
    #[test]
    fn sequences_are_walked_by_item_name() {
        let mut c = Config::embedded();
        let yaml = "outputs:\n  - fast:\n      enabled: no\n  - eve-log:\n      enabled: yes\n      types:\n        - alert\n        - files:\n            force-hash: [md5, sha256]\n";
        c.merge_text(yaml, Path::new("s.yaml")).unwrap();
        assert_eq!(c.get_bool("outputs.fast.enabled"), Some(false));
        assert_eq!(c.get_bool("outputs.eve-log.enabled"), Some(true));
        assert!(c.get("outputs.eve-log.types.alert").is_some());
        assert!(c.get("outputs.eve-log.types.dns").is_none());
        assert_eq!(
            c.string_list("outputs.eve-log.types.files.force-hash"),
            ["md5", "sha256"]
        );
        // --set reaches into the list instead of replacing it.
        c.set("outputs.eve-log.types.files.force-hash=[sha1]")
            .unwrap();
        assert_eq!(
            c.string_list("outputs.eve-log.types.files.force-hash"),
            ["sha1"]
        );
        assert_eq!(c.get_bool("outputs.fast.enabled"), Some(false));
    }

    #[test]
    fn set_overrides_and_creates_keys() {
        let mut c = Config::embedded();
        c.set("vars.address-groups.HOME_NET=[10.0.0.0/8]").unwrap();
        c.set("stream.inline=true").unwrap();
        c.set("stream.reassembly.depth=1mb").unwrap();
        assert_eq!(
            c.get_str("vars.address-groups.HOME_NET").as_deref(),
            Some("[10.0.0.0/8]")
        );
        assert_eq!(c.get_bool("stream.inline"), Some(true));
        assert_eq!(c.get_u64("stream.reassembly.depth"), Some(1 << 20));
        assert!(matches!(c.set("novalue"), Err(ConfigError::BadSet(_))));
    }

    #[test]
    fn user_file_merges_over_defaults() {
        let mut c = Config::embedded();
        c.merge_text(
            "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[10.1.0.0/16]\"\n",
            Path::new("x.yaml"),
        )
        .unwrap();
        assert_eq!(
            c.get_str("vars.address-groups.HOME_NET").as_deref(),
            Some("[10.1.0.0/16]")
        );
        // untouched defaults survive
        assert_eq!(
            c.get_str("vars.port-groups.SSH_PORTS").as_deref(),
            Some("22")
        );
        let groups = c.string_map("vars.port-groups");
        assert!(groups.contains(&("HTTP_PORTS".to_string(), "80".to_string())));
    }

    #[test]
    fn bad_yaml_names_file_and_position() {
        let mut c = Config::embedded();
        let e = c
            .merge_text("vars: [unclosed\n", Path::new("bad.yaml"))
            .unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("bad.yaml: "), "{s}");
        assert!(s.contains("line"), "{s}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64kb"), Some(65536));
        assert_eq!(parse_size("2GB"), Some(2 << 30));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("x"), None);
    }
}
