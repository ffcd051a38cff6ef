//! The Plugins tab in the real App against the demo server: per-node states with failed
//! plugins first, the manifest detail with sanitized setting values, enable/disable after a
//! confirmation, local mode without statuses, and a user who may not read plugins.

use crate::common::Tabs;
use crate::common::*;
use mmops::demo::DemoOptions;
use mmops::tui::Launch;
use mmops::tui::testing::Harness;

async fn on_plugins(launch: Launch) -> Harness {
    let mut h = Harness::start(launch);
    h.settle().await;
    h.press(&["2"]).unwrap();
    h
}

#[tokio::test]
async fn every_plugin_with_its_state_on_every_node() {
    let server = demo().await;
    let mut h = on_plugins(launch(Some(admin(&server)), "DEMO")).await;
    assert_eq!(h.app.active_title(), "Plugins");
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("plugins_120x40", text);
    insta::assert_snapshot!("plugins_80x24", h.render_text(80, 24));

    // Failed plugins come first, then by name; a version that differs between nodes is flagged.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("│✗") || l.contains("│●") || l.contains("│○"))
        .collect();
    assert!(rows[0].contains("✗") && rows[1].contains("✗"), "{text}");
    assert!(text.contains("failed to stay running"), "{text}");
    assert!(text.contains("failed to start"), "{text}");
    let github = rows.iter().find(|r| r.contains("GitHub")).unwrap();
    assert!(github.contains("⚠"), "{github}");
    // An old manifest without a version still lists.
    assert!(text.contains("Zoom"), "{text}");
    // The selected plugin's errors show under the table.
    assert!(text.contains("mm-app-1: plugin process exited"), "{text}");
}

#[tokio::test]
async fn the_detail_shows_the_manifest_and_masks_secret_settings() {
    let server = demo().await;
    let mut h = on_plugins(launch(Some(admin(&server)), "DEMO")).await;
    // Both nodes' logs are in, so the recent entries that mention the plugin are known.
    h.pump_until(std::time::Duration::from_secs(20), |app| {
        app.logs().store().sources().len() == 2
    })
    .await;
    // GitHub is the second failed plugin.
    h.press(&["j", "enter"]).unwrap();
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("plugin_detail_120x40", text);
    insta::assert_snapshot!("plugin_detail_80x24", h.render_text(80, 24));
    assert!(text.contains("Where it runs"), "{text}");
    assert!(
        text.contains("linux-amd64: server/dist/plugin-linux-amd64"),
        "{text}"
    );
    assert!(
        text.contains("OAuth client secret (text)")
            && text.contains("********************************"),
        "{text}"
    );
    // The demo's real secret values never appear.
    let config = std::fs::read_to_string(server.host_dir.join("config/config.json")).unwrap();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    let github = &config["PluginSettings"]["Plugins"]["github"];
    for key in ["githuboauthclientsecret", "webhooksecret", "encryptionkey"] {
        let secret = github[key].as_str().unwrap();
        assert!(!secret.is_empty());
        h.press(&["G"]).unwrap();
        assert!(!h.render_text(120, 40).contains(secret), "{key} leaked");
        h.press(&["g"]).unwrap();
        assert!(!h.render_text(120, 40).contains(secret), "{key} leaked");
    }
    h.press(&["esc"]).unwrap();
    assert!(!h.app.plugins().is_detail_open());
}

