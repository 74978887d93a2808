//! Named inspection buffers ("sticky buffers") of application-layer
//! transactions, shared by the compiler (which places contents on them)
//! and the engine's protocol parsers (which fill them).
//!
//! One enum for both sides keeps the mapping from Suricata's keyword names
//! in one place; parsers answer `buffer(Buffer) -> values` and never see
//! keyword text.

/// Application protocol of a flow (rule header protocols `http`, `dns`,
/// `tls`, `ssh`; EVE `app_proto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AppProto {
    /// HTTP/1.0 and 1.1. As a rule's protocol (`alert http`) it also
    /// covers HTTP/2, as in Suricata 7 (see [`AppProto::covers`]).
    Http,
    /// HTTP/2 (a flow's protocol; `alert http2` rules).
    Http2,
    /// DNS over UDP or TCP.
    Dns,
    /// TLS.
    Tls,
    /// SSH.
    Ssh,
    /// SMTP: recognised by the engine only to follow STARTTLS (a flow's
    /// protocol; no rule names it, no transactions).
    Smtp,
}

impl AppProto {
    /// Suricata's name.
    pub fn name(self) -> &'static str {
        match self {
            AppProto::Http => "http",
            AppProto::Http2 => "http2",
            AppProto::Dns => "dns",
            AppProto::Tls => "tls",
            AppProto::Ssh => "ssh",
            AppProto::Smtp => "smtp",
        }
    }

    /// The protocol a rule header or `app-layer-protocol` names (`http1`
    /// is `http` limited to HTTP/1: the rule compiler notes the limit).
    pub fn from_name(s: &str) -> Option<AppProto> {
        Some(match s {
            "http" | "http1" => AppProto::Http,
            "http2" => AppProto::Http2,
            "dns" => AppProto::Dns,
            "tls" => AppProto::Tls,
            "ssh" => AppProto::Ssh,
            _ => return None,
        })
    }
}

impl AppProto {
    /// Whether a rule for protocol `self` applies to a flow or
    /// transaction of protocol `p`: `http` covers HTTP/1 and HTTP/2
    /// (Suricata 7's `AppProtoEquals`), unless `http1_only` (`alert http1`).
    pub fn covers(self, p: AppProto, http1_only: bool) -> bool {
        self == p || (self == AppProto::Http && p == AppProto::Http2 && !http1_only)
    }
}

/// Which side of a transaction a buffer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Client → server data (requests, queries, ClientHello).
    ToServer,
    /// Server → client data (responses, answers, certificates).
    ToClient,
    /// Either side: the buffer is inspected on the side the packet travels
    /// (e.g. `http.header` is request headers to the server and response
    /// headers to the client, `file.data` both bodies).
    Both,
}

