//! Packet header sticky buffers (`ipv4.hdr`, `ipv6.hdr`, `tcp.hdr`,
//! `udp.hdr`, `icmpv4.hdr`, `icmpv6.hdr`): payload keywords run over the
//! raw header bytes of the packet, options included.
//!
//! The compiler collects each buffer's keywords in a list of its own
//! ([`BufferLists`] switches lists as sticky-buffer keywords appear, the
//! payload being the list `pkt_data` selects); each list becomes a
//! [`Program`] run over the buffer's bytes. All lists of a rule share the
//! rule's byte-variable slots.

use crate::header::Proto;
use crate::packet::{ipproto, PacketView};
use crate::pcre::Latin1;
use crate::pktkw::PktCheck;
use crate::program::Program;

/// A packet header sticky buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PktBuf {
    /// IPv4 header with options.
    Ipv4,
    /// IPv6 header with extension headers.
    Ipv6,
    /// TCP header with options.
    Tcp,
    /// UDP header.
    Udp,
    /// ICMPv4 header.
    Icmpv4,
    /// ICMPv6 header.
    Icmpv6,
}

impl PktBuf {
    /// The buffer a sticky-buffer keyword selects.
    pub fn from_sticky(kw: &str) -> Option<PktBuf> {
        Some(match kw {
            "ipv4.hdr" => PktBuf::Ipv4,
            "ipv6.hdr" => PktBuf::Ipv6,
            "tcp.hdr" => PktBuf::Tcp,
            "udp.hdr" => PktBuf::Udp,
            "icmpv4.hdr" => PktBuf::Icmpv4,
            "icmpv6.hdr" => PktBuf::Icmpv6,
            _ => return None,
        })
    }

    /// Suricata's keyword.
    pub fn name(self) -> &'static str {
        match self {
            PktBuf::Ipv4 => "ipv4.hdr",
            PktBuf::Ipv6 => "ipv6.hdr",
            PktBuf::Tcp => "tcp.hdr",
            PktBuf::Udp => "udp.hdr",
            PktBuf::Icmpv4 => "icmpv4.hdr",
            PktBuf::Icmpv6 => "icmpv6.hdr",
        }
    }

    /// The buffer's bytes in `p`; `None` when the packet lacks the layer.
    pub fn bytes<'a>(self, p: &PacketView<'a>) -> Option<&'a [u8]> {
        let h = &p.headers;
        let (present, bytes) = match self {
            PktBuf::Ipv4 => (p.src.is_ipv4(), h.ip),
            PktBuf::Ipv6 => (p.src.is_ipv6(), h.ip),
            PktBuf::Tcp => (p.ip_proto == ipproto::TCP, h.tcp),
            PktBuf::Udp => (p.ip_proto == ipproto::UDP, h.udp),
            PktBuf::Icmpv4 => (p.ip_proto == ipproto::ICMP, h.icmp),
            PktBuf::Icmpv6 => (p.ip_proto == ipproto::ICMPV6, h.icmp),
        };
        (present && !bytes.is_empty()).then_some(bytes)
    }

    /// Suricata refuses a transport header buffer in a rule whose
    /// protocol cannot carry that transport (`tcp.hdr` in a `udp` rule).
    pub fn allowed_by(self, proto: Proto) -> bool {
        match self {
            PktBuf::Ipv4 | PktBuf::Ipv6 => true,
            PktBuf::Tcp => matches!(proto, Proto::Any | Proto::Tcp { .. }),
            PktBuf::Udp => matches!(proto, Proto::Any | Proto::Udp { .. }),
            PktBuf::Icmpv4 => matches!(proto, Proto::Any | Proto::Icmp | Proto::Icmp4),
            PktBuf::Icmpv6 => matches!(proto, Proto::Any | Proto::Icmp | Proto::Icmp6),
        }
    }
}

/// A rule's keywords of this family: header-buffer programs and the
/// [`PktCheck`]s.
#[derive(Debug, Default)]
pub struct PktParts {
    /// One program per header buffer used, in order of first use.
    pub buffers: Vec<(PktBuf, Program)>,
    /// `vlan.*`, checksum and `decode-event` keywords.
    pub checks: Vec<PktCheck>,
}

