//! The demo server's HTTP API: the routes mmops uses, with the server's auth rules, error
//! bodies, pagination limits and headers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde_json::{Value, json};

use super::Shared;
use super::config::{environment_overrides, server_sanitized};
use super::faults::{Fault, FaultSet};
use super::logs::tail_lines;
use super::story::{DOMAIN_REFUSED, DemoInvite, InviteCall, InviteOutcome};
use super::world::{DemoUser, World};

/// Per-listener context: the shared server, and whether this listener is the local socket.
#[derive(Clone)]
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub local: bool,
}

pub fn router(shared: Arc<Shared>, local: bool) -> Router {
    let ctx = Ctx { shared, local };
    Router::new()
        .route("/api/v4/system/ping", get(ping))
        .route("/api/v4/config/client", get(client_config))
        .route("/api/v4/license/client", get(client_license))
        .route("/api/v4/analytics/old", get(analytics))
        .route("/api/v4/cluster/status", get(cluster_status))
        .route("/api/v4/system/schema/version", get(schema_version))
        .route("/api/v4/users/login", post(login))
        .route("/api/v4/users/me", get(users_me))
        .route("/api/v4/users", get(users_list))
        .route("/api/v4/users/{user_id}", get(user_by_id))
        .route("/api/v4/users/email/{email}", get(user_by_email))
        .route("/api/v4/teams", get(teams_list))
        .route("/api/v4/teams/{team_id}", get(team_by_id))
        .route("/api/v4/teams/{team_id}/members", get(team_members))
        .route("/api/v4/teams/name/{name}", get(team_by_name))
        .route(
            "/api/v4/teams/{team_id}/invite/email",
            post(invite_by_email),
        )
        .route(
            "/api/v4/teams/invites/email",
            delete(super::invites::invalidate_email_invites),
        )
        .route(
            "/api/v4/teams/{team_id}/channels/name/{channel_name}",
            get(super::invites::channel_by_name),
        )
        .route(
            "/api/v4/channels/{channel_id}/posts",
            get(super::invites::channel_posts),
        )
        .route("/api/v4/plugins", get(plugins))
        .route("/api/v4/plugins/statuses", get(plugin_statuses))
        .route("/api/v4/plugins/{plugin_id}/enable", post(plugin_enable))
        .route("/api/v4/plugins/{plugin_id}/disable", post(plugin_disable))
        .route("/api/v4/websocket", get(super::websocket::upgrade))
        .route("/api/v4/config", get(config))
        .route("/api/v4/config/environment", get(config_environment))
        .route("/api/v4/logs", get(logs))
        .route(
            "/api/v4/system/support_packet",
            get(super::support_packet::generate),
        )
        .route("/__demo/faults", put(set_faults))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(ctx.clone(), wrap))
        .with_state(ctx)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error as the server sends it: `model.AppError` JSON. The request id is filled in by
/// [`wrap`].
pub struct DemoError {
    status: StatusCode,
    id: String,
    message: String,
}

impl DemoError {
    pub fn new(status: StatusCode, id: &str, message: &str) -> Self {
        Self {
            status,
            id: id.to_string(),
            message: message.to_string(),
        }
    }

    fn session_expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )
    }

    pub(super) fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        )
    }

    pub(super) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "app.demo.not_found.app_error",
            &format!("Unable to find the {what}."),
        )
    }

    pub(super) fn bad_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "api.context.invalid_url_param.app_error",
            &format!("Invalid or missing {name} parameter in request URL."),
        )
    }
}

impl IntoResponse for DemoError {
    fn into_response(self) -> Response {
        let body = json!({
            "id": self.id,
            "message": self.message,
            "detailed_error": "",
            "request_id": "",
            "status_code": self.status.as_u16(),
        });
        (self.status, axum::Json(body)).into_response()
    }
}

pub(super) type Reply = Result<Response, DemoError>;

/// File work off the async threads; a failure is a 500 with the server's error id.
pub(super) async fn blocking_io<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    id: &str,
    message: &str,
) -> Result<T, DemoError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
        .map_err(|e| {
            DemoError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                id,
                &format!("{message} {e}"),
            )
        })
}

pub(super) fn json_reply(value: Value) -> Reply {
    Ok(axum::Json(value).into_response())
}

