//! The real App driven by key events, rendered into ratatui's TestBackend and compared with
//! insta snapshots, at 80x24 and 120x40. The demo server and the clock are fixed, so every
//! frame is reproducible.

use crate::common::Tabs;
use crate::common::*;
use mmops::config::{ConnectionSpec, Target, TokenSource};
use mmops::host::{HomeOrigin, MmHome};
use mmops::mm::MmClient;
use mmops::secret::Secret;
use mmops::tui::Launch;
use mmops::tui::testing::Harness;
use mmops::tui::theme::Theme;
use ratatui::style::Modifier;

async fn settled(launch: Launch) -> Harness {
    let mut harness = Harness::start(launch);
    harness.settle().await;
    harness
}

#[tokio::test]
async fn server_tab() {
    let server = demo().await;
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    insta::assert_snapshot!("server_tab_80x24", h.render_text(80, 24));
    insta::assert_snapshot!("server_tab_120x40", h.render_text(120, 40));
}

#[tokio::test]
async fn server_tab_scrolls_with_keys() {
    let server = demo().await;
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    h.render_text(80, 24);
    h.press(&["G"]).unwrap();
    insta::assert_snapshot!("server_tab_bottom_80x24", h.render_text(80, 24));
    h.press(&["g", "j", "j"]).unwrap();
    let text = h.render_text(80, 24);
    assert!(
        text.lines().nth(1).unwrap().contains("A plugin is failing"),
        "two lines down:\n{text}"
    );
    h.press(&["ctrl-d"]).unwrap();
    let paged = h.render_text(80, 24);
    assert_ne!(paged, text);
}

#[tokio::test]
async fn help_overlay() {
    let server = demo().await;
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["?"]).unwrap();
    insta::assert_snapshot!("help_80x24", h.render_text(80, 24));
    insta::assert_snapshot!("help_120x40", h.render_text(120, 40));
    // Keys of the tab stay inert while the help is open; Esc closes it.
    h.press(&["3"]).unwrap();
    assert_eq!(h.app.active_title(), "Server");
    h.press(&["esc"]).unwrap();
    assert!(!h.render_text(80, 24).contains("Keys · Esc closes"));
}

#[tokio::test]
async fn tabs_switch_with_numbers_and_tab() {
    let server = demo().await;
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["2"]).unwrap();
    assert_eq!(h.app.active_title(), "Plugins");
    assert!(h.render_text(80, 24).contains("8 installed"));
    h.press(&["3"]).unwrap();
    assert_eq!(h.app.active_title(), "Logs");
    h.press(&["tab"]).unwrap();
    assert_eq!(h.app.active_title(), "Config");
    h.press(&["shift-tab", "shift-tab", "shift-tab"]).unwrap();
    assert_eq!(h.app.active_title(), "Server");
    h.press(&["5", "tab"]).unwrap();
    assert_eq!(h.app.active_title(), "Doctor");
    h.press(&["tab"]).unwrap();
    assert_eq!(h.app.active_title(), "Server", "Tab wraps around");
    h.press(&["q"]).unwrap();
    assert!(h.app.should_quit());
}

#[tokio::test]
async fn refresh_reloads_in_the_background() {
    let server = demo().await;
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["r"]).unwrap();
    // Every Server-tab part, and the Plugins, Config and Doctor tabs with them.
    assert_eq!(
        h.app.pending_jobs(),
        mmops::overview::PartKind::ALL.len() + 3
    );
    assert!(h.app.server().is_loading());
    h.settle().await;
    assert!(!h.app.server().is_loading());
}

#[tokio::test]
async fn a_plain_user_sees_which_permissions_are_missing() {
    let server = demo().await;
    let mut h = settled(launch(
        Some(client(&server, Some(&server.viewer_token))),
        "DEMO",
    ))
    .await;
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("server_tab_viewer_120x40", text);
    assert!(text.contains("needs the 'get_analytics' permission"));
    assert!(text.contains("needs the 'sysconsole_read_environment_high_availability'"));
}

#[tokio::test]
async fn an_unreachable_server_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let spec = ConnectionSpec {
        target: Target::Remote {
            url: format!("http://{addr}/").parse().unwrap(),
        },
        token: Some(Secret::new("t")),
        token_source: TokenSource::Environment,
        insecure: true,
        label: Some("https://chat.example.com".to_string()),
    };
    let client = MmClient::new(&spec, quick_options()).unwrap();
    let mut launch = launch(Some(client), "https://chat.example.com");
    launch.insecure = true;
    let mut h = settled(launch).await;
    let text = h
        .render_text(80, 24)
        .replace(&addr.to_string(), "127.0.0.1:PORT");
    insta::assert_snapshot!("server_tab_unreachable_80x24", text);
    assert!(text.contains("INSECURE TLS") && text.contains("unreachable"));
}

#[tokio::test]
async fn no_server_explains_how_to_connect() {
    let mut h = settled(launch(None, "")).await;
    insta::assert_snapshot!("no_server_80x24", h.render_text(80, 24));
}

