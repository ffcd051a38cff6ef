//! The footer: the keys of the current view, read from the same key tables that dispatch them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::keys::{Action, KeyTable};
use crate::tui::theme::Theme;

/// Hints from `tables` in order (the view's own keys first, then the global ones). Adjacent
/// bindings with the same hint share it (`e/w/i/d level`). When the last table is the global
/// one, the tab keys are summed up as `1-5 tabs`.
pub fn render(tables: &[&KeyTable], area: Rect, buf: &mut Buffer, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for table in tables {
        let mut i = 0;
        while i < table.bindings.len() {
            let binding = &table.bindings[i];
            i += 1;
            let (Some(hint), Some(key)) = (binding.hint, binding.keys.first()) else {
                continue;
            };
            let mut keys = key.to_string();
            while let Some(next) = table.bindings.get(i).filter(|b| b.hint == Some(hint)) {
                if let Some(key) = next.keys.first() {
                    keys.push('/');
                    keys.push_str(&key.to_string());
                }
                i += 1;
            }
            spans.push(Span::styled(keys, theme.key));
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
