//! The bounded log buffer: every entry's raw bytes in a chunked arena and a small fixed record
//! (time, level, offsets of message and caller) per entry. The oldest entries are evicted when
//! the buffer is full, and every eviction is counted, so the dropped count is exact.
//!
//! Entries are numbered by a sequence number that never repeats; filters and the view refer to
//! entries by it.

use std::collections::VecDeque;

use super::parse::{Level, Parsed, Shape, parse_line};

/// Size of one arena block. An entry never straddles blocks.
const BLOCK_SIZE: usize = 4 << 20;
/// Longest line kept whole; longer ones are cut and flagged.
pub const MAX_LINE: usize = 16 << 20;

const FLAG_MSG_ESCAPED: u8 = 1;
const FLAG_JSON: u8 = 2;
const FLAG_TS_INFERRED: u8 = 4;
const FLAG_TRUNCATED: u8 = 8;
const FLAG_CONTINUED: u8 = 16;

/// One entry's record. The raw bytes live in the arena.
#[derive(Debug, Clone, Copy)]
struct Record {
    ts_ms: i64,
    raw_at: u64,
    raw_len: u32,
    msg_at: u32,
    msg_len: u32,
    caller_at: u32,
    caller_len: u16,
    level: Level,
    source: u8,
    flags: u8,
}

struct Block {
    /// Global offset of the block's first byte.
    base: u64,
    bytes: Vec<u8>,
}

/// A read-only view of one entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub seq: u64,
    pub ts_ms: Option<i64>,
    /// Time taken from the entry before, for lines that carry none.
    pub ts_inferred: bool,
    pub level: Level,
    pub source: u8,
    pub raw: &'a [u8],
    msg: &'a [u8],
    msg_escaped: bool,
    pub caller: &'a [u8],
    pub is_json: bool,
    pub truncated: bool,
    /// The entry has continuation lines (a stack trace, an error detail).
    pub continued: bool,
    json_at: usize,
}

impl<'a> Entry<'a> {
    /// The message as text (escapes decoded). Not yet made inert.
    pub fn message(&self) -> std::borrow::Cow<'a, str> {
        if self.msg.is_empty() && !self.is_json {
            return String::from_utf8_lossy(self.first_line());
        }
        super::scan::text(self.msg, self.msg_escaped)
    }

    /// The message as it is in the line (escapes undecoded), and whether it has escapes.
    pub fn message_raw(&self) -> (&'a [u8], bool) {
        (self.msg, self.msg_escaped)
    }

    /// The first line of the raw text (the entry itself without continuation lines).
    pub fn first_line(&self) -> &'a [u8] {
        if !self.continued {
            return self.raw;
        }
        let end = memchr::memchr(b'\n', self.raw).unwrap_or(self.raw.len());
        &self.raw[..end]
    }

    /// The continuation lines (stack trace and the like), if any.
    pub fn continuation(&self) -> &'a [u8] {
        match memchr::memchr(b'\n', self.raw) {
            Some(at) => &self.raw[at + 1..],
            None => &[],
        }
    }

    /// The JSON object of a JSON entry (after any journald or docker prefix).
    pub fn json(&self) -> Option<&'a [u8]> {
        // `get`: an offset past the first line would be a parser bug, not a reason to panic.
        self.is_json
            .then(|| self.first_line().get(self.json_at..))
            .flatten()
    }
}

pub struct LogStore {
    capacity: usize,
    records: VecDeque<Record>,
    json_at: VecDeque<u16>,
    blocks: VecDeque<Block>,
    first_seq: u64,
    dropped: u64,
    in_trace: bool,
    last_ts: Option<i64>,
    sources: Vec<String>,
}

/// What appending a line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// A new entry with this sequence number.
    New(u64),
    /// The line was added to this existing entry.
    Continued(u64),
}

