//! The HTTP client for one Mattermost server, over TCP (token auth) or the local-mode socket.
//!
//! Every request has a timeout; idempotent GETs are retried with backoff on transient failures
//! (connection errors, timeouts, 502-504, short 429s); the server version is read from every
//! response's `X-Version-ID`; and every failure becomes an [`ApiError`] that says what to do.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::version::ServerVersion;
use crate::build_info;
use crate::config::{ConnectionSpec, Target};
use crate::secret::Secret;

/// Bodies larger than this are refused rather than buffered (a misbehaving proxy or server).
pub const MAX_JSON_BODY: usize = 64 * 1024 * 1024;

/// A value put into an API path (an id, a team name): `[a-zA-Z0-9-_.]` pass, anything else is
/// percent-encoded rather than trusted.
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One API route: how to call it and what it needs, so errors can name the permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    /// The permission the server checks, named in "permission denied" messages.
    pub permission: Option<&'static str>,
    /// Whether the server registers this route over the local-mode socket.
    pub local: bool,
}

impl Endpoint {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            permission: None,
            local: true,
        }
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self {
            method: Method::POST,
            ..Self::get(path)
        }
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self {
            method: Method::DELETE,
            ..Self::get(path)
        }
    }

    pub fn needs(mut self, permission: &'static str) -> Self {
        self.permission = Some(permission);
        self
    }

    pub fn not_local(mut self) -> Self {
        self.local = false;
        self
    }

    /// How errors name this endpoint: `GET /api/v4/system/ping`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts for an idempotent request, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A 429 asking to wait longer than this is reported instead of waited out.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The longest silence: before an answer begins, and between two pieces of its body. A
    /// big answer over a slow but steady link is read as long as bytes keep coming.
    pub idle_timeout: Duration,
    /// The longest a whole request may take, however steadily its body comes.
    pub total_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(20),
            total_timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        }
    }
}

/// A successful response, read in full.
#[derive(Debug)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A response whose body is read piece by piece (see [`MmClient::open_download`]).
pub struct Download {
    client: MmClient,
    endpoint: Endpoint,
    response: reqwest::Response,
}

impl Download {
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The body's size when the server said it.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next piece of the body, `None` at its end; a server silent for `idle` is an error.
    pub async fn next_chunk(&mut self, idle: Duration) -> Result<Option<bytes::Bytes>, ApiError> {
        match tokio::time::timeout(idle, self.response.chunk()).await {
            Ok(Ok(chunk)) => Ok(chunk),
            Ok(Err(err)) => Err(self.client.transport_error(&self.endpoint, &err)),
            Err(_) => Err(ApiError::StalledBody {
                endpoint: self.endpoint.label(),
                idle,
            }),
        }
    }
}

#[derive(Clone)]
pub struct MmClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    http1: reqwest::Client,
    base: Url,
    token: Option<Secret>,
    socket: Option<PathBuf>,
    options: ClientOptions,
    version: Mutex<Option<ServerVersion>>,
    display_name: String,
}

impl std::fmt::Debug for MmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmClient")
            .field("server", &self.inner.display_name)
            .field("local", &self.inner.socket.is_some())
            .field("token", &self.inner.token.as_ref().map(|_| "****"))
            .finish()
    }
}

