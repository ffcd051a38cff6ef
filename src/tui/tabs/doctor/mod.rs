//! The Doctor tab: every finding of the doctor over the facts this console can reach, worst
//! first, filtered by severity and category; the selected one's evidence, why and fix beside
//! it; Enter goes to the evidence in the tab that shows it. The rules not checked, and why,
//! one key away. Checks run in the background: with every full refresh (at start, `r` on the
//! Server tab, new credentials), and every few minutes with the periodic refresh.

pub mod view;

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::time::Instant;

use crate::doctor::gather::{Sources, gather};
use crate::doctor::rule::{Category, Evidence, Missing, Rule, Severity};
use crate::doctor::{Diagnosis, Finding, Selection, Standing, diagnose};
use crate::error::Error;
use crate::tui::env::Env;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Found, Lookup, Refresh, Reveal, Signal, Ui, View};
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::loadable::{Load, Loadable};
use crate::tui::widgets::notice::Notice;

/// The periodic refresh checks again at most this often: a check reads the whole config and
/// the logs.
const TIMER_CHECK_EVERY: Duration = Duration::from_secs(300);

pub enum Msg {
    Diagnosed(Result<Diagnosis, Error>),
}

/// Which severities are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityShown {
    All,
    WarningsAndWorse,
    CriticalOnly,
}

impl SeverityShown {
    fn next(self) -> Self {
        match self {
            SeverityShown::All => SeverityShown::WarningsAndWorse,
            SeverityShown::WarningsAndWorse => SeverityShown::CriticalOnly,
            SeverityShown::CriticalOnly => SeverityShown::All,
        }
    }

    fn shows(self, severity: Severity) -> bool {
        match self {
            SeverityShown::All => true,
            SeverityShown::WarningsAndWorse => severity != Severity::Info,
            SeverityShown::CriticalOnly => severity == Severity::Critical,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SeverityShown::All => "every severity",
            SeverityShown::WarningsAndWorse => "warnings and worse",
            SeverityShown::CriticalOnly => "critical only",
        }
    }
}

const CATEGORIES: [Category; 5] = [
    Category::Security,
    Category::Reliability,
    Category::Performance,
    Category::Upgrade,
    Category::Adoption,
];

pub struct DoctorTab {
    load: Loadable<Diagnosis>,
    checked_at_ms: Option<i64>,
    last_check: Option<Instant>,
    severity: SeverityShown,
    category: Option<Category>,
    /// The rules not checked are listed instead of the findings.
    unchecked: bool,
    list: ListState,
    notice: Option<Notice>,
}

fn can_check(env: &Env) -> bool {
    env.client.is_some()
        || env.mm_home.is_some()
        || env.invites.db_url.is_some()
        || env.packet.is_some()
}

impl DoctorTab {
    pub fn new(env: &Env) -> Self {
        Self {
            load: Loadable::new(can_check(env)),
            checked_at_ms: None,
            last_check: None,
            severity: SeverityShown::All,
            category: None,
            unchecked: false,
            list: ListState::default(),
            notice: None,
        }
    }

    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        self.load.get()
    }

    pub fn standing(&self) -> Standing {
        match &self.load.state {
            Load::Loaded(diagnosis) => Standing::Done(diagnosis.summary(3)),
            Load::Failed(err) => Standing::Failed(err.to_string()),
            Load::Loading => Standing::Checking,
            Load::NotConfigured => Standing::NothingToCheck,
        }
    }

    /// The findings the filters let through, worst first.
    pub fn shown(&self) -> Vec<&Finding> {
        let Some(diagnosis) = self.diagnosis() else {
            return Vec::new();
        };
        findings_shown(diagnosis, self.severity, self.category)
    }

    /// The rules not checked that the filters let through.
    pub fn shown_unchecked(&self) -> Vec<&(&'static Rule, Missing)> {
        let Some(diagnosis) = self.diagnosis() else {
            return Vec::new();
        };
        unchecked_shown(diagnosis, self.severity, self.category)
    }

    pub fn selected(&self) -> Option<&Finding> {
        self.shown().get(self.list.selected).copied()
    }

    pub fn is_listing_unchecked(&self) -> bool {
        self.unchecked
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    fn rows(&self) -> usize {
        if self.unchecked {
            self.shown_unchecked().len()
        } else {
            self.shown().len()
        }
    }

    fn check(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if !can_check(ctx.env) {
            return;
        }
        self.load.begin();
        self.last_check = Some(Instant::now());
        if let Some(packet) = ctx.env.packet.clone() {
            let now_ms = ctx.now_ms();
            ctx.spawn(
                Msg::Diagnosed,
                crate::tui::jobs::blocking(move || {
                    let facts = crate::doctor::from_packet::facts(&packet, now_ms);
                    Ok::<_, Error>(diagnose(&facts, &Selection::default()))
                }),
            );
            ctx.signal(Signal::Diagnosed);
            return;
        }
        let client = ctx.env.client.clone();
        let home = ctx.env.mm_home.clone();
        let db_url = ctx.env.invites.db_url.clone();
        let now_ms = ctx.now_ms();
        let capture_file = ctx.env.capture.file.clone();
        ctx.spawn(Msg::Diagnosed, async move {
            let mut facts = gather(Sources {
                client: client.as_ref(),
                home: home.as_ref(),
                db_url: db_url.as_ref(),
                now_ms,
            })
            .await;
            facts.capture = capture_file
                .and_then(|file| file.load().ok().flatten())
                .filter(|c| {
                    client
                        .as_ref()
                        .is_some_and(|cl| cl.display_name() == c.server)
                });
            Ok::<_, Error>(diagnose(&facts, &Selection::default()))
        });
        ctx.signal(Signal::Diagnosed);
    }

    fn diagnosed(&mut self, result: Result<Diagnosis, Error>, ctx: &mut Ctx<'_, Msg>) {
        let selected = self.selected().map(|f| f.rule.id);
        if let Some(err) = self.load.finish(result) {
            self.notice = Some(Notice::failed("the check failed", err));
        }
        self.checked_at_ms = Some(ctx.now_ms());
        // The same finding stays selected when the list changes under it.
        if let Some(id) = selected
            && let Some(i) = self.shown().iter().position(|f| f.rule.id == id)
        {
            self.list.selected = i;
        }
        self.list.clamp(self.rows());
        ctx.signal(Signal::Diagnosed);
    }

    fn go_to_evidence(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if self.unchecked {
            return;
        }
        let Some(finding) = self.selected() else {
            return;
        };
        match finding.evidence.iter().find_map(reveal_of) {
            Some(target) => {
                self.notice = None;
                ctx.reveal(target);
            }
            None => {
                self.notice = Some(Notice::info(
                    "no other tab shows this evidence: it is all here",
                ))
            }
        }
    }

    fn cycle_category(&mut self) {
        self.category = match self.category {
            None => Some(CATEGORIES[0]),
            Some(current) => CATEGORIES
                .iter()
                .position(|c| *c == current)
                .and_then(|i| CATEGORIES.get(i + 1))
                .copied(),
        };
        self.list.reset();
    }
}

