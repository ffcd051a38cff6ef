//! The config sanitizer: the one place that decides what of a Mattermost config may be shown
//! or written. Every config mmops shows or puts in a packet goes through it, whether the server
//! already sanitized it (`GET /api/v4/config`), or it was read from disk or over the local
//! socket (where the server sanitizes nothing).
//!
//! Rules, each recorded with the path it hid (never the value):
//! - the settings the server itself masks, with its 32-asterisk string;
//! - database connection strings keep host, port, database and options, and lose user and
//!   password (unparseable ones are masked whole);
//! - plugin settings marked `secret` in the plugin's manifest, at the top level of its settings
//!   schema and inside sections; every setting of a plugin whose manifest is unknown;
//! - credentials inside any URL (`https://user:pass@host`);
//! - a conservative extra rule for keys that look secret (`…Password`, `…Secret`, `…Token`,
//!   `…Key`, `…Salt`, `…Credentials`) that the server's list misses.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use serde_json::{Map, Value};

use crate::redact::{MASK, has_url_credentials, redact_dsn, redact_urls};

/// Why a value was hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A setting the server masks.
    ServerSecret,
    /// A value that came masked already (the server hid it).
    AlreadyMasked,
    /// The user and password of a database connection string.
    DataSourceCredentials,
    /// A whole database connection string that could not be parsed.
    DataSource,
    /// A plugin setting its manifest marks secret.
    PluginSecret,
    /// A setting of a plugin whose manifest is not known: all are hidden.
    UnknownPlugin,
    /// User and password in a URL.
    UrlCredentials,
    /// A key that looks secret.
    LooksSecret,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::ServerSecret => "masked (a setting the server masks)",
            Rule::AlreadyMasked => "was masked already by the server",
            Rule::DataSourceCredentials => "user and password masked, host and database kept",
            Rule::DataSource => "masked (a connection string that could not be parsed)",
            Rule::PluginSecret => "masked (marked secret in the plugin's manifest)",
            Rule::UnknownPlugin => "masked (the plugin's manifest is unknown)",
            Rule::UrlCredentials => "user and password in the URL masked",
            Rule::LooksSecret => "masked (the key looks secret)",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// `SqlSettings.DataSourceReplicas[0]`, `PluginSettings.Plugins.jira.secret`.
    pub path: String,
    pub rule: Rule,
}

#[derive(Debug, Clone)]
pub struct Sanitized {
    pub config: Value,
    /// Each hidden value's path and rule, in config order.
    pub redactions: Vec<Redaction>,
}

/// Settings the server replaces with its mask (`Config.Sanitize`, through v11.6).
const SERVER_SECRETS: &[&str] = &[
    "LdapSettings.BindPassword",
    "FileSettings.PublicLinkSalt",
    "FileSettings.AmazonS3SecretAccessKey",
    "FileSettings.ExportAmazonS3SecretAccessKey",
    "EmailSettings.SMTPPassword",
    "GitLabSettings.Secret",
    "GoogleSettings.Secret",
    "Office365Settings.Secret",
    "OpenIdSettings.Secret",
    "SqlSettings.AtRestEncryptKey",
    "ElasticsearchSettings.Password",
    "MessageExportSettings.GlobalRelaySettings.SMTPPassword",
    "ServiceSettings.SplitKey",
    "ServiceSettings.GoogleDeveloperKey",
    "ServiceSettings.GiphySdkKey",
    "CacheSettings.RedisPassword",
];

/// Key words that make a setting look secret when they end its name.
const SECRET_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "key",
    "salt",
    "credential",
    "credentials",
    "passphrase",
];

/// Key words that make a setting look secret wherever they are in its name.
const SECRET_ANYWHERE: &[&str] = &["password", "passwd", "secret", "credential", "passphrase"];

/// Sanitizes `config` (any Mattermost config: from the API, from disk, over the socket) with
/// the plugin manifests known (`GET /api/v4/plugins` or the plugins directory).
pub fn sanitize_config(config: &Value, manifests: &[Value]) -> Sanitized {
    let mut out = config.clone();
    let mut redactions = Vec::new();
    let plugin_secrets = plugin_secret_keys(manifests);
    walk(&mut out, &mut Vec::new(), &plugin_secrets, &mut redactions);
    Sanitized {
        config: out,
        redactions,
    }
}

