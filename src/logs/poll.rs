//! Tailing the server log over REST: `GET /api/v4/logs` page 0 polled again and again.
//!
//! The API has no cursor, so each answer is "the newest N lines". What is new is found by
//! matching the start of the new page against the end of the previous one, per cluster node,
//! which keeps lines that genuinely repeat (only an overlap of the whole page boundary is
//! removed). When no overlap is found although the page is full, lines may have been missed
//! between two polls: that is reported, and the interval shortened. The interval adapts to the
//! traffic, and errors back off.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use super::parse::parse_line;
use super::source::{Sink, SourceEvent, SourceState, send_runs};
use crate::mm::{ApiError, MmClient};

#[derive(Debug, Clone)]
pub struct PollOptions {
    pub per_page: u32,
    pub min_interval: Duration,
    pub max_interval: Duration,
    pub max_backoff: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            per_page: 2000,
            min_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(5),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// The name given to the lines of a server that is not a cluster.
pub const SINGLE_NODE: &str = "server";

/// Lines of one node in one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBlock<'a> {
    pub node: Option<&'a str>,
    pub lines: Vec<&'a str>,
}

fn is_separator(line: &str) -> bool {
    line.len() >= 10 && line.bytes().all(|b| b == b'-')
}

/// Splits an answer into per-node blocks. Each string loses its leading newline (the server's
/// reader keeps the separator). A cluster answer has, for each node, two separator lines, the
/// node's hostname and two more separators, then its lines.
pub fn split_nodes(answer: &[String]) -> Vec<NodeBlock<'_>> {
    let lines: Vec<&str> = answer
        .iter()
        .map(|s| {
            let s = s.strip_prefix('\n').unwrap_or(s);
            s.strip_suffix('\r').unwrap_or(s)
        })
        .collect();
    let mut blocks: Vec<NodeBlock> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let header = i + 4 < lines.len()
            && is_separator(lines[i])
            && is_separator(lines[i + 1])
            && !is_separator(lines[i + 2])
            && is_separator(lines[i + 3])
            && is_separator(lines[i + 4]);
        if header {
            blocks.push(NodeBlock {
                node: Some(lines[i + 2].trim()),
                lines: Vec::new(),
            });
            i += 5;
            continue;
        }
        if blocks.is_empty() {
            blocks.push(NodeBlock {
                node: None,
                lines: Vec::new(),
            });
        }
        if let Some(block) = blocks.last_mut()
            && !(lines[i].is_empty() && block.lines.is_empty() && i == 0)
        {
            block.lines.push(lines[i]);
        }
        i += 1;
    }
    blocks
}

fn hash(line: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    line.hash(&mut hasher);
    hasher.finish()
}

/// Where the new lines of `current` start, given the previous page's line hashes, and whether
/// lines may have been missed.
pub fn new_lines_start(previous: &[u64], current: &[u64], page_full: bool) -> (usize, bool) {
    if previous.is_empty() {
        return (0, false);
    }
    // The largest overlap: the previous page's suffix that the current page starts with.
    for shift in 0..previous.len() {
        let overlap = previous.len() - shift;
        if overlap <= current.len() && previous[shift..] == current[..overlap] {
            return (overlap, false);
        }
    }
    // No overlap: the log was rotated or truncated (a short page), or more than a page was
    // written since the last poll (a full page), in which case lines were missed.
    (0, page_full)
}

