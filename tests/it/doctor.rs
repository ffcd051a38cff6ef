//! `mmops doctor` against the demo server (sick by default, clean with `--healthy`), an install
//! directory alone, a real PostgreSQL, the sample configs of several eras, and a token that may
//! read little: the findings, what is not checked and why, the exit statuses and the JSON.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mmops::demo::DemoOptions;
use mmops::doctor::gather::{Sources, gather};
use mmops::doctor::rule::{Category, FactKind};
use mmops::doctor::{Diagnosis, Selection, diagnose, report};
use mmops::host::{HomeOrigin, MmHome};
use mmops::secret::Secret;
use serde_json::Value;

use crate::common::binary::{mmops, serve, serve_with, text};
use crate::common::{NOW_MS, admin, client, demo, demo_with, pg};

fn fired(diagnosis: &Diagnosis) -> BTreeSet<&'static str> {
    diagnosis.findings.iter().map(|f| f.rule.id).collect()
}

async fn live(
    client: &mmops::mm::MmClient,
    home: Option<&MmHome>,
    db: Option<&Secret>,
) -> Diagnosis {
    let facts = gather(Sources {
        client: Some(client),
        home,
        db_url: db,
        now_ms: NOW_MS,
    })
    .await;
    diagnose(&facts, &Selection::default())
}

#[tokio::test]
async fn the_sick_demo_has_a_finding_in_every_category() {
    let server = demo().await;
    let home = MmHome::new(&server.host_dir, HomeOrigin::Demo);
    let diagnosis = live(&admin(&server), Some(&home), None).await;
    let ids = fired(&diagnosis);
    for id in [
        "plugin-failing",
        "plugin-version-drift",
        "cluster-config-drift",
        "license-expiring",
        "job-ldap-sync-failed",
        "job-data-retention-failed",
        "rate-limiter-off",
        "debug-logging-on",
        "bleve-in-use",
        "push-failures",
        "context-deadline-exceeded",
        "mfa-not-enforced",
        "webhook-debugging-on",
        "sessions-not-extended",
    ] {
        assert!(ids.contains(id), "{id} did not fire: {ids:?}");
    }
    for category in [
        Category::Security,
        Category::Reliability,
        Category::Performance,
        Category::Upgrade,
        Category::Adoption,
    ] {
        assert!(
            diagnosis.in_category(category).next().is_some(),
            "nothing in {category:?}"
        );
    }
    assert_eq!(diagnosis.exit_code(), 2);
    // The plugin failure names the node and the error the server gave.
    let failing = diagnosis
        .findings
        .iter()
        .find(|f| f.rule.id == "plugin-failing")
        .unwrap();
    let words: Vec<String> = failing.evidence.iter().map(|e| e.summary()).collect();
    assert!(
        words
            .iter()
            .any(|w| w.contains("github on mm-app-2: failed to start")),
        "{words:?}"
    );
    // Only facts nothing here can give are unchecked: the database and the server process.
    for (rule, missing) in &diagnosis.not_checked {
        assert!(
            matches!(missing.fact, FactKind::Database | FactKind::Host),
            "{} not checked: {missing}",
            rule.id
        );
    }
}

#[tokio::test]
async fn the_healthy_demo_is_all_clear() {
    let server = demo_with(DemoOptions {
        healthy: true,
        ..DemoOptions::default()
    })
    .await;
    let home = MmHome::new(&server.host_dir, HomeOrigin::Demo);
    let diagnosis = live(&admin(&server), Some(&home), None).await;
    assert!(
        diagnosis.findings.is_empty(),
        "{}",
        report::text(&diagnosis, 100)
    );
    assert_eq!(diagnosis.exit_code(), 0);
    assert!(diagnosis.passed.len() >= 60, "{}", diagnosis.passed.len());
}

