//! The HTTP client for one Mattermost server, over TCP (token auth) or the local-mode socket.
//!
//! Every request has a timeout; idempotent GETs are retried with backoff on transient failures
//! (connection errors, timeouts, 502-504, short 429s); the server version is read from every
//! response's `X-Version-ID`; and every failure becomes an [`ApiError`] that says what to do.

mod endpoint;
mod options;
mod stream;
mod transport_error;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use self::endpoint::{Endpoint, path_segment};
use self::options::backoff;
pub use self::options::{ClientOptions, RetryPolicy, retry_after};
pub use self::stream::Download;
use super::error::ApiError;
use super::version::ServerVersion;
use crate::build_info;
use crate::config::{ConnectionSpec, Target};
use crate::secret::Secret;

/// Bodies larger than this are refused rather than buffered (a misbehaving proxy or server).
pub const MAX_JSON_BODY: usize = 64 * 1024 * 1024;

/// A successful response, read in full.
#[derive(Debug)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
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
