//! Reading a support packet, mmops' own or the server's of any era (the flat 9.x layout, the
//! 10.5 split into `diagnostics.yaml`, `stats.yaml`, `jobs.yaml`, the 10.10+ node folders),
//! without unzipping it to disk. The small files are parsed at open; the logs are streamed out
//! of the zip when they are read. A damaged part is named in `problems` and the rest still
//! opens: a corrupt or truncated zip, a zip bomb, an entry name that would climb out of a
//! directory, YAML or JSON of another shape.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zip::ZipArchive;

/// More entries than this is not a support packet.
const MAX_ENTRIES: usize = 100_000;
/// The most a packet may hold once unpacked, as its entries declare it.
const MAX_TOTAL_BYTES: u64 = 64 << 30;
/// A packet whose entries declare more than this many times its own size is a zip bomb (a
/// real one compresses its logs about 10 to 30 times; deflate cannot pass 1032 for one entry,
/// so more means entries sharing their data).
const MAX_RATIO: u64 = 1100;
/// A YAML or JSON part larger than this is not read.
const MAX_SMALL_FILE: u64 = 64 << 20;

/// The job lists of `jobs.yaml` (and of the flat `support_packet.yaml`) by their key, with the
/// job kind each holds.
pub const JOB_LISTS: &[(&str, &str)] = &[
    ("ldap_sync_jobs", "ldap_sync"),
    ("data_retention_jobs", "data_retention"),
    ("message_export_jobs", "message_export"),
    ("elastic_post_indexing_jobs", "elasticsearch_post_indexing"),
    (
        "elastic_post_aggregation_jobs",
        "elasticsearch_post_aggregation",
    ),
    ("bleve_post_indexin_jobs", "bleve_post_indexing"),
    ("migration_jobs", "migrations"),
];

/// Which generation of packet this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `support_packet.yaml` at the root, no `metadata.yaml` (9.10 and older).
    Flat,
    /// `support_packet.yaml` and `metadata.yaml` (9.11 to 10.4).
    FlatWithMetadata,
    /// mmops' own: the flat files and a folder per node for the logs.
    Mmops,
    /// `diagnostics.yaml` version 1 (10.5 to 10.9).
    Split,
    /// `diagnostics.yaml` version 2, every node's files in a folder of its own in a cluster
    /// (10.10 and later).
    NodeFolders,
    /// None of the known summary files.
    Unknown,
}

impl Layout {
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Flat => "9.x layout (support_packet.yaml)",
            Layout::FlatWithMetadata => "9.11–10.4 layout (support_packet.yaml, metadata.yaml)",
            Layout::Mmops => "written by mmops",
            Layout::Split => "10.5–10.9 layout (diagnostics.yaml v1)",
            Layout::NodeFolders => "10.10+ layout (diagnostics.yaml v2, node folders)",
            Layout::Unknown => "unknown layout",
        }
    }
}

/// One node's files: the root's in a single-node packet, or a folder's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    /// The folder name (the node's hostname), or empty for the root.
    pub name: String,
    pub diagnostics: Option<Value>,
    pub config: Option<Value>,
    /// The log entries, by name in the zip, with their declared size.
    pub logs: Vec<(String, u64)>,
}

impl Node {
    /// What to call the node when it has no folder.
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            "this server"
        } else {
            &self.name
        }
    }
}

/// A part that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub part: String,
    pub message: String,
}

/// An opened packet.
#[derive(Debug, Clone)]
pub struct Packet {
    pub path: PathBuf,
    pub layout: Layout,
    /// The parsed root files by name: `metadata.yaml`, `support_packet.yaml`, `stats.yaml`,
    /// `jobs.yaml`, `permissions.yaml`, `plugins.json`, as JSON values.
    pub parts: BTreeMap<String, Value>,
    /// `warning.txt`: what the packet's writer could not collect.
    pub warnings: Option<String>,
    /// The nodes, the root first when it has files of its own.
    pub nodes: Vec<Node>,
    pub problems: Vec<Problem>,
    /// Every entry's name and declared size, in the zip's order.
    pub entries: Vec<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a zip file, or it is cut short: {detail}", path.display())]
    NotAZip { path: PathBuf, detail: String },
    #[error("{} is refused: {why}", path.display())]
    Refused { path: PathBuf, why: String },
}

