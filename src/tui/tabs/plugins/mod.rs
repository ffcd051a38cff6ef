//! The Plugins tab: every installed plugin with its state on every node, failed ones first;
//! Enter shows one in full; `E`/`D` enable or disable it after a confirmation.
//!
//! The tab holds state only. The app loads the inventory, runs enable/disable and passes in
//! the recent log entries that mention a plugin when its detail opens.

pub mod detail;
pub mod view;

use crate::mm::ApiError;
use crate::plugins::{Inventory, Plugin};
use crate::tui::keys::Action;

pub enum Load {
    /// No server is configured.
    NotConfigured,
    Loading,
    Loaded(Inventory),
    Failed(ApiError),
}

/// What the tab asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginsEffect {
    None,
    Refresh,
    /// Open the detail of this plugin: the app supplies the log lines that mention it.
    OpenDetail {
        id: String,
    },
    SetEnabled {
        id: String,
        enable: bool,
    },
}

/// Whether the tab hears of plugin changes as they happen (the server's WebSocket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    Connecting,
    Live,
    /// Lost; being opened again.
    Down(String),
    /// Not available here, for good.
    Off(String),
}

/// A question waiting for y or n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub id: String,
    pub name: String,
    pub enable: bool,
}

pub struct Detail {
    pub id: String,
    pub scroll: u16,
    /// Recent log lines mentioning the plugin, newest last (already inert).
    pub mentions: Vec<String>,
    /// Whether the Logs tab held any entries to search.
    pub logs_loaded: bool,
}

pub struct PluginsTab {
    pub load: Load,
    /// A newer load is on its way (the last one stays shown).
    pub refreshing: bool,
    generation: u64,
    pub selected: usize,
    pub offset: usize,
    pub detail: Option<Detail>,
    pub confirm: Option<Confirm>,
    /// A line under the table: the outcome of an action.
    pub notice: Option<(String, bool)>,
    /// Rows of the table at the last draw, for paging.
    pub viewport_rows: usize,
    pub live: Live,
}

impl PluginsTab {
    pub fn new(configured: bool) -> Self {
        Self {
            load: if configured {
                Load::Loading
            } else {
                Load::NotConfigured
            },
            refreshing: false,
            generation: 0,
            selected: 0,
            offset: 0,
            detail: None,
            confirm: None,
            notice: None,
            viewport_rows: 10,
            live: Live::Off("no server".into()),
        }
    }

    pub fn begin_load(&mut self) -> u64 {
        self.generation += 1;
        self.refreshing = true;
        self.generation
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn loaded(&mut self, generation: u64, result: Result<Inventory, ApiError>) {
        if generation != self.generation {
            return;
        }
        self.refreshing = false;
        let selected_id = self.selected_plugin().map(|p| p.manifest.id.clone());
        self.load = match result {
            Ok(inventory) => Load::Loaded(inventory),
            // A failed refresh keeps what was shown and says why.
            Err(err) if matches!(self.load, Load::Loaded(_)) => {
                self.notice = Some((format!("refresh failed: {err}"), true));
                return;
            }
            Err(err) => Load::Failed(err),
        };
        // Keep the same plugin selected when the order changes.
        if let (Some(id), Load::Loaded(inv)) = (selected_id, &self.load)
            && let Some(i) = inv.plugins.iter().position(|p| p.manifest.id == id)
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.plugins().len().saturating_sub(1));
    }

    pub fn plugins(&self) -> &[Plugin] {
        match &self.load {
            Load::Loaded(inv) => &inv.plugins,
            _ => &[],
        }
    }

    pub fn inventory(&self) -> Option<&Inventory> {
        match &self.load {
            Load::Loaded(inv) => Some(inv),
            _ => None,
        }
    }

    pub fn selected_plugin(&self) -> Option<&Plugin> {
        self.plugins().get(self.selected)
    }

    /// The plugin whose detail is open.
    pub fn detail_plugin(&self) -> Option<&Plugin> {
        let id = &self.detail.as_ref()?.id;
        self.plugins().iter().find(|p| &p.manifest.id == id)
    }

    pub fn show_detail(&mut self, id: String, mentions: Vec<String>, logs_loaded: bool) {
        self.detail = Some(Detail {
            id,
            scroll: 0,
            mentions,
            logs_loaded,
        });
    }

    pub fn toggled(&mut self, name: &str, enable: bool, result: Result<(), ApiError>) {
        self.notice = Some(match result {
            Ok(()) => (
                format!(
                    "{name} {}; refreshing",
                    if enable { "enabled" } else { "disabled" }
                ),
                false,
            ),
            Err(err) => (
                format!(
                    "{} {name} failed: {err}",
                    if enable { "enabling" } else { "disabling" }
                ),
                true,
            ),
        });
    }

    pub fn perform(&mut self, action: Action) -> PluginsEffect {
        if let Some(confirm) = self.confirm.take() {
            return match action {
                // Only y: Enter (which opens elsewhere) must not say yes by accident.
                Action::Confirm => PluginsEffect::SetEnabled {
                    id: confirm.id,
                    enable: confirm.enable,
                },
                // Anything else is a no.
                _ => PluginsEffect::None,
            };
        }
        if let Some(detail) = self.detail.as_mut() {
            match action {
                Action::Close | Action::Open => self.detail = None,
                Action::EnablePlugin | Action::DisablePlugin => {
                    self.ask(action == Action::EnablePlugin)
                }
                Action::Refresh => return PluginsEffect::Refresh,
                other => detail.scroll = other.scroll(detail.scroll),
            }
            return PluginsEffect::None;
        }
        match action {
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom => {
                self.selected =
                    action.select(self.selected, self.plugins().len(), self.viewport_rows)
            }
            Action::Open => {
                if let Some(plugin) = self.selected_plugin() {
                    return PluginsEffect::OpenDetail {
                        id: plugin.manifest.id.clone(),
                    };
                }
            }
            Action::EnablePlugin | Action::DisablePlugin => {
                self.ask(action == Action::EnablePlugin)
            }
            Action::Refresh => return PluginsEffect::Refresh,
            Action::Close => self.notice = None,
            _ => {}
        }
        PluginsEffect::None
    }

    /// Asks before enabling or disabling the selected (or open) plugin; says so when there is
    /// nothing to do.
    fn ask(&mut self, enable: bool) {
        let plugin = match &self.detail {
            Some(_) => self.detail_plugin(),
            None => self.selected_plugin(),
        };
        let Some(plugin) = plugin else {
            return;
        };
        let name = plugin.manifest.name.clone();
        if plugin.enabled == enable {
            self.notice = Some((
                format!(
                    "{name} is already {}",
                    if enable { "enabled" } else { "disabled" }
                ),
                false,
            ));
            return;
        }
        self.confirm = Some(Confirm {
            id: plugin.manifest.id.clone(),
            name,
            enable,
        });
    }

    /// A question is open: the tab takes every key.
    pub fn captures_keys(&self) -> bool {
        self.confirm.is_some()
    }
}
