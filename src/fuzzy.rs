//! A fuzzy finder that answers as you type over many rows (the Invites tab's `/`).
//!
//! Each row has a haystack, lower-cased once when the rows are loaded. A query is split into
//! words; a row matches when every word is found in it, as a substring or else as a
//! subsequence of its characters. Rows are ranked by how well they match (a whole word beats
//! scattered letters, the start of a field or word beats the middle) and, between equals, keep
//! the order they came in.
//!
//! Typing one more character can only narrow the matches, so the finder keeps the matches of
//! each shorter query and searches only those; Backspace goes back to a kept answer.

use memchr::memmem;

/// A haystack as the finder wants it: lower-cased, fields separated by a tab.
pub fn haystack(fields: &[&str]) -> String {
    let mut out = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        out.extend(field.chars().flat_map(char::to_lowercase));
    }
    out
}

/// A query's words, lower-cased like the haystacks.
fn words(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
        .collect()
}

/// Whether `pos` starts a field or a word: the haystack's start, or after a separator.
fn at_boundary(haystack: &[u8], pos: usize) -> bool {
    pos == 0
        || haystack
            .get(pos - 1)
            .is_some_and(|b| !b.is_ascii_alphanumeric() && *b < 0x80)
}

const SUBSTRING: u32 = 1000;
const BOUNDARY: u32 = 300;
const PER_BYTE: u32 = 10;

/// How well one word matches, or `None`.
fn word_score(haystack: &[u8], word: &str) -> Option<u32> {
    let needle = word.as_bytes();
    if needle.is_empty() {
        return Some(0);
    }
    let mut best = None;
    for pos in memmem::find_iter(haystack, needle) {
        let score = SUBSTRING
            + PER_BYTE * needle.len() as u32
            + if at_boundary(haystack, pos) {
                BOUNDARY
            } else {
                0
            };
        best = best.max(Some(score));
        if score > SUBSTRING + PER_BYTE * needle.len() as u32 {
            break;
        }
    }
    if best.is_some() {
        return best;
    }
    subsequence_score(haystack, word)
}

/// The word's characters in order, each found after the one before; fewer and shorter gaps
/// score higher.
fn subsequence_score(haystack: &[u8], word: &str) -> Option<u32> {
    let mut pos = 0;
    let mut score: u32 = 0;
    let mut last_end: Option<usize> = None;
    let mut buf = [0u8; 4];
    for c in word.chars() {
        let encoded = c.encode_utf8(&mut buf).as_bytes();
        let rest = haystack.get(pos..)?;
        let found = if encoded.len() == 1 {
            memchr::memchr(encoded[0], rest)?
        } else {
            memmem::find(rest, encoded)?
        };
        let at = pos + found;
        score += PER_BYTE;
        if last_end == Some(at) {
            score += PER_BYTE;
        } else if at_boundary(haystack, at) {
            score += PER_BYTE / 2;
        }
        // A field separator crossed between two letters of a word costs more than a gap.
        if last_end.is_some_and(|end| haystack[end..at].contains(&b'\t')) {
            score = score.saturating_sub(PER_BYTE);
        }
        pos = at + encoded.len();
        last_end = Some(pos);
    }
    Some(score)
}

/// How well the whole query (its words) matches a haystack, or `None`.
fn score(haystack: &[u8], words: &[String]) -> Option<u32> {
    let mut total: u32 = 0;
    for word in words {
        total = total.saturating_add(word_score(haystack, word)?);
    }
    Some(total)
}

/// The matches of one query, best first, as positions in the candidate list.
struct Layer {
    query: String,
    hits: Vec<u32>,
}

/// The finder's memory of the last queries over one candidate list.
#[derive(Default)]
pub struct Finder {
    layers: Vec<Layer>,
}

impl Finder {
    /// Forgets every kept answer (the rows or the candidates changed).
    pub fn reset(&mut self) {
        self.layers.clear();
    }

