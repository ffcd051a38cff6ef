//! What this server would tell Mattermost with error and diagnostics reporting on: the
//! settings the telemetry page names, each in the form the page describes (the value of an
//! enumerated or boolean setting, a count, or only whether it is left at its default), and the
//! deployment facts it lists. Never a setting's text where the page promises only "default or
//! not", and no personal data.

use serde::Serialize;
use serde_json::Value;

use super::facts::{Facts, display_value};
use crate::server_config::defaults::default_of;

/// How the page says a setting is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// An enumerated or boolean value, as set.
    Value,
    /// How many items a list holds.
    Count,
    /// Only whether it is left at its default.
    IsDefault,
}

/// `(section, form, settings)`, in the page's order.
const REPORTED: &[(&str, Form, &str)] = &[
    (
        "ServiceSettings",
        Form::Value,
        "WebserverMode EnableSecurityFixAlert EnableInsecureOutgoingConnections EnableIncomingWebhooks EnableOutgoingWebhooks EnableCommands EnableOnlyAdminIntegrations EnablePostUsernameOverride EnablePostIconOverride EnableCustomEmoji RestrictCustomEmojiCreation EnableTesting EnableDeveloper EnableMultifactorAuthentication EnableOAuthServiceProvider ConnectionSecurity UseLetsEncrypt Forward80To443 TLSStrictTransport EnforceMultifactorAuthentication RestrictPostDelete AllowEditPost EnableUserTypingMessages EnablePostSearch EnableUserStatuses EnableChannelViewMessages EnableEmojiPicker EnableGifPicker ExperimentalEnableAuthenticationTransfer TeammateNameDisplay EnableUserAccessTokens MaximumLoginAttempts SessionLengthWebInDays SessionLengthMobileInDays SessionCacheInMinutes SessionIdleTimeoutInMinutes PostEditTimeLimit TimeBetweenUserTypingUpdatesMilliseconds ClusterLogTimeoutMilliseconds CloseUnusedDirectMessages EnablePreviewFeatures EnableTutorial ExperimentalEnableDefaultChannelLeaveJoinMessages ExperimentalGroupUnreadChannels AllowCookiesForSubdomains EnableAPITeamDeletion ExperimentalEnableHardenedMode CorsAllowCredentials CorsDebug",
    ),
    (
        "TeamSettings",
        Form::Value,
        "EnableUserCreation EnableTeamCreation RestrictTeamNames RestrictTeamInvite RestrictPublicChannelManagement RestrictPrivateChannelManagement RestrictPublicChannelCreation RestrictPrivateChannelCreation RestrictPublicChannelDeletion RestrictPrivateChannelDeletion RestrictPrivateChannelManageMembers EnableOpenServer EnableUserDeactivation EnableCustomBrand RestrictDirectMessage MaxNotificationsPerChannel EnableConfirmNotificationsToChannel MaxUsersPerTeam MaxChannelsPerTeam ExperimentalTownSquareIsReadOnly ExperimentalHideTownSquareinLHS EnableXToLeaveChannelsFromLHS ExperimentalEnableAutomaticReplies ExperimentalViewArchivedChannels",
    ),
    (
        "ClientRequirements",
        Form::Value,
        "AndroidLatestVersion AndroidMinVersion DesktopLatestVersion DesktopMinVersion IosLatestVersion IosMinVersion",
    ),
    ("DisplaySettings", Form::Value, "ExperimentalTimezone"),
    (
        "SqlSettings",
        Form::Value,
        "DriverName Trace MaxIdleConns ConnMaxLifetimeMilliseconds MaxOpenConns QueryTimeout",
    ),
    (
        "LogSettings",
        Form::Value,
        "EnableConsole ConsoleLevel ConsoleJson EnableFile FileLevel FileJson EnableWebhookDebugging",
    ),
    (
        "PasswordSettings",
        Form::Value,
        "Lowercase Number Uppercase Symbol MinimumLength",
    ),
    (
        "FileSettings",
        Form::Value,
        "EnablePublicLink DriverName AmazonS3SSL AmazonS3SignV2 AmazonS3SSE AmazonS3Trace EnableFileAttachments EnableMobileUpload EnableMobileDownload",
    ),
    (
        "EmailSettings",
        Form::Value,
        "EnableSignUpWithEmail EnableSignInWithEmail EnableSignInWithUsername RequireEmailVerification SendEmailNotifications UseChannelInEmailNotifications EmailNotificationContentsType EnableSMTPAuth ConnectionSecurity SendPushNotifications PushNotificationContents EnableEmailBatching SkipServerCertificateVerification EmailBatchingBufferSize EmailBatchingInterval EnablePreviewModeBanner",
    ),
    (
        "RateLimitSettings",
        Form::Value,
        "Enable VaryByRemoteAddr VaryByUser PerSec MaxBurst MemoryStoreSize",
    ),
    (
        "PrivacySettings",
        Form::Value,
        "ShowEmailAddress ShowFullName",
    ),
    (
        "ThemeSettings",
        Form::Value,
        "EnableThemeSelection AllowCustomThemes",
    ),
    ("GitLabSettings", Form::Value, "Enable"),
    ("GoogleSettings", Form::Value, "Enable"),
    ("Office365Settings", Form::Value, "Enable"),
    (
        "SupportSettings",
        Form::Value,
        "CustomTermsOfServiceEnabled CustomTermsOfServiceReAcceptancePeriod",
    ),
    (
        "LdapSettings",
        Form::Value,
        "Enable EnableSync ConnectionSecurity SkipCertificateVerification SyncIntervalMinutes QueryTimeout MaxPageSize",
    ),
    ("ComplianceSettings", Form::Value, "Enable EnableDaily"),
    (
        "LocalizationSettings",
        Form::Value,
        "DefaultServerLocale DefaultClientLocale AvailableLocales",
    ),
    (
        "SamlSettings",
        Form::Value,
        "Enable EnableSyncWithLdap EnableSyncWithLdapIncludeAuth Verify Encrypt",
    ),
    (
        "ClusterSettings",
        Form::Value,
        "Enable UseIpAddress UseExperimentalGossip ReadOnlyConfig",
    ),
    ("MetricsSettings", Form::Value, "Enable BlockProfileRate"),
    (
        "ExperimentalSettings",
        Form::Value,
        "ClientSideCertEnable EnablePostMetadata",
    ),
    (
        "AnnouncementSettings",
        Form::Value,
        "EnableBanner AllowBannerDismissal",
    ),
    (
        "ElasticsearchSettings",
        Form::Value,
        "EnableIndexing EnableSearching Sniff PostIndexReplicas PostIndexShards LiveIndexingBatchSize BulkIndexingTimeWindowSeconds RequestTimeoutSeconds",
    ),
    ("PluginSettings", Form::Value, "Enable EnableUploads"),
    (
        "DataRetentionSettings",
        Form::Value,
        "EnableMessageDeletion MessageRetentionDays EnableFileDeletion FileRetentionDays DeletionJobStartTime",
    ),
    (
        "MessageExportSettings",
        Form::Value,
        "EnableExport ExportFormat DailyRunTime ExportFromTimestamp BatchSize GlobalRelaySettings.CustomerType",
    ),
    (
        "SqlSettings",
        Form::Count,
        "DataSourceReplicas DataSourceSearchReplicas",
    ),
    ("ThemeSettings", Form::Count, "AllowedThemes"),
    (
        "ServiceSettings",
        Form::IsDefault,
        "SiteURL WebsocketURL TLSCertFile TLSKeyFile ReadTimeout WriteTimeout GoogleDeveloperKey AllowCorsFrom CorsExposedHeaders AllowedUntrustedInternalConnections GfycatApiKey GfycatApiSecret",
    ),
    (
        "TeamSettings",
        Form::IsDefault,
        "SiteName CustomBrandText CustomDescriptionText UserStatusAwayTimeout ExperimentalPrimaryTeam",
    ),
    ("DisplaySettings", Form::IsDefault, "CustomUrlSchemes"),
    ("LogSettings", Form::IsDefault, "FileLocation"),
    (
        "EmailSettings",
        Form::IsDefault,
        "FeedbackName FeedbackEmail FeedbackOrganization LoginButtonColor LoginButtonBorderColor LoginButtonTextColor ImageProxyType ImageProxyURL ImageProxyOptions",
    ),
    ("RateLimitSettings", Form::IsDefault, "VaryByHeader"),
    (
        "SupportSettings",
        Form::IsDefault,
        "TermsOfServiceLink PrivacyPolicyLink AboutLink HelpLink ReportAProblemLink SupportEmail",
    ),
    ("ThemeSettings", Form::IsDefault, "DefaultTheme"),
    (
        "TimeZoneSettings",
        Form::IsDefault,
        "SupportedTimezonesPath",
    ),
    (
        "LdapSettings",
        Form::IsDefault,
        "FirstNameAttribute LastNameAttribute EmailAttribute UserNameAttribute NicknameAttribute IdAttribute PositionAttribute LoginFieldName LoginButtonColor LoginButtonBorderColor LoginButtonTextColor",
    ),
    (
        "SamlSettings",
        Form::IsDefault,
        "ScopingIDPProviderId ScopingIDPName IdAttribute FirstNameAttribute LastNameAttribute EmailAttribute UserNameAttribute NicknameAttribute LocaleAttribute PositionAttribute LoginIdAttribute LoginButtonText LoginButtonColor LoginButtonBorderColor LoginButtonTextColor",
    ),
    (
        "NativeAppSettings",
        Form::IsDefault,
        "AppDownloadLink AndroidAppDownloadLink IosAppDownloadLink",
    ),
    ("MetricsSettings", Form::IsDefault, "BlockProfileRate"),
    (
        "AnalyticsSettings",
        Form::IsDefault,
        "MaxUsersForStatistics",
    ),
    (
        "ExperimentalSettings",
        Form::IsDefault,
        "ClientSideCertCheck",
    ),
    (
        "AnnouncementSettings",
        Form::IsDefault,
        "BannerColor BannerTextColor",
    ),
    (
        "ElasticsearchSettings",
        Form::IsDefault,
        "ConnectionUrl Username Password IndexPrefix",
    ),
    (
        "MessageExportSettings",
        Form::IsDefault,
        "GlobalRelaySettings.SmtpUsername GlobalRelaySettings.SmtpPassword GlobalRelaySettings.EmailAddress",
    ),
];

