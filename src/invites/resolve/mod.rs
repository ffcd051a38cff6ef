//! An invitation's status, decided from the evidence the sources left in the ledger. Each
//! team is resolved as a whole, because a join with someone else's token can only be pinned
//! to an invitation by looking at every invitation open to that team at that moment.

use std::collections::HashMap;

use super::facts::{Dirty, EventKind, MemberFact, TeamEvent, TokenSeen, UserFact};
use super::ledger::{Invitation, Ledger, LedgerError, normalize_email};
use crate::timefmt;

/// Invite tokens are valid for 48 hours.
pub const VALIDITY_MS: i64 = 48 * 60 * 60 * 1000;
/// How far apart two records of the same moment may be (clocks, request latency).
pub const SLACK_MS: i64 = 2 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pending,
    Accepted,
    AcceptedByOther,
    Expired,
    Revoked,
    Failed,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::Accepted,
        Status::AcceptedByOther,
        Status::Expired,
        Status::Revoked,
        Status::Failed,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::AcceptedByOther => "accepted_by_other",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What decided an invitation's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub status: Status,
    /// When the status took effect.
    pub at: i64,
    pub reason: String,
    pub used_by: Option<UserFact>,
    /// Whether the account that used it was created by it.
    pub user_created: Option<bool>,
    /// The source whose evidence decided it.
    pub decided_by: String,
}

/// Everything recorded about one team, as the resolver needs it.
#[derive(Debug, Default)]
pub struct TeamCase {
    pub team_name: String,
    pub invitations: Vec<Invitation>,
    pub members: Vec<MemberFact>,
    /// The team's events and the server-wide ones, oldest first.
    pub events: Vec<TeamEvent>,
    /// Accounts by id (members, joiners, the invited addresses' accounts).
    pub users: HashMap<String, UserFact>,
    /// Tokens by fingerprint, and for a vanished token how many vanished with it.
    pub tokens: HashMap<String, (TokenSeen, usize)>,
    /// When the database's token list was last read, if ever.
    pub tokens_read_at: Option<i64>,
    /// Whether the audit log is read (so an invalidation would have been seen).
    pub audit_read: bool,
}

impl TeamCase {
    fn user_by_email(&self, email: &str) -> Option<&UserFact> {
        let email = normalize_email(email);
        self.users
            .values()
            .filter(|u| u.email.as_deref() == Some(email.as_str()))
            .min_by_key(|u| (u.deleted_at.is_some(), std::cmp::Reverse(u.created_at)))
    }

    fn name(&self, user: &UserFact) -> String {
        user.username
            .clone()
            .or_else(|| user.email.clone())
            .unwrap_or_else(|| user.id.clone())
    }

    /// When `user_id` joined the team within `[from, to)`, and which source says so.
    fn join_between(&self, user_id: &str, from: i64, to: i64) -> Option<(i64, String)> {
        let from = from - SLACK_MS;
        let mut joins: Vec<(i64, String)> = self
            .members
            .iter()
            .filter(|m| m.user_id == user_id)
            .filter_map(|m| m.joined_at.map(|at| (at, "team membership".to_string())))
            .chain(
                self.events
                    .iter()
                    .filter(|e| {
                        e.user_id.as_deref() == Some(user_id)
                            && e.team_id.is_some()
                            && matches!(
                                e.kind,
                                EventKind::JoinedByToken | EventKind::Joined | EventKind::Added
                            )
                    })
                    .map(|e| (e.at, e.source.clone())),
            )
            .filter(|(at, _)| *at >= from && *at < to)
            .collect();
        joins.sort();
        joins.into_iter().next()
    }

    /// An account created with an invite token within `[from, to)` that is a member of the
    /// team (guests get no join post, and REST gives no join time).
    fn created_member_between(&self, user_id: &str, from: i64, to: i64) -> Option<(i64, String)> {
        if !self.members.iter().any(|m| m.user_id == user_id) {
            return None;
        }
        self.events
            .iter()
            .find(|e| {
                e.kind == EventKind::CreatedByInvite
                    && e.user_id.as_deref() == Some(user_id)
                    && e.at >= from - SLACK_MS
                    && e.at < to
            })
            .map(|e| (e.at, e.source.clone()))
    }

    /// The earliest server-wide invalidation in `(from, to)`.
    fn invalidation_between(&self, from: i64, to: i64) -> Option<&TeamEvent> {
        self.events
            .iter()
            .find(|e| e.kind == EventKind::InvalidatedAll && e.at > from && e.at < to)
    }

