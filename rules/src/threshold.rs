//! `threshold` and `detection_filter`: parsing into rule metadata, and the
//! counters that decide whether a match becomes an alert.
//!
//! The counting follows Suricata 8's `detect-engine-threshold.c` exactly:
//! a tracker (rule + address key) opens a window at its first match; a
//! match belongs to the window while `ts <= start + seconds` (inclusive,
//! microsecond resolution); the first match after the window resets the
//! tracker (count 1, new start): windows are fixed and restart, they do not
//! slide.
//!
//! | type | alerts on |
//! |---|---|
//! | `limit` | the first `count` matches of each window |
//! | `threshold` | every `count`-th match (the counter restarts after each alert, the window does not) |
//! | `both` | the `count`-th match of each window, once |
//! | `detection_filter` | every match after the first `count` of a window |
//! | `backoff` | matches number `count`, `count × m`, `count × m²` … of a flow (no window) |
//!
//! `track by_flow` keys trackers on the flow id the engine passes to
//! [`ThresholdState::allow_in_flow`]; a match outside any flow then never
//! alerts (Suricata has no tracker to count it in).
//!
//! The state ([`ThresholdState`]) is kept outside the rule set: the engine's
//! output stage owns one per run and consults it in packet order, which
//! keeps results independent of how packets were spread over workers.
//! Flow-variable actions of a suppressed match still happen (they ran at
//! match time), as in Suricata.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Serialize;

use crate::keyword::KwError;
use crate::meta::{RuleId, RuleMeta};

/// `threshold: type …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdType {
    /// At most `count` alerts per window.
    Limit,
    /// An alert every `count` matches.
    Threshold,
    /// One alert per window, at the `count`-th match.
    Both,
    /// Alerts at the `count`-th match, then whenever the match count
    /// reaches the previous mark times `multiplier` (`track by_flow` only).
    Backoff,
}

/// What a tracker is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    /// Source address.
    BySrc,
    /// Destination address.
    ByDst,
    /// The rule alone.
    ByRule,
    /// The (unordered) address pair.
    ByBoth,
    /// The flow.
    ByFlow,
}

/// A parsed `threshold` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ThresholdSpec {
    /// `type`.
    #[serde(rename = "type")]
    pub kind: ThresholdType,
    /// `track`.
    pub track: Track,
    /// `count`.
    pub count: u32,
    /// `seconds` (0 for `backoff`).
    pub seconds: u32,
    /// `multiplier` (`backoff` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<u32>,
}

/// A parsed `detection_filter` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DetectionFilter {
    /// `track`.
    pub track: Track,
    /// `count`: matches in a window that do not alert.
    pub count: u32,
    /// `seconds`.
    pub seconds: u32,
}

/// Splits `key value, key value, …` and checks each key appears once;
/// the values of `keys`, in order (None for keys not given).
fn fields<'a>(v: &'a str, kw: &str, keys: &[&str]) -> Result<Vec<Option<&'a str>>, KwError> {
    let mut out: Vec<Option<&str>> = vec![None; keys.len()];
    for part in v.split(',') {
        let mut words = part.split_whitespace();
        let (Some(k), Some(val), None) = (words.next(), words.next(), words.next()) else {
            return Err(KwError::invalid(format!(
                "{kw}: expected `name value` in {:?}",
                part.trim()
            )));
        };
        let i = keys
            .iter()
            .position(|&x| x == k)
            .ok_or_else(|| KwError::invalid(format!("{kw}: unknown option {k:?}")))?;
        if out[i].replace(val).is_some() {
            return Err(KwError::invalid(format!("{kw}: {k} given twice")));
        }
    }
    Ok(out)
}

/// The value of a required field.
fn required<'a>(v: Option<&'a str>, kw: &str, key: &str) -> Result<&'a str, KwError> {
    v.ok_or_else(|| KwError::invalid(format!("{kw}: missing {key}")))
}

fn track(v: &str, kw: &str) -> Result<Track, KwError> {
    Ok(match v {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" => Track::ByFlow,
        _ => return Err(KwError::invalid(format!("{kw}: invalid track {v:?}"))),
    })
}

fn number(v: &str, what: &str) -> Result<u32, KwError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KwError::invalid(format!("invalid {what} {v:?}")));
    }
    v.parse()
        .map_err(|_| KwError::invalid(format!("{what} {v} is out of range")))
}

