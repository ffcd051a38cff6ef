//! The structured audit log as a source of invitations: invite calls (`inviteUsersToTeam`,
//! `localInviteUsersToTeam`, `inviteGuestsToChannels`), their uses (`createUser` with a token,
//! `addUserToTeamFromInvite`), adds (`addTeamMember(s)`) and `invalidateAllEmailInvites`;
//! read incrementally from where the last sync stopped, through rotation and truncation.

use std::path::Path;

pub use super::tail::Position;

use serde_json::Value;

use super::facts::{EventKind, MemberFact, Observations, TeamEvent, UserFact};
use super::ledger::NewInvitation;

pub const SOURCE: &str = "audit";

/// What one audit record tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditItem {
    Invite(InviteCall),
    /// A team event, with the account and membership it shows when it shows them.
    Event {
        event: TeamEvent,
        user: Option<UserFact>,
        member: Option<MemberFact>,
    },
}

/// One invite call as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteCall {
    pub ts_ms: i64,
    /// The inviting user; `None` in local mode (mmctl).
    pub actor_user_id: Option<String>,
    pub team_id: String,
    pub guest: bool,
    /// Addresses the server accepted for sending.
    pub sent: Vec<String>,
    /// Addresses it refused, with the reason.
    pub refused: Vec<(String, String)>,
    /// The record's event name, for the evidence.
    pub event: String,
    pub channels: Vec<String>,
}

fn raw_strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Addresses, normalized as the server stores them.
fn strings(value: Option<&Value>) -> Vec<String> {
    raw_strings(value)
        .into_iter()
        .map(|s| s.to_lowercase())
        .collect()
}

/// What one audit record tells about invitations and memberships, or `None` for any other
/// record (or a failed call).
pub fn parse_record(line: &str) -> Option<Vec<AuditItem>> {
    let record: Value = serde_json::from_str(line.trim()).ok()?;
    let event = record.get("event_name")?.as_str()?;
    if record.get("status").and_then(Value::as_str) != Some("success") {
        return None;
    }
    let ts_ms = crate::logs::parse::parse_line(line.as_bytes(), false).ts_ms?;
    match event {
        "inviteUsersToTeam" | "localInviteUsersToTeam" => {
            invite_call(&record, event, ts_ms, false).map(|c| vec![AuditItem::Invite(c)])
        }
        "inviteGuestsToChannels" => {
            invite_call(&record, event, ts_ms, true).map(|c| vec![AuditItem::Invite(c)])
        }
        _ => team_event(&record, event, ts_ms),
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A user object from a record's state (`createUser`'s resulting state).
fn user_of(value: Option<&Value>) -> Option<UserFact> {
    let value = value?;
    Some(UserFact {
        id: text(value.get("id"))?.to_string(),
        username: text(value.get("username")).map(str::to_string),
        email: text(value.get("email")).map(str::to_lowercase),
        created_at: value
            .get("create_at")
            .and_then(Value::as_i64)
            .filter(|t| *t > 0),
        deleted_at: value
            .get("delete_at")
            .and_then(Value::as_i64)
            .filter(|t| *t > 0),
        auth_service: value
            .get("auth_service")
            .and_then(Value::as_str)
            .map(str::to_string),
        guest: value
            .get("roles")
            .and_then(Value::as_str)
            .is_some_and(|r| r.split_whitespace().any(|r| r == "system_guest")),
    })
}

/// Team ids and user ids from a member object or a list of them.
fn members_of(value: Option<&Value>) -> Vec<(String, String)> {
    let one = |m: &Value| {
        Some((
            text(m.get("team_id"))?.to_string(),
            text(m.get("user_id"))?.to_string(),
        ))
    };
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(item) => one(item).into_iter().collect(),
        None => Vec::new(),
    }
}

