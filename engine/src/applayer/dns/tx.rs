//! DNS transactions and what detection reads from them.
//!
//! As in Suricata 8, every DNS message is its own transaction: a query
//! and its response are two transactions (ids 0 and 1 for the first
//! exchange), each complete as soon as it exists. A transaction belongs to
//! the direction its message travelled, and its buffers are only offered
//! to packets going that way ([`Tx::buffer_dir`]) — Suricata reads the
//! request of a transaction for `to_server` packets and the response for
//! `to_client` packets, and a transaction only has one of them.

use sigil_rules::buffer::{Buffer, Side};

use super::parser::{Message, Record};
use crate::capture::Timestamp;
use crate::flow::Direction;

/// One DNS message seen on the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub(super) id: u64,
    pub(super) dir: Direction,
    pub(super) message: Message,
    pub(super) events: Vec<&'static str>,
    pub(super) ts: Timestamp,
}

impl Tx {
    /// Transaction id within the flow (0, 1, 2…, requests and responses
    /// counted together).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Always true: a DNS transaction is one complete message.
    pub fn complete(&self, _side: Side) -> bool {
        true
    }

    /// The direction the message travelled (`ToServer` for requests).
    pub fn direction(&self) -> Direction {
        self.dir
    }

    /// The message was parsed as a request (it came from the client).
    pub fn is_request(&self) -> bool {
        self.dir == Direction::ToServer
    }

    /// The parsed message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// Time of the packet that completed the message.
    pub fn timestamp(&self) -> Timestamp {
        self.ts
    }

    /// Anomalies raised on this transaction (`dns.z_flag_set`, …).
    pub fn events(&self) -> &[&'static str] {
        &self.events
    }

    /// Sticky-buffer values, whatever the packet direction:
    /// [`Buffer::DnsQuery`] yields the question names,
    /// [`Buffer::DnsAnswerName`] the answer owner names. As in Suricata the
    /// list stops at the first empty (root) name.
    pub fn buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        match b {
            Buffer::DnsQuery => {
                let names = self.message.queries.iter().map(|q| q.name.value.as_slice());
                out.extend(names.take_while(|n| !n.is_empty()));
            }
            Buffer::DnsAnswerName => push_names(&self.message.answers, out),
            _ => {}
        }
    }

    /// Sticky-buffer values for a packet travelling `dir`: those of
    /// [`Tx::buffer`] when `dir` is the transaction's own direction,
    /// nothing otherwise (a query has no response side and vice versa).
    pub fn buffer_dir<'a>(&'a self, b: Buffer, dir: Direction, out: &mut Vec<&'a [u8]>) {
        if dir == self.dir {
            self.buffer(b, out);
        }
    }

    /// Authority owner names (`dns.authorities.rrname`), up to the first empty one.
    pub fn authority_names<'a>(&'a self, out: &mut Vec<&'a [u8]>) {
        push_names(&self.message.authorities, out);
    }

    /// Additional owner names (`dns.additionals.rrname`), up to the first empty one.
    pub fn additional_names<'a>(&'a self, out: &mut Vec<&'a [u8]>) {
        push_names(&self.message.additionals, out);
    }

    /// Every name of a response (`dns.response.rrname`): question names,
    /// then for answers, authorities and additionals the owner name and
    /// the name in the RDATA (CNAME, PTR, MX, NS, SOA mname). Empty names
    /// are skipped. Requests yield nothing.
    pub fn response_names<'a>(&'a self, out: &mut Vec<&'a [u8]>) {
        if self.is_request() {
            return;
        }
        let m = &self.message;
        out.extend(
            m.queries
                .iter()
                .map(|q| q.name.value.as_slice())
                .filter(|n| !n.is_empty()),
        );
        for r in m.answers.iter().chain(&m.authorities).chain(&m.additionals) {
            let rdata = r.data.name().map(|n| n.value.as_slice());
            let names = [Some(r.name.value.as_slice()), rdata];
            out.extend(names.into_iter().flatten().filter(|n| !n.is_empty()));
        }
    }

    /// The header opcode of this message (`dns.opcode`). Always `Some` for a
    /// parsed message; the caller applies it to the transaction's own
    /// direction as with [`Tx::buffer_dir`].
    pub fn opcode(&self) -> Option<u8> {
        Some(self.message.header.opcode())
    }

    /// The header response code of this message (`dns.rcode`); requests
    /// carry one too and Suricata matches it for `to_server` packets.
    pub fn rcode(&self) -> Option<u8> {
        Some(self.message.header.rcode())
    }

    /// QTYPE of every question (`dns.rrtype`).
    pub fn query_rrtypes(&self) -> Vec<u16> {
        self.message.queries.iter().map(|q| q.rrtype).collect()
    }

    /// TYPE of every answer record.
    pub fn answer_rrtypes(&self) -> Vec<u16> {
        self.message.answers.iter().map(|r| r.rrtype).collect()
    }
}

/// Owner names of `records` up to the first empty one.
fn push_names<'a>(records: &'a [Record], out: &mut Vec<&'a [u8]>) {
    let names = records.iter().map(|r| r.name.value.as_slice());
    out.extend(names.take_while(|n| !n.is_empty()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applayer::dns::fixtures::RESPONSE;
    use crate::applayer::dns::parser::parse_message;

    fn tx(dir: Direction) -> Tx {
        let (message, _) = parse_message(RESPONSE, 1 << 20).unwrap();
        Tx {
            id: 1,
            dir,
            message,
            events: Vec::new(),
            ts: Timestamp::default(),
        }
    }

    #[test]
    fn buffers_follow_the_transaction_direction() {
        let t = tx(Direction::ToClient);
        let mut out = Vec::new();
        t.buffer_dir(Buffer::DnsQuery, Direction::ToClient, &mut out);
        assert_eq!(out, vec![&b"www.suricata-ids.org"[..]]);
        out.clear();
        t.buffer_dir(Buffer::DnsQuery, Direction::ToServer, &mut out);
        assert!(out.is_empty());
        t.buffer(Buffer::DnsAnswerName, &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(out[2], b"suricata-ids.org");
        out.clear();
        t.buffer(Buffer::HttpUri, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn response_names_include_rdata_names() {
        let t = tx(Direction::ToClient);
        let mut out = Vec::new();
        t.response_names(&mut out);
        assert_eq!(
            out,
            vec![
                &b"www.suricata-ids.org"[..],
                b"www.suricata-ids.org",
                b"suricata-ids.org",
                b"suricata-ids.org",
                b"suricata-ids.org",
            ]
        );
        let request = tx(Direction::ToServer);
        let mut out = Vec::new();
        request.response_names(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn header_keywords() {
        let t = tx(Direction::ToClient);
        assert_eq!(t.opcode(), Some(0));
        assert_eq!(t.rcode(), Some(0));
        assert_eq!(t.query_rrtypes(), vec![1]);
        assert_eq!(t.answer_rrtypes(), vec![5, 1, 1]);
        assert!(t.complete(Side::Both));
        assert!(!t.is_request());
    }
}
