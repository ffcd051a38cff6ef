//! The doctor's facts from a support packet of any era: what the packet holds is known, the
//! rest is missing with the reason (a packet holds no plugin states, no host, no health check).
//! Time-bound rules judge the packet at the time it was generated.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::facts::{
    ConfigFacts, DatabaseFacts, Fact, Facts, Job, SaltState, ServerFacts, as_number,
};
use super::logs::{LogFacts, Scanner};
use crate::mm::ServerVersion;
use crate::mm::models::system::StringMap;
use crate::mm::models::{ClientLicense, ClusterNode, Ping, SiteStats};
use crate::packet::open::Packet;
use crate::sanitize::sanitize_config;

const NOT_IN_A_PACKET: &str = "a support packet does not hold it";

/// The facts of `packet`. `fallback_now_ms` stands for the generation time when the packet
/// does not say it (the 9.x layout has no metadata).
pub fn facts(packet: &Packet, fallback_now_ms: i64) -> Facts {
    let mut facts = facts_without_logs(packet);
    if packet.generated_at_ms().is_none() {
        facts.now_ms = fallback_now_ms;
    }
    facts.logs = logs(packet);
    facts
}

/// Every fact but the logs' (which take a pass over them); `now_ms` is the packet's time, or
/// 0 when it does not say.
pub fn facts_without_logs(packet: &Packet) -> Facts {
    let now_ms = packet.generated_at_ms().unwrap_or(0);
    let mut facts = Facts::none(now_ms, NOT_IN_A_PACKET);
    let file = packet
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    facts.source = format!("packet {file} ({})", packet.layout.describe());
    facts.config = match packet.config() {
        Some(config) => Fact::Known(ConfigFacts {
            config: sanitize_config(config, &manifests(packet)).config,
            source: format!("sanitized_config.json in {file}"),
            public_link_salt: SaltState::Unknown,
        }),
        None => Fact::missing("the packet has no sanitized_config.json"),
    };
    facts.server = Fact::Known(server(packet));
    facts.cluster = cluster(packet);
    facts.plugins = Fact::missing(
        "a support packet holds the plugins' manifests but not their state on each node",
    );
    facts.jobs = jobs(packet);
    facts.license = license(packet);
    facts.host = Fact::missing("a support packet is not the server's host");
    facts.database = database(packet);
    facts
}

pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    value
        .map(super::facts::display_value)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn number(value: Option<&Value>) -> Option<i64> {
    value.and_then(as_number)
}

pub(crate) fn server(packet: &Packet) -> ServerFacts {
    let version = text(packet.fact("/server/version", "server_version"))
        .or_else(|| {
            packet
                .parts
                .get("metadata.yaml")
                .and_then(|m| text(m.get("server_version")))
        })
        .and_then(|v| ServerVersion::parse(&v));
    let file_status = text(packet.fact("/file_store/file_status", "file_status"));
    let health = file_status.map(|status| {
        Ok(Ping {
            // The server made the packet, so it answered; only the file store was checked.
            status: "OK".into(),
            filestore_status: Some(status),
            ..Ping::default()
        })
    });
    let stats = packet.parts.get("stats.yaml");
    let flat = packet.parts.get("support_packet.yaml");
    let stat = |split: &str, flat_key: &str| {
        number(stats.and_then(|s| s.get(split)))
            .or_else(|| number(flat.and_then(|f| f.get(flat_key))))
    };
    let stats = if stats.is_some() || flat.is_some() {
        Ok(SiteStats {
            posts: stat("posts", "total_posts"),
            active_users: stat("active_users", "active_users"),
            daily_active_users: stat("daily_active_users", "daily_active_users"),
            monthly_active_users: stat("monthly_active_users", "monthly_active_users"),
            inactive_users: stat("deactivated_users", "inactive_user_count"),
            teams: stat("teams", "total_teams"),
            websocket_connections: number(
                packet.fact("/websocket/connections", "websocket_connections"),
            ),
            master_db_connections: number(
                packet.fact("/database/master_connections", "master_db_connections"),
            ),
            read_db_connections: number(
                packet.fact("/database/replica_connections", "read_db_connections"),
            ),
            ..SiteStats::default()
        })
    } else {
        Err("the packet has no statistics".to_string())
    };
    let search_plugins = packet
        .fact("/elastic/server_plugins", "elastic_server_plugins")
        .and_then(Value::as_array)
        .map(|plugins| plugins.iter().filter_map(|p| text(Some(p))).collect());
    ServerFacts {
        version,
        health,
        stats,
        os: text(packet.fact("/server/os", "server_os")),
        database_driver: text(packet.fact("/database/type", "database_type")),
        search_plugins,
    }
}

