//! X.509 certificate fields as Suricata extracts and prints them.
//!
//! Suricata decodes the first certificate of the server's chain with
//! `x509-parser` and keeps: the subject and issuer as `X509Name`'s
//! `Display` (`C=US, O=Let's Encrypt, CN=R3`), the serial as upper-case
//! colon-separated hex of its raw bytes (`03:DE:…`, a one-byte serial is
//! just `55`), the SHA-1 of the DER as lower-case colon-separated hex, the
//! subject alternative names and the validity bounds. Using the same crate
//! gives byte-identical strings for the `tls.cert_*` buffers and EVE.

use sha1::{Digest, Sha1};
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::nom;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Subject alternative names kept per certificate; real certificates stay
/// far below, hostile ones could carry thousands.
const MAX_SANS: usize = 1024;

/// The fields of one decoded certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, `AB:CD:…`.
    pub serial: String,
    /// SHA-1 of the DER, `aa:bb:…`.
    pub fingerprint: String,
    /// Subject alternative names in certificate order.
    pub sans: Vec<String>,
    /// notBefore, seconds since the epoch.
    pub not_before: i64,
    /// notAfter, seconds since the epoch.
    pub not_after: i64,
}

/// Decodes a DER certificate; the error is the Suricata event name for the
/// failure (`tls.certificate_invalid_der`, …).
pub fn decode(der: &[u8]) -> Result<CertInfo, &'static str> {
    let (_, cert) = X509Certificate::from_der(der).map_err(event_for)?;
    let tbs = &cert.tbs_certificate;
    let validity = cert.validity();
    Ok(CertInfo {
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial: hex_upper_colon(tbs.raw_serial()),
        fingerprint: sha1_fingerprint(der),
        sans: subject_alt_names(&cert),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
    })
}

/// The event Suricata raises for an x509 decoding error (its
/// `X509DecodeError` mapping).
fn event_for(e: nom::Err<X509Error>) -> &'static str {
    match e {
        nom::Err::Incomplete(_) => "tls.certificate_invalid_length",
        nom::Err::Error(e) | nom::Err::Failure(e) => match e {
            X509Error::InvalidVersion => "tls.certificate_invalid_version",
            X509Error::InvalidSerial => "tls.certificate_invalid_serial",
            X509Error::InvalidAlgorithmIdentifier => "tls.certificate_invalid_algorithmidentifier",
            X509Error::InvalidX509Name => "tls.certificate_invalid_x509name",
            X509Error::InvalidDate => "tls.certificate_invalid_date",
            X509Error::InvalidExtensions => "tls.certificate_invalid_extensions",
            X509Error::Der(_) => "tls.certificate_invalid_der",
            _ => "tls.invalid_certificate",
        },
    }
}

/// DNS names as written, IP addresses in their usual text form, the rest
/// as x509-parser prints them.
fn subject_alt_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .take(MAX_SANS)
        .map(|gn| match gn {
            GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                (*s).to_string()
            }
            GeneralName::IPAddress(b) => ip_text(b),
            other => other.to_string(),
        })
        .collect()
}

fn ip_text(b: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        hex_upper_colon(b)
    }
}

/// SHA-1 of `der` as `aa:bb:…` (Suricata's `tls.fingerprint`).
pub fn sha1_fingerprint(der: &[u8]) -> String {
    let digest = Sha1::digest(der);
    let parts: Vec<String> = digest.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

fn hex_upper_colon(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    parts.join(":")
}

/// `2023-01-01T00:00:00`: how Suricata prints certificate validity (UTC,
/// no zone suffix; negative values are before 1970).
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// algorithm), valid for every `i64` day count an `ASN1Time` can produce.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // d is in 1..=31 and m in 1..=12 by construction.
    (y, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_like_suricata() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(format_timestamp(-86_400), "1969-12-31T00:00:00");
        assert_eq!(format_timestamp(2_177_367_003), "2038-12-31T00:10:03");
        assert_eq!(format_timestamp(1_669_877_251), "2022-12-01T06:47:31");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29T00:00:00");
    }

    #[test]
    fn fingerprint_is_lowercase_colon_hex() {
        // SHA-1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d
        assert_eq!(
            sha1_fingerprint(b"abc"),
            "a9:99:3e:36:47:06:81:6a:ba:3e:25:71:78:50:c2:6c:9c:d0:d8:9d"
        );
    }

    #[test]
    fn garbage_is_an_event_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30][..],
            &[0x30, 0x06, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04][..],
            &[0xff; 64][..],
        ] {
            let e = decode(bad).unwrap_err();
            assert!(e.starts_with("tls."), "{e}");
        }
    }

    #[test]
    fn ip_sans_print_as_addresses() {
        assert_eq!(ip_text(&[10, 0, 0, 1]), "10.0.0.1");
        assert_eq!(ip_text(&[0; 16]), "::");
        assert_eq!(ip_text(&[1, 2, 3]), "01:02:03");
    }
}
