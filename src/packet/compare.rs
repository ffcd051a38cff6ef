//! Two support packets compared (`mmops packet diff A.zip B.zip`): the server version, the
//! nodes, the config by path (the Config tab's comparison), the plugins added, removed,
//! upgraded or switched on or off, the statistics, the jobs that started failing, and the log
//! messages new in B by their template.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};

use super::open::Packet;
use crate::doctor::facts::{Fact, Job, as_number};
use crate::doctor::from_packet::{self, text};
use crate::logs::parse::{Level, parse_line};
use crate::logs::pattern::template;
use crate::logs::scan::text as msg_text;
use crate::logs::source::split_lines;
use crate::server_config::diff::{Change, compare};
use crate::text::inert;

/// What one packet says, reduced to what is compared.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub file: String,
    pub taken_ms: Option<i64>,
    pub version: Option<String>,
    pub nodes: Vec<String>,
    pub config: Option<Value>,
    /// Plugin id → (version, enabled).
    pub plugins: BTreeMap<String, (String, bool)>,
    pub stats: BTreeMap<String, i64>,
    /// Job kind → the newest run's status and error.
    pub jobs: BTreeMap<String, (String, String)>,
    /// Message template → (lines, worst level seen).
    pub patterns: HashMap<String, (u64, Level)>,
    pub log_problems: Vec<String>,
}

/// Reads what is compared from `packet`, its logs streamed once.
pub fn summarize(packet: &Packet) -> Summary {
    let facts = from_packet::facts_without_logs(packet);
    let mut summary = Summary {
        file: packet
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        taken_ms: packet.generated_at_ms(),
        version: text(packet.fact("/server/version", "server_version")).or_else(|| {
            packet
                .parts
                .get("metadata.yaml")
                .and_then(|m| text(m.get("server_version")))
        }),
        // A root without a folder names no node (a single server, or a packet before 10.10).
        nodes: packet
            .nodes
            .iter()
            .filter(|n| !n.name.is_empty())
            .map(|n| n.name.clone())
            .collect(),
        config: packet.config().cloned(),
        ..Summary::default()
    };
    if let Some(plugins) = packet.parts.get("plugins.json") {
        summary.plugins = plugin_versions(plugins);
    }
    for source in ["stats.yaml", "support_packet.yaml"] {
        if let Some(map) = packet.parts.get(source).and_then(Value::as_object) {
            for (key, value) in map {
                if key.ends_with("_jobs") {
                    continue;
                }
                if let Some(n) = value.is_number().then(|| as_number(value)).flatten() {
                    summary.stats.entry(stat_name(key).to_string()).or_insert(n);
                }
            }
        }
    }
    if let Fact::Known(jobs) = &facts.jobs {
        let mut newest: BTreeMap<&str, &Job> = BTreeMap::new();
        for job in jobs {
            let slot = newest.entry(job.kind.as_str()).or_insert(job);
            if job.at_ms() > slot.at_ms() {
                *slot = job;
            }
        }
        summary.jobs = newest
            .into_iter()
            .map(|(kind, job)| (kind.to_string(), (job.status.clone(), job.error())))
            .collect();
    }
    for node in &packet.nodes {
        for (name, _) in &node.logs {
            let mut partial = Vec::new();
            let patterns = &mut summary.patterns;
            let result = packet.stream_log(name, |piece| {
                split_lines(&mut partial, piece, |line| count_line(patterns, line));
                true
            });
            if !partial.is_empty() {
                count_line(&mut summary.patterns, &partial);
            }
            if let Err(err) = result {
                summary.log_problems.push(format!("{name}: {err}"));
            }
        }
    }
    summary
}

