//! The Logs tab: a live, filterable tail of the server log.
//!
//! Lines arrive from a feed (followed files or the REST API) in batches and are parsed once
//! into the bounded [`LogStore`]. The filter's [`Index`] of matching entries grows with them;
//! when the filter changes it is rebuilt in slices between key presses. Drawing looks only at
//! the entries on screen.

mod command;
mod detail;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::error::Error;
use crate::logs::feed::{self, Feed, FeedKind, FeedOptions};
use crate::logs::filter::{Filter, Index, Query};
use crate::logs::matcher::Matcher;
use crate::logs::parse::Level;
use crate::logs::source::{
    Backpressure, IN_FLIGHT_LIMIT, Reservation, Sink, SourceEvent, SourceState,
};
use crate::logs::store::{Appended, Entry, LogStore};
use crate::tui::env::Env;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::osc52;
use crate::tui::view::{Answer, Ctx, Question, Signal, Ui, View};
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::notice::Notice;

pub use command::{Command, parse_command};

/// Entries checked per slice when a filter is rebuilt (a few milliseconds of work).
const REBUILD_SLICE: usize = 50_000;

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

/// Lines or a state change from the feed, holding their bytes against the in-flight limit
/// until they are taken.
pub struct Fed {
    event: SourceEvent,
    _held: Option<Reservation>,
}

pub enum Msg {
    Fed(Fed),
    Saved {
        path: PathBuf,
        result: Result<usize, Error>,
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
    states: Vec<(String, SourceState)>,
    notice: Option<Notice>,
    options: FeedOptions,
    /// Lines sent by the feed and not yet taken: a feed that runs ahead waits.
    pressure: Arc<Backpressure>,
}

impl LogsTab {
    pub fn new(env: &Env) -> Self {
        let launch = &env.logs;
        let kinds = feed::available(&launch.files, env.mm_home.as_ref(), env.client.as_ref());
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
            states: Vec::new(),
            notice: None,
            options: launch.feed.clone(),
            pressure: Backpressure::new(IN_FLIGHT_LIMIT),
        }
    }

