//! Drawing the Logs tab. Only the entries on screen are looked at: their message is decoded,
//! made inert, cut or wrapped to the columns, and highlighted for the find.

use chrono::{Local, NaiveDateTime, TimeZone, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{LogsTab, Mode, PromptKind, detail};
use crate::logs::feed::FeedKind;
use crate::logs::output::compact_fields;
use crate::logs::parse::{Level, parse_line};
use crate::logs::source::SourceState;
use crate::logs::store::Entry;
use crate::text::{inert, one_line, wrap};
use crate::timefmt::count;
use crate::tui::keys::{Action, Keymap, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::Ui;

const TIME_WIDTH: usize = 12;
/// Shown in the empty `:` prompt.
const COMMAND_HINT: &str = "goto 14:05 · since 30m · until 14:30 · level warn · filter REGEX";
const LEVEL_WIDTH: usize = 5;

pub fn level_style(theme: &Theme, level: Level) -> Style {
    match level {
        Level::Fatal | Level::Error => theme.error,
        Level::Warn => theme.warn,
        Level::Info => theme.info,
        Level::Debug | Level::Trace => theme.debug,
        Level::None => theme.muted,
    }
}

/// `09:27:10.027`, in UTC or local time.
pub fn time_short(ms: i64, utc: bool) -> String {
    civil(ms, utc)
        .map(|t| t.format("%H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| "--:--:--.---".to_string())
}

/// A time in a column of [`TIME_WIDTH`]: `09:27:10.027` on the day of `latest_ms` (the newest
/// line's), `11-21 09:27` on another day, so that a log holding several days does not pass
/// yesterday's 14:00 for today's.
pub fn time_in_column(ms: i64, latest_ms: Option<i64>, utc: bool) -> String {
    let at = civil(ms, utc);
    let latest = latest_ms.and_then(|l| civil(l, utc));
    match (at, latest) {
        (Some(at), Some(latest)) if latest.date() != at.date() => {
            format!("{:<TIME_WIDTH$}", at.format("%m-%d %H:%M"))
        }
        _ => time_short(ms, utc),
    }
}

/// The wall-clock time of `ms` in UTC or local time.
fn civil(ms: i64, utc: bool) -> Option<NaiveDateTime> {
    if utc {
        Utc.timestamp_millis_opt(ms).single().map(|t| t.naive_utc())
    } else {
        Local
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.naive_local())
    }
}

/// `2026-11-22 09:27:10.027 UTC`, or the local time with its offset.
pub fn time_full(ms: i64, utc: bool) -> String {
    if utc {
        Utc.timestamp_millis_opt(ms)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
    } else {
        Local
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f %:z (local)").to_string())
    }
    .unwrap_or_else(|| "invalid time".to_string())
}

/// The message and compact `key=value` fields of an entry, on one line, inert.
fn message_text(entry: &Entry) -> (String, String) {
    let mut message = one_line(&entry.message(), 4096);
    if entry.continued {
        let extra = memchr::memchr_iter(b'\n', entry.raw).count();
        message.push_str(&format!(" ⏎+{extra}"));
    }
    let fields = if entry.is_json {
        let line = entry.first_line();
        compact_fields(line, &parse_line(line, false))
    } else {
        String::new()
    };
    (message, fields)
}

/// Drops the first `columns` screen columns of `text`.
fn skip_columns(text: &str, columns: usize) -> &str {
    let mut width = 0;
    for (i, c) in text.char_indices() {
        if width >= columns {
            return &text[i..];
        }
        width += c.width().unwrap_or(0);
    }
    ""
}

/// Splits `text` into spans, the find's matches highlighted.
fn highlighted(
    text: &str,
    find: Option<&regex::bytes::Regex>,
    style: Style,
    highlight: Style,
) -> Vec<Span<'static>> {
    let matches = find
        .into_iter()
        .flat_map(|regex| regex.find_iter(text.as_bytes()))
        .map(|m| m.range());
    crate::tui::widgets::highlighted(text, matches, style, highlight)
}

struct Columns {
    node: usize,
    caller: usize,
    message_at: usize,
}

impl Columns {
    fn new(tab: &LogsTab, width: usize) -> Self {
        let node = if tab.store.sources().len() > 1 {
            tab.store
                .sources()
                .iter()
                .map(|s| source_label(s).width())
                .max()
                .unwrap_or(0)
                .min(if width >= 100 { 14 } else { 10 })
        } else {
            0
        };
        let caller = if width >= 110 { 24 } else { 0 };
        let mut message_at = 1 + TIME_WIDTH + 1 + LEVEL_WIDTH + 1;
        if node > 0 {
            message_at += node + 1;
        }
        if caller > 0 {
            message_at += caller + 1;
        }
        Self {
            node,
            caller,
            message_at,
        }
    }
}

/// A source as its column shows it: a file without its `.log`, a node as it is.
fn source_label(name: &str) -> &str {
    name.strip_suffix(".log").unwrap_or(name)
}

fn pad(text: &str, width: usize) -> String {
    let text = one_line(text, width);
    let used = text.width();
    format!("{text}{} ", " ".repeat(width.saturating_sub(used)))
}

/// The lines one entry takes on screen.
fn entry_lines(
    tab: &LogsTab,
    entry: &Entry,
    columns: &Columns,
    width: usize,
    theme: &Theme,
    selected: bool,
) -> Vec<Line<'static>> {
    let marked = tab.bookmarks.contains(&entry.seq);
    // A marked entry shows its mark even when selected: the selection's colours still say
    // which row is selected.
    let gutter = match (selected, marked) {
        (_, true) => "◆",
        (true, false) => "▌",
        (false, false) => " ",
    };
    let mut prefix = vec![Span::styled(gutter, theme.accent)];
    let time = match entry.ts_ms {
        Some(_) if entry.ts_inferred => " ".repeat(TIME_WIDTH),
        Some(ms) => time_in_column(ms, tab.store.latest_ts(), tab.utc),
        None => " ".repeat(TIME_WIDTH),
    };
    prefix.push(Span::styled(format!("{time} "), theme.muted));
    prefix.push(Span::styled(
        pad(entry.level.label(), LEVEL_WIDTH),
        level_style(theme, entry.level),
    ));
    if columns.node > 0 {
        prefix.push(Span::styled(
            pad(
                source_label(tab.store.source_name(entry.source)),
                columns.node,
            ),
            theme.accent,
        ));
    }
    if columns.caller > 0 {
        let caller = String::from_utf8_lossy(entry.caller);
        prefix.push(Span::styled(pad(&caller, columns.caller), theme.muted));
    }
    let (message, fields) = message_text(entry);
    let room = width.saturating_sub(columns.message_at).max(1);
    let find = tab.find.as_ref().map(|f| f.regex.regex());
    if tab.wrap {
        let joined = if fields.is_empty() {
            message.clone()
        } else {
            format!("{message}  {fields}")
        };
        let mut lines = Vec::new();
        for (i, chunk) in wrap(&joined, room).into_iter().enumerate() {
            let mut spans = if i == 0 {
                prefix.clone()
            } else {
                vec![Span::raw(" ".repeat(columns.message_at))]
            };
            spans.extend(highlighted(&chunk, find, theme.value, theme.highlight));
            lines.push(Line::from(spans));
        }
        if lines.is_empty() {
            lines.push(Line::from(prefix));
        }
        return lines;
    }
    let mut spans = prefix;
    let message_shown = skip_columns(&message, tab.hscroll);
    spans.extend(highlighted(
        message_shown,
        find,
        theme.value,
        theme.highlight,
    ));
    if !fields.is_empty() {
        let skip = tab.hscroll.saturating_sub(message.width() + 2);
        spans.push(Span::raw("  "));
        spans.extend(highlighted(
            skip_columns(&fields, skip),
            find,
            theme.muted,
            theme.highlight,
        ));
    }
    vec![Line::from(spans)]
}

fn header(tab: &LogsTab, theme: &Theme) -> Line<'static> {
    let sep = || Span::styled(" │ ", theme.border);
    let mut spans = vec![if tab.reads_packet() {
        // A packet's logs do not grow: there is nothing to follow.
        Span::styled("▣ PACKET", theme.muted)
    } else if tab.following {
        Span::styled("▶ FOLLOWING", theme.ok)
    } else {
        Span::styled("⏸ PAUSED", theme.warn)
    }];
    spans.push(sep());
    let store = &tab.store;
    spans.push(Span::styled(
        format!(
            "{} held · {} shown · ",
            count(store.len() as i64),
            count(tab.index.len() as i64)
        ),
        theme.value,
    ));
    let dropped = store.dropped();
    spans.push(Span::styled(
        format!("{} dropped", count(dropped as i64)),
        if dropped > 0 { theme.warn } else { theme.muted },
    ));
    spans.push(sep());
    let levels = match &tab.filter.levels {
        Some(set) => {
            let names: Vec<&str> = Level::ALL
                .iter()
                .filter(|l| set[**l as usize])
                .map(|l| l.label())
                .collect();
            format!("levels {}", names.join(","))
        }
        None if tab.filter.threshold == Level::Trace => "all levels".to_string(),
        None => format!("level ≥ {}", tab.filter.threshold.label()),
    };
    spans.push(Span::styled(levels, theme.accent));
    let query = tab.filter.query.to_text();
    if !query.is_empty() || tab.filter.invert {
        spans.push(sep());
        let mut text = format!(
            "{}{}",
            if tab.filter.invert { "NOT " } else { "" },
            one_line(&query, 40)
        );
        if !tab.filter.case_insensitive {
            text.push_str(" (case)");
        }
        spans.push(Span::styled(text, theme.accent));
    }
    if let Some((_, template)) = &tab.filter.pattern {
        spans.push(sep());
        spans.push(Span::styled(
            format!("pattern: {}", one_line(&inert(template), 40)),
            theme.accent,
        ));
    }
    if tab.filter.since_ms.is_some() || tab.filter.until_ms.is_some() {
        spans.push(sep());
        let end = |ms: Option<i64>| {
            ms.map(|ms| {
                time_in_column(ms, tab.store.latest_ts(), tab.utc)
                    .trim_end()
                    .to_string()
            })
            .unwrap_or_else(|| "…".into())
        };
        spans.push(Span::styled(
            format!(
                "{} → {}",
                end(tab.filter.since_ms),
                end(tab.filter.until_ms)
            ),
            theme.accent,
        ));
    }
    if let Some(find) = &tab.find {
        spans.push(sep());
        let position = match tab.find_position() {
            Some((0, total)) => format!("{total} found"),
            Some((at, total)) => format!("{at} of {total}"),
            None => "0 found".to_string(),
        };
        spans.push(Span::styled(
            format!("find {} {position}", one_line(&find.text, 24)),
            theme.highlight,
        ));
    }
    if !tab.index.is_complete(&tab.store) {
        spans.push(sep());
        spans.push(Span::styled(
            format!("filtering {:.0}%", tab.index.progress(&tab.store) * 100.0),
            theme.warn,
        ));
    }
    spans.push(sep());
    spans.push(Span::styled(
        one_line(&tab.source_description(), 60),
        theme.muted,
    ));
    Line::from(spans)
}

