//! The decoders of server answers: every serde model the client decodes (ping, client config
//! and licence, analytics, cluster, schema, users, teams, members, the log page), the error
//! body and how it becomes a message, and the WebSocket's event frames.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use mmops::mm::ApiError;
use mmops::mm::ServerVersion;
use mmops::mm::error::{AppError, body_snippet};
use mmops::mm::models::system::AnalyticsRow;
use mmops::mm::models::{
    AppliedMigration, ClientConfig, ClientLicense, ClusterNode, Ping, SiteStats, Team,
    TeamMember, User,
};
use mmops::mm::websocket::{self, ServerEvent};
use mmops_fuzz::is_inert;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

fuzz_target!(|data: &[u8]| {
    if let Some(ping) = decode::<Ping>(data) {
        let _ = ping.is_healthy();
    }
    if let Some(config) = decode::<ClientConfig>(data) {
        client_config(&config);
    }
    if let Some(licence) = decode::<ClientLicense>(data) {
        let _ = (licence.is_licensed(), licence.is_trial(), licence.users());
        let _ = (licence.issued_at_ms(), licence.starts_at_ms(), licence.expires_at_ms());
        let _ = (licence.sku_name(), licence.sku_short_name(), licence.company(), licence.id());
    }
    if let Some(rows) = decode::<Vec<AnalyticsRow>>(data) {
        let stats = SiteStats::from_rows(&rows);
        let counts = [
            stats.public_channels,
            stats.private_channels,
            stats.posts,
            stats.active_users,
            stats.teams,
            stats.websocket_connections,
            stats.master_db_connections,
            stats.read_db_connections,
            stats.daily_active_users,
            stats.monthly_active_users,
            stats.inactive_users,
        ];
        // -1 (skipped by the server) and anything negative are unknown, not counts.
        assert!(counts.iter().flatten().all(|n| *n >= 0), "{stats:?}");
    }
    decode::<Vec<ClusterNode>>(data);
    decode::<Vec<AppliedMigration>>(data);
    if let Some(user) = decode::<User>(data) {
        let _ = user.is_system_admin();
    }
    decode::<Vec<User>>(data);
    if let Some(team) = decode::<Team>(data) {
        let _ = team.is_invite_only();
    }
    decode::<Vec<Team>>(data);
    decode::<TeamMember>(data);
    decode::<Vec<TeamMember>>(data);
    decode::<Vec<String>>(data);
    error_body(data);
    websocket_frame(&String::from_utf8_lossy(data));
});

/// Decodes `data` as `T`. When it decodes and also reads as a JSON tree, decoding that tree
/// gives the same value: the lenient deserializers do not depend on where the JSON comes from.
fn decode<T: DeserializeOwned + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let direct: T = serde_json::from_slice(data).ok()?;
    // A tree can fail where the typed decode ignored a member (a lone surrogate in a field the
    // model does not have): then there is nothing to compare.
    if let Ok(tree) = serde_json::from_slice::<Value>(data) {
        match serde_json::from_value::<T>(tree) {
            Ok(again) => assert_eq!(direct, again, "decoding through a Value differs"),
            Err(err) => panic!("decodes from bytes but not from its own tree: {err}"),
        }
    }
    Some(direct)
}

fn client_config(config: &ClientConfig) {
    let _ = (config.build_number(), config.build_date(), config.build_hash());
    let _ = (config.enterprise_ready(), config.site_name(), config.site_url());
    let _ = (config.server_id(), config.schema_version(), config.sql_driver());
    let _ = (config.cluster_enabled(), config.file_logging(), config.file_level());
    let _ = config.is_full();
    if let Some(ms) = config.installation_date_ms() {
        assert!(ms > 0);
    }
    // The version the client records reads back from how it is shown.
    if let Some(version) = config.version().and_then(ServerVersion::parse) {
        let shown = version.to_string();
        match ServerVersion::parse(&shown) {
            Some(again) => assert_eq!(
                (again.major, again.minor, again.patch),
                (version.major, version.minor, version.patch),
                "{shown}"
            ),
            None => panic!("{shown} does not parse"),
        }
    }
}

/// Error answers become one-line messages that are safe to print: whatever the body holds,
/// no control or bidi character reaches the terminal.
fn error_body(body: &[u8]) {
    let _ = serde_json::from_slice::<AppError>(body);
    let snippet = body_snippet(body);
    assert!(is_inert(&snippet, &[]), "snippet {snippet:?} is not inert");
    // Cut to 80 columns, plus the ellipsis.
    assert!(snippet.width() <= 81, "snippet {snippet:?} is too wide");
    for status in [400u16, 401, 403, 404, 413, 429, 500, 501, 502, 503] {
        let Ok(status) = StatusCode::from_u16(status) else {
            continue;
        };
        for (had_token, local) in [(true, false), (false, true)] {
            let error = ApiError::from_response(
                "GET /api/v4/config",
                Some("sysconsole_read_*"),
                status,
                None,
                body,
                had_token,
                local,
            );
            let message = error.to_string();
            assert!(is_inert(&message, &[]), "message {message:?} is not inert");
            let _ = (error.is_transient(), error.needs_login(), error.is_unreachable());
        }
    }
}

fn websocket_frame(text: &str) {
    let event = websocket::parse(text);
    assert_eq!(event, websocket::parse(text));
    let Some(event) = event else {
        return;
    };
    let frame: Value = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(err) => panic!("an event from text that is not JSON: {err}"),
    };
    let name = frame.get("event").and_then(Value::as_str);
    match event {
        ServerEvent::Hello { .. } => assert_eq!(name, Some("hello")),
        ServerEvent::PluginsChanged { event } => {
            assert_eq!(name, Some(event.as_str()));
            assert!(
                ["plugin_enabled", "plugin_disabled", "plugin_statuses_changed"]
                    .contains(&event.as_str())
            );
        }
    }
}
