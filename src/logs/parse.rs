//! Recognizing one log line: the JSON of every era (logr's `timestamp` strings, zap's `ts`
//! epoch floats), JSON behind journald or docker prefixes, log4go's `[date] [LEVL]` lines,
//! logr's plain-text layout, Go panics; and whether a line continues the entry before it (a
//! stack trace, an error detail). Nothing is copied: the result holds offsets into the line.

use super::scan::{self, Kind};

/// Severity, ordered so that a threshold is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Fatal = 5,
    /// A line that names no level (kept, shown at every threshold up to info).
    None = 6,
}

impl Level {
    pub const ALL: [Level; 7] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
        Level::None,
    ];

    /// Every spelling servers have used, in any case: `error`, `EROR`, `NotificationError`,
    /// `LDAPWarn`, `audit-api`, `stdlog`, `dpanic`...
    pub fn parse(text: &[u8]) -> Option<Self> {
        let text = text.trim_ascii();
        if text.is_empty() || text.len() > 32 {
            return None;
        }
        let mut buf = [0u8; 32];
        let lower = &mut buf[..text.len()];
        lower.copy_from_slice(text);
        lower.make_ascii_lowercase();
        let lower: &[u8] = lower;
        // Family prefixes (notification levels of v11, LDAP levels) end in the plain level.
        let core = lower
            .strip_prefix(b"notification")
            .or_else(|| lower.strip_prefix(b"ldap"))
            .unwrap_or(lower);
        Some(match core {
            b"trace" | b"trce" | b"trac" | b"fine" | b"finest" | b"finer" => Level::Trace,
            b"debug" | b"debg" | b"dbug" | b"dbg" => Level::Debug,
            b"info" | b"inf" | b"notice" | b"stdlog" => Level::Info,
            b"warn" | b"warning" | b"wrn" => Level::Warn,
            b"error" | b"eror" | b"err" => Level::Error,
            b"fatal" | b"panic" | b"dpanic" | b"crit" | b"critical" | b"criticial" => Level::Fatal,
            other if other.starts_with(b"audit") => Level::Info,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::None => "-",
        }
    }

    /// The rank used against a threshold: lines without a level count as info.
    pub fn rank(self) -> Level {
        if self == Level::None {
            Level::Info
        } else {
            self
        }
    }
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON object, possibly after a prefix (`json_at` > 0).
    Json,
    /// A text layout with a recognized timestamp or level.
    Text,
    /// Not recognized: kept as it is.
    Raw,
    /// Continues the entry before it.
    Continuation,
}

/// The recognized parts of one line, as byte offsets into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub shape: Shape,
    pub ts_ms: Option<i64>,
    pub level: Level,
    /// Where the JSON object starts (after a journald or docker prefix).
    pub json_at: u32,
    pub msg: (u32, u32),
    /// The message holds JSON escapes.
    pub msg_escaped: bool,
    pub caller: (u32, u32),
    /// The JSON values the time and level were read from (empty when none), so that output
    /// can leave exactly those members out of an entry's fields.
    pub ts_span: (u32, u32),
    pub level_span: (u32, u32),
    /// A Go panic or stack trace starts here: following unrecognized lines belong to it.
    pub opens_trace: bool,
}

impl Parsed {
    fn new(shape: Shape) -> Self {
        Self {
            shape,
            ts_ms: None,
            level: Level::None,
            json_at: 0,
            msg: (0, 0),
            msg_escaped: false,
            caller: (0, 0),
            ts_span: (0, 0),
            level_span: (0, 0),
            opens_trace: false,
        }
    }

    /// Whether a JSON member's value (at `span` in the line) is one the parser used for the
    /// time, level, message or caller.
    pub fn consumed(&self, span: (u32, u32)) -> bool {
        span != (0, 0) && [self.ts_span, self.level_span, self.msg, self.caller].contains(&span)
    }

    pub fn starts_entry(&self) -> bool {
        self.shape != Shape::Continuation
    }
}

fn span(line: &[u8], part: &[u8]) -> (u32, u32) {
    let start = part.as_ptr() as usize - line.as_ptr() as usize;
    (start as u32, (start + part.len()) as u32)
}

