//! Drawing the fleet view: a header with the counts, one row per server with the columns that
//! fit (the least useful go first on a narrow terminal), the selected row's state in words,
//! and the profile form over it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

use super::fleet::{FIELDS, FleetView, Mode};
use crate::fleet::{Health, State, Summary};
use crate::text::{inert, one_line};
use crate::timefmt::{count, utc_clock};
use crate::tui::theme::Theme;
use crate::tui::view::Ui;
use crate::tui::widgets::table::{Column, widths};
use crate::tui::widgets::{dialog_area, dialog_block, line_at, yes_no};

const DAY_MS: i64 = 86_400_000;

fn columns() -> [Column; 12] {
    [
        Column::new("Server", 12, 0).ideal(16),
        Column::new("State", 12, 0).ideal(14),
        Column::new("Version", 7, 1).ideal(8),
        Column::new("Doctor", 7, 1).ideal(9),
        Column::new("Plugins", 7, 2),
        Column::new("Nodes", 5, 2),
        Column::new("Err/min", 7, 3),
        Column::new("Licence", 8, 4).ideal(11),
        Column::new("Invites", 7, 5),
        Column::new("Edition", 8, 6).ideal(22),
        Column::new("Asked", 5, 7),
        Column::new("URL", 10, 8).ideal(40).fill(),
    ]
}

fn health_style(health: Health, theme: &Theme) -> Style {
    match health {
        Health::Critical => theme.error,
        Health::Warning => theme.warn,
        Health::Unknown => theme.muted,
        Health::Ok => theme.ok,
    }
}

fn glyph(health: Health) -> &'static str {
    match health {
        Health::Critical => "✗",
        Health::Warning => "⚠",
        Health::Unknown => "…",
        Health::Ok => "✓",
    }
}

fn dash<T>(value: Option<T>, f: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| "–".to_string(), f)
}

/// A row's cells, in the columns' order.
fn cells(row: &Summary, seen: Option<usize>, now_ms: i64) -> [String; 12] {
    let state = match (&row.state, row.rtt_ms) {
        (State::Ok, Some(rtt)) => format!("up {rtt} ms"),
        (state, _) => state.label().to_string(),
    };
    let licence = dash(row.licence_expires_ms, |at| {
        if at <= now_ms {
            "expired".to_string()
        } else if at - now_ms < 60 * DAY_MS {
            format!("in {} d", (at - now_ms) / DAY_MS)
        } else {
            crate::timefmt::utc_date(at)
        }
    });
    let nodes = dash(row.nodes_up, |n| {
        let count = match seen {
            Some(total) if total > n => format!("{n}/{total}"),
            _ => n.to_string(),
        };
        if row.drift.is_empty() {
            count
        } else {
            format!("{count} ⚠")
        }
    });
    [
        format!("{} {}", glyph(row.health(now_ms)), inert(&row.name)),
        state,
        dash(row.version.as_ref(), |v| inert(v).into_owned()),
        match (row.critical, row.warnings) {
            (Some(c), Some(w)) => format!("{c}C {w}W"),
            _ => "–".into(),
        },
        dash(row.plugins_failing, |n| {
            if n == 0 {
                "✓".into()
            } else {
                format!("✗ {n}")
            }
        }),
        nodes,
        dash(row.errors_per_minute, |e| format!("{e:.1}")),
        licence,
        dash(row.pending_invites, |n| count(n as i64)),
        dash(row.edition.as_ref(), |e| inert(e).into_owned()),
        if row.refreshed_ms > 0 {
            crate::timefmt::utc_minute_bare(row.refreshed_ms)
                .rsplit(' ')
                .next()
                .unwrap_or_default()
                .to_string()
        } else {
            "–".into()
        },
        inert(&row.target).into_owned(),
    ]
}

