//! The fleet's targets (see BENCHMARKS.md):
//!
//! - `fleet/refresh_50_servers`: 50 demo servers (one in five down, one rate limiting, one
//!   with failing plugins, one with an expired licence) summarised, every row, 16 at once
//!   (target: within 2 s of wall time);
//! - `fleet/frame_50_rows_200x50`: a frame of the fleet view with those 50 rows (≤ 2 ms);
//! - printed: what the view holds per server (a summary, as JSON bytes), against a console.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::demo::NOW_MS;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mmops::config::{Paths, Resolved};
use mmops::fleet::{Options, refresh_all};
use mmops::tui::keys::Keymap;
use mmops::tui::theme::Theme;
use mmops::tui::view::{Ui, View};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const SERVERS: usize = 50;

fn fleet(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fleet = runtime
        .block_on(mmops::demo::fleet::start(SERVERS, Some(NOW_MS)))
        .unwrap();
    let paths = Paths::resolve(Some(&fleet.config_file));
    let opts = mmops::cli::GlobalOpts {
        config: Some(fleet.config_file.clone()),
        ..Default::default()
    };
    let resolved = Resolved::resolve(&opts, paths.clone()).unwrap();
    let members = mmops::fleet::profiles::members(&resolved);
    assert_eq!(members.len(), SERVERS);
    let options = Options {
        now_ms: NOW_MS,
        ..Options::default()
    };
    let summaries = runtime.block_on(refresh_all(members.clone(), options.clone()));
    let bytes: usize = summaries
        .iter()
        .map(|s| serde_json::to_vec(s).unwrap().len())
        .sum();
    let states = |label: &str| {
        summaries
            .iter()
            .filter(|s| s.state.label() == label)
            .count()
    };
    println!(
        "fleet/held: {SERVERS} summaries, {} bytes as JSON ({} per server); {} up, {} down, {} rate limited",
        bytes,
        bytes / SERVERS,
        states("up"),
        states("down"),
        states("rate limited"),
    );

    let mut group = c.benchmark_group("fleet");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("refresh_50_servers", |b| {
        b.iter(|| runtime.block_on(refresh_all(members.clone(), options.clone())))
    });
    group.finish();

    let launch = mmops::commands::fleet::fleet_launch(&paths, &opts, options, false);
    let mut view = mmops::tui::dialogs::fleet::FleetView::new(launch, members);
    view.rows = summaries;
    let (theme, keymap) = (Theme::builtin("dark"), Keymap::default());
    let ui = Ui {
        theme: &theme,
        keymap: &keymap,
        now_ms: NOW_MS,
    };
    let area = Rect::new(0, 0, 200, 50);
    let mut buf = Buffer::empty(area);
    let mut group = c.benchmark_group("fleet");
    group.bench_function("frame_50_rows_200x50", |b| {
        b.iter(|| view.draw(area, &mut buf, &ui))
    });
    group.finish();
    drop(fleet);
}

criterion_group!(benches, fleet);
criterion_main!(benches);
