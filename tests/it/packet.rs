//! `mmops packet` end to end, running the real binary: from an install directory on disk, from
//! the demo server over HTTP and over its local socket, with the server stopped; what goes in
//! (checked against the demo's own API), what never goes in (canary secrets), and that a packet
//! appears whole or not at all.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::binary::{Served, mmops, serve_with, text};
use serde_json::{Map, Value, json};

/// The server's stand-in for a secret value (`model.FakeSetting`): 32 asterisks.
const MASK: &str = "********************************";

/// Every key `support_packet.yaml` may hold, in the server's spelling.
const PACKET_KEYS: &[&str] = &[
    "server_os",
    "server_architecture",
    "server_version",
    "build_hash",
    "database_type",
    "database_version",
    "database_schema_version",
    "websocket_connections",
    "master_db_connections",
    "read_db_connections",
    "cluster_id",
    "file_driver",
    "file_status",
    "ldap_vendor_name",
    "ldap_vendor_version",
    "elastic_server_version",
    "elastic_server_plugins",
    "license_to",
    "license_supported_users",
    "license_is_trial",
    "license_id",
    "active_users",
    "daily_active_users",
    "monthly_active_users",
    "inactive_user_count",
    "total_posts",
    "total_channels",
    "total_teams",
];

// ---------------------------------------------------------------------------------------------
// Running and reading packets

fn packet<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    mmops(dir).arg("packet").args(args).output().unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The one zip in `dir`; anything else there fails the test.
fn only_zip(dir: &Path) -> PathBuf {
    let names = files_in(dir);
    assert!(
        names.len() == 1 && names[0].ends_with(".zip"),
        "expected exactly one zip in {}, found {names:?}",
        dir.display()
    );
    dir.join(&names[0])
}

/// A written packet, every entry decompressed.
struct Packet {
    path: PathBuf,
    raw: Vec<u8>,
    entries: Vec<(String, Vec<u8>)>,
}

