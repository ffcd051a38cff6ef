//! Who is calling: the local-mode socket (trusted, as the server trusts it), an anonymous
//! request, or the user a session token belongs to; and the checks routes make of them.

use axum::http::{HeaderMap, StatusCode, header};

use super::{Ctx, DemoError};
use crate::demo::world::{DemoUser, World};

pub enum Caller {
    Local,
    Anonymous,
    User(Box<DemoUser>),
}

impl Caller {
    pub(in crate::demo) fn is_admin(&self) -> bool {
        match self {
            Caller::Local => true,
            Caller::Anonymous => false,
            Caller::User(user) => user.is_admin(),
        }
    }

    pub(in crate::demo) fn user_id(&self) -> Option<&str> {
        match self {
            Caller::User(user) => Some(&user.id),
            _ => None,
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then_some(token.trim())
}

/// The user a session token belongs to, when it is live.
pub(in crate::demo) fn caller_for_token(world: &World, token: &str) -> Option<Caller> {
    world
        .sessions
        .get(token)
        .and_then(|id| world.user(id))
        .filter(|u| u.delete_at == 0)
        .map(|user| Caller::User(Box::new(user.clone())))
}

pub(in crate::demo) fn caller_from_headers(
    ctx: &Ctx,
    world: &World,
    headers: &HeaderMap,
) -> Result<Caller, DemoError> {
    caller(ctx, world, headers)
}

pub(super) fn caller(ctx: &Ctx, world: &World, headers: &HeaderMap) -> Result<Caller, DemoError> {
    if ctx.local {
        return Ok(Caller::Local);
    }
    let Some(token) = bearer(headers) else {
        return Ok(Caller::Anonymous);
    };
    caller_for_token(world, token).ok_or_else(DemoError::session_expired)
}

pub(in crate::demo) fn logged_in(
    ctx: &Ctx,
    world: &World,
    headers: &HeaderMap,
) -> Result<Caller, DemoError> {
    match caller(ctx, world, headers)? {
        Caller::Anonymous => Err(DemoError::session_expired()),
        other => Ok(other),
    }
}

pub(in crate::demo) fn admin(
    ctx: &Ctx,
    world: &World,
    headers: &HeaderMap,
) -> Result<Caller, DemoError> {
    let caller = logged_in(ctx, world, headers)?;
    if caller.is_admin() {
        Ok(caller)
    } else {
        Err(DemoError::forbidden())
    }
}

/// Routes the server does not register over the local-mode socket answer 404 there.
pub(in crate::demo) fn remote_only(ctx: &Ctx) -> Result<(), DemoError> {
    if ctx.local {
        Err(DemoError::new(
            StatusCode::NOT_FOUND,
            "api.context.404.app_error",
            "Sorry, we could not find the page.",
        ))
    } else {
        Ok(())
    }
}
