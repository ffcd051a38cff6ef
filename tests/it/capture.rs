//! Capture: the level raised over REST and over the local socket with a patch of that setting
//! alone, put back at the stop; what stops a change (an environment variable, a read-only
//! config, a session without manage_system) named; the packet's `capture/` (the window only,
//! every node, no secret); the watchdog after a kill -9 and at the time limit; the console's
//! dialogs and status bar.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::binary::{mmops, serve, text};
use crate::common::*;
use mmops::capture::{self, Blocked, CaptureFile, Outcome, Start};
use mmops::demo::{DemoOptions, DemoServer};
use mmops::mm::MmClient;
use mmops::tui::testing::Harness;

fn how(now_ms: i64) -> Start {
    Start {
        now_ms,
        max_minutes: 30,
        owner_pid: std::process::id(),
        file_marks: Vec::new(),
        at_current_level: None,
        profile: None,
    }
}

fn file_level(server: &DemoServer) -> String {
    server.shared().world.read().unwrap().config["LogSettings"]["FileLevel"]
        .as_str()
        .unwrap()
        .to_string()
}

fn patches(server: &DemoServer) -> Vec<String> {
    server
        .shared()
        .recent_requests()
        .into_iter()
        .filter(|r| r.starts_with("PUT "))
        .collect()
}

/// Start and stop change `LogSettings.FileLevel` and nothing else, each with one patch.
async fn start_and_stop(server: &DemoServer, client: &MmClient, state: &std::path::Path) {
    let file = CaptureFile::in_dir(state);
    let before = client.full_config().await.unwrap();
    let plan = capture::plan(client).await.unwrap();
    assert_eq!(plan.blocked, None);
    assert_eq!(plan.changes().len(), 1);
    assert_eq!(plan.changes()[0].before, "INFO");

    let started = capture::start(client, &plan, how(NOW_MS), &file)
        .await
        .unwrap();
    assert_eq!(file_level(server), "DEBUG");
    assert_eq!(file.load().unwrap().as_ref(), Some(&started));
    let during = client.full_config().await.unwrap();
    let changed: Vec<String> = mmops::server_config::diff::compare(&before, &during)
        .iter()
        .map(|c| c.path().to_string())
        .collect();
    assert_eq!(
        changed,
        ["LogSettings.FileLevel"],
        "nothing else is touched"
    );
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(server.host_dir.join("config/config.json")).unwrap())
            .unwrap();
    assert_eq!(on_disk["LogSettings"]["FileLevel"], "DEBUG");

    let stopped = capture::restore(client, &started, NOW_MS + 60_000, &file)
        .await
        .unwrap();
    assert_eq!(file_level(server), "INFO");
    assert!(matches!(&stopped.outcomes[..], [Outcome::Restored(c)] if c.before == "INFO"));
    assert!(file.load().unwrap().is_none(), "the record is gone");
    assert_eq!(
        patches(server),
        [
            "PUT /api/v4/config/patch".to_string(),
            "PUT /api/v4/config/patch".to_string()
        ],
        "one patch to start, one to stop"
    );
}

#[tokio::test]
async fn start_and_stop_over_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with(DemoOptions {
        host_dir: Some(dir.path().join("host")),
        ..DemoOptions::default()
    })
    .await;
    start_and_stop(&server, &admin(&server), &dir.path().join("state")).await;
}

#[tokio::test]
async fn start_and_stop_over_the_local_socket() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("mm.sock");
    let server = demo_with(DemoOptions {
        host_dir: Some(dir.path().join("host")),
        local_socket: Some(socket.clone()),
        ..DemoOptions::default()
    })
    .await;
    let client = local_client(&socket);
    let plan = capture::plan(&client).await.unwrap();
    assert!(plan.by.ends_with("(local mode)"), "{}", plan.by);
    start_and_stop(&server, &client, &dir.path().join("state")).await;
}