/// Polls until the receiver goes away.
pub async fn poll(client: MmClient, options: PollOptions, tx: Sink) {
    let mut previous: HashMap<String, Vec<u64>> = HashMap::new();
    let mut interval = options.min_interval;
    let mut backoff = options.min_interval;
    let mut last_state: Option<SourceState> = None;
    let mut open = true;
    let mut report = |state: SourceState, tx: &Sink| -> bool {
        if last_state.as_ref() == Some(&state) {
            return true;
        }
        last_state = Some(state.clone());
        tx(SourceEvent::State {
            source: "REST".to_string(),
            state,
        })
    };
    while open {
        match client.log_page(0, options.per_page).await {
            Ok(answer) => {
                backoff = options.min_interval;
                let mut new_total = 0usize;
                let mut gap = false;
                // New lines of every node, merged into one timeline.
                let mut fresh: Vec<(i64, String, &str)> = Vec::new();
                for block in split_nodes(&answer) {
                    let node = block.node.unwrap_or(SINGLE_NODE).to_string();
                    let hashes: Vec<u64> = block.lines.iter().map(|l| hash(l)).collect();
                    let full = block.lines.len() >= options.per_page as usize;
                    let (start, missed) = new_lines_start(
                        previous.get(&node).map(Vec::as_slice).unwrap_or(&[]),
                        &hashes,
                        full,
                    );
                    gap |= missed;
                    let mut last_ts = i64::MIN;
                    for line in &block.lines[start..] {
                        // Lines without a time (stack traces) keep the time before them.
                        let parsed = parse_line(line.as_bytes(), false);
                        last_ts = parsed.ts_ms.unwrap_or(last_ts);
                        fresh.push((last_ts, node.clone(), line));
                    }
                    new_total += block.lines.len() - start;
                    previous.insert(node, hashes);
                }
                fresh.sort_by_key(|(ts, _, _)| *ts);
                open &= send_runs(
                    &tx,
                    fresh
                        .iter()
                        .map(|(_, node, line)| (node.as_str(), line.as_bytes())),
                );
                open &= report(
                    if gap {
                        SourceState::Gap
                    } else {
                        SourceState::Following
                    },
                    &tx,
                );
                interval = if gap || new_total > options.per_page as usize / 2 {
                    (interval / 2).max(options.min_interval)
                } else if new_total == 0 {
                    interval.mul_f64(1.5).min(options.max_interval)
                } else {
                    interval
                };
                tokio::time::sleep(interval).await;
            }
            Err(err) => {
                let wait = match &err {
                    ApiError::FileLoggingOff { .. } => {
                        open &= report(SourceState::FileLoggingOff, &tx);
                        options.max_backoff
                    }
                    // Asking again with the same credentials cannot help and only fills the
                    // server's log: stop. A new login (`r` on the Server tab) starts a poller.
                    err if err.needs_login() => {
                        report(SourceState::Failed(err.to_string()), &tx);
                        return;
                    }
                    err => {
                        open &= report(SourceState::Failed(err.to_string()), &tx);
                        backoff = (backoff * 2).min(options.max_backoff);
                        err.retry_after().unwrap_or(backoff).max(backoff)
                    }
                };
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn single_node_answers_lose_their_leading_newlines() {
        let answer = s(&["{\"a\":1}", "\n{\"b\":2}", "\n{\"c\":3}"]);
        let blocks = split_nodes(&answer);
        assert_eq!(
            blocks,
            vec![NodeBlock {
                node: None,
                lines: vec!["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]
            }]
        );
        assert_eq!(
            split_nodes(&s(&[""])),
            vec![NodeBlock {
                node: None,
                lines: vec![]
            }]
        );
    }

    #[test]
    fn cluster_answers_split_per_node() {
        let sep = "-".repeat(40);
        let answer = s(&[
            &sep,
            &format!("\n{sep}"),
            "\napp-1",
            &format!("\n{sep}"),
            &format!("\n{sep}"),
            "\nline a1",
            "\nline a2",
            &format!("\n{sep}"),
            &format!("\n{sep}"),
            "\napp-2",
            &format!("\n{sep}"),
            &format!("\n{sep}"),
            "\nline b1",
        ]);
        let blocks = split_nodes(&answer);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[0],
            NodeBlock {
                node: Some("app-1"),
                lines: vec!["line a1", "line a2"]
            }
        );
        assert_eq!(
            blocks[1],
            NodeBlock {
                node: Some("app-2"),
                lines: vec!["line b1"]
            }
        );
    }

    #[test]
    fn overlap_finds_only_the_new_lines() {
        let prev = [1, 2, 3, 4];
        assert_eq!(new_lines_start(&prev, &[2, 3, 4, 5], true), (3, false));
        assert_eq!(
            new_lines_start(&prev, &[1, 2, 3, 4, 5, 6], false),
            (4, false)
        );
        assert_eq!(new_lines_start(&prev, &[1, 2, 3, 4], true), (4, false));
        assert_eq!(new_lines_start(&[], &[7, 8], false), (0, false));
    }

    #[test]
    fn genuinely_repeated_lines_are_kept() {
        // Three identical lines after the page boundary are all new.
        let prev = [1, 2, 3];
        assert_eq!(
            new_lines_start(&prev, &[1, 2, 3, 9, 9, 9], false),
            (3, false)
        );
        // A page that repeats the previous one's pattern: the largest overlap wins.
        assert_eq!(
            new_lines_start(&[5, 6, 5, 6], &[6, 5, 6, 7], true),
            (3, false)
        );
    }

    #[test]
    fn a_full_page_without_overlap_is_a_gap_and_a_short_one_a_restart() {
        assert_eq!(new_lines_start(&[1, 2, 3], &[7, 8, 9], true), (0, true));
        assert_eq!(new_lines_start(&[1, 2, 3], &[7, 8], false), (0, false));
    }
}
