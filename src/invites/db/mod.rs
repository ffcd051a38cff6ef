//! The Mattermost database as an invitation source, read-only: invite tokens (by fingerprint:
//! the token itself never leaves the database server), resend-invitation jobs, teams, users,
//! team memberships and the join/add posts of each team's town-square. Secret columns
//! (`tokens.token` beyond its hash, `users.password`, `users.mfasecret`, `users.authdata`,
//! `sessions.token`) are never selected.

mod data_source;
mod read;
mod session;

pub use self::data_source::{ConnectionSettings, SslMode, connection_settings, redacted};
pub use self::read::{DbCounts, post_event, read, server_id};
pub use self::session::{DbSession, Transport, connect};

pub const SOURCE: &str = "database";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database address is not valid: {0}")]
    Address(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// TLS was required or offered and did not work out: never followed by a plain attempt.
    #[error("no secure connection to the database: {0}")]
    Tls(String),
    #[error("the database refused a read ({what}): {message}")]
    Query { what: &'static str, message: String },
}

/// The error's own words, including the server's message and its SQLSTATE when there is one
/// (flattened: it is the database server's text).
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!(
            "{} (SQLSTATE {})",
            crate::text::one_line(db.message(), 300),
            db.code().code()
        ),
        None => {
            let mut text = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}
