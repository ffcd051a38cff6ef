//! The console over an opened packet (`mmops open`): each tab reads the packet, the status bar
//! says PACKET, and what would act on a server says it does not apply.

use std::sync::Arc;
use std::time::Duration;

use crate::common::Tabs;
use crate::common::*;
use crate::packet_open::{flat_9x, nodes_1010};
use mmops::packet::open::Packet;
use mmops::tui::testing::Harness;

async fn console(path: &std::path::Path) -> Harness {
    let mut launch = launch(None, "PACKET test.zip");
    launch.packet = Some(Arc::new(Packet::open(path).unwrap()));
    let mut h = Harness::start(launch);
    h.settle().await;
    h
}

#[tokio::test]
async fn every_tab_reads_a_cluster_packet() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = console(&nodes_1010(dir.path())).await;
    let server = h.render_text(120, 40);
    insta::assert_snapshot!("packet_server_120x40", server);
    assert!(server.contains("PACKET test.zip") && server.contains("read-only"));
    assert!(server.contains("10.11.3") && server.contains("mm-a") && server.contains("mm-b"));

    h.press(&["2"]).unwrap();
    h.settle().await;
    assert!(
        h.render_text(120, 40)
            .contains("a support packet holds no plugin states")
    );

    h.press(&["3"]).unwrap();
    h.pump_until(Duration::from_secs(10), |app| app.logs().store().len() >= 2)
        .await;
    let logs = h.render_text(120, 40);
    insta::assert_snapshot!("packet_logs_120x40", logs);
    assert!(logs.contains("PACKET") && logs.contains("mm-a/mattermost.log"));

    h.press(&["4"]).unwrap();
    h.settle().await;
    assert!(
        h.app
            .config()
            .doc()
            .is_some_and(|d| d.source.contains("sanitized_config.json"))
    );

    h.press(&["5"]).unwrap();
    assert!(
        h.render_text(120, 40)
            .contains("a support packet holds no invitations")
    );

    h.press(&["6"]).unwrap();
    h.settle().await;
    insta::assert_snapshot!("packet_doctor_120x40", h.render_text(120, 40));
    let ids: Vec<&str> = h
        .app
        .doctor()
        .diagnosis()
        .unwrap()
        .findings
        .iter()
        .map(|f| f.rule.id)
        .collect();
    assert!(ids.contains(&"cluster-config-drift"), "{ids:?}");
}

#[tokio::test]
async fn actions_on_a_server_do_not_apply_to_a_packet() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = console(&flat_9x(dir.path())).await;
    h.press(&["p"]).unwrap();
    assert!(h.app.packet().is_none());
    assert!(h.render_text(120, 40).contains("a support packet is open"));
    h.press(&["2"]).unwrap();
    h.settle().await;
    h.press(&["E"]).unwrap();
    assert!(
        h.app
            .plugins()
            .notice()
            .is_some_and(|n| n.text().contains("read-only"))
    );
    assert_eq!(h.app.pending_jobs(), 0);
}

/// A folder of packets at a fixed path (the picker shows where each lies), each with a fixed
/// time, so the picker draws the same everywhere.
fn packet_folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let older = flat_9x(&dir);
    let newer = nodes_1010(&dir);
    std::fs::write(dir.join("broken.zip"), b"PK\x03\x04 cut short").unwrap();
    for (path, ms) in [
        (&older, NOW_MS - 86_400_000),
        (&newer, NOW_MS - 3_600_000),
        (&dir.join("broken.zip"), NOW_MS - 7_200_000),
    ] {
        let when = std::time::UNIX_EPOCH + Duration::from_millis(ms as u64);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    dir
}

