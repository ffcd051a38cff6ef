//! What a capture will do on this server, found out before asking the admin: the levels now,
//! which of them to raise, and anything that stops mmops from raising them (an environment
//! variable, a read-only config, a missing permission, logging turned off).

use serde_json::Value;

use super::record::LevelChange;
use crate::mm::{ApiError, MmClient};

pub const FILE_LEVEL: &str = "LogSettings.FileLevel";
pub const CONSOLE_LEVEL: &str = "LogSettings.ConsoleLevel";
const DEBUG: &str = "DEBUG";

/// Why mmops captures at the current level instead of raising it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// The settings come from environment variables, which the API cannot change.
    Environment(Vec<String>),
    /// `ClusterSettings.ReadOnlyConfig` on a cluster: the server refuses config changes.
    ReadOnly,
    /// The session lacks the permission to change the config.
    Permission(String),
    /// Neither file nor console logging is on: there is no log to raise.
    NoLogging,
    /// The server refused the change when asked (a database config store without write
    /// access, a setting it keeps): its words.
    Refused(String),
}

impl Blocked {
    pub fn describe(&self) -> String {
        match self {
            Blocked::Environment(settings) => format!(
                "{} set by environment variables ({}), which the API cannot change",
                settings.join(" and "),
                settings
                    .iter()
                    .map(|s| env_var(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Blocked::ReadOnly => "the server's config is read-only (ClusterSettings.ReadOnlyConfig on a cluster): it refuses changes from the API".to_string(),
            Blocked::Permission(permission) => format!(
                "changing the config needs the '{permission}' permission, which this session does not have (or use local mode)"
            ),
            Blocked::NoLogging => "neither file nor console logging is on (LogSettings.EnableFile, EnableConsole)".to_string(),
            Blocked::Refused(words) => format!("the server refused the change: {words}"),
        }
    }
}

/// `LogSettings.FileLevel` → `MM_LOGSETTINGS_FILELEVEL`.
pub fn env_var(setting: &str) -> String {
    format!("MM_{}", setting.replace('.', "_").to_uppercase())
}

/// One level setting as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelNow {
    pub setting: &'static str,
    /// `None` when it could not be read.
    pub value: Option<String>,
    /// The capture raises it (the logs it governs are the ones mmops reads).
    pub raise: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub server: String,
    pub nodes: Vec<String>,
    pub by: String,
    pub levels: Vec<LevelNow>,
    pub blocked: Option<Blocked>,
    /// The config now, sanitized (for the diff at the stop); `None` when it cannot be read.
    pub config: Option<Value>,
}

impl Plan {
    /// What the start will change: nothing when blocked, or when every level to raise is
    /// DEBUG or finer already.
    pub fn changes(&self) -> Vec<LevelChange> {
        if self.blocked.is_some() {
            return Vec::new();
        }
        self.levels
            .iter()
            .filter(|level| level.raise)
            .filter_map(|level| {
                let before = level.value.clone()?;
                (!is_debug_or_finer(&before)).then(|| LevelChange {
                    setting: level.setting.to_string(),
                    before,
                    during: DEBUG.to_string(),
                })
            })
            .collect()
    }

    pub fn levels_before(&self) -> Vec<(String, String)> {
        self.levels
            .iter()
            .filter_map(|l| Some((l.setting.to_string(), l.value.clone()?)))
            .collect()
    }

    /// Why the capture runs at the current level, when it does.
    pub fn at_current_level(&self) -> Option<String> {
        if let Some(blocked) = &self.blocked {
            return Some(blocked.describe());
        }
        self.changes().is_empty().then(|| {
            "the levels mmops reads are at DEBUG or finer already; nothing to raise".to_string()
        })
    }
}

pub fn is_debug_or_finer(level: &str) -> bool {
    level.eq_ignore_ascii_case("debug") || level.eq_ignore_ascii_case("trace")
}

fn text_at(config: &Value, setting: &str) -> Option<String> {
    match config.pointer(&crate::server_config::pointer(setting))? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag_at(config: &Value, setting: &str) -> Option<bool> {
    config
        .pointer(&crate::server_config::pointer(setting))
        .and_then(Value::as_bool)
}

/// What the server answered before the start, as [`decide`] reads it.
pub struct Answers {
    pub server: String,
    pub local: bool,
    /// `GET /config`, or why not.
    pub config: Result<Value, ApiError>,
    /// `GET /config/environment`, or why not.
    pub environment: Result<Value, ApiError>,
    /// The cluster's hostnames (empty: one server).
    pub nodes: Vec<String>,
    pub by: String,
    /// The client config's `EnableFile` and `FileLevel`, for a session that may not read
    /// the config itself.
    pub client_levels: Option<(bool, String)>,
}

/// The plan from what the server answered.
pub fn decide(answers: Answers) -> Plan {
    let config = answers.config.as_ref().ok();
    let mut blocked = None;
    let (file_on, console_on, file_level, console_level) = match config {
        Some(config) => (
            flag_at(config, "LogSettings.EnableFile").unwrap_or(true),
            flag_at(config, "LogSettings.EnableConsole").unwrap_or(true),
            text_at(config, FILE_LEVEL),
            text_at(config, CONSOLE_LEVEL),
        ),
        None => {
            let (file_on, level) = answers
                .client_levels
                .clone()
                .map_or((true, None), |(on, level)| (on, Some(level)));
            (file_on, false, level, None)
        }
    };
    // mmops reads the file where there is one; without it the logs are the console's
    // (journald), so that is the level to raise.
    let raise_file = file_on;
    let raise_console = !file_on && console_on;
    let levels = vec![
        LevelNow {
            setting: FILE_LEVEL,
            value: file_level,
            raise: raise_file,
        },
        LevelNow {
            setting: CONSOLE_LEVEL,
            value: console_level,
            raise: raise_console,
        },
    ];
    let denied = |result: &Result<Value, ApiError>| match result {
        Err(err @ ApiError::Forbidden { .. }) => Some(
            err.missing_permission()
                .unwrap_or(crate::mm::api::permission::MANAGE_SYSTEM)
                .to_string(),
        ),
        _ => None,
    };
    if !raise_file && !raise_console && config.is_some() {
        blocked = Some(Blocked::NoLogging);
    }
    if blocked.is_none()
        && let Some(config) = config
        && flag_at(config, "ClusterSettings.Enable") == Some(true)
        && flag_at(config, "ClusterSettings.ReadOnlyConfig") == Some(true)
    {
        blocked = Some(Blocked::ReadOnly);
    }
    if blocked.is_none()
        && let Ok(environment) = &answers.environment
    {
        let from_env: Vec<String> = levels
            .iter()
            .filter(|l| l.raise && flag_at(environment, l.setting) == Some(true))
            .map(|l| l.setting.to_string())
            .collect();
        if !from_env.is_empty() {
            blocked = Some(Blocked::Environment(from_env));
        }
    }
    // Only a system admin may read the environment's settings: without it, no change.
    if blocked.is_none()
        && !answers.local
        && let Some(permission) = denied(&answers.environment).or_else(|| denied(&answers.config))
    {
        blocked = Some(Blocked::Permission(
            if permission == crate::mm::api::permission::ANY_SYSCONSOLE_READ {
                crate::mm::api::permission::MANAGE_SYSTEM.to_string()
            } else {
                permission
            },
        ));
    }
    let nodes = if answers.nodes.is_empty() {
        vec![answers.server.clone()]
    } else {
        answers.nodes
    };
    Plan {
        server: answers.server,
        nodes,
        by: answers.by,
        levels,
        blocked,
        config: config.map(|c| crate::sanitize::sanitize_config(c, &[]).config),
    }
}

/// Asks the server what [`decide`] needs, every question at once: one round trip.
pub async fn plan(client: &MmClient) -> Result<Plan, ApiError> {
    let local = client.is_local();
    let (config, environment, nodes, me, client_config) = tokio::join!(
        client.full_config(),
        client.config_environment(),
        async {
            if local {
                Ok(Vec::new())
            } else {
                client.cluster_status().await
            }
        },
        async { if local { None } else { Some(client.me().await) } },
        client.client_config(),
    );
    // A server that cannot be reached, or a session it refuses, is an error, not a plan.
    for err in [config.as_ref().err(), environment.as_ref().err()]
        .into_iter()
        .flatten()
    {
        if err.is_unreachable() || err.needs_login() {
            return Err(err.clone());
        }
    }
    let by = match me {
        Some(Ok(user)) => user.username,
        Some(Err(err)) if err.needs_login() || err.is_unreachable() => return Err(err),
        Some(Err(_)) => "a user mmops could not name".to_string(),
        None => format!("{} (local mode)", local_account()),
    };
    let client_levels = client_config.ok().and_then(|c| {
        let level = c.get("FileLevel")?.to_string();
        let on = c.get("EnableFile").is_none_or(|v| v == "true");
        Some((on, level))
    });
    Ok(decide(Answers {
        server: client.display_name().to_string(),
        local,
        config,
        environment,
        nodes: nodes
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.hostname)
            .filter(|h| !h.is_empty())
            .collect(),
        by,
        client_levels,
    }))
}

/// The account mmops runs as, for `by` in local mode.
pub fn local_account() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("uid {}", nix::unistd::getuid()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(file_level: &str, read_only: bool) -> Value {
        json!({
            "LogSettings": {"EnableFile": true, "FileLevel": file_level, "EnableConsole": true, "ConsoleLevel": "INFO"},
            "ClusterSettings": {"Enable": true, "ReadOnlyConfig": read_only},
            "SqlSettings": {"DataSource": "postgres://mm:canary-password@db/mm"}
        })
    }

    fn answers(config: Result<Value, ApiError>, environment: Result<Value, ApiError>) -> Answers {
        Answers {
            server: "https://chat.example.com".into(),
            local: false,
            config,
            environment,
            nodes: vec!["mm-app-1".into(), "mm-app-2".into()],
            by: "alice".into(),
            client_levels: None,
        }
    }

    fn forbidden(permission: &str) -> ApiError {
        ApiError::Forbidden {
            endpoint: "GET /api/v4/config/environment".into(),
            permission: Some(permission.into()),
            message: "no".into(),
        }
    }

    #[test]
    fn the_file_level_is_raised_and_nothing_else() {
        let plan = decide(answers(Ok(config("INFO", false)), Ok(json!({}))));
        assert_eq!(plan.blocked, None);
        assert_eq!(
            plan.changes(),
            vec![LevelChange {
                setting: FILE_LEVEL.into(),
                before: "INFO".into(),
                during: "DEBUG".into()
            }]
        );
        assert_eq!(plan.at_current_level(), None);
        let kept = serde_json::to_string(&plan.config).unwrap();
        assert!(
            !kept.contains("canary-password"),
            "the kept config is sanitized"
        );
    }

    #[test]
    fn without_a_file_the_console_level_is_raised() {
        let mut config = config("INFO", false);
        config["LogSettings"]["EnableFile"] = json!(false);
        let plan = decide(answers(Ok(config), Ok(json!({}))));
        let changes = plan.changes();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].setting, CONSOLE_LEVEL);
    }

