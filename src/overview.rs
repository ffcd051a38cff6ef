//! What the Server tab shows: every server fact mmops can gather, each section fetched on its
//! own (so a slow route delays only its section) and either loaded or saying why it is not (a
//! missing permission, local mode, an error).

use crate::host::{HostFacts, MmHome};
use crate::mm::models::{
    AppliedMigration, ClientConfig, ClientLicense, ClusterNode, Ping, SiteStats, User,
};
use crate::mm::{ApiError, MmClient, ServerVersion};

/// One part of the overview and how it fared.
#[derive(Debug, Clone, PartialEq)]
pub enum Section<T> {
    /// Asked for, not answered yet.
    Loading,
    Loaded(T),
    /// The token lacks a permission; the server's own name for it when known.
    Denied {
        permission: Option<String>,
    },
    /// Not available from this source (e.g. over the local socket), with the reason.
    Unavailable(String),
    Failed(ApiError),
}

impl<T> Section<T> {
    pub fn from_result(result: Result<T, ApiError>) -> Self {
        match result {
            Ok(value) => Section::Loaded(value),
            Err(ApiError::Forbidden { permission, .. }) => Section::Denied { permission },
            Err(ApiError::NotInLocalMode { .. }) => {
                Section::Unavailable("not served over the local-mode socket".to_string())
            }
            Err(ApiError::NoLicense { .. }) => {
                Section::Unavailable("needs a licensed server".to_string())
            }
            Err(err) => Section::Failed(err),
        }
    }

    pub fn loaded(&self) -> Option<&T> {
        match self {
            Section::Loaded(value) => Some(value),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Section::Failed(err) => Some(err),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub ping: Section<Ping>,
    pub config: Section<ClientConfig>,
    pub license: Section<ClientLicense>,
    pub stats: Section<SiteStats>,
    pub cluster: Section<Vec<ClusterNode>>,
    pub schema: Section<Vec<AppliedMigration>>,
    pub me: Section<User>,
    pub host: Option<HostFacts>,
    pub version: Option<ServerVersion>,
    pub local_mode: bool,
}

/// Which part of the overview a fetch is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Ping,
    Config,
    License,
    Stats,
    Cluster,
    Schema,
    Me,
    Host,
}

impl PartKind {
    pub const ALL: [PartKind; 8] = [
        PartKind::Ping,
        PartKind::Config,
        PartKind::License,
        PartKind::Stats,
        PartKind::Cluster,
        PartKind::Schema,
        PartKind::Me,
        PartKind::Host,
    ];
}

/// One fetched part, ready to go into an [`Overview`].
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Ping(Section<Ping>),
    Config(Section<ClientConfig>),
    License(Section<ClientLicense>),
    Stats(Section<SiteStats>),
    Cluster(Section<Vec<ClusterNode>>),
    Schema(Section<Vec<AppliedMigration>>),
    Me(Section<User>),
    Host(Option<HostFacts>),
}

impl Part {
    /// The part of `kind` that failed with `err` (its fetch broke off).
    pub fn failed(kind: PartKind, err: ApiError) -> Self {
        match kind {
            PartKind::Ping => Part::Ping(Section::Failed(err)),
            PartKind::Config => Part::Config(Section::Failed(err)),
            PartKind::License => Part::License(Section::Failed(err)),
            PartKind::Stats => Part::Stats(Section::Failed(err)),
            PartKind::Cluster => Part::Cluster(Section::Failed(err)),
            PartKind::Schema => Part::Schema(Section::Failed(err)),
            PartKind::Me => Part::Me(Section::Failed(err)),
            PartKind::Host => Part::Host(None),
        }
    }

