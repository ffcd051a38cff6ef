//! Widgets and building blocks shared by the views: the tab bar, the footer of key hints, the
//! status bar, the help text, the scrollable panel page, text inputs and pickers, loadable
//! data, a selectable list, a notice, and a table's column widths.

pub mod footer;
pub mod help;
pub mod input;
pub mod list;
pub mod loadable;
pub mod notice;
pub mod panels;
pub mod picker;
pub mod status_bar;
pub mod tab_bar;
pub mod table;

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

use super::keys::{Action, Keymap, Scope};
use super::theme::Theme;

/// A tab's rounded frame with its title; returns the area inside it.
pub fn frame(area: Rect, buf: &mut Buffer, title: &str, focused: bool, theme: &Theme) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Span::styled(title.to_string(), theme.title));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// One message filling `area`, wrapped: what a tab says instead of its content.
pub fn message(area: Rect, buf: &mut Buffer, text: &str, style: Style) {
    Paragraph::new(Line::styled(text.to_string(), style))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A box of at most `width` x `height` in the middle of `area`, for dialogs over a tab.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// A dialog's box over a view: centered, at most `max` (width, height), at least 30 columns and
/// `min_height` rows where the view has them, cleared.
pub fn dialog_area(area: Rect, buf: &mut Buffer, max: (u16, u16), min_height: u16) -> Rect {
    let width = area
        .width
        .saturating_sub(4)
        .min(max.0)
        .max(area.width.min(30));
    let height = area
        .height
        .saturating_sub(2)
        .min(max.1)
        .max(area.height.min(min_height));
    let rect = centered(area, width, height);
    ratatui::widgets::Clear.render(rect, buf);
    rect
}

/// A dialog's frame: a double border in the focus colour, with its title.
pub fn dialog_block<'a>(title: impl Into<std::borrow::Cow<'a, str>>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(title.into(), theme.title))
}

/// One row of `area`.
pub fn line_at(area: Rect, row: u16) -> Rect {
    Rect {
        y: area.y + row,
        height: 1,
        ..area
    }
}

/// `text` in spans, the byte ranges of `matches` (in order, not overlapping) in `highlight`.
/// A range that does not fall on character boundaries, or is empty, is passed over.
pub fn highlighted(
    text: &str,
    matches: impl IntoIterator<Item = Range<usize>>,
    style: Style,
    highlight: Style,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut last = 0;
    for Range { start, end } in matches {
        if start >= end
            || start < last
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > last {
            spans.push(Span::styled(text[last..start].to_string(), style));
        }
        spans.push(Span::styled(text[start..end].to_string(), highlight));
        last = end;
    }
    if last < text.len() || spans.is_empty() {
        spans.push(Span::styled(text[last..].to_string(), style));
    }
    spans
}

/// `y yes · n no`, with the keys the keymap gives a question.
pub fn yes_no(keymap: &Keymap, theme: &Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled(keymap.key_name(Scope::Question, Action::Confirm), theme.key),
        Span::styled(" yes · ", theme.base),
        Span::styled(keymap.key_name(Scope::Question, Action::Close), theme.key),
        Span::styled(" no", theme.base),
    ]
}

/// `line` cut to `width` columns with an ellipsis where it is cut, so that a status line too
/// long for the terminal says it goes on instead of ending mid-word.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    use unicode_width::UnicodeWidthStr;
    if line.width() <= width {
        return line;
    }
    let mut used = 0;
    let mut spans = Vec::new();
    for span in line.spans {
        let span_width = span.content.width();
        if used + span_width < width {
            used += span_width;
            spans.push(span);
            continue;
        }
        let cut = crate::text::one_line(&span.content, width.saturating_sub(used + 1));
        let cut = cut.trim_end_matches('…').trim_end().to_string();
        spans.push(Span::styled(format!("{cut}…"), span.style));
        break;
    }
    Line::from(spans).style(line.style)
}

#[cfg(test)]
mod fit_line_tests {
    use super::*;

    #[test]
    fn a_long_line_ends_in_an_ellipsis_within_the_width() {
        let line = Line::from(vec![
            Span::raw("▶ FOLLOWING"),
            Span::raw(" │ "),
            Span::styled("find antivirus 8 of 20", Style::default().bold()),
        ]);
        let fitted = fit_line(line.clone(), 24);
        assert_eq!(fitted.width(), 24);
        let text: String = fitted.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "▶ FOLLOWING │ find anti…");
        assert_eq!(fitted.spans[2].style, Style::default().bold());
        assert_eq!(fit_line(line.clone(), 80), line);
        assert!(fit_line(line, 0).width() <= 1);
    }
}