    /// The candidates matching `query`, best first, as positions in `candidates`
    /// (`candidates[i]` is the haystack index of position `i`). An empty query is every
    /// candidate in order.
    pub fn search<H: AsRef<[u8]>>(
        &mut self,
        haystacks: &[H],
        candidates: &[u32],
        query: &str,
    ) -> &[u32] {
        let query = query.trim_start();
        // Keep only the answers of queries this one refines.
        while self
            .layers
            .last()
            .is_some_and(|layer| !query.starts_with(layer.query.as_str()))
        {
            self.layers.pop();
        }
        if self.layers.last().is_some_and(|l| l.query == query) {
            return self.layers.last().map(|l| l.hits.as_slice()).unwrap_or(&[]);
        }
        let words = words(query);
        let mut ranked: Vec<u64> = Vec::new();
        let mut rank = |position: u32| {
            let index = candidates.get(position as usize).copied()?;
            let haystack = haystacks.get(index as usize)?.as_ref();
            let score = score(haystack, &words)?;
            ranked.push((u64::from(u32::MAX - score) << 32) | u64::from(position));
            Some(())
        };
        match self.layers.last() {
            Some(narrower) => {
                for &position in &narrower.hits {
                    rank(position);
                }
            }
            None => {
                for position in 0..candidates.len() as u32 {
                    rank(position);
                }
            }
        }
        ranked.sort_unstable();
        let hits = ranked.into_iter().map(|key| key as u32).collect();
        self.layers.push(Layer {
            query: query.to_string(),
            hits,
        });
        self.layers.last().map(|l| l.hits.as_slice()).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(rows: &[&str], query: &str) -> Vec<String> {
        let haystacks: Vec<String> = rows.iter().map(|r| haystack(&[r])).collect();
        let candidates: Vec<u32> = (0..rows.len() as u32).collect();
        let mut finder = Finder::default();
        finder
            .search(&haystacks, &candidates, query)
            .iter()
            .map(|p| rows[*p as usize].to_string())
            .collect()
    }

    #[test]
    fn every_word_must_match_and_case_does_not_matter() {
        let rows = ["ana@example.org\tengineering", "bob@example.org\tsales"];
        assert_eq!(find(&rows, "ANA eng"), vec![rows[0]]);
        assert_eq!(find(&rows, "bob eng"), Vec::<String>::new());
        assert_eq!(find(&rows, ""), rows.to_vec());
    }

    #[test]
    fn whole_words_and_field_starts_rank_first_then_the_original_order() {
        let rows = [
            "banana@x.org",  // "ana" inside a word
            "a.n.a@x.org",   // scattered
            "ana@x.org",     // at the start
            "joana@x.org",   // inside again: same score as banana, later
            "anabel@x.org",  // at the start, later
            "nothing@x.org", // no match
        ];
        assert_eq!(
            find(&rows, "ana"),
            vec![
                "ana@x.org",
                "anabel@x.org",
                "banana@x.org",
                "joana@x.org",
                "a.n.a@x.org"
            ]
        );
    }

    #[test]
    fn letters_out_of_order_do_not_match_and_non_ascii_letters_do() {
        assert_eq!(find(&["abc"], "cba"), Vec::<String>::new());
        assert_eq!(find(&["Zoë Øster"], "ZOË øs"), vec!["Zoë Øster"]);
        assert_eq!(find(&["zoe"], "ë"), Vec::<String>::new());
    }

    #[test]
    fn typing_narrows_and_backspace_returns_the_kept_answer() {
        let rows: Vec<String> = (0..200).map(|i| format!("user{i}@example.org")).collect();
        let haystacks: Vec<String> = rows.iter().map(|r| haystack(&[r])).collect();
        let candidates: Vec<u32> = (0..rows.len() as u32).collect();
        let fresh = |query: &str| {
            Finder::default()
                .search(&haystacks, &candidates, query)
                .to_vec()
        };
        let mut finder = Finder::default();
        for query in [
            "u",
            "user1",
            "user19",
            "user19 ex",
            "user19",
            "user1",
            "user2",
            "",
        ] {
            let hits = finder.search(&haystacks, &candidates, query).to_vec();
            assert_eq!(hits, fresh(query), "{query}");
        }
        // The exact substrings come first: 1, 10-19, 100-199 before user21 and the like.
        let ones = fresh("user1");
        assert!(ones.len() > 111);
        assert!(
            ones[..111]
                .iter()
                .all(|p| rows[*p as usize].starts_with("user1"))
        );
        assert!(!rows[ones[111] as usize].starts_with("user1"));
        // A filtered candidate list: positions are into it.
        let evens: Vec<u32> = (0..200).step_by(2).collect();
        finder.reset();
        let found: Vec<&str> = finder
            .search(&haystacks, &evens, "user19")
            .iter()
            .map(|p| rows[evens[*p as usize] as usize].as_str())
            .collect();
        assert!(found.len() >= 5);
        assert!(found[..5].iter().all(|r| r.starts_with("user19")));
    }
}
