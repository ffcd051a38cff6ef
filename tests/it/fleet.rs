//! The fleet: summaries of several demo servers with faults (down, rate limiting, too slow,
//! refused, an expired licence), never one holding up the others; the view worst first, into a
//! server and back with its state sane; profiles added, edited and removed in a config file that
//! keeps its comments; `mmops fleet --json` and its exit status.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::binary::{mmops, text};
use crate::common::*;
use mmops::config::Paths;
use mmops::demo::fleet::DemoFleet;
use mmops::fleet::{Health, Options, State};
use mmops::tui::testing::Harness;

async fn demo_fleet(count: usize) -> DemoFleet {
    mmops::demo::fleet::start(count, Some(NOW_MS))
        .await
        .unwrap()
}

/// Paths whose config file is the fleet's, data and state inside `dir`.
fn paths(config: &Path, dir: &Path) -> Paths {
    let mut paths = Paths::resolve(Some(config));
    paths.data_dir = dir.join("data");
    paths.state_dir = dir.join("state");
    paths
}

fn options(deadline: Duration) -> Options {
    Options {
        concurrency: 4,
        deadline,
        data_dir: None,
        now_ms: NOW_MS,
    }
}

fn members(paths: &Paths) -> Vec<mmops::fleet::Member> {
    let opts = mmops::cli::GlobalOpts {
        config: Some(paths.config_file.clone()),
        ..Default::default()
    };
    let resolved = mmops::config::Resolved::resolve(&opts, paths.clone()).unwrap();
    mmops::fleet::profiles::members(&resolved)
}

#[tokio::test]
async fn every_server_is_summarised_and_the_faulty_ones_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = demo_fleet(5).await;
    let paths = paths(&fleet.config_file, dir.path());
    let mut summaries =
        mmops::fleet::refresh_all(members(&paths), options(Duration::from_secs(10))).await;
    mmops::fleet::worst_first(&mut summaries, NOW_MS);
    let by_name = |name: &str| summaries.iter().find(|s| s.name == name).unwrap();

    let healthy = by_name("prod-eu");
    assert_eq!(healthy.state, State::Ok);
    assert_eq!(healthy.health(NOW_MS), Health::Ok, "{healthy:?}");
    assert_eq!(healthy.version.as_deref(), Some("11.4.4"));
    assert_eq!(healthy.nodes_up, Some(2));
    assert_eq!(
        (healthy.critical, healthy.plugins_failing),
        (Some(0), Some(0))
    );
    assert!(healthy.rtt_ms.is_some() && healthy.edition.is_some());

    assert!(matches!(by_name("prod-us").state, State::Unreachable(_)));
    assert!(matches!(by_name("staging").state, State::RateLimited(_)));
    let failing = by_name("dr");
    assert_eq!(failing.version.as_deref(), Some("10.5.14"));
    assert!(failing.plugins_failing.unwrap() > 0);
    assert!(failing.critical.unwrap() > 0);
    let expired = by_name("customer-a");
    assert!(expired.licence_expires_ms.unwrap() < NOW_MS);
    assert_eq!(expired.health(NOW_MS), Health::Critical);
    assert!(expired.errors_per_minute.is_some());
    // Worst first: the healthy one is last.
    assert_eq!(summaries.last().unwrap().name, "prod-eu");
}

#[tokio::test]
async fn a_slow_server_takes_only_its_own_row_past_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = demo_fleet(1).await;
    // A second server that answers nothing in time, beside the healthy one.
    let slow = demo_with(mmops::demo::DemoOptions {
        faults: Some("*=timeout".into()),
        ..Default::default()
    })
    .await;
    let token = dir.path().join("slow.token");
    std::fs::write(&token, &slow.token).unwrap();
    let mut config = std::fs::read_to_string(&fleet.config_file).unwrap();
    config.push_str(&format!(
        "\n[profiles.slow]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
        slow.url,
        token.display()
    ));
    let config_file = dir.path().join("config.toml");
    std::fs::write(&config_file, config).unwrap();
    let paths = paths(&config_file, dir.path());
    let started = Instant::now();
    let summaries =
        mmops::fleet::refresh_all(members(&paths), options(Duration::from_secs(2))).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    let slow = summaries.iter().find(|s| s.name == "slow").unwrap();
    assert!(matches!(slow.state, State::TooSlow(_)), "{slow:?}");
    let fine = summaries.iter().find(|s| s.name == "prod-eu").unwrap();
    assert_eq!(fine.state, State::Ok);
}

