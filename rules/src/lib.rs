//! Rule compiler: Suricata rule ASTs (from `sigil-grammar`) → an immutable,
//! `Send + Sync` [`RuleSet`] that matches packet payloads.
//!
//! Pipeline: [`Vars`] and [`Classifications`] configure a
//! [`RuleSetBuilder`]; it parses rule files, compiles each rule
//! ([`compile_rule`]: header resolution, keyword validation, payload
//! program, fast pattern), reports every rule it cannot load in a
//! [`LoadReport`], orders the rules as Suricata does and groups them behind
//! aho-corasick prefilters. Workers share the `RuleSet` (via `Arc`) and
//! each owns a [`Scratch`].
//!
//! Rules with application-layer buffers or keywords (`http.uri`,
//! `dns.query`, `tls.sni`, `dns.opcode` …) are *transaction rules*: the
//! engine's protocol parsers expose each transaction through [`TxView`]
//! and call [`RuleSet::match_tx`]; everything else is matched per packet
//! (see the `applayer` module docs for the packet/stream and direction
//! rules).
//!
//! State that outlives a packet stays outside the rule set: the engine
//! keeps a [`FlowVars`] (flowbits, flowints) in each flow and passes it to
//! [`RuleSet::match_flow_packet`], and its output stage owns one
//! [`ThresholdState`] that decides which matches of `threshold` /
//! `detection_filter` rules become alerts.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use sigil_rules::{packet::{ipproto, PacketView}, Classifications, RuleSetBuilder, Vars};
//!
//! let mut b = RuleSetBuilder::new(Vars::suricata_defaults(), Classifications::default());
//! b.add_source(
//!     r#"alert tcp any any -> any 80 (msg:"evil get"; content:"GET"; depth:3; content:"/evil"; distance:0; sid:1;)"#,
//!     None,
//! );
//! let (set, report) = b.build();
//! assert_eq!(report.compiled, 1);
//!
//! let mut pkt = PacketView::new(
//!     IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
//!     IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
//!     ipproto::TCP,
//!     b"GET /evil HTTP/1.1\r\n",
//! );
//! pkt.dport = 80;
//! let mut scratch = set.new_scratch();
//! let mut hits = Vec::new();
//! set.match_packet(&pkt, &mut scratch, &mut hits);
//! assert_eq!(set.meta(hits[0]).sid, 1);
//! ```
#![deny(missing_docs)]

mod addr;
mod addrindex;
mod appevent;
mod applayer;
mod applayer_events;
mod asn1kw;
mod b64kw;
mod base64;
pub mod buffer;
mod builder;
mod bytemath;
mod bytes;
mod checks;
mod classification;
mod compile;
mod configkw;
mod content;
mod decoder_events;
mod entropy;
mod exprtext;
mod filekw;
mod flowkw;
mod flowvars;
mod header;
mod keyword;
pub mod litset;
mod meta;
mod patindex;
// The engine-facing interface module documents its types, not every field.
mod fdr;
#[allow(missing_docs)]
pub mod packet;
mod pcre;
mod pcrevars;
mod pktbuf;
mod pktfields;
mod pktkw;
mod prefilter;
mod program;
mod requires;
mod ruleset;
mod threshold;
mod tlskw;
mod transform;
mod txcheck;
mod txprefilter;
pub mod txview;
mod uint;
mod vars;
mod xbits;
mod xform_ext;
mod xform_zip;

pub use addr::{IpSet, PortSet, ResolveError};
pub use builder::{
    DuplicateRule, InvalidRule, LoadError, LoadReport, RuleSetBuilder, SyntaxError, UndefinedVar,
    UnsupportedRule,
};
pub use classification::{Classification, ClassificationError, Classifications};
pub use compile::{
    compile_rule, CompileCtx, CompileIssue, CompiledRule, FastPattern, IpOnly, IssueKind,
};
pub use flowvars::FlowVars;
pub use meta::{Action, FileStore, RuleId, RuleMeta, StoreDir, StoreScope, TagSpec, Target};
pub use prefilter::PrefilterStats;
pub use ruleset::{RuleSet, Scratch};
pub use threshold::{
    DetectionFilter, ThresholdSpec, ThresholdState, ThresholdType, Track, DEFAULT_MAX_TRACKERS,
};
pub use txview::TxView;
pub use vars::{ResolvedVars, Vars, VarsError};
pub use xbits::XbitStore;

// Compile-time proof that the rule set can be shared across worker threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleSet>();
};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flow_tests;

#[cfg(test)]
mod pkt_tests;

#[cfg(test)]
mod app_tests;

#[cfg(test)]
mod iponly_tests;

#[cfg(test)]
mod oibits {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    /// The rule set is shared across worker threads; scratch moves to one.
    #[test]
    fn thread_safety() {
        assert_send_sync::<RuleSet>();
        assert_send_sync::<std::sync::Arc<RuleSet>>();
        fn assert_send<T: Send>() {}
        assert_send::<Scratch>();
        assert_send::<LoadReport>();
        assert_send_sync::<FlowVars>();
        assert_send::<ThresholdState>();
    }
}
