//! Fault injection for the demo server: `--faults "PATTERN=FAULT[,FAULT...][;...]"`.
//!
//! PATTERN is a request path with `*` wildcards (`/api/v4/analytics/*`, or `*` for all).
//! FAULT is one of:
//!
//! | fault | effect |
//! |---|---|
//! | `latency:MS` | waits MS milliseconds before answering |
//! | `status:CODE` | answers CODE with the server's JSON error body |
//! | `html:CODE` | answers CODE with an HTML page, like a failing proxy |
//! | `429:SECS` | answers 429 `limit exceeded` (plain text) with `Retry-After: SECS` |
//! | `timeout` | never answers in time (waits two minutes) |
//! | `reset` | drops the connection in the middle of the response |
//! | `malformed` | answers 200 with a body that is not JSON |
//! | `truncated` | answers 200 with the real body cut in half |
//! | `content-type:TYPE` | the real body with another Content-Type |
//! | `huge:MB` | answers 200 with a JSON body of MB megabytes |
//! | `drip:MS` | sends the real body one byte every MS milliseconds |
//! | `stall` | sends the first half of the real body, then nothing (for two minutes) |
//! | `401after:N` | answers normally N times, then 401 (an expired session) |
//! | `unhealthy` | `/api/v4/system/ping` only: answers 500 with an unhealthy ping body (database down) |
//! | `filelogoff` | `/api/v4/logs` only: answers `[""]`, as when file logging is off |
//! | `unlicensed` | an unlicensed server: `/api/v4/license/client` says so and `/api/v4/system/support_packet` answers 403 `api.no_license` |
//! | `times:N` | with other faults: they apply to the first N matching requests only |

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Latency(Duration),
    Status(u16),
    Html(u16),
    RateLimit(u64),
    Timeout,
    Reset,
    Malformed,
    Truncated,
    ContentType(String),
    Huge(usize),
    Drip(Duration),
    Stall,
    ExpireAfter(u64),
    Unhealthy,
    FileLoggingOff,
    Unlicensed,
    Times(u64),
}

#[derive(Debug)]
pub struct FaultRule {
    pub pattern: String,
    pub faults: Vec<Fault>,
    hits: AtomicU64,
}

impl FaultRule {
    /// Counts one request against this rule and returns how many came before it.
    pub fn hit(&self) -> u64 {
        self.hits.fetch_add(1, Ordering::Relaxed)
    }

    /// Requests this rule has seen.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
pub struct FaultSet {
    pub rules: Vec<FaultRule>,
    pub spec: String,
}

impl FaultSet {
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for rule in spec.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let (pattern, faults) = rule
                .split_once('=')
                .ok_or_else(|| format!("fault rule '{rule}' needs PATTERN=FAULT"))?;
            let faults = faults
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(parse_fault)
                .collect::<Result<Vec<_>, _>>()?;
            if faults.is_empty() {
                return Err(format!("fault rule '{rule}' names no fault"));
            }
            rules.push(FaultRule {
                pattern: pattern.trim().to_string(),
                faults,
                hits: AtomicU64::new(0),
            });
        }
        Ok(Self {
            rules,
            spec: spec.trim().to_string(),
        })
    }

    pub fn matching<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a FaultRule> + 'a {
        self.rules
            .iter()
            .filter(move |r| glob_match(&r.pattern, path))
    }
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    let (name, arg) = match text.split_once(':') {
        Some((n, a)) => (n.trim(), Some(a.trim())),
        None => (text, None),
    };
    let number = |what: &str| -> Result<u64, String> {
        arg.and_then(|a| a.parse::<u64>().ok())
            .ok_or_else(|| format!("fault '{text}' needs a number ({what})"))
    };
    Ok(match name {
        "latency" => Fault::Latency(Duration::from_millis(number("milliseconds")?)),
        "status" => Fault::Status(status_code(number("an HTTP status")?, text)?),
        "html" => Fault::Html(status_code(number("an HTTP status")?, text)?),
        "429" | "ratelimit" => Fault::RateLimit(number("seconds")?),
        "timeout" => Fault::Timeout,
        "reset" => Fault::Reset,
        "malformed" => Fault::Malformed,
        "truncated" => Fault::Truncated,
        "content-type" => Fault::ContentType(
            arg.filter(|a| !a.is_empty())
                .ok_or_else(|| format!("fault '{text}' needs a content type"))?
                .to_string(),
        ),
        "huge" => Fault::Huge(number("megabytes")? as usize),
        "drip" => Fault::Drip(Duration::from_millis(number("milliseconds")?)),
        "stall" => Fault::Stall,
        "401after" => Fault::ExpireAfter(number("a request count")?),
        "unhealthy" => Fault::Unhealthy,
        "filelogoff" => Fault::FileLoggingOff,
        "unlicensed" => Fault::Unlicensed,
        "times" => Fault::Times(number("a request count")?),
        other => return Err(format!("unknown fault '{other}'")),
    })
}

fn status_code(code: u64, text: &str) -> Result<u16, String> {
    u16::try_from(code)
        .ok()
        .filter(|c| (100..=599).contains(c))
        .ok_or_else(|| format!("fault '{text}' has an invalid HTTP status"))
}

/// `*` matches any run of characters, everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(idx) => rest = &rest[idx + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_spec() {
        let set = FaultSet::parse("/api/v4/analytics/*=status:500; /api/v4/system/ping = latency:800, 429:3;*=401after:10").unwrap();
        assert_eq!(set.rules.len(), 3);
        assert_eq!(set.rules[0].faults, vec![Fault::Status(500)]);
        assert_eq!(
            set.rules[1].faults,
            vec![
                Fault::Latency(Duration::from_millis(800)),
                Fault::RateLimit(3)
            ]
        );
        assert_eq!(set.matching("/api/v4/analytics/old").count(), 2);
        assert_eq!(set.matching("/api/v4/system/ping").count(), 2);
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        assert!(
            FaultSet::parse("nopattern")
                .unwrap_err()
                .contains("PATTERN=FAULT")
        );
        assert!(
            FaultSet::parse("*=explode")
                .unwrap_err()
                .contains("unknown fault")
        );
        assert!(
            FaultSet::parse("*=status:abc")
                .unwrap_err()
                .contains("number")
        );
        assert!(
            FaultSet::parse("*=status:999")
                .unwrap_err()
                .contains("invalid")
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("*", "/anything"));
        assert!(glob_match("/api/v4/plugins*", "/api/v4/plugins/statuses"));
        assert!(glob_match("/api/*/ping", "/api/v4/system/ping"));
        assert!(!glob_match("/api/v4/logs", "/api/v4/logs/download"));
    }
}
