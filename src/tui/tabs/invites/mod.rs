//! The Invites tab: the invitation audit from mmops' own ledger. A table of every recorded
//! invitation, newest first, flags highlighted; a fuzzy finder (`/`); status and team
//! filters; the detail with its evidence (Enter); the send form (`i`); invalidating every
//! pending invite (`X`); a sync (`s`); an export (`e`); and how each member of a team got in
//! (`m`). A header line says which sources are live and what a missing one would add.
//!
//! The work (reading and syncing the ledger, sending, exporting) runs as the tab's jobs
//! (`jobs.rs`); their results come back as [`Msg`].

pub mod detail;
mod jobs;
pub mod members;
mod modes;
pub mod rows;
pub mod send;
pub mod view;

use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use self::detail::{Detail, Evidence};
use self::members::MembersView;
use self::rows::{Filters, Row};
use self::send::SendForm;
use crate::error::Error;
use crate::fuzzy::Finder;
use crate::invites::Sent;
use crate::invites::actions::{LedgerView, PlannedSource};
use crate::invites::facts::{SourceRun, TeamFact};
use crate::invites::provenance::MemberWay;
use crate::invites::resolve::Status;
use crate::invites::rest::TeamChoice;
use crate::invites::sync::{SourceState, SourceWarning, SyncReport};
use crate::secret::Secret;
use crate::tui::env::Env;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Ui, View};
use crate::tui::widgets::input::Input;
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::notice::Notice;
use crate::tui::widgets::picker::Picker;

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

/// What the tab's jobs report.
pub enum Msg {
    Opened(Result<(LedgerView, Vec<PlannedSource>), Error>),
    Synced(Result<SyncReport, Error>),
    Evidence {
        invitation_id: i64,
        result: Result<Vec<(String, i64, String)>, Error>,
    },
    Members {
        team_id: String,
        result: Result<Vec<MemberWay>, Error>,
    },
    Teams(Result<Vec<TeamChoice>, Error>),
    ChannelsChecked(Result<(), Error>),
    Sent(Result<Vec<Sent>, Error>),
    Invalidated(Result<(), Error>),
    Exported {
        path: PathBuf,
        result: Result<usize, Error>,
    },
}

pub enum LedgerState {
    /// No ledger can be named (no server and no `--ledger`): why.
    Unavailable(String),
    Opening,
    Open(PathBuf),
    Failed(Error),
}

/// A question waiting for y.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    /// Invalidate every pending invite; how many the ledger knows of.
    Invalidate { pending: usize },
}

/// What a team picker is choosing for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PickFor {
    TeamFilter,
    MembersTeam,
}

/// What each source said in the last sync (or, before one, whether it can be read).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceNote {
    pub source: String,
    pub state: SourceState,
    pub text: String,
    pub warning: Option<SourceWarning>,
}

pub struct InvitesTab {
    ledger: LedgerState,
    rows: Vec<Row>,
    haystacks: Vec<crate::fuzzy::Haystack>,
    /// Invitations per status, in `Status::ALL` order.
    counts: [usize; 7],
    teams: Vec<TeamFact>,
    runs: Vec<SourceRun>,
    sources: Vec<SourceNote>,
    syncing: bool,
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
    list: ListState,
    detail: Option<Detail>,
    members: Option<MembersView>,
    send: Option<SendForm>,
    picker: Option<(PickFor, Picker)>,
    confirm: Option<Confirm>,
    /// The export prompt, while open.
    export: Option<Input>,
    export_dir: PathBuf,
    /// A line under the table: the outcome of an action.
    notice: Option<Notice>,
    can_send: bool,
    /// An invalidation just succeeded: the sync after it says so too.
    invalidated_just_now: bool,
    /// The widest email, team, sender and user of the rows, for the table's columns.
    widths: view::ContentWidths,
}

impl InvitesTab {
    /// Sending and invalidating need a server. Exports go to the directory mmops was started
    /// in unless given a full path.
    pub fn new(env: &Env) -> Self {
        Self {
            ledger: LedgerState::Opening,
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
            list: ListState::default(),
            detail: None,
            members: None,
            send: None,
            picker: None,
            confirm: None,
            export: None,
            export_dir: env.packet_dir.clone(),
            notice: None,
            can_send: env.client.is_some(),
            invalidated_just_now: false,
            widths: view::ContentWidths::default(),
        }
    }

