//! The invitation routes: sending email invites to a team (the call written to the audit log,
//! the sent addresses pending invitations), a team's channel by name, a channel's posts (where
//! the join and add messages are), and invalidating every email invite.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::api::{
    Caller, Ctx, DemoError, Params, Reply, admin, json_reply, logged_in, paging, read_world,
    team_visible, write_world,
};
use super::story::{DOMAIN_REFUSED, DemoInvite, DemoPost, InviteCall, InviteOutcome};
use super::world::{DemoChannel, World};

/// Public channels need the team; private ones an admin (the demo keeps no channel members).
fn can_read(world: &World, caller: &Caller, channel: &DemoChannel) -> bool {
    caller.is_admin()
        || (channel.channel_type == "O" && team_visible(world, caller, &channel.team_id))
}

fn channel_json(world: &World, channel: &DemoChannel) -> Value {
    let created = world
        .team(&channel.team_id)
        .map(|t| t.create_at)
        .unwrap_or_default();
    let posts = world.posts.iter().filter(|p| p.channel_id == channel.id);
    let last_post_at = posts.clone().map(|p| p.create_at).max().unwrap_or(created);
    json!({
        "id": channel.id,
        "create_at": created,
        "update_at": created,
        "delete_at": 0,
        "team_id": channel.team_id,
        "type": channel.channel_type,
        "display_name": channel.display_name,
        "name": channel.name,
        "header": "",
        "purpose": "",
        "last_post_at": last_post_at,
        "total_msg_count": posts.count(),
        "extra_update_at": 0,
        "creator_id": "",
        "scheme_id": null,
        "group_constrained": null,
        "shared": null,
        "last_root_post_at": last_post_at,
        "policy_id": null,
    })
}

/// `GET /teams/{team_id}/channels/name/{channel_name}`.
pub async fn channel_by_name(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((team_id, name)): Path<(String, String)>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let channel = world
        .channels
        .iter()
        .find(|c| c.team_id == team_id && c.name == name)
        .ok_or_else(|| DemoError::not_found("channel"))?;
    if !can_read(&world, &caller, channel) {
        return Err(DemoError::forbidden());
    }
    json_reply(channel_json(&world, channel))
}

fn post_json(post: &DemoPost) -> Value {
    json!({
        "id": post.id,
        "create_at": post.create_at,
        "update_at": post.create_at,
        "edit_at": 0,
        "delete_at": 0,
        "is_pinned": false,
        "user_id": post.user_id,
        "channel_id": post.channel_id,
        "root_id": "",
        "original_id": "",
        "message": post.message,
        "type": post.post_type,
        "props": post.props,
        "hashtags": "",
        "pending_post_id": "",
        "reply_count": 0,
        "metadata": {},
    })
}

/// `GET /channels/{channel_id}/posts`: newest first, paged; with `since` (ms), every post
/// created or changed after it, unpaged, as the server answers.
pub async fn channel_posts(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(channel_id): Path<String>,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let channel = world
        .channels
        .iter()
        .find(|c| c.id == channel_id)
        .ok_or_else(|| DemoError::not_found("channel"))?;
    if !can_read(&world, &caller, channel) {
        return Err(DemoError::forbidden());
    }
    let since = params
        .get("since")
        .map(|s| s.parse::<i64>().map_err(|_| DemoError::bad_param("since")))
        .transpose()?;
    let mut posts: Vec<&DemoPost> = world
        .posts
        .iter()
        .filter(|p| p.channel_id == channel.id)
        .filter(|p| since.is_none_or(|since| p.create_at > since))
        .collect();
    posts.sort_by(|a, b| b.create_at.cmp(&a.create_at).then(b.id.cmp(&a.id)));
    let (page, has_next) = match since {
        Some(_) => (posts, false),
        None => {
            let (page, per_page) = paging(&params)?;
            let start = page.saturating_mul(per_page).min(posts.len());
            let end = start.saturating_add(per_page).min(posts.len());
            (posts[start..end].to_vec(), end < posts.len())
        }
    };
    let order: Vec<&str> = page.iter().map(|p| p.id.as_str()).collect();
    let by_id: Map<String, Value> = page.iter().map(|p| (p.id.clone(), post_json(p))).collect();
    json_reply(json!({
        "order": order,
        "posts": by_id,
        "next_post_id": "",
        "prev_post_id": "",
        "has_next": has_next,
    }))
}

