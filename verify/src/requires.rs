//! `requires:` and `skip:` blocks, and whether an engine meets them.
//!
//! Everything is parsed and validated when the test is loaded (an unknown
//! key is a load error that names the file and line), so that judging a
//! requirement later cannot fail: it only says "met" or "skip, because …".
//!
//! Version comparisons are run.py's, quirks included: versions in test.yaml
//! go through Python `str()` first (so `min-version: 7.0`, a YAML float, is
//! `"7.0"`, and `6.10` is `"6.1"`), missing parts count as 0 except for
//! `version:` where they match anything, and `lt-version` is *not* a plain
//! "less than": with the same major it holds when the minor is smaller **or**
//! the patch is smaller, so 8.1.0 counts as "less than" 8.0.5.

use std::fmt;
use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;

use crate::error::VerifyError;
use crate::pyops::py_str;
use crate::testcase::Ctx;
use crate::yaml11::{Node, Yaml};

/// What the engine under test claims to be, plus the two host facts `skip:`
/// can ask about.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineInfo {
    /// The Suricata version the engine stands in for.
    pub version: (u32, u32, u32),
    /// Build features (`HAVE_JA3`, `HAVE_LUA`, …) for `requires: features`.
    pub features: Vec<String>,
    /// Flattened configuration (`key.sub = value`, as `--dump-config`
    /// prints it) for `skip: {config: …}`; empty means no such skip applies.
    pub config: Vec<(String, String)>,
    /// The uid tests run as, for `skip: {uid: N}`.
    pub uid: Option<u32>,
}

impl Default for EngineInfo {
    /// Suricata 8.0.7 with HAVE_JA3 and HAVE_JA4, which is what the
    /// conformance corpus was checked against; uid read from the OS.
    fn default() -> Self {
        EngineInfo {
            version: (8, 0, 7),
            features: vec!["HAVE_JA3".into(), "HAVE_JA4".into()],
            config: Vec::new(),
            uid: current_uid(),
        }
    }
}

impl EngineInfo {
    /// Whether the engine reports feature `f`.
    pub fn has_feature(&self, f: &str) -> bool {
        self.features.iter().any(|x| x == f)
    }
}

/// The real uid of this process (Linux `/proc/self/status`), like Python's
/// `os.getuid()`.
fn current_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A version as written in test.yaml, parsed the way run.py does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSpec {
    /// The text after Python `str()` (for messages).
    pub text: String,
    /// Major.
    pub major: u32,
    /// Minor, when given.
    pub minor: Option<u32>,
    /// Patch, when given.
    pub patch: Option<u32>,
}

static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Suricata version |^)(\d+)\.?(\d+)?\.?(\d+)?")
        .expect("constant version pattern compiles")
});

impl VersionSpec {
    /// run.py's `parse_suricata_version`: leading `MAJOR[.MINOR[.PATCH]]`
    /// (anything may follow), or the same after `Suricata version `.
    pub fn parse(text: &str) -> Option<VersionSpec> {
        let trimmed = text.trim();
        let c = VERSION.captures(trimmed)?;
        let part = |i: usize| -> Result<Option<u32>, ()> {
            c.get(i)
                .map(|m| m.as_str().parse::<u32>().map_err(|_| ()))
                .transpose()
        };
        Some(VersionSpec {
            text: trimmed.to_string(),
            major: part(1).ok()??,
            minor: part(2).ok()?,
            patch: part(3).ok()?,
        })
    }

    fn padded(&self) -> (u32, u32, u32) {
        (self.major, self.minor.unwrap_or(0), self.patch.unwrap_or(0))
    }
}

/// `engine >= v` (missing parts of `v` are 0).
pub fn version_gte(engine: (u32, u32, u32), v: &VersionSpec) -> bool {
    engine >= v.padded()
}

/// `engine > v` (missing parts of `v` are 0).
pub fn version_gt(engine: (u32, u32, u32), v: &VersionSpec) -> bool {
    engine > v.padded()
}

/// run.py's `is_lt(engine, v)`: smaller major; or, same major, a smaller
/// minor *or* a smaller patch (whatever the minor is).
pub fn version_lt(engine: (u32, u32, u32), v: &VersionSpec) -> bool {
    let (maj, min, pat) = v.padded();
    if engine.0 != maj {
        return engine.0 < maj;
    }
    engine.1 < min || engine.2 < pat
}

