//! Live plugin updates: the app listens on the server's WebSocket and reloads the Plugins tab
//! when a plugin is enabled, disabled or changes state. Where the socket is not served (local
//! mode) or refused, the tab says so and the periodic refresh carries on alone.

use std::time::Duration;

use super::{App, Msg};
use crate::mm::ApiError;
use crate::mm::websocket::{Ended, ServerEvent, listen};
use crate::tui::tabs::plugins::Live;

/// What the listener reports.
#[derive(Debug)]
pub enum PluginEvents {
    Connected,
    Changed(String),
    Down(String),
    /// Given up for good: the server will not let this client listen.
    Off(String),
}

const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

impl App {
    pub(super) fn start_plugin_events(&mut self) {
        if let Some(task) = self.plugin_events_task.take() {
            task.abort();
        }
        let Some(client) = self.launch.client.clone() else {
            return;
        };
        if client.is_local() {
            // The tab already says what the socket does not serve.
            self.plugins.live = Live::Off(String::new());
            return;
        }
        self.plugin_events_generation += 1;
        let generation = self.plugin_events_generation;
        self.plugins.live = Live::Connecting;
        // The first answer (connected or not) counts as a job, so a test that waits for the
        // app to settle sees the tab's final state.
        self.pending += 1;
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            let mut first = true;
            let send = |update: PluginEvents, first: &mut bool| {
                let counted = std::mem::take(first);
                tx.send(Msg::PluginEvents {
                    generation,
                    update,
                    counted,
                })
                .is_ok()
            };
            let mut delay = RETRY_FIRST;
            loop {
                let mut first_inner = first;
                let result = listen(&client, |event| {
                    let update = match event {
                        ServerEvent::Hello { .. } => PluginEvents::Connected,
                        ServerEvent::PluginsChanged { event } => PluginEvents::Changed(event),
                    };
                    send(update, &mut first_inner)
                })
                .await;
                first = first_inner;
                let update = match result {
                    Ok(Ended::Stopped) => return,
                    Ok(Ended::Closed(why)) => {
                        delay = RETRY_FIRST;
                        PluginEvents::Down(format!("the WebSocket closed ({why}); reconnecting"))
                    }
                    Err(err) if err.needs_login() || matches!(err, ApiError::Forbidden { .. }) => {
                        send(
                            PluginEvents::Off(format!("no live updates: {err}")),
                            &mut first,
                        );
                        return;
                    }
                    Err(err) => PluginEvents::Down(format!("no live updates: {err}; retrying")),
                };
                if !send(update, &mut first) {
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RETRY_MAX);
            }
        });
        self.plugin_events_task = Some(task.abort_handle());
    }

    pub(super) fn on_plugin_events(&mut self, generation: u64, update: PluginEvents) {
        if generation != self.plugin_events_generation {
            return;
        }
        match update {
            PluginEvents::Connected => self.plugins.live = Live::Live,
            PluginEvents::Changed(event) => {
                self.plugins.live = Live::Live;
                tracing::debug!("plugin event {event}: reloading the plugins");
                self.load_plugins();
            }
            PluginEvents::Down(why) => self.plugins.live = Live::Down(why),
            PluginEvents::Off(why) => self.plugins.live = Live::Off(why),
        }
        self.dirty = true;
    }
}
