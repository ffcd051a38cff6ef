//! The simulated Mattermost server behind `mmops demo` and the tests.
//!
//! It serves the API routes mmops uses over real HTTP (and optionally over a local-mode unix
//! socket), with generated, seeded data, and writes a host directory like a real install:
//! `config/config.json` with real-looking secrets and a `logs/mattermost.log` that keeps
//! growing. Faults can be injected per route (see [`faults`]).

pub mod api;
pub mod audit;
pub mod config;
pub mod faults;
pub mod fleet;
pub mod invites;
pub mod jobs;
pub mod logs;
pub mod metrics;
pub mod plugins;
pub mod rng;
pub mod story;
pub mod support_packet;
pub mod websocket;
pub mod world;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinHandle;

use self::faults::FaultSet;
use self::logs::{LogContext, LogGenerator};
use self::rng::Rng;
use self::world::World;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    /// The demo's "now" in epoch ms; the current time when `None`. Tests fix it.
    pub now_ms: Option<i64>,
    pub addr: SocketAddr,
    pub host_dir: Option<PathBuf>,
    pub local_socket: Option<PathBuf>,
    pub faults: Option<String>,
    /// Keep appending lines to the log file while running.
    pub live_logs: bool,
    /// A server with nothing wrong: no failing plugin, drift, expiring licence, failed job,
    /// risky setting or error in its logs (the doctor's all-clear).
    pub healthy: bool,
    /// Another Mattermost version than the demo's own (every node runs it).
    pub version: Option<String>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            now_ms: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            host_dir: None,
            local_socket: None,
            faults: None,
            live_logs: true,
            healthy: false,
            version: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot listen on {addr}: {error}")]
    Bind { addr: String, error: std::io::Error },
    #[error("cannot write the demo host dir {}: {error}", path.display())]
    HostDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid --faults: {0}")]
    Faults(String),
}

/// State shared by every listener and background task of one demo server.
pub struct Shared {
    pub world: RwLock<World>,
    faults: RwLock<Arc<FaultSet>>,
    pub host_dir: PathBuf,
    /// Recent log lines of the second cluster node, which has no file here.
    pub other_node_log: Mutex<Vec<String>>,
    ids: Mutex<Rng>,
    version_header: String,
    /// The last requests seen, as `METHOD /path?query`, for tests.
    requests: Mutex<std::collections::VecDeque<String>>,
    /// The world's "now" when it was generated, and the instant that was.
    started_ms: i64,
    started: std::time::Instant,
    /// Events for the WebSocket connections, as JSON envelopes without their sequence number.
    events: tokio::sync::broadcast::Sender<serde_json::Value>,
}

impl Shared {
    /// Sends an event to every WebSocket connection.
    pub fn broadcast(&self, event: serde_json::Value) {
        // No connection listening is not an error.
        let _ = self.events.send(event);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<serde_json::Value> {
        self.events.subscribe()
    }

    /// The demo's own clock: the world's start time plus the real time since, so a demo
    /// started at a fixed time (the tests) stays consistent with its own history.
    pub fn now_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.started_ms.saturating_add(elapsed)
    }

    pub fn new_id(&self) -> String {
        self.ids
            .lock()
            .map(|mut rng| rng.id())
            .unwrap_or_else(|_| "requestidunavailable000000".to_string())
    }

    /// A 64-character secret, like an invitation token.
    pub fn new_token(&self) -> String {
        self.ids
            .lock()
            .map(|mut rng| rng.alnum(64))
            .unwrap_or_else(|poisoned| poisoned.into_inner().alnum(64))
    }

    pub fn faults(&self) -> Arc<FaultSet> {
        self.faults
            .read()
            .map(|f| Arc::clone(&f))
            .unwrap_or_default()
    }