/// reqwest is built without a default TLS provider; this installs ring once per process.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl MmClient {
    pub fn new(spec: &ConnectionSpec, options: ClientOptions) -> Result<Self, ApiError> {
        install_crypto_provider();
        let builder = || {
            let mut builder = reqwest::Client::builder()
                .user_agent(format!("mmops/{}", build_info::VERSION))
                .timeout(options.total_timeout)
                .connect_timeout(options.connect_timeout)
                .redirect(reqwest::redirect::Policy::limited(5));
            match &spec.target {
                Target::Remote { .. } if spec.insecure => {
                    builder = builder.tls_danger_accept_invalid_certs(true);
                }
                Target::Remote { .. } => {}
                Target::Local { socket } => builder = builder.unix_socket(socket.as_path()),
            }
            builder
        };
        let (base, socket) = match &spec.target {
            Target::Remote { url } => (url.clone(), None),
            Target::Local { socket } => {
                let base =
                    Url::parse("http://localhost/").map_err(|e| ApiError::Setup(e.to_string()))?;
                (base, Some(socket.clone()))
            }
        };
        let http = builder()
            .build()
            .map_err(|e| ApiError::Setup(e.to_string()))?;
        // A WebSocket upgrade is an HTTP/1.1 exchange, even where HTTP/2 is offered.
        let http1 = builder()
            .http1_only()
            .build()
            .map_err(|e| ApiError::Setup(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                http1,
                base,
                token: spec.token.clone(),
                socket,
                options,
                version: Mutex::new(None),
                display_name: spec.display_name(),
            }),
        })
    }

    pub fn display_name(&self) -> &str {
        &self.inner.display_name
    }

    pub fn is_local(&self) -> bool {
        self.inner.socket.is_some()
    }

    pub fn has_token(&self) -> bool {
        self.inner.token.is_some()
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The server version seen on the last response, if any.
    pub fn version(&self) -> Option<ServerVersion> {
        self.inner.version.lock().ok().and_then(|v| v.clone())
    }

    /// Records a version learned elsewhere (the client config) when no header gave one.
    pub fn note_version(&self, version: ServerVersion) {
        if let Ok(mut slot) = self.inner.version.lock()
            && slot.is_none()
        {
            *slot = Some(version);
        }
    }

    /// GET and decode JSON, retrying transient failures.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let raw = self
            .execute(endpoint, query, None::<&()>, |s| s.is_success())
            .await?;
        decode(endpoint, &raw.body)
    }

    /// Sends a request with a JSON body (never retried) and decodes the JSON answer.
    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, String)],
        body: &B,
    ) -> Result<T, ApiError> {
        let raw = self
            .execute(endpoint, query, Some(body), |s| s.is_success())
            .await?;
        decode(endpoint, &raw.body)
    }

    /// Runs a request and returns the whole response when `accept(status)` holds; any other
    /// status becomes an [`ApiError`]. GETs are retried on transient failures.
    pub async fn execute<B: Serialize>(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, String)],
        body: Option<&B>,
        accept: impl Fn(StatusCode) -> bool,
    ) -> Result<RawResponse, ApiError> {
        self.check_local(endpoint)?;
        let retryable = endpoint.method == Method::GET;
        let policy = &self.inner.options.retry;
        let mut attempt = 1;
        loop {
            let result = self.attempt(endpoint, query, body, &accept).await;
            let err = match result {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            if !retryable || attempt >= policy.attempts || !err.is_transient() {
                return Err(err);
            }
            let delay = match err.retry_after() {
                Some(wait) if wait > policy.max_retry_after => return Err(err),
                Some(wait) => wait,
                None => backoff(policy, attempt),
            };
            tracing::debug!(endpoint = %endpoint.label(), attempt, "retrying after {delay:?}: {err}");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Opens the server's WebSocket: an HTTP/1.1 upgrade, authenticated like every other
    /// request, without the API's timeout (the socket lives as long as it is read). A refusal
    /// is the same error as on any route.
    pub async fn open_websocket(&self) -> Result<reqwest_websocket::WebSocket, ApiError> {
        use reqwest_websocket::Upgrade;
        let endpoint = super::routes::websocket();
        self.check_local(&endpoint)?;
        let request = self
            .build_request(&self.inner.http1, &endpoint, &[], None::<&()>)?
            .timeout(Duration::from_secs(365 * 24 * 3600));
        let wait = self.inner.options.idle_timeout;
        let response = tokio::time::timeout(wait, request.upgrade().send())
            .await
            .map_err(|_| ApiError::Timeout {
                endpoint: endpoint.label(),
                after: wait,
            })?
            .map_err(|e| self.websocket_error(&endpoint, e))?;
        let status = response.status();
        if status != StatusCode::SWITCHING_PROTOCOLS {
            let headers = response.headers().clone();
            let body = read_limited(response.into_inner(), MAX_JSON_BODY, wait)
                .await
                .unwrap_or_default();
            return Err(self.refusal(&endpoint, status, &headers, &body));
        }
        response
            .into_websocket()
            .await
            .map_err(|e| self.websocket_error(&endpoint, e))
    }

    fn websocket_error(&self, endpoint: &Endpoint, err: reqwest_websocket::Error) -> ApiError {
        match err {
            reqwest_websocket::Error::Reqwest(err) => self.transport_error(endpoint, &err),
            other => ApiError::Interrupted {
                endpoint: endpoint.label(),
                detail: format!(
                    "the WebSocket handshake failed: {}",
                    crate::text::one_line(&other.to_string(), 200)
                ),
            },
        }
    }

    fn request<B: Serialize>(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<reqwest::RequestBuilder, ApiError> {
        self.build_request(&self.inner.http, endpoint, query, body)
    }

    fn build_request<B: Serialize>(
        &self,
        http: &reqwest::Client,
        endpoint: &Endpoint,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<reqwest::RequestBuilder, ApiError> {
        let url = self.url(&endpoint.path)?;
        let mut request = http
            .request(endpoint.method.clone(), url)
            .header(header::ACCEPT, "application/json")
            .header("X-Requested-With", "XMLHttpRequest");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(token) = &self.inner.token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    ApiError::Setup(
                        "the token holds characters that cannot go in an HTTP header".into(),
                    )
                })?;
            value.set_sensitive(true);
            request = request.header(header::AUTHORIZATION, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Ok(request)
    }

    /// Starts a download: one attempt (no retries), the response handed back unread when its
    /// status is a success so the caller can stream the body. `wait` bounds the time until the
    /// response headers arrive (a server that builds the answer first can take a while).
    pub async fn open_download(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, String)],
        wait: Duration,
    ) -> Result<Download, ApiError> {
        self.check_local(endpoint)?;
        // The client-wide timeout covers whole bodies; a download's body is bounded by the
        // caller's idle timeout instead.
        let request = self
            .request(endpoint, query, None::<&()>)?
            .timeout(Duration::from_secs(24 * 3600));
        let response = tokio::time::timeout(wait, request.send())
            .await
            .map_err(|_| ApiError::Timeout {
                endpoint: endpoint.label(),
                after: wait,
            })?
            .map_err(|e| self.transport_error(endpoint, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.observe_version(&headers);
        if status.is_success() {
            return Ok(Download {
                client: self.clone(),
                endpoint: endpoint.clone(),
                response,
            });
        }
        let body = read_limited(response, MAX_JSON_BODY, self.inner.options.idle_timeout)
            .await
            .unwrap_or_default();
        Err(self.refusal(endpoint, status, &headers, &body))
    }

    async fn attempt<B: Serialize>(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, String)],
        body: Option<&B>,
        accept: &impl Fn(StatusCode) -> bool,
    ) -> Result<RawResponse, ApiError> {
        let request = self.request(endpoint, query, body)?;

        let started = Instant::now();
        let idle = self.inner.options.idle_timeout;
        let response = tokio::time::timeout(idle, request.send())
            .await
            .map_err(|_| ApiError::Timeout {
                endpoint: endpoint.label(),
                after: idle,
            })?
            .map_err(|e| self.transport_error(endpoint, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.observe_version(&headers);
        let body = read_limited(response, MAX_JSON_BODY, idle)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => ApiError::Decode {
                    endpoint: endpoint.label(),
                    detail: format!(
                        "the body is larger than {} MB",
                        MAX_JSON_BODY / (1024 * 1024)
                    ),
                },
                ReadError::Stalled => ApiError::StalledBody {
                    endpoint: endpoint.label(),
                    idle,
                },
                // The headers came, so the client's timeout now is a body that never finished.
                ReadError::Transport(e) if e.is_timeout() => ApiError::SlowBody {
                    endpoint: endpoint.label(),
                    after: self.inner.options.total_timeout,
                },
                ReadError::Transport(e) => self.transport_error(endpoint, &e),
            })?;
        tracing::debug!(
            endpoint = %endpoint.label(),
            status = status.as_u16(),
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "api call"
        );
        if accept(status) {
            return Ok(RawResponse {
                status,
                headers,
                body,
            });
        }
        Err(self.refusal(endpoint, status, &headers, &body))
    }

    /// Local mode: a route the server does not serve over its socket, or a socket that is
    /// not there, fails before any request.
    fn check_local(&self, endpoint: &Endpoint) -> Result<(), ApiError> {
        let Some(socket) = &self.inner.socket else {
            return Ok(());
        };
        if !endpoint.local {
            return Err(ApiError::NotInLocalMode {
                endpoint: endpoint.label(),
            });
        }
        check_socket(socket)
    }

    /// The error for a status the caller does not accept, from the server's body.
    fn refusal(
        &self,
        endpoint: &Endpoint,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ApiError {
        ApiError::from_response(
            &endpoint.label(),
            endpoint.permission,
            status,
            retry_after(headers),
            body,
            self.has_token(),
            self.is_local(),
        )
    }

    fn url(&self, path: &str) -> Result<Url, ApiError> {
        self.inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ApiError::Setup(format!("bad path {path}: {e}")))
    }

    fn observe_version(&self, headers: &HeaderMap) {
        let parsed = headers
            .get("X-Version-Id")
            .and_then(|v| v.to_str().ok())
            .and_then(ServerVersion::parse);
        if let (Some(version), Ok(mut slot)) = (parsed, self.inner.version.lock())
            && slot.as_ref() != Some(&version)
        {
            *slot = Some(version);
        }
    }

    fn transport_error(&self, endpoint: &Endpoint, err: &reqwest::Error) -> ApiError {
        let label = endpoint.label();
        if let Some(socket) = &self.inner.socket
            && let Some(kind) = io_error_kind(err)
        {
            let path = socket.display().to_string();
            match kind {
                std::io::ErrorKind::NotFound => return ApiError::SocketMissing { path },
                std::io::ErrorKind::ConnectionRefused => return ApiError::SocketRefused { path },
                std::io::ErrorKind::PermissionDenied => return ApiError::SocketPermission { path },
                _ => {}
            }
        }
        if err.is_connect() && err.is_timeout() {
            return ApiError::Connect {
                endpoint: label,
                detail: format!(
                    "no connection within {}s",
                    self.inner.options.connect_timeout.as_secs()
                ),
            };
        }
        if err.is_timeout() {
            return ApiError::Timeout {
                endpoint: label,
                after: self.inner.options.total_timeout,
            };
        }
        let detail = innermost_message(err);
        if detail.contains("InvalidContentType") || detail.contains("corrupt message") {
            return ApiError::NotTls { endpoint: label };
        }
        if is_tls_error(err) {
            return ApiError::Tls {
                endpoint: label,
                detail,
            };
        }
        if !err.is_connect() && (err.is_request() || err.is_body() || err.is_decode()) {
            return ApiError::Interrupted {
                endpoint: label,
                detail,
            };
        }
        ApiError::Connect {
            endpoint: label,
            detail,
        }
    }
}

fn decode<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde quotes the values it did not expect: server text.
        let said = crate::text::one_line(&e.to_string(), 200);
        ApiError::Decode {
            endpoint: endpoint.label(),
            detail: if body.is_empty() {
                "the body is empty".to_string()
            } else if e.is_eof() {
                format!("the JSON ends too soon: the body was cut short ({said})")
            } else if e.is_syntax() {
                format!("the body is not JSON ({said})")
            } else {
                format!("the JSON does not have the expected shape ({said})")
            },
        }
    })
}

