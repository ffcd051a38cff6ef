//! The server's config as the Config tab shows it: sanitized by the one sanitizer, with what
//! is set by environment variables, what differs from the default, and what was masked.

pub mod defaults;
pub mod diff;
pub mod tree;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use self::tree::{Marks, Tree, leaf_paths, true_paths};
use crate::host::MmHome;
use crate::mm::{ApiError, MmClient, routes};
use crate::plugins::all_manifests;
use crate::sanitize::sanitize_config;

/// Where support looks first: log levels and file output, cluster, SQL pool, rate limiting,
/// file storage driver, email, plugin settings.
pub const SUPPORT_PATHS: &[&str] = &[
    "LogSettings.EnableFile",
    "LogSettings.FileLevel",
    "LogSettings.FileJson",
    "LogSettings.FileLocation",
    "LogSettings.EnableConsole",
    "LogSettings.ConsoleLevel",
    "LogSettings.EnableDiagnostics",
    "NotificationLogSettings",
    "ExperimentalAuditSettings",
    "ClusterSettings",
    "SqlSettings.DriverName",
    "SqlSettings.DataSource",
    "SqlSettings.DataSourceReplicas",
    "SqlSettings.MaxIdleConns",
    "SqlSettings.MaxOpenConns",
    "SqlSettings.ConnMaxLifetimeMilliseconds",
    "SqlSettings.ConnMaxIdleTimeMilliseconds",
    "SqlSettings.QueryTimeout",
    "RateLimitSettings",
    "FileSettings.DriverName",
    "FileSettings.Directory",
    "FileSettings.AmazonS3Bucket",
    "FileSettings.AmazonS3Endpoint",
    "FileSettings.AmazonS3Region",
    "EmailSettings.SendEmailNotifications",
    "EmailSettings.SMTPServer",
    "EmailSettings.SMTPPort",
    "EmailSettings.ConnectionSecurity",
    "EmailSettings.EnableSMTPAuth",
    "PluginSettings",
    "ServiceSettings.SiteURL",
    "ServiceSettings.ListenAddress",
];

/// Whether `path` is something support looks at (the path itself or a setting under it).
pub fn support_looks_at(path: &str) -> bool {
    SUPPORT_PATHS.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

/// What is known of the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Defaults {
    Unknown,
    /// The server left out what is default (`remove_defaults=true`): the rest changed.
    FromServer {
        changed: HashSet<String>,
    },
    /// mmops' built-in table: only `known` settings have a known default.
    Builtin {
        known: HashSet<String>,
        changed: HashSet<String>,
    },
}

impl From<Option<HashSet<String>>> for Defaults {
    fn from(changed: Option<HashSet<String>>) -> Self {
        match changed {
            Some(changed) => Defaults::FromServer { changed },
            None => Defaults::Unknown,
        }
    }
}

/// The built-in table's view of `config`, and the note that says so.
fn builtin_defaults(config: &Value, why: &str) -> (Defaults, String) {
    let (known, changed) = defaults::compare(config);
    let note = format!(
        "{why}: changed-from-default marks come from mmops' table of {} common settings ({} here); the others are unmarked",
        defaults::known_count(),
        known.len()
    );
    (Defaults::Builtin { known, changed }, note)
}

/// A config ready to show.
#[derive(Debug, Clone)]
pub struct ConfigDoc {
    /// Sanitized: no secret left.
    pub config: Value,
    pub tree: Tree,
    /// `GET /api/v4/config`, `the local socket`, or a file path.
    pub source: String,
    /// Why the environment markers or the defaults are missing, when they are.
    pub notes: Vec<String>,
    /// The plugin manifests, whose secret settings the sanitizer masks: a config compared
    /// with this one is sanitized with them too.
    pub manifests: Vec<Value>,
    /// What the server refused while the config itself was read (the environment overrides,
    /// the defaults, the plugins): said in `notes`, kept typed for the status bar.
    pub refusals: Vec<ApiError>,
}

impl ConfigDoc {
    /// Sanitizes `raw` (with the plugin manifests for their secret settings) and marks it.
    pub fn new(
        raw: &Value,
        manifests: &[Value],
        env: HashSet<String>,
        changed: Option<HashSet<String>>,
        source: String,
        notes: Vec<String>,
    ) -> Self {
        Self::with_defaults(raw, manifests, env, Defaults::from(changed), source, notes)
    }

    /// Like [`Self::new`], saying how much of the defaults is known.
    pub fn with_defaults(
        raw: &Value,
        manifests: &[Value],
        env: HashSet<String>,
        defaults: Defaults,
        source: String,
        notes: Vec<String>,
    ) -> Self {
        let sanitized = sanitize_config(raw, manifests);
        let (changed, defaults_known) = match defaults {
            Defaults::Unknown => (None, None),
            Defaults::FromServer { changed } => (Some(changed), None),
            Defaults::Builtin { known, changed } => (Some(changed), Some(known)),
        };
        let marks = Marks {
            env,
            changed,
            defaults_known,
            masked: sanitized
                .redactions
                .iter()
                .map(|r| r.path.clone())
                .collect(),
        };
        let tree = Tree::build(&sanitized.config, &marks);
        Self {
            config: sanitized.config,
            tree,
            source,
            notes,
            manifests: manifests.to_vec(),
            refusals: Vec::new(),
        }
    }

