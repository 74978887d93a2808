//! The end of an app-layer rule's compilation: the payload program and one
//! program per inspection list, the fast pattern (payload or list), the
//! stream mode, and the checks of combinations Suricata refuses (split
//! from `app.rs`, which reads the keywords).

use super::*;

impl Compiler<'_> {
    /// Splits the drafts into the payload program and one program per list,
    /// chooses the fast pattern and classifies the rule. Pushes issues and
    /// returns None when the combination is invalid.
    pub(in crate::compile) fn app_finish(
        &mut self,
        rule: &ast::Rule,
        header: &Header,
    ) -> Option<Parts> {
        self.app_assign();
        self.close_pending();
        let nvars = self.vars.len();
        let drafts = std::mem::take(&mut self.drafts);
        let nlists = self.app.lists.len();
        let mut payload = Vec::new();
        let mut per_list: Vec<Vec<Draft>> = (0..nlists).map(|_| Vec::new()).collect();
        let assigned = std::mem::take(&mut self.app.draft_list);
        for (mut d, (list, span)) in drafts.into_iter().zip(assigned) {
            match list.and_then(|i| per_list.get_mut(i).map(|v| (i, v))) {
                Some((i, v)) => {
                    if let (Draft::Entropy(e), Some(key)) = (&mut d, self.app.lists.get(i)) {
                        e.name = crate::entropy::list_name(key.buffer);
                    }
                    if let (Draft::Content(c), Some(key)) = (&d, self.app.lists.get(i)) {
                        if let Some(t) =
                            key.transforms.iter().find(|t| !t.accepts_content(&c.bytes))
                        {
                            let reason = format!(
                                "content string {:?} incompatible with {} transform",
                                String::from_utf8_lossy(&c.bytes),
                                t.name()
                            );
                            self.fail("content", reason, span);
                        }
                    }
                    v.push(d);
                }
                None => payload.push(d),
            }
        }

        // Resolve sides: `=>` rules read ambiguous buffers on the request.
        let transactional = self.app.transactional;
        if transactional {
            for k in &mut self.app.lists {
                if k.dir.is_none() && k.buffer.side() == Side::Both {
                    k.dir = Some(true);
                }
            }
        }
        let flow_dir = self.checks.iter().find_map(|c| match c {
            Check::Flow(f) => f.to_server,
            _ => None,
        });
        let sides = self
            .app
            .lists
            .iter()
            .map(ListKey::side)
            .chain(self.app.checks.iter().map(TxCheck::side));
        let (mut ts, mut tc) = (flow_dir == Some(true), flow_dir == Some(false));
        let (mut kts, mut ktc) = (false, false);
        for s in sides {
            kts |= s == Side::ToServer;
            ktc |= s == Side::ToClient;
        }
        ts |= kts;
        tc |= ktc;
        let tx = nlists > 0 || !self.app.checks.is_empty();
        if ts && tc && !transactional {
            self.fail(
                "direction",
                "rule mixes keywords with conflicting directions".into(),
                rule.span,
            );
        }
        if transactional && !tx {
            self.fail(
                "direction",
                "transactional rules (=>) need app-layer keywords".into(),
                rule.span,
            );
        }
        if !self.issues.is_empty() {
            return None;
        }
        let dir = if transactional || (tc && !ts) {
            RuleDir::ToClient
        } else if ts {
            RuleDir::ToServer
        } else {
            RuleDir::Either
        };

        // Fast pattern: an explicit fast_pattern anywhere, else Suricata's
        // buffer priorities, then length and strength.
        let absent = std::mem::take(&mut self.app.absent);
        for &(i, mode, span) in &absent {
            let has_keywords = per_list.get(i).is_some_and(|d| !d.is_empty())
                || self.app.lengths.get(i).is_some_and(|l| !l.is_empty());
            if mode == Absent::Only && has_keywords {
                self.fail(
                    "absent",
                    "absent cannot be followed by keywords on its buffer (use absent: or_else)"
                        .into(),
                    span,
                );
            }
        }
        if !self.issues.is_empty() {
            return None;
        }
        let (fast, fast_list) = if tx {
            // A buffer that may be absent cannot hold the fast pattern: the
            // rule must stay a candidate when the buffer is missing.
            let mut hidden: Vec<(usize, Vec<Draft>)> = Vec::new();
            for &(i, _, _) in &absent {
                if let Some(d) = per_list.get_mut(i) {
                    hidden.push((i, std::mem::take(d)));
                }
            }
            let chosen = choose_tx_fast(&payload, &per_list, &self.app.lists);
            for (i, d) in hidden {
                if let Some(slot) = per_list.get_mut(i) {
                    *slot = d;
                }
            }
            chosen
        } else {
            (choose_fast(&payload), None)
        };

        // Suricata's "pkt vs stream" corner cases (SigValidate): a TCP
        // payload rule is inspected on the packet as well as on the stream
        // when any of its contents is anchored (depth, offset, startswith)
        // or it tests stream_size.
        let packet_too = payload.iter().any(|d| {
            matches!(d, Draft::Content(c)
                if !c.relative() && (c.depth.is_some() || c.offset.is_some() || c.startswith))
        }) || self
            .checks
            .iter()
            .any(|c| matches!(c, Check::StreamSize { .. }));
        let asn1 = payload.iter().any(|d| matches!(d, Draft::Asn1(_)));
        let program = build_program(payload, nvars);
        // A rule whose only payload keyword is `asn1` is, for Suricata, a
        // packet rule (`asn1` is not a stream-inspected payload keyword).
        let packet_only = header.proto.pkt_only()
            || program.steps.iter().all(|s| matches!(s, Step::Asn1(_)))
            || self.checks.iter().any(Check::packet_only);
        let stream = if packet_only {
            StreamMode::Packet
        } else if self.app.stream_only {
            StreamMode::StreamOnly
        } else if matches!(header.proto, Proto::Tcp { .. } | Proto::Any) {
            if packet_too {
                StreamMode::Both
            } else {
                StreamMode::StreamPreferred
            }
        } else {
            StreamMode::Packet
        };
        let lengths = std::mem::take(&mut self.app.lengths);
        let lists = std::mem::take(&mut self.app.lists)
            .into_iter()
            .zip(per_list)
            .zip(lengths)
            .enumerate()
            .map(|(i, ((key, drafts), lengths))| {
                let program = build_program(drafts, nvars);
                let absent = absent.iter().find(|(l, _, _)| *l == i).map(|a| a.1);
                // Absence is only known once the side is complete.
                let needs_complete = is_streaming(key.buffer)
                    && (absent.is_some() || depends_on_end(&program, &lengths));
                BufList {
                    key,
                    program,
                    lengths,
                    needs_complete,
                    absent,
                }
            })
            .collect();
        Some(Parts {
            fast,
            program,
            packet_only,
            asn1,
            app: AppRule {
                proto: self.app.proto,
                http1_only: self.app.http1_only,
                tx,
                lists,
                checks: std::mem::take(&mut self.app.checks),
                alproto: std::mem::take(&mut self.app.alproto),
                dir,
                transactional,
                stream,
                fast: fast_list,
                // Decided once the whole rule is known (`compile_rule`).
                pd_only: false,
            },
        })
    }
}

