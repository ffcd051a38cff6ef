//! Following a log file like `tail -F`: start from its last lines without reading it from the
//! start, then read what is appended, surviving rotation (rename and a new file), truncation,
//! and deletion followed by re-creation. Woken by inotify (through `notify`) within
//! milliseconds of a write; where watching is not possible it polls every 100 ms.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::source::{LineBatch, Sink, SourceEvent, SourceState, split_lines};

#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// How many of the file's last lines to show first.
    pub initial_lines: usize,
    /// Poll interval when file events are not available.
    pub fallback_poll: Duration,
    /// Wake-up interval with file events, as a safety net (e.g. network filesystems).
    pub watched_poll: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        Self {
            initial_lines: 5000,
            fallback_poll: Duration::from_millis(100),
            watched_poll: Duration::from_secs(2),
        }
    }
}

/// A running follower; dropping it stops the thread.
pub struct Follower {
    stop: Arc<AtomicBool>,
    wake: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts following `path`, reporting its lines and state changes as `name`.
pub fn follow(path: PathBuf, name: String, options: FollowOptions, tx: Sink) -> Follower {
    let stop = Arc::new(AtomicBool::new(false));
    let (wake, wake_rx) = mpsc::channel();
    let thread = {
        let stop = Arc::clone(&stop);
        let wake = wake.clone();
        std::thread::Builder::new()
            .name(format!("follow {name}"))
            .spawn(move || run(path, name, options, tx, wake, wake_rx, stop))
            .ok()
    };
    Follower { stop, wake, thread }
}

fn watch(path: &Path, wake: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path.file_name()?.to_os_string();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && event
                .paths
                .iter()
                .any(|p| p.file_name() == Some(file_name.as_os_str()))
        {
            let _ = wake.send(());
        }
    })
    .ok()?;
    watcher.watch(dir, RecursiveMode::NonRecursive).ok()?;
    Some(watcher)
}

