//! The Plugins tab: every installed plugin with its state on every node, failed ones first;
//! Enter shows one in full; `E`/`D` enable or disable it after a confirmation. The server's
//! WebSocket tells of changes as they happen; without it the tab reloads with the Server tab.

pub mod detail;
mod live;
pub mod view;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::error::Error;
use crate::plugins::{Inventory, Plugin, set_enabled};
use crate::tui::env::Env;
use crate::tui::jobs::Producer;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Found, Lookup, Refresh, Reveal, Signal, Ui, View};
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::loadable::Loadable;
use crate::tui::widgets::notice::Notice;

pub use live::{Live, LiveNews};

/// A question waiting for y.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Confirm {
    id: String,
    name: String,
    enable: bool,
}

struct Detail {
    id: String,
    scroll: u16,
    /// Recent log lines mentioning the plugin, newest last (already inert).
    mentions: Vec<String>,
    /// Whether the Logs tab held any entries to search.
    logs_loaded: bool,
}

pub enum Msg {
    Loaded(Result<Inventory, Error>),
    Toggled {
        name: String,
        enable: bool,
        result: Result<(), Error>,
    },
    Live(LiveNews),
}

pub struct PluginsTab {
    load: Loadable<Inventory>,
    list: ListState,
    detail: Option<Detail>,
    confirm: Option<Confirm>,
    /// A line under the table: the outcome of an action.
    notice: Option<Notice>,
    live: Live,
    listener: Option<Producer>,
}

impl PluginsTab {
    pub fn new(env: &Env) -> Self {
        Self {
            load: Loadable::new(env.client.is_some() || env.packet.is_some()),
            list: ListState::default(),
            detail: None,
            confirm: None,
            notice: None,
            live: Live::Off("no server".into()),
            listener: None,
        }
    }

    pub fn plugins(&self) -> &[Plugin] {
        self.load.get().map_or(&[], |inv| &inv.plugins)
    }

    pub fn inventory(&self) -> Option<&Inventory> {
        self.load.get()
    }

    pub fn selected_plugin(&self) -> Option<&Plugin> {
        self.plugins().get(self.list.selected)
    }

    /// The plugin whose detail is open.
    pub fn detail_plugin(&self) -> Option<&Plugin> {
        let id = &self.detail.as_ref()?.id;
        self.plugins().iter().find(|p| &p.manifest.id == id)
    }

    pub fn is_detail_open(&self) -> bool {
        self.detail.is_some()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn live(&self) -> &Live {
        &self.live
    }

    fn load(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if let Some(packet) = ctx.env.packet.clone() {
            self.load.begin();
            ctx.spawn(Msg::Loaded, async move {
                crate::packet::shown::inventory(&packet)
                    .ok_or_else(|| Error::Words("the packet has no plugins.json".to_string()))
            });
            return;
        }
        let Some(client) = ctx.env.client.clone() else {
            return;
        };
        self.load.begin();
        ctx.spawn(Msg::Loaded, async move { Inventory::load(&client).await });
    }

    fn loaded(&mut self, result: Result<Inventory, Error>) {
        let selected_id = self.selected_plugin().map(|p| p.manifest.id.clone());
        if let Some(err) = self.load.finish(result) {
            self.notice = Some(Notice::failed("refresh failed", err));
        }
        // Keep the same plugin selected when the order changes.
        if let Some(id) = selected_id
            && let Some(i) = self.plugins().iter().position(|p| p.manifest.id == id)
        {
            self.list.selected = i;
        }
        self.list.clamp(self.plugins().len());
        // A plugin removed meanwhile: its detail has nothing left to show.
        if self.detail.is_some() && self.detail_plugin().is_none() {
            self.detail = None;
        }
    }

    fn open_detail(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let Some(id) = self.selected_plugin().map(|p| p.manifest.id.clone()) else {
            return;
        };
        let lookup = Lookup::LogMentions {
            needle: &id,
            limit: 12,
        };
        let (mentions, logs_loaded) = match ctx.look_up(lookup) {
            Some(Found::LogMentions { lines, held }) => (lines, held),
            _ => (Vec::new(), false),
        };
        self.detail = Some(Detail {
            id,
            scroll: 0,
            mentions,
            logs_loaded,
        });
    }

    /// Asks before enabling or disabling the selected (or open) plugin; says so when there is
    /// nothing to do.
    fn ask_to_toggle(&mut self, enable: bool, ctx: &Ctx<'_, Msg>) {
        if ctx.env.packet.is_some() {
            self.notice = Some(Notice::info(
                "a support packet is read-only: enabling or disabling a plugin does not apply",
            ));
            return;
        }
        let plugin = match &self.detail {
            Some(_) => self.detail_plugin(),
            None => self.selected_plugin(),
        };
        let Some(plugin) = plugin else {
            return;
        };
        let name = plugin.manifest.name.clone();
        if plugin.enabled == enable {
            let state = if enable { "enabled" } else { "disabled" };
            self.notice = Some(Notice::info(format!("{name} is already {state}")));
            return;
        }
        self.confirm = Some(Confirm {
            id: plugin.manifest.id.clone(),
            name,
            enable,
        });
    }

    /// The answer to the y/n question: only confirm toggles.
    fn toggle_if_confirmed(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let Some(confirm) = self.confirm.take() else {
            return;
        };
        // Only confirm says yes: Enter (which opens elsewhere) must not by accident.
        if action != Action::Confirm {
            return;
        }
        let Some(client) = ctx.env.client.clone() else {
            return;
        };
        let Confirm { id, name, enable } = confirm;
        let verb = if enable { "enabling" } else { "disabling" };
        self.notice = Some(Notice::info(format!("{verb} {name}…")));
        ctx.spawn_each(
            move |result| Msg::Toggled {
                name,
                enable,
                result,
            },
            async move { set_enabled(&client, &id, enable).await },
        );
    }

    fn toggled(&mut self, name: &str, enable: bool, result: Result<(), Error>) {
        self.notice = Some(match result {
            Ok(()) => {
                let done = if enable { "enabled" } else { "disabled" };
                Notice::info(format!("{name} {done}; refreshing"))
            }
            Err(err) => {
                let verb = if enable { "enabling" } else { "disabling" };
                Notice::failed(format!("{verb} {name} failed"), err)
            }
        });
    }
}

impl View for PluginsTab {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Plugins"
    }

