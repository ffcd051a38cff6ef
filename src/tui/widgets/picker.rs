//! A list to choose one item from, narrowed by typing (the Invites tab's team pickers).
//! Typed text keeps the items whose label or detail contains it, case-insensitively; the
//! `[prompt]` keys move (↑/↓, PgUp/PgDn), choose (Enter) and cancel (Esc).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use super::input::{Edit, Input};
use crate::text::fit;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    /// What the caller gets back.
    pub key: String,
    pub label: String,
    /// Shown after the label, muted.
    pub detail: String,
}

/// What a key did to the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Chosen(String),
    Cancelled,
    Open,
}

#[derive(Debug, Clone, Default)]
pub struct Picker {
    items: Vec<PickItem>,
    /// Lower-cased `label detail` of each item.
    haystacks: Vec<String>,
    input: Input,
    /// Indices of the items shown.
    shown: Vec<usize>,
    selected: usize,
    offset: usize,
}

impl Picker {
    pub fn new(items: Vec<PickItem>) -> Self {
        let haystacks = items
            .iter()
            .map(|i| format!("{} {}", i.label, i.detail).to_lowercase())
            .collect();
        let mut picker = Self {
            items,
            haystacks,
            ..Self::default()
        };
        picker.narrow();
        picker
    }

    /// Selects the item with `key`, when it is shown.
    pub fn select_key(&mut self, key: &str) {
        if let Some(i) = self.shown.iter().position(|i| self.items[*i].key == key) {
            self.selected = i;
        }
    }

    pub fn selected(&self) -> Option<&PickItem> {
        self.shown.get(self.selected).map(|i| &self.items[*i])
    }

    pub fn typed(&self) -> &str {
        self.input.text()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn shown_len(&self) -> usize {
        self.shown.len()
    }

    fn narrow(&mut self) {
        let typed = self.input.text().trim().to_lowercase();
        self.shown = (0..self.items.len())
            .filter(|i| typed.is_empty() || self.haystacks[*i].contains(&typed))
            .collect();
        self.selected = 0;
        self.offset = 0;
    }

    /// Typed or pasted text narrows the list.
    pub fn type_text(&mut self, text: &str) {
        self.input.insert_str(text);
        self.narrow();
    }

    pub fn apply(&mut self, action: Action) -> Pick {
        let last = self.shown.len().saturating_sub(1);
        match action {
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + 8).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(8),
            _ => match self.input.apply(action) {
                Edit::Submit => {
                    return match self.selected() {
                        Some(item) => Pick::Chosen(item.key.clone()),
                        None => Pick::Open,
                    };
                }
                Edit::Cancel => return Pick::Cancelled,
                Edit::Changed => self.narrow(),
                Edit::Moved | Edit::Ignored => {}
            },
        }
        Pick::Open
    }

    /// The typed text on the first line, the items under it; the selected one reversed.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme, focused: bool) {
        if area.height == 0 {
            return;
        }
        let first = Rect { height: 1, ..area };
        if focused {
            self.input
                .render("type to narrow: ", first, buf, theme.muted, theme.base);
        } else {
            Line::styled(
                format!("{} of {}", self.shown.len(), self.items.len()),
                theme.muted,
            )
            .render(first, buf);
        }
        let rows = usize::from(area.height.saturating_sub(1));
        if rows == 0 {
            return;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        let width = usize::from(area.width);
        for (row, index) in self.shown.iter().skip(self.offset).take(rows).enumerate() {
            let item = &self.items[*index];
            let selected = self.offset + row == self.selected;
            let label_width =
                UnicodeWidthStr::width(item.label.as_str()).min(width.saturating_sub(2));
            let label = fit(&item.label, label_width);
            let detail = fit(&item.detail, width.saturating_sub(label_width + 3));
            let (marker, style) = if selected {
                ("▸ ", theme.selection)
            } else {
                ("  ", theme.base)
            };
            let line = Line::from(vec![
                Span::styled(marker, style),
                Span::styled(label, style),
                Span::styled(" ", style),
                Span::styled(detail, if selected { style } else { theme.muted }),
            ]);
            line.render(
                Rect {
                    y: area.y + 1 + row as u16,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
        if self.shown.is_empty() {
            Line::styled("  nothing matches", theme.muted).render(
                Rect {
                    y: area.y + 1,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, label: &str) -> PickItem {
        PickItem {
            key: key.into(),
            label: label.into(),
            detail: format!("{label} team"),
        }
    }

    #[test]
    fn typing_narrows_and_enter_chooses() {
        let mut picker = Picker::new(vec![
            item("1", "engineering"),
            item("2", "sales"),
            item("3", "support"),
        ]);
        assert_eq!(picker.shown_len(), 3);
        picker.type_text("S");
        assert_eq!(picker.shown_len(), 2);
        picker.apply(Action::Down);
        assert_eq!(picker.apply(Action::Submit), Pick::Chosen("3".into()));
        picker.type_text("z");
        assert_eq!(picker.shown_len(), 0);
        assert_eq!(picker.apply(Action::Submit), Pick::Open);
        assert_eq!(picker.apply(Action::Close), Pick::Cancelled);
    }

    #[test]
    fn a_key_can_be_preselected() {
        let mut picker = Picker::new(vec![item("1", "a"), item("2", "b")]);
        picker.select_key("2");
        assert_eq!(picker.selected().map(|i| i.key.as_str()), Some("2"));
    }
}
