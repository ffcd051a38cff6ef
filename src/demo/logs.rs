//! Realistic `mattermost.log` lines in the current (logr JSON) format, and reading a log file
//! backwards the way the server's `GET /api/v4/logs` does.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::{Map, Value, json};

use super::rng::Rng;
use super::story::DemoEvent;
use super::world::World;

/// The timestamp layout of mattermost.log: `2025-04-30 16:17:44.207 Z`.
pub fn log_timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f Z").to_string())
        .unwrap_or_else(|| "1970-01-01 00:00:00.000 Z".to_string())
}

/// Ids the generated lines refer to, so that they match the demo's users and teams.
#[derive(Debug, Clone, Default)]
pub struct LogContext {
    pub user_ids: Vec<String>,
    pub team_ids: Vec<String>,
    pub channel_ids: Vec<String>,
    /// No failures: the lines that tell of a problem become ordinary requests.
    pub healthy: bool,
}

pub struct LogGenerator {
    rng: Rng,
    ctx: LogContext,
}

const GET_PATHS: &[&str] = &[
    "/api/v4/users/me",
    "/api/v4/users/me/teams",
    "/api/v4/users/status/ids",
    "/api/v4/system/ping",
    "/api/v4/channels/{channel}/posts?page=0&per_page=30",
    "/api/v4/users/me/teams/{team}/channels/members",
    "/api/v4/teams/{team}/channels",
    "/api/v4/config/client?format=old",
    "/api/v4/license/client?format=old",
    "/api/v4/plugins/webapp",
];

impl LogGenerator {
    pub fn new(rng: Rng, ctx: LogContext) -> Self {
        Self { rng, ctx }
    }

    fn pick_id(&mut self, ids: &[String]) -> String {
        if ids.is_empty() {
            self.rng.id()
        } else {
            ids[self.rng.below(ids.len())].clone()
        }
    }

    fn user(&mut self) -> String {
        let ids = std::mem::take(&mut self.ctx.user_ids);
        let id = self.pick_id(&ids);
        self.ctx.user_ids = ids;
        id
    }

    fn team(&mut self) -> String {
        let ids = std::mem::take(&mut self.ctx.team_ids);
        let id = self.pick_id(&ids);
        self.ctx.team_ids = ids;
        id
    }

    fn channel(&mut self) -> String {
        let ids = std::mem::take(&mut self.ctx.channel_ids);
        let id = self.pick_id(&ids);
        self.ctx.channel_ids = ids;
        id
    }

    /// One JSON log line (no trailing newline) at the given time.
    pub fn line(&mut self, ts_ms: i64) -> String {
        let mut roll = self.rng.below(100);
        if self.ctx.healthy && ((85..=91).contains(&roll) || roll >= 95) {
            roll = 0;
        }
        let (level, msg, caller, fields) = match roll {
            0..=49 => self.http_request(),
            50..=59 => (
                "debug",
                "Websocket connection closed",
                "platform/web_conn.go:366",
                self.ws_fields(),
            ),
            60..=66 => (
                "info",
                "Worker: Job is complete",
                "jobs/base_workers.go:104",
                self.job_fields(),
            ),
            67..=72 => (
                "debug",
                "Email batching job ran",
                "email/email_batching.go:140",
                json!({"number_of_users": self.rng.range(0, 5)}),
            ),
            73..=79 => (
                "info",
                "Post.Message size",
                "app/post.go:312",
                json!({"channel_id": self.channel(), "user_id": self.user(), "message_length": self.rng.range(1, 4000)}),
            ),
            80..=84 => self.permission_denied(),
            85..=88 => (
                "warn",
                "Failed to send push notification",
                "app/notification_push.go:198",
                json!({"user_id": self.user(), "error": "push proxy answered 502 Bad Gateway", "type": "message"}),
            ),
            89..=91 => (
                "warn",
                "Health check failed for plugin",
                "plugin/health_check.go:59",
                json!({"plugin_id": "antivirus", "error": "plugin process exited: dial tcp 10.20.0.40:3310: connect: connection refused"}),
            ),
            92..=94 => (
                "info",
                "Synchronizing LDAP users",
                "ldap/ldap_sync_job.go:144",
                json!({"added": self.rng.range(0, 3), "updated": self.rng.range(0, 20), "deleted": 0}),
            ),
            95..=97 => (
                "error",
                "Unable to get the file",
                "web/context.go:119",
                self.server_error(),
            ),
            _ => (
                "error",
                "Failed to send invite email successfully ",
                "email/email.go:312",
                json!({"error": "dial tcp 10.20.0.25:587: connect: connection timed out"}),
            ),
        };
        let mut record = Map::new();
        record.insert("timestamp".into(), Value::String(log_timestamp(ts_ms)));
        record.insert("level".into(), Value::String(level.into()));
        record.insert("msg".into(), Value::String(msg.into()));
        record.insert("caller".into(), Value::String(caller.into()));
        if let Value::Object(extra) = fields {
            record.extend(extra);
        }
        Value::Object(record).to_string()
    }

