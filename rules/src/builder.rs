//! Loading rule files into a [`RuleSet`], with a report of everything that
//! was not loaded and why.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sigil_grammar::{ast, parse_file_with, ErrorKind, ParseOptions, ParsedRule};

use crate::classification::Classifications;
use crate::compile::{compile_rule, CompileCtx, CompileIssue, CompiledRule, IssueKind};
use crate::flowvars::Names;
use crate::ruleset::RuleSet;
use crate::vars::{ResolvedVars, Vars};

/// A rule that failed to parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// The rule file, when loaded from one.
    pub file: Option<PathBuf>,
    /// 1-based file line of the rule.
    pub line: usize,
    /// 1-based character column of the problem.
    pub column: usize,
    /// The grammar's rendering: `file:line:col: error: …` plus a caret line.
    pub message: String,
}

/// A rule not loaded because it uses something not implemented here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsupportedRule {
    /// The rule file, when loaded from one.
    pub file: Option<PathBuf>,
    /// 1-based file line of the rule.
    pub line: usize,
    /// The rule's sid, when it has a readable one.
    pub sid: Option<u32>,
    /// The first unsupported keyword (or header part) of the rule.
    pub keyword: String,
    /// Why.
    pub reason: String,
}

/// A rule whose gid:sid was already loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateRule {
    /// Generator id.
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Where the rule that was kept comes from.
    pub kept_file: Option<PathBuf>,
    /// Line of the kept rule.
    pub kept_line: usize,
    /// Where the rule that was dropped comes from.
    pub dropped_file: Option<PathBuf>,
    /// Line of the dropped rule.
    pub dropped_line: usize,
}

/// A `$VAR` that no variable defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndefinedVar {
    /// Variable name without `$`.
    pub name: String,
    /// The rule file, when loaded from one.
    pub file: Option<PathBuf>,
    /// 1-based file line of the rule.
    pub line: usize,
}

/// A rule with a malformed or contradictory option value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidRule {
    /// The rule file, when loaded from one.
    pub file: Option<PathBuf>,
    /// 1-based file line of the rule.
    pub line: usize,
    /// 1-based character column of the problem.
    pub column: usize,
    /// The rule's sid, when it has a readable one.
    pub sid: Option<u32>,
    /// The keyword (or header part) at fault.
    pub keyword: String,
    /// Why.
    pub reason: String,
    /// `file:line:col: error: …` with a caret line under the option.
    pub message: String,
}

/// What happened to every rule seen while loading.
///
/// Each parsed rule ends up in exactly one of: `compiled`, `unsupported`,
/// `undefined_vars` (one entry per rule), `other_errors` (one entry per
/// rule) or `duplicates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// Files read, in order.
    pub files: Vec<PathBuf>,
    /// Rules seen: parsed plus syntax errors (commented-out rules excluded).
    pub rules: usize,
    /// Rules that parsed.
    pub parsed: usize,
    /// Rules fully supported and loaded.
    pub compiled: usize,
    /// Commented-out rules seen (only counted when asked, never loaded).
    pub commented: usize,
    /// Rules that did not parse.
    pub syntax_errors: Vec<SyntaxError>,
    /// Rules not loaded for an unsupported feature.
    pub unsupported: Vec<UnsupportedRule>,
    /// Unsupported keyword → number of rules using it.
    pub unsupported_keywords: BTreeMap<String, usize>,
    /// Rules dropped as duplicate gid:sid.
    pub duplicates: Vec<DuplicateRule>,
    /// Rules not loaded for an undefined variable.
    pub undefined_vars: Vec<UndefinedVar>,
    /// Rules not loaded for an invalid option value.
    pub other_errors: Vec<InvalidRule>,
    /// Keywords used by the rules that compiled (the engine turns on
    /// optional work, such as HASSH or JA3 logging, only when a rule needs it).
    #[serde(skip)]
    pub keywords_used: std::collections::BTreeSet<String>,
    /// Rules skipped silently because their `requires:` is not met.
    pub requires_unmet: usize,
}

/// Errors that stop loading a source altogether (not per-rule problems).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The rule file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

struct Loaded {
    rule: CompiledRule,
    /// Load order, the last tie-breaker of the inspection order.
    seq: usize,
}

