//! Drawing the Config tab: a header (source, view, markers legend), the tree window with
//! search highlights, and a line for the prompt, the search or a notice; or the comparison.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use unicode_width::UnicodeWidthStr as _;

use super::{ConfigTab, Subset};
use crate::server_config::diff::Change;
use crate::server_config::tree::Row;
use crate::text::{inert, one_line};
use crate::timefmt;
use crate::tui::keys::{Action, Keymap, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::Ui;
use crate::tui::widgets::loadable::Load;

pub fn render(tab: &mut ConfigTab, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let (theme, keymap) = (ui.theme, ui.keymap);
    let inner = crate::tui::widgets::frame(area, buf, " Config (sanitized) ", false, theme);
    let message = |text: String, style: Style, buf: &mut Buffer| {
        crate::tui::widgets::message(inner, buf, &text, style)
    };
    match &tab.load.state {
        Load::NotConfigured => {
            return message(
                "No server and no install directory: no config to show.".into(),
                theme.muted,
                buf,
            );
        }
        Load::Loading => return message("Loading the config…".into(), theme.muted, buf),
        Load::Failed(err) => {
            return message(
                format!("The config could not be read: {}", inert(&err.to_string())),
                theme.error,
                buf,
            );
        }
        Load::Loaded(_) => {}
    }
    let [header, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    header_line(tab, theme).render(header, buf);
    if tab.compare.is_some() {
        draw_compare(tab, body, buf, theme, keymap);
    } else {
        draw_tree(tab, body, buf, theme, keymap);
    }
    draw_bottom(tab, bottom, buf, theme, keymap);
}

fn header_line(tab: &ConfigTab, theme: &Theme) -> Line<'static> {
    let Some(doc) = tab.doc() else {
        return Line::raw("");
    };
    let mut spans = vec![
        Span::styled(format!("{} · ", tab.subset.label()), theme.value),
        Span::styled(one_line(&inert(&doc.source), 48), theme.muted),
        Span::styled("  ≠", theme.warn),
        Span::styled(" changed ", theme.muted),
        Span::styled("env", theme.info),
        Span::styled(" set by environment ", theme.muted),
        Span::styled("***", theme.muted.add_modifier(Modifier::BOLD)),
        Span::styled(" masked", theme.muted),
    ];
    if tab.load.refreshing {
        spans.push(Span::styled(" · refreshing…", theme.muted));
    }
    Line::from(spans)
}

/// `text` with every case-insensitive occurrence of `needle` highlighted.
fn highlighted(text: &str, needle: &str, style: Style, theme: &Theme) -> Vec<Span<'static>> {
    let lower = text.to_lowercase();
    let needle = needle.to_lowercase();
    // Lower-casing can change byte lengths; highlight only when it did not.
    let matches: Vec<std::ops::Range<usize>> = if needle.is_empty() || lower.len() != text.len() {
        Vec::new()
    } else {
        lower
            .match_indices(&needle)
            .map(|(at, found)| at..at + found.len())
            .collect()
    };
    crate::tui::widgets::highlighted(text, matches, style, theme.highlight)
}

/// ` ≠ env ***`
const MARKS_WIDTH: usize = 10;

fn row_line(row: &Row, folded: bool, needle: &str, width: usize, theme: &Theme) -> Line<'static> {
    let indent = "  ".repeat(usize::from(row.depth).min(12));
    let mut spans = vec![Span::raw(indent.clone())];
    let key = inert(&row.key).into_owned();
    let used = indent.chars().count();
    match &row.value {
        None => {
            spans.push(Span::styled(
                if folded { "▸ " } else { "▾ " }.to_string(),
                theme.muted,
            ));
            spans.extend(highlighted(&key, needle, theme.label, theme));
        }
        Some(value) => {
            let key_width = 34usize
                .saturating_sub(indent.len())
                .max(key.chars().count().min(40));
            let padded = format!("  {key:<key_width$} ");
            let used = used + padded.chars().count();
            spans.extend(highlighted(&padded, needle, theme.base, theme));
            // one_line may add an ellipsis past `room`: keep a column for it.
            let room = width.saturating_sub(used + MARKS_WIDTH + 1).max(8);
            let shown = if value.is_empty() {
                "\"\"".to_string()
            } else {
                one_line(&inert(value), room)
            };
            let style = if row.masked {
                theme.muted.add_modifier(Modifier::BOLD)
            } else {
                theme.value
            };
            spans.extend(highlighted(&shown, needle, style, theme));
        }
    }
    // The markers stand in a column at the right edge: ` ≠ env ***`.
    let marks = [
        (row.changed == Some(true), " ≠", theme.warn),
        (row.from_env, " env", theme.info),
        (row.masked, " ***", theme.muted.add_modifier(Modifier::BOLD)),
    ];
    if marks.iter().any(|(yes, _, _)| *yes) {
        // Measured as drawn: a cut value ends in an ellipsis past its room.
        let drawn: usize = spans.iter().map(Span::width).sum();
        spans.push(Span::raw(
            " ".repeat(width.saturating_sub(drawn + MARKS_WIDTH)),
        ));
        for (yes, text, style) in marks {
            let blank = " ".repeat(text.chars().count());
            spans.push(if yes {
                Span::styled(text, style)
            } else {
                Span::raw(blank)
            });
        }
    }
    Line::from(spans)
}

