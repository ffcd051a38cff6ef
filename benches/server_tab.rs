//! Server tab: a full redraw at 120x40 (target: under 1 ms), and loading its data with every
//! request 20 ms slow (target: no sequential chain longer than two round trips, i.e. the whole
//! load within about two request times).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::demo::{client, demo, launch};
use criterion::{Criterion, criterion_group, criterion_main};
use mmops::overview::Overview;
use mmops::tui::testing::Harness;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn redraw(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    let launch = launch(Some(client(&server)));
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
