//! Gathers the doctor's facts from every source given, all at once: the API (or the local
//! socket), the install directory on this host, the database. What a source cannot give is
//! missing with its reason.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::facts::{ConfigFacts, DatabaseFacts, Fact, Facts, Job, SaltState, ServerFacts};
use super::host::HostCheck;
use super::logs::{LogFacts, Scanner};
use crate::host::MmHome;
use crate::mm::{ApiError, MmClient};
use crate::overview::Section;
use crate::plugins::{Inventory, Statuses};
use crate::sanitize::sanitize_config;
use crate::secret::Secret;

/// How many log lines the REST API is asked for when no log file can be read.
pub const REST_LOG_LINES: u32 = 10_000;
/// How many recent jobs are read.
const JOBS: u32 = 200;

/// SHA-256 of the public-link salts in Mattermost's published sample configs: the values
/// themselves are not kept here.
const PUBLISHED_SALTS: &[&str] = &[
    "17f797e5995ad3e4fcc013a0a9c3bd7c39a0978d99ad4dc49aeb018cc72f039e",
    "070741d56b53dac6e76b80389797fd5fe02c1432438be51564696a5c8aead76a",
];

pub struct Sources<'a> {
    pub client: Option<&'a MmClient>,
    pub home: Option<&'a MmHome>,
    pub db_url: Option<&'a Secret>,
    pub now_ms: i64,
}

const NO_SERVER: &str = "no server connection (give --url, --local or a profile)";
const NO_HOME: &str = "no install directory on this host (--mm-home)";
const NO_DATABASE: &str = "no database URL (--db-url or MMOPS_DB_URL)";

pub async fn gather(sources: Sources<'_>) -> Facts {
    let mut facts = Facts::none(sources.now_ms, NO_SERVER);
    facts.source = describe(&sources);
    let disk_config = sources.home.and_then(|home| home.read_config().ok());
    let (live, host, logs, database) = tokio::join!(
        live(sources.client),
        host(sources.home, disk_config.clone()),
        logs(sources.client, sources.home),
        database(sources.db_url),
    );
    facts.host = host;
    facts.logs = logs;
    facts.database = database;
    match live {
        Some(live) => {
            facts.server = live.server;
            facts.cluster = live.cluster;
            facts.plugins = live.plugins;
            facts.jobs = live.jobs;
            facts.license = live.license;
            facts.config = match (live.config, &disk_config) {
                (Fact::Known(config), _) => Fact::Known(config),
                (Fact::Missing(why), Some(raw)) => Fact::Known(config_facts(
                    raw,
                    &[],
                    format!("{} (the API refused: {why})", disk_source(sources.home)),
                )),
                (missing, None) => missing,
            };
        }
        None => {
            facts.config = match &disk_config {
                Some(raw) => Fact::Known(config_facts(raw, &[], disk_source(sources.home))),
                None if sources.home.is_some() => {
                    Fact::missing("config.json in the install directory cannot be read")
                }
                None => Fact::missing(NO_SERVER),
            };
        }
    }
    if let (Fact::Known(server), Fact::Known(host)) = (&mut facts.server, &facts.host)
        && server.os.is_none()
    {
        server.os = Some(host.os.clone());
    }
    facts
}

fn describe(sources: &Sources<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(client) = sources.client {
        parts.push(client.display_name().to_string());
    }
    if let Some(home) = sources.home {
        parts.push(home.root.display().to_string());
    }
    if sources.db_url.is_some() {
        parts.push("the database".to_string());
    }
    if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join(" + ")
    }
}

fn disk_source(home: Option<&MmHome>) -> String {
    home.map(|h| h.config_path().display().to_string())
        .unwrap_or_default()
}

struct Live {
    config: Fact<ConfigFacts>,
    server: Fact<ServerFacts>,
    cluster: Fact<Vec<crate::mm::models::ClusterNode>>,
    plugins: Fact<Vec<crate::plugins::Plugin>>,
    jobs: Fact<Vec<Job>>,
    license: Fact<crate::mm::models::ClientLicense>,
}

