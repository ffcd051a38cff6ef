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

/// One row as the finder searches it: the lower-cased text (fields separated by a tab), and
/// which characters occur in it at all and at the start of a field or word. The summaries
/// turn most rows away without reading them, and score one-letter words outright.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Haystack {
    text: String,
    anywhere: u64,
    at_start: u64,
}

impl Haystack {
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The summary bit of a byte: letters and digits, a few separators, and one bit for the
/// rest (non-ASCII included).
fn bit(byte: u8) -> u64 {
    let index = match byte {
        b'a'..=b'z' => byte - b'a',
        b'0'..=b'9' => 26 + byte - b'0',
        b'@' => 36,
        b'.' => 37,
        b'-' => 38,
        b'_' => 39,
        b'+' => 40,
        _ => 63,
    };
    1u64 << index
}

/// A haystack as the finder wants it: lower-cased, fields separated by a tab.
pub fn haystack(fields: &[&str]) -> Haystack {
    let mut text = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            text.push('\t');
        }
        text.extend(field.chars().flat_map(char::to_lowercase));
    }
    let bytes = text.as_bytes();
    let (mut anywhere, mut at_start) = (0u64, 0u64);
    for (pos, byte) in bytes.iter().enumerate() {
        anywhere |= bit(*byte);
        if at_boundary(bytes, pos) {
            at_start |= bit(*byte);
        }
    }
    Haystack {
        text,
        anywhere,
        at_start,
    }
}

/// One word of a query, lower-cased like the haystacks, with its substring searcher built
/// once for every row.
struct Word {
    text: String,
    finder: memmem::Finder<'static>,
    /// The summary bits every matching row has.
    needs: u64,
}

fn words(query: &str) -> Vec<Word> {
    query
        .split_whitespace()
        .map(|w| {
            let text: String = w.chars().flat_map(char::to_lowercase).collect();
            let finder = memmem::Finder::new(text.as_bytes()).into_owned();
            let needs = text.bytes().fold(0, |mask, b| mask | bit(b));
            Word {
                text,
                finder,
                needs,
            }
        })
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
fn word_score(haystack: &[u8], word: &Word) -> Option<u32> {
    let needle = word.text.as_bytes();
    if needle.is_empty() {
        return Some(0);
    }
    let mut best = None;
    for pos in word.finder.find_iter(haystack) {
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
    subsequence_score(haystack, &word.text)
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
fn score(haystack: &Haystack, words: &[Word]) -> Option<u32> {
    let mut total: u32 = 0;
    for word in words {
        if haystack.anywhere & word.needs != word.needs {
            return None;
        }
        let one_ascii_letter = word.text.len() == 1 && word.needs != bit(0xff);
        let score = if one_ascii_letter {
            // Found (the summary says so); at a start when the summary says that too.
            SUBSTRING
                + PER_BYTE
                + if haystack.at_start & word.needs != 0 {
                    BOUNDARY
                } else {
                    0
                }
        } else {
            word_score(haystack.text.as_bytes(), word)?
        };
        total = total.saturating_add(score);
    }
    Some(total)
}

/// Positions by score, best first, keeping the given order between equal scores: a counting
/// sort, linear in the number of matches (a keystroke over 100,000 rows must not sort them).
/// Public for the comparison with nucleo-matcher (`tests/common/nucleo_finder.rs`).
pub fn rank(scored: &[(u16, u32)]) -> Vec<u32> {
    let mut counts = vec![0u32; usize::from(u16::MAX) + 1];
    for (score, _) in scored {
        counts[usize::from(*score)] += 1;
    }
    // Where each score's run starts, the highest score first.
    let mut next = 0u32;
    for count in counts.iter_mut().rev() {
        let n = *count;
        *count = next;
        next += n;
    }
    let mut out = vec![0u32; scored.len()];
    for (score, position) in scored {
        let slot = &mut counts[usize::from(*score)];
        out[*slot as usize] = *position;
        *slot += 1;
    }
    out
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
    pub fn search(&mut self, haystacks: &[Haystack], candidates: &[u32], query: &str) -> &[u32] {
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
        // Candidates in their original order, so that equal scores keep it.
        let all = 0..candidates.len() as u32;
        // The empty query's answer is every candidate in order: nothing to narrow from.
        let narrowed: Option<Vec<u32>> = self
            .layers
            .last()
            .filter(|narrower| !narrower.query.trim().is_empty())
            .map(|narrower| {
                let mut kept = narrower.hits.clone();
                kept.sort_unstable();
                kept
            });
        let positions: &mut dyn Iterator<Item = u32> = match &narrowed {
            Some(kept) => &mut kept.iter().copied(),
            None => &mut all.clone(),
        };
        let mut scored: Vec<(u16, u32)> =
            Vec::with_capacity(narrowed.as_ref().map_or(candidates.len(), Vec::len));
        for position in positions {
            let Some(haystack) = candidates
                .get(position as usize)
                .and_then(|index| haystacks.get(*index as usize))
            else {
                continue;
            };
            if let Some(score) = score(haystack, &words) {
                scored.push((score.min(u32::from(u16::MAX)) as u16, position));
            }
        }
        let hits = rank(&scored);
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
        let haystacks: Vec<Haystack> = rows.iter().map(|r| haystack(&[r])).collect();
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
    fn the_summaries_agree_with_reading_the_text() {
        let rows = ["ana@x.org\tEng", "b.x\tzoë", "#tag!", "x-y_z+1"];
        for row in rows {
            let h = haystack(&[row]);
            for c in "abcdefghijklmnopqrstuvwxyz0123456789@.-_+#!ë".chars() {
                let word = &words(&c.to_string())[0];
                assert_eq!(
                    score(&h, std::slice::from_ref(word)),
                    word_score(h.text().as_bytes(), word),
                    "{c} in {row}"
                );
            }
        }
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
        let haystacks: Vec<Haystack> = rows.iter().map(|r| haystack(&[r])).collect();
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
