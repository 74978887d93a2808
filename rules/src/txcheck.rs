//! App-layer keywords that test transaction fields rather than inspect a
//! buffer: `dns.opcode`, `dns.rcode`, `dns.rrtype`, `tls.version`,
//! `ssl_version`, `ssl_state`, `tls.cert_expired`, `tls.cert_valid`,
//! `ssh.protoversion`, `ssh.softwareversion`, `app-layer-event`, the legacy
//! `tls.subject` / `tls.issuerdn` / `tls.fingerprint`, `tls.cert_chain_len`.
//! Values come from [`TxView`]'s typed accessors.

use crate::appevent::AppEvent;
use crate::buffer::{AppProto, Buffer, Side};
use crate::filekw::FileSize;
use crate::keyword::KwError;
use crate::tlskw::{CertField, CertMatch};
use crate::txprefilter::TxScratch;
use crate::txview::{ssl_state, tls_version, TxView};
use crate::uint::{parse_uint, UintMatch};

/// One compiled tx-field keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxCheck {
    /// `dns.opcode`.
    DnsOpcode(UintMatch),
    /// `dns.rcode`.
    DnsRcode(UintMatch),
    /// `dns.rrtype`: any question record type.
    DnsRrtype(UintMatch),
    /// `tls.version`: the version equals.
    TlsVersion(u16),
    /// `ssl_version`: (version, negated) entries.
    SslVersion(Vec<(u16, bool)>),
    /// `ssl_state`: Suricata's `(flags & state) ^ mask != 0`.
    SslState { flags: u32, mask: u32 },
    /// `tls.cert_expired`.
    CertExpired,
    /// `tls.cert_valid`.
    CertValid,
    /// `ssh.protoversion`: `2_compat` or a prefix of the protocol version.
    SshProto(Vec<u8>),
    /// `ssh.softwareversion`: a prefix of the software version.
    SshSoftware(Vec<u8>),
    /// `app-layer-event:<proto>.<event>`.
    AppEvent(AppEvent),
    /// `tls.subject:"…"`, `tls.issuerdn:"…"`, `tls.fingerprint:"…"`.
    TlsCert(CertMatch),
    /// `tls.cert_chain_len`: certificates in the server's chain.
    CertChainLen(UintMatch),
    /// `filesize`.
    FileSize(FileSize),
}

/// DNS rcode names (RFC 1035/2136).
const RCODES: &[(&str, u64)] = &[
    ("noerror", 0),
    ("formerr", 1),
    ("servfail", 2),
    ("nxdomain", 3),
    ("notimp", 4),
    ("refused", 5),
    ("yxdomain", 6),
    ("yxrrset", 7),
    ("nxrrset", 8),
    ("notauth", 9),
    ("notzone", 10),
];

/// DNS record type names Suricata accepts (common subset).
const RRTYPES: &[(&str, u64)] = &[
    ("a", 1),
    ("ns", 2),
    ("cname", 5),
    ("soa", 6),
    ("ptr", 12),
    ("hinfo", 13),
    ("mx", 15),
    ("txt", 16),
    ("aaaa", 28),
    ("srv", 33),
    ("naptr", 35),
    ("ds", 43),
    ("rrsig", 46),
    ("nsec", 47),
    ("dnskey", 48),
    ("nsec3", 50),
    ("https", 65),
    ("svcb", 64),
    ("spf", 99),
    ("tkey", 249),
    ("tsig", 250),
    ("axfr", 252),
    ("any", 255),
    ("null", 10),
];

fn uint_or_name(v: &str, max: u64, names: &[(&str, u64)]) -> Result<UintMatch, KwError> {
    let t = v.trim();
    let (neg, word) = match t.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, t),
    };
    if let Some(&(_, n)) = names
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(word))
    {
        return Ok(if neg {
            UintMatch::Ne(n)
        } else {
            UintMatch::Eq(n)
        });
    }
    parse_uint(t, max).map_err(KwError::Invalid)
}

fn tls_version_name(v: &str) -> Option<u16> {
    Some(match v.trim().to_ascii_lowercase().as_str() {
        "sslv2" | "ssl2" => tls_version::SSL2,
        "sslv3" | "ssl3" => tls_version::SSL3,
        "tls1.0" | "tls1" | "1.0" => tls_version::TLS10,
        "tls1.1" | "1.1" => tls_version::TLS11,
        "tls1.2" | "1.2" => tls_version::TLS12,
        "tls1.3" | "1.3" => tls_version::TLS13,
        _ => return None,
    })
}

