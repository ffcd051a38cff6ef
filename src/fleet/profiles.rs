//! The fleet's members from the config file's profiles, and the profiles edited in place:
//! `toml_edit` keeps the file's comments, order and any key mmops does not know.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

use super::Member;
use crate::config::{Paths, Resolved};

/// Every profile of the config file as a fleet member, in the file's order.
pub fn members(resolved: &Resolved) -> Vec<Member> {
    resolved
        .settings
        .profiles
        .iter()
        .map(|(name, profile)| {
            let opts = crate::cli::GlobalOpts {
                profile: Some(name.clone()),
                config: Some(resolved.paths.config_file.clone()),
                ..Default::default()
            };
            let target = profile
                .url
                .clone()
                .or_else(|| {
                    profile
                        .local_socket
                        .as_ref()
                        .map(|s| format!("local {}", s.display()))
                })
                .unwrap_or_else(|| "(no URL)".to_string());
            let one = Resolved::resolve(&opts, resolved.paths.clone());
            let (connection, mm_home, ledger) = match one {
                Ok(one) => (
                    one.connection
                        .ok_or_else(|| "the profile names no url or local_socket".to_string()),
                    one.mm_home,
                    one.ledger,
                ),
                Err(err) => (Err(err.to_string()), None, None),
            };
            Member {
                name: name.clone(),
                target,
                connection,
                mm_home,
                ledger,
            }
        })
        .collect()
}

/// A profile as the fleet's form edits it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFields {
    pub name: String,
    pub url: String,
    pub token_file: String,
    pub local_socket: String,
    pub mm_home: String,
    /// The environment variable holding the database URL (never the URL itself).
    pub db_url_env: String,
}

