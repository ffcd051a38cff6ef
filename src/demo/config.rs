//! The demo server's config.json, with real-looking secrets, and the masking the simulated
//! server (version 11.4) applies on `GET /api/v4/config`.
//!
//! The masking here imitates the *server*, gaps included: this version does not yet mask
//! `GoogleDeveloperKey`, `GiphySdkKey`, `ExportAmazonS3SecretAccessKey` or plugin secrets that
//! sit inside settings sections. mmops' own sanitizer must catch those.

use serde_json::{Map, Value, json};

use super::plugins::DemoPlugin;
use super::rng::Rng;
use super::world::ServerInfo;

/// The server's mask for secret values: 32 asterisks.
pub const FAKE_SETTING: &str = "********************************";

pub fn build_config(rng: &mut Rng, server: &ServerInfo, plugins: &[DemoPlugin]) -> Value {
    let db_password = rng.alnum(20);
    let replica_password = rng.alnum(20);
    let mut plugin_settings = Map::new();
    let mut plugin_states = Map::new();
    for plugin in plugins {
        plugin_settings.insert(plugin.id().to_string(), plugin.settings.clone());
        plugin_states.insert(plugin.id().to_string(), json!({"Enable": plugin.enabled}));
    }

    json!({
        "ServiceSettings": {
            "SiteURL": server.site_url,
            "WebsocketURL": "",
            "LicenseFileLocation": "",
            "ListenAddress": ":8065",
            "ConnectionSecurity": "",
            "TLSCertFile": "",
            "TLSKeyFile": "",
            "TLSMinVer": "1.2",
            "TrustedProxyIPHeader": ["X-Forwarded-For", "X-Real-IP"],
            "ReadTimeout": 300,
            "WriteTimeout": 300,
            "IdleTimeout": 60,
            "MaximumLoginAttempts": 10,
            "GoroutineHealthThreshold": -1,
            "EnableOAuthServiceProvider": false,
            "EnableIncomingWebhooks": true,
            "EnableOutgoingWebhooks": true,
            "EnableCommands": true,
            "EnablePostUsernameOverride": false,
            "EnablePostIconOverride": false,
            "GoogleDeveloperKey": format!("AIza{}", rng.alnum(35)),
            "EnableLinkPreviews": true,
            "ExtendSessionLengthWithActivity": false,
            "EnableTesting": false,
            "EnableDeveloper": false,
            "EnableSecurityFixAlert": true,
            "EnableInsecureOutgoingConnections": false,
            "AllowedUntrustedInternalConnections": "",
            "EnableMultifactorAuthentication": true,
            "EnforceMultifactorAuthentication": false,
            "EnableUserAccessTokens": true,
            "AllowCorsFrom": "",
            "SessionLengthWebInHours": 720,
            "SessionLengthMobileInHours": 720,
            "SessionLengthSSOInHours": 720,
            "SessionCacheInMinutes": 10,
            "SessionIdleTimeoutInMinutes": 43200,
            "WebserverMode": "gzip",
            "EnableCustomEmoji": true,
            "EnableEmojiPicker": true,
            "EnableGifPicker": true,
            "GiphySdkKey": rng.alnum(32),
            "PostEditTimeLimit": -1,
            "EnableEmailInvitations": true,
            "EnableBotAccountCreation": true,
            "EnableSVGs": true,
            "EnableLatex": false,
            "EnableLocalMode": true,
            "LocalModeSocketLocation": "/var/tmp/mattermost_local.socket",
            "SplitKey": rng.alnum(40),
            "CollapsedThreads": "always_on",
            "ManagedResourcePaths": "",
            "EnableAPITeamDeletion": false,
            "EnableAPIUserDeletion": false,
            "ExperimentalEnableHardenedMode": false,
            "MaximumPayloadSizeBytes": 300000
        },
        "TeamSettings": {
            "SiteName": server.site_name,
            "MaxUsersPerTeam": 500,
            "EnableUserCreation": true,
            "EnableOpenServer": false,
            "EnableUserDeactivation": false,
            "RestrictCreationToDomains": "example.com,example.org,example.net",
            "EnableCustomUserStatuses": true,
            "EnableCustomBrand": false,
            "CustomBrandText": "",
            "CustomDescriptionText": "",
            "RestrictDirectMessage": "any",
            "EnableLastActiveTime": true,
            "UserStatusAwayTimeout": 300,
            "MaxChannelsPerTeam": 2000,
            "MaxNotificationsPerChannel": 1000,
            "EnableConfirmNotificationsToChannel": true,
            "TeammateNameDisplay": "username",
            "ExperimentalViewArchivedChannels": true,
            "LockTeammateNameDisplay": false,
            "ExperimentalPrimaryTeam": "",
            "ExperimentalDefaultChannels": []
        },
        "ClientRequirements": {
            "AndroidLatestVersion": "",
            "AndroidMinVersion": "",
            "DesktopLatestVersion": "",
            "DesktopMinVersion": "",
            "IosLatestVersion": "",
            "IosMinVersion": ""
        },
        "SqlSettings": {
            "DriverName": "postgres",
            "DataSource": format!("postgres://mmuser:{db_password}@db-primary.internal:5432/mattermost?sslmode=require&connect_timeout=10&binary_parameters=yes"),
            "DataSourceReplicas": [format!("postgres://mmreader:{replica_password}@db-replica-1.internal:5432/mattermost?sslmode=require&connect_timeout=10")],
            "DataSourceSearchReplicas": [],
            "MaxIdleConns": 20,
            "ConnMaxLifetimeMilliseconds": 3600000,
            "ConnMaxIdleTimeMilliseconds": 300000,
            "MaxOpenConns": 300,
            "Trace": false,
            "AtRestEncryptKey": rng.alnum(32),
            "QueryTimeout": 30,
            "DisableDatabaseSearch": false,
            "MigrationsStatementTimeoutSeconds": 100000,
            "ReplicaLagSettings": [{
                "DataSource": format!("postgres://mmreader:{replica_password}@db-replica-1.internal:5432/mattermost?sslmode=require"),
                "QueryAbsoluteLag": "select usename, pg_wal_lsn_diff(pg_current_wal_lsn(),replay_lsn) as metric from pg_stat_replication;",
                "QueryTimeLag": null
            }],
            "ReplicaMonitorIntervalSeconds": 5
        },
        "LogSettings": {
            "EnableConsole": true,
            "ConsoleLevel": "DEBUG",
            "ConsoleJson": true,
            "EnableColor": false,
            "EnableFile": true,
            "FileLevel": "INFO",
            "FileJson": true,
            "FileLocation": "",
            "EnableWebhookDebugging": true,
            "EnableDiagnostics": true,
            "VerboseDiagnostics": false,
            "EnableSentry": false,
            "AdvancedLoggingJSON": {
                "ldap": {
                    "type": "file",
                    "format": "json",
                    "levels": [
                        {"id": 140, "name": "LDAPError"},
                        {"id": 141, "name": "LDAPWarn"},
                        {"id": 142, "name": "LDAPInfo"}
                    ],
                    "options": {"filename": "ldap.log", "max_size": 100, "compress": true}
                }
            },
            "MaxFieldSize": 2048
        },
        "ExperimentalAuditSettings": {
            "FileEnabled": true,
            "FileName": "audit.log",
            "FileMaxSizeMB": 100,
            "FileMaxAgeDays": 0,
            "FileMaxBackups": 0,
            "FileCompress": false,
            "FileMaxQueueSize": 1000,
            "AdvancedLoggingJSON": {}
        },
        "PasswordSettings": {
            "MinimumLength": 10,
            "Lowercase": true,
            "Number": true,
            "Uppercase": true,
            "Symbol": false,
            "EnableForgotLink": true
        },
        "FileSettings": {
            "EnableFileAttachments": true,
            "EnableMobileUpload": true,
            "EnableMobileDownload": true,
            "MaxFileSize": 104857600,
            "MaxImageResolution": 33177600,
            "MaxImageDecoderConcurrency": -1,
            "DriverName": "amazons3",
            "Directory": "./data/",
            "EnablePublicLink": false,
            "ExtractContent": true,
            "ArchiveRecursion": false,
            "PublicLinkSalt": rng.alnum(32),
            "InitialFont": "nunito-bold.ttf",
            "AmazonS3AccessKeyId": format!("AKIA{}", rng.alnum(16).to_ascii_uppercase()),
            "AmazonS3SecretAccessKey": rng.alnum(40),
            "AmazonS3Bucket": "example-chat-files",
            "AmazonS3PathPrefix": "",
            "AmazonS3Region": "eu-west-1",
            "AmazonS3Endpoint": "s3.amazonaws.com",
            "AmazonS3SSL": true,
            "AmazonS3SignV2": false,
            "AmazonS3SSE": true,
            "AmazonS3Trace": false,
            "AmazonS3RequestTimeoutMilliseconds": 30000,
            "DedicatedExportStore": true,
            "ExportDriverName": "amazons3",
            "ExportAmazonS3AccessKeyId": format!("AKIA{}", rng.alnum(16).to_ascii_uppercase()),
            "ExportAmazonS3SecretAccessKey": rng.alnum(40),
            "ExportAmazonS3Bucket": "example-chat-exports"
        },
        "EmailSettings": {
            "EnableSignUpWithEmail": true,
            "EnableSignInWithEmail": true,
            "EnableSignInWithUsername": true,
            "SendEmailNotifications": true,
            "UseChannelInEmailNotifications": false,
            "RequireEmailVerification": true,
            "FeedbackName": "Example Chat",
            "FeedbackEmail": "no-reply@example.com",
            "ReplyToAddress": "no-reply@example.com",
            "FeedbackOrganization": "Example Corp",
            "EnableSMTPAuth": true,
            "SMTPUsername": "mailer@example.com",
            "SMTPPassword": rng.alnum(24),
            "SMTPServer": "smtp.example.com",
            "SMTPPort": "587",
            "SMTPServerTimeout": 10,
            "ConnectionSecurity": "STARTTLS",
            "SendPushNotifications": true,
            "PushNotificationServer": "https://push.mattermost.com",
            "PushNotificationContents": "generic",
            "PushNotificationBuffer": 1000,
            "EnableEmailBatching": false,
            "EmailNotificationContentsType": "full",
            "SkipServerCertificateVerification": false
        },
        "RateLimitSettings": {
            "Enable": false,
            "PerSec": 10,
            "MaxBurst": 100,
            "MemoryStoreSize": 10000,
            "VaryByRemoteAddr": true,
            "VaryByUser": false,
            "VaryByHeader": ""
        },
        "PrivacySettings": {"ShowEmailAddress": false, "ShowFullName": true},
        "SupportSettings": {
            "TermsOfServiceLink": "https://example.com/terms",
            "PrivacyPolicyLink": "https://example.com/privacy",
            "AboutLink": "https://example.com/about",
            "HelpLink": "https://example.com/help",
            "ReportAProblemLink": "https://example.com/report",
            "SupportEmail": "it@example.com",
            "CustomTermsOfServiceEnabled": false
        },
        "AnnouncementSettings": {
            "EnableBanner": false,
            "BannerText": "",
            "BannerColor": "#f2a93b",
            "BannerTextColor": "#333333",
            "AllowBannerDismissal": true,
            "AdminNoticesEnabled": true,
            "UserNoticesEnabled": true
        },
        "ThemeSettings": {"EnableThemeSelection": true, "DefaultTheme": "denim", "AllowCustomThemes": true, "AllowedThemes": []},
        "GitLabSettings": {
            "Enable": true,
            "Secret": rng.alnum(64),
            "Id": rng.hex(64),
            "Scope": "",
            "AuthEndpoint": "https://gitlab.example.com/oauth/authorize",
            "TokenEndpoint": "https://gitlab.example.com/oauth/token",
            "UserAPIEndpoint": "https://gitlab.example.com/api/v4/user"
        },
        "GoogleSettings": {"Enable": false, "Secret": "", "Id": "", "Scope": "profile email"},
        "Office365Settings": {"Enable": false, "Secret": "", "Id": "", "Scope": "User.Read", "DirectoryId": ""},
        "OpenIdSettings": {
            "Enable": false,
            "Secret": "",
            "Id": "",
            "DiscoveryEndpoint": "",
            "ButtonText": "",
            "ButtonColor": "#145DBF"
        },
        "LdapSettings": {
            "Enable": true,
            "EnableSync": true,
            "LdapServer": "ldap.example.com",
            "LdapPort": 636,
            "ConnectionSecurity": "TLS",
            "BaseDN": "dc=example,dc=com",
            "BindUsername": "cn=mattermost,ou=services,dc=example,dc=com",
            "BindPassword": rng.alnum(20),
            "UserFilter": "(memberOf=cn=chat-users,ou=groups,dc=example,dc=com)",
            "GroupFilter": "",
            "EmailAttribute": "mail",
            "UsernameAttribute": "uid",
            "IdAttribute": "entryUUID",
            "LoginIdAttribute": "uid",
            "SyncIntervalMinutes": 60,
            "SkipCertificateVerification": false,
            "QueryTimeout": 60,
            "MaxPageSize": 500
        },
        "ComplianceSettings": {"Enable": false, "Directory": "./data/", "EnableDaily": false, "BatchSize": 30000},
        "LocalizationSettings": {"DefaultServerLocale": "en", "DefaultClientLocale": "en", "AvailableLocales": ""},
        "SamlSettings": {
            "Enable": false,
            "EnableSyncWithLdap": false,
            "Verify": true,
            "Encrypt": true,
            "SignRequest": false,
            "IdpURL": "",
            "IdpDescriptorURL": "",
            "ServiceProviderIdentifier": "",
            "PrivateKeyFile": "",
            "PublicCertificateFile": ""
        },
        "NativeAppSettings": {
            "AppCustomURLSchemes": ["mmauth://", "mmauthbeta://"],
            "AppDownloadLink": "https://mattermost.com/pl/download-apps",
            "AndroidAppDownloadLink": "https://mattermost.com/pl/android-app/",
            "IosAppDownloadLink": "https://mattermost.com/pl/ios-app/"
        },
        "CacheSettings": {
            "CacheType": "lru",
            "RedisAddress": "",
            "RedisPassword": rng.alnum(24),
            "RedisDB": -1,
            "DisableClientCache": false
        },
        "ClusterSettings": {
            "Enable": true,
            "ClusterName": "example-chat",
            "OverrideHostname": "",
            "NetworkInterface": "",
            "BindAddress": "",
            "AdvertiseAddress": "",
            "UseIPAddress": true,
            "EnableGossipCompression": true,
            "EnableExperimentalGossipEncryption": false,
            "ReadOnlyConfig": false,
            "GossipPort": 8074
        },
        "MetricsSettings": {"Enable": true, "BlockProfileRate": 0, "ListenAddress": ":8067", "EnableClientMetrics": true},
        "ExperimentalSettings": {
            "ClientSideCertEnable": false,
            "LinkMetadataTimeoutMilliseconds": 5000,
            "RestrictSystemAdmin": false,
            "EnableSharedChannels": false,
            "DisableAppBar": false
        },
        "AnalyticsSettings": {"MaxUsersForStatistics": 2500},
        "BleveSettings": {
            "IndexDir": "/opt/mattermost/bleve-indexes",
            "EnableIndexing": true,
            "EnableSearching": false,
            "EnableAutocomplete": false,
            "BatchSize": 10000
        },
        "ElasticsearchSettings": {
            "ConnectionURL": "https://search.example.com:9200",
            "Backend": "elasticsearch",
            "Username": "mattermost",
            "Password": rng.alnum(20),
            "EnableIndexing": false,
            "EnableSearching": false,
            "EnableAutocomplete": false,
            "Sniff": true,
            "IndexPrefix": "",
            "ClientKey": "",
            "Trace": ""
        },
        "DataRetentionSettings": {
            "EnableMessageDeletion": false,
            "EnableFileDeletion": false,
            "MessageRetentionHours": 8760,
            "FileRetentionHours": 8760,
            "DeletionJobStartTime": "02:00",
            "BatchSize": 3000
        },
        "MessageExportSettings": {
            "EnableExport": false,
            "ExportFormat": "actiance",
            "DailyRunTime": "01:00",
            "ExportFromTimestamp": 0,
            "BatchSize": 10000,
            "DownloadExportResults": false,
            "GlobalRelaySettings": {
                "CustomerType": "A9",
                "SMTPUsername": "export@example.com",
                "SMTPPassword": rng.alnum(24),
                "EmailAddress": "archive@example.com",
                "SMTPServerTimeout": 1800
            }
        },
        "JobSettings": {"RunJobs": true, "RunScheduler": true, "CleanupJobsThresholdDays": -1, "CleanupConfigThresholdDays": -1},
        "PluginSettings": {
            "Enable": true,
            "EnableUploads": false,
            "AllowInsecureDownloadURL": false,
            "EnableHealthCheck": true,
            "Directory": "./plugins",
            "ClientDirectory": "./client/plugins",
            "Plugins": Value::Object(plugin_settings),
            "PluginStates": Value::Object(plugin_states),
            "EnableMarketplace": true,
            "EnableRemoteMarketplace": true,
            "AutomaticPrepackagedPlugins": true,
            "RequirePluginSignature": false,
            "MarketplaceURL": "https://api.integrations.mattermost.com"
        },
        "DisplaySettings": {"CustomURLSchemes": [], "MaxMarkdownNodes": 0},
        "GuestAccountsSettings": {
            "Enable": true,
            "HideTags": false,
            "AllowEmailAccounts": true,
            "EnforceMultifactorAuthentication": false,
            "RestrictCreationToDomains": ""
        },
        "ImageProxySettings": {"Enable": false, "ImageProxyType": "local", "RemoteImageProxyURL": "", "RemoteImageProxyOptions": ""},
        "ImportSettings": {"Directory": "./import", "RetentionDays": 30},
        "ExportSettings": {"Directory": "./export", "RetentionDays": 30}
    })
}

