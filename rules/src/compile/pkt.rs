//! Compiling the packet-level keywords of `crate::pktbuf` and
//! `crate::pktkw`: header sticky buffers (`ipv4.hdr` … `icmpv6.hdr`),
//! `vlan.id`, `vlan.layers`, the checksum keywords and `decode-event`.
//!
//! Suricata semantics followed here:
//! - a header sticky buffer sends every later payload keyword to its
//!   buffer until the next sticky buffer (of any kind) or `pkt_data`;
//!   selecting it again continues the same list;
//! - legacy content modifiers (`http_uri`), `uricontent` and pcre buffer
//!   flags are errors while a header buffer is selected;
//! - `tcp.hdr`, `udp.hdr`, `icmpv4.hdr` and `icmpv6.hdr` need a rule
//!   protocol that can carry that header, and every selected buffer needs a
//!   keyword;
//! - header buffers make the rule a packet rule (never matched on
//!   reassembled stream data).

use super::*;
use crate::applayer::StreamMode;
use crate::buffer::Buffer;
use crate::pktbuf::{BufferLists, PktBuf, PktParts};
use crate::pktkw::{is_pkt_keyword, PktCheck};

/// Packet-keyword compile state of one rule.
#[derive(Default)]
pub(super) struct PktState {
    lists: BufferLists<Draft>,
    checks: Vec<PktCheck>,
}

impl Compiler<'_> {
    /// Before option `o`: while a header buffer is selected, swaps its list
    /// in. Fails for keywords that would move content to an app-layer
    /// buffer.
    pub(super) fn pkt_enter(&mut self, o: &RuleOption) -> Result<(), KwError> {
        let kw = o.keyword.as_str();
        if let Some(b) = self.pkt.lists.active() {
            if Buffer::from_modifier(kw).is_some() || kw == "uricontent" {
                return Err(KwError::invalid(format!(
                    "\"{kw}\" keyword seen with sticky buffer {} still set; reset the sticky \
                     buffer with pkt_data first",
                    b.name()
                )));
            }
        }
        self.pkt
            .lists
            .enter(&mut self.drafts, &mut self.last_content);
        Ok(())
    }

    /// After option `o`: swaps the compiler's own list back. Another kind
    /// of sticky buffer, or `pkt_data`, ends the header buffer.
    pub(super) fn pkt_leave(&mut self, o: &RuleOption) {
        let kw = o.keyword.as_str();
        if kw == "pkt_data" || Buffer::from_sticky(kw).is_some() {
            self.pkt.lists.select(None);
        }
        self.pkt
            .lists
            .leave(&mut self.drafts, &mut self.last_content);
    }

    /// Packet keyword `o`; None when it is not one.
    pub(super) fn pkt_keyword(&mut self, o: &RuleOption) -> Option<Result<(), KwError>> {
        let kw = o.keyword.as_str();
        let value = o.value.as_deref();
        if let Some(b) = PktBuf::from_sticky(kw) {
            if value.is_some() {
                return Some(Err(KwError::invalid(format!("{kw} takes no value"))));
            }
            self.pkt.lists.select(Some(b));
            return Some(Ok(()));
        }
        // The generic `applayer_*` events are packet events; the compiler
        // sent `app-layer-event` here only for those.
        if is_pkt_keyword(kw) || kw == "app-layer-event" {
            return Some(PktCheck::parse(kw, value).map(|c| self.pkt.checks.push(c)));
        }
        // Suricata 8's names of `flags`, `seq`, `ack` and `window` (the
        // short forms are their aliases).
        let short = match kw {
            "tcp.flags" => "flags",
            "tcp.seq" => "seq",
            "tcp.ack" => "ack",
            "tcp.window" => "window",
            _ => return None,
        };
        Some(Check::parse(short, value).map(|c| self.checks.push(c)))
    }

    /// At the end of the rule: the header buffer lists, after Suricata's
    /// setup checks (pushed as issues).
    pub(super) fn pkt_lists(
        &mut self,
        rule: &ast::Rule,
        header: Option<&Header>,
    ) -> Vec<(PktBuf, Vec<Draft>)> {
        let lists = std::mem::take(&mut self.pkt.lists).finish();
        for (b, drafts) in &lists {
            let Some(o) = rule.options.iter().find(|o| o.keyword == b.name()) else {
                continue;
            };
            let mut bad = |reason: String| {
                self.issues.push(CompileIssue {
                    kind: IssueKind::Invalid,
                    keyword: o.keyword.clone(),
                    reason,
                    span: o.keyword_span,
                })
            };
            if header.is_some_and(|h| !b.allowed_by(h.proto)) {
                bad(format!(
                    "{} cannot be used with protocol {}",
                    b.name(),
                    rule.protocol
                ));
            }
            if drafts.is_empty() {
                bad(format!(
                    "sticky buffer {} is not followed by any keyword",
                    b.name()
                ));
            }
            if drafts
                .iter()
                .any(|d| matches!(d, Draft::Pcre(p) if p.buffer.is_some()))
            {
                bad(format!(
                    "pcre with an http buffer flag seen with sticky buffer {} still set",
                    b.name()
                ));
            }
        }
        lists
    }

    /// Builds the packet part of the rule and makes rules that need single
    /// packets packet rules.
    pub(super) fn pkt_finish(
        &mut self,
        lists: Vec<(PktBuf, Vec<Draft>)>,
        parts: &mut app::Parts,
    ) -> PktParts {
        let nvars = self.vars.len();
        let pkt = PktParts {
            buffers: lists
                .into_iter()
                .map(|(b, d)| (b, build_program(d, nvars)))
                .collect(),
            checks: std::mem::take(&mut self.pkt.checks),
        };
        if pkt.packet_only() {
            parts.packet_only = true;
            parts.app.stream = StreamMode::Packet;
        }
        pkt
    }
}
