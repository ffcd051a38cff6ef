//! Invites tab: each keystroke of the fuzzy finder over 100,000 rows answers in 10 ms or
//! less, and the tab renders 100,000 rows at 2 ms or less a frame.
//!
//! The rows are made like a large server's history: 100,000 invitations to 1,000 teams from
//! 200 senders, every status, a tenth used by the invited address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mmops::fuzzy;
use mmops::invites::actions::LedgerView;
use mmops::invites::ledger::Invitation;
use mmops::invites::resolve::Status;
use mmops::tui::keys::{Action, Keymap};
use mmops::tui::tabs::invites::{InvitesTab, Msg};
use mmops::tui::testing::Probe;
use mmops::tui::theme::Theme;
use mmops::tui::view::{Ui, View};
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

/// The tab with the rows read, driven through the contract by a probe.
fn loaded_tab() -> (Probe, InvitesTab) {
    let mut probe = Probe::offline(&std::env::temp_dir(), NOW);
    let mut tab = InvitesTab::new(&probe.env);
    let view = LedgerView {
        path: PathBuf::from("/tmp/bench-ledger.sqlite"),
        invitations: (0..ROWS).map(invitation).collect(),
        runs: vec![],
        teams: vec![],
    };
    probe.with(&mut tab, |tab, ctx| {
        tab.on_msg(Msg::Opened(Ok((view, vec![]))), ctx)
    });
    assert_eq!(tab.shown().len(), ROWS);
    (probe, tab)
}

/// Backspace in the finder.
fn back(probe: &mut Probe, tab: &mut InvitesTab) {
    probe.with(tab, |tab, ctx| tab.on_action(Action::DeleteBack, ctx));
}

fn bench(c: &mut Criterion) {
    let theme = Theme::builtin("dark");
    let mut group = c.benchmark_group("invites_tab");

    // The worst keystroke: the first letter, which searches every row (then Backspace, which
    // returns the kept answer for the empty query). The time is for both keys.
    let (mut probe, mut tab) = loaded_tab();
    probe.press(&mut tab, &["/"]);
    group.bench_function("finder_first_letter_and_backspace_100k", |b| {
        b.iter(|| {
            probe.type_text(&mut tab, "a");
            assert!(!tab.shown().is_empty());
            back(&mut probe, &mut tab);
        })
    });

    // The second letter: a two-letter word over the first letter's answer (most rows), then
    // Backspace back to it.
    probe.type_text(&mut tab, "e");
    group.bench_function("finder_second_letter_and_backspace_100k", |b| {
        b.iter(|| {
            probe.type_text(&mut tab, "x");
            assert!(!tab.shown().is_empty());
            back(&mut probe, &mut tab);
        })
    });
    back(&mut probe, &mut tab);

    // Typing a whole query, one keystroke at a time: each narrows the one before. The time is
    // for the eleven keys and the eleven Backspaces.
    let query = "kavya fox 9";
    group.bench_function("finder_type_a_query_100k", |b| {
        b.iter(|| {
            for c in query.chars() {
                probe.type_text(&mut tab, &c.to_string());
            }
            assert!(!tab.shown().is_empty());
            for _ in query.chars() {
                back(&mut probe, &mut tab);
            }
        })
    });
    probe.press(&mut tab, &["esc"]);

    finder_cases(&mut group);

    // A frame of the table over every row, the selection in the middle.
    let (mut probe, mut tab) = loaded_tab();
    for _ in 0..50 {
        probe.press(&mut tab, &["pagedown"]);
    }
    let keymap = Keymap::default();
    let ui = Ui {
        theme: &theme,
        keymap: &keymap,
        now_ms: NOW,
    };
    let area = Rect::new(0, 0, 120, 38);
    let mut buf = Buffer::empty(area);
    group.bench_function("frame_120x38_100k_rows", |b| {
        b.iter(|| {
            buf.reset();
            tab.draw(area, &mut buf, &ui);
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

/// The finder alone over the 100,000 rows, for the queries that cost it most: each case's
/// time is for all of its keys, Backspaces included; the target is per key, so each key's
/// median over 31 runs is printed too ("per key ..."). The same cases measured nucleo-matcher
/// when the finder was chosen (BENCHMARKS.md).
fn finder_cases(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let invitations: Vec<Invitation> = (0..ROWS).map(invitation).collect();
    let haystacks: Vec<fuzzy::Haystack> = invitations
        .iter()
        .map(|i| fuzzy::haystack(&fields(i)))
        .collect();
    let base: Vec<u32> = (0..ROWS as u32).collect();
    // (name, what is typed, matches expected of the whole query: at least, at most)
    let cases: [(&str, &str, usize, usize); 5] = [
        ("one_letter_matching_nearly_all", "a", 90_000, ROWS),
        ("two_letters_ex", "ex", 50_000, ROWS),
        ("type_kavya_fox_9", "kavya fox 9", 1, 5_000),
        ("one_letter_matching_nothing", "w", 0, 0),
        // "andre" matches many rows by scattered letters, the "w" none: the slowest keys.
        ("type_andrew_matching_nothing_at_the_end", "andrew", 0, 0),
    ];
    for (name, typed, at_least, at_most) in cases {
        let mut finder = fuzzy::Finder::default();
        let found = type_and_erase(|q| finder.search(&haystacks, &base, q).len(), typed);
        assert!((at_least..=at_most).contains(&found), "{name}: {found}");
        let keys = per_key(|q| finder.search(&haystacks, &base, q).len(), typed, 31);
        let slowest = keys.iter().max().copied().unwrap_or_default();
        println!(
            "per key {name}: slowest {:.2} ms; {}",
            slowest.as_secs_f64() * 1e3,
            keys.iter()
                .map(|t| format!("{:.2}", t.as_secs_f64() * 1e3))
                .collect::<Vec<_>>()
                .join(", ")
        );
        group.bench_function(format!("finder_fuzzy_rs/{name}"), |b| {
            b.iter(|| type_and_erase(|q| finder.search(&haystacks, &base, q).len(), typed))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