/// Parses one line (without its newline). `in_trace` says the previous entry is a panic or
/// stack trace, so unrecognized lines continue it.
pub fn parse_line(line: &[u8], in_trace: bool) -> Parsed {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > u32::MAX as usize {
        return Parsed::new(Shape::Raw);
    }
    if line.first() == Some(&b'{')
        && let Some(parsed) = parse_json(line, 0)
    {
        return parsed;
    }
    if let Some(parsed) = parse_text(line) {
        return parsed;
    }
    if let Some(brace) = memchr_brace(line)
        && brace > 0
        && let Some(parsed) = parse_json(line, brace)
    {
        return parsed;
    }
    if line.starts_with(b"panic: ") || line.starts_with(b"fatal error: ") {
        let mut parsed = Parsed::new(Shape::Text);
        parsed.level = Level::Fatal;
        parsed.msg = span(line, line);
        parsed.opens_trace = true;
        return parsed;
    }
    if in_trace || is_continuation(line) {
        let mut parsed = Parsed::new(Shape::Continuation);
        parsed.opens_trace = line.starts_with(b"goroutine ");
        return parsed;
    }
    let mut parsed = Parsed::new(Shape::Raw);
    parsed.msg = span(line, line);
    parsed
}

fn memchr_brace(line: &[u8]) -> Option<usize> {
    // Only the first 200 bytes can be a prefix; a brace later is inside the message.
    line.iter().take(200).position(|b| *b == b'{')
}

/// Lines that only make sense after another: indented, empty, or the usual trace shapes.
fn is_continuation(line: &[u8]) -> bool {
    matches!(line.first(), None | Some(b' ' | b'\t'))
        || line.starts_with(b"goroutine ")
        || line.starts_with(b"created by ")
        || line.starts_with(b"err-")
        || line.starts_with(b"[signal ")
        || line.starts_with(b"exit status ")
}

fn parse_json(line: &[u8], at: usize) -> Option<Parsed> {
    let object = &line[at..];
    let mut parsed = Parsed::new(Shape::Json);
    parsed.json_at = at as u32;
    let mut recognized = false;
    // Audit records have no msg: their event name stands in for it, unless a msg comes later.
    let mut msg_is_event = false;
    for member in scan::members(object) {
        match member.key {
            b"timestamp" | b"time" | b"@timestamp"
                if member.kind == Kind::String && parsed.ts_ms.is_none() =>
            {
                parsed.ts_ms = parse_timestamp(member.value);
                if parsed.ts_ms.is_some() {
                    parsed.ts_span = span(line, member.value);
                    recognized = true;
                }
            }
            b"ts" if parsed.ts_ms.is_none() => {
                parsed.ts_ms = match member.kind {
                    Kind::Number => parse_epoch(member.value),
                    Kind::String => {
                        parse_timestamp(member.value).or_else(|| parse_epoch(member.value))
                    }
                    _ => None,
                };
                if parsed.ts_ms.is_some() {
                    parsed.ts_span = span(line, member.value);
                    recognized = true;
                }
            }
            b"level" | b"lvl" | b"severity"
                if member.kind == Kind::String && parsed.level_span == (0, 0) =>
            {
                if let Some(level) = Level::parse(member.value) {
                    parsed.level = level;
                    parsed.level_span = span(line, member.value);
                    recognized = true;
                }
            }
            b"msg" | b"message"
                if member.kind == Kind::String && (parsed.msg == (0, 0) || msg_is_event) =>
            {
                parsed.msg = span(line, member.value);
                parsed.msg_escaped = member.escaped;
                msg_is_event = false;
                recognized = true;
            }
            b"event_name" if member.kind == Kind::String && parsed.msg == (0, 0) => {
                parsed.msg = span(line, member.value);
                parsed.msg_escaped = member.escaped;
                msg_is_event = true;
                recognized = true;
            }
            b"caller" if member.kind == Kind::String => parsed.caller = span(line, member.value),
            _ => {}
        }
    }
    recognized.then_some(parsed)
}

