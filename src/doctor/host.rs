//! Facts only a reader on the server's host can see: who runs the server process, who can read
//! its config file, the free space where it writes, the size of its log files, and which
//! plugins were copied into its plugin directory by hand.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::host::MmHome;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCheck {
    pub os: String,
    /// The running `mattermost` process; `Err` says why it is unknown.
    pub process: Result<Process, String>,
    pub config_file: Result<FileMode, String>,
    pub disks: Vec<Disk>,
    /// Every file in the log directory with its size.
    pub log_files: Vec<(PathBuf, u64)>,
    /// Plugins in the plugin directory with no bundle in the file store: installed by hand.
    pub manual_plugins: Result<Vec<String>, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub uid: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMode {
    pub path: PathBuf,
    /// The permission bits (`0o640`).
    pub mode: u32,
}

impl FileMode {
    pub fn others_can_read(&self) -> bool {
        self.mode & 0o004 != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    /// What mmops looked at: "data directory", "log directory".
    pub role: &'static str,
    pub path: PathBuf,
    pub free_bytes: u64,
    pub total_bytes: u64,
}

impl Disk {
    pub fn free_share(&self) -> f64 {
        if self.total_bytes == 0 {
            1.0
        } else {
            self.free_bytes as f64 / self.total_bytes as f64
        }
    }
}

impl HostCheck {
    /// Reads the host facts of the install at `home`. `config` is its config.json when
    /// readable (it names the data, log and plugin directories).
    pub fn read(home: &MmHome, config: Option<&Value>) -> Self {
        let logs_dir = home.logs_dir(config);
        let data_dir = local_data_dir(home, config);
        let mut disks = Vec::new();
        for (role, path) in [
            ("data directory", data_dir.clone()),
            ("log directory", Some(logs_dir.clone())),
        ] {
            if let Some(disk) = path.and_then(|path| disk(role, &path)) {
                disks.push(disk);
            }
        }
        Self {
            os: crate::host::os_pretty_name(),
            process: find_process(Path::new("/proc")),
            config_file: file_mode(&home.config_path()),
            disks,
            log_files: files_with_sizes(&logs_dir),
            manual_plugins: manual_plugins(home, config, data_dir.as_deref()),
        }
    }
}

/// `FileSettings.Directory` when files are stored locally (relative to the install).
fn local_data_dir(home: &MmHome, config: Option<&Value>) -> Option<PathBuf> {
    let config = config?;
    let driver = config
        .pointer("/FileSettings/DriverName")
        .and_then(Value::as_str)
        .unwrap_or("local");
    if driver != "local" {
        return None;
    }
    let dir = config
        .pointer("/FileSettings/Directory")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .unwrap_or("./data/");
    Some(relative_to(&home.root, dir))
}

fn relative_to(root: &Path, dir: &str) -> PathBuf {
    let path = Path::new(dir.trim());
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

fn disk(role: &'static str, path: &Path) -> Option<Disk> {
    let stat = nix::sys::statvfs::statvfs(path).ok()?;
    let block = stat.fragment_size() as u64;
    Some(Disk {
        role,
        path: path.to_path_buf(),
        free_bytes: (stat.blocks_available() as u64).saturating_mul(block),
        total_bytes: (stat.blocks() as u64).saturating_mul(block),
    })
}

fn file_mode(path: &Path) -> Result<FileMode, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(FileMode {
        path: path.to_path_buf(),
        mode: meta.permissions().mode() & 0o7777,
    })
}

fn files_with_sizes(dir: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(PathBuf, u64)> = entries
        .flatten()
        .filter_map(|entry| {
            let meta = entry.metadata().ok()?;
            meta.is_file().then(|| (entry.path(), meta.len()))
        })
        .collect();
    files.sort();
    files
}

/// The first process whose command is `mattermost`, and its real user id.
pub fn find_process(proc_root: &Path) -> Result<Process, String> {
    let entries = std::fs::read_dir(proc_root)
        .map_err(|err| format!("cannot list {}: {err}", proc_root.display()))?;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else {
            continue;
        };
        if comm.trim() != "mattermost" {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if let Some(uid) = status_uid(&status) {
            return Ok(Process { pid, uid });
        }
    }
    Err("no mattermost process runs on this host".to_string())
}

fn status_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|uid| uid.parse().ok())
}

/// Plugins unpacked in `PluginSettings.Directory` without a bundle in the file store's
/// `plugins/` folder: the server did not install them (the Marketplace and uploads keep the
/// bundle), so someone copied them in. Mattermost 11 no longer loads those.
fn manual_plugins(
    home: &MmHome,
    config: Option<&Value>,
    data_dir: Option<&Path>,
) -> Result<Vec<String>, String> {
    let Some(data_dir) = data_dir else {
        return Err("the file store is not a local directory".to_string());
    };
    let plugin_dir = crate::packet::collect::plugins_dir(home, config);
    let entries = std::fs::read_dir(&plugin_dir)
        .map_err(|err| format!("cannot list {}: {err}", plugin_dir.display()))?;
    let bundles = data_dir.join("plugins");
    let mut manual: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|id| !id.starts_with('.'))
        .filter(|id| !bundles.join(format!("{id}.tar.gz")).exists())
        .collect();
    manual.sort();
    Ok(manual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_found_by_its_command_and_uid() {
        let root = tempfile::tempdir().unwrap();
        let write = |pid: &str, comm: &str, uid: &str| {
            let dir = root.path().join(pid);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("comm"), format!("{comm}\n")).unwrap();
            std::fs::write(
                dir.join("status"),
                format!("Name:\t{comm}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"),
            )
            .unwrap();
        };
        write("12", "bash", "0");
        write("731", "mattermost", "998");
        std::fs::create_dir_all(root.path().join("self")).unwrap();
        assert_eq!(
            find_process(root.path()),
            Ok(Process { pid: 731, uid: 998 })
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(find_process(empty.path()).is_err());
    }

    #[test]
    fn plugins_without_a_bundle_were_installed_by_hand() {
        let root = tempfile::tempdir().unwrap();
        for dir in [
            "plugins/com.example.manual",
            "plugins/playbooks",
            "data/plugins",
        ] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        std::fs::write(root.path().join("data/plugins/playbooks.tar.gz"), b"x").unwrap();
        let home = MmHome::new(root.path(), crate::host::HomeOrigin::Flag);
        let config =
            serde_json::json!({"FileSettings": {"DriverName": "local", "Directory": "./data/"}});
        let check = HostCheck::read(&home, Some(&config));
        assert_eq!(
            check.manual_plugins,
            Ok(vec!["com.example.manual".to_string()])
        );
        assert!(check.disks.iter().any(|d| d.role == "data directory"));
        let s3 = serde_json::json!({"FileSettings": {"DriverName": "amazons3"}});
        assert!(HostCheck::read(&home, Some(&s3)).manual_plugins.is_err());
    }
}
