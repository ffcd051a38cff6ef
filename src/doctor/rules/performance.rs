//! Settings that slow a server down as it grows.

use super::{flag_is, shown};
use crate::doctor::rule::{
    Category::Performance, Evidence, FactKind, Fix, Missing, Outcome, Rule, Severity,
};

/// Above this many posts, database search slows everything down (mmhealth's threshold).
pub const POSTS_FOR_ELASTICSEARCH: i64 = 2_500_000;
/// A server with this many daily active users, or open WebSockets, is busy.
const BUSY_USERS: i64 = 500;

pub const RULES: &[Rule] = &[
    Rule {
        id: "posts-without-elasticsearch",
        title: "Over 2.5 million posts searched by the database",
        severity: Severity::Warning,
        category: Performance,
        reads: &[FactKind::Config, FactKind::Server],
        why: "Database full-text search over this many posts is slow and loads the database that every other request needs.",
        fix: Fix {
            console: "Environment > Elasticsearch: enable indexing and searching",
            command: "mmctl config set ElasticsearchSettings.EnableIndexing true",
        },
        advice: "mmhealth; Mattermost docs: Elasticsearch",
        check: |f| {
            let indexing = f.flag_or("ElasticsearchSettings.EnableIndexing", false)?;
            let posts = f.stats()?.posts.ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason: "the post count is unknown".into(),
            })?;
            Ok(Outcome::when(
                !indexing && posts > POSTS_FOR_ELASTICSEARCH,
                || {
                    vec![
                        Evidence::fact("posts", crate::timefmt::count(posts)),
                        Evidence::setting("ElasticsearchSettings.EnableIndexing", false),
                    ]
                },
            ))
        },
    },
    Rule {
        id: "elasticsearch-live-batch-one",
        title: "Elasticsearch indexes each post on its own on a busy server",
        severity: Severity::Warning,
        category: Performance,
        reads: &[FactKind::Config, FactKind::Server],
        why: "A live indexing batch size of 1 sends a request to Elasticsearch for every post; busy servers fall behind and search lags.",
        fix: Fix {
            console: "Environment > Elasticsearch > Live Indexing Batch Size: 10 or more",
            command: "mmctl config set ElasticsearchSettings.LiveIndexingBatchSize 20",
        },
        advice: "mmhealth; Mattermost docs: Elasticsearch performance",
        check: |f| {
            if !f.flag_or("ElasticsearchSettings.EnableIndexing", false)? {
                return Ok(Outcome::Pass);
            }
            let batch = f.number("ElasticsearchSettings.LiveIndexingBatchSize")?;
            let stats = f.stats()?;
            let busy = busy(stats.daily_active_users, stats.websocket_connections)?;
            Ok(Outcome::when(batch <= 1 && busy, || {
                vec![
                    Evidence::setting("ElasticsearchSettings.LiveIndexingBatchSize", batch),
                    Evidence::fact(
                        "daily active users",
                        stats.daily_active_users.unwrap_or_default(),
                    ),
                ]
            }))
        },
    },
    Rule {
        id: "elasticsearch-icu-missing",
        title: "Elasticsearch lacks the analysis-icu plugin",
        severity: Severity::Warning,
        category: Performance,
        reads: &[FactKind::Config, FactKind::Server],
        why: "Without analysis-icu, Elasticsearch splits words poorly in many languages and search misses results.",
        fix: Fix {
            console: "(Elasticsearch host) install the plugin on every node and restart it",
            command: "bin/elasticsearch-plugin install analysis-icu",
        },
        advice: "mmhealth; Mattermost docs: Elasticsearch setup",
        check: |f| {
            if !f.flag_or("ElasticsearchSettings.EnableIndexing", false)? {
                return Ok(Outcome::Pass);
            }
            let plugins = f.server()?.search_plugins.as_ref().ok_or_else(|| Missing {
                fact: FactKind::Server,
                reason: "mmops does not query Elasticsearch itself; a support packet of 11.0 or later names its plugins".into(),
            })?;
            Ok(Outcome::when(
                !plugins.iter().any(|p| p == "analysis-icu"),
                || vec![Evidence::fact("Elasticsearch plugins", plugins.join(", "))],
            ))
        },
    },
    Rule {
        id: "sql-trace-on",
        title: "Every SQL statement is logged",
        severity: Severity::Warning,
        category: Performance,
        reads: &[FactKind::Config],
        why: "SQL tracing writes each query to the log: the log grows by gigabytes and every request pays for it.",
        fix: Fix {
            console: "Environment > Database > SQL Statement Logging: false",
            command: "mmctl config set SqlSettings.Trace false",
        },
        advice: "Mattermost docs: database configuration settings",
        check: |f| flag_is(f, "SqlSettings.Trace", true),
    },
    Rule {
        id: "webhook-debugging-on",
        title: "Webhook requests are logged in full",
        severity: Severity::Info,
        category: Performance,
        reads: &[FactKind::Config],
        why: "Every incoming webhook's body goes to the log: it grows fast and holds message contents.",
        fix: Fix {
            console: "Environment > Logging > Enable Webhook Debugging: false",
            command: "mmctl config set LogSettings.EnableWebhookDebugging false",
        },
        advice: "Mattermost docs: logging configuration settings",
        check: |f| {
            let on = f.flag_or("LogSettings.EnableWebhookDebugging", false)?;
            Ok(Outcome::when(on, || {
                vec![shown(f, "LogSettings.EnableWebhookDebugging")]
            }))
        },
    },
];

