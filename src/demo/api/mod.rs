//! The demo server's HTTP API: the routes mmops uses, with the server's auth rules, error
//! bodies, pagination limits and headers.

mod auth;
mod logs;
mod middleware;
mod plugins;
mod reply;
mod system;
mod teams;
mod users;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde_json::json;

pub use self::auth::Caller;
pub(super) use self::auth::{admin, caller_for_token, caller_from_headers, logged_in, remote_only};
pub(super) use self::plugins::plugins_json;
pub use self::reply::DemoError;
pub(super) use self::reply::{Reply, blocking_io, json_reply};
pub(super) use self::teams::team_visible;
pub use self::users::user_json;
use super::Shared;
use super::faults::FaultSet;
use super::world::World;

/// Per-listener context: the shared server, and whether this listener is the local socket.
#[derive(Clone)]
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub local: bool,
}

pub fn router(shared: Arc<Shared>, local: bool) -> Router {
    let ctx = Ctx { shared, local };
    Router::new()
        .route("/api/v4/system/ping", get(system::ping))
        .route("/api/v4/config/client", get(system::client_config))
        .route("/api/v4/license/client", get(system::client_license))
        .route("/api/v4/analytics/old", get(system::analytics))
        .route("/api/v4/cluster/status", get(system::cluster_status))
        .route("/api/v4/system/schema/version", get(system::schema_version))
        .route("/api/v4/users/login", post(users::login))
        .route("/api/v4/users/me", get(users::users_me))
        .route("/api/v4/users", get(users::users_list))
        .route("/api/v4/users/{user_id}", get(users::user_by_id))
        .route("/api/v4/users/email/{email}", get(users::user_by_email))
        .route("/api/v4/teams", get(teams::teams_list))
        .route("/api/v4/teams/{team_id}", get(teams::team_by_id))
        .route("/api/v4/teams/{team_id}/members", get(teams::team_members))
        .route("/api/v4/teams/name/{name}", get(teams::team_by_name))
        .route(
            "/api/v4/teams/{team_id}/invite/email",
            post(super::invites::invite_by_email),
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
        .route("/api/v4/plugins", get(plugins::plugins))
        .route("/api/v4/plugins/statuses", get(plugins::plugin_statuses))
        .route(
            "/api/v4/plugins/{plugin_id}/enable",
            post(plugins::plugin_enable),
        )
        .route(
            "/api/v4/plugins/{plugin_id}/disable",
            post(plugins::plugin_disable),
        )
        .route("/api/v4/websocket", get(super::websocket::upgrade))
        .route("/api/v4/config", get(system::config))
        .route("/api/v4/config/patch", put(system::config_patch))
        .route("/api/v4/jobs", get(system::jobs))
        .route("/api/v4/roles", get(system::roles))
        .route("/api/v4/schemes", get(system::schemes))
        .route(
            "/api/v4/config/environment",
            get(system::config_environment),
        )
        .route("/api/v4/logs", get(logs::logs))
        .route(
            "/api/v4/system/support_packet",
            get(super::support_packet::generate),
        )
        .route("/__demo/faults", put(set_faults))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            middleware::wrap,
        ))
        .with_state(ctx)
}

// ---------------------------------------------------------------------------------------------
// What every route reads: the world, the query parameters, a page of a list

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
