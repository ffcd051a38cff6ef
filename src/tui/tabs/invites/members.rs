//! The provenance view (`m`): how every member of one team got in, flagged members first;
//! ←/→ go to the previous or next team, `t` picks one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::invites::facts::TeamFact;
use crate::invites::provenance::MemberWay;
use crate::text::{fit, inert};
use crate::timefmt;
use crate::tui::theme::Theme;

pub enum Load {
    Loading,
    Loaded(Vec<MemberWay>),
    Failed(String),
}

pub struct MembersView {
    /// Index into the tab's teams.
    pub team: usize,
    pub load: Load,
    pub selected: usize,
    pub offset: usize,
    pub viewport_rows: usize,
}

impl MembersView {
    pub fn new(team: usize) -> Self {
        Self {
            team,
            load: Load::Loading,
            selected: 0,
            offset: 0,
            viewport_rows: 10,
        }
    }

    pub fn rows(&self) -> &[MemberWay] {
        match &self.load {
            Load::Loaded(rows) => rows,
            _ => &[],
        }
    }

    /// Flagged members first, then by join time (unknown last), then by name.
    pub fn loaded(&mut self, result: Result<Vec<MemberWay>, String>) {
        self.load = match result {
            Ok(mut rows) => {
                rows.sort_by(|a, b| {
                    b.flag
                        .is_some()
                        .cmp(&a.flag.is_some())
                        .then(a.joined_at.is_none().cmp(&b.joined_at.is_none()))
                        .then(a.joined_at.cmp(&b.joined_at))
                        .then(a.username.cmp(&b.username))
                });
                Load::Loaded(rows)
            }
            Err(err) => Load::Failed(err),
        };
        self.selected = 0;
        self.offset = 0;
    }

    pub fn scroll(&mut self, action: crate::tui::keys::Action) {
        self.selected = action.select(self.selected, self.rows().len(), self.viewport_rows);
    }
}

pub fn render(
    view: &mut MembersView,
    teams: &[TeamFact],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let team = teams.get(view.team);
    let title = match team {
        Some(t) => format!(
            " Members of {} ({}{}) · team {} of {} ",
            inert(&t.name),
            if t.invite_only { "invite only" } else { "open" },
            if t.group_constrained {
                ", group synced"
            } else {
                ""
            },
            view.team + 1,
            teams.len()
        ),
        None => " Members ".to_string(),
    };
    let inner = crate::tui::widgets::frame(area, buf, &title, false, theme);
    let message = |text: String, style, buf: &mut Buffer| {
        crate::tui::widgets::message(inner, buf, &text, style)
    };
    if team.is_none() {
        message(
            "No teams are recorded: they come from the database or the REST API. Press s to sync."
                .to_string(),
            theme.muted,
            buf,
        );
        return;
    }
    let rows = match &view.load {
        Load::Loading => return message("Reading the members…".to_string(), theme.muted, buf),
        Load::Failed(err) => {
            return message(
                format!("The members could not be read: {}", inert(err)),
                theme.error,
                buf,
            );
        }
        Load::Loaded(rows) if rows.is_empty() => {
            return message(
                "No current members recorded for this team.".to_string(),
                theme.muted,
                buf,
            );
        }
        Load::Loaded(rows) => rows,
    };
    let width = usize::from(inner.width);
    let flagged = rows.iter().filter(|r| r.flag.is_some()).count();
    let summary = if flagged > 0 {
        Span::styled(
            format!(
                "{} members · ⚑ {flagged} to look at (way in unknown on an invite-only team, or someone else's invite)",
                rows.len()
            ),
            theme.warn,
        )
    } else {
        Span::styled(
            format!("{} members · nothing flagged", rows.len()),
            theme.muted,
        )
    };
    Line::from(summary).render(Rect { height: 1, ..inner }, buf);
    let member_w = 18.min(width / 4).max(8);
    let joined_w = 16;
    let how_w = width.saturating_sub(member_w + joined_w + 2);
    let header = format!(
        "{} {} {}",
        fit("MEMBER", member_w),
        fit("JOINED (UTC)", joined_w),
        fit("HOW", how_w)
    );
    if inner.height < 3 {
        return;
    }
    Line::styled(header, theme.label).render(
        Rect {
            y: inner.y + 1,
            height: 1,
            ..inner
        },
        buf,
    );
    // The selected member's way in, whole, under the table.
    let full = rows.get(view.selected).map(|m| {
        let mut text = format!("{}: {}", m.username.as_deref().unwrap_or(&m.user_id), m.how);
        if let Some(flag) = &m.flag {
            text.push_str(&format!(" · ⚑ {flag}"));
        }
        if !m.source.is_empty() {
            text.push_str(&format!(" (from {})", m.source));
        }
        inert(&text).into_owned()
    });
    let full_height: u16 = if inner.height >= 8 { 2 } else { 0 };
    let visible = usize::from(inner.height.saturating_sub(2 + full_height));
    view.viewport_rows = visible.max(1);
    if let (Some(text), true) = (full, full_height > 0) {
        Paragraph::new(Line::styled(text, theme.muted))
            .wrap(Wrap { trim: false })
            .render(
                Rect {
                    y: inner.y + inner.height - full_height,
                    height: full_height,
                    ..inner
                },
                buf,
            );
    }
    if view.selected < view.offset {
        view.offset = view.selected;
    } else if view.selected >= view.offset + visible {
        view.offset = view.selected + 1 - visible;
    }
    for (i, member) in rows.iter().enumerate().skip(view.offset).take(visible) {
        let selected = i == view.selected;
        let who = member.username.as_deref().unwrap_or(&member.user_id);
        let joined = member
            .joined_at
            .map(timefmt::utc_minute_bare)
            .unwrap_or_else(|| "?".to_string());
        let mut how = member.how.clone();
        if let Some(flag) = &member.flag {
            how = format!("⚑ {flag} · {how}");
        }
        let style = match (selected, member.flag.is_some()) {
            (true, _) => theme.selection,
            (false, true) => theme.warn,
            (false, false) => theme.base,
        };
        Line::from(vec![
            Span::styled(fit(who, member_w), style),
            Span::styled(" ", style),
            Span::styled(fit(&joined, joined_w), style),
            Span::styled(" ", style),
            Span::styled(fit(&how, how_w), style),
        ])
        .render(
            Rect {
                y: inner.y + 2 + (i - view.offset) as u16,
                height: 1,
                ..inner
            },
            buf,
        );
    }
}
