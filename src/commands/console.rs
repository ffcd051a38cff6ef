//! `mmops`: open the console on the resolved server.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::WrapErr;

use crate::cli::GlobalOpts;
use crate::config::settings::TimeZoneChoice;
use crate::config::{ConnectionSpec, Paths, Resolved, Target};
use crate::error::Error;
use crate::host::MmHome;
use crate::logs::feed::FeedOptions;
use crate::mm::{ClientOptions, MmClient};
use crate::tui::env::Reconnect;
use crate::tui::keys::Keymap;
use crate::tui::runtime::{self, Exit};
use crate::tui::tabs::invites::InvitesLaunch;
use crate::tui::tabs::logs::LogsLaunch;
use crate::tui::theme::{Theme, no_color_requested};
use crate::tui::{Clock, Launch};

pub fn run(resolved: Resolved, opts: GlobalOpts) -> color_eyre::Result<ExitCode> {
    let connection = resolved.connection.clone();
    let home = resolved.mm_home.clone();
    let mut launch = launch(&resolved, connection.as_ref(), home)?;
    launch.reconnect = Some(reconnect(opts.clone(), resolved.paths.clone()));
    launch.capture.watchdog = Some(Arc::new(move |id: &str| {
        super::capture::spawn_watchdog(&opts, id)
    }));
    let runtime = super::runtime()?;
    let code = open(launch, resolved.settings.ui.frame_rate, &runtime);
    leave(runtime);
    code
}

/// Once the console has closed, background reads still running (the doctor scanning a large
/// log) must not hold the exit: dropping the runtime would wait for them. Nothing they do
/// leaves a partial file behind (a packet is linked under its name only when complete).
pub fn leave(runtime: tokio::runtime::Runtime) {
    runtime.shutdown_timeout(std::time::Duration::from_millis(250));
}

/// Builds everything the console needs from the resolved configuration.
pub fn launch(
    resolved: &Resolved,
    connection: Option<&ConnectionSpec>,
    mm_home: Option<MmHome>,
) -> color_eyre::Result<Launch> {
    let theme = Theme::load(
        &resolved.theme,
        &resolved.paths.themes_dir(),
        no_color_requested(),
    )?;
    let keymap = Keymap::load(&resolved.paths.keymap_file())?;
    let client = connection
        .map(|spec| MmClient::new(spec, ClientOptions::default()))
        .transpose()
        .wrap_err("cannot create the API client")?;
    Ok(Launch {
        server_label: connection
            .map(ConnectionSpec::display_name)
            .unwrap_or_default(),
        // Only TLS can be insecure: an http:// URL has no certificate to skip.
        insecure: connection.is_some_and(|c| {
            c.insecure && matches!(&c.target, Target::Remote { url } if url.scheme() == "https")
        }),
        client,
        mm_home,
        theme,
        keymap,
        refresh_every: Duration::from_secs(resolved.settings.ui.refresh_secs.max(2)),
        clock: Clock::System,
        logs: logs_launch(resolved),
        token_source: connection
            .map(|c| c.token_source.to_string())
            .unwrap_or_default(),
        config_file: resolved.paths.config_file.display().to_string(),
        reconnect: None,
        packet: None,
        packet_dir: std::env::current_dir().wrap_err("cannot tell the current directory")?,
        snapshot_dir: crate::server_config::snapshot_dir(&resolved.paths.data_dir).join(
            // One directory per server, named after it.
            connection
                .map(ConnectionSpec::display_name)
                .unwrap_or_else(|| "install".to_string())
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>(),
        ),
        invites: InvitesLaunch {
            ledger: resolved.ledger.clone(),
            data_dir: Some(resolved.paths.data_dir.clone()),
            db_url: resolved.db_url.clone(),
            no_database: None,
        },
        capture: capture_launch(
            crate::capture::CaptureFile::in_dir(&resolved.paths.state_dir),
            resolved,
        ),
        fleet: None,
    })
}

/// Where captures are recorded, and the one recorded now (a corrupt record is reported on
/// stderr by the start-up note and left alone).
pub fn capture_launch(
    file: crate::capture::CaptureFile,
    resolved: &Resolved,
) -> crate::tui::env::CaptureLaunch {
    crate::tui::env::CaptureLaunch {
        found: file.load().ok().flatten(),
        file: Some(file),
        max_minutes: resolved.settings.capture.max_minutes.max(1),
        watchdog: None,
        profile: resolved.profile.clone(),
    }
}

/// Reads the credentials again (a new `mmops login` session, a fixed token file) and builds a
/// client on them.
fn reconnect(opts: GlobalOpts, paths: Paths) -> Reconnect {
    Arc::new(move || {
        let words = |e: &dyn std::fmt::Display| Error::Words(format!("credentials: {e}"));
        let resolved = Resolved::resolve(&opts, paths.clone()).map_err(|e| words(&e))?;
        let spec = resolved
            .connection
            .ok_or_else(|| words(&"no server is configured any more"))?;
        let client = MmClient::new(&spec, ClientOptions::default()).map_err(|e| words(&e))?;
        Ok((client, spec.token_source.to_string()))
    })
}

/// The Logs tab's sources and limits, from the command line and the config file.
pub fn logs_launch(resolved: &Resolved) -> LogsLaunch {
    let settings = &resolved.settings.logs;
    let mut feed = FeedOptions::default();
    feed.follow.initial_lines = settings.initial_lines;
    feed.poll.per_page = settings.rest_page.clamp(100, 10_000);
    LogsLaunch {
        files: resolved.log_files.clone(),
        buffer_entries: settings.buffer_entries.max(1000),
        feed,
        utc: settings.time == TimeZoneChoice::Utc,
    }
}

/// Runs the console until the user quits or a signal arrives.
pub fn open(
    launch: Launch,
    frame_rate: u32,
    rt: &tokio::runtime::Runtime,
) -> color_eyre::Result<ExitCode> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        color_eyre::eyre::bail!(
            "the console needs a terminal on stdout; for scripts, use the headless subcommands"
        );
    }
    let exit = rt
        .block_on(runtime::run(launch, frame_rate))
        .wrap_err("the terminal failed")?;
    tracing::info!(?exit, "console closed");
    Ok(match exit {
        Exit::User => ExitCode::SUCCESS,
        Exit::InputClosed => ExitCode::FAILURE,
        // The conventional 128 + signal number.
        Exit::Terminated => ExitCode::from(143),
        Exit::HangUp => ExitCode::from(129),
    })
}
