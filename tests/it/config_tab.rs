//! The Config tab in the real App against the demo server: the sanitized tree, folding,
//! search, the default and environment markers, the views, copying a setting, snapshots and
//! comparisons, and a local-mode config full of canaries that never reaches the screen.

use crate::common::Tabs;
use crate::common::*;
use mmops::demo::DemoOptions;
use mmops::host::{HomeOrigin, MmHome};
use mmops::tui::Launch;
use mmops::tui::testing::Harness;

async fn on_config(launch: Launch) -> Harness {
    let mut h = Harness::start(launch);
    h.settle().await;
    h.press(&["4"]).unwrap();
    h
}

fn with_snapshots(mut launch: Launch, dir: &std::path::Path) -> Launch {
    launch.snapshot_dir = dir.to_path_buf();
    launch
}

#[tokio::test]
async fn the_tree_folds_and_marks_changed_env_and_masked_values() {
    let server = demo().await;
    let mut h = on_config(launch(Some(admin(&server)), "DEMO")).await;
    insta::assert_snapshot!("config_sections_80x24", h.render_text(80, 24));
    // SqlSettings is the fourth section.
    h.press(&["j", "j", "j", "enter"]).unwrap();
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("config_sql_open_120x40", text);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!("    {name} ")))
            .unwrap_or_else(|| panic!("{name} not shown:\n{text}"))
            .to_string()
    };
    // DriverName comes from an environment variable and is the default.
    let driver = line("DriverName");
    assert!(driver.contains("env") && !driver.contains('≠'), "{driver}");
    // DataSource: changed, from the environment, masked.
    let source = line("DataSource");
    assert!(
        source.contains("≠") && source.contains("env") && source.contains("***"),
        "{source}"
    );
    // MaxOpenConns is at its default (300): no marker.
    let conns = line("MaxOpenConns");
    assert!(!conns.contains('≠'), "{conns}");
    // Enter again folds it.
    h.press(&["enter"]).unwrap();
    assert!(!h.render_text(120, 40).contains("    DriverName"));
}

#[tokio::test]
async fn search_unfolds_to_each_match_and_counts() {
    let server = demo().await;
    let mut h = on_config(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["/"]).unwrap();
    h.type_text("level");
    let text = h.render_text(120, 40);
    let count = h.app.config().search_matches().unwrap();
    assert!(count >= 2, "{text}");
    assert!(text.contains(&format!("search ({count}): level")), "{text}");
    assert!(
        text.contains("    ConsoleLevel"),
        "the match's section opened:\n{text}"
    );
    h.press(&["enter"]).unwrap();
    let text = h.render_text(120, 40);
    assert!(text.contains(&format!("\"level\": 1 of {count}")), "{text}");
    h.press(&["n"]).unwrap();
    let text = h.render_text(120, 40);
    assert!(text.contains(&format!("\"level\": 2 of {count}")), "{text}");
    let row = h.app.config().selected_row().unwrap();
    assert_eq!(row.path, "LogSettings.FileLevel");
    // Each match opens only its own sections: the rest stay folded.
    assert!(!text.contains("    SiteURL"), "{text}");
    h.press(&["N", "esc"]).unwrap();
    assert!(h.app.config().search_matches().is_none());
}

#[tokio::test]
async fn the_views_show_what_changed_and_what_support_looks_at() {
    let server = demo().await;
    let mut h = on_config(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["v"]).unwrap();
    let changed = h.render_text(120, 40);
    insta::assert_snapshot!("config_changed_120x40", changed);
    assert!(changed.contains("changed from default"), "{changed}");
    assert!(changed.contains("SiteURL"), "{changed}");
    assert!(!changed.contains("MaxOpenConns"), "{changed}");
    h.press(&["v"]).unwrap();
    let support = h.render_text(120, 40);
    assert!(support.contains("what support looks at"), "{support}");
    let shown: Vec<&str> = h.app.config().shown_paths().collect();
    for path in [
        "LogSettings.FileLevel",
        "ClusterSettings.Enable",
        "SqlSettings.MaxOpenConns",
    ] {
        assert!(shown.contains(&path), "{path} missing: {shown:?}");
    }
    assert!(
        !shown.iter().any(|p| p.starts_with("ThemeSettings")),
        "{shown:?}"
    );
    h.press(&["v"]).unwrap();
    assert!(h.render_text(120, 40).contains("every setting"));
}

