//! What the Invites tab does with the ledger and the server, as plain functions it runs in
//! background jobs: find and read the ledger, sync it, send invitations and record them,
//! invalidate every pending invite and record that, read one invitation's evidence and a
//! team's members, export rows.

use std::path::{Path, PathBuf};

use super::db::DbError;
use super::facts::{EventKind, Observations, SourceRun, TeamEvent, TeamFact};
use super::ledger::{Invitation, Ledger, LedgerError};
use super::provenance::{MemberWay, team_members};
use super::rest::{self, TeamChoice};
use super::sync::{MMOPS, SyncPlan, SyncReport, run};
use super::{Sent, ledger_path, send, server_id};
use crate::mm::{ApiError, MmClient};

/// Why an action on the ledger or the server did not happen, or happened but was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no data directory for the ledger: give --ledger PATH")]
    NoDataDirectory,
    #[error("cannot tell which server's ledger to use: {0}")]
    ServerId(ApiError),
    #[error("cannot tell which server's ledger to use: {0}")]
    DatabaseId(DbError),
    #[error("the database holds no server id (systems.DiagnosticId)")]
    NoServerId,
    #[error(
        "no server to name the ledger: give a server (--url, --local, a profile), a database (--db-url) or --ledger PATH"
    )]
    NoServer,
    /// The server refused before anything changed.
    #[error("nothing was {done}: {source}")]
    NotDone {
        done: &'static str,
        source: ApiError,
    },
    /// The server did it; the ledger could not record it.
    #[error("{done}, but not recorded: {source}")]
    NotRecorded {
        done: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{} exists: give another name", .0.display())]
    Exists(PathBuf),
    #[error("there is no directory {}", .0.display())]
    NoDirectory(PathBuf),
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl ActionError {
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ActionError::ServerId(err) | ActionError::NotDone { source: err, .. } => Some(err),
            _ => None,
        }
    }
}

/// Where the ledger is: the one given (`--ledger`, the demo's), or the server's in the data
/// dir, named by the server's id: its diagnostic id from the API, or from the database's
/// `systems` table when no server is connected.
pub async fn locate(
    given: Option<&Path>,
    data_dir: Option<&Path>,
    plan: &SyncPlan,
) -> Result<PathBuf, ActionError> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let Some(data_dir) = data_dir else {
        return Err(ActionError::NoDataDirectory);
    };
    if let Some(client) = &plan.client {
        let id = server_id(client).await.map_err(ActionError::ServerId)?;
        return Ok(ledger_path(data_dir, &id));
    }
    if let Ok(url) = &plan.db_url {
        let database = super::db::connect(url.expose())
            .await
            .map_err(ActionError::DatabaseId)?;
        return match super::db::server_id(&database).await {
            Ok(Some(id)) => Ok(ledger_path(data_dir, &id)),
            Ok(None) => Err(ActionError::NoServerId),
            Err(e) => Err(ActionError::DatabaseId(e)),
        };
    }
    Err(ActionError::NoServer)
}

/// Whether each source can be read, before any sync: the name, and why not when it cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSource {
    pub source: &'static str,
    pub unavailable: Option<String>,
}

pub fn planned_sources(plan: &SyncPlan) -> Vec<PlannedSource> {
    vec![
        PlannedSource {
            source: super::db::SOURCE,
            unavailable: plan.db_url.as_ref().err().cloned(),
        },
        PlannedSource {
            source: super::audit::SOURCE,
            unavailable: plan.audit_log.as_ref().err().cloned(),
        },
        PlannedSource {
            source: super::server_log::SOURCE,
            unavailable: plan.server_log.as_ref().err().cloned(),
        },
        PlannedSource {
            source: rest::SOURCE,
            unavailable: match (&plan.rest_off, &plan.client) {
                (Some(why), _) => Some(why.clone()),
                (None, None) => Some("no server".to_string()),
                (None, Some(_)) => None,
            },
        },
    ]
}

/// The ledger as the tab shows it.
#[derive(Debug, Clone, Default)]
pub struct LedgerView {
    pub path: PathBuf,
    /// Newest first.
    pub invitations: Vec<Invitation>,
    pub runs: Vec<SourceRun>,
    pub teams: Vec<TeamFact>,
}

/// Opens (creating when new) and reads the ledger at `path`.
pub fn load(path: &Path) -> Result<LedgerView, LedgerError> {
    let ledger = Ledger::open(path)?;
    Ok(LedgerView {
        path: path.to_path_buf(),
        invitations: ledger.invitations()?,
        runs: ledger.runs()?,
        teams: ledger.teams()?,
    })
}