    fn created_by_invite(&self, user: &UserFact, join_at: i64) -> Option<bool> {
        if self.events.iter().any(|e| {
            e.kind == EventKind::CreatedByInvite
                && e.user_id.as_deref() == Some(user.id.as_str())
                && (e.at - join_at).abs() <= SLACK_MS
        }) {
            return Some(true);
        }
        user.created_at.map(|created| created + SLACK_MS >= join_at)
    }
}

/// A join that consumed someone's invite token: who, when, and what says so.
struct TokenJoin<'a> {
    at: i64,
    user: Option<&'a UserFact>,
    user_id: String,
    source: String,
    /// The invitations whose tokens vanished while it happened, when the database tells.
    vanished: Vec<i64>,
}

/// Resolves every invitation of one team.
pub fn resolve_team(case: &TeamCase, now_ms: i64) -> Vec<(i64, Resolution)> {
    let mut out: HashMap<i64, Resolution> = HashMap::new();
    // 1. Refusals stay refusals; joins by the invited address decide acceptance.
    for invite in &case.invitations {
        if invite.status == Status::Failed.as_str() {
            continue;
        }
        let end = window_end(case, invite);
        let Some(user) = case.user_by_email(&invite.email) else {
            continue;
        };
        let joined = case
            .join_between(&user.id, invite.sent_at, end)
            .or_else(|| case.created_member_between(&user.id, invite.sent_at, end));
        if let Some((at, source)) = joined {
            let created = case.created_by_invite(user, at);
            let account = match created {
                Some(true) => "an account created by this invite",
                Some(false) => "an existing account",
                None => "an account",
            };
            out.insert(
                invite.id,
                Resolution {
                    status: Status::Accepted,
                    at,
                    reason: format!(
                        "{} joined {} at {} with {account} ({source})",
                        case.name(user),
                        case.team_name,
                        timefmt::utc_minute(at)
                    ),
                    used_by: Some(user.clone()),
                    user_created: created,
                    decided_by: source,
                },
            );
        }
    }
    // 2. Joins with a token that was not the joiner's own invite.
    for join in token_joins(case) {
        let own = case.invitations.iter().any(|i| {
            out.get(&i.id)
                .and_then(|r| r.used_by.as_ref())
                .map(|u| &u.id)
                == Some(&join.user_id)
        });
        if own {
            continue;
        }
        let candidates: Vec<&Invitation> = case
            .invitations
            .iter()
            .filter(|i| match join.vanished.is_empty() {
                false => join.vanished.contains(&i.id) && !out.contains_key(&i.id),
                true => {
                    i.status != Status::Failed.as_str()
                        && i.sent_at <= join.at + SLACK_MS
                        && join.at < window_end(case, i)
                        && !out.contains_key(&i.id)
                        && !token_seen_after(case, i, join.at)
                }
            })
            .collect();
        let joiner = join
            .user
            .map(|u| case.name(u))
            .unwrap_or_else(|| join.user_id.clone());
        match candidates.as_slice() {
            [invite] => {
                let user = join.user.cloned().unwrap_or(UserFact {
                    id: join.user_id.clone(),
                    ..Default::default()
                });
                let created = case.created_by_invite(&user, join.at);
                out.insert(
                    invite.id,
                    Resolution {
                        status: Status::AcceptedByOther,
                        at: join.at,
                        reason: format!(
                            "used by {joiner} ({}), not {}: joined {} at {} with an invite token ({})",
                            user.email.as_deref().unwrap_or("email unknown"),
                            invite.email,
                            case.team_name,
                            timefmt::utc_minute(join.at),
                            join.source
                        ),
                        used_by: Some(user),
                        user_created: created,
                        decided_by: join.source.clone(),
                    },
                );
            }
            [] => {}
            several => {
                let addresses: Vec<&str> = several.iter().map(|i| i.email.as_str()).collect();
                for invite in several {
                    out.insert(
                        invite.id,
                        Resolution {
                            status: Status::Unknown,
                            at: join.at,
                            reason: format!(
                                "{joiner} joined {} at {} with someone's invite token: one of {} open invitations ({})",
                                case.team_name,
                                timefmt::utc_minute(join.at),
                                several.len(),
                                addresses.join(", ")
                            ),
                            used_by: None,
                            user_created: None,
                            decided_by: join.source.clone(),
                        },
                    );
                }
            }
        }
    }
    // 3. What became of the rest.
    for invite in &case.invitations {
        if invite.status == Status::Failed.as_str() || out.contains_key(&invite.id) {
            continue;
        }
        out.insert(invite.id, unused(case, invite, now_ms));
    }
    let mut resolved: Vec<(i64, Resolution)> = out.into_iter().collect();
    resolved.sort_by_key(|(id, _)| *id);
    resolved
}

