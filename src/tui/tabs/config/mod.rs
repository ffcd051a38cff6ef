//! The Config tab: the server's config, sanitized, as a tree that folds; search over paths and
//! values; views of what changed from the default and of what support looks at; copy a
//! setting; compare with another config or a snapshot.
//!
//! The config is read at start and on `r` (its own or the Server tab's), never by the
//! periodic refresh, so it does not change under someone reading it.

pub mod view;

use std::collections::HashSet;
use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::error::Error;
use crate::server_config::diff::{Change, compare, read_other};
use crate::server_config::tree::Row;
use crate::server_config::{ConfigDoc, latest_snapshot, save_snapshot, support_looks_at};
use crate::tui::env::Env;
use crate::tui::jobs::blocking;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Refresh, Reveal, Signal, Ui, View};
use crate::tui::widgets::input::{Edit, Input};
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::loadable::Loadable;
use crate::tui::widgets::notice::Notice;

/// Which settings the tree shows (`v` cycles them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subset {
    All,
    Changed,
    Support,
}

impl Subset {
    pub fn label(self) -> &'static str {
        match self {
            Subset::All => "every setting",
            Subset::Changed => "changed from default",
            Subset::Support => "what support looks at",
        }
    }
}

struct Search {
    input: Input,
    editing: bool,
    /// The folds before the search: each match opens only its own sections.
    folded_before: HashSet<usize>,
    /// Row indexes of the tree, in order.
    matches: Vec<usize>,
    current: usize,
}

struct Compared {
    other: String,
    changes: Vec<Change>,
    scroll: u16,
}

pub enum Msg {
    Loaded(Result<ConfigDoc, Error>),
    SnapshotSaved(Result<PathBuf, Error>),
    Compared {
        other: String,
        result: Result<Vec<Change>, Error>,
    },
}

pub struct ConfigTab {
    load: Loadable<ConfigDoc>,
    folded: HashSet<usize>,
    subset: Subset,
    /// Row indexes shown, in order.
    visible: Vec<usize>,
    list: ListState,
    search: Option<Search>,
    compare: Option<Compared>,
    /// The compare prompt: a path to a config.json, a packet zip or a snapshot.
    prompt: Option<Input>,
    notice: Option<Notice>,
    /// Offered in the compare prompt: the newest snapshot.
    suggestion: Option<PathBuf>,
    /// When the config shown was read: it is read at start and on `r`, not on every refresh.
    read_at_ms: Option<i64>,
}

impl ConfigTab {
    pub fn new(env: &Env) -> Self {
        Self {
            load: Loadable::new(
                env.client.is_some() || env.mm_home.is_some() || env.packet.is_some(),
            ),
            folded: HashSet::new(),
            subset: Subset::All,
            visible: Vec::new(),
            list: ListState::default(),
            search: None,
            compare: None,
            prompt: None,
            notice: None,
            suggestion: latest_snapshot(&env.snapshot_dir),
            read_at_ms: None,
        }
    }

    /// Loads the config: from the server, or from the install dir without one.
    fn load(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if let Some(packet) = ctx.env.packet.clone() {
            self.load.begin();
            ctx.spawn(
                Msg::Loaded,
                blocking(move || {
                    crate::packet::shown::config_doc(&packet).ok_or_else(|| {
                        Error::Words("the packet has no sanitized_config.json".to_string())
                    })
                }),
            );
            return;
        }
        match (ctx.env.client.clone(), ctx.env.mm_home.clone()) {
            (Some(client), _) => {
                self.load.begin();
                ctx.spawn(Msg::Loaded, async move { ConfigDoc::load(&client).await });
            }
            (None, Some(home)) => {
                self.load.begin();
                ctx.spawn(
                    Msg::Loaded,
                    blocking(move || ConfigDoc::from_install(&home)),
                );
            }
            (None, None) => {}
        }
    }

