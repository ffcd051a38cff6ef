//! The demo install's structured audit log (`ExperimentalAuditSettings.FileName`): one JSON
//! record per line with `timestamp`, `event_name`, `status`, `actor`, `event`, `meta` and
//! `error`, and no level or msg, as the server's simple file target writes them.

use serde_json::{Value, json};

use super::logs::log_timestamp;
use super::rng::Rng;
use super::world::{ADMIN_USERNAME, VIEWER_USERNAME, World};

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
        "event": {"parameters": parameters, "prior_state": {}, "resulting_state": {}, "object_type": ""},
        "meta": meta,
        "error": error,
    })
    .to_string()
}

/// Two hours of audit records before `now_ms`: log-ins (some failing), plugin and config
/// changes by the admin, and the viewer refused a support packet.
pub fn history(world: &World, rng: &mut Rng, now_ms: i64) -> Vec<String> {
    let (Some(admin), Some(viewer)) = (
        world.user_by_login(ADMIN_USERNAME),
        world.user_by_login(VIEWER_USERNAME),
    ) else {
        return Vec::new();
    };
    let mut actor = |user_id: &str| {
        json!({
            "user_id": user_id,
            "session_id": rng.id(),
            "client": *rng.pick(CLIENTS),
            "ip_address": format!("10.20.{}.{}", rng.range(1, 9), rng.range(2, 250)),
            "x_forwarded_for": "",
        })
    };
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
        lines.push(line);
    }
    // Two invitations by the admin: one to two addresses, one partly refused.
    if let Some(team) = world.teams.first() {
        let invites = [
            (
                now_ms - 95 * 60_000,
                vec!["new.hire@example.com", "contractor@example.net"],
                vec![],
            ),
            (
                now_ms - 35 * 60_000,
                vec!["intern@example.com"],
                vec![
                    "bad-address:The following email addresses do not belong to an accepted domain.",
                ],
            ),
        ];
        for (ts, emails, errors) in invites {
            lines.push(invite_record(
                ts,
                actor(&admin.id),
                &team.id,
                &emails,
                &errors,
            ));
        }
        lines.sort_by_key(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| v["timestamp"].as_str().map(str::to_string))
                .unwrap_or_default()
        });
    }
    lines
}

/// An `inviteUsersToTeam` record as the server writes it for `POST /teams/{id}/invite/email`.
pub fn invite_record(
    ts_ms: i64,
    actor: Value,
    team_id: &str,
    sent: &[&str],
    errors: &[&str],
) -> String {
    let all: Vec<&str> = sent
        .iter()
        .copied()
        .chain(
            errors
                .iter()
                .filter_map(|e| e.split_once(':').map(|(email, _)| email)),
        )
        .collect();
    record(
        ts_ms,
        "inviteUsersToTeam",
        actor,
        json!({"member_invite": {"emails": all, "channel_ids": [], "profile_count": 0}, "team_id": team_id}),
        json!({
            "api_path": format!("/api/v4/teams/{team_id}/invite/email"),
            "cluster_id": "",
            "count": sent.len(),
            "emails": sent,
            "channel_count": 0,
            "channels": [],
            "errors": errors,
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
