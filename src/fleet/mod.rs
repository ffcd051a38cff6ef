//! The fleet: every profile of the config file, one summary each (is it up, which version,
//! its licence, nodes, failing plugins, the doctor's counts, errors per minute, pending
//! invitations), refreshed side by side with a bound on how many at once and a deadline for
//! each, so one dead or slow server never holds up the others.
//!
//! A summary is all the fleet keeps of a server: a few strings and numbers, not a console.

pub mod profiles;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::ConnectionSpec;
use crate::doctor::rule::Severity;
use crate::host::MmHome;
use crate::logs::parse::{Level, parse_line};
use crate::mm::{ApiError, ClientOptions, MmClient, RetryPolicy};

/// How many servers are asked at once.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// How long one server may take before its row says it is too slow.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);
/// Errors per minute are counted over this many minutes of the newest log lines.
const ERROR_WINDOW_MINUTES: i64 = 5;

/// One server of the fleet: a profile of the config file.
#[derive(Debug, Clone)]
pub struct Member {
    /// The profile's name.
    pub name: String,
    /// How the row names the server: its URL or local socket.
    pub target: String,
    /// How to reach it, or why it cannot be (no URL, an unreadable token file).
    pub connection: Result<ConnectionSpec, String>,
    pub mm_home: Option<MmHome>,
    /// A ledger file the profile names; otherwise the server's own in the data directory.
    pub ledger: Option<PathBuf>,
}

/// How a server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum State {
    /// Not asked yet.
    Waiting,
    Ok,
    /// Answers, but says it is unhealthy (database or file store), or a part failed.
    Degraded(String),
    Unreachable(String),
    LoginNeeded(String),
    RateLimited(String),
    /// Did not answer within the deadline.
    TooSlow(String),
    /// The profile cannot be used as it is.
    NotConfigured(String),
}

impl State {
    pub fn label(&self) -> &'static str {
        match self {
            State::Waiting => "…",
            State::Ok => "up",
            State::Degraded(_) => "degraded",
            State::Unreachable(_) => "down",
            State::LoginNeeded(_) => "login needed",
            State::RateLimited(_) => "rate limited",
            State::TooSlow(_) => "too slow",
            State::NotConfigured(_) => "not configured",
        }
    }

    pub fn detail(&self) -> Option<&str> {
        match self {
            State::Waiting | State::Ok => None,
            State::Degraded(d)
            | State::Unreachable(d)
            | State::LoginNeeded(d)
            | State::RateLimited(d)
            | State::TooSlow(d)
            | State::NotConfigured(d) => Some(d),
        }
    }

    fn from_error(err: &ApiError) -> Self {
        let words = crate::text::one_line(&err.to_string(), 300);
        if matches!(err, ApiError::RateLimited { .. }) {
            State::RateLimited(words)
        } else if err.needs_login() {
            State::LoginNeeded(words)
        } else if matches!(err, ApiError::Timeout { .. }) {
            State::TooSlow(words)
        } else if err.is_unreachable() {
            State::Unreachable(words)
        } else {
            State::Degraded(words)
        }
    }
}

/// How bad a server is, worst first when sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Critical,
    Warning,
    Unknown,
    Ok,
}

impl Health {
    /// The exit status `mmops fleet` gives for the worst server: as the doctor's.
    pub fn exit_code(self) -> u8 {
        match self {
            Health::Ok => 0,
            Health::Warning => 1,
            Health::Critical => 2,
            Health::Unknown => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub name: String,
    pub target: String,
    #[serde(flatten)]
    pub state: State,
    pub rtt_ms: Option<u64>,
    pub version: Option<String>,
    pub edition: Option<String>,
    pub licence_expires_ms: Option<i64>,
    /// Nodes the cluster reports now; `None` for a single server.
    pub nodes_up: Option<usize>,
    /// What differs between the nodes: "version", "config".
    pub drift: Vec<String>,
    pub plugins_failing: Option<usize>,
    pub critical: Option<usize>,
    pub warnings: Option<usize>,
    pub errors_per_minute: Option<f64>,
    pub pending_invites: Option<usize>,
    /// When this summary was made (epoch ms); 0 while waiting.
    pub refreshed_ms: i64,
}

impl Summary {
    pub fn waiting(member: &Member) -> Self {
        Self {
            name: member.name.clone(),
            target: member.target.clone(),
            state: State::Waiting,
            rtt_ms: None,
            version: None,
            edition: None,
            licence_expires_ms: None,
            nodes_up: None,
            drift: Vec::new(),
            plugins_failing: None,
            critical: None,
            warnings: None,
            errors_per_minute: None,
            pending_invites: None,
            refreshed_ms: 0,
        }
    }

    /// Critical: down, refusing us, a critical finding, an expired licence or failing
    /// plugins; warning: slow, degraded, drift, warnings, a licence ending within 30 days.
    pub fn health(&self, now_ms: i64) -> Health {
        let expired = self.licence_expires_ms.is_some_and(|at| at <= now_ms);
        let expiring = self
            .licence_expires_ms
            .is_some_and(|at| at <= now_ms + 30 * 86_400_000);
        match &self.state {
            State::Waiting => return Health::Unknown,
            State::Unreachable(_) | State::LoginNeeded(_) | State::NotConfigured(_) => {
                return Health::Critical;
            }
            _ => {}
        }
        if expired || self.critical.unwrap_or(0) > 0 || self.plugins_failing.unwrap_or(0) > 0 {
            Health::Critical
        } else if expiring
            || !self.drift.is_empty()
            || self.warnings.unwrap_or(0) > 0
            || !matches!(self.state, State::Ok)
        {
            Health::Warning
        } else {
            Health::Ok
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    pub deadline: Duration,
    /// Where the servers' ledgers are (`<data dir>/ledgers/<server id>.sqlite`).
    pub data_dir: Option<PathBuf>,
    pub now_ms: i64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            deadline: DEFAULT_DEADLINE,
            data_dir: None,
            now_ms: 0,
        }
    }
}

/// Requests of a fleet refresh: short timeouts, one retry, never a long wait for a 429.
fn client_options(deadline: Duration) -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2).min(deadline),
        total_timeout: deadline,
        idle_timeout: deadline,
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
    }
}

