//! `mmops logs`: the server log on stdout, from the same sources as the Logs tab, filtered by
//! level, regex and time, as readable text, raw lines or normalized JSON. It replaces
//! `mmctl logs`, follows like `tail -F`, and stops quietly when the reader of a pipe goes away.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Report, WrapErr, bail, eyre};

use crate::cli::LogsArgs;
use crate::config::Resolved;
use crate::logs::feed::{self, FeedKind, FeedOptions};
use crate::logs::filter::compile;
use crate::logs::histogram::{Histogram, width_label};
use crate::logs::history::{for_each_line, for_each_merged_line};
use crate::logs::merge::interleave;
use crate::logs::output::{Format, Printer};
use crate::logs::parse::{Level, parse_line, parse_timestamp};
use crate::logs::patterns::{Order, Patterns};
use crate::logs::poll::{SINGLE_NODE, split_nodes};
use crate::logs::select::{Selection, Selector, Verdict, parse_duration};
use crate::logs::source::{
    Backpressure, IN_FLIGHT_LIMIT, SourceEvent, SourceState, bounded_channel_sink,
};
use crate::mm::{ClientOptions, MmClient};
use crate::text::inert;
use crate::timefmt::count;

/// Lines shown from before the start when following, unless `-n` says otherwise.
const FOLLOW_DEFAULT_LINES: usize = 10;
/// Following with a filter, the lines read back from each source to find the last entries that
/// pass it (a log where they are rarer than this starts with fewer).
const FOLLOW_FILTERED_LOOKBACK: usize = 100_000;
/// The most lines one REST log page gives.
const REST_PAGE_MAX: usize = 10_000;
/// A JSON entry waits this long for continuation lines while following.
const JSON_QUIET: Duration = Duration::from_millis(200);
/// Sources that have not finished their first read by then are not waited for.
const FIRST_READ_WAIT: Duration = Duration::from_secs(3);

pub fn run(resolved: Resolved, args: LogsArgs) -> color_eyre::Result<ExitCode> {
    let selection = match selection(&args) {
        Ok(selection) => selection,
        Err(err) => {
            super::report(&err);
            return Ok(ExitCode::from(super::EXIT_USAGE));
        }
    };
    let terminal = io::stdout().is_terminal();
    let format = if args.json {
        Format::Json { inert: terminal }
    } else if args.raw {
        Format::Raw { inert: terminal }
    } else {
        Format::Text
    };
    let client = resolved
        .connection
        .as_ref()
        .map(|spec| MmClient::new(spec, ClientOptions::default()))
        .transpose()?;
    let kinds = feed::available(
        &resolved.log_files,
        resolved.mm_home.as_ref(),
        client.as_ref(),
        None,
    );
    let Some(kind) = kinds.into_iter().next() else {
        bail!(
            "no log source: give --log-file PATH or --mm-home DIR, or a server (--url, --local, a profile)"
        );
    };
    let summary = if args.patterns {
        Some(Summary::Patterns(Patterns::new()))
    } else if args.histogram {
        let width = args
            .bucket
            .as_deref()
            .map(|b| {
                parse_duration(b)
                    .ok_or_else(|| eyre!("--bucket '{b}': give a width such as 30s, 1m, 1h or 1d"))
            })
            .transpose()?;
        Some(Summary::Histogram(Histogram::new(width)))
    } else {
        None
    };
    // With a filter, `-n` counts the entries it lets through (read from the whole log), as
    // journalctl does; without one, the last lines are read as `tail -n` reads them.
    let (lines, tail) = match args.lines {
        Some(keep) if !args.follow && summary.is_none() && selection.narrows() => {
            (None, Some(EntryTail::new(keep)))
        }
        lines => (lines, None),
    };
    let stdout = io::stdout();
    let mut out = Output {
        printer: Printer::new(BufWriter::with_capacity(1 << 20, stdout.lock()), format),
        selectors: HashMap::new(),
        selection,
        summary,
        tail,
    };
    let result = if args.follow {
        follow(kind, client, &args, &mut out)
    } else {
        match &kind {
            FeedKind::Files(files) => {
                // Files found under --mm-home may simply not exist yet (audit.log on a server
                // without auditing); files named with --log-file must exist.
                let explicit = !resolved.log_files.is_empty();
                let files: Vec<_> = files
                    .iter()
                    .filter(|f| explicit || f.path.is_file())
                    .collect();
                read_files(&files, lines, &mut out)
            }
            FeedKind::Rest => read_rest(client, lines, &mut out),
            FeedKind::Packet { .. } => Err(Report::msg(
                "mmops logs reads a server or its files; a support packet opens with mmops open",
            )),
        }
        .and_then(|()| match out.tail.take() {
            Some(tail) => tail.print(&mut out.printer).map_err(Report::from),
            None => Ok(()),
        })
        .and_then(|()| out.printer.flush().map_err(Report::from))
        .and_then(|()| match &out.summary {
            Some(summary) => super::emit(&summary.report(&args)).map_err(Report::from),
            None => Ok(()),
        })
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // The reader went away (`| head`): that is the end, not an error.
        Err(err) if is_broken_pipe(&err) => Ok(ExitCode::SUCCESS),
        Err(err) => Err(err),
    }
}

