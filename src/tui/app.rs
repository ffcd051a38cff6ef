//! The console's router. It holds the tabs (from the registry) and the open dialogs, and
//! routes to them: keys through the keymap to the focused view, job results to the view that
//! asked, signals to every view, timers to whoever is due; it draws the chrome around them.
//! It knows no view's insides.
//!
//! `App` never does I/O and never blocks: views start background work through their
//! [`Ctx`](super::view::Ctx), and the runtime (or a test harness) feeds results back through
//! [`App::on_msg`].

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::dialogs::{self, help::HelpDialog};
use super::env::{Env, Launch};
use super::jobs::{Envelope, Jobs, ViewId};
use super::keys::{Action, Focus, KeyMeaning, Keymap, Scope};
use super::status::{Connection, Message, Status};
use super::tabs;
use super::theme::Theme;
use super::view::{AnyView, Command, Parts, Peers, Placement, Reveal, Signal, Switch, Ui};
use super::widgets::{footer, status_bar, tab_bar};

/// A view the app holds: which tab or dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Tab(usize),
    Dialog(usize),
}

pub struct App {
    env: Env,
    theme: Theme,
    status: Status,
    jobs: Jobs,
    /// The tabs in registry order (tab `i` is `ViewId(i)`), and the actions that show them.
    tabs: Vec<Box<dyn AnyView>>,
    tab_actions: Vec<Action>,
    active: usize,
    /// Open dialogs, the top one last; it has the keyboard.
    dialogs: Vec<Box<dyn AnyView>>,
    dialog_ids: Vec<ViewId>,
    next_id: u64,
    commands: Vec<Command>,
    /// Bytes for the terminal itself (OSC 52 copies), written by the runtime after a frame.
    terminal_output: Vec<String>,
    should_quit: bool,
    suspend_requested: bool,
    dirty: bool,
    /// The server's environment while a packet opened from the console is shown.
    server: Option<Server>,
}

/// What the console showed before a packet was opened over it.
struct Server {
    env: Env,
    label: String,
    insecure: bool,
}

impl App {
    pub fn new(launch: Launch, tx: UnboundedSender<Envelope>) -> Self {
        let (env, chrome) = Env::from_launch(launch);
        let status = Status::new(chrome.server_label, chrome.insecure, env.client.is_some());
        let registered = tabs::registry(&env);
        let count = registered.len() as u64;
        let (tab_actions, tabs): (Vec<_>, Vec<_>) = registered.into_iter().unzip();
        Self {
            env,
            theme: chrome.theme,
            status,
            jobs: Jobs::new(tx),
            tabs,
            tab_actions,
            active: 0,
            dialogs: Vec::new(),
            dialog_ids: Vec::new(),
            next_id: count,
            commands: Vec::new(),
            terminal_output: Vec::new(),
            should_quit: false,
            suspend_requested: false,
            dirty: true,
            server: None,
        }
    }

    /// Starts every tab (their first loads, the log feed, the live plugin updates). Call once,
    /// inside a tokio runtime.
    pub fn start(&mut self) {
        for i in 0..self.tabs.len() {
            self.call(Target::Tab(i), |view, parts| view.on_start(parts));
        }
        if let Some(found) = self.env.capture.found.take() {
            self.take_found_capture(found);
        }
        let open_fleet = self
            .env
            .fleet
            .as_mut()
            .is_some_and(|f| std::mem::take(&mut f.open_at_start));
        if open_fleet
            && let Some(dialog) = dialogs::for_action(Action::Fleet, &self.env, &mut self.status)
        {
            self.open(dialog);
        }
        self.run_commands();
    }

    /// A capture recorded before the console started: one another mmops keeps is shown as
    /// running (`R` stops it); one nobody keeps any more is offered to be put back.
    fn take_found_capture(&mut self, found: crate::capture::Capture) {
        let ours = self
            .env
            .client
            .as_ref()
            .is_some_and(|c| c.display_name() == found.server);
        if ours && found.owner_alive() && !found.is_overdue(self.env.now_ms()) {
            self.status.capture = Some(crate::tui::status::RunningCapture::new(found));
            self.commands.push(Command::Signal(Signal::Capture));
        } else if !found.owner_alive() || found.is_overdue(self.env.now_ms()) {
            let dialog = dialogs::capture::CaptureDialog::unfinished(found, &self.env);
            self.open(Box::new(dialog));
        }
    }

