//! The demo server at the benchmarks' fixed time, an admin client on it, and a console launch
//! that renders the same every run.

use std::time::Duration;

use mmops::config::connection::normalize_url;
use mmops::config::{ConnectionSpec, Target, TokenSource};
use mmops::demo::{DemoOptions, DemoServer};
use mmops::mm::{ClientOptions, MmClient};
use mmops::secret::Secret;
use mmops::tui::keys::Keymap;
use mmops::tui::theme::Theme;
use mmops::tui::{Clock, Launch};

/// 2026-11-22 09:30:00 UTC, as in the tests.
pub const NOW_MS: i64 = 1_795_339_800_000;

pub fn demo(runtime: &tokio::runtime::Runtime) -> DemoServer {
    runtime
        .block_on(DemoServer::start(DemoOptions {
            now_ms: Some(NOW_MS),
            live_logs: false,
            ..DemoOptions::default()
        }))
        .unwrap()
}

pub fn client(server: &DemoServer) -> MmClient {
    let spec = ConnectionSpec {
        target: Target::Remote {
            url: normalize_url(&server.url).unwrap(),
        },
        token: Some(Secret::new(server.token.clone())),
        token_source: TokenSource::Demo,
        insecure: false,
        label: Some("DEMO".into()),
    };
    MmClient::new(&spec, ClientOptions::default()).unwrap()
}

pub fn launch(client: Option<MmClient>) -> Launch {
    Launch {
        client,
        server_label: "DEMO".into(),
        insecure: false,
        mm_home: None,
        theme: Theme::builtin("dark"),
        keymap: Keymap::default(),
        refresh_every: Duration::from_secs(3600),
        clock: Clock::Fixed(NOW_MS),
        logs: Default::default(),
        token_source: "demo server".into(),
        config_file: "config.toml".into(),
        reconnect: None,
        packet: None,
        packet_dir: std::env::temp_dir(),
        snapshot_dir: std::env::temp_dir().join("mmops-bench-snapshots"),
        invites: Default::default(),
        capture: Default::default(),
        fleet: None,
    }
}