fn is_broken_pipe(err: &Report) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn selection(args: &LogsArgs) -> color_eyre::Result<Selection> {
    let level = args
        .level
        .as_deref()
        .map(|l| {
            Level::parse(l.as_bytes())
                .ok_or_else(|| eyre!("unknown level '{l}': use error, warn, info, debug or trace"))
        })
        .transpose()?;
    let grep = args
        .grep
        .as_deref()
        .map(|g| compile(g, args.ignore_case).map_err(|e| eyre!("--grep: {e}")))
        .transpose()?;
    let when = |flag: &str, text: &str| {
        parse_duration(text)
            .map(|d| chrono::Utc::now().timestamp_millis() - d)
            .or_else(|| parse_since_time(text))
            .ok_or_else(|| {
                eyre!("{flag} '{text}': give a duration (10m, 2h, 1d) or a time (14:05, 2026-11-22, 2026-11-22 14:05, 2026-11-22T14:05:00+01:00; UTC unless a zone is given)")
            })
    };
    let since_ms = args
        .since
        .as_deref()
        .map(|s| when("--since", s))
        .transpose()?;
    let until_ms = args
        .until
        .as_deref()
        .map(|s| when("--until", s))
        .transpose()?;
    Ok(Selection {
        level,
        grep,
        invert: args.invert,
        since_ms,
        until_ms,
    })
}

/// A time for `--since`: full timestamps, or a date (midnight) or minutes without seconds,
/// UTC unless a zone is given; or a bare time of day (`14:05`, `14:05:30`), today in UTC or,
/// when that is still to come, yesterday.
fn parse_since_time(text: &str) -> Option<i64> {
    let text = text.trim();
    parse_timestamp(text.as_bytes())
        .or_else(|| parse_timestamp(format!("{text}:00").as_bytes()))
        .or_else(|| parse_timestamp(format!("{text} 00:00:00").as_bytes()))
        .or_else(|| {
            crate::timefmt::time_of_day_at_or_before(
                text,
                chrono::Utc::now().timestamp_millis(),
                true,
            )
        })
}

/// Where chosen lines go: one selector per source (continuation lines follow their own
/// source's entries), one printer.
struct Output<W: Write> {
    printer: Printer<W>,
    selectors: HashMap<String, Selector>,
    selection: Selection,
    /// `--patterns` or `--histogram`: the entries are counted instead of printed.
    summary: Option<Summary>,
    /// `-n N` with a filter: the last N entries that pass it, printed at the end.
    tail: Option<EntryTail>,
}

/// The last entries chosen, with their continuation lines, as `journalctl -n` keeps them: `-n 3
/// --level error` is the last three errors, not what the last three lines hold of them.
struct EntryTail {
    keep: usize,
    entries: VecDeque<Kept>,
}

