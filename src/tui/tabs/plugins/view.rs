//! Drawing the Plugins tab: a summary line, the table (failed plugins first and marked), and
//! under it the selected plugin's errors per node, a notice, or the y/n question.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

use super::{Live, PluginsTab, detail};
use crate::plugins::{Plugin, State, Statuses};
use crate::text::{inert, one_line, wrap};
use crate::tui::keys::Keymap;
use crate::tui::theme::Theme;
use crate::tui::view::Ui;
use crate::tui::widgets::loadable::Load;

pub fn render(tab: &mut PluginsTab, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let theme = ui.theme;
    if tab.detail.is_some() {
        // The question or the outcome of E/D shows under the detail.
        let lines = notice_lines(tab, area.width, theme, ui.keymap);
        let below = lines.len() as u16;
        let [top, bottom] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(below)]).areas(area);
        detail::render(tab, top, buf, ui);
        if below > 0 {
            Paragraph::new(lines).render(bottom, buf);
        }
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(" Plugins ", theme.title));
    let inner = block.inner(area);
    block.render(area, buf);
    match &tab.load.state {
        Load::NotConfigured => {
            message(
                inner,
                buf,
                theme.muted,
                "No server is configured: nothing to list.",
            );
            return;
        }
        Load::Loading => {
            message(inner, buf, theme.muted, "Loading the plugins…");
            return;
        }
        Load::Failed(err) => {
            message(
                inner,
                buf,
                theme.error,
                &format!("The plugins could not be read: {}", inert(&err.to_string())),
            );
            return;
        }
        Load::Loaded(_) => {}
    }
    let footer_text = footer_lines(tab, inner.width, theme, ui.keymap);
    // Lines as drawn: long errors wrap.
    let footer_height = footer_text
        .iter()
        .map(|line| {
            line.width()
                .max(1)
                .div_ceil(usize::from(inner.width.max(1)))
        })
        .sum::<usize>()
        .clamp(1, 6) as u16;
    let [summary, table, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(footer_height),
    ])
    .areas(inner);
    summary_line(tab, theme).render(summary, buf);
    draw_table(tab, table, buf, theme);
    Paragraph::new(footer_text)
        .wrap(Wrap { trim: false })
        .render(footer, buf);
}

fn message(area: Rect, buf: &mut Buffer, style: Style, text: &str) {
    crate::tui::widgets::message(area, buf, text, style);
}

fn summary_line(tab: &PluginsTab, theme: &Theme) -> Line<'static> {
    let Some(inv) = tab.inventory() else {
        return Line::raw("");
    };
    let enabled = inv.plugins.iter().filter(|p| p.enabled).count();
    let failed = inv.plugins.iter().filter(|p| p.failed()).count();
    let mut spans = vec![Span::styled(
        format!("{} installed · {enabled} enabled", inv.plugins.len()),
        theme.base,
    )];
    if failed > 0 {
        spans.push(Span::styled(format!(" · {failed} failing"), theme.error));
    }
    match &inv.statuses {
        Statuses::Known => {}
        Statuses::NotInLocalMode => spans.push(Span::styled(
            " · states per node are not served over the local socket",
            theme.warn,
        )),
        Statuses::Unavailable(why) => spans.push(Span::styled(
            format!(" · states per node unknown: {why}"),
            theme.muted,
        )),
        Statuses::Failed(err) => spans.push(Span::styled(
            format!(
                " · states per node unknown: {}",
                one_line(&err.to_string(), 80)
            ),
            theme.warn,
        )),
    }
    match &tab.live {
        Live::Live => spans.push(Span::styled(" · live", theme.ok)),
        Live::Connecting => {}
        Live::Off(why) if why.is_empty() => {}
        Live::Down(why) | Live::Off(why) => spans.push(Span::styled(
            format!(
                " · {} (refreshed with the Server tab)",
                one_line(&inert(why), 70)
            ),
            theme.muted,
        )),
    }
    if tab.load.refreshing {
        spans.push(Span::styled(" · refreshing…", theme.muted));
    }
    Line::from(spans)
}

/// `✗` failing somewhere, `●` enabled, `○` disabled.
fn marker(plugin: &Plugin, theme: &Theme) -> Span<'static> {
    if plugin.failed() {
        Span::styled("✗ ", theme.error)
    } else if plugin.enabled {
        Span::styled("● ", theme.ok)
    } else {
        Span::styled("○ ", theme.muted)
    }
}

fn state_style(state: State, theme: &Theme) -> Style {
    match state {
        State::Running => theme.ok,
        s if s.is_failure() => theme.error,
        State::NotRunning => theme.muted,
        _ => theme.warn,
    }
}

/// The states when the per-node list does not fit: `failed to start ×1 · running ×1`.
fn compact_spans(plugin: &Plugin, theme: &Theme) -> Vec<Span<'static>> {
    let mut counts: Vec<(State, usize)> = Vec::new();
    for node in &plugin.nodes {
        match counts.iter_mut().find(|(s, _)| *s == node.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((node.state, 1)),
        }
    }
    // Failures first.
    counts.sort_by_key(|(s, _)| !s.is_failure());
    let mut spans = Vec::new();
    for (i, (state, n)) in counts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted));
        }
        spans.push(Span::styled(
            format!("{} ×{n}", state.label()),
            state_style(state, theme),
        ));
    }
    spans
}

