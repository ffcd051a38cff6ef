//! The Server tab's panels, built once from an [`Overview`] when it arrives (never in `draw`).

use ratatui::text::{Line, Span};

use crate::host::MmHome;
use crate::mm::models::{ClientConfig, ClientLicense, ClusterNode, Ping, SiteStats};
use crate::overview::{Blocker, ClusterDrift, Overview, Section};
use crate::text::{one_line, wrap};
use crate::timefmt::{self, DAY_MS};
use crate::tui::theme::Theme;
use crate::tui::widgets::panels::{Panel, Placement, TWO_COLUMN_MIN_WIDTH};

const LABEL_WIDTH: usize = 15;

/// Licences expiring within this many days get a warning.
const LICENCE_WARNING_DAYS: i64 = 30;

pub struct ViewContext<'a> {
    pub theme: &'a Theme,
    pub now_ms: i64,
    pub mm_home: Option<&'a MmHome>,
    /// The width the panels are laid out for.
    pub width: u16,
    /// Where the config file is, for the "no server" advice.
    pub config_file: &'a str,
    /// Where the token came from, for the "login needed" panel.
    pub token_source: &'a str,
    /// The key that refreshes (and reads the credentials again), for the advice.
    pub refresh_key: &'a str,
    /// What the doctor found so far, and the key of its tab.
    pub doctor: Option<&'a crate::doctor::Standing>,
    pub doctor_key: &'a str,
    /// The facts come from a support packet, not a server: what is missing is missing from it.
    pub from_packet: bool,
}

struct Lines<'a> {
    theme: &'a Theme,
    lines: Vec<Line<'static>>,
    width: usize,
}

impl<'a> Lines<'a> {
    /// Lines for a panel at `placement`, wrapped to the room the panel will have.
    fn new(ctx: &ViewContext<'a>, placement: Placement) -> Self {
        let width = usize::from(ctx.width);
        let outer = if placement != Placement::Full && ctx.width >= TWO_COLUMN_MIN_WIDTH {
            width / 2
        } else {
            width
        };
        Self {
            theme: ctx.theme,
            lines: Vec::new(),
            width: outer.saturating_sub(2).max(20),
        }
    }

    fn into_panel(self, title: &str, placement: Placement) -> Panel {
        Panel {
            title: title.to_string(),
            lines: self.lines,
            placement,
        }
    }

    fn row(&mut self, label: &str, value: Vec<Span<'static>>) {
        let mut spans = vec![Span::styled(
            format!("{label:<LABEL_WIDTH$}"),
            self.theme.label,
        )];
        spans.extend(value);
        self.lines.push(Line::from(spans));
    }

    fn text(&self, text: &str) -> Span<'static> {
        Span::styled(flat(text, 120), self.theme.value)
    }

    fn muted(&self, text: &str) -> Span<'static> {
        Span::styled(flat(text, 120), self.theme.muted)
    }

    fn good(&self, text: &str) -> Span<'static> {
        Span::styled(format!("✓ {}", one_line(text, 100)), self.theme.ok)
    }

    fn warn(&self, text: &str) -> Span<'static> {
        Span::styled(format!("⚠ {}", one_line(text, 100)), self.theme.warn)
    }

    fn bad(&self, text: &str) -> Span<'static> {
        Span::styled(format!("✗ {}", one_line(text, 100)), self.theme.error)
    }

    /// A message that may be long, wrapped over several lines: in the value column when it
    /// has a label, across the whole panel when it has none.
    fn wrapped(&mut self, label: &str, marker: &str, text: &str, style: ratatui::style::Style) {
        let text = format!("{marker} {}", one_line(text, 600));
        if label.is_empty() {
            for chunk in wrap(&text, self.width) {
                self.lines.push(Line::from(Span::styled(chunk, style)));
            }
            return;
        }
        for (i, chunk) in wrap(&text, self.width - LABEL_WIDTH)
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { label } else { "" };
            self.row(label, vec![Span::styled(chunk, style)]);
        }
    }

    /// Explains a section that did not load. Returns false when the section is loaded.
    fn problem<T>(&mut self, section: &Section<T>) -> bool {
        match section {
            Section::Loaded(_) => return false,
            Section::Loading => self
                .lines
                .push(Line::from(Span::styled("… loading", self.theme.muted))),
            Section::Denied {
                permission: Some(p),
            } => {
                let msg = format!("needs {}", permission_phrase(p));
                self.wrapped("", "⊘", &msg, self.theme.warn)
            }
            Section::Denied { permission: None } => {
                self.wrapped("", "⊘", "this token may not read it", self.theme.warn)
            }
            Section::Unavailable(reason) => self.wrapped("", "—", reason, self.theme.muted),
            Section::Failed(err) => self.wrapped("", "✗", &err.to_string(), self.theme.error),
        }
        true
    }
}