fn status_line(tab: &LogsTab, theme: &Theme) -> Option<Line<'static>> {
    if let Some(notice) = &tab.notice {
        let style = notice.style(theme);
        return Some(Line::from(Span::styled(
            one_line(&notice.text(), 400),
            style,
        )));
    }
    let problems = tab.source_problems();
    let (name, state) = problems.first()?;
    let style = match state {
        crate::logs::source::SourceState::Failed(_)
        | crate::logs::source::SourceState::FileLoggingOff => theme.error,
        _ => theme.warn,
    };
    Some(Line::from(Span::styled(
        one_line(&format!("{name}: {state}"), 400),
        style,
    )))
}

/// Why no line can come, when every source of the active feed has said it cannot give any
/// (refused, failed, or file logging off on the server): each source with its reason.
fn unreadable(tab: &LogsTab) -> Option<String> {
    let states = &tab.states;
    let cannot =
        |state: &SourceState| matches!(state, SourceState::Failed(_) | SourceState::FileLoggingOff);
    if states.is_empty() || !states.iter().all(|(_, state)| cannot(state)) {
        return None;
    }
    // Files report one by one: a file not heard from yet may still give lines.
    if let Some(FeedKind::Files(files)) = tab.kinds.get(tab.active)
        && !files
            .iter()
            .all(|file| states.iter().any(|(name, _)| *name == file.name))
    {
        return None;
    }
    let reasons: Vec<String> = states
        .iter()
        .map(|(name, state)| match state {
            SourceState::Failed(err) => format!("{name}: {err}"),
            other => format!("{name}: {other}"),
        })
        .collect();
    Some(inert(&reasons.join("; ")).into_owned())
}

