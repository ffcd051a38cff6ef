//! What the sources saw besides invitations: accounts, teams, memberships, team events
//! (joins, adds, invalidations, invite requests) and invite tokens. Each source hands an
//! [`Observations`] to [`Ledger::store`], which writes it, the invitations it implies and the
//! source's position in one transaction.
//!
//! [`Ledger::store`]: super::ledger::Ledger::store

mod queries;
mod store;

use std::collections::HashSet;

use super::ledger::NewInvitation;

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

/// What [`Ledger::store`](super::ledger::Ledger::store) changed.
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
