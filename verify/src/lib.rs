//! Reads suricata-verify test folders and judges an engine's EVE output the
//! way suricata-verify's `run.py` does, for `sigil test DIR…`.
//!
//! The format is specified in the conformance corpus' `FORMAT.md`; this
//! crate implements it, including run.py's quirks, so that a difference in
//! verdict means a difference in the engine. It does not run the engine: the
//! caller passes a closure that runs it and returns the output folder.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use sigil_verify::{run_test, EngineInfo, Manifest, RunRequest, Summary, TestCase};
//!
//! let corpus = Path::new("/work/shared/conformance");
//! let manifest = Manifest::load(&corpus.join("manifest.json"))?;
//! let engine = EngineInfo::default(); // 8.0.7, HAVE_JA3, HAVE_JA4
//! let mut results = Vec::new();
//! for (name, entry) in manifest.iter() {
//!     let case = TestCase::load(&corpus.join("tests").join(name), Some(entry))?;
//!     results.push(run_test(&case, &engine, |req: &RunRequest| {
//!         // run `sigil run -r PCAP -S RULES -l OUTDIR ARGS…` in req.test_dir
//!         Ok::<PathBuf, String>(PathBuf::from("/tmp/out").join(&req.name))
//!     }));
//! }
//! println!("{}", Summary::of(&results));
//! # Ok::<(), sigil_verify::VerifyError>(())
//! ```
#![deny(missing_docs)]

pub mod args;
mod error;
pub mod eve;
pub mod filter;
pub mod junit;
pub mod path;
pub mod pyops;
pub mod requires;
pub mod run;
pub mod testcase;
pub mod yaml11;

pub use args::{EngineArg, EngineArgs};
pub use error::{Mark, VerifyError};
pub use eve::read_eve;
pub use filter::{evaluate, CheckOutcome, EntryFailure, FilterCheck, MatchEntry, NearMiss, Op};
pub use junit::write_junit;
pub use requires::{
    requirements_met, skip_applies, EngineInfo, Requirement, Requires, Skip, SkipReason,
    VersionSpec,
};
pub use run::{run_test, RunRequest, Summary, TestResult, TestStatus};
pub use testcase::{Check, Manifest, ManifestEntry, Pcap, Rules, TestCase};
