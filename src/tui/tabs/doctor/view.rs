//! Drawing the Doctor tab: the counts and filters on the first line, the findings (or the
//! rules not checked) as a list, and the selected one in full beside it on a wide terminal or
//! under it on a narrow one.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::{DoctorTab, reveal_of};
use crate::doctor::report::{counts, evidence_lines};
use crate::doctor::rule::{Missing, Rule, Severity};
use crate::doctor::{Diagnosis, Finding};
use crate::text::{fit, inert, one_line, wrap};
use crate::tui::keys::{Action, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::{Reveal, Ui};
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::loadable::Load;

/// From this width the selected finding shows beside the list.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 110;

pub fn marker(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "✗",
        Severity::Warning => "⚠",
        Severity::Info => "ℹ",
    }
}

pub fn severity_style(severity: Severity, theme: &Theme) -> Style {
    match severity {
        Severity::Critical => theme.error,
        Severity::Warning => theme.warn,
        Severity::Info => theme.info,
    }
}

pub fn render(tab: &mut DoctorTab, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let theme = ui.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(" Doctor ", theme.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let refresh = ui.keymap.key_name(Scope::Doctor, Action::Refresh);
    let diagnosis = match &tab.load.state {
        Load::NotConfigured => {
            return message(
                inner,
                buf,
                theme.muted,
                "Nothing to check: give a server (--url, --local, a profile), the install directory (--mm-home) or the database (--db-url).",
            );
        }
        Load::Loading => {
            return message(
                inner,
                buf,
                theme.muted,
                "Checking every rule over what mmops can read of the server…",
            );
        }
        Load::Failed(err) => {
            return message(
                inner,
                buf,
                theme.error,
                &format!(
                    "The check failed: {} ({refresh} checks again)",
                    inert(&err.to_string())
                ),
            );
        }
        Load::Loaded(diagnosis) => diagnosis,
    };
    let notice_height = u16::from(tab.notice.is_some());
    let [summary, body, notice] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(notice_height),
    ])
    .areas(inner);
    summary_line(tab, diagnosis, ui).render(summary, buf);
    if let Some(n) = &tab.notice {
        Line::styled(
            one_line(&n.text(), usize::from(notice.width)),
            n.style(theme),
        )
        .render(notice, buf);
    }
    let wide = body.width >= SIDE_BY_SIDE_MIN_WIDTH;
    let (list_area, detail_area) = if wide {
        let [list, rule, detail] = Layout::horizontal([
            Constraint::Percentage(45),
            Constraint::Length(1),
            Constraint::Min(10),
        ])
        .areas(body);
        for y in rule.top()..rule.bottom() {
            buf[(rule.x, y)].set_symbol("│").set_style(theme.border);
        }
        (list, detail)
    } else {
        // The detail gets the most room: the fix must show on a small terminal.
        let rows = if tab.unchecked {
            tab.shown_unchecked().len()
        } else {
            tab.shown().len()
        } as u16;
        let list_rows = rows.clamp(3, (body.height / 3).max(3));
        let [list, rule, detail] = Layout::vertical([
            Constraint::Length(list_rows),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(body);
        Line::styled("─".repeat(usize::from(rule.width)), theme.border).render(rule, buf);
        (list, detail)
    };
    let samples = if wide { 3 } else { 1 };
    if tab.unchecked {
        let rows = super::unchecked_shown(diagnosis, tab.severity, tab.category);
        draw_unchecked_list(&mut tab.list, &rows, list_area, buf, theme);
        if let Some((rule, missing)) = rows.get(tab.list.selected) {
            draw_unchecked_detail(rule, missing, detail_area, buf, theme);
        }
        return;
    }
    let shown = super::findings_shown(diagnosis, tab.severity, tab.category);
    if shown.is_empty() {
        let text = if diagnosis.findings.is_empty() {
            format!(
                "✓ Nothing wrong found: {} rules passed. {} could not be checked ({} lists them).",
                diagnosis.passed.len(),
                diagnosis.not_checked.len(),
                ui.keymap.key_name(Scope::Doctor, Action::ShowUnchecked)
            )
        } else {
            format!(
                "No finding of {} in {}; {} clears the filters.",
                tab.severity.label(),
                tab.category.map_or("any category", |c| c.label()),
                ui.keymap.key_name(Scope::Doctor, Action::Close)
            )
        };
        let style = if diagnosis.findings.is_empty() {
            theme.ok
        } else {
            theme.muted
        };
        return message(body, buf, style, &text);
    }
    draw_list(&mut tab.list, &shown, list_area, buf, theme);
    if let Some(finding) = shown.get(tab.list.selected) {
        let go = ui.keymap.key_name(Scope::Doctor, Action::Open);
        draw_detail(finding, &go, samples, detail_area, buf, theme);
    }
}

fn message(area: Rect, buf: &mut Buffer, style: Style, text: &str) {
    crate::tui::widgets::message(area, buf, text, style);
}

/// The filters first (a narrow terminal cuts the end of the line, and what is shown must not be
/// cut), then the counts and when the check ran.
fn summary_line(tab: &DoctorTab, diagnosis: &Diagnosis, ui: &Ui<'_>) -> Line<'static> {
    let theme = ui.theme;
    let mut filters = Vec::new();
    if tab.unchecked {
        filters.push("not checked".to_string());
    }
    if tab.severity != super::SeverityShown::All {
        filters.push(tab.severity.label().to_string());
    }
    if let Some(category) = tab.category {
        filters.push(category.label().to_string());
    }
    let mut spans = Vec::new();
    if !filters.is_empty() {
        spans.push(Span::styled(
            format!("showing {} · ", filters.join(", ")),
            theme.accent,
        ));
    }
    let style = diagnosis
        .worst()
        .map_or(theme.ok, |s| severity_style(s, theme));
    spans.push(Span::styled(counts(diagnosis), style));
    spans.push(Span::styled(
        format!(
            " · {} not checked · {} passed",
            diagnosis.not_checked.len(),
            diagnosis.passed.len()
        ),
        theme.muted,
    ));
    if let Some(at) = tab.checked_at_ms {
        spans.push(Span::styled(
            format!(" · checked {}", crate::timefmt::utc_clock(at)),
            theme.muted,
        ));
    }
    Line::from(spans)
}

fn draw_list(
    list: &mut ListState,
    shown: &[&Finding],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let rows = usize::from(area.height);
    list.fit(rows);
    let width = usize::from(area.width);
    for (i, finding) in shown.iter().enumerate().skip(list.offset).take(rows) {
        let y = area.y + (i - list.offset) as u16;
        let rule = finding.rule;
        let category = format!(" {}", rule.category.label());
        let title_width = width.saturating_sub(3 + category.len()).max(8);
        let mut line = Line::from(vec![
            Span::styled(
                format!("{} ", marker(rule.severity)),
                severity_style(rule.severity, theme),
            ),
            Span::styled(fit(rule.title, title_width), theme.base),
            Span::styled(category, theme.muted),
        ]);
        if i == list.selected {
            line = line.patch_style(theme.selection);
        }
        line.render(Rect::new(area.x, y, area.width, 1), buf);
    }
}

/// The finding in full: its evidence (with at most `samples` log lines each), the fix, why it
/// matters, and where Enter goes.
fn draw_detail(
    finding: &Finding,
    go_key: &str,
    samples: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let rule = finding.rule;
    let width = usize::from(area.width.saturating_sub(2)).max(20);
    let mut lines = vec![
        Line::styled(
            one_line(rule.title, width),
            severity_style(rule.severity, theme).add_modifier(Modifier::BOLD),
        ),
        Line::styled(
            format!(
                "{} · {} · {}",
                rule.severity.label(),
                rule.category.label(),
                rule.id
            ),
            theme.muted,
        ),
    ];
    lines.push(Line::raw(""));
    for evidence in &finding.evidence {
        let mut pieces = evidence_lines(evidence, width).into_iter();
        if let Some(summary) = pieces.next() {
            for piece in wrap(&summary, width) {
                lines.push(Line::styled(piece, theme.value));
            }
        }
        for sample in pieces.take(samples) {
            lines.push(Line::styled(sample, theme.muted));
        }
    }
    lines.push(Line::raw(""));
    push_labelled(
        &mut lines,
        "Fix",
        rule.fix.console,
        width,
        theme,
        theme.base,
    );
    push_labelled(&mut lines, "", rule.fix.command, width, theme, theme.accent);
    push_labelled(&mut lines, "Why", rule.why, width, theme, theme.base);
    if let Some(target) = finding.evidence.iter().find_map(reveal_of) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{go_key}: {}", destination(&target)),
            theme.key,
        ));
    }
    paint(lines, area, buf);
}

