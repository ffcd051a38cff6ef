//! The REST API as an invitation source, for when no database is reachable: teams, accounts,
//! team members, and the join/add posts in each team's town-square (the API never returns a
//! member's join time; the posts do). Also the one write the tab offers besides sending:
//! invalidating every pending email invite.

use serde::Deserialize;
use serde_json::Value;

use super::db::post_event;
use super::facts::{MemberFact, Observations, TeamFact, UserFact};
use crate::mm::{ApiError, Endpoint, MmClient, routes};

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
    /// Teams not read whole, by name, with what was missed and why: `sales (join posts:
    /// permission denied: …)`.
    pub missed: Vec<String>,
}

/// How a summary begins the teams it could not read whole; see [`partly_read`].
const NOT_READ: &str = "; not read for ";
/// Teams named in a summary at most.
const NAMED_MISSES: usize = 3;

impl RestCounts {
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} teams, {} users, {} members, {} join/add posts",
            self.teams, self.users, self.members, self.posts
        );
        if !self.missed.is_empty() {
            let named: Vec<&str> = self
                .missed
                .iter()
                .take(NAMED_MISSES)
                .map(String::as_str)
                .collect();
            text.push_str(&format!(
                "{NOT_READ}{} of {} teams: {}",
                self.missed.len(),
                self.teams,
                named.join(", ")
            ));
            if self.missed.len() > NAMED_MISSES {
                text.push_str(&format!(" and {} more", self.missed.len() - NAMED_MISSES));
            }
        }
        text
    }

    fn miss(&mut self, team: &Team, what: &str, err: &ApiError) {
        self.missed
            .push(format!("{} ({what}: {})", team.name, without_endpoint(err)));
    }
}

/// What a read [`summary`](RestCounts::summary) could not read, when it missed some teams:
/// `1 of 3 teams: engineering (members: permission denied: …)`.
pub fn partly_read(summary: &str) -> Option<&str> {
    summary
        .split_once(NOT_READ)
        .map(|(_, missed)| missed)
        .filter(|missed| !missed.is_empty())
}

/// The error without the endpoint it names first, when the endpoint's path holds nothing but
/// the team's id: the team is named by its name instead.
fn without_endpoint(err: &ApiError) -> String {
    let text = err.to_string();
    if let ApiError::Forbidden { endpoint, .. } = err
        && let Some(rest) = text
            .strip_prefix(endpoint.as_str())
            .and_then(|rest| rest.strip_prefix(": "))
    {
        return rest.to_string();
    }
    text
}

async fn pages<T: serde::de::DeserializeOwned>(
    client: &MmClient,
    endpoint: Endpoint,
    limit: usize,
) -> Result<Vec<T>, ApiError> {
    let mut all = Vec::new();
    for page in 0.. {
        let batch: Vec<T> = client
            .get_json(
                &endpoint,
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
    let teams: Vec<Team> = pages(client, routes::teams(), usize::MAX).await?;
    counts.teams = teams.len();
    let users: Vec<User> = pages(client, routes::users(), usize::MAX).await?;
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
        // The server lists open teams the token is no member of; it may not read their
        // members (nor their channels, which the same team role gives): that team is missed.
        let members: Vec<Member> =
            match pages(client, routes::team_members(&team.id), usize::MAX).await {
                Ok(members) => members,
                Err(err @ ApiError::Forbidden { .. }) => {
                    counts.miss(team, "members", &err);
                    continue;
                }
                Err(err) => return Err(err),
            };
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
            Err(err) => counts.miss(team, "join posts", &err),
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
        .get_json(&routes::channel_by_name(team_id, "town-square"), &[])
        .await?;
    let posts = routes::channel_posts(&channel.id);
    let mut lists = Vec::new();
    if since_ms > 0 {
        let list: PostList = client
            .get_json(&posts, &[("since", since_ms.to_string())])
            .await?;
        lists.push(list);
    } else {
        let mut read = 0;
        for page in 0.. {
            let list: PostList = client
                .get_json(
                    &posts,
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
    let teams: Vec<Team> = pages(client, routes::teams(), usize::MAX).await?;
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
    let team: Team = client.get_json(&routes::team_by_name(name), &[]).await?;
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
        match client
            .get_json::<Channel>(&routes::channel_by_name(team_id, name), &[])
            .await
        {
            Ok(channel) => ids.push(channel.id),
            Err(ApiError::Server { status: 404, .. }) => {
                return Err(ApiError::Other(format!(
                    "the team has no channel named {name} (or it is private and the token may \
                     not read it: the server answers both alike)"
                )));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(ids)
}

/// Invalidates every pending email invite on the server (`DELETE /teams/invites/email`).
pub async fn invalidate_all(client: &MmClient) -> Result<(), ApiError> {
    let endpoint = routes::invalidate_email_invites();
    client
        .execute(&endpoint, &[], None::<&()>, |s| s.is_success())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str, permission: &'static str) -> ApiError {
        ApiError::Forbidden {
            endpoint: format!("GET {path}"),
            permission: Some(permission.to_string()),
            message: String::new(),
        }
    }

    fn team(name: &str) -> Team {
        Team {
            id: "4n1yy6ne3razdsyggsww596cc9".into(),
            name: name.into(),
            display_name: String::new(),
            kind: "O".into(),
            allow_open_invite: true,
            group_constrained: None,
            create_at: 0,
        }
    }

    #[test]
    fn a_refused_team_is_named_with_the_permission_not_its_id() {
        let mut counts = RestCounts {
            teams: 3,
            users: 10,
            members: 4,
            posts: 2,
            missed: Vec::new(),
        };
        assert_eq!(partly_read(&counts.summary()), None);
        counts.miss(
            &team("engineering"),
            "members",
            &refused(
                "/api/v4/teams/4n1yy6ne3razdsyggsww596cc9/members",
                "view_team",
            ),
        );
        let summary = counts.summary();
        assert_eq!(
            summary,
            "3 teams, 10 users, 4 members, 2 join/add posts; not read for 1 of 3 teams: \
             engineering (members: permission denied: the token lacks the 'view_team' permission)"
        );
        assert_eq!(
            partly_read(&summary),
            Some(
                "1 of 3 teams: engineering (members: permission denied: the token lacks the \
                 'view_team' permission)"
            )
        );
    }

    #[test]
    fn a_summary_names_a_few_teams_and_counts_the_rest() {
        let mut counts = RestCounts {
            teams: 5,
            ..RestCounts::default()
        };
        for name in ["a", "b", "c", "d", "e"] {
            counts.miss(
                &team(name),
                "join posts",
                &ApiError::Other("no answer".into()),
            );
        }
        let summary = counts.summary();
        assert!(
            summary.ends_with(
                "not read for 5 of 5 teams: a (join posts: no answer), b (join posts: no \
                 answer), c (join posts: no answer) and 2 more"
            ),
            "{summary}"
        );
    }
}