/// run.py's `is_equal`: same major; minor and patch only where given.
pub fn version_equal(engine: (u32, u32, u32), v: &VersionSpec) -> bool {
    engine.0 == v.major
        && v.minor.is_none_or(|m| m == engine.1)
        && v.patch.is_none_or(|p| p == engine.2)
}

/// One `requires:` key.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// `min-version: V`
    MinVersion(VersionSpec),
    /// `lt-version: V` (see [`version_lt`] for the quirk)
    LtVersion(VersionSpec),
    /// `gt-version: V`
    GtVersion(VersionSpec),
    /// `version: V`
    Version(VersionSpec),
    /// `features: [F, …]`
    Features(Vec<String>),
    /// `pcap: BOOL` (whether the test needs a capture; never unmet)
    Pcap(bool),
    /// `files: [PATH, …]`, already joined to the test folder
    Files(Vec<PathBuf>),
    /// `script: [CMD, …]` — shell commands; not run, so never met
    Script(Vec<String>),
    /// `lambda: EXPR` — a Python expression; not evaluated, so never met
    Lambda(String),
    /// `env: [VAR, …]`
    Env(Vec<String>),
    /// `os: NAME` (prefix of Python's `platform.system().lower()`)
    Os(String),
    /// `arch: NAME` (prefix of Python's `platform.machine().lower()`)
    Arch(String),
}

/// A `requires:` block, keys in document order (run.py reports the first
/// unmet one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Requires {
    /// The keys.
    pub items: Vec<Requirement>,
}

/// Why a test or check is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReason(pub String);

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Requires {
    /// Whether the block says the test needs no pcap (`pcap: false`).
    pub fn pcap_required(&self) -> bool {
        !self.items.contains(&Requirement::Pcap(false))
    }

    pub(crate) fn from_node(node: &Node, ctx: &Ctx) -> Result<Requires, VerifyError> {
        if node.value == Yaml::Null {
            return Ok(Requires::default());
        }
        let map = ctx.map(node, "requires")?;
        let mut items = Vec::with_capacity(map.len());
        for (k, v) in map {
            let key = ctx.key(k)?;
            let version = || {
                let text = py_str(&v.value);
                VersionSpec::parse(&text).ok_or_else(|| {
                    ctx.err(v, format!("{key}: cannot read a version from {text:?}"))
                })
            };
            items.push(match key {
                "min-version" => Requirement::MinVersion(version()?),
                "lt-version" => Requirement::LtVersion(version()?),
                "gt-version" => Requirement::GtVersion(version()?),
                "version" => Requirement::Version(version()?),
                "features" => Requirement::Features(ctx.strings(v, key)?),
                "pcap" => Requirement::Pcap(truthy(&v.value)),
                "files" => Requirement::Files(
                    ctx.strings(v, key)?
                        .into_iter()
                        .map(|f| ctx.dir.join(f))
                        .collect(),
                ),
                "script" => Requirement::Script(ctx.strings(v, key)?),
                "lambda" => Requirement::Lambda(ctx.string(v, key)?),
                "env" => Requirement::Env(ctx.strings(v, key)?),
                "os" => Requirement::Os(ctx.string(v, key)?),
                "arch" => Requirement::Arch(ctx.string(v, key)?),
                other => {
                    return Err(ctx.err(
                        k,
                        format!(
                            "unknown requires key {other:?} (known: min-version, lt-version, \
                             gt-version, version, features, pcap, files, script, lambda, env, os, arch)"
                        ),
                    ))
                }
            });
        }
        Ok(Requires { items })
    }
}

/// Python truthiness of a YAML value.
pub(crate) fn truthy(y: &Yaml) -> bool {
    match y {
        Yaml::Null => false,
        Yaml::Bool(b) => *b,
        Yaml::Int(i) => *i != 0,
        Yaml::Float(f) => *f != 0.0,
        Yaml::Str(s) | Yaml::Timestamp(s) => !s.is_empty(),
        Yaml::Seq(v) => !v.is_empty(),
        Yaml::Map(m) => !m.is_empty(),
    }
}