    fn loaded(&mut self, result: Result<ConfigDoc, Error>, now_ms: i64) {
        let selected_path = self.selected_row().map(|r| r.path.clone());
        let first_load = !self.load.is_loaded();
        if result.is_ok() {
            self.read_at_ms = Some(now_ms);
        }
        if let Ok(doc) = &result
            && first_load
        {
            // Start with every top-level section folded: an overview of the sections.
            self.folded = top_sections(doc);
        }
        if let Some(err) = self.load.finish(result) {
            self.notice = Some(Notice::failed("refresh failed", err));
            return;
        }
        self.refilter();
        if let Some(path) = selected_path
            && let Some(pos) = self.position_of_path(&path)
        {
            self.list.selected = pos;
        }
        if let Some(search) = self.search.as_mut()
            && let Some(doc) = self.load.get()
        {
            search.matches = doc.tree.search(search.input.text());
            search.current = 0;
        }
    }

    pub fn doc(&self) -> Option<&ConfigDoc> {
        self.load.get()
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let doc = self.doc()?;
        doc.tree.rows.get(*self.visible.get(self.list.selected)?)
    }

    /// The paths of the rows shown, in order.
    pub fn shown_paths(&self) -> impl Iterator<Item = &str> {
        let rows = self.doc().map(|d| d.tree.rows.as_slice()).unwrap_or(&[]);
        self.visible
            .iter()
            .filter_map(|&i| rows.get(i))
            .map(|r| r.path.as_str())
    }

    /// The matches of the search, while there is one.
    pub fn search_matches(&self) -> Option<usize> {
        self.search.as_ref().map(|s| s.matches.len())
    }

    fn position_of_path(&self, path: &str) -> Option<usize> {
        let doc = self.doc()?;
        self.visible
            .iter()
            .position(|&i| doc.tree.rows.get(i).is_some_and(|r| r.path == path))
    }

    /// Shows and selects the setting at `path`; false when this config has none.
    fn select_path(&mut self, path: &str) -> bool {
        let Some((target, ancestors)) = self.doc().and_then(|doc| {
            let target = doc.tree.rows.iter().position(|r| r.path == path)?;
            Some((target, doc.tree.ancestors(target)))
        }) else {
            return false;
        };
        self.compare = None;
        self.search = None;
        self.prompt = None;
        for ancestor in ancestors {
            self.folded.remove(&ancestor);
        }
        self.subset = Subset::All;
        self.refilter();
        if let Some(pos) = self.visible.iter().position(|&i| i == target) {
            self.list.selected = pos;
        }
        true
    }

    /// Recomputes the rows shown after a fold, a view change or a load.
    fn refilter(&mut self) {
        let Some(doc) = self.doc() else {
            self.visible.clear();
            return;
        };
        let changed = |r: &Row| r.changed == Some(true);
        let support = |r: &Row| support_looks_at(&r.path);
        // In the filtered views every section is open: they are short.
        let visible = match self.subset {
            Subset::All => doc.tree.visible(&self.folded, None),
            Subset::Changed => doc.tree.visible(&HashSet::new(), Some(&changed)),
            Subset::Support => doc.tree.visible(&HashSet::new(), Some(&support)),
        };
        self.visible = visible;
        self.list.clamp(self.visible.len());
    }

    /// An edit of the compare prompt.
    fn edit_prompt(&mut self, edit: Edit, ctx: &mut Ctx<'_, Msg>) {
        let Some(input) = self.prompt.as_ref() else {
            return;
        };
        match edit {
            Edit::Submit => {
                let path = input.text().trim().to_string();
                self.prompt = None;
                if !path.is_empty() {
                    self.compare_with(expand_home(&path), ctx);
                }
            }
            Edit::Cancel => self.prompt = None,
            _ => {}
        }
    }

    /// An edit of the search while it is typed.
    fn edit_search(&mut self, edit: Edit) {
        let Some(search) = self.search.as_mut() else {
            return;
        };
        match edit {
            Edit::Submit => {
                search.editing = false;
                if search.matches.is_empty() {
                    self.search = None;
                }
            }
            Edit::Cancel => self.search = None,
            Edit::Changed => self.update_search(),
            Edit::Moved | Edit::Ignored => {}
        }
    }