/// `O` on a live console: the packets of the folder, newest first; one chosen, every tab reads
/// it and the status bar says PACKET; `O` again offers the way back, and the server returns.
#[tokio::test]
async fn a_packet_picked_in_the_console_replaces_the_server_and_gives_it_back() {
    let server = demo().await;
    let folder = packet_folder("mmops-picker-open");
    let mut launch = launch(Some(client(&server, Some(&server.token))), "DEMO");
    launch.packet_dir = folder.clone();
    let mut h = Harness::start(launch);
    h.settle().await;
    assert!(h.render_text(80, 24).contains("DEMO"));

    h.press(&["O"]).unwrap();
    h.settle().await;
    let picker = h.render_text(80, 24);
    insta::assert_snapshot!("packet_picker_80x24", picker);
    let listed = picker.find("mm_support_packet_Example").unwrap();
    assert!(
        listed < picker.find("broken.zip").unwrap(),
        "newest first:\n{picker}"
    );
    assert!(!picker.contains("back to the server"), "{picker}");

    // A zip that is not a packet: said in the picker, and the server stays.
    h.type_text("broken");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let refused = h.render_text(80, 24);
    assert!(refused.contains("not a zip file"), "{refused}");
    assert_eq!(h.app.status().server, "DEMO");

    h.press(&["ctrl-u"]).unwrap();
    h.type_text("Example_Corp");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert!(
        h.app
            .dialog::<mmops::tui::dialogs::packet_picker::PacketPicker>()
            .is_none()
    );
    assert_eq!(
        h.app.status().server,
        "PACKET mm_support_packet_Example_Corp_2025-06-01T00-00.zip"
    );
    let shown = h.render_text(120, 40);
    assert!(
        shown.contains("10.11.3") && shown.contains("read-only"),
        "{shown}"
    );
    h.press(&["3"]).unwrap();
    h.pump_until(Duration::from_secs(10), |app| app.logs().store().len() >= 2)
        .await;
    assert!(h.render_text(120, 40).contains("mm-a/mattermost.log"));

    h.press(&["O"]).unwrap();
    h.settle().await;
    let picker = h.render_text(80, 24);
    assert!(picker.contains("← back to the server DEMO"), "{picker}");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.status().server, "DEMO");
    assert_eq!(h.app.active_title(), "Logs", "the tab shown stays");
    h.press(&["1"]).unwrap();
    h.settle().await;
    let back = h.render_text(120, 40);
    assert!(
        back.contains("connected") && !back.contains("PACKET"),
        "{back}"
    );
}

/// `C`: a packet compared with the packet open (the older first), and with the server now.
#[tokio::test]
async fn a_packet_compared_in_the_console() {
    let folder = packet_folder("mmops-picker-compare");
    let mut over_packet = launch(None, "PACKET x");
    over_packet.packet = Some(Arc::new(
        Packet::open(&folder.join("mm_support_packet_Example_Corp_2025-06-01T00-00.zip")).unwrap(),
    ));
    over_packet.packet_dir = folder.clone();
    let mut h = Harness::start(over_packet);
    h.settle().await;

    h.press(&["C"]).unwrap();
    h.settle().await;
    h.type_text("mattermost_support");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let compared = h
        .app
        .dialog::<mmops::tui::dialogs::packet_compare::PacketCompareDialog>();
    let report = compared
        .expect("the comparison is shown")
        .report()
        .to_string();
    // The 9.x packet has no metadata: when it was taken is unknown, and it counts as the older
    // (its file name's time is on a 12-hour clock in the server's zone: no help).
    assert!(report.contains("version 7.8.1 → 10.11.3"), "{report}");
    assert!(
        !report.contains("node added"),
        "a 9.x packet names no node:\n{report}"
    );
    insta::assert_snapshot!("packet_compare_80x24", h.render_text(80, 24));
    h.press(&["j", "j"]).unwrap();
    h.press(&["esc"]).unwrap();
    assert!(
        h.app
            .dialog::<mmops::tui::dialogs::packet_compare::PacketCompareDialog>()
            .is_none()
    );

    // Against the server now: a live console compares the packet with it.
    let server = demo().await;
    let mut live = launch(Some(client(&server, Some(&server.token))), "DEMO");
    live.packet_dir = folder;
    let mut h = Harness::start(live);
    h.settle().await;
    h.press(&["C"]).unwrap();
    h.settle().await;
    h.type_text("Example_Corp");
    h.press(&["enter"]).unwrap();
    h.pump_until(Duration::from_secs(20), |app| {
        app.dialog::<mmops::tui::dialogs::packet_compare::PacketCompareDialog>()
            .is_some()
    })
    .await;
    let report = h
        .app
        .dialog::<mmops::tui::dialogs::packet_compare::PacketCompareDialog>()
        .unwrap()
        .report()
        .to_string();
    assert!(report.contains("B: DEMO (now)"), "{report}");
    assert!(report.contains("version 10.11.3 → 11.4.4"), "{report}");
}
