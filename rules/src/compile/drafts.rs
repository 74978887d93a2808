//! From a buffer's keyword drafts to what runs: the fast pattern the
//! prefilter indexes and the inspection program with Suricata's retry
//! flags (split from `compile.rs`, which reads the keywords).

use super::*;

/// Chooses the prefilter pattern like Suricata: an explicit `fast_pattern`,
/// else the longest positive content, ties broken by pattern strength, then
/// by position. Negated patterns cannot prefilter (the rule is then checked
/// for every packet of its group).
pub(super) fn choose_fast(drafts: &[Draft]) -> Option<FastPattern> {
    let contents = outer(drafts).iter().filter_map(|d| match d {
        Draft::Content(c) => Some(c),
        _ => None,
    });
    let pick = |c: &ContentDraft, slice: Option<(usize, usize)>| {
        let bytes = match slice {
            Some((o, n)) => c.bytes.get(o..o + n)?.to_vec(),
            None => c.bytes.clone(),
        };
        (!c.negated).then_some(FastPattern {
            bytes,
            nocase: c.nocase,
        })
    };
    if let Some(c) = contents.clone().find(|c| c.fast.is_some()) {
        return pick(c, c.fast.flatten());
    }
    let mut best: Option<&ContentDraft> = None;
    for c in contents.filter(|c| !c.negated) {
        let better = best.is_none_or(|b| {
            (c.bytes.len(), pattern_strength(&c.bytes))
                > (b.bytes.len(), pattern_strength(&b.bytes))
        });
        if better {
            best = Some(c);
        }
    }
    best.and_then(|c| pick(c, None))
}

/// Builds the program and sets the retry flags Suricata derives from which
/// keyword is relative to which previous content/pcre.
/// The drafts that inspect the buffer itself: those before `base64_data`
/// (the rest inspect decoded data and cannot be fast patterns).
pub(super) fn outer(drafts: &[Draft]) -> &[Draft] {
    let end = drafts
        .iter()
        .position(|d| matches!(d, Draft::Base64Data))
        .unwrap_or(drafts.len());
    drafts.get(..end).unwrap_or(drafts)
}

pub(super) fn build_program(mut drafts: Vec<Draft>, nvars: usize) -> Program {
    // `base64_data` keywords become a program nested in the last
    // `base64_decode` step.
    let mut data = None;
    if let Some(p) = drafts.iter().position(|d| matches!(d, Draft::Base64Data)) {
        let mut tail: Vec<Draft> = drafts.split_off(p).into_iter().skip(1).collect();
        for d in &mut tail {
            if let Draft::Entropy(e) = d {
                e.name = "base64_data";
            }
        }
        data = Some(build_program(tail, nvars));
    }
    let mut within_next = vec![false; drafts.len()];
    let mut relative_next = vec![false; drafts.len()];
    let mut anchor: Option<usize> = None;
    for (j, d) in drafts.iter().enumerate() {
        if d.relative() {
            if let Some(a) = anchor {
                relative_next[a] = true;
                // Suricata's WITHIN_NEXT: a `within`, a negated relative
                // content (detect-distance.c sets RELATIVE_NEXT for it) or
                // a relative non-content keyword makes the anchor retry.
                let retries = match d {
                    Draft::Content(c) => c.within.is_some() || c.negated,
                    _ => true,
                };
                within_next[a] |= retries;
            }
        }
        if matches!(d, Draft::Content(_) | Draft::Pcre(_)) {
            anchor = Some(j);
        }
    }
    let steps = drafts
        .into_iter()
        .enumerate()
        .map(|(j, d)| match d {
            Draft::Content(c) => Step::Content(Box::new(ContentStep {
                needle: Needle::new(&c.bytes, c.nocase),
                negated: c.negated,
                offset: c.offset,
                depth: c.depth,
                distance: c.distance,
                within: c.within,
                endswith: c.endswith,
                within_next: within_next[j],
                relative_next: relative_next[j],
            })),
            Draft::Pcre(re) => Step::Pcre(PcreStep {
                re,
                relative_next: relative_next[j],
            }),
            Draft::IsDataAt(d) => Step::IsDataAt(d),
            Draft::ByteTest(t) => Step::ByteTest(t),
            Draft::ByteJump(b) => Step::ByteJump(b),
            Draft::ByteExtract(e) => Step::ByteExtract(e),
            Draft::ByteMath(m) => Step::ByteMath(m),
            Draft::Entropy(e) => Step::Entropy(Box::new(e)),
            Draft::Asn1(a) => Step::Asn1(Box::new(a)),
            Draft::Base64Decode(decode) => Step::Base64(Box::new(Base64Step {
                decode,
                data: Program::default(),
            })),
            // Split off above; an empty program is what a stray one means.
            Draft::Base64Data => Step::Base64(Box::new(Base64Step {
                decode: Base64Decode::default(),
                data: Program::default(),
            })),
        })
        .collect::<Vec<Step>>();
    let mut steps = steps;
    if let Some(data) = data {
        if let Some(Step::Base64(b)) = steps
            .iter_mut()
            .rev()
            .find(|s| matches!(s, Step::Base64(_)))
        {
            b.data = data;
        }
    }
    Program { steps, nvars }
}
