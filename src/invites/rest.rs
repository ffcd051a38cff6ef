//! The REST API as an invitation source, for when no database is reachable: teams, accounts,
//! team members, and the join/add posts in each team's town-square (the API never returns a
//! member's join time; the posts do). Also the one write the tab offers besides sending:
//! invalidating every pending email invite.

use serde::Deserialize;
use serde_json::Value;

use super::db::post_event;
use super::facts::{MemberFact, Observations, TeamFact, UserFact};
use crate::mm::client::path_segment;
use crate::mm::{ApiError, Endpoint, MmClient};

pub const SOURCE: &str = "REST";

const PER_PAGE: usize = 200;
/// The first read of a town-square goes back this many posts at most.
const FIRST_READ_POSTS: usize = 10_000;

#[derive(Debug, Deserialize)]
struct Team {
    id: String,
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    allow_open_invite: bool,
    #[serde(default)]
    group_constrained: Option<bool>,
    #[serde(default)]
    create_at: i64,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    create_at: i64,
    #[serde(default)]
    delete_at: i64,
    #[serde(default)]
    auth_service: String,
    #[serde(default)]
    roles: String,
}

#[derive(Debug, Deserialize)]
struct Member {
    team_id: String,
    user_id: String,
    #[serde(default)]
    delete_at: i64,
}

#[derive(Debug, Deserialize)]
struct Channel {
    id: String,
}

#[derive(Debug, Deserialize)]
struct PostList {
    #[serde(default)]
    order: Vec<String>,
    #[serde(default)]
    posts: serde_json::Map<String, Value>,
}

/// What one read found, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RestCounts {
    pub teams: usize,
    pub users: usize,
    pub members: usize,
    pub posts: usize,
    /// Teams whose town-square could not be read, with why.
    pub missed: Vec<String>,
}

impl RestCounts {
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} teams, {} users, {} members, {} join/add posts",
            self.teams, self.users, self.members, self.posts
        );
        if !self.missed.is_empty() {
            text.push_str(&format!(
                "; join posts not read for {} teams ({})",
                self.missed.len(),
                self.missed.first().cloned().unwrap_or_default()
            ));
        }
        text
    }
}

async fn pages<T: serde::de::DeserializeOwned>(
    client: &MmClient,
    path: &str,
    limit: usize,
) -> Result<Vec<T>, ApiError> {
    let mut all = Vec::new();
    for page in 0.. {
        let batch: Vec<T> = client
            .get_json(
                &Endpoint::get(path.to_string()),
                &[
                    ("page", page.to_string()),
                    ("per_page", PER_PAGE.to_string()),
                ],
            )
            .await?;
        let last = batch.len() < PER_PAGE;
        all.extend(batch);
        if last || all.len() >= limit {
            break;
        }
    }
    Ok(all)
}

/// Reads teams, users and members, and the town-square posts since `since_ms` (0: the
/// latest ones, up to a limit).
pub async fn read(
    client: &MmClient,
    since_ms: i64,
) -> Result<(Observations, RestCounts), ApiError> {
    let mut observed = Observations::default();
    let mut counts = RestCounts::default();
    let teams: Vec<Team> = pages(client, "/api/v4/teams", usize::MAX).await?;
    counts.teams = teams.len();
    let users: Vec<User> = pages(client, "/api/v4/users", usize::MAX).await?;
    counts.users = users.len();
    for user in users {
        observed.users.push(UserFact {
            guest: user.roles.split_whitespace().any(|r| r == "system_guest"),
            id: user.id,
            username: (!user.username.is_empty()).then_some(user.username),
            // Without the permission to see emails the server sends them blank.
            email: (!user.email.is_empty()).then_some(user.email),
            created_at: (user.create_at > 0).then_some(user.create_at),
            deleted_at: (user.delete_at > 0).then_some(user.delete_at),
            auth_service: Some(user.auth_service),
        });
    }
    for team in &teams {
        let members: Vec<Member> = pages(
            client,
            &format!("/api/v4/teams/{}/members", path_segment(&team.id)),
            usize::MAX,
        )
        .await?;
        counts.members += members.len();
        observed
            .members
            .extend(members.into_iter().map(|m| MemberFact {
                team_id: m.team_id,
                user_id: m.user_id,
                joined_at: None,
                left_at: (m.delete_at > 0).then_some(m.delete_at),
            }));
        match team_posts(client, &team.id, since_ms).await {
            Ok(events) => {
                counts.posts += events.len();
                observed.events.extend(events);
            }
            Err(err) => counts.missed.push(format!("{}: {err}", team.name)),
        }
    }
    observed.teams = teams
        .into_iter()
        .map(|t| TeamFact {
            invite_only: t.kind == "I" || !t.allow_open_invite,
            group_constrained: t.group_constrained.unwrap_or(false),
            created_at: (t.create_at > 0).then_some(t.create_at),
            id: t.id,
            name: t.name,
            display_name: t.display_name,
        })
        .collect();
    Ok((observed, counts))
}

