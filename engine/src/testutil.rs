//! Test helpers: build capture files and packets byte by byte.
//!
//! Tests need captures with exact properties (link type, byte order,
//! timestamp resolution, a lying snap length, a record cut in half), so the
//! writers here put every header field where the test says, valid or not.
//! Packet builders produce correct checksums unless told otherwise; common
//! shapes go through etherparse's `PacketBuilder`, the unusual ones (IPv4
//! options, IPv6 extension headers, fragments) are assembled by hand.
//!
//! Compiled for this crate's tests and, with the `testutil` feature, for
//! other crates' tests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use etherparse::PacketBuilder;

use crate::decode::checksum;

/// Fields of a classic pcap global header.
#[derive(Debug, Clone, Copy)]
pub struct PcapHeader {
    /// LINKTYPE_* value.
    pub linktype: u32,
    /// Snap length as written (may be bogus on purpose).
    pub snaplen: u32,
    /// Nanosecond timestamps (magic a1b23c4d).
    pub nanos: bool,
    /// Write all fields big-endian (as a big-endian host would).
    pub big_endian: bool,
}

impl PcapHeader {
    /// Little-endian, microseconds, snaplen 65535.
    pub fn new(linktype: u32) -> Self {
        PcapHeader {
            linktype,
            snaplen: 65_535,
            nanos: false,
            big_endian: false,
        }
    }
}

/// Writes a classic pcap file into memory.
#[derive(Debug, Clone)]
pub struct PcapWriter {
    buf: Vec<u8>,
    header: PcapHeader,
}

impl PcapWriter {
    /// A little-endian microsecond pcap with the given link type.
    pub fn new(linktype: u32) -> Self {
        Self::with_header(PcapHeader::new(linktype))
    }

    /// A pcap with every global header field chosen by the caller.
    pub fn with_header(header: PcapHeader) -> Self {
        let mut w = PcapWriter {
            buf: Vec::new(),
            header,
        };
        let magic: u32 = if header.nanos {
            0xa1b2_3c4d
        } else {
            0xa1b2_c3d4
        };
        w.u32(magic);
        w.u16(2);
        w.u16(4);
        w.u32(0); // thiszone
        w.u32(0); // sigfigs
        w.u32(header.snaplen);
        w.u32(header.linktype);
        w
    }

    fn u32(&mut self, v: u32) {
        let b = if self.header.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }

    fn u16(&mut self, v: u16) {
        let b = if self.header.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }

    /// Appends a complete packet; `frac` is micro- or nanoseconds per the header.
    pub fn packet(&mut self, secs: u32, frac: u32, data: &[u8]) -> &mut Self {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        self.record(secs, frac, len, len, data)
    }

    /// Appends a record with the header fields given verbatim, followed by
    /// `data` (which need not be `caplen` bytes long).
    pub fn record(
        &mut self,
        secs: u32,
        frac: u32,
        caplen: u32,
        origlen: u32,
        data: &[u8],
    ) -> &mut Self {
        self.u32(secs);
        self.u32(frac);
        self.u32(caplen);
        self.u32(origlen);
        self.buf.extend_from_slice(data);
        self
    }

    /// The file so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Writes the file to `path`.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, &self.buf)
    }
}

/// Writes a little-endian pcapng file (SHB, IDBs, EPBs) into memory.
#[derive(Debug, Clone, Default)]
pub struct PcapngWriter {
    buf: Vec<u8>,
}

impl PcapngWriter {
    /// A file with its section header block.
    pub fn new() -> Self {
        let mut w = PcapngWriter { buf: Vec::new() };
        let mut body = Vec::new();
        body.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        w.block(0x0a0d_0d0a, &body);
        w
    }

    fn block(&mut self, kind: u32, body: &[u8]) {
        let padded = body.len().div_ceil(4) * 4;
        let total = u32::try_from(12 + padded).unwrap_or(u32::MAX);
        self.buf.extend_from_slice(&kind.to_le_bytes());
        self.buf.extend_from_slice(&total.to_le_bytes());
        self.buf.extend_from_slice(body);
        self.buf.resize(self.buf.len() + padded - body.len(), 0);
        self.buf.extend_from_slice(&total.to_le_bytes());
    }