impl Packet {
    fn open(path: &Path) -> Self {
        let raw = std::fs::read(path).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(raw.clone()))
            .unwrap_or_else(|e| panic!("{} is not a zip: {e}", path.display()));
        let mut entries = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .unwrap_or_else(|e| panic!("cannot decompress {name} in the packet: {e}"));
            entries.push((name, bytes));
        }
        Self {
            path: path.to_path_buf(),
            raw,
            entries,
        }
    }

    fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn bytes(&self, name: &str) -> &[u8] {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| bytes.as_slice())
            .unwrap_or_else(|| panic!("no {name} in the packet: {:?}", self.names()))
    }

    fn text(&self, name: &str) -> String {
        let (_, bytes) = self
            .entries
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name} in the packet: {:?}", self.names()));
        String::from_utf8(bytes.clone()).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
    }

    fn json(&self, name: &str) -> Value {
        serde_json::from_str(&self.text(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
    }

    fn yaml(&self, name: &str) -> BTreeMap<String, serde_yaml::Value> {
        serde_yaml::from_str(&self.text(name))
            .unwrap_or_else(|e| panic!("{name} is not a YAML mapping: {e}"))
    }

    fn logs(&self) -> Vec<&str> {
        self.names()
            .into_iter()
            .filter(|n| n.ends_with(".log"))
            .collect()
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    memchr::memmem::find(haystack, needle.as_bytes()).is_some()
}

/// The `- support_packet.yaml has no a, b: reason` lines of warning.txt, key by key.
fn missing_keys(warning: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in warning.lines() {
        let Some(rest) = line.strip_prefix("- support_packet.yaml has no ") else {
            continue;
        };
        let (keys, reason) = rest
            .split_once(": ")
            .unwrap_or_else(|| panic!("a missing key without a reason: {line}"));
        assert!(!reason.trim().is_empty(), "no reason given: {line}");
        for key in keys.split(", ") {
            assert!(
                out.insert(key.to_string(), reason.to_string()).is_none(),
                "{key} is explained twice:\n{warning}"
            );
        }
    }
    out
}

/// Each key absent from support_packet.yaml is explained in warning.txt, and no present key is.
fn assert_missing_keys_explained(packet: &Packet) -> BTreeMap<String, String> {
    let yaml = packet.yaml("support_packet.yaml");
    for key in yaml.keys() {
        assert!(
            PACKET_KEYS.contains(&key.as_str()),
            "support_packet.yaml has a key the server does not write: {key}"
        );
    }
    let absent: BTreeSet<String> = PACKET_KEYS
        .iter()
        .filter(|k| !yaml.contains_key(**k))
        .map(|k| k.to_string())
        .collect();
    let warning = if absent.is_empty() {
        String::new()
    } else {
        packet.text("warning.txt")
    };
    let explained = missing_keys(&warning);
    assert_eq!(
        explained.keys().cloned().collect::<BTreeSet<_>>(),
        absent,
        "warning.txt must explain exactly the keys missing from support_packet.yaml:\n{warning}"
    );
    explained
}

fn yaml_str(map: &BTreeMap<String, serde_yaml::Value>, key: &str) -> String {
    map.get(key)
        .and_then(serde_yaml::Value::as_str)
        .unwrap_or_else(|| panic!("{key} is not a string: {map:?}"))
        .to_string()
}

/// Every string leaf of a JSON value with its pointer.
fn leaves(value: &Value, pointer: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                leaves(child, format!("{pointer}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                leaves(child, format!("{pointer}/{i}"), out);
            }
        }
        other => out.push((pointer, other.clone())),
    }
}

/// The parts of each raw config value that the sanitized copy hid: whole values replaced by
/// the mask, and the pieces of connection strings and URLs (users, passwords) that are gone.
/// Only pieces of 10 characters or more, which cannot turn up by chance.
fn hidden_pieces(raw: &Value, sanitized: &Value) -> Vec<(String, String)> {
    let mut raw_leaves = Vec::new();
    leaves(raw, String::new(), &mut raw_leaves);
    let mut out = Vec::new();
    for (pointer, value) in raw_leaves {
        let Some(raw_text) = value.as_str() else {
            continue;
        };
        let Some(clean) = sanitized.pointer(&pointer).and_then(Value::as_str) else {
            continue;
        };
        if clean == raw_text {
            continue;
        }
        if clean == MASK {
            if raw_text.len() >= 10 {
                out.push((pointer.clone(), raw_text.to_string()));
            }
            continue;
        }
        for piece in raw_text.split(|c: char| ":/@?&= ()'".contains(c)) {
            if piece.len() >= 10 && !clean.contains(piece) {
                out.push((pointer.clone(), piece.to_string()));
            }
        }
    }
    out
}

/// No hidden piece of the raw config is anywhere in the packet.
fn assert_hidden_values_absent(packet: &Packet, raw: &Value, sanitized: &Value) -> usize {
    let pieces = hidden_pieces(raw, sanitized);
    let mut leaks = Vec::new();
    for (pointer, piece) in &pieces {
        for (name, bytes) in &packet.entries {
            if contains(bytes, piece) {
                leaks.push(format!("the value at {pointer} is in {name}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    pieces.len()
}

// ---------------------------------------------------------------------------------------------
// Canaries

/// Unique strings planted wherever a secret can be; none may come out.
struct Canaries {
    /// Random per run: found anywhere, some canary leaked at least in part.
    run: String,
    all: Vec<(String, String)>,
}

impl Canaries {
    fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        );
        Self {
            run: format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff),
            all: Vec::new(),
        }
    }

    /// `CANARY-<n>-<run>`, remembered with what it stands for.
    fn make(&mut self, label: &str) -> String {
        let value = format!("CANARY-{}-{}", self.all.len() + 1, self.run);
        self.all.push((label.to_string(), value.clone()));
        value
    }

    fn leaks_in(&self, place: &str, bytes: &[u8], leaks: &mut Vec<String>) {
        let mut named = false;
        for (label, value) in &self.all {
            if contains(bytes, value) {
                leaks.push(format!("{label} ({value}) in {place}"));
                named = true;
            }
        }
        if !named && contains(bytes, &self.run) {
            leaks.push(format!("part of a canary ({}) in {place}", self.run));
        }
    }

    /// No canary in any decompressed entry, in the zip's bytes, its name, or the output.
    fn assert_none_in(&self, packet: &Packet, output: &Output) {
        let mut leaks = Vec::new();
        for (name, bytes) in &packet.entries {
            self.leaks_in(name, bytes, &mut leaks);
            self.leaks_in(
                &format!("the entry name {name}"),
                name.as_bytes(),
                &mut leaks,
            );
        }
        self.leaks_in("the zip's bytes", &packet.raw, &mut leaks);
        self.leaks_in(
            "the zip's name",
            packet.path.to_string_lossy().as_bytes(),
            &mut leaks,
        );
        self.leaks_in("stdout", &output.stdout, &mut leaks);
        self.leaks_in("stderr", &output.stderr, &mut leaks);
        assert!(
            leaks.is_empty(),
            "{} canaries leaked:\n{}",
            leaks.len(),
            leaks.join("\n")
        );
    }
}

/// A value the sanitizer must hide: where, its path in redactions.txt, and what is left.
struct Masked {
    pointer: String,
    path: String,
    expected: String,
}

fn masked(pointer: &str, expected: &str) -> Masked {
    let path = pointer
        .trim_start_matches('/')
        .split('/')
        .map(|part| {
            if part.chars().all(|c| c.is_ascii_digit()) {
                format!("[{part}]")
            } else {
                format!(".{part}")
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string();
    Masked {
        pointer: pointer.to_string(),
        path,
        expected: expected.to_string(),
    }
}

/// A config.json shaped like a real one (the sections and keys of a 2025 install), with a
/// canary in every place a secret can sit, and the list of what must be hidden.
fn canary_config(c: &mut Canaries) -> (Value, Vec<Masked>) {
    let ds = (c.make("DataSource user"), c.make("DataSource password"));
    let replica = (
        c.make("DataSourceReplicas[0] user"),
        c.make("DataSourceReplicas[0] password"),
    );
    let mysql = (
        c.make("DataSourceReplicas[1] (MySQL DSN) user"),
        c.make("DataSourceReplicas[1] (MySQL DSN) password"),
    );
    let search = (
        c.make("DataSourceSearchReplicas[0] user"),
        c.make("DataSourceSearchReplicas[0] password"),
        c.make("DataSourceSearchReplicas[0] password= option"),
    );
    let lag_url = (
        c.make("ReplicaLagSettings[0].DataSource user"),
        c.make("ReplicaLagSettings[0].DataSource password"),
    );
    let lag_kv = (
        c.make("ReplicaLagSettings[1].DataSource user"),
        c.make("ReplicaLagSettings[1].DataSource password"),
    );
    let es_url = (
        c.make("ElasticsearchSettings.ConnectionURL user"),
        c.make("ElasticsearchSettings.ConnectionURL password"),
    );
    let hook_url = (
        c.make("SomeNewSettings.WebhookURL user"),
        c.make("SomeNewSettings.WebhookURL password"),
    );

    let mut sections = Map::new();
    let mut add = |name: &str, value: Value| {
        sections.insert(name.to_string(), value);
    };
    add(
        "ServiceSettings",
        json!({
            "SiteURL": "https://chat.canary.example.com",
            "WebsocketURL": "",
            "LicenseFileLocation": "",
            "ListenAddress": ":8065",
            "ConnectionSecurity": "",
            "TLSCertFile": "/etc/ssl/certs/chat.crt",
            "TLSKeyFile": "/etc/ssl/private/chat.key",
            "TLSMinVer": "1.2",
            "TrustedProxyIPHeader": ["X-Forwarded-For"],
            "ReadTimeout": 300,
            "WriteTimeout": 300,
            "MaximumLoginAttempts": 10,
            "GoogleDeveloperKey": c.make("ServiceSettings.GoogleDeveloperKey"),
            "GiphySdkKey": c.make("ServiceSettings.GiphySdkKey"),
            "SplitKey": c.make("ServiceSettings.SplitKey"),
            "EnableUserAccessTokens": true,
            "EnableLocalMode": true,
            "LocalModeSocketLocation": "/var/tmp/mattermost_local.socket",
            "SessionLengthWebInHours": 720,
            "CollapsedThreads": "always_on"
        }),
    );
    add(
        "TeamSettings",
        json!({"SiteName": "Canary Chat", "MaxUsersPerTeam": 500, "EnableOpenServer": false, "RestrictDirectMessage": "any", "TeammateNameDisplay": "username"}),
    );
    add(
        "ClientRequirements",
        json!({"AndroidLatestVersion": "", "AndroidMinVersion": "", "IosLatestVersion": "", "IosMinVersion": ""}),
    );
    add(
        "SqlSettings",
        json!({
            "DriverName": "postgres",
            "DataSource": format!("postgres://{}:{}@db-primary.canary.internal:5432/mattermost_canary?sslmode=require&connect_timeout=10", ds.0, ds.1),
            "DataSourceReplicas": [
                format!("postgres://{}:{}@db-replica-1.canary.internal:5433/mattermost_replica?sslmode=require", replica.0, replica.1),
                format!("{}:{}@tcp(mysql-replica.canary.internal:3306)/mattermost_mysql?charset=utf8mb4,utf8&writeTimeout=30s", mysql.0, mysql.1)
            ],
            "DataSourceSearchReplicas": [
                format!("postgres://{}:{}@search-1.canary.internal:5432/mattermost_search?sslmode=disable&password={}", search.0, search.1, search.2)
            ],
            "ConnMaxLifetimeMilliseconds": 3_600_000,
            "ConnMaxIdleTimeMilliseconds": 300_000,
            "MaxIdleConns": 20,
            "MaxOpenConns": 300,
            "Trace": false,
            "AtRestEncryptKey": c.make("SqlSettings.AtRestEncryptKey"),
            "QueryTimeout": 30,
            "DisableDatabaseSearch": false,
            "MigrationsStatementTimeoutSeconds": 100_000,
            "ReplicaLagSettings": [
                {
                    "DataSource": format!("postgres://{}:{}@db-replica-1.canary.internal:5433/mattermost_replica", lag_url.0, lag_url.1),
                    "QueryAbsoluteLag": "select usename, pg_wal_lsn_diff(pg_current_wal_lsn(),replay_lsn) as metric from pg_stat_replication;",
                    "QueryTimeLag": null
                },
                {
                    "DataSource": format!("host=lag.canary.internal port=5432 user={} password={} dbname=mattermost_lag sslmode=disable", lag_kv.0, lag_kv.1),
                    "QueryAbsoluteLag": null,
                    "QueryTimeLag": null
                }
            ],
            "ReplicaMonitorIntervalSeconds": 5
        }),
    );
    add(
        "LogSettings",
        json!({
            "EnableConsole": true,
            "ConsoleLevel": "INFO",
            "ConsoleJson": true,
            "EnableColor": false,
            "EnableFile": true,
            "FileLevel": "DEBUG",
            "FileJson": true,
            "FileLocation": "",
            "EnableWebhookDebugging": true,
            "EnableDiagnostics": true,
            "EnableSentry": false,
            "AdvancedLoggingJSON": {},
            "MaxFieldSize": 2048
        }),
    );
    add(
        "NotificationLogSettings",
        json!({"EnableConsole": true, "ConsoleLevel": "INFO", "EnableFile": true, "FileLevel": "INFO", "FileJson": true, "FileLocation": "", "AdvancedLoggingJSON": {}}),
    );
    add(
        "PasswordSettings",
        json!({"MinimumLength": 10, "Lowercase": true, "Number": true, "Uppercase": true, "Symbol": false, "EnableForgotLink": true}),
    );
    add(
        "FileSettings",
        json!({
            "EnableFileAttachments": true,
            "MaxFileSize": 104_857_600,
            "DriverName": "amazons3",
            "Directory": "./data/",
            "EnablePublicLink": true,
            "PublicLinkSalt": c.make("FileSettings.PublicLinkSalt"),
            "InitialFont": "nunito-bold.ttf",
            "AmazonS3AccessKeyId": "AKIACANARYKEEPME0001",
            "AmazonS3SecretAccessKey": c.make("FileSettings.AmazonS3SecretAccessKey"),
            "AmazonS3Bucket": "canary-chat-files",
            "AmazonS3Region": "eu-west-1",
            "AmazonS3Endpoint": "s3.amazonaws.com",
            "AmazonS3SSL": true,
            "DedicatedExportStore": true,
            "ExportDriverName": "amazons3",
            "ExportAmazonS3AccessKeyId": "AKIACANARYEXPORT0002",
            "ExportAmazonS3SecretAccessKey": c.make("FileSettings.ExportAmazonS3SecretAccessKey"),
            "ExportAmazonS3Bucket": "canary-chat-exports"
        }),
    );
    add(
        "EmailSettings",
        json!({
            "EnableSignUpWithEmail": true,
            "SendEmailNotifications": true,
            "FeedbackName": "Canary Chat",
            "FeedbackEmail": "no-reply@canary.example.com",
            "EnableSMTPAuth": true,
            "SMTPUsername": "mailer@canary.example.com",
            "SMTPPassword": c.make("EmailSettings.SMTPPassword"),
            "SMTPServer": "smtp.canary.example.com",
            "SMTPPort": "587",
            "ConnectionSecurity": "STARTTLS",
            "PushNotificationServer": "https://push.mattermost.com",
            "PushNotificationContents": "generic"
        }),
    );
    add(
        "RateLimitSettings",
        json!({"Enable": false, "PerSec": 10, "MaxBurst": 100, "MemoryStoreSize": 10000, "VaryByRemoteAddr": true, "VaryByUser": false, "VaryByHeader": ""}),
    );
    add(
        "PrivacySettings",
        json!({"ShowEmailAddress": false, "ShowFullName": true}),
    );
    add(
        "SupportSettings",
        json!({"SupportEmail": "it@canary.example.com", "HelpLink": "https://canary.example.com/help"}),
    );
    for (name, secret) in [
        ("GitLabSettings", c.make("GitLabSettings.Secret")),
        ("GoogleSettings", c.make("GoogleSettings.Secret")),
        ("Office365Settings", c.make("Office365Settings.Secret")),
        ("OpenIdSettings", c.make("OpenIdSettings.Secret")),
    ] {
        add(
            name,
            json!({
                "Enable": true,
                "Secret": secret,
                "Id": format!("{}-client-id", name.to_lowercase()),
                "Scope": "",
                "AuthEndpoint": "https://sso.canary.example.com/oauth/authorize",
                "TokenEndpoint": "https://sso.canary.example.com/oauth/token",
                "UserAPIEndpoint": "https://sso.canary.example.com/api/v4/user",
                "DiscoveryEndpoint": "",
                "ButtonText": "",
                "ButtonColor": "#145DBF"
            }),
        );
    }
    add(
        "LdapSettings",
        json!({
            "Enable": true,
            "EnableSync": true,
            "LdapServer": "ldap.canary.example.com",
            "LdapPort": 636,
            "ConnectionSecurity": "TLS",
            "BaseDN": "dc=canary,dc=example,dc=com",
            "BindUsername": "cn=mattermost,ou=services,dc=canary,dc=example,dc=com",
            "BindPassword": c.make("LdapSettings.BindPassword"),
            "UserFilter": "(objectClass=person)",
            "EmailAttribute": "mail",
            "UsernameAttribute": "uid",
            "IdAttribute": "entryUUID",
            "PrivateKeyFile": "",
            "SyncIntervalMinutes": 60
        }),
    );
    add(
        "ComplianceSettings",
        json!({"Enable": false, "Directory": "./data/", "EnableDaily": false, "BatchSize": 30000}),
    );
    add(
        "LocalizationSettings",
        json!({"DefaultServerLocale": "en", "DefaultClientLocale": "en", "AvailableLocales": ""}),
    );
    add(
        "SamlSettings",
        json!({"Enable": false, "Verify": true, "Encrypt": true, "IdpURL": "", "PrivateKeyFile": "", "PublicCertificateFile": ""}),
    );
    add(
        "NativeAppSettings",
        json!({"AppCustomURLSchemes": ["mmauth://", "mmauthbeta://"], "AppDownloadLink": "https://mattermost.com/pl/download-apps"}),
    );
    add(
        "CacheSettings",
        json!({"CacheType": "redis", "RedisAddress": "redis.canary.internal:6379", "RedisPassword": c.make("CacheSettings.RedisPassword"), "RedisDB": 0, "DisableClientCache": false}),
    );
    add(
        "ClusterSettings",
        json!({"Enable": false, "ClusterName": "canary", "OverrideHostname": "", "UseIPAddress": true, "EnableGossipCompression": true, "ReadOnlyConfig": true, "GossipPort": 8074}),
    );
    add(
        "MetricsSettings",
        json!({"Enable": true, "BlockProfileRate": 0, "ListenAddress": ":8067", "EnableClientMetrics": true}),
    );
    add(
        "ExperimentalSettings",
        json!({"ClientSideCertEnable": false, "LinkMetadataTimeoutMilliseconds": 5000, "RestrictSystemAdmin": false}),
    );
    add("AnalyticsSettings", json!({"MaxUsersForStatistics": 2500}));
    add(
        "ElasticsearchSettings",
        json!({
            "ConnectionURL": format!("https://{}:{}@es.canary.internal:9200/", es_url.0, es_url.1),
            "Username": "mattermost",
            "Password": c.make("ElasticsearchSettings.Password"),
            "EnableIndexing": true,
            "EnableSearching": true,
            "Sniff": false,
            "IndexPrefix": "canary_",
            "SkipTLSVerification": false,
            "CA": "",
            "ClientCert": "",
            "Trace": ""
        }),
    );
    add(
        "DataRetentionSettings",
        json!({"EnableMessageDeletion": false, "MessageRetentionHours": 8760, "DeletionJobStartTime": "02:00"}),
    );
    add(
        "MessageExportSettings",
        json!({
            "EnableExport": true,
            "ExportFormat": "globalrelay",
            "DailyRunTime": "01:00",
            "GlobalRelaySettings": {
                "CustomerType": "A9",
                "SMTPUsername": "export@canary.example.com",
                "SMTPPassword": c.make("MessageExportSettings.GlobalRelaySettings.SMTPPassword"),
                "EmailAddress": "archive@canary.example.com",
                "SMTPServerTimeout": 1800
            }
        }),
    );
    add(
        "JobSettings",
        json!({"RunJobs": true, "RunScheduler": true, "CleanupJobsThresholdDays": -1}),
    );
    add(
        "PluginSettings",
        json!({
            "Enable": true,
            "EnableUploads": false,
            "EnableHealthCheck": true,
            "Directory": "./plugins",
            "ClientDirectory": "./client/plugins",
            "Plugins": {
                "com.mattermost.calls": {
                    "defaultenabled": true,
                    "icehostoverride": "rtc.canary.example.com",
                    "turnstaticauthsecret": c.make("calls TURNStaticAuthSecret (secret in a section)")
                },
                "github": {
                    "githuboauthclientid": "Iv1.canarykeepme",
                    "githuboauthclientsecret": c.make("github GitHubOAuthClientSecret"),
                    "webhooksecret": c.make("github WebhookSecret"),
                    "encryptionkey": c.make("github EncryptionKey"),
                    "enterprisebaseurl": "",
                    "enableleftsidebar": true
                },
                "jira": {
                    "secret": c.make("jira Secret"),
                    "rolesallowedtoeditjirasubscriptions": "team_admin"
                },
                "com.example.canary": {
                    "endpoint": "https://canary-plugin.example.com",
                    "opaque": c.make("com.example.canary Opaque (secret at the top level)"),
                    "blob": c.make("com.example.canary Blob (secret in a section)")
                },
                "com.example.nomanifest": {
                    "anything": c.make("a plugin without a manifest"),
                    "count": 3
                }
            },
            "PluginStates": {
                "com.mattermost.calls": {"Enable": true},
                "github": {"Enable": true},
                "jira": {"Enable": false},
                "com.example.canary": {"Enable": true}
            },
            "EnableMarketplace": true,
            "RequirePluginSignature": false,
            "MarketplaceURL": "https://api.integrations.mattermost.com",
            "SignaturePublicKeyFiles": []
        }),
    );
    add(
        "DisplaySettings",
        json!({"CustomURLSchemes": [], "MaxMarkdownNodes": 0}),
    );
    add(
        "GuestAccountsSettings",
        json!({"Enable": true, "AllowEmailAccounts": true, "RestrictCreationToDomains": ""}),
    );
    add(
        "ImageProxySettings",
        json!({"Enable": false, "ImageProxyType": "local", "RemoteImageProxyURL": "", "RemoteImageProxyOptions": ""}),
    );
    add(
        "ImportSettings",
        json!({"Directory": "./import", "RetentionDays": 30}),
    );
    add(
        "ExportSettings",
        json!({"Directory": "./export", "RetentionDays": 30}),
    );
    // Settings of a newer server that no list knows yet: caught because they look secret.
    add(
        "SomeNewSettings",
        json!({
            "Enable": true,
            "ApiToken": c.make("SomeNewSettings.ApiToken"),
            "ClientSecret": c.make("SomeNewSettings.ClientSecret"),
            "HashSalt": c.make("SomeNewSettings.HashSalt"),
            "SigningKey": c.make("SomeNewSettings.SigningKey"),
            "TokenEndpoint": "https://new.canary.example.com/token",
            "WebhookURL": format!("https://{}:{}@hooks.canary.example.com/in", hook_url.0, hook_url.1),
            "Nested": {"Credentials": c.make("SomeNewSettings.Nested.Credentials")},
            "Accounts": [{"Name": "primary", "Password": c.make("SomeNewSettings.Accounts[0].Password")}]
        }),
    );

    let masks = vec![
        masked(
            "/SqlSettings/DataSource",
            "postgres://****:****@db-primary.canary.internal:5432/mattermost_canary?sslmode=require&connect_timeout=10",
        ),
        masked(
            "/SqlSettings/DataSourceReplicas/0",
            "postgres://****:****@db-replica-1.canary.internal:5433/mattermost_replica?sslmode=require",
        ),
        masked(
            "/SqlSettings/DataSourceReplicas/1",
            "****:****@tcp(mysql-replica.canary.internal:3306)/mattermost_mysql?charset=utf8mb4,utf8&writeTimeout=30s",
        ),
        masked(
            "/SqlSettings/DataSourceSearchReplicas/0",
            "postgres://****:****@search-1.canary.internal:5432/mattermost_search?sslmode=disable&password=****",
        ),
        masked(
            "/SqlSettings/ReplicaLagSettings/0/DataSource",
            "postgres://****:****@db-replica-1.canary.internal:5433/mattermost_replica",
        ),
        masked(
            "/SqlSettings/ReplicaLagSettings/1/DataSource",
            "host=lag.canary.internal port=5432 user=**** password=**** dbname=mattermost_lag sslmode=disable",
        ),
        masked("/SqlSettings/AtRestEncryptKey", MASK),
        masked("/ServiceSettings/GoogleDeveloperKey", MASK),
        masked("/ServiceSettings/GiphySdkKey", MASK),
        masked("/ServiceSettings/SplitKey", MASK),
        masked("/FileSettings/PublicLinkSalt", MASK),
        masked("/FileSettings/AmazonS3SecretAccessKey", MASK),
        masked("/FileSettings/ExportAmazonS3SecretAccessKey", MASK),
        masked("/EmailSettings/SMTPPassword", MASK),
        masked("/GitLabSettings/Secret", MASK),
        masked("/GoogleSettings/Secret", MASK),
        masked("/Office365Settings/Secret", MASK),
        masked("/OpenIdSettings/Secret", MASK),
        masked("/LdapSettings/BindPassword", MASK),
        masked("/CacheSettings/RedisPassword", MASK),
        masked(
            "/ElasticsearchSettings/ConnectionURL",
            "https://****:****@es.canary.internal:9200/",
        ),
        masked("/ElasticsearchSettings/Password", MASK),
        masked(
            "/MessageExportSettings/GlobalRelaySettings/SMTPPassword",
            MASK,
        ),
        masked(
            "/PluginSettings/Plugins/com.mattermost.calls/turnstaticauthsecret",
            MASK,
        ),
        masked(
            "/PluginSettings/Plugins/github/githuboauthclientsecret",
            MASK,
        ),
        masked("/PluginSettings/Plugins/github/webhooksecret", MASK),
        masked("/PluginSettings/Plugins/github/encryptionkey", MASK),
        masked("/PluginSettings/Plugins/jira/secret", MASK),
        masked("/PluginSettings/Plugins/com.example.canary/opaque", MASK),
        masked("/PluginSettings/Plugins/com.example.canary/blob", MASK),
        masked(
            "/PluginSettings/Plugins/com.example.nomanifest/anything",
            MASK,
        ),
        masked("/SomeNewSettings/ApiToken", MASK),
        masked("/SomeNewSettings/ClientSecret", MASK),
        masked("/SomeNewSettings/HashSalt", MASK),
        masked("/SomeNewSettings/SigningKey", MASK),
        masked(
            "/SomeNewSettings/WebhookURL",
            "https://****:****@hooks.canary.example.com/in",
        ),
        masked("/SomeNewSettings/Nested/Credentials", MASK),
        masked("/SomeNewSettings/Accounts/0/Password", MASK),
    ];
    (Value::Object(sections), masks)
}

/// Values of `canary_config` that are not secret and must come out as they went in.
const KEPT: &[(&str, &str)] = &[
    (
        "/ServiceSettings/SiteURL",
        "https://chat.canary.example.com",
    ),
    ("/ServiceSettings/TLSKeyFile", "/etc/ssl/private/chat.key"),
    (
        "/LdapSettings/BindUsername",
        "cn=mattermost,ou=services,dc=canary,dc=example,dc=com",
    ),
    ("/FileSettings/AmazonS3AccessKeyId", "AKIACANARYKEEPME0001"),
    ("/EmailSettings/SMTPUsername", "mailer@canary.example.com"),
    (
        "/SomeNewSettings/TokenEndpoint",
        "https://new.canary.example.com/token",
    ),
    (
        "/PluginSettings/Plugins/github/githuboauthclientid",
        "Iv1.canarykeepme",
    ),
];

/// Manifests for the plugins of `canary_config`: secrets at the top level of the settings
/// schema and inside sections, under keys that do not look secret as well as keys that do.
fn canary_manifests() -> Vec<Value> {
    vec![
        json!({
            "id": "com.mattermost.calls",
            "name": "Calls",
            "version": "1.7.2",
            "settings_schema": {
                "settings": [],
                "sections": [
                    {"key": "GeneralSettings", "settings": [
                        {"key": "DefaultEnabled", "type": "bool", "default": false}
                    ]},
                    {"key": "ICESettings", "settings": [
                        {"key": "ICEHostOverride", "type": "text", "default": ""},
                        {"key": "TURNStaticAuthSecret", "type": "text", "default": "", "secret": true}
                    ]}
                ]
            }
        }),
        json!({
            "id": "github",
            "name": "GitHub",
            "version": "2.4.0",
            "settings_schema": {"settings": [
                {"key": "GitHubOAuthClientID", "type": "text", "default": ""},
                {"key": "GitHubOAuthClientSecret", "type": "text", "default": "", "secret": true},
                {"key": "WebhookSecret", "type": "generated", "default": "", "secret": true},
                {"key": "EncryptionKey", "type": "generated", "default": "", "secret": true},
                {"key": "EnterpriseBaseURL", "type": "text", "default": ""},
                {"key": "EnableLeftSidebar", "type": "bool", "default": true}
            ]}
        }),
        json!({
            "id": "jira",
            "name": "Jira",
            "version": "4.2.1",
            "settings_schema": {"settings": [
                {"key": "Secret", "type": "generated", "default": "", "secret": true},
                {"key": "RolesAllowedToEditJiraSubscriptions", "type": "dropdown", "default": "system_admin"}
            ]}
        }),
        json!({
            "id": "com.example.canary",
            "name": "Canary",
            "version": "0.1.0",
            "settings_schema": {
                "settings": [
                    {"key": "Endpoint", "type": "text", "default": ""},
                    {"key": "Opaque", "type": "text", "default": "", "secret": true}
                ],
                "sections": [
                    {"key": "Storage", "settings": [
                        {"key": "Blob", "type": "longtext", "default": "", "secret": true}
                    ]}
                ]
            }
        }),
    ]
}

/// A log line with a canary where `scrub.rs` says it always cleans, a probe to find the line
/// again, and how many values the scrubber replaces in it.
struct LogCanary {
    probe: String,
    line: String,
    replaced: u64,
}

fn canary_log_lines(c: &mut Canaries) -> Vec<LogCanary> {
    let ts = "\"timestamp\":\"2026-11-22 09:31:00.000 Z\"";
    let mut out = Vec::new();
    let mut add = |probe: &str, line: String, replaced: u64| {
        assert!(line.contains(probe));
        out.push(LogCanary {
            probe: probe.to_string(),
            line,
            replaced,
        });
    };
    add(
        "probe-url",
        format!(
            r#"{{{ts},"level":"error","msg":"probe-url cannot connect","caller":"sqlstore/store.go:197","error":"dial postgres://{}:{}@db:5432/mattermost failed"}}"#,
            c.make("log: URL user"),
            c.make("log: URL password")
        ),
        1,
    );
    add(
        "probe-invite",
        format!(
            r#"{{{ts},"level":"info","msg":"probe-invite sending invitation","link":"https://chat.example.com/signup_user_complete/?t={}&extra=1"}}"#,
            c.make("log: invite token ?t=")
        ),
        1,
    );
    add(
        "probe-authheader",
        format!(
            r#"{{{ts},"level":"debug","msg":"probe-authheader outgoing request","header":"Authorization: Bearer {}"}}"#,
            c.make("log: Bearer token")
        ),
        1,
    );
    add(
        "probe-json",
        format!(
            r#"{{{ts},"level":"debug","msg":"probe-json settings","smtp_password":"{}","webhookSecret": "{}","access_token":"{}"}}"#,
            c.make("log: JSON smtp_password"),
            c.make("log: JSON webhookSecret"),
            c.make("log: JSON access_token")
        ),
        3,
    );
    add(
        "probe-pair",
        format!(
            "probe-pair connect password={} host=db",
            c.make("log: password=")
        ),
        1,
    );
    add(
        "probe-mysql",
        format!(
            r#"{{{ts},"level":"error","msg":"probe-mysql","dsn":"{}:{}@tcp(db:3306)/mattermost"}}"#,
            c.make("log: MySQL DSN user"),
            c.make("log: MySQL DSN password")
        ),
        1,
    );
    add(
        "probe-query",
        format!(
            r#"{{{ts},"level":"debug","msg":"probe-query callback","url":"/oauth/callback?code={}&state=abc&client_secret={}"}}"#,
            c.make("log: ?code="),
            c.make("log: &client_secret=")
        ),
        2,
    );
    add(
        "probe-keys",
        format!(
            r#"{{{ts},"level":"debug","msg":"probe-keys","api_key":"{}","private_key":"{}"}}"#,
            c.make("log: JSON api_key"),
            c.make("log: JSON private_key")
        ),
        2,
    );
    add(
        "probe-pairs",
        format!(
            "probe-pairs client_secret={} refresh_token={}",
            c.make("log: client_secret="),
            c.make("log: refresh_token=")
        ),
        2,
    );
    out
}

const CLEAN_LINE: &str = r#"{"timestamp":"2026-11-22 09:30:00.000 Z","level":"info","msg":"Server is starting","caller":"app/server.go:100","version":"11.4.4"}"#;

fn write_json(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// A metrics listener on a free port of 127.0.0.1 that answers every pprof route at once: a
/// small gzip for the binary profiles, `goroutines` for the text dump. Counts the requests.
struct FakeMetrics {
    port: u16,
    asked: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FakeMetrics {
    fn port(&self) -> u16 {
        self.port
    }

    fn asked(&self) -> usize {
        self.asked.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn fake_metrics_listener(goroutines: String) -> FakeMetrics {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&asked);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 2048];
            let n = stream.read(&mut request).unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..n]).into_owned();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body: Vec<u8> = if request.starts_with("GET /debug/pprof/goroutine?debug=2 ") {
                goroutines.clone().into_bytes()
            } else {
                vec![
                    0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                ]
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    FakeMetrics { port, asked }
}

/// An install directory: config/config.json, plugins/<id>/plugin.json, logs/.
fn write_install(home: &Path, config: &Value, manifests: &[Value], log: &str, notifications: &str) {
    write_json(&home.join("config/config.json"), config);
    for manifest in manifests {
        let id = manifest["id"].as_str().unwrap();
        write_json(&home.join("plugins").join(id).join("plugin.json"), manifest);
    }
    std::fs::create_dir_all(home.join("logs")).unwrap();
    std::fs::write(home.join("logs/mattermost.log"), log).unwrap();
    if !notifications.is_empty() {
        std::fs::write(home.join("logs/notifications.log"), notifications).unwrap();
    }
}

/// The sanitized config holds exactly what is left of each secret, keeps what is not
/// secret, and redactions.txt names every hidden path.
fn assert_masked(packet: &Packet, masks: &[Masked]) {
    let sanitized = packet.json("sanitized_config.json");
    let redactions = packet.text("redactions.txt");
    let mut wrong = Vec::new();
    for m in masks {
        let got = sanitized.pointer(&m.pointer);
        if got.and_then(Value::as_str) != Some(m.expected.as_str()) {
            wrong.push(format!(
                "{}: expected {:?}, got {got:?}",
                m.pointer, m.expected
            ));
        }
        if !redactions.contains(&format!("  {}  ", m.path)) {
            wrong.push(format!("redactions.txt does not list {}", m.path));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n\nredactions.txt:\n{redactions}",
        wrong.join("\n")
    );
    assert_eq!(MASK.len(), 32);
    assert!(
        redactions.contains(&format!(
            "sanitized_config.json: {} values hidden",
            redactions
                .lines()
                .skip_while(|l| !l.starts_with("sanitized_config.json"))
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .count()
        )),
        "the count of hidden values matches the list:\n{redactions}"
    );
}

fn assert_kept(packet: &Packet, kept: &[(&str, &str)]) {
    let sanitized = packet.json("sanitized_config.json");
    for (pointer, value) in kept {
        assert_eq!(
            sanitized.pointer(pointer).and_then(Value::as_str),
            Some(*value),
            "{pointer} is not secret and must be kept"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The demo server's API, read directly

/// `GET path` on the demo server as its admin, over a plain HTTP/1.1 connection.
fn api_get(served: &Served, path: &str) -> Value {
    let addr = served.url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        served.token
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = memchr::memmem::find(&response, b"\r\n\r\n").expect("an HTTP response");
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let mut body = response[split + 4..].to_vec();
    assert!(
        head.starts_with("http/1.1 200"),
        "GET {path}: {head}\n{}",
        String::from_utf8_lossy(&body)
    );
    if head.contains("transfer-encoding: chunked") {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = memchr::memmem::find(rest, b"\r\n").unwrap();
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..line_end])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap();
            if size == 0 {
                break;
            }
            let start = line_end + 2;
            decoded.extend_from_slice(&rest[start..start + size]);
            rest = &rest[start + size + 2..];
        }
        body = decoded;
    }
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {path} is not JSON: {e}"))
}

fn cluster_nodes(served: &Served) -> Vec<String> {
    api_get(served, "/api/v4/cluster/status")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["hostname"].as_str().unwrap().to_string())
        .collect()
}

fn host_dir(dir: &Path) -> (PathBuf, [String; 2]) {
    let host = dir.join("host");
    std::fs::create_dir_all(&host).unwrap();
    let args = ["--host-dir".to_string(), host.display().to_string()];
    (host, args)
}

/// The architecture as Go names it, which the server writes.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// 1, 2: canaries

#[test]
fn canaries_from_disk_never_reach_the_packet() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mut c = Canaries::new();
    let (config, masks) = canary_config(&mut c);
    let lines = canary_log_lines(&mut c);
    let mut log = format!("{CLEAN_LINE}\n");
    for l in &lines {
        log.push_str(&l.line);
        log.push('\n');
    }
    let notification = format!(
        r#"{{"timestamp":"2026-11-22 09:32:00.000 Z","level":"info","msg":"probe-notification push sent","device_token":"{}"}}"#,
        c.make("notifications.log: JSON device_token")
    );
    // Today's layout's new files: an advanced logging target (the LDAP log) and the Go profiles
    // of a metrics listener whose goroutine dump holds secrets, as a stuck request's can.
    let mut config = config;
    config["LogSettings"]["AdvancedLoggingJSON"] =
        json!({"ldap": {"type": "file", "format": "json", "options": {"filename": "ldap.log"}}});
    let goroutines = format!(
        "goroutine 7 [IO wait]:\nmain.connect(\"postgres://mmuser:{}@db:5432/mattermost\")\n\t/src/main.go:9 +0x1d\nAuthorization: Bearer {}\n",
        c.make("goroutines: a DataSource password"),
        c.make("goroutines: a bearer token")
    );
    let listener = fake_metrics_listener(goroutines);
    config["MetricsSettings"] =
        json!({"Enable": true, "ListenAddress": format!(":{}", listener.port())});
    let ldap_line = format!(
        r#"{{"timestamp":"2026-11-22 09:33:00.000 Z","level":"LDAPInfo","msg":"probe-ldap bind","bind_password":"{}"}}"#,
        c.make("ldap.log: JSON bind_password")
    );
    write_install(
        &home,
        &config,
        &canary_manifests(),
        &log,
        &format!("{notification}\n"),
    );
    std::fs::write(home.join("logs/ldap.log"), format!("{ldap_line}\n")).unwrap();

    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let packet = Packet::open(&only_zip(&out));
    c.assert_none_in(&packet, &output);

    // The canaries were there to be hidden: the config and every log line went in.
    assert_masked(&packet, &masks);
    let mut kept = KEPT.to_vec();
    kept.push((
        "/PluginSettings/Plugins/com.example.canary/endpoint",
        "https://canary-plugin.example.com",
    ));
    assert_kept(&packet, &kept);
    let sanitized = packet.json("sanitized_config.json");
    assert_eq!(
        sanitized.pointer("/PluginSettings/Plugins/com.example.nomanifest/count"),
        Some(&json!(MASK)),
        "every setting of a plugin without a manifest is hidden, numbers too"
    );
    let redactions = packet.text("redactions.txt");
    assert!(
        redactions.contains(
            "  PluginSettings.Plugins.com.example.canary.blob  masked (marked secret in the plugin's manifest)"
        ),
        "{redactions}"
    );
    let mattermost_log = packet.text("mattermost.log");
    assert!(
        mattermost_log.starts_with(&format!("{CLEAN_LINE}\n")),
        "a clean line goes in as it is:\n{mattermost_log}"
    );
    assert_eq!(mattermost_log.lines().count(), lines.len() + 1);
    for l in &lines {
        let cleaned = mattermost_log
            .lines()
            .find(|line| line.contains(&l.probe))
            .unwrap_or_else(|| panic!("the {} line is missing:\n{mattermost_log}", l.probe));
        assert!(cleaned.contains("****"), "{cleaned}");
    }
    let notifications = packet.text("notifications.log");
    assert!(
        notifications.contains("probe-notification")
            && notifications.contains("\"device_token\":\"****\""),
        "{notifications}"
    );
    let ldap = packet.text("ldap.log");
    assert!(
        ldap.contains("probe-ldap") && ldap.contains("\"bind_password\":\"****\""),
        "{ldap}"
    );
    let goroutines = packet.text("goroutines");
    assert!(
        goroutines.starts_with("goroutine 7 [IO wait]:") && goroutines.contains("****"),
        "{goroutines}"
    );
    assert_eq!(
        listener.asked(),
        3,
        "cpu.prof, heap.prof and goroutines were each asked once"
    );
    assert!(packet.names().contains(&"cpu.prof") && packet.names().contains(&"heap.prof"));
    // ldap.log's password, the goroutine dump's DataSource password and bearer token.
    let replaced: u64 = lines.iter().map(|l| l.replaced).sum::<u64>() + 4;
    assert!(
        redactions.contains(&format!("logs: {replaced} values replaced")),
        "{redactions}\n{mattermost_log}\n{notifications}"
    );
    assert!(
        redactions.contains(&format!("credentials, tokens and secrets: {replaced}")),
        "{redactions}"
    );
    assert!(
        stdout.contains(&format!("{replaced} values in the logs replaced")),
        "{stdout}"
    );

    // The plugins come from the manifests on disk, sorted by PluginStates.
    let plugins = packet.json("plugins.json");
    let ids = |state: &str| -> BTreeSet<String> {
        plugins[state]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids("active"),
        BTreeSet::from(["com.mattermost.calls", "github", "com.example.canary"].map(String::from))
    );
    assert_eq!(ids("inactive"), BTreeSet::from(["jira".to_string()]));
    let metadata = packet.yaml("metadata.yaml");
    assert_eq!(
        metadata["extras"]["config_source"].as_str(),
        Some("config/config.json in the install directory")
    );
    assert_hidden_values_absent(&packet, &config, &sanitized);
}

#[test]
fn canaries_over_the_local_socket_never_reach_the_packet() {
    let dir = tempfile::tempdir().unwrap();
    let (host, args) = host_dir(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let socket = host.join("mm.sock");
    let mut c = Canaries::new();
    let (config, masks) = canary_config(&mut c);
    let lines = canary_log_lines(&mut c);
    // The demo keeps this config (like a real server) and serves it raw over the socket; it
    // writes its own manifests for calls, github and jira, and leaves com.example.canary's.
    write_install(&host, &config, &canary_manifests(), "", "");
    let served = serve_with(
        dir.path(),
        args.iter()
            .map(String::as_str)
            .chain(["--local-socket", socket.to_str().unwrap()]),
    );
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(host.join("config/config.json")).unwrap()).unwrap();
    assert_eq!(on_disk, config, "the demo runs with the install's config");
    // Lines with canaries in the server's log, which the packet reads over the REST API.
    let mut appended = String::new();
    for l in &lines {
        appended.push_str(&l.line);
        appended.push('\n');
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(host.join("logs/mattermost.log"))
        .unwrap()
        .write_all(appended.as_bytes())
        .unwrap();

    let output = packet(
        dir.path(),
        [
            OsStr::new("--local"),
            socket.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let packet = Packet::open(&only_zip(&out));
    c.assert_none_in(&packet, &output);

    let metadata = packet.yaml("metadata.yaml");
    assert_eq!(
        metadata["extras"]["config_source"].as_str(),
        Some("GET /api/v4/config over the local socket"),
        "the config came over the socket, unmasked by the server"
    );
    assert_masked(&packet, &masks);
    assert_kept(&packet, KEPT);
    let sanitized = packet.json("sanitized_config.json");
    assert_eq!(
        sanitized.pointer("/PluginSettings/Plugins/com.example.canary/endpoint"),
        Some(&json!(MASK)),
        "the server does not know com.example.canary: all its settings are hidden"
    );
    let logs: String = packet.logs().iter().map(|name| packet.text(name)).collect();
    for l in &lines {
        let cleaned = logs
            .lines()
            .find(|line| line.contains(&l.probe))
            .unwrap_or_else(|| panic!("the {} line is missing from {:?}", l.probe, packet.logs()));
        assert!(cleaned.contains("****"), "{cleaned}");
    }
    assert_hidden_values_absent(&packet, &config, &sanitized);
    drop(served);
}

// ---------------------------------------------------------------------------------------------
// 3: contents against the demo's own data

#[test]
fn contents_match_the_demo_servers_data() {
    let dir = tempfile::tempdir().unwrap();
    let (host, args) = host_dir(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let served = serve_with(dir.path(), &args);

    let before = chrono::Utc::now().timestamp_millis();
    let output = mmops(dir.path())
        .args(["packet", "--url", &served.url, "-o"])
        .arg(&out)
        .env("MMOPS_TOKEN", &served.token)
        .output()
        .unwrap();
    let after = chrono::Utc::now().timestamp_millis();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        !stdout.contains(&served.token) && !stderr.contains(&served.token),
        "the token leaked"
    );

    // The file: its name, its mode, and the report on stdout.
    let path = only_zip(&out);
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    let pattern =
        regex::Regex::new(r"^mattermost_support_packet_\d{4}-\d\d-\d\d-\d\d-\d\d\.zip$").unwrap();
    assert!(pattern.is_match(&name), "{name}");
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let packet = Packet::open(&path);
    let mut report = stdout.lines();
    assert_eq!(report.next(), Some(path.to_str().unwrap()), "{stdout}");
    let summary = report.next().unwrap();
    assert!(
        summary.ends_with(&format!(" compressed, {} files:", packet.entries.len())),
        "{stdout}"
    );
    let listed: Vec<String> = report
        .by_ref()
        .take(packet.entries.len())
        .map(|l| l.split_whitespace().last().unwrap().to_string())
        .collect();
    assert_eq!(listed, packet.names(), "{stdout}");
    assert!(
        stdout
            .lines()
            .filter(|l| l.ends_with("support_packet.yaml"))
            .any(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit())),
        "each file is listed with its size:\n{stdout}"
    );

    // What the demo's API says.
    let client = api_get(&served, "/api/v4/config/client?format=old");
    let license = api_get(&served, "/api/v4/license/client?format=old");
    let ping = api_get(&served, "/api/v4/system/ping?get_server_status=true");
    let plugins = api_get(&served, "/api/v4/plugins");
    let api_config = api_get(&served, "/api/v4/config");
    let me = api_get(&served, "/api/v4/users/me");
    let schema = api_get(&served, "/api/v4/system/schema/version")
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["version"].as_i64().unwrap())
        .max()
        .unwrap();
    let stats: HashMap<String, i64> = api_get(&served, "/api/v4/analytics/old?name=standard")
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["name"].as_str().unwrap().to_string(),
                row["value"].as_i64().unwrap(),
            )
        })
        .collect();
    let nodes = cluster_nodes(&served);
    let s = |v: &Value| serde_yaml::Value::String(v.as_str().unwrap().to_string());
    let n = |v: i64| serde_yaml::Value::Number(v.into());

    // support_packet.yaml, field by field.
    let expected: BTreeMap<String, serde_yaml::Value> = [
        ("server_version", s(&client["Version"])),
        ("build_hash", s(&client["BuildHash"])),
        ("database_type", s(&client["SQLDriverName"])),
        (
            "database_schema_version",
            serde_yaml::Value::String(schema.to_string()),
        ),
        (
            "websocket_connections",
            n(stats["total_websocket_connections"]),
        ),
        (
            "master_db_connections",
            n(stats["total_master_db_connections"]),
        ),
        ("read_db_connections", n(stats["total_read_db_connections"])),
        ("file_driver", s(&api_config["FileSettings"]["DriverName"])),
        ("file_status", s(&ping["filestore_status"])),
        ("license_to", s(&license["Company"])),
        (
            "license_supported_users",
            n(license["Users"].as_str().unwrap().parse().unwrap()),
        ),
        (
            "license_is_trial",
            serde_yaml::Value::Bool(license["IsTrial"] == "true"),
        ),
        ("license_id", s(&license["Id"])),
        ("active_users", n(stats["unique_user_count"])),
        ("daily_active_users", n(stats["daily_active_users"])),
        ("monthly_active_users", n(stats["monthly_active_users"])),
        ("inactive_user_count", n(stats["inactive_user_count"])),
        ("total_posts", n(stats["post_count"])),
        (
            "total_channels",
            n(stats["channel_open_count"] + stats["channel_private_count"]),
        ),
        ("total_teams", n(stats["team_count"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(packet.yaml("support_packet.yaml"), expected);
    let explained = assert_missing_keys_explained(&packet);
    assert!(
        explained["server_os"].contains("--mm-home"),
        "{explained:?}"
    );
    assert!(
        explained["database_version"].contains("server-built packet"),
        "{explained:?}"
    );

    // metadata.yaml
    let metadata = packet.yaml("metadata.yaml");
    assert_eq!(metadata["version"].as_u64(), Some(1));
    assert_eq!(metadata["type"].as_str(), Some("support-packet"));
    let generated_at = metadata["generated_at"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&generated_at),
        "{before} <= {generated_at} <= {after}"
    );
    let minute = chrono::DateTime::from_timestamp_millis(generated_at)
        .unwrap()
        .format("%Y-%m-%d-%H-%M");
    assert_eq!(name, format!("mattermost_support_packet_{minute}.zip"));
    assert_eq!(yaml_str(&metadata, "server_version"), client["Version"]);
    assert_eq!(yaml_str(&metadata, "server_id"), client["DiagnosticId"]);
    assert_eq!(yaml_str(&metadata, "license_id"), license["Id"]);
    let version = mmops(dir.path()).arg("--version").output().unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
    let extras = &metadata["extras"];
    assert_eq!(extras["generated_by"].as_str(), Some(version.trim()));
    assert_eq!(extras["requested_by"].as_str(), me["username"].as_str());
    assert_eq!(extras["logs_included"].as_bool(), Some(true));
    assert_eq!(extras["privacy_mode"].as_bool(), Some(false));
    assert_eq!(extras["config_source"].as_str(), Some("GET /api/v4/config"));

    // plugins.json: the manifests as the server returns them.
    let in_packet = packet.json("plugins.json");
    assert_eq!(in_packet, plugins);
    assert!(!plugins["active"].as_array().unwrap().is_empty());
    assert!(!plugins["inactive"].as_array().unwrap().is_empty());

    // sanitized_config.json: the API's config, with what the server left unmasked hidden too.
    let sanitized = packet.json("sanitized_config.json");
    let mut api_leaves = Vec::new();
    leaves(&api_config, String::new(), &mut api_leaves);
    for (pointer, value) in &api_leaves {
        let got = sanitized
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is gone"));
        let hidden = got
            .as_str()
            .is_some_and(|g| g == MASK || g.contains("****"));
        assert!(got == value || hidden, "{pointer}: {value} became {got}");
    }
    for pointer in [
        "/ServiceSettings/GoogleDeveloperKey",
        "/ServiceSettings/GiphySdkKey",
        "/FileSettings/ExportAmazonS3SecretAccessKey",
        "/PluginSettings/Plugins/com.mattermost.calls/turnstaticauthsecret",
    ] {
        assert_eq!(sanitized.pointer(pointer), Some(&json!(MASK)), "{pointer}");
    }
    let raw: Value =
        serde_json::from_slice(&std::fs::read(host.join("config/config.json")).unwrap()).unwrap();
    let hidden = assert_hidden_values_absent(&packet, &raw, &sanitized);
    assert!(hidden >= 15, "only {hidden} secrets checked");

    // The logs, one per node, and the rest of the files.
    let mut names: Vec<String> = vec![
        "metadata.yaml".into(),
        "support_packet.yaml".into(),
        "diagnostics.yaml".into(),
        "stats.yaml".into(),
        "jobs.yaml".into(),
        "permissions.yaml".into(),
        "plugins.json".into(),
        "sanitized_config.json".into(),
    ];
    let mut node_logs: Vec<String> = nodes
        .iter()
        .map(|n| format!("{n}/mattermost.log"))
        .collect();
    node_logs.sort();
    names.extend(node_logs);
    names.extend(["warning.txt".into(), "redactions.txt".into()]);
    assert_eq!(packet.names(), names);
}

/// mmops on the host of a running server (the install directory, no API): every log the install
/// writes and the Go profiles from the metrics listener the config names, in this node's folder
/// as the server's 10.10+ packet puts a cluster node's files.
#[test]
fn on_the_host_every_log_and_the_go_profiles_go_in() {
    let dir = tempfile::tempdir().unwrap();
    let (host, args) = host_dir(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let served = serve_with(dir.path(), &args);
    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            host.as_os_str(),
            OsStr::new("--cpu-profile-seconds"),
            OsStr::new("1"),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let zip = Packet::open(&only_zip(&out));
    let folder = format!("{}/", mmops::host::hostname());
    let names = zip.names();
    for name in [
        "mattermost.log",
        "audit.log",
        "ldap.log",
        "cpu.prof",
        "heap.prof",
        "goroutines",
    ] {
        let name = format!("{folder}{name}");
        assert!(names.contains(&name.as_str()), "{name} in {names:?}");
    }
    for binary in ["cpu.prof", "heap.prof"] {
        let bytes = zip.bytes(&format!("{folder}{binary}"));
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{binary} is gzipped pprof");
        let mut proto = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut proto)
            .unwrap();
        assert!(!proto.is_empty());
    }
    assert_eq!(
        zip.text(&format!("{folder}goroutines")),
        mmops::demo::metrics::goroutine_dump(),
        "the dump goes in as the listener gave it (nothing in it to clean)"
    );
    let warning = zip.text("warning.txt");
    assert!(!warning.contains("cpu.prof"), "{warning}");
    drop(served);

    // The listener gone: each profile named in warning.txt, the rest of the packet intact.
    let out = dir.path().join("out-stopped");
    std::fs::create_dir_all(&out).unwrap();
    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            host.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let zip = Packet::open(&only_zip(&out));
    let warning = zip.text("warning.txt");
    assert!(
        warning.contains(&format!(
            "{folder}cpu.prof, {folder}heap.prof and {folder}goroutines are missing: the metrics listener at http://127.0.0.1:"
        )),
        "{warning}"
    );
    assert!(
        !zip.names()
            .iter()
            .any(|n| n.ends_with(".prof") || n.ends_with("goroutines"))
    );
}

// ---------------------------------------------------------------------------------------------
// 4: the install directory with the server stopped

#[test]
fn the_install_directory_alone_with_the_server_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (host, args) = host_dir(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let served = serve_with(dir.path(), &args);
    drop(served);

    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            host.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let packet = Packet::open(&only_zip(&out));
    // What only the API gives is named as missing, file by file.
    let warning = packet.text("warning.txt");
    for file in ["jobs.yaml", "permissions.yaml"] {
        assert!(
            warning.contains(&format!("{file} is missing: no server connection")),
            "{warning}"
        );
    }
    let raw: Value =
        serde_json::from_slice(&std::fs::read(host.join("config/config.json")).unwrap()).unwrap();

    // The log file, whole: the same lines, only secrets changed.
    let cluster = raw["ClusterSettings"]["Enable"].as_bool() == Some(true);
    let folder = if cluster {
        format!("{}/", mmops::host::hostname())
    } else {
        String::new()
    };
    let log_name = format!("{folder}mattermost.log");
    // Every log the install writes: the server's, the audit file, the LDAP target of the
    // advanced logging settings.
    assert_eq!(
        packet.logs(),
        ["mattermost.log", "audit.log", "ldap.log"].map(|name| format!("{folder}{name}"))
    );
    let ldap = packet.text(&format!("{folder}ldap.log"));
    assert_eq!(
        ldap,
        std::fs::read_to_string(host.join("logs/ldap.log")).unwrap()
    );
    let on_disk = std::fs::read_to_string(host.join("logs/mattermost.log")).unwrap();
    let in_zip = packet.text(&log_name);
    assert_eq!(in_zip.lines().count(), on_disk.lines().count());
    let mut same = 0;
    for (disk, zip) in on_disk.lines().zip(in_zip.lines()) {
        if disk == zip {
            same += 1;
        } else {
            assert!(
                zip.contains("****"),
                "changed without a reason:\n{disk}\n{zip}"
            );
        }
    }
    assert!(same > on_disk.lines().count() / 2, "{same} lines unchanged");

    // What the host gives, and why the rest is missing.
    let yaml = packet.yaml("support_packet.yaml");
    assert_eq!(yaml_str(&yaml, "server_os"), std::env::consts::OS);
    assert_eq!(yaml_str(&yaml, "server_architecture"), go_arch());
    assert_eq!(
        yaml_str(&yaml, "database_type"),
        raw["SqlSettings"]["DriverName"]
    );
    assert_eq!(
        yaml_str(&yaml, "file_driver"),
        raw["FileSettings"]["DriverName"]
    );
    let explained = assert_missing_keys_explained(&packet);
    for key in ["server_version", "build_hash", "total_posts", "license_id"] {
        assert!(
            explained[key].contains("no server connection"),
            "{key}: {}",
            explained[key]
        );
    }
    let metadata = packet.yaml("metadata.yaml");
    assert_eq!(yaml_str(&metadata, "server_version"), "");
    assert_eq!(
        metadata["extras"]["config_source"].as_str(),
        Some("config/config.json in the install directory")
    );

    // The plugins from their manifests, sorted by the config's PluginStates.
    let plugins = packet.json("plugins.json");
    let mut active = Vec::new();
    let mut inactive = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(host.join("plugins"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for plugin in dirs {
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(plugin.join("plugin.json")).unwrap()).unwrap();
        let id = manifest["id"].as_str().unwrap();
        if raw["PluginSettings"]["PluginStates"][id]["Enable"] == true {
            active.push(manifest);
        } else {
            inactive.push(manifest);
        }
    }
    assert_eq!(plugins, json!({"active": active, "inactive": inactive}));

    let sanitized = packet.json("sanitized_config.json");
    let hidden = assert_hidden_values_absent(&packet, &raw, &sanitized);
    assert!(hidden >= 15, "only {hidden} secrets checked");
}

// ---------------------------------------------------------------------------------------------
// 5: a cluster's logs per node

#[test]
fn a_cluster_gives_one_log_per_node() {
    let dir = tempfile::tempdir().unwrap();
    let (host, args) = host_dir(dir.path());
    let served = serve_with(dir.path(), &args);
    let nodes = cluster_nodes(&served);
    assert_eq!(nodes.len(), 2, "the demo is a two-node cluster");
    let run = |out: &Path, extra: &[&OsStr]| {
        std::fs::create_dir_all(out).unwrap();
        let output = mmops(dir.path())
            .args(["packet", "--url", &served.url, "-o"])
            .arg(out)
            .args(extra)
            .env("MMOPS_TOKEN", &served.token)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
        Packet::open(&only_zip(out))
    };

    // Over the REST API alone: each node's log under its name.
    let packet = run(&dir.path().join("rest"), &[]);
    let expected: Vec<String> = nodes
        .iter()
        .map(|n| format!("{n}/mattermost.log"))
        .collect();
    let sorted = |mut names: Vec<String>| {
        names.sort();
        names
    };
    assert_eq!(
        sorted(packet.logs().into_iter().map(String::from).collect()),
        sorted(expected.clone())
    );
    let on_disk: BTreeSet<String> = std::fs::read_to_string(host.join("logs/mattermost.log"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let first = packet.text(&expected[0]);
    assert!(first.lines().count() > 10, "{first}");
    for line in first.lines().filter(|l| !l.contains("****")) {
        assert!(
            on_disk.contains(line),
            "not in the first node's log: {line}"
        );
    }
    let second = packet.text(&expected[1]);
    assert!(second.lines().count() > 10, "{second}");
    assert!(
        second.lines().filter(|l| on_disk.contains(*l)).count() < second.lines().count(),
        "the second node has a log of its own"
    );
    let warning = packet.text("warning.txt");
    assert!(
        warning.contains("read over the REST API") && warning.contains("--mm-home"),
        "{warning}"
    );

    // With the install directory too: this host's file, and the nodes from the API.
    let this_host = mmops::host::hostname();
    let packet = run(
        &dir.path().join("both"),
        &[OsStr::new("--mm-home"), host.as_os_str()],
    );
    let mut expected_logs = expected.clone();
    if !nodes.contains(&this_host) {
        for name in ["mattermost.log", "audit.log", "ldap.log"] {
            expected_logs.push(format!("{this_host}/{name}"));
        }
        let warning = packet.text("warning.txt");
        assert!(
            warning.contains(&format!(
                "this host ({this_host}) is not one of the cluster's nodes"
            )),
            "{warning}"
        );
    }
    expected_logs.sort();
    let mut logs: Vec<String> = packet.logs().into_iter().map(String::from).collect();
    logs.sort();
    assert_eq!(logs, expected_logs);
    let yaml = packet.yaml("support_packet.yaml");
    assert_eq!(yaml_str(&yaml, "server_os"), std::env::consts::OS);
    drop(served);
}

// ---------------------------------------------------------------------------------------------
// 6: without logs

#[test]
fn no_logs_leaves_the_logs_and_the_advice_out() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let config = json!({
        "SqlSettings": {"DriverName": "postgres", "DataSource": "postgres://mm:pw-not-logged@db:5432/mm"},
        "LogSettings": {"EnableFile": true, "FileLevel": "INFO", "FileLocation": ""},
        "ClusterSettings": {"Enable": false}
    });
    write_install(
        &home,
        &config,
        &[],
        &format!("{CLEAN_LINE}\n"),
        &format!("{CLEAN_LINE}\n"),
    );

    // With logs at INFO, the spec's advice comes first.
    let with_logs = dir.path().join("with");
    std::fs::create_dir_all(&with_logs).unwrap();
    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            with_logs.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("set Output Logs to File to true and set File Log Level to DEBUG"),
        "{stderr}"
    );
    let packet_with = Packet::open(&only_zip(&with_logs));
    assert_eq!(
        packet_with.logs(),
        vec!["mattermost.log", "notifications.log"]
    );

    // --no-logs, into the current directory: no logs, no advice, and metadata says so.
    let cwd = dir.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let run = || {
        mmops(dir.path())
            .current_dir(&cwd)
            .args(["packet", "--no-logs", "--mm-home"])
            .arg(&home)
            .output()
            .unwrap()
    };
    let output = run();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stderr.contains("File Log Level"), "{stderr}");
    let first = only_zip(&cwd);
    let packet = Packet::open(&first);
    assert!(packet.logs().is_empty(), "{:?}", packet.names());
    assert!(!stdout.contains(".log"), "{stdout}");
    let metadata = packet.yaml("metadata.yaml");
    assert_eq!(metadata["extras"]["logs_included"].as_bool(), Some(false));
    assert!(
        packet
            .text("redactions.txt")
            .contains("logs: 0 values replaced"),
        "{}",
        packet.text("redactions.txt")
    );
    assert!(
        !packet.text("warning.txt").contains("mattermost.log"),
        "leaving the logs out is not a failure to collect them"
    );

    // Again in the same directory: a second file, never over the first.
    let first_bytes = std::fs::read(&first).unwrap();
    let output = run();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let names = files_in(&cwd);
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(std::fs::read(&first).unwrap(), first_bytes);
    let first_name = first.file_name().unwrap().to_str().unwrap();
    let stem = first_name.strip_suffix(".zip").unwrap();
    let second = names.iter().find(|n| *n != first_name).unwrap();
    assert!(
        *second == format!("{stem}-2.zip") || second.as_str() > first_name,
        "{names:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 7: privacy mode

#[test]
fn privacy_mode_gives_each_value_one_stable_pseudonym() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (uid_a, uid_b) = ("ywjghghwxxea8dgfznz7wrdzdo", "k3m9p2q7r5s8t1u4v6w0x2y4z6");
    let (name_a, name_b) = ("ana.lopez", "li.wei");
    let (mail_a, mail_b) = ("ana.lopez@example.org", "li.wei@example.net");
    let (ip_a, ip_b, ip_c) = ("10.20.7.9", "192.168.40.17", "fe80::1ff:fe23:4567:890a");
    let request_id = "kxa4zyzayyysfogi585aw7k89o";
    let login = |uid: &str, name: &str, ip: &str, mail: &str| {
        format!(
            r#"{{"timestamp":"2026-11-22 09:30:00.000 Z","level":"info","msg":"login","user_id":"{uid}","username":"{name}","ip_addr":"{ip}","email":"{mail}","request_id":"{request_id}"}}"#
        )
    };
    let log = [
        login(uid_a, name_a, ip_a, mail_a),
        login(uid_b, name_b, ip_b, mail_b),
        format!(
            r#"{{"timestamp":"2026-11-22 09:30:01.000 Z","level":"debug","msg":"Received HTTP request","url":"/api/v4/users/{uid_a}/teams","ip_addr":"{ip_a}"}}"#
        ),
        login(uid_a, name_a, ip_c, mail_a),
        format!("user_id={uid_b} username={name_b} from {ip_b} mail {mail_b}"),
        login(uid_b, name_b, ip_b, mail_b),
        login(uid_a, name_a, ip_a, mail_a),
    ]
    .join("\n")
        + "\n";
    let config = json!({"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}, "ClusterSettings": {"Enable": false}});
    write_install(&home, &config, &[], &log, "");

    let output = packet(
        dir.path(),
        [
            OsStr::new("--privacy"),
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let packet = Packet::open(&only_zip(&out));
    let cleaned = packet.text("mattermost.log");
    let lines: Vec<&str> = cleaned.lines().collect();
    assert_eq!(lines.len(), 7, "{cleaned}");

    // The originals are gone from everything in the packet.
    for original in [
        uid_a, uid_b, name_a, name_b, mail_a, mail_b, ip_a, ip_b, ip_c,
    ] {
        for (name, bytes) in &packet.entries {
            assert!(!contains(bytes, original), "{original} is still in {name}");
        }
    }
    assert!(cleaned.contains(request_id), "other ids are left alone");

    // Each original has one pseudonym everywhere, and different originals different ones.
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut note = |original: &'static str, pseudonym: &str| {
        seen.entry(original)
            .or_default()
            .insert(pseudonym.to_string());
    };
    let field = |line: &str, key: &str| -> String {
        let value: Value = serde_json::from_str(line).unwrap();
        value[key].as_str().unwrap().to_string()
    };
    for (i, (uid, name, ip, mail)) in [
        (0, (uid_a, name_a, ip_a, mail_a)),
        (1, (uid_b, name_b, ip_b, mail_b)),
        (3, (uid_a, name_a, ip_c, mail_a)),
        (5, (uid_b, name_b, ip_b, mail_b)),
        (6, (uid_a, name_a, ip_a, mail_a)),
    ] {
        note(uid, &field(lines[i], "user_id"));
        note(name, &field(lines[i], "username"));
        note(ip, &field(lines[i], "ip_addr"));
        note(mail, &field(lines[i], "email"));
    }
    let url = field(lines[2], "url");
    let in_url = url
        .strip_prefix("/api/v4/users/")
        .and_then(|rest| rest.strip_suffix("/teams"))
        .unwrap_or_else(|| panic!("{url}"));
    note(uid_a, in_url);
    note(ip_a, &field(lines[2], "ip_addr"));
    let plain = regex::Regex::new(r"^user_id=(\S+) username=(\S+) from (\S+) mail (\S+)$")
        .unwrap()
        .captures(lines[4])
        .unwrap_or_else(|| panic!("{}", lines[4]));
    note(uid_b, &plain[1]);
    note(name_b, &plain[2]);
    note(ip_b, &plain[3]);
    note(mail_b, &plain[4]);

    let mut all = BTreeSet::new();
    for (original, pseudonyms) in &seen {
        assert_eq!(
            pseudonyms.len(),
            1,
            "{original} got several pseudonyms: {pseudonyms:?}"
        );
        let pseudonym = pseudonyms.first().unwrap();
        assert_ne!(pseudonym, original);
        assert!(
            all.insert(pseudonym.clone()),
            "two values share the pseudonym {pseudonym}"
        );
    }
    assert_eq!(all.len(), 9);
    let user_id_shape = regex::Regex::new("^[a-z0-9]{26}$").unwrap();
    for uid in [uid_a, uid_b] {
        let pseudonym = seen[uid].first().unwrap();
        assert!(user_id_shape.is_match(pseudonym), "{pseudonym}");
    }

    let metadata = packet.yaml("metadata.yaml");
    assert_eq!(metadata["extras"]["privacy_mode"].as_bool(), Some(true));
    assert!(
        packet
            .text("redactions.txt")
            .contains("Privacy mode was on"),
        "{}",
        packet.text("redactions.txt")
    );
}

// ---------------------------------------------------------------------------------------------
// 8: other tools read the zip

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "`{name}` is needed to check the packet with another zip reader and is not installed \
         (CI: add it to the apt packages in .ci/run)"
    );
    Command::new(name)
}

#[test]
fn the_zip_passes_unzip_and_python() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mut log = String::new();
    for i in 0..20_000 {
        log.push_str(&format!(
            r#"{{"timestamp":"2026-11-22 09:30:00.{:03} Z","level":"debug","msg":"Received HTTP request","url":"/api/v4/channels/{i:026}/posts?t=token{i}"}}"#,
            i % 1000
        ));
        log.push('\n');
    }
    let config = json!({"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}, "ClusterSettings": {"Enable": false}});
    write_install(
        &home,
        &config,
        &canary_manifests(),
        &log,
        &format!("{CLEAN_LINE}\n"),
    );
    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let zip = only_zip(&out);
    let packet = Packet::open(&zip);
    assert_eq!(packet.text("mattermost.log").lines().count(), 20_000);

    let unzip = tool("unzip").arg("-t").arg(&zip).output().unwrap();
    let (stdout, stderr) = text(&unzip);
    assert!(unzip.status.success(), "unzip -t failed:\n{stdout}{stderr}");
    assert!(stdout.contains("No errors detected"), "{stdout}");

    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        assert z.testzip() is None, z.testzip()\n\
        for info in z.infolist():\n    \
            print(info.filename, info.file_size, oct((info.external_attr >> 16) & 0o777))\n";
    let python = tool("python3")
        .args(["-c", script])
        .arg(&zip)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&python);
    assert!(
        python.status.success(),
        "Python's zipfile failed:\n{stdout}{stderr}"
    );
    let listed: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(listed, packet.names());
    for line in stdout.lines() {
        assert!(line.ends_with(" 0o600"), "each entry is private: {line}");
    }
}

// ---------------------------------------------------------------------------------------------
// 9: a packet appears whole or not at all

/// Undoes what made a directory unwritable, so the temporary directory can be removed.
struct Unwritable {
    path: PathBuf,
    immutable: bool,
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        } else {
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o700));
        }
    }
}

#[test]
fn an_unwritable_directory_is_a_clear_error_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let config = json!({"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}});
    write_install(&home, &config, &[], &format!("{CLEAN_LINE}\n"), "");
    let out = dir.path().join("read-only");
    std::fs::create_dir_all(&out).unwrap();
    // Root ignores permissions; an immutable directory stops root too.
    let guard = if nix::unistd::geteuid().is_root() {
        let made = Command::new("chattr").arg("+i").arg(&out).output();
        if !made.is_ok_and(|o| o.status.success()) {
            eprintln!("skipped: running as root, and chattr +i is not available here");
            return;
        }
        Unwritable {
            path: out.clone(),
            immutable: true,
        }
    } else {
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o500)).unwrap();
        Unwritable {
            path: out.clone(),
            immutable: false,
        }
    };
    let output = packet(
        dir.path(),
        [
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    drop(guard);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "the support packet was not written in {}",
            out.display()
        )) && stderr.contains(&format!("cannot write in {}", out.display())),
        "{stderr}"
    );
    assert_eq!(files_in(&out), Vec::<String>::new());
}

/// An install whose log is `mib` MiB of varied text, written fast: one 1 MiB block of
/// pseudo-random lines repeated (farther apart than deflate's window), each copy numbered.
fn big_install(home: &Path, mib: usize) {
    let config = json!({"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}, "ClusterSettings": {"Enable": false}});
    write_install(home, &config, &[], "", "");
    let mut block = String::with_capacity(1 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while block.len() < (1 << 20) - 300 {
        let mut word = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (a, b, c) = (word(), word(), word());
        block.push_str(&format!(
            r#"{{"timestamp":"2026-11-22 09:30:00.000 Z","level":"debug","msg":"Received HTTP request","request_id":"{a:016x}{b:016x}","url":"/api/v4/posts/{c:x}"}}"#
        ));
        block.push('\n');
    }
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(home.join("logs/mattermost.log")).unwrap());
    for i in 0..mib {
        writeln!(file, r#"{{"msg":"block {i}"}}"#).unwrap();
        file.write_all(block.as_bytes()).unwrap();
    }
    file.flush().unwrap();
}

/// Read from `/proc/<pid>/io`.
fn bytes_read(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits until the packet is being written: the process holds a file in `out` (with
/// O_TMPFILE one that has no name) and has read megabytes of the log. Returns whether a
/// named file could be seen in `out` meanwhile.
fn wait_until_writing(child: &mut Child, out: &Path) -> bool {
    let out = out.canonicalize().unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut visible = false;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("mmops packet ended ({status}) before it was caught writing");
        }
        let pending = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .any(|target| target.starts_with(&out));
        visible |= !files_in(&out).is_empty();
        if pending && bytes_read(pid) > 8 << 20 {
            return visible;
        }
        assert!(
            Instant::now() < deadline,
            "mmops packet did not start writing within 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn_packet(dir: &Path, home: &Path, out: &Path) -> Child {
    mmops(dir)
        .arg("packet")
        .arg("--mm-home")
        .arg(home)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn kill_9_while_writing_leaves_nothing() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    big_install(&home, 256);

    let mut child = spawn_packet(dir.path(), &home, &out);
    let visible = wait_until_writing(&mut child, &out);
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");
    assert_eq!(
        files_in(&out),
        Vec::<String>::new(),
        "kill -9 left files behind (a named file was visible while writing: {visible})"
    );

    // The directory takes a packet as before, under the plain name.
    let output = packet(
        dir.path(),
        [
            OsStr::new("--no-logs"),
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let zip = only_zip(&out);
    assert!(
        !zip.to_str().unwrap().ends_with("-2.zip"),
        "{}",
        zip.display()
    );
    Packet::open(&zip);
}

#[test]
fn ctrl_c_while_writing_exits_130_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    big_install(&home, 256);

    let mut child = spawn_packet(dir.path(), &home, &out);
    wait_until_writing(&mut child, &out);
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{:?}\n{stdout}{stderr}",
        output.status
    );
    assert!(
        stderr.contains("mmops: interrupted; no packet was written"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopping took {:?}",
        started.elapsed()
    );
    assert_eq!(files_in(&out), Vec::<String>::new());
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_nothing() {
    // A 256 KiB tmpfs in a private mount namespace: needs unshare and user namespaces.
    let probe = Command::new("unshare")
        .args(["-rm", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: `unshare -rm` (user and mount namespaces) is not available");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    let out = dir.path().join("small");
    std::fs::create_dir_all(&out).unwrap();
    big_install(&home, 2);
    let template = mmops(dir.path());
    let mut cmd = Command::new("unshare");
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    let output = cmd
        .args(["-rm", "sh", "-c"])
        .arg(
            r#"mount -t tmpfs -o size=256k mmops-full "$1" || exit 99
"$2" packet --mm-home "$3" -o "$1"
rc=$?
echo "left: [$(ls -A "$1")]"
exit $rc"#,
        )
        .arg("sh")
        .arg(&out)
        .arg(template.get_program())
        .arg(&home)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    if output.status.code() == Some(99) {
        eprintln!("skipped: cannot mount a tmpfs here: {stderr}");
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("left: []"),
        "a partial zip was left:\n{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "the support packet was not written in {}",
            out.display()
        )) && stderr.contains("No space left on device"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// 10: nothing to build from, nowhere to write

#[test]
fn no_source_and_no_directory_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let opt = Path::new(mmops::host::DEFAULT_MM_HOME);
    if std::fs::File::open(opt.join("config/config.json")).is_ok()
        || std::fs::read_dir(opt.join("logs")).is_ok()
    {
        eprintln!(
            "skipped the no-source case: {} is readable and would be used",
            opt.display()
        );
    } else {
        let output = packet(dir.path(), [OsStr::new("-o"), out.as_os_str()]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            stderr.contains("nothing to build a packet from")
                && stderr.contains("--url")
                && stderr.contains("--local")
                && stderr.contains("--mm-home"),
            "{stderr}"
        );
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(files_in(&out), Vec::<String>::new());
    }

    let home = dir.path().join("install");
    write_install(&home, &json!({}), &[], "", "");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let missing = dir.path().join("missing");
    for target in [&file, &missing] {
        let output = packet(
            dir.path(),
            [
                OsStr::new("--mm-home"),
                home.as_os_str(),
                OsStr::new("-o"),
                target.as_os_str(),
            ],
        );
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            stderr.contains(&format!("{} is not a directory", target.display())),
            "{stderr}"
        );
    }
    assert!(!missing.exists());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

// ---------------------------------------------------------------------------------------------
// Edge cases that once went wrong.

/// A packet from an install with `config` and `log`, read back; the run must succeed.
fn disk_packet(dir: &Path, config: &Value, log: &str) -> (Packet, Output) {
    let home = dir.join("install");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    write_install(&home, config, &[], log, "");
    let output = packet(
        dir,
        [
            OsStr::new("--mm-home"),
            home.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    (Packet::open(&only_zip(&out)), output)
}

/// A keyword DSN (libpq's `key=value` form) may quote a value that holds spaces:
/// `password='correct horse battery'`; the whole quoted value is masked.
#[test]
fn a_quoted_password_with_spaces_in_a_keyword_dsn_is_masked_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Canaries::new();
    let config = json!({
        "SqlSettings": {
            "DriverName": "postgres",
            "DataSource": format!("host=db.internal port=5432 user=mmuser password='correct horse {}' dbname=mattermost sslmode=disable", c.make("quoted DSN password, after a space")),
            "ReplicaLagSettings": [{"DataSource": format!("host=lag user='mm reader {}' password=x dbname=mattermost", c.make("quoted DSN user, after a space"))}]
        },
        "LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}
    });
    let (packet, output) = disk_packet(dir.path(), &config, &format!("{CLEAN_LINE}\n"));
    c.assert_none_in(&packet, &output);
}

/// "basic" or "bearer" in a sentence is not a credential: only an Authorization header's
/// value (or a token-shaped value after Bearer) is hidden, and counted.
#[test]
fn ordinary_words_after_basic_or_bearer_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG"}});
    let ordinary = [
        r#"{"timestamp":"2026-11-22 09:30:00.000 Z","level":"info","msg":"Using basic authentication for the proxy","caller":"app/proxy.go:41"}"#,
        r#"{"timestamp":"2026-11-22 09:30:01.000 Z","level":"warn","msg":"Rejected bearer credentials: wrong format","caller":"app/oauth.go:77"}"#,
    ];
    let header = r#"{"timestamp":"2026-11-22 09:30:02.000 Z","level":"debug","msg":"outgoing","Authorization":"Bearer abcdef0123456789"}"#;
    let log = format!("{}\n{}\n{header}\n", ordinary[0], ordinary[1]);
    let (packet, _) = disk_packet(dir.path(), &config, &log);
    let cleaned = packet.text("mattermost.log");
    let lines: Vec<&str> = cleaned.lines().collect();
    assert!(
        lines[2].contains("Bearer ****") && !lines[2].contains("abcdef0123456789"),
        "a real header is still cleaned: {}",
        lines[2]
    );
    assert_eq!(&lines[..2], &ordinary[..], "ordinary words were hidden");
    assert!(
        packet
            .text("redactions.txt")
            .contains("logs: 1 values replaced"),
        "{}",
        packet.text("redactions.txt")
    );
}

/// A JSON document logged as a string value (the server does this with
/// `EnableWebhookDebugging`) has escaped quotes: `"payload":"{\"password\":\"...\"}"`;
/// its secret members are cleaned too.
#[test]
fn secrets_in_json_logged_as_a_string_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Canaries::new();
    let config = json!({"LogSettings": {"EnableFile": true, "FileLevel": "DEBUG", "EnableWebhookDebugging": true}});
    let log = format!(
        r#"{{"timestamp":"2026-11-22 09:30:00.000 Z","level":"debug","msg":"Incoming webhook received","payload":"{{\"text\":\"deploy done\",\"password\":\"{}\",\"api_token\":\"{}\"}}"}}"#,
        c.make("password in an escaped JSON payload"),
        c.make("api_token in an escaped JSON payload")
    ) + "\n";
    let (packet, output) = disk_packet(dir.path(), &config, &log);
    assert!(packet.text("mattermost.log").contains("deploy done"));
    c.assert_none_in(&packet, &output);
}

/// After writing, the full path is printed, also for a relative `-o`.
#[test]
fn a_relative_output_directory_is_reported_as_a_full_path() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    write_install(&home, &json!({}), &[], "", "");
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    let output = mmops(dir.path())
        .current_dir(dir.path())
        .args(["packet", "--no-logs", "-o", "out", "--mm-home"])
        .arg(&home)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let zip = only_zip(&dir.path().join("out"));
    assert_eq!(stdout.lines().next(), zip.to_str(), "{stdout}");
}
