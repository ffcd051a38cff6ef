//! What a piece of background work reports when it fails, kept typed until it is drawn.
//!
//! Every source's error keeps its kind up to the console, so the status bar can count down a
//! rate limit and ask for a login whichever tab's work met it ([`Error::api`]), and a view
//! makes words of it only when it draws.

use std::io;

use crate::invites::actions::ActionError;
use crate::invites::db::DbError;
use crate::invites::ledger::LedgerError;
use crate::mm::ApiError;
use crate::packet::archive::ArchiveError;
use crate::packet::server::DownloadError;
use crate::server_config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Invites(#[from] ActionError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error(transparent)]
    Packet(#[from] crate::packet::open::OpenError),
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    /// mmops' own words for what is wrong (local text, never the server's).
    #[error("{0}")]
    Words(String),
    /// The work panicked; the panic is in mmops' log.
    #[error("an internal error (see mmops' log)")]
    Panicked,
    #[error("it was cancelled")]
    Cancelled,
}

impl Error {
    /// The API error under this one, wherever it was met: what the status bar watches for.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(err) | Error::Download(DownloadError::Api(err)) => Some(err),
            Error::Invites(err) => err.api(),
            Error::Config(err) => err.api(),
            Error::Capture(err) => err.api(),
            _ => None,
        }
    }

    /// For `map_err`: a local I/O failure with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(err: tokio::task::JoinError) -> Self {
        if err.is_panic() {
            Error::Panicked
        } else {
            Error::Cancelled
        }
    }
}

/// An error and its causes on one line: `cannot write x: No space left on device`, each cause
/// once even when a message already ends with it.
pub fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let words = inner.to_string();
        if !text.ends_with(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_error_is_found_under_other_kinds() {
        let limited = ApiError::RateLimited {
            endpoint: "GET /api/v4/teams".into(),
            retry_after: Some(std::time::Duration::from_secs(7)),
        };
        let nested = Error::Invites(ActionError::NotDone {
            done: "sent",
            source: limited.clone(),
        });
        assert_eq!(nested.api(), Some(&limited));
        assert_eq!(
            Error::Download(DownloadError::Api(limited.clone())).api(),
            Some(&limited)
        );
        assert_eq!(Error::Words("x".into()).api(), None);
    }

    #[test]
    fn causes_are_said_once() {
        let err = ArchiveError::Io {
            context: "cannot write x".into(),
            source: io::Error::other("No space left on device"),
        };
        assert_eq!(with_causes(&err), "cannot write x: No space left on device");
    }
}
