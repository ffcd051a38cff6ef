//! `mmops doctor`: every rule over the facts of the sources given, findings grouped by
//! severity; `--json`, `--nagios`, `--telemetry`, `--list-rules`. Exit 0 nothing found, 1
//! warnings, 2 critical, 3 nothing could be checked.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::DoctorArgs;
use crate::config::Resolved;
use crate::doctor::gather::{Sources, gather};
use crate::doctor::{Selection, diagnose, report, rules, telemetry};
use crate::mm::{ClientOptions, MmClient};

/// Nagios' UNKNOWN: the doctor could not run.
pub const EXIT_UNKNOWN: u8 = 3;

pub fn list_rules(args: &DoctorArgs) -> color_eyre::Result<ExitCode> {
    let all = rules::all();
    let text = if args.json {
        format!("{:#}\n", report::rules_json(&all))
    } else if args.markdown {
        report::rules_markdown(&all)
    } else {
        report::rules_text(&all)
    };
    super::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(resolved: Resolved, args: DoctorArgs) -> color_eyre::Result<ExitCode> {
    let selection = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    if let Some(unknown) = selection.unknown_ids().first() {
        super::print_error(
            "mmops: ",
            &format!("no rule is called {unknown} (`mmops doctor --list-rules` lists them)"),
        );
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    if let Some(path) = &args.packet {
        let packet = match crate::packet::open::Packet::open(path) {
            Ok(packet) => packet,
            Err(err) => {
                super::print_error("mmops: ", &err.to_string());
                return Ok(ExitCode::from(EXIT_UNKNOWN));
            }
        };
        for problem in &packet.problems {
            eprintln!(
                "mmops: note: {}: {}",
                crate::text::inert(&problem.part),
                problem.message
            );
        }
        let facts =
            crate::doctor::from_packet::facts(&packet, chrono::Utc::now().timestamp_millis());
        return report_on(&facts, &selection, &args);
    }
    let client = match resolved
        .connection
        .as_ref()
        .map(|spec| MmClient::new(spec, ClientOptions::default()))
        .transpose()
    {
        Ok(client) => client,
        Err(err) => {
            super::print_error("mmops: ", &err.to_string());
            return Ok(ExitCode::from(EXIT_UNKNOWN));
        }
    };
    if client.is_none() && resolved.mm_home.is_none() && resolved.db_url.is_none() {
        super::print_error(
            "mmops: ",
            "nothing to check: give a server (--url, --local, a profile), the install directory (--mm-home) or the database (--db-url)",
        );
        return Ok(ExitCode::from(EXIT_UNKNOWN));
    }
    let runtime = super::runtime()?;
    let mut facts = runtime.block_on(gather(Sources {
        client: client.as_ref(),
        home: resolved.mm_home.as_ref(),
        db_url: resolved.db_url.as_ref(),
        now_ms: chrono::Utc::now().timestamp_millis(),
    }));
    facts.capture = client.as_ref().and_then(|client| {
        crate::capture::CaptureFile::in_dir(&resolved.paths.state_dir)
            .load()
            .ok()
            .flatten()
            .filter(|c| c.server == client.display_name())
    });
    report_on(&facts, &selection, &args)
}

fn report_on(
    facts: &crate::doctor::Facts,
    selection: &Selection,
    args: &DoctorArgs,
) -> color_eyre::Result<ExitCode> {
    if args.telemetry {
        let telemetry = telemetry::report(facts);
        let text = if args.json {
            format!("{:#}\n", serde_json::to_value(&telemetry)?)
        } else {
            telemetry::text(&telemetry)
        };
        super::emit(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let diagnosis = diagnose(facts, selection);
    let text = if args.json {
        format!("{:#}\n", report::json(&diagnosis))
    } else if args.nagios {
        format!("{}\n", report::nagios(&diagnosis))
    } else {
        report::text(&diagnosis, terminal_width())
    };
    super::emit(&text)?;
    if diagnosis.findings.is_empty() && diagnosis.passed.is_empty() {
        return Ok(ExitCode::from(EXIT_UNKNOWN));
    }
    Ok(ExitCode::from(diagnosis.exit_code()))
}

fn terminal_width() -> usize {
    if std::io::stdout().is_terminal() {
        crossterm::terminal::size()
            .map(|(w, _)| usize::from(w))
            .unwrap_or(100)
    } else {
        100
    }
}
