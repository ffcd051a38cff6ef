//! mmops' own log: a file in the state dir, never the terminal (the console owns it), never a
//! token (secrets are wrapped in [`crate::secret::Secret`], whose formatting prints a mask).
//!
//! The level comes from `MMOPS_LOG` (e.g. `debug`, or `mmops=trace`); the default is `info`.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::fsutil;

/// Starts logging to `<state dir>/mmops.log`. Returns the path, or `None` when the file cannot
/// be opened (mmops then runs without a log rather than failing).
pub fn init(state_dir: &Path) -> Option<PathBuf> {
    let path = state_dir.join("mmops.log");
    fsutil::create_private_dir(state_dir).ok()?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .ok()?;
    let filter = EnvFilter::try_from_env("MMOPS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(path)
}
