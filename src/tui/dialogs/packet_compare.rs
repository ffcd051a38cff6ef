//! Two support packets compared (or a packet and the server now), in the console: the same
//! report as `mmops packet diff`, its section titles, additions and removals in the theme's
//! colours, scrolled with the usual keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::text::one_line;
use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Ui, View};
use crate::tui::widgets::{dialog_area, dialog_block};

pub struct PacketCompareDialog {
    title: String,
    report: String,
    scroll: u16,
    max_scroll: u16,
}

impl PacketCompareDialog {
    pub fn new(title: String, report: String) -> Self {
        Self {
            title,
            report,
            scroll: 0,
            max_scroll: 0,
        }
    }

    pub fn report(&self) -> &str {
        &self.report
    }
}

/// How a line of the report is drawn: the section titles (capitals at the margin), what was
/// added, what was removed or started failing, the rest. `section` is the title above it.
fn style_of(line: &str, section: &str, theme: &Theme) -> Style {
    let body = line.trim_start();
    if is_title(line) {
        theme.title
    } else if body == "no change" {
        theme.muted
    } else if section.starts_with("JOBS")
        || body.starts_with('-')
        || body.starts_with("node removed")
    {
        theme.error
    } else if body.starts_with('+') || body.starts_with("node added") {
        theme.ok
    } else {
        theme.base
    }
}

fn is_title(line: &str) -> bool {
    !line.is_empty() && !line.starts_with(' ') && line == line.to_uppercase()
}

/// One line of the report within `width`, its indent kept.
fn indented(line: &str, width: usize) -> String {
    let body = line.trim_start();
    let indent = (line.len() - body.len()).min(width);
    format!("{}{}", " ".repeat(indent), one_line(body, width - indent))
}

impl View for PacketCompareDialog {
    type Msg = ();

    fn title(&self) -> &str {
        "Packets compared"
    }

    fn focus(&self) -> Focus {
        Focus::on(Scope::PacketCompare)
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, ()>) {
        match action {
            Action::Close => ctx.close(),
            other => self.scroll = other.scroll(self.scroll).min(self.max_scroll),
        }
    }

    fn on_msg(&mut self, (): (), _ctx: &mut Ctx<'_, ()>) {}

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        let theme = ui.theme;
        let rect = dialog_area(area, buf, (110, u16::MAX), 6);
        let (width, height) = (rect.width, rect.height);
        let inner_width = usize::from(width.saturating_sub(2));
        let mut section = "";
        let lines: Vec<Line> = self
            .report
            .lines()
            .map(|line| {
                if is_title(line) {
                    section = line;
                }
                Line::styled(indented(line, inner_width), style_of(line, section, theme))
            })
            .collect();
        let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        self.max_scroll = total.saturating_sub(height.saturating_sub(2));
        self.scroll = self.scroll.min(self.max_scroll);
        let mut block = dialog_block(one_line(&self.title, inner_width), theme);
        if self.scroll < self.max_scroll {
            let keys = ui.keymap.key_name(Scope::PacketCompare, Action::Down);
            block = block.title_bottom(Span::styled(format!(" ↓ more: {keys} "), theme.muted));
        }
        Paragraph::new(lines)
            .style(theme.base)
            .block(block)
            .scroll((self.scroll, 0))
            .render(rect, buf);
    }
}
