//! Making untrusted text safe to put on a terminal.
//!
//! Everything a server sends (log lines, user and team names, plugin manifests, config values,
//! error messages) may hold escape sequences or characters that reorder or hide text. Before
//! such text reaches the screen, it passes through [`inert`]: control characters become visible
//! escapes such as `\x1b`, bidirectional overrides and invisible formatting characters become
//! `\u{202e}`-style escapes, so nothing is interpreted by the terminal and columns stay aligned.

use std::borrow::Cow;
use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

/// True for characters that must not reach the terminal as they are.
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // bidi embeddings, overrides and isolates
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        // zero-width and invisible formatting characters
        | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}'
        // line and paragraph separators
        | '\u{2028}' | '\u{2029}'
        // interlinear annotations, specials
        | '\u{fff9}'..='\u{fffb}')
}

fn push_escaped(out: &mut String, c: char) {
    let code = c as u32;
    let _ = if code < 0x80 {
        write!(out, "\\x{code:02x}")
    } else {
        write!(out, "\\u{{{code:x}}}")
    };
}

/// The text with every control, bidi and invisible character shown as an escape.
/// Tabs become a single space. Text that needs no change is returned borrowed.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c == '\t' {
            out.push(' ');
        } else if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The lines of a message that mmops wrote itself or read from the user's own files (a TOML
/// error shows the offending line with a caret under it), each made [`inert`], so that it can
/// be printed over several lines. Only errors keep their line breaks this way: server text
/// inside one is flattened with [`one_line`] where the error is built, so a server never
/// starts a line of its own.
pub fn local_lines(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.trim_end().lines().map(inert)
}

/// [`inert`] text on one line: newlines and runs of whitespace collapse to one space, and the
/// result is cut to `max_width` terminal columns (escapes and wide characters counted as what
/// they take on screen) with an ellipsis.
pub fn one_line(text: &str, max_width: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_width.saturating_mul(4)));
    let mut width = 0usize;
    let mut pending_space = false;
    let mut piece = String::new();
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        piece.clear();
        if pending_space {
            piece.push(' ');
        }
        if needs_escape(c) {
            push_escaped(&mut piece, c);
        } else {
            piece.push(c);
        }
        let piece_width = UnicodeWidthStr::width(piece.as_str());
        if width + piece_width > max_width {
            out.push('…');
            return out;
        }
        pending_space = false;
        out.push_str(&piece);
        width += piece_width;
    }
    out
}

/// `n` things, in English: "1 invitation", "2 invitations".
pub fn counted(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// [`one_line`] text that takes exactly `width` columns: cut with an ellipsis that fits, or
/// padded with spaces.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = one_line(text, width);
    if UnicodeWidthStr::width(out.as_str()) > width {
        out = one_line(text, width.saturating_sub(1));
    }
    let used = UnicodeWidthStr::width(out.as_str());
    if used > width {
        // Nothing fits (width 0): nothing is shown.
        return " ".repeat(width);
    }
    out.push_str(&" ".repeat(width - used));
    out
}

/// Greedy word wrap to `width` terminal columns; words wider than that are cut. The text should
/// already be inert.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut line_width = 0usize;
    for word in text.split(' ') {
        let word_width = UnicodeWidthStr::width(word);
        if line_width > 0 && line_width + 1 + word_width > width {
            out.push(std::mem::take(&mut line));
            line_width = 0;
        }
        if word_width > width {
            for c in word.chars() {
                let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if line_width + w > width {
                    out.push(std::mem::take(&mut line));
                    line_width = 0;
                }
                line.push(c);
                line_width += w;
            }
            continue;
        }
        if line_width > 0 {
            line.push(' ');
            line_width += 1;
        }
        line.push_str(word);
        line_width += word_width;
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// Bytes that may not be valid UTF-8, made inert: invalid sequences become U+FFFD.
pub fn inert_bytes(bytes: &[u8]) -> String {
    inert(&String::from_utf8_lossy(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_takes_exactly_the_width() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語です", 5), "日本…");
        assert!(!fit("a\x1b[31mb", 12).contains('\x1b'));
        assert_eq!(fit("abc", 0), "");
        for width in 0..8 {
            assert_eq!(
                UnicodeWidthStr::width(fit("日本語abc", width).as_str()),
                width
            );
        }
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            inert("Server is listening on [::]:8065"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(inert("naïve 日本語 ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(inert("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(inert("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(inert("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(inert("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(inert("nul\0byte"), "nul\\x00byte");
        assert_eq!(inert("tab\there"), "tab here");
    }

    #[test]
    fn local_lines_keep_line_breaks_and_nothing_else() {
        let error = "TOML parse error at line 2, column 7\n  |\n2 | url = \n  |       ^\nstring values must be quoted\n";
        assert_eq!(
            local_lines(error).collect::<Vec<_>>(),
            vec![
                "TOML parse error at line 2, column 7",
                "  |",
                "2 | url = ",
                "  |       ^",
                "string values must be quoted"
            ]
        );
        assert_eq!(
            local_lines("a\x1b[2J\r\nb\u{202e}c\rd\u{2028}e").collect::<Vec<_>>(),
            vec!["a\\x1b[2J", "b\\u{202e}c\\x0dd\\u{2028}e"]
        );
    }

    #[test]
    fn one_line_collapses_and_truncates() {
        assert_eq!(one_line("  a\n\n b\r\n  c ", 80), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("x\x1by", 80), "x\\x1by");
    }

    #[test]
    fn one_line_counts_what_the_screen_shows() {
        // Five ESCs are 20 columns once escaped: a limit of 8 keeps two of them.
        assert_eq!(one_line("\x1b\x1b\x1b\x1b\x1b", 8), "\\x1b\\x1b…");
        // Wide characters take two columns each.
        assert_eq!(one_line("日本語テキスト", 6), "日本語…");
    }

    #[test]
    fn wraps_by_screen_width() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("日本語 テキスト", 6), vec!["日本語", "テキス", "ト"]);
        assert!(wrap("", 4).is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(inert_bytes(b"ok\xff\xfe\x1b"), "ok\u{fffd}\u{fffd}\\x1b");
    }
}