#[tokio::test]
async fn a_refused_token_and_a_profile_without_a_server_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    let bad = dir.path().join("bad.token");
    std::fs::write(&bad, "not-a-session").unwrap();
    let config_file = dir.path().join("config.toml");
    std::fs::write(
        &config_file,
        format!(
            "[profiles.refused]\nurl = \"{}\"\ntoken_file = \"{}\"\n\n[profiles.empty]\nmm_home = \"/nowhere\"\n",
            server.url,
            bad.display()
        ),
    )
    .unwrap();
    let paths = paths(&config_file, dir.path());
    let summaries =
        mmops::fleet::refresh_all(members(&paths), options(Duration::from_secs(5))).await;
    let refused = summaries.iter().find(|s| s.name == "refused").unwrap();
    assert!(
        matches!(refused.state, State::LoginNeeded(_)),
        "{refused:?}"
    );
    let empty = summaries.iter().find(|s| s.name == "empty").unwrap();
    assert!(matches!(empty.state, State::NotConfigured(_)), "{empty:?}");
}

fn console(fleet: &DemoFleet, dir: &Path) -> Harness {
    let paths = paths(&fleet.config_file, dir);
    let mut launch = launch(None, "");
    let options = Options {
        now_ms: NOW_MS,
        ..options(Duration::from_secs(10))
    };
    launch.fleet = Some(mmops::commands::fleet::fleet_launch(
        &paths,
        &Default::default(),
        options,
        true,
    ));
    Harness::start(launch)
}

async fn rows_answered(h: &mut Harness) {
    h.pump_until(Duration::from_secs(20), |app| {
        app.dialog::<mmops::tui::dialogs::fleet::FleetView>()
            .is_some_and(|v| v.pending == 0)
    })
    .await;
    h.settle().await;
}

#[tokio::test]
async fn the_fleet_view_worst_first_into_a_server_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = demo_fleet(5).await;
    let mut h = console(&fleet, dir.path());
    h.settle().await;
    rows_answered(&mut h).await;
    let wide = h.render_text(200, 50);
    insta::assert_snapshot!("fleet_200x50", mask_times(&wide));
    let narrow = h.render_text(80, 24);
    insta::assert_snapshot!("fleet_80x24", mask_times(&narrow));
    let order: Vec<&str> = wide
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(['✗', '⚠', '✓']))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(order.last(), Some(&"prod-eu"), "{wide}");
    assert!(order.first() != Some(&"prod-eu"));

    // Into the healthy server (last row), then back to the fleet.
    h.press(&["G", "enter"]).unwrap();
    h.settle().await;
    assert!(
        h.app
            .dialog::<mmops::tui::dialogs::fleet::FleetView>()
            .is_none()
    );
    assert!(
        h.app.status().server.starts_with("prod-eu · "),
        "{}",
        h.app.status().server
    );
    let console = h.render_text(120, 40);
    assert!(
        console.contains("prod-eu · http://") && console.contains("11.4.4"),
        "{console}"
    );
    h.press(&["F"]).unwrap();
    h.settle().await;
    let view = h
        .app
        .dialog::<mmops::tui::dialogs::fleet::FleetView>()
        .expect("the fleet again");
    assert_eq!(view.rows.len(), 5, "the rows kept");
    // Esc closes the fleet over the server opened; its tabs are still there.
    h.press(&["esc"]).unwrap();
    assert_eq!(h.app.active_title(), "Server");
    assert!(h.render_text(120, 40).contains("prod-eu · http://"));
}

/// Times and round trips change from run to run.
fn mask_times(text: &str) -> String {
    let clock = regex::Regex::new(r"\d\d:\d\d:\d\d").unwrap();
    let rtt = regex::Regex::new(r"up \d+ m(s|…) *").unwrap();
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let text = clock.replace_all(text, "HH:MM:SS");
    // As wide as the cell was, whatever its digits: the columns stay where they are.
    let text = rtt.replace_all(&text, |found: &regex::Captures| {
        let width = found[0].chars().count();
        format!("{:<width$}", "up N ms")
    });
    port.replace_all(&text, "127.0.0.1:PORT").into_owned()
}

