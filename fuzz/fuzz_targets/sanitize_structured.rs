//! The config sanitizer on configs built from the fuzz input, with secrets planted where the
//! sanitizer promises to hide them: values of secret-looking keys at any depth, passwords in
//! URLs, users and passwords in the three database connection string forms, plugin settings
//! their manifest marks secret (top level and in sections), and every setting of a plugin
//! whose manifest is unknown.
//!
//! Every planted secret holds the marker `¤`, and nothing else does (free text from the fuzzer
//! has it removed), so the check is simply: no `¤` in the sanitized config. The marker has no
//! case and is no letter, so lower- or upper-casing a key or a name never makes one.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mmops::redact::MASK;
use mmops::sanitize::{looks_secret, sanitize_config};
use mmops_fuzz::check_sanitized;
use serde_json::{Map, Value, json};

const MARK: char = '¤';
const MAX_DEPTH: u32 = 4;

/// Letters and digits.
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// What a URL's user or password may hold unescaped (no `:@/?#`, no space).
const USERINFO: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%";
const HOST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789.-";
const PATH: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789/._-=&%";
/// A libpq keyword value without quotes: no whitespace.
const BARE_VALUE: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&()*+,;=%@:/?#";
/// Inside single quotes: spaces too, and the quote and backslash escaped when written.
const QUOTED_VALUE: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789 -._'\\@=";
/// Text that no connection string form can read (no `=`, no `://`): masked whole.
const GARBAGE: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789 -._@";

/// Setting and section names that are not secret.
const NAMES: &[&str] = &[
    "ServiceSettings",
    "SiteURL",
    "ListenAddress",
    "AllowCorsFrom",
    "SqlSettings",
    "DriverName",
    "DataSource",
    "DataSourceReplicas",
    "FileSettings",
    "AmazonS3AccessKeyId",
    "AmazonS3Endpoint",
    "EmailSettings",
    "SMTPUsername",
    "SMTPServer",
    "LdapSettings",
    "BindUsername",
    "GitLabSettings",
    "TokenEndpoint",
    "PluginSettings",
    "Plugins",
    "ElasticsearchSettings",
    "ConnectionURL",
    "CacheSettings",
    "RedisAddress",
    "MessageExportSettings",
    "GlobalRelaySettings",
    "TLSKeyFile",
    "LogSettings",
    "AdvancedLoggingJSON",
    "ProxyURL",
    "WebhookURL",
    "Enable",
];

/// Names of settings that hold secrets: the server's own list, older and plugin ones.
const SECRET_NAMES: &[&str] = &[
    "BindPassword",
    "SMTPPassword",
    "PublicLinkSalt",
    "AmazonS3SecretAccessKey",
    "ExportAmazonS3SecretAccessKey",
    "Secret",
    "AtRestEncryptKey",
    "Password",
    "RedisPassword",
    "SplitKey",
    "GoogleDeveloperKey",
    "GiphySdkKey",
    "InviteSalt",
    "PasswordResetSalt",
    "ClientSecret",
    "WebhookSecret",
    "EncryptionKey",
    "AccessToken",
    "APIToken",
    "APIKey",
    "TURNStaticAuthSecret",
    "GfycatAPISecret",
    "client_secret",
    "webhooksecret",
    "encryptionkey",
    "PrivateKey",
    "SigningKey",
    "AppSecret",
    "Passphrase",
    "BotToken",
];

const ENDINGS: &[&str] = &["Password", "Secret", "Token", "Key", "Salt", "_secret", "password"];

const PLUGIN_IDS: &[&str] = &["jira", "github", "zoom", "com.mattermost.calls", "playbooks"];

fn free_text(u: &mut Unstructured) -> Result<String> {
    Ok(u.arbitrary::<&str>()?.replace(MARK, ""))
}

fn from_set(u: &mut Unstructured, set: &[u8], min: usize, max: usize) -> Result<String> {
    let len = u.int_in_range(min..=max)?;
    let mut out = String::with_capacity(len);
    for _ in 0..len {
        out.push(char::from(*u.choose(set)?));
    }
    Ok(out)
}

/// A secret: the marker and then some characters from `set`.
fn secret(u: &mut Unstructured, set: &[u8]) -> Result<String> {
    Ok(format!("{MARK}{}", from_set(u, set, 0, 10)?))
}

fn name(u: &mut Unstructured) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok(u.choose(NAMES)?.to_string())
    } else {
        free_text(u)
    }
}

fn secret_name(u: &mut Unstructured) -> Result<String> {
    if u.ratio(2, 3)? {
        return Ok(u.choose(SECRET_NAMES)?.to_string());
    }
    // A name made up with a secret ending, kept when the sanitizer's own rule calls it
    // secret: what is checked here is that such a key is masked wherever it sits.
    let made = format!("{}{}", free_text(u)?, u.choose(ENDINGS)?);
    Ok(if looks_secret(&made) {
        made
    } else {
        "Password".to_string()
    })
}

