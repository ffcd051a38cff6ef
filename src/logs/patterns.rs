//! Log entries grouped by what they say: one pattern per level and message template (the
//! variable parts masked by [`template`]), with its count, first and last time, the sources it
//! came from, when it occurred, and the top values of the fields that vary inside it. The Logs
//! tab's patterns view and `mmops logs --patterns` both fill one [`Patterns`].
//!
//! Most lines repeat a message exactly ("Received HTTP request"), so a message seen before finds
//! its pattern by its bytes, without being masked again.

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::RandomState;

use serde::Serialize;

use super::parse::{Level, Parsed};
use super::pattern::template;
use super::scan::{self, Kind};

/// The fields whose values are summarised in a pattern's detail.
pub const SUMMARISED_FIELDS: [&str; 8] = [
    "user_id",
    "status_code",
    "url",
    "plugin_id",
    "method",
    "path",
    "team_id",
    "job_type",
];
/// Distinct values kept per field of a pattern; the rest are counted together.
const MAX_VALUES: usize = 24;
/// A value longer than this is cut (a URL with a long query).
const MAX_VALUE_LEN: usize = 120;
/// Sources named per pattern; more are counted.
const MAX_SOURCES: usize = 8;
/// Messages remembered by their bytes; past it the memory starts over (the patterns stay).
const MAX_REMEMBERED: usize = 200_000;
/// Messages seen more than once are also kept in one of 2^[`RECENT_BITS`] slots found without
/// hashing the whole message (see [`recent_slot`]).
const RECENT_BITS: u32 = 8;
/// A pattern's first entries all have their fields summarised; after them, one in
/// [`FIELD_STRIDE`]: the top values of a busy pattern come from a sample, which keeps counting
/// cheap enough to follow a live log.
const FIELDS_IN_FULL: u64 = 128;
const FIELD_STRIDE: u64 = 64;
/// The buckets of a pattern's timeline.
pub const SPARK_BUCKETS: usize = 32;

/// When a pattern occurred: counts over time in [`SPARK_BUCKETS`] buckets whose width doubles
/// as the pattern's span grows, so the memory stays fixed however long the log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spark {
    start_ms: i64,
    width_ms: i64,
    counts: [u32; SPARK_BUCKETS],
}

impl Spark {
    fn add(&mut self, ts_ms: i64) {
        self.add_n(ts_ms, 1);
    }

    /// Another's counts, each bucket's at its middle.
    fn merge(&mut self, other: &Spark) {
        if other.width_ms == 0 {
            return;
        }
        for (i, count) in other.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            self.add_n(
                other.start_ms + other.width_ms * i as i64 + other.width_ms / 2,
                *count,
            );
        }
    }

    fn add_n(&mut self, ts_ms: i64, n: u32) {
        if self.width_ms == 0 {
            // The first time: buckets of 1,024 ms (a power of two, so that finding the
            // bucket is a shift) starting at it.
            self.start_ms = ts_ms;
            self.width_ms = 1024;
        }
        while ts_ms < self.start_ms {
            // Earlier than the start: the window grows to the left.
            self.widen();
            self.start_ms -= self.width_ms * (SPARK_BUCKETS as i64 / 2);
            self.counts.rotate_right(SPARK_BUCKETS / 2);
        }
        while ts_ms >= self.start_ms + self.width_ms * SPARK_BUCKETS as i64 {
            self.widen();
        }
        let shift = self.width_ms.trailing_zeros();
        let i = (((ts_ms - self.start_ms) >> shift) as usize).min(SPARK_BUCKETS - 1);
        self.counts[i] = self.counts[i].saturating_add(n);
    }

    /// Twice as wide: neighbours merged into the first half.
    fn widen(&mut self) {
        for i in 0..SPARK_BUCKETS / 2 {
            self.counts[i] = self.counts[2 * i].saturating_add(self.counts[2 * i + 1]);
        }
        self.counts[SPARK_BUCKETS / 2..].fill(0);
        self.width_ms = self.width_ms.saturating_mul(2);
    }

    /// The counts over `[from_ms, to_ms)` in `cells` cells: each bucket's count goes to the
    /// cell its middle falls in.
    pub fn cells(&self, from_ms: i64, to_ms: i64, cells: usize) -> Vec<u32> {
        let mut out = vec![0u32; cells];
        let span = (to_ms - from_ms).max(1);
        if cells == 0 || self.width_ms == 0 {
            return out;
        }
        for (i, count) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let middle = self.start_ms + self.width_ms * i as i64 + self.width_ms / 2;
            let cell = ((middle - from_ms).clamp(0, span - 1) as i128 * cells as i128
                / span as i128) as usize;
            out[cell.min(cells - 1)] += count;
        }
        out
    }
}

