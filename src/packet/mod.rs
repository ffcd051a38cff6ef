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
pub mod resanitize;
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
use self::scrub::{LogCounts, Scrubber};
use crate::build_info::VERSION_WITH_REVISION;
use crate::sanitize::{Redaction, sanitize_config};

/// What the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub include_logs: bool,
    /// Replace emails, IP addresses, usernames and user ids in the logs with pseudonyms.
    pub privacy: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            include_logs: true,
            privacy: false,
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
    /// Bytes before compression (logs: their current size).
    pub size: u64,
    pub source: String,
}

/// The packet's files, ready to be written.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub file_name: String,
    /// Small files, in the order they go in: name, contents, where from.
    small: Vec<(String, Vec<u8>, String)>,
    logs: Vec<LogInput>,
    pub config_redactions: Vec<Redaction>,
    pub warnings: Vec<String>,
    pub options: Options,
    pub advice: Option<String>,
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
    small.push((
        "metadata.yaml".to_string(),
        metadata.to_yaml().into_bytes(),
        "mmops".to_string(),
    ));
    small.push((
        "support_packet.yaml".to_string(),
        facts.to_yaml().into_bytes(),
        "the API and the install directory".to_string(),
    ));
    // Today's layout beside the flat file older tools read (10.5 and later).
    small.push((
        "diagnostics.yaml".to_string(),
        facts.diagnostics_yaml(collected.nodes).into_bytes(),
        "the API and the install directory".to_string(),
    ));
    small.push((
        "stats.yaml".to_string(),
        facts.stats_yaml().into_bytes(),
        crate::mm::routes::analytics().label(),
    ));
    if let Some(jobs) = &collected.jobs {
        small.push((
            "jobs.yaml".to_string(),
            contents::jobs_yaml(jobs).into_bytes(),
            crate::mm::routes::jobs().label(),
        ));
    }
    if let Some(permissions) = &collected.permissions {
        small.push((
            "permissions.yaml".to_string(),
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
        small.push((
            "plugins.json".to_string(),
            pretty_json(plugins),
            source.clone(),
        ));
    } else {
        warnings.push("plugins.json is missing: no source gave the plugins".to_string());
    }

    let mut config_redactions = Vec::new();
    if let Some((config, source)) = &collected.config {
        let sanitized = sanitize_config(config, &collected.manifests());
        small.push((
            "sanitized_config.json".to_string(),
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
            .map(|(name, bytes, source)| PlannedFile {
                name: name.clone(),
                size: bytes.len() as u64,
                source: source.clone(),
            })
            .collect();
        files.extend(self.logs.iter().map(|log| PlannedFile {
            name: log.name().to_string(),
            size: log.size(),
            source: log.source(),
        }));
        if !self.warnings.is_empty() {
            files.push(PlannedFile {
                name: "warning.txt".into(),
                size: warning_txt(&self.warnings).len() as u64,
                source: "what could not be collected".into(),
            });
        }
        files.push(PlannedFile {
            name: "redactions.txt".into(),
            size: 0,
            source: "what mmops hid".into(),
        });
        files
    }

    /// Input bytes in all, for progress.
    pub fn total_bytes(&self) -> u64 {
        self.plan().iter().map(|f| f.size).sum()
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
    for (name, bytes, _) in &prepared.small {
        if name == "jobs.yaml" {
            // Job errors are server text like log lines: the same scrubbing, and privacy mode.
            let mut clean = Vec::with_capacity(bytes.len());
            for line in bytes.split(|b| *b == b'\n') {
                clean.extend_from_slice(&scrubber.scrub(line));
                clean.push(b'\n');
            }
            archive.add_bytes(name, &clean)?;
        } else {
            archive.add_bytes(name, bytes)?;
        }
    }
    for log in &prepared.logs {
        match log {
            LogInput::File { name, path, size } => {
                let source = std::fs::File::open(path).map_err(|source| ArchiveError::Io {
                    context: format!("cannot read {}", path.display()),
                    source,
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
    if !prepared.warnings.is_empty() {
        archive.add_bytes("warning.txt", warning_txt(&prepared.warnings).as_bytes())?;
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
        warnings: prepared.warnings.clone(),
    })
}
