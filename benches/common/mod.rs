//! The real `mmops` binary in a pseudo-terminal, for the benchmarks that need the whole
//! program: its screen (through a vt100 emulator), keys sent to it, and its CPU time and memory
//! read from `/proc`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub mod demo;

pub struct Console {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn MasterPty + Send>,
    dirs: tempfile::TempDir,
}

impl Console {
    /// Starts `mmops ARGS` at `cols`x`rows` with `config` as its config file and private
    /// config, state and data dirs.
    pub fn start(args: &[&str], env: &[(&str, &str)], config: &str, cols: u16, rows: u16) -> Self {
        let dirs = tempfile::tempdir().unwrap();
        std::fs::write(dirs.path().join("config.toml"), config).unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mmops"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("MMOPS_CONFIG_DIR", dirs.path().join("config"));
        cmd.env("MMOPS_STATE_DIR", dirs.path().join("state"));
        cmd.env("MMOPS_DATA_DIR", dirs.path().join("data"));
        cmd.env("MMOPS_CONFIG", dirs.path().join("config.toml"));
        cmd.env("HOME", dirs.path());
        cmd.env_remove("MMOPS_TOKEN");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(rows).unwrap(),
            std::num::NonZero::new(cols).unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Self {
            child,
            writer,
            screen,
            _master: pair.master,
            dirs,
        }
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    /// A directory that lives as long as the console.
    pub fn dir(&self) -> &Path {
        self.dirs.path()
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `needle`; returns how long that took. Panics after 30 s.
    pub fn wait_for(&self, needle: &str) -> Duration {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if self.contents().contains(needle) {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        panic!(
            "'{needle}' never appeared; the screen shows:\n{}",
            self.contents()
        );
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// CPU time of every thread of the process so far, from `/proc/<pid>/task/*/schedstat`
    /// (`/proc/<pid>/stat` counts 10 ms ticks, too coarse here).
    pub fn cpu_time(&self) -> Duration {
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

    /// Sends `q` and waits up to 10 s for the program to exit.
    pub fn quit(&mut self) {
        self.send("q");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "the console did not quit; the screen shows:\n{}",
            self.contents()
        );
    }

    /// Resident memory of the process, in bytes.
    pub fn rss_bytes(&self) -> u64 {
        let pid = self.child.process_id().unwrap();
        rss_of(&format!("/proc/{pid}/status"))
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` from a `/proc/*/status` file, in bytes.
pub fn rss_of(status_path: &str) -> u64 {
    std::fs::read_to_string(status_path)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
