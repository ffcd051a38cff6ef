//! Drawing the Invites tab: the sources line, the counts, the filters, the table (only the
//! rows in the window are built), and under it the finder, a question or a notice; the
//! detail, the members view, the pickers and the send form on top.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use super::rows::{Row, age, status_label, status_words};
use super::{InvitesTab, LedgerState, Mode, SourceNote};
use crate::invites::resolve::Status;
use crate::invites::sync::{SourceState, missing_means};
use crate::invites::{audit, rest};
use crate::text::{fit, inert, one_line, wrap};
use crate::timefmt;
use crate::tui::keys::{Action, Keymap, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::Ui;
use crate::tui::widgets::picker::Picker;
use crate::tui::widgets::table::{self, Column};
use crate::tui::widgets::{self, centered, frame, line_at};

fn source_name(source: &str) -> &str {
    match source {
        audit::SOURCE => "audit log",
        other => other,
    }
}

/// What a REST source that was read says it could not read: teams refused or missed.
fn rest_missed(note: &SourceNote) -> Option<&str> {
    (note.source == rest::SOURCE && note.state == SourceState::Read)
        .then(|| rest::partly_read(&note.text))
        .flatten()
}

/// Rows a source's problem may take under the sources line.
const PROBLEM_ROWS: usize = 2;

fn sources_lines(sources: &[SourceNote], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut spans = vec![Span::styled("Sources ", theme.label)];
    // The first failed source, else the first one read in part, else the first missing one
    // that matters, gets a line.
    let mut problem: Option<(&SourceNote, u8)> = None;
    let shown: Vec<&SourceNote> = sources
        .iter()
        .filter(|s| s.source != crate::invites::sync::MMOPS)
        .collect();
    for (i, note) in shown.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted));
        }
        let partly = rest_missed(note).is_some();
        let warning = note.warning.filter(|_| note.state == SourceState::Read);
        let warned = warning.is_some();
        let (mark, style) = match note.state {
            SourceState::Read if partly || warned => ("✓ ", theme.warn),
            SourceState::Read => ("✓ ", theme.ok),
            SourceState::NotRead => ("– ", theme.muted),
            SourceState::Failed => ("✗ ", theme.error),
        };
        spans.push(Span::styled(mark, style));
        spans.push(Span::styled(source_name(&note.source).to_string(), style));
        if note.state == SourceState::NotRead {
            spans.push(Span::styled(" (not read)", style));
        } else if partly {
            spans.push(Span::styled(" (in part)", style));
        } else if let Some(warning) = warning {
            spans.push(Span::styled(format!(" ({})", warning.tag), style));
        }
        let severity = match note.state {
            SourceState::Failed => 3,
            SourceState::Read if partly || warned => 2,
            SourceState::NotRead if missing_means(&note.source).is_some() => 1,
            _ => 0,
        };
        if severity > problem.map_or(0, |(_, s)| s) {
            problem = Some((note, severity));
        }
    }
    if shown.is_empty() {
        spans.push(Span::styled("not known yet", theme.muted));
    }
    let mut lines = vec![Line::from(spans)];
    if let Some((note, _)) = problem {
        let (text, style) = match (note.state, rest_missed(note), note.warning) {
            (SourceState::Failed, _, _) => (
                format!("{} failed: {}", source_name(&note.source), note.text),
                theme.error,
            ),
            (SourceState::Read, None, Some(warning)) => (
                format!("{}: {}", source_name(&note.source), warning.text),
                theme.warn,
            ),
            (_, Some(missed), _) => (
                format!(
                    "{} read in part: not read for {missed}",
                    source_name(&note.source)
                ),
                theme.warn,
            ),
            _ => (
                format!(
                    "no {}: {} ({})",
                    source_name(&note.source),
                    missing_means(&note.source).unwrap_or_default(),
                    note.text
                ),
                theme.warn,
            ),
        };
        if note.state == SourceState::Failed
            || (rest_missed(note).is_none() && note.warning.is_none())
        {
            // One row: the whole story is in the sync's notice and `mmops invites sync`.
            let text = fit(&text, width.saturating_sub(2));
            lines.push(Line::styled(format!("  {}", text.trim_end()), style));
        } else {
            // Which teams and which permission: the sync's notice does not repeat it.
            let room = width.saturating_sub(2).max(1);
            let mut rows = wrap(&one_line(&text, usize::MAX), room);
            if rows.len() > PROBLEM_ROWS {
                rows.truncate(PROBLEM_ROWS);
                if let Some(last) = rows.last_mut() {
                    *last = one_line(&format!("{last}…"), room.saturating_sub(1).max(1));
                }
            }
            for row in rows {
                lines.push(Line::styled(format!("  {row}"), style));
            }
        }
    }
    lines
}