/// Suricata's choice for rules with buffers: an explicit `fast_pattern`
/// wins; else among the lists with a positive content, those of the best
/// (lowest) priority compete on content length, then pattern strength,
/// then order (payload first, then lists in order of first use).
fn choose_tx_fast(
    payload: &[Draft],
    lists: &[Vec<Draft>],
    keys: &[ListKey],
) -> (Option<FastPattern>, Option<FastList>) {
    let explicit = |ds: &[Draft]| {
        outer(ds)
            .iter()
            .any(|d| matches!(d, Draft::Content(c) if c.fast.is_some()))
    };
    let candidates = std::iter::once((FastList::Payload, payload, None)).chain(
        lists.iter().enumerate().map(|(i, ds)| {
            (
                FastList::List(i),
                ds.as_slice(),
                keys.get(i).map(|k| k.buffer),
            )
        }),
    );
    if let Some((at, ds, _)) = candidates.clone().find(|(_, ds, _)| explicit(ds)) {
        return (choose_fast(ds), Some(at));
    }
    let mut best: Option<(u8, usize, u32, FastList, FastPattern)> = None;
    for (at, ds, buffer) in candidates {
        let Some(fp) = choose_fast(ds) else {
            continue;
        };
        let prio = fast_priority(buffer);
        let len = fp.bytes.len();
        let strength = pattern_strength(&fp.bytes);
        let better = best
            .as_ref()
            .is_none_or(|(p, l, s, _, _)| prio < *p || (prio == *p && (len, strength) > (*l, *s)));
        if better {
            best = Some((prio, len, strength, at, fp));
        }
    }
    match best {
        Some((_, _, _, at, fp)) => (Some(fp), Some(at)),
        None => (None, None),
    }
}
