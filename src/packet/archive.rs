//! Writing the packet zip so that it either appears whole or not at all.
//!
//! The zip is written into an anonymous file in the target directory (`O_TMPFILE`): it has no
//! name until it is complete and synced, and is then linked under its final name. An error, a
//! cancel, a full disk or even `kill -9` leaves nothing behind. Where the filesystem has no
//! `O_TMPFILE`, a hidden temporary file (mode 0600) is used and removed on any failure.
//!
//! Logs stream through: a reader thread reads and cleans the file in 1 MiB pieces while this
//! thread compresses, with at most a few pieces in flight, so memory stays flat whatever the
//! log size.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::scrub::Scrubber;
use crate::logs::store::MAX_LINE;

/// Bytes read from a log per piece.
const PIECE: usize = 1 << 20;
/// Pieces queued between the reader and the compressor.
const PIECES_IN_FLIGHT: usize = 4;
/// Entries at least this large are written with zip64 headers.
const ZIP64_FROM: u64 = 3 << 30;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// The cause is the error's source: error chains show it once.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

impl ArchiveError {
    fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> ArchiveError {
        let context = context.into();
        move |source| ArchiveError::Io { context, source }
    }
}

fn zip_error(context: &str) -> impl FnOnce(zip::result::ZipError) -> ArchiveError + '_ {
    move |err| match err {
        zip::result::ZipError::Io(source) => ArchiveError::Io {
            context: context.to_string(),
            source,
        },
        other => ArchiveError::Io {
            context: context.to_string(),
            source: io::Error::other(other.to_string()),
        },
    }
}

/// Cancelling and progress, shared with whoever shows the work.
#[derive(Clone)]
pub struct Control {
    pub cancel: Arc<AtomicBool>,
    /// Called with the number of input bytes just processed.
    pub progress: Arc<dyn Fn(u64) + Send + Sync>,
}

impl Default for Control {
    fn default() -> Self {
        Self {
            cancel: Arc::default(),
            progress: Arc::new(|_| {}),
        }
    }
}

impl Control {
    fn check(&self) -> Result<(), ArchiveError> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(ArchiveError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Where the zip is being written before it gets its name.
pub enum Pending {
    /// An `O_TMPFILE` file: linked at the end.
    Anonymous(File),
    /// A named temporary file: renamed at the end, deleted when dropped.
    Named(tempfile::NamedTempFile),
}

impl Pending {
    fn create(dir: &Path) -> io::Result<Self> {
        let anonymous = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .mode(0o600)
            .custom_flags(nix::libc::O_TMPFILE)
            .open(dir);
        match anonymous {
            Ok(file) => Ok(Pending::Anonymous(file)),
            Err(_) => tempfile::Builder::new()
                .prefix(".mmops-packet-")
                .suffix(".partial")
                .tempfile_in(dir)
                .map(Pending::Named),
        }
    }

    fn file(&self) -> &File {
        match self {
            Pending::Anonymous(file) => file,
            Pending::Named(temp) => temp.as_file(),
        }
    }

    /// Gives the finished file its name; never replaces an existing file.
    fn publish(self, target: &Path) -> io::Result<()> {
        match self {
            Pending::Anonymous(file) => {
                use std::os::fd::AsRawFd;
                let fd_path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
                nix::unistd::linkat(
                    None,
                    fd_path.as_path(),
                    None,
                    target,
                    nix::fcntl::AtFlags::AT_SYMLINK_FOLLOW,
                )
                .map_err(io::Error::from)
            }
            Pending::Named(temp) => temp
                .persist_noclobber(target)
                .map(drop)
                .map_err(|e| e.error),
        }
    }
}

impl Write for &Pending {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl Seek for &Pending {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.file().seek(pos)
    }
}

/// What went into the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub size: u64,
    /// Each entry's name and uncompressed size.
    pub entries: Vec<(String, u64)>,
}

/// A zip being written to `W`: the packet's file, or in tests any writer.
pub struct Archive<W: Write + Seek> {
    /// `None` once finished.
    zip: Option<ZipWriter<BufWriter<Discardable<W>>>>,
    discard: Arc<AtomicBool>,
    entries: Vec<(String, u64)>,
    control: Control,
}

/// A writer that can be told to swallow everything. An unfinished zip writer finalizes itself
/// when dropped and prints to stderr if that fails, which would scribble over the console;
/// an abandoned archive is therefore dropped into a writer that accepts and discards.
pub struct Discardable<W> {
    inner: W,
    discard: Arc<AtomicBool>,
    /// The position and length the writer has, kept so that seeking still makes sense once
    /// writes are discarded.
    pos: u64,
    len: u64,
}

impl<W: Write> Write for Discardable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = if self.discard.load(Ordering::Relaxed) {
            buf.len()
        } else {
            self.inner.write(buf)?
        };
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.discard.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.inner.flush()
    }
}