// ---------------------------------------------------------------------------------------------
// Auth

pub enum Caller {
    Local,
    Anonymous,
    User(Box<DemoUser>),
}

impl Caller {
    pub(super) fn is_admin(&self) -> bool {
        match self {
            Caller::Local => true,
            Caller::Anonymous => false,
            Caller::User(user) => user.is_admin(),
        }
    }

    pub(super) fn user_id(&self) -> Option<&str> {
        match self {
            Caller::User(user) => Some(&user.id),
            _ => None,
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then_some(token.trim())
}

/// The user a session token belongs to, when it is live.
pub(super) fn caller_for_token(world: &World, token: &str) -> Option<Caller> {
    world
        .sessions
        .get(token)
        .and_then(|id| world.user(id))
        .filter(|u| u.delete_at == 0)
        .map(|user| Caller::User(Box::new(user.clone())))
}

pub(super) fn caller_from_headers(
    ctx: &Ctx,
    world: &World,
    headers: &HeaderMap,
) -> Result<Caller, DemoError> {
    caller(ctx, world, headers)
}

fn caller(ctx: &Ctx, world: &World, headers: &HeaderMap) -> Result<Caller, DemoError> {
    if ctx.local {
        return Ok(Caller::Local);
    }
    let Some(token) = bearer(headers) else {
        return Ok(Caller::Anonymous);
    };
    caller_for_token(world, token).ok_or_else(DemoError::session_expired)
}

pub(super) fn logged_in(
    ctx: &Ctx,
    world: &World,
    headers: &HeaderMap,
) -> Result<Caller, DemoError> {
    match caller(ctx, world, headers)? {
        Caller::Anonymous => Err(DemoError::session_expired()),
        other => Ok(other),
    }
}

pub(super) fn admin(ctx: &Ctx, world: &World, headers: &HeaderMap) -> Result<Caller, DemoError> {
    let caller = logged_in(ctx, world, headers)?;
    if caller.is_admin() {
        Ok(caller)
    } else {
        Err(DemoError::forbidden())
    }
}

/// Routes the server does not register over the local-mode socket answer 404 there.
pub(super) fn remote_only(ctx: &Ctx) -> Result<(), DemoError> {
    if ctx.local {
        Err(DemoError::new(
            StatusCode::NOT_FOUND,
            "api.context.404.app_error",
            "Sorry, we could not find the page.",
        ))
    } else {
        Ok(())
    }
}

pub(super) fn read_world(ctx: &Ctx) -> std::sync::RwLockReadGuard<'_, World> {
    ctx.shared
        .world
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(super) fn write_world(ctx: &Ctx) -> std::sync::RwLockWriteGuard<'_, World> {
    ctx.shared
        .world
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(super) type Params = Query<HashMap<String, String>>;

/// `page` and `per_page` as the server reads them: per_page defaults to 60 and is capped at 200.
pub(super) fn paging(params: &HashMap<String, String>) -> Result<(usize, usize), DemoError> {
    let page = match params.get("page") {
        Some(p) => p
            .parse::<usize>()
            .map_err(|_| DemoError::bad_param("page"))?,
        None => 0,
    };
    let per_page = match params.get("per_page") {
        Some(p) => p
            .parse::<usize>()
            .map_err(|_| DemoError::bad_param("per_page"))?,
        None => 60,
    };
    Ok((page, per_page.min(200)))
}

fn page_of<T: Clone>(items: &[T], page: usize, per_page: usize) -> Vec<T> {
    items
        .iter()
        .skip(page.saturating_mul(per_page))
        .take(per_page)
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// System

async fn ping(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
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

async fn client_config(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
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
            "SchemaVersion": super::world::DEMO_SCHEMA_VERSION.to_string(),
        });
        if let (Value::Object(base), Value::Object(extra)) = (&mut body, extra) {
            base.extend(extra);
        }
    }
    json_reply(body)
}

async fn client_license(
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

async fn analytics(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
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
        .filter(|u| world.now_ms - u.last_activity_at < super::world::DAY_MS)
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

async fn cluster_status(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
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

async fn schema_version(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
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

// ---------------------------------------------------------------------------------------------
// Users

pub fn user_json(user: &DemoUser, show_email: bool) -> Value {
    let mut value = json!({
        "id": user.id,
        "create_at": user.create_at,
        "update_at": user.update_at,
        "delete_at": user.delete_at,
        "username": user.username,
        "auth_data": "",
        "auth_service": user.auth_service,
        "email": if show_email { user.email.as_str() } else { "" },
        "nickname": "",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "position": "",
        "roles": user.roles,
        "locale": "en",
        "timezone": {"automaticTimezone": "", "manualTimezone": "", "useAutomaticTimezone": "true"},
        "disable_welcome_email": false,
    });
    if user.is_bot {
        value["is_bot"] = json!(true);
    }
    if show_email {
        value["email_verified"] = json!(true);
        value["mfa_active"] = json!(user.mfa_code.is_some());
    }
    value
}

#[derive(serde::Deserialize)]
struct LoginBody {
    #[serde(default, alias = "id")]
    login_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: Option<String>,
}

async fn login(State(ctx): State<Ctx>, body: Bytes) -> Reply {
    remote_only(&ctx)?;
    let request: LoginBody = serde_json::from_slice(&body).map_err(|_| {
        DemoError::new(
            StatusCode::BAD_REQUEST,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing user in request body.",
        )
    })?;
    let invalid = || {
        DemoError::new(
            StatusCode::UNAUTHORIZED,
            "api.user.login.invalid_credentials_email_username",
            "Enter a valid email or username and/or password.",
        )
    };
    let user = {
        let world = read_world(&ctx);
        world
            .user_by_login(&request.login_id)
            .filter(|u| {
                u.delete_at == 0 && u.password.as_deref() == Some(request.password.as_str())
            })
            .cloned()
            .ok_or_else(invalid)?
    };
    if let Some(expected) = &user.mfa_code {
        match request.token.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(DemoError::new(
                    StatusCode::UNAUTHORIZED,
                    "mfa.validate_token.authenticate.app_error",
                    "Invalid MFA token.",
                ));
            }
            Some(code) if code != expected => {
                return Err(DemoError::new(
                    StatusCode::UNAUTHORIZED,
                    "mfa.validate_token.authenticate.app_error",
                    "Invalid MFA token.",
                ));
            }
            Some(_) => {}
        }
    }
    let token = ctx.shared.new_id();
    write_world(&ctx)
        .sessions
        .insert(token.clone(), user.id.clone());
    let mut response = axum::Json(user_json(&user, true)).into_response();
    if let Ok(value) = HeaderValue::from_str(&token) {
        response.headers_mut().insert("Token", value);
    }
    Ok(response)
}

async fn users_me(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    remote_only(&ctx)?;
    let world = read_world(&ctx);
    match logged_in(&ctx, &world, &headers)? {
        Caller::User(user) => json_reply(user_json(&user, true)),
        _ => Err(DemoError::session_expired()),
    }
}

async fn users_list(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let (page, per_page) = paging(&params)?;
    let in_team = params.get("in_team");
    let users: Vec<&DemoUser> = world
        .users
        .iter()
        .filter(|u| {
            in_team.is_none_or(|team| {
                world
                    .members
                    .iter()
                    .any(|m| &m.team_id == team && m.user_id == u.id)
            })
        })
        .collect();
    let show = caller.is_admin();
    json_reply(Value::Array(
        page_of(&users, page, per_page)
            .into_iter()
            .map(|u| user_json(u, show || caller.user_id() == Some(u.id.as_str())))
            .collect(),
    ))
}

async fn user_by_id(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let user = world
        .user(&user_id)
        .ok_or_else(|| DemoError::not_found("user"))?;
    json_reply(user_json(
        user,
        caller.is_admin() || caller.user_id() == Some(user.id.as_str()),
    ))
}

async fn user_by_email(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(email): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    if !caller.is_admin() {
        return Err(DemoError::forbidden());
    }
    let email = email.to_ascii_lowercase();
    let user = world
        .users
        .iter()
        .find(|u| u.email == email)
        .ok_or_else(|| DemoError::not_found("user"))?;
    json_reply(user_json(user, true))
}

// ---------------------------------------------------------------------------------------------
// Teams

fn team_json(team: &super::world::DemoTeam, manage: bool) -> Value {
    json!({
        "id": team.id,
        "create_at": team.create_at,
        "update_at": team.create_at,
        "delete_at": 0,
        "display_name": team.display_name,
        "name": team.name,
        "description": "",
        "email": if manage { team.email.as_str() } else { "" },
        "type": team.team_type,
        "company_name": "",
        "allowed_domains": team.allowed_domains,
        "invite_id": if manage { team.invite_id.as_str() } else { "" },
        "allow_open_invite": team.allow_open_invite,
        "scheme_id": "",
        "group_constrained": false,
        "policy_id": null,
        "cloud_limits_archived": false,
    })
}

async fn teams_list(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let (page, per_page) = paging(&params)?;
    let admin = caller.is_admin();
    let visible: Vec<&super::world::DemoTeam> = world
        .teams
        .iter()
        .filter(|t| admin || t.allow_open_invite)
        .collect();
    json_reply(Value::Array(
        page_of(&visible, page, per_page)
            .into_iter()
            .map(|t| team_json(t, admin))
            .collect(),
    ))
}

pub(super) fn team_visible(world: &World, caller: &Caller, team_id: &str) -> bool {
    caller.is_admin()
        || caller.user_id().is_some_and(|uid| {
            world
                .members
                .iter()
                .any(|m| m.team_id == team_id && m.user_id == uid)
        })
}

async fn team_by_id(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(team_id): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let team = world
        .team(&team_id)
        .ok_or_else(|| DemoError::not_found("team"))?;
    if !team_visible(&world, &caller, &team.id) && !team.allow_open_invite {
        return Err(DemoError::forbidden());
    }
    json_reply(team_json(team, caller.is_admin()))
}

async fn team_by_name(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let team = world
        .teams
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| DemoError::not_found("team"))?;
    if !team_visible(&world, &caller, &team.id) && !team.allow_open_invite {
        return Err(DemoError::not_found("team"));
    }
    json_reply(team_json(team, caller.is_admin()))
}

/// `POST /teams/{id}/invite/email`: a JSON array of addresses. With `graceful=true`, one
/// `{email, error}` per address; otherwise the first bad address fails the whole request.
async fn invite_by_email(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(team_id): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    if !caller.is_admin() {
        return Err(DemoError::new(
            StatusCode::FORBIDDEN,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        ));
    }
    let team = world
        .team(&team_id)
        .ok_or_else(|| DemoError::not_found("team"))?;
    let emails: Vec<String> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| match v {
            Value::Array(items) => Some(items),
            Value::Object(mut map) => match map.remove("emails") {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            },
            _ => None,
        })
        .map(|items| {
            items
                .into_iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_lowercase()))
                .collect()
        })
        .ok_or_else(|| DemoError::bad_param("user"))?;
    let allowed = |email: &str| {
        let Some((local, domain)) = email.split_once('@') else {
            return false;
        };
        let domains: Vec<&str> = team
            .allowed_domains
            .split([',', ' ', '@'])
            .filter(|d| !d.is_empty())
            .collect();
        !local.is_empty()
            && domain.contains('.')
            && (domains.is_empty() || domains.iter().any(|d| domain.eq_ignore_ascii_case(d)))
    };
    let invalid = || {
        json!({
            "id": "api.team.invite_members.invalid_email.app_error",
            "message": DOMAIN_REFUSED,
            "detailed_error": "",
            "request_id": "",
            "status_code": 400,
        })
    };
    // The server writes an audit record for every invite call; the demo's audit file gets it.
    let sent: Vec<String> = emails.iter().filter(|e| allowed(e)).cloned().collect();
    let refused: Vec<String> = emails
        .iter()
        .filter(|e| !allowed(e))
        .map(|e| format!("{e}:{DOMAIN_REFUSED}"))
        .collect();
    let call = InviteCall {
        team_id: team.id.clone(),
        sender_id: caller.user_id().unwrap_or_default().to_string(),
        local: ctx.local,
        guest: false,
        channel_ids: Vec::new(),
        sent,
        refused,
    };
    let sent_at = ctx.shared.now_ms();
    let line = super::audit::invite_record(sent_at, request_actor(&ctx, &call.sender_id), &call);
    append_audit(&ctx.shared.host_dir, &line);
    let accepted: Vec<bool> = emails.iter().map(|e| allowed(e)).collect();
    drop(world);
    record_invites(&ctx, call, sent_at);
    if params.get("graceful").map(String::as_str) == Some("true") {
        let results: Vec<Value> = emails
            .iter()
            .zip(&accepted)
            .map(|(email, ok)| {
                json!({
                    "email": email,
                    "error": if *ok { Value::Null } else { invalid() },
                })
            })
            .collect();
        return json_reply(Value::Array(results));
    }
    if accepted.contains(&false) {
        return Err(DemoError::new(
            StatusCode::BAD_REQUEST,
            "api.team.invite_members.invalid_email.app_error",
            "The following email addresses do not belong to an accepted domain.",
        ));
    }
    json_reply(json!({"status": "OK"}))
}

