//! The `mmops` binary: parse the command line, install the error hooks, dispatch.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Fails only if a hook is already installed, which cannot happen this early.
    let _ = color_eyre::install();
    mmops::tui::terminal::install_panic_hook();
    mmops::commands::dispatch(mmops::cli::Cli::parse())
}