/// Fails fast with a clear message before reqwest reports a generic connect error.
fn check_socket(socket: &Path) -> Result<(), ApiError> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(socket) {
        Ok(meta) if !meta.file_type().is_socket() => Err(ApiError::NotASocket {
            path: socket.display().to_string(),
        }),
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            Err(ApiError::SocketPermission {
                path: socket.display().to_string(),
            })
        }
        Err(_) => Err(ApiError::SocketMissing {
            path: socket.display().to_string(),
        }),
    }
}

enum ReadError {
    TooLarge,
    /// Nothing came for the idle timeout.
    Stalled,
    Transport(reqwest::Error),
}

/// Reads a body of at most `limit` bytes, failing when the server is silent for `idle`.
async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    idle: Duration,
) -> Result<Vec<u8>, ReadError> {
    // The header itself: `content_length()` is only a size hint, which the client's timeout
    // wrapper hides, so a huge body would be read up to the limit before being refused.
    let declared = response
        .headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(response.content_length());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = tokio::time::timeout(idle, response.chunk())
        .await
        .map_err(|_| ReadError::Stalled)?
        .map_err(ReadError::Transport)?
    {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After` in seconds, or `X-RateLimit-Reset` when that is all the server sent.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ["Retry-After", "X-RateLimit-Reset"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|secs| secs.is_finite() && *secs >= 0.0)
                .map(|secs| Duration::from_secs_f64(secs.min(3600.0)))
        })
}

fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy.base_delay.saturating_mul(1 << (attempt - 1).min(8));
    let capped = exp.min(policy.max_delay);
    // Up to 25% jitter so that many clients do not retry in step.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = capped.mul_f64(f64::from(nanos % 1000) / 4000.0);
    capped + jitter
}

/// The chain of underlying causes of a reqwest error, outermost first.
fn sources(err: &reqwest::Error) -> Vec<&(dyn StdError + 'static)> {
    let mut chain = Vec::new();
    let mut next = err.source();
    while let Some(cause) = next {
        chain.push(cause);
        next = cause.source();
    }
    chain
}

fn io_error_kind(err: &reqwest::Error) -> Option<std::io::ErrorKind> {
    sources(err)
        .into_iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>().map(std::io::Error::kind))
}

fn is_tls_error(err: &reqwest::Error) -> bool {
    sources(err).into_iter().any(|e| {
        e.downcast_ref::<rustls::Error>().is_some() || {
            let text = e.to_string().to_ascii_lowercase();
            text.contains("certificate") || text.contains("tls handshake")
        }
    })
}

fn innermost_message(err: &reqwest::Error) -> String {
    let text = sources(err)
        .last()
        .map(|e| e.to_string())
        .unwrap_or_else(|| err.to_string());
    crate::text::one_line(&text, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_flatten_what_the_server_sent() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        enum Kind {
            Plain,
        }
        let body = b"\"line\\n\\u001b[2Jforged\"";
        let err = decode::<Kind>(&Endpoint::get("/api/v4/x"), body).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("forged"), "{text}");
        assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text:?}");
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert("Retry-After", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-Reset", HeaderValue::from_static("1"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        let first = backoff(&policy, 1);
        assert!(first >= Duration::from_millis(250) && first < Duration::from_millis(320));
        let late = backoff(&policy, 20);
        assert!(late <= Duration::from_millis(2500));
    }

    #[test]
    fn debug_never_prints_the_token() {
        let spec = ConnectionSpec {
            target: Target::Remote {
                url: Url::parse("https://chat.example.com/").unwrap(),
            },
            token: Some(Secret::new("canary-abc")),
            token_source: crate::config::TokenSource::Environment,
            insecure: false,
            label: None,
        };
        let client = MmClient::new(&spec, ClientOptions::default()).unwrap();
        assert!(!format!("{client:?}").contains("canary"));
    }
}