/// The findings the filters let through, worst first. Free functions over the filter values,
/// so that drawing can hold them while it moves the list (no copy in the render path).
fn findings_shown(
    diagnosis: &Diagnosis,
    severity: SeverityShown,
    category: Option<Category>,
) -> Vec<&Finding> {
    diagnosis
        .findings
        .iter()
        .filter(|f| passes(f.rule, severity, category))
        .collect()
}

fn unchecked_shown(
    diagnosis: &Diagnosis,
    severity: SeverityShown,
    category: Option<Category>,
) -> Vec<&(&'static Rule, Missing)> {
    diagnosis
        .not_checked
        .iter()
        .filter(|(rule, _)| passes(rule, severity, category))
        .collect()
}

fn passes(rule: &Rule, severity: SeverityShown, category: Option<Category>) -> bool {
    severity.shows(rule.severity) && category.is_none_or(|c| rule.category == c)
}

/// Where a piece of evidence is shown in another tab.
pub fn reveal_of(evidence: &Evidence) -> Option<Reveal> {
    match evidence {
        Evidence::Setting { path, .. } => Some(Reveal::Setting(path.clone())),
        Evidence::Logs { needles, .. } => Some(Reveal::LogText(needles.clone())),
        Evidence::Plugin { id, .. } => Some(Reveal::Plugin(id.clone())),
        Evidence::Node { node, .. } => Some(Reveal::Node(node.clone())),
        Evidence::Job { .. } | Evidence::File { .. } | Evidence::Fact { .. } => None,
    }
}

impl View for DoctorTab {
    type Msg = Msg;

    fn title(&self) -> &str {
        "Doctor"
    }

    fn focus(&self) -> Focus {
        Focus::on(Scope::Doctor)
    }

    /// With a server, the Server tab's first refresh starts the check; without one (an
    /// install directory, a database) nothing else would.
    fn on_start(&mut self, ctx: &mut Ctx<'_, Msg>) {
        if ctx.env.client.is_none() {
            self.check(ctx);
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, Msg>) {
        let rows = self.rows();
        if self.list.apply(action, rows) {
            return;
        }
        match action {
            Action::Open => self.go_to_evidence(ctx),
            Action::Refresh => self.check(ctx),
            Action::SeverityFilter => {
                self.severity = self.severity.next();
                self.list.reset();
            }
            Action::CategoryFilter => self.cycle_category(),
            Action::ShowUnchecked => {
                self.unchecked = !self.unchecked;
                self.list.reset();
            }
            Action::Close if self.unchecked => {
                self.unchecked = false;
                self.list.reset();
            }
            Action::Close => {
                self.severity = SeverityShown::All;
                self.category = None;
                self.notice = None;
                self.list.reset();
            }
            _ => {}
        }
    }

    fn on_msg(&mut self, msg: Msg, ctx: &mut Ctx<'_, Msg>) {
        match msg {
            Msg::Diagnosed(result) => self.diagnosed(result, ctx),
        }
    }

    fn on_signal(&mut self, signal: Signal, ctx: &mut Ctx<'_, Msg>) {
        match signal {
            Signal::Refresh(Refresh::Everything) => self.check(ctx),
            Signal::Refresh(Refresh::Timer) => {
                let due = self
                    .last_check
                    .is_none_or(|at| at.elapsed() >= TIMER_CHECK_EVERY);
                if due && !matches!(self.load.state, Load::Loading) {
                    self.check(ctx);
                }
            }
            // The levels changed, and the DEBUG rule names a capture.
            Signal::Capture if !matches!(self.load.state, Load::Loading) => self.check(ctx),
            // New credentials make the Server tab refresh everything, which checks again.
            Signal::Reconnected | Signal::Diagnosed | Signal::Capture => {}
        }
    }

    fn look_up(&self, lookup: Lookup<'_>) -> Option<Found> {
        match lookup {
            Lookup::Diagnosis => Some(Found::Diagnosis(self.standing())),
            _ => None,
        }
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        view::render(self, area, buf, ui);
    }
}

#[cfg(test)]
mod tests;
