//! The demo server's invitation history over the last six days: invites accepted by the invited
//! address (new and existing accounts), one used by a different account, some expired, some
//! pending, an invalidation that revokes the open ones, a refused address, a guest invite, and
//! members who came in another way (an admin's batch add, the team's invite link). Every piece
//! leaves the evidence a real server leaves: users, team members with their join time,
//! town-square posts, and events for the audit and debug logs.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::rng::Rng;
use super::world::{
    ADMIN_USERNAME, DAY_MS, DemoMember, DemoUser, HOUR_MS, MFA_USERNAME, VIEWER_USERNAME, World,
};

/// How long an invitation token stays valid.
pub const INVITE_EXPIRY_MS: i64 = 48 * HOUR_MS;
const MINUTE_MS: i64 = 60_000;

/// The reason the server gives for an address outside the team's allowed domains.
pub const DOMAIN_REFUSED: &str =
    "The following email addresses do not belong to an accepted domain.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteOutcome {
    /// Not used: pending while under 48 h old, expired after that.
    Open,
    /// The token was consumed and `user_id` joined the team (`created`: the account was made
    /// with it).
    Used {
        user_id: String,
        at: i64,
        created: bool,
    },
    /// Deleted by an invalidation of all email invites.
    Revoked { at: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoInvite {
    /// The email token. A secret: never served, logged or written anywhere.
    pub token: String,
    pub email: String,
    pub team_id: String,
    /// Empty for an invite sent over the local socket (mmctl).
    pub sender_id: String,
    pub sent_at: i64,
    pub channel_ids: Vec<String>,
    pub guest: bool,
    pub outcome: InviteOutcome,
}

impl DemoInvite {
    /// Unused and still valid at `now_ms`.
    pub fn is_open(&self, now_ms: i64) -> bool {
        self.outcome == InviteOutcome::Open && now_ms - self.sent_at < INVITE_EXPIRY_MS
    }
}

#[derive(Debug, Clone)]
pub struct DemoPost {
    pub id: String,
    pub channel_id: String,
    pub user_id: String,
    /// `""` for a message, `system_join_team` etc. for system posts.
    pub post_type: String,
    pub props: Value,
    pub create_at: i64,
    pub message: String,
}

/// One call to an invite endpoint.
#[derive(Debug, Clone)]
pub struct InviteCall {
    pub team_id: String,
    /// Empty for a call over the local socket.
    pub sender_id: String,
    pub local: bool,
    pub guest: bool,
    pub channel_ids: Vec<String>,
    pub sent: Vec<String>,
    /// `email:reason` for each refused address.
    pub refused: Vec<String>,
}

/// Something the server did that its logs record.
#[derive(Debug, Clone)]
pub enum DemoEvent {
    Invited {
        at: i64,
        call: InviteCall,
    },
    /// A sign-up with an invitation token.
    UserCreatedFromInvite {
        at: i64,
        user_id: String,
        guest: bool,
    },
    /// `POST /teams/members/invite`: with an email token (`invite_id` empty, as the token is
    /// not recorded) or with the team's invite link id.
    JoinedFromInvite {
        at: i64,
        user_id: String,
        team_id: String,
        invite_id: String,
    },
    MembersAdded {
        at: i64,
        actor_id: String,
        team_id: String,
        user_ids: Vec<String>,
    },
    InvitesInvalidated {
        at: i64,
        actor_id: String,
    },
}

impl DemoEvent {
    pub fn at(&self) -> i64 {
        match self {
            DemoEvent::Invited { at, .. }
            | DemoEvent::UserCreatedFromInvite { at, .. }
            | DemoEvent::JoinedFromInvite { at, .. }
            | DemoEvent::MembersAdded { at, .. }
            | DemoEvent::InvitesInvalidated { at, .. } => *at,
        }
    }
}

const CHATTER: &[&str] = &[
    "Morning all, standup notes are in the channel header.",
    "Reminder: the staging deploy is frozen until Thursday.",
    "Who has the on-call pager this week?",
    "Welcome to everyone who joined this week!",
    "The quarterly review deck is up on the drive.",
    "Lunch order closes at 11:30.",
];

/// Adds the invitation history to a freshly generated world.
pub fn add_invitation_story(world: &mut World, rng: Rng) {
    let mut story = Story {
        world,
        rng,
        taken: HashSet::new(),
    };
    story.run();
    story.add_chatter();
    let world = story.world;
    world.events.sort_by_key(DemoEvent::at);
    world.posts.sort_by_key(|p| p.create_at);
}

struct Story<'a> {
    world: &'a mut World,
    rng: Rng,
    /// Existing users already given a part, so each plays one.
    taken: HashSet<String>,
}

