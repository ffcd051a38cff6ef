//! The support-packet dialog: `p` builds the packet mmops makes itself, `P` downloads the one
//! the server makes. Each goes through the same stages: finding out what can go in, a plan
//! the user can adjust, a progress bar that Esc cancels, and the result.
//!
//! The work (collecting, writing, downloading) runs as the dialog's jobs; closing the dialog
//! makes their results stale and stops a writer, so nothing is left behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::error::Error;
use crate::packet::archive::{ArchiveError, Control};
use crate::packet::collect::{Collected, Sources, collect};
use crate::packet::server::{
    self as server_packet, DownloadError, Downloaded, Request as ServerRequest, ServerPacketInfo,
};
use crate::packet::{Options, Prepared, Summary, prepare, write as write_packet};
use crate::tui::env::Env;
use crate::tui::jobs::blocking;
use crate::tui::keys::{Action, Binding, Focus, Scope};
use crate::tui::view::{Ctx, Ui, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Built by mmops from every source it reaches (`p`).
    Built,
    /// The server's own packet (`P`): needs a licence and `manage_system`.
    Server,
}

/// How far a write or download has got, shared with the worker.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: Arc<AtomicU64>,
    /// 0 while unknown (a download without Content-Length).
    pub total: Arc<AtomicU64>,
    pub started: Instant,
    pub cancel: Arc<AtomicBool>,
    /// Esc was pressed; waiting for the worker to stop.
    pub cancelling: bool,
}

impl Progress {
    fn new(total: u64) -> Self {
        Self {
            done: Arc::default(),
            total: Arc::new(AtomicU64::new(total)),
            started: Instant::now(),
            cancel: Arc::default(),
            cancelling: false,
        }
    }

    fn control(&self) -> Control {
        let done = Arc::clone(&self.done);
        Control {
            cancel: Arc::clone(&self.cancel),
            progress: Arc::new(move |n| {
                done.fetch_add(n, Ordering::Relaxed);
            }),
        }
    }

    pub fn done_bytes(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    pub fn total_bytes(&self) -> Option<u64> {
        Some(self.total.load(Ordering::Relaxed)).filter(|t| *t > 0)
    }

    /// Seconds left at the rate so far, once there is a rate to go by.
    pub fn seconds_left(&self) -> Option<u64> {
        let total = self.total_bytes()? as f64;
        let done = self.done_bytes() as f64;
        let fraction = done / total;
        let elapsed = self.started.elapsed().as_secs_f64();
        (fraction > 0.01 && elapsed > 0.2).then(|| ((elapsed / fraction - elapsed).max(0.0)) as u64)
    }
}

/// The server packet's choices.
#[derive(Debug, Clone)]
pub struct ServerChoices {
    pub info: ServerPacketInfo,
    pub include_logs: bool,
    /// One flag per offered plugin packet, in `info.plugin_packets` order.
    pub plugins: Vec<bool>,
    pub cursor: usize,
}

/// What was written, for the last stage.
#[derive(Debug, Clone)]
pub struct Finished {
    pub path: PathBuf,
    pub size: u64,
    pub entries: Vec<(String, u64)>,
    /// One line each: values replaced in the logs, things not collected.
    pub notes: Vec<String>,
}

pub enum Stage {
    Collecting,
    ReadyBuilt {
        collected: Arc<Collected>,
        prepared: Box<Prepared>,
    },
    ReadyServer(ServerChoices),
    Working {
        progress: Progress,
        /// What is being written, for the title.
        name: String,
    },
    Done(Finished),
    Failed(Failure),
}

/// Why no packet was made; the words are made when drawn.
pub enum Failure {
    /// mmops' packet could not be written into this directory.
    NotWritten { dir: PathBuf, error: Error },
    /// The server would not build or send its packet (no licence, no permission...).
    Refused(Error),
    /// Anything else on the way (a job that failed, a broken download).
    Other(Error),
}

/// A stopped capture whose files go into the packet (`capture/`).
pub struct PacketCapture {
    pub stopped: crate::capture::Stopped,
    pub description: String,
}

/// What the collection found: the packet's sources, and a capture's files.
pub struct Gathered {
    collected: Collected,
    capture: Option<crate::capture::window::Files>,
}

/// The results of the dialog's jobs.
pub enum Msg {
    Collected(Result<Box<Gathered>, Error>),
    Checked(Result<ServerPacketInfo, Error>),
    Written(Result<Summary, Error>),
    Downloaded(Result<Downloaded, Error>),
}

pub struct PacketDialog {
    pub kind: Kind,
    pub stage: Stage,
    pub options: Options,
    pub dir: PathBuf,
    pub scroll: u16,
    now_ms: i64,
    /// A capture's packet: its stop, and once collected its files.
    capture: Option<Arc<PacketCapture>>,
    capture_files: Option<Arc<crate::capture::window::Files>>,
}

impl Drop for PacketDialog {
    /// Closing the dialog (or quitting) while writing stops the writer; nothing is kept.
    fn drop(&mut self) {
        if let Stage::Working { progress, .. } = &self.stage {
            progress.cancel.store(true, Ordering::Relaxed);
        }
    }
}

impl PacketDialog {
    pub fn new(kind: Kind, dir: &Path, now_ms: i64) -> Self {
        Self {
            kind,
            stage: Stage::Collecting,
            options: Options::default(),
            dir: dir.to_path_buf(),
            scroll: 0,
            now_ms,
            capture: None,
            capture_files: None,
        }
    }