/// Untrusted text on one line, keeping the leading spaces that separate it from a neighbour.
fn flat(text: &str, max_chars: usize) -> String {
    let body = text.trim_start();
    let lead = &text[..text.len() - body.len()];
    format!("{lead}{}", one_line(body, max_chars))
}

/// The panels when there is no server to talk to.
pub fn unconfigured_panels(ctx: &ViewContext) -> Vec<Panel> {
    let mut panel = Panel::new("No server", Placement::Full);
    for text in [
        "mmops has no server to talk to. Give it one with:",
        "",
        "  --url https://chat.example.com, plus a token in --token-file or MMOPS_TOKEN",
        "  mmops login --url https://chat.example.com  (stores a session)",
        "  --local, on the server's host (local mode over its unix socket)",
        "  a profile in the config file, or mmctl's credentials",
        "",
        "`mmops demo` opens this console on a simulated server.",
    ] {
        panel
            .lines
            .push(Line::from(Span::styled(text, ctx.theme.base)));
    }
    panel.lines.push(Line::from(Span::styled(
        format!("Config file: {}", one_line(ctx.config_file, 200)),
        ctx.theme.muted,
    )));
    vec![panel]
}

pub fn panels(ctx: &ViewContext, overview: &Overview) -> Vec<Panel> {
    if let Some(panel) = blocked_panel(ctx, overview) {
        let mut panels = vec![panel];
        panels.extend(host_panel(ctx, overview));
        return panels;
    }
    let mut panels = vec![
        doctor_panel(ctx),
        server_panel(ctx, overview),
        health_panel(ctx, overview),
        licence_panel(ctx, overview),
        stats_panel(ctx, overview),
        cluster_panel(ctx, overview),
    ];
    panels.extend(host_panel(ctx, overview));
    panels
}

/// The first lines answer "is this server healthy": the doctor's counts and worst findings.
fn doctor_panel(ctx: &ViewContext) -> Panel {
    use crate::doctor::Standing;
    use crate::doctor::rule::Severity;
    let mut out = Lines::new(ctx, Placement::Full);
    let key = ctx.doctor_key;
    match ctx.doctor {
        None | Some(Standing::Checking) => out.lines.push(Line::from(
            out.muted("checking every rule over the server's facts…"),
        )),
        Some(Standing::NothingToCheck) => out.lines.push(Line::from(out.muted("nothing to check"))),
        Some(Standing::Failed(err)) => out
            .lines
            .push(Line::from(out.bad(&format!("the check failed: {err}")))),
        // Most rules unchecked (a token that may read little): no all-clear.
        Some(Standing::Done(summary))
            if summary.worst.is_empty() && summary.not_checked > summary.passed =>
        {
            let text = format!(
                "nothing wrong in the {} rules checked; {} could not be checked ({key}: Doctor tab says why)",
                summary.passed, summary.not_checked
            );
            out.lines.push(Line::from(out.warn(&text)));
        }
        Some(Standing::Done(summary)) if summary.worst.is_empty() => {
            let text = format!(
                "nothing wrong found · {} rules passed · {} not checked ({key}: Doctor tab)",
                summary.passed, summary.not_checked
            );
            out.lines.push(Line::from(out.good(&text)));
        }
        Some(Standing::Done(summary)) => {
            let mut counts = Vec::new();
            if summary.critical > 0 {
                counts.push(format!("{} critical", summary.critical));
            }
            if summary.warning > 0 {
                counts.push(crate::text::counted(summary.warning, "warning"));
            }
            if summary.info > 0 {
                counts.push(format!("{} info", summary.info));
            }
            let headline = format!("{} ({key}: Doctor tab)", counts.join(" · "));
            let span = if summary.critical > 0 {
                out.bad(&headline)
            } else if summary.warning > 0 {
                out.warn(&headline)
            } else {
                Span::styled(one_line(&headline, 100), ctx.theme.info)
            };
            out.lines.push(Line::from(span));
            for (severity, title) in &summary.worst {
                let style = match severity {
                    Severity::Critical => ctx.theme.error,
                    Severity::Warning => ctx.theme.warn,
                    Severity::Info => ctx.theme.info,
                };
                out.lines.push(Line::from(vec![
                    Span::styled(format!("  {:<9}", severity.label()), style),
                    out.text(title),
                ]));
            }
        }
    }
    out.into_panel("Doctor", Placement::Full)
}

