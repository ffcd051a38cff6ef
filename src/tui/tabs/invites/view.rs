//! Drawing the Invites tab: the sources line, the counts, the filters, the table (only the
//! rows in the window are built), and under it the finder, a question or a notice; the
//! detail, the members view, the pickers and the send form on top.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use super::rows::{Row, age, status_label, status_words};
use super::{Confirm, InvitesTab, LedgerState, PickFor, SourceNote};
use crate::invites::resolve::Status;
use crate::invites::sync::{SourceState, missing_means};
use crate::invites::{audit, rest};
use crate::text::{fit, inert, one_line, wrap};
use crate::timefmt;
use crate::tui::theme::Theme;
use crate::tui::widgets::{self, centered, frame};

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
    if tab.syncing {
        spans.push(Span::styled(" · syncing…", theme.accent));
    } else if let Some(last) = tab.runs.iter().map(|r| r.at).max() {
        spans.push(Span::styled(
            format!(" · synced {} UTC", timefmt::utc_minute_compact(last)),
            theme.muted,
        ));
    }
    Line::from(spans)
}

fn filter_line(tab: &InvitesTab, theme: &Theme) -> Option<Line<'static>> {
    let filters = tab.filters();
    if filters.is_empty() && tab.query().is_empty() && tab.finder_input().is_none() {
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
    let typed = tab.finder_input().map(|i| i.text()).unwrap_or(tab.query());
    if !typed.trim().is_empty() {
        spans.push(Span::styled(
            format!("matching \"{}\" ", one_line(typed.trim(), 30)),
            theme.accent,
        ));
    }
    spans.push(Span::styled(
        format!(
            "· {} of {}  (x clears)",
            timefmt::count(tab.shown().len() as i64),
            timefmt::count(tab.rows().len() as i64)
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

/// Column widths for a table `width` columns wide.
struct Columns {
    sent: usize,
    email: usize,
    team: usize,
    sender: usize,
    status: usize,
    used: usize,
    age: usize,
    wide_dates: bool,
}

impl Columns {
    fn new(width: usize) -> Self {
        let wide_dates = width >= 110;
        let sent = if wide_dates { 16 } else { 11 };
        let status = 10;
        let age = 4;
        let rest = width.saturating_sub(sent + status + age + 6);
        let email = rest * 36 / 100;
        let team = rest * 19 / 100;
        let sender = rest * 18 / 100;
        let used = rest.saturating_sub(email + team + sender);
        Self {
            sent,
            email,
            team,
            sender,
            status,
            used,
            age,
            wide_dates,
        }
    }
}

fn header(columns: &Columns, theme: &Theme) -> Line<'static> {
    let c = columns;
    Line::styled(
        format!(
            "{} {} {} {} {} {} {}",
            fit("SENT (UTC)", c.sent),
            fit("EMAIL", c.email),
            fit("TEAM", c.team),
            fit("SENDER", c.sender),
            fit("STATUS", c.status),
            fit("USED BY", c.used),
            fit("AGE", c.age)
        ),
        theme.label,
    )
}

fn row_line(
    row: &Row,
    columns: &Columns,
    selected: bool,
    now_ms: i64,
    theme: &Theme,
) -> Line<'static> {
    let c = columns;
    let i = &row.invite;
    let base = if selected {
        theme.selection
    } else if row.flagged() {
        theme.error
    } else {
        theme.base
    };
    let sent = if c.wide_dates {
        timefmt::utc_minute_bare(i.sent_at)
    } else {
        timefmt::utc_minute_compact(i.sent_at)
    };
    let (sender, sender_style) = match &i.sender_username {
        Some(name) => (name.clone(), base),
        None => ("?".to_string(), if selected { base } else { theme.muted }),
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
    let gap = Span::styled(" ", base);
    Line::from(vec![
        Span::styled(fit(&sent, c.sent), base),
        gap.clone(),
        Span::styled(fit(&i.email, c.email), base),
        gap.clone(),
        Span::styled(fit(row.team(), c.team), base),
        gap.clone(),
        Span::styled(fit(&sender, c.sender), sender_style),
        gap.clone(),
        Span::styled(fit(status_label(row.status), c.status), status),
        gap.clone(),
        Span::styled(fit(&row.used_by(), c.used), base),
        gap,
        Span::styled(fit(&age(now_ms, i.sent_at), c.age), base),
    ])
}

fn line_at(area: Rect, row: u16) -> Rect {
    Rect {
        y: area.y + row,
        height: 1,
        ..area
    }
}

/// The rows one wrapped line list takes.
fn height_of(lines: &[Line<'_>], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(width) as u16)
        .sum()
}

pub fn render(tab: &mut InvitesTab, now_ms: i64, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if let Some(view) = tab.members.as_mut() {
        super::members::render(view, &tab.teams, area, buf, theme);
        draw_picker(tab, area, buf, theme);
        return;
    }
    if let Some(detail) = tab.detail.as_mut() {
        let id = detail.invitation_id;
        let row = tab.rows.iter().find(|r| r.invite.id == id);
        super::detail::render(row, detail, now_ms, area, buf, theme);
        return;
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
                format!("The invitation ledger could not be read: {}", inert(err)),
                theme.error,
                buf,
            );
        }
        LedgerState::Open(_) => {}
    }
    let mut top = sources_lines(&tab.sources, usize::from(inner.width), theme);
    top.push(counts_line(tab, theme));
    if let Some(line) = filter_line(tab, theme) {
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
    let bottom = bottom_line(tab, theme);
    let bottom_height = bottom
        .as_ref()
        .map(|l| height_of(std::slice::from_ref(l), inner.width).min(3))
        .unwrap_or(0);
    let table = Rect {
        y: inner.y + top_height,
        height: inner.height.saturating_sub(top_height + bottom_height),
        ..inner
    };
    draw_table(tab, now_ms, table, buf, theme);
    if let Some(line) = bottom {
        let area = Rect {
            y: table.y + table.height,
            height: bottom_height,
            ..inner
        };
        if let Some(input) = tab.finder_input() {
            input.render("/", area, buf, theme.accent, theme.base);
        } else if let Some(input) = &tab.export {
            input.render(
                "Export the rows shown to (.csv or .json): ",
                area,
                buf,
                theme.accent,
                theme.base,
            );
        } else {
            Paragraph::new(line)
                .wrap(Wrap { trim: false })
                .render(area, buf);
        }
    }
    draw_picker(tab, area, buf, theme);
    if let Some(form) = tab.send.as_mut() {
        super::send::render(form, area, buf, theme);
    }
}

fn bottom_line(tab: &InvitesTab, theme: &Theme) -> Option<Line<'static>> {
    if tab.finder_input().is_some() || tab.export.is_some() {
        return Some(Line::raw(""));
    }
    if let Some(Confirm::Invalidate { pending }) = tab.confirm {
        return Some(Line::from(vec![
            Span::styled(
                format!(
                    "Invalidate all pending email invites ({pending} known to mmops; the server \
                     may hold more)? "
                ),
                theme.warn,
            ),
            Span::styled("y", theme.key),
            Span::styled(": yes · other keys: no", theme.muted),
        ]));
    }
    tab.notice.as_ref().map(|(text, error)| {
        Line::styled(
            inert(text).into_owned(),
            if *error { theme.error } else { theme.muted },
        )
    })
}

fn draw_table(tab: &mut InvitesTab, now_ms: i64, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    if tab.rows().is_empty() {
        Paragraph::new(vec![
            Line::styled("No invitations recorded yet.", theme.muted),
            Line::styled(
                "Press s to sync from every source, i to send invitations; `mmops invites sync` on a timer keeps the ledger current.",
                theme.muted,
            ),
        ])
        .wrap(Wrap { trim: false })
        .render(area, buf);
        return;
    }
    let columns = Columns::new(usize::from(area.width));
    header(&columns, theme).render(line_at(area, 0), buf);
    let visible = usize::from(area.height.saturating_sub(1));
    tab.viewport_rows = visible.max(1);
    if tab.shown().is_empty() {
        Line::styled("  nothing matches", theme.muted).render(line_at(area, 1), buf);
        return;
    }
    if tab.selected < tab.offset {
        tab.offset = tab.selected;
    } else if tab.selected >= tab.offset + visible {
        tab.offset = tab.selected + 1 - visible;
    }
    let selected = tab.selected;
    for (i, index) in tab
        .shown()
        .iter()
        .enumerate()
        .skip(tab.offset)
        .take(visible)
    {
        let row = &tab.rows()[*index as usize];
        row_line(row, &columns, i == selected, now_ms, theme)
            .render(line_at(area, 1 + (i - tab.offset) as u16), buf);
    }
}

fn draw_picker(tab: &mut InvitesTab, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let Some((purpose, picker)) = tab.picker.as_mut() else {
        return;
    };
    let boxed = centered(area, 60, 16);
    Clear.render(boxed, buf);
    let title = match purpose {
        PickFor::TeamFilter => " Show the invitations of team ",
        PickFor::MembersTeam => " Show the members of team ",
    };
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
