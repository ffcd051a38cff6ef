//! Which entries to show: a level threshold or an explicit set of levels, a regex over the raw
//! entry (case toggle, invert), and field filters (`user_id=…`, `caller~…`). The matching
//! entries are kept in an [`Index`] that grows as entries arrive and is rebuilt in slices when
//! the filter changes, so a million entries never block the keyboard.

use std::collections::VecDeque;

use super::matcher::Matcher;
pub use super::matcher::compile;
use super::parse::Level;
use super::scan::{self, Kind};
use super::store::{Entry, LogStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOp {
    /// `key=value`: the value equals.
    Equals,
    /// `key~value`: the value contains.
    Contains,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFilter {
    pub key: String,
    pub op: FieldOp,
    pub value: String,
}

impl std::fmt::Display for FieldFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = if self.op == FieldOp::Equals { '=' } else { '~' };
        write!(f, "{}{op}{}", self.key, self.value)
    }
}

/// A filter as the user typed it, before compiling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub pattern: String,
    pub fields: Vec<FieldFilter>,
}

impl Query {
    /// Splits `user_id=abc caller~web/ timeout|refused` into field filters and a regex. A word
    /// is a field filter when it starts with a name followed by `=` or `~`; everything else,
    /// with its spacing, is the regex.
    pub fn parse(text: &str) -> Self {
        let mut fields = Vec::new();
        let mut rest = String::new();
        let mut last_end = 0;
        for (start, word) in words(text) {
            if let Some(field) = field_filter(word) {
                rest.push_str(&text[last_end..start]);
                last_end = start + word.len();
                fields.push(field);
            }
        }
        rest.push_str(&text[last_end..]);
        Self {
            pattern: rest
                .split_whitespace()
                .next()
                .map(|_| rest.trim().to_string())
                .unwrap_or_default(),
            fields,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pattern.is_empty() && self.fields.is_empty()
    }

    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = self.fields.iter().map(ToString::to_string).collect();
        if !self.pattern.is_empty() {
            parts.push(self.pattern.clone());
        }
        parts.join(" ")
    }
}

fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split(' ').filter_map(move |word| {
        let start = offset;
        offset += word.len() + 1;
        (!word.is_empty()).then_some((start, word))
    })
}

fn field_filter(word: &str) -> Option<FieldFilter> {
    let split = word.find(['=', '~'])?;
    let (key, rest) = word.split_at(split);
    let valid_key = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let value = &rest[1..];
    if !valid_key || value.is_empty() {
        return None;
    }
    Some(FieldFilter {
        key: key.to_string(),
        op: if rest.starts_with('=') {
            FieldOp::Equals
        } else {
            FieldOp::Contains
        },
        value: value.to_string(),
    })
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Entries below this rank are hidden (unless `levels` is set).
    pub threshold: Level,
    /// An explicit choice of levels from the level picker; overrides the threshold.
    pub levels: Option<[bool; 7]>,
    pub regex: Option<Matcher>,
    pub invert: bool,
    pub case_insensitive: bool,
    pub fields: Vec<FieldFilter>,
    /// Entries older than this are hidden (`:since`).
    pub since_ms: Option<i64>,
    /// Entries at or after this time are hidden (`:until`).
    pub until_ms: Option<i64>,
    /// Only the entries of one pattern: a level and a message template (Enter in the patterns
    /// view).
    pub pattern: Option<(Level, String)>,
    pub query: Query,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            threshold: Level::Trace,
            levels: None,
            regex: None,
            invert: false,
            case_insensitive: true,
            fields: Vec::new(),
            since_ms: None,
            until_ms: None,
            pattern: None,
            query: Query::default(),
        }
    }
}

impl Filter {
    /// Sets the query (regex and field filters); fails with the regex error.
    pub fn set_query(&mut self, query: Query) -> Result<(), String> {
        self.regex = if query.pattern.is_empty() {
            None
        } else {
            Some(Matcher::new(&query.pattern, self.case_insensitive)?)
        };
        self.fields = query.fields.clone();
        self.query = query;
        Ok(())
    }

