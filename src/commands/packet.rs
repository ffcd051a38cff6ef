//! `mmops packet`: a support packet written from the command line, with the same sources and
//! the same sanitizing as the console's `p`. Prints where it went and what is in it.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use color_eyre::eyre::{WrapErr, bail};

use crate::cli::{PacketArgs, PacketCommand, PacketDiffArgs};
use crate::config::Resolved;
use crate::mm::{ClientOptions, MmClient};
use crate::packet::archive::{ArchiveError, Control};
use crate::packet::collect::{Sources, collect};
use crate::packet::{Options, Summary, prepare, write};
use crate::text::inert;
use crate::timefmt::{bytes, count};

/// 128 + SIGINT, as shells report an interrupted command.
const EXIT_INTERRUPTED: u8 = 130;

pub fn run(resolved: Resolved, args: PacketArgs) -> color_eyre::Result<ExitCode> {
    if let Some(PacketCommand::Diff(diff)) = &args.command {
        return compare(&resolved, diff);
    }
    let dir = match &args.output {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().wrap_err("cannot tell the current directory")?,
    };
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    // The path printed at the end is the full one, whatever was given.
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let client = resolved
        .connection
        .as_ref()
        .map(|spec| MmClient::new(spec, ClientOptions::default()))
        .transpose()?;
    if client.is_none() && resolved.mm_home.is_none() {
        bail!(
            "nothing to build a packet from: give a server (--url, --local, a profile) or the install directory (--mm-home)"
        );
    }
    let runtime = super::runtime()?;
    let collected = runtime.block_on(collect(Sources {
        client: client.as_ref(),
        mm_home: resolved.mm_home.as_ref(),
        db_url: resolved.db_url.as_ref(),
    }));
    let options = Options {
        include_logs: !args.no_logs,
        privacy: args.privacy,
        cpu_profile_seconds: args.cpu_profile_seconds,
    };
    let prepared = prepare(&collected, options, chrono::Utc::now().timestamp_millis());
    write_with_progress(prepared, &dir, &runtime)
}

/// Writes a prepared packet into `dir` with a progress line on a terminal, Ctrl-C cancelling;
/// prints where it went and what is in it.
pub fn write_with_progress(
    prepared: crate::packet::Prepared,
    dir: &std::path::Path,
    runtime: &tokio::runtime::Runtime,
) -> color_eyre::Result<ExitCode> {
    if let Some(advice) = &prepared.advice {
        eprintln!("mmops: note: {advice}");
    }

    let total = prepared.total_bytes().max(1);
    let done = Arc::new(AtomicU64::new(0));
    let cancel = Arc::new(AtomicBool::new(false));
    let control = Control {
        cancel: Arc::clone(&cancel),
        progress: {
            let done = Arc::clone(&done);
            Arc::new(move |n| {
                done.fetch_add(n, Ordering::Relaxed);
            })
        },
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let (cancel, interrupted) = (Arc::clone(&cancel), Arc::clone(&interrupted));
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::Relaxed);
                cancel.store(true, Ordering::Relaxed);
            }
        });
    }
    let started = Instant::now();
    let show_progress = std::io::stderr().is_terminal();
    // The writer reports on a channel: the wait ends the moment it is done, and meanwhile
    // the progress line is redrawn five times a second.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    {
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            let result = write(&prepared, &dir, control);
            let _ = done_tx.send(result);
        });
    }
    let result = loop {
        match done_rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(result) => break result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if show_progress {
                    eprint!(
                        "\r\x1b[K{}",
                        progress_line(done.load(Ordering::Relaxed), total, started)
                    );
                }
            }
            // The writer died without a word: it panicked.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break Err(ArchiveError::Io {
                    context: "the packet writer stopped unexpectedly".into(),
                    source: std::io::Error::other("panic"),
                });
            }
        }
    };
    if show_progress {
        eprint!("\r\x1b[K");
    }
    match result {
        Ok(summary) => {
            super::emit(&report(&summary))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(ArchiveError::Cancelled) if interrupted.load(Ordering::Relaxed) => {
            eprintln!("mmops: interrupted; no packet was written");
            Ok(ExitCode::from(EXIT_INTERRUPTED))
        }
        Err(err) => Err(err).wrap_err(format!(
            "the support packet was not written in {}",
            dir.display()
        )),
    }
}

/// `writing  41%  420 MB of 1.0 GB  12 s left`
pub fn progress_line(done: u64, total: u64, started: Instant) -> String {
    let fraction = (done as f64 / total as f64).clamp(0.0, 1.0);
    let elapsed = started.elapsed().as_secs_f64();
    let left = if fraction > 0.01 {
        format!("  {:.0} s left", elapsed / fraction - elapsed)
    } else {
        String::new()
    };
    format!(
        "writing {:>3.0}%  {} of {}{left}",
        fraction * 100.0,
        bytes(done),
        bytes(total)
    )
}

fn report(summary: &Summary) -> String {
    let mut out = String::new();
    let written = &summary.written;
    let _ = writeln!(out, "{}", inert(&written.path.display().to_string()));
    let _ = writeln!(
        out,
        "  {} compressed, {} files:",
        bytes(written.size),
        written.entries.len()
    );
    for (name, size) in &written.entries {
        let _ = writeln!(out, "  {:>10}  {}", bytes(*size), inert(name));
    }
    let counts = &summary.log_counts;
    if counts.total() > 0 {
        let _ = writeln!(
            out,
            "  {} values in the logs replaced (see redactions.txt)",
            count(counts.total() as i64)
        );
    }
    if !summary.warnings.is_empty() {
        let _ = writeln!(
            out,
            "  {} things could not be collected (see warning.txt)",
            summary.warnings.len()
        );
    }
    out
}

/// `mmops packet diff A.zip B.zip`: both read side by side, then compared; with `--live`, A
/// against the server as it is now.
fn compare(resolved: &Resolved, args: &PacketDiffArgs) -> color_eyre::Result<ExitCode> {
    use crate::packet::compare::{difference, json_report, summarize, summarize_live, text_report};
    use crate::packet::open::Packet;
    let (a, b) = match (&args.b, args.live) {
        (Some(b_path), _) => {
            let (a, b) = std::thread::scope(|scope| {
                let a = scope.spawn(|| Packet::open(&args.a).map(|p| summarize(&p)));
                let b = scope.spawn(|| Packet::open(b_path).map(|p| summarize(&p)));
                (a.join(), b.join())
            });
            let (Ok(a), Ok(b)) = (a, b) else {
                bail!("reading a packet failed (see mmops' log)");
            };
            (a?, b?)
        }
        (None, _) => {
            let Some(spec) = resolved.connection.as_ref() else {
                bail!("--live compares with a server: give --url, --local or a profile");
            };
            let client = MmClient::new(spec, ClientOptions::default())?;
            let a = summarize(&Packet::open(&args.a)?);
            let runtime = super::runtime()?;
            let b = runtime.block_on(summarize_live(
                &client,
                chrono::Utc::now().timestamp_millis(),
            ));
            (a, b)
        }
    };
    let d = difference(&a, &b);
    let text = if args.json {
        format!("{:#}\n", json_report(&a, &b, &d))
    } else {
        text_report(&a, &b, &d)
    };
    super::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
