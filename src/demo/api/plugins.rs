//! Plugins: their manifests and their state on every node, and enabling or disabling one
//! (which changes the config and tells the WebSocket connections).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::{Ctx, DemoError, Reply, admin, json_reply, read_world, remote_only, write_world};
use crate::demo::world::World;

pub(super) async fn plugins(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    let world = read_world(&ctx);
    admin(&ctx, &world, &headers)?;
    json_reply(plugins_json(&world))
}

/// `{"active": [...], "inactive": [...]}`: the manifests, as `GET /plugins` answers.
pub(in crate::demo) fn plugins_json(world: &World) -> Value {
    let (active, inactive): (Vec<_>, Vec<_>) = world.plugins.iter().partition(|p| p.enabled);
    json!({
        "active": active.iter().map(|p| p.manifest.clone()).collect::<Vec<_>>(),
        "inactive": inactive.iter().map(|p| p.manifest.clone()).collect::<Vec<_>>(),
    })
}

pub(super) async fn plugin_statuses(State(ctx): State<Ctx>, headers: HeaderMap) -> Reply {
    remote_only(&ctx)?;
    admin(&ctx, &read_world(&ctx), &headers)?;
    json_reply(plugin_statuses_json(&ctx))
}

/// Every plugin's state on every node, as `GET /plugins/statuses` and the
/// `plugin_statuses_changed` event give it.
fn plugin_statuses_json(ctx: &Ctx) -> Value {
    let world = read_world(ctx);
    let mut out = Vec::new();
    for plugin in &world.plugins {
        for (node, state) in world.nodes.iter().zip(&plugin.nodes) {
            out.push(json!({
                "plugin_id": plugin.id(),
                "cluster_id": node.id,
                "plugin_path": format!("/opt/mattermost/plugins/{}", plugin.id()),
                "state": state.state,
                "error": state.error,
                "name": plugin.name(),
                "description": plugin.manifest.get("description").cloned().unwrap_or(Value::Null),
                "version": state.version,
            }));
        }
    }
    Value::Array(out)
}

fn set_plugin_enabled(ctx: &Ctx, headers: &HeaderMap, plugin_id: &str, enabled: bool) -> Reply {
    let mut world = write_world(ctx);
    admin(ctx, &world, headers)?;
    let plugin = world
        .plugins
        .iter_mut()
        .find(|p| p.id() == plugin_id)
        .ok_or_else(|| DemoError::not_found("plugin"))?;
    plugin.enabled = enabled;
    for node in &mut plugin.nodes {
        node.state = if enabled {
            crate::demo::plugins::RUNNING
        } else {
            crate::demo::plugins::NOT_RUNNING
        };
        node.error.clear();
    }
    let manifest = json!({"id": plugin_id, "version": plugin.version()});
    if let Some(state) = world
        .config
        .pointer_mut(&format!("/PluginSettings/PluginStates/{plugin_id}"))
    {
        *state = json!({"Enable": enabled});
    }
    drop(world);
    let name = if enabled {
        "plugin_enabled"
    } else {
        "plugin_disabled"
    };
    ctx.shared.broadcast(crate::demo::websocket::event(
        name,
        json!({"manifest": manifest}),
    ));
    ctx.shared.broadcast(crate::demo::websocket::event(
        "plugin_statuses_changed",
        json!({"plugin_statuses": plugin_statuses_json(ctx)}),
    ));
    json_reply(json!({"status": "OK"}))
}

pub(super) async fn plugin_enable(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(plugin_id): Path<String>,
) -> Reply {
    set_plugin_enabled(&ctx, &headers, &plugin_id, true)
}

pub(super) async fn plugin_disable(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(plugin_id): Path<String>,
) -> Reply {
    set_plugin_enabled(&ctx, &headers, &plugin_id, false)
}
