//! Errors from the Mattermost API, turned into messages an admin can act on.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::text::one_line;

/// The server's error body (`model.AppError`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppError {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub detailed_error: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub status_code: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error(
        "{endpoint}: the session expired or the token is no longer valid (HTTP 401); log in again with `mmops login` or give a new token"
    )]
    SessionExpired { endpoint: String },

    #[error(
        "{endpoint}: not logged in (HTTP 401); give a token with --token-file or MMOPS_TOKEN, or run `mmops login`"
    )]
    NotLoggedIn { endpoint: String },

    #[error("{endpoint}: permission denied{}", permission_suffix(.permission))]
    Forbidden {
        endpoint: String,
        permission: Option<String>,
        message: String,
    },

    #[error(
        "{endpoint}: the server requires multi-factor authentication for this account; set up MFA in Mattermost, then log in again"
    )]
    MfaRequired { endpoint: String },

    #[error("{endpoint}: this account uses multi-factor authentication: give the current MFA code")]
    MfaCodeNeeded { endpoint: String },

    #[error("{endpoint}: needs a Mattermost licence, and this server has none")]
    NoLicense { endpoint: String },

    #[error("{endpoint}: not served over the local-mode socket")]
    NotInLocalMode { endpoint: String },

    #[error("{endpoint}: turned off on the server: {message}")]
    Disabled { endpoint: String, message: String },

    #[error(
        "{endpoint}: file logging is off on the server (LogSettings.EnableFile is false), so it has no log to send"
    )]
    FileLoggingOff { endpoint: String },

    #[error("{endpoint}: rate limited by the server (HTTP 429){}", retry_suffix(.retry_after))]
    RateLimited {
        endpoint: String,
        retry_after: Option<Duration>,
    },

    #[error("{endpoint}: the server answered HTTP {status}: {message}{}", request_suffix(.request_id))]
    Server {
        endpoint: String,
        status: u16,
        id: String,
        message: String,
        request_id: Option<String>,
    },

    #[error(
        "{endpoint}: HTTP {status} {reason} with a non-JSON body (\"{snippet}\"); a proxy in front of the server may be failing"
    )]
    Http {
        endpoint: String,
        status: u16,
        reason: String,
        snippet: String,
    },

    #[error("{endpoint}: no answer within {}s", .after.as_secs())]
    Timeout { endpoint: String, after: Duration },

    #[error(
        "{endpoint}: the answer began but did not finish within {}s (a very slow link)",
        .after.as_secs()
    )]
    SlowBody { endpoint: String, after: Duration },

    #[error(
        "{endpoint}: the answer began, then nothing came for {}s (a stalled link)",
        .idle.as_secs()
    )]
    StalledBody { endpoint: String, idle: Duration },

    #[error("{endpoint}: cannot connect: {detail}")]
    Connect { endpoint: String, detail: String },

    #[error(
        "{endpoint}: the TLS certificate did not verify: {detail}; fix the certificate or its chain, or pass --insecure to accept it knowingly"
    )]
    Tls { endpoint: String, detail: String },

    #[error(
        "{endpoint}: the server does not speak TLS on this port; if it serves plain HTTP, use an http:// URL"
    )]
    NotTls { endpoint: String },

    #[error("{endpoint}: the connection broke before the answer was complete: {detail}")]
    Interrupted { endpoint: String, detail: String },

    #[error(
        "{endpoint}: HTTP {status} {reason} with a JSON body that is not a Mattermost error (\"{snippet}\")"
    )]
    UnexpectedJson {
        endpoint: String,
        status: u16,
        reason: String,
        snippet: String,
    },

    #[error("the local-mode socket {path} does not exist: local mode is off (set ServiceSettings.EnableLocalMode to true), or the socket lives elsewhere (ServiceSettings.LocalModeSocketLocation){}", private_tmp_hint(.path))]
    SocketMissing { path: String },

    #[error(
        "{path} is not a socket: give the path of the server's local-mode socket (ServiceSettings.LocalModeSocketLocation)"
    )]
    NotASocket { path: String },

    #[error(
        "nothing answers on the local-mode socket {path}: the server is stopped, or this is a socket file left behind by an old server"
    )]
    SocketRefused { path: String },

    #[error(
        "permission denied on the local-mode socket {path}: run mmops as the server's user (e.g. sudo -u mattermost mmops --local)"
    )]
    SocketPermission { path: String },

    #[error("{endpoint}: unexpected response: {detail}")]
    Decode { endpoint: String, detail: String },

    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),

    /// A problem found in what the server answered, or in a job that went wrong, in words.
    #[error("{0}")]
    Other(String),
}

