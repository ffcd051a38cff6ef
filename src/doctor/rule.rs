//! What a rule is, and what it says when it runs.

use std::fmt;

use serde::Serialize;

use super::facts::Facts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::EnumIter)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::EnumIter)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Security,
    Reliability,
    Performance,
    Upgrade,
    Adoption,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Reliability => "reliability",
            Category::Performance => "performance",
            Category::Upgrade => "upgrade",
            Category::Adoption => "adoption",
        }
    }
}

/// A kind of fact a rule reads. A rule whose facts are missing is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FactKind {
    Config,
    Server,
    Cluster,
    Plugins,
    Jobs,
    Logs,
    License,
    Host,
    Database,
}

impl FactKind {
    pub fn label(self) -> &'static str {
        match self {
            FactKind::Config => "config",
            FactKind::Server => "server",
            FactKind::Cluster => "cluster",
            FactKind::Plugins => "plugins",
            FactKind::Jobs => "jobs",
            FactKind::Logs => "logs",
            FactKind::License => "licence",
            FactKind::Host => "host",
            FactKind::Database => "database",
        }
    }
}

/// How to put it right: where in the System Console, and the `config.json` key or the `mmctl`
/// command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub console: &'static str,
    pub command: &'static str,
}

/// One rule: everything but its check is data, so the docs table, `--json` and the tab read the
/// same words.
#[derive(Clone, Copy)]
pub struct Rule {
    /// Stable: scripts pass it to `--only` and `--skip`.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub reads: &'static [FactKind],
    pub why: &'static str,
    pub fix: Fix,
    /// Where the advice comes from (a check of mmhealth, Mattermost's docs, the 11.0 notes...).
    pub advice: &'static str,
    pub check: fn(&Facts) -> Checked,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

/// A check's answer: quiet, or fired with its evidence; `Err` says which fact was missing.
pub type Checked = Result<Outcome, Missing>;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Fire(Vec<Evidence>),
}

impl Outcome {
    /// Fires with `evidence` when there is any.
    pub fn unless_empty(evidence: Vec<Evidence>) -> Self {
        if evidence.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fire(evidence)
        }
    }

    pub fn when(condition: bool, evidence: impl FnOnce() -> Vec<Evidence>) -> Self {
        if condition {
            Outcome::Fire(evidence())
        } else {
            Outcome::Pass
        }
    }
}

/// Why a rule could not be checked: the fact it needs and the reason that fact is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub fact: FactKind,
    pub reason: String,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {} facts: {}", self.fact.label(), self.reason)
    }
}

/// What a finding points at. Every text in it may come from the server: it is made inert where
/// it is drawn or printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A setting and its value as the sanitized config shows it.
    Setting { path: String, value: String },
    /// A cluster node and what is wrong on it.
    Node { node: String, detail: String },
    /// A plugin, on a node when the problem is a node's.
    Plugin {
        id: String,
        node: Option<String>,
        detail: String,
    },
    /// Log lines that match a sign: how many, when, and a few of them.
    Logs {
        sign: String,
        needles: Vec<String>,
        count: u64,
        first_ms: Option<i64>,
        last_ms: Option<i64>,
        samples: Vec<String>,
    },
    /// A background job's run.
    Job {
        id: String,
        kind: String,
        status: String,
        error: String,
        at_ms: Option<i64>,
    },
    /// A file or directory on this host.
    File { path: String, detail: String },
    /// Any other fact, by name.
    Fact { name: String, value: String },
}

impl Evidence {
    pub fn setting(path: &str, value: impl fmt::Display) -> Self {
        Evidence::Setting {
            path: path.to_string(),
            value: value.to_string(),
        }
    }

    pub fn fact(name: &str, value: impl fmt::Display) -> Self {
        Evidence::Fact {
            name: name.to_string(),
            value: value.to_string(),
        }
    }

    /// One line, for the terminal (not yet made inert).
    pub fn summary(&self) -> String {
        match self {
            Evidence::Setting { path, value } => format!("{path} = {value}"),
            Evidence::Node { node, detail } => format!("node {node}: {detail}"),
            Evidence::Plugin { id, node, detail } => match node {
                Some(node) => format!("plugin {id} on {node}: {detail}"),
                None => format!("plugin {id}: {detail}"),
            },
            Evidence::Logs {
                count,
                first_ms,
                last_ms,
                needles,
                ..
            } => {
                let span = match (first_ms, last_ms) {
                    (Some(first), Some(last)) => format!(
                        ", {} to {}",
                        crate::timefmt::utc_minute(*first),
                        crate::timefmt::utc_minute(*last)
                    ),
                    _ => String::new(),
                };
                let what = needles
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(" or ");
                format!(
                    "{} with {what}{span}",
                    crate::text::counted(*count as usize, "log line")
                )
            }
            Evidence::Job {
                id,
                kind,
                status,
                error,
                at_ms,
            } => {
                let at = at_ms
                    .map(|ms| format!(" at {}", crate::timefmt::utc_minute(ms)))
                    .unwrap_or_default();
                let error = if error.is_empty() {
                    String::new()
                } else {
                    format!(": {error}")
                };
                format!("{kind} job {id} {status}{at}{error}")
            }
            Evidence::File { path, detail } => format!("{path}: {detail}"),
            Evidence::Fact { name, value } => format!("{name}: {value}"),
        }
    }
}