impl<W: Seek> Seek for Discardable<W> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.pos = if self.discard.load(Ordering::Relaxed) {
            let target = match pos {
                io::SeekFrom::Start(at) => Some(at),
                io::SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
                io::SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            };
            target.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?
        } else {
            self.inner.seek(pos)?
        };
        self.len = self.len.max(self.pos);
        Ok(self.pos)
    }
}

impl<W: Write + Seek> Drop for Archive<W> {
    fn drop(&mut self) {
        // Not finished: an error or a cancel. Nothing of it is kept.
        self.discard.store(true, Ordering::Relaxed);
    }
}

/// A zip being built in `dir`; see [`Archive::finish`].
pub struct ArchiveFile {
    pending: Pending,
    dir: PathBuf,
}

impl ArchiveFile {
    pub fn create(dir: &Path) -> Result<Self, ArchiveError> {
        let pending = Pending::create(dir).map_err(ArchiveError::io(format!(
            "cannot write in {}",
            dir.display()
        )))?;
        Ok(Self {
            pending,
            dir: dir.to_path_buf(),
        })
    }

    pub fn archive(&self, control: Control) -> Archive<&Pending> {
        Archive::new(&self.pending, control)
    }

    /// The unnamed file itself, for bytes that are already a zip (a download).
    pub fn file(&self) -> &File {
        self.pending.file()
    }

    /// Syncs the finished zip and links it as `file_name` in the directory (with `-2`, `-3`…
    /// before `.zip` when that name is taken). Never replaces a file.
    pub fn publish(
        self,
        file_name: &str,
        entries: Vec<(String, u64)>,
    ) -> Result<Written, ArchiveError> {
        let file = self.pending.file();
        file.sync_all()
            .map_err(ArchiveError::io("cannot flush the packet to disk"))?;
        let size = file
            .metadata()
            .map(|m| m.len())
            .map_err(ArchiveError::io("cannot read the packet's size"))?;
        let stem = file_name.strip_suffix(".zip").unwrap_or(file_name);
        let target = (1..1000)
            .map(|n| match n {
                1 => self.dir.join(format!("{stem}.zip")),
                n => self.dir.join(format!("{stem}-{n}.zip")),
            })
            .find(|path| !path.exists())
            .ok_or_else(|| ArchiveError::Io {
                context: format!(
                    "too many packets named {stem}*.zip in {}",
                    self.dir.display()
                ),
                source: io::Error::from(io::ErrorKind::AlreadyExists),
            })?;
        self.pending
            .publish(&target)
            .map_err(ArchiveError::io(format!(
                "cannot create {}",
                target.display()
            )))?;
        sync_dir(&self.dir);
        Ok(Written {
            path: target,
            size,
            entries,
        })
    }
}

/// Makes the new name durable (best effort: some filesystems refuse fsync on directories).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

impl<W: Write + Seek> Archive<W> {
    pub fn new(writer: W, control: Control) -> Self {
        let discard = Arc::new(AtomicBool::new(false));
        let sink = Discardable {
            inner: writer,
            discard: Arc::clone(&discard),
            pos: 0,
            len: 0,
        };
        Self {
            zip: Some(ZipWriter::new(BufWriter::with_capacity(1 << 20, sink))),
            discard,
            entries: Vec::new(),
            control,
        }
    }

    fn zip(&mut self) -> Result<&mut ZipWriter<BufWriter<Discardable<W>>>, ArchiveError> {
        self.zip.as_mut().ok_or_else(|| ArchiveError::Io {
            context: "the packet is already finished".into(),
            source: io::Error::other("finished"),
        })
    }

