//! A user's regex, compiled for matching many log lines fast.
//!
//! The regex crate finds most patterns by first scanning for their literal text (4-10 GB/s).
//! A case-insensitive alternation of short words (`s3|invite`) can defeat that, leaving its
//! automaton to read every byte (0.6 GB/s), while each word alone keeps the fast scan. So the
//! branches of a top-level alternation are also compiled on their own, and [`Matcher::tune`]
//! times both forms on a sample of real lines and keeps the faster. Both give the same answers.

use std::time::{Duration, Instant};

use regex::bytes::{Regex, RegexBuilder};

/// The most branches worth running one by one.
const MAX_BRANCHES: usize = 8;
/// Run the branches one by one only when that is clearly faster on the sample.
const SPLIT_GAIN: f64 = 0.7;

/// Compiles a user regex with a size limit, so a hostile pattern cannot eat the memory. The
/// error is the regex crate's last line, which names the problem.
pub fn compile(pattern: &str, case_insensitive: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(8 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .map_err(|e| {
            e.to_string()
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_string()
        })
}

#[derive(Debug, Clone)]
pub struct Matcher {
    whole: Regex,
    /// The top-level alternation's branches, each a regex of its own.
    branches: Vec<Regex>,
    use_branches: bool,
}

impl Matcher {
    pub fn new(pattern: &str, case_insensitive: bool) -> Result<Self, String> {
        let whole = compile(pattern, case_insensitive)?;
        Ok(Self {
            branches: branches(pattern, case_insensitive).unwrap_or_default(),
            whole,
            use_branches: false,
        })
    }

    /// The whole pattern (for highlighting where it matches).
    pub fn regex(&self) -> &Regex {
        &self.whole
    }

    pub fn is_match(&self, haystack: &[u8]) -> bool {
        if self.use_branches {
            self.branches.iter().any(|r| r.is_match(haystack))
        } else {
            self.whole.is_match(haystack)
        }
    }

    /// Whether the branches are run one by one (after [`Matcher::tune`]).
    pub fn uses_branches(&self) -> bool {
        self.use_branches
    }

    /// Times the whole pattern and its branches over `sample` and keeps the faster form.
    pub fn tune(&mut self, sample: &[&[u8]]) {
        if self.branches.len() < 2 || sample.is_empty() {
            return;
        }
        let time = |matches: &dyn Fn(&[u8]) -> bool| -> Duration {
            let started = Instant::now();
            let found = sample.iter().filter(|line| matches(line)).count();
            std::hint::black_box(found);
            started.elapsed()
        };
        let whole = |line: &[u8]| self.whole.is_match(line);
        let split = |line: &[u8]| self.branches.iter().any(|r| r.is_match(line));
        // The first pass builds the automata's states; the second is the one that counts.
        time(&whole);
        time(&split);
        let (whole_time, split_time) = (time(&whole), time(&split));
        self.use_branches = split_time.as_secs_f64() < whole_time.as_secs_f64() * SPLIT_GAIN;
    }
}

/// The branches of a top-level alternation, compiled one by one, or `None` when the pattern is
/// not one (or has too many branches to be worth it).
fn branches(pattern: &str, case_insensitive: bool) -> Option<Vec<Regex>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let regex_syntax::hir::HirKind::Alternation(subs) = hir.kind() else {
        return None;
    };
    if subs.len() > MAX_BRANCHES {
        return None;
    }
    // Each branch prints as a pattern with its flags already applied (case folded into classes).
    subs.iter()
        .map(|sub| compile(&sub.to_string(), false).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &[&str] = &[
        r#"{"level":"error","msg":"failed to read file from S3","caller":"web/context.go:119"}"#,
        r#"{"level":"error","msg":"Failed to send INVITE email","caller":"email/email.go:312"}"#,
        r#"{"level":"debug","msg":"Received HTTP request","url":"/api/v4/users/me"}"#,
        "plain line with s3 and ſ3 (long s)",
        "nothing here",
    ];

    fn answers(matcher: &Matcher) -> Vec<bool> {
        LINES
            .iter()
            .map(|l| matcher.is_match(l.as_bytes()))
            .collect()
    }

    #[test]
    fn both_forms_give_the_same_answers() {
        for (pattern, ci) in [
            ("S3|invite", true),
            ("S3|invite", false),
            ("^plain|email\\.go", true),
            ("(?-i:INVITE)|HTTP", true),
            ("error|debug|HTTP", false),
        ] {
            let mut matcher = Matcher::new(pattern, ci).unwrap();
            assert!(!matcher.branches.is_empty(), "{pattern} is an alternation");
            let whole = answers(&matcher);
            matcher.use_branches = true;
            assert_eq!(answers(&matcher), whole, "{pattern} ci={ci}");
        }
    }

    #[test]
    fn only_top_level_alternations_split() {
        assert!(Matcher::new("invite", true).unwrap().branches.is_empty());
        assert!(Matcher::new("(a|b)c", true).unwrap().branches.is_empty());
        let nine = "aa|bb|cc|dd|ee|ff|gg|hh|ii";
        assert!(Matcher::new(nine, true).unwrap().branches.is_empty());
        assert_eq!(Matcher::new("s3|invite", true).unwrap().branches.len(), 2);
        // Single characters fold into one class: nothing to split.
        assert!(Matcher::new("a|b", true).unwrap().branches.is_empty());
    }

    #[test]
    fn tuning_picks_a_form_and_keeps_the_answers() {
        let sample: Vec<&[u8]> = LINES
            .iter()
            .map(|l| l.as_bytes())
            .cycle()
            .take(2000)
            .collect();
        let mut matcher = Matcher::new("S3|invite", true).unwrap();
        let before = answers(&matcher);
        matcher.tune(&sample);
        assert_eq!(answers(&matcher), before);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            Matcher::new("(", true).unwrap_err(),
            "error: unclosed group"
        );
    }
}
