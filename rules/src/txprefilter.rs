//! Prefilter for transaction rules (Suricata's per-buffer MPM).
//!
//! Transaction rules are grouped by protocol and by the packet direction
//! they are inspected on (a rule following the packet's direction sits in
//! both). Inside a group, each inspection list that holds fast patterns
//! (a buffer, its transforms and the side it is read from — or the packet
//! payload) gets one case-insensitive literal matcher ([`crate::litset`]); every value
//! of that buffer (each item of a multi-buffer) is scanned, transformed as
//! the rules' list is. A hit makes the rules of that pattern candidates;
//! rules without a fast pattern are always candidates of their group.
//! Scratch space is reused, so collecting candidates allocates nothing
//! once warmed up.

use std::collections::HashMap;

use crate::applayer::{FastList, RuleDir};
use crate::buffer::{AppProto, Buffer, Side};
use crate::compile::CompiledRule;
use crate::meta::RuleId;
use crate::patindex::PatternIndex;
use crate::transform::{Transform, TransformBufs};
use crate::txview::TxView;

/// Where a list group's data comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Source {
    buffer: Buffer,
    transforms: Vec<Transform>,
    to_server: bool,
}

#[derive(Debug)]
struct ListGroup {
    /// None: the packet payload.
    source: Option<Source>,
    patterns: PatternIndex,
}

#[derive(Debug, Default)]
struct DirGroup {
    always: Vec<RuleId>,
    lists: Vec<ListGroup>,
}

/// The transaction-rule groups of a rule set.
#[derive(Debug, Default)]
pub struct TxIndex {
    /// `proto_index(p) * 2 + to_server`.
    groups: Vec<DirGroup>,
    npatterns: usize,
}

fn proto_index(p: AppProto) -> usize {
    match p {
        // HTTP/2 transactions answer the `http` rules (and `http2` ones).
        AppProto::Http | AppProto::Http2 => 0,
        AppProto::Dns => 1,
        AppProto::Tls => 2,
        // SMTP has no transactions.
        AppProto::Ssh | AppProto::Smtp => 3,
    }
}

const NPROTOS: usize = 4;

/// Per-worker state for transaction matching.
#[derive(Debug, Default)]
pub struct TxScratch {
    gen: u32,
    rule_stamp: Vec<u32>,
    pattern_stamp: Vec<u32>,
    /// Reused value list (empty between uses; see [`lend`]).
    vals: Vec<&'static [u8]>,
    pub(crate) bufs: TransformBufs,
    pub(crate) cands: Vec<RuleId>,
    /// `dns.rrtype` values.
    rrtypes: Vec<u16>,
}

impl TxScratch {
    /// Reused `dns.rrtype` list.
    pub(crate) fn rrtypes(&mut self) -> &mut Vec<u16> {
        &mut self.rrtypes
    }

    fn begin(&mut self, nrules: usize, npatterns: usize) {
        if self.rule_stamp.len() != nrules
            || self.pattern_stamp.len() != npatterns
            || self.gen == u32::MAX
        {
            self.rule_stamp.clear();
            self.rule_stamp.resize(nrules, 0);
            self.pattern_stamp.clear();
            self.pattern_stamp.resize(npatterns, 0);
            self.gen = 0;
        }
        self.gen += 1;
    }

    fn add(&mut self, id: RuleId, out: &mut Vec<RuleId>) {
        if let Some(s) = self.rule_stamp.get_mut(id as usize) {
            if *s != self.gen {
                *s = self.gen;
                out.push(id);
            }
        }
    }

    /// Lends the reusable value vector (empty) for one borrow.
    pub(crate) fn lend<'a>(&mut self) -> Vec<&'a [u8]> {
        let mut v = std::mem::take(&mut self.vals);
        v.clear();
        v
    }

