//! What the doctor knows about a server: each kind of fact either known or missing with the
//! reason, so a rule that needs a missing one says "not checked" instead of passing.

use serde::Deserialize;
use serde_json::Value;

use super::host::HostCheck;
use super::logs::LogFacts;
use super::rule::{FactKind, Missing};
use crate::mm::ServerVersion;
use crate::mm::models::{ClientLicense, ClusterNode, Ping, SiteStats};
use crate::plugins::Plugin;

#[derive(Debug, Clone, PartialEq)]
pub enum Fact<T> {
    Known(T),
    Missing(String),
}

impl<T> Fact<T> {
    pub fn missing(reason: impl Into<String>) -> Self {
        Fact::Missing(reason.into())
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(value) => Some(value),
            Fact::Missing(_) => None,
        }
    }

    fn get(&self, kind: FactKind) -> Result<&T, Missing> {
        match self {
            Fact::Known(value) => Ok(value),
            Fact::Missing(reason) => Err(Missing {
                fact: kind,
                reason: reason.clone(),
            }),
        }
    }
}

/// The config as the doctor reads it: sanitized, so no rule and no evidence can hold a secret.
/// The one secret a rule judges, the public-link salt, is judged before sanitizing.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFacts {
    pub config: Value,
    /// Where it was read: the API, the local socket, a file.
    pub source: String,
    pub public_link_salt: SaltState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaltState {
    /// Not in this config (an older server, or a sanitized copy).
    Unknown,
    Empty,
    /// A value published in Mattermost's sample configs, so known to anyone.
    Published,
    Own,
}

/// The running server: its version, its health check and its statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerFacts {
    pub version: Option<ServerVersion>,
    /// The health check with the database and file store status; `Err` says why it failed;
    /// `None` when there was none (a support packet holds only the file store's status).
    pub health: Option<Result<Ping, String>>,
    /// Site statistics; `Err` says why they are missing (a permission, local mode).
    pub stats: Result<SiteStats, String>,
    /// The operating system the server runs on, when known (from the host or a packet).
    pub os: Option<String>,
    /// The database driver the server reports (`postgres`, `mysql`).
    pub database_driver: Option<String>,
    /// The search engine's plugins, when known (a packet of 11.0 or later).
    pub search_plugins: Option<Vec<String>>,
}

/// One run of a background job (`GET /api/v4/jobs`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Job {
    #[serde(default)]
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub create_at: i64,
    #[serde(default)]
    pub last_activity_at: i64,
    #[serde(default)]
    pub data: Value,
}

impl Job {
    pub fn failed(&self) -> bool {
        self.status.eq_ignore_ascii_case("error")
    }

    /// The error the job recorded, when any.
    pub fn error(&self) -> String {
        self.data
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    pub fn at_ms(&self) -> Option<i64> {
        [self.last_activity_at, self.create_at]
            .into_iter()
            .find(|ms| *ms > 0)
    }
}

/// The database behind the server (`--db-url`), read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseFacts {
    /// `server_version_num`, e.g. 160004.
    pub version_num: i64,
    pub version: String,
    /// `None` when unknown (a support packet gives the version only).
    pub max_connections: Option<i64>,
}

impl DatabaseFacts {
    pub fn major(&self) -> i64 {
        self.version_num / 10_000
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub now_ms: i64,
    /// What the facts were read from, for the report's first line.
    pub source: String,
    pub config: Fact<ConfigFacts>,
    pub server: Fact<ServerFacts>,
    pub cluster: Fact<Vec<ClusterNode>>,
    pub plugins: Fact<Vec<Plugin>>,
    pub jobs: Fact<Vec<Job>>,
    pub logs: Fact<LogFacts>,
    pub license: Fact<ClientLicense>,
    pub host: Fact<HostCheck>,
    pub database: Fact<DatabaseFacts>,
    /// mmops' own capture on this server, running or left unfinished (its state directory).
    pub capture: Option<crate::capture::Capture>,
}

impl Facts {
    /// Nothing known, each fact missing for `reason`: the start of every gathering and test.
    pub fn none(now_ms: i64, reason: &str) -> Self {
        Self {
            now_ms,
            source: String::new(),
            config: Fact::missing(reason),
            server: Fact::missing(reason),
            cluster: Fact::missing(reason),
            plugins: Fact::missing(reason),
            jobs: Fact::missing(reason),
            logs: Fact::missing(reason),
            license: Fact::missing(reason),
            host: Fact::missing(reason),
            database: Fact::missing(reason),
            capture: None,
        }
    }