/// When the server cannot be reached or will not talk to us, one panel says so instead of every
/// panel repeating the same error.
fn blocked_panel(ctx: &ViewContext, overview: &Overview) -> Option<Panel> {
    let key = ctx.refresh_key;
    let (title, advice, err) = match overview.blocker()? {
        Blocker::LoginNeeded(err) => (
            "Login needed",
            format!(
                "Run `mmops login` in another shell, or fix the token; then press {key} to use it."
            ),
            err,
        ),
        Blocker::Unreachable(err) => (
            "Server unreachable",
            format!("mmops retries in the background; {key} retries now."),
            err,
        ),
    };
    let mut out = Lines::new(ctx, Placement::Full);
    out.wrapped("", "✗", &err.to_string(), ctx.theme.error);
    if matches!(overview.blocker(), Some(Blocker::LoginNeeded(_))) && !ctx.token_source.is_empty() {
        out.row("Token from", vec![out.text(ctx.token_source)]);
    }
    out.lines.push(Line::raw(""));
    out.lines.push(Line::from(out.muted(&advice)));
    Some(out.into_panel(title, Placement::Full))
}

fn server_panel(ctx: &ViewContext, overview: &Overview) -> Panel {
    let mut out = Lines::new(ctx, Placement::Left);
    if !out.problem(&overview.config)
        && let Some(config) = overview.config.loaded()
    {
        server_rows(&mut out, ctx, config, overview);
    }
    out.into_panel("Server", Placement::Left)
}

