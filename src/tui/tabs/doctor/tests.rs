//! The Doctor tab's keys and messages through the contract, against the demo server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::demo::DemoServer;
use crate::tui::testing::{Probe, quiet_demo};

const NOW_MS: i64 = 1_795_339_800_000;

async fn checked() -> (DemoServer, tempfile::TempDir, Probe, DoctorTab) {
    let server = quiet_demo(NOW_MS).await;
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::on_demo(&server, dir.path(), NOW_MS);
    let mut tab = DoctorTab::new(&probe.env);
    probe.start(&mut tab);
    assert_eq!(
        probe.pending(),
        0,
        "the Server tab's first refresh starts the check"
    );
    probe.with(&mut tab, |tab, ctx| {
        tab.on_signal(Signal::Refresh(Refresh::Everything), ctx)
    });
    assert_eq!(tab.standing(), Standing::Checking);
    probe.settle(&mut tab).await;
    (server, dir, probe, tab)
}

#[tokio::test]
async fn findings_come_worst_first_and_filter_by_severity_and_category() {
    let (_server, _dir, mut probe, mut tab) = checked().await;
    let shown = tab.shown();
    assert!(shown.len() > 5, "{}", shown.len());
    assert_eq!(shown[0].rule.severity, Severity::Critical);
    let Standing::Done(summary) = tab.standing() else {
        panic!("not done: {:?}", tab.standing());
    };
    assert!(summary.critical >= 1 && summary.worst.len() == 3);
    // Told the other tabs at start and when done.
    assert_eq!(probe.signals, vec![Signal::Diagnosed, Signal::Diagnosed]);

    probe.press(&mut tab, &["s", "s"]);
    assert!(
        tab.shown()
            .iter()
            .all(|f| f.rule.severity == Severity::Critical)
    );
    probe.press(&mut tab, &["s"]);
    assert_eq!(tab.severity, SeverityShown::All);
    probe.press(&mut tab, &["c"]);
    assert!(
        tab.shown()
            .iter()
            .all(|f| f.rule.category == Category::Security)
    );
    probe.press(&mut tab, &["c", "c", "c", "c", "c"]);
    assert_eq!(
        tab.category, None,
        "the sixth press shows every category again"
    );
    probe.press(&mut tab, &["c", "esc"]);
    assert_eq!((tab.category, tab.severity), (None, SeverityShown::All));
}

#[tokio::test]
async fn enter_goes_to_the_evidence() {
    let (_server, _dir, mut probe, mut tab) = checked().await;
    let position = |tab: &DoctorTab, id: &str| tab.shown().iter().position(|f| f.rule.id == id);
    tab.list.selected = position(&tab, "plugin-failing").unwrap();
    probe.press(&mut tab, &["enter"]);
    tab.list.selected = position(&tab, "rate-limiter-off").unwrap();
    probe.press(&mut tab, &["enter"]);
    tab.list.selected = position(&tab, "push-failures").unwrap();
    probe.press(&mut tab, &["enter"]);
    tab.list.selected = position(&tab, "cluster-config-drift").unwrap();
    probe.press(&mut tab, &["enter"]);
    assert_eq!(
        probe.revealed,
        vec![
            Reveal::Plugin("antivirus".into()),
            Reveal::Setting("RateLimitSettings.Enable".into()),
            Reveal::LogText(vec!["Failed to send push notification".into()]),
            Reveal::Node("mm-app-2".into()),
        ]
    );
    // A job's evidence is shown only here.
    tab.list.selected = position(&tab, "job-ldap-sync-failed").unwrap();
    probe.press(&mut tab, &["enter"]);
    assert_eq!(probe.revealed.len(), 4);
    assert!(
        tab.notice()
            .is_some_and(|n| n.text().contains("it is all here"))
    );
}

#[tokio::test]
async fn the_rules_not_checked_are_one_key_away() {
    let (_server, _dir, mut probe, mut tab) = checked().await;
    probe.press(&mut tab, &["u"]);
    assert!(tab.is_listing_unchecked());
    let unchecked = tab.shown_unchecked();
    assert!(
        unchecked
            .iter()
            .any(|(r, m)| r.id == "postgres-too-old" && m.reason.contains("--db-url")),
        "{unchecked:?}"
    );
    probe.press(&mut tab, &["enter"]);
    assert!(
        probe.revealed.is_empty(),
        "nothing to go to from a rule not checked"
    );
    probe.press(&mut tab, &["esc"]);
    assert!(!tab.is_listing_unchecked());
}

#[tokio::test]
async fn nothing_to_check_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut probe = Probe::offline(dir.path(), NOW_MS);
    let mut tab = DoctorTab::new(&probe.env);
    probe.start(&mut tab);
    assert_eq!(probe.pending(), 0);
    assert_eq!(tab.standing(), Standing::NothingToCheck);
}
