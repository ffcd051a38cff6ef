//! One sync: every reachable source read once into the ledger, then every invitation's status
//! re-decided. Each source reports what it read, or why it could not; only a source that was
//! configured and failed makes the sync fail.

use std::path::PathBuf;

use super::facts::{Dirty, Observations, SourceRun};
use super::ledger::{Ledger, LedgerError};
use super::resolve::{SourcesRead, resolve_ledger};
use super::tail::Position;
use super::{audit, db, rest, server_log};
use crate::config::Resolved;
use crate::host::MmHome;
use crate::mm::{ApiError, MmClient};
use crate::secret::Secret;

/// How far back an incremental read starts before the last one ended (clock skew between
/// mmops and the server, rows committed late).
const OVERLAP_MS: i64 = 5 * 60 * 1000;
/// How close in time an invite request and an invitation must be to share a sender.
const REQUEST_MATCH_MS: i64 = 10_000;
/// The source name of what mmops itself sent or did.
pub const MMOPS: &str = "mmops";
/// The position that says every invitation has been decided at least once.
const RESOLVED: &str = "resolved";

/// Where each source is, or why it cannot be read.
#[derive(Debug, Clone)]
pub struct SyncPlan {
    pub client: Option<MmClient>,
    pub db_url: Result<Secret, String>,
    pub audit_log: Result<PathBuf, String>,
    pub server_log: Result<PathBuf, String>,
    /// Why REST is not read even with a client, when it is not.
    pub rest_off: Option<String>,
}

impl SyncPlan {
    /// Leaves a source out, saying why.
    pub fn skip(&mut self, source: crate::cli::SyncSource, why: &str) {
        use crate::cli::SyncSource;
        match source {
            SyncSource::Database => self.db_url = Err(why.to_string()),
            SyncSource::AuditLog => self.audit_log = Err(why.to_string()),
            SyncSource::ServerLog => self.server_log = Err(why.to_string()),
            SyncSource::Rest => self.rest_off = Some(why.to_string()),
        }
    }

    /// The sources a resolved invocation can reach.
    pub fn from_resolved(resolved: &Resolved, client: Option<MmClient>) -> Self {
        Self::for_install(resolved.db_url.as_ref(), resolved.mm_home.as_ref(), client)
    }

    /// The sources reachable with a database URL (or the install's DataSource), the install
    /// directory's audit and server logs, and the API.
    pub fn for_install(
        db_url: Option<&Secret>,
        mm_home: Option<&MmHome>,
        client: Option<MmClient>,
    ) -> Self {
        let config = mm_home.map(MmHome::read_config);
        let db_url = match (db_url, &config) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(Ok(config))) => datasource(config),
            (None, Some(Err(err))) => Err(format!("the install's config cannot be read ({err})")),
            (None, None) => Err("no --db-url and no install directory (--mm-home)".into()),
        };
        let (audit_log, server_log) = match (mm_home, &config) {
            (Some(home), Some(Ok(config))) => {
                let dir = home.logs_dir(Some(config));
                let audit = crate::host::logs::audit_log_path(config, &dir).ok_or_else(|| {
                    "the install does not write one (ExperimentalAuditSettings.FileEnabled and FileName)"
                        .to_string()
                });
                (audit, Ok(dir.join("mattermost.log")))
            }
            (Some(home), _) => (
                Err("the install's config cannot be read".into()),
                Ok(home.logs_dir(None).join("mattermost.log")),
            ),
            (None, _) => (
                Err("no install directory (--mm-home)".into()),
                Err("no install directory (--mm-home)".into()),
            ),
        };
        Self {
            client,
            db_url,
            audit_log,
            server_log,
            rest_off: None,
        }
    }
}

/// The DataSource of an install's config, when it is PostgreSQL.
fn datasource(config: &serde_json::Value) -> Result<Secret, String> {
    let sql = config.get("SqlSettings");
    let driver = sql
        .and_then(|s| s.get("DriverName"))
        .and_then(|d| d.as_str())
        .unwrap_or("postgres");
    let source = sql
        .and_then(|s| s.get("DataSource"))
        .and_then(|d| d.as_str())
        .filter(|d| !d.is_empty());
    match (driver, source) {
        ("postgres", Some(source)) => Ok(Secret::new(source)),
        ("postgres", None) => Err("the install's config has no SqlSettings.DataSource".into()),
        (other, _) => Err(format!(
            "the install uses {other}; mmops reads PostgreSQL only"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    Read,
    /// Not configured or not reachable by design: no failure.
    NotRead,
    Failed,
}

/// Something the admin should know about a source that was read (it is in the line's text
/// too): a short tag for the sources line and the sentence behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceWarning {
    pub tag: &'static str,
    pub text: &'static str,
}

/// One line of the sync's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLine {
    pub source: &'static str,
    pub state: SourceState,
    pub text: String,
    pub warning: Option<SourceWarning>,
    /// The API's refusal when the source failed on it (a rate limit, an expired session).
    pub api_error: Option<ApiError>,
}

/// What the ledger misses when `source` is not read.
pub fn missing_means(source: &str) -> Option<&'static str> {
    match source {
        db::SOURCE => Some("pending invites, resend jobs and join times cannot be seen"),
        audit::SOURCE => Some("who sent each invite and which account used it are not known"),
        server_log::SOURCE => Some("the senders of invite requests (debug lines) are not known"),
        _ => None,
    }
}