/// One server's summary, within the deadline.
pub async fn summarize(member: &Member, options: &Options) -> Summary {
    let mut summary = Summary::waiting(member);
    summary.refreshed_ms = options.now_ms;
    let spec = match &member.connection {
        Ok(spec) => spec,
        Err(why) => {
            summary.state = State::NotConfigured(why.clone());
            return summary;
        }
    };
    let client = match MmClient::new(spec, client_options(options.deadline)) {
        Ok(client) => client,
        Err(err) => {
            summary.state = State::NotConfigured(err.to_string());
            return summary;
        }
    };
    let work = fill(&mut summary, member, &client, options);
    if tokio::time::timeout(options.deadline, work).await.is_err() {
        summary.state = State::TooSlow(format!(
            "no complete answer within {} s",
            options.deadline.as_secs_f32()
        ));
    }
    summary
}

async fn fill(summary: &mut Summary, member: &Member, client: &MmClient, options: &Options) {
    let started = Instant::now();
    match client.ping(true).await {
        Ok(ping) => {
            summary.rtt_ms = Some(started.elapsed().as_millis() as u64);
            summary.state = if ping.is_healthy() {
                State::Ok
            } else {
                State::Degraded(format!("the server says it is unhealthy ({})", ping.status))
            };
        }
        Err(err) => {
            summary.state = State::from_error(&err);
            return;
        }
    }
    let (facts, config, logs) = tokio::join!(
        crate::doctor::gather::gather(crate::doctor::gather::Sources {
            client: Some(client),
            home: member.mm_home.as_ref(),
            db_url: None,
            now_ms: options.now_ms,
        }),
        client.client_config(),
        client.log_page(0, 1000),
    );
    // The session may have been refused after the ping (an anonymous ping answers).
    if let Err(err) = &config
        && (err.needs_login() || err.retry_after().is_some())
    {
        summary.state = State::from_error(err);
        return;
    }
    if let Ok(config) = &config {
        summary.version = config.version().map(str::to_string);
    }
    if let Some(server) = facts.server.known()
        && let Some(version) = &server.version
    {
        summary.version = Some(version.to_string());
    }
    summary.edition = edition(config.as_ref().ok(), facts.license.known());
    summary.licence_expires_ms = facts
        .license
        .known()
        .filter(|l| l.is_licensed())
        .and_then(|l| l.expires_at_ms());
    if let Some(nodes) = facts.cluster.known()
        && !nodes.is_empty()
    {
        summary.nodes_up = Some(nodes.len());
        let differs = |f: fn(&crate::mm::models::system::ClusterNode) -> &str| {
            nodes.iter().any(|n| f(n) != f(&nodes[0]))
        };
        if differs(|n| n.version.as_str()) {
            summary.drift.push("version".into());
        }
        if differs(|n| n.config_hash.as_str()) {
            summary.drift.push("config".into());
        }
    }
    summary.plugins_failing = facts
        .plugins
        .known()
        .map(|plugins| plugins.iter().filter(|p| p.failed()).count());
    let diagnosis = crate::doctor::diagnose(&facts, &crate::doctor::Selection::default());
    if !diagnosis.findings.is_empty() || !diagnosis.passed.is_empty() {
        summary.critical = Some(diagnosis.count(Severity::Critical));
        summary.warnings = Some(diagnosis.count(Severity::Warning));
    }
    summary.errors_per_minute = logs
        .ok()
        .map(|lines| errors_per_minute(&lines, options.now_ms));
    if let Ok(config) = &config {
        let ledger = member.ledger.clone().or_else(|| {
            let id = config.server_id()?;
            Some(crate::invites::ledger_path(options.data_dir.as_ref()?, id))
        });
        if let Some(path) = ledger {
            summary.pending_invites = tokio::task::spawn_blocking(move || pending(&path))
                .await
                .ok()
                .flatten();
        }
    }
}

