//! The invitation audit against a real PostgreSQL server shaped like Mattermost's: scripted
//! histories, synced step by step, reach every status; the session is read-only; no secret
//! column reaches the ledger; an old schema without join times still works; kill -9 during a
//! sync loses nothing already committed; TLS to a server with `ssl = on` is verified, a
//! certificate that does not verify is an error and never a plain fallback, and a plain
//! connection after the server offered no TLS is said.

use std::collections::HashMap;
use std::path::Path;

use crate::common::mmdb::{
    self, AUTHDATA_CANARY, MFA_CANARY, MmDb, PASSWORD_CANARY, SESSION_CANARY, TokenKind,
};
use crate::common::pg;
use mmops::invites::db::{DbError, DbSession, Transport};
use mmops::invites::ledger::{Invitation, Ledger, NewInvitation};
use mmops::invites::provenance::{Way, team_members};
use mmops::invites::sync::{SourceLine, SourceState, SyncPlan, SyncReport, run};
use mmops::secret::Secret;

const T0: i64 = 1_795_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn plan(url: &str) -> SyncPlan {
    SyncPlan {
        client: None,
        db_url: Ok(Secret::new(url)),
        audit_log: Err("not in this test".into()),
        server_log: Err("not in this test".into()),
        rest_off: Some("not in this test".into()),
    }
}

fn sync(ledger: &mut Ledger, url: &str, now_ms: i64) -> SyncReport {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime.block_on(run(ledger, &plan(url), now_ms)).unwrap();
    let db = report
        .lines
        .iter()
        .find(|l| l.source == "database")
        .unwrap();
    assert_eq!(db.state, SourceState::Read, "{db}");
    report
}

fn by_email(ledger: &Ledger) -> HashMap<String, Invitation> {
    ledger
        .invitations()
        .unwrap()
        .into_iter()
        .map(|i| (i.email.clone(), i))
        .collect()
}

fn status(ledger: &Ledger, email: &str) -> Invitation {
    by_email(ledger)
        .remove(email)
        .unwrap_or_else(|| panic!("no invitation to {email}"))
}

