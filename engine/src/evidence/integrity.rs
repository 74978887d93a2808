//! Verification of an output directory (`sigil verify`): recompute every
//! hash, walk the case log's chain, check signatures, and compare the
//! files present with the files recorded.
//!
//! Every check becomes a [`Finding`]; the directory holds when none of them
//! is a failure. Nothing is trusted from the files being checked except as
//! data: paths from the case log and the manifest are confined to the
//! output directory (no `..`, no absolute evidence names).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::caselog::{line_hash, split_signature, CASE_LOG_NAME, GENESIS};
use super::hashio::hash_file;
use super::manifest::{parse_manifest, MANIFEST_NAME, SIGNATURE_SUFFIX};
use super::sign::{parse_signature_hex, read_detached, verify, VerifyingKey};
use super::{hex, EvidenceError, EVIDENCE_DIR};

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The check held.
    Ok,
    /// A file's size or hash differs from its record.
    Changed,
    /// A recorded file is gone.
    Missing,
    /// A file no record mentions.
    New,
    /// The case log's chain breaks at this (1-based) line.
    BrokenChain(usize),
    /// The case log has no `end` line (the run did not finish).
    Incomplete,
    /// A signature does not verify, or is absent while a key was given.
    BadSignature,
    /// A record or file is malformed (not JSON, unsafe path…).
    Invalid,
    /// Information, not a failure ("unsigned").
    Info,
}

/// One line of the verification report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What the check found.
    pub status: Status,
    /// The file or record checked (relative to the output directory).
    pub subject: String,
    /// Details (expected vs found), possibly empty.
    pub detail: String,
}

impl Finding {
    fn new(status: Status, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            status,
            subject: subject.into(),
            detail: detail.into(),
        }
    }

    /// True unless the check held or is only information.
    pub fn is_failure(&self) -> bool {
        !matches!(self.status, Status::Ok | Status::Info)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.status {
            Status::Ok => "OK".to_string(),
            Status::Changed => "CHANGED".to_string(),
            Status::Missing => "MISSING".to_string(),
            Status::New => "NEW".to_string(),
            Status::BrokenChain(n) => format!("BROKEN CHAIN at line {n}"),
            Status::Incomplete => "INCOMPLETE".to_string(),
            Status::BadSignature => "BAD SIGNATURE".to_string(),
            Status::Invalid => "INVALID".to_string(),
            Status::Info => "NOTE".to_string(),
        };
        match self.status {
            Status::BrokenChain(_) => write!(f, "{tag} of {}", self.subject)?,
            _ => write!(f, "{tag:<8} {}", self.subject)?,
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// All findings for one output directory.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// In check order: chain, outputs, evidence files, signatures, new files.
    pub findings: Vec<Finding>,
    /// sha256 of the case log's last line (compare with the value noted
    /// at the end of the run: the last line is protected only by it or by
    /// a signature).
    pub head: Option<String>,
}

impl VerifyReport {
    /// True when no finding is a failure.
    pub fn ok(&self) -> bool {
        !self.findings.iter().any(Finding::is_failure)
    }

    /// Counts per status label, for the summary line.
    pub fn summary(&self) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.findings {
            let k = match f.status {
                Status::Ok => "ok",
                Status::Changed => "changed",
                Status::Missing => "missing",
                Status::New => "new",
                Status::BrokenChain(_) => "chain breaks",
                Status::Incomplete => "incomplete",
                Status::BadSignature => "bad signatures",
                Status::Invalid => "invalid",
                Status::Info => continue,
            };
            *counts.entry(k).or_default() += 1;
        }
        let failures = self.findings.iter().filter(|f| f.is_failure()).count();
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let verdict = if failures == 0 {
            "everything holds".to_string()
        } else {
            format!("{failures} problem(s)")
        };
        format!("verify: {verdict} ({})", parts.join(", "))
    }
}

/// One parsed case-log line.
#[derive(Debug, Clone)]
pub struct ChainLine {
    /// 1-based line number.
    pub line: usize,
    /// The raw text (without newline).
    pub text: String,
    /// Its JSON.
    pub value: Value,
}

