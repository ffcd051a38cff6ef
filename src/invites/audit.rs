//! The structured audit log as a source of invitations: `inviteUsersToTeam`,
//! `localInviteUsersToTeam` and `inviteGuestsToChannels` records, read incrementally from
//! where the last sync stopped, through rotation and truncation.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::Value;

/// One invite call as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteCall {
    pub ts_ms: i64,
    /// The inviting user; `None` in local mode (mmctl).
    pub actor_user_id: Option<String>,
    pub team_id: String,
    pub guest: bool,
    /// Addresses the server accepted for sending.
    pub sent: Vec<String>,
    /// Addresses it refused, with the reason.
    pub refused: Vec<(String, String)>,
    /// The record's event name, for the evidence.
    pub event: String,
}

/// Where reading stopped: the file's identity and the byte offset after the last whole line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub dev: u64,
    pub ino: u64,
    pub offset: u64,
}

impl Position {
    pub fn encode(&self) -> String {
        format!("{}:{}:{}", self.dev, self.ino, self.offset)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split(':').map(|p| p.parse::<u64>().ok());
        Some(Self {
            dev: parts.next()??,
            ino: parts.next()??,
            offset: parts.next()??,
        })
    }
}

fn raw_strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Addresses, normalized as the server stores them.
fn strings(value: Option<&Value>) -> Vec<String> {
    raw_strings(value)
        .into_iter()
        .map(|s| s.to_lowercase())
        .collect()
}

