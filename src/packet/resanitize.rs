//! The server's own packet holds the server's idea of a sanitized config, with the gaps of its
//! version (settings newer servers mask, plugin secrets inside settings sections). Before that
//! packet is kept, every config in it goes through mmops' own sanitizer; every other entry is
//! copied byte for byte.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use serde_json::Value;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::sanitize::sanitize_config;

/// Whether an entry of a packet is a config that must be sanitized again.
pub fn is_config(name: &str) -> bool {
    name.rsplit('/').next() == Some("sanitized_config.json")
}

/// Writes `source`'s entries into `into`, each config sanitized again. Returns how many values
/// mmops hid that the server had left. A config that does not parse is left out, named in the
/// returned list of dropped entries, rather than kept unchecked.
pub fn resanitize(source: &File, into: &File) -> Result<Outcome, String> {
    let mut source = source.try_clone().map_err(|e| e.to_string())?;
    source.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut archive = ZipArchive::new(source).map_err(|e| e.to_string())?;
    let manifests = plugin_manifests(&mut archive);
    let mut writer = ZipWriter::new(into.try_clone().map_err(|e| e.to_string())?);
    let mut outcome = Outcome::default();
    for i in 0..archive.len() {
        let name = archive
            .by_index_raw(i)
            .and_then(|e| e.name().map(|n| n.to_string()))
            .map_err(|e| e.to_string())?;
        if !is_config(&name) {
            let entry = archive.by_index_raw(i).map_err(|e| e.to_string())?;
            writer.raw_copy_file(entry).map_err(|e| e.to_string())?;
            continue;
        }
        let mut text = Vec::new();
        archive
            .by_index(i)
            .and_then(|mut e| e.read_to_end(&mut text).map_err(Into::into))
            .map_err(|e| e.to_string())?;
        let Ok(config) = serde_json::from_slice::<Value>(&text) else {
            outcome.dropped.push(name);
            continue;
        };
        let clean = sanitize_config(&config, &manifests);
        outcome.hidden += changed_values(&config, &clean.config);
        let body = serde_json::to_vec_pretty(&clean.config).map_err(|e| e.to_string())?;
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .unix_permissions(0o600);
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| e.to_string())?;
        writer.write_all(&body).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())?;
    Ok(outcome)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Values the server had left in the clear and mmops hid.
    pub hidden: usize,
    /// Configs that were not JSON, left out.
    pub dropped: Vec<String>,
}

/// The manifests in the packet's `plugins.json` (`{"active": [...], "inactive": [...]}`, as
/// `GET /api/v4/plugins` answers), so plugin settings marked secret are known and the others
/// stay readable.
fn plugin_manifests(archive: &mut ZipArchive<File>) -> Vec<Value> {
    let Some(index) = (0..archive.len()).find(|i| {
        archive
            .by_index_raw(*i)
            .ok()
            .and_then(|e| {
                e.name()
                    .ok()
                    .map(|n| n.rsplit('/').next() == Some("plugins.json"))
            })
            .unwrap_or(false)
    }) else {
        return Vec::new();
    };
    let mut text = Vec::new();
    if archive
        .by_index(index)
        .and_then(|mut e| e.read_to_end(&mut text).map_err(Into::into))
        .is_err()
    {
        return Vec::new();
    }
    let Ok(plugins) = serde_json::from_slice::<Value>(&text) else {
        return Vec::new();
    };
    ["active", "inactive", "enabled", "disabled"]
        .iter()
        .filter_map(|key| plugins.get(*key).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

/// How many values differ between the server's config and mmops' sanitized one: the values
/// the server had left in the clear.
fn changed_values(before: &Value, after: &Value) -> usize {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .map(|(key, value)| b.get(key).map_or(1, |other| changed_values(value, other)))
            .sum(),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).map(|(x, y)| changed_values(x, y)).sum()
        }
        (a, b) => usize::from(a != b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> File {
        let file = tempfile::tempfile().unwrap();
        let mut writer = ZipWriter::new(file.try_clone().unwrap());
        for (name, bytes) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
        file
    }

    fn read_entry(file: &File, name: &str) -> Option<String> {
        let mut file = file.try_clone().unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut archive = ZipArchive::new(file).unwrap();
        let mut entry = archive.by_name(name).ok()?;
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        Some(text)
    }

    #[test]
    fn the_gaps_of_the_server_are_closed_and_the_rest_is_kept() {
        let config = br#"{"FileSettings":{"ExportAmazonS3SecretAccessKey":"LEFT-BY-SERVER","AmazonS3SecretAccessKey":"********************************","MaxFileSize":100},
            "PluginSettings":{"Plugins":{"github":{"section":{"encryptionkey":"PLUGIN-SECRET","showsidebar":true}}}}}"#;
        let plugins = br#"{"active":[{"id":"github","settings_schema":{"sections":[{"key":"section","settings":[{"key":"EncryptionKey","type":"generated","secret":true},{"key":"ShowSidebar","type":"bool"}]}]}}],"inactive":[]}"#;
        let source = zip_of(&[
            ("sanitized_config.json", config),
            ("plugins.json", plugins),
            ("node-1/mattermost.log", b"a log line\n"),
        ]);
        let into = tempfile::tempfile().unwrap();
        let outcome = resanitize(&source, &into).unwrap();
        let clean = read_entry(&into, "sanitized_config.json").unwrap();
        assert!(!clean.contains("LEFT-BY-SERVER"), "{clean}");
        assert!(!clean.contains("PLUGIN-SECRET"), "{clean}");
        assert!(clean.contains("\"MaxFileSize\": 100"), "{clean}");
        // Settings the manifest does not mark secret stay readable.
        assert!(clean.contains("\"showsidebar\": true"), "{clean}");
        assert_eq!(outcome.hidden, 2, "{outcome:?}");
        assert_eq!(
            read_entry(&into, "node-1/mattermost.log").as_deref(),
            Some("a log line\n")
        );
        assert!(read_entry(&into, "plugins.json").is_some());
    }

    #[test]
    fn a_config_that_is_not_json_is_left_out() {
        let source = zip_of(&[("sanitized_config.json", b"{not json"), ("a.txt", b"kept")]);
        let into = tempfile::tempfile().unwrap();
        let outcome = resanitize(&source, &into).unwrap();
        assert_eq!(outcome.dropped, vec!["sanitized_config.json".to_string()]);
        assert!(read_entry(&into, "sanitized_config.json").is_none());
        assert_eq!(read_entry(&into, "a.txt").as_deref(), Some("kept"));
    }
}