    /// mmops' packet with a stopped capture's files in `capture/`.
    pub fn with_capture(dir: &Path, now_ms: i64, capture: PacketCapture) -> Self {
        let mut dialog = Self::new(Kind::Built, dir, now_ms);
        dialog.capture = Some(Arc::new(capture));
        dialog
    }

    pub fn has_capture(&self) -> bool {
        self.capture.is_some()
    }

    /// The packet's files from what was collected, a capture's added.
    fn prepared(&self, collected: &Collected) -> Prepared {
        let mut prepared = prepare(collected, self.options, self.now_ms);
        if let Some(files) = &self.capture_files {
            prepared.add_capture(files);
        }
        prepared
    }

    /// The dialog `p` or `P` opens; `P` without a server says why instead.
    pub fn for_action(action: Action, env: &Env) -> Result<Option<Self>, &'static str> {
        if env.packet.is_some() && matches!(action, Action::Packet | Action::ServerPacket) {
            return Err("a support packet is open: there is no server to build another from");
        }
        let kind = match action {
            Action::Packet => Kind::Built,
            Action::ServerPacket if env.client.is_none() => {
                return Err(
                    "the server's own packet needs a server connection; p builds one from the install directory",
                );
            }
            Action::ServerPacket => Kind::Server,
            _ => return Ok(None),
        };
        Ok(Some(Self::new(kind, &env.packet_dir, env.now_ms())))
    }

