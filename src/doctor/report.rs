//! The diagnosis in words: the terminal report, the JSON document (schema in docs/doctor.md),
//! the one-line monitoring form, and the rule table the docs are generated from.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};

use super::rule::{Category, Evidence, Rule, Severity};
use super::{Diagnosis, Finding};
use crate::text::{counted, inert, wrap};

/// The JSON document's format; bumped when a field changes meaning or goes away.
pub const JSON_SCHEMA: &str = "mmops.doctor/1";

pub(super) fn rule_id<S: serde::Serializer>(rule: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.id)
}

/// "2 critical, 1 warning, 3 info", or "nothing wrong found".
pub fn counts(diagnosis: &Diagnosis) -> String {
    if diagnosis.findings.is_empty() {
        return "nothing wrong found".to_string();
    }
    let critical = diagnosis.count(Severity::Critical);
    let warnings = diagnosis.count(Severity::Warning);
    let info = diagnosis.count(Severity::Info);
    let mut parts = Vec::new();
    if critical > 0 {
        parts.push(format!("{critical} critical"));
    }
    if warnings > 0 {
        parts.push(counted(warnings, "warning"));
    }
    if info > 0 {
        parts.push(format!("{info} info"));
    }
    parts.join(", ")
}

/// The terminal report: findings grouped by severity, each with its evidence, why and fix;
/// then what was not checked and why.
pub fn text(diagnosis: &Diagnosis, width: usize) -> String {
    let width = width.clamp(40, 120);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "mmops doctor: {} · {} · {} not checked · {} passed",
        inert(&diagnosis.source),
        counts(diagnosis),
        diagnosis.not_checked.len(),
        diagnosis.passed.len()
    );
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let findings: Vec<&Finding> = diagnosis
            .findings
            .iter()
            .filter(|f| f.rule.severity == severity)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", severity.label().to_uppercase());
        for finding in findings {
            finding_text(&mut out, finding, width);
        }
    }
    if !diagnosis.not_checked.is_empty() {
        let _ = writeln!(out, "\nNOT CHECKED");
        for (rule, missing) in &diagnosis.not_checked {
            let line = format!("{}: {}", rule.id, inert(&missing.to_string()));
            for (i, piece) in wrap(&line, width - 4).into_iter().enumerate() {
                let _ = writeln!(out, "  {}{piece}", if i == 0 { "" } else { "  " });
            }
        }
    }
    out
}

fn finding_text(out: &mut String, finding: &Finding, width: usize) {
    let rule = finding.rule;
    let _ = writeln!(
        out,
        "  {} [{}] {}",
        rule.title,
        rule.category.label(),
        rule.id
    );
    for evidence in &finding.evidence {
        let mut lines = evidence_lines(evidence, width - 8).into_iter();
        if let Some(summary) = lines.next() {
            for piece in wrap(&summary, width - 6) {
                let _ = writeln!(out, "      {piece}");
            }
        }
        for sample in lines {
            let _ = writeln!(out, "      {sample}");
        }
    }
    for (label, text) in [
        ("why", rule.why),
        ("fix", rule.fix.console),
        ("", rule.fix.command),
    ] {
        for (i, piece) in wrap(text, width - 11).into_iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            let _ = writeln!(out, "      {label:<3}  {piece}");
        }
    }
}

/// The evidence's lines, made inert: its summary and, for log lines, a few samples cut to
/// `width`.
pub fn evidence_lines(evidence: &Evidence, width: usize) -> Vec<String> {
    let mut lines = vec![inert(&evidence.summary()).into_owned()];
    if let Evidence::Logs { samples, .. } = evidence {
        lines.extend(samples.iter().map(|s| {
            format!(
                "│ {}",
                crate::text::one_line(&inert(s), width.saturating_sub(2))
            )
        }));
    }
    lines
}

/// One line for Nagios-style monitoring: `DOCTOR CRITICAL - 2 critical, 1 warning: ids | counts`.
pub fn nagios(diagnosis: &Diagnosis) -> String {
    let state = match diagnosis.worst() {
        Some(Severity::Critical) => "CRITICAL",
        Some(Severity::Warning) => "WARNING",
        _ => "OK",
    };
    let worst: Vec<&str> = diagnosis
        .findings
        .iter()
        .filter(|f| f.rule.severity != Severity::Info)
        .map(|f| f.rule.id)
        .take(5)
        .collect();
    let detail = if worst.is_empty() {
        String::new()
    } else {
        format!(": {}", worst.join(", "))
    };
    format!(
        "DOCTOR {state} - {}{detail} | critical={} warning={} info={} not_checked={}",
        counts(diagnosis),
        diagnosis.count(Severity::Critical),
        diagnosis.count(Severity::Warning),
        diagnosis.count(Severity::Info),
        diagnosis.not_checked.len()
    )
}

#[derive(Serialize)]
struct RuleJson {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    category: Category,
    reads: Vec<&'static str>,
    why: &'static str,
    fix: super::rule::Fix,
    advice: &'static str,
}

fn rule_json(rule: &Rule) -> RuleJson {
    RuleJson {
        id: rule.id,
        title: rule.title,
        severity: rule.severity,
        category: rule.category,
        reads: rule.reads.iter().map(|r| r.label()).collect(),
        why: rule.why,
        fix: rule.fix,
        advice: rule.advice,
    }
}

