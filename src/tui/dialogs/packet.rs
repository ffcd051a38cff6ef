//! The support-packet dialog: `p` builds the packet mmops makes itself, `P` downloads the one
//! the server makes. Each goes through the same stages: finding out what can go in, a plan
//! the user can adjust, a progress bar that Esc cancels, and the result.
//!
//! The dialog never does I/O. It asks the app for work with a [`Request`] and is told the
//! outcome through its `on_*` methods; a generation number drops answers meant for a dialog
//! that has since been closed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crate::packet::archive::{ArchiveError, Control};
use crate::packet::collect::Collected;
use crate::packet::server::{
    DownloadError, Downloaded, Request as ServerRequest, ServerPacketInfo,
};
use crate::packet::{Options, Prepared, Summary, prepare};
use crate::tui::keys::Action;

/// An error and its causes on one line: `cannot write x: No space left on device`.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Built by mmops from every source it reaches (`p`).
    Built,
    /// The server's own packet (`P`): needs a licence and `manage_system`.
    Server,
}

/// Work the dialog asks the app to start.
pub enum Request {
    None,
    Close,
    /// Gather what goes in (built) or check the licence and plugins (server).
    Collect,
    Write {
        prepared: Box<Prepared>,
        dir: PathBuf,
        control: Control,
    },
    Download {
        request: ServerRequest,
        dir: PathBuf,
        control: Control,
        total: Arc<AtomicU64>,
    },
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
    Failed(String),
}

