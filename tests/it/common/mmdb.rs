//! Scripted Mattermost histories on a database with the schema of `pg::load_schema`.
//!
//! ```ignore
//! let Some(pg) = pg::shared() else { return };
//! let mut db = MmDb::create(pg, "pending_invite"); // fresh db + schema + migrations 1..=175
//! let team = db.team("eng", true);
//! let alice = db.user("alice", "alice@example.com", T0);
//! db.member(&team, &alice, T0);
//! let token = db.token(TokenKind::Team, "bob@example.com", &team, None, &[], T0 + 1000);
//! ```
//!
//! Ids are 26 lowercase base32 characters, deterministic from a per-database counter, so two
//! runs of the same script produce the same rows. Secret columns get canary values (see the
//! `*_CANARY` constants) so tests can prove mmops never reads or prints them.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::pg::{self, Conn, TestPg};

/// `users.password` of every user: bcrypt-looking, never to be selected.
pub const PASSWORD_CANARY: &str = "$2a$10$CANARYPASSWORDHASHmmopsMustNeverSelectThisColumn0123456";
/// Prefix of `users.mfasecret` (the user's id follows).
pub const MFA_CANARY: &str = "CANARYMFASECRET";
/// Prefix of `users.authdata` (unique per user).
pub const AUTHDATA_CANARY: &str = "canary-authdata-";
/// Prefix of `sessions.token` (26 chars in all).
pub const SESSION_CANARY: &str = "canarysession";
/// Milliseconds in 48 hours: the invitation expiry and the resend job's delay.
pub const HOURS_48: i64 = 48 * 3600 * 1000;

/// When every team and its channels were created (2020-09-13).
pub const TEAM_CREATED: i64 = 1_600_000_000_000;

/// Mattermost's id alphabet (lowercase base32 without l, v and the digits 0 and 2).
const ID_ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TeamId(pub String);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub String);

impl TeamId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl UserId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The invitation token types and which `extra` shape each writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `team_invitation`: `{email, teamId}` without a sender, or
    /// `{channels, email, senderId, teamId}` with one.
    Team,
    /// `guest_invitation`: `{channels, email, guest: "true", senderId, teamId}`.
    Guest,
    /// `guest_magic_link_invitation`: the guest shape.
    GuestMagicLink,
}

impl TokenKind {
    pub fn type_name(self) -> &'static str {
        match self {
            TokenKind::Team => "team_invitation",
            TokenKind::Guest => "guest_invitation",
            TokenKind::GuestMagicLink => "guest_magic_link_invitation",
        }
    }
}

/// A Mattermost database being scripted. Each call writes its rows at once.
pub struct MmDb {
    url: String,
    conn: Conn,
    counter: u64,
    usernames: HashMap<UserId, String>,
    guests: HashSet<UserId>,
    town_squares: HashMap<TeamId, String>,
}

impl MmDb {
    /// On an existing database that already has the schema.
    pub fn new(url: &str) -> MmDb {
        MmDb {
            url: url.to_string(),
            conn: Conn::connect(url),
            counter: 0,
            usernames: HashMap::new(),
            guests: HashSet::new(),
            town_squares: HashMap::new(),
        }
    }

