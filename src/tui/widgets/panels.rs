//! A scrollable page of bordered panels, in two columns when the terminal is wide enough and
//! in one otherwise. The page is laid out at its full height, then the visible window is
//! copied to the screen, so scrolling works the same in both layouts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use crate::tui::theme::Theme;

/// Below this width the panels stack in one column.
/// (A build hash and a licence warning need about 58 columns per panel.)
pub const TWO_COLUMN_MIN_WIDTH: u16 = 118;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Left,
    Right,
    Full,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub lines: Vec<Line<'static>>,
    pub placement: Placement,
}

impl Panel {
    pub fn new(title: impl Into<String>, placement: Placement) -> Self {
        Self {
            title: title.into(),
            lines: Vec::new(),
            placement,
        }
    }

    fn height(&self) -> u16 {
        u16::try_from(self.lines.len())
            .unwrap_or(u16::MAX - 2)
            .saturating_add(2)
    }
}

/// Where each panel goes, in page coordinates, and the page height.
pub fn layout(panels: &[Panel], width: u16) -> (Vec<Rect>, u16) {
    let two_columns = width >= TWO_COLUMN_MIN_WIDTH;
    let left_width = width / 2;
    let mut rects = vec![Rect::default(); panels.len()];
    let mut top = 0u16;
    let mut i = 0;
    while i < panels.len() {
        if !two_columns || panels[i].placement == Placement::Full {
            let h = panels[i].height();
            rects[i] = Rect::new(0, top, width, h);
            top = top.saturating_add(h);
            i += 1;
            continue;
        }
        // A band of side-by-side panels runs until the next full-width one.
        let (mut left_y, mut right_y) = (top, top);
        while i < panels.len() && panels[i].placement != Placement::Full {
            let h = panels[i].height();
            if panels[i].placement == Placement::Left {
                rects[i] = Rect::new(0, left_y, left_width, h);
                left_y = left_y.saturating_add(h);
            } else {
                rects[i] = Rect::new(left_width, right_y, width - left_width, h);
                right_y = right_y.saturating_add(h);
            }
            i += 1;
        }
        top = left_y.max(right_y);
    }
    (rects, top)
}

/// Lays the panels out at `width` and draws the whole page into a buffer of its full height.
/// Done once per data change or resize; frames then only copy the visible window.
pub fn paint(panels: &[Panel], width: u16, theme: &Theme) -> Buffer {
    let (rects, height) = layout(panels, width);
    let mut page = Buffer::empty(Rect::new(0, 0, width, height.max(1)));
    for (panel, rect) in panels.iter().zip(&rects) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Rounded)
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", panel.title), theme.title));
        Paragraph::new(panel.lines.clone())
            .style(theme.base)
            .block(block)
            .render(*rect, &mut page);
    }
    page
}

/// Copies the rows of `page` starting at `scroll` into `area`.
pub fn blit(page: &Buffer, area: Rect, buf: &mut Buffer, scroll: u16) {
    let height = page.area.height;
    let width = area.width.min(page.area.width);
    let scroll = scroll.min(height.saturating_sub(area.height));
    for y in 0..area.height.min(height.saturating_sub(scroll)) {
        for x in 0..width {
            buf[(area.x + x, area.y + y)] = page[(x, scroll + y)].clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(placement: Placement, lines: usize) -> Panel {
        Panel {
            title: "t".into(),
            lines: (0..lines).map(|i| Line::raw(format!("line {i}"))).collect(),
            placement,
        }
    }

    #[test]
    fn two_columns_side_by_side_when_wide() {
        let panels = vec![
            panel(Placement::Left, 3),
            panel(Placement::Right, 5),
            panel(Placement::Full, 1),
        ];
        let (rects, height) = layout(&panels, 120);
        assert_eq!(rects[0], Rect::new(0, 0, 60, 5));
        assert_eq!(rects[1], Rect::new(60, 0, 60, 7));
        assert_eq!(rects[2], Rect::new(0, 7, 120, 3));
        assert_eq!(height, 10);
    }

    #[test]
    fn one_column_when_narrow() {
        let panels = vec![panel(Placement::Left, 3), panel(Placement::Right, 5)];
        let (rects, height) = layout(&panels, 80);
        assert_eq!(rects[1], Rect::new(0, 5, 80, 7));
        assert_eq!(height, 12);
    }

    #[test]
    fn scrolling_shows_the_lower_part() {
        let panels = vec![panel(Placement::Full, 30)];
        let area = Rect::new(0, 0, 20, 5);
        let mut buf = Buffer::empty(area);
        let page = paint(&panels, area.width, &Theme::builtin("dark"));
        assert_eq!(page.area.height, 32);
        blit(&page, area, &mut buf, 10);
        let row: String = (0..20).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(row.contains("line 9"), "{row}");
    }
}
