//! The capture's targets (see BENCHMARKS.md):
//!
//! - `capture/start_stop`: a start (the plan's questions, all at once, then the patch) and a
//!   stop (the config read, then the patch) against the in-process demo over real HTTP; the
//!   requests each sends are counted and printed;
//! - `capture_window/*`: the window's lines read from a 256 MB install log with 8 MB written
//!   after the start: from the start's mark (what the stop does) against the whole file, so
//!   the window costs its own volume and not the file's;
//! - `capture_packet/*`: the packet of that install written with and without the capture's
//!   files: what the capture adds to the packet's time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::demo::{NOW_MS, client, demo};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mmops::capture::{self, CaptureFile, FileMark, Start};
use mmops::packet::archive::Control;
use mmops::packet::collect::LogInput;
use mmops::packet::{Options, prepare, write};

const BEFORE: u64 = 256 << 20;
const WINDOW: u64 = 8 << 20;

fn start(now_ms: i64) -> Start {
    Start {
        now_ms,
        max_minutes: 30,
        owner_pid: std::process::id(),
        file_marks: Vec::new(),
        at_current_level: None,
        profile: None,
    }
}

fn start_stop(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    let client = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let file = CaptureFile::in_dir(dir.path());
    let requests = || server.shared().recent_requests().len();
    let before = requests();
    let plan = runtime.block_on(capture::plan(&client)).unwrap();
    let planned = requests() - before;
    let started = runtime
        .block_on(capture::start(&client, &plan, start(NOW_MS), &file))
        .unwrap();
    let patched = requests() - before - planned;
    runtime
        .block_on(capture::restore(&client, &started, NOW_MS, &file))
        .unwrap();
    let stopped = requests() - before - planned - patched;
    println!(
        "capture/requests: start = {planned} questions sent at once + {patched} patch; stop = {stopped} (the config read, the patch)"
    );
    let mut group = c.benchmark_group("capture");
    group.bench_function("start_stop", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let plan = capture::plan(&client).await.unwrap();
                let started = capture::start(&client, &plan, start(NOW_MS), &file)
                    .await
                    .unwrap();
                capture::restore(&client, &started, NOW_MS, &file)
                    .await
                    .unwrap();
            })
        })
    });
    group.finish();
}

/// An install's log of `BEFORE` bytes, then `WINDOW` bytes written after the mark.
fn install(dir: &Path) -> (LogInput, FileMark, i64, i64) {
    let path = dir.join("mattermost.log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    // The generator's times run past the end it is given when its lines come out shorter than
    // it assumes: the history ends days before the start, the window begins after it.
    let start_ms = NOW_MS - 3_600_000;
    mmops::demo::logs::write_log(&mut out, BEFORE, 1, NOW_MS - 4 * 86_400_000).unwrap();
    out.flush().unwrap();
    let offset = out.get_ref().metadata().unwrap().len();
    mmops::demo::logs::write_log(&mut out, WINDOW, 2, NOW_MS + 86_400_000).unwrap();
    out.flush().unwrap();
    drop(out);
    let size = std::fs::metadata(&path).unwrap().len();
    let within = std::fs::canonicalize(dir).unwrap();
    (
        LogInput::File {
            name: "mattermost.log".into(),
            path: path.clone(),
            size,
            within,
        },
        FileMark { path, offset },
        start_ms,
        NOW_MS + 86_400_000,
    )
}

fn window(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (log, mark, start_ms, stop_ms) = install(dir.path());
    let logs = vec![log];
    let marks = vec![mark];
    let lines = capture::window::read(&logs, start_ms, stop_ms, &marks)
        .lines
        .len();
    let whole = capture::window::read(&logs, start_ms, stop_ms, &[])
        .lines
        .len();
    assert_eq!(lines, whole, "the mark changes the cost, not the window");
    let mut group = c.benchmark_group("capture_window");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(WINDOW));
    group.bench_function("from_the_mark", |b| {
        b.iter(|| capture::window::read(&logs, start_ms, stop_ms, &marks))
    });
    group.bench_function("whole_file", |b| {
        b.iter(|| capture::window::read(&logs, start_ms, stop_ms, &[]))
    });
    group.finish();

    // The packet with and without the capture's files.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = demo(&runtime);
    let client = client(&server);
    let state = tempfile::tempdir().unwrap();
    let file = CaptureFile::in_dir(state.path());
    let plan = runtime.block_on(capture::plan(&client)).unwrap();
    let started = runtime
        .block_on(capture::start(&client, &plan, start(start_ms), &file))
        .unwrap();
    let mut stopped = runtime
        .block_on(capture::restore(&client, &started, stop_ms, &file))
        .unwrap();
    stopped.capture.file_marks = marks.clone();
    let collected = mmops::packet::collect::Collected {
        logs: logs.clone(),
        ..Default::default()
    };
    let options = Options {
        cpu_profile_seconds: 0,
        ..Options::default()
    };
    let out = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("capture_packet");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("without_capture", |b| {
        b.iter(|| {
            let prepared = prepare(&collected, options, stop_ms);
            let summary = write(&prepared, out.path(), Control::default()).unwrap();
            std::fs::remove_file(&summary.written.path).unwrap();
        })
    });
    group.bench_function("with_capture", |b| {
        b.iter(|| {
            let window = capture::window::read(&logs, start_ms, stop_ms, &marks);
            let files = capture::window::files(&stopped, window, "bench", None);
            let mut prepared = prepare(&collected, options, stop_ms);
            prepared.add_capture(&files);
            let summary = write(&prepared, out.path(), Control::default()).unwrap();
            std::fs::remove_file(&summary.written.path).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, start_stop, window);
criterion_main!(benches);
