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
    /// `seconds`.
    pub seconds: u32,
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

/// Splits `key value, key value, …` and checks each key appears once.
fn fields<'a>(v: &'a str, kw: &str, keys: &[&str]) -> Result<Vec<&'a str>, KwError> {
    let mut out: Vec<Option<&str>> = vec![None; keys.len()];
    for part in v.split(',') {
        let mut words = part.split_whitespace();
        let (Some(k), Some(val), None) = (words.next(), words.next(), words.next()) else {
            return Err(KwError::invalid(format!(
                "{kw}: expected `name value` in {:?}",
                part.trim()
            )));
        };
        if k == "multiplier" && kw == "threshold" {
            return Err(KwError::unsupported(
                "threshold multiplier (type backoff) is not implemented",
            ));
        }
        let i = keys
            .iter()
            .position(|&x| x == k)
            .ok_or_else(|| KwError::invalid(format!("{kw}: unknown option {k:?}")))?;
        if out[i].replace(val).is_some() {
            return Err(KwError::invalid(format!("{kw}: {k} given twice")));
        }
    }
    keys.iter()
        .zip(out)
        .map(|(k, v)| v.ok_or_else(|| KwError::invalid(format!("{kw}: missing {k}"))))
        .collect()
}

fn track(v: &str, kw: &str) -> Result<Track, KwError> {
    Ok(match v {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" => {
            return Err(KwError::unsupported(format!(
                "{kw} track by_flow needs per-flow threshold state (not implemented)"
            )))
        }
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
    /// Parses `type T, track K, count N, seconds S` (any order).
    pub fn parse(v: &str) -> Result<ThresholdSpec, KwError> {
        let f = fields(v, "threshold", &["type", "track", "count", "seconds"])?;
        let kind = match f[0] {
            "limit" => ThresholdType::Limit,
            "threshold" => ThresholdType::Threshold,
            "both" => ThresholdType::Both,
            "backoff" => {
                return Err(KwError::unsupported(
                    "threshold type backoff is not implemented",
                ))
            }
            t => return Err(KwError::invalid(format!("threshold: invalid type {t:?}"))),
        };
        Ok(ThresholdSpec {
            kind,
            track: track(f[1], "threshold")?,
            count: number(f[2], "count")?,
            seconds: number(f[3], "seconds")?,
        })
    }
}

impl DetectionFilter {
    /// Parses `track K, count N, seconds S` (any order; N and S above 0).
    pub fn parse(v: &str) -> Result<DetectionFilter, KwError> {
        let f = fields(v, "detection_filter", &["track", "count", "seconds"])?;
        let d = DetectionFilter {
            track: track(f[0], "detection_filter")?,
            count: number(f[1], "count")?,
            seconds: number(f[2], "seconds")?,
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
}

/// Packet time at Suricata's resolution: (seconds, microseconds).
type Ts = (i64, u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    rule: RuleId,
    addr: Option<IpAddr>,
    addr2: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    start: Ts,
    count: u32,
    seconds: u32,
}

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
    pub fn allow(
        &mut self,
        rule: RuleId,
        meta: &RuleMeta,
        ts_secs: i64,
        ts_nanos: u32,
        src: IpAddr,
        dst: IpAddr,
    ) -> bool {
        let (kind, track, count, seconds) = match (&meta.threshold, &meta.detection_filter) {
            (Some(t), _) => {
                let k = match t.kind {
                    ThresholdType::Limit => Kind::Limit,
                    ThresholdType::Threshold => Kind::Threshold,
                    ThresholdType::Both => Kind::Both,
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
            Track::ByRule => (None, None),
            // The pair is unordered: lower address first.
            Track::ByBoth => (Some(src.min(dst)), Some(src.max(dst))),
        };
        let key = Key { rule, addr, addr2 };
        let now: Ts = (ts_secs, ts_nanos.min(999_999_999) / 1000);
        if let Some(e) = self.entries.get_mut(&key) {
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
            },
        );
        // A new tracker: its first match.
        match kind {
            Kind::Limit => true,
            Kind::Threshold | Kind::Both => count == 1,
            Kind::Detection => false,
        }
    }

    /// Drops trackers whose window ended before `now`.
    fn sweep(&mut self, now: Ts) {
        if self.last_sweep == Some(now.0) {
            return;
        }
        self.last_sweep = Some(now.0);
        self.entries.retain(|_, e| now <= e.window_end());
    }
}

/// Suricata's `ThresholdCheckUpdate` for an existing tracker.
fn check_update(kind: Kind, count: u32, e: &mut Entry, now: Ts) -> bool {
    if now > e.window_end() {
        // The window is over: this match opens a new one.
        e.start = now;
        e.count = 1;
        return match kind {
            Kind::Limit => true,
            Kind::Both => count == 1,
            Kind::Threshold | Kind::Detection => false,
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
                seconds: 60
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
        ] {
            assert!(
                matches!(ThresholdSpec::parse(bad), Err(KwError::Invalid(_))),
                "{bad}"
            );
        }
        for unsupported in [
            "type backoff, track by_flow, count 1, multiplier 10",
            "type limit, track by_flow, count 1, seconds 10",
        ] {
            assert!(
                matches!(
                    ThresholdSpec::parse(unsupported),
                    Err(KwError::Unsupported(_))
                ),
                "{unsupported}"
            );
        }
        assert!(DetectionFilter::parse("track by_src, count 0, seconds 1").is_err());
        assert!(DetectionFilter::parse("track by_src, count 1").is_err());
        let json = serde_yaml::to_string(&t).unwrap_or_default();
        assert!(
            json.contains("type: both") && json.contains("track: by_src"),
            "{json}"
        );
    }
}
