//! Helpers shared by the integration tests: a demo server at a fixed time, clients on it, and
//! console launches that render deterministically; `binary` runs the mmops binary, `pg` a
//! throwaway PostgreSQL and `mmdb` Mattermost histories in it.
#![allow(dead_code)]

pub mod binary;
pub mod mmdb;
pub mod pg;

use std::time::Duration;

use mmops::config::{ConnectionSpec, Target, TokenSource};
use mmops::demo::{DemoOptions, DemoServer};
use mmops::mm::{ClientOptions, MmClient, RetryPolicy};
use mmops::tui::keys::Keymap;
use mmops::tui::tabs::logs::LogsLaunch;
use mmops::tui::theme::Theme;
use mmops::tui::{Clock, Launch};

/// 2026-11-22 09:30:00 UTC: the demo's and the console's "now" in every test.
pub const NOW_MS: i64 = 1_795_339_800_000;

pub async fn demo() -> DemoServer {
    demo_with(DemoOptions::default()).await
}

pub async fn demo_with(options: DemoOptions) -> DemoServer {
    DemoServer::start(DemoOptions {
        now_ms: Some(NOW_MS),
        live_logs: false,
        ..options
    })
    .await
    .expect("demo server starts")
}

pub fn spec(server: &DemoServer, token: Option<&str>) -> ConnectionSpec {
    server.connection(token).unwrap()
}

/// Fast failure settings so fault tests do not wait long.
pub fn quick_options() -> ClientOptions {
    ClientOptions {
        idle_timeout: Duration::from_secs(3),
        total_timeout: Duration::from_secs(6),
        connect_timeout: Duration::from_secs(2),
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(2),
        },
    }
}

pub fn client(server: &DemoServer, token: Option<&str>) -> MmClient {
    MmClient::new(&spec(server, token), quick_options()).unwrap()
}

pub fn admin(server: &DemoServer) -> MmClient {
    client(server, Some(&server.token))
}

/// A client in local mode, over the socket at `socket`.
pub fn local_client(socket: &std::path::Path) -> MmClient {
    let spec = ConnectionSpec {
        target: Target::Local {
            socket: socket.to_path_buf(),
        },
        token: None,
        token_source: TokenSource::None,
        insecure: false,
        label: None,
    };
    MmClient::new(&spec, quick_options()).unwrap()
}

/// A demo install in `host` whose config.json was edited before the server started: the
/// demo serves the config it finds, as a real server does.
pub async fn demo_with_config(
    host: &std::path::Path,
    edit: impl FnOnce(&mut serde_json::Value),
    options: DemoOptions,
) -> DemoServer {
    drop(
        demo_with(DemoOptions {
            host_dir: Some(host.to_path_buf()),
            ..DemoOptions::default()
        })
        .await,
    );
    let path = host.join("config/config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut config);
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    demo_with(DemoOptions {
        host_dir: Some(host.to_path_buf()),
        ..options
    })
    .await
}

/// A console launch on `client` with the fixed clock and the default dark theme.
pub fn launch(client: Option<MmClient>, label: &str) -> Launch {
    Launch {
        client,
        server_label: label.to_string(),
        insecure: false,
        mm_home: None,
        theme: Theme::builtin("dark"),
        keymap: Keymap::default(),
        refresh_every: Duration::from_secs(3600),
        clock: Clock::Fixed(NOW_MS),
        logs: LogsLaunch::default(),
        token_source: "demo server".to_string(),
        config_file: "/home/admin/.config/mmops/config.toml".to_string(),
        reconnect: None,
        packet: None,
        // A fixed path, so the packet dialog renders the same everywhere; tests that write
        // a packet set their own.
        packet_dir: std::path::PathBuf::from("/tmp/mmops-test-packets"),
        snapshot_dir: std::env::temp_dir().join("mmops-test-snapshots"),
        invites: mmops::tui::tabs::invites::InvitesLaunch::default(),
        capture: Default::default(),
        fleet: None,
    }
}

/// metadata.yaml names the mmops build (`-dirty` on a working tree), and the total before
/// compression follows it: digits that depend on the build are masked, keeping the layout.
pub fn mask_build_dependent(text: &str) -> String {
    let sizes = regex::Regex::new(r"(metadata\.yaml +|^.*?)(\d+(?:\.\d)?)( (?:B|KB) )").unwrap();
    text.lines()
        .map(|line| {
            if line.contains("metadata.yaml")
                || line.contains("compressed,")
                || line.contains("before compression")
            {
                sizes
                    .replace(line, |c: &regex::Captures| {
                        format!("{}{}{}", &c[1], "#".repeat(c[2].len()), &c[3])
                    })
                    .into_owned()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The console's tabs and the packet dialog, by type, for assertions.
pub trait Tabs {
    fn server(&self) -> &mmops::tui::tabs::server::ServerTab;
    fn plugins(&self) -> &mmops::tui::tabs::plugins::PluginsTab;
    fn logs(&self) -> &mmops::tui::tabs::logs::LogsTab;
    fn config(&self) -> &mmops::tui::tabs::config::ConfigTab;
    fn invites(&self) -> &mmops::tui::tabs::invites::InvitesTab;
    fn doctor(&self) -> &mmops::tui::tabs::doctor::DoctorTab;
    fn packet(&self) -> Option<&mmops::tui::dialogs::packet::PacketDialog>;
}

impl Tabs for mmops::tui::App {
    fn server(&self) -> &mmops::tui::tabs::server::ServerTab {
        self.tab().expect("the Server tab")
    }
    fn plugins(&self) -> &mmops::tui::tabs::plugins::PluginsTab {
        self.tab().expect("the Plugins tab")
    }
    fn logs(&self) -> &mmops::tui::tabs::logs::LogsTab {
        self.tab().expect("the Logs tab")
    }
    fn config(&self) -> &mmops::tui::tabs::config::ConfigTab {
        self.tab().expect("the Config tab")
    }
    fn invites(&self) -> &mmops::tui::tabs::invites::InvitesTab {
        self.tab().expect("the Invites tab")
    }
    fn doctor(&self) -> &mmops::tui::tabs::doctor::DoctorTab {
        self.tab().expect("the Doctor tab")
    }
    fn packet(&self) -> Option<&mmops::tui::dialogs::packet::PacketDialog> {
        self.dialog()
    }
}