    pub fn ledger_path(&self) -> Option<&PathBuf> {
        match &self.ledger {
            LedgerState::Open(path) => Some(path),
            _ => None,
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

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn is_form_open(&self) -> bool {
        self.send.is_some()
    }

    /// Why the send form cannot go on, in words.
    pub fn form_problem(&self) -> Option<String> {
        self.send.as_ref()?.problem.as_ref().map(Notice::text)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let index = *self.shown.get(self.list.selected)?;
        self.rows.get(index as usize)
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

    /// The ledger was read: rows replace the old ones, the selection stays on the same
    /// invitation. A sync follows when the tab was shown before the ledger opened.
    fn opened(
        &mut self,
        result: Result<(LedgerView, Vec<PlannedSource>), Error>,
        ctx: &mut Ctx<'_, Msg>,
    ) {
        let (view, planned) = match result {
            Ok(loaded) => loaded,
            Err(err) if matches!(self.ledger, LedgerState::Open(_)) => {
                self.notice = Some(Notice::failed("reading the ledger failed", err));
                return;
            }
            Err(err) => {
                self.ledger = LedgerState::Failed(err);
                return;
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
        self.widths = view::ContentWidths::of(&self.rows);
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
        if matches!(&self.notice, Some(Notice::Info(text)) if text == READING_AGAIN) {
            self.notice = Some(Notice::info(format!(
                "read {} invitations from the ledger",
                self.rows.len()
            )));
        }
        self.refilter();
        if let Some(id) = keep
            && let Some(i) = self
                .shown
                .iter()
                .position(|r| self.rows[*r as usize].invite.id == id)
        {
            self.list.selected = i;
        }
        if std::mem::take(&mut self.sync_when_open) {
            self.sync(ctx);
        }
    }

    fn sources_from_sync(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.source == crate::invites::sync::MMOPS)
    }

    /// Starts a sync unless one runs or there is no ledger.
    fn sync(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if self.syncing {
            self.notice = Some(Notice::info("a sync is already running"));
            return;
        }
        let Some(path) = self.ledger_path().cloned() else {
            self.notice = Some(Notice::problem("no ledger to sync"));
            return;
        };
        self.syncing = true;
        jobs::sync(&path, ctx);
    }

    fn synced(&mut self, result: Result<SyncReport, Error>, ctx: &mut Ctx<'_, Msg>) {
        self.syncing = false;
        let before = std::mem::take(&mut self.invalidated_just_now);
        let report = match result {
            Ok(report) => report,
            Err(err) => {
                self.notice = Some(Notice::failed("the sync failed", err));
                return;
            }
        };
        for line in &report.lines {
            if let Some(err) = &line.api_error {
                ctx.status.note(err);
            }
        }
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
            let invalidated = if before {
                "every pending email invite was invalidated; "
            } else {
                ""
            };
            Notice::info(format!(
                "{invalidated}synced: {} invitations, {} changed status",
                report.invitations, report.changed
            ))
        } else {
            Notice::problem(format!("sync: {}", failed.join("; ")))
        });
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
        self.list.clamp(self.shown.len());
        if self.finding.is_some() {
            self.list.reset();
        }
    }

    fn sent(&mut self, result: Result<Vec<Sent>, Error>) {
        if let Ok(sent) = &result {
            let refused = sent.iter().filter(|s| s.error.is_some()).count();
            let text = format!(
                "{} invitations sent, {refused} refused; recorded in the ledger",
                sent.len() - refused
            );
            self.notice = Some(if refused > 0 {
                Notice::problem(text)
            } else {
                Notice::info(text)
            });
        }
        match (self.send.as_mut(), result) {
            (Some(form), result) => form.sent(result),
            (None, Err(err @ Error::Invites(_))) => self.notice = Some(Notice::Error(err)),
            (None, Err(err)) => self.notice = Some(Notice::failed("sending failed", err)),
            (None, Ok(_)) => {}
        }
    }

    fn invalidated(&mut self, result: Result<(), Error>, ctx: &mut Ctx<'_, Msg>) {
        match result {
            Ok(()) => {
                self.invalidated_just_now = true;
                self.notice = Some(Notice::info(
                    "every pending email invite was invalidated; recorded, syncing",
                ));
                self.sync(ctx);
            }
            // The ledger's actions say themselves what did not happen.
            Err(err @ Error::Invites(_)) => self.notice = Some(Notice::Error(err)),
            Err(err) => self.notice = Some(Notice::failed("invalidating failed", err)),
        }
    }
}

/// The notice while `r` reads the ledger again; the answer replaces it.
const READING_AGAIN: &str = "reading the ledger again";

impl View for InvitesTab {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Invites"
    }

    fn focus(&self) -> Focus {
        if self.confirm.is_some() {
            Focus::on(Scope::Question)
        } else if let Some(form) = &self.send {
            form.focus()
        } else if self.picker.is_some() || self.export.is_some() || self.finding.is_some() {
            Focus::on(Scope::Prompt)
        } else if self.members.is_some() {
            Focus::on(Scope::InviteMembers)
        } else if self.detail.is_some() {
            Focus::on(Scope::InviteDetail)
        } else {
            Focus::on(Scope::Invites)
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.open(ctx);
    }

    /// The first time the tab is shown, the ledger is synced.
    fn on_show(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if std::mem::replace(&mut self.shown_once, true) {
            return;
        }
        match self.ledger {
            LedgerState::Open(_) => self.sync(ctx),
            LedgerState::Opening => self.sync_when_open = true,
            _ => {}
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        self.act(action, ctx);
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        self.type_text(text);
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Opened(result) => self.opened(result, ctx),
            Msg::Synced(result) => {
                self.synced(result, ctx);
                self.open(ctx);
            }
            Msg::Evidence {
                invitation_id,
                result,
            } => {
                if let Some(detail) = self.detail.as_mut()
                    && detail.invitation_id == invitation_id
                {
                    detail.evidence = match result {
                        Ok(items) => Evidence::Loaded(items),
                        Err(err) => Evidence::Failed(err),
                    };
                }
            }
            Msg::Members { team_id, result } => {
                let current = self
                    .members
                    .as_ref()
                    .and_then(|m| self.teams.get(m.team))
                    .map(|t| t.id.as_str());
                if current == Some(team_id.as_str())
                    && let Some(view) = self.members.as_mut()
                {
                    view.loaded(result);
                }
            }
            Msg::Teams(result) => {
                if let Some(form) = self.send.as_mut() {
                    form.teams_loaded(result);
                }
            }
            Msg::ChannelsChecked(result) => {
                if let Some(form) = self.send.as_mut() {
                    form.channels_checked(result);
                }
            }
            Msg::Sent(result) => {
                self.sent(result);
                self.open(ctx);
            }
            Msg::Invalidated(result) => self.invalidated(result, ctx),
            Msg::Exported { path, result } => {
                self.notice = Some(match result {
                    Ok(n) => {
                        Notice::info(format!("exported {n} invitations to {}", path.display()))
                    }
                    Err(err) => Notice::failed("nothing exported", err),
                });
            }
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        view::render(self, area, buf, ui);
    }
}

#[cfg(test)]
mod tests;