/// One setting as it would be reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reported {
    pub path: String,
    pub form: Form,
    /// What is sent: the value, the count, or `true`/`false` for "is default"; `unknown` when
    /// mmops does not know the default of a changed-looking setting.
    pub reported: String,
}

/// The whole report: the settings this config has, and the deployment facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Telemetry {
    pub diagnostics_on: Option<bool>,
    pub security_alerts_on: Option<bool>,
    pub settings: Vec<Reported>,
    /// Settings the page names that this config does not have (another server version).
    pub absent: Vec<String>,
    pub deployment: Vec<(String, String)>,
}

/// What `facts` would report. Without a config only the deployment facts are known.
pub fn report(facts: &Facts) -> Telemetry {
    let mut settings = Vec::new();
    let mut absent = Vec::new();
    for (section, form, names) in REPORTED {
        for name in names.split_whitespace() {
            let path = format!("{section}.{name}");
            match facts.setting(&path) {
                Ok(value) => settings.push(Reported {
                    reported: reported(&path, *form, value),
                    path,
                    form: *form,
                }),
                Err(_) => absent.push(path),
            }
        }
    }
    Telemetry {
        diagnostics_on: facts.flag("LogSettings.EnableDiagnostics").ok(),
        security_alerts_on: facts.flag("ServiceSettings.EnableSecurityFixAlert").ok(),
        settings,
        absent,
        deployment: deployment(facts),
    }
}