/// Text layouts: log4go `[2017/09/20 17:11:37 EDT] [EROR] msg`, `[EROR] msg`, logr plain
/// `debug [2021-10-29 15:55:54.870 -04:00] msg caller=...`, and `2025-03-14 09:26:53.412 Z info msg`.
fn parse_text(line: &[u8]) -> Option<Parsed> {
    let mut parsed = Parsed::new(Shape::Text);
    let rest: &[u8];
    if let Some(after) = line.strip_prefix(b"[") {
        let close = after.iter().position(|b| *b == b']')?;
        let inside = &after[..close];
        let mut tail = after[close + 1..].trim_ascii_start();
        if let Some(level) = Level::parse(inside) {
            parsed.level = level;
        } else {
            parsed.ts_ms = Some(parse_log4go_ts(inside)?);
            if let Some(after_level) = tail.strip_prefix(b"[")
                && let Some(close) = after_level.iter().position(|b| *b == b']')
                && let Some(level) = Level::parse(&after_level[..close])
            {
                parsed.level = level;
                tail = after_level[close + 1..].trim_ascii_start();
            }
        }
        rest = tail;
    } else if line.first().is_some_and(u8::is_ascii_digit) {
        let (ts, used) = parse_timestamp_prefix(line)?;
        parsed.ts_ms = Some(ts);
        let tail = line[used..].trim_ascii_start();
        let word_end = tail.iter().position(|b| *b == b' ').unwrap_or(tail.len());
        parsed.level = Level::parse(&tail[..word_end])?;
        rest = tail[word_end..].trim_ascii_start();
    } else {
        let word_end = line.iter().position(|b| *b == b' ')?;
        parsed.level = Level::parse(&line[..word_end])?;
        let tail = line[word_end..].trim_ascii_start();
        let after = tail.strip_prefix(b"[")?;
        let close = after.iter().position(|b| *b == b']')?;
        parsed.ts_ms = Some(parse_timestamp(&after[..close])?);
        rest = after[close + 1..].trim_ascii_start();
    }
    // logr plain text puts `caller="..."` after the padded message.
    let (msg, caller) = match find(rest, b" caller=") {
        Some(at) => {
            let value = &rest[at + 8..];
            let value = value.strip_prefix(b"\"").unwrap_or(value);
            let end = value
                .iter()
                .position(|b| *b == b'"' || *b == b' ')
                .unwrap_or(value.len());
            (rest[..at].trim_ascii_end(), Some(&value[..end]))
        }
        None => (rest.trim_ascii_end(), None),
    };
    parsed.msg = span(line, msg);
    if let Some(caller) = caller {
        parsed.caller = span(line, caller);
    }
    Some(parsed)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0i64, |acc, d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
}

/// `2025-04-30 16:17:44.207 Z`, `… -04:00`, `2025-04-30T16:17:44.207Z`, `…+0100`, with any
/// number of fraction digits. Returns epoch milliseconds.
pub fn parse_timestamp(text: &[u8]) -> Option<i64> {
    let (ms, used) = parse_timestamp_prefix(text.trim_ascii())?;
    (used == text.trim_ascii().len()).then_some(ms)
}

/// Parses a timestamp at the start of `text`; returns it and how many bytes it used.
fn parse_timestamp_prefix(text: &[u8]) -> Option<(i64, usize)> {
    if text.len() < 19 {
        return None;
    }
    let sep = |i: usize, allowed: &[u8]| allowed.contains(&text[i]);
    if !(sep(4, b"-/") && sep(7, b"-/") && sep(10, b" T") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let hour = digits(&text[11..13])?;
    let minute = digits(&text[14..16])?;
    let second = digits(&text[17..19])?;
    let mut i = 19;
    let mut millis = 0i64;
    if text.get(i) == Some(&b'.') || text.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        while i < text.len() && text[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + i64::from(text[i] - b'0');
            }
            i += 1;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let base = civil_ms(year, month, day, hour, minute, second, millis)?;
    // Zone: `Z`, ` Z`, `+01:00`, ` -04:00`, `+0100`, or none (taken as UTC).
    let mut j = i;
    if text.get(j) == Some(&b' ') && matches!(text.get(j + 1), Some(b'Z' | b'+' | b'-')) {
        j += 1;
    }
    match text.get(j) {
        Some(b'Z') => Some((base, j + 1)),
        Some(sign @ (b'+' | b'-')) => {
            let hh = digits(text.get(j + 1..j + 3)?)?;
            let (mm, used) = match text.get(j + 3) {
                Some(b':') => (digits(text.get(j + 4..j + 6)?)?, 6),
                _ => match text.get(j + 3..j + 5).and_then(digits) {
                    Some(mm) => (mm, 5),
                    None => (0, 3),
                },
            };
            let offset = (hh * 60 + mm) * 60_000;
            let utc = if *sign == b'+' {
                base - offset
            } else {
                base + offset
            };
            Some((utc, j + used))
        }
        _ => Some((base, i)),
    }
}

/// zap's `ts`: seconds since the epoch as a float, e.g. `1571417228.8637397`.
fn parse_epoch(text: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(text).ok()?;
    let secs: f64 = s.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs < 1e11).then(|| (secs * 1000.0).round() as i64)
}

