//! The Server tab: version, build, licence, health, statistics, cluster and host facts.

pub mod view;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::overview::Overview;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::panels::{self, Panel};

use self::view::ViewContext;

#[derive(Default)]
pub struct ServerTab {
    overview: Option<Overview>,
    fetched_at_ms: Option<i64>,
    loading: bool,
    generation: u64,
    panels: Vec<Panel>,
    /// The panels drawn at the last width; repainted only when they or the width change.
    page: Option<Buffer>,
    scroll: u16,
    page_height: u16,
    viewport_height: u16,
}

impl ServerTab {
    pub fn overview(&self) -> Option<&Overview> {
        self.overview.as_ref()
    }

    pub fn fetched_at_ms(&self) -> Option<i64> {
        self.fetched_at_ms
    }

    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// Starts a load and returns its generation; results of older loads are dropped.
    pub fn begin_load(&mut self) -> u64 {
        self.generation += 1;
        self.loading = true;
        self.generation
    }

    /// Takes the result of a load. Returns false (and changes nothing) for a stale one.
    pub fn finish_load(
        &mut self,
        generation: u64,
        overview: Overview,
        fetched_at_ms: i64,
        ctx: &ViewContext,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        self.loading = false;
        self.panels = view::panels(ctx, &overview);
        self.page = None;
        self.overview = Some(overview);
        self.fetched_at_ms = Some(fetched_at_ms);
        true
    }

    /// Gives up the load of this generation (it failed). Returns false for a stale one.
    pub fn abandon_load(&mut self, generation: u64) -> bool {
        if generation != self.generation {
            return false;
        }
        self.loading = false;
        true
    }

    /// Panels for the states before any data: loading, or no server at all.
    pub fn show_placeholder(&mut self, panels: Vec<Panel>) {
        if self.overview.is_none() {
            self.panels = panels;
            self.page = None;
        }
    }

    pub fn scroll(&mut self, action: Action) {
        let page = self.viewport_height.saturating_sub(1).max(1);
        let max = self.page_height.saturating_sub(self.viewport_height);
        self.scroll = match action {
            Action::Down => self.scroll.saturating_add(1),
            Action::Up => self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll.saturating_add(page),
            Action::PageUp => self.scroll.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => max,
            _ => self.scroll,
        }
        .min(max);
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        if self
            .page
            .as_ref()
            .is_none_or(|p| p.area.width != area.width)
        {
            self.page = Some(panels::paint(&self.panels, area.width, theme));
        }
        let Some(page) = &self.page else {
            return;
        };
        self.viewport_height = area.height;
        self.page_height = page.area.height;
        self.scroll = self
            .scroll
            .min(self.page_height.saturating_sub(area.height));
        panels::blit(page, area, buf, self.scroll);
    }
}
