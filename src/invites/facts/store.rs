//! Writing what the sources saw: [`Ledger::store`] records one source's [`Observations`] and
//! its position in one transaction and tells which teams need deciding again; a source's run
//! and the senders learned from invite requests are recorded here too.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Transaction, params};

use super::{MemberFact, Observations, SourceRun, Stored, TeamEvent, TeamFact, UserFact};
use crate::invites::ledger::{Ledger, LedgerError, normalize_email, sqlite_error, store_sighting};

/// A batch of changed accounts larger than this marks every team dirty instead of looking
/// up each account's invitations.
const USERS_FOR_ALL: usize = 1000;

impl Ledger {
    /// Writes a source's observations, the invitations they imply and the source's position,
    /// all or nothing.
    pub fn store(
        &mut self,
        observed: &Observations,
        position: Option<(&str, &str)>,
        now_ms: i64,
    ) -> Result<Stored, LedgerError> {
        let err = sqlite_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&err)?;
        let mut stored = Stored::default();
        for team in &observed.teams {
            store_team(&tx, team).map_err(&err)?;
        }
        if observed.users.len() > USERS_FOR_ALL {
            stored.dirty.all = true;
        }
        for user in &observed.users {
            let changed = store_user(&tx, user).map_err(&err)?;
            if changed && !stored.dirty.all {
                for team in invited_teams(&tx, user).map_err(&err)? {
                    stored.dirty.team(Some(&team));
                }
            }
        }
        for member in &observed.members {
            store_member(&tx, member, now_ms).map_err(&err)?;
            stored.dirty.team(Some(&member.team_id));
        }
        for event in &observed.events {
            let new = store_event(&tx, event).map_err(&err)?;
            stored.events += new;
            if new > 0 {
                stored.dirty.team(event.team_id.as_deref());
            }
        }
        for sighting in &observed.invitations {
            // A token seen before only needs its last sighting moved.
            if let Some(fingerprint) = &sighting.token_fingerprint {
                let seen = tx
                    .prepare_cached(
                        "UPDATE tokens SET last_seen = ?2 WHERE fingerprint = ?1 AND gone_at IS NULL",
                    )
                    .and_then(|mut s| s.execute(params![fingerprint, now_ms]))
                    .map_err(&err)?;
                if seen > 0 {
                    stored.known_invitations += 1;
                    continue;
                }
            }
            let (id, new) = store_sighting(&tx, sighting).map_err(&err)?;
            if new {
                stored.new_invitations += 1;
                stored.dirty.team(Some(&sighting.team_id));
            } else {
                stored.known_invitations += 1;
            }
            if let Some(fingerprint) = &sighting.token_fingerprint {
                let inserted = tx
                    .prepare_cached(
                        "INSERT INTO tokens (fingerprint, invitation_id, created_at, first_seen, last_seen)
                         VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (fingerprint) DO NOTHING",
                    )
                    .and_then(|mut s| s.execute(params![fingerprint, id, sighting.sent_at, now_ms]))
                    .map_err(&err)?;
                if inserted > 0 {
                    stored.dirty.team(Some(&sighting.team_id));
                    tx.prepare_cached(
                        "UPDATE invitations SET token_fingerprint = ?2 WHERE id = ?1",
                    )
                    .and_then(|mut s| s.execute(params![id, fingerprint]))
                    .map_err(&err)?;
                } else {
                    tx.prepare_cached(
                        "UPDATE tokens SET last_seen = ?2, gone_at = NULL WHERE fingerprint = ?1",
                    )
                    .and_then(|mut s| s.execute(params![fingerprint, now_ms]))
                    .map_err(&err)?;
                }
            }
        }
        if let Some(present) = &observed.tokens_present {
            let present: HashSet<&str> = present.iter().map(|t| t.fingerprint.as_str()).collect();
            let mut open = tx
                .prepare("SELECT fingerprint FROM tokens WHERE gone_at IS NULL")
                .map_err(&err)?;
            let open: Vec<String> = open
                .query_map([], |row| row.get(0))
                .map_err(&err)?
                .collect::<Result<_, _>>()
                .map_err(&err)?;
            for fingerprint in open {
                if !present.contains(fingerprint.as_str()) {
                    tx.execute(
                        "UPDATE tokens SET gone_at = ?2 WHERE fingerprint = ?1",
                        params![fingerprint, now_ms],
                    )
                    .map_err(&err)?;
                    stored.tokens_gone += 1;
                    let team: Option<String> = tx
                        .query_row(
                            "SELECT i.team_id FROM tokens t JOIN invitations i
                             ON i.id = t.invitation_id WHERE t.fingerprint = ?1",
                            [&fingerprint],
                            |row| row.get(0),
                        )
                        .optional()
                        .map_err(&err)?
                        .flatten();
                    stored.dirty.team(team.as_deref());
                }
            }
        }
        if let Some((source, position)) = position {
            tx.execute(
                "INSERT INTO source_positions (source, position, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source) DO UPDATE SET position = ?2, updated_at = ?3",
                params![source, position, now_ms],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(stored)
    }

    /// Records how a source's run went (for the tab's header and the next sync).
    pub fn note_run(&mut self, run: &SourceRun) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO source_runs (source, at, ok, summary) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (source) DO UPDATE SET at = ?2, ok = ?3, summary = ?4",
                params![run.source, run.at, run.ok, run.summary],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Gives invitations without a sender the sender of an invite request to the same team
    /// within `window_ms` (the server log names senders, a plain invite's token does not).
    pub fn fill_senders_from_requests(&mut self, window_ms: i64) -> Result<usize, LedgerError> {
        let found: Vec<(i64, String, i64, String, String)> = {
            let mut statement = self
                .conn
                .prepare(
                    "SELECT i.id, e.actor_id, e.at, e.detail, e.source FROM invitations i
                     JOIN team_events e ON e.team_id = i.team_id AND e.kind = 'invite_request'
                         AND abs(e.at - i.sent_at) <= ?1 AND e.actor_id IS NOT NULL
                     WHERE i.sender_id IS NULL
                     ORDER BY i.id, abs(e.at - i.sent_at)",
                )
                .map_err(self.err())?;
            statement
                .query_map([window_ms], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                })
                .map_err(self.err())?
                .collect::<Result<_, _>>()
                .map_err(self.err())?
        };
        let mut done = HashSet::new();
        for (id, sender, at, detail, source) in found {
            if done.insert(id) {
                self.set_sender(
                    id,
                    &sender,
                    &source,
                    at,
                    &format!("sent by {sender}: {detail}"),
                )?;
            }
        }
        Ok(done.len())
    }
}

