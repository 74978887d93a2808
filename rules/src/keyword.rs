//! Keyword-level errors and the reasons given for keywords this crate does
//! not implement (so every rejected rule says why).

/// Why one option could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KwError {
    /// Valid Suricata, but not implemented here (yet).
    Unsupported(String),
    /// The value is malformed or contradicts another option.
    Invalid(String),
}

impl KwError {
    /// A malformed value.
    pub fn invalid(msg: impl Into<String>) -> Self {
        KwError::Invalid(msg.into())
    }

    /// A feature not implemented here.
    pub fn unsupported(msg: impl Into<String>) -> Self {
        KwError::Unsupported(msg.into())
    }
}

/// App-layer keyword prefixes: sticky buffers (`http.uri`, `dns.query`, …),
/// old-style content modifiers (`http_uri`, …) and protocol keywords.
const APP_LAYER_PREFIXES: &[&str] = &[
    "http",
    "file",
    "dns",
    "tls",
    "ssh",
    "ja3",
    "ja4",
    "smb",
    "dce",
    "krb5",
    "snmp",
    "sip",
    "rfb",
    "mqtt",
    "modbus",
    "dnp3",
    "enip",
    "cip",
    "ike",
    "quic",
    "ftp",
    "smtp",
    "email",
    "pgsql",
    "websocket",
    "ldap",
    "nfs",
    "tftp",
    "rdp",
    "dhcp",
    "bittorrent",
    "x509",
    "uricontent",
    "urilen",
    "app-layer",
    "sdp",
    "pop3",
    "imap",
    "mime",
    "base64",
    "ntp",
    "ssl",
    "template",
    "frame",
    "ether",
    "arp",
    "entropy",
];

/// The reason reported for a keyword this crate does not implement.
pub fn unsupported_reason(keyword: &str) -> String {
    let k = keyword.to_ascii_lowercase();
    match k.as_str() {
        "flowvar" | "pktvar" => {
            format!("{k} needs pcre captures into variables (not implemented)")
        }
        "dataset" | "datarep" | "iprep" => "datasets and reputation are not implemented".into(),
        "lua" | "luajit" => "lua scripts are not supported".into(),
        "replace" => "payload replacement (IPS) is not supported".into(),
        "engine-event" => {
            format!("{k} is not implemented (decode-event, stream-event and app-layer-event are)")
        }
        "transforms" => format!("{k} is not implemented"),
        "filemagic" | "file.magic" => format!(
            "{k}: needs libmagic's file type descriptions (no compatible pure-Rust detector)"
        ),
        "filemd5" | "filesha1" | "filesha256" => {
            format!("{k}: hash lists of files are not implemented")
        }
        "file.size" | "file.name.raw" => format!("{k}: not implemented"),
        // HTTP/1, DNS, TLS and SSH buffers and keywords are compiled by
        // `compile/app.rs`; what reaches here belongs to other protocols
        // or to features of those four that Sigil lacks.
        _ if is_app_layer(&k) => format!(
            "{keyword}: app-layer keyword Sigil does not implement (it parses HTTP/1, DNS, \
             TLS and SSH)"
        ),
        _ if is_transform(&k) => format!("buffer transformation {k} is not implemented"),
        _ => "unknown or unsupported keyword".into(),
    }
}

fn is_app_layer(k: &str) -> bool {
    APP_LAYER_PREFIXES.iter().any(|p| k.starts_with(p))
}

fn is_transform(k: &str) -> bool {
    matches!(
        k,
        "dotprefix"
            | "domain"
            | "tld"
            | "strip_whitespace"
            | "compress_whitespace"
            | "to_lowercase"
            | "to_uppercase"
            | "to_md5"
            | "to_sha1"
            | "to_sha256"
            | "pcrexform"
            | "url_decode"
            | "xor"
            | "header_lowercase"
            | "strip_pseudo_headers"
            | "from_base64"
            | "luaxform"
            | "gunzip"
            | "zlib_deflate"
            | "subslice"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_missing_piece() {
        assert!(unsupported_reason("http2.header").contains("does not implement"));
        assert!(unsupported_reason("smb.share").contains("HTTP/1, DNS, TLS and SSH"));
        assert!(unsupported_reason("filemagic").contains("libmagic"));
        assert!(unsupported_reason("subslice").contains("transformation subslice"));
        assert_eq!(
            unsupported_reason("frobnicate"),
            "unknown or unsupported keyword"
        );
    }
}
