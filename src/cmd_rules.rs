//! `sigil rules check`: lint a rule pack.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use sigil_rules::LoadReport;

use crate::args::CheckArgs;
use crate::ruleload::{self, RuleSource};

#[derive(Serialize)]
struct JsonReport<'a> {
    rules: usize,
    parsed: usize,
    compiled: usize,
    unsupported: usize,
    syntax_errors: usize,
    invalid: usize,
    duplicates: usize,
    undefined_vars: usize,
    commented: usize,
    unsupported_keywords: &'a std::collections::BTreeMap<String, usize>,
    details: &'a LoadReport,
}

/// Runs the check; exit 1 on any syntax error (or invalid option value).
pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let cfg = ruleload::config(&args.load)?;
    let (_set, report) =
        ruleload::build(&cfg, RuleSource::Paths(&args.paths), args.include_commented)?;
    let failed = !report.syntax_errors.is_empty() || !report.other_errors.is_empty();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let j = JsonReport {
            rules: report.rules,
            parsed: report.parsed,
            compiled: report.compiled,
            unsupported: report.unsupported.len(),
            syntax_errors: report.syntax_errors.len(),
            invalid: report.other_errors.len(),
            duplicates: report.duplicates.len(),
            undefined_vars: report.undefined_vars.len(),
            commented: report.commented,
            unsupported_keywords: &report.unsupported_keywords,
            details: &report,
        };
        serde_json::to_writer(&mut out, &j)?;
        writeln!(out)?;
    } else {
        print_text(&mut out, &report, args.list_unsupported)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn loc(file: &Option<std::path::PathBuf>, line: usize) -> String {
    match file {
        Some(f) => format!("{}:{line}", f.display()),
        None => format!("<input>:{line}"),
    }
}

fn print_text(out: &mut impl Write, r: &LoadReport, list: bool) -> std::io::Result<()> {
    for e in &r.syntax_errors {
        writeln!(out, "{}", e.message.trim_end())?;
    }
    for e in &r.other_errors {
        writeln!(out, "{}", e.message.trim_end())?;
    }
    for u in &r.undefined_vars {
        writeln!(
            out,
            "{}: error: undefined variable ${}",
            loc(&u.file, u.line),
            u.name
        )?;
    }
    for d in &r.duplicates {
        writeln!(
            out,
            "{}: warning: duplicate {}:{} (kept the one at {})",
            loc(&d.dropped_file, d.dropped_line),
            d.gid,
            d.sid,
            loc(&d.kept_file, d.kept_line)
        )?;
    }
    if list {
        for u in &r.unsupported {
            let sid = u.sid.map(|s| format!(" sid {s}")).unwrap_or_default();
            writeln!(
                out,
                "{}:{sid} unsupported `{}`: {}",
                loc(&u.file, u.line),
                u.keyword,
                u.reason
            )?;
        }
    }
    writeln!(out, "files:          {}", r.files.len())?;
    writeln!(out, "rules:          {}", r.rules)?;
    writeln!(out, "parsed:         {}", r.parsed)?;
    writeln!(out, "compiled:       {}", r.compiled)?;
    writeln!(out, "unsupported:    {}", r.unsupported.len())?;
    writeln!(out, "syntax errors:  {}", r.syntax_errors.len())?;
    writeln!(out, "invalid:        {}", r.other_errors.len())?;
    writeln!(out, "duplicates:     {}", r.duplicates.len())?;
    writeln!(out, "undefined vars: {}", r.undefined_vars.len())?;
    if r.commented > 0 {
        writeln!(out, "commented out:  {}", r.commented)?;
    }
    if !r.unsupported_keywords.is_empty() {
        writeln!(out, "unsupported keywords (rules using each):")?;
        let mut kws: Vec<_> = r.unsupported_keywords.iter().collect();
        kws.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (k, n) in kws {
            writeln!(out, "  {n:>7}  {k}")?;
        }
    }
    Ok(())
}
