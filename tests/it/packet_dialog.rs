//! The support-packet dialog in the real App: `p` (built by mmops) and `P` (built by the
//! server) against the demo server, driven by keys and rendered into the TestBackend.

use crate::common::Tabs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::*;
use mmops::demo::DemoOptions;
use mmops::host::{HomeOrigin, MmHome};
use mmops::tui::Launch;
use mmops::tui::dialogs::packet::Stage;
use mmops::tui::testing::Harness;

/// A fresh directory at a fixed path, so that the dialog's "Into" line is the same each run.
fn packet_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mmops-test-packet-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn zips_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    found.sort();
    found
}

async fn open(launch: Launch, key: &str) -> Harness {
    let mut h = Harness::start(launch);
    h.settle().await;
    h.press(&[key]).unwrap();
    h.settle().await;
    h
}

#[tokio::test]
async fn the_built_packet_shows_its_plan_then_writes_it() {
    let server = demo().await;
    let dir = packet_dir("built");
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "p").await;

    let plan = h.render_text(120, 40);
    insta::assert_snapshot!("packet_plan_120x40", mask_build_dependent(&plan));
    insta::assert_snapshot!(
        "packet_plan_80x24",
        mask_build_dependent(&h.render_text(80, 24))
    );
    for file in [
        "metadata.yaml",
        "support_packet.yaml",
        "plugins.json",
        "sanitized_config.json",
        "mm-app-1/mattermost.log",
        "mm-app-2/mattermost.log",
        "redactions.txt",
    ] {
        assert!(plan.contains(file), "{file} missing from the plan:\n{plan}");
    }
    assert!(plan.contains("[x] l  include the logs"), "{plan}");
    assert!(plan.contains("[ ] v  privacy mode"), "{plan}");

    // l leaves the logs out, v turns privacy on; the plan follows.
    h.press(&["l", "v"]).unwrap();
    let toggled = h.render_text(120, 40);
    assert!(toggled.contains("[ ] l  include the logs"), "{toggled}");
    assert!(toggled.contains("[x] v  privacy mode"), "{toggled}");
    assert!(!toggled.contains("mattermost.log"), "{toggled}");
    h.press(&["l"]).unwrap();
    assert!(h.render_text(120, 40).contains("mm-app-1/mattermost.log"));

    h.press(&["enter"]).unwrap();
    h.settle().await;
    let done = h.render_text(120, 40);
    insta::assert_snapshot!("packet_written_120x40", mask_build_dependent(&done));
    let zips = zips_in(&dir);
    assert_eq!(zips.len(), 1, "{zips:?}");
    let zip_path = &zips[0];
    assert!(done.contains(&zip_path.display().to_string()), "{done}");
    let mode = std::fs::metadata(zip_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Every entry the dialog lists is in the zip, and privacy mode said so in metadata.yaml.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    for i in 0..zip.len() {
        let name = zip.by_index(i).unwrap().name().unwrap().to_string();
        assert!(done.contains(&name), "{name} not listed:\n{done}");
    }
    let mut metadata = String::new();
    zip.by_name("metadata.yaml")
        .unwrap()
        .read_to_string(&mut metadata)
        .unwrap();
    assert!(metadata.contains("privacy_mode: true"), "{metadata}");

    // Enter closes the result.
    h.press(&["enter"]).unwrap();
    assert!(h.app.packet().is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_dialog_gives_the_logging_advice() {
    // An install whose config logs to file at INFO: the demo serves the config it finds.
    let host = tempfile::tempdir().unwrap();
    let server = demo_with_config(
        host.path(),
        |config| config["LogSettings"]["FileLevel"] = serde_json::json!("INFO"),
        DemoOptions::default(),
    )
    .await;

    let dir = packet_dir("advice");
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "p").await;
    h.press(&["G"]).unwrap();
    let text = h.render_text(120, 40);
    insta::assert_snapshot!("packet_advice_120x40", mask_build_dependent(&text));
    assert!(
        text.contains("Advice: Before downloading the support packet, set Output Logs to File")
            && text.contains("Log Level to DEBUG"),
        "{text}"
    );
    // Without logs the advice does not apply.
    h.press(&["l"]).unwrap();
    let text = h.render_text(120, 40);
    assert!(!text.contains("Advice"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An install dir with a large log, so that a write takes long enough to be cancelled.
fn install_with_big_log(dir: &Path) {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("config/config.json"),
        r#"{"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}}"#,
    )
    .unwrap();
    let mut log =
        std::io::BufWriter::new(std::fs::File::create(dir.join("logs/mattermost.log")).unwrap());
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..400_000u64 {
        // xorshift: lines that do not compress to nothing.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::io::Write::write_all(
            &mut log,
            format!(
                "{{\"timestamp\":\"2026-11-22 09:00:00.000 Z\",\"level\":\"info\",\"msg\":\"line {i} {state:x} {:x}\"}}\n",
                state.rotate_left(23)
            )
            .as_bytes(),
        )
        .unwrap();
    }
}

#[tokio::test]
async fn writing_shows_progress_and_esc_cancels_leaving_nothing() {
    let home = tempfile::tempdir().unwrap();
    install_with_big_log(home.path());
    let dir = packet_dir("cancel");
    let mut launch = launch(None, "");
    launch.mm_home = Some(MmHome::new(home.path().to_path_buf(), HomeOrigin::Flag));
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "p").await;
    assert!(h.render_text(100, 30).contains("logs/mattermost.log"));

    h.press(&["enter"]).unwrap();
    let writing = h.render_text(100, 30);
    assert!(
        writing.contains("Writing mattermost_support_packet_"),
        "{writing}"
    );
    assert!(writing.contains("Esc cancel: nothing is kept"), "{writing}");
    assert!(writing.contains(" of "), "{writing}");
    // The console keeps a timer running while the bar moves.
    assert!(h.app.next_deadline().is_some());

    h.press(&["esc"]).unwrap();
    assert!(h.render_text(100, 30).contains("Cancelling"));
    h.settle().await;
    assert!(h.app.packet().is_none(), "the dialog closes");
    assert!(
        h.render_text(100, 30)
            .contains("support packet cancelled; nothing was written")
    );
    assert!(zips_in(&dir).is_empty(), "{:?}", zips_in(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_console_going_away_while_writing_leaves_nothing() {
    let home = tempfile::tempdir().unwrap();
    install_with_big_log(home.path());
    let dir = packet_dir("quit");
    let mut launch = launch(None, "");
    launch.mm_home = Some(MmHome::new(home.path().to_path_buf(), HomeOrigin::Flag));
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "p").await;
    // q is no key in a dialog: the dialog stays, the writer goes on.
    h.press(&["enter", "q"]).unwrap();
    assert!(!h.app.should_quit());
    assert!(h.app.packet().is_some_and(|d| d.is_working()));
    // The console goes away while writing (SIGTERM, a lost SSH session): the writer stops.
    drop(h);
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(zips_in(&dir).is_empty(), "{:?}", zips_in(&dir));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_server_packet_is_downloaded_with_its_options() {
    let server = demo().await;
    let dir = packet_dir("server");
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "P").await;
    let text = h.render_text(100, 30);
    insta::assert_snapshot!("server_packet_100x30", text);
    assert!(text.contains("[ ] com.mattermost.calls"), "{text}");

    // Space opts the selected plugin in, l leaves the logs out.
    h.press(&["space", "l", "enter"]).unwrap();
    assert!(matches!(
        h.app.packet().unwrap().stage,
        Stage::Working { .. }
    ));
    h.settle().await;
    let done = h.render_text(100, 30);
    assert!(done.contains("Written"), "{done}");
    let zips = zips_in(&dir);
    assert_eq!(zips.len(), 1, "{zips:?}");
    let name = zips[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("mm_support_packet_ExampleCorp_2026-") && name.ends_with(".zip"),
        "{name}"
    );
    assert!(
        done.contains("com.mattermost.calls/diagnostics.yaml"),
        "{done}"
    );
    assert!(!done.contains("mattermost.log"), "{done}");
    let requests = server.shared().recent_requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("/api/v4/system/support_packet")
                && r.contains("basic_server_logs=false")
                && r.contains("plugin_packets=com.mattermost.calls")),
        "{requests:?}"
    );

    // A second download never replaces the first.
    h.press(&["esc", "P"]).unwrap();
    h.settle().await;
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert_eq!(zips_in(&dir).len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unlicensed_server_points_to_mmops_own_packet() {
    let server = demo_with(DemoOptions {
        faults: Some("*=unlicensed".to_string()),
        ..DemoOptions::default()
    })
    .await;
    let dir = packet_dir("unlicensed");
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "P").await;
    let text = h.render_text(100, 30);
    assert!(text.contains("This server has no licence"), "{text}");
    // Enter does nothing here; p opens the packet mmops builds.
    h.press(&["enter"]).unwrap();
    assert!(zips_in(&dir).is_empty());
    h.press(&["p"]).unwrap();
    h.settle().await;
    assert!(h.render_text(100, 30).contains("built by mmops"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_user_without_manage_system_is_told_which_permission() {
    let server = demo().await;
    let dir = packet_dir("forbidden");
    let mut launch = launch(Some(client(&server, Some(&server.viewer_token))), "DEMO");
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "P").await;
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = h.render_text(100, 30);
    insta::assert_snapshot!("server_packet_forbidden_100x30", text);
    assert!(text.contains("manage_system"), "{text}");
    assert!(zips_in(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn esc_stops_a_server_packet_that_is_still_being_built() {
    // The server takes 30 s to answer; Esc must not wait for it.
    let server = demo_with(DemoOptions {
        faults: Some("/api/v4/system/support_packet=latency:30000".to_string()),
        ..DemoOptions::default()
    })
    .await;
    let dir = packet_dir("slow-server");
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.packet_dir = dir.clone();
    let mut h = open(launch, "P").await;
    h.press(&["enter"]).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    h.press(&["esc"]).unwrap();
    h.settle().await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(h.app.packet().is_none());
    assert!(zips_in(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