    fn update_search(&mut self) {
        let Some(doc) = self.doc() else {
            return;
        };
        let Some(search) = self.search.as_ref() else {
            return;
        };
        let matches = doc.tree.search(search.input.text());
        if let Some(search) = self.search.as_mut() {
            search.matches = matches;
            search.current = 0;
        }
        self.go_to_match();
    }

    /// Shows the current match: its sections unfold, the view widens when it hides it.
    fn go_to_match(&mut self) {
        let Some(target) = self
            .search
            .as_ref()
            .and_then(|s| s.matches.get(s.current).copied())
        else {
            return;
        };
        if let Some(before) = self.search.as_ref().map(|s| s.folded_before.clone()) {
            self.folded = before;
        }
        if let Some(doc) = self.doc() {
            for ancestor in doc.tree.ancestors(target) {
                self.folded.remove(&ancestor);
            }
        }
        self.refilter();
        if !self.visible.contains(&target) && self.subset != Subset::All {
            self.subset = Subset::All;
            self.refilter();
        }
        if let Some(pos) = self.visible.iter().position(|&i| i == target) {
            self.list.selected = pos;
        }
    }

    fn act(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if let Some(compare) = self.compare.as_mut() {
            match action {
                Action::Close => self.compare = None,
                other => compare.scroll = other.scroll(compare.scroll),
            }
            return;
        }
        if self.list.apply(action, self.visible.len()) {
            return;
        }
        match action {
            Action::Open | Action::Right | Action::Left => self.fold(action),
            Action::FoldAll => self.fold_all(),
            Action::CycleView => {
                self.subset = match self.subset {
                    Subset::All => Subset::Changed,
                    Subset::Changed => Subset::Support,
                    Subset::Support => Subset::All,
                };
                self.list.selected = 0;
                self.refilter();
            }
            Action::Filter => {
                self.search = Some(Search {
                    input: Input::default(),
                    editing: true,
                    folded_before: self.folded.clone(),
                    matches: Vec::new(),
                    current: 0,
                });
            }
            Action::NextMatch | Action::PrevMatch => {
                if let Some(search) = self.search.as_mut()
                    && !search.matches.is_empty()
                {
                    let n = search.matches.len();
                    search.current = if action == Action::NextMatch {
                        (search.current + 1) % n
                    } else {
                        (search.current + n - 1) % n
                    };
                    self.go_to_match();
                }
            }
            Action::Close => {
                self.search = None;
                self.notice = None;
            }
            Action::Yank => self.yank(ctx),
            Action::Refresh => self.load(ctx),
            Action::Snapshot => self.snapshot(ctx),
            Action::Compare if self.doc().is_some() => {
                let text = self
                    .suggestion
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                self.prompt = Some(Input::with_text(&text));
            }
            _ => {}
        }
    }

    fn fold(&mut self, action: Action) {
        let Some(index) = self.visible.get(self.list.selected).copied() else {
            return;
        };
        let Some(row) = self.doc().and_then(|d| d.tree.rows.get(index)) else {
            return;
        };
        if !row.is_section() || self.subset != Subset::All {
            return;
        }
        let folded = self.folded.contains(&index);
        let fold = match action {
            Action::Left => true,
            Action::Right => false,
            _ => !folded,
        };
        if fold {
            self.folded.insert(index);
        } else {
            self.folded.remove(&index);
        }
        self.refilter();
    }

    /// Unfolds every section; when none is folded, folds every top-level one.
    fn fold_all(&mut self) {
        if self.subset != Subset::All {
            return;
        }
        if self.folded.is_empty() {
            self.folded = self.doc().map(top_sections).unwrap_or_default();
        } else {
            self.folded.clear();
        }
        self.refilter();
    }

    fn yank(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let Some(value) = &row.value else {
            self.notice = Some(Notice::info("a section: select a setting to copy it"));
            return;
        };
        let text = format!("{} = {value}", row.path);
        ctx.write_terminal(crate::tui::osc52::copy(text.as_bytes()));
        self.notice = Some(Notice::info(format!(
            "copied {}",
            crate::text::one_line(&text, 80)
        )));
    }

