//! Gathering what goes into a packet from every source mmops can reach: the API (through the
//! same calls as the Server tab, plus the full config, the plugins and the log pages) and the
//! install directory (its config.json, plugin manifests and log files). Whatever a source
//! cannot give is recorded with the reason, for `warning.txt`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::contents::SupportPacketYaml;
use crate::host::MmHome;
use crate::logs::poll::{SINGLE_NODE, split_nodes};
use crate::mm::api::permission;
use crate::mm::error::lacks_permission;
use crate::mm::models::system::ClientLicense;
use crate::mm::{ApiError, MmClient};
use crate::overview::{Overview, Section};
use crate::secret::Secret;

/// REST log pages read per node at most (10,000 lines each): the newest 50,000 lines.
const MAX_LOG_PAGES: u32 = 5;
const LOG_PAGE: u32 = 10_000;

/// Where the config came from, which says what the server already hid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// `GET /api/v4/config` over HTTP: masked by the server, and again by mmops.
    Api,
    /// The same route over the local socket: not masked by the server.
    LocalSocket,
    /// `config/config.json` in the install: not masked at all until mmops does it.
    Disk,
}

impl ConfigSource {
    pub fn describe(self) -> &'static str {
        match self {
            ConfigSource::Api => "GET /api/v4/config",
            ConfigSource::LocalSocket => "GET /api/v4/config over the local socket",
            ConfigSource::Disk => "config/config.json in the install directory",
        }
    }
}

/// One log going into the packet.
#[derive(Debug, Clone, PartialEq)]
pub enum LogInput {
    /// A file on this host, streamed whole.
    File {
        name: String,
        path: PathBuf,
        size: u64,
        /// Where the file must really be when it is opened ([`crate::host::logs::open_within`]).
        within: PathBuf,
    },
    /// Lines from the REST log API, oldest first.
    Lines { name: String, lines: Vec<String> },
}

impl LogInput {
    pub fn name(&self) -> &str {
        match self {
            LogInput::File { name, .. } | LogInput::Lines { name, .. } => name,
        }
    }

    pub fn size(&self) -> u64 {
        match self {
            LogInput::File { size, .. } => *size,
            LogInput::Lines { lines, .. } => lines.iter().map(|l| l.len() as u64 + 1).sum(),
        }
    }

    pub fn source(&self) -> String {
        match self {
            LogInput::File { path, .. } => path.display().to_string(),
            LogInput::Lines { name, lines } if name.starts_with(crate::capture::window::FOLDER) => {
                format!(
                    "the capture's window: {} lines of every source, by time",
                    lines.len()
                )
            }
            LogInput::Lines { lines, .. } => {
                format!(
                    "{}, the newest {} lines",
                    crate::mm::routes::logs().label(),
                    lines.len()
                )
            }
        }
    }
}

/// Everything gathered for a packet.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub facts: SupportPacketYaml,
    /// Why a `support_packet.yaml` key is missing, where a source said so.
    pub reasons: BTreeMap<&'static str, String>,
    /// The config as read, not yet sanitized, and where from.
    pub config: Option<(Value, ConfigSource)>,
    /// `{"active": [...], "inactive": [...]}` as the server (or the install) gives them.
    pub plugins: Option<(Value, String)>,
    pub logs: Vec<LogInput>,
    /// What could not be collected, one sentence each.
    pub warnings: Vec<String>,
    pub server_id: Option<String>,
    /// Who asks for the packet: the user of the token, or the local account.
    pub requested_by: String,
    /// `LogSettings.EnableFile` and `FileLevel`, for the advice before writing.
    pub file_logging: Option<(bool, String)>,
    pub local_mode: bool,
    /// The newest background jobs (`GET /api/v4/jobs`), newest first.
    pub jobs: Option<Vec<Value>>,
    /// `{"roles": [...], "schemes": [...]}` from the API.
    pub permissions: Option<Value>,
    /// How many cluster nodes the server reports.
    pub nodes: usize,
    /// The metrics listeners to take the Go profiles from (fetched while the packet is written).
    pub profile_targets: Vec<super::profiles::Target>,
    /// `database_schema.yaml`: the database's shape, never a row (with `--db-url`).
    pub database_schema: Option<String>,
}

