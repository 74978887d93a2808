//! Suricata's legacy TLS certificate keywords, which take their pattern as
//! a value instead of working as sticky buffers: `tls.subject:"…"`,
//! `tls.issuerdn:"…"` and `tls.fingerprint:"…"` (each with `!` negation).
//!
//! Semantics follow Suricata's `detect-tls.c`: the pattern is a plain
//! substring of the server certificate's field (case-sensitive for the
//! subject and issuer, case-insensitive for the fingerprint, whose hex
//! Suricata lower-cases when parsing the rule); a negated keyword matches
//! a certificate whose field does *not* contain it; without a decoded
//! certificate neither form matches. The quotes are mandatory.

use crate::buffer::Buffer;
use crate::keyword::KwError;

/// Which certificate field a legacy keyword reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertField {
    /// `tls.subject`.
    Subject,
    /// `tls.issuerdn`.
    IssuerDn,
    /// `tls.fingerprint` (SHA-1, `aa:bb:…`).
    Fingerprint,
}

impl CertField {
    /// The field of keyword `kw`, if it is one of the legacy keywords.
    pub fn from_keyword(kw: &str) -> Option<CertField> {
        Some(match kw {
            "tls.subject" => CertField::Subject,
            "tls.issuerdn" => CertField::IssuerDn,
            "tls.fingerprint" => CertField::Fingerprint,
            _ => return None,
        })
    }

    /// The sticky buffer that exposes the same field.
    pub fn buffer(self) -> Buffer {
        match self {
            CertField::Subject => Buffer::TlsCertSubject,
            CertField::IssuerDn => Buffer::TlsCertIssuer,
            CertField::Fingerprint => Buffer::TlsCertFingerprint,
        }
    }
}

/// A compiled `tls.subject` / `tls.issuerdn` / `tls.fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertMatch {
    field: CertField,
    /// The pattern (lower-cased for the fingerprint).
    pattern: Vec<u8>,
    negated: bool,
}

impl CertMatch {
    /// Parses the value of keyword `kw` (`"CN=x"`, `!"CN=x"`).
    pub fn parse(kw: &str, field: CertField, value: &str) -> Result<CertMatch, KwError> {
        let t = value.trim();
        let (negated, rest) = match t.strip_prefix('!') {
            Some(r) => (true, r.trim_start()),
            None => (false, t),
        };
        let inner = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .ok_or_else(|| KwError::invalid(format!("{kw} needs a quoted value")))?;
        if inner.is_empty() {
            return Err(KwError::invalid(format!("{kw} needs a non-empty value")));
        }
        if inner.contains('"') {
            return Err(KwError::invalid(format!("invalid {kw} value {inner:?}")));
        }
        let pattern = match field {
            CertField::Fingerprint => {
                let ok = inner
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'*' | b' '));
                if !ok {
                    return Err(KwError::invalid(format!(
                        "invalid {kw} value {inner:?}: hex digits and colons expected"
                    )));
                }
                inner.to_ascii_lowercase().into_bytes()
            }
            _ => inner.as_bytes().to_vec(),
        };
        Ok(CertMatch {
            field,
            pattern,
            negated,
        })
    }

    /// The certificate field read.
    pub fn field(&self) -> CertField {
        self.field
    }

    /// Evaluates on the field's value (None: no certificate decoded).
    pub fn eval(&self, value: Option<&[u8]>) -> bool {
        let Some(v) = value else {
            return false;
        };
        let found = match self.field {
            CertField::Fingerprint => {
                let lower = v.to_ascii_lowercase();
                memchr::memmem::find(&lower, &self.pattern).is_some()
            }
            _ => memchr::memmem::find(v, &self.pattern).is_some(),
        };
        found != self.negated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(kw: &str, v: &str) -> CertMatch {
        let f = CertField::from_keyword(kw).expect("legacy keyword");
        CertMatch::parse(kw, f, v).expect("valid")
    }

    #[test]
    fn substring_and_negation() {
        let subject: &[u8] = b"C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS";
        assert!(m("tls.subject", "\"CN=SELKS\"").eval(Some(subject)));
        assert!(m("tls.subject", "\"O=Stamus, CN\"").eval(Some(subject)));
        assert!(!m("tls.subject", "\"cn=selks\"").eval(Some(subject)));
        assert!(!m("tls.subject", "!\"CN=SELKS\"").eval(Some(subject)));
        assert!(m("tls.issuerdn", "! \"CN=Other\"").eval(Some(subject)));
        // No certificate: neither form matches.
        assert!(!m("tls.subject", "!\"CN=Other\"").eval(None));
        assert!(!m("tls.subject", "\"CN=SELKS\"").eval(None));
    }

    #[test]
    fn fingerprint_ignores_case() {
        let fp: &[u8] = b"90:86:a4:3b:f5:cf";
        assert!(m("tls.fingerprint", "\"90:86:A4:3B:f5:cf\"").eval(Some(fp)));
        assert!(!m("tls.fingerprint", "\"90:86:A4:3B:F5:CE\"").eval(Some(fp)));
        assert_eq!(
            m("tls.fingerprint", "\"AB\"").field().buffer(),
            Buffer::TlsCertFingerprint
        );
    }

    #[test]
    fn quotes_are_mandatory() {
        for (kw, v) in [
            ("tls.subject", "CN=x"),
            ("tls.subject", "\"\""),
            ("tls.issuerdn", "\"a\"b\""),
            ("tls.fingerprint", "\"zz:01\""),
        ] {
            let f = CertField::from_keyword(kw).expect("legacy keyword");
            assert!(CertMatch::parse(kw, f, v).is_err(), "{kw}:{v}");
        }
        assert!(CertField::from_keyword("tls.sni").is_none());
    }
}
