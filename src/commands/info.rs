//! `mmops info`: where everything is, what mmops would connect to and whether that works.
//! Never prints a token. Exits non-zero when a configured server cannot be read.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::build_info;
use crate::config::credentials::{load_mmctl_active, mmctl_config_path};
use crate::config::{Paths, Resolved, Target};
use crate::mm::{ClientOptions, MmClient, RetryPolicy};
use crate::redact::redact_dsn;
use crate::text::one_line;
use crate::tui::keys::Keymap;
use crate::tui::theme::Theme;

fn exists(path: &Path) -> &'static str {
    if path.exists() { "" } else { " (not present)" }
}

/// The paths section; also printed when the configuration itself is broken.
pub fn paths_report(paths: &Paths) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "mmops {}", build_info::VERSION_WITH_REVISION);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "config file   {}{} [{}]",
        paths.config_file.display(),
        exists(&paths.config_file),
        paths.config_file_origin
    );
    let _ = writeln!(out, "config dir    {}", paths.config_dir.display());
    let keymap = paths.keymap_file();
    let keymap_state = match Keymap::load(&keymap) {
        Ok(_) => exists(&keymap).to_string(),
        Err(err) => format!(" (INVALID: {})", one_line(&err.to_string(), 200)),
    };
    let _ = writeln!(out, "keymap        {}{keymap_state}", keymap.display());
    let _ = writeln!(
        out,
        "themes dir    {}{}",
        paths.themes_dir().display(),
        exists(&paths.themes_dir())
    );
    let _ = writeln!(
        out,
        "sessions dir  {}{}",
        paths.sessions_dir().display(),
        exists(&paths.sessions_dir())
    );
    let _ = writeln!(
        out,
        "data dir      {}{}",
        paths.data_dir.display(),
        exists(&paths.data_dir)
    );
    let _ = writeln!(
        out,
        "state dir     {}{}",
        paths.state_dir.display(),
        exists(&paths.state_dir)
    );
    let _ = writeln!(out, "app log       {}", paths.log_file().display());
    if let Some(path) = mmctl_config_path().filter(|p| p.exists()) {
        let state = if load_mmctl_active(&path).is_some() {
            "has an active entry"
        } else {
            "no usable active entry (see mmops' log)"
        };
        let _ = writeln!(out, "mmctl creds   {} ({state})", path.display());
    }
    out
}

pub fn run(resolved: Resolved) -> color_eyre::Result<ExitCode> {
    let mut out = paths_report(&resolved.paths);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "profile       {}",
        resolved.profile.as_deref().unwrap_or("(none)")
    );
    let theme = match Theme::load(&resolved.theme, &resolved.paths.themes_dir(), false) {
        Ok(_) => resolved.theme.clone(),
        Err(err) => format!(
            "{} (INVALID: {})",
            resolved.theme,
            one_line(&err.to_string(), 200)
        ),
    };
    let _ = writeln!(out, "theme         {theme}");
    let _ = match &resolved.mm_home {
        Some(home) if !home.root.is_dir() => writeln!(
            out,
            "mm home       {} ({}; does not exist)",
            home.root.display(),
            home.origin
        ),
        Some(home) => writeln!(
            out,
            "mm home       {} ({})",
            home.root.display(),
            home.origin
        ),
        None => writeln!(
            out,
            "mm home       (none: no readable /opt/mattermost; use --mm-home)"
        ),
    };
    let _ = writeln!(
        out,
        "database      {}",
        match &resolved.db_url {
            Some(url) => redact_dsn(url.expose()),
            None => "(none)".to_string(),
        }
    );

    let Some(connection) = &resolved.connection else {
        let _ = writeln!(
            out,
            "server        (none: give --url, --local, a profile, or run `mmops login`)"
        );
        super::emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    };
    let _ = match &connection.target {
        Target::Remote { url } => {
            writeln!(out, "server        {}", url.as_str().trim_end_matches('/'))
        }
        Target::Local { socket } => {
            writeln!(out, "server        local mode over {}", socket.display())
        }
    };
    let _ = writeln!(out, "token         {}", connection.token_source);
    if connection.insecure {
        let _ = writeln!(
            out,
            "tls           INSECURE: certificates are not verified (--insecure)"
        );
    }
    // Show what is known before waiting on the network.
    super::emit(&out)?;
    out.clear();

    let options = ClientOptions {
        idle_timeout: Duration::from_secs(8),
        total_timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(4),
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
    };
    let client = MmClient::new(connection, options)?;
    let runtime = super::runtime()?;
    let (config, me) =
        runtime.block_on(async { tokio::join!(client.client_config(), client.me()) });
    let mut failed = false;
    match config {
        Ok(config) => {
            let version = one_line(config.version().unwrap_or("unknown"), 40);
            let build = config
                .build_number()
                .map(|b| format!(" build {}", one_line(b, 40)))
                .unwrap_or_default();
            let _ = writeln!(out, "version       Mattermost {version}{build}");
        }
        Err(err) => {
            failed = true;
            let _ = writeln!(
                out,
                "version       unknown: {}",
                one_line(&err.to_string(), 400)
            );
        }
    }
    let _ = match (me, client.is_local()) {
        (_, true) => writeln!(out, "user          (local mode: no user)"),
        (Ok(user), false) => writeln!(out, "user          {}", one_line(&user.username, 64)),
        (Err(err), false) => {
            failed = true;
            writeln!(
                out,
                "user          unknown: {}",
                one_line(&err.to_string(), 400)
            )
        }
    };
    super::emit(&out)?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
