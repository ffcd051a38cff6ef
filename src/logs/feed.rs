//! Choosing and running the log source: followed files (given with `--log-file`, or found in
//! the install under `--mm-home`) or the REST log API. Files come first when readable, because
//! they are a true live tail; the user can switch.

use std::path::PathBuf;

use super::follow::{FollowOptions, Follower, follow};
use super::merge::merging_sink;
use super::poll::{PollOptions, poll};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::source::{LineBatch, Sink, SourceEvent, SourceState, split_lines};
use crate::host::MmHome;
use crate::mm::MmClient;
use crate::packet::open::Packet;

/// One file to follow and the name its lines carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub path: PathBuf,
    pub name: String,
}

impl LogFile {
    pub fn new(path: PathBuf) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Self { path, name }
    }
}

/// A kind of source the console can follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    Files(Vec<LogFile>),
    Rest,
    /// The log entries of an opened support packet, each node's named by its folder.
    Packet {
        path: PathBuf,
        logs: Vec<String>,
    },
}

impl FeedKind {
    /// How the header names it.
    pub fn describe(&self) -> String {
        match self {
            FeedKind::Files(files) => {
                let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
                format!("files: {}", names.join(", "))
            }
            FeedKind::Rest => format!("REST: {}", crate::mm::routes::logs().label()),
            FeedKind::Packet { logs, .. } => format!("packet: {}", logs.join(", ")),
        }
    }
}

/// The log files of an install, as `host::logs` finds them from its config.
pub fn install_files(home: &MmHome) -> Vec<LogFile> {
    let config = home.read_config().ok();
    let logs = crate::host::logs::host_logs(home, config.as_ref());
    for skipped in &logs.skipped {
        tracing::warn!("log file not followed: {skipped}");
    }
    logs.files
        .into_iter()
        .chain(logs.not_yet)
        .map(|log| LogFile {
            path: log.path,
            name: log.name,
        })
        .collect()
}

