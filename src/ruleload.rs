//! Turning CLI arguments into a configuration and a compiled rule set.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sigil_engine::config::Config;
use sigil_rules::{Classifications, LoadReport, RuleSet, RuleSetBuilder, Vars};

use crate::args::RuleLoadArgs;
use crate::defaults;

/// The embedded defaults with `-c FILE` laid over them and `--set` applied.
pub fn config(args: &RuleLoadArgs) -> Result<Config> {
    let mut cfg = match &args.config {
        Some(p) => Config::with_file(p)?,
        None => Config::embedded(),
    };
    for s in &args.set {
        cfg.set(s)?;
    }
    Ok(cfg)
}

/// Address and port groups from `vars.*` of the configuration.
pub fn vars(cfg: &Config) -> Result<Vars> {
    let mut vars = Vars::suricata_defaults();
    for section in ["address-groups", "port-groups"] {
        for (name, value) in cfg.string_map(&format!("vars.{section}")) {
            vars.set(&format!("vars.{section}.{name}"), &value)
                .with_context(|| format!("configuration vars.{section}.{name}"))?;
        }
    }
    Ok(vars)
}

/// Suricata's classification list, or the file named by `classification-file`.
pub fn classifications(cfg: &Config) -> Result<Classifications> {
    match cfg.get_str("classification-file").filter(|s| !s.is_empty()) {
        None => Ok(Classifications::default()),
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read classification file {path}"))?;
            Classifications::parse(&text).with_context(|| format!("classification file {path}"))
        }
    }
}

/// Rule files named by the arguments: files as given, directories
/// contribute their `*.rules` files in name order.
pub fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "rules") && f.is_file())
                .collect();
            found.sort();
            if found.is_empty() {
                anyhow::bail!("{}: no *.rules files in this directory", p.display());
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Where rules come from.
pub enum RuleSource<'a> {
    /// Rule files and directories given on the command line.
    Paths(&'a [PathBuf]),
    /// The pack built into the binary.
    Embedded,
}

/// Parses and compiles rules; unreadable files are errors naming the path.
pub fn build(
    cfg: &Config,
    source: RuleSource<'_>,
    count_commented: bool,
) -> Result<(RuleSet, LoadReport)> {
    let mut builder =
        RuleSetBuilder::new(vars(cfg)?, classifications(cfg)?).count_commented(count_commented);
    match source {
        RuleSource::Paths(paths) => {
            for f in rule_files(paths)? {
                builder.add_file(&f)?;
            }
        }
        RuleSource::Embedded => builder.add_source(
            defaults::DEFAULT_RULES,
            Some(Path::new(defaults::DEFAULT_RULES_NAME)),
        ),
    }
    Ok(builder.build())
}
