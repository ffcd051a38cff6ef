//! The answers read as they come rather than whole: a download streamed piece by piece,
//! and the server's WebSocket.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::{Endpoint, MAX_JSON_BODY, MmClient, read_limited};
use crate::mm::error::ApiError;

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

impl MmClient {
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

    /// Opens the server's WebSocket: an HTTP/1.1 upgrade, authenticated like every other
    /// request, without the API's timeout (the socket lives as long as it is read). A refusal
    /// is the same error as on any route.
    pub async fn open_websocket(&self) -> Result<reqwest_websocket::WebSocket, ApiError> {
        use reqwest_websocket::Upgrade;
        let endpoint = crate::mm::routes::websocket();
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
}