/// When an invitation stopped being usable: 48 hours after it was sent, or an invalidation.
fn window_end(case: &TeamCase, invite: &Invitation) -> i64 {
    let expiry = invite.sent_at + VALIDITY_MS;
    case.invalidation_between(invite.sent_at, expiry)
        .map(|e| e.at)
        .unwrap_or(expiry)
}

/// Whether the invitation's token was still in the database after `at` (so it was not used
/// then).
fn token_seen_after(case: &TeamCase, invite: &Invitation, at: i64) -> bool {
    invite
        .token_fingerprint
        .as_ref()
        .and_then(|f| case.tokens.get(f))
        .is_some_and(|(seen, _)| seen.last_seen > at + SLACK_MS)
}

/// Joins that used an invite token: audit records of an existing account joining with a
/// token, and members who joined while an invite's token vanished.
fn token_joins(case: &TeamCase) -> Vec<TokenJoin<'_>> {
    let mut joins: Vec<TokenJoin<'_>> = case
        .events
        .iter()
        .filter(|e| e.kind == EventKind::JoinedByToken && e.team_id.is_some())
        .filter_map(|e| {
            let user_id = e.user_id.clone()?;
            Some(TokenJoin {
                at: e.at,
                user: case.users.get(&user_id),
                user_id,
                source: e.source.clone(),
                vanished: Vec::new(),
            })
        })
        .collect();
    // The database: members who joined while an unexpired invite token vanished (between
    // the last read that saw it and the read that found it gone). Those tokens, less the ones
    // their own addresses used, are the candidates for the member's join.
    let mut vanished_for: HashMap<&str, Vec<i64>> = HashMap::new();
    for invite in &case.invitations {
        let Some((token, _)) = invite
            .token_fingerprint
            .as_ref()
            .and_then(|f| case.tokens.get(f))
        else {
            continue;
        };
        let Some(gone) = token.gone_at else { continue };
        if gone >= invite.sent_at + VALIDITY_MS + SLACK_MS {
            continue;
        }
        let invited = normalize_email(&invite.email);
        for member in &case.members {
            let in_window = member
                .joined_at
                .is_some_and(|at| at > token.last_seen - SLACK_MS && at <= gone + SLACK_MS);
            let email = case
                .users
                .get(&member.user_id)
                .and_then(|u| u.email.as_deref());
            if in_window && email != Some(invited.as_str()) {
                vanished_for
                    .entry(member.user_id.as_str())
                    .or_default()
                    .push(invite.id);
            }
        }
    }
    for (user_id, invitations) in vanished_for {
        let Some(at) = case
            .members
            .iter()
            .find(|m| m.user_id == user_id)
            .and_then(|m| m.joined_at)
        else {
            continue;
        };
        if joins.iter().any(|j| j.user_id == user_id) {
            continue;
        }
        joins.push(TokenJoin {
            at,
            user: case.users.get(user_id),
            user_id: user_id.to_string(),
            source: "database".to_string(),
            vanished: invitations,
        });
    }
    joins.sort_by_key(|j| j.at);
    joins
}

fn unused(case: &TeamCase, invite: &Invitation, now_ms: i64) -> Resolution {
    let expiry = invite.sent_at + VALIDITY_MS;
    let resolution = |status, at, reason: String, decided_by: &str| Resolution {
        status,
        at,
        reason,
        used_by: None,
        user_created: None,
        decided_by: decided_by.to_string(),
    };
    if let Some(event) = case.invalidation_between(invite.sent_at, expiry.min(now_ms + 1)) {
        return resolution(
            Status::Revoked,
            event.at,
            format!(
                "every pending invite was invalidated at {} ({})",
                timefmt::utc_minute(event.at),
                event.detail
            ),
            &event.source,
        );
    }
    let token = invite
        .token_fingerprint
        .as_ref()
        .and_then(|f| case.tokens.get(f));
    if let Some((seen, vanished_with)) = token
        && let Some(gone) = seen.gone_at
        && gone < expiry
    {
        if *vanished_with >= 2 {
            return resolution(
                Status::Revoked,
                gone,
                format!(
                    "its token vanished unused together with {} other unexpired invite tokens between {} and {}: an invalidation of all invites",
                    vanished_with - 1,
                    timefmt::utc_minute(seen.last_seen),
                    timefmt::utc_minute(gone)
                ),
                "database",
            );
        }
        return resolution(
            Status::Unknown,
            gone,
            format!(
                "its token vanished between {} and {}, before it expired, with no join mmops could see",
                timefmt::utc_minute(seen.last_seen),
                timefmt::utc_minute(gone)
            ),
            "database",
        );
    }
    if now_ms >= expiry {
        let said = if token.is_some() {
            "48 hours passed; its token was never used"
        } else {
            "48 hours passed with no join by the invited address"
        };
        return resolution(Status::Expired, expiry, said.to_string(), "mmops");
    }
    match (token, case.tokens_read_at) {
        (Some((seen, _)), Some(read)) if seen.gone_at.is_none() && seen.last_seen >= read => {
            resolution(
                Status::Pending,
                invite.sent_at,
                format!(
                    "its token is in the database; it expires {}",
                    timefmt::utc_minute(expiry)
                ),
                "database",
            )
        }
        _ if case.audit_read => resolution(
            Status::Pending,
            invite.sent_at,
            format!(
                "no join yet and no invalidation in the audit log; it expires {} (without the database the token itself cannot be seen)",
                timefmt::utc_minute(expiry)
            ),
            "audit",
        ),
        _ => resolution(
            Status::Unknown,
            invite.sent_at,
            "not used yet, but without the database or the audit log mmops cannot see whether it is still pending or was invalidated".to_string(),
            "mmops",
        ),
    }
}

