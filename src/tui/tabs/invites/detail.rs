//! One invitation in full (Enter): every recorded fact, what decided its status, and the
//! evidence timeline from every source.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::rows::{Row, status_words};
use crate::invites::resolve::Status;
use crate::text::{inert, one_line, wrap};
use crate::timefmt;
use crate::tui::theme::Theme;

pub enum Evidence {
    Loading,
    Loaded(Vec<(String, i64, String)>),
    Failed(crate::error::Error),
}

pub struct Detail {
    pub(super) invitation_id: i64,
    pub(super) evidence: Evidence,
    pub(super) scroll: u16,
}

const INDENT: usize = 11;

/// `head` then `text` wrapped to `width`, the lines after the first indented by `indent`.
fn hanging(
    head: Vec<Span<'static>>,
    text: &str,
    style: Style,
    indent: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(indent).max(10);
    let mut out = Vec::new();
    for (i, piece) in wrap(text, room).into_iter().enumerate() {
        let mut spans = if i == 0 {
            head.clone()
        } else {
            vec![Span::raw(" ".repeat(indent))]
        };
        spans.push(Span::styled(piece, style));
        out.push(Line::from(spans));
    }
    if out.is_empty() {
        out.push(Line::from(head));
    }
    out
}

fn field(label: &'static str, value: String, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    hanging(
        vec![Span::styled(format!("{label:<INDENT$}"), theme.label)],
        &value,
        theme.value,
        INDENT,
        width,
    )
}

fn or_unknown(value: Option<&str>) -> String {
    value
        .filter(|v| !v.is_empty())
        .map(|v| inert(v).into_owned())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The lines of the detail; the evidence is already inert once drawn.
pub fn lines(
    row: &Row,
    detail: &Detail,
    now_ms: i64,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let i = &row.invite;
    let mut lines = field("Email", inert(&i.email).into_owned(), width, theme);
    lines.extend(field(
        "Team",
        format!(
            "{}  (id {})",
            or_unknown(i.team_name.as_deref()),
            or_unknown(i.team_id.as_deref())
        ),
        width,
        theme,
    ));
    lines.extend(field(
        "Sent",
        format!(
            "{}, {} ago",
            timefmt::utc_minute(i.sent_at),
            super::rows::age(now_ms, i.sent_at)
        ),
        width,
        theme,
    ));
    let sender = match (&i.sender_username, &i.sender_id) {
        (Some(name), Some(id)) => format!("{}  (id {})", inert(name), inert(id)),
        (Some(name), None) => inert(name).into_owned(),
        (None, Some(id)) => format!("id {}", inert(id)),
        (None, None) => format!(
            "unknown: {}",
            or_unknown(i.sender_unknown_reason.as_deref())
        ),
    };
    lines.extend(field("Sender", sender, width, theme));
    let channels = if i.channels.is_empty() {
        String::new()
    } else {
        format!(" · channels {}", inert(&i.channels.join(", ")))
    };
    lines.extend(field(
        "Kind",
        format!("{}{channels}", inert(&i.kind)),
        width,
        theme,
    ));
    lines.extend(field(
        "Token",
        match &i.token_fingerprint {
            Some(fp) => format!("fingerprint {} (the token itself is never kept)", inert(fp)),
            None => "not seen (only the database shows invite tokens)".to_string(),
        },
        width,
        theme,
    ));
    let status_style = match row.status {
        Some(Status::AcceptedByOther | Status::Failed) => theme.error,
        Some(Status::Revoked) => theme.warn,
        Some(Status::Accepted) => theme.ok,
        _ => theme.value,
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{:<11}", "Status"), theme.label),
        Span::styled(
            row.status
                .map(status_words)
                .unwrap_or("unknown")
                .to_string(),
            status_style,
        ),
        Span::styled(
            format!(" since {}", timefmt::utc_minute(i.status_at)),
            theme.muted,
        ),
    ]));
    if !i.status_reason.is_empty() {
        lines.extend(hanging(
            vec![Span::raw(" ".repeat(INDENT))],
            &inert(&i.status_reason),
            theme.base,
            INDENT,
            width,
        ));
    }
    if i.used_by_user_id.is_some() || i.used_by_email.is_some() {
        let mut text = [&i.used_by_username, &i.used_by_email]
            .into_iter()
            .flatten()
            .map(|v| inert(v).into_owned())
            .collect::<Vec<_>>()
            .join(" · ");
        if let Some(id) = &i.used_by_user_id {
            text.push_str(&format!("  (id {})", inert(id)));
        }
        text.push_str(match i.user_created {
            Some(true) => "; the account was created by this invite",
            Some(false) => "; an account that already existed",
            None => "",
        });
        lines.extend(field("Used by", text, width, theme));
    }
    lines.extend(field(
        "Sources",
        inert(&i.sources.join(", ")).into_owned(),
        width,
        theme,
    ));
    lines.push(Line::raw(""));
    lines.push(Line::styled("Evidence, oldest first", theme.title));
    match &detail.evidence {
        Evidence::Loading => lines.push(Line::styled("reading…", theme.muted)),
        Evidence::Failed(err) => lines.push(Line::styled(
            format!(
                "the evidence could not be read: {}",
                inert(&err.to_string())
            ),
            theme.error,
        )),
        Evidence::Loaded(items) if items.is_empty() => {
            lines.push(Line::styled("none recorded", theme.muted))
        }
        Evidence::Loaded(items) => {
            for (source, at, said) in items {
                let source_label = if source == crate::invites::ledger::STATUS_SOURCE {
                    "decided".to_string()
                } else {
                    one_line(source, 10)
                };
                lines.extend(hanging(
                    vec![
                        Span::styled(timefmt::utc_minute_bare(*at), theme.muted),
                        Span::raw("  "),
                        Span::styled(format!("{source_label:<10}"), theme.accent),
                        Span::raw("  "),
                    ],
                    &inert(said),
                    theme.base,
                    30,
                    width,
                ));
            }
        }
    }
    lines
}

pub fn render(
    row: Option<&Row>,
    detail: &mut Detail,
    now_ms: i64,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let inner = crate::tui::widgets::frame(area, buf, " Invitation ", true, theme);
    let Some(row) = row else {
        Line::styled(
            "This invitation is no longer in the ledger view.",
            theme.muted,
        )
        .render(inner, buf);
        return;
    };
    let lines = lines(row, detail, now_ms, usize::from(inner.width), theme);
    // Rows on screen once wrapped, so scrolling stops at the last one.
    let width = usize::from(inner.width.max(1));
    let total: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    let max = u16::try_from(total)
        .unwrap_or(u16::MAX)
        .saturating_sub(inner.height);
    detail.scroll = detail.scroll.min(max);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((detail.scroll, 0))
        .render(inner, buf);
}