impl TxCheck {
    /// Parses keyword `kw`; None when it is not a tx-field keyword.
    pub fn parse(kw: &str, value: Option<&str>) -> Option<Result<TxCheck, KwError>> {
        let need = || value.ok_or_else(|| KwError::invalid(format!("{kw} needs a value")));
        let none = |c: TxCheck| match value {
            Some(_) => Err(KwError::invalid(format!("{kw} takes no value"))),
            None => Ok(c),
        };
        Some(match kw {
            "dns.opcode" => need().and_then(|v| {
                parse_uint(v, 255)
                    .map(TxCheck::DnsOpcode)
                    .map_err(KwError::Invalid)
            }),
            "dns.rcode" => need().and_then(|v| uint_or_name(v, 255, RCODES).map(TxCheck::DnsRcode)),
            "dns.rrtype" => {
                need().and_then(|v| uint_or_name(v, 65535, RRTYPES).map(TxCheck::DnsRrtype))
            }
            "tls.version" => need().and_then(parse_tls_version),
            "ssl_version" => need().and_then(parse_ssl_version),
            "ssl_state" => need().and_then(parse_ssl_state),
            "tls.cert_expired" | "tls_cert_expired" => none(TxCheck::CertExpired),
            "tls.cert_valid" | "tls_cert_valid" => none(TxCheck::CertValid),
            "ssh.protoversion" | "ssh_protoversion" => need().and_then(|v| {
                let v = v.trim().trim_matches('"');
                if v.is_empty() {
                    return Err(KwError::invalid("ssh.protoversion needs a version"));
                }
                Ok(TxCheck::SshProto(v.as_bytes().to_vec()))
            }),
            "ssh.softwareversion" | "ssh_softwareversion" => need().and_then(|v| {
                let v = v.trim().trim_matches('"');
                if v.is_empty() {
                    return Err(KwError::invalid("ssh.softwareversion needs a version"));
                }
                Ok(TxCheck::SshSoftware(v.as_bytes().to_vec()))
            }),
            "app-layer-event" => need().and_then(|v| AppEvent::parse(v).map(TxCheck::AppEvent)),
            "tls.cert_chain_len" => need().and_then(|v| {
                parse_uint(v, u64::from(u32::MAX))
                    .map(TxCheck::CertChainLen)
                    .map_err(|e| KwError::invalid(format!("tls.cert_chain_len: {e}")))
            }),
            _ => {
                let field = CertField::from_keyword(kw)?;
                need().and_then(|v| CertMatch::parse(kw, field, v).map(TxCheck::TlsCert))
            }
        })
    }

    /// The protocol the keyword belongs to (and implies for the rule).
    pub fn proto(&self) -> AppProto {
        match self {
            TxCheck::DnsOpcode(_) | TxCheck::DnsRcode(_) | TxCheck::DnsRrtype(_) => AppProto::Dns,
            TxCheck::TlsVersion(_)
            | TxCheck::SslVersion(_)
            | TxCheck::SslState { .. }
            | TxCheck::CertExpired
            | TxCheck::CertValid
            | TxCheck::TlsCert(_)
            | TxCheck::CertChainLen(_) => AppProto::Tls,
            TxCheck::SshProto(_) | TxCheck::SshSoftware(_) => AppProto::Ssh,
            TxCheck::AppEvent(e) => e.proto(),
            // Sigil extracts files from HTTP only.
            TxCheck::FileSize(_) => AppProto::Http,
        }
    }

    /// The side the keyword's value comes from.
    pub fn side(&self) -> Side {
        match self {
            TxCheck::CertExpired
            | TxCheck::CertValid
            | TxCheck::TlsCert(_)
            | TxCheck::CertChainLen(_) => Side::ToClient,
            TxCheck::FileSize(f) => match f.side {
                Some(true) => Side::ToServer,
                Some(false) => Side::ToClient,
                None => Side::Both,
            },
            _ => Side::Both,
        }
    }