impl ProfileFields {
    /// A name for `[profiles.NAME]`: letters, digits, `-` and `_`.
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            return Err("a profile's name is letters, digits, - and _".into());
        }
        if self.url.is_empty() == self.local_socket.is_empty() {
            return Err("give a URL or a local socket (one of them)".into());
        }
        if !self.db_url_env.is_empty()
            && !self
                .db_url_env
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(
                "the database URL is named by an environment variable, like MM_DB_URL".into(),
            );
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid TOML: {detail}", path.display())]
    Parse { path: PathBuf, detail: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

fn read(path: &Path) -> Result<DocumentMut, EditError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(EditError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    text.parse::<DocumentMut>().map_err(|e| EditError::Parse {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

fn write(path: &Path, doc: &DocumentMut) -> Result<(), EditError> {
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(|source| EditError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    crate::fsutil::write_private_atomic(path, doc.to_string().as_bytes()).map_err(|source| {
        EditError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

fn profiles_table(doc: &mut DocumentMut) -> Result<&mut Table, EditError> {
    let item = doc.entry("profiles").or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    item.as_table_mut()
        .ok_or_else(|| EditError::Invalid("`profiles` in the config file is not a table".into()))
}

/// The fields of profile `name` as the file has them.
pub fn fields(paths: &Paths, name: &str) -> Result<ProfileFields, EditError> {
    let mut doc = read(&paths.config_file)?;
    let table = profiles_table(&mut doc)?;
    let profile = table
        .get(name)
        .and_then(Item::as_table)
        .ok_or_else(|| EditError::Invalid(format!("no profile {name}")))?;
    let text = |key: &str| {
        profile
            .get(key)
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let db_url_env = text("db_url_env");
    Ok(ProfileFields {
        name: name.to_string(),
        url: text("url"),
        token_file: text("token_file"),
        local_socket: text("local_socket"),
        mm_home: text("mm_home"),
        db_url_env,
    })
}

/// Writes profile `fields` (replacing `previous`, its old name, when renamed): the keys the form
/// has are set or removed, every other key and comment of the file stays.
pub fn save(
    paths: &Paths,
    previous: Option<&str>,
    fields: &ProfileFields,
) -> Result<(), EditError> {
    fields.check().map_err(EditError::Invalid)?;
    let mut doc = read(&paths.config_file)?;
    let table = profiles_table(&mut doc)?;
    if previous != Some(fields.name.as_str()) && table.contains_key(&fields.name) {
        return Err(EditError::Invalid(format!(
            "a profile {} exists already",
            fields.name
        )));
    }
    let mut profile = match previous.and_then(|old| table.remove(old)) {
        Some(Item::Table(profile)) => profile,
        _ => Table::new(),
    };
    for (key, text) in [
        ("url", &fields.url),
        ("token_file", &fields.token_file),
        ("local_socket", &fields.local_socket),
        ("mm_home", &fields.mm_home),
        ("db_url_env", &fields.db_url_env),
    ] {
        if text.is_empty() {
            profile.remove(key);
            continue;
        }
        match profile.get_mut(key).and_then(Item::as_value_mut) {
            // Unchanged: the line stays exactly as it was written.
            Some(old) if old.as_str() == Some(text.as_str()) => {}
            // Changed: the new value keeps the old one's comment and spacing.
            Some(old) => {
                let decor = old.decor().clone();
                *old = text.as_str().into();
                *old.decor_mut() = decor;
            }
            None => profile[key] = value(text.as_str()),
        }
    }
    table.insert(&fields.name, Item::Table(profile));
    write(&paths.config_file, &doc)
}

/// Removes profile `name`; the rest of the file stays as it was.
pub fn remove(paths: &Paths, name: &str) -> Result<(), EditError> {
    let mut doc = read(&paths.config_file)?;
    let table = profiles_table(&mut doc)?;
    if table.remove(name).is_none() {
        return Err(EditError::Invalid(format!("no profile {name}")));
    }
    if doc.get("default_profile").and_then(Item::as_str) == Some(name) {
        remove_keeping_comments(&mut doc, "default_profile");
    }
    write(&paths.config_file, &doc)
}

/// Removes a top-level key; the comment lines above it go to what comes next.
fn remove_keeping_comments(doc: &mut DocumentMut, key: &str) {
    let root = doc.as_table_mut();
    let prefix = root
        .key(key)
        .and_then(|k| k.leaf_decor().prefix())
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string();
    root.remove(key);
    if prefix.trim().is_empty() {
        return;
    }
    let next = root.iter().next().map(|(k, _)| k.to_string());
    let Some(next) = next else {
        return;
    };
    let own = |decor: &toml_edit::Decor| {
        decor
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_string()
    };
    match root.get_mut(&next) {
        Some(Item::Table(table)) => {
            let joined = format!("{prefix}{}", own(table.decor()));
            table.decor_mut().set_prefix(joined);
        }
        Some(_) => {
            if let Some(mut k) = root.key_mut(&next) {
                let joined = format!("{prefix}{}", own(k.leaf_decor()));
                k.leaf_decor_mut().set_prefix(joined);
            }
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# mmops config, kept by hand
default_profile = "prod"   # the one I use most

[ui]
refresh_secs = 10

# Production: two nodes behind the LB
[profiles.prod]
url = "https://chat.example.com"
token_file = "~/.config/mmops/prod.token"  # rotated monthly
theme = "light"

[profiles.staging]
url = "https://staging.example.com"
"#;

    fn paths(dir: &Path) -> Paths {
        let mut paths = Paths::resolve(Some(&dir.join("config.toml")));
        paths.config_file = dir.join("config.toml");
        paths
    }

    #[test]
    fn an_edit_keeps_comments_order_and_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        std::fs::write(&paths.config_file, FILE).unwrap();
        let mut prod = fields(&paths, "prod").unwrap();
        assert_eq!(prod.url, "https://chat.example.com");
        prod.mm_home = "/opt/mattermost".into();
        save(&paths, Some("prod"), &prod).unwrap();
        let text = std::fs::read_to_string(&paths.config_file).unwrap();
        assert!(text.contains("# mmops config, kept by hand"), "{text}");
        assert!(text.contains("# the one I use most"), "{text}");
        assert!(text.contains("# rotated monthly"), "{text}");
        assert!(
            text.contains("# Production: two nodes behind the LB"),
            "{text}"
        );
        assert!(
            text.contains("theme = \"light\""),
            "the key the form does not know: {text}"
        );
        assert!(text.contains("mm_home = \"/opt/mattermost\""), "{text}");
        assert!(text.find("[profiles.prod]") < text.find("[profiles.staging]"));
        crate::config::settings::Settings::parse(&paths.config_file, &text).unwrap();

        save(
            &paths,
            None,
            &ProfileFields {
                name: "dr".into(),
                local_socket: "/var/tmp/mattermost_local.socket".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let err = save(
            &paths,
            None,
            &ProfileFields {
                name: "dr".into(),
                url: "https://x".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("exists already"));
        remove(&paths, "prod").unwrap();
        let text = std::fs::read_to_string(&paths.config_file).unwrap();
        assert!(!text.contains("[profiles.prod]") && !text.contains("default_profile"));
        assert!(text.contains("[profiles.dr]") && text.contains("# mmops config, kept by hand"));
        let settings = crate::config::settings::Settings::parse(&paths.config_file, &text).unwrap();
        assert_eq!(settings.profiles.len(), 2);
    }

    #[test]
    fn a_form_is_checked_before_it_is_written() {
        let bad = ProfileFields {
            name: "a b".into(),
            url: "https://x".into(),
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let both = ProfileFields {
            name: "ab".into(),
            url: "https://x".into(),
            local_socket: "/s".into(),
            ..Default::default()
        };
        assert!(both.check().unwrap_err().contains("one of them"));
    }
}
