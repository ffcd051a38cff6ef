//! The fleet view (`F`, `mmops fleet`): every profile's server in one table, worst first, each
//! row refreshed on its own (a shared bound on how many at once, a deadline each), so a dead or
//! slow server shows its state in its row and holds up nothing else. Enter opens that server's
//! console in place; `a`, `e`, `x` add, edit and remove profiles in the config file, a form
//! being saved only once the server answered with its settings.
//!
//! The view keeps summaries only (see [`crate::fleet::Summary`]), and hands them to the
//! launch's `kept` list so that closing and opening it again shows the last ones at once.

use std::sync::Arc;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::error::Error;
use crate::fleet::profiles::{self, ProfileFields};
use crate::fleet::{Member, Summary};
use crate::tui::env::FleetLaunch;
use crate::tui::keys::{Action, Binding, Focus, Scope};
use crate::tui::view::{Ctx, Placement, Switch, Ui, View};
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::notice::Notice;

/// How often an open fleet view asks again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    WorstFirst,
    Name,
    Errors,
}

impl Order {
    fn next(self) -> Self {
        match self {
            Order::WorstFirst => Order::Name,
            Order::Name => Order::Errors,
            Order::Errors => Order::WorstFirst,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Order::WorstFirst => "worst first",
            Order::Name => "by name",
            Order::Errors => "by errors per minute",
        }
    }
}

/// The profile form's fields, in order.
pub const FIELDS: [&str; 6] = [
    "Name",
    "URL",
    "Token file",
    "Local socket",
    "Install dir",
    "DB URL env var",
];

pub struct Form {
    /// The profile edited (its name before the edit), or `None` for a new one.
    pub editing: Option<String>,
    pub inputs: [Input; 6],
    pub field: usize,
    /// Connecting with the form's settings.
    pub checking: bool,
    pub error: Option<String>,
}

impl Form {
    fn new(editing: Option<String>, fields: &ProfileFields) -> Self {
        Self {
            editing,
            inputs: [
                Input::with_text(&fields.name),
                Input::with_text(&fields.url),
                Input::with_text(&fields.token_file),
                Input::with_text(&fields.local_socket),
                Input::with_text(&fields.mm_home),
                Input::with_text(&fields.db_url_env),
            ],
            field: 0,
            checking: false,
            error: None,
        }
    }

    pub fn fields(&self) -> ProfileFields {
        let text = |i: usize| self.inputs[i].text().trim().to_string();
        ProfileFields {
            name: text(0),
            url: text(1),
            token_file: text(2),
            local_socket: text(3),
            mm_home: text(4),
            db_url_env: text(5),
        }
    }
}

pub enum Mode {
    Table,
    Filter(Input),
    Form(Box<Form>),
    /// Remove this profile? y/n.
    ConfirmRemove(String),
}

pub enum Msg {
    /// Member `index`'s summary (of the member list numbered `generation`).
    Row {
        generation: u64,
        index: usize,
        summary: Box<Summary>,
    },
    /// The form's server answered (its name), or did not.
    Checked(Result<String, Error>),
    /// The profile was saved or removed; the members read again.
    Saved(Result<(String, Vec<Member>), Error>),
    /// A server's console is ready to open.
    Connected(Result<Box<crate::tui::env::Launch>, Error>),
}

pub struct FleetView {
    launch: FleetLaunch,
    pub members: Vec<Member>,
    /// Each member's summary, in the members' order.
    pub rows: Vec<Summary>,
    /// The most nodes each member's cluster has reported since the view opened: a node that
    /// stops answering shows as one up of that many.
    pub nodes_seen: std::collections::HashMap<String, usize>,
    /// Bumped when the members change: rows of an older list are dropped.
    generation: u64,
    pub order: Order,
    pub query: String,
    pub list: ListState,
    pub mode: Mode,
    pub notice: Option<Notice>,
    /// Rows asked for and not yet answered.
    pub pending: usize,
    pub refreshed_ms: Option<i64>,
    next_refresh: Option<tokio::time::Instant>,
    permits: Arc<tokio::sync::Semaphore>,
}

