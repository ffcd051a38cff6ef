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

/// The message's words, made now; a running rate-limit countdown comes first.
fn message(status: &Status) -> Option<(String, bool)> {
    if let Some(left) = status.rate_limit_left() {
        return Some((
            format!(
                "rate limited by the server: retrying in {}s",
                left.as_secs() + 1
            ),
            true,
        ));
    }
    match &status.message {
        Message::None => None,
        Message::Refreshing => Some(("refreshing…".to_string(), false)),
        Message::Refreshed { at_ms } => {
            Some((format!("refreshed {}", timefmt::utc_clock(*at_ms)), false))
        }
        Message::Info(text) => Some((text.clone(), false)),
        Message::Problem(text) => Some((text.clone(), true)),
        Message::Failed(err) => Some((err.to_string(), true)),
    }
}

pub fn render(info: &Status, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let bar = theme.status_bar;
    let connection_style = match info.connection {
        Connection::Connected => bar.patch(theme.ok),
        Connection::Connecting | Connection::NotConfigured => bar.patch(theme.muted),
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
        // "refreshed 09:30:00 UTC" loses its first word before being cut.
        Some((text, false)) if text.width() > room => {
            let short = text.split_once(' ').map(|(_, rest)| rest).unwrap_or(&text);
            (one_line(short, room), bar.patch(theme.muted))
        }
        Some((text, false)) => (one_line(&text, room), bar.patch(theme.muted)),
        Some((text, true)) => (one_line(&text, room), bar.patch(theme.error)),
    };
    if !text.is_empty() && room > 4 {
        let pad = room.saturating_sub(text.width());
        left.push(Span::styled(format!("  {}", " ".repeat(pad)), bar));
        left.push(Span::styled(text, style));
    }
    buf.set_style(area, bar);
    Line::from(left).render(area, buf);
}
