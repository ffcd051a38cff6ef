//! The Invites tab: the invitation audit from mmops' own ledger. A table of every recorded
//! invitation, newest first, flags highlighted; a fuzzy finder (`/`); status and team
//! filters; the detail with its evidence (Enter); the send form (`i`); invalidating every
//! pending invite (`X`); a sync (`s`); an export (`e`); and how each member of a team got in
//! (`m`). A header line says which sources are live and what a missing one would add.
//!
//! The tab holds state only: the app runs the jobs (reading the ledger, syncing, sending) and
//! hands their results back.

pub mod detail;
pub mod members;
pub mod rows;
pub mod send;
pub mod view;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use self::detail::{Detail, Evidence};
use self::members::MembersView;
use self::rows::{Filters, Row};
use self::send::{FormRequest, SendForm};
use crate::fuzzy::Finder;
use crate::invites::Sent;
use crate::invites::actions::{LedgerView, PlannedSource};
use crate::invites::facts::{SourceRun, TeamFact};
use crate::invites::ledger::Invitation;
use crate::invites::provenance::MemberWay;
use crate::invites::resolve::Status;
use crate::invites::rest::TeamChoice;
use crate::invites::sync::{SourceState, SourceWarning, SyncReport};
use crate::secret::Secret;
use crate::tui::Clock;
use crate::tui::keys::Action;
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::picker::{Pick, PickItem, Picker};

/// What the console starts the tab with.
#[derive(Debug, Clone, Default)]
pub struct InvitesLaunch {
    /// The ledger file when it is known up front (`--ledger`, the demo's).
    pub ledger: Option<PathBuf>,
    /// Where the ledgers of servers live, one per server id.
    pub data_dir: Option<PathBuf>,
    /// `--db-url` (or the profile's); without it, the install's DataSource.
    pub db_url: Option<Secret>,
    /// Why the database is not read at all, when it is not (the demo has none).
    pub no_database: Option<String>,
}

/// The tab's background work, for the app's job bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitesJob {
    Open { generation: u64 },
    Sync,
    Evidence,
    Members,
    Teams,
    Channels,
    Send,
    Invalidate,
    Export,
}

/// What a job reports.
#[derive(Debug)]
pub enum InvitesMsg {
    Opened {
        generation: u64,
        result: Result<(LedgerView, Vec<PlannedSource>), String>,
    },
    Synced(Result<SyncReport, String>),
    Evidence {
        invitation_id: i64,
        result: Result<Vec<(String, i64, String)>, String>,
    },
    Members {
        team_id: String,
        result: Result<Vec<MemberWay>, String>,
    },
    Teams(Result<Vec<TeamChoice>, String>),
    ChannelsChecked(Result<(), String>),
    Sent(Result<Vec<Sent>, String>),
    Invalidated(Result<(), String>),
    Exported {
        path: PathBuf,
        result: Result<usize, String>,
    },
}

/// What the tab asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum InvitesEffect {
    None,
    /// Read the ledger again.
    Reload,
    Sync,
    Evidence(i64),
    Members(String),
    LoadTeams,
    CheckChannels {
        team_id: String,
        channels: Vec<String>,
    },
    Send {
        team: TeamChoice,
        emails: Vec<String>,
        channels: Vec<String>,
    },
    Invalidate,
    Export {
        path: PathBuf,
        rows: Vec<Invitation>,
    },
}

pub enum LedgerState {
    /// No ledger can be named (no server and no `--ledger`): why.
    Unavailable(String),
    Opening,
    Open(PathBuf),
    Failed(String),
}

/// A question waiting for y.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Invalidate every pending invite; how many the ledger knows of.
    Invalidate { pending: usize },
}

/// What a team picker is choosing for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickFor {
    TeamFilter,
    MembersTeam,
}

/// What each source said in the last sync (or, before one, whether it can be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceNote {
    pub source: String,
    pub state: SourceState,
    pub text: String,
    pub warning: Option<SourceWarning>,
}

