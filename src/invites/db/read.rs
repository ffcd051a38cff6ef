//! The read queries: invite tokens (by fingerprint), resend-invitation jobs, teams, users,
//! team memberships and town-square join posts, in one read-only snapshot, turned into the
//! facts and sightings the ledger stores.

use serde_json::Value;
use tokio_postgres::{Client, IsolationLevel};

use super::session::{DbSession, Transport};
use super::{DbError, SOURCE, describe};
use crate::invites::facts::{
    EventKind, MemberFact, Observations, TeamEvent, TeamFact, TokenFact, UserFact,
};
use crate::invites::ledger::NewInvitation;
use crate::timefmt;

/// Invite token types (`Token.IsInvitationToken`).
const INVITE_TOKEN_TYPES: &str =
    "('team_invitation', 'guest_invitation', 'guest_magic_link_invitation')";

/// What one read found, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DbCounts {
    pub tokens: usize,
    pub jobs: usize,
    pub teams: usize,
    pub users: usize,
    pub members: usize,
    pub posts: usize,
    /// Whether `teammembers.createat` exists (servers before about 7.2 lack it).
    pub join_times: bool,
    /// How the session that read them reached the server.
    pub transport: Option<Transport>,
}

impl DbCounts {
    /// The summary, led by a warning when the connection went without TLS although TLS was
    /// asked for where offered (`database: connected without TLS (the server offers none); ...`).
    pub fn summary(&self) -> String {
        let mut text = String::new();
        if let Some(warning) = self.transport.and_then(Transport::warning) {
            text.push_str(warning);
            text.push_str("; ");
        }
        text.push_str(&format!(
            "{} pending invite tokens, {} resend jobs, {} teams, {} users, {} memberships, {} join posts",
            self.tokens, self.jobs, self.teams, self.users, self.members, self.posts
        ));
        if !self.join_times {
            text.push_str(" (no teammembers.createat on this server: join times come from posts)");
        }
        text
    }
}

fn query_error(what: &'static str) -> impl Fn(tokio_postgres::Error) -> DbError {
    move |e| DbError::Query {
        what,
        message: describe(&e),
    }
}

/// The server's id (`systems.DiagnosticId`), which names its ledger.
pub async fn server_id(client: &Client) -> Result<Option<String>, DbError> {
    let row = client
        .query_opt("SELECT value FROM systems WHERE name = 'DiagnosticId'", &[])
        .await
        .map_err(query_error("systems"))?;
    Ok(row.and_then(|r| r.get::<_, Option<String>>(0)))
}

