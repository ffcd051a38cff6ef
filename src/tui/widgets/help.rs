//! The `?` overlay: every key of every view, with its description, from the live key tables.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget};

use crate::tui::keys::{Action, Focus, Keymap, Scope};
use crate::tui::theme::Theme;

/// Columns of the keys before each description.
const KEYS_WIDTH: usize = 20;

/// The help text, one binding per line (a long description wrapped under itself to `width`
/// columns), grouped by where the keys apply: the focus' tables first, then the global one,
/// then every other.
pub fn lines(keymap: &Keymap, focus: Focus, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut first: Vec<Scope> = focus.scopes().collect();
    first.push(Scope::Global);
    let rest = Scope::all()
        .iter()
        .copied()
        .filter(|s| !first.contains(s) && *s != Scope::Help);
    let order: Vec<Scope> = first.iter().copied().chain(rest).collect();
    let mut out = Vec::new();
    for scope in order {
        let table = keymap.table(scope);
        out.push(Line::from(Span::styled(
            scope.title().to_string(),
            theme.title,
        )));
        if table.bindings.is_empty() {
            out.push(Line::from(Span::styled(
                "  (no keys of its own yet)",
                theme.muted,
            )));
        }
        for binding in &table.bindings {
            let keys = binding
                .keys
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let room = width.saturating_sub(KEYS_WIDTH).max(20);
            let mut description =
                crate::text::wrap(&crate::text::inert(&binding.description), room).into_iter();
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<w$}", w = KEYS_WIDTH - 2), theme.key),
                Span::styled(description.next().unwrap_or_default(), theme.base),
            ]));
            for more in description {
                out.push(Line::from(vec![
                    Span::raw(" ".repeat(KEYS_WIDTH)),
                    Span::styled(more, theme.base),
                ]));
            }
        }
        out.push(Line::raw(""));
    }
    out
}

/// The columns inside the overlay's box, for [`lines`].
pub fn inner_width(area: Rect) -> usize {
    usize::from(area_for(area).width.saturating_sub(2))
}

/// The overlay's box inside `area`: most of the screen, leaving the chrome visible.
pub fn area_for(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(76).max(area.width.min(30));
    let height = area.height.saturating_sub(2);
    Rect::new(area.x + (area.width - width) / 2, area.y + 1, width, height)
}

/// Draws the overlay scrolled by `scroll` lines; returns the number of lines it holds.
pub fn render(
    lines: Vec<Line<'static>>,
    area: Rect,
    buf: &mut Buffer,
    scroll: u16,
    theme: &Theme,
    keymap: &Keymap,
) -> u16 {
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = area_for(area);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(
            format!(
                " Keys · {} closes · {}/{} scroll ",
                keymap.key_name(Scope::Help, Action::Close),
                keymap.key_name(Scope::Help, Action::Down),
                keymap.key_name(Scope::Help, Action::Up)
            ),
            theme.title,
        ));
    Paragraph::new(lines)
        .style(theme.base)
        .block(block)
        .scroll((scroll, 0))
        .render(rect, buf);
    total
}
