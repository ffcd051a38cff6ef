//! The Logs tab's filtering: taking lines in, the filter's index of matching entries (grown
//! as lines arrive, rebuilt in slices after a change), the find and its hits, the selection.

use super::{LogsTab, REBUILD_SLICE};
use crate::logs::filter::{Index, Query};
use crate::logs::matcher::Matcher;
use crate::logs::parse::Level;
use crate::logs::source::SourceEvent;
use crate::logs::store::{Appended, Entry, LogStore};
use crate::tui::widgets::notice::Notice;

/// With fewer entries than this, any regex is fast enough: no tuning.
const TUNE_MIN_ENTRIES: usize = 20_000;
/// The newest entries a regex is tuned on.
const TUNE_SAMPLE: usize = 4_000;

/// The active find: a highlight over the filtered entries.
pub(super) struct Find {
    pub(super) text: String,
    pub(super) regex: Matcher,
    pub(super) hits: Index,
}

/// The newest entries' raw lines, for tuning a regex; empty while the buffer is small.
pub(super) fn tuning_sample(store: &LogStore) -> Vec<&[u8]> {
    if store.len() < TUNE_MIN_ENTRIES {
        return Vec::new();
    }
    let start = store.end_seq().saturating_sub(TUNE_SAMPLE as u64);
    (start..store.end_seq())
        .filter_map(|seq| store.get(seq))
        .map(|e| e.raw)
        .collect()
}

impl LogsTab {
    /// The newest `limit` entries whose line contains `needle` (among the last 100,000 held),
    /// oldest first, as inert one-line summaries: time, level, message.
    pub(super) fn recent_mentions(&self, needle: &str, limit: usize) -> Vec<String> {
        let needle = needle.as_bytes();
        if needle.is_empty() {
            return Vec::new();
        }
        let first = self
            .store
            .first_seq()
            .max(self.store.end_seq().saturating_sub(100_000));
        let mut found = Vec::new();
        for seq in (first..self.store.end_seq()).rev() {
            if found.len() >= limit {
                break;
            }
            let Some(entry) = self.store.get(seq) else {
                continue;
            };
            if entry.raw.windows(needle.len()).any(|w| w == needle) {
                let time = entry
                    .ts_ms
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map(|t| t.format("%m-%d %H:%M:%SZ").to_string())
                    .unwrap_or_else(|| "--".into());
                found.push(format!(
                    "{time}  {:<5} {}",
                    entry.level.label(),
                    crate::text::inert(&entry.message())
                ));
            }
        }
        found.reverse();
        found
    }

