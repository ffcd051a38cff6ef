//! Checks shared by the fuzz targets: what the config sanitizer promises about its output, and
//! what "terminal-safe" means for text mmops prints.

use std::collections::{HashMap, HashSet};

use mmops::redact::MASK;
use mmops::sanitize::{Sanitized, looks_secret, sanitize_config};
use serde_json::Value;

/// One step of a path through a JSON tree. The sanitizer keeps its paths as strings; here
/// object keys and array indices stay apart, so the checks do not share its assumptions.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The path as a redaction names it: `SqlSettings.DataSourceReplicas[0]`, keys always after a
/// dot (a key may look like an index: `LdapSettings.[BindPassword]`).
fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
    }
    out
}

/// The object keys of a path joined with dots (indices left out).
fn dotted(path: &[Step]) -> String {
    path.iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(*k),
            Step::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

const DATA_SOURCES: &[&str] = &[
    "SqlSettings.DataSource",
    "SqlSettings.DataSourceReplicas",
    "SqlSettings.DataSourceSearchReplicas",
    "SqlSettings.ReplicaLagSettings.DataSource",
];

/// For each plugin id, the lower-cased keys its manifests mark secret (top level and in
/// sections). Written from the manifest format, not from the sanitizer's own helper.
fn secret_keys(manifests: &[Value]) -> HashMap<&str, HashSet<String>> {
    let mut out: HashMap<&str, HashSet<String>> = HashMap::new();
    for manifest in manifests {
        let Some(id) = manifest.get("id").and_then(Value::as_str) else {
            continue;
        };
        let keys = out.entry(id).or_default();
        let schema = manifest.get("settings_schema");
        let mut lists: Vec<&Value> = schema.and_then(|s| s.get("settings")).into_iter().collect();
        if let Some(Value::Array(sections)) = schema.and_then(|s| s.get("sections")) {
            lists.extend(sections.iter().filter_map(|s| s.get("settings")));
        }
        for setting in lists.into_iter().filter_map(Value::as_array).flatten() {
            if setting.get("secret") == Some(&Value::Bool(true))
                && let Some(key) = setting.get("key").and_then(Value::as_str)
            {
                keys.insert(key.to_ascii_lowercase());
            }
        }
    }
    out
}

/// Whether a URL anywhere in `text` still shows a password: `scheme://user:pass@host`, with
/// anything but the redacted `****:****` as the user info.
pub fn url_shows_password(text: &str) -> Option<&str> {
    text.match_indices("://").find_map(|(at, _)| {
        let rest = &text[at + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (userinfo, _) = authority.rsplit_once('@')?;
        (userinfo.contains(':') && userinfo != "****:****").then_some(userinfo)
    })
}

struct Walk<'a> {
    recorded: HashSet<String>,
    secrets: HashMap<&'a str, HashSet<String>>,
}

impl Walk<'_> {
    fn node<'v>(&self, before: &'v Value, after: &'v Value, path: &mut Vec<Step<'v>>) {
        match (before, after) {
            (Value::Object(a), Value::Object(b)) => {
                let keys_a: Vec<&String> = a.keys().collect();
                let keys_b: Vec<&String> = b.keys().collect();
                assert_eq!(keys_a, keys_b, "keys changed at {}", display(path));
                for (key, child) in a {
                    if let Some(out) = b.get(key) {
                        path.push(Step::Key(key));
                        self.node(child, out, path);
                        path.pop();
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                assert_eq!(a.len(), b.len(), "array length changed at {}", display(path));
                for (i, (child, out)) in a.iter().zip(b).enumerate() {
                    path.push(Step::Index(i));
                    self.node(child, out, path);
                    path.pop();
                }
            }
            (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => {
                panic!("a container became a scalar (or back) at {}", display(path))
            }
            _ => self.leaf(before, after, path),
        }
    }

    fn leaf(&self, before: &Value, after: &Value, path: &[Step]) {
        let where_ = display(path);
        if before.is_null() {
            assert!(after.is_null(), "null replaced at {where_}");
            return;
        }
        if before != after {
            assert!(
                self.recorded.contains(&where_),
                "{where_} changed but no redaction names it"
            );
            assert!(after.is_string(), "{where_} was replaced by a non-string");
        }
        if let Value::String(text) = after
            && let Some(userinfo) = url_shows_password(text)
        {
            panic!("{where_}: a URL still shows its user info {userinfo:?}: {text:?}");
        }
        // Plugin settings: secret ones, and every one of a plugin without a manifest.
        if let [Step::Key("PluginSettings"), Step::Key("Plugins"), Step::Key(id), Step::Key(key), ..] =
            path
        {
            let hidden = match self.secrets.get(id) {
                None => true,
                Some(keys) => keys.contains(&key.to_ascii_lowercase()),
            };
            if hidden {
                assert_eq!(after, MASK, "{where_} is a secret plugin setting but was shown");
                return;
            }
        }
        let data_source = DATA_SOURCES.contains(&dotted(path).as_str());
        let last_key = path.iter().rev().find_map(|s| match s {
            Step::Key(k) => Some(*k),
            Step::Index(_) => None,
        });
        if !data_source
            && let (Some(key), Value::String(text)) = (last_key, before)
            && !text.is_empty()
            && looks_secret(key)
        {
            assert_eq!(after, MASK, "{where_}: the key looks secret but its value was shown");
        }
    }
}

/// Checks one sanitizer run: the same answer twice; the same shape (keys, their order, array
/// lengths); every changed value named by a redaction and replaced by a string; no URL left with
/// a password; every secret plugin setting, every setting of a plugin without a manifest, and
/// every non-empty value of a key that looks secret masked.
pub fn check_sanitized(config: &Value, manifests: &[Value], out: &Sanitized) {
    let again = sanitize_config(config, manifests);
    assert_eq!(again.config, out.config, "sanitizing is not deterministic");
    assert_eq!(again.redactions, out.redactions);
    let walk = Walk {
        recorded: out.redactions.iter().map(|r| r.path.clone()).collect(),
        secrets: secret_keys(manifests),
    };
    walk.node(config, &out.config, &mut Vec::new());
    for redaction in &out.redactions {
        let _ = redaction.rule.to_string();
    }
}

/// True when no character of `text` could act on a terminal (controls, bidi overrides,
/// invisible formatting); `allowed` lists exceptions such as the newline between lines.
pub fn is_inert(text: &str, allowed: &[char]) -> bool {
    !text
        .chars()
        .any(|c| mmops::text::needs_escape(c) && !allowed.contains(&c))
}