#[tokio::test]
async fn y_copies_path_and_value() {
    let server = demo().await;
    let mut h = on_config(launch(Some(admin(&server)), "DEMO")).await;
    h.press(&["/"]).unwrap();
    h.type_text("SiteURL");
    h.press(&["enter", "y"]).unwrap();
    let out = h.terminal_output();
    assert_eq!(out.len(), 1);
    let expected = mmops::tui::osc52::base64(b"ServiceSettings.SiteURL = https://chat.example.com");
    assert_eq!(out[0], format!("\x1b]52;c;{expected}\x07"));
}

#[tokio::test]
async fn a_snapshot_then_a_compare_with_it_and_with_a_modified_file() {
    let server = demo().await;
    // Fixed paths, so that the notices are the same every run.
    let snapshots = std::env::temp_dir().join("mmops-test-snapshots-compare");
    let _ = std::fs::remove_dir_all(&snapshots);
    let mut h = on_config(with_snapshots(
        launch(Some(admin(&server)), "DEMO"),
        &snapshots,
    ))
    .await;
    h.press(&["S"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    assert!(text.contains("snapshot saved:"), "{text}");
    let saved = std::fs::read_dir(&snapshots).unwrap().count();
    assert_eq!(saved, 1);

    // c offers the snapshot; Enter compares: nothing differs.
    h.press(&["c"]).unwrap();
    assert!(h.render_text(120, 40).contains("compare with"));
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    assert!(text.contains("The two configs are the same."), "{text}");
    h.press(&["esc"]).unwrap();

    // A modified config.json with a secret in it: the other side is sanitized too.
    // A fixed path, so that the compared-with line is the same every run.
    let dir = std::env::temp_dir().join("mmops-test-compare");
    std::fs::create_dir_all(&dir).unwrap();
    let other_path = dir.join("config.json");
    let mut other: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(server.host_dir.join("config/config.json")).unwrap(),
    )
    .unwrap();
    other["LogSettings"]["FileLevel"] = "DEBUG".into();
    other["TeamSettings"]["SiteName"] = "Old Name".into();
    other["NewSettings"] = serde_json::json!({"Flag": true, "Password": "CANARY-other-side"});
    std::fs::write(&other_path, serde_json::to_vec(&other).unwrap()).unwrap();
    h.press(&["c", "ctrl-u"]).unwrap();
    h.type_text(other_path.to_str().unwrap());
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("config_compare_120x40", text);
    assert!(
        text.contains("~ LogSettings.FileLevel: INFO here, DEBUG there"),
        "{text}"
    );
    assert!(text.contains("- NewSettings.Flag = true"), "{text}");
    assert!(!text.contains("CANARY"), "{text}");
}

#[tokio::test]
async fn compare_with_a_support_packet() {
    let server = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.packet_dir = dir.path().to_path_buf();
    let mut h = Harness::start(launch);
    h.settle().await;
    // Write a packet with p, then compare the Config tab with it.
    h.press(&["p"]).unwrap();
    h.settle().await;
    h.press(&["enter"]).unwrap();
    h.settle().await;
    h.press(&["esc", "4"]).unwrap();
    let zip = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .unwrap();
    h.press(&["c", "ctrl-u"]).unwrap();
    h.type_text(zip.to_str().unwrap());
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(120, 40);
    assert!(text.contains("The two configs are the same."), "{text}");
    // A file that is not a config says so.
    std::fs::write(dir.path().join("x.txt"), "hello").unwrap();
    h.press(&["esc", "c", "ctrl-u"]).unwrap();
    h.type_text(dir.path().join("x.txt").to_str().unwrap());
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert!(h.render_text(120, 40).contains("is not JSON"));
}

#[tokio::test]
async fn without_a_server_the_install_config_is_shown_sanitized() {
    let server = demo().await;
    let mut launch = launch(None, "");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Flag));
    let mut h = on_config(launch).await;
    h.press(&["/"]).unwrap();
    h.type_text("smtppassword");
    h.press(&["enter"]).unwrap();
    let text = h.render_text(120, 40);
    assert!(text.contains("SMTPPassword"), "{text}");
    let raw = std::fs::read_to_string(server.host_dir.join("config/config.json")).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let secret = raw["EmailSettings"]["SMTPPassword"].as_str().unwrap();
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("********************************"), "{text}");

    // From disk, the defaults come from mmops' own table: what it knows is marked, and the
    // "changed" view lists it.
    let doc = h.app.config().doc().unwrap();
    assert!(
        doc.notes.iter().any(|n| n.contains("mmops' table of")),
        "{:?}",
        doc.notes
    );
    let row = |path: &str| doc.tree.rows.iter().find(|r| r.path == path).unwrap();
    assert_eq!(row("ServiceSettings.SiteURL").changed, Some(true));
    assert_eq!(row("ServiceSettings.ListenAddress").changed, Some(false));
    assert_eq!(row("EmailSettings.SMTPPassword").changed, None);
    h.press(&["esc", "v"]).unwrap();
    let changed = h.render_text(120, 40);
    assert!(changed.contains("SiteURL"), "{changed}");
    let shown: Vec<&str> = h.app.config().shown_paths().collect();
    assert!(
        !shown.contains(&"ServiceSettings.ListenAddress"),
        "{changed}"
    );
}

