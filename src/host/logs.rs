//! Every log file an install writes, found from its config: `mattermost.log`, the
//! notifications log (servers up to 10.x), the audit file (`ExperimentalAuditSettings`), and each
//! file target of the advanced logging settings (how `audit.log`, `ldap.log` and the like are
//! configured since 10.7). The Logs tab follows them, the packet carries them.
//!
//! A config is not a licence to read any file on the host: a file it names (the audit file, an
//! advanced logging target) is read only inside `<install>/logs` or `$MM_LOG_PATH`, the logging
//! root the server itself holds them to since 11.4, and every file is opened with
//! [`open_within`], which checks where the opened file really is (a symlink swapped in after
//! the check gains nothing).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::MmHome;

/// One log file of the install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLog {
    /// The file's base name, as the server's own packet names it (`ldap.log`), made safe as a
    /// zip entry and kept apart from the packet's own files.
    pub name: String,
    pub path: PathBuf,
    /// The directory the file must really be in when it is opened.
    pub within: PathBuf,
}

/// What the config names, split into what can be read and what was left out (and why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostLogs {
    /// `mattermost.log` first (even when it does not exist yet: it is the one to follow), then
    /// the others that exist, each file once.
    pub files: Vec<HostLog>,
    /// Files the config names in the logging root that do not exist yet (a log the server
    /// has not written to): the Logs tab follows them from when they appear.
    pub not_yet: Vec<HostLog>,
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

/// The install's log files: the server's own by their fixed names in the log directory, and the
/// files the config names when they lie in the logging root.
pub fn host_logs(home: &MmHome, config: Option<&Value>) -> HostLogs {
    let logs_dir = home.logs_dir(config);
    let mut out = HostLogs::default();
    out.files.push(HostLog {
        name: "mattermost.log".into(),
        path: logs_dir.join("mattermost.log"),
        within: real(&logs_dir),
    });
    let notifications_dir = notifications_dir(home, config, &logs_dir);
    let notifications = notifications_dir.join("notifications.log");
    if notifications.is_file() && !out.files.iter().any(|f| same_file(&f.path, &notifications)) {
        out.files.push(HostLog {
            name: "notifications.log".into(),
            path: notifications,
            within: real(&notifications_dir),
        });
    }
    let mut named: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(config) = config {
        if let Some(audit) = audit_log_path(config, &logs_dir) {
            named.push((audit, "ExperimentalAuditSettings.FileName"));
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
                named.push((path, setting_name(pointer)));
            }
        }
    }
    let roots = logging_roots(home);
    for (path, named_by) in named {
        if !path.is_file() {
            let parent = path.parent().unwrap_or(&path);
            if !path.exists()
                && let Some(root) = roots.iter().find(|root| is_within(parent, root))
                && !out.not_yet.iter().any(|f| f.path == path)
            {
                let name = distinct_name(&out.files, &path);
                out.not_yet.push(HostLog {
                    name,
                    path,
                    within: root.clone(),
                });
            }
            continue;
        }
        let Some(root) = roots.iter().find(|root| is_within(&path, root)) else {
            out.skipped.push(format!(
                "{} (named by {named_by}) is outside the logging root ({}), so it is not read, as the server refuses it since 11.4",
                path.display(),
                roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
            continue;
        };
        if out.files.iter().any(|f| same_file(&f.path, &path)) {
            continue;
        }
        let name = distinct_name(&out.files, &path);
        out.files.push(HostLog {
            name,
            path,
            within: root.clone(),
        });
    }
    out
}

/// Where the files a config names may be: `$MM_LOG_PATH` when set, and `<install>/logs`.
fn logging_roots(home: &MmHome) -> Vec<PathBuf> {
    std::env::var_os("MM_LOG_PATH")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .chain([home.root.join("logs")])
        .map(|root| real(&root))
        .collect()
}

/// The path with every symlink resolved, or as given when it does not exist.
fn real(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Opens `path` for reading, and refuses it when the file opened is not inside `within`: the
/// check is made on the open file itself (`/proc/self/fd`), so a symlink put in place of the
/// file, or of a directory above it, after the files were listed leads nowhere.
pub fn open_within(path: &Path, within: &Path) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)?;
    let opened = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .or_else(|_| std::fs::canonicalize(path))?;
    if opened.starts_with(within) {
        Ok(file)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "it leads to {}, outside {}",
                opened.display(),
                within.display()
            ),
        ))
    }
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

/// The packet's own files, which no log may be named as.
const RESERVED: [&str; 15] = [
    "metadata.yaml",
    "support_packet.yaml",
    "diagnostics.yaml",
    "stats.yaml",
    "jobs.yaml",
    "permissions.yaml",
    "plugins.json",
    "sanitized_config.json",
    "database_schema.yaml",
    "warning.txt",
    "redactions.txt",
    "cpu.prof",
    "heap.prof",
    "goroutines",
    "mattermost.log",
];