struct Kept {
    label: Option<String>,
    line: Vec<u8>,
    parsed: crate::logs::parse::Parsed,
    continuation: Vec<Vec<u8>>,
}

impl EntryTail {
    fn new(keep: usize) -> Self {
        Self {
            keep,
            entries: VecDeque::new(),
        }
    }

    fn entry(&mut self, line: &[u8], parsed: crate::logs::parse::Parsed, label: Option<&str>) {
        if self.keep == 0 {
            return;
        }
        if self.entries.len() == self.keep {
            self.entries.pop_front();
        }
        self.entries.push_back(Kept {
            label: label.map(str::to_string),
            line: line.to_vec(),
            parsed,
            continuation: Vec::new(),
        });
    }

    fn continuation(&mut self, line: &[u8]) {
        if let Some(last) = self.entries.back_mut() {
            last.continuation.push(line.to_vec());
        }
    }

    fn print<W: Write>(self, printer: &mut Printer<W>) -> io::Result<()> {
        for kept in self.entries {
            printer.entry(&kept.line, &kept.parsed, kept.label.as_deref())?;
            for line in &kept.continuation {
                printer.continuation(line)?;
            }
        }
        Ok(())
    }
}

/// What `--patterns` and `--histogram` count.
enum Summary {
    Patterns(Patterns),
    Histogram(Histogram),
}

impl Summary {
    fn empty_like(&self) -> Self {
        match self {
            Summary::Patterns(_) => Summary::Patterns(Patterns::new()),
            Summary::Histogram(histogram) => Summary::Histogram(histogram.empty_like()),
        }
    }

    fn merge(&mut self, other: Summary) {
        match (self, other) {
            (Summary::Patterns(mine), Summary::Patterns(theirs)) => mine.merge(theirs),
            (Summary::Histogram(mine), Summary::Histogram(theirs)) => mine.merge(theirs),
            _ => {}
        }
    }

    fn add(&mut self, line: &[u8], parsed: &crate::logs::parse::Parsed, source: &str) {
        match self {
            Summary::Patterns(patterns) => patterns.add(line, parsed, source),
            Summary::Histogram(histogram) => histogram.add(parsed.ts_ms, parsed.level),
        }
    }

    fn report(&self, args: &LogsArgs) -> String {
        match (self, args.json) {
            (Summary::Patterns(patterns), true) => {
                let top = if args.top == 0 { usize::MAX } else { args.top };
                let mut text = serde_json::to_string_pretty(&patterns.to_json(Order::Count, top))
                    .unwrap_or_default();
                text.push('\n');
                text
            }
            (Summary::Patterns(patterns), false) => patterns_text(patterns, args.top),
            (Summary::Histogram(histogram), true) => {
                let mut text =
                    serde_json::to_string_pretty(&histogram_json(histogram)).unwrap_or_default();
                text.push('\n');
                text
            }
            (Summary::Histogram(histogram), false) => histogram_text(histogram),
        }
    }
}

/// The most frequent patterns, one per line: count, level, last seen, sources, template.
fn patterns_text(patterns: &Patterns, top: usize) -> String {
    use std::fmt::Write as _;
    let order = patterns.sorted(Order::Count);
    let shown = if top == 0 {
        order.len()
    } else {
        top.min(order.len())
    };
    let mut out = format!(
        "{} entries, {} patterns{}\n{:>9}  {:<5}  {:<16}  {:<20}  PATTERN\n",
        count(patterns.added() as i64),
        count(patterns.len() as i64),
        if shown < order.len() {
            format!(" (the {shown} most frequent; --top 0 for all)")
        } else {
            String::new()
        },
        "COUNT",
        "LEVEL",
        "LAST SEEN (UTC)",
        "SOURCES",
    );
    for index in order.into_iter().take(shown) {
        let Some(p) = patterns.get(index) else {
            continue;
        };
        let mut sources = p.sources.join(", ");
        if p.more_sources {
            sources.push_str(", …");
        }
        let _ = writeln!(
            out,
            "{:>9}  {:<5}  {:<16}  {:<20}  {}",
            count(p.count as i64),
            p.level.label(),
            p.last_ms
                .map(crate::timefmt::utc_minute_bare)
                .unwrap_or_default(),
            crate::text::one_line(&inert(&sources), 20),
            inert(&p.template)
        );
    }
    out
}

