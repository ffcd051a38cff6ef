//! The demo's plugins: manifests of several eras and their state on each cluster node.

use serde_json::{Value, json};

use super::rng::Rng;

/// Plugin states as the server numbers them (`model/plugin_status.go`).
pub const NOT_RUNNING: i64 = 0;
pub const RUNNING: i64 = 2;
pub const FAILED_TO_START: i64 = 3;
pub const FAILED_TO_STAY_RUNNING: i64 = 4;

#[derive(Debug, Clone)]
pub struct NodeState {
    pub state: i64,
    pub error: String,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct DemoPlugin {
    pub manifest: Value,
    pub enabled: bool,
    /// One entry per cluster node, in node order.
    pub nodes: Vec<NodeState>,
    /// Setting values as they sit in `PluginSettings.Plugins.<id>` (secrets included).
    pub settings: Value,
}

impl DemoPlugin {
    pub fn id(&self) -> &str {
        self.manifest
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn version(&self) -> &str {
        self.manifest
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.manifest
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

fn running(version: &str) -> NodeState {
    NodeState {
        state: RUNNING,
        error: String::new(),
        version: version.to_string(),
    }
}

fn stopped(version: &str) -> NodeState {
    NodeState {
        state: NOT_RUNNING,
        error: String::new(),
        version: version.to_string(),
    }
}

fn executables() -> Value {
    json!({
        "linux-amd64": "server/dist/plugin-linux-amd64",
        "linux-arm64": "server/dist/plugin-linux-arm64",
        "darwin-amd64": "server/dist/plugin-darwin-amd64",
        "windows-amd64": "server/dist/plugin-windows-amd64.exe",
    })
}

pub fn build_plugins(rng: &mut Rng) -> Vec<DemoPlugin> {
    let calls_version = "1.7.2";
    let github_new = "2.4.0";
    let github_old = "2.3.1";
    vec![
        DemoPlugin {
            manifest: json!({
                "id": "com.mattermost.calls",
                "name": "Calls",
                "description": "Voice calls and screen sharing for channels and direct messages.",
                "homepage_url": "https://github.com/mattermost/mattermost-plugin-calls",
                "support_url": "https://github.com/mattermost/mattermost-plugin-calls/issues",
                "icon_path": "assets/plugin_icon.svg",
                "version": calls_version,
                "min_server_version": "9.5.0",
                "server": {"executables": executables(), "executable": ""},
                "webapp": {"bundle_path": "webapp/dist/main.js"},
                "settings_schema": {
                    "header": "Configure Calls for your workspace.",
                    "footer": "",
                    "settings": [],
                    "sections": [
                        {
                            "key": "GeneralSettings",
                            "title": "General",
                            "settings": [
                                {"key": "DefaultEnabled", "display_name": "Test mode", "type": "bool", "help_text": "When off, calls are enabled in every channel.", "default": false},
                                {"key": "MaxCallParticipants", "display_name": "Max call participants", "type": "number", "help_text": "0 means no limit.", "default": 0}
                            ]
                        },
                        {
                            "key": "ICESettings",
                            "title": "ICE and TURN",
                            "settings": [
                                {"key": "ICEHostOverride", "display_name": "ICE host override", "type": "text", "help_text": "Public address of the RTC server.", "default": ""},
                                {"key": "TURNStaticAuthSecret", "display_name": "TURN static auth secret", "type": "text", "help_text": "Shared secret for TURN credentials.", "default": "", "secret": true}
                            ]
                        }
                    ]
                },
                "props": {"support_packet": "Calls diagnostics"}
            }),
            enabled: true,
            nodes: vec![running(calls_version), running(calls_version)],
            settings: json!({
                "defaultenabled": true,
                "maxcallparticipants": 50,
                "icehostoverride": "rtc.example.com",
                "turnstaticauthsecret": format!("turn-{}", rng.alnum(24)),
            }),
        },
        DemoPlugin {
            manifest: json!({
                "id": "playbooks",
                "name": "Playbooks",
                "description": "Checklists and retrospectives for repeatable processes.",
                "homepage_url": "https://github.com/mattermost/mattermost-plugin-playbooks",
                "version": "2.2.0",
                "min_server_version": "10.0.0",
                "server": {"executables": executables()},
                "webapp": {"bundle_path": "webapp/dist/main.js"},
                "settings_schema": {"header": "", "footer": "", "settings": [
                    {"key": "EnableExperimentalFeatures", "display_name": "Experimental features", "type": "bool", "help_text": "", "default": false}
                ]}
            }),
            enabled: true,
            nodes: vec![running("2.2.0"), running("2.2.0")],
            settings: json!({"enableexperimentalfeatures": false}),
        },
        DemoPlugin {
            manifest: json!({
                "id": "github",
                "name": "GitHub",
                "description": "Notifications and slash commands for GitHub.",
                "homepage_url": "https://github.com/mattermost/mattermost-plugin-github",
                "support_url": "https://github.com/mattermost/mattermost-plugin-github/issues",
                "version": github_new,
                "min_server_version": "9.0.0",
                "server": {"executables": executables()},
                "webapp": {"bundle_path": "webapp/dist/main.js"},
                "settings_schema": {
                    "header": "Connect a GitHub OAuth app first.",
                    "footer": "",
                    "settings": [
                        {"key": "GitHubOAuthClientID", "display_name": "OAuth client ID", "type": "text", "help_text": "", "default": ""},
                        {"key": "GitHubOAuthClientSecret", "display_name": "OAuth client secret", "type": "text", "help_text": "", "default": "", "secret": true},
                        {"key": "WebhookSecret", "display_name": "Webhook secret", "type": "generated", "help_text": "", "regenerate_help_text": "Regenerates the secret.", "default": "", "secret": true},
                        {"key": "EncryptionKey", "display_name": "At rest encryption key", "type": "generated", "help_text": "", "default": "", "secret": true},
                        {"key": "EnterpriseBaseURL", "display_name": "GitHub Enterprise URL", "type": "text", "help_text": "", "default": ""},
                        {"key": "EnableLeftSidebar", "display_name": "Show sidebar", "type": "bool", "help_text": "", "default": true}
                    ]
                }
            }),
            enabled: true,
            nodes: vec![
                running(github_new),
                NodeState {
                    state: FAILED_TO_START,
                    error: "failed to activate plugin: OAuth client secret is empty on this node's config".to_string(),
                    version: github_old.to_string(),
                },
            ],
            settings: json!({
                "githuboauthclientid": format!("Iv1.{}", rng.hex(16)),
                "githuboauthclientsecret": rng.hex(40),
                "webhooksecret": rng.alnum(32),
                "encryptionkey": rng.alnum(32),
                "enterprisebaseurl": "",
                "enableleftsidebar": true,
            }),
        },
        DemoPlugin {
            manifest: json!({
                "id": "antivirus",
                "name": "Antivirus",
                "description": "Scans uploaded files with ClamAV.",
                "version": "1.0.0",
                "server": {"executables": {"linux-amd64": "server/dist/plugin-linux-amd64"}},
                "settings_schema": {"header": "Needs a reachable clamd.", "footer": "", "settings": [
                    {"key": "ClamavHostPort", "display_name": "ClamAV host and port", "type": "text", "help_text": "", "placeholder": "localhost:3310", "default": "localhost:3310"},
                    {"key": "ScanTimeoutSeconds", "display_name": "Scan timeout (seconds)", "type": "number", "help_text": "", "default": 10}
                ]}
            }),
            enabled: true,
            nodes: vec![
                NodeState {
                    state: FAILED_TO_STAY_RUNNING,
                    error: "plugin process exited: dial tcp 10.20.0.40:3310: connect: connection refused".to_string(),
                    version: "1.0.0".to_string(),
                },
                running("1.0.0"),
            ],
            settings: json!({"clamavhostport": "10.20.0.40:3310", "scantimeoutseconds": 10}),
        },
        DemoPlugin {
            manifest: json!({
                "id": "jira",
                "name": "Jira",
                "description": "Jira Cloud and Server integration.",
                "homepage_url": "https://github.com/mattermost/mattermost-plugin-jira",
                "version": "4.2.1",
                "min_server_version": "9.5.0",
                "server": {"executables": executables()},
                "webapp": {"bundle_path": "webapp/dist/main.js"},
                "settings_schema": {"header": "", "footer": "", "settings": [
                    {"key": "Secret", "display_name": "Webhook secret", "type": "generated", "help_text": "", "default": "", "secret": true},
                    {"key": "RolesAllowedToEditJiraSubscriptions", "display_name": "Who may edit subscriptions", "type": "dropdown", "help_text": "", "default": "system_admin",
                     "options": [{"display_name": "Team admins", "value": "team_admin"}, {"display_name": "System admins", "value": "system_admin"}]}
                ]}
            }),
            enabled: false,
            nodes: vec![stopped("4.2.1"), stopped("4.2.1")],
            settings: json!({"secret": rng.alnum(32), "rolesallowedtoeditjirasubscriptions": "team_admin"}),
        },
        DemoPlugin {
            // A 2017-era manifest: no version, the legacy "backend" key.
            manifest: json!({
                "id": "zoom",
                "name": "Zoom",
                "description": "Zoom audio and video conferencing.",
                "backend": {"executable": "server/plugin.exe"},
                "webapp": {"bundle_path": "webapp/dist/zoom_bundle.js"},
                "settings_schema": {"footer": "", "header": "", "settings": [
                    {"key": "ZoomURL", "display_name": "Zoom URL", "type": "text", "help_text": "", "placeholder": "https://zoom.us"},
                    {"key": "APISecret", "display_name": "API secret", "type": "text", "help_text": ""}
                ]}
            }),
            enabled: false,
            nodes: vec![stopped(""), stopped("")],
            settings: json!({"zoomurl": "https://zoom.us", "apisecret": rng.alnum(30)}),
        },
        DemoPlugin {
            manifest: json!({
                "id": "com.mattermost.welcomebot",
                "name": "Welcome Bot",
                "description": "Greets new team members.",
                "version": "1.3.0",
                "server": {"executables": executables()},
                "settings_schema": {"header": "Messages are configured in config.json.", "footer": ""}
            }),
            enabled: true,
            nodes: vec![running("1.3.0"), running("1.3.0")],
            settings: json!({}),
        },
        DemoPlugin {
            manifest: json!({
                "id": "mattermost-autolink",
                "name": "Autolink",
                "description": "Turns patterns in messages into links.",
                "version": "1.4.2",
                "server": {"executables": executables()},
                "settings_schema": {"header": "", "footer": "", "settings": [
                    {"key": "EnableAdminCommand", "display_name": "Admin command", "type": "bool", "help_text": "", "default": false},
                    {"key": "Links", "display_name": "Links", "type": "custom", "help_text": "", "default": null}
                ]}
            }),
            enabled: true,
            nodes: vec![running("1.4.2"), running("1.4.2")],
            settings: json!({"enableadmincommand": true, "links": [{"Name": "tickets", "Pattern": "(TCK-)(?P<id>\\d+)", "Template": "[TCK-$id](https://tickets.example.com/$id)"}]}),
        },
    ]
}
