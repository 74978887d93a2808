//! fast.log writer: Suricata's one-line-per-alert format.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::eve::AlertInfo;
use super::{has_ports, proto_name, time, EventCtx};

/// Appends alerts to `fast.log`.
pub struct FastLogWriter {
    out: BufWriter<File>,
}

impl FastLogWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> io::Result<FastLogWriter> {
        Ok(FastLogWriter {
            out: BufWriter::new(File::create(path)?),
        })
    }

    /// Writes one alert line.
    pub fn alert(
        &mut self,
        pkt: &EventCtx<'_>,
        alert: &AlertInfo<'_>,
        classification: Option<&str>,
        drop: bool,
    ) -> io::Result<()> {
        format_line(&mut self.out, pkt, alert, classification, drop)
    }

    /// Flushes buffered lines.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Formats one line like Suricata's alert-fastlog:
/// `TS  [**] [gid:sid:rev] msg [**] [Classification: c] [Priority: p] {PROTO} src:sp -> dst:dp`.
/// ICMP shows type and code where the ports would be, as Suricata does.
pub fn format_line<W: Write>(
    w: &mut W,
    pkt: &EventCtx<'_>,
    alert: &AlertInfo<'_>,
    classification: Option<&str>,
    drop: bool,
) -> io::Result<()> {
    let (sp, dp) = match pkt.icmp {
        Some((t, c)) => (u16::from(t), u16::from(c)),
        None if has_ports(pkt.ip_proto) => (pkt.sport, pkt.dport),
        None => (0, 0),
    };
    let addr = |ip: std::net::IpAddr| match ip {
        std::net::IpAddr::V6(v6) => {
            // Suricata prints IPv6 fully expanded.
            let s = v6.segments();
            s.iter()
                .map(|x| format!("{x:04x}"))
                .collect::<Vec<_>>()
                .join(":")
        }
        v4 => v4.to_string(),
    };
    writeln!(
        w,
        "{}  {}[**] [{}:{}:{}] {} [**] [Classification: {}] [Priority: {}] {{{}}} {}:{} -> {}:{}",
        time::fast(pkt.ts),
        if drop { "[Drop] " } else { "" },
        alert.gid,
        alert.sid,
        alert.rev,
        alert.signature,
        classification.unwrap_or("(null)"),
        alert.severity,
        proto_name(pkt.ip_proto),
        addr(pkt.src),
        sp,
        addr(pkt.dst),
        dp
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Ts;

    #[test]
    fn line_matches_suricata_layout() {
        let pkt = EventCtx {
            ts: Ts::new(1_612_510_490, 3_000),
            pcap_cnt: 1,
            pcap_filename: None,
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            sport: 1234,
            dport: 80,
            ip_proto: 6,
            icmp: None,
            vlan: &[],
            flow: None,
            pkt_src: None,
        };
        let alert = AlertInfo {
            action: "allowed",
            gid: 1,
            sid: 2010371,
            rev: 2,
            signature: "ET SCAN test",
            category: "Attempted Information Leak",
            severity: 2,
            metadata: &[],
        };
        let mut out = Vec::new();
        format_line(
            &mut out,
            &pkt,
            &alert,
            Some("Attempted Information Leak"),
            false,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "02/05/2021-07:34:50.000003  [**] [1:2010371:2] ET SCAN test [**] \
             [Classification: Attempted Information Leak] [Priority: 2] {TCP} \
             10.0.0.1:1234 -> 10.0.0.2:80\n"
        );
    }

    #[test]
    fn icmp_and_ipv6() {
        let pkt = EventCtx {
            ts: Ts::new(0, 0),
            pcap_cnt: 1,
            pcap_filename: None,
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8::2".parse().unwrap(),
            sport: 0,
            dport: 0,
            ip_proto: 58,
            icmp: Some((128, 0)),
            vlan: &[],
            flow: None,
            pkt_src: None,
        };
        let alert = AlertInfo {
            action: "allowed",
            gid: 1,
            sid: 1,
            rev: 1,
            signature: "ping",
            category: "",
            severity: 3,
            metadata: &[],
        };
        let mut out = Vec::new();
        format_line(&mut out, &pkt, &alert, None, false).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.ends_with(
            "[Classification: (null)] [Priority: 3] {IPv6-ICMP} \
             2001:0db8:0000:0000:0000:0000:0000:0001:128 -> \
             2001:0db8:0000:0000:0000:0000:0000:0002:0\n"
        ));
    }
}
