//! `GET /api/v4/system/support_packet` as an 11.x server answers it: `manage_system` and a
//! licence required, not served over the local socket, a zip attachment with the server's file
//! layout (root files, per-node logs, opted-in plugin packets).

use std::io::{Cursor, Write};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;

use super::api::{Ctx, Reply, admin, blocking_io, plugins_json, read_world, remote_only};
use super::config::server_sanitized;
use super::world::World;

pub async fn generate(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    remote_only(&ctx)?;
    // `plugin_packets` repeats, so the query is read pair by pair.
    let pairs: Vec<(&str, &str)> = query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let include_logs = !pairs
        .iter()
        .any(|(k, v)| *k == "basic_server_logs" && v.eq_ignore_ascii_case("false"));
    let wanted: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| *k == "plugin_packets")
        .map(|(_, v)| v.to_string())
        .collect();
    let (files, name) = {
        let world = read_world(&ctx);
        admin(&ctx, &world, &headers)?;
        let now_ms = ctx.shared.now_ms();
        let logs = if include_logs {
            node_logs(&ctx.shared)
        } else {
            Vec::new()
        };
        let mut files = packet_files(&world, now_ms, PacketLayout::Current, &logs);
        if !include_logs {
            files.retain(|(name, _)| !name.ends_with(".log"));
        }
        files.extend(plugin_packets(&world, &wanted));
        (files, file_name(&world.license.company, now_ms))
    };
    let zip = blocking_io(
        move || build_zip(&files),
        "app.system.support_packet.app_error",
        "Unable to create the support packet.",
    )
    .await?;
    let mut response = zip.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `mm_support_packet_<company>_<YYYY-MM-DDTHH-MM>.zip`, the company reduced to letters and
/// digits.
fn file_name(company: &str, now_ms: i64) -> String {
    let company: String = company
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    format!(
        "mm_support_packet_{company}_{}.zip",
        time.format("%Y-%m-%dT%H-%M")
    )
}

fn yaml(value: &Value) -> Vec<u8> {
    serde_yaml::to_string(value)
        .unwrap_or_default()
        .into_bytes()
}

/// The packet layouts of the server's eras (`../reference`: the support packet formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PacketLayout {
    /// 9.10 and older: one flat `support_packet.yaml`, everything at the root.
    #[value(name = "9")]
    Flat,
    /// 10.5 to 10.9: `metadata.yaml`, `diagnostics.yaml` (version 1), `stats.yaml`,
    /// `jobs.yaml`, `permissions.yaml`; the requesting node's files at the root.
    #[value(name = "10.5")]
    Split,
    /// 10.10: cluster-wide files at the root, each node's in a folder of its own.
    #[value(name = "10.10")]
    NodeFolders,
    /// 11.x: as 10.10, with the database schema (`database_schema.yaml`).
    #[value(name = "current")]
    Current,
}

impl PacketLayout {
    pub const ALL: [PacketLayout; 4] = [
        PacketLayout::Flat,
        PacketLayout::Split,
        PacketLayout::NodeFolders,
        PacketLayout::Current,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PacketLayout::Flat => "9",
            PacketLayout::Split => "10.5",
            PacketLayout::NodeFolders => "10.10",
            PacketLayout::Current => "current",
        }
    }

    /// The server version a packet of this layout comes from.
    fn server_version(self, world: &World) -> String {
        match self {
            PacketLayout::Flat => "9.5.6".to_string(),
            PacketLayout::Split => "10.5.2".to_string(),
            PacketLayout::NodeFolders => "10.10.1".to_string(),
            PacketLayout::Current => world.server.version.clone(),
        }
    }

    /// The zip's name as that era's server gives it.
    pub fn file_name(self, company: &str, now_ms: i64) -> String {
        let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        match self {
            // The 12-hour clock (Go's `03`) is the server's own.
            PacketLayout::Flat => format!(
                "mattermost_support_packet_{}.zip",
                time.format("%Y-%m-%d-%I-%M")
            ),
            _ => file_name(company, now_ms),
        }
    }
}

