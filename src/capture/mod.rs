//! A capture: the log level raised to DEBUG while an admin reproduces a problem, put back
//! when they stop (or at a time limit, or by the next mmops after a crash), and the lines of
//! that window handed to support in the packet.
//!
//! [`plan`] finds out what the start will do, [`control`] raises and restores the levels,
//! [`record`] keeps the running capture in the state directory, [`window`] turns the window's
//! lines and the record into the packet's `capture/` files.

pub mod control;
pub mod plan;
pub mod record;
pub mod window;

pub use control::{CaptureError, Outcome, Start, Stopped, restore, start};
pub use plan::{Blocked, Plan, plan};
pub use record::{Capture, CaptureFile, FileMark, LevelChange, RecordError};

/// Where this host's log files end now: the window is read from there at the stop.
pub fn file_marks(home: Option<&crate::host::MmHome>) -> Vec<FileMark> {
    let Some(home) = home else {
        return Vec::new();
    };
    crate::logs::feed::install_files(home)
        .into_iter()
        .filter_map(|f| {
            let offset = std::fs::metadata(&f.path).ok()?.len();
            Some(FileMark {
                path: f.path,
                offset,
            })
        })
        .collect()
}

/// A capture's length unless configured otherwise.
pub const DEFAULT_MAX_MINUTES: u32 = 30;

/// What the capture's packet is made of: the packet's collection and the capture's files (the
/// window read from the same logs, the doctor's findings at the stop), gathered at once.
pub async fn gather(
    sources: crate::packet::collect::Sources<'_>,
    stopped: &Stopped,
    description: &str,
) -> (crate::packet::collect::Collected, window::Files) {
    let (collected, facts) = tokio::join!(
        crate::packet::collect::collect(sources),
        crate::doctor::gather::gather(crate::doctor::gather::Sources {
            client: sources.client,
            home: sources.mm_home,
            db_url: sources.db_url,
            now_ms: stopped.stopped_ms,
        })
    );
    let capture = &stopped.capture;
    let logs = collected.logs.clone();
    let (start, stop, marks) = (
        capture.started_ms,
        stopped.stopped_ms,
        capture.file_marks.clone(),
    );
    let window = tokio::task::spawn_blocking(move || window::read(&logs, start, stop, &marks))
        .await
        .unwrap_or_else(|_| window::Window {
            lines: Vec::new(),
            counts: Vec::new(),
            notes: vec!["the window could not be read".into()],
        });
    let diagnosis = crate::doctor::diagnose(&facts, &crate::doctor::Selection::default());
    let doctor = crate::doctor::report::text(&diagnosis, 100);
    let files = window::files(stopped, window, description, Some(doctor));
    (collected, files)
}
