//! Suricata's generic application-layer events (`applayer_*`), raised by
//! protocol detection rather than by a protocol parser, for
//! `app-layer-event:applayer_mismatch_protocol_both_directions`.
//!
//! Suricata records these on the packet whose data triggered them (its
//! `p->app_layer_events`), so the keyword is a packet check here too; the
//! per-protocol events (`dns.z_flag_set`) stay transaction checks
//! (`crate::appevent`). As with decoder events, a rule naming an event
//! Sigil never raises is rejected instead of loading and never matching.

/// One generic app-layer event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppLayerEvent(u8);

/// (Suricata name, raised by Sigil).
const EVENTS: &[(&str, bool)] = &[
    ("applayer_mismatch_protocol_both_directions", true),
    ("applayer_wrong_direction_first_data", true),
    ("applayer_detect_protocol_only_one_direction", true),
    ("applayer_proto_detection_skipped", true),
    ("applayer_no_tls_after_starttls", true),
    ("applayer_unexpected_protocol", true),
];

/// Why a name is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppLayerEventError {
    /// Suricata has no generic event of that name.
    Unknown,
    /// Suricata raises it, Sigil does not (yet).
    NotRaised,
}

impl AppLayerEvent {
    /// Detection found different protocols in the two directions.
    pub const MISMATCH_PROTOCOL_BOTH_DIRECTIONS: AppLayerEvent = AppLayerEvent(0);
    /// A protocol that must hear the client first was found in the
    /// server's data, sent before any client data.
    pub const WRONG_DIRECTION_FIRST_DATA: AppLayerEvent = AppLayerEvent(1);
    /// Only one direction's data could be identified.
    pub const DETECT_PROTOCOL_ONLY_ONE_DIRECTION: AppLayerEvent = AppLayerEvent(2);
    /// Detection gave up on a one-sided flow after too much data.
    pub const PROTO_DETECTION_SKIPPED: AppLayerEvent = AppLayerEvent(3);
    /// STARTTLS was accepted but what followed is not TLS.
    pub const NO_TLS_AFTER_STARTTLS: AppLayerEvent = AppLayerEvent(4);
    /// After a protocol change, detection found another protocol than
    /// the one expected.
    pub const UNEXPECTED_PROTOCOL: AppLayerEvent = AppLayerEvent(5);

    /// True for names of the generic family (no protocol prefix), which
    /// Suricata matches on the packet.
    pub fn is_generic(name: &str) -> bool {
        let bare = name.trim().trim_matches('"').trim_start_matches('!').trim();
        bare.to_ascii_lowercase().starts_with("applayer_")
    }

    /// The event called `name` (case-insensitive).
    pub fn from_name(name: &str) -> Result<AppLayerEvent, AppLayerEventError> {
        let name = name.trim();
        let i = EVENTS
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
            .ok_or(AppLayerEventError::Unknown)?;
        match EVENTS.get(i) {
            Some((_, true)) => Ok(AppLayerEvent(i as u8)),
            _ => Err(AppLayerEventError::NotRaised),
        }
    }

    /// Suricata's name.
    pub fn name(self) -> &'static str {
        EVENTS.get(usize::from(self.0)).map_or("", |(n, _)| n)
    }
}

/// The generic app-layer events of one packet (a bit set, `Copy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppLayerEvents(u8);

impl AppLayerEvents {
    /// Records `ev`.
    pub fn insert(&mut self, ev: AppLayerEvent) {
        self.0 |= 1 << ev.0;
    }

    /// True when `ev` was recorded.
    pub fn contains(self, ev: AppLayerEvent) -> bool {
        self.0 & (1 << ev.0) != 0
    }

    /// True when nothing was recorded.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The recorded events.
    pub fn iter(self) -> impl Iterator<Item = AppLayerEvent> {
        (0..EVENTS.len() as u8)
            .map(AppLayerEvent)
            .filter(move |e| self.contains(*e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_and_unknown_ones_are_refused() {
        let e = AppLayerEvent::from_name("APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS").unwrap();
        assert_eq!(e, AppLayerEvent::MISMATCH_PROTOCOL_BOTH_DIRECTIONS);
        assert_eq!(e.name(), "applayer_mismatch_protocol_both_directions");
        assert_eq!(
            AppLayerEvent::from_name("applayer_proto_detection_skipped"),
            Ok(AppLayerEvent::PROTO_DETECTION_SKIPPED)
        );
        assert_eq!(
            AppLayerEvent::from_name("applayer_no_tls_after_starttls"),
            Ok(AppLayerEvent::NO_TLS_AFTER_STARTTLS)
        );
        assert_eq!(
            AppLayerEvent::NO_TLS_AFTER_STARTTLS.name(),
            "applayer_no_tls_after_starttls"
        );
        assert_eq!(
            AppLayerEvent::UNEXPECTED_PROTOCOL.name(),
            "applayer_unexpected_protocol"
        );
        assert_eq!(
            AppLayerEvent::from_name("applayer_bogus"),
            Err(AppLayerEventError::Unknown)
        );
        assert!(AppLayerEvent::is_generic("applayer_bogus"));
        assert!(!AppLayerEvent::is_generic("dns.z_flag_set"));
        assert!(EVENTS.len() <= 8, "the set is one byte");
    }

    #[test]
    fn set_records_events() {
        let mut s = AppLayerEvents::default();
        assert!(s.is_empty());
        s.insert(AppLayerEvent::MISMATCH_PROTOCOL_BOTH_DIRECTIONS);
        assert!(s.contains(AppLayerEvent::MISMATCH_PROTOCOL_BOTH_DIRECTIONS));
        assert_eq!(s.iter().count(), 1);
    }
}
