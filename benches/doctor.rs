//! The doctor's targets (BENCHMARKS.md):
//!
//! - `doctor/live_on_demo`: every fact gathered from the in-process demo over real HTTP (its
//!   install directory included) and every rule run (target: within 1 s, network included);
//! - `doctor/live_with_20ms_per_request`: the same with every request 20 ms slow: the requests
//!   go out together, so this stays near one round trip plus the work;
//! - `doctor/scan_64mb`: the one pass over the logs for every log rule's signs, in MB/s.
//!
//! The 1 GB install directory (target: all rules within 3 s) is `benches/compare_doctor.sh`,
//! with the release binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::demo::{NOW_MS, client, demo};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mmops::doctor::gather::{Sources, gather, scan_files};
use mmops::doctor::{Selection, diagnose};
use mmops::host::{HomeOrigin, MmHome};

const LOG_BYTES: u64 = 64 << 20;

fn live(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    let client = client(&server);
    let home = MmHome::new(server.host_dir.clone(), HomeOrigin::Demo);
    let run = || {
        runtime.block_on(async {
            let facts = gather(Sources {
                client: Some(&client),
                home: Some(&home),
                db_url: None,
                now_ms: NOW_MS,
            })
            .await;
            diagnose(&facts, &Selection::default())
        })
    };
    assert!(run().findings.len() > 10, "the demo is sick");
    let mut group = c.benchmark_group("doctor");
    group.sample_size(20);
    group.bench_function("live_on_demo", |b| b.iter(run));
    server.set_faults("*=latency:20").unwrap();
    group.bench_function("live_with_20ms_per_request", |b| b.iter(run));
    group.finish();
}

fn scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mattermost.log");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    mmops::demo::logs::write_log(&mut file, LOG_BYTES, 1, NOW_MS).unwrap();
    drop(file);
    let bytes = std::fs::metadata(&log).unwrap().len();
    let files = vec![log];
    let mut group = c.benchmark_group("doctor");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("scan_64mb", |b| {
        b.iter(|| {
            let facts = scan_files(&files).unwrap();
            assert!(facts.lines > 100_000);
            facts
        })
    });
    group.finish();
}

criterion_group!(benches, live, scan);
criterion_main!(benches);