#[tokio::test]
async fn the_demo_log_is_debug_rich_while_the_level_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::start(DemoOptions {
        now_ms: Some(NOW_MS),
        host_dir: Some(dir.path().join("host")),
        live_logs: true,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let debug_lines = |server: &DemoServer| {
        std::fs::read_to_string(server.log_path())
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"level\":\"debug\""))
            .count()
    };
    let at_start = debug_lines(&server);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(debug_lines(&server), at_start, "no debug line at INFO");
    let client = admin(&server);
    let file = CaptureFile::in_dir(&dir.path().join("state"));
    let plan = capture::plan(&client).await.unwrap();
    capture::start(&client, &plan, how(NOW_MS), &file)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert!(
        debug_lines(&server) > at_start + 3,
        "DEBUG-rich while raised"
    );
}

#[tokio::test]
async fn a_level_set_by_the_environment_is_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    server.shared().world.write().unwrap().environment["LogSettings"] = json!({"FileLevel": true});
    let client = admin(&server);
    let mut plan = capture::plan(&client).await.unwrap();
    assert_eq!(
        plan.blocked,
        Some(Blocked::Environment(vec!["LogSettings.FileLevel".into()]))
    );
    assert!(plan.changes().is_empty());
    assert!(
        plan.at_current_level()
            .unwrap()
            .contains("MM_LOGSETTINGS_FILELEVEL")
    );
    // Asked anyway, the server keeps the environment's value: mmops says so and keeps nothing.
    plan.blocked = None;
    let file = CaptureFile::in_dir(dir.path());
    let err = capture::start(&client, &plan, how(NOW_MS), &file)
        .await
        .unwrap_err();
    assert!(
        matches!(err, capture::CaptureError::NotApplied { .. }),
        "{err}"
    );
    assert!(file.load().unwrap().is_none());
    assert_eq!(file_level(&server), "INFO");
}