    pub fn set_faults(&self, set: FaultSet) {
        if let Ok(mut slot) = self.faults.write() {
            *slot = Arc::new(set);
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.host_dir.join("logs").join("mattermost.log")
    }

    /// `LogSettings.FileLevel` is DEBUG or TRACE now.
    pub fn file_level_is_debug(&self) -> bool {
        self.world.read().is_ok_and(|world| {
            world
                .config
                .pointer("/LogSettings/FileLevel")
                .and_then(serde_json::Value::as_str)
                .is_some_and(crate::capture::plan::is_debug_or_finer)
        })
    }

    pub fn version_header(&self) -> String {
        self.version_header.clone()
    }

    pub fn record_request(&self, line: String) {
        if let Ok(mut requests) = self.requests.lock() {
            if requests.len() >= 512 {
                requests.pop_front();
            }
            requests.push_back(line);
        }
    }

    /// The last requests the server received, oldest first, as `METHOD /path?query`.
    pub fn recent_requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// What `mmops demo --serve` prints as its first line.
#[derive(Debug, Serialize)]
pub struct ServeBanner<'a> {
    pub url: &'a str,
    pub token: &'a str,
    pub host_dir: &'a Path,
}

pub struct DemoServer {
    pub url: String,
    /// The metrics listener (`/metrics`, `/debug/pprof/`).
    pub metrics_url: String,
    /// A system admin's token.
    pub token: String,
    /// A plain user's token, for least-privilege checks.
    pub viewer_token: String,
    pub host_dir: PathBuf,
    pub local_socket: Option<PathBuf>,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    _temp: Option<tempfile::TempDir>,
}

impl DemoServer {
    /// How to reach this server as the console does, with `token` (none: not logged in).
    pub fn connection(
        &self,
        token: Option<&str>,
    ) -> Result<crate::config::ConnectionSpec, crate::config::connection::UrlError> {
        use crate::config::{ConnectionSpec, Target, TokenSource, connection::normalize_url};
        Ok(ConnectionSpec {
            target: Target::Remote {
                url: normalize_url(&self.url)?,
            },
            token: token.map(crate::secret::Secret::new),
            token_source: TokenSource::Demo,
            insecure: false,
            label: Some("DEMO".to_string()),
        })
    }