/// Paths of secret values that a server of the demo's version replaces with [`FAKE_SETTING`].
const SERVER_MASKED: &[&str] = &[
    "/LdapSettings/BindPassword",
    "/FileSettings/PublicLinkSalt",
    "/FileSettings/AmazonS3SecretAccessKey",
    "/EmailSettings/SMTPPassword",
    "/GitLabSettings/Secret",
    "/GoogleSettings/Secret",
    "/Office365Settings/Secret",
    "/OpenIdSettings/Secret",
    "/SqlSettings/DataSource",
    "/SqlSettings/AtRestEncryptKey",
    "/ElasticsearchSettings/Password",
    "/MessageExportSettings/GlobalRelaySettings/SMTPPassword",
    "/ServiceSettings/SplitKey",
    "/CacheSettings/RedisPassword",
];

/// Paths whose value is masked only when it is not empty.
const MASKED_WHEN_SET: &[&str] = &[
    "/LdapSettings/BindPassword",
    "/FileSettings/AmazonS3SecretAccessKey",
    "/EmailSettings/SMTPPassword",
    "/GitLabSettings/Secret",
    "/GoogleSettings/Secret",
    "/Office365Settings/Secret",
    "/OpenIdSettings/Secret",
    "/MessageExportSettings/GlobalRelaySettings/SMTPPassword",
];