#[tokio::test]
async fn a_read_only_config_is_named_and_the_server_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with_config(
        &dir.path().join("host"),
        |config| config["ClusterSettings"]["ReadOnlyConfig"] = json!(true),
        DemoOptions::default(),
    )
    .await;
    let client = admin(&server);
    let plan = capture::plan(&client).await.unwrap();
    assert_eq!(plan.blocked, Some(Blocked::ReadOnly));
    let err = client
        .patch_config(&json!({"LogSettings": {"FileLevel": "DEBUG"}}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    // At the current level: the start is recorded, no patch is sent.
    let file = CaptureFile::in_dir(&dir.path().join("state"));
    let started = capture::start(&client, &plan, how(NOW_MS), &file)
        .await
        .unwrap();
    assert!(started.changes.is_empty());
    assert!(started.at_current_level.unwrap().contains("ReadOnlyConfig"));
    let stopped = capture::restore(&client, &file.load().unwrap().unwrap(), NOW_MS, &file)
        .await
        .unwrap();
    assert!(stopped.outcomes.is_empty());
    assert_eq!(file_level(&server), "INFO");
}

#[tokio::test]
async fn a_session_without_manage_system_captures_at_the_current_level() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    let client = client(&server, Some(&server.viewer_token));
    let plan = capture::plan(&client).await.unwrap();
    assert_eq!(
        plan.blocked,
        Some(Blocked::Permission("manage_system".into()))
    );
    assert!(plan.at_current_level().unwrap().contains("'manage_system'"));
    let file = CaptureFile::in_dir(dir.path());
    let started = capture::start(&client, &plan, how(NOW_MS), &file)
        .await
        .unwrap();
    assert!(started.changes.is_empty());
    assert!(patches(&server).is_empty(), "no patch was tried");
    // The patch itself names the permission.
    let err = client
        .patch_config(&json!({"LogSettings": {"FileLevel": "DEBUG"}}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("manage_system"), "{err}");
}

fn log_line(ms: i64, level: &str, msg: &str, extra: &str) -> String {
    format!(
        "{{\"timestamp\":\"{}\",\"level\":\"{level}\",\"msg\":\"{msg}\"{extra}}}",
        mmops::demo::logs::log_timestamp(ms)
    )
}

#[tokio::test]
async fn the_capture_packet_holds_the_window_of_every_node_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with(DemoOptions {
        host_dir: Some(dir.path().join("host")),
        ..DemoOptions::default()
    })
    .await;
    let client = admin(&server);
    let home = mmops::host::MmHome::new(server.host_dir.clone(), mmops::host::HomeOrigin::Flag);
    let file = CaptureFile::in_dir(&dir.path().join("state"));
    let start_ms = NOW_MS + 1_000;
    // A line before the start, then the mark, then the window's lines on both nodes.
    let log = server.log_path();
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&log_line(start_ms - 500, "info", "before the capture", ""));
    text.push('\n');
    std::fs::write(&log, &text).unwrap();
    let plan = capture::plan(&client).await.unwrap();
    let mut start = how(start_ms);
    start.file_marks = capture::file_marks(Some(&home));
    let started = capture::start(&client, &plan, start, &file).await.unwrap();
    let canary = "CANARYwindowPassw0rd";
    text.push_str(&log_line(
        start_ms + 2_000,
        "debug",
        "reproduced on node one",
        &format!(",\"url\":\"postgres://mmuser:{canary}@db:5432/mattermost\""),
    ));
    text.push('\n');
    std::fs::write(&log, &text).unwrap();
    server
        .shared()
        .other_node_log
        .lock()
        .unwrap()
        .push(log_line(
            start_ms + 3_000,
            "debug",
            "reproduced on node two",
            "",
        ));
    let stopped = capture::restore(&client, &started, start_ms + 10_000, &file)
        .await
        .unwrap();

    let sources = mmops::packet::collect::Sources {
        client: Some(&client),
        mm_home: Some(&home),
        db_url: None,
    };
    let (collected, files) = capture::gather(sources, &stopped, "login fails for SAML users").await;
    let options = mmops::packet::Options {
        cpu_profile_seconds: 0,
        ..Default::default()
    };
    let mut prepared = mmops::packet::prepare(&collected, options, start_ms + 10_000);
    prepared.add_capture(&files);
    assert!(
        prepared.advice.is_none(),
        "the level was raised: no advice to raise it"
    );
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let summary =
        mmops::packet::write(&prepared, &out, mmops::packet::archive::Control::default()).unwrap();
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(&summary.written.path).unwrap()).unwrap();
    let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let window = read(&mut zip, "capture/window.log");
    assert!(window.contains("reproduced on node one"), "{window}");
    assert!(window.contains("reproduced on node two"), "{window}");
    assert!(!window.contains("before the capture"), "only the window");
    let one = window.find("node one").unwrap();
    let two = window.find("node two").unwrap();
    assert!(one < two, "merged by time");
    assert!(window.contains("\"mmops_source\":\"mm-app-2/mattermost.log\""));
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&read(&mut zip, "capture/capture.yaml")).unwrap();
    assert_eq!(yaml["description"], "login fails for SAML users");
    assert_eq!(yaml["levels"][0]["during"], "DEBUG");
    assert_eq!(yaml["levels"][0]["after"], "INFO");
    assert_eq!(yaml["by"], "sysadmin");
    assert!(read(&mut zip, "capture/doctor.txt").contains("mmops doctor"));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(canary),
            "the canary reached {:?}",
            entry.name()
        );
    }
    // The packet opens, and the window is not mistaken for a node's log.
    let packet = mmops::packet::open::Packet::open(&summary.written.path).unwrap();
    assert!(packet.nodes.iter().all(|n| n.name != "capture"));
}

// ---------------------------------------------------------------------------------------------
// The binary: the watchdog after a kill -9, the time limit, the note every command gives

fn record_path(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("state").join("capture.json")
}

fn served_level(served: &crate::common::binary::Served) -> String {
    let config: Value = serde_json::from_slice(
        &std::fs::read(std::path::Path::new(&served.host_dir).join("config/config.json")).unwrap(),
    )
    .unwrap();
    config["LogSettings"]["FileLevel"]
        .as_str()
        .unwrap()
        .to_string()
}

