//! The Logs tab's `:` commands: `goto 14:05`, `goto 2026-11-22 14:05:30`, `since 30m` (back
//! from the newest line), `level warn`, `filter REGEX`.

use chrono::{NaiveDateTime, Utc};

use crate::logs::parse::{Level, parse_timestamp};
use crate::timefmt::{time_of_day_at_or_before, wall_clock_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Jump to the first entry at or after this time (epoch ms).
    Goto(i64),
    Level(Level),
    Filter(String),
    /// Only entries from this time on (`None`: from the start again).
    Since(Option<i64>),
    /// Only entries before this time (`None`: to the end again).
    Until(Option<i64>),
}

/// Parses a command. `newest_ms` is the newest entry's time: a bare time of day means that
/// day (or the day before, when the time would be later than the newest entry). Times are
/// taken in UTC or in local time, as the tab shows them.
pub fn parse_command(text: &str, newest_ms: Option<i64>, utc: bool) -> Result<Command, String> {
    let text = text.trim();
    let (name, arg) = text
        .split_once(' ')
        .map(|(n, a)| (n, a.trim()))
        .unwrap_or((text, ""));
    match name {
        "goto" | "g" => goto(arg, newest_ms, utc).map(Command::Goto),
        "level" => Level::parse(arg.as_bytes())
            .map(Command::Level)
            .ok_or_else(|| format!("unknown level '{arg}': use error, warn, info, debug or trace")),
        "filter" => Ok(Command::Filter(arg.to_string())),
        "since" if arg.is_empty() || arg == "-" => Ok(Command::Since(None)),
        "until" if arg.is_empty() || arg == "-" => Ok(Command::Until(None)),
        "since" => goto(arg, newest_ms, utc).map(|ms| Command::Since(Some(ms))),
        "until" => goto(arg, newest_ms, utc).map(|ms| Command::Until(Some(ms))),
        "" => Err(
            "no command: try goto 14:05, since 14:00, until 14:30, level warn, filter REGEX"
                .to_string(),
        ),
        other => Err(format!(
            "unknown command '{other}': try goto 14:05, since 14:00, until 14:30, level warn, filter REGEX"
        )),
    }
}

fn goto(arg: &str, newest_ms: Option<i64>, utc: bool) -> Result<i64, String> {
    let bad = || {
        format!(
            "cannot read the time '{arg}': use 14:05, 14:05:30, 2026-11-22 14:05, or 30m (before the newest line)"
        )
    };
    if arg.is_empty() {
        return Err(bad());
    }
    let newest = newest_ms.unwrap_or_else(|| Utc::now().timestamp_millis());
    if let Some(back) = crate::logs::select::parse_duration(arg) {
        return newest.checked_sub(back).ok_or_else(bad);
    }
    if let Some(ms) =
        parse_timestamp(arg.as_bytes()).filter(|_| arg.ends_with('Z') || arg.contains('+'))
    {
        return Ok(ms);
    }
    for layout in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(arg, layout) {
            return wall_clock_ms(naive, utc).ok_or_else(bad);
        }
    }
    time_of_day_at_or_before(arg, newest, utc).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-22 09:30:00 UTC
    const NEWEST: i64 = 1_795_339_800_000;

    #[test]
    fn goto_times_of_day_and_dates() {
        assert_eq!(
            parse_command("goto 09:05", Some(NEWEST), true),
            Ok(Command::Goto(NEWEST - 25 * 60_000))
        );
        // Later than the newest entry: the day before.
        assert_eq!(
            parse_command("goto 14:00", Some(NEWEST), true),
            Ok(Command::Goto(NEWEST + (4 * 60 + 30) * 60_000 - 86_400_000))
        );
        assert_eq!(
            parse_command("goto 2026-11-22 09:30", None, true),
            Ok(Command::Goto(NEWEST))
        );
        assert_eq!(
            parse_command("g 2026-11-22T09:30:00Z", None, false),
            Ok(Command::Goto(NEWEST))
        );
        assert_eq!(
            parse_command("goto 09:29:59.500", Some(NEWEST), true),
            Ok(Command::Goto(NEWEST - 500))
        );
    }

    #[test]
    fn a_duration_counts_back_from_the_newest_line() {
        assert_eq!(
            parse_command("since 30m", Some(NEWEST), true),
            Ok(Command::Since(Some(NEWEST - 30 * 60_000)))
        );
        assert_eq!(
            parse_command("until 1h30m", Some(NEWEST), false),
            Ok(Command::Until(Some(NEWEST - 90 * 60_000)))
        );
        assert_eq!(
            parse_command("goto 2d", Some(NEWEST), true),
            Ok(Command::Goto(NEWEST - 2 * 86_400_000))
        );
        // A bare number is neither a time nor a duration.
        assert!(
            parse_command("since 30", Some(NEWEST), true)
                .unwrap_err()
                .contains("30m (before the newest line)")
        );
    }

    #[test]
    fn level_filter_and_errors() {
        assert_eq!(
            parse_command("level warn", None, true),
            Ok(Command::Level(Level::Warn))
        );
        assert_eq!(
            parse_command("filter a b", None, true),
            Ok(Command::Filter("a b".into()))
        );
        assert!(
            parse_command("goto teatime", None, true)
                .unwrap_err()
                .contains("teatime")
        );
        assert!(parse_command("level loud", None, true).is_err());
        assert!(
            parse_command("dance", None, true)
                .unwrap_err()
                .contains("unknown command")
        );
    }
}
