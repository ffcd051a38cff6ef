//! The fault matrix: the real App against the demo server with each injected fault on one
//! route. For every fault: nothing panics, every frame stays sane (no control characters
//! reach the terminal, at 80x24 and 120x40), a message names the fault and the endpoint, the
//! other tabs keep working, and everything recovers once the fault stops.

use crate::common::Tabs;
use std::time::{Duration, Instant};

use crate::common::*;
use mmops::demo::DemoServer;
use mmops::tui::testing::Harness;

const PLUGINS: &str = "/api/v4/plugins*";

/// Renders at both sizes and checks that nothing but printable text reached the buffer.
fn sane_frames(h: &mut Harness) -> String {
    let small = h.render_text(80, 24);
    let large = h.render_text(120, 40);
    for frame in [&small, &large] {
        let bad: Vec<char> = frame
            .chars()
            .filter(|c| *c != '\n' && (c.is_control() || ('\u{80}'..='\u{9f}').contains(c)))
            .collect();
        assert!(bad.is_empty(), "control characters {bad:?} in\n{frame}");
        assert!(
            frame.contains("DEMO"),
            "the status bar is gone from\n{frame}"
        );
    }
    large
}

/// The app on the demo server, settled, with `spec` in force from the first request.
async fn faulted(spec: &str) -> (DemoServer, Harness) {
    let server = demo().await;
    server.set_faults(spec).unwrap();
    let mut h = Harness::start(launch(Some(admin(&server)), "DEMO"));
    h.settle().await;
    (server, h)
}

async fn show(h: &mut Harness, tab: &str) -> String {
    h.press(&[tab]).unwrap();
    h.settle().await;
    sane_frames(h)
}

