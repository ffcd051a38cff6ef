//! The Logs tab driven by keys against the demo server's log file and its REST log API.

use std::io::Write;
use std::time::Duration;

use crate::common::Tabs;
use crate::common::*;
use mmops::demo::{DemoOptions, DemoServer};
use mmops::host::{HomeOrigin, MmHome};
use mmops::logs::parse::Level;
use mmops::logs::source::SourceState;
use mmops::tui::Launch;
use mmops::tui::tabs::logs::LogsLaunch;
use mmops::tui::testing::Harness;

const WAIT: Duration = Duration::from_secs(20);

/// A console on the demo, its Logs tab following the demo's install: mattermost.log,
/// audit.log and ldap.log.
async fn on_files(server: &DemoServer, logs: LogsLaunch) -> Harness {
    let mut launch: Launch = launch(Some(admin(server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Demo));
    launch.logs = logs;
    let mut h = Harness::start(launch);
    h.settle().await;
    h.press(&["3"]).unwrap();
    h.pump_until(WAIT, |app| {
        let tab = app.logs();
        ["mattermost.log", "audit.log", "ldap.log"]
            .iter()
            .all(|name| tab.source_state(name) == Some(&SourceState::Following))
    })
    .await;
    h.settle().await;
    h
}

/// Lines in the demo install's mattermost.log and audit.log.
fn history_lines(server: &DemoServer) -> usize {
    let logs = server.log_path();
    [
        logs.clone(),
        logs.with_file_name("audit.log"),
        logs.with_file_name("ldap.log"),
    ]
    .iter()
    .map(|path| std::fs::read_to_string(path).unwrap().lines().count())
    .sum()
}

fn append(server: &DemoServer, lines: &[&str]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(server.log_path())
        .unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

/// The frame with the demo's temporary host dir replaced, for snapshots.
fn frame(h: &mut Harness, server: &DemoServer, width: u16, height: u16) -> String {
    h.render_text(width, height)
        .replace(&server.host_dir.display().to_string(), "<host dir>")
}

#[tokio::test]
async fn the_tab_follows_the_log_file() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    assert_eq!(h.app.active_title(), "Logs");
    assert_eq!(h.app.logs().store().len(), history_lines(&server));
    assert!(h.app.logs().is_following());
    insta::assert_snapshot!("logs_80x24", frame(&mut h, &server, 80, 24));
    insta::assert_snapshot!("logs_120x40", frame(&mut h, &server, 120, 40));

    append(
        &server,
        &[
            r#"{"timestamp":"2026-11-22 09:30:01.000 Z","level":"error","msg":"a brand new line","caller":"app/x.go:1"}"#,
        ],
    );
    h.pump_until(WAIT, |app| {
        app.logs().store().len() == history_lines(&server)
    })
    .await;
    let text = h.render_text(120, 40);
    let last_row = text.lines().rev().nth(2).unwrap();
    assert!(
        last_row.contains("a brand new line") && last_row.starts_with('▌'),
        "{last_row}"
    );
}

#[tokio::test]
async fn filter_levels_and_find() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["/"]).unwrap();
    h.type_text("invite|permission");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let shown: Vec<String> = h
        .app
        .logs()
        .shown()
        .map(|e| String::from_utf8_lossy(e.raw).to_lowercase())
        .collect();
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|m| m.contains("invite") || m.contains("permission")),
        "{shown:?}"
    );
    // The audit log's refused support packets are among them, under their event name.
    assert!(
        h.app
            .logs()
            .shown()
            .any(|e| e.message() == "generateSupportPacket"),
    );

    h.press(&["e"]).unwrap();
    h.settle().await;
    assert!(h.app.logs().shown().all(|e| e.level >= Level::Error));
    let errors = h.app.logs().matching();

    h.press(&["f"]).unwrap();
    h.type_text("invite");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let text = frame(&mut h, &server, 120, 40);
    insta::assert_snapshot!("logs_filtered_120x40", text);
    assert!(
        text.contains(&format!("find invite 1 of {errors}")),
        "{text}"
    );
    h.press(&["n"]).unwrap();
    assert!(
        h.render_text(120, 40)
            .contains(&format!("find invite 2 of {errors}"))
    );

    // The find's matches are highlighted in the drawn cells.
    let buffer = h.render(120, 40);
    let theme = mmops::tui::theme::Theme::builtin("dark");
    let highlighted = (0..40)
        .flat_map(|y| (0..120).map(move |x| (x, y)))
        .filter(|p| buffer[*p].bg == theme.highlight.bg.unwrap())
        .count();
    assert!(highlighted >= "invite".len(), "the find is highlighted");

    // Esc closes the find; the filter stays.
    h.press(&["esc"]).unwrap();
    assert_eq!(h.app.logs().find_position(), None);
    assert!(!h.render_text(120, 40).contains("find invite"));
    assert_eq!(h.app.logs().matching(), errors);

    h.press(&["x"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.logs().matching(), h.app.logs().store().len());
}

