//! mmops' own record of invitations: SQLite, one file per server, mode 0600, versioned
//! migrations, every write in a transaction. History is never deleted: a status changes and
//! the evidence for it is added.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// How long an opener or a writer waits for another one's lock (a migration, a sync's
/// transaction) before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Each entry moves the schema one version forward; the version is `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    // 1: invitations, their evidence, team memberships with provenance, source positions.
    "CREATE TABLE invitations (
        id INTEGER PRIMARY KEY,
        sent_at INTEGER NOT NULL,
        email TEXT NOT NULL,
        team_id TEXT,
        team_name TEXT,
        channels TEXT NOT NULL DEFAULT '[]',
        sender_id TEXT,
        sender_username TEXT,
        sender_unknown_reason TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('member', 'guest')),
        token_fingerprint TEXT,
        status TEXT NOT NULL,
        status_at INTEGER NOT NULL,
        status_reason TEXT NOT NULL DEFAULT '',
        used_by_user_id TEXT,
        used_by_username TEXT,
        used_by_email TEXT,
        user_created INTEGER
    );
    CREATE INDEX invitations_by_email ON invitations (email);
    CREATE INDEX invitations_by_team ON invitations (team_id, sent_at);
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        invitation_id INTEGER NOT NULL REFERENCES invitations (id),
        source TEXT NOT NULL,
        at INTEGER NOT NULL,
        said TEXT NOT NULL
    );
    CREATE INDEX evidence_by_invitation ON evidence (invitation_id);
    CREATE TABLE memberships (
        team_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        joined_at INTEGER,
        how TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (team_id, user_id)
    );
    CREATE TABLE source_positions (
        source TEXT PRIMARY KEY,
        position TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );",
    // 2: what the sources saw besides invitations: accounts, teams, team events, invite
    // tokens (by fingerprint), each source's last run; membership departures.
    "ALTER TABLE memberships ADD COLUMN left_at INTEGER;
    ALTER TABLE memberships ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX memberships_by_user ON memberships (user_id);
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT,
        email TEXT,
        created_at INTEGER,
        deleted_at INTEGER,
        auth_service TEXT,
        guest INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX users_by_email ON users (email);
    CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        invite_only INTEGER NOT NULL DEFAULT 0,
        group_constrained INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER
    );
    CREATE TABLE tokens (
        fingerprint TEXT PRIMARY KEY,
        invitation_id INTEGER NOT NULL REFERENCES invitations (id),
        created_at INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        gone_at INTEGER
    );
    CREATE INDEX tokens_by_invitation ON tokens (invitation_id);
    CREATE TABLE team_events (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        team_id TEXT,
        user_id TEXT,
        actor_id TEXT,
        detail TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL
    );
    CREATE UNIQUE INDEX team_events_once
        ON team_events (source, kind, at, coalesce(team_id, ''), coalesce(user_id, ''));
    CREATE INDEX team_events_by_team ON team_events (team_id, at);
    CREATE TABLE source_runs (
        source TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        summary TEXT NOT NULL
    );",
];

/// The underlying errors are part of each message, not a `source()`: SQLite's own error
/// repeats its message, and a printed error chain would say the same thing two or three times.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("the ledger {path}: {cause}")]
    Sqlite {
        path: String,
        cause: rusqlite::Error,
    },
    #[error(
        "{path} is not an mmops ledger (not an SQLite database): move it away or give another --ledger"
    )]
    NotALedger { path: String },
    #[error(
        "the ledger {path} was written by a newer mmops (schema {found}, this one knows {known})"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("cannot create the ledger {path}: {cause}")]
    Create { path: String, cause: std::io::Error },
}

/// An invitation as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub sent_at: i64,
    pub email: String,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub sender_id: Option<String>,
    pub sender_username: Option<String>,
    pub kind: String,
    pub token_fingerprint: Option<String>,
    pub status: String,
    pub status_at: i64,
    pub status_reason: String,
    pub used_by_user_id: Option<String>,
    pub used_by_email: Option<String>,
    pub user_created: Option<bool>,
    /// The sources that gave evidence, in the order they first did.
    pub sources: Vec<String>,
    pub channels: Vec<String>,
    pub used_by_username: Option<String>,
    /// Why the sender is not known, when it is not.
    pub sender_unknown_reason: Option<String>,
}

