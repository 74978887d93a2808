//! URI and host normalization with the settings Suricata gives libhtp by
//! default (server personality `IDS`, `convert-lowercase` off, `+` not
//! decoded, invalid `%` escapes kept, spaces allowed in the URI).
//!
//! `http.uri` is built from the parsed request target:
//!
//! 1. the target is split into scheme, credentials, host, port, path,
//!    query and fragment (only path, query and fragment make the buffer);
//! 2. the path is percent-decoded: `%XX` (including encoded `/` and `\`),
//!    `%uXXXX` (best-fit mapped to one byte), invalid escapes are left as
//!    they are; `\` becomes `/`; runs of `/` are compressed;
//! 3. the path is read as UTF-8 and every non-ASCII character is replaced
//!    by its best-fit byte (`?` when there is none, or for invalid UTF-8);
//! 4. dot segments are removed (RFC 3986 §5.2.4: `/./`, `/../`);
//! 5. the query and fragment are percent-decoded (no slash rules);
//! 6. `http.uri` = path + `?` query + `#` fragment.
//!
//! `http.uri.raw` is the target exactly as sent.

use super::util::span;

/// A request target split into its parts (raw, not decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uri {
    /// Scheme.
    pub scheme: Option<Vec<u8>>,
    /// User name.
    pub username: Option<Vec<u8>>,
    /// Password.
    pub password: Option<Vec<u8>>,
    /// Host name.
    pub hostname: Option<Vec<u8>>,
    /// Port text.
    pub port: Option<Vec<u8>>,
    /// Path.
    pub path: Option<Vec<u8>>,
    /// Query (without `?`).
    pub query: Option<Vec<u8>>,
    /// Fragment (without `#`).
    pub fragment: Option<Vec<u8>>,
}

fn is_not(s: &[u8], stops: &[u8]) -> usize {
    span(s, |c| !stops.contains(&c))
}

/// A host name as it appears in a URI or `Host` header: an IPv6 literal in
/// brackets or the bytes up to `/?#:`; trailing spaces dropped.
fn hostname(input: &[u8]) -> Option<(usize, &[u8])> {
    let mut pos = 0;
    if input.starts_with(b"//") {
        pos = 2;
    }
    if input[pos..].starts_with(b"/") {
        return None;
    }
    pos += span(&input[pos..], |c| c == b' ');
    let rest = &input[pos..];
    let n = if rest.first() == Some(&b'[') {
        let inner = is_not(&rest[1..], b"/?#]");
        if inner == 0 {
            return None;
        }
        let mut n = 1 + inner;
        if rest.get(n) == Some(&b']') {
            n += 1;
        }
        n
    } else {
        let n = is_not(rest, b"/?#:");
        if n == 0 {
            return None;
        }
        n
    };
    let mut host = &rest[..n];
    while let [h @ .., b' '] = host {
        host = h;
    }
    Some((pos + n, host))
}

/// A `:port` after a host: returns the consumed length and the port text.
fn port(input: &[u8]) -> Option<(usize, &[u8])> {
    if input.first() != Some(&b':') {
        return None;
    }
    let mut pos = 1 + span(&input[1..], |c| c == b' ');
    let n = is_not(&input[pos..], b"/?#");
    if n == 0 {
        return None;
    }
    let raw = &input[pos..pos + n];
    pos += n;
    pos += span(&input[pos..], |c| c == b' ');
    let p = span(raw, |c| c != b' ');
    if p == 0 {
        return None;
    }
    Some((pos, &raw[..p]))
}

/// A port number 1..=65535.
pub(crate) fn convert_port(p: &[u8]) -> Option<u16> {
    std::str::from_utf8(p)
        .ok()?
        .parse::<u16>()
        .ok()
        .filter(|&n| n != 0)
}

/// Host and port of an authority (`Host` header or CONNECT target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// Host name as written (not lower-cased).
    pub host: Vec<u8>,
    /// Port text, when a `:port` follows.
    pub port_text: Option<Vec<u8>>,
    /// Port number when the port is valid.
    pub port: Option<u16>,
    /// The authority passes libhtp's relaxed hostname validation.
    pub valid: bool,
}