/// The values one field took inside a pattern, most frequent first when read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldValues {
    pub name: &'static str,
    values: HashMap<String, u64, RandomState>,
    /// Occurrences of values not kept (past [`MAX_VALUES`] distinct ones).
    pub others: u64,
}

impl FieldValues {
    fn add(&mut self, value: &str) {
        self.add_n(value, 1);
    }

    fn add_n(&mut self, value: &str, n: u64) {
        if let Some(count) = self.values.get_mut(value) {
            *count += n;
        } else if self.values.len() < MAX_VALUES {
            self.values.insert(value.to_string(), n);
        } else {
            self.others += n;
        }
    }

    fn merge(&mut self, other: &FieldValues) {
        for (value, count) in &other.values {
            self.add_n(value, *count);
        }
        self.others += other.others;
    }

    /// The `n` most frequent values.
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut values: Vec<(&str, u64)> =
            self.values.iter().map(|(v, c)| (v.as_str(), *c)).collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        values.truncate(n);
        values
    }

    pub fn distinct(&self) -> usize {
        self.values.len()
    }
}

/// What is counted of one entry, from a parsed line or from the Logs tab's store.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub level: Level,
    pub ts_ms: Option<i64>,
    /// The message as in the line, escapes undecoded.
    pub msg: &'a [u8],
    pub msg_escaped: bool,
    /// The JSON object, for the fields (none for a text line).
    pub json: Option<&'a [u8]>,
}

impl<'a> Counted<'a> {
    pub fn of_line(line: &'a [u8], parsed: &Parsed) -> Self {
        let (start, end) = parsed.msg;
        Self {
            level: parsed.level,
            ts_ms: parsed.ts_ms,
            msg: line.get(start as usize..end as usize).unwrap_or_default(),
            msg_escaped: parsed.msg_escaped,
            json: (parsed.shape == super::parse::Shape::Json)
                .then(|| line.get(parsed.json_at as usize..))
                .flatten(),
        }
    }

    pub fn of_entry(entry: &super::store::Entry<'a>) -> Self {
        let (msg, msg_escaped) = entry.message_raw();
        Self {
            level: entry.level,
            ts_ms: entry.ts_ms,
            // A text line without a recognised message counts by its first line.
            msg: if msg.is_empty() && !entry.is_json {
                entry.first_line()
            } else {
                msg
            },
            msg_escaped,
            json: entry.json(),
        }
    }
}

/// Entries that say the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub template: String,
    pub level: Level,
    pub count: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// The files or nodes it came from, the first [`MAX_SOURCES`].
    pub sources: Vec<String>,
    pub more_sources: bool,
    /// The sources already seen, by their [`Patterns::source_id`] (the first 64 sources), so
    /// that a line from a known source costs a bit test instead of comparing names.
    source_bits: u64,
    pub spark: Spark,
    /// The summarised fields that occurred in it.
    pub fields: Vec<FieldValues>,
    /// The entries whose fields were summarised (all of them, or a sample of a busy pattern).
    pub fields_sampled: u64,
    /// Which entry first showed it ([`Patterns::added`] at the time): newer than a mark is new
    /// since the mark.
    pub first_seen: u64,
}

impl Pattern {
    fn new(template: String, level: Level, first_seen: u64) -> Self {
        Self {
            template,
            level,
            count: 0,
            first_ms: None,
            last_ms: None,
            sources: Vec::new(),
            more_sources: false,
            source_bits: 0,
            spark: Spark::default(),
            fields: Vec::new(),
            fields_sampled: 0,
            first_seen,
        }
    }

