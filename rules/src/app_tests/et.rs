//! Transaction matching on ET Open rules: verbatim rules against built
//! transactions, and prefilter on/off agreement over the whole set.

use super::*;
use crate::tests::et_open;

/// A transaction that answers every buffer, on both sides, with one value.
struct Echo {
    proto: AppProto,
    data: Vec<u8>,
}

impl TxView for Echo {
    fn app_proto(&self) -> AppProto {
        self.proto
    }
    fn tx_id(&self) -> u64 {
        0
    }
    fn buffer<'a>(&'a self, _: Buffer, _: bool, out: &mut Vec<&'a [u8]>) {
        out.push(&self.data);
    }
    fn side_complete(&self, _: bool) -> bool {
        true
    }
}

/// Differential test on real rules: transactions whose buffers hold the
/// contents of ET rules must give the same matches with and without the
/// transaction prefilter.
#[test]
fn et_open_tx_prefilter_agrees_with_brute_force() {
    let (Some((on, _, files)), Some((off, _, _))) = (et_open(true), et_open(false)) else {
        return;
    };
    let payloads = crate::tests::et_payloads(&files, 61);
    let start = std::time::Instant::now();
    let (mut hits, mut calls) = (0, 0);
    let mut on_time = std::time::Duration::ZERO;
    for p in &payloads {
        for proto in [AppProto::Http, AppProto::Dns, AppProto::Tls, AppProto::Ssh] {
            let tx = Echo {
                proto,
                data: p.clone(),
            };
            for to_server in [true, false] {
                let mut pkt = pkt(to_server, p, proto);
                // ET's $HOME_NET / $EXTERNAL_NET.
                pkt.src = if to_server {
                    v4(10, 0, 0, 5)
                } else {
                    v4(203, 0, 113, 7)
                };
                pkt.dst = if to_server {
                    v4(203, 0, 113, 7)
                } else {
                    v4(10, 0, 0, 5)
                };
                let t = std::time::Instant::now();
                let a = tx_sids(&on, &pkt, &tx);
                on_time += t.elapsed();
                assert_eq!(
                    a,
                    tx_sids(&off, &pkt, &tx),
                    "{proto:?} to_server={to_server}"
                );
                hits += a.len();
                calls += 1;
            }
        }
    }
    println!(
        "{} payloads, {calls} tx matches (prefilter on and off) in {:?}, {hits} rules \
         matched; prefilter on: {:?} per match_tx (scratch included); tx prefilter \
         (always entries, automata): {:?}",
        payloads.len(),
        start.elapsed(),
        on_time / calls.max(1),
        on.tx_sizes()
    );
    assert!(hits > 30, "the sample should trigger real rules ({hits})");
}

/// Real ET Open rules (verbatim) against transactions built to trigger
/// them, and near misses.
#[test]
fn et_rules_smoke() {
    let rules = r#"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET ADWARE_PUP W32/PullUpdate.Adware CnC Beacon"; flow:established,to_server; urilen:7; http.method; content:"POST"; http.uri; content:"?v="; fast_pattern; pcre:"/^\/[a-z]{2}\x3Fv\x3D[0-9]$/"; http.header_names; content:!"Referer"; content:!"Accept"; content:!"User-Agent"; reference:md5,129563c2ab034af094422db408d7d74f; classtype:pup-activity; sid:2018368; rev:7;)
alert dns $HOME_NET any -> any any (msg:"ET ADWARE_PUP Observed DNS Query to DriverPack Domain ( .drp .su)"; dns.query; dotprefix; content:".drp.su"; nocase; endswith; classtype:pup-activity; sid:2037895; rev:1;)
alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"ET ADWARE_PUP Observed Honeygain Domain (api .honeygain .com in TLS SNI)"; flow:established,to_server; tls.sni; content:"api.honeygain.com"; bsize:17; fast_pattern; classtype:domain-c2; sid:2033900; rev:1;)
"#;
    for prefilter in [true, false] {
        let (set, _) = load_all(rules, prefilter);
        let check = |tx: &Tx, want: &[u32]| {
            let mut p = pkt(true, b"x", tx.proto);
            p.src = v4(192, 168, 1, 5);
            p.dst = v4(198, 51, 100, 7);
            assert_eq!(tx_sids(&set, &p, tx), want, "prefilter={prefilter}");
        };
        let names: &'static [u8] = b"\r\nHost\r\nContent-Length\r\n\r\n";
        let beacon = |uri: &'static [u8], names: &'static [u8]| {
            Tx::new(
                AppProto::Http,
                vec![
                    (Buffer::HttpMethod, REQ, b"POST"),
                    (Buffer::HttpUri, REQ, uri),
                    (Buffer::HttpHeaderNames, REQ, names),
                ],
            )
        };
        check(&beacon(b"/ab?v=1", names), &[2018368]);
        check(&beacon(b"/ab?v=12", names), &[]);
        check(&beacon(b"/ab?v=1", b"\r\nHost\r\nUser-Agent\r\n\r\n"), &[]);
        let dns = |q: &'static [u8]| Tx::new(AppProto::Dns, vec![(Buffer::DnsQuery, REQ, q)]);
        check(&dns(b"x.DRP.su"), &[2037895]);
        check(&dns(b"drp.su"), &[2037895]);
        check(&dns(b"xdrp.su"), &[]);
        let sni = |s: &'static [u8]| Tx::new(AppProto::Tls, vec![(Buffer::TlsSni, REQ, s)]);
        check(&sni(b"api.honeygain.com"), &[2033900]);
        check(&sni(b"xapi.honeygain.com"), &[]);
    }
}