fn counts_line(tab: &InvitesTab, theme: &Theme) -> Line<'static> {
    let total: usize = tab.counts.iter().sum();
    let mut spans = vec![Span::styled(
        format!("{} invitations", timefmt::count(total as i64)),
        theme.base,
    )];
    for status in Status::ALL {
        let n = tab.count(status);
        if n == 0 {
            continue;
        }
        let style = status_style(Some(status), theme);
        spans.push(Span::styled(" · ", theme.muted));
        let n = timefmt::count(n as i64);
        spans.push(if status == Status::AcceptedByOther {
            Span::styled(
                format!("⚑ {n} by another account"),
                style.add_modifier(Modifier::BOLD),
            )
        } else {
            Span::styled(format!("{n} {}", status_label(Some(status))), style)
        });
    }
    if tab.syncing.is_some() {
        spans.push(Span::styled(" · syncing…", theme.accent));
    } else if let Some(last) = tab.runs.iter().map(|r| r.at).max() {
        spans.push(Span::styled(
            format!(" · synced {} UTC", timefmt::utc_minute_compact(last)),
            theme.muted,
        ));
    }
    Line::from(spans)
}

fn filter_line(tab: &InvitesTab, theme: &Theme, keymap: &Keymap) -> Option<Line<'static>> {
    let filters = tab.filters();
    let finding = match &tab.mode {
        Mode::Finding { input, .. } => Some(input.text()),
        _ => None,
    };
    if filters.is_empty() && tab.query().is_empty() && finding.is_none() {
        return None;
    }
    let mut spans = vec![Span::styled("Showing ", theme.label)];
    if let Some(status) = filters.status {
        spans.push(Span::styled(
            format!("status {} ", status_words(status)),
            theme.accent,
        ));
    }
    if let Some((_, name)) = &filters.team {
        spans.push(Span::styled(
            format!("team {} ", one_line(name, 30)),
            theme.accent,
        ));
    }
    let typed = finding.unwrap_or(tab.query());
    if !typed.trim().is_empty() {
        spans.push(Span::styled(
            format!("matching \"{}\" ", one_line(typed.trim(), 30)),
            theme.accent,
        ));
    }
    spans.push(Span::styled(
        format!(
            "· {} of {}  ({} clears)",
            timefmt::count(tab.shown().len() as i64),
            timefmt::count(tab.rows().len() as i64),
            keymap.key_name(Scope::Invites, Action::ClearFilter)
        ),
        theme.muted,
    ));
    Some(Line::from(spans))
}

pub fn status_style(status: Option<Status>, theme: &Theme) -> Style {
    match status {
        Some(Status::Pending) => theme.info,
        Some(Status::Accepted) => theme.ok,
        Some(Status::AcceptedByOther) | Some(Status::Failed) => theme.error,
        Some(Status::Revoked) => theme.warn,
        Some(Status::Expired) | Some(Status::Unknown) | None => theme.muted,
    }
}

/// The widest value of each column in the rows, for the table's column widths (measured once
/// when the rows are read, not when drawing).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContentWidths {
    email: usize,
    team: usize,
    sender: usize,
    used: usize,
}

impl ContentWidths {
    pub fn of(rows: &[Row]) -> Self {
        let widest = |f: &dyn Fn(&Row) -> usize| rows.iter().map(f).max().unwrap_or(0);
        Self {
            email: widest(&|r| r.invite.email.chars().count()),
            team: widest(&|r| r.team().chars().count()),
            sender: widest(&|r| {
                r.invite
                    .sender_username
                    .as_deref()
                    .map_or(1, |s| s.chars().count())
            }),
            used: widest(&|r| r.used_by().chars().count()),
        }
    }
}

/// Column widths for a table `width` columns wide; `None` for a column left out. At 80
/// columns the age goes first (the sent time says it too), never the email.
struct Columns {
    titles: [&'static str; 7],
    widths: Vec<Option<usize>>,
    wide_dates: bool,
}

impl Columns {
    fn new(width: usize, content: ContentWidths) -> Self {
        let wide_dates = width >= 110;
        let columns = [
            Column::new("SENT (UTC)", if wide_dates { 16 } else { 11 }, 1),
            Column::new("EMAIL", 24, 0).ideal(content.email.min(40)),
            Column::new("TEAM", 9, 3).ideal(content.team.min(24)),
            Column::new("SENDER", 9, 4).ideal(content.sender.min(20)),
            Column::new("STATUS", 10, 0),
            Column::new("USED BY", 10, 2)
                .ideal(content.used.min(32))
                .fill(),
            Column::new("AGE", 4, 5),
        ];
        Self {
            titles: columns.map(|c| c.title),
            widths: table::widths(&columns, width),
            wide_dates,
        }
    }

