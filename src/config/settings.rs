//! The user's config file: named profiles and UI preferences, in TOML.
//!
//! ```toml
//! default_profile = "prod"
//! theme = "dark"
//!
//! [ui]
//! refresh_secs = 30
//!
//! [capture]
//! max_minutes = 30
//! frame_rate = 30
//!
//! [profiles.prod]
//! url = "https://chat.example.com"
//! token_file = "~/.config/mmops/prod.token"
//! mm_home = "/opt/mattermost"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::paths::{Origin, Paths};
use crate::secret::Secret;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub default_profile: Option<String>,
    pub theme: Option<String>,
    #[serde(default)]
    pub ui: UiSettings,
    #[serde(default)]
    pub logs: LogSettings,
    #[serde(default)]
    pub capture: CaptureSettings,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiSettings {
    /// Seconds between background refreshes of the Server tab.
    pub refresh_secs: u64,
    /// Upper bound on frames drawn per second.
    pub frame_rate: u32,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            refresh_secs: 30,
            frame_rate: 30,
        }
    }
}

/// The Logs tab and `mmops logs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// Entries held in memory; the oldest are dropped (and counted) beyond this.
    pub buffer_entries: usize,
    /// Lines read from the end of each followed file when it is opened.
    pub initial_lines: usize,
    /// Lines asked for on each poll of the REST log API.
    pub rest_page: u32,
    /// Show times in "utc" or "local" time.
    pub time: TimeZoneChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeZoneChoice {
    Utc,
    Local,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            buffer_entries: 200_000,
            initial_lines: 5000,
            rest_page: 2000,
            time: TimeZoneChoice::Utc,
        }
    }
}

/// A capture (`R` in the console, `mmops capture`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaptureSettings {
    /// After this many minutes mmops puts the log levels back itself.
    pub max_minutes: u32,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        Self {
            max_minutes: crate::capture::DEFAULT_MAX_MINUTES,
        }
    }
}

/// One server the admin works with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub token_file: Option<PathBuf>,
    /// Use local mode over this unix socket instead of `url`.
    pub local_socket: Option<PathBuf>,
    pub mm_home: Option<PathBuf>,
    pub db_url: Option<Secret>,
    /// The environment variable that holds the database URL (kept out of the file).
    pub db_url_env: Option<String>,
    #[serde(default)]
    pub insecure: bool,
    pub theme: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("config file {} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("cannot read config file {}: {}", .0.display(), .1)]
    Read(PathBuf, std::io::Error),
    #[error("config file {} is not valid: {}", .0.display(), .1)]
    Parse(PathBuf, String),
    #[error("profile '{name}' is not defined; {}", known_profiles(.known))]
    UnknownProfile { name: String, known: Vec<String> },
}

fn known_profiles(known: &[String]) -> String {
    if known.is_empty() {
        "the config file has no [profiles.NAME] sections".to_string()
    } else {
        format!("known profiles: {}", known.join(", "))
    }
}

impl Settings {
    /// Loads the config file. A missing file is fine at its default place, an error when the
    /// user named it explicitly.
    pub fn load(paths: &Paths) -> Result<Self, SettingsError> {
        let path = &paths.config_file;
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if paths.config_file_origin == Origin::Default {
                    Ok(Self::default())
                } else {
                    Err(SettingsError::Missing(path.clone()))
                }
            }
            Err(err) => Err(SettingsError::Read(path.clone(), err)),
        }
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, SettingsError> {
        toml::from_str(text)
            .map_err(|err| SettingsError::Parse(path.to_path_buf(), err.to_string()))
    }

    /// The profile to use: the one named on the command line, else `default_profile`.
    pub fn profile(
        &self,
        requested: Option<&str>,
    ) -> Result<Option<(String, Profile)>, SettingsError> {
        let name = match requested.or(self.default_profile.as_deref()) {
            Some(name) => name,
            None => return Ok(None),
        };
        match self.profiles.get(name) {
            Some(profile) => Ok(Some((name.to_string(), profile.clone()))),
            None => Err(SettingsError::UnknownProfile {
                name: name.to_string(),
                known: self.profiles.keys().cloned().collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles_and_ui() {
        let text = r#"
            default_profile = "prod"
            theme = "light"
            [ui]
            refresh_secs = 10
            [profiles.prod]
            url = "https://chat.example.com"
            token_file = "/etc/mmops/token"
            [profiles.box]
            local_socket = "/var/tmp/mattermost_local.socket"
        "#;
        let settings = Settings::parse(Path::new("x.toml"), text).unwrap();
        assert_eq!(settings.ui.refresh_secs, 10);
        assert_eq!(settings.ui.frame_rate, 30);
        let (name, prod) = settings.profile(None).unwrap().unwrap();
        assert_eq!(name, "prod");
        assert_eq!(prod.url.as_deref(), Some("https://chat.example.com"));
        let (_, local) = settings.profile(Some("box")).unwrap().unwrap();
        assert!(local.local_socket.is_some());
    }

    #[test]
    fn unknown_profile_names_the_known_ones() {
        let settings =
            Settings::parse(Path::new("x.toml"), "[profiles.a]\n[profiles.b]\n").unwrap();
        let err = settings.profile(Some("c")).unwrap_err().to_string();
        assert!(err.contains("'c'") && err.contains("a, b"), "{err}");
    }

    #[test]
    fn typos_are_rejected_with_the_file_name() {
        let err = Settings::parse(
            Path::new("/home/x/config.toml"),
            "[profiles.a]\nulr = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("/home/x/config.toml") && err.contains("ulr"),
            "{err}"
        );
    }
}
