//! Parses the whole ET Open rule set (enabled and commented-out rules) and
//! checks that every rule is accepted and counted.
//!
//! The rule set lives outside the repository; the test skips itself when it
//! is absent. Set `SIGIL_SHARED` to the directory holding `rules/et-open`.

use std::path::PathBuf;
use std::time::Instant;

use sigil_grammar::{parse_file_with, ParseOptions, RuleError};

/// `grep -c '^alert\|^drop\|^pass\|^reject'` over the `*.rules` files.
const ENABLED_RULES: usize = 15021;
/// `grep -hc '^# *alert'` over the `*.rules` files (every commented-out ET
/// rule is an `alert`).
const COMMENTED_RULES: usize = 10384;

fn et_open_dir() -> PathBuf {
    let shared = std::env::var_os("SIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    shared.join("rules/et-open")
}

#[test]
fn et_open_parses_without_errors() {
    let dir = et_open_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipping: ../shared/rules/et-open not found");
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    files.sort();
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();

    let options = ParseOptions {
        include_commented: true,
    };
    let start = Instant::now();
    let mut enabled = 0;
    let mut commented = 0;
    let mut options_seen = 0;
    let mut errors: Vec<RuleError> = Vec::new();
    for (path, source) in &sources {
        let parsed = parse_file_with(source, Some(path), &options);
        for r in &parsed.rules {
            if r.commented {
                commented += 1;
            } else {
                enabled += 1;
            }
            options_seen += r.rule.options.len();
        }
        errors.extend(parsed.errors);
        errors.extend(parsed.commented_errors);
    }
    let elapsed = start.elapsed();
    println!(
        "parsed {} files: {enabled} enabled + {commented} commented rules, {options_seen} options, {} errors in {elapsed:?}",
        sources.len(),
        errors.len()
    );
    for e in errors.iter().take(20) {
        println!("{e}\n");
    }
    assert!(errors.is_empty(), "{} rules failed to parse", errors.len());
    assert_eq!(enabled, ENABLED_RULES);
    assert_eq!(commented, COMMENTED_RULES);
}