/// For each plugin id, the (lower-case) keys of its settings marked secret, top level and in
/// sections.
pub fn plugin_secret_keys(manifests: &[Value]) -> HashMap<String, HashSet<String>> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for manifest in manifests {
        let Some(id) = manifest.get("id").and_then(Value::as_str) else {
            continue;
        };
        let schema = manifest.get("settings_schema");
        let top = schema
            .and_then(|s| s.get("settings"))
            .and_then(Value::as_array);
        let sections = schema
            .and_then(|s| s.get("sections"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|section| section.get("settings").and_then(Value::as_array));
        let keys: HashSet<String> = top
            .into_iter()
            .chain(sections)
            .flatten()
            .filter(|setting| setting.get("secret").and_then(Value::as_bool) == Some(true))
            .filter_map(|setting| setting.get("key").and_then(Value::as_str))
            .map(str::to_ascii_lowercase)
            .collect();
        // The same id twice (a server listing it in both states): every secret key counts.
        out.entry(id.to_string()).or_default().extend(keys);
    }
    out
}

/// One step into the config: an object key or an array index. Kept apart so that a key that
/// happens to look like an index (`[BindPassword]`) is still read as a key.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    fn key(&self) -> Option<&str> {
        match self {
            Step::Key(key) => Some(key),
            Step::Index(_) => None,
        }
    }
}

/// The path as the config tree names it: keys joined with dots, indices in brackets
/// (`SqlSettings.DataSourceReplicas[0]`).
fn display_path(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
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

fn walk(
    value: &mut Value,
    path: &mut Vec<Step>,
    plugins: &HashMap<String, HashSet<String>>,
    redactions: &mut Vec<Redaction>,
) {
    match value {
        Value::Object(map) => walk_object(map, path, plugins, redactions),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(Step::Index(i));
                walk(item, path, plugins, redactions);
                path.pop();
            }
        }
        Value::String(_) => {
            if let Some(rule) = rule_for(path, value, plugins) {
                apply(value, rule);
                redactions.push(Redaction {
                    path: display_path(path),
                    rule,
                });
            }
        }
        _ => {
            // A number or boolean under a plugin with an unknown manifest could be anything
            // the plugin stores: hide it too.
            let rule = if value.is_null() {
                None
            } else if is_unknown_plugin_setting(path, plugins) {
                Some(Rule::UnknownPlugin)
            } else {
                // A secret plugin setting whatever its type.
                rule_for(path, value, plugins)
            };
            if let Some(rule) = rule {
                *value = Value::String(MASK.to_string());
                redactions.push(Redaction {
                    path: display_path(path),
                    rule,
                });
            }
        }
    }
}

fn walk_object(
    map: &mut Map<String, Value>,
    path: &mut Vec<Step>,
    plugins: &HashMap<String, HashSet<String>>,
    redactions: &mut Vec<Redaction>,
) {
    for (key, child) in map.iter_mut() {
        path.push(Step::Key(key.clone()));
        walk(child, path, plugins, redactions);
        path.pop();
    }
}

fn apply(value: &mut Value, rule: Rule) {
    let Value::String(text) = value else {
        return;
    };
    *text = match rule {
        Rule::DataSourceCredentials => redact_dsn(text),
        Rule::UrlCredentials => {
            let redacted = redact_urls(text);
            // A form the URL reader did not follow: the whole value, rather than a secret.
            if has_url_credentials(&redacted) {
                MASK.to_string()
            } else {
                redacted
            }
        }
        _ => MASK.to_string(),
    };
}

/// The keys of a path joined with dots, indices left out: `SqlSettings.DataSourceReplicas`.
fn joined(path: &[Step]) -> String {
    path.iter()
        .filter_map(Step::key)
        .collect::<Vec<_>>()
        .join(".")
}

/// A plugin's setting: `PluginSettings.Plugins.<id>.<key>…`
fn plugin_setting(path: &[Step]) -> Option<(&str, &str)> {
    match path {
        [
            Step::Key(settings),
            Step::Key(plugins),
            Step::Key(id),
            Step::Key(key),
            ..,
        ] if settings == "PluginSettings" && plugins == "Plugins" => {
            Some((id.as_str(), key.as_str()))
        }
        _ => None,
    }
}

fn is_unknown_plugin_setting(path: &[Step], plugins: &HashMap<String, HashSet<String>>) -> bool {
    plugin_setting(path).is_some_and(|(id, _)| !plugins.contains_key(id))
}