/// What the live server says now, reduced to what is compared with a packet: its version,
/// nodes, config (sanitized), plugins, statistics, newest jobs, and the newest lines of its
/// log over the API. What the token may not read is left out and named in `log_problems`.
pub async fn summarize_live(client: &crate::mm::MmClient, now_ms: i64) -> Summary {
    let (client_config, config, plugins, stats, cluster, jobs, logs) = tokio::join!(
        client.client_config(),
        client.full_config(),
        client.plugins(),
        client.site_stats(),
        client.cluster_status(),
        client.jobs(200),
        client.log_page(0, crate::doctor::gather::REST_LOG_LINES),
    );
    let mut summary = Summary {
        file: format!("{} (now)", client.display_name()),
        taken_ms: Some(now_ms),
        version: client_config
            .ok()
            .and_then(|c| c.version().map(str::to_string)),
        ..Summary::default()
    };
    let mut problems = Vec::new();
    match plugins {
        Ok(plugins) => summary.plugins = plugin_versions(&plugins),
        Err(err) => problems.push(summary_problem("plugins", &err)),
    }
    match config {
        Ok(config) => {
            summary.config = Some(crate::sanitize::sanitize_config(&config, &[]).config);
        }
        Err(err) => problems.push(summary_problem("config", &err)),
    }
    match stats {
        Ok(stats) => {
            for (name, value) in [
                ("posts", stats.posts),
                ("active_users", stats.active_users),
                ("daily_active_users", stats.daily_active_users),
                ("monthly_active_users", stats.monthly_active_users),
                ("deactivated_users", stats.inactive_users),
                ("teams", stats.teams),
                ("websocket_connections", stats.websocket_connections),
            ] {
                if let Some(value) = value {
                    summary.stats.insert(name.to_string(), value);
                }
            }
        }
        Err(err) => problems.push(summary_problem("statistics", &err)),
    }
    match cluster {
        Ok(nodes) => summary.nodes = nodes.into_iter().map(|n| n.hostname).collect(),
        Err(err) => problems.push(summary_problem("cluster", &err)),
    }
    match jobs {
        Ok(jobs) => {
            for raw in jobs {
                if let Ok(job) = serde_json::from_value::<Job>(raw) {
                    // Newest first: the first of each kind is its newest run.
                    summary
                        .jobs
                        .entry(job.kind.clone())
                        .or_insert((job.status.clone(), job.error()));
                }
            }
        }
        Err(err) => problems.push(summary_problem("jobs", &err)),
    }
    match logs {
        Ok(lines) => {
            for line in lines {
                count_line(&mut summary.patterns, line.as_bytes());
            }
        }
        Err(err) => problems.push(summary_problem("logs", &err)),
    }
    summary.log_problems = problems;
    summary
}

/// Plugin id → (version, enabled) from a plugin list of either era (`active`/`inactive`, or
/// `enabled`/`disabled` from 10.5).
fn plugin_versions(plugins: &Value) -> BTreeMap<String, (String, bool)> {
    let mut out = BTreeMap::new();
    for (key, enabled) in [
        ("active", true),
        ("enabled", true),
        ("inactive", false),
        ("disabled", false),
    ] {
        for manifest in plugins
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = text(manifest.get("id")) {
                let version = text(manifest.get("version")).unwrap_or_default();
                out.insert(id, (version, enabled));
            }
        }
    }
    out
}

fn summary_problem(what: &str, err: &crate::mm::ApiError) -> String {
    format!("the live {what} are not compared: {err}")
}

/// The flat 9.x names and the 10.5 names of one statistic, as one.
fn stat_name(key: &str) -> &str {
    match key {
        "total_posts" => "posts",
        "total_channels" => "channels",
        "total_teams" => "teams",
        "inactive_user_count" => "deactivated_users",
        other => other,
    }
}

