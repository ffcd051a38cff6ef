//! The demo install's structured audit log (`ExperimentalAuditSettings.FileName`): one JSON
//! record per line with `timestamp`, `event_name`, `status`, `actor`, `event`, `meta` and
//! `error`, and no level or msg, as the server's simple file target writes them.

use serde_json::{Value, json};

use super::logs::log_timestamp;
use super::rng::Rng;
use super::story::{DemoEvent, InviteCall};
use super::world::{ADMIN_USERNAME, DemoUser, VIEWER_USERNAME, World};

const CLIENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Mattermost/5.10.0 Chrome/128.0.6613.178 Electron/32.2.0 Safari/537.36",
    "mmctl/11.4.4",
];

fn record(
    ts_ms: i64,
    event_name: &str,
    actor: Value,
    parameters: Value,
    meta: Value,
    error: Option<(&str, u16)>,
) -> String {
    record_with_state(
        ts_ms,
        event_name,
        actor,
        parameters,
        (json!({}), ""),
        meta,
        error,
    )
}

/// `resulting_state` is the object the call produced and its type (`{}` and `""` for none).
fn record_with_state(
    ts_ms: i64,
    event_name: &str,
    actor: Value,
    parameters: Value,
    (resulting_state, object_type): (Value, &str),
    meta: Value,
    error: Option<(&str, u16)>,
) -> String {
    let (status, error) = match error {
        Some((description, code)) => (
            "fail",
            json!({"description": description, "status_code": code}),
        ),
        None => ("success", json!({})),
    };
    json!({
        "timestamp": log_timestamp(ts_ms),
        "event_name": event_name,
        "status": status,
        "actor": actor,
        "event": {
            "parameters": parameters,
            "prior_state": {},
            "resulting_state": resulting_state,
            "object_type": object_type,
        },
        "meta": meta,
        "error": error,
    })
    .to_string()
}

/// Audit records before `now_ms`: two hours of log-ins (some failing), plugin and config
/// changes by the admin and the viewer refused a support packet, and the six days of the
/// invitation history.
pub fn history(world: &World, rng: &mut Rng, now_ms: i64) -> Vec<String> {
    let (Some(admin), Some(viewer)) = (
        world.user_by_login(ADMIN_USERNAME),
        world.user_by_login(VIEWER_USERNAME),
    ) else {
        return Vec::new();
    };
    let mut actor = |user_id: &str| session_actor(rng, user_id);
    let plugin = world
        .plugins
        .first()
        .map(|p| p.id().to_string())
        .unwrap_or_default();
    let mut lines = Vec::new();
    let mut ts = now_ms - 2 * super::world::HOUR_MS;
    let step = 6 * 60_000;
    for round in 0.. {
        ts += step;
        if ts >= now_ms {
            break;
        }
        let line = match round % 5 {
            0 => record(
                ts,
                "login",
                actor(""),
                json!({"login_id": admin.username, "device_id": ""}),
                json!({"api_path": "/api/v4/users/login", "cluster_id": ""}),
                None,
            ),
            1 => record(
                ts,
                "login",
                actor(""),
                json!({"login_id": viewer.email, "device_id": ""}),
                json!({"api_path": "/api/v4/users/login", "cluster_id": ""}),
                Some(("Enter a valid email or username and/or password.", 401)),
            ),
            2 => {
                let (event, verb) = if round % 2 == 0 {
                    ("disablePlugin", "disable")
                } else {
                    ("enablePlugin", "enable")
                };
                record(
                    ts,
                    event,
                    actor(&admin.id),
                    json!({"plugin_id": plugin}),
                    json!({"api_path": format!("/api/v4/plugins/{plugin}/{verb}"), "cluster_id": ""}),
                    None,
                )
            }
            3 => record(
                ts,
                "generateSupportPacket",
                actor(&viewer.id),
                json!({}),
                json!({"api_path": "/api/v4/system/support_packet", "cluster_id": ""}),
                Some(("You do not have the appropriate permissions.", 403)),
            ),
            _ => record(
                ts,
                "patchConfig",
                actor(&admin.id),
                json!({}),
                json!({"api_path": "/api/v4/config/patch", "cluster_id": ""}),
                None,
            ),
        };
        lines.push((ts, line));
    }
    // The invitation history goes back further than these two hours.
    lines.extend(story_records(world, rng));
    lines.sort_by_key(|(ts, _)| *ts);
    lines.into_iter().map(|(_, line)| line).collect()
}