impl Story<'_> {
    fn run(&mut self) {
        let now = self.world.now_ms;
        let (
            Some(admin),
            Some(eng),
            Some(support),
            Some(sales),
            Some(secops),
            Some(mkt),
            Some(lead),
        ) = (
            self.world
                .user_by_login(ADMIN_USERNAME)
                .map(|u| u.id.clone()),
            self.team_id("engineering"),
            self.team_id("customer-support"),
            self.team_id("sales"),
            self.team_id("security-ops"),
            self.team_id("marketing"),
            self.team_id("leadership"),
        )
        else {
            return;
        };
        let Some(team_admin) = self.make_team_admin(&support) else {
            return;
        };
        let ago = |days: i64, hours: i64| now - days * DAY_MS - hours * HOUR_MS;

        // Expires unused, before the invalidation.
        self.send(ago(5, 22), &admin, &eng, &["j.doe@example.net"], &[]);
        let invite = self.send(ago(5, 20), &admin, &sales, &["lena.fox@example.com"], &[]);
        self.accept_new(invite, 3 * HOUR_MS, ["Lena", "Fox"]);
        if let Some(user) = self.outsider(&mkt, ago(5, 18), None) {
            let invite = self.send(ago(5, 18), &admin, &mkt, &[&user.email], &[]);
            self.accept_existing(invite, 6 * HOUR_MS, &user.id);
        }
        let invite = self.send(
            ago(4, 10),
            &team_admin,
            &support,
            &["marco.ruiz@example.org"],
            &[],
        );
        self.accept_new(invite, 26 * HOUR_MS, ["Marco", "Ruiz"]);
        // The invited address never joins; another existing account uses the token. No other
        // invite to the team is open then, so there is no doubt whose token it was.
        if let Some(user) = self.outsider(&lead, ago(4, 6), None) {
            let invite = self.send(ago(4, 6), &admin, &lead, &["carol.n@example.com"], &[]);
            self.accept_existing(invite, 100 * MINUTE_MS, &user.id);
        }
        // mmctl over the local socket: one address refused by the team's allowed domains; the
        // other is still open at the invalidation.
        if let Some(user) = self.outsider(&secops, ago(4, 2), Some("@example.com")) {
            let refused = format!("dev@contractor.io:{DOMAIN_REFUSED}");
            let first = self.send(
                ago(4, 2),
                "",
                &secops,
                &[&user.email, "ops.contractor@example.com"],
                &[&refused],
            );
            self.accept_existing(first, HOUR_MS, &user.id);
        }
        self.send(ago(3, 20), &admin, &sales, &["k.ito@example.com"], &[]);
        self.send(
            ago(3, 6),
            &admin,
            &eng,
            &["t.walsh@example.org", "n.ahmed@example.com"],
            &[],
        );
        self.invalidate(ago(3, 0), &admin);
        // Sent after the invalidation, more than 48 h ago: expired.
        self.send(
            ago(2, 20),
            &team_admin,
            &support,
            &["p.kumar@example.com", "s.olsen@example.org"],
            &[],
        );
        if let Some(user) = self.outsider(&eng, ago(2, 12), None) {
            self.batch_add(ago(2, 12), &admin, &eng, &user);
        }
        if let Some(user) = self.outsider(&lead, ago(2, 5), None) {
            let invite = self.send(ago(2, 5), &admin, &lead, &[&user.email], &[]);
            self.accept_existing(invite, 10 * HOUR_MS, &user.id);
        }
        if let Some(user) = self.outsider(&sales, ago(1, 8), None) {
            self.join_by_link(ago(1, 8), &sales, &user);
        }
        let off_topic = self.channel_id(&eng, "off-topic");
        let invite = self.send_with(
            ago(1, 6),
            &admin,
            &eng,
            &["priya.shah@example.com"],
            (off_topic.clone(), false),
        );
        self.accept_new(invite, 2 * HOUR_MS, ["Priya", "Shah"]);
        let invite = self.send_with(
            ago(1, 3),
            &admin,
            &eng,
            &["guest.auditor@example.net"],
            (off_topic, true),
        );
        self.accept_new(invite, 4 * HOUR_MS, ["Guest", "Auditor"]);
        // Still pending.
        self.send(ago(0, 20), &admin, &mkt, &["r.tan@example.com"], &[]);
        self.send(
            ago(0, 6),
            &team_admin,
            &support,
            &["m.berg@example.net"],
            &[],
        );
        self.send_exact(
            now - 95 * MINUTE_MS,
            &admin,
            &eng,
            &["new.hire@example.com", "contractor@example.net"],
            &[],
        );
        let refused = format!("bad-address:{DOMAIN_REFUSED}");
        self.send_exact(
            now - 35 * MINUTE_MS,
            &admin,
            &eng,
            &["intern@example.com"],
            &[&refused],
        );
    }

    fn team_id(&self, name: &str) -> Option<String> {
        self.world
            .teams
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id.clone())
    }

    fn channel_id(&self, team_id: &str, name: &str) -> Vec<String> {
        self.world
            .channels
            .iter()
            .filter(|c| c.team_id == team_id && c.name == name)
            .map(|c| c.id.clone())
            .collect()
    }

    fn jitter(&mut self) -> i64 {
        self.rng.range(0, 15 * MINUTE_MS)
    }

    fn is_member(&self, team_id: &str, user_id: &str) -> bool {
        self.world
            .members
            .iter()
            .any(|m| m.team_id == team_id && m.user_id == user_id)
    }

    /// An active, password-login account, older than a day at `before`, not on the team and not
    /// given another part (and on `domain` when given).
    fn outsider(&mut self, team_id: &str, before: i64, domain: Option<&str>) -> Option<DemoUser> {
        let count = self.world.users.len();
        let start = self.rng.below(count);
        let found = (0..count)
            .map(|i| &self.world.users[(start + i) % count])
            .find(|u| {
                ![ADMIN_USERNAME, VIEWER_USERNAME, MFA_USERNAME].contains(&u.username.as_str())
                    && !u.is_bot
                    && u.delete_at == 0
                    && u.auth_service.is_empty()
                    && u.create_at < before - DAY_MS
                    && domain.is_none_or(|d| u.email.ends_with(d))
                    && !self.taken.contains(&u.id)
                    && !self.is_member(team_id, &u.id)
            })
            .cloned()?;
        self.taken.insert(found.id.clone());
        Some(found)
    }

    /// A plain user made admin of `team_id` (and a member of it if they were not).
    fn make_team_admin(&mut self, team_id: &str) -> Option<String> {
        let user = self.outsider("", self.world.now_ms - 30 * DAY_MS, None)?;
        let team_created = self.world.team(team_id).map(|t| t.create_at)?;
        let roles = "team_user team_admin".to_string();
        match self
            .world
            .members
            .iter_mut()
            .find(|m| m.team_id == team_id && m.user_id == user.id)
        {
            Some(member) => member.roles = roles,
            None => {
                let join_at = team_created.max(user.create_at) + self.rng.range(0, 2 * DAY_MS);
                self.world.members.push(DemoMember {
                    team_id: team_id.to_string(),
                    user_id: user.id.clone(),
                    roles,
                    join_at,
                });
            }
        }
        Some(user.id)
    }

    fn send(
        &mut self,
        at: i64,
        sender: &str,
        team: &str,
        emails: &[&str],
        refused: &[&str],
    ) -> usize {
        let at = at + self.jitter();
        self.invite_call(at, sender, team, emails, refused, (Vec::new(), false))
    }

    fn send_exact(&mut self, at: i64, sender: &str, team: &str, emails: &[&str], refused: &[&str]) {
        self.invite_call(at, sender, team, emails, refused, (Vec::new(), false));
    }

    /// An invite with channels; `guest` makes it a guest invite (channels required).
    fn send_with(
        &mut self,
        at: i64,
        sender: &str,
        team: &str,
        emails: &[&str],
        (channel_ids, guest): (Vec<String>, bool),
    ) -> usize {
        let at = at + self.jitter();
        self.invite_call(at, sender, team, emails, &[], (channel_ids, guest))
    }

    /// Records the call and its invites; returns the index of the first invite.
    fn invite_call(
        &mut self,
        at: i64,
        sender: &str,
        team: &str,
        emails: &[&str],
        refused: &[&str],
        (channel_ids, guest): (Vec<String>, bool),
    ) -> usize {
        let first = self.world.invites.len();
        for email in emails {
            self.world.invites.push(DemoInvite {
                token: self.rng.alnum(64),
                email: (*email).to_string(),
                team_id: team.to_string(),
                sender_id: sender.to_string(),
                sent_at: at,
                channel_ids: channel_ids.clone(),
                guest,
                outcome: InviteOutcome::Open,
            });
        }
        self.world.events.push(DemoEvent::Invited {
            at,
            call: InviteCall {
                team_id: team.to_string(),
                sender_id: sender.to_string(),
                local: sender.is_empty(),
                guest,
                channel_ids,
                sent: emails.iter().map(|e| (*e).to_string()).collect(),
                refused: refused.iter().map(|e| (*e).to_string()).collect(),
            },
        });
        first
    }

    /// The invited address signs up with the token `after` the invite was sent.
    fn accept_new(&mut self, index: usize, after: i64, [first, last]: [&str; 2]) {
        let Some(invite) = self.world.invites.get(index).cloned() else {
            return;
        };
        let at = invite.sent_at + after + self.jitter();
        let username = invite
            .email
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let user = DemoUser {
            id: self.rng.id(),
            username,
            email: invite.email.clone(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            roles: if invite.guest {
                "system_guest"
            } else {
                "system_user"
            }
            .to_string(),
            auth_service: String::new(),
            create_at: at,
            update_at: at,
            delete_at: 0,
            is_bot: false,
            password: None,
            mfa_code: None,
            last_activity_at: at + self.rng.range(0, (self.world.now_ms - at).max(1)),
        };
        let user_id = user.id.clone();
        self.world.users.push(user.clone());
        self.world.events.push(DemoEvent::UserCreatedFromInvite {
            at,
            user_id: user_id.clone(),
            guest: invite.guest,
        });
        self.join(&invite.team_id, &user, at, invite.guest);
        self.world.invites[index].outcome = InviteOutcome::Used {
            user_id,
            at,
            created: true,
        };
    }

    /// An existing account joins the invite's team with its token `after` it was sent.
    fn accept_existing(&mut self, index: usize, after: i64, user_id: &str) {
        let (Some(invite), Some(user)) = (
            self.world.invites.get(index).cloned(),
            self.world.user(user_id).cloned(),
        ) else {
            return;
        };
        let at = invite.sent_at + after + self.jitter();
        self.world.events.push(DemoEvent::JoinedFromInvite {
            at,
            user_id: user.id.clone(),
            team_id: invite.team_id.clone(),
            invite_id: String::new(),
        });
        self.join(&invite.team_id, &user, at, false);
        self.world.invites[index].outcome = InviteOutcome::Used {
            user_id: user.id,
            at,
            created: false,
        };
    }

    fn join_by_link(&mut self, at: i64, team_id: &str, user: &DemoUser) {
        let Some(invite_id) = self.world.team(team_id).map(|t| t.invite_id.clone()) else {
            return;
        };
        let at = at + self.jitter();
        self.world.events.push(DemoEvent::JoinedFromInvite {
            at,
            user_id: user.id.clone(),
            team_id: team_id.to_string(),
            invite_id,
        });
        self.join(team_id, user, at, false);
    }

    fn batch_add(&mut self, at: i64, actor_id: &str, team_id: &str, user: &DemoUser) {
        let at = at + self.jitter();
        let Some(actor) = self.world.user(actor_id).cloned() else {
            return;
        };
        self.world.events.push(DemoEvent::MembersAdded {
            at,
            actor_id: actor.id.clone(),
            team_id: team_id.to_string(),
            user_ids: vec![user.id.clone()],
        });
        self.add_member(team_id, &user.id, at, "team_user");
        self.town_square_post(
            team_id,
            &actor.id,
            at,
            "system_add_to_team",
            json!({
                "userId": actor.id,
                "username": actor.username,
                "addedUserId": user.id,
                "addedUsername": user.username,
            }),
            format!("{} added to the team by {}.", user.username, actor.username),
        );
    }

    /// A member row and, for non-guests, the `system_join_team` post in town-square.
    fn join(&mut self, team_id: &str, user: &DemoUser, at: i64, guest: bool) {
        if guest {
            self.add_member(team_id, &user.id, at, "team_guest");
            return;
        }
        self.add_member(team_id, &user.id, at, "team_user");
        self.town_square_post(
            team_id,
            &user.id,
            at,
            "system_join_team",
            json!({"username": user.username}),
            format!("{} joined the team.", user.username),
        );
    }

    fn add_member(&mut self, team_id: &str, user_id: &str, at: i64, roles: &str) {
        self.world.members.push(DemoMember {
            team_id: team_id.to_string(),
            user_id: user_id.to_string(),
            roles: roles.to_string(),
            join_at: at,
        });
    }

    fn town_square_post(
        &mut self,
        team_id: &str,
        user_id: &str,
        at: i64,
        post_type: &str,
        props: Value,
        message: String,
    ) {
        let Some(channel_id) = self.channel_id(team_id, "town-square").pop() else {
            return;
        };
        self.world.posts.push(DemoPost {
            id: self.rng.id(),
            channel_id,
            user_id: user_id.to_string(),
            post_type: post_type.to_string(),
            props,
            create_at: at,
            message,
        });
    }

    /// `DELETE /teams/invites/email`: every open invite is revoked.
    fn invalidate(&mut self, at: i64, actor_id: &str) {
        let at = at + self.jitter();
        for invite in &mut self.world.invites {
            if invite.is_open(at) {
                invite.outcome = InviteOutcome::Revoked { at };
            }
        }
        self.world.events.push(DemoEvent::InvitesInvalidated {
            at,
            actor_id: actor_id.to_string(),
        });
    }

    /// A few ordinary messages in each town-square, from the team's members.
    fn add_chatter(&mut self) {
        let now = self.world.now_ms;
        let teams: Vec<String> = self.world.teams.iter().map(|t| t.id.clone()).collect();
        for team_id in teams {
            let members: Vec<String> = self
                .world
                .members
                .iter()
                .filter(|m| {
                    m.team_id == team_id && m.roles != "team_guest" && m.join_at < now - 6 * DAY_MS
                })
                .map(|m| m.user_id.clone())
                .collect();
            if members.is_empty() {
                continue;
            }
            for _ in 0..self.rng.range(3, 6) {
                let user_id = self.rng.pick(&members).clone();
                let at = now - self.rng.range(HOUR_MS, 6 * DAY_MS);
                let message = (*self.rng.pick(CHATTER)).to_string();
                self.town_square_post(&team_id, &user_id, at, "", json!({}), message);
            }
        }
    }
}

#[cfg(test)]
mod tests;
