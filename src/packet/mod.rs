//! The support packet: the zip a support team asks for, built by mmops from every source it
//! can reach (the API, the install directory), with the config sanitized and the logs cleaned.
//!
//! [`collect::collect`] gathers, [`prepare`] turns that into the packet's files (and the plan
//! a dialog shows), [`write`] streams them into the zip.

pub mod archive;
pub mod collect;
pub mod compare;
pub mod contents;
pub mod open;
pub mod profiles;
pub mod resanitize;
pub mod schema;
pub mod scrub;
pub mod server;
pub mod shown;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use serde_json::Value;

use self::archive::{ArchiveError, ArchiveFile, Control, Written};
use self::collect::{Collected, LogInput};
use self::contents::{Metadata, default_reason, redactions_txt, warning_txt};
use self::profiles::Fetch;
use self::scrub::{LogCounts, Scrubber};
use crate::build_info::VERSION_WITH_REVISION;
use crate::sanitize::{Redaction, sanitize_config};

/// What the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub include_logs: bool,
    /// Replace emails, IP addresses, usernames and user ids in the logs with pseudonyms.
    pub privacy: bool,
    /// The CPU profile's window; 0 leaves it out.
    pub cpu_profile_seconds: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            include_logs: true,
            privacy: false,
            cpu_profile_seconds: profiles::DEFAULT_CPU_SECONDS,
        }
    }
}

/// `mattermost_support_packet_YYYY-MM-DD-HH-MM.zip`, in UTC.
pub fn file_name(now_ms: i64) -> String {
    let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    format!(
        "mattermost_support_packet_{}.zip",
        time.format("%Y-%m-%d-%H-%M")
    )
}

/// One file of the packet as the dialog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub name: String,
    /// Bytes before compression (logs: their current size); `None` for what is only taken
    /// while the packet is written (the Go profiles).
    pub size: Option<u64>,
    pub source: String,
}

/// The packet's files, ready to be written.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub file_name: String,
    /// Small files, in the order they go in.
    small: Vec<SmallFile>,
    /// The metrics listeners whose Go profiles are fetched while the packet is written.
    profiles: Vec<profiles::Target>,
    logs: Vec<LogInput>,
    pub config_redactions: Vec<Redaction>,
    pub warnings: Vec<String>,
    pub options: Options,
    pub advice: Option<String>,
}

/// A file of the packet built in memory.
#[derive(Debug, Clone)]
struct SmallFile {
    name: String,
    bytes: Vec<u8>,
    /// Where from, for the dialog's list.
    source: String,
    /// Text the server wrote (job errors, a goroutine dump): scrubbed like a log, privacy mode
    /// included.
    server_text: bool,
}

impl SmallFile {
    fn new(name: &str, bytes: Vec<u8>, source: impl Into<String>) -> Self {
        Self {
            name: name.to_string(),
            bytes,
            source: source.into(),
            server_text: false,
        }
    }

    fn server_text(mut self) -> Self {
        self.server_text = true;
        self
    }
}

fn pretty_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        out.clear();
    }
    out.push(b'\n');
    out
}