/// Collects rules from files or text and builds a [`RuleSet`].
pub struct RuleSetBuilder {
    vars: ResolvedVars,
    classifications: Classifications,
    prefilter: bool,
    count_commented: bool,
    loaded: Vec<Loaded>,
    /// gid:sid → index into `loaded`.
    seen: HashMap<(u32, u32), usize>,
    report: LoadReport,
}

impl RuleSetBuilder {
    /// A builder with the given variables (resolved now) and classtypes.
    pub fn new(vars: Vars, classifications: Classifications) -> Self {
        RuleSetBuilder {
            vars: vars.resolve(),
            classifications,
            prefilter: true,
            count_commented: false,
            loaded: Vec::new(),
            seen: HashMap::new(),
            report: LoadReport::default(),
        }
    }

    /// `false` puts every rule in one always-check list (no grouping, no
    /// automata): slow, but the reference the prefilter is tested against.
    pub fn prefilter(mut self, enabled: bool) -> Self {
        self.prefilter = enabled;
        self
    }

    /// Count commented-out rules in [`LoadReport::commented`] (they are
    /// never loaded).
    pub fn count_commented(mut self, enabled: bool) -> Self {
        self.count_commented = enabled;
        self
    }

    /// Reads and adds one rule file.
    pub fn add_file(&mut self, path: &Path) -> Result<(), LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.add_source(&text, Some(path));
        Ok(())
    }

    /// Parses and adds rules from `text`; `path` labels the report entries.
    pub fn add_source(&mut self, text: &str, path: Option<&Path>) {
        let parsed = parse_file_with(
            text,
            path,
            &ParseOptions {
                include_commented: self.count_commented,
            },
        );
        if let Some(p) = path {
            self.report.files.push(p.to_path_buf());
        }
        for e in parsed.errors {
            self.report.rules += 1;
            self.report.syntax_errors.push(SyntaxError {
                file: e.file.clone(),
                line: e.line,
                column: e.col,
                message: e.to_string(),
            });
        }
        for pr in &parsed.rules {
            if pr.commented {
                self.report.commented += 1;
                continue;
            }
            self.add_parsed(pr, path);
        }
    }

    fn add_parsed(&mut self, pr: &ParsedRule, file: Option<&Path>) {
        self.report.rules += 1;
        self.report.parsed += 1;
        let ctx = CompileCtx {
            vars: &self.vars,
            classifications: &self.classifications,
        };
        match compile_rule(&pr.rule, &ctx) {
            Ok(rule) => {
                for o in &pr.rule.options {
                    if !self.report.keywords_used.contains(&o.keyword) {
                        self.report.keywords_used.insert(o.keyword.clone());
                    }
                }
                self.accept(rule, file, pr.line)
            }
            Err(issues) => {
                let sid = sid_of(&pr.rule);
                self.reject(&issues, sid, file, pr.line, |span, msg| {
                    let (line, column) = pr.position(span.start);
                    let message = pr.error(file, ErrorKind::Other, span, msg).to_string();
                    (line, column, message)
                });
            }
        }
    }

    /// Adds an already parsed rule (for callers with their own parser and
    /// for tests); `line` is reported for every problem.
    pub fn add_rule(&mut self, rule: &ast::Rule, file: Option<&Path>, line: usize) {
        self.report.rules += 1;
        self.report.parsed += 1;
        let ctx = CompileCtx {
            vars: &self.vars,
            classifications: &self.classifications,
        };
        match compile_rule(rule, &ctx) {
            Ok(r) => self.accept(r, file, line),
            Err(issues) => {
                let loc = file
                    .map(|f| format!("{}:", f.display()))
                    .unwrap_or_default();
                self.reject(&issues, sid_of(rule), file, line, |_, msg| {
                    (line, 1, format!("{loc}{line}: error: {msg}"))
                });
            }
        }
    }

    fn accept(&mut self, mut rule: CompiledRule, file: Option<&Path>, line: usize) {
        rule.meta.file = file.map(Path::to_path_buf);
        rule.meta.line = line;
        let key = (rule.meta.gid, rule.meta.sid);
        if let Some(&i) = self.seen.get(&key) {
            // Suricata keeps the higher revision, else the first one loaded.
            let kept = &self.loaded[i].rule.meta;
            let replace = rule.meta.rev > kept.rev;
            let (k, d) = if replace {
                (&rule.meta, kept)
            } else {
                (kept, &rule.meta)
            };
            self.report.duplicates.push(DuplicateRule {
                gid: key.0,
                sid: key.1,
                kept_file: k.file.clone(),
                kept_line: k.line,
                dropped_file: d.file.clone(),
                dropped_line: d.line,
            });
            if replace {
                self.loaded[i].rule = rule;
            }
            return;
        }
        self.seen.insert(key, self.loaded.len());
        let seq = self.loaded.len();
        self.loaded.push(Loaded { rule, seq });
        self.report.compiled += 1;
    }

    fn reject(
        &mut self,
        issues: &[CompileIssue],
        sid: Option<u32>,
        file: Option<&Path>,
        line: usize,
        locate: impl Fn(ast::Span, &str) -> (usize, usize, String),
    ) {
        if issues.iter().any(|i| i.kind == IssueKind::RequirementUnmet) {
            // Suricata checks `requires` first and skips without an error.
            self.report.requires_unmet += 1;
            return;
        }
        let file_buf = file.map(Path::to_path_buf);
        let unsupported: Vec<&CompileIssue> = issues
            .iter()
            .filter(|i| i.kind == IssueKind::Unsupported)
            .collect();
        if let Some(first) = unsupported.first() {
            let mut kws: Vec<&str> = unsupported.iter().map(|i| i.keyword.as_str()).collect();
            kws.sort_unstable();
            kws.dedup();
            for k in kws {
                *self
                    .report
                    .unsupported_keywords
                    .entry(k.to_string())
                    .or_default() += 1;
            }
            self.report.unsupported.push(UnsupportedRule {
                file: file_buf,
                line,
                sid,
                keyword: first.keyword.clone(),
                reason: first.reason.clone(),
            });
            return;
        }
        if let Some(u) = issues.iter().find(|i| i.kind == IssueKind::UndefinedVar) {
            self.report.undefined_vars.push(UndefinedVar {
                name: u.reason.clone(),
                file: file_buf,
                line,
            });
            return;
        }
        if let Some(i) = issues.first() {
            let msg = format!("{}: {}", i.keyword, i.reason);
            let (l, column, message) = locate(i.span, &msg);
            self.report.other_errors.push(InvalidRule {
                file: file_buf,
                line: l,
                column,
                sid,
                keyword: i.keyword.clone(),
                reason: i.reason.clone(),
                message,
            });
        }
    }

    /// The report so far.
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// Orders the rules as Suricata inspects them, interns flow-variable
    /// names and builds the prefilter.
    ///
    /// The order is Suricata's `SCSigOrderSignatures`: action (pass, drop,
    /// reject, alert); then flowbits use (rules that only set/unset/toggle,
    /// then those that modify and check, then those that only check, then
    /// the rest), the same for flowint, then for per-host and per-pair
    /// `xbits`, so a modifier always runs before the checks that depend on
    /// it; then priority; then sid (gid and load
    /// order only break ties Suricata leaves open). Rule ids follow this
    /// order.
    pub fn build(self) -> (RuleSet, LoadReport) {
        let mut loaded = self.loaded;
        loaded.sort_by_key(|l| {
            let (m, f) = (&l.rule.meta, &l.rule.flow);
            let (hostbits, pairbits) = l.rule.xbits.uses();
            (
                m.action.order(),
                f.bits_use(),
                f.ints_use(),
                hostbits,
                pairbits,
                m.severity,
                m.sid,
                m.gid,
                l.seq,
            )
        });
        let mut bits = Names::default();
        let mut ints = Names::default();
        let rules: Vec<CompiledRule> = loaded
            .into_iter()
            .map(|mut l| {
                l.rule.flow.resolve(&mut bits, &mut ints);
                l.rule
            })
            .collect();
        (RuleSet::new(rules, self.prefilter, bits, ints), self.report)
    }
}

fn sid_of(rule: &ast::Rule) -> Option<u32> {
    rule.option("sid")
        .and_then(|o| o.value.as_deref())
        .and_then(|v| v.trim().parse().ok())
}
