//! The server log as an invitation source: the DEBUG `Received HTTP request` line the server
//! writes for each invite call names the sender, the team, the time and the status code. It
//! names no address, so it only gives senders to invitations that lack one (a plain invite's
//! token does not hold its sender).

use serde_json::Value;

use super::facts::{EventKind, TeamEvent};

pub const SOURCE: &str = "server log";

/// One invite request: who asked, for which team, when, and what the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRequest {
    pub at: i64,
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    pub status_code: u16,
    pub path: String,
}

/// The value of `key=value` (or `key="value"`) in a plain-text log line.
fn plain_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    let rest = &line[start..];
    let value = if let Some(quoted) = rest.strip_prefix('"') {
        quoted.split('"').next()?
    } else {
        rest.split_whitespace().next()?
    };
    Some(value.to_string())
}

/// The team id in an invite path, `None` for the server-wide invalidation.
fn invite_path(path: &str) -> Option<Option<String>> {
    let path = path.split('?').next()?;
    if path == "/api/v4/teams/invites/email" {
        return Some(None);
    }
    let rest = path.strip_prefix("/api/v4/teams/")?;
    let (team, tail) = rest.split_once('/')?;
    matches!(tail, "invite/email" | "invite-guests/email").then(|| Some(team.to_string()))
}

/// An invite request from one log line, or `None` for any other line.
pub fn parse_line(line: &str) -> Option<InviteRequest> {
    if !line.contains("Received HTTP request") || !line.contains("invite") {
        return None;
    }
    let at = crate::logs::parse::parse_line(line.as_bytes(), false).ts_ms?;
    let (path, user, status) = match serde_json::from_str::<Value>(line.trim()) {
        Ok(record) => {
            let field = |key: &str| match record.get(key) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            (field("url")?, field("user_id"), field("status_code"))
        }
        Err(_) => (
            plain_field(line, "url")?,
            plain_field(line, "user_id"),
            plain_field(line, "status_code"),
        ),
    };
    let team_id = invite_path(&path)?;
    Some(InviteRequest {
        at,
        team_id,
        user_id: user.filter(|u| !u.is_empty()),
        status_code: status.and_then(|s| s.parse().ok()).unwrap_or(0),
        path,
    })
}

/// The events the requests become: successful invite calls name their sender; a successful
/// invalidation is one too.
pub fn events(requests: &[InviteRequest]) -> Vec<TeamEvent> {
    requests
        .iter()
        .filter(|r| (200..300).contains(&r.status_code))
        .map(|r| TeamEvent {
            at: r.at,
            kind: if r.team_id.is_some() {
                EventKind::InviteRequest
            } else {
                EventKind::InvalidatedAll
            },
            team_id: r.team_id.clone(),
            user_id: None,
            actor_id: r.user_id.clone(),
            detail: format!("{} answered {}", r.path, r.status_code),
            source: SOURCE.to_string(),
        })
        .collect()
}

/// Wraps [`parse_line`] for [`super::tail::read_since`].
pub fn parse_for_tail(line: &str) -> Option<Vec<InviteRequest>> {
    parse_line(line).map(|r| vec![r])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_plain_request_lines_name_sender_team_and_status() {
        let json = r#"{"timestamp":"2026-11-22 09:27:10.031 Z","level":"debug","msg":"Received HTTP request","caller":"web/handlers.go:187","method":"POST","url":"/api/v4/teams/team1/invite/email?graceful=true","request_id":"r","user_id":"u1","status_code":"200"}"#;
        let request = parse_line(json).unwrap();
        assert_eq!(request.team_id.as_deref(), Some("team1"));
        assert_eq!(request.user_id.as_deref(), Some("u1"));
        assert_eq!(request.status_code, 200);
        assert_eq!(request.at, 1_795_339_630_031);
        let plain = "debug [2026-11-22 09:27:10.031 Z] Received HTTP request caller=\"web/handlers.go:187\" method=POST url=/api/v4/teams/invites/email user_id=u2 status_code=200";
        let request = parse_line(plain).unwrap();
        assert_eq!(request.team_id, None);
        assert_eq!(events(&[request])[0].kind, EventKind::InvalidatedAll);
        let other = json.replace("/invite/email", "/members");
        assert!(parse_line(&other).is_none());
        assert!(parse_line("Received HTTP request invite \u{1b}[2J").is_none());
        let failed = json.replace("\"200\"", "\"403\"");
        assert!(events(&[parse_line(&failed).unwrap()]).is_empty());
    }
}