/// systemd's PrivateTmp gives a service its own /tmp and /var/tmp: a socket there is invisible
/// from a login shell.
fn private_tmp_hint(path: &str) -> &'static str {
    if path.starts_with("/var/tmp/") || path.starts_with("/tmp/") {
        "; or systemd's PrivateTmp hides the server's temporary directory from this shell"
    } else {
        ""
    }
}

fn permission_suffix(permission: &Option<String>) -> String {
    match permission {
        Some(p) => format!(": {}", lacks_permission(p)),
        None => String::new(),
    }
}

/// What a refused token lacks, in words. A name ending in `*` is a family of permissions of
/// which the server accepts any one (e.g. `sysconsole_read_*` for `GET /config`): no single
/// permission has that name, so it is not worded as one.
pub fn lacks_permission(permission: &str) -> String {
    if permission.ends_with('*') {
        format!("the token has none of the {permission} permissions (any one would do)")
    } else {
        format!("the token lacks the '{permission}' permission")
    }
}

fn retry_suffix(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!("; retry in {}s", d.as_secs().max(1)),
        None => String::new(),
    }
}

fn request_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) if !id.is_empty() => format!(" (request id {id})"),
        _ => String::new(),
    }
}

impl ApiError {
    /// Worth retrying an idempotent request after a pause.
    pub fn is_transient(&self) -> bool {
        match self {
            // A timeout already waited long: retrying it would multiply the wait.
            ApiError::Connect { .. }
            | ApiError::Interrupted { .. }
            | ApiError::RateLimited { .. } => true,
            ApiError::Server { status, .. } | ApiError::Http { status, .. } => {
                matches!(status, 502..=504)
            }
            _ => false,
        }
    }

    /// The user must log in again: retrying will not help.
    pub fn needs_login(&self) -> bool {
        matches!(
            self,
            ApiError::SessionExpired { .. }
                | ApiError::NotLoggedIn { .. }
                | ApiError::MfaRequired { .. }
                | ApiError::MfaCodeNeeded { .. }
        )
    }

    pub fn missing_permission(&self) -> Option<&str> {
        match self {
            ApiError::Forbidden { permission, .. } => permission.as_deref(),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The server could not be reached at all (as opposed to answering with an error).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ApiError::Connect { .. }
                | ApiError::Timeout { .. }
                | ApiError::Tls { .. }
                | ApiError::SocketMissing { .. }
                | ApiError::NotASocket { .. }
                | ApiError::SocketRefused { .. }
                | ApiError::NotTls { .. }
                | ApiError::SocketPermission { .. }
        )
    }

    /// Classifies a non-success response from its status, headers and body.
    pub fn from_response(
        endpoint: &str,
        permission: Option<&str>,
        status: StatusCode,
        retry_after: Option<Duration>,
        body: &[u8],
        had_token: bool,
        local_mode: bool,
    ) -> Self {
        let endpoint = endpoint.to_string();
        let app_error = serde_json::from_slice::<AppError>(body)
            .ok()
            .filter(|e| !e.id.is_empty() || !e.message.is_empty());
        let id = app_error
            .as_ref()
            .map(|e| one_line(&e.id, 80))
            .unwrap_or_default();
        let id = id.as_str();
        let message = app_error
            .as_ref()
            .map(|e| one_line(&e.message, 200))
            .unwrap_or_default();

        match status.as_u16() {
            401 if id.contains("mfa") => ApiError::MfaCodeNeeded { endpoint },
            401 if had_token => ApiError::SessionExpired { endpoint },
            401 => ApiError::NotLoggedIn { endpoint },
            403 if id == "api.context.mfa_required.app_error" => ApiError::MfaRequired { endpoint },
            403 if id.contains("license") || id == "api.no_license" => {
                ApiError::NoLicense { endpoint }
            }
            403 if id.starts_with("api.context.permissions")
                || app_error.is_none()
                || id.is_empty() =>
            {
                ApiError::Forbidden {
                    endpoint,
                    permission: permission.map(str::to_string),
                    message,
                }
            }
            404 if local_mode && !id.is_empty() && id.contains("404") => {
                ApiError::NotInLocalMode { endpoint }
            }
            404 if local_mode && app_error.is_none() => ApiError::NotInLocalMode { endpoint },
            429 => ApiError::RateLimited {
                endpoint,
                retry_after,
            },
            501 if id.contains("license") => ApiError::NoLicense { endpoint },
            501 if app_error.is_some() => ApiError::Disabled { endpoint, message },
            code => match app_error {
                Some(app) => ApiError::Server {
                    endpoint,
                    status: code,
                    id: id.to_string(),
                    message,
                    request_id: app
                        .request_id
                        .map(|r| one_line(&r, 40))
                        .filter(|r| !r.is_empty()),
                },
                None if serde_json::from_slice::<serde_json::Value>(body).is_ok() => {
                    ApiError::UnexpectedJson {
                        endpoint,
                        status: code,
                        reason: status.canonical_reason().unwrap_or("").to_string(),
                        snippet: one_line(
                            &String::from_utf8_lossy(&body[..body.len().min(400)]),
                            80,
                        ),
                    }
                }
                None => ApiError::Http {
                    endpoint,
                    status: code,
                    reason: status.canonical_reason().unwrap_or("").to_string(),
                    snippet: body_snippet(body),
                },
            },
        }
    }
}

