//! Plugin manifests of every era (`plugins::manifest::Manifest::parse`) and the Plugins tab's
//! inventory built from the server's answers (`plugins::Inventory::build`).
//!
//! The input is JSON: a manifest, a list of them, or a `GET /api/v4/plugins` answer
//! (`{"active": [...], "inactive": [...]}`). An answer may carry three extra members the fuzz
//! target reads for the other answers the inventory takes: `statuses` (the
//! `GET /plugins/statuses` list), `nodes` (`[[id, hostname], ...]`) and `config`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mmops::plugins::manifest::Manifest;
use mmops::plugins::{Inventory, Statuses, all_manifests};
use mmops::sanitize::sanitize_config;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check_manifest(&value);
    if let Value::Array(list) = &value {
        list.iter().for_each(check_manifest);
    }
    if value.get("active").is_some() || value.get("inactive").is_some() {
        all_manifests(&value).iter().for_each(check_manifest);
        check_inventory(&value);
    }
});

fn id_of(raw: &Value) -> Option<String> {
    match raw.get("id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn check_manifest(raw: &Value) {
    let manifest = Manifest::parse(raw);
    assert_eq!(manifest, Manifest::parse(raw), "parsing is not deterministic");
    // Only the id is required.
    assert_eq!(manifest.as_ref().map(|m| m.id.clone()), id_of(raw));
    let Some(manifest) = manifest else {
        return;
    };
    assert_eq!(&manifest.raw, raw);
    assert!(!manifest.name.is_empty());
    if let Some(key) = manifest.server_key {
        assert!(raw.get(key).is_some_and(Value::is_object), "{key} is not an object");
    }
    let mut settings = 0;
    for (_, setting) in manifest.all_settings() {
        assert!(!setting.key.is_empty() && setting.key.trim() == setting.key);
        assert!(!setting.kind.is_empty() && !setting.display_name.is_empty());
        settings += 1;
    }
    let expected = manifest.settings.len()
        + manifest.sections.iter().map(|s| s.settings.len()).sum::<usize>();
    assert_eq!(settings, expected);
}

fn check_inventory(plugins: &Value) {
    let statuses = match plugins.get("statuses") {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    let nodes: Vec<(String, String)> = plugins
        .get("nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            let id = pair.get(0)?.as_str()?;
            let host = pair.get(1)?.as_str()?;
            Some((id.to_string(), host.to_string()))
        })
        .collect();
    let config = plugins.get("config").cloned().unwrap_or(Value::Null);
    let inventory = Inventory::build(plugins, Ok(statuses), &nodes, Ok(config.clone()));
    assert_eq!(inventory.statuses, Statuses::Known);

    let listed: Vec<Value> = ["active", "inactive"]
        .iter()
        .filter_map(|state| plugins.get(state).and_then(Value::as_array))
        .flatten()
        .filter(|raw| Manifest::parse(raw).is_some())
        .cloned()
        .collect();
    assert_eq!(inventory.plugins.len(), listed.len(), "a plugin was lost or invented");
    // Failed plugins first, then by name; each plugin's nodes in order.
    for pair in inventory.plugins.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.failed() >= b.failed());
        if a.failed() == b.failed() {
            assert!(a.manifest.name.to_lowercase() <= b.manifest.name.to_lowercase());
        }
    }
    for plugin in &inventory.plugins {
        assert!(plugin.nodes.windows(2).all(|n| n[0].node <= n[1].node));
        assert!(plugin.nodes.iter().all(|n| !n.node.is_empty()));
        let _ = plugin.version_differs();
        if let Ok(config) = &inventory.config {
            for (_, setting) in plugin.manifest.all_settings() {
                let _ = plugin.setting_value(config, &setting.key);
            }
        }
    }
    // The settings the tab shows come from the config as the sanitizer leaves it.
    let expected = sanitize_config(&config, &listed).config;
    assert_eq!(inventory.config, Ok(expected));
}