    /// Takes the vector back, keeping its allocation (the in-place
    /// `collect` reuses it: same element layout).
    pub(crate) fn give_back(&mut self, mut v: Vec<&[u8]>) {
        v.clear();
        self.vals = v.into_iter().map(|_| -> &'static [u8] { &[] }).collect();
    }
}

/// The side a list is read from when its rule is inspected on `to_server`
/// packets.
pub fn fetch_side(side: Side, to_server: bool) -> bool {
    match side {
        Side::ToServer => true,
        Side::ToClient => false,
        Side::Both => to_server,
    }
}

/// The buffer whose bytes `buffer` read from `to_server` are, so lists
/// that read the same bytes share one matcher and one scan: an HTTP
/// response's `file.data` is its `http.response_body` (both the
/// decompressed body; the request side differs, `file.data` there being
/// the uploaded files). Bodies are most of the bytes scanned, and the two
/// lists were reading each one twice.
fn same_bytes(proto: AppProto, buffer: Buffer, to_server: bool) -> Buffer {
    match (proto, buffer, to_server) {
        (AppProto::Http, Buffer::HttpResponseBody, false) => Buffer::FileData,
        _ => buffer,
    }
}

type Drafts = HashMap<(usize, Option<Source>), (HashMap<Vec<u8>, usize>, Vec<Vec<RuleId>>)>;

impl TxIndex {
    /// Groups the transaction rules of `rules` (indexed by id). With
    /// `enabled` false every rule is an always-candidate of its groups.
    // Keys hold transforms; `pcrexform`'s compiled regex has an internal
    // cache (interior mutability) but Hash/Eq only look at its pattern.
    #[allow(clippy::mutable_key_type)]
    pub fn build(rules: &[CompiledRule], enabled: bool) -> TxIndex {
        let mut groups: Vec<DirGroup> = (0..NPROTOS * 2).map(|_| DirGroup::default()).collect();
        let mut drafts: Drafts = HashMap::new();
        let mut order: Vec<(usize, Option<Source>)> = Vec::new();
        let ids = 0..RuleId::try_from(rules.len()).unwrap_or(RuleId::MAX);
        for (id, r) in ids.zip(rules) {
            let app = &r.app;
            let (true, Some(proto)) = (app.tx, app.proto) else {
                continue;
            };
            let dirs: &[bool] = match app.dir {
                RuleDir::ToServer => &[true],
                RuleDir::ToClient => &[false],
                RuleDir::Either => &[true, false],
            };
            for &to_server in dirs {
                let g = proto_index(proto) * 2 + usize::from(to_server);
                let fast = r.fast.as_ref().filter(|f| enabled && !f.bytes.is_empty());
                let source = match (fast, app.fast) {
                    (Some(_), Some(FastList::Payload)) => Some(None),
                    (Some(_), Some(FastList::List(i))) => app.lists.get(i).map(|l| {
                        let side = fetch_side(l.key.side(), to_server);
                        Some(Source {
                            buffer: same_bytes(proto, l.key.buffer, side),
                            transforms: l.key.transforms.clone(),
                            to_server: side,
                        })
                    }),
                    _ => None,
                };
                match (source, fast) {
                    (Some(src), Some(fp)) => {
                        let key = (g, src);
                        let entry = drafts.entry(key.clone()).or_insert_with(|| {
                            order.push(key);
                            Default::default()
                        });
                        let pat = fp.bytes.to_ascii_lowercase();
                        let n = entry.0.len();
                        let i = *entry.0.entry(pat).or_insert(n);
                        if i == entry.1.len() {
                            entry.1.push(Vec::new());
                        }
                        if let Some(v) = entry.1.get_mut(i) {
                            v.push(id);
                        }
                    }
                    _ => {
                        if let Some(gr) = groups.get_mut(g) {
                            gr.always.push(id);
                        }
                    }
                }
            }
        }
        let mut npatterns = 0;
        for key in order {
            let Some((index, by_pattern)) = drafts.remove(&key) else {
                continue;
            };
            let (g, source) = key;
            let mut patterns: Vec<(usize, Vec<u8>)> =
                index.into_iter().map(|(p, i)| (i, p)).collect();
            patterns.sort_unstable();
            let patterns: Vec<Vec<u8>> = patterns.into_iter().map(|(_, p)| p).collect();
            let Some(gr) = groups.get_mut(g) else {
                continue;
            };
            match PatternIndex::build(&patterns, &by_pattern, npatterns) {
                Ok(ix) => gr.lists.push(ListGroup {
                    source,
                    patterns: ix,
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "tx prefilter automaton build failed; rules checked unfiltered");
                    gr.always.extend(by_pattern.iter().flatten());
                    continue;
                }
            }
            npatterns += by_pattern.len();
        }
        for g in &mut groups {
            g.always.sort_unstable();
            g.always.dedup();
        }
        TxIndex { groups, npatterns }
    }