    /// Counts one entry from source number `source_id` named `source`; `scratch` is a buffer
    /// reused from entry to entry.
    fn record(
        &mut self,
        entry: &Counted<'_>,
        (source_id, source): (usize, &str),
        scratch: &mut String,
    ) {
        self.count += 1;
        if let Some(ts) = entry.ts_ms {
            self.first_ms = Some(self.first_ms.map_or(ts, |f| f.min(ts)));
            self.last_ms = Some(self.last_ms.map_or(ts, |l| l.max(ts)));
            self.spark.add(ts);
        }
        self.note_source(source_id, source);
        if self.count > FIELDS_IN_FULL && !self.count.is_multiple_of(FIELD_STRIDE) {
            return;
        }
        self.fields_sampled += 1;
        // The summarised fields are never the time, level, message or caller the parser took.
        for member in entry.json.map(scan::members).into_iter().flatten() {
            let Some(name) = SUMMARISED_FIELDS
                .iter()
                .find(|name| name.as_bytes() == member.key)
            else {
                continue;
            };
            let value = match member.kind {
                Kind::String => scan::text(member.value, member.escaped),
                _ => String::from_utf8_lossy(member.value),
            };
            // The calls of one route count together, whatever ids they name.
            let value: &str = if matches!(*name, "url" | "path") {
                super::pattern::mask_path_ids_into(&value, scratch);
                scratch
            } else {
                &value
            };
            let clean = value.len() <= MAX_VALUE_LEN && !value.chars().any(char::is_control);
            let cut;
            let value = if clean {
                value
            } else {
                cut = crate::text::one_line(value, MAX_VALUE_LEN);
                &cut
            };
            match self.fields.iter_mut().find(|f| f.name == *name) {
                Some(field) => field.add(value),
                None => {
                    let mut field = FieldValues {
                        name,
                        ..FieldValues::default()
                    };
                    field.add(value);
                    self.fields.push(field);
                }
            }
        }
    }
}

impl Pattern {
    fn note_source(&mut self, id: usize, name: &str) {
        let bit = (id < 64).then(|| 1u64 << id);
        match bit {
            Some(bit) if self.source_bits & bit != 0 => return,
            Some(bit) => self.source_bits |= bit,
            None if self.sources.iter().any(|s| s == name) => return,
            None => {}
        }
        if self.sources.len() < MAX_SOURCES {
            self.sources.push(name.to_string());
        } else {
            self.more_sources = true;
        }
    }

    fn merge(&mut self, other: &Pattern) {
        self.count += other.count;
        self.first_ms = match (self.first_ms, other.first_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_ms = self.last_ms.max(other.last_ms);
        for source in &other.sources {
            if !self.sources.contains(source) {
                if self.sources.len() < MAX_SOURCES {
                    self.sources.push(source.clone());
                } else {
                    self.more_sources = true;
                }
            }
        }
        self.more_sources |= other.more_sources;
        self.fields_sampled += other.fields_sampled;
        self.spark.merge(&other.spark);
        for field in &other.fields {
            match self.fields.iter_mut().find(|f| f.name == field.name) {
                Some(mine) => mine.merge(field),
                None => self.fields.push(field.clone()),
            }
        }
        self.first_seen = self.first_seen.min(other.first_seen);
    }
}

/// How the patterns are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Count,
    LastSeen,
    /// The worst level first, then by count.
    Level,
}

impl Order {
    pub fn next(self) -> Self {
        match self {
            Order::Count => Order::LastSeen,
            Order::LastSeen => Order::Level,
            Order::Level => Order::Count,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Order::Count => "by count",
            Order::LastSeen => "by last seen",
            Order::Level => "by level, then count",
        }
    }
}

/// A message that repeats, with its level and its pattern.
#[derive(Debug, Clone)]
struct Recent {
    level: Level,
    msg: Arc<[u8]>,
    index: usize,
}

/// Every pattern of the entries added.
#[derive(Debug, Clone)]
pub struct Patterns {
    list: Vec<Pattern>,
    by_template: HashMap<(Level, String), usize, RandomState>,
    /// Per level (its index in [`Level::ALL`]), messages seen by their bytes.
    by_message: Vec<HashMap<Arc<[u8]>, usize, RandomState>>,
    /// Messages found in `by_message`, each in its [`recent_slot`]: the common case, a message
    /// repeated exactly, costs one comparison of its bytes instead of a hash of them.
    recent: Vec<Option<Recent>>,
    remembered: usize,
    /// The sources' names, numbered in the order they were first seen.
    source_names: Vec<String>,
    /// The number of the source of the entry counted last (most entries come from the same one).
    last_source: usize,
    added: u64,
    /// A buffer for the values of one entry's fields, reused.
    scratch: String,
}

