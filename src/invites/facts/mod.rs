//! What the sources saw besides invitations: accounts, teams, memberships, team events
//! (joins, adds, invalidations, invite requests) and invite tokens. Each source hands an
//! [`Observations`] to [`Ledger::store`], which writes it, the invitations it implies and the
//! source's position in one transaction.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Transaction, params};

use super::ledger::{Ledger, LedgerError, NewInvitation, normalize_email, sqlite_error};

/// An account as a source saw it. Absent facts stay as they were recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFact {
    pub id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub created_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub auth_service: Option<String>,
    pub guest: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamFact {
    pub id: String,
    pub name: String,
    pub display_name: String,
    /// Not open to anyone on the server: members need an invite, a link or an admin.
    pub invite_only: bool,
    pub group_constrained: bool,
    pub created_at: Option<i64>,
}

/// A team membership; `joined_at` is `None` when the source does not know it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFact {
    pub team_id: String,
    pub user_id: String,
    pub joined_at: Option<i64>,
    pub left_at: Option<i64>,
}

/// Something that happened to a team (or, for invalidations, to every team).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// An account was created with an invite token (audit `createUser` with `token_type`).
    CreatedByInvite,
    /// An existing account joined with an email invite token (audit
    /// `addUserToTeamFromInvite` without an invite id).
    JoinedByToken,
    /// Joined with the team's invite link (`invite_id`).
    JoinedByLink,
    /// Joined, way unknown (a `system_join_team` post).
    Joined,
    /// Added by `actor` (audit `addTeamMember(s)`, a `system_add_to_team` post).
    Added,
    Left,
    Removed,
    /// Every pending email invite was invalidated.
    InvalidatedAll,
    /// An invite request reached the server (debug log), `detail` holds the status code.
    InviteRequest,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::CreatedByInvite,
        EventKind::JoinedByToken,
        EventKind::JoinedByLink,
        EventKind::Joined,
        EventKind::Added,
        EventKind::Left,
        EventKind::Removed,
        EventKind::InvalidatedAll,
        EventKind::InviteRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CreatedByInvite => "created_by_invite",
            EventKind::JoinedByToken => "joined_by_token",
            EventKind::JoinedByLink => "joined_by_link",
            EventKind::Joined => "joined",
            EventKind::Added => "added",
            EventKind::Left => "left",
            EventKind::Removed => "removed",
            EventKind::InvalidatedAll => "invalidated_all",
            EventKind::InviteRequest => "invite_request",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamEvent {
    pub at: i64,
    pub kind: EventKind,
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub detail: String,
    pub source: String,
}

/// An invite token as the database holds it, by fingerprint only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFact {
    pub fingerprint: String,
    pub created_at: i64,
}

/// Everything one source read in one run.
#[derive(Debug, Default)]
pub struct Observations {
    pub users: Vec<UserFact>,
    pub teams: Vec<TeamFact>,
    pub members: Vec<MemberFact>,
    pub events: Vec<TeamEvent>,
    /// Invitations seen (sent, from a token, from a resend job); a token's sighting carries
    /// its fingerprint.
    pub invitations: Vec<NewInvitation>,
    /// The complete list of invite tokens present now (a database read), or `None` when the
    /// source cannot see tokens. Tokens recorded earlier and missing from it are gone.
    pub tokens_present: Option<Vec<TokenFact>>,
}

/// What [`Ledger::store`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stored {
    pub new_invitations: usize,
    pub known_invitations: usize,
    pub tokens_gone: usize,
    pub events: usize,
    /// The teams whose invitations may need deciding again.
    pub dirty: Dirty,
}

/// Teams touched by new facts, or all of them (a server-wide event, a large batch).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dirty {
    pub all: bool,
    pub teams: HashSet<String>,
}

impl Dirty {
    pub fn team(&mut self, team_id: Option<&str>) {
        match team_id {
            Some(id) if !self.all => {
                if !self.teams.contains(id) {
                    self.teams.insert(id.to_string());
                }
            }
            Some(_) => {}
            None => self.all = true,
        }
    }

    pub fn merge(&mut self, other: Dirty) {
        self.all |= other.all;
        if !self.all {
            self.teams.extend(other.teams);
        }
    }
}

/// A batch of changed accounts larger than this marks every team dirty instead of looking
/// up each account's invitations.
const USERS_FOR_ALL: usize = 1000;

/// A token as recorded: when it was first and last seen, and when it was found gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSeen {
    pub created_at: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub gone_at: Option<i64>,
}

/// One source's last run, for the header line and `sync`'s summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRun {
    pub source: String,
    pub at: i64,
    pub ok: bool,
    pub summary: String,
}

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
            let (id, new) = super::ledger::store_sighting(&tx, sighting).map_err(&err)?;
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