    /// Lets the regex pick its fastest form on a sample of the lines it will check.
    pub fn tune(&mut self, sample: &[&[u8]]) {
        if let Some(regex) = &mut self.regex {
            regex.tune(sample);
        }
    }

    pub fn level_shown(&self, level: Level) -> bool {
        match &self.levels {
            Some(set) => set[level as usize],
            None => level.rank() >= self.threshold,
        }
    }

    /// Whether anything but levels narrows the view.
    pub fn is_narrowing(&self) -> bool {
        self.regex.is_some()
            || !self.fields.is_empty()
            || self.since_ms.is_some()
            || self.until_ms.is_some()
            || self.pattern.is_some()
    }

    pub fn matches(&self, entry: &Entry, source_name: &str) -> bool {
        if !self.level_shown(entry.level) {
            return false;
        }
        if let Some(ts) = entry.ts_ms
            && (self.since_ms.is_some_and(|since| ts < since)
                || self.until_ms.is_some_and(|until| ts >= until))
        {
            return false;
        }
        if let Some((level, template)) = &self.pattern
            && (entry.level != *level
                || super::pattern::template(entry.message().trim()) != *template)
        {
            return false;
        }
        if !self
            .fields
            .iter()
            .all(|f| field_matches(entry, source_name, f, self.case_insensitive))
        {
            return false;
        }
        match &self.regex {
            Some(regex) => regex.is_match(entry.raw) != self.invert,
            None => true,
        }
    }
}

fn text_matches(value: &str, filter: &FieldFilter, case_insensitive: bool) -> bool {
    match (filter.op, case_insensitive) {
        (FieldOp::Equals, false) => value == filter.value,
        (FieldOp::Equals, true) => value.eq_ignore_ascii_case(&filter.value),
        (FieldOp::Contains, false) => value.contains(&filter.value),
        (FieldOp::Contains, true) => value.to_lowercase().contains(&filter.value.to_lowercase()),
    }
}

fn field_matches(
    entry: &Entry,
    source_name: &str,
    filter: &FieldFilter,
    case_insensitive: bool,
) -> bool {
    match filter.key.as_str() {
        "caller" => text_matches(
            &String::from_utf8_lossy(entry.caller),
            filter,
            case_insensitive,
        ),
        "msg" | "message" => text_matches(&entry.message(), filter, case_insensitive),
        "level" => text_matches(entry.level.label(), filter, true),
        "node" | "source" => text_matches(source_name, filter, case_insensitive),
        key => match field_value(entry, key) {
            Some(value) => text_matches(&value, filter, case_insensitive),
            None => false,
        },
    }
}

/// A field's value as text: a JSON member, or `key=value` in a text entry.
pub fn field_value(entry: &Entry, key: &str) -> Option<String> {
    if let Some(json) = entry.json() {
        return scan::members(json)
            .find(|m| m.key == key.as_bytes())
            .map(|m| match m.kind {
                Kind::String => scan::text(m.value, m.escaped).into_owned(),
                _ => String::from_utf8_lossy(m.value).into_owned(),
            });
    }
    let line = entry.first_line();
    let needle = format!(" {key}=");
    let at = memchr::memmem::find(line, needle.as_bytes())? + needle.len();
    let value = &line[at..];
    let value = match value.strip_prefix(b"\"") {
        Some(quoted) => {
            &quoted[..quoted
                .iter()
                .position(|b| *b == b'"')
                .unwrap_or(quoted.len())]
        }
        None => &value[..value.iter().position(|b| *b == b' ').unwrap_or(value.len())],
    };
    Some(String::from_utf8_lossy(value).into_owned())
}

/// Below this many entries a range is checked on one thread: starting threads would cost more.
const PARALLEL_MIN: u64 = 8192;

