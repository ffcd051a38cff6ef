//! `mmops fleet`: the console's fleet view over the config file's profiles, or with `--json` /
//! `--table` (or without a terminal) every server asked once, printed worst first, the exit
//! status by the worst (0 ok, 1 warning, 2 critical, 3 unknown).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::bail;

use crate::cli::{FleetArgs, GlobalOpts};
use crate::config::settings::{Profile, Settings};
use crate::config::{Paths, Resolved};
use crate::error::Error;
use crate::fleet::profiles::{ProfileFields, members};
use crate::fleet::{Health, Options, Summary, refresh_all, worst_first};
use crate::mm::{ClientOptions, MmClient};
use crate::text::inert;
use crate::tui::env::FleetLaunch;

pub fn run(
    resolved: Resolved,
    global: &GlobalOpts,
    args: FleetArgs,
) -> color_eyre::Result<ExitCode> {
    let options = Options {
        concurrency: args.concurrency.max(1),
        deadline: Duration::from_secs(args.deadline),
        data_dir: Some(resolved.paths.data_dir.clone()),
        now_ms: chrono::Utc::now().timestamp_millis(),
    };
    let headless = args.json || args.table || !std::io::stdout().is_terminal();
    if !headless {
        return console(&resolved, global, options);
    }
    let members = members(&resolved);
    if members.is_empty() {
        bail!(
            "no profiles in {}: add [profiles.NAME] sections (see the README's Profiles), or press a in the fleet view",
            resolved.paths.config_file.display()
        );
    }
    let runtime = super::runtime()?;
    let now_ms = options.now_ms;
    let mut summaries = runtime.block_on(refresh_all(members, options));
    worst_first(&mut summaries, now_ms);
    let worst = summaries
        .iter()
        .map(|s| s.health(now_ms))
        .min()
        .unwrap_or(Health::Unknown);
    let text = if args.json {
        format!("{:#}\n", json(&summaries, worst, now_ms))
    } else {
        table(&summaries, now_ms)
    };
    super::emit(&text)?;
    Ok(ExitCode::from(worst.exit_code()))
}

/// `mmops.fleet/1`: the servers worst first, each with its health.
pub fn json(summaries: &[Summary], worst: Health, now_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "schema": "mmops.fleet/1",
        "generated_at": crate::timefmt::rfc3339_ms(now_ms),
        "worst": worst,
        "servers": summaries.iter().map(|s| {
            let mut value = serde_json::to_value(s).unwrap_or_default();
            value["health"] = serde_json::to_value(s.health(now_ms)).unwrap_or_default();
            value
        }).collect::<Vec<_>>(),
    })
}

fn table(summaries: &[Summary], now_ms: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:<16} {:<14} {:<9} {:<8} {:<10} {:<8} {:<8} {:<11} {:<7} URL",
        "HEALTH",
        "PROFILE",
        "STATE",
        "VERSION",
        "DOCTOR",
        "PLUGINS",
        "NODES",
        "ERR/MIN",
        "LICENCE",
        "INVITES"
    );
    for s in summaries {
        let state = match (&s.state, s.rtt_ms) {
            (crate::fleet::State::Ok, Some(rtt)) => format!("up {rtt} ms"),
            (state, _) => state.label().to_string(),
        };
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{:<9} {:<16} {:<14} {:<9} {:<8} {:<10} {:<8} {:<8} {:<11} {:<7} {}",
            format!("{:?}", s.health(now_ms)).to_lowercase(),
            inert(&s.name),
            state,
            dash(s.version.as_deref().map(|v| inert(v).into_owned())),
            dash(
                s.critical
                    .zip(s.warnings)
                    .map(|(c, w)| format!("{c}C {w}W"))
            ),
            dash(s.plugins_failing.map(|n| format!("{n} failing"))),
            dash(s.nodes_up.map(|n| if s.drift.is_empty() {
                n.to_string()
            } else {
                format!("{n} drift")
            })),
            dash(s.errors_per_minute.map(|e| format!("{e:.1}"))),
            dash(s.licence_expires_ms.map(|at| if at <= now_ms {
                "expired".to_string()
            } else {
                crate::timefmt::utc_date(at)
            })),
            dash(s.pending_invites.map(|n| n.to_string())),
            inert(&s.target)
        );
        if let Some(detail) = s.state.detail() {
            let _ = writeln!(out, "          {}", inert(detail));
        }
    }
    out
}