/// The audit actor of a request to the demo: mmops on this machine, or mmctl over the socket.
pub(super) fn request_actor(ctx: &Ctx, user_id: &str) -> Value {
    json!({
        "user_id": user_id,
        "session_id": "",
        "client": if ctx.local { "mmctl" } else { "mmops" },
        "ip_address": if ctx.local { "" } else { "127.0.0.1" },
        "x_forwarded_for": "",
    })
}

/// The sent addresses of an invite call become pending invitations, each with its token.
fn record_invites(ctx: &Ctx, call: InviteCall, sent_at: i64) {
    let tokens: Vec<String> = call.sent.iter().map(|_| ctx.shared.new_token()).collect();
    let mut world = write_world(ctx);
    for (email, token) in call.sent.into_iter().zip(tokens) {
        world.invites.push(DemoInvite {
            token,
            email,
            team_id: call.team_id.clone(),
            sender_id: call.sender_id.clone(),
            sent_at,
            channel_ids: call.channel_ids.clone(),
            guest: call.guest,
            outcome: InviteOutcome::Open,
        });
    }
}

/// Appends one record to the install's audit log. The demo's own bookkeeping: a failure is
/// logged, not answered.
pub(super) fn append_audit(host_dir: &std::path::Path, line: &str) {
    use std::io::Write;
    let path = host_dir.join("logs").join("audit.log");
    let result = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(err) = result {
        tracing::warn!("demo: cannot append to {}: {err}", path.display());
    }
}

