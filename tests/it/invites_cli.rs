//! `mmops invite` and `mmops invites list` against the demo server: each address's result is
//! recorded with its sender in a private ledger, and the ledger lists as a table, JSON and CSV.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::binary::{Served, mmops, serve, serve_with, text};
use serde_json::Value;

fn run(dir: &Path, served: &Served, token: &str, args: &[&str]) -> (String, String, Option<i32>) {
    let output = mmops(dir)
        .args(["--url", &served.url])
        .args(args)
        .env("MMOPS_TOKEN", token)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    (out, err, output.status.code())
}

#[test]
fn invitations_are_sent_recorded_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let token = served.token.clone();
    // Something that is not an address is refused before anything is sent.
    let (out, err, code) = run(
        dir.path(),
        &served,
        &token,
        &[
            "invite",
            "--team",
            "security-ops",
            "ana@example.com",
            "not-an-email",
        ],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains("not an email address: not-an-email; nothing was sent"),
        "{err}"
    );
    let (out, err, code) = run(
        dir.path(),
        &served,
        &token,
        &[
            "invite",
            "--team",
            "security-ops",
            "ana@example.com",
            " Bob@Example.COM ",
            "x@elsewhere.org",
        ],
    );
    // One address was refused by the server (the team takes example.com only): the command
    // says so and exits non-zero, the rest are sent.
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("sent     ana@example.com"), "{out}");
    assert!(out.contains("sent     bob@example.com"), "{out}");
    assert!(out.contains("refused  x@elsewhere.org: "), "{out}");
    let ledger = out
        .lines()
        .find_map(|l| l.strip_prefix("recorded in "))
        .unwrap()
        .to_string();
    assert!(ledger.starts_with(dir.path().join("data/ledgers").to_str().unwrap()));
    let mode = std::fs::metadata(&ledger).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let (out, err, code) = run(dir.path(), &served, &token, &["invites", "list", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 3);
    let keys = [
        "sent_at",
        "email",
        "team_id",
        "team_name",
        "sender_id",
        "sender_username",
        "kind",
        "status",
        "status_at",
        "used_by_user_id",
        "used_by_email",
        "user_created",
        "token_fingerprint",
        "sources",
    ];
    for row in &rows {
        let object = row.as_object().unwrap();
        assert_eq!(object.len(), keys.len(), "{row}");
        for key in keys {
            assert!(object.contains_key(key), "{key} in {row}");
        }
        assert_eq!(row["team_name"], "security-ops");
        assert_eq!(row["sender_username"], "sysadmin");
        assert_eq!(row["kind"], "member");
        assert_eq!(row["sources"], serde_json::json!(["mmops"]));
        assert!(row["used_by_user_id"].is_null());
        assert!(
            chrono::DateTime::parse_from_rfc3339(row["sent_at"].as_str().unwrap()).is_ok(),
            "{row}"
        );
    }
    let status = |email: &str| {
        rows.iter()
            .find(|r| r["email"] == email)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("ana@example.com"), "pending");
    assert_eq!(status("bob@example.com"), "pending", "normalized");
    assert_eq!(status("x@elsewhere.org"), "failed");

    let (out, _, _) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "list", "--csv", "--status", "pending"],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], keys.join(","));
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines.iter().skip(1).all(|l| l.contains(",pending,")),
        "{out}"
    );

    let (out, _, _) = run(dir.path(), &served, &token, &["invites", "list"]);
    assert!(
        out.contains("failed: The following email addresses"),
        "{out}"
    );
    let (out, _, code) = run(
        dir.path(),
        &served,
        &token,
        &[
            "invites",
            "list",
            "--team",
            "security-ops",
            "--status",
            "FAILED",
        ],
    );
    assert_eq!(code, Some(0));
    assert!(
        out.contains("x@elsewhere.org") && !out.contains("ana@"),
        "{out}"
    );
    // A team or a status that does not exist is an error, not an empty answer.
    let (_, err, code) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "list", "--team", "nosuch"],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("no team named nosuch"), "{err}");
    let (_, err, code) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "list", "--status", "accepted-by-othr"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("accepted_by_other"), "{err}");
    let (_, _, code) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "list", "--status", "Accepted-By-Other"],
    );
    assert_eq!(code, Some(0));
    let (_, _, code) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "list", "--since", "soon"],
    );
    assert_eq!(code, Some(2));
    let (out, _, _) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "list", "--since", "1h", "--json"],
    );
    assert_eq!(serde_json::from_str::<Vec<Value>>(&out).unwrap().len(), 3);

    // The ledger file alone, without a server.
    let output = mmops(dir.path())
        .args(["invites", "list", "--json", "--ledger", &ledger])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&output.stdout)
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn refusals_are_clear_and_record_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let ledger = dir.path().join("ledger.sqlite");
    let ledger_arg = ledger.to_str().unwrap();
    // An expired token: the way out is named.
    let (_, err, code) = run(
        dir.path(),
        &served,
        "not-a-valid-token-at-all12",
        &[
            "invite",
            "--team",
            "engineering",
            "a@example.org",
            "--ledger",
            ledger_arg,
        ],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("mmops login"), "{err}");
    // A team that does not exist.
    let (_, err, code) = run(
        dir.path(),
        &served,
        &served.token.clone(),
        &[
            "invite",
            "--team",
            "no-such-team",
            "a@example.org",
            "--ledger",
            ledger_arg,
        ],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("no-such-team"), "{err}");
    let output = mmops(dir.path())
        .args(["invites", "list", "--ledger", ledger_arg])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert!(!output.status.success());
    assert!(err.contains("nothing has been recorded"), "{err}");
    // No server and no ledger: said plainly.
    let output = mmops(dir.path())
        .args(["invites", "list"])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert!(err.contains("--ledger PATH"), "{err}");
}