fn store_team(tx: &Transaction<'_>, team: &TeamFact) -> rusqlite::Result<()> {
    let changed = tx
        .prepare_cached(
            "INSERT INTO teams (id, name, display_name, invite_only, group_constrained, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET name = ?2, display_name = ?3, invite_only = ?4,
                group_constrained = ?5, created_at = coalesce(?6, created_at)
             WHERE (teams.name, teams.display_name, teams.invite_only, teams.group_constrained,
                    teams.created_at)
                IS NOT (?2, ?3, ?4, ?5, coalesce(?6, teams.created_at))",
        )?
        .execute(params![
            team.id,
            team.name,
            team.display_name,
            team.invite_only,
            team.group_constrained,
            team.created_at
        ])?;
    if changed == 0 {
        return Ok(());
    }
    // Invitations recorded before the team's name was known get it now.
    tx.prepare_cached(
        "UPDATE invitations SET team_name = ?2 WHERE team_id = ?1 AND coalesce(team_name, '') = ''",
    )?
    .execute(params![team.id, team.name])?;
    Ok(())
}

/// The teams this account's address was invited to.
fn invited_teams(tx: &Transaction<'_>, user: &UserFact) -> rusqlite::Result<Vec<String>> {
    let Some(email) = &user.email else {
        return Ok(Vec::new());
    };
    tx.prepare_cached(
        "SELECT DISTINCT team_id FROM invitations WHERE email = ?1 AND team_id IS NOT NULL",
    )?
    .query_map([normalize_email(email)], |row| row.get(0))?
    .collect()
}

/// Stores an account; returns whether anything about it changed.
fn store_user(tx: &Transaction<'_>, user: &UserFact) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached(
            "INSERT INTO users (id, username, email, created_at, deleted_at, auth_service, guest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET username = coalesce(?2, username),
                email = coalesce(?3, email), created_at = coalesce(?4, created_at),
                deleted_at = coalesce(?5, deleted_at), auth_service = coalesce(?6, auth_service),
                guest = ?7
             WHERE (users.username, users.email, users.created_at, users.deleted_at,
                    users.auth_service, users.guest)
                IS NOT (coalesce(?2, users.username), coalesce(?3, users.email),
                        coalesce(?4, users.created_at), coalesce(?5, users.deleted_at),
                        coalesce(?6, users.auth_service), ?7)",
        )?
        .execute(params![
            user.id,
            user.username,
            user.email.as_deref().map(normalize_email),
            user.created_at,
            user.deleted_at.filter(|at| *at > 0),
            user.auth_service,
            user.guest
        ])?;
    Ok(changed > 0)
}

fn store_member(tx: &Transaction<'_>, member: &MemberFact, now_ms: i64) -> rusqlite::Result<()> {
    // A join time of 0 is the server's "unknown" (rows older than the column).
    let joined = member.joined_at.filter(|at| *at > 0);
    tx.prepare_cached(
        "INSERT INTO memberships (team_id, user_id, joined_at, left_at, how, source, updated_at)
         VALUES (?1, ?2, ?3, ?4, '', '', ?5)
         ON CONFLICT (team_id, user_id) DO UPDATE SET
            joined_at = CASE WHEN ?3 IS NULL THEN joined_at
                             WHEN joined_at IS NULL OR ?3 < joined_at THEN ?3
                             ELSE joined_at END,
            left_at = ?4, updated_at = ?5",
    )?
    .execute(params![
        member.team_id,
        member.user_id,
        joined,
        member.left_at.filter(|at| *at > 0),
        now_ms
    ])?;
    Ok(())
}

/// Stores an event once; returns 1 when it was new.
fn store_event(tx: &Transaction<'_>, event: &TeamEvent) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO team_events (at, kind, team_id, user_id, actor_id, detail, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        event.at,
        event.kind.as_str(),
        event.team_id,
        event.user_id,
        event.actor_id,
        event.detail,
        event.source
    ])
}
