//! The server's own state and settings: ping, the client config and license, analytics,
//! the cluster, the schema migrations, and the server config with its environment overrides.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::auth::caller;
use super::{Caller, Ctx, DemoError, Params, Reply, admin, json_reply, read_world, remote_only};
use crate::demo::config::server_sanitized;

pub(super) async fn ping(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    let mut body = json!({
        "ActiveSearchBackend": "database",
        "AndroidLatestVersion": "",
        "AndroidMinVersion": "",
        "IosLatestVersion": "",
        "IosMinVersion": "",
        "status": "OK",
    });
    if params.get("get_server_status").is_some_and(|v| v == "true") {
        body["database_status"] = json!("OK");
        body["filestore_status"] = json!("OK");
        if caller(&ctx, &world, &headers).is_ok_and(|c| c.is_admin()) {
            body["root_status"] = json!(false);
        }
    }
    json_reply(body)
}

fn check_old_format(params: &HashMap<String, String>) -> Result<(), DemoError> {
    match params.get("format").map(String::as_str) {
        Some("old") => Ok(()),
        None => Err(DemoError::new(
            StatusCode::NOT_IMPLEMENTED,
            "api.config.client.old_format.app_error",
            "New format for the client configuration is not supported yet. Please specify format=old in the query string.",
        )),
        Some(_) => Err(DemoError::bad_param("format")),
    }
}

