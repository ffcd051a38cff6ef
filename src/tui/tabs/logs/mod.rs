//! The Logs tab: a live, filterable tail of the server log.
//!
//! Lines arrive from a feed (followed files or the REST API) in batches and are parsed once
//! into the bounded [`LogStore`]. The filter's [`Index`] of matching entries grows with them;
//! when the filter changes it is rebuilt in slices between key presses. Drawing looks only at
//! the entries on screen.

mod command;
mod detail;
pub mod view;

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use crate::logs::feed::{self, Feed, FeedKind, FeedOptions};
use crate::logs::filter::{Filter, Index, Query};
use crate::logs::matcher::Matcher;
use crate::logs::parse::Level;
use crate::logs::source::{Sink, SourceEvent, SourceState};
use crate::logs::store::{Appended, Entry, LogStore};
use crate::mm::MmClient;
use crate::tui::keys::Action;
use crate::tui::widgets::input::{Edit, Input};

pub use command::{Command, parse_command};

/// Entries checked per slice when a filter is rebuilt (a few milliseconds of work).
const REBUILD_SLICE: usize = 50_000;
/// The most bytes one OSC 52 copy carries (terminals refuse larger ones).
const YANK_LIMIT: usize = 64 * 1024;

/// How the Logs tab starts.
#[derive(Debug, Clone)]
pub struct LogsLaunch {
    /// Files given with `--log-file`.
    pub files: Vec<PathBuf>,
    pub buffer_entries: usize,
    pub feed: FeedOptions,
    pub utc: bool,
}

impl Default for LogsLaunch {
    fn default() -> Self {
        Self {
            files: Vec::new(),
            buffer_entries: 200_000,
            feed: FeedOptions::default(),
            utc: true,
        }
    }
}

/// The active find: a highlight over the filtered entries.
struct Find {
    text: String,
    regex: Matcher,
    hits: Index,
}

/// With fewer entries than this, any regex is fast enough: no tuning.
const TUNE_MIN_ENTRIES: usize = 20_000;
/// The newest entries a regex is tuned on.
const TUNE_SAMPLE: usize = 4_000;

/// The newest entries' raw lines, for tuning a regex; empty while the buffer is small.
fn tuning_sample(store: &LogStore) -> Vec<&[u8]> {
    if store.len() < TUNE_MIN_ENTRIES {
        return Vec::new();
    }
    let start = store.end_seq().saturating_sub(TUNE_SAMPLE as u64);
    (start..store.end_seq())
        .filter_map(|seq| store.get(seq))
        .map(|e| e.raw)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Find,
    Command,
    Save,
}

enum Mode {
    Normal,
    Prompt(PromptKind, Input),
    Detail { seq: u64, scroll: u16 },
    Picker { cursor: usize, levels: [bool; 7] },
}

/// What the app must do for the tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Write these bytes to the terminal (an OSC 52 copy).
    Terminal(String),
    /// Save these raw lines (each ending in a newline) to this file, in the background.
    Save {
        path: PathBuf,
        bytes: Vec<u8>,
        lines: usize,
    },
}

pub struct LogsTab {
    store: LogStore,
    filter: Filter,
    index: Index,
    find: Option<Find>,
    /// The selected entry; `None` while following the newest.
    cursor: Option<u64>,
    following: bool,
    /// Position in the index of the first row drawn, and the rows on screen (from the last
    /// draw), for paging and for keeping the cursor in view.
    top: usize,
    rows: u16,
    wrap: bool,
    utc: bool,
    hscroll: usize,
    mode: Mode,
    kinds: Vec<FeedKind>,
    active: usize,
    feed: Option<Feed>,
    generation: u64,
    states: Vec<(String, SourceState)>,
    notice: Option<(String, bool)>,
    options: FeedOptions,
}

impl LogsTab {
    pub fn new(launch: &LogsLaunch, kinds: Vec<FeedKind>) -> Self {
        let store = LogStore::new(launch.buffer_entries);
        Self {
            index: Index::new(store.first_seq()),
            store,
            filter: Filter::default(),
            find: None,
            cursor: None,
            following: true,
            top: 0,
            rows: 0,
            wrap: false,
            utc: launch.utc,
            hscroll: 0,
            mode: Mode::Normal,
            kinds,
            active: 0,
            feed: None,
            generation: 0,
            states: Vec::new(),
            notice: None,
            options: launch.feed.clone(),
        }
    }

