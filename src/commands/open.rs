//! `mmops open PACKET.zip`: the console over a support packet, read-only. Every tab reads the
//! packet instead of a server; what acts on a server says it does not apply.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::OpenArgs;
use crate::config::Resolved;
use crate::packet::open::Packet;
use crate::text::inert;
use crate::tui::Launch;
use crate::tui::tabs::invites::InvitesLaunch;

pub fn run(resolved: Resolved, args: OpenArgs) -> color_eyre::Result<ExitCode> {
    let packet = Packet::open(&args.packet)?;
    for problem in &packet.problems {
        tracing::warn!(
            "packet {}: {}: {}",
            args.packet.display(),
            inert(&problem.part),
            problem.message
        );
    }
    let launch = launch(&resolved, packet)?;
    let runtime = super::runtime()?;
    let code = super::console::open(launch, resolved.settings.ui.frame_rate, &runtime);
    super::console::leave(runtime);
    code
}

/// The console's launch for a packet: no server, no install directory, no ledger.
pub fn launch(resolved: &Resolved, packet: Packet) -> color_eyre::Result<Launch> {
    let mut launch = super::console::launch(resolved, None, None)?;
    launch.server_label = label(&packet.path);
    launch.invites = InvitesLaunch {
        ledger: None,
        data_dir: None,
        db_url: None,
        no_database: Some("a support packet holds no database".into()),
    };
    launch.logs.files.clear();
    launch.packet = Some(Arc::new(packet));
    Ok(launch)
}

/// "PACKET <file name>", as the status bar names it.
pub fn label(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    format!("PACKET {}", inert(&name))
}