fn server_rows(out: &mut Lines, ctx: &ViewContext, config: &ClientConfig, overview: &Overview) {
    if let Some(name) = config.site_name() {
        out.row("Site", vec![out.text(name)]);
    }
    if let Some(url) = config.site_url() {
        out.row("Site URL", vec![out.text(url)]);
    }
    let version = config
        .version()
        .map(str::to_string)
        .or_else(|| overview.version.as_ref().map(ToString::to_string));
    let mut value = vec![out.text(version.as_deref().unwrap_or("unknown"))];
    if let Some(build) = config.build_number() {
        value.push(out.muted(&format!("  build {build}")));
    }
    out.row("Version", value);
    let edition = match (
        config.enterprise_ready(),
        overview.license.loaded().map(ClientLicense::is_licensed),
    ) {
        (Some(true), Some(true)) => "Enterprise Edition, licensed",
        (Some(true), _) => "Enterprise Edition, no licence",
        (Some(false), _) => "Team Edition",
        (None, _) => "unknown",
    };
    out.row("Edition", vec![out.text(edition)]);
    if let Some(date) = config.build_date() {
        out.row("Build date", vec![out.text(date)]);
    }
    if let Some(hash) = config.build_hash() {
        out.row("Build hash", vec![out.text(hash)]);
    }
    if let Some(id) = config.server_id() {
        out.row("Server ID", vec![out.text(id)]);
    }
    if let Some(driver) = config.sql_driver() {
        out.row("Database", vec![out.text(driver)]);
    }
    match overview.schema_version() {
        Some((version, Some(name))) => out.row(
            "DB schema",
            vec![
                out.text(&version.to_string()),
                out.muted(&format!("  {name}")),
            ],
        ),
        Some((version, None)) => {
            let mut value = vec![out.text(&version.to_string())];
            if let Section::Denied { permission } = &overview.schema {
                value.push(out.muted(&format!(
                    "  ⊘ names need {}",
                    permission_phrase(permission.as_deref().unwrap_or("sysconsole_read_*"))
                )));
            }
            out.row("DB schema", value)
        }
        None => match &overview.schema {
            Section::Denied { permission } => out.row(
                "DB schema",
                vec![out.muted(&format!(
                    "⊘ needs {}",
                    permission_phrase(permission.as_deref().unwrap_or("sysconsole_read_*"))
                ))],
            ),
            _ => out.row("DB schema", vec![out.muted("unknown")]),
        },
    }
    match config.installation_date_ms() {
        Some(ms) => out.row(
            "Installed",
            vec![
                out.text(&timefmt::utc_date(ms)),
                out.muted(&format!("  {}", timefmt::relative_days(ctx.now_ms, ms))),
            ],
        ),
        None if !config.is_full() => out.row("Installed", vec![out.muted("hidden: not logged in")]),
        None => out.row("Installed", vec![out.muted("unknown")]),
    }
}

fn health_panel(ctx: &ViewContext, overview: &Overview) -> Panel {
    let mut out = Lines::new(ctx, Placement::Right);
    if !out.problem(&overview.ping)
        && let Some(ping) = overview.ping.loaded()
    {
        health_rows(&mut out, ping);
    }
    if let Some(config) = overview.config.loaded()
        && let Some(enabled) = config.file_logging()
    {
        let level = config.file_level().unwrap_or("?");
        let value = if enabled {
            out.text(&format!("on, level {level}"))
        } else {
            out.warn("off: no mattermost.log is written")
        };
        out.row("File logging", vec![value]);
    }
    out.into_panel("Health", Placement::Right)
}

fn health_rows(out: &mut Lines, ping: &Ping) {
    let status = if ping.is_healthy() {
        out.good("OK")
    } else {
        out.bad(&ping.status)
    };
    out.row("Server", vec![status]);
    let check = |out: &Lines, value: &Option<String>| match value.as_deref() {
        Some(v) if v.eq_ignore_ascii_case("ok") => out.good("OK"),
        Some(v) => out.bad(v),
        None => out.muted("not reported"),
    };
    out.row("Database", vec![check(out, &ping.database_status)]);
    out.row("File store", vec![check(out, &ping.filestore_status)]);
    if let Some(backend) = &ping.active_search_backend {
        out.row("Search", vec![out.text(backend)]);
    }
    match ping.root_status {
        Some(true) => out.row("Process", vec![out.warn("runs as root")]),
        Some(false) => out.row("Process", vec![out.good("not root")]),
        // The server answers the root check only to a manage_system session.
        None if ping.database_status.is_some() => out.row(
            "Process",
            vec![out.muted("⊘ the root check needs the 'manage_system' permission")],
        ),
        None => {}
    }
}

fn licence_panel(ctx: &ViewContext, overview: &Overview) -> Panel {
    let mut out = Lines::new(ctx, Placement::Left);
    if !out.problem(&overview.license)
        && let Some(licence) = overview.license.loaded()
    {
        licence_rows(&mut out, ctx, licence, overview.stats.loaded());
    }
    out.into_panel("Licence", Placement::Left)
}

