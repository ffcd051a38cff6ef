//! The send form (`i`): pick a team, type addresses and optional channels, review, send.
//! Nothing is sent before the review's `y`.

use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use super::Msg;
use crate::error::Error;
use crate::invites::actions::{ActionError, send_and_record};
use crate::invites::rest::{self, TeamChoice};
use crate::invites::{Sent, plausible_email};
use crate::text::{counted, inert, one_line, wrap};
use crate::tui::keys::{Action, Binding, Focus, Keymap, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Ui};
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::notice::Notice;
use crate::tui::widgets::picker::{Pick, PickItem, Picker};
use crate::tui::widgets::{centered, line_at};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Team,
    Addresses,
    Channels,
}

pub enum Teams {
    Loading,
    Loaded(Vec<TeamChoice>),
    Failed(Error),
}

pub enum Stage {
    Editing,
    /// The channel names are being looked up.
    Checking,
    /// Waiting for y.
    Review,
    Sending,
    Done(Result<Vec<Sent>, Error>),
}

pub struct SendForm {
    pub(super) teams: Teams,
    picker: Picker,
    addresses: Input,
    channels: Input,
    pub(super) field: Field,
    pub(super) stage: Stage,
    /// Why the review cannot open yet.
    pub(super) problem: Option<Notice>,
    /// What the ledger already holds: (address, team id, status, sent at), for the review.
    history: Vec<(String, String, String, i64)>,
    /// Closed while the server works: the work goes on, `i` shows the form again.
    hidden: bool,
}

/// Addresses as typed: split on commas, semicolons and white space, each once.
pub fn parse_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split([',', ';', ' ', '\t', '\n']) {
        let item = item.trim();
        if !item.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
            out.push(item.to_string());
        }
    }
    out
}

impl SendForm {
    /// `history`: the invitations on record, to warn about addresses already invited.
    pub fn with_history(history: Vec<(String, String, String, i64)>) -> Self {
        Self {
            history,
            ..Self::new()
        }
    }

    pub fn new() -> Self {
        Self {
            teams: Teams::Loading,
            picker: Picker::default(),
            addresses: Input::default(),
            channels: Input::default(),
            field: Field::Team,
            stage: Stage::Editing,
            problem: None,
            history: Vec::new(),
            hidden: false,
        }
    }

    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// A hidden form comes back as it is (still sending, or with the review).
    pub fn show(&mut self) {
        self.hidden = false;
    }

    pub fn teams_loaded(&mut self, result: Result<Vec<TeamChoice>, Error>) {
        self.teams = match result {
            Ok(teams) => {
                self.picker = Picker::new(
                    teams
                        .iter()
                        .map(|t| PickItem {
                            key: t.id.clone(),
                            label: t.name.clone(),
                            detail: format!(
                                "{}{}",
                                t.display_name,
                                if t.invite_only { " · invite only" } else { "" }
                            ),
                        })
                        .collect(),
                );
                Teams::Loaded(teams)
            }
            Err(err) => Teams::Failed(err),
        };
    }

    pub fn chosen_team(&self) -> Option<&TeamChoice> {
        let Teams::Loaded(teams) = &self.teams else {
            return None;
        };
        let key = &self.picker.selected()?.key;
        teams.iter().find(|t| &t.id == key)
    }

    pub fn emails(&self) -> Vec<String> {
        parse_list(self.addresses.text())
    }

    pub fn channel_names(&self) -> Vec<String> {
        parse_list(self.channels.text())
            .into_iter()
            .map(|c| c.trim_start_matches('~').to_string())
            .collect()
    }

    /// The send's outcome. When nothing was sent, the form comes back with the reason and
    /// everything typed.
    pub fn sent(&mut self, result: Result<Vec<Sent>, Error>) {
        match result {
            Err(err @ Error::Invites(ActionError::NotDone { .. })) => {
                self.stage = Stage::Editing;
                self.problem = Some(Notice::Error(err));
            }
            other => self.stage = Stage::Done(other),
        }
    }