impl Collected {
    /// The manifests in `plugins`, for the sanitizer.
    pub fn manifests(&self) -> Vec<Value> {
        let Some((plugins, _)) = &self.plugins else {
            return Vec::new();
        };
        crate::plugins::all_manifests(plugins)
    }

    /// The advice of the support-packet design, when logs would not help support.
    pub fn logging_advice(&self) -> Option<String> {
        let (enabled, level) = self.file_logging.as_ref()?;
        let debug = level.eq_ignore_ascii_case("debug");
        (!enabled || !debug).then(|| {
            "Before downloading the support packet, set Output Logs to File to true and set File \
             Log Level to DEBUG (System Console > Environment > Logging). Afterwards, please \
             recreate the issue with these settings before submitting."
                .to_string()
        })
    }
}

/// The support_packet.yaml keys that come from the site statistics.
const STATS_KEYS: [&str; 10] = [
    "websocket_connections",
    "master_db_connections",
    "read_db_connections",
    "active_users",
    "daily_active_users",
    "monthly_active_users",
    "inactive_user_count",
    "total_posts",
    "total_channels",
    "total_teams",
];

/// Where to look.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    pub client: Option<&'a MmClient>,
    pub mm_home: Option<&'a MmHome>,
    /// `--db-url`: the schema summary is read over a read-only session.
    pub db_url: Option<&'a Secret>,
}

/// `runtime.GOOS`/`GOARCH` names, as the server writes them.
fn go_os_arch() -> (String, String) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    (std::env::consts::OS.to_string(), arch.to_string())
}

fn section_reason<T>(section: &Section<T>, what: &str) -> Option<String> {
    match section {
        Section::Loaded(_) => None,
        Section::Loading => Some(format!("{what} did not answer in time")),
        Section::Denied { permission } => Some(match permission {
            Some(permission) => format!("{what}: {}", lacks_permission(permission)),
            None => format!("{what}: the token may not read it"),
        }),
        Section::Unavailable(why) => Some(format!("{what}: {why}")),
        Section::Failed(err) => Some(format!("{what}: {err}")),
    }
}

