//! The provenance view (`m`): how every member of one team got in, flagged members first;
//! ←/→ go to the previous or next team, `t` picks one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::error::Error;
use crate::invites::facts::TeamFact;
use crate::invites::provenance::MemberWay;
use crate::text::{fit, inert};
use crate::timefmt;
use crate::tui::keys::{Action, Keymap, Scope};
use crate::tui::theme::Theme;
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::loadable::{Load, Loadable};

pub struct MembersView {
    /// Index into the tab's teams.
    pub(super) team: usize,
    load: Loadable<Vec<MemberWay>>,
    list: ListState,
}

impl MembersView {
    pub fn new(team: usize) -> Self {
        Self {
            team,
            load: Loadable::new(true),
            list: ListState::default(),
        }
    }

    pub fn rows(&self) -> &[MemberWay] {
        self.load.get().map_or(&[], Vec::as_slice)
    }

    /// Flagged members first, then by join time (unknown last), then by name.
    pub fn loaded(&mut self, result: Result<Vec<MemberWay>, Error>) {
        let sorted = result.map(|mut rows| {
            rows.sort_by(|a, b| {
                b.flag
                    .is_some()
                    .cmp(&a.flag.is_some())
                    .then(a.joined_at.is_none().cmp(&b.joined_at.is_none()))
                    .then(a.joined_at.cmp(&b.joined_at))
                    .then(a.username.cmp(&b.username))
            });
            rows
        });
        // A team's members are read whole each time: a failure replaces what was shown.
        self.load = Loadable::new(true);
        self.load.finish(sorted);
        self.list.reset();
    }

    pub fn scroll(&mut self, action: Action) {
        let len = self.rows().len();
        self.list.apply(action, len);
    }
}

pub fn render(
    view: &mut MembersView,
    teams: &[TeamFact],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    keymap: &Keymap,
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
            format!(
                "No teams are recorded: they come from the database or the REST API. Press {} to sync.",
                keymap.key_name(Scope::InviteMembers, Action::Sync)
            ),
            theme.muted,
            buf,
        );
        return;
    }
    let rows = match &view.load.state {
        Load::Loading | Load::NotConfigured => {
            return message("Reading the members…".to_string(), theme.muted, buf);
        }
        Load::Failed(err) => {
            return message(
                format!("The members could not be read: {}", inert(&err.to_string())),
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
    let full = rows.get(view.list.selected).map(|m| {
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
    view.list.fit(visible);
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
    let (first, selected_row) = (view.list.offset, view.list.selected);
    for (i, member) in rows.iter().enumerate().skip(first).take(visible) {
        let selected = i == selected_row;
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
                y: inner.y + 2 + (i - first) as u16,
                height: 1,
                ..inner
            },
            buf,
        );
    }
}
