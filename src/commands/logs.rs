//! `mmops logs`: the server log on stdout, from the same sources as the Logs tab, filtered by
//! level, regex and time, as readable text, raw lines or normalized JSON. It replaces
//! `mmctl logs`, follows like `tail -F`, and stops quietly when the reader of a pipe goes away.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{Report, WrapErr, bail, eyre};

use crate::cli::LogsArgs;
use crate::config::Resolved;
use crate::logs::feed::{self, FeedKind, FeedOptions};
use crate::logs::filter::compile;
use crate::logs::follow::tail_offset;
use crate::logs::output::{Format, Printer};
use crate::logs::parse::{Level, parse_timestamp};
use crate::logs::poll::{SINGLE_NODE, split_nodes};
use crate::logs::select::{Selection, Selector, Verdict, parse_duration};
use crate::logs::source::{SourceEvent, SourceState, channel_sink};
use crate::mm::{ClientOptions, MmClient};
use crate::text::inert;

/// Lines read from the end of a file before following it, unless `-n` says otherwise.
const FOLLOW_DEFAULT_LINES: usize = 10;

pub fn run(resolved: Resolved, args: LogsArgs) -> color_eyre::Result<ExitCode> {
    let selection = match selection(&args) {
        Ok(selection) => selection,
        Err(err) => {
            super::report(&err);
            return Ok(ExitCode::from(super::EXIT_USAGE));
        }
    };
    let format = if args.json {
        Format::Json
    } else if args.raw {
        Format::Raw {
            inert: io::stdout().is_terminal(),
        }
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
    );
    let Some(kind) = kinds.into_iter().next() else {
        bail!(
            "no log source: give --log-file PATH or --mm-home DIR, or a server (--url, --local, a profile)"
        );
    };
    let stdout = io::stdout();
    let mut printer = Printer::new(BufWriter::with_capacity(1 << 20, stdout.lock()), format);
    let result = if args.follow {
        follow(kind, client, &args, selection, &mut printer)
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
                let show_source = files.len() > 1;
                files.iter().try_for_each(|file| {
                    let source = show_source.then_some(file.name.as_str());
                    read_file(
                        &file.path,
                        source,
                        args.lines,
                        selection.clone(),
                        &mut printer,
                    )
                })
            }
            FeedKind::Rest => read_rest(client, args.lines, selection, &mut printer),
        }
        .and_then(|()| printer.flush().map_err(Report::from))
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
    let since_ms = args
        .since
        .as_deref()
        .map(|s| {
            parse_duration(s)
                .map(|d| chrono::Utc::now().timestamp_millis() - d)
                .or_else(|| parse_timestamp(s.as_bytes()))
                .ok_or_else(|| eyre!("--since '{s}': give a duration (10m, 2h, 1d) or a time (2026-11-22T14:05:00Z)"))
        })
        .transpose()?;
    Ok(Selection {
        level,
        grep,
        invert: args.invert,
        since_ms,
    })
}

fn print_line<W: Write>(
    selector: &mut Selector,
    printer: &mut Printer<W>,
    line: &[u8],
    source: Option<&str>,
) -> io::Result<()> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match selector.judge(line) {
        Verdict::Entry(parsed) => printer.entry(line, &parsed, source),
        Verdict::Continuation => printer.continuation(line),
        Verdict::Skip => Ok(()),
    }
}

/// The whole file (or its last `lines` lines), streamed in large reads.
fn read_file<W: Write>(
    path: &PathBuf,
    source: Option<&str>,
    lines: Option<usize>,
    selection: Selection,
    printer: &mut Printer<W>,
) -> color_eyre::Result<()> {
    let mut file = File::open(path).wrap_err_with(|| format!("cannot read {}", path.display()))?;
    if let Some(n) = lines {
        let start = tail_offset(&mut file, n)?;
        file.seek(SeekFrom::Start(start))?;
    }
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut selector = Selector::new(selection);
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut rest = buf;
        while let Some(at) = memchr::memchr(b'\n', rest) {
            if partial.is_empty() {
                print_line(&mut selector, printer, &rest[..at], source)?;
            } else {
                partial.extend_from_slice(&rest[..at]);
                print_line(&mut selector, printer, &partial, source)?;
                partial.clear();
            }
            rest = &rest[at + 1..];
        }
        partial.extend_from_slice(rest);
        reader.consume(len);
    }
    if !partial.is_empty() {
        print_line(&mut selector, printer, &partial, source)?;
    }
    Ok(())
}

/// One page of the REST log API, nodes merged by time.
fn read_rest<W: Write>(
    client: Option<MmClient>,
    lines: Option<usize>,
    selection: Selection,
    printer: &mut Printer<W>,
) -> color_eyre::Result<()> {
    let client = client.ok_or_else(|| eyre!("no server to read logs from"))?;
    let per_page = lines.unwrap_or(10_000).clamp(1, 10_000) as u32;
    let runtime = super::runtime()?;
    let answer = runtime.block_on(client.log_page(0, per_page))?;
    let blocks = split_nodes(&answer);
    let cluster = blocks.iter().any(|b| b.node.is_some());
    let mut selectors: HashMap<&str, Selector> = HashMap::new();
    let mut merged: Vec<(i64, &str, &str)> = Vec::new();
    for block in &blocks {
        let node = block.node.unwrap_or(SINGLE_NODE);
        let mut last = i64::MIN;
        for line in &block.lines {
            last = crate::logs::parse::parse_line(line.as_bytes(), false)
                .ts_ms
                .unwrap_or(last);
            merged.push((last, node, line));
        }
    }
    merged.sort_by_key(|(ts, _, _)| *ts);
    for (_, node, line) in merged {
        let selector = selectors
            .entry(node)
            .or_insert_with(|| Selector::new(selection.clone()));
        print_line(selector, printer, line.as_bytes(), cluster.then_some(node))?;
    }
    Ok(())
}

/// Follows the source until Ctrl-C, SIGTERM, or the reader of stdout going away.
fn follow<W: Write>(
    kind: FeedKind,
    client: Option<MmClient>,
    args: &LogsArgs,
    selection: Selection,
    printer: &mut Printer<W>,
) -> color_eyre::Result<()> {
    let runtime = super::runtime()?;
    let _guard = runtime.enter();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut options = FeedOptions::default();
    options.follow.initial_lines = args.lines.unwrap_or(FOLLOW_DEFAULT_LINES);
    let show_source = match &kind {
        FeedKind::Files(files) => files.len() > 1,
        FeedKind::Rest => true,
    };
    let _feed = feed::start(&kind, client.as_ref(), &options, channel_sink(tx));
    let mut selectors: HashMap<String, Selector> = HashMap::new();
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            let event = tokio::select! {
                event = rx.recv() => event,
                _ = tokio::signal::ctrl_c() => None,
                _ = term.recv() => None,
            };
            let Some(event) = event else {
                break;
            };
            match event {
                SourceEvent::Lines { source, batch } => {
                    let selector = selectors
                        .entry(source.clone())
                        .or_insert_with(|| Selector::new(selection.clone()));
                    for line in batch.iter() {
                        print_line(
                            selector,
                            printer,
                            line,
                            show_source.then_some(source.as_str()),
                        )?;
                    }
                    printer.flush()?;
                }
                SourceEvent::State { source, state } => {
                    if state != SourceState::Following {
                        eprintln!("mmops: {}: {}", inert(&source), inert(&state.to_string()));
                    }
                }
            }
        }
        printer.flush()?;
        Ok(())
    })
}
