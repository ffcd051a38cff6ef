//! The running capture as mmops records it in its state directory (`capture.json`): written
//! before the level is raised, removed once it is put back, so a capture whose mmops died is
//! found by the next mmops to start, whatever command it runs.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const SCHEMA: &str = "mmops.capture/1";
const FILE_NAME: &str = "capture.json";

/// One level setting mmops raised, and what it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelChange {
    /// `LogSettings.FileLevel`.
    pub setting: String,
    pub before: String,
    pub during: String,
}

/// Where a log file of this host ended when the capture started: its lines from there on are
/// the capture's, so the window is read without reading the whole file again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMark {
    pub path: PathBuf,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    pub schema: String,
    pub id: String,
    /// The server as the status bar names it (its URL, or the local socket).
    pub server: String,
    /// The profile it was reached with, to name in advice.
    #[serde(default)]
    pub profile: Option<String>,
    pub started_ms: i64,
    /// mmops puts the levels back itself at this time.
    pub deadline_ms: i64,
    /// The cluster's nodes (hostnames), or the one server.
    pub nodes: Vec<String>,
    /// Who ran it: the user the token belongs to, or the account in local mode.
    pub by: String,
    /// What mmops raised; empty when it captures at the current level.
    pub changes: Vec<LevelChange>,
    /// Every level setting looked at, as it was at the start (`LogSettings.FileLevel` → `INFO`).
    pub levels_before: Vec<(String, String)>,
    /// Why the level was left as it is, when it was.
    pub at_current_level: Option<String>,
    pub file_marks: Vec<FileMark>,
    /// The process that puts the levels back at the deadline (the console, or the watchdog of
    /// `mmops capture start`).
    pub owner_pid: u32,
    /// The config at the start, sanitized, for the diff at the stop.
    pub config_before: Option<Value>,
}

impl Capture {
    pub fn is_overdue(&self, now_ms: i64) -> bool {
        now_ms >= self.deadline_ms
    }

    /// Whether the process that keeps the deadline is still running (a zombie nobody has
    /// reaped yet is not).
    pub fn owner_alive(&self) -> bool {
        if self.owner_pid == std::process::id() {
            return true;
        }
        if self.owner_pid == 0 {
            return false;
        }
        match std::fs::read_to_string(format!("/proc/{}/stat", self.owner_pid)) {
            // `pid (comm) S ...`: the state follows the last parenthesis.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| !matches!(state, "Z" | "X")),
            Err(_) => false,
        }
    }

    /// "DEBUG on mm-app-1, mm-app-2", or "at the current level on ...".
    pub fn headline(&self) -> String {
        let level = match self.changes.first() {
            Some(change) => change.during.clone(),
            None => "the current level".to_string(),
        };
        format!("{level} on {}", self.nodes.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("a capture on {} is already running (started {}); stop it first", .0.server, crate::timefmt::utc_clock(.0.started_ms))]
    AlreadyRunning(Box<Capture>),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} is not a capture record mmops can read ({detail}); it is left as it is: look at it, restore the levels by hand, then delete it", path.display())]
    Corrupt { path: PathBuf, detail: String },
}

/// The record's file in mmops' state directory.
#[derive(Debug, Clone)]
pub struct CaptureFile {
    path: PathBuf,
}

impl CaptureFile {
    pub fn in_dir(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: io::Error) -> RecordError {
        RecordError::Io {
            path: self.path.clone(),
            source,
        }
    }