async fn team_members(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(team_id): Path<String>,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    if world.team(&team_id).is_none() {
        return Err(DemoError::not_found("team"));
    }
    if !team_visible(&world, &caller, &team_id) {
        return Err(DemoError::forbidden());
    }
    let (page, per_page) = paging(&params)?;
    let members: Vec<&super::world::DemoMember> = world
        .members
        .iter()
        .filter(|m| m.team_id == team_id)
        .collect();
    json_reply(Value::Array(
        page_of(&members, page, per_page)
            .into_iter()
            .map(|m| {
                json!({
                    "team_id": m.team_id,
                    "user_id": m.user_id,
                    "roles": m.roles,
                    "delete_at": 0,
                    "scheme_guest": m.roles == "team_guest",
                    "scheme_user": m.roles != "team_guest",
                    "scheme_admin": m.roles.contains("team_admin"),
                    "explicit_roles": "",
                })
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Plugins

async fn plugins(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(plugins_json(&world))
}

/// `{"active": [...], "inactive": [...]}`: the manifests, as `GET /plugins` answers.
pub(super) fn plugins_json(world: &World) -> Value {
    let (active, inactive): (Vec<_>, Vec<_>) = world.plugins.iter().partition(|p| p.enabled);
    json!({
        "active": active.iter().map(|p| p.manifest.clone()).collect::<Vec<_>>(),
        "inactive": inactive.iter().map(|p| p.manifest.clone()).collect::<Vec<_>>(),
    })
}

async fn plugin_statuses(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    remote_only(&ctx)?;
    admin(&ctx, &read_world(&ctx), &headers)?;
    json_reply(plugin_statuses_json(&ctx))
}

/// Every plugin's state on every node, as `GET /plugins/statuses` and the
/// `plugin_statuses_changed` event give it.
fn plugin_statuses_json(ctx: &Ctx) -> Value {
    let world = read_world(ctx);
    let mut out = Vec::new();
    for plugin in &world.plugins {
        for (node, state) in world.nodes.iter().zip(&plugin.nodes) {
            out.push(json!({
                "plugin_id": plugin.id(),
                "cluster_id": node.id,
                "plugin_path": format!("/opt/mattermost/plugins/{}", plugin.id()),
                "state": state.state,
                "error": state.error,
                "name": plugin.name(),
                "description": plugin.manifest.get("description").cloned().unwrap_or(Value::Null),
                "version": state.version,
            }));
        }
    }
    Value::Array(out)
}

fn set_plugin_enabled(ctx: &Ctx, headers: &HeaderMap, plugin_id: &str, enabled: bool) -> Reply {
    let mut world = write_world(ctx);
    admin(ctx, &world, headers)?;
    let plugin = world
        .plugins
        .iter_mut()
        .find(|p| p.id() == plugin_id)
        .ok_or_else(|| DemoError::not_found("plugin"))?;
    plugin.enabled = enabled;
    for node in &mut plugin.nodes {
        node.state = if enabled {
            super::plugins::RUNNING
        } else {
            super::plugins::NOT_RUNNING
        };
        node.error.clear();
    }
    let manifest = json!({"id": plugin_id, "version": plugin.version()});
    if let Some(state) = world
        .config
        .pointer_mut(&format!("/PluginSettings/PluginStates/{plugin_id}"))
    {
        *state = json!({"Enable": enabled});
    }
    drop(world);
    let name = if enabled {
        "plugin_enabled"
    } else {
        "plugin_disabled"
    };
    ctx.shared
        .broadcast(super::websocket::event(name, json!({"manifest": manifest})));
    ctx.shared.broadcast(super::websocket::event(
        "plugin_statuses_changed",
        json!({"plugin_statuses": plugin_statuses_json(ctx)}),
    ));
    json_reply(json!({"status": "OK"}))
}

async fn plugin_enable(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(plugin_id): Path<String>,
) -> Reply {
    set_plugin_enabled(&ctx, &headers, &plugin_id, true)
}

async fn plugin_disable(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(plugin_id): Path<String>,
) -> Reply {
    set_plugin_enabled(&ctx, &headers, &plugin_id, false)
}

// ---------------------------------------------------------------------------------------------
// Config and logs

async fn config(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    // Newer servers hand out the raw config over the local socket.
    let body = if ctx.local {
        world.config.clone()
    } else {
        server_sanitized(&world.config, &world.plugins)
    };
    let body = if params.get("remove_defaults").map(String::as_str) == Some("true") {
        super::config::without_defaults(&body)
    } else {
        body
    };
    json_reply(body)
}

async fn config_environment(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(environment_overrides())
}

const CLUSTER_SEPARATOR: &str = "-----------------------------------------------------------------------------------------------------------";

async fn logs(State(ctx): State<Ctx>, headers: HeaderMap, Query(params): Params) -> Reply {
    let (node_names, log_path, other_lines) = {
        let world = read_world(&ctx);
        admin(&ctx, &world, &headers)?;
        let names: Vec<String> = world.nodes.iter().map(|n| n.hostname.clone()).collect();
        let other = ctx
            .shared
            .other_node_log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        (names, ctx.shared.log_path(), other)
    };
    let page = params
        .get("page")
        .map(|p| p.parse::<usize>().map_err(|_| DemoError::bad_param("page")))
        .transpose()?
        .unwrap_or(0);
    let per_page = params
        .get("logs_per_page")
        .map(|p| {
            p.parse::<usize>()
                .map_err(|_| DemoError::bad_param("logs_per_page"))
        })
        .transpose()?
        .unwrap_or(10_000)
        .min(10_000);
    let skip = page.saturating_mul(per_page);
    let lines = blocking_io(
        move || tail_lines(&log_path, skip, per_page),
        "api.admin.file_read_error",
        "Error reading log file.",
    )
    .await?;
    let mut out: Vec<String> = Vec::new();
    let push_block = |host: &str, lines: &[String], out: &mut Vec<String>| {
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.push(format!("\n{host}"));
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.extend(lines.iter().map(|l| format!("\n{l}")));
    };
    if let Some(local) = node_names.first() {
        push_block(local, &lines, &mut out);
    }
    if let Some(other) = node_names.get(1) {
        let end = other_lines.len().saturating_sub(skip);
        let start = end.saturating_sub(per_page);
        push_block(other, &other_lines[start..end], &mut out);
    }
    // The very first string carries no leading newline, as on the real server.
    if let Some(first) = out.first_mut()
        && let Some(stripped) = first.strip_prefix('\n')
    {
        *first = stripped.to_string();
    }
    json_reply(Value::Array(out.into_iter().map(Value::String).collect()))
}

// ---------------------------------------------------------------------------------------------
// Demo control and fallbacks

async fn set_faults(State(ctx): State<Ctx>, headers: HeaderMap, body: String) -> Reply {
    {
        let world = read_world(&ctx);
        admin(&ctx, &world, &headers)?;
    }
    let set = FaultSet::parse(&body)
        .map_err(|e| DemoError::new(StatusCode::BAD_REQUEST, "demo.faults.invalid", &e))?;
    ctx.shared.set_faults(set);
    json_reply(json!({"status": "OK"}))
}

async fn not_found() -> Response {
    DemoError::new(
        StatusCode::NOT_FOUND,
        "api.context.404.app_error",
        "Sorry, we could not find the page.",
    )
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// Middleware: headers, request ids, faults

async fn wrap(State(ctx): State<Ctx>, request: Request, next: Next) -> Response {
    let request_id = ctx.shared.new_id();
    let path = request.uri().path().to_string();
    let rest_semantics = request
        .uri()
        .query()
        .is_some_and(|q| q.contains("use_rest_semantics=true"));
    ctx.shared.record_request(format!(
        "{} {}",
        request.method(),
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or(&path)
    ));
    let is_get = request.method() == axum::http::Method::GET;
    let faults = ctx.shared.faults();
    let active: Vec<Fault> = if path.starts_with("/__demo/") {
        Vec::new()
    } else {
        faults.matching(&path).flat_map(rule_faults).collect()
    };

    for fault in &active {
        if let Fault::Latency(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }
    let early = active
        .iter()
        .find_map(|f| early_response(f, &path, rest_semantics));
    let mut response = match early {
        Some(EarlyOutcome::Respond(response)) => response,
        Some(EarlyOutcome::Hang) => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            DemoError::new(StatusCode::GATEWAY_TIMEOUT, "demo.timeout", "gave up").into_response()
        }
        None => next.run(request).await,
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        response = with_request_id(response, &request_id).await;
    }
    for fault in &active {
        response = late_fault(fault, response).await;
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("X-Request-Id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&ctx.shared.version_header()) {
        headers.insert("X-Version-Id", value);
    }
    if is_get {
        headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
    }
    response
}

/// The faults of a rule that apply to this request (`401after:N` only once N requests passed).
fn rule_faults(rule: &super::faults::FaultRule) -> Vec<Fault> {
    let seen = rule.hit();
    let exhausted = rule
        .faults
        .iter()
        .any(|f| matches!(f, Fault::Times(n) if seen >= *n));
    if exhausted {
        return Vec::new();
    }
    rule.faults
        .iter()
        .filter(|f| match f {
            Fault::ExpireAfter(n) => seen >= *n,
            _ => true,
        })
        .cloned()
        .collect()
}

enum EarlyOutcome {
    Respond(Response),
    Hang,
}

/// `rest_semantics`: the request asked for `use_rest_semantics=true` (an unhealthy ping then
/// answers 200).
fn early_response(fault: &Fault, path: &str, rest_semantics: bool) -> Option<EarlyOutcome> {
    let respond = |r: Response| Some(EarlyOutcome::Respond(r));
    match fault {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (id, message) = match code {
                401 => (
                    "api.context.session_expired.app_error",
                    "Invalid or expired session, please login again.",
                ),
                403 => (
                    "api.context.permissions.app_error",
                    "You do not have the appropriate permissions.",
                ),
                _ => (
                    "app.demo.injected_fault.app_error",
                    "We encountered an error.",
                ),
            };
            respond(DemoError::new(status, id, message).into_response())
        }
        Fault::ExpireAfter(_) => respond(DemoError::session_expired().into_response()),
        // These two imitate one route each; elsewhere they do nothing.
        Fault::FileLoggingOff if path == "/api/v4/logs" => {
            respond(axum::Json(json!([""])).into_response())
        }
        Fault::Unlicensed if path == "/api/v4/license/client" => {
            respond(axum::Json(json!({"IsLicensed": "false"})).into_response())
        }
        Fault::Unlicensed if path == "/api/v4/system/support_packet" => respond(
            DemoError::new(
                StatusCode::FORBIDDEN,
                "api.no_license",
                "A license is required for this feature.",
            )
            .into_response(),
        ),
        Fault::Unhealthy if path == "/api/v4/system/ping" => respond(
            (
                if rest_semantics {
                    StatusCode::OK
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                },
                axum::Json(json!({
                    "ActiveSearchBackend": "database",
                    "AndroidLatestVersion": "",
                    "AndroidMinVersion": "",
                    "IosLatestVersion": "",
                    "IosMinVersion": "",
                    "status": "UNHEALTHY",
                    "database_status": "UNHEALTHY",
                    "filestore_status": "OK",
                })),
            )
                .into_response(),
        ),
        Fault::Html(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            respond((status, [(header::CONTENT_TYPE, "text/html")], page).into_response())
        }
        Fault::RateLimit(secs) => respond(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (
                        header::CONTENT_TYPE,
                        "text/plain; charset=utf-8".to_string(),
                    ),
                    (header::RETRY_AFTER, secs.to_string()),
                    (
                        header::HeaderName::from_static("x-ratelimit-reset"),
                        secs.to_string(),
                    ),
                ],
                "limit exceeded\n",
            )
                .into_response(),
        ),
        Fault::Timeout => Some(EarlyOutcome::Hang),
        Fault::Malformed => respond(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"id\": \"x\", \"broken\": [1, 2,, NaN]}",
            )
                .into_response(),
        ),
        Fault::Huge(mb) => {
            let size = mb.saturating_mul(1024 * 1024);
            // One fill (a memset even in debug builds), then the JSON around it.
            let mut body = vec![b'x'; size.max(4)];
            body[..2].copy_from_slice(b"[\"");
            let end = body.len();
            body[end - 2..].copy_from_slice(b"\"]");
            respond(([(header::CONTENT_TYPE, "application/json")], body).into_response())
        }
        Fault::Reset => {
            let stream = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                ))
            });
            respond(
                Response::builder()
                    .status(StatusCode::OK)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from_stream(stream))
                    .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
            )
        }
        _ => None,
    }
}

