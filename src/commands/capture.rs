//! `mmops capture start|stop|restore|status`: the console's `R` from the command line. The
//! start leaves a watchdog process behind that puts the levels back at the time limit if no
//! `stop` came first; any mmops that starts later names a capture whose mmops died.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::capture::{Capture, CaptureError, CaptureFile, Outcome, Plan, Start, Stopped};
use crate::cli::{CaptureCommand, CaptureStartArgs, CaptureStopArgs, GlobalOpts};
use crate::config::Resolved;
use crate::mm::{ClientOptions, MmClient};
use crate::text::inert;
use crate::timefmt::{duration_ms, utc_clock};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn run(
    resolved: Resolved,
    global: &GlobalOpts,
    command: CaptureCommand,
) -> color_eyre::Result<ExitCode> {
    let file = CaptureFile::in_dir(&resolved.paths.state_dir);
    match command {
        CaptureCommand::Start(args) => start(&resolved, global, &file, &args),
        CaptureCommand::Stop(args) => stop(&resolved, &file, &args),
        CaptureCommand::Restore => restore_only(&resolved, &file),
        CaptureCommand::Status => status(&file),
        CaptureCommand::Watch { id } => watch(&resolved, &file, &id),
    }
}

fn client(resolved: &Resolved) -> color_eyre::Result<MmClient> {
    let Some(spec) = resolved.connection.as_ref() else {
        bail!(
            "a capture changes the server's log level: give a server (--url, --local, a profile)"
        );
    };
    Ok(MmClient::new(spec, ClientOptions::default())?)
}

/// The client for the capture's own server; another server's is refused by name.
fn client_for(resolved: &Resolved, capture: &Capture) -> color_eyre::Result<MmClient> {
    let client = client(resolved)?;
    if client.display_name() != capture.server {
        bail!(
            "the capture is on {}, not {}: run this with that server's options{}",
            inert(&capture.server),
            inert(client.display_name()),
            capture
                .profile
                .as_deref()
                .map(|p| format!(" (--profile {})", inert(p)))
                .unwrap_or_default()
        );
    }
    Ok(client)
}

/// What the start will do, in the words the console's dialog uses too.
pub fn describe_plan(plan: &Plan, max_minutes: u32, now_ms: i64) -> String {
    let mut out = format!(
        "Capture on {} ({}), as {}:\n",
        inert(&plan.server),
        plan.nodes
            .iter()
            .map(|n| inert(n))
            .collect::<Vec<_>>()
            .join(", "),
        inert(&plan.by)
    );
    let changes = plan.changes();
    for change in &changes {
        out.push_str(&format!(
            "  {}  {} -> {}  (PUT /api/v4/config/patch with that setting only)\n",
            change.setting,
            inert(&change.before),
            change.during
        ));
    }
    if let Some(why) = plan.at_current_level() {
        let level = plan
            .levels
            .iter()
            .find(|l| l.raise)
            .and_then(|l| l.value.clone())
            .unwrap_or_else(|| "unknown".into());
        out.push_str(&format!(
            "  mmops will not change the level: {why}.\n  The capture runs at the current level ({}): the start is marked, the window's lines go in the packet.\n",
            inert(&level)
        ));
    }
    let deadline = now_ms + i64::from(max_minutes) * 60_000;
    if !changes.is_empty() {
        out.push_str(&format!(
            "  Put back at `mmops capture stop`, or by mmops itself at {} ({max_minutes} min). Nothing else in the config is touched.\n",
            utc_clock(deadline)
        ));
    }
    out
}

fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes")
}