/// Every bucket on a line: its start, entries, errors, warnings, and a bar.
fn histogram_text(histogram: &Histogram) -> String {
    use std::fmt::Write as _;
    let (width, buckets) = histogram.buckets(60);
    let most = buckets
        .iter()
        .map(|(_, c)| c.entries)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = format!(
        "buckets of {}\n{:<19}  {:>9}  {:>7}  {:>8}\n",
        width_label(width),
        "START (UTC)",
        "ENTRIES",
        "ERRORS",
        "WARNINGS"
    );
    for (start, c) in &buckets {
        let bar = "▇".repeat(((c.entries * 30).div_ceil(most)) as usize);
        let _ = writeln!(
            out,
            "{:<19}  {:>9}  {:>7}  {:>8}  {bar}",
            crate::timefmt::utc_second(*start),
            count(c.entries as i64),
            count(c.errors as i64),
            count(c.warnings as i64),
        );
    }
    if histogram.untimed > 0 {
        let _ = writeln!(
            out,
            "{} entries without a time",
            count(histogram.untimed as i64)
        );
    }
    out
}

/// `mmops.log-histogram/1`.
fn histogram_json(histogram: &Histogram) -> serde_json::Value {
    let (width, buckets) = histogram.buckets(60);
    serde_json::json!({
        "schema": "mmops.log-histogram/1",
        "bucket_seconds": width / 1000,
        "untimed": histogram.untimed,
        "buckets": buckets.iter().map(|(start, c)| serde_json::json!({
            "start": crate::timefmt::rfc3339_ms(*start),
            "entries": c.entries,
            "errors": c.errors,
            "warnings": c.warnings,
        })).collect::<Vec<_>>(),
    })
}

impl<W: Write> Output<W> {
    /// Judges and prints one line of `source`; `label` is what the output shows as its source.
    fn line(&mut self, source: &str, label: Option<&str>, line: &[u8]) -> io::Result<()> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let selector = match self.selectors.get_mut(source) {
            Some(selector) => selector,
            None => self
                .selectors
                .entry(source.to_string())
                .or_insert_with(|| Selector::new(self.selection.clone())),
        };
        match (selector.judge(line), &mut self.summary) {
            (Verdict::Entry(mut parsed), Some(summary)) => {
                // An entry without a time (a panic) counts at the time of the one before it.
                parsed.ts_ms = parsed.ts_ms.or(selector.last_ts());
                summary.add(line, &parsed, source);
                Ok(())
            }
            (Verdict::Entry(parsed), None) => match &mut self.tail {
                Some(tail) => {
                    tail.entry(line, parsed, label);
                    Ok(())
                }
                None => self.printer.entry(line, &parsed, label),
            },
            (Verdict::Continuation, None) => match &mut self.tail {
                Some(tail) => {
                    tail.continuation(line);
                    Ok(())
                }
                None => self.printer.continuation(line),
            },
            (Verdict::Continuation, Some(_)) | (Verdict::Skip, _) => Ok(()),
        }
    }
}

/// What the files hold (or the last `lines` lines): one file streamed, several merged by time.
fn read_files<W: Write>(
    files: &[&crate::logs::feed::LogFile],
    lines: Option<usize>,
    out: &mut Output<W>,
) -> color_eyre::Result<()> {
    let cannot_read = |path: &Path| format!("cannot read {}", path.display());
    if lines.is_none()
        && let Some(summary) = &mut out.summary
    {
        return count_in_parallel(files, &out.selection, summary);
    }
    if let ([file], None, None) = (files, lines, &out.tail)
        && std::fs::metadata(&file.path).is_ok_and(|m| m.len() >= 2 * MIN_PIECE)
    {
        return print_in_parallel(file, out);
    }
    match files {
        [] => Ok(()),
        [file] => for_each_line(&file.path, lines, |line| out.line(&file.name, None, line))
            .wrap_err_with(|| cannot_read(&file.path)),
        files => {
            for file in files {
                std::fs::File::open(&file.path).wrap_err_with(|| cannot_read(&file.path))?;
            }
            let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
            for_each_merged_line(&paths, lines, |i, line| {
                let name = files[i].name.as_str();
                out.line(name, Some(name), line)
            })
            .wrap_err("cannot read the log files")
        }
    }
}

