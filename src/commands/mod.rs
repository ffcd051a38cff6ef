//! The subcommands. Each returns an exit code; errors are reported here, on stderr, once.

mod console;
mod demo;
mod info;
mod login;

use std::process::ExitCode;

use color_eyre::eyre::Report;

use crate::cli::{Cli, Command};
use crate::config::Resolved;

/// Exit code for bad usage or configuration.
pub const EXIT_USAGE: u8 = 2;

pub fn dispatch(cli: Cli) -> ExitCode {
    let resolved = match Resolved::resolve(&cli.global) {
        Ok(resolved) => resolved,
        Err(err) => {
            eprintln!("mmops: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    crate::app_log::init(&resolved.paths.state_dir);
    tracing::info!(
        version = crate::build_info::VERSION_WITH_REVISION,
        "mmops starting"
    );
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

/// Prints an error and its causes on one line each, without a backtrace.
fn report(err: &Report) {
    tracing::error!("{err:#}");
    eprintln!("mmops: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

fn runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("mmops-worker")
        .build()?)
}
