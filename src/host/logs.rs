//! Every log file an install writes, found from its config: `mattermost.log`, the
//! notifications log (servers up to 10.x), the audit file (`ExperimentalAuditSettings`), and each
//! file target of the advanced logging settings (how `audit.log`, `ldap.log` and the like are
//! configured since 10.7). The Logs tab follows them, the packet carries them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::MmHome;

/// One log file of the install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLog {
    /// The file's base name, as the server's own packet names it (`ldap.log`).
    pub name: String,
    pub path: PathBuf,
}

/// What the config names, split into what can be read and what was left out (and why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostLogs {
    /// `mattermost.log` first (even when it does not exist yet: it is the one to follow), then
    /// the others that exist, each file once.
    pub files: Vec<HostLog>,
    /// One sentence per file the config names but mmops does not read.
    pub skipped: Vec<String>,
}

/// The settings whose value is an advanced logging configuration (an object of targets, or,
/// on older servers, that object as a JSON string).
const ADVANCED_LOGGING: [&str; 3] = [
    "/LogSettings/AdvancedLoggingJSON",
    "/NotificationLogSettings/AdvancedLoggingJSON",
    "/ExperimentalAuditSettings/AdvancedLoggingJSON",
];

/// The install's log files. Paths the config names outside the log directory and the install
/// are skipped, as the server itself refuses them since 11.4: a config is not a licence to read
/// any file on the host into a packet.
pub fn host_logs(home: &MmHome, config: Option<&Value>) -> HostLogs {
    let logs_dir = home.logs_dir(config);
    let mut out = HostLogs::default();
    out.files.push(HostLog {
        name: "mattermost.log".into(),
        path: logs_dir.join("mattermost.log"),
    });
    let notifications = notifications_dir(home, config, &logs_dir).join("notifications.log");
    let mut wanted: Vec<(PathBuf, &str)> = vec![(notifications, "the notifications log")];
    if let Some(config) = config {
        if let Some(audit) = audit_log_path(config, &logs_dir) {
            wanted.push((audit, "ExperimentalAuditSettings.FileName"));
        }
        for pointer in ADVANCED_LOGGING {
            for file in advanced_file_targets(config.pointer(pointer)) {
                // Relative names: the logging root first, then the server's working directory.
                let in_logs = resolve(&logs_dir, &file);
                let path = if in_logs.is_file() {
                    in_logs
                } else {
                    resolve(&home.root, &file)
                };
                wanted.push((path, setting_name(pointer)));
            }
        }
    }
    let roots = [logs_dir.clone(), home.root.clone()];
    for (path, named_by) in wanted {
        if !path.is_file() {
            continue;
        }
        if !roots.iter().any(|root| is_within(&path, root)) {
            out.skipped.push(format!(
                "{} (named by {named_by}) is outside the log directory and the install, so it is not read",
                path.display()
            ));
            continue;
        }
        if out.files.iter().any(|f| same_file(&f.path, &path)) {
            continue;
        }
        let name = distinct_name(&out.files, &path);
        out.files.push(HostLog { name, path });
    }
    out
}

/// `ExperimentalAuditSettings.FileName` when file auditing is on; relative names are taken in
/// the log directory.
pub fn audit_log_path(config: &Value, logs_dir: &Path) -> Option<PathBuf> {
    let settings = config.get("ExperimentalAuditSettings")?;
    if settings.get("FileEnabled").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let name = settings.get("FileName").and_then(Value::as_str)?.trim();
    (!name.is_empty()).then(|| resolve(logs_dir, name))
}

