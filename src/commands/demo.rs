//! `mmops demo`: the simulated server, alone (`--serve`) or with the console on it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::WrapErr;

use crate::cli::DemoArgs;
use crate::config::Resolved;
use crate::demo::logs::write_log as write_log_to;
use crate::demo::{DemoOptions, DemoServer, ServeBanner};
use crate::host::{HomeOrigin, MmHome};

pub fn run(resolved: Resolved, args: DemoArgs) -> color_eyre::Result<ExitCode> {
    if let Some(path) = &args.write_log {
        return write_log(path, args.size, args.seed);
    }
    let runtime = super::runtime()?;
    if let Some(dir) = &args.write_packet {
        return runtime.block_on(write_packets(dir, &args));
    }
    if args.serve {
        return runtime.block_on(serve(args));
    }
    if let Some(count) = args.fleet {
        return fleet(&resolved, usize::from(count), runtime);
    }
    let mut options = options(&args);
    // In-process, any free port will do unless one was asked for.
    options.addr = args
        .addr
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = runtime
        .block_on(DemoServer::start(options))
        .wrap_err("cannot start the demo server")?;
    let spec = server.connection(Some(&server.token))?;
    let home = MmHome::new(server.host_dir.clone(), HomeOrigin::Demo);
    let mut launch = super::console::launch(&resolved, Some(&spec), Some(home))?;
    // The demo's invitation history stays with the demo, not in the real data dir.
    if launch.invites.ledger.is_none() {
        launch.invites.ledger = Some(server.host_dir.join("mmops").join("ledger.sqlite"));
    }
    // A capture of the demo ends with the demo: its record stays in the demo's directory, and
    // no watchdog outlives it.
    launch.capture = super::console::capture_launch(
        crate::capture::CaptureFile::in_dir(&server.host_dir.join("mmops")),
        &resolved,
    );
    if resolved.db_url.is_none() {
        launch.invites.no_database =
            Some("the demo server has no database; its config names one it does not run".into());
    }
    let code = super::console::open(launch, resolved.settings.ui.frame_rate, &runtime);
    drop(server);
    super::console::leave(runtime);
    code
}

/// `--write-packet`: sample packets of every era from the demo's world.
async fn write_packets(dir: &Path, args: &DemoArgs) -> color_eyre::Result<ExitCode> {
    use crate::demo::support_packet::{PacketLayout, build_zip, node_logs, packet_files};
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    let mut options = options(args);
    options.live_logs = false;
    options.host_dir = None;
    let server = DemoServer::start(options)
        .await
        .wrap_err("cannot start the demo server")?;
    let shared = server.shared();
    let logs = node_logs(shared);
    let now_ms = shared.now_ms();
    let layouts: Vec<PacketLayout> = match args.layout {
        Some(layout) => vec![layout],
        None => PacketLayout::ALL.to_vec(),
    };
    for layout in layouts {
        let (name, zip) = {
            let world = shared
                .world
                .read()
                .map_err(|_| color_eyre::eyre::eyre!("the demo's world is unreadable"))?;
            let files = packet_files(&world, now_ms, layout, &logs);
            (
                layout.file_name(&world.license.company, now_ms),
                build_zip(&files)?,
            )
        };
        // Each layout in a folder of its own: two of them may share a name.
        let folder = dir.join(format!("layout-{}", layout.name()));
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(name);
        std::fs::write(&path, zip).wrap_err_with(|| format!("cannot write {}", path.display()))?;
        println!("{:<8} {}", layout.name(), path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--write-log`: a generated mattermost.log, for trying `--log-file` and for benchmarks.
fn write_log(path: &Path, size: u64, seed: u64) -> color_eyre::Result<ExitCode> {
    let end_ms = chrono::Utc::now().timestamp_millis();
    let written = if path == Path::new("-") {
        let stdout = std::io::stdout();
        write_log_to(&mut BufWriter::new(stdout.lock()), size, seed, end_ms)
    } else {
        let file =
            File::create(path).wrap_err_with(|| format!("cannot create {}", path.display()))?;
        write_log_to(
            &mut BufWriter::with_capacity(1 << 20, file),
            size,
            seed,
            end_ms,
        )
    };
    match written {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(err) => Err(err).wrap_err_with(|| format!("cannot write {}", path.display())),
    }
}

/// `mmops demo --fleet N`: the fleet view over N demo servers, each a profile of a config file
/// of its own; the keys, themes and the user's own profiles are left as they are.
fn fleet(
    resolved: &Resolved,
    count: usize,
    runtime: tokio::runtime::Runtime,
) -> color_eyre::Result<ExitCode> {
    let fleet = runtime
        .block_on(crate::demo::fleet::start(count, None))
        .wrap_err("cannot start the demo fleet")?;
    let mut paths = resolved.paths.clone();
    paths.config_file = fleet.config_file.clone();
    paths.config_file_origin = crate::config::paths::Origin::Flag;
    paths.data_dir = fleet.dir.path().join("data");
    paths.state_dir = fleet.dir.path().join("state");
    let opts = crate::cli::GlobalOpts {
        config: Some(fleet.config_file.clone()),
        theme: Some(resolved.theme.clone()),
        ..Default::default()
    };
    let fleet_resolved = Resolved::resolve(&opts, paths.clone())?;
    let mut launch = super::console::launch(&fleet_resolved, None, None)?;
    let options = crate::fleet::Options {
        data_dir: Some(paths.data_dir.clone()),
        ..crate::fleet::Options::default()
    };
    launch.fleet = Some(super::fleet::fleet_launch(&paths, &opts, options, true));
    let code = super::console::open(launch, resolved.settings.ui.frame_rate, &runtime);
    drop(fleet);
    super::console::leave(runtime);
    code
}

fn options(args: &DemoArgs) -> DemoOptions {
    DemoOptions {
        seed: args.seed,
        host_dir: args.host_dir.clone(),
        local_socket: args.local_socket.clone(),
        faults: args.faults.clone(),
        healthy: args.healthy,
        ..DemoOptions::default()
    }
}

async fn serve(args: DemoArgs) -> color_eyre::Result<ExitCode> {
    let mut options = options(&args);
    options.addr = args
        .addr
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 8065)));
    let server = DemoServer::start(options)
        .await
        .wrap_err("cannot start the demo server")?;
    // Listen for the signals before telling anyone we are up: a script that reads the banner
    // and stops the server at once must find the handlers in place.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let banner = ServeBanner {
        url: &server.url,
        token: &server.token,
        host_dir: &server.host_dir,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(&banner)?)?;
    out.flush()?;
    drop(out);
    eprintln!(
        "mmops demo server on {} (host dir {}); Ctrl-C stops it",
        server.url,
        server.host_dir.display()
    );
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = term.recv() => {}
    }
    drop(server);
    Ok(ExitCode::SUCCESS)
}
