//! What the logs say, in one pass: every sign the log rules look for is searched at once
//! (Aho-Corasick over the raw bytes), and only a line that holds one is parsed, with the Logs
//! tab's own line parser, for its time and level.

use std::collections::BTreeMap;
use std::io::Read;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::logs::parse::{Level, parse_line};

/// A thing to look for in the logs: any of its needles, case as Mattermost writes it.
#[derive(Debug, Clone, Copy)]
pub struct Sign {
    pub id: &'static str,
    pub needles: &'static [&'static str],
    /// Only lines at this level or worse count (`None`: any line).
    pub at_least: Option<Level>,
}

pub const CONTEXT_DEADLINE: &str = "context-deadline";
pub const IO_TIMEOUT: &str = "io-timeout";
pub const ACCESS_TOKEN_SESSION: &str = "access-token-session";
pub const WEBSOCKET: &str = "websocket-handshake";
pub const SMTP: &str = "smtp-failure";
pub const PUSH: &str = "push-failure";
pub const OPEN_FILES: &str = "too-many-open-files";
pub const DEBUG_LINES: &str = "debug-lines";

pub const SIGNS: &[Sign] = &[
    Sign {
        id: CONTEXT_DEADLINE,
        needles: &["context deadline exceeded"],
        at_least: None,
    },
    Sign {
        id: IO_TIMEOUT,
        needles: &["i/o timeout"],
        at_least: None,
    },
    Sign {
        id: ACCESS_TOKEN_SESSION,
        needles: &["Error while creating session for user access token"],
        at_least: None,
    },
    Sign {
        id: WEBSOCKET,
        needles: &[
            "websocket: bad handshake",
            "websocket: the client is not using the websocket protocol",
            "websocket: request origin not allowed",
            "Failed to upgrade websocket connection",
        ],
        at_least: None,
    },
    Sign {
        id: SMTP,
        needles: &[
            "Failed to send mail",
            "Failed to open a connection to SMTP server",
            "Failed to authenticate on SMTP server",
            "Failed to send email",
            "SMTP server settings do not appear to be configured properly",
        ],
        at_least: Some(Level::Warn),
    },
    Sign {
        id: PUSH,
        needles: &[
            "Failed to send push notification",
            "failed to send push notification",
            "Push notification proxy",
            "push notification server",
        ],
        at_least: Some(Level::Warn),
    },
    Sign {
        id: OPEN_FILES,
        needles: &["too many open files"],
        at_least: None,
    },
    Sign {
        id: DEBUG_LINES,
        needles: &["\"level\":\"debug\"", "[DEBG]"],
        at_least: None,
    },
];

const SAMPLES: usize = 3;
const SAMPLE_CHARS: usize = 300;

/// Where a sign was seen: how often, when, and the first few lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    pub count: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub samples: Vec<String>,
    /// The sources (files, the REST API) it was seen in.
    pub sources: Vec<String>,
    /// Which of the sign's needles were found.
    pub needles: Vec<&'static str>,
}

impl Hits {
    fn add(&mut self, ts: Option<i64>, line: &[u8], source: &str, needles: &[&'static str]) {
        self.count += 1;
        for needle in needles {
            if !self.needles.contains(needle) {
                self.needles.push(needle);
            }
        }
        if let Some(ts) = ts {
            self.first_ms = Some(self.first_ms.map_or(ts, |f| f.min(ts)));
            self.last_ms = Some(self.last_ms.map_or(ts, |l| l.max(ts)));
        }
        if self.samples.len() < SAMPLES {
            let text = String::from_utf8_lossy(line);
            self.samples.push(text.chars().take(SAMPLE_CHARS).collect());
        }
        if !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_string());
        }
    }
}

/// The signs found, and how much was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFacts {
    /// What was read: file paths or `GET /api/v4/logs`.
    pub sources: Vec<String>,
    pub lines: u64,
    pub bytes: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub hits: BTreeMap<&'static str, Hits>,
}

impl LogFacts {
    pub fn hits(&self, sign: &str) -> Option<&Hits> {
        self.hits.get(sign).filter(|h| h.count > 0)
    }
}

