//! The footer: the keys of the view in focus, read from the same key tables that dispatch them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::tui::keys::{Action, Binding, Focus, KeyCombo, Keymap, Scope};
use crate::tui::theme::Theme;

/// One hint: its keys (`e/w/i/d`) and its label.
struct Hint {
    keys: String,
    label: String,
    /// Quit and help stay when the line is too narrow for every hint.
    kept: bool,
}

impl Hint {
    fn width(&self) -> usize {
        self.keys.width() + self.label.width() + 3
    }
}

/// Hints of the focus' tables, then (past a plain view) the global ones and `1-5 tabs` from
/// `tab_keys`. `hint` is the view's label for a binding now (`None` leaves it out). Adjacent
/// bindings with the same hint share it (`e/w/i/d level`). A binding is shown with its first
/// key that no table before it takes (in a plugin's detail `q` closes, so quit is `Ctrl-C`).
/// Hints that do not fit are left out whole, the last first, but never quit or help.
pub fn render<'a>(
    keymap: &'a Keymap,
    focus: Focus,
    hint: impl Fn(&'a Binding) -> Option<&'a str>,
    tab_keys: Option<(String, String)>,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let mut hints = hints(keymap, focus, hint);
    if let Some((first, last)) = tab_keys {
        hints.push(Hint {
            keys: format!("{first}-{last}"),
            label: "tabs".to_string(),
            kept: false,
        });
    }
    // One space before the first hint; the last one's two spaces after it may fall off.
    let room = usize::from(area.width) + 1;
    let mut used: usize = hints.iter().map(Hint::width).sum();
    while used > room {
        let Some(last) = hints.iter().rposition(|h| !h.kept) else {
            break;
        };
        used -= hints.remove(last).width();
    }
    let mut spans = vec![Span::raw(" ")];
    for hint in hints {
        spans.push(Span::styled(hint.keys, theme.key));
        spans.push(Span::styled(format!(" {}  ", hint.label), theme.muted));
    }
    buf.set_style(area, theme.base);
    Line::from(spans).render(area, buf);
}

fn hints<'a>(
    keymap: &'a Keymap,
    focus: Focus,
    hint: impl Fn(&'a Binding) -> Option<&'a str>,
) -> Vec<Hint> {
    let mut hints = Vec::new();
    // Keys the tables already gone through take: a later table's binding cannot have them.
    let mut taken: Vec<&KeyCombo> = Vec::new();
    let global = (!focus.is_modal()).then_some(Scope::Global);
    for scope in focus.scopes().chain(global) {
        let bindings = &keymap.table(scope).bindings;
        let visible: Vec<(&str, &KeyCombo, Action)> = bindings
            .iter()
            .filter_map(|b| {
                let key = b.keys.iter().find(|k| !taken.contains(k))?;
                Some((hint(b)?, key, b.action))
            })
            .collect();
        let mut i = 0;
        while i < visible.len() {
            let (label, key, action) = visible[i];
            i += 1;
            let mut keys = key.to_string();
            while let Some((_, next, _)) = visible.get(i).filter(|(l, _, _)| *l == label) {
                keys.push('/');
                keys.push_str(&next.to_string());
                i += 1;
            }
            hints.push(Hint {
                keys,
                label: label.to_string(),
                kept: scope == Scope::Global && matches!(action, Action::Quit | Action::Help),
            });
        }
        taken.extend(bindings.iter().flat_map(|b| &b.keys));
    }
    hints
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

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    use super::render;
    use crate::tui::keys::{Binding, Focus, Keymap, Scope};
    use crate::tui::theme::Theme;

    fn own_hint(binding: &Binding) -> Option<&str> {
        binding.hint.as_deref()
    }

    fn footer(scope: Scope, width: u16) -> String {
        let keymap = Keymap::default();
        let area = Rect::new(0, 0, width, 1);
        let mut buf = Buffer::empty(area);
        let tabs = Some(("1".to_string(), "5".to_string()));
        let theme = Theme::builtin("dark");
        render(
            &keymap,
            Focus::on(scope),
            own_hint,
            tabs,
            area,
            &mut buf,
            &theme,
        );
        let line: String = buf.content.iter().map(|cell| cell.symbol()).collect();
        line.trim_end().to_string()
    }

    #[test]
    fn a_wide_footer_shows_every_hint() {
        let line = footer(Scope::Invites, 200);
        assert!(
            line.contains("m members  q quit  ? help  p packet  1-5 tabs"),
            "{line}"
        );
    }

    #[test]
    fn a_narrow_footer_leaves_hints_out_whole_but_keeps_quit_and_help() {
        let line = footer(Scope::Invites, 60);
        assert!(line.ends_with("q quit  ? help"), "{line}");
        assert!(!line.contains("1-5") && !line.contains("packet"), "{line}");
        for word in line.split_whitespace() {
            assert!(!word.ends_with('…'), "{line}");
        }
        assert!(line.chars().count() <= 60, "{line}");
    }
}
