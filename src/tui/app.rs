//! The console's state and its reactions: keys in, worker results in, timers; a frame out.
//!
//! `App` never does I/O itself and never blocks. Work that talks to the server runs as a tokio
//! task that reports back with a [`Msg`] on the channel given at construction; the runtime (or
//! a test harness) feeds those messages back through [`App::on_msg`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::dialogs::packet::{Kind as PacketKind, PacketDialog, Request as PacketRequest};
use super::dialogs::packet_view;
use super::keys::{Action, Keymap, Scope};
use super::tabs::TabId;
use super::tabs::config::{ConfigEffect, ConfigTab, view as config_view};
use super::tabs::invites::{
    InvitesJob, InvitesLaunch, InvitesMsg, InvitesTab, view as invites_view,
};
use super::tabs::logs::{Effect, LogsLaunch, LogsTab, view as logs_view};
use super::tabs::plugins::{Live, PluginsEffect, PluginsTab, view as plugins_view};
use super::tabs::server::ServerTab;
use super::theme::Theme;
use super::widgets::status_bar::{Connection, Message, StatusInfo};
use super::widgets::{footer, help, status_bar, tab_bar};
use crate::host::MmHome;
use crate::logs::feed;
use crate::logs::source::{Backpressure, IN_FLIGHT_LIMIT, SourceEvent};
use crate::mm::ApiError;
use crate::mm::MmClient;
use crate::overview::{Blocker, Part, PartKind, Section};
use crate::packet::archive::ArchiveError;
use crate::packet::collect::{Collected, Sources, collect};
use crate::packet::server::{self as server_packet, DownloadError, Downloaded, ServerPacketInfo};
use crate::packet::{Summary, write as write_packet};
use crate::plugins::{Inventory, set_enabled};
use crate::server_config::diff::{Change, compare, read_other};
use crate::server_config::{ConfigDoc, latest_snapshot, save_snapshot};
use crate::timefmt;

mod invites;
mod plugin_events;

/// Where "now" comes from: the system clock, or a fixed instant for reproducible tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(i64),
}

impl Clock {
    pub fn now_ms(self) -> i64 {
        match self {
            Clock::System => chrono::Utc::now().timestamp_millis(),
            Clock::Fixed(ms) => ms,
        }
    }
}

/// Everything the console starts with.
pub struct Launch {
    pub client: Option<MmClient>,
    /// How the status bar names the server (URL, `local <socket>`, `DEMO`).
    pub server_label: String,
    pub insecure: bool,
    pub mm_home: Option<MmHome>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub refresh_every: Duration,
    pub clock: Clock,
    pub logs: LogsLaunch,
    /// Where the token came from, named when the server refuses it.
    pub token_source: String,
    /// The config file, for the "no server" advice.
    pub config_file: String,
    /// Builds a new client from the credentials on disk (after `mmops login` in another
    /// shell); `None` where credentials cannot change (the demo).
    pub reconnect: Option<Reconnect>,
    /// Where support packets are written (the directory mmops was started in).
    pub packet_dir: PathBuf,
    /// Where the Config tab keeps snapshots of this server's config.
    pub snapshot_dir: PathBuf,
    /// The Invites tab's ledger and database.
    pub invites: InvitesLaunch,
}

/// Re-reads credentials and returns a new client and where its token came from.
pub type Reconnect = Arc<dyn Fn() -> Result<(MmClient, String), String> + Send + Sync>;

/// Background work the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    OverviewPart {
        generation: u64,
        kind: PartKind,
    },
    SaveLogs,
    /// A step of the support-packet dialog of this generation.
    Packet {
        generation: u64,
    },
    PluginsLoad {
        generation: u64,
    },
    PluginToggle,
    ConfigLoad {
        generation: u64,
    },
    ConfigFile,
    Invites(InvitesJob),
}

/// What a refresh of the Server tab reloads besides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refresh {
    /// At start and on `r` in the Server tab: the plugins and the config too.
    Everything,
    /// The periodic refresh: the plugins only while no live events come, never the config.
    Timer,
}

/// Results reported by background work.
#[derive(Debug)]
pub enum Msg {
    /// One part of a Server-tab load.
    OverviewPart {
        generation: u64,
        part: Box<Part>,
    },
    /// A job ended without its result (it panicked or was cancelled).
    JobFailed {
        job: Job,
        reason: String,
    },
    /// Lines or a state change from the log feed of this generation.
    Log {
        generation: u64,
        event: SourceEvent,
    },
    /// The Logs tab's save finished: lines written, or why not.
    LogsSaved {
        path: PathBuf,
        result: Result<usize, String>,
    },
    /// What can go in the packet mmops builds.
    PacketCollected {
        generation: u64,
        collected: Box<Collected>,
    },
    PacketWritten {
        generation: u64,
        result: Result<Summary, ArchiveError>,
    },
    /// Whether the server can build its own packet, and its plugin packets.
    ServerPacketChecked {
        generation: u64,
        result: Result<ServerPacketInfo, String>,
    },
    ServerPacketSaved {
        generation: u64,
        result: Result<Downloaded, DownloadError>,
    },
    PluginsLoaded {
        generation: u64,
        result: Box<Result<Inventory, ApiError>>,
    },
    PluginToggled {
        name: String,
        enable: bool,
        result: Result<(), ApiError>,
    },
    ConfigLoaded {
        generation: u64,
        result: Box<Result<ConfigDoc, String>>,
    },
    ConfigSnapshotSaved {
        result: Result<PathBuf, String>,
    },
    ConfigCompared {
        other: String,
        result: Result<Vec<Change>, String>,
    },
    Invites(InvitesMsg),
    /// The plugin listener's news; `counted` when it is the first, which a job waits for.
    PluginEvents {
        generation: u64,
        update: plugin_events::PluginEvents,
        counted: bool,
    },
}