fn nodes_spans(plugin: &Plugin, theme: &Theme, room: usize) -> Vec<Span<'static>> {
    let full = full_node_spans(plugin, theme);
    let width: usize = full.iter().map(|s| s.width()).sum();
    if width > room && plugin.nodes.len() > 1 {
        compact_spans(plugin, theme)
    } else {
        full
    }
}

fn full_node_spans(plugin: &Plugin, theme: &Theme) -> Vec<Span<'static>> {
    if plugin.nodes.is_empty() {
        return vec![Span::styled(
            if plugin.enabled {
                "enabled"
            } else {
                "disabled"
            },
            theme.muted,
        )];
    }
    let mut spans = Vec::new();
    let one = plugin.nodes.len() == 1;
    for (i, node) in plugin.nodes.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted));
        }
        if !one {
            spans.push(Span::styled(format!("{} ", inert(&node.node)), theme.label));
        }
        spans.push(Span::styled(
            node.state.label(),
            state_style(node.state, theme),
        ));
    }
    spans
}

fn draw_table(tab: &mut PluginsTab, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let rows = usize::from(area.height.saturating_sub(1));
    tab.list.fit(rows);
    let width = usize::from(area.width);
    let name_width = if width < 100 {
        (width / 4).clamp(12, 20)
    } else {
        (width / 3).clamp(12, 40)
    };
    let version_width = 12;
    let header = Line::styled(
        format!(
            "  {:<name_width$} {:<version_width$} State",
            "Plugin", "Version"
        ),
        theme.label,
    );
    header.render(Rect { height: 1, ..area }, buf);
    for (row, (i, plugin)) in tab
        .plugins()
        .iter()
        .enumerate()
        .skip(tab.list.offset)
        .take(rows)
        .enumerate()
    {
        let y = area.y + 1 + row as u16;
        let rect = Rect::new(area.x, y, area.width, 1);
        let version = plugin
            .manifest
            .version
            .clone()
            .unwrap_or_else(|| "—".into());
        let mut version_text = one_line(&inert(&version), version_width - 2);
        if plugin.version_differs() {
            version_text.push_str(" ⚠");
        }
        let mut spans = vec![
            marker(plugin, theme),
            Span::styled(
                format!(
                    "{:<name_width$} ",
                    one_line(&inert(&plugin.manifest.name), name_width)
                ),
                if plugin.failed() {
                    theme.error
                } else {
                    theme.value
                },
            ),
            Span::styled(
                format!("{version_text:<version_width$} "),
                if plugin.version_differs() {
                    theme.warn
                } else {
                    theme.base
                },
            ),
        ];
        let room = width.saturating_sub(2 + name_width + 1 + version_width + 1);
        spans.extend(nodes_spans(plugin, theme, room));
        let mut line = Line::from(spans);
        let selected = i == tab.list.selected;
        if selected {
            line = line.patch_style(theme.selection.add_modifier(Modifier::BOLD));
        }
        buf.set_style(
            rect,
            if selected {
                theme.selection
            } else {
                theme.base
            },
        );
        line.render(rect, buf);
    }
}

/// Rows the notice of E/D may take: enough for a refusal to end with its permission.
const NOTICE_ROWS: usize = 3;

/// The y/n question, or the outcome of E/D wrapped to `width` (the end of a refusal names the
/// permission, so it is kept whole up to a few rows).
fn notice_lines(
    tab: &PluginsTab,
    width: u16,
    theme: &Theme,
    keymap: &Keymap,
) -> Vec<Line<'static>> {
    let width = usize::from(width.max(20));
    if let Some(confirm) = &tab.confirm {
        let verb = if confirm.enable { "Enable" } else { "Disable" };
        let mut spans = vec![Span::styled(
            format!("{verb} {} on every node? ", inert(&confirm.name)),
            theme.warn,
        )];
        spans.extend(crate::tui::widgets::yes_no(keymap, theme));
        return vec![Line::from(spans)];
    }
    let Some(notice) = &tab.notice else {
        return Vec::new();
    };
    let style = notice.style(theme);
    let mut rows = wrap(&one_line(&notice.text(), usize::MAX), width);
    if rows.len() > NOTICE_ROWS {
        rows.truncate(NOTICE_ROWS);
        if let Some(last) = rows.last_mut() {
            *last = one_line(&format!("{last}…"), width.saturating_sub(1));
        }
    }
    rows.into_iter()
        .map(|row| Line::styled(row, style))
        .collect()
}

fn footer_lines(
    tab: &PluginsTab,
    width: u16,
    theme: &Theme,
    keymap: &Keymap,
) -> Vec<Line<'static>> {
    let mut out = notice_lines(tab, width, theme, keymap);
    if tab.confirm.is_some() {
        return out;
    }
    let width = usize::from(width.max(20));
    if let Some(plugin) = tab.selected_plugin() {
        let mut id = format!("{}  ", inert(&plugin.manifest.id));
        if plugin.version_differs() {
            let versions: Vec<String> = plugin
                .nodes
                .iter()
                .map(|n| format!("{} {}", inert(&n.node), inert(&n.version)))
                .collect();
            id.push_str(&format!("versions differ: {}", versions.join(", ")));
        }
        out.push(Line::styled(one_line(&id, width), theme.muted));
        for node in plugin.nodes.iter().filter(|n| !n.error.is_empty()) {
            out.push(Line::from(vec![
                Span::styled(format!("{}: ", inert(&node.node)), theme.label),
                Span::styled(inert(&node.error).into_owned(), theme.error),
            ]));
        }
    }
    out
}
