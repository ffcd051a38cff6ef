//! What makes a server fail, or makes its failures hard to investigate.

use super::{flag_is, latest_job_failed, log_sign, shown};
use crate::doctor::facts::Facts;
use crate::doctor::logs;
use crate::doctor::rule::{
    Category::Reliability, Checked, Evidence, FactKind, Fix, Missing, Outcome, Rule, Severity,
};
use crate::overview::ClusterDrift;
use crate::timefmt::{bytes, utc_date, utc_minute};

const CONFIG: &[FactKind] = &[FactKind::Config];
const LOGS: &[FactKind] = &[FactKind::Logs];
const JOBS: &[FactKind] = &[FactKind::Jobs];
const CLUSTER: &[FactKind] = &[FactKind::Cluster];
const PLUGINS: &[FactKind] = &[FactKind::Plugins];
const LICENSE: &[FactKind] = &[FactKind::License];
const HOST: &[FactKind] = &[FactKind::Host];

const DAY_MS: i64 = 86_400_000;
/// A log file this big is not being rotated.
pub const UNROTATED_LOG_BYTES: u64 = 1 << 30;
/// Below this share of free space a disk is low.
const LOW_DISK_SHARE: f64 = 0.10;

pub const RULES: &[Rule] = &[
    Rule {
        id: "server-unhealthy",
        title: "The server's health check fails",
        severity: Severity::Critical,
        category: Reliability,
        reads: &[FactKind::Server],
        why: "The health check covers the database and the file store: users see errors or cannot load files.",
        fix: Fix {
            console: "System Console > Reporting > Server Logs: the errors around the failure",
            command: "curl -s $SITE/api/v4/system/ping?get_server_status=true",
        },
        advice: "Mattermost API: GET /system/ping",
        check: |f| {
            let server = f.server()?;
            let health = server.health.as_ref().ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason:
                    "no health check was made (a support packet holds only the file store's status)"
                        .into(),
            })?;
            Ok(match health {
                Err(why) => Outcome::Fire(vec![Evidence::fact("health check", why)]),
                Ok(ping) => {
                    let mut evidence = Vec::new();
                    if !ping.is_healthy() {
                        evidence.push(Evidence::fact("status", &ping.status));
                    }
                    for (name, status) in [
                        ("database", &ping.database_status),
                        ("file store", &ping.filestore_status),
                    ] {
                        if let Some(status) =
                            status.as_deref().filter(|s| !s.eq_ignore_ascii_case("ok"))
                        {
                            evidence.push(Evidence::fact(name, status));
                        }
                    }
                    Outcome::unless_empty(evidence)
                }
            })
        },
    },
    Rule {
        id: "site-url-unset",
        title: "SiteURL is not set",
        severity: Severity::Critical,
        category: Reliability,
        reads: CONFIG,
        why: "Without SiteURL, links in email and push notifications, OAuth and SAML logins, and plugins break.",
        fix: Fix {
            console: "Environment > Web Server > Site URL",
            command: "mmctl config set ServiceSettings.SiteURL https://chat.example.com",
        },
        advice: "mmhealth; Mattermost docs: configuration settings (Site URL)",
        check: |f| {
            let url = f.text("ServiceSettings.SiteURL")?;
            Ok(Outcome::when(url.is_empty(), || {
                vec![shown(f, "ServiceSettings.SiteURL")]
            }))
        },
    },
    Rule {
        id: "file-logging-off",
        title: "Logging to a file is off",
        severity: Severity::Warning,
        category: Reliability,
        reads: CONFIG,
        why: "The server's log file is the first thing support asks for; without it there is no record of what went wrong.",
        fix: Fix {
            console: "Environment > Logging > Output logs to file: true",
            command: "mmctl config set LogSettings.EnableFile true",
        },
        advice: "Mattermost support packet docs",
        check: |f| flag_is(f, "LogSettings.EnableFile", false),
    },
    Rule {
        id: "debug-logging-on",
        title: "Logs are at DEBUG level",
        severity: Severity::Warning,
        category: Reliability,
        reads: CONFIG,
        why: "DEBUG logs grow fast and slow a busy server; turn the level up only while reproducing a problem.",
        fix: Fix {
            console: "Environment > Logging > File Log Level: INFO",
            command: "mmctl config set LogSettings.FileLevel INFO",
        },
        advice: "Mattermost support packet docs",
        check: |f| {
            let mut evidence = Vec::new();
            for path in ["LogSettings.FileLevel", "LogSettings.ConsoleLevel"] {
                let level = f.text(path)?;
                if level.eq_ignore_ascii_case("debug") || level.eq_ignore_ascii_case("trace") {
                    evidence.push(Evidence::setting(path, level));
                }
            }
            // mmops' own capture raised it: the likely cause, and how to undo it.
            if let Some(capture) = &f.capture
                && capture.changes.iter().any(|c| {
                    evidence
                        .iter()
                        .any(|e| matches!(e, Evidence::Setting { path, .. } if *path == c.setting))
                })
            {
                let how = if capture.owner_alive() && !capture.is_overdue(f.now_ms) {
                    "it is running: stopping it (R in the console, `mmops capture stop`) puts the level back"
                } else {
                    "it was left unfinished: `mmops capture restore` puts the level back"
                };
                evidence.push(Evidence::fact(
                    "likely cause",
                    format!(
                        "an mmops capture by {} raised it at {}; {how}",
                        capture.by,
                        utc_minute(capture.started_ms)
                    ),
                ));
            }
            if !evidence.is_empty()
                && let Ok(logs) = f.logs()
                && let Some(hits) = logs.hits(logs::DEBUG_LINES)
            {
                let since = hits
                    .first_ms
                    .map(utc_minute)
                    .unwrap_or_else(|| "an unknown time".into());
                evidence.push(Evidence::fact(
                    "DEBUG lines",
                    format!("{} since {since} in what mmops read", hits.count),
                ));
            }
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "local-file-store-in-cluster",
        title: "A cluster stores files on local disk",
        severity: Severity::Critical,
        category: Reliability,
        reads: CONFIG,
        why: "Each node sees only the files uploaded to it unless the directory is a shared mount: users get broken attachments depending on which node serves them.",
        fix: Fix {
            console: "Environment > File Storage > File Storage System: Amazon S3 (or a shared NFS mount)",
            command: "mmctl config set FileSettings.DriverName amazons3",
        },
        advice: "Mattermost docs: high availability cluster",
        check: |f| {
            let cluster = f.flag_or("ClusterSettings.Enable", false)?;
            let driver = f.text("FileSettings.DriverName")?;
            Ok(Outcome::when(
                cluster && (driver.is_empty() || driver == "local"),
                || {
                    vec![
                        Evidence::setting("ClusterSettings.Enable", true),
                        shown(f, "FileSettings.DriverName"),
                    ]
                },
            ))
        },
    },
    Rule {
        id: "max-open-conns-over-database",
        title: "The connection pool is larger than the database allows",
        severity: Severity::Critical,
        category: Reliability,
        reads: &[FactKind::Config, FactKind::Database],
        why: "Each node may open MaxOpenConns connections; beyond max_connections the database refuses them and requests fail under load.",
        fix: Fix {
            console: "Environment > Database > Maximum Open Connections (or raise max_connections in postgresql.conf)",
            command: "mmctl config set SqlSettings.MaxOpenConns 100",
        },
        advice: "Mattermost docs: database configuration settings",
        check: |f| {
            let pool = f.number("SqlSettings.MaxOpenConns")?;
            let nodes = f.cluster().map(|n| n.len().max(1) as i64).unwrap_or(1);
            let max = f.database()?.max_connections.ok_or_else(|| Missing {
                fact: FactKind::Database,
                reason: "max_connections is unknown (give --db-url)".into(),
            })?;
            Ok(Outcome::when(pool * nodes > max, || {
                vec![
                    Evidence::setting("SqlSettings.MaxOpenConns", pool),
                    Evidence::fact("nodes", nodes),
                    Evidence::fact("PostgreSQL max_connections", max),
                ]
            }))
        },
    },
    Rule {
        id: "cluster-version-drift",
        title: "Cluster nodes run different versions",
        severity: Severity::Critical,
        category: Reliability,
        reads: CLUSTER,
        why: "Nodes of different versions disagree on the schema and the API: expected only for the minutes of a rolling upgrade.",
        fix: Fix {
            console: "Environment > High Availability: the nodes and their versions",
            command: "upgrade the odd node to the others' version, then restart it",
        },
        advice: "Mattermost docs: high availability cluster (upgrades)",
        check: |f| drift(f, |d| &d.version_outliers, "runs another version"),
    },
    Rule {
        id: "cluster-config-drift",
        title: "Cluster nodes run different configs",
        severity: Severity::Warning,
        category: Reliability,
        reads: CLUSTER,
        why: "A node whose config differs behaves differently from the others: the source of problems that come and go.",
        fix: Fix {
            console: "Environment > High Availability: compare the config hashes",
            command: "store the config in the database (mattermost config migrate) or copy it to every node",
        },
        advice: "Mattermost docs: high availability cluster",
        check: |f| drift(f, |d| &d.config_outliers, "has another config hash"),
    },
    Rule {
        id: "cluster-schema-drift",
        title: "Cluster nodes expect different database schemas",
        severity: Severity::Critical,
        category: Reliability,
        reads: CLUSTER,
        why: "A node built for another schema reads and writes tables the others migrated.",
        fix: Fix {
            console: "Environment > High Availability: the nodes' schema versions",
            command: "bring every node to the same server version",
        },
        advice: "Mattermost docs: high availability cluster",
        check: |f| drift(f, |d| &d.schema_outliers, "expects another schema version"),
    },
    Rule {
        id: "plugin-failing",
        title: "A plugin is failing",
        severity: Severity::Critical,
        category: Reliability,
        reads: PLUGINS,
        why: "A plugin that failed to start or to stay running is missing for every user on that node.",
        fix: Fix {
            console: "Plugins > Plugin Management: the plugin's error; disable and enable it after fixing",
            command: "mmctl plugin disable ID && mmctl plugin enable ID",
        },
        advice: "Mattermost docs: plugins troubleshooting",
        check: |f| {
            let mut evidence = Vec::new();
            for plugin in f.plugins()? {
                for node in plugin.nodes.iter().filter(|n| n.state.is_failure()) {
                    let error = if node.error.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", node.error)
                    };
                    evidence.push(Evidence::Plugin {
                        id: plugin.manifest.id.clone(),
                        node: Some(node.node.clone()),
                        detail: format!("{}{error}", node.state.label()),
                    });
                }
            }
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "plugin-version-drift",
        title: "Nodes run different versions of a plugin",
        severity: Severity::Warning,
        category: Reliability,
        reads: PLUGINS,
        why: "Users get one behaviour or another depending on the node that serves them.",
        fix: Fix {
            console: "Plugins > Plugin Management: upload the plugin again so every node gets it",
            command: "mmctl plugin add --force plugin.tar.gz",
        },
        advice: "Mattermost docs: plugins in a cluster",
        check: |f| {
            let evidence = f
                .plugins()?
                .iter()
                .filter(|p| p.version_differs())
                .map(|p| Evidence::Plugin {
                    id: p.manifest.id.clone(),
                    node: None,
                    detail: p
                        .nodes
                        .iter()
                        .map(|n| format!("{} {}", n.node, n.version))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect();
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "plugin-needs-newer-server",
        title: "A plugin needs a newer server",
        severity: Severity::Warning,
        category: Reliability,
        reads: &[FactKind::Plugins, FactKind::Server],
        why: "A plugin whose min_server_version is above the server's may fail to start or misbehave.",
        fix: Fix {
            console: "Plugins > Plugin Management: install a plugin version for this server, or upgrade the server",
            command: "mmctl plugin marketplace install ID VERSION",
        },
        advice: "Mattermost plugin manifest reference (min_server_version)",
        check: |f| {
            let plugins = f.plugins()?;
            let version = f.server()?.version.clone().ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason: "the server's version is unknown".into(),
            })?;
            let mut evidence = Vec::new();
            for plugin in plugins {
                let Some(min) = plugin.manifest.min_server_version.as_deref() else {
                    continue;
                };
                let Some(needed) = crate::mm::ServerVersion::parse(min) else {
                    continue;
                };
                if (needed.major, needed.minor, needed.patch)
                    > (version.major, version.minor, version.patch)
                {
                    evidence.push(Evidence::Plugin {
                        id: plugin.manifest.id.clone(),
                        node: None,
                        detail: format!("needs {min}, the server is {version}"),
                    });
                }
            }
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "license-expired",
        title: "The licence has expired",
        severity: Severity::Critical,
        category: Reliability,
        reads: LICENSE,
        why: "Enterprise features (SAML, LDAP, clustering, compliance) stop working when the grace period ends.",
        fix: Fix {
            console: "About > Edition and License: upload the renewed licence",
            command: "mmctl license upload mattermost.mattermost-license",
        },
        advice: "Mattermost docs: licensing",
        check: |f| {
            let Some(expires) = expiry(f)? else {
                return Ok(Outcome::Pass);
            };
            Ok(Outcome::when(expires <= f.now_ms, || {
                vec![Evidence::fact("licence expired", utc_date(expires))]
            }))
        },
    },
    Rule {
        id: "license-expiring",
        title: "The licence expires within 30 days",
        severity: Severity::Warning,
        category: Reliability,
        reads: LICENSE,
        why: "Renewal takes time; enterprise features stop when the licence and its grace period end.",
        fix: Fix {
            console: "About > Edition and License: renew and upload the licence",
            command: "mmctl license upload mattermost.mattermost-license",
        },
        advice: "Mattermost docs: licensing",
        check: |f| {
            let Some(expires) = expiry(f)? else {
                return Ok(Outcome::Pass);
            };
            let left = expires - f.now_ms;
            Ok(Outcome::when(left > 0 && left <= 30 * DAY_MS, || {
                vec![Evidence::fact(
                    "licence expires",
                    format!("{} (in {} days)", utc_date(expires), left / DAY_MS),
                )]
            }))
        },
    },
    Rule {
        id: "license-over-users",
        title: "More active users than the licence allows",
        severity: Severity::Warning,
        category: Reliability,
        reads: &[FactKind::License, FactKind::Server],
        why: "Over its seat count a licence is out of compliance; renewals true it up.",
        fix: Fix {
            console: "Users: deactivate unused accounts, or add seats to the licence",
            command: "mmctl user deactivate USER",
        },
        advice: "Mattermost docs: licensing (true-up)",
        check: |f| {
            let license = f.license()?;
            let Some(seats) = license.users().filter(|_| license.is_licensed()) else {
                return Ok(Outcome::Pass);
            };
            let active = f.stats()?.active_users.ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason: "the active user count is unknown".into(),
            })?;
            Ok(Outcome::when(active > seats, || {
                vec![
                    Evidence::fact("licensed users", seats),
                    Evidence::fact("active users", active),
                ]
            }))
        },
    },
    Rule {
        id: "disk-space-low",
        title: "A disk the server writes to is nearly full",
        severity: Severity::Critical,
        category: Reliability,
        reads: HOST,
        why: "A full data or log disk stops uploads, logging and, with the database on it, the server.",
        fix: Fix {
            console: "(host) free space or grow the volume; move old logs away",
            command: "df -h /opt/mattermost/data /opt/mattermost/logs",
        },
        advice: "Mattermost docs: software and hardware requirements",
        check: |f| {
            let host = f.host()?;
            if host.disks.is_empty() {
                return Err(Missing {
                    fact: FactKind::Host,
                    reason: "no local data or log directory to measure".into(),
                });
            }
            let evidence = host
                .disks
                .iter()
                .filter(|d| d.free_share() < LOW_DISK_SHARE)
                .map(|d| Evidence::File {
                    path: d.path.display().to_string(),
                    detail: format!(
                        "{}: {} free of {} ({:.0} %)",
                        d.role,
                        bytes(d.free_bytes),
                        bytes(d.total_bytes),
                        d.free_share() * 100.0
                    ),
                })
                .collect();
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "log-file-not-rotated",
        title: "A log file has grown past 1 GiB",
        severity: Severity::Warning,
        category: Reliability,
        reads: HOST,
        why: "Mattermost rotates its log at 100 MB; a file this big means rotation is off or broken, and the disk fills.",
        fix: Fix {
            console: "Environment > Logging: check the file output settings; add a logrotate rule for other files",
            command: "ls -lh /opt/mattermost/logs",
        },
        advice: "Mattermost docs: logging",
        check: |f| {
            let host = f.host()?;
            let evidence = host
                .log_files
                .iter()
                .filter(|(_, size)| *size > UNROTATED_LOG_BYTES)
                .map(|(path, size)| Evidence::File {
                    path: path.display().to_string(),
                    detail: bytes(*size),
                })
                .collect();
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "websocket-failures",
        title: "WebSocket connections fail",
        severity: Severity::Warning,
        category: Reliability,
        reads: LOGS,
        why: "Without a WebSocket, clients get no live messages, typing or status. Usually the proxy drops the Upgrade and Connection headers or the Host, or SiteURL or AllowCorsFrom do not match the address users open.",
        fix: Fix {
            console: "Environment > Web Server > Site URL; the proxy's Upgrade/Connection/Host headers",
            command: "proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; proxy_set_header Host $host;",
        },
        advice: "Mattermost docs: configure NGINX as a proxy; WebSocket troubleshooting",
        check: |f| log_sign(f, logs::WEBSOCKET),
    },
    Rule {
        id: "smtp-failures",
        title: "Mail cannot be sent",
        severity: Severity::Warning,
        category: Reliability,
        reads: LOGS,
        why: "Invitations, password resets and email notifications are lost.",
        fix: Fix {
            console: "Environment > SMTP: Test Connection",
            command: "mmctl config get EmailSettings.SMTPServer",
        },
        advice: "Mattermost docs: SMTP email setup",
        check: |f| log_sign(f, logs::SMTP),
    },
    Rule {
        id: "push-failures",
        title: "Push notifications cannot be sent",
        severity: Severity::Warning,
        category: Reliability,
        reads: LOGS,
        why: "Mobile users miss mentions and direct messages.",
        fix: Fix {
            console: "Environment > Push Notification Server: the server URL and the firewall to it",
            command: "curl -sI https://push.mattermost.com",
        },
        advice: "Mattermost docs: mobile push notifications",
        check: |f| log_sign(f, logs::PUSH),
    },
    Rule {
        id: "too-many-open-files",
        title: "The server ran out of file descriptors",
        severity: Severity::Critical,
        category: Reliability,
        reads: LOGS,
        why: "New connections and file reads fail; users are disconnected at random.",
        fix: Fix {
            console: "(host) raise the service's file limit",
            command: "systemctl edit mattermost: [Service] LimitNOFILE=49152",
        },
        advice: "Mattermost docs: installing on Linux (file limits)",
        check: |f| log_sign(f, logs::OPEN_FILES),
    },
    Rule {
        id: "context-deadline-exceeded",
        title: "Requests time out (context deadline exceeded)",
        severity: Severity::Warning,
        category: Reliability,
        reads: LOGS,
        why: "A dependency (database, file store, search, a plugin) answers too slowly: requests are cut off and users see errors.",
        fix: Fix {
            console: "System Console > Reporting > Server Logs: what each timeout was waiting on",
            command: "mmops logs --grep 'context deadline exceeded'",
        },
        advice: "mmhealth",
        check: |f| log_sign(f, logs::CONTEXT_DEADLINE),
    },
    Rule {
        id: "io-timeouts",
        title: "Network reads and writes time out (i/o timeout)",
        severity: Severity::Warning,
        category: Reliability,
        reads: LOGS,
        why: "Connections to the database, the file store, SMTP or the push proxy stall: the network or that service is in trouble.",
        fix: Fix {
            console: "System Console > Reporting > Server Logs: the address each timeout names",
            command: "mmops logs --grep 'i/o timeout'",
        },
        advice: "mmhealth",
        check: |f| log_sign(f, logs::IO_TIMEOUT),
    },
    Rule {
        id: "access-token-session-errors",
        title: "Sessions for access tokens cannot be created",
        severity: Severity::Warning,
        category: Reliability,
        reads: LOGS,
        why: "Bots and integrations using personal access tokens fail to authenticate: a revoked token still in use, or token use turned off.",
        fix: Fix {
            console: "Integrations > Integration Management > Enable Personal Access Tokens; the user's tokens",
            command: "mmctl token list USER",
        },
        advice: "mmhealth",
        check: |f| log_sign(f, logs::ACCESS_TOKEN_SESSION),
    },
    Rule {
        id: "job-ldap-sync-failed",
        title: "The last AD/LDAP sync failed",
        severity: Severity::Warning,
        category: Reliability,
        reads: JOBS,
        why: "Users removed or changed in the directory keep their access and old attributes.",
        fix: Fix {
            console: "Authentication > AD/LDAP > AD/LDAP Test, then Synchronize Now",
            command: "mmctl ldap sync",
        },
        advice: "mmhealth",
        check: |f| latest_job_failed(f, &["ldap_sync"]),
    },
    Rule {
        id: "job-message-export-failed",
        title: "The last compliance export failed",
        severity: Severity::Warning,
        category: Reliability,
        reads: JOBS,
        why: "Messages that must be archived are missing from the export.",
        fix: Fix {
            console: "Compliance > Compliance Export: the job's error, then Run Compliance Export Job Now",
            command: "mmctl export job list",
        },
        advice: "mmhealth",
        check: |f| latest_job_failed(f, &["message_export"]),
    },
    Rule {
        id: "job-migration-failed",
        title: "A data migration failed",
        severity: Severity::Warning,
        category: Reliability,
        reads: JOBS,
        why: "A background migration after an upgrade did not finish: features that need it misbehave.",
        fix: Fix {
            console: "System Console > Reporting > Server Logs: the migration's error",
            command: "restart the server to retry the migration",
        },
        advice: "mmhealth",
        check: |f| latest_job_failed(f, &["migrations"]),
    },
    Rule {
        id: "job-data-retention-failed",
        title: "The last data retention run failed",
        severity: Severity::Warning,
        category: Reliability,
        reads: JOBS,
        why: "Messages and files the policy should delete are kept.",
        fix: Fix {
            console: "Compliance > Data Retention Policies: the job's error, then Run Deletion Job Now",
            command: "curl -X POST -H \"Authorization: Bearer $TOKEN\" $SITE/api/v4/jobs -d '{\"type\":\"data_retention\"}'",
        },
        advice: "mmhealth",
        check: |f| latest_job_failed(f, &["data_retention"]),
    },
    Rule {
        id: "job-search-indexing-failed",
        title: "The last Elasticsearch indexing run failed",
        severity: Severity::Warning,
        category: Reliability,
        reads: JOBS,
        why: "Search misses messages that were not indexed.",
        fix: Fix {
            console: "Environment > Elasticsearch: Test Connection, then Index Now",
            command: "mmctl elasticsearch job list",
        },
        advice: "mmhealth",
        check: |f| {
            latest_job_failed(
                f,
                &[
                    "elasticsearch_post_indexing",
                    "elasticsearch_post_aggregation",
                ],
            )
        },
    },
    Rule {
        id: "ldap-no-id-attribute",
        title: "AD/LDAP has no ID attribute",
        severity: Severity::Critical,
        category: Reliability,
        reads: CONFIG,
        why: "Without a unique, unchanging ID attribute a renamed directory user becomes a new Mattermost account and loses their history.",
        fix: Fix {
            console: "Authentication > AD/LDAP > ID Attribute: objectGUID (AD) or entryUUID",
            command: "mmctl config set LdapSettings.IdAttribute objectGUID",
        },
        advice: "mmhealth; Mattermost docs: AD/LDAP settings",
        check: |f| id_attribute(f, "LdapSettings"),
    },
    Rule {
        id: "saml-no-id-attribute",
        title: "SAML has no ID attribute",
        severity: Severity::Warning,
        category: Reliability,
        reads: CONFIG,
        why: "Without an ID attribute SAML users are matched by email: a changed address makes a new account.",
        fix: Fix {
            console: "Authentication > SAML 2.0 > Id Attribute",
            command: "mmctl config set SamlSettings.IdAttribute objectGUID",
        },
        advice: "mmhealth; Mattermost docs: SAML settings",
        check: |f| id_attribute(f, "SamlSettings"),
    },
];

/// When a licensed server's licence expires; `None` when unlicensed. A licence without its
/// expiry (a support packet does not hold it) is not checked.
fn expiry(facts: &Facts) -> Result<Option<i64>, Missing> {
    let license = facts.license()?;
    if !license.is_licensed() {
        return Ok(None);
    }
    license.expires_at_ms().map(Some).ok_or_else(|| Missing {
        fact: FactKind::License,
        reason: "the licence's expiry is not known (a support packet does not hold it)".into(),
    })
}

fn id_attribute(facts: &Facts, section: &str) -> Checked {
    if !facts.flag_or(&format!("{section}.Enable"), false)? {
        return Ok(Outcome::Pass);
    }
    let path = format!("{section}.IdAttribute");
    let id = facts.text(&path)?;
    Ok(Outcome::when(id.is_empty(), || {
        vec![
            Evidence::setting(&format!("{section}.Enable"), true),
            Evidence::setting(&path, "(empty)"),
        ]
    }))
}

fn drift(facts: &Facts, outliers: impl Fn(&ClusterDrift) -> &Vec<String>, what: &str) -> Checked {
    let nodes = facts.cluster()?;
    let drift = ClusterDrift::of(nodes);
    let evidence = outliers(&drift)
        .iter()
        .map(|node| Evidence::Node {
            node: node.clone(),
            detail: what.to_string(),
        })
        .collect();
    Ok(Outcome::unless_empty(evidence))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::doctor::facts::Fact;
    use crate::doctor::rules::testing::{fires, healthy, quiet, set, with_job, with_log};

    #[test]
    fn config_rules_fire_on_their_settings() {
        fires(
            "site-url-unset",
            &set(healthy(), "ServiceSettings.SiteURL", json!("")),
        );
        fires(
            "file-logging-off",
            &set(healthy(), "LogSettings.EnableFile", json!(false)),
        );
        let debug = set(healthy(), "LogSettings.FileLevel", json!("DEBUG"));
        let evidence = fires(
            "debug-logging-on",
            &with_log(
                debug,
                "{\"timestamp\":\"2026-12-01 10:00:00.000 Z\",\"level\":\"debug\",\"msg\":\"x\"}",
            ),
        );
        assert!(
            evidence
                .iter()
                .any(|e| e.summary().contains("since 2026-12-01 10:00")),
            "{evidence:?}"
        );
        let cluster = set(healthy(), "ClusterSettings.Enable", json!(true));
        fires(
            "local-file-store-in-cluster",
            &set(cluster, "FileSettings.DriverName", json!("local")),
        );
    }

    #[test]
    fn the_pool_is_measured_against_the_database_for_every_node() {
        let facts = set(healthy(), "SqlSettings.MaxOpenConns", json!(100));
        // Two nodes of 100 against 150.
        let evidence = fires("max-open-conns-over-database", &facts);
        assert!(evidence.iter().any(|e| e.summary().contains("150")));
        let facts = set(healthy(), "SqlSettings.MaxOpenConns", json!(50));
        quiet("max-open-conns-over-database", &facts);
    }

    #[test]
    fn drift_and_plugins_name_the_node() {
        let mut facts = healthy();
        if let Fact::Known(nodes) = &mut facts.cluster {
            nodes[1].version = "10.11.1".into();
            nodes[1].config_hash = "other".into();
        }
        let evidence = fires("cluster-version-drift", &facts);
        assert!(evidence[0].summary().contains("mm-app-2"));
        fires("cluster-config-drift", &facts);
        quiet("cluster-schema-drift", &facts);

        let mut facts = healthy();
        if let Fact::Known(plugins) = &mut facts.plugins {
            plugins[0].nodes[1].state = crate::plugins::State::FailedToStart;
            plugins[0].nodes[1].error = "cannot dial".into();
            plugins[0].nodes[1].version = "2.0.0".into();
            plugins[0].manifest.min_server_version = Some("99.0.0".into());
        }
        let evidence = fires("plugin-failing", &facts);
        assert!(
            evidence[0]
                .summary()
                .contains("mm-app-2: failed to start: cannot dial")
        );
        fires("plugin-version-drift", &facts);
        fires("plugin-needs-newer-server", &facts);
    }

    #[test]
    fn the_licence_is_judged_by_its_dates_and_seats() {
        let mut facts = healthy();
        let now = facts.now_ms;
        let license = |expires: i64, users: i64| {
            Fact::Known(crate::mm::models::ClientLicense(
                crate::mm::models::system::StringMap(
                    [
                        ("IsLicensed".to_string(), "true".to_string()),
                        ("ExpiresAt".to_string(), expires.to_string()),
                        ("Users".to_string(), users.to_string()),
                    ]
                    .into_iter()
                    .collect(),
                ),
            ))
        };
        facts.license = license(now + 10 * DAY_MS, 1000);
        fires("license-expiring", &facts);
        quiet("license-expired", &facts);
        facts.license = license(now - DAY_MS, 1000);
        fires("license-expired", &facts);
        quiet("license-expiring", &facts);
        facts.license = license(now + 100 * DAY_MS, 10);
        fires("license-over-users", &facts);
    }

    #[test]
    fn host_rules_measure_disks_and_log_files() {
        let mut facts = healthy();
        if let Fact::Known(host) = &mut facts.host {
            host.disks[0].free_bytes = host.disks[0].total_bytes / 50;
            host.log_files
                .push(("/opt/mattermost/logs/mattermost.log".into(), 3 << 30));
        }
        let evidence = fires("disk-space-low", &facts);
        assert!(evidence[0].summary().contains("2 %"), "{evidence:?}");
        fires("log-file-not-rotated", &facts);
    }

    #[test]
    fn log_rules_count_their_lines() {
        for (id, line) in [
            (
                "websocket-failures",
                "{\"timestamp\":\"2026-12-01 10:00:00.000 Z\",\"level\":\"error\",\"msg\":\"websocket: bad handshake\"}",
            ),
            (
                "smtp-failures",
                "{\"timestamp\":\"2026-12-01 10:00:00.000 Z\",\"level\":\"error\",\"msg\":\"Failed to send mail\"}",
            ),
            (
                "push-failures",
                "{\"timestamp\":\"2026-12-01 10:00:00.000 Z\",\"level\":\"error\",\"msg\":\"Failed to send push notification\"}",
            ),
            (
                "too-many-open-files",
                "{\"level\":\"error\",\"msg\":\"accept tcp: too many open files\"}",
            ),
            (
                "context-deadline-exceeded",
                "{\"level\":\"error\",\"msg\":\"x: context deadline exceeded\"}",
            ),
            (
                "io-timeout",
                "{\"level\":\"error\",\"msg\":\"dial tcp 10.0.0.1:5432: i/o timeout\"}",
            ),
            (
                "access-token-session-errors",
                "{\"level\":\"error\",\"msg\":\"Error while creating session for user access token\"}",
            ),
        ] {
            let id = if id == "io-timeout" {
                "io-timeouts"
            } else {
                id
            };
            let evidence = fires(id, &with_log(healthy(), line));
            assert!(
                evidence[0].summary().starts_with("1 log line"),
                "{id}: {evidence:?}"
            );
        }
        // A mail failure logged at debug level is not a failure.
        quiet(
            "smtp-failures",
            &with_log(
                healthy(),
                "{\"level\":\"debug\",\"msg\":\"Failed to send mail\"}",
            ),
        );
    }

    #[test]
    fn job_rules_read_the_latest_run_of_their_kind() {
        let facts = with_job(
            healthy(),
            "ldap_sync",
            "error",
            2_000,
            "LDAP Result Code 200",
        );
        let evidence = fires("job-ldap-sync-failed", &facts);
        assert!(evidence[0].summary().contains("LDAP Result Code 200"));
        // A later success clears it.
        let facts = with_job(facts, "ldap_sync", "success", 3_000, "");
        quiet("job-ldap-sync-failed", &facts);
        for (id, kind) in [
            ("job-message-export-failed", "message_export"),
            ("job-migration-failed", "migrations"),
            ("job-data-retention-failed", "data_retention"),
            ("job-search-indexing-failed", "elasticsearch_post_indexing"),
        ] {
            fires(id, &with_job(healthy(), kind, "error", 5_000, "boom"));
        }
    }

    #[test]
    fn a_failing_health_check_says_which_part() {
        let mut facts = healthy();
        if let Fact::Known(server) = &mut facts.server
            && let Some(Ok(ping)) = &mut server.health
        {
            ping.database_status = Some("UNHEALTHY".into());
        }
        let evidence = fires("server-unhealthy", &facts);
        assert!(evidence[0].summary().contains("database: UNHEALTHY"));
    }
    #[test]
    fn identity_providers_need_an_id_attribute() {
        let facts = set(healthy(), "LdapSettings.Enable", json!(true));
        let facts = set(facts, "LdapSettings.IdAttribute", json!(""));
        fires("ldap-no-id-attribute", &facts);
        let facts = set(healthy(), "SamlSettings.Enable", json!(true));
        quiet("saml-no-id-attribute", &facts);
        fires(
            "saml-no-id-attribute",
            &set(facts, "SamlSettings.IdAttribute", json!(" ")),
        );
    }
}
