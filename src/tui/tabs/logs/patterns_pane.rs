//! The Logs tab's patterns view: the held entries grouped by level and message template, each
//! with its count, last time, sources and a sparkline of when it occurred; sorted by count, by
//! last seen, or by level then count. Counting runs in slices between key presses and keeps up
//! with new lines while the view exists; a mark flags the patterns first seen after it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::logs::patterns::{Counted, Order, Pattern, Patterns};
use crate::logs::store::LogStore;
use crate::text::{fit, inert};
use crate::timefmt::count;
use crate::tui::theme::Theme;
use crate::tui::widgets::fit_line;

use super::view::{level_style, time_in_column};

/// Entries counted per slice: a key never waits longer than one.
pub const COUNT_SLICE: usize = 50_000;
const SPARK_CELLS: usize = 16;
const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub struct PatternsPane {
    patterns: Patterns,
    /// The store's entries up to here are counted.
    counted_to: u64,
    /// Entries dropped from the store before they were counted.
    missed: u64,
    order: Order,
    /// The sorted indexes (refreshed after each slice and each sort).
    sorted: Vec<usize>,
    cursor: usize,
    top: usize,
    rows: u16,
    /// `Patterns::added` when the mark was set: patterns first seen at or after it are new.
    mark: Option<u64>,
}

impl PatternsPane {
    pub fn new(store: &LogStore) -> Self {
        Self {
            patterns: Patterns::new(),
            counted_to: store.first_seq(),
            missed: 0,
            order: Order::Count,
            sorted: Vec::new(),
            cursor: 0,
            top: 0,
            rows: 0,
            mark: None,
        }
    }

    pub fn patterns(&self) -> &Patterns {
        &self.patterns
    }

    /// Whether held entries are not counted yet.
    pub fn is_behind(&self, store: &LogStore) -> bool {
        self.counted_to < store.end_seq()
    }

    /// Counts the entry `seq` just appended to `store` if every entry before it is counted:
    /// its bytes are still in the CPU's cache, where reading it back a batch later finds them
    /// no more. Otherwise [`catch_up`](Self::catch_up) reaches it. Returns whether it counted.
    pub fn count_appended(&mut self, store: &LogStore, seq: u64) -> bool {
        if self.counted_to != seq {
            return false;
        }
        if let Some(entry) = store.get(seq) {
            let source = store.source_name(entry.source);
            self.patterns
                .add_counted(&Counted::of_entry(&entry), source);
        }
        self.counted_to = seq + 1;
        true
    }

    /// Sorts again after entries counted by [`count_appended`](Self::count_appended), the
    /// selection kept.
    pub fn resort_counted(&mut self) {
        let selected = self.selected_index();
        self.resort(selected);
    }

    /// Counts up to `budget` more entries of `store`.
    pub fn catch_up(&mut self, store: &LogStore, budget: usize) {
        if self.counted_to < store.first_seq() {
            self.missed += store.first_seq() - self.counted_to;
            self.counted_to = store.first_seq();
        }
        let end = store.end_seq().min(self.counted_to + budget as u64);
        let selected = self.selected_index();
        for entry in store.range(self.counted_to, end) {
            let source = store.source_name(entry.source);
            self.patterns
                .add_counted(&Counted::of_entry(&entry), source);
        }
        self.counted_to = end;
        self.resort(selected);
    }

    fn resort(&mut self, keep: Option<usize>) {
        self.sorted = self.patterns.sorted(self.order);
        if let Some(keep) = keep
            && let Some(at) = self.sorted.iter().position(|i| *i == keep)
        {
            self.cursor = at;
        }
        self.cursor = self.cursor.min(self.sorted.len().saturating_sub(1));
    }

    fn selected_index(&self) -> Option<usize> {
        self.sorted.get(self.cursor).copied()
    }

    pub fn selected(&self) -> Option<&Pattern> {
        self.selected_index().and_then(|i| self.patterns.get(i))
    }

    pub fn order(&self) -> Order {
        self.order
    }

    pub fn next_order(&mut self) {
        let selected = self.selected_index();
        self.order = self.order.next();
        self.resort(selected);
    }

    /// From now on, patterns not seen before are flagged new.
    pub fn set_mark(&mut self) {
        self.mark = Some(self.patterns.added());
    }

