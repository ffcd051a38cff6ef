//! Writing chosen log entries for `mmops logs`: readable text, the raw lines, or one
//! normalized JSON object per entry.

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::parse::{Level, Parsed, Shape};
use super::scan::{self, Kind};
use crate::text::{inert, inert_bytes, one_line};

/// A member's value as text (strings decoded, the rest as written).
fn member_text(member: &scan::Member) -> String {
    match member.kind {
        Kind::String => scan::text(member.value, member.escaped).into_owned(),
        _ => String::from_utf8_lossy(member.value).into_owned(),
    }
}

/// The members of a JSON entry that are its fields: all but those the parser read the time,
/// level, message and caller from. (A second `time` or `message` member stays a field.)
pub fn field_members<'a>(
    line: &'a [u8],
    parsed: &'a Parsed,
) -> impl Iterator<Item = scan::Member<'a>> + 'a {
    let json = line.get(parsed.json_at as usize..).unwrap_or_default();
    let base = line.as_ptr() as usize;
    scan::members(json).filter(move |m| {
        let start = (m.value.as_ptr() as usize).saturating_sub(base) as u32;
        !parsed.consumed((start, start + m.value.len() as u32))
    })
}

/// The fields of a JSON entry as `key=value  key=value`, inert, each value cut to 80 columns
/// and the whole to about 2 KiB: what fits a table row.
pub fn compact_fields(line: &[u8], parsed: &Parsed) -> String {
    fields_text(line, parsed, 80, 2048)
}