/// Checks every requirement in order; the first unmet one is the reason.
pub fn requirements_met(req: &Requires, engine: &EngineInfo) -> Result<(), SkipReason> {
    let v = engine.version;
    let skip = |s: String| Err(SkipReason(s));
    for r in &req.items {
        match r {
            Requirement::MinVersion(s) if !version_gte(v, s) => {
                return skip(format!("requires at least version {}", s.text))
            }
            Requirement::LtVersion(s) if !version_lt(v, s) => {
                return skip(format!("for version less than {}", s.text))
            }
            Requirement::GtVersion(s) if !version_gt(v, s) => {
                return skip(format!("for version greater than {}", s.text))
            }
            Requirement::Version(s) if !version_equal(v, s) => {
                return skip(format!("only for version {}", s.text))
            }
            Requirement::Features(fs) => {
                if let Some(f) = fs.iter().find(|f| !engine.has_feature(f)) {
                    return skip(format!("requires feature {f}"));
                }
            }
            Requirement::Files(files) => {
                if let Some(f) = files.iter().find(|f| !f.exists()) {
                    return skip(format!("requires file {}", f.display()));
                }
            }
            Requirement::Env(vars) => {
                if let Some(e) = vars.iter().find(|e| std::env::var_os(e).is_none()) {
                    return skip(format!("requires env var {e}"));
                }
            }
            Requirement::Script(_) => {
                return skip("requires a script check, which is not supported".into())
            }
            Requirement::Lambda(expr) => {
                return skip(format!(
                    "requires a Python lambda check ({expr}), which is not supported"
                ))
            }
            Requirement::Os(os) if !platform_system().starts_with(&os.to_lowercase()) => {
                return skip(format!("requires os {os}"))
            }
            Requirement::Arch(a) if !platform_machine().starts_with(&a.to_lowercase()) => {
                return skip(format!("requires arch {a}"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Python's `platform.system().lower()` for the platforms Rust knows.
fn platform_system() -> String {
    match std::env::consts::OS {
        "macos" | "ios" => "darwin".into(),
        other => other.to_string(),
    }
}

/// Python's `platform.machine().lower()` (Linux spellings; macOS says arm64).
fn platform_machine() -> String {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "arm64".into(),
        (_, "x86") => "i686".into(),
        (_, arch) => arch.to_string(),
    }
}

/// A `skip:` block: `skip: true` or a list of conditions.
#[derive(Debug, Clone)]
pub enum Skip {
    /// `skip: true` / `skip: false`
    Flag(bool),
    /// `skip: [{feature: F}, {uid: N}, {config: {…}}, …]`
    Entries(Vec<SkipEntry>),
}

/// One `skip:` list entry; every condition given in it is tested in
/// run.py's order (uid, feature, config).
#[derive(Debug, Clone, Default)]
pub struct SkipEntry {
    /// Skip when running as this uid.
    pub uid: Option<i128>,
    /// Skip when the engine has this feature.
    pub feature: Option<String>,
    /// Skip when a config key matching the regex (anchored at the start, as
    /// Python's `re.match`) has this value (compared as Python `str()`s).
    pub config: Vec<(Regex, String)>,
    /// Message to use instead of the default.
    pub msg: Option<String>,
}

impl Skip {
    pub(crate) fn from_node(node: &Node, ctx: &Ctx) -> Result<Skip, VerifyError> {
        let items = match &node.value {
            Yaml::Bool(b) => return Ok(Skip::Flag(*b)),
            Yaml::Seq(items) => items,
            _ => return Err(ctx.err(node, "skip must be true/false or a list of entries")),
        };
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let mut e = SkipEntry::default();
            for (k, v) in ctx.map(item, "a skip entry")? {
                match ctx.key(k)? {
                    "uid" => match v.value {
                        Yaml::Int(n) => e.uid = Some(n),
                        _ => return Err(ctx.err(v, "skip uid must be an integer")),
                    },
                    "feature" => e.feature = Some(ctx.string(v, "feature")?),
                    "msg" => e.msg = Some(py_str(&v.value)),
                    "config" => {
                        for (pk, pv) in ctx.map(v, "skip config")? {
                            let pat = ctx.string(pk, "a config key pattern")?;
                            let re = Regex::new(&format!("^(?:{pat})"))
                                .map_err(|err| ctx.err(pk, format!("bad config pattern: {err}")))?;
                            e.config.push((re, py_str(&pv.value)));
                        }
                    }
                    other => {
                        return Err(ctx.err(
                            k,
                            format!(
                                "unknown skip key {other:?} (known: uid, feature, config, msg)"
                            ),
                        ))
                    }
                }
            }
            entries.push(e);
        }
        Ok(Skip::Entries(entries))
    }
}

/// Whether a `skip:` block skips the test on this engine.
pub fn skip_applies(skip: &Skip, engine: &EngineInfo) -> Result<(), SkipReason> {
    let entries = match skip {
        Skip::Flag(true) => return Err(SkipReason("skipped by default".into())),
        Skip::Flag(false) => return Ok(()),
        Skip::Entries(e) => e,
    };
    for e in entries {
        let reason = |default: String| SkipReason(e.msg.clone().unwrap_or(default));
        if let (Some(want), Some(uid)) = (e.uid, engine.uid) {
            if i128::from(uid) == want {
                return Err(reason(format!("not for uid {want}")));
            }
        }
        if let Some(f) = &e.feature {
            if engine.has_feature(f) {
                return Err(reason(format!("not for feature {f}")));
            }
        }
        for (re, want) in &e.config {
            if let Some((k, _)) = engine
                .config
                .iter()
                .find(|(k, v)| re.is_match(k) && v == want)
            {
                return Err(SkipReason(format!("not for {k} = {want}")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn v(s: &str) -> VersionSpec {
        VersionSpec::parse(s).unwrap()
    }

    fn requires(src: &str) -> Result<Requires, VerifyError> {
        let node = crate::yaml11::parse(src).unwrap().unwrap_or(Node {
            value: Yaml::Null,
            mark: crate::Mark::default(),
        });
        let ctx = Ctx {
            file: Path::new("test.yaml"),
            dir: Path::new("/nonexistent-dir"),
        };
        Requires::from_node(&node, &ctx)
    }

    fn engine() -> EngineInfo {
        EngineInfo {
            uid: Some(1000),
            ..EngineInfo::default()
        }
    }

    #[test]
    fn version_parsing_like_run_py() {
        assert_eq!((v("8").major, v("8").minor, v("8").patch), (8, None, None));
        assert_eq!(v("8.0.5").padded(), (8, 0, 5));
        assert_eq!(v("4.1.0-dev").padded(), (4, 1, 0));
        assert_eq!(v(" 7.0 ").padded(), (7, 0, 0));
        assert_eq!(
            v("This is Suricata version 6.0.1 RELEASE").padded(),
            (6, 0, 1)
        );
        // `\.?(\d+)?\.?` lets "8..5" skip the minor.
        assert_eq!((v("8..5").minor, v("8..5").patch), (None, Some(5)));
        assert!(VersionSpec::parse("x8").is_none());
        assert!(VersionSpec::parse("").is_none());
        assert!(VersionSpec::parse("99999999999").is_none());
    }

    #[test]
    fn comparisons_table() {
        let e = (8, 0, 7);
        // (op, spec, expected)
        let cases: &[(&str, &str, bool)] = &[
            ("gte", "8", true),
            ("gte", "8.0.7", true),
            ("gte", "8.0.8", false),
            ("gte", "7.0", true),
            ("gte", "9", false),
            ("gt", "8.0.7", false),
            ("gt", "8.0.6", true),
            ("gt", "6.0.11", true),
            ("gt", "8", true),
            ("lt", "8", false),
            ("lt", "8.0.7", false),
            ("lt", "8.1", true),
            ("lt", "9", true),
            ("lt", "7.0.10", false),
            // the quirk: same major, bigger minor but smaller patch
            ("lt", "8.0.8", true),
            ("eq", "8", true),
            ("eq", "8.0", true),
            ("eq", "8.1", false),
            ("eq", "8.0.7", true),
            ("eq", "8.0.6", false),
            ("eq", "7", false),
        ];
        for (op, s, want) in cases {
            let spec = v(s);
            let got = match *op {
                "gte" => version_gte(e, &spec),
                "gt" => version_gt(e, &spec),
                "lt" => version_lt(e, &spec),
                _ => version_equal(e, &spec),
            };
            assert_eq!(got, *want, "{e:?} {op} {s}");
        }
        // The quirk, spelled out: 8.1.0 is "less than" 8.0.5 for run.py.
        assert!(version_lt((8, 1, 0), &v("8.0.5")));
        assert!(!version_lt((9, 0, 0), &v("8.5.5")));
    }

    #[test]
    fn yaml_floats_become_python_strings_first() {
        let r = requires("min-version: 7.0\nlt-version: 6.10\n").unwrap();
        assert_eq!(r.items[0], Requirement::MinVersion(v("7.0")));
        // str(6.10) == "6.1" in Python.
        assert_eq!(r.items[1], Requirement::LtVersion(v("6.1")));
    }

    #[test]
    fn requirements_on_the_default_engine() {
        let e = engine();
        let met = |src: &str| requirements_met(&requires(src).unwrap(), &e);
        assert!(met("min-version: 8.0.0").is_ok());
        assert!(met("min-version: 8\nfeatures: [HAVE_JA3]").is_ok());
        assert_eq!(
            met("min-version: 9").unwrap_err().0,
            "requires at least version 9"
        );
        assert!(met("lt-version: 8").is_err());
        assert!(met("gt-version: 6.0.11").is_ok());
        assert!(met("version: 8.0").is_ok());
        assert!(met("version: 7").is_err());
        assert_eq!(
            met("features: [HAVE_LUA]").unwrap_err().0,
            "requires feature HAVE_LUA"
        );
        assert!(met("pcap: false").is_ok());
        assert!(met("files: [no-such-file]").is_err());
        assert!(met("script: [\"true\"]").is_err());
        assert!(met("lambda: \"True\"").is_err());
        assert!(met("env: [PATH]").is_ok());
        assert!(met("env: [SIGIL_VERIFY_SURELY_UNSET_VAR]").is_err());
        assert!(met(&format!("os: {}", platform_system())).is_ok());
        assert!(met("os: plan9").is_err());
        assert!(met(&format!("arch: {}", platform_machine())).is_ok());
        assert!(met("arch: sparc").is_err());
        // First unmet key in document order is the one reported.
        assert_eq!(
            met("features: [NOPE]\nmin-version: 99").unwrap_err().0,
            "requires feature NOPE"
        );
        assert!(met("").is_ok(), "empty requires");
    }

    #[test]
    fn files_are_relative_to_the_test_folder() {
        let dir = std::env::temp_dir();
        let node = crate::yaml11::parse("files: [.]").unwrap().unwrap();
        let ctx = Ctx {
            file: Path::new("test.yaml"),
            dir: &dir,
        };
        let r = Requires::from_node(&node, &ctx).unwrap();
        assert!(requirements_met(&r, &engine()).is_ok());
    }

    #[test]
    fn bad_requires_are_load_errors() {
        let e = requires("min-version: 8\nfrobnicate: 1\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("test.yaml:2:1: unknown requires key \"frobnicate\""),
            "{msg}"
        );
        assert!(requires("min-version: banana").is_err());
        assert!(requires("features: 3").is_err());
        assert!(requires("- 1").is_err());
    }

    fn skip(src: &str) -> Result<Skip, VerifyError> {
        let node = crate::yaml11::parse(src).unwrap().unwrap();
        let ctx = Ctx {
            file: Path::new("test.yaml"),
            dir: Path::new("."),
        };
        Skip::from_node(node.get("skip").unwrap(), &ctx)
    }

    #[test]
    fn skip_entries() {
        let mut e = engine();
        e.config
            .push(("app-layer.protocols.http2.enabled".into(), "no".into()));
        let applies = |src: &str| skip_applies(&skip(src).unwrap(), &e);
        assert_eq!(applies("skip: true").unwrap_err().0, "skipped by default");
        assert!(applies("skip: false").is_ok());
        assert_eq!(
            applies("skip:\n  - feature: HAVE_JA3\n").unwrap_err().0,
            "not for feature HAVE_JA3"
        );
        assert!(applies("skip:\n  - feature: HAVE_LUA\n").is_ok());
        assert_eq!(
            applies("skip:\n  - uid: 1000\n    msg: not as this user\n")
                .unwrap_err()
                .0,
            "not as this user"
        );
        assert!(applies("skip:\n  - uid: 0\n").is_ok());
        assert!(
            applies("skip:\n  - config:\n      app-layer\\..*http2.enabled: no\n").is_ok(),
            "YAML `no` is False, and str(False) != \"no\""
        );
        assert!(
            applies("skip:\n  - config:\n      app-layer\\..*http2.enabled: \"no\"\n").is_err()
        );
        assert!(
            applies("skip:\n  - config:\n      http2: \"no\"\n").is_ok(),
            "re.match is anchored"
        );
        assert!(skip("skip:\n  - colour: red\n").is_err());
        assert!(skip("skip: 3\n").is_err());
        assert!(skip("skip:\n  - config:\n      \"(\": x\n").is_err());
    }
}