fn pad(text: &str, width: usize) -> String {
    let text = one_line(text, width);
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

pub fn render(view: &mut FleetView, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let theme = ui.theme;
    let now_ms = ui.now_ms;
    ratatui::widgets::Clear.render(area, buf);
    buf.set_style(area, theme.base);
    if area.height < 4 {
        return;
    }
    let shown = view.shown(now_ms);
    let healths: Vec<Health> = view.rows.iter().map(|r| r.health(now_ms)).collect();
    let tally = |h: Health| healths.iter().filter(|x| **x == h).count();
    let mut header = vec![
        Span::styled(
            match view.rows.len() {
                1 => " Fleet · 1 server ".to_string(),
                n => format!(" Fleet · {n} servers "),
            },
            theme.title,
        ),
        Span::styled(format!("✗ {} ", tally(Health::Critical)), theme.error),
        Span::styled(format!("⚠ {} ", tally(Health::Warning)), theme.warn),
        Span::styled(format!("✓ {} ", tally(Health::Ok)), theme.ok),
        Span::styled(
            if view.pending > 0 {
                format!("· asking {}… ", view.pending)
            } else {
                view.refreshed_ms
                    .map(|at| format!("· asked {} ", utc_clock(at)))
                    .unwrap_or_default()
            },
            theme.muted,
        ),
        Span::styled(format!("· {}", view.order.label()), theme.muted),
    ];
    if !view.query.is_empty() {
        header.push(Span::styled(
            format!(" · filter: {}", inert(&view.query)),
            theme.accent,
        ));
    }
    Line::from(header).render(line_at(area, 0), buf);

    let cols = columns();
    let width = usize::from(area.width.saturating_sub(1));
    let sizes = widths(&cols, width);
    let spans_of = |texts: &[String], styles: &dyn Fn(usize) -> Style| -> Vec<Span<'static>> {
        let mut spans = vec![Span::styled(" ", styles(usize::MAX))];
        for (i, (text, size)) in texts.iter().zip(&sizes).enumerate() {
            if let Some(size) = size {
                spans.push(Span::styled(format!("{} ", pad(text, *size)), styles(i)));
            }
        }
        spans
    };
    let titles: Vec<String> = cols.iter().map(|c| c.title.to_string()).collect();
    Line::from(spans_of(&titles, &|_| theme.label)).render(line_at(area, 1), buf);

    let body_rows = usize::from(area.height.saturating_sub(4));
    view.list.clamp(shown.len());
    view.list.fit(body_rows);
    for (row_no, index) in shown
        .iter()
        .enumerate()
        .skip(view.list.offset)
        .take(body_rows)
    {
        let row = &view.rows[*index];
        let y = 2 + (row_no - view.list.offset) as u16;
        let health = health_style(row.health(now_ms), theme);
        let selected = row_no == view.list.selected;
        let style = |column: usize| {
            if selected {
                theme.selection
            } else if column <= 1 {
                health
            } else {
                theme.base
            }
        };
        let seen = view.nodes_seen.get(&row.name).copied();
        let line = Line::from(spans_of(&cells(row, seen, now_ms), &style));
        buf.set_style(line_at(area, y), style(usize::MAX));
        line.render(line_at(area, y), buf);
    }
    if shown.is_empty() {
        let words = if view.rows.is_empty() {
            "No profiles in the config file: a adds one (or [profiles.NAME] sections by hand)."
        } else {
            "No server matches the filter."
        };
        Span::styled(format!(" {words}"), theme.muted).render(line_at(area, 2), buf);
    }

    // The selected server's state in words, or the last notice.
    let bottom = line_at(area, area.height - 1);
    let said = view
        .notice
        .as_ref()
        .map(|n| (n.text(), n.style(theme)))
        .or_else(|| {
            let row = &view.rows[*shown.get(view.list.selected)?];
            let mut details: Vec<String> = row
                .state
                .detail()
                .map(|d| inert(d).into_owned())
                .into_iter()
                .collect();
            if let (Some(up), Some(seen)) = (row.nodes_up, view.nodes_seen.get(&row.name))
                && *seen > up
            {
                details.push(format!("{up} of the {seen} nodes seen answer"));
            }
            if !row.drift.is_empty() {
                details.push(format!("the nodes differ in {}", row.drift.join(" and ")));
            }
            let detail = (!details.is_empty()).then(|| details.join(" · "));
            Some((
                format!(
                    "{} · {}{}",
                    inert(&row.name),
                    inert(&row.target),
                    detail.map(|d| format!(" · {d}")).unwrap_or_default()
                ),
                health_style(row.health(now_ms), theme),
            ))
        });
    if let Some((text, style)) = said {
        Span::styled(format!(" {}", one_line(&text, width)), style).render(bottom, buf);
    }

    match &view.mode {
        Mode::Filter(input) => input.render(
            " filter: ",
            line_at(area, area.height - 2),
            buf,
            theme.key,
            theme.base,
        ),
        Mode::ConfirmRemove(name) => {
            let mut spans = vec![Span::styled(
                format!(
                    " Remove profile {} from the config file (its comments and other profiles stay)?  ",
                    inert(name)
                ),
                theme.warn,
            )];
            spans.extend(yes_no(ui.keymap, theme));
            Line::from(spans).render(line_at(area, area.height - 2), buf);
        }
        Mode::Form(form) => {
            let rect = dialog_area(area, buf, (78, 14), 12);
            let title = match &form.editing {
                Some(name) => format!(" Profile {} ", inert(name)),
                None => " New profile ".to_string(),
            };
            let block = dialog_block(title, theme);
            let inner = block.inner(rect);
            block.render(rect, buf);
            for (i, label) in FIELDS.iter().enumerate() {
                let row = line_at(inner, i as u16);
                let style = if i == form.field {
                    theme.selection
                } else {
                    theme.base
                };
                form.inputs[i].render(&format!("{label:<15}"), row, buf, theme.label, style);
            }
            let note = if form.checking {
                ("connecting with these settings…".to_string(), theme.muted)
            } else if let Some(error) = &form.error {
                (error.clone(), theme.error)
            } else {
                (
                    "A URL (with a token file, or after `mmops login`) or a local socket. The database URL stays in the environment variable named."
                        .to_string(),
                    theme.muted,
                )
            };
            let rest = Rect {
                y: inner.y + FIELDS.len() as u16 + 1,
                height: inner.height.saturating_sub(FIELDS.len() as u16 + 1),
                ..inner
            };
            Paragraph::new(Line::from(Span::styled(note.0, note.1)))
                .wrap(Wrap { trim: false })
                .render(rest, buf);
        }
        Mode::Table => {}
    }
}
