//! Judging one test end to end, without knowing how the engine is run.
//!
//! [`run_test`] decides whether the test is skipped (requirements, `skip:`,
//! unsupported features, every check skipped), builds a [`RunRequest`],
//! hands it to the caller's closure — which runs the engine and returns the
//! output folder — and then evaluates the filter checks against the EVE
//! file(s) there. Keeping the engine behind a closure keeps this crate free
//! of the engine and lets tests feed canned output.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::args::EngineArgs;
use crate::eve::read_eve;
use crate::filter::{evaluate, FilterCheck, NearMiss};
use crate::requires::{requirements_met, skip_applies, version_gte, EngineInfo};
use crate::testcase::{Check, Pcap, Rules, TestCase};
use crate::VerifyError;

/// What the caller must run: the engine over `pcap` with `rules` and the
/// extra `args`, writing into an output folder whose path it returns. The
/// engine should run in `test_dir` with `TZ=UTC` plus `env`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    /// The test name.
    pub name: String,
    /// The test folder.
    pub test_dir: PathBuf,
    /// The capture (`None`: the test needs none).
    pub pcap: Option<PathBuf>,
    /// The rules file (`None`: run with detection disabled).
    pub rules: Option<PathBuf>,
    /// Extra engine arguments (`-k`, `--set`, others).
    pub args: EngineArgs,
    /// Whether to pass `--simulate-ips`.
    pub simulate_ips: bool,
    /// The test's own suricata.yaml (optional for the corpus, see README).
    pub config: Option<PathBuf>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

/// How a test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TestStatus {
    /// The engine ran and every check that applies passed.
    Pass,
    /// A check failed (or its EVE file was missing or malformed).
    Fail {
        /// 0-based index in [`TestCase::checks`] of the first failing check.
        check: usize,
        /// What went wrong, for humans.
        message: String,
        /// The events closest to matching (see [`NearMiss`]).
        closest: Vec<NearMiss>,
    },
    /// Not run: requirements not met, `skip:`, unsupported features, or
    /// every check skipped.
    Skip {
        /// Why.
        reason: String,
    },
    /// The engine could not be run or failed (non-zero exit, timeout,
    /// missing pcap).
    Error {
        /// What the caller or the loader reported.
        message: String,
    },
}

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The test name.
    pub name: String,
    /// How it ended.
    pub status: TestStatus,
    /// Wall time spent, engine included.
    pub duration: Duration,
}

impl TestResult {
    /// A result for a test folder that could not even be loaded.
    pub fn load_error(name: &str, err: &VerifyError) -> TestResult {
        TestResult {
            name: name.to_string(),
            status: TestStatus::Error {
                message: err.to_string(),
            },
            duration: Duration::ZERO,
        }
    }
}

impl fmt::Display for TestResult {
    /// `PASS name (0.12s)`, or FAIL/SKIP/ERROR with the explanation on the
    /// following lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.duration.as_secs_f64();
        match &self.status {
            TestStatus::Pass => write!(f, "PASS {} ({secs:.2}s)", self.name),
            TestStatus::Skip { reason } => write!(f, "SKIP {}: {reason}", self.name),
            TestStatus::Error { message } => {
                write!(f, "ERROR {} ({secs:.2}s): {message}", self.name)
            }
            TestStatus::Fail {
                message, closest, ..
            } => {
                write!(f, "FAIL {} ({secs:.2}s): {message}", self.name)?;
                for m in closest {
                    write!(f, "\n  {m}")?;
                }
                Ok(())
            }
        }
    }
}

/// Counts of results; errors count as failures in the rendered line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Passed tests.
    pub passed: usize,
    /// Failed tests (checks).
    pub failed: usize,
    /// Skipped tests.
    pub skipped: usize,
    /// Tests whose engine run failed.
    pub errors: usize,
}

impl Summary {
    /// Tallies a list of results.
    pub fn of(results: &[TestResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            s.add(&r.status);
        }
        s
    }

    /// Counts one more result.
    pub fn add(&mut self, status: &TestStatus) {
        match status {
            TestStatus::Pass => self.passed += 1,
            TestStatus::Fail { .. } => self.failed += 1,
            TestStatus::Skip { .. } => self.skipped += 1,
            TestStatus::Error { .. } => self.errors += 1,
        }
    }

    /// Whether nothing failed or errored.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

impl fmt::Display for Summary {
    /// `N passed, N failed, N skipped` — the closing line CI reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed,
            self.failed + self.errors,
            self.skipped
        )
    }
}