fn edition(
    config: Option<&crate::mm::models::system::ClientConfig>,
    license: Option<&crate::mm::models::ClientLicense>,
) -> Option<String> {
    let enterprise = config?.enterprise_ready()?;
    let licensed = license.is_some_and(|l| l.is_licensed());
    Some(match (enterprise, licensed) {
        (true, true) => license
            .and_then(|l| l.sku_short_name())
            .filter(|s| !s.is_empty())
            // The licence's SKU says more than the build: "Enterprise", "Professional"...
            .map_or_else(|| "Enterprise".to_string(), capitalized),
        (true, false) => "Enterprise, unlicensed".to_string(),
        (false, _) => "Team".to_string(),
    })
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Errors and worse per minute over the last minutes of `lines` (a log page, oldest first).
pub fn errors_per_minute(lines: &[String], now_ms: i64) -> f64 {
    let since = now_ms - ERROR_WINDOW_MINUTES * 60_000;
    let errors = crate::logs::poll::split_nodes(lines)
        .iter()
        .flat_map(|block| block.lines.iter())
        .filter(|line| {
            let parsed = parse_line(line.as_bytes(), false);
            parsed.level.rank() >= Level::Error && parsed.ts_ms.is_some_and(|ts| ts >= since)
        })
        .count();
    errors as f64 / ERROR_WINDOW_MINUTES as f64
}

/// Pending invitations in a ledger that exists (never creates one).
fn pending(path: &std::path::Path) -> Option<usize> {
    if !path.is_file() {
        return None;
    }
    let ledger = crate::invites::ledger::Ledger::open(path).ok()?;
    let invitations = ledger.invitations().ok()?;
    Some(invitations.iter().filter(|i| i.status == "pending").count())
}

/// Refreshes every member, at most `concurrency` at once; each summary is handed to `each` as
/// it comes, so one slow server holds up only its own row.
pub async fn refresh(
    members: Arc<Vec<Member>>,
    options: Options,
    each: impl Fn(usize, Summary) + Send + Sync + 'static,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let options = Arc::new(options);
    let each = Arc::new(each);
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..members.len() {
        let (members, options, each, permits) = (
            Arc::clone(&members),
            Arc::clone(&options),
            Arc::clone(&each),
            Arc::clone(&permits),
        );
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            let summary = summarize(&members[index], &options).await;
            each(index, summary);
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// Every member's summary, in the members' order.
pub async fn refresh_all(members: Vec<Member>, options: Options) -> Vec<Summary> {
    let members = Arc::new(members);
    let slots: Arc<std::sync::Mutex<Vec<Summary>>> = Arc::new(std::sync::Mutex::new(
        members.iter().map(Summary::waiting).collect(),
    ));
    let sink = Arc::clone(&slots);
    refresh(Arc::clone(&members), options, move |i, summary| {
        if let Ok(mut slots) = sink.lock() {
            slots[i] = summary;
        }
    })
    .await;
    match Arc::try_unwrap(slots) {
        Ok(slots) => slots.into_inner().unwrap_or_default(),
        Err(shared) => shared.lock().map(|s| s.clone()).unwrap_or_default(),
    }
}

/// The worst first: by health, then by name.
pub fn worst_first(summaries: &mut [Summary], now_ms: i64) {
    summaries.sort_by(|a, b| {
        a.health(now_ms)
            .cmp(&b.health(now_ms))
            .then_with(|| a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(name: &str) -> Summary {
        let mut s = Summary::waiting(&Member {
            name: name.into(),
            target: format!("https://{name}"),
            connection: Err("x".into()),
            mm_home: None,
            ledger: None,
        });
        s.state = State::Ok;
        s.critical = Some(0);
        s.warnings = Some(0);
        s
    }

    #[test]
    fn the_worst_server_comes_first() {
        let now = 1_000 * 86_400_000;
        let mut down = ok("b-down");
        down.state = State::Unreachable("refused".into());
        let mut warn = ok("a-warn");
        warn.warnings = Some(2);
        let mut expired = ok("c-expired");
        expired.licence_expires_ms = Some(now - 1);
        let mut all = vec![ok("a-fine"), warn, down, expired];
        worst_first(&mut all, now);
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["b-down", "c-expired", "a-warn", "a-fine"]);
        assert_eq!(all[0].health(now).exit_code(), 2);
        assert_eq!(all[3].health(now).exit_code(), 0);
    }

    #[test]
    fn errors_are_counted_over_the_last_minutes() {
        let now = 1_795_339_800_000;
        let line = |ms: i64, level: &str| {
            format!(
                "{{\"timestamp\":\"{}\",\"level\":\"{level}\",\"msg\":\"x\"}}",
                crate::demo::logs::log_timestamp(ms)
            )
        };
        let lines = vec![
            line(now - 10 * 60_000, "error"),
            line(now - 60_000, "error"),
            line(now - 30_000, "info"),
            line(now - 20_000, "error"),
        ];
        assert!((errors_per_minute(&lines, now) - 0.4).abs() < 1e-9);
    }
}
