//! Suricata's decoder and stream event names, for `decode-event:<name>`
//! and `stream-event:<name>`.
//!
//! The table lists every decoder event Suricata 8 defines (its
//! `decode-events.c`, without the `decoder.` prefix), then its stream
//! events (with their `stream.` prefix, as Suricata names them), so that a rule naming
//! a real event is told apart from a typo, and marks the ones Sigil's
//! decoder raises. A rule on an event Sigil never raises is rejected as
//! unsupported instead of loading and silently never matching. The engine
//! maps its own events onto this table by name (and its tests check that
//! every event it raises is marked here, and the other way round).

use std::fmt;

/// (Suricata name, raised by Sigil's decoder).
const EVENTS: &[(&str, bool)] = &[
    ("ipv4.pkt_too_small", true),
    ("ipv4.hlen_too_small", true),
    ("ipv4.iplen_smaller_than_hlen", true),
    ("ipv4.trunc_pkt", true),
    ("ipv4.opt_invalid", false),
    ("ipv4.opt_invalid_len", true),
    ("ipv4.opt_malformed", false),
    ("ipv4.opt_pad_required", false),
    ("ipv4.opt_eol_required", false),
    ("ipv4.opt_duplicate", false),
    ("ipv4.opt_unknown", false),
    ("ipv4.wrong_ip_version", true),
    ("ipv4.icmpv6", true),
    ("icmpv4.pkt_too_small", true),
    ("icmpv4.unknown_type", false),
    ("icmpv4.unknown_code", false),
    ("icmpv4.ipv4_trunc_pkt", false),
    ("icmpv4.ipv4_unknown_ver", false),
    ("icmpv6.unknown_type", false),
    ("icmpv6.unknown_code", false),
    ("icmpv6.pkt_too_small", true),
    ("icmpv6.ipv6_unknown_version", false),
    ("icmpv6.ipv6_trunc_pkt", false),
    ("icmpv6.mld_message_with_invalid_hl", false),
    ("icmpv6.unassigned_type", false),
    ("icmpv6.experimentation_type", false),
    ("ipv6.pkt_too_small", true),
    ("ipv6.trunc_pkt", true),
    ("ipv6.trunc_exthdr", true),
    ("ipv6.exthdr_dupl_fh", true),
    ("ipv6.exthdr_useless_fh", true),
    ("ipv6.exthdr_dupl_rh", true),
    ("ipv6.exthdr_dupl_hh", true),
    ("ipv6.exthdr_dupl_dh", true),
    ("ipv6.exthdr_dupl_ah", true),
    ("ipv6.exthdr_dupl_eh", false),
    ("ipv6.exthdr_invalid_optlen", true),
    ("ipv6.wrong_ip_version", true),
    ("ipv6.exthdr_ah_res_not_null", true),
    ("ipv6.hopopts_unknown_opt", true),
    ("ipv6.hopopts_only_padding", true),
    ("ipv6.dstopts_unknown_opt", true),
    ("ipv6.dstopts_only_padding", true),
    ("ipv6.rh_type_0", true),
    ("ipv6.zero_len_padn", true),
    ("ipv6.fh_non_zero_reserved_field", true),
    ("ipv6.data_after_none_header", true),
    ("ipv6.unknown_next_header", true),
    ("ipv6.icmpv4", true),
    ("tcp.pkt_too_small", true),
    ("tcp.hlen_too_small", true),
    ("tcp.invalid_optlen", true),
    ("tcp.opt_invalid_len", true),
    ("tcp.opt_duplicate", false),
    ("udp.pkt_too_small", true),
    ("udp.hlen_too_small", true),
    ("udp.hlen_invalid", true),
    ("sll.pkt_too_small", true),
    ("sll2.pkt_too_small", true),
    ("ethernet.pkt_too_small", true),
    ("ppp.pkt_too_small", true),
    ("ppp.vju_pkt_too_small", true),
    ("ppp.ip4_pkt_too_small", true),
    ("ppp.ip6_pkt_too_small", true),
    ("ppp.wrong_type", true),
    ("ppp.unsup_proto", true),
    ("pppoe.pkt_too_small", true),
    ("pppoe.wrong_code", true),
    ("pppoe.malformed_tags", true),
    ("gre.pkt_too_small", true),
    ("gre.wrong_version", true),
    ("gre.version0_recur", true),
    ("gre.version0_flags", true),
    ("gre.version0_hdr_too_big", true),
    ("gre.version0_malformed_sre_hdr", true),
    ("gre.version1_chksum", true),
    ("gre.version1_route", true),
    ("gre.version1_ssr", true),
    ("gre.version1_recur", true),
    ("gre.version1_flags", true),
    ("gre.version1_no_key", true),
    ("gre.version1_wrong_protocol", true),
    ("gre.version1_malformed_sre_hdr", false),
    ("gre.version1_hdr_too_big", true),
    ("vlan.header_too_small", true),
    ("vlan.unknown_type", false),
    ("vlan.too_many_layers", true),
    ("ieee8021ah.header_too_small", false),
    ("vntag.header_too_small", false),
    ("vntag.unknown_type", false),
    ("ipraw.invalid_ip_version", true),
    ("ltnull.pkt_too_small", true),
    ("ltnull.unsupported_type", true),
    ("sctp.pkt_too_small", false),
    ("esp.pkt_too_small", false),
    ("ipv4.frag_pkt_too_large", true),
    ("ipv6.frag_pkt_too_large", true),
    ("ipv4.frag_overlap", true),
    ("ipv6.frag_overlap", true),
    ("ipv6.frag_invalid_length", true),
    ("ipv4.frag_ignored", true),
    ("ipv6.frag_ignored", true),
    ("ipv6.ipv4_in_ipv6_too_small", true),
    ("ipv6.ipv4_in_ipv6_wrong_version", true),
    ("ipv6.ipv6_in_ipv6_too_small", true),
    ("ipv6.ipv6_in_ipv6_wrong_version", true),
    ("mpls.header_too_small", false),
    ("mpls.pkt_too_small", false),
    ("mpls.bad_label_router_alert", false),
    ("mpls.bad_label_implicit_null", false),
    ("mpls.bad_label_reserved", false),
    ("mpls.unknown_payload_type", false),
    ("vxlan.unknown_payload_type", true),
    ("geneve.unknown_payload_type", true),
    ("erspan.header_too_small", true),
    ("erspan.unsupported_version", true),
    ("erspan.too_many_vlan_layers", true),
    ("dce.pkt_too_small", false),
    ("chdlc.pkt_too_small", false),
    ("nsh.header_too_small", false),
    ("nsh.unsupported_version", false),
    ("nsh.bad_header_length", false),
    ("nsh.reserved_type", false),
    ("nsh.unsupported_type", false),
    ("nsh.unknown_payload", false),
    ("too_many_layers", true),
    // Stream engine events (`stream-event:NAME` or `decode-event:stream.NAME`),
    // raised by the session tracker and reassembly in the engine's stream module.
    ("stream.3whs_ack_data_inject", false),
    ("stream.3whs_ack_in_wrong_dir", true),
    ("stream.3whs_async_wrong_seq", true),
    ("stream.3whs_right_seq_wrong_ack_evasion", true),
    ("stream.3whs_syn_flood", false),
    ("stream.3whs_syn_resend_diff_seq_on_syn_recv", true),
    ("stream.3whs_syn_toclient_on_syn_recv", true),
    ("stream.3whs_synack_flood", false),
    ("stream.3whs_synack_in_wrong_direction", true),
    ("stream.3whs_synack_resend_with_diff_ack", true),
    ("stream.3whs_synack_resend_with_diff_seq", true),
    ("stream.3whs_synack_tfo_data_ignored", false),
    ("stream.3whs_synack_toserver_on_syn_recv", true),
    ("stream.3whs_synack_with_wrong_ack", true),
    ("stream.3whs_wrong_seq_wrong_ack", true),
    ("stream.4whs_invalid_ack", false),
    ("stream.4whs_synack_with_wrong_ack", false),
    ("stream.4whs_synack_with_wrong_syn", false),
    ("stream.4whs_wrong_seq", false),
    ("stream.closewait_ack_out_of_window", false),
    ("stream.closewait_fin_out_of_window", false),
    ("stream.closewait_invalid_ack", false),
    ("stream.closewait_pkt_before_last_ack", false),
    ("stream.closing_ack_wrong_seq", false),
    ("stream.closing_invalid_ack", false),
    ("stream.est_ack_zwp_data", false),
    ("stream.est_invalid_ack", false),
    ("stream.est_packet_out_of_window", true),
    ("stream.est_pkt_before_last_ack", false),
    ("stream.est_syn_resend", true),
    ("stream.est_syn_resend_diff_seq", true),
    ("stream.est_syn_toclient", true),
    ("stream.est_synack_resend", true),
    ("stream.est_synack_resend_with_diff_ack", true),
    ("stream.est_synack_resend_with_diff_seq", true),
    ("stream.est_synack_toserver", true),
    ("stream.fin1_ack_wrong_seq", false),
    ("stream.fin1_fin_wrong_seq", false),
    ("stream.fin1_invalid_ack", false),
    ("stream.fin2_ack_wrong_seq", false),
    ("stream.fin2_fin_wrong_seq", false),
    ("stream.fin2_invalid_ack", false),
    ("stream.fin_but_no_session", true),
    ("stream.fin_invalid_ack", false),
    ("stream.fin_out_of_window", false),
    ("stream.fin_syn", false),
    ("stream.lastack_ack_wrong_seq", false),
    ("stream.lastack_invalid_ack", false),
    ("stream.pkt_bad_window_update", false),
    ("stream.pkt_broken_ack", true),
    ("stream.pkt_invalid_ack", false),
    ("stream.pkt_invalid_timestamp", true),
    ("stream.pkt_retransmission", true),
    ("stream.pkt_spurious_retransmission", false),
    ("stream.reassembly_depth_reached", true),
    ("stream.reassembly_insert_invalid", false),
    ("stream.reassembly_insert_limit", true),
    ("stream.reassembly_insert_memcap", true),
    ("stream.reassembly_no_segment", false),
    ("stream.reassembly_overlap_different_data", true),
    ("stream.reassembly_segment_before_base_seq", true),
    ("stream.reassembly_seq_gap", true),
    ("stream.reassembly_urgent_oob_limit_reached", false),
    ("stream.rst_but_no_session", true),
    ("stream.rst_invalid_ack", false),
    ("stream.rst_with_data", false),
    ("stream.shutdown_syn_resend", false),
    ("stream.suspected_rst_inject", true),
    ("stream.timewait_ack_wrong_seq", false),
    ("stream.timewait_invalid_ack", false),
    ("stream.wrong_thread", false),
];