impl Default for Patterns {
    fn default() -> Self {
        Self::new()
    }
}

/// The slot of [`Patterns::recent`] for a message: from its level, its length and its first and
/// last eight bytes, so that finding it reads no more of it than the comparison that confirms it.
fn recent_slot(level: Level, msg: &[u8]) -> usize {
    let (head, tail) = match (msg.first_chunk::<8>(), msg.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
        _ => (msg.iter().fold(0, |w, b| w << 8 | u64::from(*b)), 0),
    };
    let shape = (((msg.len() as u64) << 3) | level as u64) << 40;
    let key = head ^ tail.rotate_left(29) ^ shape;
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - RECENT_BITS)) as usize
}

impl Patterns {
    pub fn new() -> Self {
        Self {
            list: Vec::new(),
            by_template: HashMap::default(),
            by_message: vec![HashMap::default(); Level::ALL.len()],
            recent: vec![None; 1 << RECENT_BITS],
            remembered: 0,
            source_names: Vec::new(),
            last_source: 0,
            added: 0,
            scratch: String::new(),
        }
    }

    /// Counts one entry (its first line, parsed) from `source`.
    pub fn add(&mut self, line: &[u8], parsed: &Parsed, source: &str) {
        self.add_counted(&Counted::of_line(line, parsed), source);
    }

    /// Counts one entry from `source`.
    pub fn add_counted(&mut self, entry: &Counted<'_>, source: &str) {
        let slot = recent_slot(entry.level, entry.msg);
        let index = match &self.recent[slot] {
            Some(recent) if recent.level == entry.level && *recent.msg == *entry.msg => {
                recent.index
            }
            _ => self.look_up(entry, slot),
        };
        let source_id = self.source_id(source);
        self.list[index].record(entry, (source_id, source), &mut self.scratch);
        self.added += 1;
    }

    /// The number of the source named `name`, numbered when first seen.
    fn source_id(&mut self, name: &str) -> usize {
        if self
            .source_names
            .get(self.last_source)
            .is_some_and(|s| s == name)
        {
            return self.last_source;
        }
        self.last_source = match self.source_names.iter().position(|s| s == name) {
            Some(id) => id,
            None => {
                self.source_names.push(name.to_string());
                self.source_names.len() - 1
            }
        };
        self.last_source
    }

    /// Sets the pattern's source bits from its names, numbered as this [`Patterns`] numbers
    /// them (after a merge brought names numbered by another).
    fn renumber_sources(&mut self, index: usize) {
        let names = std::mem::take(&mut self.list[index].sources);
        let bits = names
            .iter()
            .map(|name| self.source_id(name))
            .filter(|id| *id < 64)
            .fold(0u64, |bits, id| bits | 1 << id);
        let pattern = &mut self.list[index];
        pattern.sources = names;
        pattern.source_bits = bits;
    }

    /// The pattern of a message not in its recent slot: by its bytes if seen before (then it
    /// takes the slot), else by its template.
    fn look_up(&mut self, entry: &Counted<'_>, slot: usize) -> usize {
        let raw = entry.msg;
        let level = entry.level as usize;
        if let Some((msg, index)) = self.by_message[level].get_key_value(raw) {
            self.recent[slot] = Some(Recent {
                level: entry.level,
                msg: Arc::clone(msg),
                index: *index,
            });
            return *index;
        }
        let index = self.index_of(raw, entry);
        if self.remembered >= MAX_REMEMBERED {
            self.by_message.iter_mut().for_each(HashMap::clear);
            self.remembered = 0;
        }
        self.by_message[level].insert(Arc::from(raw), index);
        self.remembered += 1;
        index
    }

    fn index_of(&mut self, raw: &[u8], entry: &Counted<'_>) -> usize {
        let message = scan::text(raw, entry.msg_escaped);
        let key = (entry.level, template(message.trim()));
        match self.by_template.get(&key) {
            Some(index) => *index,
            None => {
                let index = self.list.len();
                self.list
                    .push(Pattern::new(key.1.clone(), key.0, self.added));
                self.by_template.insert(key, index);
                index
            }
        }
    }

