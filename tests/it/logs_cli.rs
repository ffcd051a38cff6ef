//! `mmops logs`: the server log on stdout from files, the install dir or the REST API, with
//! the same filters as the Logs tab, in pipes and following.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::binary::{mmops, serve, text};
use serde_json::Value;

const INFO: &str = r#"{"timestamp":"2026-11-22 09:00:00.000 Z","level":"info","msg":"Server is starting","caller":"app/server.go:100"}"#;
const ERROR_INVITE: &str = r#"{"timestamp":"2026-11-22 09:05:00.000 Z","level":"error","msg":"Failed to send invite email successfully","caller":"email/email.go:312","error":"dial tcp 10.0.0.25:587: i/o timeout"}"#;
const WARN: &str = r#"{"timestamp":"2026-11-22 09:06:00.000 Z","level":"warn","msg":"Slow query","caller":"sqlstore/store.go:88","elapsed":1.5}"#;
const ERROR_PLUGIN: &str = r#"{"timestamp":"2026-11-22 09:10:00.000 Z","level":"error","msg":"Plugin crashed","caller":"plugin/health_check.go:64","plugin_id":"com.mattermost.calls"}"#;
const PANIC: &str = "panic: runtime error: invalid memory address";
const FRAME: &str = "goroutine 1 [running]:";
const HOSTILE: &str = "\u{1b}]52;c;cm0gLXJmIC8=\u{7}\u{1b}[2J plain text line";

fn sample(dir: &Path) -> PathBuf {
    let path = dir.join("mattermost.log");
    let lines = [
        INFO,
        ERROR_INVITE,
        WARN,
        PANIC,
        FRAME,
        ERROR_PLUGIN,
        HOSTILE,
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn logs(dir: &Path, file: &Path, args: &[&str]) -> (String, String, Option<i32>) {
    let output = mmops(dir)
        .arg("logs")
        .arg("--log-file")
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    (out, err, output.status.code())
}

#[test]
fn raw_selection_is_byte_exact_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (out, err, code) = logs(dir.path(), &file, &["--level", "error", "--raw"]);
    assert_eq!(code, Some(0), "{err}");
    // A Go panic is an entry of its own, at error level, with its trace.
    assert_eq!(
        out,
        format!("{ERROR_INVITE}\n{PANIC}\n{FRAME}\n{ERROR_PLUGIN}\n")
    );

    let (out, _, _) = logs(dir.path(), &file, &["--grep", "invite", "--raw"]);
    assert_eq!(out, format!("{ERROR_INVITE}\n"));

    let (out, _, _) = logs(dir.path(), &file, &["--grep", "INVITE", "-i", "--raw"]);
    assert_eq!(out, format!("{ERROR_INVITE}\n"));

    let (out, _, _) = logs(
        dir.path(),
        &file,
        &["--grep", "invite", "--invert", "--raw"],
    );
    assert!(
        !out.contains("invite") && out.contains("Plugin crashed"),
        "{out}"
    );
    // A pipe gets the bytes as they are: making them inert is for terminals.
    assert!(out.contains(HOSTILE), "{out:?}");
}

#[test]
fn continuation_lines_follow_their_entry() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (out, _, _) = logs(dir.path(), &file, &["--level", "warn", "--raw"]);
    assert_eq!(
        out,
        format!("{ERROR_INVITE}\n{WARN}\n{PANIC}\n{FRAME}\n{ERROR_PLUGIN}\n")
    );
    let (out, _, _) = logs(dir.path(), &file, &["--grep", "Slow", "--raw"]);
    assert_eq!(
        out,
        format!("{WARN}\n"),
        "the trace belongs to the panic line"
    );
}

#[test]
fn text_output_is_readable_and_inert() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (out, err, code) = logs(dir.path(), &file, &[]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        "2026-11-22T09:05:00.000Z ERROR email/email.go:312  Failed to send invite email successfully  error=dial tcp 10.0.0.25:587: i/o timeout"
    );
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}'),
        "escape sequences are shown inert: {out:?}"
    );
    assert!(out.contains("\\x1b]52;c;"), "{out}");
}