/// A new invitation sent by mmops (or seen by a source) and what decided its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub sent_at: i64,
    pub email: String,
    pub team_id: String,
    pub team_name: String,
    pub sender_id: Option<String>,
    pub sender_username: Option<String>,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_reason: String,
    pub source: &'static str,
    pub said: String,
    /// The invite token's fingerprint, when the source saw the token.
    pub token_fingerprint: Option<String>,
    pub channels: Vec<String>,
}

/// The evidence rows that record a status decision (not a source's sighting).
pub const STATUS_SOURCE: &str = "status";

pub struct Ledger {
    pub(super) conn: Connection,
    pub(super) path: String,
}

/// Turns a SQLite error into one that names the ledger file.
pub(super) fn sqlite_error(path: String) -> impl Fn(rusqlite::Error) -> LedgerError {
    move |cause| {
        if cause.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            LedgerError::NotALedger { path: path.clone() }
        } else {
            LedgerError::Sqlite {
                path: path.clone(),
                cause,
            }
        }
    }
}

/// Switches a new ledger to WAL mode (a no-op once it is). Openers racing on a new ledger can
/// make each other's switch fail at once with "database is locked": SQLite refuses a lock that
/// could deadlock without waiting the busy timeout. So it is tried again, for as long.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        }) {
            Err(err)
                if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result.map(drop),
        }
    }
}

fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Emails are compared the way the server stores them: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Ledger {
    /// Opens (creating with mode 0600) and migrates the ledger at `path`. Any number of
    /// processes may do this at once on a new ledger (a timer's sync and an open console): the
    /// first migrates, the others wait for it and find the work done.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|cause| LedgerError::Create {
                path: shown.clone(),
                cause,
            })?;
        }
        // Created here, not by SQLite, for its mode; without O_EXCL, so openers racing past
        // the check all succeed. SQLite gives its journal files the database file's mode, so
        // they stay private too.
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(|cause| LedgerError::Create {
                    path: shown.clone(),
                    cause,
                })?;
        }
        let sqlite = sqlite_error(shown.clone());
        let mut conn = Connection::open(path).map_err(&sqlite)?;
        // First, so that every step below waits for a lock another opener holds.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&sqlite)?;
        // Every transaction here writes. Taking the write lock at BEGIN makes a second writer
        // wait for the first; a deferred one would read, then fail at its first write with
        // "database is locked" once the other had committed (WAL gives no busy wait there).
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        // WAL: a reader (the tab) never blocks a sync; synchronous=NORMAL keeps every commit
        // through a crash of mmops, which is what kill -9 tests.
        use_wal(&conn).map_err(&sqlite)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(sqlite)?;
        let mut ledger = Self { conn, path: shown };
        ledger.migrate()?;
        Ok(ledger)
    }

    pub(super) fn err(&self) -> impl Fn(rusqlite::Error) -> LedgerError {
        sqlite_error(self.path.clone())
    }

    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        schema_version(&self.conn).map_err(self.err())
    }

    /// Brings the schema up to date in one transaction that holds the write lock from its
    /// start (`BEGIN IMMEDIATE`), and reads the version again inside it: of two openers of a
    /// new ledger, the second waits, then finds it migrated.
    fn migrate(&mut self) -> Result<(), LedgerError> {
        let known = MIGRATIONS.len() as i64;
        if self.schema_version()? == known {
            return Ok(());
        }
        let err = sqlite_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&err)?;
        let found = schema_version(&tx).map_err(&err)?;
        if found > known {
            return Err(LedgerError::TooNew {
                path: self.path.clone(),
                found,
                known,
            });
        }
        for sql in MIGRATIONS.iter().skip(found as usize) {
            tx.execute_batch(sql).map_err(&err)?;
        }
        tx.pragma_update(None, "user_version", known)
            .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Records invitations with their first evidence, all or none.
    pub fn record(&mut self, invites: &[NewInvitation]) -> Result<Vec<i64>, LedgerError> {
        let err = sqlite_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&err)?;
        let mut ids = Vec::with_capacity(invites.len());
        for invite in invites {
            ids.push(insert_invitation(&tx, invite).map_err(&err)?);
        }
        tx.commit().map_err(&err)?;
        Ok(ids)
    }

    /// Every invitation, newest first.
    pub fn invitations(&self) -> Result<Vec<Invitation>, LedgerError> {
        self.select_invitations("", [])
    }

    /// The invitations to one team, oldest first.
    pub fn team_invitations(&self, team_id: &str) -> Result<Vec<Invitation>, LedgerError> {
        let mut all = self.select_invitations("WHERE i.team_id = ?1", [team_id])?;
        all.reverse();
        Ok(all)
    }

    fn select_invitations<P: rusqlite::Params>(
        &self,
        filter: &str,
        params: P,
    ) -> Result<Vec<Invitation>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT i.id, i.sent_at, i.email, i.team_id, i.team_name, i.sender_id,
                        i.sender_username, i.kind, i.token_fingerprint, i.status, i.status_at,
                        i.status_reason, i.used_by_user_id, i.used_by_email, i.user_created,
                        (SELECT group_concat(source, ',') FROM
                            (SELECT source, min(id) AS first FROM evidence
                             WHERE invitation_id = i.id AND source <> 'status'
                             GROUP BY source ORDER BY first)),
                        i.channels, i.used_by_username, i.sender_unknown_reason
                 FROM invitations i {filter} ORDER BY i.sent_at DESC, i.id DESC"
            ))
            .map_err(self.err())?;
        let rows = statement
            .query_map(params, |row| {
                let sources: Option<String> = row.get(15)?;
                let channels: String = row.get(16)?;
                Ok(Invitation {
                    id: row.get(0)?,
                    sent_at: row.get(1)?,
                    email: row.get(2)?,
                    team_id: row.get(3)?,
                    team_name: row.get(4)?,
                    sender_id: row.get(5)?,
                    sender_username: row.get(6)?,
                    kind: row.get(7)?,
                    token_fingerprint: row.get(8)?,
                    status: row.get(9)?,
                    status_at: row.get(10)?,
                    status_reason: row.get(11)?,
                    used_by_user_id: row.get(12)?,
                    used_by_email: row.get(13)?,
                    user_created: row.get::<_, Option<i64>>(14)?.map(|v| v != 0),
                    sources: sources
                        .map(|s| s.split(',').map(str::to_string).collect())
                        .unwrap_or_default(),
                    channels: serde_json::from_str(&channels).unwrap_or_default(),
                    used_by_username: row.get(17)?,
                    sender_unknown_reason: row.get(18)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// The evidence of one invitation, oldest first: source, time, what it said.
    pub fn evidence(&self, invitation_id: i64) -> Result<Vec<(String, i64, String)>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT source, at, said FROM evidence WHERE invitation_id = ?1 ORDER BY at, id",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([invitation_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Records what a source saw, and where it stopped, in one transaction: a crash loses
    /// neither rows without their position nor a position without its rows. A sighting of an
    /// invitation already recorded (same address and team, sent within two minutes) adds
    /// evidence to it instead of a second row. Returns (new, already known).
    pub fn record_sightings(
        &mut self,
        sightings: &[NewInvitation],
        position: Option<(&str, &str, i64)>,
    ) -> Result<(usize, usize), LedgerError> {
        let observed = super::facts::Observations {
            invitations: sightings.to_vec(),
            ..Default::default()
        };
        let now_ms = position.map(|p| p.2).unwrap_or_default();
        let stored = self.store(&observed, position.map(|(s, p, _)| (s, p)), now_ms)?;
        Ok((stored.new_invitations, stored.known_invitations))
    }

    /// Writes resolved statuses in one transaction and, for each that changed, the evidence
    /// that decided it. Returns how many changed.
    pub fn set_resolutions(
        &mut self,
        resolved: &[(i64, super::resolve::Resolution)],
        now_ms: i64,
    ) -> Result<usize, LedgerError> {
        let err = sqlite_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&err)?;
        let mut changed = 0;
        for (id, resolution) in resolved {
            let before: (String, String) = tx
                .prepare_cached("SELECT status, status_reason FROM invitations WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))))
                .map_err(&err)?;
            if before.0 == resolution.status.as_str() && before.1 == resolution.reason {
                continue;
            }
            changed += 1;
            let used = resolution.used_by.as_ref();
            tx.prepare_cached(
                "UPDATE invitations SET status = ?2, status_at = ?3, status_reason = ?4,
                    used_by_user_id = ?5, used_by_username = ?6, used_by_email = ?7,
                    user_created = ?8
                 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    resolution.status.as_str(),
                    resolution.at,
                    resolution.reason,
                    used.map(|u| u.id.clone()),
                    used.and_then(|u| u.username.clone()),
                    used.and_then(|u| u.email.clone()),
                    resolution.user_created,
                ])
            })
            .map_err(&err)?;
            tx.prepare_cached(
                "INSERT INTO evidence (invitation_id, source, at, said) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    STATUS_SOURCE,
                    now_ms,
                    format!(
                        "{} (decided by {}): {}",
                        resolution.status.as_str(),
                        resolution.decided_by,
                        resolution.reason
                    )
                ])
            })
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(changed)
    }

    /// Fills in a sender learned later (for example from the server log).
    pub fn set_sender(
        &mut self,
        id: i64,
        sender_id: &str,
        source: &str,
        at: i64,
        said: &str,
    ) -> Result<(), LedgerError> {
        let err = sqlite_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute(
            "UPDATE invitations SET sender_id = ?2, sender_unknown_reason = NULL
             WHERE id = ?1 AND sender_id IS NULL",
            params![id, sender_id],
        )
        .map_err(&err)?;
        tx.execute(
            "INSERT INTO evidence (invitation_id, source, at, said) VALUES (?1, ?2, ?3, ?4)",
            params![id, source, at, said],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(())
    }

    /// Gives usernames to senders known only by id.
    pub fn name_senders(&mut self) -> Result<usize, LedgerError> {
        self.conn
            .execute(
                "UPDATE invitations SET sender_username =
                    (SELECT username FROM users WHERE users.id = invitations.sender_id)
                 WHERE sender_username IS NULL AND sender_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM users WHERE users.id = invitations.sender_id
                               AND users.username IS NOT NULL)",
                [],
            )
            .map_err(self.err())
    }

    /// Saves where a source stopped.
    pub fn set_position(
        &mut self,
        source: &str,
        position: &str,
        now_ms: i64,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO source_positions (source, position, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source) DO UPDATE SET position = ?2, updated_at = ?3",
                params![source, position, now_ms],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Teams of invitations mmops itself sent from `since_ms` on.
    pub fn teams_mmops_sent_since(&self, since_ms: i64) -> Result<Vec<String>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT i.team_id FROM evidence e JOIN invitations i
                 ON i.id = e.invitation_id
                 WHERE e.source = 'mmops' AND e.at >= ?1 AND i.team_id IS NOT NULL",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([since_ms], |row| row.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// Where a source stopped reading last time.
    pub fn position(&self, source: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row(
                "SELECT position FROM source_positions WHERE source = ?1",
                [source],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.err())
    }
}

