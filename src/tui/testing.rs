//! Driving the real [`App`] without a terminal: key events in, worker results awaited, frames
//! rendered into ratatui's `TestBackend`. Used by the snapshot tests, the benchmarks and the
//! screenshot generator.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::app::{App, Launch, Msg};
use super::keys::KeyCombo;

pub struct Harness {
    pub app: App,
    rx: UnboundedReceiver<Msg>,
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
