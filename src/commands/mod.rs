//! The subcommands. Each returns an exit code; errors are reported here, on stderr, once.

mod console;
mod demo;
mod info;
mod login;

use std::process::ExitCode;

use color_eyre::eyre::Report;

use crate::cli::{Cli, Command};
use crate::config::{Paths, Resolved};
use crate::text::inert;

/// Exit code for bad usage or configuration.
pub const EXIT_USAGE: u8 = 2;

pub fn dispatch(cli: Cli) -> ExitCode {
    // The log comes first, so warnings about unreadable credential files are kept.
    let paths = Paths::resolve(cli.global.config.as_deref());
    crate::app_log::init(&paths.state_dir);
    tracing::info!(
        version = crate::build_info::VERSION_WITH_REVISION,
        "mmops starting"
    );
    let resolved = match Resolved::resolve(&cli.global, paths) {
        Ok(resolved) => resolved,
        Err(err) => {
            eprintln!("mmops: {}", inert(&err.to_string()));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = match cli.command {
        None => console::run(resolved),
        Some(Command::Demo(args)) => demo::run(resolved, args),
        Some(Command::Login(args)) => login::run(resolved, args),
        Some(Command::Info) => info::run(resolved),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            ExitCode::FAILURE
        }
    }
}

/// Prints an error and its causes on one line each, without a backtrace. Messages may quote
/// the server, so they are made inert first.
fn report(err: &Report) {
    tracing::error!("{}", inert(&format!("{err:#}")));
    eprintln!("mmops: {}", inert(&err.to_string()));
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {}", inert(&cause.to_string()));
    }
}

fn runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("mmops-worker")
        .build()?)
}
