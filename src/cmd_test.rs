//! `sigil test`: suricata-verify style tests, run with the engine in-process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use sigil_engine::config::Config;
use sigil_engine::decode::ChecksumMode;
use sigil_verify::{
    run_test, write_junit, EngineInfo, Manifest, RunRequest, Summary, TestCase, TestResult,
    TestStatus,
};

use crate::args::{ChecksumArg, TestArgs};
use crate::execute::{execute, Request, Rules};

/// Entry point.
pub fn test(args: TestArgs) -> Result<ExitCode> {
    if let Some(name) = &args.new {
        return scaffold(name, &args);
    }
    if args.paths.is_empty() {
        bail!("give test folders to run, or --new NAME -r PCAP -S RULES");
    }
    let mut cases = Vec::new();
    let mut load_errors = Vec::new();
    for root in &args.paths {
        // Absolute paths: test files are named relative to their folder.
        let root = &std::fs::canonicalize(root)
            .with_context(|| format!("cannot read {}", root.display()))?;
        let manifest = match &args.manifest {
            Some(m) => Some(Manifest::load(m)?),
            None => [root.join("manifest.json"), root.join("../manifest.json")]
                .into_iter()
                .find(|p| p.is_file())
                .map(|p| Manifest::load(&p))
                .transpose()?,
        };
        let mut dirs = Vec::new();
        find_tests(root, &mut dirs).with_context(|| format!("cannot read {}", root.display()))?;
        if dirs.is_empty() {
            bail!("{}: no test.yaml found", root.display());
        }
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if args
                .filter
                .as_ref()
                .is_some_and(|f| !name.contains(f.as_str()))
            {
                continue;
            }
            let entry = manifest.as_ref().and_then(|m| m.get(&name));
            match TestCase::load(&dir, entry) {
                Ok(c) => cases.push(c),
                Err(e) => load_errors.push(TestResult::load_error(&name, &e)),
            }
        }
    }
    let xfail = match &args.xfail {
        Some(p) => read_xfail(p)?,
        None => BTreeMap::new(),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let scratch = match &args.keep {
        Some(k) => k.clone(),
        None => std::env::temp_dir().join(format!("sigil-test-{}", std::process::id())),
    };
    let engine = EngineInfo::default();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<TestResult>> = Mutex::new(load_errors);
    let print = Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else {
                    break;
                };
                let r = run_test(case, &engine, |req| run_engine(req, &scratch));
                {
                    let _g = print.lock().unwrap_or_else(|p| p.into_inner());
                    println!("{}", label(&r, &xfail));
                }
                results.lock().unwrap_or_else(|p| p.into_inner()).push(r);
            });
        }
    });
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(path) = &args.junit {
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        write_junit(&results, std::io::BufWriter::new(f))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report(&results, &xfail, args.xfail.as_deref()))
}

/// Folders holding a test.yaml at or below `dir` (not below a test).
fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.join("test.yaml").is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subs.sort();
    for s in subs {
        find_tests(&s, out)?;
    }
    Ok(())
}

/// `NAME reason…` lines; `#` starts a comment.
fn read_xfail(path: &Path) -> Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut map = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if reason.trim().is_empty() {
            bail!("{}:{}: `{name}` needs a reason", path.display(), n + 1);
        }
        if map
            .insert(name.to_string(), reason.trim().to_string())
            .is_some()
        {
            bail!("{}:{}: `{name}` is listed twice", path.display(), n + 1);
        }
    }
    Ok(map)
}

fn failed(r: &TestResult) -> bool {
    matches!(r.status, TestStatus::Fail { .. } | TestStatus::Error { .. })
}

fn label(r: &TestResult, xfail: &BTreeMap<String, String>) -> String {
    match (failed(r), xfail.get(&r.name)) {
        (true, Some(reason)) => format!("XFAIL {} ({reason})", r.name),
        (false, Some(_)) if matches!(r.status, TestStatus::Pass) => {
            format!(
                "XPASS {}: passes now, remove it from the expected-failure list",
                r.name
            )
        }
        _ => r.to_string(),
    }
}