/// The join/add/leave/remove posts of a team's town-square.
async fn team_posts(
    client: &MmClient,
    team_id: &str,
    since_ms: i64,
) -> Result<Vec<super::facts::TeamEvent>, ApiError> {
    let channel: Channel = client
        .get_json(
            &Endpoint::get(format!(
                "/api/v4/teams/{}/channels/name/town-square",
                path_segment(team_id)
            )),
            &[],
        )
        .await?;
    let path = format!("/api/v4/channels/{}/posts", path_segment(&channel.id));
    let mut lists = Vec::new();
    if since_ms > 0 {
        let list: PostList = client
            .get_json(&Endpoint::get(path), &[("since", since_ms.to_string())])
            .await?;
        lists.push(list);
    } else {
        let mut read = 0;
        for page in 0.. {
            let list: PostList = client
                .get_json(
                    &Endpoint::get(path.clone()),
                    &[
                        ("page", page.to_string()),
                        ("per_page", PER_PAGE.to_string()),
                    ],
                )
                .await?;
            let n = list.order.len();
            read += n;
            lists.push(list);
            if n < PER_PAGE || read >= FIRST_READ_POSTS {
                break;
            }
        }
    }
    let mut events = Vec::new();
    for list in lists {
        for post in list.posts.values() {
            let field = |key: &str| post.get(key).and_then(Value::as_str).unwrap_or_default();
            let at = post.get("create_at").and_then(Value::as_i64).unwrap_or(0);
            let props = post.get("props").map(Value::to_string).unwrap_or_default();
            if let Some(event) =
                post_event(at, field("user_id"), field("type"), &props, team_id, SOURCE)
            {
                events.push(event);
            }
        }
    }
    events.sort_by_key(|e| e.at);
    Ok(events)
}

/// A team an invitation can be sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamChoice {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub invite_only: bool,
}

/// Every team the caller can see, by name.
pub async fn teams(client: &MmClient) -> Result<Vec<TeamChoice>, ApiError> {
    let teams: Vec<Team> = pages(client, "/api/v4/teams", usize::MAX).await?;
    let mut choices: Vec<TeamChoice> = teams
        .into_iter()
        .map(|t| TeamChoice {
            invite_only: t.kind == "I" || !t.allow_open_invite,
            id: t.id,
            name: t.name,
            display_name: t.display_name,
        })
        .collect();
    choices.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(choices)
}

/// One team, by name (as in its URL).
pub async fn team_by_name(client: &MmClient, name: &str) -> Result<TeamChoice, ApiError> {
    let team: Team = client
        .get_json(
            &Endpoint::get(format!("/api/v4/teams/name/{}", path_segment(name))),
            &[],
        )
        .await?;
    Ok(TeamChoice {
        invite_only: team.kind == "I" || !team.allow_open_invite,
        id: team.id,
        name: team.name,
        display_name: team.display_name,
    })
}

/// The ids of a team's channels, by name (as in their URLs); the first unknown name is an
/// error that names it.
pub async fn channel_ids(
    client: &MmClient,
    team_id: &str,
    names: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let endpoint = Endpoint::get(format!(
            "/api/v4/teams/{}/channels/name/{}",
            path_segment(team_id),
            path_segment(name)
        ));
        match client.get_json::<Channel>(&endpoint, &[]).await {
            Ok(channel) => ids.push(channel.id),
            Err(ApiError::Server { status: 404, .. }) => {
                return Err(ApiError::Other(format!(
                    "the team has no channel named {name}"
                )));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(ids)
}

/// Invalidates every pending email invite on the server (`DELETE /teams/invites/email`).
pub async fn invalidate_all(client: &MmClient) -> Result<(), ApiError> {
    let endpoint = Endpoint::delete("/api/v4/teams/invites/email").needs("invalidate_email_invite");
    client
        .execute(&endpoint, &[], None::<&()>, |s| s.is_success())
        .await?;
    Ok(())
}