/// The result of walking a case log's hash chain.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    /// Lines that parsed as JSON objects.
    pub lines: Vec<ChainLine>,
    /// Number of lines.
    pub count: usize,
    /// (line, what is wrong) for every break.
    pub breaks: Vec<(usize, String)>,
    /// sha256 of the last line.
    pub head: Option<String>,
}

/// Walks the chain of a case log's bytes line by line.
pub fn check_chain(bytes: &[u8]) -> Chain {
    let mut chain = Chain::default();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return chain;
    }
    let unterminated = !bytes.ends_with(b"\n");
    let mut prev = GENESIS.to_string();
    let mut prev_seq: Option<u64> = None;
    let total = body.split(|&b| b == b'\n').count();
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        let expected_prev = std::mem::replace(&mut prev, line_hash(raw));
        chain.count = n;
        let mut problems = Vec::new();
        if unterminated && n == total {
            problems.push("line is incomplete (no newline)".to_string());
        }
        let value: Value = match serde_json::from_slice(raw) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                problems.push("not a JSON object".into());
                chain.breaks.push((n, problems.join("; ")));
                prev_seq = None;
                continue;
            }
        };
        // Each seq follows the one before, so a removed line is reported
        // once, where the gap is.
        let seq = value["seq"].as_u64();
        let want = prev_seq.map_or(i as u64, |s| s + 1);
        if seq != Some(want) {
            problems.push(format!(
                "seq is {}, expected {want} (line removed or inserted?)",
                value["seq"]
            ));
        }
        prev_seq = seq;
        if value["prev"].as_str() != Some(expected_prev.as_str()) {
            problems.push(if n == 1 {
                "prev is not the genesis value (lines removed before it?)".to_string()
            } else {
                format!(
                    "prev does not match the sha256 of line {} (line {} changed?)",
                    n - 1,
                    n - 1
                )
            });
        }
        if !problems.is_empty() {
            chain.breaks.push((n, problems.join("; ")));
        }
        chain.lines.push(ChainLine {
            line: n,
            text: String::from_utf8_lossy(raw).into_owned(),
            value,
        });
    }
    chain.head = Some(prev);
    chain
}

/// A relative path from a record, confined to the output directory.
fn safe_relative(p: &str) -> Option<PathBuf> {
    let path = Path::new(p);
    if p.is_empty() || path.is_absolute() {
        return None;
    }
    path.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| path.to_path_buf())
}

/// Hashes `full` and compares with a record; pushes the finding.
fn check_file(
    out: &mut Vec<Finding>,
    subject: &str,
    full: &Path,
    size: Option<u64>,
    sha256: &str,
    md5: Option<&str>,
) {
    let d = match hash_file(full, md5.is_some()) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(Finding::new(Status::Missing, subject, ""));
            return;
        }
        Err(e) => {
            out.push(Finding::new(
                Status::Missing,
                subject,
                format!("unreadable: {e}"),
            ));
            return;
        }
    };
    let mut diffs = Vec::new();
    if let Some(s) = size.filter(|&s| s != d.size) {
        diffs.push(format!("size {} (recorded {s})", d.size));
    }
    if !d.sha256.eq_ignore_ascii_case(sha256) {
        diffs.push(format!("sha256 {} (recorded {sha256})", d.sha256));
    }
    if let Some(m) = md5.filter(|m| !d.md5.eq_ignore_ascii_case(m)) {
        diffs.push(format!("md5 {} (recorded {m})", d.md5));
    }
    if diffs.is_empty() {
        out.push(Finding::new(Status::Ok, subject, ""));
    } else {
        out.push(Finding::new(Status::Changed, subject, diffs.join(", ")));
    }
}

/// Every file under `dir`, relative, with `/` separators.
fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), EvidenceError> {
    let rd = std::fs::read_dir(dir).map_err(|e| EvidenceError::io(dir, e))?;
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir {
            walk(&e.path(), &r, out)?;
        } else {
            out.push(r);
        }
    }
    Ok(())
}

