//! The SSH transaction (one per flow), its sticky buffers and its EVE
//! `ssh` object.
//!
//! `ssh.proto` and `ssh.software` exist on both sides: Suricata inspects
//! the client's banner for packets to the server and the server's for
//! packets to the client, which [`Tx::buffer_dir`] reproduces. The HASSH
//! buffers are one-sided (client: `ssh.hassh*`, server:
//! `ssh.hassh.server*`).

use serde_json::{json, Map, Value};
use sigil_rules::buffer::{Buffer, Side};

use crate::flow::Direction;

/// How far one side has got, in Suricata's order (its hook names are
/// `in_progress`, `banner_wait_eol`, `banner_done`, `finished`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Progress {
    /// Waiting for the identification line.
    #[default]
    InProgress,
    /// An over-long banner was taken; skipping to its line end.
    BannerWaitEol,
    /// Banner parsed; reading binary packets.
    BannerDone,
    /// NEWKEYS seen: the rest is encrypted.
    Finished,
}

/// What one side sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub(super) progress: Progress,
    pub(super) proto: Vec<u8>,
    pub(super) software: Vec<u8>,
    pub(super) hassh: Vec<u8>,
    pub(super) hassh_string: Vec<u8>,
    pub(super) encrypted_bytes: u64,
}

impl Endpoint {
    /// Parse progress.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Protocol version of the banner (`2.0`), empty before it.
    pub fn proto(&self) -> &[u8] {
        &self.proto
    }

    /// Software version of the banner, up to the first space.
    pub fn software(&self) -> &[u8] {
        &self.software
    }

    /// HASSH (client) or HASSHServer (server): lower-case hex MD5, empty
    /// when not computed.
    pub fn hassh(&self) -> &[u8] {
        &self.hassh
    }

    /// The HASSH input string (`kex;enc;mac;comp`).
    pub fn hassh_string(&self) -> &[u8] {
        &self.hassh_string
    }

    /// Bytes sent after NEWKEYS (encrypted, not parsed).
    pub fn encrypted_bytes(&self) -> u64 {
        self.encrypted_bytes
    }

    fn eve(&self) -> Option<Value> {
        if self.proto.is_empty() {
            return None;
        }
        let mut o = Map::new();
        o.insert("proto_version".into(), json!(text(&self.proto)));
        if !self.software.is_empty() {
            o.insert("software_version".into(), json!(text(&self.software)));
        }
        if !self.hassh.is_empty() || !self.hassh_string.is_empty() {
            let mut h = Map::new();
            if !self.hassh.is_empty() {
                h.insert("hash".into(), json!(text(&self.hassh)));
            }
            if !self.hassh_string.is_empty() {
                h.insert("string".into(), json!(text(&self.hassh_string)));
            }
            o.insert("hassh".into(), Value::Object(h));
        }
        Some(Value::Object(o))
    }
}

/// Bytes as Suricata's JSON builder writes them (UTF-8 as is, otherwise
/// non-ASCII bytes as a literal `\xNN`).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    char::from(b).to_string()
                } else {
                    format!("\\x{b:02x}")
                }
            })
            .collect(),
    }
}

/// The flow's SSH transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub(super) client: Endpoint,
    pub(super) server: Endpoint,
    pub(super) events: Vec<&'static str>,
    pub(super) hassh_enabled: bool,
    pub(super) logged: bool,
    /// Parsing stopped (error or gap): nothing will change any more.
    pub(super) stopped: bool,
}

impl Tx {
    pub(super) fn new(hassh_enabled: bool) -> Tx {
        Tx {
            client: Endpoint::default(),
            server: Endpoint::default(),
            events: Vec::new(),
            hassh_enabled,
            logged: false,
            stopped: false,
        }
    }

    /// Always 0: one transaction per flow.
    pub fn id(&self) -> u64 {
        0
    }

    /// The client's side.
    pub fn client(&self) -> &Endpoint {
        &self.client
    }

    /// The server's side.
    pub fn server(&self) -> &Endpoint {
        &self.server
    }

    /// The side that sends in `dir` (client for `ToServer`).
    pub fn endpoint(&self, dir: Direction) -> &Endpoint {
        match dir {
            Direction::ToServer => &self.client,
            Direction::ToClient => &self.server,
        }
    }

    pub(super) fn endpoint_mut(&mut self, dir: Direction) -> &mut Endpoint {
        match dir {
            Direction::ToServer => &mut self.client,
            Direction::ToClient => &mut self.server,
        }
    }

    /// Anomalies raised on the flow (`ssh.invalid_banner`, …).
    pub fn events(&self) -> &[&'static str] {
        &self.events
    }

    /// A side is complete once it sent NEWKEYS (Suricata's `finished`), or
    /// when parsing stopped.
    pub fn complete(&self, side: Side) -> bool {
        let done = |e: &Endpoint| self.stopped || e.progress == Progress::Finished;
        match side {
            Side::ToServer => done(&self.client),
            Side::ToClient => done(&self.server),
            Side::Both => done(&self.client) && done(&self.server),
        }
    }

    /// Suricata's condition for writing the `ssh` event: with HASSH both
    /// sides finished (NEWKEYS), without it both banners parsed. At flow
    /// end the event is written regardless.
    pub fn log_ready(&self) -> bool {
        let need = if self.hassh_enabled {
            Progress::Finished
        } else {
            Progress::BannerDone
        };
        self.client.progress >= need && self.server.progress >= need
    }

