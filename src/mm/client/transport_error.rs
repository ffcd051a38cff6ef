//! A request that got no answer, in words: the reqwest error read down to its cause (a
//! missing or refused socket, a connect timeout, TLS, a plain-HTTP server, a cut-off answer).

use std::error::Error as StdError;

use super::{Endpoint, MmClient};
use crate::mm::error::ApiError;

impl MmClient {
    pub(super) fn transport_error(&self, endpoint: &Endpoint, err: &reqwest::Error) -> ApiError {
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