    /// The channel names were looked up: on to the review, or back to the channels.
    pub fn channels_checked(&mut self, result: Result<(), Error>) {
        if !matches!(self.stage, Stage::Checking) {
            return;
        }
        match result {
            Ok(()) => self.stage = Stage::Review,
            Err(err) => {
                self.stage = Stage::Editing;
                self.field = Field::Channels;
                self.problem = Some(Notice::Error(err));
            }
        }
    }

    /// Where the keyboard goes: the fields (a form over a prompt), the review's question, or
    /// only closing while the server works and after.
    pub fn focus(&self) -> Focus {
        match self.stage {
            Stage::Editing => Focus::over(Scope::InviteForm, Scope::Prompt),
            Stage::Review => Focus::on(Scope::Question),
            Stage::Checking | Stage::Sending | Stage::Done(_) => Focus::on(Scope::InviteForm),
        }
    }

    /// A binding's footer label at this stage: while the server works only closing (hiding)
    /// means something.
    pub fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        match (&self.stage, binding.action) {
            (Stage::Editing | Stage::Review, _) => binding.hint.as_deref(),
            (Stage::Checking | Stage::Sending, Action::Close) => Some("hide"),
            (Stage::Done(_), Action::Close) => binding.hint.as_deref(),
            _ => None,
        }
    }

    /// What the server is doing for the form, while it works: "Sending 2 invitations to
    /// sales…".
    pub fn working(&self) -> Option<String> {
        match self.stage {
            Stage::Checking => Some("Looking up the channels…".to_string()),
            Stage::Sending => {
                let invitations = counted(self.emails().len(), "invitation");
                let team = self.chosen_team().map_or("", |t| t.name.as_str());
                Some(format!("Sending {invitations} to {team}…"))
            }
            _ => None,
        }
    }

    /// What the ledger says of `email` for the chosen team, when anything.
    fn already(&self, email: &str) -> Option<String> {
        let team = self.chosen_team()?;
        let email = email.to_lowercase();
        let (_, _, status, sent_at) = self
            .history
            .iter()
            .filter(|(e, t, _, _)| *e == email && *t == team.id)
            .max_by_key(|(_, _, _, at)| *at)?;
        match status.as_str() {
            "pending" => Some(format!(
                "already invited, pending since {}",
                crate::timefmt::utc_minute(*sent_at)
            )),
            "accepted" => Some("already joined with an earlier invite".to_string()),
            "accepted_by_other" => {
                Some("an earlier invite was used by another account".to_string())
            }
            _ => None,
        }
    }

    /// How many addresses were typed more than once (sent once).
    fn repeated(&self) -> usize {
        let typed = self
            .addresses
            .text()
            .split([',', ';', ' ', '\t', '\n'])
            .filter(|a| !a.trim().is_empty())
            .count();
        typed.saturating_sub(self.emails().len())
    }

    /// Typed or pasted text goes into the field being edited; a pasted list's line breaks
    /// separate addresses.
    pub fn type_text(&mut self, text: &str) {
        if !matches!(self.stage, Stage::Editing) {
            return;
        }
        self.problem = None;
        match self.field {
            Field::Team => self.picker.type_text(text),
            Field::Addresses => self.addresses.insert_str(&text.replace(['\n', '\r'], " ")),
            Field::Channels => self.channels.insert_str(&text.replace(['\n', '\r'], " ")),
        }
    }

    fn move_field(&mut self, forward: bool) {
        self.field = match (self.field, forward) {
            (Field::Team, true) | (Field::Channels, false) => Field::Addresses,
            (Field::Addresses, true) => Field::Channels,
            (Field::Addresses, false) => Field::Team,
            (Field::Channels, true) => Field::Team,
            (Field::Team, false) => Field::Channels,
        };
    }

    /// Opens the review when everything needed is there (the channels looked up first); says
    /// what is missing otherwise.
    fn review(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let emails = self.emails();
        let bad: Vec<&String> = emails.iter().filter(|e| !plausible_email(e)).collect();
        self.problem = if self.chosen_team().is_none() {
            self.field = Field::Team;
            Some(Notice::problem("pick a team first"))
        } else if emails.is_empty() {
            self.field = Field::Addresses;
            Some(Notice::problem("type at least one address"))
        } else if let Some(first) = bad.first() {
            self.field = Field::Addresses;
            Some(Notice::problem(format!(
                "{} is not an email address",
                one_line(first, 40)
            )))
        } else {
            None
        };
        if self.problem.is_some() {
            return;
        }
        let channels = self.channel_names();
        match (self.chosen_team(), ctx.env.client.clone()) {
            (Some(team), Some(client)) if !channels.is_empty() => {
                let team_id = team.id.clone();
                self.stage = Stage::Checking;
                ctx.spawn(Msg::ChannelsChecked, async move {
                    rest::channel_ids(&client, &team_id, &channels)
                        .await
                        .map(|_| ())
                });
            }
            _ => self.stage = Stage::Review,
        }
    }

    /// Sends to the chosen team and records the result in the ledger at `ledger`.
    fn send(&mut self, ledger: &Path, ctx: &mut Ctx<'_, Msg>) {
        let (Some(team), Some(client)) = (self.chosen_team().cloned(), ctx.env.client.clone())
        else {
            return;
        };
        let (emails, channels) = (self.emails(), self.channel_names());
        let (ledger, now_ms) = (ledger.to_path_buf(), ctx.now_ms());
        self.stage = Stage::Sending;
        ctx.spawn_each(Msg::Sent, async move {
            send_and_record(&client, &ledger, &team, &emails, &channels, now_ms).await
        });
    }

    /// An action of the form's keys; false once the form closes.
    pub fn apply(&mut self, action: Action, ledger: Option<&Path>, ctx: &mut Ctx<'_, Msg>) -> bool {
        match &self.stage {
            Stage::Done(_) => return !matches!(action, Action::Close | Action::Submit),
            // Sending cannot be taken back; closing only hides the form until it is done.
            Stage::Sending | Stage::Checking => {
                self.hidden |= action == Action::Close;
                return true;
            }
            Stage::Review => {
                match (action, ledger) {
                    (Action::Confirm, Some(ledger)) => self.send(ledger, ctx),
                    // Anything else goes back to the form, nothing sent.
                    _ => self.stage = Stage::Editing,
                }
                return true;
            }
            Stage::Editing => {}
        }
        self.problem = None;
        match action {
            Action::Close => return false,
            Action::NextField => self.move_field(true),
            Action::PrevField => self.move_field(false),
            _ if self.field == Field::Team => {
                if let Pick::Chosen(_) = self.picker.apply(action) {
                    self.field = Field::Addresses;
                }
            }
            // Up and Down move between the fields too.
            Action::Up => self.move_field(false),
            Action::Down => self.move_field(true),
            _ => {
                let input = if self.field == Field::Addresses {
                    &mut self.addresses
                } else {
                    &mut self.channels
                };
                match input.apply(action) {
                    Edit::Submit if self.field == Field::Addresses => self.field = Field::Channels,
                    Edit::Submit => self.review(ctx),
                    Edit::Changed | Edit::Moved | Edit::Ignored | Edit::Cancel => {}
                }
            }
        }
        true
    }
}