#[test]
fn json_output_is_one_normalized_object_per_entry() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (out, err, code) = logs(dir.path(), &file, &["--json", "--level", "warn"]);
    assert_eq!(code, Some(0), "{err}");
    let entries: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 4, "{out}");
    assert_eq!(entries[0]["time"], "2026-11-22T09:05:00.000Z");
    assert_eq!(entries[0]["level"], "error");
    assert_eq!(
        entries[0]["fields"]["error"],
        "dial tcp 10.0.0.25:587: i/o timeout"
    );
    assert_eq!(entries[1]["fields"]["elapsed"], 1.5);
    assert_eq!(entries[2]["msg"], PANIC);
    assert_eq!(entries[2]["continuation"], FRAME);
    assert_eq!(entries[3]["fields"]["plugin_id"], "com.mattermost.calls");
}

#[test]
fn since_and_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (out, _, _) = logs(
        dir.path(),
        &file,
        &["--since", "2026-11-22T09:06:00Z", "--raw"],
    );
    assert_eq!(
        out,
        format!("{WARN}\n{PANIC}\n{FRAME}\n{ERROR_PLUGIN}\n{HOSTILE}\n")
    );
    let (out, _, _) = logs(dir.path(), &file, &["-n", "2", "--raw"]);
    assert_eq!(out, format!("{ERROR_PLUGIN}\n{HOSTILE}\n"));
    // With a filter, -n counts the entries it lets through, as journalctl does: the last two
    // errors (the panic with its trace), though the last line is no error.
    let (out, err, code) = logs(dir.path(), &file, &["-n", "2", "--level", "error", "--raw"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, format!("{PANIC}\n{FRAME}\n{ERROR_PLUGIN}\n"));
    let (out, _, _) = logs(
        dir.path(),
        &file,
        &["-n", "1", "--grep", "invite", "--json"],
    );
    let entry: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(entry["msg"], "Failed to send invite email successfully");
    let (out, _, _) = logs(dir.path(), &file, &["-n", "0", "--level", "error", "--raw"]);
    assert_eq!(out, "");
    // Relative to now.
    let line_at = |ago_secs: i64, msg: &str| {
        let at = chrono::Utc::now() - chrono::Duration::seconds(ago_secs);
        let stamp = at.format("%Y-%m-%d %H:%M:%S%.3f Z");
        format!(r#"{{"timestamp":"{stamp}","level":"info","msg":"{msg}"}}"#)
    };
    let recent = dir.path().join("recent.log");
    let (old, new) = (
        line_at(7200, "two hours ago"),
        line_at(300, "five minutes ago"),
    );
    std::fs::write(&recent, format!("{old}\n{new}\n")).unwrap();
    let (out, err, code) = logs(dir.path(), &recent, &["--since", "1h", "--raw"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, format!("{new}\n"));
    let (out, _, _) = logs(dir.path(), &recent, &["--since", "2h30m", "--raw"]);
    assert_eq!(out, format!("{old}\n{new}\n"));
}

#[test]
fn bad_options_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let cases: [(&[&str], &str); 3] = [
        (&["--level", "loud"], "unknown level 'loud'"),
        (&["--grep", "(unclosed"], "--grep"),
        (&["--since", "yesterday"], "give a duration"),
    ];
    for (args, message) in cases {
        let (out, err, code) = logs(dir.path(), &file, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.is_empty());
    }
    let (_, err, code) = logs(dir.path(), &dir.path().join("missing.log"), &[]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("cannot read") && err.contains("missing.log"),
        "{err}"
    );

    let output = mmops(dir.path()).arg("logs").output().unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(err.contains("no log source"), "{err}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.log");
    let line = format!("{ERROR_INVITE}\n");
    std::fs::write(&file, line.repeat(200_000)).unwrap();
    let mut child = mmops(dir.path())
        .arg("logs")
        .arg("--log-file")
        .arg(&file)
        .arg("--raw")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = vec![0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn the_install_dir_and_the_rest_api_are_sources_too() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());

    // The demo's install: mattermost.log and the audit log, merged into one timeline.
    let output = mmops(dir.path())
        .args(["--mm-home", &served.host_dir, "logs", "--json", "-n", "5"])
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{err}");
    let sources: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["source"].to_string())
        .collect();
    assert!(!sources.is_empty(), "{out}");
    assert!(
        sources.iter().any(|s| s.contains("mattermost.log")),
        "{sources:?}"
    );

    let output = mmops(dir.path())
        .args(["--url", &served.url, "logs", "--json", "-n", "40"])
        .env("MMOPS_TOKEN", &served.token)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{err}");
    let entries: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(entries.len() >= 20, "{out}");
    let times: Vec<&str> = entries.iter().filter_map(|e| e["time"].as_str()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "nodes merged by time"
    );
    assert!(!out.contains(&served.token) && !err.contains(&served.token));

    let output = mmops(dir.path())
        .args(["--url", &served.url, "logs"])
        .env("MMOPS_TOKEN", "not-a-valid-token-at-all12")
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(err.contains("mmops login"), "{err}");
}