fn string_at(config: &Value, pointer: &str) -> Option<String> {
    config
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Gathers everything; never fails: what cannot be had becomes a warning.
pub async fn collect(sources: Sources<'_>) -> Collected {
    let mut out = Collected {
        requested_by: local_account(),
        ..Collected::default()
    };
    let mut node_hostnames: Vec<String> = Vec::new();
    if let Some(client) = sources.client {
        out.local_mode = client.is_local();
        let (overview, config, plugins, jobs, permissions) = tokio::join!(
            Overview::collect(client, sources.mm_home),
            client.full_config(),
            client.plugins(),
            client.jobs(200),
            client.roles_and_schemes(),
        );
        match permissions {
            Ok(permissions) => out.permissions = Some(permissions),
            Err(err) => out.warnings.push(format!(
                "permissions.yaml is missing: the roles and schemes from the API: {err}"
            )),
        }
        apply_overview(&mut out, &overview);
        out.nodes = overview.cluster.loaded().map_or(0, Vec::len);
        node_hostnames = overview
            .cluster
            .loaded()
            .map(|nodes| nodes.iter().map(|n| n.hostname.clone()).collect())
            .unwrap_or_default();
        match jobs {
            Ok(jobs) => out.jobs = Some(jobs),
            Err(err) => out.warnings.push(format!(
                "jobs.yaml is missing: the jobs from the API: {err}"
            )),
        }
        match config {
            Ok(config) => {
                let source = if client.is_local() {
                    ConfigSource::LocalSocket
                } else {
                    ConfigSource::Api
                };
                out.config = Some((config, source));
            }
            Err(err) => {
                let reason = format!("the config from the API: {err}");
                // Kept for the facts only the config gives, in case no other source has it.
                for key in CONFIG_KEYS {
                    out.reasons.insert(key, reason.clone());
                }
                out.warnings.push(reason);
            }
        }
        match plugins {
            Ok(plugins) => out.plugins = Some((plugins, crate::mm::routes::plugins().label())),
            Err(err) => out
                .warnings
                .push(format!("the plugins from the API: {err}")),
        }
    }
    if let Some(home) = sources.mm_home {
        collect_from_home(&mut out, home);
    }
    if sources.client.is_none() {
        let reason = "no server connection, and the install directory alone does not give it (add --url or --local)";
        // Only the API gives these files: each is named, as every file mmops cannot produce.
        for file in ["jobs.yaml", "permissions.yaml"] {
            out.warnings.push(format!("{file} is missing: {reason}"));
        }
        for key in [
            "server_version",
            "build_hash",
            "database_schema_version",
            "file_status",
            "license_to",
            "license_supported_users",
            "license_is_trial",
            "license_id",
        ]
        .into_iter()
        .chain(STATS_KEYS)
        {
            out.reasons.insert(key, reason.to_string());
        }
    }
    if out.config.is_none() && sources.client.is_none() && sources.mm_home.is_none() {
        out.warnings
            .push("no server and no install directory were given: nothing to collect".into());
    }
    apply_config_facts(&mut out);
    find_profile_targets(&mut out, sources, &node_hostnames);
    // The database is read while the log pages come.
    let ((), schema) = tokio::join!(
        collect_logs(&mut out, sources),
        database_schema(sources.db_url)
    );
    match schema {
        Ok(yaml) => out.database_schema = Some(yaml),
        Err(why) => out
            .warnings
            .push(format!("database_schema.yaml is missing: {why}")),
    }
    out
}

async fn database_schema(url: Option<&Secret>) -> Result<String, String> {
    let url = url.ok_or("no database URL (--db-url or MMOPS_DB_URL)")?;
    let session = crate::invites::db::connect(url.expose())
        .await
        .map_err(|err| err.to_string())?;
    let schema = super::schema::read(&session).await?;
    Ok(schema.to_yaml())
}

/// Where the Go profiles will come from; the fetch itself runs while the packet is written.
fn find_profile_targets(out: &mut Collected, sources: Sources<'_>, nodes: &[String]) {
    // Through the API, the listener is looked for on the API's host; on the host (the local
    // socket, the install directory) at 127.0.0.1.
    let api_host = sources
        .client
        .filter(|client| !client.is_local())
        .and_then(|client| client.base_url().host_str().map(str::to_string));
    let config = out.config.as_ref().map(|(config, _)| config);
    match super::profiles::targets(config, nodes, api_host.as_deref(), &crate::host::hostname()) {
        Ok(targets) => out.profile_targets = targets,
        Err(why) => out.warnings.push(format!(
            "cpu.prof, heap.prof and goroutines are missing: {why}"
        )),
    }
}

fn local_account() -> String {
    let uid = nix::unistd::getuid();
    let name = nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|user| user.name)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| format!("uid {uid}"));
    format!("{name} (local account)")
}

fn apply_overview(out: &mut Collected, overview: &Overview) {
    let facts = &mut out.facts;
    if let Some(config) = overview.config.loaded() {
        facts.server_version = config.version().map(str::to_string);
        facts.build_hash = config.build_hash().map(str::to_string);
        facts.database_type = config.sql_driver().map(str::to_string);
        out.server_id = config.server_id().map(str::to_string);
        if let (Some(enabled), Some(level)) = (config.file_logging(), config.file_level()) {
            out.file_logging = Some((enabled, level.to_string()));
        }
    } else if let Some(reason) = section_reason(&overview.config, "the client config") {
        for key in ["server_version", "build_hash"] {
            out.reasons.insert(key, reason.clone());
        }
    }
    if facts.server_version.is_none() {
        facts.server_version = overview.version.as_ref().map(|v| v.to_string());
    }
    if let Some((version, _)) = overview.schema_version() {
        facts.database_schema_version = Some(version.to_string());
    } else if let Some(reason) = section_reason(&overview.schema, "the schema version") {
        out.reasons.insert("database_schema_version", reason);
    }
    if let Some(ping) = overview.ping.loaded() {
        facts.file_status = ping.filestore_status.clone();
    }
    match overview.stats.loaded() {
        Some(stats) => {
            facts.websocket_connections = stats.websocket_connections;
            facts.master_db_connections = stats.master_db_connections;
            facts.read_db_connections = stats.read_db_connections;
            facts.active_users = stats.active_users;
            facts.daily_active_users = stats.daily_active_users;
            facts.monthly_active_users = stats.monthly_active_users;
            facts.inactive_user_count = stats.inactive_users;
            facts.total_posts = stats.posts;
            facts.total_channels = match (stats.public_channels, stats.private_channels) {
                (Some(public), Some(private)) => Some(public + private),
                _ => None,
            };
            facts.total_teams = stats.teams;
        }
        None => {
            if let Some(reason) = section_reason(&overview.stats, "the site statistics") {
                for key in STATS_KEYS {
                    out.reasons.insert(key, reason.clone());
                }
            }
        }
    }
    match overview.license.loaded() {
        Some(license) if license.is_licensed() => {
            facts.license_to = license.company().map(str::to_string);
            facts.license_supported_users = license.users();
            facts.license_is_trial = Some(license.is_trial());
            facts.license_id = license.id().map(str::to_string);
            if facts.license_id.is_none() {
                out.reasons.insert("license_id", licence_id_reason(license));
            }
        }
        Some(_) => {
            for key in [
                "license_to",
                "license_supported_users",
                "license_is_trial",
                "license_id",
            ] {
                out.reasons
                    .insert(key, "the server has no licence".to_string());
            }
        }
        None => {
            if let Some(reason) = section_reason(&overview.license, "the licence") {
                for key in [
                    "license_to",
                    "license_supported_users",
                    "license_is_trial",
                    "license_id",
                ] {
                    out.reasons.insert(key, reason.clone());
                }
            }
        }
    }
    if let Some(me) = overview.me.loaded() {
        out.requested_by = me.username.clone();
    } else if overview.local_mode {
        out.requested_by = format!("{} over the local socket", local_account());
    }
}