pub(super) async fn client_config(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    check_old_format(&params)?;
    let world = read_world(&ctx);
    let full = !matches!(caller(&ctx, &world, &headers)?, Caller::Anonymous);
    let s = &world.server;
    // The client config reports the file logging of the config in force, as strings.
    let log_setting = |key: &str| {
        world
            .config
            .pointer(&format!("/LogSettings/{key}"))
            .map(|v| match v {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
    };
    let mut body = json!({
        "Version": s.version,
        "BuildNumber": s.build_number,
        "BuildDate": s.build_date,
        "BuildHash": s.build_hash,
        "BuildHashEnterprise": s.build_hash_enterprise,
        "BuildEnterpriseReady": "true",
        "SiteURL": s.site_url,
        "SiteName": s.site_name,
        "DiagnosticId": s.diagnostic_id,
        "TelemetryId": s.diagnostic_id,
        "DiagnosticsEnabled": "true",
        "EnableFile": log_setting("EnableFile").unwrap_or_else(|| "true".into()),
        "FileLevel": log_setting("FileLevel").unwrap_or_else(|| "DEBUG".into()),
        "EnableSignUpWithEmail": "true",
        "EnableLdap": "true",
        "EnableSaml": "false",
        "EnableMultifactorAuthentication": "true",
        "EnforceMultifactorAuthentication": "false",
        "EnableGuestAccounts": "true",
        "PasswordMinimumLength": "10",
        "PluginsEnabled": "true",
        "NoAccounts": "false",
    });
    if full {
        let extra = json!({
            "SQLDriverName": "postgres",
            "EnableCluster": "true",
            "EnableMetrics": "true",
            "RunJobs": "true",
            "EnableEmailInvitations": "true",
            "EnableUserAccessTokens": "true",
            "EnableDeveloper": "false",
            "EnableCompliance": "false",
            "MaxPostSize": "16383",
            "UpgradedFromTE": "false",
            "InstallationDate": s.installation_date.to_string(),
            "SchemaVersion": crate::demo::world::DEMO_SCHEMA_VERSION.to_string(),
        });
        if let (Value::Object(base), Value::Object(extra)) = (&mut body, extra) {
            base.extend(extra);
        }
    }
    json_reply(body)
}

pub(super) async fn client_license(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    check_old_format(&params)?;
    let world = read_world(&ctx);
    let full = caller(&ctx, &world, &headers)?.is_admin();
    let l = &world.license;
    let mut body = json!({
        "IsLicensed": "true",
        "SkuShortName": l.sku_short_name,
        "Users": l.users.to_string(),
        "Company": l.company,
        "LDAP": "true", "LDAPGroups": "true", "MFA": "true", "SAML": "true", "Cluster": "true",
        "Metrics": "true", "GoogleOAuth": "true", "Office365OAuth": "true", "OpenId": "true",
        "Compliance": "true", "MHPNS": "true", "Announcement": "true", "Elasticsearch": "true",
        "DataRetention": "true", "MessageExport": "true", "CustomPermissionsSchemes": "true",
        "GuestAccounts": "true", "GuestAccountsPermissions": "true", "SharedChannels": "true",
        "IsTrial": "false",
        "IsGovSku": "false",
    });
    if full {
        body["Id"] = json!(l.id);
        body["SkuName"] = json!(l.sku_name);
        body["Name"] = json!(l.name);
        body["Email"] = json!(l.email);
        body["IssuedAt"] = json!(l.issued_at.to_string());
        body["StartsAt"] = json!(l.starts_at.to_string());
        body["ExpiresAt"] = json!(l.expires_at.to_string());
    }
    json_reply(body)
}

pub(super) async fn analytics(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    remote_only(&ctx)?;
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    let name = params.get("name").map(String::as_str).unwrap_or("standard");
    if name != "standard" {
        return Err(DemoError::bad_param("name"));
    }
    let channels = |kind: &str| {
        world
            .channels
            .iter()
            .filter(|c| c.channel_type == kind)
            .count()
    };
    let active = world.active_users().count() as i64;
    let inactive = world.users.iter().filter(|u| u.delete_at != 0).count() as i64;
    let dau = world
        .active_users()
        .filter(|u| world.now_ms - u.last_activity_at < crate::demo::world::DAY_MS)
        .count() as i64;
    let rows = [
        ("channel_open_count", channels("O") as i64),
        ("channel_private_count", channels("P") as i64),
        ("post_count", world.post_count),
        ("unique_user_count", active),
        ("team_count", world.teams.len() as i64),
        ("total_websocket_connections", world.websocket_connections),
        ("total_master_db_connections", world.master_db_connections),
        ("total_read_db_connections", world.read_db_connections),
        ("daily_active_users", dau),
        ("monthly_active_users", active),
        ("inactive_user_count", inactive),
    ];
    json_reply(Value::Array(
        rows.iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    ))
}

pub(super) async fn cluster_status(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    remote_only(&ctx)?;
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(Value::Array(
        world
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "id": n.id,
                    "version": n.version,
                    "schema_version": n.schema_version,
                    "config_hash": n.config_hash,
                    "ipaddress": n.ip,
                    "hostname": n.hostname,
                })
            })
            .collect(),
    ))
}

pub(super) async fn schema_version(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(Value::Array(
        world
            .migrations
            .iter()
            .rev()
            .map(|m| json!({"version": m.version, "name": m.name}))
            .collect(),
    ))
}

pub(super) async fn config(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    // Newer servers hand out the raw config over the local socket.
    let body = if ctx.local {
        world.config.clone()
    } else {
        server_sanitized(&world.config, &world.plugins)
    };
    let body = if params.get("remove_defaults").map(String::as_str) == Some("true") {
        crate::demo::config::without_defaults(&body)
    } else {
        body
    };
    json_reply(body)
}

pub(super) async fn config_environment(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(world.environment.clone())
}

