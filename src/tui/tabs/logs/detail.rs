//! The full view of one log entry: time in UTC and local time, level, source, caller, the
//! message, every field, the continuation lines (stack traces), and the raw JSON pretty-printed.
//! Everything from the line is made inert.

use ratatui::text::{Line, Span};

use crate::logs::output::field_members;
use crate::logs::parse::parse_line;
use crate::logs::scan::{self, Kind};
use crate::logs::store::Entry;
use crate::text::{inert, one_line, wrap};
use crate::tui::theme::Theme;

use super::view::{level_style, time_full};

const LABEL: usize = 10;

fn row(theme: &Theme, label: &str, value: Span<'static>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), theme.label),
        value,
    ])
}

pub fn lines(entry: &Entry, source: &str, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(20));
    let mut out = Vec::new();
    match entry.ts_ms {
        Some(ms) => {
            let suffix = if entry.ts_inferred {
                "  (from the entry before)"
            } else {
                ""
            };
            out.push(row(
                theme,
                "Time",
                Span::styled(format!("{}{suffix}", time_full(ms, true)), theme.value),
            ));
            out.push(row(
                theme,
                "",
                Span::styled(time_full(ms, false), theme.muted),
            ));
        }
        None => out.push(row(
            theme,
            "Time",
            Span::styled("none in the line", theme.muted),
        )),
    }
    out.push(row(
        theme,
        "Level",
        Span::styled(
            entry.level.label().to_string(),
            level_style(theme, entry.level),
        ),
    ));
    out.push(row(
        theme,
        "Source",
        Span::styled(one_line(source, 80), theme.value),
    ));
    if !entry.caller.is_empty() {
        out.push(row(
            theme,
            "Caller",
            Span::styled(
                one_line(&String::from_utf8_lossy(entry.caller), 120),
                theme.value,
            ),
        ));
    }
    out.push(row(theme, "Message", Span::raw("")));
    for chunk in wrap(
        &one_line(&entry.message(), 100_000),
        width.saturating_sub(2),
    ) {
        out.push(Line::from(Span::styled(format!("  {chunk}"), theme.value)));
    }

    if entry.is_json {
        let line = entry.first_line();
        let parsed = parse_line(line, false);
        let fields: Vec<_> = field_members(line, &parsed).collect();
        if !fields.is_empty() {
            out.push(Line::raw(""));
            out.push(Line::from(Span::styled("Fields", theme.title)));
            let key_width = fields
                .iter()
                .map(|m| m.key.len())
                .max()
                .unwrap_or(0)
                .min(24);
            for member in fields {
                let key = one_line(&String::from_utf8_lossy(member.key), 24);
                let value = match member.kind {
                    Kind::String => scan::text(member.value, member.escaped).into_owned(),
                    _ => String::from_utf8_lossy(member.value).into_owned(),
                };
                let value = one_line(&value, 100_000);
                let room = width.saturating_sub(key_width + 4).max(10);
                for (i, chunk) in wrap(&value, room).into_iter().enumerate() {
                    let key = if i == 0 { key.as_str() } else { "" };
                    out.push(Line::from(vec![
                        Span::styled(format!("  {key:<key_width$}  "), theme.label),
                        Span::styled(chunk, theme.value),
                    ]));
                }
            }
        }
    }

    let continuation = entry.continuation();
    if !continuation.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::from(Span::styled("Continued lines", theme.title)));
        for line in String::from_utf8_lossy(continuation).lines() {
            out.push(Line::from(Span::styled(
                format!("  {}", inert(line)),
                theme.value,
            )));
        }
    }

    out.push(Line::raw(""));
    let pretty = entry
        .json()
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(json).ok())
        .and_then(|value| serde_json::to_string_pretty(&value).ok());
    match pretty {
        Some(pretty) => {
            out.push(Line::from(Span::styled("Raw JSON", theme.title)));
            for line in pretty.lines() {
                out.push(Line::from(Span::styled(
                    format!("  {}", inert(line)),
                    theme.muted,
                )));
            }
        }
        None => {
            out.push(Line::from(Span::styled("Raw line", theme.title)));
            for chunk in wrap(
                &inert(&String::from_utf8_lossy(entry.first_line())),
                width.saturating_sub(2),
            ) {
                out.push(Line::from(Span::styled(format!("  {chunk}"), theme.muted)));
            }
        }
    }
    if entry.truncated {
        out.push(Line::from(Span::styled(
            "  (the line was longer than 16 MiB and is cut here)",
            theme.warn,
        )));
    }
    out
}