    fn options(size: u64) -> SimpleFileOptions {
        let now = chrono::Utc::now().naive_utc();
        use chrono::{Datelike, Timelike};
        let time = zip::DateTime::from_date_and_time(
            u16::try_from(now.year()).unwrap_or(1980),
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        )
        .unwrap_or_default();
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(time)
            .unix_permissions(0o600)
            .large_file(size >= ZIP64_FROM)
    }

    /// Adds a small file held in memory.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ArchiveError> {
        self.control.check()?;
        let context = format!("cannot write {name} into the packet");
        let zip = self.zip()?;
        zip.start_file(name, Self::options(bytes.len() as u64))
            .map_err(zip_error(&context))?;
        zip.write_all(bytes).map_err(ArchiveError::io(&context))?;
        (self.control.progress)(bytes.len() as u64);
        self.entries.push((name.to_string(), bytes.len() as u64));
        Ok(())
    }

    /// Adds a log read from `source` (`size` bytes expected), each line cleaned by `scrubber`.
    /// The reading and cleaning run on another thread, the compressing on this one.
    pub fn add_log(
        &mut self,
        name: &str,
        source: impl Read + Send,
        size: u64,
        scrubber: &mut Scrubber,
    ) -> Result<(), ArchiveError> {
        self.control.check()?;
        let context = format!("cannot write {name} into the packet");
        self.zip()?
            .start_file(name, Self::options(size))
            .map_err(zip_error(&context))?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, u64)>(PIECES_IN_FLIGHT);
        let cancel = Arc::clone(&self.control.cancel);
        let control = self.control.clone();
        let zip = self.zip()?;
        let mut written = 0u64;
        let read_result = std::thread::scope(|scope| {
            let reader = scope.spawn(move || read_clean(source, scrubber, &tx, &cancel));
            let mut write_result = Ok(());
            for (piece, consumed) in rx {
                if write_result.is_ok() {
                    write_result = zip
                        .write_all(&piece)
                        .map_err(ArchiveError::io(&context))
                        .and_then(|()| control.check());
                    written += piece.len() as u64;
                    (control.progress)(consumed);
                }
                if write_result.is_err() {
                    // Stop the reader; the rest of the queue is dropped.
                    control.cancel.store(true, Ordering::Relaxed);
                }
            }
            let read = reader
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the log reader stopped unexpectedly")));
            write_result
                .and(read.map_err(ArchiveError::io(format!("cannot read the log for {name}"))))
        });
        read_result?;
        self.control.check()?;
        self.entries.push((name.to_string(), written));
        Ok(())
    }

    /// Writes the zip's central directory and flushes. The zip still has no name.
    pub fn finish(mut self) -> Result<Vec<(String, u64)>, ArchiveError> {
        self.control.check()?;
        let zip = self.zip.take().ok_or_else(|| ArchiveError::Io {
            context: "the packet is already finished".into(),
            source: io::Error::other("finished"),
        })?;
        let writer = zip
            .finish()
            .map_err(zip_error("cannot finish the packet"))?;
        writer.into_inner().map_err(|e| ArchiveError::Io {
            context: "cannot finish the packet".into(),
            source: e.into_error(),
        })?;
        Ok(std::mem::take(&mut self.entries))
    }
}

/// Reads `source` in pieces of whole lines, cleans each line, and sends the cleaned pieces with
/// the number of input bytes they stand for. Stops early when `cancel` is set.
fn read_clean(
    mut source: impl Read,
    scrubber: &mut Scrubber,
    tx: &std::sync::mpsc::SyncSender<(Vec<u8>, u64)>,
    cancel: &AtomicBool,
) -> io::Result<()> {
    // Read straight into the buffer behind any unfinished line from the previous read.
    let mut data: Vec<u8> = Vec::with_capacity(2 * PIECE);
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        let start = data.len();
        data.resize(start + PIECE, 0);
        let n = loop {
            match source.read(&mut data[start..]) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        data.truncate(start + n);
        let cut = match memchr::memrchr(b'\n', &data) {
            Some(at) => at + 1,
            // At the end, or a line longer than any real one: take it as it is.
            None if n == 0 || data.len() >= MAX_LINE => data.len(),
            None => continue,
        };
        if cut > 0 {
            let mut out = Vec::with_capacity(cut + cut / 8);
            clean_into(&data[..cut], scrubber, &mut out);
            if tx.send((out, cut as u64)).is_err() {
                return Ok(());
            }
            data.drain(..cut);
        }
        if n == 0 {
            return Ok(());
        }
    }
}

