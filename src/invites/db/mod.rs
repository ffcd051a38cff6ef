//! The Mattermost database as an invitation source, read-only: invite tokens (by fingerprint:
//! the token itself never leaves the database server), resend-invitation jobs, teams, users,
//! team memberships and the join/add posts of each team's town-square. Secret columns
//! (`tokens.token` beyond its hash, `users.password`, `users.mfasecret`, `users.authdata`,
//! `sessions.token`) are never selected.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio_postgres::{Client, IsolationLevel};

use super::facts::{EventKind, MemberFact, Observations, TeamEvent, TeamFact, TokenFact, UserFact};
use super::ledger::NewInvitation;
use super::pg_tls::{HandshakeError, MakeRustls, Verify};
use super::sync::SourceWarning;
use crate::timefmt;

pub const SOURCE: &str = "database";

/// Invite token types (`Token.IsInvitationToken`).
const INVITE_TOKEN_TYPES: &str =
    "('team_invitation', 'guest_invitation', 'guest_magic_link_invitation')";

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

/// What one read found, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DbCounts {
    pub tokens: usize,
    pub jobs: usize,
    pub teams: usize,
    pub users: usize,
    pub members: usize,
    pub posts: usize,
    /// Whether `teammembers.createat` exists (servers before about 7.2 lack it).
    pub join_times: bool,
    /// How the session that read them reached the server.
    pub transport: Option<Transport>,
}

impl DbCounts {
    /// The summary, led by a warning when the connection went without TLS although TLS was
    /// asked for where offered (`database: connected without TLS (the server offers none); ...`).
    pub fn summary(&self) -> String {
        let mut text = String::new();
        if let Some(warning) = self.transport.and_then(Transport::warning) {
            text.push_str(warning);
            text.push_str("; ");
        }
        text.push_str(&format!(
            "{} pending invite tokens, {} resend jobs, {} teams, {} users, {} memberships, {} join posts",
            self.tokens, self.jobs, self.teams, self.users, self.members, self.posts
        ));
        if !self.join_times {
            text.push_str(" (no teammembers.createat on this server: join times come from posts)");
        }
        text
    }
}

/// Hides the password of a DataSource for messages.
pub fn redacted(url: &str) -> String {
    crate::redact::redact_dsn(url)
}

/// Connection parameters tokio-postgres understands; Mattermost's DataSource (read by Go's
/// lib/pq) may carry others, such as `binary_parameters=yes`, which are dropped. The TLS
/// parameters (`sslmode`, `sslrootcert`) are read by mmops itself.
const KNOWN_PARAMETERS: &[&str] = &[
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// The sslmode of a DataSource, as libpq spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// libpq tries plain first; mmops treats it as `prefer` (TLS first).
    Allow,
    /// TLS when the server offers it (certificate verified), plain only when it offers none.
    Prefer,
    /// TLS or nothing, the certificate verified (libpq does not verify it; mmops does).
    Require,
    /// TLS or nothing, the certificate signed by the `sslrootcert` CA; names not checked.
    VerifyCa,
    /// TLS or nothing, the certificate verified and naming the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value.trim() {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The mode handed to tokio-postgres, which knows disable, prefer and require only.
    fn for_tokio_postgres(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Pg;
        match self {
            SslMode::Disable => Pg::Disable,
            SslMode::Allow | SslMode::Prefer => Pg::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Pg::Require,
        }
    }
}

/// A DataSource read: what tokio-postgres is given, and the TLS settings mmops applies.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub config: tokio_postgres::Config,
    /// As the DataSource says (`prefer` when it says nothing, as libpq and tokio-postgres).
    pub ssl_mode: SslMode,
    /// How the server's certificate is checked; None when TLS is off (disable, unix socket).
    pub verify: Option<Verify>,
    /// The DataSource names a client certificate (`sslcert`, `sslkey`), which mmops does not
    /// present.
    pub client_cert_ignored: bool,
}

