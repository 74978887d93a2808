//! The writer thread: merges the workers' output round by round in packet
//! order and owns eve.json and fast.log.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use sigil_rules::{RuleSet, ThresholdState};

use super::batch::OutEvent;
use super::RunError;
use crate::evidence::Sha256Writer;
use crate::output::eve::EveWriter;

/// An output log with its size and sha256 as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputDigest {
    /// The file.
    pub path: PathBuf,
    /// Bytes written.
    pub size: u64,
    /// sha256 of those bytes, lower-case hex.
    pub sha256: String,
}

/// The output files of a run.
pub struct Writer {
    eve: Option<EveWriter>,
    fast: Option<(BufWriter<Sha256Writer<File>>, PathBuf)>,
    /// Events written.
    pub events: u64,
    /// Alerts a threshold or detection_filter suppressed.
    pub thresholded: u64,
    rules: Option<Arc<RuleSet>>,
    /// Threshold trackers: applied here, in packet order, so the result
    /// does not depend on how flows were spread over workers.
    thresholds: ThresholdState,
}

fn out_err(path: &Path) -> impl FnOnce(io::Error) -> RunError + '_ {
    move |source| RunError::Output {
        path: path.to_path_buf(),
        source,
    }
}

impl Writer {
    /// Creates the output directory and files.
    pub fn open(
        outdir: &Path,
        eve: bool,
        fast: bool,
        rules: Option<Arc<RuleSet>>,
    ) -> Result<Writer, RunError> {
        std::fs::create_dir_all(outdir).map_err(out_err(outdir))?;
        let eve = if eve {
            let p = outdir.join("eve.json");
            Some(EveWriter::create(&p).map_err(out_err(&p))?)
        } else {
            None
        };
        let fast = if fast {
            let p = outdir.join("fast.log");
            let f = File::create(&p).map_err(out_err(&p))?;
            Some((BufWriter::new(Sha256Writer::new(f)), p))
        } else {
            None
        };
        Ok(Writer {
            eve,
            fast,
            events: 0,
            thresholded: 0,
            rules,
            thresholds: ThresholdState::default(),
        })
    }

    /// Writes one round's events in key order.
    pub fn round(&mut self, mut events: Vec<OutEvent>) -> Result<(), RunError> {
        events.sort_by_key(|e| e.key);
        for e in events {
            if let (Some(t), Some(rules)) = (&e.threshold, &self.rules) {
                let meta = rules.meta(t.rule);
                if !self.thresholds.allow_in_flow(
                    t.rule,
                    meta,
                    (t.ts.secs, t.ts.nanos),
                    (t.src, t.dst),
                    t.flow,
                ) {
                    self.thresholded += 1;
                    continue;
                }
            }
            if let Some(eve) = &mut self.eve {
                if !e.eve.is_empty() {
                    let path = eve.path().to_path_buf();
                    eve.write_encoded(&e.eve).map_err(out_err(&path))?;
                    self.events += 1;
                }
            }
            if let (Some((fast, p)), Some(line)) = (&mut self.fast, &e.fast) {
                fast.write_all(line).map_err(out_err(p))?;
            }
        }
        Ok(())
    }

    /// Writes a record with its own envelope (stats) to eve.json.
    pub fn raw<T: serde::Serialize>(&mut self, value: &T) -> Result<(), RunError> {
        if let Some(eve) = &mut self.eve {
            let path = eve.path().to_path_buf();
            eve.raw(value).map_err(out_err(&path))?;
            self.events += 1;
        }
        Ok(())
    }

    /// Flushes both files.
    pub fn flush(&mut self) -> Result<(), RunError> {
        if let Some(eve) = &mut self.eve {
            let path = eve.path().to_path_buf();
            eve.flush().map_err(out_err(&path))?;
        }
        if let Some((fast, p)) = &mut self.fast {
            fast.flush().map_err(out_err(p))?;
        }
        Ok(())
    }

    /// Flushes both logs and returns what was written to each, hashed on
    /// the way out.
    pub fn digests(&mut self) -> Result<Vec<OutputDigest>, RunError> {
        let mut out = Vec::new();
        if let Some(eve) = &mut self.eve {
            let path = eve.path().to_path_buf();
            let (size, sha256) = eve.digest().map_err(out_err(&path))?;
            out.push(OutputDigest { path, size, sha256 });
        }
        if let Some((fast, p)) = &mut self.fast {
            fast.flush().map_err(out_err(p))?;
            let (size, sha256) = fast.get_ref().digest();
            out.push(OutputDigest {
                path: p.clone(),
                size,
                sha256,
            });
        }
        Ok(out)
    }
}