impl Default for SendForm {
    fn default() -> Self {
        Self::new()
    }
}

/// The form as a box over the tab.
pub fn render(form: &mut SendForm, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let (theme, keymap) = (ui.theme, ui.keymap);
    let boxed = centered(area, 76, 18);
    Clear.render(boxed, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(" Send invitations ", theme.title));
    let inner = block.inner(boxed);
    block.render(boxed, buf);
    buf.set_style(inner, theme.base);
    match &form.stage {
        Stage::Editing => editing(form, inner, buf, theme, keymap),
        Stage::Review => {
            let lines = review_lines(form, theme, keymap);
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
        Stage::Sending | Stage::Checking => {
            let working = form.working().unwrap_or_default();
            let hide = keymap.key_name(Scope::InviteForm, Action::Close);
            Paragraph::new(vec![
                Line::styled(inert(&working).into_owned(), theme.muted),
                Line::raw(""),
                Line::from(vec![
                    Span::styled(hide, theme.key),
                    Span::styled(" hides this; the send goes on", theme.muted),
                ]),
            ])
            .wrap(Wrap { trim: false })
            .render(inner, buf);
        }
        Stage::Done(result) => {
            let lines = done_lines(result, theme, keymap);
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }
}

fn editing(form: &mut SendForm, inner: Rect, buf: &mut Buffer, theme: &Theme, keymap: &Keymap) {
    if inner.height < 6 {
        Line::styled("The terminal is too small for the form.", theme.warn).render(inner, buf);
        return;
    }
    let label = |field: Field, text: &'static str| {
        if form.field == field {
            Span::styled(text, theme.accent)
        } else {
            Span::styled(text, theme.label)
        }
    };
    // Team: the chosen one, and the list under it while the field has the keyboard.
    let team_text = match (&form.teams, form.chosen_team()) {
        (Teams::Loading, _) => "loading the teams…".to_string(),
        (Teams::Failed(err), _) => format!("the teams could not be read: {err}"),
        (Teams::Loaded(teams), _) if teams.is_empty() => "no teams to invite to".to_string(),
        (_, Some(team)) => format!("{} ({})", team.name, team.display_name),
        (_, None) => "no team matches".to_string(),
    };
    Line::from(vec![
        label(Field::Team, "Team       "),
        Span::styled(
            one_line(&team_text, usize::from(inner.width).saturating_sub(11)),
            theme.value,
        ),
    ])
    .render(line_at(inner, 0), buf);
    let list_rows = if form.field == Field::Team {
        inner.height.saturating_sub(6).min(8)
    } else {
        0
    };
    if list_rows > 0 && matches!(form.teams, Teams::Loaded(_)) {
        let list = Rect {
            x: inner.x + 11,
            y: inner.y + 1,
            width: inner.width.saturating_sub(11),
            height: list_rows + 1,
        };
        form.picker.render(list, buf, theme, true);
    }
    let mut row = 1 + if list_rows > 0 { list_rows + 1 } else { 0 };
    let field_area = |row: u16| line_at(inner, row);
    if form.field == Field::Addresses {
        form.addresses.render(
            "Addresses  ",
            field_area(row),
            buf,
            theme.accent,
            theme.base,
        );
    } else {
        Line::from(vec![
            label(Field::Addresses, "Addresses  "),
            Span::styled(
                one_line(
                    form.addresses.text(),
                    usize::from(inner.width).saturating_sub(11),
                ),
                theme.value,
            ),
        ])
        .render(field_area(row), buf);
    }
    row += 1;
    if form.field == Field::Channels {
        form.channels.render(
            "Channels   ",
            field_area(row),
            buf,
            theme.accent,
            theme.base,
        );
    } else {
        let text = form.channels.text();
        Line::from(vec![
            label(Field::Channels, "Channels   "),
            if text.is_empty() {
                Span::styled("(optional: channel names, e.g. town-square)", theme.muted)
            } else {
                Span::styled(
                    one_line(text, usize::from(inner.width).saturating_sub(11)),
                    theme.value,
                )
            },
        ])
        .render(field_area(row), buf);
    }
    row += 2;
    let hint_row = inner.height.saturating_sub(1);
    if row < inner.height {
        // The problem (a refusal names the permission at its end) takes every free row down
        // to the hint.
        let free = if hint_row > row {
            hint_row - row
        } else {
            inner.height - row
        };
        let lines = match &form.problem {
            Some(problem) => bounded_rows(&problem.text(), usize::from(inner.width), free)
                .into_iter()
                .map(|text| Line::styled(text, theme.error))
                .collect(),
            None => {
                let count = form.emails().len();
                vec![Line::styled(
                    format!(
                        "{count} address{}; separate them with commas or spaces",
                        if count == 1 { "" } else { "es" }
                    ),
                    theme.muted,
                )]
            }
        };
        for (i, line) in lines.into_iter().enumerate() {
            line.render(field_area(row + i as u16), buf);
        }
    }
    if hint_row > row {
        let key = |action| keymap.key_name(Scope::InviteForm, action);
        Line::styled(
            format!(
                "{} next field · {} next / review · {} cancel",
                key(Action::NextField),
                key(Action::Submit),
                key(Action::Close)
            ),
            theme.muted,
        )
        .render(field_area(hint_row), buf);
    }
}

/// Inert `text` word-wrapped to `width` on at most `rows` rows; what does not fit ends in an
/// ellipsis.
fn bounded_rows(text: &str, width: usize, rows: u16) -> Vec<String> {
    let width = width.max(1);
    let rows = usize::from(rows.max(1));
    let mut out = wrap(&one_line(text, usize::MAX), width);
    if out.len() > rows {
        out.truncate(rows);
        if let Some(last) = out.last_mut() {
            *last = one_line(&format!("{last}…"), width.saturating_sub(1).max(1));
        }
    }
    out
}

fn review_lines(form: &SendForm, theme: &Theme, keymap: &Keymap) -> Vec<Line<'static>> {
    let emails = form.emails();
    let channels = form.channel_names();
    let team = form
        .chosen_team()
        .map(|t| format!("{} ({})", t.name, t.display_name))
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("Send {} to ", counted(emails.len(), "invitation")),
                theme.base,
            ),
            Span::styled(inert(&team).into_owned(), theme.accent),
            Span::styled(
                if channels.is_empty() {
                    String::new()
                } else {
                    format!(", with the channels {}", inert(&channels.join(", ")))
                },
                theme.base,
            ),
            Span::styled("?", theme.base),
        ]),
        Line::raw(""),
    ];
    for email in emails.iter().take(8) {
        let mut line = vec![Span::styled(
            format!("  {}", one_line(email, 50)),
            theme.value,
        )];
        if let Some(note) = form.already(email) {
            line.push(Span::styled(format!("  ⚠ {note}"), theme.warn));
        }
        lines.push(Line::from(line));
    }
    let repeated = form.repeated();
    if repeated > 0 {
        lines.push(Line::styled(
            format!("  ({repeated} typed more than once: sent once)"),
            theme.muted,
        ));
    }
    if emails.len() > 8 {
        lines.push(Line::styled(
            format!("  … and {} more", emails.len() - 8),
            theme.muted,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(keymap.key_name(Scope::Question, Action::Confirm), theme.key),
        Span::styled(" send  ·  any other key: back to the form", theme.muted),
    ]));
    lines
}