#[tokio::test]
async fn invert_case_picker_and_same_request() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    let total = h.app.logs().store().len();
    h.press(&["/", "R", "e", "c", "e", "i", "v", "e", "d", "enter"])
        .unwrap();
    h.settle().await;
    let received = h.app.logs().matching();
    assert!(received > 0);
    h.press(&["v"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.logs().matching(), total - received, "v inverts");
    h.press(&["v", "c"]).unwrap();
    h.settle().await;
    assert_eq!(
        h.app.logs().matching(),
        received,
        "case-sensitive: same, the case matches"
    );

    // The level picker: only WARN.
    h.press(&["x", "L"]).unwrap();
    for _ in 0..7 {
        h.press(&["space", "j"]).unwrap();
    }
    h.press(&["k", "k", "k", "space", "enter"]).unwrap();
    h.settle().await;
    assert!(
        h.app.logs().shown().all(|e| e.level == Level::Warn),
        "only warnings"
    );
    assert!(h.app.logs().matching() > 0);

    // Same request: the selected entry's request_id.
    h.press(&["x", "/"]).unwrap();
    h.type_text("Received");
    h.press(&["enter", "g", "r"]).unwrap();
    h.settle().await;
    let id = h.app.logs().shown().next().map(|e| e.raw.to_vec()).unwrap();
    assert_eq!(
        h.app.logs().matching(),
        1,
        "one line per request in the demo"
    );
    assert!(String::from_utf8_lossy(&id).contains("request_id"));
}

#[tokio::test]
async fn detail_view_and_yank() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["/", "5", "0", "0", "enter", "enter"]).unwrap();
    h.settle().await;
    let text = frame(&mut h, &server, 100, 40);
    insta::assert_snapshot!("logs_detail_100x40", text);
    assert!(
        text.contains("Raw JSON") && text.contains("http_code"),
        "{text}"
    );
    let raw = h.app.logs().selected().unwrap().raw.to_vec();
    h.press(&["y"]).unwrap();
    let output = h.terminal_output();
    assert_eq!(output.len(), 1);
    let payload = output[0]
        .strip_prefix("\x1b]52;c;")
        .unwrap()
        .strip_suffix('\x07')
        .unwrap();
    assert_eq!(payload, mmops::tui::osc52::base64(&raw));
    h.press(&["esc"]).unwrap();
    assert!(!h.render_text(100, 40).contains("Raw JSON"));
}

#[tokio::test]
async fn goto_a_time_and_back_to_following() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&[":"]).unwrap();
    h.type_text("goto 08:30");
    h.press(&["enter"]).unwrap();
    let selected = h.app.logs().selected().unwrap().ts_ms.unwrap();
    assert!(
        (NOW_MS - 3_600_000..NOW_MS - 3_600_000 + 60_000).contains(&selected),
        "{selected}"
    );
    assert!(!h.app.logs().is_following());
    assert!(h.render_text(80, 24).contains("PAUSED"));
    h.press(&["G"]).unwrap();
    assert!(h.app.logs().is_following());
}

#[tokio::test]
async fn saving_writes_the_filtered_raw_lines() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("errors.log");
    h.press(&["e", "s", "ctrl-u"]).unwrap();
    h.app
        .on_event(crossterm::event::Event::Paste(target.display().to_string()));
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let expected: Vec<String> = std::fs::read_to_string(server.log_path())
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"level\":\"error\""))
        .map(str::to_string)
        .collect();
    let saved: Vec<String> = std::fs::read_to_string(&target)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(saved, expected);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&target).unwrap().mode() & 0o777, 0o600);
    assert!(
        h.render_text(120, 40)
            .contains(&format!("saved {} lines", expected.len()))
    );
}

