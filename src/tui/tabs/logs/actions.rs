//! What the Logs tab's keys do: in the plain view, in the entry's detail, in the level
//! picker, and on a prompt's Enter (filter, find, `:` command, save).

use std::path::{Path, PathBuf};

use super::filtering::tuning_sample;
use super::patterns_pane::PatternsPane;
use super::{Command, LogsTab, Mode, Msg, PromptKind, parse_command};
use crate::error::Error;
use crate::logs::filter::{Filter, Index};
use crate::logs::histogram::width_label;
use crate::logs::parse::Level;
use crate::tui::jobs::blocking;
use crate::tui::keys::{Action, Scope};
use crate::tui::osc52;
use crate::tui::view::Ctx;
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::notice::Notice;

/// How far "around this" reaches on each side of the selected entry.
const AROUND_MS: i64 = 30_000;

impl LogsTab {
    /// An action of the plain view.
    pub(super) fn perform(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
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
                self.zooms.clear();
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
            Action::PatternsView => {
                if self.patterns.is_none() {
                    self.patterns = Some(PatternsPane::new(&self.store));
                }
                self.mode = Mode::Patterns;
            }
            Action::Mark => self.set_mark(),
            Action::AroundThis => self.around_selected(),
            Action::ToggleBookmark => match self.selected_seq() {
                Some(seq) if !self.bookmarks.remove(&seq) => {
                    self.bookmarks.insert(seq);
                }
                Some(_) => {}
                None => self.set_notice(Notice::problem(
                    "select an entry first (k, or g for the first)",
                )),
            },
            Action::NextBookmark => self.jump_to_bookmark(true),
            Action::PrevBookmark => self.jump_to_bookmark(false),
            Action::Timeline => {
                self.timeline = match self.timeline.take() {
                    Some(_) => None,
                    None => Some(super::timeline::Timeline::default()),
                };
            }
            Action::PrevBucket | Action::NextBucket | Action::ZoomIn | Action::ZoomOut
                if self.timeline.is_none() =>
            {
                let key = ctx.env.keymap.key_name(Scope::Logs, Action::Timeline);
                self.set_notice(Notice::problem(format!("no timeline: press {key} first")));
            }
            Action::PrevBucket => self.jump_bucket(-1),
            Action::NextBucket => self.jump_bucket(1),
            Action::ZoomIn => {
                let out = ctx.env.keymap.key_name(Scope::Logs, Action::ZoomOut);
                self.zoom_in(&out);
            }
            Action::ZoomOut => {
                let clear = ctx.env.keymap.key_name(Scope::Logs, Action::ClearFilter);
                self.zoom_out(&clear);
            }
            Action::NextError => self.jump_to_level(Level::Error, true),
            Action::PrevError => self.jump_to_level(Level::Error, false),
            Action::NextWarning => self.jump_to_level(Level::Warn, true),
            Action::PrevWarning => self.jump_to_level(Level::Warn, false),
            _ => {}
        }
    }

    /// A capture started (marked like `m`, its start bookmarked) or stopped.
    pub(super) fn capture_changed(
        &mut self,
        running: Option<&crate::capture::Capture>,
        now_ms: i64,
    ) {
        let Some(capture) = running else {
            self.set_notice(Notice::info(format!(
                "capture stopped {}",
                crate::timefmt::utc_clock(now_ms)
            )));
            return;
        };
        self.mark_patterns();
        if let Some(newest) = self.store.end_seq().checked_sub(1)
            && newest >= self.store.first_seq()
        {
            self.bookmarks.insert(newest);
        }
        self.set_notice(Notice::info(format!(
            "capture started {}, {} · patterns first seen from now on are flagged NEW",
            crate::timefmt::utc_clock(capture.started_ms),
            crate::text::inert(&capture.headline())
        )));
    }

    /// From now on, patterns first seen are flagged new (the patterns view starts counting
    /// here if it had not been opened).
    fn set_mark(&mut self) {
        self.mark_patterns();
        self.set_notice(Notice::info(format!(
            "marked at {}: patterns first seen from now on are flagged NEW",
            chrono::Utc::now().format("%H:%M:%S UTC")
        )));
    }

    fn mark_patterns(&mut self) {
        let pane = self
            .patterns
            .get_or_insert_with(|| PatternsPane::new(&self.store));
        // What the buffer holds is counted before the mark falls.
        while pane.is_behind(&self.store) {
            pane.catch_up(&self.store, usize::MAX);
        }
        pane.set_mark();
    }

    /// Every source's entries within [`AROUND_MS`] of the selected entry: the filter gives way
    /// to a time range, the selection stays on the entry.
    fn around_selected(&mut self) {
        let Some(entry) = self.selected() else {
            self.set_notice(Notice::problem(
                "select an entry first (k, or g for the first)",
            ));
            return;
        };
        let (Some(ts), seq) = (entry.ts_ms, entry.seq) else {
            self.set_notice(Notice::problem("the selected entry has no time"));
            return;
        };
        let case_insensitive = self.filter.case_insensitive;
        self.filter = Filter {
            case_insensitive,
            since_ms: Some(ts - AROUND_MS),
            until_ms: Some(ts + AROUND_MS + 1),
            ..Filter::default()
        };
        self.find = None;
        self.zooms.clear();
        self.rebuild();
        // The rebuild runs in slices; the selection is the entry's, wherever it lands.
        self.following = false;
        self.cursor = Some(seq);
    }

    /// The next (or previous) marked entry that the filter shows.
    fn jump_to_bookmark(&mut self, forward: bool) {
        let here = self.selected_seq();
        let shown =
            |seq: &&u64| self.index.get(self.index.position_at_or_after(**seq)) == Some(**seq);
        let target = if forward {
            let from = here.map_or(0, |s| s + 1);
            self.bookmarks.range(from..).find(shown).copied()
        } else {
            let to = here.unwrap_or(u64::MAX);
            self.bookmarks.range(..to).rev().find(shown).copied()
        };
        match target {
            Some(seq) => {
                let pos = self.index.position_at_or_after(seq);
                self.select_pos(pos);
            }
            None if self.bookmarks.is_empty() => {
                self.set_notice(Notice::info("no marked entry: M marks the selected one"))
            }
            None => self.set_notice(Notice::info(format!(
                "no marked entry shown {}",
                if forward {
                    "after this one"
                } else {
                    "before this one"
                }
            ))),
        }
    }

    /// The selection a bucket of the timeline earlier or later: its first shown entry.
    fn jump_bucket(&mut self, step: i64) {
        let here = self
            .selected()
            .and_then(|e| e.ts_ms)
            .or_else(|| self.last_shown_ms());
        let Some((start, end)) = here.and_then(|ts| self.bucket_of(ts)) else {
            return;
        };
        // Empty buckets are passed over: later, the first shown entry from the next bucket on;
        // earlier, the first shown entry of the bucket of the last one before this bucket.
        let target = if step > 0 {
            Some(self.first_shown_at(end))
        } else {
            self.first_shown_at(start)
                .checked_sub(1)
                .and_then(|before| self.index.get(before))
                .and_then(|seq| self.store.get(seq))
                .and_then(|entry| entry.ts_ms)
                .and_then(|ts| self.bucket_of(ts))
                .map(|(earlier, _)| self.first_shown_at(earlier))
        };
        match target.filter(|pos| *pos < self.index.len()) {
            Some(pos) => self.select_pos(pos),
            None => self.set_notice(Notice::info(if step > 0 {
                "no later bucket"
            } else {
                "no earlier bucket"
            })),
        }
    }

    /// The time of the last entry the filter shows.
    fn last_shown_ms(&self) -> Option<i64> {
        let last = self.index.len().checked_sub(1)?;
        self.store.get(self.index.get(last)?)?.ts_ms
    }

    fn bucket_of(&mut self, ts_ms: i64) -> Option<(i64, i64)> {
        self.timeline.as_mut()?.bucket_of(ts_ms)
    }

    /// The position in the index of the first shown entry at or after `ts_ms` (the index's
    /// length if there is none).
    fn first_shown_at(&self, ts_ms: i64) -> usize {
        self.store
            .seq_at_time(ts_ms)
            .map_or(self.index.len(), |seq| self.index.position_at_or_after(seq))
    }

    /// Narrows the time range to the timeline's bucket that holds the selected entry (the
    /// newest shown while following); the timeline draws that span in finer buckets.
    fn zoom_in(&mut self, zoom_out_key: &str) {
        let selected = self.selected().map(|e| (e.seq, e.ts_ms));
        let here = match selected {
            Some((_, ts)) => ts,
            None => self.last_shown_ms(),
        };
        let Some((since, until)) = here.and_then(|ts| self.bucket_of(ts)) else {
            self.set_notice(Notice::problem("no entry with a time to zoom into"));
            return;
        };
        let range = (self.filter.since_ms, self.filter.until_ms);
        // Only what the range already shows: a bucket that reaches past it keeps its ends.
        let narrowed = (
            Some(range.0.map_or(since, |s| s.max(since))),
            Some(range.1.map_or(until, |u| u.min(until))),
        );
        if narrowed == range {
            self.set_notice(Notice::info("as close as the timeline goes"));
            return;
        }
        self.zooms.push(range);
        self.filter.since_ms = narrowed.0;
        self.filter.until_ms = narrowed.1;
        self.keep_selection_through_rebuild(selected.map(|(seq, _)| seq));
        self.set_notice(Notice::info(format!(
            "zoomed in to {} ({zoom_out_key} zooms out)",
            width_label(until - since)
        )));
    }

    /// Rebuilds the index for a new time range; the selected entry stays selected, and
    /// following the newest goes on.
    fn keep_selection_through_rebuild(&mut self, selected: Option<u64>) {
        let following = self.following;
        self.rebuild();
        if following {
            return;
        }
        if let Some(seq) = selected {
            self.following = false;
            self.cursor = Some(seq);
        }
    }

    /// Back to the time range the last zoom replaced.
    fn zoom_out(&mut self, clear_key: &str) {
        let Some((since, until)) = self.zooms.pop() else {
            self.set_notice(Notice::problem(format!(
                "not zoomed in ({clear_key} clears every filter)"
            )));
            return;
        };
        let selected = self.selected_seq();
        self.filter.since_ms = since;
        self.filter.until_ms = until;
        self.keep_selection_through_rebuild(selected);
    }

    /// The next (or previous) shown entry at `level` (errors: that or worse).
    fn jump_to_level(&mut self, level: Level, forward: bool) {
        let matches = |l: Level| match level {
            Level::Error => l.rank() >= Level::Error,
            other => l.rank() == other,
        };
        let start = self.cursor_pos().unwrap_or(0);
        let found = if forward {
            (start + 1..self.index.len()).find(|pos| self.level_at(*pos).is_some_and(matches))
        } else {
            (0..start)
                .rev()
                .find(|pos| self.level_at(*pos).is_some_and(matches))
        };
        match found {
            Some(pos) => self.select_pos(pos),
            None => self.set_notice(Notice::info(format!(
                "no {} {}",
                if level == Level::Error {
                    "error"
                } else {
                    "warning"
                },
                if forward {
                    "after this one"
                } else {
                    "before this one"
                }
            ))),
        }
    }

    fn level_at(&self, pos: usize) -> Option<Level> {
        self.index.get(pos).and_then(|seq| self.store.level_of(seq))
    }

    /// An action while the patterns view is open.
    pub(super) fn act_in_patterns(&mut self, action: Action) {
        let Some(pane) = &mut self.patterns else {
            self.mode = Mode::Normal;
            return;
        };
        let page = pane.page();
        match action {
            Action::Close => self.mode = Mode::Normal,
            Action::Down => pane.move_by(1),
            Action::Up => pane.move_by(-1),
            Action::PageDown => pane.move_by(page),
            Action::PageUp => pane.move_by(-page),
            Action::Top => pane.move_by(isize::MIN / 2),
            Action::Bottom => pane.move_by(isize::MAX / 2),
            Action::CycleView => pane.next_order(),
            Action::Mark => self.set_mark(),
            Action::Open => {
                if let Some(pattern) = pane.selected() {
                    self.filter.pattern = Some((pattern.level, pattern.template.clone()));
                    // The pattern's own level is shown, whatever the threshold was.
                    self.filter.levels = None;
                    self.filter.threshold = Level::Trace;
                    self.mode = Mode::Normal;
                    self.following = true;
                    self.cursor = None;
                    self.rebuild();
                }
            }
            _ => {}
        }
    }

    pub(super) fn yank(&mut self, ctx: &mut Ctx<'_, Msg>) {
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
    pub(super) fn act_in_detail(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
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
    pub(super) fn act_in_picker(&mut self, action: Action) {
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
    pub(super) fn edit_prompt(&mut self, edit: Edit, ctx: &mut Ctx<'_, Msg>) {
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

    pub(super) fn submit(&mut self, kind: PromptKind, text: &str, ctx: &mut Ctx<'_, Msg>) {
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

    /// Saves the filtered raw lines to `name`, in the background.
    pub(super) fn save(&mut self, name: &str, ctx: &mut Ctx<'_, Msg>) {
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
        ctx.spawn_each(
            move |result| Msg::Saved { path, result },
            blocking(move || save_lines(&target, &bytes, lines)),
        );
    }

    pub(super) fn run_command(&mut self, text: &str) {
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
            Ok(Command::Since(ts)) => {
                self.zooms.clear();
                self.filter.since_ms = ts;
                self.rebuild();
            }
            Ok(Command::Until(ts)) => {
                self.zooms.clear();
                self.filter.until_ms = ts;
                self.rebuild();
            }
            Ok(Command::Filter(query)) => self.apply_filter(&query),
            Err(err) => self.set_notice(Notice::problem(err)),
        }
    }

    /// Switches to the next available source; the buffer starts empty.
    pub(super) fn switch_source(&mut self) -> bool {
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
}

/// Writes raw log lines to `path`, one per line, atomically and readable only by the owner.
fn save_lines(path: &Path, bytes: &[u8], lines: usize) -> Result<usize, Error> {
    crate::fsutil::write_private_atomic(path, bytes)
        .map(|()| lines)
        .map_err(Error::io(format!("cannot write {}", path.display())))
}
