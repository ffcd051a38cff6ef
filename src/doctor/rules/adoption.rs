//! Settings that keep users from getting what Mattermost offers, and what the server tells
//! Mattermost about itself.

use super::flag_is;
use crate::doctor::rule::{Category::Adoption, Evidence, FactKind, Fix, Outcome, Rule, Severity};

const CONFIG: &[FactKind] = &[FactKind::Config];

pub const RULES: &[Rule] = &[
    Rule {
        id: "search-off",
        title: "Message search is off",
        severity: Severity::Warning,
        category: Adoption,
        reads: CONFIG,
        why: "Neither database search nor Elasticsearch is on: users cannot search messages.",
        fix: Fix {
            console: "Environment > Elasticsearch: Enable Elasticsearch for search queries (or database search)",
            command: "mmctl config set ServiceSettings.EnablePostSearch true",
        },
        advice: "mmhealth",
        check: |f| {
            let database = f.flag_or("ServiceSettings.EnablePostSearch", true)?;
            let elastic = f.flag_or("ElasticsearchSettings.EnableSearching", false)?;
            Ok(Outcome::when(!database && !elastic, || {
                vec![
                    Evidence::setting("ServiceSettings.EnablePostSearch", false),
                    Evidence::setting("ElasticsearchSettings.EnableSearching", false),
                ]
            }))
        },
    },
    Rule {
        id: "sessions-not-extended",
        title: "Sessions end even while they are used",
        severity: Severity::Info,
        category: Adoption,
        reads: CONFIG,
        why: "Active users are logged out when the session length runs out, in the middle of their work.",
        fix: Fix {
            console: "Environment > Session Lengths > Extend session length with activity: true",
            command: "mmctl config set ServiceSettings.ExtendSessionLengthWithActivity true",
        },
        advice: "mmhealth",
        check: |f| flag_is(f, "ServiceSettings.ExtendSessionLengthWithActivity", false),
    },
    Rule {
        id: "link-previews-off",
        title: "Link previews are off",
        severity: Severity::Info,
        category: Adoption,
        reads: CONFIG,
        why: "Links show as bare URLs, without the title and image users expect.",
        fix: Fix {
            console: "Site Configuration > Posts > Enable website link previews: true",
            command: "mmctl config set ServiceSettings.EnableLinkPreviews true",
        },
        advice: "mmhealth",
        check: |f| flag_is(f, "ServiceSettings.EnableLinkPreviews", false),
    },
    Rule {
        id: "diagnostics-off",
        title: "Error and diagnostics reporting is off",
        severity: Severity::Info,
        category: Adoption,
        reads: CONFIG,
        why: "Mattermost gets no reports of errors on this server. It sends only what the telemetry page lists (`mmops doctor --telemetry` shows this server's values); no messages or personal data.",
        fix: Fix {
            console: "Environment > Logging > Enable Diagnostics and Error Reporting: true",
            command: "mmctl config set LogSettings.EnableDiagnostics true",
        },
        advice: "Mattermost telemetry page",
        check: |f| flag_is(f, "LogSettings.EnableDiagnostics", false),
    },
    Rule {
        id: "email-notifications-off",
        title: "Email notifications are off",
        severity: Severity::Info,
        category: Adoption,
        reads: CONFIG,
        why: "Users away from Mattermost never hear of mentions and direct messages.",
        fix: Fix {
            console: "Site Configuration > Notifications > Enable Email Notifications: true",
            command: "mmctl config set EmailSettings.SendEmailNotifications true",
        },
        advice: "Mattermost docs: notifications",
        check: |f| flag_is(f, "EmailSettings.SendEmailNotifications", false),
    },
    Rule {
        id: "push-notifications-off",
        title: "Push notifications are off",
        severity: Severity::Info,
        category: Adoption,
        reads: CONFIG,
        why: "The mobile apps get no notifications.",
        fix: Fix {
            console: "Environment > Push Notification Server > Enable Push Notifications",
            command: "mmctl config set EmailSettings.SendPushNotifications true",
        },
        advice: "Mattermost docs: mobile push notifications",
        check: |f| flag_is(f, "EmailSettings.SendPushNotifications", false),
    },
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::doctor::rules::testing::{fires, healthy, quiet, set};

    #[test]
    fn adoption_settings_fire() {
        let no_db = set(healthy(), "ServiceSettings.EnablePostSearch", json!(false));
        fires("search-off", &no_db);
        quiet(
            "search-off",
            &set(no_db, "ElasticsearchSettings.EnableSearching", json!(true)),
        );
        for (id, path) in [
            (
                "sessions-not-extended",
                "ServiceSettings.ExtendSessionLengthWithActivity",
            ),
            ("link-previews-off", "ServiceSettings.EnableLinkPreviews"),
            ("diagnostics-off", "LogSettings.EnableDiagnostics"),
            (
                "email-notifications-off",
                "EmailSettings.SendEmailNotifications",
            ),
            (
                "push-notifications-off",
                "EmailSettings.SendPushNotifications",
            ),
        ] {
            fires(id, &set(healthy(), path, json!(false)));
        }
    }
}
