//! One plugin in full: what it is, where it runs, its settings schema with the current values
//! (secrets masked by the sanitizer), and the recent log entries that mention it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};
use serde_json::Value;

use super::PluginsTab;
use crate::mm::ApiError;
use crate::plugins::Plugin;
use crate::plugins::manifest::Setting;
use crate::text::{inert, one_line, wrap};
use crate::tui::keys::{Action, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::Ui;

const LABEL: usize = 14;

pub fn render(tab: &mut PluginsTab, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let theme = ui.theme;
    let Some(plugin) = tab.detail_plugin() else {
        return;
    };
    let key = |action| ui.keymap.key_name(Scope::PluginDetail, action);
    let title = format!(
        " {} · {} closes · {}/{} enable/disable ",
        one_line(&inert(&plugin.manifest.name), 40),
        key(Action::Close),
        key(Action::EnablePlugin),
        key(Action::DisablePlugin)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    let config = tab.inventory().map(|inv| &inv.config);
    let detail = tab.detail.as_ref();
    let mentions = detail.map(|d| d.mentions.as_slice()).unwrap_or_default();
    let logs_loaded = detail.is_some_and(|d| d.logs_loaded);
    let logs_key = ui.keymap.key_name(Scope::Global, Action::TabLogs);
    let lines = lines(
        plugin,
        config,
        (mentions, logs_loaded, &logs_key),
        usize::from(inner.width),
        theme,
    );
    let max = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(inner.height);
    let scroll = match tab.detail.as_mut() {
        Some(d) => {
            d.scroll = d.scroll.min(max);
            d.scroll
        }
        None => 0,
    };
    Paragraph::new(lines)
        .style(theme.base)
        .block(block)
        .scroll((scroll, 0))
        .render(area, buf);
}

fn row(theme: &Theme, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), theme.label),
        Span::styled(value, theme.value),
    ])
}

fn heading(out: &mut Vec<Line<'static>>, text: &str, theme: &Theme) {
    out.push(Line::raw(""));
    out.push(Line::styled(text.to_string(), theme.title));
}

fn show_value(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The plugin's lines. `logs`: the log lines that mention it, whether the Logs tab held any,
/// and the key that shows the Logs tab.
pub fn lines(
    plugin: &Plugin,
    config: Option<&Result<Value, ApiError>>,
    logs: (&[String], bool, &str),
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (mentions, logs_loaded, logs_key) = logs;
    let m = &plugin.manifest;
    let width = width.max(30);
    let text_width = width.saturating_sub(LABEL);
    let mut out = Vec::new();
    out.push(row(theme, "Id", inert(&m.id).into_owned()));
    out.push(row(
        theme,
        "Version",
        m.version
            .as_deref()
            .map(|v| inert(v).into_owned())
            .unwrap_or_else(|| "not given (an old manifest)".into()),
    ));
    out.push(row(
        theme,
        "Enabled",
        if plugin.enabled { "yes" } else { "no" }.into(),
    ));
    for (i, piece) in wrap(&inert(&m.description), text_width)
        .into_iter()
        .enumerate()
    {
        out.push(row(theme, if i == 0 { "Description" } else { "" }, piece));
    }
    for (label, url) in [
        ("Homepage", &m.homepage_url),
        ("Support", &m.support_url),
        ("Release notes", &m.release_notes_url),
    ] {
        if let Some(url) = url {
            out.push(row(theme, label, one_line(&inert(url), text_width)));
        }
    }
    if let Some(min) = &m.min_server_version {
        out.push(row(theme, "Min server", inert(min).into_owned()));
    }

    heading(&mut out, "Where it runs", theme);
    if plugin.nodes.is_empty() {
        out.push(Line::styled(
            "No per-node state (not served here, or the plugin is not loaded).",
            theme.muted,
        ));
    }
    for node in &plugin.nodes {
        let version = if node.version.is_empty() {
            String::new()
        } else {
            format!("  v{}", inert(&node.version))
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("{:<LABEL$}", one_line(&inert(&node.node), LABEL - 1)),
                theme.label,
            ),
            Span::styled(
                node.state.label(),
                if node.state.is_failure() {
                    theme.error
                } else {
                    theme.value
                },
            ),
            Span::styled(version, theme.muted),
        ]));
        if !node.error.is_empty() {
            for piece in wrap(&inert(&node.error), text_width) {
                out.push(Line::styled(format!("{:LABEL$}{piece}", ""), theme.error));
            }
        }
    }
    if m.executables.is_empty() {
        out.push(row(theme, "Server part", "none (webapp only)".into()));
    }
    for (platform, path) in &m.executables {
        let legacy = if m.server_key == Some("backend") {
            "  (legacy \"backend\")"
        } else {
            ""
        };
        out.push(row(
            theme,
            "Executable",
            one_line(
                &format!("{}: {}{legacy}", inert(platform), inert(path)),
                text_width,
            ),
        ));
    }
    out.push(row(
        theme,
        "Webapp",
        m.webapp_bundle
            .as_deref()
            .map(|b| one_line(&inert(b), text_width))
            .unwrap_or_else(|| "none".into()),
    ));

    heading(&mut out, "Settings", theme);
    let config = match config {
        Some(Ok(config)) => Some(config),
        Some(Err(why)) => {
            out.push(Line::styled(
                one_line(&format!("Values unknown: {why}"), width),
                theme.warn,
            ));
            None
        }
        None => None,
    };
    if !m.settings_header.is_empty() {
        for piece in wrap(&inert(&m.settings_header), width) {
            out.push(Line::styled(piece, theme.muted));
        }
    }
    let mut section = None;
    let mut any = false;
    for (title, setting) in m.all_settings() {
        any = true;
        if title != section {
            section = title;
            if let Some(title) = title {
                out.push(Line::styled(format!("[{}]", inert(title)), theme.label));
            }
        }
        out.push(setting_line(plugin, setting, config, width, theme));
    }
    if !any {
        out.push(Line::styled("This plugin has no settings.", theme.muted));
    }

    heading(&mut out, "Recent log entries that mention it", theme);
    if !logs_loaded {
        out.push(Line::styled(
            format!("The Logs tab has not loaded any entries yet (press {logs_key} to start it)."),
            theme.muted,
        ));
    } else if mentions.is_empty() {
        out.push(Line::styled(
            "None among the entries the Logs tab holds.",
            theme.muted,
        ));
    }
    for mention in mentions {
        out.push(Line::styled(one_line(mention, width), theme.base));
    }
    out
}

fn setting_line(
    plugin: &Plugin,
    setting: &Setting,
    config: Option<&Value>,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let current = config.and_then(|c| plugin.setting_value(c, &setting.key));
    let (value, style) = match (current, &setting.default) {
        (Some(v), _) => (show_value(v), theme.value),
        (None, Some(default)) => (format!("{} (default)", show_value(default)), theme.muted),
        (None, None) => ("not set".to_string(), theme.muted),
    };
    let mut marks = String::new();
    if setting.secret {
        marks.push_str("  secret");
    }
    let name = format!(
        "  {} ({})",
        inert(&setting.display_name),
        inert(&setting.kind)
    );
    let name_width = (width / 2).max(20);
    Line::from(vec![
        Span::styled(
            format!("{:<name_width$} ", one_line(&name, name_width)),
            theme.base,
        ),
        Span::styled(
            one_line(&inert(&value), width.saturating_sub(name_width + 10)),
            style,
        ),
        Span::styled(marks, theme.warn),
    ])
}
