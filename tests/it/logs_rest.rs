//! Tailing the log over REST against the demo server: the overlap between polls removed while
//! genuinely repeated lines are kept, a restart (the log starts over) and an outage survived,
//! and a burst larger than a page reported as a gap.

use std::io::Write;
use std::time::Duration;

use crate::common::*;
use mmops::demo::DemoServer;
use mmops::logs::poll::{PollOptions, poll};
use mmops::logs::source::{SourceEvent, SourceState, channel_sink};
use tokio::sync::mpsc::UnboundedReceiver;

const NODE: &str = "mm-app-1";
const PER_PAGE: u32 = 50;

/// What the poller has sent so far: each line with its node, and the states in order.
#[derive(Default)]
struct Seen {
    lines: Vec<(String, String)>,
    states: Vec<SourceState>,
}

impl Seen {
    fn of(&self, node: &str) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|(n, _)| n == node)
            .map(|(_, l)| l.as_str())
            .collect()
    }

    /// Takes events until `done` holds; panics after 20 s.
    async fn until(
        &mut self,
        rx: &mut UnboundedReceiver<SourceEvent>,
        done: impl Fn(&Seen) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(self) {
            let event = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .expect("the condition held in time")
                .expect("the poller is running");
            match event {
                SourceEvent::Lines { source, batch } => self.lines.extend(
                    batch
                        .iter()
                        .map(|l| (source.clone(), String::from_utf8_lossy(l).into_owned())),
                ),
                SourceEvent::State { state, .. } => self.states.push(state),
            }
        }
    }
}

fn line(n: usize, msg: &str) -> String {
    format!(
        r#"{{"timestamp":"2026-11-22 09:31:{:02}.{:03} Z","level":"info","msg":"{msg}","caller":"test/rest.go:1"}}"#,
        n / 1000 % 60,
        n % 1000
    )
}

fn append(server: &DemoServer, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(server.log_path())
        .unwrap();
    // One write, so a poll never sees half of it.
    file.write_all(text.as_bytes()).unwrap();
}

fn start(server: &DemoServer) -> (UnboundedReceiver<SourceEvent>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let options = PollOptions {
        per_page: PER_PAGE,
        min_interval: Duration::from_millis(40),
        max_interval: Duration::from_millis(120),
        max_backoff: Duration::from_millis(300),
    };
    let task = tokio::spawn(poll(admin(server), options, channel_sink(tx)));
    (rx, task)
}

#[tokio::test]
async fn overlap_is_removed_and_repeated_lines_are_kept() {
    let server = demo().await;
    let (mut rx, task) = start(&server);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.of(NODE).len() == PER_PAGE as usize)
        .await;
    let first_page = seen.of(NODE).len();

    // Three identical lines and one more: all four are new, even though they repeat.
    let repeated = line(1, "the same line");
    append(
        &server,
        &[
            repeated.clone(),
            repeated.clone(),
            repeated.clone(),
            line(2, "after"),
        ],
    );
    seen.until(&mut rx, |s| s.of(NODE).len() >= first_page + 4)
        .await;
    // A few more polls: nothing comes twice.
    tokio::time::sleep(Duration::from_millis(400)).await;
    while let Ok(event) = rx.try_recv() {
        if let SourceEvent::Lines { source, batch } = event {
            seen.lines.extend(
                batch
                    .iter()
                    .map(|l| (source.clone(), String::from_utf8_lossy(l).into_owned())),
            );
        }
    }
    let lines = seen.of(NODE);
    assert_eq!(lines.len(), first_page + 4, "no line twice, none lost");
    assert_eq!(&lines[first_page..first_page + 3], &[repeated.as_str(); 3]);
    assert!(lines[first_page + 3].contains("after"));
    assert!(!seen.states.contains(&SourceState::Gap));
    // The second node's lines are there too, under its own name.
    assert!(!seen.of("mm-app-2").is_empty());
    task.abort();
}

#[tokio::test]
async fn a_restart_and_an_outage_lose_nothing() {
    let server = demo().await;
    let (mut rx, task) = start(&server);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.of(NODE).len() == PER_PAGE as usize)
        .await;

    // The server is down for a moment...
    server.set_faults("/api/v4/logs=status:503").unwrap();
    seen.until(&mut rx, |s| {
        s.states
            .iter()
            .any(|st| matches!(st, SourceState::Failed(_)))
    })
    .await;
    // ...and comes back with a new, short log: its lines are all new, and that is no gap.
    std::fs::write(server.log_path(), "").unwrap();
    let fresh: Vec<String> = (0..5)
        .map(|i| line(100 + i, &format!("after restart {i}")))
        .collect();
    append(&server, &fresh);
    server.set_faults("").unwrap();
    seen.until(&mut rx, |s| {
        s.of(NODE).len() == PER_PAGE as usize + 5
            && s.states.last() == Some(&SourceState::Following)
    })
    .await;
    assert!(!seen.states.contains(&SourceState::Gap));
    let lines = seen.of(NODE);
    assert!(
        lines[PER_PAGE as usize..]
            .iter()
            .all(|l| l.contains("after restart"))
    );
    task.abort();
}

#[tokio::test]
async fn more_than_a_page_between_polls_is_a_gap() {
    let server = demo().await;
    let (mut rx, task) = start(&server);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.of(NODE).len() == PER_PAGE as usize)
        .await;
    let burst: Vec<String> = (0..3 * PER_PAGE as usize)
        .map(|i| line(200 + i, &format!("burst {i}")))
        .collect();
    append(&server, &burst);
    seen.until(&mut rx, |s| s.states.contains(&SourceState::Gap))
        .await;
    // The newest page still arrives.
    seen.until(&mut rx, |s| {
        s.of(NODE).iter().any(|l| l.contains("burst 149"))
    })
    .await;
    task.abort();
}
