//! The SSH transaction (one per flow), its sticky buffers and its EVE
//! `ssh` object.
//!
//! `ssh.proto` and `ssh.software` exist on both sides: Suricata inspects
//! the client's banner for packets to the server and the server's for
//! packets to the client, which [`Tx::buffer_dir`] reproduces. The HASSH
//! buffers are one-sided (client: `ssh.hassh*`, server:
//! `ssh.hassh.server*`).

use serde_json::Value;
use sigil_rules::buffer::{Buffer, Side};

use crate::flow::Direction;
use crate::output::json::{self, JsonBuf};

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

    /// Writes this side's object as member `k` (members in key order),
    /// once its banner is known.
    fn write_eve(&self, j: &mut JsonBuf<'_>, k: &str) {
        if self.proto.is_empty() {
            return;
        }
        j.open_object(k);
        if !self.hassh.is_empty() || !self.hassh_string.is_empty() {
            j.open_object("hassh");
            if !self.hassh.is_empty() {
                j.str_ascii_or_hex("hash", &self.hassh);
            }
            if !self.hassh_string.is_empty() {
                j.str_ascii_or_hex("string", &self.hassh_string);
            }
            j.close_object();
        }
        j.str_ascii_or_hex("proto_version", &self.proto);
        if !self.software.is_empty() {
            j.str_ascii_or_hex("software_version", &self.software);
        }
        j.close_object();
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
        json::to_value(|j| self.write_eve(j))
    }

    /// The `ssh` object, or `None` when neither banner is known (Suricata
    /// then writes no `ssh` event and leaves it out of alerts).
    pub fn eve_record(&self) -> Option<Value> {
        self.logs_event().then(|| self.eve())
    }

    /// Whether a banner is known, so that there is an `ssh` object to log.
    pub fn logs_event(&self) -> bool {
        !self.client.proto.is_empty() || !self.server.proto.is_empty()
    }

    /// Writes the members of the `ssh` object into the open object `j`.
    pub fn write_eve(&self, j: &mut JsonBuf<'_>) {
        self.client.write_eve(j, "client");
        self.server.write_eve(j, "server");
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
        let mut t = tx();
        t.server.software = b"a\xc3".to_vec();
        assert_eq!(t.eve()["server"]["software_version"], "a\\xc3");
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