pub struct App {
    launch: Launch,
    tx: UnboundedSender<Msg>,
    active: TabId,
    help_scroll: Option<u16>,
    help_lines: u16,
    server: ServerTab,
    plugins: PluginsTab,
    config: ConfigTab,
    logs: LogsTab,
    invites: InvitesTab,
    status: StatusInfo,
    should_quit: bool,
    suspend_requested: bool,
    dirty: bool,
    pending: usize,
    next_refresh: Option<Instant>,
    /// The server asked us to wait (429 with Retry-After) until then.
    rate_limited_until: Option<Instant>,
    /// Bytes for the terminal itself (OSC 52 copies), written by the runtime after a frame.
    terminal_output: Vec<String>,
    /// Log lines sent by the feed and not yet taken: a feed that runs ahead waits.
    log_pressure: Arc<Backpressure>,
    /// The support-packet dialog, when open.
    packet: Option<PacketDialog>,
    packet_generation: u64,
    plugin_events_generation: u64,
    plugin_events_task: Option<tokio::task::AbortHandle>,
}

impl App {
    pub fn new(launch: Launch, tx: UnboundedSender<Msg>) -> Self {
        let status = StatusInfo {
            server: launch.server_label.clone(),
            insecure: launch.insecure,
            connection: if launch.client.is_some() {
                Connection::Connecting
            } else {
                Connection::NotConfigured
            },
            user: None,
            version: None,
            message: Message::None,
        };
        let kinds = feed::available(
            &launch.logs.files,
            launch.mm_home.as_ref(),
            launch.client.as_ref(),
        );
        let logs = LogsTab::new(&launch.logs, kinds);
        let server = ServerTab::new(
            launch.client.is_some(),
            launch.mm_home.clone(),
            launch.config_file.clone(),
            launch.token_source.clone(),
        );
        let plugins = PluginsTab::new(launch.client.is_some());
        let mut config = ConfigTab::new(launch.client.is_some() || launch.mm_home.is_some());
        config.suggestion = latest_snapshot(&launch.snapshot_dir);
        let invites = InvitesTab::new(
            launch.client.is_some(),
            launch.packet_dir.clone(),
            launch.clock,
        );
        Self {
            launch,
            tx,
            active: TabId::Server,
            help_scroll: None,
            help_lines: 0,
            server,
            plugins,
            config,
            logs,
            invites,
            status,
            should_quit: false,
            suspend_requested: false,
            dirty: true,
            pending: 0,
            next_refresh: None,
            rate_limited_until: None,
            terminal_output: Vec::new(),
            log_pressure: Backpressure::new(IN_FLIGHT_LIMIT),
            packet: None,
            packet_generation: 0,
            plugin_events_generation: 0,
            plugin_events_task: None,
        }
    }

    /// Kicks off the first loads and the log feed. Call once, inside a tokio runtime.
    pub fn start(&mut self) {
        self.refresh_overview(Refresh::Everything);
        if self.launch.client.is_none() {
            // No server: the Config tab can still show the install's config.json.
            self.load_config();
        }
        self.start_log_feed();
        self.open_invites();
        self.start_plugin_events();
    }

    fn start_log_feed(&mut self) {
        let tx = self.tx.clone();
        let pressure = Arc::clone(&self.log_pressure);
        self.logs
            .start_feed(self.launch.client.as_ref(), move |generation| {
                let (tx, pressure) = (tx.clone(), Arc::clone(&pressure));
                Arc::new(move |event| {
                    if let SourceEvent::Lines { batch, .. } = &event
                        && !pressure.reserve(batch.byte_len(), || tx.is_closed())
                    {
                        return false;
                    }
                    tx.send(Msg::Log { generation, event }).is_ok()
                })
            });
    }

    pub fn logs_tab(&self) -> &LogsTab {
        &self.logs
    }

    /// Work the app does in slices between events (re-filtering the log buffer).
    pub fn is_busy(&self) -> bool {
        self.logs.is_busy()
    }