    /// Fetches one part.
    pub async fn fetch(kind: PartKind, client: &MmClient, home: Option<&MmHome>) -> Self {
        match kind {
            PartKind::Ping => Part::Ping(Section::from_result(client.ping(true).await)),
            PartKind::Config => Part::Config(Section::from_result(client.client_config().await)),
            PartKind::License => Part::License(Section::from_result(client.client_license().await)),
            PartKind::Stats => Part::Stats(Section::from_result(client.site_stats().await)),
            PartKind::Cluster => Part::Cluster(Section::from_result(client.cluster_status().await)),
            PartKind::Schema => {
                Part::Schema(Section::from_result(client.schema_migrations().await))
            }
            PartKind::Me if client.is_local() => Part::Me(Section::Unavailable(
                "local mode has no logged-in user".to_string(),
            )),
            PartKind::Me => Part::Me(Section::from_result(client.me().await)),
            PartKind::Host => {
                let home = home.cloned();
                Part::Host(match home {
                    Some(home) => tokio::task::spawn_blocking(move || home.facts()).await.ok(),
                    None => None,
                })
            }
        }
    }
}

impl Overview {
    /// An overview with every section still loading.
    pub fn loading(local_mode: bool) -> Self {
        Self {
            ping: Section::Loading,
            config: Section::Loading,
            license: Section::Loading,
            stats: Section::Loading,
            cluster: Section::Loading,
            schema: Section::Loading,
            me: Section::Loading,
            host: None,
            version: None,
            local_mode,
        }
    }

    pub fn apply(&mut self, part: Part) {
        match part {
            Part::Ping(s) => self.ping = s,
            Part::Config(s) => self.config = s,
            Part::License(s) => self.license = s,
            Part::Stats(s) => self.stats = s,
            Part::Cluster(s) => self.cluster = s,
            Part::Schema(s) => self.schema = s,
            Part::Me(s) => self.me = s,
            Part::Host(h) => self.host = h,
        }
    }

    /// Everything at once (for headless use and the benchmark): all requests go out in
    /// parallel, so loading takes one round trip.
    pub async fn collect(client: &MmClient, home: Option<&MmHome>) -> Self {
        let mut overview = Self::loading(client.is_local());
        let parts = futures::future::join_all(
            PartKind::ALL
                .iter()
                .map(|kind| Part::fetch(*kind, client, home)),
        )
        .await;
        for part in parts {
            overview.apply(part);
        }
        overview.version = client.version();
        overview
    }

    /// Every section's error.
    pub fn errors(&self) -> impl Iterator<Item = &ApiError> {
        [
            self.ping.error(),
            self.config.error(),
            self.license.error(),
            self.stats.error(),
            self.cluster.error(),
            self.schema.error(),
            self.me.error(),
        ]
        .into_iter()
        .flatten()
    }

    /// The first error that explains why the server could not be used, for the status bar:
    /// unreachable or login problems first, then any other failure.
    pub fn headline_error(&self) -> Option<&ApiError> {
        let errors = [
            self.ping.error(),
            self.config.error(),
            self.me.error(),
            self.license.error(),
            self.stats.error(),
            self.cluster.error(),
            self.schema.error(),
        ];
        errors
            .iter()
            .flatten()
            .find(|e| e.is_unreachable() || e.needs_login())
            .or_else(|| errors.iter().flatten().next())
            .copied()
    }

