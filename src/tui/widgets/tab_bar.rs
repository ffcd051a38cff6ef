//! The top line: the product name and the tabs, the active one marked by style and by brackets
//! so it is visible without colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::theme::Theme;

pub fn render(titles: &[&str], active: usize, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let mut spans = vec![
        Span::styled(" mmops ", theme.title),
        Span::styled("│", theme.border),
    ];
    for (index, title) in titles.iter().enumerate() {
        let label = format!("{} {title}", index + 1);
        if index == active {
            spans.push(Span::styled(format!("[{label}]"), theme.tab_active));
        } else {
            spans.push(Span::styled(format!(" {label} "), theme.tab_inactive));
        }
    }
    buf.set_style(area, theme.base);
    Line::from(spans).render(area, buf);
}