fn insert_invitation(
    tx: &rusqlite::Transaction<'_>,
    invite: &NewInvitation,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO invitations (sent_at, email, team_id, team_name, channels, sender_id,
            sender_username, sender_unknown_reason, kind, token_fingerprint, status, status_at,
            status_reason)
         VALUES (?1, ?2, ?3, coalesce(?4, (SELECT name FROM teams WHERE id = ?3)), ?5, ?6, ?7,
                 ?8, ?9, ?10, ?11, ?1, ?12)",
    )?
    .execute(params![
        invite.sent_at,
        normalize_email(&invite.email),
        invite.team_id,
        (!invite.team_name.is_empty()).then_some(&invite.team_name),
        serde_json::to_string(&invite.channels).unwrap_or_else(|_| "[]".into()),
        invite.sender_id,
        invite.sender_username,
        invite
            .sender_id
            .is_none()
            .then_some("the source does not name the sender"),
        invite.kind,
        invite.token_fingerprint,
        invite.status,
        invite.status_reason,
    ])?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO evidence (invitation_id, source, at, said) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, invite.source, invite.sent_at, invite.said])?;
    Ok(id)
}

/// Records one sighting: evidence on the invitation it matches (same address and team, sent
/// within two minutes, or the same token), or a new invitation. Returns (id, new).
pub(super) fn store_sighting(
    tx: &rusqlite::Transaction<'_>,
    sighting: &NewInvitation,
) -> rusqlite::Result<(i64, bool)> {
    let email = normalize_email(&sighting.email);
    let by_token: Option<i64> = match &sighting.token_fingerprint {
        Some(fingerprint) => tx
            .prepare_cached("SELECT invitation_id FROM tokens WHERE fingerprint = ?1")?
            .query_row([fingerprint], |row| row.get(0))
            .optional()?,
        None => None,
    };
    let existing = match by_token {
        Some(id) => Some(id),
        None => tx
            .prepare_cached(
                "SELECT id FROM invitations
                 WHERE email = ?1 AND team_id = ?2 AND abs(sent_at - ?3) <= 120000
                 ORDER BY abs(sent_at - ?3) LIMIT 1",
            )?
            .query_row(params![email, sighting.team_id, sighting.sent_at], |row| {
                row.get(0)
            })
            .optional()?,
    };
    let Some(id) = existing else {
        return Ok((insert_invitation(tx, sighting)?, true));
    };
    let seen: bool = tx
        .prepare_cached(
            "SELECT count(*) > 0 FROM evidence WHERE invitation_id = ?1 AND source = ?2 AND said = ?3",
        )?
        .query_row(params![id, sighting.source, sighting.said], |row| row.get(0))?;
    if !seen {
        tx.prepare_cached(
            "INSERT INTO evidence (invitation_id, source, at, said) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            id,
            sighting.source,
            sighting.sent_at,
            sighting.said
        ])?;
    }
    // What this source adds: a sender, the team's name, channels, a refusal.
    tx.prepare_cached(
        "UPDATE invitations SET sender_id = coalesce(sender_id, ?2),
            sender_username = coalesce(sender_username, ?3),
            sender_unknown_reason = CASE WHEN coalesce(sender_id, ?2) IS NULL
                THEN sender_unknown_reason ELSE NULL END,
            team_name = coalesce(nullif(team_name, ''), ?4),
            channels = CASE WHEN channels = '[]' THEN ?5 ELSE channels END,
            status = CASE WHEN ?6 = 'failed' THEN 'failed' ELSE status END,
            status_reason = CASE WHEN ?6 = 'failed' THEN ?7 ELSE status_reason END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        sighting.sender_id,
        sighting.sender_username,
        (!sighting.team_name.is_empty()).then_some(&sighting.team_name),
        serde_json::to_string(&sighting.channels).unwrap_or_else(|_| "[]".into()),
        sighting.status,
        sighting.status_reason,
    ])?;
    Ok((id, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn invite(email: &str, status: &'static str) -> NewInvitation {
        NewInvitation {
            sent_at: 1_795_339_800_000,
            email: email.to_string(),
            team_id: "t1".into(),
            team_name: "engineering".into(),
            sender_id: Some("u1".into()),
            sender_username: Some("sysadmin".into()),
            kind: "member",
            status,
            status_reason: String::new(),
            source: "mmops",
            said: "sent by mmops invite".into(),
            token_fingerprint: None,
            channels: Vec::new(),
        }
    }

    #[test]
    fn a_new_ledger_is_private_migrated_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/ledger.sqlite");
        let mut ledger = Ledger::open(&path).unwrap();
        assert_eq!(ledger.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        ledger
            .record(&[invite(" Ana@Example.org ", "pending")])
            .unwrap();
        drop(ledger);
        let ledger = Ledger::open(&path).unwrap();
        let all = ledger.invitations().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].email, "ana@example.org");
        assert_eq!(all[0].sources, vec!["mmops".to_string()]);
        assert_eq!(ledger.evidence(all[0].id).unwrap().len(), 1);
        assert_eq!(ledger.position("audit").unwrap(), None);
    }

    #[test]
    fn a_ledger_from_a_newer_mmops_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        drop(Ledger::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Ledger::open(&path).err().unwrap();
        assert!(err.to_string().contains("newer mmops"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_named_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.sqlite");
        std::fs::write(&path, "these are my notes, not a database\n".repeat(40)).unwrap();
        let err = Ledger::open(&path).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is not an mmops ledger (not an SQLite database): move it away or give another --ledger",
                path.display()
            )
        );
        assert!(std::error::Error::source(&err).is_none());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "these are my notes, not a database\n".repeat(40),
            "the file is left as it was"
        );
    }

    #[test]
    fn sqlite_errors_are_not_repeated_by_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        let err = ledger
            .conn
            .execute("INSERT INTO nowhere VALUES (1)", [])
            .map_err(ledger.err())
            .unwrap_err();
        assert!(err.to_string().contains("no such table: nowhere"), "{err}");
        assert!(std::error::Error::source(&err).is_none());
    }

    /// Openers of a new ledger at the same moment: each must succeed and find the full schema.
    #[test]
    fn concurrent_first_opens_all_succeed() {
        const OPENERS: usize = 8;
        for round in 0..25 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("ledgers/{round}.sqlite"));
            let start = std::sync::Barrier::new(OPENERS);
            let results: Vec<Result<i64, String>> = std::thread::scope(|scope| {
                let openers: Vec<_> = (0..OPENERS)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            Ledger::open(&path)
                                .and_then(|ledger| ledger.schema_version())
                                .map_err(|e| e.to_string())
                        })
                    })
                    .collect();
                openers.into_iter().map(|t| t.join().unwrap()).collect()
            });
            for result in results {
                assert_eq!(result, Ok(MIGRATIONS.len() as i64), "round {round}");
            }
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mut ledger = Ledger::open(&path).unwrap();
            let journal: String = ledger
                .conn
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .unwrap();
            assert_eq!(journal, "wal");
            let columns: Vec<String> = ledger
                .conn
                .prepare("SELECT name FROM pragma_table_info('memberships')")
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(
                columns,
                [
                    "team_id",
                    "user_id",
                    "joined_at",
                    "how",
                    "source",
                    "left_at",
                    "updated_at"
                ]
            );
            ledger
                .record(&[invite("a@example.org", "pending")])
                .unwrap();
            assert_eq!(ledger.invitations().unwrap().len(), 1);
        }
    }

    #[test]
    fn a_sighting_of_a_known_invitation_adds_evidence_not_a_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        ledger
            .record(&[invite("a@example.org", "pending")])
            .unwrap();
        let mut seen = invite("A@example.org", "unknown");
        seen.sent_at += 800;
        seen.source = "audit";
        let mut other = invite("b@example.org", "unknown");
        other.source = "audit";
        other.sender_id = None;
        let counts = ledger
            .record_sightings(&[seen.clone(), other], Some(("audit", "1:2:300", 5)))
            .unwrap();
        assert_eq!(counts, (1, 1));
        // Seen again (a re-read after a crash): nothing doubles.
        ledger
            .record_sightings(&[seen], Some(("audit", "1:2:300", 6)))
            .unwrap();
        let all = ledger.invitations().unwrap();
        assert_eq!(all.len(), 2);
        let a = all.iter().find(|i| i.email == "a@example.org").unwrap();
        assert_eq!(a.sources, vec!["mmops".to_string(), "audit".to_string()]);
        assert_eq!(ledger.evidence(a.id).unwrap().len(), 2);
        assert_eq!(
            ledger.position("audit").unwrap().as_deref(),
            Some("1:2:300")
        );
    }

    #[test]
    fn a_failed_batch_records_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        let mut bad = invite("b@example.org", "pending");
        bad.kind = "neither";
        let err = ledger.record(&[invite("a@example.org", "pending"), bad]);
        assert!(err.is_err());
        assert!(ledger.invitations().unwrap().is_empty(), "all or none");
    }
}