/// log4go's `2017/09/20 17:11:37 EDT`: the zone is a name; well-known ones are applied.
fn parse_log4go_ts(text: &[u8]) -> Option<i64> {
    let text = text.trim_ascii();
    if text.len() < 19 {
        return None;
    }
    let (base, used) = parse_timestamp_prefix(&text[..19])?;
    if used != 19 {
        return None;
    }
    let zone = text[19..].trim_ascii();
    let minutes: i64 = match zone {
        b"EDT" => -4 * 60,
        b"EST" | b"CDT" => -5 * 60,
        b"CST" | b"MDT" => -6 * 60,
        b"MST" | b"PDT" => -7 * 60,
        b"PST" => -8 * 60,
        b"CET" | b"BST" => 60,
        b"CEST" | b"EET" => 2 * 60,
        b"EEST" | b"MSK" => 3 * 60,
        b"IST" => 5 * 60 + 30,
        b"JST" | b"KST" => 9 * 60,
        // UTC, GMT, and names we do not know.
        _ => 0,
    };
    Some(base - minutes * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(line: &str, range: (u32, u32)) -> &str {
        &line[range.0 as usize..range.1 as usize]
    }

    #[test]
    fn logr_json_with_z_and_offset() {
        let line = r#"{"timestamp":"2025-03-14 09:27:10.027 Z","level":"debug","msg":"Received HTTP request","caller":"web/handlers.go:187","method":"POST"}"#;
        let p = parse_line(line.as_bytes(), false);
        assert_eq!(p.shape, Shape::Json);
        assert_eq!(p.level, Level::Debug);
        assert_eq!(p.ts_ms, Some(1_741_944_430_027));
        assert_eq!(text_of(line, p.msg), "Received HTTP request");
        assert_eq!(text_of(line, p.caller), "web/handlers.go:187");
        let offset = r#"{"timestamp":"2025-04-09 14:15:49.465 -04:00","level":"error","msg":"Failed to fetch groups","caller":"app/plugin_api.go:1112"}"#;
        let p = parse_line(offset.as_bytes(), false);
        assert_eq!(p.ts_ms, parse_timestamp(b"2025-04-09T18:15:49.465Z"));
        assert_eq!(p.level, Level::Error);
    }

    #[test]
    fn zap_json_with_epoch_float() {
        let line = r#"{"level":"error","ts":1531494669.8368616,"caller":"app/plugin_api.go:260","msg":"missing referer","plugin_id":"my-plugin"}"#;
        let p = parse_line(line.as_bytes(), false);
        assert_eq!(p.ts_ms, Some(1_531_494_669_837));
        assert_eq!(p.level, Level::Error);
        assert_eq!(text_of(line, p.msg), "missing referer");
    }

    #[test]
    fn journald_and_docker_prefixes() {
        let line = r#"Oct 18 16:47:08 mm1 mattermost[3443]: {"level":"info","ts":1571417228.8641603,"caller":"jobs/schedulers.go:72","msg":"Starting schedulers."}"#;
        let p = parse_line(line.as_bytes(), false);
        assert_eq!(p.shape, Shape::Json);
        assert!(p.json_at > 30);
        assert_eq!(text_of(line, p.msg), "Starting schedulers.");
        let compose =
            r#"mattermost-1  | {"timestamp":"2026-01-02 03:04:05.678 Z","level":"warn","msg":"x"}"#;
        assert_eq!(parse_line(compose.as_bytes(), false).level, Level::Warn);
        let systemd = "Oct 18 16:47:08 mm1 systemd[1]: Started Mattermost.";
        assert_eq!(parse_line(systemd.as_bytes(), false).shape, Shape::Raw);
    }

    #[test]
    fn log4go_lines() {
        let line = "[2017/09/20 17:11:37 EDT] [EROR] Failed to ping DB retrying in 10 seconds";
        let p = parse_line(line.as_bytes(), false);
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.ts_ms, parse_timestamp(b"2017-09-20T21:11:37Z"));
        assert_eq!(
            text_of(line, p.msg),
            "Failed to ping DB retrying in 10 seconds"
        );
        let bare = "[EROR] failed to start up plugins: mkdir ./client/plugins";
        let p = parse_line(bare.as_bytes(), false);
        assert_eq!((p.level, p.ts_ms), (Level::Error, None));
        let next = parse_line(
            b"err-Error 1044: Access denied for user 'mmuser'@'%'",
            false,
        );
        assert_eq!(next.shape, Shape::Continuation);
        let debug = "[2016/04/21 03:16:44 UTC] [DEBG] Sending push notification";
        assert_eq!(parse_line(debug.as_bytes(), false).level, Level::Debug);
    }

    #[test]
    fn logr_plain_text() {
        let line = r#"debug [2021-10-29 15:55:54.870 -04:00] Received HTTP request                        caller="web/handlers.go:157" method=GET"#;
        let p = parse_line(line.as_bytes(), false);
        assert_eq!(p.shape, Shape::Text);
        assert_eq!(p.level, Level::Debug);
        assert_eq!(text_of(line, p.msg), "Received HTTP request");
        assert_eq!(text_of(line, p.caller), "web/handlers.go:157");
        let console = "2025-03-14 09:26:53.412 Z info  Server is listening on [::]:8065";
        let p = parse_line(console.as_bytes(), false);
        assert_eq!((p.level, p.ts_ms), (Level::Info, Some(1_741_944_413_412)));
    }

    #[test]
    fn panics_and_traces() {
        let p = parse_line(
            b"panic: runtime error: invalid memory address or nil pointer dereference",
            false,
        );
        assert_eq!((p.level, p.opens_trace), (Level::Fatal, true));
        assert_eq!(
            parse_line(b"goroutine 1 [running]:", true).shape,
            Shape::Continuation
        );
        assert_eq!(parse_line(b"main.main()", true).shape, Shape::Continuation);
        assert_eq!(
            parse_line(b"\t/go/src/app/main.go:12 +0x1d", false).shape,
            Shape::Continuation
        );
        assert_eq!(parse_line(b"main.main()", false).shape, Shape::Raw);
        // A real entry ends the trace.
        let next = parse_line(
            br#"{"timestamp":"2025-01-01 00:00:00.000 Z","level":"info","msg":"up"}"#,
            true,
        );
        assert_eq!(next.shape, Shape::Json);
    }

    #[test]
    fn levels_of_every_family() {
        for (text, level) in [
            ("ERROR", Level::Error),
            ("Warning", Level::Warn),
            ("NotificationError", Level::Error),
            ("NotificationDebug", Level::Debug),
            ("LDAPTrace", Level::Trace),
            ("audit-api", Level::Info),
            ("stdlog", Level::Info),
            ("dpanic", Level::Fatal),
            ("FINE", Level::Trace),
        ] {
            assert_eq!(Level::parse(text.as_bytes()), Some(level), "{text}");
        }
        assert_eq!(Level::parse(b"loud"), None);
        assert_eq!(Level::parse(&[b'x'; 100]), None);
    }

    #[test]
    fn audit_records_use_their_event_name_as_message() {
        let line = br#"{"timestamp":"2025-03-14 09:27:10.031 Z","event_name":"inviteUsersToTeam","status":"success","actor":{"user_id":"8fj6"},"event":{},"meta":{},"error":{}}"#;
        let parsed = parse_line(line, false);
        assert_eq!(parsed.shape, Shape::Json);
        assert_eq!(
            &line[parsed.msg.0 as usize..parsed.msg.1 as usize],
            b"inviteUsersToTeam"
        );
        assert!(parsed.ts_ms.is_some());
        // A real msg wins over the event name, wherever it comes.
        let both = br#"{"event_name":"login","msg":"the message"}"#;
        let parsed = parse_line(both, false);
        assert_eq!(
            &both[parsed.msg.0 as usize..parsed.msg.1 as usize],
            b"the message"
        );
    }

    #[test]
    fn hostile_lines_never_panic() {
        let long = format!("{{\"msg\":\"{}\"}}", "a".repeat(1 << 20));
        assert_eq!(parse_line(long.as_bytes(), false).shape, Shape::Json);
        for line in [
            &b"\x1b[31m\x07\0\xff\xfe"[..],
            b"{\"level\":\"info\",\"msg\":\"\xff\xfe\0\"}",
            b"{\"ts\":1e400,\"msg\":\"x\"}",
            b"{\"timestamp\":\"9999-99-99 99:99:99 Z\",\"msg\":\"x\"}",
            b"[2017/13/45 99:99:99 XYZ] [EROR]",
            b"[",
            b"{",
            b"2025-03-14",
            b"0000-00-00 00:00:00 +99:99 info x",
        ] {
            let _ = parse_line(line, false);
            let _ = parse_line(line, true);
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp(b"2025-04-30 16:17:44.207 Z"),
            parse_timestamp(b"2025-04-30T16:17:44.207Z")
        );
        assert_eq!(
            parse_timestamp(b"2025-04-30T17:17:44.207123+01:00"),
            parse_timestamp(b"2025-04-30T16:17:44.207Z")
        );
        assert_eq!(
            parse_timestamp(b"2025-04-30T17:17:44+0100"),
            parse_timestamp(b"2025-04-30T16:17:44Z")
        );
        assert_eq!(parse_timestamp(b"2025-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp(b"2025-04-30T16:17:44Z trailing"), None);
    }
}