    fn http_request(&mut self) -> (&'static str, &'static str, &'static str, Value) {
        let post = self.rng.chance(0.15);
        let (method, url) = if post {
            (
                "POST",
                format!("/api/v4/posts?set_online=true&channel={}", self.channel()),
            )
        } else {
            let template = *self.rng.pick(GET_PATHS);
            let url = template
                .replace("{channel}", &self.channel())
                .replace("{team}", &self.team());
            ("GET", url)
        };
        let status = if self.rng.chance(0.05) {
            "404"
        } else if post {
            "201"
        } else {
            "200"
        };
        let fields = json!({
            "method": method,
            "url": url,
            "request_id": self.rng.id(),
            "user_id": self.user(),
            "status_code": status,
        });
        (
            "debug",
            "Received HTTP request",
            "web/handlers.go:187",
            fields,
        )
    }

    fn ws_fields(&mut self) -> Value {
        json!({"user_id": self.user(), "conn_id": self.rng.id(), "error": "websocket: close 1001 (going away)"})
    }

    fn job_fields(&mut self) -> Value {
        let worker = *self.rng.pick(&[
            "ExpiryNotify",
            "ProductNotices",
            "CleanupDesktopTokens",
            "ExportDelete",
            "LdapSync",
        ]);
        json!({"worker": worker, "job_id": self.rng.id()})
    }

    fn permission_denied(&mut self) -> (&'static str, &'static str, &'static str, Value) {
        let fields = json!({
            "path": "/api/v4/system/support_packet",
            "request_id": self.rng.id(),
            "ip_addr": format!("10.20.{}.{}", self.rng.range(1, 9), self.rng.range(2, 250)),
            "user_id": self.user(),
            "method": "GET",
            "err_where": "generateSupportPacket",
            "http_code": 403,
            "error": "generateSupportPacket: You do not have the appropriate permissions., ",
        });
        (
            "debug",
            "You do not have the appropriate permissions.",
            "web/context.go:119",
            fields,
        )
    }

    fn server_error(&mut self) -> Value {
        json!({
            "path": format!("/api/v4/files/{}", self.rng.id()),
            "request_id": self.rng.id(),
            "ip_addr": format!("10.20.{}.{}", self.rng.range(1, 9), self.rng.range(2, 250)),
            "user_id": self.user(),
            "method": "GET",
            "err_where": "getFile",
            "http_code": 500,
            "error": "getFile: Unable to get the file., failed to read file from S3: context deadline exceeded",
        })
    }
}

/// Whether a generated line is at debug level (the live log leaves those out below DEBUG).
pub fn is_debug_line(line: &str) -> bool {
    line.contains("\"level\":\"debug\"")
}