/// The settings the doctor flags in the demo's config, put right (`mmops demo --healthy`).
pub fn make_healthy(config: &mut Value) {
    for (path, value) in [
        (
            "/ServiceSettings/EnforceMultifactorAuthentication",
            json!(true),
        ),
        ("/ServiceSettings/EnableLocalMode", json!(false)),
        (
            "/ServiceSettings/ExtendSessionLengthWithActivity",
            json!(true),
        ),
        ("/LogSettings/ConsoleLevel", json!("INFO")),
        ("/LogSettings/EnableWebhookDebugging", json!(false)),
        ("/RateLimitSettings/Enable", json!(true)),
        ("/BleveSettings/EnableIndexing", json!(false)),
        (
            "/EmailSettings/PushNotificationContents",
            json!("id_loaded"),
        ),
    ] {
        if let Some(slot) = config.pointer_mut(path) {
            *slot = value;
        }
    }
}

/// The config as the simulated server returns it over HTTP: secrets masked the way a 11.4
/// server masks them, and plugin settings marked secret at the top level of their schema.
pub fn server_sanitized(config: &Value, plugins: &[DemoPlugin]) -> Value {
    let mut out = config.clone();
    for path in SERVER_MASKED {
        if let Some(slot) = out.pointer_mut(path) {
            let empty = slot.as_str().is_some_and(str::is_empty);
            if !(empty && MASKED_WHEN_SET.contains(path)) {
                *slot = Value::String(FAKE_SETTING.to_string());
            }
        }
    }
    for path in [
        "/SqlSettings/DataSourceReplicas",
        "/SqlSettings/DataSourceSearchReplicas",
    ] {
        if let Some(Value::Array(items)) = out.pointer_mut(path) {
            for item in items {
                *item = Value::String(FAKE_SETTING.to_string());
            }
        }
    }
    if let Some(Value::Array(items)) = out.pointer_mut("/SqlSettings/ReplicaLagSettings") {
        for item in items {
            if let Some(ds) = item.get_mut("DataSource") {
                *ds = Value::String(FAKE_SETTING.to_string());
            }
        }
    }
    for plugin in plugins {
        let secret_keys: Vec<String> = plugin
            .manifest
            .pointer("/settings_schema/settings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|s| s.get("secret").and_then(Value::as_bool) == Some(true))
            .filter_map(|s| s.get("key").and_then(Value::as_str))
            .map(str::to_ascii_lowercase)
            .collect();
        let path = format!("/PluginSettings/Plugins/{}", plugin.id());
        if let Some(Value::Object(settings)) = out.pointer_mut(&path) {
            for key in secret_keys {
                if let Some(value) = settings.get_mut(&key) {
                    *value = Value::String(FAKE_SETTING.to_string());
                }
            }
        }
    }
    out
}

/// Stock Mattermost defaults of the settings an install most often changes, for
/// `GET /api/v4/config?remove_defaults=true`. Settings not listed count as default.
fn stock_defaults() -> Vec<(&'static str, Value)> {
    vec![
        ("/ServiceSettings/SiteURL", json!("")),
        ("/ServiceSettings/ListenAddress", json!(":8065")),
        ("/ServiceSettings/EnableLocalMode", json!(false)),
        ("/ServiceSettings/EnableDeveloper", json!(false)),
        ("/TeamSettings/SiteName", json!("Mattermost")),
        ("/TeamSettings/MaxUsersPerTeam", json!(50)),
        ("/SqlSettings/DriverName", json!("postgres")),
        (
            "/SqlSettings/DataSource",
            json!(
                "postgres://mmuser:mostest@localhost/mattermost_test?sslmode=disable&connect_timeout=10&binary_parameters=yes"
            ),
        ),
        ("/SqlSettings/MaxIdleConns", json!(20)),
        ("/SqlSettings/MaxOpenConns", json!(300)),
        ("/LogSettings/ConsoleLevel", json!("DEBUG")),
        ("/LogSettings/ConsoleLevel", json!("INFO")),
        ("/LogSettings/EnableWebhookDebugging", json!(true)),
        ("/FileSettings/DriverName", json!("local")),
        ("/EmailSettings/SendEmailNotifications", json!(true)),
        ("/EmailSettings/SMTPServer", json!("localhost")),
        ("/ClusterSettings/Enable", json!(false)),
        ("/RateLimitSettings/Enable", json!(false)),
        ("/MetricsSettings/Enable", json!(false)),
        ("/PluginSettings/Enable", json!(true)),
    ]
}

/// The config with default values left out, as `remove_defaults=true` answers it.
pub fn without_defaults(config: &Value) -> Value {
    let mut out = json!({});
    for (pointer, default) in stock_defaults() {
        let Some(value) = config.pointer(pointer) else {
            continue;
        };
        if *value == default {
            continue;
        }
        let mut slot = &mut out;
        let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let Some(map) = slot.as_object_mut() else {
                break;
            };
            if i + 1 == parts.len() {
                map.insert((*part).to_string(), value.clone());
                break;
            }
            slot = map.entry((*part).to_string()).or_insert_with(|| json!({}));
        }
    }
    out
}