    pub fn on_event(&mut self, event: Event) {
        match event {
            Event::Key(key) if matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat) => {
                self.on_key(key)
            }
            Event::Paste(text) => {
                let (target, focus) = self.focused();
                if focus.takes_text() {
                    self.call(target, |view, parts| view.on_text(&text, parts));
                    self.run_commands();
                }
            }
            _ => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        let (target, focus) = self.focused();
        let meaning = self.env.keymap.resolve(focus, &key);
        // After a login problem, refreshing first reads the credentials again.
        let reconnects = meaning == KeyMeaning::Action(Action::Refresh)
            && self.status.login_needed()
            && self.env.reconnect.is_some();
        match meaning {
            _ if reconnects => self.reconnect(),
            KeyMeaning::Action(action) => {
                self.call(target, |view, parts| view.on_action(action, parts))
            }
            KeyMeaning::Global(action) => self.global(action, focus),
            KeyMeaning::Text(c) => {
                let mut bytes = [0; 4];
                let text: &str = c.encode_utf8(&mut bytes);
                self.call(target, |view, parts| view.on_text(text, parts));
            }
            KeyMeaning::Nothing => {}
        }
        self.run_commands();
    }

    /// A job's result or a producer's message, for the view that asked.
    pub fn on_msg(&mut self, envelope: Envelope) {
        if self.jobs.is_from_before_start_over(&envelope) {
            return;
        }
        // A refusal is news about the server even when the view no longer wants the result;
        // but a refused session met with credentials read again since says nothing of them.
        if let Some(err) = &envelope.api_error
            && !(err.needs_login() && self.jobs.is_from_old_connection(&envelope))
        {
            self.status.note(err);
        }
        if !self.jobs.accept(&envelope) {
            return;
        }
        let Some(target) = self.target_of(envelope.to) else {
            return;
        };
        let msg = envelope.msg;
        self.call(target, move |view, parts| view.on_message(msg, parts));
        self.run_commands();
    }

    /// Runs sliced work and the timers that are due.
    pub fn on_timer(&mut self, now: Instant) {
        self.keep_capture_limit();
        for target in self.targets() {
            let (busy, due) = match self.view(target) {
                Some(view) => (
                    view.is_busy(),
                    view.next_deadline().is_some_and(|at| at <= now),
                ),
                None => continue,
            };
            if busy && let Some(view) = self.view_mut(target) {
                view.step();
            }
            if due {
                self.call(target, |view, parts| view.on_timer(now, parts));
            }
        }
        self.run_commands();
    }

    /// A capture past its time limit is stopped: the levels go back without asking.
    fn keep_capture_limit(&mut self) {
        let Some(running) = &self.status.capture else {
            return;
        };
        let stopping = self
            .dialog::<dialogs::capture::CaptureDialog>()
            .is_some_and(|d| d.is_working() || d.is_stopping());
        if running.capture.is_overdue(self.env.now_ms()) && !stopping && self.env.packet.is_none() {
            let dialog = dialogs::capture::CaptureDialog::stop(running.capture.clone(), true);
            self.open(Box::new(dialog));
        }
    }