/// An invite call from one audit record, or `None` for any other record (or a failed call).
pub fn parse_record(line: &str) -> Option<InviteCall> {
    let record: Value = serde_json::from_str(line.trim()).ok()?;
    let event = record.get("event_name")?.as_str()?;
    let guest = match event {
        "inviteUsersToTeam" | "localInviteUsersToTeam" => false,
        "inviteGuestsToChannels" => true,
        _ => return None,
    };
    if record.get("status").and_then(Value::as_str) != Some("success") {
        return None;
    }
    let ts_ms = crate::logs::parse::parse_line(line.as_bytes(), false).ts_ms?;
    let parameters = record.pointer("/event/parameters");
    let meta = record.get("meta");
    let team_id = parameters
        .and_then(|p| p.get("team_id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let refused: Vec<(String, String)> = raw_strings(meta.and_then(|m| m.get("errors")))
        .into_iter()
        .map(|e| match e.split_once(':') {
            Some((email, why)) => (email.trim().to_lowercase(), why.trim().to_string()),
            None => (e.to_lowercase(), String::new()),
        })
        .collect();
    // meta.emails lists what was sent; without it, every address asked for that was not
    // refused.
    let mut sent = strings(meta.and_then(|m| m.get("emails")));
    if sent.is_empty() {
        let asked = parameters.and_then(|p| {
            p.pointer("/member_invite/emails")
                .or_else(|| p.pointer("/guests_invite/emails"))
        });
        sent = strings(asked)
            .into_iter()
            .filter(|e| !refused.iter().any(|(r, _)| r == e))
            .collect();
    }
    let actor_user_id = record
        .pointer("/actor/user_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    Some(InviteCall {
        ts_ms,
        actor_user_id,
        team_id,
        guest,
        sent,
        refused,
        event: event.to_string(),
    })
}

/// Reads the invite calls written since `from` (the whole file when it is a new file, after a
/// rotation, or when it shrank). Returns them and where to start next time.
pub fn read_since(
    path: &Path,
    from: Option<Position>,
) -> std::io::Result<(Vec<InviteCall>, Position, u64)> {
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let start = match from {
        Some(p) if p.dev == meta.dev() && p.ino == meta.ino() && p.offset <= meta.len() => p.offset,
        // Another file (rotated) or a shorter one (truncated): read it all.
        _ => 0,
    };
    file.seek(SeekFrom::Start(start))?;
    let mut reader = BufReader::new(file);
    let mut offset = start;
    let mut calls = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            // End, or a line still being written: it is read next time.
            break;
        }
        offset += n as u64;
        if let Some(call) = parse_record(&String::from_utf8_lossy(&line)) {
            calls.push(call);
        }
    }
    let read = offset - start;
    Ok((
        calls,
        Position {
            dev: meta.dev(),
            ino: meta.ino(),
            offset,
        },
        read,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const INVITE: &str = r#"{"timestamp":"2026-11-22 09:27:10.031 Z","event_name":"inviteUsersToTeam","status":"success","actor":{"user_id":"8fj6xz1qnbbdpr9e5w3o4kd7ia","session_id":"s","client":"c","ip_address":"10.0.4.17","x_forwarded_for":""},"event":{"parameters":{"member_invite":{"emails":["Ana@Example.org","li@example.org","bad"],"channel_ids":[],"profile_count":0},"team_id":"pnu4g6u8w3gzmcdu9xwq7tbehe"},"prior_state":{},"resulting_state":{},"object_type":""},"meta":{"api_path":"/api/v4/teams/pnu4g6u8w3gzmcdu9xwq7tbehe/invite/email","cluster_id":"","count":2,"emails":["ana@example.org","li@example.org"],"errors":["Bad:Not an accepted domain"]},"error":{}}"#;

    #[test]
    fn an_invite_record_gives_its_sender_team_and_addresses() {
        let call = parse_record(INVITE).unwrap();
        assert_eq!(
            call.actor_user_id.as_deref(),
            Some("8fj6xz1qnbbdpr9e5w3o4kd7ia")
        );
        assert_eq!(call.team_id, "pnu4g6u8w3gzmcdu9xwq7tbehe");
        assert_eq!(call.sent, vec!["ana@example.org", "li@example.org"]);
        assert_eq!(
            call.refused,
            vec![("bad".to_string(), "Not an accepted domain".to_string())]
        );
        assert_eq!(call.ts_ms, 1_795_339_630_031);
        assert!(!call.guest);
        // Other events, failed calls and junk are not invite calls.
        assert!(parse_record(&INVITE.replace("\"success\"", "\"fail\"")).is_none());
        assert!(parse_record(&INVITE.replace("inviteUsersToTeam", "login")).is_none());
        assert!(parse_record("not json \u{1b}[2J").is_none());
        // Without meta.emails: what was asked minus what was refused.
        let no_meta = INVITE.replace(r#""emails":["ana@example.org","li@example.org"],"#, "");
        assert_eq!(
            parse_record(&no_meta).unwrap().sent,
            vec!["ana@example.org", "li@example.org"]
        );
    }

    #[test]
    fn reading_resumes_and_survives_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        std::fs::write(&path, format!("{INVITE}\n{{\"event_name\":\"login\"}}\n")).unwrap();
        let (calls, pos, _) = read_since(&path, None).unwrap();
        assert_eq!(calls.len(), 1);
        // Nothing new: nothing read.
        let (calls, pos2, read) = read_since(&path, Some(pos)).unwrap();
        assert!(calls.is_empty() && read == 0 && pos2 == pos);
        // An unfinished line waits for its newline.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(file, "{}", &INVITE[..40]).unwrap();
        let (calls, pos3, _) = read_since(&path, Some(pos)).unwrap();
        assert!(calls.is_empty() && pos3 == pos);
        writeln!(file, "{}", &INVITE[40..]).unwrap();
        let (calls, pos4, _) = read_since(&path, Some(pos3)).unwrap();
        assert_eq!(calls.len(), 1);
        // Rotation: a new file is read from its start.
        std::fs::rename(&path, dir.path().join("audit.1.log")).unwrap();
        std::fs::write(&path, format!("{INVITE}\n")).unwrap();
        let (calls, _, _) = read_since(&path, Some(pos4)).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(Position::decode(&pos4.encode()), Some(pos4));
        assert_eq!(Position::decode("x:1:2"), None);
    }
}
