//! The PostgreSQL test harness itself: the server starts (as the postgres user when we are
//! root), mmuser logs in with SCRAM, the Mattermost-shaped schema loads, the builder writes
//! rows in Mattermost's shapes, and the server never outlives the test process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::mmdb::{self, HOURS_48, MmDb, PASSWORD_CANARY, TokenKind};
use crate::common::pg::{self, Conn, TestPg};
use serde_json::Value;

const T0: i64 = 1_795_000_000_000;
/// Set in the child processes some tests start from this same binary.
const CHILD_ENV: &str = "MMOPS_PG_HARNESS_CHILD";

fn shared() -> Option<&'static TestPg> {
    pg::shared()
}

/// The fresh database `name` with the schema and a current server's migrations.
fn fresh(pg: &TestPg, name: &str) -> String {
    let url = pg.create_database(name);
    pg::load_schema(&url);
    pg::mark_migrations(&url, 175);
    url
}

#[test]
fn server_starts_and_mmuser_logs_in_with_scram_over_tcp() {
    let Some(pg) = shared() else { return };
    let port = pg.port();
    assert_eq!(
        pg.url(),
        format!(
            "postgres://mmuser:mostest-pw@127.0.0.1:{port}/mattermost?sslmode=disable&connect_timeout=10"
        )
    );
    let rows = pg::run_sql(
        &pg.url(),
        "SELECT current_user::text, current_database()::text, inet_server_addr()::text",
    );
    assert_eq!(rows[0].get::<_, String>(0), "mmuser");
    assert_eq!(rows[0].get::<_, String>(1), "mattermost");
    assert_eq!(rows[0].get::<_, String>(2), "127.0.0.1/32");

    // The password is stored as SCRAM, and TCP logins need it.
    let stored = pg.admin("postgres").query(
        "SELECT rolpassword FROM pg_authid WHERE rolname = 'mmuser'",
        &[],
    );
    let stored: String = stored[0].get(0);
    assert!(stored.starts_with("SCRAM-SHA-256$"), "{stored}");
    let wrong = pg.url().replace("mostest-pw", "wrong-pw");
    let err = Conn::try_connect(&wrong)
        .err()
        .expect("a wrong password is refused");
    assert_eq!(
        err.as_db_error().map(|e| e.code().code()),
        Some("28P01"),
        "{err}"
    );

    // As root, the server runs as the postgres system user (initdb and postgres refuse root).
    let pid = pg.postmaster_pid().expect("postmaster.pid");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid: u32 = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|uid| uid.parse().ok())
        .unwrap();
    let me = nix::unistd::geteuid();
    if me.is_root() {
        let postgres = nix::unistd::User::from_name("postgres").unwrap().unwrap();
        assert_eq!(uid, postgres.uid.as_raw());
    } else {
        assert_eq!(uid, me.as_raw());
    }
    assert!(pg.dir().join(format!(".s.PGSQL.{port}")).exists());
}

#[test]
fn each_test_gets_its_own_database() {
    let Some(pg) = shared() else { return };
    let a = pg.create_database("own_db_a");
    let b = pg.create_database("own_db_b");
    pg::batch(&a, "CREATE TABLE only_in_a (x int)");
    let in_b = pg::run_sql(
        &b,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_a'",
    );
    assert_eq!(in_b[0].get::<_, i64>(0), 0);
    let owner = pg::run_sql(
        &b,
        "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = current_database()",
    );
    assert_eq!(owner[0].get::<_, String>(0), "mmuser");
}

