//! A one-line text input with a cursor, for prompts (filter, search, `:goto`, file names).
//! Typed and pasted characters insert; the editing keys are the keymap's `[prompt]` actions
//! (by default Backspace/Delete, ←/→, Home/End or Ctrl-A/Ctrl-E, Ctrl-U to the start, Ctrl-K
//! to the end, Ctrl-W a word).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::text::inert;
use crate::tui::keys::Action;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    /// Cursor position as a byte offset, always on a character boundary.
    cursor: usize,
}

/// What a key did to the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Moved,
    Submit,
    Cancel,
    Ignored,
}

impl Input {
    pub fn with_text(text: &str) -> Self {
        Self {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn insert_str(&mut self, text: &str) {
        // Control characters (a pasted newline, an escape) never enter a prompt.
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
            .unwrap_or(self.cursor)
    }

    /// Typed or pasted text.
    pub fn type_text(&mut self, text: &str) -> Edit {
        self.insert_str(text);
        Edit::Changed
    }

    /// An action of the `[prompt]` keys.
    pub fn apply(&mut self, action: Action) -> Edit {
        match action {
            Action::Submit => Edit::Submit,
            Action::Close => Edit::Cancel,
            Action::ClearBefore => {
                self.text.drain(..self.cursor);
                self.cursor = 0;
                Edit::Changed
            }
            Action::ClearAfter => {
                self.text.truncate(self.cursor);
                Edit::Changed
            }
            Action::DeleteWord => {
                let before = &self.text[..self.cursor];
                let trimmed = before.trim_end();
                let start = trimmed.rfind(' ').map(|i| i + 1).unwrap_or(0);
                self.text.drain(start..self.cursor);
                self.cursor = start;
                Edit::Changed
            }
            Action::DeleteBack if self.cursor > 0 => {
                let start = self.prev_boundary();
                self.text.drain(start..self.cursor);
                self.cursor = start;
                Edit::Changed
            }
            Action::DeleteForward if self.cursor < self.text.len() => {
                let end = self.next_boundary();
                self.text.drain(self.cursor..end);
                Edit::Changed
            }
            Action::CursorLeft => {
                self.cursor = self.prev_boundary();
                Edit::Moved
            }
            Action::CursorRight => {
                self.cursor = self.next_boundary();
                Edit::Moved
            }
            Action::LineStart => {
                self.cursor = 0;
                Edit::Moved
            }
            Action::LineEnd => {
                self.cursor = self.text.len();
                Edit::Moved
            }
            _ => Edit::Ignored,
        }
    }

    /// Draws `label` and the text on one line, with the cursor shown as a reversed cell.
    pub fn render(
        &self,
        label: &str,
        area: Rect,
        buf: &mut Buffer,
        label_style: Style,
        style: Style,
    ) {
        let (before, rest) = self.text.split_at(self.cursor);
        let mut chars = rest.chars();
        let at = chars
            .next()
            .map(String::from)
            .unwrap_or_else(|| " ".to_string());
        let after = inert(chars.as_str()).into_owned();
        let room = (area.width as usize).saturating_sub(label.width() + 2);
        // Keep the cursor in view: drop text from the left when the line is too long.
        let mut before = inert(before).into_owned();
        while before.width() > room.saturating_sub(1) && !before.is_empty() {
            before.remove(0);
        }
        let line = Line::from(vec![
            Span::styled(label.to_string(), label_style),
            Span::styled(before, style),
            Span::styled(
                inert(&at).into_owned(),
                style.add_modifier(ratatui::style::Modifier::REVERSED),
            ),
            Span::styled(after, style),
        ]);
        buf.set_style(area, style);
        line.render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing() {
        let mut input = Input::default();
        input.type_text("héllo wörld");
        assert_eq!(input.text(), "héllo wörld");
        input.apply(Action::DeleteBack);
        input.apply(Action::CursorLeft);
        input.apply(Action::CursorLeft);
        input.type_text("X");
        assert_eq!(input.text(), "héllo wöXrl");
        input.apply(Action::DeleteWord);
        assert_eq!(input.text(), "héllo rl");
        input.apply(Action::LineStart);
        input.apply(Action::DeleteForward);
        assert_eq!(input.text(), "éllo rl");
        input.apply(Action::ClearAfter);
        assert_eq!(input.text(), "");
        assert_eq!(input.apply(Action::Submit), Edit::Submit);
        assert_eq!(input.apply(Action::Close), Edit::Cancel);
        assert_eq!(input.apply(Action::Down), Edit::Ignored);
    }

    #[test]
    fn pasted_controls_are_dropped() {
        let mut input = Input::with_text("a");
        input.insert_str("b\n\x1b[31mc");
        assert_eq!(input.text(), "ab[31mc");
    }
}
