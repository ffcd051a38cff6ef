//! The demo server's invitation history, as mmops sees it: audit records in the host dir's
//! audit.log, debug request lines in mattermost.log, and the users, members and town-square
//! posts over REST. Invitation tokens never leave the server.

use crate::common::*;
use mmops::demo::DemoServer;
use mmops::demo::story::{DemoInvite, INVITE_EXPIRY_MS, InviteOutcome};
use serde_json::Value;

fn audit_records(server: &DemoServer) -> Vec<Value> {
    std::fs::read_to_string(server.host_dir.join("logs/audit.log"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn events<'a>(records: &'a [Value], name: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["event_name"] == name).collect()
}

fn http() -> reqwest::Client {
    mmops::mm::client::install_crypto_provider();
    reqwest::Client::new()
}

async fn get(server: &DemoServer, token: &str, path: &str) -> (u16, Value) {
    let response = http()
        .get(format!("{}{path}", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn invites(server: &DemoServer) -> Vec<DemoInvite> {
    server.shared().world.read().unwrap().invites.clone()
}

fn town_square(server: &DemoServer, team_id: &str) -> String {
    let world = server.shared().world.read().unwrap();
    world
        .channels
        .iter()
        .find(|c| c.team_id == team_id && c.name == "town-square")
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn the_audit_log_holds_every_kind_of_invitation_record() {
    let server = demo().await;
    let records = audit_records(&server);
    let times: Vec<&str> = records
        .iter()
        .map(|r| r["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "chronological");
    // Six days back, ending with the two hours of other records.
    assert!(times[0] < "2026-11-16 12:00", "{}", times[0]);
    for record in &records {
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
        for key in [
            "parameters",
            "prior_state",
            "resulting_state",
            "object_type",
        ] {
            assert!(record["event"].get(key).is_some(), "{record}");
        }
    }
    let (admin_id, team_ids) = {
        let world = server.shared().world.read().unwrap();
        (
            world.user_by_login("sysadmin").unwrap().id.clone(),
            world
                .teams
                .iter()
                .map(|t| (t.name.clone(), t.id.clone(), t.invite_id.clone()))
                .collect::<Vec<_>>(),
        )
    };

    let invited = events(&records, "inviteUsersToTeam");
    assert!(invited.len() >= 8, "{}", invited.len());
    let senders: std::collections::HashSet<&str> = invited
        .iter()
        .map(|r| r["actor"]["user_id"].as_str().unwrap())
        .collect();
    assert!(senders.contains(admin_id.as_str()));
    assert!(senders.len() >= 2, "the admin and a team admin");
    for record in &invited {
        let team_id = record["event"]["parameters"]["team_id"].as_str().unwrap();
        assert!(
            record["event"]["parameters"]["member_invite"]["emails"].is_array(),
            "{record}"
        );
        assert_eq!(
            record["meta"]["api_path"],
            format!("/api/v4/teams/{team_id}/invite/email")
        );
        assert_eq!(
            record["meta"]["count"].as_u64().unwrap() as usize,
            record["meta"]["emails"].as_array().unwrap().len()
        );
    }
    let refusals: Vec<&Value> = records
        .iter()
        .flat_map(|r| r["meta"]["errors"].as_array().into_iter().flatten())
        .collect();
    assert!(
        refusals
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("dev@contractor.io:")),
        "{refusals:?}"
    );

    let local = events(&records, "localInviteUsersToTeam");
    assert_eq!(local.len(), 1);
    assert_eq!(local[0]["actor"]["user_id"], "");
    assert_eq!(local[0]["meta"]["count"], 2);

    let guests = events(&records, "inviteGuestsToChannels");
    assert_eq!(guests.len(), 1);
    assert_eq!(guests[0]["meta"]["email_count"], 1);
    assert_eq!(guests[0]["meta"]["channel_count"], 1);
    assert!(
        guests[0]["event"]["parameters"]["guests_invite"]["channels"]
            .as_array()
            .is_some_and(|c| c.len() == 1)
    );

    let invalidations = events(&records, "invalidateAllEmailInvites");
    assert_eq!(invalidations.len(), 1);
    assert_eq!(invalidations[0]["actor"]["user_id"], admin_id.as_str());
    assert_eq!(
        invalidations[0]["meta"]["api_path"],
        "/api/v4/teams/invites/email"
    );

    let created = events(&records, "createUser");
    assert_eq!(created.len(), 4);
    let token_types: Vec<&str> = created
        .iter()
        .map(|r| r["meta"]["token_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        token_types
            .iter()
            .filter(|t| **t == "team_invitation")
            .count(),
        3
    );
    assert!(token_types.contains(&"guest_invitation"));
    for record in &created {
        let user = &record["event"]["resulting_state"];
        assert_eq!(record["event"]["object_type"], "user");
        assert_eq!(user["email_verified"], true);
        let (status, served) = get(
            &server,
            &server.token,
            &format!("/api/v4/users/email/{}", user["email"].as_str().unwrap()),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(served["id"], user["id"]);
        assert_eq!(served["create_at"], user["create_at"]);
    }

    let joined = events(&records, "addUserToTeamFromInvite");
    let by_token: Vec<&&Value> = joined
        .iter()
        .filter(|r| r["event"]["parameters"]["invite_id"] == "")
        .collect();
    assert_eq!(by_token.len(), 4, "three invited addresses and one other");
    let by_link: Vec<&&Value> = joined
        .iter()
        .filter(|r| r["event"]["parameters"]["invite_id"] != "")
        .collect();
    assert_eq!(by_link.len(), 1);
    let link = by_link[0]["event"]["parameters"]["invite_id"]
        .as_str()
        .unwrap();
    let member = &by_link[0]["meta"]["member"];
    assert!(
        team_ids
            .iter()
            .any(|(_, id, invite_id)| invite_id == link && member["team_id"] == id.as_str())
    );
    for record in &joined {
        let member = &record["meta"]["member"];
        assert_eq!(member["user_id"], record["actor"]["user_id"]);
        assert!(member["create_at"].as_i64().unwrap() > 0);
        assert!(member["team_id"].is_string());
    }

    let added = events(&records, "addTeamMembers");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["actor"]["user_id"], admin_id.as_str());
    assert_eq!(added[0]["meta"]["user_ids"].as_array().unwrap().len(), 1);
    assert_eq!(added[0]["meta"]["count"], 1);
}

#[tokio::test]
async fn the_invitation_story_is_consistent_over_rest() {
    let server = demo().await;
    let all = invites(&server);
    let records = audit_records(&server);
    let invalidated_at = {
        let record = events(&records, "invalidateAllEmailInvites")[0].clone();
        record["timestamp"].as_str().unwrap().to_string()
    };

    // Exactly one invite was used by an account with another address.
    let mut other = Vec::new();
    for invite in &all {
        let InviteOutcome::Used { user_id, at, .. } = &invite.outcome else {
            continue;
        };
        let (status, user) = get(&server, &server.token, &format!("/api/v4/users/{user_id}")).await;
        assert_eq!(status, 200);
        if user["email"] != invite.email.as_str() {
            other.push((invite.clone(), user_id.clone(), *at));
        }
    }
    assert_eq!(other.len(), 1);
    let (invite, joiner, at) = other.pop().unwrap();
    assert_eq!(invite.email, "carol.n@example.com");
    assert!(at > invite.sent_at && at - invite.sent_at <= 2 * 60 * 60 * 1000);
    // No other invite to that team was open then.
    assert!(
        all.iter()
            .filter(|i| i.team_id == invite.team_id && i.email != invite.email)
            .all(|i| !(i.sent_at <= at && i.sent_at + INVITE_EXPIRY_MS > at)
                || matches!(&i.outcome, InviteOutcome::Used { at: used, .. } if *used < at)),
    );
    // The invited address never joined.
    let (status, _) = get(
        &server,
        &server.token,
        "/api/v4/users/email/carol.n@example.com",
    )
    .await;
    assert_eq!(status, 404);
    let (_, members) = get(
        &server,
        &server.token,
        &format!("/api/v4/teams/{}/members?per_page=200", invite.team_id),
    )
    .await;
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["user_id"] == joiner.as_str())
    );
    let channel = town_square(&server, &invite.team_id);
    let (_, posts) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{channel}/posts?per_page=200"),
    )
    .await;
    let join = posts["posts"]
        .as_object()
        .unwrap()
        .values()
        .find(|p| p["user_id"] == joiner.as_str() && p["type"] == "system_join_team")
        .expect("a join post");
    assert_eq!(join["create_at"], at);
    let (_, user) = get(&server, &server.token, &format!("/api/v4/users/{joiner}")).await;
    assert_eq!(join["props"]["username"], user["username"]);
    assert!(
        records
            .iter()
            .any(|r| r["event_name"] == "addUserToTeamFromInvite"
                && r["actor"]["user_id"] == joiner.as_str()
                && r["meta"]["member"]["team_id"] == invite.team_id.as_str())
    );

    // Expired, pending and revoked invites.
    let now = NOW_MS;
    let expired = all
        .iter()
        .filter(|i| i.outcome == InviteOutcome::Open && now - i.sent_at >= INVITE_EXPIRY_MS)
        .count();
    let pending = all.iter().filter(|i| i.is_open(now)).count();
    let revoked: Vec<&DemoInvite> = all
        .iter()
        .filter(|i| matches!(i.outcome, InviteOutcome::Revoked { .. }))
        .collect();
    assert!(expired >= 2, "{expired}");
    assert!(pending >= 3, "{pending}");
    assert!(revoked.len() >= 2);
    for invite in revoked {
        assert!(mmops::demo::logs::log_timestamp(invite.sent_at) < invalidated_at);
    }

    // The batch add: a system_add_to_team post by the adder.
    let added = events(&records, "addTeamMembers")[0].clone();
    let team_id = added["event"]["parameters"]["team"]["id"].as_str().unwrap();
    let added_id = added["meta"]["user_ids"][0].as_str().unwrap();
    let channel = town_square(&server, team_id);
    let (_, posts) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{channel}/posts?per_page=200"),
    )
    .await;
    let post = posts["posts"]
        .as_object()
        .unwrap()
        .values()
        .find(|p| p["type"] == "system_add_to_team")
        .unwrap();
    assert_eq!(post["user_id"], added["actor"]["user_id"]);
    assert_eq!(post["props"]["userId"], added["actor"]["user_id"]);
    assert_eq!(post["props"]["username"], "sysadmin");
    assert_eq!(post["props"]["addedUserId"], added_id);
    assert!(post["props"]["addedUsername"].is_string());

    // An invite-only team keeps members with no evidence of how they came in.
    let world = server.shared().world.read().unwrap();
    let evidenced: Vec<&str> = world
        .posts
        .iter()
        .filter(|p| !p.post_type.is_empty())
        .flat_map(|p| {
            [
                p.user_id.as_str(),
                p.props["addedUserId"].as_str().unwrap_or(""),
            ]
        })
        .collect();
    assert!(world.teams.iter().any(|t| {
        !t.allow_open_invite
            && world
                .members
                .iter()
                .any(|m| m.team_id == t.id && !evidenced.contains(&m.user_id.as_str()))
    }));
}

#[tokio::test]
async fn the_debug_log_has_a_request_line_for_every_invite_call() {
    let server = demo().await;
    let records = audit_records(&server);
    let lines: Vec<Value> = std::fs::read_to_string(server.log_path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["msg"] == "Received HTTP request")
        .collect();
    let calls = records.iter().filter(|r| {
        matches!(
            r["event_name"].as_str(),
            Some(
                "inviteUsersToTeam"
                    | "localInviteUsersToTeam"
                    | "inviteGuestsToChannels"
                    | "invalidateAllEmailInvites"
            )
        )
    });
    let mut seen = 0;
    for call in calls {
        let method = if call["event_name"] == "invalidateAllEmailInvites" {
            "DELETE"
        } else {
            "POST"
        };
        let line = requests
            .iter()
            .find(|l| l["timestamp"] == call["timestamp"] && l["url"] == call["meta"]["api_path"])
            .unwrap_or_else(|| panic!("no request line for {call}"));
        assert_eq!(line["level"], "debug");
        assert_eq!(line["method"], method);
        assert_eq!(line["user_id"], call["actor"]["user_id"]);
        assert_eq!(line["status_code"], "200");
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "timestamp",
                "level",
                "msg",
                "caller",
                "method",
                "url",
                "request_id",
                "user_id",
                "status_code"
            ]
        );
        seen += 1;
    }
    assert!(seen >= 14, "{seen}");
    let times: Vec<&str> = lines
        .iter()
        .map(|l| l["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "chronological");
}

#[tokio::test]
async fn channels_by_name_and_posts_page_newest_first() {
    let server = demo().await;
    let (team_id, viewer_outside) = {
        let world = server.shared().world.read().unwrap();
        let viewer = world.user_by_login("ops.viewer").unwrap().id.clone();
        // An invite-only team the viewer is not on.
        let team = world
            .teams
            .iter()
            .find(|t| {
                !t.allow_open_invite
                    && !world
                        .members
                        .iter()
                        .any(|m| m.team_id == t.id && m.user_id == viewer)
            })
            .map(|t| t.id.clone());
        (world.teams[0].id.clone(), team)
    };
    let (status, channel) = get(
        &server,
        &server.token,
        &format!("/api/v4/teams/{team_id}/channels/name/town-square"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(channel["name"], "town-square");
    assert_eq!(channel["team_id"], team_id.as_str());
    assert_eq!(channel["type"], "O");
    let (status, _) = get(
        &server,
        &server.token,
        &format!("/api/v4/teams/{team_id}/channels/name/no-such-channel"),
    )
    .await;
    assert_eq!(status, 404);
    if let Some(other) = viewer_outside {
        let (status, _) = get(
            &server,
            &server.viewer_token,
            &format!("/api/v4/teams/{other}/channels/name/town-square"),
        )
        .await;
        assert_eq!(status, 403);
    }

    let id = channel["id"].as_str().unwrap();
    let (_, all) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{id}/posts"),
    )
    .await;
    let order: Vec<&str> = all["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(order.len() >= 5, "{}", order.len());
    assert_eq!(order.len(), all["posts"].as_object().unwrap().len());
    assert_eq!(all["has_next"], false);
    let created: Vec<i64> = order
        .iter()
        .map(|id| all["posts"][*id]["create_at"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for post in all["posts"].as_object().unwrap().values() {
        for key in [
            "id",
            "create_at",
            "update_at",
            "edit_at",
            "delete_at",
            "is_pinned",
            "user_id",
            "channel_id",
            "root_id",
            "original_id",
            "message",
            "type",
            "props",
            "hashtags",
            "pending_post_id",
            "reply_count",
            "metadata",
        ] {
            assert!(post.get(key).is_some(), "{key} in {post}");
        }
        assert_eq!(post["channel_id"], id);
    }

    let (_, first) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{id}/posts?page=0&per_page=2"),
    )
    .await;
    assert_eq!(first["order"], serde_json::json!(order[..2]));
    assert_eq!(first["has_next"], true);
    let (_, second) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{id}/posts?page=1&per_page=2"),
    )
    .await;
    assert_eq!(second["order"], serde_json::json!(order[2..4]));

    let since = created[2];
    let (_, recent) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{id}/posts?since={since}&per_page=1"),
    )
    .await;
    let expected = created.iter().filter(|c| **c > since).count();
    assert_eq!(recent["order"].as_array().unwrap().len(), expected);
    let (status, _) = get(
        &server,
        &server.token,
        &format!("/api/v4/channels/{id}/posts?since=yesterday"),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(
        &server,
        &server.token,
        "/api/v4/channels/nosuchchannel0000000000000/posts",
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invalidating_revokes_open_invites_and_is_recorded() {
    let server = demo().await;
    let team_id = server.shared().world.read().unwrap().teams[0].id.clone();
    let http = http();
    let response = http
        .post(format!(
            "{}/api/v4/teams/{team_id}/invite/email?graceful=true",
            server.url
        ))
        .bearer_auth(&server.token)
        .json(&serde_json::json!(["late.joiner@example.com"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = invites(&server)
        .into_iter()
        .find(|i| i.email == "late.joiner@example.com")
        .expect("recorded as an invite");
    assert_eq!(sent.outcome, InviteOutcome::Open);
    assert_eq!(sent.token.len(), 64);
    let before = invites(&server);
    let open_before: Vec<usize> = (0..before.len())
        .filter(|i| before[*i].outcome == InviteOutcome::Open)
        .collect();

    let url = format!("{}/api/v4/teams/invites/email", server.url);
    let refused = http
        .delete(&url)
        .bearer_auth(&server.viewer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(invites(&server), before, "nothing changes on a refusal");
    let response = http
        .delete(&url)
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        serde_json::json!({"status": "OK"})
    );

    let after = invites(&server);
    let mut revoked = 0;
    for i in open_before {
        // Invites that had already expired stay expired.
        if before[i].is_open(NOW_MS) {
            assert!(matches!(after[i].outcome, InviteOutcome::Revoked { .. }));
            revoked += 1;
        } else {
            assert_eq!(after[i].outcome, InviteOutcome::Open);
        }
    }
    assert!(revoked >= 5, "{revoked}");
    let records = audit_records(&server);
    let last = records.last().unwrap();
    assert_eq!(last["event_name"], "invalidateAllEmailInvites");
    assert_eq!(last["status"], "success");
    let admin_id = server
        .shared()
        .world
        .read()
        .unwrap()
        .user_by_login("sysadmin")
        .unwrap()
        .id
        .clone();
    assert_eq!(last["actor"]["user_id"], admin_id.as_str());
}

#[tokio::test]
async fn no_invitation_token_is_served_logged_or_written() {
    let server = demo().await;
    let http = http();
    // An invite sent now gets a token too.
    let team_id = server.shared().world.read().unwrap().teams[0].id.clone();
    http.post(format!(
        "{}/api/v4/teams/{team_id}/invite/email",
        server.url
    ))
    .bearer_auth(&server.token)
    .json(&serde_json::json!(["fresh@example.com"]))
    .send()
    .await
    .unwrap();
    let tokens: Vec<String> = invites(&server).into_iter().map(|i| i.token).collect();
    assert!(tokens.len() >= 20);
    assert!(tokens.iter().all(|t| t.len() == 64));

    let mut texts = Vec::new();
    let mut dirs = vec![server.host_dir.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                texts.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
                ));
            }
        }
    }
    let (team_ids, channel_ids, user_ids) = {
        let world = server.shared().world.read().unwrap();
        (
            world.teams.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
            world
                .channels
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>(),
            world.users.iter().map(|u| u.id.clone()).collect::<Vec<_>>(),
        )
    };
    let mut paths = vec![
        "/api/v4/users?per_page=200".to_string(),
        "/api/v4/users?page=1&per_page=60".to_string(),
        "/api/v4/teams".to_string(),
        "/api/v4/logs?logs_per_page=10000".to_string(),
        "/api/v4/config".to_string(),
    ];
    for team in &team_ids {
        paths.push(format!("/api/v4/teams/{team}"));
        paths.push(format!("/api/v4/teams/{team}/members?per_page=200"));
        paths.push(format!("/api/v4/teams/{team}/channels/name/town-square"));
    }
    for channel in &channel_ids {
        paths.push(format!("/api/v4/channels/{channel}/posts?per_page=200"));
    }
    for user in &user_ids {
        paths.push(format!("/api/v4/users/{user}"));
    }
    for path in paths {
        let (status, body) = get(&server, &server.token, &path).await;
        assert!(status == 200 || status == 403, "{path}: {status}");
        texts.push((path, body.to_string()));
    }
    for (source, text) in &texts {
        for token in &tokens {
            assert!(!text.contains(token.as_str()), "a token in {source}");
        }
    }
}
