//! The invitation audit: mmops' own ledger of invitations (Mattermost keeps none), fed by
//! every source it can reach (mmops itself, the database, the audit log, the server log, the
//! REST API), each invitation's status decided from the evidence, and the provenance of every
//! team member.

pub mod actions;
pub mod audit;
pub mod db;
pub mod facts;
pub mod ledger;
pub mod pg_tls;
pub mod provenance;
pub mod resolve;
pub mod rest;
pub mod server_log;
pub mod sync;
pub mod tail;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use self::ledger::{Invitation, NewInvitation};
use crate::mm::{ApiError, MmClient, routes};

/// The ledger of one server: `<data dir>/ledgers/<server id>.sqlite`.
pub fn ledger_path(data_dir: &Path, server_id: &str) -> PathBuf {
    let safe: String = server_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    let name = if safe.is_empty() { "server" } else { &safe };
    data_dir.join("ledgers").join(format!("{name}.sqlite"))
}

/// The server's id (its diagnostic id), which names its ledger.
pub async fn server_id(client: &MmClient) -> Result<String, ApiError> {
    let config = client.client_config().await?;
    config
        .server_id()
        .map(str::to_string)
        .ok_or_else(|| ApiError::Other("the server did not give its id (DiagnosticId)".into()))
}

#[derive(Debug, Clone, Deserialize)]
struct Team {
    id: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct GracefulResult {
    email: String,
    #[serde(default)]
    error: Option<Value>,
}

/// An address the server could accept: something before and after one `@`, a dot in the
/// domain, no spaces. The server has the last word (allowed domains, for one).
pub fn plausible_email(text: &str) -> bool {
    match text.trim().split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains(['@', ' ', '\t'])
        }
        None => false,
    }
}

/// What happened to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub email: String,
    /// Why the server refused it, when it did.
    pub error: Option<String>,
}

/// Sends email invitations to `team` (by name) with `graceful=true`; returns each address's
/// result and the ledger rows to record, sender included.
pub async fn send(
    client: &MmClient,
    team_name: &str,
    emails: &[String],
    channel_ids: &[String],
    now_ms: i64,
) -> Result<(Vec<Sent>, Vec<NewInvitation>), ApiError> {
    let team: Team = client
        .get_json(&routes::team_by_name(team_name), &[])
        .await?;
    let sender = if client.is_local() {
        None
    } else {
        Some(client.me().await?)
    };
    let endpoint = routes::invite_by_email(&team.id);
    // A plain list of addresses, or a MemberInvite when channels are chosen.
    let body = if channel_ids.is_empty() {
        json!(emails)
    } else {
        json!({"emails": emails, "channelIds": channel_ids})
    };
    let answers: Vec<GracefulResult> = client
        .send_json(&endpoint, &[("graceful", "true".to_string())], &body)
        .await?;
    let mut sent = Vec::new();
    let mut rows = Vec::new();
    for answer in answers {
        let error = answer.error.filter(|e| !e.is_null()).map(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| e.to_string())
        });
        let (status, reason, said) = match &error {
            Some(why) => (
                "failed",
                why.clone(),
                format!("the server refused to send it: {why}"),
            ),
            None => (
                "pending",
                String::new(),
                "sent with mmops invite; the server accepted it".to_string(),
            ),
        };
        rows.push(NewInvitation {
            sent_at: now_ms,
            email: answer.email.clone(),
            team_id: team.id.clone(),
            team_name: team.name.clone(),
            sender_id: sender.as_ref().map(|u| u.id.clone()),
            sender_username: sender.as_ref().map(|u| u.username.clone()),
            kind: "member",
            status,
            status_reason: reason,
            source: "mmops",
            said,
            token_fingerprint: None,
            channels: channel_ids.to_vec(),
        });
        sent.push(Sent {
            email: answer.email,
            error,
        });
    }
    Ok((sent, rows))
}

fn rfc3339(ms: i64) -> Value {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
        .unwrap_or(Value::Null)
}

/// One invitation as `mmops invites list --json` prints it; absent facts are `null`.
pub fn to_json(invite: &Invitation) -> Value {
    json!({
        "sent_at": rfc3339(invite.sent_at),
        "email": invite.email,
        "team_id": invite.team_id,
        "team_name": invite.team_name,
        "sender_id": invite.sender_id,
        "sender_username": invite.sender_username,
        "kind": invite.kind,
        "status": invite.status,
        "status_at": rfc3339(invite.status_at),
        "used_by_user_id": invite.used_by_user_id,
        "used_by_email": invite.used_by_email,
        "user_created": invite.user_created,
        "token_fingerprint": invite.token_fingerprint,
        "sources": invite.sources,
    })
}

pub const CSV_COLUMNS: [&str; 14] = [
    "sent_at",
    "email",
    "team_id",
    "team_name",
    "sender_id",
    "sender_username",
    "kind",
    "status",
    "status_at",
    "used_by_user_id",
    "used_by_email",
    "user_created",
    "token_fingerprint",
    "sources",
];

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is escaped so a
/// spreadsheet does not run it as a formula.
fn csv_field(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    };
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub fn to_csv_row(invite: &Invitation) -> String {
    let json = to_json(invite);
    CSV_COLUMNS
        .iter()
        .map(|key| csv_field(&json[*key]))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Invitation {
        Invitation {
            id: 1,
            sent_at: 1_795_339_800_000,
            email: "ana@example.org".into(),
            team_id: Some("t1".into()),
            team_name: Some("eng, ops".into()),
            sender_id: None,
            sender_username: None,
            kind: "member".into(),
            token_fingerprint: None,
            status: "failed".into(),
            status_at: 1_795_339_800_000,
            status_reason: "=HYPERLINK(\"x\")".into(),
            used_by_user_id: None,
            used_by_email: None,
            user_created: None,
            sources: vec!["mmops".into(), "audit".into()],
            channels: vec![],
            used_by_username: None,
            sender_unknown_reason: None,
        }
    }

    #[test]
    fn json_has_every_key_with_nulls_for_absent_facts() {
        let json = to_json(&sample());
        for key in CSV_COLUMNS {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["sent_at"], "2026-11-22T09:30:00Z");
        assert!(json["sender_id"].is_null() && json["user_created"].is_null());
        assert_eq!(json["sources"], json!(["mmops", "audit"]));
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let row = to_csv_row(&sample());
        assert!(row.starts_with("2026-11-22T09:30:00Z,ana@example.org,t1,\"eng, ops\","));
        assert!(row.ends_with(",mmops;audit"));
        assert_eq!(csv_field(&json!("=1+1")), "'=1+1");
        assert_eq!(csv_field(&json!("a\"b")), "\"a\"\"b\"");
    }

    #[test]
    fn ledgers_are_named_after_a_safe_server_id() {
        let dir = Path::new("/data");
        assert_eq!(
            ledger_path(dir, "abc123xyz"),
            PathBuf::from("/data/ledgers/abc123xyz.sqlite")
        );
        assert_eq!(
            ledger_path(dir, "../../etc"),
            PathBuf::from("/data/ledgers/etc.sqlite")
        );
    }
}