/// Reads everything changed since `since_ms` (0: everything), and every invite token present
/// now, in one consistent snapshot.
pub async fn read(
    session: &mut DbSession,
    since_ms: i64,
) -> Result<(Observations, DbCounts), DbError> {
    let transport = session.transport;
    let tx = session
        .client
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .await
        .map_err(query_error("begin"))?;
    let mut observed = Observations::default();
    let mut counts = DbCounts {
        transport: Some(transport),
        ..DbCounts::default()
    };

    let rows = tx
        .query(
            &format!(
                "SELECT left(encode(sha256(convert_to(token, 'UTF8')), 'hex'), 16),
                        coalesce(createat, 0), coalesce(type, ''), coalesce(extra, '')
                 FROM tokens WHERE type IN {INVITE_TOKEN_TYPES}"
            ),
            &[],
        )
        .await
        .map_err(query_error("tokens"))?;
    let mut present = Vec::new();
    for row in rows {
        let fingerprint: String = row.get(0);
        let created_at: i64 = row.get(1);
        let kind: String = row.get(2);
        let extra: String = row.get(3);
        present.push(TokenFact {
            fingerprint: fingerprint.clone(),
            created_at,
        });
        if let Some(sighting) = token_sighting(&fingerprint, created_at, &kind, &extra) {
            observed.invitations.push(sighting);
        }
    }
    counts.tokens = present.len();
    observed.tokens_present = Some(present);

    let rows = tx
        .query(
            "SELECT id, coalesce(createat, 0), coalesce(lastactivityat, 0), coalesce(status, ''),
                    coalesce(data::text, '{}')
             FROM jobs WHERE type = 'resend_invitation_email'
               AND (createat > $1 OR lastactivityat > $1)",
            &[&since_ms],
        )
        .await
        .map_err(query_error("jobs"))?;
    counts.jobs = rows.len();
    for row in rows {
        let id: String = row.get(0);
        let (created, last, status, data): (i64, i64, String, String) =
            (row.get(1), row.get(2), row.get(3), row.get(4));
        job_sightings(&id, created, last, &status, &data, &mut observed);
    }

    let rows = tx
        .query(
            "SELECT id, coalesce(name, ''), coalesce(displayname, ''), coalesce(type::text, 'O'),
                    coalesce(allowopeninvite, false), coalesce(groupconstrained, false),
                    coalesce(createat, 0)
             FROM teams",
            &[],
        )
        .await
        .map_err(query_error("teams"))?;
    counts.teams = rows.len();
    for row in rows {
        let kind: String = row.get(3);
        let open: bool = row.get(4);
        let created: i64 = row.get(6);
        observed.teams.push(TeamFact {
            id: row.get(0),
            name: row.get(1),
            display_name: row.get(2),
            invite_only: kind == "I" || !open,
            group_constrained: row.get(5),
            created_at: (created > 0).then_some(created),
        });
    }

    // Separate statements for a first read and an incremental one: an "or everything"
    // condition would keep the planner from the time indexes.
    let users_sql = "SELECT id, username, email, coalesce(createat, 0), coalesce(deleteat, 0),
                            authservice, coalesce(roles, '')
                     FROM users";
    let rows = if since_ms == 0 {
        tx.query(users_sql, &[]).await
    } else {
        tx.query(
            &format!("{users_sql} WHERE createat > $1 OR updateat > $1 OR deleteat > $1"),
            &[&since_ms],
        )
        .await
    }
    .map_err(query_error("users"))?;
    counts.users = rows.len();
    for row in rows {
        let created: i64 = row.get(3);
        let deleted: i64 = row.get(4);
        let roles: String = row.get(6);
        observed.users.push(UserFact {
            id: row.get(0),
            username: row.get(1),
            email: row.get(2),
            created_at: (created > 0).then_some(created),
            deleted_at: (deleted > 0).then_some(deleted),
            auth_service: row.get(5),
            guest: roles.split_whitespace().any(|r| r == "system_guest"),
        });
    }

    counts.join_times = tx
        .query_opt(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = 'teammembers' AND column_name = 'createat'",
            &[],
        )
        .await
        .map_err(query_error("information_schema"))?
        .is_some();
    let rows = if !counts.join_times {
        // Without the column nothing tells what changed: read them all.
        tx.query(
            "SELECT teamid, userid, 0::bigint, coalesce(deleteat, 0) FROM teammembers",
            &[],
        )
        .await
    } else if since_ms == 0 {
        tx.query(
            "SELECT teamid, userid, coalesce(createat, 0), coalesce(deleteat, 0) FROM teammembers",
            &[],
        )
        .await
    } else {
        tx.query(
            "SELECT teamid, userid, coalesce(createat, 0), coalesce(deleteat, 0) FROM teammembers
             WHERE createat > $1 OR deleteat > $1",
            &[&since_ms],
        )
        .await
    }
    .map_err(query_error("teammembers"))?;
    counts.members = rows.len();
    for row in rows {
        let joined: i64 = row.get(2);
        let left: i64 = row.get(3);
        observed.members.push(MemberFact {
            team_id: row.get(0),
            user_id: row.get(1),
            joined_at: (joined > 0).then_some(joined),
            left_at: (left > 0).then_some(left),
        });
    }

    let rows = tx
        .query(
            "SELECT p.createat, coalesce(p.userid, ''), p.type, coalesce(p.props::text, '{}'),
                    c.teamid
             FROM channels c JOIN posts p ON p.channelid = c.id
             WHERE c.name = 'town-square' AND c.teamid <> '' AND p.createat > $1
               AND p.type IN ('system_join_team', 'system_add_to_team', 'system_leave_team',
                              'system_remove_from_team')",
            &[&since_ms],
        )
        .await
        .map_err(query_error("posts"))?;
    counts.posts = rows.len();
    for row in rows {
        let (at, user, kind, props, team): (i64, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        if let Some(event) = post_event(at, &user, &kind, &props, &team, SOURCE) {
            observed.events.push(event);
        }
    }
    tx.commit().await.map_err(query_error("commit"))?;
    Ok((observed, counts))
}

/// A field of a token's `extra` (a JSON object whose values are all strings).
fn extra_field<'a>(extra: &'a Value, key: &str) -> Option<&'a str> {
    extra
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn token_sighting(
    fingerprint: &str,
    created_at: i64,
    kind: &str,
    extra: &str,
) -> Option<NewInvitation> {
    let extra: Value = serde_json::from_str(extra).ok()?;
    let email = extra_field(&extra, "email")?.to_lowercase();
    let team_id = extra_field(&extra, "teamId")?.to_string();
    let sender = extra_field(&extra, "senderId").map(str::to_string);
    let guest = kind != "team_invitation" || extra_field(&extra, "guest") == Some("true");
    let channels = extra_field(&extra, "channels")
        .map(|c| c.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    Some(NewInvitation {
        sent_at: created_at,
        email: email.clone(),
        team_id,
        team_name: String::new(),
        sender_id: sender,
        sender_username: None,
        kind: if guest { "guest" } else { "member" },
        status: "unknown",
        status_reason: String::new(),
        source: SOURCE,
        said: format!(
            "invite token {fingerprint} for {email} ({kind}) created {}",
            timefmt::utc_minute(created_at)
        ),
        token_fingerprint: Some(fingerprint.to_string()),
        channels,
    })
}

/// A JSON array that may arrive encoded as a string (as resend jobs store it).
fn string_list(value: Option<&Value>) -> Vec<String> {
    let decoded = match value {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    decoded
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn job_sightings(
    id: &str,
    created: i64,
    last_activity: i64,
    status: &str,
    data: &str,
    observed: &mut Observations,
) {
    let Ok(data) = serde_json::from_str::<Value>(data) else {
        return;
    };
    let field = |key: &str| {
        data.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(team_id) = field("teamID") else {
        return;
    };
    let sent_at = field("scheduledAt")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|at| *at > 0)
        .unwrap_or(created);
    let channels = string_list(data.get("channelList"));
    for email in string_list(data.get("emailList")) {
        let email = email.to_lowercase();
        observed.invitations.push(NewInvitation {
            sent_at,
            email: email.clone(),
            team_id: team_id.to_string(),
            team_name: String::new(),
            sender_id: field("senderID").map(str::to_string),
            sender_username: None,
            kind: "member",
            status: "unknown",
            status_reason: String::new(),
            source: SOURCE,
            said: format!("resend_invitation_email job {id} ({status}) lists {email}"),
            token_fingerprint: None,
            channels: channels.clone(),
        });
    }
    // Invalidating all invites cancels the pending resend jobs; only a cancel time the job
    // recorded (after its creation) dates the invalidation.
    if status == "canceled" && last_activity > created + 60_000 {
        observed.events.push(TeamEvent {
            at: last_activity,
            kind: EventKind::InvalidatedAll,
            team_id: None,
            user_id: None,
            actor_id: None,
            detail: format!("resend job {id} canceled (database)"),
            source: SOURCE.to_string(),
        });
    }
}

/// A team event from a town-square system post (its `props`, never its localized text).
pub fn post_event(
    at: i64,
    user_id: &str,
    kind: &str,
    props: &str,
    team_id: &str,
    source: &str,
) -> Option<TeamEvent> {
    let props: Value = serde_json::from_str(props).unwrap_or(Value::Null);
    let prop = |key: &str| {
        props
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let user = (!user_id.is_empty()).then(|| user_id.to_string());
    let (kind, user, actor, detail) = match kind {
        "system_join_team" => (EventKind::Joined, user, None, "system_join_team post"),
        "system_add_to_team" => (
            EventKind::Added,
            prop("addedUserId"),
            prop("userId").or(user),
            "system_add_to_team post",
        ),
        "system_leave_team" => (EventKind::Left, user, None, "system_leave_team post"),
        "system_remove_from_team" => (
            EventKind::Removed,
            user,
            None,
            "system_remove_from_team post",
        ),
        _ => return None,
    };
    Some(TeamEvent {
        at,
        kind,
        team_id: Some(team_id.to_string()),
        user_id: Some(user?),
        actor_id: actor,
        detail: detail.to_string(),
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_fallback_the_user_did_not_ask_for_is_worth_a_warning() {
        let counts = DbCounts {
            tokens: 2,
            join_times: true,
            transport: Some(Transport::PlainServerOffersNone),
            ..DbCounts::default()
        };
        assert!(
            counts
                .summary()
                .starts_with("connected without TLS (the server offers none); 2 pending"),
            "{}",
            counts.summary()
        );
        for quiet in [
            Transport::Tls,
            Transport::LocalSocket,
            Transport::PlainByRequest,
        ] {
            let counts = DbCounts {
                transport: Some(quiet),
                join_times: true,
                ..DbCounts::default()
            };
            assert!(counts.summary().starts_with("0 pending"), "{quiet:?}");
        }
    }

    #[test]
    fn tokens_of_every_shape_become_sightings() {
        let plain = token_sighting(
            "ab12",
            5,
            "team_invitation",
            r#"{"email":"Ana@x.org","teamId":"t1"}"#,
        )
        .unwrap();
        assert_eq!(plain.email, "ana@x.org");
        assert_eq!(plain.sender_id, None);
        assert_eq!(plain.kind, "member");
        let with_channels = token_sighting(
            "cd34",
            5,
            "team_invitation",
            r#"{"channels":"c1 c2","email":"b@x.org","senderId":"u1","teamId":"t1"}"#,
        )
        .unwrap();
        assert_eq!(with_channels.channels, vec!["c1", "c2"]);
        assert_eq!(with_channels.sender_id.as_deref(), Some("u1"));
        let guest = token_sighting(
            "ef56",
            5,
            "guest_invitation",
            r#"{"channels":"","email":"g@x.org","guest":"true","senderId":"u1","teamId":"t1"}"#,
        )
        .unwrap();
        assert_eq!(guest.kind, "guest");
        assert!(guest.channels.is_empty());
        assert!(token_sighting("x", 5, "team_invitation", "not json").is_none());
        assert!(token_sighting("x", 5, "team_invitation", r#"{"email":"a@x"}"#).is_none());
    }

    #[test]
    fn resend_jobs_list_their_addresses_and_a_cancel_is_an_invalidation() {
        let mut observed = Observations::default();
        job_sightings(
            "j1",
            100,
            120_100,
            "canceled",
            r#"{"teamID":"t1","senderID":"u1","emailList":"[\"a@x.org\",\"B@x.org\"]","scheduledAt":"150","channelList":"[\"c1\"]"}"#,
            &mut observed,
        );
        let emails: Vec<&str> = observed
            .invitations
            .iter()
            .map(|i| i.email.as_str())
            .collect();
        assert_eq!(emails, vec!["a@x.org", "b@x.org"]);
        assert_eq!(observed.invitations[0].sent_at, 150);
        assert_eq!(observed.invitations[0].sender_id.as_deref(), Some("u1"));
        assert_eq!(observed.invitations[0].channels, vec!["c1"]);
        assert_eq!(observed.events.len(), 1);
        assert_eq!(observed.events[0].kind, EventKind::InvalidatedAll);
        assert_eq!(observed.events[0].at, 120_100);

        // A canceled job that never recorded when it was canceled dates nothing.
        let mut undated = Observations::default();
        job_sightings(
            "j2",
            100,
            100,
            "canceled",
            r#"{"teamID":"t1","emailList":"[\"a@x.org\"]"}"#,
            &mut undated,
        );
        assert_eq!(undated.invitations.len(), 1);
        assert!(undated.events.is_empty());
    }

    #[test]
    fn join_and_add_posts_name_who_and_by_whom() {
        let add = post_event(
            7,
            "adder",
            "system_add_to_team",
            r#"{"userId":"adder","username":"boss","addedUserId":"new","addedUsername":"n"}"#,
            "t1",
            "database",
        )
        .unwrap();
        assert_eq!(add.kind, EventKind::Added);
        assert_eq!(add.user_id.as_deref(), Some("new"));
        assert_eq!(add.actor_id.as_deref(), Some("adder"));
        let join = post_event(8, "u2", "system_join_team", "{}", "t1", "rest").unwrap();
        assert_eq!(join.kind, EventKind::Joined);
        assert!(post_event(9, "u2", "system_join_channel", "{}", "t1", "rest").is_none());
    }
}