#[test]
fn follow_prints_appended_lines_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (mut child, rx) = follow(
        dir.path(),
        &[
            "--log-file",
            file.to_str().unwrap(),
            "-n",
            "1",
            "--raw",
            "--level",
            "error",
        ],
    );
    // The last error already in the file first (as journalctl -f -n 1 -p err), though the
    // file's last line is no error; then the errors appended, and nothing else.
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(line, ERROR_PLUGIN);
    std::thread::sleep(Duration::from_millis(300));
    // Unlike anything already in the file, so an old line cannot pass for it.
    let fresh = ERROR_PLUGIN.replace("Plugin crashed", "Plugin crashed again after the restart");
    append(&file, &[WARN, &fresh]);
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(line, fresh);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// Spawns `mmops logs ... -f` and hands its stdout lines over a channel.
fn follow(dir: &Path, args: &[&str]) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = mmops(dir)
        .arg("logs")
        .args(args)
        .arg("-f")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn append(file: &Path, lines: &[&str]) {
    let mut appender = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    for line in lines {
        writeln!(appender, "{line}").unwrap();
    }
    appender.flush().unwrap();
}

/// Lines that arrive within `wait` after the first one.
fn collect_for(rx: &mpsc::Receiver<String>, wait: Duration) -> Vec<String> {
    let mut lines = vec![rx.recv_timeout(Duration::from_secs(10)).unwrap()];
    while let Ok(line) = rx.recv_timeout(wait) {
        lines.push(line);
    }
    lines
}

#[test]
fn a_file_named_twice_is_followed_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let path = file.to_str().unwrap();
    let (mut child, rx) = follow(
        dir.path(),
        &["--log-file", path, "--log-file", path, "-n", "0", "--raw"],
    );
    std::thread::sleep(Duration::from_millis(300));
    let fresh = INFO.replace("Server is starting", "Server is starting (second boot)");
    append(&file, &[&fresh]);
    let lines = collect_for(&rx, Duration::from_millis(700));
    assert_eq!(lines, vec![fresh]);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_stack_trace_written_after_its_entry_is_not_lost_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (mut child, rx) = follow(
        dir.path(),
        &["--log-file", file.to_str().unwrap(), "-n", "0", "--json"],
    );
    std::thread::sleep(Duration::from_millis(300));
    append(&file, &[PANIC]);
    // The trace comes later, in a batch of its own, as a slow writer would leave it.
    std::thread::sleep(Duration::from_millis(600));
    append(&file, &[FRAME, "main.main()"]);
    let objects: Vec<Value> = collect_for(&rx, Duration::from_millis(1500))
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    let text = serde_json::to_string(&objects).unwrap();
    assert!(text.contains("invalid memory address"), "{text}");
    // Attached to the panic, or a continuation object of its own: never dropped.
    assert!(text.contains("goroutine 1 [running]:"), "{text}");
    assert!(text.contains("main.main()"), "{text}");
    for object in &objects {
        assert!(object.is_object(), "{object}");
    }
}