/// What the resolver may assume about the sources of this sync.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourcesRead {
    /// When the database's token list was read (this sync or an earlier one).
    pub tokens_read_at: Option<i64>,
    pub audit_read: bool,
}

/// Gathers one team's case from the ledger.
pub fn team_case(
    ledger: &Ledger,
    team_id: &str,
    sources: SourcesRead,
) -> Result<TeamCase, LedgerError> {
    let invitations = ledger.team_invitations(team_id)?;
    let members = ledger.members(team_id)?;
    let events = ledger.events(team_id)?;
    let mut users = HashMap::new();
    // Only members who joined while some invitation was open can matter.
    let first = invitations.iter().map(|i| i.sent_at).min().unwrap_or(0) - SLACK_MS;
    let last = invitations
        .iter()
        .map(|i| i.sent_at + VALIDITY_MS)
        .max()
        .unwrap_or(0)
        + SLACK_MS;
    let ids = members
        .iter()
        .filter(|m| m.joined_at.is_some_and(|at| at >= first && at <= last))
        .map(|m| m.user_id.clone())
        .chain(
            events
                .iter()
                .filter(|e| e.at >= first && e.at <= last)
                .filter_map(|e| e.user_id.clone()),
        );
    for id in ids {
        if !users.contains_key(&id)
            && let Some(user) = ledger.user(&id)?
        {
            users.insert(id, user);
        }
    }
    let mut tokens = HashMap::new();
    for invite in &invitations {
        if let Some(user) = ledger.user_by_email(&invite.email)? {
            users.entry(user.id.clone()).or_insert(user);
        }
        if let Some(fingerprint) = &invite.token_fingerprint
            && let Some(seen) = ledger.token(fingerprint)?
        {
            let with = match seen.gone_at {
                Some(gone) => ledger.tokens_gone_with(gone)?,
                None => 0,
            };
            tokens.insert(fingerprint.clone(), (seen, with));
        }
    }
    let team_name = ledger
        .team(team_id)?
        .map(|t| t.name)
        .or_else(|| invitations.iter().find_map(|i| i.team_name.clone()))
        .unwrap_or_else(|| team_id.to_string());
    Ok(TeamCase {
        team_name,
        invitations,
        members,
        events,
        users,
        tokens,
        tokens_read_at: sources.tokens_read_at,
        audit_read: sources.audit_read,
    })
}

/// Re-decides the invitations of the teams new facts touched (`None`: all of them) and of
/// every team with an open invitation that has expired since; returns how many changed
/// status.
pub fn resolve_ledger(
    ledger: &mut Ledger,
    dirty: Option<&Dirty>,
    sources: SourcesRead,
    now_ms: i64,
) -> Result<usize, LedgerError> {
    let teams: Vec<String> = match dirty {
        Some(dirty) if !dirty.all => {
            let mut teams: std::collections::BTreeSet<String> =
                dirty.teams.iter().cloned().collect();
            teams.extend(ledger.teams_with_invitations_expiring_by(now_ms)?);
            teams.into_iter().collect()
        }
        _ => ledger.invited_team_ids()?,
    };
    let mut resolved = Vec::new();
    for team_id in teams {
        let case = team_case(ledger, &team_id, sources)?;
        if !case.invitations.is_empty() {
            resolved.extend(resolve_team(&case, now_ms));
        }
    }
    ledger.set_resolutions(&resolved, now_ms)
}

#[cfg(test)]
mod tests;
