//! Packet-level keywords that look at header fields or flow state rather
//! than the payload: `dsize`, `ttl`, `tos`, `id`, `ipopts`, `fragbits`,
//! `fragoffset`, `itype`, `icode`, `icmp_id`, `icmp_seq`, `flags`, `seq`,
//! `ack`, `window`, `ip_proto`, `sameip`, `tcp.mss`, `flow` and
//! `stream_size`.

use crate::keyword::KwError;
use crate::packet::{IpOpt, PacketView};
use crate::uint::{parse_number, parse_uint, UintMatch};

/// How a bit set is compared (`flags`, `fragbits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitMode {
    /// No modifier: exactly these bits (after the ignore mask).
    Exact,
    /// `+`: these bits, others allowed.
    All,
    /// `*`: any of these bits.
    Any,
    /// `!`: not all of these bits.
    NotAll,
}

impl BitMode {
    fn matches(self, have: u16, want: u16) -> bool {
        match self {
            BitMode::Exact => have == want,
            BitMode::All => have & want == want,
            BitMode::Any => have & want != 0,
            BitMode::NotAll => have & want != want,
        }
    }
}

/// `flow:` options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowCheck {
    /// Some(true) = to_server, Some(false) = to_client.
    pub to_server: Option<bool>,
    /// Some(true) = established, Some(false) = not_established.
    pub established: Option<bool>,
    /// Some(true) = only_stream, Some(false) = no_stream.
    pub stream: Option<bool>,
    /// Some(true) = only_frag, Some(false) = no_frag.
    pub frag: Option<bool>,
}

/// Which TCP stream(s) `stream_size` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamSide {
    /// What the server sent.
    Server,
    /// What the client sent.
    Client,
    /// Both streams must satisfy the comparison.
    Both,
    /// Either stream may satisfy it.
    Either,
}

/// One compiled packet-level check.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `dsize` (packets only, never stream chunks).
    Dsize(UintMatch),
    /// `ttl` (hop limit for IPv6).
    Ttl(UintMatch),
    /// `tos:[!]N`.
    Tos { value: u8, negate: bool },
    /// `id`.
    Id(UintMatch),
    /// `ipopts:NAME` (`any` = any option).
    IpOpts(u16),
    /// `fragbits`.
    Fragbits { mode: BitMode, bits: u16 },
    /// `fragoffset:[!<>]N` (in the header's 8-byte units).
    Fragoffset(UintMatch),
    /// `itype`.
    Itype(UintMatch),
    /// `icode`.
    Icode(UintMatch),
    /// `icmp_id`.
    IcmpId(u16),
    /// `icmp_seq`.
    IcmpSeq(u16),
    /// `flags`.
    Flags {
        mode: BitMode,
        bits: u8,
        /// Bits kept before comparing (ignored bits cleared).
        keep: u8,
    },
    /// `seq`.
    Seq(u32),
    /// `ack`.
    Ack(u32),
    /// `window:[!]N`.
    Window { value: u16, negate: bool },
    /// `ip_proto`.
    IpProto(UintMatch),
    /// `sameip`.
    SameIp,
    /// `tcp.mss`.
    TcpMss(UintMatch),
    /// `flow`.
    Flow(FlowCheck),
    /// `stream_size:<side>,<op>,<n>` (TCP only).
    StreamSize { side: StreamSide, cmp: UintMatch },
}

