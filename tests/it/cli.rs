//! The `mmops` binary's headless commands: --version, info, demo --serve, login; and its errors.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::binary::{mmops, serve, text};

#[test]
fn version_names_the_revision() {
    let dir = tempfile::tempdir().unwrap();
    let output = mmops(dir.path()).arg("--version").output().unwrap();
    let (out, _) = text(&output);
    assert!(output.status.success());
    assert!(out.starts_with("mmops ") && out.contains("(rev "), "{out}");
}

#[test]
fn demo_serve_prints_its_banner_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    assert!(served.url.starts_with("http://127.0.0.1:"));
    assert_eq!(served.token.len(), 26);
    assert!(
        Path::new(&served.host_dir)
            .join("config/config.json")
            .is_file()
    );
    assert!(
        Path::new(&served.host_dir)
            .join("logs/mattermost.log")
            .is_file()
    );

    let output = mmops(dir.path())
        .args(["info", "--url", &served.url])
        .env("MMOPS_TOKEN", &served.token)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{err}");
    assert!(out.contains("version       Mattermost 11.4.4"), "{out}");
    assert!(out.contains("user          sysadmin"), "{out}");
    assert!(out.contains("token         MMOPS_TOKEN"), "{out}");
    assert!(
        !out.contains(&served.token) && !err.contains(&served.token),
        "the token leaked:\n{out}{err}"
    );
}

#[test]
fn demo_serve_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = serve(dir.path());
    let killed = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn info_never_prints_tokens_or_database_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let output = mmops(dir.path())
        .args([
            "info",
            "--url",
            "http://127.0.0.1:9",
            "--db-url",
            "postgres://mm:db-canary-pw@db:5432/mm",
        ])
        .env("MMOPS_TOKEN", "token-canary-123")
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the server cannot be read: {err}"
    );
    assert!(
        !out.contains("token-canary") && !err.contains("token-canary"),
        "{out}{err}"
    );
    assert!(!out.contains("db-canary-pw"), "{out}");
    assert!(out.contains("postgres://****:****@db:5432/mm"), "{out}");
    assert!(
        out.contains("version       unknown: GET /api/v4/config/client: cannot connect"),
        "{out}"
    );
    let log = std::fs::read_to_string(dir.path().join("state/mmops.log")).unwrap_or_default();
    assert!(
        !log.contains("token-canary") && !log.contains("db-canary-pw"),
        "{log}"
    );
}

#[test]
fn login_stores_a_private_session_that_info_then_uses() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let password = dir.path().join("password");
    std::fs::write(&password, "Demo-Admin-1\n").unwrap();
    let output = mmops(dir.path())
        .args([
            "login",
            "--url",
            &served.url,
            "--username",
            "sysadmin",
            "--password-file",
        ])
        .arg(&password)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}{err}");
    assert!(
        out.contains("Logged in to") && out.contains("as sysadmin"),
        "{out}"
    );
    let session = dir.path().join("config/sessions/default.toml");
    assert_eq!(std::fs::metadata(&session).unwrap().mode() & 0o777, 0o600);

    let output = mmops(dir.path())
        .args(["info", "--url", &served.url])
        .output()
        .unwrap();
    let (out, _) = text(&output);
    assert!(out.contains("token         login session"), "{out}");
    assert!(out.contains("user          sysadmin"), "{out}");
    let stored = std::fs::read_to_string(&session).unwrap();
    let token = stored
        .lines()
        .find_map(|l| l.strip_prefix("token = "))
        .unwrap()
        .trim_matches('"');
    assert!(!out.contains(token));
}

#[test]
fn login_with_mfa_and_with_a_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let password = dir.path().join("password");
    std::fs::write(&password, "Demo-Mfa-1").unwrap();
    let output = mmops(dir.path())
        .args([
            "login",
            "--url",
            &served.url,
            "--username",
            "secure.admin",
            "--mfa-code",
            "246810",
            "--password-file",
        ])
        .arg(&password)
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", text(&output));

    std::fs::write(&password, "wrong").unwrap();
    let output = mmops(dir.path())
        .args([
            "login",
            "--url",
            &served.url,
            "--username",
            "sysadmin",
            "--password-file",
        ])
        .arg(&password)
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert!(!output.status.success());
    assert!(err.contains("login failed") && err.contains("401"), "{err}");
}

#[test]
fn configuration_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[profiles.prod]\nulr = \"https://x\"\n").unwrap();
    let output = mmops(dir.path())
        .args(["--config"])
        .arg(&config)
        .arg("info")
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(err.contains("bad.toml") && err.contains("ulr"), "{err}");

    let output = mmops(dir.path())
        .args(["--profile", "nope", "info"])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(err.contains("profile 'nope' is not defined"), "{err}");

    let output = mmops(dir.path())
        .args(["--theme", "neon", "--url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert!(!output.status.success());
    assert!(err.contains("unknown theme 'neon'"), "{err}");
}

#[test]
fn a_config_parse_error_keeps_its_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[profiles.prod]\nurl = https://x\n").unwrap();
    let output = mmops(dir.path())
        .args(["--config"])
        .arg(&config)
        .arg("info")
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(!err.contains("\\x0a"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("mmops: config file ") && lines[0].contains("bad.toml"),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("2 | url = https://x")),
        "the offending line is shown on its own: {err}"
    );
    assert!(
        lines.iter().any(|l| l.trim() == "|       ^^^^^^^^^"),
        "the caret is on a line of its own: {err}"
    );
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.is_empty() || l.starts_with("       ")),
        "continuation lines are indented under the message: {err}"
    );

    // The file is the user's, but what it quotes still never reaches the terminal raw.
    std::fs::write(
        &config,
        "[profiles.prod]\nurl = \x1b]0;owned\x07\u{202e}x\n",
    )
    .unwrap();
    let output = mmops(dir.path())
        .args(["--config"])
        .arg(&config)
        .arg("info")
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !err.contains('\x1b') && !err.contains('\x07') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(err.contains("\\x1b]0;owned\\x07\\u{202e}x"), "{err}");
    assert!(err.lines().count() > 2, "{err}");
}

#[test]
fn a_url_that_is_not_http_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = mmops(dir.path())
        .args(["--url", "htp:/x", "info"])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "mmops: --url htp:/x: use an http:// or https:// URL with a host, like https://chat.example.com"
    );
}

#[test]
fn the_console_asks_for_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let output = mmops(dir.path())
        .args(["--url", "http://127.0.0.1:9"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert!(!output.status.success());
    assert!(err.contains("needs a terminal"), "{err}");
}

#[test]
fn info_survives_a_closed_pipe_and_a_broken_config() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let mut child = mmops(dir.path())
        .arg("info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 5];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(&first, b"mmops");
    assert!(
        status.code().is_some_and(|c| c != 101),
        "no panic on a closed pipe: {status:?}"
    );

    let config = dir.path().join("c.toml");
    std::fs::write(&config, "default_profile = \"p\"\n[profiles.p]\nurl = \"https://x.example.com\"\ntoken_file = \"/nonexistent/token\"\n").unwrap();
    let output = mmops(dir.path())
        .args(["--config"])
        .arg(&config)
        .arg("info")
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        out.contains("config file") && out.contains("state dir"),
        "paths are still shown: {out}"
    );
    assert!(
        err.contains("cannot read the token file /nonexistent/token"),
        "{err}"
    );
}

#[test]
fn options_that_would_be_ignored_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = mmops(dir.path())
        .args(["demo", "--url", "http://x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output)
            .1
            .contains("--url does not apply to `mmops demo`")
    );
    let output = mmops(dir.path())
        .args(["--local", "--url", "http://x", "info"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