/// A `Received HTTP request` debug line, shaped like the generated ones.
pub fn request_line(ts_ms: i64, method: &str, url: &str, request: [&str; 3]) -> String {
    let [request_id, user_id, status_code] = request;
    let mut record = Map::new();
    record.insert("timestamp".into(), Value::String(log_timestamp(ts_ms)));
    for (key, value) in [
        ("level", "debug"),
        ("msg", "Received HTTP request"),
        ("caller", "web/handlers.go:187"),
        ("method", method),
        ("url", url),
        ("request_id", request_id),
        ("user_id", user_id),
        ("status_code", status_code),
    ] {
        record.insert(key.into(), Value::String(value.into()));
    }
    Value::Object(record).to_string()
}

/// The debug lines of the invitation history's invite and invalidation calls, with their times.
pub fn story_requests(world: &World, rng: &mut Rng) -> Vec<(i64, String)> {
    world
        .events
        .iter()
        .filter_map(|event| {
            let (method, url, user_id) = match event {
                DemoEvent::Invited { call, .. } => {
                    let kind = if call.guest {
                        "invite-guests"
                    } else {
                        "invite"
                    };
                    (
                        "POST",
                        format!("/api/v4/teams/{}/{kind}/email", call.team_id),
                        call.sender_id.as_str(),
                    )
                }
                DemoEvent::InvitesInvalidated { actor_id, .. } => (
                    "DELETE",
                    "/api/v4/teams/invites/email".to_string(),
                    actor_id.as_str(),
                ),
                _ => return None,
            };
            let line = request_line(event.at(), method, &url, [&rng.id(), user_id, "200"]);
            Some((event.at(), line))
        })
        .collect()
}

/// Lines generated to learn their mean length before a log file is written.
const SAMPLE_LINES: u64 = 2_000;

/// Writes at least `bytes` bytes of generated log lines (whole lines) to `out`, their times
/// spread over the day before `end_ms`. Returns the number of lines written.
/// The LDAP log (an advanced logging file target): a synchronisation every ten minutes over the
/// two hours before `now_ms`, each a start and a result, one of them with a slow bind.
pub fn ldap_history(now_ms: i64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut ts = now_ms - 2 * super::world::HOUR_MS;
    let mut round = 0;
    while ts < now_ms {
        let line = |level: &str, msg: &str, fields: serde_json::Value| {
            let mut record = serde_json::json!({
                "timestamp": log_timestamp(ts),
                "level": level,
                "msg": msg,
                "caller": "ldap/ldap_sync_job.go:118",
            });
            if let (Some(record), Some(fields)) = (record.as_object_mut(), fields.as_object()) {
                record.extend(fields.clone());
            }
            record.to_string()
        };
        lines.push(line("LDAPInfo", "LDAP sync started", serde_json::json!({})));
        if round == 7 {
            lines.push(line(
                "LDAPWarn",
                "LDAP bind took longer than expected",
                serde_json::json!({"ldap_server": "ldap.example.com:636", "duration_ms": 4210}),
            ));
        }
        lines.push(line(
            "LDAPInfo",
            "LDAP sync completed",
            serde_json::json!({"users_updated": round % 3, "groups_updated": 0, "duration_ms": 812 + round * 17}),
        ));
        ts += 10 * 60_000;
        round += 1;
    }
    lines
}

pub fn write_log(out: &mut impl Write, bytes: u64, seed: u64, end_ms: i64) -> std::io::Result<u64> {
    const DAY_MS: i64 = 86_400_000;
    let rng = Rng::new(seed);
    let mut generator = LogGenerator::new(rng.fork("log-file"), LogContext::default());
    let mut timing = rng.fork("log-file-times");
    // The lines' mean length, from a sample of the same generator, spaces them over the day so
    // that the last one falls near `end_ms` (and never after it: the file is of the past).
    let mut sample = LogGenerator::new(rng.fork("log-file-sample"), LogContext::default());
    let sampled: u64 = (0..SAMPLE_LINES)
        .map(|i| sample.line(end_ms - DAY_MS + i as i64).len() as u64 + 1)
        .sum();
    let typical = (sampled / SAMPLE_LINES).max(1);
    let expected_lines = (bytes / typical).max(1);
    let mean_gap = (DAY_MS as u64 / expected_lines).max(1) as i64;
    let mut ts = end_ms - DAY_MS;
    let (mut written, mut lines) = (0u64, 0u64);
    while written < bytes {
        ts = (ts + timing.range(0, 2 * mean_gap)).min(end_ms);
        let line = generator.line(ts);
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() as u64 + 1;
        lines += 1;
    }
    out.flush()?;
    Ok(lines)
}

