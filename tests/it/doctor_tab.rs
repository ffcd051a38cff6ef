//! The Doctor tab in the real console on the demo: its findings at 80x24 and 120x40, the
//! Server tab's first lines, Enter taking each kind of evidence to the tab that shows it, and
//! the all-clear of a healthy server.

use std::time::Duration;

use crate::common::Tabs;
use crate::common::*;
use mmops::demo::DemoOptions;
use mmops::host::{HomeOrigin, MmHome};
use mmops::tui::Launch;
use mmops::tui::testing::Harness;

async fn console(server: &mmops::demo::DemoServer) -> Harness {
    let mut launch: Launch = launch(Some(admin(server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
    let mut h = Harness::start(launch);
    h.settle().await;
    h
}

/// Selects the finding of rule `id` on the Doctor tab.
fn select(h: &mut Harness, id: &str) {
    h.press(&["6", "g"]).unwrap();
    for _ in 0..40 {
        if h.app.doctor().selected().is_some_and(|f| f.rule.id == id) {
            return;
        }
        h.press(&["j"]).unwrap();
    }
    panic!("no finding {id}");
}

#[tokio::test]
async fn findings_with_evidence_and_the_server_tabs_first_lines() {
    let server = demo().await;
    let mut h = console(&server).await;
    let first = h.render_text(80, 24);
    assert!(
        first.contains("2 critical · 9 warnings · 5 info"),
        "the first screen says what is wrong:\n{first}"
    );
    h.press(&["6"]).unwrap();
    insta::assert_snapshot!("doctor_80x24", h.render_text(80, 24));
    insta::assert_snapshot!("doctor_120x40", h.render_text(120, 40));
    h.press(&["u"]).unwrap();
    insta::assert_snapshot!("doctor_unchecked_120x40", h.render_text(120, 40));
}

#[tokio::test]
async fn enter_goes_to_the_setting_the_log_lines_and_the_plugin() {
    let server = demo().await;
    let mut h = console(&server).await;

    select(&mut h, "rate-limiter-off");
    h.press(&["enter"]).unwrap();
    assert_eq!(h.app.active_title(), "Config");
    assert_eq!(
        h.app.config().selected_row().map(|r| r.path.clone()),
        Some("RateLimitSettings.Enable".to_string())
    );

    select(&mut h, "push-failures");
    h.press(&["enter"]).unwrap();
    assert_eq!(h.app.active_title(), "Logs");
    h.pump_until(Duration::from_secs(20), |app| app.logs().matching() > 0)
        .await;
    let shown: Vec<String> = h
        .app
        .logs()
        .shown()
        .map(|e| e.message().to_string())
        .collect();
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|m| m.contains("Failed to send push notification")),
        "{shown:?}"
    );

    select(&mut h, "plugin-failing");
    h.press(&["enter"]).unwrap();
    assert_eq!(h.app.active_title(), "Plugins");
    assert_eq!(
        h.app
            .plugins()
            .detail_plugin()
            .map(|p| p.manifest.id.clone()),
        Some("antivirus".to_string())
    );

    select(&mut h, "cluster-config-drift");
    h.press(&["enter"]).unwrap();
    assert_eq!(h.app.active_title(), "Server");
}

#[tokio::test]
async fn a_healthy_server_is_all_clear() {
    let server = demo_with(DemoOptions {
        healthy: true,
        ..DemoOptions::default()
    })
    .await;
    let mut h = console(&server).await;
    let first = h.render_text(80, 24);
    assert!(first.contains("✓ nothing wrong found"), "{first}");
    h.press(&["6"]).unwrap();
    insta::assert_snapshot!("doctor_healthy_80x24", h.render_text(80, 24));
}