    /// Starts (or restarts) the active source; lines of an older feed are stale.
    fn start_feed(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.feed = None;
        self.states.clear();
        let Some(kind) = self.kinds.get(self.active) else {
            return;
        };
        let mailbox = ctx.mailbox(Msg::Fed, false);
        let pressure = Arc::clone(&self.pressure);
        let sink: Sink = Arc::new(move |event| {
            let held = match &event {
                SourceEvent::Lines { batch, .. } => {
                    match pressure.hold(batch.byte_len(), || mailbox.is_closed()) {
                        Some(held) => Some(held),
                        None => return false,
                    }
                }
                SourceEvent::State { .. } => None,
            };
            mailbox.send(Fed { event, _held: held })
        });
        self.feed = feed::start(kind, ctx.env.client.as_ref(), &self.options, sink);
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
    fn recent_mentions(&self, needle: &str, limit: usize) -> Vec<String> {
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

    fn set_notice(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    /// Takes a source event of the current feed.
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

    /// An action of the plain view.
    fn perform(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
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
            Action::NextMatch | Action::PrevMatch if self.find.is_none() => {
                let find = ctx.env.keymap.key_name(Scope::Logs, Action::Find);
                self.set_notice(Notice::problem(format!("no find: press {find} first")));
            }
            Action::NextMatch => self.jump_to_hit(true),
            Action::PrevMatch => self.jump_to_hit(false),
            Action::ToggleCase => {
                self.filter.case_insensitive = !self.filter.case_insensitive;
                let query = self.filter.query.clone();
                if let Err(err) = self.filter.set_query(query) {
                    self.set_notice(Notice::problem(format!("filter: {err}")));
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
            Action::SameRequest => {
                let clear = ctx.env.keymap.key_name(Scope::Logs, Action::ClearFilter);
                self.same_request(&clear);
            }
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
            Action::Yank => self.yank(ctx),
            Action::Close => self.find = None,
            Action::SwitchSource if self.switch_source() => self.start_feed(ctx),
            _ => {}
        }
    }

    /// Only the selected entry's request; `clear` names the key that clears it.
    fn same_request(&mut self, clear: &str) {
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
            Err(err) => self.set_notice(Notice::problem(format!("find: {err}"))),
        }
    }

    fn jump_to_hit(&mut self, forward: bool) {
        let Some(find) = &self.find else {
            self.set_notice(Notice::problem("no find yet"));
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

    fn yank(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Some(entry) = self.selected_seq().and_then(|seq| self.store.get(seq)) else {
            return;
        };
        let raw = &entry.raw[..entry.raw.len().min(osc52::LIMIT)];
        let note = if entry.raw.len() > osc52::LIMIT {
            " (cut to 64 KiB)"
        } else {
            ""
        };
        let message = format!("copied {} bytes to the clipboard (OSC 52){note}", raw.len());
        ctx.write_terminal(osc52::copy(raw));
        self.set_notice(Notice::info(message));
    }

    /// An action while the entry's detail is open.
    fn act_in_detail(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let Mode::Detail { scroll, .. } = &mut self.mode else {
            return;
        };
        match action {
            Action::Close => self.mode = Mode::Normal,
            Action::Yank => self.yank(ctx),
            other => *scroll = other.scroll(*scroll),
        }
    }

    /// An action while the level picker is open.
    fn act_in_picker(&mut self, action: Action) {
        let Mode::Picker { cursor, levels } = &mut self.mode else {
            return;
        };
        match action {
            Action::Close => self.mode = Mode::Normal,
            Action::Down => *cursor = (*cursor + 1).min(Level::ALL.len() - 1),
            Action::Up => *cursor = cursor.saturating_sub(1),
            Action::Toggle => levels[*cursor] = !levels[*cursor],
            Action::Submit => {
                let chosen = *levels;
                self.mode = Mode::Normal;
                self.filter.levels = Some(chosen);
                self.rebuild();
            }
            _ => {}
        }
    }

    /// An edit of the open prompt.
    fn edit_prompt(&mut self, edit: Edit, ctx: &mut Ctx<'_, Msg>) {
        let Mode::Prompt(kind, input) = &self.mode else {
            return;
        };
        match edit {
            Edit::Submit => {
                let (kind, text) = (*kind, input.text().to_string());
                self.mode = Mode::Normal;
                self.submit(kind, &text, ctx);
            }
            Edit::Cancel => self.mode = Mode::Normal,
            Edit::Changed | Edit::Moved | Edit::Ignored => {}
        }
    }

    fn submit(&mut self, kind: PromptKind, text: &str, ctx: &mut Ctx<'_, Msg>) {
        match kind {
            PromptKind::Filter => self.apply_filter(text),
            PromptKind::Find => {
                self.set_find(text);
                if self.find.is_some() {
                    self.jump_to_hit(true);
                }
            }
            PromptKind::Command => self.run_command(text),
            PromptKind::Save => self.save(text, ctx),
        }
    }

    fn apply_filter(&mut self, text: &str) {
        match self.filter.set_query(Query::parse(text)) {
            Ok(()) => {
                self.filter.tune(&tuning_sample(&self.store));
                self.rebuild();
            }
            Err(err) => self.set_notice(Notice::problem(format!("filter not applied: {err}"))),
        }
    }

    /// Saves the filtered raw lines to `name`, in the background.
    fn save(&mut self, name: &str, ctx: &mut Ctx<'_, Msg>) {
        let path = PathBuf::from(name.trim());
        if path.as_os_str().is_empty() {
            self.set_notice(Notice::problem("no file name given; nothing saved"));
            return;
        }
        // One buffer, not a line each: a million lines are copied in one pass.
        let mut bytes = Vec::with_capacity(self.shown().map(|e| e.raw.len() + 1).sum());
        for entry in self.shown() {
            bytes.extend_from_slice(entry.raw);
            bytes.push(b'\n');
        }
        let lines = self.index.len();
        self.set_notice(Notice::info(format!("saving to {}…", path.display())));
        let target = path.clone();
        ctx.spawn_blocking(
            move |result| Msg::Saved { path, result },
            move || save_lines(&target, &bytes, lines),
        );
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
                None => self.set_notice(Notice::problem("no entry that late")),
            },
            Ok(Command::Level(level)) => self.set_levels(level),
            Ok(Command::Filter(query)) => self.apply_filter(&query),
            Err(err) => self.set_notice(Notice::problem(err)),
        }
    }

    /// Switches to the next available source; the buffer starts empty.
    fn switch_source(&mut self) -> bool {
        if self.kinds.len() < 2 {
            self.set_notice(Notice::problem(
                "no other log source: give --mm-home or --log-file, or a server",
            ));
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

impl View for LogsTab {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Logs"
    }

    fn focus(&self) -> Focus {
        Focus::on(match self.mode {
            Mode::Normal => Scope::Logs,
            Mode::Prompt(..) => Scope::Prompt,
            Mode::Detail { .. } => Scope::LogsDetail,
            Mode::Picker { .. } => Scope::LogsLevels,
        })
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.start_feed(ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        match &mut self.mode {
            Mode::Normal => self.perform(action, ctx),
            Mode::Prompt(_, input) => {
                let edit = input.apply(action);
                self.edit_prompt(edit, ctx);
            }
            Mode::Detail { .. } => self.act_in_detail(action, ctx),
            Mode::Picker { .. } => self.act_in_picker(action),
        }
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        if let Mode::Prompt(_, input) = &mut self.mode {
            input.type_text(text);
        }
    }

    fn on_msg(&mut self, msg: Msg, _ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Fed(fed) => self.ingest(fed.event),
            Msg::Saved { path, result } => self.set_notice(match result {
                Ok(lines) => Notice::info(format!(
                    "saved {} lines to {}",
                    crate::timefmt::count(lines as i64),
                    path.display()
                )),
                Err(err) => Notice::failed("nothing saved", err),
            }),
        }
    }

    /// New credentials: the REST feed starts again with them.
    fn on_signal(&mut self, signal: Signal, ctx: &mut Ctx<'_, Msg>) {
        if signal == Signal::Reconnected && self.uses_rest() {
            self.start_feed(ctx);
        }
    }

    fn answer(&self, question: Question<'_>) -> Option<Answer> {
        match question {
            Question::LogMentions { needle, limit } => Some(Answer::LogMentions {
                lines: self.recent_mentions(needle, limit),
                held: !self.store.is_empty(),
            }),
        }
    }

    fn is_busy(&self) -> bool {
        LogsTab::is_busy(self)
    }

    /// One slice of the rebuild after a filter change.
    fn step(&mut self) {
        self.advance(REBUILD_SLICE);
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        view::render(self, area, buf, ui);
    }
}

/// Writes raw log lines to `path`, one per line, atomically and readable only by the owner.
fn save_lines(path: &Path, bytes: &[u8], lines: usize) -> Result<usize, Error> {
    crate::fsutil::write_private_atomic(path, bytes)
        .map(|()| lines)
        .map_err(Error::io(format!("cannot write {}", path.display())))
}

#[cfg(test)]
mod tests;