    pub fn load(&self) -> Result<Option<Capture>, RecordError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.io(err)),
        };
        let capture: Capture =
            serde_json::from_slice(&bytes).map_err(|e| RecordError::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            })?;
        if capture.schema != SCHEMA {
            return Err(RecordError::Corrupt {
                path: self.path.clone(),
                detail: format!("schema {:?}", capture.schema),
            });
        }
        Ok(Some(capture))
    }

    /// Records a new capture; refused while another one is recorded, even by a process
    /// starting at the same moment (the file is linked into place only if it is not there).
    pub fn create(&self, capture: &Capture) -> Result<(), RecordError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        crate::fsutil::create_private_dir(dir).map_err(|e| self.io(e))?;
        let bytes = serde_json::to_vec_pretty(capture).map_err(|e| self.io(io::Error::other(e)))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".capture-")
            .tempfile_in(dir)
            .map_err(|e| self.io(e))?;
        io::Write::write_all(&mut temp, &bytes).map_err(|e| self.io(e))?;
        temp.as_file().sync_all().map_err(|e| self.io(e))?;
        match temp.persist_noclobber(&self.path) {
            Ok(_) => {
                crate::fsutil::sync_dir(dir);
                Ok(())
            }
            Err(err) if err.error.kind() == io::ErrorKind::AlreadyExists => match self.load() {
                Ok(Some(existing)) => Err(RecordError::AlreadyRunning(Box::new(existing))),
                Ok(None) => Err(self.io(err.error)),
                Err(other) => Err(other),
            },
            Err(err) => Err(self.io(err.error)),
        }
    }

    /// Replaces the record (a new owner, levels now raised).
    pub fn save(&self, capture: &Capture) -> Result<(), RecordError> {
        let bytes = serde_json::to_vec_pretty(capture).map_err(|e| self.io(io::Error::other(e)))?;
        crate::fsutil::write_private_atomic(&self.path, &bytes).map_err(|e| self.io(e))
    }

    /// Removes the record of capture `id`; another capture's record is left alone.
    pub fn remove(&self, id: &str) -> Result<(), RecordError> {
        match self.load()? {
            Some(capture) if capture.id == id => match std::fs::remove_file(&self.path) {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(err) => Err(self.io(err)),
            },
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
pub(crate) fn sample(id: &str, started_ms: i64) -> Capture {
    Capture {
        schema: SCHEMA.to_string(),
        id: id.to_string(),
        server: "https://chat.example.com".to_string(),
        profile: None,
        started_ms,
        deadline_ms: started_ms + 30 * 60_000,
        nodes: vec!["mm-app-1".into(), "mm-app-2".into()],
        by: "alice".to_string(),
        changes: vec![LevelChange {
            setting: "LogSettings.FileLevel".into(),
            before: "INFO".into(),
            during: "DEBUG".into(),
        }],
        levels_before: vec![("LogSettings.FileLevel".into(), "INFO".into())],
        at_current_level: None,
        file_marks: Vec::new(),
        owner_pid: std::process::id(),
        config_before: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_a_second_capture_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = CaptureFile::in_dir(&dir.path().join("state"));
        assert!(file.load().unwrap().is_none());
        let first = sample("a", 1_000);
        file.create(&first).unwrap();
        assert_eq!(file.load().unwrap(), Some(first.clone()));
        match file.create(&sample("b", 2_000)) {
            Err(RecordError::AlreadyRunning(existing)) => assert_eq!(existing.id, "a"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Removing another capture's record leaves this one.
        file.remove("b").unwrap();
        assert!(file.load().unwrap().is_some());
        file.remove("a").unwrap();
        assert!(file.load().unwrap().is_none());
        use std::os::unix::fs::PermissionsExt;
        file.create(&first).unwrap();
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the record is private");
    }

    #[test]
    fn a_corrupt_record_is_an_error_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = CaptureFile::in_dir(dir.path());
        std::fs::write(file.path(), b"{not json").unwrap();
        assert!(matches!(file.load(), Err(RecordError::Corrupt { .. })));
        assert!(matches!(
            file.create(&sample("a", 1)),
            Err(RecordError::Corrupt { .. })
        ));
        assert_eq!(std::fs::read(file.path()).unwrap(), b"{not json");
    }

    #[test]
    fn a_dead_owner_is_told_apart_from_a_live_one() {
        let mut capture = sample("a", 1);
        assert!(capture.owner_alive());
        capture.owner_pid = u32::MAX - 1;
        assert!(!capture.owner_alive());
        assert!(capture.is_overdue(capture.deadline_ms));
        assert!(!capture.is_overdue(capture.deadline_ms - 1));
        assert_eq!(capture.headline(), "DEBUG on mm-app-1, mm-app-2");
    }
}
