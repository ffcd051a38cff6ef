//! Every rule, by category. To add one: write it in its category's file (its words, its
//! facts, its check), add it to that file's `RULES`, and give it a test there that plants the
//! fact it fires on and one it stays quiet on. `docs/doctor.md` is generated from these
//! (`mmops doctor --list-rules --markdown`), and a test keeps it current.

mod adoption;
mod performance;
mod reliability;
mod security;
mod upgrade;

#[cfg(test)]
pub(crate) mod testing;

use serde_json::Value;

use super::facts::{Facts, display_value};
use super::logs::Hits;
use super::rule::{Checked, Evidence, Outcome, Rule};

/// Every rule, in the order the docs list them.
pub fn all() -> Vec<&'static Rule> {
    security::RULES
        .iter()
        .chain(reliability::RULES)
        .chain(performance::RULES)
        .chain(upgrade::RULES)
        .chain(adoption::RULES)
        .collect()
}

pub fn by_id(id: &str) -> Option<&'static Rule> {
    all().into_iter().find(|r| r.id == id)
}

/// Fires when the flag at `path` is `bad`.
pub(crate) fn flag_is(facts: &Facts, path: &str, bad: bool) -> Checked {
    let value = facts.flag(path)?;
    Ok(Outcome::when(value == bad, || {
        vec![Evidence::setting(path, value)]
    }))
}

/// Fires when the flag at `path` is `bad`, but only while the feature at `enabled` is on.
pub(crate) fn flag_is_while(facts: &Facts, enabled: &str, path: &str, bad: bool) -> Checked {
    if !facts.flag_or(enabled, false)? {
        return Ok(Outcome::Pass);
    }
    let value = facts.flag(path)?;
    Ok(Outcome::when(value == bad, || {
        vec![
            Evidence::setting(enabled, true),
            Evidence::setting(path, value),
        ]
    }))
}

/// The evidence for a setting as it is.
pub(crate) fn shown(facts: &Facts, path: &str) -> Evidence {
    let value = facts
        .setting(path)
        .map(display_value)
        .unwrap_or_else(|_| "(not set)".to_string());
    Evidence::setting(
        path,
        if value.is_empty() {
            "(empty)".into()
        } else {
            value
        },
    )
}

/// Fires when the logs hold the sign.
pub(crate) fn log_sign(facts: &Facts, sign: &str) -> Checked {
    let logs = facts.logs()?;
    Ok(match logs.hits(sign) {
        Some(hits) => Outcome::Fire(vec![log_evidence(sign, hits)]),
        None => Outcome::Pass,
    })
}

pub(crate) fn log_evidence(sign: &str, hits: &Hits) -> Evidence {
    Evidence::Logs {
        sign: sign.to_string(),
        needles: hits.needles.iter().map(|n| n.to_string()).collect(),
        count: hits.count,
        first_ms: hits.first_ms,
        last_ms: hits.last_ms,
        samples: hits.samples.clone(),
    }
}

/// Fires when the latest run of a job of one of `kinds` failed.
pub(crate) fn latest_job_failed(facts: &Facts, kinds: &[&str]) -> Checked {
    let jobs = facts.jobs()?;
    let mut evidence = Vec::new();
    for kind in kinds {
        let latest = jobs
            .iter()
            .filter(|j| j.kind == *kind)
            .max_by_key(|j| j.at_ms().unwrap_or(0));
        if let Some(job) = latest.filter(|j| j.failed()) {
            evidence.push(Evidence::Job {
                id: job.id.clone(),
                kind: job.kind.clone(),
                status: job.status.clone(),
                error: job.error(),
                at_ms: job.at_ms(),
            });
        }
    }
    Ok(Outcome::unless_empty(evidence))
}

/// A list setting's items, whether the server wrote an array or a comma or space separated
/// string.
pub(crate) fn items(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(display_value).collect(),
        Value::String(s) => s
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::testing::{healthy, nothing_known};
    use super::*;
    use crate::doctor::rule::FactKind;

    #[test]
    fn ids_are_unique_and_stable_in_form() {
        let rules = all();
        assert!(rules.len() >= 45, "only {} rules", rules.len());
        let mut seen = HashSet::new();
        for rule in &rules {
            assert!(seen.insert(rule.id), "{} twice", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.id
            );
            assert!(!rule.title.is_empty() && !rule.why.is_empty());
            assert!(!rule.fix.console.is_empty() && !rule.fix.command.is_empty());
            assert!(!rule.reads.is_empty() && !rule.advice.is_empty());
        }
    }

    #[test]
    fn with_nothing_known_no_rule_passes() {
        let facts = nothing_known();
        for rule in all() {
            match (rule.check)(&facts) {
                Err(missing) => assert!(
                    rule.reads.contains(&missing.fact),
                    "{} is missing {:?}, which it does not declare",
                    rule.id,
                    missing.fact
                ),
                Ok(outcome) => panic!("{} judged nothing: {outcome:?}", rule.id),
            }
        }
    }

    #[test]
    fn a_healthy_server_fires_nothing() {
        let facts = healthy();
        for rule in all() {
            match (rule.check)(&facts) {
                Ok(Outcome::Pass) => {}
                Ok(Outcome::Fire(evidence)) => panic!("{} fired: {evidence:?}", rule.id),
                Err(missing) => panic!("{} not checked: {missing}", rule.id),
            }
        }
    }

    #[test]
    fn every_fact_kind_is_read_by_some_rule() {
        let read: HashSet<FactKind> = all().iter().flat_map(|r| r.reads.iter().copied()).collect();
        for kind in [
            FactKind::Config,
            FactKind::Server,
            FactKind::Cluster,
            FactKind::Plugins,
            FactKind::Jobs,
            FactKind::Logs,
            FactKind::License,
            FactKind::Host,
            FactKind::Database,
        ] {
            assert!(read.contains(&kind), "{kind:?}");
        }
    }
}
