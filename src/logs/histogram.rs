//! Entries over time: how many in each bucket, errors and warnings apart. Buckets are aligned
//! on UTC multiples of their width from the epoch, so a day's bucket starts at midnight UTC
//! and an offset in a line's `timestamp` (a DST change included) cannot move an entry to the
//! wrong bucket: every time is an instant before it is counted.

use std::collections::BTreeMap;

use super::parse::Level;

/// The widths a bucket can have when none is asked for, narrowest first.
pub const WIDTHS_MS: [i64; 14] = [
    1_000,
    5_000,
    10_000,
    30_000,
    60_000,
    300_000,
    600_000,
    1_800_000,
    3_600_000,
    3 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    86_400_000,
    7 * 86_400_000,
];

/// One bucket's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub entries: u64,
    /// Errors and worse.
    pub errors: u64,
    pub warnings: u64,
}

impl Counts {
    fn add(&mut self, level: Level, n: u64) {
        self.entries += n;
        match level.rank() {
            Level::Error | Level::Fatal => self.errors += n,
            Level::Warn => self.warnings += n,
            _ => {}
        }
    }

    fn merge(&mut self, other: Counts) {
        self.entries += other.entries;
        self.errors += other.errors;
        self.warnings += other.warnings;
    }
}

/// Counts per second as entries come (or per `width` when one was given), bucketed at the end.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    width_ms: Option<i64>,
    counts: BTreeMap<i64, Counts>,
    /// Entries without a time: counted, but in no bucket.
    pub untimed: u64,
}

impl Histogram {
    /// With `width_ms`, buckets of that width; without, the width is chosen at the end.
    pub fn new(width_ms: Option<i64>) -> Self {
        Self {
            width_ms: width_ms.filter(|w| *w > 0),
            ..Self::default()
        }
    }

    pub fn add(&mut self, ts_ms: Option<i64>, level: Level) {
        let Some(ts) = ts_ms else {
            self.untimed += 1;
            return;
        };
        let width = self.width_ms.unwrap_or(1_000);
        self.counts
            .entry(ts.div_euclid(width) * width)
            .or_default()
            .add(level, 1);
    }

    /// An empty histogram with this one's width, to count in parallel and merge.
    pub fn empty_like(&self) -> Self {
        Self::new(self.width_ms)
    }

    /// Another's counts (at the same width) counted in.
    pub fn merge(&mut self, other: Histogram) {
        for (start, counts) in other.counts {
            self.counts.entry(start).or_default().merge(counts);
        }
        self.untimed += other.untimed;
    }

    /// The first and last entry's times (to the second).
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((
            *self.counts.keys().next()?,
            *self.counts.keys().next_back()?,
        ))
    }

    /// The buckets, empty ones included, at the width asked for, or the narrowest that gives
    /// at most `max_buckets`.
    pub fn buckets(&self, max_buckets: usize) -> (i64, Vec<(i64, Counts)>) {
        let Some((first, last)) = self.span() else {
            return (self.width_ms.unwrap_or(60_000), Vec::new());
        };
        let width = self.width_ms.unwrap_or_else(|| {
            let span = last - first + 1_000;
            WIDTHS_MS
                .iter()
                .copied()
                .find(|w| span.div_euclid(*w) < max_buckets.max(1) as i64)
                .unwrap_or(WIDTHS_MS[WIDTHS_MS.len() - 1])
        });
        let start = first.div_euclid(width) * width;
        let end = last.div_euclid(width) * width;
        let slots = ((end - start) / width + 1) as usize;
        let mut out: Vec<(i64, Counts)> = (0..slots)
            .map(|i| (start + i as i64 * width, Counts::default()))
            .collect();
        for (ts, counts) in &self.counts {
            let i = ((ts.div_euclid(width) * width - start) / width) as usize;
            if let Some((_, slot)) = out.get_mut(i) {
                slot.merge(*counts);
            }
        }
        (width, out)
    }
}

/// `90s`, `5m`, `1h`... for a bucket width.
pub fn width_label(width_ms: i64) -> String {
    match width_ms {
        w if w % 86_400_000 == 0 => format!("{}d", w / 86_400_000),
        w if w % 3_600_000 == 0 => format!("{}h", w / 3_600_000),
        w if w % 60_000 == 0 => format!("{}m", w / 60_000),
        w => format!("{}s", w / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_timestamp;

    fn ms(text: &str) -> i64 {
        parse_timestamp(text.as_bytes()).unwrap()
    }

    #[test]
    fn buckets_at_midnight_and_across_a_dst_change() {
        let mut h = Histogram::new(Some(3_600_000));
        h.add(Some(ms("2026-03-28T23:59:59.999Z")), Level::Info);
        h.add(Some(ms("2026-03-29T00:00:00.000Z")), Level::Error);
        // A time written with its zone counts at its instant: 01:30+02:00 is 23:30 UTC the day
        // before, whatever offset the next line carries.
        h.add(Some(ms("2026-03-29T01:30:00+02:00")), Level::Warn);
        h.add(None, Level::Info);
        let (width, buckets) = h.buckets(100);
        assert_eq!(width, 3_600_000);
        assert_eq!(buckets.len(), 2);
        assert_eq!(buckets[0].0, ms("2026-03-28T23:00:00Z"));
        assert_eq!(
            buckets[0].1,
            Counts {
                entries: 2,
                errors: 0,
                warnings: 1
            }
        );
        assert_eq!(buckets[1].0, ms("2026-03-29T00:00:00Z"));
        assert_eq!(buckets[1].1.errors, 1);
        assert_eq!(h.untimed, 1);
    }

    #[test]
    fn the_width_follows_the_span_and_empty_buckets_are_kept() {
        let mut h = Histogram::new(None);
        h.add(Some(ms("2026-11-22T09:00:00Z")), Level::Info);
        h.add(Some(ms("2026-11-22T10:59:00Z")), Level::Error);
        let (width, buckets) = h.buckets(60);
        assert_eq!(width, 300_000, "two hours in at most 60 buckets: 5 minutes");
        assert_eq!(buckets.len(), 24);
        assert_eq!(buckets.iter().map(|(_, c)| c.entries).sum::<u64>(), 2);
        assert_eq!(buckets[5].1.entries, 0);
        assert_eq!(width_label(width), "5m");
        assert_eq!(width_label(86_400_000), "1d");
        assert_eq!(width_label(90_000), "90s");
        assert!(Histogram::new(None).buckets(10).1.is_empty());
    }
}
