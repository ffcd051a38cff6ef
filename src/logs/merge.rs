//! One timeline from several files. Each follower first sends a file's last lines, then its
//! state; those first lines are held until every file has sent its own, merged by time (an
//! entry keeps its continuation lines), and sent as one history. After that, lines pass
//! through as they come, which is already time order.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::parse::{Shape, parse_line};
use super::source::{LineBatch, Sink, SourceEvent, send_runs};

/// Held lines are released after this long even if a source has not finished its first
/// read (a file that blocks on open, a follower that could not start).
const HOLD_AT_MOST: Duration = Duration::from_secs(3);
/// ...or once they reach this size.
const HOLD_BYTES: usize = 64 << 20;

struct Held {
    /// Each source's first lines, in the order the sources were given.
    lines: Vec<(String, Vec<LineBatch>)>,
    /// Which sources have reported a state, which ends their first read.
    reported: Vec<bool>,
    bytes: usize,
    since: Instant,
    flushed: bool,
}

/// Wraps `sink` so that the first lines of the sources named in `names` arrive merged by time.
/// Names must be distinct.
pub fn merging_sink(names: &[String], sink: Sink) -> Sink {
    let held = Mutex::new(Held {
        lines: names.iter().map(|n| (n.clone(), Vec::new())).collect(),
        reported: vec![false; names.len()],
        bytes: 0,
        since: Instant::now(),
        flushed: names.len() < 2,
    });
    Arc::new(move |event| {
        let Ok(mut held) = held.lock() else {
            return sink(event);
        };
        let index = match &event {
            SourceEvent::Lines { source, .. } | SourceEvent::State { source, .. } => {
                held.lines.iter().position(|(name, _)| name == source)
            }
        };
        let (false, Some(index)) = (held.flushed, index) else {
            drop(held);
            return sink(event);
        };
        let state = match event {
            SourceEvent::Lines { batch, .. } => {
                held.bytes += batch.byte_len();
                held.lines[index].1.push(batch);
                None
            }
            SourceEvent::State { source, state } => {
                held.reported[index] = true;
                Some(SourceEvent::State { source, state })
            }
        };
        let mut open = true;
        let everyone_read = held.reported.iter().all(|r| *r);
        if everyone_read || held.bytes >= HOLD_BYTES || held.since.elapsed() >= HOLD_AT_MOST {
            held.flushed = true;
            let lines = std::mem::take(&mut held.lines);
            open = send_runs(&sink, by_time(&lines));
        }
        if let Some(state) = state {
            open &= sink(state);
        }
        open
    })
}

/// An entry: its time (or the one before it) and its lines.
struct HeldEntry<'a> {
    ts: i64,
    lines: Vec<&'a [u8]>,
}

/// One source's lines grouped into entries, in file order.
fn entries_of(batches: &[LineBatch]) -> Vec<HeldEntry<'_>> {
    let mut out: Vec<HeldEntry> = Vec::new();
    let mut in_trace = false;
    let mut last_ts = i64::MIN;
    for line in batches.iter().flat_map(|b| b.iter()) {
        let parsed = parse_line(line, in_trace);
        if parsed.shape == Shape::Continuation
            && let Some(entry) = out.last_mut()
        {
            in_trace |= parsed.opens_trace;
            entry.lines.push(line);
            continue;
        }
        in_trace = parsed.opens_trace;
        last_ts = parsed.ts_ms.unwrap_or(last_ts);
        out.push(HeldEntry {
            ts: last_ts,
            lines: vec![line],
        });
    }
    out
}

/// The lines of all sources, each source's entries in their own order, interleaved by time
/// (equal times keep the sources' order); each entry's continuation lines right after it.
fn by_time(sources: &[(String, Vec<LineBatch>)]) -> Vec<(&str, &[u8])> {
    let streams: Vec<Vec<HeldEntry>> = sources.iter().map(|(_, b)| entries_of(b)).collect();
    let order = interleave(
        &streams
            .iter()
            .map(|s| s.iter().map(|e| e.ts).collect())
            .collect::<Vec<Vec<i64>>>(),
    );
    let mut out = Vec::new();
    for (source, index) in order {
        let name = sources[source].0.as_str();
        out.extend(streams[source][index].lines.iter().map(|l| (name, *l)));
    }
    out
}