#[tokio::test]
async fn a_local_mode_config_full_of_canaries_never_shows_one() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host");
    let socket = dir.path().join("mm.sock");
    let mut canaries = Vec::new();
    let mut canary = |what: &str| {
        let c = format!("CANARY-{}-{what}", canaries.len());
        canaries.push(c.clone());
        c
    };
    let server = demo_with_config(
        &host,
        |config| {
            config["SqlSettings"]["DataSource"] =
                format!("postgres://mmuser:{}@db:5432/mm", canary("dsn")).into();
            config["SqlSettings"]["DataSourceReplicas"] =
                serde_json::json!([format!("postgres://r:{}@db2/mm", canary("replica"))]);
            config["EmailSettings"]["SMTPPassword"] = canary("smtp").into();
            config["FileSettings"]["PublicLinkSalt"] = canary("salt").into();
            config["LdapSettings"]["BindPassword"] = canary("ldap").into();
            config["GitLabSettings"]["Secret"] = canary("gitlab").into();
            config["ServiceSettings"]["SomeFutureApiToken"] = canary("token").into();
            config["PluginSettings"]["Plugins"]["github"]["webhooksecret"] =
                canary("plugin").into();
        },
        DemoOptions {
            local_socket: Some(socket.clone()),
            ..DemoOptions::default()
        },
    )
    .await;
    let client = local_client(&socket);
    let mut h = on_config(launch(Some(client), "local")).await;
    // Unfold everything by searching for each canary's setting, and page through all rows.
    let mut screens = Vec::new();
    for name in [
        "datasource",
        "smtppassword",
        "publiclinksalt",
        "bindpassword",
        "gitlabsettings.secret",
        "somefutureapitoken",
        "webhooksecret",
    ] {
        h.press(&["/"]).unwrap();
        h.type_text(name);
        h.press(&["enter"]).unwrap();
        screens.push(h.render_text(120, 40));
        screens.push(h.render_text(80, 24));
        h.press(&["y"]).unwrap();
        for bytes in h.terminal_output() {
            screens.push(bytes);
        }
        h.press(&["esc"]).unwrap();
    }
    for _ in 0..80 {
        h.press(&["ctrl-d"]).unwrap();
        screens.push(h.render_text(120, 40));
    }
    for screen in &screens {
        for canary in &canaries {
            assert!(
                !screen.contains(canary.as_str()),
                "{canary} shown:\n{screen}"
            );
        }
    }
    drop(server);
}