fn team_event(record: &Value, name: &str, at: i64) -> Option<Vec<AuditItem>> {
    let actor = text(record.pointer("/actor/user_id")).map(str::to_string);
    let parameters = record.pointer("/event/parameters");
    let meta = record.get("meta");
    let event =
        |kind, team_id: Option<String>, user_id: Option<String>, detail: String| TeamEvent {
            at,
            kind,
            team_id,
            user_id,
            actor_id: actor.clone(),
            detail,
            source: SOURCE.to_string(),
        };
    match name {
        "invalidateAllEmailInvites" => Some(vec![AuditItem::Event {
            event: event(
                EventKind::InvalidatedAll,
                None,
                None,
                format!("{name} in the audit log"),
            ),
            user: None,
            member: None,
        }]),
        "createUser" => {
            let token_type = text(meta.and_then(|m| m.get("token_type")))?;
            let user = user_of(record.pointer("/event/resulting_state"))?;
            Some(vec![AuditItem::Event {
                event: event(
                    EventKind::CreatedByInvite,
                    None,
                    Some(user.id.clone()),
                    format!("{name} with a {token_type} token"),
                ),
                user: Some(user),
                member: None,
            }])
        }
        "addUserToTeamFromInvite" => {
            let (team_id, user_id) = members_of(meta.and_then(|m| m.get("member")))
                .into_iter()
                .next()
                .or_else(|| {
                    Some((
                        text(parameters.and_then(|p| p.get("team_id")))?.to_string(),
                        actor.clone()?,
                    ))
                })?;
            let link = text(parameters.and_then(|p| p.get("invite_id"))).is_some();
            let (kind, how) = if link {
                (EventKind::JoinedByLink, "the team's invite link")
            } else {
                (EventKind::JoinedByToken, "an email invite token")
            };
            Some(vec![AuditItem::Event {
                event: event(
                    kind,
                    Some(team_id.clone()),
                    Some(user_id.clone()),
                    format!("{name} with {how}"),
                ),
                user: None,
                member: Some(MemberFact {
                    team_id,
                    user_id,
                    joined_at: Some(at),
                    left_at: None,
                }),
            }])
        }
        "addTeamMember" | "addTeamMembers" => {
            let mut pairs = members_of(parameters.and_then(|p| p.get("member")));
            pairs.extend(members_of(parameters.and_then(|p| p.get("members"))));
            if pairs.is_empty() {
                let team = parameters.and_then(|p| p.get("team"));
                let team_id = text(team.and_then(|t| t.get("id")))
                    .or_else(|| text(team))
                    .or_else(|| text(parameters.and_then(|p| p.get("team_id"))))?;
                pairs = raw_strings(meta.and_then(|m| m.get("user_ids")))
                    .into_iter()
                    .map(|user| (team_id.to_string(), user))
                    .collect();
            }
            // One record adds one or many; each becomes its own event.
            let batch = pairs.len();
            Some(
                pairs
                    .into_iter()
                    .map(|(team_id, user_id)| {
                        let kind = if actor.as_deref() == Some(user_id.as_str()) {
                            EventKind::Joined
                        } else {
                            EventKind::Added
                        };
                        let detail = if batch > 1 {
                            format!("{name} ({batch} members)")
                        } else {
                            name.to_string()
                        };
                        AuditItem::Event {
                            event: event(
                                kind,
                                Some(team_id.clone()),
                                Some(user_id.clone()),
                                detail,
                            ),
                            user: None,
                            member: Some(MemberFact {
                                team_id,
                                user_id,
                                joined_at: Some(at),
                                left_at: None,
                            }),
                        }
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

fn invite_call(record: &Value, event: &str, ts_ms: i64, guest: bool) -> Option<InviteCall> {
    let parameters = record.pointer("/event/parameters");
    let meta = record.get("meta");
    let team_id = parameters
        .and_then(|p| p.get("team_id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let refused: Vec<(String, String)> = raw_strings(meta.and_then(|m| m.get("errors")))
        .into_iter()
        .map(|e| match e.split_once(':') {
            Some((email, why)) => (email.trim().to_lowercase(), why.trim().to_string()),
            None => (e.to_lowercase(), String::new()),
        })
        .collect();
    // meta.emails lists what was sent; without it, every address asked for that was not
    // refused.
    let mut sent = strings(meta.and_then(|m| m.get("emails")));
    if sent.is_empty() {
        let asked = parameters.and_then(|p| {
            p.pointer("/member_invite/emails")
                .or_else(|| p.pointer("/guests_invite/emails"))
        });
        sent = strings(asked)
            .into_iter()
            .filter(|e| !refused.iter().any(|(r, _)| r == e))
            .collect();
    }
    let actor_user_id = record
        .pointer("/actor/user_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    Some(InviteCall {
        ts_ms,
        actor_user_id,
        team_id,
        guest,
        sent,
        refused,
        event: event.to_string(),
        channels: raw_strings(
            parameters
                .and_then(|p| {
                    p.pointer("/member_invite/channel_ids")
                        .or_else(|| p.pointer("/guests_invite/channels"))
                })
                .or_else(|| meta.and_then(|m| m.get("channels"))),
        ),
    })
}

/// Reads the records written since `from` (the whole file when it is a new file, after a
/// rotation, or when it shrank). Returns them and where to start next time.
pub fn read_since(
    path: &Path,
    from: Option<Position>,
) -> std::io::Result<(Vec<AuditItem>, Position, u64)> {
    super::tail::read_since(path, from, parse_record)
}

/// What the records tell, for the ledger: invitations sent and refused, and team events with
/// the accounts and memberships they show.
pub fn observations(items: Vec<AuditItem>) -> Observations {
    let mut observed = Observations::default();
    for item in items {
        match item {
            AuditItem::Invite(call) => {
                let kind = if call.guest { "guest" } else { "member" };
                let sender_username = call
                    .actor_user_id
                    .is_none()
                    .then(|| "mmctl (local mode)".to_string());
                for email in &call.sent {
                    observed.invitations.push(NewInvitation {
                        sent_at: call.ts_ms,
                        email: email.clone(),
                        team_id: call.team_id.clone(),
                        team_name: String::new(),
                        sender_id: call.actor_user_id.clone(),
                        sender_username: sender_username.clone(),
                        kind,
                        status: "unknown",
                        status_reason: String::new(),
                        source: SOURCE,
                        said: format!("{}: sent to {email}", call.event),
                        token_fingerprint: None,
                        channels: call.channels.clone(),
                    });
                }
                for (email, why) in &call.refused {
                    observed.invitations.push(NewInvitation {
                        sent_at: call.ts_ms,
                        email: email.clone(),
                        team_id: call.team_id.clone(),
                        team_name: String::new(),
                        sender_id: call.actor_user_id.clone(),
                        sender_username: sender_username.clone(),
                        kind,
                        status: "failed",
                        status_reason: why.clone(),
                        source: SOURCE,
                        said: format!("{}: refused {email}: {why}", call.event),
                        token_fingerprint: None,
                        channels: call.channels.clone(),
                    });
                }
            }
            AuditItem::Event {
                event,
                user,
                member,
            } => {
                observed.events.push(event);
                observed.users.extend(user);
                observed.members.extend(member);
            }
        }
    }
    observed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const INVITE: &str = r#"{"timestamp":"2026-11-22 09:27:10.031 Z","event_name":"inviteUsersToTeam","status":"success","actor":{"user_id":"8fj6xz1qnbbdpr9e5w3o4kd7ia","session_id":"s","client":"c","ip_address":"10.0.4.17","x_forwarded_for":""},"event":{"parameters":{"member_invite":{"emails":["Ana@Example.org","li@example.org","bad"],"channel_ids":[],"profile_count":0},"team_id":"pnu4g6u8w3gzmcdu9xwq7tbehe"},"prior_state":{},"resulting_state":{},"object_type":""},"meta":{"api_path":"/api/v4/teams/pnu4g6u8w3gzmcdu9xwq7tbehe/invite/email","cluster_id":"","count":2,"emails":["ana@example.org","li@example.org"],"errors":["Bad:Not an accepted domain"]},"error":{}}"#;

    fn invite(line: &str) -> Option<InviteCall> {
        match parse_record(line)?.pop()? {
            AuditItem::Invite(call) => Some(call),
            AuditItem::Event { .. } => None,
        }
    }

    fn record(event: &str, actor: &str, parameters: &str, resulting: &str, meta: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-11-22 10:00:00.000 Z","event_name":"{event}","status":"success","actor":{{"user_id":"{actor}","session_id":"","client":"c","ip_address":"10.0.0.1","x_forwarded_for":""}},"event":{{"parameters":{parameters},"prior_state":{{}},"resulting_state":{resulting},"object_type":""}},"meta":{meta},"error":{{}}}}"#
        )
    }

    fn events(line: &str) -> Vec<(TeamEvent, Option<UserFact>, Option<MemberFact>)> {
        parse_record(line)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| match item {
                AuditItem::Event {
                    event,
                    user,
                    member,
                } => Some((event, user, member)),
                AuditItem::Invite(_) => None,
            })
            .collect()
    }

    #[test]
    fn uses_adds_and_invalidations_become_team_events() {
        let created = record(
            "createUser",
            "",
            r#"{"iid":"","r":""}"#,
            r#"{"id":"newuser","username":"ana","email":"Ana@x.org","create_at":5,"auth_service":""}"#,
            r#"{"token_type":"team_invitation"}"#,
        );
        let (event, user, _) = events(&created).pop().unwrap();
        assert_eq!(event.kind, EventKind::CreatedByInvite);
        assert_eq!(user.unwrap().email.as_deref(), Some("ana@x.org"));
        // Without a token type it is not an invite's doing.
        assert!(
            events(&created.replace(r#""token_type":"team_invitation""#, r#""x":1"#)).is_empty()
        );

        let by_token = record(
            "addUserToTeamFromInvite",
            "dave",
            r#"{"invite_id":""}"#,
            "{}",
            r#"{"member":{"team_id":"t1","user_id":"dave","roles":"team_user"}}"#,
        );
        let (event, _, member) = events(&by_token).pop().unwrap();
        assert_eq!(event.kind, EventKind::JoinedByToken);
        assert_eq!(event.team_id.as_deref(), Some("t1"));
        assert_eq!(member.unwrap().joined_at, Some(event.at));
        let by_link = by_token.replace(r#""invite_id":"""#, r#""invite_id":"abc""#);
        assert_eq!(events(&by_link)[0].0.kind, EventKind::JoinedByLink);

        let added = record(
            "addTeamMembers",
            "boss",
            r#"{"team":{"id":"t1"},"members":[{"team_id":"t1","user_id":"u1"},{"team_id":"t1","user_id":"u2"}]}"#,
            "{}",
            r#"{"count":2}"#,
        );
        let added = events(&added);
        assert_eq!(added.len(), 2);
        assert!(
            added.iter().all(
                |(e, _, _)| e.kind == EventKind::Added && e.actor_id.as_deref() == Some("boss")
            )
        );
        let by_ids = record(
            "addTeamMembers",
            "boss",
            r#"{"team":"t2"}"#,
            "{}",
            r#"{"user_ids":["u3"]}"#,
        );
        assert_eq!(events(&by_ids)[0].0.team_id.as_deref(), Some("t2"));

        let invalidated = record("invalidateAllEmailInvites", "boss", "{}", "{}", "{}");
        let (event, _, _) = events(&invalidated).pop().unwrap();
        assert_eq!(event.kind, EventKind::InvalidatedAll);
        assert_eq!(event.team_id, None);
    }

    #[test]
    fn an_invite_record_gives_its_sender_team_and_addresses() {
        let call = invite(INVITE).unwrap();
        assert_eq!(
            call.actor_user_id.as_deref(),
            Some("8fj6xz1qnbbdpr9e5w3o4kd7ia")
        );
        assert_eq!(call.team_id, "pnu4g6u8w3gzmcdu9xwq7tbehe");
        assert_eq!(call.sent, vec!["ana@example.org", "li@example.org"]);
        assert_eq!(
            call.refused,
            vec![("bad".to_string(), "Not an accepted domain".to_string())]
        );
        assert_eq!(call.ts_ms, 1_795_339_630_031);
        assert!(!call.guest);
        // Other events, failed calls and junk are not invite calls.
        assert!(invite(&INVITE.replace("\"success\"", "\"fail\"")).is_none());
        assert!(invite(&INVITE.replace("inviteUsersToTeam", "login")).is_none());
        assert!(invite("not json \u{1b}[2J").is_none());
        // Without meta.emails: what was asked minus what was refused.
        let no_meta = INVITE.replace(r#""emails":["ana@example.org","li@example.org"],"#, "");
        assert_eq!(
            invite(&no_meta).unwrap().sent,
            vec!["ana@example.org", "li@example.org"]
        );
    }

    #[test]
    fn reading_resumes_and_survives_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        std::fs::write(&path, format!("{INVITE}\n{{\"event_name\":\"login\"}}\n")).unwrap();
        let (calls, pos, _) = read_since(&path, None).unwrap();
        assert_eq!(calls.len(), 1);
        // Nothing new: nothing read.
        let (calls, pos2, read) = read_since(&path, Some(pos)).unwrap();
        assert!(calls.is_empty() && read == 0 && pos2 == pos);
        // An unfinished line waits for its newline.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(file, "{}", &INVITE[..40]).unwrap();
        let (calls, pos3, _) = read_since(&path, Some(pos)).unwrap();
        assert!(calls.is_empty() && pos3 == pos);
        writeln!(file, "{}", &INVITE[40..]).unwrap();
        let (calls, pos4, _) = read_since(&path, Some(pos3)).unwrap();
        assert_eq!(calls.len(), 1);
        // Rotation: a new file is read from its start.
        std::fs::rename(&path, dir.path().join("audit.1.log")).unwrap();
        std::fs::write(&path, format!("{INVITE}\n")).unwrap();
        let (calls, _, _) = read_since(&path, Some(pos4)).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(Position::decode(&pos4.encode()), Some(pos4));
        assert_eq!(Position::decode("x:1:2"), None);
    }
}
