//! Reading what log files already hold, for `mmops logs` without `--follow`: one file
//! streamed in large reads (the fast path that beats lnav and jq), or several files merged
//! into one timeline by their entries' times; optionally only the last N lines.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::follow::tail_offset;
use super::merge::interleave;
use super::parse::{Shape, parse_line};
use super::source::split_lines;

const READ_SIZE: usize = 1 << 20;

fn open_at_tail(path: &Path, last: Option<usize>) -> io::Result<File> {
    let mut file = File::open(path)?;
    if let Some(n) = last {
        let start = tail_offset(&mut file, n)?;
        file.seek(SeekFrom::Start(start))?;
    }
    Ok(file)
}

/// Calls `each` with every line of the file (or of its last `last` lines), without the line
/// end. Lines longer than [`super::store::MAX_LINE`] come in pieces.
pub fn for_each_line(
    path: &Path,
    last: Option<usize>,
    each: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    each_line_of(open_at_tail(path, last)?, each)
}

/// Every line `source` gives, in large reads, without the line end.
fn each_line_of(
    source: impl Read,
    mut each: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(READ_SIZE, source);
    let mut partial: Vec<u8> = Vec::new();
    let mut failed: Option<io::Error> = None;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        split_lines(&mut partial, buf, |line| {
            if failed.is_none()
                && let Err(err) = each(line)
            {
                failed = Some(err);
            }
        });
        if let Some(err) = failed {
            return Err(err);
        }
        reader.consume(len);
    }
    if !partial.is_empty() {
        each(&partial)?;
    }
    Ok(())
}

/// `pieces` byte ranges of the file that together cover it, each starting at the start of a
/// line (of a JSON entry when one starts within the next 1,000 lines: a stack trace is not cut
/// from its entry), for reading on several threads.
pub fn line_aligned_pieces(path: &Path, pieces: usize) -> io::Result<Vec<std::ops::Range<u64>>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut starts = vec![0u64];
    for k in 1..pieces.max(1) as u64 {
        let guess = len * k / pieces as u64;
        if guess <= *starts.last().unwrap_or(&0) {
            continue;
        }
        file.seek(SeekFrom::Start(guess))?;
        let mut reader = BufReader::with_capacity(64 * 1024, &mut file);
        let mut line = Vec::new();
        // The rest of the line the guess fell in.
        let mut start = guess + reader.read_until(b'\n', &mut line)? as u64;
        let first_line_start = start;
        let mut found = false;
        for _ in 0..1000 {
            line.clear();
            let read = reader.read_until(b'\n', &mut line)? as u64;
            if read == 0 {
                break;
            }
            if line.first() == Some(&b'{') {
                found = true;
                break;
            }
            start += read;
        }
        if !found {
            start = first_line_start;
        }
        if start < len && start > *starts.last().unwrap_or(&0) {
            starts.push(start);
        }
    }
    let mut ranges: Vec<std::ops::Range<u64>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    ranges.push(*starts.last().unwrap_or(&0)..len);
    Ok(ranges)
}

/// As [`for_each_line`], over the bytes of `range` only (which starts at a line's start).
pub fn for_each_line_in(
    path: &Path,
    range: std::ops::Range<u64>,
    each: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(range.start))?;
    each_line_of(file.take(range.end - range.start), each)
}

/// An entry: its time (or the time before it) and its lines.
struct Entry {
    ts: i64,
    lines: Vec<Vec<u8>>,
}

/// A file's entries, read one at a time.
struct Entries {
    lines: Box<dyn Iterator<Item = io::Result<Vec<u8>>>>,
    lookahead: Option<(Vec<u8>, i64)>,
    in_trace: bool,
    last_ts: i64,
}

impl Entries {
    fn open(path: &Path, last: Option<usize>) -> io::Result<Self> {
        let reader = BufReader::with_capacity(READ_SIZE, open_at_tail(path, last)?);
        let lines = reader.split(b'\n').map(|line| {
            line.map(|mut l| {
                if l.last() == Some(&b'\r') {
                    l.pop();
                }
                l.truncate(super::store::MAX_LINE);
                l
            })
        });
        Ok(Self {
            lines: Box::new(lines),
            lookahead: None,
            in_trace: false,
            last_ts: i64::MIN,
        })
    }

    /// The next line that starts an entry (or any line, at the start of the file), with the
    /// entry's time.
    fn next_start(&mut self) -> io::Result<Option<(Vec<u8>, i64)>> {
        if let Some(start) = self.lookahead.take() {
            return Ok(Some(start));
        }
        match self.lines.next().transpose()? {
            Some(line) => {
                let parsed = parse_line(&line, self.in_trace);
                self.in_trace = parsed.opens_trace;
                self.last_ts = parsed.ts_ms.unwrap_or(self.last_ts);
                Ok(Some((line, self.last_ts)))
            }
            None => Ok(None),
        }
    }

    fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        let Some((first, ts)) = self.next_start()? else {
            return Ok(None);
        };
        let mut entry = Entry {
            ts,
            lines: vec![first],
        };
        while let Some(line) = self.lines.next().transpose()? {
            let parsed = parse_line(&line, self.in_trace);
            if parsed.shape == Shape::Continuation {
                self.in_trace |= parsed.opens_trace;
                entry.lines.push(line);
                continue;
            }
            self.in_trace = parsed.opens_trace;
            self.last_ts = parsed.ts_ms.unwrap_or(self.last_ts);
            self.lookahead = Some((line, self.last_ts));
            break;
        }
        Ok(Some(entry))
    }
}

