//! The small files of a support packet: `support_packet.yaml` with the server's own key names,
//! `metadata.yaml`, `warning.txt` and `redactions.txt`. Keys that no source gave are left out
//! and explained; nothing is invented.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::scrub::LogCounts;
use crate::sanitize::Redaction;

/// `support_packet.yaml`, keys in the server's order and spelling (the typo
/// `bleve_post_indexin_jobs` included, were jobs collected).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SupportPacketYaml {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_architecture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_schema_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket_connections: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_db_connections: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_db_connections: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_driver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ldap_vendor_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ldap_vendor_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elastic_server_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elastic_server_plugins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_supported_users: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_is_trial: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_users: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_active_users: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_active_users: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive_user_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_posts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_channels: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_teams: Option<i64>,
}

impl SupportPacketYaml {
    /// The keys left out, in file order.
    pub fn missing(&self) -> Vec<&'static str> {
        let present = |set: bool, key: &'static str| (!set).then_some(key);
        [
            present(self.server_os.is_some(), "server_os"),
            present(self.server_architecture.is_some(), "server_architecture"),
            present(self.server_version.is_some(), "server_version"),
            present(self.build_hash.is_some(), "build_hash"),
            present(self.database_type.is_some(), "database_type"),
            present(self.database_version.is_some(), "database_version"),
            present(
                self.database_schema_version.is_some(),
                "database_schema_version",
            ),
            present(
                self.websocket_connections.is_some(),
                "websocket_connections",
            ),
            present(
                self.master_db_connections.is_some(),
                "master_db_connections",
            ),
            present(self.read_db_connections.is_some(), "read_db_connections"),
            present(self.cluster_id.is_some(), "cluster_id"),
            present(self.file_driver.is_some(), "file_driver"),
            present(self.file_status.is_some(), "file_status"),
            present(self.ldap_vendor_name.is_some(), "ldap_vendor_name"),
            present(self.ldap_vendor_version.is_some(), "ldap_vendor_version"),
            present(
                self.elastic_server_version.is_some(),
                "elastic_server_version",
            ),
            present(
                self.elastic_server_plugins.is_some(),
                "elastic_server_plugins",
            ),
            present(self.license_to.is_some(), "license_to"),
            present(
                self.license_supported_users.is_some(),
                "license_supported_users",
            ),
            present(self.license_is_trial.is_some(), "license_is_trial"),
            present(self.license_id.is_some(), "license_id"),
            present(self.active_users.is_some(), "active_users"),
            present(self.daily_active_users.is_some(), "daily_active_users"),
            present(self.monthly_active_users.is_some(), "monthly_active_users"),
            present(self.inactive_user_count.is_some(), "inactive_user_count"),
            present(self.total_posts.is_some(), "total_posts"),
            present(self.total_channels.is_some(), "total_channels"),
            present(self.total_teams.is_some(), "total_teams"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

impl SupportPacketYaml {
    /// `diagnostics.yaml` as servers from 10.10 write it (version 2), from the same facts: a
    /// section only with what is known, the rest named in `warning.txt` already.
    pub fn diagnostics_yaml(&self, nodes: usize) -> String {
        use serde_json::{Map, Value, json};
        fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        }
        let text = |v: &Option<String>| v.clone().map(Value::from);
        let number = |v: &Option<i64>| v.map(Value::from);
        let mut license = Map::new();
        put(&mut license, "company", text(&self.license_to));
        put(&mut license, "users", number(&self.license_supported_users));
        put(
            &mut license,
            "is_trial",
            self.license_is_trial.map(Value::from),
        );
        let mut server = Map::new();
        put(&mut server, "os", text(&self.server_os));
        put(&mut server, "architecture", text(&self.server_architecture));
        put(&mut server, "version", text(&self.server_version));
        put(&mut server, "build_hash", text(&self.build_hash));
        let mut database = Map::new();
        put(&mut database, "type", text(&self.database_type));
        put(&mut database, "version", text(&self.database_version));
        put(
            &mut database,
            "schema_version",
            text(&self.database_schema_version),
        );
        put(
            &mut database,
            "master_connections",
            number(&self.master_db_connections),
        );
        put(
            &mut database,
            "replica_connections",
            number(&self.read_db_connections),
        );
        let mut file_store = Map::new();
        put(&mut file_store, "file_status", text(&self.file_status));
        put(&mut file_store, "file_driver", text(&self.file_driver));
        let mut elastic = Map::new();
        put(
            &mut elastic,
            "server_version",
            text(&self.elastic_server_version),
        );
        put(
            &mut elastic,
            "server_plugins",
            self.elastic_server_plugins.clone().map(Value::from),
        );
        let doc = json!({
            "version": 2,
            "license": license,
            "server": server,
            "database": database,
            "file_store": file_store,
            "websocket": {"connections": self.websocket_connections},
            "cluster": {"id": self.cluster_id.clone().unwrap_or_default(), "number_of_nodes": nodes.max(1)},
            "elastic": elastic,
        });
        serde_yaml::to_string(&doc).unwrap_or_default()
    }

    /// `stats.yaml` as servers from 10.5 write it, the keys renamed from the flat file's.
    pub fn stats_yaml(&self) -> String {
        let mut stats = serde_json::Map::new();
        for (key, value) in [
            ("active_users", self.active_users),
            ("daily_active_users", self.daily_active_users),
            ("monthly_active_users", self.monthly_active_users),
            ("deactivated_users", self.inactive_user_count),
            ("posts", self.total_posts),
            ("channels", self.total_channels),
            ("teams", self.total_teams),
        ] {
            if let Some(value) = value {
                stats.insert(key.to_string(), value.into());
            }
        }
        serde_yaml::to_string(&stats).unwrap_or_default()
    }
}

/// `jobs.yaml` as servers from 10.5 write it: the newest five runs of each kind support reads,
/// from `GET /api/v4/jobs` (newest first).
pub fn jobs_yaml(jobs: &[serde_json::Value]) -> String {
    // The reader's table of lists; Bleve's is left out, as servers since 11 (which removed
    // Bleve) leave it out.
    let lists = super::open::JOB_LISTS
        .iter()
        .filter(|(key, _)| *key != "bleve_post_indexin_jobs");
    let mut out = serde_json::Map::new();
    for (key, kind) in lists {
        let runs: Vec<serde_json::Value> = jobs
            .iter()
            .filter(|j| j.get("type").and_then(serde_json::Value::as_str) == Some(*kind))
            .take(5)
            .cloned()
            .collect();
        out.insert(key.to_string(), serde_json::Value::Array(runs));
    }
    serde_yaml::to_string(&out).unwrap_or_default()
}

/// Why a key has no value, for keys no collector explained.
pub fn default_reason(key: &str) -> &'static str {
    match key {
        "server_os" | "server_architecture" => {
            "only known on the server's host: run mmops there with --mm-home"
        }
        "database_version" => {
            "no API route gives the database server's version (only the server-built packet has it)"
        }
        "cluster_id" => "no API route gives the cluster id (only the server-built packet has it)",
        "ldap_vendor_name" | "ldap_vendor_version" => {
            "the LDAP vendor is only probed by the server itself (server-built packet)"
        }
        "elastic_server_version" | "elastic_server_plugins" => {
            "Elasticsearch is only probed by the server itself (server-built packet)"
        }
        _ => "no source available to mmops gave it",
    }
}

/// `metadata.yaml`: the server's fields plus what mmops adds about itself in `extras`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metadata {
    pub version: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub generated_at: i64,
    pub server_version: String,
    pub server_id: String,
    pub license_id: String,
    pub customer_id: String,
    pub extras: BTreeMap<String, serde_yaml::Value>,
}