impl ThresholdSpec {
    /// Parses `type T, track K, count N, seconds S` (any order), or for
    /// `type backoff` `…, multiplier M` instead of `seconds`.
    pub fn parse(v: &str) -> Result<ThresholdSpec, KwError> {
        const KW: &str = "threshold";
        let f = fields(v, KW, &["type", "track", "count", "seconds", "multiplier"])?;
        let kind = match required(f[0], KW, "type")? {
            "limit" => ThresholdType::Limit,
            "threshold" => ThresholdType::Threshold,
            "both" => ThresholdType::Both,
            "backoff" => ThresholdType::Backoff,
            t => return Err(KwError::invalid(format!("threshold: invalid type {t:?}"))),
        };
        let track = track(required(f[1], KW, "track")?, KW)?;
        let count = number(required(f[2], KW, "count")?, "count")?;
        if kind != ThresholdType::Backoff {
            if f[4].is_some() {
                return Err(KwError::invalid(
                    "threshold: multiplier is only valid with type backoff",
                ));
            }
            return Ok(ThresholdSpec {
                kind,
                track,
                count,
                seconds: number(required(f[3], KW, "seconds")?, "seconds")?,
                multiplier: None,
            });
        }
        if track != Track::ByFlow {
            return Err(KwError::invalid(
                "threshold: type backoff is only supported with track by_flow",
            ));
        }
        if f[3].is_some() {
            return Err(KwError::invalid(
                "threshold: type backoff takes a multiplier, not seconds",
            ));
        }
        let multiplier = number(required(f[4], KW, "multiplier")?, "multiplier")?;
        if count == 0 || multiplier == 0 {
            return Err(KwError::invalid(
                "threshold: backoff count and multiplier must be above 0",
            ));
        }
        Ok(ThresholdSpec {
            kind,
            track,
            count,
            seconds: 0,
            multiplier: Some(multiplier),
        })
    }
}

impl DetectionFilter {
    /// Parses `track K, count N, seconds S` (any order; N and S above 0).
    pub fn parse(v: &str) -> Result<DetectionFilter, KwError> {
        const KW: &str = "detection_filter";
        let f = fields(v, KW, &["track", "count", "seconds"])?;
        let d = DetectionFilter {
            track: track(required(f[0], KW, "track")?, KW)?,
            count: number(required(f[1], KW, "count")?, "count")?,
            seconds: number(required(f[2], KW, "seconds")?, "seconds")?,
        };
        if d.count == 0 || d.seconds == 0 {
            return Err(KwError::invalid(
                "detection_filter: count and seconds must be above 0",
            ));
        }
        Ok(d)
    }
}

/// The counting rule applied by a tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Limit,
    Threshold,
    Both,
    Detection,
    Backoff { multiplier: u32 },
}

/// Packet time at Suricata's resolution: (seconds, microseconds).
type Ts = (i64, u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    rule: RuleId,
    addr: Option<IpAddr>,
    addr2: Option<IpAddr>,
    flow: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    start: Ts,
    count: u32,
    seconds: u32,
    /// `backoff`: the match number of the next alert.
    next: u64,
    /// `backoff`: the tracker has no window; swept once idle for
    /// [`IDLE_BACKOFF_SECS`] (its flow has surely ended by then).
    lasting: bool,
    /// Time of the last match.
    last: Ts,
}

/// Idle time after which a windowless (`backoff`) tracker may be swept:
/// longer than any flow timeout, so a live flow keeps its counts.
const IDLE_BACKOFF_SECS: i64 = 3600;

impl Entry {
    fn window_end(&self) -> Ts {
        (
            self.start.0.saturating_add(i64::from(self.seconds)),
            self.start.1,
        )
    }
}

/// Default bound on live trackers.
pub const DEFAULT_MAX_TRACKERS: usize = 100_000;

/// Threshold and detection_filter counters for one run.
///
/// Memory is bounded: at most `max_trackers` trackers live at once. When
/// full, expired trackers are swept (at most once per second of packet
/// time); a match that still finds no room is not alerted (Suricata's
/// behaviour when its threshold hash is at its memcap) and is counted in
/// [`ThresholdState::dropped`].
#[derive(Debug, Clone)]
pub struct ThresholdState {
    entries: HashMap<Key, Entry>,
    max: usize,
    dropped: u64,
    last_sweep: Option<i64>,
}

impl Default for ThresholdState {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_TRACKERS)
    }
}

