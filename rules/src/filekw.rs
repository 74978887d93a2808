//! File keywords on the files transactions carry (HTTP uploads and
//! downloads in Sigil): `filesize` and `filestore`.
//!
//! - `filesize:[to_server|to_client,]<uint>` compares a file's size as
//!   Suricata's `detect-filesize.c` does: a closed file with its final
//!   size; a truncated file (the flow ended or data was lost before its
//!   end) only for `>`/`>=`, the size seen being a lower bound; an open
//!   file never, since its size is not known yet. The direction prefix is
//!   Suricata 8's, for `=>` rules.
//! - `filestore[:<direction>[,<scope>]]` asks the engine to write the
//!   matching transaction's files to disk (file-store v2 layout). It is an
//!   action recorded in the rule's metadata, not a condition.
//!
//! `filemagic` is not implemented: its values are libmagic descriptions
//! (`PDF document, version 1.4`) and no pure-Rust detector produces them.

use serde::Serialize;

use crate::keyword::KwError;
use crate::txview::{FileMeta, FileState, TxView};
use crate::uint::{parse_uint, UintMatch};

/// A compiled `filesize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSize {
    m: UintMatch,
    /// `Some(to_server)` when the rule names the side (`=>` rules).
    pub(crate) side: Option<bool>,
}

/// Splits a Suricata 8 direction prefix (`to_client, <100`) off a value;
/// only `=>` rules may use one.
fn direction_prefix<'a>(
    kw: &str,
    value: &'a str,
    transactional: bool,
) -> Result<(Option<bool>, &'a str), KwError> {
    let t = value.trim();
    let (head, rest) = match t.split_once(',') {
        Some((h, r)) => (h.trim(), r),
        None => (t, ""),
    };
    let side = match head {
        "to_server" => true,
        "to_client" => false,
        _ => return Ok((None, t)),
    };
    if !transactional {
        return Err(KwError::invalid(format!(
            "{kw}: a direction ({head}) is only allowed in => rules"
        )));
    }
    Ok((Some(side), rest.trim()))
}

impl FileSize {
    /// Parses the value; `transactional` for `=>` rules.
    pub fn parse(value: &str, transactional: bool) -> Result<FileSize, KwError> {
        let (side, rest) = direction_prefix("filesize", value, transactional)?;
        let m =
            parse_uint(rest, u64::MAX).map_err(|e| KwError::invalid(format!("filesize: {e}")))?;
        Ok(FileSize { m, side })
    }

    /// Whether one file satisfies the comparison.
    fn file_matches(&self, f: FileMeta) -> bool {
        match f.state {
            FileState::Closed => self.m.matches(f.size),
            FileState::Truncated => {
                matches!(self.m, UintMatch::Gt(_) | UintMatch::Ge(_)) && self.m.matches(f.size)
            }
            FileState::Open => false,
        }
    }

    /// Whether some file of `tx` on side `to_server` (the rule's own side
    /// when it names one) satisfies the comparison.
    pub fn eval(&self, tx: &dyn TxView, to_server: bool) -> bool {
        let mut files = Vec::new();
        tx.files(self.side.unwrap_or(to_server), &mut files);
        files.into_iter().any(|f| self.file_matches(f))
    }
}

/// Which files `filestore` stores, by direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreDir {
    /// The direction of the packet the rule matched on (the default).
    Matched,
    /// Uploads (`request`, `to_server`).
    ToServer,
    /// Downloads (`response`, `to_client`).
    ToClient,
    /// Both.
    Both,
}

/// Which transactions' files `filestore` stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreScope {
    /// The file(s) of the matching transaction in the chosen direction
    /// (`file`, the default; `tx` is the same for HTTP, whose transactions
    /// carry one file per side outside multipart uploads).
    Tx,
    /// Every later file of the flow too (`ssn`, `flow`).
    Flow,
}

/// A compiled `filestore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileStore {
    /// Direction of the stored files.
    pub dir: StoreDir,
    /// Transactions whose files are stored.
    pub scope: StoreScope,
}

