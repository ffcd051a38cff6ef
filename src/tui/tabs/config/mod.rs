//! The Config tab: the server's config, sanitized, as a tree that folds; search over paths and
//! values; views of what changed from the default and of what support looks at; copy a
//! setting; compare with another config or a snapshot.
//!
//! The tab holds state only; the app loads the config, reads files and saves snapshots.

pub mod view;

use std::collections::HashSet;
use std::path::PathBuf;

use crossterm::event::KeyEvent;

use crate::server_config::diff::Change;
use crate::server_config::tree::Row;
use crate::server_config::{ConfigDoc, support_looks_at};
use crate::tui::keys::Action;
use crate::tui::widgets::input::{Edit, Input};

pub enum Load {
    NotConfigured,
    Loading,
    Loaded(Box<ConfigDoc>),
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    All,
    Changed,
    Support,
}

impl View {
    pub fn label(self) -> &'static str {
        match self {
            View::All => "every setting",
            View::Changed => "changed from default",
            View::Support => "what support looks at",
        }
    }
}

pub struct Search {
    pub input: Input,
    pub editing: bool,
    /// The folds before the search: each match opens only its own sections.
    pub folded_before: HashSet<usize>,
    /// Row indexes of the tree, in order.
    pub matches: Vec<usize>,
    pub current: usize,
}

pub struct Compared {
    pub other: String,
    pub changes: Vec<Change>,
    pub scroll: u16,
}

/// What the tab asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigEffect {
    None,
    Refresh,
    /// Bytes for the terminal (an OSC 52 copy).
    Terminal(String),
    Snapshot,
    Compare(PathBuf),
}

pub struct ConfigTab {
    pub load: Load,
    pub refreshing: bool,
    generation: u64,
    pub folded: HashSet<usize>,
    pub view: View,
    /// Row indexes shown, in order.
    pub visible: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
    pub search: Option<Search>,
    pub compare: Option<Compared>,
    /// The compare prompt: a path to a config.json, a packet zip or a snapshot.
    pub prompt: Option<Input>,
    pub notice: Option<(String, bool)>,
    pub viewport_rows: usize,
    /// Offered in the compare prompt: the newest snapshot.
    pub suggestion: Option<PathBuf>,
    /// When the config shown was read: it is read at start and on `r`, not on every refresh.
    pub read_at_ms: Option<i64>,
}

impl ConfigTab {
    pub fn new(configured: bool) -> Self {
        Self {
            load: if configured {
                Load::Loading
            } else {
                Load::NotConfigured
            },
            refreshing: false,
            generation: 0,
            folded: HashSet::new(),
            view: View::All,
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            search: None,
            compare: None,
            prompt: None,
            notice: None,
            viewport_rows: 10,
            suggestion: None,
            read_at_ms: None,
        }
    }

    pub fn begin_load(&mut self) -> u64 {
        self.generation += 1;
        self.refreshing = true;
        self.generation
    }

