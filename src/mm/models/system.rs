//! Server facts: ping, client config, client licence, site statistics, cluster, schema.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient;

/// `GET /api/v4/system/ping` (with `get_server_status=true` for the database and file store).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Ping {
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub database_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub filestore_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub root_status: Option<bool>,
    #[serde(
        default,
        rename = "ActiveSearchBackend",
        deserialize_with = "lenient::opt_string"
    )]
    pub active_search_backend: Option<String>,
}

impl Ping {
    pub fn is_healthy(&self) -> bool {
        self.status.eq_ignore_ascii_case("ok")
    }
}

/// A flat `map<string,string>` as the server's `format=old` endpoints send it. Values that are
/// not strings (seen on odd servers and proxies) are turned into text rather than rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StringMap(pub BTreeMap<String, String>);

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, Value>::deserialize(d)?;
        Ok(StringMap(
            raw.into_iter()
                .map(|(k, v)| (k, lenient::value_to_string(&v)))
                .collect(),
        ))
    }
}

impl StringMap {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    fn flag(&self, key: &str) -> Option<bool> {
        self.get(key)
            .and_then(|v| lenient::parse_bool(&Value::String(v.to_string())))
    }

    fn number(&self, key: &str) -> Option<i64> {
        self.get(key)
            .and_then(|v| lenient::parse_i64(&Value::String(v.to_string())))
    }
}

/// `GET /api/v4/config/client?format=old`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct ClientConfig(pub StringMap);

impl ClientConfig {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }
    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }
    pub fn build_number(&self) -> Option<&str> {
        self.get("BuildNumber")
    }
    pub fn build_date(&self) -> Option<&str> {
        self.get("BuildDate")
    }
    pub fn build_hash(&self) -> Option<&str> {
        self.get("BuildHash")
    }
    pub fn enterprise_ready(&self) -> Option<bool> {
        self.0.flag("BuildEnterpriseReady")
    }
    pub fn site_name(&self) -> Option<&str> {
        self.get("SiteName")
    }
    pub fn site_url(&self) -> Option<&str> {
        self.get("SiteURL")
    }
    /// The server id: `DiagnosticId`, or `TelemetryId` on servers that renamed it.
    pub fn server_id(&self) -> Option<&str> {
        self.get("DiagnosticId").or_else(|| self.get("TelemetryId"))
    }
    pub fn installation_date_ms(&self) -> Option<i64> {
        self.0.number("InstallationDate").filter(|ms| *ms > 0)
    }
    pub fn schema_version(&self) -> Option<i64> {
        self.0.number("SchemaVersion")
    }
    pub fn sql_driver(&self) -> Option<&str> {
        self.get("SQLDriverName")
    }
    pub fn cluster_enabled(&self) -> Option<bool> {
        self.0.flag("EnableCluster")
    }
    pub fn file_logging(&self) -> Option<bool> {
        self.0.flag("EnableFile")
    }
    pub fn file_level(&self) -> Option<&str> {
        self.get("FileLevel")
    }
    /// True when the server sent the full config of an authenticated session, not only the
    /// few keys it gives anonymous callers.
    pub fn is_full(&self) -> bool {
        self.get("SQLDriverName").is_some() || self.get("InstallationDate").is_some()
    }
}

/// `GET /api/v4/license/client?format=old`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct ClientLicense(pub StringMap);

impl ClientLicense {
    pub fn is_licensed(&self) -> bool {
        self.0.flag("IsLicensed").unwrap_or(false)
    }
    pub fn sku_name(&self) -> Option<&str> {
        self.0.get("SkuName")
    }
    pub fn sku_short_name(&self) -> Option<&str> {
        self.0.get("SkuShortName")
    }
    pub fn users(&self) -> Option<i64> {
        self.0.number("Users")
    }
    pub fn issued_at_ms(&self) -> Option<i64> {
        self.0.number("IssuedAt")
    }
    pub fn starts_at_ms(&self) -> Option<i64> {
        self.0.number("StartsAt")
    }
    pub fn expires_at_ms(&self) -> Option<i64> {
        self.0.number("ExpiresAt")
    }
    pub fn is_trial(&self) -> bool {
        self.0.flag("IsTrial").unwrap_or(false)
    }
    pub fn company(&self) -> Option<&str> {
        self.0.get("Company")
    }
    pub fn id(&self) -> Option<&str> {
        self.0.get("Id")
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }
}

/// One row of `GET /api/v4/analytics/old`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AnalyticsRow {
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::f64")]
    pub value: f64,
}

/// The `name=standard` analytics, by name. A value of -1 means the server skipped the query
/// (too many users for `AnalyticsSettings.MaxUsersForStatistics`): it is kept as `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteStats {
    pub public_channels: Option<i64>,
    pub private_channels: Option<i64>,
    pub posts: Option<i64>,
    pub active_users: Option<i64>,
    pub teams: Option<i64>,
    pub websocket_connections: Option<i64>,
    pub master_db_connections: Option<i64>,
    pub read_db_connections: Option<i64>,
    pub daily_active_users: Option<i64>,
    pub monthly_active_users: Option<i64>,
    pub inactive_users: Option<i64>,
}

