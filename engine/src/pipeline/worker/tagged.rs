//! `tag:session`: once a rule with `tag` alerted on a flow, the flow's
//! next packets (either direction) are logged as EVE `packet` records,
//! with the frame in base64, until the tag runs out: Suricata's tagged
//! packets (`tagged-packets: yes`, its default). The alerting packet
//! itself is not among them, and a rule that alerts again while its tag
//! runs does not extend it (as Suricata 7.0.10 does).

use super::*;
use sigil_rules::TagSpec;

/// One running tag of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveTag {
    /// (gid, sid) of the rule that set it.
    rule: (u32, u32),
    left: Left,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    Packets(u64),
    /// Last second of packet time logged.
    Until(i64),
    Bytes(u64),
}

/// Starts the tags of rules that alerted on the packet at `now` (whole
/// seconds), unless that rule's tag is still running.
pub(super) fn start_tags(tags: &mut Vec<ActiveTag>, new: &[(u32, u32, TagSpec)], now: i64) {
    for &(gid, sid, spec) in new {
        if tags.iter().any(|t| t.rule == (gid, sid)) {
            continue;
        }
        let left = match spec {
            TagSpec::Packets(n) => Left::Packets(n),
            TagSpec::Seconds(n) => {
                Left::Until(now.saturating_add(i64::try_from(n).unwrap_or(i64::MAX)))
            }
            TagSpec::Bytes(n) => Left::Bytes(n),
        };
        tags.push(ActiveTag {
            rule: (gid, sid),
            left,
        });
    }
}

/// Counts a packet of `len` bytes at `now` against the tags; true when
/// any tag covers it (the packet is logged). Spent tags are dropped.
fn take(tags: &mut Vec<ActiveTag>, len: u64, now: i64) -> bool {
    let mut covered = false;
    tags.retain_mut(|t| match &mut t.left {
        Left::Packets(n) => {
            covered = true;
            *n -= 1;
            *n > 0
        }
        Left::Until(until) => {
            let live = now <= *until;
            covered |= live;
            live
        }
        Left::Bytes(n) => {
            covered = true;
            *n = n.saturating_sub(len);
            *n > 0
        }
    });
    covered
}

/// The EVE `packet` record of a tagged packet.
pub(super) fn packet_record(
    tags: &mut Vec<ActiveTag>,
    raw: &RawPacket<'_>,
    ctx: &EventCtx<'_>,
) -> Option<OutEvent> {
    if tags.is_empty() || !take(tags, raw.data.len() as u64, raw.ts.secs) {
        return None;
    }
    let mut line = Vec::with_capacity(raw.data.len() * 4 / 3 + 256);
    let linktype = u64::from(raw.linktype.linktype_value());
    crate::output::eve::encode_with(&mut line, ctx, "packet", |j| {
        j.str("packet", &crate::output::base64::encode(raw.data));
        j.open_object("packet_info");
        j.u64("linktype", linktype);
        j.close_object();
        Ok(())
    })
    .ok()?;
    Some(OutEvent {
        // After the packet's alerts and transaction records.
        key: (raw.pcap_cnt, 0, 1 << 31, 0),
        eve: line,
        fast: None,
        threshold: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_count_packets_seconds_and_bytes() {
        let mut tags = Vec::new();
        start_tags(&mut tags, &[(1, 7, TagSpec::Packets(2))], 100);
        // The same rule alerting again does not extend its tag.
        start_tags(&mut tags, &[(1, 7, TagSpec::Packets(50))], 100);
        assert!(take(&mut tags, 60, 100));
        assert!(take(&mut tags, 60, 100));
        assert!(!take(&mut tags, 60, 100));
        assert!(tags.is_empty());
        start_tags(&mut tags, &[(1, 8, TagSpec::Seconds(10))], 100);
        assert!(take(&mut tags, 60, 110));
        assert!(!take(&mut tags, 60, 111));
        start_tags(&mut tags, &[(1, 9, TagSpec::Bytes(100))], 0);
        assert!(take(&mut tags, 60, 0));
        assert!(
            take(&mut tags, 60, 0),
            "the packet that crosses the count is logged"
        );
        assert!(!take(&mut tags, 60, 0));
    }
}