    /// Takes a source event of the current feed.
    pub fn ingest(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::Lines { source, batch } => {
                // With the index caught up, new entries are checked now; during a rebuild
                // the remaining slices reach them.
                let caught_up = !self.is_busy();
                let id = self.store.source_id(&source);
                let mut counted = false;
                for line in batch.iter() {
                    let appended = self.store.push_line(line, id);
                    if let (Appended::New(seq), Some(pane)) = (appended, &mut self.patterns) {
                        counted |= pane.count_appended(&self.store, seq);
                    }
                    if let Appended::Continued(seq) = appended {
                        let (filter, name) = (&self.filter, self.store.source_name(id));
                        self.index
                            .recheck(&self.store, seq, |e| filter.matches(e, name));
                        if let Some(find) = &mut self.find {
                            let regex = &find.regex;
                            find.hits.recheck(&self.store, seq, |e| {
                                filter.matches(e, name) && regex.is_match(e.raw)
                            });
                        }
                    }
                }
                if caught_up {
                    self.advance(usize::MAX);
                }
                if counted && let Some(pane) = &mut self.patterns {
                    pane.resort_counted();
                }
            }
            SourceEvent::State { source, state } => {
                match self.states.iter_mut().find(|(s, _)| *s == source) {
                    Some(slot) => slot.1 = state,
                    None => self.states.push((source, state)),
                }
            }
        }
    }

    /// Applies the filter (and find) to up to `budget` more entries.
    pub(super) fn advance(&mut self, budget: usize) {
        let (filter, store) = (&self.filter, &self.store);
        self.index.advance(
            store,
            budget,
            |e| filter.matches(e, store.source_name(e.source)),
            || {
                let filter = filter.clone();
                move |e: &Entry| filter.matches(e, store.source_name(e.source))
            },
        );
        if let Some(find) = &mut self.find {
            let regex = &find.regex;
            find.hits.advance(
                store,
                budget,
                |e| filter.matches(e, store.source_name(e.source)) && regex.is_match(e.raw),
                || {
                    let (filter, regex) = (filter.clone(), regex.clone());
                    move |e: &Entry| {
                        filter.matches(e, store.source_name(e.source)) && regex.is_match(e.raw)
                    }
                },
            );
        }
    }

    pub(super) fn rebuild(&mut self) {
        self.index = Index::new(self.store.first_seq());
        if let Some(timeline) = &mut self.timeline {
            timeline.restart();
        }
        if let Some(find) = &mut self.find {
            find.hits = Index::new(self.store.first_seq());
        }
        self.advance(REBUILD_SLICE);
        self.clamp_cursor();
    }

    /// After a rebuild the selected entry may no longer be shown: select the nearest one.
    pub(super) fn clamp_cursor(&mut self) {
        if let Some(seq) = self.cursor {
            let pos = self
                .index
                .position_at_or_after(seq)
                .min(self.index.len().saturating_sub(1));
            self.cursor = self.index.get(pos);
        }
    }

    /// The position of the selected entry in the index.
    pub(super) fn cursor_pos(&self) -> Option<usize> {
        match self.cursor {
            _ if self.following => self.index.len().checked_sub(1),
            Some(seq) => Some(
                self.index
                    .position_at_or_after(seq)
                    .min(self.index.len().saturating_sub(1)),
            ),
            None => self.index.len().checked_sub(1),
        }
    }

    pub(super) fn select_pos(&mut self, pos: usize) {
        let last = self.index.len().saturating_sub(1);
        let pos = pos.min(last);
        self.following = false;
        self.cursor = self.index.get(pos);
    }

    pub(super) fn selected_seq(&self) -> Option<u64> {
        self.cursor_pos().and_then(|p| self.index.get(p))
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        let Some(pos) = self.cursor_pos() else {
            return;
        };
        let target = pos.saturating_add_signed(delta);
        if delta > 0
            && target >= self.index.len().saturating_sub(1)
            && self.index.is_complete(&self.store)
        {
            self.following = true;
            self.cursor = None;
        } else {
            self.select_pos(target);
        }
    }

    pub(super) fn set_levels(&mut self, threshold: Level) {
        self.filter.threshold = threshold;
        self.filter.levels = None;
        self.rebuild();
    }

    /// Only the selected entry's request; `clear` names the key that clears it.
    pub(super) fn same_request(&mut self, clear: &str) {
        let id = self
            .selected_seq()
            .and_then(|seq| self.store.get(seq))
            .and_then(|e| crate::logs::filter::field_value(&e, "request_id"))
            .filter(|id| !id.is_empty());
        let Some(id) = id else {
            self.set_notice(Notice::problem("the selected entry has no request_id"));
            return;
        };
        let query = Query::parse(&format!("request_id={id}"));
        if self.filter.set_query(query).is_ok() {
            self.filter.threshold = Level::Trace;
            self.filter.levels = None;
            self.rebuild();
            self.set_notice(Notice::info(format!(
                "showing request {id}; {clear} clears"
            )));
        }
    }

    pub(super) fn set_find(&mut self, text: &str) {
        if text.trim().is_empty() {
            self.find = None;
            return;
        }
        match Matcher::new(text, self.filter.case_insensitive) {
            Ok(mut regex) => {
                regex.tune(&tuning_sample(&self.store));
                self.find = Some(Find {
                    text: text.to_string(),
                    regex,
                    hits: Index::new(self.store.first_seq()),
                });
                self.advance(REBUILD_SLICE);
            }
            Err(err) => self.set_notice(Notice::problem(format!("find: {err}"))),
        }
    }

    /// Moves to the next (or previous) hit of the find; nothing without one.
    pub(super) fn jump_to_hit(&mut self, forward: bool) {
        let Some(find) = &self.find else {
            return;
        };
        let current = self.selected_seq().unwrap_or(0);
        let pos = find.hits.position_at_or_after(current);
        let target = if forward {
            let next = if find.hits.get(pos) == Some(current) {
                pos + 1
            } else {
                pos
            };
            find.hits.get(next).or_else(|| find.hits.get(0))
        } else {
            pos.checked_sub(1)
                .and_then(|p| find.hits.get(p))
                .or_else(|| find.hits.last())
        };
        match target {
            Some(seq) => {
                let pos = self.index.position_at_or_after(seq);
                self.select_pos(pos);
            }
            None => self.set_notice(Notice::problem(format!("no match for /{}/", find.text))),
        }
    }

    /// "3 of 41": the selected entry's place among the find's hits.
    pub fn find_position(&self) -> Option<(usize, usize)> {
        let find = self.find.as_ref()?;
        let seq = self.selected_seq()?;
        let pos = find.hits.position_at_or_after(seq);
        let at = if find.hits.get(pos) == Some(seq) {
            pos + 1
        } else {
            0
        };
        Some((at, find.hits.len()))
    }

    pub(super) fn apply_filter(&mut self, text: &str) {
        match self.filter.set_query(Query::parse(text)) {
            Ok(()) => {
                self.filter.tune(&tuning_sample(&self.store));
                self.rebuild();
            }
            Err(err) => self.set_notice(Notice::problem(format!("filter not applied: {err}"))),
        }
    }
}