/// A row per member: its last summary when there is one, else waiting.
fn rows_for(members: &[Member], kept: &[Summary]) -> Vec<Summary> {
    members
        .iter()
        .map(|m| {
            kept.iter()
                .find(|s| s.name == m.name && s.target == m.target)
                .cloned()
                .unwrap_or_else(|| Summary::waiting(m))
        })
        .collect()
}

impl FleetView {
    pub fn new(launch: FleetLaunch, members: Vec<Member>) -> Self {
        let kept = launch.kept.lock().map(|k| k.clone()).unwrap_or_default();
        let rows = rows_for(&members, &kept);
        let permits = Arc::new(tokio::sync::Semaphore::new(
            launch.options.concurrency.max(1),
        ));
        Self {
            launch,
            members,
            rows,
            nodes_seen: std::collections::HashMap::new(),
            generation: 0,
            order: Order::WorstFirst,
            query: String::new(),
            list: ListState::default(),
            mode: Mode::Table,
            notice: None,
            pending: 0,
            refreshed_ms: None,
            next_refresh: None,
            permits,
        }
    }

    /// The rows shown, in the order chosen: indices into `rows`.
    pub fn shown(&self, now_ms: i64) -> Vec<usize> {
        let query = self.query.to_lowercase();
        let mut shown: Vec<usize> = (0..self.rows.len())
            .filter(|i| {
                query.is_empty()
                    || self.rows[*i].name.to_lowercase().contains(&query)
                    || self.rows[*i].target.to_lowercase().contains(&query)
            })
            .collect();
        let rows = &self.rows;
        match self.order {
            Order::WorstFirst => shown.sort_by(|a, b| {
                rows[*a]
                    .health(now_ms)
                    .cmp(&rows[*b].health(now_ms))
                    .then_with(|| rows[*a].name.cmp(&rows[*b].name))
            }),
            Order::Name => shown.sort_by(|a, b| rows[*a].name.cmp(&rows[*b].name)),
            Order::Errors => shown.sort_by(|a, b| {
                let errors = |i: usize| rows[i].errors_per_minute.unwrap_or(-1.0);
                errors(*b)
                    .total_cmp(&errors(*a))
                    .then_with(|| rows[*a].name.cmp(&rows[*b].name))
            }),
        }
        shown
    }

    fn selected(&self, now_ms: i64) -> Option<usize> {
        self.shown(now_ms).get(self.list.selected).copied()
    }

    /// Asks every member again, each row on its own.
    fn refresh(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let mut options = self.launch.options.clone();
        options.now_ms = ctx.now_ms();
        let options = Arc::new(options);
        let generation = self.generation;
        for (index, member) in self.members.iter().enumerate() {
            let (member, options, permits) = (
                member.clone(),
                Arc::clone(&options),
                Arc::clone(&self.permits),
            );
            ctx.spawn_keyed(
                index as u64,
                move |result: Result<Summary, Error>| match result {
                    Ok(summary) => Msg::Row {
                        generation,
                        index,
                        summary: Box::new(summary),
                    },
                    Err(err) => Msg::Checked(Err(err)),
                },
                async move {
                    let _permit = permits.acquire_owned().await;
                    Ok::<_, Error>(crate::fleet::summarize(&member, &options).await)
                },
            );
        }
        self.pending = self.members.len();
        self.next_refresh = Some(tokio::time::Instant::now() + REFRESH_EVERY);
    }

    fn row(&mut self, generation: u64, index: usize, summary: Summary, now_ms: i64) {
        if generation != self.generation || index >= self.rows.len() {
            return;
        }
        if let Some(up) = summary.nodes_up {
            let seen = self.nodes_seen.entry(summary.name.clone()).or_default();
            *seen = (*seen).max(up);
        }
        self.rows[index] = summary;
        self.pending = self.pending.saturating_sub(1);
        if self.pending == 0 {
            self.refreshed_ms = Some(now_ms);
        }
        if let Ok(mut kept) = self.launch.kept.lock() {
            kept.clone_from(&self.rows);
        }
    }