impl Check {
    /// Parses keyword `kw` (already known to be a check keyword).
    pub fn parse(kw: &str, value: Option<&str>) -> Result<Check, KwError> {
        let need = || {
            value
                .map(str::trim)
                .ok_or_else(|| KwError::invalid(format!("{kw} needs a value")))
        };
        Ok(match kw {
            "dsize" => Check::Dsize(uint(need()?, u64::from(u16::MAX))?),
            "ttl" => Check::Ttl(uint(need()?, 255)?),
            "tos" => {
                let v = need()?;
                let (negate, n) = bang(v);
                let n = n.trim();
                let hex = n
                    .strip_prefix(['x', 'X'])
                    .map(|h| u8::from_str_radix(h, 16));
                let value = match hex {
                    Some(h) => h.ok(),
                    None => parse_number(n).and_then(|x| u8::try_from(x).ok()),
                }
                .ok_or_else(|| KwError::invalid(format!("invalid tos {v:?}")))?;
                Check::Tos { value, negate }
            }
            "id" => Check::Id(uint(need()?, u64::from(u16::MAX))?),
            "ipopts" => Check::IpOpts(ipopt(need()?)?),
            "fragbits" => {
                let (mode, bits) = bitspec(need()?, |c| match c {
                    'M' => Some(1),
                    'D' => Some(2),
                    'R' => Some(4),
                    _ => None,
                })?;
                Check::Fragbits { mode, bits }
            }
            "fragoffset" => {
                let v = need()?;
                let m = uint(v, 8191)?;
                if !matches!(
                    m,
                    UintMatch::Eq(_) | UintMatch::Ne(_) | UintMatch::Lt(_) | UintMatch::Gt(_)
                ) {
                    return Err(KwError::invalid(format!("invalid fragoffset {v:?}")));
                }
                Check::Fragoffset(m)
            }
            "itype" => Check::Itype(uint(need()?, 255)?),
            "icode" => Check::Icode(uint(need()?, 255)?),
            "icmp_id" => Check::IcmpId(exact_u16(need()?, kw)?),
            "icmp_seq" => Check::IcmpSeq(exact_u16(need()?, kw)?),
            "flags" => {
                let v = need()?;
                let (spec, ignore) = match v.split_once(',') {
                    Some((s, i)) => (s, Some(i.trim())),
                    None => (v, None),
                };
                let (mode, bits) = bitspec(spec, tcp_flag)?;
                let mut keep = 0xffu8;
                if let Some(ign) = ignore {
                    for c in ign.chars() {
                        let b = tcp_flag(c).filter(|&b| b != 0).ok_or_else(|| {
                            KwError::invalid(format!("invalid flag {c:?} in ignore mask"))
                        })?;
                        keep &= !(b as u8);
                    }
                }
                Check::Flags {
                    mode,
                    bits: bits as u8,
                    keep,
                }
            }
            "seq" => Check::Seq(exact_u32(need()?, kw)?),
            "ack" => Check::Ack(exact_u32(need()?, kw)?),
            "window" => {
                let v = need()?;
                let (negate, n) = bang(v);
                Check::Window {
                    value: exact_u16(n, kw)?,
                    negate,
                }
            }
            "ip_proto" => Check::IpProto(ip_proto(need()?)?),
            "sameip" => {
                if value.is_some() {
                    return Err(KwError::invalid("sameip takes no value"));
                }
                Check::SameIp
            }
            "tcp.mss" => Check::TcpMss(uint(need()?, u64::from(u16::MAX))?),
            "flow" => Check::Flow(flow(need()?)?),
            "stream_size" => stream_size(need()?)?,
            other => return Err(KwError::invalid(format!("{other} is not a packet keyword"))),
        })
    }

    /// True for keywords that only make sense on single packets (Suricata
    /// does not evaluate them on reassembled stream data).
    pub fn packet_only(&self) -> bool {
        // Suricata's SIG_FLAG_REQUIRE_PACKET: keywords about one packet's
        // headers make the rule's payload keywords look at that packet's
        // payload, never at reassembled stream (a `flags:S; content:…`
        // rule matches a TCP Fast Open SYN's data).
        matches!(
            self,
            Check::Dsize(_)
                | Check::Ttl(_)
                | Check::Tos { .. }
                | Check::Id(_)
                | Check::IpOpts(_)
                | Check::Fragbits { .. }
                | Check::Fragoffset(_)
                | Check::Flags { .. }
                | Check::Seq(_)
                | Check::Ack(_)
                | Check::Window { .. }
                | Check::TcpMss(_)
        )
    }