pub struct PacketDialog {
    pub kind: Kind,
    pub stage: Stage,
    pub options: Options,
    pub dir: PathBuf,
    pub scroll: u16,
    generation: u64,
    now_ms: i64,
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
    pub fn new(kind: Kind, dir: &Path, generation: u64, now_ms: i64) -> Self {
        Self {
            kind,
            stage: Stage::Collecting,
            options: Options::default(),
            dir: dir.to_path_buf(),
            scroll: 0,
            generation,
            now_ms,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Written, or failed: what is left to do is close (or, after a failure, try again).
    pub fn finished(&self) -> Option<&'static str> {
        match self.stage {
            Stage::Done(_) => Some("close"),
            Stage::Failed(_) => Some("try again"),
            _ => None,
        }
    }

    /// Whether the app should redraw on a timer (a progress bar moves).
    pub fn is_working(&self) -> bool {
        matches!(self.stage, Stage::Working { .. })
    }

    pub fn perform(&mut self, action: Action) -> Request {
        match action {
            Action::Close => self.close_or_cancel(),
            Action::Open => self.confirm(),
            Action::ToggleLogs => {
                match &mut self.stage {
                    Stage::ReadyBuilt { .. } => {
                        self.options.include_logs = !self.options.include_logs;
                        self.prepare_again();
                    }
                    Stage::ReadyServer(choices) => choices.include_logs = !choices.include_logs,
                    _ => {}
                }
                Request::None
            }
            Action::TogglePrivacy => {
                if matches!(self.stage, Stage::ReadyBuilt { .. }) {
                    self.options.privacy = !self.options.privacy;
                    self.prepare_again();
                }
                Request::None
            }
            Action::TogglePlugin => {
                if let Stage::ReadyServer(choices) = &mut self.stage
                    && let Some(flag) = choices.plugins.get_mut(choices.cursor)
                {
                    *flag = !*flag;
                }
                Request::None
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
                    _ if down => self.scroll = self.scroll.saturating_add(1),
                    _ => self.scroll = self.scroll.saturating_sub(1),
                }
                Request::None
            }
            Action::PageDown => {
                self.scroll = self.scroll.saturating_add(10);
                Request::None
            }
            Action::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                Request::None
            }
            Action::Top => {
                self.scroll = 0;
                Request::None
            }
            Action::Bottom => {
                self.scroll = u16::MAX;
                Request::None
            }
            _ => Request::None,
        }
    }

    fn close_or_cancel(&mut self) -> Request {
        match &mut self.stage {
            Stage::Working { progress, .. } => {
                progress.cancel.store(true, Ordering::Relaxed);
                progress.cancelling = true;
                Request::None
            }
            _ => Request::Close,
        }
    }

    fn confirm(&mut self) -> Request {
        match &self.stage {
            Stage::ReadyBuilt { prepared, .. } => {
                let progress = Progress::new(prepared.total_bytes());
                let request = Request::Write {
                    prepared: prepared.clone(),
                    dir: self.dir.clone(),
                    control: progress.control(),
                };
                self.stage = Stage::Working {
                    name: prepared.file_name.clone(),
                    progress,
                };
                self.scroll = 0;
                request
            }
            Stage::ReadyServer(choices) if choices.info.licensed != Some(false) => {
                let progress = Progress::new(0);
                let request = Request::Download {
                    request: ServerRequest {
                        include_logs: choices.include_logs,
                        plugin_packets: choices
                            .info
                            .plugin_packets
                            .iter()
                            .zip(&choices.plugins)
                            .filter(|(_, on)| **on)
                            .map(|((id, _), _)| id.clone())
                            .collect(),
                    },
                    dir: self.dir.clone(),
                    control: progress.control(),
                    total: Arc::clone(&progress.total),
                };
                self.stage = Stage::Working {
                    name: "the server's support packet".to_string(),
                    progress,
                };
                self.scroll = 0;
                request
            }
            Stage::Done(_) => Request::Close,
            Stage::Failed(_) => {
                self.stage = Stage::Collecting;
                self.scroll = 0;
                Request::Collect
            }
            _ => Request::None,
        }
    }

    fn prepare_again(&mut self) {
        if let Stage::ReadyBuilt {
            collected,
            prepared,
        } = &mut self.stage
        {
            **prepared = prepare(collected, self.options, self.now_ms);
        }
    }

    pub fn on_collected(&mut self, collected: Collected) {
        let prepared = Box::new(prepare(&collected, self.options, self.now_ms));
        self.stage = Stage::ReadyBuilt {
            collected: Arc::new(collected),
            prepared,
        };
    }

    pub fn on_checked(&mut self, result: Result<ServerPacketInfo, String>) {
        self.stage = match result {
            Ok(info) => Stage::ReadyServer(ServerChoices {
                plugins: vec![false; info.plugin_packets.len()],
                info,
                include_logs: true,
                cursor: 0,
            }),
            Err(err) => Stage::Failed(err),
        };
    }

    /// The built packet's writer finished; after a cancel the dialog asks to be closed.
    pub fn on_written(&mut self, result: Result<Summary, ArchiveError>) -> Request {
        match result {
            Ok(summary) => {
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
                Request::None
            }
            Err(ArchiveError::Cancelled) => Request::Close,
            Err(err) => {
                self.stage = Stage::Failed(format!(
                    "the support packet was not written in {}: {}",
                    self.dir.display(),
                    with_causes(&err)
                ));
                Request::None
            }
        }
    }

    pub fn on_downloaded(&mut self, result: Result<Downloaded, DownloadError>) -> Request {
        match result {
            Ok(done) => {
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
                Request::None
            }
            Err(DownloadError::Cancelled) => Request::Close,
            Err(DownloadError::Api(err)) => {
                let advice = match err {
                    crate::mm::ApiError::NoLicense { .. } => {
                        "\n\nPress p for the packet mmops builds itself: it needs no licence."
                    }
                    crate::mm::ApiError::Forbidden { .. } => {
                        "\n\nPress p for the packet mmops builds itself from what this account \
                         can read."
                    }
                    _ => "",
                };
                self.stage = Stage::Failed(format!("{err}{advice}"));
                Request::None
            }
            Err(err) => {
                self.stage = Stage::Failed(with_causes(&err));
                Request::None
            }
        }
    }

    /// A job of this dialog ended without its result.
    pub fn on_failed(&mut self, reason: &str) {
        self.stage = Stage::Failed(format!("the support packet could not be made: {reason}"));
    }
}