fn plain(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=8)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json!(u.arbitrary::<i64>()?),
        3 => json!(u.arbitrary::<f64>()?),
        4 => Value::String(String::new()),
        5 => Value::String(MASK.to_string()),
        6 => Value::String(format!(
            "https://{}{}",
            from_set(u, HOST, 1, 12)?,
            from_set(u, PATH, 0, 12)?
        )),
        _ => Value::String(free_text(u)?),
    })
}

/// Text holding one URL with a user and password, perhaps with text around it.
fn url(u: &mut Unstructured) -> Result<String> {
    let prefix = if u.ratio(1, 3)? {
        free_text(u)?
    } else {
        String::new()
    };
    let scheme = match u.int_in_range(0..=6)? {
        0 => "https".to_string(),
        1 => "http".to_string(),
        2 => "postgres".to_string(),
        3 => "redis".to_string(),
        4 => "ldaps".to_string(),
        5 => "smtp".to_string(),
        _ => from_set(u, b"abcdefghijklmnopqrstuvwxyz+.-", 1, 8)?,
    };
    let user = if u.arbitrary()? {
        secret(u, USERINFO)?
    } else {
        String::new()
    };
    let password = secret(u, USERINFO)?;
    let host = from_set(u, HOST, 1, 16)?;
    let port = match u.arbitrary::<Option<u16>>()? {
        Some(port) => format!(":{port}"),
        None => String::new(),
    };
    let tail = match u.int_in_range(0..=3)? {
        0 => String::new(),
        1 => format!("/{}", from_set(u, PATH, 0, 16)?),
        2 => format!("?{}", from_set(u, PATH, 0, 16)?),
        _ => format!("#{}", from_set(u, PATH, 0, 16)?),
    };
    let suffix = if u.ratio(1, 3)? {
        format!(" {}", free_text(u)?)
    } else {
        String::new()
    };
    Ok(format!(
        "{prefix}{scheme}://{user}:{password}@{host}{port}{tail}{suffix}"
    ))
}

/// `key=value` options of a URL or MySQL connection string; credential options hold secrets.
fn options(u: &mut Unstructured) -> Result<String> {
    let mut pairs = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let key = *u.choose(&["sslmode", "connect_timeout", "charset", "password", "user"])?;
        let value = if matches!(key, "password" | "user") {
            secret(u, ALNUM)?
        } else {
            from_set(u, ALNUM, 0, 8)?
        };
        pairs.push(format!("{key}={value}"));
    }
    Ok(if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    })
}

fn quoted(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

/// A database connection string in one of the forms the server accepts, its user and password
/// secret; or text the sanitizer cannot read, which must then be masked whole.
fn data_source(u: &mut Unstructured) -> Result<String> {
    let host = from_set(u, HOST, 1, 12)?;
    let db = from_set(u, ALNUM, 1, 8)?;
    Ok(match u.int_in_range(0..=3)? {
        0 => {
            let scheme = *u.choose(&["postgres", "postgresql", "mysql"])?;
            let user = secret(u, USERINFO)?;
            let password = secret(u, USERINFO)?;
            let port = u.int_in_range(1u16..=65535)?;
            let opts = options(u)?;
            format!("{scheme}://{user}:{password}@{host}:{port}/{db}{opts}")
        }
        1 => {
            let user = secret(u, USERINFO)?;
            let password = secret(u, USERINFO)?;
            let opts = options(u)?;
            format!("{user}:{password}@tcp({host}:3306)/{db}{opts}")
        }
        2 => {
            let mut pairs = Vec::new();
            for _ in 0..u.int_in_range(1..=6)? {
                let key = *u.choose(&[
                    "host",
                    "port",
                    "dbname",
                    "sslmode",
                    "application_name",
                    "user",
                    "password",
                    "sslpassword",
                ])?;
                let credential = matches!(key, "user" | "password" | "sslpassword");
                let value = match (credential, u.arbitrary::<bool>()?) {
                    (true, false) => secret(u, BARE_VALUE)?,
                    (true, true) => quoted(&secret(u, QUOTED_VALUE)?),
                    (false, false) => from_set(u, ALNUM, 1, 8)?,
                    (false, true) => quoted(&from_set(u, QUOTED_VALUE, 0, 8)?),
                };
                let equals = *u.choose(&["=", " = ", "= ", " ="])?;
                let gap = *u.choose(&[" ", "  ", "\t", "\n"])?;
                pairs.push(format!("{key}{equals}{value}{gap}"));
            }
            pairs.concat()
        }
        _ => secret(u, GARBAGE)?,
    })
}

/// The members of an object, with secrets planted under secret-looking keys and in URLs.
fn entries(u: &mut Unstructured, depth: u32) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    for _ in 0..u.int_in_range(0..=6)? {
        let (key, value) = match u.int_in_range(0..=4)? {
            0 => (name(u)?, plain(u)?),
            1 => (secret_name(u)?, Value::String(secret(u, ALNUM)?)),
            2 => (name(u)?, Value::String(url(u)?)),
            3 if depth < MAX_DEPTH => (name(u)?, Value::Object(entries(u, depth + 1)?)),
            4 if depth < MAX_DEPTH => (name(u)?, Value::Array(items(u, depth + 1)?)),
            _ => (name(u)?, plain(u)?),
        };
        map.insert(key, value);
    }
    Ok(map)
}