/// One entry of Suricata's decoder event table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecoderEvent(u16);

impl DecoderEvent {
    /// The event called `name` (`ipv4.trunc_pkt`, case-insensitive like
    /// Suricata's lookup), if Suricata defines it.
    pub fn from_name(name: &str) -> Option<DecoderEvent> {
        EVENTS
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|i| u16::try_from(i).ok())
            .map(DecoderEvent)
    }

    /// Suricata's name, without the `decoder.` prefix.
    pub fn name(self) -> &'static str {
        EVENTS.get(self.index()).map_or("", |(n, _)| n)
    }

    /// True when Sigil's decoder can raise this event.
    pub fn raised_by_sigil(self) -> bool {
        EVENTS.get(self.index()).is_some_and(|(_, r)| *r)
    }

    /// Position in the table (stable for one build).
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every event of the table, in table order.
    pub fn all() -> impl Iterator<Item = DecoderEvent> {
        (0..EVENTS.len())
            .filter_map(|i| u16::try_from(i).ok())
            .map(DecoderEvent)
    }
}

impl fmt::Display for DecoderEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for e in DecoderEvent::all() {
            assert!(seen.insert(e.name()), "duplicate {}", e.name());
            assert_eq!(DecoderEvent::from_name(e.name()), Some(e));
        }
        // The set type has room for the whole table.
        assert!(EVENTS.len() <= 256);
    }

    #[test]
    fn lookup_is_case_insensitive_and_rejects_typos() {
        let e = DecoderEvent::from_name("IPv4.trunc_pkt").unwrap();
        assert_eq!(e.name(), "ipv4.trunc_pkt");
        assert!(e.raised_by_sigil());
        let gre = DecoderEvent::from_name("gre.pkt_too_small").unwrap();
        assert!(gre.raised_by_sigil());
        let mpls = DecoderEvent::from_name("mpls.pkt_too_small").unwrap();
        assert!(!mpls.raised_by_sigil());
        assert_eq!(DecoderEvent::from_name("ipv4.trunc_pk"), None);
        // Suricata prepends the prefix itself: spelling it out is an error.
        assert_eq!(DecoderEvent::from_name("decoder.ipv4.trunc_pkt"), None);
        assert_eq!(DecoderEvent::from_name("pkt_invalid_timestamp"), None);
        let ts = DecoderEvent::from_name("stream.pkt_invalid_timestamp").unwrap();
        assert!(ts.raised_by_sigil());
        let ack = DecoderEvent::from_name("stream.pkt_invalid_ack").unwrap();
        assert!(!ack.raised_by_sigil());
    }
}