#[test]
fn last_lines_over_rest_count_the_whole_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let run = |n: &str| {
        let output = mmops(dir.path())
            .args(["--url", &served.url, "logs", "--raw", "-n", n])
            .env("MMOPS_TOKEN", &served.token)
            .output()
            .unwrap();
        let (out, err) = text(&output);
        assert!(output.status.success(), "{err}");
        out
    };
    // Two nodes, one timeline: -n counts entries of both together.
    assert_eq!(run("3").lines().count(), 3);
    assert_eq!(run("0"), "");
}

/// A log of the demo's generator with planted messages that differ only in their variable
/// parts: `--patterns` counts each message as the reference computed here does (the shell's
/// `jq -r .msg | sort | uniq -c` for messages without variable parts), and the planted ones as
/// one pattern.
#[test]
fn patterns_count_like_the_shell_pipeline_and_mask_what_varies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mattermost.log");
    let status = mmops(dir.path())
        .args(["demo", "--write-log"])
        .arg(&file)
        .args(["--size", "2M", "--seed", "3"])
        .status()
        .unwrap();
    assert!(status.success());
    let mut text = std::fs::read_to_string(&file).unwrap();
    for i in 0..37 {
        text.push_str(&format!(
            "{{\"timestamp\":\"2026-11-22 09:{:02}:00.000 Z\",\"level\":\"error\",\"msg\":\"Failed to reach 10.0.{i}.5:5432 after {i}ms for user{i}@example.com\",\"caller\":\"x.go:1\",\"user_id\":\"u{}\"}}\n",
            i % 60,
            i % 3
        ));
    }
    std::fs::write(&file, &text).unwrap();
    // The reference: every message's count, by the message as written.
    let mut reference: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        *reference
            .entry(value["msg"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let (out, err, code) = logs(dir.path(), &file, &["--patterns", "--top", "0", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema"], "mmops.log-patterns/1");
    assert_eq!(
        json["entries"].as_u64().unwrap() as usize,
        text.lines().count()
    );
    let patterns = json["patterns"].as_array().unwrap();
    let counted: u64 = patterns.iter().map(|p| p["count"].as_u64().unwrap()).sum();
    assert_eq!(counted as usize, text.lines().count());
    let planted = patterns
        .iter()
        .find(|p| p["template"] == "Failed to reach <ip>:# after #ms for <email>")
        .expect("the planted messages are one pattern");
    assert_eq!(planted["count"], 37);
    assert_eq!(planted["level"], "error");
    assert_eq!(planted["fields"]["user_id"]["distinct"], 3);
    assert_eq!(planted["first"], "2026-11-22T09:00:00.000Z");
    // The generator's messages have no variable parts: their counts are the pipeline's.
    let mut compared = 0;
    for pattern in patterns {
        let template = pattern["template"].as_str().unwrap();
        if let Some(expected) = reference.get(template) {
            let same_text: u64 = patterns
                .iter()
                .filter(|p| p["template"] == template)
                .map(|p| p["count"].as_u64().unwrap())
                .sum();
            assert_eq!(same_text, *expected, "{template}");
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} messages compared");
    // Sorted by count, most first.
    let counts: Vec<u64> = patterns
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

    let (out, _, code) = logs(dir.path(), &file, &["--patterns", "--top", "3"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("(the 3 most frequent; --top 0 for all)"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2 + 3, "{out}");
}

/// `--histogram`: every entry in one bucket, errors and warnings apart, buckets at UTC
/// multiples of their width; `--until` leaves out what is later.
#[test]
fn the_histogram_counts_every_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample(dir.path());
    let (out, err, code) = logs(
        dir.path(),
        &file,
        &["--histogram", "--bucket", "5m", "--json"],
    );
    assert_eq!(code, Some(0), "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema"], "mmops.log-histogram/1");
    assert_eq!(json["bucket_seconds"], 300);
    let buckets = json["buckets"].as_array().unwrap();
    let starts: Vec<&str> = buckets
        .iter()
        .map(|b| b["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-11-22T09:00:00.000Z",
            "2026-11-22T09:05:00.000Z",
            "2026-11-22T09:10:00.000Z"
        ]
    );
    let entries: Vec<u64> = buckets
        .iter()
        .map(|b| b["entries"].as_u64().unwrap())
        .collect();
    // 09:00 info; 09:05 error, 09:06 warn, the panic (at the time before it); 09:10 error and
    // the hostile plain line (at the time before it).
    assert_eq!(entries, [1, 3, 2]);
    assert_eq!(buckets[1]["errors"], 2);
    assert_eq!(buckets[1]["warnings"], 1);

    let (out, _, _) = logs(
        dir.path(),
        &file,
        &["--histogram", "--until", "2026-11-22 09:06"],
    );
    assert!(out.starts_with("buckets of "), "{out}");
    let rows: Vec<&str> = out.lines().skip(2).collect();
    let total: u64 = rows
        .iter()
        .map(|r| {
            r.split_whitespace()
                .nth(2)
                .unwrap()
                .replace(',', "")
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(total, 2, "{out}");
    let (_, err, code) = logs(dir.path(), &file, &["--histogram", "--bucket", "soon"]);
    assert_ne!(code, Some(0));
    assert!(err.contains("--bucket 'soon'"), "{err}");
}

/// The template masking on the real lines of the reference samples.
#[test]
fn the_reference_samples_mask_as_an_admin_would_group_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/samples/logs");
    let Ok(legacy) = std::fs::read_to_string(dir.join("mattermost-legacy-log4go-plaintext.log"))
    else {
        assert!(
            std::env::var("MMOPS_REQUIRE_SPEC").as_deref() != Ok("1"),
            "MMOPS_REQUIRE_SPEC=1 and no reference samples in {}",
            dir.display()
        );
        return;
    };
    let _ = legacy;
    let tmp = tempfile::tempdir().unwrap();
    let (out, err, code) = logs(
        tmp.path(),
        &dir.join("mattermost-legacy-log4go-plaintext.log"),
        &["--patterns", "--top", "0", "--json"],
    );
    assert_eq!(code, Some(0), "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let templates: Vec<&str> = json["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["template"].as_str().unwrap())
        .collect();
    assert!(
        templates.contains(&"Failed to ping DB retrying in # seconds"),
        "{templates:?}"
    );
    let (out, _, _) = logs(
        tmp.path(),
        &dir.join("notifications-legacy-push-debug.log"),
        &["--patterns", "--json"],
    );
    assert!(
        out.contains("Sending push notification to <hex> wi msg of '…'"),
        "{out}"
    );
}

/// A file large enough to be read in pieces on every core prints exactly what reading it in
/// one pass prints (`-n` with more lines than the file reads it in one pass): the same entries
/// in the same order, stack traces with their entries, in every format.
#[test]
fn a_large_file_read_in_pieces_prints_what_one_pass_prints() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated.log");
    let status = mmops(dir.path())
        .args(["demo", "--write-log"])
        .arg(&generated)
        .args(["--size", "20M", "--seed", "5"])
        .status()
        .unwrap();
    assert!(status.success());
    let file = dir.path().join("mattermost.log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for (i, line) in std::fs::read_to_string(&generated)
        .unwrap()
        .lines()
        .enumerate()
    {
        writeln!(out, "{line}").unwrap();
        if i % 997 == 0 {
            writeln!(
                out,
                "goroutine {i} [running]:\nmain.handler()\n\t/src/main.go:{i} +0x1d"
            )
            .unwrap();
        }
    }
    out.flush().unwrap();
    drop(out);
    for args in [
        &["--level", "error", "--raw"][..],
        &["--grep", "invite|goroutine", "--json"],
        &["--level", "warn"],
    ] {
        let (pieces, err, code) = logs(dir.path(), &file, args);
        assert_eq!(code, Some(0), "{err}");
        let mut whole_args = args.to_vec();
        whole_args.extend(["-n", "999999999"]);
        let (whole, _, _) = logs(dir.path(), &file, &whole_args);
        assert!(!pieces.is_empty());
        assert!(pieces == whole, "{args:?}: the outputs differ");
    }
}