/// Cleans every line of `text` into `out`, keeping the line ends as they are.
fn clean_into(text: &[u8], scrubber: &mut Scrubber, out: &mut Vec<u8>) {
    for line in text.split_inclusive(|b| *b == b'\n') {
        let (body, end) = match line.strip_suffix(b"\n") {
            Some(body) => (body, &b"\n"[..]),
            None => (line, &b""[..]),
        };
        out.extend_from_slice(&scrubber.scrub(body));
        out.extend_from_slice(end);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn files_in(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    fn read_entry(path: &Path, name: &str) -> String {
        let mut zip = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_finished_zip_appears_whole_with_its_logs_cleaned() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let log: String = (0..50_000)
            .map(|i| format!("{{\"msg\":\"line {i}\",\"link\":\"https://x/?t=secret{i}\"}}\n"))
            .collect();
        let file = ArchiveFile::create(dir.path()).unwrap();
        let mut archive = file.archive(Control::default());
        archive.add_bytes("metadata.yaml", b"version: 1\n").unwrap();
        let mut scrubber = Scrubber::new(false);
        archive
            .add_log(
                "mattermost.log",
                Cursor::new(log.clone()),
                log.len() as u64,
                &mut scrubber,
            )
            .unwrap();
        let entries = archive.finish().unwrap();
        assert!(files_in(dir.path()).is_empty(), "no name before publishing");
        let written = file.publish("packet.zip", entries).unwrap();
        assert_eq!(files_in(dir.path()), vec!["packet.zip"]);
        let mode = std::fs::metadata(&written.path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = read_entry(&written.path, "mattermost.log");
        assert_eq!(text.lines().count(), 50_000);
        assert!(!text.contains("secret"), "tokens are cleaned");
        assert!(text.ends_with("\"link\":\"https://x/?t=****\"}\n"));
        assert_eq!(scrubber.counts().credentials, 50_000);
        assert_eq!(
            written.entries[1],
            ("mattermost.log".to_string(), text.len() as u64)
        );

        // The same name again: the first packet stays, the second gets -2.
        let again = ArchiveFile::create(dir.path()).unwrap();
        let entries = again.archive(Control::default()).finish().unwrap();
        assert_eq!(
            again.publish("packet.zip", entries).unwrap().path,
            dir.path().join("packet-2.zip")
        );
    }

    #[test]
    fn cancelling_or_failing_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let control = Control::default();
        let cancel = Arc::clone(&control.cancel);
        let file = ArchiveFile::create(dir.path()).unwrap();
        let mut archive = file.archive(Control {
            progress: Arc::new(move |_| cancel.store(true, Ordering::Relaxed)),
            ..control
        });
        let log = "x\n".repeat(3 << 20);
        let result = archive.add_log(
            "mattermost.log",
            Cursor::new(log),
            6 << 20,
            &mut Scrubber::new(false),
        );
        assert!(matches!(result, Err(ArchiveError::Cancelled)), "{result:?}");
        drop(archive);
        drop(file);
        assert!(files_in(dir.path()).is_empty());

        // A log that cannot be read to its end.
        struct Broken(usize);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk read error"));
                }
                self.0 -= 1;
                buf[..2].copy_from_slice(b"a\n");
                Ok(2)
            }
        }
        let file = ArchiveFile::create(dir.path()).unwrap();
        let mut archive = file.archive(Control::default());
        let err = archive
            .add_log("mattermost.log", Broken(3), 100, &mut Scrubber::new(false))
            .unwrap_err();
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(err.to_string(), "cannot read the log for mattermost.log");
        assert_eq!(cause.as_deref(), Some("disk read error"));
        drop(archive);
        drop(file);
        assert!(files_in(dir.path()).is_empty());
    }

    #[test]
    fn a_full_disk_is_an_error_that_says_so() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut archive = Archive::new(full, Control::default());
        let log = "line\n".repeat(1 << 20);
        let result = archive
            .add_log(
                "mattermost.log",
                Cursor::new(log),
                5 << 20,
                &mut Scrubber::new(false),
            )
            .and_then(|()| archive.finish().map(drop));
        let err = result.unwrap_err();
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert!(
            cause.is_some_and(|c| c.contains("No space left on device")),
            "{err}"
        );
    }
}