/// Calls `each` with the lines of several files as one timeline: each file's entries in their
/// own order, interleaved by time, an entry's continuation lines right after it. With `last`,
/// only the last `last` lines of that timeline (taken from the last `last` of each file).
/// `each` gets the file's index in `paths`.
pub fn for_each_merged_line(
    paths: &[&Path],
    last: Option<usize>,
    mut each: impl FnMut(usize, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut files = paths
        .iter()
        .map(|path| Entries::open(path, last))
        .collect::<io::Result<Vec<_>>>()?;
    let mut heads: Vec<Option<Entry>> = files
        .iter_mut()
        .map(Entries::next_entry)
        .collect::<io::Result<_>>()?;
    let mut tail: VecDeque<(usize, Vec<u8>)> = VecDeque::new();
    loop {
        let times: Vec<Vec<i64>> = heads
            .iter()
            .map(|h| h.as_ref().map(|e| vec![e.ts]).unwrap_or_default())
            .collect();
        let Some(&(file, _)) = interleave(&times).first() else {
            break;
        };
        let Some(entry) = heads[file].take() else {
            break;
        };
        for line in entry.lines {
            match last {
                Some(n) => {
                    tail.push_back((file, line));
                    if tail.len() > n {
                        tail.pop_front();
                    }
                }
                None => each(file, &line)?,
            }
        }
        heads[file] = files[file].next_entry()?;
    }
    for (file, line) in tail {
        each(file, &line)?;
    }
    Ok(())
}

#[cfg(test)]
mod piece_tests {
    use super::*;

    #[test]
    fn a_piece_starts_at_an_entry_not_in_its_trace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut text = String::new();
        for i in 0..400 {
            text.push_str(&format!("{{\"msg\":\"entry {i}\"}}\n"));
            for frame in 0..5 {
                text.push_str(&format!("    frame {frame} of entry {i}\n"));
            }
        }
        std::fs::write(&path, &text).unwrap();
        let pieces = line_aligned_pieces(&path, 7).unwrap();
        assert_eq!(pieces.len(), 7);
        let bytes = text.as_bytes();
        for piece in &pieces[1..] {
            assert_eq!(bytes[piece.start as usize], b'{', "{piece:?}");
        }
    }

    #[test]
    fn the_pieces_hold_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let text: String = (0..1000)
            .map(|i| format!("line {i} {}\n", "x".repeat(i % 37)))
            .collect();
        std::fs::write(&path, &text).unwrap();
        for pieces in [1, 2, 3, 7, 2000] {
            let mut lines = Vec::new();
            for range in line_aligned_pieces(&path, pieces).unwrap() {
                for_each_line_in(&path, range, |line| {
                    lines.push(String::from_utf8(line.to_vec()).unwrap());
                    Ok(())
                })
                .unwrap();
            }
            assert_eq!(lines.len(), 1000, "{pieces} pieces");
            assert_eq!(lines.join("\n") + "\n", text);
        }
        std::fs::write(&path, "").unwrap();
        let pieces = line_aligned_pieces(&path, 4).unwrap();
        assert_eq!(pieces.len(), 1);
        assert!(pieces[0].is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time: &str, msg: &str) -> String {
        format!(r#"{{"timestamp":"2026-11-22 {time}.000 Z","level":"info","msg":"{msg}"}}"#)
    }

    fn collect(paths: &[&Path], last: Option<usize>) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for_each_merged_line(paths, last, |file, line| {
            out.push((file, String::from_utf8_lossy(line).into_owned()));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn files_merge_by_time_and_traces_stay_with_their_entry() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
        std::fs::write(
            &a,
            format!(
                "{}\npanic: boom\ngoroutine 1 [running]:\n{}\n",
                line("09:00:00", "a1"),
                line("09:03:00", "a2")
            ),
        )
        .unwrap();
        std::fs::write(
            &b,
            format!("{}\n{}\n", line("09:01:00", "b1"), line("09:04:00", "b2")),
        )
        .unwrap();
        let got = collect(&[&a, &b], None);
        let order: Vec<(usize, &str)> = got
            .iter()
            .map(|(f, l)| {
                (
                    *f,
                    l.split("\"msg\":\"")
                        .nth(1)
                        .map(|m| &m[..2])
                        .unwrap_or(l.as_str()),
                )
            })
            .collect();
        assert_eq!(
            order,
            vec![
                (0, "a1"),
                (0, "panic: boom"),
                (0, "goroutine 1 [running]:"),
                (1, "b1"),
                (0, "a2"),
                (1, "b2")
            ]
        );
        let last = collect(&[&a, &b], Some(2));
        assert_eq!(last.len(), 2);
        assert!(last[0].1.contains("a2") && last[1].1.contains("b2"));
    }

    #[test]
    fn one_file_streams_every_line_and_long_ones_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let long = "x".repeat(super::super::store::MAX_LINE + 10);
        std::fs::write(&path, format!("one\r\n{long}\nthree")).unwrap();
        let mut sizes = Vec::new();
        for_each_line(&path, None, |l| {
            sizes.push(l.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, vec![4, super::super::store::MAX_LINE, 10, 5]);
    }
}
