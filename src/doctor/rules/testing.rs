//! Facts for rule tests: a server with nothing wrong, and ways to plant one problem in it.

use serde_json::{Value, json};

use super::by_id;
use crate::doctor::facts::{ConfigFacts, DatabaseFacts, Fact, Facts, Job, SaltState, ServerFacts};
use crate::doctor::host::{Disk, FileMode, HostCheck, Process};
use crate::doctor::logs::Scanner;
use crate::doctor::rule::{Evidence, Outcome};
use crate::mm::ServerVersion;
use crate::mm::models::system::StringMap;
use crate::mm::models::{ClientLicense, ClusterNode, Ping, SiteStats};
use crate::plugins::manifest::Manifest;
use crate::plugins::{NodeStatus, Plugin, State};

/// 2026-12-01 00:00 UTC.
pub const NOW_MS: i64 = 1_796_083_200_000;

pub fn nothing_known() -> Facts {
    Facts::none(NOW_MS, "not gathered in this test")
}

fn healthy_config() -> Value {
    json!({
        "ServiceSettings": {
            "SiteURL": "https://chat.example.com",
            "EnableDeveloper": false,
            "EnableTesting": false,
            "EnableInsecureOutgoingConnections": false,
            "AllowCorsFrom": "",
            "EnableMultifactorAuthentication": true,
            "EnforceMultifactorAuthentication": true,
            "AllowedUntrustedInternalConnections": "jira.internal 10.20.30.0/24",
            "EnableSecurityFixAlert": true,
            "EnableLocalMode": false,
            "ExtendSessionLengthWithActivity": true,
            "EnableLinkPreviews": true,
            "EnablePostSearch": true
        },
        "TeamSettings": {
            "EnableOpenServer": false,
            "EnableUserCreation": true,
            "RestrictCreationToDomains": "example.com",
            "ExperimentalViewArchivedChannels": true
        },
        "EmailSettings": {
            "SkipServerCertificateVerification": false,
            "SendEmailNotifications": true,
            "SendPushNotifications": true,
            "PushNotificationContents": "id_loaded"
        },
        "LdapSettings": {"Enable": false, "SkipCertificateVerification": false, "IdAttribute": "objectGUID"},
        "SamlSettings": {"Enable": false, "IdAttribute": "objectGUID"},
        "PasswordSettings": {"MinimumLength": 10},
        "RateLimitSettings": {"Enable": true},
        "FileSettings": {"EnablePublicLink": false, "DriverName": "amazons3"},
        "PluginSettings": {"EnableUploads": false},
        "LogSettings": {
            "EnableFile": true,
            "FileLevel": "INFO",
            "ConsoleLevel": "INFO",
            "EnableDiagnostics": true,
            "EnableWebhookDebugging": false
        },
        "NotificationLogSettings": {"EnableFile": false},
        "ClusterSettings": {"Enable": true},
        "SqlSettings": {"DriverName": "postgres", "MaxOpenConns": 50, "Trace": false},
        "ElasticsearchSettings": {"EnableIndexing": false, "EnableSearching": false, "LiveIndexingBatchSize": 10},
        "BleveSettings": {"EnableIndexing": false, "EnableSearching": false},
        "ExperimentalSettings": {"ClientSideCertEnable": false}
    })
}

fn node(host: &str) -> ClusterNode {
    ClusterNode {
        id: format!("id-{host}"),
        version: "11.4.4".into(),
        schema_version: "171".into(),
        config_hash: "c0ffee".into(),
        ipaddress: "10.0.0.1".into(),
        hostname: host.into(),
    }
}

fn plugin() -> Plugin {
    let manifest = Manifest::parse(&json!({
        "id": "com.mattermost.calls",
        "name": "Calls",
        "version": "1.2.0",
        "min_server_version": "9.0.0"
    }));
    let running = |host: &str| NodeStatus {
        node: host.into(),
        state: State::Running,
        error: String::new(),
        version: "1.2.0".into(),
    };
    Plugin {
        manifest: manifest.unwrap_or_else(|| panic!("test manifest")),
        enabled: true,
        nodes: vec![running("mm-app-1"), running("mm-app-2")],
    }
}

