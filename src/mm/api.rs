//! Typed calls for the endpoints mmops uses, each with the permission the server checks.

use reqwest::StatusCode;

use super::client::{MmClient, retry_after};
use super::error::ApiError;
use super::models::system::{
    AnalyticsRow, AppliedMigration, ClientConfig, ClientLicense, ClusterNode, Ping, SiteStats,
};
use super::models::users::{LoginRequest, User};
use super::routes;
use super::version::ServerVersion;
use crate::secret::Secret;

/// Permission names as the server calls them, for "permission denied" messages.
pub mod permission {
    pub const GET_ANALYTICS: &str = "get_analytics";
    pub const READ_HIGH_AVAILABILITY: &str = "sysconsole_read_environment_high_availability";
    pub const ANY_SYSCONSOLE_READ: &str = "sysconsole_read_*";
    pub const MANAGE_SYSTEM: &str = "manage_system";
    pub const GET_LOGS: &str = "get_logs";
    pub const READ_PLUGINS: &str = "sysconsole_read_plugins";
}

impl MmClient {
    /// Pings the server. With `with_status`, the database and file store are checked too. An
    /// unhealthy server answers 500 with the same body; that is returned as a ping, not an error.
    pub async fn ping(&self, with_status: bool) -> Result<Ping, ApiError> {
        let endpoint = routes::ping();
        let mut query = Vec::new();
        if with_status {
            query.push(("get_server_status", "true".to_string()));
        }
        // From 9.6 the server can answer an unhealthy ping with 200 instead of 500, which
        // proxies and monitors in between do not mistake for an outage.
        if self.version().is_some_and(|v| v.supports_rest_semantics()) {
            query.push(("use_rest_semantics", "true".to_string()));
        }
        let raw = self
            .execute(&endpoint, &query, None::<&()>, |s| {
                s.is_success() || s == StatusCode::INTERNAL_SERVER_ERROR
            })
            .await?;
        match serde_json::from_slice::<Ping>(&raw.body) {
            Ok(ping) if !ping.status.is_empty() => Ok(ping),
            _ if raw.status.is_success() => Err(ApiError::Decode {
                endpoint: endpoint.label(),
                detail: "the ping answer has no status".to_string(),
            }),
            _ => Err(ApiError::from_response(
                &endpoint.label(),
                None,
                raw.status,
                retry_after(&raw.headers),
                &raw.body,
                self.has_token(),
                self.is_local(),
            )),
        }
    }

    /// The client config (build, site, feature flags). Also records the server version.
    pub async fn client_config(&self) -> Result<ClientConfig, ApiError> {
        let config: ClientConfig = self
            .get_json(&routes::client_config(), &[("format", "old".to_string())])
            .await?;
        if let Some(version) = config.version().and_then(ServerVersion::parse) {
            self.note_version(version);
        }
        Ok(config)
    }

    pub async fn client_license(&self) -> Result<ClientLicense, ApiError> {
        self.get_json(&routes::client_license(), &[("format", "old".to_string())])
            .await
    }

    pub async fn site_stats(&self) -> Result<SiteStats, ApiError> {
        let rows: Vec<AnalyticsRow> = self
            .get_json(&routes::analytics(), &[("name", "standard".to_string())])
            .await?;
        Ok(SiteStats::from_rows(&rows))
    }

    /// Cluster nodes; empty when clustering is off or unlicensed.
    pub async fn cluster_status(&self) -> Result<Vec<ClusterNode>, ApiError> {
        self.get_json(&routes::cluster_status(), &[]).await
    }

    pub async fn schema_migrations(&self) -> Result<Vec<AppliedMigration>, ApiError> {
        self.get_json(&routes::schema_version(), &[]).await
    }

    /// One page of `mattermost.log` as the server sends it (`page` 0 is the newest lines, oldest
    /// first within the page). An answer of `[""]` means file logging is off.
    pub async fn log_page(&self, page: u32, per_page: u32) -> Result<Vec<String>, ApiError> {
        let endpoint = routes::logs();
        let lines: Vec<String> = self
            .get_json(
                &endpoint,
                &[
                    ("page", page.to_string()),
                    ("logs_per_page", per_page.min(10_000).to_string()),
                ],
            )
            .await?;
        if lines.len() == 1 && lines[0].trim().is_empty() {
            return Err(ApiError::FileLoggingOff {
                endpoint: endpoint.label(),
            });
        }
        Ok(lines)
    }