/// `POST /teams/{id}/invite/email`: a JSON array of addresses. With `graceful=true`, one
/// `{email, error}` per address; otherwise the first bad address fails the whole request.
pub async fn invite_by_email(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(team_id): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    if !caller.is_admin() {
        return Err(DemoError::new(
            StatusCode::FORBIDDEN,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        ));
    }
    let team = world
        .team(&team_id)
        .ok_or_else(|| DemoError::not_found("team"))?;
    let emails: Vec<String> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| match v {
            Value::Array(items) => Some(items),
            Value::Object(mut map) => match map.remove("emails") {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            },
            _ => None,
        })
        .map(|items| {
            items
                .into_iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_lowercase()))
                .collect()
        })
        .ok_or_else(|| DemoError::bad_param("user"))?;
    let allowed = |email: &str| {
        let Some((local, domain)) = email.split_once('@') else {
            return false;
        };
        let domains: Vec<&str> = team
            .allowed_domains
            .split([',', ' ', '@'])
            .filter(|d| !d.is_empty())
            .collect();
        !local.is_empty()
            && domain.contains('.')
            && (domains.is_empty() || domains.iter().any(|d| domain.eq_ignore_ascii_case(d)))
    };
    let invalid = || {
        json!({
            "id": "api.team.invite_members.invalid_email.app_error",
            "message": DOMAIN_REFUSED,
            "detailed_error": "",
            "request_id": "",
            "status_code": 400,
        })
    };
    // The server writes an audit record for every invite call; the demo's audit file gets it.
    let sent: Vec<String> = emails.iter().filter(|e| allowed(e)).cloned().collect();
    let refused: Vec<String> = emails
        .iter()
        .filter(|e| !allowed(e))
        .map(|e| format!("{e}:{DOMAIN_REFUSED}"))
        .collect();
    let call = InviteCall {
        team_id: team.id.clone(),
        sender_id: caller.user_id().unwrap_or_default().to_string(),
        local: ctx.local,
        guest: false,
        channel_ids: Vec::new(),
        sent,
        refused,
    };
    let sent_at = ctx.shared.now_ms();
    let line = super::audit::invite_record(sent_at, request_actor(&ctx, &call.sender_id), &call);
    append_audit(&ctx.shared.host_dir, &line);
    let accepted: Vec<bool> = emails.iter().map(|e| allowed(e)).collect();
    drop(world);
    record_invites(&ctx, call, sent_at);
    if params.get("graceful").map(String::as_str) == Some("true") {
        let results: Vec<Value> = emails
            .iter()
            .zip(&accepted)
            .map(|(email, ok)| {
                json!({
                    "email": email,
                    "error": if *ok { Value::Null } else { invalid() },
                })
            })
            .collect();
        return json_reply(Value::Array(results));
    }
    if accepted.contains(&false) {
        return Err(DemoError::new(
            StatusCode::BAD_REQUEST,
            "api.team.invite_members.invalid_email.app_error",
            "The following email addresses do not belong to an accepted domain.",
        ));
    }
    json_reply(json!({"status": "OK"}))
}

/// The sent addresses of an invite call become pending invitations, each with its token.
fn record_invites(ctx: &Ctx, call: InviteCall, sent_at: i64) {
    let tokens: Vec<String> = call.sent.iter().map(|_| ctx.shared.new_token()).collect();
    let mut world = write_world(ctx);
    for (email, token) in call.sent.into_iter().zip(tokens) {
        world.invites.push(DemoInvite {
            token,
            email,
            team_id: call.team_id.clone(),
            sender_id: call.sender_id.clone(),
            sent_at,
            channel_ids: call.channel_ids.clone(),
            guest: call.guest,
            outcome: InviteOutcome::Open,
        });
    }
}

/// `DELETE /teams/invites/email`: every unused, unexpired invite is revoked.
pub async fn invalidate_email_invites(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let (actor_id, at) = {
        let mut world = write_world(&ctx);
        let caller = admin(&ctx, &world, &headers)?;
        let actor_id = caller.user_id().unwrap_or_default().to_string();
        let at = ctx.shared.now_ms();
        for invite in &mut world.invites {
            if invite.is_open(at) {
                invite.outcome = InviteOutcome::Revoked { at };
            }
        }
        (actor_id, at)
    };
    let line = super::audit::invalidate_record(at, request_actor(&ctx, &actor_id));
    append_audit(&ctx.shared.host_dir, &line);
    json_reply(json!({"status": "OK"}))
}

/// The audit actor of a request to the demo: mmops on this machine, or mmctl over the socket.
fn request_actor(ctx: &Ctx, user_id: &str) -> Value {
    json!({
        "user_id": user_id,
        "session_id": "",
        "client": if ctx.local { "mmctl" } else { "mmops" },
        "ip_address": if ctx.local { "" } else { "127.0.0.1" },
        "x_forwarded_for": "",
    })
}

/// Appends one record to the install's audit log. The demo's own bookkeeping: a failure is
/// logged, not answered.
fn append_audit(host_dir: &std::path::Path, line: &str) {
    use std::io::Write;
    let path = host_dir.join("logs").join("audit.log");
    let result = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(err) = result {
        tracing::warn!("demo: cannot append to {}: {err}", path.display());
    }
}