impl FileStore {
    /// Parses `filestore`'s optional value `<direction>[,<scope>]`.
    pub fn parse(value: Option<&str>) -> Result<FileStore, KwError> {
        let mut fs = FileStore {
            dir: StoreDir::Matched,
            scope: StoreScope::Tx,
        };
        let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(fs);
        };
        let mut parts = v.split(',').map(str::trim);
        fs.dir = match parts.next().unwrap_or_default() {
            "request" | "to_server" => StoreDir::ToServer,
            "response" | "to_client" => StoreDir::ToClient,
            "both" => StoreDir::Both,
            d => {
                return Err(KwError::invalid(format!(
                    "filestore: invalid direction {d:?}"
                )))
            }
        };
        if let Some(scope) = parts.next() {
            fs.scope = match scope {
                "file" | "tx" => StoreScope::Tx,
                "ssn" | "flow" => StoreScope::Flow,
                s => return Err(KwError::invalid(format!("filestore: invalid scope {s:?}"))),
            };
        }
        if let Some(extra) = parts.next() {
            return Err(KwError::invalid(format!("filestore: unexpected {extra:?}")));
        }
        Ok(fs)
    }

    /// Whether files travelling `file_to_server` are stored when the rule
    /// matched on a packet travelling `pkt_to_server`.
    pub fn stores(&self, pkt_to_server: bool, file_to_server: bool) -> bool {
        match self.dir {
            StoreDir::Matched => pkt_to_server == file_to_server,
            StoreDir::ToServer => file_to_server,
            StoreDir::ToClient => !file_to_server,
            StoreDir::Both => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::{AppProto, Buffer};

    struct Files(Vec<(bool, FileMeta)>);

    impl TxView for Files {
        fn app_proto(&self) -> AppProto {
            AppProto::Http
        }
        fn tx_id(&self) -> u64 {
            0
        }
        fn buffer<'a>(&'a self, _: Buffer, _: bool, _: &mut Vec<&'a [u8]>) {}
        fn side_complete(&self, _: bool) -> bool {
            true
        }
        fn files(&self, to_server: bool, out: &mut Vec<FileMeta>) {
            out.extend(
                self.0
                    .iter()
                    .filter(|(s, _)| *s == to_server)
                    .map(|(_, f)| *f),
            );
        }
    }

    fn file(size: u64, state: FileState) -> FileMeta {
        FileMeta { size, state }
    }

    #[test]
    fn filesize_follows_file_state() {
        let tx = Files(vec![
            (false, file(68, FileState::Closed)),
            (true, file(500, FileState::Truncated)),
            (true, file(10, FileState::Open)),
        ]);
        let fs = |v: &str| FileSize::parse(v, true).expect("valid");
        assert!(fs("<100").eval(&tx, false));
        assert!(!fs(">100").eval(&tx, false));
        assert!(fs("68").eval(&tx, false));
        // Truncated: only a lower bound.
        assert!(fs(">100").eval(&tx, true));
        assert!(!fs("<1000").eval(&tx, true));
        // Open: never (the 10-byte file does not match `<100`).
        assert!(!fs("<100").eval(&tx, true));
        // An explicit side wins over the packet's.
        assert!(fs("to_client, <100").eval(&tx, true));
        assert!(!fs("to_server, <100").eval(&tx, false));
    }

    #[test]
    fn filesize_parse_errors() {
        assert!(FileSize::parse("to_client, <100", false).is_err());
        assert!(FileSize::parse("<x", true).is_err());
        assert!(FileSize::parse("to_client", true).is_err());
        assert_eq!(FileSize::parse(" 5<>10 ", false).map(|f| f.side), Ok(None));
    }

    #[test]
    fn filestore_options() {
        let d = FileStore::parse(None).expect("valid");
        assert!(d.stores(false, false) && !d.stores(true, false));
        let both = FileStore::parse(Some("both, flow")).expect("valid");
        assert_eq!(both.scope, StoreScope::Flow);
        assert!(both.stores(true, false));
        let resp = FileStore::parse(Some("response,file")).expect("valid");
        assert!(resp.stores(true, false) && !resp.stores(true, true));
        for bad in ["sideways", "both,forever", "both,tx,x"] {
            assert!(FileStore::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