/// Every file of a packet of `layout` from the world, with each node's log (`logs[i]` for the
/// i-th node).
pub fn packet_files(
    world: &World,
    now_ms: i64,
    layout: PacketLayout,
    logs: &[Vec<u8>],
) -> Vec<(String, Vec<u8>)> {
    let version = layout.server_version(world);
    let config = server_sanitized(&world.config, &world.plugins);
    let config_bytes = |with_flags: bool| {
        let mut config = config.clone();
        if with_flags && let Some(map) = config.as_object_mut() {
            map.insert("FeatureFlags".into(), json!({"TestFeature": "off"}));
        }
        serde_json::to_vec_pretty(&config).unwrap_or_default()
    };
    let hosts: Vec<&str> = world.nodes.iter().map(|n| n.hostname.as_str()).collect();
    let mut files = Vec::new();
    match layout {
        PacketLayout::Flat => {
            files.push((
                "support_packet.yaml".into(),
                yaml(&flat_summary(world, &version)),
            ));
            files.push((
                "plugins.json".into(),
                serde_json::to_vec_pretty(&plugins_json(world)).unwrap_or_default(),
            ));
            files.push(("sanitized_config.json".into(), config_bytes(false)));
            if let Some(log) = logs.first() {
                files.push(("mattermost.log".into(), log.clone()));
            }
            files.push(("notifications.log".into(), Vec::new()));
            files.extend(profiles(""));
        }
        PacketLayout::Split | PacketLayout::NodeFolders | PacketLayout::Current => {
            let cluster_wide = [
                ("metadata.yaml", yaml(&metadata(world, now_ms, &version))),
                ("stats.yaml", yaml(&stats(world))),
                ("jobs.yaml", yaml(&jobs(world, 5))),
                ("permissions.yaml", yaml(&permissions())),
                (
                    "plugins.json",
                    serde_json::to_vec_pretty(&enabled_disabled(world)).unwrap_or_default(),
                ),
            ];
            files.extend(cluster_wide.into_iter().map(|(n, b)| (n.to_string(), b)));
            if layout == PacketLayout::Current {
                files.push(("database_schema.yaml".into(), yaml(&schema())));
            }
            let diagnostics_version = if layout == PacketLayout::Split { 1 } else { 2 };
            for (i, host) in hosts.iter().enumerate() {
                // 10.5 puts the requesting node's files at the root.
                let folder = if layout == PacketLayout::Split && i == 0 {
                    String::new()
                } else {
                    format!("{host}/")
                };
                let node_files = [
                    (
                        "diagnostics.yaml",
                        yaml(&diagnostics(world, host, &version, diagnostics_version)),
                    ),
                    ("sanitized_config.json", config_bytes(true)),
                    ("mattermost.log", logs.get(i).cloned().unwrap_or_default()),
                ];
                for (name, bytes) in node_files {
                    if layout == PacketLayout::Split && i > 0 && name != "mattermost.log" {
                        continue;
                    }
                    files.push((format!("{folder}{name}"), bytes));
                }
                if layout != PacketLayout::Split || i == 0 {
                    files.extend(profiles(&folder));
                }
            }
        }
    }
    files
}

/// A node's Go profiles, as the server takes them from its own process (5 s of CPU).
fn profiles(folder: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        (format!("{folder}cpu.prof"), super::metrics::cpu_profile(5)),
        (format!("{folder}heap.prof"), super::metrics::heap_profile()),
        (
            format!("{folder}goroutines"),
            super::metrics::goroutine_dump().into_bytes(),
        ),
    ]
}

fn metadata(world: &World, now_ms: i64, version: &str) -> Value {
    json!({
        "version": 1,
        "type": "support-packet",
        "generated_at": now_ms,
        "server_version": version,
        "server_id": world.server.diagnostic_id,
        "license_id": world.license.id,
        "customer_id": "",
    })
}

fn diagnostics(world: &World, host: &str, version: &str, format: u32) -> Value {
    json!({
        "version": format,
        "license": {
            "company": world.license.company,
            "users": world.license.users,
            "sku_short_name": world.license.sku_short_name,
        },
        "server": {
            "os": "linux",
            "architecture": "amd64",
            "hostname": host,
            "version": version,
            "build_hash": world.server.build_hash,
            "installation_type": "manual",
        },
        "config": {"store_type": "file:///opt/mattermost/config/config.json"},
        "database": {
            "type": "postgres",
            "version": "16.4",
            "schema_version": super::world::DEMO_SCHEMA_VERSION,
            "master_connections": world.master_db_connections,
            "replica_connections": world.read_db_connections,
            "search_connections": 0,
        },
        "file_store": {"file_status": "OK", "file_driver": "amazons3"},
        "websocket": {"connections": world.websocket_connections},
        "cluster": {"id": "demo-cluster", "number_of_nodes": world.nodes.len()},
        "ldap": {},
        "elastic": {},
    })
}

fn stats(world: &World) -> Value {
    let active = world.users.iter().filter(|u| u.delete_at == 0).count();
    json!({
        "registered_users": world.users.len(),
        "active_users": active,
        "daily_active_users": active / 3,
        "monthly_active_users": active,
        "deactivated_users": world.users.len() - active,
        "guests": 0,
        "bot_accounts": world.users.iter().filter(|u| u.is_bot).count(),
        "posts": world.post_count,
        "channels": world.channels.len(),
        "teams": world.teams.len(),
        "slash_commands": 0,
        "incoming_webhooks": 0,
        "outgoing_webhooks": 0,
    })
}