    /// Another's patterns counted in (what two threads counted over two halves of a file).
    pub fn merge(&mut self, other: Patterns) {
        for pattern in other.list {
            let key = (pattern.level, pattern.template.clone());
            let index = match self.by_template.get(&key) {
                Some(index) => {
                    self.list[*index].merge(&pattern);
                    *index
                }
                None => {
                    self.by_template.insert(key, self.list.len());
                    self.list.push(pattern);
                    self.list.len() - 1
                }
            };
            self.renumber_sources(index);
        }
        self.added += other.added;
    }

    /// Entries counted so far.
    pub fn added(&self) -> u64 {
        self.added
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&Pattern> {
        self.list.get(index)
    }

    /// The patterns' indexes in `order`.
    pub fn sorted(&self, order: Order) -> Vec<usize> {
        let mut indexes: Vec<usize> = (0..self.list.len()).collect();
        let p = &self.list;
        match order {
            Order::Count => indexes.sort_by(|a, b| {
                p[*b]
                    .count
                    .cmp(&p[*a].count)
                    .then_with(|| p[*a].template.cmp(&p[*b].template))
            }),
            Order::LastSeen => indexes.sort_by(|a, b| {
                p[*b]
                    .last_ms
                    .cmp(&p[*a].last_ms)
                    .then_with(|| p[*b].count.cmp(&p[*a].count))
            }),
            Order::Level => indexes.sort_by(|a, b| {
                p[*b]
                    .level
                    .rank()
                    .cmp(&p[*a].level.rank())
                    .then_with(|| p[*b].count.cmp(&p[*a].count))
                    .then_with(|| p[*a].template.cmp(&p[*b].template))
            }),
        }
        indexes
    }

    /// The span of time the patterns cover.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self.list.iter().filter_map(|p| p.first_ms).min()?;
        let last = self.list.iter().filter_map(|p| p.last_ms).max()?;
        Some((first, last))
    }

