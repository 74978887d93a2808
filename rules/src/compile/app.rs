//! Compiling the app-layer part of a rule: sticky buffers, legacy content
//! modifiers (`content:"x"; http_uri;`), pcre buffer flags, transforms,
//! `bsize`, `urilen`, `uricontent`, tx-field keywords and
//! `app-layer-protocol`; then splitting the payload keywords into one
//! program per inspection list.
//!
//! Suricata semantics followed here:
//! - a sticky buffer sends every later payload keyword to its buffer until
//!   the next sticky buffer or `pkt_data`; transforms after it apply to
//!   the keywords that follow them (each buffer + transform chain is its
//!   own list);
//! - a legacy modifier moves the last *payload* content to its buffer, and
//!   is an error while a sticky buffer is set;
//! - relative keywords (`distance`, `within`, `R`, `relative`) link to the
//!   previous content/pcre of the same list (offset 0 when there is none);
//! - a sticky buffer with no keyword after it, `bsize` outside a sticky
//!   buffer, protocols that conflict, and request/response keywords mixed
//!   in a `->` rule are errors, with Suricata's messages.

use sigil_grammar::ast::Direction;

mod finish;

use super::*;
use crate::applayer::{
    buffer_proto, depends_on_end, fast_priority, is_streaming, Absent, AlprotoCheck, AlprotoMode,
    AppRule, BufList, FastList, ListKey, RuleDir, StreamMode,
};
use crate::applayer_events::AppLayerEvent;
use crate::buffer::{AppProto, Buffer, Side};
use crate::filekw::{FileSize, FileStore};
use crate::header::Proto;
use crate::transform::{unsupported_transform, Transform};
use crate::txcheck::TxCheck;
use crate::uint::{parse_uint, UintMatch};

/// App-layer compile state of one rule.
#[derive(Debug, Default)]
pub(super) struct AppState {
    proto: Option<AppProto>,
    /// `alert http1`.
    http1_only: bool,
    transactional: bool,
    stream_only: bool,
    /// The sticky buffer in effect (None: the packet payload).
    cur: Option<ListKey>,
    /// A sticky keyword (and where) that has no keyword in its list yet.
    pending: Option<(String, Span)>,
    /// List of each draft (index into `lists`; None: payload) and the
    /// option it came from.
    draft_list: Vec<(Option<usize>, Span)>,
    lists: Vec<ListKey>,
    /// `bsize` / `urilen` per list.
    lengths: Vec<Vec<UintMatch>>,
    checks: Vec<TxCheck>,
    alproto: Vec<(AlprotoMode, AlprotoCheck)>,
    /// `uricontent`, `filename:"x"`, `fileext:"x"`: the draft they add
    /// goes to this buffer's list.
    force_list: Option<Buffer>,
    /// `absent` per list index.
    absent: Vec<(usize, Absent, Span)>,
}

/// What the app-layer pass hands back to `compile_rule`.
pub(super) struct Parts {
    pub fast: Option<FastPattern>,
    pub program: Program,
    pub packet_only: bool,
    /// The payload program decodes `asn1`, which Suricata does from the
    /// packet's own payload: never satisfied on reassembled stream data.
    pub asn1: bool,
    pub app: AppRule,
}

impl AppState {
    /// State for `rule`: its header protocol and direction.
    pub(super) fn new(rule: &ast::Rule) -> AppState {
        let p = rule.protocol.to_ascii_lowercase();
        AppState {
            proto: AppProto::from_name(&p),
            http1_only: p == "http1",
            transactional: rule.direction == Direction::Transactional,
            stream_only: p == "tcp-stream",
            ..AppState::default()
        }
    }

    fn intern(&mut self, key: ListKey) -> usize {
        if let Some(i) = self.lists.iter().position(|k| *k == key) {
            return i;
        }
        self.lists.push(key);
        self.lengths.push(Vec::new());
        self.lists.len() - 1
    }

    fn set_proto(&mut self, p: AppProto) -> Result<(), KwError> {
        match self.proto {
            // `alert http2` rules may use the `http.*` keywords.
            Some(AppProto::Http2) if p == AppProto::Http => Ok(()),
            Some(q) if q != p => Err(KwError::invalid(format!(
                "can't set rule app proto to {}: already set to {}",
                p.name(),
                q.name()
            ))),
            _ => {
                self.proto = Some(p);
                Ok(())
            }
        }
    }
}