/// What is left to do once a test is known to run.
struct Plan {
    request: RunRequest,
    /// Indexes of the filter checks whose requirements are met.
    active: Vec<usize>,
}

/// Decides skip-or-run and builds the request.
fn plan(case: &TestCase, engine: &EngineInfo) -> Result<Plan, TestStatus> {
    let skip = |reason: String| TestStatus::Skip { reason };
    requirements_met(&case.requires, engine).map_err(|r| skip(r.0))?;
    if let Some(s) = &case.skip {
        skip_applies(s, engine).map_err(|r| skip(r.0))?;
    }
    if let Some(u) = case.unsupported.first() {
        return Err(skip(format!("unsupported test feature: {u}")));
    }
    let pcap = match &case.pcap {
        Pcap::File(p) => Some(p.clone()),
        Pcap::NotNeeded => None,
        Pcap::Missing => return Err(skip("No pcap file found".into())),
    };
    let rules = match &case.rules {
        Rules::File { path, min_version } => match min_version {
            Some(v) if !version_gte(engine.version, v) => None,
            _ => Some(path.clone()),
        },
        Rules::Disabled => None,
        Rules::Firewall => {
            return Err(skip(
                "firewall mode (firewall.rules) is not supported".into(),
            ))
        }
    };
    let mut active = Vec::new();
    let mut first_skip = None;
    for (i, check) in case.checks.iter().enumerate() {
        match check {
            Check::Unsupported { kind, .. } => {
                return Err(skip(format!(
                    "unsupported check kind: {kind} (check #{})",
                    i + 1
                )))
            }
            Check::Filter(f) => match f.requires.as_ref().map(|r| requirements_met(r, engine)) {
                Some(Err(reason)) => {
                    first_skip.get_or_insert(reason);
                }
                _ => active.push(i),
            },
        }
    }
    if active.is_empty() {
        if let Some(reason) = first_skip {
            return Err(skip(format!(
                "all {} checks skipped (first: {reason})",
                case.checks.len()
            )));
        }
    }
    if let Some(p) = &pcap {
        if !p.is_file() {
            return Err(TestStatus::Error {
                message: format!("pcap {} does not exist", p.display()),
            });
        }
    }
    Ok(Plan {
        request: RunRequest {
            name: case.name.clone(),
            test_dir: case.dir.clone(),
            pcap,
            rules,
            args: case.args.clone(),
            simulate_ips: case.simulate_ips,
            config: case.config.clone(),
            env: case.env.clone(),
        },
        active,
    })
}

/// Runs one test: skip decisions, the caller's engine run, then the checks.
pub fn run_test<F>(case: &TestCase, engine: &EngineInfo, run: F) -> TestResult
where
    F: FnOnce(&RunRequest) -> Result<PathBuf, String>,
{
    let start = Instant::now();
    let status = match plan(case, engine) {
        Err(status) => status,
        Ok(plan) => match run(&plan.request) {
            Err(message) => TestStatus::Error { message },
            Ok(outdir) => judge(case, &plan.active, &outdir),
        },
    };
    TestResult {
        name: case.name.clone(),
        status,
        duration: start.elapsed(),
    }
}

/// Evaluates the active filter checks against the files in `outdir`.
fn judge(case: &TestCase, active: &[usize], outdir: &Path) -> TestStatus {
    let mut files: HashMap<&str, Result<Vec<Value>, String>> = HashMap::new();
    // (check index, message, closest events) of the first failing check.
    let mut first: Option<(usize, String, Vec<NearMiss>)> = None;
    let mut failed = 0;
    for &i in active {
        let Some(Check::Filter(check)) = case.checks.get(i) else {
            continue;
        };
        let events = files
            .entry(check.filename.as_str())
            .or_insert_with(|| load_events(outdir, check));
        let failure = match events {
            Err(message) => Some((message.clone(), Vec::new())),
            Ok(events) => {
                let out = evaluate(check, events);
                (!out.passed).then(|| (out.summary(), out.closest))
            }
        };
        if let Some((message, closest)) = failure {
            failed += 1;
            if first.is_none() {
                let message = format!("check #{} (line {}): {message}", i + 1, check.mark.line);
                first = Some((i, message, closest));
            }
        }
    }
    match first {
        None => TestStatus::Pass,
        Some((check, mut message, closest)) => {
            if failed > 1 {
                message.push_str(&format!(" [{failed} of {} checks failed]", active.len()));
            }
            TestStatus::Fail {
                check,
                message,
                closest,
            }
        }
    }
}

