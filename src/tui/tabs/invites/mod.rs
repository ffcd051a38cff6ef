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
use crate::invites::actions::{ActionError, LedgerView, PlannedSource};
use crate::invites::facts::{SourceRun, TeamFact};
use crate::invites::provenance::MemberWay;
use crate::invites::resolve::Status;
use crate::invites::rest::TeamChoice;
use crate::invites::sync::{SourceState, SourceWarning, SyncReport};
use crate::secret::Secret;
use crate::tui::env::Env;
use crate::tui::keys::{Action, Binding, Focus, Scope};
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

impl InvitesLaunch {
    /// A support packet holds no invitations and no database to find them in.
    pub fn over_packet() -> Self {
        Self {
            no_database: Some("a support packet holds no database".into()),
            ..Self::default()
        }
    }
}

/// What the tab's jobs report.
pub enum Msg {
    Opened(Result<(LedgerView, Vec<PlannedSource>), Error>),
    Synced(Result<SyncReport, Error>),
    /// The open invitation's evidence (a newer detail's job makes an older one's stale).
    Evidence(Result<Vec<(String, i64, String)>, Error>),
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

/// What the tab shows over its table and gives the keyboard to (the send form aside: it
/// goes on sending while hidden).
#[derive(Default)]
enum Mode {
    #[default]
    Table,
    /// The finder's prompt, and the query it replaced (Esc brings it back).
    Finding {
        input: Input,
        before: String,
    },
    /// The export prompt: the file to write the rows shown to.
    Export(Input),
    /// Invalidate every pending invite? How many the ledger knows of.
    ConfirmInvalidate {
        pending: usize,
    },
    /// The team filter's picker.
    TeamFilter(Picker),
    Detail(Detail),
    /// A team's members, and the picker of another team over them while it is open.
    Members {
        view: MembersView,
        picker: Option<Picker>,
    },
}

/// Why a sync runs: its report says so after an invalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SyncFor {
    Asked,
    Invalidation,
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
    /// The sync running, if one is, and whether an invalidation's sync is to follow it.
    syncing: Option<SyncFor>,
    sync_queued: bool,
    /// The tab has been shown once: the first showing syncs.
    shown_once: bool,
    sync_when_open: bool,
    filters: Filters,
    /// Rows the filters keep, newest first (indices into `rows`).
    base: Vec<u32>,
    /// Rows shown: the finder's answer over `base` (indices into `rows`).
    shown: Vec<u32>,
    finder: Finder,
    /// The finder's query once Enter kept it.
    query: String,
    list: ListState,
    mode: Mode,
    send: Option<SendForm>,
    /// A line under the table: the outcome of an action.
    notice: Option<Notice>,
    /// The widest email, team, sender and user of the rows, for the table's columns.
    widths: view::ContentWidths,
}

impl InvitesTab {
    /// Made like every tab; this one reads the environment through its context when it acts
    /// (a reconnect can bring a client where there was none).
    pub fn new(env: &Env) -> Self {
        let ledger = match &env.packet {
            Some(_) => LedgerState::Unavailable(
                "a support packet holds no invitations: Mattermost keeps no invitation history, and mmops' ledger is kept per server. Open the server itself to read its ledger".to_string(),
            ),
            None => LedgerState::Opening,
        };
        Self {
            ledger,
            rows: Vec::new(),
            haystacks: Vec::new(),
            counts: [0; 7],
            teams: Vec::new(),
            runs: Vec::new(),
            sources: Vec::new(),
            syncing: None,
            sync_queued: false,
            shown_once: false,
            sync_when_open: false,
            filters: Filters::default(),
            base: Vec::new(),
            shown: Vec::new(),
            finder: Finder::default(),
            query: String::new(),
            list: ListState::default(),
            mode: Mode::Table,
            send: None,
            notice: None,
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
        self.shown_form().is_some()
    }

    /// The send form, unless hidden while the server works.
    fn shown_form(&self) -> Option<&SendForm> {
        self.send.as_ref().filter(|f| !f.is_hidden())
    }

    fn shown_form_mut(&mut self) -> Option<&mut SendForm> {
        self.send.as_mut().filter(|f| !f.is_hidden())
    }

    /// Why the send form cannot go on, in words.
    pub fn form_problem(&self) -> Option<String> {
        self.send.as_ref()?.problem.as_ref().map(Notice::text)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let index = *self.shown.get(self.list.selected)?;
        self.rows.get(index as usize)
    }

    pub fn pending_invites(&self) -> usize {
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
            self.sync(SyncFor::Asked, ctx);
        }
    }

    /// Finds and reads the ledger (again), unless nothing can name one.
    fn read_ledger(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let env = ctx.env;
        let nothing_to_name_it = env.invites.ledger.is_none()
            && env.client.is_none()
            && env.invites.db_url.is_none()
            && env.mm_home.is_none();
        if nothing_to_name_it {
            self.ledger = LedgerState::Unavailable(
                "give a server (--url, --local, a profile), a database (--db-url) or --ledger PATH"
                    .to_string(),
            );
            return;
        }
        if !matches!(self.ledger, LedgerState::Open(_)) {
            self.ledger = LedgerState::Opening;
        }
        jobs::read_ledger(self.ledger_path().cloned(), ctx);
    }

