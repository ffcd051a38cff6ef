//! The Server tab's refresh and what it tells the status bar, through the contract.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::tui::status::Status;
use crate::tui::testing::{Probe, quiet_demo};

const NOW_MS: i64 = 1_795_339_800_000;

#[tokio::test]
async fn a_load_fills_the_page_and_the_status_bar_and_plans_the_next() {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::on_demo(&server, dir.path(), NOW_MS);
    let mut tab = ServerTab::new(&probe.env);
    probe.start(&mut tab);
    assert_eq!(probe.signals, [Signal::Refresh(Refresh::Everything)]);
    assert_eq!(probe.pending(), PartKind::ALL.len());
    assert!(tab.is_loading());
    assert!(matches!(probe.status.message, Message::Refreshing));
    probe.settle(&mut tab).await;
    assert!(!tab.is_loading());
    assert_eq!(probe.status.connection, Connection::Connected);
    assert_eq!(probe.status.user.as_deref(), Some("sysadmin"));
    assert!(probe.status.version.is_some());
    assert!(matches!(
        probe.status.message,
        Message::Refreshed { at_ms: NOW_MS }
    ));
    assert!(tab.next_deadline().is_some(), "the next refresh is planned");
    // The timer's refresh tells the others it is the timer's.
    probe.with(&mut tab, |tab, ctx| {
        tab.on_timer(Instant::now() + ctx.env.refresh_every * 2, ctx)
    });
    assert_eq!(probe.signals.last(), Some(&Signal::Refresh(Refresh::Timer)));
    probe.settle(&mut tab).await;
}

#[tokio::test]
async fn an_expired_session_waits_for_the_user() {
    let server = quiet_demo(NOW_MS).await;
    server.set_faults("*=status:401").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::on_demo(&server, dir.path(), NOW_MS);
    let mut tab = ServerTab::new(&probe.env);
    probe.start(&mut tab);
    probe.settle(&mut tab).await;
    assert_eq!(probe.status.connection, Connection::LoginNeeded);
    assert!(
        tab.next_deadline().is_none(),
        "no retry of a refused session"
    );
}

#[tokio::test]
async fn a_rate_limit_postpones_the_refresh_until_it_ends() {
    let server = quiet_demo(NOW_MS).await;
    server.set_faults("/api/v4/analytics/*=429:40").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::on_demo(&server, dir.path(), NOW_MS);
    let mut tab = ServerTab::new(&probe.env);
    probe.start(&mut tab);
    probe.settle(&mut tab).await;
    let left = probe.status.rate_limit_left().expect("counting down");
    assert!(left.as_secs() >= 30, "{left:?}");
    // `r` during the countdown asks nothing of the server and comes back when it ends, still
    // reloading everything.
    probe.signals.clear();
    probe.press(&mut tab, &["r"]);
    assert_eq!(probe.pending(), 0);
    let at = tab.next_deadline().expect("planned");
    assert!(at > Instant::now() + std::time::Duration::from_secs(30));
    server.set_faults("").unwrap();
    probe.status = Status::new("DEMO".into(), false, true);
    probe.with(&mut tab, |tab, ctx| tab.on_timer(at, ctx));
    assert_eq!(probe.signals, [Signal::Refresh(Refresh::Everything)]);
    probe.settle(&mut tab).await;
}

#[test]
fn without_a_server_nothing_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::offline(dir.path(), NOW_MS);
    let mut tab = ServerTab::new(&probe.env);
    probe.start(&mut tab);
    probe.press(&mut tab, &["r", "j", "G"]);
    assert!(probe.signals.is_empty());
    assert_eq!(probe.pending(), 0);
}
