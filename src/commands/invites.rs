//! `mmops invite` (send and record) and `mmops invites list` (the ledger as a table, JSON or
//! CSV).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::cli::{InviteArgs, InvitesListArgs};
use crate::config::Resolved;
use crate::invites::ledger::{Invitation, Ledger};
use crate::invites::{CSV_COLUMNS, ledger_path, send, server_id, to_csv_row, to_json};
use crate::mm::client::path_segment;
use crate::mm::{ClientOptions, MmClient};
use crate::text::{inert, one_line};

fn client(resolved: &Resolved) -> color_eyre::Result<Option<MmClient>> {
    Ok(resolved
        .connection
        .as_ref()
        .map(|spec| MmClient::new(spec, ClientOptions::default()))
        .transpose()?)
}

/// The ledger to use: the one given, or the server's in the data dir.
async fn ledger_file(
    given: Option<PathBuf>,
    client: Option<&MmClient>,
    resolved: &Resolved,
) -> color_eyre::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path);
    }
    let Some(client) = client else {
        bail!(
            "no server to name the ledger: give a server (--url, --local, a profile) or --ledger PATH"
        );
    };
    let id = server_id(client)
        .await
        .wrap_err("cannot tell which server's ledger to use")?;
    Ok(ledger_path(&resolved.paths.data_dir, &id))
}