impl SiteStats {
    pub fn from_rows(rows: &[AnalyticsRow]) -> Self {
        let get = |name: &str| {
            rows.iter()
                .find(|r| r.name == name)
                .map(|r| r.value)
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| v as i64)
        };
        Self {
            public_channels: get("channel_open_count"),
            private_channels: get("channel_private_count"),
            posts: get("post_count"),
            active_users: get("unique_user_count"),
            teams: get("team_count"),
            websocket_connections: get("total_websocket_connections"),
            master_db_connections: get("total_master_db_connections"),
            read_db_connections: get("total_read_db_connections"),
            daily_active_users: get("daily_active_users"),
            monthly_active_users: get("monthly_active_users"),
            inactive_users: get("inactive_user_count"),
        }
    }
}

/// One node of `GET /api/v4/cluster/status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ClusterNode {
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub version: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub schema_version: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub config_hash: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub ipaddress: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub hostname: String,
}

/// One applied migration of `GET /api/v4/system/schema/version`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AppliedMigration {
    #[serde(deserialize_with = "lenient::i64")]
    pub version: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_of_every_era() {
        let v5: Ping = serde_json::from_str(
            r#"{"AndroidLatestVersion":"","AndroidMinVersion":"","DesktopLatestVersion":"","IosLatestVersion":"","status":"OK"}"#,
        )
        .unwrap();
        assert!(v5.is_healthy() && v5.database_status.is_none());
        let full: Ping = serde_json::from_str(
            r#"{"ActiveSearchBackend":"database","status":"UNHEALTHY","database_status":"OK","filestore_status":"UNHEALTHY","root_status":false,"NewField":{"x":1}}"#,
        )
        .unwrap();
        assert!(!full.is_healthy());
        assert_eq!(full.filestore_status.as_deref(), Some("UNHEALTHY"));
        assert_eq!(full.root_status, Some(false));
        assert_eq!(full.active_search_backend.as_deref(), Some("database"));
    }

    #[test]
    fn client_config_strings_and_oddities() {
        let cfg: ClientConfig = serde_json::from_str(
            r#"{"Version":"9.5.2","BuildNumber":"8115857622","BuildEnterpriseReady":"true","DiagnosticId":"cg37i1guhpdttrcqbswapmq3so","InstallationDate":"1711104746704","SchemaVersion":118,"EnableCluster":false,"SQLDriverName":"postgres","BannerText":""}"#,
        )
        .unwrap();
        assert_eq!(cfg.version(), Some("9.5.2"));
        assert_eq!(cfg.enterprise_ready(), Some(true));
        assert_eq!(cfg.installation_date_ms(), Some(1711104746704));
        assert_eq!(cfg.schema_version(), Some(118));
        assert_eq!(cfg.cluster_enabled(), Some(false));
        assert_eq!(cfg.get("BannerText"), None);
        assert!(cfg.is_full());
        let anon: ClientConfig =
            serde_json::from_str(r#"{"Version":"9.5.2","TelemetryId":"abc"}"#).unwrap();
        assert!(!anon.is_full());
        assert_eq!(anon.server_id(), Some("abc"));
    }

    #[test]
    fn licence_licensed_and_not() {
        let none: ClientLicense = serde_json::from_str(r#"{"IsLicensed":"false"}"#).unwrap();
        assert!(!none.is_licensed());
        let lic: ClientLicense = serde_json::from_str(
            r#"{"IsLicensed":"true","SkuName":"Enterprise","SkuShortName":"enterprise","Users":"250","ExpiresAt":"1767225600000","IsTrial":"false","Company":"Example"}"#,
        )
        .unwrap();
        assert!(lic.is_licensed() && !lic.is_trial());
        assert_eq!(lic.users(), Some(250));
        assert_eq!(lic.expires_at_ms(), Some(1767225600000));
    }

    #[test]
    fn analytics_rows_with_skipped_values() {
        let rows: Vec<AnalyticsRow> = serde_json::from_str(
            r#"[{"name":"channel_open_count","value":9},{"name":"post_count","value":"127"},{"name":"unique_user_count","value":1},{"name":"daily_active_users","value":-1},{"name":"future_metric","value":3}]"#,
        )
        .unwrap();
        let stats = SiteStats::from_rows(&rows);
        assert_eq!(stats.public_channels, Some(9));
        assert_eq!(stats.posts, Some(127));
        assert_eq!(stats.daily_active_users, None);
        assert_eq!(stats.teams, None);
    }

    #[test]
    fn cluster_and_schema() {
        let nodes: Vec<ClusterNode> = serde_json::from_str(
            r#"[{"id":"n1","version":"11.4.4","schema_version":"175","config_hash":"abc","ipaddress":"10.0.0.1","hostname":"app-1"},{"id":"n2","version":"11.4.4","schema_version":175,"config_hash":"def","ipaddress":"10.0.0.2","hostname":"app-2","extra":true}]"#,
        )
        .unwrap();
        assert_eq!(nodes[1].schema_version, "175");
        let schema: Vec<AppliedMigration> = serde_json::from_str(
            r#"[{"version":175,"name":"add_x"},{"version":"174","name":"y"}]"#,
        )
        .unwrap();
        assert_eq!(schema[1].version, 174);
    }
}
