//! Widgets shared by the tabs: the tab bar, the footer of key hints, the status bar, the help
//! overlay, the scrollable panel page, text inputs and pickers.

pub mod footer;
pub mod help;
pub mod input;
pub mod panels;
pub mod picker;
pub mod status_bar;
pub mod tab_bar;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

use super::theme::Theme;

/// A tab's rounded frame with its title; returns the area inside it.
pub fn frame(area: Rect, buf: &mut Buffer, title: &str, focused: bool, theme: &Theme) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Span::styled(title.to_string(), theme.title));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// One message filling `area`, wrapped: what a tab says instead of its content.
pub fn message(area: Rect, buf: &mut Buffer, text: &str, style: Style) {
    Paragraph::new(Line::styled(text.to_string(), style))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A box of at most `width` x `height` in the middle of `area`, for dialogs over a tab.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
