//! The server's WebSocket, for the events that should refresh what the console shows: plugins
//! enabled, disabled, or changing state on a node. Everything else on the socket is read and
//! dropped.

use futures::StreamExt;
use reqwest_websocket::Message;
use serde_json::Value;

use super::{ApiError, MmClient};

/// What an event means to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// The first event: the server says who it is.
    Hello { server_version: String },
    /// `plugin_enabled`, `plugin_disabled` or `plugin_statuses_changed`.
    PluginsChanged { event: String },
}

/// The event a text frame carries, when the console cares about it. Replies to requests
/// (`seq_reply`), unknown events and text that is not JSON are `None`.
pub fn parse(text: &str) -> Option<ServerEvent> {
    let frame: Value = serde_json::from_str(text).ok()?;
    let name = frame.get("event")?.as_str()?;
    match name {
        "hello" => Some(ServerEvent::Hello {
            server_version: frame
                .pointer("/data/server_version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        "plugin_enabled" | "plugin_disabled" | "plugin_statuses_changed" => {
            Some(ServerEvent::PluginsChanged {
                event: name.to_string(),
            })
        }
        _ => None,
    }
}

/// Why listening stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// The caller asked to stop (its callback returned false).
    Stopped,
    /// The server closed the socket, or the connection broke; worth opening again.
    Closed(String),
}

/// Opens the socket and calls `on_event` for every event the console cares about, until the
/// socket closes or `on_event` returns false. An error opening it (a refusal, no route in
/// local mode, a network fault) is returned as is.
pub async fn listen(
    client: &MmClient,
    mut on_event: impl FnMut(ServerEvent) -> bool,
) -> Result<Ended, ApiError> {
    let mut socket = client.open_websocket().await?;
    while let Some(frame) = socket.next().await {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close { .. }) => return Ok(Ended::Closed("the server closed it".into())),
            Ok(_) => continue,
            Err(err) => return Ok(Ended::Closed(err.to_string())),
        };
        if let Some(event) = parse(&text)
            && !on_event(event)
        {
            return Ok(Ended::Stopped);
        }
    }
    Ok(Ended::Closed("the connection ended".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_events_that_matter_are_kept() {
        assert_eq!(
            parse(r#"{"event":"hello","data":{"server_version":"11.4.4.16721.abc.true"},"seq":0}"#),
            Some(ServerEvent::Hello {
                server_version: "11.4.4.16721.abc.true".into()
            })
        );
        assert_eq!(
            parse(r#"{"event":"plugin_disabled","data":{"manifest":{"id":"x"}},"seq":3}"#),
            Some(ServerEvent::PluginsChanged {
                event: "plugin_disabled".into()
            })
        );
        assert_eq!(parse(r#"{"event":"typing","data":{},"seq":4}"#), None);
        assert_eq!(parse(r#"{"status":"OK","seq_reply":1}"#), None);
        assert_eq!(parse("not json \u{1b}[31m"), None);
        assert_eq!(parse(r#"{"event":7}"#), None);
    }
}