/// The JSON document. Server text in evidence is kept as it is (JSON escapes it).
pub fn json(diagnosis: &Diagnosis) -> Value {
    let findings: Vec<Value> = diagnosis
        .findings
        .iter()
        .map(|f| {
            let mut value = json!(rule_json(f.rule));
            value["evidence"] = json!(f.evidence);
            value
        })
        .collect();
    let not_checked: Vec<Value> = diagnosis
        .not_checked
        .iter()
        .map(|(rule, missing)| {
            json!({
                "id": rule.id,
                "title": rule.title,
                "severity": rule.severity,
                "category": rule.category,
                "fact": missing.fact.label(),
                "reason": missing.reason,
            })
        })
        .collect();
    json!({
        "schema": JSON_SCHEMA,
        "source": diagnosis.source,
        "checked_at": chrono::DateTime::from_timestamp_millis(diagnosis.now_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "summary": {
            "critical": diagnosis.count(Severity::Critical),
            "warning": diagnosis.count(Severity::Warning),
            "info": diagnosis.count(Severity::Info),
            "not_checked": diagnosis.not_checked.len(),
            "passed": diagnosis.passed.len(),
            "exit_code": diagnosis.exit_code(),
        },
        "findings": findings,
        "not_checked": not_checked,
        "passed": diagnosis.passed.iter().map(|r| r.id).collect::<Vec<_>>(),
    })
}

/// Every rule as JSON (`--list-rules --json`).
pub fn rules_json(rules: &[&'static Rule]) -> Value {
    json!(rules.iter().map(|r| rule_json(r)).collect::<Vec<_>>())
}

/// Every rule, one line each (`--list-rules`).
pub fn rules_text(rules: &[&'static Rule]) -> String {
    let id_width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        let _ = writeln!(
            out,
            "{:<id_width$}  {:<8}  {:<11}  {}",
            rule.id,
            rule.severity.label(),
            rule.category.label(),
            rule.title
        );
    }
    out
}

/// The rule table of docs/doctor.md (`--list-rules --markdown`).
pub fn rules_markdown(rules: &[&'static Rule]) -> String {
    let mut out = String::from(
        "| id | severity | category | reads | what it checks | fix | source of the advice |\n|---|---|---|---|---|---|---|\n",
    );
    let cell = |s: &str| s.replace('|', "\\|");
    for rule in rules {
        let reads: Vec<&str> = rule.reads.iter().map(|r| r.label()).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} {} | {}; `{}` | {} |",
            rule.id,
            rule.severity.label(),
            rule.category.label(),
            reads.join(", "),
            cell(rule.title),
            cell(rule.why),
            cell(rule.fix.console),
            cell(rule.fix.command),
            cell(rule.advice)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::rules::testing::{healthy, set};
    use crate::doctor::{Selection, diagnose};

    #[test]
    fn the_text_groups_by_severity_and_shows_the_fix() {
        let facts = set(healthy(), "ServiceSettings.SiteURL", "".into());
        let facts = set(facts, "ServiceSettings.EnableDeveloper", true.into());
        let text = text(&diagnose(&facts, &Selection::default()), 100);
        let critical = text.find("\nCRITICAL").unwrap();
        let warning = text.find("\nWARNING").unwrap();
        assert!(critical < warning, "{text}");
        assert!(text.contains("mmctl config set ServiceSettings.SiteURL"));
        assert!(text.contains("ServiceSettings.SiteURL = (empty)"));
        assert!(text.starts_with("mmops doctor: a healthy test server · 1 critical, 1 warning"));
    }

    #[test]
    fn the_json_names_its_schema_and_counts() {
        let facts = set(healthy(), "ServiceSettings.EnableDeveloper", true.into());
        let value = json(&diagnose(&facts, &Selection::default()));
        assert_eq!(value["schema"], JSON_SCHEMA);
        assert_eq!(value["summary"]["warning"], 1);
        assert_eq!(value["summary"]["exit_code"], 1);
        assert_eq!(value["findings"][0]["id"], "developer-mode");
        assert_eq!(value["findings"][0]["evidence"][0]["type"], "setting");
        assert_eq!(value["checked_at"], "2026-12-01T00:00:00Z");
    }

    #[test]
    fn nagios_is_one_line_with_perfdata() {
        let facts = set(healthy(), "ServiceSettings.EnableDeveloper", true.into());
        let line = nagios(&diagnose(&facts, &Selection::default()));
        assert_eq!(
            line,
            "DOCTOR WARNING - 1 warning: developer-mode | critical=0 warning=1 info=0 not_checked=0"
        );
        let ok = nagios(&diagnose(&healthy(), &Selection::default()));
        assert!(ok.starts_with("DOCTOR OK - nothing wrong found |"));
    }

    #[test]
    fn hostile_evidence_is_inert_in_the_text() {
        let facts = set(healthy(), "ServiceSettings.SiteURL", "".into());
        let facts = set(
            facts,
            "ServiceSettings.AllowCorsFrom",
            "* \u{1b}[2Jboom".into(),
        );
        let text = text(&diagnose(&facts, &Selection::default()), 100);
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}