/// Threads used to check a large range: the machine's cores, at most 8.
fn workers() -> usize {
    static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WORKERS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get().min(8))
            .unwrap_or(1)
    })
}

/// The sequence numbers of matching entries, kept up to date incrementally.
#[derive(Debug, Default, Clone)]
pub struct Index {
    seqs: VecDeque<u64>,
    /// Entries before this sequence number have been checked.
    checked_to: u64,
}

impl Index {
    pub fn new(start: u64) -> Self {
        Self {
            seqs: VecDeque::new(),
            checked_to: start,
        }
    }

    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    /// Bytes the index holds (for the memory target).
    pub fn memory_bytes(&self) -> usize {
        self.seqs.capacity() * std::mem::size_of::<u64>()
    }

    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<u64> {
        self.seqs.get(i).copied()
    }

    pub fn last(&self) -> Option<u64> {
        self.seqs.back().copied()
    }

    /// Whether every held entry has been checked.
    pub fn is_complete(&self, store: &LogStore) -> bool {
        self.checked_to >= store.end_seq()
    }

    /// How far a rebuild has got, 0.0 to 1.0.
    pub fn progress(&self, store: &LogStore) -> f64 {
        let total = store.end_seq().saturating_sub(store.first_seq()).max(1);
        let done = self.checked_to.saturating_sub(store.first_seq()).min(total);
        done as f64 / total as f64
    }

    /// The position of the first match at or after `seq`.
    pub fn position_at_or_after(&self, seq: u64) -> usize {
        self.seqs.partition_point(|s| *s < seq)
    }

    /// Checks up to `budget` unchecked entries; returns true when all are checked. Entries the
    /// store has evicted leave the index. A large range is split over the machine's cores.
    ///
    /// `pred` runs on this thread; `make_pred` builds the test for each helper thread, which
    /// gets its own copy of a regex so the threads do not contend for its scratch space (and
    /// this thread keeps its warm one).
    pub fn advance<P, Q>(
        &mut self,
        store: &LogStore,
        budget: usize,
        pred: P,
        make_pred: impl Fn() -> Q + Sync,
    ) -> bool
    where
        P: Fn(&Entry) -> bool,
        Q: Fn(&Entry) -> bool,
    {
        let first = store.first_seq();
        while self.seqs.front().is_some_and(|s| *s < first) {
            self.seqs.pop_front();
        }
        self.checked_to = self.checked_to.max(first);
        let end = store
            .end_seq()
            .min(self.checked_to.saturating_add(budget as u64));
        let matching = |range: std::ops::Range<u64>, pred: &dyn Fn(&Entry) -> bool| -> Vec<u64> {
            range
                .filter(|seq| store.get(*seq).is_some_and(|e| pred(&e)))
                .collect()
        };
        let workers = workers();
        let len = end - self.checked_to;
        if workers < 2 || len < PARALLEL_MIN {
            self.seqs.extend(matching(self.checked_to..end, &pred));
        } else {
            let chunk = len.div_ceil(workers as u64);
            let ranges: Vec<_> = (0..workers as u64)
                .map(|i| {
                    let start = self.checked_to + i * chunk;
                    start.min(end)..(start + chunk).min(end)
                })
                .collect();
            let parts: Vec<Vec<u64>> = std::thread::scope(|scope| {
                let (matching, make_pred) = (&matching, &make_pred);
                // A helper that cannot be started leaves its range to this thread.
                let helpers: Vec<_> = ranges[1..]
                    .iter()
                    .map(|range| {
                        let spawned = std::thread::Builder::new()
                            .name("mmops-filter".into())
                            .spawn_scoped(scope, move || matching(range.clone(), &make_pred()));
                        (range.clone(), spawned.ok())
                    })
                    .collect();
                let mut parts = vec![matching(ranges[0].clone(), &pred)];
                for (range, helper) in helpers {
                    let part = match helper.map(|h| h.join()) {
                        Some(Ok(part)) => part,
                        Some(Err(panic)) => std::panic::resume_unwind(panic),
                        None => matching(range, &pred),
                    };
                    parts.push(part);
                }
                parts
            });
            self.seqs.extend(parts.into_iter().flatten());
        }
        self.checked_to = end;
        self.is_complete(store)
    }

