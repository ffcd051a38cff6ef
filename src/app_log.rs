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

/// `MMOPS_LOG=debug` means mmops' own debug lines (the HTTP and TLS libraries stay at
/// warnings); a full directive such as `mmops=trace,hyper=debug` is taken as written.
fn filter_directive(env: Option<&str>) -> String {
    match env.map(str::trim).filter(|v| !v.is_empty()) {
        None => "mmops=info,warn".to_string(),
        Some(level) if ["error", "warn", "info", "debug", "trace", "off"].contains(&level) => {
            format!("mmops={level},warn")
        }
        Some(directive) => directive.to_string(),
    }
}

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
    let filter = EnvFilter::new(filter_directive(std::env::var("MMOPS_LOG").ok().as_deref()));
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::filter_directive;

    #[test]
    fn bare_levels_apply_to_mmops_only() {
        assert_eq!(filter_directive(None), "mmops=info,warn");
        assert_eq!(filter_directive(Some("debug")), "mmops=debug,warn");
        assert_eq!(filter_directive(Some("hyper=trace")), "hyper=trace");
    }
}