    /// Sticky-buffer values regardless of direction: `ssh.proto` and
    /// `ssh.software` give the client's value then the server's (use
    /// [`Tx::buffer_dir`] for detection), the HASSH buffers their own
    /// side's. Empty values are not offered.
    pub fn buffer<'a>(&'a self, b: Buffer, out: &mut Vec<&'a [u8]>) {
        let values: [&'a [u8]; 2] = match b {
            Buffer::SshProto => [&self.client.proto, &self.server.proto],
            Buffer::SshSoftware => [&self.client.software, &self.server.software],
            Buffer::SshHassh => [&self.client.hassh, &[]],
            Buffer::SshHasshString => [&self.client.hassh_string, &[]],
            Buffer::SshHasshServer => [&self.server.hassh, &[]],
            Buffer::SshHasshServerString => [&self.server.hassh_string, &[]],
            _ => return,
        };
        out.extend(values.into_iter().filter(|v| !v.is_empty()));
    }

    /// Sticky-buffer values for a packet travelling `dir`. `ssh.proto` and
    /// `ssh.software` (side `Both`) give the client's value for `ToServer`
    /// and the server's for `ToClient`; the one-sided HASSH buffers give
    /// their value only in their own direction (client HASSH to the
    /// server, server HASSH to the client).
    pub fn buffer_dir<'a>(&'a self, b: Buffer, dir: Direction, out: &mut Vec<&'a [u8]>) {
        let ep = self.endpoint(dir);
        let value: &'a [u8] = match (b, dir) {
            (Buffer::SshProto, _) => &ep.proto,
            (Buffer::SshSoftware, _) => &ep.software,
            (Buffer::SshHassh, Direction::ToServer) => &ep.hassh,
            (Buffer::SshHasshString, Direction::ToServer) => &ep.hassh_string,
            (Buffer::SshHasshServer, Direction::ToClient) => &ep.hassh,
            (Buffer::SshHasshServerString, Direction::ToClient) => &ep.hassh_string,
            _ => return,
        };
        if !value.is_empty() {
            out.push(value);
        }
    }

    /// The `ssh` object: `client` and `server` (each only once its banner
    /// is known) with `proto_version`, `software_version` and, when
    /// computed, `hassh: {hash, string}`. Empty object before any banner.
    pub fn eve(&self) -> Value {
        self.eve_record()
            .unwrap_or_else(|| Value::Object(Map::new()))
    }

    /// The `ssh` object, or `None` when neither banner is known (Suricata
    /// then writes no `ssh` event and leaves it out of alerts).
    pub fn eve_record(&self) -> Option<Value> {
        let client = self.client.eve();
        let server = self.server.eve();
        if client.is_none() && server.is_none() {
            return None;
        }
        let mut o = Map::new();
        if let Some(c) = client {
            o.insert("client".into(), c);
        }
        if let Some(s) = server {
            o.insert("server".into(), s);
        }
        Some(Value::Object(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx() -> Tx {
        let mut t = Tx::new(true);
        t.client.proto = b"2.0".to_vec();
        t.client.software = b"Cisco_client-1.25".to_vec();
        t.client.hassh = b"abcd".to_vec();
        t.client.hassh_string = b"k;e;m;c".to_vec();
        t.server.proto = b"1.99".to_vec();
        t
    }

    #[test]
    fn buffers_by_direction() {
        let t = tx();
        let mut out = Vec::new();
        t.buffer_dir(Buffer::SshProto, Direction::ToServer, &mut out);
        t.buffer_dir(Buffer::SshProto, Direction::ToClient, &mut out);
        assert_eq!(out, vec![&b"2.0"[..], b"1.99"]);
        out.clear();
        t.buffer_dir(Buffer::SshSoftware, Direction::ToClient, &mut out);
        assert!(out.is_empty(), "server sent no software version");
        t.buffer_dir(Buffer::SshHassh, Direction::ToClient, &mut out);
        assert!(out.is_empty(), "client HASSH is a to_server buffer");
        t.buffer_dir(Buffer::SshHassh, Direction::ToServer, &mut out);
        assert_eq!(out, vec![&b"abcd"[..]]);
        out.clear();
        t.buffer(Buffer::SshProto, &mut out);
        assert_eq!(out.len(), 2);
        out.clear();
        t.buffer(Buffer::DnsQuery, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn eve_object() {
        let v = tx().eve();
        assert_eq!(v["client"]["proto_version"], "2.0");
        assert_eq!(v["client"]["software_version"], "Cisco_client-1.25");
        assert_eq!(v["client"]["hassh"]["hash"], "abcd");
        assert_eq!(v["client"]["hassh"]["string"], "k;e;m;c");
        assert_eq!(v["server"]["proto_version"], "1.99");
        assert!(v["server"].get("software_version").is_none());
        assert!(v["server"].get("hassh").is_none());
        assert!(Tx::new(false).eve_record().is_none());
        assert_eq!(text(b"a\xc3"), "a\\xc3");
    }

    #[test]
    fn completion_and_log_readiness() {
        let mut t = tx();
        t.client.progress = Progress::BannerDone;
        t.server.progress = Progress::BannerDone;
        assert!(!t.log_ready());
        t.hassh_enabled = false;
        assert!(t.log_ready());
        assert!(!t.complete(Side::ToServer));
        t.client.progress = Progress::Finished;
        assert!(t.complete(Side::ToServer) && !t.complete(Side::Both));
    }
}
