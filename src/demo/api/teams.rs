//! Teams: the list, lookups by id and name, and a team's members, each visible to admins, to
//! the team's members and (open teams) to everyone.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::{
    Caller, Ctx, DemoError, Params, Reply, json_reply, logged_in, page_of, paging, read_world,
};
use crate::demo::world::World;

fn team_json(team: &crate::demo::world::DemoTeam, manage: bool) -> Value {
    json!({
        "id": team.id,
        "create_at": team.create_at,
        "update_at": team.create_at,
        "delete_at": 0,
        "display_name": team.display_name,
        "name": team.name,
        "description": "",
        "email": if manage { team.email.as_str() } else { "" },
        "type": team.team_type,
        "company_name": "",
        "allowed_domains": team.allowed_domains,
        "invite_id": if manage { team.invite_id.as_str() } else { "" },
        "allow_open_invite": team.allow_open_invite,
        "scheme_id": "",
        "group_constrained": false,
        "policy_id": null,
        "cloud_limits_archived": false,
    })
}

pub(super) async fn teams_list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let (page, per_page) = paging(&params)?;
    let admin = caller.is_admin();
    let visible: Vec<&crate::demo::world::DemoTeam> = world
        .teams
        .iter()
        .filter(|t| admin || t.allow_open_invite)
        .collect();
    json_reply(Value::Array(
        page_of(&visible, page, per_page)
            .into_iter()
            .map(|t| team_json(t, admin))
            .collect(),
    ))
}

pub(in crate::demo) fn team_visible(world: &World, caller: &Caller, team_id: &str) -> bool {
    caller.is_admin()
        || caller.user_id().is_some_and(|uid| {
            world
                .members
                .iter()
                .any(|m| m.team_id == team_id && m.user_id == uid)
        })
}

pub(super) async fn team_by_id(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(team_id): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let team = world
        .team(&team_id)
        .ok_or_else(|| DemoError::not_found("team"))?;
    if !team_visible(&world, &caller, &team.id) && !team.allow_open_invite {
        return Err(DemoError::forbidden());
    }
    json_reply(team_json(team, caller.is_admin()))
}

pub(super) async fn team_by_name(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let team = world
        .teams
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| DemoError::not_found("team"))?;
    if !team_visible(&world, &caller, &team.id) && !team.allow_open_invite {
        return Err(DemoError::not_found("team"));
    }
    json_reply(team_json(team, caller.is_admin()))
}

pub(super) async fn team_members(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(team_id): Path<String>,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    if world.team(&team_id).is_none() {
        return Err(DemoError::not_found("team"));
    }
    if !team_visible(&world, &caller, &team_id) {
        return Err(DemoError::forbidden());
    }
    let (page, per_page) = paging(&params)?;
    let members: Vec<&crate::demo::world::DemoMember> = world
        .members
        .iter()
        .filter(|m| m.team_id == team_id)
        .collect();
    json_reply(Value::Array(
        page_of(&members, page, per_page)
            .into_iter()
            .map(|m| {
                json!({
                    "team_id": m.team_id,
                    "user_id": m.user_id,
                    "roles": m.roles,
                    "delete_at": 0,
                    "scheme_guest": m.roles == "team_guest",
                    "scheme_user": m.roles != "team_guest",
                    "scheme_admin": m.roles.contains("team_admin"),
                    "explicit_roles": "",
                })
            })
            .collect(),
    ))
}