#[test]
fn schema_has_mattermost_names_and_types() {
    let Some(pg) = shared() else { return };
    let url = fresh(pg, "schema_shape");
    let column = |table: &str, column: &str| -> (String, Option<i32>, Option<String>, String) {
        let rows = pg::Conn::connect(&url).query(
            "SELECT data_type::text, character_maximum_length::int, column_default::text,
                    is_nullable::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
            &[&table, &column],
        );
        assert_eq!(rows.len(), 1, "{table}.{column} exists");
        (
            rows[0].get(0),
            rows[0].get(1),
            rows[0].get(2),
            rows[0].get(3),
        )
    };
    let vc = "character varying".to_string();
    assert_eq!(
        column("tokens", "extra"),
        (vc.clone(), Some(2048), None, "YES".into())
    );
    assert_eq!(
        column("tokens", "token"),
        (vc.clone(), Some(64), None, "NO".into())
    );
    assert_eq!(
        column("users", "id"),
        (vc.clone(), Some(26), None, "NO".into())
    );
    assert_eq!(column("jobs", "data").0, "jsonb");
    assert_eq!(column("posts", "props").0, "jsonb");
    assert_eq!(column("users", "timezone").0, "jsonb");
    assert_eq!(column("sessions", "props").0, "jsonb");
    assert_eq!(column("users", "createat").0, "bigint");
    assert_eq!(
        column("teammembers", "createat"),
        ("bigint".into(), None, Some("0".into()), "YES".into())
    );
    assert_eq!(column("teams", "type").0, "USER-DEFINED");
    assert_eq!(column("channels", "type").0, "USER-DEFINED");
    assert_eq!(
        column("db_migrations", "name"),
        (vc, None, None, "NO".into())
    );
    for secret in ["password", "mfasecret", "authdata"] {
        column("users", secret);
    }
    column("sessions", "token");

    let tables: Vec<String> = pg::run_sql(
        &url,
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() ORDER BY 1",
    )
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(
        tables,
        [
            "audits",
            "bots",
            "channels",
            "db_migrations",
            "jobs",
            "posts",
            "sessions",
            "systems",
            "teammembers",
            "teams",
            "tokens",
            "users"
        ]
    );
    let uppercase = pg::run_sql(
        &url,
        "SELECT count(*) FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_name::text <> lower(column_name::text)",
    );
    assert_eq!(uppercase[0].get::<_, i64>(0), 0);

    let labels = |name: &str| -> Vec<String> {
        pg::Conn::connect(&url)
            .query(
                "SELECT enumlabel::text FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
                 WHERE t.typname = $1 ORDER BY e.enumsortorder",
                &[&name],
            )
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(labels("team_type"), ["I", "O"]);
    assert_eq!(labels("channel_type"), ["P", "G", "O", "D"]);

    let index_names: Vec<String> = pg::run_sql(
        &url,
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()",
    )
    .iter()
    .map(|r| r.get(0))
    .collect();
    for index in [
        "tokens_pkey",
        "idx_jobs_status_type",
        "teammembers_pkey",
        "idx_teammembers_createat",
        "users_email_key",
        "teams_name_key",
        "channels_name_teamid_key",
        "idx_posts_channel_id_delete_at_create_at",
        "systems_pkey",
        "db_migrations_pkey",
        "idx_sessions_token",
        "idx_audits_user_id",
    ] {
        assert!(index_names.iter().any(|i| i == index), "index {index}");
    }

    let migrations = pg::run_sql(
        &url,
        "SELECT count(*), max(version), count(*) FILTER (WHERE version = 110),
                max(name) FILTER (WHERE version = 92)
         FROM db_migrations",
    );
    assert_eq!(migrations[0].get::<_, i64>(0), 174);
    assert_eq!(migrations[0].get::<_, i64>(1), 175);
    assert_eq!(migrations[0].get::<_, i64>(2), 0);
    assert_eq!(
        migrations[0].get::<_, String>(3),
        "add_createat_to_teamembers"
    );
}

#[test]
fn enums_decode_only_as_text() {
    let Some(pg) = shared() else { return };
    let mut db = MmDb::create(pg, "enum_decoding");
    db.team("closed", true);
    db.team("open", false);
    let conn = db.conn();

    let raw = conn.query("SELECT type FROM teams ORDER BY name", &[]);
    let err = raw[0].try_get::<_, String>(0).unwrap_err();
    let why = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        why.as_deref().is_some_and(|w| w.contains("team_type")),
        "{err:?}"
    );

    let text = conn.query("SELECT name, type::text FROM teams ORDER BY name", &[]);
    let types: Vec<(String, String)> = text.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        types,
        [
            ("closed".to_string(), "I".to_string()),
            ("open".to_string(), "O".to_string())
        ]
    );
    let channels = conn.query(
        "SELECT DISTINCT type::text FROM channels WHERE name = 'town-square'",
        &[],
    );
    assert_eq!(channels[0].get::<_, String>(0), "O");
}

