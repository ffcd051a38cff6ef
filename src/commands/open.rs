//! `mmops open PACKET.zip`: the console over a support packet, read-only. Every tab reads the
//! packet instead of a server; what acts on a server says it does not apply.

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
    launch.server_label = crate::tui::status::packet_label(&packet.path);
    launch.invites = InvitesLaunch::over_packet();
    launch.logs.files.clear();
    launch.packet = Some(Arc::new(packet));
    Ok(launch)
}