impl Packet {
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let file = File::open(path).map_err(|source| OpenError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file_size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut archive = ZipArchive::new(file).map_err(|e| OpenError::NotAZip {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        let refused = |why: String| OpenError::Refused {
            path: path.to_path_buf(),
            why,
        };
        if archive.len() > MAX_ENTRIES {
            return Err(refused(format!(
                "{} entries (a support packet has a few dozen)",
                archive.len()
            )));
        }
        let mut packet = Packet {
            path: path.to_path_buf(),
            layout: Layout::Unknown,
            parts: BTreeMap::new(),
            warnings: None,
            nodes: Vec::new(),
            problems: Vec::new(),
            entries: Vec::new(),
        };
        let mut total: u64 = 0;
        let mut indices = BTreeMap::new();
        for i in 0..archive.len() {
            let entry = match archive.by_index_raw(i) {
                Ok(entry) => entry,
                Err(err) => {
                    packet.problem(&format!("entry {i}"), &err.to_string());
                    continue;
                }
            };
            let raw_name = entry.name().map(|n| n.to_string()).unwrap_or_default();
            if entry.is_dir() {
                continue;
            }
            // Never a name that climbs out, starts at the root or hides a drive letter.
            let safe = entry.enclosed_name().is_some()
                && !raw_name.starts_with('/')
                && !raw_name.contains('\\')
                && !raw_name.split('/').any(|c| c == "..");
            if !safe {
                packet.problem(
                    &crate::text::inert(&raw_name),
                    "left out: its name points outside the packet",
                );
                continue;
            }
            total = total.saturating_add(entry.size());
            packet.entries.push((raw_name.clone(), entry.size()));
            indices.insert(raw_name, i);
        }
        if total > MAX_TOTAL_BYTES {
            return Err(refused(format!(
                "its entries would unpack to {} (more than {})",
                crate::timefmt::bytes(total),
                crate::timefmt::bytes(MAX_TOTAL_BYTES)
            )));
        }
        if file_size > 0 && total / file_size > MAX_RATIO {
            return Err(refused(format!(
                "its entries would unpack to {} from {}: a zip bomb",
                crate::timefmt::bytes(total),
                crate::timefmt::bytes(file_size)
            )));
        }
        packet.read_parts(&mut archive, &indices);
        packet.layout = packet.detect_layout();
        Ok(packet)
    }

    fn problem(&mut self, part: &str, message: &str) {
        self.problems.push(Problem {
            part: part.to_string(),
            message: message.to_string(),
        });
    }

    fn read_parts(&mut self, archive: &mut ZipArchive<File>, indices: &BTreeMap<String, usize>) {
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        for (name, index) in indices {
            let (folder, base) = match name.rsplit_once('/') {
                Some((folder, base)) => (folder.to_string(), base.to_string()),
                None => (String::new(), name.clone()),
            };
            match base.as_str() {
                _ if folder.contains('/') => {}
                // A capture's window repeats lines of the nodes' logs.
                _ if folder == "capture" => {}
                "diagnostics.yaml" | "sanitized_config.json" => {
                    let value = match read_small(archive, *index) {
                        Ok(bytes) if base.ends_with(".json") => parse_json(&bytes),
                        Ok(bytes) => parse_yaml(&bytes),
                        Err(err) => Err(err),
                    };
                    match value {
                        Ok(value) => {
                            let node = nodes.entry(folder.clone()).or_insert_with(|| Node {
                                name: folder.clone(),
                                ..Node::default()
                            });
                            if base == "diagnostics.yaml" {
                                node.diagnostics = Some(value);
                            } else {
                                node.config = Some(value);
                            }
                        }
                        Err(err) => self.problem(name, &err),
                    }
                }
                _ if base.ends_with(".log") => {
                    let size = self
                        .entries
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(0, |(_, s)| *s);
                    nodes
                        .entry(folder.clone())
                        .or_insert_with(|| Node {
                            name: folder.clone(),
                            ..Node::default()
                        })
                        .logs
                        .push((name.clone(), size));
                }
                "warning.txt" if folder.is_empty() => match read_small(archive, *index) {
                    Ok(bytes) => self.warnings = Some(String::from_utf8_lossy(&bytes).into_owned()),
                    Err(err) => self.problem(name, &err),
                },
                _ if folder.is_empty() && is_summary(&base) => {
                    let value = match read_small(archive, *index) {
                        Ok(bytes) if base.ends_with(".json") => parse_json(&bytes),
                        Ok(bytes) => parse_yaml(&bytes),
                        Err(err) => Err(err),
                    };
                    match value {
                        Ok(value) => {
                            self.parts.insert(base.clone(), value);
                        }
                        Err(err) => self.problem(name, &err),
                    }
                }
                _ => {}
            }
        }
        // A plugin keeps its diagnostics.yaml in a folder named after it, with no config or
        // log beside it: that folder is not a node.
        self.nodes = nodes
            .into_values()
            .filter(|n| n.config.is_some() || !n.logs.is_empty() || n.name.is_empty())
            .collect();
    }

    fn detect_layout(&self) -> Layout {
        let metadata = self.parts.get("metadata.yaml");
        let by_mmops = metadata
            .and_then(|m| m.pointer("/extras/generated_by"))
            .and_then(Value::as_str)
            .is_some_and(|g| g.starts_with("mmops"));
        if by_mmops {
            return Layout::Mmops;
        }
        if self.parts.contains_key("support_packet.yaml") {
            return if metadata.is_some() {
                Layout::FlatWithMetadata
            } else {
                Layout::Flat
            };
        }
        let version = self
            .nodes
            .iter()
            .filter_map(|n| n.diagnostics.as_ref())
            .filter_map(|d| d.get("version").and_then(Value::as_i64))
            .max();
        match version {
            Some(v) if v >= 2 => Layout::NodeFolders,
            Some(_) => Layout::Split,
            None if self
                .nodes
                .iter()
                .any(|n| !n.name.is_empty() && n.diagnostics.is_some()) =>
            {
                Layout::NodeFolders
            }
            None => Layout::Unknown,
        }
    }

    /// The first node's config (the root's, or the first folder's).
    pub fn config(&self) -> Option<&Value> {
        self.nodes.iter().find_map(|n| n.config.as_ref())
    }

    /// The first node's diagnostics.
    pub fn diagnostics(&self) -> Option<&Value> {
        self.nodes.iter().find_map(|n| n.diagnostics.as_ref())
    }

    /// A value from the summaries, newest layout first: `diagnostics.yaml` at `diag`, then
    /// `support_packet.yaml` at `flat`.
    pub fn fact(&self, diag: &str, flat: &str) -> Option<&Value> {
        self.diagnostics()
            .and_then(|d| d.pointer(diag))
            .filter(|v| !v.is_null())
            .or_else(|| {
                self.parts
                    .get("support_packet.yaml")
                    .and_then(|s| s.get(flat))
                    .filter(|v| !v.is_null())
            })
    }

    /// When the packet was generated (epoch ms), from its metadata.
    pub fn generated_at_ms(&self) -> Option<i64> {
        self.parts
            .get("metadata.yaml")
            .and_then(|m| m.get("generated_at"))
            .and_then(Value::as_i64)
            .filter(|ms| *ms > 0)
    }

    /// Streams one log entry into `sink`, a piece at a time, until it ends or `sink` says
    /// stop; the entry's declared size bounds what is read.
    pub fn stream_log(&self, name: &str, sink: impl FnMut(&[u8]) -> bool) -> Result<u64, String> {
        stream_entry(&self.path, name, sink)
    }
}

/// [`Packet::stream_log`] by the packet's path, for a reader on a thread of its own.
pub fn stream_entry(
    path: &Path,
    name: &str,
    mut sink: impl FnMut(&[u8]) -> bool,
) -> Result<u64, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut archive = ZipArchive::new(file).map_err(|e| e.to_string())?;
    let mut entry = archive.by_name(name).map_err(|e| e.to_string())?;
    let limit = entry.size();
    let mut reader = (&mut entry).take(limit);
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(format!("{name}: {err}")),
        };
        total += n as u64;
        if !sink(&buf[..n]) {
            break;
        }
    }
    Ok(total)
}

fn is_summary(base: &str) -> bool {
    matches!(
        base,
        "metadata.yaml"
            | "support_packet.yaml"
            | "stats.yaml"
            | "jobs.yaml"
            | "permissions.yaml"
            | "plugins.json"
    )
}

fn read_small(archive: &mut ZipArchive<File>, index: usize) -> Result<Vec<u8>, String> {
    let entry = archive.by_index(index).map_err(|e| e.to_string())?;
    if entry.size() > MAX_SMALL_FILE {
        return Err(format!(
            "not read: {} is too large for this part",
            crate::timefmt::bytes(entry.size())
        ));
    }
    let mut bytes = Vec::new();
    entry
        .take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {e}"))?;
    Ok(bytes)
}

fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))
}

fn parse_yaml(bytes: &[u8]) -> Result<Value, String> {
    serde_yaml::from_slice(bytes).map_err(|e| format!("not valid YAML: {e}"))
}