/// `PUT /config/patch`: the settings the body names are merged into the config (unknown ones
/// are ignored, as the server's typed config ignores them; those an environment variable sets
/// keep its value), written to config.json, and the config answered as `GET /config` does.
/// A cluster with `ReadOnlyConfig` refuses, as the server does.
pub(super) async fn config_patch(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Reply {
    let patch: Value = serde_json::from_slice(&body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| DemoError::bad_param("config"))?;
    let (config, answer) = {
        let mut world = crate::demo::api::write_world(&ctx);
        admin(&ctx, &world, &headers)?;
        let flag = |path: &str| world.config.pointer(path).and_then(Value::as_bool);
        if flag("/ClusterSettings/Enable") == Some(true)
            && flag("/ClusterSettings/ReadOnlyConfig") == Some(true)
        {
            return Err(DemoError::new(
                StatusCode::FORBIDDEN,
                "ent.cluster.save_config.error",
                "System Console is set to read-only when High Availability is enabled unless ReadOnlyConfig is disabled in the configuration file.",
            ));
        }
        let environment = world.environment.clone();
        merge_known(&mut world.config, &patch, &environment);
        let answer = if ctx.local {
            world.config.clone()
        } else {
            server_sanitized(&world.config, &world.plugins)
        };
        (world.config.clone(), answer)
    };
    let path = ctx.shared.host_dir.join("config").join("config.json");
    crate::demo::api::blocking_io(
        move || {
            let mut text = serde_json::to_vec_pretty(&config).map_err(std::io::Error::other)?;
            text.push(b'\n');
            crate::fsutil::write_private_atomic(&path, &text)
        },
        "app.save_config.app_error",
        "An error occurred saving the configuration.",
    )
    .await?;
    json_reply(answer)
}

/// Merges `patch` into `config` where `config` has the key; a key `environment` marks `true`
/// keeps its value.
fn merge_known(config: &mut Value, patch: &Value, environment: &Value) {
    let (Value::Object(config), Value::Object(patch)) = (config, patch) else {
        return;
    };
    for (key, new) in patch {
        let env = environment.get(key).unwrap_or(&Value::Null);
        if env == &Value::Bool(true) {
            continue;
        }
        match config.get_mut(key) {
            Some(old) if old.is_object() && new.is_object() => merge_known(old, new, env),
            Some(old) if !old.is_object() && !new.is_object() => *old = new.clone(),
            _ => {}
        }
    }
}

/// `GET /jobs`: the newest runs first, paged.
pub(super) async fn jobs(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    let page: usize = match params.get("page") {
        Some(p) => p.parse().map_err(|_| DemoError::bad_param("page"))?,
        None => 0,
    };
    let per_page: usize = match params.get("per_page") {
        Some(p) => p.parse().map_err(|_| DemoError::bad_param("per_page"))?,
        None => 60,
    };
    let per_page = per_page.min(200);
    json_reply(Value::Array(
        world
            .jobs
            .iter()
            .rev()
            .skip(page.saturating_mul(per_page))
            .take(per_page)
            .map(crate::demo::jobs::DemoJob::to_json)
            .collect(),
    ))
}

/// `GET /roles`: the built-in roles the demo's users hold.
pub(super) async fn roles(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    let role = |id: &str, name: &str, display: &str, permissions: &[&str]| {
        json!({
            "id": id, "name": name, "display_name": display, "description": "",
            "create_at": world.server.installation_date, "update_at": world.server.installation_date,
            "delete_at": 0, "permissions": permissions, "scheme_managed": true, "built_in": true,
        })
    };
    json_reply(json!([
        role(
            "qzq1yytoh3gfmr8fftbk8xn8ay",
            "system_admin",
            "authentication.roles.global_admin.name",
            &["manage_system", "sysconsole_read_plugins", "invite_user"]
        ),
        role(
            "k8h5x4ubztbjjemxbcnwdgidtc",
            "system_user",
            "authentication.roles.global_user.name",
            &["create_team", "list_public_teams", "create_direct_channel"]
        ),
        role(
            "t3x1rxjw1pg5pryjdqfo3gbmyr",
            "team_user",
            "authentication.roles.team_user.name",
            &["view_team", "invite_user", "list_team_channels"]
        ),
    ]))
}

/// `GET /schemes`: the demo has no custom permission scheme.
pub(super) async fn schemes(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(json!([]))
}
