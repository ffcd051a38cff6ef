//! Choosing lines from a stream, for `mmops logs`: a level threshold, a regex over the entry's
//! first line, and a start time. Continuation lines (stack traces) follow their entry's fate.
//!
//! The regex runs first: most lines of a big file fail it, and for a JSON line that is all the
//! work done (a JSON line always starts an entry, so it needs no parsing to be skipped).

use regex::bytes::Regex;

use super::parse::{Level, Parsed, Shape, parse_line};

#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Lowest level shown (lines without a level count as info).
    pub level: Option<Level>,
    pub grep: Option<Regex>,
    /// The regex hides what it matches.
    pub invert: bool,
    /// Entries before this time (epoch ms) are left out.
    pub since_ms: Option<i64>,
    /// Entries at or after this time (epoch ms) are left out.
    pub until_ms: Option<i64>,
}

impl Selection {
    /// Whether it leaves any entry out.
    pub fn narrows(&self) -> bool {
        self.level.is_some()
            || self.grep.is_some()
            || self.since_ms.is_some()
            || self.until_ms.is_some()
    }
}

/// What to do with one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The line starts a chosen entry.
    Entry(Parsed),
    /// The line continues a chosen entry.
    Continuation,
    Skip,
}

#[derive(Debug, Default)]
pub struct Selector {
    selection: Selection,
    in_trace: bool,
    keep_continuations: bool,
    last_ts: Option<i64>,
}

impl Selector {
    pub fn new(selection: Selection) -> Self {
        // Lines before the first entry continue an entry that began earlier: without a filter
        // they are shown, with one their entry cannot be judged and they are left out.
        let unfiltered = selection.level.is_none()
            && selection.grep.is_none()
            && selection.since_ms.is_none()
            && selection.until_ms.is_none();
        Self {
            selection,
            keep_continuations: unfiltered,
            ..Self::default()
        }
    }

    /// The time of the newest entry that had one: where an entry without a time belongs.
    pub fn last_ts(&self) -> Option<i64> {
        self.last_ts
    }

    pub fn judge(&mut self, line: &[u8]) -> Verdict {
        let grep_ok = self
            .selection
            .grep
            .as_ref()
            .is_none_or(|re| re.is_match(line) != self.selection.invert);
        // Outside a stack trace a JSON line always starts an entry: when the regex rejects
        // it, skip it unparsed. (Inside a trace an unrecognized `{...}` line continues it.)
        if !grep_ok && !self.in_trace && line.first() == Some(&b'{') {
            self.in_trace = false;
            self.keep_continuations = false;
            return Verdict::Skip;
        }
        let parsed = parse_line(line, self.in_trace);
        if parsed.shape == Shape::Continuation {
            self.in_trace |= parsed.opens_trace;
            return if self.keep_continuations {
                Verdict::Continuation
            } else {
                Verdict::Skip
            };
        }
        self.in_trace = parsed.opens_trace;
        if parsed.ts_ms.is_some() {
            self.last_ts = parsed.ts_ms;
        }
        let level_ok = self
            .selection
            .level
            .is_none_or(|min| parsed.level.rank() >= min);
        let time_ok = self.last_ts.is_none_or(|ts| {
            self.selection.since_ms.is_none_or(|since| ts >= since)
                && self.selection.until_ms.is_none_or(|until| ts < until)
        });
        self.keep_continuations = grep_ok && level_ok && time_ok;
        if self.keep_continuations {
            Verdict::Entry(parsed)
        } else {
            Verdict::Skip
        }
    }
}

/// `10m`, `2h`, `1d`, `90s`, `1h30m` as milliseconds; every number needs a unit.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0i64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    // Every number needs its unit: a bare `2026` could as well be a year.
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge_all(selection: Selection, lines: &[&str]) -> Vec<char> {
        let mut selector = Selector::new(selection);
        lines
            .iter()
            .map(|l| match selector.judge(l.as_bytes()) {
                Verdict::Entry(_) => 'E',
                Verdict::Continuation => 'c',
                Verdict::Skip => '-',
            })
            .collect()
    }

    const LINES: &[&str] = &[
        r#"{"timestamp":"2026-11-22 09:00:00.000 Z","level":"info","msg":"hello"}"#,
        r#"{"timestamp":"2026-11-22 09:10:00.000 Z","level":"error","msg":"invite failed"}"#,
        "panic: boom",
        "goroutine 1 [running]:",
        "main.main()",
        r#"{"timestamp":"2026-11-22 09:20:00.000 Z","level":"warn","msg":"invite slow"}"#,
    ];

    #[test]
    fn levels_grep_and_continuations() {
        assert_eq!(
            judge_all(Selection::default(), LINES),
            vec!['E', 'E', 'E', 'c', 'c', 'E']
        );
        let errors = Selection {
            level: Some(Level::Error),
            ..Selection::default()
        };
        assert_eq!(judge_all(errors, LINES), vec!['-', 'E', 'E', 'c', 'c', '-']);
        let grep = Selection {
            grep: Some(Regex::new("invite").unwrap()),
            ..Selection::default()
        };
        assert_eq!(judge_all(grep, LINES), vec!['-', 'E', '-', '-', '-', 'E']);
        let inverted = Selection {
            grep: Some(Regex::new("invite").unwrap()),
            invert: true,
            ..Selection::default()
        };
        assert_eq!(
            judge_all(inverted, LINES),
            vec!['E', '-', 'E', 'c', 'c', '-']
        );
    }

    #[test]
    fn a_json_looking_line_inside_a_trace_stays_with_it() {
        let mut selector = Selector::new(Selection {
            grep: Some(Regex::new("boom").unwrap()),
            ..Selection::default()
        });
        let verdicts: Vec<Verdict> = [
            &b"panic: boom"[..],
            b"{\"detail\":\"x\"}",
            b"goroutine 1 [running]:",
            b"main.main()",
        ]
        .iter()
        .map(|l| selector.judge(l))
        .collect();
        assert!(matches!(verdicts[0], Verdict::Entry(_)));
        assert_eq!(&verdicts[1..], &[Verdict::Continuation; 3]);
    }

    #[test]
    fn leading_continuations_show_only_without_a_filter() {
        let mut open = Selector::new(Selection::default());
        assert_eq!(open.judge(b"    main.go:12 +0x1d"), Verdict::Continuation);
        let mut filtered = Selector::new(Selection {
            level: Some(Level::Error),
            ..Selection::default()
        });
        assert_eq!(filtered.judge(b"    main.go:12 +0x1d"), Verdict::Skip);
    }

    #[test]
    fn since_keeps_later_entries() {
        let since = crate::logs::parse::parse_timestamp(b"2026-11-22T09:05:00Z");
        let selection = Selection {
            since_ms: since,
            ..Selection::default()
        };
        assert_eq!(
            judge_all(selection, LINES),
            vec!['-', 'E', 'E', 'c', 'c', 'E']
        );
    }

    #[test]
    fn until_keeps_earlier_entries() {
        let selection = Selection {
            since_ms: crate::logs::parse::parse_timestamp(b"2026-11-22T09:05:00Z"),
            until_ms: crate::logs::parse::parse_timestamp(b"2026-11-22T09:20:00Z"),
            ..Selection::default()
        };
        assert_eq!(
            judge_all(selection, LINES),
            vec!['-', 'E', 'E', 'c', 'c', '-']
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(600_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("2d"), Some(172_800_000));
        assert_eq!(parse_duration("45"), None, "a unit is needed");
        assert_eq!(parse_duration("1h5"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("99999999999999999d"), None);
    }
}
