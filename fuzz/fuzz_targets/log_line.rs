//! The log-line parser and what consumes its answer: the bounded store, field lookup, and the
//! three output formats of `mmops logs`.
//!
//! The input is a log file: each line is parsed as the follower parses it (the trace state
//! carried from line to line), and the whole input is also taken as one line, as a line from
//! the REST log API can be (a server string may hold newlines).

#![no_main]

use libfuzzer_sys::fuzz_target;
use mmops::demo::logs::log_timestamp;
use mmops::logs::filter::field_value;
use mmops::logs::output::{Format, Printer, compact_fields};
use mmops::logs::parse::{Level, Parsed, Shape, parse_line, parse_timestamp};
use mmops::logs::poll::split_nodes;
use mmops::logs::scan;
use mmops::logs::store::LogStore;
use mmops_fuzz::is_inert;

fuzz_target!(|data: &[u8]| {
    for in_trace in [false, true] {
        check_line(data, in_trace);
    }
    let _ = Level::parse(data);
    if let Some(ms) = parse_timestamp(data) {
        check_time(ms);
    }

    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let mut in_trace = false;
    let mut parsed = Vec::with_capacity(lines.len());
    for line in &lines {
        let p = check_line(line, in_trace);
        in_trace = p.opens_trace || (in_trace && p.shape == Shape::Continuation);
        parsed.push(p);
    }
    print_all(&lines, &parsed);

    // A small store, so that eviction runs too.
    let mut store = LogStore::new(4);
    for line in &lines {
        store.push_line(line, 0);
        read_store(&store);
    }
    let mut whole = LogStore::new(1);
    whole.push_line(data, 1);
    read_store(&whole);

    let answer: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let blocks = split_nodes(&answer);
    let kept: usize = blocks.iter().map(|b| b.lines.len()).sum();
    assert!(kept <= answer.len());
});

fn check_line(line: &[u8], in_trace: bool) -> Parsed {
    let parsed = parse_line(line, in_trace);
    assert_eq!(parsed, parse_line(line, in_trace), "parsing is not deterministic");
    let len = line.len() as u32;
    for (start, end) in [parsed.msg, parsed.caller, parsed.ts_span, parsed.level_span] {
        assert!(start <= end && end <= len, "span {start}..{end} outside a {len}-byte line");
    }
    assert!(parsed.json_at <= len);
    match parsed.shape {
        Shape::Json => assert_eq!(line.get(parsed.json_at as usize), Some(&b'{')),
        Shape::Continuation => {
            assert_eq!((parsed.ts_ms, parsed.level), (None, Level::None));
        }
        Shape::Text | Shape::Raw => {}
    }
    let msg = &line[parsed.msg.0 as usize..parsed.msg.1 as usize];
    let _ = scan::text(msg, parsed.msg_escaped);
    if let Some(ms) = parsed.ts_ms {
        check_time(ms);
    }
    let fields = compact_fields(line, &parsed);
    assert!(is_inert(&fields, &[]), "compact fields are not inert: {fields:?}");
    parsed
}

/// A time the parser read, written the way mattermost.log writes it, reads back the same.
fn check_time(ms: i64) {
    let text = log_timestamp(ms);
    // Only four-digit years are a log timestamp (a zone offset can push past year 9999).
    if text.len() == "2025-04-30 16:17:44.207 Z".len() && !text.starts_with('-') {
        assert_eq!(parse_timestamp(text.as_bytes()), Some(ms), "{text} does not read back");
    }
}

fn print_all(lines: &[&[u8]], parsed: &[Parsed]) {
    for format in [
        Format::Text,
        Format::Raw { inert: true },
        Format::Json { inert: true },
    ] {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, format);
        for (line, p) in lines.iter().zip(parsed) {
            let written = if p.starts_entry() {
                printer.entry(line, p, Some("mattermost.log"))
            } else {
                printer.continuation(line)
            };
            assert!(written.is_ok(), "writing to memory failed");
        }
        assert!(printer.flush().is_ok());
        drop(printer);
        let text = String::from_utf8_lossy(&out);
        assert!(is_inert(&text, &['\n']), "{format:?} output is not inert: {text:?}");
        if matches!(format, Format::Json { .. }) {
            for row in text.lines() {
                assert!(
                    serde_json::from_str::<serde_json::Value>(row).is_ok(),
                    "JSON output is not JSON: {row:?}"
                );
            }
        }
    }
}

fn read_store(store: &LogStore) {
    for seq in store.first_seq()..store.end_seq() {
        let Some(entry) = store.get(seq) else {
            panic!("entry {seq} is held but cannot be read");
        };
        let _ = entry.message();
        let _ = entry.first_line();
        let _ = entry.continuation();
        let _ = entry.json();
        for key in ["level", "msg", "user_id", "caller"] {
            let _ = field_value(&entry, key);
        }
    }
}
