//! The capture's part of the packet: every source's lines from the start to the stop, merged
//! by time as the Logs tab holds them (`capture/window.log`), the config's changes in between,
//! the doctor's findings at the stop and `capture/capture.yaml` saying what was done.
//!
//! A file of this host is read from where it ended at the start (its [`FileMark`]), so the
//! window costs its own volume, not the whole file's.

use std::io::{BufRead, BufReader, Seek, SeekFrom};

use serde::Serialize;

use super::control::{Outcome, Stopped};
use super::record::FileMark;
use crate::logs::select::{Selection, Selector, Verdict};
use crate::packet::collect::LogInput;
use crate::server_config::diff::{Change, compare};

/// The window's lines are kept in memory up to this much; past it the oldest go, and
/// `capture.yaml` says so.
pub const MAX_WINDOW_BYTES: usize = 256 * 1024 * 1024;

/// The folder of the packet the capture's files go in.
pub const FOLDER: &str = "capture/";

/// One entry (its first line and any continuation lines) of one source.
struct Entry {
    ts: i64,
    source: usize,
    lines: Vec<Vec<u8>>,
}

/// What went into the window, per source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCount {
    pub source: String,
    pub lines: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Every source's lines by time; a JSON entry of a capture with several sources names
    /// its own in `mmops_source`.
    pub lines: Vec<String>,
    pub counts: Vec<SourceCount>,
    /// Lines left out over [`MAX_WINDOW_BYTES`], and sources that could not be read.
    pub notes: Vec<String>,
}

fn entries_of(
    reader: impl BufRead,
    source: usize,
    selection: &Selection,
    out: &mut Vec<Entry>,
) -> std::io::Result<u64> {
    let mut selector = Selector::new(selection.clone());
    let mut count = 0;
    for line in reader.split(b'\n') {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line).to_vec();
        match selector.judge(&line) {
            Verdict::Entry(parsed) => {
                let ts = parsed.ts_ms.or(selector.last_ts()).unwrap_or(i64::MIN);
                out.push(Entry {
                    ts,
                    source,
                    lines: vec![line],
                });
                count += 1;
            }
            Verdict::Continuation => {
                if let Some(entry) = out.last_mut().filter(|e| e.source == source) {
                    entry.lines.push(line);
                    count += 1;
                }
            }
            Verdict::Skip => {}
        }
    }
    Ok(count)
}

/// A file read from its mark when it has one and has not been rotated since.
fn open_from_mark(
    path: &std::path::Path,
    within: &std::path::Path,
    marks: &[FileMark],
) -> std::io::Result<BufReader<std::fs::File>> {
    let mut file = crate::host::logs::open_within(path, within)?;
    let size = file.metadata()?.len();
    if let Some(mark) = marks.iter().find(|m| m.path == path)
        && mark.offset <= size
    {
        file.seek(SeekFrom::Start(mark.offset))?;
    }
    Ok(BufReader::new(file))
}

/// Source `name`'s JSON line with `"mmops_source"` first; other lines as they are.
fn labelled(line: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(line);
    match text.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('"') => {
            format!(
                "{{\"mmops_source\":{},{rest}",
                serde_json::Value::String(name.to_string())
            )
        }
        _ => text.into_owned(),
    }
}