/// A refusal quoted in the message is not printed again as its cause.
#[test]
fn a_refused_invalidate_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_with(
        dir.path(),
        ["--faults", "/api/v4/teams/invites/email=status:403"],
    );
    let ledger = dir.path().join("ledger.sqlite");
    let (out, err, code) = run(
        dir.path(),
        &served,
        &served.token.clone(),
        &[
            "invites",
            "invalidate",
            "--yes",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.starts_with("mmops: nothing was invalidated: DELETE"),
        "{err}"
    );
    assert_eq!(err.matches("permission denied").count(), 1, "{err}");
    assert!(!err.contains("caused by"), "{err}");
}

#[test]
fn sync_reads_the_audit_log_once_and_joins_what_mmops_sent() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let token = served.token.clone();
    let host = served.host_dir.clone();
    let (_, err, code) = run(
        dir.path(),
        &served,
        &token,
        &["invite", "--team", "engineering", "ana@example.org"],
    );
    assert_eq!(code, Some(0), "{err}");

    let (out, err, code) = run(
        dir.path(),
        &served,
        &token,
        &["--mm-home", &host, "invites", "sync", "--skip", "database"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    // The demo's six days of history hold 22 addresses in its invite calls (20 sent, two
    // refused); mmops' own invite is the next record and is already in the ledger.
    assert!(
        out.contains("audit.log: 22 new invitations, 1 already recorded"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("database: not read: skipped")),
        "{out}"
    );
    assert!(out.contains("mattermost.log: 17 invite requests"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("REST: 6 teams")), "{out}");
    // Nothing new on a second run.
    let (out, _, _) = run(
        dir.path(),
        &served,
        &token,
        &["--mm-home", &host, "invites", "sync", "--skip", "database"],
    );
    assert!(
        out.contains("0 new invitations, 0 already recorded, 0 team events (0 B read)"),
        "{out}"
    );
    assert!(out.contains("0 changed status"), "{out}");

    let (out, _, _) = run(dir.path(), &served, &token, &["invites", "list", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 23, "{out}");
    let row = |email: &str| rows.iter().find(|r| r["email"] == email).unwrap().clone();
    let ana = row("ana@example.org");
    assert_eq!(ana["sources"], serde_json::json!(["mmops", "audit"]));
    assert_eq!(ana["status"], "pending");
    let hire = row("new.hire@example.com");
    assert_eq!(hire["sender_username"], "sysadmin", "named through REST");
    assert_eq!(hire["team_name"], "engineering");
    assert_eq!(row("bad-address")["status"], "failed");
    // The demo's story, decided from the audit log, the server log and REST.
    let carol = row("carol.n@example.com");
    assert_eq!(carol["status"], "accepted_by_other");
    assert!(
        carol["used_by_email"]
            .as_str()
            .is_some_and(|e| e != "carol.n@example.com")
    );
    let count = |status: &str| rows.iter().filter(|r| r["status"] == status).count();
    assert_eq!(count("accepted_by_other"), 1);
    assert!(count("accepted") >= 6, "{out}");
    assert!(count("expired") >= 2 && count("revoked") >= 3, "{out}");
    assert!(
        rows.iter()
            .any(|r| r["status"] == "accepted" && r["user_created"] == true)
    );
    assert!(
        rows.iter()
            .any(|r| r["status"] == "accepted" && r["user_created"] == false)
    );

    // Provenance: the member who came in on carol's invite is flagged; the JSON names how.
    let (out, _, code) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "members", "--team", "leadership", "--json"],
    );
    assert_eq!(code, Some(0), "{out}");
    let members: Vec<Value> = serde_json::from_str(&out).unwrap();
    let other = members
        .iter()
        .find(|m| m["email"] == carol["used_by_email"])
        .unwrap();
    assert_eq!(other["way"], "others_invite");
    assert!(
        other["flag"]
            .as_str()
            .unwrap()
            .contains("someone else's invite")
    );
    let (out, _, _) = run(dir.path(), &served, &token, &["invites", "members"]);
    assert!(out.contains("added by sysadmin"), "{out}");
    assert!(out.contains("the team's invite link"), "{out}");

    // An install that writes no audit log says so.
    let bare = dir.path().join("bare");
    std::fs::create_dir_all(bare.join("config")).unwrap();
    std::fs::write(bare.join("config/config.json"), "{}").unwrap();
    let (out, _, code) = run(
        dir.path(),
        &served,
        &token,
        &["--mm-home", bare.to_str().unwrap(), "invites", "sync"],
    );
    assert_eq!(code, Some(0));
    assert!(
        out.contains("audit: not read: the install does not write one"),
        "{out}"
    );
}

