//! Server tab: a full redraw at 120x40 (target: under 1 ms), and loading its data with every
//! request 20 ms slow (target: no sequential chain longer than two round trips, i.e. the whole
//! load within about two request times).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mmops::config::connection::normalize_url;
use mmops::config::{ConnectionSpec, Target, TokenSource};
use mmops::demo::{DemoOptions, DemoServer};
use mmops::mm::{ClientOptions, MmClient};
use mmops::overview::Overview;
use mmops::secret::Secret;
use mmops::tui::keys::Keymap;
use mmops::tui::testing::Harness;
use mmops::tui::theme::Theme;
use mmops::tui::{Clock, Launch};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW_MS: i64 = 1_795_339_800_000;

fn client(server: &DemoServer) -> MmClient {
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

fn demo(runtime: &tokio::runtime::Runtime) -> DemoServer {
    runtime
        .block_on(DemoServer::start(DemoOptions {
            now_ms: Some(NOW_MS),
            live_logs: false,
            ..DemoOptions::default()
        }))
        .unwrap()
}

fn redraw(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    let launch = Launch {
        client: Some(client(&server)),
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
        packet_dir: std::env::temp_dir(),
        snapshot_dir: std::env::temp_dir().join("mmops-bench-snapshots"),
        invites: Default::default(),
    };
    let mut harness = {
        let _guard = runtime.enter();
        Harness::start(launch)
    };
    runtime.block_on(harness.settle());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    c.bench_function("server_tab/full_redraw_120x40", |b| {
        b.iter(|| {
            // Forget the previous frame so every cell is drawn and diffed again.
            terminal.clear().unwrap();
            terminal.draw(|frame| harness.app.draw(frame)).unwrap();
        })
    });
}

fn load(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    server.set_faults("*=latency:20").unwrap();
    let client = client(&server);
    let mut group = c.benchmark_group("server_tab/load_with_20ms_per_request");
    group.sample_size(30);
    group.bench_function("one_request", |b| {
        b.iter(|| runtime.block_on(client.ping(false)).unwrap())
    });
    group.bench_function("whole_overview", |b| {
        b.iter(|| runtime.block_on(Overview::collect(&client, None)))
    });
    group.finish();
}

criterion_group!(benches, redraw, load);
criterion_main!(benches);
