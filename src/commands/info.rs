//! `mmops info`: where everything is and what mmops would connect to. Never prints a token.

use std::process::ExitCode;
use std::time::Duration;

use crate::build_info;
use crate::config::{Resolved, Target};
use crate::mm::{ClientOptions, MmClient, RetryPolicy};
use crate::redact::redact_dsn;
use crate::text::one_line;

pub fn run(resolved: Resolved) -> color_eyre::Result<ExitCode> {
    let paths = &resolved.paths;
    let exists = |p: &std::path::Path| if p.exists() { "" } else { " (not present)" };
    println!("mmops {}", build_info::VERSION_WITH_REVISION);
    println!();
    println!(
        "config file   {}{} [{}]",
        paths.config_file.display(),
        exists(&paths.config_file),
        paths.config_file_origin
    );
    println!("config dir    {}", paths.config_dir.display());
    println!(
        "keymap        {}{}",
        paths.keymap_file().display(),
        exists(&paths.keymap_file())
    );
    println!(
        "themes dir    {}{}",
        paths.themes_dir().display(),
        exists(&paths.themes_dir())
    );
    println!(
        "sessions dir  {}{}",
        paths.sessions_dir().display(),
        exists(&paths.sessions_dir())
    );
    println!(
        "data dir      {}{}",
        paths.data_dir.display(),
        exists(&paths.data_dir)
    );
    println!(
        "state dir     {}{}",
        paths.state_dir.display(),
        exists(&paths.state_dir)
    );
    println!("app log       {}", paths.log_file().display());
    println!();
    println!(
        "profile       {}",
        resolved.profile.as_deref().unwrap_or("(none)")
    );
    println!("theme         {}", resolved.theme);
    match &resolved.mm_home {
        Some(home) => println!("mm home       {} ({})", home.root.display(), home.origin),
        None => println!("mm home       (none: /opt/mattermost is not readable; use --mm-home)"),
    }
    println!(
        "database      {}",
        match &resolved.db_url {
            Some(url) => redact_dsn(url.expose()),
            None => "(none)".to_string(),
        }
    );

    let Some(connection) = &resolved.connection else {
        println!("server        (none: give --url, --local, a profile, or run `mmops login`)");
        return Ok(ExitCode::SUCCESS);
    };
    match &connection.target {
        Target::Remote { url } => println!("server        {}", url.as_str().trim_end_matches('/')),
        Target::Local { socket } => println!("server        local mode over {}", socket.display()),
    }
    println!("token         {}", connection.token_source);
    if connection.insecure {
        println!("tls           INSECURE: certificates are not verified (--insecure)");
    }

    let options = ClientOptions {
        timeout: Duration::from_secs(8),
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
    match config {
        Ok(config) => {
            let version = one_line(config.version().unwrap_or("unknown"), 40);
            let build = config
                .build_number()
                .map(|b| format!(" build {}", one_line(b, 40)))
                .unwrap_or_default();
            println!("version       Mattermost {version}{build}");
        }
        Err(err) => println!("version       unknown: {}", one_line(&err.to_string(), 400)),
    }
    match (me, client.is_local()) {
        (_, true) => println!("user          (local mode: no user)"),
        (Ok(user), false) => println!("user          {}", one_line(&user.username, 64)),
        (Err(err), false) => println!("user          unknown: {}", one_line(&err.to_string(), 400)),
    }
    Ok(ExitCode::SUCCESS)
}