    #[test]
    fn what_stops_a_change_is_named() {
        let plan = decide(answers(Ok(config("INFO", true)), Ok(json!({}))));
        assert_eq!(plan.blocked, Some(Blocked::ReadOnly));
        assert!(plan.changes().is_empty());
        assert!(plan.at_current_level().unwrap().contains("ReadOnlyConfig"));

        let env = json!({"LogSettings": {"FileLevel": true}});
        let plan = decide(answers(Ok(config("INFO", false)), Ok(env)));
        assert_eq!(
            plan.blocked,
            Some(Blocked::Environment(vec![FILE_LEVEL.into()]))
        );
        assert!(
            plan.at_current_level()
                .unwrap()
                .contains("MM_LOGSETTINGS_FILELEVEL")
        );

        let plan = decide(answers(
            Err(forbidden("sysconsole_read_*")),
            Err(forbidden("manage_system")),
        ));
        assert_eq!(
            plan.blocked,
            Some(Blocked::Permission("manage_system".into()))
        );
        assert!(plan.at_current_level().unwrap().contains("'manage_system'"));
    }

    #[test]
    fn a_level_at_debug_already_needs_no_change() {
        let plan = decide(answers(Ok(config("debug", false)), Ok(json!({}))));
        assert!(plan.changes().is_empty());
        assert!(plan.at_current_level().unwrap().contains("already"));
    }

    #[test]
    fn local_mode_needs_no_permission_and_names_the_server() {
        let mut answers = answers(Ok(config("INFO", false)), Err(forbidden("manage_system")));
        answers.local = true;
        answers.nodes.clear();
        let plan = decide(answers);
        assert_eq!(plan.blocked, None);
        assert_eq!(plan.nodes, vec!["https://chat.example.com".to_string()]);
    }
}