    fn snapshot(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Some(config) = self.doc().map(|d| d.config.clone()) else {
            return;
        };
        let dir = ctx.env.snapshot_dir.clone();
        let now_ms = ctx.now_ms();
        ctx.spawn_each(
            Msg::SnapshotSaved,
            blocking(move || save_snapshot(&dir, &config, now_ms)),
        );
    }

    fn compare_with(&mut self, path: PathBuf, ctx: &mut Ctx<'_, Msg>) {
        let Some((current, manifests)) =
            self.doc().map(|d| (d.config.clone(), d.manifests.clone()))
        else {
            return;
        };
        let other = path.display().to_string();
        ctx.spawn(
            move |result| Msg::Compared { other, result },
            blocking(move || {
                // The other side goes through the same sanitizer: a raw config.json holds
                // secrets.
                read_other(&path).map(|raw| {
                    let clean = crate::sanitize::sanitize_config(&raw, &manifests).config;
                    compare(&clean, &current)
                })
            }),
        );
    }

    fn snapshot_saved(&mut self, result: Result<PathBuf, Error>, ctx: &Ctx<'_, Msg>) {
        self.notice = Some(match result {
            Ok(path) => {
                let text = format!(
                    "snapshot saved: {} ({} compares with it)",
                    path.display(),
                    ctx.env.keymap.key_name(Scope::Config, Action::Compare)
                );
                self.suggestion = Some(path);
                Notice::info(text)
            }
            Err(err) => Notice::failed("no snapshot saved", err),
        });
    }

    fn compared(&mut self, other: String, result: Result<Vec<Change>, Error>) {
        match result {
            Ok(changes) => {
                self.compare = Some(Compared {
                    other,
                    changes,
                    scroll: 0,
                })
            }
            Err(err) => self.notice = Some(Notice::failed("no comparison", err)),
        }
    }
}

impl View for ConfigTab {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Config"
    }

    fn focus(&self) -> Focus {
        if self.prompt.is_some() || self.search.as_ref().is_some_and(|s| s.editing) {
            Focus::on(Scope::Prompt)
        } else if self.compare.is_some() {
            Focus::on(Scope::ConfigCompare)
        } else {
            Focus::on(Scope::Config)
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        // With a server the Server tab's first refresh loads it; without, the install's file.
        if ctx.env.client.is_none() {
            self.load(ctx);
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if let Some(input) = self.prompt.as_mut() {
            let edit = input.apply(action);
            return self.edit_prompt(edit, ctx);
        }
        if let Some(search) = self.search.as_mut().filter(|s| s.editing) {
            let edit = search.input.apply(action);
            return self.edit_search(edit);
        }
        self.act(action, ctx);
    }

    fn on_text(&mut self, text: &str, _ctx: &mut Ctx<'_, Msg>) {
        if let Some(input) = self.prompt.as_mut() {
            input.type_text(text);
        } else if let Some(search) = self.search.as_mut().filter(|s| s.editing) {
            let edit = search.input.type_text(text);
            self.edit_search(edit);
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Loaded(result) => {
                if let Ok(doc) = &result {
                    for refusal in &doc.refusals {
                        ctx.status.note(refusal);
                    }
                }
                self.loaded(result, ctx.now_ms());
            }
            Msg::SnapshotSaved(result) => self.snapshot_saved(result, ctx),
            Msg::Compared { other, result } => self.compared(other, result),
        }
    }

    /// The config is read again on `r` only (and on the Server tab's `r`), so it does not
    /// change under someone reading it.
    fn on_signal(&mut self, signal: Signal, ctx: &mut Ctx<'_, Msg>) {
        if signal == Signal::Refresh(Refresh::Everything) {
            self.load(ctx);
        }
    }

    /// A setting: unfolded, shown and selected, out of any comparison or search.
    fn reveal(&mut self, what: &Reveal, _ctx: &mut Ctx<'_, Msg>) -> bool {
        let Reveal::Setting(path) = what else {
            return false;
        };
        self.select_path(path)
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        view::render(self, area, buf, ui);
    }
}

/// The rows of the top-level sections.
fn top_sections(doc: &ConfigDoc) -> HashSet<usize> {
    doc.tree
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.depth == 0 && r.is_section())
        .map(|(i, _)| i)
        .collect()
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests;