    /// Bytes to write to the terminal after the next frame.
    pub fn take_terminal_output(&mut self) -> Vec<String> {
        std::mem::take(&mut self.terminal_output)
    }

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn mark_drawn(&mut self) {
        self.dirty = false;
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Background jobs started and not yet reported.
    pub fn pending_jobs(&self) -> usize {
        self.pending
    }

    pub fn active_tab(&self) -> TabId {
        self.active
    }

    pub fn server_tab(&self) -> &ServerTab {
        &self.server
    }

    pub fn plugins_tab(&self) -> &PluginsTab {
        &self.plugins
    }

    pub fn config_tab(&self) -> &ConfigTab {
        &self.config
    }

    pub fn invites_tab(&self) -> &InvitesTab {
        &self.invites
    }

    pub fn status(&self) -> &StatusInfo {
        &self.status
    }

    /// A Ctrl-Z was pressed: the runtime suspends the process and resumes it.
    pub fn take_suspend_request(&mut self) -> bool {
        std::mem::take(&mut self.suspend_requested)
    }

    /// The support-packet dialog, when open.
    pub fn packet_dialog(&self) -> Option<&PacketDialog> {
        self.packet.as_ref()
    }

    /// The next instant a timer must fire, if any: now, while there is sliced work to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.is_busy() {
            return Some(Instant::now());
        }
        // A progress bar moves five times a second.
        if self.packet.as_ref().is_some_and(PacketDialog::is_working) {
            return Some(Instant::now() + Duration::from_millis(200));
        }
        // A rate-limit countdown in the status bar ticks every second.
        let countdown = self
            .rate_limited_until
            .filter(|until| *until > Instant::now())
            .map(|_| Instant::now() + Duration::from_secs(1));
        [self.next_refresh, countdown].into_iter().flatten().min()
    }

    pub fn on_timer(&mut self, now: Instant) {
        if self.rate_limited_until.is_some()
            || self.packet.as_ref().is_some_and(PacketDialog::is_working)
        {
            self.dirty = true;
        }
        if self.logs.is_busy() {
            self.logs.step();
            self.dirty = true;
        }
        if self.next_refresh.is_some_and(|at| at <= now) {
            self.next_refresh = None;
            self.refresh_overview(Refresh::Timer);
        }
    }

    pub fn on_event(&mut self, event: Event) {
        match event {
            Event::Key(key) if matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat) => {
                self.on_key(key)
            }
            Event::Paste(text) if self.active == TabId::Config => {
                self.config.paste(&text);
                self.dirty = true;
            }
            Event::Paste(text) if self.active == TabId::Logs => {
                self.logs.paste(&text);
                self.dirty = true;
            }
            Event::Paste(text) if self.active == TabId::Invites => {
                self.invites.paste(&text);
                self.dirty = true;
            }
            Event::Resize(_, _) | Event::FocusGained => self.dirty = true,
            _ => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if self.help_scroll.is_none() && self.packet.is_some() {
            self.packet_key(key);
            return;
        }
        if self.help_scroll.is_none() && self.active == TabId::Config && self.config.captures_keys()
        {
            let effect = self.config.handle_key(key);
            self.apply_config(effect);
            self.dirty = true;
            return;
        }
        if self.help_scroll.is_none()
            && self.active == TabId::Plugins
            && self.plugins.captures_keys()
        {
            let action = self.launch.keymap.table(Scope::Plugins).action_for(&key);
            let effect = self.plugins.perform(action.unwrap_or(Action::Close));
            self.apply_plugins(effect);
            self.dirty = true;
            return;
        }
        // A prompt, the send form, a picker or a question takes every key but Ctrl-C.
        if self.help_scroll.is_none()
            && self.active == TabId::Invites
            && self.invites.captures_keys()
        {
            if key.code == crossterm::event::KeyCode::Char('c')
                && key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL)
            {
                self.should_quit = true;
            } else {
                let effect = self.invites.handle_key(key);
                self.apply_invites(effect);
            }
            self.dirty = true;
            return;
        }
        // A prompt, the detail view or the level picker takes every key but Ctrl-C.
        if self.help_scroll.is_none() && self.active == TabId::Logs && self.logs.captures_keys() {
            let quit = self.launch.keymap.table(Scope::Global).action_for(&key)
                == Some(Action::Quit)
                && key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL);
            if quit {
                self.should_quit = true;
            } else {
                let effect = self.logs.handle_key(key);
                self.apply(effect);
            }
            self.dirty = true;
            return;
        }
        let keymap = &self.launch.keymap;
        let action = if self.help_scroll.is_some() {
            keymap.table(Scope::Help).action_for(&key).or_else(|| {
                keymap
                    .table(Scope::Global)
                    .action_for(&key)
                    .filter(|a| matches!(a, Action::Quit | Action::Suspend))
            })
        } else {
            keymap
                .table(self.active.scope())
                .action_for(&key)
                .or_else(|| keymap.table(Scope::Global).action_for(&key))
        };
        if let Some(action) = action {
            self.perform(action);
        }
    }

    pub fn perform(&mut self, action: Action) {
        self.dirty = true;
        if let Some(scroll) = self.help_scroll.as_mut() {
            match action {
                Action::Close | Action::Help => self.help_scroll = None,
                Action::Down => *scroll = scroll.saturating_add(1).min(self.help_lines),
                Action::Up => *scroll = scroll.saturating_sub(1),
                Action::PageDown => *scroll = scroll.saturating_add(10).min(self.help_lines),
                Action::PageUp => *scroll = scroll.saturating_sub(10),
                Action::Top => *scroll = 0,
                Action::Bottom => *scroll = self.help_lines,
                Action::Quit => self.should_quit = true,
                Action::Suspend => self.suspend_requested = true,
                _ => {}
            }
            return;
        }
        match action {
            Action::Quit => self.should_quit = true,
            Action::Suspend => self.suspend_requested = true,
            Action::Help => self.help_scroll = Some(0),
            Action::Packet => self.open_packet(PacketKind::Built),
            Action::ServerPacket => self.open_packet(PacketKind::Server),
            Action::NextTab => self.show_tab(self.active.next()),
            Action::PrevTab => self.show_tab(self.active.prev()),
            Action::ShowServer
            | Action::ShowPlugins
            | Action::ShowLogs
            | Action::ShowConfig
            | Action::ShowInvites => {
                if let Some(tab) = TabId::for_action(action) {
                    self.show_tab(tab);
                }
            }
            _ if self.active == TabId::Config
                && !matches!(action, Action::Packet | Action::ServerPacket) =>
            {
                let effect = self.config.perform(action);
                self.apply_config(effect);
            }
            _ if self.active == TabId::Plugins
                && !matches!(action, Action::Packet | Action::ServerPacket) =>
            {
                let effect = self.plugins.perform(action);
                self.apply_plugins(effect);
            }
            _ if self.active == TabId::Invites => {
                let effect = self.invites.perform(action);
                self.apply_invites(effect);
            }
            Action::Refresh if self.active == TabId::Server => {
                if self.status.connection == Connection::LoginNeeded {
                    self.reconnect();
                }
                self.refresh_overview(Refresh::Everything);
            }
            _ if self.active == TabId::Logs => {
                if action == Action::SwitchSource {
                    if self.logs.switch_source() {
                        self.start_log_feed();
                    }
                } else {
                    let effect = self.logs.perform(action);
                    self.apply(effect);
                }
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
                if self.active == TabId::Server =>
            {
                self.server.scroll(action)
            }
            // Keys of a tab that is not shown.
            _ => {}
        }
    }

    pub fn on_msg(&mut self, msg: Msg) {
        if let Msg::PluginEvents {
            generation,
            update,
            counted,
        } = msg
        {
            if counted {
                self.pending = self.pending.saturating_sub(1);
            }
            self.on_plugin_events(generation, update);
            return;
        }
        if let Msg::Log { generation, event } = msg {
            if let SourceEvent::Lines { batch, .. } = &event {
                self.log_pressure.release(batch.byte_len());
            }
            if generation == self.logs.generation() {
                self.logs.ingest(event);
                self.dirty = true;
            }
            return;
        }
        self.pending = self.pending.saturating_sub(1);
        match msg {
            Msg::OverviewPart { generation, part } => self.take_part(generation, *part),
            Msg::JobFailed { job, reason } => self.job_failed(job, &reason),
            Msg::LogsSaved { path, result } => {
                match result {
                    Ok(lines) => self.logs.set_notice(
                        format!(
                            "saved {} lines to {}",
                            timefmt::count(lines as i64),
                            path.display()
                        ),
                        false,
                    ),
                    Err(err) => self.logs.set_notice(format!("nothing saved: {err}"), true),
                }
                self.dirty = true;
            }
            Msg::ConfigLoaded { generation, result } => {
                let now_ms = self.launch.clock.now_ms();
                self.config.loaded(generation, *result, now_ms);
                self.dirty = true;
            }
            Msg::ConfigSnapshotSaved { result } => {
                self.config.snapshot_saved(result);
                self.dirty = true;
            }
            Msg::ConfigCompared { other, result } => {
                self.config.compared(other, result);
                self.dirty = true;
            }
            Msg::Invites(msg) => self.on_invites_msg(msg),
            Msg::PluginsLoaded { generation, result } => {
                if let Err(err) = result.as_ref() {
                    self.note_rate_limit(err.retry_after());
                }
                self.plugins.loaded(generation, *result);
                self.dirty = true;
            }
            Msg::PluginToggled {
                name,
                enable,
                result,
            } => {
                let ok = result.is_ok();
                self.plugins.toggled(&name, enable, result);
                if ok {
                    self.load_plugins();
                }
                self.dirty = true;
            }
            Msg::PacketCollected {
                generation,
                collected,
            } => {
                if let Some(dialog) = self.packet_of(generation) {
                    dialog.on_collected(*collected);
                }
            }
            Msg::ServerPacketChecked { generation, result } => {
                if let Some(dialog) = self.packet_of(generation) {
                    dialog.on_checked(result);
                }
            }
            Msg::PacketWritten { generation, result } => {
                if let Some(dialog) = self.packet_of(generation) {
                    let request = dialog.on_written(result);
                    self.packet_request(request);
                }
            }
            Msg::ServerPacketSaved { generation, result } => {
                if let Some(dialog) = self.packet_of(generation) {
                    let request = dialog.on_downloaded(result);
                    self.packet_request(request);
                }
            }
            Msg::Log { .. } | Msg::PluginEvents { .. } => {}
        }
    }

    /// Starts loading the Server tab's data (a newer load supersedes a running one), and with
    /// it what `scope` says.
    fn refresh_overview(&mut self, scope: Refresh) {
        let Some(client) = self.launch.client.clone() else {
            return;
        };
        if let Some(until) = self.rate_limited_until.filter(|u| *u > Instant::now()) {
            let wait = until
                .saturating_duration_since(Instant::now())
                .as_secs()
                .max(1);
            self.status.message = Message::Error(format!(
                "rate limited by the server: the next refresh is in {wait}s"
            ));
            self.dirty = true;
            return;
        }
        // A newer load wins: parts of an older one are dropped by their generation.
        let generation = self.server.begin_load(client.is_local());
        self.status.message = Message::Info("refreshing…".to_string());
        self.dirty = true;
        match scope {
            Refresh::Everything => {
                self.load_plugins();
                self.load_config();
            }
            // The plugins are polled only while no live events tell their changes; the config
            // is read again on `r` only, so it does not change under someone reading it.
            Refresh::Timer if self.plugins.live != Live::Live => self.load_plugins(),
            Refresh::Timer => {}
        }
        for kind in PartKind::ALL {
            let client = client.clone();
            let home = self.launch.mm_home.clone();
            self.spawn_job(Job::OverviewPart { generation, kind }, async move {
                let part = Part::fetch(kind, &client, home.as_ref()).await;
                Msg::OverviewPart {
                    generation,
                    part: Box::new(part),
                }
            });
        }
    }

    /// After a login problem, `r` first takes the credentials again (a new `mmops login`
    /// session, a corrected token file).
    fn reconnect(&mut self) {
        let Some(reconnect) = self.launch.reconnect.clone() else {
            return;
        };
        match reconnect() {
            Ok((client, token_source)) => {
                self.launch.client = Some(client);
                self.server.set_token_source(token_source.clone());
                self.launch.token_source = token_source;
                if self.logs.uses_rest() {
                    self.start_log_feed();
                }
                self.start_plugin_events();
            }
            Err(err) => self.status.message = Message::Error(format!("credentials: {err}")),
        }
    }

    /// Runs background work that reports with one message. If the work panics, a
    /// [`Msg::JobFailed`] is sent instead, so no job is ever left pending.
    fn spawn_job<F>(&mut self, job: Job, work: F)
    where
        F: std::future::Future<Output = Msg> + Send + 'static,
    {
        let tx = self.tx.clone();
        self.pending += 1;
        tokio::spawn(async move {
            let msg = match tokio::spawn(work).await {
                Ok(msg) => msg,
                Err(err) => Msg::JobFailed {
                    job,
                    reason: if err.is_panic() {
                        "an internal error (see mmops' log)".to_string()
                    } else {
                        "it was cancelled".to_string()
                    },
                },
            };
            // The receiver is gone only when the app has quit; nothing is left to tell.
            let _ = tx.send(msg);
        });
    }

    /// Carries out what a tab asked for.
    fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Terminal(bytes) => self.terminal_output.push(bytes),
            Effect::Save { path, bytes, lines } => {
                self.spawn_job(Job::SaveLogs, async move {
                    let target = path.clone();
                    let result = blocking(move || save_lines(&target, &bytes, lines)).await;
                    Msg::LogsSaved { path, result }
                });
            }
        }
    }

    fn job_failed(&mut self, job: Job, reason: &str) {
        tracing::error!(?job, "background job failed: {reason}");
        match job {
            Job::ConfigLoad { generation } => {
                let now_ms = self.launch.clock.now_ms();
                self.config.loaded(
                    generation,
                    Err(format!("loading the config failed: {reason}")),
                    now_ms,
                );
            }
            Job::ConfigFile => self.config.notice = Some((format!("failed: {reason}"), true)),
            Job::PluginsLoad { generation } => {
                let err = ApiError::Other(format!("loading the plugins failed: {reason}"));
                self.plugins.loaded(generation, Err(err));
            }
            Job::PluginToggle => {
                self.plugins.notice = Some((format!("the plugin change failed: {reason}"), true))
            }
            Job::Packet { generation } => {
                if let Some(dialog) = self.packet_of(generation) {
                    dialog.on_failed(reason);
                }
            }
            Job::SaveLogs => self
                .logs
                .set_notice(format!("saving failed: {reason}"), true),
            Job::Invites(job) => self.invites_job_failed(job, reason),
            Job::OverviewPart { generation, kind } => {
                let err = ApiError::Other(format!("loading this failed: {reason}"));
                let part = match kind {
                    PartKind::Ping => Part::Ping(Section::Failed(err)),
                    PartKind::Config => Part::Config(Section::Failed(err)),
                    PartKind::License => Part::License(Section::Failed(err)),
                    PartKind::Stats => Part::Stats(Section::Failed(err)),
                    PartKind::Cluster => Part::Cluster(Section::Failed(err)),
                    PartKind::Schema => Part::Schema(Section::Failed(err)),
                    PartKind::Me => Part::Me(Section::Failed(err)),
                    PartKind::Host => Part::Host(None),
                };
                self.take_part(generation, part);
            }
        }
        self.dirty = true;
    }

    fn take_part(&mut self, generation: u64, part: Part) {
        let now_ms = self.launch.clock.now_ms();
        self.dirty = true;
        if self.server.apply_part(generation, part, now_ms) {
            let version = self.launch.client.as_ref().and_then(MmClient::version);
            self.server.set_version(version);
            self.finish_load(now_ms);
        }
    }

    /// Every part of a load has arrived: update the status bar and plan the next refresh.
    fn finish_load(&mut self, fetched_at_ms: i64) {
        let Some(overview) = self.server.overview() else {
            return;
        };
        let headline = overview.headline_error().cloned();
        let unhealthy = overview.ping.loaded().is_some_and(|p| !p.is_healthy());
        let connection = match overview.blocker() {
            Some(Blocker::LoginNeeded(_)) => Connection::LoginNeeded,
            Some(Blocker::Unreachable(_)) => Connection::Unreachable,
            None if unhealthy => Connection::Unhealthy,
            None if headline.is_some() => Connection::Degraded,
            None => Connection::Connected,
        };
        let user = overview.me.loaded().map(|u| u.username.clone());
        let version = overview
            .version
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| {
                overview
                    .config
                    .loaded()
                    .and_then(|c| c.version())
                    .map(str::to_string)
            });
        let local = overview.local_mode;
        let retry_after = [
            overview.ping.error(),
            overview.config.error(),
            overview.license.error(),
            overview.stats.error(),
            overview.cluster.error(),
            overview.schema.error(),
            overview.me.error(),
        ]
        .into_iter()
        .flatten()
        .filter_map(ApiError::retry_after)
        .max();
        self.status.user = user.or_else(|| local.then(|| "local mode".to_string()));
        self.status.version = version;
        self.status.connection = connection;
        self.status.message = match &headline {
            Some(err) => Message::Error(err.to_string()),
            None => Message::Info(format!("refreshed {}", timefmt::utc_clock(fetched_at_ms))),
        };
        self.note_rate_limit(retry_after);
        // An expired session will not heal by retrying: wait for the user.
        let wait = match &headline {
            Some(err) if err.needs_login() => None,
            Some(_) => Some(retry_after.unwrap_or(self.launch.refresh_every)),
            None => Some(self.launch.refresh_every),
        };
        self.next_refresh = wait.map(|w| Instant::now() + w);
    }

    pub fn draw(&mut self, frame: &mut Frame) {
        let area = frame.area();
        let [tabs, body, footer_area, status_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let theme = &self.launch.theme;
        let buf = frame.buffer_mut();
        buf.set_style(area, theme.base);
        tab_bar::render(self.active, tabs, buf, theme);
        self.draw_body(body, buf);
        let keymap = &self.launch.keymap;
        let theme = &self.launch.theme;
        if self.help_scroll.is_some() {
            footer::render(&[keymap.table(Scope::Help)], footer_area, buf, theme);
        } else if let Some(dialog) = &self.packet {
            // Only the keys that mean something in this dialog.
            let mut table = keymap.table(Scope::Packet).clone();
            let (drop, plugins) = match dialog.kind {
                PacketKind::Built => (Action::TogglePlugin, None),
                PacketKind::Server => (Action::TogglePrivacy, Some("plugin packet")),
            };
            table.bindings.retain(|b| b.action != drop);
            if let Some(hint) = plugins {
                for binding in &mut table.bindings {
                    match binding.action {
                        Action::TogglePlugin => binding.hint = Some(hint),
                        Action::Open => binding.hint = Some("download"),
                        _ => {}
                    }
                }
            }
            // Once written (or failed), the options no longer apply.
            if let Some(enter) = dialog.finished() {
                table
                    .bindings
                    .retain(|b| matches!(b.action, Action::Open | Action::Close));
                for binding in &mut table.bindings {
                    if binding.action == Action::Open {
                        binding.hint = Some(enter);
                    }
                }
            }
            footer::render(&[&table], footer_area, buf, theme);
        } else {
            footer::render(
                &[
                    keymap.table(self.active.scope()),
                    keymap.table(Scope::Global),
                ],
                footer_area,
                buf,
                theme,
            );
        }
        status_bar::render(&self.status_now(), status_area, buf, theme);
        if let Some(dialog) = self.packet.as_mut() {
            packet_view::render(dialog, body, buf, theme);
        }
        if let Some(scroll) = self.help_scroll {
            let first = if self.packet.is_some() {
                Scope::Packet
            } else {
                self.active.scope()
            };
            let lines = help::lines(keymap, first, theme);
            let overlay = Rect {
                height: area.height.saturating_sub(1),
                ..area
            };
            let total = help::render(lines, overlay, buf, scroll, theme);
            self.help_lines =
                total.saturating_sub(help::area_for(overlay).height.saturating_sub(2));
        }
    }

    /// Keeps the latest deadline a server's Retry-After gave, whichever tab's request got it,
    /// so the status bar counts down to when asking again makes sense.
    fn note_rate_limit(&mut self, retry_after: Option<Duration>) {
        let now = Instant::now();
        let current = self.rate_limited_until.filter(|until| *until > now);
        self.rate_limited_until = match (current, retry_after.map(|wait| now + wait)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// The status bar's content, with the rate-limit countdown when there is one.
    fn status_now(&self) -> StatusInfo {
        let mut status = self.status.clone();
        if let Some(until) = self.rate_limited_until {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                status.message = Message::Error(format!(
                    "rate limited by the server: retrying in {}s",
                    left.as_secs() + 1
                ));
            }
        }
        status
    }

    fn draw_body(&mut self, area: Rect, buf: &mut ratatui::buffer::Buffer) {
        let theme = &self.launch.theme;
        match self.active {
            TabId::Server => self.server.render(area, buf, theme),
            TabId::Logs => logs_view::render(&mut self.logs, area, buf, theme),
            TabId::Plugins => plugins_view::render(&mut self.plugins, area, buf, theme),
            TabId::Config => config_view::render(&mut self.config, area, buf, theme),
            TabId::Invites => {
                let now_ms = self.launch.clock.now_ms();
                invites_view::render(&mut self.invites, now_ms, area, buf, theme)
            }
        }
    }
}

impl App {
    /// Loads the Config tab: from the server, or from the install dir without one.
    fn load_config(&mut self) {
        let client = self.launch.client.clone();
        let home = self.launch.mm_home.clone();
        if client.is_none() && home.is_none() {
            return;
        }
        let generation = self.config.begin_load();
        self.spawn_job(Job::ConfigLoad { generation }, async move {
            let result = match (client, home) {
                (Some(client), _) => ConfigDoc::load(&client).await.map_err(|e| e.to_string()),
                (None, Some(home)) => blocking(move || ConfigDoc::from_install(&home)).await,
                (None, None) => Err("no server and no install directory".to_string()),
            };
            Msg::ConfigLoaded {
                generation,
                result: Box::new(result),
            }
        });
    }

    fn apply_config(&mut self, effect: ConfigEffect) {
        match effect {
            ConfigEffect::None => {}
            ConfigEffect::Refresh => self.load_config(),
            ConfigEffect::Terminal(bytes) => self.terminal_output.push(bytes),
            ConfigEffect::Snapshot => {
                let Some(config) = self.config.doc().map(|d| d.config.clone()) else {
                    return;
                };
                let dir = self.launch.snapshot_dir.clone();
                let now_ms = self.launch.clock.now_ms();
                self.spawn_job(Job::ConfigFile, async move {
                    let result = blocking(move || save_snapshot(&dir, &config, now_ms)).await;
                    Msg::ConfigSnapshotSaved { result }
                });
            }
            ConfigEffect::Compare(path) => {
                let Some((current, manifests)) = self
                    .config
                    .doc()
                    .map(|d| (d.config.clone(), d.manifests.clone()))
                else {
                    return;
                };
                let other = path.display().to_string();
                self.spawn_job(Job::ConfigFile, async move {
                    let result = blocking(move || {
                        // The other side goes through the same sanitizer: a raw config.json
                        // holds secrets.
                        read_other(&path).map(|raw| {
                            let clean = crate::sanitize::sanitize_config(&raw, &manifests).config;
                            compare(&clean, &current)
                        })
                    })
                    .await;
                    Msg::ConfigCompared { other, result }
                });
            }
        }
    }

    /// Loads the Plugins tab (with every Server-tab refresh, and on `r` there).
    fn load_plugins(&mut self) {
        let Some(client) = self.launch.client.clone() else {
            return;
        };
        let generation = self.plugins.begin_load();
        self.spawn_job(Job::PluginsLoad { generation }, async move {
            let result = Inventory::load(&client).await;
            Msg::PluginsLoaded {
                generation,
                result: Box::new(result),
            }
        });
    }

    fn apply_plugins(&mut self, effect: PluginsEffect) {
        match effect {
            PluginsEffect::None => {}
            PluginsEffect::Refresh => self.load_plugins(),
            PluginsEffect::OpenDetail { id } => {
                let logs_loaded = !self.logs.store().is_empty();
                let mentions = self.logs.recent_mentions(&id, 12);
                self.plugins.show_detail(id, mentions, logs_loaded);
            }
            PluginsEffect::SetEnabled { id, enable } => {
                let Some(client) = self.launch.client.clone() else {
                    return;
                };
                let name = self
                    .plugins
                    .plugins()
                    .iter()
                    .find(|p| p.manifest.id == id)
                    .map(|p| p.manifest.name.clone())
                    .unwrap_or_else(|| id.clone());
                self.plugins.notice = Some((
                    format!("{} {name}…", if enable { "enabling" } else { "disabling" }),
                    false,
                ));
                self.spawn_job(Job::PluginToggle, async move {
                    let result = set_enabled(&client, &id, enable).await;
                    Msg::PluginToggled {
                        name,
                        enable,
                        result,
                    }
                });
            }
        }
    }

    /// Keys while the packet dialog is open: its own table, then quit, suspend and help.
    fn packet_key(&mut self, key: KeyEvent) {
        let keymap = &self.launch.keymap;
        let action = keymap.table(Scope::Packet).action_for(&key).or_else(|| {
            keymap.table(Scope::Global).action_for(&key).filter(|a| {
                matches!(
                    a,
                    Action::Quit | Action::Suspend | Action::Help | Action::Packet
                )
            })
        });
        self.dirty = true;
        match action {
            Some(Action::Quit) => {
                // Dropping a writing dialog stops its writer: nothing is left behind.
                self.packet = None;
                self.should_quit = true;
            }
            Some(Action::Suspend) => self.suspend_requested = true,
            Some(Action::Help) => self.help_scroll = Some(0),
            // From the server packet's "no licence" advice straight to mmops' own packet.
            Some(Action::Packet)
                if self
                    .packet
                    .as_ref()
                    .is_some_and(|d| d.kind == PacketKind::Server && !d.is_working()) =>
            {
                self.open_packet(PacketKind::Built);
            }
            Some(Action::Packet) => {}
            Some(action) => {
                if let Some(dialog) = self.packet.as_mut() {
                    let request = dialog.perform(action);
                    self.packet_request(request);
                }
            }
            None => {}
        }
    }

    fn open_packet(&mut self, kind: PacketKind) {
        if kind == PacketKind::Server && self.launch.client.is_none() {
            self.status.message = Message::Error(
                "the server's own packet needs a server connection; p builds one from the install directory"
                    .to_string(),
            );
            return;
        }
        self.packet_generation += 1;
        self.packet = Some(PacketDialog::new(
            kind,
            &self.launch.packet_dir,
            self.packet_generation,
            self.launch.clock.now_ms(),
        ));
        self.packet_request(PacketRequest::Collect);
    }

    /// The open dialog, if it is the one of `generation`.
    fn packet_of(&mut self, generation: u64) -> Option<&mut PacketDialog> {
        self.dirty = true;
        self.packet
            .as_mut()
            .filter(|dialog| dialog.generation() == generation)
    }

    fn packet_request(&mut self, request: PacketRequest) {
        let Some(dialog) = self.packet.as_ref() else {
            return;
        };
        let generation = dialog.generation();
        let kind = dialog.kind;
        let job = Job::Packet { generation };
        match request {
            PacketRequest::None => {}
            PacketRequest::Close => {
                let cancelled = dialog.is_working();
                self.packet = None;
                if cancelled {
                    self.status.message =
                        Message::Info("support packet cancelled; nothing was written".into());
                }
            }
            PacketRequest::Collect if kind == PacketKind::Built => {
                let client = self.launch.client.clone();
                let home = self.launch.mm_home.clone();
                self.spawn_job(job, async move {
                    let collected = collect(Sources {
                        client: client.as_ref(),
                        mm_home: home.as_ref(),
                    })
                    .await;
                    Msg::PacketCollected {
                        generation,
                        collected: Box::new(collected),
                    }
                });
            }
            PacketRequest::Collect => {
                let Some(client) = self.launch.client.clone() else {
                    return;
                };
                self.spawn_job(job, async move {
                    let result = server_packet::check(&client)
                        .await
                        .map_err(|e| e.to_string());
                    Msg::ServerPacketChecked { generation, result }
                });
            }
            PacketRequest::Write {
                prepared,
                dir,
                control,
            } => {
                self.spawn_job(job, async move {
                    let result =
                        tokio::task::spawn_blocking(move || write_packet(&prepared, &dir, control))
                            .await
                            .unwrap_or_else(|e| {
                                Err(ArchiveError::Io {
                                    context: "the packet writer stopped".into(),
                                    source: std::io::Error::other(e.to_string()),
                                })
                            });
                    Msg::PacketWritten { generation, result }
                });
            }
            PacketRequest::Download {
                request,
                dir,
                control,
                total,
            } => {
                let Some(client) = self.launch.client.clone() else {
                    return;
                };
                self.spawn_job(job, async move {
                    let result =
                        server_packet::download(&client, &request, &dir, &control, |len| {
                            total.store(len.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
                        })
                        .await;
                    Msg::ServerPacketSaved { generation, result }
                });
            }
        }
    }
}

impl App {
    fn show_tab(&mut self, tab: TabId) {
        self.active = tab;
        if tab == TabId::Invites {
            self.invites_shown();
        }
    }
}

/// Runs file work off the async threads; a panic in it becomes an error message.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
}

/// Writes raw log lines to `path`, one per line, atomically and readable only by the owner.
fn save_lines(path: &Path, bytes: &[u8], lines: usize) -> Result<usize, String> {
    crate::fsutil::write_private_atomic(path, bytes)
        .map(|()| lines)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
