//! The demo's `/api/v4/websocket`: authentication by the upgrade's bearer token or by the
//! `authentication_challenge` frame, the `hello` event, then the events the world broadcasts
//! (plugins enabled and disabled, their statuses changed), each with its sequence number.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{Caller, Ctx, caller_for_token, read_world, remote_only};

/// How long an unauthenticated socket may wait before it must send the challenge.
const CHALLENGE_WAIT: Duration = Duration::from_secs(10);

pub async fn upgrade(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, super::api::DemoError> {
    remote_only(&ctx)?;
    let authed = {
        let world = read_world(&ctx);
        match super::api::caller_from_headers(&ctx, &world, &headers) {
            Ok(Caller::User(user)) => Some(Caller::User(user)),
            Ok(_) => None,
            // A bad token on the upgrade is refused like on any route.
            Err(err) => return Err(err),
        }
    };
    Ok(ws
        .on_upgrade(move |socket| serve(ctx, socket, authed))
        .into_response())
}

/// The envelope every event travels in.
pub fn event(name: &str, data: Value) -> Value {
    json!({
        "event": name,
        "data": data,
        "broadcast": {"omit_users": null, "user_id": "", "channel_id": "", "team_id": ""},
    })
}

async fn send(socket: &mut WebSocket, mut message: Value, seq: &mut i64) -> bool {
    message["seq"] = json!(*seq);
    *seq += 1;
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .is_ok()
}

/// Waits for `{"seq":N,"action":"authentication_challenge","data":{"token":"…"}}` and answers it.
async fn challenge(ctx: &Ctx, socket: &mut WebSocket) -> bool {
    let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(CHALLENGE_WAIT, socket.recv()).await
    else {
        return false;
    };
    let request: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
    let seq = request.get("seq").cloned().unwrap_or(json!(0));
    let token = request
        .pointer("/data/token")
        .and_then(Value::as_str)
        .filter(|_| request.get("action") == Some(&json!("authentication_challenge")));
    let ok = token.is_some_and(|token| {
        let world = read_world(ctx);
        matches!(caller_for_token(&world, token), Some(Caller::User(_)))
    });
    let reply = if ok {
        json!({"status": "OK", "seq_reply": seq})
    } else {
        json!({
            "status": "FAIL",
            "seq_reply": seq,
            "error": {"id": "api.web_socket_router.not_authenticated.app_error",
                      "message": "You are not authenticated.", "status_code": 401}
        })
    };
    let sent = socket
        .send(Message::Text(reply.to_string().into()))
        .await
        .is_ok();
    ok && sent
}

async fn serve(ctx: Ctx, mut socket: WebSocket, authed: Option<Caller>) {
    if authed.is_none() && !challenge(&ctx, &mut socket).await {
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    let mut events = ctx.shared.subscribe();
    let hello = {
        let world = read_world(&ctx);
        event(
            "hello",
            json!({
                "server_version": ctx.shared.version_header(),
                "connection_id": ctx.shared.new_id(),
                "server_hostname": world.nodes.first().map(|n| n.hostname.clone()).unwrap_or_default(),
            }),
        )
    };
    let mut seq = 0;
    if !send(&mut socket, hello, &mut seq).await {
        return;
    }
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(message) => {
                    if !send(&mut socket, message, &mut seq).await {
                        return;
                    }
                }
                // A slow reader lost some events; the server would not replay them either.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