    pub async fn start(options: DemoOptions) -> Result<Self, DemoError> {
        let now_ms = options
            .now_ms
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
        let mut world = World::generate(options.seed, now_ms);
        if options.healthy {
            world.make_healthy();
        }
        if let Some(version) = &options.version {
            world.server.version.clone_from(version);
            for node in &mut world.nodes {
                node.version.clone_from(version);
            }
        }
        // Like a real server, an install that already has a config.json runs with it.
        let kept_config = match &options.host_dir {
            Some(dir) => read_existing_config(dir)?,
            None => None,
        };
        let config_on_disk = kept_config.is_some();
        if let Some(config) = kept_config {
            world.config = config;
        }
        // The metrics listener on a free port of its own, named in the config as a server's is.
        let metrics_listener = tokio::net::TcpListener::bind((options.addr.ip(), 0))
            .await
            .map_err(|error| DemoError::Bind {
                addr: format!("{} (metrics)", options.addr.ip()),
                error,
            })?;
        let metrics_addr = metrics_listener
            .local_addr()
            .map_err(|error| DemoError::Bind {
                addr: format!("{} (metrics)", options.addr.ip()),
                error,
            })?;
        if !config_on_disk && let Some(metrics) = world.config.get_mut("MetricsSettings") {
            metrics["ListenAddress"] = serde_json::json!(format!(":{}", metrics_addr.port()));
        }
        let faults = match &options.faults {
            Some(spec) => FaultSet::parse(spec).map_err(DemoError::Faults)?,
            None => FaultSet::default(),
        };

        let (host_dir, temp) = match &options.host_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("mmops-demo-")
                    .tempdir()
                    .map_err(|error| DemoError::HostDir {
                        path: std::env::temp_dir(),
                        error,
                    })?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let log_context = LogContext {
            user_ids: world
                .users
                .iter()
                .filter(|u| !u.is_bot)
                .map(|u| u.id.clone())
                .collect(),
            team_ids: world.teams.iter().map(|t| t.id.clone()).collect(),
            channel_ids: world.channels.iter().map(|c| c.id.clone()).collect(),
            healthy: world.healthy,
        };
        let root_rng = Rng::new(options.seed);
        let other_node_log = write_host_dir(
            &host_dir,
            &world,
            &root_rng,
            &log_context,
            now_ms,
            !config_on_disk,
        )
        .map_err(|error| DemoError::HostDir {
            path: host_dir.clone(),
            error,
        })?;

        let version_header = format!(
            "{}.{}.{}.true",
            world.server.version, world.server.build_number, &world.nodes[0].config_hash
        );
        let token = world.admin_token.clone();
        let viewer_token = world.viewer_token.clone();
        let shared = Arc::new(Shared {
            world: RwLock::new(world),
            faults: RwLock::new(Arc::new(faults)),
            host_dir: host_dir.clone(),
            other_node_log: Mutex::new(other_node_log),
            ids: Mutex::new(root_rng.fork("request-ids")),
            version_header,
            requests: Mutex::new(std::collections::VecDeque::new()),
            started_ms: now_ms,
            started: std::time::Instant::now(),
            events: tokio::sync::broadcast::channel(256).0,
        });

        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|error| DemoError::Bind {
                addr: options.addr.to_string(),
                error,
            })?;
        let addr = listener.local_addr().map_err(|error| DemoError::Bind {
            addr: options.addr.to_string(),
            error,
        })?;
        let mut tasks = Vec::new();
        let app = api::router(Arc::clone(&shared), false);
        tasks.push(tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!("demo server stopped: {err}");
            }
        }));

        let metrics_app = metrics::router(Arc::clone(&shared));
        tasks.push(tokio::spawn(async move {
            if let Err(err) = axum::serve(metrics_listener, metrics_app).await {
                tracing::error!("demo metrics listener stopped: {err}");
            }
        }));

        if let Some(socket) = &options.local_socket {
            let _ = std::fs::remove_file(socket);
            let listener =
                tokio::net::UnixListener::bind(socket).map_err(|error| DemoError::Bind {
                    addr: socket.display().to_string(),
                    error,
                })?;
            let app = api::router(Arc::clone(&shared), true);
            tasks.push(tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, app).await {
                    tracing::error!("demo local socket stopped: {err}");
                }
            }));
        }

        if options.live_logs {
            tasks.push(tokio::spawn(append_logs_forever(
                Arc::clone(&shared),
                LogGenerator::new(root_rng.fork("live-logs"), log_context.clone()),
                LogGenerator::new(root_rng.fork("live-logs-node-2"), log_context),
            )));
        }

        Ok(Self {
            url: format!("http://{addr}"),
            metrics_url: format!("http://{metrics_addr}"),
            token,
            viewer_token,
            host_dir,
            local_socket: options.local_socket.clone(),
            shared,
            tasks,
            _temp: temp,
        })
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub fn set_faults(&self, spec: &str) -> Result<(), String> {
        self.shared.set_faults(FaultSet::parse(spec)?);
        Ok(())
    }

    pub fn clear_faults(&self) {
        self.shared.set_faults(FaultSet::default());
    }

    pub fn log_path(&self) -> PathBuf {
        self.shared.log_path()
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(socket) = &self.local_socket {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// The `config/config.json` of an existing host dir, when there is one. A file that is there but
/// is not a JSON object is an error rather than silently replaced.
fn read_existing_config(dir: &Path) -> Result<Option<serde_json::Value>, DemoError> {
    let path = dir.join("config").join("config.json");
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(DemoError::HostDir { path, error }),
    };
    match serde_json::from_slice::<serde_json::Value>(&text) {
        Ok(config) if config.is_object() => Ok(Some(config)),
        _ => Err(DemoError::HostDir {
            path,
            error: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "config.json is not a JSON object",
            ),
        }),
    }
}