    /// Always-candidate entries and automata, for tests.
    #[cfg(test)]
    pub fn sizes(&self) -> (usize, usize) {
        let always: usize = self.groups.iter().map(|g| g.always.len()).sum();
        let lists: usize = self.groups.iter().map(|g| g.lists.len()).sum();
        (always, lists)
    }

    /// Appends the candidate rules (each once) for `tx` seen from a packet
    /// travelling `to_server` with `payload`.
    pub fn candidates(
        &self,
        tx: &dyn TxView,
        to_server: bool,
        payload: &[u8],
        nrules: usize,
        st: &mut TxScratch,
        out: &mut Vec<RuleId>,
    ) {
        st.begin(nrules, self.npatterns);
        let g = proto_index(tx.app_proto()) * 2 + usize::from(to_server);
        let Some(group) = self.groups.get(g) else {
            return;
        };
        for &id in &group.always {
            st.add(id, out);
        }
        for lg in &group.lists {
            match &lg.source {
                None => lg.scan(payload, st, out),
                Some(src) => {
                    let mut vals = st.lend();
                    tx.buffer(src.buffer, src.to_server, &mut vals);
                    let mut bufs = std::mem::take(&mut st.bufs);
                    for v in &vals {
                        let data = bufs.apply(&src.transforms, v);
                        lg.scan(data, st, out);
                    }
                    st.bufs = bufs;
                    st.give_back(vals);
                }
            }
        }
    }
}

impl ListGroup {
    fn scan(&self, data: &[u8], st: &mut TxScratch, out: &mut Vec<RuleId>) {
        let TxScratch {
            gen,
            rule_stamp,
            pattern_stamp,
            ..
        } = st;
        self.patterns.scan(data, pattern_stamp, *gen, |id| {
            if let Some(s) = rule_stamp.get_mut(id as usize) {
                if *s != *gen {
                    *s = *gen;
                    out.push(id);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_vector_keeps_its_allocation() {
        let mut st = TxScratch::default();
        let owned = b"abc".to_vec();
        let mut v = st.lend();
        v.push(&owned[..]);
        v.reserve(64);
        let cap = v.capacity();
        st.give_back(v);
        let v2 = st.lend();
        assert!(v2.is_empty());
        assert_eq!(v2.capacity(), cap);
    }

    #[test]
    fn stamps_dedupe_per_generation() {
        let mut st = TxScratch::default();
        let mut out = Vec::new();
        st.begin(4, 0);
        st.add(1, &mut out);
        st.add(1, &mut out);
        st.add(3, &mut out);
        assert_eq!(out, [1, 3]);
        st.begin(4, 0);
        st.add(1, &mut out);
        assert_eq!(out, [1, 3, 1]);
    }

    #[test]
    fn response_body_and_file_data_share_a_list_on_the_response_side() {
        assert_eq!(
            same_bytes(AppProto::Http, Buffer::HttpResponseBody, false),
            Buffer::FileData
        );
        assert_eq!(
            same_bytes(AppProto::Http, Buffer::HttpRequestBody, true),
            Buffer::HttpRequestBody
        );
        assert_eq!(
            same_bytes(AppProto::Http, Buffer::FileData, true),
            Buffer::FileData
        );
        let rules = "alert http any any -> any any (msg:\"a\"; flow:to_client; http.response_body; content:\"secret-one\"; sid:1;)\n\
                     alert http any any -> any any (msg:\"b\"; flow:to_client; file.data; content:\"secret-two\"; sid:2;)\n";
        let (set, report) = crate::tests::build(rules, true);
        assert_eq!(report.compiled, 2);
        let (_, lists) = set.tx.sizes();
        assert_eq!(lists, 1, "one list group for both buffers");
    }

    #[test]
    fn sides() {
        assert!(fetch_side(Side::ToServer, false));
        assert!(!fetch_side(Side::ToClient, true));
        assert!(fetch_side(Side::Both, true));
        assert!(!fetch_side(Side::Both, false));
    }
}
