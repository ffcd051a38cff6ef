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
        let mut files = root_files(&world, now_ms);
        files.extend(plugin_packets(&world, &wanted));
        let nodes: Vec<String> = world.nodes.iter().map(|n| n.hostname.clone()).collect();
        if include_logs {
            let local = std::fs::read(ctx.shared.log_path()).unwrap_or_default();
            if let Some(first) = nodes.first() {
                files.push((format!("{first}/mattermost.log"), local));
            }
            if let Some(second) = nodes.get(1) {
                let other = ctx
                    .shared
                    .other_node_log
                    .lock()
                    .map(|lines| lines.join("\n") + "\n")
                    .unwrap_or_default();
                files.push((format!("{second}/mattermost.log"), other.into_bytes()));
            }
        }
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

fn root_files(world: &World, now_ms: i64) -> Vec<(String, Vec<u8>)> {
    let server = &world.server;
    let metadata = json!({
        "version": 1,
        "type": "support-packet",
        "generated_at": now_ms,
        "server_version": server.version,
        "server_id": server.diagnostic_id,
        "license_id": world.license.id,
        "customer_id": "",
        "extras": {},
    });
    let diagnostics = json!({
        "version": 1,
        "server": {
            "os": "linux",
            "architecture": "amd64",
            "hostname": world.nodes.first().map(|n| n.hostname.clone()).unwrap_or_default(),
            "version": server.version,
            "build_hash": server.build_hash,
            "installation_type": "manual",
        },
        "config": {"source": "file"},
        "license": {
            "company": world.license.company,
            "users": world.license.users,
            "sku_short_name": world.license.sku_short_name,
            "is_trial": false,
        },
        "database": {"type": "postgres", "version": "16.4"},
        "cluster": {"id": "demo-cluster", "number_of_nodes": world.nodes.len()},
    });
    let stats = json!({
        "registered_users": world.users.iter().filter(|u| u.delete_at == 0).count(),
        "total_teams": world.teams.len(),
        "total_channels": world.channels.len(),
    });
    let plugins = plugins_json(world);
    let config = server_sanitized(&world.config, &world.plugins);
    vec![
        ("metadata.yaml".to_string(), yaml(&metadata)),
        ("diagnostics.yaml".to_string(), yaml(&diagnostics)),
        ("stats.yaml".to_string(), yaml(&stats)),
        (
            "sanitized_config.json".to_string(),
            serde_json::to_vec_pretty(&config).unwrap_or_default(),
        ),
        (
            "plugins.json".to_string(),
            serde_json::to_vec_pretty(&plugins).unwrap_or_default(),
        ),
    ]
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

fn build_zip(files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
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