/// The 9.x summary: every key flat, jobs in yaml.v2's form (`createat`), the last two of each.
fn flat_summary(world: &World, version: &str) -> Value {
    let active = world.users.iter().filter(|u| u.delete_at == 0).count();
    let mut summary = json!({
        "server_os": "linux",
        "server_architecture": "amd64",
        "server_version": version,
        "build_hash": world.server.build_hash,
        "database_type": "postgres",
        "database_version": "14.11",
        "database_schema_version": "116",
        "websocket_connections": world.websocket_connections,
        "master_db_connections": world.master_db_connections,
        "read_db_connections": world.read_db_connections,
        "cluster_id": "",
        "file_driver": "amazons3",
        "file_status": "OK",
        "license_to": world.license.company,
        "license_supported_users": world.license.users,
        "license_is_trial": false,
        "active_users": active,
        "daily_active_users": active / 3,
        "monthly_active_users": active,
        "inactive_user_count": world.users.len() - active,
        "total_posts": world.post_count,
        "total_channels": world.channels.len(),
        "total_teams": world.teams.len(),
    });
    let lists = jobs(world, 2);
    if let (Some(summary), Some(lists)) = (summary.as_object_mut(), lists.as_object()) {
        for (key, runs) in lists {
            let v2: Vec<Value> = runs
                .as_array()
                .into_iter()
                .flatten()
                .map(|run| {
                    json!({
                        "id": run["id"], "type": run["type"], "priority": 0,
                        "createat": run["create_at"], "startat": run["start_at"],
                        "lastactivityat": run["last_activity_at"],
                        "status": run["status"], "progress": run["progress"], "data": run["data"],
                    })
                })
                .collect();
            summary.insert(key.clone(), Value::Array(v2));
        }
    }
    summary
}

/// The job lists by their packet key, newest `keep` of each, newest first.
fn jobs(world: &World, keep: usize) -> Value {
    let lists = crate::packet::open::JOB_LISTS.iter().copied();
    let mut out = serde_json::Map::new();
    for (key, kind) in lists {
        let runs: Vec<Value> = world
            .jobs
            .iter()
            .rev()
            .filter(|j| j.kind == kind)
            .take(keep)
            .map(super::jobs::DemoJob::to_json)
            .collect();
        out.insert(key.to_string(), Value::Array(runs));
    }
    Value::Object(out)
}

fn permissions() -> Value {
    let role = |id: &str, name: &str, permissions: &[&str]| {
        json!({"id": id, "name": name, "displayname": name, "permissions": permissions,
               "schememanaged": true, "builtin": true})
    };
    json!({
        "roles": [
            role("r1", "system_admin", &["manage_system", "sysconsole_read_plugins"]),
            role("r2", "system_user", &["create_team", "list_public_teams"]),
            role("r3", "team_user", &["invite_user", "view_team"]),
        ],
        "schemes": [],
    })
}

fn schema() -> Value {
    json!({
        "database_collation": "en_US.utf8",
        "database_encoding": "UTF8",
        "tables": [
            {"name": "posts", "columns": [
                {"name": "id", "data_type": "character varying", "max_length": 26, "is_nullable": false},
                {"name": "message", "data_type": "character varying", "max_length": 65535, "is_nullable": true}
            ], "indexes": [{"name": "posts_pkey", "definition": "CREATE UNIQUE INDEX posts_pkey ON public.posts USING btree (id)"}]},
            {"name": "users", "columns": [
                {"name": "id", "data_type": "character varying", "max_length": 26, "is_nullable": false}
            ]}
        ],
    })
}

/// `plugins.json` from 10.5 on: `enabled`/`disabled`.
fn enabled_disabled(world: &World) -> Value {
    let (enabled, disabled): (Vec<_>, Vec<_>) = world.plugins.iter().partition(|p| p.enabled);
    json!({
        "enabled": enabled.iter().map(|p| p.manifest.clone()).collect::<Vec<_>>(),
        "disabled": disabled.iter().map(|p| p.manifest.clone()).collect::<Vec<_>>(),
    })
}

/// The packets of the requested plugins that offer one (`props.support_packet`).
fn plugin_packets(world: &World, wanted: &[String]) -> Vec<(String, Vec<u8>)> {
    world
        .plugins
        .iter()
        .filter(|p| p.enabled && wanted.iter().any(|id| id == p.id()))
        .filter(|p| p.manifest.pointer("/props/support_packet").is_some())
        .map(|p| {
            let meta = json!({
                "version": 1,
                "type": "plugin-packet",
                "extras": {"plugin_id": p.id(), "plugin_version": p.manifest.get("version")},
            });
            (format!("{}/diagnostics.yaml", p.id()), yaml(&meta))
        })
        .collect()
}

/// Each node's log as the demo keeps it: the first node's file, the second's lines in memory.
pub fn node_logs(shared: &super::Shared) -> Vec<Vec<u8>> {
    let local = std::fs::read(shared.log_path()).unwrap_or_default();
    let other = shared
        .other_node_log
        .lock()
        .map(|lines| lines.join("\n") + "\n")
        .unwrap_or_default();
    vec![local, other.into_bytes()]
}

pub fn build_zip(files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(bytes)?;
    }
    let cursor = zip.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}