/// Pieces a printing thread may run ahead of the one being written.
const PRINT_AHEAD: usize = 4;

/// One large file printed in order with every core parsing: the file is cut into pieces at
/// entries, each piece judged and printed into memory on a thread, and the pieces written in
/// order; a thread waits when it runs more than [`PRINT_AHEAD`] pieces ahead of the writer, so
/// memory stays bounded whatever the filter lets through.
fn print_in_parallel<W: Write>(
    file: &crate::logs::feed::LogFile,
    out: &mut Output<W>,
) -> color_eyre::Result<()> {
    use std::sync::{Condvar, Mutex};
    let cannot_read = || format!("cannot read {}", file.path.display());
    let size = std::fs::metadata(&file.path)
        .wrap_err_with(cannot_read)?
        .len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let count = usize::try_from(size / MIN_PIECE).unwrap_or(1).max(threads);
    let pieces =
        crate::logs::history::line_aligned_pieces(&file.path, count).wrap_err_with(cannot_read)?;
    let format = out.printer.format();
    let selection = out.selection.clone();
    let next = std::sync::atomic::AtomicUsize::new(0);
    // How many pieces are written; a thread ahead of it by too much waits on the condvar.
    let written = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = std::sync::mpsc::channel::<(usize, io::Result<Vec<u8>>)>();
    std::thread::scope(|scope| -> color_eyre::Result<()> {
        for _ in 0..threads.min(pieces.len()) {
            let tx = tx.clone();
            let (next, written, pieces, selection) = (&next, &written, &pieces, &selection);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(range) = pieces.get(i) else { return };
                    {
                        let (lock, ready) = written;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *done + PRINT_AHEAD {
                            done = ready.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let mut printer = Printer::new(Vec::new(), format);
                    let mut selector = Selector::new(selection.clone());
                    let result =
                        crate::logs::history::for_each_line_in(&file.path, range.clone(), |line| {
                            let line = line.strip_suffix(b"\r").unwrap_or(line);
                            match selector.judge(line) {
                                Verdict::Entry(parsed) => printer.entry(line, &parsed, None),
                                Verdict::Continuation => printer.continuation(line),
                                Verdict::Skip => Ok(()),
                            }
                        })
                        .and_then(|()| printer.into_inner());
                    let failed = result.is_err();
                    if tx.send((i, result)).is_err() || failed {
                        return;
                    }
                }
            });
        }
        drop(tx);
        // The pieces as they come, written in order.
        let (lock, ready) = &written;
        let mut to_write = 0;
        let mut write_in_order = || -> color_eyre::Result<()> {
            let mut waiting = std::collections::BTreeMap::new();
            for (i, result) in &rx {
                waiting.insert(i, result);
                while let Some(result) = waiting.remove(&to_write) {
                    let bytes = result.wrap_err_with(cannot_read)?;
                    out.printer.write_through(&bytes)?;
                    to_write += 1;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = to_write;
                    ready.notify_all();
                }
            }
            if to_write < pieces.len() {
                return Err(eyre!("{}: a reader thread stopped early", cannot_read()));
            }
            Ok(())
        };
        let result = write_in_order();
        // A failed write (a closed pipe) lets every waiting thread go: they find the channel
        // closed and stop.
        drop(rx);
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = usize::MAX / 2;
        ready.notify_all();
        result
    })
}

/// The smallest piece of a file counted on a thread of its own.
const MIN_PIECE: u64 = 8 << 20;