    /// The next instant a timer must fire, if any: now, while there is sliced work to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.is_busy() {
            return Some(Instant::now());
        }
        self.all_views()
            .filter_map(|view| view.next_deadline())
            .chain(self.status.next_tick())
            .min()
    }

    /// Work the app does in slices between events (re-filtering the log buffer).
    pub fn is_busy(&self) -> bool {
        self.all_views().any(|view| view.is_busy())
    }

    pub fn draw(&mut self, frame: &mut Frame) {
        let area = frame.area();
        let [tab_area, body, footer_area, status_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let screen = Rect {
            height: area.height.saturating_sub(1),
            ..area
        };
        let (_, focus) = self.focused();
        let Self {
            env,
            theme,
            status,
            tabs,
            dialogs,
            tab_actions,
            active,
            ..
        } = self;
        let keymap = &env.keymap;
        let ui = Ui {
            theme,
            keymap,
            now_ms: env.now_ms(),
        };
        let buf = frame.buffer_mut();
        buf.set_style(area, theme.base);
        let titles: Vec<&str> = tabs.iter().map(|t| t.title()).collect();
        tab_bar::render(&titles, *active, tab_area, buf, theme);
        if let Some(tab) = tabs.get_mut(*active) {
            tab.draw(body, buf, &ui);
        }
        let focused: &dyn AnyView = match dialogs.last().or(tabs.get(*active)) {
            Some(view) => view.as_ref(),
            None => return,
        };
        let tab_keys = (!focus.is_modal())
            .then(|| footer::tab_range(keymap, tab_actions))
            .flatten();
        footer::render(
            keymap,
            focus,
            |binding| focused.hint(binding),
            tab_keys,
            footer_area,
            buf,
            theme,
        );
        status_bar::render(status, ui.now_ms, status_area, buf, theme);
        for dialog in dialogs.iter_mut() {
            let area = match dialog.placement() {
                Placement::Body => body,
                Placement::Screen => screen,
            };
            dialog.draw(area, buf, &ui);
        }
    }
}

/// What tests, the harness and the runtime read.
impl App {
    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    /// A Ctrl-Z was pressed: the runtime suspends the process and resumes it.
    pub fn take_suspend_request(&mut self) -> bool {
        std::mem::take(&mut self.suspend_requested)
    }

    /// Bytes to write to the terminal after the next frame.
    pub fn take_terminal_output(&mut self) -> Vec<String> {
        std::mem::take(&mut self.terminal_output)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub fn mark_drawn(&mut self) {
        self.dirty = false;
    }

    /// Background jobs started and not yet reported.
    pub fn pending_jobs(&self) -> usize {
        self.jobs.pending()
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The title of the tab shown.
    pub fn active_title(&self) -> &str {
        self.tabs.get(self.active).map_or("", |t| t.title())
    }

    /// Where the keyboard is.
    pub fn focus(&self) -> Focus {
        self.focused().1
    }

    /// A tab of type `T`.
    pub fn tab<T: 'static>(&self) -> Option<&T> {
        self.tabs.iter().find_map(|t| t.as_any().downcast_ref())
    }

    /// The topmost open dialog of type `T`.
    pub fn dialog<T: 'static>(&self) -> Option<&T> {
        self.dialogs
            .iter()
            .rev()
            .find_map(|d| d.as_any().downcast_ref())
    }

    pub fn keymap(&self) -> &Keymap {
        &self.env.keymap
    }
}

impl App {
    fn focused(&self) -> (Target, Focus) {
        match self.dialogs.last() {
            Some(dialog) => (Target::Dialog(self.dialogs.len() - 1), dialog.focus()),
            None => (
                Target::Tab(self.active),
                self.tabs
                    .get(self.active)
                    .map_or(Focus::on(Scope::Global), |t| t.focus()),
            ),
        }
    }

    fn global(&mut self, action: Action, focus: Focus) {
        let tab_count = self.tabs.len().max(1);
        match action {
            Action::Quit => self.should_quit = true,
            Action::Suspend => self.suspend_requested = true,
            Action::Help => self.open(Box::new(HelpDialog::new(focus))),
            Action::Reconnect => self.reconnect(),
            Action::NextTab => self.show_tab((self.active + 1) % tab_count),
            Action::PrevTab => self.show_tab((self.active + tab_count - 1) % tab_count),
            other => {
                if let Some(i) = self.tab_actions.iter().position(|a| *a == other) {
                    self.show_tab(i);
                } else if let Some(dialog) = dialogs::for_action(other, &self.env, &mut self.status)
                {
                    self.open(dialog);
                }
            }
        }
    }

