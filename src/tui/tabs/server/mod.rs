//! The Server tab: version, build, licence, health, statistics, cluster and host facts.
//!
//! A load asks for every part at once; each part fills in its section as it arrives, so a slow
//! route delays only its own section. The panels are built from the overview for the width
//! they are drawn at (wrapping depends on it) and painted once per change or resize.

pub mod view;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::time::Instant;

use crate::doctor::Standing;
use crate::error::Error;
use crate::host::MmHome;
use crate::mm::ApiError;
use crate::overview::{Blocker, Overview, Part, PartKind};
use crate::tui::env::Env;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::status::{Connection, Message};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Found, Lookup, Refresh, Reveal, Signal, Ui, View};
use crate::tui::widgets::panels::{self, Panel};

use self::view::ViewContext;

/// The panels painted for one width.
struct Page {
    width: u16,
    buffer: Buffer,
}

/// A part of the page, fetched.
pub enum Msg {
    Part(PartKind, Result<Part, Error>),
}

pub struct ServerTab {
    overview: Option<Overview>,
    /// When the last complete load finished, and "now" for relative dates in the panels.
    fetched_at_ms: Option<i64>,
    now_ms: i64,
    /// Parts of the current load not yet arrived.
    outstanding: usize,
    configured: bool,
    mm_home: Option<MmHome>,
    config_file: String,
    token_source: String,
    page: Option<Page>,
    scroll: u16,
    viewport_height: u16,
    /// When the next refresh is due, and what it reloads; none while a login is needed.
    next_refresh: Option<(Instant, Refresh)>,
    /// What the doctor found, for the first lines.
    doctor: Option<Standing>,
    /// A support packet is shown instead of a server.
    from_packet: bool,
}

impl ServerTab {
    pub fn new(env: &Env) -> Self {
        Self {
            overview: None,
            fetched_at_ms: None,
            now_ms: 0,
            outstanding: 0,
            configured: env.client.is_some() || env.packet.is_some(),
            mm_home: env.mm_home.clone(),
            config_file: env.config_file.clone(),
            token_source: env.token_source.clone(),
            page: None,
            scroll: 0,
            viewport_height: 0,
            next_refresh: None,
            doctor: None,
            from_packet: env.packet.is_some(),
        }
    }