#[test]
fn scripted_histories_reach_every_status() {
    let Some(pg) = pg::shared() else { return };
    let mut db = MmDb::create(pg, "every_status");
    let url = db.url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = dir.path().join("ledger.sqlite");
    let mut ledger = Ledger::open(&ledger_path).unwrap();

    let eng = db.team("engineering", true);
    let open = db.team("town", false);
    let admin = db.user("sysadmin", "admin@example.com", T0 - 900 * HOUR);
    let bob = db.user("bob", "bob@example.com", T0 - 800 * HOUR);
    let dave = db.user("dave", "dave@example.org", T0 - 700 * HOUR);
    let amy = db.user("amy", "amy@example.com", T0 - 600 * HOUR);
    let zed = db.user("zed", "zed@example.com", T0 - 600 * HOUR);
    let old = db.user("old", "old@example.com", T0 - 900 * HOUR);
    db.member(&eng, &admin, mmdb::TEAM_CREATED);
    // A member from long before anything mmops can see: unknown, not suspicious.
    db.member(&eng, &old, T0 - 800 * HOUR);
    // A member with no invite, no link and no add: flagged in an invite-only team.
    db.member(&eng, &zed, T0 - 120 * HOUR);
    // Added by the admin.
    db.member(&eng, &amy, T0 - 100 * HOUR);
    db.add_post(&eng, &admin, &amy, T0 - 100 * HOUR);
    let session = db.session(&admin);

    // Before mmops was installed: a resend job is the only trace of an invite that was used.
    db.resend_job(
        &admin,
        &eng,
        &["past@example.com"],
        &[],
        T0 - 240 * HOUR,
        "success",
    );
    let past = db.user("past", "past@example.com", T0 - 239 * HOUR);
    db.member(&eng, &past, T0 - 239 * HOUR);

    // Invites of the day. Carol's plain invite holds no sender; her resend job does.
    let tokens = [
        db.token(
            TokenKind::Team,
            "ana@example.com",
            &eng,
            Some(&admin),
            &["c1"],
            T0,
        ),
        db.token(
            TokenKind::Team,
            "bob@example.com",
            &eng,
            Some(&admin),
            &[],
            T0,
        ),
        db.token(
            TokenKind::Team,
            "carol@example.com",
            &eng,
            None,
            &[],
            T0 + 10 * MIN,
        ),
        db.token(
            TokenKind::Team,
            "old@example.com",
            &eng,
            Some(&admin),
            &[],
            T0 - 50 * HOUR,
        ),
        db.token(
            TokenKind::Team,
            "rev1@example.com",
            &open,
            Some(&admin),
            &[],
            T0 + 20 * MIN,
        ),
        db.token(
            TokenKind::Team,
            "rev2@example.com",
            &open,
            Some(&admin),
            &[],
            T0 + 20 * MIN,
        ),
        db.token(
            TokenKind::Guest,
            "guest@example.net",
            &eng,
            Some(&admin),
            &["c1"],
            T0,
        ),
        db.token(
            TokenKind::Team,
            "lone@example.com",
            &open,
            Some(&admin),
            &[],
            T0,
        ),
    ];
    let [
        ana_t,
        bob_t,
        carol_t,
        _old_t,
        rev1_t,
        rev2_t,
        guest_t,
        lone_t,
    ] = tokens.clone();
    db.resend_job(
        &admin,
        &eng,
        &["carol@example.com"],
        &[],
        T0 + 10 * MIN,
        "pending",
    );

    // An invite the server refused, recorded by mmops itself.
    ledger
        .record(&[NewInvitation {
            sent_at: T0,
            email: "nope@elsewhere.io".into(),
            team_id: eng.0.clone(),
            team_name: "engineering".into(),
            sender_id: Some(admin.0.clone()),
            sender_username: Some("sysadmin".into()),
            kind: "member",
            status: "failed",
            status_reason: "not an accepted domain".into(),
            source: "mmops",
            said: "refused".into(),
            token_fingerprint: None,
            channels: vec![],
        }])
        .unwrap();

    sync(&mut ledger, &url, T0 + HOUR);
    let first = by_email(&ledger);
    assert_eq!(first["ana@example.com"].status, "pending");
    assert_eq!(
        first["carol@example.com"].sender_username.as_deref(),
        Some("sysadmin")
    );
    assert_eq!(first["old@example.com"].status, "expired");
    assert_eq!(first["guest@example.net"].kind, "guest");
    assert_eq!(first["nope@elsewhere.io"].status, "failed");
    let backfilled = &first["past@example.com"];
    assert_eq!(
        backfilled.status, "accepted",
        "{}",
        backfilled.status_reason
    );
    assert_eq!(backfilled.user_created, Some(true));
    assert!(first["ana@example.com"].token_fingerprint.is_some());

    // Ana signs up, Bob (an existing account) joins, and Dave joins with Carol's token.
    let ana = db.user("ana", "ana@example.com", T0 + 90 * MIN);
    db.member(&eng, &ana, T0 + 90 * MIN);
    db.join_post(&eng, &ana, T0 + 90 * MIN);
    db.delete_token(&ana_t);
    db.member(&eng, &bob, T0 + 95 * MIN);
    db.delete_token(&bob_t);
    db.member(&eng, &dave, T0 + 100 * MIN);
    db.join_post(&eng, &dave, T0 + 100 * MIN);
    db.delete_token(&carol_t);
    sync(&mut ledger, &url, T0 + 2 * HOUR);

    let ana_row = status(&ledger, "ana@example.com");
    assert_eq!(ana_row.status, "accepted", "{}", ana_row.status_reason);
    assert_eq!(ana_row.user_created, Some(true));
    assert_eq!(ana_row.used_by_user_id.as_deref(), Some(ana.0.as_str()));
    let bob_row = status(&ledger, "bob@example.com");
    assert_eq!(bob_row.status, "accepted", "{}", bob_row.status_reason);
    assert_eq!(bob_row.user_created, Some(false));
    let carol = status(&ledger, "carol@example.com");
    assert_eq!(carol.status, "accepted_by_other", "{}", carol.status_reason);
    assert_eq!(carol.used_by_email.as_deref(), Some("dave@example.org"));
    assert_eq!(carol.user_created, Some(false));
    assert_eq!(status(&ledger, "guest@example.net").status, "pending");

    // Invalidate all: every remaining invite token vanishes at once; a new invite follows.
    for token in [&rev1_t, &rev2_t, &guest_t] {
        db.delete_token(token);
    }
    db.token(
        TokenKind::Team,
        "fresh@example.com",
        &open,
        Some(&admin),
        &[],
        T0 + 210 * MIN,
    );
    sync(&mut ledger, &url, T0 + 4 * HOUR);
    for email in ["rev1@example.com", "rev2@example.com", "guest@example.net"] {
        let row = status(&ledger, email);
        assert_eq!(row.status, "revoked", "{email}: {}", row.status_reason);
        assert!(
            row.status_reason.contains("vanished"),
            "{}",
            row.status_reason
        );
    }
    assert_eq!(status(&ledger, "fresh@example.com").status, "pending");
    assert_eq!(status(&ledger, "lone@example.com").status, "pending");

    // One token vanishes alone with no join to explain it: not enough evidence.
    db.delete_token(&lone_t);
    sync(&mut ledger, &url, T0 + 5 * HOUR);
    let lone = status(&ledger, "lone@example.com");
    assert_eq!(lone.status, "unknown");
    assert!(
        lone.status_reason.contains("vanished"),
        "{}",
        lone.status_reason
    );

    // Days later, the pending one expired unused; nothing else moved.
    let report = sync(&mut ledger, &url, T0 + 60 * HOUR);
    assert_eq!(status(&ledger, "fresh@example.com").status, "expired");
    assert_eq!(
        status(&ledger, "carol@example.com").status,
        "accepted_by_other"
    );
    assert!(report.changed >= 1);

    // Every status said why, with evidence.
    let all = ledger.invitations().unwrap();
    let statuses: std::collections::BTreeSet<&str> =
        all.iter().map(|i| i.status.as_str()).collect();
    for expected in [
        "accepted",
        "accepted_by_other",
        "expired",
        "revoked",
        "failed",
        "unknown",
    ] {
        assert!(statuses.contains(expected), "{expected}: {statuses:?}");
    }
    for invite in &all {
        assert!(!invite.status_reason.is_empty(), "{invite:?}");
        assert!(!ledger.evidence(invite.id).unwrap().is_empty());
    }

    // Provenance: Dave came in on Carol's invite, Amy was added, Zed is unexplained.
    let team = ledger
        .teams()
        .unwrap()
        .into_iter()
        .find(|t| t.name == "engineering")
        .unwrap();
    let members = team_members(&ledger, &team).unwrap();
    let way = |name: &str| {
        members
            .iter()
            .find(|m| m.username.as_deref() == Some(name))
            .unwrap()
    };
    assert_eq!(way("dave").way, Way::OthersInvite);
    assert!(way("dave").flag.is_some());
    assert_eq!(way("amy").way, Way::AddedBy);
    assert!(way("amy").how.contains("sysadmin"), "{}", way("amy").how);
    assert_eq!(way("zed").way, Way::Unknown);
    assert!(way("zed").flag.is_some());
    assert_eq!(way("old").way, Way::Unknown);
    assert!(way("old").flag.is_none(), "{:?}", way("old"));
    assert!(
        way("old").how.contains("before the history"),
        "{}",
        way("old").how
    );
    assert_eq!(way("ana").way, Way::EmailInvite);
    assert_eq!(way("sysadmin").way, Way::CreatedTeam);
    assert!(members[0].flag.is_some(), "flagged members come first");

    // No secret reached the ledger: invite tokens, password hashes, MFA secrets, SSO ids,
    // session tokens.
    drop(ledger);
    let mut bytes = std::fs::read(&ledger_path).unwrap();
    if let Ok(wal) = std::fs::read(ledger_path.with_extension("sqlite-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes);
    for secret in tokens
        .iter()
        .map(String::as_str)
        .chain([PASSWORD_CANARY, MFA_CANARY, AUTHDATA_CANARY, SESSION_CANARY])
        .chain([session.as_str()])
    {
        assert!(!text.contains(secret), "{secret} leaked into the ledger");
    }
}

#[test]
fn the_session_is_read_only() {
    let Some(pg) = pg::shared() else { return };
    let db = MmDb::create(pg, "read_only");
    let url = db.url().to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = mmops::invites::db::connect(&url).await.unwrap();
        let err = client
            .batch_execute("INSERT INTO systems (name, value) VALUES ('x', 'y')")
            .await
            .unwrap_err();
        assert_eq!(
            err.as_db_error().map(|e| e.code().code()),
            Some("25006"),
            "{err}"
        );
    });
}