fn licence_rows(
    out: &mut Lines,
    ctx: &ViewContext,
    licence: &ClientLicense,
    stats: Option<&SiteStats>,
) {
    if !licence.is_licensed() {
        out.row("Status", vec![out.text("not licensed")]);
        return;
    }
    let mut status = vec![out.good("licensed")];
    if licence.is_trial() {
        status.push(out.warn(" trial"));
    }
    out.row("Status", status);
    let sku = match (licence.sku_name(), licence.sku_short_name()) {
        (Some(name), Some(short)) => format!("{name} ({short})"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => "unknown".to_string(),
    };
    out.row("Plan", vec![out.text(&sku)]);
    if let Some(company) = licence.company() {
        out.row("Licensed to", vec![out.text(company)]);
    }
    if let Some(users) = licence.users() {
        let mut value = vec![out.text(&format!("{} licensed", timefmt::count(users)))];
        if let Some(active) = stats.and_then(|s| s.active_users) {
            let span = if active > users {
                out.warn(&format!(
                    "  {} active: over the limit",
                    timefmt::count(active)
                ))
            } else {
                out.muted(&format!("  {} active", timefmt::count(active)))
            };
            value.push(span);
        }
        out.row("Users", value);
    }
    match licence.expires_at_ms() {
        Some(expires) => {
            let days = timefmt::days_between(ctx.now_ms, expires);
            let date = timefmt::utc_date(expires);
            let when = timefmt::relative_days(ctx.now_ms, expires);
            let value = if expires <= ctx.now_ms {
                vec![out.bad(&format!("{date}, expired {when}"))]
            } else if days < LICENCE_WARNING_DAYS {
                vec![out.warn(&format!("{date}, {when}: renew soon"))]
            } else {
                vec![out.text(&date), out.muted(&format!("  {when}"))]
            };
            out.row("Expires", value);
        }
        None if ctx.from_packet => out.row("Expires", vec![out.muted("not in a support packet")]),
        None => out.row(
            "Expires",
            vec![out.muted("⊘ needs the 'manage_system' permission")],
        ),
    }
    if let Some(starts) = licence.starts_at_ms()
        && starts > ctx.now_ms + DAY_MS
    {
        out.row(
            "Starts",
            vec![out.warn(&format!("{} (not started)", timefmt::utc_date(starts)))],
        );
    }
}

fn stats_panel(ctx: &ViewContext, overview: &Overview) -> Panel {
    let mut out = Lines::new(ctx, Placement::Right);
    if !out.problem(&overview.stats)
        && let Some(stats) = overview.stats.loaded()
    {
        stats_rows(&mut out, stats, ctx.from_packet);
    }
    out.into_panel("Statistics", Placement::Right)
}

/// `from_packet`: a value missing is missing from the packet, not skipped by the server.
fn stats_rows(out: &mut Lines, stats: &SiteStats, from_packet: bool) {
    let n = |v: Option<i64>| v.map(timefmt::count).unwrap_or_else(|| "n/a".to_string());
    out.row(
        "Active users",
        vec![
            out.text(&n(stats.active_users)),
            out.muted(&format!("  {} inactive", n(stats.inactive_users))),
        ],
    );
    out.row(
        "Daily/monthly",
        vec![out.text(&format!(
            "{} / {}",
            n(stats.daily_active_users),
            n(stats.monthly_active_users)
        ))],
    );
    out.row("Teams", vec![out.text(&n(stats.teams))]);
    out.row(
        "Channels",
        vec![out.text(&format!(
            "{} public · {} private",
            n(stats.public_channels),
            n(stats.private_channels)
        ))],
    );
    out.row("Posts", vec![out.text(&n(stats.posts))]);
    out.row(
        "WebSockets",
        vec![out.text(&n(stats.websocket_connections))],
    );
    out.row(
        "DB connections",
        vec![out.text(&format!(
            "{} master · {} read",
            n(stats.master_db_connections),
            n(stats.read_db_connections)
        ))],
    );
    if from_packet {
        out.row("", vec![out.muted("n/a: not in this packet")]);
    } else if stats.daily_active_users.is_none() && stats.active_users.is_some() {
        out.row(
            "",
            vec![out.muted("n/a: skipped above MaxUsersForStatistics")],
        );
    }
}

fn cluster_panel(ctx: &ViewContext, overview: &Overview) -> Panel {
    let mut out = Lines::new(ctx, Placement::Full);
    if !out.problem(&overview.cluster)
        && let Some(nodes) = overview.cluster.loaded()
    {
        cluster_rows(&mut out, nodes);
    }
    out.into_panel("Cluster", Placement::Full)
}

fn cluster_rows(out: &mut Lines, nodes: &[ClusterNode]) {
    if nodes.is_empty() {
        out.lines.push(Line::from(
            out.muted("Single node: clustering is off or not licensed."),
        ));
        return;
    }
    let drift = ClusterDrift::of(nodes);
    let header = format!(
        "{:<18} {:<20} {:<12} {:<8} {}",
        "Node", "Version", "Config", "Schema", "Address"
    );
    out.lines
        .push(Line::from(Span::styled(header, out.theme.label)));
    for node in nodes {
        let name = if node.hostname.is_empty() {
            &node.id
        } else {
            &node.hostname
        };
        let flagged = |list: &[String]| list.iter().any(|h| h == name);
        let cell = |text: String, width: usize, flag: bool| {
            let text = format!("{:<width$} ", one_line(&text, width));
            if flag {
                Span::styled(text, out.theme.warn)
            } else {
                Span::styled(text, out.theme.value)
            }
        };
        let hash: String = node.config_hash.chars().take(10).collect();
        out.lines.push(Line::from(vec![
            cell(name.clone(), 18, false),
            cell(node.version.clone(), 20, flagged(&drift.version_outliers)),
            cell(hash, 12, flagged(&drift.config_outliers)),
            cell(
                node.schema_version.clone(),
                8,
                flagged(&drift.schema_outliers),
            ),
            cell(node.ipaddress.clone(), 24, false),
        ]));
    }
    if drift.is_clean() {
        out.lines.push(Line::from(out.good(&format!(
            "{} nodes agree on version, config and schema",
            nodes.len()
        ))));
    }
    for (what, list) in [
        ("version", &drift.version_outliers),
        ("config file", &drift.config_outliers),
        ("schema", &drift.schema_outliers),
    ] {
        if !list.is_empty() {
            let text = format!("{what} differs on {}", list.join(", "));
            out.lines.push(Line::from(out.warn(&text)));
        }
    }
}

fn host_panel(ctx: &ViewContext, overview: &Overview) -> Option<Panel> {
    let facts = overview.host.as_ref()?;
    let home = ctx.mm_home?;
    let mut out = Lines::new(ctx, Placement::Full);
    out.row("OS", vec![out.text(&facts.os)]);
    out.row("Architecture", vec![out.text(&facts.architecture)]);
    out.row("Hostname", vec![out.text(&facts.hostname)]);
    let origin = home.origin.to_string();
    out.row(
        "Install dir",
        vec![
            out.text(&home.root.display().to_string()),
            out.muted(&format!("  {origin}")),
        ],
    );
    let config_path = facts.config_file.display().to_string();
    if facts.config_readable {
        out.row(
            "Config file",
            vec![out.text(&config_path), Span::raw(" "), out.good("readable")],
        );
    } else {
        out.row("Config file", vec![out.text(&config_path)]);
        let reason = facts
            .config_error
            .clone()
            .unwrap_or_else(|| "not readable".to_string());
        out.wrapped("", "✗", &reason, ctx.theme.error);
    }
    let logs = facts.logs_dir.display().to_string();
    let state = if facts.logs_readable {
        out.good("readable")
    } else if facts.logs_exist {
        out.bad("not readable")
    } else {
        out.bad("does not exist")
    };
    out.row("Log dir", vec![out.text(&logs), Span::raw(" "), state]);
    Some(out.into_panel("Host", Placement::Full))
}

/// `the 'get_analytics' permission`, or for a wildcard `one of the sysconsole_read_*
/// permissions`: no single permission has a `*` in its name.
fn permission_phrase(permission: &str) -> String {
    if permission.ends_with('*') {
        format!("one of the {permission} permissions")
    } else {
        format!("the '{permission}' permission")
    }
}