    /// The server's config as JSON. Over HTTP the server has masked its secrets (and zeroed
    /// what the token may not read); over the local socket newer servers send it unmasked.
    /// Either way it must go through [`crate::sanitize`] before it is shown or written.
    pub async fn full_config(&self) -> Result<serde_json::Value, ApiError> {
        self.get_json(&routes::config(), &[]).await
    }

    /// Changes the settings `patch` names and nothing else (`PUT /config/patch`); answers the
    /// config as it is after, which must be sanitized like [`Self::full_config`]'s.
    pub async fn patch_config(
        &self,
        patch: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        self.send_json(&routes::config_patch(), &[], patch).await
    }

    /// The settings set by environment variables: `{"LogSettings": {"FileLevel": true}}`.
    pub async fn config_environment(&self) -> Result<serde_json::Value, ApiError> {
        self.get_json(&routes::config_environment(), &[]).await
    }

    /// The installed plugins' manifests as the server sends them: `{"active": [...],
    /// "inactive": [...]}`.
    pub async fn plugins(&self) -> Result<serde_json::Value, ApiError> {
        self.get_json(&routes::plugins(), &[]).await
    }

    /// The newest `per_page` background jobs, newest first, as JSON objects.
    pub async fn jobs(&self, per_page: u32) -> Result<Vec<serde_json::Value>, ApiError> {
        self.get_json(
            &routes::jobs(),
            &[
                ("page", "0".to_string()),
                ("per_page", per_page.min(200).to_string()),
            ],
        )
        .await
    }

    /// Every role and every permission scheme (the first 200), for `permissions.yaml`.
    pub async fn roles_and_schemes(&self) -> Result<serde_json::Value, ApiError> {
        let (roles_route, schemes_route) = (routes::roles(), routes::schemes());
        let page = [("page", "0".to_string()), ("per_page", "200".to_string())];
        let (roles, schemes) = tokio::join!(
            self.get_json::<serde_json::Value>(&roles_route, &[]),
            self.get_json::<serde_json::Value>(&schemes_route, &page),
        );
        Ok(serde_json::json!({"roles": roles?, "schemes": schemes?}))
    }

    /// The user the token belongs to. There is no such user in local mode.
    pub async fn me(&self) -> Result<User, ApiError> {
        self.get_json(&routes::me(), &[]).await
    }

    /// Logs in with a username (or email) and password, and the MFA code when the account
    /// needs one. Returns the user and the session token from the `Token` header.
    pub async fn login(
        &self,
        login_id: &str,
        password: &Secret,
        mfa_code: Option<&str>,
    ) -> Result<(User, Secret), ApiError> {
        let endpoint = routes::login();
        let body = LoginRequest {
            login_id,
            password: password.expose(),
            token: mfa_code,
        };
        let raw = self
            .execute(&endpoint, &[], Some(&body), |s| s.is_success())
            .await
            .map_err(|err| match err {
                ApiError::SessionExpired { endpoint } | ApiError::NotLoggedIn { endpoint } => {
                    ApiError::Server {
                        endpoint,
                        status: 401,
                        id: "api.user.login.invalid_credentials".to_string(),
                        message: "wrong username or password".to_string(),
                        request_id: None,
                    }
                }
                other => other,
            })?;
        let token = raw
            .headers
            .get("Token")
            .and_then(|v| v.to_str().ok())
            .map(Secret::new)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Decode {
                endpoint: endpoint.label(),
                detail: "the login answer carries no Token header".to_string(),
            })?;
        let user = serde_json::from_slice(&raw.body).map_err(|e| ApiError::Decode {
            endpoint: endpoint.label(),
            detail: crate::text::one_line(&e.to_string(), 200),
        })?;
        Ok((user, token))
    }
}
