//! Reading a log file incrementally: from a saved position (file identity and offset) to the
//! last complete line, starting over when the file was rotated or truncated.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Where reading stopped: the file's identity and the byte offset after the last whole line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub dev: u64,
    pub ino: u64,
    pub offset: u64,
}

impl Position {
    pub fn encode(&self) -> String {
        format!("{}:{}:{}", self.dev, self.ino, self.offset)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split(':').map(|p| p.parse::<u64>().ok());
        Some(Self {
            dev: parts.next()??,
            ino: parts.next()??,
            offset: parts.next()??,
        })
    }
}

/// Reads the complete lines written since `from` (the whole file when it is a new file, after
/// a rotation, or when it shrank) through `parse`. Returns what it gave and where to start
/// next time; a line still being written is left for next time.
pub fn read_since<T>(
    path: &Path,
    from: Option<Position>,
    mut parse: impl FnMut(&str) -> Option<Vec<T>>,
) -> std::io::Result<(Vec<T>, Position, u64)> {
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let start = match from {
        Some(p) if p.dev == meta.dev() && p.ino == meta.ino() && p.offset <= meta.len() => p.offset,
        // Another file (rotated) or a shorter one (truncated): read it all.
        _ => 0,
    };
    file.seek(SeekFrom::Start(start))?;
    let mut reader = BufReader::new(file);
    let mut offset = start;
    let mut calls = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            // End, or a line still being written: it is read next time.
            break;
        }
        offset += n as u64;
        if let Some(items) = parse(&String::from_utf8_lossy(&line)) {
            calls.extend(items);
        }
    }
    let read = offset - start;
    Ok((
        calls,
        Position {
            dev: meta.dev(),
            ino: meta.ino(),
            offset,
        },
        read,
    ))
}
