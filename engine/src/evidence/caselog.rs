//! `case.log`: what was done, by whom, on what, producing what — one JSON
//! line per operation, each chained to the one before.
//!
//! Every line starts with the same four fields:
//!
//! ```text
//! {"seq":0,"time":"2026-11-28T23:45:55.952876Z","prev":"000…000","op":"start",…}
//! ```
//!
//! `seq` counts lines from 0, `time` is UTC wall-clock time, and `prev` is
//! the sha256 (hex) of the previous line's exact bytes without its newline
//! (64 zeros on the first line). Changing, inserting or removing a line
//! breaks `prev` on the line after it. The last line has no successor, so
//! it is protected by the signature: with a signing key, the `end` line
//! carries `"signer":"<public key hex>"` and, as its final field,
//! `"signature":"<128 hex>"` — an ed25519 signature over the line's bytes
//! without `,"signature":"…"`. Since that line's `prev` commits to all
//! earlier lines, the signature covers the whole log.
//!
//! Operations written here: `start` (argv, version, host, user, inputs,
//! rule files and configuration with sizes and sha256), `output` (a file
//! produced, with size and sha256), `end` (counts, exit status). Other
//! operations can be logged with [`CaseLog::record`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::hashio::hash_file;
use super::sign::{sign, SigningKey};
use super::{hex, now_utc, EvidenceError};

/// File name of the case log in an output directory.
pub const CASE_LOG_NAME: &str = "case.log";
/// `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Fields every line starts with; [`CaseLog::record`] drops them from the
/// caller's fields.
const RESERVED: [&str; 6] = ["seq", "time", "prev", "op", "signer", "signature"];

/// A file and its hash, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path relative to the output directory when inside it, else as given.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256 (hex).
    pub sha256: String,
}

/// What the `start` line records.
#[derive(Debug, Clone, Default)]
pub struct StartInfo {
    /// The command line, program name first.
    pub argv: Vec<String>,
    /// Sigil's version.
    pub version: String,
    /// Capture files or directories (every file inside is hashed).
    pub inputs: Vec<PathBuf>,
    /// Rule files or directories (every `*.rules` inside is hashed).
    pub rules: Vec<PathBuf>,
    /// Configuration file.
    pub config: Option<PathBuf>,
    /// More fields to put on the line (e.g. the embedded rule pack's hash).
    pub extra: Map<String, Value>,
}

/// The file hashes of a `start` line: inputs, rule files, configuration
/// (each `{path, size, sha256}` or `{path, error}`).
#[derive(Debug, Clone)]
pub struct StartHashes {
    inputs: Value,
    rules: Value,
    config: Value,
}

impl StartInfo {
    /// Hashes every input, rule file and the configuration.
    pub fn hash_files(&self) -> StartHashes {
        let is_rules = |p: &Path| p.extension().is_some_and(|e| e == "rules");
        StartHashes {
            inputs: hash_paths(&self.inputs, |_| true),
            rules: hash_paths(&self.rules, is_rules),
            config: match &self.config {
                Some(c) => hash_one(c),
                None => Value::Null,
            },
        }
    }
}

/// An open case log. Each call writes and flushes one line.
#[derive(Debug)]
pub struct CaseLog {
    path: PathBuf,
    outdir: PathBuf,
    file: File,
    seq: u64,
    prev: String,
}

/// sha256 (hex) of one line's bytes.
pub fn line_hash(line: &[u8]) -> String {
    hex(&Sha256::digest(line))
}

impl CaseLog {
    /// Creates `OUTDIR/case.log` (and `OUTDIR`). An existing case log is
    /// never replaced or appended to: its records describe another run.
    pub fn create(outdir: &Path) -> Result<CaseLog, EvidenceError> {
        std::fs::create_dir_all(outdir).map_err(|e| EvidenceError::io(outdir, e))?;
        let path = outdir.join(CASE_LOG_NAME);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| EvidenceError::io(&path, e))?;
        Ok(CaseLog {
            path,
            outdir: outdir.to_path_buf(),
            file,
            seq: 0,
            prev: GENESIS.to_string(),
        })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// sha256 of the last line written (the chain's head).
    pub fn head(&self) -> &str {
        &self.prev
    }