/// One sync of every source in `plan` into the ledger at `path`. Blocking: SQLite work runs
/// on the calling thread, the network on the runtime of `handle`.
pub fn sync_blocking(
    handle: &tokio::runtime::Handle,
    path: &Path,
    plan: &SyncPlan,
    now_ms: i64,
) -> Result<SyncReport, LedgerError> {
    let mut ledger = Ledger::open(path)?;
    handle.block_on(run(&mut ledger, plan, now_ms))
}

/// Sends invitations to `team` and records each address's result before returning, so what
/// the server accepted is never lost.
pub async fn send_and_record(
    client: &MmClient,
    path: &Path,
    team: &TeamChoice,
    emails: &[String],
    channel_names: &[String],
    now_ms: i64,
) -> Result<Vec<Sent>, ActionError> {
    let not_sent = |source| ActionError::NotDone {
        done: "sent",
        source,
    };
    let channel_ids = rest::channel_ids(client, &team.id, channel_names)
        .await
        .map_err(not_sent)?;
    let (sent, rows) = send(client, &team.name, emails, &channel_ids, now_ms)
        .await
        .map_err(not_sent)?;
    let path = path.to_path_buf();
    record("sent", move || Ledger::open(&path)?.record(&rows)).await?;
    Ok(sent)
}

/// Runs a ledger write after the server acted: any failure is "done, but not recorded".
async fn record<T: Send + 'static>(
    done: &'static str,
    write: impl FnOnce() -> Result<T, LedgerError> + Send + 'static,
) -> Result<T, ActionError> {
    let not_recorded = |source: Box<dyn std::error::Error + Send + Sync>| {
        ActionError::NotRecorded { done, source }
    };
    tokio::task::spawn_blocking(write)
        .await
        .map_err(|e| not_recorded(Box::new(e)))?
        .map_err(|e| not_recorded(Box::new(e)))
}

/// Invalidates every pending email invite and records who did it and when, so the next sync
/// marks the open invitations revoked even without an audit log.
pub async fn invalidate_and_record(
    client: &MmClient,
    path: &Path,
    now_ms: i64,
) -> Result<(), ActionError> {
    let me = if client.is_local() {
        None
    } else {
        client.me().await.ok()
    };
    rest::invalidate_all(client)
        .await
        .map_err(|source| ActionError::NotDone {
            done: "invalidated",
            source,
        })?;
    let detail = match &me {
        Some(user) => format!(
            "every pending email invite invalidated with mmops by {}",
            user.username
        ),
        None => "every pending email invite invalidated with mmops (local mode)".to_string(),
    };
    let observed = Observations {
        events: vec![TeamEvent {
            at: now_ms,
            kind: EventKind::InvalidatedAll,
            team_id: None,
            user_id: None,
            actor_id: me.map(|u| u.id),
            detail,
            source: MMOPS.to_string(),
        }],
        ..Default::default()
    };
    let path = path.to_path_buf();
    record("invalidated", move || {
        Ledger::open(&path)?.store(&observed, None, now_ms)
    })
    .await?;
    Ok(())
}

/// One invitation's evidence, oldest first: source, time, what it said.
pub fn evidence(
    path: &Path,
    invitation_id: i64,
) -> Result<Vec<(String, i64, String)>, LedgerError> {
    Ledger::open(path)?.evidence(invitation_id)
}

/// How every current member of `team_id` got in.
pub fn members(path: &Path, team_id: &str) -> Result<Vec<MemberWay>, LedgerError> {
    let ledger = Ledger::open(path)?;
    match ledger.team(team_id)? {
        Some(team) => team_members(&ledger, &team),
        None => Ok(Vec::new()),
    }
}

/// Writes invitations as CSV, or as JSON when the file name ends in `.json`; private and
/// atomic. Returns how many rows were written.
pub fn export(path: &Path, invitations: &[Invitation]) -> Result<usize, ActionError> {
    // An export never replaces a file or makes directories: a typo would do either silently.
    if path.exists() {
        return Err(ActionError::Exists(path.to_path_buf()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(ActionError::NoDirectory(dir.to_path_buf()));
    }
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut out = String::new();
    if json {
        let array: Vec<serde_json::Value> = invitations.iter().map(super::to_json).collect();
        // JSON values always serialize.
        out = serde_json::to_string_pretty(&array).unwrap_or_default();
        out.push('\n');
    } else {
        out.push_str(&super::CSV_COLUMNS.join(","));
        out.push('\n');
        for invite in invitations {
            out.push_str(&super::to_csv_row(invite));
            out.push('\n');
        }
    }
    crate::fsutil::write_private_atomic(path, out.as_bytes())
        .map(|()| invitations.len())
        .map_err(|source| ActionError::Write {
            path: path.to_path_buf(),
            source,
        })
}
