//! Rule AST → [`CompiledRule`]: validates every option, resolves the
//! header, builds the payload program and picks the fast pattern.
//!
//! A rule with any unsupported keyword or invalid value is rejected as a
//! whole, with every problem found reported (never silently dropped).

use std::collections::HashMap;

use serde::Serialize;
use sigil_grammar::ast::{self, unquote, RuleOption, Span};

use crate::addr::ResolveError;
use crate::asn1kw::Asn1Check;
use crate::b64kw::{Base64Decode, Base64Step};
use crate::bytemath::ByteMath;
use crate::bytes::{parse_val, ByteExtract, ByteJump, ByteTest, Val};
use crate::checks::Check;
use crate::classification::Classifications;
use crate::content::{parse_content, pattern_strength, Needle};
use crate::entropy::Entropy;
use crate::flowkw::FlowKeywords;
use crate::header::{Header, HeaderErrorKind};
use crate::keyword::{unsupported_reason, KwError};
use crate::meta::{Action, RuleMeta, Target};
use crate::pcre::{Pcre, PcreError};
use crate::program::{ContentStep, IsDataAt, PcreStep, Program, Step};
use crate::threshold::{DetectionFilter, ThresholdSpec};
use crate::vars::ResolvedVars;

mod app;
mod drafts;
mod pkt;

use drafts::{build_program, choose_fast, outer};

/// What the compiler needs besides the rule.
#[derive(Debug, Clone, Copy)]
pub struct CompileCtx<'a> {
    /// Resolved `$VARS`.
    pub vars: &'a ResolvedVars,
    /// Known classtypes.
    pub classifications: &'a Classifications,
}

/// Category of a compile problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Valid Suricata that this engine does not implement.
    Unsupported,
    /// A malformed or contradictory value.
    Invalid,
    /// A `$VAR` that no variable defines.
    UndefinedVar,
    /// `requires:` names a version or feature Sigil does not meet: the
    /// rule is skipped silently, as Suricata does.
    RequirementUnmet,
}

/// One problem with one option (or header part) of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileIssue {
    /// Unsupported, invalid or undefined variable.
    pub kind: IssueKind,
    /// Keyword (or header part, e.g. `protocol`, `source port`).
    pub keyword: String,
    /// What is wrong (for undefined variables: the variable name).
    pub reason: String,
    /// Where in the rule text.
    pub span: Span,
}

/// The fast pattern a rule contributes to its group's prefilter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastPattern {
    /// The pattern (a slice of the content for `fast_pattern:o,l`).
    pub bytes: Vec<u8>,
    /// The content is `nocase`.
    pub nocase: bool,
}

/// A fully supported rule, ready to be placed in a rule set.
#[derive(Debug)]
pub struct CompiledRule {
    /// Output metadata (file and line are filled in by the builder).
    pub meta: RuleMeta,
    pub(crate) header: Header,
    pub(crate) checks: Vec<Check>,
    pub(crate) program: Program,
    /// `flowbits` / `flowint` checks and actions.
    pub(crate) flow: FlowKeywords,
    /// `xbits` / `hostbits` checks and actions.
    pub(crate) xbits: crate::xbits::XbitsKeywords,
    pub(crate) fast: Option<FastPattern>,
    /// Never evaluated on reassembled stream data.
    pub(crate) packet_only: bool,
    /// Never satisfied on reassembled stream data (`asn1` decodes the
    /// packet's payload), though its contents follow the usual views.
    pub(crate) asn1: bool,
    /// App-layer buffers and keywords, and which views the rule inspects.
    pub(crate) app: crate::applayer::AppRule,
    /// Header sticky buffers (`tcp.hdr` …), `vlan.*`, checksum and
    /// `decode-event` keywords.
    pub(crate) pkt: crate::pktbuf::PktParts,
    /// Whether the rule is one of Suricata's IP-only rules.
    pub(crate) ip_only: IpOnly,
}

/// Suricata's IP-only signature types: rules that look at nothing but
/// addresses, ports, the IP protocol and `flowbits:set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpOnly {
    /// Any other rule.
    No,
    /// IP-only: inspected on the first packet of each flow direction
    /// (and on every packet without a flow); a pass or drop acts on the
    /// whole flow.
    Yes,
    /// IP-only but for a negated address ("like IP-only"): inspected on
    /// every packet, its pass or drop still acting on the whole flow.
    Like,
}