    fn focus(&self) -> Focus {
        if self.confirm.is_some() {
            Focus::on(Scope::Question)
        } else if self.detail.is_some() {
            Focus::on(Scope::PluginDetail)
        } else {
            Focus::on(Scope::Plugins)
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.listener = live::listen(&mut self.live, ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        if self.confirm.is_some() {
            return self.toggle_if_confirmed(action, ctx);
        }
        match action {
            Action::EnablePlugin | Action::DisablePlugin => {
                self.ask_to_toggle(action == Action::EnablePlugin, ctx)
            }
            Action::Refresh => self.load(ctx),
            Action::Close if self.detail.is_some() => self.detail = None,
            Action::Close => self.notice = None,
            Action::Open => self.open_detail(ctx),
            other => match self.detail.as_mut() {
                Some(detail) => detail.scroll = other.scroll(detail.scroll),
                None => {
                    let len = self.plugins().len();
                    self.list.apply(other, len);
                }
            },
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Loaded(result) => {
                if let Ok(inventory) = &result {
                    for refusal in inventory.refusals() {
                        ctx.status.note(refusal);
                    }
                }
                self.loaded(result);
            }
            Msg::Toggled {
                name,
                enable,
                result,
            } => {
                let ok = result.is_ok();
                self.toggled(&name, enable, result);
                if ok {
                    self.load(ctx);
                }
            }
            Msg::Live(news) => {
                if live::heard(&mut self.live, news) {
                    self.load(ctx);
                }
            }
        }
    }

    fn on_signal(&mut self, signal: Signal, ctx: &mut Ctx<'_, Msg>) {
        match signal {
            Signal::Refresh(Refresh::Everything) => self.load(ctx),
            // Polled only while no live events tell of changes.
            Signal::Refresh(Refresh::Timer) if self.live != Live::Live => self.load(ctx),
            Signal::Refresh(Refresh::Timer) => {}
            Signal::Reconnected => self.listener = live::listen(&mut self.live, ctx),
            Signal::Diagnosed | Signal::Capture => {}
        }
    }

    /// A plugin: selected and open in full.
    fn reveal(&mut self, what: &Reveal, ctx: &mut Ctx<'_, Msg>) -> bool {
        let Reveal::Plugin(id) = what else {
            return false;
        };
        let Some(i) = self.plugins().iter().position(|p| &p.manifest.id == id) else {
            return false;
        };
        self.confirm = None;
        self.list.selected = i;
        self.open_detail(ctx);
        true
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        view::render(self, area, buf, ui);
    }
}

#[cfg(test)]
mod tests;
