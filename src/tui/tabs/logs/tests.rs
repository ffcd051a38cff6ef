//! The Logs tab's keys and messages through the contract: its modes (prompt, entry detail,
//! level picker), filters, copy, save, and what it answers other tabs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::logs::source::LineBatch;
use crate::tui::testing::Probe;

const NOW_MS: i64 = 1_795_339_800_000;

fn lines() -> Vec<String> {
    (0..40)
        .map(|i| {
            let level = ["info", "warn", "error", "debug"][i % 4];
            format!(
                r#"{{"timestamp":"2026-11-22 09:{:02}:00.000 Z","level":"{level}","msg":"line {i}","caller":"app/x.go:1","request_id":"r{}","plugin_id":"{}"}}"#,
                i % 60,
                i % 3,
                if i == 7 { "com.github.x" } else { "" }
            )
        })
        .collect()
}

fn fed(dir: &std::path::Path) -> (Probe, LogsTab) {
    let probe = Probe::offline(dir, NOW_MS);
    let mut tab = LogsTab::new(&probe.env);
    let mut batch = LineBatch::default();
    for line in lines() {
        batch.push(line.as_bytes());
    }
    tab.ingest(SourceEvent::Lines {
        source: "mattermost.log".into(),
        batch,
    });
    (probe, tab)
}

#[test]
fn levels_filter_and_the_picker_is_a_mode_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = fed(dir.path());
    assert_eq!(tab.matching(), 40);
    probe.press(&mut tab, &["e"]);
    assert_eq!(tab.matching(), 10, "errors only");
    probe.press(&mut tab, &["a", "L"]);
    assert_eq!(tab.focus(), Focus::on(Scope::LogsLevels));
    // The picker starts with every level on; turn off the third (info).
    probe.press(&mut tab, &["j", "j", "space", "enter"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Logs));
    assert!(tab.matching() < 40);
    probe.press(&mut tab, &["L", "ctrl-c"]);
    assert_eq!(
        tab.focus(),
        Focus::on(Scope::Logs),
        "Ctrl-C closes the picker"
    );
    probe.press(&mut tab, &["x"]);
    assert_eq!(tab.matching(), 40);
}

#[test]
fn a_filter_prompt_types_what_would_be_keys_and_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = fed(dir.path());
    probe.press(&mut tab, &["/"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Prompt));
    probe.press(&mut tab, &["l", "i", "n", "e", "space", "1", "q"]);
    probe.press(&mut tab, &["backspace", "enter"]);
    assert_eq!(tab.matching(), 11, "line 1 and line 10..19");
    probe.press(&mut tab, &["/", "ctrl-u"]);
    probe.type_text(&mut tab, "nothing");
    probe.press(&mut tab, &["ctrl-c"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Logs));
    assert_eq!(tab.matching(), 11, "a cancelled prompt changes nothing");
    probe.press(&mut tab, &["/", "ctrl-u"]);
    probe.type_text(&mut tab, "(unclosed");
    probe.press(&mut tab, &["enter"]);
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("filter not applied"), "{notice}");
}

#[test]
fn the_entry_detail_closes_copies_and_scrolls() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = fed(dir.path());
    probe.press(&mut tab, &["g", "enter"]);
    assert_eq!(tab.focus(), Focus::on(Scope::LogsDetail));
    probe.press(&mut tab, &["j", "y"]);
    let copied = probe.terminal.pop().expect("a copy");
    assert!(copied.contains(&crate::tui::osc52::base64(lines()[0].as_bytes())));
    probe.press(&mut tab, &["esc"]);
    assert_eq!(tab.focus(), Focus::on(Scope::Logs));
}

#[test]
fn same_request_and_find() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = fed(dir.path());
    probe.press(&mut tab, &["g", "r"]);
    assert_eq!(tab.matching(), 14, "request r0");
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert_eq!(notice, "showing request r0; x clears");
    probe.press(&mut tab, &["x", "n"]);
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert_eq!(notice, "no find: press f first");
    probe.press(&mut tab, &["f"]);
    probe.type_text(&mut tab, "line 3");
    probe.press(&mut tab, &["enter"]);
    assert_eq!(tab.find_position().map(|(_, total)| total), Some(11));
}

#[tokio::test]
async fn save_writes_the_filtered_lines_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = fed(dir.path());
    let target = dir.path().join("errors.log");
    probe.press(&mut tab, &["e", "s", "ctrl-u"]);
    probe.type_text(&mut tab, &target.display().to_string());
    probe.press(&mut tab, &["enter"]);
    probe.deliver(&mut tab).await;
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("saved 10 lines to "), "{notice}");
    let saved = std::fs::read_to_string(&target).unwrap();
    assert_eq!(saved.lines().count(), 10);
    assert!(saved.lines().all(|l| l.contains(r#""level":"error""#)));
}

#[test]
fn it_answers_who_mentions_a_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let (_probe, tab) = fed(dir.path());
    let found = tab.look_up(Lookup::LogMentions {
        needle: "com.github.x",
        limit: 5,
    });
    let Some(Found::LogMentions { lines, held }) = found else {
        panic!("the Logs tab answers");
    };
    assert!(held);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("line 7"), "{lines:?}");
}

#[test]
fn without_another_source_switching_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (mut probe, mut tab) = fed(dir.path());
    probe.press(&mut tab, &["o"]);
    let notice = tab.notice.as_ref().map(Notice::text).unwrap_or_default();
    assert!(notice.starts_with("no other log source"), "{notice}");
}