    /// Checks the newest entry again after a continuation line changed it.
    pub fn recheck(&mut self, store: &LogStore, seq: u64, pred: impl Fn(&Entry) -> bool) {
        if seq >= self.checked_to {
            return;
        }
        let matches = store.get(seq).is_some_and(|e| pred(&e));
        let present = self.seqs.back() == Some(&seq);
        match (matches, present) {
            (true, false) => self.seqs.push_back(seq),
            (false, true) => {
                self.seqs.pop_back();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: &str, msg: &str, extra: &str) -> String {
        format!(
            r#"{{"timestamp":"2025-03-14 09:27:10.027 Z","level":"{level}","msg":"{msg}","caller":"web/handlers.go:187"{extra}}}"#
        )
    }

    fn store() -> LogStore {
        let mut store = LogStore::new(100);
        store.push_line(
            line(
                "debug",
                "Received HTTP request",
                r#","user_id":"u1","request_id":"r1""#,
            )
            .as_bytes(),
            0,
        );
        store.push_line(
            line(
                "error",
                "Failed to send invite email",
                r#","user_id":"u2","request_id":"r2""#,
            )
            .as_bytes(),
            0,
        );
        store.push_line(
            line(
                "warn",
                "Health check failed for plugin",
                r#","plugin_id":"antivirus""#,
            )
            .as_bytes(),
            0,
        );
        store.push_line(br#"debug [2021-10-29 15:55:54.870 -04:00] Received HTTP request      caller="web/handlers.go:157" user_id=u1 method=GET"#, 0);
        store
    }

    fn matching(store: &LogStore, filter: &Filter) -> Vec<u64> {
        let mut index = Index::new(0);
        index.advance(
            store,
            usize::MAX,
            |e| filter.matches(e, "node-1"),
            || |e: &Entry| filter.matches(e, "node-1"),
        );
        (0..index.len()).filter_map(|i| index.get(i)).collect()
    }

    #[test]
    fn query_splits_fields_from_the_regex() {
        let q = Query::parse("user_id=u1  timeout|refused  caller~web/ x=");
        assert_eq!(q.pattern, "timeout|refused   x=");
        assert_eq!(q.fields.len(), 2);
        assert_eq!(
            q.fields[1],
            FieldFilter {
                key: "caller".into(),
                op: FieldOp::Contains,
                value: "web/".into()
            }
        );
        assert_eq!(Query::parse("plain words").fields, vec![]);
        assert_eq!(Query::parse("a=b").to_text(), "a=b");
    }

    #[test]
    fn threshold_levels_and_picker() {
        let store = store();
        let mut filter = Filter::default();
        assert_eq!(matching(&store, &filter), vec![0, 1, 2, 3]);
        filter.threshold = Level::Warn;
        assert_eq!(matching(&store, &filter), vec![1, 2]);
        let mut set = [false; 7];
        set[Level::Debug as usize] = true;
        filter.levels = Some(set);
        assert_eq!(matching(&store, &filter), vec![0, 3]);
    }

    #[test]
    fn regex_case_and_invert() {
        let store = store();
        let mut filter = Filter::default();
        filter.set_query(Query::parse("received")).unwrap();
        assert_eq!(matching(&store, &filter), vec![0, 3]);
        filter.case_insensitive = false;
        filter.set_query(Query::parse("received")).unwrap();
        assert!(matching(&store, &filter).is_empty());
        filter.set_query(Query::parse("Received")).unwrap();
        filter.invert = true;
        assert_eq!(matching(&store, &filter), vec![1, 2]);
        assert!(filter.set_query(Query::parse("(unclosed")).is_err());
    }

    #[test]
    fn field_filters_in_json_and_text() {
        let store = store();
        let mut filter = Filter::default();
        filter.set_query(Query::parse("user_id=u1")).unwrap();
        assert_eq!(matching(&store, &filter), vec![0, 3]);
        filter
            .set_query(Query::parse("plugin_id=antivirus"))
            .unwrap();
        assert_eq!(matching(&store, &filter), vec![2]);
        filter
            .set_query(Query::parse("caller~handlers.go:157"))
            .unwrap();
        assert_eq!(matching(&store, &filter), vec![3]);
        filter
            .set_query(Query::parse("request_id=r2 invite"))
            .unwrap();
        assert_eq!(matching(&store, &filter), vec![1]);
        filter
            .set_query(Query::parse("node=node-1 level=warn"))
            .unwrap();
        assert_eq!(matching(&store, &filter), vec![2]);
    }

    #[test]
    fn index_grows_evicts_and_rebuilds_in_slices() {
        let mut store = LogStore::new(5);
        let filter = Filter::default();
        let mut index = Index::new(0);
        for i in 0..3 {
            store.push_line(format!("line {i}").as_bytes(), 0);
        }
        let pred = |e: &Entry| filter.matches(e, "");
        assert!(!index.advance(&store, 2, pred, || pred));
        assert!(index.advance(&store, 2, pred, || pred));
        assert_eq!(index.len(), 3);
        for i in 3..9 {
            store.push_line(format!("line {i}").as_bytes(), 0);
        }
        index.advance(
            &store,
            100,
            |e| filter.matches(e, ""),
            || |e: &Entry| filter.matches(e, ""),
        );
        assert_eq!(index.len(), 5);
        assert_eq!(index.get(0), Some(4));
        assert_eq!(index.position_at_or_after(6), 2);
    }

    #[test]
    fn continuation_can_change_a_match() {
        let mut store = LogStore::new(10);
        let mut filter = Filter::default();
        filter.set_query(Query::parse("Access denied")).unwrap();
        let mut index = Index::new(0);
        store.push_line(b"[2017/09/20 17:11:37 EDT] [EROR] Failed to ping DB", 0);
        index.advance(
            &store,
            10,
            |e| filter.matches(e, ""),
            || |e: &Entry| filter.matches(e, ""),
        );
        assert!(index.is_empty());
        store.push_line(b"err-Error 1044: Access denied", 0);
        index.recheck(&store, 0, |e| filter.matches(e, ""));
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn a_large_range_split_over_threads_matches_a_plain_scan() {
        let mut store = LogStore::new(50_000);
        for i in 0..30_000 {
            let level = ["info", "error", "debug"][i % 3];
            store.push_line(
                format!(
                    r#"{{"timestamp":"2026-11-22 09:00:00.000 Z","level":"{level}","msg":"n{i}"}}"#
                )
                .as_bytes(),
                0,
            );
        }
        let mut filter = Filter::default();
        filter.set_query(Query::parse("n1|n7")).unwrap();
        filter.threshold = Level::Info;
        let expected: Vec<u64> = (store.first_seq()..store.end_seq())
            .filter(|seq| store.get(*seq).is_some_and(|e| filter.matches(&e, "")))
            .collect();
        let mut index = Index::new(store.first_seq());
        // Uneven slices, as the tab uses them.
        while !index.advance(
            &store,
            9_001,
            |e| filter.matches(e, ""),
            || {
                let filter = filter.clone();
                move |e: &Entry| filter.matches(e, "")
            },
        ) {}
        let got: Vec<u64> = (0..index.len()).filter_map(|i| index.get(i)).collect();
        assert_eq!(got, expected);
        assert!(got.len() > 1000);
    }

    #[test]
    fn hostile_patterns_are_refused() {
        assert!(compile("(a{1000}){1000}", true).is_err());
    }
}
