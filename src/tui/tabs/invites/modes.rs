//! What the Invites tab's keys do in each of its modes: the question, the send form, a team
//! picker, the export prompt, the finder, the members view, the detail, and the table.

use super::detail::{Detail, Evidence};
use super::members::MembersView;
use super::rows::Filters;
use super::send::SendForm;
use super::{Confirm, InvitesTab, Msg, PickFor, READING_AGAIN, jobs};
use crate::tui::keys::Action;
use crate::tui::view::Ctx;
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::notice::Notice;
use crate::tui::widgets::picker::{Pick, PickItem, Picker};

impl InvitesTab {
    /// An action from the focus' tables: the mode on top takes it.
    pub(super) fn act(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if let Some(confirm) = self.confirm.take() {
            return self.answer(confirm, action, ctx);
        }
        let ledger = self.ledger_path().cloned();
        if let Some(form) = self.send.as_mut() {
            if !form.apply(action, ledger.as_deref(), ctx) {
                self.send = None;
                self.open(ctx);
            }
            return;
        }
        if let Some((purpose, picker)) = self.picker.as_mut() {
            let purpose = *purpose;
            match picker.apply(action) {
                Pick::Open => {}
                Pick::Cancelled => self.picker = None,
                Pick::Chosen(key) => {
                    self.picker = None;
                    self.picked(purpose, &key, ctx);
                }
            }
            return;
        }
        if let Some(input) = self.export.as_mut() {
            let edit = input.apply(action);
            return self.edit_export(edit, ctx);
        }
        if let Some((input, _)) = self.finding.as_mut() {
            let edit = input.apply(action);
            return self.edit_finder(edit, action);
        }
        if self.members.is_some() {
            return self.act_in_members(action, ctx);
        }
        if let Some(detail) = self.detail.as_mut() {
            match action {
                Action::Close => self.detail = None,
                other => detail.scroll = other.scroll(detail.scroll),
            }
            return;
        }
        self.act_in_table(action, ctx);
    }

    /// Typed or pasted text, into whatever takes text.
    pub(super) fn type_text(&mut self, text: &str) {
        if let Some((input, _)) = self.finding.as_mut() {
            input.type_text(text);
            self.research();
        } else if let Some(form) = self.send.as_mut() {
            form.type_text(text);
        } else if let Some((_, picker)) = self.picker.as_mut() {
            picker.type_text(text);
        } else if let Some(input) = self.export.as_mut() {
            input.type_text(text);
        }
    }

    /// Only confirm says yes: Enter must not by accident.
    fn answer(&mut self, confirm: Confirm, action: Action, ctx: &mut Ctx<'_, Msg>) {
        match (confirm, action, self.ledger_path().cloned()) {
            (Confirm::Invalidate { .. }, Action::Confirm, Some(path)) => {
                self.notice = Some(Notice::info("invalidating…"));
                jobs::invalidate(&path, ctx);
            }
            _ => self.notice = Some(Notice::info("nothing was invalidated")),
        }
    }

    fn edit_export(&mut self, edit: Edit, ctx: &mut Ctx<'_, Msg>) {
        let Some(input) = self.export.as_ref() else {
            return;
        };
        match edit {
            Edit::Submit => {
                let text = input.text().trim().to_string();
                self.export = None;
                if text.is_empty() {
                    return;
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
                jobs::export(path, rows, ctx);
            }
            Edit::Cancel => self.export = None,
            Edit::Changed | Edit::Moved | Edit::Ignored => {}
        }
    }

    fn edit_finder(&mut self, edit: Edit, action: Action) {
        let Some((input, before)) = self.finding.as_mut() else {
            return;
        };
        match edit {
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
            Edit::Ignored => {
                self.list.apply(action, self.shown.len());
            }
        }
    }

    fn picked(&mut self, purpose: PickFor, key: &str, ctx: &mut Ctx<'_, Msg>) {
        match purpose {
            PickFor::TeamFilter => {
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
            PickFor::MembersTeam => {
                if let Some(i) = self.teams.iter().position(|t| t.id == key) {
                    self.show_members(i, ctx);
                }
            }
        }
    }

    fn show_members(&mut self, team: usize, ctx: &mut Ctx<'_, Msg>) {
        let id = self.teams.get(team).map(|t| t.id.clone());
        self.members = Some(MembersView::new(if id.is_some() { team } else { 0 }));
        if let (Some(id), Some(path)) = (id, self.ledger_path().cloned()) {
            jobs::members(&path, id, ctx);
        }
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

    fn act_in_members(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let Some(current) = self.members.as_ref().map(|v| v.team) else {
            return;
        };
        match action {
            Action::Close => self.members = None,
            Action::Left | Action::Right if !self.teams.is_empty() => {
                let n = self.teams.len();
                let team = if action == Action::Right {
                    (current + 1) % n
                } else {
                    (current + n - 1) % n
                };
                self.show_members(team, ctx);
            }
            Action::TeamFilter if !self.teams.is_empty() => {
                let mut picker = Picker::new(self.team_items());
                if let Some(team) = self.teams.get(current) {
                    picker.select_key(&team.id);
                }
                self.picker = Some((PickFor::MembersTeam, picker));
            }
            Action::Refresh => self.show_members(current, ctx),
            Action::Sync => self.sync(ctx),
            other => {
                if let Some(view) = self.members.as_mut() {
                    view.scroll(other);
                }
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
                self.finding = Some((Input::with_text(&self.query), self.query.clone()));
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
                self.notice = if !self.can_send {
                    Some(Notice::problem(
                        "invalidating invites needs a server connection",
                    ))
                } else if !has_ledger {
                    Some(Notice::problem("no ledger to record the invalidation in"))
                } else {
                    self.confirm = Some(Confirm::Invalidate {
                        pending: self.pending(),
                    });
                    None
                };
            }
            Action::Sync => self.sync(ctx),
            Action::Export if has_ledger => {
                let now = chrono::DateTime::from_timestamp_millis(ctx.now_ms()).unwrap_or_default();
                let name = format!("mmops-invites-{}.csv", now.format("%Y%m%d-%H%M%S"));
                self.export = Some(Input::with_text(&name));
            }
            Action::Members if has_ledger => {
                let team = self
                    .filters
                    .team
                    .as_ref()
                    .and_then(|(id, _)| self.teams.iter().position(|t| &t.id == id))
                    .unwrap_or(0);
                self.show_members(team, ctx);
            }
            Action::Refresh => {
                self.notice = Some(Notice::info(READING_AGAIN));
                self.open(ctx);
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
        self.detail = Some(Detail {
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
        self.picker = Some((PickFor::TeamFilter, picker));
    }

    fn open_form(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if !self.can_send {
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
