//! Invites tab: each keystroke of the fuzzy finder over 100,000 rows answers in 10 ms or
//! less, and the tab renders 100,000 rows at 2 ms or less a frame.
//!
//! The rows are made like a large server's history: 100,000 invitations to 1,000 teams from
//! 200 senders, every status, a tenth used by the invited address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mmops::fuzzy;
#[path = "../tests/common/nucleo_finder.rs"]
mod nucleo_finder;
use mmops::invites::actions::LedgerView;
use mmops::invites::ledger::Invitation;
use mmops::invites::resolve::Status;
use mmops::tui::Clock;
use mmops::tui::keys::Action;
use mmops::tui::tabs::invites::{InvitesTab, view};
use mmops::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const NOW: i64 = 1_795_339_800_000;
const ROWS: usize = 100_000;

const FIRST: [&str; 12] = [
    "ana", "bruno", "carol", "dmitri", "emma", "felix", "grace", "hiro", "ines", "jonas", "kavya",
    "lena",
];
const LAST: [&str; 10] = [
    "silva", "novak", "quist", "haddad", "moreau", "zhang", "okafor", "costa", "berg", "fox",
];
const DOMAINS: [&str; 4] = ["example.com", "example.org", "corp.example", "partner.io"];

fn invitation(i: usize) -> Invitation {
    let name = format!("{}.{}{}", FIRST[i % 12], LAST[(i / 12) % 10], i % 997);
    let status = Status::ALL[i % Status::ALL.len()];
    let used = matches!(status, Status::Accepted | Status::AcceptedByOther);
    Invitation {
        id: i as i64 + 1,
        sent_at: NOW - (i as i64) * 60_000,
        email: format!("{name}@{}", DOMAINS[i % 4]),
        team_id: Some(format!("team{:022}", i % 1000)),
        team_name: Some(format!("team-{}", i % 1000)),
        sender_id: Some(format!("sender{:020}", i % 200)),
        sender_username: Some(format!("admin.{}", i % 200)),
        kind: "member".into(),
        token_fingerprint: None,
        status: status.as_str().into(),
        status_at: NOW - (i as i64) * 60_000 + 1000,
        status_reason: "decided by the bench".into(),
        used_by_user_id: used.then(|| format!("user{i:022}")),
        used_by_email: used.then(|| format!("{name}@{}", DOMAINS[i % 4])),
        user_created: used.then_some(i.is_multiple_of(2)),
        sources: vec!["audit".into()],
        channels: vec![],
        used_by_username: used.then(|| name.clone()),
        sender_unknown_reason: None,
    }
}

fn loaded_tab() -> InvitesTab {
    let mut tab = InvitesTab::new(true, PathBuf::from("/tmp"), Clock::Fixed(NOW));
    let generation = tab.begin_open();
    let view = LedgerView {
        path: PathBuf::from("/tmp/bench-ledger.sqlite"),
        invitations: (0..ROWS).map(invitation).collect(),
        runs: vec![],
        teams: vec![],
    };
    tab.opened(generation, Ok((view, vec![])));
    assert_eq!(tab.shown().len(), ROWS);
    tab
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn bench(c: &mut Criterion) {
    let theme = Theme::builtin("dark");
    let mut group = c.benchmark_group("invites_tab");

    // The worst keystroke: the first letter, which searches every row (then Backspace, which
    // returns the kept answer for the empty query). The time is for both keys.
    let mut tab = loaded_tab();
    tab.perform(Action::Filter);
    group.bench_function("finder_first_letter_and_backspace_100k", |b| {
        b.iter(|| {
            tab.handle_key(key(KeyCode::Char('a')));
            assert!(!tab.shown().is_empty());
            tab.handle_key(key(KeyCode::Backspace));
        })
    });

    // The second letter: a two-letter word over the first letter's answer (most rows), then
    // Backspace back to it.
    tab.handle_key(key(KeyCode::Char('e')));
    group.bench_function("finder_second_letter_and_backspace_100k", |b| {
        b.iter(|| {
            tab.handle_key(key(KeyCode::Char('x')));
            assert!(!tab.shown().is_empty());
            tab.handle_key(key(KeyCode::Backspace));
        })
    });
    tab.handle_key(key(KeyCode::Backspace));

    // Typing a whole query, one keystroke at a time: each narrows the one before. The time is
    // for the eleven keys and the eleven Backspaces.
    let query = "kavya fox 9";
    group.bench_function("finder_type_a_query_100k", |b| {
        b.iter(|| {
            for c in query.chars() {
                tab.handle_key(key(KeyCode::Char(c)));
            }
            assert!(!tab.shown().is_empty());
            for _ in query.chars() {
                tab.handle_key(key(KeyCode::Backspace));
            }
        })
    });
    tab.handle_key(key(KeyCode::Esc));

    finder_comparison(&mut group);

    // A frame of the table over every row, the selection in the middle.
    let mut tab = loaded_tab();
    for _ in 0..50 {
        tab.perform(Action::PageDown);
    }
    let area = Rect::new(0, 0, 120, 38);
    let mut buf = Buffer::empty(area);
    group.bench_function("frame_120x38_100k_rows", |b| {
        b.iter(|| {
            buf.reset();
            view::render(&mut tab, NOW, area, &mut buf, &theme);
        })
    });
    group.finish();
}

/// What the tab's finder searches in a row (`Row::haystack`'s fields).
fn fields(i: &Invitation) -> [&str; 5] {
    [
        &i.email,
        i.team_name.as_deref().unwrap_or(""),
        i.sender_username.as_deref().unwrap_or(""),
        i.used_by_username.as_deref().unwrap_or(""),
        i.used_by_email.as_deref().unwrap_or(""),
    ]
}

/// Keystrokes as the tab sends them to its finder: every prefix of `typed` in turn, then
/// back down by Backspace to the empty query. Returns the matches of the whole query.
fn type_and_erase(mut search: impl FnMut(&str) -> usize, typed: &str) -> usize {
    let ends: Vec<usize> = typed
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    let mut found = 0;
    for end in &ends {
        found = search(&typed[..*end]);
    }
    for end in ends.iter().rev().skip(1) {
        search(&typed[..*end]);
    }
    search("");
    found
}

/// The median time of each keystroke of `type_and_erase` over `runs` runs, in order.
fn per_key(mut search: impl FnMut(&str) -> usize, typed: &str, runs: usize) -> Vec<Duration> {
    let mut times: Vec<Vec<Duration>> = Vec::new();
    for _ in 0..runs {
        let mut keys = Vec::new();
        type_and_erase(
            |q| {
                let start = Instant::now();
                let found = search(q);
                keys.push(start.elapsed());
                found
            },
            typed,
        );
        times.push(keys);
    }
    (0..times[0].len())
        .map(|key| {
            let mut t: Vec<Duration> = times.iter().map(|run| run[key]).collect();
            t.sort();
            t[t.len() / 2]
        })
        .collect()
}

fn print_per_key(name: &str, typed: &str, keys: &[Duration]) {
    let slowest = keys.iter().max().copied().unwrap_or_default();
    let typed_keys = typed.chars().count();
    let shown: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let key = if i < typed_keys {
                typed.chars().nth(i).map(String::from).unwrap_or_default()
            } else {
                "⌫".to_string()
            };
            format!("{key} {:.2}", t.as_secs_f64() * 1e3)
        })
        .collect();
    println!(
        "per key {name}: slowest {:.2} ms; {}",
        slowest.as_secs_f64() * 1e3,
        shown.join(", ")
    );
}

