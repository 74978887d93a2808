//! EVE records of finished transactions, written straight from the
//! transactions into the event line (no intermediate JSON tree): one
//! `http` record and one `fileinfo` per file, or one `dns`, `tls` or `ssh`
//! record.

use super::app::OwnedTx;
use crate::applayer::{dns, http, http2, ssh, tls};
use crate::flow::Direction;
use crate::output::json::JsonBuf;

impl OwnedTx {
    /// The EVE records of this transaction: one `http` record and one
    /// `fileinfo` per file, or one `dns`, `tls` or `ssh` record (or none,
    /// when the protocol logs nothing for it).
    pub fn records(&self) -> Vec<TxRecord<'_>> {
        let mut out = Vec::new();
        match self {
            OwnedTx::Http(tx) => {
                out.push(TxRecord::new("http", tx.id(), true, RecordBody::Http(tx)));
                for f in tx.files() {
                    let to_server = f.to_server;
                    out.push(TxRecord::new(
                        "fileinfo",
                        tx.id(),
                        to_server,
                        RecordBody::File(tx, f),
                    ));
                }
            }
            OwnedTx::Http2(tx) => {
                out.push(TxRecord::new("http", tx.id(), true, RecordBody::Http2(tx)));
            }
            OwnedTx::Dns(tx) => {
                if tx.logs_event() {
                    let to_server = tx.direction() == Direction::ToServer;
                    out.push(TxRecord::new(
                        "dns",
                        tx.id(),
                        to_server,
                        RecordBody::Dns(tx),
                    ));
                }
            }
            OwnedTx::Tls(tx) => {
                if tx.should_log() {
                    out.push(TxRecord::new("tls", tx.id(), true, RecordBody::Tls(tx)));
                }
            }
            OwnedTx::Ssh(tx) => {
                if tx.logs_event() {
                    out.push(TxRecord::new("ssh", tx.id(), true, RecordBody::Ssh(tx)));
                }
            }
        }
        out
    }
}

/// One EVE record of a finished transaction, written straight from the
/// transaction by [`TxRecord::write`].
#[derive(Debug)]
pub struct TxRecord<'a> {
    /// EVE `event_type`.
    pub event_type: &'static str,
    /// The transaction's id (`tx_id`).
    pub tx_id: u64,
    /// Whether the record's envelope reads client → server.
    pub to_server: bool,
    body: RecordBody<'a>,
}

#[derive(Debug)]
enum RecordBody<'a> {
    Http(&'a http::Tx),
    Http2(&'a http2::Tx),
    File(&'a http::Tx, http::FileInfo),
    Dns(&'a dns::Tx),
    Tls(&'a tls::Tx),
    Ssh(&'a ssh::Tx),
}

impl<'a> TxRecord<'a> {
    fn new(event_type: &'static str, tx_id: u64, to_server: bool, body: RecordBody<'a>) -> Self {
        TxRecord {
            event_type,
            tx_id,
            to_server,
            body,
        }
    }

    /// Writes the record's members into the open envelope `j`:
    /// `app_proto`, the protocol object(s), `metadata` (encoded JSON, when
    /// given) and `tx_id`, in key order.
    pub fn write(&self, j: &mut JsonBuf<'_>, app_proto: &str, metadata: Option<&[u8]>) {
        j.str("app_proto", app_proto);
        let md = |j: &mut JsonBuf<'_>| {
            if let Some(m) = metadata {
                j.raw("metadata", m);
            }
        };
        match &self.body {
            RecordBody::Http(tx) => {
                j.open_object("http");
                tx.write_eve(j);
                j.close_object();
                md(j);
            }
            RecordBody::Http2(tx) => {
                j.open_object("http");
                let _ = j.flatten(&tx.eve());
                j.close_object();
                md(j);
            }
            RecordBody::File(tx, f) => {
                j.open_object("fileinfo");
                http::write_file_eve(j, f);
                j.close_object();
                j.open_object("http");
                tx.write_eve(j);
                j.close_object();
                md(j);
            }
            RecordBody::Dns(tx) => {
                j.open_object("dns");
                tx.write_eve(j, true);
                j.close_object();
                md(j);
            }
            RecordBody::Tls(tx) => {
                md(j);
                j.open_object("tls");
                tx.write_eve(j);
                j.close_object();
            }
            RecordBody::Ssh(tx) => {
                md(j);
                j.open_object("ssh");
                tx.write_eve(j);
                j.close_object();
            }
        }
        j.u64("tx_id", self.tx_id);
    }
}
