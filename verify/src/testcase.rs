//! One suricata-verify test folder, read into a [`TestCase`]: which pcap and
//! rules to run, with which engine arguments, under which requirements, and
//! which checks judge the output.
//!
//! The pcap, rules file and arguments come from `manifest.json` when the
//! caller has an entry for the test (the conformance corpus copies pcaps
//! into each folder, while test.yaml may still point at the upstream
//! location), otherwise from test.yaml and the folder contents exactly as
//! run.py finds them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::args::EngineArgs;
use crate::error::{Mark, VerifyError};
use crate::filter::FilterCheck;
use crate::pyops::py_str;
use crate::requires::{truthy, Requires, Skip, VersionSpec};
use crate::yaml11::{self, Node, Yaml};

/// File and folder a node came from, for errors and relative paths.
pub(crate) struct Ctx<'a> {
    /// The YAML file (for messages).
    pub file: &'a Path,
    /// The test folder (relative paths start here).
    pub dir: &'a Path,
}

impl Ctx<'_> {
    pub fn err(&self, node: &Node, message: impl Into<String>) -> VerifyError {
        VerifyError::invalid(self.file, Some(node.mark), message)
    }

    pub fn map<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [(Node, Node)], VerifyError> {
        node.as_map()
            .ok_or_else(|| self.err(node, format!("{what} must be a mapping")))
    }

    /// A mapping key, which this format always wants to be a string.
    pub fn key<'n>(&self, node: &'n Node) -> Result<&'n str, VerifyError> {
        node.as_str()
            .ok_or_else(|| self.err(node, "keys must be strings"))
    }

    pub fn string(&self, node: &Node, what: &str) -> Result<String, VerifyError> {
        node.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.err(node, format!("{what} must be a string")))
    }

    /// A string or a list of strings.
    pub fn strings(&self, node: &Node, what: &str) -> Result<Vec<String>, VerifyError> {
        match &node.value {
            Yaml::Str(s) => Ok(vec![s.clone()]),
            Yaml::Seq(items) => items.iter().map(|n| self.string(n, what)).collect(),
            _ => Err(self.err(
                node,
                format!("{what} must be a string or a list of strings"),
            )),
        }
    }
}

/// One entry of the corpus' `manifest.json`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ManifestEntry {
    /// Pcap file name inside the test folder.
    #[serde(default)]
    pub pcap: Option<String>,
    /// Rules file name inside the test folder.
    #[serde(default)]
    pub rules: Option<String>,
    /// Engine arguments (`-k none`, `--set k=v`), already split.
    #[serde(default)]
    pub extra_args: Vec<String>,
    /// The `k=v` settings among `extra_args`.
    #[serde(default)]
    pub sets: Vec<String>,
    /// Path of the test in suricata-verify.
    #[serde(default)]
    pub source: Option<String>,
    /// Corpus tags (`eve-alert`, `midstream`, …).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Whether the folder has its own suricata.yaml.
    #[serde(default)]
    pub has_suricata_yaml: bool,
}

/// `manifest.json`: test name → [`ManifestEntry`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    entries: BTreeMap<String, ManifestEntry>,
}

impl Manifest {
    /// Reads a manifest file.
    pub fn load(path: &Path) -> Result<Manifest, VerifyError> {
        let text = std::fs::read_to_string(path).map_err(|e| VerifyError::io(path, e))?;
        Manifest::parse(&text, path)
    }

    /// Parses manifest text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, VerifyError> {
        let entries = serde_json::from_str(text).map_err(|e| VerifyError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            message: e.to_string(),
        })?;
        Ok(Manifest { entries })
    }

    /// The entry for a test (its folder name).
    pub fn get(&self, name: &str) -> Option<&ManifestEntry> {
        self.entries.get(name)
    }

    /// Number of tests listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no test is listed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Test names and entries, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ManifestEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Where the capture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pcap {
    /// This file.
    File(PathBuf),
    /// The test says it needs none (`pcap: false`, or `requires: {pcap:
    /// false}` with no capture in the folder).
    NotNeeded,
    /// None found although one is required: run.py skips the test.
    Missing,
}

/// Which rules the engine loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rules {
    /// This file; when `min_version` is set (a `minX.Y.rules` file) only on
    /// engines of at least that version, otherwise detection is disabled.
    File {
        /// The rules file.
        path: PathBuf,
        /// From a `minX.Y.rules` name.
        min_version: Option<VersionSpec>,
    },
    /// No rules: detection disabled.
    Disabled,
    /// `firewall.rules` (+ `td.rules`): Suricata's firewall mode, which is
    /// not supported.
    Firewall,
}

