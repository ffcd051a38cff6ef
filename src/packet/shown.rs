//! What each tab shows of an opened packet: the Server tab's overview, the Plugins tab's
//! inventory, the Config tab's document. A part the packet does not hold says why.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::open::Packet;
use crate::doctor::facts::Fact;
use crate::doctor::from_packet::{cluster, license, manifests, server, text};
use crate::mm::models::ClientConfig;
use crate::mm::models::system::StringMap;
use crate::overview::{Overview, Section};
use crate::plugins::{Inventory, Statuses};
use crate::server_config::{ConfigDoc, Defaults};

fn unavailable<T>(why: &str) -> Section<T> {
    Section::Unavailable(why.to_string())
}

/// The Server tab's overview of the server the packet was taken from.
pub fn overview(packet: &Packet) -> Overview {
    let facts = server(packet);
    let mut overview = Overview::loading(false);
    overview.version = facts.version.clone();
    overview.ping = match facts.health.clone() {
        Some(Ok(ping)) => Section::Loaded(ping),
        _ => unavailable("a support packet holds no health check"),
    };
    overview.config = Section::Loaded(client_config(packet));
    overview.license = match license(packet) {
        Fact::Known(license) => Section::Loaded(license),
        Fact::Missing(why) => Section::Unavailable(why),
    };
    overview.stats = match facts.stats {
        Ok(stats) => Section::Loaded(stats),
        Err(why) => Section::Unavailable(why),
    };
    overview.cluster = match cluster(packet) {
        // One node is a server alone: the tab shows no cluster for it.
        Fact::Known(nodes) if nodes.len() > 1 => Section::Loaded(nodes),
        Fact::Known(_) => Section::Loaded(Vec::new()),
        Fact::Missing(why) => Section::Unavailable(why),
    };
    overview.schema = unavailable("the packet gives the schema version only (below)");
    overview.me = unavailable("a support packet has no logged-in user");
    overview.host = None;
    overview
}

/// The client-config keys the Server tab reads, from the packet's summaries and config.
fn client_config(packet: &Packet) -> ClientConfig {
    let config = packet.config();
    let setting = |pointer: &str| text(config.and_then(|c| c.pointer(pointer)));
    let mut map = std::collections::BTreeMap::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            map.insert(key.to_string(), value);
        }
    };
    put(
        "Version",
        text(packet.fact("/server/version", "server_version")).or_else(|| {
            packet
                .parts
                .get("metadata.yaml")
                .and_then(|m| text(m.get("server_version")))
        }),
    );
    put(
        "BuildHash",
        text(packet.fact("/server/build_hash", "build_hash")),
    );
    put(
        "DiagnosticId",
        packet
            .parts
            .get("metadata.yaml")
            .and_then(|m| text(m.get("server_id"))),
    );
    put(
        "SQLDriverName",
        text(packet.fact("/database/type", "database_type")),
    );
    put(
        "SchemaVersion",
        text(packet.fact("/database/schema_version", "database_schema_version")),
    );
    put("SiteURL", setting("/ServiceSettings/SiteURL"));
    put("SiteName", setting("/TeamSettings/SiteName"));
    put("EnableCluster", setting("/ClusterSettings/Enable"));
    put("EnableFile", setting("/LogSettings/EnableFile"));
    put("FileLevel", setting("/LogSettings/FileLevel"));
    ClientConfig(StringMap(map))
}

/// The Plugins tab's inventory: the manifests of `plugins.json` (either era's keys), enabled
/// or not; no packet holds their state on each node.
pub fn inventory(packet: &Packet) -> Option<Inventory> {
    let plugins = packet.parts.get("plugins.json")?;
    let list = |keys: [&str; 2]| -> Vec<Value> {
        keys.iter()
            .filter_map(|k| plugins.get(k).and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect()
    };
    let normalized = json!({
        "active": list(["active", "enabled"]),
        "inactive": list(["inactive", "disabled"]),
    });
    let config = packet.config().cloned().unwrap_or_else(|| json!({}));
    let mut inventory = Inventory::build(&normalized, Ok(Vec::new()), &[], Ok(config));
    inventory.statuses =
        Statuses::Unavailable("a support packet holds no plugin states per node".into());
    Some(inventory)
}

/// The Config tab's document: the packet's sanitized config, sanitized again by mmops, marked
/// against mmops' table of defaults.
pub fn config_doc(packet: &Packet) -> Option<ConfigDoc> {
    let config = packet.config()?;
    let (known, changed) = crate::server_config::defaults::compare(config);
    let file = packet
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(ConfigDoc::with_defaults(
        config,
        &manifests(packet),
        HashSet::new(),
        Defaults::Builtin { known, changed },
        format!("sanitized_config.json in {file}"),
        vec!["from a support packet: environment overrides are unknown".to_string()],
    ))
}
