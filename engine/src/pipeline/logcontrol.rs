//! Transactions a rule's `config:logging disable, type tx, scope tx` took
//! out of the protocol logs.
//!
//! The mark is per transaction id. A DNS query and its answer are two
//! transactions (one per message, as in Suricata 7+); Suricata hands the
//! query's setting on to the answer that carries the same DNS id, so the
//! answer is not logged either. That is kept here too.

use std::collections::HashSet;

use super::app::{OwnedTx, TxRef};

/// DNS ids waiting for their answer, at most (the oldest are forgotten).
const MAX_PENDING_DNS: usize = 64;

/// Logging switched off per transaction.
#[derive(Debug, Default)]
pub struct LogControl {
    /// Transaction ids not to log.
    txs: HashSet<u64>,
    /// DNS ids of queries not logged, whose answers are not logged either.
    dns_ids: Vec<u16>,
}

impl LogControl {
    /// A `config` rule matched `tx`.
    pub fn disable(&mut self, tx: &TxRef<'_>) {
        self.txs.insert(sigil_rules::TxView::tx_id(tx));
        if let TxRef::Dns(t, _) = tx {
            if t.is_request() {
                if self.dns_ids.len() >= MAX_PENDING_DNS {
                    self.dns_ids.remove(0);
                }
                self.dns_ids.push(t.message().header.id);
            }
        }
    }

    /// Whether the finished transaction `tx` is logged (an answer to a
    /// query that was not logged uses up that query's mark).
    pub fn logs(&mut self, tx: &OwnedTx) -> bool {
        let view = tx.view(Default::default());
        if self.txs.remove(&sigil_rules::TxView::tx_id(&view)) {
            return false;
        }
        if let OwnedTx::Dns(t) = tx {
            if !t.is_request() {
                let id = t.message().header.id;
                if let Some(i) = self.dns_ids.iter().position(|&d| d == id) {
                    self.dns_ids.remove(i);
                    return false;
                }
            }
        }
        true
    }
}