/// A short, printable summary of a non-JSON body: the HTML title when there is one,
/// otherwise the text with tags and whitespace collapsed.
pub fn body_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = text.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
        && start + 7 <= end
    {
        return one_line(&text[start + 7..end], 80);
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let snippet = one_line(&out, 80);
    if snippet.is_empty() {
        "empty body".to_string()
    } else {
        snippet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(status: u16, body: &str, had_token: bool, local: bool) -> ApiError {
        ApiError::from_response(
            "GET /api/v4/analytics/old",
            Some("get_analytics"),
            StatusCode::from_u16(status).unwrap(),
            None,
            body.as_bytes(),
            had_token,
            local,
        )
    }

    #[test]
    fn expired_session_and_missing_login() {
        let body = r#"{"id":"api.context.session_expired.app_error","message":"Invalid or expired session, please login again.","detailed_error":"","request_id":"abc","status_code":401}"#;
        assert!(matches!(
            classify(401, body, true, false),
            ApiError::SessionExpired { .. }
        ));
        assert!(matches!(
            classify(401, body, false, false),
            ApiError::NotLoggedIn { .. }
        ));
        assert!(classify(401, body, true, false).needs_login());
    }

    #[test]
    fn forbidden_names_the_permission() {
        let body = r#"{"id":"api.context.permissions.app_error","message":"You do not have the appropriate permissions.","detailed_error":"","request_id":"o1k9","status_code":403}"#;
        let err = classify(403, body, true, false);
        assert_eq!(err.missing_permission(), Some("get_analytics"));
        assert!(err.to_string().contains("'get_analytics'"), "{err}");
    }

    #[test]
    fn licence_and_local_mode() {
        let body = r#"{"id":"api.no_license","message":"No license","status_code":403}"#;
        assert!(matches!(
            classify(403, body, true, false),
            ApiError::NoLicense { .. }
        ));
        assert!(matches!(
            classify(404, "404 page not found", false, true),
            ApiError::NotInLocalMode { .. }
        ));
    }

    #[test]
    fn plain_text_429_keeps_retry_after() {
        let err = ApiError::from_response(
            "GET /api/v4/system/ping",
            None,
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3)),
            b"limit exceeded\n",
            true,
            false,
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert!(err.is_transient());
        assert!(err.to_string().contains("retry in 3s"), "{err}");
    }

    #[test]
    fn proxy_html_is_summarized() {
        let body = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        let err = classify(502, body, true, false);
        assert!(err.is_transient());
        let text = err.to_string();
        assert!(
            text.contains("HTTP 502") && text.contains("502 Bad Gateway") && !text.contains("<"),
            "{text}"
        );
    }

    #[test]
    fn server_error_keeps_the_request_id() {
        let body = r#"{"id":"app.x","message":"We encountered an error.","request_id":"rq1","status_code":500}"#;
        let text = classify(500, body, true, false).to_string();
        assert!(text.contains("HTTP 500") && text.contains("rq1"), "{text}");
    }

    #[test]
    fn hostile_request_ids_are_inert() {
        let body = "{\"id\":\"x\\u001b]0;t\",\"message\":\"m\",\"request_id\":\"\\u001b]0;pwned\\u0007\\u001b[2J\",\"status_code\":500}";
        let text = classify(500, body, true, false).to_string();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }

    #[test]
    fn hostile_messages_are_flattened() {
        let body = "{\"id\":\"x\",\"message\":\"bad\\u001b[31m\\nline\",\"status_code\":500}";
        let text = classify(500, body, true, false).to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    }
}
