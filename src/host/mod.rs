//! The Mattermost install on this host (`--mm-home`): where its config and logs are, and the
//! facts about the machine that only an on-host reader can see.

pub mod logs;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The conventional install directory, used when `--mm-home` is not given.
pub const DEFAULT_MM_HOME: &str = "/opt/mattermost";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeOrigin {
    Flag,
    Profile,
    AutoDetected,
    Demo,
}

impl std::fmt::Display for HomeOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HomeOrigin::Flag => "--mm-home",
            HomeOrigin::Profile => "profile",
            HomeOrigin::AutoDetected => "auto-detected",
            HomeOrigin::Demo => "demo host dir",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmHome {
    pub root: PathBuf,
    pub origin: HomeOrigin,
}

impl MmHome {
    pub fn new(root: impl Into<PathBuf>, origin: HomeOrigin) -> Self {
        Self {
            root: root.into(),
            origin,
        }
    }

    /// `/opt/mattermost` when its config or logs can be read by this user.
    pub fn auto_detect() -> Option<Self> {
        let home = Self::new(DEFAULT_MM_HOME, HomeOrigin::AutoDetected);
        let readable = std::fs::File::open(home.config_path()).is_ok()
            || std::fs::read_dir(home.root.join("logs")).is_ok();
        readable.then_some(home)
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("config").join("config.json")
    }

    /// Reads and parses `config/config.json`. The result holds secrets: it must go through
    /// the sanitizer before it is shown or written anywhere.
    pub fn read_config(&self) -> Result<Value, HostError> {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).map_err(|source| HostError::Read {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|err| HostError::Parse {
            path,
            detail: err.to_string(),
        })
    }

    /// The log directory: `LogSettings.FileLocation` from the config when set (relative paths
    /// are relative to the install dir), otherwise `<root>/logs`.
    pub fn logs_dir(&self, config: Option<&Value>) -> PathBuf {
        let location = config
            .and_then(|c| c.pointer("/LogSettings/FileLocation"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match location {
            Some(loc) => {
                let path = Path::new(loc);
                // FileLocation may name the file itself on old servers.
                let dir = if path.extension().is_some_and(|e| e == "log") {
                    path.parent().unwrap_or(path)
                } else {
                    path
                };
                if dir.is_absolute() {
                    dir.to_path_buf()
                } else {
                    self.root.join(dir)
                }
            }
            None => self.root.join("logs"),
        }
    }

    /// What this host is: OS, architecture, hostname, and where the install keeps things.
    pub fn facts(&self) -> HostFacts {
        let config = self.read_config();
        let logs_dir = self.logs_dir(config.as_ref().ok());
        HostFacts {
            os: os_pretty_name(),
            architecture: std::env::consts::ARCH.to_string(),
            hostname: hostname(),
            config_file: self.config_path(),
            config_readable: config.is_ok(),
            config_error: config.err().map(|e| e.to_string()),
            logs_dir: logs_dir.clone(),
            logs_readable: std::fs::read_dir(&logs_dir).is_ok(),
            logs_exist: logs_dir.exists(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    pub os: String,
    pub architecture: String,
    pub hostname: String,
    pub config_file: PathBuf,
    pub config_readable: bool,
    pub config_error: Option<String>,
    pub logs_dir: PathBuf,
    pub logs_readable: bool,
    pub logs_exist: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid JSON: {detail}", path.display())]
    Parse { path: PathBuf, detail: String },
}

/// `PRETTY_NAME` from os-release, or the kernel name when that file is missing.
pub fn os_pretty_name() -> String {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| parse_os_release(&text))
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

fn parse_os_release(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix("PRETTY_NAME=")?;
        let value = value.trim().trim_matches('"').trim_matches('\'');
        (!value.is_empty()).then(|| value.to_string())
    })
}

pub fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_pretty_name() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(
            parse_os_release(text).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(parse_os_release("ID=x\n"), None);
    }

    #[test]
    fn logs_dir_follows_file_location() {
        let home = MmHome::new("/opt/mattermost", HomeOrigin::Flag);
        assert_eq!(home.logs_dir(None), PathBuf::from("/opt/mattermost/logs"));
        let rel = serde_json::json!({"LogSettings": {"FileLocation": "./custom"}});
        assert_eq!(
            home.logs_dir(Some(&rel)),
            PathBuf::from("/opt/mattermost/./custom")
        );
        let abs =
            serde_json::json!({"LogSettings": {"FileLocation": "/var/log/mm/mattermost.log"}});
        assert_eq!(home.logs_dir(Some(&abs)), PathBuf::from("/var/log/mm"));
    }

    #[test]
    fn facts_of_a_written_install() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(
            dir.path().join("config/config.json"),
            "{\"LogSettings\":{}}",
        )
        .unwrap();
        let facts = MmHome::new(dir.path(), HomeOrigin::Flag).facts();
        assert!(facts.config_readable && facts.logs_readable);
        assert!(!facts.architecture.is_empty() && !facts.hostname.is_empty());
    }
}
