//! `mmops invite` (send and record) and `mmops invites list` (the ledger as a table, JSON or
//! CSV).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::cli::{InviteArgs, InvitesListArgs};
use crate::config::Resolved;
use crate::invites::actions::locate;
use crate::invites::ledger::{Invitation, Ledger};
use crate::invites::sync::SyncPlan;
use crate::invites::{CSV_COLUMNS, send, to_csv_row, to_json};
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
    let plan = SyncPlan::from_resolved(resolved, client.cloned());
    locate(given.as_deref(), Some(&resolved.paths.data_dir), &plan)
        .await
        .map_err(|e| eyre!(e))
}

pub fn invite(resolved: Resolved, args: InviteArgs) -> color_eyre::Result<ExitCode> {
    let Some(client) = client(&resolved)? else {
        bail!("no server to send invitations through: give --url, --local or a profile");
    };
    let runtime = super::runtime()?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (path, (sent, rows)) = runtime.block_on(async {
        let path = ledger_file(resolved.ledger.clone(), Some(&client), &resolved).await?;
        let result = send(&client, &args.team, &args.emails, &[], now_ms)
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
    let path = match &resolved.ledger {
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

pub fn sync(resolved: Resolved, args: crate::cli::InvitesSyncArgs) -> color_eyre::Result<ExitCode> {
    use crate::invites::sync::run;
    let client = client(&resolved)?;
    let runtime = super::runtime()?;
    let mut plan = SyncPlan::from_resolved(&resolved, client.clone());
    for source in &args.skip {
        plan.skip(*source, "skipped (--skip)");
    }
    let path = runtime.block_on(ledger_file(
        resolved.ledger.clone(),
        client.as_ref(),
        &resolved,
    ))?;
    let mut ledger = Ledger::open(&path)?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let report = runtime.block_on(run(&mut ledger, &plan, now_ms))?;
    let mut out = String::new();
    for line in &report.lines {
        let _ = writeln!(out, "{}", inert(&line.to_string()));
    }
    let _ = writeln!(
        out,
        "ledger {}: {} invitations, {} changed status",
        path.display(),
        report.invitations,
        report.changed
    );
    super::emit(&out)?;
    Ok(if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn members(
    resolved: Resolved,
    args: crate::cli::InvitesMembersArgs,
) -> color_eyre::Result<ExitCode> {
    use crate::invites::provenance::team_members;
    let path = match &resolved.ledger {
        Some(path) => path.clone(),
        None => {
            let client = client(&resolved)?;
            super::runtime()?.block_on(ledger_file(None, client.as_ref(), &resolved))?
        }
    };
    if !path.exists() {
        bail!(
            "no ledger at {}: run `mmops invites sync` first",
            path.display()
        );
    }
    let ledger = Ledger::open(&path)?;
    let teams: Vec<_> = ledger
        .teams()?
        .into_iter()
        .filter(|t| args.team.as_ref().is_none_or(|name| &t.name == name))
        .collect();
    if let Some(name) = &args.team
        && teams.is_empty()
    {
        bail!("no team named {name} in the ledger (teams come from the database or REST)");
    }
    let mut rows = Vec::new();
    for team in &teams {
        rows.extend(team_members(&ledger, team)?);
    }
    let mut out = String::new();
    if args.json {
        let array: Vec<serde_json::Value> = rows
            .iter()
            .map(|m| {
                serde_json::json!({
                    "team_id": m.team_id,
                    "team_name": m.team_name,
                    "user_id": m.user_id,
                    "username": m.username,
                    "email": m.email,
                    "joined_at": m.joined_at.and_then(chrono::DateTime::from_timestamp_millis)
                        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    "way": m.way.as_str(),
                    "how": m.how,
                    "flag": m.flag,
                    "source": m.source,
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&array)?;
        out.push('\n');
    } else {
        let _ = writeln!(
            out,
            "{:<16}  {:<20}  {:<17}  HOW",
            "TEAM", "MEMBER", "JOINED (UTC)"
        );
        for m in &rows {
            let joined = m
                .joined_at
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "?".into());
            let mut how = m.how.clone();
            if let Some(flag) = &m.flag {
                how = format!("{how}  ⚑ {flag}");
            }
            let _ = writeln!(
                out,
                "{:<16}  {:<20}  {joined:<17}  {}",
                one_line(&m.team_name, 16),
                one_line(m.username.as_deref().unwrap_or(&m.user_id), 20),
                one_line(&how, 120)
            );
        }
        if rows.is_empty() {
            let _ = writeln!(out, "(no members recorded: run `mmops invites sync`)");
        }
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
