//! Connecting: a read-only session over TLS as the DataSource's sslmode says (or a unix
//! socket), how it reached the server, and a failed connect in words.

use std::time::Duration;

use tokio_postgres::Client;

use super::data_source::{ConnectionSettings, connection_settings};
use super::{DbError, describe};
use crate::invites::pg_tls::{HandshakeError, MakeRustls};
use crate::invites::sync::SourceWarning;

/// How the session reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TLS, the server's certificate verified.
    Tls,
    /// A unix socket: local to this machine, TLS does not apply.
    LocalSocket,
    /// Plain TCP because the DataSource says `sslmode=disable`.
    PlainByRequest,
    /// Plain TCP after the server answered that it does not support TLS (`sslmode=prefer`,
    /// tokio-postgres' default when the DataSource names no sslmode, or `allow`).
    PlainServerOffersNone,
}

impl Transport {
    /// What to tell the user about the connection, when it is worth saying.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            Transport::PlainServerOffersNone => {
                Some("connected without TLS (the server offers none)")
            }
            Transport::Tls | Transport::LocalSocket | Transport::PlainByRequest => None,
        }
    }

    /// The warning for the Invites tab's sources line.
    pub fn source_warning(self) -> Option<SourceWarning> {
        self.warning().map(|_| SourceWarning {
            tag: "no TLS",
            text: "connected without TLS (the server offers none): tokens, addresses and names crossed the network unencrypted; sslmode=require refuses that",
        })
    }

    pub fn describe(self) -> &'static str {
        match self {
            Transport::Tls => "TLS, certificate verified",
            Transport::LocalSocket => "a unix socket",
            Transport::PlainByRequest => "without TLS (sslmode=disable)",
            Transport::PlainServerOffersNone => "without TLS (the server offers none)",
        }
    }
}

/// A read-only session, and how it reached the server. Derefs to the client.
pub struct DbSession {
    pub(super) client: Client,
    pub(super) transport: Transport,
}

impl DbSession {
    pub fn transport(&self) -> Transport {
        self.transport
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl std::fmt::Debug for DbSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSession")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for DbSession {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for DbSession {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// Opens a session that cannot write: the connection's default and the session's
/// characteristics are read-only, and every read runs in a read-only transaction. TLS as the
/// DataSource's sslmode says (see [`SslMode`](super::SslMode)); a TLS failure is an error,
/// never a retry without TLS.
pub async fn connect(url: &str) -> Result<DbSession, DbError> {
    let settings = connection_settings(url)?;
    let mut config = settings.config.clone();
    config.options("-c default_transaction_read_only=on");
    config.application_name("mmops");
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let tls = match &settings.verify {
        Some(verify) => MakeRustls::new(verify).map_err(DbError::Tls)?,
        None => MakeRustls::disabled(),
    };
    let (client, connection) = config
        .connect(tls.clone())
        .await
        .map_err(|e| connect_error(&e, &settings, &tls))?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::warn!("database connection closed: {err}");
        }
    });
    let attempt = tls.last_attempt();
    let transport = if attempt.tls {
        Transport::Tls
    } else if attempt.host.is_empty() {
        Transport::LocalSocket
    } else if settings.verify.is_none() {
        Transport::PlainByRequest
    } else {
        Transport::PlainServerOffersNone
    };
    if let Some(warning) = transport.warning() {
        tracing::warn!("database {}: {warning}", attempt.host);
    }
    client
        .batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        .await
        .map_err(|e| DbError::Connect(describe(&e)))?;
    Ok(DbSession { client, transport })
}

/// A failed connect in words: the TLS failures as such, with what to do about them.
fn connect_error(
    err: &tokio_postgres::Error,
    settings: &ConnectionSettings,
    tls: &MakeRustls,
) -> DbError {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(handshake) = cause.downcast_ref::<HandshakeError>() {
            return DbError::Tls(handshake.to_string());
        }
        // tokio-postgres' words when the server answers the TLS request with "no".
        if cause.to_string() == "server does not support TLS" {
            return DbError::Tls(format!(
                "the database server {} does not offer TLS, and sslmode={} requires it: turn ssl \
                 on in its postgresql.conf (with a certificate), or give sslmode=disable to \
                 connect without encryption knowingly",
                tls.last_attempt().host,
                settings.ssl_mode.as_str()
            ));
        }
        source = cause.source();
    }
    let mut text = describe(err);
    if settings.client_cert_ignored {
        text.push_str(
            " (mmops presents no client certificate: the DataSource's sslcert and sslkey are \
             not used)",
        );
    }
    DbError::Connect(text)
}