/// A user of a browser or desktop session (or mmctl), from the office network.
fn session_actor(rng: &mut Rng, user_id: &str) -> Value {
    json!({
        "user_id": user_id,
        "session_id": rng.id(),
        "client": *rng.pick(CLIENTS),
        "ip_address": format!("10.20.{}.{}", rng.range(1, 9), rng.range(2, 250)),
        "x_forwarded_for": "",
    })
}

/// mmctl over the local socket: no session and no user.
fn local_actor() -> Value {
    json!({
        "user_id": "",
        "session_id": "",
        "client": "mmctl/11.4.4",
        "ip_address": "",
        "x_forwarded_for": "",
    })
}

/// The records of the invitation history's events, with their times.
fn story_records(world: &World, rng: &mut Rng) -> Vec<(i64, String)> {
    world
        .events
        .iter()
        .filter_map(|event| {
            let at = event.at();
            let line = match event {
                DemoEvent::Invited { call, .. } => {
                    let actor = if call.local {
                        local_actor()
                    } else {
                        session_actor(rng, &call.sender_id)
                    };
                    invite_record(at, actor, call)
                }
                DemoEvent::UserCreatedFromInvite { user_id, guest, .. } => {
                    user_created_record(at, world.user(user_id)?, *guest)
                }
                DemoEvent::JoinedFromInvite {
                    user_id,
                    team_id,
                    invite_id,
                    ..
                } => {
                    let member = member_json(world, team_id, user_id)?;
                    record(
                        at,
                        "addUserToTeamFromInvite",
                        session_actor(rng, user_id),
                        json!({"invite_id": invite_id}),
                        json!({"api_path": "/api/v4/teams/members/invite", "cluster_id": "", "member": member}),
                        None,
                    )
                }
                DemoEvent::MembersAdded {
                    actor_id,
                    team_id,
                    user_ids,
                    ..
                } => {
                    let team = world.team(team_id)?;
                    let members: Vec<Value> = user_ids
                        .iter()
                        .filter_map(|id| member_json(world, team_id, id))
                        .collect();
                    record(
                        at,
                        "addTeamMembers",
                        session_actor(rng, actor_id),
                        json!({
                            "members": members,
                            "team": {"id": team.id, "name": team.name, "display_name": team.display_name, "type": team.team_type},
                        }),
                        json!({
                            "api_path": format!("/api/v4/teams/{team_id}/members/batch"),
                            "cluster_id": "",
                            "count": user_ids.len(),
                            "user_ids": user_ids,
                        }),
                        None,
                    )
                }
                DemoEvent::InvitesInvalidated { actor_id, .. } => {
                    invalidate_record(at, session_actor(rng, actor_id))
                }
            };
            Some((at, line))
        })
        .collect()
}

/// A team member as its audit form shows it: with the join time the REST API hides.
fn member_json(world: &World, team_id: &str, user_id: &str) -> Option<Value> {
    let member = world
        .members
        .iter()
        .find(|m| m.team_id == team_id && m.user_id == user_id)?;
    let guest = member.roles == "team_guest";
    Some(json!({
        "team_id": member.team_id,
        "user_id": member.user_id,
        "roles": member.roles,
        "delete_at": 0,
        "scheme_guest": guest,
        "scheme_user": !guest,
        "scheme_admin": member.roles.contains("team_admin"),
        "explicit_roles": "",
        "create_at": member.join_at,
    }))
}

