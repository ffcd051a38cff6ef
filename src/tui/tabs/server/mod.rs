//! The Server tab: version, build, licence, health, statistics, cluster and host facts.
//!
//! A load asks for every part at once; each part fills in its section as it arrives, so a slow
//! route delays only its own section. The panels are built from the overview for the width
//! they are drawn at (wrapping depends on it) and painted once per change or resize.

pub mod view;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::host::MmHome;
use crate::overview::{Overview, Part, PartKind};
use crate::tui::keys::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::panels::{self, Panel};

use self::view::ViewContext;

/// The panels painted for one width.
struct Page {
    width: u16,
    buffer: Buffer,
}

#[derive(Default)]
pub struct ServerTab {
    overview: Option<Overview>,
    /// When the last complete load finished, and "now" for relative dates in the panels.
    fetched_at_ms: Option<i64>,
    now_ms: i64,
    generation: u64,
    /// Parts of the current load not yet arrived.
    outstanding: usize,
    configured: bool,
    mm_home: Option<MmHome>,
    config_file: String,
    token_source: String,
    page: Option<Page>,
    scroll: u16,
    viewport_height: u16,
}

impl ServerTab {
    pub fn new(
        configured: bool,
        mm_home: Option<MmHome>,
        config_file: String,
        token_source: String,
    ) -> Self {
        Self {
            configured,
            mm_home,
            config_file,
            token_source,
            ..Self::default()
        }
    }

    /// After a reconnect the token may come from somewhere else.
    pub fn set_token_source(&mut self, source: String) {
        self.token_source = source;
        self.page = None;
    }

    pub fn overview(&self) -> Option<&Overview> {
        self.overview.as_ref()
    }

    pub fn fetched_at_ms(&self) -> Option<i64> {
        self.fetched_at_ms
    }

    pub fn is_loading(&self) -> bool {
        self.outstanding > 0
    }

    /// Starts a load and returns its generation; parts of older loads are dropped. The data
    /// shown so far stays until the new parts replace it.
    pub fn begin_load(&mut self, local_mode: bool) -> u64 {
        self.generation += 1;
        self.outstanding = PartKind::ALL.len();
        if self.overview.is_none() {
            self.overview = Some(Overview::loading(local_mode));
            self.page = None;
        }
        self.generation
    }

    /// Takes one part. Returns true when it completed the current load; stale parts change
    /// nothing.
    pub fn apply_part(&mut self, generation: u64, part: Part, now_ms: i64) -> bool {
        if generation != self.generation || self.outstanding == 0 {
            return false;
        }
        if let Some(overview) = self.overview.as_mut() {
            overview.apply(part);
        }
        self.now_ms = now_ms;
        self.page = None;
        self.outstanding -= 1;
        if self.outstanding == 0 {
            self.fetched_at_ms = Some(now_ms);
            return true;
        }
        false
    }

    /// Records the server version learned during the load.
    pub fn set_version(&mut self, version: Option<crate::mm::ServerVersion>) {
        if let Some(overview) = self.overview.as_mut() {
            overview.version = version;
        }
    }

    pub fn scroll(&mut self, action: Action) {
        let page = self.viewport_height.saturating_sub(1).max(1);
        let height = self
            .page
            .as_ref()
            .map(|p| p.buffer.area.height)
            .unwrap_or(0);
        let max = height.saturating_sub(self.viewport_height);
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

    fn panels(&self, width: u16, theme: &Theme) -> Vec<Panel> {
        let ctx = ViewContext {
            theme,
            now_ms: self.now_ms,
            mm_home: self.mm_home.as_ref(),
            width,
            config_file: &self.config_file,
            token_source: &self.token_source,
        };
        match &self.overview {
            _ if !self.configured => view::unconfigured_panels(&ctx),
            Some(overview) => view::panels(&ctx, overview),
            None => view::panels(&ctx, &Overview::loading(false)),
        }
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        if self.page.as_ref().is_none_or(|p| p.width != area.width) {
            let panels = self.panels(area.width, theme);
            self.page = Some(Page {
                width: area.width,
                buffer: panels::paint(&panels, area.width, theme),
            });
        }
        let Some(page) = &self.page else {
            return;
        };
        self.viewport_height = area.height;
        let height = page.buffer.area.height;
        self.scroll = self.scroll.min(height.saturating_sub(area.height));
        panels::blit(&page.buffer, area, buf, self.scroll);
    }
}