impl Metadata {
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

/// `warning.txt`: one paragraph per thing not collected.
pub fn warning_txt(warnings: &[String]) -> String {
    let mut out = String::from(
        "This support packet was built by mmops. These parts could not be collected:\n\n",
    );
    for warning in warnings {
        let _ = writeln!(out, "- {warning}");
    }
    out
}

/// `redactions.txt`: which config paths were hidden and by which rule, and how many values in
/// the logs were replaced. Never the values.
pub fn redactions_txt(config: &[Redaction], logs: &LogCounts, privacy: bool) -> String {
    let mut out =
        String::from("Redactions made by mmops in this packet (values are never listed).\n\n");
    let _ = writeln!(out, "sanitized_config.json: {} values hidden", config.len());
    for redaction in config {
        let _ = writeln!(out, "  {}  {}", redaction.path, redaction.rule);
    }
    let _ = writeln!(out, "\nlogs: {} values replaced", logs.total());
    for (what, count) in logs.by_kind() {
        if count > 0 {
            let _ = writeln!(out, "  {what}: {count}");
        }
    }
    if privacy {
        out.push_str(
            "\nPrivacy mode was on: email addresses, IP addresses, usernames and user ids in the logs \
             are replaced by stable pseudonyms (the same value always gets the same pseudonym).\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::Rule;

    #[test]
    fn missing_keys_are_left_out_not_invented() {
        let yaml = SupportPacketYaml {
            server_version: Some("11.4.4".into()),
            active_users: Some(42),
            license_is_trial: Some(false),
            ..SupportPacketYaml::default()
        };
        let text = yaml.to_yaml();
        assert_eq!(
            text,
            "server_version: 11.4.4\nlicense_is_trial: false\nactive_users: 42\n"
        );
        let missing = yaml.missing();
        assert!(missing.contains(&"database_version") && !missing.contains(&"server_version"));
        assert_eq!(missing.len(), 25);
    }

    #[test]
    fn redactions_list_paths_never_values() {
        let config = vec![Redaction {
            path: "SqlSettings.DataSource".into(),
            rule: Rule::DataSourceCredentials,
        }];
        let text = redactions_txt(&config, &LogCounts::default(), true);
        assert!(text.contains("SqlSettings.DataSource  user and password masked"));
        assert!(text.contains("logs: 0 values replaced"));
        assert!(text.contains("Privacy mode was on"));
    }
}
