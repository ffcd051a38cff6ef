//! A one-line text input with a cursor, for prompts (filter, search, `:goto`, file names).
//! Keys: characters insert; Backspace/Delete; ←/→, Home/End (Ctrl-A/Ctrl-E); Ctrl-U clears to
//! the start, Ctrl-K to the end, Ctrl-W deletes a word. Pasted text is taken as typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::text::inert;

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

    pub fn handle(&mut self, key: KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => Edit::Submit,
            KeyCode::Esc => Edit::Cancel,
            KeyCode::Char('c') if ctrl => Edit::Cancel,
            KeyCode::Char('u') if ctrl => {
                self.text.drain(..self.cursor);
                self.cursor = 0;
                Edit::Changed
            }
            KeyCode::Char('k') if ctrl => {
                self.text.truncate(self.cursor);
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let before = &self.text[..self.cursor];
                let trimmed = before.trim_end();
                let start = trimmed.rfind(' ').map(|i| i + 1).unwrap_or(0);
                self.text.drain(start..self.cursor);
                self.cursor = start;
                Edit::Changed
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.text.len();
                Edit::Moved
            }
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                let mut buf = [0u8; 4];
                self.insert_str(c.encode_utf8(&mut buf));
                Edit::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let start = self.prev_boundary();
                self.text.drain(start..self.cursor);
                self.cursor = start;
                Edit::Changed
            }
            KeyCode::Delete if self.cursor < self.text.len() => {
                let end = self.next_boundary();
                self.text.drain(self.cursor..end);
                Edit::Changed
            }
            KeyCode::Left => {
                self.cursor = self.prev_boundary();
                Edit::Moved
            }
            KeyCode::Right => {
                self.cursor = self.next_boundary();
                Edit::Moved
            }
            KeyCode::Home => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::End => {
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

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn editing() {
        let mut input = Input::default();
        for c in "héllo wörld".chars() {
            input.handle(key(KeyCode::Char(c)));
        }
        assert_eq!(input.text(), "héllo wörld");
        input.handle(key(KeyCode::Backspace));
        input.handle(key(KeyCode::Left));
        input.handle(key(KeyCode::Left));
        input.handle(key(KeyCode::Char('X')));
        assert_eq!(input.text(), "héllo wöXrl");
        input.handle(ctrl('w'));
        assert_eq!(input.text(), "héllo rl");
        input.handle(key(KeyCode::Home));
        input.handle(key(KeyCode::Delete));
        assert_eq!(input.text(), "éllo rl");
        input.handle(ctrl('k'));
        assert_eq!(input.text(), "");
        assert_eq!(input.handle(key(KeyCode::Enter)), Edit::Submit);
        assert_eq!(input.handle(key(KeyCode::Esc)), Edit::Cancel);
    }

    #[test]
    fn pasted_controls_are_dropped() {
        let mut input = Input::with_text("a");
        input.insert_str("b\n\x1b[31mc");
        assert_eq!(input.text(), "ab[31mc");
    }
}
