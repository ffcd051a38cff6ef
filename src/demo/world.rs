//! The simulated server's data: users, teams, channels, plugins, licence and cluster, generated
//! from a seed and a base time so that the same seed always gives the same server.

use std::collections::HashMap;

use serde_json::Value;

use super::config::build_config;
use super::plugins::{DemoPlugin, build_plugins};
use super::rng::Rng;
use super::story::{DemoEvent, DemoInvite, DemoPost, add_invitation_story};

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
pub const HOUR_MS: i64 = 60 * 60 * 1000;

/// The server version the demo claims to be.
pub const DEMO_VERSION: &str = "11.4.4";
pub const DEMO_SCHEMA_VERSION: i64 = 171;

#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub version: String,
    pub build_number: String,
    pub build_date: String,
    pub build_hash: String,
    pub build_hash_enterprise: String,
    pub diagnostic_id: String,
    pub site_url: String,
    pub site_name: String,
    pub installation_date: i64,
}

#[derive(Debug, Clone)]
pub struct License {
    pub id: String,
    pub sku_name: String,
    pub sku_short_name: String,
    pub users: i64,
    pub issued_at: i64,
    pub starts_at: i64,
    pub expires_at: i64,
    pub company: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub hostname: String,
    pub ip: String,
    pub version: String,
    pub schema_version: String,
    pub config_hash: String,
}

#[derive(Debug, Clone)]
pub struct DemoUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: String,
    pub auth_service: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub is_bot: bool,
    pub password: Option<String>,
    pub mfa_code: Option<String>,
    pub last_activity_at: i64,
}

impl DemoUser {
    pub fn is_admin(&self) -> bool {
        self.roles.split_whitespace().any(|r| r == "system_admin")
    }
}

#[derive(Debug, Clone)]
pub struct DemoTeam {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub team_type: String,
    pub allow_open_invite: bool,
    pub invite_id: String,
    pub email: String,
    pub create_at: i64,
    pub allowed_domains: String,
}

#[derive(Debug, Clone)]
pub struct DemoChannel {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub display_name: String,
    pub channel_type: String,
}

#[derive(Debug, Clone)]
pub struct DemoMember {
    pub team_id: String,
    pub user_id: String,
    pub roles: String,
    pub join_at: i64,
}

#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub now_ms: i64,
    pub server: ServerInfo,
    pub license: License,
    pub nodes: Vec<Node>,
    pub users: Vec<DemoUser>,
    pub teams: Vec<DemoTeam>,
    pub channels: Vec<DemoChannel>,
    pub members: Vec<DemoMember>,
    /// Email invitations, oldest first; runtime invites are appended.
    pub invites: Vec<DemoInvite>,
    /// Posts of the teams' town-square channels, oldest first.
    pub posts: Vec<DemoPost>,
    /// What the audit and debug logs of the history record, oldest first.
    pub events: Vec<DemoEvent>,
    pub plugins: Vec<DemoPlugin>,
    /// The config as it sits in config.json: real secrets, unmasked.
    pub config: Value,
    /// The settings environment variables set (`GET /config/environment`): a config patch
    /// leaves them as they are.
    pub environment: Value,
    pub migrations: Vec<Migration>,
    /// Nothing planted for the doctor to find (`mmops demo --healthy`).
    pub healthy: bool,
    /// Background job runs, oldest first.
    pub jobs: Vec<super::jobs::DemoJob>,
    pub post_count: i64,
    pub websocket_connections: i64,
    pub master_db_connections: i64,
    pub read_db_connections: i64,
    /// Session tokens (the demo token, the viewer token, logins) to user ids.
    pub sessions: HashMap<String, String>,
    pub admin_token: String,
    pub viewer_token: String,
}

/// Passwords of the demo's log-in-able accounts (documented in the README).
pub const ADMIN_USERNAME: &str = "sysadmin";
pub const ADMIN_PASSWORD: &str = "Demo-Admin-1";
pub const VIEWER_USERNAME: &str = "ops.viewer";
pub const VIEWER_PASSWORD: &str = "Demo-Viewer-1";
pub const MFA_USERNAME: &str = "secure.admin";
pub const MFA_PASSWORD: &str = "Demo-Mfa-1";
pub const MFA_CODE: &str = "246810";

const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Liam", "Mei", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen",
    "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dario", "Esme", "Felix",
];
const LAST_NAMES: &[&str] = &[
    "Almeida", "Baker", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi",
    "Schmidt", "Tanaka", "Urban", "Varga", "Weber", "Yilmaz", "Zhang", "Novak", "Silva", "Costa",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.com",
    "example.com",
    "example.org",
    "example.net",
];