    /// The chained prefix of the next line, without the closing brace.
    fn line_prefix(&self, op: &str, fields: &Map<String, Value>) -> String {
        let mut line = format!(
            "{{\"seq\":{},\"time\":\"{}\",\"prev\":\"{}\",\"op\":{}",
            self.seq,
            now_utc(),
            self.prev,
            Value::from(op)
        );
        for (k, v) in fields {
            if RESERVED.contains(&k.as_str()) {
                continue;
            }
            line.push(',');
            line.push_str(&Value::from(k.as_str()).to_string());
            line.push(':');
            line.push_str(&v.to_string());
        }
        line
    }

    fn write_line(&mut self, line: String) -> Result<(), EvidenceError> {
        let mut bytes = line.into_bytes();
        let hash = line_hash(&bytes);
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .map_err(|e| EvidenceError::io(&self.path, e))?;
        self.prev = hash;
        self.seq += 1;
        Ok(())
    }

    /// Logs operation `op` with `fields` (reserved names are dropped).
    pub fn record(&mut self, op: &str, fields: Map<String, Value>) -> Result<(), EvidenceError> {
        let mut line = self.line_prefix(op, &fields);
        line.push('}');
        self.write_line(line)
    }

    /// Logs the start of a run, hashing every input, rule and config file
    /// (streaming; a file that cannot be read is logged with its error).
    pub fn start(&mut self, info: &StartInfo) -> Result<(), EvidenceError> {
        let hashes = info.hash_files();
        self.start_hashed(info, hashes)
    }

