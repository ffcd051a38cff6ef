//! The Plugins tab's keys and messages through the contract, against the demo server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::demo::DemoServer;
use crate::tui::testing::{Probe, quiet_demo};

const NOW_MS: i64 = 1_795_339_800_000;

async fn loaded() -> (DemoServer, tempfile::TempDir, Probe, PluginsTab) {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::on_demo(&server, dir.path(), NOW_MS);
    let mut tab = PluginsTab::new(&probe.env);
    probe.with(&mut tab, |tab, ctx| {
        tab.on_signal(Signal::Refresh(Refresh::Everything), ctx)
    });
    probe.settle(&mut tab).await;
    (server, dir, probe, tab)
}

#[tokio::test]
async fn the_list_moves_opens_and_closes() {
    let (_server, _dir, mut probe, mut tab) = loaded().await;
    assert!(tab.plugins().len() > 3, "the demo's plugins are listed");
    assert!(tab.plugins()[0].failed(), "failed plugins come first");
    assert_eq!(tab.focus(), Focus::on(Scope::Plugins));
    probe.press(&mut tab, &["j", "j"]);
    let second = tab.plugins()[2].manifest.id.clone();
    assert_eq!(
        tab.selected_plugin().map(|p| p.manifest.id.clone()),
        Some(second.clone())
    );
    probe.press(&mut tab, &["enter"]);
    assert_eq!(tab.focus(), Focus::on(Scope::PluginDetail));
    assert_eq!(
        tab.detail_plugin().map(|p| p.manifest.id.clone()),
        Some(second)
    );
    // No Logs tab to ask: nothing held.
    assert!(tab.detail.as_ref().is_some_and(|d| !d.logs_loaded));
    probe.press(&mut tab, &["enter"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Plugins), "Enter closes too");
    probe.press(&mut tab, &["G"]);
    assert_eq!(tab.list.selected, tab.plugins().len() - 1);
}

#[tokio::test]
async fn a_toggle_asks_and_only_y_says_yes() {
    let (_server, _dir, mut probe, mut tab) = loaded().await;
    let enabled = tab.plugins().iter().position(|p| p.enabled).unwrap();
    tab.list.selected = enabled;
    let name = tab.plugins()[enabled].manifest.name.clone();
    probe.press(&mut tab, &["E"]);
    assert!(
        tab.notice()
            .is_some_and(|n| n.text() == format!("{name} is already enabled"))
    );
    for no in ["n", "enter", "ctrl-c", "esc"] {
        probe.press(&mut tab, &["D"]);
        assert_eq!(tab.focus(), Focus::on(Scope::Question));
        probe.press(&mut tab, &[no]);
        assert_eq!(tab.focus(), Focus::on(Scope::Plugins), "{no} says no");
        assert_eq!(probe.pending(), 0, "{no} starts nothing");
    }
    probe.press(&mut tab, &["D", "y"]);
    assert_eq!(probe.pending(), 1, "the disable runs");
    probe.deliver(&mut tab).await;
    assert!(
        tab.notice()
            .is_some_and(|n| n.text() == format!("{name} disabled; refreshing")),
        "{:?}",
        tab.notice()
    );
    probe.settle(&mut tab).await;
    assert!(
        !tab.plugins()
            .iter()
            .find(|p| p.manifest.name == name)
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn the_timer_reloads_only_without_live_updates() {
    let (_server, _dir, mut probe, mut tab) = loaded().await;
    tab.live = Live::Live;
    probe.with(&mut tab, |tab, ctx| {
        tab.on_signal(Signal::Refresh(Refresh::Timer), ctx)
    });
    assert_eq!(probe.pending(), 0);
    tab.live = Live::Down("lost".into());
    probe.with(&mut tab, |tab, ctx| {
        tab.on_signal(Signal::Refresh(Refresh::Timer), ctx)
    });
    assert_eq!(probe.pending(), 1);
    assert!(tab.load.refreshing);
    probe.settle(&mut tab).await;
    assert!(!tab.load.refreshing);
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_list_and_says_why() {
    let (server, _dir, mut probe, mut tab) = loaded().await;
    let before = tab.plugins().len();
    server.set_faults("/api/v4/plugins=status:500").unwrap();
    probe.press(&mut tab, &["r"]);
    probe.settle(&mut tab).await;
    assert_eq!(tab.plugins().len(), before);
    let notice = tab.notice().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("refresh failed: "), "{notice}");
    assert!(notice.contains("500"), "{notice}");
}

#[tokio::test]
async fn a_rate_limit_reaches_the_status_bar() {
    let (server, _dir, mut probe, mut tab) = loaded().await;
    server.set_faults("/api/v4/plugins=429:30").unwrap();
    probe.press(&mut tab, &["r"]);
    probe.settle(&mut tab).await;
    assert!(probe.status.rate_limit_left().is_some());
}

#[tokio::test]
async fn a_rate_limit_on_the_states_per_node_reaches_the_status_bar() {
    let (server, _dir, mut probe, mut tab) = loaded().await;
    server
        .set_faults("/api/v4/plugins/statuses=429:30")
        .unwrap();
    probe.press(&mut tab, &["r"]);
    probe.settle(&mut tab).await;
    assert!(!tab.plugins().is_empty(), "the list is read all the same");
    assert!(probe.status.rate_limit_left().is_some());
}
