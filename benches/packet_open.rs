//! Opening a support packet with a 1 GB log (`MMOPS_BENCH_PACKET_LOG`, default 1G):
//!
//! - `packet_open/first_frame`: `mmops open` in a pseudo-terminal until its first screen shows
//!   (target: within 1 s);
//! - printed once: the Logs tab's first lines after `3`, and the peak resident memory once the
//!   whole log has streamed through the Logs tab's bounded store (target: within that tab's
//!   bound, as when following a file);
//! - printed once: `mmops packet diff` of two such packets, read side by side (target: 5 s).
//!
//! The packet is generated once into `$MMOPS_BENCH_DIR` (default /tmp/mmops-bench) and reused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Console;
use common::demo::NOW_MS;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mmops::packet::compare::{difference, summarize};
use mmops::packet::open::Packet;

fn size() -> u64 {
    let raw = std::env::var("MMOPS_BENCH_PACKET_LOG").unwrap_or_else(|_| "1G".into());
    let (digits, unit) = raw.split_at(raw.len() - 1);
    let n: u64 = digits.parse().unwrap_or(1);
    match unit {
        "G" => n << 30,
        "M" => n << 20,
        _ => raw.parse().unwrap(),
    }
}

/// A 10.5-layout packet whose mattermost.log is `bytes` of the demo's log.
fn packet(bytes: u64, seed: u64) -> PathBuf {
    let dir = PathBuf::from(std::env::var("MMOPS_BENCH_DIR").unwrap_or("/tmp/mmops-bench".into()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("packet-{bytes}-{seed}.zip"));
    if path.is_file() {
        return path;
    }
    let partial = path.with_extension("partial");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&partial).unwrap());
    let options = zip::write::SimpleFileOptions::default().large_file(true);
    zip.start_file("metadata.yaml", options).unwrap();
    write!(
        zip,
        "version: 1\ntype: support-packet\ngenerated_at: {NOW_MS}\nserver_version: 10.5.{seed}\nserver_id: 8fqrzj1ucjyxpcbxgcn4nr1gpr\n"
    )
    .unwrap();
    zip.start_file("diagnostics.yaml", options).unwrap();
    write!(zip, "version: 1\nserver:\n    version: 10.5.{seed}\n").unwrap();
    zip.start_file("sanitized_config.json", options).unwrap();
    write!(
        zip,
        "{{\"RateLimitSettings\": {{\"Enable\": {}}}}}",
        seed.is_multiple_of(2)
    )
    .unwrap();
    zip.start_file("mattermost.log", options).unwrap();
    mmops::demo::logs::write_log(&mut zip, bytes, seed, NOW_MS).unwrap();
    zip.finish().unwrap();
    std::fs::rename(&partial, &path).unwrap();
    path
}

fn peak_resident_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn open_console(path: &Path) -> Console {
    Console::start(&["open", path.to_str().unwrap()], &[], "", 120, 40)
}

fn first_frame(c: &mut Criterion) {
    let path = packet(size(), 1);
    let mut group = c.benchmark_group("packet_open");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("first_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let mut console = open_console(&path);
                console.wait_for("PACKET");
                total += started.elapsed();
                console.quit();
            }
            total
        })
    });
    group.finish();

    // The Logs tab: its first lines, then the log through its bounded store (200,000 entries
    // by default: once it shows that many held, the store is full and evicting).
    let mut console = open_console(&path);
    console.wait_for("PACKET");
    let started = Instant::now();
    console.send("3");
    console.wait_for(" INFO ");
    let first_lines = started.elapsed();
    console.wait_for("200,000 held");
    let full = started.elapsed();
    // The rest of the gigabyte streams through; sample the peak once it has had the time.
    std::thread::sleep(Duration::from_secs(5));
    let pid = console.pid();
    eprintln!(
        "packet_open/logs: first lines {:.0} ms after 3; store full at {:.1} s; peak resident {:.1} MB",
        first_lines.as_secs_f64() * 1e3,
        full.as_secs_f64(),
        peak_resident_kb(pid) as f64 / 1024.0
    );
    console.quit();

    // Two packets compared, side by side.
    let other = packet(size(), 2);
    let started = Instant::now();
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| summarize(&Packet::open(&path).unwrap()));
        let b = scope.spawn(|| summarize(&Packet::open(&other).unwrap()));
        (a.join().unwrap(), b.join().unwrap())
    });
    let d = difference(&a, &b);
    eprintln!(
        "packet_diff: two packets of {} MB logs compared in {:.2} s ({} config changes)",
        size() >> 20,
        started.elapsed().as_secs_f64(),
        d.config.len()
    );
}

criterion_group!(benches, first_frame);
criterion_main!(benches);
