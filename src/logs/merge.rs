//! One timeline from several files. Each follower first sends a file's last lines, then its
//! state; those first lines are held until every file has sent its own, merged by time (an
//! entry keeps its continuation lines), and sent as one history. After that, lines pass
//! through as they come, which is already time order.

use std::sync::{Arc, Mutex};

use super::parse::{Shape, parse_line};
use super::source::{LineBatch, Sink, SourceEvent, send_runs};

struct Held {
    /// Each source's first lines, by name, in the order the sources were given.
    lines: Vec<(String, Vec<LineBatch>)>,
    /// Which sources have reported a state, which ends their first read.
    reported: Vec<bool>,
    flushed: bool,
}

/// Wraps `sink` so that the first lines of the sources named in `names` arrive merged by time.
pub fn merging_sink(names: &[String], sink: Sink) -> Sink {
    let held = Mutex::new(Held {
        lines: names.iter().map(|n| (n.clone(), Vec::new())).collect(),
        reported: vec![false; names.len()],
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
        match event {
            SourceEvent::Lines { batch, .. } => {
                held.lines[index].1.push(batch);
                true
            }
            SourceEvent::State { source, state } => {
                held.reported[index] = true;
                let mut open = true;
                if held.reported.iter().all(|r| *r) {
                    held.flushed = true;
                    let lines = std::mem::take(&mut held.lines);
                    open = send_runs(&sink, by_time(&lines));
                }
                open & sink(SourceEvent::State { source, state })
            }
        }
    })
}

/// The lines of all sources, entries ordered by time (stable: equal times keep the sources'
/// order), each entry's continuation lines right after it.
fn by_time(sources: &[(String, Vec<LineBatch>)]) -> Vec<(&str, &[u8])> {
    // (time, source, first line, lines of the entry)
    let mut entries: Vec<(i64, &str, Vec<&[u8]>)> = Vec::new();
    for (name, batches) in sources {
        let mut in_trace = false;
        let mut last_ts = i64::MIN;
        let mut current: Option<(i64, Vec<&[u8]>)> = None;
        for line in batches.iter().flat_map(|b| b.iter()) {
            let parsed = parse_line(line, in_trace);
            if parsed.shape == Shape::Continuation
                && let Some((_, lines)) = current.as_mut()
            {
                in_trace |= parsed.opens_trace;
                lines.push(line);
                continue;
            }
            in_trace = parsed.opens_trace;
            last_ts = parsed.ts_ms.unwrap_or(last_ts);
            if let Some((ts, lines)) = current.replace((last_ts, vec![line])) {
                entries.push((ts, name, lines));
            }
        }
        if let Some((ts, lines)) = current {
            entries.push((ts, name, lines));
        }
    }
    entries.sort_by_key(|(ts, _, _)| *ts);
    entries
        .into_iter()
        .flat_map(|(_, name, lines)| lines.into_iter().map(move |l| (name, l)))
        .collect()
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
