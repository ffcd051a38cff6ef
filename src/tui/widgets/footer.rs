//! The footer: the keys of the current view, read from the same key tables that dispatch them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::keys::{Action, KeyTable};
use crate::tui::theme::Theme;

/// Hints from `tables` in order (the view's own keys first, then the global ones). When the
/// last table is the global one, the tab keys are summed up as `1-5 tabs`.
pub fn render(tables: &[&KeyTable], area: Rect, buf: &mut Buffer, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for table in tables {
        for binding in &table.bindings {
            let (Some(hint), Some(key)) = (binding.hint, binding.keys.first()) else {
                continue;
            };
            spans.push(Span::styled(key.to_string(), theme.key));
            spans.push(Span::styled(format!(" {hint}  "), theme.muted));
        }
    }
    if let Some(global) = tables.last() {
        let first = |a: Action| global.keys_for(a).first().map(ToString::to_string);
        if let (Some(first_tab), Some(last_tab)) =
            (first(Action::ShowServer), first(Action::ShowInvites))
            && tables.len() > 1
        {
            spans.push(Span::styled(format!("{first_tab}-{last_tab}"), theme.key));
            spans.push(Span::styled(" tabs  ", theme.muted));
        }
    }
    buf.set_style(area, theme.base);
    Line::from(spans).render(area, buf);
}
