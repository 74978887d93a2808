//! UTC timestamp formatting for EVE and fast.log.
//!
//! Sigil always writes UTC (`+0000`): evidence from several machines must
//! line up without knowing each host's zone. Suricata writes local time; its
//! test-suite runs with `TZ=UTC`, so the output is the same there. The civil
//! date conversion is Howard Hinnant's days-from-civil algorithm inverted,
//! which avoids pulling a date crate into the hot output path.

pub use crate::capture::Timestamp as Ts;

/// Microseconds within the second (what Suricata prints).
fn micros(ts: Ts) -> u32 {
    ts.nanos / 1000
}

/// Civil date (year, month 1-12, day 1-31) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down UTC time.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
}

fn civil(ts: Ts) -> Civil {
    let days = ts.secs.div_euclid(86_400);
    let rem = ts.secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        min: rem / 60 % 60,
        sec: rem % 60,
    }
}

/// EVE form: `2021-02-05T07:34:50.000003+0000`.
pub fn eve(ts: Ts) -> String {
    let mut out = Vec::with_capacity(32);
    write_eve(&mut out, ts);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the EVE form of `ts` to `out` without going through `format!`
/// (two timestamps per EVE record).
pub fn write_eve(out: &mut Vec<u8>, ts: Ts) {
    use super::json::push_padded;
    let c = civil(ts);
    let Ok(year) = u64::try_from(c.year) else {
        out.extend_from_slice(eve_fmt(ts).as_bytes());
        return;
    };
    push_padded(out, year, 4);
    out.push(b'-');
    push_padded(out, c.month.into(), 2);
    out.push(b'-');
    push_padded(out, c.day.into(), 2);
    out.push(b'T');
    push_padded(out, c.hour.into(), 2);
    out.push(b':');
    push_padded(out, c.min.into(), 2);
    out.push(b':');
    push_padded(out, c.sec.into(), 2);
    out.push(b'.');
    push_padded(out, micros(ts).into(), 6);
    out.extend_from_slice(b"+0000");
}

/// [`eve`] through `format!`, for years before 0 (never from a capture).
fn eve_fmt(ts: Ts) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.min,
        c.sec,
        micros(ts)
    )
}

/// fast.log form: `02/05/2021-07:34:50.000003`.
pub fn fast(ts: Ts) -> String {
    let c = civil(ts);
    format!(
        "{:02}/{:02}/{:04}-{:02}:{:02}:{:02}.{:06}",
        c.month,
        c.day,
        c.year,
        c.hour,
        c.min,
        c.sec,
        micros(ts)
    )
}

/// ISO 8601 with a `Z`, second precision, for manifests and logs.
pub fn iso_utc(ts: Ts) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.min,
        c.sec,
        micros(ts)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // 2021-02-05T07:34:50Z = 1612510490
        let ts = Ts::new(1_612_510_490, 3_000);
        assert_eq!(eve(ts), "2021-02-05T07:34:50.000003+0000");
        assert_eq!(fast(ts), "02/05/2021-07:34:50.000003");
        assert_eq!(eve(Ts::new(0, 0)), "1970-01-01T00:00:00.000000+0000");
        // leap day
        assert_eq!(
            eve(Ts::new(951_782_400, 0)),
            "2000-02-29T00:00:00.000000+0000"
        );
        // Far past and future years print as `format!` would.
        for secs in [-62_167_219_201, -62_167_219_200, 253_402_300_800, 1 << 50] {
            let ts = Ts::new(secs, 999_999_000);
            assert_eq!(eve(ts), eve_fmt(ts), "{secs}");
        }
        assert_eq!(
            iso_utc(Ts::new(-1, 999_999_999)),
            "1969-12-31T23:59:59.999999Z"
        );
    }
}
