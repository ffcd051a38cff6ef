//! The invitation sources read from log files: structured audit records
//! (`invites::audit::parse_record`) and the server log's `Received HTTP request` lines
//! (`invites::server_log`). The input is taken whole, as one record, and line by line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mmops::invites::audit::{self, AuditItem};
use mmops::invites::server_log;
use serde_json::Value;

const INVITE_EVENTS: &[&str] = &[
    "inviteUsersToTeam",
    "localInviteUsersToTeam",
    "inviteGuestsToChannels",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text);
    if text.contains('\n') {
        text.lines().for_each(check);
    }
});

fn check(line: &str) {
    check_audit(line);
    check_request(line);
}

fn check_audit(line: &str) {
    let Some(items) = audit::parse_record(line) else {
        return;
    };
    assert_eq!(audit::parse_record(line).as_ref(), Some(&items), "not deterministic");
    // Only successful calls count, and every item carries the record's own time.
    let record: Value = match serde_json::from_str(line.trim()) {
        Ok(record) => record,
        Err(err) => panic!("a record that is not JSON was accepted: {err}"),
    };
    assert_eq!(record.get("status").and_then(Value::as_str), Some("success"));
    let event = record.get("event_name").and_then(Value::as_str).unwrap_or_default();
    let ts = mmops::logs::parse::parse_line(line.as_bytes(), false).ts_ms;
    let (mut invitations, mut events) = (0, 0);
    for item in &items {
        match item {
            AuditItem::Invite(call) => {
                assert!(INVITE_EVENTS.contains(&event), "{event} read as an invite call");
                assert_eq!(Some(call.ts_ms), ts);
                assert_eq!(call.guest, event == "inviteGuestsToChannels");
                assert_eq!(call.event, event);
                for email in call.sent.iter().chain(call.refused.iter().map(|(e, _)| e)) {
                    assert_eq!(*email, email.to_lowercase(), "addresses are stored lower-case");
                    assert_eq!(email.trim(), email, "addresses are stored trimmed");
                }
                invitations += call.sent.len() + call.refused.len();
            }
            AuditItem::Event {
                event: team_event,
                user,
                member,
            } => {
                assert!(!INVITE_EVENTS.contains(&event));
                assert_eq!(Some(team_event.at), ts);
                assert_eq!(team_event.source, audit::SOURCE);
                if let Some(user) = user {
                    assert!(!user.id.trim().is_empty() && user.id.trim() == user.id);
                }
                if let Some(member) = member {
                    assert!(!member.team_id.is_empty());
                    assert_eq!(member.joined_at, ts);
                }
                events += 1;
            }
        }
    }
    let observed = audit::observations(items);
    assert_eq!(observed.invitations.len(), invitations);
    assert_eq!(observed.events.len(), events);
}

fn check_request(line: &str) {
    let request = server_log::parse_line(line);
    let tail = server_log::parse_for_tail(line);
    assert_eq!(tail, request.clone().map(|r| vec![r]));
    let Some(request) = request else {
        return;
    };
    assert!(line.contains("Received HTTP request") && line.contains("invite"));
    let path = request.path.split('?').next().unwrap_or_default();
    match &request.team_id {
        None => assert_eq!(path, "/api/v4/teams/invites/email"),
        Some(team) => {
            assert!(!team.contains('/'));
            assert!(
                path == format!("/api/v4/teams/{team}/invite/email")
                    || path == format!("/api/v4/teams/{team}/invite-guests/email"),
                "{path} is not an invite path"
            );
        }
    }
    assert!(request.user_id.as_ref().is_none_or(|u| !u.is_empty()));
    let events = server_log::events(std::slice::from_ref(&request));
    assert_eq!(events.len(), usize::from((200..300).contains(&request.status_code)));
}