#[tokio::test]
async fn hostile_lines_are_drawn_inert() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    append(
        &server,
        &[
            "{\"timestamp\":\"2026-11-22 09:30:02.000 Z\",\"level\":\"error\",\"msg\":\"evil \\u001b[2J\\u001b]0;pwned\\u0007 \\u202egnp.exe \\u200bzero\",\"caller\":\"x.go:1\"}",
            "plain \u{1b}[31mred\u{7} \u{0} line with \u{9b}C1 and 日本語 wide",
        ],
    );
    let expected = history_lines(&server);
    h.pump_until(WAIT, |app| app.logs().store().len() == expected)
        .await;
    let buffer = h.render(140, 40);
    for y in 0..40 {
        for x in 0..140 {
            let symbol = buffer[(x, y)].symbol();
            assert!(
                !symbol.chars().any(|c| c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || c == '\u{200b}'),
                "a control character reached cell {x},{y}: {symbol:?}"
            );
        }
    }
    let text = mmops::tui::testing::buffer_text(&buffer);
    assert!(
        text.contains("evil \\x1b[2J\\x1b]0;pwned\\x07 \\u{202e}gnp.exe \\u{200b}zero"),
        "{text}"
    );
    assert!(
        text.contains("plain \\x1b[31mred\\x07 \\x00 line with \\u{9b}C1 and 日本語 wide"),
        "{text}"
    );
}

#[tokio::test]
async fn the_buffer_is_bounded_and_counts_what_it_drops() {
    let server = demo().await;
    let logs = LogsLaunch {
        buffer_entries: 1000,
        ..LogsLaunch::default()
    };
    let mut h = on_files(&server, logs).await;
    let before = history_lines(&server);
    let lines: Vec<String> = (0..1500)
        .map(|i| {
            format!(
                r#"{{"timestamp":"2026-11-22 09:31:00.000 Z","level":"info","msg":"flood {i}"}}"#
            )
        })
        .collect();
    append(
        &server,
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let total = (before + 1500) as u64;
    h.pump_until(WAIT, |app| {
        app.logs().store().dropped() + app.logs().store().len() as u64 == total
    })
    .await;
    assert_eq!(h.app.logs().store().len(), 1000);
    assert_eq!(h.app.logs().store().dropped(), total - 1000);
    assert!(h.render_text(120, 40).contains(&format!(
        "{} dropped",
        mmops::timefmt::count((total - 1000) as i64)
    )));
}

#[tokio::test]
async fn rest_source_shows_both_nodes_and_switches() {
    let server = demo().await;
    // No host dir: the REST log API is the source.
    let mut h = Harness::start(launch(Some(admin(&server)), "DEMO"));
    h.press(&["3"]).unwrap();
    h.pump_until(WAIT, |app| app.logs().store().sources().len() == 2)
        .await;
    h.settle().await;
    let sources = h.app.logs().store().sources().to_vec();
    assert_eq!(
        sources,
        vec!["mm-app-1".to_string(), "mm-app-2".to_string()]
    );
    let times: Vec<i64> = h.app.logs().shown().filter_map(|e| e.ts_ms).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "one timeline across nodes"
    );
    let text = h.render_text(120, 40);
    assert!(
        text.contains("REST: GET /api/v4/logs") && text.contains("mm-app-2"),
        "{text}"
    );
}

#[tokio::test]
async fn rest_says_when_file_logging_is_off() {
    let server = demo_with(DemoOptions {
        faults: Some("/api/v4/logs=filelogoff".into()),
        ..DemoOptions::default()
    })
    .await;
    let mut h = Harness::start(launch(Some(admin(&server)), "DEMO"));
    h.press(&["3"]).unwrap();
    h.pump_until(WAIT, |app| {
        app.logs().source_state("REST") == Some(&SourceState::FileLoggingOff)
    })
    .await;
    let text = h.render_text(120, 24);
    assert!(text.contains("file logging is off on the server"), "{text}");
}