    fn open(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Some(index) = self.selected(ctx.now_ms()) else {
            return;
        };
        if let Some(running) = &ctx.status.capture {
            self.notice = Some(Notice::problem(format!(
                "a capture runs on {}: stop it (R) before opening another server",
                crate::text::inert(&running.capture.server)
            )));
            return;
        }
        let name = self.members[index].name.clone();
        let connect = Arc::clone(&self.launch.connect);
        self.notice = Some(Notice::info(format!("opening {name}…")));
        ctx.spawn(Msg::Connected, async move {
            tokio::task::spawn_blocking(move || connect(&name).map(Box::new)).await?
        });
    }

    fn start_form(&mut self, editing: bool, ctx: &mut Ctx<'_, Msg>) {
        let fields = if editing {
            let Some(index) = self.selected(ctx.now_ms()) else {
                return;
            };
            let name = self.members[index].name.clone();
            match profiles::fields(&self.launch.paths, &name) {
                Ok(fields) => fields,
                Err(err) => {
                    self.notice = Some(Notice::problem(err.to_string()));
                    return;
                }
            }
        } else {
            ProfileFields::default()
        };
        let name = editing.then(|| fields.name.clone());
        self.mode = Mode::Form(Box::new(Form::new(name, &fields)));
    }

    /// The form's settings are tried first; only a server that answers is saved.
    fn submit_form(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Mode::Form(form) = &mut self.mode else {
            return;
        };
        let fields = form.fields();
        if let Err(why) = fields.check() {
            form.error = Some(why);
            return;
        }
        form.checking = true;
        form.error = None;
        let validate = Arc::clone(&self.launch.validate);
        ctx.spawn(Msg::Checked, validate(fields));
    }

    fn checked(&mut self, result: Result<String, Error>, ctx: &mut Ctx<'_, Msg>) {
        let Mode::Form(form) = &mut self.mode else {
            if let Err(err) = result {
                self.notice = Some(Notice::failed("the fleet", err));
            }
            return;
        };
        form.checking = false;
        match result {
            Err(err) => form.error = Some(format!("not saved: {err}")),
            Ok(server) => {
                let fields = form.fields();
                let previous = form.editing.clone();
                let (paths, members) =
                    (self.launch.paths.clone(), Arc::clone(&self.launch.members));
                ctx.spawn_each(Msg::Saved, async move {
                    tokio::task::spawn_blocking(move || {
                        profiles::save(&paths, previous.as_deref(), &fields)
                            .map_err(|e| Error::Words(e.to_string()))?;
                        Ok::<_, Error>((
                            format!("profile {} saved: {server} answered", fields.name),
                            members()?,
                        ))
                    })
                    .await?
                });
            }
        }
    }

    fn remove(&mut self, name: String, ctx: &mut Ctx<'_, Msg>) {
        self.mode = Mode::Table;
        let (paths, members) = (self.launch.paths.clone(), Arc::clone(&self.launch.members));
        ctx.spawn_each(Msg::Saved, async move {
            tokio::task::spawn_blocking(move || {
                profiles::remove(&paths, &name).map_err(|e| Error::Words(e.to_string()))?;
                Ok::<_, Error>((format!("profile {name} removed"), members()?))
            })
            .await?
        });
    }

    fn saved(&mut self, result: Result<(String, Vec<Member>), Error>, ctx: &mut Ctx<'_, Msg>) {
        match result {
            Ok((said, members)) => {
                self.mode = Mode::Table;
                self.notice = Some(Notice::info(said));
                self.generation += 1;
                self.rows = rows_for(&members, &self.rows);
                self.members = members;
                self.list.clamp(self.rows.len());
                self.refresh(ctx);
            }
            Err(err) => match &mut self.mode {
                Mode::Form(form) => form.error = Some(format!("not saved: {err}")),
                _ => self.notice = Some(Notice::failed("not saved", err)),
            },
        }
    }

