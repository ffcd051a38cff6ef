//! What the Invites tab's keys do: in the send form when it is shown, else in the mode the tab
//! is in (the finder, the export prompt, the invalidation question, the team picker, an
//! invitation in full, a team's members) or on the table.

use super::detail::{Detail, Evidence};
use super::members::MembersView;
use super::rows::Filters;
use super::send::SendForm;
use super::{InvitesTab, Mode, Msg, READING_AGAIN, SyncFor, jobs};
use crate::tui::keys::Action;
use crate::tui::view::Ctx;
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::notice::Notice;
use crate::tui::widgets::picker::{Pick, PickItem, Picker};

impl InvitesTab {
    /// An action from the focus' tables: the form when it is shown, else the mode on top.
    pub(super) fn act(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let ledger = self.ledger_path().cloned();
        if let Some(form) = self.shown_form_mut() {
            // A send re-reads the ledger when it ends; a form closed before it changed nothing.
            if !form.apply(action, ledger.as_deref(), ctx) {
                self.send = None;
            }
            return;
        }
        // Each arm says which mode the tab is in next.
        self.mode = match std::mem::take(&mut self.mode) {
            Mode::Table => return self.act_in_table(action, ctx),
            Mode::ConfirmInvalidate { .. } => {
                self.invalidate_if_confirmed(action, ctx);
                Mode::Table
            }
            Mode::Export(mut input) => match input.apply(action) {
                Edit::Submit => {
                    self.export_to(input.text(), ctx);
                    Mode::Table
                }
                Edit::Cancel => Mode::Table,
                Edit::Changed | Edit::Moved | Edit::Ignored => Mode::Export(input),
            },
            Mode::Finding { mut input, before } => match input.apply(action) {
                Edit::Submit => {
                    self.query = input.text().trim().to_string();
                    Mode::Table
                }
                Edit::Cancel => {
                    self.query = before;
                    self.mode = Mode::Table;
                    self.research();
                    Mode::Table
                }
                edit => {
                    self.mode = Mode::Finding { input, before };
                    match edit {
                        Edit::Changed => self.research(),
                        // ↑/↓ and paging move in the answer while typing.
                        _ => {
                            self.list.apply(action, self.shown.len());
                        }
                    }
                    return;
                }
            },
            Mode::TeamFilter(mut picker) => match picker.apply(action) {
                Pick::Open => Mode::TeamFilter(picker),
                Pick::Cancelled => Mode::Table,
                Pick::Chosen(key) => {
                    self.filter_team(&key);
                    Mode::Table
                }
            },
            Mode::Detail(mut detail) => match action {
                Action::Close => Mode::Table,
                other => {
                    detail.scroll = other.scroll(detail.scroll);
                    Mode::Detail(detail)
                }
            },
            Mode::Members {
                view,
                picker: Some(mut picker),
            } => match picker.apply(action) {
                Pick::Open => Mode::Members {
                    view,
                    picker: Some(picker),
                },
                Pick::Cancelled => Mode::Members { view, picker: None },
                Pick::Chosen(key) => match self.teams.iter().position(|t| t.id == key) {
                    Some(team) => self.members_of(team, ctx),
                    None => Mode::Members { view, picker: None },
                },
            },
            Mode::Members { view, picker: None } => self.act_in_members(view, action, ctx),
        };
    }

    /// Typed or pasted text, into whatever takes text.
    pub(super) fn type_text(&mut self, text: &str) {
        if let Some(form) = self.shown_form_mut() {
            return form.type_text(text);
        }
        match &mut self.mode {
            Mode::Finding { input, .. } => {
                input.type_text(text);
                self.research();
            }
            Mode::Export(input) => {
                input.type_text(text);
            }
            Mode::TeamFilter(picker)
            | Mode::Members {
                picker: Some(picker),
                ..
            } => picker.type_text(text),
            _ => {}
        }
    }

    /// The answer to the y/n question: only confirm says yes (Enter must not by accident).
    fn invalidate_if_confirmed(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        match (action, self.ledger_path().cloned()) {
            (Action::Confirm, Some(path)) => {
                self.notice = Some(Notice::info("invalidating…"));
                jobs::invalidate(&path, ctx);
            }
            _ => self.notice = Some(Notice::info("nothing was invalidated")),
        }
    }

    /// Exports the rows shown to `name` (relative to the directory mmops was started in).
    fn export_to(&mut self, name: &str, ctx: &mut Ctx<'_, Msg>) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let path = crate::config::connection::expand_tilde(std::path::Path::new(name));
        let path = if path.is_relative() {
            ctx.env.packet_dir.join(path)
        } else {
            path
        };
        let rows = self
            .shown
            .iter()
            .map(|i| self.rows[*i as usize].invite.clone())
            .collect();
        jobs::export(path, rows, ctx);
    }