    /// The cells of one row, each fitted to its column, one `gap` space between them.
    fn cells(&self, cells: [(&str, Style); 7], gap: Style) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        for (width, (text, style)) in self.widths.iter().zip(cells) {
            let Some(width) = *width else {
                continue;
            };
            if !spans.is_empty() {
                spans.push(Span::styled(" ", gap));
            }
            spans.push(Span::styled(fit(text, width), style));
        }
        spans
    }
}

fn header(columns: &Columns, theme: &Theme) -> Line<'static> {
    let titles = columns.titles.map(|t| (t, theme.label));
    Line::from(columns.cells(titles, theme.label))
}

fn row_line(
    row: &Row,
    columns: &Columns,
    selected: bool,
    now_ms: i64,
    theme: &Theme,
) -> Line<'static> {
    let i = &row.invite;
    let base = if selected {
        theme.selection
    } else if row.flagged() {
        theme.error
    } else {
        theme.base
    };
    let sent = if columns.wide_dates {
        timefmt::utc_minute_bare(i.sent_at)
    } else {
        timefmt::utc_minute_compact(i.sent_at)
    };
    let (sender, sender_style) = match &i.sender_username {
        Some(name) => (name.as_str(), base),
        None => ("?", if selected { base } else { theme.muted }),
    };
    let status = if selected {
        base
    } else {
        status_style(row.status, theme)
    };
    let status = if row.flagged() {
        status.add_modifier(Modifier::BOLD)
    } else {
        status
    };
    let (used_by, age) = (row.used_by(), age(now_ms, i.sent_at));
    Line::from(columns.cells(
        [
            (&sent, base),
            (&i.email, base),
            (row.team(), base),
            (sender, sender_style),
            (status_label(row.status), status),
            (&used_by, base),
            (&age, base),
        ],
        base,
    ))
}

/// The rows one wrapped line list takes.
fn height_of(lines: &[Line<'_>], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(width) as u16)
        .sum()
}

pub fn render(tab: &mut InvitesTab, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let (theme, keymap, now_ms) = (ui.theme, ui.keymap, ui.now_ms);
    match &mut tab.mode {
        Mode::Members { view, picker } => {
            super::members::render(view, &tab.teams, area, buf, theme, keymap);
            if let Some(picker) = picker {
                draw_picker(picker, " Show the members of team ", area, buf, theme);
            }
            return;
        }
        Mode::Detail(detail) => {
            let id = detail.invitation_id;
            let row = tab.rows.iter().find(|r| r.invite.id == id);
            super::detail::render(row, detail, now_ms, area, buf, theme);
            return;
        }
        _ => {}
    }
    let inner = frame(area, buf, " Invites ", false, theme);
    let message =
        |text: String, style: Style, buf: &mut Buffer| widgets::message(inner, buf, &text, style);
    match &tab.ledger {
        LedgerState::Unavailable(why) => {
            return message(
                format!("No invitation ledger: {}.", inert(why)),
                theme.muted,
                buf,
            );
        }
        LedgerState::Opening => {
            return message(
                "Opening the invitation ledger…".to_string(),
                theme.muted,
                buf,
            );
        }
        LedgerState::Failed(err) => {
            return message(
                format!(
                    "The invitation ledger could not be read: {}",
                    inert(&err.to_string())
                ),
                theme.error,
                buf,
            );
        }
        LedgerState::Open(_) => {}
    }
    let mut top = sources_lines(&tab.sources, usize::from(inner.width), theme);
    top.push(counts_line(tab, theme));
    if let Some(line) = filter_line(tab, theme, keymap) {
        top.push(line);
    }
    let top_height = height_of(&top, inner.width).min(inner.height / 2);
    Paragraph::new(top).wrap(Wrap { trim: false }).render(
        Rect {
            height: top_height,
            ..inner
        },
        buf,
    );
    let bottom = bottom_line(tab, theme, keymap);
    let bottom_height = bottom
        .as_ref()
        .map(|l| height_of(std::slice::from_ref(l), inner.width).min(3))
        .unwrap_or(0);
    let table = Rect {
        y: inner.y + top_height,
        height: inner.height.saturating_sub(top_height + bottom_height),
        ..inner
    };
    draw_table(tab, now_ms, table, buf, theme, keymap);
    if let Some(line) = bottom {
        let area = Rect {
            y: table.y + table.height,
            height: bottom_height,
            ..inner
        };
        match &tab.mode {
            Mode::Finding { input, .. } => {
                let label = keymap.key_name(Scope::Invites, Action::Filter);
                input.render(&label, area, buf, theme.accent, theme.base);
            }
            Mode::Export(input) => input.render(
                "Export the rows shown to (.csv or .json): ",
                area,
                buf,
                theme.accent,
                theme.base,
            ),
            _ => Paragraph::new(line)
                .wrap(Wrap { trim: false })
                .render(area, buf),
        }
    }
    if let Mode::TeamFilter(picker) = &mut tab.mode {
        draw_picker(picker, " Show the invitations of team ", area, buf, theme);
    }
    if let Some(form) = tab.shown_form_mut() {
        super::send::render(form, area, buf, ui);
    }
}

fn bottom_line(tab: &InvitesTab, theme: &Theme, keymap: &Keymap) -> Option<Line<'static>> {
    if matches!(tab.mode, Mode::Finding { .. } | Mode::Export(_)) {
        return Some(Line::raw(""));
    }
    if let Mode::ConfirmInvalidate { pending } = tab.mode {
        return Some(Line::from(vec![
            Span::styled(
                format!(
                    "Invalidate all pending email invites ({pending} known to mmops; the server \
                     may hold more)? "
                ),
                theme.warn,
            ),
            Span::styled(keymap.key_name(Scope::Question, Action::Confirm), theme.key),
            Span::styled(": yes · other keys: no", theme.muted),
        ]));
    }
    let hidden_work = tab.send.as_ref().filter(|f| f.is_hidden());
    if let Some(working) = hidden_work.and_then(|form| form.working()) {
        return Some(Line::from(vec![
            Span::styled(format!("{} · ", inert(&working)), theme.muted),
            Span::styled(keymap.key_name(Scope::Invites, Action::Invite), theme.key),
            Span::styled(" shows the form", theme.muted),
        ]));
    }
    tab.notice.as_ref().map(|notice| {
        Line::styled(
            notice.text(),
            if notice.is_error() {
                theme.error
            } else {
                theme.muted
            },
        )
    })
}

