//! The send form (`i`): pick a team, type addresses and optional channels, review, send.
//! Nothing is sent before the review's `y`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use crate::invites::rest::TeamChoice;
use crate::invites::{Sent, plausible_email};
use crate::text::{inert, one_line, wrap};
use crate::tui::theme::Theme;
use crate::tui::widgets::centered;
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::picker::{Pick, PickItem, Picker};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Team,
    Addresses,
    Channels,
}

pub enum Teams {
    Loading,
    Loaded(Vec<TeamChoice>),
    Failed(String),
}

pub enum Stage {
    Editing,
    /// The channel names are being looked up.
    Checking,
    /// Waiting for y.
    Review,
    Sending,
    Done(Result<Vec<Sent>, String>),
}

/// What the form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRequest {
    None,
    Close,
    /// Look the channel names up in the team before the review.
    CheckChannels {
        team_id: String,
        channels: Vec<String>,
    },
    Send {
        team: TeamChoice,
        emails: Vec<String>,
        channels: Vec<String>,
    },
}

pub struct SendForm {
    pub teams: Teams,
    picker: Picker,
    addresses: Input,
    channels: Input,
    pub field: Field,
    pub stage: Stage,
    /// Why the review cannot open yet.
    pub problem: Option<String>,
    /// What the ledger already holds: (address, team id, status, sent at), for the review.
    history: Vec<(String, String, String, i64)>,
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
        }
    }

    pub fn teams_loaded(&mut self, result: Result<Vec<TeamChoice>, String>) {
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
    pub fn sent(&mut self, result: Result<Vec<Sent>, String>) {
        match result {
            Err(err) if err.starts_with("nothing was sent") => {
                self.stage = Stage::Editing;
                self.problem = Some(err);
            }
            other => self.stage = Stage::Done(other),
        }
    }

    /// The channel names were looked up: on to the review, or back to the channels.
    pub fn channels_checked(&mut self, result: Result<(), String>) {
        if !matches!(self.stage, Stage::Checking) {
            return;
        }
        match result {
            Ok(()) => self.stage = Stage::Review,
            Err(err) => {
                self.stage = Stage::Editing;
                self.field = Field::Channels;
                self.problem = Some(err);
            }
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

    pub fn paste(&mut self, text: &str) {
        match self.field {
            Field::Team => self.picker.paste(text),
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
    fn review(&mut self) -> FormRequest {
        let emails = self.emails();
        let bad: Vec<&String> = emails.iter().filter(|e| !plausible_email(e)).collect();
        self.problem = if self.chosen_team().is_none() {
            self.field = Field::Team;
            Some("pick a team first".to_string())
        } else if emails.is_empty() {
            self.field = Field::Addresses;
            Some("type at least one address".to_string())
        } else if let Some(first) = bad.first() {
            self.field = Field::Addresses;
            Some(format!("{} is not an email address", one_line(first, 40)))
        } else {
            None
        };
        if self.problem.is_some() {
            return FormRequest::None;
        }
        let channels = self.channel_names();
        match self.chosen_team() {
            Some(team) if !channels.is_empty() => {
                let team_id = team.id.clone();
                self.stage = Stage::Checking;
                FormRequest::CheckChannels { team_id, channels }
            }
            _ => {
                self.stage = Stage::Review;
                FormRequest::None
            }
        }
    }

    pub fn handle(&mut self, key: KeyEvent) -> FormRequest {
        match &self.stage {
            Stage::Done(_) => {
                return match key.code {
                    KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') => FormRequest::Close,
                    _ => FormRequest::None,
                };
            }
            // Sending cannot be taken back; Esc only hides the form.
            Stage::Sending | Stage::Checking => {
                return match key.code {
                    KeyCode::Esc => FormRequest::Close,
                    _ => FormRequest::None,
                };
            }
            Stage::Review => {
                if key.code == KeyCode::Char('y')
                    && key.modifiers == KeyModifiers::NONE
                    && let Some(team) = self.chosen_team().cloned()
                {
                    self.stage = Stage::Sending;
                    return FormRequest::Send {
                        team,
                        emails: self.emails(),
                        channels: self.channel_names(),
                    };
                }
                // Anything else goes back to the form, nothing sent.
                self.stage = Stage::Editing;
                return FormRequest::None;
            }
            Stage::Editing => {}
        }
        self.problem = None;
        match key.code {
            KeyCode::Tab => {
                self.move_field(true);
                return FormRequest::None;
            }
            KeyCode::BackTab => {
                self.move_field(false);
                return FormRequest::None;
            }
            KeyCode::Esc => return FormRequest::Close,
            _ => {}
        }
        match self.field {
            Field::Team => match self.picker.handle(key) {
                Pick::Chosen(_) => self.field = Field::Addresses,
                Pick::Cancelled => return FormRequest::Close,
                Pick::Open => {}
            },
            Field::Addresses | Field::Channels => {
                let input = if self.field == Field::Addresses {
                    &mut self.addresses
                } else {
                    &mut self.channels
                };
                match input.handle(key) {
                    Edit::Submit if self.field == Field::Addresses => self.field = Field::Channels,
                    Edit::Submit => return self.review(),
                    Edit::Cancel => return FormRequest::Close,
                    Edit::Changed | Edit::Moved | Edit::Ignored => {}
                }
                // Up and Down move between the fields too.
                match key.code {
                    KeyCode::Up => self.move_field(false),
                    KeyCode::Down => self.move_field(true),
                    _ => {}
                }
            }
        }
        FormRequest::None
    }
}

impl Default for SendForm {
    fn default() -> Self {
        Self::new()
    }
}

/// The form as a box over the tab.
pub fn render(form: &mut SendForm, area: Rect, buf: &mut Buffer, theme: &Theme) {
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
        Stage::Editing => editing(form, inner, buf, theme),
        Stage::Review => {
            let lines = review_lines(form, theme);
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
        Stage::Sending => {
            Line::styled("Sending…", theme.muted).render(inner, buf);
        }
        Stage::Checking => {
            Line::styled("Looking up the channels…", theme.muted).render(inner, buf);
        }
        Stage::Done(result) => {
            let lines = done_lines(result, theme);
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }
}

fn line_at(area: Rect, row: u16) -> Rect {
    Rect {
        y: area.y + row,
        height: 1,
        ..area
    }
}

fn editing(form: &mut SendForm, inner: Rect, buf: &mut Buffer, theme: &Theme) {
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
        (Teams::Failed(err), _) => format!("the teams could not be read: {}", inert(err)),
        (Teams::Loaded(teams), _) if teams.is_empty() => "no teams to invite to".to_string(),
        (_, Some(team)) => format!("{} ({})", team.name, team.display_name),
        (_, None) => "no team matches".to_string(),
    };
    Line::from(vec![
        label(Field::Team, "Team       "),
        Span::styled(
            one_line(&team_text, usize::from(inner.width) - 11),
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
                one_line(form.addresses.text(), usize::from(inner.width) - 11),
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
                Span::styled(one_line(text, usize::from(inner.width) - 11), theme.value)
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
            Some(problem) => bounded_rows(&inert(problem), usize::from(inner.width), free)
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
        Line::styled(
            "Tab next field · Enter next / review · Esc cancel",
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

fn review_lines(form: &SendForm, theme: &Theme) -> Vec<Line<'static>> {
    let emails = form.emails();
    let channels = form.channel_names();
    let team = form
        .chosen_team()
        .map(|t| format!("{} ({})", t.name, t.display_name))
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "Send {} invitation{} to ",
                    emails.len(),
                    if emails.len() == 1 { "" } else { "s" }
                ),
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
        Span::styled("y", theme.key),
        Span::styled(" send  ·  any other key: back to the form", theme.muted),
    ]));
    lines
}

fn done_lines(result: &Result<Vec<Sent>, String>, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match result {
        Err(err) => lines.push(Line::styled(inert(err).into_owned(), theme.error)),
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
    lines.push(Line::styled("Enter or Esc closes", theme.muted));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_text(form: &mut SendForm, text: &str) {
        for c in text.chars() {
            form.handle(key(KeyCode::Char(c)));
        }
    }

    fn team(id: &str, name: &str) -> TeamChoice {
        TeamChoice {
            id: id.into(),
            name: name.into(),
            display_name: name.to_uppercase(),
            invite_only: true,
        }
    }

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

    #[test]
    fn the_review_needs_a_team_and_good_addresses_and_only_y_sends() {
        let mut form = SendForm::new();
        form.teams_loaded(Ok(vec![team("t1", "engineering"), team("t2", "sales")]));
        type_text(&mut form, "sal");
        assert_eq!(form.chosen_team().map(|t| t.id.as_str()), Some("t2"));
        form.handle(key(KeyCode::Enter));
        assert_eq!(form.field, Field::Addresses);
        type_text(&mut form, "ana@x.org, nope");
        form.handle(key(KeyCode::Enter));
        form.handle(key(KeyCode::Enter));
        assert!(matches!(form.stage, Stage::Editing));
        assert_eq!(
            form.problem.as_deref(),
            Some("nope is not an email address")
        );
        for _ in 0..6 {
            form.handle(key(KeyCode::Backspace));
        }
        form.handle(key(KeyCode::Tab));
        type_text(&mut form, "~town-square");
        // The channels are looked up first; an unknown one sends the user back to them.
        assert_eq!(
            form.handle(key(KeyCode::Enter)),
            FormRequest::CheckChannels {
                team_id: "t2".into(),
                channels: vec!["town-square".into()]
            }
        );
        form.channels_checked(Err("the team has no channel named town-square".into()));
        assert!(matches!(form.stage, Stage::Editing));
        assert_eq!(form.field, Field::Channels);
        form.handle(key(KeyCode::Enter));
        form.channels_checked(Ok(()));
        assert!(matches!(form.stage, Stage::Review));
        // Enter is not a yes.
        assert_eq!(form.handle(key(KeyCode::Enter)), FormRequest::None);
        assert!(matches!(form.stage, Stage::Editing));
        form.handle(key(KeyCode::Enter));
        form.channels_checked(Ok(()));
        assert_eq!(
            form.handle(key(KeyCode::Char('y'))),
            FormRequest::Send {
                team: team("t2", "sales"),
                emails: vec!["ana@x.org".into()],
                channels: vec!["town-square".into()],
            }
        );
        assert!(matches!(form.stage, Stage::Sending));
    }
}