/// Builds the packet's small files from what was collected, and the list of logs to stream.
pub fn prepare(collected: &Collected, options: Options, now_ms: i64) -> Prepared {
    let mut warnings = collected.warnings.clone();
    let mut small = Vec::new();

    let facts = &collected.facts;
    let metadata = Metadata {
        version: 1,
        kind: "support-packet".to_string(),
        generated_at: now_ms,
        server_version: facts.server_version.clone().unwrap_or_default(),
        server_id: collected.server_id.clone().unwrap_or_default(),
        license_id: facts.license_id.clone().unwrap_or_default(),
        customer_id: String::new(),
        extras: metadata_extras(collected, options),
    };
    small.push(SmallFile::new(
        "metadata.yaml",
        metadata.to_yaml().into_bytes(),
        "mmops",
    ));
    small.push(SmallFile::new(
        "support_packet.yaml",
        facts.to_yaml().into_bytes(),
        "the API and the install directory",
    ));
    // Today's layout beside the flat file older tools read (10.5 and later).
    small.push(SmallFile::new(
        "diagnostics.yaml",
        facts.diagnostics_yaml(collected.nodes).into_bytes(),
        "the API and the install directory",
    ));
    small.push(SmallFile::new(
        "stats.yaml",
        facts.stats_yaml().into_bytes(),
        crate::mm::routes::analytics().label(),
    ));
    if let Some(jobs) = &collected.jobs {
        small.push(
            SmallFile::new(
                "jobs.yaml",
                contents::jobs_yaml(jobs).into_bytes(),
                crate::mm::routes::jobs().label(),
            )
            // Job errors are server text like log lines.
            .server_text(),
        );
    }
    if let Some(permissions) = &collected.permissions {
        small.push(SmallFile::new(
            "permissions.yaml",
            serde_yaml::to_string(permissions)
                .unwrap_or_default()
                .into_bytes(),
            format!(
                "{} and {}",
                crate::mm::routes::roles().label(),
                crate::mm::routes::schemes().label()
            ),
        ));
    }
    // Missing keys, grouped by why they are missing, in file order.
    let mut missing: Vec<(String, Vec<&str>)> = Vec::new();
    for key in facts.missing() {
        let reason = collected
            .reasons
            .get(key)
            .cloned()
            .unwrap_or_else(|| default_reason(key).to_string());
        match missing.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, keys)) => keys.push(key),
            None => missing.push((reason, vec![key])),
        }
    }
    for (reason, keys) in missing {
        warnings.push(format!(
            "support_packet.yaml has no {}: {reason}",
            keys.join(", ")
        ));
    }

    if let Some((plugins, source)) = &collected.plugins {
        small.push(SmallFile::new(
            "plugins.json",
            pretty_json(plugins),
            source.clone(),
        ));
    } else {
        warnings.push("plugins.json is missing: no source gave the plugins".to_string());
    }

    if let Some(schema) = &collected.database_schema {
        small.push(SmallFile::new(
            "database_schema.yaml",
            schema.clone().into_bytes(),
            "the database's catalog over a read-only session (no rows)",
        ));
    }

    let mut config_redactions = Vec::new();
    if let Some((config, source)) = &collected.config {
        let sanitized = sanitize_config(config, &collected.manifests());
        small.push(SmallFile::new(
            "sanitized_config.json",
            pretty_json(&sanitized.config),
            format!(
                "{}, sanitized by mmops ({} values hidden)",
                source.describe(),
                sanitized.redactions.len()
            ),
        ));
        config_redactions = sanitized.redactions;
    } else {
        warnings.push("sanitized_config.json is missing: no source gave the config".to_string());
    }

    let logs = if options.include_logs {
        if !collected
            .logs
            .iter()
            .any(|l| l.name().ends_with("mattermost.log"))
        {
            warnings.push("mattermost.log is missing: no source gave the server's log".to_string());
        }
        collected.logs.clone()
    } else {
        Vec::new()
    };
    Prepared {
        file_name: file_name(now_ms),
        small,
        profiles: collected.profile_targets.clone(),
        logs,
        config_redactions,
        warnings,
        options,
        advice: collected.logging_advice().filter(|_| options.include_logs),
    }
}

fn metadata_extras(collected: &Collected, options: Options) -> BTreeMap<String, serde_yaml::Value> {
    use serde_yaml::Value as Y;
    let mut extras = BTreeMap::new();
    extras.insert(
        "generated_by".into(),
        Y::String(format!("mmops {VERSION_WITH_REVISION}")),
    );
    extras.insert(
        "requested_by".into(),
        Y::String(collected.requested_by.clone()),
    );
    extras.insert("logs_included".into(), Y::Bool(options.include_logs));
    extras.insert("privacy_mode".into(), Y::Bool(options.privacy));
    if options.privacy {
        extras.insert(
            "pseudonymized".into(),
            Y::Sequence(
                ["email addresses", "IP addresses", "usernames", "user ids"]
                    .iter()
                    .map(|s| Y::String((*s).to_string()))
                    .collect(),
            ),
        );
    }
    if let Some((_, source)) = &collected.config {
        extras.insert(
            "config_source".into(),
            Y::String(source.describe().to_string()),
        );
    }
    extras
}

impl Prepared {
    /// The files in the order they are written, with sizes and sources.
    pub fn plan(&self) -> Vec<PlannedFile> {
        let mut files: Vec<PlannedFile> = self
            .small
            .iter()
            .map(|file| PlannedFile {
                name: file.name.clone(),
                size: Some(file.bytes.len() as u64),
                source: file.source.clone(),
            })
            .collect();
        files.extend(self.planned_profiles());
        files.extend(self.logs.iter().map(|log| PlannedFile {
            name: log.name().to_string(),
            size: Some(log.size()),
            source: log.source(),
        }));
        if !self.warnings.is_empty() {
            files.push(PlannedFile {
                name: "warning.txt".into(),
                size: Some(warning_txt(&self.warnings).len() as u64),
                source: "what could not be collected".into(),
            });
        }
        files.push(PlannedFile {
            name: "redactions.txt".into(),
            size: Some(0),
            source: "what mmops hid".into(),
        });
        files
    }

    /// The profiles to be fetched while writing (their size is known only then).
    fn planned_profiles(&self) -> Vec<PlannedFile> {
        let seconds = self.options.cpu_profile_seconds;
        self.profiles
            .iter()
            .flat_map(|target| {
                let listener = format!("the metrics listener on {}", target.host());
                let cpu = (seconds > 0).then(|| PlannedFile {
                    name: format!("{}cpu.prof", target.folder),
                    size: None,
                    source: format!("{listener}, a {seconds} s CPU profile"),
                });
                let rest = ["heap.prof", "goroutines"].map(|name| PlannedFile {
                    name: format!("{}{name}", target.folder),
                    size: None,
                    source: listener.clone(),
                });
                cpu.into_iter().chain(rest)
            })
            .collect()
    }

