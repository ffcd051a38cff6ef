//! `GET /logs`: the server log of every cluster node, the local one read from the install's
//! file, each node's lines under a banner with its name, as the server answers.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::{Ctx, DemoError, Params, Reply, admin, blocking_io, json_reply, read_world};
use crate::demo::logs::tail_lines;

const CLUSTER_SEPARATOR: &str = "-----------------------------------------------------------------------------------------------------------";

pub(super) async fn logs(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(params): Params,
) -> Reply {
    let (node_names, log_path, other_lines) = {
        let world = read_world(&ctx);
        admin(&ctx, &world, &headers)?;
        let names: Vec<String> = world.nodes.iter().map(|n| n.hostname.clone()).collect();
        let other = ctx
            .shared
            .other_node_log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        (names, ctx.shared.log_path(), other)
    };
    let page = params
        .get("page")
        .map(|p| p.parse::<usize>().map_err(|_| DemoError::bad_param("page")))
        .transpose()?
        .unwrap_or(0);
    let per_page = params
        .get("logs_per_page")
        .map(|p| {
            p.parse::<usize>()
                .map_err(|_| DemoError::bad_param("logs_per_page"))
        })
        .transpose()?
        .unwrap_or(10_000)
        .min(10_000);
    let skip = page.saturating_mul(per_page);
    let lines = blocking_io(
        move || tail_lines(&log_path, skip, per_page),
        "api.admin.file_read_error",
        "Error reading log file.",
    )
    .await?;
    let mut out: Vec<String> = Vec::new();
    let push_block = |host: &str, lines: &[String], out: &mut Vec<String>| {
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.push(format!("\n{host}"));
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.push(format!("\n{CLUSTER_SEPARATOR}"));
        out.extend(lines.iter().map(|l| format!("\n{l}")));
    };
    if let Some(local) = node_names.first() {
        push_block(local, &lines, &mut out);
    }
    if let Some(other) = node_names.get(1) {
        let end = other_lines.len().saturating_sub(skip);
        let start = end.saturating_sub(per_page);
        push_block(other, &other_lines[start..end], &mut out);
    }
    // The very first string carries no leading newline, as on the real server.
    if let Some(first) = out.first_mut()
        && let Some(stripped) = first.strip_prefix('\n')
    {
        *first = stripped.to_string();
    }
    json_reply(Value::Array(out.into_iter().map(Value::String).collect()))
}