    /// Evaluates the keyword on `tx` for a packet travelling `to_server`.
    pub fn eval(&self, tx: &dyn TxView, to_server: bool, st: &mut TxScratch) -> bool {
        match self {
            TxCheck::DnsOpcode(m) => tx
                .dns_opcode(to_server)
                .is_some_and(|v| m.matches(u64::from(v))),
            TxCheck::DnsRcode(m) => tx
                .dns_rcode(to_server)
                .is_some_and(|v| m.matches(u64::from(v))),
            TxCheck::DnsRrtype(m) => {
                let types = st.rrtypes();
                types.clear();
                tx.dns_rrtypes(to_server, types);
                types.iter().any(|&t| m.matches(u64::from(t)))
            }
            TxCheck::TlsVersion(want) => tx.tls_version(to_server) == Some(*want),
            TxCheck::SslVersion(entries) => {
                // Suricata (7.0.14+): a listed version matches; once any
                // entry is negated, every version not negated matches too
                // (`!tls1.3,tls1.2` matches TLS 1.0).
                let Some(v) = tx.tls_version(to_server) else {
                    return false;
                };
                let has_neg = entries.iter().any(|&(_, neg)| neg);
                let listed = |want_neg: bool| entries.iter().any(|&(e, n)| e == v && n == want_neg);
                listed(false) || (has_neg && !listed(true))
            }
            TxCheck::SslState { flags, mask } => {
                let state = match tx.tls_state() {
                    0 => ssl_state::UNKNOWN,
                    s => s,
                };
                (flags & state) ^ mask != 0
            }
            TxCheck::CertExpired => match (tx.tls_cert_validity(), tx.packet_time()) {
                (Some((_, not_after)), Some(now)) => now > not_after,
                _ => false,
            },
            TxCheck::CertValid => match (tx.tls_cert_validity(), tx.packet_time()) {
                (Some((not_before, not_after)), Some(now)) => now >= not_before && now <= not_after,
                _ => false,
            },
            TxCheck::SshProto(want) => ssh_field(tx, Buffer::SshProto, to_server, st, |v| {
                if want.as_slice() == b"2_compat" {
                    v.starts_with(b"2.") || v.starts_with(b"2_") || v == b"1.99"
                } else {
                    v.starts_with(want)
                }
            }),
            TxCheck::SshSoftware(want) => ssh_field(tx, Buffer::SshSoftware, to_server, st, |v| {
                v.starts_with(want)
            }),
            TxCheck::AppEvent(e) => e.eval(tx),
            TxCheck::TlsCert(m) => {
                let mut vals = st.lend();
                tx.buffer(m.field().buffer(), false, &mut vals);
                let ok = m.eval(vals.first().copied());
                st.give_back(vals);
                ok
            }
            TxCheck::CertChainLen(m) => {
                // An empty chain is final only once the server's handshake
                // is done (TLS 1.3 encrypts its certificates).
                let mut vals = st.lend();
                tx.buffer(Buffer::TlsCerts, false, &mut vals);
                let n = vals.len() as u64;
                st.give_back(vals);
                (n > 0 || tx.side_complete(false)) && m.matches(n)
            }
            TxCheck::FileSize(f) => f.eval(tx, to_server),
        }
    }
}

fn ssh_field(
    tx: &dyn TxView,
    b: Buffer,
    to_server: bool,
    st: &mut TxScratch,
    f: impl Fn(&[u8]) -> bool,
) -> bool {
    let mut vals = st.lend();
    tx.buffer(b, to_server, &mut vals);
    let found = vals.iter().any(|v| f(v));
    st.give_back(vals);
    found
}

/// `tls.version:1.2`, `tls.version:0x0303`.
fn parse_tls_version(v: &str) -> Result<TxCheck, KwError> {
    let t = v.trim();
    if let Some(x) = tls_version_name(t) {
        return Ok(TxCheck::TlsVersion(x));
    }
    let hex = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .ok_or_else(|| KwError::invalid(format!("invalid tls.version {t:?}")))?;
    u16::from_str_radix(hex, 16)
        .map(TxCheck::TlsVersion)
        .map_err(|_| KwError::invalid(format!("invalid tls.version {t:?}")))
}

/// `ssl_version:sslv3,tls1.0,!tls1.2`.
fn parse_ssl_version(v: &str) -> Result<TxCheck, KwError> {
    let mut entries = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (neg, name) = match part.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, part),
        };
        let ver = tls_version_name(name)
            .filter(|_| !name.starts_with(|c: char| c.is_ascii_digit()))
            .ok_or_else(|| KwError::invalid(format!("invalid ssl_version {name:?}")))?;
        entries.push((ver, neg));
    }
    if entries.is_empty() {
        return Err(KwError::invalid("ssl_version needs a version"));
    }
    Ok(TxCheck::SslVersion(entries))
}