fn busy(daily: Option<i64>, sockets: Option<i64>) -> Result<bool, Missing> {
    if daily.is_none() && sockets.is_none() {
        return Err(Missing {
            fact: FactKind::Server,
            reason: "how busy the server is (daily active users, WebSockets) is unknown".into(),
        });
    }
    Ok(daily.unwrap_or(0) >= BUSY_USERS || sockets.unwrap_or(0) >= BUSY_USERS)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::doctor::facts::Fact;
    use crate::doctor::rules::testing::{fires, healthy, quiet, set};

    #[test]
    fn many_posts_want_elasticsearch() {
        let mut facts = healthy();
        if let Fact::Known(server) = &mut facts.server
            && let Ok(stats) = &mut server.stats
        {
            stats.posts = Some(3_000_000);
        }
        let evidence = fires("posts-without-elasticsearch", &facts);
        assert!(evidence[0].summary().contains("3,000,000"), "{evidence:?}");
        let facts = set(facts, "ElasticsearchSettings.EnableIndexing", json!(true));
        quiet("posts-without-elasticsearch", &facts);
    }

    #[test]
    fn a_batch_of_one_matters_only_when_busy() {
        let facts = set(
            healthy(),
            "ElasticsearchSettings.EnableIndexing",
            json!(true),
        );
        let mut facts = set(
            facts,
            "ElasticsearchSettings.LiveIndexingBatchSize",
            json!(1),
        );
        let mut quiet_server = facts.clone();
        if let Fact::Known(server) = &mut facts.server
            && let Ok(stats) = &mut server.stats
        {
            stats.daily_active_users = Some(800);
        }
        fires("elasticsearch-live-batch-one", &facts);
        if let Fact::Known(server) = &mut quiet_server.server
            && let Ok(stats) = &mut server.stats
        {
            stats.daily_active_users = Some(20);
            stats.websocket_connections = Some(20);
        }
        quiet("elasticsearch-live-batch-one", &quiet_server);
    }

    #[test]
    fn the_icu_plugin_is_not_checked_without_the_plugin_list() {
        let facts = set(
            healthy(),
            "ElasticsearchSettings.EnableIndexing",
            json!(true),
        );
        let rule = crate::doctor::rules::by_id("elasticsearch-icu-missing").unwrap();
        let mut without = facts.clone();
        if let Fact::Known(server) = &mut without.server {
            server.search_plugins = None;
        }
        assert!((rule.check)(&without).is_err());
        let mut listed = facts;
        if let Fact::Known(server) = &mut listed.server {
            server.search_plugins = Some(vec!["analysis-kuromoji".into()]);
        }
        fires("elasticsearch-icu-missing", &listed);
    }

    #[test]
    fn tracing_settings_fire() {
        fires(
            "sql-trace-on",
            &set(healthy(), "SqlSettings.Trace", json!(true)),
        );
        fires(
            "webhook-debugging-on",
            &set(healthy(), "LogSettings.EnableWebhookDebugging", json!(true)),
        );
    }
}
