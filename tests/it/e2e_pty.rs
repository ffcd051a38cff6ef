//! End to end: the real `mmops` binary in a pseudo-terminal, read through a terminal emulator
//! (vt100). It starts the console on the demo server, switches tabs, follows its log file, quits,
//! and checks the terminal was given back: main screen, cursor visible, echo and line editing on.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::termios::LocalFlags;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

struct Session {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for what scrolled off the screen.
    raw: Arc<Mutex<Vec<u8>>>,
    _dirs: tempfile::TempDir,
}

impl Session {
    fn start(args: &[&str], cols: u16, rows: u16) -> Self {
        Self::start_with_env(args, cols, rows, &[])
    }

    fn start_with_env(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Self {
        let dirs = tempfile::tempdir().unwrap();
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mmops"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("MMOPS_CONFIG_DIR", dirs.path().join("config"));
        cmd.env("MMOPS_STATE_DIR", dirs.path().join("state"));
        cmd.env("MMOPS_DATA_DIR", dirs.path().join("data"));
        cmd.env("HOME", dirs.path());
        cmd.env_remove("MMOPS_TOKEN");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(rows).unwrap(),
            std::num::NonZero::new(cols).unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_sink = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
                raw_sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self {
            master: pair.master,
            writer,
            child,
            screen,
            raw,
            _dirs: dirs,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.contents().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "'{needle}' never appeared; the screen shows:\n{}",
            self.contents()
        );
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Give the console time to tell separate keys apart (a lone Esc from an escape sequence).
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        panic!("mmops did not exit; the screen shows:\n{}", self.contents());
    }

    fn assert_terminal_restored(&self) {
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is still hidden");
        let termios = self.master.get_termios().expect("the pty has termios");
        assert!(
            termios
                .local_flags
                .contains(LocalFlags::ECHO | LocalFlags::ICANON),
            "raw mode was left on: {:?}",
            termios.local_flags
        );
    }
}

#[test]
fn demo_console_switches_tabs_and_restores_the_terminal() {
    let mut session = Session::start(&["demo", "--seed", "3"], 120, 40);
    session.wait_for("Example Chat");
    session.wait_for("● connected");
    assert!(session.screen.lock().unwrap().screen().alternate_screen());

    session.send("3");
    session.wait_for("FOLLOWING");
    session.send("?");
    session.wait_for("Keys · Esc closes");
    session.send("\x1b");
    session.send("1");
    session.wait_for("Cluster");
    assert!(!session.contents().contains("Keys · Esc closes"));

    session.send("q");
    let status = session.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    session.assert_terminal_restored();
}

#[test]
fn a_line_appended_to_the_demo_log_shows_in_the_logs_tab() {
    let host = tempfile::tempdir().unwrap();
    let host_dir = host.path().join("install");
    let mut session = Session::start(&["demo", "--host-dir", host_dir.to_str().unwrap()], 160, 40);
    session.wait_for("● connected");
    session.send("3");
    session.wait_for("FOLLOWING");
    session.wait_for("mattermost.log");

    let log = host_dir.join("logs").join("mattermost.log");
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(
        file,
        r#"{{"timestamp":"2026-11-22 09:31:00.000 Z","level":"error","msg":"e2e marker \u001b[31mline","caller":"e2e/test.go:1"}}"#
    )
    .unwrap();
    file.flush().unwrap();
    session.wait_for("e2e marker \\x1b[31mline");

    session.send("q");
    assert!(session.wait_exit().success());
    session.assert_terminal_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut session = Session::start(&["demo"], 80, 24);
    session.wait_for("● connected");
    signal(&session, "TERM");
    let status = session.wait_exit();
    assert_eq!(status.exit_code(), 143, "128 + SIGTERM");
    session.assert_terminal_restored();
}

#[test]
fn ctrl_c_quits_like_q() {
    let mut session = Session::start(&["demo"], 80, 24);
    session.wait_for("● connected");
    session.send("\x03");
    assert!(session.wait_exit().success());
    session.assert_terminal_restored();
}

fn signal(session: &Session, name: &str) {
    let pid = session.child.process_id().expect("a pid");
    let sent = std::process::Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn sighup_restores_the_terminal() {
    let mut session = Session::start(&["demo"], 80, 24);
    session.wait_for("● connected");
    signal(&session, "HUP");
    let status = session.wait_exit();
    assert_eq!(status.exit_code(), 129, "128 + SIGHUP");
    session.assert_terminal_restored();
}

#[cfg(debug_assertions)]
#[test]
fn a_panic_restores_the_terminal_and_shows_the_message() {
    let mut session = Session::start_with_env(
        &["demo"],
        100,
        30,
        &[("MMOPS_DEBUG_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    let status = session.wait_exit();
    assert!(!status.success());
    session.assert_terminal_restored();
    assert!(
        session.contents().contains("deliberate panic"),
        "{}",
        session.contents()
    );
}

/// Crash output is one of the places a secret could escape: a panic report, with a full
/// backtrace, holds no token.
#[cfg(debug_assertions)]
#[test]
fn a_panic_report_holds_no_token() {
    let token = "CANARYcrashx5eedcafe0123456789";
    let mut session = Session::start_with_env(
        &["--url", "http://127.0.0.1:9"],
        100,
        30,
        &[
            ("MMOPS_DEBUG_PANIC", "1"),
            ("RUST_BACKTRACE", "full"),
            ("MMOPS_TOKEN", token),
            ("MMOPS_LOG", "trace"),
        ],
    );
    let status = session.wait_exit();
    assert!(!status.success());
    session.assert_terminal_restored();
    // Give the reader thread the last bytes.
    std::thread::sleep(Duration::from_millis(200));
    let shown = String::from_utf8_lossy(&session.raw.lock().unwrap()).into_owned();
    assert!(shown.contains("deliberate panic"), "{shown}");
    assert!(
        shown.contains("stack backtrace") || shown.contains("BACKTRACE"),
        "{shown}"
    );
    assert!(!shown.contains("CANARY"), "{shown}");
    let log = std::fs::read_to_string(session._dirs.path().join("state/mmops.log")).unwrap();
    assert!(!log.contains("CANARY"), "{log}");
}

/// The console's own log at its most verbose level, after a session through every tab against
/// a server whose config is full of canaries: no canary, no token, in the log or on the terminal.
#[test]
fn the_console_at_trace_level_logs_no_secret() {
    use crate::common::binary::serve_with;
    let home = tempfile::tempdir().unwrap();
    let host = home.path().join("host");
    drop(serve_with(
        home.path(),
        [std::ffi::OsStr::new("--host-dir"), host.as_os_str()],
    ));
    let path = host.join("config/config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    config["SqlSettings"]["DataSource"] =
        "postgres://mmuser:CANARYsqlx7@db.internal/mattermost".into();
    config["EmailSettings"]["SMTPPassword"] = "CANARYsmtpx7".into();
    config["FileSettings"]["ExportAmazonS3SecretAccessKey"] = "CANARYs3x7".into();
    config["PluginSettings"]["Plugins"]["github"]["encryptionkey"] = "CANARYghx7".into();
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    let served = serve_with(
        home.path(),
        [std::ffi::OsStr::new("--host-dir"), host.as_os_str()],
    );

    let mut session = Session::start_with_env(
        &["--url", &served.url, "--mm-home", host.to_str().unwrap()],
        120,
        40,
        &[("MMOPS_TOKEN", &served.token), ("MMOPS_LOG", "trace")],
    );
    session.wait_for("Example Chat");
    for (key, shown) in [
        ("2", "installed"),
        ("3", "held"),
        ("4", "ServiceSettings"),
        ("5", "Sources"),
    ] {
        session.send(key);
        session.wait_for(shown);
    }
    session.send("2");
    session.send("\r");
    session.wait_for("Where it runs");
    session.send("\x1b");
    session.send("q");
    assert!(session.wait_exit().success());
    std::thread::sleep(Duration::from_millis(200));
    let shown = String::from_utf8_lossy(&session.raw.lock().unwrap()).into_owned();
    let log = std::fs::read_to_string(session._dirs.path().join("state/mmops.log")).unwrap();
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "{log}");
    for (place, text) in [("the terminal", &shown), ("the log", &log)] {
        assert!(!text.contains("CANARY"), "a canary in {place}:\n{text}");
        assert!(!text.contains(&served.token), "the token in {place}");
    }
}

/// A console killed with SIGKILL mid-capture: the next mmops names the capture, and
/// `mmops capture restore` puts the level back.
#[test]
fn a_console_killed_mid_capture_leaves_it_for_the_next_mmops() {
    let served_dir = tempfile::tempdir().unwrap();
    let served = crate::common::binary::serve(served_dir.path());
    let session = {
        let mut session = Session::start_with_env(
            &["--url", &served.url],
            100,
            30,
            &[("MMOPS_TOKEN", &served.token)],
        );
        session.wait_for("Server");
        session.send("R");
        session.wait_for("Start the capture?");
        session.send("y");
        session.wait_for("CAPTURE");
        session
    };
    signal(&session, "KILL");
    let state = session._dirs.path().join("state");
    let mmops_here = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mmops"))
            .env("MMOPS_CONFIG_DIR", session._dirs.path().join("config"))
            .env("MMOPS_STATE_DIR", &state)
            .env("MMOPS_DATA_DIR", session._dirs.path().join("data"))
            .env("HOME", session._dirs.path())
            .env("MMOPS_TOKEN", &served.token)
            .args(["--url", &served.url])
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (stdout, _) = mmops_here(&["capture", "status"]);
        if stdout.contains("stopped before putting the level back") {
            break;
        }
        assert!(Instant::now() < deadline, "{stdout}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (stdout, stderr) = mmops_here(&["capture", "restore"]);
    assert!(stdout.contains("restored to INFO"), "{stdout}{stderr}");
    assert!(!state.join("capture.json").exists());
}