fn run(
    path: PathBuf,
    name: String,
    options: FollowOptions,
    tx: Sink,
    wake: mpsc::Sender<()>,
    wake_rx: mpsc::Receiver<()>,
    stop: Arc<AtomicBool>,
) {
    let watcher = watch(&path, wake);
    let interval = if watcher.is_some() {
        options.watched_poll
    } else {
        options.fallback_poll
    };
    let mut tail = Tail::new(path, name, tx, Arc::clone(&stop));
    tail.start(options.initial_lines);
    while !stop.load(Ordering::SeqCst) {
        if tail.poll().is_err() {
            return;
        }
        match wake_rx.recv_timeout(interval) {
            Ok(()) => while wake_rx.try_recv().is_ok() {},
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The receiver is gone: stop following.
struct Closed;

struct Tail {
    path: PathBuf,
    name: String,
    tx: Sink,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    offset: u64,
    partial: Vec<u8>,
    state: Option<SourceState>,
    /// Set when the follower is dropped: a long read stops between pieces.
    stop: Arc<AtomicBool>,
}

impl Tail {
    fn new(path: PathBuf, name: String, tx: Sink, stop: Arc<AtomicBool>) -> Self {
        Self {
            path,
            name,
            tx,
            file: None,
            identity: None,
            offset: 0,
            partial: Vec::new(),
            state: None,
            stop,
        }
    }

    fn report(&mut self, state: SourceState) -> Result<(), Closed> {
        if self.state.as_ref() == Some(&state) {
            return Ok(());
        }
        self.state = Some(state.clone());
        let source = self.name.clone();
        if (self.tx)(SourceEvent::State { source, state }) {
            Ok(())
        } else {
            Err(Closed)
        }
    }

    fn send(&self, batch: LineBatch) -> Result<(), Closed> {
        if batch.is_empty() {
            return Ok(());
        }
        let source = self.name.clone();
        if (self.tx)(SourceEvent::Lines { source, batch }) {
            Ok(())
        } else {
            Err(Closed)
        }
    }

    /// Opens the file and positions at its last `lines` lines.
    fn start(&mut self, lines: usize) {
        if let Ok(mut file) = File::open(&self.path) {
            self.offset = tail_offset(&mut file, lines).unwrap_or(0);
            self.identity = identity(&file);
            self.file = Some(file);
        }
    }

    fn poll(&mut self) -> Result<(), Closed> {
        if self.file.is_none() {
            match File::open(&self.path) {
                Ok(file) => {
                    self.identity = identity(&file);
                    self.file = Some(file);
                    self.offset = 0;
                }
                Err(err) => {
                    let why = if err.kind() == std::io::ErrorKind::NotFound {
                        format!("{} does not exist yet", self.path.display())
                    } else {
                        format!("cannot open {}: {err}", self.path.display())
                    };
                    return self.report(SourceState::Waiting(why));
                }
            }
        }
        self.read_to_end()?;
        let current = std::fs::metadata(&self.path);
        match current {
            Ok(meta) if Some((meta.dev(), meta.ino())) != self.identity => {
                // Renamed away and replaced: lines may have landed in the old file between the
                // read above and the rename, so read it to its end once more, then take the new.
                self.read_to_end()?;
                self.flush_partial()?;
                self.file = None;
                self.report(SourceState::Rotated)?;
                self.state = None;
                return self.poll();
            }
            Ok(meta) if meta.len() < self.offset => {
                self.offset = 0;
                self.partial.clear();
                if let Some(file) = self.file.as_mut() {
                    let _ = file.seek(SeekFrom::Start(0));
                }
                self.report(SourceState::Truncated)?;
                self.state = None;
                self.read_to_end()?;
            }
            Ok(_) => {}
            Err(_) => {
                // Deleted: keep reading the old file until a new one appears.
                return self.report(SourceState::Waiting(format!(
                    "{} was removed; waiting for it to be created again",
                    self.path.display()
                )));
            }
        }
        self.report(SourceState::Following)
    }

    fn read_to_end(&mut self) -> Result<(), Closed> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        let result = self.read_from(&mut file);
        self.file = Some(file);
        result
    }

    fn read_from(&mut self, file: &mut File) -> Result<(), Closed> {
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return Ok(());
        }
        let mut buf = vec![0u8; 256 * 1024];
        let mut batch = LineBatch::default();
        let mut full = Vec::new();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(Closed);
            }
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            self.offset += n as u64;
            split_lines(&mut self.partial, &buf[..n], |line| {
                batch.push(line);
                if batch.is_full() {
                    full.push(std::mem::take(&mut batch));
                }
            });
            for done in full.drain(..) {
                self.send(done)?;
            }
        }
        self.send(batch)
    }

    fn flush_partial(&mut self) -> Result<(), Closed> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let mut batch = LineBatch::default();
        batch.push(&self.partial);
        self.partial.clear();
        self.send(batch)
    }
}

fn identity(file: &File) -> Option<(u64, u64)> {
    file.metadata().ok().map(|m| (m.dev(), m.ino()))
}

/// The offset where the last `lines` lines of `file` begin, found by reading backwards in
/// blocks from the end (a large file is never read from its start).
pub fn tail_offset(file: &mut File, lines: usize) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    if lines == 0 {
        return Ok(len);
    }
    let mut end = len;
    let mut seen = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let mut skipped_final_newline = false;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        for (i, byte) in chunk.iter().enumerate().rev() {
            if *byte != b'\n' {
                continue;
            }
            let at = start + i as u64;
            if at + 1 == len && !skipped_final_newline {
                skipped_final_newline = true;
                continue;
            }
            seen += 1;
            if seen == lines {
                return Ok(at + 1);
            }
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_offset_finds_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let text: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, &text).unwrap();
        let mut file = File::open(&path).unwrap();
        let at = tail_offset(&mut file, 3).unwrap() as usize;
        assert_eq!(&text[at..], "line 99997\nline 99998\nline 99999\n");
        assert_eq!(tail_offset(&mut file, 1_000_000).unwrap(), 0);
        assert_eq!(tail_offset(&mut file, 0).unwrap(), text.len() as u64);
        std::fs::write(&path, "a\nb").unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(tail_offset(&mut file, 1).unwrap(), 2);
    }
}
