//! What every request passes through: its request id, the version and cache headers, and the
//! faults injected for its route (an early answer, a delay, a damaged body).

use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Ctx, DemoError};
use crate::demo::faults::Fault;

pub(super) async fn wrap(State(ctx): State<Ctx>, request: Request, next: Next) -> Response {
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
fn rule_faults(rule: &crate::demo::faults::FaultRule) -> Vec<Fault> {
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
