//! The real binary in a pseudo-terminal against the demo server: time to the first frame
//! (target: 50 ms), and CPU used while idle (target: under 1% of a core).
//!
//! `idle/cpu_per_second_idle` reports, as its "time", the CPU time the console used per second
//! of wall time with no input: 10 ms means 1% of a core. The console runs with a background
//! refresh every 3 s (the default is 30 s), so each 3 s window includes one full reload of the
//! Server tab: a pessimistic idle. Between refreshes the console uses no CPU at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::Console;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mmops::demo::{DemoOptions, DemoServer};

fn console(server: &DemoServer, refresh_secs: u64) -> Console {
    Console::start(
        &["--url", &server.url],
        &[("MMOPS_TOKEN", &server.token)],
        &format!("[ui]\nrefresh_secs = {refresh_secs}\n"),
        120,
        40,
    )
}

fn startup(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(DemoServer::start(DemoOptions {
            live_logs: false,
            ..DemoOptions::default()
        }))
        .unwrap();
    let _guard = runtime.enter();

    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    group.bench_function("first_frame", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                let console = console(&server, 30);
                console.wait_for("1 Server");
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();

    let mut group = c.benchmark_group("idle");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(30));
    let console = console(&server, 3);
    console.wait_for("connected");
    std::thread::sleep(Duration::from_millis(500));
    group.bench_function("cpu_per_second_idle", |b| {
        b.iter_custom(|iterations| {
            let window = Duration::from_secs(3);
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let before = console.cpu_time();
                std::thread::sleep(window);
                total += (console.cpu_time() - before).div_f64(window.as_secs_f64());
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
