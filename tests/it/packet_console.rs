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
