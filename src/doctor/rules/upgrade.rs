//! What stands between this server and a supported version, and what Mattermost 11 refuses or
//! drops.

use super::{flag_is, shown};
use crate::doctor::facts::Facts;
use crate::doctor::rule::{
    Category::Upgrade, Checked, Evidence, FactKind, Fix, Missing, Outcome, Rule, Severity,
};
use crate::doctor::versions::{self, Support};

const CONFIG: &[FactKind] = &[FactKind::Config];

pub const RULES: &[Rule] = &[
    Rule {
        id: "version-unsupported",
        title: "The server version is out of support",
        severity: Severity::Warning,
        category: Upgrade,
        reads: &[FactKind::Server],
        why: "Versions out of support get no security fixes. Feature releases are supported for about three months, Extended Support Releases longer.",
        fix: Fix {
            console: "About: the version; upgrade to a supported release or ESR",
            command: "see https://docs.mattermost.com/about/mattermost-server-releases.html",
        },
        advice: "mmhealth; Mattermost release lifecycle (table in src/doctor/versions.rs)",
        check: |f| {
            let version = f.server()?.version.clone().ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason: "the server's version is unknown".into(),
            })?;
            let today = crate::timefmt::utc_date(f.now_ms);
            let esrs = versions::supported_esrs(&today).join(", ");
            let table = format!("mmops' table of {}", versions::TABLE_DATE);
            Ok(match versions::support(&version, &today) {
                Support::Until { .. } | Support::NewerThanTable => Outcome::Pass,
                Support::Ended { end, esr } => Outcome::Fire(vec![
                    Evidence::fact(
                        "version",
                        format!(
                            "{version}{}: support ended {end}",
                            if esr { " (ESR)" } else { "" }
                        ),
                    ),
                    Evidence::fact(
                        "supported ESRs",
                        if esrs.is_empty() {
                            format!("newer than {table}")
                        } else {
                            esrs
                        },
                    ),
                ]),
                Support::OlderThanTable => Outcome::Fire(vec![Evidence::fact(
                    "version",
                    format!("{version}: older than every release in {table}"),
                )]),
            })
        },
    },
    Rule {
        id: "database-not-postgres",
        title: "The database is not PostgreSQL",
        severity: Severity::Critical,
        category: Upgrade,
        reads: CONFIG,
        why: "Mattermost 11 supports PostgreSQL only: a server on MySQL cannot upgrade until its data is migrated.",
        fix: Fix {
            console: "Environment > Database: migrate to PostgreSQL before upgrading",
            command: "pgloader (see Mattermost's MySQL to PostgreSQL migration guide)",
        },
        advice: "mmhealth; Mattermost 11.0 release notes",
        check: |f| {
            let driver = f.text("SqlSettings.DriverName")?;
            Ok(Outcome::when(
                !driver.is_empty() && driver != "postgres",
                || vec![shown(f, "SqlSettings.DriverName")],
            ))
        },
    },
    Rule {
        id: "os-not-linux",
        title: "The server does not run on Linux",
        severity: Severity::Warning,
        category: Upgrade,
        reads: &[FactKind::Server],
        why: "Mattermost supports Linux servers in production; other systems are for development only.",
        fix: Fix {
            console: "(host) move the server to a supported Linux distribution",
            command: "see Mattermost's software and hardware requirements",
        },
        advice: "mmhealth; Mattermost docs: software requirements",
        check: |f| {
            let os = f.server()?.os.as_deref().ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason: "the server's OS is known from its host (--mm-home on it) or a packet"
                    .into(),
            })?;
            let linux = os.to_ascii_lowercase().contains("linux")
                || [
                    "ubuntu", "debian", "red hat", "rhel", "centos", "rocky", "alma", "suse",
                    "oracle", "amazon",
                ]
                .iter()
                .any(|d| os.to_ascii_lowercase().contains(d));
            Ok(Outcome::when(!linux, || {
                vec![Evidence::fact("operating system", os)]
            }))
        },
    },
    Rule {
        id: "bleve-in-use",
        title: "Search uses Bleve",
        severity: Severity::Critical,
        category: Upgrade,
        reads: CONFIG,
        why: "Mattermost 11 removes Bleve: search falls back to the database after the upgrade.",
        fix: Fix {
            console: "Experimental > Bleve: disable; use Elasticsearch or OpenSearch for large servers",
            command: "mmctl config set BleveSettings.EnableIndexing false",
        },
        advice: "Mattermost 11.0 release notes",
        check: |f| {
            let mut evidence = Vec::new();
            for path in [
                "BleveSettings.EnableIndexing",
                "BleveSettings.EnableSearching",
            ] {
                if f.flag_or(path, false)? {
                    evidence.push(Evidence::setting(path, true));
                }
            }
            Ok(Outcome::unless_empty(evidence))
        },
    },
    Rule {
        id: "archived-channels-hidden",
        title: "Archived channels are hidden from users",
        severity: Severity::Info,
        category: Upgrade,
        reads: CONFIG,
        why: "Mattermost 11 removes ExperimentalViewArchivedChannels and always lets members read archived channels: users will see them after the upgrade.",
        fix: Fix {
            console: "Site Configuration > Users and Teams > Allow users to view archived channels",
            command: "tell users before the upgrade; set TeamSettings.ExperimentalViewArchivedChannels true to try it now",
        },
        advice: "Mattermost 11.0 release notes",
        check: |f| flag_is(f, "TeamSettings.ExperimentalViewArchivedChannels", false),
    },
    Rule {
        id: "client-side-certificates",
        title: "Client-side certificate login is on",
        severity: Severity::Critical,
        category: Upgrade,
        reads: CONFIG,
        why: "Mattermost 11 removes client-side certificate authentication and refuses to start with it enabled.",
        fix: Fix {
            console: "(config.json) ExperimentalSettings.ClientSideCertEnable: false; move to SAML or LDAP",
            command: "mmctl config set ExperimentalSettings.ClientSideCertEnable false",
        },
        advice: "Mattermost 11.0 release notes",
        check: |f| {
            let on = f.flag_or("ExperimentalSettings.ClientSideCertEnable", false)?;
            Ok(Outcome::when(on, || {
                vec![shown(f, "ExperimentalSettings.ClientSideCertEnable")]
            }))
        },
    },
    Rule {
        id: "plugins-installed-by-hand",
        title: "Plugins were copied into the plugin directory by hand",
        severity: Severity::Warning,
        category: Upgrade,
        reads: &[FactKind::Host],
        why: "Mattermost 11 loads only plugins installed through the Marketplace or an upload; a plugin copied into plugins/ disappears at the upgrade.",
        fix: Fix {
            console: "Plugins > Plugin Management > Upload Plugin: upload each one",
            command: "mmctl plugin add plugin.tar.gz",
        },
        advice: "Mattermost 11.0 release notes",
        check: |f| {
            let manual = f.host()?.manual_plugins.as_ref().map_err(|why| Missing {
                fact: FactKind::Host,
                reason: why.clone(),
            })?;
            Ok(Outcome::unless_empty(
                manual
                    .iter()
                    .map(|id| Evidence::Plugin {
                        id: id.clone(),
                        node: None,
                        detail: "in the plugin directory, with no bundle in the file store".into(),
                    })
                    .collect(),
            ))
        },
    },
    Rule {
        id: "notification-log-settings",
        title: "Notifications are logged to their own file",
        severity: Severity::Info,
        category: Upgrade,
        reads: &[FactKind::Config, FactKind::Server],
        why: "Mattermost 11 removes NotificationLogSettings: notification lines move into the main log. Alerts and scripts watching notifications.log must follow.",
        fix: Fix {
            console: "(config.json) NotificationLogSettings; watch mattermost.log for notification lines after the upgrade",
            command: "grep -r notifications.log /etc/logrotate.d /etc/rsyslog.d",
        },
        advice: "Mattermost 11.0 release notes",
        check: |f| {
            if f.server()?.version.as_ref().is_some_and(|v| v.major >= 11) {
                return Ok(Outcome::Pass);
            }
            let on = f.flag_or("NotificationLogSettings.EnableFile", false)?;
            Ok(Outcome::when(on, || {
                vec![Evidence::setting(
                    "NotificationLogSettings.EnableFile",
                    true,
                )]
            }))
        },
    },
    Rule {
        id: "postgres-too-old",
        title: "PostgreSQL is older than 14",
        severity: Severity::Critical,
        category: Upgrade,
        reads: &[FactKind::Database],
        why: "Mattermost 11 needs PostgreSQL 14 or later and will not start on an older one.",
        fix: Fix {
            console: "(database host) upgrade PostgreSQL (pg_upgrade) before Mattermost",
            command: "psql -c 'SHOW server_version'",
        },
        advice: "Mattermost 11.0 release notes; software requirements",
        check: postgres_version,
    },
];

