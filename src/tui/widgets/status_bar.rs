//! The bottom line: which server, whether it answers, who we are, which version, and the last
//! error or when the data was refreshed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::text::one_line;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    NotConfigured,
    Connecting,
    Connected,
    /// Answers, but something the console needs failed.
    Degraded,
    LoginNeeded,
    Unreachable,
    /// Answers, but its ping says it is not healthy (database or file store down).
    Unhealthy,
}

impl Connection {
    fn label(self) -> &'static str {
        match self {
            Connection::NotConfigured => "○ no server configured",
            Connection::Connecting => "◌ connecting",
            Connection::Connected => "● connected",
            Connection::Degraded => "◐ degraded",
            Connection::LoginNeeded => "✗ login needed",
            Connection::Unreachable => "✗ unreachable",
            Connection::Unhealthy => "✗ unhealthy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    None,
    Info(String),
    Error(String),
}

#[derive(Debug, Clone)]
pub struct StatusInfo {
    pub server: String,
    pub insecure: bool,
    pub connection: Connection,
    pub user: Option<String>,
    pub version: Option<String>,
    pub message: Message,
}

pub fn render(info: &StatusInfo, area: Rect, buf: &mut Buffer, theme: &Theme) {
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
    let (text, style): (String, Style) = match &info.message {
        Message::None => (String::new(), bar),
        // "refreshed 09:30:00 UTC" loses its first word before being cut.
        Message::Info(text) if text.width() > room => {
            let short = text.split_once(' ').map(|(_, rest)| rest).unwrap_or(text);
            (one_line(short, room), bar.patch(theme.muted))
        }
        Message::Info(text) => (one_line(text, room), bar.patch(theme.muted)),
        Message::Error(text) => (one_line(text, room), bar.patch(theme.error)),
    };
    if !text.is_empty() && room > 4 {
        let pad = room.saturating_sub(text.width());
        left.push(Span::styled(format!("  {}", " ".repeat(pad)), bar));
        left.push(Span::styled(text, style));
    }
    buf.set_style(area, bar);
    Line::from(left).render(area, buf);
}
