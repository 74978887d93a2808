//! Per-flow SSH state: banner lines, then binary packets up to NEWKEYS in
//! each direction, then byte counting only (the rest is encrypted).
//!
//! Follows Suricata 8's `ssh.rs`: a banner that is not `SSH-…` raises
//! `ssh.invalid_banner` and stops parsing; a banner without line end after
//! 256 bytes is taken as is with `ssh.long_banner`; a packet length below 2
//! raises `ssh.invalid_record` and stops parsing; a KEXINIT split across
//! inputs is collected up to 64 KiB for HASSH, beyond that
//! `ssh.long_kex_record`. Stopping covers both directions, like Suricata's
//! parser error on a flow.

use super::parser::{
    find_line_end, hassh, parse_banner, parse_kexinit, RecordHeader, MAX_BANNER_LEN, MSG_KEXINIT,
    MSG_NEWKEYS, RECORD_HEADER_LEN,
};
use super::tx::{Endpoint, Progress, Tx};
use crate::applayer::AppConfig;
use crate::capture::Timestamp;
use crate::flow::Direction;

/// Largest KEXINIT body collected across inputs (Suricata's limit).
const MAX_KEX_RECORD: usize = 65_535;

/// Parse position of one direction (not part of the transaction).
#[derive(Debug, Default)]
struct Reader {
    /// Start of a banner line still waiting for its end (< 256 bytes).
    line: Vec<u8>,
    /// Start of a record header (< 6 bytes).
    header: Vec<u8>,
    /// Record bytes still to pass over.
    skip: u64,
    /// KEXINIT body being collected for HASSH.
    kex: Option<Vec<u8>>,
}

