//! The real binary in a pseudo-terminal against the demo server: time to the first frame
//! (target: 50 ms), and CPU used while idle (target: under 1% of a core).
//!
//! `idle/cpu_per_second_idle` reports, as its "time", the CPU time the console used per second
//! of wall time with no input: 10 ms means 1% of a core. The console runs with a background
//! refresh every 3 s (the default is 30 s), so each 3 s window includes one full reload of the
//! Server tab: a pessimistic idle. Between refreshes the console uses no CPU at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mmops::demo::{DemoOptions, DemoServer};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

struct Console {
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    _dirs: tempfile::TempDir,
}

impl Console {
    fn start(server: &DemoServer, refresh_secs: u64) -> Self {
        let dirs = tempfile::tempdir().unwrap();
        std::fs::write(
            dirs.path().join("config.toml"),
            format!("[ui]\nrefresh_secs = {refresh_secs}\n"),
        )
        .unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mmops"));
        cmd.args(["--url", &server.url]);
        cmd.env("MMOPS_TOKEN", &server.token);
        cmd.env("TERM", "xterm-256color");
        cmd.env("MMOPS_CONFIG_DIR", dirs.path().join("config"));
        cmd.env("MMOPS_STATE_DIR", dirs.path().join("state"));
        cmd.env("MMOPS_DATA_DIR", dirs.path().join("data"));
        cmd.env("MMOPS_CONFIG", dirs.path().join("config.toml"));
        cmd.env("HOME", dirs.path());
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self {
            child,
            output,
            _master: pair.master,
            _dirs: dirs,
        }
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if String::from_utf8_lossy(&self.output.lock().unwrap()).contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        panic!("'{needle}' never appeared");
    }

    /// CPU time of every thread of the process so far, in nanoseconds, from
    /// `/proc/<pid>/task/*/schedstat` (`/proc/<pid>/stat` counts 10 ms ticks, too coarse here).
    fn cpu_time(&self) -> Duration {
        let pid = self.child.process_id().unwrap();
        let mut nanos = 0u64;
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .flatten()
        {
            if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
                nanos += stat
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        Duration::from_nanos(nanos)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
                let console = Console::start(&server, 30);
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
    let console = Console::start(&server, 3);
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