/// Why the licence has no id. A token that may not read the licence gets a limited copy,
/// without `Id`, the customer's name and email, and the dates (reference §2.3): the full one
/// needs `manage_system`; recent servers check `read_license_information`, which admins with
/// `manage_system` hold too.
fn licence_id_reason(license: &ClientLicense) -> String {
    let limited = license.issued_at_ms().is_none()
        && license.starts_at_ms().is_none()
        && license.expires_at_ms().is_none();
    if limited {
        format!(
            "the licence came back without its id (GET /api/v4/license/client gives a limited \
             copy to a token that may not read the licence): the full licence needs the '{}' \
             permission (on recent servers 'read_license_information' is enough)",
            permission::MANAGE_SYSTEM
        )
    } else {
        "the licence the server gave (GET /api/v4/license/client) has no Id".to_string()
    }
}

/// The support_packet.yaml keys the config gives: the file driver only there, the database
/// driver there when the client config (read first) did not give it.
const CONFIG_KEYS: [&str; 2] = ["file_driver", "database_type"];

/// Facts found in the config (whichever source it came from).
fn apply_config_facts(out: &mut Collected) {
    let Some((config, _)) = &out.config else {
        return;
    };
    if out.facts.database_type.is_none() {
        out.facts.database_type = string_at(config, "/SqlSettings/DriverName");
    }
    out.facts.file_driver = string_at(config, "/FileSettings/DriverName");
    if out.file_logging.is_none() {
        let enabled = config
            .pointer("/LogSettings/EnableFile")
            .and_then(Value::as_bool);
        let level = string_at(config, "/LogSettings/FileLevel");
        if let (Some(enabled), Some(level)) = (enabled, level) {
            out.file_logging = Some((enabled, level));
        }
    }
}

