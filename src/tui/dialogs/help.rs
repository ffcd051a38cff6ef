//! The `?` overlay as a dialog: every key of every view from the live key tables, the keys of
//! the view it was opened over first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::tui::keys::{Action, Focus, Scope};
use crate::tui::view::{Ctx, Placement, Ui, View};
use crate::tui::widgets::help;

pub struct HelpDialog {
    /// Where the keyboard was when the help opened.
    under: Focus,
    scroll: u16,
    /// The furthest the text scrolls, from the last draw.
    max_scroll: u16,
}

impl HelpDialog {
    pub fn new(under: Focus) -> Self {
        Self {
            under,
            scroll: 0,
            max_scroll: 0,
        }
    }

    pub fn scroll(&self) -> u16 {
        self.scroll
    }
}

impl View for HelpDialog {
    type Msg = ();

    fn title(&self) -> &str {
        "Help"
    }

    fn focus(&self) -> Focus {
        Focus::on(Scope::Help)
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_, ()>) {
        match action {
            Action::Close => ctx.close(),
            other => self.scroll = other.scroll(self.scroll).min(self.max_scroll),
        }
    }

    fn on_msg(&mut self, (): (), _ctx: &mut Ctx<'_, ()>) {}

    fn placement(&self) -> Placement {
        Placement::Screen
    }

    fn draw(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui<'_>) {
        let lines = help::lines(ui.keymap, self.under, ui.theme, help::inner_width(area));
        let total = help::render(lines, area, buf, self.scroll, ui.theme, ui.keymap);
        self.max_scroll = total.saturating_sub(help::area_for(area).height.saturating_sub(2));
        self.scroll = self.scroll.min(self.max_scroll);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    use super::*;
    use crate::tui::keys::Keymap;
    use crate::tui::testing::Probe;
    use crate::tui::theme::Theme;

    #[test]
    fn it_scrolls_within_its_text_and_closes_with_ctrl_c() {
        let dir = std::env::temp_dir();
        let mut probe = Probe::offline(&dir, 0);
        let mut help = HelpDialog::new(Focus::on(Scope::Logs));
        let (theme, keymap) = (Theme::builtin("dark"), Keymap::default());
        let ui = Ui {
            theme: &theme,
            keymap: &keymap,
            now_ms: 0,
        };
        let area = Rect::new(0, 0, 80, 23);
        help.draw(area, &mut Buffer::empty(area), &ui);
        probe.press(&mut help, &["j", "j"]);
        assert_eq!(help.scroll(), 2);
        probe.press(&mut help, &["G"]);
        let bottom = help.scroll();
        assert!(bottom > 100, "every table is listed: {bottom}");
        probe.press(&mut help, &["j"]);
        help.draw(area, &mut Buffer::empty(area), &ui);
        assert_eq!(help.scroll(), bottom, "not past the end");
        probe.press(&mut help, &["g"]);
        assert_eq!(help.scroll(), 0);
        assert!(!probe.closed);
        probe.press(&mut help, &["ctrl-c"]);
        assert!(probe.closed);
    }
}