impl std::fmt::Display for SourceLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            SourceState::Read => "",
            SourceState::NotRead => "not read: ",
            SourceState::Failed => "FAILED: ",
        };
        write!(f, "{}: {state}{}", self.source, self.text)?;
        match (self.state, missing_means(self.source)) {
            (SourceState::Read, _) | (_, None) => Ok(()),
            (_, Some(means)) => write!(f, "; without it {means}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub lines: Vec<SourceLine>,
    /// Invitations whose status changed.
    pub changed: usize,
    pub invitations: usize,
    /// The teams the sources touched.
    pub dirty: Dirty,
}

impl SyncReport {
    pub fn failed(&self) -> bool {
        self.lines.iter().any(|l| l.state == SourceState::Failed)
    }

    fn push(&mut self, source: &'static str, state: SourceState, text: impl Into<String>) {
        self.lines.push(SourceLine {
            source,
            state,
            text: text.into(),
            warning: None,
            api_error: None,
        });
    }
}

fn since(ledger: &Ledger, source: &str) -> Result<i64, LedgerError> {
    Ok(ledger
        .position(source)?
        .and_then(|p| p.parse::<i64>().ok())
        .map(|at| (at - OVERLAP_MS).max(1))
        .unwrap_or(0))
}

/// Runs every source once, then re-decides every status.
pub async fn run(
    ledger: &mut Ledger,
    plan: &SyncPlan,
    now_ms: i64,
) -> Result<SyncReport, LedgerError> {
    let mut report = SyncReport::default();
    let mine = ledger.invitations_from(MMOPS)?;
    report.push(
        MMOPS,
        SourceState::Read,
        format!(
            "{} sent through mmops on record",
            crate::text::counted(mine, "invitation")
        ),
    );

    let db_read = read_database(ledger, plan, now_ms, &mut report).await?;
    let audit_read = read_audit(ledger, plan, now_ms, &mut report)?;
    read_server_log(ledger, plan, now_ms, &mut report)?;
    if db_read {
        report.push(
            rest::SOURCE,
            SourceState::NotRead,
            "the database gave users, members and join posts",
        );
    } else {
        read_rest(ledger, plan, now_ms, &mut report).await?;
    }

    ledger.fill_senders_from_requests(REQUEST_MATCH_MS)?;
    // Whatever mmops itself sent since the last sync is new too.
    let resolved_since = since(ledger, RESOLVED)?;
    for team in ledger.teams_mmops_sent_since(resolved_since)? {
        report.dirty.team(Some(&team));
    }
    // ...and what mmops itself did since (an invalidation from the Invites tab).
    for team in ledger.event_teams_since(MMOPS, resolved_since)? {
        report.dirty.team(team.as_deref());
    }
    ledger.name_senders()?;
    let tokens_read_at = if db_read {
        Some(now_ms)
    } else {
        ledger
            .runs()?
            .into_iter()
            .find(|r| r.source == db::SOURCE && r.ok)
            .map(|r| r.at)
    };
    let previous_audit = ledger
        .runs()?
        .into_iter()
        .any(|r| r.source == audit::SOURCE && r.ok);
    let full = ledger.position(RESOLVED)?.is_none();
    report.changed = resolve_ledger(
        ledger,
        (!full).then_some(&report.dirty),
        SourcesRead {
            tokens_read_at,
            audit_read: audit_read || previous_audit,
        },
        now_ms,
    )?;
    ledger.set_position(RESOLVED, &now_ms.to_string(), now_ms)?;
    report.invitations = ledger.invitation_count()?;
    for line in &report.lines {
        if line.state != SourceState::NotRead {
            ledger.note_run(&SourceRun {
                source: line.source.to_string(),
                at: now_ms,
                ok: line.state == SourceState::Read,
                summary: line.text.clone(),
            })?;
        }
    }
    Ok(report)
}

async fn read_database(
    ledger: &mut Ledger,
    plan: &SyncPlan,
    now_ms: i64,
    report: &mut SyncReport,
) -> Result<bool, LedgerError> {
    let url = match &plan.db_url {
        Ok(url) => url,
        Err(why) => {
            report.push(db::SOURCE, SourceState::NotRead, why.clone());
            return Ok(false);
        }
    };
    let since = since(ledger, db::SOURCE)?;
    let result = async {
        let mut client = db::connect(url.expose()).await?;
        db::read(&mut client, since).await
    }
    .await;
    match result {
        Ok((observed, counts)) => {
            let stored =
                ledger.store(&observed, Some((db::SOURCE, &now_ms.to_string())), now_ms)?;
            report.lines.push(SourceLine {
                source: db::SOURCE,
                state: SourceState::Read,
                api_error: None,
                warning: counts.transport.and_then(db::Transport::source_warning),
                text: format!(
                    "{}{}; {}",
                    counts.summary(),
                    if stored.tokens_gone > 0 {
                        format!(
                            "; {} gone since the last read",
                            crate::text::counted(stored.tokens_gone, "token")
                        )
                    } else {
                        String::new()
                    },
                    crate::text::counted(stored.new_invitations, "new invitation")
                ),
            });
            report.dirty.merge(stored.dirty);
            Ok(true)
        }
        Err(err) => {
            report.push(
                db::SOURCE,
                SourceState::Failed,
                format!("{} ({})", err, db::redacted(url.expose())),
            );
            Ok(false)
        }
    }
}

fn read_audit(
    ledger: &mut Ledger,
    plan: &SyncPlan,
    now_ms: i64,
    report: &mut SyncReport,
) -> Result<bool, LedgerError> {
    let file = match &plan.audit_log {
        Ok(file) => file,
        Err(why) => {
            report.push(audit::SOURCE, SourceState::NotRead, why.clone());
            return Ok(false);
        }
    };
    let from = ledger
        .position(audit::SOURCE)?
        .as_deref()
        .and_then(Position::decode);
    match audit::read_since(file, from) {
        Ok((items, position, read)) => {
            let observed = audit::observations(items);
            let stored =
                ledger.store(&observed, Some((audit::SOURCE, &position.encode())), now_ms)?;
            report.push(
                audit::SOURCE,
                SourceState::Read,
                format!(
                    "{}: {}, {} already recorded, {} team events ({} read)",
                    file.display(),
                    crate::text::counted(stored.new_invitations, "new invitation"),
                    stored.known_invitations,
                    stored.events,
                    crate::timefmt::bytes(read)
                ),
            );
            report.dirty.merge(stored.dirty);
            Ok(true)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            report.push(
                audit::SOURCE,
                SourceState::NotRead,
                format!("{} does not exist (yet)", file.display()),
            );
            Ok(false)
        }
        Err(err) => {
            report.push(
                audit::SOURCE,
                SourceState::Failed,
                format!("cannot read {}: {err}", file.display()),
            );
            Ok(false)
        }
    }
}

fn read_server_log(
    ledger: &mut Ledger,
    plan: &SyncPlan,
    now_ms: i64,
    report: &mut SyncReport,
) -> Result<(), LedgerError> {
    let file = match &plan.server_log {
        Ok(file) => file,
        Err(why) => {
            report.push(server_log::SOURCE, SourceState::NotRead, why.clone());
            return Ok(());
        }
    };
    let from = ledger
        .position(server_log::SOURCE)?
        .as_deref()
        .and_then(Position::decode);
    let first_read = from.is_none();
    match super::tail::read_since(file, from, server_log::parse_for_tail) {
        Ok((requests, position, read)) => {
            let observed = Observations {
                events: server_log::events(&requests),
                ..Default::default()
            };
            let stored = ledger.store(
                &observed,
                Some((server_log::SOURCE, &position.encode())),
                now_ms,
            )?;
            report.dirty.merge(stored.dirty);
            // Only a first read that finds nothing says why there may be nothing to find.
            let hint = if requests.is_empty() && first_read {
                " (invite requests are logged at DEBUG only)"
            } else {
                ""
            };
            report.push(
                server_log::SOURCE,
                SourceState::Read,
                format!(
                    "{}: {} invite requests{hint} ({} read)",
                    file.display(),
                    requests.len(),
                    crate::timefmt::bytes(read)
                ),
            );
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => report.push(
            server_log::SOURCE,
            SourceState::NotRead,
            format!("{} does not exist", file.display()),
        ),
        Err(err) => report.push(
            server_log::SOURCE,
            SourceState::Failed,
            format!("cannot read {}: {err}", file.display()),
        ),
    }
    Ok(())
}

async fn read_rest(
    ledger: &mut Ledger,
    plan: &SyncPlan,
    now_ms: i64,
    report: &mut SyncReport,
) -> Result<(), LedgerError> {
    if let Some(why) = &plan.rest_off {
        report.push(rest::SOURCE, SourceState::NotRead, why.clone());
        return Ok(());
    }
    let Some(client) = &plan.client else {
        report.push(
            rest::SOURCE,
            SourceState::NotRead,
            "no server (--url, --local or a profile)",
        );
        return Ok(());
    };
    let since = since(ledger, rest::SOURCE)?;
    match rest::read(client, since).await {
        Ok((observed, counts)) => {
            let stored =
                ledger.store(&observed, Some((rest::SOURCE, &now_ms.to_string())), now_ms)?;
            report.dirty.merge(stored.dirty);
            report.push(rest::SOURCE, SourceState::Read, counts.summary());
        }
        Err(err) => {
            report.push(rest::SOURCE, SourceState::Failed, err.to_string());
            if let Some(line) = report.lines.last_mut() {
                line.api_error = Some(err);
            }
        }
    }
    Ok(())
}