fn start(
    resolved: &Resolved,
    global: &GlobalOpts,
    file: &CaptureFile,
    args: &CaptureStartArgs,
) -> color_eyre::Result<ExitCode> {
    if let Some(running) = file.load()? {
        bail!(
            "a capture on {} is already running (since {}); stop it first with `mmops capture stop`",
            inert(&running.server),
            utc_clock(running.started_ms)
        );
    }
    let client = client(resolved)?;
    let runtime = super::runtime()?;
    let plan = runtime.block_on(crate::capture::plan(&client))?;
    let max_minutes = args
        .max_minutes
        .unwrap_or(resolved.settings.capture.max_minutes)
        .max(1);
    let now = now_ms();
    eprint!("{}", describe_plan(&plan, max_minutes, now));
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("not started: add --yes to start without asking");
        }
        if !ask("Start the capture?") {
            eprintln!("mmops: not started");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let how = Start {
        now_ms: now,
        max_minutes,
        owner_pid: 0,
        file_marks: crate::capture::file_marks(resolved.mm_home.as_ref()),
        at_current_level: args
            .at_current_level
            .then(|| "asked for with --at-current-level".to_string()),
        profile: resolved.profile.clone(),
    };
    let mut capture = match runtime.block_on(crate::capture::start(&client, &plan, how, file)) {
        Ok(capture) => capture,
        Err(CaptureError::Api(err)) => {
            return Err(eyre!(err)).wrap_err(
                "the level was not changed; `mmops capture start --at-current-level` captures without changing it",
            );
        }
        Err(err) => return Err(err.into()),
    };
    match spawn_watchdog(global, &capture.id) {
        Ok(pid) => {
            capture.owner_pid = pid;
            file.save(&capture)?;
        }
        Err(err) => eprintln!(
            "mmops: warning: the watchdog that keeps the time limit did not start ({err}): stop the capture yourself"
        ),
    }
    println!(
        "capture started {}: {}; stop it with `mmops capture stop`{}",
        utc_clock(capture.started_ms),
        inert(&capture.headline()),
        if capture.changes.is_empty() {
            String::new()
        } else {
            format!(
                "; the level goes back by itself at {}",
                utc_clock(capture.deadline_ms)
            )
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Starts `mmops capture watch ID` in its own session, detached from the terminal.
pub fn spawn_watchdog(global: &GlobalOpts, id: &str) -> std::io::Result<u32> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command
        .args(global.connection_args())
        .args(["capture", "watch", id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let child = command.spawn()?;
    Ok(child.id())
}

fn print_outcomes(stopped: &Stopped) {
    for outcome in &stopped.outcomes {
        println!("{}", inert(&outcome.describe()));
    }
    if stopped.outcomes.is_empty() {
        println!("nothing to put back: the capture ran at the current level");
    }
}

fn stop(
    resolved: &Resolved,
    file: &CaptureFile,
    args: &CaptureStopArgs,
) -> color_eyre::Result<ExitCode> {
    let Some(capture) = file.load()? else {
        bail!("no capture is running");
    };
    let client = client_for(resolved, &capture)?;
    let dir = match &args.output {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().wrap_err("cannot tell the current directory")?,
    };
    if !args.no_packet && !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let runtime = super::runtime()?;
    let stopped = runtime
        .block_on(crate::capture::restore(&client, &capture, now_ms(), file))
        .wrap_err("the levels were not put back; the capture is still recorded: try again, or `mmops capture restore`")?;
    print_outcomes(&stopped);
    println!(
        "capture stopped after {}",
        duration_ms(stopped.stopped_ms - capture.started_ms)
    );
    if args.no_packet {
        return Ok(ExitCode::SUCCESS);
    }
    let description = match &args.description {
        Some(text) => text.clone(),
        None if std::io::stdin().is_terminal() => {
            eprint!("What did you reproduce? (one line, for capture.yaml) ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            line.trim().to_string()
        }
        None => String::new(),
    };
    let options = crate::packet::Options {
        include_logs: true,
        privacy: args.privacy,
        cpu_profile_seconds: args.cpu_profile_seconds,
    };
    let prepared = runtime.block_on(capture_packet(
        resolved,
        Some(&client),
        &stopped,
        &description,
        options,
    ));
    super::packet::write_with_progress(prepared, &dir, &runtime)
}

/// The normal packet plus the capture's files.
async fn capture_packet(
    resolved: &Resolved,
    client: Option<&MmClient>,
    stopped: &Stopped,
    description: &str,
    options: crate::packet::Options,
) -> crate::packet::Prepared {
    let sources = crate::packet::collect::Sources {
        client,
        mm_home: resolved.mm_home.as_ref(),
        db_url: resolved.db_url.as_ref(),
    };
    let (collected, files) = crate::capture::gather(sources, stopped, description).await;
    let mut prepared = crate::packet::prepare(&collected, options, stopped.stopped_ms);
    prepared.add_capture(&files);
    prepared
}

fn restore_only(resolved: &Resolved, file: &CaptureFile) -> color_eyre::Result<ExitCode> {
    let Some(capture) = file.load()? else {
        println!("no capture to restore");
        return Ok(ExitCode::SUCCESS);
    };
    let client = client_for(resolved, &capture)?;
    let runtime = super::runtime()?;
    let stopped = runtime
        .block_on(crate::capture::restore(&client, &capture, now_ms(), file))
        .wrap_err("the levels were not put back; the capture is still recorded")?;
    print_outcomes(&stopped);
    Ok(ExitCode::SUCCESS)
}

fn status(file: &CaptureFile) -> color_eyre::Result<ExitCode> {
    let Some(capture) = file.load()? else {
        println!("no capture is running");
        return Ok(ExitCode::SUCCESS);
    };
    let now = now_ms();
    println!(
        "capture on {} since {} ({}): {}; by {}",
        inert(&capture.server),
        utc_clock(capture.started_ms),
        duration_ms(now - capture.started_ms),
        inert(&capture.headline()),
        inert(&capture.by)
    );
    if let Some(note) = unfinished_note(&capture, now) {
        println!("{note}");
    } else if !capture.changes.is_empty() {
        println!(
            "the level goes back by itself at {}",
            utc_clock(capture.deadline_ms)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What to say of a capture nobody is keeping any more.
pub fn unfinished_note(capture: &Capture, now_ms: i64) -> Option<String> {
    let what = if capture.changes.is_empty() {
        "a capture".to_string()
    } else {
        format!("a capture left {}", capture.headline())
    };
    if !capture.owner_alive() {
        Some(format!(
            "{what} since {} and the mmops that kept it stopped before putting the level back: `mmops capture restore` does",
            utc_clock(capture.started_ms)
        ))
    } else if capture.is_overdue(now_ms) {
        Some(format!(
            "{what} past its time limit ({}): `mmops capture restore` puts the level back",
            utc_clock(capture.deadline_ms)
        ))
    } else {
        None
    }
}

/// Said on stderr by every command when a capture was left unfinished.
pub fn note_unfinished(resolved: &Resolved) {
    let file = CaptureFile::in_dir(&resolved.paths.state_dir);
    match file.load() {
        Ok(Some(capture)) => {
            if let Some(note) = unfinished_note(&capture, now_ms()) {
                super::print_error("mmops: note: ", &format!("{note} (on {})", capture.server));
            }
        }
        Ok(None) => {}
        Err(err) => super::print_error("mmops: note: ", &err.to_string()),
    }
}

/// The watchdog: waits for the capture's deadline and then puts the levels back, unless the
/// capture was stopped first.
fn watch(resolved: &Resolved, file: &CaptureFile, id: &str) -> color_eyre::Result<ExitCode> {
    let runtime = super::runtime()?;
    let mut unreadable = 0;
    loop {
        let capture = match file.load() {
            Ok(Some(capture)) if capture.id == id => capture,
            // Stopped, or another capture now: nothing left to keep.
            Ok(_) => return Ok(ExitCode::SUCCESS),
            // A record being rewritten, or unreadable for a moment: look again.
            Err(err) if unreadable < 120 => {
                tracing::debug!("capture {id}: {err}");
                unreadable += 1;
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        unreadable = 0;
        let now = now_ms();
        // A console that keeps the capture puts the levels back itself: its watchdog gives it
        // a minute before stepping in.
        let grace = if capture.owner_pid != std::process::id() && capture.owner_alive() {
            60_000
        } else {
            0
        };
        if capture.is_overdue(now - grace) {
            let client = client_for(resolved, &capture)?;
            // A server that does not answer now may answer in a moment: keep trying a while.
            for attempt in 0..30 {
                match runtime.block_on(crate::capture::restore(&client, &capture, now_ms(), file)) {
                    Ok(stopped) => {
                        tracing::info!(
                            "capture {id}: time limit reached; {}",
                            stopped
                                .outcomes
                                .iter()
                                .map(Outcome::describe)
                                .collect::<Vec<_>>()
                                .join("; ")
                        );
                        return Ok(ExitCode::SUCCESS);
                    }
                    Err(err) => {
                        tracing::warn!("capture {id}: restore attempt {attempt} failed: {err}");
                        std::thread::sleep(Duration::from_secs(10));
                    }
                }
            }
            bail!("capture {id}: the level could not be put back");
        }
        let left = Duration::from_millis((capture.deadline_ms + grace - now).max(0) as u64);
        std::thread::sleep(left.min(Duration::from_secs(2)));
    }
}