#[test]
fn invalidate_asks_for_yes_then_revokes_and_invite_takes_channels() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let token = served.token.clone();
    let (out, err, code) = run(
        dir.path(),
        &served,
        &token,
        &[
            "invite",
            "--team",
            "engineering",
            "--channel",
            "town-square",
            "ana@example.org",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let (_, err, code) = run(
        dir.path(),
        &served,
        &token,
        &[
            "invite",
            "--team",
            "engineering",
            "--channel",
            "nope",
            "b@example.org",
        ],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("no channel named nope"), "{err}");

    let (_, err, code) = run(dir.path(), &served, &token, &["invites", "invalidate"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("1 known to mmops") && err.contains("--yes"),
        "{err}"
    );
    let (out, err, code) = run(
        dir.path(),
        &served,
        &token,
        &["invites", "invalidate", "--yes"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("invalidated every pending email invite"),
        "{out}"
    );
    let (out, _, _) = run(dir.path(), &served, &token, &["invites", "list", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(rows[0]["status"], "revoked", "{out}");
}

#[test]
fn a_ledger_that_is_not_a_database_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.sqlite");
    std::fs::write(&notes, "not a database\n".repeat(100)).unwrap();
    let output = mmops(dir.path())
        .args(["invites", "list", "--ledger"])
        .arg(&notes)
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert!(!output.status.success());
    assert_eq!(
        err.trim_end(),
        format!(
            "mmops: {} is not an mmops ledger (not an SQLite database): move it away or give \
             another --ledger",
            notes.display()
        )
    );
}

/// A timer's sync and a console's first sync on a ledger that does not exist yet.
#[test]
fn concurrent_first_syncs_on_a_new_ledger_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    for round in 0..3 {
        let ledger = dir.path().join(format!("ledgers/race-{round}.sqlite"));
        let syncs: Vec<_> = (0..4)
            .map(|_| {
                mmops(dir.path())
                    .args(["--url", &served.url, "--mm-home", &served.host_dir])
                    .arg("--ledger")
                    .arg(&ledger)
                    .args(["invites", "sync", "--skip", "database"])
                    .env("MMOPS_TOKEN", &served.token)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for sync in syncs {
            let output = sync.wait_with_output().unwrap();
            let (out, err) = text(&output);
            assert!(output.status.success(), "round {round}: {out}{err}");
        }
        let mode = std::fs::metadata(&ledger).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let output = mmops(dir.path())
            .args(["invites", "list", "--json", "--ledger"])
            .arg(&ledger)
            .output()
            .unwrap();
        let (out, err) = text(&output);
        assert!(output.status.success(), "{err}");
        let listed: Value = serde_json::from_str(&out).unwrap();
        // The 22 addresses of the demo's audit log, each once, as after a single sync.
        assert_eq!(listed.as_array().unwrap().len(), 22, "{out}");
    }
}
