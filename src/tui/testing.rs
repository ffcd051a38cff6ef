//! Driving the real [`App`] without a terminal: key events in, worker results awaited, frames
//! rendered into ratatui's `TestBackend`. Used by the snapshot tests, the benchmarks and the
//! screenshot generator. [`Probe`] drives one view through the contract, for unit tests.

use std::path::Path;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::app::App;
use super::env::{Clock, Env, Launch};
use super::jobs::{Envelope, Jobs, ViewId};
use super::keys::{KeyCombo, KeyMeaning, Keymap};
use super::status::Status;
use super::view::{AnyView, Command, Ctx, Parts, Peers, Signal, View};

pub struct Harness {
    pub app: App,
    rx: UnboundedReceiver<Envelope>,
}

impl Harness {
    /// Builds the app and starts its first loads. Needs a tokio runtime.
    pub fn start(launch: Launch) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut app = App::new(launch, tx);
        app.start();
        Self { app, rx }
    }

    /// Presses keys written as in keymap.toml (`"j"`, `"ctrl-d"`, `"shift-tab"`).
    pub fn press(&mut self, keys: &[&str]) -> Result<(), String> {
        for key in keys {
            let combo = KeyCombo::parse(key)?;
            self.app.on_key(combo.to_event());
        }
        Ok(())
    }

    /// Types text into whatever has the keyboard (a prompt), one character at a time.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.app.on_key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            ));
        }
    }

    /// Pastes text (a bracketed paste).
    pub fn paste(&mut self, text: &str) {
        self.app
            .on_event(crossterm::event::Event::Paste(text.to_string()));
    }

    /// Waits until every background job the app started has reported back and sliced work
    /// (re-filtering) is done. Panics after 30 seconds: a test harness must not hide a job
    /// that never ends.
    pub async fn settle(&mut self) {
        loop {
            while self.app.is_busy() {
                self.app.on_timer(tokio::time::Instant::now());
            }
            while let Ok(msg) = self.rx.try_recv() {
                self.app.on_msg(msg);
            }
            if self.app.pending_jobs() == 0 && !self.app.is_busy() {
                return;
            }
            match tokio::time::timeout(Duration::from_secs(30), self.rx.recv()).await {
                Ok(Some(msg)) => self.app.on_msg(msg),
                Ok(None) => panic!(
                    "the job channel closed with {} jobs pending",
                    self.app.pending_jobs()
                ),
                Err(_) => panic!(
                    "settle() timed out with {} jobs pending",
                    self.app.pending_jobs()
                ),
            }
        }
    }

    /// Takes messages (log lines among them) until `done` holds, or panics after `timeout`.
    pub async fn pump_until(&mut self, timeout: Duration, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            while self.app.is_busy() {
                self.app.on_timer(tokio::time::Instant::now());
            }
            if done(&self.app) {
                return;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.app.on_msg(msg),
                Ok(None) => panic!("the message channel closed"),
                Err(_) => panic!("the condition did not hold within {timeout:?}"),
            }
        }
    }

    /// Takes messages and runs timers for `period`, as the event loop would between two
    /// frames; returns the longest single step (one message or one timer), for load tests.
    pub async fn pump_for(&mut self, period: Duration) -> Duration {
        let deadline = tokio::time::Instant::now() + period;
        let mut longest = Duration::ZERO;
        loop {
            let step = std::time::Instant::now();
            self.app.on_timer(tokio::time::Instant::now());
            longest = longest.max(step.elapsed());
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    let step = std::time::Instant::now();
                    self.app.on_msg(msg);
                    longest = longest.max(step.elapsed());
                }
                Ok(None) | Err(_) => return longest,
            }
        }
    }

    /// Bytes the app asked to write to the terminal (OSC 52 copies).
    pub fn terminal_output(&mut self) -> Vec<String> {
        self.app.take_terminal_output()
    }

    pub fn render(&mut self, width: u16, height: u16) -> Buffer {
        let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
            Ok(terminal) => terminal,
            Err(never) => match never {},
        };
        let drawn = terminal.draw(|frame| self.app.draw(frame));
        match drawn {
            Ok(_) => terminal.backend().buffer().clone(),
            Err(never) => match never {},
        }
    }

    /// The rendered frame as plain text, one line per row.
    pub fn render_text(&mut self, width: u16, height: u16) -> String {
        buffer_text(&self.render(width, height))
    }
}

/// The buffer as text. The cell after a double-width character (a filler) is left out, so
/// `日本語` reads as written.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::with_capacity(usize::from(area.width + 1) * usize::from(area.height));
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The demo server at a fixed time and without a growing log, as the unit tests use it.
pub async fn quiet_demo(now_ms: i64) -> crate::demo::DemoServer {
    let options = crate::demo::DemoOptions {
        now_ms: Some(now_ms),
        live_logs: false,
        ..crate::demo::DemoOptions::default()
    };
    match crate::demo::DemoServer::start(options).await {
        Ok(server) => server,
        Err(err) => panic!("the demo server does not start: {err}"),
    }
}

/// Drives one view through the contract without an app: actions and text through the real
/// keymap, its job results awaited and handed back, what it asked of the app recorded.
pub struct Probe {
    pub env: Env,
    pub status: Status,
    jobs: Jobs,
    commands: Vec<Command>,
    rx: UnboundedReceiver<Envelope>,
    /// Signals the view sent, oldest first.
    pub signals: Vec<Signal>,
    /// Bytes the view asked to write to the terminal.
    pub terminal: Vec<String>,
    /// Dialogs the view opened, and whether it closed itself.
    pub opened: Vec<Box<dyn AnyView>>,
    pub closed: bool,
    /// What the view asked another tab to show.
    pub revealed: Vec<crate::tui::view::Reveal>,
    /// What the view asked the console to show instead.
    pub switched: Vec<crate::tui::view::Switch>,
}