fn reported(path: &str, form: Form, value: &Value) -> String {
    match form {
        Form::Value => display_value(value),
        Form::Count => match value {
            Value::Array(items) => items.len().to_string(),
            Value::Null => "0".to_string(),
            _ => "1".to_string(),
        },
        Form::IsDefault => match default_of(path) {
            Some(default) => (*value == default).to_string(),
            None if is_empty(value) => "true".to_string(),
            None => "unknown".to_string(),
        },
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The deployment facts the page lists, as far as mmops knows them: version, database and
/// OS, licence, plugin counts and usage totals. Never a name, an address or a message.
fn deployment(facts: &Facts) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |name: &str, value: String| out.push((name.to_string(), value));
    if let Ok(server) = facts.server() {
        if let Some(version) = &server.version {
            add("server version", version.to_string());
        }
        if let Some(driver) = &server.database_driver {
            add("database type", driver.clone());
        }
        if let Some(os) = &server.os {
            add("operating system", os.clone());
        }
        if let Ok(stats) = &server.stats {
            for (name, value) in [
                ("teams", stats.teams),
                ("posts", stats.posts),
                ("public channels", stats.public_channels),
                ("private channels", stats.private_channels),
                ("active users", stats.active_users),
                ("inactive users", stats.inactive_users),
                ("daily active users", stats.daily_active_users),
                ("monthly active users", stats.monthly_active_users),
            ] {
                if let Some(value) = value {
                    add(name, value.to_string());
                }
            }
        }
    }
    if let Ok(license) = facts.license()
        && license.is_licensed()
    {
        for key in [
            "Id",
            "SkuShortName",
            "Users",
            "IssuedAt",
            "StartsAt",
            "ExpiresAt",
        ] {
            if let Some(value) = license.get(key) {
                add(&format!("licence {key}"), value.to_string());
            }
        }
    }
    if let Ok(plugins) = facts.plugins() {
        let active = plugins.iter().filter(|p| p.enabled).count();
        add("plugins active", active.to_string());
        add("plugins inactive", (plugins.len() - active).to_string());
    }
    out
}

/// The report as text for the terminal.
pub fn text(telemetry: &Telemetry) -> String {
    use std::fmt::Write as _;
    let on = |v: Option<bool>| match v {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Error and diagnostics reporting: {} · security update check: {}",
        on(telemetry.diagnostics_on),
        on(telemetry.security_alerts_on)
    );
    let _ = writeln!(
        out,
        "What the telemetry page says is sent, with this server's values:\n"
    );
    let _ = writeln!(out, "DEPLOYMENT");
    for (name, value) in &telemetry.deployment {
        let _ = writeln!(out, "  {name}: {}", crate::text::inert(value));
    }
    for (form, title) in [
        (Form::Value, "SETTINGS SENT AS THEIR VALUE"),
        (Form::Count, "SETTINGS SENT AS A COUNT"),
        (
            Form::IsDefault,
            "SETTINGS SENT AS \"IS DEFAULT\" (true/false)",
        ),
    ] {
        let _ = writeln!(out, "\n{title}");
        for setting in telemetry.settings.iter().filter(|s| s.form == form) {
            let _ = writeln!(
                out,
                "  {} = {}",
                setting.path,
                crate::text::inert(&setting.reported)
            );
        }
    }
    if !telemetry.absent.is_empty() {
        let _ = writeln!(
            out,
            "\nNot in this config ({}): {}",
            telemetry.absent.len(),
            telemetry.absent.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::doctor::rules::testing::{healthy, set};

    #[test]
    fn settings_are_reported_in_their_form_and_text_never_leaves() {
        let facts = set(
            healthy(),
            "ServiceSettings.SiteURL",
            json!("https://secret-name.example"),
        );
        let facts = set(facts, "SqlSettings.DataSourceReplicas", json!(["a", "b"]));
        let facts = set(facts, "ServiceSettings.WebserverMode", json!("gzip"));
        let report = report(&facts);
        let find = |path: &str| {
            report
                .settings
                .iter()
                .find(|s| s.path == path)
                .map(|s| s.reported.clone())
        };
        assert_eq!(find("ServiceSettings.SiteURL").as_deref(), Some("false"));
        assert_eq!(find("SqlSettings.DataSourceReplicas").as_deref(), Some("2"));
        assert_eq!(
            find("ServiceSettings.WebserverMode").as_deref(),
            Some("gzip")
        );
        assert_eq!(
            find("ServiceSettings.EnableDeveloper").as_deref(),
            Some("false")
        );
        assert!(!text(&report).contains("secret-name"));
        assert_eq!(report.diagnostics_on, Some(true));
        assert!(
            report
                .absent
                .contains(&"ServiceSettings.GfycatApiKey".to_string())
        );
        assert!(
            report
                .deployment
                .iter()
                .any(|(n, v)| n == "server version" && v == "11.4.4")
        );
    }
}