pub fn invite(resolved: Resolved, args: InviteArgs) -> color_eyre::Result<ExitCode> {
    let Some(client) = client(&resolved)? else {
        bail!("no server to send invitations through: give --url, --local or a profile");
    };
    let runtime = super::runtime()?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (path, (sent, rows)) = runtime.block_on(async {
        let path = ledger_file(args.ledger.clone(), Some(&client), &resolved).await?;
        let result = send(&client, &args.team, &args.emails, now_ms)
            .await
            .wrap_err(format!("the invitations to {} were not sent", args.team))?;
        Ok::<_, color_eyre::Report>((path, result))
    })?;
    // Recorded before anything is printed: what the server accepted is never lost.
    let mut ledger = Ledger::open(&path)?;
    ledger
        .record(&rows)
        .wrap_err("the invitations were sent but could not be recorded")?;
    let mut out = String::new();
    let mut failed = 0;
    for result in &sent {
        match &result.error {
            None => {
                let _ = writeln!(out, "sent     {}", inert(&result.email));
            }
            Some(why) => {
                failed += 1;
                let _ = writeln!(
                    out,
                    "refused  {}: {}",
                    inert(&result.email),
                    one_line(why, 120)
                );
            }
        }
    }
    let _ = writeln!(out, "recorded in {}", path.display());
    super::emit(&out)?;
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn keep(invite: &Invitation, args: &InvitesListArgs, since_ms: Option<i64>) -> bool {
    args.status.as_ref().is_none_or(|s| invite.status == *s)
        && args
            .team
            .as_ref()
            .is_none_or(|t| invite.team_name.as_deref() == Some(t.as_str()))
        && since_ms.is_none_or(|since| invite.sent_at >= since)
}

pub fn list(resolved: Resolved, args: InvitesListArgs) -> color_eyre::Result<ExitCode> {
    let since_ms = match &args.since {
        Some(text) => Some(
            chrono::Utc::now().timestamp_millis()
                - crate::logs::select::parse_duration(text).ok_or_else(|| {
                    eyre!("--since {text}: give a duration such as 30m, 2h or 7d")
                })?,
        ),
        None => None,
    };
    let path = match &args.ledger {
        Some(path) => path.clone(),
        None => {
            let client = client(&resolved)?;
            super::runtime()?.block_on(ledger_file(None, client.as_ref(), &resolved))?
        }
    };
    if !path.exists() {
        bail!(
            "no ledger at {}: nothing has been recorded for this server yet",
            path.display()
        );
    }
    let ledger = Ledger::open(&path)?;
    let invites: Vec<Invitation> = ledger
        .invitations()?
        .into_iter()
        .filter(|i| keep(i, &args, since_ms))
        .collect();
    let mut out = String::new();
    if args.json {
        let array: Vec<serde_json::Value> = invites.iter().map(to_json).collect();
        out = serde_json::to_string_pretty(&array)?;
        out.push('\n');
    } else if args.csv {
        out.push_str(&CSV_COLUMNS.join(","));
        out.push('\n');
        for invite in &invites {
            out.push_str(&to_csv_row(invite));
            out.push('\n');
        }
    } else {
        let _ = writeln!(
            out,
            "{:<17}  {:<32}  {:<16}  {:<16}  STATUS",
            "SENT (UTC)", "EMAIL", "TEAM", "SENDER"
        );
        for invite in &invites {
            let sent = chrono::DateTime::from_timestamp_millis(invite.sent_at)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let status = if invite.status_reason.is_empty() {
                invite.status.clone()
            } else {
                format!("{}: {}", invite.status, invite.status_reason)
            };
            let _ = writeln!(
                out,
                "{sent:<17}  {:<32}  {:<16}  {:<16}  {}",
                one_line(&invite.email, 32),
                one_line(invite.team_name.as_deref().unwrap_or("?"), 16),
                one_line(invite.sender_username.as_deref().unwrap_or("unknown"), 16),
                one_line(&status, 60)
            );
        }
        if invites.is_empty() {
            let _ = writeln!(out, "(no invitations recorded match)");
        }
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Names for ids, asked of the server once each; `None` without a server or on an error.
struct Names<'a> {
    client: Option<&'a MmClient>,
    /// By API path: `/api/v4/users/<id>` → its username.
    known: std::collections::HashMap<String, Option<String>>,
}

impl Names<'_> {
    async fn user(&mut self, id: &str) -> Option<String> {
        self.lookup(format!("/api/v4/users/{}", path_segment(id)), "username")
            .await
    }

    async fn team(&mut self, id: &str) -> Option<String> {
        self.lookup(format!("/api/v4/teams/{}", path_segment(id)), "name")
            .await
    }

    /// The `field` of the object at `path`. Ids come from log text: they are escaped.
    async fn lookup(&mut self, path: String, field: &str) -> Option<String> {
        if let Some(known) = self.known.get(&path) {
            return known.clone();
        }
        let name = match self.client {
            Some(client) => client
                .get_json::<serde_json::Value>(&crate::mm::Endpoint::get(path.clone()), &[])
                .await
                .ok()
                .and_then(|v| v.get(field).and_then(|f| f.as_str()).map(str::to_string)),
            None => None,
        };
        self.known.insert(path, name.clone());
        name
    }
}

const AUDIT: &str = "audit";

/// The audit log's invite calls since the last sync, as sightings for the ledger.
async fn audit_sightings(
    calls: Vec<crate::invites::audit::InviteCall>,
    names: &mut Names<'_>,
) -> Vec<crate::invites::ledger::NewInvitation> {
    use crate::invites::ledger::NewInvitation;
    let mut out = Vec::new();
    for call in calls {
        let sender_username = match &call.actor_user_id {
            Some(id) => names.user(id).await,
            None => Some("mmctl (local mode)".to_string()),
        };
        let team_name = names.team(&call.team_id).await.unwrap_or_default();
        let kind = if call.guest { "guest" } else { "member" };
        for email in &call.sent {
            out.push(NewInvitation {
                sent_at: call.ts_ms,
                email: email.clone(),
                team_id: call.team_id.clone(),
                team_name: team_name.clone(),
                sender_id: call.actor_user_id.clone(),
                sender_username: sender_username.clone(),
                kind,
                status: "unknown",
                status_reason: "sent (audit log); whether it was used needs the database or the team's join posts, which this mmops does not read yet".into(),
                source: AUDIT,
                said: format!("{}: sent to {email}", call.event),
            });
        }
        for (email, why) in &call.refused {
            out.push(NewInvitation {
                sent_at: call.ts_ms,
                email: email.clone(),
                team_id: call.team_id.clone(),
                team_name: team_name.clone(),
                sender_id: call.actor_user_id.clone(),
                sender_username: sender_username.clone(),
                kind,
                status: "failed",
                status_reason: why.clone(),
                source: AUDIT,
                said: format!("{}: refused {email}: {why}", call.event),
            });
        }
    }
    out
}

pub fn sync(resolved: Resolved, args: crate::cli::InvitesSyncArgs) -> color_eyre::Result<ExitCode> {
    use crate::invites::audit::{Position, read_since};
    let client = client(&resolved)?;
    let runtime = super::runtime()?;
    let path = runtime.block_on(ledger_file(args.ledger.clone(), client.as_ref(), &resolved))?;
    let mut ledger = Ledger::open(&path)?;
    let mut out = String::new();
    let mut failed = false;
    let now_ms = chrono::Utc::now().timestamp_millis();

    // The structured audit log of the install.
    let audit_file = resolved.mm_home.as_ref().and_then(|home| {
        let config = home.read_config().ok()?;
        let dir = home.logs_dir(Some(&config));
        crate::logs::feed::audit_log_path(&config, &dir)
    });
    match (&resolved.mm_home, audit_file) {
        (None, _) => {
            let _ = writeln!(out, "audit log: not read: no install directory (--mm-home)");
        }
        (Some(_), None) => {
            let _ = writeln!(
                out,
                "audit log: not read: the install does not write one (ExperimentalAuditSettings.FileEnabled and FileName)"
            );
        }
        (Some(_), Some(file)) => {
            let from = ledger
                .position(AUDIT)?
                .as_deref()
                .and_then(Position::decode);
            match read_since(&file, from) {
                Ok((calls, position, read)) => {
                    let mut names = Names {
                        client: client.as_ref(),
                        known: Default::default(),
                    };
                    let sightings = runtime.block_on(audit_sightings(calls, &mut names));
                    let (new, known) = ledger
                        .record_sightings(&sightings, Some((AUDIT, &position.encode(), now_ms)))?;
                    let _ = writeln!(
                        out,
                        "audit log {}: {new} new invitations, {known} already recorded ({} read)",
                        file.display(),
                        crate::timefmt::bytes(read)
                    );
                }
                Err(err) => {
                    failed = true;
                    let _ = writeln!(out, "audit log {}: cannot read it: {err}", file.display());
                }
            }
        }
    }
    for (source, why) in [
        (
            "database",
            "not read: this mmops does not read the database yet",
        ),
        (
            "server log",
            "not read: this mmops does not read invite requests from it yet",
        ),
        (
            "REST (users, members, join posts)",
            "not read: this mmops does not read them yet",
        ),
    ] {
        let _ = writeln!(out, "{source}: {why}");
    }
    let _ = writeln!(out, "ledger: {}", path.display());
    super::emit(&out)?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