    /// [`CaseLog::start`] with the file hashes computed beforehand (by
    /// [`StartInfo::hash_files`], e.g. on another thread while the run
    /// proceeds: hashing a large capture costs as much as a fifth of
    /// reading it through the engine).
    pub fn start_hashed(
        &mut self,
        info: &StartInfo,
        hashes: StartHashes,
    ) -> Result<(), EvidenceError> {
        let mut f = Map::new();
        f.insert("argv".into(), Value::from(info.argv.clone()));
        f.insert("version".into(), Value::from(info.version.as_str()));
        f.insert("hostname".into(), Value::from(hostname()));
        if let Some(uid) = uid() {
            f.insert("uid".into(), Value::from(uid));
        }
        if let Some(user) = std::env::var_os("USER").or_else(|| std::env::var_os("LOGNAME")) {
            f.insert(
                "user".into(),
                Value::from(user.to_string_lossy().into_owned()),
            );
        }
        f.insert("pid".into(), Value::from(std::process::id()));
        if let Ok(cwd) = std::env::current_dir() {
            f.insert("cwd".into(), Value::from(cwd.display().to_string()));
        }
        f.insert("inputs".into(), hashes.inputs);
        f.insert("rules".into(), hashes.rules);
        f.insert("config".into(), hashes.config);
        for (k, v) in &info.extra {
            f.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self.record("start", f)
    }

    /// Logs an output file with its size and sha256 (read back in full:
    /// outputs are complete when logged). Returns the record.
    pub fn output(&mut self, path: &Path) -> Result<FileRecord, EvidenceError> {
        let d = hash_file(path, false).map_err(|e| EvidenceError::io(path, e))?;
        let rec = FileRecord {
            path: self.relative(path),
            size: d.size,
            sha256: d.sha256,
        };
        self.output_record(&rec)?;
        Ok(rec)
    }

    /// Logs an output whose hash the caller already has (the manifest's,
    /// from [`super::write_manifest`]).
    pub fn output_hashed(
        &mut self,
        path: &Path,
        size: u64,
        sha256: &str,
    ) -> Result<FileRecord, EvidenceError> {
        let rec = FileRecord {
            path: self.relative(path),
            size,
            sha256: sha256.to_string(),
        };
        self.output_record(&rec)?;
        Ok(rec)
    }

    fn output_record(&mut self, rec: &FileRecord) -> Result<(), EvidenceError> {
        let mut f = Map::new();
        f.insert("path".into(), Value::from(rec.path.as_str()));
        f.insert("size".into(), Value::from(rec.size));
        f.insert("sha256".into(), Value::from(rec.sha256.as_str()));
        self.record("output", f)
    }

    /// `path` relative to the output directory (with `/`), or as given.
    fn relative(&self, path: &Path) -> String {
        let rel = path
            .strip_prefix(&self.outdir)
            .ok()
            .map(Path::to_path_buf)
            .or_else(|| {
                let (p, o) = (path.canonicalize().ok()?, self.outdir.canonicalize().ok()?);
                p.strip_prefix(o).ok().map(Path::to_path_buf)
            });
        match rel {
            Some(r) => r
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("/"),
            None => path.display().to_string(),
        }
    }

    /// Logs the end of the run and closes the log (synced to disk). With
    /// `signer`, the line is signed (see the module documentation).
    /// Returns the sha256 of the final line, for the operator to note.
    pub fn end(
        mut self,
        counts: Value,
        exit_status: i32,
        signer: Option<&SigningKey>,
    ) -> Result<String, EvidenceError> {
        let mut f = Map::new();
        f.insert("counts".into(), counts);
        f.insert("exit_status".into(), Value::from(exit_status));
        let mut line = self.line_prefix("end", &f);
        if let Some(key) = signer {
            line.push_str(&format!(
                ",\"signer\":\"{}\"",
                hex(key.verifying_key().as_bytes())
            ));
            let mut signed = line.clone();
            signed.push('}');
            let sig = sign(key, signed.as_bytes());
            line.push_str(&format!(",\"signature\":\"{}\"", hex(&sig.to_bytes())));
        }
        line.push('}');
        self.write_line(line)?;
        self.file
            .sync_all()
            .map_err(|e| EvidenceError::io(&self.path, e))?;
        Ok(self.prev)
    }
}

/// Splits a signed `end` line into the bytes that were signed and the
/// signature hex; `None` when the line carries no signature.
pub fn split_signature(line: &str) -> Option<(String, String)> {
    const KEY: &str = ",\"signature\":\"";
    let body = line.strip_suffix("\"}")?;
    let at = body.rfind(KEY)?;
    let sig = body.get(at + KEY.len()..)?;
    if sig.len() != 128 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut signed = body.get(..at)?.to_string();
    signed.push('}');
    Some((signed, sig.to_string()))
}

/// Every regular file under `path` (itself when a file), sorted, kept
/// when `keep` says so (directories only; a named file is always kept).
fn expand(path: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(rd) = std::fs::read_dir(path) else {
        out.push(path.to_path_buf());
        return;
    };
    let mut children: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for c in children {
        if c.is_dir() {
            expand(&c, keep, out);
        } else if keep(&c) {
            out.push(c);
        }
    }
}

fn hash_one(path: &Path) -> Value {
    match hash_file(path, false) {
        Ok(d) => serde_json::json!({
            "path": path.display().to_string(),
            "size": d.size,
            "sha256": d.sha256,
        }),
        Err(e) => serde_json::json!({
            "path": path.display().to_string(),
            "error": e.to_string(),
        }),
    }
}

fn hash_paths(paths: &[PathBuf], keep: impl Fn(&Path) -> bool) -> Value {
    let mut files = Vec::new();
    for p in paths {
        expand(p, &keep, &mut files);
    }
    // A file given more than once (`-r a.pcap -r a.pcap`) is read and
    // hashed once and recorded each time.
    let mut seen: std::collections::HashMap<&Path, Value> = std::collections::HashMap::new();
    Value::Array(
        files
            .iter()
            .map(|p| {
                seen.entry(p.as_path())
                    .or_insert_with(|| hash_one(p))
                    .clone()
            })
            .collect(),
    )
}

/// The host name, from the kernel (no libc call needed on Linux).
fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            let s = std::fs::read_to_string(p).ok()?;
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        })
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The real user id, from `/proc/self/status` (Linux).
fn uid() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
#[path = "caselog_tests.rs"]
mod tests;
