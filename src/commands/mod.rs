//! The subcommands. Each returns an exit code; errors are reported here, on stderr, once.

mod capture;
mod console;
mod demo;
mod docs;
mod doctor;
pub mod fleet;
mod info;
mod invites;
mod login;
mod logs;
mod open;
mod packet;

use std::process::ExitCode;

use color_eyre::eyre::Report;

use crate::cli::{Cli, Command, InvitesCommand};
use crate::config::{Paths, Resolved};
use crate::text::{inert, local_lines};

/// Exit code for bad usage or configuration.
pub const EXIT_USAGE: u8 = 2;

/// Options that would be silently ignored are refused instead.
fn check_options(cli: &Cli) -> Result<(), String> {
    let g = &cli.global;
    if g.local.is_some() && g.url.is_some() {
        return Err("--local and --url name two different servers: give one".to_string());
    }
    let own_source = match &cli.command {
        Some(Command::Demo(_)) => Some((
            "demo",
            "which runs its own server (use --host-dir for its files)",
        )),
        Some(Command::Open(_)) => Some(("open", "which reads the packet instead of a server")),
        _ => None,
    };
    if let Some((command, why)) = own_source {
        let ignored = [
            ("--url", g.url.is_some()),
            ("--token-file", g.token_file.is_some()),
            ("--local", g.local.is_some()),
            ("--mm-home", g.mm_home.is_some()),
        ];
        if let Some((name, _)) = ignored.iter().find(|(_, given)| *given) {
            return Err(format!("{name} does not apply to `mmops {command}`, {why}"));
        }
    }
    Ok(())
}

pub fn dispatch(cli: Cli) -> ExitCode {
    if let Err(err) = check_options(&cli) {
        print_error("mmops: ", &err);
        return ExitCode::from(EXIT_USAGE);
    }
    // Generated documentation needs no configuration, and must work where mmops is not set up.
    let command = match cli.command {
        Some(Command::Completions(args)) => return finish(docs::completions(&args)),
        Some(Command::Man(args)) => return finish(docs::man(&args)),
        Some(Command::Keymap) => return finish(docs::keymap()),
        Some(Command::Doctor(args)) if args.list_rules => return finish(doctor::list_rules(&args)),
        other => other,
    };
    // The log comes first, so warnings about unreadable credential files are kept.
    let paths = Paths::resolve(cli.global.config.as_deref());
    crate::app_log::init(&paths.state_dir);
    tracing::info!(
        version = crate::build_info::VERSION_WITH_REVISION,
        "mmops starting"
    );
    let resolved = match Resolved::resolve(&cli.global, paths.clone()) {
        Ok(resolved) => resolved,
        Err(err) => {
            // `info` is what one runs to find out what is wrong: show the paths anyway.
            if matches!(command, Some(Command::Info)) {
                let _ = emit(&info::paths_report(&paths));
            }
            print_error("mmops: ", &err.to_string());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // A capture whose mmops died is named by whatever mmops starts next (the console offers to
    // put its levels back in a dialog instead).
    if !matches!(command, None | Some(Command::Capture(_) | Command::Demo(_))) {
        capture::note_unfinished(&resolved);
    }
    let result = match command {
        Some(Command::Fleet(args)) => fleet::run(resolved, &cli.global, args),
        Some(Command::Capture(capture_command)) => {
            capture::run(resolved, &cli.global, capture_command)
        }
        None => console::run(resolved, cli.global),
        Some(Command::Demo(args)) => demo::run(resolved, args),
        Some(Command::Login(args)) => login::run(resolved, args),
        Some(Command::Info) => info::run(resolved),
        Some(Command::Logs(args)) => logs::run(resolved, args),
        Some(Command::Packet(args)) => packet::run(resolved, args),
        Some(Command::Doctor(args)) => doctor::run(resolved, args),
        Some(Command::Open(args)) => open::run(resolved, args),
        Some(Command::Invite(args)) => invites::invite(resolved, args),
        Some(Command::Invites(InvitesCommand::List(args))) => invites::list(resolved, args),
        Some(Command::Invites(InvitesCommand::Sync(args))) => invites::sync(resolved, args),
        Some(Command::Invites(InvitesCommand::Members(args))) => invites::members(resolved, args),
        Some(Command::Invites(InvitesCommand::Invalidate(args))) => {
            invites::invalidate(resolved, args)
        }
        Some(Command::Completions(_) | Command::Man(_) | Command::Keymap) => Ok(ExitCode::SUCCESS),
    };
    finish(result)
}

fn finish(result: color_eyre::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            ExitCode::FAILURE
        }
    }
}

/// Writes command output to stdout. A closed pipe (`mmops info | head -3`) is not an error:
/// the reader has all it wanted.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints an error and its causes, without a backtrace. A cause the line before already
/// ends with (`nothing was sent: <the cause>`) is not printed again.
pub(crate) fn report(err: &Report) {
    tracing::error!("{}", inert(&format!("{err:#}")));
    let mut said = err.to_string();
    print_error("mmops: ", &said);
    for cause in err.chain().skip(1) {
        let words = cause.to_string();
        if !said.ends_with(&words) {
            print_error("  caused by: ", &words);
        }
        said = words;
    }
}

/// Prints an error message on stderr after `prefix`, keeping its line breaks (a TOML error
/// quotes the line with a caret under it) with the further lines under the first. Errors quote
/// the server only as flattened, inert text (see [`local_lines`]).
fn print_error(prefix: &'static str, message: &str) {
    let indent = " ".repeat(prefix.len());
    let mut lines = local_lines(message);
    eprintln!("{prefix}{}", lines.next().unwrap_or_default());
    for line in lines {
        if line.is_empty() {
            eprintln!();
        } else {
            eprintln!("{indent}{line}");
        }
    }
}

fn runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("mmops-worker")
        .build()?)
}