macro_rules! buffers {
    ($( $(#[$doc:meta])* $var:ident = $name:literal, $side:ident, [$($alias:literal),*] ;)*) => {
        /// An application-layer inspection buffer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Buffer {
            $( $(#[$doc])* $var, )*
        }

        impl Buffer {
            /// Every buffer.
            pub const ALL: &'static [Buffer] = &[$(Buffer::$var),*];

            /// Suricata's sticky-buffer keyword (`http.uri`).
            pub fn name(self) -> &'static str {
                match self { $(Buffer::$var => $name,)* }
            }

            /// The side the buffer is taken from.
            pub fn side(self) -> Side {
                match self { $(Buffer::$var => Side::$side,)* }
            }

            /// The buffer selected by a sticky-buffer keyword, including the
            /// older underscore names Suricata still accepts (`http_uri` as a
            /// sticky buffer is not one of them: see [`Buffer::from_modifier`]).
            pub fn from_sticky(kw: &str) -> Option<Buffer> {
                match kw {
                    $( $name $(| $alias)* => Some(Buffer::$var), )*
                    _ => None,
                }
            }
        }
    };
}

buffers! {
    /// Normalized request URI.
    HttpUri = "http.uri", ToServer, [];
    /// Request URI as sent.
    HttpUriRaw = "http.uri.raw", ToServer, [];
    /// Request method.
    HttpMethod = "http.method", ToServer, [];
    /// Protocol string of the request line (`HTTP/1.1`).
    HttpProtocol = "http.protocol", Both, ["http_protocol"];
    /// Whole request line without CRLF.
    HttpRequestLine = "http.request_line", ToServer, ["http_request_line"];
    /// Normalized headers (`Name: value\r\n` each, cookies excluded), request or response.
    HttpHeader = "http.header", Both, [];
    /// Headers as sent.
    HttpHeaderRaw = "http.header.raw", Both, [];
    /// Header names, `\r\n` separated with a leading and trailing `\r\n`.
    HttpHeaderNames = "http.header_names", Both, ["http_header_names"];
    /// Host header, lower-cased, without port.
    HttpHost = "http.host", ToServer, [];
    /// Host header as sent.
    HttpHostRaw = "http.host.raw", ToServer, [];
    /// User-Agent header.
    HttpUserAgent = "http.user_agent", ToServer, [];
    /// Cookie (request) or Set-Cookie (response) header.
    HttpCookie = "http.cookie", Both, [];
    /// Referer header.
    HttpReferer = "http.referer", ToServer, ["http_referer"];
    /// Content-Type header.
    HttpContentType = "http.content_type", Both, ["http_content_type"];
    /// Content-Length header.
    HttpContentLen = "http.content_len", Both, ["http_content_len"];
    /// Accept header.
    HttpAccept = "http.accept", ToServer, ["http_accept"];
    /// Accept-Encoding header.
    HttpAcceptEnc = "http.accept_enc", ToServer, ["http_accept_enc"];
    /// Accept-Language header.
    HttpAcceptLang = "http.accept_lang", ToServer, ["http_accept_lang"];
    /// Connection header.
    HttpConnection = "http.connection", Both, ["http_connection"];
    /// Request or response line plus headers, as sent.
    HttpStart = "http.start", Both, ["http_start"];
    /// Request body (dechunked).
    HttpRequestBody = "http.request_body", ToServer, ["http_client_body"];
    /// Response status code (three digits).
    HttpStatCode = "http.stat_code", ToClient, [];
    /// Response reason phrase.
    HttpStatMsg = "http.stat_msg", ToClient, [];
    /// Whole response line.
    HttpResponseLine = "http.response_line", ToClient, ["http_response_line"];
    /// Server header.
    HttpServer = "http.server", ToClient, [];
    /// Location header.
    HttpLocation = "http.location", ToClient, [];
    /// One `Name: value` per request header (multi-buffer).
    HttpRequestHeader = "http.request_header", ToServer, [];
    /// One `Name: value` per response header (multi-buffer).
    HttpResponseHeader = "http.response_header", ToClient, [];
    /// Response body (dechunked, decompressed).
    HttpResponseBody = "http.response_body", ToClient, ["http_server_body"];
    /// File contents: HTTP bodies in either direction, decompressed.
    FileData = "file.data", Both, ["file_data"];
    /// File name (last URI path segment or Content-Disposition).
    FileName = "file.name", Both, ["filename"];
    /// DNS query names (multi-buffer).
    DnsQuery = "dns.query", ToServer, ["dns_query"];
    /// DNS question names of queries *and* responses (Suricata 8's
    /// `dns.queries.rrname` inspects both directions; multi-buffer).
    DnsQueriesRrname = "dns.queries.rrname", Both, [];
    /// DNS answer names (multi-buffer).
    DnsAnswerName = "dns.answer.name", ToClient, ["dns.answers.rrname"];
    /// DNS authority owner names of either message (multi-buffer).
    DnsAuthoritiesRrname = "dns.authorities.rrname", Both, [];
    /// DNS additional owner names of either message (multi-buffer).
    DnsAdditionalsRrname = "dns.additionals.rrname", Both, [];
    /// Every name of a response: questions, then owner and RDATA names of
    /// answers, authorities and additionals (multi-buffer).
    DnsResponseRrname = "dns.response.rrname", ToClient, [];
    /// TLS Server Name Indication.
    TlsSni = "tls.sni", ToServer, ["tls_sni"];
    /// Server certificate subject.
    TlsCertSubject = "tls.cert_subject", ToClient, ["tls_cert_subject"];
    /// Server certificate issuer.
    TlsCertIssuer = "tls.cert_issuer", ToClient, ["tls_cert_issuer"];
    /// Server certificate serial (`01:AB:…`).
    TlsCertSerial = "tls.cert_serial", ToClient, ["tls_cert_serial"];
    /// Server certificate SHA-1 fingerprint (`aa:bb:…`).
    TlsCertFingerprint = "tls.cert_fingerprint", ToClient, ["tls_cert_fingerprint"];
    /// Every certificate of the chain, DER (multi-buffer).
    TlsCerts = "tls.certs", ToClient, [];
    /// Subject alternative names (multi-buffer).
    TlsSubjectAltName = "tls.subjectaltname", ToClient, [];
    /// The 32 random bytes of the hello sent on the packet's side
    /// (ClientHello to the server, ServerHello to the client).
    TlsRandom = "tls.random", Both, [];
    /// The first 4 bytes of the hello random (`gmt_unix_time`).
    TlsRandomTime = "tls.random_time", Both, [];
    /// The last 28 bytes of the hello random.
    TlsRandomBytes = "tls.random_bytes", Both, [];
    /// JA3 hash of the ClientHello.
    Ja3Hash = "ja3.hash", ToServer, ["ja3_hash"];
    /// JA3 string.
    Ja3String = "ja3.string", ToServer, ["ja3_string"];
    /// JA3S hash of the ServerHello.
    Ja3sHash = "ja3s.hash", ToClient, ["ja3s_hash"];
    /// JA3S string.
    Ja3sString = "ja3s.string", ToClient, ["ja3s_string"];
    /// JA4 fingerprint of the ClientHello.
    Ja4Hash = "ja4.hash", ToServer, [];
    /// SSH protocol version of the banner (`2.0`).
    SshProto = "ssh.proto", Both, ["ssh_proto"];
    /// SSH software version of the banner.
    SshSoftware = "ssh.software", Both, ["ssh_software"];
    /// HASSH of the client key exchange.
    SshHassh = "ssh.hassh", ToServer, [];
    /// HASSH input string.
    SshHasshString = "ssh.hassh.string", ToServer, [];
    /// HASSH of the server key exchange.
    SshHasshServer = "ssh.hassh.server", ToClient, [];
    /// HASSH server input string.
    SshHasshServerString = "ssh.hassh.server.string", ToClient, [];
}

impl Buffer {
    /// The buffer a legacy content modifier (`content:"x"; http_uri;`)
    /// moves the previous content to. The other underscore names
    /// (`http_protocol`, `http_header_names`, `http_start` …) are not
    /// modifiers: Suricata registers them as aliases of the sticky buffers
    /// (`http_protocol; content:"HTTP/1.1";`).
    pub fn from_modifier(kw: &str) -> Option<Buffer> {
        Some(match kw {
            "http_uri" => Buffer::HttpUri,
            "http_raw_uri" => Buffer::HttpUriRaw,
            "http_method" => Buffer::HttpMethod,
            "http_header" => Buffer::HttpHeader,
            "http_raw_header" => Buffer::HttpHeaderRaw,
            "http_host" => Buffer::HttpHost,
            "http_raw_host" => Buffer::HttpHostRaw,
            "http_user_agent" => Buffer::HttpUserAgent,
            "http_cookie" => Buffer::HttpCookie,
            "http_client_body" => Buffer::HttpRequestBody,
            "http_server_body" => Buffer::HttpResponseBody,
            "http_stat_code" => Buffer::HttpStatCode,
            "http_stat_msg" => Buffer::HttpStatMsg,
            "http_server" => Buffer::HttpServer,
            "http_location" => Buffer::HttpLocation,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for b in Buffer::ALL {
            assert!(seen.insert(b.name()), "duplicate {}", b.name());
            assert_eq!(Buffer::from_sticky(b.name()), Some(*b));
        }
        assert_eq!(Buffer::from_sticky("file_data"), Some(Buffer::FileData));
        assert_eq!(Buffer::from_sticky("dns_query"), Some(Buffer::DnsQuery));
        assert_eq!(
            Buffer::from_modifier("http_client_body"),
            Some(Buffer::HttpRequestBody)
        );
        assert_eq!(Buffer::from_sticky("nope"), None);
        // Suricata's sticky aliases are not modifiers.
        for (alias, b) in [
            ("http_protocol", Buffer::HttpProtocol),
            ("http_header_names", Buffer::HttpHeaderNames),
            ("http_start", Buffer::HttpStart),
            ("http_referer", Buffer::HttpReferer),
            ("http_response_line", Buffer::HttpResponseLine),
        ] {
            assert_eq!(Buffer::from_sticky(alias), Some(b));
            assert_eq!(Buffer::from_modifier(alias), None);
        }
        assert_eq!(Buffer::HttpStatCode.side(), Side::ToClient);
    }
}