    /// The team filter set to the team `key` (empty: every team).
    fn filter_team(&mut self, key: &str) {
        self.filters.team = (!key.is_empty())
            .then(|| {
                self.teams
                    .iter()
                    .find(|t| t.id == key)
                    .map(|t| (t.id.clone(), t.name.clone()))
                    .or_else(|| {
                        // A team known only from its invitations.
                        self.rows
                            .iter()
                            .find(|r| r.invite.team_id.as_deref() == Some(key))
                            .map(|r| (key.to_string(), r.team().to_string()))
                    })
            })
            .flatten();
        self.list.reset();
        self.refilter();
    }

    /// The members view of `team` (an index into the teams), its members being read.
    fn members_of(&mut self, team: usize, ctx: &mut Ctx<'_, Msg>) -> Mode {
        let id = self.teams.get(team).map(|t| t.id.clone());
        let view = MembersView::new(if id.is_some() { team } else { 0 });
        if let (Some(id), Some(path)) = (id, self.ledger_path().cloned()) {
            jobs::members(&path, id, ctx);
        }
        Mode::Members { view, picker: None }
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

    fn act_in_members(
        &mut self,
        mut view: MembersView,
        action: Action,
        ctx: &mut Ctx<'_, Msg>,
    ) -> Mode {
        let current = view.team;
        match action {
            Action::Close => Mode::Table,
            Action::Left | Action::Right if !self.teams.is_empty() => {
                let n = self.teams.len();
                let team = if action == Action::Right {
                    (current + 1) % n
                } else {
                    (current + n - 1) % n
                };
                self.members_of(team, ctx)
            }
            Action::TeamFilter if !self.teams.is_empty() => {
                let mut picker = Picker::new(self.team_items());
                if let Some(team) = self.teams.get(current) {
                    picker.select_key(&team.id);
                }
                Mode::Members {
                    view,
                    picker: Some(picker),
                }
            }
            Action::Refresh => self.members_of(current, ctx),
            Action::Sync => {
                self.sync(SyncFor::Asked, ctx);
                Mode::Members { view, picker: None }
            }
            other => {
                view.scroll(other);
                Mode::Members { view, picker: None }
            }
        }
    }

    fn act_in_table(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if self.list.apply(action, self.shown.len()) {
            return;
        }
        let has_ledger = self.ledger_path().is_some();
        match action {
            Action::Open => self.open_detail(ctx),
            Action::Filter if has_ledger => {
                self.mode = Mode::Finding {
                    input: Input::with_text(&self.query),
                    before: self.query.clone(),
                };
            }
            Action::StatusFilter => {
                self.filters.next_status();
                self.list.reset();
                self.refilter();
            }
            Action::TeamFilter => self.pick_team_filter(),
            Action::ClearFilter => {
                self.filters = Filters::default();
                self.query.clear();
                self.list.reset();
                self.refilter();
            }
            Action::Invite => self.open_form(ctx),
            Action::InvalidateInvites => {
                self.notice = if ctx.env.client.is_none() {
                    Some(Notice::problem(
                        "invalidating invites needs a server connection",
                    ))
                } else if !has_ledger {
                    Some(Notice::problem("no ledger to record the invalidation in"))
                } else {
                    self.mode = Mode::ConfirmInvalidate {
                        pending: self.pending_invites(),
                    };
                    None
                };
            }
            Action::Sync => self.sync(SyncFor::Asked, ctx),
            Action::Export if has_ledger => {
                let now = chrono::DateTime::from_timestamp_millis(ctx.now_ms()).unwrap_or_default();
                let name = format!("mmops-invites-{}.csv", now.format("%Y%m%d-%H%M%S"));
                self.mode = Mode::Export(Input::with_text(&name));
            }
            Action::Members if has_ledger => {
                let team = self
                    .filters
                    .team
                    .as_ref()
                    .and_then(|(id, _)| self.teams.iter().position(|t| &t.id == id))
                    .unwrap_or(0);
                self.mode = self.members_of(team, ctx);
            }
            Action::Refresh => {
                self.notice = Some(Notice::info(READING_AGAIN));
                self.read_ledger(ctx);
            }
            Action::Close => self.notice = None,
            _ => {}
        }
    }

    fn open_detail(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let (Some(id), Some(path)) = (
            self.selected_row().map(|r| r.invite.id),
            self.ledger_path().cloned(),
        ) else {
            return;
        };
        self.mode = Mode::Detail(Detail {
            invitation_id: id,
            evidence: Evidence::Loading,
            scroll: 0,
        });
        jobs::evidence(&path, id, ctx);
    }

    fn pick_team_filter(&mut self) {
        let items = self.team_items();
        if items.is_empty() {
            self.notice = Some(Notice::info("no teams recorded yet"));
            return;
        }
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
        self.mode = Mode::TeamFilter(picker);
    }

    fn open_form(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if let Some(form) = self.send.as_mut() {
            form.show();
            return;
        }
        if ctx.env.client.is_none() {
            self.notice = Some(Notice::problem(
                "sending invitations needs a server connection",
            ));
            return;
        }
        if self.ledger_path().is_none() {
            self.notice = Some(Notice::problem("no ledger to record the invitations in"));
            return;
        }
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
        jobs::teams(ctx);
    }
}