/// The window `[start, stop]` of every log the packet takes.
pub fn read(logs: &[LogInput], start_ms: i64, stop_ms: i64, marks: &[FileMark]) -> Window {
    let selection = Selection {
        since_ms: Some(start_ms),
        until_ms: Some(stop_ms.saturating_add(1)),
        ..Selection::default()
    };
    let mut entries = Vec::new();
    let mut counts = Vec::new();
    let mut notes = Vec::new();
    for (source, log) in logs.iter().enumerate() {
        let read = match log {
            LogInput::File { path, within, .. } => open_from_mark(path, within, marks)
                .and_then(|reader| entries_of(reader, source, &selection, &mut entries)),
            LogInput::Lines { lines, .. } => {
                let text = lines.join("\n");
                entries_of(text.as_bytes(), source, &selection, &mut entries)
            }
        };
        match read {
            Ok(lines) => counts.push(SourceCount {
                source: log.name().to_string(),
                lines,
            }),
            Err(err) => notes.push(format!("{}: {err}", log.name())),
        }
    }
    // Each source's entries are in its own order; a stable sort by time interleaves them.
    entries.sort_by_key(|e| e.ts);
    let several = logs.len() > 1;
    let mut total = 0usize;
    let mut lines: Vec<String> = Vec::new();
    for entry in entries.iter().rev() {
        let size: usize = entry.lines.iter().map(|l| l.len() + 1).sum();
        if total + size > MAX_WINDOW_BYTES {
            let left: usize = entries.len() - lines.len();
            notes.push(format!(
                "the window's oldest entries were left out past {} (about {left} entries); the whole logs are in the packet",
                crate::timefmt::bytes(MAX_WINDOW_BYTES as u64)
            ));
            break;
        }
        total += size;
        let name = logs[entry.source].name();
        for line in entry.lines.iter().rev() {
            lines.push(if several {
                labelled(line, name)
            } else {
                String::from_utf8_lossy(line).into_owned()
            });
        }
    }
    lines.reverse();
    Window {
        lines,
        counts,
        notes,
    }
}

/// `capture/capture.yaml`.
#[derive(Debug, Serialize)]
struct CaptureYaml<'a> {
    schema: &'static str,
    description: &'a str,
    server: &'a str,
    started: String,
    stopped: String,
    length: String,
    nodes: &'a [String],
    by: &'a str,
    levels: Vec<LevelYaml>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_current_level: Option<&'a str>,
    lines: &'a [SourceCount],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    files: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Serialize)]
struct LevelYaml {
    setting: String,
    before: String,
    during: String,
    after: String,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The files the capture adds to the packet: `(name, bytes, is server text)`.
pub struct Files {
    pub window: Window,
    pub yaml: String,
    pub config_diff: Option<String>,
    pub doctor: Option<String>,
    /// The capture raised the level: the advice to raise it before a packet is moot.
    pub raised_level: bool,
}

pub fn config_changes(stopped: &Stopped) -> Option<Vec<Change>> {
    let (Some(before), Some(after)) = (&stopped.capture.config_before, &stopped.config_after)
    else {
        return None;
    };
    Some(compare(before, after))
}

fn diff_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Added { path, value } => out.push_str(&format!("+ {path} = {value}\n")),
            Change::Removed { path, value } => out.push_str(&format!("- {path} = {value}\n")),
            Change::Changed { path, from, to } => {
                out.push_str(&format!("~ {path}: {from} -> {to}\n"))
            }
        }
    }
    out
}