fn postgres_version(facts: &Facts) -> Checked {
    let db = facts.database()?;
    Ok(Outcome::when(db.major() < 14, || {
        vec![Evidence::fact("PostgreSQL", &db.version)]
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::doctor::facts::Fact;
    use crate::doctor::rules::testing::{fires, healthy, quiet, set};
    use crate::mm::ServerVersion;

    #[test]
    fn an_old_version_is_out_of_support() {
        let mut facts = healthy();
        if let Fact::Known(server) = &mut facts.server {
            server.version = ServerVersion::parse("10.6.2");
        }
        let evidence = fires("version-unsupported", &facts);
        assert!(
            evidence[0].summary().contains("support ended 2025-06-15"),
            "{evidence:?}"
        );
        if let Fact::Known(server) = &mut facts.server {
            server.version = ServerVersion::parse("7.8.1");
        }
        fires("version-unsupported", &facts);
    }

    #[test]
    fn eleven_blockers_fire_on_their_settings() {
        fires(
            "database-not-postgres",
            &set(healthy(), "SqlSettings.DriverName", json!("mysql")),
        );
        fires(
            "bleve-in-use",
            &set(healthy(), "BleveSettings.EnableIndexing", json!(true)),
        );
        fires(
            "archived-channels-hidden",
            &set(
                healthy(),
                "TeamSettings.ExperimentalViewArchivedChannels",
                json!(false),
            ),
        );
        fires(
            "client-side-certificates",
            &set(
                healthy(),
                "ExperimentalSettings.ClientSideCertEnable",
                json!(true),
            ),
        );
    }

    #[test]
    fn the_notification_log_matters_before_eleven_only() {
        let mut facts = set(healthy(), "NotificationLogSettings.EnableFile", json!(true));
        if let Fact::Known(server) = &mut facts.server {
            server.version = ServerVersion::parse("10.11.4");
        }
        fires("notification-log-settings", &facts);
        if let Fact::Known(server) = &mut facts.server {
            server.version = ServerVersion::parse("11.2.0");
        }
        quiet("notification-log-settings", &facts);
    }

    #[test]
    fn host_and_database_facts() {
        let mut facts = healthy();
        if let Fact::Known(host) = &mut facts.host {
            host.manual_plugins = Ok(vec!["com.example.hand".into()]);
        }
        if let Fact::Known(db) = &mut facts.database {
            db.version_num = 130_012;
            db.version = "13.12".into();
        }
        if let Fact::Known(server) = &mut facts.server {
            server.os = Some("Windows Server 2022".into());
        }
        fires("plugins-installed-by-hand", &facts);
        fires("postgres-too-old", &facts);
        fires("os-not-linux", &facts);
    }
}