fn items(u: &mut Unstructured, depth: u32) -> Result<Vec<Value>> {
    let mut list = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        list.push(match u.int_in_range(0..=3)? {
            0 => plain(u)?,
            1 => Value::String(url(u)?),
            // A secret in a list keeps its key: the list's own key is not a secret one.
            2 => {
                let mut item = Map::new();
                item.insert(secret_name(u)?, Value::String(secret(u, ALNUM)?));
                Value::Object(item)
            }
            _ => Value::Object(entries(u, depth)?),
        });
    }
    Ok(list)
}

/// A value for a setting that must be hidden: any type, secrets nested inside too.
fn hidden_value(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=4)? {
        0 => json!(u.arbitrary::<i64>()?),
        1 => Value::Bool(u.arbitrary()?),
        2 => json!({ "inner": secret(u, ALNUM)? }),
        3 => json!([secret(u, ALNUM)?]),
        _ => Value::String(secret(u, ALNUM)?),
    })
}

/// One plugin: its manifest (unless it is unknown) and its settings in the config.
fn plugin(u: &mut Unstructured) -> Result<(String, Option<Value>, Map<String, Value>)> {
    let id = if u.ratio(3, 4)? {
        u.choose(PLUGIN_IDS)?.to_string()
    } else {
        from_set(u, HOST, 1, 16)?
    };
    let known = u.ratio(3, 4)?;
    let mut top = Vec::new();
    let mut sections: Vec<Vec<Value>> = vec![Vec::new(), Vec::new()];
    let mut settings = Map::new();
    for _ in 0..u.int_in_range(0..=6)? {
        let key = if u.arbitrary()? {
            u.choose(&["Secret", "ClientID", "EncryptionKey", "WebhookURL", "Enabled"])?
                .to_string()
        } else {
            from_set(u, ALNUM, 1, 10)?
        };
        let secret = u.arbitrary::<bool>()?;
        let setting = json!({"key": key, "type": "text", "secret": secret});
        match u.int_in_range(0..=2)? {
            0 => top.push(setting),
            n => sections[n - 1].push(setting),
        }
        // The server stores keys lower-cased; matching must ignore case either way.
        let stored = match u.int_in_range(0..=2)? {
            0 => key.to_ascii_lowercase(),
            1 => key.to_ascii_uppercase(),
            _ => key,
        };
        let value = if secret || !known {
            hidden_value(u)?
        } else {
            plain(u)?
        };
        settings.insert(stored, value);
    }
    let manifest = known.then(|| {
        json!({
            "id": id,
            "name": id,
            "settings_schema": {
                "settings": top,
                "sections": sections
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| json!({"key": format!("section{i}"), "settings": s}))
                    .collect::<Vec<_>>(),
            }
        })
    });
    Ok((id, manifest, settings))
}

/// The object under `key`, made one if it is something else.
fn object_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let slot = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(inner) => inner,
        _ => unreachable!("made an object above"),
    }
}

fn build(u: &mut Unstructured) -> Result<(Value, Vec<Value>)> {
    let mut root = entries(u, 0)?;
    let mut manifests = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let (id, manifest, settings) = plugin(u)?;
        let plugins = object_at(object_at(&mut root, "PluginSettings"), "Plugins");
        // One case per id: a second one would mix a known plugin's manifest with settings
        // planted as if it were unknown.
        if manifests.iter().any(|m: &Value| m["id"] == id.as_str()) || plugins.contains_key(&id) {
            continue;
        }
        plugins.insert(id, Value::Object(settings));
        manifests.extend(manifest);
    }
    let sql = object_at(&mut root, "SqlSettings");
    if u.arbitrary()? {
        sql.insert("DataSource".into(), Value::String(data_source(u)?));
    }
    for key in ["DataSourceReplicas", "DataSourceSearchReplicas"] {
        let mut list = Vec::new();
        for _ in 0..u.int_in_range(0..=2)? {
            list.push(Value::String(data_source(u)?));
        }
        sql.insert(key.into(), Value::Array(list));
    }
    let mut lag = Vec::new();
    for _ in 0..u.int_in_range(0..=2)? {
        lag.push(json!({"DataSource": data_source(u)?, "QueryAbsoluteLag": "select 1"}));
    }
    sql.insert("ReplicaLagSettings".into(), Value::Array(lag));
    Ok((Value::Object(root), manifests))
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((config, manifests)) = build(&mut u) else {
        return;
    };
    let out = sanitize_config(&config, &manifests);
    check_sanitized(&config, &manifests, &out);
    let text = out.config.to_string();
    if let Some(at) = text.find(MARK) {
        let start = text[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
        let end = text[at..].char_indices().nth(40).map_or(text.len(), |(i, _)| at + i);
        panic!(
            "a planted secret survived sanitizing: …{}…\nconfig: {config:#}",
            &text[start..end]
        );
    }
});