    /// Adds an interface; `tsresol` is the if_tsresol option (6 = µs default, 9 = ns).
    pub fn interface(&mut self, linktype: u16, snaplen: u32, tsresol: Option<u8>) -> &mut Self {
        let mut body = Vec::new();
        body.extend_from_slice(&linktype.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&snaplen.to_le_bytes());
        if let Some(res) = tsresol {
            body.extend_from_slice(&9u16.to_le_bytes());
            body.extend_from_slice(&1u16.to_le_bytes());
            body.extend_from_slice(&[res, 0, 0, 0]);
            body.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        }
        self.block(1, &body);
        self
    }

    /// Adds an enhanced packet block; `ts` is in the interface's resolution units.
    pub fn packet(&mut self, interface: u32, ts: u64, data: &[u8], origlen: u32) -> &mut Self {
        let mut body = Vec::new();
        body.extend_from_slice(&interface.to_le_bytes());
        body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ts as u32).to_le_bytes());
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        body.extend_from_slice(&caplen.to_le_bytes());
        body.extend_from_slice(&origlen.to_le_bytes());
        body.extend_from_slice(data);
        self.block(6, &body);
        self
    }

    /// The file so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Writes the file to `path`.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, &self.buf)
    }
}

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, uniquely named directory.
    pub fn new(label: &str) -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("sigil-{label}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Packet builders.
/// Bytes from hex digits, whitespace ignored (test vectors as RFCs print
/// them, `"8286 8441"`). Panics on bad digits: test input only.
pub fn from_hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// A deterministic xorshift64 generator: fuzz-style tests get the same
/// inputs on every run without a dependency.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

pub mod pkt {
    use super::*;

    /// Client MAC used by the builders.
    pub const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
    /// Server MAC used by the builders.
    pub const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];

    /// Ethernet II frame.
    pub fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::with_capacity(14 + payload.len());
        v.extend_from_slice(&MAC_B);
        v.extend_from_slice(&MAC_A);
        v.extend_from_slice(&ethertype.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// Ethernet frame with VLAN tags `(tpid, vid)`, outermost first.
    pub fn ethernet_vlan(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut inner = Vec::new();
        let mut types: Vec<u16> = tags.iter().skip(1).map(|t| t.0).collect();
        types.push(ethertype);
        for ((_, vid), next) in tags.iter().zip(types) {
            inner.extend_from_slice(&(vid & 0x0fff).to_be_bytes());
            inner.extend_from_slice(&next.to_be_bytes());
        }
        inner.extend_from_slice(payload);
        ethernet(tags.first().map_or(ethertype, |t| t.0), &inner)
    }

    /// Linux cooked capture v1 (16-byte header).
    pub fn sll(protocol: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 1, 0, 6];
        v.extend_from_slice(&MAC_A);
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&protocol.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// Linux cooked capture v2 (20-byte header).
    pub fn sll2(protocol: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = protocol.to_be_bytes().to_vec();
        v.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6]);
        v.extend_from_slice(&MAC_A);
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(payload);
        v
    }

    /// BSD loopback header (DLT_NULL host order, or DLT_LOOP network order).
    pub fn null(family: u32, big_endian: bool, payload: &[u8]) -> Vec<u8> {
        let mut v = if big_endian {
            family.to_be_bytes().to_vec()
        } else {
            family.to_le_bytes().to_vec()
        };
        v.extend_from_slice(payload);
        v
    }

    /// An IPv4 header description; `build` fills lengths and the checksum.
    #[derive(Debug, Clone)]
    pub struct Ipv4 {
        /// Source.
        pub src: Ipv4Addr,
        /// Destination.
        pub dst: Ipv4Addr,
        /// Protocol number.
        pub proto: u8,
        /// TTL.
        pub ttl: u8,
        /// Type of service.
        pub tos: u8,
        /// Identification.
        pub id: u16,
        /// Reserved (evil) bit.
        pub rf: bool,
        /// Don't fragment.
        pub df: bool,
        /// More fragments.
        pub mf: bool,
        /// Fragment offset in 8-byte units.
        pub frag_offset: u16,
        /// Options, padded to 4 bytes by `build`.
        pub options: Vec<u8>,
        /// Total length to write instead of the real one.
        pub total_len_override: Option<u16>,
        /// Store a wrong header checksum.
        pub bad_checksum: bool,
    }

    impl Ipv4 {
        /// 10.0.0.1 → 10.0.0.2 with `proto`, TTL 64.
        pub fn new(proto: u8) -> Self {
            Ipv4 {
                src: Ipv4Addr::new(10, 0, 0, 1),
                dst: Ipv4Addr::new(10, 0, 0, 2),
                proto,
                ttl: 64,
                tos: 0,
                id: 1,
                rf: false,
                df: false,
                mf: false,
                frag_offset: 0,
                options: Vec::new(),
                total_len_override: None,
                bad_checksum: false,
            }
        }

        /// Header + payload.
        pub fn build(&self, payload: &[u8]) -> Vec<u8> {
            let mut opts = self.options.clone();
            opts.resize(opts.len().div_ceil(4) * 4, 0);
            let hlen = 20 + opts.len();
            let total = self
                .total_len_override
                .unwrap_or(u16::try_from(hlen + payload.len()).unwrap_or(u16::MAX));
            let mut flags = self.frag_offset & 0x1fff;
            if self.rf {
                flags |= 0x8000;
            }
            if self.df {
                flags |= 0x4000;
            }
            if self.mf {
                flags |= 0x2000;
            }
            let mut h = Vec::with_capacity(hlen + payload.len());
            h.push(0x40 | u8::try_from(hlen / 4).unwrap_or(15));
            h.push(self.tos);
            h.extend_from_slice(&total.to_be_bytes());
            h.extend_from_slice(&self.id.to_be_bytes());
            h.extend_from_slice(&flags.to_be_bytes());
            h.push(self.ttl);
            h.push(self.proto);
            h.extend_from_slice(&[0, 0]);
            h.extend_from_slice(&self.src.octets());
            h.extend_from_slice(&self.dst.octets());
            h.extend_from_slice(&opts);
            let mut c = checksum::compute(0, &h);
            if self.bad_checksum {
                c = c.wrapping_add(1);
            }
            h[10..12].copy_from_slice(&c.to_be_bytes());
            h.extend_from_slice(payload);
            h
        }
    }

    /// An IPv6 packet with extension headers `(type, body)`; each body is
    /// padded to 8 bytes minus the 2-byte next/len prefix (or, for the
    /// fragment header (44), used as the 6 bytes after next/reserved).
    pub fn ipv6(
        src: Ipv6Addr,
        dst: Ipv6Addr,
        exts: &[(u8, Vec<u8>)],
        upper: u8,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut chain = Vec::new();
        let types: Vec<u8> = exts.iter().map(|e| e.0).skip(1).chain([upper]).collect();
        for ((kind, body), next) in exts.iter().zip(types) {
            match kind {
                44 => {
                    chain.push(next);
                    chain.push(0);
                    let mut b = body.clone();
                    b.resize(6, 0);
                    chain.extend_from_slice(&b);
                }
                51 => {
                    // AH: length in 4-byte units minus 2; body = SPI, seq, ICV.
                    let mut b = body.clone();
                    b.resize((b.len().max(10) + 2).div_ceil(4) * 4 - 2, 0);
                    chain.push(next);
                    chain.push(u8::try_from((b.len() + 2) / 4 - 2).unwrap_or(0));
                    chain.extend_from_slice(&b);
                }
                _ => {
                    let mut b = body.clone();
                    b.resize((b.len() + 2).div_ceil(8) * 8 - 2, 0);
                    chain.push(next);
                    chain.push(u8::try_from((b.len() + 2) / 8 - 1).unwrap_or(0));
                    chain.extend_from_slice(&b);
                }
            }
        }
        let first = exts.first().map_or(upper, |e| e.0);
        let plen = u16::try_from(chain.len() + payload.len()).unwrap_or(u16::MAX);
        let mut v = vec![0x60, 0, 0, 0];
        v.extend_from_slice(&plen.to_be_bytes());
        v.push(first);
        v.push(64);
        v.extend_from_slice(&src.octets());
        v.extend_from_slice(&dst.octets());
        v.extend_from_slice(&chain);
        v.extend_from_slice(payload);
        v
    }

    /// Fragment header body: offset (8-byte units), more-fragments, id.
    pub fn frag_body(offset: u16, more: bool, id: u32) -> Vec<u8> {
        let mut b = ((offset << 3) | u16::from(more)).to_be_bytes().to_vec();
        b.extend_from_slice(&id.to_be_bytes());
        b
    }

    /// TCP header fields for [`tcp_segment`].
    #[derive(Debug, Clone)]
    pub struct Tcp {
        /// Source port.
        pub sport: u16,
        /// Destination port.
        pub dport: u16,
        /// Sequence number.
        pub seq: u32,
        /// Acknowledgement number.
        pub ack: u32,
        /// Flag byte.
        pub flags: u8,
        /// Window.
        pub window: u16,
        /// Raw options, padded to 4 bytes.
        pub options: Vec<u8>,
    }

    impl Tcp {
        /// Ports and flags; seq 1, ack 0, window 8192, no options.
        pub fn new(sport: u16, dport: u16, flags: u8) -> Self {
            Tcp {
                sport,
                dport,
                seq: 1,
                ack: 0,
                flags,
                window: 8192,
                options: Vec::new(),
            }
        }
    }

    /// A TCP segment with a correct checksum for `src` → `dst`.
    pub fn tcp_segment(src: IpAddr, dst: IpAddr, t: &Tcp, payload: &[u8]) -> Vec<u8> {
        let mut opts = t.options.clone();
        opts.resize(opts.len().div_ceil(4) * 4, 0);
        let hlen = 20 + opts.len();
        let mut s = Vec::with_capacity(hlen + payload.len());
        s.extend_from_slice(&t.sport.to_be_bytes());
        s.extend_from_slice(&t.dport.to_be_bytes());
        s.extend_from_slice(&t.seq.to_be_bytes());
        s.extend_from_slice(&t.ack.to_be_bytes());
        s.push(u8::try_from(hlen / 4).unwrap_or(15) << 4);
        s.push(t.flags);
        s.extend_from_slice(&t.window.to_be_bytes());
        s.extend_from_slice(&[0, 0, 0, 0]);
        s.extend_from_slice(&opts);
        s.extend_from_slice(payload);
        fill_checksum(&mut s, 16, src, dst, 6);
        s
    }

    /// A UDP datagram with a correct checksum for `src` → `dst`.
    pub fn udp_datagram(
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let len = u16::try_from(8 + payload.len()).unwrap_or(u16::MAX);
        let mut s = Vec::with_capacity(8 + payload.len());
        s.extend_from_slice(&sport.to_be_bytes());
        s.extend_from_slice(&dport.to_be_bytes());
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(&[0, 0]);
        s.extend_from_slice(payload);
        fill_checksum(&mut s, 6, src, dst, 17);
        s
    }

    /// An ICMP (v4) echo-style message with a correct checksum.
    pub fn icmpv4(itype: u8, code: u8, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![itype, code, 0, 0];
        s.extend_from_slice(&id.to_be_bytes());
        s.extend_from_slice(&seq.to_be_bytes());
        s.extend_from_slice(payload);
        let c = checksum::compute(0, &s);
        s[2..4].copy_from_slice(&c.to_be_bytes());
        s
    }

    /// An ICMPv6 echo-style message with a correct checksum for `src` → `dst`.
    pub fn icmpv6(
        src: Ipv6Addr,
        dst: Ipv6Addr,
        itype: u8,
        id: u16,
        seq: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut s = vec![itype, 0, 0, 0];
        s.extend_from_slice(&id.to_be_bytes());
        s.extend_from_slice(&seq.to_be_bytes());
        s.extend_from_slice(payload);
        fill_checksum(&mut s, 2, IpAddr::V6(src), IpAddr::V6(dst), 58);
        s
    }

    fn fill_checksum(seg: &mut [u8], at: usize, src: IpAddr, dst: IpAddr, proto: u8) {
        let len = u32::try_from(seg.len()).unwrap_or(u32::MAX);
        let mut c = checksum::compute(checksum::pseudo_header(src, dst, proto, len), seg);
        if proto == 17 && c == 0 {
            c = 0xffff;
        }
        if let Some(slot) = seg.get_mut(at..at + 2) {
            slot.copy_from_slice(&c.to_be_bytes());
        }
    }

    /// Ethernet/IPv4/TCP via etherparse's builder (independent of our checksum code).
    /// (Options in `t` are ignored.)
    pub fn eth_ipv4_tcp(src: [u8; 4], dst: [u8; 4], t: &Tcp, payload: &[u8]) -> Vec<u8> {
        let flags = t.flags;
        let mut b = PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv4(src, dst, 64)
            .tcp(t.sport, t.dport, t.seq, t.window);
        if flags & 0x01 != 0 {
            b = b.fin();
        }
        if flags & 0x02 != 0 {
            b = b.syn();
        }
        if flags & 0x04 != 0 {
            b = b.rst();
        }
        if flags & 0x08 != 0 {
            b = b.psh();
        }
        if flags & 0x10 != 0 {
            b = b.ack(t.ack);
        }
        let mut v = Vec::with_capacity(b.size(payload.len()));
        let _ = b.write(&mut v, payload);
        v
    }

    /// Ethernet/IPv4/UDP via etherparse's builder.
    pub fn eth_ipv4_udp(
        src: [u8; 4],
        dst: [u8; 4],
        sport: u16,
        dport: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv4(src, dst, 64)
            .udp(sport, dport);
        let mut v = Vec::with_capacity(b.size(payload.len()));
        let _ = b.write(&mut v, payload);
        v
    }

    /// Ethernet/IPv6/UDP via etherparse's builder.
    pub fn eth_ipv6_udp(
        src: [u8; 16],
        dst: [u8; 16],
        sport: u16,
        dport: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv6(src, dst, 64)
            .udp(sport, dport);
        let mut v = Vec::with_capacity(b.size(payload.len()));
        let _ = b.write(&mut v, payload);
        v
    }

    /// Ethernet/IPv4/ICMP echo request via etherparse's builder.
    pub fn eth_ipv4_icmp_echo(
        src: [u8; 4],
        dst: [u8; 4],
        id: u16,
        seq: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv4(src, dst, 64)
            .icmpv4_echo_request(id, seq);
        let mut v = Vec::with_capacity(b.size(payload.len()));
        let _ = b.write(&mut v, payload);
        v
    }

    /// Ethernet/IPv6/ICMPv6 echo request via etherparse's builder.
    pub fn eth_ipv6_icmp_echo(
        src: [u8; 16],
        dst: [u8; 16],
        id: u16,
        seq: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv6(src, dst, 64)
            .icmpv6_echo_request(id, seq);
        let mut v = Vec::with_capacity(b.size(payload.len()));
        let _ = b.write(&mut v, payload);
        v
    }

    /// A raw IPv4/TCP packet (no link layer) with correct checksums.
    pub fn ipv4_tcp(t: &Tcp, payload: &[u8]) -> Vec<u8> {
        let ip = Ipv4::new(6);
        let seg = tcp_segment(IpAddr::V4(ip.src), IpAddr::V4(ip.dst), t, payload);
        ip.build(&seg)
    }
}