    fn form_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let Mode::Form(form) = &mut self.mode else {
            return;
        };
        if form.checking {
            if action == Action::Close {
                form.checking = false;
                self.mode = Mode::Table;
            }
            return;
        }
        match action {
            Action::NextField => form.field = (form.field + 1) % FIELDS.len(),
            Action::PrevField => form.field = (form.field + FIELDS.len() - 1) % FIELDS.len(),
            Action::Submit => self.submit_form(ctx),
            Action::Close => self.mode = Mode::Table,
            other => {
                let _ = form.inputs[form.field].apply(other);
            }
        }
    }
}

impl View for FleetView {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Fleet"
    }

    fn focus(&self) -> Focus {
        match self.mode {
            Mode::Table => Focus::on(Scope::Fleet),
            Mode::Filter(_) => Focus::on(Scope::Prompt),
            Mode::Form(_) => Focus::over(Scope::FleetForm, Scope::Prompt),
            Mode::ConfirmRemove(_) => Focus::on(Scope::Question),
        }
    }

    fn placement(&self) -> Placement {
        Placement::Body
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.refresh(ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let now_ms = ctx.now_ms();
        match &mut self.mode {
            Mode::Form(_) => return self.form_action(action, ctx),
            Mode::Filter(input) => {
                match input.apply(action) {
                    Edit::Submit => self.mode = Mode::Table,
                    Edit::Cancel => {
                        self.query.clear();
                        self.mode = Mode::Table;
                    }
                    Edit::Changed => {
                        self.query = input.text().to_string();
                        self.list.reset();
                    }
                    _ => {}
                }
                return;
            }
            Mode::ConfirmRemove(name) => {
                let name = std::mem::take(name);
                if action == Action::Confirm {
                    self.remove(name, ctx);
                } else {
                    self.mode = Mode::Table;
                }
                return;
            }
            Mode::Table => {}
        }
        let len = self.shown(now_ms).len();
        if self.list.apply(action, len) {
            return;
        }
        match action {
            Action::Close => ctx.close(),
            Action::Open => self.open(ctx),
            Action::Refresh => self.refresh(ctx),
            Action::CycleView => self.order = self.order.next(),
            Action::Filter => self.mode = Mode::Filter(Input::with_text(&self.query)),
            Action::AddProfile => self.start_form(false, ctx),
            Action::EditProfile => self.start_form(true, ctx),
            Action::RemoveProfile => {
                if let Some(index) = self.selected(now_ms) {
                    self.mode = Mode::ConfirmRemove(self.members[index].name.clone());
                }
            }
            _ => {}
        }
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        match &mut self.mode {
            Mode::Filter(input) => {
                input.type_text(text);
                self.query = input.text().to_string();
                self.list.reset();
            }
            Mode::Form(form) if !form.checking => {
                let field = form.field;
                form.inputs[field].type_text(&text.replace(['\n', '\r'], ""));
            }
            _ => {}
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Row {
                generation,
                index,
                summary,
            } => self.row(generation, index, *summary, ctx.now_ms()),
            Msg::Checked(result) => self.checked(result, ctx),
            Msg::Saved(result) => self.saved(result, ctx),
            Msg::Connected(Ok(launch)) => ctx.switch(Switch::ToServer(launch)),
            Msg::Connected(Err(err)) => {
                self.notice = Some(Notice::failed("that server's console did not open", err))
            }
        }
    }

    fn next_deadline(&self) -> Option<tokio::time::Instant> {
        self.next_refresh
    }

    fn on_timer(&mut self, _now: tokio::time::Instant, ctx: &mut Ctx<'_, Msg>) {
        self.refresh(ctx);
    }

    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        binding.hint.as_deref()
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        super::fleet_view::render(self, area, buf, ui);
    }
}
