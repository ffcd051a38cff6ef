//! How times and numbers are written on screen and in output, and the times of day an admin
//! types.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

pub const DAY_MS: i64 = 86_400_000;

/// `2026-11-22 10:15 UTC`.
pub fn utc_minute(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "invalid time".to_string())
}

/// `2026-11-22 10:15:03`, for columns headed "(UTC)".
pub fn utc_second(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "invalid time".to_string())
}

/// `2026-11-22T10:15:03.120Z`, for JSON.
pub fn rfc3339_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| "invalid time".to_string())
}

/// `2026-11-22 10:15`, for columns headed "(UTC)".
pub fn utc_minute_bare(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "invalid time".to_string())
}

/// `11-22 10:15`, for narrow columns headed "(UTC)".
pub fn utc_minute_compact(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "invalid".to_string())
}

/// `2026-11-22`.
pub fn utc_date(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "invalid date".to_string())
}

/// `10:15:03 UTC`.
pub fn utc_clock(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "--:--:--".to_string())
}

/// Whole days from `now` to `then`, rounded toward zero: positive in the future.
pub fn days_between(now_ms: i64, then_ms: i64) -> i64 {
    then_ms.saturating_sub(now_ms) / DAY_MS
}

/// `in 21 days`, `today`, `612 days ago`.
pub fn relative_days(now_ms: i64, then_ms: i64) -> String {
    match days_between(now_ms, then_ms) {
        0 if then_ms >= now_ms => "within a day".to_string(),
        0 => "today".to_string(),
        1 => "in 1 day".to_string(),
        -1 => "1 day ago".to_string(),
        d if d > 0 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    }
}

/// `184,209`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size for people: `512 B`, `12 KB`, `420 MB`, `1.0 GB` (powers of 1024, one decimal
/// below 10).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A length for people: `45s`, `3m 12s`, `1h 02m`.
pub fn duration_ms(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
    }
}

/// A running length as a clock: `03:12`, `1:02:03`.
pub fn stopwatch(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
    } else {
        format!("{:02}:{:02}", secs / 60, secs % 60)
    }
}

/// A wall-clock time in UTC or local time as epoch ms (a local time that a clock change skips
/// has none; one it repeats is the earlier).
pub fn wall_clock_ms(naive: NaiveDateTime, utc: bool) -> Option<i64> {
    if utc {
        Some(Utc.from_utc_datetime(&naive).timestamp_millis())
    } else {
        Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp_millis())
    }
}

/// A bare time of day (`14:05`, `14:05:30`, `14:05:30.250`) at its last moment at or before
/// `reference_ms`: that day's, or the day before's when it is still to come; in UTC or local
/// time.
pub fn time_of_day_at_or_before(text: &str, reference_ms: i64, utc: bool) -> Option<i64> {
    let time = ["%H:%M:%S%.3f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|layout| NaiveTime::parse_from_str(text, layout).ok())?;
    let day: NaiveDate = if utc {
        Utc.timestamp_millis_opt(reference_ms)
            .single()
            .map(|t| t.date_naive())
    } else {
        Local
            .timestamp_millis_opt(reference_ms)
            .single()
            .map(|t| t.date_naive())
    }?;
    let candidate = wall_clock_ms(day.and_time(time), utc)?;
    if candidate > reference_ms {
        return wall_clock_ms(day.pred_opt()?.and_time(time), utc);
    }
    Some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(duration_ms(45_900), "45s");
        assert_eq!(duration_ms(192_000), "3m 12s");
        assert_eq!(duration_ms(3_720_000), "1h 02m");
        assert_eq!(stopwatch(192_000), "03:12");
        assert_eq!(stopwatch(3_723_000), "1:02:03");
        assert_eq!(stopwatch(-5), "00:00");
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(12 * 1024 + 100), "12 KB");
        assert_eq!(bytes(420 << 20), "420 MB");
        assert_eq!(bytes(1 << 30), "1.0 GB");
        assert_eq!(bytes(1536), "1.5 KB");
    }

    #[test]
    fn formats() {
        assert_eq!(utc_minute(1_741_944_413_412), "2025-03-14 09:26 UTC");
        assert_eq!(utc_date(1_741_944_413_412), "2025-03-14");
        assert_eq!(utc_clock(1_741_944_413_412), "09:26:53 UTC");
        assert_eq!(count(184_209), "184,209");
        assert_eq!(count(999), "999");
        assert_eq!(count(-1_000_000), "-1,000,000");
    }

    #[test]
    fn relative() {
        let now = 1_000 * DAY_MS;
        assert_eq!(relative_days(now, now + 21 * DAY_MS + 5), "in 21 days");
        assert_eq!(relative_days(now, now - 612 * DAY_MS), "612 days ago");
        assert_eq!(relative_days(now, now + 1000), "within a day");
        assert_eq!(relative_days(now, now - 1000), "today");
        // Server-supplied extremes must not overflow.
        assert!(relative_days(now, i64::MIN).ends_with("days ago"));
        assert!(relative_days(i64::MIN, i64::MAX).starts_with("in "));
    }

    #[test]
    fn a_time_of_day_is_today_or_yesterday_in_utc() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T09:30:00Z")
            .unwrap()
            .to_utc();
        let at = |text: &str| time_of_day_at_or_before(text, now.timestamp_millis(), true);
        assert_eq!(at("09:05"), Some(now.timestamp_millis() - 25 * 60_000));
        assert_eq!(at("09:29:30"), Some(now.timestamp_millis() - 30_000));
        // Still to come today: yesterday's.
        assert_eq!(
            at("14:00"),
            Some(now.timestamp_millis() + 270 * 60_000 - 86_400_000)
        );
        assert_eq!(at("teatime"), None);
        assert_eq!(at("25:00"), None);
    }
}