#[test]
fn an_old_schema_without_join_times_and_bad_addresses_are_clear() {
    let Some(pg) = pg::shared() else { return };
    let mut db = MmDb::create(pg, "old_schema");
    let url = db.url().to_string();
    db.conn()
        .batch("ALTER TABLE teammembers DROP COLUMN createat");
    let eng = db.team("engineering", true);
    let admin = db.user("sysadmin", "admin@example.com", T0 - 900 * HOUR);
    let token = db.token(
        TokenKind::Team,
        "ana@example.com",
        &eng,
        Some(&admin),
        &[],
        T0,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let report = sync(&mut ledger, &url, T0 + HOUR);
    let line = report
        .lines
        .iter()
        .find(|l| l.source == "database")
        .unwrap();
    assert!(line.text.contains("no teammembers.createat"), "{line}");
    // The join time comes from the join post.
    let ana = db.user("ana", "ana@example.com", T0 + 90 * MIN);
    db.conn().execute(
        "INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeadmin, schemeguest)
         VALUES ($1, $2, 'team_user', 0, true, false, false)",
        &[&eng.0, &ana.0],
    );
    db.join_post(&eng, &ana, T0 + 90 * MIN);
    db.delete_token(&token);
    sync(&mut ledger, &url, T0 + 2 * HOUR);
    let row = status(&ledger, "ana@example.com");
    assert_eq!(row.status, "accepted", "{}", row.status_reason);

    // A wrong password is a failure that names the problem and hides the password.
    let wrong = url.replace(pg::PASSWORD, "not-the-password");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime
        .block_on(run(&mut ledger, &plan(&wrong), T0 + 3 * HOUR))
        .unwrap();
    let line = report
        .lines
        .iter()
        .find(|l| l.source == "database")
        .unwrap();
    assert_eq!(line.state, SourceState::Failed);
    assert!(report.failed());
    assert!(line.text.contains("password"), "{line}");
    assert!(!line.text.contains("not-the-password"), "{line}");
}

/// The binary, run as a systemd timer would run it.
fn mmops_sync(home: &Path, url: &str, ledger: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mmops"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("MMOPS_DB_URL", url)
        .args(["invites", "sync", "--ledger"])
        .arg(ledger);
    command
}

#[test]
fn kill_9_during_a_sync_loses_nothing_committed() {
    let Some(pg) = pg::shared() else { return };
    let mut db = MmDb::create(pg, "crash");
    let url = db.url().to_string();
    let eng = db.team("engineering", true);
    let admin = db.user("sysadmin", "admin@example.com", T0 - 900 * HOUR);
    for i in 0..50 {
        db.token(
            TokenKind::Team,
            &format!("first{i}@example.com"),
            &eng,
            Some(&admin),
            &[],
            T0 + i,
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = dir.path().join("ledger.sqlite");
    let out = mmops_sync(dir.path(), &url, &ledger_path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = Ledger::open(&ledger_path)
        .unwrap()
        .invitations()
        .unwrap()
        .len();
    assert_eq!(committed, 50);

    // A large batch of new rows, and a sync killed at several moments while it writes.
    db.conn().batch(&format!(
        "INSERT INTO users (id, createat, updateat, deleteat, username, email, roles)
         SELECT lpad(g::text, 26, 'u'), {T0}, {T0}, 0, 'user' || g, 'user' || g || '@example.com', 'system_user'
         FROM generate_series(1, 20000) g"
    ));
    for i in 0..200 {
        db.token(
            TokenKind::Team,
            &format!("second{i}@example.com"),
            &eng,
            Some(&admin),
            &[],
            T0 + HOUR + i,
        );
    }
    for delay_ms in [20, 60, 120, 250] {
        let mut child = mmops_sync(dir.path(), &url, &ledger_path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let ledger = Ledger::open(&ledger_path).unwrap();
        let rows = ledger.invitations().unwrap().len();
        assert!(
            rows == 50 || rows == 250,
            "{rows} rows after a kill at {delay_ms} ms"
        );
    }
    // The next run completes the work.
    let out = mmops_sync(dir.path(), &url, &ledger_path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ledger = Ledger::open(&ledger_path).unwrap();
    assert_eq!(ledger.invitations().unwrap().len(), 250);
    let check: String = rusqlite::Connection::open(&ledger_path)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// `db::connect` on a runtime of its own; the session, its transport and whether the server
/// sees it encrypted (`pg_stat_ssl`).
fn connect(url: &str) -> Result<(Transport, bool), DbError> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let session: DbSession = mmops::invites::db::connect(url).await?;
        let row = session
            .query_one(
                "SELECT coalesce(ssl, false) FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .unwrap();
        Ok((session.transport(), row.get::<_, bool>(0)))
    })
}

fn tls_error(url: &str) -> String {
    match connect(url) {
        Err(DbError::Tls(text)) => text,
        other => panic!("expected a TLS error from {url}, got {other:?}"),
    }
}

/// One sync, whatever its outcome: the database's line.
fn sync_line(ledger: &mut Ledger, url: &str, now_ms: i64) -> SourceLine {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime.block_on(run(ledger, &plan(url), now_ms)).unwrap();
    report
        .lines
        .into_iter()
        .find(|l| l.source == "database")
        .unwrap()
}

/// A database on `pg` with one team, one admin and one pending invite to ana@example.com.
fn one_invite(pg: &pg::TestPg, name: &str) -> MmDb {
    let mut db = MmDb::create(pg, name);
    let eng = db.team("engineering", true);
    let admin = db.user("sysadmin", "admin@example.com", T0 - 900 * HOUR);
    db.member(&eng, &admin, mmdb::TEAM_CREATED);
    db.token(
        TokenKind::Team,
        "ana@example.com",
        &eng,
        Some(&admin),
        &[],
        T0,
    );
    db
}

#[test]
fn require_with_the_ca_reads_over_verified_tls() {
    let Some(pg) = pg::shared_tls() else { return };
    let db = one_invite(pg, "tls_require");
    let url = pg::with_ssl(db.url(), &pg.ssl_params("require"));
    assert_eq!(connect(&url).unwrap(), (Transport::Tls, true));

    // A sync reads through it, with nothing to warn about.
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let report = sync(&mut ledger, &url, T0 + HOUR);
    let line = report
        .lines
        .iter()
        .find(|l| l.source == "database")
        .unwrap();
    assert!(line.text.starts_with("1 pending invite tokens"), "{line}");
    assert!(!line.text.contains("TLS"), "{line}");
    assert_eq!(status(&ledger, "ana@example.com").status, "pending");

    // verify-full and prefer verify the same way; SCRAM binds itself to the TLS channel
    // (tls-server-end-point) when asked to.
    for mode in ["verify-full", "prefer", "allow"] {
        let url = pg::with_ssl(db.url(), &pg.ssl_params(mode));
        assert_eq!(connect(&url).unwrap(), (Transport::Tls, true), "{mode}");
    }
    let bound = pg::with_ssl(
        db.url(),
        &format!("{}&channel_binding=require", pg.ssl_params("require")),
    );
    assert_eq!(connect(&bound).unwrap(), (Transport::Tls, true));
}

#[test]
fn a_certificate_that_does_not_verify_is_an_error_never_a_plain_fallback() {
    let Some(pg) = pg::shared_tls() else { return };
    let db = one_invite(pg, "tls_unverified");
    // The server takes plain logins too: a fallback would have connected.
    assert_eq!(
        connect(db.url()).unwrap(),
        (Transport::PlainByRequest, false)
    );

    // Without the test CA the certificate is from an unknown issuer, for every mode that
    // uses TLS, including prefer and no sslmode at all.
    for params in [
        "sslmode=require",
        "sslmode=verify-full",
        "sslmode=prefer",
        "",
    ] {
        let err = tls_error(&pg::with_ssl(db.url(), params));
        for needle in [
            "the certificate of the database server 127.0.0.1 did not verify",
            "unknown issuer",
            "sslrootcert=/path/ca.pem",
            "never falls back to a plain connection",
        ] {
            assert!(err.contains(needle), "{params:?}: {needle:?} not in {err}");
        }
    }

    // Through a sync: the source fails, saying so, and the sync fails.
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let line = sync_line(
        &mut ledger,
        &pg::with_ssl(db.url(), "sslmode=require"),
        T0 + HOUR,
    );
    assert_eq!(line.state, SourceState::Failed, "{line}");
    assert!(
        line.text.contains("no secure connection to the database"),
        "{line}"
    );
    assert!(line.text.contains("sslrootcert=/path/ca.pem"), "{line}");
    assert!(!line.text.contains(pg::PASSWORD), "{line}");
    assert!(ledger.invitations().unwrap().is_empty());

    // A certificate for other names: verify-full names them; verify-ca checks the CA alone.
    let port = pg.port();
    let elsewhere = |mode: &str| {
        format!(
            "postgres://{}:{}@mmops-db.invalid:{port}/tls_unverified?hostaddr=127.0.0.1&{}&connect_timeout=10",
            pg::USER,
            pg::PASSWORD,
            pg.ssl_params(mode)
        )
    };
    let err = tls_error(&elsewhere("verify-full"));
    assert!(err.contains("mmops-db.invalid"), "{err}");
    assert!(
        err.contains("it is for localhost, 127.0.0.1, not mmops-db.invalid"),
        "{err}"
    );
    assert!(err.contains("sslmode=verify-ca"), "{err}");
    assert_eq!(
        connect(&elsewhere("verify-ca")).unwrap(),
        (Transport::Tls, true)
    );

    // A CA file that is not there is said before any connection.
    let missing = pg::with_ssl(
        db.url(),
        "sslmode=require&sslrootcert=/nonexistent/mmops-ca.pem",
    );
    let err = tls_error(&missing);
    assert!(
        err.contains("sslrootcert=/nonexistent/mmops-ca.pem: cannot read it"),
        "{err}"
    );
}

#[test]
fn prefer_against_a_server_without_tls_connects_and_says_so() {
    let Some(pg) = pg::shared() else { return };
    let db = one_invite(pg, "plain_prefer");
    for params in ["sslmode=prefer", "", "sslmode=allow"] {
        let url = pg::with_ssl(db.url(), params);
        assert_eq!(
            connect(&url).unwrap(),
            (Transport::PlainServerOffersNone, false),
            "{params:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let line = sync_line(
        &mut ledger,
        &pg::with_ssl(db.url(), "sslmode=prefer"),
        T0 + HOUR,
    );
    assert_eq!(line.state, SourceState::Read, "{line}");
    assert!(
        line.to_string().starts_with(
            "database: connected without TLS (the server offers none); 1 pending invite tokens"
        ),
        "{line}"
    );
    // The Invites tab marks the source with the warning's tag and gives its reason.
    assert_eq!(line.warning.map(|w| w.tag), Some("no TLS"), "{line}");
    assert_eq!(status(&ledger, "ana@example.com").status, "pending");

    // sslmode=disable is the user's own choice, and a unix socket is local: nothing to say.
    assert_eq!(
        connect(db.url()).unwrap(),
        (Transport::PlainByRequest, false)
    );
    let socket = format!(
        "host='{}' port={} user=postgres dbname=plain_prefer sslmode=require",
        pg.dir().display(),
        pg.port()
    );
    assert_eq!(connect(&socket).unwrap(), (Transport::LocalSocket, false));
}

#[test]
fn require_against_a_server_without_tls_fails_clearly() {
    let Some(pg) = pg::shared() else { return };
    let db = one_invite(pg, "plain_require");
    for mode in ["require", "verify-full", "verify-ca"] {
        let err = tls_error(&pg::with_ssl(db.url(), &format!("sslmode={mode}")));
        assert!(
            err.contains(&format!(
                "the database server 127.0.0.1 does not offer TLS, and sslmode={mode} requires it"
            )),
            "{err}"
        );
        assert!(err.contains("sslmode=disable"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let line = sync_line(
        &mut ledger,
        &pg::with_ssl(db.url(), "sslmode=require"),
        T0 + HOUR,
    );
    assert_eq!(line.state, SourceState::Failed, "{line}");
    assert!(line.text.contains("does not offer TLS"), "{line}");
}
