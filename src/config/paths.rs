//! Where mmops keeps its files.
//!
//! Config lives in `~/.config/mmops` on every Unix (also macOS, where command-line users expect
//! it there), data and state in the XDG data and state dirs. Each can be overridden with an
//! environment variable, which is also how the tests keep to their own temp dirs.

use std::path::{Path, PathBuf};

use directories::{BaseDirs, ProjectDirs};

/// How a path was chosen, for `mmops info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env(&'static str),
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag => f.write_str("--config"),
            Origin::Env(var) => write!(f, "${var}"),
            Origin::Default => f.write_str("default"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub config_file_origin: Origin,
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// Resolves every path from the `--config` flag, the environment and the XDG defaults.
    pub fn resolve(config_flag: Option<&Path>) -> Self {
        let base = BaseDirs::new();
        let project = ProjectDirs::from("", "", "mmops");
        let home = base.as_ref().map(|b| b.home_dir().to_path_buf());
        let fallback = std::env::temp_dir().join("mmops");

        let config_dir = env_path("MMOPS_CONFIG_DIR")
            .or_else(|| env_path("XDG_CONFIG_HOME").map(|p| p.join("mmops")))
            .or_else(|| home.as_ref().map(|h| h.join(".config").join("mmops")))
            .unwrap_or_else(|| fallback.join("config"));
        let data_dir = env_path("MMOPS_DATA_DIR")
            .or_else(|| project.as_ref().map(|p| p.data_dir().to_path_buf()))
            .unwrap_or_else(|| fallback.join("data"));
        let state_dir = env_path("MMOPS_STATE_DIR")
            .or_else(|| {
                project.as_ref().map(|p| {
                    p.state_dir()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| p.data_local_dir().to_path_buf())
                })
            })
            .unwrap_or_else(|| fallback.join("state"));

        let (config_file, config_file_origin) = match config_flag {
            Some(path) => (path.to_path_buf(), Origin::Flag),
            None => match env_path("MMOPS_CONFIG") {
                Some(path) => (path, Origin::Env("MMOPS_CONFIG")),
                None => (config_dir.join("config.toml"), Origin::Default),
            },
        };

        Self {
            config_file,
            config_file_origin,
            config_dir,
            data_dir,
            state_dir,
        }
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("mmops.log")
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.config_dir.join("sessions")
    }

    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The user's home directory, when there is one.
pub fn home_dir() -> Option<PathBuf> {
    BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}