    pub fn is_new(&self, pattern: &Pattern) -> bool {
        self.mark.is_some_and(|mark| pattern.first_seen >= mark)
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.sorted.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    pub fn page(&self) -> isize {
        (self.rows.max(2) - 1) as isize
    }

    pub fn draw(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme, utc: bool, behind: bool) {
        // The title, the column names and at least one pattern.
        if area.height < 3 {
            return;
        }
        let detail_rows: u16 = if area.height >= 14 { 5 } else { 0 };
        let head = Rect { height: 1, ..area };
        let mut title = format!(
            "{} patterns in {} entries · {}",
            count(self.patterns.len() as i64),
            count(self.patterns.added() as i64),
            self.order.label()
        );
        if self.mark.is_some() {
            let new = self
                .sorted
                .iter()
                .filter_map(|i| self.patterns.get(*i))
                .filter(|p| self.is_new(p))
                .count();
            title.push_str(&format!(" · {new} new since the mark"));
        }
        if self.missed > 0 {
            title.push_str(&format!(
                " · {} left the buffer before they were counted",
                count(self.missed as i64)
            ));
        }
        if behind {
            title.push_str(" · counting…");
        }
        Line::styled(fit(&title, usize::from(area.width)), theme.label).render(head, buf);
        let columns = format!(
            "{:>9} {:<5} {:4}{:<12} {:<w$} message",
            "count",
            "level",
            "",
            "last seen",
            "when",
            w = SPARK_CELLS
        );
        // Not `fit`, which would fold the padding between the names.
        fit_line(Line::styled(columns, theme.muted), usize::from(area.width)).render(
            Rect {
                y: area.y + 1,
                ..head
            },
            buf,
        );
        let list = Rect {
            y: area.y + 2,
            height: area.height.saturating_sub(2 + detail_rows),
            ..area
        };
        self.rows = list.height;
        self.draw_rows(list, buf, theme, utc);
        if detail_rows > 0 {
            let detail = Rect {
                y: list.y + list.height,
                height: detail_rows,
                ..area
            };
            self.draw_detail(detail, buf, theme);
        }
    }

    fn draw_rows(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme, utc: bool) {
        let rows = usize::from(area.height);
        if rows == 0 {
            return;
        }
        if self.sorted.is_empty() {
            Line::styled("no entries held yet", theme.muted).render(area, buf);
            return;
        }
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if self.cursor >= self.top + rows {
            self.top = self.cursor + 1 - rows;
        }
        let span = self.patterns.span();
        let width = usize::from(area.width);
        for (row, index) in self.sorted.iter().skip(self.top).take(rows).enumerate() {
            let Some(p) = self.patterns.get(*index) else {
                continue;
            };
            let selected = self.top + row == self.cursor;
            let base = if selected {
                theme.selection
            } else {
                theme.base
            };
            let spark = span
                .map(|(from, to)| sparkline(&p.spark.cells(from, to + 1, SPARK_CELLS)))
                .unwrap_or_default();
            let new = if self.is_new(p) { "NEW " } else { "    " };
            let latest = span.map(|(_, last)| last);
            let last = p
                .last_ms
                .map(|ms| time_in_column(ms, latest, utc))
                .unwrap_or_default();
            let fixed = format!("{:>9} ", count(p.count as i64));
            let used = fixed.len() + 6 + 4 + 13 + SPARK_CELLS + 1;
            let spans = vec![
                Span::styled(fixed, base),
                Span::styled(
                    format!("{:<5} ", p.level.label()),
                    pick(selected, base, level_style(theme, p.level)),
                ),
                Span::styled(new, pick(selected, base, theme.accent)),
                Span::styled(
                    format!("{:<12} ", fit(&last, 12)),
                    pick(selected, base, theme.muted),
                ),
                Span::styled(format!("{spark} "), pick(selected, base, theme.info)),
                Span::styled(fit(&inert(&p.template), width.saturating_sub(used)), base),
            ];
            Line::from(spans).render(
                Rect {
                    y: area.y + row as u16,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }

    /// The selected pattern: its sources, first time and the top values of its fields.
    fn draw_detail(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(p) = self.selected() else { return };
        let width = usize::from(area.width);
        let mut lines = vec![Line::styled("─".repeat(width), theme.border)];
        let mut sources = p.sources.join(", ");
        if p.more_sources {
            sources.push_str(", …");
        }
        let sampled = if p.fields_sampled < p.count {
            format!(
                " · field values from a sample of {} entries",
                count(p.fields_sampled as i64)
            )
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::styled("from ", theme.label),
            Span::styled(
                fit(
                    &format!("{}{sampled}", inert(&sources)),
                    width.saturating_sub(5),
                ),
                theme.value,
            ),
        ]));
        for field in p
            .fields
            .iter()
            .take(usize::from(area.height.saturating_sub(2)))
        {
            let top: Vec<String> = field
                .top(4)
                .into_iter()
                .map(|(value, n)| format!("{} ×{}", inert(value), count(n as i64)))
                .collect();
            let more = if field.distinct() > 4 || field.others > 0 {
                format!(
                    "  ({} distinct{})",
                    field.distinct(),
                    if field.others > 0 { "+" } else { "" }
                )
            } else {
                String::new()
            };
            let label = format!("{:<12}", field.name);
            lines.push(Line::from(vec![
                Span::styled(label, theme.label),
                Span::styled(
                    fit(
                        &format!("{}{more}", top.join("  ")),
                        width.saturating_sub(12),
                    ),
                    theme.value,
                ),
            ]));
        }
        if p.fields.is_empty() {
            lines.push(Line::styled(
                "no summarised fields in these entries",
                theme.muted,
            ));
        }
        for (i, line) in lines.into_iter().take(usize::from(area.height)).enumerate() {
            line.render(
                Rect {
                    y: area.y + i as u16,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }
}

fn pick(selected: bool, base: Style, own: Style) -> Style {
    if selected { base } else { own }
}

/// Counts as bars, the tallest cell full.
fn sparkline(cells: &[u32]) -> String {
    let most = cells.iter().copied().max().unwrap_or(0);
    cells
        .iter()
        .map(|c| match (*c, most) {
            (0, _) => ' ',
            (c, most) => SPARK[((u64::from(c) * 7).div_ceil(u64::from(most.max(1)))) as usize],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_tallest() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▃▅█");
        assert_eq!(sparkline(&[0, 0]), "  ");
        assert_eq!(sparkline(&[]), "");
    }
}
