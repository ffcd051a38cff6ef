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

    /// Waits until every background job the app started has reported back. Panics after 30
    /// seconds: a test harness must not hide a job that never ends.
    pub async fn settle(&mut self) {
        while self.app.pending_jobs() > 0 {
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

pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::with_capacity(usize::from(area.width + 1) * usize::from(area.height));
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