pub struct InvitesTab {
    pub ledger: LedgerState,
    generation: u64,
    rows: Vec<Row>,
    haystacks: Vec<crate::fuzzy::Haystack>,
    /// Invitations per status, in `Status::ALL` order.
    pub counts: [usize; 7],
    pub teams: Vec<TeamFact>,
    pub runs: Vec<SourceRun>,
    pub sources: Vec<SourceNote>,
    pub syncing: bool,
    /// The tab has been shown once: the first showing syncs.
    shown_once: bool,
    sync_when_open: bool,
    filters: Filters,
    /// Rows the filters keep, newest first (indices into `rows`).
    base: Vec<u32>,
    /// Rows shown: the finder's answer over `base` (indices into `rows`).
    shown: Vec<u32>,
    finder: Finder,
    query: String,
    /// The finder's prompt, while open, and the query it replaced.
    finding: Option<(Input, String)>,
    pub selected: usize,
    pub offset: usize,
    pub viewport_rows: usize,
    pub detail: Option<Detail>,
    pub members: Option<MembersView>,
    pub send: Option<SendForm>,
    pub picker: Option<(PickFor, Picker)>,
    pub confirm: Option<Confirm>,
    /// The export prompt, while open.
    pub export: Option<Input>,
    export_dir: PathBuf,
    /// A line under the table: the outcome of an action, and whether it is an error.
    pub notice: Option<(String, bool)>,
    can_send: bool,
    clock: Clock,
    /// An invalidation just succeeded: the sync after it says so too.
    invalidated_just_now: bool,
}

impl InvitesTab {
    /// `can_send`: a server is connected (sending and invalidating need one). Exports go to
    /// `export_dir` unless given a full path.
    pub fn new(can_send: bool, export_dir: PathBuf, clock: Clock) -> Self {
        Self {
            ledger: LedgerState::Opening,
            generation: 0,
            rows: Vec::new(),
            haystacks: Vec::new(),
            counts: [0; 7],
            teams: Vec::new(),
            runs: Vec::new(),
            sources: Vec::new(),
            syncing: false,
            shown_once: false,
            sync_when_open: false,
            filters: Filters::default(),
            base: Vec::new(),
            shown: Vec::new(),
            finder: Finder::default(),
            query: String::new(),
            finding: None,
            selected: 0,
            offset: 0,
            viewport_rows: 10,
            detail: None,
            members: None,
            send: None,
            picker: None,
            confirm: None,
            export: None,
            export_dir,
            notice: None,
            can_send,
            clock,
            invalidated_just_now: false,
        }
    }

    pub fn begin_open(&mut self) -> u64 {
        self.generation += 1;
        if !matches!(self.ledger, LedgerState::Open(_)) {
            self.ledger = LedgerState::Opening;
        }
        self.generation
    }

    pub fn unavailable(&mut self, why: String) {
        self.ledger = LedgerState::Unavailable(why);
    }

    pub fn ledger_path(&self) -> Option<&PathBuf> {
        match &self.ledger {
            LedgerState::Open(path) => Some(path),
            _ => None,
        }
    }

    /// The ledger was read: rows replace the old ones, the selection stays on the same
    /// invitation. Returns whether a sync is now due (the tab was shown before it opened).
    pub fn opened(
        &mut self,
        generation: u64,
        result: Result<(LedgerView, Vec<PlannedSource>), String>,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        let (view, planned) = match result {
            Ok(loaded) => loaded,
            Err(err) if matches!(self.ledger, LedgerState::Open(_)) => {
                self.notice = Some((format!("reading the ledger failed: {err}"), true));
                return false;
            }
            Err(err) => {
                self.ledger = LedgerState::Failed(err);
                return false;
            }
        };
        let keep = self.selected_row().map(|r| r.invite.id);
        self.ledger = LedgerState::Open(view.path.clone());
        self.counts = [0; 7];
        self.rows = view.invitations.into_iter().map(Row::new).collect();
        for row in &self.rows {
            let status = row.status.unwrap_or(Status::Unknown);
            if let Some(i) = Status::ALL.iter().position(|s| *s == status) {
                self.counts[i] += 1;
            }
        }
        self.haystacks = self.rows.iter().map(Row::haystack).collect();
        self.teams = view.teams;
        self.runs = view.runs;
        if self.sources.is_empty() || !self.sources_from_sync() {
            self.sources = planned
                .into_iter()
                .map(|p| SourceNote {
                    source: p.source.to_string(),
                    state: if p.unavailable.is_some() {
                        SourceState::NotRead
                    } else {
                        SourceState::Read
                    },
                    text: p.unavailable.unwrap_or_default(),
                    warning: None,
                })
                .collect();
        }
        if self
            .notice
            .as_ref()
            .is_some_and(|(text, _)| text == "reading the ledger again")
        {
            self.notice = Some((
                format!("read {} invitations from the ledger", self.rows.len()),
                false,
            ));
        }
        self.refilter();
        if let Some(id) = keep
            && let Some(i) = self
                .shown
                .iter()
                .position(|r| self.rows[*r as usize].invite.id == id)
        {
            self.selected = i;
        }
        std::mem::take(&mut self.sync_when_open)
    }