/// Everything the API gives, every request at once.
async fn live(client: Option<&MmClient>) -> Option<Live> {
    let client = client?;
    let (ping, client_config, config, plugins, stats, cluster, jobs, license) = tokio::join!(
        client.ping(true),
        client.client_config(),
        client.full_config(),
        Inventory::load(client),
        client.site_stats(),
        client.cluster_status(),
        client.jobs(JOBS),
        client.client_license(),
    );
    let manifests = plugins
        .as_ref()
        .map(|inv| {
            inv.plugins
                .iter()
                .map(|p| p.manifest.raw.clone())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let source = if client.is_local() {
        "the local socket".to_string()
    } else {
        crate::mm::routes::config().label()
    };
    let config = match config {
        Ok(raw) => Fact::Known(config_facts(&raw, &manifests, source)),
        Err(err) => Fact::Missing(reason(&err)),
    };
    let database_driver = client_config
        .as_ref()
        .ok()
        .and_then(|c| c.sql_driver().map(str::to_string))
        .or_else(|| {
            config
                .known()
                .and_then(|c| c.config.pointer("/SqlSettings/DriverName"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let server = Fact::Known(ServerFacts {
        version: client.version(),
        health: Some(ping.map_err(|e| e.to_string())),
        stats: stats.map_err(|e| reason(&e)),
        os: None,
        database_driver,
        search_plugins: None,
    });
    let plugins = match plugins {
        Ok(inventory) => match inventory.statuses {
            Statuses::Known => Fact::Known(inventory.plugins),
            Statuses::NotInLocalMode => {
                Fact::missing("the plugins' states per node are not served over the local socket")
            }
            Statuses::Unavailable(why) => Fact::Missing(why),
            Statuses::Failed(err) => Fact::Missing(format!("plugin states: {}", reason(&err))),
        },
        Err(err) => Fact::Missing(reason(&err)),
    };
    let jobs = match jobs {
        Ok(raw) => Fact::Known(
            raw.into_iter()
                .filter_map(|v| serde_json::from_value::<Job>(v).ok())
                .collect(),
        ),
        Err(err) => Fact::Missing(reason(&err)),
    };
    Some(Live {
        config,
        server,
        cluster: fact(cluster),
        plugins,
        jobs,
        license: fact(license),
    })
}

fn fact<T>(result: Result<T, ApiError>) -> Fact<T> {
    match result {
        Ok(value) => Fact::Known(value),
        Err(err) => Fact::Missing(reason(&err)),
    }
}

/// Why the API did not give a fact, in the Server tab's words.
fn reason(err: &ApiError) -> String {
    match Section::<()>::from_result(Err(err.clone())) {
        Section::Denied {
            permission: Some(permission),
        } => format!("the token lacks {permission}"),
        Section::Denied { permission: None } => "the token may not read it".to_string(),
        Section::Unavailable(why) => why,
        _ => err.to_string(),
    }
}

/// Sanitizes the config; judges the public-link salt first, the one secret a rule reads.
pub fn config_facts(raw: &Value, manifests: &[Value], source: String) -> ConfigFacts {
    let salt = raw
        .pointer("/FileSettings/PublicLinkSalt")
        .and_then(Value::as_str);
    let public_link_salt = match salt {
        None => SaltState::Unknown,
        Some("") => SaltState::Empty,
        Some(s) if s.chars().all(|c| c == '*') => SaltState::Unknown,
        Some(s) => {
            let digest = Sha256::digest(s.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            if PUBLISHED_SALTS.contains(&hex.as_str()) {
                SaltState::Published
            } else {
                SaltState::Own
            }
        }
    };
    ConfigFacts {
        config: sanitize_config(raw, manifests).config,
        source,
        public_link_salt,
    }
}

async fn host(home: Option<&MmHome>, config: Option<Value>) -> Fact<HostCheck> {
    let Some(home) = home.cloned() else {
        return Fact::missing(NO_HOME);
    };
    match tokio::task::spawn_blocking(move || HostCheck::read(&home, config.as_ref())).await {
        Ok(check) => Fact::Known(check),
        Err(err) => Fact::Missing(format!("reading the host failed: {err}")),
    }
}

/// The install's log files when they can be read, otherwise the newest lines over the API.
async fn logs(client: Option<&MmClient>, home: Option<&MmHome>) -> Fact<LogFacts> {
    if let Some(home) = home {
        let files: Vec<std::path::PathBuf> = crate::logs::feed::install_files(home)
            .into_iter()
            .map(|f| f.path)
            .filter(|p| std::fs::File::open(p).is_ok())
            .collect();
        if !files.is_empty() {
            let scanned = tokio::task::spawn_blocking(move || scan_files(&files)).await;
            match scanned {
                Ok(Ok(facts)) => return Fact::Known(facts),
                Ok(Err(err)) => return Fact::Missing(err),
                Err(err) => return Fact::Missing(format!("reading the logs failed: {err}")),
            }
        }
    }
    let Some(client) = client else {
        return Fact::missing(if home.is_some() {
            "no readable log file in the install directory"
        } else {
            NO_SERVER
        });
    };
    match client.log_page(0, REST_LOG_LINES).await {
        Ok(lines) => {
            let mut scanner = Scanner::new();
            scanner.begin(&crate::mm::routes::logs().label());
            for line in &lines {
                scanner.line(line.as_bytes());
            }
            Fact::Known(scanner.finish())
        }
        Err(err) => Fact::Missing(reason(&err)),
    }
}

/// Scans whole log files (the doctor's pass over an install directory).
pub fn scan_files(files: &[std::path::PathBuf]) -> Result<LogFacts, String> {
    let mut scanner = Scanner::new();
    for path in files {
        let file = std::fs::File::open(path).map_err(|err| format!("{}: {err}", path.display()))?;
        scanner.begin(&path.display().to_string());
        scanner
            .read(file)
            .map_err(|err| format!("{}: {err}", path.display()))?;
    }
    Ok(scanner.finish())
}

async fn database(url: Option<&Secret>) -> Fact<DatabaseFacts> {
    let Some(url) = url else {
        return Fact::missing(NO_DATABASE);
    };
    match read_database(url.expose()).await {
        Ok(facts) => Fact::Known(facts),
        Err(err) => Fact::Missing(err),
    }
}

async fn read_database(url: &str) -> Result<DatabaseFacts, String> {
    let session = crate::invites::db::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let client = session.client();
    let show = |name: &'static str| async move {
        let row = client
            .query_one(&format!("SHOW {name}"), &[])
            .await
            .map_err(|e| format!("SHOW {name}: {e}"))?;
        row.try_get::<_, String>(0)
            .map_err(|e| format!("SHOW {name}: {e}"))
    };
    let version_num = show("server_version_num").await?;
    let version = show("server_version").await?;
    let max_connections = show("max_connections").await?;
    Ok(DatabaseFacts {
        version_num: version_num
            .trim()
            .parse()
            .map_err(|_| format!("server_version_num is {version_num}"))?,
        version,
        max_connections: Some(
            max_connections
                .trim()
                .parse()
                .map_err(|_| format!("max_connections is {max_connections}"))?,
        ),
    })
}
