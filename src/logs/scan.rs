//! A single-pass scanner over the top level of one JSON object: for each member it gives the
//! key and the value's byte range, without building a tree or copying anything. Log lines are
//! parsed with it at ingest, a million a second, and field values are read back with it for
//! the few rows on screen.
//!
//! It accepts what a log writer produces; anything malformed ends the scan (the caller keeps
//! what was found so far) rather than panicking.

/// The kind of a member's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string; the range excludes the quotes and may contain escapes.
    String,
    Number,
    /// `true`, `false` or `null`.
    Literal,
    Object,
    Array,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member<'a> {
    /// The key as written, escapes undecoded (log keys never have any in practice).
    pub key: &'a [u8],
    pub kind: Kind,
    /// The value: without quotes for strings, the whole text otherwise.
    pub value: &'a [u8],
    /// Whether a string value holds backslash escapes (then it needs [`unescape`]).
    pub escaped: bool,
}

/// Iterates the members of the object that starts at `bytes[0]` (which must be `{`).
pub struct Members<'a> {
    bytes: &'a [u8],
    pos: usize,
    done: bool,
}

pub fn members(bytes: &[u8]) -> Members<'_> {
    let done = bytes.first() != Some(&b'{');
    Members {
        bytes,
        pos: 1,
        done,
    }
}

impl<'a> Members<'a> {
    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len()
            && matches!(self.bytes[self.pos], b' ' | b'\t' | b'\r' | b'\n')
        {
            self.pos += 1;
        }
    }

    /// Reads a string whose opening quote is at `pos`; returns (content, escaped) and leaves
    /// `pos` after the closing quote.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'"' => {
                    self.pos = i + 1;
                    return Some((&self.bytes[start..i], escaped));
                }
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Skips a nested object or array starting at `pos`.
    fn nested(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = start;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'"' => {
                    self.pos = i;
                    self.string()?;
                    i = self.pos;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Some(&self.bytes[start..=i]);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn scalar(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && !matches!(
                self.bytes[self.pos],
                b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n'
            )
        {
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    fn next_member(&mut self) -> Option<Member<'a>> {
        self.skip_ws();
        match self.bytes.get(self.pos)? {
            b',' => {
                self.pos += 1;
                self.skip_ws();
            }
            b'}' => return None,
            _ => {}
        }
        if self.bytes.get(self.pos)? != &b'"' {
            return None;
        }
        let (key, _) = self.string()?;
        self.skip_ws();
        if self.bytes.get(self.pos)? != &b':' {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        let (kind, value, escaped) = match self.bytes.get(self.pos)? {
            b'"' => {
                let (s, esc) = self.string()?;
                (Kind::String, s, esc)
            }
            b'{' => (Kind::Object, self.nested()?, false),
            b'[' => (Kind::Array, self.nested()?, false),
            b't' | b'f' | b'n' => (Kind::Literal, self.scalar(), false),
            _ => {
                let v = self.scalar();
                if v.is_empty() {
                    return None;
                }
                (Kind::Number, v, false)
            }
        };
        Some(Member {
            key,
            kind,
            value,
            escaped,
        })
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        if self.done {
            return None;
        }
        let member = self.next_member();
        if member.is_none() {
            self.done = true;
        }
        member
    }
}

/// Decodes JSON string escapes. Invalid escapes and lone surrogates become U+FFFD; invalid
/// UTF-8 is replaced. Never fails.
pub fn unescape(raw: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&esc) = raw.get(i + 1) else {
            break;
        };
        i += 2;
        let c = match esc {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'u' => {
                let (c, used) = decode_u_escape(&raw[i..]);
                i += used;
                c
            }
            _ => '\u{fffd}',
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Decodes the hex digits after `\u` (and a following low surrogate). Returns the character
/// and how many bytes were used.
fn decode_u_escape(rest: &[u8]) -> (char, usize) {
    let hex4 = |bytes: &[u8]| -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(..4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let Some(high) = hex4(rest) else {
        return ('\u{fffd}', 0);
    };
    if (0xd800..0xdc00).contains(&high) {
        if rest.get(4..6) == Some(b"\\u")
            && let Some(low) = hex4(&rest[6..])
            && (0xdc00..0xe000).contains(&low)
        {
            let code = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
            return (char::from_u32(code).unwrap_or('\u{fffd}'), 10);
        }
        return ('\u{fffd}', 4);
    }
    (char::from_u32(high).unwrap_or('\u{fffd}'), 4)
}

/// A string value as text: borrowed when it has no escapes and is valid UTF-8.
pub fn text(value: &[u8], escaped: bool) -> std::borrow::Cow<'_, str> {
    if escaped {
        std::borrow::Cow::Owned(unescape(value))
    } else {
        String::from_utf8_lossy(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(line: &str) -> Vec<(String, Kind, String)> {
        members(line.as_bytes())
            .map(|m| {
                (
                    String::from_utf8_lossy(m.key).into_owned(),
                    m.kind,
                    String::from_utf8_lossy(m.value).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn scans_a_logr_line() {
        let got = keys(
            r#"{"timestamp":"2025-03-14 09:27:10.027 Z","level":"debug","msg":"Received HTTP request","caller":"web/handlers.go:187","http_code":403,"ok":true,"nested":{"a":[1,"}"]},"list":[{"b":"]"}]}"#,
        );
        assert_eq!(
            got[0],
            (
                "timestamp".into(),
                Kind::String,
                "2025-03-14 09:27:10.027 Z".into()
            )
        );
        assert_eq!(got[4], ("http_code".into(), Kind::Number, "403".into()));
        assert_eq!(got[5], ("ok".into(), Kind::Literal, "true".into()));
        assert_eq!(
            got[6],
            ("nested".into(), Kind::Object, r#"{"a":[1,"}"]}"#.into())
        );
        assert_eq!(
            got[7],
            ("list".into(), Kind::Array, r#"[{"b":"]"}]"#.into())
        );
        assert_eq!(got.len(), 8);
    }

    #[test]
    fn escapes_are_found_and_decoded() {
        let line = r#"{"msg":"say \"hi\"\n\u00e9\ud83d\ude00 \u001b[31m","x":1}"#;
        let m = members(line.as_bytes()).next().unwrap();
        assert!(m.escaped);
        assert_eq!(unescape(m.value), "say \"hi\"\né😀 \u{1b}[31m");
        assert_eq!(unescape(br"\ud800x"), "\u{fffd}x");
        assert_eq!(unescape(br"\q\u12"), "\u{fffd}\u{fffd}12");
    }

    #[test]
    fn malformed_input_ends_the_scan_quietly() {
        assert!(keys("not json").is_empty());
        assert_eq!(keys(r#"{"a":"ok","b":"unterminated"#).len(), 1);
        assert_eq!(keys(r#"{"a":1,"b":{"c":[}"#).len(), 1);
        assert_eq!(keys(r#"{"a":"\"#).len(), 0);
        assert_eq!(keys(r#"{"a":}"#).len(), 0);
        assert!(keys("{").is_empty());
        assert!(keys("").is_empty());
        assert_eq!(keys("{\"a\":\"\0\u{ff}\"}").len(), 1);
    }

    #[test]
    fn whitespace_between_tokens() {
        let got = keys("{ \"a\" : 1 , \"b\" :\t\"x\" }");
        assert_eq!(
            got,
            vec![
                ("a".into(), Kind::Number, "1".into()),
                ("b".into(), Kind::String, "x".into())
            ]
        );
    }
}