    /// The config from the server, with environment overrides and defaults when the server
    /// gives them.
    pub async fn load(client: &MmClient) -> Result<Self, ApiError> {
        let env_endpoint = routes::config_environment();
        let defaults_endpoint = routes::config();
        let trim_query = [("remove_defaults", "true".to_string())];
        let (config, plugins, env, trimmed) = tokio::join!(
            client.full_config(),
            client.plugins(),
            client.get_json::<Value>(&env_endpoint, &[]),
            client.get_json::<Value>(&defaults_endpoint, &trim_query),
        );
        let config = config?;
        let mut notes = Vec::new();
        let mut refusals = Vec::new();
        let manifests = match &plugins {
            Ok(plugins) => all_manifests(plugins),
            Err(err) => {
                refusals.push(err.clone());
                Vec::new()
            }
        };
        let env = match env {
            Ok(env) => true_paths(&env),
            Err(err) => {
                notes.push(format!("environment overrides unknown: {err}"));
                refusals.push(err);
                HashSet::new()
            }
        };
        let defaults = match trimmed {
            // A server that ignores remove_defaults answers the whole config.
            Ok(trimmed) if leaf_paths(&trimmed).len() < leaf_paths(&config).len() => {
                Defaults::FromServer {
                    changed: leaf_paths(&trimmed),
                }
            }
            Ok(_) => {
                let (defaults, note) = builtin_defaults(
                    &config,
                    "the server does not leave out defaults (remove_defaults, 10.4 and later)",
                );
                notes.push(note);
                defaults
            }
            Err(err) => {
                let (defaults, note) =
                    builtin_defaults(&config, &format!("the server's defaults unknown ({err})"));
                notes.push(note);
                refusals.push(err);
                defaults
            }
        };
        let source = if client.is_local() {
            "the local socket (not sanitized by the server; sanitized by mmops)".to_string()
        } else {
            routes::config().label()
        };
        let mut doc = Self::with_defaults(&config, &manifests, env, defaults, source, notes);
        doc.refusals = refusals;
        Ok(doc)
    }

    /// The config on disk in the install dir (no server needed; sanitized here).
    pub fn from_install(home: &MmHome) -> Result<Self, ConfigError> {
        let raw = home.read_config()?;
        let dir = crate::packet::collect::plugins_dir(home, Some(&raw));
        let manifests = crate::packet::collect::plugins_from_disk(&dir, Some(&raw))
            .map(|plugins| all_manifests(&plugins))
            .unwrap_or_default();
        let (defaults, note) = builtin_defaults(&raw, "read from disk");
        Ok(Self::with_defaults(
            &raw,
            &manifests,
            HashSet::new(),
            defaults,
            home.config_path().display().to_string(),
            vec![
                "read from disk: environment overrides are unknown".into(),
                note,
            ],
        ))
    }
}

/// Why a config could not be read, compared or saved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Install(#[from] crate::host::HostError),
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", .path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a readable zip: {detail}", .path.display())]
    NotAZip { path: PathBuf, detail: String },
    #[error("{} holds no sanitized_config.json", .path.display())]
    NoConfigInZip { path: PathBuf },
    #[error("{} is not a config (not a JSON object)", .path.display())]
    NotAnObject { path: PathBuf },
    #[error("{} is not JSON: {detail}", .path.display())]
    NotJson { path: PathBuf, detail: String },
}

impl ConfigError {
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ConfigError::Api(err) => Some(err),
            _ => None,
        }
    }
}

/// Where snapshots of a server's config are kept.
pub fn snapshot_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("config-snapshots")
}

/// Saves the sanitized config as `<dir>/<UTC time>.json` (0600); returns the path.
pub fn save_snapshot(dir: &Path, config: &Value, now_ms: i64) -> Result<PathBuf, ConfigError> {
    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Create {
        path: dir.to_path_buf(),
        source,
    })?;
    let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let path = dir.join(format!("{}.json", time.format("%Y-%m-%dT%H-%M-%SZ")));
    // A `Value` always serializes.
    let text = serde_json::to_vec_pretty(config).unwrap_or_default();
    crate::fsutil::write_private_atomic(&path, &text).map_err(|source| ConfigError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The newest snapshot, to offer as the default for a compare.
pub fn latest_snapshot(dir: &Path) -> Option<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    all.sort();
    all.pop()
}

/// A setting's dotted path (`LogSettings.FileLevel`) as a JSON pointer into the config.
pub fn pointer(path: &str) -> String {
    format!("/{}", path.replace('.', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn support_paths_match_settings_and_their_children() {
        assert!(support_looks_at("LogSettings.FileLevel"));
        assert!(support_looks_at("ClusterSettings.Enable"));
        assert!(support_looks_at("SqlSettings.DataSourceReplicas[0]"));
        assert!(!support_looks_at("LogSettings.FileLevelX"));
        assert!(!support_looks_at("TeamSettings.SiteName"));
    }

    #[test]
    fn the_doc_is_sanitized_and_marked() {
        let raw = json!({
            "SqlSettings": {"DataSource": "postgres://mm:CANARY-pw@db:5432/mm"},
            "ServiceSettings": {"SiteURL": "https://x"}
        });
        let doc = ConfigDoc::new(
            &raw,
            &[],
            ["ServiceSettings.SiteURL".to_string()].into(),
            None,
            "test".into(),
            vec![],
        );
        assert!(!doc.config.to_string().contains("CANARY"));
        let ds = doc
            .tree
            .rows
            .iter()
            .find(|r| r.path == "SqlSettings.DataSource")
            .unwrap();
        assert!(ds.masked);
        assert_eq!(ds.value.as_deref(), Some("postgres://****:****@db:5432/mm"));
        assert!(
            doc.tree
                .rows
                .iter()
                .any(|r| r.path == "ServiceSettings.SiteURL" && r.from_env)
        );
    }

    #[test]
    fn snapshots_are_saved_privately_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = save_snapshot(dir.path(), &json!({"A": 1}), 1_795_339_800_000).unwrap();
        assert!(path.ends_with("2026-11-22T09-30-00Z.json"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(latest_snapshot(dir.path()), Some(path));
    }
}