fn collect_from_home(out: &mut Collected, home: &MmHome) {
    // On the server's host: its OS and architecture are this machine's.
    let (os, arch) = go_os_arch();
    out.facts.server_os = Some(os);
    out.facts.server_architecture = Some(arch);
    let disk_config = match home.read_config() {
        Ok(config) => Some(config),
        Err(err) => {
            out.warnings.push(format!("the install's config: {err}"));
            None
        }
    };
    if out.config.is_none()
        && let Some(config) = &disk_config
    {
        out.config = Some((config.clone(), ConfigSource::Disk));
    }
    if out.plugins.is_none() {
        let dir = plugins_dir(home, disk_config.as_ref());
        match plugins_from_disk(&dir, disk_config.as_ref()) {
            Ok(plugins) => {
                out.plugins = Some((
                    plugins,
                    format!("the plugin manifests in {}", dir.display()),
                ));
            }
            Err(err) => out.warnings.push(format!(
                "the plugins: no server to ask, and {} could not be read: {err}",
                dir.display()
            )),
        }
    }
    let cluster = disk_config
        .as_ref()
        .and_then(|c| c.pointer("/ClusterSettings/Enable"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let prefix = if cluster {
        format!(
            "{}/",
            crate::host::logs::safe_name(&crate::host::hostname())
        )
    } else {
        String::new()
    };
    let host_logs = crate::host::logs::host_logs(home, disk_config.as_ref());
    out.warnings.extend(host_logs.skipped);
    for log in host_logs.files {
        match std::fs::metadata(&log.path) {
            Ok(meta) if meta.is_file() => out.logs.push(LogInput::File {
                name: format!("{prefix}{}", log.name),
                path: log.path,
                size: meta.len(),
                within: log.within,
            }),
            Ok(_) => out
                .warnings
                .push(format!("{}: not a file", log.path.display())),
            Err(err) => out.warnings.push(format!("{}: {err}", log.path.display())),
        }
    }
}

pub fn plugins_dir(home: &MmHome, config: Option<&Value>) -> PathBuf {
    let configured = config
        .and_then(|c| c.pointer("/PluginSettings/Directory"))
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .unwrap_or("./plugins");
    let path = Path::new(configured);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        home.root.join(path.strip_prefix("./").unwrap_or(path))
    }
}

/// Reads `<dir>/<id>/plugin.json` manifests, sorted into active and inactive by the config's
/// `PluginSettings.PluginStates`.
pub fn plugins_from_disk(dir: &Path, config: Option<&Value>) -> std::io::Result<Value> {
    let mut active = Vec::new();
    let mut inactive = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path().join("plugin.json"))
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(manifest) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(id) = manifest.get("id").and_then(Value::as_str) else {
            continue;
        };
        let enabled = config
            .and_then(|c| c.pointer("/PluginSettings/PluginStates"))
            .and_then(|states| states.get(id))
            .and_then(|state| state.get("Enable"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if enabled {
            active.push(manifest);
        } else {
            inactive.push(manifest);
        }
    }
    Ok(json!({"active": active, "inactive": inactive}))
}

/// REST logs for what the install directory did not give: every node without a host, or the
/// other nodes of a cluster.
async fn collect_logs(out: &mut Collected, sources: Sources<'_>) {
    let Some(client) = sources.client else {
        if out.logs.is_empty() && sources.mm_home.is_none() {
            out.warnings
                .push("logs: no server and no install directory".into());
        }
        return;
    };
    let have_files = out.logs.iter().any(|l| matches!(l, LogInput::File { .. }));
    let this_host = crate::host::hostname();
    let mut per_node: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut cluster = false;
    for page in 0..MAX_LOG_PAGES {
        let answer = match client.log_page(page, LOG_PAGE).await {
            Ok(answer) => answer,
            Err(ApiError::FileLoggingOff { .. }) => {
                out.warnings.push(
                    "logs: file logging is off on the server (LogSettings.EnableFile), so it has no log to send"
                        .into(),
                );
                return;
            }
            Err(err) => {
                if page == 0 && !have_files {
                    out.warnings.push(format!("logs: {err}"));
                }
                break;
            }
        };
        let mut longest = 0;
        for block in split_nodes(&answer) {
            cluster |= block.node.is_some();
            longest = longest.max(block.lines.len());
            let node = block.node.unwrap_or(SINGLE_NODE).to_string();
            per_node
                .entry(node)
                .or_default()
                .push(block.lines.iter().map(|l| l.to_string()).collect());
        }
        if longest < LOG_PAGE as usize {
            break;
        }
    }
    let this_node_known = per_node.contains_key(&this_host);
    if have_files && cluster && !this_node_known {
        out.warnings.push(format!(
            "logs: this host ({this_host}) is not one of the cluster's nodes ({}), so its log file and the API's copy of its node's log may overlap",
            per_node.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for (node, pages) in per_node {
        // With the install's file at hand, only the other nodes come from the API.
        if have_files && (!cluster || node == this_host) {
            continue;
        }
        // Pages run newest first; the lines of each page oldest first.
        let lines: Vec<String> = pages.into_iter().rev().flatten().collect();
        if lines.is_empty() {
            continue;
        }
        let name = if cluster {
            format!("{}/mattermost.log", crate::host::logs::safe_name(&node))
        } else {
            "mattermost.log".to_string()
        };
        out.logs.push(LogInput::Lines { name, lines });
    }
    if !have_files && !out.logs.is_empty() {
        out.warnings.push(format!(
            "logs: read over the REST API, which gives only the newest {} lines per node; run mmops on the server with --mm-home for the whole files",
            MAX_LOG_PAGES * LOG_PAGE
        ));
    }
}
