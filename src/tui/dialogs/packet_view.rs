//! Drawing the support-packet dialog: a box over the console with the plan, the options, the
//! advice, the progress bar or the result. Paths and names from the server are made inert.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::packet::{Failure, Finished, Kind, PacketDialog, Progress, ServerChoices, Stage};
use crate::error::with_causes;
use crate::mm::ApiError;
use crate::packet::Prepared;
use crate::text::{inert, one_line, wrap};
use crate::timefmt::bytes;
use crate::tui::keys::{Action, Keymap, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::Ui;

/// How the dialog's text names its keys: from the keymap, so a moved key is named right.
struct Keys<'a>(&'a Keymap);

impl Keys<'_> {
    fn name(&self, action: Action) -> String {
        self.0.key_name(Scope::Packet, action)
    }
}

pub fn render(dialog: &mut PacketDialog, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
    let (theme, keys) = (ui.theme, Keys(ui.keymap));
    let rect = crate::tui::widgets::dialog_area(area, buf, (96, u16::MAX), 3);
    let title = match dialog.kind {
        Kind::Built if dialog.has_capture() => " Support packet with the capture · built by mmops ",
        Kind::Built => " Support packet · built by mmops ",
        Kind::Server => " Support packet · built by the server ",
    };
    let block = crate::tui::widgets::dialog_block(title, theme);
    let inner = block.inner(rect);
    let width = usize::from(inner.width.max(10));
    let lines = lines(dialog, width, theme, &keys);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max_scroll = total.saturating_sub(inner.height);
    dialog.scroll = dialog.scroll.min(max_scroll);
    let block = if dialog.scroll < max_scroll {
        let scroll = format!(
            " ↓ more: {}/{} scroll ",
            keys.name(Action::Down),
            keys.name(Action::Up)
        );
        block.title_bottom(Span::styled(scroll, theme.muted))
    } else {
        block
    };
    Paragraph::new(lines)
        .style(theme.base)
        .block(block)
        .scroll((dialog.scroll, 0))
        .render(rect, buf);
}

/// Why no packet was made, in words.
fn failure_text(failure: &Failure, keys: &Keys<'_>) -> String {
    match failure {
        Failure::NotWritten { dir, error } => format!(
            "the support packet was not written in {}: {}",
            dir.display(),
            with_causes(error)
        ),
        Failure::Refused(error) => {
            let advice = match error.api() {
                Some(ApiError::NoLicense { .. }) => format!(
                    "\n\nPress {} for the packet mmops builds itself: it needs no licence.",
                    keys.name(Action::Packet)
                ),
                Some(ApiError::Forbidden { .. }) => format!(
                    "\n\nPress {} for the packet mmops builds itself from what this account \
                     can read.",
                    keys.name(Action::Packet)
                ),
                _ => String::new(),
            };
            format!("{error}{advice}")
        }
        Failure::Other(error) => with_causes(error),
    }
}

fn lines(
    dialog: &PacketDialog,
    width: usize,
    theme: &Theme,
    keys: &Keys<'_>,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match &dialog.stage {
        Stage::Collecting => {
            let what = match dialog.kind {
                Kind::Built => {
                    "Collecting: the server's facts, plugins and config, and the logs' sizes…"
                }
                Kind::Server => {
                    "Checking the server's licence and the plugins that offer a packet…"
                }
            };
            push_wrapped(&mut out, what, width, theme.muted);
        }
        Stage::ReadyBuilt { prepared, .. } => {
            built_plan(&mut out, dialog, prepared, width, theme, keys)
        }
        Stage::ReadyServer(choices) => server_plan(&mut out, dialog, choices, width, theme, keys),
        Stage::Working { progress, name } => working(&mut out, name, progress, width, theme, keys),
        Stage::Done(finished) => done(&mut out, finished, width, theme, keys),
        Stage::Failed(failure) => {
            out.push(Line::styled("Not written", theme.error));
            out.push(Line::raw(""));
            for paragraph in failure_text(failure, keys).split('\n') {
                push_wrapped(&mut out, &inert(paragraph), width, theme.base);
            }
            out.push(Line::raw(""));
            out.push(keys_line(
                &[
                    (keys.name(Action::Open), "try again"),
                    (keys.name(Action::Close), "close"),
                ],
                theme,
            ));
        }
    }
    out
}

fn push_wrapped(out: &mut Vec<Line<'static>>, text: &str, width: usize, style: Style) {
    if text.is_empty() {
        out.push(Line::raw(""));
        return;
    }
    for piece in wrap(text, width) {
        out.push(Line::styled(piece, style));
    }
}