impl ThresholdState {
    /// State bounded to `max_trackers` live trackers (at least 1).
    pub fn new(max_trackers: usize) -> Self {
        ThresholdState {
            entries: HashMap::new(),
            max: max_trackers.max(1),
            dropped: 0,
            last_sweep: None,
        }
    }

    /// Live trackers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no tracker is live.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Matches not alerted because the tracker table was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether this match of `rule` (with its `meta`) produces an alert.
    /// Call it once per match, in packet-time order; rules without
    /// `threshold`/`detection_filter` always alert. `rule` and `meta` must
    /// come from the same rule set for the whole run (trackers are keyed on
    /// the rule id).
    ///
    /// A match outside any flow: `track by_flow` rules never alert.
    pub fn allow(
        &mut self,
        rule: RuleId,
        meta: &RuleMeta,
        ts_secs: i64,
        ts_nanos: u32,
        src: IpAddr,
        dst: IpAddr,
    ) -> bool {
        self.allow_in_flow(rule, meta, (ts_secs, ts_nanos), (src, dst), None)
    }

    /// As [`Self::allow`] for a match in the flow with id `flow` (any id
    /// unique among live flows), given the packet time as (seconds,
    /// nanoseconds) and its (source, destination) addresses. `track
    /// by_flow` trackers are kept per flow; `None` means no flow.
    pub fn allow_in_flow(
        &mut self,
        rule: RuleId,
        meta: &RuleMeta,
        (ts_secs, ts_nanos): (i64, u32),
        (src, dst): (IpAddr, IpAddr),
        flow: Option<u64>,
    ) -> bool {
        let (kind, track, count, seconds) = match (&meta.threshold, &meta.detection_filter) {
            (Some(t), _) => {
                let k = match t.kind {
                    ThresholdType::Limit => Kind::Limit,
                    ThresholdType::Threshold => Kind::Threshold,
                    ThresholdType::Both => Kind::Both,
                    ThresholdType::Backoff => Kind::Backoff {
                        multiplier: t.multiplier.unwrap_or(1),
                    },
                };
                (k, t.track, t.count, t.seconds)
            }
            (None, Some(d)) => (Kind::Detection, d.track, d.count, d.seconds),
            (None, None) => return true,
        };
        if kind == Kind::Threshold && count == 1 {
            return true;
        }
        let (addr, addr2) = match track {
            Track::BySrc => (Some(src), None),
            Track::ByDst => (Some(dst), None),
            Track::ByRule | Track::ByFlow => (None, None),
            // The pair is unordered: lower address first.
            Track::ByBoth => (Some(src.min(dst)), Some(src.max(dst))),
        };
        let flow = match track {
            Track::ByFlow if flow.is_none() => return false,
            Track::ByFlow => flow,
            _ => None,
        };
        let key = Key {
            rule,
            addr,
            addr2,
            flow,
        };
        let now: Ts = (ts_secs, ts_nanos.min(999_999_999) / 1000);
        if let Some(e) = self.entries.get_mut(&key) {
            e.last = now;
            return check_update(kind, count, e, now);
        }
        if self.entries.len() >= self.max {
            self.sweep(now);
            if self.entries.len() >= self.max {
                self.dropped += 1;
                return false;
            }
        }
        self.entries.insert(
            key,
            Entry {
                start: now,
                count: 1,
                seconds,
                next: backoff_next(kind, count),
                lasting: matches!(kind, Kind::Backoff { .. }),
                last: now,
            },
        );
        // A new tracker: its first match.
        match kind {
            Kind::Limit => true,
            Kind::Threshold | Kind::Both | Kind::Backoff { .. } => count == 1,
            Kind::Detection => false,
        }
    }

    /// Drops trackers whose window ended before `now`.
    fn sweep(&mut self, now: Ts) {
        if self.last_sweep == Some(now.0) {
            return;
        }
        self.last_sweep = Some(now.0);
        self.entries.retain(|_, e| {
            if e.lasting {
                now.0 <= e.last.0.saturating_add(IDLE_BACKOFF_SECS)
            } else {
                now <= e.window_end()
            }
        });
    }
}

/// The match number of a new backoff tracker's next alert: `count`, or
/// `count × multiplier` when its first match already was the `count`-th.
fn backoff_next(kind: Kind, count: u32) -> u64 {
    match kind {
        Kind::Backoff { multiplier } if count == 1 => u64::from(multiplier),
        _ => u64::from(count),
    }
}