fn notifications_dir(home: &MmHome, config: Option<&Value>, logs_dir: &Path) -> PathBuf {
    let location = config
        .and_then(|c| c.pointer("/NotificationLogSettings/FileLocation"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match location {
        Some(location) if Path::new(location).is_absolute() => PathBuf::from(location),
        Some(location) => home.root.join(location),
        None => logs_dir.to_path_buf(),
    }
}

fn setting_name(pointer: &'static str) -> &'static str {
    match pointer {
        "/LogSettings/AdvancedLoggingJSON" => "LogSettings.AdvancedLoggingJSON",
        "/NotificationLogSettings/AdvancedLoggingJSON" => {
            "NotificationLogSettings.AdvancedLoggingJSON"
        }
        _ => "ExperimentalAuditSettings.AdvancedLoggingJSON",
    }
}

/// The `options.filename` of every `"type": "file"` target, in the targets' order.
fn advanced_file_targets(setting: Option<&Value>) -> Vec<String> {
    let parsed;
    let targets = match setting {
        Some(Value::Object(_)) => setting,
        Some(Value::String(text)) if text.trim_start().starts_with('{') => {
            parsed = serde_json::from_str::<Value>(text).ok();
            parsed.as_ref()
        }
        _ => None,
    };
    let Some(Value::Object(targets)) = targets else {
        return Vec::new();
    };
    targets
        .values()
        .filter(|target| target.get("type").and_then(Value::as_str) == Some("file"))
        .filter_map(|target| target.pointer("/options/filename").and_then(Value::as_str))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

fn resolve(dir: &Path, name: &str) -> PathBuf {
    let path = Path::new(name);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

fn is_within(path: &Path, root: &Path) -> bool {
    match (std::fs::canonicalize(path), std::fs::canonicalize(root)) {
        (Ok(path), Ok(root)) => path.starts_with(root),
        _ => false,
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// The base name, or `<parent>-<base>` when another file already has that name.
fn distinct_name(taken: &[HostLog], path: &Path) -> String {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "log".to_string());
    if !taken.iter().any(|f| f.name == base) {
        return base;
    }
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut candidate = format!("{parent}-{base}");
    let mut n = 2;
    while taken.iter().any(|f| f.name == candidate) {
        candidate = format!("{parent}-{n}-{base}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HomeOrigin;
    use serde_json::json;

    fn install(config: &Value, files: &[&str]) -> (tempfile::TempDir, MmHome) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("config/config.json"), config.to_string()).unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}\n").unwrap();
        }
        let home = MmHome::new(dir.path(), HomeOrigin::Flag);
        (dir, home)
    }

    fn names(logs: &HostLogs) -> Vec<&str> {
        logs.files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn advanced_logging_file_targets_are_found_in_either_form() {
        let target = |file: &str| json!({"type": "file", "format": "json", "levels": [{"id": 5, "name": "debug"}], "options": {"filename": file}});
        let config = json!({
            "LogSettings": {
                "FileLocation": "",
                "AdvancedLoggingJSON": {"ldap": target("ldap.log"), "console": {"type": "console", "options": {}}}
            },
            // Older servers keep the object as a string.
            "ExperimentalAuditSettings": {
                "FileEnabled": false,
                "AdvancedLoggingJSON": json!({"audit": target("audit.log")}).to_string()
            }
        });
        let (_dir, home) = install(
            &config,
            &["logs/mattermost.log", "logs/ldap.log", "logs/audit.log"],
        );
        let logs = host_logs(&home, Some(&config));
        assert_eq!(names(&logs), ["mattermost.log", "ldap.log", "audit.log"]);
        assert!(logs.skipped.is_empty());
    }

    #[test]
    fn files_outside_the_install_are_not_read() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("shadow");
        std::fs::write(&secret, "root:x").unwrap();
        let config = json!({"LogSettings": {"AdvancedLoggingJSON": {
            "evil": {"type": "file", "options": {"filename": secret.display().to_string()}},
            "climb": {"type": "file", "options": {"filename": "../../../../../../etc/hostname"}}
        }}});
        let (_dir, home) = install(&config, &["logs/mattermost.log"]);
        let logs = host_logs(&home, Some(&config));
        assert_eq!(names(&logs), ["mattermost.log"]);
        assert_eq!(logs.skipped.len(), 2, "{:?}", logs.skipped);
        assert!(logs.skipped[0].contains("LogSettings.AdvancedLoggingJSON"));
    }

    #[test]
    fn each_file_once_and_names_apart() {
        let config = json!({
            "ExperimentalAuditSettings": {"FileEnabled": true, "FileName": "audit.log"},
            "LogSettings": {"AdvancedLoggingJSON": {
                "same": {"type": "file", "options": {"filename": "audit.log"}},
                "other": {"type": "file", "options": {"filename": "../extra/audit.log"}}
            }}
        });
        let (_dir, home) = install(
            &config,
            &["logs/mattermost.log", "logs/audit.log", "extra/audit.log"],
        );
        let logs = host_logs(&home, Some(&config));
        assert_eq!(
            names(&logs),
            ["mattermost.log", "audit.log", "extra-audit.log"]
        );
    }

    #[test]
    fn missing_files_and_malformed_settings_are_quiet() {
        let config = json!({"LogSettings": {"AdvancedLoggingJSON": "not json"},
            "NotificationLogSettings": {"AdvancedLoggingJSON": {"x": {"type": "file"}}}});
        let (_dir, home) = install(&config, &[]);
        let logs = host_logs(&home, Some(&config));
        assert_eq!(names(&logs), ["mattermost.log"]);
        assert!(logs.skipped.is_empty());
    }
}