/// Searches lines for every sign. Feed it whole files or batches of lines; it keeps the
/// partial line between two pieces.
pub struct Scanner {
    /// `None` only if the automaton could not be built (it can for these needles): then
    /// nothing is found rather than the doctor stopping.
    finder: Option<AhoCorasick>,
    /// For each needle, the sign it belongs to and its text.
    needle_sign: Vec<(usize, &'static str)>,
    facts: LogFacts,
    partial: Vec<u8>,
    source: String,
}

impl Scanner {
    pub fn new() -> Self {
        let mut needles = Vec::new();
        let mut needle_sign = Vec::new();
        for (i, sign) in SIGNS.iter().enumerate() {
            for needle in sign.needles {
                needles.push(*needle);
                needle_sign.push((i, *needle));
            }
        }
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
            .ok();
        Self {
            finder,
            needle_sign,
            facts: LogFacts::default(),
            partial: Vec::new(),
            source: String::new(),
        }
    }

    /// Starts a new source (a file, the REST API).
    pub fn begin(&mut self, source: &str) {
        self.end_source();
        self.source = source.to_string();
        self.facts.sources.push(source.to_string());
    }

    /// A piece of the current source; lines may be split across pieces.
    pub fn feed(&mut self, data: &[u8]) {
        self.facts.bytes += data.len() as u64;
        let Some(last_newline) = memchr::memrchr(b'\n', data) else {
            self.partial.extend_from_slice(data);
            return;
        };
        let (whole, rest) = data.split_at(last_newline + 1);
        if self.partial.is_empty() {
            self.scan(whole);
        } else {
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(whole);
            self.scan(&joined);
        }
        self.partial.extend_from_slice(rest);
    }

    /// One whole line (the REST API gives them one by one).
    pub fn line(&mut self, line: &[u8]) {
        self.facts.bytes += line.len() as u64 + 1;
        let mut owned = Vec::with_capacity(line.len() + 1);
        owned.extend_from_slice(line);
        owned.push(b'\n');
        self.scan(&owned);
    }

    /// Reads a whole file or stream.
    pub fn read(&mut self, mut reader: impl Read) -> std::io::Result<()> {
        let mut buf = vec![0u8; 4 << 20];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            self.feed(&buf[..n]);
        }
        Ok(())
    }

    pub fn finish(mut self) -> LogFacts {
        self.end_source();
        self.facts
    }

    fn end_source(&mut self) {
        if !self.partial.is_empty() {
            let mut last = std::mem::take(&mut self.partial);
            last.push(b'\n');
            self.scan(&last);
        }
    }

    /// Lines end with `\n`. Counts them, notes the span of time from the first and last line,
    /// and parses the lines that hold a needle.
    fn scan(&mut self, block: &[u8]) {
        self.facts.lines += memchr::memchr_iter(b'\n', block).count() as u64;
        self.note_span(block);
        let Some(finder) = &self.finder else { return };
        let mut lines = Vec::new();
        let mut done_until = 0;
        for found in finder.find_iter(block) {
            if found.start() < done_until {
                continue;
            }
            let start = memchr::memrchr(b'\n', &block[..found.start()]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &block[found.start()..])
                .map_or(block.len(), |i| found.start() + i);
            done_until = end;
            lines.push((start, end));
        }
        for (start, end) in lines {
            self.note_line(&block[start..end]);
        }
    }

    /// A line can hold two signs (a timeout inside a failed mail): each counts once.
    fn note_line(&mut self, line: &[u8]) {
        let Some(finder) = &self.finder else { return };
        let parsed = parse_line(line, false);
        let mut signs: Vec<(usize, Vec<&'static str>)> = Vec::new();
        for found in finder.find_iter(line) {
            let (sign, needle) = self.needle_sign[found.pattern().as_usize()];
            match signs.iter_mut().find(|(s, _)| *s == sign) {
                Some((_, needles)) => needles.push(needle),
                None => signs.push((sign, vec![needle])),
            }
        }
        for (sign_index, needles) in signs {
            let sign = &SIGNS[sign_index];
            if let Some(least) = sign.at_least
                && parsed.level.rank() < least
            {
                continue;
            }
            if sign.id == DEBUG_LINES && parsed.level.rank() != Level::Debug {
                continue;
            }
            self.facts.hits.entry(sign.id).or_default().add(
                parsed.ts_ms,
                line,
                &self.source,
                &needles,
            );
        }
    }

    fn note_span(&mut self, block: &[u8]) {
        let first = block.split(|b| *b == b'\n').find(|l| !l.is_empty());
        let last = block.rsplit(|b| *b == b'\n').find(|l| !l.is_empty());
        for line in first.into_iter().chain(last) {
            if let Some(ts) = parse_line(line, false).ts_ms {
                self.facts.first_ms = Some(self.facts.first_ms.map_or(ts, |f| f.min(ts)));
                self.facts.last_ms = Some(self.facts.last_ms.map_or(ts, |l| l.max(ts)));
            }
        }
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}