    pub fn loaded(&mut self, generation: u64, result: Result<ConfigDoc, String>, now_ms: i64) {
        if generation != self.generation {
            return;
        }
        if result.is_ok() {
            self.read_at_ms = Some(now_ms);
        }
        self.refreshing = false;
        let selected_path = self.selected_row().map(|r| r.path.clone());
        let first_load = !matches!(self.load, Load::Loaded(_));
        match result {
            Ok(doc) => {
                if first_load {
                    // Start with every top-level section folded: an overview of the sections.
                    self.folded = doc
                        .tree
                        .rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.depth == 0 && r.is_section())
                        .map(|(i, _)| i)
                        .collect();
                }
                self.load = Load::Loaded(Box::new(doc));
            }
            Err(err) if !first_load => {
                self.notice = Some((format!("refresh failed: {err}"), true));
                return;
            }
            Err(err) => self.load = Load::Failed(err),
        }
        self.refilter();
        if let Some(path) = selected_path
            && let Some(pos) = self.position_of_path(&path)
        {
            self.selected = pos;
        }
        if let Some(search) = self.search.as_mut()
            && let Load::Loaded(doc) = &self.load
        {
            search.matches = doc.tree.search(search.input.text());
            search.current = 0;
        }
    }

    pub fn doc(&self) -> Option<&ConfigDoc> {
        match &self.load {
            Load::Loaded(doc) => Some(doc),
            _ => None,
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let doc = self.doc()?;
        doc.tree.rows.get(*self.visible.get(self.selected)?)
    }

    fn position_of_path(&self, path: &str) -> Option<usize> {
        let doc = self.doc()?;
        self.visible
            .iter()
            .position(|&i| doc.tree.rows.get(i).is_some_and(|r| r.path == path))
    }

    /// Recomputes the rows shown after a fold, a view change or a load.
    pub fn refilter(&mut self) {
        let Some(doc) = self.doc() else {
            self.visible.clear();
            return;
        };
        let changed = |r: &Row| r.changed == Some(true);
        let support = |r: &Row| support_looks_at(&r.path);
        // In the filtered views every section is open: they are short.
        let visible = match self.view {
            View::All => doc.tree.visible(&self.folded, None),
            View::Changed => doc.tree.visible(&HashSet::new(), Some(&changed)),
            View::Support => doc.tree.visible(&HashSet::new(), Some(&support)),
        };
        self.visible = visible;
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// A prompt is open: the tab takes every key.
    pub fn captures_keys(&self) -> bool {
        self.prompt.is_some() || self.search.as_ref().is_some_and(|s| s.editing)
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(input) = self.prompt.as_mut() {
            input.insert_str(text);
        } else if let Some(search) = self.search.as_mut().filter(|s| s.editing) {
            search.input.insert_str(text);
            self.update_search();
        }
    }

    /// Keys while a prompt is open.
    pub fn handle_key(&mut self, key: KeyEvent) -> ConfigEffect {
        if let Some(input) = self.prompt.as_mut() {
            match input.handle(key) {
                Edit::Submit => {
                    let path = input.text().trim().to_string();
                    self.prompt = None;
                    if path.is_empty() {
                        return ConfigEffect::None;
                    }
                    return ConfigEffect::Compare(expand_home(&path));
                }
                Edit::Cancel => self.prompt = None,
                _ => {}
            }
            return ConfigEffect::None;
        }
        if let Some(search) = self.search.as_mut() {
            match search.input.handle(key) {
                Edit::Submit => {
                    search.editing = false;
                    if search.matches.is_empty() {
                        self.search = None;
                    }
                }
                Edit::Cancel => self.search = None,
                Edit::Changed => self.update_search(),
                _ => {}
            }
        }
        ConfigEffect::None
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
        if !self.visible.contains(&target) && self.view != View::All {
            self.view = View::All;
            self.refilter();
        }
        if let Some(pos) = self.visible.iter().position(|&i| i == target) {
            self.selected = pos;
        }
    }

    pub fn perform(&mut self, action: Action) -> ConfigEffect {
        if let Some(compare) = self.compare.as_mut() {
            match action {
                Action::Close | Action::Compare => self.compare = None,
                Action::Down => compare.scroll = compare.scroll.saturating_add(1),
                Action::Up => compare.scroll = compare.scroll.saturating_sub(1),
                Action::PageDown => compare.scroll = compare.scroll.saturating_add(10),
                Action::PageUp => compare.scroll = compare.scroll.saturating_sub(10),
                Action::Top => compare.scroll = 0,
                Action::Bottom => compare.scroll = u16::MAX,
                _ => {}
            }
            return ConfigEffect::None;
        }
        let last = self.visible.len().saturating_sub(1);
        let page = self.viewport_rows.max(1);
        match action {
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Open | Action::Right | Action::Left => self.fold(action),
            Action::CycleView => {
                self.view = match self.view {
                    View::All => View::Changed,
                    View::Changed => View::Support,
                    View::Support => View::All,
                };
                self.selected = 0;
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
            Action::Yank => return self.yank(),
            Action::Refresh => return ConfigEffect::Refresh,
            Action::Snapshot if self.doc().is_some() => return ConfigEffect::Snapshot,
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
        ConfigEffect::None
    }

    fn fold(&mut self, action: Action) {
        let Some(index) = self.visible.get(self.selected).copied() else {
            return;
        };
        let Some(row) = self.doc().and_then(|d| d.tree.rows.get(index)) else {
            return;
        };
        if !row.is_section() || self.view != View::All {
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

    fn yank(&mut self) -> ConfigEffect {
        let Some(row) = self.selected_row() else {
            return ConfigEffect::None;
        };
        let Some(value) = &row.value else {
            self.notice = Some(("a section: select a setting to copy it".into(), false));
            return ConfigEffect::None;
        };
        let text = format!("{} = {value}", row.path);
        let bytes = format!(
            "\x1b]52;c;{}\x07",
            crate::tui::tabs::logs::base64(text.as_bytes())
        );
        self.notice = Some((
            format!("copied {}", crate::text::one_line(&text, 80)),
            false,
        ));
        ConfigEffect::Terminal(bytes)
    }

    pub fn snapshot_saved(&mut self, result: Result<PathBuf, String>) {
        self.notice = Some(match result {
            Ok(path) => {
                let text = format!("snapshot saved: {} (c compares with it)", path.display());
                self.suggestion = Some(path);
                (text, false)
            }
            Err(err) => (format!("no snapshot saved: {err}"), true),
        });
    }

    pub fn compared(&mut self, other: String, result: Result<Vec<Change>, String>) {
        match result {
            Ok(changes) => {
                self.compare = Some(Compared {
                    other,
                    changes,
                    scroll: 0,
                })
            }
            Err(err) => self.notice = Some((err, true)),
        }
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
