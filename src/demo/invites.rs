//! The routes that expose the invitation history over REST: a team's channel by name, a
//! channel's posts (where the join and add messages are), and invalidating every email invite.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use super::api::{
    Caller, Ctx, DemoError, Params, Reply, admin, append_audit, json_reply, logged_in, paging,
    read_world, request_actor, team_visible, write_world,
};
use super::story::{DemoPost, InviteOutcome};
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