    /// `mmops.log-patterns/1`: the `top` patterns in `order`.
    pub fn to_json(&self, order: Order, top: usize) -> serde_json::Value {
        #[derive(Serialize)]
        struct Field<'a> {
            value: &'a str,
            count: u64,
        }
        let patterns: Vec<serde_json::Value> = self
            .sorted(order)
            .into_iter()
            .take(top)
            .map(|i| {
                let p = &self.list[i];
                let fields: serde_json::Map<String, serde_json::Value> = p
                    .fields
                    .iter()
                    .map(|f| {
                        let top: Vec<Field> = f
                            .top(5)
                            .into_iter()
                            .map(|(value, count)| Field { value, count })
                            .collect();
                        (
                            f.name.to_string(),
                            serde_json::json!({"distinct": f.distinct(), "others": f.others, "top": top}),
                        )
                    })
                    .collect();
                serde_json::json!({
                    "template": p.template,
                    "level": p.level.label().to_ascii_lowercase(),
                    "count": p.count,
                    "first": p.first_ms.map(crate::timefmt::rfc3339_ms),
                    "last": p.last_ms.map(crate::timefmt::rfc3339_ms),
                    "sources": p.sources,
                    "fields_sampled": p.fields_sampled,
                    "fields": fields,
                })
            })
            .collect();
        serde_json::json!({
            "schema": "mmops.log-patterns/1",
            "entries": self.added,
            "patterns_total": self.list.len(),
            "order": order.label(),
            "patterns": patterns,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_line;

    fn add(patterns: &mut Patterns, line: &str, source: &str) {
        let parsed = parse_line(line.as_bytes(), false);
        patterns.add(line.as_bytes(), &parsed, source);
    }

    fn line(ts: &str, level: &str, msg: &str, fields: &str) -> String {
        format!(
            r#"{{"timestamp":"{ts}","level":"{level}","msg":"{msg}","caller":"x.go:1"{fields}}}"#
        )
    }

    #[test]
    fn messages_that_differ_in_their_variable_parts_are_one_pattern() {
        let mut p = Patterns::new();
        for (i, user) in ["a", "b", "a"].iter().enumerate() {
            add(
                &mut p,
                &line(
                    &format!("2026-11-22 09:3{i}:00.000 Z"),
                    "error",
                    &format!("Failed to reach 10.0.0.{i}:5432 after {i}00ms"),
                    &format!(r#","user_id":"{user}","status_code":500"#),
                ),
                if i == 2 { "mm-app-2" } else { "mm-app-1" },
            );
        }
        add(
            &mut p,
            &line(
                "2026-11-22 09:40:00.000 Z",
                "info",
                "Server is starting",
                "",
            ),
            "mm-app-1",
        );
        add(
            &mut p,
            &line(
                "2026-11-22 09:41:00.000 Z",
                "error",
                "Failed to reach 10.0.0.9:5432 after 9ms",
                "",
            ),
            "mm-app-1",
        );
        assert_eq!(p.len(), 2);
        assert_eq!(p.added(), 5);
        let first = p.get(p.sorted(Order::Count)[0]).unwrap();
        assert_eq!(first.template, "Failed to reach <ip>:# after #ms");
        assert_eq!(first.count, 4);
        assert_eq!(first.level, Level::Error);
        assert_eq!(first.sources, ["mm-app-1", "mm-app-2"]);
        let users = first.fields.iter().find(|f| f.name == "user_id").unwrap();
        assert_eq!(users.top(5), [("a", 2), ("b", 1)]);
        let codes = first
            .fields
            .iter()
            .find(|f| f.name == "status_code")
            .unwrap();
        assert_eq!(codes.top(1), [("500", 3)]);
        assert_eq!(p.get(p.sorted(Order::LastSeen)[0]).unwrap().count, 4);
        // The same text at another level is another pattern.
        add(
            &mut p,
            &line(
                "2026-11-22 09:42:00.000 Z",
                "warn",
                "Server is starting",
                "",
            ),
            "mm-app-1",
        );
        assert_eq!(p.len(), 3);
        assert_eq!(
            p.get(p.sorted(Order::Level)[0]).unwrap().level,
            Level::Error
        );
        assert_eq!(p.get(p.sorted(Order::Level)[1]).unwrap().level, Level::Warn);
    }

    #[test]
    fn first_seen_tells_what_is_new_since_a_mark() {
        let mut p = Patterns::new();
        add(
            &mut p,
            &line("2026-11-22 09:30:00.000 Z", "info", "old", ""),
            "f",
        );
        let mark = p.added();
        add(
            &mut p,
            &line("2026-11-22 09:31:00.000 Z", "info", "old", ""),
            "f",
        );
        add(
            &mut p,
            &line("2026-11-22 09:32:00.000 Z", "error", "new", ""),
            "f",
        );
        let new: Vec<&str> = (0..p.len())
            .filter_map(|i| p.get(i))
            .filter(|pat| pat.first_seen >= mark)
            .map(|pat| pat.template.as_str())
            .collect();
        assert_eq!(new, ["new"]);
    }

    #[test]
    fn the_spark_keeps_its_size_and_its_counts() {
        let mut spark = Spark::default();
        let base = 1_000_000_000_000;
        for i in 0..10_000i64 {
            spark.add(base + i * 7_000);
        }
        spark.add(base - 3_600_000);
        let cells = spark.cells(base - 3_600_000, base + 70_000_000, 10);
        assert_eq!(cells.iter().map(|c| u64::from(*c)).sum::<u64>(), 10_001);
        assert_eq!(cells.len(), 10);
        assert!(spark.cells(0, 1, 0).is_empty());
    }

    #[test]
    fn two_halves_merged_are_the_whole() {
        // Fewer entries per pattern than are summarised in full: the halves' fields add up.
        let lines: Vec<String> = (0..100)
            .map(|i| {
                line(
                    &format!("2026-11-22 09:{:02}:{:02}.000 Z", i / 60, i % 60),
                    if i % 7 == 0 { "error" } else { "info" },
                    &format!("job {} done in {i}ms", i % 5),
                    &format!(r#","user_id":"u{}""#, i % 4),
                )
            })
            .collect();
        let mut whole = Patterns::new();
        let (mut first, mut second) = (Patterns::new(), Patterns::new());
        for (i, l) in lines.iter().enumerate() {
            add(&mut whole, l, "f");
            add(if i < 60 { &mut first } else { &mut second }, l, "f");
        }
        first.merge(second);
        assert_eq!(first.added(), whole.added());
        assert_eq!(first.len(), whole.len());
        for i in 0..whole.len() {
            let w = whole.get(i).unwrap();
            let m = (0..first.len())
                .filter_map(|j| first.get(j))
                .find(|p| p.template == w.template && p.level == w.level)
                .unwrap();
            assert_eq!(
                (m.count, m.first_ms, m.last_ms),
                (w.count, w.first_ms, w.last_ms)
            );
            assert_eq!(m.fields[0].top(4), w.fields[0].top(4));
        }
    }

    #[test]
    fn the_recent_slots_count_as_the_templates_do() {
        // Messages short and long, repeated and not, at two levels, more of them than slots:
        // every count is what grouping by level and template gives.
        let messages: Vec<String> = (0..600)
            .map(|i| match i % 6 {
                0 => format!("m{}", i % 5),
                1 => format!("job {} done", i % 40),
                2 => format!("user {i} joined"),
                3 => format!("Received HTTP request {}", i % 300),
                4 => "Websocket connection closed".to_string(),
                _ => format!("{}x", "y".repeat(i % 30)),
            })
            .collect();
        let mut p = Patterns::new();
        let mut reference: HashMap<(Level, String), u64> = HashMap::new();
        for round in 0..3 {
            for (i, msg) in messages.iter().enumerate() {
                let level = if (i + round) % 3 == 0 {
                    "error"
                } else {
                    "info"
                };
                let l = line("2026-11-22 09:30:00.000 Z", level, msg, "");
                add(&mut p, &l, "f");
                let level = parse_line(l.as_bytes(), false).level;
                *reference.entry((level, template(msg))).or_default() += 1;
            }
        }
        assert_eq!(p.len(), reference.len());
        for i in 0..p.len() {
            let pattern = p.get(i).unwrap();
            assert_eq!(
                Some(&pattern.count),
                reference.get(&(pattern.level, pattern.template.clone())),
                "{}",
                pattern.template
            );
        }
        assert_eq!(p.added(), 1800);
    }

    #[test]
    fn each_source_is_named_once_and_past_the_limit_counted_as_more() {
        let l = line("2026-11-22 09:30:00.000 Z", "info", "hello", "");
        let mut first = Patterns::new();
        let mut second = Patterns::new();
        // Seventy sources (past the 64 told apart by a bit), each twice, then the halves merged
        // and every source seen again: no name twice, the first ones kept, the rest "more".
        for round in 0..2 {
            for i in 0..70 {
                add(&mut first, &l, &format!("node-{i}"));
                add(&mut second, &l, &format!("node-{}", 69 - i));
            }
            assert_eq!(
                first.get(0).unwrap().sources.len(),
                MAX_SOURCES,
                "round {round}"
            );
        }
        first.merge(second);
        for i in 0..70 {
            add(&mut first, &l, &format!("node-{i}"));
        }
        let pattern = first.get(0).unwrap();
        let expected: Vec<String> = (0..MAX_SOURCES).map(|i| format!("node-{i}")).collect();
        assert_eq!(pattern.sources, expected);
        assert!(pattern.more_sources);
        assert_eq!(pattern.count, 350);

        // Few sources: after a merge, a source both halves saw is still named once.
        let (mut a, mut b) = (Patterns::new(), Patterns::new());
        add(&mut a, &l, "mm-app-1");
        add(&mut b, &l, "mm-app-2");
        add(&mut b, &l, "mm-app-1");
        a.merge(b);
        add(&mut a, &l, "mm-app-2");
        add(&mut a, &l, "mm-app-1");
        assert_eq!(a.get(0).unwrap().sources, ["mm-app-1", "mm-app-2"]);
    }

    #[test]
    fn values_past_the_limit_are_counted_together() {
        let mut field = FieldValues {
            name: "user_id",
            ..FieldValues::default()
        };
        for i in 0..(MAX_VALUES + 5) {
            field.add(&format!("u{i}"));
        }
        field.add("u0");
        assert_eq!(field.distinct(), MAX_VALUES);
        assert_eq!(field.others, 5);
        assert_eq!(field.top(1), [("u0", 2)]);
    }
}