    /// Evaluates the check on `p`.
    pub fn eval(&self, p: &PacketView) -> bool {
        let tcp = p.tcp.filter(|_| p.ip_proto == crate::packet::ipproto::TCP);
        match *self {
            Check::Dsize(m) => {
                // Suricata's signature mask: `!N`, `>N`, `>=N` and `N<>M`
                // require a payload, so `dsize:!9` skips empty packets.
                let needs_payload = matches!(
                    m,
                    UintMatch::Ne(_) | UintMatch::Gt(_) | UintMatch::Ge(_) | UintMatch::Range(..)
                );
                let skipped = needs_payload && p.payload.is_empty();
                !p.flow.from_stream && !skipped && m.matches(p.payload.len() as u64)
            }
            Check::Ttl(m) => m.matches(u64::from(p.ttl)),
            Check::Tos { value, negate } => p.ipv4.is_some_and(|v| (v.tos == value) != negate),
            Check::Id(m) => p.ipv4.is_some_and(|v| m.matches(u64::from(v.id))),
            Check::IpOpts(bit) => p.ipv4.is_some_and(|v| {
                if bit == IpOpt::Any as u16 {
                    v.options != 0
                } else {
                    v.options & bit != 0
                }
            }),
            Check::Fragbits { mode, bits } => p.ipv4.is_some_and(|v| {
                let have = u16::from(v.flag_mf)
                    | u16::from(v.flag_df) << 1
                    | u16::from(v.flag_reserved) << 2;
                mode.matches(have, bits)
            }),
            Check::Fragoffset(m) => p.ipv4.is_some_and(|v| m.matches(u64::from(v.frag_offset))),
            Check::Itype(m) => p.icmp.is_some_and(|i| m.matches(u64::from(i.itype))),
            Check::Icode(m) => p.icmp.is_some_and(|i| m.matches(u64::from(i.icode))),
            Check::IcmpId(id) => p.icmp.and_then(|i| i.id) == Some(id),
            Check::IcmpSeq(s) => p.icmp.and_then(|i| i.seq) == Some(s),
            Check::Flags { mode, bits, keep } => {
                tcp.is_some_and(|t| mode.matches(u16::from(t.flags & keep), u16::from(bits)))
            }
            Check::Seq(s) => tcp.is_some_and(|t| t.seq == s),
            Check::Ack(a) => tcp.is_some_and(|t| t.ack == a),
            Check::Window { value, negate } => tcp.is_some_and(|t| (t.window == value) != negate),
            Check::IpProto(m) => m.matches(u64::from(p.ip_proto)),
            Check::SameIp => p.src == p.dst,
            Check::TcpMss(m) => tcp
                .and_then(|t| t.mss)
                .is_some_and(|mss| m.matches(u64::from(mss))),
            Check::Flow(f) => {
                f.to_server.is_none_or(|t| p.flow.to_server == t)
                    && f.established.is_none_or(|e| p.flow.established == e)
                    && f.stream.is_none_or(|s| p.flow.from_stream == s)
                    && f.frag.is_none_or(|fr| p.is_fragment == fr)
            }
            Check::StreamSize { side, cmp } => {
                if p.ip_proto != crate::packet::ipproto::TCP {
                    return false;
                }
                // Suricata compares the u32 `next_seq - isn`, which counts
                // the SYN: one more than the payload bytes.
                let size = |bytes: u64| u64::from((bytes as u32).wrapping_add(1));
                let server = cmp.matches(size(p.flow.stream_bytes_toclient));
                let client = cmp.matches(size(p.flow.stream_bytes_toserver));
                match side {
                    StreamSide::Server => server,
                    StreamSide::Client => client,
                    StreamSide::Both => server && client,
                    StreamSide::Either => server || client,
                }
            }
        }
    }
}

/// `stream_size:<server|client|both|either>,<op>,<n>`: op is one of `=`,
/// `!=`, `!`, `<`, `<=`, `>`, `>=` (Suricata's integer modes without
/// ranges), `n` a decimal u32.
fn stream_size(v: &str) -> Result<Check, KwError> {
    let bad = || KwError::invalid(format!("invalid stream_size {v:?}"));
    let mut parts = v.split(',').map(str::trim);
    let (Some(side), Some(op), Some(n), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let side = match side {
        "server" => StreamSide::Server,
        "client" => StreamSide::Client,
        "both" => StreamSide::Both,
        "either" => StreamSide::Either,
        _ => return Err(bad()),
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = u64::from(n.parse::<u32>().map_err(|_| bad())?);
    let cmp = match op {
        "=" => UintMatch::Eq(n),
        "!=" | "!" => UintMatch::Ne(n),
        "<" => UintMatch::Lt(n),
        "<=" => UintMatch::Le(n),
        ">" => UintMatch::Gt(n),
        ">=" => UintMatch::Ge(n),
        _ => return Err(bad()),
    };
    Ok(Check::StreamSize { side, cmp })
}

fn uint(v: &str, max: u64) -> Result<UintMatch, KwError> {
    parse_uint(v, max).map_err(KwError::Invalid)
}

fn bang(v: &str) -> (bool, &str) {
    match v.trim().strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, v.trim()),
    }
}

fn exact_u16(v: &str, kw: &str) -> Result<u16, KwError> {
    parse_number(v)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| KwError::invalid(format!("{kw}: invalid value {v:?}")))
}

