//! The selection and scroll of a list drawn a window at a time.

use crate::tui::keys::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// The first row drawn.
    pub offset: usize,
    /// Rows on screen at the last draw, for paging.
    pub rows: usize,
}

impl Default for ListState {
    fn default() -> Self {
        Self {
            selected: 0,
            offset: 0,
            rows: 10,
        }
    }
}

impl ListState {
    /// Moves the selection among `len` rows; false when `action` is not a movement.
    pub fn apply(&mut self, action: Action, len: usize) -> bool {
        let moves = matches!(
            action,
            Action::Down
                | Action::Up
                | Action::PageDown
                | Action::PageUp
                | Action::Top
                | Action::Bottom
        );
        if moves {
            self.selected = action.select(self.selected, len, self.rows);
        }
        moves
    }

    /// Keeps the selection inside `len` rows.
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    pub fn reset(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }

    /// Called when drawing `rows` rows: the window follows the selection.
    pub fn fit(&mut self, rows: usize) {
        self.rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if rows > 0 && self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_selection() {
        let mut list = ListState::default();
        list.fit(5);
        assert!(list.apply(Action::Bottom, 20));
        list.fit(5);
        assert_eq!((list.selected, list.offset), (19, 15));
        assert!(list.apply(Action::PageUp, 20));
        list.fit(5);
        assert_eq!((list.selected, list.offset), (14, 14));
        assert!(!list.apply(Action::Open, 20));
        list.clamp(3);
        assert_eq!(list.selected, 2);
    }
}
