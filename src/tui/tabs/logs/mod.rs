//! The Logs tab: a live, filterable tail of the server log.
//!
//! Lines arrive from a feed (followed files or the REST API) in batches and are parsed once
//! into the bounded [`LogStore`]. The filter's [`Index`] of matching entries grows with them;
//! when the filter changes it is rebuilt in slices between key presses. Drawing looks only at
//! the entries on screen.

mod actions;
mod command;
mod detail;
mod filtering;
pub mod patterns_pane;
pub mod timeline;
pub mod view;

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::error::Error;
use crate::logs::feed::{self, Feed, FeedKind, FeedOptions};
use crate::logs::filter::{Filter, Index};
use crate::logs::source::{
    Backpressure, IN_FLIGHT_LIMIT, Reservation, Sink, SourceEvent, SourceState,
};
use crate::logs::store::LogStore;
use crate::tui::env::Env;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Found, Lookup, Reveal, Signal, Ui, View};
use crate::tui::widgets::input::Input;
use crate::tui::widgets::notice::Notice;

use self::filtering::Find;
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
    Patterns,
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
    /// Lines sent by the feed and not yet taken: a feed that runs ahead waits.
    pressure: Arc<Backpressure>,
    /// The patterns view, once opened: it keeps counting new lines from then on.
    patterns: Option<patterns_pane::PatternsPane>,
    /// The timeline above the list, while it is shown.
    timeline: Option<timeline::Timeline>,
    /// Entries the user marked (by sequence number), to come back to.
    bookmarks: std::collections::BTreeSet<u64>,
    /// The time ranges (since, until) that zooming into a bucket of the timeline replaced, the
    /// latest last: zooming out takes them back.
    zooms: Vec<(Option<i64>, Option<i64>)>,
}

impl LogsTab {
    pub fn new(env: &Env) -> Self {
        let launch = &env.logs;
        let kinds = feed::available(
            &launch.files,
            env.mm_home.as_ref(),
            env.client.as_ref(),
            env.packet.as_deref(),
        );
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
            pressure: Backpressure::new(IN_FLIGHT_LIMIT),
            patterns: None,
            timeline: None,
            bookmarks: std::collections::BTreeSet::new(),
            zooms: Vec::new(),
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
        self.feed = feed::start(kind, ctx.env.client.as_ref(), &ctx.env.logs.feed, sink);
    }

    /// The active source is an opened packet's logs.
    pub fn reads_packet(&self) -> bool {
        matches!(self.kinds.get(self.active), Some(FeedKind::Packet { .. }))
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

    /// Entries shown under the current filter (complete or not yet).
    pub fn matching(&self) -> usize {
        self.index.len()
    }

    pub fn is_following(&self) -> bool {
        self.following
    }

    /// The filter is still being applied to the held entries, or the patterns counted.
    pub fn is_busy(&self) -> bool {
        !self.index.is_complete(&self.store)
            || self
                .find
                .as_ref()
                .is_some_and(|f| !f.hits.is_complete(&self.store))
            || self
                .patterns
                .as_ref()
                .is_some_and(|p| p.is_behind(&self.store))
            || self
                .timeline
                .as_ref()
                .is_some_and(|t| t.is_behind(&self.index))
    }

    /// The marked entries still held, oldest first.
    pub fn bookmarks(&self) -> impl Iterator<Item = u64> + '_ {
        self.bookmarks.range(self.store.first_seq()..).copied()
    }

    pub fn timeline_shown(&self) -> bool {
        self.timeline.is_some()
    }

    /// The patterns view, when it has been opened.
    pub fn patterns_pane(&self) -> Option<&patterns_pane::PatternsPane> {
        self.patterns.as_ref()
    }

    fn set_notice(&mut self, notice: Notice) {
        self.notice = Some(notice);
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
            .filter(|(_, s)| !matches!(s, SourceState::Following | SourceState::Complete))
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
            Mode::Patterns => Scope::LogsPatterns,
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
            Mode::Patterns => self.act_in_patterns(action),
        }
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        if let Mode::Prompt(_, input) = &mut self.mode {
            input.type_text(text);
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Fed(fed) => {
                if let SourceEvent::Lines { batch, .. } = &fed.event {
                    ctx.status
                        .count_capture_lines(batch.len() as u64, batch.byte_len() as u64);
                }
                self.ingest(fed.event)
            }
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
        if signal == Signal::Capture {
            let now_ms = ctx.now_ms();
            self.capture_changed(ctx.status.capture.as_ref().map(|r| &r.capture), now_ms);
            return;
        }
        if signal != Signal::Reconnected {
            return;
        }
        // A first server (after `mmops login`) brings its log API as a source.
        let env = ctx.env;
        let kinds = feed::available(
            &env.logs.files,
            env.mm_home.as_ref(),
            env.client.as_ref(),
            env.packet.as_deref(),
        );
        if kinds != self.kinds {
            let active = self.kinds.get(self.active);
            self.active = active
                .and_then(|kind| kinds.iter().position(|k| k == kind))
                .unwrap_or(0);
            self.kinds = kinds;
            self.start_feed(ctx);
        } else if self.uses_rest() {
            self.start_feed(ctx);
        }
    }

    /// Log lines with any of the texts: the filter set to them.
    fn reveal(&mut self, what: &Reveal, _ctx: &mut Ctx<'_, Msg>) -> bool {
        let Reveal::LogText(texts) = what else {
            return false;
        };
        let pattern = texts
            .iter()
            .map(|t| regex::escape(t))
            .collect::<Vec<_>>()
            .join("|");
        self.mode = Mode::Normal;
        self.apply_filter(&pattern);
        true
    }

    fn look_up(&self, lookup: Lookup<'_>) -> Option<Found> {
        match lookup {
            Lookup::LogMentions { needle, limit } => Some(Found::LogMentions {
                lines: self.recent_mentions(needle, limit),
                held: !self.store.is_empty(),
            }),
            Lookup::Diagnosis => None,
        }
    }

    fn is_busy(&self) -> bool {
        LogsTab::is_busy(self)
    }

    /// One slice of the rebuild after a filter change, and of the patterns' counting.
    fn step(&mut self) {
        self.advance(REBUILD_SLICE);
        if let Some(pane) = &mut self.patterns
            && pane.is_behind(&self.store)
        {
            pane.catch_up(&self.store, patterns_pane::COUNT_SLICE);
        }
        if let Some(timeline) = &mut self.timeline
            && timeline.is_behind(&self.index)
        {
            timeline.catch_up(&self.index, &self.store, timeline::COUNT_SLICE);
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        view::render(self, area, buf, ui);
    }
}

#[cfg(test)]
mod tests;