fn draw_tree(tab: &mut ConfigTab, area: Rect, buf: &mut Buffer, theme: &Theme, keymap: &Keymap) {
    let rows = usize::from(area.height);
    tab.list.fit(rows);
    let needle = tab
        .search
        .as_ref()
        .map(|s| s.input.text().to_string())
        .unwrap_or_default();
    let Some(doc) = tab.doc() else {
        return;
    };
    if tab.visible.is_empty() {
        let cycle = keymap.key_name(Scope::Config, Action::CycleView);
        Line::styled(
            match tab.subset {
                Subset::Changed if doc.tree.rows.iter().all(|r| r.changed.is_none()) => format!(
                    "Which settings differ from the default is unknown for this server (see the notes: {cycle} cycles the views)."
                ),
                _ => format!("Nothing to show in this view ({cycle} cycles the views)."),
            },
            theme.muted,
        )
        .render(area, buf);
        return;
    }
    let width = usize::from(area.width);
    for (line_no, (pos, &index)) in tab
        .visible
        .iter()
        .enumerate()
        .skip(tab.list.offset)
        .take(rows)
        .enumerate()
    {
        let Some(row) = doc.tree.rows.get(index) else {
            continue;
        };
        let rect = Rect::new(area.x, area.y + line_no as u16, area.width, 1);
        // The filtered views show every section open.
        let folded = tab.subset == Subset::All && tab.folded.contains(&index);
        let mut line = row_line(row, folded, &needle, width, theme);
        if pos == tab.list.selected {
            buf.set_style(rect, theme.selection);
            line = line.patch_style(theme.selection);
        }
        line.render(rect, buf);
    }
}

fn draw_compare(tab: &mut ConfigTab, area: Rect, buf: &mut Buffer, theme: &Theme, keymap: &Keymap) {
    let Some(compare) = tab.compare.as_mut() else {
        return;
    };
    let width = usize::from(area.width);
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    let mut lines = Vec::new();
    for change in &compare.changes {
        lines.push(match change {
            Change::Added { path, value } => {
                added += 1;
                Line::styled(
                    one_line(&format!("+ {} = {}", inert(path), inert(value)), width),
                    theme.ok,
                )
            }
            Change::Removed { path, value } => {
                removed += 1;
                Line::styled(
                    one_line(&format!("- {} = {}", inert(path), inert(value)), width),
                    theme.error,
                )
            }
            Change::Changed { path, from, to } => {
                changed += 1;
                Line::styled(
                    one_line(
                        &format!(
                            "~ {}: {} here, {} there",
                            inert(path),
                            inert(to),
                            inert(from)
                        ),
                        width,
                    ),
                    theme.warn,
                )
            }
        });
    }
    let mut all = vec![
        Line::styled(
            one_line(
                &format!(
                    "Compared with {}: {added} only here, {removed} only there, {changed} different · {} closes",
                    inert(&compare.other),
                    keymap.key_name(Scope::ConfigCompare, Action::Close)
                ),
                width,
            ),
            theme.label,
        ),
        Line::styled(
            "+ only in this server's config   - only in the other   ~ different",
            theme.muted,
        ),
    ];
    if compare.changes.is_empty() {
        all.push(Line::styled("The two configs are the same.", theme.ok));
    }
    all.extend(lines);
    let max = u16::try_from(all.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(area.height);
    compare.scroll = compare.scroll.min(max);
    Paragraph::new(all)
        .scroll((compare.scroll, 0))
        .render(area, buf);
}

fn draw_bottom(tab: &ConfigTab, area: Rect, buf: &mut Buffer, theme: &Theme, keymap: &Keymap) {
    if let Some(input) = &tab.prompt {
        input.render(
            "compare with (config.json, packet .zip or snapshot): ",
            area,
            buf,
            theme.label,
            theme.base,
        );
        return;
    }
    if let Some(search) = &tab.search {
        if search.editing {
            input_line(search, area, buf, theme);
            return;
        }
        let text = if search.matches.is_empty() {
            format!("no match for \"{}\"", inert(search.input.text()))
        } else {
            format!(
                "\"{}\": {} of {} · {}/{} next/previous · {} clears",
                inert(search.input.text()),
                search.current + 1,
                search.matches.len(),
                keymap.key_name(Scope::Config, Action::NextMatch),
                keymap.key_name(Scope::Config, Action::PrevMatch),
                keymap.key_name(Scope::Config, Action::Close)
            )
        };
        Line::styled(text, theme.info).render(area, buf);
        return;
    }
    if let Some(notice) = &tab.notice {
        Line::styled(
            one_line(&notice.text(), usize::from(area.width)),
            notice.style(theme),
        )
        .render(area, buf);
        return;
    }
    if let (Some(row), Some(doc)) = (tab.selected_row(), tab.doc()) {
        let mut text = inert(&row.path).into_owned();
        if let Some(note) = doc.notes.first() {
            text.push_str(&format!("   ({})", inert(note)));
        }
        let width = usize::from(area.width);
        // When it was read, on the right while there is room: it is not read again by itself.
        let read = tab
            .read_at_ms
            .map(|ms| {
                format!(
                    "read {} · {} reads again",
                    timefmt::utc_clock(ms),
                    keymap.key_name(Scope::Config, Action::Refresh)
                )
            })
            .filter(|read| text.width() + 3 + read.width() <= width);
        // Spans, not line styles: a line's style would paint the whole row under the other.
        Line::from(Span::styled(one_line(&text, width), theme.muted)).render(area, buf);
        if let Some(read) = read {
            Line::from(Span::styled(read, theme.muted))
                .right_aligned()
                .render(area, buf);
        }
    }
}

fn input_line(search: &super::Search, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let label = if search.matches.is_empty() {
        "search: ".to_string()
    } else {
        format!("search ({}): ", search.matches.len())
    };
    search
        .input
        .render(&label, area, buf, theme.label, theme.base);
}