/// Interleaves several time-ordered streams (each given as its entries' times) into one:
/// `(stream, index)` pairs, never reordering a stream, taking the earliest head each time and
/// the first stream on ties. A stream whose times go backwards stays in its own order.
pub fn interleave(times: &[Vec<i64>]) -> Vec<(usize, usize)> {
    let total = times.iter().map(Vec::len).sum();
    let mut heads = vec![0usize; times.len()];
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        let next = (0..times.len())
            .filter(|s| heads[*s] < times[*s].len())
            .min_by_key(|s| (times[*s][heads[*s]], *s));
        let Some(stream) = next else { break };
        out.push((stream, heads[stream]));
        heads[stream] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(lines: &[&str]) -> LineBatch {
        let mut batch = LineBatch::default();
        for line in lines {
            batch.push(line.as_bytes());
        }
        batch
    }

    fn line(time: &str, msg: &str) -> String {
        format!(r#"{{"timestamp":"2026-11-22 {time}.000 Z","level":"info","msg":"{msg}"}}"#)
    }

    type Events = Arc<Mutex<Vec<SourceEvent>>>;

    fn recorder() -> (Events, Sink) {
        let events: Events = Arc::default();
        let sink_events = Arc::clone(&events);
        let sink: Sink = Arc::new(move |e| {
            sink_events.lock().unwrap().push(e);
            true
        });
        (events, sink)
    }

    fn lines_of(events: &Events) -> Vec<(String, String)> {
        events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                SourceEvent::Lines { source, batch } => Some(
                    batch
                        .iter()
                        .map(|l| (source.clone(), String::from_utf8_lossy(l).into_owned()))
                        .collect::<Vec<_>>(),
                ),
                SourceEvent::State { .. } => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn first_lines_are_held_then_merged_by_time_with_their_traces() {
        let names = vec!["mattermost.log".to_string(), "audit.log".to_string()];
        let (events, sink) = recorder();
        let merged = merging_sink(&names, sink);
        let (a1, a2) = (line("09:00:00", "a1"), line("09:02:00", "a2"));
        let b1 = line("09:01:00", "b1");
        assert!(merged(SourceEvent::Lines {
            source: "mattermost.log".into(),
            batch: batch(&[&a1, "panic: boom", "goroutine 1 [running]:", &a2]),
        }));
        assert!(merged(SourceEvent::State {
            source: "mattermost.log".into(),
            state: super::super::source::SourceState::Following,
        }));
        assert!(
            lines_of(&events).is_empty(),
            "held until audit.log has read"
        );
        merged(SourceEvent::Lines {
            source: "audit.log".into(),
            batch: batch(&[&b1]),
        });
        merged(SourceEvent::State {
            source: "audit.log".into(),
            state: super::super::source::SourceState::Following,
        });
        let got: Vec<String> = lines_of(&events).into_iter().map(|(_, l)| l).collect();
        // The panic has no time of its own: it is an entry at a1's time, before b1.
        assert_eq!(
            got,
            vec![
                a1.clone(),
                "panic: boom".into(),
                "goroutine 1 [running]:".into(),
                b1.clone(),
                a2.clone()
            ]
        );

        // From now on, lines pass straight through.
        let a3 = line("09:00:30", "late but live");
        merged(SourceEvent::Lines {
            source: "mattermost.log".into(),
            batch: batch(&[&a3]),
        });
        assert_eq!(lines_of(&events).last().unwrap().1, a3);
    }

    #[test]
    fn streams_keep_their_own_order() {
        // The second stream has a line written slightly out of order: it stays where it is.
        let order = interleave(&[vec![1, 5, 9], vec![2, 6, 4, 10]]);
        assert_eq!(
            order,
            vec![(0, 0), (1, 0), (0, 1), (1, 1), (1, 2), (0, 2), (1, 3)]
        );
        // Lines with no time before the first one stay at the start of their own stream.
        let order = interleave(&[vec![i64::MIN, 3], vec![1]]);
        assert_eq!(order, vec![(0, 0), (1, 0), (0, 1)]);
    }

    #[test]
    fn a_source_that_never_reports_does_not_hold_lines_forever() {
        let names = vec!["a.log".to_string(), "b.log".to_string()];
        let (events, sink) = recorder();
        let merged = merging_sink(&names, sink);
        merged(SourceEvent::Lines {
            source: "a.log".into(),
            batch: batch(&["first"]),
        });
        std::thread::sleep(HOLD_AT_MOST + Duration::from_millis(50));
        merged(SourceEvent::Lines {
            source: "a.log".into(),
            batch: batch(&["second"]),
        });
        let got: Vec<String> = lines_of(&events).into_iter().map(|(_, l)| l).collect();
        assert_eq!(got, vec!["first", "second"]);
    }

    #[test]
    fn a_single_source_passes_straight_through() {
        let (events, sink) = recorder();
        let merged = merging_sink(&["one.log".to_string()], sink);
        merged(SourceEvent::Lines {
            source: "one.log".into(),
            batch: batch(&["x"]),
        });
        assert_eq!(lines_of(&events).len(), 1);
    }
}
