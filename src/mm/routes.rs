//! Every route of the Mattermost REST API that mmops calls, with the permission the server
//! checks (named in "permission denied" messages) and whether local mode serves it. Code
//! outside `mm/` names a route through these functions, never by its path.

use super::api::permission;
use super::client::{Endpoint, path_segment};

pub fn ping() -> Endpoint {
    Endpoint::get("/api/v4/system/ping")
}

pub fn client_config() -> Endpoint {
    Endpoint::get("/api/v4/config/client")
}

pub fn client_license() -> Endpoint {
    Endpoint::get("/api/v4/license/client")
}

pub fn analytics() -> Endpoint {
    Endpoint::get("/api/v4/analytics/old")
        .needs(permission::GET_ANALYTICS)
        .not_local()
}

pub fn cluster_status() -> Endpoint {
    Endpoint::get("/api/v4/cluster/status")
        .needs(permission::READ_HIGH_AVAILABILITY)
        .not_local()
}

pub fn schema_version() -> Endpoint {
    Endpoint::get("/api/v4/system/schema/version").needs(permission::ANY_SYSCONSOLE_READ)
}

pub fn logs() -> Endpoint {
    Endpoint::get("/api/v4/logs").needs(permission::GET_LOGS)
}

pub fn config() -> Endpoint {
    Endpoint::get("/api/v4/config").needs(permission::ANY_SYSCONSOLE_READ)
}

/// Changes only the settings the body names (local mode serves it too).
pub fn config_patch() -> Endpoint {
    Endpoint::put("/api/v4/config/patch").needs(permission::MANAGE_SYSTEM)
}

/// The settings set by environment variables.
pub fn config_environment() -> Endpoint {
    Endpoint::get("/api/v4/config/environment").needs(permission::MANAGE_SYSTEM)
}

pub fn plugins() -> Endpoint {
    Endpoint::get("/api/v4/plugins").needs(permission::READ_PLUGINS)
}

pub fn plugin_statuses() -> Endpoint {
    Endpoint::get("/api/v4/plugins/statuses")
        .needs(permission::READ_PLUGINS)
        .not_local()
}

/// `POST /plugins/{id}/enable` or `/disable`.
pub fn plugin_toggle(id: &str, enable: bool) -> Endpoint {
    let verb = if enable { "enable" } else { "disable" };
    Endpoint::post(format!("/api/v4/plugins/{}/{verb}", path_segment(id)))
        .needs("sysconsole_write_plugins")
}

/// Recent background jobs of every kind the token may read (`manage_jobs`, or the read
/// permission of each job kind's System Console page).
pub fn jobs() -> Endpoint {
    Endpoint::get("/api/v4/jobs").needs("manage_jobs")
}

/// Every role with its permissions.
pub fn roles() -> Endpoint {
    Endpoint::get("/api/v4/roles").needs(permission::MANAGE_SYSTEM)
}

/// The permission schemes (system console: user management, permissions).
pub fn schemes() -> Endpoint {
    Endpoint::get("/api/v4/schemes").needs(permission::MANAGE_SYSTEM)
}

pub fn me() -> Endpoint {
    Endpoint::get("/api/v4/users/me").not_local()
}

pub fn login() -> Endpoint {
    Endpoint::post("/api/v4/users/login").not_local()
}

pub fn websocket() -> Endpoint {
    Endpoint::get("/api/v4/websocket").not_local()
}

pub fn support_packet() -> Endpoint {
    Endpoint::get("/api/v4/system/support_packet").needs(permission::MANAGE_SYSTEM)
}

pub fn teams() -> Endpoint {
    Endpoint::get("/api/v4/teams")
}

pub fn users() -> Endpoint {
    Endpoint::get("/api/v4/users")
}

/// One team, by name (as in its URL).
pub fn team_by_name(name: &str) -> Endpoint {
    Endpoint::get(format!("/api/v4/teams/name/{}", path_segment(name)))
}

pub fn team_members(team_id: &str) -> Endpoint {
    Endpoint::get(format!("/api/v4/teams/{}/members", path_segment(team_id))).needs("view_team")
}

/// `GET /teams/{team_id}/channels/name/{name}`. For a public channel the server checks
/// `read_public_channel` on the team (or `read_channel` on the channel) and refuses with the
/// first; a private channel the token may not read is answered as not found (api4/channel.go
/// getChannelByName).
pub fn channel_by_name(team_id: &str, name: &str) -> Endpoint {
    Endpoint::get(format!(
        "/api/v4/teams/{}/channels/name/{}",
        path_segment(team_id),
        path_segment(name)
    ))
    .needs("read_public_channel")
}

pub fn channel_posts(channel_id: &str) -> Endpoint {
    Endpoint::get(format!(
        "/api/v4/channels/{}/posts",
        path_segment(channel_id)
    ))
}

pub fn invite_by_email(team_id: &str) -> Endpoint {
    Endpoint::post(format!(
        "/api/v4/teams/{}/invite/email",
        path_segment(team_id)
    ))
    .needs("invite_user")
}

/// Invalidates every pending email invite.
pub fn invalidate_email_invites() -> Endpoint {
    Endpoint::delete("/api/v4/teams/invites/email").needs("invalidate_email_invite")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_escaped_in_paths() {
        assert_eq!(
            plugin_toggle("com.mattermost.calls", true).path,
            "/api/v4/plugins/com.mattermost.calls/enable"
        );
        assert_eq!(
            plugin_toggle("../x y", false).path,
            "/api/v4/plugins/..%2Fx%20y/disable"
        );
        assert_eq!(
            channel_by_name("t/1", "town square").path,
            "/api/v4/teams/t%2F1/channels/name/town%20square"
        );
    }
}