const TEAMS: &[(&str, &str, bool)] = &[
    ("engineering", "Engineering", true),
    ("customer-support", "Customer Support", false),
    ("sales", "Sales", true),
    ("security-ops", "Security Operations", false),
    ("marketing", "Marketing", true),
    ("leadership", "Leadership", false),
];

const CHANNELS: &[(&str, &str, bool)] = &[
    ("announcements", "Announcements", false),
    ("incidents", "Incidents", false),
    ("releases", "Releases", false),
    ("random", "Random", false),
    ("hiring", "Hiring", true),
    ("escalations", "Escalations", true),
    ("standup", "Standup", false),
    ("budget", "Budget", true),
];

impl World {
    pub fn generate(seed: u64, now_ms: i64) -> Self {
        let root = Rng::new(seed);
        let mut rng = root.fork("server");
        let installation_date = now_ms - 612 * DAY_MS - rng.range(0, 30) * DAY_MS;
        let server = ServerInfo {
            version: DEMO_VERSION.to_string(),
            build_number: rng.range(15_000, 19_000).to_string(),
            build_date: "Tue Mar 10 14:22:51 UTC 2026".to_string(),
            build_hash: rng.hex(40),
            build_hash_enterprise: rng.hex(40),
            diagnostic_id: rng.id(),
            site_url: "https://chat.example.com".to_string(),
            site_name: "Example Chat".to_string(),
            installation_date,
        };
        let license = License {
            id: rng.id(),
            sku_name: "Enterprise".to_string(),
            sku_short_name: "enterprise".to_string(),
            users: 250,
            issued_at: now_ms - 344 * DAY_MS,
            starts_at: now_ms - 344 * DAY_MS,
            // Inside the 30-day warning window, so the demo shows the warning.
            expires_at: now_ms + 21 * DAY_MS + 3 * HOUR_MS,
            company: "Example Corp".to_string(),
            name: "Example Corp IT".to_string(),
            email: "it@example.com".to_string(),
        };

        let (users, admin_id, viewer_id) = generate_users(&mut root.fork("users"), now_ms);
        let teams = generate_teams(&mut root.fork("teams"), now_ms);
        let channels = generate_channels(&mut root.fork("channels"), &teams);
        let members =
            generate_members(&mut root.fork("members"), &teams, &users, admin_id.as_str());
        let plugins = build_plugins(&mut root.fork("plugins"));
        let config = build_config(&mut root.fork("config"), &server, &plugins);

        let mut rng = root.fork("cluster");
        let config_hash = rng.hex(32);
        let nodes = vec![
            Node {
                id: rng.id(),
                hostname: "mm-app-1".to_string(),
                ip: "10.20.0.11".to_string(),
                version: format!("{}.{}", server.version, server.build_number),
                schema_version: DEMO_SCHEMA_VERSION.to_string(),
                config_hash: config_hash.clone(),
            },
            Node {
                id: rng.id(),
                hostname: "mm-app-2".to_string(),
                ip: "10.20.0.12".to_string(),
                version: format!("{}.{}", server.version, server.build_number),
                schema_version: DEMO_SCHEMA_VERSION.to_string(),
                // A node still running an older config file: a classic cluster problem.
                config_hash: rng.hex(32),
            },
        ];

        let mut rng = root.fork("tokens");
        let admin_token = rng.id();
        let viewer_token = rng.id();
        let mut sessions = HashMap::new();
        sessions.insert(admin_token.clone(), admin_id);
        sessions.insert(viewer_token.clone(), viewer_id);

        let mut rng = root.fork("stats");
        let mut world = Self {
            seed,
            now_ms,
            server,
            license,
            nodes,
            users,
            teams,
            channels,
            members,
            invites: Vec::new(),
            posts: Vec::new(),
            events: Vec::new(),
            plugins,
            config,
            environment: super::config::environment_overrides(),
            migrations: migrations(),
            healthy: false,
            jobs: super::jobs::generate(&mut root.fork("jobs"), now_ms, true),
            post_count: rng.range(150_000, 220_000),
            websocket_connections: rng.range(40, 120),
            master_db_connections: rng.range(18, 30),
            read_db_connections: 0,
            sessions,
            admin_token,
            viewer_token,
        };
        add_invitation_story(&mut world, root.fork("invitations"));
        world
    }

