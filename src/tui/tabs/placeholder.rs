//! Tabs whose capability has not landed yet. They say plainly what they will show and where
//! the data will come from; they never show made-up data.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

use super::TabId;
use crate::tui::theme::Theme;

fn description(tab: TabId) -> (&'static str, &'static [&'static str]) {
    match tab {
        TabId::Plugins => (
            "Plugins: not built yet",
            &[
                "This tab will list every installed plugin with its version, whether it is enabled, and its state on every cluster node (running, failed to start, failed to stay running) with the error text.",
                "Failed plugins will sort first; Enter will open the manifest and the plugin's settings with secrets masked; E/D will enable or disable a plugin after a confirmation.",
                "Source: GET /api/v4/plugins and /api/v4/plugins/statuses.",
            ],
        ),
        TabId::Logs => (
            "Logs: not built yet",
            &[
                "This tab will follow the server log live: mattermost.log on this host (--mm-home) or the REST log API, with level and regex filters, search, a pretty view of each JSON entry, and the node of each line on a cluster.",
                "Source: the log files under --mm-home, or GET /api/v4/logs.",
            ],
        ),
        TabId::Config => (
            "Config: not built yet",
            &[
                "This tab will show the server config as a tree, sanitized by mmops itself (passwords, keys, DSN credentials and plugin secrets masked), marking values changed from the defaults and values set by environment variables.",
                "Source: GET /api/v4/config, the local socket, or config/config.json under --mm-home.",
            ],
        ),
        TabId::Invites => (
            "Invites: not built yet",
            &[
                "This tab will be the invitation audit: when each invite was sent, to which address, for which team, by whom, whether it was used and by which account, from mmops' own ledger.",
                "Sources: the database (--db-url), the audit log and server log under --mm-home, invites sent from mmops, and the REST API.",
            ],
        ),
        TabId::Server => ("Server", &[]),
    }
}

pub fn render(tab: TabId, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let (title, paragraphs) = description(tab);
    let mut lines = Vec::new();
    for text in paragraphs {
        lines.push(Line::from(Span::styled(*text, theme.base)));
        lines.push(Line::raw(""));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title));
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