#[tokio::test]
async fn disable_asks_first_then_refreshes() {
    let server = demo().await;
    let mut h = on_plugins(launch(Some(admin(&server)), "DEMO")).await;
    // Autolink: the first plugin that is enabled and healthy.
    h.press(&["j", "j"]).unwrap();
    let selected = h
        .app
        .plugins()
        .selected_plugin()
        .unwrap()
        .manifest
        .id
        .clone();
    assert_eq!(selected, "mattermost-autolink");

    // n says no: nothing is sent.
    h.press(&["D"]).unwrap();
    assert!(
        h.render_text(120, 40)
            .contains("Disable Autolink on every node? y yes · n no")
    );
    h.press(&["n"]).unwrap();
    h.settle().await;
    assert!(
        !server
            .shared()
            .recent_requests()
            .iter()
            .any(|r| r.contains("/disable"))
    );

    // Enter is not a yes.
    h.press(&["D", "enter"]).unwrap();
    h.settle().await;
    assert!(
        !server
            .shared()
            .recent_requests()
            .iter()
            .any(|r| r.contains("/disable"))
    );

    // E on an enabled plugin says so instead of asking.
    h.press(&["E"]).unwrap();
    assert!(
        h.render_text(120, 40)
            .contains("Autolink is already enabled")
    );

    h.press(&["D", "y"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    assert!(text.contains("Autolink disabled; refreshing"), "{text}");
    assert!(
        server
            .shared()
            .recent_requests()
            .iter()
            .any(|r| r.contains("POST /api/v4/plugins/mattermost-autolink/disable"))
    );
    let autolink = h
        .app
        .plugins()
        .plugins()
        .iter()
        .find(|p| p.manifest.id == "mattermost-autolink")
        .unwrap();
    assert!(!autolink.enabled, "the list was refreshed");
}

#[tokio::test]
async fn a_viewer_is_told_which_permission_is_missing() {
    let server = demo().await;
    let mut h = on_plugins(launch(
        Some(client(&server, Some(&server.viewer_token))),
        "DEMO",
    ))
    .await;
    let text = h.render_text(100, 30);
    assert!(text.contains("sysconsole_read_plugins"), "{text}");
}

#[tokio::test]
async fn local_mode_lists_plugins_without_states_and_shows_no_secret() {
    // An install whose config is full of canaries, served unsanitized over the socket.
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host");
    let socket = dir.path().join("mm.sock");
    let canaries: Vec<String> = (0..4).map(|i| format!("CANARY-plugin-{i}-x9q")).collect();
    let server = demo_with_config(
        &host,
        |config| {
            let github = &mut config["PluginSettings"]["Plugins"]["github"];
            github["githuboauthclientsecret"] = canaries[0].clone().into();
            github["webhooksecret"] = canaries[1].clone().into();
            config["PluginSettings"]["Plugins"]["com.mattermost.calls"]["turnstaticauthsecret"] =
                canaries[2].clone().into();
            config["PluginSettings"]["Plugins"]["github"]["someapitoken"] =
                canaries[3].clone().into();
        },
        DemoOptions {
            local_socket: Some(socket.clone()),
            ..DemoOptions::default()
        },
    )
    .await;
    let client = local_client(&socket);
    let mut h = on_plugins(launch(Some(client), "local")).await;
    let mut screens = vec![h.render_text(120, 40)];
    assert!(
        screens[0].contains("states per node are not served over the local socket"),
        "{}",
        screens[0]
    );
    // Every plugin's detail, top and bottom.
    let count = h.app.plugins().plugins().len();
    for i in 0..count {
        h.press(&["g"]).unwrap();
        for _ in 0..i {
            h.press(&["j"]).unwrap();
        }
        h.press(&["enter"]).unwrap();
        screens.push(h.render_text(120, 40));
        h.press(&["G"]).unwrap();
        screens.push(h.render_text(120, 40));
        h.press(&["ctrl-u"]).unwrap();
        screens.push(h.render_text(80, 24));
        h.press(&["esc"]).unwrap();
    }
    for screen in &screens {
        for canary in &canaries {
            assert!(!screen.contains(canary), "{canary} shown:\n{screen}");
        }
    }
    drop(server);
}

#[tokio::test]
async fn a_plugin_changed_elsewhere_shows_without_a_refresh() {
    use mmops::tui::tabs::plugins::Live;
    let server = demo().await;
    // No periodic refresh within the test: only the WebSocket can bring the change.
    let mut h = on_plugins(launch(Some(admin(&server)), "DEMO")).await;
    assert_eq!(*h.app.plugins().live(), Live::Live);
    let plugin = h
        .app
        .plugins()
        .plugins()
        .iter()
        .find(|p| p.enabled)
        .map(|p| p.manifest.id.clone())
        .unwrap();
    // Someone disables it in the System Console.
    mmops::mm::client::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v4/plugins/{plugin}/disable", server.url))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    h.pump_until(std::time::Duration::from_secs(10), |app| {
        app.plugins()
            .plugins()
            .iter()
            .any(|p| p.manifest.id == plugin && !p.enabled)
    })
    .await;
    assert!(h.render_text(120, 40).contains("· live"));
}

#[tokio::test]
async fn a_session_the_websocket_refuses_leaves_polling_and_says_why() {
    use mmops::tui::tabs::plugins::Live;
    let server = demo().await;
    let mut h = on_plugins(launch(
        Some(client(&server, Some("not-a-session-token"))),
        "DEMO",
    ))
    .await;
    match h.app.plugins().live() {
        Live::Off(why) => assert!(why.contains("401"), "{why}"),
        other => panic!("{other:?}"),
    }
    // The tab still says what it can (here: that the session is not valid).
    let _ = h.render_text(120, 40);
}

#[tokio::test]
async fn the_periodic_refresh_reads_neither_the_config_nor_live_plugins_again() {
    use mmops::tui::tabs::plugins::Live;
    let server = demo().await;
    // Rules that change nothing and count the requests of each route.
    server
        .set_faults(
            "/api/v4/system/ping=latency:0;/api/v4/config=latency:0;/api/v4/plugins=latency:0",
        )
        .unwrap();
    let hits = |rule: usize| server.shared().faults().rules[rule].hits();
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.refresh_every = std::time::Duration::from_millis(150);
    let mut h = Harness::start(launch);
    h.settle().await;
    assert_eq!(*h.app.plugins().live(), Live::Live);
    let (pings, configs, plugins) = (hits(0), hits(1), hits(2));
    assert!(configs > 0 && plugins > 0, "the first load reads both");
    for _ in 0..10 {
        h.pump_for(std::time::Duration::from_millis(120)).await;
    }
    assert!(
        hits(0) >= pings + 3,
        "the Server tab refreshed: {pings} → {}",
        hits(0)
    );
    assert_eq!(hits(1), configs, "the config was read again by the timer");
    assert_eq!(hits(2), plugins, "live plugins were polled");

    // `r` in the Config tab reads it again, and the tab says when it was read.
    h.press(&["4"]).unwrap();
    h.press(&["r"]).unwrap();
    h.settle().await;
    assert!(hits(1) > configs);
    let text = h.render_text(120, 40);
    assert!(text.contains("read 09:30:00 UTC · r reads again"), "{text}");
}