#[tokio::test]
async fn an_install_directory_alone_checks_what_is_on_disk() {
    let server = demo().await;
    let home = MmHome::new(&server.host_dir, HomeOrigin::Flag);
    let facts = gather(Sources {
        client: None,
        home: Some(&home),
        db_url: None,
        now_ms: NOW_MS,
    })
    .await;
    let diagnosis = diagnose(&facts, &Selection::default());
    let ids = fired(&diagnosis);
    // From config.json and the log files.
    for id in [
        "rate-limiter-off",
        "debug-logging-on",
        "push-failures",
        "bleve-in-use",
    ] {
        assert!(ids.contains(id), "{id}: {ids:?}");
    }
    // What only the server knows is not checked, and says why.
    let (_, missing) = diagnosis
        .not_checked
        .iter()
        .find(|(r, _)| r.id == "plugin-failing")
        .unwrap();
    assert!(missing.reason.contains("no server connection"), "{missing}");
    assert!(
        facts
            .config
            .known()
            .unwrap()
            .source
            .ends_with("config.json")
    );
}

#[tokio::test]
async fn a_token_that_may_read_little_leaves_rules_unchecked_not_passed() {
    let server = demo().await;
    let viewer = client(&server, Some(&server.viewer_token));
    let diagnosis = live(&viewer, None, None).await;
    let unchecked: BTreeSet<&str> = diagnosis.not_checked.iter().map(|(r, _)| r.id).collect();
    for id in ["rate-limiter-off", "plugin-failing", "job-ldap-sync-failed"] {
        assert!(unchecked.contains(id), "{id}: {unchecked:?}");
    }
    let (_, missing) = diagnosis
        .not_checked
        .iter()
        .find(|(r, _)| r.id == "rate-limiter-off")
        .unwrap();
    assert!(missing.reason.contains("token lacks"), "{missing}");
}

#[test]
fn the_database_is_measured_against_the_pool() {
    // The shared server starts outside any runtime.
    let Some(pg) = pg::shared() else { return };
    let url = Secret::new(pg.url());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let diagnosis = runtime.block_on(async {
        let server = demo().await;
        live(&admin(&server), None, Some(&url)).await
    });
    let checked = |id: &str| {
        diagnosis.findings.iter().any(|f| f.rule.id == id)
            || diagnosis.passed.iter().any(|r| r.id == id)
    };
    assert!(checked("max-open-conns-over-database"));
    assert!(checked("postgres-too-old"));
    assert!(!fired(&diagnosis).contains("postgres-too-old"));
}

/// The sample configs of several eras, read as an install directory: each is checked without
/// an error, and says what its era gets wrong.
#[tokio::test]
async fn configs_of_every_era_are_read() {
    let Some(dir) = samples_dir() else { return };
    let expectations = [
        (
            "config-v3.2-2016-mattermost-server.json",
            "database-not-postgres",
        ),
        ("config-server-tests-test-config.json", "site-url-unset"),
        (
            "config-on_prem_default_config-2025.json",
            "rate-limiter-off",
        ),
    ];
    for (file, expected) in expectations {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join("config")).unwrap();
        std::fs::copy(dir.join(file), home.path().join("config/config.json")).unwrap();
        let home = MmHome::new(home.path(), HomeOrigin::Flag);
        let facts = gather(Sources {
            client: None,
            home: Some(&home),
            db_url: None,
            now_ms: NOW_MS,
        })
        .await;
        let diagnosis = diagnose(&facts, &Selection::default());
        assert!(
            fired(&diagnosis).contains(expected),
            "{file}: {}",
            report::text(&diagnosis, 100)
        );
        assert!(diagnosis.passed.len() > 10, "{file}");
    }
}

fn samples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/samples/config");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("MMOPS_REQUIRE_SPEC").as_deref() != Ok("1"),
        "MMOPS_REQUIRE_SPEC=1, and the sample configs are not in {}",
        dir.display()
    );
    eprintln!("skipped: no sample configs in {}", dir.display());
    None
}

fn doctor(dir: &Path, url: &str, token: &str, args: &[&str]) -> (String, String, Option<i32>) {
    let output = mmops(dir)
        .args(["--url", url])
        .arg("doctor")
        .args(args)
        .env("MMOPS_TOKEN", token)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    (out, err, output.status.code())
}

