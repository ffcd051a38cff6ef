//! Opening a ledger: the file created private (mode 0600), the busy timeout and WAL mode that
//! let several processes share it, and the schema migrations that bring it up to date.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::{Ledger, LedgerError, sqlite_error};

/// How long an opener or a writer waits for another one's lock (a migration, a sync's
/// transaction) before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Each entry moves the schema one version forward; the version is `PRAGMA user_version`.
pub(super) const MIGRATIONS: &[&str] = &[
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
}
