//! Comparing two configs setting by setting, and reading the other side: a config.json, the
//! `sanitized_config.json` inside a support packet zip, or a snapshot mmops saved.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::ConfigError;
use super::tree::{Marks, Tree};
use crate::redact::MASK;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added {
        path: String,
        value: String,
    },
    Removed {
        path: String,
        value: String,
    },
    Changed {
        path: String,
        from: String,
        to: String,
    },
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Added { path, .. }
            | Change::Removed { path, .. }
            | Change::Changed { path, .. } => path,
        }
    }
}

/// What changed from `before` to `after`, by path.
pub fn compare(before: &Value, after: &Value) -> Vec<Change> {
    let left = Tree::build(before, &Marks::default());
    let right = Tree::build(after, &Marks::default());
    let old: BTreeMap<&str, &str> = left.leaves().collect();
    let new: BTreeMap<&str, &str> = right.leaves().collect();
    let mut out = Vec::new();
    for (path, value) in &old {
        match new.get(path) {
            None => out.push(Change::Removed {
                path: path.to_string(),
                value: value.to_string(),
            }),
            // A value hidden whole on one side cannot be compared: not a difference.
            Some(now) if now.contains(MASK) || value.contains(MASK) => {}
            Some(now) if now != value => out.push(Change::Changed {
                path: path.to_string(),
                from: value.to_string(),
                to: now.to_string(),
            }),
            Some(_) => {}
        }
    }
    for (path, value) in &new {
        if !old.contains_key(path) {
            out.push(Change::Added {
                path: path.to_string(),
                value: value.to_string(),
            });
        }
    }
    out.sort_by(|a, b| a.path().cmp(b.path()));
    out
}

/// Reads a config to compare with: a JSON file, or a zip holding `sanitized_config.json`
/// (a support packet, anywhere in it).
pub fn read_other(path: &Path) -> Result<Value, ConfigError> {
    let at = || path.to_path_buf();
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read { path: at(), source })?;
    let json = if bytes.starts_with(b"PK") {
        let not_a_zip = |e: &dyn std::fmt::Display| ConfigError::NotAZip {
            path: at(),
            detail: e.to_string(),
        };
        let mut zip =
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| not_a_zip(&e))?;
        let name = (0..zip.len())
            .filter_map(|i| {
                let entry = zip.by_index_raw(i).ok()?;
                let name = entry.name().ok()?.to_string();
                (name.rsplit('/').next() == Some("sanitized_config.json")).then_some(name)
            })
            .next()
            .ok_or_else(|| ConfigError::NoConfigInZip { path: at() })?;
        let mut text = Vec::new();
        zip.by_name(&name)
            .map_err(|e| not_a_zip(&e))?
            .take(64 * 1024 * 1024)
            .read_to_end(&mut text)
            .map_err(|e| not_a_zip(&e))?;
        text
    } else {
        bytes
    };
    match serde_json::from_slice::<Value>(&json) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err(ConfigError::NotAnObject { path: at() }),
        Err(e) => Err(ConfigError::NotJson {
            path: at(),
            detail: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn added_removed_and_changed_by_path() {
        let before = json!({"A": {"x": 1, "y": "old", "gone": true}});
        let after = json!({"A": {"x": 1, "y": "new", "z": [1, 2]}});
        assert_eq!(
            compare(&before, &after),
            vec![
                Change::Removed {
                    path: "A.gone".into(),
                    value: "true".into()
                },
                Change::Changed {
                    path: "A.y".into(),
                    from: "old".into(),
                    to: "new".into()
                },
                Change::Added {
                    path: "A.z".into(),
                    value: "[1,2]".into()
                },
            ]
        );
    }

    #[test]
    fn a_value_masked_whole_on_one_side_is_not_a_difference() {
        let before = json!({"S": {"DataSource": MASK, "Replicas": [MASK], "Host": "a"}});
        let after = json!({"S": {"DataSource": "postgres://****:****@db/mm", "Replicas": ["x"], "Host": "b"}});
        let paths: Vec<String> = compare(&before, &after)
            .iter()
            .map(|c| c.path().to_string())
            .collect();
        assert_eq!(paths, ["S.Host"]);
    }

    #[test]
    fn the_config_inside_a_packet_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file("metadata.yaml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.start_file(
            "sanitized_config.json",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(&mut zip, br#"{"A": {"x": 2}}"#).unwrap();
        zip.finish().unwrap();
        assert_eq!(read_other(&path).unwrap(), json!({"A": {"x": 2}}));
        std::fs::write(&path, "[1]").unwrap();
        assert!(
            read_other(&path)
                .unwrap_err()
                .to_string()
                .contains("not a config")
        );
    }
}