/// Per-flow SSH parser state with its single transaction.
#[derive(Debug)]
pub struct State {
    cfg: AppConfig,
    hassh: bool,
    tx: Option<Tx>,
    readers: [Reader; 2],
    events: Vec<&'static str>,
    /// Parsing stopped for the flow (invalid banner/record, or a gap
    /// before encryption).
    stopped: bool,
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl State {
    /// New state with HASSH off, Suricata's default unless a rule uses a
    /// `ssh.hassh*` keyword or `app-layer.protocols.ssh.hassh` is set. The
    /// setting also decides when the transaction is ready to log.
    pub fn new(cfg: &AppConfig) -> State {
        State::with_hassh(cfg, false)
    }

    /// New state, computing HASSH when `hassh` is true.
    pub fn with_hassh(cfg: &AppConfig, hassh: bool) -> State {
        State {
            cfg: *cfg,
            hassh,
            tx: Some(Tx::new(hassh)),
            readers: [Reader::default(), Reader::default()],
            events: Vec::new(),
            stopped: false,
        }
    }

    /// Feeds the next contiguous bytes of one direction.
    pub fn input(&mut self, dir: Direction, data: &[u8], _ts: Timestamp) {
        if self.stopped || data.is_empty() {
            return;
        }
        let Some(tx) = self.tx.as_mut() else {
            return;
        };
        let ep = tx.endpoint_mut(dir);
        if ep.progress == Progress::Finished {
            // The rest of the NEWKEYS packet, then encrypted bytes.
            let reader = &mut self.readers[dir_index(dir)];
            let tail = usize::try_from(reader.skip).map_or(data.len(), |s| s.min(data.len()));
            reader.skip -= tail as u64;
            let encrypted = (data.len() - tail) as u64;
            ep.encrypted_bytes = ep.encrypted_bytes.saturating_add(encrypted);
            return;
        }
        let rest = if ep.progress < Progress::BannerDone {
            match self.banner(dir, data) {
                Some(rest) => rest,
                None => return,
            }
        } else {
            data
        };
        self.records(dir, rest);
    }

    /// `len` bytes of `dir` were lost. Once encrypted they are just
    /// counted; before that the record framing is lost and parsing stops,
    /// as Suricata's SSH parser does not accept gaps.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        let Some(tx) = self.tx.as_mut() else {
            return;
        };
        let ep = tx.endpoint_mut(dir);
        if ep.progress == Progress::Finished {
            ep.encrypted_bytes = ep.encrypted_bytes.saturating_add(len);
        } else if len > 0 {
            self.halt();
        }
    }

    /// The flow's transaction while it is live (until flow end).
    pub fn txs(&self) -> impl Iterator<Item = &Tx> {
        self.tx.iter()
    }

    /// The transaction, once, when it is ready to log ([`Tx::log_ready`])
    /// or at flow end. Unlike other protocols the transaction stays live
    /// after being returned (detection keeps reading it, as in Suricata
    /// where the SSH transaction lasts the whole flow); it is removed at
    /// flow end.
    pub fn take_finished(&mut self, flow_end: bool) -> Vec<Tx> {
        let mut out = Vec::new();
        if let Some(tx) = self.tx.as_mut() {
            if !tx.logged && (flow_end || tx.log_ready()) {
                tx.logged = true;
                out.push(tx.clone());
            }
        }
        if flow_end {
            self.tx = None;
        }
        out
    }

    /// Anomalies raised since the last call (`ssh.invalid_banner`, …).
    pub fn events(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.events)
    }

    /// Parsing stopped on an error or a gap; later bytes are ignored.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    fn event(&mut self, name: &'static str) {
        if let Some(tx) = self.tx.as_mut() {
            tx.events.push(name);
        }
        self.events.push(name);
    }

    fn stop(&mut self, event: &'static str) {
        self.event(event);
        self.halt();
    }

    fn halt(&mut self) {
        self.stopped = true;
        if let Some(tx) = self.tx.as_mut() {
            tx.stopped = true;
        }
    }

    fn endpoint(&mut self, dir: Direction) -> Option<&mut Endpoint> {
        self.tx.as_mut().map(|tx| tx.endpoint_mut(dir))
    }

    /// Consumes the identification line; returns the bytes after it, or
    /// `None` when they are all used (line unfinished, skipped, or error).
    fn banner<'a>(&mut self, dir: Direction, data: &'a [u8]) -> Option<&'a [u8]> {
        let progress = self.endpoint(dir)?.progress;
        if progress == Progress::BannerWaitEol {
            // Rest of an over-long banner: skip to its end.
            let (_, used) = find_line_end(data)?;
            self.endpoint(dir)?.progress = Progress::BannerDone;
            return data.get(used..);
        }
        let idx = dir_index(dir);
        let held = std::mem::take(&mut self.readers[idx].line);
        let joined;
        let line_data: &[u8] = if held.is_empty() {
            data
        } else {
            joined = [held.as_slice(), data].concat();
            &joined
        };
        match find_line_end(line_data) {
            Some((len, used)) => {
                let line = line_data.get(..len).unwrap_or_default();
                if !self.set_banner(dir, line) {
                    return None;
                }
                self.endpoint(dir)?.progress = Progress::BannerDone;
                if len >= MAX_BANNER_LEN {
                    self.event("ssh.long_banner");
                }
                data.get(used.saturating_sub(held.len())..)
            }
            None if line_data.len() < MAX_BANNER_LEN => {
                self.readers[idx].line = line_data.to_vec();
                None
            }
            None => {
                if self.set_banner(dir, line_data) {
                    self.endpoint(dir)?.progress = Progress::BannerWaitEol;
                    self.event("ssh.long_banner");
                }
                None
            }
        }
    }

    /// Stores the banner's fields; false (after stopping) when invalid.
    fn set_banner(&mut self, dir: Direction, line: &[u8]) -> bool {
        let Some(b) = parse_banner(line) else {
            self.stop("ssh.invalid_banner");
            return false;
        };
        if let Some(ep) = self.endpoint(dir) {
            ep.proto = b.proto.to_vec();
            ep.software = b.software.to_vec();
        }
        true
    }

    /// Walks binary packets until the data ends or NEWKEYS.
    fn records(&mut self, dir: Direction, mut data: &[u8]) {
        let idx = dir_index(dir);
        while !data.is_empty() {
            let reader = &mut self.readers[idx];
            if reader.skip > 0 {
                let n = usize::try_from(reader.skip).map_or(data.len(), |s| s.min(data.len()));
                if let Some(kex) = reader.kex.as_mut() {
                    kex.extend_from_slice(&data[..n]);
                }
                reader.skip -= n as u64;
                data = &data[n..];
                if reader.skip == 0 {
                    if let Some(body) = reader.kex.take() {
                        self.finish_kex(dir, &body);
                    }
                }
                continue;
            }
            let need = RECORD_HEADER_LEN - reader.header.len();
            if data.len() < need {
                reader.header.extend_from_slice(data);
                return;
            }
            reader.header.extend_from_slice(&data[..need]);
            data = &data[need..];
            let header = RecordHeader::parse(&std::mem::take(&mut reader.header));
            let Some(h) = header.filter(RecordHeader::is_valid) else {
                self.stop("ssh.invalid_record");
                return;
            };
            let body = h.body_len();
            reader.skip = body;
            match h.msg_code {
                MSG_NEWKEYS => {
                    let n = usize::try_from(body).map_or(data.len(), |b| b.min(data.len()));
                    reader.skip = body - n as u64;
                    let rest = (data.len() - n) as u64;
                    if let Some(ep) = self.endpoint(dir) {
                        ep.progress = Progress::Finished;
                        ep.encrypted_bytes = ep.encrypted_bytes.saturating_add(rest);
                    }
                    return;
                }
                MSG_KEXINIT if self.wants_hassh(dir) => {
                    let limit = MAX_KEX_RECORD.min(self.cfg.max_record);
                    let whole = usize::try_from(body).ok().and_then(|b| data.get(..b));
                    if let Some(body_bytes) = whole {
                        // The whole record is here: no buffering needed.
                        self.readers[idx].skip = 0;
                        self.finish_kex(dir, body_bytes);
                        data = &data[body_bytes.len()..];
                    } else if body < limit as u64 {
                        self.readers[idx].kex = Some(Vec::with_capacity(data.len()));
                    } else {
                        self.event("ssh.long_kex_record");
                    }
                }
                _ => {}
            }
        }
    }

    /// HASSH is wanted for this side: enabled and not computed yet.
    fn wants_hassh(&self, dir: Direction) -> bool {
        self.hassh
            && self
                .tx
                .as_ref()
                .is_some_and(|tx| tx.endpoint(dir).hassh.is_empty())
    }

    /// Computes HASSH from a complete KEXINIT body (cookie onwards).
    fn finish_kex(&mut self, dir: Direction, body: &[u8]) {
        let Some(kex) = parse_kexinit(body) else {
            return;
        };
        let string = kex.hassh_string(dir == Direction::ToClient);
        if let Some(ep) = self.endpoint(dir) {
            ep.hassh = hassh(&string);
            ep.hassh_string = string;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applayer::ssh::fixtures::{CLIENT, SERVER};
    use sigil_rules::buffer::Side;

    fn ts() -> Timestamp {
        Timestamp::default()
    }

    fn feed(s: &mut State, dir: Direction, data: &[u8], step: usize) {
        for chunk in data.chunks(step.max(1)) {
            s.input(dir, chunk, ts());
        }
    }

    #[test]
    fn full_handshake_at_every_split() {
        let mut reference = State::with_hassh(&AppConfig::default(), true);
        feed(&mut reference, Direction::ToServer, CLIENT, CLIENT.len());
        feed(&mut reference, Direction::ToClient, SERVER, SERVER.len());
        let want = reference.txs().next().cloned().unwrap();
        assert_eq!(want.client().proto(), b"2.0");
        assert_eq!(want.client().software(), b"libssh-0.7.2");
        assert_eq!(want.server().software(), b"OpenSSH_7.4");
        assert_eq!(want.client().hassh(), b"c8c5fbf80b7b0a1b0e4de5e683f3c5ad");
        assert_eq!(want.server().hassh(), b"6832f1ce43d4397c2c0a3e2f8c94334e");
        assert!(!want.client().hassh().is_empty());
        assert!(want.complete(Side::Both));
        assert!(want.client().encrypted_bytes() > 0);
        for (dir, stream) in [(Direction::ToServer, CLIENT), (Direction::ToClient, SERVER)] {
            for cut in 0..=stream.len() {
                let mut s = State::with_hassh(&AppConfig::default(), true);
                s.input(dir, &stream[..cut], ts());
                s.input(dir, &stream[cut..], ts());
                let tx = s.txs().next().unwrap();
                assert_eq!(tx.endpoint(dir), want.endpoint(dir), "{dir:?} cut {cut}");
                assert!(s.events().is_empty());
            }
        }
        let mut s = State::with_hassh(&AppConfig::default(), true);
        feed(&mut s, Direction::ToServer, CLIENT, 1);
        assert_eq!(s.txs().next().unwrap().client(), want.client());
    }

    #[test]
    fn logging_waits_for_newkeys_with_hassh_and_banners_without() {
        let mut s = State::with_hassh(&AppConfig::default(), true);
        s.input(Direction::ToServer, b"SSH-2.0-x\r\n", ts());
        s.input(Direction::ToClient, b"SSH-2.0-y\r\n", ts());
        assert!(s.take_finished(false).is_empty());
        let mut s = State::new(&AppConfig::default());
        s.input(Direction::ToServer, b"SSH-2.0-x\r\n", ts());
        assert!(s.take_finished(false).is_empty());
        s.input(Direction::ToClient, b"SSH-2.0-y\r\n", ts());
        assert_eq!(s.take_finished(false).len(), 1);
        assert!(s.take_finished(false).is_empty(), "logged once");
        assert_eq!(s.txs().count(), 1, "still live for detection");
        assert!(s.take_finished(true).is_empty());
        assert_eq!(s.txs().count(), 0);
    }

    #[test]
    fn invalid_banner_stops_the_flow() {
        let mut s = State::new(&AppConfig::default());
        s.input(Direction::ToClient, b"220 smtp ready\r\n", ts());
        assert_eq!(s.events(), vec!["ssh.invalid_banner"]);
        assert!(s.stopped());
        s.input(Direction::ToServer, b"SSH-2.0-x\r\n", ts());
        assert!(s.txs().next().unwrap().client().proto().is_empty());
        assert_eq!(s.take_finished(true).len(), 1);
    }

    #[test]
    fn long_banner_is_kept_and_flagged() {
        let mut s = State::new(&AppConfig::default());
        let mut line = b"SSH-2.0-Long ".to_vec();
        line.extend(std::iter::repeat_n(b'c', 400));
        s.input(Direction::ToServer, &line[..100], ts());
        s.input(Direction::ToServer, &line[100..], ts());
        assert_eq!(s.events(), vec!["ssh.long_banner"]);
        s.input(Direction::ToServer, b"ccc\r\n\0\0\0\x0c\x0a\x15", ts());
        let tx = s.txs().next().unwrap();
        assert_eq!(tx.client().software(), b"Long");
        assert_eq!(tx.client().progress(), Progress::Finished);
    }

    #[test]
    fn tiny_packet_length_is_an_invalid_record() {
        let mut s = State::new(&AppConfig::default());
        s.input(Direction::ToServer, b"SSH-2.0-x\r\n\0\0\0\x01\0\x14", ts());
        assert_eq!(s.events(), vec!["ssh.invalid_record"]);
        assert!(s.stopped());
    }

    #[test]
    fn huge_split_kexinit_is_not_collected() {
        let mut s = State::with_hassh(&AppConfig::default(), true);
        let mut data = b"SSH-2.0-x\r\n".to_vec();
        data.extend_from_slice(&[0x00, 0x10, 0x00, 0x00, 4, MSG_KEXINIT]);
        s.input(Direction::ToServer, &data, ts());
        assert_eq!(s.events(), vec!["ssh.long_kex_record"]);
        for _ in 0..60 {
            s.input(Direction::ToServer, &[0u8; 1 << 14], ts());
        }
        assert!(s.readers[0].kex.is_none());
        assert!(!s.stopped());
    }

    #[test]
    fn gaps_before_encryption_stop_after_are_counted() {
        let mut s = State::new(&AppConfig::default());
        s.input(
            Direction::ToServer,
            b"SSH-2.0-x\r\n\0\0\0\x0c\x0a\x15",
            ts(),
        );
        s.gap(Direction::ToServer, 50);
        assert_eq!(s.txs().next().unwrap().client().encrypted_bytes(), 50);
        s.gap(Direction::ToClient, 5);
        assert!(s.stopped());
    }

    #[test]
    fn hostile_input_never_panics_and_stays_bounded() {
        let mut next = crate::testutil::xorshift(0x9e37_79b9_7f4a_7c15u64);
        for round in 0..2000 {
            let len = (next() % 800) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if round % 2 == 0 {
                data.splice(0..0, b"SSH-2.0-fuzz\r\n".iter().copied());
            }
            let mut s = State::with_hassh(&AppConfig::default(), true);
            for chunk in data.chunks(1 + (next() % 64) as usize) {
                s.input(Direction::ToClient, chunk, ts());
            }
            let r = &s.readers[1];
            assert!(r.line.len() < MAX_BANNER_LEN && r.header.len() < RECORD_HEADER_LEN);
            assert!(r.kex.as_ref().is_none_or(|k| k.len() <= MAX_KEX_RECORD));
            let _ = s.take_finished(true).first().map(Tx::eve);
        }
    }
}