fn capture_cmd(
    dir: &std::path::Path,
    served: &crate::common::binary::Served,
) -> std::process::Command {
    let token = dir.join("token");
    std::fs::write(&token, &served.token).unwrap();
    let mut cmd = mmops(dir);
    cmd.args(["--url", &served.url, "--token-file"]).arg(&token);
    cmd
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn after_a_kill_the_next_mmops_names_the_capture_and_restore_puts_the_level_back() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let out = capture_cmd(dir.path(), &served)
        .args(["capture", "start", "--yes"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("capture started") && stderr.contains("INFO -> DEBUG"));
    assert_eq!(served_level(&served), "DEBUG");
    let record: Value =
        serde_json::from_slice(&std::fs::read(record_path(dir.path())).unwrap()).unwrap();
    let watchdog = record["owner_pid"].as_u64().unwrap();
    assert!(watchdog > 0, "the watchdog keeps the time limit");
    // kill -9 the process that keeps the capture.
    let killed = std::process::Command::new("kill")
        .args(["-9", &watchdog.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for("the watchdog to die", || {
        std::fs::read_to_string(format!("/proc/{watchdog}/stat"))
            .map_or(true, |s| s.contains(") Z "))
    });
    let out = capture_cmd(dir.path(), &served)
        .args(["info"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(stderr.contains("mmops capture restore"), "{stderr}");
    let out = capture_cmd(dir.path(), &served)
        .args(["capture", "restore"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("LogSettings.FileLevel restored to INFO"),
        "{stdout}"
    );
    assert_eq!(served_level(&served), "INFO");
    assert!(!record_path(dir.path()).exists());
}

#[test]
fn the_watchdog_puts_the_level_back_at_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let out = capture_cmd(dir.path(), &served)
        .args(["capture", "start", "--yes", "--max-minutes", "5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(served_level(&served), "DEBUG");
    // Five minutes pass: the record's deadline is now.
    let path = record_path(dir.path());
    let mut record: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    record["deadline_ms"] = json!(chrono::Utc::now().timestamp_millis() - 1);
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, serde_json::to_vec(&record).unwrap()).unwrap();
    std::fs::rename(&temp, &path).unwrap();
    wait_for("the level to go back", || served_level(&served) == "INFO");
    wait_for("the record to go", || !path.exists());
}

#[test]
fn stop_writes_the_capture_packet_headless() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let host = ["--mm-home", &served.host_dir];
    let out = capture_cmd(dir.path(), &served)
        .args(host)
        .args(["capture", "start", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let out = capture_cmd(dir.path(), &served)
        .args(host)
        .args(["capture", "status"])
        .output()
        .unwrap();
    assert!(text(&out).0.contains("DEBUG on"), "{:?}", text(&out));
    let packets = dir.path().join("packets");
    std::fs::create_dir_all(&packets).unwrap();
    let out = capture_cmd(dir.path(), &served)
        .args(host)
        .args([
            "capture",
            "stop",
            "-m",
            "a reproduction",
            "--cpu-profile-seconds",
            "0",
            "-o",
        ])
        .arg(&packets)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("restored to INFO") && stdout.contains("capture/window.log"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("set File Log Level to DEBUG"),
        "no advice after a capture: {stderr}"
    );
    assert_eq!(served_level(&served), "INFO");
    let out = capture_cmd(dir.path(), &served)
        .args(["capture", "stop"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("no capture is running"));
}

// ---------------------------------------------------------------------------------------------
// The console

async fn console(server: &DemoServer, state: &std::path::Path, max_minutes: u32) -> Harness {
    let mut launch = launch(Some(admin(server)), "DEMO");
    launch.capture = mmops::tui::env::CaptureLaunch {
        file: Some(CaptureFile::in_dir(state)),
        max_minutes,
        ..Default::default()
    };
    let mut h = Harness::start(launch);
    h.settle().await;
    h
}

#[tokio::test]
async fn r_starts_and_stops_a_capture_in_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    let mut h = console(&server, dir.path(), 30).await;
    h.press(&["R"]).unwrap();
    h.settle().await;
    let confirm = h.render_text(80, 24);
    insta::assert_snapshot!("capture_confirm_80x24", confirm);
    assert!(
        confirm.contains("LogSettings.FileLevel INFO → DEBUG"),
        "{confirm}"
    );
    h.press(&["y"]).unwrap();
    h.settle().await;
    assert_eq!(file_level(&server), "DEBUG");
    let running = h.render_text(80, 24);
    insta::assert_snapshot!("capture_running_80x24", running);
    assert!(running.contains("● CAPTURE 00:00"), "{running}");
    h.press(&["3"]).unwrap();
    assert!(
        h.render_text(120, 30)
            .contains("capture started 09:30:00 UTC, DEBUG on")
    );

    h.press(&["R"]).unwrap();
    h.settle().await;
    assert_eq!(file_level(&server), "INFO");
    h.type_text("SAML login fails");
    let describe = h.render_text(80, 24);
    insta::assert_snapshot!("capture_stopped_80x24", describe);
    assert!(describe.contains("restored to INFO") && !describe.contains("● CAPTURE"));
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let packet = h.render_text(100, 40);
    assert!(
        packet.contains("Support packet with the capture"),
        "{packet}"
    );
    assert!(packet.contains("capture/window.log") && packet.contains("capture/capture.yaml"));
}

#[tokio::test]
async fn the_console_puts_the_level_back_at_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    // No minutes at all: the limit is reached at the first tick.
    let mut h = console(&server, dir.path(), 0).await;
    h.press(&["R"]).unwrap();
    h.settle().await;
    h.press(&["y"]).unwrap();
    h.settle().await;
    h.pump_for(Duration::from_millis(1500)).await;
    h.settle().await;
    assert_eq!(file_level(&server), "INFO");
    let text = h.render_text(80, 24);
    assert!(text.contains("its time limit"), "{text}");
}

#[tokio::test]
async fn an_unfinished_capture_is_offered_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    let client = admin(&server);
    let file = CaptureFile::in_dir(dir.path());
    let plan = capture::plan(&client).await.unwrap();
    let mut start = how(NOW_MS - 60_000);
    start.owner_pid = u32::MAX - 1; // a process that is gone
    let left = capture::start(&client, &plan, start, &file).await.unwrap();
    assert_eq!(file_level(&server), "DEBUG");

    let mut launch = launch(Some(client), "DEMO");
    launch.capture = mmops::tui::env::CaptureLaunch {
        file: Some(file.clone()),
        found: Some(left),
        ..Default::default()
    };
    let mut h = Harness::start(launch);
    h.settle().await;
    let offer = h.render_text(80, 24);
    insta::assert_snapshot!("capture_unfinished_80x24", offer);
    assert!(offer.contains("Put the levels back now?"), "{offer}");
    h.press(&["y"]).unwrap();
    h.settle().await;
    assert_eq!(file_level(&server), "INFO");
    assert!(file.load().unwrap().is_none());
    h.press(&["esc"]).unwrap();
    assert!(h.render_text(160, 24).contains("no packet written"));
}

#[tokio::test]
async fn the_doctor_names_a_capture_as_the_cause_of_debug() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo().await;
    let client = admin(&server);
    let file = CaptureFile::in_dir(dir.path());
    let plan = capture::plan(&client).await.unwrap();
    let mut start = how(NOW_MS);
    start.owner_pid = u32::MAX - 1;
    capture::start(&client, &plan, start, &file).await.unwrap();
    let mut facts = mmops::doctor::gather::gather(mmops::doctor::gather::Sources {
        client: Some(&client),
        home: None,
        db_url: None,
        now_ms: NOW_MS,
    })
    .await;
    facts.capture = file.load().unwrap();
    let diagnosis = mmops::doctor::diagnose(&facts, &Default::default());
    let text = mmops::doctor::report::text(&diagnosis, 200);
    assert!(
        text.contains("an mmops capture by sysadmin raised it at")
            && text.contains("left unfinished")
            && text.contains("capture restore"),
        "{text}"
    );
}
