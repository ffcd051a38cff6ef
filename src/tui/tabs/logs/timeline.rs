//! The Logs tab's timeline: a histogram of the shown entries over time above the list, errors
//! and warnings stacked in the theme's level colours, the bucket width following the span.
//! It counts what the filter's index holds, in slices, and starts over with every new filter;
//! the bucket of the selected entry is marked, and `,` `.` move the selection a bucket.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::logs::filter::Index;
use crate::logs::histogram::{Counts, Histogram, width_label};
use crate::logs::store::LogStore;
use crate::tui::theme::Theme;

use super::view::{time_full, time_short};

/// Rows of bars (the axis line comes under them).
pub const BAR_ROWS: u16 = 4;
/// Index positions counted per slice.
pub const COUNT_SLICE: usize = 100_000;
const EIGHTHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Buckets computed for a number of columns and of counted entries.
struct Drawn {
    columns: usize,
    counted: u64,
    width_ms: i64,
    buckets: Vec<(i64, Counts)>,
}

#[derive(Default)]
pub struct Timeline {
    histogram: Histogram,
    /// Entries of the index up to this sequence number are counted.
    counted_to: Option<u64>,
    /// The buckets for the last width drawn, until more is counted.
    cache: Option<Drawn>,
    counted: u64,
    /// Columns of the last draw (the buckets `,` and `.` move by).
    columns: usize,
}

impl Timeline {
    /// A new filter: nothing counted.
    pub fn restart(&mut self) {
        let columns = self.columns;
        *self = Self {
            columns,
            ..Self::default()
        };
    }

    /// Whether the index holds entries not counted yet.
    pub fn is_behind(&self, index: &Index) -> bool {
        match (
            index.len().checked_sub(1).and_then(|i| index.get(i)),
            self.counted_to,
        ) {
            (Some(last), Some(counted)) => last > counted,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Counts up to `budget` more of the index's entries.
    pub fn catch_up(&mut self, index: &Index, store: &LogStore, budget: usize) {
        let start = match self.counted_to {
            Some(seq) => index.position_at_or_after(seq + 1),
            None => 0,
        };
        let end = index.len().min(start.saturating_add(budget));
        for pos in start..end {
            let Some(seq) = index.get(pos) else { break };
            if let Some(entry) = store.get(seq) {
                self.histogram.add(entry.ts_ms, entry.level);
                self.counted += 1;
            }
            self.counted_to = Some(seq);
        }
    }

    /// The buckets for `columns` columns: `(width, buckets)`.
    fn buckets(&mut self, columns: usize) -> (i64, &[(i64, Counts)]) {
        let fresh = self
            .cache
            .as_ref()
            .is_some_and(|d| d.columns == columns && d.counted == self.counted);
        if !fresh {
            let (width_ms, buckets) = self.histogram.buckets(columns);
            self.cache = Some(Drawn {
                columns,
                counted: self.counted,
                width_ms,
                buckets,
            });
        }
        match &self.cache {
            Some(drawn) => (drawn.width_ms, &drawn.buckets),
            None => (60_000, &[]),
        }
    }

    /// The bucket holding `ts_ms` at the width of the last draw: `[start, end)`.
    pub fn bucket_of(&mut self, ts_ms: i64) -> Option<(i64, i64)> {
        let (width, buckets) = self.buckets(self.columns.max(1));
        if buckets.is_empty() {
            return None;
        }
        let start = ts_ms.div_euclid(width) * width;
        Some((start, start + width))
    }

    pub fn draw(
        &mut self,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
        utc: bool,
        selected_ms: Option<i64>,
    ) {
        if area.height < 2 || area.width < 10 {
            return;
        }
        let columns = usize::from(area.width);
        self.columns = columns;
        let (width, buckets) = self.buckets(columns);
        let bar_rows = area.height - 1;
        if buckets.is_empty() {
            Line::styled("no entries with a time to draw", theme.muted).render(area, buf);
            return;
        }
        let most = buckets
            .iter()
            .map(|(_, c)| c.entries)
            .max()
            .unwrap_or(1)
            .max(1);
        let units = u64::from(bar_rows) * 8;
        let selected_bucket = selected_ms.map(|ms| ms.div_euclid(width) * width);
        for (x, (start, counts)) in buckets.iter().enumerate().take(columns) {
            let scaled = |n: u64| (n * units).div_ceil(most);
            let total = scaled(counts.entries);
            let errors = scaled(counts.errors);
            let warnings = scaled(counts.errors + counts.warnings);
            for row in 0..bar_rows {
                // Units covered below this cell's top: the cell shows what covers its middle.
                let bottom = u64::from(row) * 8;
                let filled = total.saturating_sub(bottom).min(8);
                if filled == 0 {
                    continue;
                }
                let middle = bottom + filled.div_ceil(2);
                let style = if middle <= errors {
                    theme.error
                } else if middle <= warnings {
                    theme.warn
                } else {
                    theme.info
                };
                let style = if selected_bucket == Some(*start) {
                    style.patch(theme.highlight)
                } else {
                    style
                };
                let y = area.y + bar_rows - 1 - row;
                if let Some(cell) = buf.cell_mut((area.x + x as u16, y)) {
                    cell.set_char(EIGHTHS[(filled - 1) as usize])
                        .set_style(style);
                }
            }
        }
        let first = buckets.first().map(|(s, _)| *s).unwrap_or(0);
        let last = buckets.last().map(|(s, _)| *s + width).unwrap_or(0);
        // Over more than a day, the ends say which day.
        let end = |ms: i64| {
            if last - first > crate::timefmt::DAY_MS {
                time_full(ms, utc)
            } else {
                time_short(ms, utc)
            }
        };
        let (left, right) = (end(first), end(last));
        let middle = format!(
            " {} per column, most {} ",
            width_label(width),
            crate::timefmt::count(most as i64)
        );
        // Under the bars, so that the right end's time is under the last bar, unless the
        // labels need more room than the bars take.
        let labels = [&left, &middle, &right]
            .iter()
            .map(|s| s.chars().count())
            .sum::<usize>()
            + 4;
        let axis_width = buckets.len().max(labels).min(columns) as u16;
        axis(
            Rect {
                y: area.y + bar_rows,
                height: 1,
                width: axis_width,
                ..area
            },
            buf,
            &left,
            &middle,
            &right,
            theme.muted,
        );
    }
}

/// `09:00 ───── 1m per column ───── 09:30` across `area`.
fn axis(area: Rect, buf: &mut Buffer, left: &str, middle: &str, right: &str, style: Style) {
    let width = usize::from(area.width);
    let used = left.chars().count() + middle.chars().count() + right.chars().count();
    let rule = width.saturating_sub(used + 2);
    let (before, after) = (rule / 2, rule - rule / 2);
    let text = format!(
        "{left} {}{middle}{} {right}",
        "─".repeat(before),
        "─".repeat(after)
    );
    Line::styled(crate::text::fit(&text, width), style).render(area, buf);
}