#[test]
fn read_only_sessions_refuse_writes() {
    let Some(pg) = shared() else { return };
    // Not "read_only": invites_db.rs has a database of that name on the same shared server.
    let url = fresh(pg, "harness_read_only");

    // Forced in the connection's startup options, as mmops can do from a DataSource.
    let ro_url = format!("{url}&options=-c%20default_transaction_read_only%3Don");
    let conn = Conn::connect(&ro_url);
    let count = conn.query("SELECT count(*) FROM tokens", &[]);
    assert_eq!(count[0].get::<_, i64>(0), 0);
    let err = conn
        .try_execute("INSERT INTO systems (name, value) VALUES ('x', 'y')", &[])
        .unwrap_err();
    assert_eq!(
        pg::describe(&err),
        "cannot execute INSERT in a read-only transaction (SQLSTATE 25006)"
    );

    // Or set on the session after connecting.
    let conn = Conn::connect(&url);
    conn.batch("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
    let err = conn
        .try_batch("INSERT INTO systems (name, value) VALUES ('x', 'y')")
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "25006");
    let err = conn.try_batch("CREATE TABLE t (x int)").unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "25006");

    // A normal session still writes.
    pg::batch(&url, "INSERT INTO systems (name, value) VALUES ('x', 'y')");
}