#[tokio::test]
async fn profiles_are_added_checked_and_removed_from_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = demo_fleet(1).await;
    let mut text = std::fs::read_to_string(&fleet.config_file).unwrap();
    text.insert_str(0, "# my servers\ntheme = \"dark\"  # keep it dark\n");
    let config_file = dir.path().join("config.toml");
    std::fs::write(&config_file, &text).unwrap();
    let (_, server) = &fleet.servers[0];
    let token = fleet.dir.path().join("prod-eu.token");
    let paths = paths(&config_file, dir.path());
    let mut launch = launch(None, "");
    launch.fleet = Some(mmops::commands::fleet::fleet_launch(
        &paths,
        &Default::default(),
        options(Duration::from_secs(10)),
        true,
    ));
    let mut h = Harness::start(launch);
    h.settle().await;
    rows_answered(&mut h).await;

    // A server that does not answer is not saved.
    h.press(&["a"]).unwrap();
    h.type_text("nowhere");
    h.press(&["tab"]).unwrap();
    h.type_text("http://127.0.0.1:9");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let form = h.render_text(100, 30);
    insta::assert_snapshot!("fleet_form_refused_100x30", mask_times(&form));
    assert!(form.contains("not saved"), "{form}");
    assert!(
        !std::fs::read_to_string(&config_file)
            .unwrap()
            .contains("nowhere")
    );
    h.press(&["esc"]).unwrap();

    // One that answers is.
    h.press(&["a"]).unwrap();
    h.type_text("second");
    h.press(&["tab"]).unwrap();
    h.type_text(&server.url);
    h.press(&["tab"]).unwrap();
    h.type_text(token.to_str().unwrap());
    h.press(&["enter"]).unwrap();
    h.settle().await;
    rows_answered(&mut h).await;
    let saved = std::fs::read_to_string(&config_file).unwrap();
    assert!(saved.contains("[profiles.second]"), "{saved}");
    assert!(
        saved.contains("# my servers") && saved.contains("# keep it dark"),
        "{saved}"
    );
    let view = h
        .app
        .dialog::<mmops::tui::dialogs::fleet::FleetView>()
        .unwrap();
    assert_eq!(view.rows.len(), 2);

    // Removed, after a yes.
    let second = view
        .shown(NOW_MS)
        .iter()
        .position(|i| view.rows[*i].name == "second")
        .unwrap();
    h.press(&["g"]).unwrap();
    for _ in 0..second {
        h.press(&["j"]).unwrap();
    }
    h.press(&["x", "y"]).unwrap();
    h.settle().await;
    let saved = std::fs::read_to_string(&config_file).unwrap();
    assert!(
        !saved.contains("[profiles.second]") && saved.contains("# keep it dark"),
        "{saved}"
    );
}

#[test]
fn fleet_json_and_the_exit_status_of_the_worst() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fleet = runtime.block_on(demo_fleet(2));
    let out = mmops(dir.path())
        .args(["--config"])
        .arg(&fleet.config_file)
        .args(["fleet", "--json", "--deadline", "5"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
    assert_eq!(json["schema"], "mmops.fleet/1");
    assert_eq!(json["worst"], "critical");
    assert_eq!(out.status.code(), Some(2), "a server is down");
    let servers = json["servers"].as_array().unwrap();
    assert_eq!(servers[0]["name"], "prod-us");
    assert_eq!(servers[0]["state"], "unreachable");
    assert_eq!(servers[1]["health"], "ok");
    assert_eq!(servers[1]["version"], "11.4.4");
    assert!(
        !stdout.contains(&fleet.servers[0].1.token),
        "no token in the output"
    );

    // Only the healthy one: exit 0; the table form says the same.
    let only = dir.path().join("only.toml");
    let text_config = std::fs::read_to_string(&fleet.config_file).unwrap();
    let healthy: String = text_config
        .split("\n[profiles.")
        .filter(|part| part.starts_with("prod-eu]"))
        .map(|part| format!("\n[profiles.{part}"))
        .collect();
    std::fs::write(&only, healthy).unwrap();
    let out = mmops(dir.path())
        .args(["--config"])
        .arg(&only)
        .args(["fleet", "--table"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("prod-eu"));
    drop(fleet);
}