/// The fields of a JSON entry as `key=value  key=value`, inert, each value cut to
/// `value_width` columns; stops once the text passes `budget` bytes.
fn fields_text(line: &[u8], parsed: &Parsed, value_width: usize, budget: usize) -> String {
    let mut out = String::new();
    for member in field_members(line, parsed) {
        if !out.is_empty() {
            out.push_str("  ");
        }
        out.push_str(&one_line(&String::from_utf8_lossy(member.key), 32));
        out.push('=');
        out.push_str(&one_line(&member_text(&member), value_width));
        if out.len() > budget {
            break;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One readable line per entry, inert.
    Text,
    /// The lines as they are; made inert when `inert` (a terminal is the reader).
    Raw { inert: bool },
    /// One JSON object per entry; with `inert` (a terminal is the reader) every character
    /// that could act on the terminal is written as a `\uXXXX` escape, still valid JSON.
    Json { inert: bool },
}

pub struct Printer<W: Write> {
    out: W,
    format: Format,
    /// A JSON entry waits for its continuation lines.
    pending: Option<Map<String, Value>>,
}

fn slice(line: &[u8], span: (u32, u32)) -> &[u8] {
    let start = (span.0 as usize).min(line.len());
    let end = (span.1 as usize).clamp(start, line.len());
    &line[start..end]
}

fn time_text(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, format: Format) -> Self {
        Self {
            out,
            format,
            pending: None,
        }
    }

    pub fn entry(&mut self, line: &[u8], parsed: &Parsed, source: Option<&str>) -> io::Result<()> {
        match self.format {
            Format::Raw { inert: false } => {
                self.out.write_all(line)?;
                self.out.write_all(b"\n")
            }
            Format::Raw { inert: true } => writeln!(self.out, "{}", inert_bytes(line)),
            Format::Text => self.text(line, parsed, source),
            Format::Json { .. } => {
                self.flush_pending()?;
                self.pending = Some(json_entry(line, parsed, source));
                Ok(())
            }
        }
    }

    fn text(&mut self, line: &[u8], parsed: &Parsed, source: Option<&str>) -> io::Result<()> {
        let time = parsed
            .ts_ms
            .and_then(time_text)
            .unwrap_or_else(|| " ".repeat(24));
        let mut text = format!("{time} {:<5}", parsed.level.label());
        if let Some(source) = source {
            text.push(' ');
            text.push_str(&one_line(source, 32));
        }
        let caller = slice(line, parsed.caller);
        if !caller.is_empty() {
            text.push(' ');
            text.push_str(&one_line(&String::from_utf8_lossy(caller), 80));
        }
        let message = match parsed.shape {
            Shape::Json | Shape::Text => {
                scan::text(slice(line, parsed.msg), parsed.msg_escaped).into_owned()
            }
            _ => String::from_utf8_lossy(line).into_owned(),
        };
        text.push_str("  ");
        text.push_str(&one_line(&message, usize::MAX));
        if parsed.shape == Shape::Json {
            // Text output is for reading and grepping: values whole.
            let fields = fields_text(line, parsed, usize::MAX, usize::MAX);
            if !fields.is_empty() {
                text.push_str("  ");
                text.push_str(&fields);
            }
        }
        writeln!(self.out, "{text}")
    }

    pub fn continuation(&mut self, line: &[u8]) -> io::Result<()> {
        match self.format {
            Format::Raw { inert: false } => {
                self.out.write_all(line)?;
                self.out.write_all(b"\n")
            }
            Format::Raw { inert: true } => writeln!(self.out, "{}", inert_bytes(line)),
            Format::Text => writeln!(self.out, "    {}", inert(&String::from_utf8_lossy(line))),
            Format::Json { .. } => {
                let text = String::from_utf8_lossy(line).into_owned();
                match self.pending.as_mut() {
                    Some(entry) => match entry.get_mut("continuation") {
                        Some(Value::String(existing)) => {
                            existing.push('\n');
                            existing.push_str(&text);
                        }
                        _ => {
                            entry.insert("continuation".into(), Value::String(text));
                        }
                    },
                    // Its entry was written already (following, after a pause): the line
                    // goes out on its own rather than being lost.
                    None => {
                        let mut alone = Map::new();
                        alone.insert("continuation".into(), Value::String(text));
                        self.write_json(&alone)?;
                    }
                }
                Ok(())
            }
        }
    }

    fn write_json(&mut self, entry: &Map<String, Value>) -> io::Result<()> {
        let text = serde_json::to_string(entry)?;
        if matches!(self.format, Format::Json { inert: true }) {
            self.out.write_all(json_inert(&text).as_bytes())?;
        } else {
            self.out.write_all(text.as_bytes())?;
        }
        self.out.write_all(b"\n")
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        if let Some(entry) = self.pending.take() {
            self.write_json(&entry)?;
        }
        Ok(())
    }

    /// A JSON entry is waiting for possible continuation lines.
    /// Bytes written as they are (another printer's output), after any entry still waiting.
    pub fn write_through(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.flush_pending()?;
        self.out.write_all(bytes)
    }

    /// What was written, every entry included.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush_pending()?;
        Ok(self.out)
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Flushes what is written, keeping a JSON entry that may still get continuation lines.
    pub fn flush_output(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes anything waiting and flushes the writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.flush_pending()?;
        self.out.flush()
    }
}

/// JSON text with every character that could act on a terminal written as `\uXXXX`.
fn json_inert(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(crate::text::needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if crate::text::needs_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// An entry as normalized JSON: `time` (RFC 3339, UTC), `level`, `source`, `caller`, `msg`,
/// `fields` (the line's other members), and `raw` for a line that is not JSON.
fn json_entry(line: &[u8], parsed: &Parsed, source: Option<&str>) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert(
        "time".into(),
        parsed
            .ts_ms
            .and_then(time_text)
            .map(Value::String)
            .unwrap_or(Value::Null),
    );
    let level = if parsed.level == Level::None {
        Value::Null
    } else {
        Value::String(parsed.level.label().to_ascii_lowercase())
    };
    entry.insert("level".into(), level);
    entry.insert(
        "source".into(),
        source
            .map(|s| Value::String(s.to_string()))
            .unwrap_or(Value::Null),
    );
    let caller = slice(line, parsed.caller);
    entry.insert(
        "caller".into(),
        if caller.is_empty() {
            Value::Null
        } else {
            Value::String(String::from_utf8_lossy(caller).into_owned())
        },
    );
    match parsed.shape {
        Shape::Json => {
            entry.insert(
                "msg".into(),
                Value::String(scan::text(slice(line, parsed.msg), parsed.msg_escaped).into_owned()),
            );
            let mut fields = Map::new();
            for member in field_members(line, parsed) {
                let value = match member.kind {
                    Kind::String => Value::String(member_text(&member)),
                    _ => serde_json::from_slice(member.value)
                        .unwrap_or_else(|_| Value::String(member_text(&member))),
                };
                fields.insert(String::from_utf8_lossy(member.key).into_owned(), value);
            }
            entry.insert("fields".into(), Value::Object(fields));
        }
        _ => {
            entry.insert(
                "msg".into(),
                Value::String(String::from_utf8_lossy(slice(line, parsed.msg)).into_owned()),
            );
            entry.insert(
                "raw".into(),
                Value::String(String::from_utf8_lossy(line).into_owned()),
            );
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_line;

    const LINE: &str = r#"{"timestamp":"2026-11-22 09:10:00.123 Z","level":"error","msg":"invite \"failed\"","caller":"email/email.go:312","error":"dial tcp: refused","http_code":500}"#;

    fn print(format: Format, lines: &[&str]) -> String {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, format);
        let mut in_trace = false;
        for line in lines {
            let parsed = parse_line(line.as_bytes(), in_trace);
            in_trace = parsed.opens_trace || (in_trace && parsed.shape == Shape::Continuation);
            if parsed.starts_entry() {
                printer
                    .entry(line.as_bytes(), &parsed, Some("mattermost.log"))
                    .unwrap();
            } else {
                printer.continuation(line.as_bytes()).unwrap();
            }
        }
        printer.flush().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_readable_and_inert() {
        let out = print(Format::Text, &[LINE, "plain \u{1b}[31mline"]);
        assert_eq!(
            out.lines().next().unwrap(),
            "2026-11-22T09:10:00.123Z ERROR mattermost.log email/email.go:312  invite \"failed\"  error=dial tcp: refused  http_code=500"
        );
        assert!(out.contains("plain \\x1b[31mline"), "{out}");
    }

    #[test]
    fn json_for_a_terminal_escapes_what_could_act_on_it() {
        let line = "{\"level\":\"info\",\"msg\":\"a\u{9b}2J \u{202e}x \u{7f}\"}";
        let out = print(Format::Json { inert: true }, &[line]);
        assert!(out.contains(r"a\u009b2J \u202ex \u007f"), "{out}");
        let value: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(
            value["msg"], "a\u{9b}2J \u{202e}x \u{7f}",
            "still the same JSON"
        );
        let raw = print(Format::Json { inert: false }, &[line]);
        assert!(raw.contains('\u{9b}'));
    }

    #[test]
    fn only_the_members_the_parser_used_leave_the_fields() {
        let line = r#"{"timestamp":"2026-11-22 09:10:00.123 Z","level":"info","msg":"a","time":"150ms","message":"other","event_name":"x","level_2":"y"}"#;
        let parsed = parse_line(line.as_bytes(), false);
        assert_eq!(
            compact_fields(line.as_bytes(), &parsed),
            "time=150ms  message=other  event_name=x  level_2=y"
        );
        let audit =
            r#"{"timestamp":"2026-11-22 09:10:00.123 Z","event_name":"login","status":"fail"}"#;
        let parsed = parse_line(audit.as_bytes(), false);
        assert_eq!(compact_fields(audit.as_bytes(), &parsed), "status=fail");
    }

    #[test]
    fn raw_is_untouched_unless_a_terminal_reads_it() {
        assert_eq!(
            print(Format::Raw { inert: false }, &["a\u{1b}b"]),
            "a\u{1b}b\n"
        );
        assert_eq!(
            print(Format::Raw { inert: true }, &["a\u{1b}b"]),
            "a\\x1bb\n"
        );
    }

    #[test]
    fn json_is_normalized_with_continuations() {
        let out = print(
            Format::Json { inert: false },
            &[LINE, "panic: x", "goroutine 1 [running]:", "main.main()"],
        );
        let entries: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["time"], "2026-11-22T09:10:00.123Z");
        assert_eq!(entries[0]["level"], "error");
        assert_eq!(entries[0]["msg"], "invite \"failed\"");
        assert_eq!(entries[0]["fields"]["http_code"], 500);
        assert_eq!(entries[1]["level"], "fatal");
        assert_eq!(
            entries[1]["continuation"],
            "goroutine 1 [running]:\nmain.main()"
        );
        assert_eq!(entries[1]["raw"], "panic: x");
    }
}