#[test]
fn builder_writes_mattermost_shaped_rows() {
    let Some(pg) = shared() else { return };
    let mut db = MmDb::create(pg, "builder_rows");
    let team = db.team("eng", true);
    let admin = db.user("admin", "admin@example.com", T0);
    let alice = db.user("alice", "alice@example.com", T0 + 1);
    let guest = db.guest("gina", "gina@partner.example", T0 + 2);
    let bot = db.bot("helper-bot", &admin, T0 + 3);
    db.member(&team, &admin, 0); // joined before teammembers.createat existed
    db.member(&team, &alice, T0 + 10);
    db.leave(&team, &alice, T0 + 20);
    db.member(&team, &alice, T0 + 30); // re-join: new createat, deleteat back to 0
    db.member(&team, &guest, T0 + 40);
    db.deactivate(&guest, T0 + 50);
    db.system("Version", "6.4.0");
    db.system("DiagnosticId", "diagid");
    let session = db.session(&admin);
    db.audit(
        &admin,
        "/api/v4/users/password/reset",
        "attempt - token=secret",
        T0,
    );

    let plain = db.token(
        TokenKind::Team,
        "new@example.com",
        &team,
        None,
        &[],
        T0 + 100,
    );
    let with_channels = db.token(
        TokenKind::Team,
        "chan@example.com",
        &team,
        Some(&admin),
        &["c1", "c2"],
        T0 + 101,
    );
    let guest_token = db.token(
        TokenKind::Guest,
        "g2@partner.example",
        &team,
        Some(&admin),
        &["c1"],
        T0 + 102,
    );
    let magic = db.token(
        TokenKind::GuestMagicLink,
        "g3@partner.example",
        &team,
        Some(&admin),
        &[],
        T0 + 103,
    );
    let gone = db.token(
        TokenKind::Team,
        "used@example.com",
        &team,
        None,
        &[],
        T0 + 104,
    );
    db.delete_token(&gone);
    db.raw_token("password_recovery", "not json", T0 + 105);

    let job = db.resend_job(
        &admin,
        &team,
        &["new@example.com", "other@example.com"],
        &[],
        T0 + 100,
        "success",
    );
    db.resend_job(
        &admin,
        &team,
        &["chan@example.com"],
        &["c1"],
        T0 + 101,
        "pending",
    );
    db.join_post(&team, &alice, T0 + 30);
    db.add_post(&team, &admin, &bot, T0 + 60);
    db.remove_post(&team, &alice, T0 + 70);
    let conn = db.conn();
    let t = team.as_str();
    let a = admin.as_str();

    // Tokens: 64 chars, extra is compact JSON with sorted keys and string values only.
    for token in [&plain, &with_channels, &guest_token, &magic] {
        assert_eq!(token.len(), 64);
    }
    let extras: Vec<(String, String)> = conn
        .query(
            "SELECT type, extra FROM tokens WHERE type <> 'password_recovery' ORDER BY createat",
            &[],
        )
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        extras,
        [
            (
                "team_invitation".to_string(),
                format!(r#"{{"email":"new@example.com","teamId":"{t}"}}"#)
            ),
            (
                "team_invitation".to_string(),
                format!(
                    r#"{{"channels":"c1 c2","email":"chan@example.com","senderId":"{a}","teamId":"{t}"}}"#
                )
            ),
            (
                "guest_invitation".to_string(),
                format!(
                    r#"{{"channels":"c1","email":"g2@partner.example","guest":"true","senderId":"{a}","teamId":"{t}"}}"#
                )
            ),
            (
                "guest_magic_link_invitation".to_string(),
                format!(
                    r#"{{"channels":"","email":"g3@partner.example","guest":"true","senderId":"{a}","teamId":"{t}"}}"#
                )
            ),
        ]
    );
    for (_, extra) in &extras {
        let parsed: serde_json::Map<String, Value> = serde_json::from_str(extra).unwrap();
        assert!(parsed.values().all(Value::is_string), "{extra}");
        assert!(parsed.keys().is_sorted(), "{extra}");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), *extra, "compact");
    }
    // extra is text: the ::jsonb cast works for invitations and fails on the plugin-ish row.
    let email = conn.query(
        "SELECT extra::jsonb ->> 'email' FROM tokens WHERE token = $1",
        &[&plain],
    );
    assert_eq!(email[0].get::<_, String>(0), "new@example.com");
    assert!(
        conn.try_query("SELECT extra::jsonb FROM tokens", &[])
            .is_err()
    );

    // The resend job: jsonb data, string values, emailList a JSON string holding an array.
    let jobs = conn.query(
        "SELECT data, status, createat, startat, lastactivityat,
                jsonb_typeof(data -> 'emailList'), (data ->> 'emailList')::jsonb
         FROM jobs WHERE id = $1 AND type = 'resend_invitation_email'",
        &[&job],
    );
    let data: Value = jobs[0].get(0);
    assert_eq!(data["teamID"], t);
    assert_eq!(data["senderID"], a);
    assert_eq!(data["scheduledAt"], (T0 + 100).to_string());
    assert_eq!(
        data["emailList"],
        r#"["new@example.com","other@example.com"]"#
    );
    assert!(data.get("channelList").is_none());
    assert_eq!(jobs[0].get::<_, String>(1), "success");
    assert_eq!(jobs[0].get::<_, i64>(2), T0 + 100);
    assert_eq!(jobs[0].get::<_, i64>(3), 0);
    assert_eq!(jobs[0].get::<_, i64>(4), T0 + 100 + HOURS_48);
    assert_eq!(jobs[0].get::<_, String>(5), "string");
    assert_eq!(
        jobs[0].get::<_, Value>(6),
        serde_json::json!(["new@example.com", "other@example.com"])
    );
    let channel_list = conn.query(
        "SELECT data ->> 'channelList' FROM jobs WHERE status = 'pending'",
        &[],
    );
    assert_eq!(channel_list[0].get::<_, String>(0), r#"["c1"]"#);

    // Memberships: createat 0 (unknown), a re-join with the new time, the guest flag.
    let members: Vec<(String, i64, i64, bool)> = conn
        .query(
            "SELECT u.username, m.createat, m.deleteat, m.schemeguest
             FROM teammembers m JOIN users u ON u.id = m.userid
             WHERE m.teamid = $1 ORDER BY u.username",
            &[&t],
        )
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        members,
        [
            ("admin".to_string(), 0, 0, false),
            ("alice".to_string(), T0 + 30, 0, false),
            ("gina".to_string(), T0 + 40, 0, true),
        ]
    );

    // Users: canary secrets, guest roles, deactivation, the bot row.
    let users = conn.query(
        "SELECT u.username, u.password, u.mfasecret, u.authdata, u.roles, u.deleteat,
                b.userid IS NOT NULL
         FROM users u LEFT JOIN bots b ON b.userid = u.id ORDER BY u.createat",
        &[],
    );
    assert_eq!(users.len(), 4);
    for row in &users {
        assert_eq!(row.get::<_, String>(1), PASSWORD_CANARY);
        assert!(row.get::<_, String>(2).starts_with(mmdb::MFA_CANARY));
        assert!(row.get::<_, String>(3).starts_with(mmdb::AUTHDATA_CANARY));
    }
    assert_eq!(users[2].get::<_, String>(4), "system_guest");
    assert_eq!(users[2].get::<_, i64>(5), T0 + 50);
    assert!(users[3].get::<_, bool>(6));

    // Town-square posts with Mattermost's props.
    let posts: Vec<(String, String, Value)> = conn
        .query(
            "SELECT p.type, p.userid, p.props FROM posts p
             JOIN channels c ON c.id = p.channelid
             WHERE c.teamid = $1 AND c.name = 'town-square' ORDER BY p.createat",
            &[&t],
        )
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[0].0, "system_join_team");
    assert_eq!(posts[0].1, alice.as_str());
    assert_eq!(posts[0].2, serde_json::json!({"username": "alice"}));
    assert_eq!(posts[1].0, "system_add_to_team");
    assert_eq!(posts[1].1, a);
    assert_eq!(
        posts[1].2,
        serde_json::json!({
            "userId": a, "username": "admin",
            "addedUserId": bot.as_str(), "addedUsername": "helper-bot"
        })
    );
    assert_eq!(posts[2].0, "system_remove_from_team");
    assert_eq!(posts[2].1, alice.as_str());

    // Systems and the session canary.
    let version = conn.query("SELECT value FROM systems WHERE name = 'Version'", &[]);
    assert_eq!(version[0].get::<_, String>(0), "6.4.0");
    assert!(session.starts_with(mmdb::SESSION_CANARY));
    assert_eq!(session.len(), 26);
    let stored = conn.query("SELECT token FROM sessions", &[]);
    assert_eq!(stored[0].get::<_, String>(0), session);

    // Ids: 26 characters of Mattermost's alphabet, all distinct, and deterministic.
    let ids: Vec<String> = conn
        .query(
            "SELECT id FROM users UNION ALL SELECT id FROM teams UNION ALL SELECT id FROM channels
             UNION ALL SELECT id FROM posts UNION ALL SELECT id FROM jobs",
            &[],
        )
        .iter()
        .map(|r| r.get(0))
        .collect();
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len());
    for id in &ids {
        assert_eq!(id.len(), 26, "{id}");
        assert!(
            id.chars()
                .all(|c| "ybndrfg8ejkmcpqxot1uwisza345h769".contains(c)),
            "{id}"
        );
    }
    let mut again = MmDb::new(db.url());
    let mut first = MmDb::new(db.url());
    assert_eq!(again.new_id(), first.new_id());
}