impl LogStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            records: VecDeque::new(),
            json_at: VecDeque::new(),
            blocks: VecDeque::new(),
            first_seq: 0,
            dropped: 0,
            in_trace: false,
            last_ts: None,
            sources: Vec::new(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Entries evicted because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Sequence number of the oldest entry held.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// One past the newest entry's sequence number.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.records.len() as u64
    }

    /// The index of a source name (a file, a node), registering it on first use.
    pub fn source_id(&mut self, name: &str) -> u8 {
        if let Some(i) = self.sources.iter().position(|s| s == name) {
            return i as u8;
        }
        if self.sources.len() < 255 {
            self.sources.push(name.to_string());
        }
        (self.sources.len() - 1) as u8
    }

    /// The time of the newest line that had one.
    pub fn latest_ts(&self) -> Option<i64> {
        self.last_ts
    }

    pub fn source_name(&self, id: u8) -> &str {
        self.sources
            .get(usize::from(id))
            .map(String::as_str)
            .unwrap_or("?")
    }

    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Bytes held: arena blocks and records (for the memory target).
    pub fn memory_bytes(&self) -> usize {
        self.blocks
            .iter()
            .map(|b| b.bytes.capacity())
            .sum::<usize>()
            + self.records.capacity() * std::mem::size_of::<Record>()
            + self.json_at.capacity() * 2
    }

    /// Parses and appends one line (without its newline).
    ///
    /// A line that holds newlines (a string of the REST log API can) is one entry: its first
    /// line parsed, the others kept as its continuation lines.
    pub fn push_line(&mut self, line: &[u8], source: u8) -> Appended {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let (first, more) = match memchr::memchr(b'\n', line) {
            Some(at) => (&line[..at], Some(&line[at + 1..])),
            None => (line, None),
        };
        let parsed = parse_line(first, self.in_trace);
        let appended = self.push_parsed(first, &parsed, source);
        for part in more
            .into_iter()
            .flat_map(|more| more.split(|b| *b == b'\n'))
        {
            self.extend_last(part.strip_suffix(b"\r").unwrap_or(part));
        }
        appended
    }

    /// Appends a line already parsed (parsing can run on another thread).
    pub fn push_parsed(&mut self, line: &[u8], parsed: &Parsed, source: u8) -> Appended {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if parsed.shape == Shape::Continuation
            && let Some(last) = self.records.back().copied()
            && last.source == source
        {
            self.in_trace |= parsed.opens_trace;
            self.extend_last(line);
            return Appended::Continued(self.end_seq() - 1);
        }
        self.in_trace = parsed.opens_trace;
        let (kept, truncated) = if line.len() > MAX_LINE {
            (&line[..MAX_LINE], true)
        } else {
            (line, false)
        };
        let raw_at = self.write(kept, 0);
        let (ts_ms, inferred) = match parsed.ts_ms {
            Some(ts) => (ts, false),
            None => (self.last_ts.unwrap_or(i64::MIN), true),
        };
        if parsed.ts_ms.is_some() {
            self.last_ts = parsed.ts_ms;
        }
        let clamp = |v: u32| v.min(kept.len() as u32);
        let msg_at = clamp(parsed.msg.0);
        let caller_at = clamp(parsed.caller.0);
        let mut flags = 0;
        if parsed.msg_escaped {
            flags |= FLAG_MSG_ESCAPED;
        }
        if parsed.shape == Shape::Json {
            flags |= FLAG_JSON;
        }
        if inferred {
            flags |= FLAG_TS_INFERRED;
        }
        if truncated {
            flags |= FLAG_TRUNCATED;
        }
        self.records.push_back(Record {
            ts_ms,
            raw_at,
            raw_len: kept.len() as u32,
            msg_at,
            msg_len: clamp(parsed.msg.1).saturating_sub(msg_at),
            caller_at,
            caller_len: clamp(parsed.caller.1)
                .saturating_sub(caller_at)
                .min(u32::from(u16::MAX)) as u16,
            level: parsed.level,
            source,
            flags,
        });
        self.json_at
            .push_back(parsed.json_at.min(u32::from(u16::MAX)) as u16);
        self.evict();
        Appended::New(self.end_seq() - 1)
    }

    /// Copies `bytes` into the arena, `reserve` more bytes of room after them in the same
    /// block, and returns the global offset.
    fn write(&mut self, bytes: &[u8], reserve: usize) -> u64 {
        let needed = bytes.len() + reserve;
        if let Some(block) = self.blocks.back_mut()
            && block.bytes.capacity() - block.bytes.len() >= needed
        {
            let at = block.base + block.bytes.len() as u64;
            block.bytes.extend_from_slice(bytes);
            return at;
        }
        let base = self
            .blocks
            .back()
            .map(|b| b.base + b.bytes.len() as u64)
            .unwrap_or(0);
        let mut block = Vec::with_capacity(needed.max(BLOCK_SIZE));
        block.extend_from_slice(bytes);
        self.blocks.push_back(Block { base, bytes: block });
        base
    }

    /// Adds a continuation line to the newest entry, keeping its bytes contiguous.
    fn extend_last(&mut self, line: &[u8]) {
        let Some(last) = self.records.back().copied() else {
            return;
        };
        let room = MAX_LINE.saturating_sub(last.raw_len as usize);
        if room == 0 {
            if let Some(r) = self.records.back_mut() {
                r.flags |= FLAG_TRUNCATED;
            }
            return;
        }
        let line = &line[..line.len().min(room - 1)];
        let end = last.raw_at + u64::from(last.raw_len);
        let block_end = self.blocks.back().map(|b| b.base + b.bytes.len() as u64);
        let in_place = block_end == Some(end)
            && self
                .blocks
                .back()
                .is_some_and(|b| b.bytes.capacity() - b.bytes.len() > line.len());
        let raw_at = if in_place {
            last.raw_at
        } else {
            // Move the entry into a fresh block with room for the new line and as much again
            // as the entry holds, so that a long trace is copied a few times, not once a line.
            let old = self.raw_bytes(last.raw_at, last.raw_len).to_vec();
            self.write(&old, (line.len() + 1).max(old.len()))
        };
        let Some(block) = self.blocks.back_mut() else {
            return;
        };
        block.bytes.push(b'\n');
        block.bytes.extend_from_slice(line);
        if let Some(r) = self.records.back_mut() {
            r.raw_at = raw_at;
            r.raw_len += line.len() as u32 + 1;
            r.flags |= FLAG_CONTINUED;
        }
    }

    fn evict(&mut self) {
        while self.records.len() > self.capacity {
            self.records.pop_front();
            self.json_at.pop_front();
            self.first_seq += 1;
            self.dropped += 1;
        }
        let Some(oldest) = self.records.front().map(|r| r.raw_at) else {
            return;
        };
        while self.blocks.len() > 1
            && self
                .blocks
                .front()
                .is_some_and(|b| b.base + b.bytes.len() as u64 <= oldest)
        {
            self.blocks.pop_front();
        }
    }

    fn raw_bytes(&self, at: u64, len: u32) -> &[u8] {
        // The newest entries, read the most (the live patterns count each one as it comes),
        // are in the last block.
        let mut block = self.blocks.len().saturating_sub(1);
        self.raw_bytes_from(&mut block, at, len)
    }

    /// [`raw_bytes`](Self::raw_bytes) starting the search at `*block` (the block of an
    /// earlier entry, or anything out of range), left at the block found: entries in order
    /// are in the same block or a later one, so a walk finds each in a step or two.
    fn raw_bytes_from(&self, block: &mut usize, at: u64, len: u32) -> &[u8] {
        let ends_before = |b: &Block| b.base + b.bytes.len() as u64 <= at;
        if self.blocks.get(*block).is_none_or(|b| b.base > at) {
            *block = self.blocks.partition_point(ends_before);
        }
        while self.blocks.get(*block).is_some_and(ends_before) {
            *block += 1;
        }
        match self.blocks.get(*block) {
            Some(block) => {
                let start = (at - block.base) as usize;
                let end = (start + len as usize).min(block.bytes.len());
                &block.bytes[start.min(end)..end]
            }
            None => &[],
        }
    }

    /// The entry with this sequence number, if it is still held.
    pub fn get(&self, seq: u64) -> Option<Entry<'_>> {
        if seq.checked_add(1) == Some(self.end_seq()) {
            return self.newest();
        }
        let index = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        let record = self.records.get(index)?;
        let raw = self.raw_bytes(record.raw_at, record.raw_len);
        let json_at = self.json_at.get(index).copied().unwrap_or(0);
        Some(Self::entry(seq, record, raw, json_at))
    }

    /// The entry appended last, read from the ends of the store without finding it (the live
    /// patterns count each entry as it is appended; [`get`](Self::get) reads it so).
    pub fn newest(&self) -> Option<Entry<'_>> {
        let record = self.records.back()?;
        let block = self.blocks.back()?;
        let start = usize::try_from(record.raw_at.checked_sub(block.base)?).ok()?;
        let raw = block.bytes.get(start..start + record.raw_len as usize)?;
        let json_at = self.json_at.back().copied().unwrap_or(0);
        Some(Self::entry(self.end_seq() - 1, record, raw, json_at))
    }

    /// The held entries with sequence numbers in `from..to`, in order: what [`get`](Self::get)
    /// gives for each, without searching each one's block from the start.
    pub fn range(&self, from: u64, to: u64) -> impl Iterator<Item = Entry<'_>> {
        let start = from.clamp(self.first_seq, self.end_seq());
        let end = to.clamp(start, self.end_seq());
        let (i, j) = (
            (start - self.first_seq) as usize,
            (end - self.first_seq) as usize,
        );
        let mut block = usize::MAX;
        self.records
            .range(i..j)
            .zip(self.json_at.range(i..j))
            .zip(start..)
            .map(move |((record, json_at), seq)| {
                let raw = self.raw_bytes_from(&mut block, record.raw_at, record.raw_len);
                Self::entry(seq, record, raw, *json_at)
            })
    }

    fn entry<'a>(seq: u64, record: &Record, raw: &'a [u8], json_at: u16) -> Entry<'a> {
        let slice = |at: u32, len: u32| {
            let start = (at as usize).min(raw.len());
            let end = (start + len as usize).min(raw.len());
            &raw[start..end]
        };
        Entry {
            seq,
            ts_ms: (record.ts_ms != i64::MIN).then_some(record.ts_ms),
            ts_inferred: record.flags & FLAG_TS_INFERRED != 0,
            level: record.level,
            source: record.source,
            raw,
            msg: slice(record.msg_at, record.msg_len),
            msg_escaped: record.flags & FLAG_MSG_ESCAPED != 0,
            caller: slice(record.caller_at, u32::from(record.caller_len)),
            is_json: record.flags & FLAG_JSON != 0,
            truncated: record.flags & FLAG_TRUNCATED != 0,
            continued: record.flags & FLAG_CONTINUED != 0,
            json_at: usize::from(json_at),
        }
    }

    /// The level and time of an entry without building the whole view (for filters).
    pub fn level_of(&self, seq: u64) -> Option<Level> {
        let index = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.records.get(index).map(|r| r.level)
    }

    /// The first held entry at or after `ts_ms` (entries without a time use the one before).
    pub fn seq_at_time(&self, ts_ms: i64) -> Option<u64> {
        let index = self.records.partition_point(|r| r.ts_ms < ts_ms);
        (index < self.records.len()).then(|| self.first_seq + index as u64)
    }

    /// Forgets every entry (the dropped count stays; sources stay registered).
    pub fn clear(&mut self) {
        self.first_seq = self.end_seq();
        self.records.clear();
        self.json_at.clear();
        self.blocks.clear();
        self.in_trace = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"timestamp":"2025-03-14 09:27:10.027 Z","level":"info","msg":"hello \"there\"","caller":"app/x.go:1","user_id":"u1"}"#;

    #[test]
    fn stores_and_reads_back() {
        let mut store = LogStore::new(10);
        let src = store.source_id("mattermost.log");
        assert_eq!(store.push_line(LINE.as_bytes(), src), Appended::New(0));
        let e = store.get(0).unwrap();
        assert_eq!(e.raw, LINE.as_bytes());
        assert_eq!(e.message(), "hello \"there\"");
        assert_eq!(e.caller, b"app/x.go:1");
        assert_eq!(e.level, Level::Info);
        assert_eq!(e.ts_ms, Some(1_741_944_430_027));
        assert!(e.is_json && !e.continued && !e.ts_inferred);
        assert_eq!(store.source_name(e.source), "mattermost.log");
    }

    #[test]
    fn the_newest_entry_is_what_get_reads_of_it() {
        let mut store = LogStore::new(4);
        assert!(store.newest().is_none());
        let long = "x".repeat(3 << 20);
        let lines = [
            LINE.to_string(),
            "2025-03-14 09:27:11 plain text without a level".to_string(),
            // Bigger than the room left in the first block: the next block.
            format!("{{\"level\":\"error\",\"msg\":\"{long}\"}}"),
            "goroutine 7 [running]:\n\tmain.go:12".to_string(),
            LINE.to_string(),
            "no time at all".to_string(),
        ];
        for line in &lines {
            store.push_line(line.as_bytes(), 0);
            let (newest, got) = (
                store.newest().unwrap(),
                store.get(store.end_seq() - 1).unwrap(),
            );
            assert_eq!(newest.seq, got.seq);
            assert_eq!(
                (
                    newest.raw,
                    newest.message_raw(),
                    newest.json(),
                    newest.ts_ms,
                    newest.level
                ),
                (got.raw, got.message_raw(), got.json(), got.ts_ms, got.level)
            );
            assert_eq!(
                (newest.ts_inferred, newest.continued),
                (got.ts_inferred, got.continued)
            );
        }
    }

    #[test]
    fn eviction_is_counted_exactly() {
        let mut store = LogStore::new(3);
        for i in 0..10 {
            store.push_line(format!("raw line {i}").as_bytes(), 0);
        }
        assert_eq!(store.len(), 3);
        assert_eq!(store.dropped(), 7);
        assert_eq!(store.first_seq(), 7);
        assert!(store.get(6).is_none());
        assert_eq!(store.get(9).unwrap().raw, b"raw line 9");
    }

    #[test]
    fn continuation_lines_join_their_entry() {
        let mut store = LogStore::new(10);
        store.push_line(b"[2017/09/20 17:11:37 EDT] [EROR] Failed to ping DB", 0);
        assert_eq!(
            store.push_line(b"err-Error 1044: Access denied", 0),
            Appended::Continued(0)
        );
        store.push_line(b"panic: boom", 0);
        store.push_line(b"goroutine 1 [running]:", 0);
        store.push_line(b"main.main()", 0);
        store.push_line(b"\t/src/main.go:9 +0x1d", 0);
        assert_eq!(store.len(), 2);
        let first = store.get(0).unwrap();
        assert_eq!(first.continuation(), b"err-Error 1044: Access denied");
        assert_eq!(first.message(), "Failed to ping DB");
        let panic = store.get(1).unwrap();
        assert_eq!(panic.level, Level::Fatal);
        assert!(panic.continued);
        assert_eq!(
            panic.continuation(),
            b"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:9 +0x1d"
        );
    }

    #[test]
    fn a_line_holding_newlines_is_one_entry_with_continuation_lines() {
        // Found by the fuzzer: a REST string with JSON after a newline made `json()` slice
        // the first line at the JSON's offset in the whole string, and panic.
        let mut store = LogStore::new(10);
        assert_eq!(store.push_line(b"x\n{\"msg\":\"m\"}", 0), Appended::New(0));
        let e = store.get(0).unwrap();
        assert_eq!(e.first_line(), b"x");
        assert_eq!(e.continuation(), br#"{"msg":"m"}"#);
        assert!(!e.is_json && e.json().is_none() && e.continued);

        let text = format!("{LINE}\r\n  at main.go:1\r\n");
        assert_eq!(store.push_line(text.as_bytes(), 0), Appended::New(1));
        let e = store.get(1).unwrap();
        assert_eq!(e.json(), Some(LINE.as_bytes()));
        assert_eq!(e.message(), "hello \"there\"");
        assert_eq!(e.continuation(), b"  at main.go:1");
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn a_trace_longer_than_a_block_is_copied_a_few_times_not_once_a_line() {
        // Found in review: past a block, every continuation line moved the entry into a block
        // of exactly its size, and the stale copies stayed: one 4 MiB string took gigabytes.
        let mut store = LogStore::new(10);
        store.push_line(b"older entry", 0);
        let line = [b'x'; 200];
        let mut text = b"panic: boom".to_vec();
        for _ in 0..(6 << 20) / 201 {
            text.push(b'\n');
            text.extend_from_slice(&line);
        }
        store.push_line(&text, 0);
        let entry = store.get(1).unwrap();
        assert_eq!(entry.raw.len(), text.len());
        assert!(
            store.memory_bytes() < 4 * text.len() + BLOCK_SIZE,
            "{} bytes held for a {}-byte entry",
            store.memory_bytes(),
            text.len()
        );
    }

    #[test]
    fn lines_without_time_take_the_previous_one() {
        let mut store = LogStore::new(10);
        store.push_line(LINE.as_bytes(), 0);
        store.push_line(b"Oct 18 16:47:08 mm1 systemd[1]: Started Mattermost.", 0);
        let e = store.get(1).unwrap();
        assert!(e.ts_inferred);
        assert_eq!(e.ts_ms, Some(1_741_944_430_027));
        assert_eq!(e.level, Level::None);
        assert_eq!(
            e.message(),
            "Oct 18 16:47:08 mm1 systemd[1]: Started Mattermost."
        );
    }

    #[test]
    fn blocks_are_freed_and_entries_stay_contiguous() {
        let mut store = LogStore::new(1000);
        let big = vec![b'x'; 300_000];
        for _ in 0..50 {
            store.push_line(&big, 0);
            store.push_line(b"  continued", 0);
        }
        assert_eq!(store.len(), 50);
        let e = store.get(49).unwrap();
        assert_eq!(e.raw.len(), 300_000 + 12);
        assert!(e.raw.ends_with(b"\n  continued"));
        let mut small = LogStore::new(5);
        for _ in 0..200 {
            small.push_line(&big, 0);
        }
        assert!(
            small.memory_bytes() < 6 * BLOCK_SIZE,
            "old blocks are released"
        );
    }

    #[test]
    fn a_range_gives_what_get_gives() {
        let mut store = LogStore::new(3000);
        let big = vec![b'x'; 30_000];
        for i in 0..5000 {
            store.push_line(format!("line {i}").as_bytes(), 0);
            if i % 7 == 0 {
                store.push_line(&big, 1);
                store.push_line(b"  continued", 1);
            }
        }
        assert!(store.blocks.len() > 2 && store.first_seq() > 0);
        let (first, end) = (store.first_seq(), store.end_seq());
        for (from, to) in [
            (0, end + 5),
            (first + 100, first + 2000),
            (end, end),
            (end - 1, 0),
        ] {
            let walked: Vec<(u64, &[u8], &[u8])> = store
                .range(from, to)
                .map(|e| (e.seq, e.raw, e.message_raw().0))
                .collect();
            let got: Vec<(u64, &[u8], &[u8])> = (from..to)
                .filter_map(|seq| store.get(seq))
                .map(|e| (e.seq, e.raw, e.message_raw().0))
                .collect();
            assert_eq!(walked, got);
        }
        assert_eq!(store.range(0, end).count(), store.len());
    }

    #[test]
    fn huge_lines_are_cut_and_flagged() {
        let mut store = LogStore::new(2);
        let huge = vec![b'y'; MAX_LINE + 10];
        store.push_line(&huge, 0);
        let e = store.get(0).unwrap();
        assert!(e.truncated);
        assert_eq!(e.raw.len(), MAX_LINE);
    }

    #[test]
    fn goto_time() {
        let mut store = LogStore::new(10);
        for minute in [1, 2, 5, 9] {
            let line = format!(
                r#"{{"timestamp":"2025-01-01 14:0{minute}:00.000 Z","level":"info","msg":"m"}}"#
            );
            store.push_line(line.as_bytes(), 0);
        }
        let at = super::super::parse::parse_timestamp(b"2025-01-01T14:04:00Z").unwrap();
        assert_eq!(store.seq_at_time(at), Some(2));
        assert_eq!(store.seq_at_time(at + 3_600_000), None);
    }
}