    /// Puts right every problem the demo plants for the doctor to find.
    pub fn make_healthy(&mut self) {
        self.healthy = true;
        self.license.expires_at = self.now_ms + 300 * DAY_MS;
        let hash = self.nodes.first().map(|n| n.config_hash.clone());
        for node in &mut self.nodes {
            if let Some(hash) = &hash {
                node.config_hash.clone_from(hash);
            }
        }
        for plugin in &mut self.plugins {
            let version = plugin.version().to_string();
            for node in &mut plugin.nodes {
                if node.state != super::plugins::NOT_RUNNING {
                    node.state = super::plugins::RUNNING;
                }
                node.error.clear();
                if !version.is_empty() {
                    node.version.clone_from(&version);
                }
            }
        }
        super::config::make_healthy(&mut self.config);
        self.jobs =
            super::jobs::generate(&mut Rng::new(self.seed).fork("jobs"), self.now_ms, false);
    }

    pub fn user(&self, id: &str) -> Option<&DemoUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_login(&self, login: &str) -> Option<&DemoUser> {
        let login = login.trim().to_ascii_lowercase();
        self.users
            .iter()
            .find(|u| u.username == login || u.email == login)
    }

    pub fn team(&self, id: &str) -> Option<&DemoTeam> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub fn active_users(&self) -> impl Iterator<Item = &DemoUser> {
        self.users.iter().filter(|u| u.delete_at == 0 && !u.is_bot)
    }
}

/// `names` is username, email, first name, last name.
fn new_user(rng: &mut Rng, now_ms: i64, names: [&str; 4], roles: &str, age_days: i64) -> DemoUser {
    let create_at = now_ms - age_days * DAY_MS - rng.range(0, DAY_MS);
    DemoUser {
        id: rng.id(),
        username: names[0].to_string(),
        email: names[1].to_string(),
        first_name: names[2].to_string(),
        last_name: names[3].to_string(),
        roles: roles.to_string(),
        auth_service: String::new(),
        create_at,
        update_at: create_at + rng.range(0, 5 * DAY_MS),
        delete_at: 0,
        is_bot: false,
        password: None,
        mfa_code: None,
        last_activity_at: now_ms - rng.range(0, 3 * DAY_MS),
    }
}