impl Probe {
    /// A probe with no server, no install dir and a fixed clock; files go under `dir`.
    pub fn offline(dir: &Path, now_ms: i64) -> Self {
        let env = Env {
            client: None,
            keymap: Keymap::default(),
            mm_home: None,
            clock: Clock::Fixed(now_ms),
            refresh_every: Duration::from_secs(3600),
            token_source: String::new(),
            config_file: dir.join("config.toml").display().to_string(),
            packet_dir: dir.to_path_buf(),
            snapshot_dir: dir.join("snapshots"),
            logs: Default::default(),
            invites: Default::default(),
            packet: None,
            capture: Default::default(),
            fleet: None,
            reconnect: None,
            returns_to: None,
        };
        Self::with_env(env)
    }

    /// A probe connected to `server` as its system admin (the demo's install dir is not
    /// used); files go under `dir`.
    pub fn on_demo(server: &crate::demo::DemoServer, dir: &Path, now_ms: i64) -> Self {
        let client = server
            .connection(Some(&server.token))
            .ok()
            .and_then(|spec| crate::mm::MmClient::new(&spec, Default::default()).ok());
        let Some(client) = client else {
            panic!("no client for the demo at {}", server.url);
        };
        let mut probe = Self::offline(dir, now_ms);
        probe.env.client = Some(client);
        probe.status = Status::new("DEMO".into(), false, true);
        probe
    }

    pub fn with_env(env: Env) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            status: Status::new("test".into(), false, env.client.is_some()),
            env,
            jobs: Jobs::new(tx),
            commands: Vec::new(),
            rx,
            signals: Vec::new(),
            terminal: Vec::new(),
            opened: Vec::new(),
            closed: false,
            revealed: Vec::new(),
            switched: Vec::new(),
        }
    }

    /// Runs `f` with a context for `view`, then records what it asked of the app.
    pub fn with<V: View, R>(
        &mut self,
        view: &mut V,
        f: impl FnOnce(&mut V, &mut Ctx<'_, V::Msg>) -> R,
    ) -> R {
        let parts = Parts {
            me: ViewId(0),
            env: &self.env,
            status: &mut self.status,
            jobs: &mut self.jobs,
            commands: &mut self.commands,
            peers: Peers::NONE,
        };
        let result = f(view, &mut Ctx::new(parts));
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::Signal(signal) => self.signals.push(signal),
                Command::Terminal(bytes) => self.terminal.push(bytes),
                Command::Open(dialog) => self.opened.push(dialog),
                Command::Close(_) => self.closed = true,
                Command::Reveal(what) => self.revealed.push(what),
                Command::Switch(to) => self.switched.push(to),
            }
        }
        result
    }

    pub fn start<V: View>(&mut self, view: &mut V) {
        self.with(view, |v, ctx| v.on_start(ctx));
    }

    /// Presses keys (as keymap.toml writes them) where the view's focus is, as the app
    /// would: its tables, typed text; global keys do nothing here.
    pub fn press<V: View>(&mut self, view: &mut V, keys: &[&str]) {
        for key in keys {
            let Ok(combo) = KeyCombo::parse(key) else {
                panic!("not a key: {key}");
            };
            let meaning = self.env.keymap.resolve(view.focus(), &combo.to_event());
            match meaning {
                KeyMeaning::Action(action) => self.with(view, |v, ctx| v.on_action(action, ctx)),
                KeyMeaning::Text(c) => self.with(view, |v, ctx| v.on_text(&c.to_string(), ctx)),
                KeyMeaning::Global(_) | KeyMeaning::Nothing => {}
            }
        }
    }

    pub fn type_text<V: View>(&mut self, view: &mut V, text: &str) {
        self.with(view, |v, ctx| v.on_text(text, ctx));
    }

    async fn next_envelope(&mut self) -> Envelope {
        match tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await {
            Ok(Some(envelope)) => envelope,
            Ok(None) => panic!("the job channel closed"),
            Err(_) => panic!("no job result within 10 s"),
        }
    }

    /// Hands a current envelope to the view, as the app would; a stale one is dropped.
    fn hand<V: View>(&mut self, view: &mut V, envelope: Envelope) -> bool {
        if let Some(err) = &envelope.api_error {
            self.status.note(err);
        }
        if !self.jobs.accept(&envelope) {
            return false;
        }
        let Ok(msg) = envelope.msg.downcast::<V::Msg>() else {
            panic!("a message of another view");
        };
        self.with(view, |v, ctx| v.on_msg(*msg, ctx));
        true
    }

    /// Hands the view its next current job result or producer message; panics after 10 s.
    pub async fn deliver<V: View>(&mut self, view: &mut V) {
        loop {
            let envelope = self.next_envelope().await;
            if self.hand(view, envelope) {
                return;
            }
        }
    }

    /// Delivers results until no job is pending.
    pub async fn settle<V: View>(&mut self, view: &mut V) {
        while self.jobs.pending() > 0 {
            let envelope = self.next_envelope().await;
            self.hand(view, envelope);
        }
    }

    pub fn pending(&self) -> usize {
        self.jobs.pending()
    }
}