    fn show_tab(&mut self, index: usize) {
        self.active = index;
        self.call(Target::Tab(index), |view, parts| view.on_show(parts));
    }

    /// Reads the credentials again (a new `mmops login` session, a corrected token file) and
    /// starts over with them; every view hears of it.
    fn reconnect(&mut self) {
        let Some(reconnect) = self.env.reconnect.clone() else {
            self.status.message =
                Message::Info("the credentials of this server cannot change".to_string());
            return;
        };
        match reconnect() {
            Ok((client, token_source)) => {
                // The credentials may be for another server (a first `mmops login`).
                self.status.server = client.display_name().to_string();
                self.env.client = Some(client);
                self.env.token_source = token_source;
                self.jobs.new_connection();
                self.status.connection = Connection::Connecting;
                self.commands.push(Command::Signal(Signal::Reconnected));
            }
            Err(err) => self.status.message = Message::Failed(err),
        }
    }

    /// Every tab starts over on a packet, or back on the server; the tab shown stays.
    fn switch(&mut self, to: Switch) {
        match to {
            Switch::ToPacket(packet) => {
                let label = crate::tui::status::packet_label(&packet.path);
                // The first packet over a server keeps the server to go back to.
                let keeps_server = self.server.is_none() && self.env.packet.is_none();
                let returns_to = match &self.server {
                    Some(server) => Some(server.label.clone()),
                    None => keeps_server.then(|| self.status.server.clone()),
                };
                let packet_env = self.env.for_packet(packet, returns_to);
                let previous = std::mem::replace(&mut self.env, packet_env);
                if keeps_server {
                    self.server = Some(Server {
                        env: previous,
                        label: self.status.server.clone(),
                        insecure: self.status.insecure,
                    });
                }
                self.start_over(label, false);
            }
            Switch::ToServer(launch) => {
                let fleet = self.env.fleet.clone();
                let (mut env, chrome) = Env::from_launch(*launch);
                if env.fleet.is_none() {
                    env.fleet = fleet;
                }
                if let Some(fleet) = &mut env.fleet {
                    fleet.open_at_start = false;
                }
                self.env = env;
                self.server = None;
                self.theme = chrome.theme;
                // A capture belongs to the server it runs on (the fleet refuses to leave one).
                self.status.capture = None;
                self.start_over(chrome.server_label, chrome.insecure);
            }
            Switch::BackToServer => {
                let Some(server) = self.server.take() else {
                    self.status.message = Message::Info(
                        "no server to go back to: mmops was started on a packet".into(),
                    );
                    return;
                };
                self.env = server.env;
                self.start_over(server.label, server.insecure);
            }
        }
    }

    /// New tabs over the current environment: every dialog closed, every late result of the
    /// old views dropped.
    fn start_over(&mut self, label: String, insecure: bool) {
        self.dialogs.clear();
        self.dialog_ids.clear();
        self.jobs.start_over();
        // A capture runs on the server whatever the console shows.
        let capture = self.status.capture.take();
        self.status = Status::new(label, insecure, self.env.client.is_some());
        self.status.capture = capture;
        let registered = tabs::registry(&self.env);
        let count = registered.len() as u64;
        let (tab_actions, tabs): (Vec<_>, Vec<_>) = registered.into_iter().unzip();
        self.tabs = tabs;
        self.tab_actions = tab_actions;
        self.active = self.active.min(self.tabs.len().saturating_sub(1));
        self.next_id = self.next_id.max(count);
        self.start();
        self.show_tab(self.active);
    }

    fn open(&mut self, dialog: Box<dyn AnyView>) {
        let id = ViewId(self.next_id);
        self.next_id += 1;
        tracing::debug!("dialog {} opened", dialog.title());
        self.dialogs.push(dialog);
        self.dialog_ids.push(id);
        let top = Target::Dialog(self.dialogs.len() - 1);
        self.call(top, |view, parts| view.on_start(parts));
    }

