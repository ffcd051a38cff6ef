//! What the status bar says: which server, whether it answers, who we are, which version, and
//! the last news. Every view's work feeds it the API errors it meets, so a rate limit counts
//! down and an expired session asks for a login whichever tab met them.

use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;
use crate::mm::ApiError;

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
    /// A support packet, read-only: no server at all.
    Packet,
}

impl Connection {
    pub fn label(self) -> &'static str {
        match self {
            Connection::NotConfigured => "○ no server configured",
            Connection::Connecting => "◌ connecting",
            Connection::Connected => "● connected",
            Connection::Degraded => "◐ degraded",
            Connection::LoginNeeded => "✗ login needed",
            Connection::Unreachable => "✗ unreachable",
            Connection::Unhealthy => "✗ unhealthy",
            Connection::Packet => "▣ read-only",
        }
    }
}

/// The news on the right of the bar. Errors stay typed until the bar is drawn.
#[derive(Debug, Default)]
pub enum Message {
    #[default]
    None,
    Refreshing,
    Refreshed {
        at_ms: i64,
    },
    /// mmops' own words.
    Info(String),
    /// mmops' own words about something that went wrong.
    Problem(String),
    Failed(Error),
}

/// A capture running on this server, as the status bar shows it.
#[derive(Debug, Clone)]
pub struct RunningCapture {
    pub capture: crate::capture::Capture,
    /// Log lines and bytes the Logs tab has taken in since the start.
    pub lines: u64,
    pub bytes: u64,
}

impl RunningCapture {
    pub fn new(capture: crate::capture::Capture) -> Self {
        Self {
            capture,
            lines: 0,
            bytes: 0,
        }
    }

    /// `● CAPTURE 03:12 · 1,204 lines · 2.1 MB`.
    pub fn badge(&self, now_ms: i64) -> String {
        format!(
            "● CAPTURE {} · {} lines · {}",
            crate::timefmt::stopwatch(now_ms - self.capture.started_ms),
            crate::timefmt::count(self.lines as i64),
            crate::timefmt::bytes(self.bytes)
        )
    }
}

#[derive(Debug)]
pub struct Status {
    pub server: String,
    pub insecure: bool,
    pub connection: Connection,
    pub user: Option<String>,
    pub version: Option<String>,
    pub message: Message,
    /// The server asked us to wait (429 with Retry-After) until then.
    rate_limited_until: Option<Instant>,
    /// A capture running (`R`); kept while a packet is shown over the server.
    pub capture: Option<RunningCapture>,
}

impl Status {
    pub fn new(server: String, insecure: bool, configured: bool) -> Self {
        Self {
            server,
            insecure,
            connection: if configured {
                Connection::Connecting
            } else {
                Connection::NotConfigured
            },
            user: None,
            version: None,
            message: Message::None,
            rate_limited_until: None,
            capture: None,
        }
    }

    /// An API error met by any view's work: a rate limit starts (or extends) the countdown, a
    /// refused session asks for a login.
    pub fn note(&mut self, err: &ApiError) {
        if let Some(wait) = err.retry_after() {
            let until = Instant::now() + wait;
            self.rate_limited_until = Some(self.rate_limited_until.map_or(until, |u| u.max(until)));
        }
        if err.needs_login() && self.connection != Connection::LoginNeeded {
            self.connection = Connection::LoginNeeded;
            self.message = Message::Failed(Error::Api(err.clone()));
        }
    }

    pub fn login_needed(&self) -> bool {
        self.connection == Connection::LoginNeeded
    }

    /// How long the server still wants us to wait, if it asked.
    pub fn rate_limit_left(&self) -> Option<Duration> {
        self.rate_limited_until
            .map(|until| until.saturating_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
    }

    /// While a countdown or a capture runs, the bar ticks every second.
    pub fn next_tick(&self) -> Option<Instant> {
        (self.rate_limit_left().is_some() || self.capture.is_some())
            .then(|| Instant::now() + Duration::from_secs(1))
    }

    /// The Logs tab took in lines while a capture runs.
    pub fn count_capture_lines(&mut self, lines: u64, bytes: u64) {
        if let Some(running) = &mut self.capture {
            running.lines += lines;
            running.bytes += bytes;
        }
    }
}

/// "PACKET <file name>", as the status bar names a packet opened instead of a server.
pub fn packet_label(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    format!("PACKET {}", crate::text::inert(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(secs: u64) -> ApiError {
        ApiError::RateLimited {
            endpoint: "GET /api/v4/config".into(),
            retry_after: Some(Duration::from_secs(secs)),
        }
    }

    #[test]
    fn the_longest_wait_wins() {
        let mut status = Status::new("x".into(), false, true);
        status.note(&limited(30));
        status.note(&limited(5));
        let left = status.rate_limit_left().expect("counting down");
        assert!(left > Duration::from_secs(25), "{left:?}");
        assert!(status.next_tick().is_some());
    }

    #[test]
    fn a_refused_session_asks_for_a_login() {
        let mut status = Status::new("x".into(), false, true);
        status.note(&ApiError::SessionExpired {
            endpoint: "GET /api/v4/teams".into(),
        });
        assert!(status.login_needed());
        assert!(matches!(status.message, Message::Failed(_)));
        status.note(&ApiError::Other("no".into()));
        assert!(status.login_needed(), "other errors change nothing");
        assert!(status.rate_limit_left().is_none());
    }
}