/// `u`: the held entries grouped by pattern, counted to the last entry; Enter shows only the
/// selected pattern's entries; a mark flags what is first seen after it; live lines count.
#[tokio::test]
async fn the_patterns_view_groups_filters_and_flags_what_is_new() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["u"]).unwrap();
    h.settle().await;
    let pane = h.app.logs().patterns_pane().expect("the patterns view");
    let patterns = pane.patterns();
    assert_eq!(patterns.added() as usize, h.app.logs().store().len());
    let total: u64 = (0..patterns.len())
        .filter_map(|i| patterns.get(i))
        .map(|p| p.count)
        .sum();
    assert_eq!(total as usize, history_lines(&server));
    insta::assert_snapshot!("logs_patterns_80x24", frame(&mut h, &server, 80, 24));
    insta::assert_snapshot!("logs_patterns_200x50", frame(&mut h, &server, 200, 50));

    // Sorted by last seen, then by level then count: the selection stays with its pattern,
    // and the top is an error.
    h.press(&["s", "s", "g"]).unwrap();
    let pane = h.app.logs().patterns_pane().unwrap();
    assert_eq!(pane.selected().unwrap().level.rank(), Level::Error);
    let (template, count) = {
        let p = pane.selected().unwrap();
        (p.template.clone(), p.count)
    };
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.active_title(), "Logs");
    assert_eq!(h.app.logs().matching() as u64, count);
    assert!(
        h.app
            .logs()
            .shown()
            .all(|e| e.level.rank() == Level::Error && e.message().contains(&template[..8]))
    );
    assert!(h.render_text(120, 40).contains("pattern: "));

    // A mark, then a message never seen: it is the one new pattern.
    h.press(&["x", "m"]).unwrap();
    append(
        &server,
        &[
            r#"{"timestamp":"2026-11-22 09:31:00.000 Z","level":"error","msg":"Cluster message queue full, dropping 12 messages","caller":"cluster/queue.go:55"}"#,
        ],
    );
    let before = h.app.logs().store().len();
    h.pump_until(WAIT, |app| app.logs().store().len() > before)
        .await;
    h.press(&["u"]).unwrap();
    h.settle().await;
    let pane = h.app.logs().patterns_pane().unwrap();
    let new: Vec<&str> = (0..pane.patterns().len())
        .filter_map(|i| pane.patterns().get(i))
        .filter(|p| pane.is_new(p))
        .map(|p| p.template.as_str())
        .collect();
    assert_eq!(new, ["Cluster message queue full, dropping # messages"]);
    assert!(h.render_text(120, 40).contains("1 new since the mark"));
    h.press(&["esc"]).unwrap();
    assert_eq!(h.app.focus().scope, mmops::tui::keys::Scope::Logs);
}