/// What hides this string value, if anything.
fn rule_for(
    path: &[Step],
    value: &Value,
    plugins: &HashMap<String, HashSet<String>>,
) -> Option<Rule> {
    // A secret plugin setting is hidden whatever its type (a number, a boolean).
    if !value.is_string()
        && let Some((id, key)) = plugin_setting(path)
        && plugins
            .get(id)
            .is_some_and(|secret| secret.contains(&key.to_ascii_lowercase()))
    {
        return Some(Rule::PluginSecret);
    }
    let text = value.as_str()?;
    if text == MASK {
        // Already masked: stays masked, and is recorded as hidden.
        return Some(Rule::AlreadyMasked);
    }
    let dotted = joined(path);
    if is_data_source(&dotted) {
        return Some(data_source_rule(text));
    }
    if SERVER_SECRETS.contains(&dotted.as_str()) {
        return (!text.is_empty() || always_masked(&dotted)).then_some(Rule::ServerSecret);
    }
    if let Some((id, key)) = plugin_setting(path) {
        match plugins.get(id) {
            None => return Some(Rule::UnknownPlugin),
            Some(secret) if secret.contains(&key.to_ascii_lowercase()) => {
                return Some(Rule::PluginSecret);
            }
            Some(_) => {}
        }
    }
    if text.is_empty() {
        return None;
    }
    // A value with no key above it (the document itself, an array at the top) can still hold
    // a URL with a password.
    if path
        .iter()
        .rev()
        .find_map(Step::key)
        .is_some_and(looks_secret)
    {
        return Some(Rule::LooksSecret);
    }
    has_url_credentials(text).then_some(Rule::UrlCredentials)
}

fn always_masked(dotted: &str) -> bool {
    matches!(
        dotted,
        "FileSettings.PublicLinkSalt"
            | "SqlSettings.AtRestEncryptKey"
            | "ElasticsearchSettings.Password"
            | "ServiceSettings.SplitKey"
            | "CacheSettings.RedisPassword"
    )
}

fn is_data_source(dotted: &str) -> bool {
    matches!(
        dotted,
        "SqlSettings.DataSource"
            | "SqlSettings.DataSourceReplicas"
            | "SqlSettings.DataSourceSearchReplicas"
            | "SqlSettings.ReplicaLagSettings.DataSource"
    )
}

/// A connection string keeps its host and database when its credentials can be found with
/// certainty; otherwise it is masked whole.
fn data_source_rule(text: &str) -> Rule {
    // `redact_dsn` trims; compared untrimmed, a trailing space would pass for a mask.
    let text = text.trim();
    if text.is_empty() {
        return Rule::DataSource;
    }
    let redacted = redact_dsn(text);
    // Still showing a credential (a form the parser did not follow, a second URL): unread.
    let understood =
        if crate::redact::shows_credentials(&redacted) || has_url_credentials(&redacted) {
            false
        } else if redacted != text {
            true
        } else if let Some((_, rest)) = text.split_once("://") {
            // A URL without user info carries no credentials.
            !rest.contains('@')
        } else {
            // `host=db dbname=mm`: key=value pairs, and none of them a credential.
            text.split_whitespace().all(|pair| pair.contains('='))
        };
    if understood {
        Rule::DataSourceCredentials
    } else {
        Rule::DataSource
    }
}

/// The words of a key: `AmazonS3SecretAccessKey` → amazon, s3, secret, access, key;
/// `client_secret` → client, secret; `encryptionkey` → encryptionkey.
fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let starts_word = c.is_uppercase()
            && !current.is_empty()
            && (chars[i - 1].is_lowercase()
                || chars.get(i + 1).is_some_and(|next| next.is_lowercase()));
        if starts_word {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a key looks like it holds a secret: its last word is a secret word (`SMTPPassword`,
/// `ClientSecret`, `SigningKey`, `webhooksecret`), or a word like `password` is anywhere in
/// it. `TokenEndpoint`, `TLSKeyFile` and `AmazonS3AccessKeyId` do not.
pub fn looks_secret(key: &str) -> bool {
    let words = words(key);
    let Some(last) = words.last() else {
        return false;
    };
    let single_word = words.len() == 1;
    SECRET_ENDINGS.iter().any(|end| {
        last == end || (single_word && last.ends_with(end) && last.len() > end.len() + 2)
    }) || words
        .iter()
        .any(|w| SECRET_ANYWHERE.iter().any(|s| w.contains(s)))
}

#[cfg(test)]
mod tests;