#[test]
fn finder_takes_the_newest_complete_bin_dir() {
    let root = tempfile::tempdir().unwrap();
    let fake_bin = |dir: &Path, tools: &[&str]| {
        std::fs::create_dir_all(dir).unwrap();
        for tool in tools {
            let path = dir.join(tool);
            std::fs::write(&path, "#!/bin/sh\nexit 1\n").unwrap();
            let mut perms = std::fs::metadata(&path).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(&path, perms).unwrap();
        }
    };
    let all = ["initdb", "pg_ctl", "postgres"];
    let lib = root.path().join("lib");
    fake_bin(&lib.join("9.6/bin"), &all);
    fake_bin(&lib.join("13/bin"), &all);
    fake_bin(&lib.join("15/bin"), &all);
    fake_bin(&lib.join("16/bin"), &["initdb", "pg_ctl"]); // client-ish leftovers only
    std::fs::create_dir_all(lib.join("common")).unwrap();
    let no_pg_config = root.path().join("no-pg-config");
    let on_path = root.path().join("path-bin");
    fake_bin(&on_path, &all);
    let path_var = Some(on_path.clone().into_os_string());

    assert_eq!(
        pg::find_bindir_from(&no_pg_config, &lib, path_var.clone()),
        Some(lib.join("15/bin"))
    );
    // pg_config wins when its bindir holds a server...
    let pg_config = root.path().join("pg_config");
    std::fs::write(
        &pg_config,
        format!("#!/bin/sh\necho {}\n", lib.join("13/bin").display()),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&pg_config).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&pg_config, perms).unwrap();
    assert_eq!(
        pg::find_bindir_from(&pg_config, &lib, path_var.clone()),
        Some(lib.join("13/bin"))
    );
    // ...and is skipped when it does not (libpq-dev alone ships pg_config).
    std::fs::write(
        &pg_config,
        format!("#!/bin/sh\necho {}\n", lib.join("16/bin").display()),
    )
    .unwrap();
    assert_eq!(
        pg::find_bindir_from(&pg_config, &lib, path_var.clone()),
        Some(lib.join("15/bin"))
    );
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(
        pg::find_bindir_from(&pg_config, &empty, path_var.clone()),
        Some(on_path.clone())
    );
    assert_eq!(pg::find_bindir_from(&no_pg_config, &empty, None), None);
    assert!(!pg::has_server(&lib.join("16/bin")));
}