/// Reads lines of a file from its end, as the server's log endpoint does: skips the newest
/// `skip` lines and returns up to `count` lines before them, oldest first. Only the tail of the
/// file is read, in blocks.
pub fn tail_lines(path: &Path, skip: usize, count: usize) -> std::io::Result<Vec<String>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let wanted = skip.saturating_add(count);
    let mut pos = len;
    // Blocks read so far, newest first, and the newlines they hold.
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut newlines = 0usize;
    const BLOCK: u64 = 64 * 1024;
    while pos > 0 && newlines <= wanted {
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; (pos - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block)?;
        newlines += memchr::memchr_iter(b'\n', &block).count();
        blocks.push(block);
        pos = start;
    }
    let buf: Vec<u8> = blocks.into_iter().rev().flatten().collect();
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    // The first piece may be a partial line when the read started mid-file.
    if pos > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let end = lines.len().saturating_sub(skip);
    let start = end.saturating_sub(count);
    Ok(lines[start..end].iter().map(|l| (*l).to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_logr_json_with_keys_in_order() {
        let mut generator = LogGenerator::new(Rng::new(1), LogContext::default());
        for i in 0..200 {
            let line = generator.line(1_741_944_413_412 + i);
            assert!(
                line.starts_with("{\"timestamp\":\"2025-03-14 09:26:53."),
                "{line}"
            );
            let value: Value = serde_json::from_str(&line).unwrap();
            let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
            assert_eq!(&keys[..4], &["timestamp", "level", "msg", "caller"]);
        }
    }

    #[test]
    fn a_written_log_has_the_size_asked_for_in_whole_lines() {
        let mut out = Vec::new();
        let end = 1_795_339_800_000;
        let lines = write_log(&mut out, 100_000, 3, end).unwrap();
        assert!(out.len() >= 100_000 && out.len() < 102_000, "{}", out.len());
        assert_eq!(out.iter().filter(|b| **b == b'\n').count() as u64, lines);
        let text = String::from_utf8(out).unwrap();
        let times: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["timestamp"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "times only go forward"
        );
        assert!(times[0].starts_with("2026-11-21 09:"), "{}", times[0]);
        // The day ends near `end` (2026-11-22 09:30) and never after it.
        let last = times.last().unwrap();
        assert!(
            ("2026-11-22 06:30"..="2026-11-22 09:30:00.000 Z").contains(&last.as_str()),
            "{last}"
        );
        let mut big = Vec::new();
        write_log(&mut big, 2_000_000, 5, end).unwrap();
        let last_line = String::from_utf8(big)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string();
        let last: Value = serde_json::from_str(&last_line).unwrap();
        let last = last["timestamp"].as_str().unwrap();
        assert!(
            ("2026-11-22 08:30"..="2026-11-22 09:30:00.000 Z").contains(&last),
            "{last}"
        );
    }

    #[test]
    fn tail_reads_from_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.log");
        let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        assert_eq!(
            tail_lines(&path, 0, 3).unwrap(),
            vec!["line 9997", "line 9998", "line 9999"]
        );
        assert_eq!(
            tail_lines(&path, 2, 2).unwrap(),
            vec!["line 9996", "line 9997"]
        );
        assert_eq!(tail_lines(&path, 9_999, 5).unwrap(), vec!["line 0"]);
        assert!(tail_lines(&path, 20_000, 5).unwrap().is_empty());
    }
}