#[tokio::test]
async fn host_facts_come_from_the_install_dir() {
    let server = demo().await;
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
    let mut h = settled(launch).await;
    h.render_text(120, 40);
    h.press(&["G"]).unwrap();
    let text = h.render_text(120, 40);
    assert!(text.contains("Host"), "{text}");
    assert!(text.contains("config.json ✓ readable"), "{text}");
    assert!(text.contains("logs ✓ readable"), "{text}");
}

#[tokio::test]
async fn without_colour_the_active_tab_and_alarms_stay_visible() {
    let server = demo().await;
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.theme = Theme::builtin("dark").without_colour();
    let mut h = settled(launch).await;
    let buffer = h.render(120, 40);
    let active = (0..120)
        .find(|x| buffer[(*x, 0)].symbol() == "[")
        .expect("the active tab is bracketed");
    let cell = &buffer[(active + 1, 0)];
    assert!(cell.modifier.contains(Modifier::REVERSED));
    assert_eq!(cell.fg, ratatui::style::Color::Reset);
    for y in 0..40 {
        for x in 0..120 {
            let cell = &buffer[(x, y)];
            assert_eq!(cell.fg, ratatui::style::Color::Reset, "colour at {x},{y}");
            assert_eq!(cell.bg, ratatui::style::Color::Reset, "colour at {x},{y}");
        }
    }
    let warning = (0..40)
        .flat_map(|y| (0..120).map(move |x| (x, y)))
        .find(|(x, y)| buffer[(*x, *y)].symbol() == "⚠")
        .expect("the demo licence warns");
    assert!(buffer[warning].modifier.contains(Modifier::BOLD));
}

#[tokio::test]
async fn a_slow_route_delays_only_its_own_section() {
    let server = demo().await;
    server
        .set_faults("/api/v4/analytics/old=latency:1500")
        .unwrap();
    let mut h = Harness::start(launch(Some(admin(&server)), "DEMO"));
    h.pump_until(std::time::Duration::from_secs(1), |app| {
        let o = app.server().overview().unwrap();
        o.config.loaded().is_some() && o.cluster.loaded().is_some() && o.ping.loaded().is_some()
    })
    .await;
    assert_eq!(
        h.app.server().overview().unwrap().stats,
        mmops::overview::Section::Loading
    );
    let text = h.render_text(120, 40);
    assert!(
        text.contains("Example Chat") && text.contains("… loading"),
        "{text}"
    );
    assert!(text.contains("refreshing"), "{text}");
    h.settle().await;
    assert!(h.render_text(120, 40).contains("Posts"));
}

#[tokio::test]
async fn rate_limits_are_respected_and_counted_down() {
    let server = demo().await;
    server.set_faults("/api/v4/analytics/old=429:30").unwrap();
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    let text = h.render_text(120, 40);
    assert!(
        text.contains("rate limited by the server: retrying in"),
        "{text}"
    );
    let before = server.shared().recent_requests().len();
    h.press(&["r"]).unwrap();
    h.settle().await;
    assert_eq!(
        server.shared().recent_requests().len(),
        before,
        "r waits for Retry-After"
    );
}

#[tokio::test]
async fn r_picks_up_new_credentials_after_a_login_problem() {
    let server = demo().await;
    let mut launch = launch(Some(client(&server, Some("expired-token"))), "DEMO");
    let good = admin(&server);
    launch.reconnect = Some(std::sync::Arc::new(move || {
        Ok((good.clone(), "login session".to_string()))
    }));
    let mut h = settled(launch).await;
    let text = h.render_text(120, 40);
    assert!(
        text.contains("Login needed") && text.contains("login needed"),
        "{text}"
    );
    h.press(&["r"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    assert!(
        text.contains("● connected") && text.contains("Example Chat"),
        "{text}"
    );
}

/// Started with no server, a first `mmops login` in another shell and Ctrl-R bring the server
/// in: the Server tab shows it and the status bar names it.
#[tokio::test]
async fn ctrl_r_after_a_first_login_brings_the_server_in() {
    let server = demo().await;
    let mut launch = launch(None, "");
    let good = admin(&server);
    launch.reconnect = Some(std::sync::Arc::new(move || {
        Ok((good.clone(), "login session".to_string()))
    }));
    let mut h = settled(launch).await;
    let text = h.render_text(120, 40);
    assert!(text.contains("no server configured"), "{text}");
    h.press(&["ctrl-r"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    assert!(
        text.contains("● connected") && text.contains("Example Chat"),
        "{text}"
    );
    assert_eq!(h.app.status().server, admin(&server).display_name());
}

/// A paste goes into the prompt that is open, control characters left out, and does nothing
/// in a plain view (where its letters would otherwise be taken as keys).
#[tokio::test]
async fn a_paste_goes_into_the_open_prompt_only() {
    let server = demo().await;
    let mut h = settled(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["4"]).unwrap();
    h.paste("q1/");
    assert!(!h.app.should_quit(), "pasted letters are no keys");
    assert_eq!(h.app.active_title(), "Config");
    h.press(&["/"]).unwrap();
    h.paste("Site\x1bURL\n");
    let text = h.render_text(120, 40);
    assert!(text.contains("): SiteURL"), "{text}");
    assert_eq!(h.app.config().search_matches().map(|n| n > 0), Some(true));
}