/// `]` and `[` go from error to error, `}` and `{` from warning to warning; `:since` and
/// `:until` narrow to a time range; `A` shows every source around the selected entry.
#[tokio::test]
async fn errors_warnings_time_ranges_and_around_this() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["g", "]"]).unwrap();
    let first_error = h.app.logs().selected().unwrap();
    assert!(first_error.level.rank() >= Level::Error);
    let error_seq = first_error.seq;
    h.press(&["]"]).unwrap();
    let second = h.app.logs().selected().unwrap();
    assert!(second.level.rank() >= Level::Error && second.seq > error_seq);
    h.press(&["["]).unwrap();
    assert_eq!(h.app.logs().selected().unwrap().seq, error_seq);
    h.press(&["}"]).unwrap();
    assert_eq!(h.app.logs().selected().unwrap().level, Level::Warn);

    // Marks on entries: M marks (◆), ' and " go from mark to mark.
    let warning = h.app.logs().selected().unwrap().seq;
    h.press(&["M", "["]).unwrap();
    let error = h.app.logs().selected().unwrap().seq;
    h.press(&["M", "g"]).unwrap();
    assert_eq!(
        h.app.logs().bookmarks().collect::<Vec<_>>(),
        [error, warning]
    );
    h.press(&["'"]).unwrap();
    assert_eq!(h.app.logs().selected().unwrap().seq, error);
    h.press(&["'"]).unwrap();
    assert_eq!(h.app.logs().selected().unwrap().seq, warning);
    h.press(&["\""]).unwrap();
    assert_eq!(h.app.logs().selected().unwrap().seq, error);
    // Selected or not, a marked entry shows its mark.
    let shown = h.render_text(120, 40);
    assert!(shown.contains("◆"), "{shown}");
    h.press(&["j"]).unwrap();
    let shown = h.render_text(120, 40);
    assert!(shown.contains("◆") && shown.contains("▌"), "{shown}");
    h.press(&["k", "M"]).unwrap();
    assert_eq!(h.app.logs().bookmarks().collect::<Vec<_>>(), [warning]);

    // Around the error: every source within 30 s of it, the error still selected.
    let ts = h.app.logs().selected().unwrap().ts_ms.unwrap();
    h.press(&["A"]).unwrap();
    h.settle().await;
    let shown: Vec<i64> = h.app.logs().shown().filter_map(|e| e.ts_ms).collect();
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|t| (t - ts).abs() <= 30_000), "{shown:?}");
    let expected = (h.app.logs().store().first_seq()..h.app.logs().store().end_seq())
        .filter_map(|seq| h.app.logs().store().get(seq))
        .filter(|e| e.ts_ms.is_some_and(|t| (t - ts).abs() <= 30_000))
        .count();
    assert_eq!(h.app.logs().matching(), expected);
    assert_eq!(h.app.logs().selected().unwrap().ts_ms, Some(ts));

    // :since and :until over the whole buffer.
    h.press(&["x", ":"]).unwrap();
    h.type_text("since 2026-11-22 08:30");
    h.press(&["enter", ":"]).unwrap();
    h.type_text("until 2026-11-22 09:00");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let (from, to) = (
        mmops::logs::parse::parse_timestamp(b"2026-11-22T08:30:00Z").unwrap(),
        mmops::logs::parse::parse_timestamp(b"2026-11-22T09:00:00Z").unwrap(),
    );
    let expected = (h.app.logs().store().first_seq()..h.app.logs().store().end_seq())
        .filter_map(|seq| h.app.logs().store().get(seq))
        .filter(|e| e.ts_ms.is_none_or(|t| t >= from && t < to))
        .count();
    assert_eq!(h.app.logs().matching(), expected);
    assert!(
        h.render_text(120, 40)
            .contains("08:30:00.000 → 09:00:00.000")
    );
}

/// `T`: the timeline of the shown entries above the list, redrawn for every filter; `.` and
/// `,` move the selection a bucket later or earlier.
#[tokio::test]
async fn the_timeline_follows_the_filter_and_moves_the_selection() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["T"]).unwrap();
    h.settle().await;
    assert!(h.app.logs().timeline_shown());
    insta::assert_snapshot!("logs_timeline_80x24", frame(&mut h, &server, 80, 24));
    insta::assert_snapshot!("logs_timeline_200x50", frame(&mut h, &server, 200, 50));
    h.press(&["e"]).unwrap();
    h.settle().await;
    let errors = frame(&mut h, &server, 200, 50);
    insta::assert_snapshot!("logs_timeline_errors_200x50", errors);
    assert!(errors.contains("per column"), "{errors}");

    // Only today's mattermost.log, so the buckets are minutes: `.` goes a bucket later.
    h.press(&["x", ":"]).unwrap();
    h.type_text("since 2026-11-22 07:30");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    h.render_text(200, 50);
    h.press(&["g"]).unwrap();
    let first = h.app.logs().selected().unwrap().ts_ms.unwrap();
    h.press(&["."]).unwrap();
    let later = h.app.logs().selected().unwrap().ts_ms.unwrap();
    assert!(later > first, "{first} → {later}");
    h.press(&[","]).unwrap();
    let back = h.app.logs().selected().unwrap().ts_ms.unwrap();
    assert!(back < later, "{later} → {back}");
    h.press(&["T", "."]).unwrap();
    assert!(!h.app.logs().timeline_shown());
    assert!(
        h.render_text(120, 40)
            .contains("no timeline: press T first")
    );
}