    pub fn is_known(&self, kind: FactKind) -> bool {
        self.missing_reason(kind).is_none()
    }

    pub fn missing_reason(&self, kind: FactKind) -> Option<&str> {
        fn reason<T>(fact: &Fact<T>) -> Option<&str> {
            match fact {
                Fact::Known(_) => None,
                Fact::Missing(reason) => Some(reason),
            }
        }
        match kind {
            FactKind::Config => reason(&self.config),
            FactKind::Server => reason(&self.server),
            FactKind::Cluster => reason(&self.cluster),
            FactKind::Plugins => reason(&self.plugins),
            FactKind::Jobs => reason(&self.jobs),
            FactKind::Logs => reason(&self.logs),
            FactKind::License => reason(&self.license),
            FactKind::Host => reason(&self.host),
            FactKind::Database => reason(&self.database),
        }
    }

    pub fn config(&self) -> Result<&ConfigFacts, Missing> {
        self.config.get(FactKind::Config)
    }

    pub fn server(&self) -> Result<&ServerFacts, Missing> {
        self.server.get(FactKind::Server)
    }

    pub fn stats(&self) -> Result<&SiteStats, Missing> {
        self.server()?.stats.as_ref().map_err(|why| Missing {
            fact: FactKind::Server,
            reason: format!("site statistics: {why}"),
        })
    }

    pub fn cluster(&self) -> Result<&[ClusterNode], Missing> {
        self.cluster.get(FactKind::Cluster).map(Vec::as_slice)
    }

    pub fn plugins(&self) -> Result<&[Plugin], Missing> {
        self.plugins.get(FactKind::Plugins).map(Vec::as_slice)
    }

    pub fn jobs(&self) -> Result<&[Job], Missing> {
        self.jobs.get(FactKind::Jobs).map(Vec::as_slice)
    }

    pub fn logs(&self) -> Result<&LogFacts, Missing> {
        self.logs.get(FactKind::Logs)
    }

    pub fn license(&self) -> Result<&ClientLicense, Missing> {
        self.license.get(FactKind::License)
    }

    pub fn host(&self) -> Result<&HostCheck, Missing> {
        self.host.get(FactKind::Host)
    }

    pub fn database(&self) -> Result<&DatabaseFacts, Missing> {
        self.database.get(FactKind::Database)
    }

    /// A setting by its dotted path (`ServiceSettings.SiteURL`). A setting this config does
    /// not have (an older or newer server) is missing, not a default.
    pub fn setting(&self, path: &str) -> Result<&Value, Missing> {
        let config = &self.config()?.config;
        let pointer = crate::server_config::pointer(path);
        config.pointer(&pointer).ok_or_else(|| Missing {
            fact: FactKind::Config,
            reason: format!("{path} is not in this config (a server of another version?)"),
        })
    }

    /// A setting that is absent counts as `default` (for settings that only newer servers
    /// write, or sections an older server leaves out).
    pub fn setting_or<'a>(&'a self, path: &str, default: &'a Value) -> Result<&'a Value, Missing> {
        match self.setting(path) {
            Ok(value) => Ok(value),
            Err(_) => self.config().map(|_| default),
        }
    }

    pub fn flag(&self, path: &str) -> Result<bool, Missing> {
        let value = self.setting(path)?;
        as_flag(value).ok_or_else(|| Missing {
            fact: FactKind::Config,
            reason: format!("{path} is not true or false"),
        })
    }

    /// A flag that is absent counts as `default`.
    pub fn flag_or(&self, path: &str, default: bool) -> Result<bool, Missing> {
        self.config()?;
        Ok(self.setting(path).ok().and_then(as_flag).unwrap_or(default))
    }

    pub fn number(&self, path: &str) -> Result<i64, Missing> {
        let value = self.setting(path)?;
        as_number(value).ok_or_else(|| Missing {
            fact: FactKind::Config,
            reason: format!("{path} is not a number"),
        })
    }

    /// A text setting, trimmed; an absent one is empty.
    pub fn text(&self, path: &str) -> Result<String, Missing> {
        self.config()?;
        Ok(self
            .setting(path)
            .ok()
            .map(display_value)
            .unwrap_or_default()
            .trim()
            .to_string())
    }
}

pub fn as_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub fn as_number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value as evidence shows it: strings bare, everything else as JSON.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