fn exact_u32(v: &str, kw: &str) -> Result<u32, KwError> {
    parse_number(v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| KwError::invalid(format!("{kw}: invalid value {v:?}")))
}

fn tcp_flag(c: char) -> Option<u16> {
    Some(match c.to_ascii_uppercase() {
        'F' => 0x01,
        'S' => 0x02,
        'R' => 0x04,
        'P' => 0x08,
        'A' => 0x10,
        'U' => 0x20,
        'E' | '2' => 0x40,
        'C' | '1' => 0x80,
        '0' => 0,
        _ => return None,
    })
}

/// Parses `[+*!]BITS` (the modifier may also follow the bits, Snort style).
fn bitspec(v: &str, bit: impl Fn(char) -> Option<u16>) -> Result<(BitMode, u16), KwError> {
    let mut mode = BitMode::Exact;
    let mut bits = 0u16;
    let mut seen_any = false;
    for c in v.trim().chars() {
        match c {
            '+' | '*' | '!' => {
                if mode != BitMode::Exact {
                    return Err(KwError::invalid(format!("more than one modifier in {v:?}")));
                }
                mode = match c {
                    '+' => BitMode::All,
                    '*' => BitMode::Any,
                    _ => BitMode::NotAll,
                };
            }
            c if c.is_whitespace() => {}
            c => {
                let b = bit(c)
                    .ok_or_else(|| KwError::invalid(format!("invalid flag {c:?} in {v:?}")))?;
                bits |= b;
                seen_any = true;
            }
        }
    }
    if !seen_any {
        return Err(KwError::invalid(format!("no flags in {v:?}")));
    }
    Ok((mode, bits))
}

fn ipopt(v: &str) -> Result<u16, KwError> {
    let o = match v.trim().to_ascii_lowercase().as_str() {
        "rr" => IpOpt::Rr,
        "eol" => IpOpt::Eol,
        "nop" => IpOpt::Nop,
        "ts" => IpOpt::Ts,
        "sec" => IpOpt::Sec,
        "esec" => IpOpt::Esec,
        "lsrr" => IpOpt::Lsrr,
        "lsrre" => IpOpt::LsrrE,
        "ssrr" => IpOpt::Ssrr,
        "satid" => IpOpt::Satid,
        "any" => IpOpt::Any,
        _ => return Err(KwError::invalid(format!("unknown ip option {v:?}"))),
    };
    Ok(o as u16)
}

/// Protocol names Suricata resolves through /etc/protocols (common subset).
fn proto_number(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "ip" | "hopopt" => 0,
        "icmp" => 1,
        "igmp" => 2,
        "ggp" => 3,
        "ipencap" | "ipip" | "ipv4" => 4,
        "st" => 5,
        "tcp" => 6,
        "egp" => 8,
        "igp" => 9,
        "pup" => 12,
        "udp" => 17,
        "hmp" => 20,
        "xns-idp" => 22,
        "rdp" => 27,
        "iso-tp4" => 29,
        "dccp" => 33,
        "xtp" => 36,
        "ddp" => 37,
        "idpr-cmtp" => 38,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "idrp" => 45,
        "rsvp" => 46,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "skip" => 57,
        "ipv6-icmp" | "icmpv6" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "rspf" => 73,
        "vmtp" => 81,
        "eigrp" => 88,
        "ospf" | "ospfigp" => 89,
        "ax.25" => 93,
        "ipip-old" => 94,
        "etherip" => 97,
        "encap" => 98,
        "pim" => 103,
        "ipcomp" => 108,
        "vrrp" => 112,
        "l2tp" => 115,
        "isis" => 124,
        "sctp" => 132,
        "fc" => 133,
        "mobility-header" => 135,
        "udplite" => 136,
        "mpls-in-ip" => 137,
        "manet" => 138,
        "hip" => 139,
        "shim6" => 140,
        "wesp" => 141,
        "rohc" => 142,
        _ => return None,
    })
}

fn ip_proto(v: &str) -> Result<UintMatch, KwError> {
    let t = v.trim();
    let (prefix, rest) = match t.chars().next() {
        Some(c @ ('!' | '<' | '>')) => (Some(c), t[1..].trim()),
        _ => (None, t),
    };
    let n = match rest.parse::<u8>() {
        Ok(n) => n,
        Err(_) => proto_number(rest)
            .ok_or_else(|| KwError::invalid(format!("unknown protocol {rest:?}")))?,
    };
    let n = u64::from(n);
    Ok(match prefix {
        Some('!') => UintMatch::Ne(n),
        Some('<') => UintMatch::Lt(n),
        Some('>') => UintMatch::Gt(n),
        _ => UintMatch::Eq(n),
    })
}