/// One item of `checks:`.
#[derive(Debug, Clone)]
pub enum Check {
    /// A `filter` check, the only kind that can be run.
    Filter(FilterCheck),
    /// `shell`, `stats` or `file-compare`: known to run.py, not runnable
    /// here, so the test is reported as skipped with the kind named.
    Unsupported {
        /// The check kind.
        kind: String,
        /// Where it is in test.yaml.
        mark: Mark,
    },
}

/// A test folder, read and validated.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The folder name (run.py's test name).
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// The capture to read.
    pub pcap: Pcap,
    /// The rules to load.
    pub rules: Rules,
    /// Extra engine arguments.
    pub args: EngineArgs,
    /// Extra environment (`env:` map), as Python `str()`s.
    pub env: Vec<(String, String)>,
    /// The folder's own suricata.yaml, which replaces the default config.
    pub config: Option<PathBuf>,
    /// `--simulate-ips`: the folder name contains "ips" (run.py's rule).
    pub simulate_ips: bool,
    /// Top-level requirements.
    pub requires: Requires,
    /// Top-level skip conditions.
    pub skip: Option<Skip>,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// Top-level features that cannot be honoured (`command`, `setup`,
    /// `pre-check`, a non-zero `exit-code`): the test is skipped.
    pub unsupported: Vec<String>,
}

impl TestCase {
    /// Reads `dir/test.yaml` and finds the pcap and rules, from `manifest`
    /// when given.
    pub fn load(dir: &Path, manifest: Option<&ManifestEntry>) -> Result<TestCase, VerifyError> {
        let file = dir.join("test.yaml");
        let text = std::fs::read_to_string(&file).map_err(|e| VerifyError::io(&file, e))?;
        TestCase::from_yaml(dir, &file, &text, manifest)
    }

    /// [`TestCase::load`] on test.yaml text already read; `file` is only for
    /// messages, `dir` is where the pcap and rules are looked for.
    pub fn from_yaml(
        dir: &Path,
        file: &Path,
        text: &str,
        manifest: Option<&ManifestEntry>,
    ) -> Result<TestCase, VerifyError> {
        let root = yaml11::parse(text).map_err(|e| VerifyError::Yaml {
            path: file.to_path_buf(),
            mark: e.mark,
            message: e.message,
        })?;
        let root = root.unwrap_or(Node {
            value: Yaml::Map(Vec::new()),
            mark: Mark { line: 1, col: 1 },
        });
        let ctx = Ctx { file, dir };
        ctx.map(&root, "test.yaml")?;
        let get = |k: &str| root.get(k);

        let requires = match get("requires") {
            Some(n) => Requires::from_node(n, &ctx)?,
            None => Requires::default(),
        };
        let skip = get("skip").map(|n| Skip::from_node(n, &ctx)).transpose()?;

        let pcap = match manifest.and_then(|m| m.pcap.as_deref()) {
            Some(p) => Pcap::File(dir.join(p)),
            None => find_pcap(get("pcap"), &requires, &ctx)?,
        };
        let rules = match manifest.and_then(|m| m.rules.as_deref()) {
            Some(r) => rules_file(dir.join(r), &ctx)?,
            None => find_rules(get("rules"), &ctx)?,
        };
        let args = match manifest {
            Some(m) => EngineArgs::from_tokens(&m.extra_args),
            None => match get("args") {
                Some(n) => match &n.value {
                    Yaml::Seq(items) => {
                        let lines = items
                            .iter()
                            .map(|i| ctx.string(i, "each args entry"))
                            .collect::<Result<Vec<_>, _>>()?;
                        EngineArgs::from_lines(&lines)
                    }
                    _ => return Err(ctx.err(n, "args must be a list of strings")),
                },
                None => EngineArgs::default(),
            },
        };
        let env = match get("env") {
            None => Vec::new(),
            Some(n) if n.value == Yaml::Null => Vec::new(),
            Some(n) => ctx
                .map(n, "env")?
                .iter()
                .map(|(k, v)| Ok((ctx.key(k)?.to_string(), py_str(&v.value))))
                .collect::<Result<_, VerifyError>>()?,
        };

        let mut unsupported = Vec::new();
        for key in ["command", "setup", "pre-check"] {
            if get(key).is_some() {
                unsupported.push(key.to_string());
            }
        }
        if let Some(n) = get("exit-code") {
            if !matches!(n.value, Yaml::Int(0)) {
                unsupported.push(format!("exit-code {}", py_str(&n.value)));
            }
        }

        let checks = match get("checks") {
            None => Vec::new(),
            Some(n) if n.value == Yaml::Null => Vec::new(),
            Some(n) => match &n.value {
                Yaml::Seq(items) => items
                    .iter()
                    .map(|i| parse_check(i, &ctx))
                    .collect::<Result<_, _>>()?,
                _ => return Err(ctx.err(n, "checks must be a list")),
            },
        };

        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        let config = Some(dir.join("suricata.yaml")).filter(|p| p.is_file());
        Ok(TestCase {
            simulate_ips: name.contains("ips"),
            name,
            dir: dir.to_path_buf(),
            pcap,
            rules,
            args,
            env,
            config,
            requires,
            skip,
            checks,
            unsupported,
        })
    }