/// Verifies `outdir`; `pubkey` turns on signature checks (their absence
/// then fails too). Errors only when `outdir` cannot be listed.
pub fn verify_outdir(
    outdir: &Path,
    pubkey: Option<&VerifyingKey>,
) -> Result<VerifyReport, EvidenceError> {
    let mut f = Vec::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut report = VerifyReport::default();

    // 1. The case log's chain, and its output records.
    known.insert(CASE_LOG_NAME.into());
    let log_path = outdir.join(CASE_LOG_NAME);
    let mut end_line: Option<String> = None;
    let mut outputs: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest_logged = false;
    let mut chain_intact = false;
    match std::fs::read(&log_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            f.push(Finding::new(Status::Missing, CASE_LOG_NAME, ""));
        }
        Err(e) => f.push(Finding::new(
            Status::Missing,
            CASE_LOG_NAME,
            format!("unreadable: {e}"),
        )),
        Ok(bytes) => {
            let chain = check_chain(&bytes);
            for (line, what) in &chain.breaks {
                f.push(Finding::new(
                    Status::BrokenChain(*line),
                    CASE_LOG_NAME,
                    what.clone(),
                ));
            }
            chain_intact = chain.breaks.is_empty();
            if chain_intact {
                f.push(Finding::new(
                    Status::Ok,
                    CASE_LOG_NAME,
                    format!("hash chain of {} lines", chain.count),
                ));
            }
            for l in &chain.lines {
                if l.value["op"] == "output" {
                    match (
                        l.value["path"].as_str(),
                        l.value["size"].as_u64(),
                        l.value["sha256"].as_str(),
                    ) {
                        (Some(p), Some(size), Some(sha)) => {
                            // A later record of the same path supersedes an earlier one.
                            outputs.insert(p.to_string(), (size, sha.to_string()));
                        }
                        _ => f.push(Finding::new(
                            Status::Invalid,
                            CASE_LOG_NAME,
                            format!(
                                "line {}: output record without path, size and sha256",
                                l.line
                            ),
                        )),
                    }
                }
            }
            match chain.lines.last() {
                Some(l) if l.value["op"] == "end" && l.line == chain.count => {
                    end_line = Some(l.text.clone())
                }
                _ => f.push(Finding::new(
                    Status::Incomplete,
                    CASE_LOG_NAME,
                    "no end record: the run did not finish, or lines were cut",
                )),
            }
            report.head = chain.head;
        }
    }

    // 2. Outputs named in the case log.
    let manifest_rel = format!("{EVIDENCE_DIR}/{MANIFEST_NAME}");
    for (p, (size, sha)) in &outputs {
        let full = if Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else if let Some(r) = safe_relative(p) {
            known.insert(p.clone());
            outdir.join(r)
        } else {
            f.push(Finding::new(
                Status::Invalid,
                p.as_str(),
                "output path leaves the output directory",
            ));
            continue;
        };
        manifest_logged |= *p == manifest_rel;
        check_file(&mut f, p, &full, Some(*size), sha, None);
    }

    // 3. Evidence files named in the manifest.
    let ev_dir = outdir.join(EVIDENCE_DIR);
    let manifest_path = ev_dir.join(MANIFEST_NAME);
    let sig_rel = format!("{manifest_rel}{SIGNATURE_SUFFIX}");
    let mut manifest_bytes = None;
    if manifest_path.exists() {
        known.insert(manifest_rel.clone());
        known.insert(sig_rel.clone());
        // The signature covers the bytes, whether or not they still parse.
        let parsed = match std::fs::read(&manifest_path) {
            Ok(bytes) => {
                let m = parse_manifest(&manifest_path, &bytes);
                manifest_bytes = Some(bytes);
                m
            }
            Err(e) => Err(EvidenceError::io(&manifest_path, e)),
        };
        match parsed {
            Err(e) => f.push(Finding::new(
                Status::Invalid,
                manifest_rel.as_str(),
                e.to_string(),
            )),
            Ok(m) => {
                for e in &m.entries {
                    let subject = format!("{EVIDENCE_DIR}/{}", e.file);
                    let plain = safe_relative(&e.file).is_some_and(|p| p.components().count() == 1);
                    if !plain {
                        f.push(Finding::new(
                            Status::Invalid,
                            subject,
                            "not a plain file name",
                        ));
                        continue;
                    }
                    known.insert(subject.clone());
                    check_file(
                        &mut f,
                        &subject,
                        &ev_dir.join(&e.file),
                        Some(e.bytes),
                        &e.sha256,
                        Some(&e.md5),
                    );
                }
                if !manifest_logged && pubkey.is_none() {
                    f.push(Finding::new(
                        Status::Info,
                        manifest_rel.as_str(),
                        "not recorded in case.log and not signature-checked: its own integrity is unverified",
                    ));
                }
            }
        }
    }

    // 4. Signatures.
    let log = LogState {
        end_line: end_line.as_deref(),
        chain_intact,
    };
    check_signatures(
        &mut f,
        outdir,
        pubkey,
        &log,
        manifest_bytes.as_deref(),
        &sig_rel,
    );

    // 5. Files nobody recorded.
    let mut present = Vec::new();
    walk(outdir, "", &mut present)?;
    for p in present {
        if !known.contains(&p) {
            f.push(Finding::new(
                Status::New,
                p,
                "not in case.log or the manifest",
            ));
        }
    }
    report.findings = f;
    Ok(report)
}