    /// Written, or failed: what is left to do is close (or, after a failure, try again).
    pub fn finished(&self) -> Option<&'static str> {
        match self.stage {
            Stage::Done(_) => Some("close"),
            Stage::Failed(_) => Some("try again"),
            _ => None,
        }
    }

    /// Writing or downloading: a progress bar moves.
    pub fn is_working(&self) -> bool {
        matches!(self.stage, Stage::Working { .. })
    }

    fn act(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        match action {
            Action::Close => self.close_or_cancel(ctx),
            Action::Open => self.confirm(ctx),
            // From the server packet's "no licence" advice straight to mmops' own packet.
            Action::Packet if self.kind == Kind::Server && !self.is_working() => {
                ctx.close();
                ctx.open_dialog(Box::new(PacketDialog::new(
                    Kind::Built,
                    &self.dir,
                    ctx.now_ms(),
                )));
            }
            Action::ToggleLogs => match &mut self.stage {
                Stage::ReadyBuilt { .. } => {
                    self.options.include_logs = !self.options.include_logs;
                    self.prepare_again();
                }
                Stage::ReadyServer(choices) => choices.include_logs = !choices.include_logs,
                _ => {}
            },
            Action::TogglePrivacy => {
                if matches!(self.stage, Stage::ReadyBuilt { .. }) {
                    self.options.privacy = !self.options.privacy;
                    self.prepare_again();
                }
            }
            Action::TogglePlugin => {
                if let Stage::ReadyServer(choices) = &mut self.stage
                    && let Some(flag) = choices.plugins.get_mut(choices.cursor)
                {
                    *flag = !*flag;
                }
            }
            Action::Down | Action::Up => {
                let down = action == Action::Down;
                match &mut self.stage {
                    Stage::ReadyServer(choices) if !choices.plugins.is_empty() => {
                        let last = choices.plugins.len() - 1;
                        choices.cursor = if down {
                            (choices.cursor + 1).min(last)
                        } else {
                            choices.cursor.saturating_sub(1)
                        };
                    }
                    _ => self.scroll = action.scroll(self.scroll),
                }
            }
            other => self.scroll = other.scroll(self.scroll),
        }
    }

    fn close_or_cancel(&mut self, ctx: &mut Ctx<'_, Msg>) {
        match &mut self.stage {
            Stage::Working { progress, .. } => {
                progress.cancel.store(true, Ordering::Relaxed);
                progress.cancelling = true;
            }
            _ => ctx.close(),
        }
    }

    /// Finds out what can go in: everything mmops reaches, or what the server offers.
    fn collect(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.stage = Stage::Collecting;
        self.scroll = 0;
        let client = ctx.env.client.clone();
        match self.kind {
            Kind::Built => {
                let home = ctx.env.mm_home.clone();
                let db_url = ctx.env.invites.db_url.clone();
                let capture = self.capture.clone();
                ctx.spawn(Msg::Collected, async move {
                    let sources = Sources {
                        client: client.as_ref(),
                        mm_home: home.as_ref(),
                        db_url: db_url.as_ref(),
                    };
                    let gathered = match capture {
                        Some(capture) => {
                            let (collected, files) = crate::capture::gather(
                                sources,
                                &capture.stopped,
                                &capture.description,
                            )
                            .await;
                            Gathered {
                                collected,
                                capture: Some(files),
                            }
                        }
                        None => Gathered {
                            collected: collect(sources).await,
                            capture: None,
                        },
                    };
                    Ok::<_, Error>(Box::new(gathered))
                });
            }
            Kind::Server => {
                let Some(client) = client else {
                    return;
                };
                ctx.spawn(
                    Msg::Checked,
                    async move { server_packet::check(&client).await },
                );
            }
        }
    }

    fn confirm(&mut self, ctx: &mut Ctx<'_, Msg>) {
        match &self.stage {
            Stage::ReadyBuilt { prepared, .. } => {
                let progress = Progress::new(prepared.total_bytes());
                let control = progress.control();
                let working = Stage::Working {
                    name: prepared.file_name.clone(),
                    progress,
                };
                // The packet moves to the writer: the dialog only shows its progress now.
                if let Stage::ReadyBuilt { prepared, .. } =
                    std::mem::replace(&mut self.stage, working)
                {
                    let dir = self.dir.clone();
                    ctx.spawn_each(
                        Msg::Written,
                        blocking(move || write_packet(&prepared, &dir, control)),
                    );
                }
                self.scroll = 0;
            }
            Stage::ReadyServer(choices) if choices.info.licensed != Some(false) => {
                let Some(client) = ctx.env.client.clone() else {
                    return;
                };
                let progress = Progress::new(0);
                let request = ServerRequest {
                    include_logs: choices.include_logs,
                    plugin_packets: choices
                        .info
                        .plugin_packets
                        .iter()
                        .zip(&choices.plugins)
                        .filter(|(_, on)| **on)
                        .map(|((id, _), _)| id.clone())
                        .collect(),
                };
                let (dir, control, total) = (
                    self.dir.clone(),
                    progress.control(),
                    Arc::clone(&progress.total),
                );
                ctx.spawn_each(Msg::Downloaded, async move {
                    server_packet::download(&client, &request, &dir, &control, |len| {
                        total.store(len.unwrap_or(0), Ordering::Relaxed);
                    })
                    .await
                });
                self.stage = Stage::Working {
                    name: "the server's support packet".to_string(),
                    progress,
                };
                self.scroll = 0;
            }
            Stage::Done(_) => ctx.close(),
            Stage::Failed(_) => self.collect(ctx),
            _ => {}
        }
    }

    fn prepare_again(&mut self) {
        let again = match &self.stage {
            Stage::ReadyBuilt { collected, .. } => self.prepared(collected),
            _ => return,
        };
        if let Stage::ReadyBuilt { prepared, .. } = &mut self.stage {
            **prepared = again;
        }
    }

    fn collected(&mut self, gathered: Gathered) {
        self.capture_files = gathered.capture.map(Arc::new);
        let collected = gathered.collected;
        let prepared = Box::new(self.prepared(&collected));
        self.stage = Stage::ReadyBuilt {
            collected: Arc::new(collected),
            prepared,
        };
    }

    fn checked(&mut self, info: ServerPacketInfo) {
        self.stage = Stage::ReadyServer(ServerChoices {
            plugins: vec![false; info.plugin_packets.len()],
            info,
            include_logs: true,
            cursor: 0,
        });
    }

    /// The built packet's writer finished; after a cancel the dialog closes.
    fn written(&mut self, summary: Summary) {
        let mut notes = Vec::new();
        let replaced = summary.log_counts.total();
        if replaced > 0 {
            notes.push(format!(
                "{} values in the logs replaced (see redactions.txt)",
                crate::timefmt::count(replaced as i64)
            ));
        }
        if !summary.warnings.is_empty() {
            notes.push(format!(
                "{} things could not be collected (see warning.txt)",
                summary.warnings.len()
            ));
        }
        self.stage = Stage::Done(Finished {
            path: summary.written.path,
            size: summary.written.size,
            entries: summary.written.entries,
            notes,
        });
    }

    fn downloaded(&mut self, done: Downloaded) {
        self.stage = Stage::Done(Finished {
            path: done.path,
            size: done.size,
            entries: done.entries,
            notes: vec![match done.hidden {
                0 => "built by the server; its config checked again by mmops' sanitizer, which found nothing more to hide".to_string(),
                n => format!(
                    "built by the server; mmops' sanitizer hid {n} values in its config that the server's had left"
                ),
            }],
        });
    }

    fn failed(&mut self, error: Error, ctx: &mut Ctx<'_, Msg>) {
        let cancelled = matches!(
            error,
            Error::Archive(ArchiveError::Cancelled) | Error::Download(DownloadError::Cancelled)
        );
        if cancelled {
            ctx.status.message = crate::tui::status::Message::Info(
                "support packet cancelled; nothing was written".into(),
            );
            ctx.close();
            return;
        }
        self.stage = Stage::Failed(match (&self.stage, error) {
            (Stage::Working { .. }, error) if self.kind == Kind::Built => Failure::NotWritten {
                dir: self.dir.clone(),
                error,
            },
            (_, error) if error.api().is_some() => Failure::Refused(error),
            (_, error) => Failure::Other(error),
        });
    }
}