impl CompiledRule {
    /// The prefilter pattern, if the rule has a usable one.
    pub fn fast_pattern(&self) -> Option<&FastPattern> {
        self.fast.as_ref()
    }

    /// Whether the rule is one of Suricata's IP-only rules.
    pub fn ip_only(&self) -> IpOnly {
        self.ip_only
    }
}

#[derive(Debug, Default)]
struct ContentDraft {
    bytes: Vec<u8>,
    negated: bool,
    nocase: bool,
    offset: Option<Val>,
    depth: Option<Val>,
    distance: Option<Val>,
    within: Option<Val>,
    startswith: bool,
    endswith: bool,
    fast: Option<Option<(usize, usize)>>,
}

impl ContentDraft {
    fn relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }
}

enum Draft {
    Content(ContentDraft),
    Pcre(Pcre),
    IsDataAt(IsDataAt),
    ByteTest(ByteTest),
    ByteJump(ByteJump),
    ByteExtract(ByteExtract),
    ByteMath(ByteMath),
    Base64Decode(Base64Decode),
    /// `base64_data`: the drafts after it inspect the decoded data.
    Base64Data,
    Entropy(Entropy),
    /// `asn1` checks, at the end of the last match.
    Asn1(Asn1Check),
}

impl Draft {
    fn relative(&self) -> bool {
        match self {
            Draft::Content(c) => c.relative(),
            Draft::Pcre(p) => p.relative,
            Draft::IsDataAt(d) => d.relative,
            Draft::ByteTest(t) => t.relative(),
            Draft::ByteJump(j) => j.relative(),
            Draft::ByteExtract(e) => e.relative(),
            Draft::ByteMath(m) => m.relative(),
            Draft::Base64Decode(d) => d.relative,
            Draft::Base64Data | Draft::Entropy(_) | Draft::Asn1(_) => false,
        }
    }
}

const CONTENT_MODIFIERS: &[&str] = &[
    "nocase",
    "rawbytes",
    "depth",
    "offset",
    "distance",
    "within",
    "fast_pattern",
    "startswith",
    "endswith",
];

const CHECK_KEYWORDS: &[&str] = &[
    "dsize",
    "ttl",
    "tos",
    "id",
    "ipopts",
    "fragbits",
    "fragoffset",
    "itype",
    "icode",
    "icmp_id",
    "icmp_seq",
    "flags",
    "seq",
    "ack",
    "window",
    "ip_proto",
    "sameip",
    "tcp.mss",
    "flow",
    "stream_size",
];

struct Compiler<'c> {
    ctx: CompileCtx<'c>,
    issues: Vec<CompileIssue>,
    meta: RuleMeta,
    sid_seen: bool,
    priority: Option<u8>,
    drafts: Vec<Draft>,
    last_content: Option<usize>,
    fast_seen: bool,
    checks: Vec<Check>,
    vars: HashMap<String, usize>,
    flow: FlowKeywords,
    xbits: crate::xbits::XbitsKeywords,
    app: app::AppState,
    pkt: pkt::PktState,
}