/// Parses `host[:port]`; `None` when no host can be found at all.
pub fn parse_hostport(input: &[u8]) -> Option<HostPort> {
    let (n, host) = hostname(input)?;
    let rest = &input[n..];
    let mut valid = validate_hostname(host);
    let (port_text, port_num) = match port(rest) {
        Some((_, p)) => {
            let num = convert_port(p);
            if num.is_none() {
                valid = false;
            }
            (Some(p.to_vec()), num)
        }
        None => {
            if !rest.is_empty() {
                valid = false;
            }
            (None, None)
        }
    };
    Some(HostPort {
        host: host.to_vec(),
        port_text,
        port: port_num,
        valid,
    })
}

/// libhtp's relaxed host name check: bracketed IPv6, or dot-separated labels
/// of letters, digits, `-` and `_`, at most 63 bytes each and 255 in total.
pub fn validate_hostname(input: &[u8]) -> bool {
    if input.is_empty() || input.len() > 255 {
        return false;
    }
    if input.first() == Some(&b'[') {
        if let Some(end) = input.iter().position(|&c| c == b']') {
            let inner = &input[1..end];
            if !inner.iter().any(|c| b"#?/".contains(c)) {
                return std::str::from_utf8(inner)
                    .ok()
                    .and_then(|s| s.parse::<std::net::Ipv6Addr>().ok())
                    .is_some();
            }
        }
    }
    if input.starts_with(b".") || input.windows(2).any(|w| w == b"..") {
        return false;
    }
    input.split(|&c| c == b'.').all(|label| {
        label.len() <= 63
            && label
                .iter()
                .all(|&c| c == b'_' || c == b'-' || c.is_ascii_alphanumeric())
    })
}