    /// The filter checks, with their indexes in [`TestCase::checks`].
    pub fn filters(&self) -> impl Iterator<Item = (usize, &FilterCheck)> {
        self.checks.iter().enumerate().filter_map(|(i, c)| match c {
            Check::Filter(f) => Some((i, f)),
            Check::Unsupported { .. } => None,
        })
    }
}

fn parse_check(item: &Node, ctx: &Ctx) -> Result<Check, VerifyError> {
    let map = ctx.map(item, "a check")?;
    let [(k, v)] = map else {
        return Err(ctx.err(
            item,
            "a check must be a mapping with exactly one key (its kind)",
        ));
    };
    match ctx.key(k)? {
        "filter" => {
            let mut f = FilterCheck::from_node(v, ctx)?;
            f.mark = k.mark;
            Ok(Check::Filter(f))
        }
        kind @ ("shell" | "stats" | "file-compare") => Ok(Check::Unsupported {
            kind: kind.to_string(),
            mark: k.mark,
        }),
        other => Err(ctx.err(
            k,
            format!("unknown check kind {other:?} (known: filter, shell, stats, file-compare)"),
        )),
    }
}

/// Files in `dir` whose names end with one of `exts`, sorted.
fn files_with(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, VerifyError> {
    let rd = std::fs::read_dir(dir).map_err(|e| VerifyError::io(dir, e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| VerifyError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if exts.iter().any(|e| name.ends_with(e)) && entry.path().is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// run.py's pcap search: the `pcap:` key (falsy → none needed), else the
/// only `*.pcap`/`*.pcapng` in the folder.
fn find_pcap(key: Option<&Node>, requires: &Requires, ctx: &Ctx) -> Result<Pcap, VerifyError> {
    if let Some(n) = key {
        if !truthy(&n.value) {
            return Ok(Pcap::NotNeeded);
        }
        let rel = ctx.string(n, "pcap")?;
        let path = ctx.dir.join(&rel);
        // The corpus copies a pcap that lives in another upstream test into
        // this folder under the same base name.
        if !path.exists() {
            if let Some(base) = Path::new(&rel).file_name() {
                let local = ctx.dir.join(base);
                if local.is_file() {
                    return Ok(Pcap::File(local));
                }
            }
        }
        return Ok(Pcap::File(path));
    }
    let found = files_with(ctx.dir, &[".pcap", ".pcapng"])?;
    match found.as_slice() {
        [one] => Ok(Pcap::File(one.clone())),
        [] if !requires.pcap_required() => Ok(Pcap::NotNeeded),
        [] => Ok(Pcap::Missing),
        many => Err(VerifyError::invalid(
            ctx.file,
            None,
            format!(
                "more than one pcap file in {}: {}",
                ctx.dir.display(),
                names(many)
            ),
        )),
    }
}

/// run.py's rules search: the `rules:` key (empty → detection disabled),
/// else the only `*.rules` file, or the firewall pair.
fn find_rules(key: Option<&Node>, ctx: &Ctx) -> Result<Rules, VerifyError> {
    if let Some(n) = key {
        if !truthy(&n.value) {
            return Ok(Rules::Disabled);
        }
        return rules_file(ctx.dir.join(ctx.string(n, "rules")?), ctx);
    }
    let found = files_with(ctx.dir, &[".rules"])?;
    let base = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned());
    match found.as_slice() {
        [] => Ok(Rules::Disabled),
        [one] if base(one).is_some_and(|n| n.ends_with("firewall.rules")) => Ok(Rules::Firewall),
        [one] => rules_file(one.clone(), ctx),
        [a, b]
            if base(a).is_some_and(|n| n.ends_with("firewall.rules"))
                && base(b).is_some_and(|n| n.ends_with("td.rules")) =>
        {
            Ok(Rules::Firewall)
        }
        many => Err(VerifyError::invalid(
            ctx.file,
            None,
            format!(
                "more than one rules file in {} (only firewall.rules + td.rules may pair): {}",
                ctx.dir.display(),
                names(many)
            ),
        )),
    }
}

/// A rules file; a `minX.Y.rules` name carries a minimum version.
fn rules_file(path: PathBuf, ctx: &Ctx) -> Result<Rules, VerifyError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let min_version = match name.strip_prefix("min") {
        Some(rest) => {
            let v = rest.strip_suffix(".rules").unwrap_or(rest);
            Some(VersionSpec::parse(v).ok_or_else(|| {
                VerifyError::invalid(
                    ctx.file,
                    None,
                    format!("rules file {name}: cannot read a version from {v:?}"),
                )
            })?)
        }
        None => None,
    };
    Ok(Rules::File { path, min_version })
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requires::Requirement;

    /// A scratch test folder under the system temp dir.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str, files: &[(&str, &str)]) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("sigil-verify-{}-{}", std::process::id(), name))
                .join(name);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (f, body) in files {
                std::fs::write(dir.join(f), body).unwrap();
            }
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Some(parent) = self.0.parent() {
                let _ = std::fs::remove_dir_all(parent);
            }
        }
    }

    const BASIC: &str = "requires:\n  min-version: 8\nargs:\n  - -k none --set stream.inline=true\n  - --runmode=single\nchecks:\n  - filter:\n      count: 1\n      match:\n        event_type: alert\n";

    #[test]
    fn folder_discovery_without_manifest() {
        let s = Scratch::new(
            "alert-ips-1",
            &[("test.yaml", BASIC), ("in.pcap", ""), ("test.rules", "")],
        );
        let t = TestCase::load(&s.0, None).unwrap();
        assert_eq!(t.name, "alert-ips-1");
        assert!(t.simulate_ips, "name contains ips");
        assert_eq!(t.pcap, Pcap::File(s.0.join("in.pcap")));
        assert_eq!(
            t.rules,
            Rules::File {
                path: s.0.join("test.rules"),
                min_version: None
            }
        );
        assert_eq!(t.args.checksum_mode(), Some("none"));
        assert_eq!(t.args.extra().collect::<Vec<_>>(), ["--runmode=single"]);
        assert_eq!(
            t.requires.items,
            [Requirement::MinVersion(VersionSpec::parse("8").unwrap())]
        );
        assert_eq!(t.filters().count(), 1);
        assert_eq!(t.config, None);
        assert!(t.unsupported.is_empty());
    }

    #[test]
    fn pcap_rules_and_config_rules() {
        let s = Scratch::new(
            "min",
            &[
                ("test.yaml", "pcap: ../elsewhere/x.pcap\n"),
                ("x.pcap", ""),
                ("min8.1.rules", ""),
                ("suricata.yaml", ""),
            ],
        );
        let t = TestCase::load(&s.0, None).unwrap();
        assert_eq!(
            t.pcap,
            Pcap::File(s.0.join("x.pcap")),
            "falls back to the copy"
        );
        assert!(matches!(&t.rules, Rules::File { min_version: Some(v), .. } if v.minor == Some(1)));
        assert_eq!(t.config, Some(s.0.join("suricata.yaml")));
        assert!(!t.simulate_ips);

        let s = Scratch::new("nopcap", &[("test.yaml", "requires:\n  pcap: false\n")]);
        assert_eq!(TestCase::load(&s.0, None).unwrap().pcap, Pcap::NotNeeded);
        let s = Scratch::new("nopcap2", &[("test.yaml", "pcap: false\n"), ("a.pcap", "")]);
        assert_eq!(TestCase::load(&s.0, None).unwrap().pcap, Pcap::NotNeeded);
        let s = Scratch::new("missing", &[("test.yaml", "checks: []\n")]);
        let t = TestCase::load(&s.0, None).unwrap();
        assert_eq!((t.pcap, t.rules), (Pcap::Missing, Rules::Disabled));
        let s = Scratch::new(
            "two",
            &[("test.yaml", ""), ("a.pcap", ""), ("b.pcapng", "")],
        );
        assert!(TestCase::load(&s.0, None)
            .unwrap_err()
            .to_string()
            .contains("more than one pcap"));
        let s = Scratch::new(
            "tworules",
            &[("test.yaml", ""), ("a.rules", ""), ("b.rules", "")],
        );
        assert!(TestCase::load(&s.0, None).is_err());
        let s = Scratch::new(
            "fw",
            &[("test.yaml", ""), ("firewall.rules", ""), ("td.rules", "")],
        );
        assert_eq!(TestCase::load(&s.0, None).unwrap().rules, Rules::Firewall);
        let s = Scratch::new(
            "norules",
            &[("test.yaml", "rules: \"\"\n"), ("a.rules", "")],
        );
        assert_eq!(TestCase::load(&s.0, None).unwrap().rules, Rules::Disabled);
    }

    #[test]
    fn manifest_entry_wins() {
        let s = Scratch::new("m", &[("test.yaml", BASIC)]);
        let m = Manifest::parse(
            r#"{"m": {"pcap": "p.pcap", "rules": "r.rules", "extra_args": ["-k", "none", "--set", "x=1"], "tags": ["eve-alert"], "vars": []}}"#,
            Path::new("manifest.json"),
        )
        .unwrap();
        assert_eq!(m.len(), 1);
        let e = m.get("m").unwrap();
        let t = TestCase::load(&s.0, Some(e)).unwrap();
        assert_eq!(t.pcap, Pcap::File(s.0.join("p.pcap")));
        assert_eq!(t.args.sets().collect::<Vec<_>>(), [("x", "1")]);
        assert_eq!(t.args.extra().count(), 0);
        let bad = Manifest::parse("{\n\"x\": 3}", Path::new("manifest.json")).unwrap_err();
        assert!(bad.to_string().starts_with("manifest.json:2:"), "{bad}");
    }

    #[test]
    fn checks_and_unsupported_features() {
        let yaml = "command: ./x\nexit-code: 1\nenv: {A: 1}\nchecks:\n  - shell:\n      args: true\n  - filter:\n      count: 0\n      match: {}\n";
        let s = Scratch::new("unsup", &[("test.yaml", yaml)]);
        let t = TestCase::load(&s.0, None).unwrap();
        assert_eq!(t.unsupported, ["command", "exit-code 1"]);
        assert_eq!(t.env, [("A".to_string(), "1".to_string())]);
        assert!(
            matches!(&t.checks[0], Check::Unsupported { kind, mark } if kind == "shell" && mark.line == 5)
        );
        assert_eq!(t.filters().map(|(i, _)| i).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn load_errors_name_file_and_line() {
        let err = |yaml: &str| {
            let s = Scratch::new("err", &[("test.yaml", yaml), ("a.pcap", "")]);
            TestCase::load(&s.0, None).unwrap_err().to_string()
        };
        let e = err("checks:\n  - filter:\n      count: 1\n      match: {}\n      nope: 1\n");
        assert!(e.ends_with("test.yaml:5:7: unknown key \"nope\" in filter check (allowed: count, match, filename, requires)"), "{e}");
        let e = err("checks:\n  - frobnicate: {}\n");
        assert!(
            e.contains("test.yaml:2:5: unknown check kind \"frobnicate\""),
            "{e}"
        );
        let e = err("checks:\n  - filter: {count: 1, match: {}}\n    shell: {}\n");
        assert!(e.contains("exactly one key"), "{e}");
        let e = err("requires:\n  min-version: 8\n  bogus: 1\n");
        assert!(
            e.contains("test.yaml:3:3: unknown requires key \"bogus\""),
            "{e}"
        );
        let e = err("checks: [\n");
        assert!(e.contains("test.yaml:"), "{e}");
        let e = err("args: -k none\n");
        assert!(e.contains("args must be a list"), "{e}");
        let e = err("- 1\n");
        assert!(e.contains("test.yaml must be a mapping"), "{e}");
        let missing = TestCase::load(Path::new("/nonexistent/sigil-test"), None).unwrap_err();
        assert!(missing
            .to_string()
            .starts_with("/nonexistent/sigil-test/test.yaml: "));
    }
}
