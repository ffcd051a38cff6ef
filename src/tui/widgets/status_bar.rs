//! The bottom line: which server, whether it answers, who we are, which version, and the last
//! error or when the data was refreshed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::text::one_line;
use crate::timefmt;
use crate::tui::status::{Connection, Message, Status};
use crate::tui::theme::Theme;

/// The message as it is shown: its words, a shorter form for a narrow bar, and whether it
/// reports a problem.
struct Words {
    full: String,
    short: Option<String>,
    problem: bool,
}

impl Words {
    fn plain(full: String, problem: bool) -> Self {
        Self {
            full,
            short: None,
            problem,
        }
    }

    /// The longest form that fits in `room` columns, cut when none does.
    fn fitted(&self, room: usize) -> String {
        let text = match &self.short {
            Some(short) if self.full.width() > room => short,
            _ => &self.full,
        };
        one_line(text, room)
    }
}

/// The message's words, made now; a running rate-limit countdown comes first.
fn message(status: &Status) -> Option<Words> {
    if let Some(left) = status.rate_limit_left() {
        let secs = left.as_secs() + 1;
        return Some(Words {
            full: format!("rate limited by the server: retrying in {secs}s"),
            short: Some(format!("rate limited: retry in {secs}s")),
            problem: true,
        });
    }
    match &status.message {
        Message::None => None,
        Message::Refreshing => Some(Words::plain("refreshing…".to_string(), false)),
        Message::Refreshed { at_ms } => {
            let clock = timefmt::utc_clock(*at_ms);
            Some(Words {
                full: format!("refreshed {clock}"),
                short: Some(clock),
                problem: false,
            })
        }
        Message::Info(text) => Some(Words::plain(text.clone(), false)),
        Message::Problem(text) => Some(Words::plain(text.clone(), true)),
        Message::Failed(err) => Some(Words::plain(err.to_string(), true)),
    }
}

pub fn render(info: &Status, now_ms: i64, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let bar = theme.status_bar;
    let connection_style = match info.connection {
        Connection::Connected => bar.patch(theme.ok),
        Connection::Connecting | Connection::NotConfigured | Connection::Packet => {
            bar.patch(theme.muted)
        }
        Connection::Degraded => bar.patch(theme.warn),
        Connection::LoginNeeded | Connection::Unreachable | Connection::Unhealthy => {
            bar.patch(theme.error)
        }
    };
    let mut left: Vec<Span> = vec![Span::styled(
        format!(" {} ", one_line(&info.server, 48)),
        bar.patch(theme.title),
    )];
    if info.insecure {
        left.push(Span::styled(" INSECURE TLS ", theme.insecure));
        left.push(Span::styled(" ", bar));
    }
    left.push(Span::styled(info.connection.label(), connection_style));
    if let Some(running) = &info.capture {
        left.push(Span::styled("  ", bar));
        left.push(Span::styled(
            format!(" {} ", running.badge(now_ms)),
            theme.insecure,
        ));
    }
    if let Some(user) = &info.user {
        left.push(Span::styled(format!("  {}", one_line(user, 32)), bar));
    }
    if let Some(version) = &info.version {
        left.push(Span::styled(format!("  v{}", one_line(version, 24)), bar));
    }
    let used: usize = left.iter().map(|s| s.content.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 3);
    let (text, style): (String, Style) = match message(info) {
        None => (String::new(), bar),
        Some(words) => {
            let tone = if words.problem {
                theme.error
            } else {
                theme.muted
            };
            (words.fitted(room), bar.patch(tone))
        }
    };
    if !text.is_empty() && room > 4 {
        let pad = room.saturating_sub(text.width());
        left.push(Span::styled(format!("  {}", " ".repeat(pad)), bar));
        left.push(Span::styled(text, style));
    }
    buf.set_style(area, bar);
    Line::from(left).render(area, buf);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    use super::render;
    use crate::mm::ApiError;
    use crate::tui::status::{Connection, Message, Status};
    use crate::tui::theme::Theme;

    fn bar(status: &Status, width: u16) -> String {
        let area = Rect::new(0, 0, width, 1);
        let mut buf = Buffer::empty(area);
        render(status, 0, area, &mut buf, &Theme::builtin("dark"));
        buf.content.iter().map(|cell| cell.symbol()).collect()
    }

    fn connected() -> Status {
        let mut status = Status::new("DEMO".to_string(), false, true);
        status.connection = Connection::Connected;
        status.user = Some("sysadmin".to_string());
        status.version = Some("11.4.4".to_string());
        status
    }

    #[test]
    fn a_countdown_keeps_its_seconds_on_a_narrow_bar() {
        let mut status = connected();
        status.note(&ApiError::RateLimited {
            endpoint: "GET /api/v4/config".to_string(),
            retry_after: Some(Duration::from_secs(40)),
        });
        assert!(bar(&status, 120).contains("rate limited by the server: retrying in 40s"));
        let narrow = bar(&status, 80);
        assert!(narrow.contains("rate limited: retry in 40s"), "{narrow}");
    }

    #[test]
    fn a_refresh_time_keeps_its_clock_on_a_narrow_bar() {
        let mut status = connected();
        status.message = Message::Refreshed { at_ms: 0 };
        assert!(bar(&status, 120).contains("refreshed 00:00:00 UTC"));
        let narrow = bar(&status, 52);
        assert!(narrow.trim_end().ends_with("00:00:00 UTC"), "{narrow}");
        assert!(!narrow.contains("refreshed"), "{narrow}");
    }

    #[test]
    fn a_running_capture_shows_its_length_and_volume() {
        let mut status = connected();
        let mut running =
            crate::tui::status::RunningCapture::new(crate::capture::record::sample("a", -192_000));
        running.lines = 1204;
        running.bytes = 2 << 20;
        status.capture = Some(running);
        let text = bar(&status, 120);
        assert!(
            text.contains("● CAPTURE 03:12 · 1,204 lines · 2.0 MB"),
            "{text}"
        );
    }

    #[test]
    fn a_long_message_is_cut_not_reworded() {
        let mut status = connected();
        status.message = Message::Info("the credentials of this server cannot change".into());
        let narrow = bar(&status, 70);
        assert!(narrow.contains("the credentials"), "{narrow}");
        assert!(narrow.contains('…'), "{narrow}");
    }
}