/// A two-node, licensed 11.4 server on PostgreSQL 16 with nothing wrong.
pub fn healthy() -> Facts {
    let mut facts = nothing_known();
    facts.source = "a healthy test server".into();
    facts.config = Fact::Known(ConfigFacts {
        config: healthy_config(),
        source: "test".into(),
        public_link_salt: SaltState::Own,
    });
    facts.server = Fact::Known(ServerFacts {
        version: ServerVersion::parse("11.4.4"),
        health: Some(Ok(Ping {
            status: "OK".into(),
            database_status: Some("OK".into()),
            filestore_status: Some("OK".into()),
            ..Ping::default()
        })),
        stats: Ok(SiteStats {
            posts: Some(100_000),
            active_users: Some(120),
            daily_active_users: Some(50),
            websocket_connections: Some(40),
            ..SiteStats::default()
        }),
        os: Some("Ubuntu 24.04.1 LTS".into()),
        database_driver: Some("postgres".into()),
        search_plugins: Some(vec!["analysis-icu".into()]),
    });
    facts.cluster = Fact::Known(vec![node("mm-app-1"), node("mm-app-2")]);
    facts.plugins = Fact::Known(vec![plugin()]);
    facts.jobs = Fact::Known(Vec::new());
    facts.logs = Fact::Known(Scanner::new().finish());
    facts.license = Fact::Known(ClientLicense(StringMap(
        [
            ("IsLicensed", "true".to_string()),
            ("ExpiresAt", (NOW_MS + 365 * 86_400_000).to_string()),
            ("Users", "1000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    )));
    facts.host = Fact::Known(HostCheck {
        os: "Ubuntu 24.04.1 LTS".into(),
        process: Ok(Process {
            pid: 4242,
            uid: 998,
        }),
        config_file: Ok(FileMode {
            path: "/opt/mattermost/config/config.json".into(),
            mode: 0o600,
        }),
        disks: vec![Disk {
            role: "log directory",
            path: "/opt/mattermost/logs".into(),
            free_bytes: 50 << 30,
            total_bytes: 100 << 30,
        }],
        log_files: vec![("/opt/mattermost/logs/mattermost.log".into(), 20 << 20)],
        manual_plugins: Ok(Vec::new()),
    });
    facts.database = Fact::Known(DatabaseFacts {
        version_num: 160_004,
        version: "16.4".into(),
        max_connections: Some(150),
    });
    facts
}

/// `facts` with the setting at `path` set to `value`.
pub fn set(mut facts: Facts, path: &str, value: Value) -> Facts {
    if let Fact::Known(config) = &mut facts.config {
        let mut at = &mut config.config;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if !at.is_object() {
                *at = json!({});
            }
            let Some(map) = at.as_object_mut() else { break };
            if i == parts.len() - 1 {
                map.insert(part.to_string(), value);
                break;
            }
            at = map.entry(part.to_string()).or_insert_with(|| json!({}));
        }
    }
    facts
}

/// `facts` whose logs are `lines`.
pub fn with_log(mut facts: Facts, lines: &str) -> Facts {
    let mut scanner = Scanner::new();
    scanner.begin("test.log");
    scanner.feed(lines.as_bytes());
    scanner.feed(b"\n");
    facts.logs = Fact::Known(scanner.finish());
    facts
}

/// `facts` with one more job run.
pub fn with_job(mut facts: Facts, kind: &str, status: &str, at_ms: i64, error: &str) -> Facts {
    if let Fact::Known(jobs) = &mut facts.jobs {
        jobs.push(Job {
            id: format!("job{}", jobs.len() + 1),
            kind: kind.into(),
            status: status.into(),
            create_at: at_ms,
            last_activity_at: at_ms,
            data: if error.is_empty() {
                json!({})
            } else {
                json!({"error": error})
            },
        });
    }
    facts
}

/// The rule fires on `facts`: its evidence.
pub fn fires(id: &str, facts: &Facts) -> Vec<Evidence> {
    let rule = by_id(id).unwrap_or_else(|| panic!("no rule {id}"));
    match (rule.check)(facts) {
        Ok(Outcome::Fire(evidence)) => {
            assert!(!evidence.is_empty(), "{id} fired without evidence");
            evidence
        }
        other => panic!("{id} did not fire: {other:?}"),
    }
}

/// The rule checks `facts` and finds nothing.
pub fn quiet(id: &str, facts: &Facts) {
    let rule = by_id(id).unwrap_or_else(|| panic!("no rule {id}"));
    assert_eq!((rule.check)(facts), Ok(Outcome::Pass), "{id}");
}