/// Suricata's `ThresholdCheckUpdate` for an existing tracker.
fn check_update(kind: Kind, count: u32, e: &mut Entry, now: Ts) -> bool {
    if let Kind::Backoff { multiplier } = kind {
        // No window: the marks grow geometrically for the flow's lifetime.
        e.count = e.count.saturating_add(1);
        if u64::from(e.count) == e.next {
            e.next = e.next.saturating_mul(u64::from(multiplier));
            return true;
        }
        return false;
    }
    if now > e.window_end() {
        // The window is over: this match opens a new one.
        e.start = now;
        e.count = 1;
        return match kind {
            Kind::Limit => true,
            Kind::Both => count == 1,
            Kind::Threshold | Kind::Detection | Kind::Backoff { .. } => false,
        };
    }
    e.count = e.count.saturating_add(1);
    match kind {
        Kind::Limit => e.count <= count,
        Kind::Threshold => {
            let hit = e.count >= count;
            if hit {
                e.count = 0;
            }
            hit
        }
        Kind::Both => e.count == count,
        Kind::Detection => e.count > count,
        Kind::Backoff { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::v4;
    use crate::meta::Action;

    fn meta(threshold: Option<&str>, df: Option<&str>) -> RuleMeta {
        let mut m = RuleMeta::new(Action::Alert);
        m.threshold = threshold.map(|t| ThresholdSpec::parse(t).unwrap());
        m.detection_filter = df.map(|d| DetectionFilter::parse(d).unwrap());
        m
    }

    /// Runs matches at the given (seconds, nanos) times from 10.0.0.1 to
    /// 10.0.0.2 and returns which ones alert.
    fn run(m: &RuleMeta, times: &[(i64, u32)]) -> Vec<bool> {
        let mut st = ThresholdState::default();
        let (s, d) = (v4(10, 0, 0, 1), v4(10, 0, 0, 2));
        times
            .iter()
            .map(|&(t, n)| st.allow(0, m, t, n, s, d))
            .collect()
    }

    fn at(secs: &[i64]) -> Vec<(i64, u32)> {
        secs.iter().map(|&s| (s, 0)).collect()
    }

    const T: bool = true;
    const F: bool = false;

    #[test]
    fn counting_table() {
        // (threshold, detection_filter, match times in seconds, alerts)
        type Case<'a> = (Option<&'a str>, Option<&'a str>, &'a [i64], &'a [bool]);
        let cases: &[Case] = &[
            // limit 2 per 10 s; the window [0, 10] is inclusive, 11 restarts
            (
                Some("type limit, track by_src, count 2, seconds 10"),
                None,
                &[0, 1, 2, 10, 11, 12, 13],
                &[T, T, F, F, T, T, F],
            ),
            // threshold 3: every 3rd match; the window is not moved by alerts
            (
                Some("type threshold, track by_src, count 3, seconds 60"),
                None,
                &[0, 1, 2, 3, 4, 5, 6],
                &[F, F, T, F, F, T, F],
            ),
            // threshold: the count restarts when the window is over
            (
                Some("type threshold, track by_src, count 2, seconds 10"),
                None,
                &[0, 11, 12, 13, 25],
                &[F, F, T, F, F],
            ),
            // threshold count 1: always
            (
                Some("type threshold, track by_src, count 1, seconds 10"),
                None,
                &[0, 0, 1],
                &[T, T, T],
            ),
            // both: once per window, at the count-th match
            (
                Some("type both, track by_dst, count 3, seconds 10"),
                None,
                &[0, 1, 2, 3, 4, 11, 12, 13],
                &[F, F, T, F, F, F, F, T],
            ),
            // both count 1: the first match of each window
            (
                Some("type both, track by_rule, count 1, seconds 5"),
                None,
                &[0, 5, 6, 7],
                &[T, F, T, F],
            ),
            // detection_filter: every match after the first 2 in a window
            (
                None,
                Some("track by_src, count 2, seconds 10"),
                &[0, 1, 2, 3, 10, 11, 12, 13],
                &[F, F, T, T, T, F, F, T],
            ),
            // detection_filter count 1: from the second match on
            (
                None,
                Some("track by_rule, count 1, seconds 60"),
                &[0, 1, 2],
                &[F, T, T],
            ),
            // no threshold at all
            (None, None, &[0, 0, 0], &[T, T, T]),
        ];
        for &(t, d, secs, want) in cases {
            let m = meta(t, d);
            assert_eq!(run(&m, &at(secs)), want, "{t:?} {d:?} at {secs:?}");
        }
    }

    #[test]
    fn window_boundary_has_microsecond_resolution() {
        let m = meta(Some("type limit, track by_rule, count 1, seconds 1"), None);
        // 1.000000999 s is still at 1.000000 for Suricata (µs resolution):
        // inside the window [0.5, 1.5]; 1.5000001 is outside.
        let times = [(0, 500_000_000), (1, 500_000_999), (1, 500_001_000)];
        assert_eq!(run(&m, &times), vec![T, F, T]);
    }

    #[test]
    fn trackers_are_separate_per_key() {
        let m = meta(Some("type limit, track by_src, count 1, seconds 60"), None);
        let mut st = ThresholdState::default();
        let (a, b, c) = (v4(1, 1, 1, 1), v4(2, 2, 2, 2), v4(3, 3, 3, 3));
        assert!(st.allow(0, &m, 0, 0, a, c));
        assert!(!st.allow(0, &m, 1, 0, a, b), "same source");
        assert!(st.allow(0, &m, 1, 0, b, c), "another source");
        assert!(st.allow(1, &m, 1, 0, a, c), "another rule");

        let both = meta(Some("type limit, track by_both, count 1, seconds 60"), None);
        assert!(st.allow(2, &both, 0, 0, a, b));
        assert!(!st.allow(2, &both, 0, 0, b, a), "the pair is unordered");
        assert!(st.allow(2, &both, 0, 0, a, c));

        let dst = meta(Some("type limit, track by_dst, count 1, seconds 60"), None);
        assert!(st.allow(3, &dst, 0, 0, a, c));
        assert!(!st.allow(3, &dst, 0, 0, b, c), "same destination");

        let rule = meta(Some("type limit, track by_rule, count 1, seconds 60"), None);
        assert!(st.allow(4, &rule, 0, 0, a, b));
        assert!(!st.allow(4, &rule, 0, 0, c, b), "any address");
    }

    /// Match numbers (1-based) that alert for `spec` over `n` matches of
    /// one flow.
    fn alerting(spec: &str, n: u32) -> Vec<u32> {
        let m = meta(Some(spec), None);
        let mut st = ThresholdState::default();
        let (s, d) = (v4(10, 0, 0, 1), v4(10, 0, 0, 2));
        (1..=n)
            .filter(|&i| st.allow_in_flow(0, &m, (i64::from(i), 0), (s, d), Some(7)))
            .collect()
    }

    #[test]
    fn backoff_alerts_at_geometric_marks() {
        // The threshold-rule-flow-backoff-single-flow counts: 6676 matches.
        let b = |c: u32, m: u32| format!("type backoff, track by_flow, count {c}, multiplier {m}");
        let one_two = alerting(&b(1, 2), 6676);
        assert_eq!(one_two.len(), 13);
        assert_eq!(&one_two[..5], &[1, 2, 4, 8, 16]);
        assert_eq!(alerting(&b(3, 2), 6676).len(), 12);
        assert_eq!(alerting(&b(5, 5), 6676), vec![5, 25, 125, 625, 3125]);
        assert_eq!(alerting(&b(1, 10), 1000), vec![1, 10, 100, 1000]);
    }

    #[test]
    fn by_flow_trackers_are_per_flow_and_need_a_flow() {
        let m = meta(
            Some("type limit, track by_flow, count 2, seconds 3600"),
            None,
        );
        let mut st = ThresholdState::default();
        let (s, d) = (v4(10, 0, 0, 1), v4(10, 0, 0, 2));
        let mut hit = |flow| st.allow_in_flow(0, &m, (1, 0), (s, d), flow);
        assert_eq!(
            [
                hit(Some(1)),
                hit(Some(1)),
                hit(Some(1)),
                hit(Some(2)),
                hit(None)
            ],
            [T, T, F, T, F]
        );
        // threshold-rule-flow: 8 echo requests in one flow.
        assert_eq!(
            alerting("type threshold, track by_flow, count 3, seconds 3600", 8),
            vec![3, 6]
        );
        let df = meta(None, Some("track by_flow, count 7, seconds 3600"));
        let mut st = ThresholdState::default();
        let n = (0..8)
            .filter(|_| st.allow_in_flow(0, &df, (1, 0), (s, d), Some(1)))
            .count();
        assert_eq!(n, 1);
    }

    #[test]
    fn idle_backoff_trackers_are_swept() {
        let m = meta(
            Some("type backoff, track by_flow, count 2, multiplier 2"),
            None,
        );
        let mut st = ThresholdState::new(1);
        let (s, d) = (v4(1, 1, 1, 1), v4(2, 2, 2, 2));
        assert!(!st.allow_in_flow(0, &m, (0, 0), (s, d), Some(1)));
        // Full: flow 2 waits until flow 1's tracker has been idle long enough.
        assert!(!st.allow_in_flow(0, &m, (10, 0), (s, d), Some(2)));
        assert_eq!(st.dropped(), 1);
        assert!(
            st.allow_in_flow(0, &m, (20, 0), (s, d), Some(1)),
            "2nd match"
        );
        assert!(!st.allow_in_flow(0, &m, (20 + IDLE_BACKOFF_SECS + 1, 0), (s, d), Some(2)));
        assert_eq!((st.len(), st.dropped()), (1, 1));
    }

    #[test]
    fn tracker_table_is_bounded() {
        let m = meta(Some("type limit, track by_src, count 1, seconds 10"), None);
        let mut st = ThresholdState::new(2);
        let d = v4(9, 9, 9, 9);
        assert!(st.allow(0, &m, 0, 0, v4(1, 0, 0, 1), d));
        assert!(st.allow(0, &m, 0, 0, v4(1, 0, 0, 2), d));
        // Full, nothing expired: a new source is dropped (no alert).
        assert!(!st.allow(0, &m, 5, 0, v4(1, 0, 0, 3), d));
        assert_eq!((st.len(), st.dropped()), (2, 1));
        // Existing trackers keep counting.
        assert!(!st.allow(0, &m, 5, 0, v4(1, 0, 0, 1), d));
        // Once their windows ended, the sweep makes room.
        assert!(st.allow(0, &m, 11, 0, v4(1, 0, 0, 3), d));
        assert_eq!((st.len(), st.dropped()), (1, 1));
    }

    #[test]
    fn parse_table() {
        let t = ThresholdSpec::parse("track  by_src,count 5 , type both,seconds 60").unwrap();
        assert_eq!(
            t,
            ThresholdSpec {
                kind: ThresholdType::Both,
                track: Track::BySrc,
                count: 5,
                seconds: 60,
                multiplier: None,
            }
        );
        let d = DetectionFilter::parse("track by_dst, seconds 3, count 2").unwrap();
        assert_eq!((d.track, d.count, d.seconds), (Track::ByDst, 2, 3));
        for bad in [
            "type limit, track by_src, count 5",
            "type limit, track by_src, count 5, seconds 1, count 2",
            "type any, track by_src, count 5, seconds 1",
            "type limit, track by_host, count 5, seconds 1",
            "type limit, track by_src, count -1, seconds 1",
            "type limit, track by_src, count 5, seconds 4294967296",
            "type limit track by_src, count 5, seconds 1",
            "type limit, track by_src, count 5, seconds 1, foo 2",
            "type limit, track by_src, count 5, seconds 1, multiplier 2",
            "type backoff, track by_src, count 1, multiplier 10",
            "type backoff, track by_flow, count 1, seconds 10",
            "type backoff, track by_flow, count 1",
            "type backoff, track by_flow, count 0, multiplier 2",
        ] {
            assert!(
                matches!(ThresholdSpec::parse(bad), Err(KwError::Invalid(_))),
                "{bad}"
            );
        }
        let b =
            ThresholdSpec::parse("type backoff, track by_flow, count 1, multiplier 10").unwrap();
        assert_eq!(
            (b.kind, b.track, b.multiplier),
            (ThresholdType::Backoff, Track::ByFlow, Some(10))
        );
        let f = DetectionFilter::parse("track by_flow, count 1, seconds 10").unwrap();
        assert_eq!(f.track, Track::ByFlow);
        assert!(DetectionFilter::parse("track by_src, count 0, seconds 1").is_err());
        assert!(DetectionFilter::parse("track by_src, count 1").is_err());
        let json = serde_yaml::to_string(&t).unwrap_or_default();
        assert!(
            json.contains("type: both") && json.contains("track: by_src"),
            "{json}"
        );
    }
}
