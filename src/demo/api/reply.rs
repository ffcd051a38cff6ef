//! What a route answers: the server's error body (`model.AppError`), and the helpers that
//! turn a value or a file read into a reply.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error as the server sends it: `model.AppError` JSON. The request id is filled in by
/// [`wrap`](super::middleware::wrap).
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

    pub(super) fn session_expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )
    }

    pub(in crate::demo) fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        )
    }

    pub(in crate::demo) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "app.demo.not_found.app_error",
            &format!("Unable to find the {what}."),
        )
    }

    pub(in crate::demo) fn bad_param(name: &str) -> Self {
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

pub(in crate::demo) type Reply = Result<Response, DemoError>;

/// File work off the async threads; a failure is a 500 with the server's error id.
pub(in crate::demo) async fn blocking_io<T: Send + 'static>(
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

pub(in crate::demo) fn json_reply(value: Value) -> Reply {
    Ok(axum::Json(value).into_response())
}