impl Compiler<'_> {
    fn issue(&mut self, o: &RuleOption, e: KwError) {
        let (kind, reason) = match e {
            KwError::Unsupported(r) => (IssueKind::Unsupported, r),
            KwError::Invalid(r) => (IssueKind::Invalid, r),
        };
        self.issues.push(CompileIssue {
            kind,
            keyword: o.keyword.clone(),
            reason,
            span: o.value_span.unwrap_or(o.keyword_span),
        });
    }

    fn option(&mut self, o: &RuleOption) {
        // After a header sticky buffer, keywords work on its own list.
        let r = self.pkt_enter(o).and_then(|()| self.option_inner(o));
        self.pkt_leave(o);
        // File new payload keywords under their buffer even after an error.
        let assigned = self.app_assign_option(o);
        if let Err(e) = r.and(assigned) {
            self.issue(o, e);
        }
    }

    fn option_inner(&mut self, o: &RuleOption) -> Result<(), KwError> {
        let kw = o.keyword.as_str();
        let value = o.value.as_deref();
        let need = || value.ok_or_else(|| KwError::invalid(format!("{kw} needs a value")));
        let none = || match value {
            Some(_) => Err(KwError::invalid(format!("{kw} takes no value"))),
            None => Ok(()),
        };
        if let Some(r) = self.app_keyword(o) {
            return r;
        }
        if let Some(r) = self.pkt_keyword(o) {
            return r;
        }
        match kw {
            "base64_decode" => {
                let d = Base64Decode::parse(value)?;
                self.drafts.push(Draft::Base64Decode(d));
            }
            "base64_data" => {
                none()?;
                if !self
                    .drafts
                    .iter()
                    .any(|d| matches!(d, Draft::Base64Decode(_)))
                {
                    return Err(KwError::invalid(
                        "base64_data needs a preceding base64_decode",
                    ));
                }
                if self.drafts.iter().any(|d| matches!(d, Draft::Base64Data)) {
                    return Err(KwError::invalid("base64_data used twice"));
                }
                self.drafts.push(Draft::Base64Data);
            }
            "requires" => {
                if !crate::requires::requirements_met(need()?)? {
                    self.issues.push(CompileIssue {
                        kind: IssueKind::RequirementUnmet,
                        keyword: kw.to_string(),
                        reason: format!("requirement not met: {}", need()?.trim()),
                        span: o.value_span.unwrap_or(o.keyword_span),
                    });
                }
            }
            "msg" => self.meta.msg = unquote(need()?),
            "sid" => {
                self.meta.sid = parse_u32(need()?, kw)?;
                if self.meta.sid == 0 {
                    return Err(KwError::invalid("sid must not be 0"));
                }
                self.sid_seen = true;
            }
            "rev" => self.meta.rev = parse_u32(need()?, kw)?,
            "gid" => self.meta.gid = parse_u32(need()?, kw)?,
            "classtype" => {
                let name = need()?.trim();
                let c = self
                    .ctx
                    .classifications
                    .get(name)
                    .ok_or_else(|| KwError::invalid(format!("unknown classtype {name:?}")))?;
                self.meta.category = c.description.clone();
                if self.priority.is_none() {
                    self.meta.severity = c.priority;
                }
                self.meta.classtype = Some(name.to_string());
            }
            "priority" => {
                let p = need()?.trim();
                let p: u8 = p
                    .parse()
                    .ok()
                    .filter(|&p| p >= 1)
                    .ok_or_else(|| KwError::invalid(format!("invalid priority {p:?}")))?;
                self.priority = Some(p);
                self.meta.severity = p;
            }
            "reference" => self.meta.references.push(need()?.trim().to_string()),
            "metadata" => self.meta.metadata.extend(
                need()?
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            ),
            "target" => {
                self.meta.target = Some(match need()?.trim() {
                    "src_ip" => Target::SrcIp,
                    "dest_ip" => Target::DestIp,
                    t => return Err(KwError::invalid(format!("invalid target {t:?}"))),
                })
            }
            "tag" => self.meta.tags.push(crate::meta::TagSpec::parse(need()?)?),
            "noalert" => {
                none()?;
                self.meta.noalert = true;
            }
            "bypass" => {
                none()?;
                self.meta.bypass = true;
            }
            "config" => {
                let c = crate::configkw::ConfigKw::parse(need()?)?;
                self.meta.disable_tx_log |= c.disable_tx_log;
            }
            "pkt_data" | "prefilter" => none()?,
            "flowbits" => {
                if self.flow.add_flowbits(need()?)? {
                    self.meta.noalert = true;
                }
            }
            "flowint" => self.flow.add_flowint(need()?)?,
            "xbits" => self.xbits.add(need()?)?,
            "hostbits" => self.xbits.add_hostbits(need()?)?,
            "threshold" | "detection_filter" => {
                if self.meta.threshold.is_some() || self.meta.detection_filter.is_some() {
                    return Err(KwError::invalid(
                        "only one threshold or detection_filter per rule",
                    ));
                }
                if kw == "threshold" {
                    self.meta.threshold = Some(ThresholdSpec::parse(need()?)?);
                } else {
                    self.meta.detection_filter = Some(DetectionFilter::parse(need()?)?);
                }
            }
            "content" => {
                let (negated, bytes) = parse_content(need()?).map_err(KwError::Invalid)?;
                self.last_content = Some(self.drafts.len());
                self.drafts.push(Draft::Content(ContentDraft {
                    bytes,
                    negated,
                    ..Default::default()
                }));
            }
            k if CONTENT_MODIFIERS.contains(&k) => self.modifier(k, value)?,
            "pcre" => {
                let p = Pcre::parse(need()?).map_err(|e| match e {
                    PcreError::Unsupported(r) => KwError::Unsupported(r),
                    PcreError::Invalid(r) => KwError::Invalid(r),
                })?;
                self.drafts.push(Draft::Pcre(p));
            }
            "isdataat" => self.isdataat(need()?)?,
            "entropy" => {
                let e = Entropy::parse(need()?)?;
                self.drafts.push(Draft::Entropy(e));
            }
            "asn1" => {
                let a = Asn1Check::parse(need()?)?;
                self.drafts.push(Draft::Asn1(a));
            }
            "byte_test" => {
                let t = ByteTest::parse(need()?, &|n| self.vars.get(n).copied())?;
                self.drafts.push(Draft::ByteTest(t));
            }
            "byte_jump" => {
                let j = ByteJump::parse(need()?, &|n| self.vars.get(n).copied())?;
                self.drafts.push(Draft::ByteJump(j));
            }
            "byte_extract" => {
                let slot = self.vars.len();
                let (e, name) = ByteExtract::parse(need()?, slot)?;
                self.define_var(name)?;
                self.drafts.push(Draft::ByteExtract(e));
            }
            "byte_math" => {
                let slot = self.vars.len();
                let (m, name) = ByteMath::parse(need()?, &|n| self.vars.get(n).copied(), slot)?;
                self.define_var(name)?;
                self.drafts.push(Draft::ByteMath(m));
            }
            k if CHECK_KEYWORDS.contains(&k) => self.checks.push(Check::parse(k, value)?),
            other => return Err(KwError::Unsupported(unsupported_reason(other))),
        }
        Ok(())
    }

    fn define_var(&mut self, name: String) -> Result<(), KwError> {
        if self.vars.contains_key(&name) {
            return Err(KwError::invalid(format!("variable {name:?} defined twice")));
        }
        let slot = self.vars.len();
        self.vars.insert(name, slot);
        Ok(())
    }

    fn isdataat(&mut self, v: &str) -> Result<(), KwError> {
        let mut parts = v.split(',').map(str::trim);
        let first = parts.next().unwrap_or_default();
        let (negated, num) = match first.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, first),
        };
        let value = parse_val(num, &|n| self.vars.get(n).copied(), 0, 65535, "isdataat")?;
        let mut relative = false;
        for p in parts {
            match p {
                "relative" => relative = true,
                "rawbytes" => {}
                _ => return Err(KwError::invalid(format!("unknown isdataat option {p:?}"))),
            }
        }
        self.drafts.push(Draft::IsDataAt(IsDataAt {
            value,
            negated,
            relative,
        }));
        Ok(())
    }

    fn modifier(&mut self, kw: &str, value: Option<&str>) -> Result<(), KwError> {
        let idx = self
            .last_content
            .ok_or_else(|| KwError::invalid(format!("{kw} needs a preceding content")))?;
        let vars = &self.vars;
        let lookup = |n: &str| vars.get(n).copied();
        let Some(Draft::Content(c)) = self.drafts.get_mut(idx) else {
            return Err(KwError::invalid(format!("{kw} needs a preceding content")));
        };
        let len = i64::try_from(c.bytes.len()).unwrap_or(i64::MAX);
        let need = || value.ok_or_else(|| KwError::invalid(format!("{kw} needs a value")));
        let flag = |set: &mut bool| -> Result<(), KwError> {
            if value.is_some() {
                return Err(KwError::invalid(format!("{kw} takes no value")));
            }
            if *set {
                return Err(KwError::invalid(format!("{kw} used twice on one content")));
            }
            *set = true;
            Ok(())
        };
        let absolute_conflict = |c: &ContentDraft| {
            if c.relative() {
                Err(KwError::invalid(format!(
                    "{kw} cannot be combined with distance/within on one content"
                )))
            } else if c.startswith {
                Err(KwError::invalid(format!(
                    "{kw} cannot be combined with startswith"
                )))
            } else {
                Ok(())
            }
        };
        let relative_conflict = |c: &ContentDraft| {
            if c.offset.is_some() || c.depth.is_some() {
                Err(KwError::invalid(format!(
                    "{kw} cannot be combined with offset/depth on one content"
                )))
            } else {
                Ok(())
            }
        };
        match kw {
            "nocase" => flag(&mut c.nocase)?,
            "rawbytes" => {
                if value.is_some() {
                    return Err(KwError::invalid("rawbytes takes no value"));
                }
            }
            "startswith" => {
                absolute_conflict(c)?;
                relative_conflict(c)?;
                flag(&mut c.startswith)?;
                c.offset = Some(Val::Lit(0));
                c.depth = Some(Val::Lit(len));
            }
            "endswith" => flag(&mut c.endswith)?,
            "depth" | "offset" => {
                absolute_conflict(c)?;
                let v = parse_val(need()?, &lookup, 0, 65535, kw)?;
                let slot = if kw == "depth" {
                    &mut c.depth
                } else {
                    &mut c.offset
                };
                if slot.is_some() {
                    return Err(KwError::invalid(format!("{kw} used twice on one content")));
                }
                if kw == "depth" && matches!(v, Val::Lit(d) if d < len) {
                    return Err(KwError::invalid(format!(
                        "depth {} is smaller than the content length {len}",
                        v.get(&[])
                    )));
                }
                *slot = Some(v);
            }
            "distance" | "within" => {
                relative_conflict(c)?;
                if c.startswith {
                    return Err(KwError::invalid(format!(
                        "{kw} cannot be combined with startswith"
                    )));
                }
                let v = parse_val(need()?, &lookup, -65535, 65535, kw)?;
                let slot = if kw == "within" {
                    &mut c.within
                } else {
                    &mut c.distance
                };
                if slot.is_some() {
                    return Err(KwError::invalid(format!("{kw} used twice on one content")));
                }
                if kw == "within" && matches!(v, Val::Lit(w) if w < len) {
                    return Err(KwError::invalid(format!(
                        "within {} is smaller than the content length {len}",
                        v.get(&[])
                    )));
                }
                *slot = Some(v);
            }
            "fast_pattern" => {
                if self.fast_seen {
                    return Err(KwError::invalid(
                        "fast_pattern used on more than one content",
                    ));
                }
                let spec = match value.map(str::trim) {
                    None | Some("only") => None,
                    Some(v) => {
                        let (a, b) = v.split_once(',').ok_or_else(|| {
                            KwError::invalid(format!("invalid fast_pattern {v:?}"))
                        })?;
                        let num = |s: &str| s.trim().parse::<usize>().ok();
                        let (off, n) = num(a).zip(num(b)).ok_or_else(|| {
                            KwError::invalid(format!("invalid fast_pattern {v:?}"))
                        })?;
                        if n == 0 || off.checked_add(n).is_none_or(|e| e > c.bytes.len()) {
                            return Err(KwError::invalid(format!(
                                "fast_pattern {off},{n} is outside the content"
                            )));
                        }
                        Some((off, n))
                    }
                };
                c.fast = Some(spec);
                self.fast_seen = true;
            }
            _ => return Err(KwError::invalid(format!("{kw} is not a content modifier"))),
        }
        Ok(())
    }
}

