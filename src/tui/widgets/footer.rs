//! The footer: the keys of the view in focus, read from the same key tables that dispatch them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::keys::{Action, Binding, Focus, KeyCombo, Keymap, Scope};
use crate::tui::theme::Theme;

/// Hints of the focus' tables, then (past a plain view) the global ones and `1-5 tabs` from
/// `tab_keys`. `hint` is the view's label for a binding now (`None` leaves it out). Adjacent
/// bindings with the same hint share it (`e/w/i/d level`). A binding is shown with its first
/// key that no table before it takes (in a plugin's detail `q` closes, so quit is `Ctrl-C`).
pub fn render<'a>(
    keymap: &'a Keymap,
    focus: Focus,
    hint: impl Fn(&'a Binding) -> Option<&'a str>,
    tab_keys: Option<(String, String)>,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let mut spans = vec![Span::raw(" ")];
    // Keys the tables already gone through take: a later table's binding cannot have them.
    let mut taken: Vec<&KeyCombo> = Vec::new();
    let global = (!focus.is_modal()).then_some(Scope::Global);
    for scope in focus.scopes().chain(global) {
        let bindings = &keymap.table(scope).bindings;
        let visible: Vec<(&str, &KeyCombo)> = bindings
            .iter()
            .filter_map(|b| {
                let key = b.keys.iter().find(|k| !taken.contains(k))?;
                Some((hint(b)?, key))
            })
            .collect();
        let mut i = 0;
        while i < visible.len() {
            let (label, key) = visible[i];
            i += 1;
            let mut keys = key.to_string();
            while let Some((_, next)) = visible.get(i).filter(|(l, _)| *l == label) {
                keys.push('/');
                keys.push_str(&next.to_string());
                i += 1;
            }
            spans.push(Span::styled(keys, theme.key));
            spans.push(Span::styled(format!(" {label}  "), theme.muted));
        }
        taken.extend(bindings.iter().flat_map(|b| &b.keys));
    }
    if let Some((first, last)) = tab_keys {
        spans.push(Span::styled(format!("{first}-{last}"), theme.key));
        spans.push(Span::styled(" tabs  ", theme.muted));
    }
    buf.set_style(area, theme.base);
    Line::from(spans).render(area, buf);
}

/// The keys of the first and the last tab, for `1-5 tabs`.
pub fn tab_range(keymap: &Keymap, tab_actions: &[Action]) -> Option<(String, String)> {
    let global = keymap.table(Scope::Global);
    let key = |action: Option<&Action>| {
        action
            .and_then(|a| global.keys_for(*a).first())
            .map(ToString::to_string)
    };
    Some((key(tab_actions.first())?, key(tab_actions.last())?))
}
