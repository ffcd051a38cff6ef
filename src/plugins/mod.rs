//! What the Plugins tab shows: every installed plugin with its manifest, whether it is enabled,
//! and its state on every cluster node, with the current setting values (sanitized).

pub mod manifest;

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use self::manifest::Manifest;
use crate::mm::{ApiError, MmClient, routes};
use crate::sanitize::sanitize_config;

/// Every manifest of a `GET /plugins` answer (`{"active": [...], "inactive": [...]}`).
pub fn all_manifests(plugins: &Value) -> Vec<Value> {
    ["active", "inactive"]
        .iter()
        .filter_map(|state| plugins.get(state).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

/// A plugin's state on one node, as `GET /plugins/statuses` numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    NotRunning,
    Starting,
    Running,
    FailedToStart,
    FailedToStayRunning,
    Stopping,
    Unknown(i64),
}

impl State {
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => State::NotRunning,
            1 => State::Starting,
            2 => State::Running,
            3 => State::FailedToStart,
            4 => State::FailedToStayRunning,
            5 => State::Stopping,
            other => State::Unknown(other),
        }
    }

    pub fn label(self) -> String {
        match self {
            State::NotRunning => "not running".into(),
            State::Starting => "starting".into(),
            State::Running => "running".into(),
            State::FailedToStart => "failed to start".into(),
            State::FailedToStayRunning => "failed to stay running".into(),
            State::Stopping => "stopping".into(),
            State::Unknown(code) => format!("state {code}"),
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, State::FailedToStart | State::FailedToStayRunning)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    /// The node's hostname when the cluster status gave it, otherwise its cluster id.
    pub node: String,
    pub state: State,
    pub error: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plugin {
    pub manifest: Manifest,
    pub enabled: bool,
    pub nodes: Vec<NodeStatus>,
}

impl Plugin {
    pub fn failed(&self) -> bool {
        self.nodes.iter().any(|n| n.state.is_failure())
    }

    /// Nodes run different versions of it.
    pub fn version_differs(&self) -> bool {
        let mut versions = self
            .nodes
            .iter()
            .map(|n| n.version.as_str())
            .filter(|v| !v.is_empty());
        match versions.next() {
            Some(first) => versions.any(|v| v != first),
            None => false,
        }
    }

    /// The current value of a setting, from the sanitized config. Mattermost stores plugin
    /// settings under lower-cased ids and keys; matching ignores case.
    pub fn setting_value<'a>(&self, config: &'a Value, key: &str) -> Option<&'a Value> {
        let plugins = config.pointer("/PluginSettings/Plugins")?.as_object()?;
        let own = plugins
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(&self.manifest.id))?
            .1
            .as_object()?;
        own.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

/// Whether per-node states are known.
#[derive(Debug, Clone, PartialEq)]
pub enum Statuses {
    Known,
    /// Local mode: the server does not serve statuses over its socket.
    NotInLocalMode,
    /// Not known from this source, and why (a support packet).
    Unavailable(String),
    Failed(ApiError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    /// Failed plugins first, then by name.
    pub plugins: Vec<Plugin>,
    pub statuses: Statuses,
    /// The config sanitized by mmops, for setting values; `Err` says why it is missing.
    pub config: Result<Value, ApiError>,
}

#[derive(Debug, Deserialize)]
struct RawStatus {
    #[serde(default)]
    plugin_id: String,
    #[serde(default)]
    cluster_id: String,
    #[serde(default)]
    state: i64,
    #[serde(default)]
    error: String,
    #[serde(default)]
    version: String,
}

#[derive(Debug, Deserialize)]
struct RawNode {
    #[serde(default)]
    id: String,
    #[serde(default)]
    hostname: String,
}

impl Inventory {
    /// What the server refused while the inventory was read (the states per node, the
    /// config): the inventory says it, the status bar watches it.
    pub fn refusals(&self) -> impl Iterator<Item = &ApiError> {
        let statuses = match &self.statuses {
            Statuses::Failed(err) => Some(err),
            _ => None,
        };
        statuses.into_iter().chain(self.config.as_ref().err())
    }

    /// Builds the inventory from the answers: `plugins` is `GET /plugins`; the rest may have
    /// failed.
    pub fn build(
        plugins: &Value,
        statuses: Result<Vec<Value>, ApiError>,
        nodes: &[(String, String)],
        config: Result<Value, ApiError>,
    ) -> Self {
        let mut list = Vec::new();
        for (state, enabled) in [("active", true), ("inactive", false)] {
            for raw in plugins
                .get(state)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(manifest) = Manifest::parse(raw) {
                    list.push(Plugin {
                        manifest,
                        enabled,
                        nodes: Vec::new(),
                    });
                }
            }
        }
        let names: HashMap<&str, &str> = nodes
            .iter()
            .map(|(id, host)| (id.as_str(), host.as_str()))
            .collect();
        let statuses = match statuses {
            Ok(raw) => {
                for status in raw
                    .into_iter()
                    .filter_map(|v| serde_json::from_value::<RawStatus>(v).ok())
                {
                    if let Some(plugin) =
                        list.iter_mut().find(|p| p.manifest.id == status.plugin_id)
                    {
                        let node = names
                            .get(status.cluster_id.as_str())
                            .map(|h| h.to_string())
                            .filter(|h| !h.is_empty())
                            .unwrap_or_else(|| {
                                if status.cluster_id.is_empty() {
                                    "this server".to_string()
                                } else {
                                    status.cluster_id.clone()
                                }
                            });
                        plugin.nodes.push(NodeStatus {
                            node,
                            state: State::from_code(status.state),
                            error: status.error,
                            version: status.version,
                        });
                    }
                }
                Statuses::Known
            }
            Err(ApiError::NotInLocalMode { .. }) => Statuses::NotInLocalMode,
            Err(err) => Statuses::Failed(err),
        };
        for plugin in &mut list {
            plugin.nodes.sort_by(|a, b| a.node.cmp(&b.node));
        }
        list.sort_by(|a, b| {
            b.failed().cmp(&a.failed()).then_with(|| {
                a.manifest
                    .name
                    .to_lowercase()
                    .cmp(&b.manifest.name.to_lowercase())
            })
        });
        let config = config.map(|c| {
            let manifests: Vec<Value> = list.iter().map(|p| p.manifest.raw.clone()).collect();
            sanitize_config(&c, &manifests).config
        });
        Self {
            plugins: list,
            statuses,
            config,
        }
    }