fn parse_u32(v: &str, kw: &str) -> Result<u32, KwError> {
    v.trim()
        .parse()
        .map_err(|_| KwError::invalid(format!("{kw}: invalid number {:?}", v.trim())))
}

/// Compiles one rule. On failure returns every problem found.
pub fn compile_rule(rule: &ast::Rule, ctx: &CompileCtx) -> Result<CompiledRule, Vec<CompileIssue>> {
    let action = Action::parse(&rule.action);
    let mut c = Compiler {
        ctx: *ctx,
        issues: Vec::new(),
        meta: RuleMeta::new(action.unwrap_or(Action::Alert)),
        sid_seen: false,
        priority: None,
        drafts: Vec::new(),
        last_content: None,
        fast_seen: false,
        checks: Vec::new(),
        vars: HashMap::new(),
        flow: FlowKeywords::default(),
        xbits: crate::xbits::XbitsKeywords::default(),
        app: app::AppState::new(rule),
        pkt: pkt::PktState::default(),
    };
    // A `config` rule only applies its `config` keyword.
    c.meta.noalert = action == Some(Action::Config);
    if action.is_none() {
        c.issues.push(CompileIssue {
            kind: IssueKind::Unsupported,
            keyword: "action".into(),
            reason: format!("action {:?} is not supported", rule.action),
            span: rule.action_span,
        });
    }
    let header = Header::compile(rule, ctx.vars).map_err(|errs| {
        for e in errs {
            let (kind, reason) = match e.error {
                HeaderErrorKind::Keyword(KwError::Unsupported(r)) => (IssueKind::Unsupported, r),
                HeaderErrorKind::Keyword(KwError::Invalid(r)) => (IssueKind::Invalid, r),
                HeaderErrorKind::Resolve(ResolveError::Undefined(n)) => {
                    (IssueKind::UndefinedVar, n)
                }
                HeaderErrorKind::Resolve(r) => (IssueKind::Invalid, r.to_string()),
            };
            c.issues.push(CompileIssue {
                kind,
                keyword: e.part.into(),
                reason,
                span: e.span,
            });
        }
    });
    for o in &rule.options {
        c.option(o);
    }
    if !c.sid_seen && !c.issues.iter().any(|i| i.keyword == "sid") {
        c.issues.push(CompileIssue {
            kind: IssueKind::Invalid,
            keyword: "sid".into(),
            reason: "rule has no sid".into(),
            span: rule.span,
        });
    }
    let pkt_lists = c.pkt_lists(rule, header.as_ref().ok());
    let header = match header {
        Ok(h) if c.issues.is_empty() => h,
        _ => return Err(c.issues),
    };
    let Some(mut parts) = c.app_finish(rule, &header) else {
        return Err(c.issues);
    };
    let pkt = c.pkt_finish(pkt_lists, &mut parts);
    // Suricata's "PD-only" signature: app-layer-protocol plus nothing but
    // flow direction and flowbits:set. It matches only on the packet that
    // completes protocol detection for its direction.
    // Neither inspects anything but headers: no payload, buffers,
    // transaction or app-layer checks, and flowbits only set.
    let headers_only = !parts.app.tx
        && parts.app.lists.is_empty()
        && parts.app.checks.is_empty()
        && parts.program.is_empty()
        && pkt.buffers.is_empty()
        && pkt.checks.is_empty()
        && c.flow.only_sets_bits()
        && c.xbits.is_empty();
    parts.app.pd_only = !parts.app.alproto.is_empty()
        && parts.app.proto.is_none()
        && headers_only
        && c.checks.iter().all(|ch| match ch {
            Check::Flow(f) => f.established.is_none() && f.stream.is_none() && f.frag.is_none(),
            _ => false,
        });
    // Suricata's "IP-only" signature: addresses, ports, `ip_proto` and
    // `flowbits:set` at most. With a negated address it is only "like"
    // IP-only: inspected on every packet, its pass/drop still acting on
    // the flow.
    let ip_only_compatible = parts.app.proto.is_none()
        && parts.app.alproto.is_empty()
        && headers_only
        && c.checks.iter().all(|ch| matches!(ch, Check::IpProto(_)))
        && !c.meta.disable_tx_log
        && !c.meta.bypass
        && c.meta.filestore.is_none();
    let ip_only = match (ip_only_compatible, header.negated) {
        (false, _) => IpOnly::No,
        (true, false) => IpOnly::Yes,
        (true, true) => IpOnly::Like,
    };
    Ok(CompiledRule {
        meta: c.meta,
        header,
        checks: c.checks,
        program: parts.program,
        flow: c.flow,
        xbits: c.xbits,
        fast: parts.fast,
        packet_only: parts.packet_only,
        asn1: parts.asn1,
        app: parts.app,
        pkt,
        ip_only,
    })
}
