//! `app-layer-event:<proto>.<event>`: matches a transaction on which the
//! protocol parser raised the named anomaly (`dns.z_flag_set`,
//! `http.request_chunk_extension`, …).
//!
//! Suricata inspects a transaction's events in both directions, so the
//! check is side-less (the engine inspects a one-direction transaction,
//! a DNS message, only from its own side). TLS anomalies belong to the flow's single
//! TLS transaction, as in Suricata. Generic `applayer_*` events belong to
//! packets: the compiler makes them packet checks
//! (`crate::applayer_events`) before this parser sees them.

use crate::buffer::AppProto;
use crate::keyword::KwError;
use crate::txview::TxView;

/// A compiled `app-layer-event` keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEvent {
    proto: AppProto,
    /// Event name without the protocol prefix (`z_flag_set`).
    name: String,
    negated: bool,
}

impl AppEvent {
    /// Parses the keyword value (`dns.z_flag_set`, `!http.request_body_unexpected`).
    pub fn parse(value: &str) -> Result<AppEvent, KwError> {
        let v = value.trim().trim_matches('"').trim();
        let (negated, v) = match v.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, v),
        };
        let (proto, name) = v.split_once('.').ok_or_else(|| {
            KwError::unsupported(format!(
                "app-layer-event {v:?}: generic app-layer events are not raised per transaction"
            ))
        })?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(KwError::invalid(format!("invalid app-layer-event {v:?}")));
        }
        let proto = AppProto::from_name(&proto.to_ascii_lowercase()).ok_or_else(|| {
            KwError::unsupported(format!(
                "app-layer-event {v:?}: protocol {proto} is not parsed"
            ))
        })?;
        Ok(AppEvent {
            proto,
            name: name.to_ascii_lowercase(),
            negated,
        })
    }

    /// The protocol the event belongs to (and implies for the rule).
    pub fn proto(&self) -> AppProto {
        self.proto
    }

    /// Whether `tx` carries the event (inverted when negated).
    pub fn eval(&self, tx: &dyn TxView) -> bool {
        let mut events = Vec::new();
        tx.app_events(&mut events);
        let prefix = self.proto.name();
        let found = events.iter().any(|e| {
            let bare = e
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('.'))
                .unwrap_or(e);
            bare.eq_ignore_ascii_case(&self.name)
        });
        found != self.negated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::Buffer;

    struct Tx(Vec<&'static str>);

    impl TxView for Tx {
        fn app_proto(&self) -> AppProto {
            AppProto::Dns
        }
        fn tx_id(&self) -> u64 {
            0
        }
        fn buffer<'a>(&'a self, _: Buffer, _: bool, _: &mut Vec<&'a [u8]>) {}
        fn side_complete(&self, _: bool) -> bool {
            true
        }
        fn app_events(&self, out: &mut Vec<&'static str>) {
            out.extend_from_slice(&self.0);
        }
    }

    #[test]
    fn matches_with_or_without_prefix() {
        let prefixed = Tx(vec!["dns.z_flag_set"]);
        let bare = Tx(vec!["request_chunk_extension"]);
        let none = Tx(Vec::new());
        let z = AppEvent::parse("dns.z_flag_set").expect("valid");
        assert_eq!(z.proto(), AppProto::Dns);
        assert!(z.eval(&prefixed));
        assert!(!z.eval(&none));
        let chunk = AppEvent::parse("http.request_chunk_extension").expect("valid");
        assert!(chunk.eval(&bare));
        assert!(!chunk.eval(&prefixed));
        let not_z = AppEvent::parse("!dns.z_flag_set").expect("valid");
        assert!(!not_z.eval(&prefixed));
        assert!(not_z.eval(&none));
    }

    #[test]
    fn tls_events_are_per_transaction() {
        let e = AppEvent::parse("tls.invalid_record_type").expect("valid");
        assert_eq!(e.proto(), AppProto::Tls);
        assert!(e.eval(&Tx(vec!["tls.invalid_record_type"])));
        assert!(!e.eval(&Tx(vec!["tls.invalid_handshake_message"])));
    }

    #[test]
    fn rejects_what_is_not_per_transaction() {
        assert!(matches!(
            AppEvent::parse("applayer_mismatch_protocol_both_directions"),
            Err(KwError::Unsupported(_))
        ));
        assert!(matches!(
            AppEvent::parse("smtp.invalid_reply"),
            Err(KwError::Unsupported(_))
        ));
        assert!(matches!(
            AppEvent::parse("dns.bad name"),
            Err(KwError::Invalid(_))
        ));
    }
}