/// `GET /api/v4/config/environment`: which settings the demo pretends come from `MM_*` vars.
pub fn environment_overrides() -> Value {
    json!({
        "ServiceSettings": {"SiteURL": true, "ListenAddress": true},
        "SqlSettings": {"DriverName": true, "DataSource": true},
        "FileSettings": {"AmazonS3SecretAccessKey": true}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::world::World;

    #[test]
    fn server_masking_covers_its_list_and_leaves_its_gaps() {
        let world = World::generate(1, 1_700_000_000_000);
        let masked = server_sanitized(&world.config, &world.plugins);
        assert_eq!(
            masked.pointer("/SqlSettings/DataSource").unwrap(),
            FAKE_SETTING
        );
        assert_eq!(
            masked.pointer("/SqlSettings/DataSourceReplicas/0").unwrap(),
            FAKE_SETTING
        );
        assert_eq!(
            masked
                .pointer("/PluginSettings/Plugins/github/webhooksecret")
                .unwrap(),
            FAKE_SETTING
        );
        // Empty secrets stay empty, as on the real server.
        assert_eq!(masked.pointer("/GoogleSettings/Secret").unwrap(), "");
        // Gaps of this server version that mmops' sanitizer has to close.
        assert_ne!(
            masked.pointer("/ServiceSettings/GiphySdkKey").unwrap(),
            FAKE_SETTING
        );
        assert_ne!(
            masked
                .pointer("/PluginSettings/Plugins/com.mattermost.calls/turnstaticauthsecret")
                .unwrap(),
            FAKE_SETTING
        );
    }
}
