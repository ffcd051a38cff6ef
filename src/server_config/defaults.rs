//! Mattermost's default values for the settings support looks at, for servers that cannot say
//! themselves (`remove_defaults=true` arrived in 10.4) and for configs read from disk.
//!
//! The table is mmops' own, kept to settings whose default has not moved in recent releases;
//! a setting not listed has an unknown default and gets no marker either way.

use std::collections::HashSet;

use serde_json::{Value, json};

/// `(Section.Setting, default)`.
fn table() -> Vec<(&'static str, Value)> {
    vec![
        ("ServiceSettings.SiteURL", json!("")),
        ("ServiceSettings.ListenAddress", json!(":8065")),
        ("ServiceSettings.ConnectionSecurity", json!("")),
        ("ServiceSettings.TLSCertFile", json!("")),
        ("ServiceSettings.TLSKeyFile", json!("")),
        ("ServiceSettings.Forward80To443", json!(false)),
        ("ServiceSettings.ReadTimeout", json!(300)),
        ("ServiceSettings.WriteTimeout", json!(300)),
        ("ServiceSettings.MaximumLoginAttempts", json!(10)),
        ("ServiceSettings.EnableDeveloper", json!(false)),
        (
            "ServiceSettings.EnableInsecureOutgoingConnections",
            json!(false),
        ),
        ("ServiceSettings.EnableLocalMode", json!(false)),
        (
            "ServiceSettings.LocalModeSocketLocation",
            json!("/var/tmp/mattermost_local.socket"),
        ),
        ("ServiceSettings.WebserverMode", json!("gzip")),
        ("ServiceSettings.EnableIncomingWebhooks", json!(true)),
        ("ServiceSettings.EnableOutgoingWebhooks", json!(true)),
        ("ServiceSettings.EnableCommands", json!(true)),
        ("ServiceSettings.EnablePostUsernameOverride", json!(false)),
        ("ServiceSettings.EnablePostIconOverride", json!(false)),
        ("ServiceSettings.EnableUserAccessTokens", json!(false)),
        ("ServiceSettings.EnableBotAccountCreation", json!(false)),
        ("ServiceSettings.SessionLengthWebInHours", json!(720)),
        ("ServiceSettings.SessionLengthMobileInHours", json!(720)),
        ("ServiceSettings.SessionCacheInMinutes", json!(10)),
        (
            "ServiceSettings.ExtendSessionLengthWithActivity",
            json!(true),
        ),
        ("ServiceSettings.WebsocketPort", json!(80)),
        ("ServiceSettings.WebsocketSecurePort", json!(443)),
        ("ServiceSettings.EnableSecurityFixAlert", json!(true)),
        ("TeamSettings.SiteName", json!("Mattermost")),
        ("TeamSettings.MaxUsersPerTeam", json!(50)),
        ("TeamSettings.EnableOpenServer", json!(false)),
        ("TeamSettings.RestrictCreationToDomains", json!("")),
        ("TeamSettings.MaxChannelsPerTeam", json!(2000)),
        ("SqlSettings.DriverName", json!("postgres")),
        ("SqlSettings.MaxIdleConns", json!(20)),
        ("SqlSettings.MaxOpenConns", json!(300)),
        ("SqlSettings.ConnMaxLifetimeMilliseconds", json!(3600000)),
        ("SqlSettings.ConnMaxIdleTimeMilliseconds", json!(300000)),
        ("SqlSettings.QueryTimeout", json!(30)),
        ("SqlSettings.Trace", json!(false)),
        ("SqlSettings.DisableDatabaseSearch", json!(false)),
        ("LogSettings.EnableConsole", json!(true)),
        ("LogSettings.ConsoleLevel", json!("DEBUG")),
        ("LogSettings.ConsoleJson", json!(true)),
        ("LogSettings.EnableColor", json!(false)),
        ("LogSettings.EnableFile", json!(true)),
        ("LogSettings.FileLevel", json!("INFO")),
        ("LogSettings.FileJson", json!(true)),
        ("LogSettings.FileLocation", json!("")),
        ("LogSettings.EnableWebhookDebugging", json!(true)),
        ("LogSettings.EnableDiagnostics", json!(true)),
        ("NotificationLogSettings.EnableConsole", json!(true)),
        ("NotificationLogSettings.ConsoleLevel", json!("DEBUG")),
        ("NotificationLogSettings.ConsoleJson", json!(true)),
        ("NotificationLogSettings.EnableFile", json!(true)),
        ("NotificationLogSettings.FileLevel", json!("INFO")),
        ("NotificationLogSettings.FileJson", json!(true)),
        ("NotificationLogSettings.FileLocation", json!("")),
        ("ExperimentalAuditSettings.FileEnabled", json!(false)),
        ("ExperimentalAuditSettings.FileName", json!("")),
        ("ExperimentalAuditSettings.FileMaxSizeMB", json!(100)),
        ("ExperimentalAuditSettings.FileMaxAgeDays", json!(0)),
        ("ExperimentalAuditSettings.FileMaxBackups", json!(0)),
        ("ExperimentalAuditSettings.FileCompress", json!(false)),
        ("ExperimentalAuditSettings.FileMaxQueueSize", json!(1000)),
        ("ClusterSettings.Enable", json!(false)),
        ("ClusterSettings.ClusterName", json!("")),
        ("ClusterSettings.OverrideHostname", json!("")),
        ("ClusterSettings.NetworkInterface", json!("")),
        ("ClusterSettings.BindAddress", json!("")),
        ("ClusterSettings.AdvertiseAddress", json!("")),
        ("ClusterSettings.UseIPAddress", json!(true)),
        ("ClusterSettings.ReadOnlyConfig", json!(true)),
        ("ClusterSettings.GossipPort", json!(8074)),
        ("ClusterSettings.MaxIdleConns", json!(100)),
        ("ClusterSettings.MaxIdleConnsPerHost", json!(128)),
        ("ClusterSettings.IdleConnTimeoutMilliseconds", json!(90000)),
        ("MetricsSettings.Enable", json!(false)),
        ("MetricsSettings.ListenAddress", json!(":8067")),
        ("RateLimitSettings.Enable", json!(false)),
        ("RateLimitSettings.PerSec", json!(10)),
        ("RateLimitSettings.MaxBurst", json!(100)),
        ("RateLimitSettings.MemoryStoreSize", json!(10000)),
        ("RateLimitSettings.VaryByRemoteAddr", json!(true)),
        ("RateLimitSettings.VaryByUser", json!(false)),
        ("RateLimitSettings.VaryByHeader", json!("")),
        ("FileSettings.DriverName", json!("local")),
        ("FileSettings.Directory", json!("./data/")),
        ("FileSettings.EnableFileAttachments", json!(true)),
        ("FileSettings.MaxFileSize", json!(104857600)),
        ("FileSettings.AmazonS3Bucket", json!("")),
        ("FileSettings.AmazonS3PathPrefix", json!("")),
        ("FileSettings.AmazonS3Region", json!("")),
        ("FileSettings.AmazonS3Endpoint", json!("s3.amazonaws.com")),
        ("FileSettings.AmazonS3SSL", json!(true)),
        ("FileSettings.AmazonS3SignV2", json!(false)),
        ("FileSettings.AmazonS3SSE", json!(false)),
        ("FileSettings.AmazonS3Trace", json!(false)),
        ("EmailSettings.EnableSignUpWithEmail", json!(true)),
        ("EmailSettings.EnableSignInWithEmail", json!(true)),
        ("EmailSettings.EnableSignInWithUsername", json!(true)),
        ("EmailSettings.SendEmailNotifications", json!(true)),
        ("EmailSettings.RequireEmailVerification", json!(false)),
        ("EmailSettings.SMTPServer", json!("localhost")),
        ("EmailSettings.SMTPPort", json!("10025")),
        ("EmailSettings.ConnectionSecurity", json!("")),
        ("EmailSettings.EnableSMTPAuth", json!(false)),
        (
            "EmailSettings.SkipServerCertificateVerification",
            json!(false),
        ),
        ("EmailSettings.SendPushNotifications", json!(true)),
        ("EmailSettings.PushNotificationContents", json!("full")),
        ("EmailSettings.EmailBatchingBufferSize", json!(256)),
        ("EmailSettings.EmailBatchingInterval", json!(30)),
        ("PluginSettings.Enable", json!(true)),
        ("PluginSettings.EnableUploads", json!(false)),
        ("PluginSettings.EnableHealthCheck", json!(true)),
        ("PluginSettings.Directory", json!("./plugins")),
        ("PluginSettings.ClientDirectory", json!("./client/plugins")),
        ("PluginSettings.EnableMarketplace", json!(true)),
        ("PluginSettings.EnableRemoteMarketplace", json!(true)),
        ("PluginSettings.AutomaticPrepackagedPlugins", json!(true)),
        ("PluginSettings.RequirePluginSignature", json!(false)),
        (
            "PluginSettings.MarketplaceURL",
            json!("https://api.integrations.mattermost.com"),
        ),
    ]
}

