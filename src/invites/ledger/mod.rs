//! mmops' own record of invitations: SQLite, one file per server, mode 0600, versioned
//! migrations, every write in a transaction. History is never deleted: a status changes and
//! the evidence for it is added.

mod open;

use rusqlite::{Connection, OptionalExtension, params};

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

/// Emails are compared the way the server stores them: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Ledger {
    pub(super) fn err(&self) -> impl Fn(rusqlite::Error) -> LedgerError {
        sqlite_error(self.path.clone())
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
mod tests;
