//! Plugin manifests of every era, read tolerantly from the JSON the server returns: no
//! `version`, the legacy `backend` instead of `server`, `executables` maps or one
//! `executable`, settings with or without sections, any setting type.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub display_name: String,
    pub kind: String,
    pub help_text: String,
    pub default: Option<Value>,
    pub secret: bool,
    /// Dropdown and radio choices: shown name and value.
    pub options: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub key: String,
    pub title: String,
    pub subtitle: String,
    pub settings: Vec<Setting>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub description: String,
    pub homepage_url: Option<String>,
    pub support_url: Option<String>,
    pub release_notes_url: Option<String>,
    pub min_server_version: Option<String>,
    /// Platform (`linux-amd64`…, or `any` for a single executable) and path.
    pub executables: Vec<(String, String)>,
    /// Where the server part was declared: `server`, or the legacy `backend`.
    pub server_key: Option<&'static str>,
    pub webapp_bundle: Option<String>,
    pub settings_header: String,
    pub settings_footer: String,
    pub settings: Vec<Setting>,
    pub sections: Vec<Section>,
    /// The whole manifest as the server sent it.
    pub raw: Value,
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text_or_empty(value: &Value, key: &str) -> String {
    text(value, key).unwrap_or_default()
}

fn setting(value: &Value) -> Option<Setting> {
    let key = text(value, "key")?;
    let options = value
        .get("options")
        .and_then(Value::as_array)
        .map(|options| {
            options
                .iter()
                .map(|o| {
                    let value = match o.get("value") {
                        Some(Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    (
                        text(o, "display_name").unwrap_or_else(|| value.clone()),
                        value,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Setting {
        display_name: text(value, "display_name").unwrap_or_else(|| key.clone()),
        key,
        kind: text(value, "type").unwrap_or_else(|| "text".to_string()),
        help_text: text_or_empty(value, "help_text"),
        default: value.get("default").filter(|d| !d.is_null()).cloned(),
        secret: value
            .get("secret")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        options,
    })
}

fn settings(value: Option<&Value>) -> Vec<Setting> {
    value
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(setting).collect())
        .unwrap_or_default()
}

fn executables(server: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = server
        .get("executables")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(platform, path)| Some((platform.clone(), path.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    if let Some(single) = text(server, "executable") {
        out.push(("any".to_string(), single));
    }
    out
}

impl Manifest {
    /// `None` only when there is no plugin id: everything else is optional.
    pub fn parse(raw: &Value) -> Option<Self> {
        let id = text(raw, "id")?;
        let (server_key, server) = match (raw.get("server"), raw.get("backend")) {
            (Some(server), _) if server.is_object() => (Some("server"), Some(server)),
            (_, Some(backend)) if backend.is_object() => (Some("backend"), Some(backend)),
            _ => (None, None),
        };
        let schema = raw.get("settings_schema").filter(|s| s.is_object());
        let sections = schema
            .and_then(|s| s.get("sections"))
            .and_then(Value::as_array)
            .map(|sections| {
                sections
                    .iter()
                    .map(|section| Section {
                        key: text_or_empty(section, "key"),
                        title: text(section, "title")
                            .or_else(|| text(section, "key"))
                            .unwrap_or_default(),
                        subtitle: text_or_empty(section, "subtitle"),
                        settings: settings(section.get("settings")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            name: text(raw, "name").unwrap_or_else(|| id.clone()),
            id,
            version: text(raw, "version"),
            description: text_or_empty(raw, "description"),
            homepage_url: text(raw, "homepage_url"),
            support_url: text(raw, "support_url"),
            release_notes_url: text(raw, "release_notes_url"),
            min_server_version: text(raw, "min_server_version"),
            executables: server.map(executables).unwrap_or_default(),
            server_key,
            webapp_bundle: raw.get("webapp").and_then(|w| text(w, "bundle_path")),
            settings_header: schema
                .map(|s| text_or_empty(s, "header"))
                .unwrap_or_default(),
            settings_footer: schema
                .map(|s| text_or_empty(s, "footer"))
                .unwrap_or_default(),
            settings: settings(schema.and_then(|s| s.get("settings"))),
            sections,
            raw: raw.clone(),
        })
    }

    /// Every setting, the top-level ones first, with the title of its section.
    pub fn all_settings(&self) -> impl Iterator<Item = (Option<&str>, &Setting)> {
        self.settings
            .iter()
            .map(|s| (None, s))
            .chain(self.sections.iter().flat_map(|sec| {
                sec.settings
                    .iter()
                    .map(move |s| (Some(sec.title.as_str()), s))
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_2017_manifest_with_a_backend_and_no_version() {
        let m = Manifest::parse(&json!({
            "id": "zoom", "name": "Zoom",
            "backend": {"executable": "server/plugin.exe"},
            "webapp": {"bundle_path": "/static/zoom_bundle.js"},
            "settings_schema": {"settings": [
                {"key": "APISecret", "display_name": "API Secret", "type": "text", "help_text": ""}
            ]}
        }))
        .unwrap();
        assert_eq!(m.version, None);
        assert_eq!(m.server_key, Some("backend"));
        assert_eq!(
            m.executables,
            vec![("any".to_string(), "server/plugin.exe".to_string())]
        );
        assert_eq!(m.webapp_bundle.as_deref(), Some("/static/zoom_bundle.js"));
        assert_eq!(m.settings.len(), 1);
        assert!(!m.settings[0].secret);
    }

    #[test]
    fn a_current_manifest_with_sections_and_an_executables_map() {
        let m = Manifest::parse(&json!({
            "id": "com.example.calls", "name": "Calls", "version": "1.7.2",
            "min_server_version": "9.5.0",
            "server": {"executables": {"linux-arm64": "server/dist/a", "linux-amd64": "server/dist/b"}},
            "settings_schema": {
                "header": "Configure", "settings": [],
                "sections": [{"key": "ICE", "title": "ICE and TURN", "settings": [
                    {"key": "TURNSecret", "type": "text", "secret": true, "default": ""},
                    {"key": "Mode", "type": "dropdown", "options": [
                        {"display_name": "Auto", "value": "auto"}, {"display_name": "Off", "value": 0}
                    ]}
                ]}]
            }
        }))
        .unwrap();
        assert_eq!(m.version.as_deref(), Some("1.7.2"));
        assert_eq!(m.executables[0].0, "linux-amd64", "sorted by platform");
        let all: Vec<_> = m.all_settings().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0, Some("ICE and TURN"));
        assert!(all[0].1.secret);
        assert_eq!(
            all[0].1.display_name, "TURNSecret",
            "the key when there is no name"
        );
        assert_eq!(
            all[1].1.options,
            vec![
                ("Auto".to_string(), "auto".to_string()),
                ("Off".to_string(), "0".to_string())
            ]
        );
    }

    #[test]
    fn odd_shapes_do_not_fail() {
        assert!(Manifest::parse(&json!({"name": "no id"})).is_none());
        let m = Manifest::parse(&json!({
            "id": "x", "version": 3, "server": null, "settings_schema": {"settings": "nope"},
            "webapp": {}
        }))
        .unwrap();
        assert_eq!(m.version.as_deref(), Some("3"));
        assert!(m.executables.is_empty() && m.settings.is_empty() && m.webapp_bundle.is_none());
    }
}