fn count_line(patterns: &mut HashMap<String, (u64, Level)>, line: &[u8]) {
    let parsed = parse_line(line, false);
    if !parsed.starts_entry() {
        return;
    }
    let (start, end) = parsed.msg;
    if end <= start {
        return;
    }
    let msg = msg_text(&line[start as usize..end as usize], parsed.msg_escaped);
    let entry = patterns
        .entry(template(msg.trim()))
        .or_insert((0, parsed.level.rank()));
    entry.0 += 1;
    entry.1 = entry.1.max(parsed.level.rank());
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum PluginChange {
    Added {
        id: String,
        version: String,
    },
    Removed {
        id: String,
        version: String,
    },
    Upgraded {
        id: String,
        from: String,
        to: String,
    },
    Enabled {
        id: String,
    },
    Disabled {
        id: String,
    },
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    pub version: Option<(String, String)>,
    pub nodes_added: Vec<String>,
    pub nodes_removed: Vec<String>,
    #[serde(serialize_with = "changes_json")]
    pub config: Vec<Change>,
    pub plugins: Vec<PluginChange>,
    /// Name, before, after.
    pub stats: Vec<(String, i64, i64)>,
    /// Kind and the error of its newest run in B, where its newest run in A did not fail.
    pub jobs_failing: Vec<(String, String)>,
    /// Templates in B and not in A: template, lines, level.
    pub new_patterns: Vec<(String, u64, &'static str)>,
}

fn changes_json<S: serde::Serializer>(changes: &[Change], s: S) -> Result<S::Ok, S::Error> {
    let values: Vec<Value> = changes
        .iter()
        .map(|c| match c {
            Change::Added { path, value } => json!({"path": path, "added": value}),
            Change::Removed { path, value } => json!({"path": path, "removed": value}),
            Change::Changed { path, from, to } => json!({"path": path, "from": from, "to": to}),
        })
        .collect();
    values.serialize(s)
}

/// What changed from `a` to `b`.
pub fn difference(a: &Summary, b: &Summary) -> Difference {
    let version = match (&a.version, &b.version) {
        (Some(x), Some(y)) if x != y => Some((x.clone(), y.clone())),
        _ => None,
    };
    let config = match (&a.config, &b.config) {
        (Some(x), Some(y)) => compare(x, y),
        _ => Vec::new(),
    };
    let mut plugins = Vec::new();
    for (id, (version, enabled)) in &a.plugins {
        match b.plugins.get(id) {
            None => plugins.push(PluginChange::Removed {
                id: id.clone(),
                version: version.clone(),
            }),
            Some((now, now_enabled)) => {
                if now != version {
                    plugins.push(PluginChange::Upgraded {
                        id: id.clone(),
                        from: version.clone(),
                        to: now.clone(),
                    });
                }
                if now_enabled != enabled {
                    plugins.push(if *now_enabled {
                        PluginChange::Enabled { id: id.clone() }
                    } else {
                        PluginChange::Disabled { id: id.clone() }
                    });
                }
            }
        }
    }
    for (id, (version, _)) in &b.plugins {
        if !a.plugins.contains_key(id) {
            plugins.push(PluginChange::Added {
                id: id.clone(),
                version: version.clone(),
            });
        }
    }
    let stats = b
        .stats
        .iter()
        .filter_map(|(name, after)| {
            let before = a.stats.get(name)?;
            (before != after).then(|| (name.clone(), *before, *after))
        })
        .collect();
    let jobs_failing = b
        .jobs
        .iter()
        .filter(|(_, (status, _))| status.eq_ignore_ascii_case("error"))
        .filter(|(kind, _)| {
            a.jobs
                .get(*kind)
                .is_none_or(|(status, _)| !status.eq_ignore_ascii_case("error"))
        })
        .map(|(kind, (_, error))| (kind.clone(), error.clone()))
        .collect();
    let mut new_patterns: Vec<(String, u64, &'static str)> = b
        .patterns
        .iter()
        .filter(|(t, _)| !a.patterns.contains_key(*t))
        .map(|(t, (count, level))| (t.clone(), *count, level.label()))
        .collect();
    new_patterns.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    // Nodes are compared only where both sides name theirs.
    let named = !a.nodes.is_empty() && !b.nodes.is_empty();
    Difference {
        version,
        nodes_added: b
            .nodes
            .iter()
            .filter(|n| named && !a.nodes.contains(n))
            .cloned()
            .collect(),
        nodes_removed: a
            .nodes
            .iter()
            .filter(|n| named && !b.nodes.contains(n))
            .cloned()
            .collect(),
        config,
        plugins,
        stats,
        jobs_failing,
        new_patterns,
    }
}

/// How many new log templates the text shows.
const TOP_PATTERNS: usize = 20;

/// The difference for the terminal; every text from a packet made inert.
pub fn text_report(a: &Summary, b: &Summary, d: &Difference) -> String {
    let mut out = String::new();
    let when = |s: &Summary| {
        s.taken_ms
            .map(crate::timefmt::utc_minute)
            .unwrap_or_else(|| "time unknown".into())
    };
    let _ = writeln!(out, "A: {} ({})", inert(&a.file), when(a));
    let _ = writeln!(out, "B: {} ({})", inert(&b.file), when(b));
    let mut section = |title: &str, lines: Vec<String>| {
        let _ = writeln!(out, "\n{title}");
        if lines.is_empty() {
            let _ = writeln!(out, "  no change");
        }
        for line in lines {
            let _ = writeln!(out, "  {}", inert(&line));
        }
    };
    section(
        "SERVER",
        d.version
            .iter()
            .map(|(x, y)| format!("version {x} → {y}"))
            .chain(d.nodes_added.iter().map(|n| format!("node added: {n}")))
            .chain(d.nodes_removed.iter().map(|n| format!("node removed: {n}")))
            .collect(),
    );
    section(
        "CONFIG",
        d.config
            .iter()
            .map(|c| match c {
                Change::Added { path, value } => format!("+ {path} = {value}"),
                Change::Removed { path, value } => format!("- {path} = {value}"),
                Change::Changed { path, from, to } => format!("~ {path}: {from} → {to}"),
            })
            .collect(),
    );
    section(
        "PLUGINS",
        d.plugins
            .iter()
            .map(|p| match p {
                PluginChange::Added { id, version } => format!("+ {id} {version}"),
                PluginChange::Removed { id, version } => format!("- {id} {version}"),
                PluginChange::Upgraded { id, from, to } => format!("~ {id} {from} → {to}"),
                PluginChange::Enabled { id } => format!("~ {id} enabled"),
                PluginChange::Disabled { id } => format!("~ {id} disabled"),
            })
            .collect(),
    );
    section(
        "STATISTICS",
        d.stats
            .iter()
            .map(|(name, x, y)| format!("{name} {x} → {y} ({:+})", y - x))
            .collect(),
    );
    section(
        "JOBS NOW FAILING",
        d.jobs_failing
            .iter()
            .map(|(kind, error)| format!("{kind}: {error}"))
            .collect(),
    );
    let more = d.new_patterns.len().saturating_sub(TOP_PATTERNS);
    let mut patterns: Vec<String> = d
        .new_patterns
        .iter()
        .take(TOP_PATTERNS)
        .map(|(t, count, level)| format!("{count:>8}  {level:<5}  {t}"))
        .collect();
    if more > 0 {
        patterns.push(format!("… and {more} more (--json lists them all)"));
    }
    section("LOG MESSAGES NEW IN B", patterns);
    for problem in a.log_problems.iter().chain(&b.log_problems) {
        let _ = writeln!(out, "\nnote: {}", inert(problem));
    }
    out
}

/// The difference as JSON.
pub fn json_report(a: &Summary, b: &Summary, d: &Difference) -> Value {
    json!({
        "a": {"file": a.file, "taken_at_ms": a.taken_ms, "version": a.version},
        "b": {"file": b.file, "taken_at_ms": b.taken_ms, "version": b.version},
        "difference": d,
    })
}
