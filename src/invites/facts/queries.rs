//! Reading back what the sources saw: teams, accounts, memberships, team events, tokens and
//! each source's last run, and the counts and team lists a sync decides from.

use rusqlite::{OptionalExtension, params};

use super::{EventKind, MemberFact, SourceRun, TeamEvent, TeamFact, TokenSeen, UserFact};
use crate::invites::ledger::{Ledger, LedgerError, normalize_email};

impl Ledger {
    /// The teams (`None`: every team) of the events `source` recorded from `since_ms` on.
    pub fn event_teams_since(
        &self,
        source: &str,
        since_ms: i64,
    ) -> Result<Vec<Option<String>>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT team_id FROM team_events WHERE source = ?1 AND at >= ?2",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map(params![source, since_ms], |row| row.get(0))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    pub fn runs(&self) -> Result<Vec<SourceRun>, LedgerError> {
        let mut statement = self
            .conn
            .prepare("SELECT source, at, ok, summary FROM source_runs ORDER BY source")
            .map_err(self.err())?;
        let rows = statement
            .query_map([], |row| {
                Ok(SourceRun {
                    source: row.get(0)?,
                    at: row.get(1)?,
                    ok: row.get(2)?,
                    summary: row.get(3)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    pub fn teams(&self) -> Result<Vec<TeamFact>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT id, name, display_name, invite_only, group_constrained, created_at
                 FROM teams ORDER BY name",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([], team_row)
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    pub fn team(&self, id: &str) -> Result<Option<TeamFact>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT id, name, display_name, invite_only, group_constrained, created_at
                 FROM teams WHERE id = ?1",
            )
            .and_then(|mut s| s.query_row([id], team_row).optional())
            .map_err(self.err())
    }

    pub fn user(&self, id: &str) -> Result<Option<UserFact>, LedgerError> {
        self.conn
            .prepare_cached(&format!("{USER_COLUMNS} WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id], user_row).optional())
            .map_err(self.err())
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<UserFact>, LedgerError> {
        self.conn
            .prepare_cached(&format!(
                "{USER_COLUMNS} WHERE email = ?1 ORDER BY deleted_at IS NOT NULL, created_at DESC LIMIT 1"
            ))
            .and_then(|mut s| s.query_row([normalize_email(email)], user_row).optional())
            .map_err(self.err())
    }

    /// Members of a team, past ones included.
    pub fn members(&self, team_id: &str) -> Result<Vec<MemberFact>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT team_id, user_id, joined_at, left_at FROM memberships WHERE team_id = ?1",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([team_id], |row| {
                Ok(MemberFact {
                    team_id: row.get(0)?,
                    user_id: row.get(1)?,
                    joined_at: row.get(2)?,
                    left_at: row.get(3)?,
                })
            })
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The events of a team, and the server-wide ones (invalidations, account creations),
    /// oldest first.
    pub fn events(&self, team_id: &str) -> Result<Vec<TeamEvent>, LedgerError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT at, kind, team_id, user_id, actor_id, detail, source FROM team_events
                 WHERE team_id = ?1 OR team_id IS NULL ORDER BY at, id",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([team_id], |row| {
                let kind: String = row.get(1)?;
                let Some(kind) = EventKind::parse(&kind) else {
                    return Ok(None);
                };
                Ok(Some(TeamEvent {
                    at: row.get(0)?,
                    kind,
                    team_id: row.get(2)?,
                    user_id: row.get(3)?,
                    actor_id: row.get(4)?,
                    detail: row.get(5)?,
                    source: row.get(6)?,
                }))
            })
            .map_err(self.err())?;
        let mut events = Vec::new();
        for row in rows {
            if let Some(event) = row.map_err(self.err())? {
                events.push(event);
            }
        }
        Ok(events)
    }

    pub fn token(&self, fingerprint: &str) -> Result<Option<TokenSeen>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT created_at, first_seen, last_seen, gone_at FROM tokens
                 WHERE fingerprint = ?1",
            )
            .and_then(|mut s| {
                s.query_row([fingerprint], |row| {
                    Ok(TokenSeen {
                        created_at: row.get(0)?,
                        first_seen: row.get(1)?,
                        last_seen: row.get(2)?,
                        gone_at: row.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(self.err())
    }

    /// How many unexpired invite tokens were found gone at the same moment as this one.
    pub fn tokens_gone_with(&self, gone_at: i64) -> Result<usize, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM tokens WHERE gone_at = ?1 AND created_at > ?1 - 172800000",
            )
            .and_then(|mut s| s.query_row([gone_at], |row| row.get::<_, i64>(0)))
            .map(|n| n.max(0) as usize)
            .map_err(self.err())
    }

    pub fn invitation_count(&self) -> Result<usize, LedgerError> {
        self.conn
            .query_row("SELECT count(*) FROM invitations", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as usize)
            .map_err(self.err())
    }

    /// The teams that have invitations.
    pub fn invited_team_ids(&self) -> Result<Vec<String>, LedgerError> {
        self.strings(
            "SELECT DISTINCT team_id FROM invitations WHERE team_id IS NOT NULL",
            [],
        )
    }

    /// The teams with an open invitation (pending or unknown) whose 48 hours are over by
    /// `now_ms`: time alone changes those.
    pub fn teams_with_invitations_expiring_by(
        &self,
        now_ms: i64,
    ) -> Result<Vec<String>, LedgerError> {
        self.strings(
            "SELECT DISTINCT team_id FROM invitations
             WHERE team_id IS NOT NULL AND status IN ('pending', 'unknown')
               AND sent_at <= ?1 - 172800000",
            [now_ms],
        )
    }

    /// How many invitations have evidence from `source`.
    pub fn invitations_from(&self, source: &str) -> Result<usize, LedgerError> {
        self.conn
            .prepare_cached("SELECT count(DISTINCT invitation_id) FROM evidence WHERE source = ?1")
            .and_then(|mut s| s.query_row([source], |row| row.get::<_, i64>(0)))
            .map(|n| n.max(0) as usize)
            .map_err(self.err())
    }

    fn strings<P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
    ) -> Result<Vec<String>, LedgerError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(self.err())?;
        let rows = statement
            .query_map(params, |row| row.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The team ids that have invitations or members recorded.
    pub fn team_ids(&self) -> Result<Vec<String>, LedgerError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT team_id FROM invitations WHERE team_id IS NOT NULL
                 UNION SELECT team_id FROM memberships UNION SELECT id FROM teams",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([], |row| row.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }
}

const USER_COLUMNS: &str =
    "SELECT id, username, email, created_at, deleted_at, auth_service, guest FROM users";

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserFact> {
    Ok(UserFact {
        id: row.get(0)?,
        username: row.get(1)?,
        email: row.get(2)?,
        created_at: row.get(3)?,
        deleted_at: row.get(4)?,
        auth_service: row.get(5)?,
        guest: row.get(6)?,
    })
}

fn team_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TeamFact> {
    Ok(TeamFact {
        id: row.get(0)?,
        name: row.get(1)?,
        display_name: row.get(2)?,
        invite_only: row.get(3)?,
        group_constrained: row.get(4)?,
        created_at: row.get(5)?,
    })
}
