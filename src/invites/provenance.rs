//! How each member got into a team: an email invite (whose, when), the team's invite link,
//! added by an admin, created the team, group sync, or unknown. Members of invite-only teams
//! with no known way in, and members who came in on someone else's invite, are flagged.

use super::facts::{EventKind, TeamFact};
use super::ledger::{Ledger, LedgerError};
use super::resolve::{SLACK_MS, Status};
use crate::timefmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Way {
    EmailInvite,
    OthersInvite,
    InviteLink,
    AddedBy,
    CreatedTeam,
    GroupSync,
    JoinedOpenTeam,
    Unknown,
}

impl Way {
    pub fn as_str(self) -> &'static str {
        match self {
            Way::EmailInvite => "email_invite",
            Way::OthersInvite => "others_invite",
            Way::InviteLink => "invite_link",
            Way::AddedBy => "added",
            Way::CreatedTeam => "created_team",
            Way::GroupSync => "group_sync",
            Way::JoinedOpenTeam => "joined_open_team",
            Way::Unknown => "unknown",
        }
    }
}

/// One member's way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberWay {
    pub team_id: String,
    pub team_name: String,
    pub user_id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub joined_at: Option<i64>,
    pub way: Way,
    /// In words: "email invite from sysadmin at 2026-11-20 09:30 UTC".
    pub how: String,
    /// Why it deserves a look, when it does.
    pub flag: Option<String>,
    pub source: String,
}

/// The provenance of every current member of `team`.
pub fn team_members(ledger: &Ledger, team: &TeamFact) -> Result<Vec<MemberWay>, LedgerError> {
    let members = ledger.members(&team.id)?;
    let events = ledger.events(&team.id)?;
    let invitations = ledger.team_invitations(&team.id)?;
    // What mmops can explain starts with the team's first recorded event or invitation: a
    // member from before that is unknown without being suspicious.
    let history_from = events
        .iter()
        .filter(|e| e.team_id.as_deref() == Some(team.id.as_str()))
        .map(|e| e.at)
        .chain(invitations.iter().map(|i| i.sent_at))
        .min();
    let mut out = Vec::new();
    for member in members.iter().filter(|m| m.left_at.is_none()) {
        let user = ledger.user(&member.user_id)?;
        let name = |id: &str| -> Result<String, LedgerError> {
            Ok(ledger
                .user(id)?
                .and_then(|u| u.username)
                .unwrap_or_else(|| id.to_string()))
        };
        let mine = |kind: EventKind| {
            events.iter().rev().find(|e| {
                e.kind == kind
                    && e.team_id.as_deref() == Some(team.id.as_str())
                    && e.user_id.as_deref() == Some(member.user_id.as_str())
            })
        };
        let used = invitations
            .iter()
            .filter(|i| i.used_by_user_id.as_deref() == Some(member.user_id.as_str()))
            .max_by_key(|i| i.status_at);
        // REST gives no join time; the join or add post does.
        let joined_at = member.joined_at.or_else(|| {
            events
                .iter()
                .filter(|e| {
                    e.team_id.as_deref() == Some(team.id.as_str())
                        && e.user_id.as_deref() == Some(member.user_id.as_str())
                        && matches!(
                            e.kind,
                            EventKind::Joined
                                | EventKind::Added
                                | EventKind::JoinedByToken
                                | EventKind::JoinedByLink
                        )
                })
                .map(|e| e.at)
                .max()
        });
        let when = |at: i64| timefmt::utc_minute(at);
        let (way, how, flag, source) = if let Some(invite) = used {
            let sender = invite
                .sender_username
                .clone()
                .or_else(|| invite.sender_id.clone())
                .unwrap_or_else(|| "an unknown sender".into());
            if invite.status == Status::AcceptedByOther.as_str() {
                (
                    Way::OthersInvite,
                    format!(
                        "the email invite to {} from {sender} at {}",
                        invite.email,
                        when(invite.sent_at)
                    ),
                    Some(format!(
                        "came in on someone else's invite ({})",
                        invite.email
                    )),
                    invite.sources.join(", "),
                )
            } else {
                (
                    Way::EmailInvite,
                    format!("email invite from {sender} at {}", when(invite.sent_at)),
                    None,
                    invite.sources.join(", "),
                )
            }
        } else if let Some(event) = mine(EventKind::Added) {
            let by = match &event.actor_id {
                Some(id) => name(id)?,
                None => "an admin".into(),
            };
            (
                Way::AddedBy,
                format!("added by {by} at {}", when(event.at)),
                None,
                event.source.clone(),
            )
        } else if let Some(event) = mine(EventKind::JoinedByLink) {
            (
                Way::InviteLink,
                format!("the team's invite link at {}", when(event.at)),
                None,
                event.source.clone(),
            )
        } else if let (Some(created), Some(joined)) = (team.created_at, member.joined_at)
            && (joined - created).abs() <= SLACK_MS
        {
            (
                Way::CreatedTeam,
                format!("created the team at {}", when(created)),
                None,
                "team membership".into(),
            )
        } else if team.group_constrained {
            (
                Way::GroupSync,
                "group sync (the team is managed by groups)".into(),
                None,
                "team settings".into(),
            )
        } else if let Some(event) = mine(EventKind::JoinedByToken) {
            (
                Way::EmailInvite,
                format!(
                    "an email invite token at {}, invite not recorded",
                    when(event.at)
                ),
                None,
                event.source.clone(),
            )
        } else if !team.invite_only
            && let Some(event) = mine(EventKind::Joined)
        {
            (
                Way::JoinedOpenTeam,
                format!("joined the open team at {}", when(event.at)),
                None,
                event.source.clone(),
            )
        } else {
            let before_history = match (joined_at, history_from) {
                (Some(joined), Some(from)) => joined < from,
                // No join time: not even a join post, so from before the posts mmops read.
                (None, _) => true,
                (Some(_), None) => true,
            };
            if before_history {
                let how = match history_from {
                    Some(from) => format!(
                        "unknown: before the history mmops has of this team (from {})",
                        timefmt::utc_date(from)
                    ),
                    None => "unknown: mmops has no history for this team yet".to_string(),
                };
                (Way::Unknown, how, None, String::new())
            } else {
                let flag = team.invite_only.then(|| {
                    "invite-only team, and no invite, link or add explains this member".into()
                });
                (Way::Unknown, "unknown".into(), flag, String::new())
            }
        };
        // The use of an invite dates the join when nothing else does.
        let joined_at = joined_at.or_else(|| {
            used.filter(|_| matches!(way, Way::EmailInvite | Way::OthersInvite))
                .map(|i| i.status_at)
        });
        out.push(MemberWay {
            team_id: team.id.clone(),
            team_name: team.name.clone(),
            user_id: member.user_id.clone(),
            username: user.as_ref().and_then(|u| u.username.clone()),
            email: user.as_ref().and_then(|u| u.email.clone()),
            joined_at,
            way,
            how,
            flag,
            source,
        });
    }
    out.sort_by(|a, b| {
        (
            b.flag.is_some(),
            a.username.as_deref().unwrap_or(&a.user_id),
        )
            .cmp(&(
                a.flag.is_some(),
                b.username.as_deref().unwrap_or(&b.user_id),
            ))
    });
    Ok(out)
}