/// Whether a pcre buffer flag may be used inside sticky buffer `cur`:
/// its own buffer, and `Q` (file data) inside `http.response_body`, which
/// Suricata accepts.
fn flag_fits(cur: Buffer, flag: Buffer) -> bool {
    cur == flag || (flag == Buffer::FileData && cur == Buffer::HttpResponseBody)
}

fn span_of(o: &RuleOption) -> Span {
    o.value_span.unwrap_or(o.keyword_span)
}

impl Compiler<'_> {
    /// Handles app-layer keyword `o`; None when it is not one.
    pub(super) fn app_keyword(&mut self, o: &RuleOption) -> Option<Result<(), KwError>> {
        let kw = o.keyword.as_str();
        let value = o.value.as_deref();
        if crate::pktbuf::PktBuf::from_sticky(kw).is_some() {
            // A header sticky buffer (compile/pkt.rs) ends the app buffer.
            self.close_pending();
            self.app.cur = None;
            return None;
        }
        if let Some(b) = Buffer::from_modifier(kw) {
            return Some(self.legacy_modifier(kw, b, value));
        }
        if let (Some(v), "filename" | "fileext") = (value, kw) {
            return Some(self.file_name_content(kw, v));
        }
        if let Some(b) = Buffer::from_sticky(kw) {
            return Some(self.sticky(o, b));
        }
        if let Some(t) = Transform::parse(kw, value) {
            return Some(t.and_then(|t| self.transform(kw, t)));
        }
        if let Some(reason) = unsupported_transform(kw) {
            return Some(Err(KwError::unsupported(reason)));
        }
        if kw == "filesize" {
            let fs = value
                .ok_or_else(|| KwError::invalid("filesize needs a value"))
                .and_then(|v| FileSize::parse(v, self.app.transactional));
            return Some(fs.and_then(|f| {
                self.app.set_proto(AppProto::Http)?;
                self.app.checks.push(TxCheck::FileSize(f));
                Ok(())
            }));
        }
        if kw == "filestore" {
            return Some(FileStore::parse(value).and_then(|f| {
                if self.meta.filestore.replace(f).is_some() {
                    return Err(KwError::invalid("filestore used twice"));
                }
                self.app.set_proto(AppProto::Http)
            }));
        }
        if kw == "app-layer-event" && value.is_some_and(AppLayerEvent::is_generic) {
            // Raised on packets by protocol detection: a packet keyword.
            return None;
        }
        if let Some(c) = TxCheck::parse(kw, value) {
            return Some(c.and_then(|c| {
                self.app.set_proto(c.proto())?;
                self.app.checks.push(c);
                Ok(())
            }));
        }
        let need = || value.ok_or_else(|| KwError::invalid(format!("{kw} needs a value")));
        Some(match kw {
            "pkt_data" => match value {
                Some(_) => Err(KwError::invalid("pkt_data takes no value")),
                None => {
                    self.close_pending();
                    self.app.cur = None;
                    Ok(())
                }
            },
            "bsize" => need().and_then(|v| self.bsize(v)),
            "absent" => self.absent(value, span_of(o)),
            "urilen" => need().and_then(|v| self.urilen(v)),
            "uricontent" => need().and_then(|v| self.uricontent(v)),
            "app-layer-protocol" => need().and_then(|v| self.app_layer_protocol(v)),
            _ => return None,
        })
    }

    fn close_pending(&mut self) {
        if let Some((name, span)) = self.app.pending.take() {
            self.issues.push(CompileIssue {
                kind: IssueKind::Invalid,
                keyword: name.clone(),
                reason: format!("sticky buffer {name} is not followed by any keyword"),
                span,
            });
        }
    }

    fn sticky(&mut self, o: &RuleOption, b: Buffer) -> Result<(), KwError> {
        let kw = o.keyword.as_str();
        let dir = match o.value.as_deref().map(str::trim) {
            None => None,
            Some(v) if !self.app.transactional => {
                return Err(KwError::invalid(format!(
                    "{kw} takes no value (a direction is only allowed in => rules, got {v:?})"
                )))
            }
            Some("to_server") => Some(true),
            Some("to_client") => Some(false),
            Some(v) => return Err(KwError::invalid(format!("invalid {kw} direction {v:?}"))),
        };
        let conflicting = matches!(
            (dir, b.side()),
            (Some(true), Side::ToClient) | (Some(false), Side::ToServer)
        );
        if conflicting {
            return Err(KwError::invalid(format!(
                "{kw} has no {} side",
                if dir == Some(true) {
                    "to_server"
                } else {
                    "to_client"
                }
            )));
        }
        self.app.set_proto(buffer_proto(b))?;
        self.close_pending();
        self.app.cur = Some(ListKey {
            buffer: b,
            transforms: Vec::new(),
            dir,
        });
        self.app.pending = Some((kw.to_string(), o.keyword_span));
        Ok(())
    }

    fn transform(&mut self, kw: &str, t: Transform) -> Result<(), KwError> {
        let cur = self.app.cur.as_mut().ok_or_else(|| {
            KwError::invalid(format!(
                "{kw}: transforms must directly follow sticky buffers"
            ))
        })?;
        cur.transforms.push(t);
        Ok(())
    }

    fn legacy_modifier(&mut self, kw: &str, b: Buffer, value: Option<&str>) -> Result<(), KwError> {
        if value.is_some() {
            return Err(KwError::invalid(format!(
                "{kw} shouldn't be supplied with an argument"
            )));
        }
        if self.app.cur.is_some() {
            return Err(KwError::invalid(format!(
                "\"{kw}\" keyword seen with a sticky buffer still set; reset the sticky \
                 buffer with pkt_data before using the modifier"
            )));
        }
        // Measured with Suricata 7: `http_server_body` inspects file data,
        // request bodies included.
        let b = if kw == "http_server_body" {
            Buffer::FileData
        } else {
            b
        };
        self.app_assign();
        let idx = (0..self.drafts.len())
            .rev()
            .find(|&i| {
                matches!(self.drafts.get(i), Some(Draft::Content(_)))
                    && matches!(self.app.draft_list.get(i), Some((None, _)))
            })
            .ok_or_else(|| {
                KwError::invalid(format!(
                    "\"{kw}\" keyword found inside the rule without a content context"
                ))
            })?;
        self.app.set_proto(buffer_proto(b))?;
        let list = self.app.intern(ListKey {
            buffer: b,
            transforms: Vec::new(),
            dir: None,
        });
        if let Some(entry) = self.app.draft_list.get_mut(idx) {
            entry.0 = Some(list);
        }
        Ok(())
    }

    fn bsize(&mut self, v: &str) -> Result<(), KwError> {
        let m = parse_uint(v, u64::MAX).map_err(|e| KwError::invalid(format!("bsize: {e}")))?;
        let cur = self
            .app
            .cur
            .clone()
            .ok_or_else(|| KwError::invalid("bsize must follow a sticky buffer"))?;
        let i = self.app.intern(cur);
        if let Some(l) = self.app.lengths.get_mut(i) {
            l.push(m);
        }
        self.app.pending = None;
        Ok(())
    }

    /// `absent` / `absent: or_else` on the current sticky buffer.
    fn absent(&mut self, v: Option<&str>, span: Span) -> Result<(), KwError> {
        let mode = match v.map(str::trim) {
            None => Absent::Only,
            Some("or_else") => Absent::OrElse,
            Some(v) => return Err(KwError::invalid(format!("invalid absent value {v:?}"))),
        };
        let cur = self
            .app
            .cur
            .clone()
            .ok_or_else(|| KwError::invalid("absent must follow a sticky buffer"))?;
        let i = self.app.intern(cur);
        if self.app.absent.iter().any(|(l, _, _)| *l == i) {
            return Err(KwError::invalid("absent used twice on one buffer"));
        }
        self.app.absent.push((i, mode, span));
        self.app.pending = None;
        Ok(())
    }

    /// `urilen:N[,norm|raw]` (also `<N`, `>N`, `N<>M`, `!N`).
    fn urilen(&mut self, v: &str) -> Result<(), KwError> {
        let (spec, mode) = match v.split_once(',') {
            Some((s, m)) => (s, m.trim()),
            None => (v, "norm"),
        };
        let buffer = match mode {
            "norm" => Buffer::HttpUri,
            "raw" => Buffer::HttpUriRaw,
            m => return Err(KwError::invalid(format!("invalid urilen mode {m:?}"))),
        };
        let m = parse_uint(spec, 65535).map_err(|e| KwError::invalid(format!("urilen: {e}")))?;
        self.app.set_proto(AppProto::Http)?;
        let key = ListKey {
            buffer,
            transforms: Vec::new(),
            dir: None,
        };
        if self.app.cur.as_ref() == Some(&key) {
            self.app.pending = None;
        }
        let i = self.app.intern(key);
        if let Some(l) = self.app.lengths.get_mut(i) {
            // Suricata compares at most u16::MAX.
            l.push(m);
        }
        Ok(())
    }

    fn uricontent(&mut self, v: &str) -> Result<(), KwError> {
        if self.app.cur.is_some() {
            return Err(KwError::invalid(
                "\"uricontent\" keyword seen with a sticky buffer still set; reset the \
                 sticky buffer with pkt_data first",
            ));
        }
        let (negated, bytes) = parse_content(v).map_err(KwError::Invalid)?;
        self.app.set_proto(AppProto::Http)?;
        self.last_content = Some(self.drafts.len());
        self.drafts.push(Draft::Content(ContentDraft {
            bytes,
            negated,
            ..Default::default()
        }));
        self.app.force_list = Some(Buffer::HttpUri);
        Ok(())
    }

    /// Legacy `filename:"x"` (a case-insensitive content on `file.name`)
    /// and `fileext:"x"` (the same for `.x` at the end of the name), as
    /// Suricata rewrites them.
    fn file_name_content(&mut self, kw: &str, v: &str) -> Result<(), KwError> {
        if self.app.cur.is_some() {
            return Err(KwError::invalid(format!(
                "\"{kw}\" keyword seen with a sticky buffer still set; reset the sticky \
                 buffer with pkt_data first"
            )));
        }
        let (negated, mut bytes) = parse_content(v).map_err(KwError::Invalid)?;
        let ext = kw == "fileext";
        if ext {
            bytes.insert(0, b'.');
        }
        self.app.set_proto(AppProto::Http)?;
        self.last_content = Some(self.drafts.len());
        self.drafts.push(Draft::Content(ContentDraft {
            bytes,
            negated,
            nocase: true,
            endswith: ext,
            ..Default::default()
        }));
        self.app.force_list = Some(Buffer::FileName);
        Ok(())
    }

    /// `app-layer-protocol:[!]name[,mode]`. Sigil knows one protocol per
    /// flow, so every mode (`direction`, `to_server`, `final` …) compares
    /// with it.
    fn app_layer_protocol(&mut self, v: &str) -> Result<(), KwError> {
        let (name, mode) = match v.split_once(',') {
            Some((n, m)) => (
                n.trim(),
                AlprotoMode::from_name(m.trim()).ok_or_else(|| {
                    KwError::invalid(format!("invalid app-layer-protocol mode {:?}", m.trim()))
                })?,
            ),
            None => (v.trim(), AlprotoMode::Direction),
        };
        if self.app.proto.is_some() {
            return Err(KwError::invalid(
                "app-layer-protocol cannot be used when the rule already matches on an \
                 app-layer protocol (header or protocol keywords)",
            ));
        }
        let (negated, proto) = match name.strip_prefix('!') {
            Some(p) => (true, p.trim()),
            None => (false, name),
        };
        let check = match proto {
            "unknown" if negated => {
                return Err(KwError::invalid(
                    "app-layer-protocol:unknown cannot be negated",
                ))
            }
            "unknown" => AlprotoCheck::Unknown,
            "failed" => {
                return Err(KwError::unsupported(
                    "app-layer-protocol:failed needs protocol detection outcomes (not tracked)",
                ))
            }
            p => match AppProto::from_name(p) {
                Some(a) if negated => AlprotoCheck::IsNot(a),
                Some(a) => AlprotoCheck::Is(a),
                None => {
                    return Err(KwError::unsupported(format!(
                        "app-layer protocol {p} is not parsed by Sigil"
                    )))
                }
            },
        };
        // Suricata 8: keywords of different modes never conflict; under one
        // mode only negations combine.
        let positive = |c: &AlprotoCheck| !matches!(c, AlprotoCheck::IsNot(_));
        if self
            .app
            .alproto
            .iter()
            .any(|(m, c)| *m == mode && (positive(&check) || positive(c)))
        {
            return Err(KwError::invalid(
                "can't mix positive app-layer-protocol match with another app-layer-protocol",
            ));
        }
        self.app.alproto.push((mode, check));
        Ok(())
    }

    /// Files the drafts added since the last call under their list: the
    /// sticky buffer in effect, the URI for `uricontent`, the pcre flag's
    /// buffer. Called after every option.
    pub(super) fn app_assign_option(&mut self, o: &RuleOption) -> Result<(), KwError> {
        let span = span_of(o);
        let mut result = Ok(());
        while self.app.draft_list.len() < self.drafts.len() {
            let i = self.app.draft_list.len();
            let force_list = self.app.force_list.take();
            let pcre_buffer = match self.drafts.get(i) {
                Some(Draft::Pcre(p)) => p.buffer,
                _ => None,
            };
            let key = match pcre_buffer {
                _ if force_list.is_some() => force_list.map(|buffer| ListKey {
                    buffer,
                    transforms: Vec::new(),
                    dir: None,
                }),
                Some(b) => match &self.app.cur {
                    Some(k) if flag_fits(k.buffer, b) => Some(k.clone()),
                    Some(_) => {
                        result = Err(KwError::invalid(format!(
                            "pcre seen with a sticky buffer still set; reset it with \
                                 pkt_data or use a sticky buffer providing {}",
                            b.name()
                        )));
                        None
                    }
                    None => {
                        if let Err(e) = self.app.set_proto(buffer_proto(b)) {
                            result = Err(e);
                        }
                        Some(ListKey {
                            buffer: b,
                            transforms: Vec::new(),
                            dir: None,
                        })
                    }
                },
                _ => self.app.cur.clone(),
            };
            if key.is_some() && key == self.app.cur {
                self.app.pending = None;
            }
            let list = match key {
                Some(k) => Some(self.app.intern(k)),
                None => self.inherited_list(i),
            };
            self.app.draft_list.push((list, span));
        }
        result
    }

    /// The list of draft `i` outside a sticky buffer: a relative
    /// `isdataat`/`byte_*` keyword joins the list of the previous
    /// content-like keyword (`uricontent:"x"; isdataat:!1,relative;`
    /// inspects the URI), as Suricata's setup does with
    /// `SigMatchListSMBelongsTo`; anything else inspects the payload.
    fn inherited_list(&self, i: usize) -> Option<usize> {
        let follows = matches!(
            self.drafts.get(i),
            Some(
                d @ (Draft::IsDataAt(_)
                | Draft::ByteTest(_)
                | Draft::ByteJump(_)
                | Draft::ByteExtract(_)
                | Draft::ByteMath(_))
            ) if d.relative()
        );
        if !follows {
            return None;
        }
        let prev = (0..i).rev().find(|&j| {
            !matches!(
                self.drafts.get(j),
                Some(Draft::Base64Decode(_) | Draft::Base64Data) | None
            )
        })?;
        self.app.draft_list.get(prev).and_then(|(list, _)| *list)
    }

    /// As [`Self::app_assign_option`] without an option (nothing pending).
    fn app_assign(&mut self) {
        while self.app.draft_list.len() < self.drafts.len() {
            let list = self.app.cur.clone().map(|k| self.app.intern(k));
            self.app.draft_list.push((list, Span { start: 0, end: 0 }));
        }
    }

    fn fail(&mut self, keyword: &str, reason: String, span: Span) {
        self.issues.push(CompileIssue {
            kind: IssueKind::Invalid,
            keyword: keyword.to_string(),
            reason,
            span,
        });
    }
}