/// The sources available, best first.
/// The files to follow, each once, each with a name of its own: a file given twice is
/// followed once, and files of the same name (two nodes' `mattermost.log`) are named by the
/// shortest end of their paths that tells them apart (`node1/logs/mattermost.log`).
pub fn distinct_files(paths: &[PathBuf]) -> Vec<LogFile> {
    let identity = |path: &PathBuf| std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
    let mut unique: Vec<(PathBuf, PathBuf)> = Vec::new();
    for path in paths {
        let key = identity(path);
        if !unique.iter().any(|(seen, _)| *seen == key) {
            unique.push((key, path.clone()));
        }
    }
    let suffix = |path: &std::path::Path, parts: usize| -> String {
        let components: Vec<_> = path.components().collect();
        let start = components.len().saturating_sub(parts);
        components[start..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut files: Vec<LogFile> = unique
        .iter()
        .map(|(_, p)| LogFile::new(p.clone()))
        .collect();
    let keys: Vec<PathBuf> = unique.into_iter().map(|(key, _)| key).collect();
    for (i, file) in files.iter_mut().enumerate() {
        let twins: Vec<&PathBuf> = keys
            .iter()
            .filter(|k| k.file_name() == keys[i].file_name())
            .collect();
        if twins.len() < 2 {
            continue;
        }
        let depth = (2..=keys[i].components().count()).find(|depth| {
            let mine = suffix(&keys[i], *depth);
            twins.iter().filter(|k| suffix(k, *depth) == mine).count() == 1
        });
        file.name = match depth {
            Some(depth) => suffix(&keys[i], depth),
            None => file.path.display().to_string(),
        };
    }
    files
}

pub fn available(
    explicit: &[PathBuf],
    home: Option<&MmHome>,
    client: Option<&MmClient>,
    packet: Option<&Packet>,
) -> Vec<FeedKind> {
    if let Some(packet) = packet {
        let logs: Vec<String> = packet
            .nodes
            .iter()
            .flat_map(|n| n.logs.iter().map(|(name, _)| name.clone()))
            .collect();
        return if logs.is_empty() {
            Vec::new()
        } else {
            vec![FeedKind::Packet {
                path: packet.path.clone(),
                logs,
            }]
        };
    }
    let mut kinds = Vec::new();
    if !explicit.is_empty() {
        kinds.push(FeedKind::Files(distinct_files(explicit)));
    } else if let Some(home) = home {
        let paths: Vec<PathBuf> = install_files(home).into_iter().map(|f| f.path).collect();
        let files = distinct_files(&paths);
        if files.iter().any(|f| f.path.is_file()) {
            kinds.push(FeedKind::Files(files));
        }
    }
    if client.is_some() {
        kinds.push(FeedKind::Rest);
    }
    kinds
}

#[derive(Debug, Clone, Default)]
pub struct FeedOptions {
    pub follow: FollowOptions,
    pub poll: PollOptions,
}

/// A running source; dropping it stops it.
pub enum Feed {
    Files(Vec<Follower>),
    Rest(tokio::task::JoinHandle<()>),
    /// A packet's logs, read once on a thread that stops when this is set.
    Packet(Arc<AtomicBool>),
}

impl Drop for Feed {
    fn drop(&mut self) {
        match self {
            Feed::Rest(task) => task.abort(),
            Feed::Packet(stop) => stop.store(true, Ordering::Relaxed),
            Feed::Files(_) => {}
        }
    }
}

/// Starts `kind`. The REST source needs a tokio runtime and a client.
pub fn start(
    kind: &FeedKind,
    client: Option<&MmClient>,
    options: &FeedOptions,
    sink: Sink,
) -> Option<Feed> {
    match kind {
        FeedKind::Files(files) => {
            let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
            let sink = merging_sink(&names, sink);
            Some(Feed::Files(
                files
                    .iter()
                    .map(|f| {
                        follow(
                            f.path.clone(),
                            f.name.clone(),
                            options.follow.clone(),
                            sink.clone(),
                        )
                    })
                    .collect(),
            ))
        }
        FeedKind::Rest => {
            let client = client?.clone();
            let poll_options = options.poll.clone();
            Some(Feed::Rest(tokio::spawn(poll(client, poll_options, sink))))
        }
        FeedKind::Packet { path, logs } => {
            let stop = Arc::new(AtomicBool::new(false));
            let sink = merging_sink(logs, sink);
            let (path, logs, flag) = (path.clone(), logs.clone(), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("mmops-packet-logs".into())
                .spawn(move || read_packet_logs(&path, &logs, &flag, &sink))
                .ok()?;
            Some(Feed::Packet(stop))
        }
    }
}

/// Reads each log of a packet in turn, its lines in batches, then says it was read whole.
fn read_packet_logs(path: &std::path::Path, logs: &[String], stop: &AtomicBool, sink: &Sink) {
    for name in logs {
        let mut partial = Vec::new();
        let mut batch = LineBatch::default();
        let mut open = true;
        let result = crate::packet::open::stream_entry(path, name, |piece| {
            split_lines(&mut partial, piece, |line| {
                batch.push(line);
                if batch.is_full() && open {
                    open = sink(SourceEvent::Lines {
                        source: name.clone(),
                        batch: std::mem::take(&mut batch),
                    });
                }
            });
            open && !stop.load(Ordering::Relaxed)
        });
        if !partial.is_empty() {
            batch.push(&partial);
        }
        if !batch.is_empty() && open {
            open = sink(SourceEvent::Lines {
                source: name.clone(),
                batch,
            });
        }
        let state = match result {
            Ok(_) => SourceState::Complete,
            Err(err) => SourceState::Failed(err),
        };
        if !open
            || stop.load(Ordering::Relaxed)
            || !sink(SourceEvent::State {
                source: name.clone(),
                state,
            })
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HomeOrigin;

    #[test]
    fn install_files_follow_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(
            dir.path().join("config/config.json"),
            r#"{"LogSettings":{"FileLocation":""},"ExperimentalAuditSettings":{"FileEnabled":true,"FileName":"audit.log"}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("logs/mattermost.log"), "").unwrap();
        std::fs::write(dir.path().join("logs/notifications.log"), "").unwrap();
        std::fs::write(dir.path().join("logs/audit.log"), "").unwrap();
        let home = MmHome::new(dir.path(), HomeOrigin::Flag);
        let names: Vec<String> = install_files(&home).into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            vec!["mattermost.log", "notifications.log", "audit.log"]
        );
        let kinds = available(&[], Some(&home), None, None);
        assert!(matches!(&kinds[0], FeedKind::Files(f) if f.len() == 3));
        assert_eq!(
            available(&[PathBuf::from("/x/a.log")], Some(&home), None, None)[0].describe(),
            "files: a.log"
        );
    }

    #[test]
    fn files_are_followed_once_and_named_apart() {
        let dir = tempfile::tempdir().unwrap();
        for node in ["node1", "node2"] {
            std::fs::create_dir_all(dir.path().join(node).join("logs")).unwrap();
            std::fs::write(dir.path().join(node).join("logs/mattermost.log"), "").unwrap();
        }
        let path = |rel: &str| dir.path().join(rel);
        let files = distinct_files(&[
            path("node1/logs/mattermost.log"),
            path("node2/logs/mattermost.log"),
            path("node2/logs/../logs/mattermost.log"),
            path("node1/logs/mattermost.log"),
            path("node2/logs/audit.log"),
        ]);
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "node1/logs/mattermost.log",
                "node2/logs/mattermost.log",
                "audit.log"
            ]
        );
    }
}