impl PktParts {
    /// True when the rule can only match single packets (never reassembled
    /// stream data): header buffers exist only on packets.
    pub fn packet_only(&self) -> bool {
        !self.buffers.is_empty() || self.checks.iter().any(PktCheck::packet_only)
    }

    /// The checks hold on `p` (cheap: run before any program).
    pub fn checks_hold(&self, p: &PacketView) -> bool {
        self.checks.iter().all(|c| c.eval(p))
    }

    /// Every header-buffer program matches its buffer. `vars` are the
    /// rule's variable slots (shared with the payload program, already
    /// reset). The fallback-regex text cache is reset around each buffer
    /// so that it never mixes buffers.
    pub fn buffers_match(&self, p: &PacketView, vars: &mut [u64], latin1: &mut Latin1) -> bool {
        if self.buffers.is_empty() {
            return true;
        }
        let ok = self.buffers.iter().all(|(b, prog)| {
            latin1.invalidate();
            b.bytes(p)
                .is_some_and(|buf| prog.matches(buf, vars, latin1))
        });
        latin1.invalidate();
        ok
    }
}

/// The keyword lists of a rule's header sticky buffers while it is being
/// compiled. The compiler keeps one flat list of payload (and app-layer)
/// keywords; while a header buffer is selected, each option is compiled
/// with that buffer's list swapped into the compiler ([`Self::enter`] /
/// [`Self::leave`]), so content modifiers find their content and nothing
/// else sees these keywords.
#[derive(Debug)]
pub struct BufferLists<D> {
    /// The header buffer selected last (None: the compiler's own lists).
    active: Option<PktBuf>,
    /// The buffer whose list is swapped in during the current option.
    entered: Option<PktBuf>,
    /// A selection made by the current option, applied when it ends.
    next: Option<Option<PktBuf>>,
    /// Lists (with the index of their last content), in order of first use.
    lists: Vec<(PktBuf, Vec<D>, Option<usize>)>,
}

impl<D> Default for BufferLists<D> {
    fn default() -> Self {
        BufferLists {
            active: None,
            entered: None,
            next: None,
            lists: Vec::new(),
        }
    }
}

impl<D> BufferLists<D> {
    /// The header buffer later keywords go to, if any.
    pub fn active(&self) -> Option<PktBuf> {
        self.active
    }

    /// Before an option: swaps the active buffer's list into `drafts` /
    /// `last` (whose own contents are kept here until [`Self::leave`]).
    pub fn enter(&mut self, drafts: &mut Vec<D>, last: &mut Option<usize>) {
        let Some(b) = self.active else {
            return;
        };
        if let Some((_, d, l)) = self.lists.iter_mut().find(|(x, _, _)| *x == b) {
            std::mem::swap(d, drafts);
            std::mem::swap(l, last);
            self.entered = Some(b);
        }
    }

    /// During an option: selects `target` (a header buffer, or `None` for
    /// the compiler's own lists) from the next option on.
    pub fn select(&mut self, target: Option<PktBuf>) {
        self.next = Some(target);
    }

    /// After an option: swaps the lists back and applies a selection.
    /// Selecting a buffer used before continues its list.
    pub fn leave(&mut self, drafts: &mut Vec<D>, last: &mut Option<usize>) {
        if let Some(b) = self.entered.take() {
            if let Some((_, d, l)) = self.lists.iter_mut().find(|(x, _, _)| *x == b) {
                std::mem::swap(d, drafts);
                std::mem::swap(l, last);
            }
        }
        if let Some(target) = self.next.take() {
            self.active = target;
            if let Some(b) = target {
                if !self.lists.iter().any(|(x, _, _)| *x == b) {
                    self.lists.push((b, Vec::new(), None));
                }
            }
        }
    }