    /// Adds a capture's files under `capture/`; its window of log lines streams through the
    /// scrubber like the logs, and like them is left out when the logs are.
    pub fn add_capture(&mut self, capture: &crate::capture::window::Files) {
        if capture.raised_level {
            self.advice = None;
        }
        self.small.push(SmallFile::new(
            "capture/capture.yaml",
            capture.yaml.clone().into_bytes(),
            "the capture: what mmops did, when, and the admin's description",
        ));
        if let Some(diff) = &capture.config_diff {
            self.small.push(SmallFile::new(
                "capture/config-diff.txt",
                diff.clone().into_bytes(),
                "the config at the start and at the stop, sanitized",
            ));
        }
        if let Some(doctor) = &capture.doctor {
            self.small.push(
                SmallFile::new(
                    "capture/doctor.txt",
                    doctor.clone().into_bytes(),
                    "mmops doctor at the stop",
                )
                .server_text(),
            );
        }
        if self.options.include_logs {
            self.logs.push(LogInput::Lines {
                name: "capture/window.log".to_string(),
                lines: capture.window.lines.clone(),
            });
        } else {
            self.warnings.push(
                "capture/window.log is left out with the logs (turn the logs on to include it)"
                    .to_string(),
            );
        }
    }

    /// Input bytes in all, for progress.
    pub fn total_bytes(&self) -> u64 {
        self.plan().iter().filter_map(|f| f.size).sum()
    }
}

/// The written packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub written: Written,
    pub log_counts: LogCounts,
    pub warnings: Vec<String>,
}

fn control_cancelled(cancel: &std::sync::atomic::AtomicBool) -> bool {
    cancel.load(std::sync::atomic::Ordering::Relaxed)
}

/// Writes the packet into `dir`. Blocking: run it on a worker thread.
pub fn write(prepared: &Prepared, dir: &Path, control: Control) -> Result<Summary, ArchiveError> {
    let file = ArchiveFile::create(dir)?;
    let cancel = std::sync::Arc::clone(&control.cancel);
    let mut archive = file.archive(control);
    let mut scrubber = Scrubber::new(prepared.options.privacy);
    // The CPU profile takes its window: it runs while the logs stream.
    let profiles = Fetch::start(
        prepared.profiles.clone(),
        prepared.options.cpu_profile_seconds,
    );
    for file in &prepared.small {
        if file.server_text {
            archive.add_bytes(&file.name, &scrub_text(&mut scrubber, &file.bytes))?;
        } else {
            archive.add_bytes(&file.name, &file.bytes)?;
        }
    }
    for log in &prepared.logs {
        match log {
            LogInput::File {
                name,
                path,
                size,
                within,
            } => {
                let source = crate::host::logs::open_within(path, within).map_err(|source| {
                    ArchiveError::Io {
                        context: format!("cannot read {}", path.display()),
                        source,
                    }
                })?;
                archive.add_log(name, source, *size, &mut scrubber)?;
            }
            LogInput::Lines { name, lines } => {
                let mut text = lines.join("\n");
                text.push('\n');
                let size = text.len() as u64;
                archive.add_log(name, Cursor::new(text.into_bytes()), size, &mut scrubber)?;
            }
        }
    }
    let fetched = profiles
        .finish_unless(&cancel)
        .ok_or(ArchiveError::Cancelled)?;
    for profile in &fetched.profiles {
        if profile.is_text {
            archive.add_bytes(&profile.name, &scrub_text(&mut scrubber, &profile.bytes))?;
        } else {
            archive.add_bytes(&profile.name, &profile.bytes)?;
        }
    }
    let mut warnings = prepared.warnings.clone();
    warnings.extend(fetched.warnings);
    if !warnings.is_empty() {
        archive.add_bytes("warning.txt", warning_txt(&warnings).as_bytes())?;
    }
    let counts = scrubber.counts();
    let redactions = redactions_txt(
        &prepared.config_redactions,
        &counts,
        prepared.options.privacy,
    );
    archive.add_bytes("redactions.txt", redactions.as_bytes())?;
    let entries = archive.finish()?;
    // Esc pressed while the last entry was written: still nothing is kept.
    if control_cancelled(&cancel) {
        return Err(ArchiveError::Cancelled);
    }
    let written = file.publish(&prepared.file_name, entries)?;
    Ok(Summary {
        written,
        log_counts: counts,
        warnings,
    })
}

/// Server text scrubbed line by line, as the logs are.
fn scrub_text(scrubber: &mut Scrubber, bytes: &[u8]) -> Vec<u8> {
    let mut clean = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let (text, newline) = match line.strip_suffix(b"\n") {
            Some(text) => (text, true),
            None => (line, false),
        };
        clean.extend_from_slice(&scrubber.scrub(text));
        if newline {
            clean.push(b'\n');
        }
    }
    clean
}