/// `ssl_state:client_hello|!server_hello` (`,` accepted as well).
fn parse_ssl_state(v: &str) -> Result<TxCheck, KwError> {
    let (mut flags, mut mask) = (0, 0);
    for part in v.split(['|', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        let (neg, name) = match part.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, part),
        };
        let bit = match name {
            "client_hello" => ssl_state::CLIENT_HELLO,
            "server_hello" => ssl_state::SERVER_HELLO,
            "client_keyx" => ssl_state::CLIENT_KEYX,
            "server_keyx" => ssl_state::SERVER_KEYX,
            "unknown" => ssl_state::UNKNOWN,
            _ => return Err(KwError::invalid(format!("invalid ssl_state {name:?}"))),
        };
        flags |= bit;
        if neg {
            mask |= bit;
        }
    }
    if flags == 0 {
        return Err(KwError::invalid("ssl_state needs a state"));
    }
    Ok(TxCheck::SslState { flags, mask })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Tls {
        version: Option<u16>,
        state: u32,
        validity: Option<(i64, i64)>,
        now: Option<i64>,
    }

    impl TxView for Tls {
        fn app_proto(&self) -> AppProto {
            AppProto::Tls
        }
        fn tx_id(&self) -> u64 {
            0
        }
        fn buffer<'a>(&'a self, _: Buffer, _: bool, _: &mut Vec<&'a [u8]>) {}
        fn side_complete(&self, _: bool) -> bool {
            true
        }
        fn tls_version(&self, _: bool) -> Option<u16> {
            self.version
        }
        fn tls_state(&self) -> u32 {
            self.state
        }
        fn tls_cert_validity(&self) -> Option<(i64, i64)> {
            self.validity
        }
        fn packet_time(&self) -> Option<i64> {
            self.now
        }
    }

    fn check(kw: &str, v: Option<&str>) -> TxCheck {
        TxCheck::parse(kw, v).expect("keyword").expect("valid")
    }

    #[test]
    fn tls_keywords() {
        let tx = Tls {
            version: Some(tls_version::TLS12),
            state: ssl_state::CLIENT_HELLO | ssl_state::SERVER_HELLO,
            validity: Some((100, 200)),
            now: Some(150),
        };
        let s = &mut TxScratch::default();
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("tls.version", Some("1.2"), true),
            ("tls.version", Some("0x0303"), true),
            ("tls.version", Some("1.3"), false),
            ("ssl_version", Some("tls1.1,tls1.2"), true),
            ("ssl_version", Some("!tls1.2"), false),
            ("ssl_version", Some("sslv3"), false),
            // Suricata's ssl_version_negated: negation matches the rest.
            ("ssl_version", Some("!sslv3"), true),
            ("ssl_version", Some("!tls1.3,tls1.0"), true),
            ("ssl_version", Some("!tls1.3,tls1.2"), true),
            ("ssl_version", Some("!tls1.2,tls1.0"), false),
            ("ssl_state", Some("client_hello"), true),
            ("ssl_state", Some("client_keyx|server_hello"), true),
            ("ssl_state", Some("!client_hello"), false),
            ("ssl_state", Some("!client_keyx"), true),
            ("ssl_state", Some("unknown"), false),
            ("tls.cert_valid", None, true),
            ("tls.cert_expired", None, false),
        ];
        for &(kw, v, want) in cases {
            assert_eq!(check(kw, v).eval(&tx, true, s), want, "{kw}:{v:?}");
        }
        let expired = Tls {
            now: Some(300),
            ..tx
        };
        assert!(check("tls.cert_expired", None).eval(&expired, false, s));
        assert!(!check("tls.cert_valid", None).eval(&expired, false, s));
        let fresh = Tls::default();
        assert!(check("ssl_state", Some("unknown")).eval(&fresh, true, s));
        assert!(!check("dns.rrtype", Some("1")).eval(&fresh, true, s));
        assert!(!check("tls.cert_expired", None).eval(&fresh, true, s));
    }

    #[test]
    fn parse_errors() {
        for (kw, v) in [
            ("dns.opcode", Some("300")),
            ("dns.opcode", None),
            ("tls.version", Some("9.9")),
            ("ssl_version", Some("tls9")),
            ("ssl_state", Some("bogus")),
            ("tls.cert_expired", Some("x")),
            ("ssh.protoversion", Some("\"\"")),
        ] {
            assert!(
                matches!(TxCheck::parse(kw, v), Some(Err(KwError::Invalid(_)))),
                "{kw}:{v:?}"
            );
        }
        assert!(TxCheck::parse("content", Some("x")).is_none());
        assert_eq!(
            check("dns.rcode", Some("nxdomain")),
            TxCheck::DnsRcode(UintMatch::Eq(3))
        );
        assert_eq!(
            check("dns.rrtype", Some("!AAAA")),
            TxCheck::DnsRrtype(UintMatch::Ne(28))
        );
        assert_eq!(check("dns.opcode", Some("4")).proto(), AppProto::Dns);
        assert_eq!(check("tls.cert_valid", None).side(), Side::ToClient);
    }
}