fn generate_users(rng: &mut Rng, now_ms: i64) -> (Vec<DemoUser>, String, String) {
    let mut admin = new_user(
        rng,
        now_ms,
        [ADMIN_USERNAME, "sysadmin@example.com", "System", "Admin"],
        "system_admin system_user",
        600,
    );
    admin.password = Some(ADMIN_PASSWORD.to_string());
    let mut viewer = new_user(
        rng,
        now_ms,
        [VIEWER_USERNAME, "ops.viewer@example.com", "Ops", "Viewer"],
        "system_user",
        200,
    );
    viewer.password = Some(VIEWER_PASSWORD.to_string());
    let mut mfa = new_user(
        rng,
        now_ms,
        [MFA_USERNAME, "secure.admin@example.com", "Secure", "Admin"],
        "system_admin system_user",
        300,
    );
    mfa.password = Some(MFA_PASSWORD.to_string());
    mfa.mfa_code = Some(MFA_CODE.to_string());
    let admin_id = admin.id.clone();
    let viewer_id = viewer.id.clone();
    let mut users = vec![admin, viewer, mfa];

    let mut taken = std::collections::HashSet::new();
    for _ in 0..72 {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let username = format!(
            "{}.{}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        );
        if !taken.insert(username.clone()) {
            continue;
        }
        let domain = *rng.pick(DOMAINS);
        let email = format!("{username}@{domain}");
        let age = rng.range(3, 580);
        let mut user = new_user(
            rng,
            now_ms,
            [&username, &email, first, last],
            "system_user",
            age,
        );
        if rng.chance(0.12) {
            user.auth_service = (*rng.pick(&["ldap", "saml", "gitlab"])).to_string();
        }
        if rng.chance(0.07) {
            user.delete_at = now_ms - rng.range(1, 90) * DAY_MS;
        }
        users.push(user);
    }
    for (name, first) in [
        ("calls", "Calls"),
        ("playbooks", "Playbooks"),
        ("feedbackbot", "Feedbackbot"),
    ] {
        let mut bot = new_user(
            rng,
            now_ms,
            [name, &format!("{name}@localhost"), first, ""],
            "system_user",
            400,
        );
        bot.is_bot = true;
        users.push(bot);
    }
    (users, admin_id, viewer_id)
}

fn generate_teams(rng: &mut Rng, now_ms: i64) -> Vec<DemoTeam> {
    TEAMS
        .iter()
        .map(|(name, display, open)| DemoTeam {
            id: rng.id(),
            name: (*name).to_string(),
            display_name: (*display).to_string(),
            team_type: if *open { "O" } else { "I" }.to_string(),
            allow_open_invite: *open,
            invite_id: rng.id(),
            email: "sysadmin@example.com".to_string(),
            create_at: now_ms - rng.range(300, 600) * DAY_MS,
            allowed_domains: if *name == "security-ops" {
                "example.com".to_string()
            } else {
                String::new()
            },
        })
        .collect()
}

fn generate_channels(rng: &mut Rng, teams: &[DemoTeam]) -> Vec<DemoChannel> {
    let mut channels = Vec::new();
    for team in teams {
        for (name, display) in [("town-square", "Town Square"), ("off-topic", "Off-Topic")] {
            channels.push(DemoChannel {
                id: rng.id(),
                team_id: team.id.clone(),
                name: name.to_string(),
                display_name: display.to_string(),
                channel_type: "O".to_string(),
            });
        }
        let extra = rng.range(2, 6) as usize;
        for _ in 0..extra {
            let (name, display, private) = *rng.pick(CHANNELS);
            if channels
                .iter()
                .any(|c| c.team_id == team.id && c.name == name)
            {
                continue;
            }
            channels.push(DemoChannel {
                id: rng.id(),
                team_id: team.id.clone(),
                name: name.to_string(),
                display_name: display.to_string(),
                channel_type: if private { "P" } else { "O" }.to_string(),
            });
        }
    }
    channels
}

fn generate_members(
    rng: &mut Rng,
    teams: &[DemoTeam],
    users: &[DemoUser],
    admin_id: &str,
) -> Vec<DemoMember> {
    let mut members = Vec::new();
    for team in teams {
        for user in users {
            let is_admin = user.id == admin_id;
            let joins = is_admin
                || (!user.is_bot && rng.chance(if team.allow_open_invite { 0.55 } else { 0.3 }));
            if !joins {
                continue;
            }
            let earliest = team.create_at.max(user.create_at);
            members.push(DemoMember {
                team_id: team.id.clone(),
                user_id: user.id.clone(),
                roles: if is_admin {
                    "team_user team_admin"
                } else {
                    "team_user"
                }
                .to_string(),
                join_at: earliest + rng.range(0, 2 * DAY_MS),
            });
        }
    }
    members
}

fn migrations() -> Vec<Migration> {
    const NAMED: &[(i64, &str)] = &[
        (166, "add_scheduled_post_indexes"),
        (167, "create_access_control_policies"),
        (168, "add_channel_banner_info"),
        (169, "add_content_flagging_tables"),
        (170, "add_property_field_indexes"),
        (171, "add_post_reminder_props"),
    ];
    (1..=DEMO_SCHEMA_VERSION)
        .map(|version| Migration {
            version,
            name: NAMED
                .iter()
                .find(|(v, _)| *v == version)
                .map(|(_, n)| (*n).to_string())
                .unwrap_or_else(|| format!("schema_step_{version:03}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_world() {
        let a = World::generate(42, 1_700_000_000_000);
        let b = World::generate(42, 1_700_000_000_000);
        assert_eq!(a.server.diagnostic_id, b.server.diagnostic_id);
        assert_eq!(a.users.len(), b.users.len());
        assert_eq!(a.admin_token, b.admin_token);
        assert_eq!(a.config, b.config);
        let c = World::generate(43, 1_700_000_000_000);
        assert_ne!(a.server.diagnostic_id, c.server.diagnostic_id);
    }

    #[test]
    fn has_the_accounts_the_readme_promises() {
        let w = World::generate(1, 1_700_000_000_000);
        assert!(w.user_by_login(ADMIN_USERNAME).unwrap().is_admin());
        assert!(!w.user_by_login(VIEWER_USERNAME).unwrap().is_admin());
        assert!(w.user_by_login(MFA_USERNAME).unwrap().mfa_code.is_some());
        assert!(w.users.len() > 50);
        assert_eq!(w.nodes.len(), 2);
        assert!(w.users.iter().all(|u| u.email.ends_with("example.com")
            || u.email.ends_with("example.org")
            || u.email.ends_with("example.net")
            || u.email.ends_with("@localhost")));
    }
}