fn done_lines(
    result: &Result<Vec<Sent>, Error>,
    theme: &Theme,
    keymap: &Keymap,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match result {
        Err(err) => {
            lines.push(Line::styled(
                format!("sending failed: {}", inert(&err.to_string())),
                theme.error,
            ));
            // Not a refusal: some invitations may have gone out.
            lines.push(Line::styled(
                "check the ledger before sending again",
                theme.warn,
            ));
        }
        Ok(sent) => {
            let refused = sent.iter().filter(|s| s.error.is_some()).count();
            lines.push(Line::styled(
                format!(
                    "{} sent, {refused} refused; recorded in the ledger",
                    sent.len() - refused
                ),
                if refused > 0 { theme.warn } else { theme.ok },
            ));
            lines.push(Line::raw(""));
            for result in sent.iter().take(10) {
                lines.push(match &result.error {
                    None => Line::from(vec![
                        Span::styled("  sent     ", theme.ok),
                        Span::styled(one_line(&result.email, 50), theme.value),
                    ]),
                    Some(why) => Line::from(vec![
                        Span::styled("  refused  ", theme.error),
                        Span::styled(one_line(&result.email, 30), theme.value),
                        Span::styled(format!(": {}", one_line(why, 60)), theme.muted),
                    ]),
                });
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(
            "{} or {} closes",
            keymap.key_name(Scope::InviteForm, Action::Submit),
            keymap.key_name(Scope::InviteForm, Action::Close)
        ),
        theme.muted,
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_commas_and_spaces_once_each() {
        assert_eq!(
            parse_list(" a@x.org, b@x.org;A@X.org\nc@x.org  "),
            vec!["a@x.org", "b@x.org", "c@x.org"]
        );
        assert!(plausible_email("a@x.org"));
        assert!(
            !plausible_email("a@x") && !plausible_email("@x.org") && !plausible_email("ax.org")
        );
    }
}