/// The screen's words with the borders gone and wrapped lines joined, so a message that wraps
/// still reads as one.
fn flowing(text: &str) -> String {
    text.replace(['│', '╭', '╮', '╰', '╯', '─'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_says(text: &str, words: &[&str]) {
    let flow = flowing(text);
    for word in words {
        assert!(
            flow.contains(&flowing(word)),
            "'{word}' is not on the screen:\n{text}"
        );
    }
}

/// The tabs the fault does not touch still show their data.
async fn other_tabs_work(h: &mut Harness, faulted_tab: &str) {
    if faulted_tab != "1" {
        let server = show(h, "1").await;
        assert_says(&server, &["Example Chat", "11.4.4"]);
    }
    if faulted_tab != "2" {
        let plugins = show(h, "2").await;
        assert_says(&plugins, &["8 installed"]);
    }
    if faulted_tab != "4" {
        let config = show(h, "4").await;
        assert_says(&config, &["ServiceSettings"]);
    }
    if faulted_tab != "3" {
        h.press(&["3"]).unwrap();
        h.pump_until(Duration::from_secs(20), |app| {
            !app.logs().store().is_empty()
        })
        .await;
        sane_frames(h);
    }
    show(h, "5").await;
}

/// A fault on the Plugins routes: the tab says what happened, the rest works, `r` recovers.
async fn plugins_fault(spec: &str, words: &[&str]) {
    let (server, mut h) = faulted(&format!("{PLUGINS}={spec}")).await;
    let text = show(&mut h, "2").await;
    assert_says(&text, words);
    assert_says(
        &text,
        &["The plugins could not be read", "GET /api/v4/plugins"],
    );
    other_tabs_work(&mut h, "2").await;

    server.clear_faults();
    let recovered = show(&mut h, "2").await;
    assert!(!recovered.contains("8 installed") || recovered.contains("could not"));
    h.press(&["r"]).unwrap();
    h.settle().await;
    let recovered = sane_frames(&mut h);
    assert_says(&recovered, &["8 installed", "Antivirus"]);
    assert!(!recovered.contains("could not be read"), "{recovered}");
}

#[tokio::test]
async fn latency_only_slows_the_tab_down() {
    let started = Instant::now();
    let (_server, mut h) = faulted(&format!("{PLUGINS}=latency:400")).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    let text = show(&mut h, "2").await;
    assert_says(&text, &["8 installed", "Antivirus"]);
    other_tabs_work(&mut h, "2").await;
}

#[tokio::test]
async fn a_route_that_never_answers_times_out_once() {
    let started = Instant::now();
    plugins_fault("timeout", &["no answer within 3s"]).await;
    // The timeout is not retried: three attempts would take nine seconds.
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_connection_reset_mid_answer() {
    plugins_fault(
        "reset",
        &["the connection broke before the answer was complete"],
    )
    .await;
}

#[tokio::test]
async fn a_403_names_the_missing_permission() {
    plugins_fault(
        "status:403",
        &["permission denied", "sysconsole_read_plugins"],
    )
    .await;
}

#[tokio::test]
async fn a_rate_limit_with_a_plain_text_body_counts_down() {
    let (server, mut h) = faulted(&format!("{PLUGINS}=429:30")).await;
    let text = show(&mut h, "2").await;
    assert_says(
        &text,
        &[
            "GET /api/v4/plugins",
            "rate limited by the server (HTTP 429)",
        ],
    );
    assert_says(&text, &["retrying in"]);
    other_tabs_work(&mut h, "2").await;
    server.clear_faults();
}

#[tokio::test]
async fn proxy_error_pages_500_502_503() {
    for (code, reason) in [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ] {
        plugins_fault(
            &format!("html:{code}"),
            &[
                &format!("HTTP {code} {reason} with a non-JSON body"),
                "a proxy in front of the server may be failing",
            ],
        )
        .await;
    }
}

#[tokio::test]
async fn malformed_json() {
    plugins_fault("malformed", &["the body is not JSON"]).await;
}

#[tokio::test]
async fn truncated_json() {
    plugins_fault("truncated", &["the body was cut short"]).await;
}

#[tokio::test]
async fn a_huge_body_is_refused_without_reading_it_all() {
    let started = Instant::now();
    let (_server, h) = faulted(&format!("{PLUGINS}=huge:70")).await;
    // Refused on its Content-Length, not after reading 64 MB of it.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    drop(h);
    plugins_fault("huge:70", &["the body is larger than 64 MB"]).await;
}

#[tokio::test]
async fn a_body_that_drips_in_byte_by_byte() {
    // Bytes keep coming, so the idle timeout (3 s) never fires; the whole-request one does.
    plugins_fault("drip:5", &["the answer began but did not finish within 6s"]).await;
}

#[tokio::test]
async fn a_body_that_stalls_half_way() {
    plugins_fault("stall", &["the answer began, then nothing came for 3s"]).await;
}

#[tokio::test]
async fn a_wrong_content_type_on_a_valid_body_is_read() {
    // Proxies relabel bodies; a body that parses as what was asked for is used.
    let (_server, mut h) = faulted(&format!("{PLUGINS}=content-type:text/html")).await;
    let text = show(&mut h, "2").await;
    assert_says(&text, &["8 installed", "Antivirus"]);
}

#[tokio::test]
async fn a_wrong_content_type_on_an_error_page_names_it() {
    plugins_fault("html:502,content-type:application/json", &["HTTP 502"]).await;
}

#[tokio::test]
async fn an_expired_session_asks_for_a_login_and_stops_asking_the_server() {
    let (server, mut h) = faulted("*=401after:3").await;
    let text = sane_frames(&mut h);
    assert_says(&text, &["login needed"]);
    // The log poller, too, has seen the 401 and stopped.
    h.pump_until(Duration::from_secs(20), |app| {
        !app.logs().source_problems().is_empty()
    })
    .await;
    for tab in ["1", "2", "3", "4", "5"] {
        let text = show(&mut h, tab).await;
        assert!(!text.contains("retrying"), "tab {tab} retries:\n{text}");
    }
    // No retry loop: with nothing pressed, the server hears nothing more.
    let before = server.shared().recent_requests().len();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        h.app.on_timer(tokio::time::Instant::now());
    }
    h.settle().await;
    let after = server.shared().recent_requests();
    assert_eq!(
        after.len(),
        before,
        "requests after the session expired: {:?}",
        &after[before..]
    );
}

#[tokio::test]
async fn a_config_that_is_not_json_names_the_config_route() {
    let (server, mut h) = faulted("/api/v4/config=malformed").await;
    let text = show(&mut h, "4").await;
    assert_says(&text, &["GET /api/v4/config", "the body is not JSON"]);
    other_tabs_work(&mut h, "4").await;
    server.clear_faults();
    h.press(&["4", "r"]).unwrap();
    h.settle().await;
    assert_says(&sane_frames(&mut h), &["ServiceSettings"]);
}

#[tokio::test]
async fn a_proxy_page_on_the_log_route_names_it_and_keeps_polling() {
    let (server, mut h) = faulted("/api/v4/logs*=html:503").await;
    h.press(&["3"]).unwrap();
    h.pump_until(Duration::from_secs(20), |app| {
        !app.logs().source_problems().is_empty()
    })
    .await;
    let text = sane_frames(&mut h);
    assert_says(&text, &["/api/v4/logs", "HTTP 503"]);
    other_tabs_work(&mut h, "3").await;
    server.clear_faults();
    h.press(&["3"]).unwrap();
    h.pump_until(Duration::from_secs(20), |app| {
        !app.logs().store().is_empty()
    })
    .await;
    sane_frames(&mut h);
}

#[tokio::test]
async fn a_ping_that_never_answers_leaves_the_rest_of_the_server_tab() {
    let (server, mut h) = faulted("/api/v4/system/ping=timeout").await;
    let text = show(&mut h, "1").await;
    assert_says(
        &text,
        &[
            "GET /api/v4/system/ping",
            "no answer within 3s",
            "Example Chat",
        ],
    );
    other_tabs_work(&mut h, "1").await;
    server.clear_faults();
    h.press(&["1", "r"]).unwrap();
    h.settle().await;
    assert!(!sane_frames(&mut h).contains("no answer within"));
}

/// The routes only one tab reads, each rate limited: the status bar counts down whichever
/// tab's work met the limit (the config load and the send form's team list used to say it
/// only in their own words).
#[tokio::test]
async fn a_rate_limit_met_by_any_tab_counts_down_in_the_status_bar() {
    for (route, keys) in [
        ("/api/v4/config", &["4"][..]),
        ("/api/v4/teams", &["5", "i"][..]),
    ] {
        let server = demo().await;
        let dir = tempfile::tempdir().unwrap();
        let mut launch = launch(Some(admin(&server)), "DEMO");
        launch.invites.ledger = Some(dir.path().join("ledger.sqlite"));
        launch.invites.no_database = Some("the demo has none".into());
        let mut h = Harness::start(launch);
        h.settle().await;
        server.set_faults(&format!("{route}=429:40")).unwrap();
        for key in keys {
            h.press(&[key]).unwrap();
            h.settle().await;
        }
        if keys == ["4"] {
            h.press(&["r"]).unwrap();
            h.settle().await;
        }
        let left = h.app.status().rate_limit_left();
        assert!(left.is_some_and(|l| l.as_secs() > 30), "{route}: {left:?}");
        let text = sane_frames(&mut h);
        assert!(
            text.contains("rate limited by the server: retrying in"),
            "{route}:\n{text}"
        );
    }
}

/// A session refused on a route only the Invites tab reads says "login needed" in the status
/// bar; `r` on another tab then reads the credentials again and everything comes back.
#[tokio::test]
async fn a_refused_session_on_any_tab_asks_for_a_login_and_r_anywhere_reconnects() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.invites.ledger = Some(dir.path().join("ledger.sqlite"));
    launch.invites.no_database = Some("the demo has none".into());
    let reread = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (client, count) = (admin(&server), std::sync::Arc::clone(&reread));
    launch.reconnect = Some(std::sync::Arc::new(move || {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok((client.clone(), "a new session".to_string()))
    }));
    let mut h = Harness::start(launch);
    h.settle().await;
    server.set_faults("/api/v4/teams=status:401").unwrap();
    h.press(&["5", "i"]).unwrap();
    h.settle().await;
    assert!(h.app.status().login_needed());
    let text = sane_frames(&mut h);
    assert!(text.contains("✗ login needed"), "{text}");
    server.set_faults("").unwrap();
    h.press(&["esc", "2", "r"]).unwrap();
    h.settle().await;
    assert_eq!(reread.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(!h.app.status().login_needed());
    let text = sane_frames(&mut h);
    assert!(text.contains("● connected"), "{text}");
}