    fn close(&mut self, id: ViewId) {
        if let Some(i) = self.dialog_ids.iter().position(|d| *d == id) {
            // Dropping a working dialog stops its work: nothing is left behind.
            self.dialogs.remove(i);
            self.dialog_ids.remove(i);
            self.jobs.forget(id);
        }
    }

    /// Shows the first tab that has what `what` names.
    fn reveal(&mut self, what: &Reveal) {
        for i in 0..self.tabs.len() {
            let mut shown = false;
            self.call(Target::Tab(i), |view, parts| {
                shown = view.reveal(what, parts)
            });
            if shown {
                self.show_tab(i);
                return;
            }
        }
    }

    /// Carries out what views asked for, until nothing more is asked.
    fn run_commands(&mut self) {
        // A signal may make views signal again; a loop between them must not hang the app.
        for _ in 0..32 {
            if self.commands.is_empty() {
                return;
            }
            for command in std::mem::take(&mut self.commands) {
                match command {
                    Command::Signal(signal) => {
                        for target in self.targets() {
                            self.call(target, |view, parts| view.on_signal(signal, parts));
                        }
                    }
                    Command::Terminal(bytes) => self.terminal_output.push(bytes),
                    Command::Open(dialog) => self.open(dialog),
                    Command::Close(id) => self.close(id),
                    Command::Reveal(what) => self.reveal(&what),
                    Command::Switch(to) => {
                        self.switch(to);
                        // What the old views asked after it is not for the new ones.
                        break;
                    }
                }
            }
        }
        tracing::error!("views kept signalling each other; the rest was dropped");
        self.commands.clear();
    }

    /// Calls into one view with the app's side of the contract; the other tabs can answer its
    /// questions.
    fn call(&mut self, target: Target, f: impl FnOnce(&mut dyn AnyView, Parts<'_>)) {
        let Self {
            env,
            status,
            jobs,
            commands,
            tabs,
            dialogs,
            dialog_ids,
            ..
        } = self;
        match target {
            Target::Tab(i) => {
                let (before, rest) = tabs.split_at_mut(i);
                let Some((view, after)) = rest.split_first_mut() else {
                    return;
                };
                let parts = Parts {
                    me: ViewId(i as u64),
                    env,
                    status,
                    jobs,
                    commands,
                    peers: Peers {
                        groups: [before, after],
                    },
                };
                f(view.as_mut(), parts);
            }
            Target::Dialog(i) => {
                let Some(view) = dialogs.get_mut(i) else {
                    return;
                };
                let parts = Parts {
                    me: dialog_ids[i],
                    env,
                    status,
                    jobs,
                    commands,
                    peers: Peers {
                        groups: [tabs, &[]],
                    },
                };
                f(view.as_mut(), parts);
            }
        }
    }

    fn target_of(&self, id: ViewId) -> Option<Target> {
        match usize::try_from(id.0) {
            Ok(i) if i < self.tabs.len() => Some(Target::Tab(i)),
            _ => self
                .dialog_ids
                .iter()
                .position(|d| *d == id)
                .map(Target::Dialog),
        }
    }

    fn targets(&self) -> Vec<Target> {
        (0..self.tabs.len())
            .map(Target::Tab)
            .chain((0..self.dialogs.len()).map(Target::Dialog))
            .collect()
    }

    fn view(&self, target: Target) -> Option<&dyn AnyView> {
        match target {
            Target::Tab(i) => self.tabs.get(i).map(AsRef::as_ref),
            Target::Dialog(i) => self.dialogs.get(i).map(AsRef::as_ref),
        }
    }

    fn view_mut(&mut self, target: Target) -> Option<&mut Box<dyn AnyView>> {
        match target {
            Target::Tab(i) => self.tabs.get_mut(i),
            Target::Dialog(i) => self.dialogs.get_mut(i),
        }
    }

    fn all_views(&self) -> impl Iterator<Item = &dyn AnyView> {
        self.tabs
            .iter()
            .chain(&self.dialogs)
            .map(|view| view.as_ref())
    }
}
