//! The Invites finder on `nucleo-matcher` (helix's and television's matcher), behind the same
//! interface as `mmops::fuzzy::Finder` (the same narrowing as the query grows, the same ranking
//! by score that keeps the row order between equals), so that only the matchers differ when
//! the two are compared (BENCHMARKS.md, "Invites finder: fuzzy.rs vs nucleo-matcher").
//!
//! Self-contained: included from `tests/` as `#[path = "common/nucleo_finder.rs"]` and from
//! `benches/` as `#[path = "../tests/common/nucleo_finder.rs"]`.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

/// One row as the matcher wants it: the fields separated by a tab (a word boundary for it),
/// as bytes when ASCII and characters otherwise, built once when the rows are loaded.
pub struct Haystack {
    text: Utf32String,
}

pub fn haystack(fields: &[&str]) -> Haystack {
    Haystack {
        text: Utf32String::from(fields.join("\t")),
    }
}

struct Layer {
    query: String,
    hits: Vec<u32>,
}

/// The matcher (its scratch memory is reused) and the answers of the last queries.
pub struct Finder {
    matcher: Matcher,
    layers: Vec<Layer>,
}

impl Default for Finder {
    fn default() -> Self {
        Self {
            matcher: Matcher::new(Config::DEFAULT),
            layers: Vec::new(),
        }
    }
}

impl Finder {
    /// As `mmops::fuzzy::Finder::search`: positions in `candidates`, best first.
    pub fn search(&mut self, haystacks: &[Haystack], candidates: &[u32], query: &str) -> &[u32] {
        let query = query.trim_start();
        while self
            .layers
            .last()
            .is_some_and(|layer| !query.starts_with(layer.query.as_str()))
        {
            self.layers.pop();
        }
        if self.layers.last().is_none_or(|l| l.query != query) {
            let hits = self.answer(haystacks, candidates, query);
            self.layers.push(Layer {
                query: query.to_string(),
                hits,
            });
        }
        self.layers.last().map(|l| l.hits.as_slice()).unwrap_or(&[])
    }

    fn answer(&mut self, haystacks: &[Haystack], candidates: &[u32], query: &str) -> Vec<u32> {
        // Plain words, like fuzzy.rs: no fzf syntax (a growing `!word` would not narrow).
        // Normalization: "muller" finds "müller".
        let pattern = Pattern::new(
            query,
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        let mut positions: Vec<u32> = match self.layers.last() {
            Some(narrower) if !narrower.query.trim().is_empty() => narrower.hits.clone(),
            _ => (0..candidates.len() as u32).collect(),
        };
        positions.sort_unstable();
        let mut scored = Vec::with_capacity(positions.len());
        for position in positions {
            let Some(haystack) = candidates
                .get(position as usize)
                .and_then(|index| haystacks.get(*index as usize))
            else {
                continue;
            };
            if let Some(score) = pattern.score(haystack.text.slice(..), &mut self.matcher) {
                scored.push((score.min(u32::from(u16::MAX)) as u16, position));
            }
        }
        mmops::fuzzy::rank(&scored)
    }
}
