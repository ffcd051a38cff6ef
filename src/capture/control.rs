//! Raising the levels and putting them back, with `PUT /config/patch` naming only the level
//! settings: the record is written before the change, so a crash at any point leaves
//! something to restore from, and each change goes into mmops' own log with its values.

use serde_json::{Map, Value};

use super::plan::Plan;
use super::record::{Capture, CaptureFile, FileMark, LevelChange, RecordError, SCHEMA};
use crate::mm::{ApiError, MmClient};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The server took the patch and kept another value (an environment variable wins).
    #[error(
        "the server kept {setting} at {kept} after the change to {asked}: an environment variable or its config store overrides it"
    )]
    NotApplied {
        setting: String,
        asked: String,
        kept: String,
    },
}

impl CaptureError {
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            CaptureError::Api(err) => Some(err),
            _ => None,
        }
    }
}

/// How the capture is started.
#[derive(Debug, Clone)]
pub struct Start {
    pub now_ms: i64,
    pub max_minutes: u32,
    /// The process that keeps the deadline.
    pub owner_pid: u32,
    /// The ends of this host's log files now.
    pub file_marks: Vec<FileMark>,
    /// Capture at the current level even when the plan would raise it (the admin chose so
    /// after a refusal).
    pub at_current_level: Option<String>,
    pub profile: Option<String>,
}

/// `{"LogSettings": {"FileLevel": "DEBUG"}}` from `Section.Key` settings and their values.
pub fn patch_body(settings: &[(String, String)]) -> Value {
    let mut root = Map::new();
    for (setting, value) in settings {
        let Some((section, key)) = setting.split_once('.') else {
            continue;
        };
        if let Value::Object(section) = root
            .entry(section.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            section.insert(key.to_string(), Value::String(value.clone()));
        }
    }
    Value::Object(root)
}

fn value_at(config: &Value, setting: &str) -> Option<String> {
    config
        .pointer(&crate::server_config::pointer(setting))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Patches `settings` and checks the answer holds them.
async fn patch(client: &MmClient, settings: &[(String, String)]) -> Result<(), CaptureError> {
    let answer = client.patch_config(&patch_body(settings)).await?;
    for (setting, asked) in settings {
        let kept = value_at(&answer, setting).unwrap_or_default();
        if !kept.eq_ignore_ascii_case(asked) {
            return Err(CaptureError::NotApplied {
                setting: setting.clone(),
                asked: asked.clone(),
                kept,
            });
        }
    }
    Ok(())
}

fn new_id(now_ms: i64) -> String {
    format!("{now_ms:x}-{:x}", std::process::id())
}

/// Records the capture, then raises the levels the plan names (unless it runs at the current
/// level). On any failure the record is removed and nothing was changed.
pub async fn start(
    client: &MmClient,
    plan: &Plan,
    how: Start,
    file: &CaptureFile,
) -> Result<Capture, CaptureError> {
    let changes = if how.at_current_level.is_some() {
        Vec::new()
    } else {
        plan.changes()
    };
    let capture = Capture {
        schema: SCHEMA.to_string(),
        id: new_id(how.now_ms),
        server: plan.server.clone(),
        profile: how.profile,
        started_ms: how.now_ms,
        deadline_ms: how.now_ms + i64::from(how.max_minutes) * 60_000,
        nodes: plan.nodes.clone(),
        by: plan.by.clone(),
        changes: changes.clone(),
        levels_before: plan.levels_before(),
        at_current_level: how.at_current_level.or_else(|| plan.at_current_level()),
        file_marks: how.file_marks,
        owner_pid: how.owner_pid,
        config_before: plan.config.clone(),
    };
    file.create(&capture)?;
    if changes.is_empty() {
        tracing::info!(server = %capture.server, "capture started at the current level");
        return Ok(capture);
    }
    let settings: Vec<(String, String)> = changes
        .iter()
        .map(|c| (c.setting.clone(), c.during.clone()))
        .collect();
    match patch(client, &settings).await {
        Ok(()) => {
            for change in &changes {
                tracing::info!(
                    server = %capture.server,
                    setting = %change.setting,
                    old = %change.before,
                    new = %change.during,
                    "capture: config changed"
                );
            }
            Ok(capture)
        }
        Err(err) => {
            // A patch the server took but did not keep is put back before giving up.
            if matches!(err, CaptureError::NotApplied { .. }) {
                let back: Vec<(String, String)> = changes
                    .iter()
                    .map(|c| (c.setting.clone(), c.before.clone()))
                    .collect();
                let _ = client.patch_config(&patch_body(&back)).await;
            }
            file.remove(&capture.id)?;
            Err(err)
        }
    }
}

/// What the stop did to each level mmops raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Restored(LevelChange),
    /// Someone set it to another value during the capture: theirs is kept.
    LeftAsChanged {
        change: LevelChange,
        now: String,
    },
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Restored(c) => {
                format!("{} restored to {} (was {})", c.setting, c.before, c.during)
            }
            Outcome::LeftAsChanged { change, now } => format!(
                "{} left at {now}: it was changed during the capture (mmops had set {})",
                change.setting, change.during
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stopped {
    pub capture: Capture,
    pub stopped_ms: i64,
    pub outcomes: Vec<Outcome>,
    /// The config after the levels were put back, sanitized.
    pub config_after: Option<Value>,
}

/// Puts back the levels the capture raised, unless someone changed them since, and removes
/// the record. On failure the record stays, so the next try (or the next mmops) restores.
pub async fn restore(
    client: &MmClient,
    capture: &Capture,
    now_ms: i64,
    file: &CaptureFile,
) -> Result<Stopped, CaptureError> {
    let config = match client.full_config().await {
        Ok(config) => Some(config),
        // Without the config, put back what mmops raised anyway.
        Err(err) if capture.changes.is_empty() || err.is_unreachable() || err.needs_login() => {
            return Err(err.into());
        }
        Err(_) => None,
    };
    let mut outcomes = Vec::new();
    let mut settings = Vec::new();
    for change in &capture.changes {
        let now = config.as_ref().and_then(|c| value_at(c, &change.setting));
        match now {
            Some(now) if !now.eq_ignore_ascii_case(&change.during) => {
                outcomes.push(Outcome::LeftAsChanged {
                    change: change.clone(),
                    now,
                });
            }
            _ => {
                settings.push((change.setting.clone(), change.before.clone()));
                outcomes.push(Outcome::Restored(change.clone()));
            }
        }
    }
    let mut config_after = config;
    if !settings.is_empty() {
        patch(client, &settings).await?;
        for (setting, value) in &settings {
            tracing::info!(server = %capture.server, %setting, new = %value, "capture: config restored");
            if let Some(config) = &mut config_after
                && let Some(slot) = config.pointer_mut(&crate::server_config::pointer(setting))
            {
                *slot = Value::String(value.clone());
            }
        }
    }
    file.remove(&capture.id)?;
    Ok(Stopped {
        capture: capture.clone(),
        stopped_ms: now_ms,
        outcomes,
        config_after: config_after.map(|c| crate::sanitize::sanitize_config(&c, &[]).config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patch_names_only_the_given_settings() {
        let body = patch_body(&[
            ("LogSettings.FileLevel".into(), "DEBUG".into()),
            ("LogSettings.ConsoleLevel".into(), "DEBUG".into()),
        ]);
        assert_eq!(
            body,
            serde_json::json!({"LogSettings": {"FileLevel": "DEBUG", "ConsoleLevel": "DEBUG"}})
        );
    }
}