async fn late_fault(fault: &Fault, response: Response) -> Response {
    match fault {
        Fault::Truncated => {
            let (parts, body) = response.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            let mut parts = parts;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
        Fault::ContentType(kind) => {
            let mut response = response;
            if let Ok(value) = HeaderValue::from_str(kind) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
        Fault::Stall => {
            use futures::StreamExt as _;
            let (mut parts, body) = response.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let half = bytes.slice(..bytes.len() / 2);
            let first = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(half) });
            let silence = futures::stream::once(async {
                tokio::time::sleep(Duration::from_secs(120)).await;
                Ok::<Bytes, std::io::Error>(Bytes::new())
            });
            Response::from_parts(parts, Body::from_stream(first.chain(silence)))
        }
        Fault::Drip(interval) => {
            let (mut parts, body) = response.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let interval = *interval;
            let stream = futures::stream::unfold((bytes, 0usize), move |(bytes, pos)| async move {
                if pos >= bytes.len() {
                    return None;
                }
                tokio::time::sleep(interval).await;
                let chunk = bytes.slice(pos..pos + 1);
                Some((Ok::<Bytes, std::io::Error>(chunk), (bytes, pos + 1)))
            });
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => response,
    }
}

/// Puts the request id into a JSON error body, as the server does.
async fn with_request_id(response: Response, request_id: &str) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, 1024 * 1024).await.unwrap_or_default();
    let patched = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) if value.get("request_id").is_some() => {
            value["request_id"] = json!(request_id);
            Bytes::from(value.to_string())
        }
        _ => bytes,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(patched))
}
