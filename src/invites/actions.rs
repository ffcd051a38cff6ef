//! What the Invites tab does with the ledger and the server, as plain functions it runs in
//! background jobs: find and read the ledger, sync it, send invitations and record them,
//! invalidate every pending invite and record that, read one invitation's evidence and a
//! team's members, export rows.

use std::path::{Path, PathBuf};

use super::facts::{EventKind, Observations, SourceRun, TeamEvent, TeamFact};
use super::ledger::{Invitation, Ledger, LedgerError};
use super::provenance::{MemberWay, team_members};
use super::rest::{self, TeamChoice};
use super::sync::{MMOPS, SyncPlan, SyncReport, run};
use super::{Sent, ledger_path, send, server_id};
use crate::mm::MmClient;

/// Where the ledger is: the one given (`--ledger`, the demo's), or the server's in the data
/// dir, named by the server's id: its diagnostic id from the API, or from the database's
/// `systems` table when no server is connected.
pub async fn locate(
    given: Option<&Path>,
    data_dir: Option<&Path>,
    plan: &SyncPlan,
) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let Some(data_dir) = data_dir else {
        return Err("no data directory for the ledger: give --ledger PATH".to_string());
    };
    if let Some(client) = &plan.client {
        let id = server_id(client)
            .await
            .map_err(|e| format!("cannot tell which server's ledger to use: {e}"))?;
        return Ok(ledger_path(data_dir, &id));
    }
    if let Ok(url) = &plan.db_url {
        let database = super::db::connect(url.expose())
            .await
            .map_err(|e| format!("cannot tell which server's ledger to use: {e}"))?;
        return match super::db::server_id(&database).await {
            Ok(Some(id)) => Ok(ledger_path(data_dir, &id)),
            Ok(None) => Err("the database holds no server id (systems.DiagnosticId)".to_string()),
            Err(e) => Err(format!("cannot tell which server's ledger to use: {e}")),
        };
    }
    Err(
        "no server to name the ledger: give a server (--url, --local, a profile), a database (--db-url) or --ledger PATH"
            .to_string(),
    )
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
) -> Result<Vec<Sent>, String> {
    let channel_ids = rest::channel_ids(client, &team.id, channel_names)
        .await
        .map_err(|e| format!("nothing was sent: {e}"))?;
    let (sent, rows) = send(client, &team.name, emails, &channel_ids, now_ms)
        .await
        .map_err(|e| format!("nothing was sent: {e}"))?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || Ledger::open(&path)?.record(&rows))
        .await
        .map_err(|e| format!("sent, but not recorded: {e}"))?
        .map_err(|e| format!("sent, but not recorded: {e}"))?;
    Ok(sent)
}

/// Invalidates every pending email invite and records who did it and when, so the next sync
/// marks the open invitations revoked even without an audit log.
pub async fn invalidate_and_record(
    client: &MmClient,
    path: &Path,
    now_ms: i64,
) -> Result<(), String> {
    let me = if client.is_local() {
        None
    } else {
        client.me().await.ok()
    };
    rest::invalidate_all(client)
        .await
        .map_err(|e| format!("nothing was invalidated: {e}"))?;
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
    tokio::task::spawn_blocking(move || Ledger::open(&path)?.store(&observed, None, now_ms))
        .await
        .map_err(|e| format!("invalidated, but not recorded: {e}"))?
        .map_err(|e| format!("invalidated, but not recorded: {e}"))?;
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
pub fn export(path: &Path, invitations: &[Invitation]) -> Result<usize, String> {
    // An export never replaces a file or makes directories: a typo would do either silently.
    if path.exists() {
        return Err(format!("{} exists: give another name", path.display()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(format!("there is no directory {}", dir.display()));
    }
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut out = String::new();
    if json {
        let array: Vec<serde_json::Value> = invitations.iter().map(super::to_json).collect();
        out = serde_json::to_string_pretty(&array).map_err(|e| e.to_string())?;
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
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
