//! A log message's template: its variable parts (ids, numbers, durations, IP addresses, URLs,
//! paths, emails, hex, quoted values) masked, so that lines saying the same thing about
//! different things count as one.

/// The template of `msg`: `dial tcp 10.0.0.5:5432: i/o timeout` → `dial tcp <ip>:#: i/o
/// timeout`; `user 8fqrzj1ucjyxpcbxgcn4nr1gpr joined` → `user <id> joined`.
pub fn template(msg: &str) -> String {
    let msg = mask_quoted(msg);
    let mut out = String::with_capacity(msg.len());
    for (i, word) in msg.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&mask_word(word));
    }
    out
}

/// Quoted text, however many words, as `'…'`: a quote opens at the start of a word and closes
/// at the same quote before a space, punctuation or the end (the `'` of `can't` opens nothing).
fn mask_quoted(msg: &str) -> std::borrow::Cow<'_, str> {
    if !msg.contains(['\'', '"']) {
        return std::borrow::Cow::Borrowed(msg);
    }
    let chars: Vec<char> = msg.chars().collect();
    let mut out = String::with_capacity(msg.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens = matches!(c, '\'' | '"')
            && (i == 0 || matches!(chars[i - 1], ' ' | '(' | '[' | '=' | ':' | ','));
        let close = opens
            .then(|| {
                (i + 1..chars.len()).find(|&j| {
                    chars[j] == c
                        && chars
                            .get(j + 1)
                            .is_none_or(|n| matches!(n, ' ' | ',' | '.' | ';' | ':' | ')' | ']'))
                })
            })
            .flatten();
        match close {
            Some(j) if j > i + 1 => {
                out.push(c);
                out.push('…');
                out.push(c);
                i = j + 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

fn mask_word(word: &str) -> String {
    let core = word.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '[' | ']'));
    if core.len() >= 2
        && (core.starts_with('"') && core.ends_with('"')
            || core.starts_with('\'') && core.ends_with('\''))
    {
        let quote = &core[..1];
        return word.replacen(core, &format!("{quote}…{quote}"), 1);
    }
    if core.contains("://") {
        return word.replacen(core, "<url>", 1);
    }
    if core.contains('@') && core.contains('.') && !core.starts_with('@') {
        return word.replacen(core, "<email>", 1);
    }
    if (core.starts_with('/') || core.starts_with("./")) && core[1..].contains('/') {
        return word.replacen(core, "<path>", 1);
    }
    if let Some(ip) = ip_prefix(core) {
        // The port stays as a number: `10.0.0.5:5432` → `<ip>:#`.
        return mask_digits(&word.replacen(ip, "<ip>", 1));
    }
    if is_id(core) {
        return word.replacen(core, "<id>", 1);
    }
    if core.len() >= 8
        && core.chars().all(|c| c.is_ascii_hexdigit())
        && core.chars().any(|c| c.is_ascii_digit())
    {
        return word.replacen(core, "<hex>", 1);
    }
    mask_digits(word)
}

/// A URL path with its ids masked: `/api/v4/teams/8fqrzj1ucjyxpcbxgcn4nr1gpr/members` →
/// `/api/v4/teams/<id>/members`, so that the calls of one route count together.
pub fn mask_path_ids(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    mask_path_ids_into(path, &mut out);
    out
}

/// [`mask_path_ids`] into `out` (cleared first), for a caller that reuses one buffer.
pub fn mask_path_ids_into(path: &str, out: &mut String) {
    out.clear();
    let (path, query) = match path.split_once('?') {
        Some((path, _)) => (path, "?…"),
        None => (path, ""),
    };
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(if is_id(segment) { "<id>" } else { segment });
    }
    out.push_str(query);
}

/// The IPv4 address `word` starts with (four dot-separated numbers), if it does.
fn ip_prefix(word: &str) -> Option<&str> {
    let mut end = 0;
    for (i, part) in word.splitn(4, '.').enumerate() {
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 3 || (i < 3 && digits != part.len()) {
            return None;
        }
        end += digits + usize::from(i > 0);
        if i == 3 {
            return Some(&word[..end]);
        }
    }
    None
}

/// Mattermost's ids: 26 lower-case letters and digits.
fn is_id(word: &str) -> bool {
    word.len() == 26
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_digit())
}

/// Every run of digits as `#` (a duration keeps its unit: `1.5s` → `#.#s`).
fn mask_digits(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut in_digits = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_parts_are_masked() {
        assert_eq!(
            template("dial tcp 10.0.0.5:5432: i/o timeout"),
            "dial tcp <ip>:#: i/o timeout"
        );
        assert_eq!(template("from 192.168.1.20,"), "from <ip>,");
        assert_eq!(template("version 1.2.3"), "version #.#.#");
        assert_eq!(
            template("GET https://chat.example.com/api/v4/users?x=1 failed"),
            "GET <url> failed"
        );
        assert_eq!(
            template("open /opt/mattermost/data/x.png: no such file"),
            "open <path> no such file"
        );
        assert_eq!(
            template("user 8fqrzj1ucjyxpcbxgcn4nr1gpr joined team 'x y'"),
            "user <id> joined team '…'"
        );
        assert_eq!(
            template("mail to ana@example.com failed after 1.5s"),
            "mail to <email> failed after #.#s"
        );
        assert_eq!(template("hash 3f1a9c0d2b"), "hash <hex>");
        assert_eq!(template("plugin \"github\" failed"), "plugin \"…\" failed");
        assert_eq!(
            template("Sending to 63c06ca8e3949ca7e5996c31fcf07ecb wi msg of '@accountb: Hello'"),
            "Sending to <hex> wi msg of '…'"
        );
        assert_eq!(template("can't exchange state"), "can't exchange state");
        assert_eq!(template("user 'x y' and 'z'."), "user '…' and '…'.");
        assert_eq!(template("Server is starting"), "Server is starting");
        assert_eq!(
            mask_path_ids("/api/v4/teams/8fqrzj1ucjyxpcbxgcn4nr1gpr/members?page=2"),
            "/api/v4/teams/<id>/members?…"
        );
    }
}