/// The default of one `Section.Setting`, when the table knows it.
pub fn default_of(path: &str) -> Option<Value> {
    table()
        .into_iter()
        .find(|(p, _)| *p == path)
        .map(|(_, v)| v)
}

/// How many settings the table knows.
pub fn known_count() -> usize {
    table().len()
}

/// The value at a dotted `Section.Setting` path.
fn at<'a>(config: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(config, |node, key| node.get(key))
}

/// What the table can say of `config`: the settings whose default it knows and that are in
/// the config, and those of them that differ from it.
pub fn compare(config: &Value) -> (HashSet<String>, HashSet<String>) {
    let mut known = HashSet::new();
    let mut changed = HashSet::new();
    for (path, default) in table() {
        let Some(value) = at(config, path) else {
            continue;
        };
        known.insert(path.to_string());
        if *value != default {
            changed.insert(path.to_string());
        }
    }
    (known, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_settings_present_in_the_config_are_known() {
        let config = json!({
            "ServiceSettings": {"ListenAddress": ":443", "SiteURL": ""},
            "LogSettings": {"FileLevel": "INFO", "SomethingNew": 3}
        });
        let (known, changed) = compare(&config);
        let mut known: Vec<&str> = known.iter().map(String::as_str).collect();
        known.sort_unstable();
        assert_eq!(
            known,
            vec![
                "LogSettings.FileLevel",
                "ServiceSettings.ListenAddress",
                "ServiceSettings.SiteURL"
            ]
        );
        assert_eq!(
            changed.into_iter().collect::<Vec<_>>(),
            vec!["ServiceSettings.ListenAddress".to_string()]
        );
    }

    #[test]
    fn every_path_names_a_section_and_a_setting() {
        let mut seen = HashSet::new();
        for (path, _) in table() {
            assert_eq!(path.split('.').count(), 2, "{path}");
            assert!(seen.insert(path), "{path} twice");
        }
    }
}
