//! Live plugin updates: the tab listens on the server's WebSocket and reloads when a plugin is
//! enabled, disabled or changes state. Where the socket is not served (local mode) or refused,
//! the tab says so and the periodic refresh carries on alone.

use std::time::Duration;

use super::Msg;
use crate::mm::websocket::{Ended, ServerEvent, listen as listen_on};
use crate::mm::{ApiError, MmClient};
use crate::tui::jobs::{Mailbox, Producer};
use crate::tui::view::Ctx;

/// Whether the tab hears of plugin changes as they happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    Connecting,
    Live,
    /// Lost; being opened again.
    Down(String),
    /// Not available here, for good.
    Off(String),
}

/// What the listener reports.
#[derive(Debug)]
pub enum LiveNews {
    Connected,
    Changed(String),
    Down(String),
    /// Given up for good: the server will not let this client listen.
    Off(String),
}

const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// Starts listening (again); the old listener stops when its handle is replaced.
pub fn listen(live: &mut Live, ctx: &mut Ctx<'_, Msg>) -> Option<Producer> {
    let client = ctx.env.client.clone()?;
    if client.is_local() {
        // The tab already says what the socket does not serve.
        *live = Live::Off(String::new());
        return None;
    }
    *live = Live::Connecting;
    // The first answer (connected or not) counts as pending work, so a test that waits for
    // the console to settle sees the tab's final state.
    let mailbox = ctx.mailbox(Msg::Live, true);
    Some(Producer::spawn(run(client, mailbox)))
}

/// Takes the listener's news; true when the plugins should be read again.
pub fn heard(live: &mut Live, news: LiveNews) -> bool {
    match news {
        LiveNews::Connected => *live = Live::Live,
        LiveNews::Changed(event) => {
            *live = Live::Live;
            tracing::debug!("plugin event {event}: reloading the plugins");
            return true;
        }
        LiveNews::Down(why) => *live = Live::Down(why),
        LiveNews::Off(why) => *live = Live::Off(why),
    }
    false
}

async fn run(client: MmClient, mailbox: Mailbox<LiveNews>) {
    let mut delay = RETRY_FIRST;
    loop {
        let result = listen_on(&client, |event| {
            mailbox.send(match event {
                ServerEvent::Hello { .. } => LiveNews::Connected,
                ServerEvent::PluginsChanged { event } => LiveNews::Changed(event),
            })
        })
        .await;
        let news = match result {
            Ok(Ended::Stopped) => return,
            Ok(Ended::Closed(why)) => {
                delay = RETRY_FIRST;
                LiveNews::Down(format!("the WebSocket closed ({why}); reconnecting"))
            }
            Err(err) if err.needs_login() || matches!(err, ApiError::Forbidden { .. }) => {
                mailbox.send(LiveNews::Off(format!("no live updates: {err}")));
                return;
            }
            Err(err) => LiveNews::Down(format!("no live updates: {err}; retrying")),
        };
        if !mailbox.send(news) {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RETRY_MAX);
    }
}