fn keys_line(keys: &[(String, &str)], theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("  ·  ", theme.muted));
        }
        spans.push(Span::styled(key.clone(), theme.key));
        spans.push(Span::styled(format!(" {what}"), theme.base));
    }
    Line::from(spans)
}

fn checkbox(on: bool) -> &'static str {
    if on { "[x]" } else { "[ ]" }
}

/// `[x] l text`, the text wrapped under itself.
fn option_line(
    out: &mut Vec<Line<'static>>,
    on: bool,
    key: &str,
    text: &str,
    width: usize,
    theme: &Theme,
) {
    let indent = 6 + key.chars().count();
    for (i, piece) in wrap(text, width.saturating_sub(indent).max(10))
        .into_iter()
        .enumerate()
    {
        if i == 0 {
            out.push(Line::from(vec![
                Span::styled(format!("{} ", checkbox(on)), theme.value),
                Span::styled(key.to_string(), theme.key),
                Span::styled(format!("  {piece}"), theme.base),
            ]));
        } else {
            out.push(Line::styled(
                format!("{}{piece}", " ".repeat(indent)),
                theme.base,
            ));
        }
    }
}

fn where_line(out: &mut Vec<Line<'static>>, label: &str, value: &str, width: usize, theme: &Theme) {
    let value = one_line(&inert(value), width.saturating_sub(label.len() + 1));
    out.push(Line::from(vec![
        Span::styled(format!("{label} "), theme.label),
        Span::styled(value, theme.value),
    ]));
}

fn built_plan(
    out: &mut Vec<Line<'static>>,
    dialog: &PacketDialog,
    prepared: &Prepared,
    width: usize,
    theme: &Theme,
    keys: &Keys<'_>,
) {
    where_line(out, "File  ", &prepared.file_name, width, theme);
    where_line(
        out,
        "Into  ",
        &dialog.dir.display().to_string(),
        width,
        theme,
    );
    out.push(Line::raw(""));
    let plan = prepared.plan();
    let name_width = plan
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 32);
    out.push(Line::styled(
        format!("{:<name_width$}  {:>9}  From", "What goes in", "Size"),
        theme.label,
    ));
    for file in &plan {
        // Exact sizes of the small files say nothing an admin needs (and metadata.yaml's
        // changes with the mmops build).
        let size = match file.size {
            None => "on write".to_string(),
            Some(size) if size < 1024 => "< 1 KB".to_string(),
            Some(size) => bytes(size),
        };
        let used = name_width + 2 + 9 + 2;
        out.push(Line::from(vec![
            Span::styled(
                format!("{:<name_width$}", one_line(&inert(&file.name), name_width)),
                theme.value,
            ),
            Span::styled(format!("  {size:>9}  "), theme.base),
            Span::styled(
                one_line(&inert(&file.source), width.saturating_sub(used)),
                theme.muted,
            ),
        ]));
    }
    out.push(Line::styled(
        format!(
            "{:<name_width$}  {:>9}  before compression",
            "",
            bytes(prepared.total_bytes())
        ),
        theme.muted,
    ));
    out.push(Line::raw(""));
    option_line(
        out,
        dialog.options.include_logs,
        &keys.name(Action::ToggleLogs),
        "include the logs",
        width,
        theme,
    );
    option_line(
        out,
        dialog.options.privacy,
        &keys.name(Action::TogglePrivacy),
        "privacy mode: stable pseudonyms for emails, IP addresses, usernames and user ids in the logs",
        width,
        theme,
    );
    if let Some(advice) = &prepared.advice {
        out.push(Line::raw(""));
        push_wrapped(out, &format!("Advice: {advice}"), width, theme.warn);
    }
    if !prepared.warnings.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!(
                "Not collected ({}; written to warning.txt):",
                prepared.warnings.len()
            ),
            theme.label,
        ));
        for warning in &prepared.warnings {
            push_wrapped(out, &format!("· {}", inert(warning)), width, theme.muted);
        }
    }
}