    fn sources_from_sync(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.source == crate::invites::sync::MMOPS)
    }

    /// Starts a sync unless there is no ledger. While one runs, a sync asked for again is
    /// refused, and one after an invalidation is started when it ends (the running one may
    /// have read the server before the invalidation).
    fn sync(&mut self, reason: SyncFor, ctx: &mut Ctx<'_, Msg>) {
        let Some(path) = self.ledger_path().cloned() else {
            self.notice = Some(Notice::problem("no ledger to sync"));
            return;
        };
        match (self.syncing, reason) {
            (None, _) => {
                self.syncing = Some(reason);
                jobs::sync(&path, ctx);
            }
            (Some(_), SyncFor::Invalidation) => self.sync_queued = true,
            (Some(_), SyncFor::Asked) => {
                self.notice = Some(Notice::info("a sync is already running"));
            }
        }
    }

    fn synced(&mut self, result: Result<SyncReport, Error>, ctx: &mut Ctx<'_, Msg>) {
        let after_invalidation = self.syncing.take() == Some(SyncFor::Invalidation);
        if std::mem::take(&mut self.sync_queued) {
            self.sync(SyncFor::Invalidation, ctx);
        }
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
            let invalidated = if after_invalidation {
                "every pending email invite was invalidated; "
            } else {
                ""
            };
            Notice::info(format!(
                "{invalidated}synced: {}, {} changed status",
                crate::text::counted(report.invitations, "invitation"),
                report.changed
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
        let finding = match &self.mode {
            Mode::Finding { input, .. } => Some(input.text().to_string()),
            _ => None,
        };
        let query = finding.clone().unwrap_or_else(|| self.query.clone());
        let hits = self.finder.search(&self.haystacks, &self.base, &query);
        self.shown = hits.iter().map(|p| self.base[*p as usize]).collect();
        self.list.clamp(self.shown.len());
        if finding.is_some() {
            self.list.reset();
        }
    }

    fn sent(&mut self, result: Result<Vec<Sent>, Error>) {
        if let Ok(sent) = &result {
            let refused = sent.iter().filter(|s| s.error.is_some()).count();
            let text = format!(
                "{} sent, {refused} refused; recorded in the ledger",
                crate::text::counted(sent.len() - refused, "invitation")
            );
            self.notice = Some(if refused > 0 {
                Notice::problem(text)
            } else {
                Notice::info(text)
            });
        }
        match self.send.as_mut() {
            Some(form) if !form.is_hidden() => return form.sent(result),
            // A hidden form's outcome is the notice; the form is done.
            _ => self.send = None,
        }
        match result {
            Err(err @ Error::Invites(ActionError::NotDone { .. })) => {
                self.notice = Some(Notice::Error(err))
            }
            Err(err) => {
                let what = "sending failed (check the ledger before sending again)";
                self.notice = Some(Notice::failed(what, err))
            }
            Ok(_) => {}
        }
    }

    fn invalidated(&mut self, result: Result<(), Error>, ctx: &mut Ctx<'_, Msg>) {
        match result {
            Ok(()) => {
                self.notice = Some(Notice::info(
                    "every pending email invite was invalidated; recorded, syncing",
                ));
                self.sync(SyncFor::Invalidation, ctx);
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
        if let Some(form) = self.shown_form() {
            return form.focus();
        }
        Focus::on(match &self.mode {
            Mode::Table => Scope::Invites,
            Mode::Finding { .. }
            | Mode::Export(_)
            | Mode::TeamFilter(_)
            | Mode::Members {
                picker: Some(_), ..
            } => Scope::Prompt,
            Mode::ConfirmInvalidate { .. } => Scope::Question,
            Mode::Detail(_) => Scope::InviteDetail,
            Mode::Members { .. } => Scope::InviteMembers,
        })
    }

    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        match self.shown_form() {
            Some(form) => form.hint(binding),
            None => binding.hint.as_deref(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if ctx.env.packet.is_none() {
            self.read_ledger(ctx);
        }
    }

    /// The first time the tab is shown, the ledger is synced.
    fn on_show(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if std::mem::replace(&mut self.shown_once, true) || ctx.env.packet.is_some() {
            return;
        }
        match self.ledger {
            LedgerState::Open(_) => self.sync(SyncFor::Asked, ctx),
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
                self.read_ledger(ctx);
            }
            Msg::Evidence(result) => {
                if let Mode::Detail(detail) = &mut self.mode {
                    detail.evidence = match result {
                        Ok(items) => Evidence::Loaded(items),
                        Err(err) => Evidence::Failed(err),
                    };
                }
            }
            Msg::Members { team_id, result } => {
                if let Mode::Members { view, .. } = &mut self.mode
                    && self.teams.get(view.team).is_some_and(|t| t.id == team_id)
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
                self.read_ledger(ctx);
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