/// The nodes with a folder of their own, their version and schema from their diagnostics and a
/// hash of their config, so version, schema and config drift show; one node for a packet of
/// a single server.
pub(crate) fn cluster(packet: &Packet) -> Fact<Vec<ClusterNode>> {
    // A folder with logs alone (mmops' own packets) says nothing of its node's config.
    let described: Vec<_> = packet
        .nodes
        .iter()
        .filter(|n| n.config.is_some() || n.diagnostics.is_some())
        .collect();
    if described.is_empty() {
        return Fact::missing("the packet has no node's config or diagnostics");
    }
    let nodes = described
        .into_iter()
        .map(|node| {
            let diag = node.diagnostics.as_ref();
            let config_hash = node
                .config
                .as_ref()
                .map(|c| {
                    let mut config = c.clone();
                    // 10.5+ appends the feature flags, which differ by node for no fault.
                    if let Some(map) = config.as_object_mut() {
                        map.remove("FeatureFlags");
                    }
                    let digest = Sha256::digest(config.to_string().as_bytes());
                    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
                })
                .unwrap_or_default();
            ClusterNode {
                id: node.name.clone(),
                version: text(diag.and_then(|d| d.pointer("/server/version"))).unwrap_or_default(),
                schema_version: text(diag.and_then(|d| d.pointer("/database/schema_version")))
                    .unwrap_or_default(),
                config_hash,
                ipaddress: String::new(),
                hostname: text(diag.and_then(|d| d.pointer("/server/hostname")))
                    .unwrap_or_else(|| node.label().to_string()),
            }
        })
        .collect();
    Fact::Known(nodes)
}

/// The job lists of `jobs.yaml` or the flat `support_packet.yaml`, by their list's name.
fn jobs(packet: &Packet) -> Fact<Vec<Job>> {
    let source = packet
        .parts
        .get("jobs.yaml")
        .or_else(|| packet.parts.get("support_packet.yaml"));
    let Some(source) = source.and_then(Value::as_object) else {
        return Fact::missing("the packet has no jobs");
    };
    let kinds = crate::packet::open::JOB_LISTS;
    if !kinds.iter().any(|(list, _)| source.contains_key(*list)) {
        return Fact::missing("the packet lists no job runs");
    }
    let mut jobs = Vec::new();
    for &(list, kind) in kinds {
        for raw in source
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            jobs.push(job(raw, kind));
        }
    }
    Fact::Known(jobs)
}

/// A job in either YAML form: yaml.v2's `createat` numbers or `Job.MarshalYAML`'s
/// `create_at` times.
fn job(raw: &Value, kind: &str) -> Job {
    let time = |keys: &[&str]| {
        keys.iter().find_map(|k| match raw.get(*k) {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.timestamp_millis())
                .or_else(|| s.parse().ok()),
            _ => None,
        })
    };
    Job {
        id: text(raw.get("id")).unwrap_or_default(),
        kind: text(raw.get("type")).unwrap_or_else(|| kind.to_string()),
        status: text(raw.get("status")).unwrap_or_default(),
        create_at: time(&["create_at", "createat"]).unwrap_or(0),
        last_activity_at: time(&["last_activity_at", "lastactivityat"]).unwrap_or(0),
        data: raw.get("data").cloned().unwrap_or(Value::Null),
    }
}

/// What the packet says of the licence: who, how many seats, trial; never its expiry.
pub(crate) fn license(packet: &Packet) -> Fact<ClientLicense> {
    let company = text(packet.fact("/license/company", "license_to"));
    let users = number(packet.fact("/license/users", "license_supported_users"));
    let has_license = packet
        .diagnostics()
        .is_some_and(|d| d.get("license").is_some())
        || packet
            .parts
            .get("support_packet.yaml")
            .is_some_and(|s| s.get("license_to").is_some());
    if !has_license {
        return Fact::missing("the packet says nothing of the licence");
    }
    let licensed = company.is_some() || users.is_some_and(|u| u > 0);
    let mut map = std::collections::BTreeMap::new();
    map.insert("IsLicensed".to_string(), licensed.to_string());
    if let Some(company) = company {
        map.insert("Company".to_string(), company);
    }
    if let Some(users) = users {
        map.insert("Users".to_string(), users.to_string());
    }
    if let Some(sku) = text(packet.fact("/license/sku_short_name", "license_sku_short_name")) {
        map.insert("SkuShortName".to_string(), sku);
    }
    Fact::Known(ClientLicense(StringMap(map)))
}

fn database(packet: &Packet) -> Fact<DatabaseFacts> {
    let kind = text(packet.fact("/database/type", "database_type"));
    let Some(version) = text(packet.fact("/database/version", "database_version")) else {
        return Fact::missing("the packet does not give the database's version");
    };
    if kind.as_deref().is_some_and(|k| k != "postgres") {
        return Fact::missing("the database is not PostgreSQL");
    }
    // "14.11", "16.4 (Debian 16.4-1.pgdg120+2)": major and minor.
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse::<i64>().ok());
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    Fact::Known(DatabaseFacts {
        version_num: major * 10_000 + minor,
        version,
        max_connections: None,
    })
}

/// Every node's logs, one pass, streamed out of the zip.
fn logs(packet: &Packet) -> Fact<LogFacts> {
    let logs: Vec<&str> = packet
        .nodes
        .iter()
        .flat_map(|n| n.logs.iter().map(|(name, _)| name.as_str()))
        .collect();
    if logs.is_empty() {
        return Fact::missing("the packet has no log");
    }
    let mut scanner = Scanner::new();
    for name in logs {
        scanner.begin(name);
        if let Err(err) = packet.stream_log(name, |piece| {
            scanner.feed(piece);
            true
        }) {
            return Fact::Missing(format!("{name} cannot be read: {err}"));
        }
    }
    Fact::Known(scanner.finish())
}

/// The manifests in `plugins.json` (`active`/`inactive` before 10.5, `enabled`/`disabled`
/// after), for the plugins' secret settings.
pub fn manifests(packet: &Packet) -> Vec<Value> {
    let Some(plugins) = packet.parts.get("plugins.json") else {
        return Vec::new();
    };
    ["active", "inactive", "enabled", "disabled"]
        .iter()
        .filter_map(|k| plugins.get(k).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}