/// Splits a request target (not CONNECT) into its parts, leniently.
pub fn parse_uri(input: &[u8]) -> Uri {
    let mut uri = Uri::default();
    let mut pos = 0;
    if !input.starts_with(b"/") {
        if let Some(colon) = input.iter().position(|&c| c == b':') {
            uri.scheme = Some(input[..colon].to_vec());
            pos = colon + 1;
            let rest = &input[pos..];
            if rest.starts_with(b"//") && !rest[2..].starts_with(b"/") {
                if let Some(at) = rest[2..].iter().position(|&c| c == b'@') {
                    let creds = &rest[2..2 + at];
                    match creds.iter().position(|&c| c == b':') {
                        Some(c) => {
                            uri.username = Some(creds[..c].to_vec());
                            uri.password = Some(creds[c + 1..].to_vec());
                        }
                        None => uri.username = Some(creds.to_vec()),
                    }
                    pos += 2 + at + 1;
                }
            }
            if let Some((n, host)) = hostname(&input[pos..]) {
                uri.hostname = Some(host.to_vec());
                pos += n;
                if let Some((n, p)) = port(&input[pos..]) {
                    uri.port = Some(p.to_vec());
                    pos += n;
                }
            }
        }
    }
    let rest = &input[pos..];
    let p = is_not(rest, b"#?");
    if p > 0 {
        uri.path = Some(rest[..p].to_vec());
    }
    let rest = &rest[p..];
    let rest = if let Some(q) = rest.strip_prefix(b"?") {
        let n = is_not(q, b"#");
        uri.query = Some(q[..n].to_vec());
        &q[n..]
    } else {
        rest
    };
    if let Some(f) = rest.strip_prefix(b"#") {
        uri.fragment = Some(f.to_vec());
    }
    uri
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn hex_pair(s: &[u8]) -> Option<u8> {
    Some(hex_val(*s.first()?)? << 4 | hex_val(*s.get(1)?)?)
}

/// Best-fit mapping of a code point to one byte: Latin-1 maps to itself,
/// full-width ASCII (U+FF01..U+FF5E) to its ASCII twin, the rest to `?`.
fn bestfit(cp: u32) -> u8 {
    match cp {
        0..=0xff => cp as u8,
        0xff01..=0xff5e => (cp - 0xff01 + 0x21) as u8,
        _ => b'?',
    }
}

/// `%uXXXX`: a zero high byte is an overlong ASCII encoding.
fn u_encoding(s: &[u8]) -> Option<u8> {
    let hi = hex_pair(s.get(..2)?)?;
    let lo = hex_pair(s.get(2..4)?)?;
    Some(if hi == 0 {
        lo
    } else {
        bestfit(u32::from(hi) << 8 | u32::from(lo))
    })
}

/// Percent-decoding of a path (libhtp `path_decode_uri` with Suricata's
/// settings): separators decoded, `\` turned into `/`, `/` runs compressed.
pub fn decode_path(input: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let mut c = input[i];
        i += 1;
        if c == b'%' {
            let rest = &input[i..];
            if matches!(rest.first(), Some(b'u' | b'U')) {
                if let Some(b) = rest.get(1..5).and_then(u_encoding) {
                    c = b;
                    i += 5;
                }
            } else if let Some(b) = hex_pair(rest) {
                c = b;
                i += 2;
            }
        }
        if c == b'\\' {
            c = b'/';
        }
        if c == b'/' && out.last() == Some(&b'/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Percent-decoding of a query or fragment (no slash handling, `+` kept).
pub fn decode_query(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let rest = &input[i..];
        if matches!(rest.first(), Some(b'u' | b'U')) {
            match rest.get(1..5).and_then(u_encoding) {
                Some(b) => {
                    out.push(b);
                    i += 5;
                }
                None => out.push(b'%'),
            }
        } else if let Some(b) = hex_pair(rest) {
            out.push(b);
            i += 2;
        } else {
            out.push(b'%');
        }
    }
    out
}

/// Replaces every non-ASCII UTF-8 character by its best-fit byte and every
/// invalid byte sequence by `?` (overlong forms are decoded, as libhtp does).
pub fn utf8_bestfit(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        let (need, init, min2, max2) = match b {
            0x00..=0x7f => {
                out.push(b);
                i += 1;
                continue;
            }
            0xc0..=0xdf => (1, u32::from(b & 0x1f), 0x80, 0xbf),
            0xe0..=0xec | 0xee..=0xef => (2, u32::from(b & 0x0f), 0x80, 0xbf),
            0xed => (2, u32::from(b & 0x0f), 0x80, 0x9f),
            0xf0..=0xf3 => (3, u32::from(b & 0x07), 0x80, 0xbf),
            0xf4 => (3, u32::from(b & 0x07), 0x80, 0x8f),
            _ => {
                out.push(b'?');
                i += 1;
                continue;
            }
        };
        let mut cp = init;
        let mut got = 0;
        let mut j = i + 1;
        let mut ok = true;
        while got < need {
            let Some(&c) = input.get(j) else {
                // Truncated at the end: one `?` per byte after the first.
                out.extend(std::iter::repeat_n(b'?', got));
                return out;
            };
            let (lo, hi) = if got == 0 { (min2, max2) } else { (0x80, 0xbf) };
            if c < lo || c > hi {
                ok = false;
                break;
            }
            cp = cp << 6 | u32::from(c & 0x3f);
            got += 1;
            j += 1;
        }
        if ok {
            out.push(bestfit(cp));
            i = j;
        } else {
            // Invalid continuation: one `?`, then the byte starts anew.
            out.push(b'?');
            i = if got == 0 { i + 1 } else { j };
        }
    }
    out
}

/// RFC 3986 §5.2.4 dot-segment removal, in libhtp's streaming form.
pub fn remove_dot_segments(s: &[u8]) -> Vec<u8> {
    #[derive(Clone, Copy)]
    enum St {
        Start,
        DotStart,
        TwoDotStart,
        Slash,
        SlashDot,
        SlashDotDot,
        SlashDotDotSlash,
        Regular,
    }
    fn pop_segment(out: &mut Vec<u8>) {
        while out.last().is_some_and(|&c| c != b'/') {
            out.pop();
        }
        out.pop();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut st = St::Start;
    for &c in s {
        st = match (st, c) {
            (St::Start, b'.') => St::DotStart,
            (St::Start, b'/') => St::Slash,
            (St::Start, _) => {
                out.push(c);
                St::Regular
            }
            (St::DotStart, b'.') => St::TwoDotStart,
            (St::DotStart, b'/') => St::Start,
            (St::DotStart, _) => {
                out.extend_from_slice(&[b'.', c]);
                St::Regular
            }
            (St::TwoDotStart, b'/') => St::Start,
            (St::TwoDotStart, _) => {
                out.extend_from_slice(&[b'.', b'.', c]);
                St::Regular
            }
            (St::Slash | St::SlashDotDotSlash, b'.') => St::SlashDot,
            (St::Slash | St::SlashDotDotSlash, _) => {
                out.extend_from_slice(&[b'/', c]);
                St::Regular
            }
            (St::SlashDot, b'/') => St::SlashDotDotSlash,
            (St::SlashDot, b'.') => St::SlashDotDot,
            (St::SlashDot, _) => {
                out.extend_from_slice(&[b'/', b'.', c]);
                St::Regular
            }
            (St::SlashDotDot, b'/') => {
                pop_segment(&mut out);
                St::SlashDotDotSlash
            }
            (St::SlashDotDot, _) => {
                out.extend_from_slice(&[b'/', b'.', b'.', c]);
                St::Regular
            }
            (St::Regular, b'/') => St::Slash,
            (St::Regular, _) => {
                out.push(c);
                St::Regular
            }
        };
    }
    match st {
        St::Slash => out.push(b'/'),
        St::SlashDotDot => pop_segment(&mut out),
        _ => {}
    }
    out
}

/// The normalized path: decoded, best-fit converted, dot segments removed.
pub fn normalize_path(path: &[u8]) -> Vec<u8> {
    remove_dot_segments(&utf8_bestfit(&decode_path(path)))
}

/// A request target normalized for `http.uri`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedUri {
    /// `http.uri`: path + `?query` + `#fragment`, decoded; `None` when empty.
    pub partial: Option<Vec<u8>>,
    /// Normalized path (file names fall back to it).
    pub path: Option<Vec<u8>>,
    /// Host from an absolute URI, lower-cased, trailing dots removed.
    pub hostname: Option<Vec<u8>>,
    /// Port from an absolute URI, when valid.
    pub port: Option<u16>,
    /// The URI names a host that fails validation.
    pub host_invalid: bool,
}

/// Normalizes a request target. `connect` targets are an authority only.
pub fn normalize(target: &[u8], connect: bool) -> NormalizedUri {
    let mut out = NormalizedUri::default();
    if connect {
        if let Some(hp) = parse_hostport(target) {
            out.hostname = Some(hp.host.to_ascii_lowercase());
            out.port = hp.port;
            out.host_invalid = !hp.valid;
        }
        return out;
    }
    let uri = parse_uri(target);
    if let Some(h) = &uri.hostname {
        let mut h = decode_query(h).to_ascii_lowercase();
        while h.last() == Some(&b'.') {
            h.pop();
        }
        out.host_invalid = !validate_hostname(&h);
        out.hostname = Some(h);
    }
    if let Some(p) = &uri.port {
        out.port = convert_port(p);
        if out.port.is_none() {
            out.host_invalid = true;
        }
    }
    out.path = uri.path.as_deref().map(normalize_path);
    let mut partial = out.path.clone().unwrap_or_default();
    if let Some(q) = &uri.query {
        partial.push(b'?');
        partial.extend_from_slice(&decode_query(q));
    }
    if let Some(f) = &uri.fragment {
        partial.push(b'#');
        partial.extend_from_slice(&decode_query(f));
    }
    if !partial.is_empty() {
        out.partial = Some(partial);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &[u8]) -> Vec<u8> {
        normalize(s, false).partial.unwrap_or_default()
    }

    #[test]
    fn dot_segments() {
        for (i, o) in [
            (&b"/a/b/c/./../../g"[..], &b"/a/g"[..]),
            (b"mid/content=5/../6", b"mid/6"),
            (b"./one", b"one"),
            (b"../one", b"one"),
            (b".", b""),
            (b"..", b""),
            (b"one/.", b"one"),
            (b"one/..", b""),
            (b"/", b"/"),
            (b"one/../", b""),
            (b"/../../../images.gif", b"/images.gif"),
        ] {
            assert_eq!(remove_dot_segments(i), o, "{}", String::from_utf8_lossy(i));
        }
    }

    #[test]
    fn uris() {
        assert_eq!(n(b"/a/b/../c/./d"), b"/a/c/d");
        assert_eq!(
            n(b"//index.php?page=../../../etc/passwd"),
            b"/index.php?page=../../../etc/passwd"
        );
        assert_eq!(n(b"/%61%62c%2f..%2fx"), b"/x");
        assert_eq!(n(b"/a\\b//c"), b"/a/b/c");
        assert_eq!(n(b"/%zz%4"), b"/%zz%4");
        assert_eq!(n(b"/%u0041%uFF21"), b"/AA");
        assert_eq!(n(b"/q?a=%41+b#f%42"), b"/q?a=A+b#fB");
        assert_eq!(n(b"/uri afterspace"), b"/uri afterspace");
        assert_eq!(n(b"/caf\xc3\xa9"), b"/caf\xe9");
        assert_eq!(n(b"/\xe2\x82"), b"/?");
        assert_eq!(n(b"/\xf0\x90\x8d\xff"), b"/??");
        let u = normalize(b"http://User@WWW.Example.COM.:8080/p?q", false);
        assert_eq!(u.partial.as_deref(), Some(&b"/p?q"[..]));
        assert_eq!(u.hostname.as_deref(), Some(&b"www.example.com"[..]));
        assert_eq!(u.port, Some(8080));
        assert!(normalize(b"", false).partial.is_none());
        assert_eq!(n(b"*"), b"*");
    }

    #[test]
    fn absolute_uri_parts() {
        let u = parse_uri(b"http://user:pass@www.example.com:1234/path1/path2?a=b&c=d#frag");
        assert_eq!(u.scheme.as_deref(), Some(&b"http"[..]));
        assert_eq!(u.username.as_deref(), Some(&b"user"[..]));
        assert_eq!(u.password.as_deref(), Some(&b"pass"[..]));
        assert_eq!(u.hostname.as_deref(), Some(&b"www.example.com"[..]));
        assert_eq!(u.port.as_deref(), Some(&b"1234"[..]));
        assert_eq!(u.path.as_deref(), Some(&b"/path1/path2"[..]));
        assert_eq!(u.query.as_deref(), Some(&b"a=b&c=d"[..]));
        assert_eq!(u.fragment.as_deref(), Some(&b"frag"[..]));
        let u = parse_uri(b"http://host.com");
        assert!(u.path.is_none());
    }

    #[test]
    fn host_ports() {
        let hp = parse_hostport(b"[::1]:8000").unwrap();
        assert_eq!(hp.host, b"[::1]");
        assert_eq!(hp.port, Some(8000));
        assert!(hp.valid);
        let hp = parse_hostport(b"www.example.com").unwrap();
        assert!(hp.valid && hp.port.is_none());
        let hp = parse_hostport(b"example.com:").unwrap();
        assert!(!hp.valid);
        let hp = parse_hostport(b"example.com:99999").unwrap();
        assert!(!hp.valid && hp.port.is_none());
        assert!(parse_hostport(b"/").is_none());
        assert!(!validate_hostname(b"www..example.com"));
        assert!(validate_hostname(b"exa_mple.com"));
        assert!(!validate_hostname(b"[::"));
    }

    #[test]
    fn connect_targets() {
        let u = normalize(b"Example.com:443", true);
        assert_eq!(u.hostname.as_deref(), Some(&b"example.com"[..]));
        assert_eq!(u.port, Some(443));
        assert!(u.partial.is_none());
        assert!(normalize(b"/", true).hostname.is_none());
    }
}