    /// A fresh database `name` on `pg` with the schema and migrations 1..=175 (a current server).
    pub fn create(pg: &TestPg, name: &str) -> MmDb {
        let url = pg.create_database(name);
        pg::load_schema(&url);
        pg::mark_migrations(&url, 175);
        MmDb::new(&url)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The builder's session, for statements of your own.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// The next id: 26 characters, deterministic from the counter.
    pub fn new_id(&mut self) -> String {
        self.counter += 1;
        let mut state = self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (0..26)
            .map(|_| {
                state = splitmix(state);
                char::from(ID_ALPHABET[(state >> 59) as usize])
            })
            .collect()
    }

    /// A team (`type` I when invite-only, else O) with its town-square and off-topic channels,
    /// all created at [`TEAM_CREATED`].
    pub fn team(&mut self, name: &str, invite_only: bool) -> TeamId {
        let id = TeamId(self.new_id());
        let invite_id = self.new_id();
        let created = TEAM_CREATED;
        let kind = if invite_only { "I" } else { "O" };
        self.conn.execute(
            "INSERT INTO teams (id, createat, updateat, deleteat, displayname, name, description,
                 email, type, companyname, alloweddomains, inviteid, schemeid, allowopeninvite,
                 lastteamiconupdate, groupconstrained)
             VALUES ($1, $2, $2, 0, $3, $3, '', '', $4::text::team_type, '', '', $5, NULL, $6, 0, false)",
            &[&id.0, &created, &name, &kind, &invite_id, &!invite_only],
        );
        for (channel, display) in [("town-square", "Town Square"), ("off-topic", "Off-Topic")] {
            let channel_id = self.new_id();
            self.conn.execute(
                "INSERT INTO channels (id, createat, updateat, deleteat, teamid, type, displayname,
                     name, header, purpose, lastpostat, totalmsgcount, extraupdateat, creatorid,
                     groupconstrained, shared, totalmsgcountroot, lastrootpostat)
                 VALUES ($1, $2, $2, 0, $3, 'O', $4, $5, '', '', $2, 0, 0, '', false, false, 0, $2)",
                &[&channel_id, &created, &id.0, &display, &channel],
            );
            if channel == "town-square" {
                self.town_squares.insert(id.clone(), channel_id);
            }
        }
        id
    }

    /// An email/password user (roles `system_user`) with canary secrets.
    pub fn user(&mut self, username: &str, email: &str, create_at: i64) -> UserId {
        self.insert_user(username, email, create_at, "system_user")
    }

    /// A guest account (roles `system_guest`); its team memberships get `schemeguest`.
    pub fn guest(&mut self, username: &str, email: &str, create_at: i64) -> UserId {
        let id = self.insert_user(username, email, create_at, "system_guest");
        self.guests.insert(id.clone());
        id
    }

    /// A bot: a `users` row plus its `bots` row.
    pub fn bot(&mut self, username: &str, owner: &UserId, create_at: i64) -> UserId {
        let email = format!("{username}@localhost");
        let id = self.insert_user(username, &email, create_at, "system_user");
        self.conn.execute(
            "INSERT INTO bots (userid, description, ownerid, createat, updateat, deleteat, lasticonupdate)
             VALUES ($1, '', $2, $3, $3, 0, 0)",
            &[&id.0, &owner.0, &create_at],
        );
        id
    }

    fn insert_user(&mut self, username: &str, email: &str, create_at: i64, roles: &str) -> UserId {
        let id = UserId(self.new_id());
        let mfa = format!("{MFA_CANARY}{}", id.0);
        let authdata = format!("{AUTHDATA_CANARY}{}", id.0);
        let props = serde_json::json!({});
        let notify = serde_json::json!({"email": "true", "push": "mention"});
        let timezone = serde_json::json!({
            "automaticTimezone": "", "manualTimezone": "", "useAutomaticTimezone": "true"
        });
        self.conn.execute(
            "INSERT INTO users (id, createat, updateat, deleteat, username, password, authdata,
                 authservice, email, emailverified, nickname, firstname, lastname, roles,
                 allowmarketing, props, notifyprops, lastpasswordupdate, lastpictureupdate,
                 failedattempts, locale, mfaactive, mfasecret, position, timezone, lastlogin)
             VALUES ($1, $2, $2, 0, $3, $4, $5, '', $6, true, '', '', '', $7, false, $8, $9,
                 $2, 0, 0, 'en', false, $10, '', $11, 0)",
            &[
                &id.0,
                &create_at,
                &username,
                &PASSWORD_CANARY,
                &authdata,
                &email,
                &roles,
                &props,
                &notify,
                &mfa,
                &timezone,
            ],
        );
        self.usernames.insert(id.clone(), username.to_string());
        id
    }

    /// Deactivates a user (`deleteat = at`).
    pub fn deactivate(&mut self, user: &UserId, at: i64) {
        self.conn.execute(
            "UPDATE users SET deleteat = $2, updateat = $2 WHERE id = $1",
            &[&user.0, &at],
        );
    }

    /// Joins a user to a team at `createat` (0 = joined before the column existed). A re-join
    /// after `leave` rewrites the row as Mattermost does: `deleteat = 0` and the new `createat`.
    pub fn member(&mut self, team: &TeamId, user: &UserId, createat: i64) {
        let guest = self.guests.contains(user);
        let roles = if guest { "" } else { "team_user" };
        self.conn.execute(
            "INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeadmin,
                 schemeguest, createat)
             VALUES ($1, $2, $3, 0, $4, false, $5, $6)
             ON CONFLICT (teamid, userid)
             DO UPDATE SET deleteat = 0, createat = EXCLUDED.createat",
            &[&team.0, &user.0, &roles, &!guest, &guest, &createat],
        );
    }

    /// The user leaves (or is removed from) the team: `deleteat = at`, the row stays.
    pub fn leave(&mut self, team: &TeamId, user: &UserId, at: i64) {
        let changed = self.conn.execute(
            "UPDATE teammembers SET deleteat = $3 WHERE teamid = $1 AND userid = $2",
            &[&team.0, &user.0, &at],
        );
        assert_eq!(changed, 1, "leave: {user:?} is not a member of {team:?}");
    }

    /// An invitation token row; returns the 64-character token (the secret: tests check it
    /// never shows up in mmops' output). `extra` is compact JSON with sorted keys and string
    /// values, in the shape Mattermost writes for `kind` (a team invite without a sender has the
    /// two-key shape; with a sender, the channel shape; guests always need a sender).
    pub fn token(
        &mut self,
        kind: TokenKind,
        email: &str,
        team: &TeamId,
        sender: Option<&UserId>,
        channels: &[&str],
        createat: i64,
    ) -> String {
        let mut extra = BTreeMap::new();
        extra.insert("email", email.to_string());
        extra.insert("teamId", team.0.clone());
        match (kind, sender) {
            (TokenKind::Team, None) => assert!(
                channels.is_empty(),
                "a team invite with channels records its sender: pass Some(sender)"
            ),
            (TokenKind::Team, Some(sender)) => {
                extra.insert("channels", channels.join(" "));
                extra.insert("senderId", sender.0.clone());
            }
            (_, None) => panic!("a guest invite always records its sender: pass Some(sender)"),
            (_, Some(sender)) => {
                extra.insert("channels", channels.join(" "));
                extra.insert("guest", "true".to_string());
                extra.insert("senderId", sender.0.clone());
            }
        }
        let extra = serde_json::to_string(&extra)
            .unwrap_or_else(|e| panic!("serializing token extra: {e}"));
        self.raw_token(kind.type_name(), &extra, createat)
    }

    /// Any token row, e.g. `password_recovery` or a non-JSON `extra` a plugin might write.
    pub fn raw_token(&mut self, kind: &str, extra: &str, createat: i64) -> String {
        let token: String = (0..3).map(|_| self.new_id()).collect::<String>()[..64].to_string();
        self.conn.execute(
            "INSERT INTO tokens (token, createat, type, extra) VALUES ($1, $2, $3, $4)",
            &[&token, &createat, &kind, &extra],
        );
        token
    }

    /// The token was used, revoked or swept: Mattermost deletes the row in every case.
    pub fn delete_token(&mut self, token: &str) {
        let changed = self
            .conn
            .execute("DELETE FROM tokens WHERE token = $1", &[&token]);
        assert_eq!(changed, 1, "delete_token: no such token");
    }

    /// A `resend_invitation_email` job as the graceful invite call creates it. `data` holds
    /// string values only; `emailList` (and `channelList`, when channels are given) are JSON
    /// arrays encoded as strings. A `success` job has `lastactivityat` 48 h after scheduling,
    /// other statuses the scheduling time. Returns the job id.
    pub fn resend_job(
        &mut self,
        sender: &UserId,
        team: &TeamId,
        emails: &[&str],
        channels: &[&str],
        scheduled_at: i64,
        status: &str,
    ) -> String {
        let id = self.new_id();
        let to_json = |list: &[&str]| {
            serde_json::to_string(list).unwrap_or_else(|e| panic!("serializing a list: {e}"))
        };
        let mut data = serde_json::Map::new();
        data.insert("teamID".into(), Value::from(team.0.as_str()));
        data.insert("senderID".into(), Value::from(sender.0.as_str()));
        data.insert("emailList".into(), Value::from(to_json(emails)));
        data.insert("scheduledAt".into(), Value::from(scheduled_at.to_string()));
        if !channels.is_empty() {
            data.insert("channelList".into(), Value::from(to_json(channels)));
        }
        let last_activity = if status == "success" {
            scheduled_at + HOURS_48
        } else {
            scheduled_at
        };
        self.conn.execute(
            "INSERT INTO jobs (id, type, priority, createat, startat, lastactivityat, status,
                 progress, data)
             VALUES ($1, 'resend_invitation_email', 0, $2, 0, $3, $4, 0, $5)",
            &[
                &id,
                &scheduled_at,
                &last_activity,
                &status,
                &Value::Object(data),
            ],
        );
        id
    }

    /// `system_join_team` in the team's town-square: the user joined without a requestor
    /// (invite token, invite link, sign-up, or the single-member endpoint).
    pub fn join_post(&mut self, team: &TeamId, user: &UserId, at: i64) -> String {
        let name = self.username(user);
        let props = serde_json::json!({ "username": name });
        self.post(
            team,
            user,
            "system_join_team",
            &format!("{name} joined the team."),
            props,
            at,
        )
    }

    /// `system_add_to_team` in the town-square: `adder` added `added` (batch endpoint).
    pub fn add_post(&mut self, team: &TeamId, adder: &UserId, added: &UserId, at: i64) -> String {
        let adder_name = self.username(adder);
        let added_name = self.username(added);
        let props = serde_json::json!({
            "userId": adder.0,
            "username": adder_name,
            "addedUserId": added.0,
            "addedUsername": added_name,
        });
        let message = format!("{added_name} added to the team by {adder_name}.");
        self.post(team, adder, "system_add_to_team", &message, props, at)
    }

    /// `system_remove_from_team`: the post's user is the removed user (the remover is unknown).
    pub fn remove_post(&mut self, team: &TeamId, removed: &UserId, at: i64) -> String {
        let name = self.username(removed);
        let props = serde_json::json!({ "username": name });
        let message = format!("{name} was removed from the team.");
        self.post(
            team,
            removed,
            "system_remove_from_team",
            &message,
            props,
            at,
        )
    }

    /// `system_leave_team`: the user left on their own.
    pub fn leave_post(&mut self, team: &TeamId, user: &UserId, at: i64) -> String {
        let name = self.username(user);
        let props = serde_json::json!({ "username": name });
        self.post(
            team,
            user,
            "system_leave_team",
            &format!("{name} left the team."),
            props,
            at,
        )
    }

    fn post(
        &mut self,
        team: &TeamId,
        user: &UserId,
        kind: &str,
        message: &str,
        props: Value,
        at: i64,
    ) -> String {
        let channel = self
            .town_squares
            .get(team)
            .unwrap_or_else(|| panic!("{team:?} was not made by this MmDb"))
            .clone();
        let id = self.new_id();
        self.conn.execute(
            "INSERT INTO posts (id, createat, updateat, editat, deleteat, ispinned, userid,
                 channelid, rootid, originalid, message, type, props, hashtags, filenames,
                 fileids, hasreactions, remoteid)
             VALUES ($1, $2, $2, 0, 0, false, $3, $4, '', '', $5, $6, $7, '', '[]', '[]',
                 false, NULL)",
            &[&id, &at, &user.0, &channel, &message, &kind, &props],
        );
        id
    }

    /// A `systems` row (e.g. `("Version", "6.4.0")`, `("DiagnosticId", ...)`); replaces.
    pub fn system(&mut self, name: &str, value: &str) {
        self.conn.execute(
            "INSERT INTO systems (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            &[&name, &value],
        );
    }

    /// A session of `user`; returns its token (a canary starting with `canarysession`).
    pub fn session(&mut self, user: &UserId) -> String {
        let id = self.new_id();
        let token = format!("{SESSION_CANARY}{}", &self.new_id()[..13]);
        let props = serde_json::json!({ "platform": "Linux", "browser": "Firefox/140.0" });
        self.conn.execute(
            "INSERT INTO sessions (id, token, createat, expiresat, lastactivityat, userid,
                 deviceid, roles, isoauth, expirednotify, props)
             VALUES ($1, $2, 1600000000000, 4102444800000, 1600000000000, $3, '', 'system_user',
                 false, false, $4)",
            &[&id, &token, &user.0, &props],
        );
        token
    }

    /// An `audits` row (the legacy DB audit trail: URL path and free text).
    pub fn audit(&mut self, user: &UserId, action: &str, extrainfo: &str, at: i64) -> String {
        let id = self.new_id();
        self.conn.execute(
            "INSERT INTO audits (id, createat, userid, action, extrainfo, ipaddress, sessionid)
             VALUES ($1, $2, $3, $4, $5, '127.0.0.1', '')",
            &[&id, &at, &user.0, &action, &extrainfo],
        );
        id
    }

    fn username(&self, user: &UserId) -> String {
        self.usernames
            .get(user)
            .unwrap_or_else(|| panic!("{user:?} was not made by this MmDb"))
            .clone()
    }
}

/// SplitMix64: a well-mixed step from a counter.
fn splitmix(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
