//! `mmops invite` (send and record) and `mmops invites list` (the ledger as a table, JSON or
//! CSV).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::cli::{InviteArgs, InvitesListArgs};
use crate::config::Resolved;
use crate::invites::actions::{invalidate_and_record, locate, send_and_record};
use crate::invites::ledger::{Invitation, Ledger};
use crate::invites::rest::team_by_name;
use crate::invites::sync::SyncPlan;
use crate::invites::{CSV_COLUMNS, plausible_email, to_csv_row, to_json};
use crate::mm::{ClientOptions, MmClient};
use crate::text::{fit, inert, one_line};
use crate::timefmt::utc_minute_bare;

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
    let bad: Vec<String> = args
        .emails
        .iter()
        .filter(|e| !plausible_email(e))
        .map(|e| inert(e).into_owned())
        .collect();
    if !bad.is_empty() {
        eprintln!(
            "mmops: not an email address: {}; nothing was sent",
            bad.join(", ")
        );
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    let runtime = super::runtime()?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (path, sent) = runtime.block_on(async {
        let path = ledger_file(resolved.ledger.clone(), Some(&client), &resolved).await?;
        let team = team_by_name(&client, &args.team)
            .await
            .wrap_err(format!("the invitations to {} were not sent", args.team))?;
        // Sent and recorded before anything is printed: what the server accepted is never lost.
        let sent = send_and_record(&client, &path, &team, &args.emails, &args.channels, now_ms)
            .await
            .map_err(|e| eyre!(e))?;
        Ok::<_, color_eyre::Report>((path, sent))
    })?;
    let mut out = String::new();
    let mut failed = 0;
    for result in &sent {
        match &result.error {
            None => {
                let _ = writeln!(out, "sent     {}", inert(&result.email));
            }
            Some(why) => {
                failed += 1;
                let _ = writeln!(out, "refused  {}: {}", inert(&result.email), inert(why));
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
    args.status
        .is_none_or(|s| invite.status == s.status().as_str())
        && args
            .team
            .as_ref()
            .is_none_or(|t| invite.team_name.as_deref() == Some(t.as_str()))
        && since_ms.is_none_or(|since| invite.sent_at >= since)
}

pub fn list(resolved: Resolved, args: InvitesListArgs) -> color_eyre::Result<ExitCode> {
    let since_ms = match &args.since {
        Some(text) => match crate::logs::select::parse_duration(text) {
            Some(duration) => Some(chrono::Utc::now().timestamp_millis() - duration),
            None => {
                eprintln!(
                    "mmops: --since {}: give a duration such as 30m, 2h or 7d",
                    inert(text)
                );
                return Ok(ExitCode::from(super::EXIT_USAGE));
            }
        },
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
    let all = ledger.invitations()?;
    if let Some(team) = &args.team {
        let known = all
            .iter()
            .any(|i| i.team_name.as_deref() == Some(team.as_str()))
            || ledger.teams()?.iter().any(|t| &t.name == team);
        if !known {
            bail!(
                "no team named {} in the ledger (teams are named as in their URLs)",
                inert(team)
            );
        }
    }
    let invites: Vec<Invitation> = all
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
            "{}  {}  {}  {}  STATUS",
            fit("SENT (UTC)", 16),
            fit("EMAIL", 32),
            fit("TEAM", 16),
            fit("SENDER", 16)
        );
        for invite in &invites {
            // The last column is whole: the reason is the point.
            let status = if invite.status_reason.is_empty() {
                invite.status.clone()
            } else {
                format!("{}: {}", invite.status, invite.status_reason)
            };
            let _ = writeln!(
                out,
                "{}  {}  {}  {}  {}",
                utc_minute_bare(invite.sent_at),
                fit(&invite.email, 32),
                fit(invite.team_name.as_deref().unwrap_or("?"), 16),
                fit(invite.sender_username.as_deref().unwrap_or("unknown"), 16),
                one_line(&status, usize::MAX)
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
            "{}  {}  {}  HOW",
            fit("TEAM", 16),
            fit("MEMBER", 20),
            fit("JOINED (UTC)", 16)
        );
        for m in &rows {
            let joined = m
                .joined_at
                .map(utc_minute_bare)
                .unwrap_or_else(|| "?".into());
            let mut how = m.how.clone();
            if let Some(flag) = &m.flag {
                how = format!("{how}  ⚑ {flag}");
            }
            let _ = writeln!(
                out,
                "{}  {}  {}  {}",
                fit(&m.team_name, 16),
                fit(m.username.as_deref().unwrap_or(&m.user_id), 20),
                fit(&joined, 16),
                one_line(&how, usize::MAX)
            );
        }
        if rows.is_empty() {
            let _ = writeln!(out, "(no members recorded: run `mmops invites sync`)");
        }
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn invalidate(
    resolved: Resolved,
    args: crate::cli::InvitesInvalidateArgs,
) -> color_eyre::Result<ExitCode> {
    let Some(client) = client(&resolved)? else {
        bail!("no server to invalidate invites on: give --url, --local or a profile");
    };
    let runtime = super::runtime()?;
    let path = runtime.block_on(ledger_file(
        resolved.ledger.clone(),
        Some(&client),
        &resolved,
    ))?;
    let pending = Ledger::open(&path)?
        .invitations()?
        .iter()
        .filter(|i| i.status == "pending")
        .count();
    if !args.yes {
        eprintln!(
            "mmops: this invalidates every pending email invite on the server ({pending} known to \
             mmops; the server may hold more), and nobody can use them afterwards: run again with --yes"
        );
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    runtime
        .block_on(invalidate_and_record(&client, &path, now_ms))
        .map_err(|e| eyre!(e))?;
    let mut out = format!(
        "invalidated every pending email invite ({pending} known to mmops); recorded in {}\n",
        path.display()
    );
    // Decide the statuses now rather than at the next sync.
    let plan = crate::invites::sync::SyncPlan::from_resolved(&resolved, Some(client));
    let mut ledger = Ledger::open(&path)?;
    let report = runtime.block_on(crate::invites::sync::run(&mut ledger, &plan, now_ms))?;
    let _ = writeln!(out, "{} invitations changed status", report.changed);
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