/// The `key=value` pairs of a libpq connection string (values quoted with `'` or not, `\`
/// escaping), or None when it is not one.
fn keyword_pairs(text: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Some(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        chars.next_if_eq(&'=')?;
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next()? {
                    '\'' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.push(chars.next()?);
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// A value quoted for a libpq connection string.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Parses a DataSource (URL or `key=value` form) into a connection config and TLS settings.
pub fn connection_settings(data_source: &str) -> Result<ConnectionSettings, DbError> {
    let data_source = data_source.trim();
    let is_url = data_source.starts_with("postgres://") || data_source.starts_with("postgresql://");
    let mut ssl_mode = None;
    let mut root_cert = None;
    let mut client_cert_ignored = false;
    let mut take_tls = |key: &str, value: &str| match key {
        "sslmode" => {
            ssl_mode = Some(value.to_string());
            true
        }
        "sslrootcert" => {
            root_cert = Some(value.to_string());
            true
        }
        "sslcert" | "sslkey" => {
            client_cert_ignored = true;
            true
        }
        _ => false,
    };
    let cleaned = if is_url {
        match reqwest::Url::parse(data_source) {
            Ok(mut url) => {
                let kept: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(k, v)| !take_tls(k, v) && KNOWN_PARAMETERS.contains(&k.as_ref()))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                url.set_query(None);
                if !kept.is_empty() {
                    url.query_pairs_mut().extend_pairs(kept);
                }
                url.to_string()
            }
            Err(_) => data_source.to_string(),
        }
    } else {
        match keyword_pairs(data_source) {
            Some(pairs) => pairs
                .iter()
                .filter(|(k, v)| !take_tls(k, v) && KNOWN_PARAMETERS.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={}", quoted(v)))
                .collect::<Vec<_>>()
                .join(" "),
            // Not well-formed: tokio-postgres' parser says what is wrong with it.
            None => data_source.to_string(),
        }
    };
    let ssl_mode = match ssl_mode {
        None => SslMode::Prefer,
        Some(value) => SslMode::parse(&value).ok_or_else(|| {
            DbError::Address(format!(
                "sslmode={value} is not one of disable, allow, prefer, require, verify-ca, \
                 verify-full"
            ))
        })?,
    };
    let mut config: tokio_postgres::Config = cleaned
        .parse()
        .map_err(|e: tokio_postgres::Error| DbError::Address(describe(&e)))?;
    // With hostaddr alone the address is also the name the certificate must hold.
    if config.get_hosts().is_empty() {
        for addr in config.get_hostaddrs().to_vec() {
            config.host(addr.to_string());
        }
    }
    // TLS does not apply to a unix socket (libpq does not ask for it there either).
    let only_sockets = config.get_hostaddrs().is_empty()
        && !config.get_hosts().is_empty()
        && config
            .get_hosts()
            .iter()
            .all(|h| !matches!(h, tokio_postgres::config::Host::Tcp(_)));
    let root_cert = root_cert
        .filter(|path| !path.trim().is_empty() && path != "system")
        .map(PathBuf::from);
    let verify = match ssl_mode {
        _ if only_sockets => None,
        SslMode::Disable => None,
        SslMode::VerifyCa => Some(match root_cert {
            Some(ca) => Verify::CaOnly { ca },
            // Without a CA of its own, a public CA's certificate for any name would pass:
            // checked as verify-full instead.
            None => Verify::Full { extra_ca: None },
        }),
        _ => Some(Verify::Full {
            extra_ca: root_cert,
        }),
    };
    config.ssl_mode(if verify.is_none() {
        tokio_postgres::config::SslMode::Disable
    } else {
        ssl_mode.for_tokio_postgres()
    });
    Ok(ConnectionSettings {
        config,
        ssl_mode,
        verify,
        client_cert_ignored,
    })
}

/// A read-only session, and how it reached the server. Derefs to the client.
pub struct DbSession {
    client: Client,
    transport: Transport,
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
/// DataSource's sslmode says (see [`SslMode`]); a TLS failure is an error, never a retry
/// without TLS.
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

/// The error's own words, including the server's message when there is one (flattened: it
/// is the database server's text).
fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!(
            "{} ({})",
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

fn query_error(what: &'static str) -> impl Fn(tokio_postgres::Error) -> DbError {
    move |e| DbError::Query {
        what,
        message: describe(&e),
    }
}

/// The server's id (`systems.DiagnosticId`), which names its ledger.
pub async fn server_id(client: &Client) -> Result<Option<String>, DbError> {
    let row = client
        .query_opt("SELECT value FROM systems WHERE name = 'DiagnosticId'", &[])
        .await
        .map_err(query_error("systems"))?;
    Ok(row.and_then(|r| r.get::<_, Option<String>>(0)))
}

/// Reads everything changed since `since_ms` (0: everything), and every invite token present
/// now, in one consistent snapshot.
pub async fn read(
    session: &mut DbSession,
    since_ms: i64,
) -> Result<(Observations, DbCounts), DbError> {
    let transport = session.transport;
    let tx = session
        .client
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .await
        .map_err(query_error("begin"))?;
    let mut observed = Observations::default();
    let mut counts = DbCounts {
        transport: Some(transport),
        ..DbCounts::default()
    };

    let rows = tx
        .query(
            &format!(
                "SELECT left(encode(sha256(convert_to(token, 'UTF8')), 'hex'), 16),
                        coalesce(createat, 0), coalesce(type, ''), coalesce(extra, '')
                 FROM tokens WHERE type IN {INVITE_TOKEN_TYPES}"
            ),
            &[],
        )
        .await
        .map_err(query_error("tokens"))?;
    let mut present = Vec::new();
    for row in rows {
        let fingerprint: String = row.get(0);
        let created_at: i64 = row.get(1);
        let kind: String = row.get(2);
        let extra: String = row.get(3);
        present.push(TokenFact {
            fingerprint: fingerprint.clone(),
            created_at,
        });
        if let Some(sighting) = token_sighting(&fingerprint, created_at, &kind, &extra) {
            observed.invitations.push(sighting);
        }
    }
    counts.tokens = present.len();
    observed.tokens_present = Some(present);

    let rows = tx
        .query(
            "SELECT id, coalesce(createat, 0), coalesce(lastactivityat, 0), coalesce(status, ''),
                    coalesce(data::text, '{}')
             FROM jobs WHERE type = 'resend_invitation_email'
               AND (createat > $1 OR lastactivityat > $1)",
            &[&since_ms],
        )
        .await
        .map_err(query_error("jobs"))?;
    counts.jobs = rows.len();
    for row in rows {
        let id: String = row.get(0);
        let (created, last, status, data): (i64, i64, String, String) =
            (row.get(1), row.get(2), row.get(3), row.get(4));
        job_sightings(&id, created, last, &status, &data, &mut observed);
    }

    let rows = tx
        .query(
            "SELECT id, coalesce(name, ''), coalesce(displayname, ''), coalesce(type::text, 'O'),
                    coalesce(allowopeninvite, false), coalesce(groupconstrained, false),
                    coalesce(createat, 0)
             FROM teams",
            &[],
        )
        .await
        .map_err(query_error("teams"))?;
    counts.teams = rows.len();
    for row in rows {
        let kind: String = row.get(3);
        let open: bool = row.get(4);
        let created: i64 = row.get(6);
        observed.teams.push(TeamFact {
            id: row.get(0),
            name: row.get(1),
            display_name: row.get(2),
            invite_only: kind == "I" || !open,
            group_constrained: row.get(5),
            created_at: (created > 0).then_some(created),
        });
    }

    // Separate statements for a first read and an incremental one: an "or everything"
    // condition would keep the planner from the time indexes.
    let users_sql = "SELECT id, username, email, coalesce(createat, 0), coalesce(deleteat, 0),
                            authservice, coalesce(roles, '')
                     FROM users";
    let rows = if since_ms == 0 {
        tx.query(users_sql, &[]).await
    } else {
        tx.query(
            &format!("{users_sql} WHERE createat > $1 OR updateat > $1 OR deleteat > $1"),
            &[&since_ms],
        )
        .await
    }
    .map_err(query_error("users"))?;
    counts.users = rows.len();
    for row in rows {
        let created: i64 = row.get(3);
        let deleted: i64 = row.get(4);
        let roles: String = row.get(6);
        observed.users.push(UserFact {
            id: row.get(0),
            username: row.get(1),
            email: row.get(2),
            created_at: (created > 0).then_some(created),
            deleted_at: (deleted > 0).then_some(deleted),
            auth_service: row.get(5),
            guest: roles.split_whitespace().any(|r| r == "system_guest"),
        });
    }

    counts.join_times = tx
        .query_opt(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = 'teammembers' AND column_name = 'createat'",
            &[],
        )
        .await
        .map_err(query_error("information_schema"))?
        .is_some();
    let rows = if !counts.join_times {
        // Without the column nothing tells what changed: read them all.
        tx.query(
            "SELECT teamid, userid, 0::bigint, coalesce(deleteat, 0) FROM teammembers",
            &[],
        )
        .await
    } else if since_ms == 0 {
        tx.query(
            "SELECT teamid, userid, coalesce(createat, 0), coalesce(deleteat, 0) FROM teammembers",
            &[],
        )
        .await
    } else {
        tx.query(
            "SELECT teamid, userid, coalesce(createat, 0), coalesce(deleteat, 0) FROM teammembers
             WHERE createat > $1 OR deleteat > $1",
            &[&since_ms],
        )
        .await
    }
    .map_err(query_error("teammembers"))?;
    counts.members = rows.len();
    for row in rows {
        let joined: i64 = row.get(2);
        let left: i64 = row.get(3);
        observed.members.push(MemberFact {
            team_id: row.get(0),
            user_id: row.get(1),
            joined_at: (joined > 0).then_some(joined),
            left_at: (left > 0).then_some(left),
        });
    }

    let rows = tx
        .query(
            "SELECT p.createat, coalesce(p.userid, ''), p.type, coalesce(p.props::text, '{}'),
                    c.teamid
             FROM channels c JOIN posts p ON p.channelid = c.id
             WHERE c.name = 'town-square' AND c.teamid <> '' AND p.createat > $1
               AND p.type IN ('system_join_team', 'system_add_to_team', 'system_leave_team',
                              'system_remove_from_team')",
            &[&since_ms],
        )
        .await
        .map_err(query_error("posts"))?;
    counts.posts = rows.len();
    for row in rows {
        let (at, user, kind, props, team): (i64, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        if let Some(event) = post_event(at, &user, &kind, &props, &team, SOURCE) {
            observed.events.push(event);
        }
    }
    tx.commit().await.map_err(query_error("commit"))?;
    Ok((observed, counts))
}

/// A field of a token's `extra` (a JSON object whose values are all strings).
fn extra_field<'a>(extra: &'a Value, key: &str) -> Option<&'a str> {
    extra
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn token_sighting(
    fingerprint: &str,
    created_at: i64,
    kind: &str,
    extra: &str,
) -> Option<NewInvitation> {
    let extra: Value = serde_json::from_str(extra).ok()?;
    let email = extra_field(&extra, "email")?.to_lowercase();
    let team_id = extra_field(&extra, "teamId")?.to_string();
    let sender = extra_field(&extra, "senderId").map(str::to_string);
    let guest = kind != "team_invitation" || extra_field(&extra, "guest") == Some("true");
    let channels = extra_field(&extra, "channels")
        .map(|c| c.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    Some(NewInvitation {
        sent_at: created_at,
        email: email.clone(),
        team_id,
        team_name: String::new(),
        sender_id: sender,
        sender_username: None,
        kind: if guest { "guest" } else { "member" },
        status: "unknown",
        status_reason: String::new(),
        source: SOURCE,
        said: format!(
            "invite token {fingerprint} for {email} ({kind}) created {}",
            timefmt::utc_minute(created_at)
        ),
        token_fingerprint: Some(fingerprint.to_string()),
        channels,
    })
}

/// A JSON array that may arrive encoded as a string (as resend jobs store it).
fn string_list(value: Option<&Value>) -> Vec<String> {
    let decoded = match value {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    decoded
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn job_sightings(
    id: &str,
    created: i64,
    last_activity: i64,
    status: &str,
    data: &str,
    observed: &mut Observations,
) {
    let Ok(data) = serde_json::from_str::<Value>(data) else {
        return;
    };
    let field = |key: &str| {
        data.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(team_id) = field("teamID") else {
        return;
    };
    let sent_at = field("scheduledAt")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|at| *at > 0)
        .unwrap_or(created);
    let channels = string_list(data.get("channelList"));
    for email in string_list(data.get("emailList")) {
        let email = email.to_lowercase();
        observed.invitations.push(NewInvitation {
            sent_at,
            email: email.clone(),
            team_id: team_id.to_string(),
            team_name: String::new(),
            sender_id: field("senderID").map(str::to_string),
            sender_username: None,
            kind: "member",
            status: "unknown",
            status_reason: String::new(),
            source: SOURCE,
            said: format!("resend_invitation_email job {id} ({status}) lists {email}"),
            token_fingerprint: None,
            channels: channels.clone(),
        });
    }
    // Invalidating all invites cancels the pending resend jobs; only a cancel time the job
    // recorded (after its creation) dates the invalidation.
    if status == "canceled" && last_activity > created + 60_000 {
        observed.events.push(TeamEvent {
            at: last_activity,
            kind: EventKind::InvalidatedAll,
            team_id: None,
            user_id: None,
            actor_id: None,
            detail: format!("resend job {id} canceled (database)"),
            source: SOURCE.to_string(),
        });
    }
}

/// A team event from a town-square system post (its `props`, never its localized text).
pub fn post_event(
    at: i64,
    user_id: &str,
    kind: &str,
    props: &str,
    team_id: &str,
    source: &str,
) -> Option<TeamEvent> {
    let props: Value = serde_json::from_str(props).unwrap_or(Value::Null);
    let prop = |key: &str| {
        props
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let user = (!user_id.is_empty()).then(|| user_id.to_string());
    let (kind, user, actor, detail) = match kind {
        "system_join_team" => (EventKind::Joined, user, None, "system_join_team post"),
        "system_add_to_team" => (
            EventKind::Added,
            prop("addedUserId"),
            prop("userId").or(user),
            "system_add_to_team post",
        ),
        "system_leave_team" => (EventKind::Left, user, None, "system_leave_team post"),
        "system_remove_from_team" => (
            EventKind::Removed,
            user,
            None,
            "system_remove_from_team post",
        ),
        _ => return None,
    };
    Some(TeamEvent {
        at,
        kind,
        team_id: Some(team_id.to_string()),
        user_id: Some(user?),
        actor_id: actor,
        detail: detail.to_string(),
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_sources_lose_the_parameters_only_lib_pq_knows() {
        let settings = connection_settings(
            "postgres://mmuser:pw@db:5433/mattermost?sslmode=disable&connect_timeout=10&binary_parameters=yes",
        )
        .unwrap();
        let config = &settings.config;
        assert_eq!(config.get_dbname(), Some("mattermost"));
        assert_eq!(config.get_ports(), &[5433]);
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(10)));
        assert_eq!(settings.ssl_mode, SslMode::Disable);
        assert_eq!(settings.verify, None);
        let settings =
            connection_settings("host=/var/run/postgresql dbname=mm binary_parameters=yes")
                .unwrap();
        assert_eq!(settings.config.get_dbname(), Some("mm"));
        assert!(connection_settings("postgres://u:p@db:notaport/mm").is_err());
    }

    #[test]
    fn every_sslmode_maps_to_tls_with_a_verified_certificate_or_to_none() {
        use tokio_postgres::config::SslMode as Pg;
        let mode = |url: &str| {
            let s = connection_settings(url).unwrap();
            (s.ssl_mode, s.config.get_ssl_mode(), s.verify)
        };
        let full = |ca: Option<&str>| {
            Some(Verify::Full {
                extra_ca: ca.map(PathBuf::from),
            })
        };
        // Nothing said: tokio-postgres' and libpq's prefer, the certificate checked if offered.
        assert_eq!(
            mode("postgres://u:p@db/mm"),
            (SslMode::Prefer, Pg::Prefer, full(None))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=allow"),
            (SslMode::Allow, Pg::Prefer, full(None))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=require&sslrootcert=%2Fetc%2Fmm%2Fca.pem"),
            (SslMode::Require, Pg::Require, full(Some("/etc/mm/ca.pem")))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=verify-full&sslrootcert=system"),
            (SslMode::VerifyFull, Pg::Require, full(None))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=verify-ca&sslrootcert=/ca.pem"),
            (
                SslMode::VerifyCa,
                Pg::Require,
                Some(Verify::CaOnly {
                    ca: PathBuf::from("/ca.pem")
                })
            )
        );
        // verify-ca without a CA of its own would pass any public certificate: verify-full.
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=verify-ca"),
            (SslMode::VerifyCa, Pg::Require, full(None))
        );
        // A unix socket: no TLS whatever the mode (as libpq).
        assert_eq!(
            mode("host=/var/run/postgresql dbname=mm sslmode=require"),
            (SslMode::Require, Pg::Disable, None)
        );
        // hostaddr alone: the address is the name the certificate must hold.
        let settings =
            connection_settings("hostaddr=10.1.2.3 dbname=mm sslmode=verify-full").unwrap();
        assert_eq!(
            settings.config.get_hosts(),
            &[tokio_postgres::config::Host::Tcp("10.1.2.3".into())]
        );
        let err = connection_settings("postgres://u:p@db/mm?sslmode=verify_full").unwrap_err();
        assert!(
            err.to_string()
                .contains("sslmode=verify_full is not one of"),
            "{err}"
        );
        let settings =
            connection_settings("postgres://u:p@db/mm?sslmode=require&sslcert=c.pem&sslkey=k.pem")
                .unwrap();
        assert!(settings.client_cert_ignored);
    }

    #[test]
    fn keyword_data_sources_keep_quoted_values_whole() {
        let settings = connection_settings(
            r"host=db.internal port=5432 user=mmuser password='correct horse \'battery\'' dbname=mattermost sslmode = verify-full sslrootcert='/etc/my certs/ca.pem' binary_parameters=yes",
        )
        .unwrap();
        assert_eq!(
            settings.config.get_password(),
            Some(&b"correct horse 'battery'"[..])
        );
        assert_eq!(settings.config.get_dbname(), Some("mattermost"));
        assert_eq!(settings.ssl_mode, SslMode::VerifyFull);
        assert_eq!(
            settings.verify,
            Some(Verify::Full {
                extra_ca: Some(PathBuf::from("/etc/my certs/ca.pem"))
            })
        );
        assert_eq!(
            keyword_pairs(r"a=1 b='' c=x\ y"),
            Some(vec![
                ("a".into(), "1".into()),
                ("b".into(), String::new()),
                ("c".into(), "x y".into())
            ])
        );
        assert_eq!(keyword_pairs("a='unterminated"), None);
        assert_eq!(keyword_pairs("novalue"), None);
        // Not well-formed: tokio-postgres' own error.
        assert!(connection_settings("host=db password='open").is_err());
    }

    #[test]
    fn only_a_plain_fallback_the_user_did_not_ask_for_is_worth_a_warning() {
        let counts = DbCounts {
            tokens: 2,
            join_times: true,
            transport: Some(Transport::PlainServerOffersNone),
            ..DbCounts::default()
        };
        assert!(
            counts
                .summary()
                .starts_with("connected without TLS (the server offers none); 2 pending"),
            "{}",
            counts.summary()
        );
        for quiet in [
            Transport::Tls,
            Transport::LocalSocket,
            Transport::PlainByRequest,
        ] {
            let counts = DbCounts {
                transport: Some(quiet),
                join_times: true,
                ..DbCounts::default()
            };
            assert!(counts.summary().starts_with("0 pending"), "{quiet:?}");
        }
    }

    #[test]
    fn tokens_of_every_shape_become_sightings() {
        let plain = token_sighting(
            "ab12",
            5,
            "team_invitation",
            r#"{"email":"Ana@x.org","teamId":"t1"}"#,
        )
        .unwrap();
        assert_eq!(plain.email, "ana@x.org");
        assert_eq!(plain.sender_id, None);
        assert_eq!(plain.kind, "member");
        let with_channels = token_sighting(
            "cd34",
            5,
            "team_invitation",
            r#"{"channels":"c1 c2","email":"b@x.org","senderId":"u1","teamId":"t1"}"#,
        )
        .unwrap();
        assert_eq!(with_channels.channels, vec!["c1", "c2"]);
        assert_eq!(with_channels.sender_id.as_deref(), Some("u1"));
        let guest = token_sighting(
            "ef56",
            5,
            "guest_invitation",
            r#"{"channels":"","email":"g@x.org","guest":"true","senderId":"u1","teamId":"t1"}"#,
        )
        .unwrap();
        assert_eq!(guest.kind, "guest");
        assert!(guest.channels.is_empty());
        assert!(token_sighting("x", 5, "team_invitation", "not json").is_none());
        assert!(token_sighting("x", 5, "team_invitation", r#"{"email":"a@x"}"#).is_none());
    }

    #[test]
    fn resend_jobs_list_their_addresses_and_a_cancel_is_an_invalidation() {
        let mut observed = Observations::default();
        job_sightings(
            "j1",
            100,
            120_100,
            "canceled",
            r#"{"teamID":"t1","senderID":"u1","emailList":"[\"a@x.org\",\"B@x.org\"]","scheduledAt":"150","channelList":"[\"c1\"]"}"#,
            &mut observed,
        );
        let emails: Vec<&str> = observed
            .invitations
            .iter()
            .map(|i| i.email.as_str())
            .collect();
        assert_eq!(emails, vec!["a@x.org", "b@x.org"]);
        assert_eq!(observed.invitations[0].sent_at, 150);
        assert_eq!(observed.invitations[0].sender_id.as_deref(), Some("u1"));
        assert_eq!(observed.invitations[0].channels, vec!["c1"]);
        assert_eq!(observed.events.len(), 1);
        assert_eq!(observed.events[0].kind, EventKind::InvalidatedAll);
        assert_eq!(observed.events[0].at, 120_100);

        // A canceled job that never recorded when it was canceled dates nothing.
        let mut undated = Observations::default();
        job_sightings(
            "j2",
            100,
            100,
            "canceled",
            r#"{"teamID":"t1","emailList":"[\"a@x.org\"]"}"#,
            &mut undated,
        );
        assert_eq!(undated.invitations.len(), 1);
        assert!(undated.events.is_empty());
    }

    #[test]
    fn join_and_add_posts_name_who_and_by_whom() {
        let add = post_event(
            7,
            "adder",
            "system_add_to_team",
            r#"{"userId":"adder","username":"boss","addedUserId":"new","addedUsername":"n"}"#,
            "t1",
            "database",
        )
        .unwrap();
        assert_eq!(add.kind, EventKind::Added);
        assert_eq!(add.user_id.as_deref(), Some("new"));
        assert_eq!(add.actor_id.as_deref(), Some("adder"));
        let join = post_event(8, "u2", "system_join_team", "{}", "t1", "rest").unwrap();
        assert_eq!(join.kind, EventKind::Joined);
        assert!(post_event(9, "u2", "system_join_channel", "{}", "t1", "rest").is_none());
    }
}