    pub fn doctor(&self) -> Option<&Standing> {
        self.doctor.as_ref()
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

    /// Loads every part at once (a newer load makes an older one's parts stale), and tells the
    /// other tabs to reload what `scope` covers.
    fn refresh(&mut self, scope: Refresh, ctx: &mut Ctx<'_, Msg>) {
        if let Some(packet) = ctx.env.packet.clone() {
            return self.show_packet(&packet, scope, ctx);
        }
        let Some(client) = ctx.env.client.clone() else {
            return;
        };
        if let Some(left) = ctx.status.rate_limit_left() {
            // The status bar counts down; the refresh comes when it ends, as wide as asked.
            let scope = match self.next_refresh {
                Some((_, Refresh::Everything)) => Refresh::Everything,
                _ => scope,
            };
            self.next_refresh = Some((Instant::now() + left, scope));
            return;
        }
        self.outstanding = PartKind::ALL.len();
        if self.overview.is_none() {
            self.overview = Some(Overview::loading(client.is_local()));
            self.page = None;
        }
        ctx.status.message = Message::Refreshing;
        ctx.signal(Signal::Refresh(scope));
        for kind in PartKind::ALL {
            let (client, home) = (client.clone(), ctx.env.mm_home.clone());
            ctx.spawn_keyed(
                kind as u64,
                move |result| Msg::Part(kind, result),
                async move { Ok::<_, Error>(Part::fetch(kind, &client, home.as_ref()).await) },
            );
        }
    }

    /// A packet is read once: the overview of the server it was taken from, dated when it
    /// was taken; the other tabs read it with the same refresh.
    fn show_packet(
        &mut self,
        packet: &crate::packet::open::Packet,
        scope: Refresh,
        ctx: &mut Ctx<'_, Msg>,
    ) {
        if scope == Refresh::Timer {
            return;
        }
        let overview = crate::packet::shown::overview(packet);
        let taken = packet.generated_at_ms();
        self.now_ms = taken.unwrap_or_else(|| ctx.now_ms());
        self.fetched_at_ms = taken;
        ctx.status.connection = Connection::Packet;
        ctx.status.version = overview.version_label();
        ctx.status.message = Message::Info(match taken {
            Some(ms) => format!("packet taken {}", crate::timefmt::utc_minute(ms)),
            None => "packet (its time is not recorded)".to_string(),
        });
        self.overview = Some(overview);
        self.page = None;
        ctx.signal(Signal::Refresh(scope));
    }

    fn take_part(&mut self, kind: PartKind, result: Result<Part, Error>, ctx: &mut Ctx<'_, Msg>) {
        if self.outstanding == 0 {
            return;
        }
        let part = result.unwrap_or_else(|err| {
            Part::failed(kind, ApiError::Other(format!("loading this failed: {err}")))
        });
        if let Some(overview) = self.overview.as_mut() {
            overview.apply(part);
        }
        self.now_ms = ctx.now_ms();
        self.page = None;
        self.outstanding -= 1;
        if self.outstanding == 0 {
            self.finish_load(ctx);
        }
    }

    /// Every part of a load has arrived: update the status bar and plan the next refresh.
    fn finish_load(&mut self, ctx: &mut Ctx<'_, Msg>) {
        let now_ms = ctx.now_ms();
        self.fetched_at_ms = Some(now_ms);
        let version = ctx.env.client.as_ref().and_then(|c| c.version());
        let Some(overview) = self.overview.as_mut() else {
            return;
        };
        overview.version = version;
        for err in overview.errors() {
            ctx.status.note(err);
        }
        let headline = overview.headline_error().cloned();
        let unhealthy = overview.ping.loaded().is_some_and(|p| !p.is_healthy());
        let status = &mut *ctx.status;
        status.connection = match overview.blocker() {
            Some(Blocker::LoginNeeded(_)) => Connection::LoginNeeded,
            Some(Blocker::Unreachable(_)) => Connection::Unreachable,
            None if unhealthy => Connection::Unhealthy,
            None if headline.is_some() => Connection::Degraded,
            None => Connection::Connected,
        };
        let user = overview.me.loaded().map(|u| u.username.clone());
        status.user = user.or_else(|| overview.local_mode.then(|| "local mode".to_string()));
        status.version = overview.version_label();
        let retry_after = overview.errors().filter_map(ApiError::retry_after).max();
        // An expired session will not heal by retrying: wait for the user.
        let wait = match &headline {
            Some(err) if err.needs_login() => None,
            Some(_) => Some(retry_after.unwrap_or(ctx.env.refresh_every)),
            None => Some(ctx.env.refresh_every),
        };
        status.message = match headline {
            Some(err) => Message::Failed(Error::Api(err)),
            None => Message::Refreshed { at_ms: now_ms },
        };
        self.next_refresh = wait.map(|w| (Instant::now() + w, Refresh::Timer));
    }

    fn scroll(&mut self, action: Action) {
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

    fn panels(&self, width: u16, theme: &Theme, refresh_key: &str, doctor_key: &str) -> Vec<Panel> {
        let ctx = ViewContext {
            theme,
            now_ms: self.now_ms,
            mm_home: self.mm_home.as_ref(),
            width,
            config_file: &self.config_file,
            token_source: &self.token_source,
            refresh_key,
            doctor: self.doctor.as_ref(),
            doctor_key,
            from_packet: self.from_packet,
        };
        match &self.overview {
            _ if !self.configured => view::unconfigured_panels(&ctx),
            Some(overview) => view::panels(&ctx, overview),
            None => view::panels(&ctx, &Overview::loading(false)),
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        let theme = ui.theme;
        if area.width == 0 || area.height == 0 {
            return;
        }
        if self.page.as_ref().is_none_or(|p| p.width != area.width) {
            let refresh = ui.keymap.key_name(Scope::Server, Action::Refresh);
            let doctor = ui.keymap.key_name(Scope::Global, Action::TabDoctor);
            let panels = self.panels(area.width, theme, &refresh, &doctor);
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

impl View for ServerTab {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Server"
    }

    fn focus(&self) -> Focus {
        Focus::on(Scope::Server)
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        self.refresh(Refresh::Everything, ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        match action {
            Action::Refresh => self.refresh(Refresh::Everything, ctx),
            other => self.scroll(other),
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Part(kind, result) => self.take_part(kind, result, ctx),
        }
    }

    fn on_signal(&mut self, signal: Signal, ctx: &mut Ctx<'_, Msg>) {
        match signal {
            Signal::Reconnected => {
                self.configured = ctx.env.client.is_some();
                self.token_source = ctx.env.token_source.clone();
                self.page = None;
                self.refresh(Refresh::Everything, ctx);
            }
            Signal::Diagnosed => {
                if let Some(Found::Diagnosis(standing)) = ctx.look_up(Lookup::Diagnosis) {
                    self.doctor = Some(standing);
                    self.page = None;
                }
            }
            Signal::Refresh(_) | Signal::Capture => {}
        }
    }

    /// A node of the cluster is on this tab.
    fn reveal(&mut self, what: &Reveal, _ctx: &mut Ctx<'_, Msg>) -> bool {
        matches!(what, Reveal::Node(_))
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.next_refresh.map(|(at, _)| at)
    }

    fn on_timer(&mut self, now: Instant, ctx: &mut Ctx<'_, Msg>) {
        if let Some((at, scope)) = self.next_refresh
            && at <= now
        {
            self.next_refresh = None;
            self.refresh(scope, ctx);
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        self.render(area, buf, ui);
    }
}

#[cfg(test)]
mod tests;