fn empty_message(tab: &LogsTab, keymap: &Keymap) -> String {
    if !tab.has_source() {
        "No log source. Give --mm-home (the server's install directory) or --log-file PATH, or connect to a server to use its REST log API.".to_string()
    } else if tab.store.is_empty()
        && let Some(reason) = unreadable(tab)
    {
        format!("No log lines can be read: {reason}")
    } else if tab.store.is_empty() {
        format!("Waiting for log lines ({})…", tab.source_description())
    } else if tab.is_busy() {
        "Filtering…".to_string()
    } else if let (Some(since), Some(until)) = (tab.filter.since_ms, tab.filter.until_ms)
        && since >= until
    {
        format!(
            "The time range is backwards: since {} is not before until {}. {} clears it.",
            time_full(since, tab.utc),
            time_full(until, tab.utc),
            keymap.key_name(Scope::Logs, Action::ClearFilter),
        )
    } else {
        format!(
            "No entry matches ({} held). {} clears the filter, {} shows every level.",
            count(tab.store.len() as i64),
            keymap.key_name(Scope::Logs, Action::ClearFilter),
            keymap.key_name(Scope::Logs, Action::LevelAll)
        )
    }
}

pub fn render(tab: &mut LogsTab, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let (theme, keymap) = (ui.theme, ui.keymap);
    let status = status_line(tab, theme);
    let prompt_height = u16::from(matches!(tab.mode, Mode::Prompt(..)));
    let [head, second, body, prompt] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(status.is_some())),
        Constraint::Min(1),
        Constraint::Length(prompt_height),
    ])
    .areas(area);
    crate::tui::widgets::fit_line(header(tab, theme), usize::from(head.width)).render(head, buf);
    if let Some(line) = status {
        line.render(second, buf);
    }
    match &tab.mode {
        Mode::Detail { seq, scroll } => {
            let (seq, scroll) = (*seq, *scroll);
            render_detail(tab, seq, scroll, body, buf, theme, keymap);
            return;
        }
        Mode::Prompt(kind, input) => {
            let key = |action| keymap.key_name(Scope::Logs, action);
            let label = match kind {
                PromptKind::Filter => format!(
                    "{} filter (regex, field=value, field~text): ",
                    key(Action::Filter)
                ),
                PromptKind::Find => format!("{} find: ", key(Action::Find)),
                PromptKind::Command => key(Action::Command),
                PromptKind::Save => "save filtered lines to: ".to_string(),
            };
            input.render(&label, prompt, buf, theme.key, theme.base);
            if *kind == PromptKind::Command && input.text().is_empty() {
                // What can be typed, until something is.
                let at = (label.width() + 2).min(usize::from(prompt.width)) as u16;
                let hint = Rect {
                    x: prompt.x + at,
                    width: prompt.width - at,
                    ..prompt
                };
                Line::styled(one_line(COMMAND_HINT, usize::from(hint.width)), theme.muted)
                    .render(hint, buf);
            }
        }
        Mode::Patterns => {
            let behind = tab
                .patterns
                .as_ref()
                .is_some_and(|p| p.is_behind(&tab.store));
            let utc = tab.utc;
            if let Some(pane) = &mut tab.patterns {
                pane.draw(body, buf, theme, utc, behind);
            }
            return;
        }
        _ => {}
    }
    let body = match &mut tab.timeline {
        Some(timeline) if body.height > super::timeline::BAR_ROWS + 4 => {
            let [chart, rest] = Layout::vertical([
                Constraint::Length(super::timeline::BAR_ROWS + 1),
                Constraint::Min(1),
            ])
            .areas(body);
            let selected_ms = tab
                .cursor
                .filter(|_| !tab.following)
                .and_then(|seq| tab.store.get(seq))
                .and_then(|e| e.ts_ms);
            timeline.draw(chart, buf, theme, tab.utc, selected_ms);
            rest
        }
        _ => body,
    };
    render_rows(tab, body, buf, theme, keymap);
    if let Mode::Picker { cursor, levels } = &tab.mode {
        render_picker(*cursor, levels, body, buf, theme, keymap);
    }
}