/// `+` narrows the time range to the selected entry's bucket of the timeline, whose buckets get
/// finer; `-` goes back to the range before, one zoom at a time.
#[tokio::test]
async fn zooming_into_a_bucket_of_the_timeline_and_out_again() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["+"]).unwrap();
    assert!(
        h.render_text(120, 40)
            .contains("no timeline: press T first")
    );
    h.press(&["T", ":"]).unwrap();
    h.type_text("since 2026-11-22 07:30");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    let before = h.render_text(200, 50);
    let whole = h.app.logs().matching();
    h.press(&["g", ".", "."]).unwrap();
    let selected = h.app.logs().selected().unwrap();
    let (seq, ts) = (selected.seq, selected.ts_ms.unwrap());

    h.press(&["+"]).unwrap();
    h.settle().await;
    let zoomed = h.render_text(200, 50);
    let shown: Vec<i64> = h.app.logs().shown().filter_map(|e| e.ts_ms).collect();
    assert!(shown.len() < whole, "{} of {whole}", shown.len());
    assert!(shown.contains(&ts));
    let span = shown.iter().max().unwrap() - shown.iter().min().unwrap();
    assert!(span < 60_000, "a one-minute bucket: {span} ms");
    assert_eq!(h.app.logs().selected().unwrap().seq, seq);
    assert!(before.contains("1m per column"), "{before}");
    assert!(!zoomed.contains("1m per column"), "{zoomed}");
    assert!(zoomed.contains("zoomed in"), "{zoomed}");

    // Twice in, then out twice: the range before each zoom, the selection kept.
    h.press(&["+"]).unwrap();
    h.settle().await;
    let inner = h.app.logs().matching();
    assert!(inner <= shown.len());
    h.press(&["-"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.logs().matching(), shown.len());
    h.press(&["-"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.logs().matching(), whole);
    assert_eq!(h.app.logs().selected().unwrap().seq, seq);
    h.press(&["-"]).unwrap();
    assert!(
        h.render_text(120, 40)
            .contains("not zoomed in (x clears every filter)")
    );
}

/// `,` and `.` pass over empty buckets: over days of history with gaps, each press goes to the
/// next bucket that holds an entry, and says so at either end.
#[tokio::test]
async fn moving_by_bucket_passes_over_empty_buckets() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&["T"]).unwrap();
    h.settle().await;
    h.render_text(80, 24);
    h.press(&["G"]).unwrap();
    let newest = h.app.logs().selected().unwrap().ts_ms.unwrap();
    let mut times = vec![newest];
    for _ in 0..200 {
        h.press(&[","]).unwrap();
        let ts = h.app.logs().selected().unwrap().ts_ms.unwrap();
        if ts == *times.last().unwrap() {
            break;
        }
        times.push(ts);
    }
    assert!(times.windows(2).all(|w| w[1] < w[0]), "{times:?}");
    // The demo's log holds days of history with quiet stretches between: more than one bucket
    // was reached, and the first entry at the end.
    let first = h.app.logs().shown().filter_map(|e| e.ts_ms).min().unwrap();
    assert!(times.len() > 2, "{times:?}");
    assert_eq!(*times.last().unwrap(), first);
    assert!(h.render_text(120, 40).contains("no earlier bucket"));
    for _ in 0..200 {
        h.press(&["."]).unwrap();
    }
    assert!(h.render_text(120, 40).contains("no later bucket"));
    assert!(h.app.logs().selected().unwrap().ts_ms.unwrap() <= newest);
}

/// `:until` before `:since` shows nothing, and says why.
#[tokio::test]
async fn a_backwards_time_range_says_so() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&[":"]).unwrap();
    h.type_text("until 2026-11-22 08:30");
    h.press(&["enter", ":"]).unwrap();
    h.type_text("since 2026-11-22 09:00");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    assert_eq!(h.app.logs().matching(), 0);
    let shown = h.render_text(200, 50);
    assert!(
        shown.contains(
            "The time range is backwards: since 2026-11-22 09:00:00.000 UTC is not before until \
             2026-11-22 08:30:00.000 UTC. x clears it."
        ),
        "{shown}"
    );
}

/// The empty `:` prompt says what can be typed; the hint goes when typing starts.
#[tokio::test]
async fn the_command_prompt_hints_at_its_commands() {
    let server = demo().await;
    let mut h = on_files(&server, LogsLaunch::default()).await;
    h.press(&[":"]).unwrap();
    let shown = h.render_text(80, 24);
    assert!(
        shown.contains(":  goto 14:05 · since 30m · until 14:30"),
        "{shown}"
    );
    h.type_text("s");
    let shown = h.render_text(80, 24);
    assert!(!shown.contains("goto 14:05"), "{shown}");
}
