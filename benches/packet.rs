//! The support packet's targets (see BENCHMARKS.md for what each figure means):
//!
//! - `packet/without_logs`: with the data already collected from the demo server (over real
//!   HTTP, and its host directory), `prepare` plus `write` of a packet without logs, the zip
//!   synced and linked under its name (target: within 1 s);
//! - `packet/collect_from_demo` (for information): the collection itself, every API call of the
//!   packet to the in-process demo server plus the install directory;
//! - `packet_log/write_64mb/*`: a packet with a 64 MB generated `mattermost.log` (the demo's
//!   `write_log`, as `mmops demo --write-log`), privacy mode off and on, in MB/s of log read.
//!
//! The 1 GB comparison with `zip -6` and the peak-memory check are `benches/compare_packet.sh`:
//! they need the release binary and `/usr/bin/time`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::demo::{NOW_MS, client, demo};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mmops::host::{HomeOrigin, MmHome};
use mmops::packet::archive::Control;
use mmops::packet::collect::{Collected, Sources, collect};
use mmops::packet::{Options, prepare, write};

/// The log of the throughput benchmark.
const LOG_BYTES: u64 = 64 << 20;

/// Prepares and writes one packet into `dir`; returns how long that took, the zip's size and
/// the log bytes written. The zip is removed afterwards (untimed), so every run writes under
/// the same name.
fn write_once(collected: &Collected, options: Options, dir: &Path) -> (Duration, u64, u64) {
    let started = Instant::now();
    let prepared = prepare(collected, options, NOW_MS);
    let summary = write(&prepared, dir, Control::default()).unwrap();
    let elapsed = started.elapsed();
    let logs: u64 = summary
        .written
        .entries
        .iter()
        .filter(|(name, _)| name.ends_with(".log"))
        .map(|(_, size)| size)
        .sum();
    std::fs::remove_file(&summary.written.path).unwrap();
    (elapsed, summary.written.size, logs)
}

fn without_logs(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    let client = client(&server);
    let home = MmHome::new(server.host_dir.clone(), HomeOrigin::Demo);
    let sources = Sources {
        client: Some(&client),
        mm_home: Some(&home),
        db_url: None,
    };
    let collected = runtime.block_on(collect(sources));
    assert!(collected.config.is_some() && collected.plugins.is_some());
    let out = tempfile::tempdir().unwrap();
    let options = Options {
        include_logs: false,
        privacy: false,
        ..Options::default()
    };
    let (_, size, logs) = write_once(&collected, options, out.path());
    assert_eq!(logs, 0, "no logs in a packet without logs");
    println!("packet/without_logs: a zip of {size} bytes");

    let mut group = c.benchmark_group("packet");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    // Data loaded: sanitize the config, build the small files, write, sync and link the zip.
    group.bench_function("without_logs", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| write_once(&collected, options, out.path()).0)
                .sum()
        })
    });
    // For information: the collection over HTTP (and from the demo's host directory).
    group.bench_function("collect_from_demo", |b| {
        b.iter(|| runtime.block_on(collect(sources)))
    });
    group.finish();
}

fn with_log(c: &mut Criterion) {
    // An install directory with the demo's config.json and a generated 64 MB mattermost.log;
    // the packet collected from it alone, as `mmops packet --mm-home DIR` on the server does.
    let install = tempfile::tempdir().unwrap();
    {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = demo(&runtime);
        std::fs::create_dir_all(install.path().join("config")).unwrap();
        std::fs::create_dir_all(install.path().join("logs")).unwrap();
        std::fs::copy(
            server.host_dir.join("config").join("config.json"),
            install.path().join("config").join("config.json"),
        )
        .unwrap();
    }
    let log = install.path().join("logs").join("mattermost.log");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    mmops::demo::logs::write_log(&mut file, LOG_BYTES, 1, NOW_MS).unwrap();
    drop(file);
    let log_bytes = std::fs::metadata(&log).unwrap().len();
    let home = MmHome::new(install.path(), HomeOrigin::Flag);
    let collected = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(collect(Sources {
            client: None,
            mm_home: Some(&home),
            db_url: None,
        }));
    let out = tempfile::tempdir().unwrap();

    let mut group = c.benchmark_group("packet_log");
    group.throughput(Throughput::Bytes(log_bytes));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    // Privacy mode runs about half as fast: give it the time for its 10 samples on a busy machine.
    for (name, privacy, seconds) in [("privacy_off", false, 12), ("privacy_on", true, 20)] {
        group.measurement_time(Duration::from_secs(seconds));
        let options = Options {
            include_logs: true,
            privacy,
            ..Options::default()
        };
        let (_, size, logs) = write_once(&collected, options, out.path());
        // Pseudonyms are shorter than what they replace: the cleaned log can be smaller.
        assert!(logs > log_bytes / 2, "the whole log went in ({logs} bytes)");
        println!(
            "packet_log/write_64mb/{name}: {log_bytes} log bytes ({logs} after cleaning) into a zip of {size} bytes ({:.1}%)",
            size as f64 * 100.0 / log_bytes as f64
        );
        group.bench_function(format!("write_64mb/{name}"), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| write_once(&collected, options, out.path()).0)
                    .sum()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, without_logs, with_log);
criterion_main!(benches);