fn render_rows(tab: &mut LogsTab, area: Rect, buf: &mut Buffer, theme: &Theme, keymap: &Keymap) {
    tab.rows = area.height;
    if tab.index.is_empty() {
        let style = if tab.store.is_empty() && unreadable(tab).is_some() {
            theme.warn
        } else {
            theme.muted
        };
        Paragraph::new(Span::styled(empty_message(tab, keymap), style))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(area, buf);
        return;
    }
    let width = usize::from(area.width);
    let columns = Columns::new(tab, width);
    let Some(cursor) = tab.cursor_pos() else {
        return;
    };
    let rows = usize::from(area.height);
    // Keep the cursor on screen: scroll up to it, or down so that it is the last row.
    let height_of = |tab: &LogsTab, pos: usize| -> usize {
        if !tab.wrap {
            return 1;
        }
        tab.index
            .get(pos)
            .and_then(|seq| tab.store.get(seq))
            .map(|e| {
                let (m, f) = message_text(&e);
                let joined = if f.is_empty() { m } else { format!("{m}  {f}") };
                wrap(&joined, width.saturating_sub(columns.message_at).max(1))
                    .len()
                    .max(1)
            })
            .unwrap_or(1)
    };
    // The earliest first row that still shows the cursor on the last line.
    let mut used = height_of(tab, cursor);
    let mut min_top = cursor;
    while min_top > 0 {
        let above = height_of(tab, min_top - 1);
        if used + above > rows {
            break;
        }
        used += above;
        min_top -= 1;
    }
    if tab.following || tab.top > cursor || tab.top >= tab.index.len() || tab.top < min_top {
        tab.top = min_top;
    }

    let mut y = area.y;
    let mut pos = tab.top;
    while y < area.y + area.height {
        let Some(entry) = tab.index.get(pos).and_then(|seq| tab.store.get(seq)) else {
            break;
        };
        let selected = pos == cursor;
        for line in entry_lines(tab, &entry, &columns, width, theme, selected) {
            if y >= area.y + area.height {
                break;
            }
            let row = Rect::new(area.x, y, area.width, 1);
            line.render(row, buf);
            if selected {
                buf.set_style(row, theme.selection);
            }
            y += 1;
        }
        pos += 1;
    }
}