/// `fuzzy.rs` and `nucleo-matcher` behind the same `Finder` interface, over the same 100,000
/// rows and the same keystrokes, one after the other in this run. Each case's time is for
/// all of its keys, Backspaces included; the target is per key, so each key's median over 31
/// runs is printed too ("per key ...").
fn finder_comparison(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let invitations: Vec<Invitation> = (0..ROWS).map(invitation).collect();
    let ours: Vec<fuzzy::Haystack> = invitations
        .iter()
        .map(|i| fuzzy::haystack(&fields(i)))
        .collect();
    let nucleo: Vec<nucleo_finder::Haystack> = invitations
        .iter()
        .map(|i| nucleo_finder::haystack(&fields(i)))
        .collect();
    let base: Vec<u32> = (0..ROWS as u32).collect();
    // (name, what is typed, matches expected of the whole query: at least, at most)
    let cases: [(&str, &str, usize, usize); 5] = [
        // One letter that nearly every row has, then Backspace.
        ("one_letter_matching_nearly_all", "a", 90_000, ROWS),
        // A second letter over the first one's answer, then two Backspaces.
        ("two_letters_ex", "ex", 50_000, ROWS),
        // A name, a surname, a digit, one key at a time.
        ("type_kavya_fox_9", "kavya fox 9", 1, 5_000),
        // A first letter no row has: every row read, nothing kept.
        ("one_letter_matching_nothing", "w", 0, 0),
        // A name no row has: "andre" matches many rows scattered, the "w" none.
        ("type_andrew_matching_nothing_at_the_end", "andrew", 0, 0),
    ];
    for (name, typed, at_least, at_most) in cases {
        let mut finder = fuzzy::Finder::default();
        let found = type_and_erase(|q| finder.search(&ours, &base, q).len(), typed);
        assert!(
            (at_least..=at_most).contains(&found),
            "fuzzy.rs {name}: {found}"
        );
        let keys = per_key(|q| finder.search(&ours, &base, q).len(), typed, 31);
        print_per_key(&format!("fuzzy.rs {name}"), typed, &keys);
        group.bench_function(format!("finder_fuzzy_rs/{name}"), |b| {
            b.iter(|| type_and_erase(|q| finder.search(&ours, &base, q).len(), typed))
        });
        let mut finder = nucleo_finder::Finder::default();
        let found = type_and_erase(|q| finder.search(&nucleo, &base, q).len(), typed);
        assert!(
            (at_least..=at_most).contains(&found),
            "nucleo {name}: {found}"
        );
        let keys = per_key(|q| finder.search(&nucleo, &base, q).len(), typed, 31);
        print_per_key(&format!("nucleo {name}"), typed, &keys);
        group.bench_function(format!("finder_nucleo/{name}"), |b| {
            b.iter(|| type_and_erase(|q| finder.search(&nucleo, &base, q).len(), typed))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