fn draw_table(
    tab: &mut InvitesTab,
    now_ms: i64,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    keymap: &Keymap,
) {
    if area.height == 0 {
        return;
    }
    if tab.rows().is_empty() {
        Paragraph::new(vec![
            Line::styled("No invitations recorded yet.", theme.muted),
            Line::styled(
                format!(
                    "Press {} to sync from every source, {} to send invitations; `mmops invites sync` on a timer keeps the ledger current.",
                    keymap.key_name(Scope::Invites, Action::Sync),
                    keymap.key_name(Scope::Invites, Action::Invite)
                ),
                theme.muted,
            ),
        ])
        .wrap(Wrap { trim: false })
        .render(area, buf);
        return;
    }
    let columns = Columns::new(usize::from(area.width), tab.widths);
    header(&columns, theme).render(line_at(area, 0), buf);
    let visible = usize::from(area.height.saturating_sub(1));
    tab.list.fit(visible);
    if tab.shown().is_empty() {
        Line::styled("  nothing matches", theme.muted).render(line_at(area, 1), buf);
        return;
    }
    let (first, selected) = (tab.list.offset, tab.list.selected);
    for (i, index) in tab.shown().iter().enumerate().skip(first).take(visible) {
        let row = &tab.rows()[*index as usize];
        row_line(row, &columns, i == selected, now_ms, theme)
            .render(line_at(area, 1 + (i - first) as u16), buf);
    }
}

fn draw_picker(picker: &mut Picker, title: &str, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let boxed = centered(area, 60, 16);
    Clear.render(boxed, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title));
    let inner = block.inner(boxed);
    block.render(boxed, buf);
    buf.set_style(inner, theme.base);
    picker.render(inner, buf, theme, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invites::db::{SOURCE, Transport};

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn a_database_read_without_tls_is_a_warning_with_its_reason() {
        let theme = Theme::builtin("dark");
        let plain = SourceNote {
            source: SOURCE.to_string(),
            state: SourceState::Read,
            text: "connected without TLS (the server offers none); 1 pending invite tokens".into(),
            warning: Transport::PlainServerOffersNone.source_warning(),
        };
        let lines = sources_lines(std::slice::from_ref(&plain), 80, &theme);
        let shown = text(&lines);
        assert_eq!(shown[0], "Sources ✓ database (no TLS)");
        assert_eq!(lines[0].spans[1].style, theme.warn);
        let reason = shown[1..].join(" ");
        assert!(
            reason.starts_with("  database: connected without TLS"),
            "{shown:?}"
        );
        assert!(reason.contains("sslmode=require refuses that"), "{shown:?}");
        assert!(shown.iter().all(|l| l.chars().count() <= 80), "{shown:?}");

        // TLS, or plain by the DataSource's own sslmode=disable: nothing to warn about.
        for transport in [Transport::Tls, Transport::PlainByRequest] {
            let quiet = SourceNote {
                warning: transport.source_warning(),
                ..plain.clone()
            };
            let lines = sources_lines(&[quiet], 80, &theme);
            assert_eq!(text(&lines), ["Sources ✓ database"]);
            assert_eq!(lines[0].spans[1].style, theme.ok);
        }
    }
}