    fn sources_from_sync(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.source == crate::invites::sync::MMOPS)
    }

    /// The tab is being shown; the first time, a sync is due once the ledger is open.
    pub fn on_show(&mut self) -> bool {
        if self.shown_once {
            return false;
        }
        self.shown_once = true;
        match self.ledger {
            LedgerState::Open(_) => true,
            LedgerState::Opening => {
                self.sync_when_open = true;
                false
            }
            _ => false,
        }
    }

    pub fn begin_sync(&mut self) -> bool {
        if self.syncing || self.ledger_path().is_none() {
            return false;
        }
        self.syncing = true;
        true
    }

    pub fn synced(&mut self, result: Result<SyncReport, String>) {
        self.syncing = false;
        let before = std::mem::take(&mut self.invalidated_just_now);
        match result {
            Ok(report) => {
                self.sources = report
                    .lines
                    .iter()
                    .map(|l| SourceNote {
                        source: l.source.to_string(),
                        state: l.state,
                        text: l.text.clone(),
                        warning: l.warning,
                    })
                    .collect();
                let failed: Vec<String> = report
                    .lines
                    .iter()
                    .filter(|l| l.state == SourceState::Failed)
                    .map(|l| l.to_string())
                    .collect();
                self.notice = Some(if failed.is_empty() {
                    (
                        format!(
                            "{}synced: {} invitations, {} changed status",
                            if before {
                                "every pending email invite was invalidated; "
                            } else {
                                ""
                            },
                            report.invitations,
                            report.changed
                        ),
                        false,
                    )
                } else {
                    (format!("sync: {}", failed.join("; ")), true)
                });
            }
            Err(err) => self.notice = Some((format!("the sync failed: {err}"), true)),
        }
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows shown, as indices into [`Self::rows`].
    pub fn shown(&self) -> &[u32] {
        &self.shown
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn finder_input(&self) -> Option<&Input> {
        self.finding.as_ref().map(|(input, _)| input)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let index = *self.shown.get(self.selected)?;
        self.rows.get(index as usize)
    }

    pub fn detail_row(&self) -> Option<&Row> {
        let id = self.detail.as_ref()?.invitation_id;
        self.rows.iter().find(|r| r.invite.id == id)
    }

    pub fn pending(&self) -> usize {
        self.counts[0]
    }

    pub fn count(&self, status: Status) -> usize {
        Status::ALL
            .iter()
            .position(|s| *s == status)
            .map(|i| self.counts[i])
            .unwrap_or(0)
    }

    /// The filters changed: the base rows are chosen again and the finder starts over.
    fn refilter(&mut self) {
        self.base = (0..self.rows.len() as u32)
            .filter(|i| self.filters.keeps(&self.rows[*i as usize]))
            .collect();
        self.finder.reset();
        self.research();
    }

    /// The query changed: the finder answers over the base rows.
    fn research(&mut self) {
        let query = match &self.finding {
            Some((input, _)) => input.text().to_string(),
            None => self.query.clone(),
        };
        let hits = self.finder.search(&self.haystacks, &self.base, &query);
        self.shown = hits.iter().map(|p| self.base[*p as usize]).collect();
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
        if self.finding.is_some() {
            self.selected = 0;
            self.offset = 0;
        }
    }

    pub fn evidence_loaded(
        &mut self,
        invitation_id: i64,
        result: Result<Vec<(String, i64, String)>, String>,
    ) {
        if let Some(detail) = self.detail.as_mut()
            && detail.invitation_id == invitation_id
        {
            detail.evidence = match result {
                Ok(items) => Evidence::Loaded(items),
                Err(err) => Evidence::Failed(err),
            };
        }
    }

    pub fn members_loaded(&mut self, team_id: &str, result: Result<Vec<MemberWay>, String>) {
        let current = self
            .members
            .as_ref()
            .and_then(|m| self.teams.get(m.team))
            .map(|t| t.id.as_str());
        if current == Some(team_id)
            && let Some(view) = self.members.as_mut()
        {
            view.loaded(result);
        }
    }

    pub fn teams_loaded(&mut self, result: Result<Vec<TeamChoice>, String>) {
        if let Some(form) = self.send.as_mut() {
            form.teams_loaded(result);
        }
    }

    pub fn channels_checked(&mut self, result: Result<(), String>) {
        if let Some(form) = self.send.as_mut() {
            form.channels_checked(result);
        }
    }

    pub fn sent(&mut self, result: Result<Vec<Sent>, String>) {
        if let Ok(sent) = &result {
            let refused = sent.iter().filter(|s| s.error.is_some()).count();
            self.notice = Some((
                format!(
                    "{} invitations sent, {refused} refused; recorded in the ledger",
                    sent.len() - refused
                ),
                refused > 0,
            ));
        }
        match self.send.as_mut() {
            Some(form) => form.sent(result),
            None => {
                if let Err(err) = result {
                    self.notice = Some((err, true));
                }
            }
        }
    }

    pub fn invalidated(&mut self, result: Result<(), String>) {
        self.notice = Some(match result {
            Ok(()) => {
                self.invalidated_just_now = true;
                (
                    "every pending email invite was invalidated; recorded, syncing".to_string(),
                    false,
                )
            }
            Err(err) => (err, true),
        });
    }

    pub fn exported(&mut self, path: &std::path::Path, result: Result<usize, String>) {
        self.notice = Some(match result {
            Ok(n) => (
                format!("exported {n} invitations to {}", path.display()),
                false,
            ),
            Err(err) => (format!("nothing exported: {err}"), true),
        });
    }

    pub fn paste(&mut self, text: &str) {
        if let Some((input, _)) = self.finding.as_mut() {
            input.insert_str(text);
            self.research();
        } else if let Some(form) = self.send.as_mut() {
            form.paste(text);
        } else if let Some((_, picker)) = self.picker.as_mut() {
            picker.paste(text);
        } else if let Some(input) = self.export.as_mut() {
            input.insert_str(text);
        }
    }

    /// A prompt, a form, a picker or a question has the keyboard.
    pub fn captures_keys(&self) -> bool {
        self.finding.is_some()
            || self.send.is_some()
            || self.picker.is_some()
            || self.confirm.is_some()
            || self.export.is_some()
    }

    /// Keys while something has the keyboard.
    pub fn handle_key(&mut self, key: KeyEvent) -> InvitesEffect {
        if let Some(confirm) = self.confirm.take() {
            // Only y: Enter must not say yes by accident.
            let yes = key.code == KeyCode::Char('y') && key.modifiers == KeyModifiers::NONE;
            return match (confirm, yes) {
                (Confirm::Invalidate { .. }, true) => {
                    self.notice = Some(("invalidating…".to_string(), false));
                    InvitesEffect::Invalidate
                }
                (_, false) => {
                    self.notice = Some(("nothing was invalidated".to_string(), false));
                    InvitesEffect::None
                }
            };
        }
        if let Some(form) = self.send.as_mut() {
            return match form.handle(key) {
                FormRequest::None => InvitesEffect::None,
                FormRequest::Close => {
                    self.send = None;
                    InvitesEffect::Reload
                }
                FormRequest::CheckChannels { team_id, channels } => {
                    InvitesEffect::CheckChannels { team_id, channels }
                }
                FormRequest::Send {
                    team,
                    emails,
                    channels,
                } => InvitesEffect::Send {
                    team,
                    emails,
                    channels,
                },
            };
        }
        if let Some((purpose, picker)) = self.picker.as_mut() {
            let purpose = *purpose;
            return match picker.handle(key) {
                Pick::Open => InvitesEffect::None,
                Pick::Cancelled => {
                    self.picker = None;
                    InvitesEffect::None
                }
                Pick::Chosen(key) => {
                    self.picker = None;
                    self.picked(purpose, &key)
                }
            };
        }
        if let Some(input) = self.export.as_mut() {
            return match input.handle(key) {
                Edit::Submit => {
                    let text = input.text().trim().to_string();
                    self.export = None;
                    if text.is_empty() {
                        return InvitesEffect::None;
                    }
                    let path = crate::config::connection::expand_tilde(std::path::Path::new(&text));
                    let path = if path.is_relative() {
                        self.export_dir.join(path)
                    } else {
                        path
                    };
                    let rows = self
                        .shown
                        .iter()
                        .map(|i| self.rows[*i as usize].invite.clone())
                        .collect();
                    InvitesEffect::Export { path, rows }
                }
                Edit::Cancel => {
                    self.export = None;
                    InvitesEffect::None
                }
                _ => InvitesEffect::None,
            };
        }
        if let Some((input, before)) = self.finding.as_mut() {
            match input.handle(key) {
                Edit::Submit => {
                    self.query = input.text().trim().to_string();
                    self.finding = None;
                }
                Edit::Cancel => {
                    self.query = std::mem::take(before);
                    self.finding = None;
                    self.research();
                }
                Edit::Changed => self.research(),
                Edit::Moved => {}
                // ↑/↓ and paging move in the answer while typing.
                Edit::Ignored => match key.code {
                    KeyCode::Down => self.move_selection(Action::Down),
                    KeyCode::Up => self.move_selection(Action::Up),
                    KeyCode::PageDown => self.move_selection(Action::PageDown),
                    KeyCode::PageUp => self.move_selection(Action::PageUp),
                    _ => {}
                },
            }
        }
        InvitesEffect::None
    }

    fn picked(&mut self, purpose: PickFor, key: &str) -> InvitesEffect {
        match purpose {
            PickFor::TeamFilter if key.is_empty() => {
                self.filters.team = None;
                self.selected = 0;
                self.refilter();
                InvitesEffect::None
            }
            PickFor::TeamFilter => {
                self.filters.team = self
                    .teams
                    .iter()
                    .find(|t| t.id == key)
                    .map(|t| (t.id.clone(), t.name.clone()))
                    .or_else(|| {
                        // A team known only from its invitations.
                        self.rows
                            .iter()
                            .find(|r| r.invite.team_id.as_deref() == Some(key))
                            .map(|r| (key.to_string(), r.team().to_string()))
                    });
                self.selected = 0;
                self.refilter();
                InvitesEffect::None
            }
            PickFor::MembersTeam => match self.teams.iter().position(|t| t.id == key) {
                Some(i) => self.show_members(i),
                None => InvitesEffect::None,
            },
        }
    }

    fn show_members(&mut self, team: usize) -> InvitesEffect {
        let Some(id) = self.teams.get(team).map(|t| t.id.clone()) else {
            self.members = Some(MembersView::new(0));
            return InvitesEffect::None;
        };
        self.members = Some(MembersView::new(team));
        InvitesEffect::Members(id)
    }

    /// Every team the ledger knows, and those known only from invitations.
    fn team_items(&self) -> Vec<PickItem> {
        let mut items: Vec<PickItem> = self
            .teams
            .iter()
            .map(|t| PickItem {
                key: t.id.clone(),
                label: t.name.clone(),
                detail: t.display_name.clone(),
            })
            .collect();
        for row in &self.rows {
            if let Some(id) = &row.invite.team_id
                && !items.iter().any(|i| &i.key == id)
            {
                items.push(PickItem {
                    key: id.clone(),
                    label: row.team().to_string(),
                    detail: String::new(),
                });
            }
        }
        items
    }

    fn move_selection(&mut self, action: Action) {
        self.selected = action.select(self.selected, self.shown.len(), self.viewport_rows);
    }

    /// An action from the tab's key table.
    pub fn perform(&mut self, action: Action) -> InvitesEffect {
        if let Some(current) = self.members.as_ref().map(|v| v.team) {
            match action {
                Action::Close | Action::Members => self.members = None,
                Action::Left | Action::Right if !self.teams.is_empty() => {
                    let n = self.teams.len();
                    let team = if action == Action::Right {
                        (current + 1) % n
                    } else {
                        (current + n - 1) % n
                    };
                    return self.show_members(team);
                }
                Action::TeamFilter if !self.teams.is_empty() => {
                    let mut picker = Picker::new(self.team_items());
                    if let Some(team) = self.teams.get(current) {
                        picker.select_key(&team.id);
                    }
                    self.picker = Some((PickFor::MembersTeam, picker));
                }
                Action::Refresh => {
                    if let Some(team) = self.teams.get(current) {
                        return InvitesEffect::Members(team.id.clone());
                    }
                }
                Action::Sync => return self.sync_effect(),
                other => {
                    if let Some(view) = self.members.as_mut() {
                        view.scroll(other);
                    }
                }
            }
            return InvitesEffect::None;
        }
        if let Some(detail) = self.detail.as_mut() {
            match action {
                Action::Close | Action::Open => self.detail = None,
                other => detail.scroll = other.scroll(detail.scroll),
            }
            return InvitesEffect::None;
        }
        match action {
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom => self.move_selection(action),
            Action::Open => {
                if let Some(id) = self.selected_row().map(|r| r.invite.id) {
                    self.detail = Some(Detail {
                        invitation_id: id,
                        evidence: Evidence::Loading,
                        scroll: 0,
                    });
                    return InvitesEffect::Evidence(id);
                }
            }
            Action::Filter if self.ledger_path().is_some() => {
                self.finding = Some((Input::with_text(&self.query), self.query.clone()));
            }
            Action::StatusFilter => {
                self.filters.next_status();
                self.selected = 0;
                self.refilter();
            }
            Action::TeamFilter => {
                let items = self.team_items();
                if items.is_empty() {
                    self.notice = Some(("no teams recorded yet".to_string(), false));
                } else {
                    let mut all = vec![PickItem {
                        key: String::new(),
                        label: "all teams".to_string(),
                        detail: String::new(),
                    }];
                    all.extend(items);
                    let mut picker = Picker::new(all);
                    if let Some((id, _)) = &self.filters.team {
                        picker.select_key(id);
                    }
                    self.picker = Some((PickFor::TeamFilter, picker));
                }
            }
            Action::ClearFilter => {
                self.filters = Filters::default();
                self.query.clear();
                self.selected = 0;
                self.refilter();
            }
            Action::Invite => {
                if !self.can_send {
                    self.notice = Some((
                        "sending invitations needs a server connection".to_string(),
                        true,
                    ));
                } else if self.ledger_path().is_none() {
                    self.notice =
                        Some(("no ledger to record the invitations in".to_string(), true));
                } else {
                    let history = self
                        .rows
                        .iter()
                        .filter_map(|r| {
                            let i = &r.invite;
                            Some((
                                i.email.clone(),
                                i.team_id.clone()?,
                                i.status.clone(),
                                i.sent_at,
                            ))
                        })
                        .collect();
                    self.send = Some(SendForm::with_history(history));
                    return InvitesEffect::LoadTeams;
                }
            }
            Action::InvalidateInvites => {
                if !self.can_send {
                    self.notice = Some((
                        "invalidating invites needs a server connection".to_string(),
                        true,
                    ));
                } else if self.ledger_path().is_none() {
                    self.notice =
                        Some(("no ledger to record the invalidation in".to_string(), true));
                } else {
                    self.confirm = Some(Confirm::Invalidate {
                        pending: self.pending(),
                    });
                }
            }
            Action::Sync => return self.sync_effect(),
            Action::Export if self.ledger_path().is_some() => {
                let now = chrono::DateTime::from_timestamp_millis(self.clock.now_ms())
                    .unwrap_or_default();
                let name = format!("mmops-invites-{}.csv", now.format("%Y%m%d-%H%M%S"));
                self.export = Some(Input::with_text(&name));
            }
            Action::Members if self.ledger_path().is_some() => {
                let team = self
                    .filters
                    .team
                    .as_ref()
                    .and_then(|(id, _)| self.teams.iter().position(|t| &t.id == id))
                    .unwrap_or(0);
                return self.show_members(team);
            }
            Action::Refresh => {
                self.notice = Some(("reading the ledger again".to_string(), false));
                return InvitesEffect::Reload;
            }
            Action::Close => self.notice = None,
            _ => {}
        }
        InvitesEffect::None
    }

    fn sync_effect(&mut self) -> InvitesEffect {
        if self.syncing {
            self.notice = Some(("a sync is already running".to_string(), false));
            InvitesEffect::None
        } else if self.ledger_path().is_none() {
            self.notice = Some(("no ledger to sync".to_string(), true));
            InvitesEffect::None
        } else {
            InvitesEffect::Sync
        }
    }

    pub fn export_dir(&self) -> &std::path::Path {
        &self.export_dir
    }
}