fn destination(target: &Reveal) -> String {
    match target {
        Reveal::Setting(path) => format!("{path} on the Config tab"),
        Reveal::LogText(_) => "these log lines on the Logs tab".to_string(),
        Reveal::Plugin(id) => format!("{id} on the Plugins tab"),
        Reveal::Node(node) => format!("the cluster ({node}) on the Server tab"),
    }
}

fn push_labelled(
    lines: &mut Vec<Line<'static>>,
    label: &str,
    text: &str,
    width: usize,
    theme: &Theme,
    style: Style,
) {
    for (i, piece) in wrap(text, width.saturating_sub(6).max(10))
        .into_iter()
        .enumerate()
    {
        let label = if i == 0 { label } else { "" };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<6}"), theme.label),
            Span::styled(piece, style),
        ]));
    }
}

/// Draws lines from the top of `area`, one row each, after a one-column margin.
fn paint(lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer) {
    if area.width < 3 {
        return;
    }
    let inner = Rect::new(area.x + 1, area.y, area.width - 2, area.height);
    Paragraph::new(lines).render(inner, buf);
}

fn draw_unchecked_list(
    list: &mut ListState,
    rows_shown: &[&(&'static Rule, Missing)],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    if rows_shown.is_empty() {
        return message(area, buf, theme.ok, "Every rule could be checked.");
    }
    let rows = usize::from(area.height);
    list.fit(rows);
    let width = usize::from(area.width);
    for (i, (rule, missing)) in rows_shown.iter().enumerate().skip(list.offset).take(rows) {
        let y = area.y + (i - list.offset) as u16;
        let fact = format!(" needs {}", missing.fact.label());
        let title_width = width.saturating_sub(2 + fact.len()).max(8);
        let mut line = Line::from(vec![
            Span::styled("· ", theme.muted),
            Span::styled(fit(rule.title, title_width), theme.base),
            Span::styled(fact, theme.muted),
        ]);
        if i == list.selected {
            line = line.patch_style(theme.selection);
        }
        line.render(Rect::new(area.x, y, area.width, 1), buf);
    }
}

fn draw_unchecked_detail(
    rule: &Rule,
    missing: &Missing,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let width = usize::from(area.width.saturating_sub(2)).max(20);
    let mut lines = vec![
        Line::styled(one_line(rule.title, width), theme.title),
        Line::styled(
            format!(
                "{} · {} · {}",
                rule.severity.label(),
                rule.category.label(),
                rule.id
            ),
            theme.muted,
        ),
        Line::raw(""),
    ];
    let why_not = format!("Not checked: {}", inert(&missing.to_string()));
    for piece in wrap(&why_not, width) {
        lines.push(Line::styled(piece, theme.warn));
    }
    lines.push(Line::raw(""));
    let reads: Vec<&str> = rule.reads.iter().map(|r| r.label()).collect();
    push_labelled(
        &mut lines,
        "Reads",
        &reads.join(", "),
        width,
        theme,
        theme.base,
    );
    push_labelled(&mut lines, "Why", rule.why, width, theme, theme.base);
    paint(lines, area, buf);
}