/// Prints the summary; exit 1 on any unexpected result.
fn report(
    results: &[TestResult],
    xfail: &BTreeMap<String, String>,
    xfile: Option<&Path>,
) -> ExitCode {
    let mut s = Summary::default();
    let mut expected = 0usize;
    let mut unexpected_pass = Vec::new();
    for r in results {
        match (failed(r), xfail.contains_key(&r.name)) {
            (true, true) => expected += 1,
            (false, true) if matches!(r.status, TestStatus::Pass) => {
                unexpected_pass.push(r.name.clone());
                s.failed += 1;
            }
            _ => s.add(&r.status),
        }
    }
    let stale: Vec<&String> = xfail
        .keys()
        .filter(|k| !results.iter().any(|r| &r.name == *k))
        .collect();
    if let Some(f) = xfile {
        println!("expected failures: {expected} (listed in {})", f.display());
        for n in &unexpected_pass {
            println!("  {n} passes: remove it from {}", f.display());
        }
        for n in &stale {
            println!("  {n} is listed in {} but was not run", f.display());
        }
    }
    // Errors (the engine could not run the test) count as failures.
    let bad = s.failed + s.errors + stale.len();
    println!("{} passed, {} failed, {} skipped", s.passed, bad, s.skipped);
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs the engine for one test, as `sigil run -r PCAP -S RULES -l OUT ARGS`.
fn run_engine(req: &RunRequest, scratch: &Path) -> Result<PathBuf, String> {
    if req.simulate_ips {
        return Err("IPS mode (--simulate-ips) is not supported".into());
    }
    let pcap = req.pcap.clone().ok_or("the test has no pcap")?;
    let mut cfg = Config::embedded();
    for (k, v) in req.args.sets() {
        cfg.set(&format!("{k}={v}")).map_err(|e| e.to_string())?;
    }
    // Tests run on one worker thread whatever Suricata's run mode; the
    // results do not depend on it.
    let runmode = |a: &str| {
        a.strip_prefix("--runmode=")
            .is_some_and(|m| matches!(m, "single" | "autofp" | "workers"))
    };
    if let Some(extra) = req.args.extra().find(|a| !runmode(a)) {
        return Err(format!("unsupported engine argument `{extra}`"));
    }
    let checksum = match req.args.checksum_mode() {
        Some(m) => Some(m.parse::<ChecksumMode>()?),
        None => None,
    };
    let outdir = scratch.join(&req.name);
    let _ = std::fs::remove_dir_all(&outdir);
    let request = Request {
        inputs: vec![abs(&req.test_dir, &pcap)],
        rules: match &req.rules {
            Some(r) => Rules::Paths(vec![abs(&req.test_dir, r)]),
            None => Rules::None,
        },
        outdir: outdir.clone(),
        checksum,
        threads: Some(1),
        stats_interval: None,
        stop: None,
        evidence: false,
        sign_key: None,
        live: None,
    };
    execute(&cfg, &request, |report| {
        // Like Suricata's --init-errors-fatal: every rule must load.
        if let Some(e) = report.syntax_errors.first() {
            bail!("{}", e.message.trim_end());
        }
        if let Some(e) = report.other_errors.first() {
            bail!("{}", e.message.trim_end());
        }
        if let Some(u) = report.unsupported.first() {
            bail!(
                "rule at line {} not supported: `{}`: {}",
                u.line,
                u.keyword,
                u.reason
            );
        }
        if let Some(u) = report.undefined_vars.first() {
            bail!("rule at line {}: undefined variable ${}", u.line, u.name);
        }
        Ok(())
    })
    .map_err(|e| format!("{e:#}"))?;
    Ok(outdir)
}

fn abs(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// `sigil test --new NAME -r PCAP -S RULES`: a test folder whose checks
/// pin down what this run produced (alert counts per sid, event counts per
/// protocol record type).
fn scaffold(name: &str, args: &TestArgs) -> Result<ExitCode> {
    let (Some(pcap), Some(rules)) = (&args.read, &args.rules) else {
        bail!("--new needs -r PCAP and -S RULES");
    };
    let dir = PathBuf::from(name);
    if dir.exists() {
        bail!("{}: already exists", dir.display());
    }
    let mut cfg = Config::embedded();
    for s in &args.set {
        cfg.set(s)?;
    }
    let checksum = args.checksum.map(|k| match k {
        ChecksumArg::None => ChecksumMode::None,
        ChecksumArg::All => ChecksumMode::All,
        ChecksumArg::Auto => ChecksumMode::Auto,
    });
    let scratch = std::env::temp_dir().join(format!("sigil-new-{}", std::process::id()));
    let request = Request {
        inputs: vec![pcap.clone()],
        rules: Rules::Paths(vec![rules.clone()]),
        outdir: scratch.clone(),
        checksum,
        threads: Some(1),
        stats_interval: None,
        stop: None,
        evidence: false,
        sign_key: None,
        live: None,
    };
    execute(&cfg, &request, |_| Ok(()))?;
    let eve = sigil_verify::read_eve(&scratch.join("eve.json"))?;
    let _ = std::fs::remove_dir_all(&scratch);
    let mut by_sid: BTreeMap<u64, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for e in &eve {
        match e["event_type"].as_str() {
            Some("alert") => {
                if let Some(sid) = e["alert"]["signature_id"].as_u64() {
                    *by_sid.entry(sid).or_default() += 1;
                }
            }
            Some("stats") | None => {}
            Some(t) => *by_type.entry(t.to_string()).or_default() += 1,
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let pcap_name = pcap
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input.pcap".into());
    std::fs::copy(pcap, dir.join(&pcap_name))
        .with_context(|| format!("cannot copy {}", pcap.display()))?;
    std::fs::copy(rules, dir.join("test.rules"))
        .with_context(|| format!("cannot copy {}", rules.display()))?;
    let mut y =
        String::from("# Made by `sigil test --new`: review the counts before committing.\n");
    y.push_str(&format!("pcap: {pcap_name}\n"));
    let mut argv = Vec::new();
    if let Some(k) = args.checksum {
        argv.push(format!("-k {}", format!("{k:?}").to_lowercase()));
    }
    for s in &args.set {
        argv.push(format!("--set {s}"));
    }
    if !argv.is_empty() {
        y.push_str("args:\n");
        for a in argv {
            y.push_str(&format!("  - {a}\n"));
        }
    }
    y.push_str("checks:\n");
    for (sid, n) in &by_sid {
        y.push_str(&format!(
            "  - filter:\n      count: {n}\n      match:\n        event_type: alert\n        alert.signature_id: {sid}\n"
        ));
    }
    for (t, n) in &by_type {
        y.push_str(&format!(
            "  - filter:\n      count: {n}\n      match:\n        event_type: {t}\n"
        ));
    }
    std::fs::write(dir.join("test.yaml"), y)
        .with_context(|| format!("cannot write {}", dir.join("test.yaml").display()))?;
    println!(
        "{}: {} alert checks, {} event-type checks",
        dir.display(),
        by_sid.len(),
        by_type.len()
    );
    Ok(ExitCode::SUCCESS)
}