/// `createUser` for a sign-up with an invitation token (`POST /users?t=...`): anonymous, and the
/// token itself is not recorded, only its type.
fn user_created_record(at: i64, user: &DemoUser, guest: bool) -> String {
    let submitted = json!({
        "id": "",
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "auth_service": "",
    });
    let created = json!({
        "id": user.id,
        "create_at": user.create_at,
        "update_at": user.update_at,
        "delete_at": user.delete_at,
        "username": user.username,
        "email": user.email,
        "email_verified": true,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "auth_service": user.auth_service,
        "roles": user.roles,
        "locale": "en",
    });
    record_with_state(
        at,
        "createUser",
        json!({"user_id": "", "session_id": "", "client": CLIENTS[0], "ip_address": "203.0.113.24", "x_forwarded_for": ""}),
        json!({"iid": "", "r": "", "user": submitted}),
        (created, "user"),
        json!({
            "api_path": "/api/v4/users",
            "cluster_id": "",
            "token_type": if guest { "guest_invitation" } else { "team_invitation" },
        }),
        None,
    )
}

/// `invalidateAllEmailInvites` (`DELETE /teams/invites/email`): nothing but who and when.
pub fn invalidate_record(ts_ms: i64, actor: Value) -> String {
    record(
        ts_ms,
        "invalidateAllEmailInvites",
        actor,
        json!({}),
        json!({"api_path": "/api/v4/teams/invites/email", "cluster_id": ""}),
        None,
    )
}

/// The record of one invite call: `inviteUsersToTeam` (`localInviteUsersToTeam` over the
/// socket) or `inviteGuestsToChannels`. The parameters list every address asked for; the meta
/// the ones sent and the refusals.
pub fn invite_record(ts_ms: i64, actor: Value, call: &InviteCall) -> String {
    let team_id = &call.team_id;
    let all: Vec<&str> = call
        .sent
        .iter()
        .map(String::as_str)
        .chain(
            call.refused
                .iter()
                .filter_map(|e| e.split_once(':').map(|(email, _)| email)),
        )
        .collect();
    if call.guest {
        return record(
            ts_ms,
            "inviteGuestsToChannels",
            actor,
            json!({"team_id": team_id, "guests_invite": {"emails": all, "channels": call.channel_ids}}),
            json!({
                "api_path": format!("/api/v4/teams/{team_id}/invite-guests/email"),
                "cluster_id": "",
                "email_count": call.sent.len(),
                "emails": call.sent,
                "channel_count": call.channel_ids.len(),
                "channels": call.channel_ids,
                "errors": call.refused,
            }),
            None,
        );
    }
    record(
        ts_ms,
        if call.local {
            "localInviteUsersToTeam"
        } else {
            "inviteUsersToTeam"
        },
        actor,
        json!({"member_invite": {"emails": all, "channel_ids": call.channel_ids, "profile_count": 0}, "team_id": team_id}),
        json!({
            "api_path": format!("/api/v4/teams/{team_id}/invite/email"),
            "cluster_id": "",
            "count": call.sent.len(),
            "emails": call.sent,
            "channel_count": call.channel_ids.len(),
            "channels": call.channel_ids,
            "errors": call.refused,
        }),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::{Shape, parse_line};

    #[test]
    fn records_have_the_audit_shape_and_parse_as_entries() {
        let world = World::generate(4, 1_795_339_800_000);
        let lines = history(&world, &mut Rng::new(4), world.now_ms);
        assert!(lines.len() >= 15, "{}", lines.len());
        for line in &lines {
            let record: Value = serde_json::from_str(line).unwrap();
            let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                [
                    "timestamp",
                    "event_name",
                    "status",
                    "actor",
                    "event",
                    "meta",
                    "error"
                ]
            );
            let parsed = parse_line(line.as_bytes(), false);
            assert_eq!(parsed.shape, Shape::Json);
            assert!(parsed.ts_ms.is_some_and(|ts| ts < world.now_ms));
        }
        assert!(lines.iter().any(|l| l.contains(r#""status":"fail""#)));
    }
}