/// A file or directory name made safe as part of a zip entry: no `..`, no separators, no
/// control characters.
pub fn safe_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let clean = clean.trim_matches('.').to_string();
    if clean.is_empty() {
        "node".to_string()
    } else {
        clean
    }
}

/// The base name made safe, or `<parent>-<base>` when another file or the packet itself
/// already has that name.
fn distinct_name(taken: &[HostLog], path: &Path) -> String {
    let base = safe_name(
        &path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "log".to_string()),
    );
    let free = |name: &str| !RESERVED.contains(&name) && !taken.iter().any(|f| f.name == name);
    if free(&base) {
        return base;
    }
    let parent = safe_name(
        &path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let mut candidate = format!("{parent}-{base}");
    let mut n = 2;
    while !free(&candidate) {
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
            "climb": {"type": "file", "options": {"filename": "../../../../../../etc/hostname"}},
            "install": {"type": "file", "options": {"filename": "../config/config.json"}}
        }}});
        let (_dir, home) = install(&config, &["logs/mattermost.log"]);
        let logs = host_logs(&home, Some(&config));
        assert_eq!(names(&logs), ["mattermost.log"]);
        assert_eq!(logs.skipped.len(), 3, "{:?}", logs.skipped);
        assert!(logs.skipped[0].contains("LogSettings.AdvancedLoggingJSON"));
    }

    #[test]
    fn each_file_once_and_names_apart() {
        let config = json!({
            "ExperimentalAuditSettings": {"FileEnabled": true, "FileName": "audit.log"},
            "LogSettings": {"AdvancedLoggingJSON": {
                "same": {"type": "file", "options": {"filename": "audit.log"}},
                "other": {"type": "file", "options": {"filename": "extra/audit.log"}},
                "clash": {"type": "file", "options": {"filename": "warning.txt"}},
                "odd": {"type": "file", "options": {"filename": "we\u{1b}ird .log"}}
            }}
        });
        let (_dir, home) = install(
            &config,
            &[
                "logs/mattermost.log",
                "logs/audit.log",
                "logs/extra/audit.log",
                "logs/warning.txt",
                "logs/we\u{1b}ird .log",
            ],
        );
        let logs = host_logs(&home, Some(&config));
        assert_eq!(
            names(&logs),
            [
                "mattermost.log",
                "audit.log",
                "extra-audit.log",
                "logs-warning.txt",
                "we_ird_.log"
            ]
        );
    }

    #[test]
    fn node_names_cannot_escape_the_zip() {
        assert_eq!(safe_name("mm-app-1"), "mm-app-1");
        assert_eq!(safe_name("../../etc"), "_.._etc");
        assert_eq!(safe_name("a/b\u{1b}[2J"), "a_b__2J");
        assert_eq!(safe_name(".."), "node");
    }

    #[test]
    fn the_install_itself_is_not_the_logging_root() {
        let config = json!({
            "LogSettings": {"FileLocation": "/", "AdvancedLoggingJSON": {
                "config": {"type": "file", "options": {"filename": "config/config.json"}}
            }}
        });
        let (_dir, home) = install(&config, &["logs/mattermost.log"]);
        let logs = host_logs(&home, Some(&config));
        assert_eq!(names(&logs), ["mattermost.log"]);
        assert!(
            logs.skipped[0].contains("outside the logging root"),
            "{:?}",
            logs.skipped
        );
    }

    #[test]
    fn a_symlink_swapped_in_after_the_listing_is_refused_at_open() {
        let config = json!({"LogSettings": {"AdvancedLoggingJSON": {
            "ldap": {"type": "file", "options": {"filename": "ldap.log"}}
        }}});
        let (dir, home) = install(&config, &["logs/mattermost.log", "logs/ldap.log"]);
        let logs = host_logs(&home, Some(&config));
        let ldap = logs.files.iter().find(|f| f.name == "ldap.log").unwrap();
        assert!(open_within(&ldap.path, &ldap.within).is_ok());
        let secret = dir.path().join("config/config.json");
        std::fs::remove_file(&ldap.path).unwrap();
        std::os::unix::fs::symlink(&secret, &ldap.path).unwrap();
        let err = open_within(&ldap.path, &ldap.within).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("outside"), "{err}");
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

    #[test]
    fn a_configured_log_not_written_yet_is_there_to_follow() {
        let config =
            json!({"ExperimentalAuditSettings": {"FileEnabled": true, "FileName": "audit.log"}});
        let (_dir, home) = install(&config, &["logs/mattermost.log"]);
        let logs = host_logs(&home, Some(&config));
        assert_eq!(names(&logs), ["mattermost.log"]);
        let not_yet: Vec<&str> = logs.not_yet.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(not_yet, ["audit.log"]);
    }
}