fn flow(v: &str) -> Result<FlowCheck, KwError> {
    let mut f = FlowCheck::default();
    let set = |slot: &mut Option<bool>, val: bool, word: &str| -> Result<(), KwError> {
        if slot.is_some_and(|s| s != val) {
            return Err(KwError::invalid(format!(
                "flow option {word} conflicts with an earlier one"
            )));
        }
        *slot = Some(val);
        Ok(())
    };
    for word in v.split(',').map(str::trim) {
        match word {
            "established" => set(&mut f.established, true, word)?,
            "not_established" => set(&mut f.established, false, word)?,
            "stateless" => {}
            "to_server" | "from_client" => set(&mut f.to_server, true, word)?,
            "to_client" | "from_server" => set(&mut f.to_server, false, word)?,
            "only_stream" => set(&mut f.stream, true, word)?,
            "no_stream" => set(&mut f.stream, false, word)?,
            "only_frag" => set(&mut f.frag, true, word)?,
            "no_frag" => set(&mut f.frag, false, word)?,
            "" => return Err(KwError::invalid("empty flow option")),
            other => {
                return Err(KwError::unsupported(format!(
                    "flow option {other:?} is not supported"
                )))
            }
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::v4;
    use crate::packet::{ipproto, FlowInfo, IcmpFields, Ipv4Fields, TcpFields};

    fn tcp_pkt(flags: u8) -> PacketView<'static> {
        let mut p = PacketView::new(v4(1, 1, 1, 1), v4(2, 2, 2, 2), ipproto::TCP, b"hello");
        p.tcp = Some(TcpFields {
            flags,
            seq: 100,
            ack: 200,
            window: 512,
            mss: Some(1460),
        });
        p.ipv4 = Some(Ipv4Fields {
            tos: 0x10,
            id: 7,
            flag_df: true,
            frag_offset: 0,
            options: IpOpt::Rr as u16 | IpOpt::Any as u16,
            ..Default::default()
        });
        p
    }

    fn eval(kw: &str, v: Option<&str>, p: &PacketView) -> bool {
        Check::parse(kw, v)
            .unwrap_or_else(|e| panic!("{kw}:{v:?}: {e:?}"))
            .eval(p)
    }

    #[test]
    fn tcp_flags_modifiers() {
        const S: u8 = 0x02;
        const A: u8 = 0x10;
        const C: u8 = 0x80;
        let cases: &[(&str, u8, bool)] = &[
            ("S", S, true),
            ("S", S | A, false),
            ("S+", S | A, true),
            ("+S", S | A, true),
            ("SA", S | A, true),
            ("*SA", A, true),
            ("*SF", A, false),
            ("!S", A, true),
            ("!S", S, false),
            ("!SA", S, true),
            ("0", 0, true),
            ("0", A, false),
            ("S,12", S | C, true),
            ("S,CE", S | C | 0x40, true),
            ("S,C", S | 0x40, false),
        ];
        for &(spec, flags, want) in cases {
            assert_eq!(
                eval("flags", Some(spec), &tcp_pkt(flags)),
                want,
                "flags:{spec} on {flags:#x}"
            );
        }
        assert!(Check::parse("flags", Some("SX")).is_err());
        assert!(Check::parse("flags", Some("+*S")).is_err());
        let udp = PacketView::new(v4(1, 1, 1, 1), v4(2, 2, 2, 2), ipproto::UDP, b"");
        assert!(!eval("flags", Some("0"), &udp));
    }

    #[test]
    fn ip_and_tcp_fields() {
        let p = tcp_pkt(0x12);
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("ttl", Some("64"), true),
            ("ttl", Some("<10"), false),
            ("tos", Some("16"), true),
            ("tos", Some("x10"), true),
            ("tos", Some("!16"), false),
            ("id", Some("7"), true),
            ("ipopts", Some("rr"), true),
            ("ipopts", Some("lsrr"), false),
            ("ipopts", Some("any"), true),
            ("fragbits", Some("D"), true),
            ("fragbits", Some("M"), false),
            ("fragbits", Some("!M"), true),
            ("fragbits", Some("*MD"), true),
            ("fragbits", Some("+D"), true),
            ("fragoffset", Some("0"), true),
            ("fragoffset", Some(">0"), false),
            ("seq", Some("100"), true),
            ("ack", Some("201"), false),
            ("window", Some("512"), true),
            ("window", Some("!512"), false),
            ("ip_proto", Some("6"), true),
            ("ip_proto", Some("TCP"), true),
            ("ip_proto", Some("!tcp"), false),
            ("ip_proto", Some("<17"), true),
            ("sameip", None, false),
            ("tcp.mss", Some(">1400"), true),
            ("dsize", Some("5"), true),
            ("dsize", Some("1<>5"), false),
            ("dsize", Some("4<>6"), true),
            ("dsize", Some("!5"), false),
            ("dsize", Some(">=5"), true),
        ];
        for &(kw, v, want) in cases {
            assert_eq!(eval(kw, v, &p), want, "{kw}:{v:?}");
        }
        let mut s = p;
        s.flow.from_stream = true;
        assert!(
            !eval("dsize", Some("5"), &s),
            "dsize never matches stream data"
        );
    }

    #[test]
    fn icmp_fields() {
        let mut p = PacketView::new(v4(1, 1, 1, 1), v4(2, 2, 2, 2), ipproto::ICMP, b"");
        p.icmp = Some(IcmpFields {
            itype: 8,
            icode: 0,
            id: Some(0x1234),
            seq: Some(1),
        });
        assert!(eval("itype", Some("8"), &p));
        assert!(eval("itype", Some(">5"), &p));
        assert!(eval("icode", Some("0"), &p));
        assert!(eval("icmp_id", Some("4660"), &p));
        assert!(eval("icmp_seq", Some("1"), &p));
        p.icmp = Some(IcmpFields {
            itype: 3,
            icode: 1,
            id: None,
            seq: None,
        });
        assert!(!eval("icmp_seq", Some("1"), &p));
        assert!(!eval("itype", Some("8"), &tcp_pkt(0)));
    }

    #[test]
    fn flow_options() {
        let mut p = tcp_pkt(0x10);
        p.flow = FlowInfo {
            to_server: true,
            established: true,
            ..FlowInfo::default()
        };
        assert!(eval("flow", Some("established,to_server"), &p));
        assert!(eval("flow", Some("from_client, stateless"), &p));
        assert!(!eval("flow", Some("to_client"), &p));
        assert!(!eval("flow", Some("not_established"), &p));
        assert!(eval("flow", Some("no_stream,no_frag"), &p));
        assert!(!eval("flow", Some("only_stream"), &p));
        p.is_fragment = true;
        assert!(eval("flow", Some("only_frag"), &p));
        assert!(Check::parse("flow", Some("to_server,to_client")).is_err());
        assert!(matches!(
            Check::parse("flow", Some("established,to_server,bogus")),
            Err(KwError::Unsupported(_))
        ));
    }

    #[test]
    fn stream_size_table() {
        // Client sent 9 payload bytes (size 10 counting the SYN), server 0
        // (size 1).
        let mut p = tcp_pkt(0x18);
        p.flow.stream_bytes_toserver = 9;
        p.flow.stream_bytes_toclient = 0;
        let cases: &[(&str, bool)] = &[
            ("client,=,10", true),
            ("client,=,9", false),
            ("client,>,9", true),
            ("client,>=,10", true),
            ("client,<,10", false),
            ("client,<=,10", true),
            ("client,!=,10", false),
            ("client,!,11", true),
            ("server,=,1", true),
            ("server,<,5", true),
            (" server , > , 0 ", true),
            ("both,<,5", false),
            ("both,>,0", true),
            ("either,<,5", true),
            ("either,>,10", false),
        ];
        for &(v, want) in cases {
            assert_eq!(eval("stream_size", Some(v), &p), want, "stream_size:{v}");
        }
        // Suricata's counter is a u32 sequence distance: it wraps.
        p.flow.stream_bytes_toserver = u64::from(u32::MAX);
        assert!(eval("stream_size", Some("client,=,0"), &p));
        let mut udp = p;
        udp.ip_proto = ipproto::UDP;
        assert!(!eval("stream_size", Some("either,>=,0"), &udp));
        for bad in [
            "client,<",
            "client,<,x",
            "client,<>,5",
            "client,==,5",
            "upstream,<,5",
            "client,<,5,6",
            "client,<,-1",
            "client,<,4294967296",
        ] {
            assert!(Check::parse("stream_size", Some(bad)).is_err(), "{bad}");
        }
    }
}