/// Runs `child_entry` of this test binary in a new process with `mode` and extra env.
fn run_child(mode: &str, env: &[(&str, &str)], remove: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        &test_name("child_entry"),
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, mode);
    for (key, value) in env {
        cmd.env(key, value);
    }
    for key in remove {
        cmd.env_remove(key);
    }
    cmd.output().unwrap()
}

/// The name the test harness knows a test of this module by (`pg_harness::child_entry`).
fn test_name(function: &str) -> String {
    let module = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_crate, module)| module);
    format!("{module}::{function}")
}

/// Not a test of its own: the body of the child processes above (does nothing otherwise).
#[test]
fn child_entry() {
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("start") => {
            let started = TestPg::start();
            println!("started: {}", started.is_some());
        }
        Ok("abort") => {
            let Some(pg) = TestPg::start() else { return };
            println!(
                "PID={} DIR={}",
                pg.postmaster_pid().unwrap(),
                pg.dir().display()
            );
            std::io::Write::flush(&mut std::io::stdout()).unwrap();
            std::process::abort();
        }
        _ => {}
    }
}

#[test]
fn skips_or_fails_when_the_binaries_are_absent() {
    let missing = "/nonexistent/mmops-no-postgres";
    let out = run_child("start", &[(pg::BINDIR_ENV, missing)], &[pg::REQUIRE_ENV]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("started: false"), "{stdout}");
    assert!(
        stderr.contains("skipping: PostgreSQL not installed"),
        "{stderr}"
    );

    let out = run_child(
        "start",
        &[(pg::BINDIR_ENV, missing), (pg::REQUIRE_ENV, "1")],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("MMOPS_REQUIRE_PG=1 but PostgreSQL is not installed"),
        "{stderr}"
    );
}

/// Whether `pid` is a live process (a zombie that nobody reaped counts as gone).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_string();
            Some(state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

fn wait_gone(pid: u32, dir: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    while (alive(pid) || dir.exists()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "postmaster {pid} still running");
    assert!(!dir.exists(), "{} still exists", dir.display());
}

#[test]
fn drop_stops_the_server_and_removes_its_dir() {
    let Some(pg) = TestPg::start() else { return };
    let pid = pg.postmaster_pid().unwrap();
    let dir = pg.dir().to_path_buf();
    assert!(alive(pid));
    drop(pg);
    wait_gone(pid, &dir, Duration::from_secs(1));
}

#[test]
fn watchdog_stops_the_server_when_the_test_process_dies() {
    if pg::find_bindir().is_none() {
        return;
    }
    let out = run_child("abort", &[], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if String::from_utf8_lossy(&out.stderr).contains("skipping: PostgreSQL") {
        return;
    }
    assert!(!out.status.success(), "the child aborts");
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("PID=").map(|(_, rest)| rest))
        .unwrap_or_else(|| {
            panic!(
                "no PID line:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let (pid, dir) = line.split_once(" DIR=").unwrap();
    wait_gone(
        pid.parse().unwrap(),
        &PathBuf::from(dir),
        Duration::from_secs(10),
    );
}