#[test]
fn exit_statuses_fit_monitoring() {
    let dir = tempfile::tempdir().unwrap();
    let sick = serve(dir.path());
    let (out, err, code) = doctor(dir.path(), &sick.url, &sick.token, &[]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        out.contains("\nCRITICAL\n") && out.contains("\nNOT CHECKED\n"),
        "{out}"
    );
    let (out, _, code) = doctor(
        dir.path(),
        &sick.url,
        &sick.token,
        &["--only", "rate-limiter-off"],
    );
    assert_eq!(code, Some(1), "{out}");
    let (out, _, code) = doctor(
        dir.path(),
        &sick.url,
        &sick.token,
        &[
            "--nagios",
            "--only",
            "local-mode-on,rate-limiter-off",
            "--skip",
            "rate-limiter-off",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "DOCTOR OK - 1 info | critical=0 warning=0 info=1 not_checked=0\n"
    );
    let (_, err, code) = doctor(
        dir.path(),
        &sick.url,
        &sick.token,
        &["--skip", "no-such-rule"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("no rule is called no-such-rule"), "{err}");

    let healthy_dir = tempfile::tempdir().unwrap();
    let host = healthy_dir.path().join("demo-host");
    let healthy = serve_with(
        healthy_dir.path(),
        [
            std::ffi::OsStr::new("--healthy"),
            std::ffi::OsStr::new("--host-dir"),
            host.as_os_str(),
        ],
    );
    let (out, err, code) = doctor(healthy_dir.path(), &healthy.url, &healthy.token, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("nothing wrong found"), "{out}");

    // Nothing to check at all: UNKNOWN.
    let output = mmops(dir.path()).arg("doctor").output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(text(&output).1.contains("nothing to check"));
}

/// The JSON document as docs/doctor.md describes it.
#[test]
fn the_json_follows_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let (out, err, code) = doctor(dir.path(), &served.url, &served.token, &["--json"]);
    assert_eq!(code, Some(2), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], "mmops.doctor/1");
    assert!(doc["checked_at"].as_str().unwrap().ends_with('Z'));
    for key in [
        "critical",
        "warning",
        "info",
        "not_checked",
        "passed",
        "exit_code",
    ] {
        assert!(doc["summary"][key].is_u64(), "{key}");
    }
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let severities = ["critical", "warning", "info"];
    for finding in findings {
        for key in ["id", "title", "why", "advice"] {
            assert!(finding[key].is_string(), "{key} in {finding}");
        }
        assert!(severities.contains(&finding["severity"].as_str().unwrap()));
        assert!(finding["fix"]["console"].is_string() && finding["fix"]["command"].is_string());
        assert!(finding["reads"].is_array());
        for evidence in finding["evidence"].as_array().unwrap() {
            let kind = evidence["type"].as_str().unwrap();
            assert!(
                ["setting", "node", "plugin", "logs", "job", "file", "fact"].contains(&kind),
                "{kind}"
            );
        }
    }
    for item in doc["not_checked"].as_array().unwrap() {
        assert!(
            item["fact"].is_string() && item["reason"].is_string(),
            "{item}"
        );
    }
    // Worst first.
    let order: Vec<usize> = findings
        .iter()
        .map(|f| severities.iter().position(|s| *s == f["severity"]).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
}

/// `docs/doctor.md` holds the table `--list-rules --markdown` prints: a rule added without
/// regenerating the docs fails here.
#[test]
fn the_docs_list_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let output = mmops(dir.path())
        .args(["doctor", "--list-rules", "--markdown"])
        .output()
        .unwrap();
    let table = text(&output).0;
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/doctor.md"))
            .unwrap();
    assert!(
        docs.contains(&table),
        "docs/doctor.md is out of date: mmops doctor --list-rules --markdown"
    );
}

#[test]
fn telemetry_shows_what_would_be_sent_and_no_text() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let (out, err, code) = doctor(dir.path(), &served.url, &served.token, &["--telemetry"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("ServiceSettings.EnableDeveloper = false"),
        "{out}"
    );
    // SiteURL is sent only as "is default".
    assert!(out.contains("ServiceSettings.SiteURL = false"), "{out}");
    assert!(!out.contains("chat.example.com"), "{out}");
}