impl View for PacketDialog {
    type Msg = Msg;

    fn title(&self) -> &str {
        if self.capture.is_some() {
            "Support packet with the capture"
        } else {
            "Support packet"
        }
    }

    fn focus(&self) -> Focus {
        Focus::on(Scope::Packet)
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.collect(ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        self.act(action, ctx);
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Collected(Ok(collected)) => self.collected(*collected),
            Msg::Checked(Ok(info)) => self.checked(info),
            Msg::Written(Ok(summary)) => self.written(summary),
            Msg::Downloaded(Ok(done)) => self.downloaded(done),
            Msg::Collected(Err(err))
            | Msg::Checked(Err(err))
            | Msg::Written(Err(err))
            | Msg::Downloaded(Err(err)) => self.failed(err, ctx),
        }
    }

    /// A progress bar moves five times a second.
    fn next_deadline(&self) -> Option<tokio::time::Instant> {
        self.is_working()
            .then(|| tokio::time::Instant::now() + Duration::from_millis(200))
    }

    /// Only the keys that mean something now.
    fn hint<'b>(&'b self, binding: &'b Binding) -> Option<&'b str> {
        if let Some(label) = self.finished() {
            return match binding.action {
                Action::Open => Some(label),
                Action::Close => binding.hint.as_deref(),
                _ => None,
            };
        }
        match (self.kind, binding.action) {
            (Kind::Built, Action::TogglePlugin) | (Kind::Server, Action::TogglePrivacy) => None,
            (Kind::Server, Action::TogglePlugin) => Some("plugin packet"),
            (Kind::Server, Action::Open) => Some("download"),
            _ => binding.hint.as_deref(),
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        super::packet_view::render(self, area, buf, ui);
    }
}

#[cfg(test)]
mod tests;