/// Writes `config/config.json` (unless the install has one), the plugins' `plugin.json` manifests, and `logs/mattermost.log`
/// `logs/audit.log` and `logs/ldap.log` with two hours of history. Returns
/// the history of the second cluster node, which is served over the API only.
fn write_host_dir(
    dir: &Path,
    world: &World,
    rng: &Rng,
    ctx: &LogContext,
    now_ms: i64,
    write_config: bool,
) -> std::io::Result<Vec<String>> {
    let config_dir = dir.join("config");
    let logs_dir = dir.join("logs");
    std::fs::create_dir_all(&config_dir)?;
    std::fs::create_dir_all(&logs_dir)?;

    if write_config {
        let mut text = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut text, formatter);
        world
            .config
            .serialize(&mut serializer)
            .map_err(std::io::Error::other)?;
        text.push(b'\n');
        crate::fsutil::write_private_atomic(&config_dir.join("config.json"), &text)?;
    }

    let history = |mut generator: LogGenerator, rng: &mut Rng| {
        let mut lines = Vec::new();
        let mut ts = now_ms - 2 * world::HOUR_MS;
        while ts < now_ms {
            lines.push((ts, generator.line(ts)));
            ts += rng.range(2_000, 22_000);
        }
        lines
    };
    let mut local = history(
        LogGenerator::new(rng.fork("log-history"), ctx.clone()),
        &mut rng.fork("log-history-times"),
    );
    // The invite calls of the last six days are in the file too, before and among the two
    // hours of general traffic.
    local.extend(logs::story_requests(
        world,
        &mut rng.fork("log-history-invites"),
    ));
    local.sort_by_key(|(ts, _)| *ts);
    let local: Vec<String> = local.into_iter().map(|(_, line)| line).collect();
    let mut body = local.join("\n");
    body.push('\n');
    std::fs::write(logs_dir.join("mattermost.log"), body)?;
    // Installed plugins keep their manifest in plugins/<id>/plugin.json.
    for plugin in &world.plugins {
        let dir = dir.join("plugins").join(plugin.id());
        std::fs::create_dir_all(&dir)?;
        let manifest =
            serde_json::to_vec_pretty(&plugin.manifest).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("plugin.json"), manifest)?;
    }
    // The config turns on the audit file `audit.log`, which sits in the log directory.
    let mut audit = audit::history(world, &mut rng.fork("audit-history"), now_ms).join("\n");
    audit.push('\n');
    crate::fsutil::write_private_atomic(&logs_dir.join("audit.log"), audit.as_bytes())?;
    // An advanced logging target of the config writes the LDAP log beside them.
    let mut ldap = logs::ldap_history(now_ms).join("\n");
    ldap.push('\n');
    std::fs::write(logs_dir.join("ldap.log"), ldap)?;
    Ok(history(
        LogGenerator::new(rng.fork("log-history-node-2"), ctx.clone()),
        &mut rng.fork("log-history-times-node-2"),
    )
    .into_iter()
    .map(|(_, line)| line)
    .collect())
}

async fn append_logs_forever(
    shared: Arc<Shared>,
    mut local: LogGenerator,
    mut other: LogGenerator,
) {
    use std::io::Write;
    let mut timing = Rng::new(0x5eed).fork("live-log-timing");
    loop {
        tokio::time::sleep(Duration::from_millis(timing.range(300, 1500) as u64)).await;
        let now = shared.now_ms();
        // The server honours its file level: at DEBUG the log is several times as busy.
        let debug = shared.file_level_is_debug();
        let lines = if debug {
            timing.range(3, 8)
        } else {
            timing.range(1, 3)
        };
        let mut chunk = String::new();
        for _ in 0..lines {
            let line = local.line(now);
            if debug || !logs::is_debug_line(&line) {
                chunk.push_str(&line);
                chunk.push('\n');
            }
        }
        let path = shared.log_path();
        let written = tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut file| file.write_all(chunk.as_bytes()))
                .map_err(|err| format!("{}: {err}", path.display()))
        })
        .await;
        if let Ok(Err(err)) = written {
            tracing::warn!("demo log append failed: {err}");
        }
        if let Ok(mut buffer) = shared.other_node_log.lock() {
            for _ in 0..if debug { 3 } else { 1 } {
                let line = other.line(now);
                if debug || !logs::is_debug_line(&line) {
                    buffer.push(line);
                }
            }
            let excess = buffer.len().saturating_sub(5_000);
            buffer.drain(..excess);
        }
    }
}
