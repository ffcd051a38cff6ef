//! How well the Invites finder ranks names and e-mail addresses: rows as an admin's ledger
//! holds them, queries an admin would type, and for each the rows a person would accept first.
//! `cargo test --test it fuzzy_ranking -- --nocapture` prints the scores. The same set scored
//! nucleo-matcher when the finder was chosen (BENCHMARKS.md, "Invites finder").

use mmops::fuzzy;

/// email, team, sender, used by (username), used by (email): as `Row::haystack`. Rows that
/// could be mistaken for an expected one mostly come before it.
const ROWS: [[&str; 5]; 20] = [
    ["ben.janeway@example.com", "support", "admin.kim", "", ""],
    [
        "janet.dolan@example.org",
        "design",
        "it.ops",
        "janet",
        "janet.dolan@example.org",
    ],
    [
        "jane.smith@corp.example",
        "engineering",
        "admin.kim",
        "",
        "",
    ],
    [
        "john.doe@example.com",
        "corp-it",
        "it.ops",
        "john.doe",
        "john.doe@example.com",
    ],
    [
        "johanna.nilsson@partner.io",
        "partner-success",
        "admin.kim",
        "",
        "",
    ],
    [
        "j.doe@corp.example",
        "engineering",
        "admin.kim",
        "jdoe",
        "j.doe@corp.example",
    ],
    [
        "jane.doe@example.com",
        "marketing",
        "admin.kim",
        "jane.doe",
        "jane.doe@example.com",
    ],
    [
        "rex.amplify@partner.io",
        "partner-success",
        "it.ops",
        "",
        "",
    ],
    [
        "pat.patterson@example.com",
        "platform-eng",
        "admin.kim",
        "patpat",
        "pat.patterson@example.com",
    ],
    ["priya.patel@corp.example", "data-science", "it.ops", "", ""],
    ["alex.gardner@example.org", "sales", "admin.kim", "", ""],
    [
        "alejandro.garcia@example.com",
        "platform-eng",
        "it.ops",
        "alejandro",
        "alejandro.garcia@example.com",
    ],
    [
        "a.garcia@corp.example",
        "sales",
        "admin.kim",
        "agarcia",
        "a.garcia@corp.example",
    ],
    [
        "maria.rodriguez@partner.io",
        "partner-success",
        "admin.kim",
        "",
        "",
    ],
    [
        "m.rodriguez@example.com",
        "support",
        "it.ops",
        "mrod",
        "m.rodriguez@example.com",
    ],
    ["wei.zhang@example.com", "data-science", "admin.kim", "", ""],
    ["zoë.müller@example.de", "design", "it.ops", "", ""],
    [
        "kim.berg@example.org",
        "engineering",
        "it.ops",
        "kimberg",
        "kim.berg@example.org",
    ],
    ["s.engel@partner.io", "marketing", "admin.kim", "", ""],
    ["ops-bot@example.com", "platform-eng", "it.ops", "", ""],
];

/// A query and the rows (indices into `ROWS`) a person would accept first.
const QUERIES: [(&str, &[usize]); 37] = [
    ("jane", &[2, 6]),
    ("jane doe", &[6]),
    ("jdoe", &[5]),
    ("doe@corp", &[5]),
    ("john", &[3]),
    ("doe", &[3, 5, 6]),
    (
        "examp",
        &[0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17, 19],
    ),
    ("jsmith", &[2]),
    ("ppatel", &[9]),
    ("patel", &[9]),
    ("garcia", &[11, 12]),
    ("agarcia", &[12]),
    ("maria", &[13]),
    ("platf", &[8, 11, 19]),
    ("engin", &[2, 5, 17]),
    ("data sci", &[9, 15]),
    ("partner", &[4, 7, 13, 18]),
    ("corp.ex", &[2, 5, 9, 12]),
    ("zhang", &[15]),
    ("wzhang", &[15]),
    ("zoe", &[16]),
    ("muller", &[16]),
    ("kimberg", &[17]),
    ("kberg", &[17]),
    ("alejandro", &[11]),
    ("support", &[0, 14]),
    ("dolan", &[1]),
    ("jane.d", &[6]),
    ("doe@ex", &[3, 6]),
    ("@corp", &[2, 5, 9, 12]),
    ("a.gar", &[12]),
    ("rodri", &[13, 14]),
    ("priya p", &[9]),
    ("wei", &[15]),
    ("mktg", &[6, 18]),
    ("datasci", &[9, 15]),
    ("smith corp", &[2]),
];

/// How often an expected row came first and came in the first three, and the queries
/// whose first row was not expected.
#[derive(Debug)]
struct Quality {
    first: usize,
    top3: usize,
    misses: Vec<String>,
}

fn quality(mut search: impl FnMut(&str) -> Vec<u32>) -> Quality {
    let mut q = Quality {
        first: 0,
        top3: 0,
        misses: Vec::new(),
    };
    for (query, expected) in QUERIES {
        let hits = search(query);
        let ok = |p: &u32| expected.contains(&(*p as usize));
        if hits.first().is_some_and(ok) {
            q.first += 1;
        } else {
            let first = hits.first().map_or("nothing", |p| ROWS[*p as usize][0]);
            q.misses.push(format!("{query:?} -> {first}"));
        }
        if hits.iter().take(3).any(ok) {
            q.top3 += 1;
        }
    }
    q
}

/// The rows in the order given (newest first in the tab), and reversed: equal scores keep
/// the row order, so a tie between an expected row and another one is won in one order and
/// lost in the other, and only a clear win counts twice.
fn orders() -> [Vec<u32>; 2] {
    let given: Vec<u32> = (0..ROWS.len() as u32).collect();
    let reversed = given.iter().rev().copied().collect();
    [given, reversed]
}

fn evaluate(mut search: impl FnMut(&[u32], &str) -> Vec<u32>) -> [Quality; 2] {
    orders().map(|candidates| {
        quality(|query| {
            search(&candidates, query)
                .iter()
                .map(|p| candidates[*p as usize])
                .collect()
        })
    })
}

fn report(name: &str, q: &[Quality; 2]) {
    let n = QUERIES.len();
    for (order, q) in ["given order", "reversed"].iter().zip(q) {
        println!(
            "{name} ({order}): first {}/{n}, top 3 {}/{n}; first row not expected: {}",
            q.first,
            q.top3,
            q.misses.join(", ")
        );
    }
}

#[test]
fn names_and_emails_rank_as_a_person_expects() {
    let haystacks: Vec<fuzzy::Haystack> = ROWS.iter().map(|r| fuzzy::haystack(r)).collect();
    let ours = evaluate(|candidates, query| {
        fuzzy::Finder::default()
            .search(&haystacks, candidates, query)
            .to_vec()
    });

    report("fuzzy.rs", &ours);

    // The finder in use (fuzzy.rs) as measured when it was chosen (BENCHMARKS.md): it may
    // get better, not worse.
    let [given, reversed] = &ours;
    assert!(given.first >= 35 && given.top3 >= 36, "{given:?}");
    assert!(reversed.first >= 35 && reversed.top3 >= 36, "{reversed:?}");
}
