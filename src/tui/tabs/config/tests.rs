//! The Config tab's keys and messages through the contract: search, copy, snapshot and
//! compare, with a config given to it as a load's result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;
use crate::tui::testing::Probe;

const NOW_MS: i64 = 1_795_339_800_000;

fn config() -> ConfigDoc {
    let raw = json!({
        "ServiceSettings": {"SiteURL": "https://chat.example.com", "ListenAddress": ":8065"},
        "SqlSettings": {"DataSource": "postgres://mm:CANARY-pw@db:5432/mm", "DriverName": "postgres"},
        "LogSettings": {"FileLevel": "INFO", "EnableFile": true}
    });
    ConfigDoc::new(
        &raw,
        &[],
        HashSet::new(),
        Some(["ServiceSettings.SiteURL".to_string()].into()),
        "test".into(),
        vec![],
    )
}

fn loaded(dir: &std::path::Path) -> (Probe, ConfigTab) {
    let mut probe = Probe::offline(dir, NOW_MS);
    let mut tab = ConfigTab::new(&probe.env);
    probe.with(&mut tab, |tab, ctx| {
        tab.on_msg(Msg::Loaded(Ok(config())), ctx)
    });
    (probe, tab)
}

#[test]
fn sections_start_folded_and_unfold() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = loaded(dir.path());
    assert_eq!(tab.visible.len(), 3, "three folded sections");
    assert_eq!(tab.read_at_ms, Some(NOW_MS));
    probe.press(&mut tab, &["enter"]);
    assert!(tab.visible.len() > 3);
    probe.press(&mut tab, &["h"]);
    assert_eq!(tab.visible.len(), 3);
    probe.press(&mut tab, &["z"]);
    assert_eq!(
        tab.visible.len(),
        9,
        "three sections and their six settings"
    );
    probe.press(&mut tab, &["z"]);
    assert_eq!(tab.visible.len(), 3);
    probe.press(&mut tab, &["v"]);
    assert_eq!(tab.subset, Subset::Changed);
    assert_eq!(
        tab.selected_row().map(|r| r.path.as_str()),
        Some("ServiceSettings")
    );
}

#[test]
fn the_search_is_a_prompt_that_esc_and_ctrl_c_close() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = loaded(dir.path());
    probe.press(&mut tab, &["/"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Prompt));
    // Keys that mean something elsewhere are typed here.
    probe.press(&mut tab, &["f", "i", "l", "e"]);
    assert_eq!(tab.search_matches(), Some(2), "FileLevel and EnableFile");
    assert_eq!(
        tab.selected_row().map(|r| r.path.as_str()),
        Some("LogSettings.FileLevel")
    );
    probe.press(&mut tab, &["enter"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Config));
    probe.press(&mut tab, &["n"]);
    assert_eq!(
        tab.selected_row().map(|r| r.path.as_str()),
        Some("LogSettings.EnableFile")
    );
    probe.press(&mut tab, &["esc"]);
    assert_eq!(tab.search_matches(), None);
    probe.press(&mut tab, &["/", "x", "ctrl-c"]);
    assert_eq!(tab.search_matches(), None);
    assert_eq!(tab.focus(), Focus::on(Scope::Config));
}

#[test]
fn a_copy_writes_osc52_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = loaded(dir.path());
    probe.press(&mut tab, &["/"]);
    probe.type_text(&mut tab, "datasource");
    probe.press(&mut tab, &["enter", "y"]);
    let copied = probe.terminal.pop().expect("a copy");
    assert!(copied.starts_with("\x1b]52;c;"));
    let payload = copied
        .trim_start_matches("\x1b]52;c;")
        .trim_end_matches('\x07');
    assert_eq!(
        payload,
        crate::tui::osc52::base64(b"SqlSettings.DataSource = postgres://****:****@db:5432/mm")
    );
}

#[tokio::test]
async fn a_snapshot_is_saved_then_compared_with() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = loaded(dir.path());
    probe.press(&mut tab, &["S"]);
    probe.deliver(&mut tab).await;
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("snapshot saved: "), "{notice}");
    assert!(notice.ends_with("(c compares with it)"), "{notice}");
    let saved = tab.suggestion.clone().expect("offered for the compare");
    assert!(saved.exists());
    // The compare prompt offers the snapshot; Enter compares.
    probe.press(&mut tab, &["c"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Prompt));
    probe.press(&mut tab, &["enter"]);
    probe.deliver(&mut tab).await;
    assert_eq!(tab.focus(), Focus::on(Scope::ConfigCompare));
    assert!(tab.compare.as_ref().is_some_and(|c| c.changes.is_empty()));
    probe.press(&mut tab, &["c"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Config));
}

#[tokio::test]
async fn a_bad_compare_file_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = loaded(dir.path());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[1]").unwrap();
    probe.press(&mut tab, &["c", "ctrl-u"]);
    probe.type_text(&mut tab, &bad.display().to_string());
    probe.press(&mut tab, &["enter"]);
    probe.deliver(&mut tab).await;
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert!(notice.contains("is not a config"), "{notice}");
}

#[test]
fn without_a_server_or_an_install_nothing_loads() {
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::offline(dir.path(), NOW_MS);
    let mut tab = ConfigTab::new(&probe.env);
    // No server and no install: nothing to load, whatever comes.
    probe.start(&mut tab);
    probe.with(&mut tab, |tab, ctx| {
        tab.on_signal(Signal::Refresh(Refresh::Everything), ctx)
    });
    assert_eq!(probe.pending(), 0);
    assert!(matches!(
        tab.load.state,
        crate::tui::widgets::loadable::Load::NotConfigured
    ));
}

#[tokio::test]
async fn a_rate_limit_on_a_side_route_still_reaches_the_status_bar() {
    let server = crate::tui::testing::quiet_demo(NOW_MS).await;
    server
        .set_faults("/api/v4/config/environment=429:40")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::on_demo(&server, dir.path(), NOW_MS);
    let mut tab = ConfigTab::new(&probe.env);
    probe.with(&mut tab, |tab, ctx| {
        tab.on_signal(Signal::Refresh(Refresh::Everything), ctx)
    });
    probe.settle(&mut tab).await;
    let doc = tab.doc().expect("the config is read all the same");
    assert!(
        doc.notes
            .iter()
            .any(|n| n.contains("environment overrides unknown"))
    );
    assert!(probe.status.rate_limit_left().is_some());
}
