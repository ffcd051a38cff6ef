//! The ledger opened (private, migrated, shared by concurrent first opens, a newer or a foreign
//! file refused in plain words) and invitations recorded: sightings as evidence, batches whole.

use std::os::unix::fs::PermissionsExt;

use super::open::MIGRATIONS;
use super::*;

fn invite(email: &str, status: &'static str) -> NewInvitation {
    NewInvitation {
        sent_at: 1_795_339_800_000,
        email: email.to_string(),
        team_id: "t1".into(),
        team_name: "engineering".into(),
        sender_id: Some("u1".into()),
        sender_username: Some("sysadmin".into()),
        kind: "member",
        status,
        status_reason: String::new(),
        source: "mmops",
        said: "sent by mmops invite".into(),
        token_fingerprint: None,
        channels: Vec::new(),
    }
}

#[test]
fn a_new_ledger_is_private_migrated_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/ledger.sqlite");
    let mut ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    ledger
        .record(&[invite(" Ana@Example.org ", "pending")])
        .unwrap();
    drop(ledger);
    let ledger = Ledger::open(&path).unwrap();
    let all = ledger.invitations().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].email, "ana@example.org");
    assert_eq!(all[0].sources, vec!["mmops".to_string()]);
    assert_eq!(ledger.evidence(all[0].id).unwrap().len(), 1);
    assert_eq!(ledger.position("audit").unwrap(), None);
}

#[test]
fn a_ledger_from_a_newer_mmops_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    drop(Ledger::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Ledger::open(&path).err().unwrap();
    assert!(err.to_string().contains("newer mmops"), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(40)).unwrap();
    let err = Ledger::open(&path).err().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not an mmops ledger (not an SQLite database): move it away or give another --ledger",
            path.display()
        )
    );
    assert!(std::error::Error::source(&err).is_none());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "these are my notes, not a database\n".repeat(40),
        "the file is left as it was"
    );
}

#[test]
fn sqlite_errors_are_not_repeated_by_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let err = ledger
        .conn
        .execute("INSERT INTO nowhere VALUES (1)", [])
        .map_err(ledger.err())
        .unwrap_err();
    assert!(err.to_string().contains("no such table: nowhere"), "{err}");
    assert!(std::error::Error::source(&err).is_none());
}

/// Openers of a new ledger at the same moment: each must succeed and find the full schema.
#[test]
fn concurrent_first_opens_all_succeed() {
    const OPENERS: usize = 8;
    for round in 0..25 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("ledgers/{round}.sqlite"));
        let start = std::sync::Barrier::new(OPENERS);
        let results: Vec<Result<i64, String>> = std::thread::scope(|scope| {
            let openers: Vec<_> = (0..OPENERS)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        Ledger::open(&path)
                            .and_then(|ledger| ledger.schema_version())
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            openers.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for result in results {
            assert_eq!(result, Ok(MIGRATIONS.len() as i64), "round {round}");
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mut ledger = Ledger::open(&path).unwrap();
        let journal: String = ledger
            .conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        let columns: Vec<String> = ledger
            .conn
            .prepare("SELECT name FROM pragma_table_info('memberships')")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            columns,
            [
                "team_id",
                "user_id",
                "joined_at",
                "how",
                "source",
                "left_at",
                "updated_at"
            ]
        );
        ledger
            .record(&[invite("a@example.org", "pending")])
            .unwrap();
        assert_eq!(ledger.invitations().unwrap().len(), 1);
    }
}

#[test]
fn a_sighting_of_a_known_invitation_adds_evidence_not_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    ledger
        .record(&[invite("a@example.org", "pending")])
        .unwrap();
    let mut seen = invite("A@example.org", "unknown");
    seen.sent_at += 800;
    seen.source = "audit";
    let mut other = invite("b@example.org", "unknown");
    other.source = "audit";
    other.sender_id = None;
    let counts = ledger
        .record_sightings(&[seen.clone(), other], Some(("audit", "1:2:300", 5)))
        .unwrap();
    assert_eq!(counts, (1, 1));
    // Seen again (a re-read after a crash): nothing doubles.
    ledger
        .record_sightings(&[seen], Some(("audit", "1:2:300", 6)))
        .unwrap();
    let all = ledger.invitations().unwrap();
    assert_eq!(all.len(), 2);
    let a = all.iter().find(|i| i.email == "a@example.org").unwrap();
    assert_eq!(a.sources, vec!["mmops".to_string(), "audit".to_string()]);
    assert_eq!(ledger.evidence(a.id).unwrap().len(), 2);
    assert_eq!(
        ledger.position("audit").unwrap().as_deref(),
        Some("1:2:300")
    );
}

#[test]
fn a_failed_batch_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
    let mut bad = invite("b@example.org", "pending");
    bad.kind = "neither";
    let err = ledger.record(&[invite("a@example.org", "pending"), bad]);
    assert!(err.is_err());
    assert!(ledger.invitations().unwrap().is_empty(), "all or none");
}
