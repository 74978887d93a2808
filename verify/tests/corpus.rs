//! Loads every test of the conformance corpus (`shared/conformance`, next to
//! the workspace) and checks what the loader makes of it. Skipped, with one
//! line, where the corpus is not checked out.

use std::path::{Path, PathBuf};

use sigil_verify::{
    run_test, Check, EngineInfo, Manifest, Pcap, Rules, RunRequest, TestCase, TestStatus,
};

/// The number of tests the corpus README announces.
const CORPUS_TESTS: usize = 287;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    if dir.join("tests").is_dir() {
        Some(dir)
    } else {
        println!("skipped: no conformance corpus at {}", dir.display());
        None
    }
}

fn test_dirs(corpus: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus.join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("test.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_test_loads_with_its_manifest_entry() {
    let Some(corpus) = corpus() else { return };
    let manifest = Manifest::load(&corpus.join("manifest.json")).unwrap();
    assert_eq!(manifest.len(), CORPUS_TESTS);
    let dirs = test_dirs(&corpus);
    assert_eq!(dirs.len(), CORPUS_TESTS);
    let engine = EngineInfo::default();
    let mut checks = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let entry = manifest
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in manifest"));
        let case = TestCase::load(dir, Some(entry)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(case.name, name);
        assert!(
            matches!(&case.pcap, Pcap::File(p) if p.is_file()),
            "{name}: {:?}",
            case.pcap
        );
        assert!(
            matches!(&case.rules, Rules::File { path, .. } if path.is_file()),
            "{name}"
        );
        assert_eq!(case.args.to_tokens(), entry.extra_args, "{name}");
        assert!(!case.simulate_ips, "{name}: the corpus has no IPS tests");
        assert!(case.unsupported.is_empty(), "{name}");
        assert!(
            case.checks.iter().all(|c| matches!(c, Check::Filter(_))),
            "{name}"
        );
        checks += case.checks.len();

        // Every corpus test runs on 8.0.7 with at least one check applying:
        // the engine closure is reached.
        let mut reached = false;
        let r = run_test(&case, &engine, |req: &RunRequest| {
            reached = true;
            assert_eq!(req.pcap.as_deref(), case_pcap(&case));
            Err("not run".to_string())
        });
        assert!(reached, "{name}: {r}");
        assert!(matches!(r.status, TestStatus::Error { .. }));
    }
    // index.tsv's n_checks column, summed.
    let index = std::fs::read_to_string(corpus.join("index.tsv")).unwrap();
    let expected: usize = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(2)?.parse::<usize>().ok())
        .sum();
    assert_eq!(checks, expected);
}

fn case_pcap(case: &TestCase) -> Option<&Path> {
    match &case.pcap {
        Pcap::File(p) => Some(p),
        _ => None,
    }
}

#[test]
fn every_test_loads_from_its_folder_alone() {
    let Some(corpus) = corpus() else { return };
    let manifest = Manifest::load(&corpus.join("manifest.json")).unwrap();
    let dirs = test_dirs(&corpus);
    assert_eq!(dirs.len(), CORPUS_TESTS);
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let case = TestCase::load(dir, None).unwrap_or_else(|e| panic!("{e}"));
        let entry = manifest.get(name).unwrap();
        // Discovery finds the same capture the manifest names: the local
        // copy, or (as run.py would) the sibling test's file it points at.
        let pcap = dir.join(entry.pcap.as_deref().unwrap());
        let found = case_pcap(&case).unwrap_or_else(|| panic!("{name}: no pcap"));
        if found != pcap {
            assert!(
                found.starts_with(dir.join("..")),
                "{name}: {}",
                found.display()
            );
            assert_eq!(
                std::fs::read(found).unwrap(),
                std::fs::read(&pcap).unwrap(),
                "{name}"
            );
        }
        let rules = entry.rules.as_deref().map(|r| dir.join(r));
        assert!(
            matches!(&case.rules, Rules::File { path, .. } if Some(path) == rules.as_ref()),
            "{name}"
        );
        assert_eq!(case.config.is_some(), entry.has_suricata_yaml, "{name}");
    }
}
