//! Stored credentials: mmops' own login sessions and mmctl's credentials file.
//!
//! A login session is written by `mmops login` to `<config dir>/sessions/<profile>.toml`, mode
//! 0600. mmctl keeps a JSON map of named entries in `~/.config/mmctl/config`; mmops reads the
//! active one when nothing else gives it a server and a token.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::paths::{Paths, home_dir};
use crate::fsutil;
use crate::secret::Secret;

/// The profile name used for sessions when no profile is selected.
pub const DEFAULT_SESSION_NAME: &str = "default";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionFile {
    url: String,
    username: String,
    token: String,
    created_at: String,
}

/// A session token obtained by `mmops login`.
#[derive(Debug, Clone)]
pub struct LoginSession {
    pub url: String,
    pub username: String,
    pub token: Secret,
    pub created_at: String,
    pub path: PathBuf,
}

pub fn session_path(paths: &Paths, profile: Option<&str>) -> PathBuf {
    let name = profile.unwrap_or(DEFAULT_SESSION_NAME);
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    paths.sessions_dir().join(format!("{safe}.toml"))
}

pub fn load_session(paths: &Paths, profile: Option<&str>) -> Option<LoginSession> {
    let path = session_path(paths, profile);
    let text = std::fs::read_to_string(&path).ok()?;
    match toml::from_str::<SessionFile>(&text) {
        Ok(file) => Some(LoginSession {
            url: file.url,
            username: file.username,
            token: Secret::new(file.token),
            created_at: file.created_at,
            path,
        }),
        Err(err) => {
            tracing::warn!(path = %path.display(), "ignoring unreadable session file: {err}");
            None
        }
    }
}

pub fn store_session(
    paths: &Paths,
    profile: Option<&str>,
    url: &str,
    username: &str,
    token: &Secret,
) -> std::io::Result<PathBuf> {
    let path = session_path(paths, profile);
    let file = SessionFile {
        url: url.to_string(),
        username: username.to_string(),
        token: token.expose().to_string(),
        created_at: chrono::Utc::now().to_rfc3339(),
    };
    let text = toml::to_string(&file).map_err(std::io::Error::other)?;
    fsutil::write_private_atomic(&path, text.as_bytes())?;
    Ok(path)
}

#[derive(Debug, Deserialize)]
struct MmctlEntry {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "authToken")]
    auth_token: String,
    #[serde(default, rename = "instanceUrl")]
    instance_url: String,
    #[serde(default)]
    active: bool,
}

/// The active entry of mmctl's credentials file.
#[derive(Debug, Clone)]
pub struct MmctlCredentials {
    pub name: String,
    pub url: String,
    pub token: Secret,
    pub path: PathBuf,
}

pub fn mmctl_config_path() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("mmctl").join("config"));
    }
    home_dir().map(|home| home.join(".config").join("mmctl").join("config"))
}

pub fn load_mmctl_active(path: &Path) -> Option<MmctlCredentials> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_mmctl(&text, path)
}

fn parse_mmctl(text: &str, path: &Path) -> Option<MmctlCredentials> {
    let entries: BTreeMap<String, MmctlEntry> = match serde_json::from_str(text) {
        Ok(entries) => entries,
        Err(err) => {
            tracing::warn!(path = %path.display(), "ignoring unreadable mmctl credentials: {err}");
            return None;
        }
    };
    let (key, entry) = entries.into_iter().find(|(_, e)| e.active)?;
    if entry.auth_token.is_empty() || entry.instance_url.is_empty() {
        return None;
    }
    Some(MmctlCredentials {
        name: if entry.name.is_empty() {
            key
        } else {
            entry.name
        },
        url: entry.instance_url,
        token: Secret::new(entry.auth_token),
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_active_mmctl_entry() {
        let text = r#"{
            "old": {"name":"old","username":"a","authToken":"t1","authMethod":"P","instanceUrl":"https://old.example.com","active":false},
            "prod": {"name":"prod","username":"b","authToken":"t2","authMethod":"T","instanceUrl":"https://chat.example.com","active":true}
        }"#;
        let creds = parse_mmctl(text, Path::new("/x")).unwrap();
        assert_eq!(creds.name, "prod");
        assert_eq!(creds.url, "https://chat.example.com");
        assert_eq!(creds.token.expose(), "t2");
    }

    #[test]
    fn no_active_entry_or_garbage_gives_nothing() {
        assert!(
            parse_mmctl(
                r#"{"a":{"authToken":"t","instanceUrl":"u"}}"#,
                Path::new("/x")
            )
            .is_none()
        );
        assert!(parse_mmctl("not json", Path::new("/x")).is_none());
    }

    #[test]
    fn sessions_round_trip_privately() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_file: dir.path().join("config.toml"),
            config_file_origin: super::super::paths::Origin::Default,
            config_dir: dir.path().to_path_buf(),
            data_dir: dir.path().join("data"),
            state_dir: dir.path().join("state"),
        };
        let token = Secret::new("session-token-xyz");
        let path = store_session(
            &paths,
            Some("prod/../x"),
            "https://a.example.com",
            "admin",
            &token,
        )
        .unwrap();
        assert!(path.starts_with(paths.sessions_dir()), "{path:?}");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let loaded = load_session(&paths, Some("prod/../x")).unwrap();
        assert_eq!(loaded.token.expose(), "session-token-xyz");
        assert_eq!(loaded.username, "admin");
    }
}
