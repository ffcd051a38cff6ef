//! The routes as the client sees them: an [`Endpoint`] (method, path, the permission it
//! needs, whether local mode serves it), and the escaping of values put into a path.

use reqwest::Method;

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

    pub fn put(path: impl Into<String>) -> Self {
        Self {
            method: Method::PUT,
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