fn render_detail(
    tab: &LogsTab,
    seq: u64,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    keymap: &Keymap,
) {
    let key = |action| keymap.key_name(Scope::LogsDetail, action);
    let title = format!(
        " Entry  ({} closes · {}/{} scroll · {} copies the raw line) ",
        key(Action::Close),
        key(Action::Down),
        key(Action::Up),
        key(Action::Yank)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let lines = match tab.store.get(seq) {
        Some(entry) => detail::lines(
            &entry,
            tab.store.source_name(entry.source),
            theme,
            inner.width,
        ),
        None => vec![Line::from(Span::styled(
            "This entry has left the buffer.",
            theme.muted,
        ))],
    };
    Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
}

fn render_picker(
    cursor: usize,
    levels: &[bool; 7],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    keymap: &Keymap,
) {
    let width = 44.min(area.width);
    let height = (Level::ALL.len() as u16 + 4).min(area.height);
    let rect = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + 1,
        width,
        height,
    );
    Clear.render(rect, buf);
    let mut lines: Vec<Line> = Level::ALL
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let mark = if levels[i] { "[x]" } else { "[ ]" };
            let name = if *level == Level::None {
                "no level"
            } else {
                level.label()
            };
            let marker = if i == cursor { "▌" } else { " " };
            let line = Line::from(vec![
                Span::styled(marker, theme.accent),
                Span::styled(format!("{mark} "), theme.value),
                Span::styled(name.to_string(), level_style(theme, *level)),
            ]);
            if i == cursor {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    let key = |action| keymap.key_name(Scope::LogsLevels, action);
    lines.push(Line::from(Span::styled(
        format!(
            "{} toggles · {} applies · {}",
            key(Action::Toggle),
            key(Action::Submit),
            key(Action::Close)
        ),
        theme.muted,
    )));
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Double)
                .border_style(theme.border_focus)
                .title(Span::styled(" Levels ", theme.title)),
        )
        .render(rect, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipping_columns_respects_wide_characters() {
        assert_eq!(skip_columns("abcdef", 2), "cdef");
        assert_eq!(skip_columns("日本語", 2), "本語");
        assert_eq!(skip_columns("ab", 5), "");
    }

    #[test]
    fn highlights_split_the_text() {
        let regex = regex::bytes::Regex::new("o+").unwrap();
        let spans = highlighted(
            "foo bar boo",
            Some(&regex),
            Style::default(),
            Style::default().bold(),
        );
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, vec!["f", "oo", " bar b", "oo"]);
    }

    #[test]
    fn times() {
        assert_eq!(time_short(1_741_944_430_027, true), "09:27:10.027");
        // The day before the newest line (and the day after, a clock gone wrong) shows its date.
        let day = 86_400_000;
        for (latest, shown) in [
            (None, "09:27:10.027"),
            (Some(1_741_944_430_027 + 3_600_000), "09:27:10.027"),
            (Some(1_741_944_430_027 + day), "03-14 09:27 "),
            (Some(1_741_944_430_027 - day), "03-14 09:27 "),
        ] {
            assert_eq!(time_in_column(1_741_944_430_027, latest, true), shown);
            assert_eq!(shown.len(), TIME_WIDTH);
        }
        assert_eq!(
            time_full(1_741_944_430_027, true),
            "2025-03-14 09:27:10.027 UTC"
        );
    }
}