fn load_events(outdir: &Path, check: &FilterCheck) -> Result<Vec<Value>, String> {
    let path = outdir.join(&check.filename);
    if !path.exists() {
        return Err(format!("{} does not exist", path.display()));
    }
    read_eve(&path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A test read from `yaml` in an empty scratch folder, with `pcap`.
    fn case(yaml: &str, pcap: Pcap) -> TestCase {
        let dir = OutDir::new();
        std::fs::create_dir_all(&dir.0).unwrap();
        let mut t = TestCase::from_yaml(&dir.0, Path::new("test.yaml"), yaml, None)
            .unwrap_or_else(|e| panic!("{e}"));
        t.pcap = pcap;
        t
    }

    /// A unique scratch folder, removed on drop.
    struct OutDir(PathBuf);

    impl OutDir {
        fn new() -> OutDir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            OutDir(
                std::env::temp_dir().join(format!("sigil-verify-run-{}-{n}", std::process::id())),
            )
        }
    }

    impl Drop for OutDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A fake engine: writes `eve` as eve.json into `out`.
    fn canned<'a>(
        out: &'a OutDir,
        eve: &'a str,
    ) -> impl FnOnce(&RunRequest) -> Result<PathBuf, String> + 'a {
        move |_req: &RunRequest| {
            std::fs::create_dir_all(&out.0).map_err(|e| e.to_string())?;
            std::fs::write(out.0.join("eve.json"), eve).map_err(|e| e.to_string())?;
            Ok(out.0.clone())
        }
    }

    const EVE: &str = concat!(
        r#"{"event_type":"alert","pcap_cnt":3,"alert":{"signature_id":1,"rev":1}}"#,
        "\n",
        r#"{"event_type":"flow","flow":{"alerted":true,"reason":"shutdown"}}"#,
        "\n"
    );

    const CHECKS: &str = "requires:\n  min-version: 8\nargs:\n  - -k none\nchecks:\n  - filter:\n      count: 1\n      match:\n        event_type: alert\n        alert.signature_id: 1\n  - filter:\n      count: 1\n      match:\n        event_type: flow\n        flow.alerted: yes\n  - filter:\n      requires:\n        lt-version: 8\n      count: 7\n      match: {}\n";

    #[test]
    fn passes_end_to_end_with_a_fake_engine() {
        let t = case(CHECKS, Pcap::NotNeeded);
        let mut seen = None;
        let out = OutDir::new();
        let r = run_test(&t, &EngineInfo::default(), |req| {
            seen = Some(req.clone());
            canned(&out, EVE)(req)
        });
        assert_eq!(r.status, TestStatus::Pass, "{r}");
        let req = seen.unwrap();
        assert_eq!(req.args.checksum_mode(), Some("none"));
        assert_eq!((req.pcap, req.rules, req.simulate_ips), (None, None, false));
        assert_eq!(
            Summary::of(&[r]).to_string(),
            "1 passed, 0 failed, 0 skipped"
        );
    }

    #[test]
    fn fails_with_the_first_failing_check_and_near_misses() {
        let yaml = CHECKS.replace("signature_id: 1", "signature_id: 2");
        let t = case(&yaml, Pcap::NotNeeded);
        let out = OutDir::new();
        let r = run_test(&t, &EngineInfo::default(), canned(&out, EVE));
        let TestStatus::Fail {
            check,
            message,
            closest,
        } = &r.status
        else {
            panic!("{r}")
        };
        assert_eq!(*check, 0);
        assert!(
            message.starts_with("check #1 (line 6): expected 1 matching event(s), found 0"),
            "{message}"
        );
        assert_eq!(closest[0].line, 1);
        assert_eq!(closest[0].failures[0].key, "alert.signature_id");
        assert!(
            r.to_string()
                .contains("alert.signature_id: expected 2, got 1"),
            "{r}"
        );
    }

    #[test]
    fn broken_or_missing_eve_fails() {
        let t = case(CHECKS, Pcap::NotNeeded);
        let out = OutDir::new();
        let r = run_test(&t, &EngineInfo::default(), canned(&out, "{}\n\n"));
        assert!(
            matches!(&r.status, TestStatus::Fail { message, .. } if message.contains("eve.json:2: blank line")),
            "{r}"
        );
        let r = run_test(&t, &EngineInfo::default(), |_req: &RunRequest| {
            Ok(PathBuf::from("/nonexistent/out"))
        });
        assert!(
            matches!(&r.status, TestStatus::Fail { message, .. } if message.contains("does not exist")),
            "{r}"
        );
        assert!(
            matches!(&r.status, TestStatus::Fail { message, .. } if message.contains("[2 of 2 checks failed]")),
            "{r}"
        );
    }

    #[test]
    fn engine_errors_and_skips() {
        let out = OutDir::new();
        let t = case(CHECKS, Pcap::NotNeeded);
        let r = run_test(&t, &EngineInfo::default(), |_req: &RunRequest| {
            Err("exit status 1".into())
        });
        assert_eq!(
            r.status,
            TestStatus::Error {
                message: "exit status 1".into()
            }
        );

        let old = EngineInfo {
            version: (7, 0, 3),
            ..EngineInfo::default()
        };
        let r = run_test(&t, &old, |_req: &RunRequest| -> Result<PathBuf, String> {
            panic!("must not run")
        });
        assert_eq!(
            r.status,
            TestStatus::Skip {
                reason: "requires at least version 8".into()
            }
        );

        // Every check skipped → the test is skipped, engine not run.
        let t = case("checks:\n  - filter:\n      requires: {lt-version: 8}\n      count: 1\n      match: {}\n", Pcap::NotNeeded);
        let r = run_test(
            &t,
            &EngineInfo::default(),
            |_req: &RunRequest| -> Result<PathBuf, String> { panic!("must not run") },
        );
        assert!(
            matches!(&r.status, TestStatus::Skip { reason } if reason.starts_with("all 1 checks skipped")),
            "{r}"
        );

        let t = case("checks:\n  - stats: {a: 1}\n", Pcap::NotNeeded);
        let r = run_test(&t, &EngineInfo::default(), canned(&out, EVE));
        assert_eq!(
            r.status,
            TestStatus::Skip {
                reason: "unsupported check kind: stats (check #1)".into()
            }
        );

        let t = case("skip:\n  - feature: HAVE_JA4\n", Pcap::NotNeeded);
        let r = run_test(&t, &EngineInfo::default(), canned(&out, EVE));
        assert_eq!(
            r.status,
            TestStatus::Skip {
                reason: "not for feature HAVE_JA4".into()
            }
        );

        let t = case("checks: []\n", Pcap::Missing);
        let r = run_test(&t, &EngineInfo::default(), canned(&out, EVE));
        assert_eq!(
            r.status,
            TestStatus::Skip {
                reason: "No pcap file found".into()
            }
        );

        let t = case("checks: []\n", Pcap::File("/nonexistent/x.pcap".into()));
        let r = run_test(&t, &EngineInfo::default(), canned(&out, EVE));
        assert!(matches!(r.status, TestStatus::Error { .. }));

        // No checks at all: passes when the engine runs.
        let t = case("", Pcap::NotNeeded);
        let r = run_test(&t, &EngineInfo::default(), canned(&out, EVE));
        assert_eq!(r.status, TestStatus::Pass);
    }

    #[test]
    fn min_version_rules_are_dropped_on_older_engines() {
        let mut t = case("checks: []\n", Pcap::NotNeeded);
        t.rules = Rules::File {
            path: "min8.1.rules".into(),
            min_version: crate::VersionSpec::parse("8.1"),
        };
        let mut got = None;
        let _ = run_test(&t, &EngineInfo::default(), |req: &RunRequest| {
            got = Some(req.rules.clone());
            Err("stop".into())
        });
        assert_eq!(got, Some(None));
        let newer = EngineInfo {
            version: (8, 1, 0),
            ..EngineInfo::default()
        };
        let _ = run_test(&t, &newer, |req: &RunRequest| {
            got = Some(req.rules.clone());
            Err("stop".into())
        });
        assert_eq!(got, Some(Some(PathBuf::from("min8.1.rules"))));
    }

    #[test]
    fn summary_counts_errors_as_failures() {
        let mk = |status| TestResult {
            name: "t".into(),
            status,
            duration: Duration::ZERO,
        };
        let results = [
            mk(TestStatus::Pass),
            mk(TestStatus::Pass),
            mk(TestStatus::Skip { reason: "x".into() }),
            mk(TestStatus::Error {
                message: "x".into(),
            }),
            mk(TestStatus::Fail {
                check: 0,
                message: "x".into(),
                closest: vec![],
            }),
        ];
        let s = Summary::of(&results);
        assert_eq!(s.to_string(), "2 passed, 2 failed, 1 skipped");
        assert!(!s.ok());
    }
}