/// `--patterns` and `--histogram` over whole files: the order of the lines does not matter, so
/// each file is read in pieces on every core, each piece counted apart and the counts merged.
/// (A piece starts at a line's start; a stack trace cut by a piece's start counts its first
/// lines as an entry of their own, as `mmops logs` does for a file that starts with one.)
fn count_in_parallel(
    files: &[&crate::logs::feed::LogFile],
    selection: &Selection,
    summary: &mut Summary,
) -> color_eyre::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut work = Vec::new();
    for file in files {
        // A small file is read whole: splitting it saves nothing and each piece's start
        // loses the time of the entry before it.
        let size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
        let pieces = usize::try_from(size / MIN_PIECE)
            .unwrap_or(threads)
            .clamp(1, threads);
        let pieces = crate::logs::history::line_aligned_pieces(&file.path, pieces)
            .wrap_err_with(|| format!("cannot read {}", file.path.display()))?;
        work.extend(pieces.into_iter().map(|range| (*file, range)));
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<color_eyre::Result<Summary>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(work.len()).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = summary.empty_like();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((file, range)) = work.get(i) else {
                            return Ok(mine);
                        };
                        let mut selector = Selector::new(selection.clone());
                        crate::logs::history::for_each_line_in(&file.path, range.clone(), |line| {
                            let line = line.strip_suffix(b"\r").unwrap_or(line);
                            if let Verdict::Entry(mut parsed) = selector.judge(line) {
                                parsed.ts_ms = parsed.ts_ms.or(selector.last_ts());
                                mine.add(line, &parsed, &file.name);
                            }
                            Ok(())
                        })
                        .wrap_err_with(|| format!("cannot read {}", file.path.display()))?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(eyre!("a reader thread stopped unexpectedly")))
            })
            .collect()
    });
    for result in results {
        summary.merge(result?);
    }
    Ok(())
}

/// The newest lines of every node from the REST log API, merged by time; with `lines`, the
/// last `lines` of that timeline.
fn read_rest<W: Write>(
    client: Option<MmClient>,
    lines: Option<usize>,
    out: &mut Output<W>,
) -> color_eyre::Result<()> {
    let client = client.ok_or_else(|| eyre!("no server to read logs from"))?;
    if lines == Some(0) {
        return Ok(());
    }
    let per_page = lines.unwrap_or(REST_PAGE_MAX).clamp(1, REST_PAGE_MAX) as u32;
    let runtime = super::runtime()?;
    let answer = runtime.block_on(client.log_page(0, per_page))?;
    let blocks = split_nodes(&answer);
    let cluster = blocks.iter().any(|b| b.node.is_some());
    let times: Vec<Vec<i64>> = blocks
        .iter()
        .map(|block| {
            let mut last = i64::MIN;
            block
                .lines
                .iter()
                .map(|line| {
                    last = parse_line(line.as_bytes(), false).ts_ms.unwrap_or(last);
                    last
                })
                .collect()
        })
        .collect();
    let order = interleave(&times);
    let skip = lines.map_or(0, |n| order.len().saturating_sub(n));
    for (block, index) in order.into_iter().skip(skip) {
        let node = blocks[block].node.unwrap_or(SINGLE_NODE);
        let line = blocks[block].lines[index];
        out.line(node, cluster.then_some(node), line.as_bytes())?;
    }
    Ok(())
}

/// Lines that arrive before every source has finished its first read: only the last `keep`
/// are shown, like `tail -n`; with a filter, the last `entries` that pass it.
struct FirstRead {
    keep: usize,
    entries: Option<usize>,
    lines: VecDeque<(String, Vec<u8>)>,
    waiting: HashSet<String>,
    started: tokio::time::Instant,
}

impl FirstRead {
    fn is_done(&self) -> bool {
        self.waiting.is_empty() || self.started.elapsed() >= FIRST_READ_WAIT
    }
}