/// The console with the fleet view open, over the default profile's server if there is one.
fn console(
    resolved: &Resolved,
    global: &GlobalOpts,
    options: Options,
) -> color_eyre::Result<ExitCode> {
    let mut launch = super::console::launch(
        resolved,
        resolved.connection.as_ref(),
        resolved.mm_home.clone(),
    )?;
    launch.fleet = Some(fleet_launch(&resolved.paths, global, options, true));
    let runtime = super::runtime()?;
    let code = super::console::open(launch, resolved.settings.ui.frame_rate, &runtime);
    super::console::leave(runtime);
    code
}

/// The options that resolve profile `name` of the config file, as `--profile name` would.
fn profile_opts(global: &GlobalOpts, paths: &Paths, name: Option<&str>) -> GlobalOpts {
    GlobalOpts {
        profile: name.map(str::to_string),
        config: Some(paths.config_file.clone()),
        theme: global.theme.clone(),
        ..GlobalOpts::default()
    }
}

/// What the fleet view needs: the profiles, how to open one, how to check a form.
pub fn fleet_launch(
    paths: &Paths,
    global: &GlobalOpts,
    options: Options,
    open_at_start: bool,
) -> FleetLaunch {
    let words = |e: &dyn std::fmt::Display| Error::Words(e.to_string());
    let members_paths = paths.clone();
    let members_opts = profile_opts(global, paths, None);
    let connect_paths = paths.clone();
    let connect_global = global.clone();
    let validate_paths = paths.clone();
    FleetLaunch {
        paths: paths.clone(),
        members: Arc::new(move || {
            let resolved =
                Resolved::resolve(&members_opts, members_paths.clone()).map_err(|e| words(&e))?;
            Ok(members(&resolved))
        }),
        connect: Arc::new(move |name: &str| {
            let opts = profile_opts(&connect_global, &connect_paths, Some(name));
            let resolved =
                Resolved::resolve(&opts, connect_paths.clone()).map_err(|e| words(&e))?;
            let Some(connection) = resolved.connection.clone() else {
                return Err(Error::Words(format!(
                    "profile {name} names no url or local_socket"
                )));
            };
            let mut launch =
                super::console::launch(&resolved, Some(&connection), resolved.mm_home.clone())
                    .map_err(|e| words(&e))?;
            launch.server_label = format!("{name} · {}", launch.server_label);
            let watchdog_opts = opts.clone();
            launch.capture.watchdog = Some(Arc::new(move |id: &str| {
                super::capture::spawn_watchdog(&watchdog_opts, id)
            }));
            Ok(launch)
        }),
        validate: Arc::new(move |fields: ProfileFields| {
            let paths = validate_paths.clone();
            Box::pin(async move { validate(&paths, &fields).await })
        }),
        options,
        open_at_start,
        kept: Arc::default(),
    }
}

/// Connects with a form's settings as the saved profile would: the server must answer, and
/// with a token, say who it belongs to.
async fn validate(paths: &Paths, fields: &ProfileFields) -> Result<String, Error> {
    let words = |e: &dyn std::fmt::Display| Error::Words(e.to_string());
    let none_if_empty = |text: &str| (!text.is_empty()).then(|| text.to_string());
    let profile = Profile {
        url: none_if_empty(&fields.url),
        token_file: none_if_empty(&fields.token_file).map(Into::into),
        local_socket: none_if_empty(&fields.local_socket).map(Into::into),
        mm_home: none_if_empty(&fields.mm_home).map(Into::into),
        db_url_env: none_if_empty(&fields.db_url_env),
        ..Profile::default()
    };
    let settings = Settings {
        profiles: [(fields.name.clone(), profile)].into_iter().collect(),
        ..Settings::default()
    };
    let opts = GlobalOpts {
        profile: Some(fields.name.clone()),
        ..GlobalOpts::default()
    };
    let resolved = Resolved::resolve_with(&opts, paths.clone(), settings, None, None)
        .map_err(|e| words(&e))?;
    let spec = resolved
        .connection
        .ok_or_else(|| Error::Words("give a URL or a local socket".into()))?;
    let client = MmClient::new(
        &spec,
        ClientOptions {
            total_timeout: Duration::from_secs(10),
            ..ClientOptions::default()
        },
    )?;
    client.ping(false).await?;
    if client.is_local() {
        return Ok(format!("the local socket {}", fields.local_socket));
    }
    // No token yet: the server answers, and `mmops login --profile NAME` gives the session.
    if !client.has_token() {
        return Ok(format!(
            "{} (no token yet: mmops login --profile {})",
            spec.display_name(),
            fields.name
        ));
    }
    let me = client.me().await?;
    Ok(format!("{} as {}", spec.display_name(), me.username))
}