    /// Loads everything at once. Only the plugin list is required.
    pub async fn load(client: &MmClient) -> Result<Self, ApiError> {
        let statuses_endpoint = routes::plugin_statuses();
        let cluster_endpoint = routes::cluster_status();
        let (plugins, statuses, nodes, config) = tokio::join!(
            client.plugins(),
            client.get_json::<Vec<Value>>(&statuses_endpoint, &[]),
            client.get_json::<Vec<RawNode>>(&cluster_endpoint, &[]),
            client.full_config(),
        );
        let plugins = plugins?;
        let nodes: Vec<(String, String)> = nodes
            .unwrap_or_default()
            .into_iter()
            .map(|n| (n.id, n.hostname))
            .collect();
        Ok(Self::build(&plugins, statuses, &nodes, config))
    }
}

/// Enables or disables a plugin (`sysconsole_write_plugins`).
pub async fn set_enabled(client: &MmClient, id: &str, enable: bool) -> Result<(), ApiError> {
    let endpoint = routes::plugin_toggle(id, enable);
    client
        .send_json::<(), Value>(&endpoint, &[], &())
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plugins() -> Value {
        json!({
            "active": [
                {"id": "zeta", "name": "Zeta", "version": "1.0.0"},
                {"id": "com.mattermost.calls", "name": "Calls", "version": "1.7.2",
                 "settings_schema": {"settings": [{"key": "TURNSecret", "type": "text", "secret": true}]}}
            ],
            "inactive": [{"id": "alpha", "name": "alpha"}]
        })
    }

    #[test]
    fn failed_plugins_sort_first_and_nodes_get_their_hostnames() {
        let statuses = vec![
            json!({"plugin_id": "com.mattermost.calls", "cluster_id": "n2", "state": 3, "error": "boom", "version": "1.7.1"}),
            json!({"plugin_id": "com.mattermost.calls", "cluster_id": "n1", "state": 2, "error": "", "version": "1.7.2"}),
            json!({"plugin_id": "zeta", "cluster_id": "n1", "state": 2, "version": "1.0.0"}),
            json!({"plugin_id": "unknown", "cluster_id": "n1", "state": 2}),
            json!("not a status"),
        ];
        let nodes = vec![
            ("n1".to_string(), "mm-app-1".to_string()),
            ("n2".to_string(), "mm-app-2".to_string()),
        ];
        let inv = Inventory::build(
            &plugins(),
            Ok(statuses),
            &nodes,
            Err(ApiError::Other("no".into())),
        );
        let ids: Vec<&str> = inv.plugins.iter().map(|p| p.manifest.id.as_str()).collect();
        assert_eq!(ids, ["com.mattermost.calls", "alpha", "zeta"]);
        let calls = &inv.plugins[0];
        assert!(calls.failed() && calls.version_differs());
        assert_eq!(calls.nodes[0].node, "mm-app-1");
        assert_eq!(calls.nodes[1].state, State::FailedToStart);
        assert!(!inv.plugins[1].enabled);
    }

    #[test]
    fn local_mode_says_statuses_are_not_served() {
        let err = ApiError::NotInLocalMode {
            endpoint: "GET /api/v4/plugins/statuses".into(),
        };
        let inv = Inventory::build(&plugins(), Err(err), &[], Err(ApiError::Other("x".into())));
        assert_eq!(inv.statuses, Statuses::NotInLocalMode);
        assert!(inv.plugins.iter().all(|p| p.nodes.is_empty()));
    }

    #[test]
    fn setting_values_come_from_the_sanitized_config() {
        let config = json!({"PluginSettings": {"Plugins": {
            "com.mattermost.calls": {"turnsecret": "CANARY-turn-secret", "maxparticipants": 8}
        }}});
        let inv = Inventory::build(&plugins(), Ok(vec![]), &[], Ok(config));
        let calls = &inv.plugins[1];
        let config = inv.config.as_ref().unwrap();
        let secret = calls.setting_value(config, "TURNSecret").unwrap();
        assert_eq!(secret, &json!("********************************"));
        assert_eq!(
            calls.setting_value(config, "MaxParticipants"),
            Some(&json!(8))
        );
        assert!(!config.to_string().contains("CANARY"));
    }
}