    /// Ends the rule: the header lists in order of first use.
    pub fn finish(self) -> Vec<(PktBuf, Vec<D>)> {
        self.lists.into_iter().map(|(b, d, _)| (b, d)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    #[test]
    fn lists_switch_and_resume() {
        let mut bl: BufferLists<u32> = BufferLists::default();
        // The compiler's own (flat) list.
        let mut drafts = vec![1];
        let mut last = Some(0);
        // Option `tcp.hdr`: nothing swapped in yet, selection at its end.
        bl.enter(&mut drafts, &mut last);
        bl.select(Some(PktBuf::Tcp));
        bl.leave(&mut drafts, &mut last);
        assert_eq!(bl.active(), Some(PktBuf::Tcp));
        // Option `content`: goes to the tcp.hdr list.
        bl.enter(&mut drafts, &mut last);
        assert!(drafts.is_empty() && last.is_none());
        drafts.push(10);
        last = Some(0);
        bl.leave(&mut drafts, &mut last);
        assert_eq!((drafts.clone(), last), (vec![1], Some(0)));
        // `ipv4.hdr; content`, then `tcp.hdr` again continues its list.
        for (sel, v) in [(PktBuf::Ipv4, 20), (PktBuf::Tcp, 11)] {
            bl.enter(&mut drafts, &mut last);
            bl.select(Some(sel));
            bl.leave(&mut drafts, &mut last);
            bl.enter(&mut drafts, &mut last);
            drafts.push(v);
            bl.leave(&mut drafts, &mut last);
        }
        // `pkt_data`: back to the flat list.
        bl.enter(&mut drafts, &mut last);
        bl.select(None);
        bl.leave(&mut drafts, &mut last);
        bl.enter(&mut drafts, &mut last);
        drafts.push(2);
        bl.leave(&mut drafts, &mut last);
        assert_eq!(drafts, vec![1, 2]);
        // A buffer selected without keywords still shows up (as empty).
        bl.select(Some(PktBuf::Udp));
        bl.leave(&mut drafts, &mut last);
        assert_eq!(
            bl.finish(),
            vec![
                (PktBuf::Tcp, vec![10, 11]),
                (PktBuf::Ipv4, vec![20]),
                (PktBuf::Udp, vec![]),
            ]
        );
    }

    #[test]
    fn buffers_exist_only_with_their_layer() {
        let mut p = PacketView::new(
            IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)),
            IpAddr::V4(Ipv4Addr::new(5, 6, 7, 8)),
            ipproto::TCP,
            b"",
        );
        assert_eq!(PktBuf::Tcp.bytes(&p), None);
        p.headers.ip = &[0x45; 20];
        p.headers.tcp = &[0; 20];
        assert_eq!(PktBuf::Ipv4.bytes(&p).map(<[u8]>::len), Some(20));
        assert_eq!(PktBuf::Ipv6.bytes(&p), None);
        assert_eq!(PktBuf::Tcp.bytes(&p).map(<[u8]>::len), Some(20));
        assert_eq!(PktBuf::Udp.bytes(&p), None);
        let mut p6 = PacketView::new(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            ipproto::ICMPV6,
            b"",
        );
        p6.headers.ip = &[0x60; 48];
        p6.headers.icmp = &[0; 8];
        assert_eq!(PktBuf::Ipv6.bytes(&p6).map(<[u8]>::len), Some(48));
        assert_eq!(PktBuf::Icmpv6.bytes(&p6).map(<[u8]>::len), Some(8));
        assert_eq!(PktBuf::Icmpv4.bytes(&p6), None);
    }

    #[test]
    fn transport_buffers_need_a_fitting_rule_protocol() {
        assert!(PktBuf::Tcp.allowed_by(Proto::Any));
        assert!(PktBuf::Tcp.allowed_by(Proto::Tcp { pkt_only: true }));
        assert!(!PktBuf::Tcp.allowed_by(Proto::Udp { pkt_only: false }));
        assert!(PktBuf::Icmpv4.allowed_by(Proto::Icmp));
        assert!(!PktBuf::Icmpv4.allowed_by(Proto::Icmp6));
        assert!(PktBuf::Ipv6.allowed_by(Proto::Udp { pkt_only: false }));
    }
}