    /// What stops the console from using the server at all, if anything: a login problem, or a
    /// server that cannot be reached.
    pub fn blocker(&self) -> Option<Blocker<'_>> {
        let err = self.headline_error()?;
        if err.needs_login() {
            return Some(Blocker::LoginNeeded(err));
        }
        // Unreachable only when neither the ping nor the client config got through: one slow
        // or failing route is a degraded server, not a lost one.
        let lost = |e: Option<&ApiError>| e.is_some_and(ApiError::is_unreachable);
        (lost(self.ping.error()) && lost(self.config.error())).then_some(Blocker::Unreachable(err))
    }

    /// The server's version as the status bar names it: from the server, else its client config.
    pub fn version_label(&self) -> Option<String> {
        self.version.as_ref().map(ToString::to_string).or_else(|| {
            self.config
                .loaded()
                .and_then(|c| c.version())
                .map(str::to_string)
        })
    }

    /// The highest applied migration, from the schema endpoint or the client config.
    pub fn schema_version(&self) -> Option<(i64, Option<&str>)> {
        if let Some(latest) = self
            .schema
            .loaded()
            .and_then(|m| m.iter().max_by_key(|m| m.version))
        {
            return Some((latest.version, Some(latest.name.as_str())));
        }
        self.config
            .loaded()
            .and_then(ClientConfig::schema_version)
            .map(|v| (v, None))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Blocker<'a> {
    LoginNeeded(&'a ApiError),
    Unreachable(&'a ApiError),
}

/// Whether cluster nodes disagree, and on what.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterDrift {
    /// Hostnames whose version differs from the most common one.
    pub version_outliers: Vec<String>,
    /// Hostnames whose config hash differs from the most common one.
    pub config_outliers: Vec<String>,
    /// Hostnames whose schema version differs from the most common one.
    pub schema_outliers: Vec<String>,
}

impl ClusterDrift {
    pub fn of(nodes: &[ClusterNode]) -> Self {
        Self {
            version_outliers: outliers(nodes, |n| n.version.as_str()),
            config_outliers: outliers(nodes, |n| n.config_hash.as_str()),
            schema_outliers: outliers(nodes, |n| n.schema_version.as_str()),
        }
    }

    pub fn is_clean(&self) -> bool {
        self.version_outliers.is_empty()
            && self.config_outliers.is_empty()
            && self.schema_outliers.is_empty()
    }
}

/// Nodes whose value differs from the majority. With a tie, every node but the first group is
/// an outlier, so a two-node split still flags the second node.
fn outliers(nodes: &[ClusterNode], key: impl Fn(&ClusterNode) -> &str) -> Vec<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for node in nodes {
        let value = key(node);
        match counts.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        }
    }
    let Some(majority) = counts
        .iter()
        .fold(None::<(&str, usize)>, |best, &(v, n)| match best {
            Some((_, bn)) if bn >= n => best,
            _ => Some((v, n)),
        })
        .map(|(v, _)| v)
    else {
        return Vec::new();
    };
    nodes
        .iter()
        .filter(|n| key(n) != majority)
        .map(|n| {
            if n.hostname.is_empty() {
                n.id.clone()
            } else {
                n.hostname.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(host: &str, version: &str, hash: &str) -> ClusterNode {
        ClusterNode {
            id: format!("id-{host}"),
            version: version.into(),
            schema_version: "171".into(),
            config_hash: hash.into(),
            ipaddress: "10.0.0.1".into(),
            hostname: host.into(),
        }
    }

    #[test]
    fn drift_flags_the_odd_node() {
        let nodes = vec![
            node("a", "11.4.4", "x"),
            node("b", "11.4.4", "y"),
            node("c", "11.4.4", "x"),
        ];
        let drift = ClusterDrift::of(&nodes);
        assert_eq!(drift.config_outliers, vec!["b"]);
        assert!(drift.version_outliers.is_empty());
        assert!(!drift.is_clean());
    }

    #[test]
    fn two_node_split_flags_the_second() {
        let drift = ClusterDrift::of(&[node("a", "11.4.4", "x"), node("b", "11.3.0", "x")]);
        assert_eq!(drift.version_outliers, vec!["b"]);
        assert!(ClusterDrift::of(&[]).is_clean());
    }

    #[test]
    fn sections_classify_errors() {
        let denied: Section<()> = Section::from_result(Err(ApiError::Forbidden {
            endpoint: "GET /x".into(),
            permission: Some("get_analytics".into()),
            message: String::new(),
        }));
        assert_eq!(
            denied,
            Section::Denied {
                permission: Some("get_analytics".into())
            }
        );
        let local: Section<()> = Section::from_result(Err(ApiError::NotInLocalMode {
            endpoint: "GET /x".into(),
        }));
        assert!(matches!(local, Section::Unavailable(_)));
    }
}