/// Everything the capture adds to the packet.
pub fn files(
    stopped: &Stopped,
    window: Window,
    description: &str,
    doctor: Option<String>,
) -> Files {
    let capture = &stopped.capture;
    let changes = config_changes(stopped);
    let levels = capture
        .levels_before
        .iter()
        .map(|(setting, before)| {
            let raised = capture.changes.iter().find(|c| &c.setting == setting);
            let outcome = stopped.outcomes.iter().find_map(|o| match o {
                Outcome::Restored(c) if &c.setting == setting => Some(c.before.clone()),
                Outcome::LeftAsChanged { change, now } if &change.setting == setting => Some(
                    format!("{now} (changed during the capture; left as it was)"),
                ),
                _ => None,
            });
            LevelYaml {
                setting: setting.clone(),
                before: before.clone(),
                during: raised.map_or_else(|| before.clone(), |c| c.during.clone()),
                after: outcome.unwrap_or_else(|| before.clone()),
            }
        })
        .collect();
    let mut files = vec![(
        "capture/window.log",
        "every source's lines from the start to the stop, by time (a JSON entry names its source in mmops_source when there are several)",
    )];
    let config_diff = match &changes {
        Some(changes) if !changes.is_empty() => {
            files.push((
                "capture/config-diff.txt",
                "settings changed between the start and the stop",
            ));
            Some(diff_text(changes))
        }
        _ => None,
    };
    if doctor.is_some() {
        files.push(("capture/doctor.txt", "mmops doctor at the stop"));
    }
    let mut notes = window.notes.clone();
    match &changes {
        None => notes
            .push("the config could not be read at the start or the stop: no config diff".into()),
        Some(c) if c.is_empty() => {
            notes.push("no setting changed between the start and the stop".into())
        }
        Some(_) => {}
    }
    let yaml = serde_yaml::to_string(&CaptureYaml {
        schema: super::record::SCHEMA,
        description,
        server: &capture.server,
        started: rfc3339(capture.started_ms),
        stopped: rfc3339(stopped.stopped_ms),
        length: crate::timefmt::duration_ms(stopped.stopped_ms - capture.started_ms),
        nodes: &capture.nodes,
        by: &capture.by,
        levels,
        at_current_level: capture.at_current_level.as_deref(),
        lines: &window.counts,
        notes: &notes,
        files,
    })
    .unwrap_or_default();
    Files {
        window,
        yaml,
        config_diff,
        doctor,
        raised_level: !capture.changes.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::record::sample;

    fn line(ms: i64, msg: &str) -> String {
        format!(
            "{{\"timestamp\":\"{}\",\"level\":\"debug\",\"msg\":\"{msg}\"}}",
            crate::demo::logs::log_timestamp(ms)
        )
    }

    #[test]
    fn only_the_window_is_kept_merged_by_time_from_the_marks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mattermost.log");
        let before = format!("{}\n", line(1_000, "before the start"));
        let during = format!(
            "{}\n{}\n  a trace line\n{}\n",
            line(5_000, "one"),
            line(7_000, "three"),
            line(20_000, "after the stop")
        );
        std::fs::write(&path, format!("{before}{during}")).unwrap();
        let within = std::fs::canonicalize(dir.path()).unwrap();
        let logs = vec![
            LogInput::File {
                name: "mattermost.log".into(),
                path: path.clone(),
                size: 0,
                within,
            },
            LogInput::Lines {
                name: "mm-app-2/mattermost.log".into(),
                lines: vec![line(4_000, "too early"), line(6_000, "two")],
            },
        ];
        let marks = [FileMark {
            path: path.clone(),
            offset: before.len() as u64,
        }];
        let window = read(&logs, 5_000, 10_000, &marks);
        let msgs: Vec<&str> = window
            .lines
            .iter()
            .map(|l| {
                l.split("\"msg\":\"")
                    .nth(1)
                    .map_or(l.as_str(), |m| m.split('"').next().unwrap())
            })
            .collect();
        assert_eq!(msgs, ["one", "two", "three", "  a trace line"]);
        assert!(window.lines[1].starts_with("{\"mmops_source\":\"mm-app-2/mattermost.log\","));
        assert_eq!(window.counts[0].lines, 3);
        assert_eq!(window.counts[1].lines, 1);

        // A rotated file (smaller than the mark) is read from its start.
        std::fs::write(&path, line(6_500, "after rotation")).unwrap();
        let window = read(&logs[..1], 5_000, 10_000, &marks);
        assert_eq!(window.lines.len(), 1);
    }

    #[test]
    fn capture_yaml_says_what_was_done() {
        let capture = sample("a", 1_700_000_000_000);
        let stopped = Stopped {
            outcomes: vec![Outcome::Restored(capture.changes[0].clone())],
            stopped_ms: capture.started_ms + 192_000,
            config_after: Some(
                serde_json::json!({"LogSettings": {"FileLevel": "INFO", "MaxFieldSize": 2}}),
            ),
            capture: crate::capture::Capture {
                config_before: Some(
                    serde_json::json!({"LogSettings": {"FileLevel": "INFO", "MaxFieldSize": 1}}),
                ),
                ..capture
            },
        };
        let window = Window {
            lines: vec![],
            counts: vec![SourceCount {
                source: "mattermost.log".into(),
                lines: 0,
            }],
            notes: vec![],
        };
        let files = files(&stopped, window, "login fails for SAML users", None);
        let yaml: serde_yaml::Value = serde_yaml::from_str(&files.yaml).unwrap();
        assert_eq!(yaml["description"], "login fails for SAML users");
        assert_eq!(yaml["levels"][0]["before"], "INFO");
        assert_eq!(yaml["levels"][0]["during"], "DEBUG");
        assert_eq!(yaml["levels"][0]["after"], "INFO");
        assert_eq!(yaml["length"], "3m 12s");
        assert_eq!(
            files.config_diff.as_deref(),
            Some("~ LogSettings.MaxFieldSize: 1 -> 2\n")
        );
    }
}
