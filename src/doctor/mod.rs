//! The doctor: rules that turn the facts mmops gathers (live, from the install directory, the
//! database or a packet) into findings, each with its evidence, why it matters and how to fix
//! it. A rule whose facts are missing is "not checked", never passed.

pub mod facts;
pub mod from_packet;
pub mod gather;
pub mod host;
pub mod logs;
pub mod report;
pub mod rule;
pub mod rules;
pub mod telemetry;
pub mod versions;

use serde::Serialize;

pub use self::facts::Facts;
use self::rule::{Category, Evidence, Missing, Outcome, Rule, Severity};

/// A rule that fired.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    #[serde(serialize_with = "report::rule_id")]
    pub rule: &'static Rule,
    pub evidence: Vec<Evidence>,
}

/// Which rules to run (`--only`, `--skip`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    /// The ids given that name no rule.
    pub fn unknown_ids(&self) -> Vec<&str> {
        self.only
            .iter()
            .chain(&self.skip)
            .map(String::as_str)
            .filter(|id| rules::by_id(id).is_none())
            .collect()
    }

    fn includes(&self, rule: &Rule) -> bool {
        (self.only.is_empty() || self.only.iter().any(|id| id == rule.id))
            && !self.skip.iter().any(|id| id == rule.id)
    }
}

/// What the doctor found: the findings worst first, what it could not check and why, and
/// what passed.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub source: String,
    pub now_ms: i64,
    pub findings: Vec<Finding>,
    pub not_checked: Vec<(&'static Rule, Missing)>,
    pub passed: Vec<&'static Rule>,
}

impl Diagnosis {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.rule.severity == severity)
            .count()
    }

    /// The worst severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.rule.severity).min()
    }

    /// 0 nothing found (info findings included), 1 warnings, 2 critical: for cron, systemd
    /// and monitoring.
    pub fn exit_code(&self) -> u8 {
        match self.worst() {
            Some(Severity::Critical) => 2,
            Some(Severity::Warning) => 1,
            _ => 0,
        }
    }

    pub fn in_category(&self, category: Category) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.rule.category == category)
    }
}

/// The diagnosis in brief, for the Server tab's first lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    pub not_checked: usize,
    pub passed: usize,
    /// The worst findings' severity and title, worst first.
    pub worst: Vec<(Severity, &'static str)>,
}

/// Where the console's doctor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// No server, install directory or database to check.
    NothingToCheck,
    Checking,
    Done(Summary),
    Failed(String),
}

impl Diagnosis {
    /// The counts and the `worst` worst findings.
    pub fn summary(&self, worst: usize) -> Summary {
        Summary {
            critical: self.count(Severity::Critical),
            warning: self.count(Severity::Warning),
            info: self.count(Severity::Info),
            not_checked: self.not_checked.len(),
            passed: self.passed.len(),
            worst: self
                .findings
                .iter()
                .take(worst)
                .map(|f| (f.rule.severity, f.rule.title))
                .collect(),
        }
    }
}

/// Runs the selected rules over `facts`.
pub fn diagnose(facts: &Facts, selection: &Selection) -> Diagnosis {
    let mut findings = Vec::new();
    let mut not_checked = Vec::new();
    let mut passed = Vec::new();
    for rule in rules::all().into_iter().filter(|r| selection.includes(r)) {
        match (rule.check)(facts) {
            Ok(Outcome::Fire(evidence)) => findings.push(Finding { rule, evidence }),
            Ok(Outcome::Pass) => passed.push(rule),
            Err(missing) => not_checked.push((rule, missing)),
        }
    }
    findings.sort_by_key(|f| (f.rule.severity, f.rule.category));
    Diagnosis {
        source: facts.source.clone(),
        now_ms: facts.now_ms,
        findings,
        not_checked,
        passed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::rules::testing::{healthy, nothing_known, set};

    #[test]
    fn exit_codes_follow_the_worst_finding() {
        let clean = diagnose(&healthy(), &Selection::default());
        assert!(clean.findings.is_empty() && clean.not_checked.is_empty());
        assert_eq!(clean.exit_code(), 0);
        let info = diagnose(
            &set(healthy(), "ServiceSettings.EnableLocalMode", true.into()),
            &Selection::default(),
        );
        assert_eq!((info.findings.len(), info.exit_code()), (1, 0));
        let warn = set(healthy(), "ServiceSettings.EnableDeveloper", true.into());
        assert_eq!(diagnose(&warn, &Selection::default()).exit_code(), 1);
        let critical = set(warn, "ServiceSettings.SiteURL", "".into());
        let diagnosis = diagnose(&critical, &Selection::default());
        assert_eq!(diagnosis.exit_code(), 2);
        assert_eq!(diagnosis.findings[0].rule.id, "site-url-unset");
    }

    #[test]
    fn only_and_skip_select_rules() {
        let facts = set(healthy(), "ServiceSettings.EnableDeveloper", true.into());
        let skip = Selection {
            skip: vec!["developer-mode".into()],
            ..Selection::default()
        };
        assert!(diagnose(&facts, &skip).findings.is_empty());
        let only = Selection {
            only: vec!["developer-mode".into(), "nope".into()],
            ..Selection::default()
        };
        let diagnosis = diagnose(&facts, &only);
        assert_eq!(diagnosis.findings.len() + diagnosis.passed.len(), 1);
        assert_eq!(only.unknown_ids(), vec!["nope"]);
    }

    #[test]
    fn nothing_known_is_nothing_passed() {
        let diagnosis = diagnose(&nothing_known(), &Selection::default());
        assert!(diagnosis.passed.is_empty() && diagnosis.findings.is_empty());
        assert_eq!(diagnosis.not_checked.len(), rules::all().len());
    }
}