    /// Starts (or restarts) the active source. `sink` receives its events tagged with the
    /// returned generation; events of older generations must be ignored.
    pub fn start_feed(&mut self, client: Option<&MmClient>, sink: impl Fn(u64) -> Sink) -> u64 {
        self.feed = None;
        self.generation += 1;
        self.states.clear();
        if let Some(kind) = self.kinds.get(self.active) {
            self.feed = feed::start(kind, client, &self.options, sink(self.generation));
        }
        self.generation
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The active source is the REST log API (which depends on the client).
    pub fn uses_rest(&self) -> bool {
        self.kinds.get(self.active) == Some(&FeedKind::Rest)
    }

    pub fn has_source(&self) -> bool {
        !self.kinds.is_empty()
    }

    pub fn store(&self) -> &LogStore {
        &self.store
    }

    /// The newest `limit` entries whose line contains `needle` (among the last 100,000 held),
    /// oldest first, as inert one-line summaries: time, level, message.
    pub fn recent_mentions(&self, needle: &str, limit: usize) -> Vec<String> {
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

    /// Entries shown under the current filter (complete or not yet).
    pub fn matching(&self) -> usize {
        self.index.len()
    }

    pub fn is_following(&self) -> bool {
        self.following
    }

    /// The filter is still being applied to the held entries.
    pub fn is_busy(&self) -> bool {
        !self.index.is_complete(&self.store)
            || self
                .find
                .as_ref()
                .is_some_and(|f| !f.hits.is_complete(&self.store))
    }

    /// Keys go straight to the tab (a prompt, the detail view or the level picker is open).
    pub fn captures_keys(&self) -> bool {
        !matches!(self.mode, Mode::Normal)
    }

    pub fn set_notice(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some((text.into(), error));
    }

    /// Takes a source event of the current generation.
    pub fn ingest(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::Lines { source, batch } => {
                // With the index caught up, new entries are checked now; during a rebuild
                // the remaining slices reach them.
                let caught_up = !self.is_busy();
                let id = self.store.source_id(&source);
                for line in batch.iter() {
                    if let Appended::Continued(seq) = self.store.push_line(line, id) {
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
    fn advance(&mut self, budget: usize) {
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

    /// One slice of background work (rebuilding the index after a filter change).
    pub fn step(&mut self) {
        self.advance(REBUILD_SLICE);
    }

    fn rebuild(&mut self) {
        self.index = Index::new(self.store.first_seq());
        if let Some(find) = &mut self.find {
            find.hits = Index::new(self.store.first_seq());
        }
        self.advance(REBUILD_SLICE);
        self.clamp_cursor();
    }

    /// After a rebuild the selected entry may no longer be shown: select the nearest one.
    fn clamp_cursor(&mut self) {
        if let Some(seq) = self.cursor {
            let pos = self
                .index
                .position_at_or_after(seq)
                .min(self.index.len().saturating_sub(1));
            self.cursor = self.index.get(pos);
        }
    }

    /// The position of the selected entry in the index.
    fn cursor_pos(&self) -> Option<usize> {
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

    fn select_pos(&mut self, pos: usize) {
        let last = self.index.len().saturating_sub(1);
        let pos = pos.min(last);
        self.following = false;
        self.cursor = self.index.get(pos);
    }

    fn selected_seq(&self) -> Option<u64> {
        self.cursor_pos().and_then(|p| self.index.get(p))
    }

    fn move_by(&mut self, delta: isize) {
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

    fn set_levels(&mut self, threshold: Level) {
        self.filter.threshold = threshold;
        self.filter.levels = None;
        self.rebuild();
    }

    pub fn perform(&mut self, action: Action) -> Effect {
        self.notice = None;
        let page = self.rows.max(2) as isize - 1;
        match action {
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(page),
            Action::PageUp => self.move_by(-page),
            Action::Top => self.select_pos(0),
            Action::Bottom => {
                self.following = true;
                self.cursor = None;
            }
            Action::Left => self.hscroll = self.hscroll.saturating_sub(8),
            Action::Right if !self.wrap => self.hscroll = self.hscroll.saturating_add(8),
            Action::LevelError => self.set_levels(Level::Error),
            Action::LevelWarn => self.set_levels(Level::Warn),
            Action::LevelInfo => self.set_levels(Level::Info),
            Action::LevelDebug => self.set_levels(Level::Debug),
            Action::LevelAll => self.set_levels(Level::Trace),
            Action::LevelPicker => {
                let levels = self
                    .filter
                    .levels
                    .unwrap_or_else(|| Level::ALL.map(|l| self.filter.level_shown(l)));
                self.mode = Mode::Picker { cursor: 0, levels };
            }
            Action::Filter => {
                self.mode = Mode::Prompt(
                    PromptKind::Filter,
                    Input::with_text(&self.filter.query.to_text()),
                )
            }
            Action::Find => {
                let text = self
                    .find
                    .as_ref()
                    .map(|f| f.text.clone())
                    .unwrap_or_default();
                self.mode = Mode::Prompt(PromptKind::Find, Input::with_text(&text));
            }
            Action::Command => self.mode = Mode::Prompt(PromptKind::Command, Input::default()),
            Action::Save => {
                let name = format!(
                    "mattermost-filtered-{}.log",
                    chrono::Utc::now().format("%Y%m%d-%H%M%S")
                );
                self.mode = Mode::Prompt(PromptKind::Save, Input::with_text(&name));
            }
            Action::NextMatch => self.jump_to_hit(true),
            Action::PrevMatch => self.jump_to_hit(false),
            Action::ToggleCase => {
                self.filter.case_insensitive = !self.filter.case_insensitive;
                let query = self.filter.query.clone();
                if let Err(err) = self.filter.set_query(query) {
                    self.set_notice(format!("filter: {err}"), true);
                }
                self.filter.tune(&tuning_sample(&self.store));
                if let Some(text) = self.find.as_ref().map(|f| f.text.clone()) {
                    self.set_find(&text);
                }
                self.rebuild();
            }
            Action::ToggleInvert => {
                self.filter.invert = !self.filter.invert;
                self.rebuild();
            }
            Action::ClearFilter => {
                let case_insensitive = self.filter.case_insensitive;
                self.filter = Filter {
                    case_insensitive,
                    ..Filter::default()
                };
                self.find = None;
                self.rebuild();
            }
            Action::SameRequest => self.same_request(),
            Action::Open => {
                if let Some(seq) = self.selected_seq() {
                    self.mode = Mode::Detail { seq, scroll: 0 };
                }
            }
            Action::ToggleUtc => self.utc = !self.utc,
            Action::ToggleWrap => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
            }
            Action::Yank => return self.yank(),
            Action::Close => self.find = None,
            _ => {}
        }
        Effect::None
    }

    fn same_request(&mut self) {
        let id = self
            .selected_seq()
            .and_then(|seq| self.store.get(seq))
            .and_then(|e| crate::logs::filter::field_value(&e, "request_id"))
            .filter(|id| !id.is_empty());
        let Some(id) = id else {
            self.set_notice("the selected entry has no request_id", true);
            return;
        };
        let query = Query::parse(&format!("request_id={id}"));
        if self.filter.set_query(query).is_ok() {
            self.filter.threshold = Level::Trace;
            self.filter.levels = None;
            self.rebuild();
            self.set_notice(format!("showing request {id}; x clears"), false);
        }
    }

    fn set_find(&mut self, text: &str) {
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
            Err(err) => self.set_notice(format!("find: {err}"), true),
        }
    }

    fn jump_to_hit(&mut self, forward: bool) {
        let Some(find) = &self.find else {
            self.set_notice("no find: press f first", true);
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
            None => self.set_notice(format!("no match for /{}/", find.text), true),
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

    fn yank(&mut self) -> Effect {
        let Some(entry) = self.selected_seq().and_then(|seq| self.store.get(seq)) else {
            return Effect::None;
        };
        let raw = &entry.raw[..entry.raw.len().min(YANK_LIMIT)];
        let note = if entry.raw.len() > YANK_LIMIT {
            " (cut to 64 KiB)"
        } else {
            ""
        };
        let message = format!("copied {} bytes to the clipboard (OSC 52){note}", raw.len());
        let effect = Effect::Terminal(format!("\x1b]52;c;{}\x07", base64(raw)));
        self.set_notice(message, false);
        effect
    }

    /// Keys while a prompt, the detail view or the level picker is open.
    pub fn handle_key(&mut self, key: KeyEvent) -> Effect {
        use crossterm::event::KeyCode;
        match &mut self.mode {
            Mode::Normal => Effect::None,
            Mode::Detail { scroll, .. } => {
                match key.code {
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => self.mode = Mode::Normal,
                    KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
                    KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') => *scroll = scroll.saturating_add(10),
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                    KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
                    KeyCode::Char('y') => return self.yank(),
                    _ => {}
                }
                Effect::None
            }
            Mode::Picker { cursor, levels } => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Normal,
                    KeyCode::Char('j') | KeyCode::Down => {
                        *cursor = (*cursor + 1).min(Level::ALL.len() - 1)
                    }
                    KeyCode::Char('k') | KeyCode::Up => *cursor = cursor.saturating_sub(1),
                    KeyCode::Char(' ') | KeyCode::Char('x') => levels[*cursor] = !levels[*cursor],
                    KeyCode::Enter => {
                        let chosen = *levels;
                        self.mode = Mode::Normal;
                        self.filter.levels = Some(chosen);
                        self.rebuild();
                    }
                    _ => {}
                }
                Effect::None
            }
            Mode::Prompt(kind, input) => {
                let kind = *kind;
                match input.handle(key) {
                    Edit::Submit => {
                        let text = input.text().to_string();
                        self.mode = Mode::Normal;
                        self.submit(kind, &text)
                    }
                    Edit::Cancel => {
                        self.mode = Mode::Normal;
                        Effect::None
                    }
                    _ => Effect::None,
                }
            }
        }
    }

    /// Pasted text goes into an open prompt.
    pub fn paste(&mut self, text: &str) {
        if let Mode::Prompt(_, input) = &mut self.mode {
            input.insert_str(text);
        }
    }

    fn submit(&mut self, kind: PromptKind, text: &str) -> Effect {
        match kind {
            PromptKind::Filter => match self.filter.set_query(Query::parse(text)) {
                Ok(()) => {
                    self.filter.tune(&tuning_sample(&self.store));
                    self.rebuild();
                }
                Err(err) => self.set_notice(format!("filter not applied: {err}"), true),
            },
            PromptKind::Find => {
                self.set_find(text);
                if self.find.is_some() {
                    self.jump_to_hit(true);
                }
            }
            PromptKind::Command => self.run_command(text),
            PromptKind::Save => {
                let path = PathBuf::from(text.trim());
                if path.as_os_str().is_empty() {
                    self.set_notice("no file name given; nothing saved", true);
                    return Effect::None;
                }
                // One buffer, not a line each: a million lines are copied in one pass.
                let entries = || {
                    (0..self.index.len())
                        .filter_map(|i| self.index.get(i))
                        .filter_map(|seq| self.store.get(seq))
                };
                let mut bytes = Vec::with_capacity(entries().map(|e| e.raw.len() + 1).sum());
                for entry in entries() {
                    bytes.extend_from_slice(entry.raw);
                    bytes.push(b'\n');
                }
                self.set_notice(format!("saving to {}…", path.display()), false);
                return Effect::Save {
                    path,
                    bytes,
                    lines: self.index.len(),
                };
            }
        }
        Effect::None
    }

    fn run_command(&mut self, text: &str) {
        let newest = self
            .store
            .end_seq()
            .checked_sub(1)
            .and_then(|seq| self.store.get(seq))
            .and_then(|e| e.ts_ms);
        match parse_command(text, newest, self.utc) {
            Ok(Command::Goto(ts)) => match self.store.seq_at_time(ts) {
                Some(seq) => {
                    let pos = self.index.position_at_or_after(seq);
                    self.select_pos(pos);
                }
                None => self.set_notice("no entry that late; press G for the newest", true),
            },
            Ok(Command::Level(level)) => self.set_levels(level),
            Ok(Command::Filter(query)) => {
                let _ = self.submit(PromptKind::Filter, &query);
            }
            Err(err) => self.set_notice(err, true),
        }
    }

    /// Switches to the next available source; the buffer starts empty.
    pub fn switch_source(&mut self) -> bool {
        if self.kinds.len() < 2 {
            self.set_notice(
                "no other log source: give --mm-home or --log-file, or a server",
                true,
            );
            return false;
        }
        self.active = (self.active + 1) % self.kinds.len();
        self.store.clear();
        self.index = Index::new(self.store.first_seq());
        if let Some(find) = &mut self.find {
            find.hits = Index::new(self.store.first_seq());
        }
        self.following = true;
        self.cursor = None;
        true
    }

    pub fn source_description(&self) -> String {
        self.kinds
            .get(self.active)
            .map(FeedKind::describe)
            .unwrap_or_else(|| "no log source".to_string())
    }

    /// The last state a source reported.
    pub fn source_state(&self, name: &str) -> Option<&SourceState> {
        self.states.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// The selected entry, if any.
    pub fn selected(&self) -> Option<crate::logs::store::Entry<'_>> {
        self.selected_seq().and_then(|seq| self.store.get(seq))
    }

    /// The entries shown under the current filter, in order.
    pub fn shown(&self) -> impl Iterator<Item = crate::logs::store::Entry<'_>> {
        (0..self.index.len())
            .filter_map(|i| self.index.get(i))
            .filter_map(|seq| self.store.get(seq))
    }

    /// Source problems worth a line in the header.
    pub fn source_problems(&self) -> Vec<(String, &SourceState)> {
        self.states
            .iter()
            .filter(|(_, s)| !matches!(s, SourceState::Following))
            .map(|(name, s)| (name.clone(), s))
            .collect()
    }
}

/// Standard base64, for OSC 52.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