/// Follows the source until Ctrl-C, SIGTERM, or the reader of stdout going away.
fn follow<W: Write>(
    kind: FeedKind,
    client: Option<MmClient>,
    args: &LogsArgs,
    out: &mut Output<W>,
) -> color_eyre::Result<()> {
    let runtime = super::runtime()?;
    let _guard = runtime.enter();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pressure = Backpressure::new(IN_FLIGHT_LIMIT);
    let shown = args.lines.unwrap_or(FOLLOW_DEFAULT_LINES);
    // With a filter the first lines shown are the last entries it lets through, as without
    // following: more is read back to find them.
    let entries = out.selection.narrows().then_some(shown);
    let keep = match entries {
        Some(_) => shown.max(FOLLOW_FILTERED_LOOKBACK),
        None => shown,
    };
    let mut options = FeedOptions::default();
    options.follow.initial_lines = keep;
    let (show_source, sources): (bool, HashSet<String>) = match &kind {
        FeedKind::Files(files) => (
            files.len() > 1,
            files.iter().map(|f| f.name.clone()).collect(),
        ),
        FeedKind::Rest => (true, HashSet::from(["REST".to_string()])),
        FeedKind::Packet { logs, .. } => (logs.len() > 1, logs.iter().cloned().collect()),
    };
    let feed = feed::start(
        &kind,
        client.as_ref(),
        &options,
        bounded_channel_sink(tx, std::sync::Arc::clone(&pressure)),
    );
    let mut first = Some(FirstRead {
        keep,
        entries,
        lines: VecDeque::new(),
        waiting: sources,
        started: tokio::time::Instant::now(),
    });
    let result = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let quiet = out.printer.has_pending() || first.is_some();
            let event = tokio::select! {
                event = rx.recv() => event,
                _ = &mut ctrl_c => None,
                _ = term.recv() => None,
                () = tokio::time::sleep(JSON_QUIET), if quiet => {
                    flush_first_read(&mut first, out, show_source, false)?;
                    out.printer.flush()?;
                    continue;
                }
            };
            let Some(event) = event else {
                break;
            };
            match event {
                SourceEvent::Lines { source, batch } => {
                    pressure.release(batch.byte_len());
                    let label = show_source.then_some(source.as_str());
                    match first.as_mut() {
                        Some(read) => {
                            for line in batch.iter() {
                                read.lines.push_back((source.clone(), line.to_vec()));
                                if read.lines.len() > read.keep {
                                    read.lines.pop_front();
                                }
                            }
                        }
                        None => {
                            for line in batch.iter() {
                                out.line(&source, label, line)?;
                            }
                        }
                    }
                    flush_first_read(&mut first, out, show_source, false)?;
                    out.printer.flush_output()?;
                }
                SourceEvent::State { source, state } => {
                    if let Some(read) = first.as_mut() {
                        read.waiting.remove(&source);
                    }
                    flush_first_read(&mut first, out, show_source, false)?;
                    out.printer.flush_output()?;
                    if state != SourceState::Following {
                        // Best effort: stderr may be closed too.
                        let _ = writeln!(
                            io::stderr(),
                            "mmops: {}: {}",
                            inert(&source),
                            inert(&state.to_string())
                        );
                    }
                }
            }
        }
        flush_first_read(&mut first, out, show_source, true)?;
        out.printer.flush()?;
        Ok::<(), Report>(())
    });
    // Nobody takes lines any more: the sources see the closed channel and stop.
    drop(rx);
    drop(feed);
    result
}

/// Prints the first read's kept lines once every source has done its first read (or it took
/// too long, or `now`).
fn flush_first_read<W: Write>(
    first: &mut Option<FirstRead>,
    out: &mut Output<W>,
    show_source: bool,
    now: bool,
) -> io::Result<()> {
    if !first.as_ref().is_some_and(|read| now || read.is_done()) {
        return Ok(());
    }
    if let Some(read) = first.take() {
        out.tail = read.entries.map(EntryTail::new);
        for (source, line) in read.lines {
            out.line(&source, show_source.then_some(source.as_str()), &line)?;
        }
        if let Some(tail) = out.tail.take() {
            tail.print(&mut out.printer)?;
        }
    }
    Ok(())
}