/// What the signature check needs to know about the case log.
struct LogState<'a> {
    /// The `end` line, when the log has one.
    end_line: Option<&'a str>,
    /// No chain break: the end line commits to every earlier line.
    chain_intact: bool,
}

fn check_signatures(
    f: &mut Vec<Finding>,
    outdir: &Path,
    pubkey: Option<&VerifyingKey>,
    log: &LogState<'_>,
    manifest: Option<&[u8]>,
    sig_rel: &str,
) {
    let sig_path = outdir.join(sig_rel);
    let end_line = log.end_line;
    let end_sig = end_line.and_then(split_signature);
    let Some(vk) = pubkey else {
        let present = end_sig.is_some() || sig_path.exists();
        let detail = if present {
            "signatures present but not checked (give --pubkey)"
        } else {
            "no signatures (run with --sign-key to sign)"
        };
        f.push(Finding::new(Status::Info, "unsigned", detail));
        return;
    };
    let key_hex = hex(vk.as_bytes());
    match (end_line, end_sig) {
        (None, _) => {}
        (Some(_), None) => f.push(Finding::new(
            Status::BadSignature,
            CASE_LOG_NAME,
            "the end record is not signed",
        )),
        (Some(_), Some((signed, sig_hex))) => {
            let good =
                parse_signature_hex(&sig_hex).is_some_and(|s| verify(vk, signed.as_bytes(), &s));
            if good && log.chain_intact {
                f.push(Finding::new(
                    Status::Ok,
                    "signature of case.log",
                    format!("key {key_hex}"),
                ));
            } else if good {
                // The chain break is already a failure; say what the
                // valid signature does not vouch for.
                f.push(Finding::new(
                    Status::Info,
                    "signature of case.log",
                    "the end record's signature is valid, but the broken chain means it does not cover the changed lines",
                ));
            } else {
                f.push(Finding::new(
                    Status::BadSignature,
                    CASE_LOG_NAME,
                    format!("end record signature does not verify with key {key_hex}"),
                ));
            }
        }
    }
    let Some(bytes) = manifest else {
        return;
    };
    match read_detached(&sig_path) {
        Err(EvidenceError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            f.push(Finding::new(Status::BadSignature, sig_rel, "missing"));
        }
        Err(e) => f.push(Finding::new(Status::BadSignature, sig_rel, e.to_string())),
        Ok((d, sig)) => {
            if verify(vk, bytes, &sig) {
                f.push(Finding::new(Status::Ok, sig_rel, format!("key {key_hex}")));
            } else {
                let who = if d.public_key.eq_ignore_ascii_case(&key_hex) {
                    "manifest.json does not match its signature".to_string()
                } else {
                    format!("signed by another key ({})", d.public_key)
                };
                f.push(Finding::new(Status::BadSignature, sig_rel, who));
            }
        }
    }
}

#[cfg(test)]
#[path = "integrity_tests.rs"]
mod tests;
