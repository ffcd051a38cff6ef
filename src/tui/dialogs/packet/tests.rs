//! The packet dialog's stages through the contract: collect, plan, write, done; cancel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::tui::testing::Probe;

const NOW_MS: i64 = 1_795_339_800_000;

fn binding(action: Action) -> Binding {
    crate::tui::keys::Keymap::default()
        .table(Scope::Packet)
        .bindings
        .iter()
        .find(|b| b.action == action)
        .cloned()
        .expect("bound")
}

#[tokio::test]
async fn a_built_packet_is_planned_written_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::offline(dir.path(), NOW_MS);
    let mut dialog = PacketDialog::for_action(Action::Packet, &probe.env)
        .expect("opens")
        .expect("a dialog");
    probe.start(&mut dialog);
    assert!(matches!(dialog.stage, Stage::Collecting));
    probe.deliver(&mut dialog).await;
    assert!(matches!(dialog.stage, Stage::ReadyBuilt { .. }));
    assert_eq!(dialog.hint(&binding(Action::Open)), Some("write"));
    assert_eq!(dialog.hint(&binding(Action::TogglePlugin)), None);
    let logs = dialog.options.include_logs;
    probe.press(&mut dialog, &["l", "v"]);
    assert_eq!(dialog.options.include_logs, !logs);
    assert!(dialog.options.privacy);
    probe.press(&mut dialog, &["enter"]);
    assert!(dialog.is_working());
    assert!(dialog.next_deadline().is_some(), "the progress bar moves");
    probe.deliver(&mut dialog).await;
    let Stage::Done(finished) = &dialog.stage else {
        panic!("written");
    };
    assert!(finished.path.exists());
    assert!(finished.path.starts_with(dir.path()));
    assert_eq!(dialog.hint(&binding(Action::Open)), Some("close"));
    assert_eq!(dialog.hint(&binding(Action::ToggleLogs)), None);
    probe.press(&mut dialog, &["enter"]);
    assert!(probe.closed);
}

/// An install whose log takes a while to pack, so a cancel lands while writing.
fn big_install(dir: &std::path::Path) -> crate::host::MmHome {
    let logs = dir.join("install/logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut text = String::new();
    for i in 0..400_000u64 {
        text.push_str(&format!(
            "{{\"timestamp\":\"2026-11-22 09:30:00.000 Z\",\"level\":\"info\",\"msg\":\"line {i} {}\"}}\n",
            i * 7919 % 104_729
        ));
    }
    std::fs::write(logs.join("mattermost.log"), text).unwrap();
    crate::host::MmHome::new(dir.join("install"), crate::host::HomeOrigin::Flag)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_a_write_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::offline(dir.path(), NOW_MS);
    probe.env.mm_home = Some(big_install(dir.path()));
    let mut dialog = PacketDialog::new(Kind::Built, dir.path(), NOW_MS);
    probe.start(&mut dialog);
    probe.deliver(&mut dialog).await;
    probe.press(&mut dialog, &["enter", "ctrl-c"]);
    let Stage::Working { progress, .. } = &dialog.stage else {
        panic!("still working until the writer stops");
    };
    assert!(progress.cancelling);
    probe.deliver(&mut dialog).await;
    assert!(probe.closed, "a cancelled write closes the dialog");
    assert!(matches!(
        probe.status.message,
        crate::tui::status::Message::Info(ref text) if text.contains("cancelled")
    ));
    // Ctrl-C on the plan closes the dialog.
    let mut again = PacketDialog::new(Kind::Built, dir.path(), NOW_MS);
    probe.closed = false;
    probe.start(&mut again);
    probe.deliver(&mut again).await;
    probe.press(&mut again, &["ctrl-c"]);
    assert!(probe.closed);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".zip"))
        .collect();
    assert!(left.is_empty(), "nothing is left behind");
}

#[test]
fn the_server_packet_needs_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let probe = Probe::offline(dir.path(), NOW_MS);
    let refused = PacketDialog::for_action(Action::ServerPacket, &probe.env);
    assert!(refused.is_err_and(|why| why.contains("needs a server connection")));
    assert!(matches!(
        PacketDialog::for_action(Action::Quit, &probe.env),
        Ok(None)
    ));
}
