//! Users: logging in (password, MFA), the caller, the user list and lookups by id and email,
//! with email addresses shown only to admins and to the user themselves.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{
    Caller, Ctx, DemoError, Params, Reply, json_reply, logged_in, page_of, paging, read_world,
    remote_only, write_world,
};
use crate::demo::world::DemoUser;

pub fn user_json(user: &DemoUser, show_email: bool) -> Value {
    let mut value = json!({
        "id": user.id,
        "create_at": user.create_at,
        "update_at": user.update_at,
        "delete_at": user.delete_at,
        "username": user.username,
        "auth_data": "",
        "auth_service": user.auth_service,
        "email": if show_email { user.email.as_str() } else { "" },
        "nickname": "",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "position": "",
        "roles": user.roles,
        "locale": "en",
        "timezone": {"automaticTimezone": "", "manualTimezone": "", "useAutomaticTimezone": "true"},
        "disable_welcome_email": false,
    });
    if user.is_bot {
        value["is_bot"] = json!(true);
    }
    if show_email {
        value["email_verified"] = json!(true);
        value["mfa_active"] = json!(user.mfa_code.is_some());
    }
    value
}

#[derive(serde::Deserialize)]
struct LoginBody {
    #[serde(default, alias = "id")]
    login_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: Option<String>,
}

pub(super) async fn login(State(ctx): State<Ctx>, body: Bytes) -> Reply {
    remote_only(&ctx)?;
    let request: LoginBody = serde_json::from_slice(&body).map_err(|_| {
        DemoError::new(
            StatusCode::BAD_REQUEST,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing user in request body.",
        )
    })?;
    let invalid = || {
        DemoError::new(
            StatusCode::UNAUTHORIZED,
            "api.user.login.invalid_credentials_email_username",
            "Enter a valid email or username and/or password.",
        )
    };
    let user = {
        let world = read_world(&ctx);
        world
            .user_by_login(&request.login_id)
            .filter(|u| {
                u.delete_at == 0 && u.password.as_deref() == Some(request.password.as_str())
            })
            .cloned()
            .ok_or_else(invalid)?
    };
    if let Some(expected) = &user.mfa_code {
        match request.token.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(DemoError::new(
                    StatusCode::UNAUTHORIZED,
                    "mfa.validate_token.authenticate.app_error",
                    "Invalid MFA token.",
                ));
            }
            Some(code) if code != expected => {
                return Err(DemoError::new(
                    StatusCode::UNAUTHORIZED,
                    "mfa.validate_token.authenticate.app_error",
                    "Invalid MFA token.",
                ));
            }
            Some(_) => {}
        }
    }
    let token = ctx.shared.new_id();
    write_world(&ctx)
        .sessions
        .insert(token.clone(), user.id.clone());
    let mut response = axum::Json(user_json(&user, true)).into_response();
    if let Ok(value) = HeaderValue::from_str(&token) {
        response.headers_mut().insert("Token", value);
    }
    Ok(response)
}

pub(super) async fn users_me(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    remote_only(&ctx)?;
    let world = read_world(&ctx);
    match logged_in(&ctx, &world, &headers)? {
        Caller::User(user) => json_reply(user_json(&user, true)),
        _ => Err(DemoError::session_expired()),
    }
}

pub(super) async fn users_list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let (page, per_page) = paging(&params)?;
    let in_team = params.get("in_team");
    let users: Vec<&DemoUser> = world
        .users
        .iter()
        .filter(|u| {
            in_team.is_none_or(|team| {
                world
                    .members
                    .iter()
                    .any(|m| &m.team_id == team && m.user_id == u.id)
            })
        })
        .collect();
    let show = caller.is_admin();
    json_reply(Value::Array(
        page_of(&users, page, per_page)
            .into_iter()
            .map(|u| user_json(u, show || caller.user_id() == Some(u.id.as_str())))
            .collect(),
    ))
}

pub(super) async fn user_by_id(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    let user = world
        .user(&user_id)
        .ok_or_else(|| DemoError::not_found("user"))?;
    json_reply(user_json(
        user,
        caller.is_admin() || caller.user_id() == Some(user.id.as_str()),
    ))
}

pub(super) async fn user_by_email(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(email): Path<String>,
) -> Reply {
    let world = read_world(&ctx);
    let caller = logged_in(&ctx, &world, &headers)?;
    if !caller.is_admin() {
        return Err(DemoError::forbidden());
    }
    let email = email.to_ascii_lowercase();
    let user = world
        .users
        .iter()
        .find(|u| u.email == email)
        .ok_or_else(|| DemoError::not_found("user"))?;
    json_reply(user_json(user, true))
}
