//! Column widths for a table that must fit any terminal: when the columns do not fit at their
//! narrowest, the least useful one goes first (never the one the table is about); the room
//! left grows the most useful columns toward the width their content wants.

/// One column's needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// Narrower than this, the column is better left out.
    pub min: usize,
    /// What its content wants (the longest value, or a cap).
    pub ideal: usize,
    /// 0 is the most useful; the highest goes first when the table is too narrow.
    pub priority: u8,
    /// Takes what is left once every column has its ideal width.
    pub fill: bool,
}

impl Column {
    pub const fn new(title: &'static str, min: usize, priority: u8) -> Self {
        Self {
            title,
            min,
            ideal: min,
            priority,
            fill: false,
        }
    }

    pub const fn ideal(mut self, ideal: usize) -> Self {
        self.ideal = if ideal > self.min { ideal } else { self.min };
        self
    }

    pub const fn fill(mut self) -> Self {
        self.fill = true;
        self
    }
}

/// The width of each column in `width` cells with one space between columns; `None` for a
/// column left out.
pub fn widths(columns: &[Column], width: usize) -> Vec<Option<usize>> {
    let mut kept: Vec<bool> = vec![true; columns.len()];
    let needed = |kept: &[bool]| {
        let shown = columns.iter().zip(kept).filter(|(_, k)| **k);
        let count = shown.clone().count();
        shown.map(|(c, _)| c.min).sum::<usize>() + count.saturating_sub(1)
    };
    while needed(&kept) > width && kept.iter().filter(|k| **k).count() > 1 {
        // The least useful column still shown; of equals, the rightmost.
        let drop = (0..columns.len())
            .filter(|i| kept[*i])
            .max_by_key(|i| (columns[*i].priority, *i));
        match drop {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let mut out: Vec<Option<usize>> = columns
        .iter()
        .zip(&kept)
        .map(|(c, k)| k.then_some(c.min))
        .collect();
    let mut spare = width.saturating_sub(needed(&kept));
    let mut order: Vec<usize> = (0..columns.len()).filter(|i| kept[*i]).collect();
    order.sort_by_key(|i| (columns[*i].priority, *i));
    for i in &order {
        if let Some(w) = out[*i].as_mut() {
            let grow = columns[*i].ideal.saturating_sub(*w).min(spare);
            *w += grow;
            spare -= grow;
        }
    }
    let fills: Vec<usize> = order.into_iter().filter(|i| columns[*i].fill).collect();
    let share = spare / fills.len().max(1);
    for (n, i) in fills.iter().enumerate() {
        if let Some(w) = out[*i].as_mut() {
            // The first fill column takes the remainder of the division.
            *w += share + if n == 0 { spare % fills.len() } else { 0 };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invites() -> Vec<Column> {
        vec![
            Column::new("SENT", 11, 1),
            Column::new("EMAIL", 24, 0).ideal(30),
            Column::new("TEAM", 9, 3).ideal(16),
            Column::new("SENDER", 9, 4).ideal(13),
            Column::new("STATUS", 10, 0),
            Column::new("USED BY", 10, 2).ideal(24).fill(),
            Column::new("AGE", 4, 5),
        ]
    }

    #[test]
    fn the_least_useful_column_goes_first() {
        let w = widths(&invites(), 78);
        assert_eq!(w[6], None, "age goes");
        assert_eq!(w[1], Some(24), "the email keeps its room");
        let total: usize = w.iter().flatten().sum::<usize>() + w.iter().flatten().count() - 1;
        assert!(total <= 78, "{total}");
    }

    #[test]
    fn room_goes_to_the_most_useful_columns_first() {
        let w = widths(&invites(), 100);
        assert_eq!(w[6], Some(4));
        assert_eq!(w[1], Some(30), "email at its ideal");
        let total: usize = w.iter().flatten().sum::<usize>() + 6;
        assert_eq!(total, 100, "the fill column takes the rest");
    }

    #[test]
    fn a_tiny_width_keeps_one_column() {
        let w = widths(&invites(), 5);
        assert_eq!(w.iter().flatten().count(), 1);
        assert!(w[1].is_some() || w[4].is_some());
    }
}