fn server_plan(
    out: &mut Vec<Line<'static>>,
    dialog: &PacketDialog,
    choices: &ServerChoices,
    width: usize,
    theme: &Theme,
    keys: &Keys<'_>,
) {
    push_wrapped(
        out,
        "The server builds this packet itself (GET /api/v4/system/support_packet): it takes at \
         least 5 seconds (a CPU profile) and needs a licence and the manage_system permission. \
         The zip is saved as the server built it, under the name it gives (made safe for a \
         file name, with -2 when that name is taken).",
        width,
        theme.base,
    );
    where_line(
        out,
        "Into  ",
        &dialog.dir.display().to_string(),
        width,
        theme,
    );
    out.push(Line::raw(""));
    if choices.info.licensed == Some(false) {
        push_wrapped(
            out,
            &format!(
                "This server has no licence, so it will not build its packet. Press {} for the \
                 packet mmops builds itself: it needs no licence.",
                keys.name(Action::Packet)
            ),
            width,
            theme.warn,
        );
        out.push(Line::raw(""));
        out.push(keys_line(
            &[
                (keys.name(Action::Packet), "mmops' packet"),
                (keys.name(Action::Close), "close"),
            ],
            theme,
        ));
        return;
    }
    option_line(
        out,
        choices.include_logs,
        &keys.name(Action::ToggleLogs),
        "include the server's logs",
        width,
        theme,
    );
    out.push(Line::raw(""));
    if choices.info.plugin_packets.is_empty() {
        out.push(Line::styled(
            "No enabled plugin offers a packet of its own.",
            theme.muted,
        ));
    } else {
        out.push(Line::styled(
            format!(
                "Plugin packets ({}/{} select, {} toggles):",
                keys.name(Action::Down),
                keys.name(Action::Up),
                keys.name(Action::TogglePlugin)
            ),
            theme.label,
        ));
        for (i, ((id, what), on)) in choices
            .info
            .plugin_packets
            .iter()
            .zip(&choices.plugins)
            .enumerate()
        {
            let style = if i == choices.cursor {
                theme.selection
            } else {
                theme.base
            };
            let text = format!("{} {}: {}", checkbox(*on), inert(id), inert(what));
            out.push(Line::styled(one_line(&text, width), style));
        }
    }
}

fn working(
    out: &mut Vec<Line<'static>>,
    name: &str,
    progress: &Progress,
    width: usize,
    theme: &Theme,
    keys: &Keys<'_>,
) {
    let verb = if progress.cancelling {
        "Cancelling"
    } else {
        "Writing"
    };
    push_wrapped(out, &format!("{verb} {}", inert(name)), width, theme.value);
    out.push(Line::raw(""));
    let done = progress.done_bytes();
    match progress.total_bytes() {
        Some(total) => {
            let fraction = (done as f64 / total as f64).clamp(0.0, 1.0);
            let bar_width = width.saturating_sub(8).max(4);
            let filled = ((bar_width as f64) * fraction).round() as usize;
            out.push(Line::from(vec![
                Span::styled("█".repeat(filled), theme.accent),
                Span::styled("░".repeat(bar_width - filled), theme.muted),
                Span::styled(format!(" {:>3.0}%", fraction * 100.0), theme.value),
            ]));
            let left = progress
                .seconds_left()
                .map(|s| format!(" · about {s} s left"))
                .unwrap_or_default();
            out.push(Line::styled(
                format!("{} of {}{left}", bytes(done), bytes(total)),
                theme.base,
            ));
        }
        None => out.push(Line::styled(
            format!(
                "{} received · {} s",
                bytes(done),
                progress.started.elapsed().as_secs()
            ),
            theme.base,
        )),
    }
    out.push(Line::raw(""));
    out.push(keys_line(
        &[(keys.name(Action::Close), "cancel: nothing is kept")],
        theme,
    ));
}

fn done(
    out: &mut Vec<Line<'static>>,
    finished: &Finished,
    width: usize,
    theme: &Theme,
    keys: &Keys<'_>,
) {
    out.push(Line::styled("Written", theme.ok));
    push_wrapped(
        out,
        &inert(&finished.path.display().to_string()),
        width,
        theme.value,
    );
    out.push(Line::styled(
        format!(
            "{} compressed, {} files:",
            bytes(finished.size),
            finished.entries.len()
        ),
        theme.base,
    ));
    for (name, size) in &finished.entries {
        out.push(Line::from(vec![
            Span::styled(format!("  {:>10}  ", bytes(*size)), theme.muted),
            Span::styled(one_line(&inert(name), width.saturating_sub(14)), theme.base),
        ]));
    }
    for note in &finished.notes {
        push_wrapped(out, note, width, theme.muted);
    }
    out.push(Line::raw(""));
    let close = format!(
        "{} or {}",
        keys.name(Action::Open),
        keys.name(Action::Close)
    );
    out.push(keys_line(&[(close, "close")], theme));
}
